#include "ledger/credentials.h"

#include <cstdio>

namespace ejournal {

std::string NodeCredentialId(uint32_t note_key_id) {
  char hex[9];
  std::snprintf(hex, sizeof hex, "%08x", note_key_id);
  return std::string("node:") + hex;
}

void CredentialRegistry::AddNode(std::string credential_id, crypto::PublicKey key) {
  WriterMutexLock lock(&mu_);
  CredentialState state{.credential_id = credential_id,
                        .user_id = kNodeUserId,
                        .key = std::move(key),
                        .kind = v1::CREDENTIAL_KIND_NODE};
  credentials_.insert_or_assign(std::move(credential_id), std::move(state));
}

Status CredentialRegistry::CheckIssue(const v1::CredentialIssued& issued) const {
  if (issued.credential_id().empty()) return InvalidArgument("the credential has no id");
  if (issued.user_id().empty()) return InvalidArgument("the credential names no user");
  if (issued.user_id() == kNodeUserId) {
    return PermissionDenied("no credential is issued to the node by an event", "R-ACC-4");
  }
  {
    ReaderMutexLock lock(&mu_);
    if (credentials_.contains(issued.credential_id())) {
      return AlreadyExists("credential " + issued.credential_id() + " already exists");
    }
  }
  if (issued.algorithm() != v1::KEY_ALGORITHM_ED25519 &&
      issued.algorithm() != v1::KEY_ALGORITHM_ECDSA_P256_SHA256) {
    return InvalidArgument("credential " + issued.credential_id() +
                           ": unknown key algorithm; use Ed25519 or ECDSA P-256");
  }
  auto key = crypto::PublicKey::FromRaw(static_cast<crypto::KeyType>(issued.algorithm()),
                                        issued.public_key());
  if (!key) return key.error().WithContext("credential " + issued.credential_id());
  if (issued.kind() == v1::CREDENTIAL_KIND_UNSPECIFIED) {
    return InvalidArgument("credential " + issued.credential_id() + " has no kind");
  }
  if (issued.kind() == v1::CREDENTIAL_KIND_NODE) {
    return PermissionDenied("node credentials are not issued by events", "R-ACC-2");
  }
  if (issued.not_after_us() <= 0) {
    return InvalidArgument("credential " + issued.credential_id() +
                           " needs an expiry (not_after_us)");
  }
  return Status::Ok();
}

Status CredentialRegistry::CheckRevoke(const v1::CredentialRevoked& revoked) const {
  ReaderMutexLock lock(&mu_);
  if (!credentials_.contains(revoked.credential_id())) {
    return NotFound("credential " + revoked.credential_id() + " is unknown");
  }
  return Status::Ok();
}

Status CredentialRegistry::Apply(const v1::EventBody& body, uint64_t sequence,
                                 int64_t recorded_at_us) {
  WriterMutexLock lock(&mu_);
  switch (body.payload_case()) {
    case v1::EventBody::kCredentialIssued: {
      const auto& issued = body.credential_issued();
      const auto type = static_cast<crypto::KeyType>(issued.algorithm());
      auto key = keys_ == KeyParsing::kAtApply
                     ? crypto::PublicKey::FromRaw(type, issued.public_key())
                     : crypto::PublicKey::FromRawDeferred(type, issued.public_key());
      if (!key) return key.error().WithContext("credential " + issued.credential_id());
      CredentialState state{.credential_id = issued.credential_id(),
                            .user_id = issued.user_id(),
                            .school_id = body.school_id(),
                            .key = std::move(*key),
                            .kind = issued.kind(),
                            .not_after_us = issued.not_after_us(),
                            .issued_at_sequence = sequence};
      if (!credentials_.emplace(issued.credential_id(), std::move(state)).second) {
        return AlreadyExists("credential " + issued.credential_id() + " already exists");
      }
      return Status::Ok();
    }
    case v1::EventBody::kCredentialRevoked: {
      auto it = credentials_.find(body.credential_revoked().credential_id());
      if (it == credentials_.end()) {
        return NotFound("credential " + body.credential_revoked().credential_id() + " is unknown");
      }
      if (it->second.revoked_at_us == 0) {
        it->second.revoked_at_us = recorded_at_us;
        it->second.revoked_at_sequence = sequence;
      }
      return Status::Ok();
    }
    case v1::EventBody::kCredentialCompromiseActRecorded: {
      // R-SEC-2: the credentials named by the Act are revoked at once; naming none means every
      // credential of the affected user issued before the Act (control.proto). An Act acts in
      // its own school only (R-ACC-6): a credential of another school is not its to revoke.
      const auto& act = body.credential_compromise_act_recorded();
      auto revoke = [&](CredentialState& c) {
        if (c.school_id != body.school_id()) return;
        c.compromised = true;
        if (c.revoked_at_us == 0) {
          c.revoked_at_us = recorded_at_us;
          c.revoked_at_sequence = sequence;
        }
      };
      if (act.affected_credential_ids().empty()) {
        for (auto& [id, c] : credentials_) {
          if (c.user_id == act.affected_user_id() && c.issued_at_sequence < sequence) revoke(c);
        }
      }
      for (const auto& id : act.affected_credential_ids()) {
        auto it = credentials_.find(id);
        if (it != credentials_.end()) revoke(it->second);
      }
      return Status::Ok();
    }
    default:
      return Status::Ok();
  }
}

Result<crypto::PublicKey> CredentialRegistry::Authorize(std::string_view credential_id,
                                                        std::string_view school_id,
                                                        std::string_view actor_id,
                                                        int64_t at_us) const {
  ReaderMutexLock lock(&mu_);
  auto it = credentials_.find(credential_id);
  if (it == credentials_.end()) {
    return Err(
        Unauthenticated("credential " + std::string(credential_id) + " is unknown", "R-ACC-1"));
  }
  const CredentialState& c = it->second;
  // R-ACC-6 before R-ACC-4: a user id of another school may equal the actor's.
  if (c.kind != v1::CREDENTIAL_KIND_NODE && c.school_id != school_id) {
    return Err(PermissionDenied("ключ " + c.credential_id + " выдан в школе " + c.school_id +
                                    " и не действует в школе " + std::string(school_id),
                                "R-ACC-6"));
  }
  if (c.user_id != actor_id) {
    return Err(Unauthenticated("Ключ «" + c.credential_id +
                                   "» принадлежит другому пользователю: учётная запись личная, "
                                   "действовать за «" +
                                   std::string(actor_id) + "» ею нельзя",
                               "R-ACC-4"));
  }
  if (c.revoked_at_us != 0 && at_us >= c.revoked_at_us) {
    if (c.compromised) {
      return Err(Unauthenticated(
          "Ключ «" + c.credential_id + "» отозван актом о компрометации: войдите снова",
          "R-SEC-2"));
    }
    return Err(Unauthenticated("Ключ «" + c.credential_id + "» отозван: войдите снова", "R-ACC-1"));
  }
  if (c.not_after_us != 0 && at_us >= c.not_after_us) {
    return Err(
        Unauthenticated("Срок ключа «" + c.credential_id + "» истёк: войдите снова", "R-ACC-1"));
  }
  return c.key;
}

std::optional<CredentialState> CredentialRegistry::Find(std::string_view credential_id) const {
  ReaderMutexLock lock(&mu_);
  auto it = credentials_.find(credential_id);
  if (it == credentials_.end()) return std::nullopt;
  return it->second;
}

size_t CredentialRegistry::size() const {
  ReaderMutexLock lock(&mu_);
  return credentials_.size();
}

}  // namespace ejournal
