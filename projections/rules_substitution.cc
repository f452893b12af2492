// The substitution rules (DOMAIN.md R-SUB): who writes a lesson's records, and the methodist's
// substitutions.
#include <algorithm>
#include <string>

#include "projections/rule_checker.h"

namespace ejournal::school::rules {

// Who may write records of `lesson` (R-ACC-2, R-SUB-1): its teacher, or a substitute naming the
// substitution in force.
Status CheckLessonWriter(const School& school, const Lesson& lesson, const B& body,
                         const User& actor) {
  if (!IsTeacher(actor)) {
    return Deny("R-ACC-2", "Записи урока ведёт учитель; «" + actor.display_name + "» не учитель");
  }
  if (!body.substitution_id().empty()) {
    auto it = school.substitutions.find(body.substitution_id());
    if (it == school.substitutions.end() || it->second.cancelled ||
        std::find(it->second.lesson_ids.begin(), it->second.lesson_ids.end(), lesson.id) ==
            it->second.lesson_ids.end() ||
        it->second.substitute_teacher_id != actor.id) {
      return Deny("R-SUB-1", "Замена не назначает «" + actor.display_name + "» на этот урок (" +
                                 school.LessonText(lesson.id) +
                                 "): сначала методист оформляет замену");
    }
    return Status::Ok();
  }
  if (lesson.teacher_id == actor.id) return Status::Ok();
  if (school.SubstitutionFor(lesson, actor.id) != nullptr) {
    return Deny("R-SUB-1", "Это урок другого учителя (" + school.LessonText(lesson.id) +
                               "): записывайте его как заменяющий, по оформленной замене");
  }
  return Deny("R-ACC-2", "Урок ведёт другой учитель, и замены на «" + actor.display_name +
                             "» нет: " + school.LessonText(lesson.id));
}

Status Checker::CheckSubstitutionAssigned() {
  EJ_RETURN_IF_ERROR(Needs({v1::ROLE_METHODIST}, "Назначать замены"));
  const auto& s = body_.substitution_assigned();
  if (school_->substitutions.contains(s.substitution_id())) {
    return AlreadyExists("Эта замена уже оформлена");
  }
  const User* sub = school_->FindUser(s.substitute_teacher_id());
  if (sub == nullptr || !IsTeacher(*sub) || !sub->active) {
    return Refuse("R-SUB-1", "«" + school_->UserName(s.substitute_teacher_id()) +
                                 "» не работающий учитель школы");
  }
  if (s.substitute_teacher_id() == s.absent_teacher_id()) {
    return Malformed("R-SUB-1", "Заменяет другой учитель, не отсутствующий");
  }
  if (s.lesson_ids().empty()) return Malformed("R-SUB-1", "В замене не указаны уроки");
  for (const auto& lid : s.lesson_ids()) {
    const Lesson* l = school_->FindLesson(lid);
    if (l == nullptr || l->cancelled) {
      return Refuse("R-SUB-1", "Нет такого урока или он отменён: " + school_->LessonText(lid));
    }
    if (l->teacher_id != s.absent_teacher_id()) {
      return Refuse("R-SUB-1", "Урок ведёт не «" + school_->UserName(s.absent_teacher_id()) +
                                   "»: " + school_->LessonText(lid));
    }
  }
  return Status::Ok();
}

Status Checker::CheckSubstitutionCancelled() {
  EJ_RETURN_IF_ERROR(Needs({v1::ROLE_METHODIST}, "Отменять замены"));
  auto it = school_->substitutions.find(body_.substitution_cancelled().substitution_id());
  if (it == school_->substitutions.end() || it->second.cancelled) {
    return Refuse("R-SUB-1", "Такой действующей замены нет");
  }
  return Status::Ok();
}

}  // namespace ejournal::school::rules
