#include "ledger/admission.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <span>
#include <thread>

#include "ledger/entry_stream.h"

namespace ejournal {
namespace {

// A catch-up of at least this many entries compacts the views at its end (a replay).
constexpr uint64_t kCatchUpCompactAfter = 50000;

const DecodedEvent& DecodedOf(const AppendRequest& request) {
  return *static_cast<const DecodedEvent*>(request.context.get());
}

// Writes a catch-up's view batches on a thread of its own, in the order they are handed over,
// while the caller goes on folding: RocksDB's memtable inserts and the WAL's sync were a quarter
// of a replay's instructions on the folding thread (docs/BENCHMARKS.md, issue 3 item 11). One
// batch is written while the next one is built; Submit waits for the previous write to finish
// first, so at most two batches exist. Each batch carries the views' applied position of its last
// entry, and the batches reach RocksDB in order: after a crash the views are those of a prefix of
// the entries, with that prefix's position, as when the caller wrote them itself.
class CatchUpWriter {
 public:
  explicit CatchUpWriter(rocksdb::DB* db) : db_(db), thread_([this] { Run(); }) {}
  CatchUpWriter(const CatchUpWriter&) = delete;
  CatchUpWriter& operator=(const CatchUpWriter&) = delete;
  ~CatchUpWriter() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

  // Hands `batch` over to be written (synced) after the batches before it; `batch` comes back
  // empty (the buffer of an earlier batch, reused). The error of an earlier write, if any (then
  // nothing more is written).
  Status Submit(rocksdb::WriteBatch& batch) {
    if (batch.Count() == 0) return Status::Ok();
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return !has_next_ && !writing_; });
    if (!error_.ok()) return error_;
    std::swap(next_, batch);
    has_next_ = true;
    lock.unlock();
    cv_.notify_all();
    batch.Clear();
    return Status::Ok();
  }
  // Waits until every batch handed over is written; the first error, if any.
  Status Finish() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return !has_next_ && !writing_; });
    return error_;
  }

 private:
  void Run() {
    std::unique_lock lock(mu_);
    for (;;) {
      cv_.wait(lock, [this] { return has_next_ || stop_; });
      if (!has_next_) return;  // stopped, nothing left
      std::swap(writing_batch_, next_);
      has_next_ = false;
      writing_ = true;
      const bool failed = !error_.ok();
      lock.unlock();
      Status written;
      if (!failed) {
        rocksdb::WriteOptions wo;
        wo.sync = true;
        rocksdb::Status s = db_->Write(wo, &writing_batch_);
        if (!s.ok()) written = IoError("writing caught-up views: " + s.ToString());
      }
      writing_batch_.Clear();
      lock.lock();
      if (error_.ok() && !written.ok()) error_ = written;
      writing_ = false;
      cv_.notify_all();
    }
  }

  rocksdb::DB* const db_;
  std::mutex mu_;
  std::condition_variable cv_;
  rocksdb::WriteBatch next_;           // guarded by mu_ (valid when has_next_)
  rocksdb::WriteBatch writing_batch_;  // the writer thread's
  bool has_next_ = false;              // guarded by mu_
  bool writing_ = false;               // guarded by mu_
  bool stop_ = false;                  // guarded by mu_
  Status error_;                       // guarded by mu_: the first failed write
  std::thread thread_;                 // last: starts once the members above exist
};

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

Status Admission::CatchUp(const Ledger& ledger, uint64_t views_chunk) {
  views_chunk = std::max<uint64_t>(1, views_chunk);
  uint64_t views_from = UINT64_MAX;  // the first entry whose views are not yet stored
  if (school_ != nullptr && ledger.column_families().views != nullptr) {
    EJ_ASSIGN_OR_RETURN(uint64_t applied,
                        school::ViewsAppliedPosition(ledger.db(), ledger.column_families().views));
    views_from = applied + 1;
  }
  rocksdb::WriteBatch batch;
  Status failed;
  // The views of many entries are written at once (each view once per chunk, from the state after
  // the chunk's last entry: byte-identical to writing them entry by entry, projections/views.h),
  // the chunk's batch built here and written to RocksDB on the writer's thread meanwhile.
  const bool with_views = views_from != UINT64_MAX;
  school::ViewBatchWriter pending(with_views ? ledger.column_families().views : nullptr);
  std::optional<CatchUpWriter> writer;
  if (with_views) writer.emplace(ledger.db());
  auto write_pending = [&]() -> Status {
    pending.Write(*school_, batch);
    return writer->Submit(batch);
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
          if (pending.gathered() >= views_chunk) failed = write_pending();
        }
      }
      if (!failed.ok()) break;
    }
    if (!failed.ok()) break;
  }
  EJ_RETURN_IF_ERROR(failed);  // (the writer's destructor waits for its batch in flight)
  if (with_views) {
    EJ_RETURN_IF_ERROR(write_pending());
    EJ_RETURN_IF_ERROR(writer->Finish());
  }
  // From now on the writer gathers each group's views and writes them once (FinishGroup).
  if (with_views) views_.emplace(ledger.column_families().views);
  // After a long catch-up (a replay), the views are compacted now: the memtable goes to a table
  // file (the writes were synced to the WAL already, but the next open would replay them from
  // it), and the views that a replay's ClearViews deleted, which page scans would otherwise step
  // over, are dropped.
  if (with_views && school_ != nullptr && school_->size() >= views_from + kCatchUpCompactAfter) {
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
