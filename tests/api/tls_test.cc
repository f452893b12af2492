// HTTPS: with a certificate and key the server speaks TLS only (httplib::SSLServer).
#include <gtest/gtest.h>

#include "tests/api/api_fixture.h"
#include "tests/support/subprocess.h"

namespace ejournal::testing {
namespace {

class TlsTest : public ApiFixture {};

TEST_F(TlsTest, ServesHttpsWithACertificate) {
  const std::string cert = dir_.Sub("cert.pem"), key = dir_.Sub("key.pem");
  ProcessResult made = RunProcess({"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                                   "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out",
                                   cert, "-days", "1", "-subj", "/CN=127.0.0.1"});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  api::ServerOptions o = Options();
  o.tls_cert_file = cert;
  o.tls_key_file = key;
  StartServer(o);
  ASSERT_TRUE(server_->tls());
  httplib::SSLClient tls("127.0.0.1", server_->port());
  tls.enable_server_certificate_verification(false);
  auto r = tls.Get("/healthz");
  ASSERT_TRUE(r) << httplib::to_string(r.error());
  EXPECT_EQ(r->status, 200);
  auto cp = tls.Get("/api/v1/ledger/checkpoint");
  ASSERT_TRUE(cp);
  EXPECT_EQ(cp->status, 200);
  // Plain HTTP gets no answer.
  httplib::Client plain("127.0.0.1", server_->port());
  plain.set_read_timeout(5, 0);
  auto p = plain.Get("/healthz");
  EXPECT_TRUE(!p || p->status != 200);
}

TEST_F(TlsTest, HalfATlsConfigurationIsRefused) {
  api::ServerOptions o = Options();
  o.tls_cert_file = dir_.Sub("cert.pem");
  StopServer();
  auto server = api::ApiServer::Open(o);
  ASSERT_FALSE(server.has_value());
  EXPECT_EQ(server.error().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace ejournal::testing
