// Replication end to end, with real components: the writer's RocksDB ledger with the
// school rules, the relay producing to librdkafka's mock cluster on 127.0.0.1, the real `kcat`
// reading the topic as an independent client, and replicas rebuilding their own ledger and views.
#include <gtest/gtest.h>

#include <set>

#include "ejournal/v1/event.pb.h"
#include "ejournal/v1/ledger.pb.h"
#include "ledger/merkle.h"
#include "ledger/signed_note.h"
#include "ledger/storage_format.h"
#include "projections/views.h"
#include "tests/replication/replication_fixture.h"
#include "tests/support/generated_school.h"

namespace ejournal::testing {
namespace {

// The topic read by kcat holds exactly entries 1..N in order once repeats are dropped, each with
// the ledger's bytes and correct headers, and every checkpoint the writer signed, after its entry.
void ExpectTopicHoldsLedger(const std::vector<ReadMessage>& messages, Ledger& ledger) {
  uint64_t last_entry = 0;
  std::set<uint64_t> checkpoints;
  for (const auto& m : messages) {
    auto kind = m.headers.find(replication::kHeaderKind);
    auto seq_header = m.headers.find(replication::kHeaderSequence);
    ASSERT_TRUE(kind != m.headers.end() && seq_header != m.headers.end()) << "key " << m.key;
    const uint64_t seq = std::stoull(seq_header->second);
    EXPECT_EQ(m.key, seq_header->second);
    if (kind->second == replication::kKindCheckpoint) {
      EXPECT_LE(seq, last_entry) << "checkpoint " << seq << " before its entry";
      auto stored = ledger.ForEachCheckpoint([&](uint64_t size, std::string_view note) {
        if (size == seq) {
          EXPECT_EQ(m.value, note) << "checkpoint " << seq;
          checkpoints.insert(seq);
        }
        return size < seq;
      });
      EXPECT_TRUE(stored.ok());
      continue;
    }
    ASSERT_EQ(kind->second, replication::kKindEntry);
    if (seq <= last_entry) {  // a repeat: consumers dedupe by sequence; it must be the same entry
      auto bytes = ledger.Entry(seq);
      ASSERT_TRUE(bytes.has_value());
      EXPECT_EQ(m.value, *bytes) << "repeated entry " << seq;
      continue;
    }
    ASSERT_EQ(seq, last_entry + 1) << "a gap in the topic";
    auto bytes = ledger.Entry(seq);
    ASSERT_TRUE(bytes.has_value()) << bytes.error().ToString();
    ASSERT_EQ(m.value, *bytes) << "entry " << seq;
    EXPECT_EQ(m.headers.at(replication::kHeaderLeaf), merkle::ToHex(merkle::LeafHash(*bytes)));
    last_entry = seq;
  }
  EXPECT_EQ(last_entry, ledger.size());
  size_t signed_checkpoints = 0;
  EXPECT_TRUE(ledger
                  .ForEachCheckpoint([&](uint64_t size, std::string_view) {
                    ++signed_checkpoints;
                    EXPECT_TRUE(checkpoints.contains(size)) << "checkpoint " << size;
                    return true;
                  })
                  .ok());
  EXPECT_GT(signed_checkpoints, 0u);
}

TEST_F(ReplicationTest, KcatReadsEveryEntryAndCheckpointInOrder) {
  auto relay = StartRelay();
  ASSERT_NE(relay, nullptr);
  auto generator = NewGenerator();
  DriveYear(*generator);
  const uint64_t n = writer().size();
  ASSERT_GT(n, 1000u);
  ASSERT_OK(relay->WaitConfirmed(n, kDeadline));
  const ReplicatorStats stats = relay->stats();
  EXPECT_EQ(stats.confirmed, n);
  EXPECT_EQ(stats.lag, 0u);
  EXPECT_EQ(stats.produced, n);
  auto stored = Replicator::StoredPosition(writer());
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(*stored, n);
  relay.reset();

  const auto messages = ReadTopicWithKcat();
  ExpectTopicHoldsLedger(messages, writer());
  // Without faults nothing was repeated.
  size_t entries = 0;
  for (const auto& m : messages) entries += m.headers.at("ej-kind") == "entry" ? 1 : 0;
  EXPECT_EQ(entries, n);
}

// A ledger whose first entries are marked as already in Kafka (a benchmark's prepared history):
// its relay streams exactly the entries and checkpoints after them, and the mark is refused
// beyond the ledger.
TEST_F(ReplicationTest, MarkReplicatedMakesTheRelayStreamOnlyWhatFollows) {
  auto generator = NewGenerator();
  DriveYear(*generator);
  const uint64_t n = writer().size();
  ASSERT_GT(n, 1000u);
  const uint64_t k = n / 2;
  EXPECT_EQ(Replicator::MarkReplicated(writer(), n + 1).code(), StatusCode::kInvalidArgument);
  ASSERT_OK(Replicator::MarkReplicated(writer(), k));
  auto stored = Replicator::StoredPosition(writer());
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(*stored, k);

  auto relay = StartRelay();
  ASSERT_NE(relay, nullptr);
  ASSERT_OK(relay->WaitConfirmed(n, kDeadline));
  EXPECT_EQ(relay->stats().produced, n);
  relay.reset();
  const auto messages = ReadTopicWithKcat();
  std::vector<uint64_t> entries;
  size_t checkpoints = 0;
  for (const auto& m : messages) {
    const uint64_t at = std::stoull(m.key);
    if (m.headers.at("ej-kind") == "entry") {
      entries.push_back(at);
    } else {
      EXPECT_GT(at, k) << "a checkpoint the mark covers was streamed again";
      ++checkpoints;
    }
  }
  ASSERT_EQ(entries.size(), n - k);
  for (size_t i = 0; i < entries.size(); ++i) ASSERT_EQ(entries[i], k + 1 + i);
  EXPECT_GT(checkpoints, 0u);
}

// An idle relay reads RocksDB again only when the ledger grew or wrote a checkpoint: a checkpoint
// the writer writes later, with no new entry (an idle writer covering its last entries), must
// still reach the topic.
TEST_F(ReplicationTest, ACheckpointWrittenWhileTheRelayIsIdleReachesTheTopic) {
  auto relay = StartRelay();
  ASSERT_NE(relay, nullptr);
  auto generator = NewGenerator();
  // The year, its last group one event at a time at one instant: a checkpoint goes with the first
  // of them (the interval since the previous one has passed), none with the others.
  std::vector<synth::Event> group, last;
  while (generator->NextGroup(group)) {
    if (!last.empty()) {
      auto r = synth::AppendGroup(last, writer_->admission(), writer(), clock_, false);
      ASSERT_TRUE(r.has_value()) << r.error().ToString();
    }
    last = group;
  }
  ASSERT_GE(last.size(), 2u);
  auto r = synth::AppendGroup(last, writer_->admission(), writer(), clock_, true);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  const uint64_t n = writer().size();
  auto latest = writer().LatestCheckpoint();
  ASSERT_TRUE(latest.has_value());
  ASSERT_OK(relay->WaitConfirmed(n, kDeadline));
  // The relay is idle now, and the last entries are not covered by any checkpoint yet.
  auto before = note::Checkpoint::Parse(latest->substr(0, latest->find("\n\n") + 1));
  ASSERT_TRUE(before.has_value());
  ASSERT_LT(before->size, n);
  const uint64_t confirmed_checkpoints = relay->stats().checkpoints;

  clock_.Set(clock_.NowMicros() + 10'000'000);
  auto written = writer().Checkpoint();  // covers n; no entry is appended
  ASSERT_TRUE(written.has_value()) << written.error().ToString();
  ASSERT_EQ(writer().size(), n);
  ASSERT_TRUE(Eventually([&] { return relay->stats().checkpoints > confirmed_checkpoints; }));
  relay.reset();
  const auto messages = ReadTopicWithKcat();
  ASSERT_FALSE(messages.empty());
  EXPECT_EQ(messages.back().headers.at("ej-kind"), "checkpoint");
  EXPECT_EQ(messages.back().key, std::to_string(n));
  EXPECT_EQ(messages.back().value, *written);
}

// The replica's ledger, checkpoints and views equal the writer's byte for byte, and it serves the
// same journal pages and diaries.
TEST_F(ReplicationTest, ReplicaEqualsWriterAndServesTheSamePages) {
  auto relay = StartRelay();
  ASSERT_NE(relay, nullptr);
  auto store = OpenStore("replica");
  ASSERT_NE(store, nullptr);
  auto replica = StartReplica(*store);  // running while the writer writes
  ASSERT_NE(replica, nullptr);
  auto generator = NewGenerator();
  DriveYear(*generator);
  const uint64_t n = writer().size();
  ASSERT_OK(relay->WaitConfirmed(n, kDeadline));
  ASSERT_OK(replica->WaitApplied(n, kDeadline));
  // Checkpoints are stored once their entries are: wait for the last one too.
  auto last_checkpoint = writer().LatestCheckpoint();
  ASSERT_TRUE(last_checkpoint.has_value());
  ASSERT_TRUE(Eventually([&] {
    auto latest = store->ledger->LatestCheckpoint();
    return latest.has_value() && *latest == *last_checkpoint;
  }));
  const ReplicaStats stats = replica->stats();
  EXPECT_FALSE(stats.halted);
  EXPECT_EQ(stats.alarm, "");
  EXPECT_EQ(stats.applied, n);
  EXPECT_GT(stats.checkpoints, 0u);
  replica.reset();
  ExpectReplicaEqualsWriter(*store);

  // The pages served by both: a lesson with marks, its journal page and a marked student's diary.
  const std::string school_id = generator->school_ids().front();
  const school::School* school = writer_->school_state()->FindSchool(school_id);
  ASSERT_NE(school, nullptr);
  const school::Mark* mark = nullptr;
  for (const auto& [id, m] : school->marks) {
    if (mark == nullptr || id < mark->mark_id) mark = &m;
  }
  ASSERT_NE(mark, nullptr);
  const school::Lesson& lesson = school->lessons.at(std::string(mark->lesson_id));
  school::ViewReader writer_views(writer().db(), writer().column_families().views);
  school::ViewReader replica_views(store->ledger->db(), store->ledger->column_families().views);
  auto page = writer_views.JournalPage(*writer_->school_state(), school_id, lesson.class_id,
                                       lesson.subgroup_id, lesson.subject_id, 1);
  auto replica_page = replica_views.JournalPage(*store->state, school_id, lesson.class_id,
                                                lesson.subgroup_id, lesson.subject_id, 1);
  ASSERT_TRUE(page.has_value()) << page.error().ToString();
  ASSERT_TRUE(replica_page.has_value()) << replica_page.error().ToString();
  EXPECT_GT(page->rows_size(), 0);
  EXPECT_EQ(replica_page->SerializeAsString(), page->SerializeAsString());
  const school::Day week = school::WeekStart(lesson.date);
  auto diary = writer_views.DiaryWeek(*writer_->school_state(), school_id, mark->student_id, week);
  auto replica_diary = replica_views.DiaryWeek(*store->state, school_id, mark->student_id, week);
  ASSERT_TRUE(diary.has_value()) << diary.error().ToString();
  ASSERT_TRUE(replica_diary.has_value()) << replica_diary.error().ToString();
  EXPECT_GT(diary->ByteSizeLong(), 0u);
  EXPECT_EQ(replica_diary->SerializeAsString(), diary->SerializeAsString());
}

// Kafka down during a write load: no write is refused or lost, the lag shows, and when the broker
// comes back the relay catches up by itself: the topic is complete and the replica equals the
// writer.
TEST_F(ReplicationTest, BrokerDownDuringWritesThenUpLosesNothing) {
  auto relay = StartRelay();
  ASSERT_NE(relay, nullptr);
  auto store = OpenStore("replica");
  ASSERT_NE(store, nullptr);
  auto replica = StartReplica(*store);
  ASSERT_NE(replica, nullptr);
  auto generator = NewGenerator();
  uint64_t confirmed_when_down = 0;
  uint64_t size_when_down = 0;
  bool down = false;
  DriveYear(*generator, [&](const synth::DriveResult& r) {
    if (!down && r.appended > 500) {
      // Some entries went through first.
      ASSERT_OK(relay->WaitConfirmed(r.appended, kDeadline));
      ASSERT_OK(kafka_->SetDown());
      down = true;
      size_when_down = writer().size();
    }
  });
  ASSERT_TRUE(down);
  const uint64_t n = writer().size();
  ASSERT_GT(n, size_when_down + 500);  // the writer kept accepting while Kafka was down
  ReplicatorStats stats = relay->stats();
  confirmed_when_down = stats.confirmed;
  EXPECT_LE(confirmed_when_down, size_when_down);
  EXPECT_EQ(stats.lag, n - confirmed_when_down);
  EXPECT_GT(stats.lag, 500u);
  EXPECT_LE(replica->stats().applied, size_when_down);
  // The relay says why: its last Kafka error.
  EXPECT_TRUE(Eventually([&] { return !relay->stats().last_error.empty(); }));

  ASSERT_OK(kafka_->SetUp());
  ASSERT_OK(relay->WaitConfirmed(n, kDeadline));
  EXPECT_EQ(relay->stats().lag, 0u);
  ASSERT_OK(replica->WaitApplied(n, kDeadline));
  auto last_checkpoint = writer().LatestCheckpoint();
  ASSERT_TRUE(last_checkpoint.has_value());
  ASSERT_TRUE(Eventually([&] {
    auto latest = store->ledger->LatestCheckpoint();
    return latest.has_value() && *latest == *last_checkpoint;
  }));
  replica.reset();
  relay.reset();
  ExpectTopicHoldsLedger(ReadTopicWithKcat(), writer());
  ExpectReplicaEqualsWriter(*store);
}

// The writer's relay dies mid-replication without flushing (what it had in flight is dropped, its
// stored position stays behind), the writer keeps writing, and a new relay resumes from the
// stored position: the topic is complete (repeats are the same entries) and a replica that was
// stopped half-way and restarted from its own ledger ends equal to the writer.
TEST_F(ReplicationTest, RelayCrashAndReplicaRestartResumeFromTheirPositions) {
  auto relay = StartRelay();
  ASSERT_NE(relay, nullptr);
  auto store = OpenStore("replica");
  ASSERT_NE(store, nullptr);
  auto replica = StartReplica(*store);
  ASSERT_NE(replica, nullptr);
  auto generator = NewGenerator();
  bool crashed = false;
  uint64_t replica_stopped_at = 0;
  DriveYear(*generator, [&](const synth::DriveResult& r) {
    if (!crashed && r.appended > 1500) {
      ASSERT_OK(relay->WaitConfirmed(1000, kDeadline));
      relay.reset();  // the "crash": no flush, in-flight messages dropped
      crashed = true;
      // The replica stops too, part-way (after it applied what the relay confirmed), and its
      // store is closed.
      ASSERT_OK(replica->WaitApplied(1000, kDeadline));
      replica.reset();
      replica_stopped_at = store->ledger->size();
      store.reset();
    }
  });
  ASSERT_TRUE(crashed);
  const uint64_t n = writer().size();
  auto stored = Replicator::StoredPosition(writer());
  ASSERT_TRUE(stored.has_value());
  EXPECT_GE(*stored, 1000u);
  EXPECT_LT(*stored, n);

  relay = StartRelay();
  ASSERT_NE(relay, nullptr);
  ASSERT_OK(relay->WaitConfirmed(n, kDeadline));
  store = OpenStore("replica");  // reopened: its state is rebuilt from its own ledger
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->ledger->size(), replica_stopped_at);
  replica = StartReplica(*store);
  ASSERT_NE(replica, nullptr);
  EXPECT_GT(replica->stats().next_offset, 0);  // it resumes from its stored offset
  ASSERT_OK(replica->WaitApplied(n, kDeadline));
  auto last_checkpoint = writer().LatestCheckpoint();
  ASSERT_TRUE(last_checkpoint.has_value());
  ASSERT_TRUE(Eventually([&] {
    auto latest = store->ledger->LatestCheckpoint();
    return latest.has_value() && *latest == *last_checkpoint;
  }));
  EXPECT_FALSE(replica->stats().halted);
  replica.reset();
  relay.reset();
  ExpectTopicHoldsLedger(ReadTopicWithKcat(), writer());
  ExpectReplicaEqualsWriter(*store);

