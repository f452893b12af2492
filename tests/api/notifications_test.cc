// Notifications (R-MSG-4, api/notifier.h) through a real ejournald and a real SMTP server on
// 127.0.0.1 (tests/api/smtp_sink.py, Debian's python3-aiosmtpd), started and stopped by the test:
// the mark's mail reaches the parent who asked for it, with the right recipient and text, and
// nobody else; a server that is down keeps the mail queued across a restart of ejournald and
// delivers each mail exactly once when it is back; quiet hours hold mail until morning and a
// digest until its hour; an unsubscribe link and a bouncing mailbox stop the mail; STARTTLS.
// The notifier runs only when the test calls RunOnce() (notify_poll_ms 0): no waiting on time.
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "api/notifier.h"
#include "ledger/crypto.h"
#include "tests/api/flow_fixture.h"
#include "tests/support/background_process.h"

namespace ejournal::testing {
namespace {

constexpr char kPython[] = "/usr/bin/python3";

std::string SinkScript() { return std::string(EJOURNAL_SOURCE_DIR) + "/tests/api/smtp_sink.py"; }

struct Mail {
  std::string to, subject, body, tls, message_id, list_unsubscribe;
};

// RFC 2047 encoded words ("=?UTF-8?B?...?=") back to UTF-8.
std::string DecodeWords(const std::string& value) {
  std::string out;
  static const std::regex word(R"(=\?UTF-8\?B\?([A-Za-z0-9+/=]+)\?=)");
  for (std::sregex_iterator it(value.begin(), value.end(), word), end; it != end; ++it) {
    auto decoded = crypto::Base64Decode((*it)[1].str());
    if (decoded) out += *decoded;
  }
  return out.empty() ? value : out;
}

Mail ParseMail(const std::string& raw) {
  Mail m;
  const size_t split = raw.find("\r\n\r\n");
  std::istringstream head(raw.substr(0, split));
  std::string line, last;
  std::vector<std::pair<std::string, std::string>> headers;
  while (std::getline(head, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t') && !headers.empty()) {
      headers.back().second += line.substr(1);
      continue;
    }
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    headers.emplace_back(line.substr(0, colon), line.substr(colon + 2));
  }
  for (const auto& [k, v] : headers) {
    if (k == "X-Envelope-To") m.to = v;
    if (k == "Subject") m.subject = DecodeWords(v);
    if (k == "X-TLS") m.tls = v;
    if (k == "Message-ID") m.message_id = v;
    if (k == "List-Unsubscribe") m.list_unsubscribe = v;
  }
  std::string b64;
  for (char c : raw.substr(split + 4)) {
    if (c != '\r' && c != '\n') b64 += c;
  }
  auto body = crypto::Base64Decode(b64);
  m.body = body ? *body : "";
  return m;
}

class NotificationsTest : public FlowFixture {
 protected:
  void SetUp() override {
    FlowFixture::SetUp();
    if (HasFatalFailure()) return;
    for (const char* user : {"math", "parent", "parent2", "deputy"}) SetPassword(user);
    mail_dir_ = dir_.Sub("mail");
    StartSink();
    if (HasFatalFailure()) return;
    StartServer(NotifyingOptions());
  }
  void TearDown() override {
    FlowFixture::TearDown();
    sink_.reset();
  }

  api::ServerOptions NotifyingOptions() {
    api::ServerOptions o = Options();
    o.smtp.url = "smtp://127.0.0.1:" + std::to_string(sink_port_);
    o.smtp.from = "journal@school.test";
    o.smtp.require_tls = !tls_cert_.empty();
    o.smtp.ca_file = tls_cert_;
    o.public_url = "https://journal.school.test";
    o.notify_poll_ms = 0;
    return o;
  }

  // The SMTP server, on its old port when it ran before.
  void StartSink(std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {kPython,   SinkScript(),      "--dir",
                                     mail_dir_, "--bounce-domain", "bounce.test"};
    if (sink_port_ != 0) {
      argv.push_back("--port");
      argv.push_back(std::to_string(sink_port_));
    }
    if (!tls_cert_.empty()) {
      argv.insert(argv.end(), {"--tls-cert", tls_cert_, "--tls-key", tls_key_});
    }
    argv.insert(argv.end(), extra.begin(), extra.end());
    std::string ready, error;
    sink_ = BackgroundProcess::Start(argv, "port ", dir_.Sub("smtp.log"), &ready, &error);
    ASSERT_NE(sink_, nullptr) << error;
    sink_port_ = std::stoi(ready.substr(5));
  }

