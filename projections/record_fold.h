// The record folds shared by the live school state (projections/school_state.h) and the as-of page
// (projections/as_of.h): what one event makes of a lesson, a record or a substitution. Each side
// adds what only it keeps (the state its indexes, interned ids, dependencies and touched sets; the
// page nothing) through the `on_new` hooks, so that the two can never fold the same event
// differently (tests/synth/one_fold_test.cc).
#ifndef EJOURNAL_PROJECTIONS_RECORD_FOLD_H_
#define EJOURNAL_PROJECTIONS_RECORD_FOLD_H_

#include <cstdint>
#include <string>
#include <utility>

#include "ejournal/v1/event.pb.h"
#include "projections/school.h"
#include "schemas/status.h"

namespace ejournal::school {

// A new version of a record (its value from `value_seq`, in effect from `effective_seq`).
template <typename V>
void PushVersion(Record<V>& record, uint64_t value_seq, uint64_t effective_seq, bool removed,
                 V value) {
  record.versions.push_back(Version<V>{value_seq, effective_seq, removed, std::move(value)});
}
// A scheduled lesson's own fields (not its indexes or interned names).
Lesson ScheduledLesson(const v1::LessonScheduled& p, uint64_t seq);
// A move's new date, period and room into the lesson (what is left unset stays).
void MoveLesson(Lesson& lesson, const v1::LessonMoved& p);
MarkValue MarkValueOf(const v1::MarkRecorded& m);
AttendanceValue AttendanceValueOf(const v1::AttendanceRecorded& a);
LessonRecordValue LessonRecordValueOf(const v1::LessonConducted& c);
HomeworkValue HomeworkValueOf(const v1::HomeworkAssigned& h);
AttestationValue AttestationValueOf(const v1::AttestationMark& m);
AttestationValue AttestationValueOf(const v1::ExamMarkRecorded& e);
// A substitution's own fields (not the lessons' lists of it).
Substitution SubstitutionOf(const v1::SubstitutionAssigned& p, uint64_t seq);

// The journal's records, each folded into `lesson` of `school`: a new version of the record, made
// first if it is new (then `on_new(record)` adds what the caller keeps of it). The caller has
// resolved the lesson.
inline void FoldLessonRecord(Lesson& lesson, const v1::LessonConducted& p, uint64_t seq) {
  PushVersion(lesson.record, seq, seq, false, LessonRecordValueOf(p));
}
// `key`: a buffer reused from call to call (AttendanceKeyInto).
inline Attendance& FoldAttendance(School& school, Lesson& lesson, const v1::AttendanceRecorded& p,
                                  uint64_t seq, std::string& key) {
  AttendanceKeyInto(p.lesson_id(), p.student_id(), key);
  auto found = school.attendance.find(key);
  if (found == school.attendance.end()) {
    found = school.attendance.try_emplace(key).first;
    found->second.lesson_id = p.lesson_id();
    found->second.student_id = p.student_id();
    lesson.attendance_students.push_back(p.student_id());
  }
  PushVersion(found->second, seq, seq, false, AttendanceValueOf(p));
  return found->second;
}
// `on_new(mark)` sets the new mark's student_id (a view: of an interned name or School::KeepId)
// and lists it in the lesson.
template <typename OnNew>
Mark& FoldMark(School& school, Lesson& lesson, const v1::MarkRecorded& p, uint64_t seq,
               OnNew&& on_new) {
  auto [slot, inserted] = school.marks.try_emplace(p.mark_id());
  Mark& m = slot->second;
  if (m.versions.empty()) {
    m.mark_id = slot->first;
    m.lesson_id = lesson.id;
    on_new(m);
  }
  PushVersion(m, seq, seq, false, MarkValueOf(p));
  return m;
}
// A replacement is a new version of the homework it replaces.
inline Homework& FoldHomework(School& school, Lesson& lesson, const v1::HomeworkAssigned& p,
                              uint64_t seq) {
  const std::string& id =
      p.replaces_homework_id().empty() ? p.homework_id() : p.replaces_homework_id();
  Homework& h = school.homework[id];
  if (h.versions.empty()) {
    h.homework_id = id;
    h.lesson_id = p.lesson_id();
    lesson.homework.push_back(&h);
  }
  PushVersion(h, seq, seq, false, HomeworkValueOf(p));
  return h;
}
// The reason, on each named absence the school has; `on_each(attendance, lesson_id)` after each.
template <typename OnEach>
void FoldAbsenceReasons(School& school, const v1::AbsenceReasonSet& p, uint64_t seq,
                        OnEach&& on_each) {
  for (const auto& lesson_id : p.lesson_ids()) {
    auto a = school.attendance.find(AttendanceKey(lesson_id, p.student_id()));
    if (a == school.attendance.end()) continue;
    on_each(a->second, lesson_id);
    a->second.reasons.emplace_back(seq, p.reason());
  }
}

// Puts a correction's proposal into its target record as a version (value_seq: the request;
// effective_seq: the approval). A late entry creates the record.
[[nodiscard]] Status ApplyCorrection(School& school, const v1::CorrectionRequested& p,
                                     uint64_t value_seq, uint64_t effective_seq);

}  // namespace ejournal::school

#endif  // EJOURNAL_PROJECTIONS_RECORD_FOLD_H_
