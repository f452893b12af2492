// The rules of the journal (projections/rules_journal.cc): lessons and their records (R-LES-1..3),
// marks (R-MARK-1..5), attendance (R-ATT-1..2), homework (R-HW-1) and the school's own time
// (R-TIME-1); and RuleBook's deadlines as plain functions. The fixture and conventions:
// rules_fixture.h.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "ejournal/v1/ledger.pb.h"
#include "projections/lesson_generation.h"
#include "projections/reports.h"
#include "projections/rights.h"
#include "projections/rule_book.h"
#include "projections/school.h"
#include "tests/projections/rules_fixture.h"

namespace ejournal::testing {
namespace {

using school::Day;

// Every rule test starts from the fixture's set-up, admitted by the same rules.
TEST_F(RulesTest, FixtureSchoolIsAdmitted) {
  EXPECT_EQ(School().classes.size(), 3u);
  EXPECT_EQ(School().lessons.size(), 7u);
  EXPECT_EQ(State().size(), ledger_->ledger().size());
}

// ---- R-LES-1: records go into the column of an existing, held lesson ----

// No marks for a lesson that has not started, nor on a lesson that does not exist.
TEST_F(RulesTest, R_LES_1_NoMarksInTheFutureOrOutsideALesson) {
  At(mon_, "08:20");
  EXPECT_TRUE(IsRefused(Submit(MarkBody("math", "m1", "math-5a-1", "s1", 5)), kRefused, "R-LES-1"));
  At(mon_, "08:35");
  EXPECT_TRUE(
      IsRefused(Submit(MarkBody("math", "m1", "no-such-lesson", "s1", 5)), kRefused, "R-LES-1"));
  EXPECT_TRUE(IsRefused(Submit(MarkBody("math", "m1", "math-5a-1", "n1", 5)), kRefused, "R-LES-1"));
  MustSubmit(MarkBody("math", "m1", "math-5a-1", "s1", 5));
}

TEST_F(RulesTest, R_LES_1_NoRecordOnACancelledLessonAndHeldLessonsStay) {
  At(mon_, "07:00");
  v1::EventBody cancel = Body("methodist");
  cancel.mutable_lesson_cancelled()->set_lesson_id("math-5a-2");
  cancel.mutable_lesson_cancelled()->set_reason("карантин");
  MustSubmit(cancel);
  At(mon_, "08:40");
  MustSubmit(MarkBody("math", "m2", "math-5a-1", "s1", 5));
  v1::EventBody move = Body("methodist");
  move.mutable_lesson_moved()->set_lesson_id("math-5a-1");
  *move.mutable_lesson_moved()->mutable_new_date() = Date(mon_ + 1);
  move.mutable_lesson_moved()->set_new_period(1);
  EXPECT_TRUE(Refused(Submit(move), kRefused, "R-LES-1", "есть записи"));
  At(wed_, "08:40");
  EXPECT_TRUE(Refused(Submit(MarkBody("math", "m1", "math-5a-2", "s1", 5)), kRefused, "R-LES-1",
                      "Урок отменён"));
}

// ---- R-LES-2: lesson kinds ----

TEST_F(RulesTest, R_LES_2_ExtracurricularLessonGetsNoMarksNorAbsences) {
  At(mon_, "08:40");
  MustSubmit(
      ConductedBody("math", "math-5a-1", "Математический кружок", v1::LESSON_KIND_EXTRACURRICULAR));
  EXPECT_TRUE(Refused(Submit(MarkBody("math", "m1", "math-5a-1", "s1", 5)), kRefused, "R-LES-2",
                      "внеурочном занятии"));
  EXPECT_TRUE(IsRefused(Submit(AbsenceBody("math", "math-5a-1", "s2")), kRefused, "R-LES-2"));
  // A regular lesson gets both.
  At(mon_, "09:30");
  MustSubmit(ConductedBody("russian", "rus-5a-1", "Имя существительное"));
  MustSubmit(MarkBody("russian", "m2", "rus-5a-1", "s1", 5));
  MustSubmit(AbsenceBody("russian", "rus-5a-1", "s2"));
}

// R-LES-2: an extracurricular session records its real date and its order; R-LES-3's day is the
// real date, while the column (business_date) stays the scheduled lesson's.
TEST_F(RulesTest, R_LES_2_ExtracurricularSessionRecordsTheDayItWasHeld) {
  At(mon_ + 1, "15:00");  // Monday's column, held on Tuesday
  v1::EventBody held =
      ConductedBody("math", "math-5a-1", "Экскурсия в планетарий", v1::LESSON_KIND_EXTRACURRICULAR);
  held.mutable_lesson_conducted()->set_form("экскурсия");
  v1::EventBody no_date = held;
  no_date.mutable_lesson_conducted()->clear_held_on();
  EXPECT_TRUE(Refused(Submit(no_date), kMalformed, "R-LES-2", "дата, когда оно прошло"));
  v1::EventBody no_order = held;
  no_order.mutable_lesson_conducted()->clear_order_number();
  EXPECT_TRUE(Refused(Submit(no_order), kMalformed, "R-LES-2", "номером приказа"));
  v1::EventBody future = held;
  *future.mutable_lesson_conducted()->mutable_held_on() = Date(mon_ + 2);
  EXPECT_TRUE(Refused(Submit(future), kRefused, "R-LES-1", "ещё не наступила"));
  v1::EventBody monday = held;  // held on Monday, entered on Tuesday: not on its day
  EXPECT_TRUE(Refused(Submit(monday), kRefused, "R-LES-3", "06.10.2025"));
  *held.mutable_lesson_conducted()->mutable_held_on() = Date(mon_ + 1);
  MustSubmit(held);
  // A regular lesson records no such date.
  At(mon_ + 1, "15:05");
  v1::EventBody regular = ConductedBody("russian", "rus-5a-1", "Имя существительное");
  *regular.mutable_lesson_conducted()->mutable_held_on() = Date(mon_ + 1);
  EXPECT_TRUE(IsRefused(Submit(regular), kMalformed, "R-LES-2"));
}

TEST_F(RulesTest, R_LES_2_DistanceLessonHasAnOrderAndNoAbsentMarks) {
  At(mon_, "08:40");
  v1::EventBody no_order = ConductedBody("math", "math-5a-1", "Дроби", v1::LESSON_KIND_DISTANCE);
  no_order.mutable_lesson_conducted()->clear_order_number();
  EXPECT_TRUE(Refused(Submit(no_order), kMalformed, "R-LES-2", "номером приказа"));
  MustSubmit(ConductedBody("math", "math-5a-1", "Дроби", v1::LESSON_KIND_DISTANCE));
  EXPECT_TRUE(Refused(Submit(AbsenceBody("math", "math-5a-1", "s2")), kRefused, "R-LES-2",
                      "дистанционном"));
  MustSubmit(AbsenceBody("math", "math-5a-1", "s3", v1::ATTENDANCE_STATUS_LATE));
  MustSubmit(MarkBody("math", "m1", "math-5a-1", "s1", 4));
}

TEST_F(RulesTest, R_LES_2_HomeSchoolingIsRecordedOnAnIndividualLesson) {
  At(mon_, "07:00");
  v1::EventBody ind = ScheduleLesson("math-s3-home", "5a", "math", "math", mon_, 4);
  ind.mutable_lesson_scheduled()->set_individual_student_id("s3");
  // Individual lessons are for a student home-schooled in the class.
  EXPECT_TRUE(Refused(Submit(ind), kRefused, "R-LES-2", "на обучении на дому"));
  MustSubmit(HomeSchoolingBody("s3", mon_));
  MustSubmit(ind);
  v1::EventBody other = ScheduleLesson("math-n1-home", "5a", "math", "math", mon_, 5);
  other.mutable_lesson_scheduled()->set_individual_student_id("n1");  // of 9a
  EXPECT_TRUE(Refused(Submit(other), kRefused, "R-LES-2", "на обучении на дому"));
  At(mon_, "11:40");
  EXPECT_TRUE(
      Refused(Submit(ConductedBody("math", "math-5a-1", "Дроби", v1::LESSON_KIND_HOME_SCHOOLING)),
              kRefused, "R-LES-2", "индивидуальном уроке"));
  MustSubmit(ConductedBody("math", "math-s3-home", "Дроби", v1::LESSON_KIND_HOME_SCHOOLING));
}

// R-LES-2, seed 004 §8.2 ("во вкладке «Обучение на дому» страницы журнала на каждого
// обучающегося"): a home-schooled student's individual timetable gives lessons on that student's
// own page, with that student's row only; the class's lessons and pages leave the student out
// while home-schooled; the individual lessons' teacher reads the page and marks the period.
TEST_F(RulesTest, R_LES_2_HomeSchoolingHasItsOwnPagesPerStudent) {
  const Day tue = mon_ + 1;
  At(mon_ - 7, "07:00");
  // Tuesdays' `period`-th lesson of `subject` for s3, by `teacher`.
  auto slot = [&](const std::string& id, const std::string& subject, const std::string& teacher,
                  int period, const std::string& subgroup = "") {
    v1::EventBody b = Body("methodist");
    auto* t = b.mutable_timetable_slot_set();
    t->set_slot_id(id);
    t->set_class_id("5a");
    t->set_subgroup_id(subgroup);
    t->set_subject_id(subject);
    t->set_teacher_id(teacher);
    t->set_weekday(v1::WEEKDAY_TUESDAY);
    t->set_period(period);
    *t->mutable_valid()->mutable_first_day() = Date(mon_ - 7);
    t->set_individual_student_id("s3");
    return b;
  };
  // "pe" teaches no mathematics in 5a: the individual lessons only.
  EXPECT_TRUE(Refused(Submit(slot("home-math-s3", "math", "pe", 6)), kRefused, "R-LES-2",
                      "на обучении на дому"));
  MustSubmit(HomeSchoolingBody("s3", mon_ - 7));
  EXPECT_TRUE(Refused(Submit(slot("home-math-s3", "math", "pe", 6, "any")), kMalformed, "R-LES-2",
                      "не для группы"));
  MustSubmit(slot("home-math-s3", "math", "pe", 6));
  // One student, one individual lesson at a time; beside the class's lessons, any number.
  EXPECT_TRUE(Refused(Submit(slot("home-rus-s3", "russian", "russian", 6)), kRefused, "R-SET-3",
                      "уже есть индивидуальный урок"));
  MustSubmit(slot("home-rus-s3", "russian", "russian", 5));

  // The timetable gives the individual lessons, each once.
  school::GeneratedLessons g = school::GenerateLessons(School(), tue, tue);
  ASSERT_EQ(g.scheduled, 2);
  for (const v1::EventBody& payload : g.bodies) {
    EXPECT_EQ(payload.lesson_scheduled().individual_student_id(), "s3");
    v1::EventBody b = Body("methodist");
    b.MergeFrom(payload);
    MustSubmit(b);
  }
  EXPECT_EQ(school::GenerateLessons(School(), tue, tue).scheduled, 0);
  const std::string lesson = school::GeneratedLessonId("home-math-s3", tue);
  const school::Lesson* l = School().FindLesson(lesson);
  ASSERT_NE(l, nullptr);
  EXPECT_EQ(l->subgroup_id, school::HomePageId("s3"));
  EXPECT_TRUE(School().InLesson(*l, "s3"));
  EXPECT_FALSE(School().InLesson(*l, "s1"));

  // The class's lessons no longer count the student.
  At(mon_, "08:40");
  EXPECT_TRUE(IsRefused(Submit(MarkBody("math", "m1", "math-5a-1", "s3", 5)), kRefused, "R-LES-1"));
  MustSubmit(MarkBody("math", "m1", "math-5a-1", "s1", 5));
  At(tue, "13:40");
  MustSubmit(ConductedBody("pe", lesson, "Дроби", v1::LESSON_KIND_HOME_SCHOOLING));
  MustSubmit(MarkBody("pe", "m2", lesson, "s3", 4));
  EXPECT_TRUE(IsRefused(Submit(MarkBody("pe", "m3", lesson, "s1", 4)), kRefused, "R-LES-1"));

  // The student's page: the individual lessons and the one row; named for people.
  auto page = Reader().JournalPage(State(), kSchool, "5a", school::HomePageId("s3"), "math", 1);
  ASSERT_TRUE(page.has_value()) << page.error().ToString();
  ASSERT_EQ(page->rows_size(), 1);
  EXPECT_EQ(page->rows(0).student_id(), "s3");
  ASSERT_EQ(page->lessons_size(), 1);
  EXPECT_EQ(page->lessons(0).lesson_id(), lesson);
  ASSERT_EQ(page->rows(0).cells_size(), 1);
  EXPECT_EQ(page->rows(0).cells(0).marks(0).value(), 4);
  bool named = false;
  for (const auto& n : page->names()) {
    named |= n.id() == school::HomePageId("s3") && n.name().starts_with("обучение на дому: ");
  }
  EXPECT_TRUE(named);
  // Weekly hours from the individual timetable: one lesson a week.
  EXPECT_EQ(School().WeeklyHours("5a", school::HomePageId("s3"), "math", tue), 1);
  // The class's page has no column of it; s3 keeps the row of September, in class then.
  auto class_page = Reader().JournalPage(State(), kSchool, "5a", "", "math", 1);
  ASSERT_TRUE(class_page.has_value());
  for (const auto& c : class_page->lessons()) EXPECT_NE(c.lesson_id(), lesson);
  // The second quarter's class page has no row for a student home-schooled all of it.
  auto next_term = Reader().JournalPage(State(), kSchool, "5a", "", "math", 2);
  ASSERT_TRUE(next_term.has_value());
  for (const auto& r : next_term->rows()) EXPECT_NE(r.student_id(), "s3");
  // Only a member of the class has a page; the individual lessons' teacher reads it.
  EXPECT_FALSE(Reader()
                   .JournalPage(State(), kSchool, "5a", school::HomePageId("n1"), "math", 1)
                   .has_value());
  EXPECT_TRUE(school::TeachesPage(School(), *School().FindUser("pe"), "5a",
                                  school::HomePageId("s3"), "math", {mon_, tue}));
  EXPECT_FALSE(
      school::TeachesPage(School(), *School().FindUser("pe"), "5a", "", "math", {mon_, tue}));
  EXPECT_TRUE(school::TeachesPage(School(), *School().FindUser("math"), "5a",
                                  school::HomePageId("s3"), "math", {mon_, tue}));
}

// A subgroup's id never takes the form of a home page's (R-SET-1).
TEST_F(RulesTest, R_LES_2_SubgroupIdsNeverLookLikeAHomePage) {
  At(mon_, "07:00");
  v1::EventBody g = Body("admin");
  g.mutable_subgroup_defined()->set_subgroup_id("@s1");
  g.mutable_subgroup_defined()->set_class_id("5a");
  g.mutable_subgroup_defined()->set_subject_id("math");
  g.mutable_subgroup_defined()->set_name("Группа");
  EXPECT_TRUE(Refused(Submit(g), kMalformed, "R-SET-1", "обучения на дому"));
  g.mutable_subgroup_defined()->set_subgroup_id("g1");
  MustSubmit(g);
}

TEST_F(RulesTest, R_LES_2_KindIsNotChangedOnceTheLessonHasRecords) {
  At(mon_, "08:40");
  MustSubmit(ConductedBody("math", "math-5a-1", "Дроби"));
  MustSubmit(MarkBody("math", "m1", "math-5a-1", "s1", 5));
  EXPECT_TRUE(
      Refused(Submit(ConductedBody("math", "math-5a-1", "Дроби", v1::LESSON_KIND_EXTRACURRICULAR)),
              kRefused, "R-LES-2", "заявку на исправление"));
}

// ---- R-LES-3: the topic is entered, on the day of the lesson ----

TEST_F(RulesTest, R_LES_3_TopicEnteredOnTheLessonDay) {
  At(mon_, "08:40");
  EXPECT_TRUE(
      Refused(Submit(ConductedBody("math", "math-5a-1", "")), kMalformed, "R-LES-3", "тема урока"));
  At(mon_, "23:50");
  MustSubmit(ConductedBody("russian", "rus-5a-1", "Имя существительное"));
  At(mon_ + 1, "00:10");
  EXPECT_TRUE(Refused(Submit(ConductedBody("math", "math-5a-1", "Дроби")), kRefused, "R-LES-3",
                      "в день урока"));
  EXPECT_EQ(School().FindLesson("rus-5a-1")->record.Current(State())->value.topic,
            "Имя существительное");
}

// R-LES-3: the topics come from the КТП, which the teacher of the class-subject sets before the
// year starts (the fixture's clock is at 25 August; the load runs from 1 September).
TEST_F(RulesTest, R_LES_3_TeacherSetsThePlanBeforeTheYearStarts) {
  auto plan = [&](const std::string& actor) {
    v1::EventBody b = Body(actor);
    auto* p = b.mutable_planned_topics_set();
    p->set_plan_id("ktp-math-5a-" + actor);
    p->set_class_id("5a");
    p->set_subject_id("math");
    p->set_academic_year_id("2025");
    p->set_term_number(1);
    auto* t = p->add_topics();
    t->set_number(1);
    t->set_title("Натуральные числа");
    t->set_hours(2);
    return b;
  };
  EXPECT_TRUE(
      Refused(Submit(plan("russian")), kDenied, "R-ACC-2", "учитель, ведущий этот предмет"));
  MustSubmit(plan("math"));
}

// ---- R-MARK-1: values 1..5, two-part marks, grade 1 gets none ----

TEST_F(RulesTest, R_MARK_1_MarkValuesAndGradeOne) {
  At(mon_, "09:00");
  EXPECT_TRUE(
      IsRefused(Submit(MarkBody("math", "m1", "math-5a-1", "s1", 6)), kMalformed, "R-MARK-1"));
  MustSubmit(
      MarkBody("math", "m2", "math-5a-1", "s1", 5, v1::WORK_TYPE_DICTATION_WITH_GRAMMAR_TASK, 4));
  EXPECT_TRUE(
      IsRefused(Submit(MarkBody("russian", "m3", "rus-1a-1", "f1", 5)), kRefused, "R-MARK-1"));
}

TEST_F(RulesTest, R_MARK_1_TwoPartMarkIsOneCellWithTwoValues) {
  At(mon_, "09:30");
  MustSubmit(
      MarkBody("russian", "m1", "rus-5a-1", "s1", 5, v1::WORK_TYPE_DICTATION_WITH_GRAMMAR_TASK, 4));
  const auto* v = School().marks.at("m1").Current(State());
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(v->value.value, 5);
  EXPECT_EQ(v->value.second_value, 4);
  EXPECT_TRUE(Refused(Submit(MarkBody("russian", "m2", "rus-5a-1", "s1", 5,
                                      v1::WORK_TYPE_DICTATION_WITH_GRAMMAR_TASK, 6)),
                      kMalformed, "R-MARK-1", "Вторая часть"));
  EXPECT_TRUE(
      IsRefused(Submit(MarkBody("russian", "m3", "rus-5a-1", "s1", 0)), kMalformed, "R-MARK-1"));
  // Only a dictation with a grammar task, a creative work or an essay takes two parts: on any other
  // work each part would count toward the term's minimum and mean.
  for (v1::WorkType work : {v1::WORK_TYPE_CONTROL_WORK, v1::WORK_TYPE_ANSWER_IN_CLASS,
                            v1::WORK_TYPE_DICTATION, v1::WORK_TYPE_TEST}) {
    EXPECT_TRUE(Refused(Submit(MarkBody("russian", "m4", "rus-5a-1", "s1", 4, work, 4)), kMalformed,
                        "R-MARK-1", "двойная отметка"))
        << v1::WorkType_Name(work);
  }
  for (v1::WorkType work : {v1::WORK_TYPE_CREATIVE_WORK, v1::WORK_TYPE_ESSAY}) {
    MustSubmit(MarkBody("russian", "m5-" + v1::WorkType_Name(work), "rus-5a-1", "s1", 5, work, 4));
  }
}

// ---- R-MARK-2: a mark carries its work type and, where weighed, a weight ----

TEST_F(RulesTest, R_MARK_2_WorkTypeRequired) {
  At(mon_, "08:40");
  EXPECT_TRUE(
      Refused(Submit(MarkBody("math", "m1", "math-5a-1", "s1", 5, v1::WORK_TYPE_UNSPECIFIED)),
              kMalformed, "R-MARK-2", "вид работы"));
  MustSubmit(MarkBody("math", "m1", "math-5a-1", "s1", 5, v1::WORK_TYPE_ANSWER_IN_CLASS));
  EXPECT_EQ(School().marks.at("m1").Current(State())->value.work_type,
            v1::WORK_TYPE_ANSWER_IN_CLASS);
}

TEST_F(RulesTest, R_MARK_2_ControlWorksWeighMoreAndWeightsAreBounded) {
  At(mon_, "08:40");
  v1::EventBody heavy = MarkBody("math", "m1", "math-5a-1", "s1", 5, v1::WORK_TYPE_TEST);
  heavy.mutable_mark_recorded()->set_weight_percent(1001);
  EXPECT_TRUE(Refused(Submit(heavy), kMalformed, "R-MARK-2", "Вес отметки"));
  heavy.mutable_mark_recorded()->set_weight_percent(150);
  MustSubmit(heavy);
  MustSubmit(MarkBody("math", "m2", "math-5a-1", "s1", 4, v1::WORK_TYPE_CONTROL_WORK));
  MustSubmit(MarkBody("math", "m3", "math-5a-1", "s1", 4, v1::WORK_TYPE_ANSWER_IN_CLASS));
  const auto& policy = School().policy;
  EXPECT_EQ(policy.WeightOf(School().marks.at("m1").Current(State())->value), 150u);
  EXPECT_EQ(policy.WeightOf(School().marks.at("m2").Current(State())->value), 200u);
  EXPECT_EQ(policy.WeightOf(School().marks.at("m3").Current(State())->value), 100u);
  // The school may weigh differently, within 1..1000 %.
  v1::EventBody p = Body("director");
  auto* w = p.mutable_school_policy_set()->mutable_policy()->add_weights();
  w->set_work_type(v1::WORK_TYPE_CONTROL_WORK);
  w->set_weight_percent(0);
  EXPECT_TRUE(IsRefused(Submit(p), kMalformed, "R-MARK-2"));
  p = Body("director");
  w = p.mutable_school_policy_set()->mutable_policy()->add_weights();
  w->set_work_type(v1::WORK_TYPE_CONTROL_WORK);
  w->set_weight_percent(300);
  MustSubmit(p);
  EXPECT_EQ(School().policy.WeightOf(School().marks.at("m2").Current(State())->value), 300u);
}

// ---- R-MARK-3: a mark within its window; after it, only by correction ----

// An answer in class is marked the same day; after that only by correction.
TEST_F(RulesTest, R_MARK_3_MarkWithinItsWindowIsAcceptedAndAfterItRefused) {
  At(mon_, "08:40");
  MustSubmit(MarkBody("math", "m1", "math-5a-1", "s1", 5));
  At(mon_ + 1, "00:05");
  auto late = Submit(MarkBody("math", "m2", "math-5a-1", "s2", 4));
  EXPECT_TRUE(IsRefused(late, kRefused, "R-MARK-3"));
  EXPECT_NE(late.error().message().find("подайте заявку на исправление"), std::string::npos);
  // A written work: until the next lesson of the class-subject (Wednesday, 08:30).
  At(wed_, "08:29");
  MustSubmit(MarkBody("math", "m3", "math-5a-1", "s2", 4, v1::WORK_TYPE_TEST));
  At(wed_, "08:31");
  // Still Wednesday's lesson day? No: the window ended at the next lesson's start.
  EXPECT_TRUE(IsRefused(Submit(MarkBody("math", "m4", "math-5a-1", "s3", 4, v1::WORK_TYPE_TEST)),
                        kRefused, "R-MARK-3"));
  // Internal-monitoring control work: 3 calendar days (Thursday 24:00).
  At(mon_ + 3, "23:59");
  MustSubmit(
      MarkBody("math", "m5", "math-5a-1", "s3", 3, v1::WORK_TYPE_INTERNAL_MONITORING_CONTROL_WORK));
}

TEST_F(RulesTest, R_MARK_3_CreativeWorkInRussianGradesFiveToNineHasSevenDays) {
  At(mon_ + 7, "23:59");
  MustSubmit(MarkBody("russian", "m1", "rus-5a-1", "s1", 5, v1::WORK_TYPE_CREATIVE_WORK));
  At(mon_ + 8, "00:01");
  EXPECT_TRUE(
      Refused(Submit(MarkBody("russian", "m2", "rus-5a-1", "s2", 5, v1::WORK_TYPE_CREATIVE_WORK)),
              kRefused, "R-MARK-3", "заявку на исправление"));
}

// ---- R-MARK-4: no 1 and 2 in the adaptation period, also not the second part ----

// No 1 or 2 in the adaptation period (1-15 September).
TEST_F(RulesTest, R_MARK_4_NoUnsatisfactoryMarksInAdaptation) {
  At(D(2025, 9, 8), "08:40");
  EXPECT_TRUE(
      IsRefused(Submit(MarkBody("math", "m1", "math-5a-sep", "s1", 2)), kRefused, "R-MARK-4"));
  MustSubmit(MarkBody("math", "m2", "math-5a-sep", "s1", 3));
  At(mon_, "08:40");
  MustSubmit(MarkBody("math", "m3", "math-5a-1", "s1", 2));
}

TEST_F(RulesTest, R_MARK_4_SecondPartCountsToo) {
  At(D(2025, 9, 8), "08:40");
  EXPECT_TRUE(Refused(Submit(MarkBody("math", "m1", "math-5a-sep", "s1", 4,
                                      v1::WORK_TYPE_DICTATION_WITH_GRAMMAR_TASK, 2)),
                      kRefused, "R-MARK-4", "адаптационный период"));
  MustSubmit(
      MarkBody("math", "m2", "math-5a-sep", "s1", 4, v1::WORK_TYPE_DICTATION_WITH_GRAMMAR_TASK, 3));
}

// ---- R-MARK-5: a thematic check marks every present student; the report shows who is missing --
// Not an admission rule (a mark may follow within its R-MARK-3 window): the report
// ThematicChecks (projections/reports.h) lists, per whole-class work of a lesson record, the
// present students still without a mark of that work type.

TEST_F(RulesTest, R_MARK_5_ReportShowsPresentStudentsMissingTheCheckMark) {
  At(mon_, "08:35");
  MustSubmit(AbsenceBody("math", "math-5a-1", "s3"));  // absent: not expected to have a mark
  v1::EventBody held = ConductedBody("math", "math-5a-1", "Контрольная работа № 1 «Дроби»");
  auto* work = held.mutable_lesson_conducted()->add_works();
  work->set_work_type(v1::WORK_TYPE_CONTROL_WORK);
  work->set_title("Контрольная работа № 1");
  work->set_whole_class(true);
  auto* some = held.mutable_lesson_conducted()->add_works();
  some->set_work_type(v1::WORK_TYPE_LAB);  // only some students: not a thematic check
  some->set_whole_class(false);
  MustSubmit(held);
  MustSubmit(MarkBody("math", "m1", "math-5a-1", "s1", 4, v1::WORK_TYPE_CONTROL_WORK));
  MustSubmit(MarkBody("math", "m2", "math-5a-1", "s2", 5, v1::WORK_TYPE_ANSWER_IN_CLASS));
  auto report = school::ThematicChecks(State(), kSchool, "5a", mon_, wed_);
  ASSERT_TRUE(report.has_value()) << report.error().ToString();
  ASSERT_EQ(report->checks_size(), 1);
  EXPECT_EQ(report->checks(0).lesson_id(), "math-5a-1");
  EXPECT_EQ(report->checks(0).work_type(), v1::WORK_TYPE_CONTROL_WORK);
  EXPECT_EQ(report->checks(0).students_present(), 2);
  ASSERT_EQ(report->checks(0).missing_student_ids_size(), 1);
  EXPECT_EQ(report->checks(0).missing_student_ids(0), "s2");
  // The control work is marked by the next lesson (R-MARK-3): then nobody is missing.
  At(mon_ + 1, "15:00");
  MustSubmit(MarkBody("math", "m3", "math-5a-1", "s2", 3, v1::WORK_TYPE_CONTROL_WORK));
  report = school::ThematicChecks(State(), kSchool, "5a", mon_, wed_);
  ASSERT_TRUE(report.has_value());
  ASSERT_EQ(report->checks_size(), 1);
  EXPECT_EQ(report->checks(0).missing_student_ids_size(), 0);
  EXPECT_TRUE(IsError(school::ThematicChecks(State(), kSchool, "7z", mon_, wed_),
                      StatusCode::kNotFound, "7z"));
}

// ---- R-ATT-1: "н" at the start of the lesson, lateness, the PE exemption ----

TEST_F(RulesTest, R_ATT_1_AbsenceAndLatenessOnTheLessonDay) {
  At(mon_, "08:31");
  MustSubmit(AbsenceBody("math", "math-5a-1", "s1"));
  MustSubmit(AbsenceBody("math", "math-5a-1", "s2", v1::ATTENDANCE_STATUS_LATE));
  EXPECT_EQ(School()
                .attendance.at(school::AttendanceKey("math-5a-1", "s2"))
                .Current(State())
                ->value.minutes_late,
            10);
  v1::EventBody bad = AbsenceBody("math", "math-5a-1", "s3", v1::ATTENDANCE_STATUS_LATE);
  bad.mutable_attendance_recorded()->set_minutes_late(121);
  EXPECT_TRUE(Refused(Submit(bad), kMalformed, "R-ATT-1", "Опоздание"));
  EXPECT_TRUE(
      IsRefused(Submit(AbsenceBody("math", "math-5a-1", "s3", v1::ATTENDANCE_STATUS_UNSPECIFIED)),
                kMalformed, "R-ATT-1"));
  At(mon_ + 1, "08:00");
  EXPECT_TRUE(Refused(Submit(AbsenceBody("math", "math-5a-1", "s3")), kRefused, "R-ATT-1",
                      "заявку на исправление"));
}

TEST_F(RulesTest, R_ATT_1_ExemptStudentIsNotMarkedAbsentInPe) {
  At(mon_, "08:00");
  auto exempt = [&](const std::string& student, Day first, Day last) {
    v1::EventBody b = Body("secretary");
    auto* e = b.mutable_medical_pe_exemption_recorded();
    e->set_exemption_id("ex-" + student);
    e->set_student_id(student);
    *e->mutable_dates()->mutable_first_day() = Date(first);
    *e->mutable_dates()->mutable_last_day() = Date(last);
    e->mutable_document()->set_title("Справка № 15 от 01.10.2025");
    return b;
  };
  MustSubmit(exempt("s1", D(2025, 10, 1), D(2025, 10, 31)));
  MustSubmit(exempt("s2", D(2025, 9, 1), D(2025, 10, 5)));  // ended before Monday
  // Only PE: in mathematics s1 is marked "н" as anyone.
  At(mon_, "08:31");
  MustSubmit(AbsenceBody("math", "math-5a-1", "s1"));
  At(mon_, "10:31");
  EXPECT_TRUE(Refused(Submit(AbsenceBody("pe", "pe-5a-1", "s1")), kRefused, "R-ATT-1",
                      "освобождение от физкультуры до 31.10.2025"));
  MustSubmit(AbsenceBody("pe", "pe-5a-1", "s2"));
  // An exemption that ends before it starts is malformed.
  EXPECT_TRUE(
      IsRefused(Submit(exempt("s3", D(2025, 10, 10), D(2025, 10, 1))), kMalformed, "R-ATT-1"));
}

// ---- R-ATT-2: the class teacher classifies absences ----

TEST_F(RulesTest, R_ATT_2_ClassTeacherClassifiesAbsences) {
  At(mon_, "08:31");
  MustSubmit(AbsenceBody("math", "math-5a-1", "s3"));
  auto reason = [&](const std::string& actor, const std::string& student, v1::AbsenceReason r) {
    v1::EventBody b = Body(actor);
    auto* a = b.mutable_absence_reason_set();
    a->set_student_id(student);
    a->set_reason(r);
    a->add_lesson_ids("math-5a-1");
    return b;
  };
  At(mon_ + 4, "15:00");
  EXPECT_TRUE(Refused(Submit(reason("math", "s3", v1::ABSENCE_REASON_ILLNESS)), kDenied, "R-ATT-2",
                      "классный руководитель"));
  EXPECT_TRUE(
      IsRefused(Submit(reason("ct", "s3", v1::ABSENCE_REASON_UNSPECIFIED)), kMalformed, "R-ATT-2"));
  EXPECT_TRUE(Refused(Submit(reason("ct", "s1", v1::ABSENCE_REASON_ILLNESS)), kRefused, "R-ATT-2",
                      "нет пропуска"));
  v1::EventBody nothing = reason("ct", "s3", v1::ABSENCE_REASON_ILLNESS);
  nothing.mutable_absence_reason_set()->clear_lesson_ids();
  EXPECT_TRUE(IsRefused(Submit(nothing), kMalformed, "R-ATT-2"));
  MustSubmit(reason("ct", "s3", v1::ABSENCE_REASON_ILLNESS));
  EXPECT_EQ(School().attendance.at(school::AttendanceKey("math-5a-1", "s3")).Reason(State()),
            v1::ABSENCE_REASON_ILLNESS);
  // The attendance report counts it by category.
  auto report = school::AttendanceReport(State(), kSchool, "5a", D(2025, 10, 1), D(2025, 10, 31));
  ASSERT_TRUE(report.has_value()) << report.error().ToString();
  ASSERT_EQ(report->months_size(), 1);
  EXPECT_EQ(report->months(0).missed(), 1);
  EXPECT_EQ(report->months(0).illness(), 1);
  EXPECT_EQ(report->months(0).unclassified(), 0);
}

// ---- R-HW-1: homework by one hour after the class's last lesson, in advance, general or named --

TEST_F(RulesTest, R_HW_1_HomeworkUntilAnHourAfterTheLastLesson) {
  // 5a's last lesson on Monday is PE, period 3, 10:30-11:15: homework until 12:15.
  At(mon_, "12:15");
  MustSubmit(HomeworkBody("math", "h1", "math-5a-1", "№ 12"));
  At(mon_, "12:16");
  EXPECT_TRUE(Refused(Submit(HomeworkBody("russian", "h2", "rus-5a-1", "упр. 5")), kRefused,
                      "R-HW-1", "через час после последнего урока"));
}

TEST_F(RulesTest, R_HW_1_InAdvanceAndForNamedStudents) {
  At(mon_, "08:40");
  MustSubmit(HomeworkBody("math", "h-wed", "math-5a-2", "№ 20"));  // Wednesday's, in advance
  v1::EventBody named = HomeworkBody("math", "h-named", "math-5a-1", "карточка");
  named.mutable_homework_assigned()->add_student_ids("s1");
  MustSubmit(named);
  EXPECT_EQ(School().homework.at("h-named").Current(State())->value.student_ids,
            std::vector<std::string>{"s1"});
  v1::EventBody stranger = HomeworkBody("math", "h-x", "math-5a-1", "карточка");
  stranger.mutable_homework_assigned()->add_student_ids("n1");
  EXPECT_TRUE(IsRefused(Submit(stranger), kRefused, "R-LES-1"));
  EXPECT_TRUE(Refused(Submit(HomeworkBody("math", "h-empty", "math-5a-1", "")), kMalformed,
                      "R-HW-1", "нет текста"));
}

// ---- R-TIME-1: the school's own time; both times kept ----

TEST_F(RulesTest, R_TIME_1_DayEndsAtMidnightSchoolTime) {
  // Moscow is UTC+3: 00:05 on Tuesday in Moscow is still Monday in UTC, yet the day is over.
  At(mon_, "23:59");
  MustSubmit(MarkBody("math", "m1", "math-5a-1", "s1", 5));
  At(mon_ + 1, "00:05");
  EXPECT_EQ(school::SchoolZone().LocalDay(clock_.NowMicros()), mon_);  // UTC
  EXPECT_TRUE(
      IsRefused(Submit(MarkBody("math", "m2", "math-5a-1", "s2", 5)), kRefused, "R-MARK-3"));
  // A school in Chukotka is UTC+12.
  auto anadyr = school::SchoolZone::Find("Asia/Anadyr");
  ASSERT_TRUE(anadyr.has_value());
  EXPECT_EQ(anadyr->InstantOf(mon_, 0),
            school::SchoolZone().InstantOf(mon_, 0) - 12 * 60 * school::kMicrosPerMinute);
  v1::EventBody bad = Body("admin");
  bad.mutable_school_registered()->set_name("МБОУ СОШ № 1");
  bad.mutable_school_registered()->set_time_zone("Asia/Nowhere");
  EXPECT_TRUE(IsRefused(Submit(bad), kMalformed, "R-TIME-1"));
}

TEST_F(RulesTest, R_TIME_1_BusinessDateIsTheLessonDateAndBothTimesAreKept) {
  At(mon_ + 1, "10:00");  // Tuesday: a control work of Monday, within its window
  v1::EventBody wrong = MarkBody("math", "m1", "math-5a-1", "s1", 5, v1::WORK_TYPE_CONTROL_WORK);
  *wrong.mutable_business_date() = Date(mon_ + 1);
  EXPECT_TRUE(Refused(Submit(wrong), kMalformed, "R-TIME-1", "06.10.2025"));
  const uint64_t seq =
      MustSubmit(MarkBody("math", "m1", "math-5a-1", "s1", 5, v1::WORK_TYPE_CONTROL_WORK));
  auto bytes = ledger_->ledger().Entry(seq);
  ASSERT_TRUE(bytes.has_value());
  v1::LedgerEntry entry;
  ASSERT_TRUE(entry.ParseFromString(*bytes));
  EXPECT_EQ(entry.recorded_at_us(), clock_.NowMicros());  // system time
  v1::EventBody body;
  ASSERT_TRUE(body.ParseFromString(entry.event().body()));
  EXPECT_EQ(*school::DayOf(body.business_date()), mon_);  // business time
  EXPECT_EQ(State().Event(seq)->recorded_at_us, clock_.NowMicros());
}

// ---- RuleBook::MarkDeadlineUs and HomeworkDeadlineUs (R-MARK-3, R-HW-1) as plain functions ----
// A school built in memory (no ledger): 5a (grade 5) in Moscow (UTC+3 all year) with one bell
// schedule; math on Mon 6 Oct p1, Wed 8 Oct p1 and Fri 24 Oct p1 (the last day before the autumn
// holidays, 25 Oct - 4 Nov), a cancelled math lesson on Tue 7 Oct p3, and Russian on Tue 7 Oct p1
// and p2. Expected instants are worked out by hand from the Moscow offset, not through SchoolZone.

class RuleBookDeadlineTest : public ::testing::Test {
 protected:
  static school::Day D(int year, int month, int day) {
    v1::Date d;
    d.set_year(year);
    d.set_month(month);
    d.set_day(day);
    return school::DayOf(d).value();
  }
  // School-local `minutes` after the start of `day` in Moscow (UTC+3, no DST since 2014).
  static int64_t Moscow(school::Day day, int minutes) {
    return int64_t{day} * school::kMicrosPerDay + (minutes - 3 * 60) * school::kMicrosPerMinute;
  }

