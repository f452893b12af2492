// Lessons from the timetable (projections/lesson_generation.h, R-SET-1, R-PLAN-1) and the set-up
// view (projections/setup_view.h), on the fixture's school through the real ledger: the generated
// bodies are signed by the methodist and admitted by the real rules.
#include "projections/lesson_generation.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <vector>

#include "projections/plan_progress.h"
#include "projections/setup_view.h"
#include "projections/week_timetable.h"
#include "tests/support/school_fixture.h"

namespace ejournal::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class LessonGenerationTest : public SchoolFixture {
 protected:
  void AddSlot(const std::string& id, const std::string& subject, const std::string& teacher,
               v1::Weekday weekday, int period, school::Day first = D(2025, 9, 1)) {
    v1::EventBody b = Body("methodist");
    auto* t = b.mutable_timetable_slot_set();
    t->set_slot_id(id);
    t->set_class_id("5a");
    t->set_subject_id(subject);
    t->set_teacher_id(teacher);
    t->set_weekday(weekday);
    t->set_period(period);
    t->set_room("12");
    *t->mutable_valid()->mutable_first_day() = Date(first);
    *b.mutable_business_date() = Date(first);
    MustSubmit(b);
  }
  // Generates [from, to] and records every body as the methodist.
  school::GeneratedLessons GenerateAndRecord(school::Day from, school::Day to) {
    school::GeneratedLessons g = school::GenerateLessons(School(), from, to);
    for (const v1::EventBody& payload : g.bodies) {
      v1::EventBody b = Body("methodist");
      b.MergeFrom(payload);
      MustSubmit(b);
    }
    return g;
  }
  struct Topic {
    const char* title;
    int hours;
    v1::WorkType work;
  };
  // The math teacher's КТП of 5a: for `term` (0: the year), the topics numbered in order.
  v1::EventBody PlanBody(const std::string& plan_id, int term,
                         std::initializer_list<Topic> topics) {
    v1::EventBody plan = Body("math");
    auto* p = plan.mutable_planned_topics_set();
    p->set_plan_id(plan_id);
    p->set_class_id("5a");
    p->set_subject_id("math");
    p->set_academic_year_id("2025");
    p->set_term_number(term);
    int n = 0;
    for (const Topic& topic : topics) {
      auto* t = p->add_topics();
      t->set_number(++n);
      t->set_title(topic.title);
      t->set_hours(topic.hours);
      t->set_planned_work_type(topic.work);
    }
    return plan;
  }
  std::vector<std::string> DatesOf(const school::GeneratedLessons& g) {
    std::vector<std::string> out;
    for (const auto& b : g.bodies) {
      if (b.has_lesson_scheduled()) {
        out.push_back(school::DayString(*school::DayOf(b.lesson_scheduled().date())));
      }
    }
    return out;
  }
};

TEST_F(LessonGenerationTest, GenerationSkipsHolidaysAndGeneratingAgainRecordsNothing) {
  AddSlot("mon-4", "math", "math", v1::WEEKDAY_MONDAY, 4);
  AddSlot("tue-1", "russian", "russian", v1::WEEKDAY_TUESDAY, 1);
  // 20 Oct .. 9 Nov 2025: the autumn holidays (25 Oct .. 4 Nov) take two Mondays and a Tuesday.
  school::GeneratedLessons g = GenerateAndRecord(D(2025, 10, 20), D(2025, 11, 9));
  EXPECT_THAT(DatesOf(g), ElementsAre("2025-10-20", "2025-10-21"));
  EXPECT_EQ(g.scheduled, 2);
  ASSERT_FALSE(g.days_off.empty());
  EXPECT_THAT(g.days_off.front(), HasSubstr("осенние каникулы"));
  const school::Lesson* l =
      School().FindLesson(school::GeneratedLessonId("mon-4", D(2025, 10, 20)));
  ASSERT_NE(l, nullptr);
  EXPECT_EQ(l->period, 4);
  EXPECT_EQ(l->room, "12");
  EXPECT_EQ(l->timetable_slot_id, "mon-4");

  school::GeneratedLessons again =
      school::GenerateLessons(School(), D(2025, 10, 20), D(2025, 11, 9));
  EXPECT_TRUE(again.bodies.empty());
  EXPECT_EQ(again.already, 2);
}

