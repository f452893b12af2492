#include "api/access.h"

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

bool TeachesPage(const School& school, const User& reader, std::string_view class_id,
                 std::string_view subgroup_id, std::string_view subject_id) {
  if (!reader.Has(v1::ROLE_TEACHER)) return false;
  for (const auto& [id, load] : school.loads) {
    if (load.teacher_id == reader.id && load.class_id == class_id &&
        load.subject_id == subject_id &&
        (load.subgroup_id.empty() || load.subgroup_id == subgroup_id)) {
      return true;
    }
  }
  return false;
}

// R-SUB-1: a substitute writes the pages of the lessons they substitute, so they read them too.
bool SubstitutesOnPage(const School& school, const User& reader, std::string_view class_id,
                       std::string_view subgroup_id, std::string_view subject_id) {
  if (!reader.Has(v1::ROLE_TEACHER)) return false;
  for (const auto& [id, sub] : school.substitutions) {
    if (sub.cancelled || sub.substitute_teacher_id != reader.id) continue;
    for (const auto& lesson_id : sub.lesson_ids) {
      const school::Lesson* l = school.FindLesson(lesson_id);
      if (l != nullptr && l->class_id == class_id && l->subject_id == subject_id &&
          l->subgroup_id == subgroup_id) {
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
                 std::string_view subgroup_id, std::string_view subject_id) {
  if (!reader.active) return false;
  if (ReadsEverything(reader) || reader.Has(v1::ROLE_METHODIST)) return true;
  return ClassTeacherOf(school, reader, class_id) ||
         TeachesPage(school, reader, class_id, subgroup_id, subject_id) ||
         SubstitutesOnPage(school, reader, class_id, subgroup_id, subject_id);
}

bool MayReadCell(const School& school, const User& reader, std::string_view lesson_id) {
  const school::Lesson* lesson = school.FindLesson(lesson_id);
  if (lesson == nullptr) return false;
  return MayReadPage(school, reader, lesson->class_id, lesson->subgroup_id, lesson->subject_id);
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
