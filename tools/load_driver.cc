#include "tools/load_driver.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <deque>
#include <stdexcept>
#include <string_view>
#include <utility>
#include <vector>

namespace ejournal::load {

namespace {

// One kept-alive connection and the request it carries (at most one: no pipelining).
struct Conn {
  int fd = -1;
  bool connecting = false;
  bool busy = false;
  bool want_out = false;  // registered for EPOLLOUT
  std::string out;        // the request's bytes not yet sent
  size_t out_done = 0;
  std::string in;  // the answer's bytes so far
  Job job;
  Answer answer;
  bool sent_any = false;  // the request's first bytes went out
  int attempts = 0;
};

bool HeaderIs(std::string_view line, std::string_view name, std::string_view* value) {
  if (line.size() <= name.size() || line[name.size()] != ':' ||
      ::strncasecmp(line.data(), name.data(), name.size()) != 0) {
    return false;
  }
  std::string_view v = line.substr(name.size() + 1);
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  *value = v;
  return true;
}

// The parts of an HTTP/1.1 answer the tool needs, once its head and body are all in `in`.
struct Parsed {
  bool complete = false;
  bool bad = false;
  int status = 0;
  bool close = false;
  size_t length = 0;  // head + body
  std::string_view body, timing;
};

Parsed Parse(const std::string& in) {
  Parsed p;
  const size_t head_end = in.find("\r\n\r\n");
  if (head_end == std::string::npos) return p;
  const std::string_view head(in.data(), head_end);
  size_t pos = head.find("\r\n");
  const std::string_view status_line = head.substr(0, pos);
  // "HTTP/1.1 200 OK"
  if (status_line.size() < 12 || !status_line.starts_with("HTTP/1.")) {
    p.bad = true;
    return p;
  }
  std::from_chars(status_line.data() + 9, status_line.data() + 12, p.status);
  size_t content_length = 0;
  bool has_length = false;
  while (pos != std::string_view::npos) {
    const size_t next = head.find("\r\n", pos + 2);
    const std::string_view line = head.substr(
        pos + 2, next == std::string_view::npos ? std::string_view::npos : next - pos - 2);
    std::string_view v;
    if (HeaderIs(line, "content-length", &v)) {
      has_length = std::from_chars(v.data(), v.data() + v.size(), content_length).ec == std::errc();
    } else if (HeaderIs(line, "connection", &v)) {
      p.close = ::strncasecmp(v.data(), "close", std::min<size_t>(v.size(), 5)) == 0;
    } else if (HeaderIs(line, "x-ejournal-timing", &v)) {
      p.timing = v;
    } else if (HeaderIs(line, "transfer-encoding", &v)) {
      p.bad = true;  // ejournald's answers carry a length; chunked ones are not for this tool
      return p;
    }
    pos = next;
  }
  if (!has_length) content_length = 0;
  const size_t body_at = head_end + 4;
  if (in.size() < body_at + content_length) return p;
  p.complete = true;
  p.length = body_at + content_length;
  p.body = std::string_view(in.data() + body_at, content_length);
  return p;
}

}  // namespace

struct OpenLoopDriver::Impl {
  sockaddr_storage addr{};
  socklen_t addr_len = 0;
  std::string host;  // the Host header
  std::string extra_headers;
  size_t max_conns = 1;
  int ep = -1;
  std::vector<std::unique_ptr<Conn>> conns;
  std::vector<Conn*> idle;
  std::deque<std::pair<Job, Answer>> waiting;  // due and allowed, waiting for a free connection
  std::vector<Answer> finished;                // answered since the caller last took them

  void Watch(Conn* c, bool out, int op) {
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP | (out ? EPOLLOUT : 0u);
    ev.data.ptr = c;
    if (::epoll_ctl(ep, op, c->fd, &ev) != 0) throw std::runtime_error("epoll_ctl failed");
    c->want_out = out;
  }

