// The roster spreadsheet (setup/roster_csv.h): reading real files, refusing bad rows, and the plans
// it gives applied through the real admission and ledger.
#include "setup/roster_csv.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "tests/setup/setup_fixture.h"
#include "tests/support/status_matchers.h"
#include "tests/support/testdata.h"

namespace ejournal::setup {
namespace {

using ::ejournal::testing::LedgerSchool;
using ::ejournal::testing::ReportOf;
using ::ejournal::testing::Serialized;

std::string Testdata(const std::string& name) {
  return ::ejournal::testing::ReadFileOrDie(std::string(EJOURNAL_SETUP_TESTDATA) + "/" + name);
}

// The report row of `line`, or a failure.
const RowReport& Row(const ImportPlan& plan, int line) {
  static const RowReport kNone;
  for (const auto& r : plan.rows) {
    if (r.at.line == line) return r;
  }
  ADD_FAILURE() << "no row " << line << " in\n" << ReportOf(plan);
  return kNone;
}

int CountPayload(const ImportPlan& plan, v1::EventBody::PayloadCase payload) {
  return static_cast<int>(std::count_if(plan.bodies.begin(), plan.bodies.end(), [&](const auto& b) {
    return b.payload_case() == payload;
  }));
}

class RosterImportTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(school_.Open()); }

  ImportPlan Plan(const std::string& csv, const std::string& file = "roster.csv") {
    return PlanRosterImport(csv, file, &school_.School(), school_.Context());
  }
  // Plans and applies, asserting that the plan is accepted and admission admits every body.
  ImportPlan MustImport(const std::string& csv) {
    ImportPlan plan = Plan(csv);
    EXPECT_TRUE(plan.ok()) << ReportOf(plan);
    Status applied = school_.Apply(plan);
    EXPECT_TRUE(applied.ok()) << applied.ToString() << "\n" << ReportOf(plan);
    return plan;
  }
  const school::User* UserNamed(const std::string& name) const {
    for (const auto& [id, u] : school_.School().users) {
      if (u.display_name == name) return &u;
    }
    return nullptr;
  }
  std::string ClassOf(const std::string& student_id) const {
    const school::Student& s = school_.School().students.at(student_id);
    const school::Membership* m = s.On(LedgerSchool::D(2025, 10, 1));
    return m == nullptr ? "" : m->class_id;
  }

  LedgerSchool school_;
};

const char kTwoStudents[] =
    "Фамилия;Имя;Отчество;Класс;ФИО родителя;Телефон;E-mail\n"
    "Иванов;Пётр;Сергеевич;5А;Иванова Мария Петровна;8 900 123-45-67;ivanova@mail.ru\n"
    "Петрова;Анна;;5Б;Петров Игорь Олегович;;\n";

TEST_F(RosterImportTest, ARealCp1251FileWithATitleRowBecomesStudentsParentsAndLinks) {
  ImportPlan plan = MustImport(Testdata("roster_5a_cp1251.csv"));
  const school::School& s = school_.School();
  const school::User* pyotr = UserNamed("Иванов Пётр Сергеевич");
  ASSERT_NE(pyotr, nullptr) << ReportOf(plan);
  EXPECT_EQ(pyotr->id, "s-00001");
  EXPECT_EQ(pyotr->login, "ivanov.ps");
  EXPECT_TRUE(pyotr->Has(v1::ROLE_STUDENT));
  EXPECT_EQ(ClassOf(pyotr->id), "2025-2026-5a");
  EXPECT_EQ(s.classes.at("2025-2026-5a").letter, "А");
  // One mother of two children (the same name and phone on two rows) is one parent.
  const school::User* mother = UserNamed("Иванова Мария Петровна");
  ASSERT_NE(mother, nullptr);
  EXPECT_EQ(mother->id, "p-00001");
  EXPECT_EQ(mother->login, "ivanova.mp");
  const school::User* dasha = UserNamed("Иванова Дарья Сергеевна");
  ASSERT_NE(dasha, nullptr);
  EXPECT_TRUE(s.students.at(pyotr->id).guardians.contains(mother->id));
  EXPECT_TRUE(s.students.at(dasha->id).guardians.contains(mother->id));
  EXPECT_EQ(CountPayload(plan, v1::EventBody::kUserRegistered), 7);  // 4 students, 3 parents
  EXPECT_EQ(CountPayload(plan, v1::EventBody::kClassCreated), 1);
  EXPECT_EQ(Row(plan, 3).status, RowStatus::kNew);
  EXPECT_NE(Row(plan, 3).message.find("новый ученик Иванов Пётр Сергеевич"), std::string::npos);
  EXPECT_NE(Row(plan, 3).message.find("зачисление в 5А с 01.09.2025"), std::string::npos);
  // The notes name the encoding and the unused columns.
  const std::string notes = plan.Report();
  EXPECT_NE(notes.find("кодировка Windows-1251"), std::string::npos);
  EXPECT_NE(notes.find("не используются столбцы «Пол»"), std::string::npos);
}

