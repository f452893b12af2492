// The project's error vocabulary: a Status (code, message, rule id) and Result<T>, a value or a
// Status.
//
// Every function that can fail returns one of these; no exception crosses a module border.
// Errors from RocksDB, OpenSSL, librdkafka and httplib are converted where they enter our code.
// `rule` carries the DOMAIN.md rule id (R-MARK-3 ...) when a school rule refused something, so that
// the API can answer {"error":{"code","message","rule"}}.
#ifndef EJOURNAL_SCHEMAS_STATUS_H_
#define EJOURNAL_SCHEMAS_STATUS_H_

#include <expected>
#include <string>
#include <string_view>
#include <utility>

namespace ejournal {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,     // malformed input (HTTP 400)
  kUnauthenticated,     // no or bad signature / session (401)
  kPermissionDenied,    // the actor may not do this (403, R-ACC-*)
  kNotFound,            // (404)
  kAlreadyExists,       // a different body under a known id (409)
  kFailedPrecondition,  // a school rule refused it (422, with the rule id)
  kResourceExhausted,   // too large, rate limited (413/429)
  kUnavailable,         // overloaded or shutting down (503)
  kDataLoss,            // stored data failed verification
  kIoError,             // the disk or the OS failed
  kInternal,            // a bug
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message, std::string rule = {})
      : code_(code), message_(std::move(message)), rule_(std::move(rule)) {}

  // So that `return Err(...)` (see below) works in functions returning Status as well as Result.
  Status(std::unexpected<Status> error) : Status(std::move(error.error())) {}  // NOLINT

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  const std::string& rule() const { return rule_; }

  // "InvalidArgument: message [R-MARK-3]"
  std::string ToString() const;

  // Prepends context to the message: "opening ledger: <message>".
  Status WithContext(std::string_view context) const;

  // For a refusal that passes (rate limited, overloaded): how many seconds until a retry can
  // succeed (HTTP Retry-After); 0: not said.
  int64_t retry_after_seconds() const { return retry_after_seconds_; }
  Status WithRetryAfter(int64_t seconds) && {
    retry_after_seconds_ = seconds;
    return std::move(*this);
  }

  friend bool operator==(const Status& a, const Status& b) {
    return a.code_ == b.code_ && a.message_ == b.message_ && a.rule_ == b.rule_;
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  std::string rule_;
  int64_t retry_after_seconds_ = 0;
};

// A value or the Status that explains why there is none. The error is never an OK Status.
template <typename T>
using Result = std::expected<T, Status>;

inline std::unexpected<Status> Err(StatusCode code, std::string message, std::string rule = {}) {
  return std::unexpected<Status>(Status(code, std::move(message), std::move(rule)));
}
inline std::unexpected<Status> Err(Status status) {
  return std::unexpected<Status>(std::move(status));
}

inline Status InvalidArgument(std::string m, std::string rule = {}) {
  return Status(StatusCode::kInvalidArgument, std::move(m), std::move(rule));
}
inline Status Unauthenticated(std::string m, std::string rule = {}) {
  return Status(StatusCode::kUnauthenticated, std::move(m), std::move(rule));
}
inline Status PermissionDenied(std::string m, std::string rule = {}) {
  return Status(StatusCode::kPermissionDenied, std::move(m), std::move(rule));
}
inline Status NotFound(std::string m) { return Status(StatusCode::kNotFound, std::move(m)); }
inline Status AlreadyExists(std::string m) {
  return Status(StatusCode::kAlreadyExists, std::move(m));
}
inline Status FailedPrecondition(std::string m, std::string rule = {}) {
  return Status(StatusCode::kFailedPrecondition, std::move(m), std::move(rule));
}
inline Status ResourceExhausted(std::string m) {
  return Status(StatusCode::kResourceExhausted, std::move(m));
}
inline Status Unavailable(std::string m) { return Status(StatusCode::kUnavailable, std::move(m)); }
inline Status DataLoss(std::string m) { return Status(StatusCode::kDataLoss, std::move(m)); }
inline Status IoError(std::string m) { return Status(StatusCode::kIoError, std::move(m)); }
inline Status Internal(std::string m) { return Status(StatusCode::kInternal, std::move(m)); }

}  // namespace ejournal

// Returns early with the Status if `expr` (a Status) is not OK; works in functions returning Status
// or Result<T>.
#define EJ_RETURN_IF_ERROR(expr)                                         \
  do {                                                                   \
    ::ejournal::Status ej_status_ = (expr);                              \
    if (!ej_status_.ok()) return ::ejournal::Err(std::move(ej_status_)); \
  } while (0)

#define EJ_CONCAT_INNER_(a, b) a##b
#define EJ_CONCAT_(a, b) EJ_CONCAT_INNER_(a, b)

// `EJ_ASSIGN_OR_RETURN(auto x, MakeX());` in a function returning Status or Result<U>.
#define EJ_ASSIGN_OR_RETURN(lhs, expr) \
  EJ_ASSIGN_OR_RETURN_IMPL_(EJ_CONCAT_(ej_result_, __LINE__), lhs, expr)
#define EJ_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr)                       \
  auto tmp = (expr);                                                    \
  if (!tmp.has_value()) return ::ejournal::Err(std::move(tmp).error()); \
  lhs = std::move(tmp).value()

#endif  // EJOURNAL_SCHEMAS_STATUS_H_
