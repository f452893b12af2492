#include "tests/replication/replication_fixture.h"

#include <charconv>

#include "ledger/kafka_client.h"
#include "ledger/merkle.h"
#include "projections/views.h"
#include "tests/support/generated_school.h"
#include "tests/support/subprocess.h"

namespace ejournal::testing {

void ReplicationTest::SetUp() {
  auto kafka = EmbeddedKafka::Create();
  ASSERT_TRUE(kafka.has_value()) << kafka.error().ToString();
  kafka_ = std::move(*kafka);
  ASSERT_OK(kafka_->CreateTopic(kTopic));
  auto opened = OpenSchoolLedger(dir_.Sub("writer"), &clock_);
  ASSERT_TRUE(opened.has_value()) << opened.error().ToString();
  writer_ = std::move(*opened);
}

void ReplicationTest::TearDown() {
  writer_.reset();
  kafka_.reset();
}

synth::Options ReplicationTest::SmallYear() {
  return {.seed = 5, .classes = 3, .students = 30, .teachers = 10, .weeks = 3};
}

std::unique_ptr<synth::SchoolGenerator> ReplicationTest::NewGenerator() {
  return NodeGenerator(*writer_, SmallYear());
}

void ReplicationTest::DriveYear(synth::SchoolGenerator& generator,
                                const std::function<void(const synth::DriveResult&)>& after_group) {
  auto driven =
      synth::Drive(generator, writer_->admission(), writer_->ledger(), clock_, after_group);
  ASSERT_TRUE(driven.has_value()) << driven.error().ToString();
  ASSERT_EQ(writer().size(), generator.stats().events);
}

ReplicatorOptions ReplicationTest::RelayOptions(const std::string& topic) const {
  ReplicatorOptions o;
  o.topic = topic;
  o.kafka = {{"bootstrap.servers", kafka_->bootstrap_servers()}};
  return o;
}

ReplicaOptions ReplicationTest::ReplicaOptionsFor(const std::string& topic) const {
  ReplicaOptions o;
  o.topic = topic;
  o.kafka = {{"bootstrap.servers", kafka_->bootstrap_servers()}};
  o.source_verifier_key = writer_->node().VerifierKey();
  o.max_batch = 512;  // several group commits even for a small year
  if (tweak_replica_) tweak_replica_(o);
  return o;
}

std::unique_ptr<Replicator> ReplicationTest::StartRelay(const std::string& topic) {
  auto relay = Replicator::Start(&writer(), RelayOptions(topic));
  EXPECT_TRUE(relay.has_value()) << relay.error().ToString();
  return relay ? std::move(*relay) : nullptr;
}

std::unique_ptr<ReplicaStore> ReplicationTest::OpenStore(const std::string& name) {
  auto store =
      OpenReplicaStore(dir_.Sub(name), SignedLedger::kOrigin, writer_->node().VerifierKey());
  EXPECT_TRUE(store.has_value()) << store.error().ToString();
  return store ? std::make_unique<ReplicaStore>(std::move(*store)) : nullptr;
}

std::unique_ptr<Replica> ReplicationTest::StartReplica(ReplicaStore& store,
                                                       const std::string& topic) {
  auto replica =
      Replica::Start(store.ledger.get(), store.admission.get(), ReplicaOptionsFor(topic));
  EXPECT_TRUE(replica.has_value()) << replica.error().ToString();
  return replica ? std::move(*replica) : nullptr;
}

std::vector<ReadMessage> ReplicationTest::ReadTopicWithKcat(const std::string& topic) {
  // Per message: "<key>\t<payload length>\t<headers>\n<payload>\n" (headers as name=value,...).
  ProcessResult r =
      RunProcess({EJOURNAL_KCAT, "-C", "-b", kafka_->bootstrap_servers(), "-t", topic, "-p", "0",
                  "-o", "beginning", "-e", "-q", "-f", "%k\\t%S\\t%h\\n%s\\n"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<ReadMessage> out;
  size_t pos = 0;
  const std::string& s = r.out;
  while (pos < s.size()) {
    const size_t line_end = s.find('\n', pos);
    if (line_end == std::string::npos) {
      ADD_FAILURE() << "kcat output ends inside a message line";
      break;
    }
    const std::string line = s.substr(pos, line_end - pos);
    const size_t t1 = line.find('\t');
    const size_t t2 = line.find('\t', t1 + 1);
    if (t1 == std::string::npos || t2 == std::string::npos) {
      ADD_FAILURE() << "kcat line not understood: " << line;
      break;
    }
    ReadMessage m;
    m.key = line.substr(0, t1);
    size_t length = 0;
    std::from_chars(line.data() + t1 + 1, line.data() + t2, length);
    std::string headers = line.substr(t2 + 1);
    for (size_t h = 0; h < headers.size();) {
      size_t comma = headers.find(',', h);
      if (comma == std::string::npos) comma = headers.size();
      const std::string kv = headers.substr(h, comma - h);
      const size_t eq = kv.find('=');
      if (eq != std::string::npos) m.headers[kv.substr(0, eq)] = kv.substr(eq + 1);
      h = comma + 1;
    }
    pos = line_end + 1;
    if (pos + length + 1 > s.size() || s[pos + length] != '\n') {
      ADD_FAILURE() << "kcat output: payload of message " << m.key << " is cut";
      break;
    }
    m.value = s.substr(pos, length);
    pos += length + 1;
    out.push_back(std::move(m));
  }
  return out;
}

std::vector<replication::Message> ReplicationTest::WriterStream() {
  std::map<uint64_t, std::string> checkpoints;
  EXPECT_TRUE(writer()
                  .ForEachCheckpoint([&](uint64_t size, std::string_view note) {
                    checkpoints.emplace(size, std::string(note));
                    return true;
                  })
                  .ok());
  std::vector<replication::Message> out;
  EXPECT_TRUE(writer()
                  .ForEachEntry(1,
                                [&](uint64_t seq, std::string_view bytes) {
                                  out.push_back(replication::EntryMessage(seq, bytes));
                                  if (auto it = checkpoints.find(seq); it != checkpoints.end()) {
                                    out.push_back(replication::CheckpointMessage(seq, it->second));
                                  }
                                  return true;
                                })
                  .ok());
  return out;
}

void ReplicationTest::ProduceRaw(const std::string& topic,
                                 const std::vector<replication::Message>& messages) {
  auto conf = kafka::MakeConf({{"bootstrap.servers", kafka_->bootstrap_servers()},
                               {"enable.idempotence", "true"},
                               {"linger.ms", "5"}},
                              {});
  ASSERT_TRUE(conf.has_value()) << conf.error().ToString();
  auto producer = kafka::NewHandle(RD_KAFKA_PRODUCER, std::move(*conf));
  ASSERT_TRUE(producer.has_value()) << producer.error().ToString();
  for (const auto& m : messages) {
    rd_kafka_resp_err_t err;
    while ((err = kafka::Produce(producer->get(), topic, 0, m, nullptr)) ==
           RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      rd_kafka_poll(producer->get(), 10);
    }
    ASSERT_EQ(err, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(err);
  }
  ASSERT_EQ(rd_kafka_flush(producer->get(), 30'000), RD_KAFKA_RESP_ERR_NO_ERROR);
}

void ReplicationTest::ExpectReplicaEqualsWriter(ReplicaStore& store) {
  Ledger& replica = *store.ledger;
  ASSERT_EQ(replica.size(), writer().size());
  ASSERT_EQ(replica.origin(), writer().origin());
  // Entries: the same bytes at the same sequence numbers, hence the same tree.
  uint64_t compared = 0;
  ASSERT_OK(writer().ForEachEntry(1, [&](uint64_t seq, std::string_view bytes) {
    auto copy = replica.Entry(seq);
    EXPECT_TRUE(copy.has_value() && *copy == bytes) << "entry " << seq;
    ++compared;
    return copy.has_value() && *copy == bytes;
  }));
  EXPECT_EQ(compared, writer().size());
  auto root = replica.Root(replica.size());
  auto writer_root = writer().Root(writer().size());
  ASSERT_TRUE(root.has_value() && writer_root.has_value());
  EXPECT_EQ(*root, *writer_root);
  // Checkpoints: the writer's notes, stored as they were signed.
  std::vector<std::pair<uint64_t, std::string>> ours, theirs;
  ASSERT_OK(writer().ForEachCheckpoint([&](uint64_t size, std::string_view note) {
    ours.emplace_back(size, std::string(note));
    return true;
  }));
  ASSERT_OK(replica.ForEachCheckpoint([&](uint64_t size, std::string_view note) {
    theirs.emplace_back(size, std::string(note));
    return true;
  }));
  EXPECT_FALSE(ours.empty());
  EXPECT_EQ(theirs, ours);
  // Views: every key and value.
  auto views = school::DumpViews(writer().db(), writer().column_families().views);
  auto replica_views = school::DumpViews(replica.db(), replica.column_families().views);
  ASSERT_TRUE(views.has_value() && replica_views.has_value());
  EXPECT_GT(views->size(), 1000u);
  EXPECT_TRUE(*views == *replica_views) << views->size() << " vs " << replica_views->size();
}

}  // namespace ejournal::testing
