// Sessions (docs/API.md "Sessions", R-ACC-5): login, logout, passwords, and the bearer token check
// every read uses.
#include <httplib.h>
#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include <array>

#include "api/http_errors.h"
#include "api/json_util.h"
#include "api/server.h"

namespace ejournal::api {
namespace {

// DER SubjectPublicKeyInfo headers (RFC 8410 for Ed25519; RFC 5480 for P-256 uncompressed points).
constexpr std::array<uint8_t, 12> kEd25519Spki = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03,
                                                  0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
constexpr std::array<uint8_t, 26> kP256Spki = {0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48,
                                               0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48,
                                               0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00};

template <size_t N>
bool StartsWith(std::string_view data, const std::array<uint8_t, N>& prefix) {
  return data.size() > N && std::equal(prefix.begin(), prefix.end(), data.begin(),
                                       [](uint8_t a, char b) { return a == uint8_t(b); });
}

// The client's key: base64 of the raw key (32 bytes Ed25519, 65 bytes P-256 point) or of its DER
// SubjectPublicKeyInfo.
Result<crypto::PublicKey> ParseClientKey(crypto::KeyType type, std::string_view b64) {
  auto der = crypto::Base64Decode(b64);
  if (!der) return Err(InvalidArgument("Ключ сеанса (public_key) не в base64"));
  std::string_view raw = *der;
  if (type == crypto::KeyType::kEd25519 && StartsWith(raw, kEd25519Spki)) {
    raw.remove_prefix(kEd25519Spki.size());
  } else if (type == crypto::KeyType::kEcdsaP256 && StartsWith(raw, kP256Spki)) {
    raw.remove_prefix(kP256Spki.size());
  }
  auto key = crypto::PublicKey::FromRaw(type, raw);
  if (!key)
    return Err(InvalidArgument("Ключ сеанса (public_key) не читается: " + key.error().message()));
  return key;
}

Result<std::string> RandomBytes(size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
    return Err(Internal("RAND_bytes failed"));
  }
  return out;
}

std::string Base64Url(std::string_view data) {
  std::string s = crypto::Base64Encode(data);
  for (char& c : s) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  while (!s.empty() && s.back() == '=') s.pop_back();
  return s;
}

std::string Digest(std::string_view token) {
  auto h = crypto::Sha256(token);
  return std::string(reinterpret_cast<const char*>(h.data()), h.size());
}

// The browser's session cookie: HttpOnly (no script reads the token), SameSite=Strict (no other
// site sends it), Path=/api/ (the pages themselves need no session).
constexpr std::string_view kSessionCookie = "ej_session";

std::string SessionCookieHeader(const std::string& token, int64_t max_age_seconds, bool secure) {
  return std::string(kSessionCookie) + "=" + token +
         "; Path=/api/; Max-Age=" + std::to_string(max_age_seconds) +
         "; HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "");
}

nlohmann::json ResultJson(const AppendResult& r) {
  return {
      {"sequence", r.sequence}, {"recorded_at_us", r.recorded_at_us}, {"duplicate", r.duplicate}};
}

}  // namespace

std::string SessionCookieOf(const httplib::Request& req) {
  const std::string cookies = req.get_header_value("Cookie");
  size_t pos = 0;
  while (pos < cookies.size()) {
    size_t end = cookies.find(';', pos);
    if (end == std::string::npos) end = cookies.size();
    std::string_view item(cookies.data() + pos, end - pos);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    if (item.size() > kSessionCookie.size() && item.starts_with(kSessionCookie) &&
        item[kSessionCookie.size()] == '=') {
      return std::string(item.substr(kSessionCookie.size() + 1));
    }
    pos = end + 1;
  }
  return {};
}

Status CheckCsrf(const httplib::Request& req) {
  if (req.method == "GET" || req.method == "HEAD") return Status::Ok();
  // A state-changing request that a cookie authenticates must come from our own pages: they send
  // this header, which another site cannot add without a CORS preflight that ejournald never
  // allows; and the browser's Origin, when it sends one, must be this server.
  if (req.get_header_value(kCsrfHeader) != "1") {
    return PermissionDenied(std::string("a request signed in by the cookie needs the header ") +
                                kCsrfHeader + ": 1 (cross-site requests are refused)",
                            "R-ACC-4");
  }
  const std::string origin = req.get_header_value("Origin");
  const std::string host = req.get_header_value("Host");
  if (!origin.empty() && origin != "http://" + host && origin != "https://" + host) {
    return PermissionDenied("Запрос с другого сайта отклонён", "R-ACC-4");
  }
  return Status::Ok();
}

