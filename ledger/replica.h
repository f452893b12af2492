// Replica: a verified copy of another node's ledger, built from its replication stream (one
// partition, ledger/replication_format.h), that serves the same reads (ARCHITECTURE.md,
// "Replication and scale").
//
// The apply path. Every message is verified before anything of it is applied:
//   entry S     S is exactly the next sequence (contiguity; a repeat of an entry already verified
//               must be byte-identical to the replica ledger's entry S and is skipped: duplicates
//               after a writer restart), the bytes match the ej-leaf header, are exactly the
//               canonical encoding of a LedgerEntry (storage::EncodeLedgerEntry's framing, read
//               directly, carrying S; the event inside canonical too, which DecodeSignedEvent
//               checks), the recorded-at time does not go back, and Admission::Check (decode,
//               credential at the recorded-at time, signature over the stored body bytes) accepts
//               the event.
//   checkpoint  signed by the source node's key, names the replica ledger's origin, covers only
//               verified entries, and its root equals the root the replica recomputed itself.
// Verified entries are then appended to the replica's own RocksDB ledger through the ordinary
// writer with AppendRequest::presequenced (same sequence numbers, same recorded-at times, hence
// the same entry bytes, leaves and roots; the bytes and the leaf the replica checked are handed
// over, so the writer does not encode and hash them again), in group commits of up to
// `max_batch`. The writer's
// observer is the replica's Admission: the credential and school rules are checked again in
// sequence order (the source admitted the same events at the same times, so a refusal is a
// mismatch) and the projections (views) are written in the same WriteBatch, exactly as on the
// source. Verified checkpoints are stored once their entries are durable, a group's together in
// one write, with Ledger::StoreVerifiedCheckpoint's checks (within the ledger, the root the
// replica's ledger holds at that size). The replica's ledger has no checkpoint signer: it signs
// nothing of its own.
//
// On any mismatch the replica applies what it verified before it, stops consuming, and raises an
// alarm: alarm() returns kDataLoss (or kUnauthenticated for a signature) whose message starts with
// where ("entry 17: ...", "checkpoint at size 64: ...") and says why; stats().halted is set. It
// never applies unverified data. Restarting it does not clear the alarm: the same stream stops it
// at the same point.
//
// Position: the Kafka offset after the last message fully handled is stored in the replica
// ledger's `meta` (kReplicaOffsetKey) once the groups before it are durable (by the applier, once
// for the groups that became durable together); a restarted replica resumes there
// (a stale offset only repeats entries, which are skipped), a new one reads from the beginning.
//
// Threads (a pipeline, each stage running ahead of the next within bounds, so that the cores
// stay busy while any stage waits):
//   consumer     reads messages in batches of up to `verify_batch` and queues them for
//                verification, up to `verify_ahead` batches ahead of the in-order check; then takes
//                the oldest batch once it is verified (verifying what no verifying thread has
//                taken yet of it itself), goes through it in order (duplicates, contiguity, the
//                first failing check, recorded-at order, the checkpoints) exactly as one thread
//                would, so every refusal names the same entry and reason, and hands the verified
//                entries to the replica ledger's writer (Ledger::AppendBatchAsync, in order) when
//                it has nothing left or `max_batch` are ready, while fewer than `apply_ahead`
//                handed entries are not yet durable.
//   verifying    `verify_threads` threads run the checks of each message that do not depend on the
//                messages before it (an entry's leaf header, its canonical encoding and the
//                sequence in it, Admission::Check with its Ed25519 signature; a checkpoint's
//                signature, note, origin and size), batch after batch in the order read.
//   ledger       the replica ledger's writer (the rules, the fold, the views) and committer (group
//                commits, synced) work on the handed entries while the next ones are verified.
//   applier      takes the handed groups in order as the ledger makes them durable: checks their
//                outcomes (a refusal is a mismatch: nothing after it is appended, the ledger's
//                presequenced append refuses a gap), stores their checkpoints and the offset.
// A credential check that failed against the registry as the verifier saw it (a credential
// issued by an entry not yet applied) is repeated in order: against the registry as it is then
// (the ledger's writer folds meanwhile), and if that fails too once everything before the entry
// is applied. stats(), alarm() and WaitApplied() from any thread. The Ledger and Admission must
// outlive the Replica.
#ifndef EJOURNAL_LEDGER_REPLICA_H_
#define EJOURNAL_LEDGER_REPLICA_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "ledger/admission.h"
#include "ledger/kafka_client.h"
#include "ledger/ledger.h"
#include "ledger/merkle.h"
#include "ledger/signed_note.h"
#include "projections/school_state.h"
#include "schemas/mutex.h"
#include "schemas/status.h"

