#include "ledger/ledger.h"

#include <pthread.h>
#include <rocksdb/cache.h>
#include <rocksdb/env.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <filesystem>
#include <future>
#include <unordered_map>

#include "ejournal/v1/ledger.pb.h"
#include "ledger/ledger_internal.h"
#include "ledger/storage_format.h"
#include "ledger/tree_tiles.h"
#include "schemas/rocksdb_status.h"

namespace ejournal {
namespace {

using ledger_internal::EventIdValue;
using ledger_internal::ParseEventIdValue;

constexpr char kCfEntries[] = "entries";
constexpr char kCfEventIds[] = "event_ids";
constexpr char kCfNodes[] = "nodes";
constexpr char kCfCheckpoints[] = "checkpoints";
constexpr char kCfMeta[] = "meta";
constexpr char kCfViews[] = "views";

rocksdb::ColumnFamilyOptions PointLookupOptions(const std::shared_ptr<rocksdb::Cache>& cache) {
  rocksdb::ColumnFamilyOptions cf;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table.whole_key_filtering = true;
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  // New event ids are looked up once per append and are almost never there: a memtable bloom
  // filter answers those misses without walking the skiplist.
  cf.memtable_prefix_bloom_size_ratio = 0.1;
  cf.memtable_whole_key_filtering = true;
  return cf;
}

// Names the calling thread (for top -H and /proc/PID/task/*/comm).
void NameThread(const char* name) { pthread_setname_np(pthread_self(), name); }

}  // namespace

Ledger::Ledger(LedgerOptions options) : options_(std::move(options)) {}

const merkle::NodeSource& Ledger::nodes() const { return *node_source_; }

Result<std::unique_ptr<Ledger>> Ledger::Open(LedgerOptions options) {
  if (options.path.empty()) return Err(InvalidArgument("ledger path is empty"));
  if (options.clock == nullptr) return Err(InvalidArgument("ledger clock is null"));
  if (options.max_group_size == 0) return Err(InvalidArgument("max_group_size must be > 0"));
  if (!options.read_only) {
    std::error_code ec;
    std::filesystem::create_directories(options.path, ec);
    if (ec) return Err(IoError("cannot create " + options.path + ": " + ec.message()));
  }
  std::unique_ptr<Ledger> ledger(new Ledger(std::move(options)));
  EJ_RETURN_IF_ERROR(ledger->OpenDb().WithContext("opening ledger " + ledger->options_.path));
  EJ_RETURN_IF_ERROR(ledger->LoadOrigin().WithContext("opening ledger " + ledger->options_.path));
  EJ_RETURN_IF_ERROR(ledger->LoadState().WithContext("loading ledger " + ledger->options_.path));
  if (!ledger->options_.read_only) {
    ledger->committer_ = std::thread([l = ledger.get()] { l->CommitterLoop(); });
    ledger->writer_ = std::thread([l = ledger.get()] { l->WriterLoop(); });
  }
  return ledger;
}

Status Ledger::OpenDb() {
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = !options_.read_only;
  db_options.create_missing_column_families = !options_.read_only;
  db_options.max_background_jobs = 2;
  db_options.paranoid_checks = true;
  db_options.wal_recovery_mode = rocksdb::WALRecoveryMode::kPointInTimeRecovery;
  db_options.listeners = options_.listeners;
  if (options_.file_system) {
    env_ = rocksdb::NewCompositeEnv(options_.file_system);
    db_options.env = env_.get();
  }
  // One block cache for the whole ledger; tree nodes are the hottest reads (every proof).
  auto cache = rocksdb::NewLRUCache(options_.block_cache_bytes);
  rocksdb::ColumnFamilyOptions entries_options;
  {
    rocksdb::BlockBasedTableOptions table;
    table.block_cache = cache;
    entries_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  }
  entries_options.write_buffer_size = 64 << 20;
  // Entries are mostly signatures, keys and ids: compression buys little and costs the hot path.
  entries_options.compression = rocksdb::kNoCompression;
  // Keys arrive in increasing order: let the memtable insert next to the previous key instead of
  // searching the skiplist from the top (the append path's largest cost).
  entries_options.memtable_insert_with_hint_prefix_extractor.reset(
      rocksdb::NewFixedPrefixTransform(1));
  rocksdb::ColumnFamilyOptions nodes_options = PointLookupOptions(cache);
  // Node keys are level || index: per level, indexes only grow.
  nodes_options.memtable_insert_with_hint_prefix_extractor.reset(
      rocksdb::NewFixedPrefixTransform(1));
  // A group's event ids are put in key order (PrepareGroup): each insert starts from the previous
  // one's place in the skiplist rather than from its top (docs/BENCHMARKS.md: the
  // committer's memtable inserts). RocksDB uses the hint only for a write group of one writer
  // (not a concurrent memtable write), which the ledger's single committer always is.
  rocksdb::ColumnFamilyOptions event_ids_options = PointLookupOptions(cache);
  event_ids_options.memtable_insert_with_hint_prefix_extractor.reset(
      rocksdb::NewFixedPrefixTransform(1));
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors = {
      {rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions()},
      {kCfEntries, entries_options},
      {kCfEventIds, event_ids_options},
      {kCfNodes, nodes_options},
      {kCfCheckpoints, rocksdb::ColumnFamilyOptions()},
      {kCfMeta, rocksdb::ColumnFamilyOptions()},
  };
  {
    // The views are read by page and by week: a shared cache, bloom filters for point reads.
    rocksdb::ColumnFamilyOptions views_options = PointLookupOptions(cache);
    views_options.write_buffer_size = 64 << 20;
    // A group's views are written in key order, one kind after another (L, C, K, T, then
    // ~applied: projections/views.h): one insert hint per kind (the key's first byte).
    views_options.memtable_insert_with_hint_prefix_extractor.reset(
        rocksdb::NewFixedPrefixTransform(1));
    std::vector<std::string> existing;
    const bool have_views =
        !options_.read_only ||
        (rocksdb::DB::ListColumnFamilies(db_options, options_.path, &existing).ok() &&
         std::find(existing.begin(), existing.end(), kCfViews) != existing.end());
    if (have_views) descriptors.emplace_back(kCfViews, views_options);
  }
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s;
  if (options_.read_only) {
    s = rocksdb::DB::OpenForReadOnly(db_options, options_.path, descriptors, &handles_, &raw);
  } else {
    s = rocksdb::DB::Open(db_options, options_.path, descriptors, &handles_, &raw);
  }
  EJ_RETURN_IF_ERROR(FromRocks(s, "rocksdb open"));
  db_.reset(raw);
  cf_.entries = handles_[1];
  cf_.event_ids = handles_[2];
  cf_.nodes = handles_[3];
  cf_.checkpoints = handles_[4];
  cf_.meta = handles_[5];
  cf_.views = handles_.size() > 6 ? handles_[6] : nullptr;
  node_source_ = ledger_internal::MakeRocksNodeSource(db_.get(), cf_.nodes);
  return Status::Ok();
}

Status Ledger::LoadOrigin() {
  std::string stored;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cf_.meta, "origin", &stored);
  if (s.ok()) {
    if (!options_.origin.empty() && options_.origin != stored) {
      return InvalidArgument("this ledger's origin is \"" + stored + "\", not \"" +
                             options_.origin + "\"");
    }
    origin_ = stored;
    return Status::Ok();
  }
  if (!s.IsNotFound()) return FromRocks(s, "reading the origin");
  if (options_.origin.empty()) return InvalidArgument("a new ledger needs an origin");
  if (options_.read_only) return NotFound("no ledger at " + options_.path);
  origin_ = options_.origin;
  rocksdb::WriteOptions wo;
  wo.sync = true;
  return FromRocks(db_->Put(wo, cf_.meta, "origin", origin_), "storing the origin");
}

