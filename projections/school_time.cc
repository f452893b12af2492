#include "projections/school_time.h"

#include <date/date.h>
#include <date/tz.h>

#include <chrono>
#include <cstdio>
#include <exception>

namespace ejournal::school {
namespace {

using Micros = std::chrono::duration<int64_t, std::micro>;

date::sys_days SysDays(Day day) { return date::sys_days{date::days{day}}; }

}  // namespace

Result<Day> DayOf(const v1::Date& d) {
  if (d.year() < 1900 || d.year() > 2999) {
    return Err(StatusCode::kInvalidArgument,
               "Год " + std::to_string(d.year()) + " вне допустимого диапазона (1900–2999)",
               "R-TIME-1");
  }
  date::year_month_day ymd{date::year{d.year()}, date::month{static_cast<unsigned>(d.month())},
                           date::day{static_cast<unsigned>(d.day())}};
  if (d.month() < 1 || d.month() > 12 || d.day() < 1 || !ymd.ok()) {
    return Err(StatusCode::kInvalidArgument,
               "Такой даты нет в календаре: " + std::to_string(d.day()) + "." +
                   std::to_string(d.month()) + "." + std::to_string(d.year()),
               "R-TIME-1");
  }
  return static_cast<Day>(date::sys_days{ymd}.time_since_epoch().count());
}

v1::Date DateOf(Day day) {
  date::year_month_day ymd{SysDays(day)};
  v1::Date d;
  d.set_year(static_cast<int>(ymd.year()));
  d.set_month(static_cast<int>(static_cast<unsigned>(ymd.month())));
  d.set_day(static_cast<int>(static_cast<unsigned>(ymd.day())));
  return d;
}

std::string RuDate(Day day) {
  if (day == kNoDay || day == kForever) return "—";
  v1::Date d = DateOf(day);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d.%02d.%04d", d.day(), d.month(), d.year());
  return buf;
}

std::string_view RuWeekday(int weekday) {
  static constexpr std::string_view kNames[] = {"понедельник", "вторник", "среда",      "четверг",
                                                "пятница",     "суббота", "воскресенье"};
  return weekday >= 1 && weekday <= 7 ? kNames[weekday - 1] : std::string_view();
}

std::string DayString(Day day) {
  if (day == kNoDay) return "-";
  if (day == kForever) return "forever";
  v1::Date d = DateOf(day);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", d.year(), d.month(), d.day());
  return buf;
}

int WeekdayOf(Day day) { return static_cast<int>(date::weekday{SysDays(day)}.iso_encoding()); }

Day WeekStart(Day day) { return day - (WeekdayOf(day) - 1); }

Result<SchoolZone> SchoolZone::Find(std::string_view iana_name) {
  SchoolZone zone;
  if (iana_name == "UTC" || iana_name == "Etc/UTC") return zone;
  try {
    zone.zone_ = date::locate_zone(iana_name);
  } catch (const std::exception&) {
    return Err(StatusCode::kInvalidArgument,
               "Неизвестный часовой пояс «" + std::string(iana_name) +
                   "»: укажите имя пояса IANA, например Europe/Moscow или Asia/Anadyr",
               "R-TIME-1");
  }
  zone.name_ = std::string(iana_name);
  return zone;
}

Day SchoolZone::LocalDay(int64_t unix_us) const {
  date::sys_time<Micros> t{Micros{unix_us}};
  if (zone_ == nullptr)
    return static_cast<Day>(date::floor<date::days>(t).time_since_epoch().count());
  auto local = zone_->to_local(t);
  return static_cast<Day>(date::floor<date::days>(local).time_since_epoch().count());
}

int SchoolZone::LocalMinutes(int64_t unix_us) const {
  date::sys_time<Micros> t{Micros{unix_us}};
  Micros since_midnight{};
  if (zone_ == nullptr) {
    since_midnight = t - date::floor<date::days>(t);
  } else {
    auto local = zone_->to_local(t);
    since_midnight = local - date::floor<date::days>(local);
  }
  return static_cast<int>(since_midnight.count() / kMicrosPerMinute);
}

int64_t SchoolZone::InstantOf(Day day, int minutes) const {
  date::local_time<Micros> local{Micros{int64_t{day} * kMicrosPerDay + minutes * kMicrosPerMinute}};
  if (zone_ == nullptr) return local.time_since_epoch().count();
  auto info = zone_->get_info(local);
  switch (info.result) {
    case date::local_info::unique:
    case date::local_info::ambiguous:  // the earlier of the two
      return (local - info.first.offset).time_since_epoch().count();
    case date::local_info::nonexistent:  // in the gap: the moment the clocks jumped
    default:
      return date::sys_time<Micros>(info.second.begin).time_since_epoch().count();
  }
}

}  // namespace ejournal::school
