#include "api/json_util.h"

#include <google/protobuf/util/json_util.h>
#include <httplib.h>

#include <charconv>

namespace ejournal::api {

std::string ProtoJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string out;
  auto status = google::protobuf::util::MessageToJsonString(message, &out, options);
  if (!status.ok()) return "{}";
  return out;
}

void ReplyProto(httplib::Response& res, const google::protobuf::Message& message) {
  res.status = 200;
  res.set_content(ProtoJson(message), "application/json");
}

void ReplyJson(httplib::Response& res, const nlohmann::json& value, int status) {
  res.status = status;
  res.set_content(value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                  "application/json");
}

Result<nlohmann::json> ParseObject(const std::string& body) {
  // No exceptions: a parse error (including invalid UTF-8 in a string) gives a discarded value.
  nlohmann::json value = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) return Err(InvalidArgument("the body is not valid JSON (UTF-8)"));
  if (!value.is_object()) return Err(InvalidArgument("the body must be a JSON object"));
  return value;
}

Result<std::string> StringField(const nlohmann::json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end()) return Err(InvalidArgument(std::string("missing field ") + name));
  if (!it->is_string()) return Err(InvalidArgument(std::string(name) + " must be a string"));
  return it->get<std::string>();
}

Status OnlyFields(const nlohmann::json& object, std::initializer_list<const char*> allowed) {
  for (const auto& [key, value] : object.items()) {
    bool known = false;
    for (const char* a : allowed) known = known || key == a;
    if (!known) return InvalidArgument("unknown field " + key);
  }
  return Status::Ok();
}

Result<uint64_t> ParseUint(std::string_view text) {
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    return Err(InvalidArgument("not a non-negative integer: " + std::string(text.substr(0, 32))));
  }
  return value;
}

Result<std::string> QueryString(const httplib::Request& req, const char* name, bool required) {
  if (!req.has_param(name)) {
    if (required) return Err(InvalidArgument(std::string("missing query parameter ") + name));
    return std::string();
  }
  return req.get_param_value(name);
}

Result<int64_t> QueryInt(const httplib::Request& req, const char* name,
                         std::optional<int64_t> fallback) {
  if (!req.has_param(name)) {
    if (fallback) return *fallback;
    return Err(InvalidArgument(std::string("missing query parameter ") + name));
  }
  const std::string text = req.get_param_value(name);
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    return Err(InvalidArgument(std::string(name) + " must be an integer"));
  }
  return value;
}

Result<school::Day> ParseDay(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') {
    return Err(InvalidArgument("a date is YYYY-MM-DD"));
  }
  auto year = ParseUint(text.substr(0, 4));
  auto month = ParseUint(text.substr(5, 2));
  auto day = ParseUint(text.substr(8, 2));
  if (!year || !month || !day) return Err(InvalidArgument("a date is YYYY-MM-DD"));
  v1::Date date;
  date.set_year(static_cast<int>(*year));
  date.set_month(static_cast<int>(*month));
  date.set_day(static_cast<int>(*day));
  return school::DayOf(date);
}

Result<school::Day> QueryDay(const httplib::Request& req, const char* name) {
  EJ_ASSIGN_OR_RETURN(std::string text, QueryString(req, name, true));
  return ParseDay(text);
}

}  // namespace ejournal::api
