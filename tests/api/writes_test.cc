// POST /api/v1/events and /api/v1/events:batch: success, idempotency, and every documented error.
#include <gtest/gtest.h>

#include "ejournal/v1/api.pb.h"
#include "tests/api/api_fixture.h"

namespace ejournal::testing {
namespace {

class WritesTest : public ApiFixture {
 protected:
  void SetUp() override {
    ApiFixture::SetUp();
    At(D(2025, 10, 6), "08:45");
  }
  // The error object of an error answer.
  static nlohmann::json Error(const httplib::Result& r) { return Json(r)["error"]; }
};

TEST_F(WritesTest, OneEventAnswersItsSequenceAndTheSameEventAgainTheSame) {
  const uint64_t before = LedgerSize();
  const std::string bytes = Signed(Mark("math", "m-new", "math-5a-1", "s3", 3, D(2025, 10, 6)));
  auto r = PostEvent(bytes);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  auto j = Json(r);
  EXPECT_EQ(j["sequence"].get<uint64_t>(), before + 1);
  EXPECT_EQ(j["recorded_at_us"].get<int64_t>(), clock_.NowMicros());
  EXPECT_FALSE(j["duplicate"].get<bool>());
  EXPECT_EQ(LedgerSize(), before + 1);

  auto again = PostEvent(bytes);
  ASSERT_TRUE(again);
  ASSERT_EQ(again->status, 200) << again->body;
  EXPECT_EQ(Json(again)["sequence"].get<uint64_t>(), before + 1);
  EXPECT_TRUE(Json(again)["duplicate"].get<bool>());
  EXPECT_EQ(LedgerSize(), before + 1);
}

TEST_F(WritesTest, ConflictingDuplicateIs409) {
  v1::EventBody body = Mark("math", "m-c", "math-5a-1", "s3", 3, D(2025, 10, 6));
  ASSERT_EQ(PostEvent(Signed(body))->status, 200);
  const uint64_t size = LedgerSize();
  body.mutable_mark_recorded()->mutable_value()->set_value(4);  // same event id, other body
  auto r = PostEvent(Signed(body));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 409) << r->body;
  EXPECT_EQ(Error(r)["code"], "AlreadyExists");
  EXPECT_EQ(LedgerSize(), size);
}

TEST_F(WritesTest, SchoolRuleIs422WithTheRuleId) {
  const uint64_t size = LedgerSize();
  // R-MARK-1: grade 1 gets no marks.
  At(D(2025, 10, 6), "08:40");
  auto r = PostEvent(Signed(Mark("russian", "m-f1", "rus-1a-1", "f1", 5, D(2025, 10, 6))));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 422) << r->body;
  EXPECT_EQ(Error(r)["code"], "FailedPrecondition");
  EXPECT_EQ(Error(r)["rule"], "R-MARK-1");
  EXPECT_EQ(LedgerSize(), size);
}

TEST_F(WritesTest, NotAllowedIs403) {
  const uint64_t size = LedgerSize();
  // R-ACC-2: a parent writes no marks.
  auto r = PostEvent(Signed(Mark("parent", "m-p", "math-5a-1", "s1", 5, D(2025, 10, 6))));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403) << r->body;
  EXPECT_EQ(Error(r)["code"], "PermissionDenied");
  EXPECT_EQ(Error(r)["rule"], "R-ACC-2");
  EXPECT_EQ(LedgerSize(), size);
}

TEST_F(WritesTest, SignatureOfAnotherCredentialIs401) {
  const uint64_t size = LedgerSize();
  v1::EventBody body = Mark("math", "m-x", "math-5a-1", "s3", 3, D(2025, 10, 6));
  // Signed with the russian teacher's key but naming math's credential.
  auto bytes = ledger_->Sign(body, Signer{.credential_id = signers_.at("math").credential_id,
                                          .user_id = "math",
                                          .key = signers_.at("russian").key});
  ASSERT_TRUE(bytes.has_value());
  auto r = PostEvent(*bytes);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401) << r->body;
  EXPECT_EQ(Error(r)["code"], "Unauthenticated");
  EXPECT_EQ(LedgerSize(), size);
}

