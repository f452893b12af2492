// The timetable rules' home: R-SET-1 (no lesson on a holiday or a day off) and R-SET-3 (no
// teacher, class or subgroup, or room in two places at once), through the real ledger and
// admission (SchoolFixture).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "tests/projections/rules_fixture.h"
#include "tests/support/status_matchers.h"

namespace ejournal::testing {
namespace {

using ::testing::HasSubstr;

class TimetableRulesTest : public SchoolFixture {
 protected:
  // A weekly slot valid from `first` (to the end of the year when `last` is kNoDay).
  v1::EventBody Slot(const std::string& id, const std::string& class_id, const std::string& subject,
                     const std::string& teacher, v1::Weekday weekday, int period,
                     const std::string& room = "", const std::string& subgroup = "",
                     school::Day first = D(2025, 9, 1), school::Day last = school::kNoDay) {
    v1::EventBody b = Body("methodist");
    auto* t = b.mutable_timetable_slot_set();
    t->set_slot_id(id);
    t->set_class_id(class_id);
    t->set_subgroup_id(subgroup);
    t->set_subject_id(subject);
    t->set_teacher_id(teacher);
    t->set_weekday(weekday);
    t->set_period(period);
    t->set_room(room);
    *t->mutable_valid()->mutable_first_day() = Date(first);
    if (last != school::kNoDay) *t->mutable_valid()->mutable_last_day() = Date(last);
    *b.mutable_business_date() = Date(first);
    return b;
  }
  void DefineSubgroup(const std::string& id, const std::string& student) {
    v1::EventBody b = Body("admin");
    auto* g = b.mutable_subgroup_defined();
    g->set_subgroup_id(id);
    g->set_class_id("5a");
    g->set_subject_id("math");
    g->set_name("Математика, " + id);
    g->add_student_ids(student);
    *g->mutable_effective_from() = Date(D(2025, 9, 1));
    *b.mutable_business_date() = Date(D(2025, 9, 1));
    MustSubmit(b);
  }
  v1::EventBody Move(const std::string& lesson_id, school::Day day, int period) {
    v1::EventBody b = Body("methodist");
    auto* m = b.mutable_lesson_moved();
    m->set_lesson_id(lesson_id);
    *m->mutable_new_date() = Date(day);
    m->set_new_period(period);
    m->set_reason("перенос");
    *b.mutable_business_date() = Date(day);
    return b;
  }
};

// ---- R-SET-1 ---------------------------------------------------------------------------------

TEST_F(TimetableRulesTest, ALessonOnAHolidayIsRefusedNamingTheHoliday) {
  auto r = Submit(ScheduleLesson("h-1", "5a", "math", "math", D(2025, 10, 27), 1));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().rule(), "R-SET-1");
  EXPECT_THAT(r.error().message(), HasSubstr("осенние каникулы"));
  EXPECT_THAT(r.error().message(), HasSubstr("27.10.2025"));
  EXPECT_EQ(School().FindLesson("h-1"), nullptr);
}

TEST_F(TimetableRulesTest, ALessonOnADayOffOfTheSchoolWeekIsRefused) {
  // The fixture's scheme names no school weekdays: Monday..Friday (school.proto TermScheme).
  auto r = Submit(ScheduleLesson("sat-1", "5a", "math", "math", D(2025, 10, 11), 1));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().rule(), "R-SET-1");
  EXPECT_THAT(r.error().message(), HasSubstr("суббота"));
}

