#include "api/http_transport.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "api/http_errors.h"
#include "api/json_util.h"
#include "schemas/mutex.h"

namespace ejournal::api {
namespace {

// (NewElasticPool in the header.)
class ElasticPool final : public httplib::TaskQueue {
 public:
  ElasticPool(size_t min, size_t max, std::chrono::seconds idle)
      : min_(std::max<size_t>(min, 1)), max_(std::max(max, std::max<size_t>(min, 1))), idle_(idle) {
    MutexLock lock(&mu_);
    for (size_t i = 0; i < min_; ++i) StartWorkerLocked();
  }
  ~ElasticPool() override { shutdown(); }

  void enqueue(std::function<void()> fn) ABSL_LOCKS_EXCLUDED(mu_) override {
    std::vector<std::thread> finished;
    {
      UniqueLock lock(&mu_);
      if (stopping_) {
        // Not after httplib's shutdown(), which follows its last accept; if it were, the task
        // runs here (a stopping server closes the connection before reading a request).
        lock.Unlock();
        fn();
        return;
      }
      jobs_.push_back(std::move(fn));
      if (idle_workers_ < jobs_.size() && workers_.size() < max_) StartWorkerLocked();
      finished = TakeFinishedLocked();
    }
    cv_.notify_one();
    for (std::thread& t : finished) t.join();
  }

  // Runs the queued tasks, then joins every worker (httplib calls it from Server::stop()).
  void shutdown() ABSL_LOCKS_EXCLUDED(mu_) override {
    std::map<std::thread::id, std::thread> workers;
    std::vector<std::thread> finished;
    {
      MutexLock lock(&mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    // A worker that ends (on stop or when idle) moves itself to finished_; join until none is left.
    UniqueLock lock(&mu_);
    while (!workers_.empty()) {
      lock.Wait(done_cv_, [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return !finished_.empty() || workers_.empty();
      });
      finished = TakeFinishedLocked();
      lock.Unlock();
      for (std::thread& t : finished) t.join();
      lock.Lock();
    }
    for (std::thread& t : TakeFinishedLocked()) t.join();
  }

 private:
  void StartWorkerLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    std::thread t([this] {
      pthread_setname_np(pthread_self(), "ej-http");  // for top -H, /proc/PID/task/*/comm
      Work();
    });
    const std::thread::id id = t.get_id();
    workers_.emplace(id, std::move(t));
  }

  // Threads of workers that have ended (moved out of workers_), to be joined without the lock.
  std::vector<std::thread> TakeFinishedLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    std::vector<std::thread> out;
    for (const std::thread::id id : finished_) {
      auto it = workers_.find(id);
      if (it == workers_.end()) continue;
      out.push_back(std::move(it->second));
      workers_.erase(it);
    }
    finished_.clear();
    return out;
  }

  void Work() ABSL_LOCKS_EXCLUDED(mu_) {
    UniqueLock lock(&mu_);
    while (true) {
      ++idle_workers_;
      const bool woke = lock.WaitFor(cv_, idle_, [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return !jobs_.empty() || stopping_;
      });
      --idle_workers_;
      if (jobs_.empty()) {
        // Stopping, or idle for idle_ with more than the minimum of workers: this one ends.
        if (stopping_ || (!woke && workers_.size() - finished_.size() > min_)) break;
        continue;
      }
      std::function<void()> job = std::move(jobs_.front());
      jobs_.pop_front();
      lock.Unlock();
      job();
      lock.Lock();
    }
    finished_.push_back(std::this_thread::get_id());
    done_cv_.notify_all();
  }

