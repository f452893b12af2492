// The fixture of the rule tests (rules_<family>_test.cc, one file per family of
// projections/rules_<family>.cc): every rule of DOMAIN.md, one group of tests per rule id, through
// the real admission path (SchoolFixture: signed events → Admission → RuleBook → a real RocksDB
// ledger). Each group has at least one accepting and one refusing case and asserts the exact
// refusal: the status code and the rule id, and where it helps a part of the message.
//
// Rules that are about views or reports rather than admission (R-ACC-3's diary, R-ACC-5's sign-in,
// R-MARK-5's report, R-COR-3's queue, R-TIME-1's two times) are tested through what the code does
// for them; each such test says so. The pure functions of the rules (RuleBook::MarkDeadlineUs,
// HomeworkDeadlineUs, MinimumMarks) have plain tests beside their rule, on a school built in
// memory.
#ifndef EJOURNAL_TESTS_PROJECTIONS_RULES_FIXTURE_H_
#define EJOURNAL_TESTS_PROJECTIONS_RULES_FIXTURE_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "projections/views.h"
#include "tests/support/school_fixture.h"
#include "tests/support/status_matchers.h"

namespace ejournal::testing {

inline constexpr auto kDenied = StatusCode::kPermissionDenied;
inline constexpr auto kRefused = StatusCode::kFailedPrecondition;
inline constexpr auto kMalformed = StatusCode::kInvalidArgument;
inline constexpr auto kUnauthenticated = StatusCode::kUnauthenticated;

// One fixture for every rules_*_test.cc (GoogleTest requires one class per test suite name).
class RulesTest : public SchoolFixture {
 protected:
  school::ViewReader Reader() {
    return school::ViewReader(ledger_->ledger().db(), ledger_->ledger().column_families().views);
  }
  // Both a code and a message part.
  static ::testing::AssertionResult Refused(const Result<AppendResult>& r, StatusCode code,
                                            std::string_view rule, std::string_view substr) {
    auto a = IsRefused(r, code, rule);
    if (!a) return a;
    return IsError(r, code, substr);
  }
  v1::EventBody CompromiseReportBody(const std::string& actor, const std::string& report_id,
                                     const std::string& user, int64_t discovered_minutes_ago) {
    v1::EventBody b = Body(actor);
    auto* r = b.mutable_credential_compromise_reported();
    r->set_report_id(report_id);
    r->set_user_id(user);
    r->add_credential_ids(signers_.at(user).credential_id);
    r->set_discovered_at_us(clock_.NowMicros() - discovered_minutes_ago * school::kMicrosPerMinute);
    r->set_circumstances("пароль увидел посторонний");
    return b;
  }
  v1::EventBody AckBody(const std::string& actor, const std::string& guardian,
                        const std::string& student, v1::AcknowledgementChannel channel) {
    v1::EventBody b = Body(actor);
    auto* a = b.mutable_diary_acknowledged();
    a->set_guardian_id(guardian);
    a->set_student_id(student);
    *a->mutable_week_start() = Date(mon_);
    a->set_as_of_sequence(State().size());
    a->set_channel(channel);
    return b;
  }
  // R-LES-2: the student moves into home schooling within their class (5a) from `day`.
  v1::EventBody HomeSchoolingBody(const std::string& student, school::Day day) {
    v1::EventBody b = Body("admin");
    auto* m = b.mutable_student_moved();
    m->set_student_id(student);
    m->set_to_class_id("5a");
    *m->mutable_moved_on() = Date(day);
    m->set_home_schooling(true);
    *b.mutable_business_date() = Date(day);
    return b;
  }
  const school::Day mon_ = D(2025, 10, 6);
  const school::Day wed_ = D(2025, 10, 8);
};

}  // namespace ejournal::testing

#endif  // EJOURNAL_TESTS_PROJECTIONS_RULES_FIXTURE_H_
