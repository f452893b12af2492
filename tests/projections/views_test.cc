// The stored views (projections/views.h) through the real ledger: the journal page, the diary
// week, corrections and invalidations reaching them, and replay equal to incremental.
#include "projections/views.h"

#include <gtest/gtest.h>

#include "tests/support/school_fixture.h"
#include "tests/support/status_matchers.h"
#include "tests/support/subprocess.h"

namespace ejournal::testing {
namespace {

using school::Day;

class ViewsTest : public SchoolFixture {
 protected:
  school::ViewReader Reader() {
    return school::ViewReader(ledger_->ledger().db(), ledger_->ledger().column_families().views);
  }
  v1::JournalPageView Page(const std::string& cls, const std::string& subject, int term = 1) {
    auto page = Reader().JournalPage(State(), kSchool, cls, "", subject, term);
    EXPECT_TRUE(page.has_value()) << page.error().ToString();
    return page ? *page : v1::JournalPageView();
  }
  const v1::JournalRowView* Row(const v1::JournalPageView& page, const std::string& student) {
    for (const auto& r : page.rows()) {
      if (r.student_id() == student) return &r;
    }
    return nullptr;
  }
  const Day mon_ = D(2025, 10, 6);
};

// The class list shows each student by the name the school registered, and a profile change
// renames the row at once (the page's rows are built from the state at read time).
TEST_F(ViewsTest, JournalPageListsStudentsByTheirRegisteredNames) {
  At(mon_, "08:00");
  v1::JournalPageView page = Page("5a", "math");
  const auto* s1 = Row(page, "s1");
  ASSERT_NE(s1, nullptr);
  EXPECT_EQ(s1->student_name(), "s1");  // the fixture registers every user with its id as name
  v1::EventBody rename = Body("admin");
  rename.mutable_user_profile_changed()->set_user_id("s1");
  rename.mutable_user_profile_changed()->set_display_name("Иванова Мария");
  MustSubmit(rename);
  page = Page("5a", "math");
  s1 = Row(page, "s1");
  ASSERT_NE(s1, nullptr);
  EXPECT_EQ(s1->student_name(), "Иванова Мария");
  const auto* s3 = Row(page, "s3");
  ASSERT_NE(s3, nullptr);
  EXPECT_EQ(s3->student_name(), "s3");  // the others keep theirs
  // An empty name in a profile change leaves the name as it was (school.proto).
  v1::EventBody login_only = Body("admin");
  login_only.mutable_user_profile_changed()->set_user_id("s1");
  login_only.mutable_user_profile_changed()->set_login_name("s1-new");
  MustSubmit(login_only);
  page = Page("5a", "math");
  ASSERT_NE(Row(page, "s1"), nullptr);
  EXPECT_EQ(Row(page, "s1")->student_name(), "Иванова Мария");
}

bool HasRow(const v1::JournalPageView& page, const std::string& student) {
  for (const auto& r : page.rows()) {
    if (r.student_id() == student) return true;
  }
  return false;
}

// A page's rows are the class's students at any time in the term (looked up through the class's
// members): a student moved to another class mid-term is on both classes' pages of that term,
// and only on the new class's pages after it.
TEST_F(ViewsTest, JournalPageRowsFollowAStudentMovedToAnotherClass) {
  At(mon_, "08:00");
  v1::EventBody move = Body("admin");
  move.mutable_student_moved()->set_student_id("s3");
  move.mutable_student_moved()->set_to_class_id("9a");
  *move.mutable_student_moved()->mutable_moved_on() = Date(D(2025, 10, 13));
  MustSubmit(move);
  EXPECT_TRUE(HasRow(Page("5a", "math", 1), "s3"));
  EXPECT_TRUE(HasRow(Page("9a", "math", 1), "s3"));
  EXPECT_TRUE(HasRow(Page("9a", "math", 1), "n1"));
  EXPECT_FALSE(HasRow(Page("5a", "math", 2), "s3"));
  EXPECT_TRUE(HasRow(Page("5a", "math", 2), "s1"));
  EXPECT_TRUE(HasRow(Page("9a", "math", 2), "s3"));
  EXPECT_FALSE(HasRow(Page("9a", "math", 2), "s1"));
}

TEST_F(ViewsTest, JournalPageShowsLessonsCellsAndTheTermColumn_R_TERM_1) {
  At(mon_, "08:35");
  MustSubmit(AbsenceBody("math", "math-5a-1", "s3"));
  MustSubmit(ConductedBody("math", "math-5a-1", "Дроби"));
  MustSubmit(MarkBody("math", "m1", "math-5a-1", "s1", 5));
  MustSubmit(MarkBody("math", "m2", "math-5a-1", "s1", 3, v1::WORK_TYPE_CONTROL_WORK));
  MustSubmit(HomeworkBody("math", "h1", "math-5a-1", "№ 12, 14"));
  v1::JournalPageView page = Page("5a", "math");
  ASSERT_EQ(page.lessons_size(), 3);  // Sep 8, Oct 6, Oct 8, in date order
  EXPECT_EQ(page.lessons(1).lesson_id(), "math-5a-1");
  EXPECT_EQ(page.lessons(1).topic(), "Дроби");
  ASSERT_EQ(page.lessons(1).homework_size(), 1);
  EXPECT_EQ(page.lessons(1).homework(0).text(), "№ 12, 14");
  ASSERT_EQ(page.rows_size(), 3);
  const auto* s1 = Row(page, "s1");
  ASSERT_NE(s1, nullptr);
  ASSERT_EQ(s1->cells_size(), 1);
  EXPECT_EQ(s1->cells(0).marks_size(), 2);
  EXPECT_EQ(s1->marks_count(), 2);
  EXPECT_EQ(s1->marks_needed(), 7);  // 5 h/week
  // (5*100 + 3*200) / 300 = 3.67 -> 4
  EXPECT_EQ(s1->weighted_mean_x100(), 367);
  EXPECT_EQ(s1->suggested_mark(), 4);
  const auto* s3 = Row(page, "s3");
  ASSERT_EQ(s3->cells_size(), 1);
  EXPECT_EQ(s3->cells(0).attendance(), v1::ATTENDANCE_STATUS_ABSENT);
  EXPECT_EQ(s3->lessons_missed(), 1);
}

// R-TERM-1: the year mark is suggested on the page of the year's last period as the mean of the
// period marks (rounded half up), beside the year mark once recorded.
TEST_F(ViewsTest, TheLastPeriodsPageSuggestsTheYearMark_R_TERM_1) {
  v1::EventBody policy = Body("director");
  auto* m = policy.mutable_school_policy_set()->mutable_policy()->add_term_mark_minimums();
  m->set_weekly_hours(1);
  m->set_min_marks(0);  // term marks without current marks, for the test
  MustSubmit(policy);
  const school::Day ends[4] = {D(2025, 10, 24), D(2025, 12, 26), D(2026, 3, 20), D(2026, 5, 26)};
  const int values[4] = {5, 4, 4, 5};
  for (int t = 0; t < 4; ++t) {
    At(ends[t], "15:00");
    MustSubmit(TermMarkBody("math", "s1", "math", v1::PERIOD_KIND_TERM, t + 1, values[t]));
  }
  v1::JournalPageView first_page = Page("5a", "math", 1);
  school::AddEditingDetails(State(), first_page);
  const auto* first = Row(first_page, "s1");
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->suggested_year_mark(), 0) << "only the last period's page";
  v1::JournalPageView last = Page("5a", "math", 4);
  school::AddEditingDetails(State(), last);
  const auto* s1 = Row(last, "s1");
  ASSERT_NE(s1, nullptr);
  EXPECT_EQ(s1->period_marks_mean_x100(), 450);
  EXPECT_EQ(s1->suggested_year_mark(), 5);
  EXPECT_FALSE(s1->has_year_mark());
  At(D(2026, 5, 28), "12:00");
  MustSubmit(TermMarkBody("math", "s1", "math", v1::PERIOD_KIND_YEAR, 0, 5));
  last = Page("5a", "math", 4);
  school::AddEditingDetails(State(), last);
  s1 = Row(last, "s1");
  ASSERT_NE(s1, nullptr);
  EXPECT_EQ(s1->year_mark().value(), 5);
}

TEST_F(ViewsTest, DiaryWeekShowsOnlyTheStudentsOwnCells_R_ACC_3) {
  At(mon_, "08:35");
  MustSubmit(MarkBody("math", "m1", "math-5a-1", "s1", 5));
  MustSubmit(MarkBody("math", "m2", "math-5a-1", "s2", 2));
  v1::EventBody hw = HomeworkBody("math", "h1", "math-5a-1", "для s2");
  hw.mutable_homework_assigned()->add_student_ids("s2");
  MustSubmit(hw);
  auto week = Reader().DiaryWeek(State(), kSchool, "s1", mon_);
  ASSERT_TRUE(week.has_value()) << week.error().ToString();
  ASSERT_EQ(week->days_size(), 7);
  const auto& monday = week->days(0);
  ASSERT_EQ(monday.lessons_size(), 3);  // math, russian, pe
  EXPECT_EQ(monday.lessons(0).lesson().lesson_id(), "math-5a-1");
  ASSERT_EQ(monday.lessons(0).cell().marks_size(), 1);
  EXPECT_EQ(monday.lessons(0).cell().marks(0).value(), 5);
  // Who entered the mark, named in the week's names.
  EXPECT_EQ(monday.lessons(0).cell().marks(0).recorded_by(), "math");
  bool named = false;
  for (const auto& n : week->names()) named |= n.id() == "math" && !n.name().empty();
  EXPECT_TRUE(named);
  EXPECT_EQ(monday.lessons(0).cell().student_id(), "s1");
  EXPECT_EQ(monday.lessons(0).lesson().homework_size(), 0);  // s2's individual homework
  auto week2 = Reader().DiaryWeek(State(), kSchool, "s2", mon_);
  ASSERT_TRUE(week2.has_value());
  EXPECT_EQ(week2->days(0).lessons(0).lesson().homework_size(), 1);
  EXPECT_EQ(week2->days(2).lessons_size(), 1);  // Wednesday's math
}

TEST_F(ViewsTest, ApprovedCorrectionAndInvalidationReachTheViews_R_COR_1_R_SEC_3) {
  At(mon_, "08:35");
  MustSubmit(MarkBody("math", "m1", "math-5a-1", "s1", 3));
  At(mon_, "21:00");
  MustSubmit(MarkBody("math", "m2", "math-5a-1", "s2", 2));  // forged with math's credential
  At(mon_ + 1, "08:00");
  MustSubmit(CorrectionBody("math", "r1", "m1", 4));
  EXPECT_EQ(Row(Page("5a", "math"), "s1")->cells(0).marks(0).value(), 3);  // not yet approved
  MustSubmit(ApproveBody("deputy", "r1"));
  auto corrected = Row(Page("5a", "math"), "s1")->cells(0).marks(0);
  EXPECT_EQ(corrected.value(), 4);
  EXPECT_TRUE(corrected.corrected());
  ASSERT_EQ(Row(Page("5a", "math"), "s2")->cells_size(), 1);

  At(mon_, "20:00");
  const int64_t from = clock_.NowMicros();
  At(mon_ + 1, "09:00");
  MustSubmit(ActBody("director", {.invalid_from_us = from}));
  // The forged mark is gone from the page and the diary; so is the correction that rested on the
  // compromised credential (filed after the moment), so m1 shows its original 3 again.
  v1::JournalPageView page = Page("5a", "math");
  EXPECT_EQ(Row(page, "s2")->cells_size(), 0);
  EXPECT_EQ(Row(page, "s1")->cells(0).marks(0).value(), 3);
  auto week = Reader().DiaryWeek(State(), kSchool, "s2", mon_);
  ASSERT_TRUE(week.has_value());
  EXPECT_EQ(week->days(0).lessons(0).cell().marks_size(), 0);
  // The cell's history index lists every event that touched it.
  EXPECT_EQ(State().CellEvents(kSchool, "math-5a-1", "s1").size(),
            4u);  // mark, request, approval, the Act
}

// Replay equals incremental: the views rebuilt from zero are byte-identical.
TEST_F(ViewsTest, ReplayFromZeroEqualsIncremental) {
  At(mon_, "08:35");
  MustSubmit(AbsenceBody("math", "math-5a-1", "s3"));
  MustSubmit(ConductedBody("math", "math-5a-1", "Дроби"));
  MustSubmit(MarkBody("math", "m1", "math-5a-1", "s1", 5));
  MustSubmit(HomeworkBody("math", "h1", "math-5a-1", "№ 12"));
  At(mon_ + 1, "09:00");
  MustSubmit(CorrectionBody("math", "r1", "m1", 4));
  MustSubmit(ApproveBody("deputy", "r1"));
  auto& ledger = ledger_->ledger();
  auto incremental = school::DumpViews(ledger.db(), ledger.column_families().views);
  ASSERT_TRUE(incremental.has_value());
  ASSERT_GT(incremental->size(), 10u);  // views only: the history indexes live in the state
  ASSERT_OK(school::ClearViews(ledger.db(), ledger.column_families().views));
  ASSERT_OK(ledger_->Open());  // reopen: CatchUp rebuilds the views from entry 1
  auto replayed =
      school::DumpViews(ledger_->ledger().db(), ledger_->ledger().column_families().views);
  ASSERT_TRUE(replayed.has_value());
  EXPECT_EQ(*replayed, *incremental);
}

// A lesson moved between entries written together (a catch-up writes many entries' views at
// once): the old column and diary keys are gone, the cells sit under the new date, and a replay
// from zero equals the views written entry by entry.
TEST_F(ViewsTest, ReplayAcrossALessonMoveEqualsIncremental) {
  At(mon_, "07:00");
  v1::EventBody move = Body("methodist");
  move.mutable_lesson_moved()->set_lesson_id("math-5a-1");
  *move.mutable_lesson_moved()->mutable_new_date() = Date(mon_ + 1);
  move.mutable_lesson_moved()->set_new_period(3);
  MustSubmit(move);
  At(mon_ + 1, "10:30");
  MustSubmit(ConductedBody("math", "math-5a-1", "Дроби"));
  MustSubmit(MarkBody("math", "m1", "math-5a-1", "s1", 5));
  auto& ledger = ledger_->ledger();
  auto incremental = school::DumpViews(ledger.db(), ledger.column_families().views);
  ASSERT_TRUE(incremental.has_value());
  const std::string moved_to = school::DayPeriodKey(mon_ + 1, 3);
  int lesson_keys = 0;
  for (const auto& [key, value] : *incremental) {
    if (key.ends_with("/math-5a-1") && key.starts_with("L/")) {
      ++lesson_keys;
      EXPECT_NE(key.find(moved_to), std::string::npos) << key;
    }
    if (key.starts_with("C/") && key.find("/math-5a-1/") != std::string::npos) {
      EXPECT_NE(key.find(moved_to), std::string::npos) << key;
    }
  }
  EXPECT_EQ(lesson_keys, 1);
  ASSERT_OK(school::ClearViews(ledger.db(), ledger.column_families().views));
  ASSERT_OK(ledger_->Open());
  auto replayed =
      school::DumpViews(ledger_->ledger().db(), ledger_->ledger().column_families().views);
  ASSERT_TRUE(replayed.has_value());
  EXPECT_EQ(*replayed, *incremental);
}

// `ejournal replay` in a second process rebuilds the views from zero, byte-identical, even after
// a view was damaged.
TEST_F(ViewsTest, ReplayInASecondProcessEqualsIncremental) {
  At(mon_, "08:35");
  MustSubmit(ConductedBody("math", "math-5a-1", "Дроби"));
  MustSubmit(MarkBody("math", "m1", "math-5a-1", "s1", 5));
  MustSubmit(AbsenceBody("math", "math-5a-1", "s3"));
  At(mon_ + 1, "09:00");
  MustSubmit(CorrectionBody("math", "r1", "m1", 4));
  MustSubmit(ApproveBody("deputy", "r1"));
  auto& ledger = ledger_->ledger();
  auto incremental = school::DumpViews(ledger.db(), ledger.column_families().views);
  ASSERT_TRUE(incremental.has_value());
  // Damage: a cell says something else, and a stray key appears.
  rocksdb::WriteOptions wo;
  ASSERT_TRUE(ledger.db()
                  ->Put(wo, ledger.column_families().views, incremental->front().first, "junk")
                  .ok());
  ASSERT_TRUE(ledger.db()->Put(wo, ledger.column_families().views, "C/stray", "x").ok());
  const uint64_t size = ledger.size();
  ledger_->Close();
  ProcessResult r = RunProcess({EJOURNAL_CLI, "replay", "--data", ledger_->data_dir()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("replayed " + std::to_string(size) + " events"), std::string::npos) << r.out;
  ASSERT_OK(ledger_->Open());
  auto replayed =
      school::DumpViews(ledger_->ledger().db(), ledger_->ledger().column_families().views);
  ASSERT_TRUE(replayed.has_value());
  EXPECT_EQ(*replayed, *incremental);
}

// View keys sort by date then period because DayPeriodKey is fixed-width digits ("%06d%02d" of
// day + 100000 and the period clamped to 0..99); the keys already stored depend on this format.
TEST(DayPeriodKeyTest, IsFixedWidthDigitsThatSortByDayThenPeriod) {
  EXPECT_EQ(school::DayPeriodKey(0, 3), "10000003");
  EXPECT_EQ(school::DayPeriodKey(20'000, 12), "12000012");
  EXPECT_EQ(school::DayPeriodKey(-100'000, 0), "00000000");
  EXPECT_EQ(school::DayPeriodKey(5, -1), "10000500");
  EXPECT_EQ(school::DayPeriodKey(5, 250), "10000599");
  EXPECT_EQ(school::DayPeriodKey(-100'001, 1), "-0000101");  // outside the range: as snprintf
  EXPECT_LT(school::DayPeriodKey(20'000, 9), school::DayPeriodKey(20'000, 10));
  EXPECT_LT(school::DayPeriodKey(20'000, 99), school::DayPeriodKey(20'001, 0));
}

}  // namespace
}  // namespace ejournal::testing
