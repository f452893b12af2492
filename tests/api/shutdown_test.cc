// SIGTERM during a write load: ejournald (the real binary, a child process) stops accepting,
// finishes what is in flight, closes the ledger and exits 0; every event it acknowledged is in the
// ledger when it is reopened.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdio>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "ledger/clock.h"
#include "ledger/event_codec.h"
#include "tests/support/signed_ledger.h"
#include "tests/support/temp_dir.h"

extern char** environ;

namespace ejournal::testing {
namespace {

// Reads one line from `fd` (blocking).
std::string ReadLine(int fd) {
  std::string line;
  char c;
  while (::read(fd, &c, 1) == 1 && c != '\n') line.push_back(c);
  return line;
}

TEST(ShutdownTest, SigtermDuringWritesKeepsEveryAcknowledgedEvent) {
  TempDir dir;
  std::optional<Signer> admin;
  {
    auto created = SignedLedger::Create(dir.path(), SystemClock::Default());
    ASSERT_TRUE(created.has_value());
    auto& l = **created;
    l.EnableSchoolRules();
    ASSERT_TRUE(l.Open().ok());
    v1::EventBody b = l.NewBody(l.NodeSigner());
    b.mutable_school_registered()->set_name("Школа");
    b.mutable_school_registered()->set_time_zone("Europe/Moscow");
    ASSERT_TRUE(l.Submit(b, l.NodeSigner()).has_value());
    b = l.NewBody(l.NodeSigner());
    b.mutable_user_registered()->set_user_id("admin");
    b.mutable_user_registered()->add_roles(v1::ROLE_ADMIN);
    b.mutable_user_registered()->set_login_name("admin");
    ASSERT_TRUE(l.Submit(b, l.NodeSigner()).has_value());
    auto signer = l.IssueCredential("admin", crypto::KeyType::kEd25519);
    ASSERT_TRUE(signer.has_value());
    admin.emplace(*signer);
  }

  int out[2];
  ASSERT_EQ(::pipe(out), 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, out[0]);
  // The flags come from a config file (CLI11 TOML), as an operator would give them.
  const std::string config = dir.Sub("ejournald.toml");
  {
    FILE* f = std::fopen(config.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fprintf(f, "data = \"%s\"\nport = 0\nlog-level = \"warn\"\n", dir.path().c_str());
    std::fclose(f);
  }
  std::vector<std::string> argv = {EJOURNALD, "--config", config};
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  pid_t pid = 0;
  ASSERT_EQ(posix_spawn(&pid, EJOURNALD, &actions, nullptr, args.data(), environ), 0);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);
  const std::string line = ReadLine(out[0]);
  const std::string prefix = "listening on http://127.0.0.1:";
  ASSERT_EQ(line.rfind(prefix, 0), 0u) << line;
  const int port = std::stoi(line.substr(prefix.size()));

  std::mutex mu;
  std::condition_variable cv;
  std::map<std::string, uint64_t> acked;  // event id -> sequence
  std::atomic<int> counter{0};
  auto writer = [&](int w) {
    httplib::Client client("127.0.0.1", port);
    for (;;) {
      v1::EventBody body;
      body.set_schema_version(1);
      const int n = counter.fetch_add(1);
      body.set_event_id("subj-" + std::to_string(w) + "-" + std::to_string(n));
      body.set_school_id(SignedLedger::kSchoolId);
      body.set_actor_id("admin");
      body.set_credential_id(admin->credential_id);
      auto* s = body.mutable_subject_defined();
      s->set_subject_id("subj-" + std::to_string(n));
      s->set_name("Предмет " + std::to_string(n));
      s->set_kind(v1::SUBJECT_KIND_OTHER);
      auto bytes = SignEvent(body, admin->key);
      ASSERT_TRUE(bytes.has_value());
      auto r = client.Post("/api/v1/events", *bytes, "application/x-protobuf");
      if (!r || r->status != 200) return;  // the server is stopping or gone
      auto j = nlohmann::json::parse(r->body);
      std::lock_guard lock(mu);
      acked[body.event_id()] = j["sequence"].get<uint64_t>();
      cv.notify_all();
    }
  };
  std::vector<std::thread> writers;
  for (int w = 0; w < 3; ++w) writers.emplace_back(writer, w);
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return acked.size() >= 60; });
  }
  ASSERT_EQ(::kill(pid, SIGTERM), 0);
  for (auto& t : writers) t.join();
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ::close(out[0]);
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);

  // Reopen: every acknowledged event is there, under the sequence it was given.
  LedgerOptions options;
  options.path = dir.path() + "/ledger";
  options.read_only = true;
  auto ledger = Ledger::Open(options);
  ASSERT_TRUE(ledger.has_value()) << ledger.error().ToString();
  ASSERT_GE(acked.size(), 60u);
  for (const auto& [id, seq] : acked) {
    auto s = (*ledger)->SequenceOf(id);
    ASSERT_TRUE(s.has_value()) << id;
    EXPECT_EQ(*s, seq) << id;
  }
}

}  // namespace
}  // namespace ejournal::testing
