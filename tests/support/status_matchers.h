// Assertions on Status and Result<T> that check the specific error (CONVENTIONS: "Prefer to check
// for the specific expected error").
#ifndef EJOURNAL_TESTS_SUPPORT_STATUS_MATCHERS_H_
#define EJOURNAL_TESTS_SUPPORT_STATUS_MATCHERS_H_

#include <gtest/gtest.h>

#include <string_view>

#include "schemas/status.h"

namespace ejournal::testing {

// `s` is an error with `code` whose message contains `substr`.
inline ::testing::AssertionResult IsError(const Status& s, StatusCode code,
                                          std::string_view substr) {
  if (s.ok()) return ::testing::AssertionFailure() << "got OK, want " << StatusCodeName(code);
  if (s.code() != code || s.message().find(substr) == std::string::npos) {
    return ::testing::AssertionFailure()
           << "got " << s.ToString() << ", want " << StatusCodeName(code) << " containing \""
           << substr << "\"";
  }
  return ::testing::AssertionSuccess();
}

template <typename T>
::testing::AssertionResult IsError(const Result<T>& r, StatusCode code, std::string_view substr) {
  if (r.has_value()) return ::testing::AssertionFailure() << "got a value, want an error";
  return IsError(r.error(), code, substr);
}

// `s` is a refusal with `code` citing exactly the DOMAIN.md rule `rule` (e.g. "R-MARK-3").
inline ::testing::AssertionResult IsRefused(const Status& s, StatusCode code,
                                            std::string_view rule) {
  if (s.ok()) return ::testing::AssertionFailure() << "got OK, want a refusal by " << rule;
  if (s.code() != code || s.rule() != rule) {
    return ::testing::AssertionFailure()
           << "got " << s.ToString() << ", want " << StatusCodeName(code) << " [" << rule << "]";
  }
  return ::testing::AssertionSuccess();
}

template <typename T>
::testing::AssertionResult IsRefused(const Result<T>& r, StatusCode code, std::string_view rule) {
  if (r.has_value()) return ::testing::AssertionFailure() << "accepted, want a refusal by " << rule;
  return IsRefused(r.error(), code, rule);
}

}  // namespace ejournal::testing

#define ASSERT_OK(expr)                                                  \
  do {                                                                   \
    const ::ejournal::Status ej_assert_status_ = (expr);                 \
    ASSERT_TRUE(ej_assert_status_.ok()) << ej_assert_status_.ToString(); \
  } while (0)

#endif  // EJOURNAL_TESTS_SUPPORT_STATUS_MATCHERS_H_
