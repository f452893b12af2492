// The school rules' checker, shared by the files of the rule families (internal to
// projections/: the public interface is rule_book.h). One Checker checks one event against the
// folded state: rule_book.cc resolves the school and the actor (Run) and dispatches on the payload
// (CheckPayload) to the family files, in the way RocksDB splits db_impl_*.cc:
//   rules_setup.cc          the school, year, users, roster, students' records, policy
//   rules_timetable.cc      the load, the plan (КТП), bells, timetable, lessons (R-LES-1)
//   rules_journal.cc        R-LES, R-MARK, R-ATT, R-HW: records on a lesson, their windows
//   rules_attestation.cc    R-TERM: term, year, final and attestation marks
//   rules_corrections.cc    R-COR: requests, decisions, the director's order
//   rules_substitution.cc   R-SUB: who writes a lesson's records, substitutions
//   rules_security.cc       R-ACC, R-SEC: the node's events, credentials, Acts, re-entries
//   rules_acknowledgement.cc R-ACK: the parent's acknowledgement
// A refusal is a Status with its rule id: Deny (the actor may not: 403), Refuse (the state does
// not allow it: 409/412), Malformed (the event is wrong in itself: 400).
#ifndef EJOURNAL_PROJECTIONS_RULE_CHECKER_H_
#define EJOURNAL_PROJECTIONS_RULE_CHECKER_H_

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "ejournal/v1/event.pb.h"
#include "projections/communication.h"
#include "projections/rights.h"
#include "projections/rule_book.h"
#include "projections/school_state.h"
#include "schemas/status.h"

namespace ejournal::school::rules {

using B = v1::EventBody;

inline Status Deny(std::string rule, std::string message) {
  return PermissionDenied(std::move(message), std::move(rule));
}
inline Status Refuse(std::string rule, std::string message) {
  return FailedPrecondition(std::move(message), std::move(rule));
}
inline Status Malformed(std::string rule, std::string message) {
  return InvalidArgument(std::move(message), std::move(rule));
}

inline bool HasAny(const User& user, std::initializer_list<v1::Role> roles) {
  for (v1::Role r : roles) {
    if (user.Has(r)) return true;
  }
  return false;
}

// "YYYY-MM-DD H:MM (zone)" of an instant, in the school's zone (rule_book.cc).
std::string EndOfDayText(const School& school, int64_t us);
// R-MARK-1: the value of a mark of `work` (rules_journal.cc).
Status CheckMarkValue(const v1::MarkValue& value, v1::WorkType work);
// Who may write records of `lesson` (R-ACC-2, R-SUB-1; rules_substitution.cc).
Status CheckLessonWriter(const School& school, const Lesson& lesson, const B& body,
                         const User& actor);

// The checks of one event, with the state and the actor resolved.
class Checker {
 public:
  Checker(const SchoolState& state, const B& body, int64_t at_us)
      : state_(state), body_(body), at_us_(at_us) {}

  Status Run();

 private:
  Status CheckPayload();  // rule_book.cc: the dispatch to the family files below

  // rules_security.cc
  Status CheckNodeEvent();
  Status CheckReentry();
  Status CheckCredentialIssued(const v1::CredentialIssued& c);
  Status CheckCredentialRevoked(const v1::CredentialRevoked& c);
  Status CheckCredentialCompromiseReported();
  Status CheckAct(const v1::CredentialCompromiseActRecorded& act);
  // rules_setup.cc
  Status CheckSchoolRegistered();
  Status CheckAcademicYearDefined();
  Status CheckHolidayDeclared();
  Status CheckSubjectDefined();
  Status CheckClassCreated();
  Status CheckClassTeacherAssigned();
  Status CheckSubgroupDefined();
  Status CheckUserRegistered();
  Status CheckUserRolesChanged();
  Status CheckUserProfileChanged();
  Status CheckUserDeactivated();
  Status CheckPasswordChanged();
  Status CheckPasswordChangedFirst();
  Status CheckStudentEnrolled();
  Status CheckStudentMoved();
  Status CheckStudentLeft();
  Status CheckGuardianLink();
  Status CheckMedicalPeExemptionRecorded();
  Status CheckConsentOrPaperDiary();
  Status CheckSchoolPolicySet();
  // rules_timetable.cc
  Status CheckTeachingLoadAssigned();
  Status CheckTeachingLoadRemoved();
  Status CheckPlannedTopicsSet();
  Status CheckBellScheduleSet();
  Status CheckTimetableSlotSet();
  Status CheckTimetableSlotRemoved();
  // R-SET-1 (not on a day off) and R-SET-3 (no teacher, class or room twice in one period) for a
  // lesson placed at `placed`'s date and period; `lesson_id` is the lesson itself when it moves.
  Status CheckLessonPlacement(std::string_view lesson_id, const Lesson& placed);
  Status CheckLessonScheduled();
  Status CheckLessonChange();
  // rules_journal.cc
  Status CheckLessonConducted();
  Status CheckAttendanceRecorded();
  Status CheckAbsenceReasonSet();
  Status CheckMarkRecorded();
  Status CheckHomeworkAssigned();
  // The attached files' references (DocumentRef): their shape and number. Whether the node holds
  // the files is the API's check (api/attachment_store.h), before admission.
  static Status CheckHomeworkFiles(const v1::HomeworkAssigned& h);

