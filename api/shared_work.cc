#include "api/shared_work.h"

#include <pthread.h>

#include <algorithm>

namespace ejournal::api {

SharedWork::SharedWork(size_t helpers, const std::string& thread_name) {
  threads_.reserve(helpers);
  for (size_t i = 0; i < helpers; ++i) {
    threads_.emplace_back([this, thread_name] {
      pthread_setname_np(pthread_self(), thread_name.substr(0, 15).c_str());
      Helper();
    });
  }
}

SharedWork::~SharedWork() {
  {
    MutexLock lock(&mu_);
    stopping_ = true;
  }
  work_cv_.notify_all();
  for (std::thread& t : threads_) t.join();
}

bool SharedWork::Claim(Job& job, size_t* begin, size_t* end) {
  if (job.next >= job.n) {  // (then it is no longer queued: its last claim dropped it)
    auto it = std::find(jobs_.begin(), jobs_.end(), &job);
    if (it != jobs_.end()) jobs_.erase(it);
    return false;
  }
  *begin = job.next;
  *end = std::min(job.n, job.next + job.chunk);
  job.next = *end;
  ++job.running;
  if (job.next >= job.n) {
    auto it = std::find(jobs_.begin(), jobs_.end(), &job);
    if (it != jobs_.end()) jobs_.erase(it);
  }
  return true;
}

void SharedWork::ForEach(size_t n, size_t chunk, const std::function<void(size_t)>& fn) {
  if (n == 0) return;
  Job job;
  job.n = n;
  job.chunk = std::max<size_t>(1, chunk);
  job.fn = &fn;
  UniqueLock lock(&mu_);
  // Worth sharing only if there is more than the caller's first chunk and someone to share with.
  const bool shared = !threads_.empty() && !stopping_ && n > job.chunk;
  if (shared) {
    jobs_.push_back(&job);
    lock.Unlock();
    work_cv_.notify_all();
    lock.Lock();
  }
  size_t begin = 0, end = 0;
  size_t mine = 0;
  while (Claim(job, &begin, &end)) {
    lock.Unlock();
    for (size_t i = begin; i < end; ++i) fn(i);
    mine += end - begin;
    lock.Lock();
    --job.running;
  }
  counters_.by_callers += mine;
  // Chunks that helpers claimed may still run: `job` lives until they are done.
  lock.Wait(done_cv_, [&] { return job.running == 0; });
}

void SharedWork::Helper() {
  UniqueLock lock(&mu_);
  for (;;) {
    lock.Wait(work_cv_,
              [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_ || !jobs_.empty(); });
    if (stopping_) return;  // a queued job's caller claims what is left itself
    Job& job = *jobs_.front();
    size_t begin = 0, end = 0;
    if (!Claim(job, &begin, &end)) continue;
    const std::function<void(size_t)>& fn = *job.fn;
    lock.Unlock();
    for (size_t i = begin; i < end; ++i) fn(i);
    lock.Lock();
    counters_.by_helpers += end - begin;
    if (--job.running == 0) done_cv_.notify_all();
  }
}

SharedWork::Counters SharedWork::counters() const {
  MutexLock lock(&mu_);
  return counters_;
}

}  // namespace ejournal::api
