// The КТП spreadsheet (setup/plan_csv.h): reading it, its work types, and the plan it gives
// applied through the real admission and ledger.
#include "setup/plan_csv.h"

#include <gtest/gtest.h>

#include "setup/roster_csv.h"
#include "tests/setup/setup_fixture.h"
#include "tests/support/status_matchers.h"
#include "tests/support/testdata.h"

namespace ejournal::setup {
namespace {

using ::ejournal::testing::LedgerSchool;
using ::ejournal::testing::ReportOf;

std::string Testdata(const std::string& name) {
  return ::ejournal::testing::ReadFileOrDie(std::string(EJOURNAL_SETUP_TESTDATA) + "/" + name);
}

TEST(WorkTypeTest, RussianNamesOfChecksMapOntoWorkTypes) {
  EXPECT_EQ(WorkTypeOf("Контрольная работа"), v1::WORK_TYPE_CONTROL_WORK);
  EXPECT_EQ(WorkTypeOf("Контрольная работа № 2"), v1::WORK_TYPE_CONTROL_WORK);
  EXPECT_EQ(WorkTypeOf("К/р"), v1::WORK_TYPE_CONTROL_WORK);
  EXPECT_EQ(WorkTypeOf("Административная контрольная работа"),
            v1::WORK_TYPE_INTERNAL_MONITORING_CONTROL_WORK);
  EXPECT_EQ(WorkTypeOf("контрольная работа (ВШК)"), v1::WORK_TYPE_INTERNAL_MONITORING_CONTROL_WORK);
  EXPECT_EQ(WorkTypeOf("Диктант"), v1::WORK_TYPE_DICTATION);
  EXPECT_EQ(WorkTypeOf("Контрольный диктант с грамматическим заданием"),
            v1::WORK_TYPE_DICTATION_WITH_GRAMMAR_TASK);
  EXPECT_EQ(WorkTypeOf("Лабораторная работа №3"), v1::WORK_TYPE_LAB);
  EXPECT_EQ(WorkTypeOf("Практическая работа"), v1::WORK_TYPE_PRACTICAL);
  EXPECT_EQ(WorkTypeOf("Проверочная работа"), v1::WORK_TYPE_VERIFICATION_WORK);
  EXPECT_EQ(WorkTypeOf("Сочинение"), v1::WORK_TYPE_ESSAY);
  EXPECT_EQ(WorkTypeOf("Изложение"), v1::WORK_TYPE_EXPOSITION);
  EXPECT_EQ(WorkTypeOf("ТЕСТ"), v1::WORK_TYPE_TEST);
  EXPECT_EQ(WorkTypeOf("Зачёт"), v1::WORK_TYPE_ORAL_TEST);
  EXPECT_EQ(WorkTypeOf("Чтение наизусть"), v1::WORK_TYPE_RECITATION);
  EXPECT_EQ(WorkTypeOf(""), v1::WORK_TYPE_UNSPECIFIED);
  EXPECT_EQ(WorkTypeOf("—"), v1::WORK_TYPE_UNSPECIFIED);
  EXPECT_FALSE(WorkTypeOf("Тестовое задание").has_value());
  EXPECT_FALSE(WorkTypeOf("Экскурсия").has_value());
}

TEST(PlanCsvTest, ARealCp1251KtpWithSectionsAndATitleRow) {
  PlanInput in = ReadPlanCsv(Testdata("ktp_math_5a_cp1251.csv"), "ktp.csv");
  ASSERT_EQ(in.topics.size(), 5u) << in.problems.size();
  EXPECT_EQ(in.topics[0].topic.title(), "Натуральные числа и шкалы");
  EXPECT_EQ(in.topics[1].topic.number(), 2);
  EXPECT_EQ(in.topics[1].topic.hours(), 2);  // "2-3": two lessons
  EXPECT_EQ(in.topics[1].topic.planned_work_type(), v1::WORK_TYPE_INDEPENDENT_WORK);
  EXPECT_EQ(in.topics[2].topic.planned_work_type(), v1::WORK_TYPE_CONTROL_WORK);
  EXPECT_EQ(in.topics[3].topic.hours(), 2);
  EXPECT_EQ(in.topics[3].topic.planned_work_type(), v1::WORK_TYPE_VERIFICATION_WORK);
  EXPECT_EQ(in.topics[4].topic.planned_work_type(), v1::WORK_TYPE_TEST);
  EXPECT_EQ(in.topics[4].at.line, 9);
  ASSERT_EQ(in.problems.size(), 2u);
  EXPECT_EQ(in.problems[0].status, RowStatus::kSkipped);
  EXPECT_EQ(in.problems[0].message,
            "заголовок раздела «Раздел 1. Натуральные числа (4 ч)», не тема");
  EXPECT_NE(in.notes.back().find("не используются столбцы «Дата»"), std::string::npos);
}

TEST(PlanCsvTest, BadRowsAreRefusedNamingTheField) {
  PlanInput in = ReadPlanCsv(
      "№;Тема;Часы;Контроль\n"
      "1;Дроби;0;\n"
      "1;Проценты;1;\n"
      "3;;1;\n"
      "4;Площади;1;Экскурсия\n"
      "x;Объёмы;1;\n",
      "ktp.csv");
  EXPECT_TRUE(in.topics.empty());
  ASSERT_EQ(in.problems.size(), 5u);
  EXPECT_EQ(in.problems[0].Text(),
            "ktp.csv, строка 2: поле «Кол-во часов»: «0» — не целое число часов (от 1) [R-PLAN-1]");
  EXPECT_EQ(in.problems[1].message, "поле «№ урока»: 1 не больше предыдущего номера (1)");
  EXPECT_EQ(in.problems[2].message, "поле «Тема урока»: пусто");
  EXPECT_NE(in.problems[3].message.find("поле «Вид работы»: «Экскурсия» не распознан"),
            std::string::npos);
  EXPECT_EQ(in.problems[4].message, "поле «№ урока»: «x» — не номер урока");
}

class KtpImportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(school_.Open());
    ImportPlan roster = PlanRosterImport("Фамилия;Имя;Класс\nИванов;Пётр;5А\n", "r.csv",
                                         &school_.School(), school_.Context());
    ASSERT_TRUE(school_.Apply(roster).ok());
    v1::EventBody subject;
    subject.mutable_subject_defined()->set_subject_id("math");
    subject.mutable_subject_defined()->set_name("Математика");
    subject.mutable_subject_defined()->set_kind(v1::SUBJECT_KIND_OTHER);
    ASSERT_TRUE(school_.Submit(subject).ok());
  }
  PlanTarget Target() const { return PlanTarget{"", "2025-2026-5a", "", "math", "2025-2026", 1}; }
  LedgerSchool school_;
};

