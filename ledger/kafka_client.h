// librdkafka where it enters our code (private to the replication files): configuration from a
// map of string properties, owning handles, and librdkafka errors converted to Status.
//
// Threads: the helpers are stateless; a handle is used as librdkafka documents (rd_kafka_t is
// thread-safe; a conf object belongs to one thread until rd_kafka_new takes it).
#ifndef EJOURNAL_LEDGER_KAFKA_CLIENT_H_
#define EJOURNAL_LEDGER_KAFKA_CLIENT_H_

#include <librdkafka/rdkafka.h>

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "ledger/replication_format.h"
#include "schemas/status.h"

namespace ejournal::kafka {

// librdkafka properties ("bootstrap.servers", "security.protocol", "ssl.ca.location",
// "sasl.mechanism", ...), passed through as they are.
using Properties = std::map<std::string, std::string>;

struct ConfDeleter {
  void operator()(rd_kafka_conf_t* c) const { rd_kafka_conf_destroy(c); }
};
struct HandleDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
struct TopicPartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const {
    rd_kafka_topic_partition_list_destroy(l);
  }
};
using Conf = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;
using Handle = std::unique_ptr<rd_kafka_t, HandleDeleter>;

// A configuration with `base` (our defaults) overridden by `user`. InvalidArgument naming the
// property librdkafka refused.
[[nodiscard]] Result<Conf> MakeConf(const Properties& base, const Properties& user);

// rd_kafka_new; `conf` is consumed on success. InvalidArgument with librdkafka's message.
[[nodiscard]] Result<Handle> NewHandle(rd_kafka_type_t type, Conf conf);

// A librdkafka error as a Status: kUnavailable for transport and timeouts (retriable), kInternal
// for the rest, the message naming `what`.
Status FromKafka(rd_kafka_resp_err_t err, std::string_view what);

// The message's replication fields (ledger/replication_format.h).
[[nodiscard]] Result<replication::Message> ParseKafkaMessage(const rd_kafka_message_t& m);

// Produces `message` to `topic`/`partition` with its headers, copying the payload. `opaque` is
// handed to the delivery report.
rd_kafka_resp_err_t Produce(rd_kafka_t* rk, const std::string& topic, int32_t partition,
                            const replication::Message& message, void* opaque);

}  // namespace ejournal::kafka

#endif  // EJOURNAL_LEDGER_KAFKA_CLIENT_H_