TEST_F(TimetableRulesTest, ASixDayWeekHasLessonsOnSaturday) {
  v1::EventBody year = Body("admin");
  auto* y = year.mutable_academic_year_defined();
  y->set_academic_year_id("2025");
  *y->mutable_dates()->mutable_first_day() = Date(D(2025, 9, 1));
  *y->mutable_dates()->mutable_last_day() = Date(D(2026, 5, 31));
  auto* scheme = y->add_term_schemes();
  scheme->set_grade_from(1);
  scheme->set_grade_to(11);
  scheme->set_kind(v1::TERM_KIND_HALF_YEAR);
  for (int wd = 1; wd <= 6; ++wd) scheme->add_school_weekdays(static_cast<v1::Weekday>(wd));
  auto* t1 = scheme->add_terms();
  t1->set_number(1);
  *t1->mutable_dates()->mutable_first_day() = Date(D(2025, 9, 1));
  *t1->mutable_dates()->mutable_last_day() = Date(D(2025, 12, 28));
  auto* t2 = scheme->add_terms();
  t2->set_number(2);
  *t2->mutable_dates()->mutable_first_day() = Date(D(2026, 1, 12));
  *t2->mutable_dates()->mutable_last_day() = Date(D(2026, 5, 26));
  MustSubmit(year);
  MustSubmit(ScheduleLesson("sat-1", "5a", "math", "math", D(2025, 10, 11), 1));
  auto sunday = Submit(ScheduleLesson("sun-1", "5a", "math", "math", D(2025, 10, 12), 1));
  ASSERT_FALSE(sunday.has_value());
  EXPECT_EQ(sunday.error().rule(), "R-SET-1");
}

TEST_F(TimetableRulesTest, ALessonIsNotMovedOntoAHoliday) {
  auto r = Submit(Move("math-5a-2", D(2025, 10, 28), 1));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().rule(), "R-SET-1");
  EXPECT_EQ(School().FindLesson("math-5a-2")->date, D(2025, 10, 8));
}

TEST_F(TimetableRulesTest, AQuarantineOfOneClassStopsItsLessonsRecordsButNotOtherClasses) {
  v1::EventBody q = Body("admin");
  auto* h = q.mutable_holiday_declared();
  h->set_holiday_id("q-5a");
  h->set_academic_year_id("2025");
  *h->mutable_holiday()->mutable_dates()->mutable_first_day() = Date(D(2025, 10, 6));
  *h->mutable_holiday()->mutable_dates()->mutable_last_day() = Date(D(2025, 10, 7));
  h->mutable_holiday()->set_kind(v1::HOLIDAY_KIND_QUARANTINE);
  h->mutable_holiday()->set_name("Карантин по гриппу");
  h->mutable_holiday()->add_class_ids("5a");
  *q.mutable_business_date() = Date(D(2025, 10, 6));
  MustSubmit(q);

  At(D(2025, 10, 6), "08:40");
  auto refused = Submit(MarkBody("math", "m-q", "math-5a-1", "s1", 5));
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().rule(), "R-SET-1");
  EXPECT_THAT(refused.error().message(), HasSubstr("Карантин по гриппу"));
  At(D(2025, 10, 6), "09:30");
  MustSubmit(MarkBody("math", "m-9a", "math-9a-1", "n1", 4));
}

TEST_F(TimetableRulesTest, ASlotOnADayOffOfTheClassesWeekIsRefused) {
  auto r = Submit(Slot("sat", "5a", "math", "math", v1::WEEKDAY_SATURDAY, 1));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().rule(), "R-SET-1");
  EXPECT_THAT(r.error().message(), HasSubstr("суббота — не учебный день"));
}

// ---- R-SET-3: the weekly timetable -------------------------------------------------------------

