// Ledger: the durable, append-only, verifiable log of signed events.
//
// What it guarantees
// - Entries are numbered 1, 2, 3 ... without gaps. An entry, once acknowledged, is durable (its
// group's
//   WriteBatch was written with sync) and is never changed or deleted (R-COR-1).
// - Idempotency by event id: the same event id with the same signed body returns the original
//   sequence number (`duplicate` = true); with another body it is refused as kAlreadyExists (409).
// - Every entry is a leaf of an RFC 6962 Merkle tree; the complete subtree hashes are stored beside
// the
//   entries, so a root or a proof for any size reads O(log n) nodes, never the whole log.
// - Checkpoints (C2SP tlog-checkpoint notes signed by the node key) are written in the same
// WriteBatch
//   as the entries they cover, only by the single writer, for the tree it has just committed: two
//   checkpoints can never disagree.
//
// Threads
// - One writer thread owns sequencing: it takes every request queued since its last group, admits
// and
//   numbers them, writes ONE WriteBatch (entries, event ids, tree nodes, optional checkpoint, and
//   what the AppendObserver adds) with ONE fsync, then completes the requests. No lock is held
//   across I/O.
// - A second thread, the committer, writes and syncs a group while the writer prepares the next
//   one (only one group is ever being written, so groups are durable in order).
// - Append/AppendAsync and every read are safe from any thread.
// - On a write error the ledger fails stop: the failed group and every later request get the error,
//   and the ledger must be reopened (after a restart it holds exactly the groups that were
//   durable). A request that failed this way may or may not be durable; resubmitting the same event
//   is safe.
#ifndef EJOURNAL_LEDGER_LEDGER_H_
#define EJOURNAL_LEDGER_LEDGER_H_

#include <rocksdb/db.h>
#include <rocksdb/file_system.h>
#include <rocksdb/listener.h>

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "ledger/clock.h"
#include "ledger/merkle.h"
#include "ledger/signed_note.h"
#include "ledger/tree_tiles.h"
#include "schemas/mutex.h"
#include "schemas/status.h"