  // A replica started from nothing reads the topic from the beginning, repeats included.
  auto fresh = OpenStore("fresh");
  ASSERT_NE(fresh, nullptr);
  auto from_zero = StartReplica(*fresh);
  ASSERT_NE(from_zero, nullptr);
  ASSERT_OK(from_zero->WaitApplied(n, kDeadline));
  ASSERT_TRUE(Eventually([&] {
    auto latest = fresh->ledger->LatestCheckpoint();
    return latest.has_value() && *latest == *last_checkpoint;
  }));
  from_zero.reset();
  ExpectReplicaEqualsWriter(*fresh);
}

// Tampered streams (produced by the test to their own topics): the replica refuses at exactly the
// damaged point, says why, and keeps what it verified before it.
class TamperedStreamTest : public ReplicationTest {
 protected:
  void SetUp() override {
    ReplicationTest::SetUp();
    if (HasFatalFailure()) return;
    auto generator = NewGenerator();
    DriveYear(*generator);
    stream_ = WriterStream();
  }

  // After RunReplicaOn: the replica stopped at exactly entry k — the alarm names it, k − 1 entries
  // are applied, and nothing of k reached the replica's ledger.
  void ExpectStoppedAt(uint64_t k, uint64_t applied) {
    EXPECT_EQ(alarm_sequence_, k);
    EXPECT_EQ(applied, k - 1);
    EXPECT_FALSE(store_->ledger->Entry(k).has_value());
  }

