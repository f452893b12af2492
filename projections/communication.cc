#include "projections/communication.h"

#include <algorithm>

#include "projections/rights.h"

namespace ejournal::school {
namespace {

// The student's class on `day`, or the one they are enrolled in from a later day (a family writes
// to the school in August, before the year starts); null when neither.
const Membership* ClassOnOrNext(const Student& st, Day day) {
  if (const Membership* m = st.On(day)) return m;
  for (const Membership& m : st.memberships) {
    if (m.from > day) return &m;
  }
  return nullptr;
}

bool OnlyFamily(const User& u) {
  return !IsStaff(u) && (u.Has(v1::ROLE_STUDENT) || u.Has(v1::ROLE_PARENT));
}

// Whether staff member `staff` teaches, or keeps as class teacher, a class of one of `students`
// on `day`.
bool TeachesFamily(const School& school, const User& staff,
                   const std::vector<std::string>& students, Day day) {
  for (const std::string& sid : students) {
    auto st = school.students.find(sid);
    if (st == school.students.end()) continue;
    const Membership* m = ClassOnOrNext(st->second, day);
    if (m == nullptr) continue;
    if (ClassTeacherOf(school, staff, m->class_id) || TeachesClass(school, staff, m->class_id)) {
      return true;
    }
  }
  return false;
}

}  // namespace

bool IsStaff(const User& user) {
  return (user.roles & ~(RoleBit(v1::ROLE_PARENT) | RoleBit(v1::ROLE_STUDENT))) != 0;
}

bool IsAdministration(const User& user) {
  return user.Has(v1::ROLE_DIRECTOR) || user.Has(v1::ROLE_DEPUTY) || user.Has(v1::ROLE_ADMIN);
}

std::vector<std::string> FamilyStudents(const School& school, const User& user, Day day) {
  std::vector<std::string> out;
  if (IsStaff(user)) return out;
  if (user.Has(v1::ROLE_STUDENT)) out.push_back(user.id);
  if (user.Has(v1::ROLE_PARENT)) {
    for (const auto& [id, st] : school.students) {
      if (st.guardians.contains(user.id) && ClassOnOrNext(st, day) != nullptr) out.push_back(id);
    }
    std::sort(out.begin(), out.end());
  }
  return out;
}

std::string MayWrite(const School& school, const User& from, const User& to, Day day) {
  if (!to.active) return "«" + to.display_name + "» больше не пользуется журналом";
  if (from.id == to.id) return "Писать самому себе незачем";
  if (IsStaff(from) && IsStaff(to)) return {};
  const User& staff = IsStaff(from) ? from : to;
  const User& family = IsStaff(from) ? to : from;
  if (!IsStaff(staff)) {
    return "Родители и ученики пишут учителям и администрации школы, а не друг другу";
  }
  if (!OnlyFamily(family)) return "«" + family.display_name + "» не участник переписки школы";
  const std::vector<std::string> students = FamilyStudents(school, family, day);
  if (students.empty()) {
    return "У «" + family.display_name + "» нет ребёнка, который сейчас учится в школе";
  }
  const bool student_only = !family.Has(v1::ROLE_PARENT);
  // The administration writes to every family and hears every parent; a student writes to their
  // own teachers only.
  if (IsAdministration(staff) && !(student_only && &family == &from)) return {};
  if (TeachesFamily(school, staff, students, day)) return {};
  if (student_only) {
    return "Ученик переписывается со своими учителями; «" + staff.display_name +
           "» не ведёт уроков в его классе";
  }
  if (&staff == &from) {
    return "Учитель пишет семьям классов, в которых ведёт уроки; " + family.display_name +
           " — родитель ученика другого класса";
  }
  return "Родители пишут учителям и классному руководителю своих детей и администрации; «" +
         staff.display_name + "» не учит их детей";
}

std::optional<std::string> FamilyOfParticipants(const School& school,
                                                const std::vector<const User*>& people, Day day) {
  std::vector<const User*> family;
  for (const User* u : people) {
    if (!IsStaff(*u)) family.push_back(u);
  }
  if (family.empty()) return std::string();
  // A student of the family: one of the first member's students that every member belongs to.
  for (const std::string& sid : FamilyStudents(school, *family.front(), day)) {
    auto st = school.students.find(sid);
    bool all = true;
    for (const User* u : family) {
      all &= u->id == sid || st->second.guardians.contains(u->id);
    }
    if (all) return sid;
  }
  return std::nullopt;
}

bool Reaches(const School& school, const Announcement& a, const User& user, Day day) {
  if (!user.active) return false;
  if (a.author_id == user.id || IsAdministration(user)) return true;
  if (a.audience == v1::AUDIENCE_KIND_SCHOOL) return true;
  if (a.audience == v1::AUDIENCE_KIND_STAFF) return IsStaff(user);
  // Grade or class: their students and the students' parents (parents only: the parents), and
  // the class teacher of the class.
  auto in_audience = [&](const std::string& class_id) {
    auto c = school.classes.find(class_id);
    if (c == school.classes.end()) return false;
    switch (a.audience) {
      case v1::AUDIENCE_KIND_GRADE:
        return c->second.grade == a.grade;
      case v1::AUDIENCE_KIND_CLASS:
      case v1::AUDIENCE_KIND_CLASS_PARENTS:
        return class_id == a.class_id;
      default:
        return false;
    }
  };
  if (a.audience == v1::AUDIENCE_KIND_CLASS || a.audience == v1::AUDIENCE_KIND_CLASS_PARENTS) {
    if (ClassTeacherOf(school, user, a.class_id)) return true;
  }
  for (const std::string& sid : FamilyStudents(school, user, day)) {
    if (sid == user.id && a.audience == v1::AUDIENCE_KIND_CLASS_PARENTS) continue;
    auto st = school.students.find(sid);
    const Membership* m = st == school.students.end() ? nullptr : ClassOnOrNext(st->second, day);
    if (m != nullptr && in_audience(m->class_id)) return true;
  }
  return false;
}

std::string MayAnnounce(const School& school, const User& user, v1::AudienceKind kind,
                        std::string_view class_id) {
  if (IsAdministration(user)) return {};
  if ((kind == v1::AUDIENCE_KIND_CLASS || kind == v1::AUDIENCE_KIND_CLASS_PARENTS) &&
      ClassTeacherOf(school, user, class_id)) {
    return {};
  }
  if (user.Has(v1::ROLE_CLASS_TEACHER)) {
    return "Классный руководитель объявляет своему классу и его родителям";
  }
  return "Объявления публикуют директор, заместитель директора, администратор и классные "
         "руководители (своему классу)";
}

std::string MayAsk(const School& school, const User& user, std::string_view class_id) {
  if (IsAdministration(user) || ClassTeacherOf(school, user, class_id) ||
      TeachesClass(school, user, class_id)) {
    return {};
  }
  return "Опрос родителей класса проводят классный руководитель, учителя класса и администрация "
         "школы";
}

std::vector<std::string> SurveyFamilies(const School& school, const Survey& survey, Day day) {
  std::vector<std::string> out;
  for (const std::string& sid : school.MembersOf(survey.class_id)) {
    auto st = school.students.find(sid);
    if (st == school.students.end()) continue;
    const Membership* m = ClassOnOrNext(st->second, day);
    if (m != nullptr && m->class_id == survey.class_id) out.push_back(sid);
  }
  return out;
}

std::string MayAnswer(const School& school, const Survey& survey, const User& user,
                      std::string_view student_id, Day day) {
  auto st = school.students.find(student_id);
  if (st == school.students.end() || !st->second.guardians.contains(user.id)) {
    return "Отвечает родитель (законный представитель) ученика за свою семью";
  }
  const Membership* m = ClassOnOrNext(st->second, day);
  if (m == nullptr || m->class_id != survey.class_id) {
    return "Опрос — для родителей класса " + school.ClassLabel(survey.class_id);
  }
  return {};
}

bool SeesSurveyCounts(const School& school, const Survey& survey, const User& user) {
  return survey.author_id == user.id || IsAdministration(user) ||
         ClassTeacherOf(school, user, survey.class_id);
}

std::string AudienceText(const School& school, v1::AudienceKind kind, int grade,
                         std::string_view class_id) {
  switch (kind) {
    case v1::AUDIENCE_KIND_SCHOOL:
      return "вся школа";
    case v1::AUDIENCE_KIND_GRADE:
      return std::to_string(grade) + "-е классы";
    case v1::AUDIENCE_KIND_CLASS:
      return school.ClassLabel(class_id) + ": ученики и родители";
    case v1::AUDIENCE_KIND_CLASS_PARENTS:
      return school.ClassLabel(class_id) + ": родители";
    case v1::AUDIENCE_KIND_STAFF:
      return "сотрудники";
    default:
      return "—";
  }
}

}  // namespace ejournal::school
