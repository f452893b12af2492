// What the server does for latency, on a real server on 127.0.0.1:
// - its worker pool grows while every worker holds a keep-alive connection: with N workers and N
//   clients connected, client N+1 is answered while the others stay connected (httplib's fixed
//   pool made it wait until one of them closed, up to the keep-alive timeout);
// - where requests' time goes, by stage, in /metrics (ejournal_http_stage_seconds), and the
//   benchmark-only X-EJournal-Timing header (off by default).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/api/api_fixture.h"

namespace ejournal::testing {
namespace {

// The count of ejournal_http_stage_seconds{route, stage} in /metrics (0 when absent). A request's
// stages are recorded after its answer is sent (the "write" stage is the sending), so a client may
// read /metrics before its previous request is counted: this waits until the count reaches
// `at_least` (bounded generously; the caller's assertion then fails if it never does).
uint64_t StageCount(httplib::Client& client, const std::string& route, const std::string& stage,
                    uint64_t at_least = 0) {
  const std::string line =
      "\nejournal_http_stage_seconds_count{route=\"" + route + "\",stage=\"" + stage + "\"} ";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (true) {
    uint64_t n = 0;
    auto r = client.Get("/metrics");
    if (r && r->status == 200) {
      const size_t at = r->body.find(line);
      if (at != std::string::npos) n = std::stoull(r->body.substr(at + line.size()));
    }
    if (n >= at_least || std::chrono::steady_clock::now() > deadline) return n;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

std::unique_ptr<httplib::Client> KeepAliveClient(int port) {
  auto c = std::make_unique<httplib::Client>("127.0.0.1", port);
  c->set_keep_alive(true);
  c->set_connection_timeout(10, 0);
  // Generous, but well under the server's keep-alive below: a client queued behind the others'
  // connections would get no answer within it.
  c->set_read_timeout(10, 0);
  return c;
}

class ServerLatencyTest : public ApiFixture {};

TEST_F(ServerLatencyTest, ClientBeyondTheWorkersIsAnsweredWhileTheOthersStayConnected) {
  api::ServerOptions o = Options();
  o.threads = 2;
  o.max_threads = 8;
  o.keep_alive_seconds = 60;  // the others' connections stay open for the whole test
  StartServer(o);
  std::vector<std::unique_ptr<httplib::Client>> clients;
  for (int i = 0; i < 2; ++i) {
    clients.push_back(KeepAliveClient(server_->port()));
    auto r = clients.back()->Get("/healthz");
    ASSERT_TRUE(r) << httplib::to_string(r.error());
    ASSERT_EQ(r->status, 200);
    ASSERT_TRUE(clients.back()->is_socket_open());
  }
  // Both workers now hold a connection. A third client, and a fourth (beyond threads + 1):
  for (int i = 0; i < 2; ++i) {
    auto extra = KeepAliveClient(server_->port());
    const auto start = std::chrono::steady_clock::now();
    auto r = extra->Get("/healthz");
    ASSERT_TRUE(r)
        << "client " << 3 + i << ": " << httplib::to_string(r.error()) << " after "
        << std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() << " s";
    EXPECT_EQ(r->status, 200);
    EXPECT_TRUE(extra->is_socket_open());
    clients.push_back(std::move(extra));
  }
  // The first two kept their connections, and are answered on them again.
  for (size_t i = 0; i < clients.size(); ++i) {
    SCOPED_TRACE("client " + std::to_string(i + 1));
    EXPECT_TRUE(clients[i]->is_socket_open());
    auto r = clients[i]->Get("/healthz");
    ASSERT_TRUE(r) << httplib::to_string(r.error());
    EXPECT_EQ(r->status, 200);
  }
  // A stop with every connection open still ends (the workers leave their idle connections).
  StopServer();
}

// A raw connection to the server, with a generous receive timeout.
int Connect(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return -1;
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

// Reads until `end` has been received (or the timeout / close): what was received.
std::string ReceiveUntil(int fd, const std::string& end) {
  std::string got;
  char buf[4096];
  while (got.find(end) == std::string::npos) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
  }
  return got;
}

TEST_F(ServerLatencyTest, InterimContinueIsSentBeforeTheBodyIsRead) {
  // The server keeps an answer's writes until it is complete; "100 Continue" is written before
  // the body is read and must reach the client, which sends the body only then.
  const int fd = Connect(server_->port());
  ASSERT_GE(fd, 0);
  const std::string body(2000, 'x');  // not a SignedEvent: 400 once read
  const std::string head =
      "POST /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
      "Content-Type: application/x-protobuf\r\nExpect: 100-continue\r\n"
      "Content-Length: " +
      std::to_string(body.size()) + "\r\n\r\n";
  ASSERT_EQ(::send(fd, head.data(), head.size(), MSG_NOSIGNAL), static_cast<ssize_t>(head.size()));
  const std::string interim = ReceiveUntil(fd, "\r\n\r\n");
  EXPECT_EQ(interim.rfind("HTTP/1.1 100 Continue\r\n", 0), 0u) << interim;
  ASSERT_EQ(::send(fd, body.data(), body.size(), MSG_NOSIGNAL), static_cast<ssize_t>(body.size()));
  const std::string answer = ReceiveUntil(fd, "}");
  EXPECT_EQ(answer.rfind("HTTP/1.1 400", 0), 0u) << answer;
  // The same connection serves the next request.
  const std::string health = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  ASSERT_EQ(::send(fd, health.data(), health.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(health.size()));
  const std::string ok = ReceiveUntil(fd, "ok\n");
  EXPECT_EQ(ok.rfind("HTTP/1.1 200", 0), 0u) << ok;
  ::close(fd);
}

TEST_F(ServerLatencyTest, BadThreadOptionsAreRefused) {
  StopServer();
  api::ServerOptions o = Options();
  o.threads = 4;
  o.max_threads = 2;
  auto server = api::ApiServer::Open(o);
  ASSERT_FALSE(server.has_value());
  EXPECT_EQ(server.error().code(), StatusCode::kInvalidArgument);
  o = Options();
  o.threads = 0;
  server = api::ApiServer::Open(o);
  ASSERT_FALSE(server.has_value());
  EXPECT_EQ(server.error().code(), StatusCode::kInvalidArgument);
  o = Options();
  o.keep_alive_seconds = 0;
  server = api::ApiServer::Open(o);
  ASSERT_FALSE(server.has_value());
  EXPECT_EQ(server.error().code(), StatusCode::kInvalidArgument);
  // The data directory is still good.
  StartServer(Options());
  EXPECT_EQ(client_->Get("/healthz")->status, 200);
}

TEST_F(ServerLatencyTest, StagesOfReadsAndWritesAreCounted) {
  SetPassword("director");
  const std::string director = Login("director").token;
  ASSERT_FALSE(director.empty());
  const std::string diary = "/api/v1/schools/school-1/students/s1/diary?week=2025-10-06";
  // The count of a stage once it has reached `expected` (a request's stages are recorded together:
  // once one of them is counted, so are the others).
  auto count = [&](const std::string& route, const std::string& stage, uint64_t expected = 0) {
    return StageCount(*client_, route, stage, expected);
  };
  const uint64_t sessions = count("diary", "session"), builds = count("diary", "build"),
                 hits = count("diary", "cache_hit"), writes = count("diary", "write");
  // A miss builds, a second read is a hit; each passes the session, the lock and the write.
  ASSERT_EQ(GetPath(diary, director)->status, 200);
  ASSERT_EQ(GetPath(diary, director)->status, 200);
  EXPECT_EQ(count("diary", "session", sessions + 2), sessions + 2);
  EXPECT_EQ(count("diary", "lock_wait"), sessions + 2);
  EXPECT_EQ(count("diary", "build"), builds + 1);
  EXPECT_EQ(count("diary", "json"), builds + 1);
  EXPECT_EQ(count("diary", "cache_hit"), hits + 1);
  EXPECT_EQ(count("diary", "write"), writes + 2);
  // A refused read (no session) stops after the session stage: no lock, no build.
  ASSERT_EQ(GetPath(diary)->status, 401);
  EXPECT_EQ(count("diary", "session", sessions + 3), sessions + 3);
  EXPECT_EQ(count("diary", "lock_wait"), sessions + 2);
  EXPECT_EQ(count("diary", "write"), writes + 3);
  // A single write: the verification and the commit's wait.
  const uint64_t verified = count("events", "verify"), committed = count("events", "commit");
  auto posted = PostEvent(Signed(Mark("math", "m-stage", "math-5a-1", "s3", 4, D(2025, 10, 6))));
  ASSERT_TRUE(posted);
  ASSERT_EQ(posted->status, 200) << posted->body;
  EXPECT_EQ(count("events", "verify", verified + 1), verified + 1);
  EXPECT_EQ(count("events", "commit"), committed + 1);
  // A write refused by its signature check is verified, never committed.
  std::string bad = Signed(Mark("math", "m-stage-2", "math-5a-1", "s3", 4, D(2025, 10, 6)));
  bad[bad.size() - 1] ^= 1;
  auto refused = PostEvent(bad);
  ASSERT_TRUE(refused);
  EXPECT_NE(refused->status, 200);
  EXPECT_EQ(count("events", "verify", verified + 2), verified + 2);
  EXPECT_EQ(count("events", "commit"), committed + 1);
  // Routes without stages of their own count their handler as "other", and the write.
  const uint64_t health = count("healthz", "other");
  ASSERT_EQ(client_->Get("/healthz")->status, 200);
  EXPECT_EQ(count("healthz", "other", health + 1), health + 1);
  // Off by default: no timing header.
  EXPECT_FALSE(GetPath(diary, director)->has_header("X-EJournal-Timing"));
}

TEST_F(ServerLatencyTest, TimingHeaderSplitsTheHandlersTime) {
  api::ServerOptions o = Options();
  o.timing_header = true;
  StartServer(o);
  SetPassword("director");
  const std::string director = Login("director").token;
  const auto before = std::chrono::steady_clock::now();
  auto r = GetPath("/api/v1/schools/school-1/students/s1/diary?week=2025-10-06", director);
  const auto after = std::chrono::steady_clock::now();
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  const std::string timing = r->get_header_value("X-EJournal-Timing");
  ASSERT_FALSE(timing.empty());
  // start=NS;end=NS;session=US;lock_wait=US;build=US;json=US;other=US, on this machine's
  // monotonic clock: within the client's send and receive.
  std::map<std::string, std::string> fields;
  size_t from = 0;
  while (from < timing.size()) {
    const size_t semi = std::min(timing.find(';', from), timing.size());
    const std::string field = timing.substr(from, semi - from);
    const size_t eq = field.find('=');
    ASSERT_NE(eq, std::string::npos) << timing;
    fields[field.substr(0, eq)] = field.substr(eq + 1);
    from = semi + 1;
  }
  for (const char* name : {"start", "end", "session", "lock_wait", "build", "json", "other"}) {
    EXPECT_TRUE(fields.count(name)) << name << " in " << timing;
  }
  const auto ns = [](std::chrono::steady_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  };
  const int64_t start = std::stoll(fields["start"]), end = std::stoll(fields["end"]);
  EXPECT_LE(ns(before), start);
  EXPECT_LE(start, end);
  EXPECT_LE(end, ns(after));
  // The stages add up to the handler's time (µs with one decimal each).
  double sum_us = 0;
  for (const auto& [name, value] : fields) {
    if (name != "start" && name != "end") sum_us += std::stod(value);
  }
  EXPECT_NEAR(sum_us, static_cast<double>(end - start) / 1e3, 1.0);
}

}  // namespace
}  // namespace ejournal::testing
