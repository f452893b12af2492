// The reads the web pages need beyond the journal and the diary (api/routes_pages.cc,
// routes_read.cc): the class teacher's table of a class's marks in every subject, the auditor's
// ledger browser, and the awaiting-re-entry list that every user sees for their own records
// (R-SEC-4). A real server on 127.0.0.1 with a real RocksDB; each error with its status and nothing
// changed.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "tests/api/api_fixture.h"

namespace ejournal::testing {
namespace {

constexpr char kMarks5a[] = "/api/v1/schools/school-1/classes/5a/terms/1/marks";
constexpr char kEntries[] = "/api/v1/ledger/entries";
constexpr char kAwaiting[] = "/api/v1/schools/school-1/reports/awaiting-reentry";

class WebPagesTest : public ApiFixture {
 protected:
  std::string TokenOf(const std::string& user) {
    if (with_password_.insert(user).second) SetPassword(user);
    return Login(user).token;
  }
  std::set<std::string> with_password_;
  static std::string Rule(const httplib::Result& r) {
    auto j = Json(r);
    return j.is_object() && j.contains("error") ? j["error"].value("rule", "") : "";
  }
  // The row of `student` in a class-marks answer.
  static nlohmann::json RowOf(const nlohmann::json& marks, const std::string& student) {
    for (const auto& row : marks["rows"]) {
      if (row["student_id"] == student) return row;
    }
    return nullptr;
  }
};

TEST_F(WebPagesTest, ClassTeacherReadsTheClassMarksInEverySubject) {
  const std::string ct = TokenOf("ct");
  auto r = GetPath(kMarks5a, ct);
  ASSERT_EQ(r->status, 200) << r->body;
  auto j = Json(r);
  EXPECT_EQ(j["class_id"], "5a");
  EXPECT_EQ(j["term_number"], 1);
  std::set<std::string> subjects;
  for (const auto& s : j["subjects"]) subjects.insert(s["subject_id"].get<std::string>());
  EXPECT_EQ(subjects, (std::set<std::string>{"math", "russian", "pe"})) << r->body;
  // The fixture's marks: math 5 for s1, 4 for s2; s3 was absent.
  auto s1 = RowOf(j, "s1");
  ASSERT_TRUE(s1.is_object()) << r->body;
  EXPECT_EQ(s1["student_name"], "s1");  // the fixture registers every user with its id as name
  EXPECT_EQ(s1["subjects"]["math"]["marks"], nlohmann::json::array({"5"})) << s1.dump();
  EXPECT_EQ(s1["subjects"]["math"]["weighted_mean_x100"], 500);
  EXPECT_EQ(s1["subjects"]["russian"]["marks"], nlohmann::json::array());
  auto s2 = RowOf(j, "s2");
  ASSERT_TRUE(s2.is_object());
  EXPECT_EQ(s2["subjects"]["math"]["marks"], nlohmann::json::array({"4"}));
  EXPECT_EQ(s2["subjects"]["math"]["suggested_mark"], 4);
  auto s3 = RowOf(j, "s3");
  ASSERT_TRUE(s3.is_object());
  EXPECT_EQ(s3["subjects"]["math"]["lessons_missed"], 1);
  // Students of other classes are not in the table.
  EXPECT_TRUE(RowOf(j, "f1").is_null());

  // A new mark shows in the table.
  At(D(2025, 10, 6), "08:50");
  auto mark = PostEvent(Signed(Mark("math", "m-s1-b", "math-5a-1", "s1", 3, D(2025, 10, 6))));
  ASSERT_EQ(mark->status, 200) << mark->body;
  auto again = Json(GetPath(kMarks5a, ct));
  EXPECT_EQ(RowOf(again, "s1")["subjects"]["math"]["marks"], nlohmann::json::array({"5", "3"}));
  EXPECT_EQ(RowOf(again, "s1")["subjects"]["math"]["weighted_mean_x100"], 400);
}

TEST_F(WebPagesTest, ClassMarksAreForTheClassTeacherAndThoseWhoReadEverything_R_ACC_3) {
  for (const char* user : {"deputy", "director", "auditor"}) {
    auto r = GetPath(kMarks5a, TokenOf(user));
    EXPECT_EQ(r->status, 200) << user << ": " << r->body;
  }
  // The subject teacher of the class, a parent, the class teacher of another class's table:
  // refused exactly as an unknown class.
  const std::string unknown = "/api/v1/schools/school-1/classes/zz/terms/1/marks";
  const std::string ct = TokenOf("ct");
  for (const auto& [user, path] : std::vector<std::pair<std::string, std::string>>{
           {"math", kMarks5a},
           {"parent", kMarks5a},
           {"s1", kMarks5a},
           {"methodist", kMarks5a},
           {"ct", "/api/v1/schools/school-1/classes/9a/terms/1/marks"}}) {
    const std::string token = user == "ct" ? ct : TokenOf(user);
    auto r = GetPath(path, token);
    auto u = GetPath(unknown, token);
    EXPECT_EQ(r->status, 404) << user << " " << path << ": " << r->body;
    EXPECT_EQ(r->body, u->body) << user;
  }
  EXPECT_EQ(GetPath(kMarks5a)->status, 401);
  EXPECT_EQ(GetPath(kMarks5a, "forged")->status, 401);
  // Another school's id looks the same as an unknown class.
  EXPECT_EQ(GetPath("/api/v1/schools/school-2/classes/5a/terms/1/marks", ct)->status, 404);
  // A term the class's scheme does not have: 400 with the rule.
  auto bad = GetPath("/api/v1/schools/school-1/classes/5a/terms/9/marks", ct);
  EXPECT_EQ(bad->status, 400) << bad->body;
  EXPECT_EQ(Rule(bad), "R-TERM-1");
  EXPECT_EQ(GetPath("/api/v1/schools/school-1/classes/5a/terms/0/marks", ct)->status, 400);
}

TEST_F(WebPagesTest, TheLedgerBrowserPagesNewestFirstAndDecodes) {
  const std::string auditor = TokenOf("auditor");
  const uint64_t size = LedgerSize();
  auto r = GetPath(std::string(kEntries) + "?limit=5", auditor);
  ASSERT_EQ(r->status, 200) << r->body;
  auto j = Json(r);
  EXPECT_EQ(j["ledger_size"], size);
  ASSERT_EQ(j["entries"].size(), 5u) << r->body;
  // Newest first, consecutive (every entry here is school-1's or the node's for school-1).
  uint64_t prev = size + 1;
  for (const auto& e : j["entries"]) {
    const uint64_t seq = e["sequence"];
    EXPECT_LT(seq, prev);
    prev = seq;
    EXPECT_FALSE(e["type"].get<std::string>().empty());
    EXPECT_FALSE(e["credential_id"].get<std::string>().empty());
    EXPECT_EQ(e["body"]["school_id"], "school-1") << e.dump();
    EXPECT_EQ(e["body"]["event_id"], e["event_id"]);
    // R-ACC-4: who, by name (the fixture names users by their ids); the node and the fixture's
    // bootstrap admin are no registered user, so they have no name.
    const std::string actor = e["actor_id"];
    const bool unnamed = actor == kNodeUserId || actor == "admin";
    EXPECT_EQ(e["actor_name"], unnamed ? "" : actor) << e.dump();
  }
  const uint64_t next = j["next_from"];
  EXPECT_EQ(next, prev - 1);
  // The next page continues below; the pages do not overlap.
  auto page2 =
      Json(GetPath(std::string(kEntries) + "?from=" + std::to_string(next) + "&limit=5", auditor));
  ASSERT_FALSE(page2["entries"].empty());
  EXPECT_EQ(page2["entries"][0]["sequence"], next);

  // The whole ledger, page by page: the fixture's marks are there, decoded, with their algorithm.
  bool found = false;
  uint64_t from = size;
  int pages = 0;
  while (from != 0 && pages++ < 100) {
    auto p = Json(
        GetPath(std::string(kEntries) + "?from=" + std::to_string(from) + "&limit=200", auditor));
    for (const auto& e : p["entries"]) {
      if (e["type"] == "mark_recorded" && e["body"]["mark_recorded"]["mark_id"] == "m-s1") {
        found = true;
        EXPECT_EQ(e["actor_id"], "math");
        EXPECT_EQ(e["actor_name"], "math");
        EXPECT_EQ(e["body"]["mark_recorded"]["value"]["value"], 5);
        EXPECT_EQ(e["algorithm"], "ed25519");
        EXPECT_FALSE(e["signature_base64"].get<std::string>().empty());
      }
    }
    from = p["next_from"];
  }
  EXPECT_TRUE(found);
  EXPECT_EQ(LedgerSize(), size);  // reads change nothing
}

TEST_F(WebPagesTest, TheLedgerBrowserRefusesBadPagesAndOtherReaders) {
  const std::string auditor = TokenOf("auditor");
  const uint64_t size = LedgerSize();
  for (const std::string& q :
       std::vector<std::string>{"?limit=0", "?limit=201", "?limit=-3", "?limit=x", "?from=0",
                                "?from=" + std::to_string(size + 1), "?from=abc"}) {
    auto r = GetPath(kEntries + q, auditor);
    EXPECT_EQ(r->status, 400) << q << ": " << r->body;
    EXPECT_EQ(Json(r)["error"]["code"], "InvalidArgument") << q;
  }
  EXPECT_EQ(GetPath(std::string(kEntries) + "?limit=200", auditor)->status, 200);
  EXPECT_EQ(GetPath(kEntries)->status, 401);
  for (const char* user : {"math", "ct", "parent", "methodist"}) {
    auto r = GetPath(kEntries, TokenOf(user));
    EXPECT_EQ(r->status, 404) << user << ": " << r->body;
  }
  for (const char* user : {"deputy", "director"}) {
    EXPECT_EQ(GetPath(kEntries, TokenOf(user))->status, 200) << user;
  }
}

TEST_F(WebPagesTest, EveryoneSeesTheirOwnRecordsAwaitingReentry_R_SEC_4) {
  // An Act voids what math's long-lived credential signed from 08:00: the fixture's two marks
  // and the absence. math set their password before (with that credential).
  TokenOf("math");
  At(D(2025, 10, 6), "08:00");
  const int64_t from = clock_.NowMicros();
  At(D(2025, 10, 6), "12:00");
  auto recorded =
      PostEvent(Signed(ActBody("director", {.act_id = "act-web", .invalid_from_us = from})));
  ASSERT_EQ(recorded->status, 200) << recorded->body;

  auto all = GetPath(kAwaiting, TokenOf("director"));
  ASSERT_EQ(all->status, 200) << all->body;
  EXPECT_EQ(Json(all)["events"].size(), 3u) << all->body;
  // The author sees their own three (a new session: the voided credential is revoked).
  auto own = GetPath(kAwaiting, TokenOf("math"));
  ASSERT_EQ(own->status, 200) << own->body;
  const nlohmann::json own_json = Json(own);  // named: a range-for would not keep a temporary
  ASSERT_EQ(own_json["events"].size(), 3u) << own->body;
  for (const auto& e : own_json["events"]) EXPECT_EQ(e["actor_id"], "math");
  // Others see none of math's.
  for (const char* user : {"ct", "parent", "russian"}) {
    auto r = GetPath(kAwaiting, TokenOf(user));
    ASSERT_EQ(r->status, 200) << user << ": " << r->body;
    EXPECT_FALSE(Json(r).contains("events") && !Json(r)["events"].empty()) << user << r->body;
  }
  // The list is school-wide: a class filter is refused as an unknown report; no session: 401.
  EXPECT_EQ(GetPath(std::string(kAwaiting) + "?class=5a", TokenOf("ct"))->status, 404);
  EXPECT_EQ(GetPath(kAwaiting)->status, 401);
  // The compromise reports stay for those who read everything.
  EXPECT_EQ(GetPath("/api/v1/schools/school-1/reports/compromise-reports", TokenOf("math"))->status,
            404);
}

TEST_F(WebPagesTest, ASubstituteSeesTheirLessonsAndReadsTheirPages_R_SUB_1) {
  const std::string page = "/api/v1/schools/school-1/classes/5a/subjects/russian/terms/1/journal";
  const std::string sub = TokenOf("sub");
  // Before: not the substitute's page, and nothing listed in /me.
  EXPECT_EQ(GetPath(page, sub)->status, 404);
  auto me = Json(GetPath("/api/v1/me", sub));
  EXPECT_TRUE(me["substitute_lessons"].empty()) << me.dump();
  EXPECT_TRUE(me["loads"].empty()) << me.dump();

  auto r = PostEvent(
      Signed(SubstitutionBody("methodist", "sub-web", "rus-5a-1", "russian", "болезнь учителя")));
  ASSERT_EQ(r->status, 200) << r->body;

  me = Json(GetPath("/api/v1/me", sub));
  ASSERT_EQ(me["substitute_lessons"].size(), 1u) << me.dump();
  const auto& l = me["substitute_lessons"][0];
  EXPECT_EQ(l["lesson_id"], "rus-5a-1");
  EXPECT_EQ(l["date"], "2025-10-06");
  EXPECT_EQ(l["term"], 1);
  EXPECT_EQ(l["class_id"], "5a");
  EXPECT_EQ(l["subject_id"], "russian");
  EXPECT_EQ(l["substitution_id"], "sub-web");
  EXPECT_EQ(l["absent_teacher_id"], "russian");
  // The page of the substituted lesson is now readable and listed (not as their own load) ...
  EXPECT_EQ(GetPath(page, sub)->status, 200);
  ASSERT_EQ(me["loads"].size(), 1u);
  EXPECT_EQ(me["loads"][0]["subject_id"], "russian");
  EXPECT_FALSE(me["loads"][0]["own"].get<bool>());
  // ... and no other page of the class.
  EXPECT_EQ(GetPath("/api/v1/schools/school-1/classes/5a/subjects/pe/terms/1/journal", sub)->status,
            404);
  // The substituted lesson is in term 1: the class-subject's other terms stay the absent teacher's
  // (seed 004 §7.12 opens the pages of the substitution, not the whole year), in the page, its
  // as-of form and /me alike.
  for (const char* term : {"2", "3", "4"}) {
    const std::string other = "/api/v1/schools/school-1/classes/5a/subjects/russian/terms/" +
                              std::string(term) + "/journal";
    EXPECT_EQ(GetPath(other, sub)->status, 404) << term;
    EXPECT_EQ(GetPath(other + "?as_of_us=" + std::to_string(clock_.NowMicros()), sub)->status, 404)
        << term;
    EXPECT_EQ(GetPath(other, TokenOf("russian"))->status, 200) << term;  // the teacher's own
  }
  EXPECT_EQ(me["loads"][0]["terms"], nlohmann::json::array({1})) << me.dump();
  EXPECT_EQ(me["loads"][0]["current_term"], 1) << me.dump();

  // Cancelled: neither listed nor readable any more.
  v1::EventBody c = Body("methodist");
  c.mutable_substitution_cancelled()->set_substitution_id("sub-web");
  c.mutable_substitution_cancelled()->set_reason("учитель вышел");
  ASSERT_EQ(PostEvent(Signed(c))->status, 200);
  EXPECT_TRUE(Json(GetPath("/api/v1/me", sub))["substitute_lessons"].empty());
  EXPECT_EQ(GetPath(page, sub)->status, 404);
}

}  // namespace
}  // namespace ejournal::testing
