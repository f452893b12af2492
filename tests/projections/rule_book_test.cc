// The school rules (projections/rule_book.h) through the real admission path: signed events,
// a real RocksDB ledger, the school state folded by the ledger's writer. Each test cites the
// DOMAIN.md rule it checks.
#include "projections/rule_book.h"

#include <gtest/gtest.h>

#include "tests/support/school_fixture.h"
#include "tests/support/status_matchers.h"

namespace ejournal::testing {
namespace {

using school::Day;

class RuleBookTest : public SchoolFixture {
 protected:
  const Day mon_ = D(2025, 10, 6);
  const Day wed_ = D(2025, 10, 8);
};

TEST_F(RuleBookTest, FixtureSchoolIsAdmitted) {
  EXPECT_EQ(School().classes.size(), 3u);
  EXPECT_EQ(School().lessons.size(), 7u);
  EXPECT_EQ(State().size(), ledger_->ledger().size());
}

// R-MARK-3: an answer in class is marked the same day; after that only by correction.
TEST_F(RuleBookTest, MarkWithinItsWindowIsAcceptedAndAfterItRefused_R_MARK_3) {
  At(mon_, "08:40");
  MustSubmit(MarkBody("math", "m1", "math-5a-1", "s1", 5));
  At(mon_ + 1, "00:05");
  auto late = Submit(MarkBody("math", "m2", "math-5a-1", "s2", 4));
  EXPECT_TRUE(IsRefused(late, StatusCode::kFailedPrecondition, "R-MARK-3"));
  EXPECT_NE(late.error().message().find("file a correction request"), std::string::npos);
  // A written work: until the next lesson of the class-subject (Wednesday, 08:30).
  At(wed_, "08:29");
  MustSubmit(MarkBody("math", "m3", "math-5a-1", "s2", 4, v1::WORK_TYPE_TEST));
  At(wed_, "08:31");
  // Still Wednesday's lesson day? No: the window ended at the next lesson's start.
  EXPECT_TRUE(IsRefused(Submit(MarkBody("math", "m4", "math-5a-1", "s3", 4, v1::WORK_TYPE_TEST)),
                        StatusCode::kFailedPrecondition, "R-MARK-3"));
  // Internal-monitoring control work: 3 calendar days (Thursday 24:00).
  At(mon_ + 3, "23:59");
  MustSubmit(
      MarkBody("math", "m5", "math-5a-1", "s3", 3, v1::WORK_TYPE_INTERNAL_MONITORING_CONTROL_WORK));
}

// R-LES-1: no marks for a lesson that has not started, nor on a lesson that does not exist.
TEST_F(RuleBookTest, NoMarksInTheFutureOrOutsideALesson_R_LES_1) {
  At(mon_, "08:20");
  EXPECT_TRUE(IsRefused(Submit(MarkBody("math", "m1", "math-5a-1", "s1", 5)),
                        StatusCode::kFailedPrecondition, "R-LES-1"));
  At(mon_, "08:35");
  EXPECT_TRUE(IsRefused(Submit(MarkBody("math", "m1", "no-such-lesson", "s1", 5)),
                        StatusCode::kFailedPrecondition, "R-LES-1"));
  EXPECT_TRUE(IsRefused(Submit(MarkBody("math", "m1", "math-5a-1", "n1", 5)),
                        StatusCode::kFailedPrecondition, "R-LES-1"));
  MustSubmit(MarkBody("math", "m1", "math-5a-1", "s1", 5));
}

// R-MARK-1: 1..5, two-part marks, and grade 1 gets none.
TEST_F(RuleBookTest, MarkValuesAndGradeOne_R_MARK_1) {
  At(mon_, "09:00");
  EXPECT_TRUE(IsRefused(Submit(MarkBody("math", "m1", "math-5a-1", "s1", 6)),
                        StatusCode::kInvalidArgument, "R-MARK-1"));
  MustSubmit(
      MarkBody("math", "m2", "math-5a-1", "s1", 5, v1::WORK_TYPE_DICTATION_WITH_GRAMMAR_TASK, 4));
  EXPECT_TRUE(IsRefused(Submit(MarkBody("russian", "m3", "rus-1a-1", "f1", 5)),
                        StatusCode::kFailedPrecondition, "R-MARK-1"));
}

// R-MARK-4: no 1 or 2 in the adaptation period (1-15 September).
TEST_F(RuleBookTest, NoUnsatisfactoryMarksInAdaptation_R_MARK_4) {
  At(D(2025, 9, 8), "08:40");
  EXPECT_TRUE(IsRefused(Submit(MarkBody("math", "m1", "math-5a-sep", "s1", 2)),
                        StatusCode::kFailedPrecondition, "R-MARK-4"));
  MustSubmit(MarkBody("math", "m2", "math-5a-sep", "s1", 3));
  At(mon_, "08:40");
  MustSubmit(MarkBody("math", "m3", "math-5a-1", "s1", 2));
}

// R-ACC-2: only the lesson's teacher (or its substitute) writes it; a parent writes no marks.
TEST_F(RuleBookTest, OnlyTheLessonTeacherWritesIt_R_ACC_2) {
  At(mon_, "08:40");
  EXPECT_TRUE(IsRefused(Submit(MarkBody("russian", "m1", "math-5a-1", "s1", 5)),
                        StatusCode::kPermissionDenied, "R-ACC-2"));
  EXPECT_TRUE(IsRefused(Submit(MarkBody("parent", "m1", "math-5a-1", "s1", 5)),
                        StatusCode::kPermissionDenied, "R-ACC-2"));
  EXPECT_EQ(School().marks.size(), 0u);
}

// R-SUB-1: the substitute writes the substituted lesson, carrying the substitution.
TEST_F(RuleBookTest, SubstituteWritesWithTheSubstitution_R_SUB_1) {
  At(mon_, "07:50");
  EXPECT_TRUE(IsRefused(Submit(MarkBody("sub", "m1", "math-5a-1", "s1", 5)),
                        StatusCode::kPermissionDenied, "R-ACC-2"));
  MustSubmit(SubstitutionBody("methodist", "sub-1", "math-5a-1", "math", "болезнь"));
  At(mon_, "08:40");
  EXPECT_TRUE(IsRefused(Submit(MarkBody("sub", "m1", "math-5a-1", "s1", 5)),
                        StatusCode::kPermissionDenied, "R-SUB-1"));
  v1::EventBody m = MarkBody("sub", "m1", "math-5a-1", "s1", 5);
  m.set_substitution_id("sub-1");
  MustSubmit(m);
  // Not for another lesson.
  v1::EventBody other = MarkBody("sub", "m2", "rus-5a-1", "s1", 5);
  other.set_substitution_id("sub-1");
  At(mon_, "09:30");
  EXPECT_TRUE(IsRefused(Submit(other), StatusCode::kPermissionDenied, "R-SUB-1"));
}

// R-COR-1: a correction takes effect only when another deputy approves it.
TEST_F(RuleBookTest, CorrectionNeedsAnotherDeputy_R_COR_1) {
  At(mon_, "08:40");
  MustSubmit(MarkBody("math", "m1", "math-5a-1", "s1", 3));
  At(mon_ + 1, "10:00");
  MustSubmit(CorrectionBody("math", "r1", "m1", 4));
  EXPECT_EQ(School().marks.at("m1").Current(State())->value.value, 3);
  // A deputy who requested it may not approve it; a teacher may not approve at all.
  EXPECT_TRUE(
      IsRefused(Submit(ApproveBody("math", "r1")), StatusCode::kPermissionDenied, "R-ACC-2"));
  MustSubmit(ApproveBody("deputy", "r1"));
  EXPECT_EQ(School().marks.at("m1").Current(State())->value.value, 4);
  EXPECT_TRUE(
      IsRefused(Submit(ApproveBody("deputy2", "r1")), StatusCode::kFailedPrecondition, "R-COR-3"));
}

// R-SEC-3: an Act voids the credential's events from its moment, and what rested on them.
TEST_F(RuleBookTest, ActInvalidatesAndCascades_R_SEC_3) {
  At(mon_, "08:40");
  const uint64_t legit = MustSubmit(MarkBody("math", "m1", "math-5a-1", "s1", 5));
  At(mon_, "20:00");  // the attacker, with math's credential
  const uint64_t forged = MustSubmit(MarkBody("math", "m2", "math-5a-1", "s2", 2));
  MustSubmit(CorrectionBody("math", "r1", "m1", 2, "исправление"));
  const uint64_t request = State().SequenceOf(last_event_id());
  At(mon_ + 1, "08:00");
  const uint64_t approval = MustSubmit(ApproveBody("deputy", "r1"));
  EXPECT_EQ(School().marks.at("m1").Current(State())->value.value, 2);

  At(mon_, "19:00");
  const int64_t from = clock_.NowMicros();
  At(mon_ + 1, "09:00");
  const v1::EventBody act = ActBody("director", {.invalid_from_us = from});
  // The dry run names exactly what the Act will void.
  auto preview = State().PreviewAct(act.credential_compromise_act_recorded());
  ASSERT_EQ(preview.size(), 3u);
  EXPECT_EQ(preview[0].seq, forged);
  EXPECT_EQ(preview[1].seq, request);
  EXPECT_EQ(preview[2].seq, approval);
  EXPECT_EQ(preview[2].because_of, request);
  MustSubmit(act);
  EXPECT_FALSE(State().IsInvalid(legit));
  EXPECT_TRUE(State().IsInvalid(forged));
  EXPECT_TRUE(State().IsInvalid(approval));
  EXPECT_EQ(School().marks.at("m1").Current(State())->value.value, 5);
  EXPECT_EQ(School().marks.at("m2").Current(State()), nullptr);
  // R-SEC-2: the credential signs nothing more.
  At(mon_ + 1, "09:05");
  auto after = Submit(MarkBody("math", "m3", "math-5a-1", "s3", 4, v1::WORK_TYPE_TEST));
  EXPECT_TRUE(IsError(after, StatusCode::kUnauthenticated, ""));
}

}  // namespace
}  // namespace ejournal::testing
