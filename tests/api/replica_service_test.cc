// Replication through the service: real ejournald processes (a writer with its relay,
// read replicas) and librdkafka's mock cluster on 127.0.0.1 hosted by this test process, so that a
// writer can be killed with SIGKILL and restarted against the same cluster. The writer's data is a
// small generated school (`ejournal demo school`); readers sign in at the writer and read from
// both with signed requests (api/signed_request.h).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "api/signed_request.h"
#include "ledger/clock.h"
#include "ledger/crypto.h"
#include "ledger/embedded_kafka.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

extern char** environ;

namespace ejournal::testing {
namespace {

constexpr char kTopic[] = "ejournal.ledger";
constexpr char kPassword[] = "correct horse battery";
// Generous deadlines for awaited conditions, never timing assertions.
constexpr auto kDeadline = std::chrono::seconds(120);

bool Eventually(const std::function<bool()>& condition) {
  const auto until = std::chrono::steady_clock::now() + kDeadline;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A running ejournald: its stdout is read up to the "listening on" line (the bound port); its
// stderr goes to a log file the failures print.
class Daemon {
 public:
  static std::unique_ptr<Daemon> Start(const std::vector<std::string>& flags,
                                       const std::string& log) {
    auto d = std::unique_ptr<Daemon>(new Daemon());
    d->log_ = log;
    int out[2];
    if (::pipe(out) != 0) return nullptr;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, log.c_str(),
                                     O_WRONLY | O_CREAT | O_APPEND, 0600);
    std::vector<std::string> argv = {EJOURNALD, "--port", "0", "--log-level", "info"};
    argv.insert(argv.end(), flags.begin(), flags.end());
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    const int rc = posix_spawn(&d->pid_, EJOURNALD, &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    if (rc != 0) {
      ::close(out[0]);
      return nullptr;
    }
    d->out_ = out[0];
    for (;;) {
      std::string line;
      char c;
      while (::read(d->out_, &c, 1) == 1 && c != '\n') line.push_back(c);
      if (line.empty()) {  // EOF: it exited before listening
        ADD_FAILURE() << "ejournald did not start:\n" << ReadFile(log);
        return nullptr;
      }
      if (line.starts_with("listening on http://")) {
        d->port_ = std::stoi(line.substr(line.rfind(':') + 1));
        break;
      }
    }
    return d;
  }

  ~Daemon() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (out_ >= 0) ::close(out_);
  }

  // Sends `sig` and waits: the exit code, or 128 + the signal.
  int Stop(int sig) {
    ::kill(pid_, sig);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  httplib::Client Client() const {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(30, 0);
    return c;
  }
  std::string log() const { return ReadFile(log_); }

  // A metric's value from GET /metrics (-1 if absent).
  double Metric(const std::string& name) const {
    auto r = Client().Get("/metrics");
    if (!r || r->status != 200) return -1;
    std::istringstream in(r->body);
    std::string line;
    while (std::getline(in, line)) {
      if (line.starts_with(name + " ")) return std::stod(line.substr(name.size() + 1));
    }
    return -1;
  }

 private:
  Daemon() = default;
  pid_t pid_ = -1;
  int out_ = -1;
  int port_ = 0;
  std::string log_;
};

// A reader signed in at the writer: the session key signs the reads.
struct Reader {
  std::string user;
  std::string token;
  std::string credential_id;
  std::unique_ptr<crypto::PrivateKey> key;
};

class ReplicaServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // A small school of this year up to today, signed by its generated users.
    auto made = RunProcess({EJOURNAL_CLI, "demo", "school", "--data", Writer(), "--classes", "2",
                            "--students", "12", "--teachers", "4"});
    ASSERT_EQ(made.exit_code, 0) << made.err;
    std::istringstream env(ReadFile(Writer() + "/demo/walkthrough.env"));
    std::string line;
    while (std::getline(env, line)) {
      const size_t eq = line.find('=');
      if (eq != std::string::npos) env_[line.substr(0, eq)] = line.substr(eq + 1);
    }
    for (const char* k : {"SCHOOL", "PARENT", "STUDENT", "TEACHER", "LESSON", "LESSON_DATE",
                          "CLASS", "SUBJECT", "ADMIN"}) {
      ASSERT_FALSE(env_[k].empty()) << k;
    }
    auto kafka = EmbeddedKafka::Create(1);
    ASSERT_TRUE(kafka.has_value()) << kafka.error().ToString();
    kafka_ = std::move(*kafka);
    ASSERT_TRUE(kafka_->CreateTopic(kTopic).ok());
  }