  std::vector<Mail> Mails() {
    std::vector<std::string> names;
    if (std::filesystem::exists(mail_dir_)) {
      for (const auto& f : std::filesystem::directory_iterator(mail_dir_)) {
        if (f.path().extension() == ".eml") names.push_back(f.path().string());
      }
    }
    std::sort(names.begin(), names.end());
    std::vector<Mail> out;
    for (const auto& n : names) {
      std::ifstream in(n, std::ios::binary);
      std::stringstream s;
      s << in.rdbuf();
      out.push_back(ParseMail(s.str()));
    }
    return out;
  }

  void RunNotifier() {
    Status st = server_->notifier()->RunOnce();
    ASSERT_TRUE(st.ok()) << st.ToString();
  }

  static std::string Base() { return "/api/v1/schools/" + std::string(kSchool); }

  void Settings(const std::string& user, const json& settings, int want = 200) {
    auto r = PostJson(Base() + "/notification-settings", settings.dump(), Login(user).token);
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, want) << r->body;
  }

  // A mark by the math teacher in 5a's math lesson of 2025-10-06 (or of 2025-10-08, math-5a-2).
  void RecordMark(const std::string& mark_id, const std::string& student, int value,
                  const std::string& lesson = "math-5a-1") {
    const school::Day day = lesson == "math-5a-1" ? D(2025, 10, 6) : D(2025, 10, 8);
    auto r = PostEvent(Signed(Mark("math", mark_id, lesson, student, value, day)));
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
  }

  double Metric(const std::string& name) {
    auto r = GetPath("/metrics");
    std::istringstream in(r ? r->body : "");
    std::string line;
    while (std::getline(in, line)) {
      if (line.starts_with(name + " ")) return std::stod(line.substr(name.size() + 1));
    }
    return -1;
  }

  std::string mail_dir_;
  int sink_port_ = 0;
  std::string tls_cert_, tls_key_;
  std::unique_ptr<BackgroundProcess> sink_;
};

TEST_F(NotificationsTest, MarkMailReachesTheParentWhoAskedAndNobodyElse_R_MSG_4) {
  At(D(2025, 10, 6), "10:00");
  Settings("parent", {{"email", "ivanova@example.test"}, {"email_kinds", {"mark", "absence"}}});
  // parent2 gives an address but asks for no mail: the feed only.
  Settings("parent2", {{"email", "petrova@example.test"}, {"email_kinds", json::array()}});
  RecordMark("m-n1", "s1", 4);
  RecordMark("m-n2", "s2", 3);
  RunNotifier();

  std::vector<Mail> mails = Mails();
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0].to, "ivanova@example.test");
  EXPECT_NE(mails[0].subject.find("оценка 4 — Математика, 06.10.2025"), std::string::npos)
      << mails[0].subject;
  EXPECT_NE(mails[0].body.find("Оценки. "), std::string::npos) << mails[0].body;
  EXPECT_NE(mails[0].body.find("https://journal.school.test/#/diary?student=s1&week=2025-10-06"),
            std::string::npos)
      << mails[0].body;
  EXPECT_NE(mails[0].body.find("/unsubscribe?school="), std::string::npos);
  EXPECT_NE(mails[0].list_unsubscribe.find("kind=all"), std::string::npos);
  EXPECT_EQ(mails[0].body.find("s-"), std::string::npos);  // names, not ids

  // Each parent's feed holds their own child's mark only.
  const json feed = Json(GetPath(Base() + "/notifications", Login("parent").token));
  ASSERT_EQ(feed["items"].size(), 1u) << feed;
  EXPECT_EQ(feed["items"][0]["kind"], "mark");
  EXPECT_EQ(feed["unseen"], 1);
  const json feed2 = Json(GetPath(Base() + "/notifications", Login("parent2").token));
  ASSERT_EQ(feed2["items"].size(), 1u) << feed2;
  EXPECT_NE(feed2["items"][0]["text"].get<std::string>().find("оценка 3"), std::string::npos);
  // The teacher who wrote the marks is told nothing.
  EXPECT_EQ(Json(GetPath(Base() + "/notifications", Login("math").token))["items"].size(), 0u);

  // Seen: the count drops; nothing is sent twice.
  auto seen = PostJson(Base() + "/notifications/seen",
                       json{{"up_to", feed["items"][0]["seq"]}}.dump(), Login("parent").token);
  ASSERT_EQ(seen->status, 200) << seen->body;
  EXPECT_EQ(Json(GetPath(Base() + "/notifications", Login("parent").token))["unseen"], 0);
  RunNotifier();
  EXPECT_EQ(Mails().size(), 1u);
  EXPECT_EQ(Metric("ejournal_mail_sent_total"), 1);
  EXPECT_EQ(Metric("ejournal_mail_queued"), 0);
}