TEST_F(LessonGenerationTest, AGeneratedLessonCarriesTheNextTopicOfThePlan_R_PLAN_1) {
  MustSubmit(PlanBody("ktp-5a-math", 0,
                      {{"Натуральные числа", 1, {}},
                       {"Сложение и вычитание", 2, {}},
                       {"Умножение", 1, {}},
                       {"Деление", 1, {}}}));
  ASSERT_EQ(School().plans.at("ktp-5a-math").Hours(), 5);
  // The lessons scheduled before the plan take its topics in lesson order, each topic for its
  // hours; another subject's lesson has none.
  auto topic_of = [&](const char* lesson) {
    return school::PlannedTopicOf(School(), *School().FindLesson(lesson));
  };
  EXPECT_EQ(topic_of("math-5a-sep"), "Натуральные числа");
  EXPECT_EQ(topic_of("math-5a-1"), "Сложение и вычитание");
  EXPECT_EQ(topic_of("math-5a-2"), "Сложение и вычитание");
  EXPECT_EQ(topic_of("rus-5a-1"), "");

  AddSlot("mon-4", "math", "math", v1::WEEKDAY_MONDAY, 4);
  // The fixture's 5a already has three math lessons this year (8 Sep, 6 Oct, 8 Oct): the fourth
  // hour of the plan is "Умножение", the fifth "Деление".
  school::GeneratedLessons g = GenerateAndRecord(D(2025, 10, 13), D(2025, 10, 20));
  ASSERT_EQ(g.scheduled, 2);
  EXPECT_EQ(g.bodies[0].lesson_scheduled().planned_topic(), "Умножение");
  EXPECT_EQ(g.bodies[1].lesson_scheduled().planned_topic(), "Деление");
}

// R-PLAN-1: a plan beside its lessons and the teaching load; R-PLAN-2: its control works on the
// students' lessons.
TEST_F(LessonGenerationTest,
       ThePlanStandsBesideItsLessonsTheLoadAndTheControlWorks_R_PLAN_1_R_PLAN_2) {
  MustSubmit(PlanBody("ktp-5a-math-t1", 1,
                      {{"Натуральные числа", 1, {}},
                       {"Сложение", 1, {}},
                       {"Контрольная работа № 1", 1, v1::WORK_TYPE_CONTROL_WORK},
                       {"Умножение", 1, {}}}));
  At(D(2025, 10, 6), "12:30");
  MustSubmit(ConductedBody("math", "math-5a-1", "Сложение"));

  const v1::PlanProgressView all = school::PlanProgressOf(State(), School(), "");
  ASSERT_EQ(all.plans_size(), 1);
  const v1::PlanProgress& pp = all.plans(0);
  EXPECT_EQ(pp.class_label(), "5А");
  EXPECT_EQ(pp.teacher_id(), "math");
  EXPECT_EQ(pp.planned_hours(), 4);
  // The load's 5 hours a week over the first quarter's 8 weeks (1 Sep – 24 Oct).
  EXPECT_EQ(pp.weekly_hours(), 5);
  EXPECT_EQ(pp.weeks(), 8);
  EXPECT_EQ(pp.load_hours(), 40);
  EXPECT_EQ(pp.hours_note(),
            "По плану 4 часа, по нагрузке 40 часов (5 в неделю × 8 учебных недель)");
  // The fixture's three math lessons of 5a (8 Sep, 6 Oct, 8 Oct) take the first three hours.
  EXPECT_EQ(pp.lessons_scheduled(), 3);
  EXPECT_EQ(pp.lessons_held(), 1);
  ASSERT_EQ(pp.lessons_size(), 4);
  EXPECT_EQ(pp.lessons(0).lesson_id(), "math-5a-sep");
  EXPECT_FALSE(pp.lessons(0).held());
  EXPECT_TRUE(pp.lessons(1).held());
  EXPECT_EQ(pp.lessons(1).topic(), "Сложение");
  EXPECT_EQ(pp.lessons(2).lesson_id(), "math-5a-2");
  EXPECT_EQ(pp.lessons(2).planned_work_type(), v1::WORK_TYPE_CONTROL_WORK);
  EXPECT_TRUE(pp.lessons(3).lesson_id().empty());
  // A teacher reads the plans of their own load only.
  EXPECT_EQ(school::PlanProgressOf(State(), School(), "math").plans_size(), 1);
  EXPECT_EQ(school::PlanProgressOf(State(), School(), "russian").plans_size(), 0);

  // The control work falls on 8 Oct, for the students of 5a.
  const v1::ControlWorksView works = school::ControlWorksOf(School(), "s1", D(2025, 9, 1));
  ASSERT_EQ(works.works_size(), 1);
  EXPECT_EQ(works.works(0).lesson_id(), "math-5a-2");
  EXPECT_EQ(works.works(0).subject_name(), School().SubjectName("math"));
  EXPECT_EQ(works.works(0).topic(), "Контрольная работа № 1");
  EXPECT_EQ(school::ControlWorksOf(School(), "s1", D(2025, 10, 9)).works_size(), 0);
  EXPECT_EQ(school::ControlWorksOf(School(), "n1", D(2025, 9, 1)).works_size(), 0);  // 9a
}

