// Replication in the service (docs/SCALING.md): the writer's relay to Kafka
// (ledger/replicator.h), the embedded mock cluster (`--kafka embedded`), the read replica
// (`--replica`, ledger/replica.h), and what /metrics and /readyz say about them.
//
// Writer: the relay tails the ledger on its own thread; appends never wait for it. Kafka down only
// grows the lag (ledger size - confirmed sequence), shown in /metrics with the age of the oldest
// unconfirmed entry; /readyz stays 200 with the lag in its body unless --ready-max-lag is set and
// exceeded (then 503: a load balancer may prefer another writer of the same shard).
//
// Replica: its ledger trusts only the writer's node key (--source-pub, the writer's node.pub) and
// the credentials the writer's ledger issues; it holds no secrets and signs nothing. The replica
// consumer verifies every entry and checkpoint before it applies it; on a mismatch it halts with
// an alarm, keeps what it verified, and /readyz answers 503 with the alarm. Writes answer 421
// naming the writer (--writer-url).
#include <httplib.h>
#include <spdlog/fmt/fmt.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "api/http_errors.h"
#include "api/server.h"
#include "ejournal/v1/ledger.pb.h"
#include "ledger/embedded_kafka.h"
#include "ledger/replica.h"
#include "ledger/replicator.h"
#include "ledger/verifier.h"

namespace ejournal::api {
namespace {

// The recorded-at time of entry `seq` of `ledger` (nullopt if it cannot be read).
std::optional<int64_t> RecordedAt(const Ledger& ledger, uint64_t seq) {
  if (seq == 0 || seq > ledger.size()) return std::nullopt;
  auto bytes = ledger.Entry(seq);
  if (!bytes) return std::nullopt;
  v1::LedgerEntry entry;
  if (!entry.ParseFromString(*bytes)) return std::nullopt;
  return entry.recorded_at_us();
}

}  // namespace

Status ApiServer::InitReplicaStore() {
  const std::string& dir = options_.data_dir;
  if (options_.kafka.empty() || options_.kafka == "embedded") {
    return InvalidArgument(
        "a replica consumes the writer's cluster: --kafka <bootstrap.servers> (the address the "
        "writer prints)");
  }
  if (options_.source_pub_file.empty()) {
    return InvalidArgument("a replica needs --source-pub FILE: the writer's node.pub");
  }
  std::ifstream in(options_.source_pub_file);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) return InvalidArgument("cannot read --source-pub " + options_.source_pub_file);
  std::string vkey = text.str();
  while (!vkey.empty() && std::isspace(static_cast<unsigned char>(vkey.back()))) vkey.pop_back();
  auto node = ParseNodeVerifierKey(vkey);
  if (!node) return node.error().WithContext("--source-pub " + options_.source_pub_file);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return IoError("cannot create " + dir + ": " + ec.message());
  ::chmod(dir.c_str(), 0700);
  source_verifier_key_ = vkey;

  registry_ = std::make_unique<CredentialRegistry>();
  registry_->AddNode(NodeCredentialId(node->key_id), node->key);
  state_ = std::make_unique<school::SchoolState>();
  admission_ = std::make_unique<Admission>(registry_.get(), options_.decode, state_.get());
  LedgerOptions lo;  // no checkpoint signer: a replica signs nothing
  lo.path = dir + "/ledger";
  lo.origin = node->name;  // the writer's checkpoint origin is its key's name
  return OpenLedger(std::move(lo));
}

Status ApiServer::StartReplication() {
  if (options_.kafka.empty()) return Status::Ok();
  if (options_.kafka_topic.empty()) return InvalidArgument("--kafka-topic is empty");
  if (options_.kafka == "embedded") {
    EJ_ASSIGN_OR_RETURN(embedded_kafka_, EmbeddedKafka::Create(1));
    EJ_RETURN_IF_ERROR(embedded_kafka_->CreateTopic(options_.kafka_topic));
    kafka_bootstrap_ = embedded_kafka_->bootstrap_servers();
  } else {
    kafka_bootstrap_ = options_.kafka;
  }
  kafka::Properties properties(options_.kafka_options.begin(), options_.kafka_options.end());
  properties["bootstrap.servers"] = kafka_bootstrap_;
  if (options_.replica) {
    ReplicaOptions ro;
    ro.topic = options_.kafka_topic;
    ro.kafka = std::move(properties);
    ro.source_verifier_key = source_verifier_key_;
    EJ_ASSIGN_OR_RETURN(replica_, Replica::Start(ledger_.get(), admission_.get(), std::move(ro)));
  } else {
    ReplicatorOptions ro;
    ro.topic = options_.kafka_topic;
    ro.kafka = std::move(properties);
    EJ_ASSIGN_OR_RETURN(relay_, Replicator::Start(ledger_.get(), std::move(ro)));
  }
  // The address only (TLS/SASL settings are not logged: they may name secrets).
  spdlog::info("event=replication role={} topic={} bootstrap={}",
               options_.replica ? "replica" : "relay", options_.kafka_topic, kafka_bootstrap_);
  return Status::Ok();
}

void ApiServer::StopReplication() {
  replica_.reset();  // applies what it verified, then stops
  if (relay_ && ledger_) {
    // A clean stop confirms what the ledger holds if Kafka answers soon; otherwise the stored
    // position stays behind and the next start produces the rest again (consumers dedupe).
    Status st = relay_->WaitConfirmed(ledger_->size(), std::chrono::milliseconds(2000));
    if (!st.ok()) spdlog::warn("event=relay_stop_unconfirmed lag={}", relay_->stats().lag);
  }
  relay_.reset();
  embedded_kafka_.reset();
}