  // A new connection (its connect in progress); nullptr if the socket cannot be made.
  Conn* Open() {
    const int fd = ::socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return nullptr;
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // as browsers do
    auto conn = std::make_unique<Conn>();
    Conn* c = conn.get();
    c->fd = fd;
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), addr_len) != 0) {
      if (errno != EINPROGRESS) {
        ::close(fd);
        return nullptr;
      }
      c->connecting = true;
    }
    conns.push_back(std::move(conn));
    Watch(c, c->connecting, EPOLL_CTL_ADD);
    return c;
  }

  void Close(Conn* c) {
    ::epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, nullptr);
    ::close(c->fd);
    idle.erase(std::remove(idle.begin(), idle.end(), c), idle.end());
    conns.erase(std::find_if(conns.begin(), conns.end(), [c](auto& p) { return p.get() == c; }));
  }

  // Sends what is left of c's request; false if the connection failed.
  bool Send(Conn* c) {
    while (c->out_done < c->out.size()) {
      const ssize_t n = ::send(c->fd, c->out.data() + c->out_done, c->out.size() - c->out_done,
                               MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        if (!c->sent_any) {
          c->sent_any = true;
          c->answer.sent = Steady::now();
        }
        c->out_done += static_cast<size_t>(n);
      } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        if (!c->want_out) Watch(c, true, EPOLL_CTL_MOD);
        return true;
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else {
        return false;
      }
    }
    if (c->want_out) Watch(c, false, EPOLL_CTL_MOD);
    return true;
  }

  void Begin(Conn* c, Job job, Answer answer) {
    c->busy = true;
    c->job = std::move(job);
    c->answer = std::move(answer);
    c->in.clear();
    c->sent_any = false;
    c->out_done = 0;
    const Job& j = c->job;
    c->out.assign(j.body != nullptr ? "POST " : "GET ");
    c->out.append(j.path).append(" HTTP/1.1\r\nHost: ").append(host).append("\r\n");
    c->out.append(extra_headers);
    if (j.body != nullptr) {
      c->out.append("Content-Type: application/x-protobuf\r\nContent-Length: ")
          .append(std::to_string(j.body->size()))
          .append("\r\n\r\n")
          .append(*j.body);
    } else {
      c->out.append("\r\n");
    }
    if (!c->connecting && !Send(c)) Failed(c, "send failed");
  }

  // Hands `job` to a free connection, or a new one, or queues it for the next free one.
  void Start(Job job) {
    Answer a;
    a.id = job.id;
    a.due = job.due;
    a.started = Steady::now();
    Conn* c = nullptr;
    if (!idle.empty()) {
      c = idle.back();
      idle.pop_back();
    } else if (conns.size() < max_conns) {
      c = Open();
      if (c == nullptr) {
        Finish(a, 0, "cannot connect");
        return;
      }
    } else {
      waiting.emplace_back(std::move(job), std::move(a));
      return;
    }
    Begin(c, std::move(job), std::move(a));
  }

  // c's request failed: once more on a new connection if nothing of it had been answered (a
  // kept-alive connection the server closed meanwhile, as browsers do; the same event again
  // answers the same sequence), else "no answer".
  void Failed(Conn* c, const char* why) {
    Job job = std::move(c->job);
    Answer a = std::move(c->answer);
    const bool again = c->in.empty() && c->attempts == 0;
    const int attempts = c->attempts;
    Close(c);
    if (again) {
      Conn* fresh = Open();
      if (fresh != nullptr) {
        fresh->attempts = attempts + 1;
        Begin(fresh, std::move(job), std::move(a));
        return;
      }
    }
    Finish(a, 0, why);
    Refill();
  }

  // A connection closed: the jobs waiting for one get new connections (else, with every
  // connection gone, they would wait for ever).
  void Refill() {
    while (!waiting.empty() && conns.size() < max_conns) {
      auto [job, a] = std::move(waiting.front());
      waiting.pop_front();
      Conn* fresh = Open();
      if (fresh == nullptr) {
        Finish(a, 0, "cannot connect");
        continue;
      }
      Begin(fresh, std::move(job), std::move(a));
    }
  }

  void Finish(Answer& a, int status, const char* error) {
    a.status = status;
    if (error != nullptr) a.error = error;
    a.received = Steady::now();
    if (a.sent == Steady::time_point{}) a.sent = a.received;
    finished.push_back(std::move(a));
  }

  // A connection that is free again takes the oldest waiting job.
  void Release(Conn* c) {
    c->busy = false;
    c->attempts = 0;
    if (!waiting.empty()) {
      auto [job, a] = std::move(waiting.front());
      waiting.pop_front();
      Begin(c, std::move(job), std::move(a));
    } else {
      idle.push_back(c);
    }
  }

  void OnEvent(Conn* c, uint32_t events) {
    if (c->connecting) {
      int err = 0;
      socklen_t len = sizeof err;
      ::getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0 || (events & (EPOLLERR | EPOLLHUP))) {
        if (c->busy) return Failed(c, "cannot connect");
        return Close(c);
      }
      c->connecting = false;
      if (c->busy && !Send(c)) return Failed(c, "send failed");
      if (!c->busy) Watch(c, false, EPOLL_CTL_MOD);
    }
    if ((events & EPOLLOUT) && c->busy && !Send(c)) return Failed(c, "send failed");
    if (!(events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))) return;
    char buf[16 * 1024];
    bool eof = false;
    while (true) {
      const ssize_t n = ::recv(c->fd, buf, sizeof buf, MSG_DONTWAIT);
      if (n > 0) {
        c->in.append(buf, static_cast<size_t>(n));
        // The whole answer in: no need for the read that would say "nothing more".
        if (c->busy && Parse(c->in).complete) break;
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      // The peer closed (n == 0) or the connection failed.
      if (!c->busy) return Close(c);  // an idle connection the server closed
      eof = true;
      break;
    }
    if (!c->busy) return;
    const Parsed p = Parse(c->in);
    if (p.bad) return Failed(c, "a malformed answer");
    if (!p.complete) {
      if (eof) Failed(c, "the connection closed before the answer");
      return;
    }
    Answer a = std::move(c->answer);
    a.body.assign(p.body);
    a.timing.assign(p.timing);
    Finish(a, p.status, nullptr);
    if (eof || p.close || c->in.size() > p.length) {
      c->busy = false;
      Close(c);
      return Refill();  // its place goes to a new connection
    }
    Release(c);
  }
};

