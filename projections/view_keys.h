// The keys of the `views` column family (projections/README.md "Keys of the views column
// family"), built in one place for the writer (views.cc) and the reader (view_reader.cc); internal
// to projections/.
#ifndef EJOURNAL_PROJECTIONS_VIEW_KEYS_H_
#define EJOURNAL_PROJECTIONS_VIEW_KEYS_H_

#include <algorithm>
#include <initializer_list>
#include <string>
#include <string_view>

#include "projections/school.h"
#include "projections/views.h"

namespace ejournal::school {

// The parts appended to `out` (absl::StrAppend would, but Debian's absl has its own
// string_view): a replay builds millions of view keys, into one buffer per batch.
inline void Append(std::string& out, std::initializer_list<std::string_view> parts) {
  size_t size = out.size();
  for (std::string_view p : parts) size += p.size();
  if (size > out.capacity()) out.reserve(std::max(size, 2 * out.capacity()));
  for (std::string_view p : parts) out.append(p);
}

// The parts in one string sized once.
inline std::string Concat(std::initializer_list<std::string_view> parts) {
  std::string out;
  Append(out, parts);
  return out;
}

inline std::string GroupOf(std::string_view school_id, std::string_view class_id,
                           std::string_view subgroup_id, std::string_view subject_id) {
  return Concat({school_id, "/", class_id, "/", subgroup_id, "/", subject_id, "/"});
}

inline void AppendLessonKey(std::string& out, std::string_view school_id, const Lesson& l, Day day,
                            int period) {
  Append(out, {"L/", school_id, "/", l.class_id, "/", l.subgroup_id, "/", l.subject_id, "/",
               DayPeriodKey(day, period), "/", l.id});
}

inline void AppendCellKey(std::string& out, std::string_view school_id, const Lesson& l,
                          std::string_view student) {
  Append(out, {"C/", school_id, "/", l.class_id, "/", l.subgroup_id, "/", l.subject_id, "/",
               DayPeriodKey(l.date, l.period), "/", l.id, "/", student});
}

inline void AppendClassDayKey(std::string& out, std::string_view school_id, const Lesson& l,
                              Day day, int period) {
  Append(out, {"K/", school_id, "/", l.class_id, "/", DayPeriodKey(day, period), "/", l.id});
}

inline void AppendAttestationKey(std::string& out, std::string_view school_id,
                                 std::string_view student, std::string_view key) {
  Append(out, {"T/", school_id, "/", student, "/", key});
}

inline std::string AttestationKey(std::string_view school_id, std::string_view student,
                                  std::string_view key) {
  return Concat({"T/", school_id, "/", student, "/", key});
}

// The keys of one lesson's column and of a student's cell in it, from the page's group
// ("<school>/<class>/<subgroup>/<subject>/") and the lesson's DayPeriodKey.
inline std::string LessonKeyOfGroup(std::string_view group, std::string_view dp,
                                    std::string_view lesson_id) {
  return Concat({"L/", group, dp, "/", lesson_id});
}
inline std::string CellKeyOfGroup(std::string_view group, std::string_view dp,
                                  std::string_view lesson_id, std::string_view student_id) {
  return Concat({"C/", group, dp, "/", lesson_id, "/", student_id});
}
// The prefix of a class's diary index ("K/<school>/<class>/"), and of a student's term marks.
inline std::string ClassDayPrefix(std::string_view school_id, std::string_view class_id) {
  return Concat({"K/", school_id, "/", class_id, "/"});
}
inline std::string AttestationPrefix(std::string_view school_id, std::string_view student_id) {
  return Concat({"T/", school_id, "/", student_id, "/"});
}

}  // namespace ejournal::school

#endif  // EJOURNAL_PROJECTIONS_VIEW_KEYS_H_
