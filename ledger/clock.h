// The clock seam: the ledger and admission read time only through a Clock, so tests can inject one.
#ifndef EJOURNAL_LEDGER_CLOCK_H_
#define EJOURNAL_LEDGER_CLOCK_H_

#include <cstdint>

namespace ejournal {

// Thread-safe source of the current time.
class Clock {
 public:
  virtual ~Clock() = default;
  // Microseconds since the Unix epoch, UTC.
  virtual int64_t NowMicros() const = 0;
};

// The system's real-time clock. The default Clock of every component.
class SystemClock final : public Clock {
 public:
  int64_t NowMicros() const override;
  // A process-wide instance (never destroyed).
  static SystemClock* Default();
};

// The system clock shifted so that it read `start_us` when it was made, running at real speed.
// Benchmarks only (`ejournald --bench-clock-start`, tools/load_bench.sh): a generated school day is
// replayed at its own date, so the school rules' time windows (R-TIME-1) hold as they did then.
class OffsetClock final : public Clock {
 public:
  explicit OffsetClock(int64_t start_us)
      : offset_us_(start_us - SystemClock::Default()->NowMicros()) {}
  int64_t NowMicros() const override { return SystemClock::Default()->NowMicros() + offset_us_; }

 private:
  const int64_t offset_us_;
};

}  // namespace ejournal

#endif  // EJOURNAL_LEDGER_CLOCK_H_