  const size_t min_, max_;
  const std::chrono::seconds idle_;
  Mutex mu_;
  std::condition_variable cv_;       // a job was queued, or stopping
  std::condition_variable done_cv_;  // a worker ended
  std::deque<std::function<void()>> jobs_ ABSL_GUARDED_BY(mu_);
  // Ended ones too, until joined.
  std::map<std::thread::id, std::thread> workers_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread::id> finished_ ABSL_GUARDED_BY(mu_);  // ended, not yet joined
  size_t idle_workers_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
};

// One connection's bytes for httplib's request parser and answer writer, buffered (httplib reads
// the request line and headers a byte at a time) and kept for the whole connection (a pipelined
// next request stays in the buffer). Reads and writes wait at most their timeouts.
// Writes are coalesced: httplib writes an answer's headers and its body in two calls, which with
// TCP_NODELAY were two segments, two wakeups of the client, and a client left waiting for the body
// when the worker was preempted in between. Written bytes are kept (up to kCoalesceBytes) until
// Flush(): called once the answer is complete (the server's logger), before reading (an interim
// "100 Continue" must go out first) and before the connection waits or closes.
// Reads keep the request's deadlines (ConnectionLimits): the headers' until the empty line that
// ends them has been read, then the whole request's; a read past its deadline fails.
class ConnectionStream final : public httplib::Stream {
 public:
  using Clock = std::chrono::steady_clock;
  // `ssl`: the connection's TLS session (on a non-blocking `sock`), or null for plain HTTP.
  ConnectionStream(socket_t sock, SSL* ssl, int read_timeout_ms, int write_timeout_ms)
      : sock_(sock),
        ssl_(ssl),
        read_timeout_ms_(read_timeout_ms),
        write_timeout_ms_(write_timeout_ms) {}

  // A request begins (its first byte is here or buffered): its deadlines start now.
  void BeginRequest(const ConnectionLimits& limits) {
    const Clock::time_point now = Clock::now();
    headers_by_ = now + std::chrono::milliseconds(limits.header_timeout_ms);
    request_by_ = now + std::chrono::milliseconds(limits.request_timeout_ms);
    headers_done_ = false;
    line_length_ = 0;
  }

  // Request bytes already here: in the buffer, or decrypted and waiting in the TLS session.
  bool buffered() const { return pos_ < len_ || (ssl_ != nullptr && SSL_pending(ssl_) > 0); }
  bool is_readable() const override { return buffered() || Wait(POLLIN, ReadTimeoutMs()); }
  bool is_writable() const override { return Wait(POLLOUT, write_timeout_ms_); }

  ssize_t read(char* ptr, size_t size) override {
    if (!Flush()) return -1;
    if (!buffered()) {
      const ssize_t n = Recv(buffer_.data(), buffer_.size());
      if (n <= 0) return n;
      pos_ = 0;
      len_ = static_cast<size_t>(n);
    }
    const size_t n = std::min(size, len_ - pos_);
    std::memcpy(ptr, buffer_.data() + pos_, n);
    pos_ += n;
    if (!headers_done_) SeeHeaderBytes(ptr, n);
    return static_cast<ssize_t>(n);
  }

  ssize_t write(const char* ptr, size_t size) override {
    if (out_.size() + size <= kCoalesceBytes) {
      out_.append(ptr, size);
      return static_cast<ssize_t>(size);
    }
    if (!Flush() || !SendAll(ptr, size)) return -1;
    return static_cast<ssize_t>(size);
  }

  // Sends what write() kept; false if the connection failed (what was kept is dropped).
  bool Flush() {
    if (out_.empty()) return true;
    const bool ok = SendAll(out_.data(), out_.size());
    out_.clear();
    return ok;
  }

  // httplib asks for both addresses for every request: asked of the kernel once per connection.
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    if (!remote_) remote_ = Address(::getpeername);
    ip = remote_->first;
    port = remote_->second;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    if (!local_) local_ = Address(::getsockname);
    ip = local_->first;
    port = local_->second;
  }
  socket_t socket() const override { return sock_; }

