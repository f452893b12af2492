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

}  // namespace ejournal

#endif  // EJOURNAL_LEDGER_CLOCK_H_
