// Replica: a verified copy of another node's ledger, built from its replication stream (one
// partition, ledger/replication_format.h), that serves the same reads (ARCHITECTURE.md,
// "Replication and scale").
//
// The apply path. Every message is verified before anything of it is applied:
//   entry S     S is exactly the next sequence (contiguity; a repeat of an entry already verified
//               must be byte-identical and is skipped: duplicates after a writer restart), the
//               bytes parse as a LedgerEntry carrying S, are the canonical encoding
//               (storage::EncodeLedgerEntry), match the ej-leaf header, the recorded-at time does
//               not go back, and Admission::Check (decode, credential at the recorded-at time,
//               signature over the stored body bytes) accepts the event.
//   checkpoint  signed by the source node's key, names the replica ledger's origin, covers only
//               verified entries, and its root equals the root the replica recomputed itself.
// Verified entries are then appended to the replica's own RocksDB ledger through the ordinary
// writer with AppendRequest::presequenced (same sequence numbers, same recorded-at times, hence
// the same entry bytes, leaves and roots), in group commits of up to `max_batch`. The writer's
// observer is the replica's Admission: the credential and school rules are checked again in
// sequence order (the source admitted the same events at the same times, so a refusal is a
// mismatch) and the projections (views) are written in the same WriteBatch, exactly as on the
// source. Verified checkpoints are stored (Ledger::StoreVerifiedCheckpoint) once their entries
// are durable. The replica's ledger has no checkpoint signer: it signs nothing of its own.
//
// On any mismatch the replica applies what it verified before it, stops consuming, and raises an
// alarm: alarm() returns kDataLoss (or kUnauthenticated for a signature) whose message starts with
// where ("entry 17: ...", "checkpoint at size 64: ...") and says why; stats().halted is set. It
// never applies unverified data. Restarting it does not clear the alarm: the same stream stops it
// at the same point.
//
// Position: the Kafka offset after the last message fully handled is stored in the replica
// ledger's `meta` (kReplicaOffsetKey) after every group commit; a restarted replica resumes there
// (a stale offset only repeats entries, which are skipped), a new one reads from the beginning.
//
// Threads: one consumer thread verifies and submits; the ledger's writer applies. stats(),
// alarm() and WaitApplied() from any thread. The Ledger and Admission must outlive the Replica.
#ifndef EJOURNAL_LEDGER_REPLICA_H_
#define EJOURNAL_LEDGER_REPLICA_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
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
  // Entries per group commit on the replica.
  size_t max_batch = 4096;
  // How long the consumer waits for a message before it applies what it has verified.
  int poll_ms = 20;
};

struct ReplicaStats {
  uint64_t applied = 0;      // entries in the replica's ledger
  uint64_t verified = 0;     // entries verified (applied, or about to be)
  uint64_t checkpoints = 0;  // checkpoints verified and stored since start
  uint64_t messages = 0;     // messages consumed since start
  uint64_t duplicates = 0;   // repeated entries skipped
  int64_t next_offset = 0;   // the Kafka offset it will read next
  // The partition's high watermark as the consumer last learnt it (-1: not known yet);
  // high_watermark - next_offset is how many messages the replica has still to read.
  int64_t high_watermark = -1;
  bool halted = false;  // an alarm stopped it
  uint64_t alarm_sequence = 0;
  std::string alarm;       // why it stopped ("" while healthy)
  std::string last_error;  // the last Kafka error ("" if none)
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
  Replica(Ledger* ledger, const Admission* admission, ReplicaOptions options,
          note::NoteVerifier verifier);
  void Run();
  // Verifies one message; the entry joins the pending group. False after an alarm.
  bool Handle(const replication::Message& message);
  bool HandleEntry(const replication::Message& message);
  bool HandleCheckpoint(const replication::Message& message);
  // Applies the pending group and stores the verified checkpoints it completes. False after an
  // alarm.
  bool Flush();
  // Applies what was verified before, then stops with `status` about `sequence`.
  void Alarm(uint64_t sequence, Status status);
  void RecordError(const Status& status);

  Ledger* const ledger_;
  const Admission* const admission_;
  const ReplicaOptions options_;
  const note::NoteVerifier verifier_;

  // Owned by the consumer thread.
  kafka::Handle consumer_;
  merkle::CompactRange range_;  // every verified leaf, applied or pending
  int64_t last_at_us_ = 0;
  std::vector<AppendRequest> pending_;
  std::vector<std::string> pending_bytes_;
  std::vector<merkle::Hash> pending_roots_;  // root after each pending entry
  std::vector<std::pair<uint64_t, std::string>> pending_checkpoints_;
  uint64_t last_checkpoint_ = 0;  // the largest checkpoint stored
  int64_t next_offset_ = 0;
  int64_t stored_offset_ = -1;

  std::atomic<uint64_t> verified_{0};
  std::atomic<uint64_t> checkpoints_{0};
  std::atomic<uint64_t> messages_{0};
  std::atomic<uint64_t> duplicates_{0};
  std::atomic<int64_t> next_offset_stat_{0};
  std::atomic<bool> stop_{false};

  mutable std::mutex mu_;
  std::condition_variable changed_;
  bool halted_ = false;          // guarded by mu_
  uint64_t alarm_sequence_ = 0;  // guarded by mu_
  Status alarm_;                 // guarded by mu_
  std::string last_error_;       // guarded by mu_
  std::thread thread_;
};

}  // namespace ejournal

#endif  // EJOURNAL_LEDGER_REPLICA_H_