TEST_F(NotificationsTest, ServerDownMailQueuedAcrossRestartThenSentExactlyOnce_R_MSG_4) {
  At(D(2025, 10, 6), "10:00");
  Settings("parent", {{"email", "ivanova@example.test"}, {"email_kinds", {"mark"}}});
  ASSERT_EQ(sink_->Stop(SIGTERM), 0);
  RecordMark("m-o1", "s1", 5);
  RunNotifier();  // the server is down: kept, retried later
  EXPECT_EQ(Metric("ejournal_mail_queued"), 1);
  EXPECT_GE(Metric("ejournal_mail_send_failures_total"), 1);
  At(D(2025, 10, 6), "10:05");
  RecordMark("m-o2", "s1", 4);
  RunNotifier();
  EXPECT_EQ(Metric("ejournal_mail_queued"), 2);
  EXPECT_TRUE(Mails().empty());

  // ejournald restarts while the SMTP server is still down: the queue is on disk.
  StartServer(NotifyingOptions());
  if (HasFatalFailure()) return;
  EXPECT_EQ(Metric("ejournal_mail_queued"), 2);
  StartSink();
  if (HasFatalFailure()) return;
  At(D(2025, 10, 6), "10:20");  // past the back-off
  RunNotifier();
  RunNotifier();
  std::vector<Mail> mails = Mails();
  ASSERT_EQ(mails.size(), 1u);  // both marks, in one mail, once
  EXPECT_NE(mails[0].body.find("оценка 5"), std::string::npos) << mails[0].body;
  EXPECT_NE(mails[0].body.find("оценка 4"), std::string::npos) << mails[0].body;
  EXPECT_EQ(Metric("ejournal_mail_queued"), 0);
  StartServer(NotifyingOptions());
  if (HasFatalFailure()) return;
  RunNotifier();
  EXPECT_EQ(Mails().size(), 1u);
}

TEST_F(NotificationsTest, QuietHoursHoldMailUntilMorningAndADigestUntilItsHour_R_MSG_4) {
  // Quiet hours that leave the night uncovered are refused (R-MSG-4).
  Settings("parent", {{"email", "ivanova@example.test"}, {"quiet_from", "01:00"}}, 400);
  Settings("parent", {{"email", "x"}, {"email_kinds", {"mark"}}}, 400);
  Settings("parent", {{"email", "ivanova@example.test"}, {"email_kinds", {"grades"}}}, 400);

  Settings("parent", {{"email", "ivanova@example.test"}, {"email_kinds", {"mark"}}});
  At(D(2025, 10, 6), "22:30");
  RecordMark("m-q1", "s1", 5);
  RunNotifier();
  EXPECT_TRUE(Mails().empty());
  At(D(2025, 10, 7), "07:59");
  RunNotifier();
  EXPECT_TRUE(Mails().empty());
  At(D(2025, 10, 7), "08:00");
  RunNotifier();
  ASSERT_EQ(Mails().size(), 1u);

  // A digest: one mail at 18:00 with the day's marks, then nothing until the next day's.
  Settings("parent", {{"email_kinds", {"mark"}}, {"digest", true}, {"digest_at", "18:00"}});
  At(D(2025, 10, 8), "10:00");
  RecordMark("m-q2", "s1", 4, "math-5a-2");
  RunNotifier();
  At(D(2025, 10, 8), "12:00");
  RecordMark("m-q3", "s1", 3, "math-5a-2");
  RunNotifier();
  EXPECT_EQ(Mails().size(), 1u);
  At(D(2025, 10, 8), "18:00");
  RunNotifier();
  std::vector<Mail> mails = Mails();
  ASSERT_EQ(mails.size(), 2u);
  EXPECT_NE(mails[1].subject.find("Сводка"), std::string::npos) << mails[1].subject;
  EXPECT_NE(mails[1].body.find("оценка 4"), std::string::npos);
  EXPECT_NE(mails[1].body.find("оценка 3"), std::string::npos);
  At(D(2025, 10, 8), "18:30");
  RecordMark("m-q4", "s1", 5, "math-5a-2");
  RunNotifier();
  At(D(2025, 10, 8), "20:00");
  RunNotifier();
  EXPECT_EQ(Mails().size(), 2u);
  At(D(2025, 10, 9), "18:00");
  RunNotifier();
  ASSERT_EQ(Mails().size(), 3u);
  EXPECT_NE(Mails()[2].body.find("оценка 5"), std::string::npos);
}

