#include "ledger/admission.h"

#include <rocksdb/metadata.h>
#include <rocksdb/sst_file_writer.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "ledger/entry_stream.h"
#include "schemas/mutex.h"
#include "schemas/rocksdb_status.h"

namespace ejournal {
namespace {

// A catch-up of at least this many entries compacts the views at its end (a replay).
constexpr uint64_t kCatchUpCompactAfter = 50000;

const DecodedEvent& DecodedOf(const AppendRequest& request) { return *request.context; }

// A catch-up's table files before their ingestion: "<database>/views-catch-up-..." (CatchUpWriter
// and IngestBulkViews). Those a crash left behind were never ingested: removed.
constexpr std::string_view kCatchUpFilePrefix = "views-catch-up-";
void RemoveCatchUpFiles(rocksdb::DB* db) {
  std::vector<std::string> children;
  if (!db->GetEnv()->GetChildren(db->GetName(), &children).ok()) return;
  for (const std::string& name : children) {
    if (name.starts_with(kCatchUpFilePrefix)) {
      (void)db->GetEnv()->DeleteFile(db->GetName() + "/" + name);
    }
  }
}

// Writes a catch-up's view batches on a thread of its own, in the order they are handed over,
// while the caller goes on folding: RocksDB's memtable inserts and the WAL's sync were a quarter
// of a replay's instructions on the folding thread (docs/BENCHMARKS.md). One
// batch is written while the next one is built; Submit waits for the previous write to finish
// first, so at most two batches exist. Each batch carries the views' applied position of its last
// entry, and the batches reach RocksDB in order: after a crash the views are those of a prefix of
// the entries, with that prefix's position, as when the caller wrote them itself.
//
// With `table_files` (a long catch-up: a replay), a batch is not written through the memtable and
// the WAL but as a table file (rocksdb::SstFileWriter: its keys are in order already, each once,
// ViewBatchWriter::Write) ingested into the views, and the views' automatic compactions are off
// until Finish: the memtable inserts, the WAL, the memtable's flush and the compactions of a
// replay cost as much CPU as the fold (item 12); the catch-up's final CompactRange merges the
// files once. An ingestion is atomic and synced (the file, then the MANIFEST), so a crash still
// leaves the views of a prefix of the batches with that prefix's position.
class CatchUpWriter {
 public:
  CatchUpWriter(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf, bool table_files)
      : db_(db), cf_(cf), table_files_(table_files), thread_([this] { Run(); }) {}
  CatchUpWriter(const CatchUpWriter&) = delete;
  CatchUpWriter& operator=(const CatchUpWriter&) = delete;
  ~CatchUpWriter() {
    {
      MutexLock lock(&mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
    (void)RestoreCompactions();
  }

  // For table files: turns the views' automatic compactions off (before the first Submit).
  Status Start() {
    if (!table_files_) return Status::Ok();
    RemoveCatchUpFiles(db_);  // (RocksDB ignores their names)
    rocksdb::Status s = db_->SetOptions(cf_, {{"disable_auto_compactions", "true"}});
    if (!s.ok()) return FromRocks(s, "pausing the views' compactions");
    compactions_paused_ = true;
    return Status::Ok();
  }

  // Hands `batch` over to be written (synced) after the batches before it; `batch` comes back
  // empty (the buffer of an earlier batch, reused). The error of an earlier write, if any (then
  // nothing more is written).
  Status Submit(rocksdb::WriteBatch& batch) ABSL_LOCKS_EXCLUDED(mu_) {
    if (batch.Count() == 0) return Status::Ok();
    UniqueLock lock(&mu_);
    lock.Wait(cv_, [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return !has_next_ && !writing_; });
    if (!error_.ok()) return error_;
    std::swap(next_, batch);
    has_next_ = true;
    lock.Unlock();
    cv_.notify_all();
    batch.Clear();
    return Status::Ok();
  }
  // Waits until every batch handed over is written; the first error, if any.
  Status Finish() ABSL_LOCKS_EXCLUDED(mu_) {
    UniqueLock lock(&mu_);
    lock.Wait(cv_, [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return !has_next_ && !writing_; });
    return error_;
  }
  // Turns the views' automatic compactions back on (after the catch-up's own compaction, which
  // they would otherwise start on the same files; the destructor does it too).
  Status RestoreCompactions() {
    if (!compactions_paused_) return Status::Ok();
    compactions_paused_ = false;
    rocksdb::Status s = db_->SetOptions(cf_, {{"disable_auto_compactions", "false"}});
    if (!s.ok()) return FromRocks(s, "resuming the views' compactions");
    return Status::Ok();
  }

 private:
  // The batch's operations, in its order (ascending keys), into the table file.
  class ToTable final : public rocksdb::WriteBatch::Handler {
   public:
    explicit ToTable(rocksdb::SstFileWriter* file) : file_(file) {}
    rocksdb::Status PutCF(uint32_t, const rocksdb::Slice& key,
                          const rocksdb::Slice& value) override {
      return file_->Put(key, value);
    }
    rocksdb::Status DeleteCF(uint32_t, const rocksdb::Slice& key) override {
      return file_->Delete(key);
    }

   private:
    rocksdb::SstFileWriter* const file_;
  };

  // A chunk's table file before its ingestion: "<database>/views-catch-up-<n>.sst.tmp" (a name
  // of its own per chunk, for the fault-injection file system of the tests, which follows files
  // by name).
  std::string FilePath() const {
    return db_->GetName() + "/" + std::string(kCatchUpFilePrefix) + std::to_string(files_) +
           ".sst.tmp";
  }

  rocksdb::Status WriteTable(rocksdb::WriteBatch& batch) {
    if (!table_options_) {
      table_options_.emplace(db_->GetOptions(cf_));
      // A replay's files live until its final compaction (which compresses, and builds the
      // filters of the views' options): not compressed, no filters, kept in the page cache.
      table_options_->compression = rocksdb::kNoCompression;
    }
    rocksdb::SstFileWriter file(rocksdb::EnvOptions(*table_options_), *table_options_, cf_,
                                /*invalidate_page_cache=*/false, rocksdb::Env::IO_TOTAL,
                                /*skip_filters=*/true);
    const std::string path = FilePath();
    rocksdb::Status s = file.Open(path);
    ToTable to_table(&file);
    if (s.ok()) s = batch.Iterate(&to_table);
    if (s.ok()) s = file.Finish();  // synced
    if (s.ok()) {
      rocksdb::IngestExternalFileOptions io;
      io.move_files = true;           // linked into the database, the temporary name removed
      io.write_global_seqno = false;  // the sequence lives in the MANIFEST: no write to the file
      s = db_->IngestExternalFile(cf_, {path}, io);
    }
    if (!s.ok()) (void)db_->GetEnv()->DeleteFile(path);
    ++files_;
    return s;
  }

  void Run() ABSL_LOCKS_EXCLUDED(mu_) {
    UniqueLock lock(&mu_);
    for (;;) {
      lock.Wait(cv_, [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return has_next_ || stop_; });
      if (!has_next_) return;  // stopped, nothing left
      std::swap(writing_batch_, next_);
      has_next_ = false;
      writing_ = true;
      const bool failed = !error_.ok();
      lock.Unlock();
      Status written;
      if (!failed) {
        rocksdb::Status s;
        if (table_files_) {
          s = WriteTable(writing_batch_);
        } else {
          rocksdb::WriteOptions wo;
          wo.sync = true;
          s = db_->Write(wo, &writing_batch_);
        }
        if (!s.ok()) written = FromRocks(s, "writing caught-up views");
      }
      writing_batch_.Clear();
      lock.Lock();
      if (error_.ok() && !written.ok()) error_ = written;
      writing_ = false;
      cv_.notify_all();
    }
  }

  rocksdb::DB* const db_;
  rocksdb::ColumnFamilyHandle* const cf_;
  const bool table_files_;
  bool compactions_paused_ = false;                // the caller's
  std::optional<rocksdb::Options> table_options_;  // the writer thread's
  uint64_t files_ = 0;                             // the writer thread's: table files written
  Mutex mu_;
  std::condition_variable cv_;
  rocksdb::WriteBatch next_ ABSL_GUARDED_BY(mu_);  // valid when has_next_
  rocksdb::WriteBatch writing_batch_;              // the writer thread's
  bool has_next_ ABSL_GUARDED_BY(mu_) = false;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  Status error_ ABSL_GUARDED_BY(mu_);  // the first failed write
  std::thread thread_;                 // last: starts once the members above exist
};

Status Compact(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf,
               const rocksdb::CompactRangeOptions& options) {
  rocksdb::Status s = db->CompactRange(options, cf, nullptr, nullptr);
  if (!s.ok()) return FromRocks(s, "compacting caught-up views");
  return Status::Ok();
}

// The merge of a replay's chunk files (all in level 0: their compactions were paused), once, at
// the end, split by key range into subcompactions that run on both cores (the fold is over). What
// kept it on one thread (3.3-3.6 s of the 5-million-event replay, docs/BENCHMARKS.md):
// - RocksDB 7.8 (Debian's) runs a compaction split only when its planning found at least two
//   boundaries (CompactionJob::Prepare tests `boundaries_.size() > 1`; RocksDB issue 11476,
//   fixed in 8.4), so `max_subcompactions = 2`, whose one boundary is exactly the split asked
//   for, never splits. Four plans up to three boundaries: two subcompactions a core, which also
//   evens out an uneven cut.
// - The planning sizes a subcompaction at no less than the output level's target file size
//   (64 MiB by default): a merge of less than that stays whole. For that one merge the target is
//   lowered to a quarter of the input (never raised), then restored.
// The chunk files overlapping each other over the whole key space do not hinder the planning:
// it cuts at keys sampled from every file's index (TableReader::ApproximateKeyAnchors).
// Nothing else writes the views meanwhile, so the merge does not wait for a write stall that no
// writer would relieve. The merge does not change what the views hold, only their files; a crash
// during it leaves the ingested files as they were (RocksDB installs a compaction's output
// atomically), and the lowered target size does not outlive the process (the ledger sets the
// views' options at every open).
Status MergeTableFiles(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf) {
  constexpr int kSubcompactions = 4;
  rocksdb::CompactRangeOptions co;
  co.max_subcompactions = kSubcompactions;
  co.allow_write_stall = true;
  rocksdb::ColumnFamilyMetaData meta;
  db->GetColumnFamilyMetaData(cf, &meta);
  const uint64_t target = db->GetOptions(cf).target_file_size_base;
  const uint64_t lowered = std::max<uint64_t>(1, meta.size / kSubcompactions);
  if (lowered >= target) return Compact(db, cf, co);
  rocksdb::Status s = db->SetOptions(cf, {{"target_file_size_base", std::to_string(lowered)}});
  if (!s.ok()) return FromRocks(s, "lowering the views' target file size");
  Status merged = Compact(db, cf, co);
  s = db->SetOptions(cf, {{"target_file_size_base", std::to_string(target)}});
  if (merged.ok() && !s.ok()) {
    return FromRocks(s, "restoring the views' target file size");
  }
  return merged;
}

// True when the views hold nothing at all: no table file and nothing in the memtables. A replay's
// ClearViews leaves a range deletion in the memtable: it is flushed and compacted away first (its
// files were dropped already, so that costs nothing), so that the files of a ViewsLoad::kFromZero
// load go to the last level as they are, under no tombstone and with nothing to merge.
Result<bool> EmptyViews(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf) {
  rocksdb::FlushOptions fo;
  fo.allow_write_stall = true;
  rocksdb::Status s = db->Flush(fo, cf);
  if (!s.ok()) return Err(FromRocks(s, "flushing the views"));
  rocksdb::ColumnFamilyMetaData meta;
  db->GetColumnFamilyMetaData(cf, &meta);
  if (meta.file_count > 0) {
    rocksdb::CompactRangeOptions co;
    co.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
    s = db->CompactRange(co, cf, nullptr, nullptr);
    if (!s.ok()) return Err(FromRocks(s, "compacting the cleared views"));
    db->GetColumnFamilyMetaData(cf, &meta);
  }
  // (Nothing writes the views meanwhile: the flush left the memtable empty.)
  return meta.file_count == 0;
}

// Builds every view gathered by `bulk` from `state` as table files on every core and ingests them
// into `cf` at once (atomic and synced: the files, then the MANIFEST), the applied position with
// them. Into empty views (EmptyViews): they go to the last level, and nothing is compacted.
Status IngestBulkViews(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf,
                       const school::SchoolState& state, school::ViewBulkBuilder& bulk) {
  rocksdb::Options options = db->GetOptions(cf);
  const size_t threads = std::max(1u, std::thread::hardware_concurrency());
  EJ_ASSIGN_OR_RETURN(
      std::vector<std::string> paths,
      bulk.WriteTableFiles(state, options, cf,
                           db->GetName() + "/" + std::string(kCatchUpFilePrefix) + "bulk-",
                           threads));
  rocksdb::IngestExternalFileOptions io;
  io.move_files = true;           // linked into the database, the temporary names removed
  io.write_global_seqno = false;  // the sequence lives in the MANIFEST: no write to the files
  rocksdb::Status s = db->IngestExternalFile(cf, paths, io);
  if (!s.ok()) {
    for (const std::string& path : paths) (void)db->GetEnv()->DeleteFile(path);
    return FromRocks(s, "ingesting the views' table files");
  }
  return Status::Ok();
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
  EJ_ASSIGN_OR_RETURN(crypto::PublicKey key,
                      registry_->Authorize(decoded.body.credential_id(), decoded.body.school_id(),
                                           decoded.body.actor_id(), now_us));
  EJ_RETURN_IF_ERROR(VerifyEventSignature(decoded, key));
  // The bytes move into the request (not copied: ~300 bytes an event on the HTTP workers); the
  // decoded event keeps where they are, for Admit's check that the request still carries them.
  AppendRequest request;
  request.signed_event = std::move(decoded.bytes);
  decoded.bytes.clear();
  decoded.checked_bytes = request.signed_event;
  auto shared = std::make_shared<DecodedEvent>(std::move(decoded));
  request.event_id = shared->body.event_id();
  request.body_digest = shared->body_digest;
  request.context = shared;
  return request;
}

Status Admission::CatchUp(const Ledger& ledger, uint64_t views_chunk, ViewsLoad load) {
  views_chunk = std::max<uint64_t>(1, views_chunk);
  uint64_t views_from = UINT64_MAX;  // the first entry whose views are not yet stored
  if (school_ != nullptr && ledger.column_families().views != nullptr) {
    EJ_ASSIGN_OR_RETURN(uint64_t applied,
                        school::ViewsAppliedPosition(ledger.db(), ledger.column_families().views));
    views_from = applied + 1;
  }
  rocksdb::WriteBatch batch;
  Status failed;
  // Every view built once at the end, into views that hold nothing yet (ViewsLoad::kFromZero).
  std::optional<school::ViewBulkBuilder> bulk;
  if (views_from == 1 && (load == ViewsLoad::kFromZero ||
                          (load == ViewsLoad::kAuto && ledger.size() >= kCatchUpCompactAfter))) {
    EJ_ASSIGN_OR_RETURN(bool empty, EmptyViews(ledger.db(), ledger.column_families().views));
    if (empty) {
      bulk.emplace();
    } else if (load == ViewsLoad::kFromZero) {
      load = ViewsLoad::kTableFiles;
    }
  }
  // The views of many entries are written at once (each view once per chunk, from the state after
  // the chunk's last entry: byte-identical to writing them entry by entry, projections/views.h),
  // the chunk's batch built here and written to RocksDB on the writer's thread meanwhile.
  const bool with_views = views_from != UINT64_MAX;
  school::ViewBatchWriter pending(with_views ? ledger.column_families().views : nullptr);
  std::optional<CatchUpWriter> writer;
  bool table_files = false;
  if (with_views && !bulk) {
    table_files = load == ViewsLoad::kTableFiles ||
                  (load == ViewsLoad::kAuto && ledger.size() >= views_from + kCatchUpCompactAfter);
    writer.emplace(ledger.db(), ledger.column_families().views, table_files);
    EJ_RETURN_IF_ERROR(writer->Start());
  }
  if (bulk) RemoveCatchUpFiles(ledger.db());
  auto write_pending = [&]() -> Status {
    pending.Write(*school_, batch);
    return writer->Submit(batch);
  };
  if (school_ != nullptr && ledger.size() > school_->size()) {
    school_->Reserve(ledger.size() - school_->size());
  }
  using Clock = std::chrono::steady_clock;
  const auto started = Clock::now();
  auto seconds_since = [](Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
  };
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
        if (bulk) {
          failed = school_->Apply(e.body, seq, e.recorded_at_us);
          if (failed.ok()) bulk->Gather(*school_, seq);
          if (!failed.ok()) break;
          continue;
        }
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
  caught_up_times_.fold = seconds_since(started);
  const auto folded = Clock::now();
  if (bulk) {
    if (bulk->last_sequence() > 0) {
      EJ_RETURN_IF_ERROR(
          IngestBulkViews(ledger.db(), ledger.column_families().views, *school_, *bulk));
    }
    caught_up_views_ = bulk->written();
    caught_up_times_.after_fold = seconds_since(folded);
    views_.emplace(ledger.column_families().views);
    return Status::Ok();
  }
  if (with_views) {
    EJ_RETURN_IF_ERROR(write_pending());
    EJ_RETURN_IF_ERROR(writer->Finish());
    caught_up_views_ = pending.written();
  }
  // From now on the writer gathers each group's views and writes them once (FinishGroup).
  if (with_views) views_.emplace(ledger.column_families().views);
  // After a long catch-up (a replay), the views are compacted now: the table files of the chunks
  // are merged once (their compactions were paused), or the memtable goes to a table file (the
  // writes were synced to the WAL already, but the next open would replay them from it), and the
  // views that a replay's ClearViews deleted, which page scans would otherwise step over, are
  // dropped.
  if (with_views && school_ != nullptr &&
      (table_files || school_->size() >= views_from + kCatchUpCompactAfter)) {
    EJ_RETURN_IF_ERROR(table_files ? MergeTableFiles(ledger.db(), ledger.column_families().views)
                                   : Compact(ledger.db(), ledger.column_families().views,
                                             rocksdb::CompactRangeOptions()));
  }
  if (with_views) EJ_RETURN_IF_ERROR(writer->RestoreCompactions());
  caught_up_times_.after_fold = seconds_since(folded);
  return Status::Ok();
}

Status Admission::Admit(const AppendRequest& request, int64_t recorded_at_us) {
  if (request.context == nullptr) {
    return Internal("event " + request.event_id + " reached the writer without admission");
  }
  const DecodedEvent& event = DecodedOf(request);
  // The request must carry exactly what was checked (the writer stores `signed_event`): the very
  // bytes Check moved into it (a request moved since keeps its buffer: a signed event is never
  // short enough for the string to hold it inline), or, if it was copied, the same bytes, which
  // are the canonical encoding of the checked envelope (DecodeSignedEvent refuses any other).
  const bool same_buffer = request.signed_event.data() == event.checked_bytes.data() &&
                           request.signed_event.size() == event.checked_bytes.size();
  if ((!same_buffer && request.signed_event != event.signed_event.SerializeAsString()) ||
      request.event_id != event.body.event_id() || request.body_digest != event.body_digest) {
    return Internal("event " + request.event_id + " differs from what admission checked");
  }
  auto key = registry_->Authorize(event.body.credential_id(), event.body.school_id(),
                                  event.body.actor_id(), recorded_at_us);
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

Status Admission::Apply(const AppendRequest& request, uint64_t sequence, int64_t recorded_at_us,
                        std::string_view, rocksdb::WriteBatch& batch) {
  if (request.context == nullptr) {
    return Internal("event " + request.event_id + " reached the writer without admission");
  }
  const v1::EventBody& body = DecodedOf(request).body;
  if (Status st = registry_->Apply(body, sequence, recorded_at_us); !st.ok()) {
    return st.WithContext("credential state");
  }
  if (school_ != nullptr) {
    // A lesson move changes the keys of the views gathered before it: those are written first.
    if (views_ && views_->gathered() > 0 && school::ViewBatchWriter::MustWriteBefore(body)) {
      views_->Write(*school_, batch);
    }
    if (Status st = school_->Apply(body, sequence, recorded_at_us); !st.ok()) {
      return st.WithContext("school state");
    }
    if (views_) views_->Gather(*school_, sequence);
  }
  return Status::Ok();
}

void Admission::FinishGroup(rocksdb::WriteBatch& batch) {
  if (school_ != nullptr && views_) views_->Write(*school_, batch);
}

}  // namespace ejournal