// R-SET-1: the week as the timetable made it, for a class and for a teacher, each change from the
// weekly timetable said in Russian.
TEST_F(LessonGenerationTest, TheWeekShowsTheTimetableAndItsChanges_R_SET_1) {
  AddSlot("mon-4", "math", "math", v1::WEEKDAY_MONDAY, 4);
  AddSlot("tue-4", "russian", "russian", v1::WEEKDAY_TUESDAY, 4);
  GenerateAndRecord(D(2025, 11, 10), D(2025, 11, 16));
  const std::string monday = school::GeneratedLessonId("mon-4", D(2025, 11, 10));
  const std::string tuesday = school::GeneratedLessonId("tue-4", D(2025, 11, 11));
  At(D(2025, 11, 7), "15:00");
  v1::EventBody move = Body("methodist");
  move.mutable_lesson_moved()->set_lesson_id(monday);
  *move.mutable_lesson_moved()->mutable_new_date() = Date(D(2025, 11, 12));
  move.mutable_lesson_moved()->set_new_period(5);
  move.mutable_lesson_moved()->set_new_room("14");
  move.mutable_lesson_moved()->set_reason("олимпиада");
  *move.mutable_business_date() = Date(D(2025, 11, 12));
  MustSubmit(move);
  MustSubmit(SubstitutionBody("methodist", "sub-1", tuesday, "russian", "болезнь"));

  const v1::TimetableWeekView week =
      school::WeekTimetableOf(School(), "5a", "", school::WeekStart(D(2025, 11, 13)));
  EXPECT_EQ(week.title(), "5А");
  auto find = [&](const v1::TimetableWeekView& w, const std::string& id) {
    for (const auto& l : w.lessons()) {
      if (l.lesson_id() == id) return l;
    }
    ADD_FAILURE() << id << " is not in the week";
    return v1::TimetableLessonView();
  };
  const v1::TimetableLessonView moved = find(week, monday);
  EXPECT_EQ(moved.period(), 5);
  EXPECT_EQ(moved.subject_name(), School().SubjectName("math"));
  EXPECT_THAT(moved.changes(),
              ::testing::ElementsAre("перенесён с понедельник, 10.11.2025, 4-го урока",
                                     "кабинет 14 вместо 12"));
  const v1::TimetableLessonView substituted = find(week, tuesday);
  EXPECT_EQ(substituted.teacher_name(), School().UserName("sub"));
  EXPECT_THAT(substituted.changes(),
              ::testing::ElementsAre("замена: ведёт " + School().UserName("sub") + " вместо " +
                                     School().UserName("russian")));
  // The substitute's week has the lesson; the absent teacher's has not.
  EXPECT_EQ(school::WeekTimetableOf(School(), "", "sub", D(2025, 11, 10)).lessons_size(), 1);
  EXPECT_EQ(school::WeekTimetableOf(School(), "", "russian", D(2025, 11, 10)).lessons_size(), 0);
  EXPECT_EQ(school::WeekTimetableOf(School(), "", "math", D(2025, 11, 10)).lessons_size(), 1);
}

