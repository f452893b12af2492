// Small helpers shared by the route files: protobuf messages as JSON, strict parsing of request
// JSON and query parameters. Pure functions; no exceptions escape them.
#ifndef EJOURNAL_API_JSON_UTIL_H_
#define EJOURNAL_API_JSON_UTIL_H_

#include <google/protobuf/message.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "projections/school_time.h"
#include "schemas/status.h"

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace ejournal::api {

// protobuf JSON (proto field names; 64-bit integers as strings, as protobuf JSON has them),
// written directly from reflection: the same bytes as protobuf's own printer, faster.
std::string ProtoJson(const google::protobuf::Message& message);
// The same by protobuf's MessageToJsonString (the reference the tests compare with).
std::string ProtoJsonByProtobuf(const google::protobuf::Message& message);
// The Content-Type of every JSON answer. With the charset parameter, cpp-httplib 0.11 (Debian 12)
// does not compress it: its compression of "application/json" is brotli at quality 11 whenever a
// client accepts "br" (every browser; not the CLI, whose httplib::Client sends no
// Accept-Encoding), which cost more than the read did (~15 ms for a 12 KB journal page on
// loopback, more for larger ones).
inline constexpr char kJsonContentType[] = "application/json; charset=utf-8";
// Answers 200 with `message` as JSON.
void ReplyProto(httplib::Response& res, const google::protobuf::Message& message);
// Answers 200 with `value` (invalid UTF-8 replaced).
void ReplyJson(httplib::Response& res, const nlohmann::json& value, int status = 200);
// A file name for Content-Disposition's filename* (RFC 8187): "UTF-8''" and the name
// percent-encoded.
std::string ContentDispositionName(std::string_view name);

// The body as a JSON object (kInvalidArgument: not JSON, not valid UTF-8, not an object).
[[nodiscard]] Result<nlohmann::json> ParseObject(const std::string& body);
// A required string member (kInvalidArgument if missing or not a string).
[[nodiscard]] Result<std::string> StringField(const nlohmann::json& object, const char* name);
// Refuses members other than `allowed` (kInvalidArgument).
[[nodiscard]] Status OnlyFields(const nlohmann::json& object,
                                std::initializer_list<const char*> allowed);

// Query parameters: kInvalidArgument when malformed or (for the Required ones) missing.
[[nodiscard]] Result<std::string> QueryString(const httplib::Request& req, const char* name,
                                              bool required);
[[nodiscard]] Result<int64_t> QueryInt(const httplib::Request& req, const char* name,
                                       std::optional<int64_t> fallback);
// "YYYY-MM-DD".
[[nodiscard]] Result<school::Day> QueryDay(const httplib::Request& req, const char* name);
// The Monday of the week of the `week` parameter (any day of it), or none without one.
[[nodiscard]] Result<std::optional<school::Day>> QueryWeek(const httplib::Request& req);
[[nodiscard]] Result<school::Day> ParseDay(std::string_view text);
[[nodiscard]] Result<uint64_t> ParseUint(std::string_view text);

}  // namespace ejournal::api

#endif  // EJOURNAL_API_JSON_UTIL_H_