Result<v1::SessionRecord> ApiServer::SessionOf(const httplib::Request& req, std::string* digest) {
  const std::string auth = req.get_header_value("Authorization");
  constexpr std::string_view kBearer = "Bearer ";
  std::string token;
  if (!auth.empty()) {
    if (!auth.starts_with(kBearer) || auth.size() == kBearer.size()) {
      return Err(Unauthenticated("Сначала войдите в журнал"));
    }
    token = auth.substr(kBearer.size());
  } else {
    // The browser's session: the HttpOnly cookie set at sign-in (scripts cannot read it).
    token = SessionCookieOf(req);
    if (token.empty()) {
      return Err(Unauthenticated("Сначала войдите в журнал"));
    }
    if (Status st = CheckCsrf(req); !st.ok()) return Err(st);
  }
  const std::string d = Digest(token);
  if (digest != nullptr) *digest = d;
  auto session = secrets_->GetSession(d);
  if (!session) {
    if (session.error().code() == StatusCode::kNotFound) {
      return Err(Unauthenticated("Сеанс закончился: войдите снова"));
    }
    return session;
  }
  if (session->revoked()) return Err(Unauthenticated("Сеанс закончился: войдите снова"));
  auto cred = registry_->Find(session->credential_id());
  if (!cred || cred->revoked_at_us != 0) {
    return Err(Unauthenticated("Сеанс закончился: войдите снова"));
  }
  if (options_.clock->NowMicros() >= session->not_after_us()) {
    // Expiry: the credential already stops at not_after_us; the node records it (EXPIRY) once.
    (void)RevokeSession(d, *session, v1::REVOCATION_REASON_EXPIRY).has_value();
    return Err(Unauthenticated("Время сеанса истекло: войдите снова"));
  }
  return session;
}

Result<AppendResult> ApiServer::RevokeSession(const std::string& digest, v1::SessionRecord& session,
                                              v1::RevocationReason reason) {
  v1::EventBody body;
  body.mutable_credential_revoked()->set_credential_id(session.credential_id());
  body.mutable_credential_revoked()->set_reason(reason);
  EJ_ASSIGN_OR_RETURN(AppendResult revoked, SubmitAsNode(std::move(body), session.school_id()));
  session.set_revoked(true);
  EJ_RETURN_IF_ERROR(secrets_->PutSession(digest, session));
  spdlog::info("event=session_revoked credential={} reason={} entry={}", session.credential_id(),
               v1::RevocationReason_Name(reason), revoked.sequence);
  return revoked;
}

Result<int> ApiServer::RevokeExpiredSessions() {
  const int64_t now = options_.clock->NowMicros();
  std::vector<std::pair<std::string, v1::SessionRecord>> expired;
  EJ_RETURN_IF_ERROR(
      secrets_->ForEachSession([&](const std::string& d, const v1::SessionRecord& s) {
        if (!s.revoked() && now >= s.not_after_us()) expired.emplace_back(d, s);
        return true;
      }));
  int revoked = 0;
  for (auto& [digest, session] : expired) {
    auto r = RevokeSession(digest, session, v1::REVOCATION_REASON_EXPIRY);
    if (!r) return Err(r.error());
    ++revoked;
  }
  return revoked;
}