Status Ledger::LoadState() {
  uint64_t size = 0;
  {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf_.entries));
    it->SeekToLast();
    EJ_RETURN_IF_ERROR(FromRocks(it->status(), "reading the last entry"));
    if (it->Valid()) {
      size = storage::DecodeBigEndian64(std::string_view(it->key().data(), it->key().size()));
      v1::LedgerEntry last;
      if (!last.ParseFromArray(it->value().data(), static_cast<int>(it->value().size())) ||
          last.sequence() != size) {
        return DataLoss("entry " + std::to_string(size) + " does not parse as its own sequence");
      }
      last_recorded_at_us_ = last.recorded_at_us();
    }
  }
  EJ_ASSIGN_OR_RETURN(range_, merkle::CompactRange::Load(*node_source_, size));
  EJ_RETURN_IF_ERROR(LoadEdgeTiles(size));
  next_sequence_ = size + 1;
  size_.store(size, std::memory_order_release);

  // The latest checkpoint must match the stored tree; a store that disagrees is not served.
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf_.checkpoints));
  it->SeekToLast();
  EJ_RETURN_IF_ERROR(FromRocks(it->status(), "reading the last checkpoint"));
  if (it->Valid()) {
    last_checkpoint_size_ =
        storage::DecodeBigEndian64(std::string_view(it->key().data(), it->key().size()));
    std::string note(it->value().data(), it->value().size());
    auto text_end = note.find("\n\n");
    if (text_end == std::string::npos)
      return DataLoss("the latest checkpoint is not a signed note");
    EJ_ASSIGN_OR_RETURN(auto checkpoint, note::Checkpoint::Parse(note.substr(0, text_end + 1)));
    if (checkpoint.size != last_checkpoint_size_ || checkpoint.size > size) {
      return DataLoss("the latest checkpoint (size " + std::to_string(checkpoint.size) +
                      ") does not fit the ledger of " + std::to_string(size) + " entries");
    }
    EJ_ASSIGN_OR_RETURN(auto root, merkle::Root(*node_source_, checkpoint.size));
    if (root != checkpoint.root) {
      return DataLoss("the stored tree does not match the latest checkpoint at size " +
                      std::to_string(checkpoint.size));
    }
  }
  return Status::Ok();
}