TEST_F(NotificationsTest, UnsubscribeLinkAndBouncingMailboxStopTheMail_R_MSG_4) {
  At(D(2025, 10, 6), "10:00");
  Settings("parent", {{"email", "ivanova@example.test"}, {"email_kinds", {"mark"}}});
  RecordMark("m-u1", "s1", 5);
  RunNotifier();
  std::vector<Mail> mails = Mails();
  ASSERT_EQ(mails.size(), 1u);
  std::smatch link;
  ASSERT_TRUE(std::regex_search(
      mails[0].body, link,
      std::regex(R"(https://journal\.school\.test(/unsubscribe\?[^\s]*kind=mark[^\s]*))")))
      << mails[0].body;
  const std::string path = link[1].str();

  // Opening the link asks first; a forged token is refused; the button unsubscribes.
  auto page = client_->Get(path);
  ASSERT_EQ(page->status, 200) << page->body;
  EXPECT_NE(page->body.find("Отписаться"), std::string::npos);
  std::string forged = path.substr(0, path.size() - 4) + "0000";
  EXPECT_EQ(client_->Get(forged)->status, 403);
  EXPECT_EQ(client_->Post(forged, "List-Unsubscribe=One-Click", "application/x-www-form-urlencoded")
                ->status,
            403);
  auto done =
      client_->Post(path, "List-Unsubscribe=One-Click", "application/x-www-form-urlencoded");
  ASSERT_EQ(done->status, 200) << done->body;
  EXPECT_EQ(
      Json(GetPath(Base() + "/notification-settings", Login("parent").token))["email_kinds"].size(),
      0u);
  RecordMark("m-u2", "s1", 4);
  RunNotifier();
  EXPECT_EQ(Mails().size(), 1u);
  // The feed still tells.
  EXPECT_EQ(Json(GetPath(Base() + "/notifications", Login("parent").token))["items"].size(), 2u);

  // A mailbox that does not exist: refused once, marked, never tried again until changed.
  Settings("parent2", {{"email", "nobody@bounce.test"}, {"email_kinds", {"mark"}}});
  RecordMark("m-u3", "s2", 5);
  RunNotifier();
  EXPECT_EQ(Metric("ejournal_mail_bounced_total"), 1);
  EXPECT_TRUE(Json(GetPath(Base() + "/notification-settings", Login("parent2").token))["bounced"]
                  .get<bool>());
  RecordMark("m-u4", "s2", 4);
  RunNotifier();
  EXPECT_EQ(Metric("ejournal_mail_bounced_total"), 1);
  EXPECT_EQ(Metric("ejournal_mail_queued"), 0);
  EXPECT_EQ(Mails().size(), 1u);
  // A new address clears the bounce.
  Settings("parent2", {{"email", "petrova@example.test"}, {"email_kinds", {"mark"}}});
  RecordMark("m-u5", "s2", 3);
  RunNotifier();
  ASSERT_EQ(Mails().size(), 2u);
  EXPECT_EQ(Mails()[1].to, "petrova@example.test");
}

TEST_F(NotificationsTest, StartTlsIsUsedAndRequired_R_MSG_4) {
  // A server certificate for 127.0.0.1, made here; the sink then requires STARTTLS.
  tls_cert_ = dir_.Sub("smtp.crt");
  tls_key_ = dir_.Sub("smtp.key");
  ProcessResult made =
      RunProcess({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                  tls_key_, "-out", tls_cert_, "-days", "2", "-subj", "/CN=127.0.0.1", "-addext",
                  "subjectAltName=IP:127.0.0.1"});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  sink_->Stop(SIGTERM);
  StartSink();
  if (HasFatalFailure()) return;
  StartServer(NotifyingOptions());
  if (HasFatalFailure()) return;
  At(D(2025, 10, 6), "10:00");
  Settings("parent", {{"email", "ivanova@example.test"}, {"email_kinds", {"mark"}}});
  RecordMark("m-t1", "s1", 5);
  RunNotifier();
  std::vector<Mail> mails = Mails();
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0].tls, "yes");
}

}  // namespace
}  // namespace ejournal::testing