namespace ejournal {

struct DecodedEvent;  // ledger/event_codec.h

// One event to append, already decoded and checked by admission.
struct AppendRequest {
  // The serialised ejournal.v1.SignedEvent exactly as received; stored verbatim.
  std::string signed_event;
  // EventBody.event_id: the idempotency key.
  std::string event_id;
  // SHA-256 of SignedEvent.body: what "the same event" means for idempotency.
  merkle::Hash body_digest{};
  // What admission decoded and checked (Admission::Check), handed to the AppendObserver; the
  // ledger itself never reads it. Null for a request admission did not make (the ledger core's
  // own tests and tools, whose observers need no decoded event).
  std::shared_ptr<const DecodedEvent> context;
  // Set only by a replica (ledger/replica.h) for an entry copied from another ledger: the entry
  // keeps the source's sequence number and recorded-at time, so its stored bytes (and leaf) are the
  // source's. Refused (kFailedPrecondition, nothing appended) unless `sequence` is exactly the next
  // one and `recorded_at_us` does not go back; an event id already present is a duplicate as usual.
  struct Presequenced {
    uint64_t sequence = 0;
    int64_t recorded_at_us = 0;
    // Optional: the entry's stored bytes and leaf hash when the caller has them already (a replica
    // computed and checked both from the source's bytes), so that the writer does not encode and
    // hash the entry again. The caller vouches that `entry_bytes` is
    // storage::EncodeLedgerEntry(sequence, recorded_at_us, signed_event) and `leaf_hash` its
    // merkle::LeafHash; the writer checks only that the bytes end with `signed_event`.
    std::string entry_bytes;
    merkle::Hash leaf_hash{};
  };
  std::optional<Presequenced> presequenced;
};

struct AppendResult {
  uint64_t sequence = 0;
  int64_t recorded_at_us = 0;
  bool duplicate = false;  // the event was already in the ledger; `sequence` is the original
};

// Hooks the writer thread calls while it builds a group; used by the projections so that
// the views are written in the same WriteBatch as the entries. Called only from the writer thread.
class AppendObserver {
 public:
  virtual ~AppendObserver() = default;
  // May `request` enter after everything sequenced before it (including earlier requests of the
  // same group)? A non-OK status refuses it; nothing is appended for it.
  virtual Status Admit(const AppendRequest& request, int64_t recorded_at_us) = 0;
  // `entry` was given `sequence` and will be written in `batch`. Add derived writes to `batch`.
  // A non-OK status means the derived state (the fold) can no longer follow the ledger: the
  // ledger stops accepting writes, as after a failed write (health() says why, naming the
  // entry), and the group is refused; a restart folds the ledger again.
  [[nodiscard]] virtual Status Apply(const AppendRequest& request, uint64_t sequence,
                                     int64_t recorded_at_us, std::string_view entry_bytes,
                                     rocksdb::WriteBatch& batch) = 0;
  // After the last Apply of a group that applied at least one entry, before `batch` is written:
  // derived writes made once per group rather than once per entry (Admission writes the views
  // of the whole group here, each view once).
  virtual void FinishGroup(rocksdb::WriteBatch& batch) = 0;
};

// Counters since Open (for /metrics and benchmarks).
struct LedgerStats {
  uint64_t groups = 0;         // group commits written
  uint64_t entries = 0;        // entries appended (not duplicates)
  uint64_t refused = 0;        // requests refused by the observer or as conflicts
  uint64_t largest_group = 0;  // most entries in one group
  uint64_t checkpoints = 0;    // checkpoints written
  // Group-commit sizes: group_sizes[i] counts the groups that appended n entries with
  // 2^(i-1) < n <= 2^i (i = 0: exactly 1); the last bucket also takes anything larger.
  static constexpr size_t kGroupSizeBuckets = 15;
  std::array<uint64_t, kGroupSizeBuckets> group_sizes{};
};

struct LedgerOptions {
  // Directory of the RocksDB database (created if missing).
  std::string path;
  // The checkpoint origin line, e.g. "ejournal.local/ledger/1". Stored in the ledger when it is
  // created; empty on a later open means "the stored one", another value is refused.
  std::string origin;
  // The node key that signs checkpoints. Null: no checkpoints are written (read-only tools).
  std::shared_ptr<const note::NoteSigner> checkpoint_signer;
  // Time source for recorded-at times and checkpoint intervals.
  const Clock* clock = SystemClock::Default();
  // File-system seam (fault injection in tests). Null: the default file system.
  std::shared_ptr<rocksdb::FileSystem> file_system;
  // RocksDB's event listeners (tests: how a compaction ran).
  std::vector<std::shared_ptr<rocksdb::EventListener>> listeners;
  AppendObserver* observer = nullptr;
  // At most this many requests in one group commit.
  size_t max_group_size = 8192;
  // Requests waiting for the writer; more are refused with kUnavailable (the API answers 503).
  size_t max_queue = 200000;
  // A new checkpoint is written with the first group after this much time since the last one, and
  // by an idle writer when entries are not yet covered.
  int64_t checkpoint_interval_us = 1'000'000;
  // RocksDB block cache shared by the ledger's column families.
  size_t block_cache_bytes = size_t{1} << 30;
  // fsync every group (never disable outside benchmarks of RocksDB itself).
  bool sync = true;
  // Open without the writer thread; Append fails. For verification and reading tools.
  bool read_only = false;
};

// The ledger's column families (documented in ledger/README.md).
struct LedgerColumnFamilies {
  rocksdb::ColumnFamilyHandle* entries = nullptr;      // BE64 seq -> LedgerEntry bytes
  rocksdb::ColumnFamilyHandle* event_ids = nullptr;    // event id -> BE64 seq || SHA-256(body)
  rocksdb::ColumnFamilyHandle* nodes = nullptr;        // tree tiles (ledger/tree_tiles.h)
  rocksdb::ColumnFamilyHandle* checkpoints = nullptr;  // BE64 tree size -> signed note
  rocksdb::ColumnFamilyHandle* meta = nullptr;         // names -> values
  // The projections' views (projections/views.h), written by the AppendObserver in the same
  // WriteBatch as the entries. Null when a read-only open finds a ledger made before views existed.
  rocksdb::ColumnFamilyHandle* views = nullptr;
};

class Ledger {
 public:
  using Callback = std::function<void(Result<AppendResult>)>;

  [[nodiscard]] static Result<std::unique_ptr<Ledger>> Open(LedgerOptions options);
  ~Ledger();  // Stops the writer after it has finished every queued request.
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;

