// The one place where a Status becomes an HTTP answer (docs/API.md, "Errors").
//
//   InvalidArgument 400, Unauthenticated 401, PermissionDenied 403, NotFound 404,
//   AlreadyExists 409, ResourceExhausted 413 (429 when it carries kRateLimitedRule or a
//   retry-after),
//   FailedPrecondition 422, Unavailable 503 (with Retry-After), everything else 500.
//
// The body is always JSON {"error":{"code","message","rule"}}. Pure functions, any thread.
#ifndef EJOURNAL_API_HTTP_ERRORS_H_
#define EJOURNAL_API_HTTP_ERRORS_H_

#include <string>

#include "schemas/status.h"

namespace httplib {
struct Response;
}

namespace ejournal::api {

// The rule id a ResourceExhausted status carries when it means "slow down" (429) rather than
// "too large" (413): the password sign-in is protected against guessing (R-ACC-5).
inline constexpr char kRateLimitedRule[] = "R-ACC-5";

// Seconds a client should wait after a 503 or 429.
inline constexpr int kRetryAfterSeconds = 1;

int HttpStatusOf(const Status& status);

// {"error":{"code":"FailedPrecondition","message":"...","rule":"R-MARK-3"}}
std::string ErrorJson(const Status& status);

// Sets the status, the JSON body and, for 429 and 503, Retry-After.
void SetError(httplib::Response& res, const Status& status);

// What every unknown or forbidden resource answers (R-ACC-3: ids cannot be probed).
Status NotVisible();

}  // namespace ejournal::api

#endif  // EJOURNAL_API_HTTP_ERRORS_H_