TEST_F(TimetableRulesTest, OneTeacherInTwoClassesAtOnceIsRefused) {
  MustSubmit(Slot("s-1", "5a", "math", "math", v1::WEEKDAY_MONDAY, 1, "12"));
  auto r = Submit(Slot("s-2", "9a", "math", "math", v1::WEEKDAY_MONDAY, 1, "14"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().rule(), "R-SET-3");
  EXPECT_THAT(r.error().message(), HasSubstr("понедельник, 1-й урок"));
  EXPECT_THAT(r.error().message(), HasSubstr("5А"));
  EXPECT_FALSE(School().timetable.contains("s-2"));
  // Another period, or the same period on another day, is free.
  MustSubmit(Slot("s-2", "9a", "math", "math", v1::WEEKDAY_MONDAY, 2, "14"));
  MustSubmit(Slot("s-3", "9a", "math", "math", v1::WEEKDAY_TUESDAY, 1, "14"));
}

TEST_F(TimetableRulesTest, OneClassWithTwoLessonsAtOnceIsRefusedButItsSubgroupsMeetInParallel) {
  MustSubmit(Slot("s-1", "5a", "math", "math", v1::WEEKDAY_MONDAY, 1));
  auto whole = Submit(Slot("s-2", "5a", "russian", "russian", v1::WEEKDAY_MONDAY, 1));
  ASSERT_FALSE(whole.has_value());
  EXPECT_EQ(whole.error().rule(), "R-SET-3");
  EXPECT_THAT(whole.error().message(), HasSubstr("у 5А уже есть урок"));

  DefineSubgroup("5a-math-1", "s1");
  DefineSubgroup("5a-math-2", "s2");
  MustSubmit(Slot("g-1", "5a", "math", "math", v1::WEEKDAY_TUESDAY, 1, "12", "5a-math-1"));
  MustSubmit(Slot("g-2", "5a", "math", "sub", v1::WEEKDAY_TUESDAY, 1, "13", "5a-math-2"));
  // The whole class cannot meet while one of its subgroups does.
  auto over = Submit(Slot("s-3", "5a", "pe", "pe", v1::WEEKDAY_TUESDAY, 1, "Спортзал"));
  ASSERT_FALSE(over.has_value());
  EXPECT_EQ(over.error().rule(), "R-SET-3");
}

TEST_F(TimetableRulesTest, OneRoomWithTwoLessonsAtOnceIsRefused) {
  MustSubmit(Slot("s-1", "5a", "math", "math", v1::WEEKDAY_MONDAY, 1, "12"));
  auto r = Submit(Slot("s-2", "9a", "russian", "russian", v1::WEEKDAY_MONDAY, 1, "12"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().rule(), "R-SET-3");
  EXPECT_THAT(r.error().message(), HasSubstr("кабинет 12 уже занят"));
  // Rooms left empty ("not fixed") never clash.
  MustSubmit(Slot("s-3", "9a", "russian", "russian", v1::WEEKDAY_MONDAY, 1, ""));
}

TEST_F(TimetableRulesTest, SlotsWhoseDatesDoNotOverlapDoNotClash) {
  MustSubmit(Slot("s-1", "5a", "math", "math", v1::WEEKDAY_MONDAY, 1, "12", "", D(2025, 9, 1),
                  D(2025, 12, 28)));
  MustSubmit(Slot("s-2", "9a", "math", "math", v1::WEEKDAY_MONDAY, 1, "12", "", D(2026, 1, 12)));
  // Re-issuing a slot with the same id replaces it: it never clashes with itself.
  MustSubmit(Slot("s-1", "5a", "math", "math", v1::WEEKDAY_MONDAY, 1, "12", "", D(2025, 9, 1),
                  D(2025, 12, 28)));
}

TEST_F(TimetableRulesTest, ATwoWeekTimetableSharesAPlaceBetweenItsWeeksButNotWithEveryWeek) {
  v1::EventBody odd = Slot("s-odd", "5a", "math", "math", v1::WEEKDAY_MONDAY, 1, "12");
  odd.mutable_timetable_slot_set()->set_weeks(v1::WEEK_PARITY_ODD);
  MustSubmit(odd);
  // The same teacher and room in the even weeks: no clash.
  v1::EventBody even = Slot("s-even", "9a", "math", "math", v1::WEEKDAY_MONDAY, 1, "12");
  even.mutable_timetable_slot_set()->set_weeks(v1::WEEK_PARITY_EVEN);
  MustSubmit(even);
  // A second odd-week lesson of the teacher, or an every-week one, meets the first.
  v1::EventBody odd_again = Slot("s-odd-2", "9a", "math", "math", v1::WEEKDAY_MONDAY, 1, "14");
  odd_again.mutable_timetable_slot_set()->set_weeks(v1::WEEK_PARITY_ODD);
  auto r = Submit(odd_again);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().rule(), "R-SET-3");
  auto every = Submit(Slot("s-every", "9a", "math", "math", v1::WEEKDAY_MONDAY, 1, "14"));
  ASSERT_FALSE(every.has_value());
  EXPECT_EQ(every.error().rule(), "R-SET-3");
  EXPECT_THAT(every.error().message(), HasSubstr("понедельник, 1-й урок"));
  EXPECT_FALSE(School().timetable.contains("s-every"));
}

TEST_F(TimetableRulesTest, ASlotEndedFromADateFreesItsPlaceFromThatDate) {
  MustSubmit(Slot("s-1", "5a", "math", "math", v1::WEEKDAY_MONDAY, 1, "12"));
  v1::EventBody end = Body("methodist");
  end.mutable_timetable_slot_removed()->set_slot_id("s-1");
  *end.mutable_timetable_slot_removed()->mutable_effective_from() = Date(D(2026, 1, 12));
  *end.mutable_business_date() = Date(D(2026, 1, 12));
  MustSubmit(end);
  EXPECT_EQ(School().timetable.at("s-1").last, D(2026, 1, 11));
  auto before =
      Submit(Slot("s-2", "9a", "math", "math", v1::WEEKDAY_MONDAY, 1, "14", "", D(2025, 12, 1)));
  ASSERT_FALSE(before.has_value());
  MustSubmit(Slot("s-2", "9a", "math", "math", v1::WEEKDAY_MONDAY, 1, "14", "", D(2026, 1, 12)));
}

TEST_F(TimetableRulesTest, RemovingASlotTheTimetableDoesNotHaveIsRefusedAndTheWriterGoesOn) {
  v1::EventBody b = Body("methodist");
  b.mutable_timetable_slot_removed()->set_slot_id("nowhere");
  auto r = Submit(b);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().rule(), "R-SET-3");
  MustSubmit(Slot("s-1", "5a", "math", "math", v1::WEEKDAY_MONDAY, 1, "12"));
}

