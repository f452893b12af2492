#include "api/access.h"

#include <optional>

namespace ejournal::api {
namespace {

using school::School;
using school::User;

bool ClassTeacherOf(const School& school, const User& reader, std::string_view class_id) {
  if (!reader.Has(v1::ROLE_CLASS_TEACHER)) return false;
  auto it = school.classes.find(std::string(class_id));
  return it != school.classes.end() && it->second.class_teacher_id == reader.id;
}

bool TeachesClass(const School& school, const User& reader, std::string_view class_id) {
  if (!reader.Has(v1::ROLE_TEACHER)) return false;
  for (const auto& [id, load] : school.loads) {
    if (load.teacher_id == reader.id && load.class_id == class_id) return true;
  }
  return false;
}

// The days of term `term` of the class's year; term 0: all days. Nothing for an unknown term.
struct Days {
  school::Day first = school::kNoDay, last = school::kForever;
};
std::optional<Days> TermDays(const School& school, std::string_view class_id, int term) {
  if (term == 0) return Days{};
  auto cls = school.classes.find(std::string(class_id));
  if (cls == school.classes.end()) return std::nullopt;
  auto year = school.years.find(cls->second.year_id);
  if (year == school.years.end()) return std::nullopt;
  const school::TermScheme* scheme = year->second.SchemeFor(cls->second.grade);
  if (scheme == nullptr) return std::nullopt;
  for (const auto& t : scheme->terms) {
    if (t.number == term) return Days{t.first, t.last};
  }
  return std::nullopt;
}

// Their teaching load of the page covers some day of `days`.
bool TeachesPage(const School& school, const User& reader, std::string_view class_id,
                 std::string_view subgroup_id, std::string_view subject_id, Days days) {
  if (!reader.Has(v1::ROLE_TEACHER)) return false;
  for (const auto& [id, load] : school.loads) {
    if (load.teacher_id == reader.id && load.class_id == class_id &&
        load.subject_id == subject_id &&
        (load.subgroup_id.empty() || load.subgroup_id == subgroup_id) && load.from <= days.last &&
        load.to >= days.first) {
      return true;
    }
  }
  return false;
}

// R-SUB-1: a substitute writes the lessons they substitute, so they read the term page those
// lessons are on (the scope in access.h).
bool SubstitutesOnPage(const School& school, const User& reader, std::string_view class_id,
                       std::string_view subgroup_id, std::string_view subject_id, Days days) {
  if (!reader.Has(v1::ROLE_TEACHER)) return false;
  for (const auto& [id, sub] : school.substitutions) {
    if (sub.cancelled || sub.substitute_teacher_id != reader.id) continue;
    for (const auto& lesson_id : sub.lesson_ids) {
      const school::Lesson* l = school.FindLesson(lesson_id);
      if (l != nullptr && l->class_id == class_id && l->subject_id == subject_id &&
          l->subgroup_id == subgroup_id && l->date >= days.first && l->date <= days.last) {
        return true;
      }
    }
  }
  return false;
}

}  // namespace

bool ReadsEverything(const User& reader) {
  return reader.active && (reader.Has(v1::ROLE_DEPUTY) || reader.Has(v1::ROLE_DIRECTOR) ||
                           reader.Has(v1::ROLE_AUDITOR) || reader.Has(v1::ROLE_ADMIN));
}

bool MayReadDiary(const School& school, const User& reader, std::string_view student_id) {
  if (!reader.active) return false;
  auto student = school.students.find(std::string(student_id));
  if (student == school.students.end()) return false;
  if (ReadsEverything(reader)) return true;
  // R-ACC-3: a student sees only themself, a parent only their own children.
  if (reader.Has(v1::ROLE_STUDENT) && reader.id == student_id) return true;
  if (reader.Has(v1::ROLE_PARENT) && student->second.guardians.contains(reader.id)) return true;
  for (const auto& m : student->second.memberships) {
    if (ClassTeacherOf(school, reader, m.class_id) || TeachesClass(school, reader, m.class_id)) {
      return true;
    }
  }
  return false;
}

bool MayReadPage(const School& school, const User& reader, std::string_view class_id,
                 std::string_view subgroup_id, std::string_view subject_id, int term) {
  if (!reader.active) return false;
  if (ReadsEverything(reader) || reader.Has(v1::ROLE_METHODIST)) return true;
  if (ClassTeacherOf(school, reader, class_id)) return true;
  const std::optional<Days> days = TermDays(school, class_id, term);
  if (!days) return false;
  return TeachesPage(school, reader, class_id, subgroup_id, subject_id, *days) ||
         SubstitutesOnPage(school, reader, class_id, subgroup_id, subject_id, *days);
}

bool MayReadCell(const School& school, const User& reader, std::string_view lesson_id) {
  const school::Lesson* lesson = school.FindLesson(lesson_id);
  if (lesson == nullptr) return false;
  auto cls = school.classes.find(lesson->class_id);
  if (cls == school.classes.end()) return false;
  const school::TermInfo* term = school.TermOn(cls->second, lesson->date);
  return term != nullptr && MayReadPage(school, reader, lesson->class_id, lesson->subgroup_id,
                                        lesson->subject_id, term->number);
}

bool MayReadActorHistory(const User& reader, std::string_view actor_id) {
  return reader.active && (ReadsEverything(reader) || reader.id == actor_id);
}

bool MayReadReport(const School& school, const User& reader, std::string_view class_id) {
  if (!reader.active) return false;
  if (ReadsEverything(reader)) return true;
  return !class_id.empty() && ClassTeacherOf(school, reader, class_id);
}

bool MayReadLedger(const User& reader) { return ReadsEverything(reader); }

}  // namespace ejournal::api
