// A clock that moves only when the test says so.
#ifndef EJOURNAL_TESTS_SUPPORT_MANUAL_CLOCK_H_
#define EJOURNAL_TESTS_SUPPORT_MANUAL_CLOCK_H_

#include <atomic>
#include <cstdint>

#include "ledger/clock.h"

namespace ejournal::testing {

class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t now_us = 1'788'000'000'000'000) : now_us_(now_us) {}
  int64_t NowMicros() const override { return now_us_.load(); }
  void Set(int64_t now_us) { now_us_.store(now_us); }
  void Advance(int64_t delta_us) { now_us_.fetch_add(delta_us); }

 private:
  std::atomic<int64_t> now_us_;
};

}  // namespace ejournal::testing

#endif  // EJOURNAL_TESTS_SUPPORT_MANUAL_CLOCK_H_
