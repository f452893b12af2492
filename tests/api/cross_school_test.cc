// R-ACC-6: two schools on one node, in a real server. A credential belongs to one user of one
// school: whatever ids an event names, another school's credential writes nothing here, and a
// user id that both schools use is two different people. Every write route (events, batches,
// passwords, sign-in, signed reads) and every event family is tried across the schools; nothing
// refused is appended.
#include <gtest/gtest.h>

#include "api/signed_request.h"
#include "ejournal/v1/api.pb.h"
#include "ledger/crypto.h"
#include "tests/api/api_fixture.h"

namespace ejournal::testing {
namespace {

class CrossSchoolTest : public ApiFixture {
 protected:
  static constexpr char kOther[] = "school-2";

  void SetUp() override {
    SchoolFixture::SetUp();
    if (HasFatalFailure()) return;
    At(D(2025, 10, 6), "08:00");
    // School 2, bootstrapped by the node like school 1, with users whose ids are school 1's.
    v1::EventBody b = Body("node");
    b.set_school_id(kOther);
    b.mutable_school_registered()->set_name("МБОУ СОШ № 2");
    b.mutable_school_registered()->set_time_zone(kZone);
    MustSubmit(b);
    b = Body("node");
    b.set_school_id(kOther);
    b.mutable_user_registered()->set_user_id("admin");
    b.mutable_user_registered()->add_roles(v1::ROLE_ADMIN);
    b.mutable_user_registered()->set_login_name("admin");
    MustSubmit(b);
    IssueOther("admin");
    for (const auto& [id, role] :
         {std::pair{"math", v1::ROLE_TEACHER}, std::pair{"director", v1::ROLE_DIRECTOR},
          std::pair{"parent", v1::ROLE_PARENT}}) {
      v1::EventBody u = OtherBody("admin");
      u.mutable_user_registered()->set_user_id(id);
      u.mutable_user_registered()->add_roles(role);
      u.mutable_user_registered()->set_login_name(id);
      u.mutable_user_registered()->set_display_name(std::string("Школа 2: ") + id);
      ASSERT_TRUE(ledger_->Submit(u, other_.at("admin")).has_value());
      IssueOther(id);
    }
    // School 1's content: a mark of s1 in math.
    At(D(2025, 10, 6), "08:40");
    MustSubmit(MarkBody("math", "m-s1", "math-5a-1", "s1", 5));
    MustSubmit(CorrectionBody("math", "rq-s1", "m-s1", 4, "ошибка ввода"));  // awaits the deputy
    ledger_->Close();
    StartServer(Options());
    At(D(2025, 10, 6), "08:45");
  }

  void IssueOther(const std::string& user) {
    auto signer = ledger_->IssueCredential(user, crypto::KeyType::kEd25519, 0, kOther);
    ASSERT_TRUE(signer.has_value()) << signer.error().ToString();
    other_.insert_or_assign(user, std::move(*signer));
  }
  // A body of school 2's `user`, signed with their credential by SignedOther.
  v1::EventBody OtherBody(const std::string& user) {
    v1::EventBody b = ledger_->NewBody(other_.at(user));
    b.set_school_id(kOther);
    return b;
  }
  std::string SignedOther(const v1::EventBody& body) {
    auto bytes = ledger_->Sign(body, other_.at(body.actor_id()));
    EXPECT_TRUE(bytes.has_value());
    return bytes.value_or("");
  }

  // The answer is `status` with `rule`, and the ledger did not grow.
  ::testing::AssertionResult Refused(const httplib::Result& r, int status, const char* rule,
                                     uint64_t size) {
    if (!r) return ::testing::AssertionFailure() << "no answer";
    auto error = Json(r)["error"];
    if (r->status != status || !error.is_object() || error["rule"] != rule) {
      return ::testing::AssertionFailure() << r->status << " " << r->body;
    }
    if (LedgerSize() != size) {
      return ::testing::AssertionFailure() << "the ledger grew to " << LedgerSize();
    }
    return ::testing::AssertionSuccess();
  }

  httplib::Result SetPasswordWith(const std::string& signed_event, const std::string& password) {
    nlohmann::json req = {{"event", crypto::Base64Encode(signed_event)}, {"password", password}};
    return PostJson("/api/v1/passwords", req.dump());
  }
  httplib::Result LoginAt(const std::string& school, const std::string& login,
                          const std::string& password) {
    return LoginRequest(school, login, password, NewSessionKey());
  }