std::string ApiServer::ReplicationMetrics() const {
  std::string out;
  const int64_t now = options_.clock->NowMicros();
  if (relay_) {
    const ReplicatorStats s = relay_->stats();
    WriteMetric(out, "ejournal_replication_confirmed_sequence",
                "Highest sequence such that entries 1..S are confirmed by Kafka.", "gauge",
                double(s.confirmed));
    WriteMetric(out, "ejournal_replication_lag_entries",
                "Ledger entries not yet confirmed by Kafka.", "gauge", double(s.lag));
    double age = 0;
    if (s.lag > 0) {
      if (auto at = RecordedAt(*ledger_, s.confirmed + 1)) age = double(now - *at) / 1e6;
    }
    WriteMetric(out, "ejournal_replication_oldest_unconfirmed_age_seconds",
                "Age of the oldest entry Kafka has not confirmed (0: none).", "gauge", age);
    WriteMetric(out, "ejournal_replication_produced_sequence",
                "Highest sequence handed to the producer.", "gauge", double(s.produced));
    WriteMetric(out, "ejournal_replication_in_flight", "Messages produced and not yet reported.",
                "gauge", double(s.in_flight));
    WriteMetric(out, "ejournal_replication_checkpoints_total", "Checkpoints confirmed since start.",
                "counter", double(s.checkpoints));
    WriteMetric(out, "ejournal_replication_failures_total",
                "Failed deliveries and produce calls since start.", "counter", double(s.failures));
    WriteMetric(out, "ejournal_replication_rewinds_total",
                "Times the relay went back to confirmed + 1.", "counter", double(s.rewinds));
  }
  if (replica_) {
    const ReplicaStats s = replica_->stats();
    WriteMetric(out, "ejournal_replica_applied_sequence",
                "Entries in the replica's verified ledger.", "gauge", double(s.applied));
    WriteMetric(out, "ejournal_replica_verified_sequence",
                "Entries verified (applied or about to be).", "gauge", double(s.verified));
    WriteMetric(out, "ejournal_replica_next_offset", "The Kafka offset the replica reads next.",
                "gauge", double(s.next_offset));
    WriteMetric(out, "ejournal_replica_high_watermark",
                "The partition's high watermark as last seen (-1: unknown).", "gauge",
                double(s.high_watermark));
    WriteMetric(out, "ejournal_replica_lag_messages",
                "Messages in the partition the replica has not applied yet (-1: unknown).", "gauge",
                s.high_watermark < 0
                    ? -1.0
                    : double(std::max<int64_t>(0, s.high_watermark - s.next_offset)));
    double age = 0;
    if (auto at = RecordedAt(*ledger_, s.applied)) age = double(now - *at) / 1e6;
    WriteMetric(out, "ejournal_replica_last_applied_age_seconds",
                "Time since the recorded-at time of the last applied entry.", "gauge", age);
    WriteMetric(out, "ejournal_replica_checkpoints_total",
                "Checkpoints verified and stored since start.", "counter", double(s.checkpoints));
    WriteMetric(out, "ejournal_replica_messages_total", "Messages consumed since start.", "counter",
                double(s.messages));
    WriteMetric(out, "ejournal_replica_duplicates_total", "Repeated entries skipped since start.",
                "counter", double(s.duplicates));
    WriteMetric(out, "ejournal_replica_halted",
                "1 when a verification mismatch stopped the replica (see /readyz and the log).",
                "gauge", s.halted ? 1 : 0);
    WriteMetric(out, "ejournal_replica_alarm_sequence",
                "The sequence where the replica halted (0: none).", "gauge",
                double(s.alarm_sequence));
  }
  return out;
}

Status ApiServer::ReplicationReadiness(std::string* lines) const {
  if (relay_) {
    const ReplicatorStats s = relay_->stats();
    *lines += fmt::format("replication_confirmed {}\nreplication_lag {}\n", s.confirmed, s.lag);
    if (options_.ready_max_lag > 0 && s.lag > options_.ready_max_lag) {
      return Unavailable(fmt::format(
          "replication lag {} entries exceeds --ready-max-lag {} (last Kafka error: {})", s.lag,
          options_.ready_max_lag, s.last_error.empty() ? "none" : s.last_error));
    }
  }
  if (replica_) {
    const ReplicaStats s = replica_->stats();
    if (s.halted) {
      return Unavailable("replica halted at entry " + std::to_string(s.alarm_sequence) +
                         ", it serves only what it verified before: " + s.alarm);
    }
    const int64_t lag =
        s.high_watermark < 0 ? -1 : std::max<int64_t>(0, s.high_watermark - s.next_offset);
    *lines += fmt::format("replica_applied {}\nreplica_lag_messages {}\n", s.applied, lag);
    if (options_.ready_max_lag > 0 && lag > int64_t(options_.ready_max_lag)) {
      return Unavailable(fmt::format("replica lag {} messages exceeds --ready-max-lag {}", lag,
                                     options_.ready_max_lag));
    }
  }
  return Status::Ok();
}

void ApiServer::RefuseWrite(const httplib::Request& req, httplib::Response& res) {
  std::string message =
      "Это узел только для чтения (реплика): записи и сообщения принимает и показывает основной "
      "узел";
  if (!options_.writer_url.empty()) message += ", " + options_.writer_url;
  SetError(res, FailedPrecondition(message));
  // 421 Misdirected Request: the request was sent to a server that cannot answer it.
  res.status = 421;
  if (!options_.writer_url.empty()) res.set_header("Location", options_.writer_url + req.path);
}

}  // namespace ejournal::api
