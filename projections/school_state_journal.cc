// The fold of the journal events (R-LES, R-MARK, R-ATT, R-HW): lesson records, attendance, absence
// reasons, marks and homework, through the record folds the as-of page shares (record_fold.h).
#include <string>

#include "projections/school_state.h"
#include "projections/school_state_internal.h"

namespace ejournal::school {

Status SchoolState::FoldJournal(School* school, const v1::EventBody& body, uint64_t seq, int64_t,
                                std::vector<uint64_t>& deps) {
  using B = v1::EventBody;
  switch (body.payload_case()) {
    case B::kLessonConducted: {
      const auto& p = body.lesson_conducted();
      Lesson* lesson = LessonOf(*school, p.lesson_id());
      if (lesson == nullptr) return Corrupt(seq, "unknown lesson");
      deps.push_back(lesson->scheduled_seq);
      FoldLessonRecord(*lesson, p, seq);
      TouchLesson(*lesson);
      break;
    }
    case B::kAttendanceRecorded: {
      const auto& p = body.attendance_recorded();
      Lesson* lesson = LessonOf(*school, p.lesson_id());
      if (lesson == nullptr) return Corrupt(seq, "unknown lesson");
      deps.push_back(lesson->scheduled_seq);
      FoldAttendance(*school, *lesson, p, seq, key_scratch_);
      TouchCell(*lesson, p.student_id());
      break;
    }
    case B::kAbsenceReasonSet: {
      const auto& p = body.absence_reason_set();
      FoldAbsenceReasons(*school, p, seq, [&](const Attendance& a, const std::string& lesson_id) {
        const auto* v = a.Current(*this);
        if (v != nullptr) deps.push_back(v->value_seq);
        TouchCell(lesson_id, p.student_id());
      });
      break;
    }
    case B::kMarkRecorded: {
      const auto& p = body.mark_recorded();
      Lesson* lesson = LessonOf(*school, p.lesson_id());
      if (lesson == nullptr) return Corrupt(seq, "unknown lesson");
      deps.push_back(lesson->scheduled_seq);
      const uint32_t student = Intern(p.student_id());
      FoldMark(*school, *lesson, p, seq, [&](Mark& m) {
        m.student_id = names_[student];  // interned: the deque's strings never move
        Append<const Mark*>(lesson->marks, &m, 16);
        Append<uint32_t>(lesson->mark_students, student, 16);
        IndexMark(*school, *lesson, student, m);
      });
      TouchCell(*lesson, student);
      break;
    }
    case B::kHomeworkAssigned: {
      const auto& p = body.homework_assigned();
      Lesson* lesson = LessonOf(*school, p.lesson_id());
      if (lesson == nullptr) return Corrupt(seq, "unknown lesson");
      deps.push_back(lesson->scheduled_seq);
      FoldHomework(*school, *lesson, p, seq);
      TouchLesson(*lesson);
      break;
    }
    default:
      return Corrupt(seq, "not a journal event");
  }
  DependOnSubstitution(*school, body, deps);
  return Status::Ok();
}

}  // namespace ejournal::school
