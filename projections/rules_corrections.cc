// The correction rules (DOMAIN.md R-COR): requests, the deputy's decisions, and the director's
// order on final marks.
#include <string>

#include "projections/rule_checker.h"

namespace ejournal::school::rules {

Status Checker::CheckCorrectionRequest(const v1::CorrectionRequested& r) {
  if (r.request_id().empty()) return Malformed("R-COR-1", "a request has its id");
  if (school_->requests.contains(r.request_id()) && !reentry_) {
    return AlreadyExists("request " + r.request_id() + " exists");
  }
  if (r.reason().empty()) return Malformed("R-COR-1", "a correction request gives its reason");
  if (r.proposal_case() == v1::CorrectionRequested::PROPOSAL_NOT_SET) {
    return Malformed("R-COR-1", "a correction request carries the proposed record");
  }
  if (!IsTeacher(*actor_)) return Deny("R-ACC-2", "corrections are requested by teachers");
  const auto& target = r.target();
  const bool remove = r.proposal_case() == v1::CorrectionRequested::kRemove;
  std::string target_key;
  const Lesson* lesson = nullptr;
  uint64_t current_seq = 0;  // the event the cell shows now
  auto lesson_cell = [&](std::string_view lesson_id) -> Status {
    lesson = school_->FindLesson(lesson_id);
    if (lesson == nullptr) return Refuse("R-LES-1", "no lesson " + std::string(lesson_id));
    if (lesson->cancelled) return Refuse("R-LES-1", "lesson " + lesson->id + " was cancelled");
    // The teacher who may write the cell: the lesson's teacher, a substitute, or a load teacher.
    if (lesson->teacher_id != actor_->id &&
        school_->SubstitutionFor(*lesson, actor_->id) == nullptr &&
        !TeachesOn(lesson->class_id, lesson->subgroup_id, lesson->subject_id, lesson->date)) {
      return Deny("R-ACC-2", "lesson " + lesson->id + " is not yours to correct");
    }
    return CheckBusinessDate(*lesson);
  };
  switch (target.target_case()) {
    case v1::CorrectionTarget::kMarkId: {
      if (r.proposal_case() != v1::CorrectionRequested::kMark && !remove) {
        return Malformed("R-COR-1", "a mark's correction proposes a mark or its removal");
      }
      target_key = "mark/" + target.mark_id();
      auto m = school_->marks.find(target.mark_id());
      if (m != school_->marks.end()) {
        EJ_RETURN_IF_ERROR(lesson_cell(m->second.lesson_id));
        const auto* v = m->second.LastValid(state_);
        current_seq = v == nullptr ? 0 : v->value_seq;
        if (v == nullptr) return Refuse("R-SEC-3", "mark " + target.mark_id() + " was invalidated");
        if (!remove && (r.mark().mark_id() != target.mark_id() ||
                        r.mark().lesson_id() != m->second.lesson_id ||
                        r.mark().student_id() != m->second.student_id)) {
          return Malformed("R-COR-1", "the proposal keeps the mark's id, lesson and student");
        }
      } else {
        // A late entry (R-MARK-3): the mark is new and enters only by approval.
        if (remove) return Refuse("R-COR-1", "no mark " + target.mark_id() + " to remove");
        if (r.mark().mark_id() != target.mark_id()) {
          return Malformed("R-COR-1", "the proposal keeps the target's mark id");
        }
        EJ_RETURN_IF_ERROR(lesson_cell(r.mark().lesson_id()));
      }
      if (!remove) EJ_RETURN_IF_ERROR(CheckMark(r.mark(), *lesson, true));
      break;
    }
    case v1::CorrectionTarget::kAttendance: {
      if (r.proposal_case() != v1::CorrectionRequested::kAttendance && !remove) {
        return Malformed("R-COR-1", "an attendance correction proposes attendance or its removal");
      }
      const auto& cell = target.attendance();
      target_key = "attendance/" + AttendanceKey(cell.lesson_id(), cell.student_id());
      EJ_RETURN_IF_ERROR(lesson_cell(cell.lesson_id()));
      EJ_RETURN_IF_ERROR(CheckStudentInLesson(*lesson, cell.student_id()));
      auto a = school_->attendance.find(AttendanceKey(cell.lesson_id(), cell.student_id()));
      if (a != school_->attendance.end()) {
        const auto* v = a->second.LastValid(state_);
        current_seq = v == nullptr ? 0 : v->value_seq;
      }
      if (!remove && (r.attendance().lesson_id() != cell.lesson_id() ||
                      r.attendance().student_id() != cell.student_id() ||
                      r.attendance().status() == v1::ATTENDANCE_STATUS_UNSPECIFIED)) {
        return Malformed("R-COR-1", "the proposal is attendance of the same lesson and student");
      }
      break;
    }
    case v1::CorrectionTarget::kLessonId: {
      if (r.proposal_case() != v1::CorrectionRequested::kLesson) {
        return Malformed("R-COR-1", "a lesson's correction proposes the lesson record");
      }
      target_key = "lesson/" + target.lesson_id();
      EJ_RETURN_IF_ERROR(lesson_cell(target.lesson_id()));
      const auto* v = lesson->record.LastValid(state_);
      current_seq = v == nullptr ? 0 : v->value_seq;
      if (r.lesson().lesson_id() != target.lesson_id() || r.lesson().topic().empty() ||
          r.lesson().kind() == v1::LESSON_KIND_UNSPECIFIED) {
        return Malformed("R-COR-1",
                         "the proposal is the same lesson's record, with topic and kind");
      }
      break;
    }
    case v1::CorrectionTarget::kHomeworkId: {
      if (r.proposal_case() != v1::CorrectionRequested::kHomework && !remove) {
        return Malformed("R-COR-1", "a homework correction proposes homework or its removal");
      }
      target_key = "homework/" + target.homework_id();
      auto h = school_->homework.find(target.homework_id());
      std::string lesson_id =
          h != school_->homework.end() ? h->second.lesson_id : r.homework().lesson_id();
      EJ_RETURN_IF_ERROR(lesson_cell(lesson_id));
      if (h != school_->homework.end()) {
        const auto* v = h->second.LastValid(state_);
        current_seq = v == nullptr ? 0 : v->value_seq;
      } else if (remove) {
        return Refuse("R-COR-1", "no homework " + target.homework_id() + " to remove");
      }
      if (!remove && (r.homework().homework_id() != target.homework_id() ||
                      r.homework().lesson_id() != lesson_id)) {
        return Malformed("R-COR-1", "the proposal keeps the homework's id and lesson");
      }
      break;
    }
    case v1::CorrectionTarget::kTermMark:
    case v1::CorrectionTarget::kExamMark:
      return Refuse("R-COR-2",
                    "term, year and attestation marks are not revised; in grades 9 and 11 "
                    "a final mark is corrected only by the director's order");
    default:
      return Malformed("R-COR-1", "a correction names its target");
  }
  const uint64_t named = state_.SequenceOf(r.original_event_id());
  if (named != current_seq) {
    return Refuse("R-COR-1", "the request names " +
                                 (r.original_event_id().empty() ? std::string("no record")
                                                                : r.original_event_id()) +
                                 " but the cell shows " +
                                 (current_seq == 0 ? std::string("no record")
                                                   : std::string(state_.EventIdOf(current_seq))) +
                                 ": reload the cell and file the request again");
  }
  for (const auto& [id, other] : school_->requests) {
    if (other.status == RequestStatus::kPending && other.target_key == target_key &&
        !state_.IsInvalid(other.seq)) {
      return Refuse("R-COR-3",
                    "request " + id + " for this cell awaits the deputy: withdraw it or wait");
    }
  }
  return Status::Ok();
}

Status Checker::CheckDecision(std::string_view request_id, bool approve) {
  auto it = school_->requests.find(std::string(request_id));
  if (it == school_->requests.end())
    return Refuse("R-COR-3", "no request " + std::string(request_id));
  const CorrectionRequest& r = it->second;
  if (state_.IsInvalid(r.seq)) {
    return Refuse("R-SEC-3", "request " + r.id + " was invalidated by a compromise Act");
  }
  if (r.status != RequestStatus::kPending) {
    return Refuse("R-COR-3", "request " + r.id + " is already decided");
  }
  if (body_.has_correction_withdrawn()) {
    if (r.requester_id != actor_->id)
      return Deny("R-ACC-2", "only the requester withdraws a request");
    return Status::Ok();
  }
  EJ_RETURN_IF_ERROR(Needs({v1::ROLE_DEPUTY}, "deciding on corrections"));
  if (r.requester_id == actor_->id) {
    return Deny("R-COR-1", "the approver is never the requester: another deputy decides");
  }
  if (approve) {
    // The cell must still show what the requester saw (the request is not stale).
    uint64_t current = 0;
    const auto& target = r.body->target();
    switch (target.target_case()) {
      case v1::CorrectionTarget::kMarkId: {
        auto m = school_->marks.find(target.mark_id());
        if (m != school_->marks.end() && m->second.LastValid(state_) != nullptr) {
          current = m->second.LastValid(state_)->value_seq;
        }
        break;
      }
      case v1::CorrectionTarget::kAttendance: {
        auto a = school_->attendance.find(
            AttendanceKey(target.attendance().lesson_id(), target.attendance().student_id()));
        if (a != school_->attendance.end() && a->second.LastValid(state_) != nullptr) {
          current = a->second.LastValid(state_)->value_seq;
        }
        break;
      }
      case v1::CorrectionTarget::kLessonId: {
        const Lesson* l = school_->FindLesson(target.lesson_id());
        if (l != nullptr && l->record.LastValid(state_) != nullptr) {
          current = l->record.LastValid(state_)->value_seq;
        }
        break;
      }
      case v1::CorrectionTarget::kHomeworkId: {
        auto h = school_->homework.find(target.homework_id());
        if (h != school_->homework.end() && h->second.LastValid(state_) != nullptr) {
          current = h->second.LastValid(state_)->value_seq;
        }
        break;
      }
      default:
        break;
    }
    if (current != r.original_seq) {
      return Refuse("R-COR-1", "the cell changed since request " + r.id +
                                   " was filed: reject it; the teacher files a new one");
    }
  } else if (body_.has_correction_rejected() && body_.correction_rejected().reason().empty()) {
    return Malformed("R-COR-3", "a rejection gives its reason");
  }
  return Status::Ok();
}

Status Checker::CheckFinalMarkCorrectionOrdered() {
  EJ_RETURN_IF_ERROR(Needs({v1::ROLE_DIRECTOR}, "ordering a final-mark correction"));
  const auto& o = body_.final_mark_correction_ordered();
  auto cls = school_->classes.find(ClassOf(o.target().student_id(), today_));
  if (cls == school_->classes.end() || (cls->second.grade != 9 && cls->second.grade != 11)) {
    return Refuse("R-COR-2", "a director's order corrects final marks in grades 9 and 11 only");
  }
  if (o.order_number().empty() || !o.has_order_date() || o.teacher_id().empty() ||
      o.deputy_id().empty() || o.teacher_explanation().title().empty() ||
      o.deputy_explanation().title().empty()) {
    return Malformed("R-COR-2",
                     "the order carries its number and date and the written "
                     "explanations of the teacher and the deputy");
  }
  auto m = school_->attestation.find(TermKey(o.target()));
  const auto* v = m == school_->attestation.end() ? nullptr : m->second.LastValid(state_);
  if (v == nullptr) return Refuse("R-COR-2", "there is no such final mark to correct");
  if (state_.SequenceOf(o.original_event_id()) != v->value_seq) {
    return Refuse("R-COR-2", "the order names " + o.original_event_id() + " but the mark shows " +
                                 std::string(state_.EventIdOf(v->value_seq)));
  }
  if (o.new_mark().has_value() && (o.new_mark().value() < 1 || o.new_mark().value() > 5)) {
    return Malformed("R-TERM-1", "a final mark is 1 to 5");
  }
  return Status::Ok();
}

}  // namespace ejournal::school::rules