TEST_F(LessonGenerationTest, ATwoWeekTimetableGivesItsLessonsInAlternateWeeksThroughHolidays) {
  // The year starts on Monday 1 Sep 2025 (week 1). Odd weeks: math; even weeks: Russian, in the
  // same place.
  for (auto [id, subject, weeks] : {std::tuple{"mon-odd", "math", v1::WEEK_PARITY_ODD},
                                    std::tuple{"mon-even", "russian", v1::WEEK_PARITY_EVEN}}) {
    v1::EventBody b = Body("methodist");
    auto* t = b.mutable_timetable_slot_set();
    t->set_slot_id(id);
    t->set_class_id("5a");
    t->set_subject_id(subject);
    t->set_teacher_id(subject);
    t->set_weekday(v1::WEEKDAY_MONDAY);
    t->set_period(3);
    t->set_room("12");
    t->set_weeks(weeks);
    *t->mutable_valid()->mutable_first_day() = Date(D(2025, 9, 1));
    *b.mutable_business_date() = Date(D(2025, 9, 1));
    MustSubmit(b);
  }
  // 13 Oct (week 7) .. 16 Nov (week 11): the autumn holidays take 27 Oct (week 9) and 3 Nov
  // (week 10), and the weeks count on through them.
  school::GeneratedLessons g = GenerateAndRecord(D(2025, 10, 13), D(2025, 11, 16));
  EXPECT_THAT(DatesOf(g), ElementsAre("2025-10-13", "2025-10-20", "2025-11-10"));
  EXPECT_NE(School().FindLesson(school::GeneratedLessonId("mon-odd", D(2025, 10, 13))), nullptr);
  EXPECT_NE(School().FindLesson(school::GeneratedLessonId("mon-even", D(2025, 10, 20))), nullptr);
  EXPECT_NE(School().FindLesson(school::GeneratedLessonId("mon-odd", D(2025, 11, 10))), nullptr);
  EXPECT_EQ(School().StudyWeek(School().classes.find("5a")->second, D(2025, 11, 16)), 11);
}

TEST_F(LessonGenerationTest, AChangeFromADateMovesOnlyLaterLessonsAndKeepsHeldOnes) {
  AddSlot("mon-4", "math", "math", v1::WEEKDAY_MONDAY, 4);
  GenerateAndRecord(D(2025, 11, 5), D(2025, 11, 23));  // Mondays 10 and 17 Nov
  // The lesson of 10 Nov was held before the change was entered.
  At(D(2025, 11, 10), "12:30");
  MustSubmit(
      ConductedBody("math", school::GeneratedLessonId("mon-4", D(2025, 11, 10)), "Умножение"));

  // From 10 Nov the lesson moves to Thursday, period 2.
  v1::EventBody end = Body("methodist");
  end.mutable_timetable_slot_removed()->set_slot_id("mon-4");
  *end.mutable_timetable_slot_removed()->mutable_effective_from() = Date(D(2025, 11, 10));
  *end.mutable_business_date() = Date(D(2025, 11, 10));
  MustSubmit(end);
  AddSlot("thu-2", "math", "math", v1::WEEKDAY_THURSDAY, 2, D(2025, 11, 10));

  school::GeneratedLessons g = GenerateAndRecord(D(2025, 11, 5), D(2025, 11, 23));
  EXPECT_EQ(g.cancelled, 1);     // 17 Nov
  EXPECT_EQ(g.kept.size(), 1u);  // 10 Nov, held
  EXPECT_THAT(DatesOf(g), ElementsAre("2025-11-13", "2025-11-20"));
  EXPECT_TRUE(School().FindLesson(school::GeneratedLessonId("mon-4", D(2025, 11, 17)))->cancelled);
  EXPECT_FALSE(School().FindLesson(school::GeneratedLessonId("mon-4", D(2025, 11, 10)))->cancelled);
}

TEST_F(LessonGenerationTest, TheSetUpViewNamesEveryFactWithItsCurrentValue) {
  AddSlot("mon-4", "math", "math", v1::WEEKDAY_MONDAY, 4);
  const v1::SetupView view = school::SetupViewOf(School(), D(2025, 10, 6), 42);
  EXPECT_EQ(view.as_of_sequence(), 42u);
  ASSERT_EQ(view.years_size(), 1);
  ASSERT_EQ(view.years(0).holidays_size(), 1);
  EXPECT_EQ(view.years(0).holidays(0).name(), "осенние каникулы");
  EXPECT_EQ(view.years(0).term_schemes(0).kind(), v1::TERM_KIND_QUARTER);
  bool found_5a = false;
  for (const auto& c : view.classes()) {
    if (c.created().class_id() != "5a") continue;
    found_5a = true;
    EXPECT_EQ(c.label(), "5А");
    EXPECT_THAT(c.student_ids(), ElementsAre("s1", "s2", "s3"));
  }
  EXPECT_TRUE(found_5a);
  for (const auto& u : view.users()) {
    if (u.user().user_id() == "s1") {
      EXPECT_EQ(u.class_id(), "5a");
      EXPECT_THAT(u.guardians(), ElementsAre("parent"));
    }
    if (u.user().user_id() == "parent") {
      EXPECT_THAT(u.children(), ElementsAre("s1"));
    }
  }
  ASSERT_EQ(view.timetable_size(), 1);
  EXPECT_EQ(view.timetable(0).weekday(), v1::WEEKDAY_MONDAY);
  EXPECT_GE(view.loads_size(), 5);
}

}  // namespace
}  // namespace ejournal::testing
