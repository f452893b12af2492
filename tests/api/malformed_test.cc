// A table of malformed requests: each is refused with its documented status, nothing is appended,
// and the server stays healthy.
#include <gtest/gtest.h>

#include "ejournal/v1/ledger.pb.h"
#include "ledger/crypto.h"
#include "tests/api/api_fixture.h"

namespace ejournal::testing {
namespace {

struct Case {
  std::string name;
  std::string path;
  std::string body;
  std::string content_type;
  int status;
};

class MalformedTest : public ApiFixture {};

TEST_F(MalformedTest, EveryMalformedRequestIsRefusedAndNothingAppended) {
  At(D(2025, 10, 6), "08:45");
  const v1::EventBody good = Mark("math", "m-mal", "math-5a-1", "s3", 3, D(2025, 10, 6));
  const std::string signed_good = Signed(good);
  v1::SignedEvent envelope;
  ASSERT_TRUE(envelope.ParseFromString(signed_good));

  // Unknown field 15 appended to the envelope.
  const std::string unknown_field = signed_good + std::string("\x78\x01", 2);
  // A body whose event id is not UTF-8, signed over exactly those bytes.
  std::string bad_utf8_body = good.SerializeAsString();
  const size_t at = bad_utf8_body.find(good.event_id());
  ASSERT_NE(at, std::string::npos);
  bad_utf8_body[at + 1] = '\xff';
  const std::string bad_utf8 = ledger_->SignBodyBytes(bad_utf8_body, signers_.at("math")).value();
  // No signature.
  v1::SignedEvent unsigned_event = envelope;
  unsigned_event.clear_signature();
  // A signature by another credential's key.
  v1::SignedEvent other = envelope;
  other.set_signature(signers_.at("russian").key.Sign(envelope.body()).value());
  // A body that is not an EventBody.
  v1::SignedEvent garbage_body = envelope;
  garbage_body.set_body("\xff\xff\xff\xff");

  const std::string events = "/api/v1/events";
  const std::string pb = "application/x-protobuf";
  const std::string js = "application/json";
  auto key = crypto::PrivateKey::Generate(crypto::KeyType::kEd25519).value();
  const std::string pk = crypto::Base64Encode(key.public_key().raw());
  const std::vector<Case> cases = {
      {"bad protobuf", events, "\x0a\xff\xff\xff\xff\x0f", pb, 400},
      {"empty body", events, "", pb, 400},
      {"JSON to the protobuf endpoint", events, "{\"body\":\"x\"}", js, 400},
      {"no content type match", events, signed_good, "text/plain", 400},
      {"unknown field", events, unknown_field, pb, 400},
      {"bad UTF-8 in a string", events, bad_utf8, pb, 400},
      {"body not an EventBody", events, garbage_body.SerializeAsString(), pb, 400},
      {"missing signature", events, unsigned_event.SerializeAsString(), pb, 401},
      {"signature by another credential", events, other.SerializeAsString(), pb, 401},
      {"huge body", events, std::string(6 << 20, '\x0a'), pb, 413},
      {"batch of garbage", "/api/v1/events:batch", "\xff\xff", pb, 400},
      {"login: not JSON", "/api/v1/login", "{login:", js, 400},
      {"login: not an object", "/api/v1/login", "[1,2]", js, 400},
      {"login: wrong types", "/api/v1/login",
       R"({"school_id":"school-1","login":5,"password":"x","public_key":"x","algorithm":"ed25519"})",
       js, 400},
      {"login: bad UTF-8", "/api/v1/login",
       "{\"school_id\":\"school-1\",\"login\":\"m\xff\",\"password\":\"x\",\"public_key\":\"" + pk +
           "\",\"algorithm\":\"ed25519\"}",
       js, 400},
      {"login: unknown field", "/api/v1/login",
       R"({"school_id":"school-1","login":"math","password":"x","public_key":")" + pk +
           R"(","algorithm":"ed25519","admin":true})",
       js, 400},
      {"login: bad key", "/api/v1/login",
       R"({"school_id":"school-1","login":"math","password":"x","public_key":"AAAA","algorithm":"ed25519"})",
       js, 400},
      {"login: bad algorithm", "/api/v1/login",
       R"({"school_id":"school-1","login":"math","password":"x","public_key":")" + pk +
           R"(","algorithm":"rsa"})",
       js, 400},
      {"passwords: event not base64", "/api/v1/passwords",
       R"({"event":"%%%","password":"long enough"})", js, 400},
      {"passwords: missing password", "/api/v1/passwords",
       R"({"event":")" + crypto::Base64Encode(signed_good) + R"("})", js, 400},
  };
  const uint64_t size = LedgerSize();
  for (const Case& c : cases) {
    auto r = client_->Post(c.path, c.body, c.content_type);
    ASSERT_TRUE(r) << c.name;
    EXPECT_EQ(r->status, c.status) << c.name << ": " << r->body.substr(0, 300);
    auto j = Json(r);
    EXPECT_TRUE(j.is_object() && j.contains("error")) << c.name << ": " << r->body.substr(0, 300);
    EXPECT_EQ(LedgerSize(), size) << c.name;
    EXPECT_EQ(GetPath("/healthz")->status, 200) << c.name;
  }
  // And the good event still goes in.
  EXPECT_EQ(PostEvent(signed_good)->status, 200);
  EXPECT_EQ(LedgerSize(), size + 1);
}

}  // namespace
}  // namespace ejournal::testing

namespace ejournal::testing {
namespace {

TEST_F(MalformedTest, OversizedHeadersAreRefused) {
  httplib::Headers headers = {{"X-Padding", std::string(16 * 1024, 'a')}};
  auto r = client_->Get("/healthz", headers);
  // cpp-httplib refuses a header block over 8 KiB (400) or drops the connection.
  EXPECT_TRUE(!r || r->status == 400) << (r ? r->body : "");
  EXPECT_EQ(GetPath("/healthz")->status, 200);
}

TEST_F(MalformedTest, UnknownRoutesAndMethodsAreJsonErrors) {
  auto r = client_->Put("/api/v1/events", "x", "application/x-protobuf");
  ASSERT_TRUE(r);
  EXPECT_GE(r->status, 400);
  auto g = GetPath("/api/v1/schools/school-1/students/s1/../../x");
  ASSERT_TRUE(g);
  EXPECT_EQ(g->status, 404);
  EXPECT_TRUE(Json(g).contains("error")) << g->body;
}

}  // namespace
}  // namespace ejournal::testing