  std::string Writer() const { return dir_.Sub("writer"); }

  std::unique_ptr<Daemon> StartWriter() {
    return Daemon::Start(
        {"--data", Writer(), "--kafka", kafka_->bootstrap_servers(), "--kafka-topic", kTopic,
         "--kafka-option", "client.id=writer-under-test", "--scrypt-n", "1024"},
        dir_.Sub("writer.log"));
  }
  std::unique_ptr<Daemon> StartReplica(const std::string& name, const std::string& writer_url,
                                       const std::string& source_pub = "") {
    return Daemon::Start(
        {"--replica", "--data", dir_.Sub(name), "--kafka", kafka_->bootstrap_servers(),
         "--kafka-topic", kTopic, "--source-pub",
         source_pub.empty() ? Writer() + "/node.pub" : source_pub, "--writer-url", writer_url},
        dir_.Sub(name + ".log"));
  }

  // Sets `user`'s password with the admin's key (the real CLI).
  void SetPassword(const Daemon& writer, const std::string& user) {
    auto set = RunProcess({EJOURNAL_CLI, "passwd", "--server", writer.url(), "--key",
                           Writer() + "/demo/admin.key", "--school", env_["SCHOOL"], "--user", user,
                           "--password", kPassword});
    EXPECT_EQ(set.exit_code, 0) << set.out << set.err;
  }

  // Sets `user`'s password, then signs in with a fresh Ed25519 session key.
  Reader SignIn(const Daemon& writer, const std::string& user) {
    Reader r;
    r.user = user;
    SetPassword(writer, user);
    auto key = crypto::PrivateKey::Generate(crypto::KeyType::kEd25519);
    EXPECT_TRUE(key.has_value());
    r.key = std::make_unique<crypto::PrivateKey>(std::move(*key));
    nlohmann::json body = {{"school_id", env_["SCHOOL"]},
                           {"login", user},
                           {"password", kPassword},
                           {"algorithm", "ed25519"},
                           {"public_key", crypto::Base64Encode(r.key->public_key().raw())}};
    auto res = writer.Client().Post("/api/v1/login", body.dump(), "application/json");
    EXPECT_TRUE(res && res->status == 200) << (res ? res->body : "no answer");
    if (res && res->status == 200) {
      auto j = nlohmann::json::parse(res->body);
      r.token = j["token"];
      r.credential_id = j["credential_id"];
    }
    return r;
  }

  // A GET signed with the reader's session key.
  static httplib::Result SignedGet(const Daemon& d, const Reader& r, const std::string& target,
                                   int64_t skew_us = 0) {
    auto auth = api::SignedRequestAuthorization(*r.key, r.credential_id, "GET", target,
                                                SystemClock::Default()->NowMicros() + skew_us);
    EXPECT_TRUE(auth.has_value());
    return d.Client().Get(target, {{"Authorization", *auth}});
  }

  // The reads the brief names: the parent's diary of the lesson's week, the teacher's journal
  // pages of the year's first two terms, the cell's history.
  std::vector<std::pair<const Reader*, std::string>> Views(const Reader& parent,
                                                           const Reader& teacher) {
    const std::string s = "/api/v1/schools/" + env_["SCHOOL"];
    return {
        {&parent, s + "/students/" + env_["STUDENT"] + "/diary?week=" + env_["LESSON_DATE"]},
        {&teacher,
         s + "/classes/" + env_["CLASS"] + "/subjects/" + env_["SUBJECT"] + "/terms/1/journal"},
        {&teacher,
         s + "/classes/" + env_["CLASS"] + "/subjects/" + env_["SUBJECT"] + "/terms/2/journal"},
        {&teacher, s + "/lessons/" + env_["LESSON"] + "/students/" + env_["STUDENT"] + "/history"},
    };
  }