  // Runs a fresh replica on `messages` (in `topic`, new) to the writer's end: it must apply every
  // entry and checkpoint without an alarm, skip `duplicates` repeated entries, and equal the
  // writer.
  void ExpectReplicaCompletes(const std::string& topic,
                              const std::vector<replication::Message>& messages,
                              uint64_t duplicates = 0) {
    ASSERT_OK(kafka_->CreateTopic(topic));
    ProduceRaw(topic, messages);
    auto store = OpenStore("replica-" + topic);
    ASSERT_NE(store, nullptr);
    auto replica = StartReplica(*store, topic);
    ASSERT_NE(replica, nullptr);
    ASSERT_OK(replica->WaitApplied(writer().size(), kDeadline));
    ASSERT_TRUE(Eventually(
        [&] { return store->ledger->LatestCheckpoint() == writer().LatestCheckpoint(); }));
    ASSERT_TRUE(Eventually([&] { return replica->stats().duplicates == duplicates; }))
        << replica->stats().duplicates;
    EXPECT_FALSE(replica->stats().halted);
    replica.reset();
    ExpectReplicaEqualsWriter(*store);
  }

  // Runs a fresh replica on `messages` (in a new topic) until it halts; returns its alarm.
  Status RunReplicaOn(const std::vector<replication::Message>& messages, uint64_t& applied) {
    const std::string topic = "tampered." + std::to_string(++topics_);
    EXPECT_TRUE(kafka_->CreateTopic(topic).ok());
    ProduceRaw(topic, messages);
    store_ = OpenStore("replica-" + topic);
    if (store_ == nullptr) return Internal("no store");
    auto replica = StartReplica(*store_, topic);
    if (replica == nullptr) return Internal("no replica");
    Status halted = replica->WaitHalted(kDeadline);
    const ReplicaStats stats = replica->stats();
    EXPECT_TRUE(stats.halted);
    EXPECT_EQ(stats.alarm, halted.ToString());
    alarm_sequence_ = stats.alarm_sequence;
    replica.reset();
    applied = store_->ledger->size();
    return halted;
  }