 private:
  // Follows the bytes handed to the parser until the empty line that ends the headers ("\r\n" or
  // a bare "\n" after a line, as httplib reads lines).
  void SeeHeaderBytes(const char* p, size_t n) {
    for (size_t i = 0; i < n && !headers_done_; ++i) {
      if (p[i] == '\n') {
        headers_done_ = line_length_ == 0;
        line_length_ = 0;
      } else if (p[i] != '\r') {
        ++line_length_;
      }
    }
  }
  // The read timeout, shortened to what is left of the request's deadline (0 once it passed).
  int ReadTimeoutMs() const {
    const Clock::time_point by = headers_done_ ? request_by_ : headers_by_;
    if (by == Clock::time_point()) return read_timeout_ms_;
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(by - Clock::now()).count();
    return static_cast<int>(std::clamp<int64_t>(left, 0, read_timeout_ms_));
  }
  // Whether `events` came within `timeout_ms`.
  bool Wait(short events, int timeout_ms) const {
    pollfd p{sock_, events, 0};
    int n;
    do {
      n = ::poll(&p, 1, timeout_ms);
    } while (n < 0 && errno == EINTR);
    return n > 0;
  }
  bool SendAll(const char* ptr, size_t size) {
    if (ssl_ != nullptr) return SendAllTls(ptr, size);
    size_t done = 0;
    while (done < size) {
      const ssize_t n = ::send(sock_, ptr + done, size - done, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n >= 0) {
        done += static_cast<size_t>(n);
      } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
        if (!Wait(POLLOUT, write_timeout_ms_)) return false;
      } else if (errno != EINTR) {
        return false;
      }
    }
    return true;
  }
  // SSL_write on a non-blocking socket: a write that would block is repeated with the same
  // arguments once the socket is ready (OpenSSL's contract).
  bool SendAllTls(const char* ptr, size_t size) {
    size_t done = 0;
    while (done < size) {
      const int chunk = static_cast<int>(std::min<size_t>(size - done, 1 << 20));
      const int n = SSL_write(ssl_, ptr + done, chunk);
      if (n > 0) {
        done += static_cast<size_t>(n);
        continue;
      }
      const int e = SSL_get_error(ssl_, n);
      if (e == SSL_ERROR_WANT_WRITE  ? !Wait(POLLOUT, write_timeout_ms_)
          : e == SSL_ERROR_WANT_READ ? !Wait(POLLIN, write_timeout_ms_)
                                     : true) {
        return false;
      }
    }
    return true;
  }
  ssize_t Recv(char* ptr, size_t size) {
    if (ssl_ != nullptr) return RecvTls(ptr, size);
    while (true) {
      const ssize_t n = ::recv(sock_, ptr, size, MSG_DONTWAIT);
      if (n >= 0) return n;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        if (!Wait(POLLIN, ReadTimeoutMs())) return -1;
      } else if (errno != EINTR) {
        return -1;
      }
    }
  }
  ssize_t RecvTls(char* ptr, size_t size) {
    while (true) {
      const int n = SSL_read(ssl_, ptr, static_cast<int>(size));
      if (n > 0) return n;
      const int e = SSL_get_error(ssl_, n);
      if (e == SSL_ERROR_ZERO_RETURN) return 0;
      if (e == SSL_ERROR_WANT_READ    ? !Wait(POLLIN, ReadTimeoutMs())
          : e == SSL_ERROR_WANT_WRITE ? !Wait(POLLOUT, ReadTimeoutMs())
                                      : true) {
        return -1;
      }
    }
  }
  // The address and port (empty and 0 if the kernel does not say).
  template <typename Fn>
  std::pair<std::string, int> Address(Fn fn) const {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    int port = 0;
    if (fn(sock_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return {std::string(), port};
    char text[INET6_ADDRSTRLEN] = {};
    if (addr.ss_family == AF_INET) {
      const auto* a = reinterpret_cast<const sockaddr_in*>(&addr);
      ::inet_ntop(AF_INET, &a->sin_addr, text, sizeof text);
      port = ntohs(a->sin_port);
    } else if (addr.ss_family == AF_INET6) {
      const auto* a = reinterpret_cast<const sockaddr_in6*>(&addr);
      ::inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof text);
      port = ntohs(a->sin6_port);
    }
    return {std::string(text), port};
  }

  static constexpr size_t kCoalesceBytes = 64 * 1024;
  const socket_t sock_;
  SSL* const ssl_;
  const int read_timeout_ms_, write_timeout_ms_;
  std::array<char, 16 * 1024> buffer_;
  size_t pos_ = 0, len_ = 0;
  std::string out_;  // written, not yet sent
  mutable std::optional<std::pair<std::string, int>> remote_, local_;
  // The request's deadlines (BeginRequest; unset before the first request).
  Clock::time_point headers_by_{}, request_by_{};
  bool headers_done_ = false;
  size_t line_length_ = 0;  // of the header line being read, without CR
};

