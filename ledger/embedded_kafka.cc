#include "ledger/embedded_kafka.h"

#include <librdkafka/rdkafka_mock.h>
#include <spdlog/spdlog.h>

namespace ejournal {

Result<std::unique_ptr<EmbeddedKafka>> EmbeddedKafka::Create(int brokers) {
  if (brokers < 1) return Err(InvalidArgument("an embedded cluster needs at least one broker"));
  std::unique_ptr<EmbeddedKafka> k(new EmbeddedKafka());
  // The bookkeeping client never connects anywhere (no bootstrap servers).
  EJ_ASSIGN_OR_RETURN(kafka::Conf conf, kafka::MakeConf({{"log_level", "3"}}, {}));
  EJ_ASSIGN_OR_RETURN(k->handle_, kafka::NewHandle(RD_KAFKA_PRODUCER, std::move(conf)));
  k->cluster_ = rd_kafka_mock_cluster_new(k->handle_.get(), brokers);
  if (k->cluster_ == nullptr) return Err(Internal("librdkafka could not start a mock cluster"));
  k->bootstrap_ = rd_kafka_mock_cluster_bootstraps(k->cluster_);
  spdlog::info("embedded kafka: {} broker(s) at {}", brokers, k->bootstrap_);
  return k;
}

EmbeddedKafka::~EmbeddedKafka() {
  if (cluster_ != nullptr) rd_kafka_mock_cluster_destroy(cluster_);
  handle_.reset();
}

Status EmbeddedKafka::CreateTopic(const std::string& topic, int partitions,
                                  int replication_factor) {
  return kafka::FromKafka(
      rd_kafka_mock_topic_create(cluster_, topic.c_str(), partitions, replication_factor),
      "creating topic " + topic);
}

Status EmbeddedKafka::SetDown(int32_t broker_id) {
  return kafka::FromKafka(rd_kafka_mock_broker_set_down(cluster_, broker_id),
                          "setting broker " + std::to_string(broker_id) + " down");
}

Status EmbeddedKafka::SetUp(int32_t broker_id) {
  return kafka::FromKafka(rd_kafka_mock_broker_set_up(cluster_, broker_id),
                          "setting broker " + std::to_string(broker_id) + " up");
}

}  // namespace ejournal