TEST_F(RosterImportTest, ContactsStayOutOfTheEventsAndComeBackForTheLocalStore) {
  ImportPlan plan = MustImport(Testdata("roster_5a_cp1251.csv"));
  for (const auto& b : plan.bodies) {
    const std::string bytes = b.SerializeAsString();
    EXPECT_EQ(bytes.find("123"), std::string::npos) << b.ShortDebugString();
    EXPECT_EQ(bytes.find("mail.ru"), std::string::npos) << b.ShortDebugString();
  }
  EXPECT_EQ(plan.contacts,
            (std::vector<ContactRecord>{{"p-00001", "+79001234567", "ivanova@mail.ru"},
                                        {"p-00002", "+79010001122", ""},
                                        {"p-00003", "", "sidorova@ya.ru"}}));
}

TEST_F(RosterImportTest, ReimportingTheSameFileRecordsNothing) {
  const std::string file = Testdata("roster_5a_cp1251.csv");
  MustImport(file);
  ImportPlan again = Plan(file);
  EXPECT_TRUE(again.ok()) << ReportOf(again);
  EXPECT_TRUE(again.bodies.empty()) << ReportOf(again);
  EXPECT_EQ(again.Count(RowStatus::kUnchanged), 4) << ReportOf(again);
  EXPECT_EQ(Row(again, 3).message, "без изменений");
}

TEST_F(RosterImportTest, ADryRunEqualsTheRealRun) {
  const std::string file = Testdata("roster_6b_utf8_bom.csv");
  ImportPlan dry = Plan(file);
  ImportPlan real = Plan(file);
  EXPECT_EQ(Serialized(dry), Serialized(real));
  EXPECT_EQ(dry.Report(), real.Report());
  EXPECT_EQ(dry.contacts, real.contacts);
  ASSERT_TRUE(school_.Apply(real).ok());
}

TEST_F(RosterImportTest, SecondParentColumnsAndIsoDatesOfAUtf8BomFile) {
  ImportPlan plan = MustImport(Testdata("roster_6b_utf8_bom.csv"));
  const school::User* ilya = UserNamed("Кузнецов Илья Андреевич");
  ASSERT_NE(ilya, nullptr);
  EXPECT_EQ(school_.School().students.at(ilya->id).guardians.size(), 2u);
  const school::User* father = UserNamed("Кузнецов Андрей Павлович");
  ASSERT_NE(father, nullptr);
  bool found = false;
  for (const auto& c : plan.contacts) {
    if (c.user_id == father->id) found = c.phone == "+79005556688";
  }
  EXPECT_TRUE(found) << ReportOf(plan);
}

TEST_F(RosterImportTest, AStudentInAnotherClassIsTransferred) {
  MustImport(kTwoStudents);
  const std::string moved =
      "Фамилия;Имя;Отчество;Класс;ФИО родителя\n"
      "Иванов;Пётр;Сергеевич;5Б;Иванова Мария Петровна\n"
      "Петрова;Анна;;5Б;Петров Игорь Олегович\n";
  ImportPlan plan = Plan(moved);
  ASSERT_TRUE(plan.ok()) << ReportOf(plan);
  ASSERT_EQ(plan.bodies.size(), 1u) << ReportOf(plan);
  EXPECT_TRUE(plan.bodies[0].has_student_moved());
  EXPECT_EQ(plan.bodies[0].student_moved().to_class_id(), "2025-2026-5b");
  EXPECT_EQ(plan.bodies[0].business_date().day(), 1);  // moved_on, the business date
  EXPECT_EQ(Row(plan, 2).status, RowStatus::kChanged);
  EXPECT_EQ(Row(plan, 2).message, "перевод из 5А в 5Б с 01.09.2025");
  EXPECT_EQ(Row(plan, 3).message, "без изменений");
  ASSERT_TRUE(school_.Apply(plan).ok());
}

