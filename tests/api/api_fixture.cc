#include "tests/api/api_fixture.h"

#include "ledger/crypto.h"
#include "ledger/event_codec.h"

namespace ejournal::testing {

void ApiFixture::SetUp() {
  SchoolFixture::SetUp();
  if (HasFatalFailure()) return;
  // Content for the reads: marks in math 5a on Monday 2025-10-06 during the lesson.
  At(D(2025, 10, 6), "08:40");
  MustSubmit(MarkBody("math", "m-s1", "math-5a-1", "s1", 5));
  MustSubmit(MarkBody("math", "m-s2", "math-5a-1", "s2", 4));
  MustSubmit(AbsenceBody("math", "math-5a-1", "s3"));
  ledger_->Close();
  StartServer(Options());
}

void ApiFixture::TearDown() { StopServer(); }

api::ServerOptions ApiFixture::Options() {
  api::ServerOptions o;
  o.data_dir = dir_.path();
  o.port = 0;
  o.clock = &clock_;
  o.kdf.n = 1024;  // fast for tests; the default is 2^15
  o.threads = 4;
  o.expiry_sweep_seconds = 0;  // tests call RevokeExpiredSessions()
  return o;
}

void ApiFixture::StartServer(api::ServerOptions options) {
  StopServer();
  auto server = api::ApiServer::Open(std::move(options));
  ASSERT_TRUE(server.has_value()) << server.error().ToString();
  server_ = std::move(*server);
  ASSERT_TRUE(server_->Start().ok());
  client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
  client_->set_read_timeout(30, 0);
}

void ApiFixture::StopServer() {
  client_.reset();
  if (server_) server_->Stop();
  server_.reset();
}

v1::EventBody ApiFixture::Mark(const std::string& teacher, const std::string& mark_id,
                               const std::string& lesson_id, const std::string& student, int value,
                               school::Day day) {
  v1::EventBody b = Body(teacher);
  auto* m = b.mutable_mark_recorded();
  m->set_mark_id(mark_id);
  m->set_lesson_id(lesson_id);
  m->set_student_id(student);
  m->mutable_value()->set_value(value);
  m->set_work_type(v1::WORK_TYPE_ANSWER_IN_CLASS);
  *b.mutable_business_date() = Date(day);
  return b;
}

std::string ApiFixture::Signed(const v1::EventBody& body) {
  auto it = signers_.find(body.actor_id());
  EXPECT_NE(it, signers_.end()) << body.actor_id();
  auto bytes = ledger_->Sign(body, it->second);
  EXPECT_TRUE(bytes.has_value());
  return bytes.value_or("");
}

httplib::Result ApiFixture::PostEvent(const std::string& bytes, const std::string& type) {
  return client_->Post("/api/v1/events", bytes, type);
}

httplib::Result ApiFixture::PostJson(const std::string& path, const std::string& json,
                                     const std::string& token) {
  httplib::Headers headers;
  if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
  return client_->Post(path, headers, json, "application/json");
}

httplib::Result ApiFixture::GetPath(const std::string& path, const std::string& token) {
  httplib::Headers headers;
  if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
  return client_->Get(path, headers);
}

void ApiFixture::SetPassword(const std::string& user, const std::string& password) {
  if (signers_.contains(user)) {
    PostPassword(user, user, v1::PASSWORD_CHANGE_KIND_BY_USER, password);
    return;
  }
  // A user without a fixture key does as a person would: signs in with a first password and
  // sets their own with that session.
  SetFirstPassword(user, "first-" + password);
  Session session = Login(user, "first-" + password);
  ASSERT_FALSE(session.token.empty());
  signers_.insert_or_assign(user, session.signer);
  PostPassword(user, user, v1::PASSWORD_CHANGE_KIND_BY_USER, password);
  signers_.erase(user);
}

void ApiFixture::SetFirstPassword(const std::string& user, const std::string& password) {
  PostPassword("admin", user, v1::PASSWORD_CHANGE_KIND_INITIAL, password);
}

void ApiFixture::PostPassword(const std::string& actor, const std::string& user,
                              v1::PasswordChangeKind kind, const std::string& password) {
  v1::EventBody b = Body(actor);
  b.mutable_password_changed()->set_user_id(user);
  b.mutable_password_changed()->set_kind(kind);
  nlohmann::json req = {{"event", crypto::Base64Encode(Signed(b))}, {"password", password}};
  auto r = PostJson("/api/v1/passwords", req.dump());
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
}

crypto::PrivateKey ApiFixture::NewSessionKey() {
  return crypto::PrivateKey::Generate(crypto::KeyType::kEd25519).value();
}

httplib::Result ApiFixture::LoginRequest(const std::string& school, const std::string& login,
                                         const std::string& password,
                                         const crypto::PrivateKey& key) {
  nlohmann::json req = {{"school_id", school},
                        {"login", login},
                        {"password", password},
                        {"public_key", crypto::Base64Encode(key.public_key().raw())},
                        {"algorithm", "ed25519"}};
  return PostJson("/api/v1/login", req.dump());
}

ApiFixture::Session ApiFixture::Login(const std::string& user, const std::string& password) {
  const crypto::PrivateKey key = NewSessionKey();
  auto r = LoginRequest(kSchool, user, password, key);
  Session s{.token = "", .signer = Signer{.credential_id = "", .user_id = user, .key = key}};
  EXPECT_TRUE(r);
  if (!r || r->status != 200) {
    ADD_FAILURE() << "login of " << user << ": " << (r ? r->body : "no answer");
    return s;
  }
  auto j = Json(r);
  s.token = j["token"].get<std::string>();
  s.signer.credential_id = j["credential_id"].get<std::string>();
  return s;
}

nlohmann::json ApiFixture::Json(const httplib::Result& r) {
  if (!r) return nullptr;
  return nlohmann::json::parse(r->body, nullptr, false);
}

}  // namespace ejournal::testing
