// The browser's side of the service (api/routes_web.cc): the session in an HttpOnly
// SameSite=Strict cookie, CSRF protection of cookie-authenticated POSTs, the static pages with a
// strict Content-Security-Policy and no way out of the web root, /api/v1/me, the paper diary and
// the verifier key. A real server on 127.0.0.1, real files, httplib::Client.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "ledger/crypto.h"
#include "tests/api/api_fixture.h"

namespace ejournal::testing {
namespace {

class WebTest : public ApiFixture {
 protected:
  // Signs in as a browser does (cookie: true); returns the Set-Cookie header's value.
  httplib::Result CookieLogin(const std::string& user) {
    auto key = crypto::PrivateKey::Generate(crypto::KeyType::kEd25519);
    EXPECT_TRUE(key.has_value());
    return PostJson("/api/v1/login",
                    nlohmann::json({{"school_id", kSchool},
                                    {"login", user},
                                    {"password", kPassword},
                                    {"public_key", crypto::Base64Encode(key->public_key().raw())},
                                    {"algorithm", "ed25519"},
                                    {"cookie", true}})
                        .dump());
  }
  // "ej_session=TOKEN" from a Set-Cookie value.
  static std::string CookiePair(const std::string& set_cookie) {
    return set_cookie.substr(0, set_cookie.find(';'));
  }
  httplib::Result GetWithCookie(const std::string& path, const std::string& cookie) {
    return client_->Get(path, httplib::Headers{{"Cookie", cookie}});
  }
  httplib::Result PostWithCookie(const std::string& path, const std::string& cookie,
                                 httplib::Headers extra = {}) {
    extra.emplace("Cookie", cookie);
    return client_->Post(path, extra, "", "application/json");
  }
  static std::string Rule(const httplib::Result& r) {
    auto j = Json(r);
    return j.is_object() && j.contains("error") ? j["error"].value("rule", "") : "";
  }

  const std::string page_ = "/api/v1/schools/school-1/classes/5a/subjects/math/terms/1/journal";
};

TEST_F(WebTest, CookieLoginKeepsTheTokenAwayFromScripts) {
  SetPassword("math");
  auto r = CookieLogin("math");
  ASSERT_EQ(r->status, 200) << r->body;
  const std::string set_cookie = r->get_header_value("Set-Cookie");
  EXPECT_TRUE(set_cookie.starts_with("ej_session=")) << set_cookie;
  EXPECT_NE(set_cookie.find("; HttpOnly"), std::string::npos) << set_cookie;
  EXPECT_NE(set_cookie.find("; SameSite=Strict"), std::string::npos) << set_cookie;
  EXPECT_NE(set_cookie.find("; Path=/api/"), std::string::npos) << set_cookie;
  auto body = Json(r);
  EXPECT_FALSE(body.contains("token")) << r->body;  // only the cookie carries it
  EXPECT_TRUE(body.contains("credential_id"));

  const std::string cookie = CookiePair(set_cookie);
  EXPECT_EQ(GetWithCookie(page_, cookie)->status, 200);
  EXPECT_EQ(GetWithCookie(page_, "ej_session=forged")->status, 401);
  EXPECT_EQ(GetPath(page_)->status, 401);
  // The CLI's bearer token still works alongside.
  Session cli = Login("math");
  EXPECT_EQ(GetPath(page_, cli.token)->status, 200);
  // A bad "cookie" flag is refused and changes nothing.
  const uint64_t before = LedgerSize();
  auto bad =
      PostJson("/api/v1/login", R"({"school_id":"school-1","login":"math","password":"x",)"
                                R"("public_key":"AA==","algorithm":"ed25519","cookie":"yes"})");
  EXPECT_EQ(bad->status, 400) << bad->body;
  EXPECT_EQ(LedgerSize(), before);
}

TEST_F(WebTest, CookiePostsNeedTheCsrfHeaderAndOurOrigin) {
  SetPassword("math");
  auto r = CookieLogin("math");
  ASSERT_EQ(r->status, 200) << r->body;
  const std::string cookie = CookiePair(r->get_header_value("Set-Cookie"));
  const uint64_t before = LedgerSize();

  // A cross-site form post carries the cookie but cannot add the header: refused, nothing changes.
  auto no_header = PostWithCookie("/api/v1/logout", cookie);
  EXPECT_EQ(no_header->status, 403) << no_header->body;
  EXPECT_EQ(Rule(no_header), "R-ACC-4");
  EXPECT_NE(no_header->body.find("X-EJournal-CSRF"), std::string::npos) << no_header->body;
  // Another origin, even with the header: refused.
  auto foreign = PostWithCookie("/api/v1/logout", cookie,
                                {{"X-EJournal-CSRF", "1"}, {"Origin", "https://evil.example"}});
  EXPECT_EQ(foreign->status, 403) << foreign->body;
  EXPECT_EQ(LedgerSize(), before);
  EXPECT_EQ(GetWithCookie(page_, cookie)->status, 200);  // the session is untouched
  // The act preview (a POST read) is protected alike.
  auto preview = client_->Post("/api/v1/schools/school-1/acts:preview",
                               httplib::Headers{{"Cookie", cookie}}, "{}", "application/json");
  EXPECT_EQ(preview->status, 403) << preview->body;

  // Our own page: the header and our origin. Logout revokes and clears the cookie.
  const std::string origin = "http://127.0.0.1:" + std::to_string(server_->port());
  auto ours =
      PostWithCookie("/api/v1/logout", cookie, {{"X-EJournal-CSRF", "1"}, {"Origin", origin}});
  ASSERT_EQ(ours->status, 200) << ours->body;
  EXPECT_TRUE(ours->get_header_value("Set-Cookie").starts_with("ej_session=;"));
  EXPECT_NE(ours->get_header_value("Set-Cookie").find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(LedgerSize(), before + 1);  // the CredentialRevoked
  EXPECT_EQ(GetWithCookie(page_, cookie)->status, 401);
}

TEST_F(WebTest, PagesAreServedWithAStrictCspAndNothingOutsideTheRoot) {
  StopServer();
  const std::filesystem::path root = std::filesystem::path(dir_.path()) / "web";
  std::filesystem::create_directories(root);
  std::ofstream(root / "index.html") << "<!doctype html><title>ЭЖ</title>";
  std::ofstream(root / "app.js") << "export {};";
  std::ofstream(root / ".hidden.js") << "secret";
  std::ofstream(root / "notes.key") << "secret";
  api::ServerOptions o = Options();
  o.web_root = root.string();
  StartServer(o);

  auto index = GetPath("/");
  ASSERT_EQ(index->status, 200) << index->body;
  EXPECT_EQ(index->get_header_value("Content-Type"), "text/html; charset=utf-8");
  const std::string csp = index->get_header_value("Content-Security-Policy");
  EXPECT_NE(csp.find("script-src 'self'"), std::string::npos) << csp;
  EXPECT_NE(csp.find("default-src 'none'"), std::string::npos) << csp;
  EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos) << csp;
  EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos) << csp;
  EXPECT_EQ(index->get_header_value("X-Content-Type-Options"), "nosniff");
  EXPECT_NE(index->body.find("ЭЖ"), std::string::npos);

