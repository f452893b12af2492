// HTTPS: with a certificate and key the server speaks TLS only, under the same connection loop
// and limits as plain HTTP (api/http_transport.h): keep-alive, bodies, and the deadlines that
// drop a client that never finishes its handshake or trickles its request.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "tests/api/api_fixture.h"
#include "tests/support/subprocess.h"

namespace ejournal::testing {
namespace {

using SteadyClock = std::chrono::steady_clock;

class TlsTest : public ApiFixture {
 protected:
  // A self-signed P-256 certificate for 127.0.0.1, made by the openssl tool.
  void MakeCertificate() {
    cert_ = dir_.Sub("cert.pem");
    key_ = dir_.Sub("key.pem");
    ProcessResult made =
        RunProcess({"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key_, "-out", cert_,
                    "-days", "1", "-subj", "/CN=127.0.0.1"});
    ASSERT_EQ(made.exit_code, 0) << made.err;
  }
  // An HTTPS server with these deadlines (seconds).
  void StartTls(int header = 10, int request = 60) {
    MakeCertificate();
    if (HasFatalFailure()) return;
    api::ServerOptions o = Options();
    o.tls_cert_file = cert_;
    o.tls_key_file = key_;
    o.header_timeout_seconds = header;
    o.request_timeout_seconds = request;
    o.web_root = dir_.Sub("web");
    std::filesystem::create_directories(o.web_root);
    std::ofstream(o.web_root + "/index.html") << "<!doctype html><title>ЭЖ</title>";
    std::ofstream(o.web_root + "/big.js") << big_;
    StartServer(o);
    ASSERT_TRUE(server_->tls());
  }
  // A TCP connection to the server (no TLS yet).
  int Connect() const {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<uint16_t>(server_->port()));
    ::inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
    EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to), 0);
    return fd;
  }
  // Whether the server closed `fd` within `limit` (reading and dropping what it sends).
  static bool ClosedWithin(int fd, std::chrono::seconds limit) {
    const auto until = SteadyClock::now() + limit;
    while (SteadyClock::now() < until) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      char buf[4096];
      if (::recv(fd, buf, sizeof buf, 0) <= 0) return true;
    }
    return false;
  }

  std::string cert_, key_;
  // A static file of many TLS records, in a pattern no compression flattens away.
  const std::string big_ = [] {
    std::string s;
    for (int i = 0; s.size() < 300 * 1024; ++i) s += std::to_string(i * 7919 % 100003) + ",";
    return s;
  }();
};

TEST_F(TlsTest, ServesHttpsWithACertificate) {
  StartTls();
  httplib::SSLClient tls("127.0.0.1", server_->port());
  tls.enable_server_certificate_verification(false);
  tls.set_keep_alive(true);
  // Several requests on one connection, one with a body.
  for (int i = 0; i < 3; ++i) {
    auto r = tls.Get("/healthz");
    ASSERT_TRUE(r) << httplib::to_string(r.error());
    EXPECT_EQ(r->status, 200);
  }
  auto cp = tls.Get("/api/v1/ledger/checkpoint");
  ASSERT_TRUE(cp);
  EXPECT_EQ(cp->status, 200);
  const std::string big(200 * 1024, 'x');  // more than one TLS record each way
  auto bad = tls.Post("/api/v1/events", big, "application/x-protobuf");
  ASSERT_TRUE(bad) << httplib::to_string(bad.error());
  EXPECT_EQ(bad->status, 413) << bad->body;
  auto js = tls.Get("/big.js");
  ASSERT_TRUE(js) << httplib::to_string(js.error());
  EXPECT_EQ(js->status, 200);
  EXPECT_EQ(js->body, big_);
  // Plain HTTP gets no answer.
  httplib::Client plain("127.0.0.1", server_->port());
  plain.set_read_timeout(5, 0);
  auto p = plain.Get("/healthz");
  EXPECT_TRUE(!p || p->status != 200);
}

TEST_F(TlsTest, AHandshakeNeverFinishedIsDroppedAtTheHeaderDeadline) {
  StartTls(1, 2);
  const int silent = Connect();  // connects and sends nothing
  const int partial = Connect();
  ASSERT_EQ(::send(partial, "\x16\x03\x01", 3, MSG_NOSIGNAL), 3);  // a ClientHello's first bytes
  // Meanwhile an HTTPS client is served.
  httplib::SSLClient tls("127.0.0.1", server_->port());
  tls.enable_server_certificate_verification(false);
  auto r = tls.Get("/healthz");
  ASSERT_TRUE(r) << httplib::to_string(r.error());
  EXPECT_EQ(r->status, 200);
  // The 1 s deadline ends both (asserted within 15 s, whatever the machine's speed).
  EXPECT_TRUE(ClosedWithin(silent, std::chrono::seconds(15)));
  EXPECT_TRUE(ClosedWithin(partial, std::chrono::seconds(15)));
  ::close(silent);
  ::close(partial);
}

TEST_F(TlsTest, ATrickledRequestOverTlsIsDroppedAtItsDeadline) {
  StartTls(1, 2);
  const int fd = Connect();
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  ASSERT_NE(ctx, nullptr);
  SSL* ssl = SSL_new(ctx);
  SSL_set_fd(ssl, fd);
  ASSERT_EQ(SSL_connect(ssl), 1);
  const std::string head = "GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";
  ASSERT_EQ(SSL_write(ssl, head.data(), static_cast<int>(head.size())),
            static_cast<int>(head.size()));
  // One byte every 100 ms would satisfy a per-read timeout forever; the 1 s header deadline ends
  // it.
  bool closed = false;
  const auto until = SteadyClock::now() + std::chrono::seconds(15);
  while (!closed && SteadyClock::now() < until) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 0) > 0) {
      char buf[256];
      closed = SSL_read(ssl, buf, sizeof buf) <= 0;
      if (closed) break;
    }
    closed = SSL_write(ssl, "a", 1) <= 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(closed);
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  ::close(fd);
}

TEST_F(TlsTest, HalfATlsConfigurationIsRefused) {
  api::ServerOptions o = Options();
  o.tls_cert_file = dir_.Sub("cert.pem");
  StopServer();
  auto server = api::ApiServer::Open(o);
  ASSERT_FALSE(server.has_value());
  EXPECT_EQ(server.error().code(), StatusCode::kInvalidArgument);
}

TEST_F(TlsTest, AKeyThatIsNotTheCertificatesIsRefused) {
  MakeCertificate();
  api::ServerOptions o = Options();
  o.tls_cert_file = cert_;
  o.tls_key_file = dir_.Sub("other-key.pem");
  ProcessResult made = RunProcess({"/usr/bin/openssl", "genpkey", "-algorithm", "ec", "-pkeyopt",
                                   "ec_paramgen_curve:prime256v1", "-out", o.tls_key_file});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  StopServer();
  auto server = api::ApiServer::Open(o);
  ASSERT_FALSE(server.has_value());
  EXPECT_EQ(server.error().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(server.error().message().find("TLS"), std::string::npos);
}

}  // namespace
}  // namespace ejournal::testing
