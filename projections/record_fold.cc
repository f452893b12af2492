#include "projections/record_fold.h"

#include <string>

#include "projections/school_state_internal.h"

namespace ejournal::school {

MarkValue MarkValueOf(const v1::MarkRecorded& m) {
  MarkValue v;
  v.value = m.value().value();
  v.second_value = m.value().second_value();
  v.work_type = m.work_type();
  v.weight_percent = m.weight_percent();
  v.comment = m.comment();
  return v;
}

AttendanceValue AttendanceValueOf(const v1::AttendanceRecorded& a) {
  return AttendanceValue{a.status(), a.minutes_late()};
}

LessonRecordValue LessonRecordValueOf(const v1::LessonConducted& c) {
  LessonRecordValue v;
  v.topic = c.topic();
  v.kind = c.kind();
  v.order_number = c.order_number();
  for (const auto& w : c.works()) {
    v.works.push_back(w.work_type());
    if (w.whole_class()) v.whole_class_works.push_back(w.work_type());
  }
  return v;
}

HomeworkValue HomeworkValueOf(const v1::HomeworkAssigned& h) {
  HomeworkValue v;
  v.text = h.text();
  v.due = DayOr(h.due_date(), kNoDay);
  v.due_lesson_id = h.due_lesson_id();
  v.student_ids.assign(h.student_ids().begin(), h.student_ids().end());
  for (const auto& a : h.attachments()) {
    v.attachments.push_back({a.sha256(), a.file_name(), a.media_type(), a.size_bytes()});
  }
  return v;
}

AttestationValue AttestationValueOf(const v1::AttestationMark& m) {
  AttestationValue v;
  if (m.has_value()) v.value = m.value();
  if (m.result_case() == v1::AttestationMark::kStatus) v.status = m.status();
  return v;
}

AttestationValue AttestationValueOf(const v1::ExamMarkRecorded& e) {
  AttestationValue v;
  if (e.has_mark()) {
    v.value = e.mark().value();
    v.second_value = e.mark().second_value();
  } else {
    v.status = e.status();
  }
  return v;
}

Lesson ScheduledLesson(const v1::LessonScheduled& p, uint64_t seq) {
  Lesson l;
  l.id = p.lesson_id();
  l.class_id = p.class_id();
  l.subgroup_id = PageSubgroupOf(p.subgroup_id(), p.individual_student_id());
  l.subject_id = p.subject_id();
  l.teacher_id = p.teacher_id();
  l.individual_student_id = p.individual_student_id();
  l.timetable_slot_id = p.timetable_slot_id();
  l.room = p.room();
  l.planned_topic = p.planned_topic();
  l.date = DayOr(p.date(), kNoDay);
  l.period = p.period();
  l.scheduled_seq = seq;
  return l;
}

void MoveLesson(Lesson& lesson, const v1::LessonMoved& p) {
  lesson.date = DayOr(p.new_date(), lesson.date);
  if (p.new_period() != 0) lesson.period = p.new_period();
  if (!p.new_room().empty()) lesson.room = p.new_room();
}

Substitution SubstitutionOf(const v1::SubstitutionAssigned& p, uint64_t seq) {
  Substitution s;
  s.id = p.substitution_id();
  s.absent_teacher_id = p.absent_teacher_id();
  s.substitute_teacher_id = p.substitute_teacher_id();
  s.lesson_ids.assign(p.lesson_ids().begin(), p.lesson_ids().end());
  s.seq = seq;
  return s;
}

Status ApplyCorrection(School& school, const v1::CorrectionRequested& p, uint64_t value_seq,
                       uint64_t effective_seq) {
  const bool removed = p.proposal_case() == v1::CorrectionRequested::kRemove;
  const auto& target = p.target();
  switch (target.target_case()) {
    case v1::CorrectionTarget::kMarkId: {
      auto [slot, inserted] = school.marks.try_emplace(target.mark_id());
      Mark& m = slot->second;
      if (m.versions.empty()) {  // a late entry (R-MARK-3): the mark is new
        auto lesson = school.lessons.find(p.mark().lesson_id());
        if (lesson == school.lessons.end()) {
          if (inserted) school.marks.erase(slot);  // nothing of it stays
          return Corrupt(value_seq, "unknown lesson");
        }
        m.mark_id = slot->first;
        m.lesson_id = lesson->second.id;
        m.student_id = school.KeepId(p.mark().student_id());
        lesson->second.marks.push_back(&m);
      }
      PushVersion(m, value_seq, effective_seq, removed,
                  removed ? MarkValue{} : MarkValueOf(p.mark()));
      break;
    }
    case v1::CorrectionTarget::kAttendance: {
      const auto& cell = target.attendance();
      Attendance& a = school.attendance[AttendanceKey(cell.lesson_id(), cell.student_id())];
      if (a.versions.empty()) {
        a.lesson_id = cell.lesson_id();
        a.student_id = cell.student_id();
        auto lesson = school.lessons.find(a.lesson_id);
        if (lesson == school.lessons.end()) return Corrupt(value_seq, "unknown lesson");
        lesson->second.attendance_students.push_back(a.student_id);
      }
      PushVersion(a, value_seq, effective_seq, removed,
                  removed ? AttendanceValue{} : AttendanceValueOf(p.attendance()));
      break;
    }
    case v1::CorrectionTarget::kLessonId: {
      auto lesson = school.lessons.find(target.lesson_id());
      if (lesson == school.lessons.end()) return Corrupt(value_seq, "unknown lesson");
      PushVersion(lesson->second.record, value_seq, effective_seq, removed,
                  removed ? LessonRecordValue{} : LessonRecordValueOf(p.lesson()));
      break;
    }
    case v1::CorrectionTarget::kHomeworkId: {
      Homework& h = school.homework[target.homework_id()];
      if (h.versions.empty()) {
        h.homework_id = target.homework_id();
        h.lesson_id = p.homework().lesson_id();
        auto lesson = school.lessons.find(h.lesson_id);
        if (lesson == school.lessons.end()) return Corrupt(value_seq, "unknown lesson");
        lesson->second.homework.push_back(&h);
      }
      PushVersion(h, value_seq, effective_seq, removed,
                  removed ? HomeworkValue{} : HomeworkValueOf(p.homework()));
      break;
    }
    case v1::CorrectionTarget::kTermMark: {
      AttestationMark& m = school.attestation[TermKey(target.term_mark())];
      PushVersion(m, value_seq, effective_seq, removed,
                  removed ? AttestationValue{} : AttestationValueOf(p.term_mark().mark()));
      break;
    }
    case v1::CorrectionTarget::kExamMark: {
      AttestationMark& m = school.attestation[ExamKey(target.exam_mark())];
      PushVersion(m, value_seq, effective_seq, removed,
                  removed ? AttestationValue{} : AttestationValueOf(p.exam_mark()));
      break;
    }
    default:
      return Corrupt(value_seq, "correction without a target");
  }
  return Status::Ok();
}

}  // namespace ejournal::school