  // The index in stream_ of entry `seq` / of the first checkpoint after entry `after`.
  size_t EntryIndex(uint64_t seq) const {
    for (size_t i = 0; i < stream_.size(); ++i) {
      if (stream_[i].kind == replication::MessageKind::kEntry && stream_[i].sequence == seq) {
        return i;
      }
    }
    ADD_FAILURE() << "no entry " << seq;
    return 0;
  }
  size_t CheckpointIndexAfter(uint64_t after) const {
    for (size_t i = 0; i < stream_.size(); ++i) {
      if (stream_[i].kind == replication::MessageKind::kCheckpoint && stream_[i].sequence > after) {
        return i;
      }
    }
    ADD_FAILURE() << "no checkpoint after " << after;
    return 0;
  }
  uint64_t Middle() const { return writer_->ledger().size() / 2; }

  std::vector<replication::Message> stream_;
  std::unique_ptr<ReplicaStore> store_;
  uint64_t alarm_sequence_ = 0;
  int topics_ = 0;
};

TEST_F(TamperedStreamTest, TheUntamperedStreamIsAppliedWhole) {
  // The control: the same stream as produced by the test, unchanged, is accepted to the end.
  ExpectReplicaCompletes("untampered", stream_);
}

TEST_F(TamperedStreamTest, AFlippedByteStopsTheReplicaAtThatEntry) {
  const uint64_t k = Middle();
  auto messages = stream_;
  // In transit: the leaf header no longer matches.
  messages[EntryIndex(k)].value[40] ^= 0x01;
  uint64_t applied = 0;
  Status alarm = RunReplicaOn(messages, applied);
  EXPECT_TRUE(IsError(alarm, StatusCode::kDataLoss,
                      "entry " + std::to_string(k) + ": its bytes do not match its leaf hash"));
  EXPECT_EQ(alarm_sequence_, k);
  EXPECT_EQ(applied, k - 1);

  // Altered at the source, with a leaf header to match: the signature gives it away.
  messages = stream_;
  auto& m = messages[EntryIndex(k)];
  m.value.back() ^= 0x01;  // the last bytes of an entry are its event's signature
  m.leaf_hex = merkle::ToHex(merkle::LeafHash(m.value));
  alarm = RunReplicaOn(messages, applied);
  EXPECT_TRUE(IsError(alarm, StatusCode::kUnauthenticated, "entry " + std::to_string(k) + ": "));
  EXPECT_EQ(alarm_sequence_, k);
  EXPECT_EQ(applied, k - 1);
}

TEST_F(TamperedStreamTest, ADroppedEntryStopsTheReplicaAtTheGap) {
  // An entry that the next entry follows directly (where a checkpoint of size k follows entry k,
  // the checkpoint is what arrives too early; that case is the forged-checkpoint test's).
  uint64_t k = Middle();
  while (EntryIndex(k) + 1 < stream_.size() &&
         stream_[EntryIndex(k) + 1].kind != replication::MessageKind::kEntry) {
    ++k;
  }
  auto messages = stream_;
  messages.erase(messages.begin() + static_cast<ptrdiff_t>(EntryIndex(k)));
  uint64_t applied = 0;
  Status alarm = RunReplicaOn(messages, applied);
  EXPECT_TRUE(IsError(alarm, StatusCode::kDataLoss,
                      "entry " + std::to_string(k + 1) + ": arrived where entry " +
                          std::to_string(k) + " was expected"));
  EXPECT_EQ(alarm_sequence_, k + 1);
  EXPECT_EQ(applied, k - 1);
}

TEST_F(TamperedStreamTest, ReorderedEntriesStopTheReplicaAtTheFirstOutOfPlace) {
  const uint64_t k = Middle();
  auto messages = stream_;
  std::swap(messages[EntryIndex(k)], messages[EntryIndex(k + 1)]);
  uint64_t applied = 0;
  Status alarm = RunReplicaOn(messages, applied);
  EXPECT_TRUE(IsError(alarm, StatusCode::kDataLoss,
                      "entry " + std::to_string(k + 1) + ": arrived where entry " +
                          std::to_string(k) + " was expected"));
  EXPECT_EQ(alarm_sequence_, k + 1);
  EXPECT_EQ(applied, k - 1);
}

TEST_F(TamperedStreamTest, AForgedCheckpointStopsTheReplicaAtThatCheckpoint) {
  const size_t at = CheckpointIndexAfter(Middle());
  const uint64_t size = stream_[at].sequence;
  auto root = writer().Root(size);
  ASSERT_TRUE(root.has_value());

  // Signed by another key under the writer's name.
  auto other_key = crypto::PrivateKey::Generate(crypto::KeyType::kEd25519);
  ASSERT_TRUE(other_key.has_value());
  auto impostor = note::NoteSigner::Create(SignedLedger::kOrigin, *other_key);
  ASSERT_TRUE(impostor.has_value());
  note::Checkpoint cp{SignedLedger::kOrigin, size, *root, {}};
  auto forged = impostor->Sign(cp.Marshal());
  ASSERT_TRUE(forged.has_value());
  auto messages = stream_;
  messages[at].value = *forged;
  uint64_t applied = 0;
  Status alarm = RunReplicaOn(messages, applied);
  EXPECT_TRUE(IsError(alarm, StatusCode::kUnauthenticated,
                      "checkpoint at size " + std::to_string(size) + ": "));
  EXPECT_EQ(alarm_sequence_, size);
  EXPECT_EQ(applied, size);  // the entries it covers were verified one by one and are kept
  auto latest = store_->ledger->LatestCheckpoint();
  EXPECT_TRUE(!latest.has_value() || *latest != *forged);

  // Signed by the writer's own key (stolen) over a root that is not the tree's.
  cp.root[0] ^= 0x01;
  forged = writer_->node().signer->Sign(cp.Marshal());
  ASSERT_TRUE(forged.has_value());
  messages = stream_;
  messages[at].value = *forged;
  alarm = RunReplicaOn(messages, applied);
  EXPECT_TRUE(IsError(alarm, StatusCode::kDataLoss,
                      "checkpoint at size " + std::to_string(size) +
                          ": its root differs from the root recomputed from the entries"));
  EXPECT_EQ(alarm_sequence_, size);
  EXPECT_EQ(applied, size);
}

void AppendVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

// Replaces entry `m`'s bytes and gives it the leaf header that matches them (as if altered at the
// source, so that only the replica's own checks can find it).
void SetEntryBytes(replication::Message& m, std::string bytes) {
  m.value = std::move(bytes);
  m.leaf_hex = merkle::ToHex(merkle::LeafHash(m.value));
}

TEST_F(TamperedStreamTest, ANonCanonicalEntryEncodingStopsTheReplicaAtThatEntry) {
  const uint64_t k = Middle();
  v1::LedgerEntry entry;
  ASSERT_TRUE(entry.ParseFromString(stream_[EntryIndex(k)].value));
  ASSERT_NE(entry.recorded_at_us(), 0);
  const std::string event = entry.event().SerializeAsString();
  auto field = [](int number, uint64_t v) {
    std::string out(1, static_cast<char>(number << 3));
    AppendVarint(out, v);
    return out;
  };
  std::string tail(1, '\x1a');
  AppendVarint(tail, event.size());
  tail += event;
  const std::string seq = field(1, k);
  const std::string at = field(2, static_cast<uint64_t>(entry.recorded_at_us()));
  std::string padded_seq = seq;  // the sequence's varint with a redundant zero byte
  padded_seq.back() = static_cast<char>(padded_seq.back() | 0x80);
  padded_seq.push_back('\0');
  // Each parses as the same LedgerEntry (protobuf accepts them), none is the stored encoding.
  const std::vector<std::pair<std::string, std::string>> variants = {
      {"fields out of order", at + seq + tail},
      {"a redundant varint byte", padded_seq + at + tail},
      {"a field repeated", seq + seq + at + tail},
      {"a zero recorded-at written out", seq + field(2, 0) + tail},
  };
  ASSERT_EQ(seq + at + tail, stream_[EntryIndex(k)].value);  // the canonical one, for reference
  for (const auto& [what, bytes] : variants) {
    SCOPED_TRACE(what);
    v1::LedgerEntry parsed;
    ASSERT_TRUE(parsed.ParseFromString(bytes));
    EXPECT_EQ(parsed.sequence(), k);
    auto messages = stream_;
    SetEntryBytes(messages[EntryIndex(k)], bytes);
    uint64_t applied = 0;
    Status alarm = RunReplicaOn(messages, applied);
    EXPECT_TRUE(
        IsError(alarm, StatusCode::kDataLoss,
                "entry " + std::to_string(k) + ": its bytes are not the canonical entry encoding"))
        << alarm.ToString();
    EXPECT_EQ(alarm_sequence_, k);
    EXPECT_EQ(applied, k - 1);
  }
}

TEST_F(TamperedStreamTest, ANonCanonicalEventInsideAnEntryStopsTheReplicaAtThatEntry) {
  // The entry's framing is canonical, the signed event inside is not (its signature field twice:
  // protobuf keeps the last, the same, so the event parses and its signature verifies).
  const uint64_t k = Middle();
  v1::LedgerEntry entry;
  ASSERT_TRUE(entry.ParseFromString(stream_[EntryIndex(k)].value));
  v1::SignedEvent signature_only;
  signature_only.set_signature(entry.event().signature());
  const std::string event = entry.event().SerializeAsString() + signature_only.SerializeAsString();
  auto messages = stream_;
  SetEntryBytes(messages[EntryIndex(k)],
                storage::EncodeLedgerEntry(k, entry.recorded_at_us(), event));
  uint64_t applied = 0;
  Status alarm = RunReplicaOn(messages, applied);
  EXPECT_TRUE(IsError(alarm, StatusCode::kDataLoss, "entry " + std::to_string(k) + ": "))
      << alarm.ToString();
  EXPECT_TRUE(IsError(alarm, StatusCode::kDataLoss, "not canonically encoded")) << alarm.ToString();
  EXPECT_EQ(alarm_sequence_, k);
  EXPECT_EQ(applied, k - 1);
}

TEST_F(TamperedStreamTest, RepeatedEntriesAreSkippedAndADifferentRepeatStopsTheReplica) {
  // Entries repeated after a writer restart: a run of them right after the originals (not yet in
  // the replica's ledger when they arrive, with small batches) and one much later (long applied).
  const uint64_t k = Middle();
  auto repeated = stream_;
  std::vector<replication::Message> again;
  for (uint64_t seq = k - 3; seq <= k; ++seq) again.push_back(stream_[EntryIndex(seq)]);
  repeated.insert(repeated.begin() + static_cast<ptrdiff_t>(EntryIndex(k)) + 1, again.begin(),
                  again.end());
  repeated.push_back(stream_[EntryIndex(2)]);
  tweak_replica_ = [](ReplicaOptions& o) { o.verify_batch = 3; };
  ExpectReplicaCompletes("repeated", repeated, again.size() + 1);
  if (HasFatalFailure()) return;
  // The same, but the repeat of entry k - 2 differs in one byte (its leaf header matching).
  auto messages = repeated;
  const size_t at = EntryIndex(k) + 2;  // the repeat of k - 2
  ASSERT_EQ(messages[at].sequence, k - 2);
  std::string bytes = messages[at].value;
  bytes[bytes.size() - 1] = static_cast<char>(bytes.back() ^ 0x01);
  SetEntryBytes(messages[at], bytes);
  uint64_t applied = 0;
  Status alarm = RunReplicaOn(messages, applied);
  EXPECT_TRUE(IsError(alarm, StatusCode::kDataLoss,
                      "entry " + std::to_string(k - 2) +
                          ": differs from the entry already verified at this sequence"))
      << alarm.ToString();
  EXPECT_EQ(alarm_sequence_, k - 2);
  EXPECT_EQ(applied, k);  // everything verified before the bad repeat is kept
}

TEST_F(TamperedStreamTest, ACheckpointArrivingLateIsCheckedAgainstTheReplicasRoot) {
  // A checkpoint of size S after later entries (allowed: ledger/replication_format.h): its root is
  // then not the root of everything verified; the replica's ledger computes its root at S.
  // One followed by three entries (so that it moves behind entries only, not another checkpoint).
  size_t at = CheckpointIndexAfter(Middle());
  auto is_entry = [&](size_t i) {
    return i < stream_.size() && stream_[i].kind == replication::MessageKind::kEntry;
  };
  while (at < stream_.size() && (stream_[at].kind != replication::MessageKind::kCheckpoint ||
                                 !is_entry(at + 1) || !is_entry(at + 2) || !is_entry(at + 3))) {
    ++at;
  }
  ASSERT_LT(at, stream_.size());
  const uint64_t size = stream_[at].sequence;
  auto late = stream_;
  const replication::Message checkpoint = late[at];
  late.erase(late.begin() + static_cast<ptrdiff_t>(at));
  late.insert(late.begin() + static_cast<ptrdiff_t>(at) + 3, checkpoint);
  ASSERT_GT(late[at + 2].sequence, size);  // entries after S come first now
  for (size_t batch : {size_t{1}, size_t{1024}}) {
    SCOPED_TRACE("verify_batch " + std::to_string(batch));
    tweak_replica_ = [batch](ReplicaOptions& o) { o.verify_batch = batch; };
    ExpectReplicaCompletes("late." + std::to_string(batch), late);  // the late checkpoint too
    if (HasFatalFailure()) return;
  }
  // Late and over another root, signed by the writer's own key: refused.
  auto root = writer().Root(size);
  ASSERT_TRUE(root.has_value());
  note::Checkpoint cp{SignedLedger::kOrigin, size, *root, {}};
  cp.root[5] ^= 0x01;
  auto forged = writer_->node().signer->Sign(cp.Marshal());
  ASSERT_TRUE(forged.has_value());
  auto messages = late;
  messages[at + 3].value = *forged;
  tweak_replica_ = {};
  uint64_t applied = 0;
  Status alarm = RunReplicaOn(messages, applied);
  EXPECT_TRUE(IsError(alarm, StatusCode::kDataLoss,
                      "checkpoint at size " + std::to_string(size) +
                          ": its root differs from the root recomputed from the entries"))
      << alarm.ToString();
  EXPECT_EQ(alarm_sequence_, size);
}

// The replica verifies entries on several threads at once and then checks them in order
// (ledger/replica.h): a refusal still names exactly the first bad entry, whatever the threads and
// batches, and nothing after it is applied, even entries that were verified already.
TEST_F(TamperedStreamTest, ParallelVerificationRefusesAForgedSignatureAtExactlyThatEntry) {
  const uint64_t k = Middle();
  auto messages = stream_;
  // Two entries altered at the source with matching leaf headers: k, and a later one in the same
  // verification batch (batches of 64 below) that a verifying thread may reach first.
  for (uint64_t seq : {k, k + 5}) {
    auto& m = messages[EntryIndex(seq)];
    m.value.back() ^= 0x01;  // the last bytes of an entry are its event's signature
    m.leaf_hex = merkle::ToHex(merkle::LeafHash(m.value));
  }
  for (size_t threads : {size_t{1}, size_t{2}, size_t{4}}) {
    SCOPED_TRACE("verify_threads " + std::to_string(threads));
    tweak_replica_ = [threads](ReplicaOptions& o) {
      o.verify_threads = threads;
      o.verify_batch = 64;
    };
    uint64_t applied = 0;
    Status alarm = RunReplicaOn(messages, applied);
    EXPECT_TRUE(IsError(alarm, StatusCode::kUnauthenticated, "entry " + std::to_string(k) + ": "))
        << alarm.ToString();
    ExpectStoppedAt(k, applied);
  }
}

TEST_F(TamperedStreamTest, EveryThreadAndBatchSizeAppliesTheWholeStream) {
  // Credentials issued and first used within one verification batch: the verifying threads see
  // the credential unknown, the in-order check applies what came before and checks again.
  for (auto [threads, batch] : {std::pair<size_t, size_t>{1, 1}, {3, 7}, {2, 100000}}) {
    SCOPED_TRACE("verify_threads " + std::to_string(threads) + ", verify_batch " +
                 std::to_string(batch));
    tweak_replica_ = [threads, batch](ReplicaOptions& o) {
      o.verify_threads = threads;
      o.verify_batch = batch;
    };
    ExpectReplicaCompletes("whole." + std::to_string(threads) + "." + std::to_string(batch),
                           stream_);
    if (HasFatalFailure()) return;
  }
}

// The pipeline (ledger/replica.h) verifies batches ahead of the in-order check and hands groups to
// the replica ledger's writer ahead of their commit. Deep and fine-grained (many small batches
// and groups in flight at once), it still refuses at exactly the first bad entry, whether the
// verification finds it or only the replica's ledger does, and applies nothing after it.
TEST_F(TamperedStreamTest, ADeepPipelineStopsAtExactlyTheBadEntryAndAppliesNothingAfterIt) {
  const uint64_t k = Middle();
  tweak_replica_ = [](ReplicaOptions& o) {
    o.verify_threads = 3;
    o.verify_batch = 4;
    o.verify_ahead = 64;
    o.max_batch = 8;
    o.apply_ahead = 4096;
  };
  // Found by the verification: a signature (leaf header matching).
  auto messages = stream_;
  auto& forged = messages[EntryIndex(k)];
  forged.value.back() ^= 0x01;
  forged.leaf_hex = merkle::ToHex(merkle::LeafHash(forged.value));
  uint64_t applied = 0;
  Status alarm = RunReplicaOn(messages, applied);
  EXPECT_TRUE(IsError(alarm, StatusCode::kUnauthenticated, "entry " + std::to_string(k) + ": "))
      << alarm.ToString();
  ExpectStoppedAt(k, applied);

  // Found only by the replica's ledger: entry k carries, canonically framed and with a matching
  // leaf header, the (validly signed) event of an earlier entry. Every check before the ledger
  // passes, so the groups after it are already queued at the ledger's writer when it refuses.
  v1::LedgerEntry at_k, earlier;
  ASSERT_TRUE(at_k.ParseFromString(stream_[EntryIndex(k)].value));
  ASSERT_TRUE(earlier.ParseFromString(stream_[EntryIndex(k - 10)].value));
  messages = stream_;
  SetEntryBytes(
      messages[EntryIndex(k)],
      storage::EncodeLedgerEntry(k, at_k.recorded_at_us(), earlier.event().SerializeAsString()));
  alarm = RunReplicaOn(messages, applied);
  EXPECT_TRUE(IsError(alarm, StatusCode::kDataLoss,
                      "entry " + std::to_string(k) +
                          ": the replica's ledger already holds its event at entry " +
                          std::to_string(k - 10)))
      << alarm.ToString();
  ExpectStoppedAt(k, applied);
  EXPECT_FALSE(store_->ledger->Entry(k + 1).has_value());
}

TEST_F(TamperedStreamTest, AReplicaStoppedMidwayWithAFullPipelineResumesWhereItStopped) {
  // Stopped while batches are verifying and groups are queued at its ledger's writer: what was
  // verified is applied, its offset stored; restarted, it reads on from there and completes.
  tweak_replica_ = [](ReplicaOptions& o) {
    o.verify_batch = 8;
    o.verify_ahead = 32;
    o.max_batch = 16;
    o.apply_ahead = 256;
  };
  ASSERT_OK(kafka_->CreateTopic("midway"));
  ProduceRaw("midway", stream_);
  auto store = OpenStore("replica-midway");
  ASSERT_NE(store, nullptr);
  auto replica = StartReplica(*store, "midway");
  ASSERT_NE(replica, nullptr);
  ASSERT_OK(replica->WaitApplied(Middle(), kDeadline));
  replica.reset();
  const uint64_t stopped_at = store->ledger->size();
  ASSERT_GE(stopped_at, Middle());
  // Its position covers exactly what it applied: nothing read again, nothing skipped.
  replica = StartReplica(*store, "midway");
  ASSERT_NE(replica, nullptr);
  ASSERT_OK(replica->WaitApplied(writer().size(), kDeadline));
  ASSERT_TRUE(
      Eventually([&] { return store->ledger->LatestCheckpoint() == writer().LatestCheckpoint(); }));
  EXPECT_EQ(replica->stats().duplicates, 0u);
  EXPECT_FALSE(replica->stats().halted);
  replica.reset();
  ExpectReplicaEqualsWriter(*store);
}

// R-ACC-6: an entry of school 1 signed with a credential school 2 issued (which the writer refuses
// today, and a ledger written before the rule was enforced may hold) stops the replica at exactly
// that entry, with the rule, and nothing of it is applied.
TEST_F(ReplicationTest, AnEntrySignedWithAnotherSchoolsCredentialStopsTheReplicaAtIt) {
  synth::Options year = SmallYear();
  year.schools = 2;
  year.weeks = 1;
  auto generator = NodeGenerator(*writer_, year);
  DriveYear(*generator);
  auto other = writer_->IssueCredential("t-001", crypto::KeyType::kEd25519, 0, "school-2");
  ASSERT_TRUE(other.has_value()) << other.error().ToString();
  const v1::EventBody body = writer_->UserRegisteredBody(*other, "s-forged");
  ASSERT_EQ(body.school_id(), "school-1");
  auto bytes = writer_->Sign(body, *other);
  ASSERT_TRUE(bytes.has_value());
  EXPECT_EQ(writer_->Submit(*bytes).error().rule(), "R-ACC-6");
  auto forged = writer_->AppendUnadmitted(*bytes);
  ASSERT_TRUE(forged.has_value()) << forged.error().ToString();
  ASSERT_TRUE(writer().Checkpoint().has_value());

  ASSERT_OK(kafka_->CreateTopic("cross-school"));
  ProduceRaw("cross-school", WriterStream());
  auto store = OpenStore("replica");
  ASSERT_NE(store, nullptr);
  auto replica = StartReplica(*store, "cross-school");
  ASSERT_NE(replica, nullptr);
  const Status halted = replica->WaitHalted(kDeadline);
  EXPECT_EQ(halted.rule(), "R-ACC-6") << halted.ToString();
  EXPECT_TRUE(halted.message().starts_with("entry " + std::to_string(forged->sequence) + ": "))
      << halted.ToString();
  EXPECT_EQ(replica->stats().alarm_sequence, forged->sequence);
  replica.reset();
  EXPECT_EQ(store->ledger->size(), forged->sequence - 1);
}

TEST_F(ReplicationTest, ReplicaOptionsAreChecked) {
  auto store = OpenStore("replica");
  ASSERT_NE(store, nullptr);
  ReplicaOptions o = ReplicaOptionsFor();
  o.verify_batch = 0;
  auto replica = Replica::Start(store->ledger.get(), store->admission.get(), o);
  ASSERT_FALSE(replica.has_value());
  EXPECT_EQ(replica.error().code(), StatusCode::kInvalidArgument);
  for (auto zero :
       {&ReplicaOptions::verify_ahead, &ReplicaOptions::apply_ahead, &ReplicaOptions::max_batch}) {
    o = ReplicaOptionsFor();
    o.*zero = 0;
    auto refused = Replica::Start(store->ledger.get(), store->admission.get(), o);
    ASSERT_FALSE(refused.has_value());
    EXPECT_TRUE(IsError(refused, StatusCode::kInvalidArgument, "must be > 0"));
  }
}

}  // namespace
}  // namespace ejournal::testing
