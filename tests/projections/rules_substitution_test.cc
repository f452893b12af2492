// The rules of substitution (projections/rules_substitution.cc): the substitute writes the
// substituted lessons, carrying the substitution (R-SUB-1). The fixture and conventions:
// rules_fixture.h.
#include <gtest/gtest.h>

#include "projections/reports.h"
#include "tests/projections/rules_fixture.h"

namespace ejournal::testing {
namespace {

// ---- R-SUB-1: the substitute's records carry the substitution; reports show it ----

// The substitute writes the substituted lesson, carrying the substitution.
TEST_F(RulesTest, R_SUB_1_SubstituteWritesWithTheSubstitution) {
  At(mon_, "07:50");
  EXPECT_TRUE(IsRefused(Submit(MarkBody("sub", "m1", "math-5a-1", "s1", 5)), kDenied, "R-ACC-2"));
  MustSubmit(SubstitutionBody("methodist", "sub-1", "math-5a-1", "math", "болезнь"));
  At(mon_, "08:40");
  EXPECT_TRUE(IsRefused(Submit(MarkBody("sub", "m1", "math-5a-1", "s1", 5)), kDenied, "R-SUB-1"));
  v1::EventBody m = MarkBody("sub", "m1", "math-5a-1", "s1", 5);
  m.set_substitution_id("sub-1");
  MustSubmit(m);
  // Not for another lesson.
  v1::EventBody other = MarkBody("sub", "m2", "rus-5a-1", "s1", 5);
  other.set_substitution_id("sub-1");
  At(mon_, "09:30");
  EXPECT_TRUE(IsRefused(Submit(other), kDenied, "R-SUB-1"));
}

TEST_F(RulesTest, R_SUB_1_OnlyTheMethodistAssignsAndTheReportShowsIt) {
  At(mon_, "07:50");
  v1::EventBody s = SubstitutionBody("deputy", "sub-1", "math-5a-1", "math");
  EXPECT_TRUE(IsRefused(Submit(s), kDenied, "R-ACC-2"));
  v1::EventBody by_methodist = Body("methodist");
  *by_methodist.mutable_substitution_assigned() = s.substitution_assigned();
  v1::EventBody wrong_teacher = by_methodist;
  wrong_teacher.mutable_substitution_assigned()->set_absent_teacher_id("russian");
  EXPECT_TRUE(Refused(Submit(wrong_teacher), kRefused, "R-SUB-1", "Урок ведёт не"));
  MustSubmit(by_methodist);
  At(mon_, "08:40");
  v1::EventBody m = ConductedBody("sub", "math-5a-1", "Дроби");
  m.set_substitution_id("sub-1");
  MustSubmit(m);
  auto report = school::SubstitutionsReport(State(), kSchool, mon_, mon_);
  ASSERT_TRUE(report.has_value());
  ASSERT_EQ(report->substitutions_size(), 1);
  EXPECT_EQ(report->substitutions(0).substitute_teacher_id(), "sub");
  ASSERT_EQ(report->substitutions(0).lessons_size(), 1);
  EXPECT_TRUE(report->substitutions(0).lessons(0).held());
}

}  // namespace
}  // namespace ejournal::testing