TEST_F(WritesTest, TooLargeIs413) {
  const uint64_t size = LedgerSize();
  // An event over the 64 KiB event limit.
  v1::EventBody body = Mark("math", "m-big", "math-5a-1", "s3", 3, D(2025, 10, 6));
  body.mutable_mark_recorded()->set_comment(std::string(70 * 1024, 'a'));
  auto r = PostEvent(Signed(body));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413) << r->body.substr(0, 200);
  EXPECT_EQ(Error(r)["code"], "ResourceExhausted");
  // A body over the server's request limit (4 MiB) is refused before it is read as an event.
  auto huge = PostEvent(std::string(5 << 20, 'x'));
  ASSERT_TRUE(huge);
  EXPECT_EQ(huge->status, 413);
  EXPECT_EQ(Error(huge)["code"], "ResourceExhausted");
  EXPECT_EQ(LedgerSize(), size);
  EXPECT_EQ(GetPath("/healthz")->status, 200);
}

TEST_F(WritesTest, BatchAnswersPerItem) {
  const uint64_t size = LedgerSize();
  v1::SignedEventBatch batch;
  At(D(2025, 10, 6), "08:40");
  batch.add_events(Signed(Mark("math", "b-1", "math-5a-1", "s3", 3, D(2025, 10, 6))));
  batch.add_events(Signed(Mark("russian", "b-2", "rus-1a-1", "f1", 5, D(2025, 10, 6))));
  batch.add_events("not a signed event");
  batch.add_events(Signed(Mark("math", "b-3", "math-5a-1", "s1", 4, D(2025, 10, 6))));
  auto r =
      client_->Post("/api/v1/events:batch", batch.SerializeAsString(), "application/x-protobuf");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  auto results = Json(r)["results"];
  ASSERT_EQ(results.size(), 4u);
  EXPECT_EQ(results[0]["sequence"].get<uint64_t>(), size + 1);
  EXPECT_EQ(results[1]["error"]["rule"], "R-MARK-1");
  EXPECT_EQ(results[1]["error"]["http_status"], 422);
  EXPECT_EQ(results[2]["error"]["code"], "InvalidArgument");
  EXPECT_EQ(results[3]["sequence"].get<uint64_t>(), size + 2);
  EXPECT_EQ(LedgerSize(), size + 2);

  // The same through Content-Type "application/x-protobuf; batch=1": duplicates now.
  auto again = PostEvent(batch.SerializeAsString(), "application/x-protobuf; batch=1");
  ASSERT_TRUE(again);
  ASSERT_EQ(again->status, 200) << again->body;
  auto results2 = Json(again)["results"];
  EXPECT_EQ(results2[0]["sequence"].get<uint64_t>(), size + 1);
  EXPECT_TRUE(results2[0]["duplicate"].get<bool>());
  EXPECT_EQ(LedgerSize(), size + 2);
}

// A batch longer than the chunks its checks are shared in (api/shared_work.h): each item's answer
// is its own, in the batch's order, whichever thread checked it; the good items are appended in
// the batch's order.
TEST_F(WritesTest, LongBatchCheckedInSharedChunksAnswersEveryItemInOrder) {
  const uint64_t size = LedgerSize();
  At(D(2025, 10, 6), "08:40");
  const std::vector<std::string> students = {"s1", "s2", "s3"};
  v1::SignedEventBatch batch;
  std::vector<char> kind;  // 'g' good, 'x' garbage, 'f' forged signature
  for (int i = 0; i < 70; ++i) {
    v1::EventBody body = Mark("math", "long-" + std::to_string(i), "math-5a-1",
                              students[static_cast<size_t>(i) % 3], 3 + i % 3, D(2025, 10, 6));
    if (i % 9 == 4) {
      batch.add_events("not a signed event " + std::to_string(i));
      kind.push_back('x');
    } else if (i % 13 == 7) {
      auto forged = ledger_->Sign(body, Signer{.credential_id = signers_.at("math").credential_id,
                                               .user_id = "math",
                                               .key = signers_.at("russian").key});
      ASSERT_TRUE(forged.has_value());
      batch.add_events(*forged);
      kind.push_back('f');
    } else {
      batch.add_events(Signed(body));
      kind.push_back('g');
    }
  }
  auto r =
      client_->Post("/api/v1/events:batch", batch.SerializeAsString(), "application/x-protobuf");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  auto results = Json(r)["results"];
  ASSERT_EQ(results.size(), kind.size());
  uint64_t next = size + 1;
  for (size_t i = 0; i < kind.size(); ++i) {
    SCOPED_TRACE("item " + std::to_string(i));
    if (kind[i] == 'g') {
      ASSERT_TRUE(results[i].contains("sequence")) << results[i].dump();
      EXPECT_EQ(results[i]["sequence"].get<uint64_t>(), next++);
    } else if (kind[i] == 'x') {
      EXPECT_EQ(results[i]["error"]["code"], "InvalidArgument");
    } else {
      EXPECT_EQ(results[i]["error"]["code"], "Unauthenticated");
      EXPECT_EQ(results[i]["error"]["rule"], "R-ACC-1");
      EXPECT_EQ(results[i]["error"]["http_status"], 401);
    }
  }
  EXPECT_EQ(LedgerSize(), next - 1);
  EXPECT_GT(next - 1 - size, 50u);
}

