// Flow 1 (docs/FLOWS.md "Grade correction"), end to end through ejournald and the CLI:
// a teacher records a wrong mark and asks to correct it; the deputy sees the request in the queue
// with the original, the proposal and the cell's history while the diary and the journal still
// show the old mark; the requester may not decide (R-COR-1); the approval changes the diary and
// the journal; a rejection changes nothing; a mark past its window enters only as an approved
// correction (R-MARK-3); term and final marks refuse corrections, and a final mark of grade 9
// changes only by the director's order with its number and the written explanations (R-COR-2).
#include "ledger/crypto.h"
#include "tests/api/flow_fixture.h"

namespace ejournal::testing {
namespace {

class CorrectionFlowTest : public FlowFixture {
 protected:
  void SetUp() override {
    FlowFixture::SetUp();
    if (HasFatalFailure()) return;
    for (const char* user : {"math", "deputy", "parent", "director"}) SetPassword(user);
  }
  json Page(const std::string& who) {
    return Read(who, {"journal", "--class", "5a", "--subject", "math", "--term", "1"});
  }
  json Diary(const std::string& who, const std::string& student, const std::string& week) {
    return Read(who, {"diary", "--student", student, "--week", week});
  }
  json History(const std::string& who, const std::string& lesson, const std::string& student) {
    return Read(who, {"history", "--lesson", lesson, "--student", student});
  }
};

TEST_F(CorrectionFlowTest, RequestQueueApprovalRejectionAndLateEntry_R_COR_1_R_COR_3_R_MARK_3) {
  // The fixture's Monday lesson math-5a-1: s1 5, s2 4, s3 absent.
  const Grid initial = {{"math-5a-1/s1", "5"}, {"math-5a-1/s2", "4"}, {"math-5a-1/s3", "н"}};
  At(D(2025, 10, 6), "08:50");
  SignIn("math");
  SignIn("deputy");
  SignIn("parent");
  EXPECT_EQ(PageGrid(Page("deputy")), initial);

  // 1. The teacher records a wrong mark (2 instead of 4) during the lesson.
  const std::string marked =
      Ok("math", {"mark", "--lesson", "math-5a-1", "--date", "2025-10-06", "--student", "s1",
                  "--value", "2", "--work", "control", "--mark-id", "m-wrong"});
  const uint64_t mark_seq = EntryOf(marked);
  const std::string mark_event = EventOf(marked);
  ASSERT_NE(mark_seq, 0u) << marked;
  const int64_t marked_at = clock_.NowMicros();
  Grid wrong = initial;
  wrong["math-5a-1/s1"] = "5 2";
  EXPECT_EQ(PageGrid(Page("deputy")), wrong);
  EXPECT_EQ(DiaryGrid(Diary("parent", "s1", "2025-10-06")), (Grid{{"math-5a-1", "5 2"}}));

  // 2. Noticed after the lesson: a correction request with the reason. Nothing changes yet.
  At(D(2025, 10, 6), "10:00");
  const std::string requested =
      Ok("math", {"correct", "--lesson", "math-5a-1", "--date", "2025-10-06", "--student", "s1",
                  "--mark-id", "m-wrong", "--value", "4", "--work", "control", "--reason",
                  "описка: верная отметка 4", "--request", "rq-1"});
  EXPECT_NE(requested.find("Заявка на исправление отметки 2 → 4"), std::string::npos) << requested;
  const uint64_t request_seq = EntryOf(requested);
  const int64_t requested_at = clock_.NowMicros();
  EXPECT_EQ(PageGrid(Page("deputy")), wrong);
  EXPECT_EQ(DiaryGrid(Diary("parent", "s1", "2025-10-06")), (Grid{{"math-5a-1", "5 2"}}));

  // 3. The deputy's queue (R-COR-3): the original, the proposal and the reason.
  json queue = Read("deputy", {"corrections"});
  ASSERT_EQ(queue["requests"].size(), 1u) << queue.dump(2);
  const json& q = queue["requests"][0];
  EXPECT_EQ(q["request_id"], "rq-1");
  EXPECT_EQ(q["requester_id"], "math");
  EXPECT_EQ(q["student_id"], "s1");
  EXPECT_EQ(q["subject_name"], "Математика");
  EXPECT_EQ(q["target"], "mark");
  EXPECT_EQ(q["target_key"], "mark/m-wrong");
  EXPECT_EQ(q["lesson_id"], "math-5a-1");
  EXPECT_EQ(q["reason"], "описка: верная отметка 4");
  EXPECT_EQ(q["requested_at_unix_us"], std::to_string(requested_at));
  EXPECT_EQ(q["business_date"], (json{{"year", 2025}, {"month", 10}, {"day", 6}}));
  EXPECT_EQ(q["sequence"], std::to_string(request_seq));
  EXPECT_EQ(q["original_event_id"], mark_event);
  EXPECT_EQ(q["original_sequence"], std::to_string(mark_seq));
  EXPECT_EQ(q["proposal"]["mark"]["mark_id"], "m-wrong");
  EXPECT_EQ(q["proposal"]["mark"]["value"]["value"], 4);
  EXPECT_EQ(q["proposal"]["mark"]["work_type"], "WORK_TYPE_CONTROL_WORK");
  // ... and the cell's history beside it: who wrote what, when.
  json history = History("deputy", "math-5a-1", "s1");
  EXPECT_EQ(AuditLines(history),
            (std::vector<std::string>{"mark_recorded by math", "mark_recorded by math",
                                      "correction_requested by math"}))
      << history.dump(2);
  EXPECT_EQ(CellText(history["current"]), "5 2");

  // 4. The requester may not decide: a teacher does not decide at all (R-ACC-2), and a deputy
  // who teaches never approves their own request (R-COR-1, see the test below).
  ProcessResult r = Cli("math", {"approve", "--request", "rq-1"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("Отказ (нет права)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("[R-ACC-2]"), std::string::npos) << r.err;
  EXPECT_EQ(PageGrid(Page("deputy")), wrong);

  // 5. The deputy approves: the journal and the diary show 4 now, marked as a correction.
  At(D(2025, 10, 6), "10:30");
  const uint64_t approve_seq =
      EntryOf(Ok("deputy", {"approve", "--request", "rq-1", "--comment", "проверено"}));
  const int64_t approved_at = clock_.NowMicros();
  Grid corrected = initial;
  corrected["math-5a-1/s1"] = "5 4*";
  EXPECT_EQ(PageGrid(Page("deputy")), corrected);
  EXPECT_EQ(DiaryGrid(Diary("parent", "s1", "2025-10-06")), (Grid{{"math-5a-1", "5 4*"}}));
  EXPECT_EQ(Read("deputy", {"corrections"}).value("requests", json::array()).size(), 0u);
  // The audit: original, request, decision; who and when.
  history = History("deputy", "math-5a-1", "s1");
  ASSERT_EQ(history["events"].size(), 4u) << history.dump(2);
  const json& original = history["events"][1];
  EXPECT_EQ(original["sequence"], std::to_string(mark_seq));
  EXPECT_EQ(original["type"], "mark_recorded");
  EXPECT_EQ(original["actor_id"], "math");
  EXPECT_EQ(original["recorded_at_us"], std::to_string(marked_at));
  EXPECT_EQ(original["superseded_by"], std::to_string(approve_seq));
  const json& request = history["events"][2];
  EXPECT_EQ(request["type"], "correction_requested");
  EXPECT_EQ(request["actor_id"], "math");
  EXPECT_EQ(request["recorded_at_us"], std::to_string(requested_at));
  EXPECT_EQ(BodyOf(request)["correction_requested"]["reason"], "описка: верная отметка 4");
  const json& decision = history["events"][3];
  EXPECT_EQ(decision["sequence"], std::to_string(approve_seq));
  EXPECT_EQ(decision["type"], "correction_approved");
  EXPECT_EQ(decision["actor_id"], "deputy");
  EXPECT_EQ(decision["recorded_at_us"], std::to_string(approved_at));
  EXPECT_EQ(BodyOf(decision)["correction_approved"]["comment"], "проверено");
  EXPECT_EQ(CellText(history["current"]), "5 4*");

  // 6. A rejection with its reason changes nothing.
  At(D(2025, 10, 6), "11:00");
  Ok("math",
     {"correct", "--lesson", "math-5a-1", "--date", "2025-10-06", "--student", "s2", "--mark-id",
      "m-s2", "--value", "5", "--reason", "ответ был полным", "--request", "rq-2"});
  ASSERT_EQ(Read("deputy", {"corrections"})["requests"].size(), 1u);
  r = Cli("deputy", {"reject", "--request", "rq-2", "--reason", ""});
  EXPECT_EQ(r.exit_code, 1) << "a rejection gives its reason";
  EXPECT_NE(r.err.find("[R-COR-3]"), std::string::npos) << r.err;
  Ok("deputy", {"reject", "--request", "rq-2", "--reason", "нет оснований"});
  EXPECT_EQ(PageGrid(Page("deputy")), corrected);
  EXPECT_EQ(Read("deputy", {"corrections"}).value("requests", json::array()).size(), 0u);
  history = History("deputy", "math-5a-1", "s2");
  EXPECT_EQ(AuditLines(history),
            (std::vector<std::string>{"mark_recorded by math", "correction_requested by math",
                                      "correction_rejected by deputy"}))
      << history.dump(2);
  EXPECT_EQ(BodyOf(history["events"][2])["correction_rejected"]["reason"], "нет оснований");
  r = Cli("deputy", {"approve", "--request", "rq-2"});
  EXPECT_EQ(r.exit_code, 1) << "a decided request is not decided again";
  EXPECT_NE(r.err.find("уже принято решение [R-COR-3]"), std::string::npos) << r.err;

  // 7. The next day an answer-in-class mark for Monday is past its window (R-MARK-3) ...
  At(D(2025, 10, 7), "09:00");
  SignIn("math");  // yesterday's sessions have expired
  SignIn("deputy");
  const uint64_t size = LedgerSize();
  r = Cli("math", {"mark", "--lesson", "math-5a-1", "--date", "2025-10-06", "--student", "s2",
                   "--value", "5", "--mark-id", "m-late"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("Отказ (правило школы не позволяет): Срок выставления этой отметки прошёл"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("[R-MARK-3]"), std::string::npos) << r.err;
  EXPECT_EQ(LedgerSize(), size) << "a refusal records nothing";
  // ... and enters only as a correction the deputy approves.
  const std::string late =
      Ok("math", {"correct", "--late-entry", "--lesson", "math-5a-1", "--date", "2025-10-06",
                  "--student", "s2", "--mark-id", "m-late", "--value", "5", "--reason",
                  "не выставлена на уроке", "--request", "rq-late"});
  EXPECT_NE(late.find("Заявка на позднюю отметку 5 (срок выставления прошёл)"), std::string::npos)
      << late;
  queue = Read("deputy", {"corrections"});
  ASSERT_EQ(queue["requests"].size(), 1u) << queue.dump(2);
  EXPECT_EQ(queue["requests"][0]["target_key"], "mark/m-late");
  EXPECT_FALSE(queue["requests"][0].contains("original_event_id")) << "a late entry has none";
  EXPECT_EQ(PageGrid(Page("deputy")), corrected) << "not before the approval";
  Ok("deputy", {"approve", "--request", "rq-late"});
  Grid with_late = corrected;
  with_late["math-5a-1/s2"] = "4 5*";
  EXPECT_EQ(PageGrid(Page("deputy")), with_late);
}

// R-COR-1: a deputy who also teaches asks to correct their own mark; they may not approve it,
// another deputy does.
TEST_F(CorrectionFlowTest, TheApproverIsNeverTheRequester_R_COR_1) {
  At(D(2025, 10, 6), "08:45");
  // A teaching deputy (завуч с нагрузкой) with a Russian lesson in 9a, set up by the administrator
  // and the methodist through the API.
  v1::EventBody user = Body("admin");
  user.mutable_user_registered()->set_user_id("dt");
  user.mutable_user_registered()->add_roles(v1::ROLE_TEACHER);
  user.mutable_user_registered()->add_roles(v1::ROLE_DEPUTY);
  user.mutable_user_registered()->set_login_name("dt");
  v1::EventBody load = Body("admin");
  auto* l = load.mutable_teaching_load_assigned();
  l->set_load_id("l-rus-9a");
  l->set_teacher_id("dt");
  l->set_class_id("9a");
  l->set_subject_id("russian");
  l->set_weekly_hours(2);
  l->set_academic_year_id("2025");
  for (const auto& body :
       {user, load, ScheduleLesson("rus-9a-1", "9a", "russian", "dt", D(2025, 10, 6), 3)}) {
    auto res = PostEvent(Signed(body));
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200) << res->body;
  }
  SetPassword("dt");
  SignIn("dt");
  SignIn("deputy");
  At(D(2025, 10, 6), "10:40");
  Ok("dt", {"mark", "--lesson", "rus-9a-1", "--date", "2025-10-06", "--student", "n1", "--value",
            "3", "--mark-id", "dt-m1"});
  Ok("dt", {"correct", "--lesson", "rus-9a-1", "--date", "2025-10-06", "--student", "n1",
            "--mark-id", "dt-m1", "--value", "4", "--reason", "описка", "--request", "rq-dt"});
  const uint64_t size = LedgerSize();
  ProcessResult r = Cli("dt", {"approve", "--request", "rq-dt"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("Отказ (нет права): Свою заявку не утверждают"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("[R-COR-1]"), std::string::npos) << r.err;
  EXPECT_EQ(LedgerSize(), size);
  EXPECT_EQ(CellText(Read("deputy", {"history", "--lesson", "rus-9a-1", "--student", "n1"})
                         .value("current", json::object())),
            "3");
  Ok("deputy", {"approve", "--request", "rq-dt"});
  EXPECT_EQ(CellText(Read("deputy", {"history", "--lesson", "rus-9a-1", "--student", "n1"})
                         .value("current", json::object())),
            "4*");
}

// R-COR-2: term, year and final marks refuse corrections; in grade 9 a final mark changes only by
// the director's order, which carries its number and the explanations of the teacher and deputy.
TEST_F(CorrectionFlowTest, FinalMarksChangeOnlyByTheDirectorsOrder_R_COR_2) {
  At(D(2026, 5, 26), "12:00");
  SignIn("math");
  SignIn("deputy");
  SignIn("director");
  const std::string recorded = Ok("math", {"term-mark", "--student", "n1", "--subject", "math",
                                           "--year", "2025", "--period", "final", "--value", "3"});
  const std::string final_event = EventOf(recorded);
  const std::string final_key = "n1/math/2025/3/0";
  auto final_mark = [&] {
    json week = Read("director", {"diary", "--student", "n1", "--week", "2026-05-26"});
    for (const auto& t : week.value("term_marks", json::array())) {
      if (t.value("key", "") == final_key) return t;
    }
    return json();
  };
  EXPECT_EQ(final_mark().value("value", 0), 3) << final_mark().dump();
  const uint64_t size = LedgerSize();
  // Not revised by recording it again ...
  ProcessResult r = Cli("math", {"term-mark", "--student", "n1", "--subject", "math", "--year",
                                 "2025", "--period", "final", "--value", "4"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("не меняются [R-COR-2]"), std::string::npos) << r.err;
  // ... nor by a correction request (HTTP, signed by the teacher).
  v1::EventBody req = Body("math");
  auto* c = req.mutable_correction_requested();
  c->set_request_id("rq-final");
  auto* t = c->mutable_target()->mutable_term_mark();
  t->set_student_id("n1");
  t->set_subject_id("math");
  t->mutable_period()->set_academic_year_id("2025");
  t->mutable_period()->set_kind(v1::PERIOD_KIND_FINAL);
  c->set_original_event_id(final_event);
  c->set_reason("ошибка");
  auto* p = c->mutable_term_mark();
  p->set_student_id("n1");
  p->set_subject_id("math");
  *p->mutable_period() = *t->mutable_period();
  p->mutable_mark()->set_value(4);
  auto res = PostEvent(Signed(req));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 422) << res->body;
  EXPECT_EQ(Json(res)["error"]["rule"], "R-COR-2") << res->body;
  EXPECT_EQ(LedgerSize(), size);
  // The director's order: refused without the deputy's explanation, and from the deputy.
  const std::vector<std::string> order = {"order-final",
                                          "--student",
                                          "n1",
                                          "--subject",
                                          "math",
                                          "--year",
                                          "2025",
                                          "--value",
                                          "4",
                                          "--date",
                                          "2026-05-26",
                                          "--order",
                                          "Приказ № 77",
                                          "--teacher",
                                          "math",
                                          "--teacher-explanation",
                                          "Объяснительная учителя от 25.05.2026",
                                          "--deputy",
                                          "deputy",
                                          "--reason",
                                          "техническая ошибка"};
  r = Cli("director", order);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("объяснения учителя и завуча [R-COR-2]"), std::string::npos) << r.err;
  std::vector<std::string> full = order;
  full.insert(full.end(), {"--deputy-explanation", "Объяснительная завуча от 25.05.2026"});
  r = Cli("deputy", full);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("Отказ (нет права)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("[R-ACC-2]"), std::string::npos) << r.err;
  EXPECT_EQ(LedgerSize(), size);
  EXPECT_EQ(final_mark().value("value", 0), 3);
  // With every field it takes effect at once.
  const std::string ordered = Ok("director", full);
  EXPECT_EQ(final_mark().value("value", 0), 4) << final_mark().dump();
  EXPECT_EQ(final_mark()["sequence"], std::to_string(EntryOf(ordered)));
  // The ledger entry carries the order's number and the explanations.
  json entry = Read("director", {"entry", "--sequence", std::to_string(EntryOf(ordered))});
  const json& o = entry["body"]["final_mark_correction_ordered"];
  EXPECT_EQ(o["order_number"], "Приказ № 77");
  EXPECT_EQ(o["original_event_id"], final_event);
  EXPECT_EQ(o["teacher_explanation"]["title"], "Объяснительная учителя от 25.05.2026");
  EXPECT_EQ(o["deputy_explanation"]["title"], "Объяснительная завуча от 25.05.2026");
  EXPECT_EQ(o["new_mark"]["value"], 4);
}

}  // namespace
}  // namespace ejournal::testing
