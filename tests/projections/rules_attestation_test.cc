// The rules of attestation (projections/rules_attestation.cc): term marks (R-TERM-1), and
// RuleBook::MinimumMarks as a plain function. The fixture and conventions: rules_fixture.h.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "projections/rule_book.h"
#include "projections/school.h"
#include "tests/projections/rules_fixture.h"

namespace ejournal::testing {
namespace {

// ---- R-TERM-1: term marks ----

TEST_F(RulesTest, R_TERM_1_EnteredInTheLastWeekOfTheTerm) {
  At(D(2025, 10, 17), "12:00");  // term 1 ends on 24 October: entries from the 18th
  EXPECT_TRUE(Refused(Submit(TermMarkBody("math", "s3", "math", v1::PERIOD_KIND_TERM, 1, 0,
                                          v1::ATTESTATION_STATUS_NOT_ATTESTED)),
                      kRefused, "R-TERM-1", "последние 7 дн."));
  At(D(2025, 10, 20), "12:00");
  MustSubmit(TermMarkBody("math", "s3", "math", v1::PERIOD_KIND_TERM, 1, 0,
                          v1::ATTESTATION_STATUS_NOT_ATTESTED));
  EXPECT_TRUE(Refused(Submit(TermMarkBody("math", "s1", "math", v1::PERIOD_KIND_TERM, 1, 6)),
                      kMalformed, "R-TERM-1", "от 1 до 5"));
}

TEST_F(RulesTest, R_TERM_1_NeedsTheMinimumNumberOfMarks) {
  // Russian in 5a: 2 h/week, so 5 marks.
  // s1 gets 4 marks; s3 gets 3 single marks and a two-part one, which counts twice.
  At(mon_, "09:30");
  for (int i = 0; i < 4; ++i) {
    MustSubmit(MarkBody("russian", "m" + std::to_string(i), "rus-5a-1", "s1", 4));
  }
  for (int i = 0; i < 3; ++i) {
    MustSubmit(MarkBody("russian", "n" + std::to_string(i), "rus-5a-1", "s3", 4));
  }
  MustSubmit(
      MarkBody("russian", "n3", "rus-5a-1", "s3", 5, v1::WORK_TYPE_DICTATION_WITH_GRAMMAR_TASK, 4));
  At(D(2025, 10, 20), "12:00");
  EXPECT_TRUE(Refused(Submit(TermMarkBody("russian", "s1", "russian", v1::PERIOD_KIND_TERM, 1, 4)),
                      kRefused, "R-TERM-1", "не меньше 5 текущих отметок"));
  MustSubmit(TermMarkBody("russian", "s3", "russian", v1::PERIOD_KIND_TERM, 1, 4));
  EXPECT_EQ(school::RuleBook::MinimumMarks(School().policy, 1), 3);
  EXPECT_EQ(school::RuleBook::MinimumMarks(School().policy, 2), 5);
  EXPECT_EQ(school::RuleBook::MinimumMarks(School().policy, 3), 7);
  EXPECT_EQ(school::RuleBook::MinimumMarks(School().policy, 5), 7);
}

// R-TERM-1 (seed 004 §7.14): at 3 or more hours a week, 5 marks suffice for a student who missed
// lessons for a valid reason (б, уп); a miss without a valid reason does not lower the minimum.
TEST_F(RulesTest, R_TERM_1_ValidReasonAbsenceLowersTheMinimumAtThreeHours) {
  At(mon_, "08:40");  // math in 5a: 5 h/week, so 7 marks, or 5
  for (const char* s : {"s1", "s2", "s3"}) {
    for (int i = 0; i < 5; ++i) {
      MustSubmit(MarkBody("math", std::string(s) + "-m" + std::to_string(i), "math-5a-1", s, 4));
    }
  }
  At(wed_, "08:31");
  MustSubmit(AbsenceBody("math", "math-5a-2", "s1"));
  MustSubmit(AbsenceBody("math", "math-5a-2", "s3"));
  auto reason = [&](const std::string& student, v1::AbsenceReason r) {
    v1::EventBody b = Body("ct");
    b.mutable_absence_reason_set()->set_student_id(student);
    b.mutable_absence_reason_set()->set_reason(r);
    b.mutable_absence_reason_set()->add_lesson_ids("math-5a-2");
    return b;
  };
  At(wed_, "15:00");
  MustSubmit(reason("s1", v1::ABSENCE_REASON_ILLNESS));
  MustSubmit(reason("s3", v1::ABSENCE_REASON_NOT_VALID));
  At(D(2025, 10, 20), "12:00");
  MustSubmit(TermMarkBody("math", "s1", "math", v1::PERIOD_KIND_TERM, 1, 4));
  EXPECT_TRUE(Refused(Submit(TermMarkBody("math", "s2", "math", v1::PERIOD_KIND_TERM, 1, 4)),
                      kRefused, "R-TERM-1", "не меньше 7 текущих отметок"));
  EXPECT_TRUE(Refused(Submit(TermMarkBody("math", "s3", "math", v1::PERIOD_KIND_TERM, 1, 4)),
                      kRefused, "R-TERM-1", "не меньше 7 текущих отметок"));
  EXPECT_EQ(school::RuleBook::MinimumMarks(School().policy, 3, true), 5);
  EXPECT_EQ(school::RuleBook::MinimumMarks(School().policy, 2, true), 5);
  EXPECT_EQ(school::RuleBook::MinimumMarks(School().policy, 1, true), 3);
  // The journal page's term column asks the same minimum.
  auto page = Reader().JournalPage(State(), kSchool, "5a", "", "math", 1);
  ASSERT_TRUE(page.has_value()) << page.error().ToString();
  std::map<std::string, int> needed;
  for (const auto& row : page->rows()) needed[row.student_id()] = row.marks_needed();
  EXPECT_EQ(needed["s1"], 5);
  EXPECT_EQ(needed["s2"], 7);
  EXPECT_EQ(needed["s3"], 7);
}

// R-TERM-1: a subject taught in subgroups (English in two groups) asks the minimum of the
// student's own group's hours.
TEST_F(RulesTest, R_TERM_1_SubgroupMinimumUsesTheGroupsHours) {
  v1::EventBody b = Body("admin");
  b.mutable_subject_defined()->set_subject_id("english");
  b.mutable_subject_defined()->set_name("Английский язык");
  b.mutable_subject_defined()->set_kind(v1::SUBJECT_KIND_FOREIGN_LANGUAGE);
  MustSubmit(b);
  b = Body("admin");
  auto* g = b.mutable_subgroup_defined();
  g->set_subgroup_id("5a-en1");
  g->set_class_id("5a");
  g->set_subject_id("english");
  g->add_student_ids("s1");
  g->add_student_ids("s2");
  MustSubmit(b);
  b = Body("admin");
  auto* l = b.mutable_teaching_load_assigned();
  l->set_load_id("l-en-5a-1");
  l->set_teacher_id("sub");
  l->set_class_id("5a");
  l->set_subgroup_id("5a-en1");
  l->set_subject_id("english");
  l->set_weekly_hours(3);
  l->set_academic_year_id("2025");
  MustSubmit(b);
  MustSubmit(ScheduleLesson("en-5a-1", "5a", "english", "sub", mon_, 4, "5a-en1"));
  At(mon_, "11:40");
  for (int i = 0; i < 5; ++i) {
    MustSubmit(MarkBody("sub", "en" + std::to_string(i), "en-5a-1", "s1", 4));
  }
  At(D(2025, 10, 20), "12:00");
  EXPECT_TRUE(Refused(Submit(TermMarkBody("sub", "s1", "english", v1::PERIOD_KIND_TERM, 1, 4)),
                      kRefused, "R-TERM-1", "не меньше 7 текущих отметок при 3 ч в неделю"));
  MustSubmit(TermMarkBody("sub", "s2", "english", v1::PERIOD_KIND_TERM, 1, 0,
                          v1::ATTESTATION_STATUS_NOT_ATTESTED));
}

// R-TERM-1: a school's own minimums, with the valid-absence column.
TEST_F(RulesTest, R_TERM_1_PolicyMinimumsWithValidAbsence) {
  v1::EventBody p = Body("director");
  auto* m = p.mutable_school_policy_set()->mutable_policy()->add_term_mark_minimums();
  m->set_weekly_hours(1);
  m->set_min_marks(4);
  m = p.mutable_school_policy_set()->mutable_policy()->add_term_mark_minimums();
  m->set_weekly_hours(3);
  m->set_min_marks(8);
  m->set_min_marks_valid_absence(6);
  MustSubmit(p);
  const auto& policy = School().policy;
  EXPECT_EQ(school::RuleBook::MinimumMarks(policy, 0, false), 0);
  EXPECT_EQ(school::RuleBook::MinimumMarks(policy, 2, false), 4);
  EXPECT_EQ(school::RuleBook::MinimumMarks(policy, 2, true), 4);  // no valid-absence column
  EXPECT_EQ(school::RuleBook::MinimumMarks(policy, 5, false), 8);
  EXPECT_EQ(school::RuleBook::MinimumMarks(policy, 5, true), 6);
}

TEST_F(RulesTest, R_TERM_1_AbsentOverHalfNotAttestedUnlessTheDeputyDecides) {
  At(mon_, "09:30");
  MustSubmit(AbsenceBody("russian", "rus-5a-1", "s2"));
  for (int i = 0; i < 5; ++i) {
    MustSubmit(MarkBody("russian", "m" + std::to_string(i), "rus-5a-1", "s2", 4));
  }
  At(D(2025, 10, 20), "12:00");
  EXPECT_TRUE(Refused(Submit(TermMarkBody("russian", "s2", "russian", v1::PERIOD_KIND_TERM, 1, 4)),
                      kRefused, "R-TERM-1", "если завуч не решит иначе"));
  v1::EventBody decide = Body("deputy");
  auto* d = decide.mutable_deputy_attestation_decided();
  d->set_student_id("s2");
  d->set_subject_id("russian");
  d->mutable_period()->set_academic_year_id("2025");
  d->mutable_period()->set_kind(v1::PERIOD_KIND_TERM);
  d->mutable_period()->set_term_number(1);
  d->set_attest(true);
  v1::EventBody no_grounds = decide;
  EXPECT_TRUE(IsRefused(Submit(no_grounds), kMalformed, "R-TERM-1"));
  d->set_reason("болезнь, материал освоен");
  v1::EventBody by_teacher = decide;
  by_teacher.set_actor_id("russian");
  by_teacher.set_credential_id(signers_.at("russian").credential_id);
  EXPECT_TRUE(IsRefused(Submit(by_teacher), kDenied, "R-ACC-2"));
  MustSubmit(decide);
  MustSubmit(TermMarkBody("russian", "s2", "russian", v1::PERIOD_KIND_TERM, 1, 4));
}

// ---- RuleBook::MinimumMarks (R-TERM-1) as a plain function ----

TEST(RuleBookMinimumMarksTest, R_TERM_1_ThreeFiveOrSevenByWeeklyHours) {
  const school::PolicyValues defaults;
  EXPECT_EQ(school::RuleBook::MinimumMarks(defaults, 0), 0);
  EXPECT_EQ(school::RuleBook::MinimumMarks(defaults, 1), 3);
  EXPECT_EQ(school::RuleBook::MinimumMarks(defaults, 2), 5);
  EXPECT_EQ(school::RuleBook::MinimumMarks(defaults, 3), 7);
  EXPECT_EQ(school::RuleBook::MinimumMarks(defaults, 6), 7);
}

TEST(RuleBookMinimumMarksTest, R_TERM_1_ValidAbsenceLowersTheMinimumFromThreeHoursOnly) {
  const school::PolicyValues defaults;
  EXPECT_EQ(school::RuleBook::MinimumMarks(defaults, 1, /*valid_absence=*/true), 3);
  EXPECT_EQ(school::RuleBook::MinimumMarks(defaults, 2, /*valid_absence=*/true), 5);
  EXPECT_EQ(school::RuleBook::MinimumMarks(defaults, 3, /*valid_absence=*/true), 5);
  EXPECT_EQ(school::RuleBook::MinimumMarks(defaults, 5, /*valid_absence=*/true), 5);
}

TEST(RuleBookMinimumMarksTest, R_TERM_1_PolicyTableReplacesTheDefaults) {
  school::PolicyValues policy;
  // Listed out of order: the row with the most hours not above the load's applies.
  v1::TermMarkMinimum four;
  four.set_weekly_hours(4);
  four.set_min_marks(8);
  four.set_min_marks_valid_absence(6);
  v1::TermMarkMinimum one;
  one.set_weekly_hours(1);
  one.set_min_marks(2);
  policy.term_mark_minimums = {four, one};
  EXPECT_EQ(school::RuleBook::MinimumMarks(policy, 0), 0);  // no row at or below
  EXPECT_EQ(school::RuleBook::MinimumMarks(policy, 1), 2);
  EXPECT_EQ(school::RuleBook::MinimumMarks(policy, 3), 2);
  EXPECT_EQ(school::RuleBook::MinimumMarks(policy, 4), 8);
  EXPECT_EQ(school::RuleBook::MinimumMarks(policy, 9), 8);
  EXPECT_EQ(school::RuleBook::MinimumMarks(policy, 4, /*valid_absence=*/true), 6);
  // A row without its own valid-absence minimum keeps its minimum.
  EXPECT_EQ(school::RuleBook::MinimumMarks(policy, 3, /*valid_absence=*/true), 2);
}

}  // namespace
}  // namespace ejournal::testing
