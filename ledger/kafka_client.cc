#include "ledger/kafka_client.h"

#include <spdlog/spdlog.h>

namespace ejournal::kafka {
namespace {

// librdkafka's own log lines (syslog levels; from its internal threads) go to spdlog. They name
// brokers, topics and clients, never event contents.
void LogToSpdlog(const rd_kafka_t* rk, int level, const char* facility, const char* line) {
  const char* name = rk != nullptr ? rd_kafka_name(rk) : "rdkafka";
  const auto spd_level = level <= 3   ? spdlog::level::err
                         : level == 4 ? spdlog::level::warn
                         : level <= 6 ? spdlog::level::info
                                      : spdlog::level::debug;
  spdlog::log(spd_level, "kafka {} {}: {}", name, facility, line);
}

}  // namespace

Result<Conf> MakeConf(const Properties& base, const Properties& user) {
  Conf conf(rd_kafka_conf_new());
  rd_kafka_conf_set_log_cb(conf.get(), &LogToSpdlog);
  char error[512];
  auto set = [&](const std::string& name, const std::string& value) -> Status {
    if (rd_kafka_conf_set(conf.get(), name.c_str(), value.c_str(), error, sizeof error) !=
        RD_KAFKA_CONF_OK) {
      return InvalidArgument("kafka property " + name + ": " + error);
    }
    return Status::Ok();
  };
  for (const auto& [name, value] : base) {
    if (!user.contains(name)) EJ_RETURN_IF_ERROR(set(name, value));
  }
  for (const auto& [name, value] : user) EJ_RETURN_IF_ERROR(set(name, value));
  return conf;
}

Result<Handle> NewHandle(rd_kafka_type_t type, Conf conf) {
  char error[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf.get(), error, sizeof error);
  if (rk == nullptr) return Err(InvalidArgument(std::string("kafka client: ") + error));
  (void)conf.release();  // rd_kafka_new owns it now
  return Handle(rk);
}

Status FromKafka(rd_kafka_resp_err_t err, std::string_view what) {
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return Status::Ok();
  std::string message =
      std::string(what) + ": " + rd_kafka_err2name(err) + " (" + rd_kafka_err2str(err) + ")";
  switch (err) {
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
    case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT:
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR__QUEUE_FULL:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS:
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION:
      return Unavailable(std::move(message));
    default:
      return Internal(std::move(message));
  }
}

Result<replication::Message> ParseKafkaMessage(const rd_kafka_message_t& m) {
  rd_kafka_headers_t* headers = nullptr;
  if (rd_kafka_message_headers(&m, &headers) != RD_KAFKA_RESP_ERR_NO_ERROR) headers = nullptr;
  auto header = [&](const char* name) -> std::optional<std::string> {
    const void* value = nullptr;
    size_t size = 0;
    if (headers == nullptr ||
        rd_kafka_header_get_last(headers, name, &value, &size) != RD_KAFKA_RESP_ERR_NO_ERROR ||
        value == nullptr) {
      return std::nullopt;
    }
    return std::string(static_cast<const char*>(value), size);
  };
  std::string_view key(static_cast<const char*>(m.key), m.key == nullptr ? 0 : m.key_len);
  std::string_view value(static_cast<const char*>(m.payload), m.payload == nullptr ? 0 : m.len);
  return replication::ParseMessage(key, value, header);
}

rd_kafka_resp_err_t Produce(rd_kafka_t* rk, const std::string& topic, int32_t partition,
                            const replication::Message& message, void* opaque) {
  rd_kafka_headers_t* headers = rd_kafka_headers_new(3);
  for (const auto& [name, value] : message.Headers()) {
    rd_kafka_header_add(headers, name.data(), static_cast<ssize_t>(name.size()), value.data(),
                        static_cast<ssize_t>(value.size()));
  }
  rd_kafka_resp_err_t err = rd_kafka_producev(
      rk, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(partition),
      RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
      RD_KAFKA_V_KEY(const_cast<char*>(message.key.data()), message.key.size()),
      RD_KAFKA_V_VALUE(const_cast<char*>(message.value.data()), message.value.size()),
      RD_KAFKA_V_HEADERS(headers), RD_KAFKA_V_OPAQUE(opaque), RD_KAFKA_V_END);
  // On success librdkafka owns the headers; on failure they are still ours.
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) rd_kafka_headers_destroy(headers);
  return err;
}

}  // namespace ejournal::kafka
