#include "projections/rights.h"

#include <string>

namespace ejournal::school {

std::optional<DayRange> TermDays(const School& school, std::string_view class_id, int term) {
  if (term == 0) return DayRange{};
  auto cls = school.classes.find(std::string(class_id));
  if (cls == school.classes.end()) return std::nullopt;
  auto year = school.years.find(cls->second.year_id);
  if (year == school.years.end()) return std::nullopt;
  const TermScheme* scheme = year->second.SchemeFor(cls->second.grade);
  if (scheme == nullptr) return std::nullopt;
  for (const auto& t : scheme->terms) {
    if (t.number == term) return DayRange{t.first, t.last};
  }
  return std::nullopt;
}

bool IsTeacher(const User& user) {
  return user.Has(v1::ROLE_TEACHER) || user.Has(v1::ROLE_CLASS_TEACHER);
}

bool ClassTeacherOf(const School& school, const User& user, std::string_view class_id) {
  if (!user.Has(v1::ROLE_CLASS_TEACHER)) return false;
  auto it = school.classes.find(std::string(class_id));
  return it != school.classes.end() && it->second.class_teacher_id == user.id;
}

bool TeachesPage(const School& school, const User& user, std::string_view class_id,
                 std::string_view subgroup_id, std::string_view subject_id, DayRange days) {
  if (!IsTeacher(user)) return false;
  if (std::string_view student = HomePageStudent(subgroup_id);
      !student.empty() && school.TeachesHomePage(user.id, class_id, student, subject_id)) {
    return true;
  }
  for (const auto& [id, load] : school.loads) {
    if (load.teacher_id == user.id && load.class_id == class_id && load.subject_id == subject_id &&
        (load.subgroup_id.empty() || load.subgroup_id == subgroup_id) && load.from <= days.last &&
        load.to >= days.first) {
      return true;
    }
  }
  return false;
}

bool SubstitutesOnPage(const School& school, const User& user, std::string_view class_id,
                       std::string_view subgroup_id, std::string_view subject_id, DayRange days) {
  if (!IsTeacher(user)) return false;
  for (const auto& [id, sub] : school.substitutions) {
    if (sub.cancelled || sub.substitute_teacher_id != user.id) continue;
    for (const auto& lesson_id : sub.lesson_ids) {
      const Lesson* l = school.FindLesson(lesson_id);
      if (l != nullptr && l->class_id == class_id && l->subject_id == subject_id &&
          l->subgroup_id == subgroup_id && l->date >= days.first && l->date <= days.last) {
        return true;
      }
    }
  }
  return false;
}

bool TeachesClass(const School& school, const User& user, std::string_view class_id) {
  if (!IsTeacher(user)) return false;
  for (const auto& [id, load] : school.loads) {
    if (load.teacher_id == user.id && load.class_id == class_id) return true;
  }
  return false;
}

}  // namespace ejournal::school
