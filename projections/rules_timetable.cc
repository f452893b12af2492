// The timetable rules: the teaching load, the plan (КТП), bells, the timetable and the lessons
// scheduled, moved or cancelled (DOMAIN.md R-LES-1, R-TIME-1).
#include <algorithm>
#include <string>

#include "projections/rule_checker.h"

namespace ejournal::school::rules {

Status Checker::CheckTeachingLoadAssigned() {
  EJ_RETURN_IF_ERROR(Needs({v1::ROLE_ADMIN}, "assigning teaching load"));
  const auto& l = body_.teaching_load_assigned();
  const User* t = school_->FindUser(l.teacher_id());
  if (t == nullptr || !IsTeacher(*t))
    return Refuse("R-ACC-2", l.teacher_id() + " is not a teacher");
  if (!school_->classes.contains(l.class_id()))
    return Refuse("R-ACC-2", "no class " + l.class_id());
  if (!school_->subjects.contains(l.subject_id()))
    return Refuse("R-ACC-2", "no subject " + l.subject_id());
  if (!l.subgroup_id().empty() && !school_->subgroups.contains(l.subgroup_id())) {
    return Refuse("R-ACC-2", "no subgroup " + l.subgroup_id());
  }
  if (l.weekly_hours() < 0 || l.weekly_hours() > 40) {
    return Malformed("R-TERM-1", "weekly hours are 0 to 40");
  }
  return Status::Ok();
}

Status Checker::CheckTeachingLoadRemoved() {
  EJ_RETURN_IF_ERROR(Needs({v1::ROLE_ADMIN}, "removing teaching load"));
  if (!school_->loads.contains(body_.teaching_load_removed().load_id())) {
    return Refuse("R-ACC-2", "no load " + body_.teaching_load_removed().load_id());
  }
  return Status::Ok();
}

Status Checker::CheckPlannedTopicsSet() {
  const bool admin = Is({v1::ROLE_ADMIN});
  const auto& p = body_.planned_topics_set();
  if (admin) return Status::Ok();
  // R-ACC-2, R-LES-3: the КТП is written and approved before the year starts (by 31 August),
  // so the load is looked up within the plan's academic year, not only on today's date.
  Day on = today_;
  if (auto y = school_->years.find(p.academic_year_id()); y != school_->years.end()) {
    on = std::clamp(today_, y->second.first, y->second.last);
  }
  if (IsTeacher(*actor_) && TeachesOn(p.class_id(), p.subgroup_id(), p.subject_id(), on)) {
    return Status::Ok();
  }
  return Deny("R-ACC-2", "a plan is set by the teacher of the class-subject or the administrator");
}

Status Checker::CheckBellScheduleSet() {
  EJ_RETURN_IF_ERROR(Needs({v1::ROLE_ADMIN, v1::ROLE_METHODIST}, "setting the bell schedule"));
  for (const auto& p : body_.bell_schedule_set().periods()) {
    if (p.start_minutes() < 0 || p.end_minutes() > 24 * 60 ||
        p.end_minutes() <= p.start_minutes()) {
      return Malformed("R-TIME-1", "period " + std::to_string(p.number()) + " has no valid times");
    }
  }
  return Status::Ok();
}

Status Checker::CheckTimetableSlot() {
  return Needs({v1::ROLE_ADMIN, v1::ROLE_METHODIST}, "changing the timetable");
}

Status Checker::CheckLessonScheduled() {
  EJ_RETURN_IF_ERROR(Needs({v1::ROLE_ADMIN, v1::ROLE_METHODIST}, "scheduling lessons"));
  const auto& l = body_.lesson_scheduled();
  if (school_->lessons.contains(l.lesson_id()))
    return AlreadyExists("lesson " + l.lesson_id() + " exists");
  if (!school_->classes.contains(l.class_id()))
    return Refuse("R-LES-1", "no class " + l.class_id());
  if (!school_->subjects.contains(l.subject_id()))
    return Refuse("R-LES-1", "no subject " + l.subject_id());
  if (!l.subgroup_id().empty()) {
    auto g = school_->subgroups.find(l.subgroup_id());
    if (g == school_->subgroups.end() || g->second.class_id != l.class_id()) {
      return Refuse("R-LES-1",
                    "subgroup " + l.subgroup_id() + " is not a subgroup of " + l.class_id());
    }
  }
  const User* t = school_->FindUser(l.teacher_id());
  if (t == nullptr || !IsTeacher(*t)) {
    return Refuse("R-LES-1", "a lesson has a teacher; " + l.teacher_id() + " is not one");
  }
  EJ_ASSIGN_OR_RETURN(Day day, DayOf(l.date()));
  if (school_->YearOn(day) == nullptr) {
    return Refuse("R-LES-1",
                  "the lesson's date " + DayString(day) + " is outside every academic year");
  }
  if (l.period() < 0 || l.period() > 16) return Malformed("R-LES-1", "a period is 0 to 16");
  if (!l.individual_student_id().empty() &&
      ClassOf(l.individual_student_id(), day) != l.class_id()) {
    return Refuse("R-LES-2", "an individual lesson is for a student of the class");
  }
  return Status::Ok();
}

Status Checker::CheckLessonChange() {
  EJ_RETURN_IF_ERROR(Needs({v1::ROLE_METHODIST}, "moving or cancelling lessons"));
  const std::string& id = body_.has_lesson_moved() ? body_.lesson_moved().lesson_id()
                                                   : body_.lesson_cancelled().lesson_id();
  const Lesson* l = school_->FindLesson(id);
  if (l == nullptr) return Refuse("R-LES-1", "no lesson " + id);
  if (l->cancelled) return Refuse("R-LES-1", "lesson " + id + " is cancelled");
  if (l->record.Current(state_) != nullptr || !l->marks.empty() ||
      !l->attendance_students.empty()) {
    return Refuse("R-LES-1", "lesson " + id + " was held and has records: it stays in its column");
  }
  if (body_.has_lesson_moved()) {
    EJ_ASSIGN_OR_RETURN(Day day, DayOf(body_.lesson_moved().new_date()));
    if (school_->YearOn(day) == nullptr) return Refuse("R-LES-1", "outside every academic year");
  }
  return Status::Ok();
}

}  // namespace ejournal::school::rules
