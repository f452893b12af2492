// The correction rules (DOMAIN.md R-COR): requests, the deputy's decisions, and the director's
// order on final marks.
#include <string>

#include "projections/rule_checker.h"

namespace ejournal::school::rules {

Status Checker::CheckCorrectionRequest(const v1::CorrectionRequested& r) {
  if (r.request_id().empty()) return Malformed("R-COR-1", "У заявки нет идентификатора");
  if (school_->requests.contains(r.request_id()) && !reentry_) {
    return AlreadyExists("Эта заявка уже подана");
  }
  if (r.reason().empty()) return Malformed("R-COR-1", "В заявке на исправление укажите причину");
  if (r.proposal_case() == v1::CorrectionRequested::PROPOSAL_NOT_SET) {
    return Malformed("R-COR-1", "В заявке на исправление нет предлагаемой записи");
  }
  if (!IsTeacher(*actor_)) return Deny("R-ACC-2", "Заявку на исправление подаёт учитель");
  const auto& target = r.target();
  const bool remove = r.proposal_case() == v1::CorrectionRequested::kRemove;
  std::string target_key;
  const Lesson* lesson = nullptr;
  uint64_t current_seq = 0;  // the event the cell shows now
  auto lesson_cell = [&](std::string_view lesson_id) -> Status {
    lesson = school_->FindLesson(lesson_id);
    if (lesson == nullptr) {
      return Refuse("R-LES-1", "Нет такого урока: «" + std::string(lesson_id) + "»");
    }
    if (lesson->cancelled) {
      return Refuse("R-LES-1", "Урок отменён: " + school_->LessonText(lesson->id));
    }
    // The teacher who may write the cell: the lesson's teacher, a substitute, or a load teacher.
    if (lesson->teacher_id != actor_->id &&
        school_->SubstitutionFor(*lesson, actor_->id) == nullptr &&
        !TeachesOn(lesson->class_id, lesson->subgroup_id, lesson->subject_id, lesson->date)) {
      return Deny("R-ACC-2",
                  "Исправлять записи этого урока может только его учитель или тот, кто "
                  "его заменял: " +
                      school_->LessonText(lesson->id));
    }
    return CheckBusinessDate(*lesson);
  };
  switch (target.target_case()) {
    case v1::CorrectionTarget::kMarkId: {
      if (r.proposal_case() != v1::CorrectionRequested::kMark && !remove) {
        return Malformed("R-COR-1", "Исправление отметки предлагает новую отметку или её удаление");
      }
      target_key = "mark/" + target.mark_id();
      auto m = school_->marks.find(target.mark_id());
      if (m != school_->marks.end()) {
        EJ_RETURN_IF_ERROR(lesson_cell(m->second.lesson_id));
        const auto* v = m->second.LastValid(state_);
        current_seq = v == nullptr ? 0 : v->value_seq;
        if (v == nullptr) {
          return Refuse("R-SEC-3", "Эта отметка признана недействительной актом о компрометации");
        }
        if (!remove && (r.mark().mark_id() != target.mark_id() ||
                        r.mark().lesson_id() != m->second.lesson_id ||
                        r.mark().student_id() != m->second.student_id)) {
          return Malformed("R-COR-1", "Исправленная отметка — на том же уроке и у того же ученика");
        }
      } else {
        // A late entry (R-MARK-3): the mark is new and enters only by approval.
        if (remove) return Refuse("R-COR-1", "Удалять нечего: такой отметки нет");
        if (r.mark().mark_id() != target.mark_id()) {
          return Malformed("R-COR-1", "Исправленная отметка сохраняет свой идентификатор");
        }
        EJ_RETURN_IF_ERROR(lesson_cell(r.mark().lesson_id()));
      }
      if (!remove) EJ_RETURN_IF_ERROR(CheckMark(r.mark(), *lesson, true));
      break;
    }
    case v1::CorrectionTarget::kAttendance: {
      if (r.proposal_case() != v1::CorrectionRequested::kAttendance && !remove) {
        return Malformed(
            "R-COR-1", "Исправление посещаемости предлагает отметку посещаемости или её удаление");
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
        return Malformed("R-COR-1", "Исправление посещаемости — для того же урока и ученика");
      }
      break;
    }
    case v1::CorrectionTarget::kLessonId: {
      if (r.proposal_case() != v1::CorrectionRequested::kLesson) {
        return Malformed("R-COR-1", "Исправление урока предлагает запись урока");
      }
      target_key = "lesson/" + target.lesson_id();
      EJ_RETURN_IF_ERROR(lesson_cell(target.lesson_id()));
      const auto* v = lesson->record.LastValid(state_);
      current_seq = v == nullptr ? 0 : v->value_seq;
      if (r.lesson().lesson_id() != target.lesson_id() || r.lesson().topic().empty() ||
          r.lesson().kind() == v1::LESSON_KIND_UNSPECIFIED) {
        return Malformed("R-COR-1", "Исправление урока — для того же урока, с темой и видом урока");
      }
      break;
    }
    case v1::CorrectionTarget::kHomeworkId: {
      if (r.proposal_case() != v1::CorrectionRequested::kHomework && !remove) {
        return Malformed("R-COR-1",
                         "Исправление домашнего задания предлагает задание или его удаление");
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
        return Refuse("R-COR-1", "Удалять нечего: такого домашнего задания нет");
      }
      if (!remove && (r.homework().homework_id() != target.homework_id() ||
                      r.homework().lesson_id() != lesson_id)) {
        return Malformed("R-COR-1", "Исправленное задание — то же задание того же урока");
      }
      if (!remove) EJ_RETURN_IF_ERROR(CheckHomeworkFiles(r.homework()));
      break;
    }
    case v1::CorrectionTarget::kTermMark:
    case v1::CorrectionTarget::kExamMark:
      return Refuse("R-COR-2",
                    "Отметки за период, год и аттестацию не исправляются; в 9 и 11 классах "
                    "итоговую отметку исправляют только приказом директора");
    default:
      return Malformed("R-COR-1", "Не указано, что исправляется");
  }
  const uint64_t named = state_.SequenceOf(r.original_event_id());
  if (named != current_seq) {
    return Refuse("R-COR-1",
                  "С тех пор как вы открыли ячейку, в ней появилась другая запись: обновите "
                  "страницу и подайте заявку снова");
  }
  for (const auto& [id, other] : school_->requests) {
    if (other.status == RequestStatus::kPending && other.target_key == target_key &&
        !state_.IsInvalid(other.seq)) {
      return Refuse("R-COR-3",
                    "По этой ячейке уже есть заявка, она ждёт решения завуча: отзовите её или "
                    "дождитесь решения");
    }
  }
  return Status::Ok();
}

Status Checker::CheckDecision(std::string_view request_id, bool approve) {
  auto it = school_->requests.find(std::string(request_id));
  if (it == school_->requests.end())
    return Refuse("R-COR-3", "Нет такой заявки: «" + std::string(request_id) + "»");
  const CorrectionRequest& r = it->second;
  if (state_.IsInvalid(r.seq)) {
    return Refuse("R-SEC-3", "Заявка признана недействительной актом о компрометации");
  }
  if (r.status != RequestStatus::kPending) {
    return Refuse("R-COR-3", "По заявке уже принято решение");
  }
  if (body_.has_correction_withdrawn()) {
    if (r.requester_id != actor_->id)
      return Deny("R-ACC-2", "Отозвать заявку может только тот, кто её подал");
    return Status::Ok();
  }
  EJ_RETURN_IF_ERROR(Needs({v1::ROLE_DEPUTY}, "Решать по заявкам на исправление"));
  if (r.requester_id == actor_->id) {
    return Deny("R-COR-1", "Свою заявку не утверждают: решает другой завуч");
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
      return Refuse("R-COR-1",
                    "Ячейка изменилась после подачи заявки: отклоните её, учитель "
                    "подаст новую");
    }
  } else if (body_.has_correction_rejected() && body_.correction_rejected().reason().empty()) {
    return Malformed("R-COR-3", "Укажите причину отказа");
  }
  return Status::Ok();
}

