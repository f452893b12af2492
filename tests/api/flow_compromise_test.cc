// Flow 2 (docs/FLOWS.md "Credential compromise"), end to end through ejournald and the
// CLI: someone signs in with the math teacher's stolen password and changes marks, adds an
// absence, files two correction requests, one of which the deputy approves. The teacher reports
// (late: R-SEC-1); the director previews exactly what the Act would void and records it (R-SEC-2);
// the stolen session stops at once; the journal, the diary and the reports no longer count the
// voided records (R-SEC-3); the audit shows them struck and lists what awaits re-entry; the
// teacher, with a new password and session, re-enters what was true (R-SEC-4).
#include "tests/api/flow_fixture.h"

namespace ejournal::testing {
namespace {

class CompromiseFlowTest : public FlowFixture {
 protected:
  void SetUp() override {
    FlowFixture::SetUp();
    if (HasFatalFailure()) return;
    for (const char* user : {"math", "deputy", "parent", "director"}) SetPassword(user);
  }
  json Page() {
    return Read("deputy", {"journal", "--class", "5a", "--subject", "math", "--term", "1"});
  }
  json Report(std::vector<std::string> args) {
    args.insert(args.begin(), "report");
    return Read("deputy", args);
  }
  // The problems report of 5a for the first October week, as "student/unsatisfactory" ->
  // "lesson=value,..." and "student/missed" -> "lesson,...".
  Grid Problems() {
    Grid out;
    json r = Report({"problems", "class=5a", "from=2025-10-06", "to=2025-10-12"});
    for (const auto& s : r.value("students", json::array())) {
      const std::string id = s.value("student_id", "");
      for (const auto& l : s.value("unsatisfactory", json::array())) {
        std::string& v = out[id + "/unsatisfactory"];
        v += (v.empty() ? "" : ",") + l.value("lesson_id", "") + "=" +
             std::to_string(l.value("value", 0));
      }
      for (const auto& l : s.value("missed", json::array())) {
        std::string& v = out[id + "/missed"];
        v += (v.empty() ? "" : ",") + l.value("lesson_id", "");
      }
    }
    return out;
  }
  // Lessons missed by 5a in October (the attendance report).
  int Missed() {
    json r = Report({"attendance", "class=5a", "from=2025-10-01", "to=2025-10-31"});
    int n = 0;
    for (const auto& m : r.value("months", json::array())) n += m.value("missed", 0);
    return n;
  }
};

TEST_F(CompromiseFlowTest, TheActVoidsTheLeakAndTheTeacherReenters_R_SEC_1_to_4) {
  const school::Day wed = D(2025, 10, 8);
  // Monday as the fixture recorded it (math-5a-1: s1 5, s2 4, s3 absent).
  const Grid monday = {{"math-5a-1/s1", "5"}, {"math-5a-1/s2", "4"}, {"math-5a-1/s3", "н"}};
  At(wed, "08:35");
  SignIn("math");  // the teacher's own session
  SignIn("deputy");
  SignIn("parent");
  SignIn("director");
  EXPECT_EQ(PageGrid(Page()), monday);
  const Grid problems_before = {{"s3/missed", "math-5a-1"}};
  EXPECT_EQ(Problems(), problems_before);
  EXPECT_EQ(Missed(), 1);

  // The leak: someone signs in with the teacher's password and writes in math-5a-2 on Wednesday.
  At(wed, "08:40");
  SignIn("attacker", "math");
  const std::string stolen = CredentialOf("attacker");
  ASSERT_NE(stolen, CredentialOf("math"));
  std::vector<uint64_t> leaked;
  leaked.push_back(
      EntryOf(Ok("attacker", {"mark", "--lesson", "math-5a-2", "--date", "2025-10-08", "--student",
                              "s1", "--value", "2", "--mark-id", "x-1"})));
  leaked.push_back(EntryOf(Ok("attacker", {"absence", "--lesson", "math-5a-2", "--date",
                                           "2025-10-08", "--student", "s2"})));
  const std::string true_absence_event = [&] {
    json h = Read("deputy", {"history", "--lesson", "math-5a-2", "--student", "s2"});
    return h["events"][0].value("event_id", "");
  }();
  leaked.push_back(
      EntryOf(Ok("attacker", {"mark", "--lesson", "math-5a-2", "--date", "2025-10-08", "--student",
                              "s3", "--value", "2", "--mark-id", "x-2"})));
  At(wed, "09:20");
  leaked.push_back(
      EntryOf(Ok("attacker", {"correct", "--lesson", "math-5a-1", "--date", "2025-10-06",
                              "--student", "s1", "--mark-id", "m-s1", "--value", "2", "--reason",
                              "ошибка", "--request", "rq-x1"})));
  leaked.push_back(
      EntryOf(Ok("attacker", {"correct", "--lesson", "math-5a-1", "--date", "2025-10-06",
                              "--student", "s2", "--mark-id", "m-s2", "--value", "2", "--reason",
                              "ошибка", "--request", "rq-x2"})));
  // The deputy, seeing a request from the teacher's login, approves the first one.
  At(wed, "09:30");
  const uint64_t approval = EntryOf(Ok("deputy", {"approve", "--request", "rq-x1"}));
  for (uint64_t s : leaked) ASSERT_NE(s, 0u);
  ASSERT_NE(approval, 0u);

  const Grid leaked_page = {{"math-5a-1/s1", "2*"}, {"math-5a-1/s2", "4"}, {"math-5a-1/s3", "н"},
                            {"math-5a-2/s1", "2"},  {"math-5a-2/s2", "н"}, {"math-5a-2/s3", "2"}};
  EXPECT_EQ(PageGrid(Page()), leaked_page);
  EXPECT_EQ(DiaryGrid(Read("parent", {"diary", "--student", "s1", "--week", "2025-10-06"})),
            (Grid{{"math-5a-1", "2*"}, {"math-5a-2", "2"}}));
  EXPECT_EQ(Read("deputy", {"corrections"})["requests"].size(), 1u);
  EXPECT_EQ(Problems(), (Grid{{"s1/unsatisfactory", "math-5a-1=2,math-5a-2=2"},
                              {"s2/missed", "math-5a-2"},
                              {"s3/missed", "math-5a-1"},
                              {"s3/unsatisfactory", "math-5a-2=2"}}));
  EXPECT_EQ(Missed(), 2);

  // The teacher discovers it at 09:45 and reports only at 11:00: late (R-SEC-1).
  At(wed, "11:00");
  const std::string report =
      Ok("math", {"report-compromise", "--credentials", stolen, "--discovered", "2025-10-08 09:45",
                  "--id", "rep-1", "--circumstances", "пароль подсмотрели"});
  EXPECT_NE(report.find("Сообщение о компрометации учётной записи «math»"), std::string::npos)
      << report;
  json reports = Report({"compromise-reports"});
  ASSERT_EQ(reports["reports"].size(), 1u) << reports.dump(2);
  EXPECT_EQ(reports["reports"][0]["report_id"], "rep-1");
  EXPECT_EQ(reports["reports"][0]["user_id"], "math");
  EXPECT_EQ(reports["reports"][0]["credential_ids"], json::array({stolen}));
  EXPECT_EQ(reports["reports"][0].value("late", false), true) << "75 minutes after the discovery";
  EXPECT_EQ(reports["reports"][0]["reported_at_unix_us"], std::to_string(clock_.NowMicros()));

  // The director's dry run lists exactly what the Act would void, and records nothing.
  At(wed, "11:30");
  const std::vector<std::string> act = {"act",
                                        "--user",
                                        "math",
                                        "--credentials",
                                        stolen,
                                        "--from",
                                        "2025-10-08 08:00",
                                        "--number",
                                        "1",
                                        "--commission",
                                        "director,deputy,admin",
                                        "--report",
                                        "rep-1",
                                        "--id",
                                        "act-1",
                                        "--date",
                                        "2025-10-08",
                                        "--circumstances",
                                        "пароль учителя математики стал известен постороннему"};
  std::vector<std::string> dry_run = act;
  dry_run.push_back("--dry-run");
  const uint64_t size = LedgerSize();
  json preview = Read("director", dry_run);
  EXPECT_EQ(LedgerSize(), size) << "a dry run records nothing";
  std::vector<uint64_t> expected = leaked;
  expected.push_back(approval);
  EXPECT_EQ(Sequences(preview), expected) << preview.dump(2);
  EXPECT_EQ(AuditLines(preview),
            (std::vector<std::string>{
                "mark_recorded by math INVALID()", "attendance_recorded by math INVALID()",
                "mark_recorded by math INVALID()", "correction_requested by math INVALID()",
                "correction_requested by math INVALID()",
                "correction_approved by deputy INVALID() <- " + std::to_string(leaked[3])}))
      << preview.dump(2);
  for (const auto& e : preview["events"]) {
    if (e["actor_id"] == "math") {
      EXPECT_EQ(e["credential_id"], stolen);
    }
  }
  // The human-readable dry run says the same.
  const std::string table = Ok("director", dry_run);
  EXPECT_NE(table.find("Акт признает недействительными записей: 6 (R-SEC-3)"), std::string::npos)
      << table;
  EXPECT_NE(table.find("опирается на запись " + std::to_string(leaked[3])), std::string::npos)
      << table;

  // The Act, with its number and moment.
  const std::string recorded = Ok("director", act);
  const uint64_t act_seq = EntryOf(recorded);
  json act_entry = Read("director", {"entry", "--sequence", std::to_string(act_seq)});
  const json& a = act_entry["body"]["credential_compromise_act_recorded"];
  EXPECT_EQ(a["act_id"], "act-1");
  EXPECT_EQ(a["act_number"], "1");
  EXPECT_EQ(a["report_id"], "rep-1");
  EXPECT_EQ(a["affected_user_id"], "math");
  EXPECT_EQ(a["invalid_from_us"],
            std::to_string(clock_.NowMicros() - (3 * 60 + 30) * 60'000'000LL));

  // The stolen session stops at once: writes and reads answer 401.
  ProcessResult r = Cli("attacker", {"mark", "--lesson", "math-5a-2", "--date", "2025-10-08",
                                     "--student", "s2", "--value", "2"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("Отказ (нужно войти): Ключ «" + stolen + "» отозван"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("отозван актом о компрометации: войдите снова [R-SEC-2]"), std::string::npos)
      << r.err;
  r = Cli("attacker", {"journal", "--class", "5a", "--subject", "math"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("Отказ (нужно войти)"), std::string::npos) << r.err;
  EXPECT_EQ(LedgerSize(), act_seq);

  // The journal, the diary, the queue and the reports no longer count the voided records.
  EXPECT_EQ(PageGrid(Page()), monday);
  EXPECT_EQ(DiaryGrid(Read("parent", {"diary", "--student", "s1", "--week", "2025-10-06"})),
            (Grid{{"math-5a-1", "5"}}));
  EXPECT_EQ(Read("deputy", {"corrections"}).value("requests", json::array()).size(), 0u);
  EXPECT_EQ(Problems(), problems_before);
  EXPECT_EQ(Missed(), 1);

  // The audit shows them struck ...
  json cell = Read("deputy", {"history", "--lesson", "math-5a-1", "--student", "s1"});
  EXPECT_EQ(AuditLines(cell),
            (std::vector<std::string>{
                "mark_recorded by math", "correction_requested by math INVALID(act-1)",
                "correction_approved by deputy INVALID(act-1) <- " + std::to_string(leaked[3]),
                "credential_compromise_act_recorded by director"}))
      << cell.dump(2);
  EXPECT_EQ(CellText(cell["current"]), "5");
  // ... and lists what awaits re-entry: the records and the requests (not the deputy's approval,
  // the deputy's own decision).
  json awaiting = Report({"awaiting-reentry"});
  EXPECT_EQ(Sequences(awaiting), leaked) << awaiting.dump(2);

  // The teacher sets a new password with their own session, signs in anew, and re-enters what was
  // true: s2 was absent on Wednesday. The stolen password no longer opens anything.
  At(wed, "12:00");
  Ok("math", {"passwd", "--password", "новый пароль 2025"});
  r = Cli("attacker", {"login", "--server", url_, "--school", kSchool, "--login", "math",
                       "--password", kPassword});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("Отказ (нужно войти)"), std::string::npos) << r.err;
  SignIn("math", "math", "новый пароль 2025");
  EXPECT_NE(CredentialOf("math"), stolen);
  // A re-entry names the same cell as the voided record (R-SEC-4).
  r = Cli("math", {"absence", "--lesson", "math-5a-2", "--date", "2025-10-08", "--student", "s3",
                   "--reenters", true_absence_event});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("Повторная запись — о той же ячейке, что и заменяемая: Математика, 5А, "
                       "08.10.2025, 1-й урок, «s2» [R-SEC-4]"),
            std::string::npos)
      << r.err;
  const uint64_t reentry =
      EntryOf(Ok("math", {"absence", "--lesson", "math-5a-2", "--date", "2025-10-08", "--student",
                          "s2", "--reenters", true_absence_event}));
  ASSERT_NE(reentry, 0u);
  Grid reentered = monday;
  reentered["math-5a-2/s2"] = "н";
  EXPECT_EQ(PageGrid(Page()), reentered);
  EXPECT_EQ(Missed(), 2);
  EXPECT_EQ(Problems(), (Grid{{"s2/missed", "math-5a-2"}, {"s3/missed", "math-5a-1"}}));
  awaiting = Report({"awaiting-reentry"});
  EXPECT_EQ(Sequences(awaiting),
            (std::vector<uint64_t>{leaked[0], leaked[2], leaked[3], leaked[4]}))
      << awaiting.dump(2);
  cell = Read("deputy", {"history", "--lesson", "math-5a-2", "--student", "s2"});
  EXPECT_EQ(AuditLines(cell), (std::vector<std::string>{
                                  "attendance_recorded by math INVALID(act-1)",
                                  "credential_compromise_act_recorded by director",
                                  "attendance_recorded by math",
                              }))
      << cell.dump(2);
  ASSERT_EQ(cell["events"].size(), 3u);
  EXPECT_EQ(cell["events"][0]["reentered_by"], std::to_string(reentry));
  EXPECT_EQ(cell["events"][2]["sequence"], std::to_string(reentry));
  EXPECT_EQ(cell["events"][2]["reenters_event_id"], true_absence_event);
  EXPECT_EQ(cell["events"][2]["credential_id"], CredentialOf("math"));
}

}  // namespace
}  // namespace ejournal::testing
