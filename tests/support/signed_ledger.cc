#include "tests/support/signed_ledger.h"

#include <cstdio>
#include <filesystem>
#include <random>

#include "ejournal/v1/ledger.pb.h"
#include "ledger/event_codec.h"

namespace ejournal::testing {

class SignedLedger::Gate final : public AppendObserver {
 public:
  explicit Gate(Admission* admission) : admission_(admission) {}
  bool unadmitted = false;
  Status Admit(const AppendRequest& request, int64_t recorded_at_us) override {
    return unadmitted ? Status::Ok() : admission_->Admit(request, recorded_at_us);
  }
  Status Apply(const AppendRequest& request, uint64_t sequence, int64_t recorded_at_us,
               std::string_view entry_bytes, rocksdb::WriteBatch& batch) override {
    return admission_->Apply(request, sequence, recorded_at_us, entry_bytes, batch);
  }
  void FinishGroup(rocksdb::WriteBatch& batch) override { admission_->FinishGroup(batch); }

 private:
  Admission* const admission_;
};

Result<std::unique_ptr<SignedLedger>> SignedLedger::Create(std::string data_dir, const Clock* clock,
                                                           DecodeLimits limits) {
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) return Err(IoError("cannot create " + data_dir + ": " + ec.message()));
  EJ_ASSIGN_OR_RETURN(NodeIdentity node, GenerateNodeIdentity(kOrigin));
  EJ_RETURN_IF_ERROR(
      crypto::WriteSecretFile(data_dir + "/node.key", node.signer->SignerKey() + "\n"));
  EJ_RETURN_IF_ERROR(
      crypto::WriteSecretFile(data_dir + "/node.pub", node.VerifierKey() + "\n", true));
  return std::unique_ptr<SignedLedger>(
      new SignedLedger(std::move(data_dir), clock, limits, std::move(node)));
}

SignedLedger::SignedLedger(std::string data_dir, const Clock* clock, DecodeLimits limits,
                           NodeIdentity node)
    : data_dir_(std::move(data_dir)), clock_(clock), limits_(limits), node_(std::move(node)) {
  char salt[9];
  std::snprintf(salt, sizeof salt, "%08x", static_cast<unsigned>(std::random_device{}()));
  id_salt_ = salt;
}

SignedLedger::~SignedLedger() { Close(); }

Status SignedLedger::Open(AppendObserver* observer) {
  Close();
  registry_ = std::make_unique<CredentialRegistry>();
  registry_->AddNode(node_.credential_id, node_.key.public_key());
  school_ = school_rules_ ? std::make_unique<school::SchoolState>() : nullptr;
  admission_ = std::make_unique<Admission>(registry_.get(), limits_, school_.get());
  LedgerOptions options;
  options.path = ledger_path();
  options.origin = kOrigin;
  options.checkpoint_signer = node_.signer;
  options.clock = clock_;
  gate_ = std::make_unique<Gate>(admission_.get());
  options.observer = observer != nullptr ? observer : gate_.get();
  EJ_ASSIGN_OR_RETURN(ledger_, Ledger::Open(std::move(options)));
  return admission_->CatchUp(*ledger_);
}

void SignedLedger::Close() {
  ledger_.reset();  // the writer stops before admission and the registry go
  gate_.reset();
  admission_.reset();
  school_.reset();
  registry_.reset();
}

Signer SignedLedger::NodeSigner() const {
  return Signer{.credential_id = node_.credential_id, .user_id = kNodeUserId, .key = node_.key};
}

std::string SignedLedger::NewEventId() {
  char id[32];
  std::snprintf(id, sizeof id, "e-%s-%06llu", id_salt_.c_str(),
                static_cast<unsigned long long>(++next_id_));
  return id;
}

v1::EventBody SignedLedger::NewBody(const Signer& signer) {
  v1::EventBody body;
  body.set_schema_version(kSchemaVersion);
  body.set_event_id(NewEventId());
  body.set_school_id(kSchoolId);
  body.set_actor_id(signer.user_id);
  body.set_credential_id(signer.credential_id);
  body.set_client_time_us(clock_->NowMicros());
  return body;
}

v1::EventBody SignedLedger::UserRegisteredBody(const Signer& signer, const std::string& user_id) {
  v1::EventBody body = NewBody(signer);
  auto* user = body.mutable_user_registered();
  user->set_user_id(user_id);
  user->add_roles(v1::ROLE_STUDENT);
  user->set_display_name("Ученик " + user_id);
  return body;
}

