// The read endpoints, and read access control (R-ACC-3): refused reads answer exactly like unknown
// ids and carry no data.
#include <gtest/gtest.h>

#include <map>

#include "ejournal/v1/ledger.pb.h"
#include "ledger/crypto.h"
#include "ledger/merkle.h"
#include "tests/api/api_fixture.h"

namespace ejournal::testing {
namespace {

constexpr char kDiary[] = "/api/v1/schools/school-1/students/";
constexpr char kWeek[] = "/diary?week=2025-10-06";
constexpr char kMath5a[] = "/api/v1/schools/school-1/classes/5a/subjects/math/terms/1/journal";
constexpr char kMath9a[] = "/api/v1/schools/school-1/classes/9a/subjects/math/terms/1/journal";

class ReadsTest : public ApiFixture {
 protected:
  std::string TokenOf(const std::string& user) {
    SetPassword(user);
    return Login(user).token;
  }
  std::string Diary(const std::string& student) { return kDiary + student + kWeek; }
  // A refusal: 404 with the very body an unknown id gets.
  void ExpectHidden(const std::string& path, const std::string& token,
                    const std::string& unknown_path) {
    auto r = GetPath(path, token);
    auto u = GetPath(unknown_path, token);
    ASSERT_TRUE(r && u);
    EXPECT_EQ(r->status, 404) << path << ": " << r->body;
    EXPECT_EQ(u->status, 404) << unknown_path << ": " << u->body;
    EXPECT_EQ(r->body, u->body);
  }
};

TEST_F(ReadsTest, ReadsNeedASession) {
  auto r = GetPath(Diary("s1"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(GetPath(Diary("s1"), "not-a-token")->status, 401);
}

TEST_F(ReadsTest, ParentReadsOwnChildOnly) {
  const std::string token = TokenOf("parent");
  auto own = GetPath(Diary("s1"), token);
  ASSERT_EQ(own->status, 200) << own->body;
  auto j = Json(own);
  EXPECT_EQ(j["student_id"], "s1");
  EXPECT_NE(own->body.find("m-s1"), std::string::npos) << own->body;
  ExpectHidden(Diary("s2"), token, Diary("nobody"));
  EXPECT_EQ(GetPath(Diary("s2"), token)->body.find("m-s2"), std::string::npos);
  // Pages are not the parent's either.
  ExpectHidden(kMath5a, token, "/api/v1/schools/school-1/classes/zz/subjects/math/terms/1/journal");
  // «Оценки за период»: the child's marks in every subject of the class, named; not another's.
  const std::string marks = "/api/v1/schools/school-1/students/s1/terms/1/marks";
  auto period = GetPath(marks, token);
  ASSERT_EQ(period->status, 200) << period->body;
  bool math = false;
  const nlohmann::json answer = Json(period);
  for (const auto& sj : answer["subjects"]) {
    if (sj["subject_id"] == "math") {
      math = sj["marks"].size() == 1 && sj["marks"][0]["value"] == 5 && !sj["subject_name"].empty();
    }
  }
  EXPECT_TRUE(math) << period->body;
  ExpectHidden("/api/v1/schools/school-1/students/s2/terms/1/marks", token,
               "/api/v1/schools/school-1/students/nobody/terms/1/marks");
}

TEST_F(ReadsTest, StudentReadsOnlyThemself) {
  const std::string token = TokenOf("s1");
  EXPECT_EQ(GetPath(Diary("s1"), token)->status, 200);
  ExpectHidden(Diary("s2"), token, Diary("nobody"));
  // Another school's id (the session is of school-1) looks the same.
  ExpectHidden("/api/v1/schools/school-2/students/s1/diary", token, Diary("nobody"));
}

TEST_F(ReadsTest, TeacherReadsTheirClassesOnly) {
  const std::string math = TokenOf("math");
  auto page = GetPath(kMath5a, math);
  ASSERT_EQ(page->status, 200) << page->body;
  EXPECT_NE(page->body.find("m-s2"), std::string::npos);
  EXPECT_EQ(GetPath(Diary("s2"), math)->status, 200);
  // The PE teacher teaches 5a PE, not 5a math; the Russian teacher nothing in 9a.
  const std::string pe = TokenOf("pe");
  ExpectHidden(kMath5a, pe, "/api/v1/schools/school-1/classes/zz/subjects/math/terms/1/journal");
  const std::string russian = TokenOf("russian");
  ExpectHidden(kMath9a, russian,
               "/api/v1/schools/school-1/classes/zz/subjects/math/terms/1/journal");
  ExpectHidden(Diary("n1"), russian, Diary("nobody"));
  // The class teacher of 5a reads every subject of 5a.
  EXPECT_EQ(GetPath(kMath5a, TokenOf("ct"))->status, 200);
}

TEST_F(ReadsTest, AsOfPageCellHistoryAndActorHistory) {
  const std::string deputy = TokenOf("deputy");
  // As of before the marks: no m-s1 yet.
  const int64_t before_marks = clock_.NowMicros() - 1;
  auto as_of = GetPath(
      std::string(kMath5a) + "?as_of_us=" + std::to_string(before_marks - 3600'000'000LL), deputy);
  ASSERT_EQ(as_of->status, 200) << as_of->body;
  EXPECT_EQ(as_of->body.find("m-s1"), std::string::npos);
  auto now =
      GetPath(std::string(kMath5a) + "?as_of_us=" + std::to_string(clock_.NowMicros()), deputy);
  ASSERT_EQ(now->status, 200);
  EXPECT_NE(now->body.find("m-s1"), std::string::npos);

  auto cell = GetPath("/api/v1/schools/school-1/lessons/math-5a-1/students/s1/history", deputy);
  ASSERT_EQ(cell->status, 200) << cell->body;
  EXPECT_EQ(Json(cell)["events"].size(), 1u);
  auto actor = GetPath("/api/v1/schools/school-1/actors/math/history", deputy);
  ASSERT_EQ(actor->status, 200);
  EXPECT_EQ(Json(actor)["events"].size(), 3u);
  // A parent may not read the teacher's history; a cell history is staff's.
  const std::string parent = TokenOf("parent");
  ExpectHidden("/api/v1/schools/school-1/actors/math/history", parent,
               "/api/v1/schools/school-1/actors/nobody/history");
  ExpectHidden("/api/v1/schools/school-1/lessons/math-5a-1/students/s1/history", parent,
               "/api/v1/schools/school-1/lessons/none/students/s1/history");
}

TEST_F(ReadsTest, ReportsAndCorrectionQueue) {
  const std::string deputy = TokenOf("deputy");
  auto att =
      GetPath("/api/v1/schools/school-1/reports/attendance?from=2025-10-01&to=2025-10-31", deputy);
  ASSERT_EQ(att->status, 200) << att->body;
  EXPECT_NE(att->body.find("5a"), std::string::npos);
  auto mc = GetPath("/api/v1/schools/school-1/reports/monthly-control?year=2025&month=10", deputy);
  ASSERT_EQ(mc->status, 200) << mc->body;
  // A report names its ids for people: the subjects and the classes of its rows.
  std::map<std::string, std::string> names;
  for (const auto& n : Json(mc).value("names", nlohmann::json::array())) {
    names[n.at("id").get<std::string>()] = n.at("name").get<std::string>();
  }
  EXPECT_EQ(names["math"], "Математика") << mc->body;
  EXPECT_EQ(names["5a"], "5А") << mc->body;
  auto q = GetPath("/api/v1/schools/school-1/corrections", deputy);
  EXPECT_EQ(q->status, 200) << q->body;
  auto bad = GetPath("/api/v1/schools/school-1/reports/attendance?from=2025-13-01&to=x", deputy);
  EXPECT_EQ(bad->status, 400);
  // The class teacher reads their class's reports, not the school's; a teacher neither.
  const std::string ct = TokenOf("ct");
  EXPECT_EQ(
      GetPath("/api/v1/schools/school-1/reports/problems?class=5a&from=2025-10-01&to=2025-10-31",
              ct)
          ->status,
      200);
  // The queue: a teacher gets their own pending requests only (ct has none), a parent nothing.
  auto own = GetPath("/api/v1/schools/school-1/corrections", ct);
  EXPECT_EQ(own->status, 200) << own->body;
  EXPECT_EQ(Json(own).value("requests", nlohmann::json::array()).size(), 0u) << own->body;
  ExpectHidden("/api/v1/schools/school-1/corrections", TokenOf("parent"),
               "/api/v1/schools/school-1/reports/nothing");
  ExpectHidden("/api/v1/schools/school-1/reports/problems?class=9a&from=2025-10-01&to=2025-10-31",
               ct, "/api/v1/schools/school-1/reports/nothing");
}

TEST_F(ReadsTest, ActPreviewListsWhatWouldBeInvalidated) {
  const std::string director = TokenOf("director");
  nlohmann::json act = {{"act_id", "act-1"},
                        {"affected_user_id", "math"},
                        {"affected_credential_ids", {signers_.at("math").credential_id}},
                        {"invalid_from_us", std::to_string(clock_.NowMicros() - 3600'000'000LL)}};
  const uint64_t size = LedgerSize();
  auto r = PostJson("/api/v1/schools/school-1/acts:preview", act.dump(), director);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(Json(r)["events"].size(), 3u) << r->body;  // the two marks and the absence
  EXPECT_EQ(LedgerSize(), size);                       // a dry run appends nothing
  auto parent = PostJson("/api/v1/schools/school-1/acts:preview", act.dump(), TokenOf("parent"));
  EXPECT_EQ(parent->status, 404);
  auto bad = PostJson("/api/v1/schools/school-1/acts:preview", "{\"nope\":1}", director);
  EXPECT_EQ(bad->status, 400);
  act["affected_credential_ids"] = {signers_.at("russian").credential_id};  // not math's
  EXPECT_EQ(PostJson("/api/v1/schools/school-1/acts:preview", act.dump(), director)->status, 404);
}

TEST_F(ReadsTest, LedgerEntriesCheckpointAndProofs) {
  const std::string auditor = TokenOf("auditor");
  const uint64_t size = LedgerSize();
  auto e = GetPath("/api/v1/ledger/entries/" + std::to_string(size - 1), auditor);
  ASSERT_EQ(e->status, 200) << e->body;
  auto j = Json(e);
  EXPECT_EQ(j["sequence"].get<uint64_t>(), size - 1);
  auto stored = server_->ledger().Entry(size - 1);
  EXPECT_EQ(crypto::Base64Decode(j["entry_base64"].get<std::string>()).value(), stored.value());
  ExpectHidden("/api/v1/ledger/entries/" + std::to_string(size - 1), TokenOf("parent"),
               "/api/v1/ledger/entries/999999");

  auto cp = GetPath("/api/v1/ledger/checkpoint");
  ASSERT_EQ(cp->status, 200);
  EXPECT_EQ(cp->get_header_value("Content-Type").rfind("text/plain", 0), 0u);
  EXPECT_EQ(cp->body.rfind("ejournal.test/ledger/1\n", 0), 0u) << cp->body;

  // Inclusion of entry 5 in the tree of `size`, checked against the ledger's root.
  auto inc = GetPath("/api/v1/ledger/proofs/inclusion?sequence=5&size=" + std::to_string(size));
  ASSERT_EQ(inc->status, 200) << inc->body;
  std::vector<merkle::Hash> proof;
  const nlohmann::json inc_json = Json(inc);
  for (const auto& h : inc_json["hashes"]) {
    proof.push_back(
        merkle::HashFromBytes(crypto::Base64Decode(h.get<std::string>()).value()).value());
  }
  const merkle::Hash root = server_->ledger().Root(size).value();
  ASSERT_EQ(proof.size(), server_->ledger().InclusionProof(4, size).value().size()) << inc->body;
  EXPECT_TRUE(merkle::VerifyInclusion(merkle::LeafHash(server_->ledger().Entry(5).value()), 4, size,
                                      proof, root)
                  .ok());
  auto con = GetPath("/api/v1/ledger/proofs/consistency?old_size=7&size=" + std::to_string(size));
  ASSERT_EQ(con->status, 200) << con->body;
  std::vector<merkle::Hash> cproof;
  const nlohmann::json con_json = Json(con);
  for (const auto& h : con_json["hashes"]) {
    cproof.push_back(
        merkle::HashFromBytes(crypto::Base64Decode(h.get<std::string>()).value()).value());
  }
  EXPECT_TRUE(
      merkle::VerifyConsistency(7, size, cproof, server_->ledger().Root(7).value(), root).ok());
  EXPECT_EQ(GetPath("/api/v1/ledger/proofs/inclusion?sequence=0")->status, 400);
  EXPECT_EQ(GetPath("/api/v1/ledger/proofs/consistency?old_size=9&size=3")->status, 400);
}

}  // namespace
}  // namespace ejournal::testing