Status Checker::CheckFinalMarkCorrectionOrdered() {
  EJ_RETURN_IF_ERROR(Needs({v1::ROLE_DIRECTOR}, "Издавать приказ об исправлении итоговой отметки"));
  const auto& o = body_.final_mark_correction_ordered();
  auto cls = school_->classes.find(ClassOf(o.target().student_id(), today_));
  if (cls == school_->classes.end() || (cls->second.grade != 9 && cls->second.grade != 11)) {
    return Refuse("R-COR-2",
                  "Приказом директора исправляют итоговые отметки только в 9 и 11 классах");
  }
  if (o.order_number().empty() || !o.has_order_date() || o.teacher_id().empty() ||
      o.deputy_id().empty() || o.teacher_explanation().title().empty() ||
      o.deputy_explanation().title().empty()) {
    return Malformed("R-COR-2", "В приказе — номер и дата, письменные объяснения учителя и завуча");
  }
  auto m = school_->attestation.find(TermKey(o.target()));
  const auto* v = m == school_->attestation.end() ? nullptr : m->second.LastValid(state_);
  if (v == nullptr) return Refuse("R-COR-2", "Такой итоговой отметки нет");
  if (state_.SequenceOf(o.original_event_id()) != v->value_seq) {
    return Refuse("R-COR-2",
                  "Итоговая отметка изменилась с тех пор, как готовили приказ: "
                  "обновите страницу");
  }
  if (o.new_mark().has_value() && (o.new_mark().value() < 1 || o.new_mark().value() > 5)) {
    return Malformed("R-TERM-1", "Итоговая отметка — от 1 до 5");
  }
  return Status::Ok();
}

}  // namespace ejournal::school::rules
