#include "api/access.h"

#include <optional>

#include "projections/rights.h"

namespace ejournal::api {

using school::ClassTeacherOf;
using school::School;
using school::SubstitutesOnPage;
using school::TeachesClass;
using school::TeachesPage;
using school::User;

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
  const std::optional<school::DayRange> days = school::TermDays(school, class_id, term);
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