// The connection stream of the request this thread serves, for FlushCurrentAnswer().
thread_local ConnectionStream* current_stream = nullptr;

// The peer's address of a connection ("" if the kernel does not say).
std::string PeerAddress(socket_t sock) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (::getpeername(sock, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return {};
  char text[INET6_ADDRSTRLEN] = {};
  if (addr.ss_family == AF_INET) {
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&addr)->sin_addr, text, sizeof text);
  } else if (addr.ss_family == AF_INET6) {
    ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&addr)->sin6_addr, text,
                sizeof text);
  }
  return text;
}

int Millis(time_t sec, time_t usec) {
  return static_cast<int>(std::min<time_t>(sec, 86400) * 1000 + usec / 1000);
}

// The answer to a connection beyond its client's maximum: 503, then the connection closes.
void RefuseConnection(socket_t sock, int max_per_client) {
  const std::string body =
      ErrorJson(Unavailable("слишком много одновременных соединений с этого адреса (не больше " +
                            std::to_string(max_per_client) + "); повторите запрос позже"));
  const std::string answer =
      "HTTP/1.1 503 Service Unavailable\r\nRetry-After: " + std::to_string(kRetryAfterSeconds) +
      "\r\nContent-Type: " + std::string(kJsonContentType) +
      "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
  (void)::send(sock, answer.data(), answer.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
}

}  // namespace

httplib::TaskQueue* NewElasticPool(size_t min, size_t max, std::chrono::seconds idle) {
  return new ElasticPool(min, max, idle);
}

HttpServer::HttpServer(ConnectionLimits limits, const std::string& tls_cert_file,
                       const std::string& tls_key_file)
    : limits_(limits), wake_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  if (tls_cert_file.empty() && tls_key_file.empty()) return;
  tls_ = SSL_CTX_new(TLS_server_method());
  tls_valid_ = tls_ != nullptr && SSL_CTX_set_min_proto_version(tls_, TLS1_2_VERSION) == 1 &&
               SSL_CTX_use_certificate_chain_file(tls_, tls_cert_file.c_str()) == 1 &&
               SSL_CTX_use_PrivateKey_file(tls_, tls_key_file.c_str(), SSL_FILETYPE_PEM) == 1 &&
               SSL_CTX_check_private_key(tls_) == 1;
  if (tls_ != nullptr) {
    SSL_CTX_set_options(tls_, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
    SSL_CTX_set_mode(tls_, SSL_MODE_ENABLE_PARTIAL_WRITE);
  }
}

