#include "ledger/admission.h"

#include <spdlog/spdlog.h>

#include <span>

#include "ledger/entry_stream.h"

namespace ejournal {
namespace {

// Entries whose views Admission::CatchUp gathers before writing them (a replay's memory bound).
constexpr uint64_t kCatchUpChunk = 50000;

const DecodedEvent& DecodedOf(const AppendRequest& request) {
  return *static_cast<const DecodedEvent*>(request.context.get());
}

}  // namespace

Admission::Admission(CredentialRegistry* registry, DecodeLimits limits, school::SchoolState* school)
    : registry_(registry), limits_(limits), school_(school) {
  if (school_ != nullptr) rules_.emplace(school_);
}

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
  uint64_t views_from = UINT64_MAX;  // the first entry whose views are not yet stored
  if (school_ != nullptr && ledger.column_families().views != nullptr) {
    EJ_ASSIGN_OR_RETURN(uint64_t applied,
                        school::ViewsAppliedPosition(ledger.db(), ledger.column_families().views));
    views_from = applied + 1;
  }
  rocksdb::WriteBatch batch;
  Status failed;
  auto flush = [&]() -> Status {
    if (batch.Count() == 0) return Status::Ok();
    rocksdb::WriteOptions wo;
    wo.sync = true;
    rocksdb::Status s = ledger.db()->Write(wo, &batch);
    batch.Clear();
    return s.ok() ? Status::Ok() : IoError("writing caught-up views: " + s.ToString());
  };
  // The views of many entries are written at once (each view once per chunk, from the state after
  // the chunk's last entry: byte-identical to writing them entry by entry, projections/views.h).
  const bool with_views = views_from != UINT64_MAX;
  school::ViewBatchWriter pending(with_views ? ledger.column_families().views : nullptr);
  auto write_pending = [&]() -> Status {
    pending.Write(*school_, batch);
    return flush();
  };
  if (school_ != nullptr && ledger.size() > school_->size()) {
    school_->Reserve(ledger.size() - school_->size());
  }
  // Read and parsed on a second thread (ledger/entry_stream.h) while this one folds.
  EntryStream stream(ledger, 1);
  for (;;) {
    EJ_ASSIGN_OR_RETURN(std::span<const ParsedEntry> entries, stream.Next());
    if (entries.empty()) break;
    for (const ParsedEntry& e : entries) {
      const uint64_t seq = e.sequence;
      failed = registry_->Apply(e.body, seq, e.recorded_at_us);
      if (failed.ok() && school_ != nullptr && seq > school_->size()) {
        const bool views = with_views && seq >= views_from;
        if (views && pending.gathered() > 0 && school::ViewBatchWriter::MustWriteBefore(e.body)) {
          failed = write_pending();
          if (!failed.ok()) break;
        }
        failed = school_->Apply(e.body, seq, e.recorded_at_us);
        if (failed.ok() && views) {
          pending.Gather(*school_, seq);
          if (pending.gathered() >= kCatchUpChunk) failed = write_pending();
        }
      }
      if (!failed.ok()) break;
    }
    if (!failed.ok()) break;
  }
  EJ_RETURN_IF_ERROR(failed);
  if (school_ != nullptr && with_views) EJ_RETURN_IF_ERROR(write_pending());
  EJ_RETURN_IF_ERROR(flush());
  // From now on the writer gathers each group's views and writes them once (FinishGroup).
  if (with_views) views_.emplace(ledger.column_families().views);
  // After a long catch-up (a replay), the views are compacted now: the memtable goes to a table
  // file (the writes were synced to the WAL already, but the next open would replay them from
  // it), and the views that a replay's ClearViews deleted, which page scans would otherwise step
  // over, are dropped.
  if (with_views && school_ != nullptr && school_->size() >= views_from + kCatchUpChunk) {
    rocksdb::CompactRangeOptions co;
    rocksdb::Status s =
        ledger.db()->CompactRange(co, ledger.column_families().views, nullptr, nullptr);
    if (!s.ok()) return IoError("compacting caught-up views: " + s.ToString());
  }
  return Status::Ok();
}

Status Admission::Admit(const AppendRequest& request, int64_t recorded_at_us) {
  if (request.context == nullptr) {
    return Internal("event " + request.event_id + " reached the writer without admission");
  }
  const DecodedEvent& event = DecodedOf(request);
  // The request must carry exactly what was checked (the writer stores `signed_event`).
  if (request.signed_event != event.bytes || request.event_id != event.body.event_id() ||
      request.body_digest != event.body_digest) {
    return Internal("event " + request.event_id + " differs from what admission checked");
  }
  auto key =
      registry_->Authorize(event.body.credential_id(), event.body.actor_id(), recorded_at_us);
  if (!key) return key.error();
  if (event.body.has_credential_issued()) {
    EJ_RETURN_IF_ERROR(registry_->CheckIssue(event.body.credential_issued()));
  }
  if (event.body.has_credential_revoked()) {
    EJ_RETURN_IF_ERROR(registry_->CheckRevoke(event.body.credential_revoked()));
  }
  if (rules_) return rules_->Check(event.body, recorded_at_us);
  // No school rules: fail closed for the credential events (R-ACC-2).
  if ((event.body.has_credential_issued() || event.body.has_credential_revoked()) &&
      event.body.actor_id() != kNodeUserId) {
    return PermissionDenied("only the node issues or revokes credentials here", "R-ACC-2");
  }
  return Status::Ok();
}

const v1::EventBody& Admission::BodyOf(const AppendRequest& request) {
  return DecodedOf(request).body;
}

void Admission::Apply(const AppendRequest& request, uint64_t sequence, int64_t recorded_at_us,
                      std::string_view, rocksdb::WriteBatch& batch) {
  const v1::EventBody& body = DecodedOf(request).body;
  Status st = registry_->Apply(body, sequence, recorded_at_us);
  if (!st.ok()) spdlog::error("entry {}: credential state: {}", sequence, st.ToString());
  if (school_ != nullptr) {
    // A lesson move changes the keys of the views gathered before it: those are written first.
    if (views_ && views_->gathered() > 0 && school::ViewBatchWriter::MustWriteBefore(body)) {
      views_->Write(*school_, batch);
    }
    st = school_->Apply(body, sequence, recorded_at_us);
    if (!st.ok()) spdlog::error("entry {}: school state: {}", sequence, st.ToString());
    if (views_) views_->Gather(*school_, sequence);
  }
}

void Admission::FinishGroup(rocksdb::WriteBatch& batch) {
  if (school_ != nullptr && views_) views_->Write(*school_, batch);
}

}  // namespace ejournal