namespace ejournal {

inline constexpr char kReplicaOffsetKey[] = "replica.next_offset";

struct ReplicaOptions {
  std::string topic;
  int32_t partition = 0;
  // librdkafka consumer properties, passed through (bootstrap.servers, TLS, SASL, ...).
  kafka::Properties kafka;
  // The source node's C2SP verifier key: its checkpoints must carry its signature.
  std::string source_verifier_key;
  // Entries handed to the replica ledger's writer at once while it is busy, at most (when it is
  // idle, what is verified goes at once); its group commits take what is queued.
  size_t max_batch = 1024;
  // Entries handed to the replica ledger's writer and not yet durable, at most (back-pressure).
  size_t apply_ahead = 8192;
  // How long the consumer waits for a message before it applies what it has verified.
  int poll_ms = 20;
  // Threads verifying messages (0: one per core); the consumer thread helps them when it waits
  // for the batch it checks next.
  size_t verify_threads = 0;
  // Messages read and verified together before they are checked in order.
  size_t verify_batch = 256;
  // Batches read and verifying ahead of the one checked in order, at most.
  size_t verify_ahead = 8;
};

// Where the replica's pipeline spent its time since start (cumulative seconds, per stage), to find
// where it waits on itself.
struct ReplicaPipelineStats {
  uint64_t batches = 0;    // batches of messages read from the consumer
  uint64_t groups = 0;     // groups handed to the replica ledger's writer
  uint64_t helped = 0;     // messages the consumer thread verified itself
  uint64_t rechecks = 0;   // credential checks repeated after applying everything before
  double reading_s = 0;    // the consumer thread reading messages (librdkafka, parsing)
  double verifying_s = 0;  // the consumer thread verifying, or waiting for the batch's verification
  double handling_s = 0;   // the consumer thread checking in order
  double waiting_s = 0;    // the consumer thread waiting for room behind the applier
  double draining_s = 0;   // the consumer thread waiting for everything before to be applied
  double apply_idle_s = 0;  // the applier waiting for a group to be handed over and made durable
};

struct ReplicaStats {
  uint64_t applied = 0;      // entries in the replica's ledger
  uint64_t verified = 0;     // entries verified (applied, or about to be)
  uint64_t checkpoints = 0;  // checkpoints verified and stored since start
  uint64_t messages = 0;     // messages consumed since start
  uint64_t duplicates = 0;   // repeated entries skipped
  int64_t next_offset = 0;   // the Kafka offset after the last message applied (and stored)
  int64_t read_offset = 0;   // the Kafka offset after the last message taken from the consumer
  // The partition's high watermark as the consumer last learnt it (-1: not known yet);
  // high_watermark - next_offset is how many messages the replica has still to read.
  int64_t high_watermark = -1;
  bool halted = false;  // an alarm stopped it
  uint64_t alarm_sequence = 0;
  std::string alarm;       // why it stopped ("" while healthy)
  std::string last_error;  // the last Kafka error ("" if none)
  ReplicaPipelineStats pipeline;
};

// A replica's store: the ledger (no checkpoint signer) with the school rules and projections,
// opened as a writer node opens its own (tools/data_dir.h) but trusting only the source node's key.
struct ReplicaStore {
  std::unique_ptr<CredentialRegistry> registry;
  std::unique_ptr<school::SchoolState> state;
  std::unique_ptr<Admission> admission;
  std::unique_ptr<Ledger> ledger;
};
// Opens (creating if missing) the replica ledger at `path` for the source `origin` whose node
// verifier key is `source_verifier_key`, and folds what it holds (Admission::CatchUp).
[[nodiscard]] Result<ReplicaStore> OpenReplicaStore(const std::string& path,
                                                    const std::string& origin,
                                                    const std::string& source_verifier_key);

class Replica {
 public:
  // `ledger` must have no checkpoint signer and `admission` as its observer, caught up.
  [[nodiscard]] static Result<std::unique_ptr<Replica>> Start(Ledger* ledger,
                                                              const Admission* admission,
                                                              ReplicaOptions options);
  // Stops consuming; verified entries not yet applied are applied first.
  ~Replica();
  Replica(const Replica&) = delete;
  Replica& operator=(const Replica&) = delete;

  // Waits until the replica's ledger holds `sequence` entries. The alarm if it halts first;
  // kUnavailable if `timeout` passes.
  [[nodiscard]] Status WaitApplied(uint64_t sequence, std::chrono::milliseconds timeout);
  // Waits until the replica halts; its alarm, or kUnavailable if `timeout` passes.
  [[nodiscard]] Status WaitHalted(std::chrono::milliseconds timeout);

  Status alarm() const;
  ReplicaStats stats() const;

 private:
  // What the verifying threads found about one entry message (checks independent of the order).
  struct Verdict;
  // One consumed message of a batch.
  struct Slot;
  struct VerifiedCheckpoint {
    uint64_t size = 0;
    merkle::Hash root{};
    std::string note;
  };
  // A verified group handed to the replica ledger's writer, on its way to the applier.
  struct Group {
    uint64_t first = 0;  // the sequence of its first entry
    size_t count = 0;    // entries
    std::vector<VerifiedCheckpoint> checkpoints;
    int64_t next_offset = 0;
    // Written under apply_mu_ by the ledger's completion, results first; the applier reads
    // results without the lock once it has seen durable under it (nothing writes them after).
    // (Not ABSL_GUARDED_BY: the analysis cannot name the Replica's mutex from a Group.)
    bool durable = false;  // the outcomes are known
    std::vector<Result<AppendResult>> results;
  };
  // Consumed messages on their way through verification.
  struct Batch;
  class VerifyPool;