HttpServer::~HttpServer() {
  if (tls_ != nullptr) SSL_CTX_free(tls_);
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

SSL* HttpServer::AcceptTls(socket_t sock) const {
  const int flags = ::fcntl(sock, F_GETFL);
  if (flags < 0 || ::fcntl(sock, F_SETFL, flags | O_NONBLOCK) < 0) return nullptr;
  SSL* ssl = SSL_new(tls_);
  if (ssl == nullptr) return nullptr;
  if (SSL_set_fd(ssl, sock) != 1) {
    SSL_free(ssl);
    return nullptr;
  }
  const auto by =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(limits_.header_timeout_ms);
  while (true) {
    const int n = SSL_accept(ssl);
    if (n == 1) return ssl;
    const int e = SSL_get_error(ssl, n);
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(by - std::chrono::steady_clock::now())
            .count();
    if ((e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) || left <= 0) break;
    pollfd p{sock, static_cast<short>(e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT), 0};
    int ready;
    do {
      ready = ::poll(&p, 1, static_cast<int>(left));
    } while (ready < 0 && errno == EINTR);
    if (ready <= 0) break;
  }
  SSL_free(ssl);
  return nullptr;
}

void HttpServer::WakeIdle() {
  closing_.store(true);
  const uint64_t one = 1;
  if (wake_fd_ >= 0 && ::write(wake_fd_, &one, sizeof one) < 0) {
    spdlog::warn("event=wake_idle_failed errno={}", errno);
  }
}

int HttpServer::ConnectionsFrom(const std::string& address) const {
  MutexLock lock(&clients_mu_);
  auto it = clients_.find(address);
  return it == clients_.end() ? 0 : it->second;
}

void HttpServer::FlushCurrentAnswer() {
  if (current_stream != nullptr) (void)current_stream->Flush();
}

bool HttpServer::TakeSlot(const std::string& address) {
  MutexLock lock(&clients_mu_);
  int& n = clients_[address];
  if (n >= limits_.max_per_client) {
    if (n == 0) clients_.erase(address);
    return false;
  }
  ++n;
  return true;
}

void HttpServer::ReleaseSlot(const std::string& address) {
  MutexLock lock(&clients_mu_);
  auto it = clients_.find(address);
  if (it != clients_.end() && --it->second <= 0) clients_.erase(it);
}

bool HttpServer::process_and_close_socket(socket_t sock) {
  const std::string address = PeerAddress(sock);
  if (!TakeSlot(address)) {
    spdlog::warn("event=connection_refused reason=per_client_limit limit={}",
                 limits_.max_per_client);
    RefuseConnection(sock, limits_.max_per_client);
    ::shutdown(sock, SHUT_RDWR);
    ::close(sock);
    return false;
  }
  SSL* ssl = nullptr;
  if (tls_ != nullptr && (ssl = AcceptTls(sock)) == nullptr) {
    ::shutdown(sock, SHUT_RDWR);
    ::close(sock);
    ReleaseSlot(address);
    return false;
  }
  ConnectionStream stream(sock, ssl, Millis(read_timeout_sec_, read_timeout_usec_),
                          Millis(write_timeout_sec_, write_timeout_usec_));
  bool ret = false;
  for (size_t left = keep_alive_max_count_; left > 0; --left) {
    if (!stream.buffered() && !WaitForRequest(sock)) break;
    bool closed = false;
    stream.BeginRequest(limits_);
    current_stream = &stream;
    ret = process_request(stream, left == 1 || closing_.load(), closed, [](httplib::Request&) {});
    current_stream = nullptr;
    if (!stream.Flush()) ret = false;
    if (!ret || closed || closing_.load()) break;
  }
  if (ssl != nullptr) {
    (void)SSL_shutdown(ssl);  // the close_notify, if the socket takes it now
    SSL_free(ssl);
  }
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
  ReleaseSlot(address);
  return ret;
}

bool HttpServer::WaitForRequest(socket_t sock) const {
  if (closing_.load() || svr_sock_ == INVALID_SOCKET) return false;
  pollfd p[2] = {{sock, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
  const int timeout_ms = static_cast<int>(std::min<time_t>(keep_alive_timeout_sec_, 86400) * 1000);
  int n;
  do {
    n = ::poll(p, wake_fd_ >= 0 ? 2 : 1, timeout_ms);
  } while (n < 0 && errno == EINTR);
  return n > 0 && (p[0].revents & (POLLIN | POLLHUP | POLLERR)) != 0 && !closing_.load();
}

}  // namespace ejournal::api