  // Every view answers the same on both nodes, byte for byte; at least the diary and the cell
  // history have content.
  void ExpectSameViews(const Daemon& writer, const Daemon& replica, const Reader& parent,
                       const Reader& teacher) {
    int with_content = 0;
    for (const auto& [reader, target] : Views(parent, teacher)) {
      auto w = SignedGet(writer, *reader, target);
      auto r = SignedGet(replica, *reader, target);
      ASSERT_TRUE(w && r) << target;
      EXPECT_EQ(r->status, w->status) << target << "\n" << r->body;
      EXPECT_EQ(r->body, w->body) << target;
      if (w->status == 200 && w->body.size() > 2) ++with_content;
    }
    EXPECT_GE(with_content, 3);
  }

  // Waits until the replica holds every entry of the writer and the writer's relay has them all
  // confirmed.
  void WaitCaughtUp(const Daemon& writer, const Daemon& replica) {
    double size = -1;
    ASSERT_TRUE(Eventually([&] {
      size = writer.Metric("ejournal_ledger_size");
      return size > 0 && writer.Metric("ejournal_replication_confirmed_sequence") == size &&
             replica.Metric("ejournal_replica_applied_sequence") == size;
    })) << "writer size "
        << size << ", replica " << replica.Metric("ejournal_replica_applied_sequence") << "\n"
        << replica.log();
    EXPECT_EQ(replica.Metric("ejournal_replica_halted"), 0);
    EXPECT_EQ(writer.Metric("ejournal_replication_lag_entries"), 0);
  }

