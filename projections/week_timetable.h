// A week of lessons for a class or a teacher as people read the timetable (R-SET-1): each lesson
// with its bells, class, subject, teacher and room by name, and how it differs from the weekly
// timetable it was generated from (moved, another room, a substitute, cancelled). Pure: reads the
// school state.
#ifndef EJOURNAL_PROJECTIONS_WEEK_TIMETABLE_H_
#define EJOURNAL_PROJECTIONS_WEEK_TIMETABLE_H_

#include <string_view>

#include "ejournal/v1/setup.pb.h"
#include "projections/school.h"

namespace ejournal::school {

// The week starting on `monday` of the class `class_id` (its subgroups too), or, with `class_id`
// empty, of the teacher `teacher_id` (their own lessons and those they take as a substitute; not
// those a substitute takes from them).
v1::TimetableWeekView WeekTimetableOf(const School& school, std::string_view class_id,
                                      std::string_view teacher_id, Day monday);

}  // namespace ejournal::school

#endif  // EJOURNAL_PROJECTIONS_WEEK_TIMETABLE_H_