TEST_F(WritesTest, BatchLimits) {
  v1::SignedEventBatch empty;
  auto r =
      client_->Post("/api/v1/events:batch", empty.SerializeAsString(), "application/x-protobuf");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  v1::SignedEventBatch big;
  for (int i = 0; i < 1001; ++i) big.add_events("x");
  r = client_->Post("/api/v1/events:batch", big.SerializeAsString(), "application/x-protobuf");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
}

TEST_F(WritesTest, FullAdmissionQueueIs503WithRetryAfter) {
  api::ServerOptions o = Options();
  o.ledger_max_queue = 0;  // every append finds the queue full
  StartServer(o);
  const uint64_t size = LedgerSize();
  auto r = PostEvent(Signed(Mark("math", "m-q", "math-5a-1", "s3", 3, D(2025, 10, 6))));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503) << r->body;
  EXPECT_EQ(r->get_header_value("Retry-After"), "1");
  EXPECT_EQ(Error(r)["code"], "Unavailable");
  EXPECT_EQ(LedgerSize(), size);
}

TEST_F(WritesTest, MetricsCountAppendsAndRefusalsByRule) {
  ASSERT_EQ(PostEvent(Signed(Mark("math", "m-m", "math-5a-1", "s3", 3, D(2025, 10, 6))))->status,
            200);
  At(D(2025, 10, 6), "08:40");
  ASSERT_EQ(PostEvent(Signed(Mark("russian", "m-f", "rus-1a-1", "f1", 5, D(2025, 10, 6))))->status,
            422);
  auto m = GetPath("/metrics");
  ASSERT_TRUE(m);
  ASSERT_EQ(m->status, 200);
  EXPECT_NE(m->body.find("ejournal_appends_total 1\n"), std::string::npos) << m->body;
  EXPECT_NE(
      m->body.find("ejournal_refusals_total{code=\"FailedPrecondition\",rule=\"R-MARK-1\"} 1"),
      std::string::npos)
      << m->body;
  EXPECT_NE(m->body.find("ejournal_http_request_seconds_count{route=\"events\"} 2"),
            std::string::npos);
  EXPECT_NE(m->body.find("ejournal_ledger_groups_total"), std::string::npos);
  // One group of one entry since the server started.
  EXPECT_NE(m->body.find("ejournal_ledger_group_size_bucket{le=\"1\"} 1\n"), std::string::npos)
      << m->body;
  EXPECT_NE(m->body.find("ejournal_ledger_group_size_count 1\n"), std::string::npos);
}

TEST_F(WritesTest, HealthAndReadiness) {
  EXPECT_EQ(GetPath("/healthz")->status, 200);
  EXPECT_EQ(GetPath("/readyz")->status, 200);
  auto unknown = GetPath("/api/v1/nothing");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);
  EXPECT_EQ(Error(unknown)["code"], "NotFound");
  // Handlers that leave the status to httplib are counted with the status the client got.
  GetPath("/metrics");
  auto metrics = GetPath("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("ejournal_http_responses_total{route=\"healthz\",status=\"200\"} 1"),
            std::string::npos)
      << metrics->body;
  EXPECT_NE(metrics->body.find("ejournal_http_responses_total{route=\"metrics\",status=\"200\"}"),
            std::string::npos);
  EXPECT_EQ(metrics->body.find("status=\"-1\""), std::string::npos) << metrics->body;
}

}  // namespace
}  // namespace ejournal::testing
