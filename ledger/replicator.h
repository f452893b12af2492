// Replicator: the writer side of replication (ARCHITECTURE.md, "Replication and scale"). A relay
// thread tails the ledger by sequence number and produces every entry, and every checkpoint after
// the entry it covers, to one partition of a Kafka topic (the stream format is
// ledger/replication_format.h), with an idempotent producer (`enable.idempotence=true`,
// `acks=all`: a message is confirmed only once every in-sync replica has it).
//
// What it guarantees
// - The ledger never waits for Kafka: the relay reads committed entries from RocksDB on its own
//   thread; Append never calls it. Kafka down or slow only grows the lag (stats()).
// - The confirmed position (the highest sequence S such that entries 1..S all have successful
//   delivery reports) is stored in the ledger's `meta` column family under
//   kReplicatedUpToKey (BE64), advanced only by delivery reports, never ahead of them. After a
//   restart (or a crash) the relay starts again from confirmed + 1: entries between the stored
//   position and what Kafka really had are produced again, and consumers dedupe by sequence.
// - A failed delivery (message timeout, a fatal producer error) rewinds the relay to confirmed + 1
//   once every outstanding report is in; a fatal producer error also replaces the producer. So the
//   relay catches up by itself when Kafka comes back.
//
// Threads: one relay thread owns the producer; delivery reports and the `meta` writes run on it.
// stats(), WaitConfirmed() and the destructor may be called from any thread. The Ledger must
// outlive the Replicator.
//
// Errors: Start fails with kInvalidArgument for a bad option or a librdkafka property librdkafka
// refuses; runtime Kafka errors never stop the relay: they are counted and the last one is kept
// in stats().last_error.
#ifndef EJOURNAL_LEDGER_REPLICATOR_H_
#define EJOURNAL_LEDGER_REPLICATOR_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "ledger/kafka_client.h"
#include "ledger/ledger.h"
#include "schemas/mutex.h"
#include "schemas/status.h"

namespace ejournal {

// The `meta` key of the confirmed position (BE64 sequence), and of the last confirmed checkpoint
// (BE64 tree size).
inline constexpr char kReplicatedUpToKey[] = "replication.confirmed";
inline constexpr char kReplicatedCheckpointKey[] = "replication.checkpoint";

struct ReplicatorOptions {
  std::string topic;
  int32_t partition = 0;
  // librdkafka properties, passed through: bootstrap.servers, security.protocol, ssl.*, sasl.*,
  // message.timeout.ms, ... `enable.idempotence` and `acks` are fixed (true, all): another value
  // is refused.
  kafka::Properties kafka;
  // How long an idle relay waits for delivery reports before it looks at the ledger again (the
  // ledger does not notify it: this bounds how late it learns of a new entry). An idle look costs
  // two atomic reads and a counter copy unless the ledger has grown or written a checkpoint.
  int idle_poll_ms = 1;
  // At most this many messages produced and not yet reported (bounds memory while Kafka is down).
  size_t max_in_flight = 100000;
  // Entries read from RocksDB per step.
  size_t read_chunk = 4096;
};

// For /metrics and /readyz.
struct ReplicatorStats {
  uint64_t ledger_size = 0;  // entries in the ledger
  uint64_t produced = 0;     // highest sequence handed to the producer
  uint64_t confirmed = 0;    // the stored position: 1..confirmed are in Kafka
  uint64_t lag = 0;          // ledger_size - confirmed
  uint64_t checkpoints = 0;  // checkpoints confirmed since start
  uint64_t in_flight = 0;    // messages produced and not yet reported
  uint64_t failures = 0;     // failed deliveries and produce calls since start
  uint64_t rewinds = 0;      // times the relay went back to confirmed + 1
  uint64_t producers = 0;    // producers created (1 + replacements after fatal errors)
  std::string last_error;    // the last Kafka error ("" if none since start)
};

class Replicator {
 public:
  // Reads the stored position and starts the relay thread.
  [[nodiscard]] static Result<std::unique_ptr<Replicator>> Start(Ledger* ledger,
                                                                 ReplicatorOptions options);
  // Stops the relay without waiting for Kafka: messages not yet confirmed are dropped, as a crash
  // would drop them (the stored position stays behind them). Call WaitConfirmed first for a clean
  // shutdown.
  ~Replicator();
  Replicator(const Replicator&) = delete;
  Replicator& operator=(const Replicator&) = delete;