  Replica(Ledger* ledger, const Admission* admission, ReplicaOptions options,
          note::NoteVerifier verifier);
  void Run();
  // Reads up to verify_batch messages into `batch`, waiting up to `wait_ms` for the first.
  void Read(Batch& batch, int wait_ms);
  // Checks a verified batch in order (Handle). False after an alarm.
  bool HandleBatch(Batch& batch);
  // The order-independent checks of an entry or a checkpoint (any thread).
  void Verify(Slot& slot) const;
  void VerifyCheckpoint(Slot& slot) const;
  // Checks one message in order with its verdict; the entry joins the pending group. False after
  // an alarm.
  bool Handle(Slot& slot);
  bool HandleEntry(Slot& slot);
  bool HandleCheckpoint(Slot& slot);
  // Hands the pending group (and the checkpoints verified since the last one) to the replica
  // ledger's writer and the applier, waiting while apply_ahead entries are not yet durable. False
  // if the applier raised an alarm.
  bool Submit() ABSL_LOCKS_EXCLUDED(apply_mu_);
  // Submits and waits until the applier has applied everything. False after an applier alarm.
  bool Drain() ABSL_LOCKS_EXCLUDED(apply_mu_);
  // The applier thread.
  void ApplyLoop() ABSL_LOCKS_EXCLUDED(apply_mu_, mu_);
  // Checks a durable group's outcomes and stores its checkpoints (and the offset if
  // `store_offset`). False after an alarm.
  bool Apply(Group& group, bool store_offset) ABSL_LOCKS_EXCLUDED(apply_mu_, mu_);
  // Applies what was verified before, then stops with `status` about `sequence`.
  void Alarm(uint64_t sequence, Status status) ABSL_LOCKS_EXCLUDED(apply_mu_, mu_);
  // Raises the alarm (the first one wins).
  void Halt(uint64_t sequence, Status status) ABSL_LOCKS_EXCLUDED(mu_);
  void RecordError(const Status& status) ABSL_LOCKS_EXCLUDED(mu_);

  Ledger* const ledger_;
  const Admission* const admission_;
  const ReplicaOptions options_;
  const note::NoteVerifier verifier_;

  // Owned by the consumer thread.
  kafka::Handle consumer_;
  std::unique_ptr<VerifyPool> pool_;
  merkle::CompactRange range_;  // every verified leaf, applied or not
  int64_t last_at_us_ = 0;
  std::vector<AppendRequest> pending_;
  std::vector<VerifiedCheckpoint> pending_checkpoints_;
  uint64_t last_checkpoint_ = 0;  // the largest checkpoint verified
  int64_t next_offset_ = 0;
  int64_t submitted_offset_ = -1;

  // The groups handed over, in order, until the applier is done with them.
  Mutex apply_mu_;
  std::condition_variable apply_cv_;
  std::deque<std::shared_ptr<Group>> groups_ ABSL_GUARDED_BY(apply_mu_);
  size_t unapplied_ ABSL_GUARDED_BY(apply_mu_) = 0;  // entries handed and not yet applied
  bool applying_ ABSL_GUARDED_BY(apply_mu_) = false;
  bool apply_failed_ ABSL_GUARDED_BY(apply_mu_) = false;
  bool apply_stop_ ABSL_GUARDED_BY(apply_mu_) = false;
  int64_t stored_offset_ = -1;  // the applier's

  std::atomic<uint64_t> verified_{0};
  std::atomic<uint64_t> checkpoints_{0};
  std::atomic<uint64_t> messages_{0};
  std::atomic<uint64_t> duplicates_{0};
  std::atomic<int64_t> next_offset_stat_{0};
  std::atomic<int64_t> read_offset_stat_{0};
  std::atomic<bool> stop_{false};
  // ReplicaPipelineStats, in nanoseconds.
  std::atomic<uint64_t> stat_batches_{0}, stat_groups_{0}, stat_rechecks_{0}, stat_helped_{0};
  std::atomic<int64_t> ns_reading_{0}, ns_verifying_{0}, ns_handling_{0}, ns_waiting_{0},
      ns_draining_{0}, ns_apply_idle_{0};

  mutable Mutex mu_;
  std::condition_variable changed_;
  bool halted_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t alarm_sequence_ ABSL_GUARDED_BY(mu_) = 0;
  Status alarm_ ABSL_GUARDED_BY(mu_);
  std::string last_error_ ABSL_GUARDED_BY(mu_);
  std::thread applier_;
  std::thread thread_;
};

}  // namespace ejournal

#endif  // EJOURNAL_LEDGER_REPLICA_H_
