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
#include <shared_mutex>
#include <unordered_map>

#include "ejournal/v1/ledger.pb.h"
#include "ledger/storage_format.h"
#include "ledger/tree_tiles.h"
#include "schemas/rocksdb_status.h"

namespace ejournal {
namespace {

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

// The event-id index value: BE64 sequence || BE64 recorded-at || SHA-256(body).
std::string EventIdValue(uint64_t sequence, int64_t recorded_at_us, const merkle::Hash& digest) {
  std::string v = storage::EncodeBigEndian64(sequence);
  v += storage::EncodeBigEndian64(static_cast<uint64_t>(recorded_at_us));
  v.append(reinterpret_cast<const char*>(digest.data()), digest.size());
  return v;
}

using EventIdRecord = Ledger::EventIdRecord;

Result<EventIdRecord> ParseEventIdValue(std::string_view v) {
  if (v.size() != 16 + 32) return Err(DataLoss("event-id index value has a wrong size"));
  EventIdRecord r{};
  r.sequence = storage::DecodeBigEndian64(v.substr(0, 8));
  r.recorded_at_us = static_cast<int64_t>(storage::DecodeBigEndian64(v.substr(8, 8)));
  std::copy(v.begin() + 16, v.end(), r.digest.begin());
  return r;
}

}  // namespace

// Reads stored tree nodes with one MultiGet per call.
// Reads stored tree nodes: one MultiGet per call for the tiles not already in memory. Complete
// tiles of tile level >= kMemoryTileLevel (the top of the tree: one per 4096 entries and fewer)
// never change, so they are kept in memory once read; a proof then reads only its two lowest
// tiles from RocksDB.
class Ledger::RocksNodeSource final : public merkle::NodeSource {
 public:
  static constexpr uint32_t kMemoryTileLevel = 2;

  RocksNodeSource(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf) : db_(db), cf_(cf) {}

  Result<std::vector<merkle::Hash>> Nodes(std::span<const merkle::NodeId> ids) const override {
    struct Wanted {
      std::string key;
      uint32_t tile_level;
      std::optional<storage::Tile> tile;
    };
    std::vector<storage::TileAddress> addresses;
    std::vector<Wanted> tiles;
    std::vector<size_t> tile_of(ids.size());
    addresses.reserve(ids.size());
    for (size_t i = 0; i < ids.size(); ++i) {
      addresses.push_back(storage::TileAddressOf(ids[i]));
      std::string key = storage::TileKey(addresses[i].tile_level, addresses[i].tile_index);
      auto it =
          std::find_if(tiles.begin(), tiles.end(), [&](const Wanted& w) { return w.key == key; });
      tile_of[i] = static_cast<size_t>(it - tiles.begin());
      if (it == tiles.end()) tiles.push_back({std::move(key), addresses[i].tile_level, {}});
    }
    std::vector<size_t> to_read;
    {
      std::shared_lock lock(cache_mu_);
      for (size_t t = 0; t < tiles.size(); ++t) {
        if (tiles[t].tile_level >= kMemoryTileLevel) {
          if (auto it = cache_.find(tiles[t].key); it != cache_.end()) {
            tiles[t].tile = it->second;
            continue;
          }
        }
        to_read.push_back(t);
      }
    }
    if (!to_read.empty()) {
      std::vector<rocksdb::Slice> slices;
      slices.reserve(to_read.size());
      for (size_t t : to_read) slices.emplace_back(tiles[t].key);
      std::vector<rocksdb::PinnableSlice> values(to_read.size());
      std::vector<rocksdb::Status> statuses(to_read.size());
      // Block checksums are skipped here: a damaged node cannot make a false proof (every proof
      // is checked against a signed root, and `ledger verify` checks every node), and with the
      // software CRC32C of Debian's portable RocksDB build the check costs more than the read.
      rocksdb::ReadOptions ro;
      ro.verify_checksums = false;
      db_->MultiGet(ro, cf_, slices.size(), slices.data(), values.data(), statuses.data());
      for (size_t k = 0; k < to_read.size(); ++k) {
        Wanted& w = tiles[to_read[k]];
        if (!statuses[k].ok()) {
          // Named below, per node, for a precise message.
          if (!statuses[k].IsNotFound()) return Err(FromRocks(statuses[k], "reading a tree tile"));
          continue;
        }
        auto tile = storage::Tile::Decode(std::string_view(values[k].data(), values[k].size()));
        if (!tile) return Err(tile.error().WithContext("tree tile"));
        w.tile = std::move(*tile);
        if (w.tile_level >= kMemoryTileLevel && w.tile->width() == storage::kTileWidth) {
          std::unique_lock lock(cache_mu_);
          cache_.emplace(w.key, *w.tile);
        }
      }
    }
    std::vector<merkle::Hash> out(ids.size());
    for (size_t i = 0; i < ids.size(); ++i) {
      const Wanted& w = tiles[tile_of[i]];
      const merkle::Hash* h =
          w.tile ? w.tile->Get(addresses[i].row, addresses[i].position) : nullptr;
      if (h == nullptr) {
        return Err(NotFound("missing tree node level " + std::to_string(ids[i].level) + " index " +
                            std::to_string(ids[i].index)));
      }
      out[i] = *h;
    }
    return out;
  }

