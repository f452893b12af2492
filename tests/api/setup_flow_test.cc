// The school's set-up through ejournald and the `ejournal` CLI (R-SET-1..3, R-PLAN-1): lessons
// generated from the timetable, the roster and КТП imports with their dry runs, the OneRoster
// export, and who may do each. Real server, real CLI binary, the fixture's school.
#include <gmock/gmock.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "tests/api/flow_fixture.h"

namespace ejournal::testing {
namespace {

using ::testing::HasSubstr;

class SetupFlowTest : public FlowFixture {
 protected:
  void SetUp() override {
    FlowFixture::SetUp();
    if (HasFatalFailure()) return;
    for (const char* user : {"admin", "methodist", "math"}) SetPassword(user);
    SetFirstPassword("parent");
  }
  // The set-up view (GET .../setup) as the administrator reads it.
  nlohmann::json SetupView() {
    if (admin_token_.empty()) admin_token_ = Login("admin").token;
    return Json(GetPath("/api/v1/schools/school-1/setup", admin_token_));
  }
  size_t Users() { return SetupView()["users"].size(); }
  std::string admin_token_;
  std::string WriteFile(const std::string& name, const std::string& bytes) {
    const std::string path = dir_.Sub(name);
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }
};

TEST_F(SetupFlowTest, TheMethodistGeneratesTheTimetablesLessonsOnceSkippingHolidays_R_SET_1) {
  v1::EventBody b = Body("methodist");
  auto* t = b.mutable_timetable_slot_set();
  t->set_slot_id("mon-4");
  t->set_class_id("5a");
  t->set_subject_id("math");
  t->set_teacher_id("math");
  t->set_weekday(v1::WEEKDAY_MONDAY);
  t->set_period(4);
  t->set_room("12");
  *t->mutable_valid()->mutable_first_day() = Date(D(2025, 9, 1));
  ASSERT_EQ(PostEvent(Signed(b))->status, 200);
  ASSERT_EQ(SetupView()["timetable"].size(), 1u);
  At(D(2025, 10, 17), "16:00");
  SignIn("methodist");
  SignIn("math");

  const std::string dry = Ok("methodist", {"lessons", "generate", "--from", "2025-10-20", "--to",
                                           "2025-11-09", "--dry-run"});
  EXPECT_THAT(dry, HasSubstr("Новых уроков: 1"));
  EXPECT_THAT(dry, HasSubstr("осенние каникулы"));
  EXPECT_THAT(dry, HasSubstr("ничего не записано"));
  const uint64_t size_before = LedgerSize();

  const std::string done =
      Ok("methodist", {"lessons", "generate", "--from", "2025-10-20", "--to", "2025-11-09"});
  EXPECT_THAT(done, HasSubstr("Записано событий: 1"));
  EXPECT_EQ(LedgerSize(), size_before + 1);
  const std::string again =
      Ok("methodist", {"lessons", "generate", "--from", "2025-10-20", "--to", "2025-11-09"});
  EXPECT_THAT(again, HasSubstr("Новых уроков: 0"));
  EXPECT_THAT(again, HasSubstr("уже в журнале: 1"));

  // The week as the timetable made it, by name (R-SET-1).
  const std::string week = Ok("methodist", {"timetable", "--class", "5a", "--week", "2025-10-22"});
  EXPECT_THAT(week, HasSubstr("Расписание: 5А, неделя с 20.10.2025"));
  EXPECT_THAT(week, HasSubstr("4. "));
  EXPECT_THAT(week, HasSubstr("каб. 12"));
  EXPECT_THAT(Ok("math", {"timetable", "--teacher", "math", "--week", "2025-10-20"}),
              HasSubstr("5А класс, каб. 12"));
  EXPECT_THAT(Ok("math", {"plans"}), HasSubstr("Планов (КТП) нет."));

  // A teacher does not generate lessons (R-ACC-2).
  ProcessResult denied =
      Cli("math", {"lessons", "generate", "--from", "2025-10-20", "--to", "2025-10-24"});
  EXPECT_NE(denied.exit_code, 0);
  EXPECT_THAT(denied.err + denied.out, HasSubstr("R-ACC-2"));
}

TEST_F(SetupFlowTest, TheAdministratorImportsARosterDryRunFirstAndTwiceRecordsNothingNew_R_SET_2) {
  At(D(2025, 10, 6), "15:00");
  SignIn("admin");
  SignIn("math");
  const std::string csv =
      WriteFile("roster.csv",
                "\xEF\xBB\xBF"
                "Фамилия;Имя;Отчество;Класс;Дата рождения;ФИО родителя;Телефон родителя\r\n"
                "Смирнова;Анна;Игоревна;5А;12.03.2014;Смирнов Игорь Петрович;+7 900 123-45-67\r\n");
  const std::string dry = Ok("admin", {"import", "roster", "--csv", csv, "--dry-run"});
  EXPECT_THAT(dry, HasSubstr("Смирнова Анна Игоревна"));
  EXPECT_THAT(dry, HasSubstr("ничего не записано"));
  const size_t users_before = Users();

  const std::string done = Ok("admin", {"import", "roster", "--csv", csv});
  EXPECT_THAT(done, HasSubstr("Записано событий"));
  EXPECT_THAT(done, HasSubstr("Контакты сохранены"));
  EXPECT_EQ(Users(), users_before + 2);  // the student and her father

  const std::string again = Ok("admin", {"import", "roster", "--csv", csv});
  EXPECT_THAT(again, HasSubstr("событий к записи: 0"));
  EXPECT_EQ(Users(), users_before + 2);

  // A teacher does not import the school's list (R-ACC-2); nothing is recorded.
  ProcessResult denied = Cli("math", {"import", "roster", "--csv", csv, "--dry-run"});
  EXPECT_NE(denied.exit_code, 0);
  EXPECT_THAT(denied.err + denied.out, HasSubstr("R-ACC-2"));
}

TEST_F(SetupFlowTest, ARefusedRowRefusesTheWholeImport_R_SET_2) {
  At(D(2025, 10, 6), "15:00");
  SignIn("admin");
  const std::string csv = WriteFile("bad.csv",
                                    "Фамилия;Имя;Класс;Дата рождения\n"
                                    "Орлов;Илья;5А;01.02.2014\n"
                                    "Соколов;Олег;5А;31.02.2014\n");
  const size_t users_before = Users();
  ProcessResult r = Cli("admin", {"import", "roster", "--csv", csv});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.out, HasSubstr("строка 3"));
  EXPECT_THAT(r.out, HasSubstr("Ничего не записано"));
  EXPECT_EQ(Users(), users_before);
}

TEST_F(SetupFlowTest, TheTeacherImportsAKtpAndTheExportRoundTripsThroughOneRoster_R_PLAN_1) {
  At(D(2025, 10, 6), "15:00");
  SignIn("math");
  SignIn("admin");
  const std::string ktp = WriteFile("ktp.csv",
                                    "№ урока;Тема урока;Кол-во часов;Вид работы\n"
                                    "1;Натуральные числа;2;\n"
                                    "2;Сложение;1;Контрольная работа\n");
  Ok("math", {"import", "plan", "--csv", ktp, "--class", "5a", "--subject", "math", "--term", "0"});
  const nlohmann::json plans = SetupView()["plans"];
  ASSERT_EQ(plans.size(), 1u);
  EXPECT_EQ(plans[0]["topics"].size(), 2u);
  EXPECT_EQ(plans[0]["topics"][0]["hours"], 2);

  const std::string out = dir_.Sub("oneroster");
  Ok("admin", {"export", "oneroster", "--out", out});
  EXPECT_TRUE(std::filesystem::exists(out + "/users.csv"));
  EXPECT_TRUE(std::filesystem::exists(out + "/manifest.csv"));
  // Importing the school's own export records nothing.
  const std::string back = Ok("admin", {"import", "oneroster", "--dir", out, "--dry-run"});
  EXPECT_THAT(back, HasSubstr("событий к записи: 0"));
}

TEST_F(SetupFlowTest, RecordSignsEveryEventOfAFileAndTheRulesStillDecide_R_SET_3) {
  At(D(2025, 10, 6), "15:00");
  SignIn("admin");
  const std::string ok = WriteFile(
      "setup.json",
      R"([{"subjectDefined": {"subjectId": "chem", "name": "Химия", "kind": "SUBJECT_KIND_OTHER"}},
          {"timetableSlotSet": {"slotId": "a", "classId": "5a", "subjectId": "math",
            "teacherId": "math", "weekday": "WEEKDAY_FRIDAY", "period": 2, "room": "7",
            "valid": {"firstDay": {"year": 2025, "month": 9, "day": 1}}}},
          {"timetableSlotSet": {"slotId": "b", "classId": "9a", "subjectId": "math",
            "teacherId": "math", "weekday": "WEEKDAY_FRIDAY", "period": 2, "room": "8",
            "valid": {"firstDay": {"year": 2025, "month": 9, "day": 1}}}}])");
  ProcessResult r = Cli("admin", {"record", "--file", ok});
  EXPECT_NE(r.exit_code, 0);  // the third is refused
  EXPECT_THAT(r.out, HasSubstr("Записано событий: 2; отклонено: 1"));
  EXPECT_THAT(r.out, HasSubstr("R-SET-3"));
  const nlohmann::json view = SetupView();
  bool chem = false;
  for (const auto& subject : view["subjects"]) chem |= subject["subject_id"] == "chem";
  EXPECT_TRUE(chem);
  EXPECT_EQ(view["timetable"].size(), 1u);