  std::map<std::string, Signer> other_;  // school 2's users (their ids are school 1's too)
};

TEST_F(CrossSchoolTest, AnotherSchoolsAdministratorCannotGrantRolesHere) {
  const uint64_t size = LedgerSize();
  // School 2's admin, with their own key, names school 1 as the event's school.
  v1::EventBody b = OtherBody("admin");
  b.set_school_id(kSchool);
  b.mutable_user_roles_changed()->set_user_id("math");
  for (auto role : {v1::ROLE_TEACHER, v1::ROLE_DEPUTY, v1::ROLE_DIRECTOR}) {
    b.mutable_user_roles_changed()->add_roles(role);
  }
  auto r = PostEvent(SignedOther(b));
  EXPECT_TRUE(Refused(r, 403, "R-ACC-6", size));
  EXPECT_NE(r->body.find("не действует в школе school-1"), std::string::npos) << r->body;
}

TEST_F(CrossSchoolTest, AnotherSchoolsAdministratorCannotResetAPasswordHere) {
  const uint64_t size = LedgerSize();
  v1::EventBody b = OtherBody("admin");
  b.set_school_id(kSchool);
  b.mutable_password_changed()->set_user_id("director");
  b.mutable_password_changed()->set_kind(v1::PASSWORD_CHANGE_KIND_RESET_BY_ADMIN);
  EXPECT_TRUE(Refused(SetPasswordWith(SignedOther(b), "taken over 12345"), 403, "R-ACC-6", size));
  // ... so school 1's director cannot be signed in to with it.
  auto login = LoginAt(kSchool, "director", "taken over 12345");
  ASSERT_TRUE(login);
  EXPECT_EQ(login->status, 401) << login->body;
  EXPECT_EQ(LedgerSize(), size);
}

TEST_F(CrossSchoolTest, ACollidingUserIdOfAnotherSchoolIsAnotherPerson) {
  const uint64_t size = LedgerSize();
  // School 2's "math" signs a mark in school 1, as school 1's "math" would.
  v1::EventBody b = OtherBody("math");
  b.set_school_id(kSchool);
  auto* m = b.mutable_mark_recorded();
  m->set_mark_id("m-forged");
  m->set_lesson_id("math-5a-1");
  m->set_student_id("s3");
  m->mutable_value()->set_value(2);
  m->set_work_type(v1::WORK_TYPE_ANSWER_IN_CLASS);
  *b.mutable_business_date() = Date(D(2025, 10, 6));
  EXPECT_TRUE(Refused(PostEvent(SignedOther(b)), 403, "R-ACC-6", size));

  // The same through a session: school 2's "math" signs in at school 2 and signs for school 1.
  v1::EventBody pw = OtherBody("admin");
  pw.mutable_password_changed()->set_user_id("math");
  pw.mutable_password_changed()->set_kind(v1::PASSWORD_CHANGE_KIND_INITIAL);
  auto set = SetPasswordWith(SignedOther(pw), kPassword);
  ASSERT_TRUE(set);
  ASSERT_EQ(set->status, 200) << set->body;
  // School 2's password opens no session at school 1 (school 1's "math" has none set).
  auto wrong_school = LoginAt(kSchool, "math", kPassword);
  ASSERT_TRUE(wrong_school);
  EXPECT_EQ(wrong_school->status, 401) << wrong_school->body;
  const crypto::PrivateKey key = NewSessionKey();
  auto login = LoginRequest(kOther, "math", kPassword, key);
  ASSERT_TRUE(login);
  ASSERT_EQ(login->status, 200) << login->body;
  other_.insert_or_assign(
      "math", Signer{.credential_id = Json(login)["credential_id"], .user_id = "math", .key = key});
  const uint64_t before = LedgerSize();
  b.set_event_id(ledger_->NewEventId());
  b.set_credential_id(other_.at("math").credential_id);
  EXPECT_TRUE(Refused(PostEvent(SignedOther(b)), 403, "R-ACC-6", before));

  // School 1's own "math" still writes the mark.
  v1::EventBody own = Mark("math", "m-own", "math-5a-1", "s3", 4, D(2025, 10, 6));
  auto r = PostEvent(Signed(own));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
}

TEST_F(CrossSchoolTest, EveryEventFamilyWithAnotherSchoolsCredentialIsRefused) {
  const uint64_t size = LedgerSize();
  const auto* payload = v1::EventBody::descriptor()->FindOneofByName("payload");
  ASSERT_NE(payload, nullptr);
  v1::SignedEventBatch batch;
  for (int i = 0; i < payload->field_count(); ++i) {
    const auto* field = payload->field(i);
    SCOPED_TRACE(field->name());
    for (const char* user : {"admin", "math", "director", "parent"}) {
      v1::EventBody b = OtherBody(user);
      b.set_school_id(kSchool);
      b.GetReflection()->MutableMessage(&b, field);
      const std::string bytes = SignedOther(b);
      EXPECT_TRUE(Refused(PostEvent(bytes), 403, "R-ACC-6", size)) << user;
      batch.add_events(bytes);
    }
  }
  // The batch route: every item refused on its own, nothing appended.
  auto r =
      client_->Post("/api/v1/events:batch", batch.SerializeAsString(), "application/x-protobuf");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  auto results = Json(r)["results"];
  ASSERT_EQ(results.size(), static_cast<size_t>(batch.events_size()));
  for (const auto& item : results) {
    EXPECT_EQ(item["error"]["rule"], "R-ACC-6") << item.dump();
    EXPECT_EQ(item["error"]["http_status"], 403) << item.dump();
  }
  EXPECT_EQ(LedgerSize(), size);
}

// Every id an event names is looked up in the event's own school: school 1's lesson, mark,
// class and students are unknown to school 2's staff writing in school 2.
TEST_F(CrossSchoolTest, IdsOfOneSchoolNameNothingInTheOther) {
  const uint64_t size = LedgerSize();
  auto refused = [&](const v1::EventBody& b) {
    auto r = PostEvent(SignedOther(b));
    if (!r) return ::testing::AssertionFailure() << "no answer";
    if (r->status < 400 || r->status >= 500 || r->status == 401) {
      return ::testing::AssertionFailure() << r->status << " " << r->body;
    }
    if (LedgerSize() != size) return ::testing::AssertionFailure() << "appended";
    return ::testing::AssertionSuccess() << r->body;
  };
  v1::EventBody mark = OtherBody("math");  // school 1's lesson and student
  auto* m = mark.mutable_mark_recorded();
  m->set_mark_id("m-2");
  m->set_lesson_id("math-5a-1");
  m->set_student_id("s1");
  m->mutable_value()->set_value(2);
  m->set_work_type(v1::WORK_TYPE_ANSWER_IN_CLASS);
  *mark.mutable_business_date() = Date(D(2025, 10, 6));
  EXPECT_TRUE(refused(mark));
  v1::EventBody correction = OtherBody("math");  // school 1's mark
  auto* c = correction.mutable_correction_requested();
  c->set_request_id("rq-2");
  c->mutable_target()->set_mark_id("m-s1");
  c->set_original_event_id("any");
  *c->mutable_mark() = *m;
  c->mutable_mark()->set_mark_id("m-s1");
  c->set_reason("ошибка");
  EXPECT_TRUE(refused(correction));
  v1::EventBody enrol = OtherBody("admin");  // school 1's class and student
  enrol.mutable_student_enrolled()->set_student_id("s1");
  enrol.mutable_student_enrolled()->set_class_id("5a");
  *enrol.mutable_student_enrolled()->mutable_enrolled_on() = Date(D(2025, 10, 6));
  EXPECT_TRUE(refused(enrol));
  v1::EventBody link = OtherBody("admin");  // school 1's student, school 2's parent
  link.mutable_guardian_linked()->set_guardian_id("parent");
  link.mutable_guardian_linked()->set_student_id("s2");
  EXPECT_TRUE(refused(link));
  v1::EventBody approve = OtherBody("director");  // school 1's pending correction request
  approve.mutable_correction_approved()->set_request_id("rq-s1");
  EXPECT_TRUE(refused(approve));
  v1::EventBody reject = OtherBody("director");
  reject.mutable_correction_rejected()->set_request_id("rq-s1");
  reject.mutable_correction_rejected()->set_reason("нет");
  EXPECT_TRUE(refused(reject));
  // School 1's page and diary are as they were.
  SetPassword("parent");
  Session parent = Login("parent");
  auto diary = GetPath("/api/v1/schools/school-1/students/s1/diary?week=2025-10-06", parent.token);
  ASSERT_TRUE(diary);
  ASSERT_EQ(diary->status, 200) << diary->body;
  EXPECT_EQ(diary->body.find("m-2"), std::string::npos);
}

TEST_F(CrossSchoolTest, ThisSchoolsKeysWriteNothingInTheOther) {
  const uint64_t size = LedgerSize();
  v1::EventBody b = Body("admin");
  b.set_school_id(kOther);
  b.mutable_user_roles_changed()->set_user_id("math");
  b.mutable_user_roles_changed()->add_roles(v1::ROLE_DIRECTOR);
  EXPECT_TRUE(Refused(PostEvent(Signed(b)), 403, "R-ACC-6", size));
  v1::EventBody pw = Body("admin");
  pw.set_school_id(kOther);
  pw.mutable_password_changed()->set_user_id("director");
  pw.mutable_password_changed()->set_kind(v1::PASSWORD_CHANGE_KIND_RESET_BY_ADMIN);
  EXPECT_TRUE(Refused(SetPasswordWith(Signed(pw), "taken over 12345"), 403, "R-ACC-6", size));
}

TEST_F(CrossSchoolTest, ACredentialOfAnotherSchoolIsNotRevokedReportedOrActedOnHere) {
  const std::string theirs = signers_.at("math").credential_id;  // school 1's "math"
  const uint64_t size = LedgerSize();
  // School 2's "math" logs out school 1's "math" (same user id), in school 2.
  v1::EventBody revoke = OtherBody("math");
  revoke.mutable_credential_revoked()->set_credential_id(theirs);
  revoke.mutable_credential_revoked()->set_reason(v1::REVOCATION_REASON_LOGOUT);
  EXPECT_TRUE(Refused(PostEvent(SignedOther(revoke)), 403, "R-ACC-6", size));
  // School 2's director reports it compromised and records an Act on it.
  v1::EventBody report = OtherBody("director");
  auto* rep = report.mutable_credential_compromise_reported();
  rep->set_report_id("rep-x");
  rep->set_user_id("math");
  rep->add_credential_ids(theirs);
  rep->set_discovered_at_us(clock_.NowMicros() - 1000);
  EXPECT_TRUE(Refused(PostEvent(SignedOther(report)), 422, "R-SEC-1", size));
  v1::EventBody act = OtherBody("director");
  *act.mutable_credential_compromise_act_recorded() =
      ActPayload({.act_id = "act-x",
                  .act_date = D(2025, 10, 6),
                  .credential_id = theirs,
                  .invalid_from_us = clock_.NowMicros() - 1000});
  EXPECT_TRUE(Refused(PostEvent(SignedOther(act)), 422, "R-SEC-2", size));
  // School 1's "math" still writes.
  auto r = PostEvent(Signed(Mark("math", "m-still", "math-5a-1", "s3", 4, D(2025, 10, 6))));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
}

TEST_F(CrossSchoolTest, TheActPreviewShowsNothingOfAnotherSchoolsCredential) {
  SetPassword("director");
  Session director = Login("director");
  ASSERT_FALSE(director.token.empty());
  // School 1's director previews an Act on school 1's "math" naming school 2's "math" key.
  nlohmann::json act = {{"act_id", "a-1"},
                        {"act_number", "1"},
                        {"affected_user_id", "math"},
                        {"affected_credential_ids", {other_.at("math").credential_id}},
                        {"invalid_from_us", std::to_string(clock_.NowMicros() - 3600'000'000LL)}};
  auto r = PostJson("/api/v1/schools/school-1/acts:preview", act.dump(), director.token);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404) << r->body;
}

TEST_F(CrossSchoolTest, ASignedReadIsTheCredentialsOwnSchool) {
  // School 2's "parent" signs a read of school 1's diary of s1 (school 1's "parent" is s1's).
  const int64_t now = clock_.NowMicros();
  const std::string target = "/api/v1/schools/school-1/students/s1/diary?week=2025-10-06";
  auto signature = other_.at("parent").key.Sign(api::SignedRequestText("GET", target, now, ""));
  ASSERT_TRUE(signature.has_value());
  httplib::Headers headers = {
      {"Authorization",
       std::string(api::kSignedScheme) + "credential=" + other_.at("parent").credential_id +
           ",time=" + std::to_string(now) + ",signature=" + crypto::Base64Encode(*signature)}};
  auto r = client_->Get(target, headers);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404) << r->body;
}

}  // namespace
}  // namespace ejournal::testing
