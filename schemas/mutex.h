// Mutex, SharedMutex and their scoped locks: std::mutex and std::shared_mutex with clang's
// thread-safety annotations, so that `-Wthread-safety` (ops/thread-safety.sh) can check the
// project's locking.
//
// Why: a member annotated ABSL_GUARDED_BY(mu_) may be read or written only with `mu_` held, and a
// function annotated ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) called only with it held; clang checks
// that at compile time, but only for capabilities it can see being acquired and released.
// libstdc++'s std::mutex, std::lock_guard and std::unique_lock carry no annotations (libc++'s do,
// behind a macro), so locking through them is invisible to the analysis. These types add the
// annotations and nothing else: every member is inline and forwards to the std type it wraps, so
// gcc's code is that of the std types. (absl::Mutex is annotated too, but spins and wakes
// differently: on the ledger's and the server's hot paths that would be a change to measure.)
//
// The contract of each type is that of the std type it wraps:
// - Mutex: std::mutex (not recursive; unlocked by the thread that locked it).
// - SharedMutex: std::shared_mutex; Lock/Unlock exclusive, ReaderLock/ReaderUnlock shared.
// - MutexLock: holds a Mutex for its scope (std::lock_guard).
// - WriterMutexLock / ReaderMutexLock: hold a SharedMutex exclusively / shared for their scope
//   (std::unique_lock / std::shared_lock of a std::shared_mutex).
// - UniqueLock: holds a Mutex for its scope, may Unlock() and Lock() it again within it, and waits
//   on a std::condition_variable with it (std::unique_lock<std::mutex>): Wait, WaitFor and
//   WaitUntil release the mutex while they wait and hold it again when they return, as
//   std::condition_variable's wait, wait_for and wait_until do.
//
// Predicates: clang analyses a lambda as a function of its own, without the locks its caller
// holds, so a wait predicate (or a callback run under a lock) that reads guarded members says
// which lock it needs:
//
//   UniqueLock lock(&mu_);
//   lock.Wait(cv_, [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return done_; });
//
// Nothing else is checked for it: the wait calls it with the lock held, as the annotation says.
#ifndef EJOURNAL_SCHEMAS_MUTEX_H_
#define EJOURNAL_SCHEMAS_MUTEX_H_

#include <absl/base/thread_annotations.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <shared_mutex>
#include <utility>

namespace ejournal {

class ABSL_LOCKABLE Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void Lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() { mu_.lock(); }
  void Unlock() ABSL_UNLOCK_FUNCTION() { mu_.unlock(); }
  [[nodiscard]] bool TryLock() ABSL_EXCLUSIVE_TRYLOCK_FUNCTION(true) { return mu_.try_lock(); }

 private:
  friend class UniqueLock;
  std::mutex mu_;
};

class ABSL_LOCKABLE SharedMutex {
 public:
  SharedMutex() = default;
  SharedMutex(const SharedMutex&) = delete;
  SharedMutex& operator=(const SharedMutex&) = delete;

  void Lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() { mu_.lock(); }
  void Unlock() ABSL_UNLOCK_FUNCTION() { mu_.unlock(); }
  [[nodiscard]] bool TryLock() ABSL_EXCLUSIVE_TRYLOCK_FUNCTION(true) { return mu_.try_lock(); }

  void ReaderLock() ABSL_SHARED_LOCK_FUNCTION() { mu_.lock_shared(); }
  void ReaderUnlock() ABSL_UNLOCK_FUNCTION() { mu_.unlock_shared(); }
  [[nodiscard]] bool ReaderTryLock() ABSL_SHARED_TRYLOCK_FUNCTION(true) {
    return mu_.try_lock_shared();
  }

 private:
  std::shared_mutex mu_;
};

