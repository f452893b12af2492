#include "ledger/admission.h"

#include <spdlog/spdlog.h>

namespace ejournal {
namespace {

const DecodedEvent& DecodedOf(const AppendRequest& request) {
  return *static_cast<const DecodedEvent*>(request.context.get());
}

}  // namespace

Admission::Admission(CredentialRegistry* registry, DecodeLimits limits)
    : registry_(registry), limits_(limits) {}

Result<AppendRequest> Admission::Check(std::string signed_event_bytes, int64_t now_us) const {
  EJ_ASSIGN_OR_RETURN(DecodedEvent decoded,
                      DecodeSignedEvent(std::move(signed_event_bytes), limits_));
  if (decoded.body.payload_case() == v1::EventBody::PAYLOAD_NOT_SET) {
    return Err(InvalidArgument("event " + decoded.body.event_id() + " has no payload"));
  }
  EJ_ASSIGN_OR_RETURN(crypto::PublicKey key, registry_->Authorize(decoded.body.credential_id(),
                                                                  decoded.body.actor_id(), now_us));
  EJ_RETURN_IF_ERROR(VerifyEventSignature(decoded, key));
  auto shared = std::make_shared<DecodedEvent>(std::move(decoded));
  AppendRequest request;
  request.event_id = shared->body.event_id();
  request.body_digest = shared->body_digest;
  request.signed_event = shared->bytes;
  request.context = shared;
  return request;
}

Status Admission::CatchUp(const Ledger& ledger) {
  Status failed;
  EJ_RETURN_IF_ERROR(ledger.ForEachEntry(1, [&](uint64_t seq, std::string_view bytes) {
    v1::LedgerEntry entry;
    v1::EventBody body;
    if (!entry.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())) ||
        !body.ParseFromString(entry.event().body())) {
      failed = DataLoss("entry " + std::to_string(seq) + " does not parse");
      return false;
    }
    failed = registry_->Apply(body, seq, entry.recorded_at_us());
    return failed.ok();
  }));
  return failed;
}

Status Admission::Admit(const AppendRequest& request, int64_t recorded_at_us) {
  if (request.context == nullptr) {
    return Internal("event " + request.event_id + " reached the writer without admission");
  }
  const DecodedEvent& event = DecodedOf(request);
  auto key =
      registry_->Authorize(event.body.credential_id(), event.body.actor_id(), recorded_at_us);
  if (!key) return key.error();
  if (event.body.has_credential_issued()) {
    EJ_RETURN_IF_ERROR(registry_->CheckIssue(event.body.credential_issued()));
  }
  if (event.body.has_credential_revoked()) {
    EJ_RETURN_IF_ERROR(registry_->CheckRevoke(event.body.credential_revoked()));
  }
  return Status::Ok();
}

void Admission::Apply(const AppendRequest& request, uint64_t sequence, int64_t recorded_at_us,
                      std::string_view, rocksdb::WriteBatch&) {
  Status st = registry_->Apply(DecodedOf(request).body, sequence, recorded_at_us);
  if (!st.ok()) spdlog::error("entry {}: credential state: {}", sequence, st.ToString());
}

}  // namespace ejournal
