// School time (R-TIME-1): calendar days and instants in a school's own IANA time zone.
//
// Every rule about "the day", "one hour after the last lesson" or "within 3 days" is evaluated in
// the school's zone (a school in Chukotka is UTC+12): an event's system time (the ledger's
// recorded-at, UTC microseconds) is turned into a school-local day and minute, and a lesson's date
// and bell period into an instant. Dates are `Day`s: days since 1970-01-01 (the proleptic Gregorian
// calendar), so that "date + 3 days" is plain arithmetic.
//
// Thread-safety: a SchoolZone is immutable; share it freely. The zone database is the OS one
// (Debian `tzdata`, date/tz built with USE_OS_TZDB).
#ifndef EJOURNAL_PROJECTIONS_SCHOOL_TIME_H_
#define EJOURNAL_PROJECTIONS_SCHOOL_TIME_H_

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "ejournal/v1/common.pb.h"
#include "schemas/status.h"

namespace date {
class time_zone;
}

namespace ejournal::school {

// Days since 1970-01-01.
using Day = int32_t;
inline constexpr Day kNoDay = std::numeric_limits<Day>::min();
inline constexpr Day kForever = std::numeric_limits<Day>::max();
inline constexpr int64_t kMicrosPerMinute = 60'000'000;
inline constexpr int64_t kMicrosPerDay = 24 * 60 * kMicrosPerMinute;

// A valid calendar date (year 1900..2999) as a Day; kInvalidArgument otherwise.
[[nodiscard]] Result<Day> DayOf(const v1::Date& date);
// The date of a Day.
v1::Date DateOf(Day day);
// "2025-09-01".
std::string DayString(Day day);
// "01.09.2025": the date as Russian documents write it.
std::string RuDate(Day day);
// ISO weekday: Monday 1 .. Sunday 7.
int WeekdayOf(Day day);
// "понедельник" .. "воскресенье" for ISO weekday 1..7; "" otherwise.
std::string_view RuWeekday(int weekday);
// The Monday of `day`'s week.
Day WeekStart(Day day);

class SchoolZone {
 public:
  // kInvalidArgument (R-TIME-1) for a name the zone database does not know.
  [[nodiscard]] static Result<SchoolZone> Find(std::string_view iana_name);
  SchoolZone() = default;  // UTC

  const std::string& name() const { return name_; }
  // The school-local day of an instant.
  Day LocalDay(int64_t unix_us) const;
  // Minutes since local midnight of an instant.
  int LocalMinutes(int64_t unix_us) const;
  // The instant of `minutes` after the start of local day `day`; 24*60 is the end of the day.
  // In a DST gap or overlap, the earliest instant that is not before the wall time.
  int64_t InstantOf(Day day, int minutes) const;

 private:
  std::string name_ = "UTC";
  const date::time_zone* zone_ = nullptr;  // null: UTC
};

}  // namespace ejournal::school

#endif  // EJOURNAL_PROJECTIONS_SCHOOL_TIME_H_