// Holds `*mu` from construction to destruction.
class ABSL_SCOPED_LOCKABLE MutexLock {
 public:
  explicit MutexLock(Mutex* mu) ABSL_EXCLUSIVE_LOCK_FUNCTION(mu) : mu_(mu) { mu_->Lock(); }
  ~MutexLock() ABSL_UNLOCK_FUNCTION() { mu_->Unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex* const mu_;
};

// Holds `*mu` exclusively from construction to destruction.
class ABSL_SCOPED_LOCKABLE WriterMutexLock {
 public:
  explicit WriterMutexLock(SharedMutex* mu) ABSL_EXCLUSIVE_LOCK_FUNCTION(mu) : mu_(mu) {
    mu_->Lock();
  }
  ~WriterMutexLock() ABSL_UNLOCK_FUNCTION() { mu_->Unlock(); }
  WriterMutexLock(const WriterMutexLock&) = delete;
  WriterMutexLock& operator=(const WriterMutexLock&) = delete;

 private:
  SharedMutex* const mu_;
};

// Holds `*mu` shared from construction to destruction.
class ABSL_SCOPED_LOCKABLE ReaderMutexLock {
 public:
  explicit ReaderMutexLock(SharedMutex* mu) ABSL_SHARED_LOCK_FUNCTION(mu) : mu_(mu) {
    mu_->ReaderLock();
  }
  ~ReaderMutexLock() ABSL_UNLOCK_FUNCTION() { mu_->ReaderUnlock(); }
  ReaderMutexLock(const ReaderMutexLock&) = delete;
  ReaderMutexLock& operator=(const ReaderMutexLock&) = delete;

 private:
  SharedMutex* const mu_;
};

// Holds `*mu` from construction, except between an Unlock() and the next Lock(), and while a
// Wait* waits; releases it at destruction if held. Not movable: one scope, one lock.
class ABSL_SCOPED_LOCKABLE UniqueLock {
 public:
  explicit UniqueLock(Mutex* mu) ABSL_EXCLUSIVE_LOCK_FUNCTION(mu) : lock_(mu->mu_) {}
  ~UniqueLock() ABSL_UNLOCK_FUNCTION() {}
  UniqueLock(const UniqueLock&) = delete;
  UniqueLock& operator=(const UniqueLock&) = delete;

  void Lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() { lock_.lock(); }
  void Unlock() ABSL_UNLOCK_FUNCTION() { lock_.unlock(); }

  // Waits for a notification of `cv` (or a spurious wake-up), the mutex released meanwhile.
  void Wait(std::condition_variable& cv) { cv.wait(lock_); }
  // Waits until `pred()` is true (checked with the mutex held, first before any wait).
  template <typename Predicate>
  void Wait(std::condition_variable& cv, Predicate pred) {
    cv.wait(lock_, std::move(pred));
  }
  // As Wait, at most `timeout`: std::cv_status::timeout if it passed.
  template <typename Rep, typename Period>
  std::cv_status WaitFor(std::condition_variable& cv,
                         const std::chrono::duration<Rep, Period>& timeout) {
    return cv.wait_for(lock_, timeout);
  }
  // As Wait, at most `timeout`: the last value of `pred()` (false: the time passed).
  template <typename Rep, typename Period, typename Predicate>
  bool WaitFor(std::condition_variable& cv, const std::chrono::duration<Rep, Period>& timeout,
               Predicate pred) {
    return cv.wait_for(lock_, timeout, std::move(pred));
  }
  // As Wait, until `deadline`: std::cv_status::timeout if it passed.
  template <typename Clock, typename Duration>
  std::cv_status WaitUntil(std::condition_variable& cv,
                           const std::chrono::time_point<Clock, Duration>& deadline) {
    return cv.wait_until(lock_, deadline);
  }
  // As Wait, until `deadline`: the last value of `pred()` (false: the time passed).
  template <typename Clock, typename Duration, typename Predicate>
  bool WaitUntil(std::condition_variable& cv,
                 const std::chrono::time_point<Clock, Duration>& deadline, Predicate pred) {
    return cv.wait_until(lock_, deadline, std::move(pred));
  }

 private:
  std::unique_lock<std::mutex> lock_;
};

}  // namespace ejournal

#endif  // EJOURNAL_SCHEMAS_MUTEX_H_
