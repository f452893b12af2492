// The load tool's open-loop HTTP driver (docs/BENCHMARKS.md "Service: load").
//
// One thread sends requests at their due times over at most N keep-alive connections and collects
// the answers, with epoll. The tool used to give every connection a thread that slept until its
// request was due and then blocked for the answer (httplib's client): two context switches and
// ~80 µs of CPU a request on this virtual machine, a third of a core at 2,000 writes and 2,000
// reads a second, taken from the server it measures on the same two cores. libcurl's multi
// interface was tried first and cost more (138-204 µs of CPU a request: a liveness poll of every
// reused connection, the URL parsed again, ...). So the tool speaks the small part of HTTP/1.1 it
// needs to ejournald itself: a request with a Content-Length, an answer with a Content-Length
// (ejournald's answers always carry one), keep-alive, no pipelining.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace ejournal::load {

using Steady = std::chrono::steady_clock;

// One request to send at `due` (open-loop: its latency counts from `due`, not from when it went).
struct Job {
  size_t id = 0;
  Steady::time_point due;
  std::string path;  // e.g. "/api/v1/events"
  const std::string* body =
      nullptr;  // POST this (application/x-protobuf), kept by the caller; GET if null
};

// What became of a job.
struct Answer {
  size_t id = 0;
  int status = 0;      // the HTTP status; 0 if there was no answer (see error)
  std::string error;   // libcurl's reason when status is 0
  std::string body;    // the answer's body
  std::string timing;  // the server's X-EJournal-Timing header ("" if none)
  Steady::time_point due;
  Steady::time_point started;   // the driver handed it to libcurl (late if its thread woke late)
  Steady::time_point sent;      // its bytes began to go (after waiting for a free connection)
  Steady::time_point received;  // the whole answer was in
};

class OpenLoopDriver {
 public:
  // `base_url` like "http://127.0.0.1:8080"; `connections` at most at once (the kept-alive
  // connections, opened as needed); `bearer` added as "Authorization: Bearer ..." unless empty.
  OpenLoopDriver(std::string base_url, int connections, std::string bearer);
  ~OpenLoopDriver();
  OpenLoopDriver(const OpenLoopDriver&) = delete;
  OpenLoopDriver& operator=(const OpenLoopDriver&) = delete;

  // Sends every job `next` yields (in order of their due times; nullopt: no more), each at its due
  // time or as soon after as `may_start(job)` holds (a job held back is asked again after every
  // answer), and calls `done` with each answer. Returns when every job is answered.
  void Run(const std::function<std::optional<Job>()>& next,
           const std::function<bool(const Job&)>& may_start,
           const std::function<void(Answer&&)>& done);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ejournal::load
