// SharedWork: runs the items of a job on the calling thread and on whichever of a few helper
// threads are free, so that a lone batch's signature checks use every core (batch ingest
// against the machine's Ed25519 limit on both cores; docs/BENCHMARKS.md "Service: load").
//
// Why: each batch of POST /api/v1/events:batch was checked on the HTTP worker that received it,
// one event after another. While several batches arrive at once the cores are all busy, but a
// batch alone (one teacher's upload, or the last batch of a bulk load) ran on one core while the
// other idled: the batch took twice as long as it needed to, and a bulk load's tail cost ~2 % of
// its throughput on this 2-core machine.
//
// How: ForEach(n, chunk, fn) queues the job and claims chunks of `chunk` consecutive items itself;
// a free helper claims the next unclaimed chunk of the oldest job. ForEach returns once every
// chunk has run (fn(i) exactly once for each i in [0, n)), so `fn` and what it writes may live on
// the caller's stack. A helper busy with another job's chunk is not waited for: the caller claims
// the rest itself. With no helpers (or while they stop) the caller runs everything.
//
// Thread-safety: ForEach from any number of threads at once; `fn` must be safe to run on several
// threads at once for different items. The destructor stops the helpers (a ForEach still running
// then finishes on its caller).
#ifndef EJOURNAL_API_SHARED_WORK_H_
#define EJOURNAL_API_SHARED_WORK_H_

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "schemas/mutex.h"

namespace ejournal::api {

class SharedWork {
 public:
  // `helpers` threads named `thread_name` (at most 15 characters, pthread's limit).
  SharedWork(size_t helpers, const std::string& thread_name);
  ~SharedWork();
  SharedWork(const SharedWork&) = delete;
  SharedWork& operator=(const SharedWork&) = delete;

  void ForEach(size_t n, size_t chunk, const std::function<void(size_t)>& fn)
      ABSL_LOCKS_EXCLUDED(mu_);

  // Items run by the helpers and by the callers so far (for tests and /metrics).
  struct Counters {
    size_t by_helpers = 0, by_callers = 0;
  };
  Counters counters() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  // `next` and `running` are guarded by the SharedWork's mu_ (not ABSL_GUARDED_BY: the analysis
  // cannot name it from a Job).
  struct Job {
    size_t n = 0, chunk = 1;
    const std::function<void(size_t)>* fn = nullptr;
    size_t next = 0;     // the first unclaimed item
    size_t running = 0;  // chunks claimed and not yet finished
  };
  // Claims the next chunk of `job`: [*begin, *end). False when none is left. Drops the job from
  // the queue when this claim was its last.
  bool Claim(Job& job, size_t* begin, size_t* end) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Helper() ABSL_LOCKS_EXCLUDED(mu_);

  mutable Mutex mu_;
  std::condition_variable work_cv_;             // a job was queued, or stopping
  std::condition_variable done_cv_;             // a chunk finished
  std::deque<Job*> jobs_ ABSL_GUARDED_BY(mu_);  // jobs with unclaimed chunks, oldest first
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  Counters counters_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread> threads_;
};

}  // namespace ejournal::api

#endif  // EJOURNAL_API_SHARED_WORK_H_