  // Waits until every entry up to `sequence` is confirmed (and stored as the position).
  // kUnavailable with the last Kafka error if `timeout` passes first.
  [[nodiscard]] Status WaitConfirmed(uint64_t sequence, std::chrono::milliseconds timeout);

  ReplicatorStats stats() const;

  // The confirmed position stored in `ledger`'s meta (0 if none yet).
  [[nodiscard]] static Result<uint64_t> StoredPosition(const Ledger& ledger);
  // Stores, before any relay starts on `ledger`, that entries 1..`up_to` and the checkpoints up
  // to that tree size are already in Kafka: its relay will stream from entry up_to + 1 (a
  // benchmark's prepared history, tools/load_main.cc). Synced. `up_to` within the ledger.
  [[nodiscard]] static Status MarkReplicated(Ledger& ledger, uint64_t up_to);

 private:
  struct Checkpoint {
    uint64_t size;
    std::string note;
  };

  Replicator(Ledger* ledger, ReplicatorOptions options);
  // Writes the position (entries, checkpoints) into `ledger`'s meta, in one batch.
  static rocksdb::Status WritePosition(Ledger& ledger, uint64_t confirmed, uint64_t checkpoint,
                                       bool sync);
  Status NewProducer();
  // Asks for the topic's metadata (at most a few seconds) so that the first entries need not
  // wait for librdkafka's periodic metadata refresh.
  void LearnLeader();
  void Run();
  // Produces what the ledger has beyond the cursors, as far as the in-flight limit allows.
  // Returns true if it produced anything.
  bool ProduceStep();
  bool ProduceOne(const replication::Message& message, uint64_t opaque);
  Result<std::vector<Checkpoint>> ReadCheckpoints(uint64_t after, uint64_t up_to) const;
  void StorePosition();
  void RecordError(const Status& status) ABSL_LOCKS_EXCLUDED(mu_);
  static void OnDelivery(rd_kafka_t* rk, const rd_kafka_message_t* message, void* opaque);
  static void OnError(rd_kafka_t* rk, int err, const char* reason, void* opaque);
  void Delivered(uint64_t opaque, rd_kafka_resp_err_t err);

  Ledger* const ledger_;
  const ReplicatorOptions options_;

  // Owned by the relay thread.
  kafka::Handle producer_;
  uint64_t next_ = 1;             // next entry to produce
  uint64_t cp_cursor_ = 0;        // checkpoints up to this size were produced
  uint64_t cp_confirmed_ = 0;     // the last checkpoint with a successful report
  std::set<uint64_t> delivered_;  // reported entries above confirmed
  bool rewind_ = false;           // a delivery failed: go back once the reports are in
  bool fatal_ = false;            // the producer had a fatal error: replace it
  uint64_t stored_cp_ = 0;
  // What the ledger held at the last look for checkpoints (its size, checkpoints written since
  // open): the checkpoints are read again only when one of them changes.
  uint64_t seen_size_ = UINT64_MAX;
  uint64_t seen_checkpoints_ = UINT64_MAX;

  std::atomic<uint64_t> produced_{0};
  std::atomic<uint64_t> confirmed_{0};  // in memory, from the reports
  std::atomic<uint64_t> stored_{0};     // in meta
  std::atomic<uint64_t> checkpoints_{0};
  std::atomic<uint64_t> in_flight_{0};
  std::atomic<uint64_t> failures_{0};
  std::atomic<uint64_t> rewinds_{0};
  std::atomic<uint64_t> producers_{0};
  std::atomic<bool> stop_{false};

  // stored_ is advanced under mu_ too (though atomic), so that WaitConfirmed's check and wait
  // cannot miss the notification.
  mutable Mutex mu_;
  std::condition_variable confirmed_cv_;
  std::string last_error_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace ejournal

#endif  // EJOURNAL_LEDGER_REPLICATOR_H_
