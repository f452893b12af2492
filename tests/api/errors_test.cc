// The documented errors of the write and read endpoints (400, 401, 403, 409, 413,
// 422 with the rule id, 429, 503) where the other files do not reach them: each refusal inside a
// batch, a batch against a full admission queue, and the session and parameter errors of every
// read endpoint. Each refusal leaves the ledger as it was and the server healthy.
#include <gtest/gtest.h>

#include "ejournal/v1/api.pb.h"
#include "tests/api/api_fixture.h"

namespace ejournal::testing {
namespace {

class ErrorsTest : public ApiFixture {
 protected:
  void SetUp() override {
    ApiFixture::SetUp();
    At(D(2025, 10, 6), "08:40");
  }
  httplib::Result PostBatch(const v1::SignedEventBatch& batch,
                            const std::string& type = "application/x-protobuf") {
    return client_->Post("/api/v1/events:batch", batch.SerializeAsString(), type);
  }
  static nlohmann::json Error(const httplib::Result& r) { return Json(r)["error"]; }
};

TEST_F(ErrorsTest, EachRefusalInABatchHasItsStatusAndRule) {
  v1::EventBody first = Mark("math", "e-dup", "math-5a-1", "s3", 3, D(2025, 10, 6));
  ASSERT_EQ(PostEvent(Signed(first))->status, 200);
  const uint64_t size = LedgerSize();

  v1::SignedEventBatch batch;
  // 200: a good mark.
  batch.add_events(Signed(Mark("math", "e-ok", "math-5a-1", "s1", 4, D(2025, 10, 6))));
  // 401: signed with the russian teacher's key, naming math's credential.
  auto forged = ledger_->Sign(Mark("math", "e-401", "math-5a-1", "s2", 5, D(2025, 10, 6)),
                              Signer{.credential_id = signers_.at("math").credential_id,
                                     .user_id = "math",
                                     .key = signers_.at("russian").key});
  ASSERT_TRUE(forged.has_value());
  batch.add_events(*forged);
  // 403, R-ACC-2: a parent writes no marks.
  batch.add_events(Signed(Mark("parent", "e-403", "math-5a-1", "s1", 5, D(2025, 10, 6))));
  // 409: the id of an appended event with another body.
  first.mutable_mark_recorded()->mutable_value()->set_value(5);
  batch.add_events(Signed(first));
  // 422, R-MARK-1: grade 1 gets no marks.
  batch.add_events(Signed(Mark("russian", "e-422", "rus-1a-1", "f1", 5, D(2025, 10, 6))));
  // 413: an event over the 64 KiB event limit.
  v1::EventBody big = Mark("math", "e-413", "math-5a-1", "s2", 3, D(2025, 10, 6));
  big.mutable_mark_recorded()->set_comment(std::string(70 * 1024, 'a'));
  batch.add_events(Signed(big));
  // 400: not a SignedEvent.
  batch.add_events("\x0a\xff\xff");

  auto r = PostBatch(batch);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body.substr(0, 500);
  auto results = Json(r)["results"];
  ASSERT_EQ(results.size(), 7u);
  EXPECT_EQ(results[0]["sequence"].get<uint64_t>(), size + 1);
  struct Want {
    int http_status;
    const char* code;
    const char* rule;
  };
  const Want want[] = {{401, "Unauthenticated", nullptr},   {403, "PermissionDenied", "R-ACC-2"},
                       {409, "AlreadyExists", nullptr},     {422, "FailedPrecondition", "R-MARK-1"},
                       {413, "ResourceExhausted", nullptr}, {400, "InvalidArgument", nullptr}};
  for (size_t i = 0; i < std::size(want); ++i) {
    const auto& e = results[i + 1]["error"];
    ASSERT_TRUE(e.is_object()) << i + 1 << ": " << results[i + 1].dump();
    EXPECT_EQ(e["http_status"], want[i].http_status) << e.dump();
    EXPECT_EQ(e["code"], want[i].code) << e.dump();
    if (want[i].rule != nullptr) {
      EXPECT_EQ(e["rule"], want[i].rule) << e.dump();
    }
  }
  EXPECT_EQ(LedgerSize(), size + 1);
  EXPECT_EQ(GetPath("/healthz")->status, 200);
}

TEST_F(ErrorsTest, ABatchIsRefusedWholeWhenItIsNotABatch) {
  const uint64_t size = LedgerSize();
  v1::SignedEventBatch batch;
  batch.add_events(Signed(Mark("math", "e-ct", "math-5a-1", "s1", 4, D(2025, 10, 6))));
  // 400: JSON's content type.
  auto r = PostBatch(batch, "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400) << r->body;
  EXPECT_EQ(Error(r)["code"], "InvalidArgument");
  // 413: over the body limit.
  auto huge =
      client_->Post("/api/v1/events:batch", std::string(5 << 20, '\x0a'), "application/x-protobuf");
  ASSERT_TRUE(huge);
  EXPECT_EQ(huge->status, 413);
  EXPECT_EQ(LedgerSize(), size);
}

TEST_F(ErrorsTest, ABatchAgainstAFullQueueIs503WithRetryAfter) {
  api::ServerOptions o = Options();
  o.ledger_max_queue = 0;  // every append finds the queue full
  StartServer(o);
  const uint64_t size = LedgerSize();
  v1::SignedEventBatch batch;
  batch.add_events(Signed(Mark("math", "e-q1", "math-5a-1", "s1", 4, D(2025, 10, 6))));
  batch.add_events(Signed(Mark("math", "e-q2", "math-5a-1", "s2", 4, D(2025, 10, 6))));
  auto r = PostBatch(batch);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503) << r->body;
  EXPECT_EQ(r->get_header_value("Retry-After"), "1");
  EXPECT_EQ(Error(r)["code"], "Unavailable");
  EXPECT_EQ(LedgerSize(), size);
}

// Every endpoint that reads with a session: none, or one the server never issued, answers 401
// and nothing else of the answer depends on the path.
TEST_F(ErrorsTest, EveryReadEndpointNeedsASession) {
  struct Read {
    const char* method;
    std::string path;
  };
  const std::string s = "/api/v1/schools/school-1";
  const Read reads[] = {
      {"GET", s + "/students/s1/diary"},
      {"GET", s + "/classes/5a/subjects/math/terms/1/journal"},
      {"GET", s + "/classes/5a/subjects/math/terms/1/journal?as_of_us=1"},
      {"GET", s + "/lessons/math-5a-1/students/s1/history"},
      {"GET", s + "/actors/math/history"},
      {"GET", s + "/reports/pending-corrections"},
      {"GET", s + "/corrections"},
      {"POST", s + "/acts:preview"},
      {"GET", "/api/v1/ledger/entries/1"},
      {"POST", "/api/v1/admin/backup"},
  };
  const uint64_t size = LedgerSize();
  for (const auto& read : reads) {
    for (const std::string token : {"", "not-a-token"}) {
      auto r = std::string(read.method) == "GET" ? GetPath(read.path, token)
                                                 : PostJson(read.path, "{}", token);
      ASSERT_TRUE(r) << read.path;
      EXPECT_EQ(r->status, 401) << read.method << " " << read.path << " token '" << token
                                << "': " << r->body;
      EXPECT_EQ(Error(r)["code"], "Unauthenticated") << read.path;
    }
  }
  EXPECT_EQ(LedgerSize(), size);
}

TEST_F(ErrorsTest, BadReadParametersAre400) {
  SetPassword("director");
  const std::string token = Login("director").token;
  ASSERT_FALSE(token.empty());
  const std::string s = "/api/v1/schools/school-1";
  const std::string bad[] = {
      s + "/students/s1/diary?week=not-a-date",
      s + "/students/s1/diary?week=2025-13-40",
      s + "/classes/5a/subjects/math/terms/1/journal?as_of_us=soon",
      s + "/classes/5a/subjects/math/terms/1/journal?as_of_us=1&mode=sideways",
      s + "/actors/math/history?from_us=yesterday",
      "/api/v1/ledger/proofs/inclusion",
      "/api/v1/ledger/proofs/consistency?old_size=x&size=1",
  };
  for (const auto& path : bad) {
    auto r = GetPath(path, token);
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->status, 400) << path << ": " << r->body;
    EXPECT_EQ(Error(r)["code"], "InvalidArgument") << path;
  }
  // The act preview's body is JSON with known fields only.
  auto act = PostJson(s + "/acts:preview", "not json", token);
  ASSERT_TRUE(act);
  EXPECT_EQ(act->status, 400) << act->body;
  EXPECT_EQ(GetPath("/healthz")->status, 200);
}

// A backup is the administrator's or the director's (R-ACC-2): a teacher's session is refused.
TEST_F(ErrorsTest, ABackupByATeacherIs403) {
  SetPassword("math");
  const std::string token = Login("math").token;
  ASSERT_FALSE(token.empty());
  auto r = PostJson("/api/v1/admin/backup", "{}", token);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403) << r->body;
  EXPECT_EQ(Error(r)["rule"], "R-ACC-2");
}

}  // namespace
}  // namespace ejournal::testing
