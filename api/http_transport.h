// The HTTP transport under the routes: cpp-httplib's plain server with its connection handling
// replaced where the library's did not hold up (docs/OPERATIONS.md "Connections and threads").
//
// - NewElasticPool: httplib's task queue with elastic workers. httplib enqueues one task per
//   accepted connection, which serves every request of that connection until it closes; httplib's
//   own ThreadPool has a fixed number of workers, so with `min` keep-alive clients connected the
//   next client waited until one of them closed. Here a task that finds no idle worker starts one,
//   up to `max`.
// - HttpServer: httplib::Server with its per-connection loop (the protected virtual
//   process_and_close_socket) replaced: one poll for a connection's next request instead of
//   httplib's 10 ms poll + 1 ms sleep loop; buffered, coalesced reads and writes; and the limits
//   against slow or greedy clients (ConnectionLimits). The requests themselves are httplib's
//   (Server::process_request parses, routes and answers them).
//
// With a certificate and key HttpServer speaks TLS only (OpenSSL, TLS 1.2 and later), under the
// same loop and limits: the handshake must end within the header deadline.
//
// HttpServer overrides a protected member of httplib::Server: tests/api/transport_test.cc fails
// to compile, or fails, if a Debian httplib upgrade changes its signature or stops calling it.
//
// Thread-safety: HttpServer is httplib's: listen on one thread, workers on the pool, stop and
// WakeIdle from any thread.
#ifndef EJOURNAL_API_HTTP_TRANSPORT_H_
#define EJOURNAL_API_HTTP_TRANSPORT_H_

#include <httplib.h>
#include <openssl/ssl.h>

#include <atomic>
#include <chrono>
#include <string>
#include <unordered_map>

#include "schemas/mutex.h"

namespace ejournal::api {

// Limits against clients that hold workers (docs/API.md "Limits").
struct ConnectionLimits {
  // A request's line and headers must arrive within this of its first byte; then the whole
  // request, its body too, within `request_timeout_ms` of that first byte. A request past its
  // deadline is dropped (the connection closed): one byte every few seconds no longer holds a
  // worker for as long as the client likes (httplib's read timeout applies to each read only).
  int header_timeout_ms = 10'000;
  int request_timeout_ms = 60'000;
  // Connections one client address holds at once; another is answered 503 (Retry-After) and
  // closed before anything is read, so that the workers beyond these stay for other clients.
  int max_per_client = 64;
};

// httplib's task queue with elastic workers: at least `min`, at most `max`; workers beyond `min`
// end after `idle` without work.
httplib::TaskQueue* NewElasticPool(size_t min, size_t max, std::chrono::seconds idle);

class HttpServer final : public httplib::Server {
 public:
  // Plain HTTP, or TLS with the PEM certificate chain and key files (is_valid() false if they
  // cannot be loaded or do not match).
  explicit HttpServer(ConnectionLimits limits, const std::string& tls_cert_file = "",
                      const std::string& tls_key_file = "");
  ~HttpServer() override;
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  bool is_valid() const override { return tls_valid_; }
  bool tls() const { return tls_ != nullptr; }

  // Idle connections stop waiting and close; busy ones close after their current request.
  void WakeIdle();

  // Connections now open from `address` (for tests and /metrics).
  int ConnectionsFrom(const std::string& address) const;

  // Sends the answer written so far on this thread's connection (the server's logger calls it
  // once an answer is complete; writes are coalesced until then). No-op on other threads.
  static void FlushCurrentAnswer();

 private:
  bool process_and_close_socket(socket_t sock) override;
  // Whether the connection's next request began within the keep-alive timeout (false: the
  // timeout, the peer closed, or the server stops).
  bool WaitForRequest(socket_t sock) const;
  // Counts a connection of `address`; false (nothing counted) if it holds its maximum already.
  bool TakeSlot(const std::string& address) ABSL_LOCKS_EXCLUDED(clients_mu_);
  void ReleaseSlot(const std::string& address) ABSL_LOCKS_EXCLUDED(clients_mu_);

  // The TLS handshake on `sock` (made non-blocking), within the header deadline; null if it
  // failed or took longer.
  SSL* AcceptTls(socket_t sock) const;

  const ConnectionLimits limits_;
  SSL_CTX* tls_ = nullptr;  // owned; null for plain HTTP
  bool tls_valid_ = true;
  const int wake_fd_;
  std::atomic<bool> closing_{false};
  mutable Mutex clients_mu_;
  std::unordered_map<std::string, int> clients_ ABSL_GUARDED_BY(clients_mu_);  // open connections
};

}  // namespace ejournal::api

#endif  // EJOURNAL_API_HTTP_TRANSPORT_H_