  auto js = GetPath("/app.js");
  ASSERT_EQ(js->status, 200);
  EXPECT_EQ(js->get_header_value("Content-Type"), "application/javascript; charset=utf-8");
  EXPECT_EQ(js->body, "export {};");
  EXPECT_FALSE(js->has_header("Content-Encoding"));
  // With a gzipped copy beside it, a client that accepts gzip gets that copy as it is (and one
  // that asks for brotli only gets the plain file, uncompressed: no brotli on every request).
  const std::string gz = "\x1f\x8b not really gzip, served as stored";
  std::ofstream(root / "app.js.gz", std::ios::binary) << gz;
  client_->set_decompress(false);
  auto zipped = client_->Get("/app.js", httplib::Headers{{"Accept-Encoding", "gzip, deflate, br"}});
  ASSERT_EQ(zipped->status, 200);
  EXPECT_EQ(zipped->get_header_value("Content-Encoding"), "gzip");
  EXPECT_EQ(zipped->get_header_value("Vary"), "Accept-Encoding");
  EXPECT_EQ(zipped->body, gz);
  auto plain = client_->Get("/app.js", httplib::Headers{{"Accept-Encoding", "br"}});
  ASSERT_EQ(plain->status, 200);
  EXPECT_FALSE(plain->has_header("Content-Encoding"));
  EXPECT_EQ(plain->body, "export {};");
  EXPECT_EQ(GetPath("/app.js.gz")->status, 404);  // not served by its own name
  // JSON answers are not brotli-compressed either (see api/json_util.h).
  auto json = client_->Get("/api/v1/ledger/proofs/inclusion?sequence=1",
                           httplib::Headers{{"Accept-Encoding", "br"}});
  ASSERT_EQ(json->status, 200);
  EXPECT_FALSE(json->has_header("Content-Encoding"));
  EXPECT_EQ(json->get_header_value("Content-Type"), "application/json; charset=utf-8");
  auto err = client_->Get("/api/v1/me", httplib::Headers{{"Accept-Encoding", "br"}});
  EXPECT_EQ(err->status, 401);
  EXPECT_EQ(err->get_header_value("Content-Type"), "application/json; charset=utf-8");
  EXPECT_FALSE(err->has_header("Content-Encoding"));
  client_->set_decompress(true);