TEST_F(TimetableRulesTest, ASlotNamesAClassSubjectAndTeacherOfTheSchool) {
  auto no_class = Submit(Slot("s-1", "7z", "math", "math", v1::WEEKDAY_MONDAY, 1));
  ASSERT_FALSE(no_class.has_value());
  EXPECT_EQ(no_class.error().rule(), "R-SET-3");
  auto not_teacher = Submit(Slot("s-1", "5a", "math", "parent", v1::WEEKDAY_MONDAY, 1));
  ASSERT_FALSE(not_teacher.has_value());
  EXPECT_THAT(not_teacher.error().message(), HasSubstr("не учитель"));
}

// ---- R-SET-3: the lessons --------------------------------------------------------------------

TEST_F(TimetableRulesTest, ALessonWhereItsTeacherIsAlreadyTeachingIsRefused) {
  // math-5a-1: the math teacher, Monday 2025-10-06, period 1.
  auto r = Submit(ScheduleLesson("x-1", "9a", "math", "math", D(2025, 10, 6), 1));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().rule(), "R-SET-3");
  EXPECT_THAT(r.error().message(), HasSubstr("06.10.2025, 1-й урок"));
}

TEST_F(TimetableRulesTest, ALessonIsNotMovedOntoItsClassesOtherLessonButACancelledOneFreesIt) {
  auto r = Submit(Move("math-5a-2", D(2025, 10, 6), 3));  // pe-5a-1 is there
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().rule(), "R-SET-3");
  EXPECT_THAT(r.error().message(), HasSubstr("у 5А уже есть урок"));

  v1::EventBody cancel = Body("methodist");
  cancel.mutable_lesson_cancelled()->set_lesson_id("pe-5a-1");
  cancel.mutable_lesson_cancelled()->set_reason("болезнь учителя");
  *cancel.mutable_business_date() = Date(D(2025, 10, 6));
  MustSubmit(cancel);
  MustSubmit(Move("math-5a-2", D(2025, 10, 6), 3));
}

}  // namespace
}  // namespace ejournal::testing