  TempDir dir_;
  std::map<std::string, std::string> env_;
  std::unique_ptr<EmbeddedKafka> kafka_;
};

// A replica started from nothing catches up, serves the same views byte for byte with the same
// access control, refuses writes naming the writer, and, restarted, resumes where it stopped.
TEST_F(ReplicaServiceTest, FreshReplicaCatchesUpServesTheSameViewsAndResumes) {
  auto writer = StartWriter();
  ASSERT_NE(writer, nullptr);
  Reader parent = SignIn(*writer, env_["PARENT"]);
  Reader teacher = SignIn(*writer, env_["TEACHER"]);
  ASSERT_FALSE(parent.credential_id.empty());
  ASSERT_FALSE(teacher.credential_id.empty());

  auto replica = StartReplica("replica", writer->url());
  ASSERT_NE(replica, nullptr);
  WaitCaughtUp(*writer, *replica);
  ExpectSameViews(*writer, *replica, parent, teacher);

  // On the writer a signed request reads what the bearer token reads.
  const auto views = Views(parent, teacher);
  auto bearer =
      writer->Client().Get(views[0].second, {{"Authorization", "Bearer " + parent.token}});
  auto signed_read = SignedGet(*writer, parent, views[0].second);
  ASSERT_TRUE(bearer && signed_read);
  EXPECT_EQ(bearer->status, 200);
  EXPECT_EQ(signed_read->body, bearer->body);

  // Access control is the same: the parent may not read the teacher's journal page (R-ACC-3).
  auto forbidden_w = SignedGet(*writer, parent, views[1].second);
  auto forbidden_r = SignedGet(*replica, parent, views[1].second);
  ASSERT_TRUE(forbidden_w && forbidden_r);
  EXPECT_EQ(forbidden_w->status, 404);
  EXPECT_EQ(forbidden_r->status, 404);
  EXPECT_EQ(forbidden_r->body, forbidden_w->body);

  // The replica holds no sessions: a bearer token is refused with how to read there.
  auto token_on_replica =
      replica->Client().Get(views[0].second, {{"Authorization", "Bearer " + parent.token}});
  ASSERT_TRUE(token_on_replica);
  EXPECT_EQ(token_on_replica->status, 401);
  EXPECT_NE(token_on_replica->body.find("EJ-Signed"), std::string::npos) << token_on_replica->body;
  // A signature over another target, a time outside the window: refused.
  auto other =
      api::SignedRequestAuthorization(*parent.key, parent.credential_id, "GET", views[3].second,
                                      SystemClock::Default()->NowMicros());
  ASSERT_TRUE(other.has_value());
  auto forged = replica->Client().Get(views[0].second, {{"Authorization", *other}});
  ASSERT_TRUE(forged);
  EXPECT_EQ(forged->status, 401);
  EXPECT_NE(forged->body.find("Подпись запроса не сходится"), std::string::npos) << forged->body;
  auto stale = SignedGet(*replica, parent, views[0].second, -3600LL * 1'000'000);
  ASSERT_TRUE(stale);
  EXPECT_EQ(stale->status, 401);
  EXPECT_NE(stale->body.find("R-ACC-1"), std::string::npos) << stale->body;

  // Writes answer 421 with where the writer is; nothing changes.
  const double applied = replica->Metric("ejournal_replica_applied_sequence");
  for (const char* path : {"/api/v1/login", "/api/v1/events", "/api/v1/logout",
                           "/api/v1/schools/school-1/message-texts"}) {
    auto w = replica->Client().Post(path, "{}", "application/json");
    ASSERT_TRUE(w);
    EXPECT_EQ(w->status, 421) << path;
    EXPECT_NE(w->body.find("реплика"), std::string::npos) << w->body;
    EXPECT_NE(w->body.find(writer->url()), std::string::npos) << w->body;
    EXPECT_EQ(w->get_header_value("Location"), writer->url() + path);
  }
  EXPECT_EQ(replica->Metric("ejournal_replica_applied_sequence"), applied);

  // Readiness says where both stand.
  auto ready = replica->Client().Get("/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200);
  EXPECT_NE(ready->body.find("replica_applied "), std::string::npos) << ready->body;
  auto writer_ready = writer->Client().Get("/readyz");
  ASSERT_TRUE(writer_ready);
  EXPECT_EQ(writer_ready->status, 200);
  EXPECT_NE(writer_ready->body.find("replication_lag 0"), std::string::npos) << writer_ready->body;

  // Restarted, the replica resumes from its stored offset: it reads only what is new.
  EXPECT_EQ(replica->Stop(SIGTERM), 0);
  Reader later = SignIn(*writer, env_["STUDENT"]);  // entries the stopped replica has not seen
  ASSERT_FALSE(later.credential_id.empty());
  replica = StartReplica("replica", writer->url());
  ASSERT_NE(replica, nullptr);
  WaitCaughtUp(*writer, *replica);
  const double total = writer->Metric("ejournal_ledger_size");
  EXPECT_GT(replica->Metric("ejournal_replica_messages_total"), 0);
  EXPECT_LT(replica->Metric("ejournal_replica_messages_total"), total / 2);
  // The student's session, issued while the replica was down, works there now.
  auto own_diary = SignedGet(*replica, later, views[0].second);
  ASSERT_TRUE(own_diary);
  EXPECT_EQ(own_diary->status, 200) << own_diary->body;
  ExpectSameViews(*writer, *replica, parent, teacher);
}

// The writer is killed with SIGKILL while its relay has entries it could not get confirmed (Kafka
// is down, the writes go on), and restarted once Kafka is back: the relay resumes from its stored
// position, the topic is complete (the replica, which refuses any gap, applies every entry), and
// the views are equal.
TEST_F(ReplicaServiceTest, WriterKilledMidReplicationAndRestartedCompletesTopicAndReplica) {
  auto replica = StartReplica("replica", "http://writer.invalid");
  ASSERT_NE(replica, nullptr);
  auto writer = StartWriter();
  ASSERT_NE(writer, nullptr);
  Reader parent = SignIn(*writer, env_["PARENT"]);
  Reader teacher = SignIn(*writer, env_["TEACHER"]);
  ASSERT_FALSE(teacher.credential_id.empty());
  WaitCaughtUp(*writer, *replica);
  const double confirmed = writer->Metric("ejournal_replication_confirmed_sequence");

  // Kafka goes down; the writer keeps accepting writes (sign-ins: node-signed CredentialIssued).
  ASSERT_TRUE(kafka_->SetDown().ok());
  constexpr int kWrites = 20;
  for (int i = 0; i < kWrites; ++i) {
    nlohmann::json body = {{"school_id", env_["SCHOOL"]},
                           {"login", env_["TEACHER"]},
                           {"password", kPassword},
                           {"algorithm", "ed25519"},
                           {"public_key", crypto::Base64Encode(teacher.key->public_key().raw())}};
    auto r = writer->Client().Post("/api/v1/login", body.dump(), "application/json");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
  }
  const double size = writer->Metric("ejournal_ledger_size");
  EXPECT_EQ(size, confirmed + kWrites);
  EXPECT_EQ(writer->Metric("ejournal_replication_confirmed_sequence"), confirmed);
  EXPECT_EQ(writer->Metric("ejournal_replication_lag_entries"), kWrites);
  EXPECT_GE(writer->Metric("ejournal_replication_oldest_unconfirmed_age_seconds"), 0);
  auto ready = writer->Client().Get("/readyz");  // ready: the lag is reported, not fatal
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200);
  EXPECT_NE(ready->body.find("replication_lag " + std::to_string(kWrites)), std::string::npos)
      << ready->body;

  // Killed with those entries produced but unconfirmed; Kafka comes back; restarted.
  EXPECT_EQ(writer->Stop(SIGKILL), 128 + SIGKILL);
  ASSERT_TRUE(kafka_->SetUp().ok());
  writer = StartWriter();
  ASSERT_NE(writer, nullptr);
  WaitCaughtUp(*writer, *replica);
  EXPECT_EQ(writer->Metric("ejournal_ledger_size"), size);
  // It resumed from the stored position rather than from the beginning.
  EXPECT_NE(writer->log().find("after entry " + std::to_string(uint64_t(confirmed))),
            std::string::npos)
      << writer->log();
  ExpectSameViews(*writer, *replica, parent, teacher);

  // The replica never halted, and the writer relays new writes after the restart too.
  Reader student = SignIn(*writer, env_["STUDENT"]);
  ASSERT_FALSE(student.credential_id.empty());
  WaitCaughtUp(*writer, *replica);
}

// The CLI reads from a replica: a reader signed in at the writer with `ejournal login` (the profile
// keeps the session's token and key) runs the same read commands against the replica. The replica
// refuses the token (it holds no sessions), the CLI signs the read with the session key instead,
// and the answer is the writer's, byte for byte. Refusals (a wrong key, a stale time, another
// user's child) are the writer's too.
TEST_F(ReplicaServiceTest, CliReadsFromAReplicaWhatItReadsFromTheWriter_R_ACC_1_R_ACC_3) {
  auto writer = StartWriter();
  ASSERT_NE(writer, nullptr);
  auto replica = StartReplica("replica", writer->url());
  ASSERT_NE(replica, nullptr);
  auto cli = [&](const std::string& profile, std::vector<std::string> args) {
    args.insert(args.begin(), EJOURNAL_CLI);
    args.insert(args.end(), {"--profile", dir_.Sub(profile + ".json")});
    return RunProcess(args);
  };
  for (const std::string who : {"PARENT", "TEACHER"}) {
    SetPassword(*writer, env_[who]);
    auto in = cli(who, {"login", "--server", writer->url(), "--school", env_["SCHOOL"], "--login",
                        env_[who], "--password", kPassword});
    ASSERT_EQ(in.exit_code, 0) << in.err;
  }
  WaitCaughtUp(*writer, *replica);  // the replica knows the sessions' credentials now

  const std::vector<std::pair<std::string, std::vector<std::string>>> reads = {
      {"PARENT", {"diary", "--student", env_["STUDENT"], "--week", env_["LESSON_DATE"]}},
      {"TEACHER",
       {"journal", "--class", env_["CLASS"], "--subject", env_["SUBJECT"], "--term", "1"}},
      {"TEACHER", {"history", "--lesson", env_["LESSON"], "--student", env_["STUDENT"]}},
  };
  std::string journal_json;
  for (auto [who, args] : reads) {
    args.push_back("--json");
    auto with = [&](const Daemon& d, std::vector<std::string> extra) {
      std::vector<std::string> a = args;
      a.insert(a.end(), {"--server", d.url()});
      a.insert(a.end(), extra.begin(), extra.end());
      return cli(who, a);
    };
    const auto from_writer = with(*writer, {});  // the bearer token
    ASSERT_EQ(from_writer.exit_code, 0) << args[0] << ": " << from_writer.err;
    EXPECT_GT(from_writer.out.size(), 10u) << args[0];
    for (const auto& extra : std::vector<std::vector<std::string>>{{}, {"--signed-reads"}}) {
      const auto from_replica = with(*replica, extra);
      EXPECT_EQ(from_replica.exit_code, 0) << args[0] << ": " << from_replica.err;
      EXPECT_EQ(from_replica.out, from_writer.out) << args[0];
    }
    // Signed on the writer too: the same answer as the token's.
    EXPECT_EQ(with(*writer, {"--signed-reads"}).out, from_writer.out) << args[0];
    if (args[0] == "journal") journal_json = from_writer.out;
  }

  // A long-lived key an administrator issued (no session, no token) signs its reads too.
  const std::vector<std::string> by_key = {
      "journal",     "--key",        Writer() + "/demo/admin.key",
      "--school",    env_["SCHOOL"], "--class",
      env_["CLASS"], "--subject",    env_["SUBJECT"],
      "--json",      "--profile",    dir_.Sub("none.json")};
  auto key_read = [&](const Daemon& d) {
    std::vector<std::string> a = {EJOURNAL_CLI};
    a.insert(a.end(), by_key.begin(), by_key.end());
    a.insert(a.end(), {"--server", d.url()});
    return RunProcess(a);
  };
  const auto key_w = key_read(*writer), key_r = key_read(*replica);
  EXPECT_EQ(key_w.exit_code, 0) << key_w.err;
  EXPECT_EQ(key_r.exit_code, 0) << key_r.err;
  EXPECT_EQ(key_r.out, key_w.out);
  EXPECT_EQ(key_w.out, journal_json) << "the administrator reads the teacher's page";

  // Refusals, each with the writer's status and words. Another user's child: a classmate of the
  // parent's child, from the journal page (R-ACC-3: 404, exactly as an unknown student).
  std::string classmate;
  auto page = nlohmann::json::parse(journal_json, nullptr, false);
  for (const auto& row : page.value("rows", nlohmann::json::array())) {
    if (row.value("student_id", "") != env_["STUDENT"]) classmate = row.value("student_id", "");
  }
  ASSERT_FALSE(classmate.empty()) << journal_json;
  const std::vector<std::string> foreign = {"diary",  "--student",         classmate,
                                            "--week", env_["LESSON_DATE"], "--json"};
  auto at = [&](const Daemon& d, std::vector<std::string> args) {
    args.insert(args.end(), {"--server", d.url()});
    return args;
  };
  const auto foreign_w = cli("PARENT", at(*writer, foreign));
  const auto foreign_r = cli("PARENT", at(*replica, foreign));
  EXPECT_EQ(foreign_w.exit_code, 1);
  EXPECT_NE(foreign_w.err.find("Отказ (не найдено)"), std::string::npos) << foreign_w.err;
  EXPECT_EQ(foreign_r.exit_code, 1);
  EXPECT_EQ(foreign_r.err, foreign_w.err);
  EXPECT_EQ(foreign_r.out, "");

  // A wrong key: the parent's profile with another key under the same credential.
  {
    std::ifstream in(dir_.Sub("PARENT.json"));
    auto profile = nlohmann::json::parse(in);
    auto other = crypto::PrivateKey::Generate(crypto::KeyType::kEd25519);
    ASSERT_TRUE(other.has_value());
    profile["key_pem"] = *other->ToPem();
    std::ofstream(dir_.Sub("WRONG.json")) << profile.dump();
  }
  const std::vector<std::string> own = {"diary", "--student", env_["STUDENT"], "--week",
                                        env_["LESSON_DATE"]};
  auto signed_own = own;
  signed_own.push_back("--signed-reads");
  const auto wrong_w = cli("WRONG", at(*writer, signed_own));
  const auto wrong_r = cli("WRONG", at(*replica, own));  // the token refused, then signed
  EXPECT_EQ(wrong_w.exit_code, 1);
  EXPECT_NE(wrong_w.err.find("Отказ (нужно войти): Подпись запроса не сходится"), std::string::npos)
      << wrong_w.err;
  EXPECT_NE(wrong_w.err.find("[R-ACC-1]"), std::string::npos) << wrong_w.err;
  EXPECT_EQ(wrong_r.exit_code, 1);
  EXPECT_EQ(wrong_r.err, wrong_w.err);

  // A stale time: a replica whose clock is an hour ahead sees the CLI's signature time as an hour
  // old, and refuses it as the writer refuses a request signed an hour ago.
  auto ahead = Daemon::Start(
      {"--replica", "--data", dir_.Sub("ahead"), "--kafka", kafka_->bootstrap_servers(),
       "--kafka-topic", kTopic, "--source-pub", Writer() + "/node.pub", "--bench-clock-start",
       std::to_string(SystemClock::Default()->NowMicros() + 3600LL * 1'000'000)},
      dir_.Sub("ahead.log"));
  ASSERT_NE(ahead, nullptr);
  WaitCaughtUp(*writer, *ahead);
  Reader parent_key;  // the CLI profile's session, to sign the writer's stale request here
  {
    std::ifstream in(dir_.Sub("PARENT.json"));
    auto profile = nlohmann::json::parse(in);
    auto key = crypto::PrivateKey::FromPem(profile["key_pem"].get<std::string>());
    ASSERT_TRUE(key.has_value());
    parent_key.key = std::make_unique<crypto::PrivateKey>(std::move(*key));
    parent_key.credential_id = profile["credential_id"];
  }
  const std::string diary_target = "/api/v1/schools/" + env_["SCHOOL"] + "/students/" +
                                   env_["STUDENT"] + "/diary?week=" + env_["LESSON_DATE"];
  auto stale_w = SignedGet(*writer, parent_key, diary_target, -3600LL * 1'000'000);
  ASSERT_TRUE(stale_w);
  EXPECT_EQ(stale_w->status, 401);
  const auto stale_r = cli("PARENT", at(*ahead, own));
  EXPECT_EQ(stale_r.exit_code, 1);
  const auto message = nlohmann::json::parse(stale_w->body)["error"]["message"].get<std::string>();
  EXPECT_NE(stale_r.err.find("Отказ (нужно войти): " + message + " [R-ACC-1]"), std::string::npos)
      << stale_r.err << "\nthe writer: " << stale_w->body;
}

// A replica that does not trust the writer's key (another node's node.pub) stops at the first
// entry, applies nothing, and says why: /readyz 503 with the alarm, the halted metric.
TEST_F(ReplicaServiceTest, ReplicaOfAnUntrustedSourceHaltsAndIsNotReady) {
  // Another node (a key of its own) with the same origin name.
  auto other = RunProcess({EJOURNAL_CLI, "demo", "school", "--data", dir_.Sub("other"), "--classes",
                           "2", "--students", "12", "--teachers", "4"});
  ASSERT_EQ(other.exit_code, 0) << other.err;
  auto writer = StartWriter();
  ASSERT_NE(writer, nullptr);
  auto replica = StartReplica("replica", writer->url(), dir_.Sub("other") + "/node.pub");
  ASSERT_NE(replica, nullptr);
  ASSERT_TRUE(Eventually([&] { return replica->Metric("ejournal_replica_halted") == 1; }))
      << replica->log();
  EXPECT_EQ(replica->Metric("ejournal_replica_applied_sequence"), 0);
  EXPECT_EQ(replica->Metric("ejournal_replica_alarm_sequence"), 1);
  auto ready = replica->Client().Get("/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 503);
  EXPECT_NE(ready->body.find("replica halted at entry 1"), std::string::npos) << ready->body;
}

// The signed-request header: what a client builds parses back; anything else is refused.
TEST(SignedRequestTest, HeaderRoundTripsAndMalformedOnesAreRefused) {
  auto key = crypto::PrivateKey::Generate(crypto::KeyType::kEd25519);
  ASSERT_TRUE(key.has_value());
  auto header = api::SignedRequestAuthorization(*key, "sess-01", "GET", "/a?b=c", 1234, "");
  ASSERT_TRUE(header.has_value());
  auto parsed = api::ParseSignedRequestHeader(*header);
  ASSERT_TRUE(parsed.has_value()) << parsed.error().ToString();
  EXPECT_EQ(parsed->credential_id, "sess-01");
  EXPECT_EQ(parsed->time_us, 1234);
  EXPECT_TRUE(key->public_key()
                  .Verify(api::SignedRequestText("GET", "/a?b=c", 1234, ""), parsed->signature)
                  .ok());
  EXPECT_FALSE(key->public_key()
                   .Verify(api::SignedRequestText("GET", "/a?b=d", 1234, ""), parsed->signature)
                   .ok());
  for (const char* bad : {"", "Bearer x", "EJ-Signed ", "EJ-Signed credential=a,time=1",
                          "EJ-Signed credential=a,time=x1,signature=AAAA",
                          "EJ-Signed credential=a,time=1,signature=***",
                          "EJ-Signed credential=,time=1,signature=AAAA",
                          "EJ-Signed credential=a,time=1,signature=AAAA,extra=1",
                          "EJ-Signed credential=a,credential=b,time=1,signature=AAAA"}) {
    auto r = api::ParseSignedRequestHeader(bad);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().code(), StatusCode::kUnauthenticated) << bad;
    EXPECT_EQ(r.error().rule(), "R-ACC-1");
  }
}

}  // namespace
}  // namespace ejournal::testing
