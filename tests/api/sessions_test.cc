// Sessions (R-ACC-5): passwords through signed PasswordChanged events, login issuing a node-signed
// SESSION credential for the client's key, logout and expiry revoking it, throttling of guesses.
#include <gtest/gtest.h>

#include "ejournal/v1/ledger.pb.h"
#include "ledger/crypto.h"
#include "tests/api/api_fixture.h"

namespace ejournal::testing {
namespace {

class SessionsTest : public ApiFixture {
 protected:
  std::string LoginJson(const std::string& user, const std::string& password) {
    auto key = crypto::PrivateKey::Generate(crypto::KeyType::kEd25519);
    return nlohmann::json({{"school_id", kSchool},
                           {"login", user},
                           {"password", password},
                           {"public_key", crypto::Base64Encode(key->public_key().raw())},
                           {"algorithm", "ed25519"}})
        .dump();
  }
};

TEST_F(SessionsTest, SessionKeySignsAndLogoutRevokes) {
  SetPassword("math");
  const uint64_t before = LedgerSize();
  Session s = Login("math");
  ASSERT_FALSE(s.token.empty());
  EXPECT_EQ(LedgerSize(), before + 1);  // the node-signed CredentialIssued
  // The session key signs the teacher's events.
  At(D(2025, 10, 6), "08:45");
  signers_.insert_or_assign("math", s.signer);
  auto w = PostEvent(Signed(Mark("math", "m-sess", "math-5a-1", "s3", 4, D(2025, 10, 6))));
  ASSERT_EQ(w->status, 200) << w->body;
  // The token reads.
  const std::string page = "/api/v1/schools/school-1/classes/5a/subjects/math/terms/1/journal";
  EXPECT_EQ(GetPath(page, s.token)->status, 200);

  auto out = PostJson("/api/v1/logout", "", s.token);
  ASSERT_EQ(out->status, 200) << out->body;
  EXPECT_EQ(GetPath(page, s.token)->status, 401);
  auto w2 = PostEvent(Signed(Mark("math", "m-sess2", "math-5a-1", "s2", 4, D(2025, 10, 6))));
  EXPECT_EQ(w2->status, 401) << w2->body;
}

TEST_F(SessionsTest, WrongPasswordAndUnknownLoginAnswerAlike) {
  SetPassword("math");
  auto wrong = PostJson("/api/v1/login", LoginJson("math", "wrong password"));
  auto unknown = PostJson("/api/v1/login", LoginJson("nobody", "wrong password"));
  ASSERT_TRUE(wrong && unknown);
  EXPECT_EQ(wrong->status, 401);
  EXPECT_EQ(unknown->status, 401);
  EXPECT_EQ(wrong->body, unknown->body);
}

TEST_F(SessionsTest, GuessingIsThrottledAndTheAnswerSaysForHowLong) {
  SetPassword("math");
  // The guesses count against the login whatever its case (R-ACC-5: one login).
  for (const char* login : {"math", "Math", "MATH", "mAth", "math"}) {
    EXPECT_EQ(PostJson("/api/v1/login", LoginJson(login, "guess"))->status, 401) << login;
  }
  auto r = PostJson("/api/v1/login", LoginJson("math", kPassword));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 429) << r->body;
  // The lockout lasts the 15-minute window from the first failure: the answer says what is left.
  EXPECT_EQ(r->get_header_value("Retry-After"), "900");
  EXPECT_NE(r->body.find("через 15 мин."), std::string::npos) << r->body;
  EXPECT_EQ(Json(r)["error"]["rule"], "R-ACC-5");
  clock_.Advance(10LL * 60 * 1'000'000 + 500'000);
  r = PostJson("/api/v1/login", LoginJson("MATH", kPassword));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 429) << r->body;
  EXPECT_EQ(r->get_header_value("Retry-After"), "300");
  EXPECT_NE(r->body.find("через 5 мин."), std::string::npos) << r->body;
  // After the window the right password works again.
  clock_.Advance(6LL * 60 * 1'000'000);
  EXPECT_EQ(PostJson("/api/v1/login", LoginJson("math", kPassword))->status, 200);
}

TEST_F(SessionsTest, ALoginIsSignedInToWithoutRegardToCase) {
  SetPassword("math");
  for (const char* login : {"math", "MATH", "Math"}) {
    auto r = PostJson("/api/v1/login", LoginJson(login, kPassword));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << login << ": " << r->body;
  }
}

TEST_F(SessionsTest, PasswordNeverEntersTheLedger) {
  SetPassword("parent", "a very secret phrase");
  Session s = Login("parent", "a very secret phrase");
  ASSERT_FALSE(s.token.empty());
  bool found = false;
  ASSERT_TRUE(server_->ledger()
                  .ForEachEntry(1,
                                [&](uint64_t, std::string_view bytes) {
                                  found = found ||
                                          bytes.find("a very secret phrase") != bytes.npos ||
                                          bytes.find(s.token) != bytes.npos;
                                  return true;
                                })
                  .ok());
  EXPECT_FALSE(found);
}

TEST_F(SessionsTest, APasswordEventIsGoodForOnePassword) {
  v1::EventBody b = Body("admin");
  b.mutable_password_changed()->set_user_id("math");
  b.mutable_password_changed()->set_kind(v1::PASSWORD_CHANGE_KIND_INITIAL);
  const std::string event = crypto::Base64Encode(Signed(b));
  auto first = PostJson("/api/v1/passwords",
                        nlohmann::json({{"event", event}, {"password", "first password"}}).dump());
  ASSERT_EQ(first->status, 200) << first->body;
  // Replaying the signed event (it is in the replicated ledger) does not set another password.
  auto replay = PostJson("/api/v1/passwords",
                         nlohmann::json({{"event", event}, {"password", "attacker pass"}}).dump());
  EXPECT_EQ(replay->status, 409) << replay->body;
  EXPECT_EQ(PostJson("/api/v1/login", LoginJson("math", "attacker pass"))->status, 401);
  EXPECT_EQ(PostJson("/api/v1/login", LoginJson("math", "first password"))->status, 200);
}

TEST_F(SessionsTest, PasswordRequestsAreChecked) {
  v1::EventBody b = Body("admin");
  b.mutable_password_changed()->set_user_id("math");
  b.mutable_password_changed()->set_kind(v1::PASSWORD_CHANGE_KIND_INITIAL);
  const std::string event = crypto::Base64Encode(Signed(b));
  const uint64_t size = LedgerSize();
  auto short_pw = PostJson("/api/v1/passwords",
                           nlohmann::json({{"event", event}, {"password", "short"}}).dump());
  EXPECT_EQ(short_pw->status, 400);
  // Not a PasswordChanged.
  const std::string mark =
      crypto::Base64Encode(Signed(Mark("math", "m-pw", "math-5a-1", "s3", 3, D(2025, 10, 6))));
  auto wrong = PostJson("/api/v1/passwords",
                        nlohmann::json({{"event", mark}, {"password", "long enough"}}).dump());
  EXPECT_EQ(wrong->status, 400);
  // A parent may not set the teacher's password (R-ACC-2).
  v1::EventBody p = Body("parent");
  p.mutable_password_changed()->set_user_id("math");
  p.mutable_password_changed()->set_kind(v1::PASSWORD_CHANGE_KIND_RESET_BY_ADMIN);
  auto denied = PostJson(
      "/api/v1/passwords",
      nlohmann::json({{"event", crypto::Base64Encode(Signed(p))}, {"password", "long enough"}})
          .dump());
  EXPECT_EQ(denied->status, 403) << denied->body;
  EXPECT_EQ(LedgerSize(), size);
}

TEST_F(SessionsTest, ExpiredSessionIsRefusedAndRecorded) {
  SetPassword("deputy");
  Session s = Login("deputy");
  ASSERT_FALSE(s.token.empty());
  const std::string path = "/api/v1/schools/school-1/corrections";
  EXPECT_EQ(GetPath(path, s.token)->status, 200);
  const uint64_t size = LedgerSize();
  clock_.Advance(13LL * 3600 * 1'000'000);
  EXPECT_EQ(GetPath(path, s.token)->status, 401);
  EXPECT_EQ(LedgerSize(), size + 1);  // the node's CredentialRevoked (EXPIRY)
  auto entry = server_->ledger().Entry(size + 1);
  ASSERT_TRUE(entry.has_value());
  v1::LedgerEntry e;
  v1::EventBody body;
  ASSERT_TRUE(e.ParseFromString(*entry) && body.ParseFromString(e.event().body()));
  EXPECT_EQ(body.credential_revoked().credential_id(), s.signer.credential_id);
  EXPECT_EQ(body.credential_revoked().reason(), v1::REVOCATION_REASON_EXPIRY);
}

TEST_F(SessionsTest, SpkiKeysAreAccepted) {
  SetPassword("math");
  auto key = crypto::PrivateKey::Generate(crypto::KeyType::kEd25519);
  const std::string spki =
      std::string("\x30\x2a\x30\x05\x06\x03\x2b\x65\x70\x03\x21\x00", 12) + key->public_key().raw();
  auto r = PostJson("/api/v1/login", nlohmann::json({{"school_id", kSchool},
                                                     {"login", "math"},
                                                     {"password", kPassword},
                                                     {"public_key", crypto::Base64Encode(spki)},
                                                     {"algorithm", "ed25519"}})
                                         .dump());
  ASSERT_EQ(r->status, 200) << r->body;
}

}  // namespace
}  // namespace ejournal::testing

namespace ejournal::testing {
namespace {

class SessionSweepTest : public ApiFixture {};

TEST_F(SessionSweepTest, TheSweepRecordsExpiriesOnce) {
  SetPassword("deputy");
  SetPassword("parent");
  Session a = Login("deputy");
  clock_.Advance(6LL * 3600 * 1'000'000);
  Session b = Login("parent");
  const uint64_t size = LedgerSize();
  EXPECT_EQ(server_->RevokeExpiredSessions().value_or(-1), 0);
  clock_.Advance(7LL * 3600 * 1'000'000);  // a has expired, b not yet
  EXPECT_EQ(server_->RevokeExpiredSessions().value_or(-1), 1);
  EXPECT_EQ(LedgerSize(), size + 1);
  EXPECT_EQ(GetPath("/api/v1/schools/school-1/corrections", a.token)->status, 401);
  EXPECT_EQ(LedgerSize(), size + 1);  // recorded once
  EXPECT_EQ(GetPath("/api/v1/schools/school-1/students/s1/diary", b.token)->status, 200);
}

}  // namespace
}  // namespace ejournal::testing