  // Resolves a lesson of this school that records may be written on (R-LES-1).
  Result<const Lesson*> WritableLesson(std::string_view lesson_id);
  Status CheckBusinessDate(const Lesson& lesson);
  Status CheckStudentInLesson(const Lesson& lesson, std::string_view student_id);
  Status CheckMark(const v1::MarkRecorded& mark, const Lesson& lesson, bool late_entry);
  Status CheckAttendance(const v1::AttendanceRecorded& a, const Lesson& lesson);
  // rules_attestation.cc
  Status CheckTermMark(const v1::TermMarkRecorded& t);
  Status CheckExamMarkRecorded();
  Status CheckDeputyAttestationDecided();
  // rules_corrections.cc
  Status CheckCorrectionRequest(const v1::CorrectionRequested& r);
  Status CheckDecision(std::string_view request_id, bool approve);
  Status CheckFinalMarkCorrectionOrdered();
  // rules_substitution.cc
  Status CheckSubstitutionAssigned();
  Status CheckSubstitutionCancelled();
  // rules_acknowledgement.cc
  Status CheckAck(const v1::DiaryAcknowledged& ack);
  // rules_messages.cc
  Status CheckMessageSent();
  Status CheckMessagesRead();
  Status CheckAnnouncementPublished();
  Status CheckAnnouncementWithdrawn();
  Status CheckMessagesErased();
  Status CheckSurveyPublished();
  Status CheckSurveyAnswered();
  Status CheckSurveyClosed();

  bool Is(std::initializer_list<v1::Role> roles) const { return actor_ && HasAny(*actor_, roles); }
  // R-ACC-2: `what` is what the event does, as an infinitive phrase with a capital
  // ("Создавать классы"): "Создавать классы может только администратор; у «Учитель 008» такого
  // права нет".
  Status Needs(std::initializer_list<v1::Role> roles, const char* what) const {
    if (Is(roles)) return Status::Ok();
    std::string who;
    for (v1::Role r : roles) who += (who.empty() ? "" : " или ") + std::string(RuRole(r));
    return Deny("R-ACC-2", std::string(what) + " может только " + who + "; у «" +
                               school_->UserName(body_.actor_id()) + "» такого права нет");
  }
  bool ClassTeacherOf(std::string_view class_id) const {
    return actor_ != nullptr && school::ClassTeacherOf(*school_, *actor_, class_id);
  }
  // The actor teaches the page on `day` (projections/rights.h).
  bool TeachesOn(std::string_view class_id, std::string_view subgroup_id,
                 std::string_view subject_id, Day day) const {
    return actor_ != nullptr &&
           TeachesPage(*school_, *actor_, class_id, subgroup_id, subject_id, DayRange{day, day});
  }
  // R-LES-2: individual lessons are for a student of the class home-schooled at some time in
  // [first, last]; else the refusal.
  Status HomeSchooled(std::string_view student_id, std::string_view class_id, Day first,
                      Day last) const;
  // The student's class today (or on `day`), or "".
  std::string ClassOf(std::string_view student_id, Day day) const {
    auto s = school_->students.find(std::string(student_id));
    if (s == school_->students.end()) return {};
    const Membership* m = s->second.On(day);
    if (m == nullptr && !s->second.memberships.empty()) m = &s->second.memberships.back();
    return m == nullptr ? std::string() : m->class_id;
  }
  // `what` names the person's part ("Классный руководитель") in the refusal.
  Status UserExists(std::string_view user_id, const char* what) const {
    if (school_->FindUser(user_id) != nullptr) return Status::Ok();
    return Refuse("R-ACC-2", std::string(what) + " «" + std::string(user_id) +
                                 "» не зарегистрирован(а) в школе");
  }

  const SchoolState& state_;
  const B& body_;
  const int64_t at_us_;
  const School* school_ = nullptr;
  const User* actor_ = nullptr;
  bool reentry_ = false;
  Day today_ = kNoDay;
};

}  // namespace ejournal::school::rules

#endif  // EJOURNAL_PROJECTIONS_RULE_CHECKER_H_
