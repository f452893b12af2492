// Who may write to whom, and who an announcement reaches (DOMAIN.md R-MSG-1, R-MSG-2): the one
// place of these rules. The admission rules (projections/rules_messages.cc) and the reads
// (api/routes_messages.cc) ask the same functions.
//
// R-MSG-1: a parent writes with the teachers, the class teacher and the administration of their
// own children; a student with their teachers; staff with each other and with the families of the
// classes they teach (the administration: of every class). No conversation holds two families, so
// no family sees another's contacts. R-MSG-2: an announcement reaches exactly its audience, and
// its author and the administration (who answer for it) see it too.
//
// Pure functions of the school state: the caller holds whatever lock guards it.
#ifndef EJOURNAL_PROJECTIONS_COMMUNICATION_H_
#define EJOURNAL_PROJECTIONS_COMMUNICATION_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "projections/school_state.h"

namespace ejournal::school {

// The school's staff: any role but student and parent.
bool IsStaff(const User& user);
// The administration a family may write to: the director, the deputies, the administrator.
bool IsAdministration(const User& user);
// The students of a family member on `day`: a student themself, a parent their children (in a
// class that day, or enrolled from a later day); empty for staff.
std::vector<std::string> FamilyStudents(const School& school, const User& user, Day day);
// R-MSG-1: whether `from` may begin a conversation with `to` on `day` (both active users of the
// school). Empty: yes; else why not, in Russian, for the refusal.
std::string MayWrite(const School& school, const User& from, const User& to, Day day);
// R-MSG-1: the family a conversation's non-staff participants belong to: the student whose
// family (themself and their guardians) holds them all; "" when there are none; nothing when they
// are of more than one family.
std::optional<std::string> FamilyOfParticipants(const School& school,
                                                const std::vector<const User*>& people, Day day);
// R-MSG-2: whether `user` is in the announcement's audience on `day` (or wrote it, or is the
// administration).
bool Reaches(const School& school, const Announcement& a, const User& user, Day day);
// R-MSG-2: the audiences `user` may announce to: the administration to any; a class teacher to
// their own class and its parents. Empty: yes; else why not, in Russian.
std::string MayAnnounce(const School& school, const User& user, v1::AudienceKind kind,
                        std::string_view class_id);
// R-MSG-2: whether `user` may ask the parents of `class_id` a survey: the administration, the
// class teacher, a teacher of the class. Empty: yes; else why not, in Russian.
std::string MayAsk(const School& school, const User& user, std::string_view class_id);
// R-MSG-2: the families a survey asks on `day`: the students of its class that day (each family
// answers for its student).
std::vector<std::string> SurveyFamilies(const School& school, const Survey& survey, Day day);
// R-MSG-2: whether `user` answers `survey` for `student_id` on `day`. Empty: yes; else why not.
std::string MayAnswer(const School& school, const Survey& survey, const User& user,
                      std::string_view student_id, Day day);
// Whether `user` sees `survey` and its counts: its author, the administration, the class teacher.
bool SeesSurveyCounts(const School& school, const Survey& survey, const User& user);

// The audience as people read it: «вся школа», «7-е классы», «5А: ученики и родители»,
// «5А: родители», «сотрудники».
std::string AudienceText(const School& school, v1::AudienceKind kind, int grade,
                         std::string_view class_id);

}  // namespace ejournal::school

#endif  // EJOURNAL_PROJECTIONS_COMMUNICATION_H_