  const std::string bad = WriteFile("bad.json", R"({"subjectDefined": {}})");
  ProcessResult refused = Cli("admin", {"record", "--file", bad});
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_THAT(refused.err + refused.out, HasSubstr("JSON-массив"));
}

TEST_F(SetupFlowTest, TheCliSetsUpTheSchoolOneFactAtATimeByName_R_SET_1_R_SET_3) {
  At(D(2025, 10, 6), "15:00");
  SignIn("admin");
  SignIn("methodist");
  SignIn("math");
  Ok("admin", {"subjects", "add", "--name", "Информатика", "--short", "Информ."});
  Ok("admin", {"users", "add", "--name", "Сидорова Анна Петровна", "--login", "sidorova", "--roles",
               "teacher,class-teacher"});
  Ok("admin",
     {"users", "add", "--name", "Кузнецов Иван", "--login", "kuznetsov", "--roles", "ученик"});
  Ok("admin", {"users", "add", "--name", "Кузнецова Ольга Петровна", "--login", "kuznetsova",
               "--roles", "parent"});
  Ok("admin", {"classes", "add", "--grade", "6", "--letter", "Б", "--teacher", "Сидорова"});
  Ok("admin",
     {"students", "enrol", "--student", "Кузнецов Иван", "--class", "6 б", "--on", "2025-10-06"});
  Ok("admin", {"guardians", "link", "--parent", "KUZNETSOVA", "--student", "kuznetsov"});
  Ok("admin", {"load", "assign", "--teacher", "sidorova", "--class", "6Б", "--subject",
               "информатика", "--hours", "1"});

  // Names, never ids, in the tables; 1А < 2А < 10А order.
  const std::string users = Ok("admin", {"users", "list", "--class", "6Б"});
  EXPECT_THAT(users, HasSubstr("Кузнецов Иван"));
  EXPECT_THAT(users, HasSubstr("родитель (Кузнецов Иван)"));
  EXPECT_THAT(users, HasSubstr("Всего: 2"));
  EXPECT_THAT(Ok("admin", {"classes", "list"}), HasSubstr("Сидорова Анна Петровна"));
  EXPECT_THAT(Ok("admin", {"load", "list", "--class", "6Б"}),
              HasSubstr("6Б, Информатика — Сидорова Анна Петровна, 1 ч в неделю"));

  // A name that fits two people is refused with both, and nothing is recorded.
  const uint64_t before = LedgerSize();
  ProcessResult two = Cli("admin", {"users", "roles", "--user", "Кузнецов", "--roles", "student"});
  EXPECT_NE(two.exit_code, 0);
  EXPECT_THAT(two.err, HasSubstr("не один пользователь"));
  EXPECT_THAT(two.err, HasSubstr("Кузнецова Ольга Петровна"));
  EXPECT_THAT(two.err, HasSubstr("R-SET-1"));
  ProcessResult none = Cli("admin", {"students", "enrol", "--student", "Петров", "--class", "6Б"});
  EXPECT_NE(none.exit_code, 0);
  EXPECT_THAT(none.err, HasSubstr("В школе нет: ученик «Петров»"));
  EXPECT_EQ(LedgerSize(), before);

  // The methodist's two-week timetable, changed from a date.
  Ok("methodist",
     {"slots", "add", "--class", "6Б", "--subject", "Информатика", "--teacher", "Сидорова", "--day",
      "пн", "--period", "7", "--room", "30", "--from", "2025-10-06", "--weeks", "odd"});
  EXPECT_THAT(Ok("methodist", {"slots", "list", "--class", "6Б", "--on", "2025-10-06"}),
              HasSubstr("7. Информатика — Сидорова Анна Петровна, каб. 30 (1-я неделя)"));
  const std::string changed =
      Ok("methodist", {"slots", "change", "--class", "6Б", "--day", "пн", "--period", "7", "--from",
                       "13.10.2025", "--room", "31", "--weeks", "every"});
  EXPECT_THAT(changed, HasSubstr("Расписание изменено с 13.10.2025"));
  EXPECT_THAT(Ok("methodist", {"slots", "list", "--class", "6Б", "--on", "2025-10-10"}),
              HasSubstr("каб. 30 (1-я неделя)"));
  const std::string later =
      Ok("methodist", {"slots", "list", "--class", "6Б", "--on", "2025-10-13"});
  EXPECT_THAT(later, HasSubstr("7. Информатика — Сидорова Анна Петровна, каб. 31\n"));
  // A change that clashes is refused and the old lesson holds again.
  Ok("methodist", {"slots", "add", "--class", "5a", "--subject", "Математика", "--teacher", "math",
                   "--day", "вт", "--period", "7", "--room", "40", "--from", "2025-10-06"});
  ProcessResult clash =
      Cli("methodist", {"slots", "change", "--class", "6Б", "--day", "пн", "--period", "7",
                        "--from", "2025-10-20", "--new-day", "вт", "--room", "40"});
  EXPECT_NE(clash.exit_code, 0);
  EXPECT_THAT(clash.err + clash.out, HasSubstr("R-SET-3"));
  EXPECT_THAT(clash.out, HasSubstr("прежний урок восстановлен"));
  EXPECT_THAT(Ok("methodist", {"slots", "list", "--class", "6Б", "--on", "2025-10-27"}),
              HasSubstr("7. Информатика — Сидорова Анна Петровна, каб. 31"));

  // Moves, leaving, days off, bells, the end of a load.
  Ok("admin", {"students", "move", "--student", "kuznetsov", "--class", "5a", "--on", "2025-11-10",
               "--home", "--order", "Приказ № 80"});
  Ok("admin", {"students", "leave", "--student", "kuznetsov", "--on", "2025-12-01", "--reason",
               "transfer", "--comment", "СОШ № 2"});
  Ok("admin", {"users", "deactivate", "--user", "kuznetsova", "--reason", "Ребёнок выбыл"});
  EXPECT_THAT(Ok("admin", {"users", "list", "--role", "parent"}),
              ::testing::Not(HasSubstr("Кузнецова")));
  EXPECT_THAT(Ok("admin", {"users", "list", "--role", "parent", "--all"}), HasSubstr("отключён"));
  Ok("admin", {"holidays", "add", "--name", "Карантин по гриппу", "--from", "2025-12-08", "--to",
               "2025-12-10", "--kind", "quarantine", "--class", "6Б"});
  EXPECT_THAT(Ok("admin", {"year", "show"}),
              HasSubstr("Карантин по гриппу: 08.12.2025 – 10.12.2025"));
  Ok("methodist", {"bells", "set", "--name", "Основное", "--period", "1 08:30-09:15", "--period",
                   "2 09:25-10:10", "--from", "2025-09-01"});
  EXPECT_THAT(Ok("methodist", {"bells", "list"}), HasSubstr("2. 09:25–10:10"));
  Ok("admin", {"load", "end", "--teacher", "sidorova", "--class", "6Б", "--subject", "Информатика",
               "--from", "2025-12-01"});
  EXPECT_THAT(Ok("admin", {"load", "list", "--teacher", "sidorova"}), HasSubstr("по 30.11.2025"));

  // A teacher does not keep the school's users (R-ACC-2).
  ProcessResult denied =
      Cli("math", {"users", "add", "--name", "Кто-то", "--login", "x", "--roles", "admin"});
  EXPECT_NE(denied.exit_code, 0);
  EXPECT_THAT(denied.err + denied.out, HasSubstr("R-ACC-2"));
}

TEST_F(SetupFlowTest, AFirstPasswordIsChangedAtTheFirstSignIn_R_SET_2) {
  // SetUp gave the parent a first password (the administrator's PasswordChanged INITIAL).
  auto first = LoginRequest("school-1", "parent", kPassword, NewSessionKey());
  ASSERT_EQ(first->status, 200);
  EXPECT_EQ(Json(first).value("must_change_password", false), true);
  ProcessResult signed_in = CliLogin("parent");
  EXPECT_THAT(signed_in.out, HasSubstr("Пароль временный"));

  Ok("parent", {"passwd", "--password", "новый пароль родителя"});
  auto again = LoginRequest("school-1", "parent", "новый пароль родителя", NewSessionKey());
  ASSERT_EQ(again->status, 200);
  EXPECT_FALSE(Json(again).contains("must_change_password"));
}

}  // namespace
}  // namespace ejournal::testing