  // Appends and waits until the entry is durable.
  [[nodiscard]] Result<AppendResult> Append(AppendRequest request);
  // Appends many; one result per request, in order. They may share group commits.
  [[nodiscard]] std::vector<Result<AppendResult>> AppendBatch(std::vector<AppendRequest> requests);
  using BatchCallback = std::function<void(std::vector<Result<AppendResult>>)>;
  // AppendBatch without waiting: queues them all under one lock and returns; `done` runs once
  // with one result per request, in order, when the last outcome is known (on the ledger's
  // threads, or on this one if every request was refused at once or there are none; keep it
  // short). Batches queued one after another are appended in that order.
  void AppendBatchAsync(std::vector<AppendRequest> requests, BatchCallback done);
  // Queues the request; `done` runs on the writer thread once the outcome is known (keep it short).
  // Refused at once (kUnavailable) when the queue is full or the ledger stopped.
  void AppendAsync(AppendRequest request, Callback done);

  // Writes a checkpoint for the current tree if none covers it yet; returns the latest checkpoint.
  [[nodiscard]] Result<std::string> Checkpoint();

  // The number of durable entries (the tree size).
  uint64_t size() const { return size_.load(std::memory_order_acquire); }

  // The stored bytes of entry `sequence` (1-based).
  [[nodiscard]] Result<std::string> Entry(uint64_t sequence) const;
  // Visits entries from `first` (1-based) while `visit` returns true. With `verify_checksums`
  // false, RocksDB's block checksums are skipped, so that the verifier's own hashes find and name
  // an altered entry rather than RocksDB refusing its whole block.
  [[nodiscard]] Status ForEachEntry(uint64_t first,
                                    const std::function<bool(uint64_t, std::string_view)>& visit,
                                    bool verify_checksums = true) const;
  // Sequence of a known event id.
  [[nodiscard]] Result<uint64_t> SequenceOf(std::string_view event_id) const;

  [[nodiscard]] Result<merkle::Hash> Root(uint64_t tree_size) const;
  [[nodiscard]] Result<std::vector<merkle::Hash>> InclusionProof(uint64_t leaf_index,
                                                                 uint64_t tree_size) const;
  [[nodiscard]] Result<std::vector<merkle::Hash>> ConsistencyProof(uint64_t size1,
                                                                   uint64_t size2) const;
  // The latest checkpoint note, or kNotFound if none was written yet.
  [[nodiscard]] Result<std::string> LatestCheckpoint() const;
  // Stores a checkpoint signed elsewhere (a replica stores its source's checkpoints, verified by
  // the caller: ledger/replica.h). Only for a ledger without a checkpoint signer
  // (kFailedPrecondition otherwise). The note's tree size must be within this ledger and its root
  // must equal this ledger's root at that size (kFailedPrecondition); then it is written (synced)
  // beside the checkpoints the ledger would have written itself. Any thread.
  [[nodiscard]] Status StoreVerifiedCheckpoint(std::string_view signed_note);
  // Every stored checkpoint, oldest first: (tree size, note).
  [[nodiscard]] Status ForEachCheckpoint(
      const std::function<bool(uint64_t, std::string_view)>& visit) const;

  const merkle::NodeSource& nodes() const;
  rocksdb::DB* db() const { return db_.get(); }
  const LedgerColumnFamilies& column_families() const { return cf_; }
  const std::string& origin() const { return origin_; }

  // Why the writer stopped (OK while it runs).
  Status health() const;

  LedgerStats stats() const;

  // What the event-id index says about a known event.
  struct EventIdRecord {
    uint64_t sequence;
    int64_t recorded_at_us;
    merkle::Hash digest;
  };

 private:
  struct Pending {
    AppendRequest request;
    Callback done;
    bool checkpoint_only = false;
  };

  // A group numbered and encoded by the writer, waiting for the committer to write it.
  struct PreparedGroup {
    std::vector<Pending> requests;
    std::vector<std::optional<Result<AppendResult>>> outcomes;
    rocksdb::WriteBatch batch;
    uint64_t appended = 0;
    uint64_t size_after = 0;
    int64_t recorded_at_us = 0;
    bool wrote_checkpoint = false;
  };