TEST_F(RosterImportTest, APatronymicAddedLaterRenamesTheStudent) {
  MustImport(kTwoStudents);
  ImportPlan plan = Plan(
      "Фамилия;Имя;Отчество;Класс\n"
      "Петрова;Анна;Игоревна;5Б\n");
  ASSERT_EQ(plan.bodies.size(), 1u) << ReportOf(plan);
  ASSERT_TRUE(plan.bodies[0].has_user_profile_changed());
  EXPECT_EQ(plan.bodies[0].user_profile_changed().display_name(), "Петрова Анна Игоревна");
  EXPECT_EQ(Row(plan, 2).message, "изменение ФИО: «Петрова Анна» → «Петрова Анна Игоревна»");
  ASSERT_TRUE(school_.Apply(plan).ok());
  // A file without the patronymic does not erase it.
  EXPECT_TRUE(Plan("Фамилия;Имя;Класс\nПетрова;Анна;5Б\n").bodies.empty());
}

TEST_F(RosterImportTest, ARenamedPersonFoundByLoginGetsANewName) {
  MustImport("Фамилия;Имя;Класс;Логин\nИванова;Ольга;7В;olga7\n");
  ImportPlan plan = Plan("Фамилия;Имя;Класс;Логин\nСмирнова;Ольга;7В;OLGA7\n");
  ASSERT_TRUE(plan.ok()) << ReportOf(plan);
  ASSERT_EQ(plan.bodies.size(), 1u) << ReportOf(plan);
  EXPECT_EQ(plan.bodies[0].user_profile_changed().display_name(), "Смирнова Ольга");
  EXPECT_EQ(plan.bodies[0].user_profile_changed().login_name(), "");  // the same login
  ASSERT_TRUE(school_.Apply(plan).ok());
}

TEST_F(RosterImportTest, ANewParentOfAKnownStudentIsRegisteredAndLinked) {
  MustImport(kTwoStudents);
  ImportPlan plan = Plan(
      "Фамилия;Имя;Отчество;Класс;ФИО родителя;Родитель 2\n"
      "Иванов;Пётр;Сергеевич;5А;Иванова Мария Петровна;Иванов Сергей Петрович\n");
  ASSERT_TRUE(plan.ok()) << ReportOf(plan);
  ASSERT_EQ(plan.bodies.size(), 2u) << ReportOf(plan);
  EXPECT_EQ(plan.bodies[0].user_registered().display_name(), "Иванов Сергей Петрович");
  EXPECT_EQ(plan.bodies[0].user_registered().login_name(), "ivanov.sp");
  EXPECT_EQ(plan.bodies[0].user_registered().user_id(), "p-00003");
  EXPECT_EQ(plan.bodies[1].guardian_linked().guardian_id(), "p-00003");
  ASSERT_TRUE(school_.Apply(plan).ok());
}

TEST_F(RosterImportTest, GeneratedLoginsAvoidTakenOnesWithoutRegardToCase) {
  MustImport("Фамилия;Имя;Отчество;Класс;Логин\nЛи;Юн;;1А;LI.IU\n");
  ImportPlan plan = MustImport(
      "Фамилия;Имя;Класс\n"
      "Ли;Юлия;1А\n"
      "Ли;Юрий;2А\n");
  ASSERT_EQ(CountPayload(plan, v1::EventBody::kUserRegistered), 2);
  EXPECT_EQ(UserNamed("Ли Юлия")->login, "li.iu2");
  EXPECT_EQ(UserNamed("Ли Юрий")->login, "li.iu3");
  EXPECT_EQ(UserNamed("Ли Юрий")->id, "s-00003");
}

TEST_F(RosterImportTest, ARefusedImportRecordsNothingAndSaysWhyPerRow) {
  ImportPlan plan = Plan(
      "Фамилия;Имя;Класс;Дата рождения;ФИО родителя;Телефон;E-mail\n"
      "Иванов;Пётр;5А;31.02.2014;;;\n"
      "Петров;;5А;;;;\n"
      "Сидоров;Олег;5Ъ1;;;;\n"
      "Кузнецов;Илья;5А;;;8 900;\n"
      "Орлов;Иван;5А;;Орлова Анна;;anna-at-mail\n"
      "Белов;Ян;5А;;;;\n");
  EXPECT_FALSE(plan.ok());
  EXPECT_TRUE(plan.bodies.empty());
  EXPECT_TRUE(plan.contacts.empty());
  EXPECT_EQ(Row(plan, 2).message,
            "поле «Дата рождения»: «31.02.2014» — не дата (ожидается ДД.ММ.ГГГГ)");
  EXPECT_EQ(Row(plan, 2).rule, "R-SET-2");
  EXPECT_EQ(Row(plan, 3).message, "поле «Имя»: пусто: нужно имя ученика");
  EXPECT_NE(Row(plan, 4).message.find("поле «Класс»: «5Ъ1» — не класс"), std::string::npos);
  EXPECT_EQ(Row(plan, 5).message,
            "поле «ФИО родителя»: пусто, а телефон, почта или логин родителя "
            "указаны; поле «Телефон»: «8 900» — не номер телефона (например, "
            "+7 900 123-45-67)");
  EXPECT_EQ(Row(plan, 6).message, "поле «E-mail»: «anna-at-mail» — не адрес электронной почты");
  // A good row says what it would have become.
  EXPECT_EQ(Row(plan, 7).status, RowStatus::kNew);
  EXPECT_EQ(plan.rows.back().Text(),
            "roster.csv, строка 7: новый класс 5А (2025-2026); новый ученик Белов Ян, логин "
            "belov.ia; зачисление в 5А с 01.09.2025");
}

