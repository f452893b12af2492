// The `ejournal` CLI as a client (tools/client.h) against a real ejournald on 127.0.0.1: a teacher
// signs in, records a mark, is refused with the server's words and rule id, files a correction;
// the deputy sees the queue and approves it; the parent reads the diary with the corrected mark and
// is refused another child's; the director's Act dry run lists what it would invalidate. Every
// write goes through the real binary, signed with the session key the server bound at login.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <utility>
#include <vector>

#include "tests/api/flow_fixture.h"

namespace ejournal::testing {
namespace {

class CliClientTest : public FlowFixture {
 protected:
  void SetUp() override {
    FlowFixture::SetUp();
    if (HasFatalFailure()) return;
    for (const char* user : {"math", "deputy", "parent", "director"}) SetPassword(user);
  }
};

// The journal table shows the students by their registered names, in one column of 24
// characters however many bytes a name takes (Cyrillic letters are two).
TEST_F(CliClientTest, JournalTableNamesTheStudentsInAnAlignedColumn) {
  v1::EventBody rename = Body("admin");
  rename.mutable_user_profile_changed()->set_user_id("s1");
  rename.mutable_user_profile_changed()->set_display_name("Иванова Мария");
  auto posted = PostEvent(Signed(rename));
  ASSERT_TRUE(posted);
  ASSERT_EQ(posted->status, 200) << posted->body;
  At(D(2025, 10, 6), "08:50");
  ASSERT_EQ(CliLogin("deputy").exit_code, 0);
  ProcessResult r = Cli("deputy", {"journal", "--class", "5a", "--subject", "math", "--term", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::map<std::string, std::string> rows;  // the name that starts a line -> the line
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    for (const std::string name : {"Иванова Мария", "s2", "s3"}) {
      if (line.starts_with(name + " ")) rows[name] = line;
    }
  }
  ASSERT_EQ(rows.size(), 3u) << r.out;
  EXPECT_TRUE(rows["Иванова Мария"].starts_with("Иванова Мария" + std::string(11, ' ') + " "))
      << r.out;
  EXPECT_TRUE(rows["s2"].starts_with("s2" + std::string(22, ' ') + " ")) << r.out;
  // The page by name: the class, the subject and the period, never their ids.
  EXPECT_TRUE(r.out.starts_with("Журнал: 5А, Математика, 1-я четверть (запись журнала № "))
      << r.out;
  // The diary: the student's name, subjects by name.
  ProcessResult diary = Cli("deputy", {"diary", "--student", "s1", "--week", "2025-10-06"});
  ASSERT_EQ(diary.exit_code, 0) << diary.err;
  EXPECT_TRUE(diary.out.starts_with("Дневник: Иванова Мария, неделя с 06.10.2025")) << diary.out;
  EXPECT_NE(diary.out.find("1. Математика"), std::string::npos) << diary.out;
  EXPECT_EQ(diary.out.find(" math "), std::string::npos) << diary.out;
}

TEST_F(CliClientTest, MarkCorrectionApprovalAndTheDiary_R_COR_1_R_MARK_3_R_ACC_3) {
  ProcessResult r = CliLogin("math");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Вход выполнен (math)"), std::string::npos) << r.out;
  At(D(2025, 10, 6), "08:50");  // during math-5a-1 (Monday, period 1)
  const uint64_t before = LedgerSize();
  r = Cli("math", {"mark", "--lesson", "math-5a-1", "--date", "2025-10-06", "--student", "s3",
                   "--value", "3", "--work", "answer", "--mark-id", "cli-m1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Записано: запись №" + std::to_string(before + 1)), std::string::npos)
      << r.out;
  // Refusals are the server's words with the rule id, and append nothing.
  const uint64_t after_mark = LedgerSize();
  r = Cli("math", {"mark", "--lesson", "math-5a-1", "--date", "2025-10-06", "--student", "s3",
                   "--value", "7"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("Отказ (неверные данные): Отметка — от 1 до 5, а не 7 [R-MARK-1]"),
            std::string::npos)
      << r.err;
  At(D(2025, 10, 7), "09:00");               // the next day: an answer in class is past its window
  ASSERT_EQ(CliLogin("math").exit_code, 0);  // yesterday's session has expired (12 h)
  const uint64_t signed_in = LedgerSize();
  r = Cli("math", {"mark", "--lesson", "math-5a-1", "--date", "2025-10-06", "--student", "s2",
                   "--value", "5"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("Отказ (правило школы не позволяет): Срок выставления этой отметки прошёл"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("[R-MARK-3]"), std::string::npos) << r.err;
  EXPECT_EQ(after_mark, before + 1);
  EXPECT_EQ(LedgerSize(), signed_in);
  // The correction names the cell's current record, looked up through the cell history.
  r = Cli("math", {"correct", "--lesson", "math-5a-1", "--date", "2025-10-06", "--student", "s3",
                   "--mark-id", "cli-m1", "--value", "4", "--reason", "ошибка при выставлении",
                   "--request", "cli-rq-1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Заявка на исправление отметки 3 → 4"), std::string::npos) << r.out;
  // The deputy's queue and approval.
  ASSERT_EQ(CliLogin("deputy").exit_code, 0);
  r = Cli("deputy", {"corrections", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("cli-rq-1"), std::string::npos) << r.out;
  r = Cli("deputy", {"approve", "--request", "cli-rq-1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // The parent's diary shows 4 now; another child's diary is "not yours" exactly like "unknown".
  ASSERT_EQ(CliLogin("parent").exit_code, 0);
  r = Cli("parent", {"diary", "--student", "s1", "--week", "2025-10-06"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Дневник: s1, неделя с 06.10.2025"), std::string::npos) << r.out;
  r = Cli("parent", {"diary", "--student", "s3", "--week", "2025-10-06", "--json"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("Отказ (не найдено)"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
  // The deputy reads the corrected cell.
  r = Cli("deputy", {"history", "--lesson", "math-5a-1", "--student", "s3", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto history = nlohmann::json::parse(r.out);
  ASSERT_TRUE(history.contains("current"));
  ASSERT_EQ(history["current"]["marks"].size(), 1u);
  EXPECT_EQ(history["current"]["marks"][0]["value"], 4);
  // Logout: the session's key stops working at once.
  r = Cli("math", {"logout"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = Cli("math", {"diary", "--student", "s1"});
  EXPECT_EQ(r.exit_code, 1);
}

TEST_F(CliClientTest, TheActDryRunListsWhatItWouldInvalidate_R_SEC_3) {
  ASSERT_EQ(CliLogin("math").exit_code, 0);
  At(D(2025, 10, 6), "09:00");
  ProcessResult r =
      Cli("math", {"absence", "--lesson", "math-5a-1", "--date", "2025-10-06", "--student", "s3"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(CliLogin("director").exit_code, 0);
  const uint64_t before = LedgerSize();
  // Math's credentials: the long-lived one of the fixture and the CLI session's.
  std::ifstream profile(Profile("math"));
  const auto session = nlohmann::json::parse(profile);
  const std::string credentials =
      signers_.at("math").credential_id + "," + session["credential_id"].get<std::string>();
  r = Cli("director",
          {"act", "--user", "math", "--credentials", credentials, "--from", "2025-10-06 08:00",
           "--number", "1", "--commission", "director,deputy", "--dry-run"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Акт признает недействительными записей"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("пропуск/опоздание"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("отметка"), std::string::npos) << r.out;
  // R-ACC-4: who by name (the fixture names users by their ids).
  EXPECT_NE(r.out.find(" math "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("подписана скомпрометированным ключом"), std::string::npos) << r.out;
  EXPECT_EQ(LedgerSize(), before) << "a dry run records nothing";
}

// A backup while the server runs (the second carrier): the administrator asks the server, the
// backup restores into a ledger that verifies; a teacher may not ask (R-ACC-2).
TEST_F(CliClientTest, TheRunningServerBacksUpForTheAdministrator_R_ACC_2) {
  SetPassword("admin");
  ASSERT_EQ(CliLogin("admin").exit_code, 0);
  ProcessResult r = Cli("admin", {"server-backup"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"backup_id\":1"), std::string::npos) << r.out;
  ASSERT_EQ(CliLogin("math").exit_code, 0);
  r = Cli("math", {"server-backup"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("Отказ (нет права)"), std::string::npos) << r.err;
  TempDir restored;
  const std::string verified = RestoredBackupVerified(restored.Sub("copy"));
  EXPECT_NE(verified.find("ledger OK"), std::string::npos) << verified;
}

// Golden tables: what a person reads at the terminal, whole, with people, classes, subjects and
// periods by name and no internal id (the fixture's users get names first).
TEST_F(CliClientTest, TablesReadAsGoldenTextsWithNamesOnly) {
  for (const auto& [id, name] :
       std::vector<std::pair<std::string, std::string>>{{"s1", "Иванова Мария"},
                                                        {"s2", "Петров Пётр"},
                                                        {"s3", "Сидоров Иван"},
                                                        {"math", "Смирнова Анна Петровна"}}) {
    v1::EventBody rename = Body("admin");
    rename.mutable_user_profile_changed()->set_user_id(id);
    rename.mutable_user_profile_changed()->set_display_name(name);
    auto posted = PostEvent(Signed(rename));
    ASSERT_TRUE(posted);
    ASSERT_EQ(posted->status, 200) << posted->body;
  }
  At(D(2025, 10, 6), "09:00");
  ASSERT_EQ(CliLogin("math").exit_code, 0);
  ASSERT_EQ(CliLogin("deputy").exit_code, 0);
  ASSERT_EQ(CliLogin("parent").exit_code, 0);
  ASSERT_EQ(Cli("math", {"correct", "--lesson", "math-5a-1", "--date", "2025-10-06", "--student",
                         "s2", "--mark-id", "m-s2", "--value", "5", "--work", "answer", "--reason",
                         "описка", "--request", "rq-golden"})
                .exit_code,
            0);
  const std::string journal =
      Ok("deputy", {"journal", "--class", "5a", "--subject", "math", "--term", "1"});
  EXPECT_EQ(journal, R"(Журнал: 5А, Математика, 1-я четверть (запись журнала № 81)
                         08.09 06.10 08.10  за период
Иванова Мария                      5        (5)  отметок 1 из 7, ср. 5,00
Петров Пётр                        4        (4)  отметок 1 из 7, ср. 4,00
Сидоров Иван                       н        —    отметок 0 из 7, ср. —

Темы:
  не записаны
)") << journal;
  const std::string diary = Ok("parent", {"diary", "--student", "s1", "--week", "2025-10-06"});
  EXPECT_EQ(diary, R"(Дневник: Иванова Мария, неделя с 06.10.2025 (запись журнала № 81)

06.10.2025
  1. Математика             5
  2. Русский язык
  3. Физическая культура

08.10.2025
  1. Математика
)") << diary;
  const std::string queue = Ok("deputy", {"corrections"});
  EXPECT_EQ(queue, R"(Заявки на исправление, ждут решения: 1
  06.10.2025 5А, Математика, Петров Пётр: отметка 5 (ответ на уроке); причина «описка»; подал(а) Смирнова Анна Петровна
)") << queue;
  const std::string history = Ok("deputy", {"history", "--lesson", "math-5a-1", "--student", "s2"});
  EXPECT_EQ(history, R"(Сейчас в ячейке: 4
  06.10.2025 08:40  Смирнова Анна Петровна    отметка 4 (ответ на уроке)
  06.10.2025 09:00  Смирнова Анна Петровна    заявка: отметка 5 (ответ на уроке), причина «описка»
)") << history;
  for (const std::string* out : {&journal, &diary, &queue, &history}) {
    for (const char* id : {" s1", " s2", " s3", " math ", "5a ", "m-s2", "rq-golden"}) {
      EXPECT_EQ(out->find(id), std::string::npos) << id << " in\n" << *out;
    }
  }
}

}  // namespace
}  // namespace ejournal::testing