  // Outside the root, hidden, of a type not served, missing: 404 (or 400 from the parser).
  for (const char* path : {"/../node.key", "/%2e%2e/node.key", "/..%2Fnode.key", "/.hidden.js",
                           "/notes.key", "/missing.js", "/node.key", "/ledger"}) {
    auto r = GetPath(path);
    ASSERT_TRUE(r) << path;
    EXPECT_TRUE(r->status == 404 || r->status == 400) << path << ": " << r->status;
    EXPECT_EQ(r->body.find("secret"), std::string::npos) << path;
  }
  // The service's own routes are not shadowed by the pages.
  EXPECT_EQ(GetPath("/healthz")->body, "ok\n");
}

TEST_F(WebTest, WithoutBuiltPagesTheRootSaysSo) {
  auto r = GetPath("/");  // the fixture's server has no web root
  EXPECT_EQ(r->status, 404);
  EXPECT_FALSE(r->get_header_value("Content-Security-Policy").empty());
}

TEST_F(WebTest, MeTellsWhatTheUserMayOpen) {
  SetPassword("math");
  SetPassword("parent");
  Session teacher = Login("math");
  auto me = GetPath("/api/v1/me", teacher.token);
  ASSERT_EQ(me->status, 200) << me->body;
  auto j = Json(me);
  EXPECT_EQ(j["user_id"], "math");
  EXPECT_EQ(j["display_name"], "math");  // the fixture names users by their ids
  EXPECT_EQ(j["credential_id"], teacher.signer.credential_id);
  EXPECT_NE(std::find(j["roles"].begin(), j["roles"].end(), "teacher"), j["roles"].end());
  bool math_5a = false;
  for (const auto& l : j["loads"]) math_5a |= l["class_id"] == "5a" && l["subject_id"] == "math";
  EXPECT_TRUE(math_5a) << me->body;

  // A parent sees their own child only (R-ACC-3), and no journal pages.
  Session parent = Login("parent");
  auto pj = Json(GetPath("/api/v1/me", parent.token));
  ASSERT_EQ(pj["students"].size(), 1u) << pj.dump();
  EXPECT_EQ(pj["students"][0]["student_id"], "s1");
  EXPECT_EQ(pj["students"][0]["student_name"], "s1");  // the name the school registered
  EXPECT_TRUE(pj["loads"].empty());
  EXPECT_EQ(GetPath("/api/v1/me")->status, 401);
}

TEST_F(WebTest, PaperDiaryIsTheParentsOnly) {
  SetPassword("parent");
  SetPassword("parent2");
  Session parent = Login("parent");
  auto paper =
      GetPath("/api/v1/schools/school-1/students/s1/diary.html?week=2025-10-06", parent.token);
  ASSERT_EQ(paper->status, 200) << paper->body;
  EXPECT_EQ(paper->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(paper->body.find("<html"), std::string::npos);
  EXPECT_EQ(paper->body.find("<script"), std::string::npos);
  EXPECT_NE(paper->get_header_value("Content-Security-Policy").find("default-src 'none'"),
            std::string::npos);
  // Another parent's child answers 404 like an unknown id (R-ACC-3).
  Session other = Login("parent2");
  auto foreign =
      GetPath("/api/v1/schools/school-1/students/s1/diary.html?week=2025-10-06", other.token);
  EXPECT_EQ(foreign->status, 404);
  auto bad =
      GetPath("/api/v1/schools/school-1/students/s1/diary.html?week=2025-13-45", parent.token);
  EXPECT_EQ(bad->status, 400) << bad->body;
}

TEST_F(WebTest, TheAwaitingReentryReportIsSchoolWideForThoseWhoReadTheLedger) {
  SetPassword("director");
  SetPassword("parent");
  Session director = Login("director");
  auto r = GetPath("/api/v1/schools/school-1/reports/awaiting-reentry", director.token);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_TRUE(Json(r).is_object()) << r->body;
  // Others see only their own records (R-SEC-4; tests/api/web_pages_test.cc): here none.
  Session parent = Login("parent");
  auto own = GetPath("/api/v1/schools/school-1/reports/awaiting-reentry", parent.token);
  ASSERT_EQ(own->status, 200) << own->body;
  EXPECT_FALSE(Json(own).contains("events")) << own->body;
  EXPECT_EQ(GetPath("/api/v1/schools/school-1/reports/awaiting-reentry")->status, 401);
}

TEST_F(WebTest, VerifierKeyIsTheNodesAndPublic) {
  auto r = GetPath("/api/v1/ledger/verifier-key");
  ASSERT_EQ(r->status, 200) << r->body;
  // "<name>+<8 hex>+base64(0x01||key)"; the checkpoint's signature line names the same key.
  const std::string vkey = r->body.substr(0, r->body.find('\n'));
  const std::string name = vkey.substr(0, vkey.find('+'));
  ASSERT_FALSE(name.empty());
  auto cp = GetPath("/api/v1/ledger/checkpoint");
  ASSERT_EQ(cp->status, 200);
  EXPECT_NE(cp->body.find("\xE2\x80\x94 " + name + " "), std::string::npos) << cp->body;
}

}  // namespace
}  // namespace ejournal::testing