 private:
  rocksdb::DB* const db_;
  rocksdb::ColumnFamilyHandle* const cf_;
  mutable std::shared_mutex cache_mu_;
  mutable std::unordered_map<std::string, storage::Tile> cache_;  // guarded by cache_mu_
};

namespace {

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
  node_source_ = std::make_unique<RocksNodeSource>(db_.get(), cf_.nodes);
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
    std::lock_guard<std::mutex> lock(mu_);
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
  std::lock_guard<std::mutex> lock(mu_);
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
  std::lock_guard<std::mutex> lock(mu_);
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
    std::lock_guard<std::mutex> lock(mu_);
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
  std::mutex mu;
  std::condition_variable cv;
  std::optional<std::vector<Result<AppendResult>>> out;  // guarded by mu
  AppendBatchAsync(std::move(requests), [&](std::vector<Result<AppendResult>> results) {
    std::lock_guard<std::mutex> lock(mu);
    out = std::move(results);
    cv.notify_one();
  });
  std::unique_lock<std::mutex> lock(mu);
  cv.wait(lock, [&] { return out.has_value(); });
  return std::move(*out);
}

void Ledger::AppendBatchAsync(std::vector<AppendRequest> requests, BatchCallback done) {
  // Queued under one lock with one wake-up, so that the writer takes them in as few groups as it
  // can (queued one by one, a waking writer took the first few as a group of their own), and
  // completed through one counter rather than a promise each.
  struct Completion {
    std::mutex mu;
    size_t left = 0;                                           // guarded by mu
    std::vector<std::optional<Result<AppendResult>>> results;  // guarded by mu
    BatchCallback done;
    // Called with mu held when left reached 0; runs `done` after unlocking.
    std::vector<Result<AppendResult>> Take() {
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
  auto c = std::make_shared<Completion>();
  c->left = requests.size();
  c->results.resize(requests.size());
  c->done = std::move(done);
  std::vector<std::pair<size_t, Status>> refused;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (size_t i = 0; i < requests.size(); ++i) {
      Pending pending{std::move(requests[i]), [c, i](Result<AppendResult> r) {
                        std::vector<Result<AppendResult>> all;
                        {
                          std::lock_guard<std::mutex> done_lock(c->mu);
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
    std::lock_guard<std::mutex> lock(c->mu);
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

void Ledger::AddNode(const merkle::NodeId& id, const merkle::Hash& hash,
                     rocksdb::WriteBatch& batch) {
  const auto a = storage::TileAddressOf(id);
  if (edge_tiles_.size() <= a.tile_level) edge_tiles_.resize(a.tile_level + 1);
  EdgeTile& edge = edge_tiles_[a.tile_level];
  if (!edge.present || edge.index != a.tile_index) {
    // The tree moved on to the next tile of this level: the previous one is complete.
    if (edge.present && edge.dirty) {
      batch.Put(cf_.nodes, storage::TileKey(a.tile_level, edge.index), edge.tile.Encode());
    }
    edge = EdgeTile{.index = a.tile_index, .tile = {}, .present = true, .dirty = false};
  }
  edge.tile.Set(a.row, a.position, hash);
  edge.dirty = true;
}

void Ledger::FlushEdgeTiles(rocksdb::WriteBatch& batch) {
  for (uint32_t level = 0; level < edge_tiles_.size(); ++level) {
    EdgeTile& edge = edge_tiles_[level];
    if (!edge.present || !edge.dirty) continue;
    batch.Put(cf_.nodes, storage::TileKey(level, edge.index), edge.tile.Encode());
    edge.dirty = false;
  }
}

Status Ledger::LoadEdgeTiles(uint64_t size) {
  edge_tiles_.clear();
  for (uint32_t level = 0; (size >> (storage::kTileHeight * level)) > 0; ++level) {
    const uint64_t row0_nodes = size >> (storage::kTileHeight * level);
    const uint64_t index = (row0_nodes - 1) / storage::kTileWidth;
    std::string value;
    EJ_RETURN_IF_ERROR(FromRocks(
        db_->Get(rocksdb::ReadOptions(), cf_.nodes, storage::TileKey(level, index), &value),
        "tree tile " + std::to_string(level) + "/" + std::to_string(index)));
    EJ_ASSIGN_OR_RETURN(storage::Tile tile, storage::Tile::Decode(value));
    edge_tiles_.push_back(
        EdgeTile{.index = index, .tile = std::move(tile), .present = true, .dirty = false});
  }
  return Status::Ok();
}

void Ledger::WriterLoop() {
  NameThread("ej-writer");
  std::vector<Pending> group;
  const auto idle_wait = std::chrono::microseconds(
      std::clamp<int64_t>(options_.checkpoint_interval_us, 1'000, 1'000'000));
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait_for(lock, idle_wait, [this] { return stopping_ || !queue_.empty(); });
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
    std::unique_lock<std::mutex> lock(commit_mu_);
    commit_cv_.wait(lock, [this] { return to_commit_ == nullptr; });
    to_commit_ = std::move(prepared);
    commit_cv_.notify_all();
  }
  std::lock_guard<std::mutex> lock(commit_mu_);
  commit_stop_ = true;
  commit_cv_.notify_all();
}

void Ledger::CommitterLoop() {
  NameThread("ej-committer");
  while (true) {
    std::unique_ptr<PreparedGroup> group;
    {
      std::unique_lock<std::mutex> lock(commit_mu_);
      commit_cv_.wait(lock, [this] { return to_commit_ != nullptr || commit_stop_; });
      if (to_commit_ == nullptr) return;
      group = std::move(to_commit_);
    }
    // The writer may prepare the next group while this one is written and synced; it hands it
    // over once this one is written.
    WriteGroup(*group);
    std::lock_guard<std::mutex> lock(commit_mu_);
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
  bool checkpoint_requested = false;

  // Idempotency. An id is always either in the group being written (in_flight_) or in the store:
  // the committer forgets a group's ids only after its write, so look at in_flight_ first.
  std::vector<size_t> lookups;
  {
    std::lock_guard<std::mutex> lock(commit_mu_);
    for (size_t i = 0; i < reqs.size(); ++i) {
      if (reqs[i].checkpoint_only) {
        checkpoint_requested = true;
        continue;
      }
      if (auto it = in_flight_.find(reqs[i].request.event_id); it != in_flight_.end()) {
        outcomes[i] = DuplicateOf(reqs[i].request, it->second);
      } else {
        lookups.push_back(i);
      }
    }
  }
  std::vector<rocksdb::Slice> keys;
  keys.reserve(lookups.size());
  for (size_t i : lookups) keys.emplace_back(reqs[i].request.event_id);
  std::vector<rocksdb::PinnableSlice> values(lookups.size());
  std::vector<rocksdb::Status> statuses(lookups.size());
  if (!lookups.empty()) {
    db_->MultiGet(rocksdb::ReadOptions(), cf_.event_ids, keys.size(), keys.data(), values.data(),
                  statuses.data());
  }

  auto& batch = group->batch;
  const uint64_t first_sequence = next_sequence_;
  int64_t last_entry_at_us = last_recorded_at_us_;
  std::unordered_map<std::string_view, EventIdRecord> new_in_group;
  for (size_t k = 0; k < lookups.size(); ++k) {
    const size_t i = lookups[k];
    const AppendRequest& req = reqs[i].request;
    if (statuses[k].ok()) {
      auto record = ParseEventIdValue(std::string_view(values[k].data(), values[k].size()));
      outcomes[i] = record ? DuplicateOf(req, *record) : Err(record.error());
      continue;
    }
    if (!statuses[k].IsNotFound()) {
      outcomes[i] = Err(FromRocks(statuses[k], "event-id lookup"));
      continue;
    }
    if (auto it = new_in_group.find(req.event_id); it != new_in_group.end()) {
      outcomes[i] = DuplicateOf(req, it->second);
      continue;
    }
    // A replicated entry keeps its source's sequence and time (AppendRequest::presequenced).
    int64_t at = now;
    if (req.presequenced) {
      at = req.presequenced->recorded_at_us;
      if (req.presequenced->sequence != next_sequence_ || at < last_entry_at_us) {
        outcomes[i] = Err(
            FailedPrecondition("replicated entry " + std::to_string(req.presequenced->sequence) +
                               " does not follow entry " + std::to_string(next_sequence_ - 1) +
                               (at < last_entry_at_us ? " (its recorded-at time goes back)" : "")));
        continue;
      }
    }
    if (options_.observer != nullptr) {
      Status admitted = options_.observer->Admit(req, at);
      if (!admitted.ok()) {
        outcomes[i] = Err(std::move(admitted));
        continue;
      }
    }
    std::string entry;
    merkle::Hash leaf;
    if (req.presequenced && !req.presequenced->entry_bytes.empty()) {
      // A replica's entry with the bytes and leaf it verified (AppendRequest::Presequenced).
      if (!std::string_view(req.presequenced->entry_bytes).ends_with(req.signed_event)) {
        outcomes[i] = Err(Internal("replicated entry " + std::to_string(next_sequence_) +
                                   ": its bytes do not hold its signed event"));
        continue;
      }
      entry = std::move(reqs[i].request.presequenced->entry_bytes);
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
        Status st(applied.code(),
                  "entry " + std::to_string(seq) + " (event " + req.event_id +
                      "): the derived state failed to fold it: " + applied.message(),
                  applied.rule());
        Fail(st);
        for (auto& p : reqs) p.done(Err(st));
        return nullptr;
      }
    }
    batch.Put(cf_.entries, storage::EncodeBigEndian64(seq), entry);
    new_in_group.emplace(req.event_id, EventIdRecord{seq, at, req.body_digest});
    outcomes[i] = AppendResult{seq, at, false};
  }
  if (options_.observer != nullptr && next_sequence_ != first_sequence) {
    options_.observer->FinishGroup(batch);
  }
  // The group's event ids in key order: random ids (UUIDs) inserted in order let the memtable's
  // skiplist start each search from the previous insert's position instead of from the top.
  if (!new_in_group.empty()) {
    std::vector<std::pair<std::string_view, const EventIdRecord*>> ids;
    ids.reserve(new_in_group.size());
    for (const auto& [id, record] : new_in_group) ids.emplace_back(id, &record);
    std::sort(ids.begin(), ids.end());
    for (const auto& [id, record] : ids) {
      batch.Put(cf_.event_ids, rocksdb::Slice(id.data(), id.size()),
                EventIdValue(record->sequence, record->recorded_at_us, record->digest));
    }
  }
  FlushEdgeTiles(batch);
  group->appended = next_sequence_ - first_sequence;
  group->size_after = range_.size();

  // A checkpoint for the tree this group makes, in the same batch: it can never disagree with it.
  if (options_.checkpoint_signer && range_.size() > last_checkpoint_size_ &&
      (checkpoint_requested || now - last_checkpoint_us_ >= options_.checkpoint_interval_us)) {
    note::Checkpoint cp{origin_, range_.size(), range_.Root(), {}};
    auto signed_note = options_.checkpoint_signer->Sign(cp.Marshal());
    if (!signed_note) {
      Status st = signed_note.error().WithContext("signing a checkpoint");
      Fail(st);
      for (auto& p : reqs) p.done(Err(st));
      return nullptr;
    }
    batch.Put(cf_.checkpoints, storage::EncodeBigEndian64(range_.size()), *signed_note);
    group->wrote_checkpoint = true;
    last_checkpoint_us_ = now;
    last_checkpoint_size_ = range_.size();
  }
  // (For ordinary appends every entry of the group is recorded at `now`.)
  if (group->appended > 0) last_recorded_at_us_ = last_entry_at_us;

  if (!new_in_group.empty()) {
    std::lock_guard<std::mutex> lock(commit_mu_);
    for (const auto& [id, record] : new_in_group) in_flight_.emplace(std::string(id), record);
  }
  return group;
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
      std::lock_guard<std::mutex> lock(commit_mu_);
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

Result<std::string> Ledger::Entry(uint64_t sequence) const {
  if (sequence == 0 || sequence > size()) {
    return Err(NotFound("no entry " + std::to_string(sequence) + " (the ledger has " +
                        std::to_string(size()) + ")"));
  }
  std::string value;
  EJ_RETURN_IF_ERROR(FromRocks(
      db_->Get(rocksdb::ReadOptions(), cf_.entries, storage::EncodeBigEndian64(sequence), &value),
      "entry " + std::to_string(sequence)));
  return value;
}

Status Ledger::ForEachEntry(uint64_t first,
                            const std::function<bool(uint64_t, std::string_view)>& visit,
                            bool verify_checksums) const {
  const uint64_t last = size();
  rocksdb::ReadOptions ro;
  ro.fill_cache = false;
  ro.verify_checksums = verify_checksums;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, cf_.entries));
  uint64_t expected = std::max<uint64_t>(first, 1);
  for (it->Seek(storage::EncodeBigEndian64(expected)); it->Valid() && expected <= last;
       it->Next(), ++expected) {
    uint64_t seq = storage::DecodeBigEndian64(std::string_view(it->key().data(), it->key().size()));
    if (seq != expected) {
      return DataLoss("entry " + std::to_string(expected) + " is missing (next stored is " +
                      std::to_string(seq) + ")");
    }
    if (!visit(seq, std::string_view(it->value().data(), it->value().size()))) {
      return Status::Ok();
    }
  }
  EJ_RETURN_IF_ERROR(FromRocks(it->status(), "reading entries"));
  if (expected <= last) return DataLoss("entry " + std::to_string(expected) + " is missing");
  return Status::Ok();
}

Result<uint64_t> Ledger::SequenceOf(std::string_view event_id) const {
  std::string value;
  EJ_RETURN_IF_ERROR(FromRocks(db_->Get(rocksdb::ReadOptions(), cf_.event_ids,
                                        rocksdb::Slice(event_id.data(), event_id.size()), &value),
                               "event id"));
  EJ_ASSIGN_OR_RETURN(auto record, ParseEventIdValue(value));
  return record.sequence;
}

Result<merkle::Hash> Ledger::Root(uint64_t tree_size) const {
  if (tree_size > size()) {
    return Err(InvalidArgument("tree size " + std::to_string(tree_size) +
                               " is larger than the ledger (" + std::to_string(size()) + ")"));
  }
  return merkle::Root(*node_source_, tree_size);
}

Result<std::vector<merkle::Hash>> Ledger::InclusionProof(uint64_t leaf_index,
                                                         uint64_t tree_size) const {
  if (tree_size > size()) {
    return Err(InvalidArgument("tree size " + std::to_string(tree_size) +
                               " is larger than the ledger (" + std::to_string(size()) + ")"));
  }
  return merkle::InclusionProof(*node_source_, leaf_index, tree_size);
}

Result<std::vector<merkle::Hash>> Ledger::ConsistencyProof(uint64_t size1, uint64_t size2) const {
  if (size2 > size()) {
    return Err(InvalidArgument("tree size " + std::to_string(size2) +
                               " is larger than the ledger (" + std::to_string(size()) + ")"));
  }
  return merkle::ConsistencyProof(*node_source_, size1, size2);
}

Result<std::string> Ledger::LatestCheckpoint() const {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf_.checkpoints));
  it->SeekToLast();
  EJ_RETURN_IF_ERROR(FromRocks(it->status(), "reading checkpoints"));
  if (!it->Valid()) return Err(NotFound("no checkpoint has been written yet"));
  return it->value().ToString();
}

Status Ledger::StoreVerifiedCheckpoint(std::string_view signed_note) {
  if (options_.checkpoint_signer) {
    return FailedPrecondition("this ledger signs its own checkpoints; it stores no others");
  }
  auto text_end = signed_note.find("\n\n");
  if (text_end == std::string_view::npos) {
    return InvalidArgument("the checkpoint is not a signed note");
  }
  EJ_ASSIGN_OR_RETURN(auto checkpoint,
                      note::Checkpoint::Parse(signed_note.substr(0, text_end + 1)));
  const std::string where = "checkpoint at size " + std::to_string(checkpoint.size) + ": ";
  if (checkpoint.origin != origin_) {
    return FailedPrecondition(where + "names origin \"" + checkpoint.origin + "\"");
  }
  if (checkpoint.size == 0 || checkpoint.size > size()) {
    return FailedPrecondition(where + "the ledger has " + std::to_string(size()) + " entries");
  }
  EJ_ASSIGN_OR_RETURN(auto root, merkle::Root(*node_source_, checkpoint.size));
  if (root != checkpoint.root) return FailedPrecondition(where + "its root differs from ours");
  rocksdb::WriteOptions wo;
  wo.sync = options_.sync;
  return FromRocks(db_->Put(wo, cf_.checkpoints, storage::EncodeBigEndian64(checkpoint.size),
                            rocksdb::Slice(signed_note.data(), signed_note.size())),
                   "storing a checkpoint");
}

Status Ledger::ForEachCheckpoint(
    const std::function<bool(uint64_t, std::string_view)>& visit) const {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf_.checkpoints));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    uint64_t size =
        storage::DecodeBigEndian64(std::string_view(it->key().data(), it->key().size()));
    if (!visit(size, std::string_view(it->value().data(), it->value().size()))) break;
  }
  return FromRocks(it->status(), "reading checkpoints");
}

}  // namespace ejournal
