// The lessons the timetable gives (R-SET-1): from the weekly slots valid on each day, skipping
// holidays and days off, the LessonScheduled events a methodist would record for a range of days,
// with the next planned topic of the КТП (R-PLAN-1), and the cancellations of lessons generated
// earlier that the timetable no longer gives (a change from a date moves only later lessons).
// Pure: reads the school, writes nothing; the caller has the bodies signed and submitted.
#ifndef EJOURNAL_PROJECTIONS_LESSON_GENERATION_H_
#define EJOURNAL_PROJECTIONS_LESSON_GENERATION_H_

#include <string>
#include <vector>

#include "ejournal/v1/event.pb.h"
#include "projections/school.h"

namespace ejournal::school {

struct GeneratedLessons {
  // LessonCancelled for generated lessons the timetable no longer gives, then LessonScheduled in
  // date and period order; payload and business_date set.
  std::vector<v1::EventBody> bodies;
  int scheduled = 0;
  int cancelled = 0;
  int already = 0;  // lessons the timetable gives that are scheduled already
  // Days with slots but no lessons, and why ("04.11.2026: День народного единства (...)").
  std::vector<std::string> days_off;
  // Lessons that no longer match the timetable but have records, left as they are.
  std::vector<std::string> kept;
};

// The id of the lesson a slot gives on a day: "<slot id>:<YYYY-MM-DD>" (so that generating twice
// gives the same lessons, and a re-generation recognises its own).
std::string GeneratedLessonId(const std::string& slot_id, Day day);

// R-PLAN-1: the КТП topic of `lesson`: the plan of its class-subject for its term (else for the
// year), each topic repeated by its hours, taken in the order of the group's lessons not cancelled
// from the plan's first day; "" when there is none. For lessons scheduled before the plan was
// recorded (a lesson scheduled after it carries its topic).
std::string PlannedTopicOf(const School& school, const Lesson& lesson);

// The lessons of [from, to] (inclusive) by the timetable as the school state has it.
GeneratedLessons GenerateLessons(const School& school, Day from, Day to);

}  // namespace ejournal::school

#endif  // EJOURNAL_PROJECTIONS_LESSON_GENERATION_H_
