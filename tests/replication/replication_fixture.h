// The replication tests' fixture: a writer node (tests/support/signed_ledger.h with the school
// rules) whose clock follows a generated school year (tools/synth), the embedded mock cluster on
// loopback (ledger/embedded_kafka.h), relays and replicas in temporary directories, and the topic
// read back by an independent client (the real `kcat`) or by a plain librdkafka producer for the
// tampered streams. Everything started here is stopped by the fixture.
#ifndef EJOURNAL_TESTS_REPLICATION_REPLICATION_FIXTURE_H_
#define EJOURNAL_TESTS_REPLICATION_REPLICATION_FIXTURE_H_

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "ledger/embedded_kafka.h"
#include "ledger/replica.h"
#include "ledger/replication_format.h"
#include "ledger/replicator.h"
#include "tests/support/signed_ledger.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"
#include "tools/synth/school_generator.h"

namespace ejournal::testing {

inline constexpr char kTopic[] = "ejournal.ledger.1";
using std::chrono::milliseconds;
// Generous deadlines for conditions that are awaited, never for timing assertions.
inline constexpr milliseconds kDeadline{60'000};

// Polls `condition` until it holds or `deadline` passes; true if it held.
inline bool Eventually(const std::function<bool()>& condition, milliseconds deadline = kDeadline) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(milliseconds(2));
  }
  return true;
}

// One message as read back from the topic.
struct ReadMessage {
  std::string key;
  std::map<std::string, std::string> headers;
  std::string value;
};

class ReplicationTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // A small generated school year (about the size the brief asks for).
  static synth::Options SmallYear();
  // Drives the year (or what is left of `generator`) through the writer's admission and ledger;
  // `after_group` runs after each group (may be empty).
  void DriveYear(synth::SchoolGenerator& generator,
                 const std::function<void(const synth::DriveResult&)>& after_group = {});
  std::unique_ptr<synth::SchoolGenerator> NewGenerator();

  ReplicatorOptions RelayOptions(const std::string& topic = kTopic) const;
  ReplicaOptions ReplicaOptionsFor(const std::string& topic = kTopic) const;
  std::unique_ptr<Replicator> StartRelay(const std::string& topic = kTopic);
  // Opens (or reopens) the replica store `name` under the temp dir.
  std::unique_ptr<ReplicaStore> OpenStore(const std::string& name);
  std::unique_ptr<Replica> StartReplica(ReplicaStore& store, const std::string& topic = kTopic);

  // Every message of `topic` partition 0, read by kcat from the beginning to the end.
  std::vector<ReadMessage> ReadTopicWithKcat(const std::string& topic = kTopic);
  // The stream the relay produces for the writer's ledger: each entry, and every checkpoint right
  // after the entry it covers.
  std::vector<replication::Message> WriterStream();
  // Produces `messages` to `topic` (partition 0) with a plain idempotent producer, and flushes.
  void ProduceRaw(const std::string& topic, const std::vector<replication::Message>& messages);

  // The replica's entries, checkpoints and views equal the writer's, byte for byte.
  void ExpectReplicaEqualsWriter(ReplicaStore& store);

  Ledger& writer() { return writer_->ledger(); }

  // Changes ReplicaOptionsFor's options (e.g. the verifying threads), if set.
  std::function<void(ReplicaOptions&)> tweak_replica_;

  TempDir dir_;
  synth::SettableClock clock_;
  std::unique_ptr<EmbeddedKafka> kafka_;
  std::unique_ptr<SignedLedger> writer_;
};

}  // namespace ejournal::testing

#endif  // EJOURNAL_TESTS_REPLICATION_REPLICATION_FIXTURE_H_