  void SetUp() override {
    school_.zone = school::SchoolZone::Find("Europe/Moscow").value();
    school::AcademicYear& year = school_.years["2025"];
    year.id = "2025";
    year.first = D(2025, 9, 1);
    year.last = D(2026, 5, 31);
    year.holidays.push_back(school::HolidayInfo{
        .first = D(2025, 10, 25), .last = D(2025, 11, 4), .kind = v1::HOLIDAY_KIND_VACATION});
    school::SchoolClass& c = school_.classes["5a"];
    c.id = "5a";
    c.year_id = "2025";
    c.grade = 5;
    school_.subjects["math"] =
        school::Subject{.id = "math", .name = "Математика", .kind = v1::SUBJECT_KIND_OTHER};
    school_.subjects["russian"] = school::Subject{
        .id = "russian", .name = "Русский язык", .kind = v1::SUBJECT_KIND_RUSSIAN_LANGUAGE};
    school::BellSchedule& bell = school_.bells["main"];
    bell.id = "main";
    bell.periods = {{1, {8 * 60 + 30, 9 * 60 + 15}},
                    {2, {9 * 60 + 25, 10 * 60 + 10}},
                    {3, {10 * 60 + 30, 11 * 60 + 15}}};
    bell.seq = 1;
    AddLesson("math-mon", "math", mon_, 1);
    AddLesson("math-tue", "math", mon_ + 1, 3).cancelled = true;
    AddLesson("math-wed", "math", mon_ + 2, 1);
    AddLesson("math-fri", "math", D(2025, 10, 24), 1);
    AddLesson("rus-tue-1", "russian", mon_ + 1, 1);
    AddLesson("rus-tue-2", "russian", mon_ + 1, 2);
  }
  school::Lesson& AddLesson(const std::string& id, const std::string& subject, school::Day day,
                            int period) {
    school::Lesson& l = school_.lessons[id];
    l.id = id;
    l.class_id = "5a";
    l.subject_id = subject;
    l.date = day;
    l.period = period;
    school_.lessons_by_group[school::GroupKey("5a", "", subject)].push_back(id);
    school_.lessons_by_class_day["5a"][day].push_back(id);
    return l;
  }
  int64_t MarkDeadline(const std::string& lesson_id, v1::WorkType work) const {
    return school::RuleBook::MarkDeadlineUs(school_, school_.lessons.at(lesson_id), work);
  }
  int64_t HomeworkDeadline(const std::string& lesson_id) const {
    return school::RuleBook::HomeworkDeadlineUs(school_, school_.lessons.at(lesson_id));
  }

