// The HTTP transport (api/http_transport.h) against slow and greedy clients, on a real server:
// raw sockets on loopback that trickle a request a byte at a time, or open more connections than
// a client may hold. Every wait is bounded and generous; nothing depends on the machine's speed.
// The slow clients connect from 127.0.0.2 (another loopback address), so that the fresh client
// (httplib's, from 127.0.0.1) is another client address, as it would be on a network.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "tests/api/api_fixture.h"

namespace ejournal::testing {
namespace {

using SteadyClock = std::chrono::steady_clock;

// A raw client connection from `source` to 127.0.0.1:`port`.
class RawClient {
 public:
  RawClient(const char* source, int port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in from{};
    from.sin_family = AF_INET;
    ::inet_pton(AF_INET, source, &from.sin_addr);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<uint16_t>(port));
    ::inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
    connected_ = fd_ >= 0 && ::bind(fd_, reinterpret_cast<sockaddr*>(&from), sizeof from) == 0 &&
                 ::connect(fd_, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0;
  }
  ~RawClient() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return connected_; }
  // False once the server has closed the connection (a send fails).
  bool Send(const std::string& bytes) {
    return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(bytes.size());
  }
  // What the server sent until it closed the connection, waiting at most `limit`; `closed` says
  // whether it did close within it.
  std::string ReadUntilClosed(std::chrono::milliseconds limit, bool* closed) {
    std::string got;
    const auto until = SteadyClock::now() + limit;
    *closed = false;
    while (SteadyClock::now() < until) {
      pollfd p{fd_, POLLIN, 0};
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(until - SteadyClock::now());
      if (::poll(&p, 1, static_cast<int>(std::max<int64_t>(1, left.count()))) <= 0) continue;
      char buf[4096];
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        *closed = true;
        break;
      }
      got.append(buf, static_cast<size_t>(n));
    }
    return got;
  }
  // Whether the server has closed the connection, without waiting.
  bool ClosedNow() {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 0) <= 0) return false;
    char c;
    return ::recv(fd_, &c, 1, MSG_PEEK | MSG_DONTWAIT) == 0 || (p.revents & (POLLHUP | POLLERR));
  }

 private:
  const int fd_;
  bool connected_ = false;
};

class TransportTest : public ApiFixture {
 protected:
  void SetUp() override {
    ApiFixture::SetUp();
    if (HasFatalFailure()) return;
    StartWithDeadlines(1, 2);
  }
  // A server of 16 workers at most, 8 connections a client, these deadlines (seconds).
  void StartWithDeadlines(int header, int request) {
    api::ServerOptions o = Options();
    o.threads = 2;
    o.max_threads = 16;
    o.max_connections_per_client = 8;
    o.header_timeout_seconds = header;
    o.request_timeout_seconds = request;
    StartServer(o);
  }

  // Trickles `bytes` one every 100 ms until they are sent or the server closes; whether it closed
  // (bounded: it must close within `limit`).
  static bool TrickleUntilClosed(RawClient& c, const std::string& bytes,
                                 std::chrono::milliseconds limit) {
    const auto until = SteadyClock::now() + limit;
    for (size_t i = 0; SteadyClock::now() < until; ++i) {
      if (c.ClosedNow() || !c.Send(std::string(1, bytes[i % bytes.size()]))) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }
};

TEST_F(TransportTest, ATrickledHeaderIsDroppedAtItsDeadline) {
  RawClient c("127.0.0.2", server_->port());
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(c.Send("GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\n"));
  // One byte every 100 ms would satisfy a per-read timeout forever; the 1 s header deadline ends
  // it (asserted within 15 s, whatever the machine's speed).
  EXPECT_TRUE(TrickleUntilClosed(c, "X-Slow: aaaaaaaaaaaaaaaaaaaa\r\n", std::chrono::seconds(15)));
}

TEST_F(TransportTest, ATrickledBodyIsDroppedAtTheRequestDeadline) {
  RawClient c("127.0.0.2", server_->port());
  ASSERT_TRUE(c.connected());
  const uint64_t size = LedgerSize();
  ASSERT_TRUE(
      c.Send("POST /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
             "application/x-protobuf\r\nContent-Length: 1000\r\n\r\n"));
  EXPECT_TRUE(TrickleUntilClosed(c, "x", std::chrono::seconds(15)));
  EXPECT_EQ(LedgerSize(), size);
}

TEST_F(TransportTest, OneClientHoldsAtMostItsConnectionsAndOthersAreServed) {
  // Deadlines long enough that the held connections outlive the counting below.
  StartWithDeadlines(5, 10);
  // 20 connections from one address, each with a request begun and never finished.
  std::vector<std::unique_ptr<RawClient>> slow;
  for (int i = 0; i < 20; ++i) {
    slow.push_back(std::make_unique<RawClient>("127.0.0.2", server_->port()));
    ASSERT_TRUE(slow.back()->connected()) << i;
    ASSERT_TRUE(slow.back()->Send("GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\n")) << i;
  }
  // Those beyond the client's 8 are answered 503 (Retry-After) and closed at once.
  std::vector<std::string> answers(slow.size());
  std::vector<bool> ended(slow.size(), false);
  int refused = 0;
  const auto until = SteadyClock::now() + std::chrono::seconds(4);
  while (refused < 12 && SteadyClock::now() < until) {
    for (size_t i = 0; i < slow.size(); ++i) {
      if (ended[i]) continue;
      bool now_closed = false;
      answers[i] += slow[i]->ReadUntilClosed(std::chrono::milliseconds(10), &now_closed);
      if (now_closed) {
        ended[i] = true;
        if (answers[i].starts_with("HTTP/1.1 503")) ++refused;
      }
    }
  }
  EXPECT_EQ(refused, 12);
  for (size_t i = 0; i < slow.size(); ++i) {
    const std::string& a = answers[i];
    if (!ended[i]) {
      EXPECT_TRUE(a.empty()) << a;  // held, its request unfinished
      continue;
    }
    EXPECT_TRUE(a.starts_with("HTTP/1.1 503")) << a;
    EXPECT_NE(a.find("Retry-After: 1"), std::string::npos) << a;
    EXPECT_NE(a.find("слишком много одновременных соединений"), std::string::npos) << a;
  }
  // Meanwhile another client is answered.
  httplib::Client fresh("127.0.0.1", server_->port());
  fresh.set_connection_timeout(10, 0);
  fresh.set_read_timeout(10, 0);
  auto r = fresh.Get("/readyz");
  ASSERT_TRUE(r) << httplib::to_string(r.error());
  EXPECT_EQ(r->status, 200);
  // Once the held ones are dropped at their deadline, the client may connect again.
  for (auto& c : slow) {
    bool closed = false;
    (void)c->ReadUntilClosed(std::chrono::seconds(15), &closed);
    EXPECT_TRUE(closed);
  }
  slow.clear();
  RawClient again("127.0.0.2", server_->port());
  ASSERT_TRUE(again.connected());
  ASSERT_TRUE(again.Send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"));
  bool closed = false;
  const std::string got = again.ReadUntilClosed(std::chrono::seconds(15), &closed);
  EXPECT_TRUE(got.starts_with("HTTP/1.1 200")) << got;
}

}  // namespace
}  // namespace ejournal::testing