v1::EventBody SignedLedger::CredentialIssuedBody(const std::string& credential_id,
                                                 const std::string& user_id,
                                                 const crypto::PublicKey& key,
                                                 int64_t not_after_us) {
  v1::EventBody body = NewBody(NodeSigner());
  auto* issued = body.mutable_credential_issued();
  issued->set_credential_id(credential_id);
  issued->set_user_id(user_id);
  issued->set_algorithm(static_cast<v1::KeyAlgorithm>(key.type()));
  issued->set_public_key(key.raw());
  issued->set_kind(v1::CREDENTIAL_KIND_SESSION);
  issued->set_not_after_us(not_after_us);
  issued->set_label("test credential");
  return body;
}

v1::EventBody SignedLedger::CredentialRevokedBody(const std::string& credential_id) {
  v1::EventBody body = NewBody(NodeSigner());
  auto* revoked = body.mutable_credential_revoked();
  revoked->set_credential_id(credential_id);
  revoked->set_reason(v1::REVOCATION_REASON_ADMIN);
  revoked->set_comment("test revocation");
  return body;
}

v1::EventBody SignedLedger::CompromiseActBody(const std::string& user_id,
                                              const std::vector<std::string>& credential_ids) {
  v1::EventBody body = NewBody(NodeSigner());
  auto* act = body.mutable_credential_compromise_act_recorded();
  act->set_act_id("act-" + body.event_id());
  act->set_act_number("1/2026");
  act->set_affected_user_id(user_id);
  for (const auto& id : credential_ids) act->add_affected_credential_ids(id);
  act->set_invalid_from_us(clock_->NowMicros());
  act->set_circumstances("test: the password was seen by another person");
  return body;
}

Result<std::string> SignedLedger::Sign(const v1::EventBody& body, const Signer& signer) const {
  return SignEvent(body, signer.key);
}

Result<std::string> SignedLedger::SignBodyBytes(const std::string& body_bytes,
                                                const Signer& signer) const {
  v1::SignedEvent signed_event;
  signed_event.set_body(body_bytes);
  EJ_ASSIGN_OR_RETURN(*signed_event.mutable_signature(), signer.key.Sign(body_bytes));
  signed_event.set_credential_id(signer.credential_id);
  return signed_event.SerializeAsString();
}

Result<AppendResult> SignedLedger::Submit(std::string signed_event) {
  EJ_ASSIGN_OR_RETURN(AppendRequest request,
                      admission_->Check(std::move(signed_event), clock_->NowMicros()));
  return ledger_->Append(std::move(request));
}

Result<AppendResult> SignedLedger::Submit(const v1::EventBody& body, const Signer& signer) {
  EJ_ASSIGN_OR_RETURN(std::string bytes, Sign(body, signer));
  return Submit(std::move(bytes));
}

Result<AppendResult> SignedLedger::AppendUnadmitted(std::string signed_event) {
  EJ_ASSIGN_OR_RETURN(DecodedEvent decoded, DecodeSignedEvent(signed_event, limits_));
  AppendRequest request = std::move(decoded).ToAppendRequest();
  request.context =
      std::make_shared<DecodedEvent>(DecodeSignedEvent(request.signed_event, limits_).value());
  gate_->unadmitted = true;
  auto appended = ledger_->Append(std::move(request));
  gate_->unadmitted = false;
  return appended;
}

Result<Signer> SignedLedger::IssueCredential(const std::string& user_id, crypto::KeyType type,
                                             int64_t not_after_us, const std::string& school_id) {
  EJ_ASSIGN_OR_RETURN(crypto::PrivateKey key, crypto::PrivateKey::Generate(type));
  const std::string credential_id = "cred-" + user_id + "-" +
                                    std::string(crypto::KeyTypeName(type)) + "-" +
                                    std::to_string(next_id_ + 1);
  if (not_after_us == 0) not_after_us = clock_->NowMicros() + kDefaultLifetimeUs;
  v1::EventBody body = CredentialIssuedBody(credential_id, user_id, key.public_key(), not_after_us);
  body.set_school_id(school_id);
  EJ_ASSIGN_OR_RETURN(AppendResult appended, Submit(body, NodeSigner()));
  (void)appended;
  return Signer{.credential_id = credential_id, .user_id = user_id, .key = std::move(key)};
}

}  // namespace ejournal::testing