  explicit Ledger(LedgerOptions options);
  // Queues `pending` (moved from only on success) or says why not.
  Status Enqueue(Pending& pending);
  Status EnqueueLocked(Pending& pending)  // the caller wakes the writer
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Status OpenDb();
  Status LoadOrigin();
  Status LoadState();
  // The append pipeline: the writer numbers, hashes and encodes a group while the committer
  // writes and syncs the previous one; at most one group waits between them. A small group with
  // nothing behind it and an idle committer is written by the writer itself.
  void WriterLoop();
  void CommitterLoop();
  std::unique_ptr<PreparedGroup> PrepareGroup(std::vector<Pending>& requests);
  // PrepareGroup's steps. The group's event ids not in flight (answered as duplicates here),
  // looked up in the store with one MultiGet.
  struct EventIdLookups {
    std::vector<size_t> indexes;  // into the group's requests
    std::vector<rocksdb::PinnableSlice> values;
    std::vector<rocksdb::Status> statuses;
    bool checkpoint_requested = false;
  };
  EventIdLookups LookUpEventIds(PreparedGroup& group);
  // Admits, numbers, hashes and folds one new entry into `batch`, setting `outcome` (the
  // appended entry or why it was refused). Returns an error only when the fold failed: the writer
  // must stop.
  Status AppendNew(Pending& pending, int64_t now, int64_t& last_entry_at_us,
                   rocksdb::WriteBatch& batch, std::optional<Result<AppendResult>>& outcome);
  void PutEventIds(const std::unordered_map<std::string_view, EventIdRecord>& new_in_group,
                   rocksdb::WriteBatch& batch);
  // Signs a checkpoint of the tree after the group into its batch when one is due or requested.
  Status CheckpointInto(PreparedGroup& group, bool requested);
  void WriteGroup(PreparedGroup& group);
  static Result<AppendResult> DuplicateOf(const AppendRequest& request,
                                          const EventIdRecord& original);
  // Tree nodes go into tiles (ledger/tree_tiles.h); the writer keeps the rightmost tile of each
  // tile level in memory and writes those it changed once per group.
  void AddNode(const merkle::NodeId& id, const merkle::Hash& hash, rocksdb::WriteBatch& batch);
  void FlushEdgeTiles(rocksdb::WriteBatch& batch);
  Status LoadEdgeTiles(uint64_t size);
  // Stops the writer for good (fail-stop) with `status` as the reason.
  void Fail(const Status& status);

  const LedgerOptions options_;
  std::unique_ptr<rocksdb::Env> env_;  // wraps options_.file_system; outlives db_
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::unique_ptr<rocksdb::DB> db_;
  LedgerColumnFamilies cf_;
  std::unique_ptr<merkle::NodeSource> node_source_;  // ledger_internal::MakeRocksNodeSource
  std::string origin_;

  // Owned by the writer thread (set up by Open before it starts).
  merkle::CompactRange range_;
  struct EdgeTile {
    uint64_t index = 0;
    storage::Tile tile;
    bool present = false;
    bool dirty = false;
  };
  std::vector<EdgeTile> edge_tiles_;  // by tile level
  uint64_t next_sequence_ = 1;
  int64_t last_recorded_at_us_ = 0;
  int64_t last_checkpoint_us_ = 0;
  uint64_t last_checkpoint_size_ = 0;

  std::atomic<uint64_t> size_{0};
  std::atomic<uint64_t> stat_groups_{0};
  std::atomic<uint64_t> stat_entries_{0};
  std::atomic<uint64_t> stat_refused_{0};
  std::atomic<uint64_t> stat_largest_group_{0};
  std::atomic<uint64_t> stat_checkpoints_{0};
  std::array<std::atomic<uint64_t>, LedgerStats::kGroupSizeBuckets> stat_group_sizes_{};

  mutable Mutex mu_;
  std::condition_variable wake_;
  std::deque<Pending> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  Status failure_ ABSL_GUARDED_BY(mu_);
  std::thread writer_;

  // Between the writer and the committer.
  Mutex commit_mu_;
  std::condition_variable commit_cv_;
  std::unique_ptr<PreparedGroup> to_commit_ ABSL_GUARDED_BY(commit_mu_);
  bool commit_stop_ ABSL_GUARDED_BY(commit_mu_) = false;
  // Ids of new events not yet durable (so a duplicate arriving meanwhile is still recognised).
  std::unordered_map<std::string, EventIdRecord> in_flight_ ABSL_GUARDED_BY(commit_mu_);
  std::thread committer_;
};

}  // namespace ejournal

#endif  // EJOURNAL_LEDGER_LEDGER_H_