void ApiServer::PostLogin(const httplib::Request& req, httplib::Response& res) {
  auto body = ParseObject(req.body);
  if (!body) return SetError(res, body.error());
  if (Status st = OnlyFields(
          *body, {"school_id", "login", "password", "public_key", "algorithm", "label", "cookie"});
      !st.ok()) {
    return SetError(res, st);
  }
  auto school_id = StringField(*body, "school_id");
  auto login = StringField(*body, "login");
  auto password = StringField(*body, "password");
  auto public_key = StringField(*body, "public_key");
  auto algorithm = StringField(*body, "algorithm");
  for (const auto* f : {&school_id, &login, &password, &public_key, &algorithm}) {
    if (!*f) return SetError(res, f->error());
  }
  std::string label = "Сеанс";
  if (body->contains("label")) {
    auto l = StringField(*body, "label");
    if (!l) return SetError(res, l.error());
    label = l->substr(0, 128);
  }
  // A browser asks for the token in an HttpOnly cookie instead of the answer's body.
  bool cookie = false;
  if (body->contains("cookie")) {
    if (!(*body)["cookie"].is_boolean())
      return SetError(res, InvalidArgument("Поле cookie — true или false"));
    cookie = (*body)["cookie"].get<bool>();
  }
  auto type = crypto::ParseKeyType(*algorithm);
  if (!type) return SetError(res, type.error());
  auto key = ParseClientKey(*type, *public_key);
  if (!key) return SetError(res, key.error());

  auto principal = authenticator_->SignIn(
      SignInRequest{.school_id = *school_id, .login = *login, .password = *password});
  if (!principal) {
    spdlog::info("event=signin_refused code={}", StatusCodeName(principal.error().code()));
    return SetError(res, principal.error());
  }
  auto id_bytes = RandomBytes(16);
  auto token_bytes = RandomBytes(32);
  if (!id_bytes || !token_bytes) return SetError(res, Internal("no randomness"));
  const std::string credential_id = "sess-" + crypto::HexEncode(*id_bytes);
  const int64_t not_after = options_.clock->NowMicros() + options_.session_lifetime_us;

  v1::EventBody event;
  auto* issued = event.mutable_credential_issued();
  issued->set_credential_id(credential_id);
  issued->set_user_id(principal->user_id);
  issued->set_algorithm(static_cast<v1::KeyAlgorithm>(key->type()));
  issued->set_public_key(key->raw());
  issued->set_kind(v1::CREDENTIAL_KIND_SESSION);
  issued->set_not_after_us(not_after);
  issued->set_label(label);
  auto appended = SubmitAsNode(std::move(event), principal->school_id);
  if (!appended) return SetError(res, appended.error());

  const std::string token = Base64Url(*token_bytes);
  v1::SessionRecord session;
  session.set_school_id(principal->school_id);
  session.set_user_id(principal->user_id);
  session.set_credential_id(credential_id);
  session.set_not_after_us(not_after);
  if (Status st = secrets_->PutSession(Digest(token), session); !st.ok()) {
    return SetError(res, st);
  }
  spdlog::info("event=session_issued credential={} user={} entry={}", credential_id,
               principal->user_id, appended->sequence);
  nlohmann::json answer = {{"credential_id", credential_id},
                           {"school_id", principal->school_id},
                           {"user_id", principal->user_id},
                           {"not_after_us", not_after},
                           {"sequence", appended->sequence}};
  // R-SET-2: a first (or reset) password is changed at the first sign-in; the pages and the CLI
  // ask for the new one before anything else.
  if (auto record = secrets_->GetPassword(principal->school_id, principal->user_id);
      record && record->must_change()) {
    answer["must_change_password"] = true;
  }
  if (cookie) {
    res.set_header("Set-Cookie",
                   SessionCookieHeader(token, options_.session_lifetime_us / 1'000'000, tls()));
  } else {
    answer["token"] = token;
  }
  ReplyJson(res, answer);
}

void ApiServer::PostLogout(const httplib::Request& req, httplib::Response& res) {
  std::string digest;
  auto session = SessionOf(req, &digest);
  if (!session) return SetError(res, session.error());
  auto revoked = RevokeSession(digest, *session, v1::REVOCATION_REASON_LOGOUT);
  if (!revoked) return SetError(res, revoked.error());
  if (!SessionCookieOf(req).empty())
    res.set_header("Set-Cookie", SessionCookieHeader("", 0, tls()));
  ReplyJson(res, ResultJson(*revoked));
}

void ApiServer::PostPassword(const httplib::Request& req, httplib::Response& res) {
  auto body = ParseObject(req.body);
  if (!body) return SetError(res, body.error());
  if (Status st = OnlyFields(*body, {"event", "password"}); !st.ok()) return SetError(res, st);
  auto event_b64 = StringField(*body, "event");
  auto password = StringField(*body, "password");
  if (!event_b64) return SetError(res, event_b64.error());
  if (!password) return SetError(res, password.error());
  if (password->size() < options_.min_password_length) {
    return SetError(res,
                    InvalidArgument("В пароле должно быть не меньше " +
                                        std::to_string(options_.min_password_length) + " символов",
                                    "R-ACC-5"));
  }
  auto bytes = crypto::Base64Decode(*event_b64);
  if (!bytes) return SetError(res, InvalidArgument("Запись (event) не в base64"));
  auto decoded = DecodeSignedEvent(*bytes, options_.decode);
  if (!decoded) return SetError(res, decoded.error());
  if (!decoded->body.has_password_changed()) {
    return SetError(res,
                    InvalidArgument("Нужна подписанная запись о смене пароля (PasswordChanged)"));
  }
  const std::string school_id = decoded->body.school_id();
  const std::string user_id = decoded->body.password_changed().user_id();
  // The verifier is computed before the event is appended, so that a failure leaves no fact of a
  // change that did not happen.
  auto record = MakePasswordRecord(*password, options_.kdf);
  if (!record) return SetError(res, record.error());
  auto appended = Submit(std::move(*bytes));
  if (!appended) return SetError(res, appended.error());
  if (appended->duplicate) {
    // A PasswordChanged is good for one password: replaying a signed event (it is in the
    // replicated ledger) must not set another one.
    return SetError(
        res, AlreadyExists("Эта запись о смене пароля уже использована: смените пароль заново"));
  }
  record->set_changed_at_sequence(appended->sequence);
  record->set_must_change(decoded->body.password_changed().kind() !=
                          v1::PASSWORD_CHANGE_KIND_BY_USER);
  if (Status st = secrets_->PutPassword(school_id, user_id, *record); !st.ok()) {
    return SetError(res, st);
  }
  spdlog::info("event=password_set user={} entry={}", user_id, appended->sequence);
  ReplyJson(res, ResultJson(*appended));
}

}  // namespace ejournal::api
