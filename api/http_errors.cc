#include "api/http_errors.h"

#include <httplib.h>

#include <nlohmann/json.hpp>

#include "api/json_util.h"

namespace ejournal::api {

int HttpStatusOf(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk:
      return 200;
    case StatusCode::kInvalidArgument:
      return 400;
    case StatusCode::kUnauthenticated:
      return 401;
    case StatusCode::kPermissionDenied:
      return 403;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kAlreadyExists:
      return 409;
    case StatusCode::kFailedPrecondition:
      return 422;
    case StatusCode::kResourceExhausted:
      // Throttled (a sign-in lockout, a flood of messages: it says when to retry): 429.
      return status.rule() == kRateLimitedRule || status.retry_after_seconds() > 0 ? 429 : 413;
    case StatusCode::kUnavailable:
      return 503;
    case StatusCode::kDataLoss:
    case StatusCode::kIoError:
    case StatusCode::kInternal:
      return 500;
  }
  return 500;
}

std::string ErrorJson(const Status& status) {
  nlohmann::json error = {{"code", std::string(StatusCodeName(status.code()))},
                          {"message", status.message()},
                          {"rule", status.rule()}};
  nlohmann::json out = {{"error", std::move(error)}};
  return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void SetError(httplib::Response& res, const Status& status) {
  res.status = HttpStatusOf(status);
  if (res.status == 429 || res.status == 503) {
    res.set_header("Retry-After",
                   std::to_string(status.retry_after_seconds() > 0 ? status.retry_after_seconds()
                                                                   : kRetryAfterSeconds));
  }
  res.set_content(ErrorJson(status), kJsonContentType);
}

Status NotVisible() { return NotFound("Не найдено или недоступно вам"); }

}  // namespace ejournal::api
