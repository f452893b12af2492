// The load tool's open-loop HTTP driver (tools/load_driver.h) against a real
// HTTP server on 127.0.0.1 (httplib's): what it sends, that it keeps to its connections, holds a
// job back until its stream's previous answer, sends again on a fresh connection when the server
// closed an idle kept-alive one, and reports a server that is not there.
#include "tools/load_driver.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace ejournal::testing {
namespace {

using load::Answer;
using load::Job;
using load::OpenLoopDriver;
using load::Steady;
using namespace std::chrono_literals;

// An HTTP server on a free loopback port, run on its own thread, stopped by the destructor.
class LoopbackServer {
 public:
  explicit LoopbackServer(int keep_alive_seconds = 5) {
    server_.set_keep_alive_timeout(keep_alive_seconds);
    server_.set_keep_alive_max_count(1000);
    server_.Post("/echo", [this](const httplib::Request& req, httplib::Response& res) {
      Record(req);
      res.set_header("X-EJournal-Timing", "start=1;end=2;verify=3.0");
      res.set_content(std::to_string(req.body.size()) + ":" + req.body, "text/plain");
    });
    server_.Get("/hello", [this](const httplib::Request& req, httplib::Response& res) {
      Record(req);
      res.set_content("hello " + req.get_header_value("Authorization"), "text/plain");
    });
    server_.Post("/slow", [this](const httplib::Request& req, httplib::Response& res) {
      std::this_thread::sleep_for(500ms);  // answered after the other stream's request
      Record(req);
      res.set_content("slow", "text/plain");
    });
    server_.Post("/refuse", [this](const httplib::Request& req, httplib::Response& res) {
      Record(req);
      res.status = 422;
      res.set_content(R"({"error":{"rule":"R-MARK-3"}})", "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(1ms);
  }
  ~LoopbackServer() {
    server_.stop();
    thread_.join();
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // The bodies (or paths of GETs) in the order the handlers finished.
  std::vector<std::string> seen() {
    std::lock_guard lock(mu_);
    return seen_;
  }
  // The distinct client ports, i.e. connections, the requests came over.
  size_t connections() {
    std::lock_guard lock(mu_);
    return ports_.size();
  }

 private:
  void Record(const httplib::Request& req) {
    std::lock_guard lock(mu_);
    seen_.push_back(req.body.empty() ? req.path : req.body);
    ports_.insert(req.remote_port);
  }

  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::vector<std::string> seen_;
  std::set<int> ports_;
};

// Runs `jobs` (due as given) through a driver; the answers by job id.
std::map<size_t, Answer> RunAll(OpenLoopDriver& driver, std::vector<Job> jobs,
                                std::function<bool(const Job&)> may_start = nullptr) {
  std::map<size_t, Answer> answers;
  size_t next = 0;
  driver.Run(
      [&]() -> std::optional<Job> {
        if (next == jobs.size()) return std::nullopt;
        return jobs[next++];
      },
      [&](const Job& job) { return may_start == nullptr || may_start(job); },
      [&](Answer&& a) { answers.emplace(a.id, std::move(a)); });
  return answers;
}

TEST(LoadDriverTest, SendsPostsAndGetsOverAtMostItsConnections) {
  LoopbackServer server;
  OpenLoopDriver driver(server.url(), 2, "token-1");
  std::vector<std::string> bodies;
  for (int i = 0; i < 20; ++i) bodies.push_back("event-" + std::to_string(i));
  const auto now = Steady::now();
  std::vector<Job> jobs;
  for (size_t i = 0; i < bodies.size(); ++i) jobs.push_back({i, now, "/echo", &bodies[i]});
  jobs.push_back({20, now, "/hello", nullptr});
  const auto answers = RunAll(driver, jobs);
  ASSERT_EQ(answers.size(), 21u);
  for (size_t i = 0; i < bodies.size(); ++i) {
    const Answer& a = answers.at(i);
    EXPECT_EQ(a.status, 200) << a.error;
    EXPECT_EQ(a.body, std::to_string(bodies[i].size()) + ":" + bodies[i]);
    EXPECT_EQ(a.timing, "start=1;end=2;verify=3.0");
    EXPECT_LE(a.due, a.started);
    EXPECT_LE(a.started, a.sent);
    EXPECT_LE(a.sent, a.received);
  }
  EXPECT_EQ(answers.at(20).body, "hello Bearer token-1");
  EXPECT_EQ(answers.at(20).timing, "");
  EXPECT_LE(server.connections(), 2u);  // all 21 due at once: the rest waited for a free one
}

TEST(LoadDriverTest, SendsAtTheDueTimeNotBefore) {
  LoopbackServer server;
  OpenLoopDriver driver(server.url(), 4, "");
  const std::string body = "x";
  const auto start = Steady::now();
  const auto answers =
      RunAll(driver, {{0, start, "/echo", &body}, {1, start + 300ms, "/echo", &body}});
  ASSERT_EQ(answers.size(), 2u);
  EXPECT_GE(answers.at(1).sent, start + 300ms);
  EXPECT_GE(answers.at(1).started, start + 300ms);
}

TEST(LoadDriverTest, HoldsAJobBackUntilItsStreamsPreviousAnswer) {
  LoopbackServer server;
  OpenLoopDriver driver(server.url(), 4, "");
  const std::string first = "first", second = "second", other = "other";
  const auto now = Steady::now();
  size_t answered = 0;
  // Job 1 (the same stream as job 0) may go only after job 0's answer; job 2 (another stream)
  // goes at once, so it is answered before the slow job 0.
  std::map<size_t, Answer> answers;
  std::vector<Job> jobs = {
      {0, now, "/slow", &first}, {1, now, "/echo", &second}, {2, now, "/echo", &other}};
  size_t next = 0;
  driver.Run(
      [&]() -> std::optional<Job> {
        if (next == jobs.size()) return std::nullopt;
        return jobs[next++];
      },
      [&](const Job& job) { return job.id != 1 || answered >= 1; },
      [&](Answer&& a) {
        if (a.id == 0) answered = 1;
        answers.emplace(a.id, std::move(a));
      });
  ASSERT_EQ(answers.size(), 3u);
  EXPECT_EQ(server.seen(), (std::vector<std::string>{"other", "first", "second"}));
  EXPECT_GE(answers.at(1).sent, answers.at(0).received);
  for (const auto& [id, a] : answers) EXPECT_EQ(a.status, 200) << id << " " << a.error;
}

TEST(LoadDriverTest, OpensAFreshConnectionWhenTheServerClosedAnIdleOne) {
  LoopbackServer server(/*keep_alive_seconds=*/1);
  OpenLoopDriver driver(server.url(), 1, "");
  const std::string a = "a", b = "b";
  const auto now = Steady::now();
  // The second is due after the server's keep-alive timeout closed the first one's connection.
  const auto answers = RunAll(driver, {{0, now, "/echo", &a}, {1, now + 2500ms, "/echo", &b}});
  ASSERT_EQ(answers.size(), 2u);
  EXPECT_EQ(answers.at(0).status, 200) << answers.at(0).error;
  EXPECT_EQ(answers.at(1).status, 200) << answers.at(1).error;
  EXPECT_EQ(answers.at(1).body, "1:b");
  EXPECT_EQ(server.seen(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(server.connections(), 2u);
}

TEST(LoadDriverTest, PassesRefusalsOnAndReportsAServerThatIsNotThere) {
  std::string url;
  {
    LoopbackServer server;
    OpenLoopDriver driver(server.url(), 1, "");
    const std::string body = "mark";
    const auto answers = RunAll(driver, {{0, Steady::now(), "/refuse", &body}});
    EXPECT_EQ(answers.at(0).status, 422);
    EXPECT_EQ(answers.at(0).body, R"({"error":{"rule":"R-MARK-3"}})");
    url = server.url();
  }
  // The port is closed now.
  OpenLoopDriver driver(url, 1, "");
  const std::string body = "mark";
  const auto answers = RunAll(driver, {{0, Steady::now(), "/echo", &body}});
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_EQ(answers.at(0).status, 0);
  EXPECT_FALSE(answers.at(0).error.empty());
}

// A server that takes every connection and closes it without an answer: with one connection
// and three jobs, the two waiting for it must still get their connection (and their "no
// answer") when it fails, not wait for ever.
TEST(LoadDriverTest, JobsWaitingForAConnectionAreAnsweredWhenEveryConnectionFails) {
  const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(listener, 16), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  std::atomic<int> accepted{0};
  std::thread closer([&] {
    while (true) {
      const int fd = ::accept(listener, nullptr, nullptr);
      if (fd < 0) return;  // the listener was shut down
      ++accepted;
      ::close(fd);
    }
  });
  {
    OpenLoopDriver driver("http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)), 1, "");
    const std::string body = "mark";
    const auto now = Steady::now();
    const auto answers = RunAll(
        driver, {{0, now, "/echo", &body}, {1, now, "/echo", &body}, {2, now, "/echo", &body}});
    ASSERT_EQ(answers.size(), 3u);
    for (const auto& [id, a] : answers) {
      EXPECT_EQ(a.status, 0) << id;
      EXPECT_FALSE(a.error.empty()) << id;  // closed before the answer, or reset
    }
  }
  ::shutdown(listener, SHUT_RDWR);
  closer.join();
  ::close(listener);
  EXPECT_EQ(accepted.load(), 6);  // each job tried twice: once more on a fresh connection
}

}  // namespace
}  // namespace ejournal::testing