TEST_F(RosterImportTest, AMissingRequiredColumnRefusesTheFile) {
  ImportPlan plan = Plan("Фамилия;Отчество;Дата рождения\nИванов;Сергеевич;01.01.2014\n");
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.rows[0].Text(),
            "roster.csv, строка 1: в заголовке нет обязательных столбцов «Имя», «Класс» (столбцы "
            "ищутся по названиям) [R-SET-2]");
}

TEST_F(RosterImportTest, ColumnsAreFoundByNameInAnyOrderWithSynonyms) {
  ImportPlan plan = MustImport(
      "Электронная почта;КЛАСС;Законный представитель;имя ученика;ФАМИЛИЯ УЧЕНИКА\n"
      "p@x.ru;9 В;Орлова Анна;Иван;Орлов\n");
  ASSERT_NE(UserNamed("Орлов Иван"), nullptr) << ReportOf(plan);
  EXPECT_EQ(plan.contacts[0].email, "p@x.ru");
}

TEST_F(RosterImportTest, MalformedAndWronglyEncodedFilesAreRefusedNamingTheLine) {
  ImportPlan quote = Plan("Фамилия;Имя;Класс\nИванов;\"Пётр;5А\n");
  ASSERT_FALSE(quote.ok());
  EXPECT_EQ(quote.rows[0].Text(),
            "roster.csv, строка 2: кавычка открыта и не закрыта до конца файла [R-SET-2]");
  ImportPlan shifted = Plan("Фамилия;Имя;Класс\nИванов;Пётр;5А;лишнее\n");
  EXPECT_NE(shifted.rows[0].Text().find("строка 2: полей больше, чем столбцов"), std::string::npos);
  ImportPlan utf16 = Plan(Testdata("roster_utf16.csv"));
  ASSERT_FALSE(utf16.ok());
  EXPECT_NE(utf16.rows[0].message.find("UTF-16"), std::string::npos);
}

TEST_F(RosterImportTest, OneStudentInTwoClassesIsRefusedUnlessBirthDatesTellThemApart) {
  ImportPlan twice = Plan("Фамилия;Имя;Класс\nИванов;Пётр;5А\nИванов;Пётр;6А\n");
  ASSERT_FALSE(twice.ok());
  EXPECT_NE(Row(twice, 2).message.find("указан в двух классах: 5А (строка 2) и 6А (строка 3)"),
            std::string::npos);
  EXPECT_EQ(Row(twice, 3).status, RowStatus::kRefused);
  ImportPlan namesakes = Plan(
      "Фамилия;Имя;Класс;Дата рождения\nИванов;Пётр;5А;01.01.2014\nИванов;Пётр;6А;02.02.2013\n");
  EXPECT_TRUE(namesakes.ok()) << ReportOf(namesakes);
}

TEST_F(RosterImportTest, TwoNewStudentsOfOneNameInOneClassAreRefusedAsAmbiguous) {
  ImportPlan plan = Plan("Фамилия;Имя;Класс\nИванов;Пётр;5А\nИВАНОВ;Петр;5 а\n");
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(Row(plan, 2).message.find("в классе 5А два ученика «Иванов Пётр»"), std::string::npos)
      << ReportOf(plan);
  EXPECT_NE(Row(plan, 3).message.find("добавьте отчество"), std::string::npos);
}

TEST_F(RosterImportTest, AnAmbiguousMatchInTheSchoolIsRefused) {
  MustImport(
      "Фамилия;Имя;Класс;Дата рождения\nИванов;Пётр;5А;01.01.2014\nИванов;Пётр;6А;02.02.2013\n");
  // Neither class: two students of that name in the school.
  ImportPlan plan = Plan("Фамилия;Имя;Класс\nИванов;Пётр;7А\n");
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(Row(plan, 2).message,
            "«Иванов Пётр»: в школе несколько учеников с таким именем (s-00001, s-00002); "
            "добавьте отчество, укажите логин или разрешите вручную");
  // Within a class the one there is meant.
  EXPECT_TRUE(Plan("Фамилия;Имя;Класс\nИванов;Пётр;6А\n").bodies.empty());
}

