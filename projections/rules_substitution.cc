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
    return Deny("R-ACC-2", "only teachers write lesson records; " + actor.id + " is not a teacher");
  }
  if (!body.substitution_id().empty()) {
    auto it = school.substitutions.find(body.substitution_id());
    if (it == school.substitutions.end() || it->second.cancelled ||
        std::find(it->second.lesson_ids.begin(), it->second.lesson_ids.end(), lesson.id) ==
            it->second.lesson_ids.end() ||
        it->second.substitute_teacher_id != actor.id) {
      return Deny("R-SUB-1", "substitution " + body.substitution_id() + " does not name " +
                                 actor.id + " for lesson " + lesson.id +
                                 ": ask the methodist to record the substitution first");
    }
    return Status::Ok();
  }
  if (lesson.teacher_id == actor.id) return Status::Ok();
  if (school.SubstitutionFor(lesson, actor.id) != nullptr) {
    return Deny("R-SUB-1", "lesson " + lesson.id +
                               " is someone else's: write it as the substitute "
                               "(set substitution_id to the substitution that names you)");
  }
  return Deny("R-ACC-2", "lesson " + lesson.id +
                             " is taught by another teacher and no "
                             "substitution names " +
                             actor.id);
}

Status Checker::CheckSubstitutionAssigned() {
  EJ_RETURN_IF_ERROR(Needs({v1::ROLE_METHODIST}, "assigning substitutions"));
  const auto& s = body_.substitution_assigned();
  if (school_->substitutions.contains(s.substitution_id())) {
    return AlreadyExists("substitution " + s.substitution_id() + " exists");
  }
  const User* sub = school_->FindUser(s.substitute_teacher_id());
  if (sub == nullptr || !IsTeacher(*sub) || !sub->active) {
    return Refuse("R-SUB-1", s.substitute_teacher_id() + " is not an active teacher");
  }
  if (s.substitute_teacher_id() == s.absent_teacher_id()) {
    return Malformed("R-SUB-1", "the substitute is another teacher than the absent one");
  }
  if (s.lesson_ids().empty()) return Malformed("R-SUB-1", "a substitution names its lessons");
  for (const auto& lid : s.lesson_ids()) {
    const Lesson* l = school_->FindLesson(lid);
    if (l == nullptr || l->cancelled) return Refuse("R-SUB-1", "no lesson " + lid);
    if (l->teacher_id != s.absent_teacher_id()) {
      return Refuse("R-SUB-1", "lesson " + lid + " is not taught by " + s.absent_teacher_id());
    }
  }
  return Status::Ok();
}

Status Checker::CheckSubstitutionCancelled() {
  EJ_RETURN_IF_ERROR(Needs({v1::ROLE_METHODIST}, "cancelling substitutions"));
  auto it = school_->substitutions.find(body_.substitution_cancelled().substitution_id());
  if (it == school_->substitutions.end() || it->second.cancelled) {
    return Refuse("R-SUB-1", "no substitution " + body_.substitution_cancelled().substitution_id() +
                                 " in force");
  }
  return Status::Ok();
}

}  // namespace ejournal::school::rules
