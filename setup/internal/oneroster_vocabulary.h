// The OneRoster tokens the reader and the writer share: roles, grades and the extension columns.
#ifndef EJOURNAL_SETUP_INTERNAL_ONEROSTER_VOCABULARY_H_
#define EJOURNAL_SETUP_INTERNAL_ONEROSTER_VOCABULARY_H_

#include <optional>
#include <string>
#include <string_view>

#include "ejournal/v1/common.pb.h"

namespace ejournal::setup::internal {

// OneRoster 1.2 role tokens (roles.csv, a 1.1 users.csv "role") and the extension tokens for roles
// OneRoster has no word for. Tokens of no ejournal role (aide, proctor, relative,
// districtAdministrator) give nullopt.
inline std::optional<v1::Role> RoleOf(std::string_view token) {
  if (token == "student") return v1::ROLE_STUDENT;
  if (token == "parent" || token == "guardian") return v1::ROLE_PARENT;
  if (token == "teacher") return v1::ROLE_TEACHER;
  if (token == "administrator" || token == "systemAdministrator" || token == "siteAdministrator") {
    return v1::ROLE_ADMIN;
  }
  if (token == "principal") return v1::ROLE_DIRECTOR;
  if (token == "counselor") return v1::ROLE_PSYCHOLOGIST;
  if (token == "ext:deputy") return v1::ROLE_DEPUTY;
  if (token == "ext:methodist") return v1::ROLE_METHODIST;
  if (token == "ext:classTeacher") return v1::ROLE_CLASS_TEACHER;
  if (token == "ext:secretary") return v1::ROLE_SECRETARY;
  if (token == "ext:socialPedagogue") return v1::ROLE_SOCIAL_PEDAGOGUE;
  if (token == "ext:auditor") return v1::ROLE_AUDITOR;
  return std::nullopt;
}

inline std::string_view RoleToken(v1::Role role) {
  switch (role) {
    case v1::ROLE_STUDENT:
      return "student";
    case v1::ROLE_PARENT:
      return "parent";
    case v1::ROLE_TEACHER:
      return "teacher";
    case v1::ROLE_ADMIN:
      return "systemAdministrator";
    case v1::ROLE_DIRECTOR:
      return "principal";
    case v1::ROLE_PSYCHOLOGIST:
      return "counselor";
    case v1::ROLE_DEPUTY:
      return "ext:deputy";
    case v1::ROLE_METHODIST:
      return "ext:methodist";
    case v1::ROLE_CLASS_TEACHER:
      return "ext:classTeacher";
    case v1::ROLE_SECRETARY:
      return "ext:secretary";
    case v1::ROLE_SOCIAL_PEDAGOGUE:
      return "ext:socialPedagogue";
    case v1::ROLE_AUDITOR:
      return "ext:auditor";
    default:
      return "";
  }
}

// CEDS grade levels as OneRoster writes them: "01".."11".
inline std::string GradeToken(int grade) { return (grade < 10 ? "0" : "") + std::to_string(grade); }

// The course homeroom classes name (courseSourcedId is required of every class).
inline constexpr char kHomeroomCourse[] = "ejournal-homeroom";

}  // namespace ejournal::setup::internal

#endif  // EJOURNAL_SETUP_INTERNAL_ONEROSTER_VOCABULARY_H_