TEST_F(RosterImportTest, NamesakesInOneClassNeedTheirLoginsEveryTime) {
  // With logins, two children of one name in one class can be told apart ...
  const std::string with_logins =
      "Фамилия;Имя;Класс;Логин\nИванов;Пётр;5А;petr1\nИванов;Пётр;5А;petr2\n";
  MustImport(with_logins);
  EXPECT_TRUE(Plan(with_logins).bodies.empty());
  // ... without them, never again.
  ImportPlan plan = Plan("Фамилия;Имя;Класс\nИванов;Пётр;5А\n");
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(Row(plan, 2).message,
            "«Иванов Пётр»: в школе несколько учеников с таким именем (s-00001, s-00002); "
            "добавьте отчество, укажите логин или разрешите вручную");
}

TEST_F(RosterImportTest, ADuplicateLoginIsRefused) {
  ImportPlan plan = Plan("Фамилия;Имя;Класс;Логин\nИванов;Пётр;5А;petya\nСидоров;Олег;5А;PETYA\n");
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(Row(plan, 2).rule, "R-ACC-5");
  EXPECT_NE(Row(plan, 3).message.find("логин «PETYA» указан у нескольких людей"),
            std::string::npos);
  ImportPlan taken = Plan("Фамилия;Имя;Класс;Логин\nИванов;Пётр;5А;admin\n");
  ASSERT_FALSE(taken.ok());
  EXPECT_EQ(Row(taken, 2).Text(),
            "roster.csv, строка 2: логин «admin» уже занят: «Администратор» (admin) уже в школе с "
            "ролями: администратор; в файле — ученик [R-ACC-5]");
}

TEST_F(RosterImportTest, AYearThatIsNotOpenRefusesTheClasses) {
  ImportContext ctx = school_.Context();
  ctx.academic_year_id = "2026-2027";
  ImportPlan plan = PlanRosterImport(kTwoStudents, "roster.csv", &school_.School(), ctx);
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(Row(plan, 2).rule, "R-SET-1");
  EXPECT_NE(Row(plan, 2).message.find("учебный год «2026-2027» не определён"), std::string::npos);
}

TEST_F(RosterImportTest, TheNextYearsRosterMovesStudentsIntoNextYearsClasses) {
  MustImport(kTwoStudents);
  ASSERT_OK(
      school_.DefineYear("2026-2027", LedgerSchool::D(2026, 9, 1), LedgerSchool::D(2027, 5, 31)));
  ImportContext next = school_.Context();
  next.academic_year_id = "2026-2027";
  next.enrolled_on = LedgerSchool::D(2026, 9, 1);
  const std::string csv =
      "Фамилия;Имя;Отчество;Класс\nИванов;Пётр;Сергеевич;6А\nПетрова;Анна;;6Б\nНовиков;Лев;;6А\n";
  ImportPlan plan = PlanRosterImport(csv, "roster.csv", &school_.School(), next);
  ASSERT_TRUE(plan.ok()) << ReportOf(plan);
  EXPECT_EQ(CountPayload(plan, v1::EventBody::kClassCreated), 2);
  EXPECT_EQ(CountPayload(plan, v1::EventBody::kStudentMoved), 2);
  EXPECT_EQ(CountPayload(plan, v1::EventBody::kStudentEnrolled), 1);
  EXPECT_EQ(Row(plan, 2).message, "новый класс 6А (2026-2027); перевод из 5А в 6А с 01.09.2026");
  ASSERT_OK(school_.Apply(plan));
  EXPECT_EQ(school_.School().students.at("s-00001").On(LedgerSchool::D(2026, 9, 2))->class_id,
            "2026-2027-6a");
  EXPECT_TRUE(PlanRosterImport(csv, "roster.csv", &school_.School(), next).bodies.empty());
}

TEST_F(RosterImportTest, OnlyAnAdministratorImports) {
  MustImport(kTwoStudents);
  ImportContext ctx = school_.Context();
  ctx.importer_id = "s-00001";
  ImportPlan plan = PlanRosterImport(kTwoStudents, "roster.csv", &school_.School(), ctx);
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.rows[0].rule, "R-ACC-2");
}

}  // namespace
}  // namespace ejournal::setup
