// EmbeddedKafka: librdkafka's mock cluster (rdkafka_mock.h) in this process: real Kafka-protocol
// brokers listening on 127.0.0.1, so that the relay, the replica and any other Kafka client
// (`kcat`) can use it as `bootstrap.servers`. For tests, demos and a single-node setup without a
// cluster; its data lives in memory and dies with it. librdkafka calls the mock API experimental;
// it is used here as 2.0.2 (Debian 12) ships it.
//
// Limit: a mock partition keeps only its last 5 MiB (and 100000 message sets); older messages are
// dropped as by retention. A replica started from nothing on a longer stream finds its first
// entries missing and halts with an alarm (it never skips them): embedded mode suits tests, demos
// and small ledgers, not a long-lived node (docs/SCALING.md).
//
// Threads: the brokers run on librdkafka's own threads. The methods are safe from any thread.
// Errors: Create fails with kInternal when librdkafka cannot start the cluster.
#ifndef EJOURNAL_LEDGER_EMBEDDED_KAFKA_H_
#define EJOURNAL_LEDGER_EMBEDDED_KAFKA_H_

#include <cstdint>
#include <memory>
#include <string>

#include "ledger/kafka_client.h"
#include "schemas/status.h"

typedef struct rd_kafka_mock_cluster_s rd_kafka_mock_cluster_t;

namespace ejournal {

class EmbeddedKafka {
 public:
  // Starts `brokers` brokers (ids 1..brokers) on loopback ports chosen by the system.
  [[nodiscard]] static Result<std::unique_ptr<EmbeddedKafka>> Create(int brokers = 1);
  ~EmbeddedKafka();  // stops the brokers; clients still connected see them go away
  EmbeddedKafka(const EmbeddedKafka&) = delete;
  EmbeddedKafka& operator=(const EmbeddedKafka&) = delete;

  // "127.0.0.1:<port>,..." for `bootstrap.servers`.
  const std::string& bootstrap_servers() const { return bootstrap_; }

  // Creates `topic` with `partitions` partitions and `replication_factor` replicas.
  [[nodiscard]] Status CreateTopic(const std::string& topic, int partitions = 1,
                                   int replication_factor = 1);
  // Disconnects broker `broker_id` (-1: all) and refuses new connections; SetUp lets them in
  // again. Leadership does not move. For fault tests.
  [[nodiscard]] Status SetDown(int32_t broker_id = -1);
  [[nodiscard]] Status SetUp(int32_t broker_id = -1);

 private:
  EmbeddedKafka() = default;

  kafka::Handle handle_;  // the client the mock cluster needs for its bookkeeping
  rd_kafka_mock_cluster_t* cluster_ = nullptr;
  std::string bootstrap_;
};

}  // namespace ejournal

#endif  // EJOURNAL_LEDGER_EMBEDDED_KAFKA_H_