  const school::Day mon_ = D(2025, 10, 6);
  school::School school_;
};

TEST_F(RuleBookDeadlineTest, R_MARK_3_AnswerInClassUntilTheEndOfTheLessonDay) {
  EXPECT_EQ(MarkDeadline("math-mon", v1::WORK_TYPE_ANSWER_IN_CLASS), Moscow(mon_, 24 * 60));
  EXPECT_EQ(MarkDeadline("math-mon", v1::WORK_TYPE_ORAL_TEST), Moscow(mon_, 24 * 60));
}

TEST_F(RuleBookDeadlineTest, R_MARK_3_WrittenWorkUntilTheNextHeldLessonOfTheSubject) {
  // Tuesday's math lesson is cancelled: the next one is Wednesday's, at 08:30.
  EXPECT_EQ(MarkDeadline("math-mon", v1::WORK_TYPE_TEST), Moscow(mon_ + 2, 8 * 60 + 30));
  EXPECT_EQ(MarkDeadline("math-mon", v1::WORK_TYPE_CREATIVE_WORK), Moscow(mon_ + 2, 8 * 60 + 30));
  // A doubled lesson: the next one is the same day, so the lesson's own day still counts.
  EXPECT_EQ(MarkDeadline("rus-tue-1", v1::WORK_TYPE_DICTATION), Moscow(mon_ + 1, 24 * 60));
  // No next lesson: a week from the lesson's day.
  const school::Day fri = D(2025, 10, 24);
  EXPECT_EQ(MarkDeadline("math-fri", v1::WORK_TYPE_TEST), Moscow(fri + 7, 24 * 60));
}

TEST_F(RuleBookDeadlineTest, R_MARK_3_CalendarDayWindows) {
  // Internal monitoring: 3 calendar days; creative work in Russian in grades 5-9: 7.
  EXPECT_EQ(MarkDeadline("math-mon", v1::WORK_TYPE_INTERNAL_MONITORING_CONTROL_WORK),
            Moscow(mon_ + 3, 24 * 60));
  EXPECT_EQ(MarkDeadline("rus-tue-1", v1::WORK_TYPE_CREATIVE_WORK), Moscow(mon_ + 1 + 7, 24 * 60));
  school_.classes["5a"].grade = 10;  // not in 5-9: the written work's next-lesson window
  EXPECT_EQ(MarkDeadline("rus-tue-1", v1::WORK_TYPE_CREATIVE_WORK), Moscow(mon_ + 1, 24 * 60));
}

TEST_F(RuleBookDeadlineTest, R_MARK_3_PolicyWindowsOverrideTheDefaults) {
  v1::MarkWindowRule hours;
  hours.add_work_types(v1::WORK_TYPE_ANSWER_IN_CLASS);
  hours.set_kind(v1::MARK_WINDOW_KIND_HOURS);
  hours.set_amount(2);
  v1::MarkWindowRule school_days;
  school_days.add_work_types(v1::WORK_TYPE_TEST);
  school_days.set_kind(v1::MARK_WINDOW_KIND_SCHOOL_DAYS);
  school_days.set_amount(2);
  school_.policy.mark_windows = {hours, school_days};
  // Two hours after the lesson's end (09:15).
  EXPECT_EQ(MarkDeadline("math-mon", v1::WORK_TYPE_ANSWER_IN_CLASS), Moscow(mon_, 11 * 60 + 15));
  // Two school days: Tuesday and Wednesday; from Friday 24 Oct the holidays and Sunday do not
  // count, so Wednesday 5 and Thursday 6 Nov.
  EXPECT_EQ(MarkDeadline("math-mon", v1::WORK_TYPE_TEST), Moscow(mon_ + 2, 24 * 60));
  EXPECT_EQ(MarkDeadline("math-fri", v1::WORK_TYPE_TEST), Moscow(D(2025, 11, 6), 24 * 60));
  // Works the policy does not name keep the defaults.
  EXPECT_EQ(MarkDeadline("math-mon", v1::WORK_TYPE_DICTATION), Moscow(mon_ + 2, 8 * 60 + 30));
}

TEST_F(RuleBookDeadlineTest, R_HW_1_AnHourAfterTheClasssLastHeldLessonOfTheDay) {
  // Tuesday: Russian ends at 10:10 (p2); the cancelled math lesson at p3 does not count.
  EXPECT_EQ(HomeworkDeadline("rus-tue-1"), Moscow(mon_ + 1, 11 * 60 + 10));
  EXPECT_EQ(HomeworkDeadline("rus-tue-2"), Moscow(mon_ + 1, 11 * 60 + 10));
  school_.lessons.at("math-tue").cancelled = false;
  EXPECT_EQ(HomeworkDeadline("rus-tue-1"), Moscow(mon_ + 1, 12 * 60 + 15));
  // The policy sets the delay.
  school_.policy.homework_deadline_minutes = 30;
  EXPECT_EQ(HomeworkDeadline("math-mon"), Moscow(mon_, 9 * 60 + 45));
}

}  // namespace
}  // namespace ejournal::testing