TEST_F(KtpImportTest, TheKtpBecomesOnePlannedTopicsSetThatAdmissionAccepts) {
  ImportPlan plan = PlanKtpImport(Testdata("ktp_math_5a_cp1251.csv"), "ktp.csv", Target(),
                                  &school_.School(), nullptr);
  ASSERT_TRUE(plan.ok()) << ReportOf(plan);
  ASSERT_EQ(plan.bodies.size(), 1u);
  const v1::PlannedTopicsSet& p = plan.bodies[0].planned_topics_set();
  EXPECT_EQ(p.plan_id(), "ktp-2025-2026-5a-math-t1");
  EXPECT_EQ(p.term_number(), 1);
  EXPECT_EQ(p.topics_size(), 5);
  EXPECT_FALSE(plan.bodies[0].has_business_date());
  EXPECT_NE(
      plan.Report().find("Всего часов по плану: 7; нагрузки на этот класс и предмет пока нет"),
      std::string::npos)
      << plan.Report();
  ASSERT_OK(school_.Apply(plan));
  // The same plan recorded before: nothing to record.
  ImportPlan again =
      PlanKtpImport(Testdata("ktp_math_5a_cp1251.csv"), "ktp.csv", Target(), &school_.School(), &p);
  EXPECT_TRUE(again.ok());
  EXPECT_TRUE(again.bodies.empty());
  EXPECT_EQ(again.Count(RowStatus::kNew), 0) << ReportOf(again);
}

TEST_F(KtpImportTest, AnUnknownClassSubjectOrTermIsRefused) {
  const std::string csv = "Тема урока\nДроби\n";
  PlanTarget t = Target();
  t.subject_id = "physics";
  ImportPlan plan = PlanKtpImport(csv, "ktp.csv", t, &school_.School(), nullptr);
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.rows[0].Text(), "ktp.csv: предмета «physics» в школе нет [R-SET-1]");
  t = Target();
  t.term_number = 5;
  plan = PlanKtpImport(csv, "ktp.csv", t, &school_.School(), nullptr);
  EXPECT_EQ(plan.rows[0].message, "учебного периода 5 у класса нет (их 4; 0 — весь год)");
  t = Target();
  t.class_id = "9z";
  EXPECT_EQ(PlanKtpImport(csv, "ktp.csv", t, &school_.School(), nullptr).rows[0].message,
            "класса «9z» в школе нет");
  EXPECT_TRUE(PlanKtpImport(csv, "ktp.csv", Target(), &school_.School(), nullptr).ok());
}

}  // namespace
}  // namespace ejournal::setup