OpenLoopDriver::OpenLoopDriver(std::string base_url, int connections, std::string bearer)
    : impl_(std::make_unique<Impl>()) {
  Impl& d = *impl_;
  // "http://HOST:PORT" (the tool talks to ejournald over plain HTTP on this machine).
  constexpr std::string_view kScheme = "http://";
  std::string_view rest(base_url);
  if (!rest.starts_with(kScheme))
    throw std::runtime_error("the load driver needs http://HOST:PORT");
  rest.remove_prefix(kScheme.size());
  while (rest.ends_with('/')) rest.remove_suffix(1);
  const size_t colon = rest.rfind(':');
  if (colon == std::string_view::npos) throw std::runtime_error("no port in " + base_url);
  d.host = std::string(rest);
  const std::string host(rest.substr(0, colon)), port(rest.substr(colon + 1));
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host.c_str(), port.c_str(), &hints, &found) != 0 || found == nullptr) {
    throw std::runtime_error("cannot resolve " + base_url);
  }
  std::memcpy(&d.addr, found->ai_addr, found->ai_addrlen);
  d.addr_len = found->ai_addrlen;
  ::freeaddrinfo(found);
  d.max_conns = static_cast<size_t>(std::max(connections, 1));
  if (!bearer.empty()) d.extra_headers = "Authorization: Bearer " + bearer + "\r\n";
  d.ep = ::epoll_create1(EPOLL_CLOEXEC);
  if (d.ep < 0) throw std::runtime_error("epoll_create1 failed");
}

OpenLoopDriver::~OpenLoopDriver() {
  for (auto& c : impl_->conns) ::close(c->fd);
  ::close(impl_->ep);
}

void OpenLoopDriver::Run(const std::function<std::optional<Job>()>& next,
                         const std::function<bool(const Job&)>& may_start,
                         const std::function<void(Answer&&)>& done) {
  Impl& d = *impl_;
  size_t open_jobs = 0;  // started (sent, sending or waiting for a connection), not answered
  std::optional<Job> upcoming = next();
  std::deque<Job> held;  // due, waiting for may_start
  auto start = [&](Job job) {
    ++open_jobs;
    d.Start(std::move(job));
  };
  std::vector<epoll_event> events(64);
  while (upcoming || !held.empty() || open_jobs > 0) {
    for (const auto now = Steady::now(); upcoming && upcoming->due <= now; upcoming = next()) {
      if (may_start(*upcoming)) {
        start(std::move(*upcoming));
      } else {
        held.push_back(std::move(*upcoming));
      }
    }
    // Answers (and failures) so far; each may let held jobs go.
    while (!d.finished.empty()) {
      std::vector<Answer> answers = std::move(d.finished);
      d.finished.clear();
      for (Answer& a : answers) {
        --open_jobs;
        done(std::move(a));
      }
      for (auto it = held.begin(); it != held.end();) {
        if (may_start(*it)) {
          start(std::move(*it));
          it = held.erase(it);
        } else {
          ++it;
        }
      }
    }
    if (open_jobs == 0 && !upcoming) {
      if (held.empty()) break;
      throw std::logic_error("jobs held back with nothing in flight to release them");
    }
    // Wait for a connection's bytes or the next job's due time.
    timespec ts{1, 0};
    timespec* timeout = open_jobs > 0 ? nullptr : &ts;
    if (upcoming) {
      const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::max(Steady::duration::zero(), upcoming->due - Steady::now()))
                          .count();
      ts = {static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
      timeout = &ts;
    }
    const int n =
        ::epoll_pwait2(d.ep, events.data(), static_cast<int>(events.size()), timeout, nullptr);
    if (n < 0 && errno != EINTR) throw std::runtime_error("epoll_pwait2 failed");
    for (int i = 0; i < n; ++i) {
      d.OnEvent(static_cast<Conn*>(events[i].data.ptr), events[i].events);
    }
  }
}

}  // namespace ejournal::load
