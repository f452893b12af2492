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

}  // namespace ejournal::testing

#endif  // EJOURNAL_TESTS_SUPPORT_STATUS_MATCHERS_H_