Ledger::~Ledger() {
  {
    MutexLock lock(&mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (writer_.joinable()) writer_.join();  // it stops the committer when it is done
  if (committer_.joinable()) committer_.join();
  if (db_) {
    for (auto* h : handles_) {
      if (h != nullptr) (void)db_->DestroyColumnFamilyHandle(h);
    }
    (void)db_->Close();
    db_.reset();
  }
}

Status Ledger::health() const {
  MutexLock lock(&mu_);
  return failure_;
}

LedgerStats Ledger::stats() const {
  LedgerStats s;
  s.groups = stat_groups_.load(std::memory_order_relaxed);
  s.entries = stat_entries_.load(std::memory_order_relaxed);
  s.refused = stat_refused_.load(std::memory_order_relaxed);
  s.largest_group = stat_largest_group_.load(std::memory_order_relaxed);
  s.checkpoints = stat_checkpoints_.load(std::memory_order_relaxed);
  for (size_t i = 0; i < s.group_sizes.size(); ++i) {
    s.group_sizes[i] = stat_group_sizes_[i].load(std::memory_order_relaxed);
  }
  return s;
}

void Ledger::Fail(const Status& status) {
  spdlog::error("ledger {} stopped accepting writes: {}", origin_, status.ToString());
  MutexLock lock(&mu_);
  if (failure_.ok()) failure_ = status;
}

Status Ledger::EnqueueLocked(Pending& pending) {
  if (options_.read_only) return Unavailable("the ledger is open read-only");
  if (!failure_.ok()) {
    return Unavailable("the ledger stopped after a write error: " + failure_.message());
  }
  if (stopping_) return Unavailable("the ledger is shutting down");
  if (!pending.checkpoint_only && queue_.size() >= options_.max_queue) {
    return Unavailable("the ledger's admission queue is full; retry shortly");
  }
  queue_.push_back(std::move(pending));
  return Status::Ok();
}

Status Ledger::Enqueue(Pending& pending) {
  {
    MutexLock lock(&mu_);
    EJ_RETURN_IF_ERROR(EnqueueLocked(pending));
  }
  wake_.notify_one();
  return Status::Ok();
}

void Ledger::AppendAsync(AppendRequest request, Callback done) {
  Pending pending{std::move(request), std::move(done)};
  Status refusal = Enqueue(pending);
  if (!refusal.ok()) pending.done(Err(std::move(refusal)));  // not moved from when refused
}

Result<AppendResult> Ledger::Append(AppendRequest request) {
  std::promise<Result<AppendResult>> promise;
  auto future = promise.get_future();
  AppendAsync(std::move(request), [&promise](Result<AppendResult> r) { promise.set_value(r); });
  return future.get();
}

std::vector<Result<AppendResult>> Ledger::AppendBatch(std::vector<AppendRequest> requests) {
  Mutex mu;
  std::condition_variable cv;
  std::optional<std::vector<Result<AppendResult>>> out;  // guarded by mu
  AppendBatchAsync(std::move(requests), [&](std::vector<Result<AppendResult>> results) {
    MutexLock lock(&mu);
    out = std::move(results);
    cv.notify_one();
  });
  UniqueLock lock(&mu);
  lock.Wait(cv, [&] { return out.has_value(); });
  return std::move(*out);
}

void Ledger::AppendBatchAsync(std::vector<AppendRequest> requests, BatchCallback done) {
  // Queued under one lock with one wake-up, so that the writer takes them in as few groups as it
  // can (queued one by one, a waking writer took the first few as a group of their own), and
  // completed through one counter rather than a promise each.
  struct Completion {
    Completion(size_t n, BatchCallback callback) : left(n), results(n), done(std::move(callback)) {}
    Mutex mu;
    size_t left ABSL_GUARDED_BY(mu) = 0;
    std::vector<std::optional<Result<AppendResult>>> results ABSL_GUARDED_BY(mu);
    BatchCallback done;
    // Called when left reached 0; the caller runs `done` after unlocking.
    std::vector<Result<AppendResult>> Take() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
      std::vector<Result<AppendResult>> out;
      out.reserve(results.size());
      for (auto& r : results) out.push_back(std::move(*r));
      return out;
    }
  };
  if (requests.empty()) {
    done({});
    return;
  }
  auto c = std::make_shared<Completion>(requests.size(), std::move(done));
  std::vector<std::pair<size_t, Status>> refused;
  {
    MutexLock lock(&mu_);
    for (size_t i = 0; i < requests.size(); ++i) {
      Pending pending{std::move(requests[i]), [c, i](Result<AppendResult> r) {
                        std::vector<Result<AppendResult>> all;
                        {
                          MutexLock done_lock(&c->mu);
                          c->results[i] = std::move(r);
                          if (--c->left != 0) return;
                          all = c->Take();
                        }
                        c->done(std::move(all));
                      }};
      if (Status refusal = EnqueueLocked(pending); !refusal.ok()) {
        refused.emplace_back(i, std::move(refusal));
      }
    }
  }
  wake_.notify_one();
  if (refused.empty()) return;
  std::vector<Result<AppendResult>> all;
  {
    MutexLock lock(&c->mu);
    for (auto& [i, refusal] : refused) c->results[i] = Err(std::move(refusal));
    c->left -= refused.size();
    if (c->left != 0) return;
    all = c->Take();
  }
  c->done(std::move(all));
}

Result<std::string> Ledger::Checkpoint() {
  if (!options_.checkpoint_signer) {
    return Err(FailedPrecondition("no node key to sign checkpoints"));
  }
  std::promise<Result<AppendResult>> promise;
  auto future = promise.get_future();
  Pending pending;
  pending.checkpoint_only = true;
  pending.done = [&promise](Result<AppendResult> r) { promise.set_value(std::move(r)); };
  EJ_RETURN_IF_ERROR(Enqueue(pending));
  if (auto done = future.get(); !done) return Err(done.error());
  return LatestCheckpoint();
}

void Ledger::WriterLoop() {
  NameThread("ej-writer");
  std::vector<Pending> group;
  const auto idle_wait = std::chrono::microseconds(
      std::clamp<int64_t>(options_.checkpoint_interval_us, 1'000, 1'000'000));
  while (true) {
    {
      UniqueLock lock(&mu_);
      lock.WaitFor(wake_, idle_wait, [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stopping_ || !queue_.empty();
      });
      if (queue_.empty() && stopping_) break;
      size_t n = std::min(queue_.size(), options_.max_group_size);
      group.reserve(n);
      for (size_t i = 0; i < n; ++i) {
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    // An empty group still lets an idle writer cover recent entries with a checkpoint.
    auto prepared = PrepareGroup(group);
    group.clear();
    if (prepared == nullptr) continue;
    // The committer writes it while this thread prepares the next.
    UniqueLock lock(&commit_mu_);
    lock.Wait(commit_cv_,
              [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(commit_mu_) { return to_commit_ == nullptr; });
    to_commit_ = std::move(prepared);
    commit_cv_.notify_all();
  }
  MutexLock lock(&commit_mu_);
  commit_stop_ = true;
  commit_cv_.notify_all();
}

void Ledger::CommitterLoop() {
  NameThread("ej-committer");
  while (true) {
    std::unique_ptr<PreparedGroup> group;
    {
      UniqueLock lock(&commit_mu_);
      lock.Wait(commit_cv_, [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(commit_mu_) {
        return to_commit_ != nullptr || commit_stop_;
      });
      if (to_commit_ == nullptr) return;
      group = std::move(to_commit_);
    }
    // The writer may prepare the next group while this one is written and synced; it hands it
    // over once this one is written.
    WriteGroup(*group);
    MutexLock lock(&commit_mu_);
    commit_cv_.notify_all();
  }
}

std::unique_ptr<Ledger::PreparedGroup> Ledger::PrepareGroup(std::vector<Pending>& requests) {
  Status failed = health();
  if (!failed.ok()) {
    for (auto& p : requests) {
      p.done(Err(Unavailable("the ledger stopped after a write error: " + failed.message())));
    }
    return nullptr;
  }

  auto group = std::make_unique<PreparedGroup>();
  // About 1 KiB per entry (the entry, its event id, its views): the batch's buffer is allocated
  // once instead of doubling, and copying itself, a dozen times over a large group.
  group->batch = rocksdb::WriteBatch(requests.size() * 1024);
  group->requests = std::move(requests);
  auto& reqs = group->requests;
  auto& outcomes = group->outcomes;
  outcomes.resize(reqs.size());
  const int64_t now = std::max(options_.clock->NowMicros(), last_recorded_at_us_);
  group->recorded_at_us = now;

  EventIdLookups lookups = LookUpEventIds(*group);
  auto& batch = group->batch;
  const uint64_t first_sequence = next_sequence_;
  int64_t last_entry_at_us = last_recorded_at_us_;
  std::unordered_map<std::string_view, EventIdRecord> new_in_group;
  for (size_t k = 0; k < lookups.indexes.size(); ++k) {
    const size_t i = lookups.indexes[k];
    const AppendRequest& req = reqs[i].request;
    if (lookups.statuses[k].ok()) {
      const auto& value = lookups.values[k];
      auto record = ParseEventIdValue(std::string_view(value.data(), value.size()));
      outcomes[i] = record ? DuplicateOf(req, *record) : Err(record.error());
      continue;
    }
    if (!lookups.statuses[k].IsNotFound()) {
      outcomes[i] = Err(FromRocks(lookups.statuses[k], "event-id lookup"));
      continue;
    }
    if (auto it = new_in_group.find(req.event_id); it != new_in_group.end()) {
      outcomes[i] = DuplicateOf(req, it->second);
      continue;
    }
    Status folded = AppendNew(reqs[i], now, last_entry_at_us, batch, outcomes[i]);
    if (!folded.ok()) {
      Fail(folded);
      for (auto& p : reqs) p.done(Err(folded));
      return nullptr;
    }
    if (outcomes[i]->has_value()) {
      const AppendResult& appended = **outcomes[i];
      new_in_group.emplace(
          req.event_id, EventIdRecord{appended.sequence, appended.recorded_at_us, req.body_digest});
    }
  }
  if (options_.observer != nullptr && next_sequence_ != first_sequence) {
    options_.observer->FinishGroup(batch);
  }
  PutEventIds(new_in_group, batch);
  FlushEdgeTiles(batch);
  group->appended = next_sequence_ - first_sequence;
  group->size_after = range_.size();

  Status signed_checkpoint = CheckpointInto(*group, lookups.checkpoint_requested);
  if (!signed_checkpoint.ok()) {
    Fail(signed_checkpoint);
    for (auto& p : reqs) p.done(Err(signed_checkpoint));
    return nullptr;
  }
  // (For ordinary appends every entry of the group is recorded at `now`.)
  if (group->appended > 0) last_recorded_at_us_ = last_entry_at_us;

  if (!new_in_group.empty()) {
    MutexLock lock(&commit_mu_);
    for (const auto& [id, record] : new_in_group) in_flight_.emplace(std::string(id), record);
  }
  return group;
}

Ledger::EventIdLookups Ledger::LookUpEventIds(PreparedGroup& group) {
  auto& reqs = group.requests;
  EventIdLookups lookups;
  // An id is always either in the group being written (in_flight_) or in the store: the
  // committer forgets a group's ids only after its write, so look at in_flight_ first.
  {
    MutexLock lock(&commit_mu_);
    for (size_t i = 0; i < reqs.size(); ++i) {
      if (reqs[i].checkpoint_only) {
        lookups.checkpoint_requested = true;
        continue;
      }
      if (auto it = in_flight_.find(reqs[i].request.event_id); it != in_flight_.end()) {
        group.outcomes[i] = DuplicateOf(reqs[i].request, it->second);
      } else {
        lookups.indexes.push_back(i);
      }
    }
  }
  const size_t n = lookups.indexes.size();
  if (n == 0) return lookups;
  std::vector<rocksdb::Slice> keys;
  keys.reserve(n);
  for (size_t i : lookups.indexes) keys.emplace_back(reqs[i].request.event_id);
  lookups.values = std::vector<rocksdb::PinnableSlice>(n);
  lookups.statuses.resize(n);
  db_->MultiGet(rocksdb::ReadOptions(), cf_.event_ids, n, keys.data(), lookups.values.data(),
                lookups.statuses.data());
  return lookups;
}

Status Ledger::AppendNew(Pending& pending, int64_t now, int64_t& last_entry_at_us,
                         rocksdb::WriteBatch& batch, std::optional<Result<AppendResult>>& outcome) {
  const AppendRequest& req = pending.request;
  // A replicated entry keeps its source's sequence and time (AppendRequest::presequenced).
  int64_t at = now;
  if (req.presequenced) {
    at = req.presequenced->recorded_at_us;
    if (req.presequenced->sequence != next_sequence_ || at < last_entry_at_us) {
      outcome = Err(
          FailedPrecondition("replicated entry " + std::to_string(req.presequenced->sequence) +
                             " does not follow entry " + std::to_string(next_sequence_ - 1) +
                             (at < last_entry_at_us ? " (its recorded-at time goes back)" : "")));
      return Status::Ok();
    }
  }
  if (options_.observer != nullptr) {
    Status admitted = options_.observer->Admit(req, at);
    if (!admitted.ok()) {
      outcome = Err(std::move(admitted));
      return Status::Ok();
    }
  }
  std::string entry;
  merkle::Hash leaf;
  if (req.presequenced && !req.presequenced->entry_bytes.empty()) {
    // A replica's entry with the bytes and leaf it verified (AppendRequest::Presequenced).
    if (!std::string_view(req.presequenced->entry_bytes).ends_with(req.signed_event)) {
      outcome = Err(Internal("replicated entry " + std::to_string(next_sequence_) +
                             ": its bytes do not hold its signed event"));
      return Status::Ok();
    }
    entry = std::move(pending.request.presequenced->entry_bytes);
    leaf = req.presequenced->leaf_hash;
  } else {
    entry = storage::EncodeLedgerEntry(next_sequence_, at, req.signed_event);
    leaf = merkle::LeafHash(entry);
  }
  const uint64_t seq = next_sequence_++;
  last_entry_at_us = at;
  range_.Append(leaf,
                [&](const merkle::NodeId& id, const merkle::Hash& h) { AddNode(id, h, batch); });
  if (options_.observer != nullptr) {
    Status applied = options_.observer->Apply(req, seq, at, entry, batch);
    if (!applied.ok()) {
      // The fold cannot follow the ledger: fail-stop, as after a failed write (nothing of the
      // group is written; a restart folds the ledger again).
      return Status(applied.code(),
                    "entry " + std::to_string(seq) + " (event " + req.event_id +
                        "): the derived state failed to fold it: " + applied.message(),
                    applied.rule());
    }
  }
  batch.Put(cf_.entries, storage::EncodeBigEndian64(seq), entry);
  outcome = AppendResult{seq, at, false};
  return Status::Ok();
}

void Ledger::PutEventIds(const std::unordered_map<std::string_view, EventIdRecord>& new_in_group,
                         rocksdb::WriteBatch& batch) {
  if (new_in_group.empty()) return;
  // In key order: random ids (UUIDs) inserted in order let the memtable's skiplist start each
  // search from the previous insert's position instead of from the top.
  std::vector<std::pair<std::string_view, const EventIdRecord*>> ids;
  ids.reserve(new_in_group.size());
  for (const auto& [id, record] : new_in_group) ids.emplace_back(id, &record);
  std::sort(ids.begin(), ids.end());
  for (const auto& [id, record] : ids) {
    batch.Put(cf_.event_ids, rocksdb::Slice(id.data(), id.size()),
              EventIdValue(record->sequence, record->recorded_at_us, record->digest));
  }
}

Status Ledger::CheckpointInto(PreparedGroup& group, bool requested) {
  // A checkpoint for the tree this group makes, in the same batch: it can never disagree with it.
  const int64_t now = group.recorded_at_us;
  if (!options_.checkpoint_signer || range_.size() <= last_checkpoint_size_ ||
      (!requested && now - last_checkpoint_us_ < options_.checkpoint_interval_us)) {
    return Status::Ok();
  }
  note::Checkpoint cp{origin_, range_.size(), range_.Root(), {}};
  auto signed_note = options_.checkpoint_signer->Sign(cp.Marshal());
  if (!signed_note) return signed_note.error().WithContext("signing a checkpoint");
  group.batch.Put(cf_.checkpoints, storage::EncodeBigEndian64(range_.size()), *signed_note);
  group.wrote_checkpoint = true;
  last_checkpoint_us_ = now;
  last_checkpoint_size_ = range_.size();
  return Status::Ok();
}

Result<AppendResult> Ledger::DuplicateOf(const AppendRequest& req, const EventIdRecord& original) {
  if (original.digest != req.body_digest) {
    return Err(AlreadyExists("event id " + req.event_id + " is already in the ledger at sequence " +
                             std::to_string(original.sequence) + " with a different body"));
  }
  return AppendResult{original.sequence, original.recorded_at_us, true};
}

void Ledger::WriteGroup(PreparedGroup& group) {
  auto& reqs = group.requests;
  if (group.batch.Count() > 0) {
    Status written = health();
    if (written.ok()) {
      rocksdb::WriteOptions wo;
      wo.sync = options_.sync;
      written = FromRocks(db_->Write(wo, &group.batch),
                          "writing a group of " + std::to_string(group.appended) + " entries");
      if (!written.ok()) Fail(written);
    } else {
      written = Unavailable("the ledger stopped after a write error: " + written.message());
    }
    if (!written.ok()) {
      for (size_t i = 0; i < reqs.size(); ++i) {
        // Requests refused before the write keep their own error; the rest share the write error.
        if (group.outcomes[i].has_value() && !group.outcomes[i]->has_value()) {
          reqs[i].done(std::move(*group.outcomes[i]));
        } else {
          reqs[i].done(Err(written));
        }
      }
      return;
    }
    size_.store(group.size_after, std::memory_order_release);
    stat_groups_.fetch_add(1, std::memory_order_relaxed);
    stat_entries_.fetch_add(group.appended, std::memory_order_relaxed);
    if (group.appended > stat_largest_group_.load(std::memory_order_relaxed)) {
      stat_largest_group_.store(group.appended, std::memory_order_relaxed);
    }
    if (group.appended > 0) {
      size_t bucket = std::bit_width(group.appended - 1);  // ceil(log2(appended))
      if (bucket >= stat_group_sizes_.size()) bucket = stat_group_sizes_.size() - 1;
      stat_group_sizes_[bucket].fetch_add(1, std::memory_order_relaxed);
    }
    if (group.wrote_checkpoint) stat_checkpoints_.fetch_add(1, std::memory_order_relaxed);
    if (group.appended > 0) {
      MutexLock lock(&commit_mu_);
      for (size_t i = 0; i < reqs.size(); ++i) {
        const auto& o = group.outcomes[i];
        if (o.has_value() && o->has_value() && !(*o)->duplicate) {
          in_flight_.erase(reqs[i].request.event_id);
        }
      }
    }
  }
  for (size_t i = 0; i < reqs.size(); ++i) {
    if (reqs[i].checkpoint_only) {
      reqs[i].done(AppendResult{group.size_after, group.recorded_at_us, false});
      continue;
    }
    if (!group.outcomes[i]->has_value()) stat_refused_.fetch_add(1, std::memory_order_relaxed);
    reqs[i].done(std::move(*group.outcomes[i]));
  }
}

}  // namespace ejournal
