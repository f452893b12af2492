#include "projections/rule_book.h"

#include <string>

#include "projections/rule_checker.h"

namespace ejournal::school {
namespace rules {

std::string EndOfDayText(const School& school, int64_t us) {
  return RuDate(school.zone.LocalDay(us)) + " " +
         (school.zone.LocalMinutes(us) / 60 < 10 ? "0" : "") +
         std::to_string(school.zone.LocalMinutes(us) / 60) + ":" +
         (school.zone.LocalMinutes(us) % 60 < 10 ? "0" : "") +
         std::to_string(school.zone.LocalMinutes(us) % 60) + " (" + school.zone.name() + ")";
}

Status Checker::Run() {
  // R-SEC-3: a credential that an invalidated event issued signs nothing.
  if (const Credential* cred = state_.FindCredential(body_.credential_id());
      cred != nullptr && cred->issued_seq != 0 && state_.IsInvalid(cred->issued_seq)) {
    return Deny("R-SEC-3", "Ключ «" + body_.credential_id() +
                               "» выдан записью, которую акт о компрометации признал "
                               "недействительной");
  }
  school_ = state_.FindSchool(body_.school_id());
  if (body_.actor_id() == kNodeActor) return CheckNodeEvent();
  if (school_ == nullptr) {
    return Refuse("R-ACC-2", "Школа «" + body_.school_id() + "» не зарегистрирована на этом узле");
  }
  today_ = school_->zone.LocalDay(at_us_);
  actor_ = school_->FindUser(body_.actor_id());
  if (actor_ == nullptr) {
    return Deny("R-ACC-2",
                "«" + body_.actor_id() + "» — не пользователь школы «" + school_->name + "»");
  }
  if (!actor_->active) {
    return Deny("R-ACC-1", "Учётная запись «" + actor_->display_name + "» отключена");
  }
  EJ_RETURN_IF_ERROR(CheckPasswordChangedFirst());
  if (!body_.reenters_event_id().empty()) EJ_RETURN_IF_ERROR(CheckReentry());
  return CheckPayload();
}

// One check per payload, in the family files (rules_*.cc).
Status Checker::CheckPayload() {
  switch (body_.payload_case()) {
    case B::kSchoolRegistered:
      return CheckSchoolRegistered();
    case B::kAcademicYearDefined:
      return CheckAcademicYearDefined();
    case B::kHolidayDeclared:
      return CheckHolidayDeclared();
    case B::kSubjectDefined:
      return CheckSubjectDefined();
    case B::kClassCreated:
      return CheckClassCreated();
    case B::kClassTeacherAssigned:
      return CheckClassTeacherAssigned();
    case B::kSubgroupDefined:
      return CheckSubgroupDefined();
    case B::kUserRegistered:
      return CheckUserRegistered();
    case B::kUserRolesChanged:
      return CheckUserRolesChanged();
    case B::kUserProfileChanged:
      return CheckUserProfileChanged();
    case B::kUserDeactivated:
      return CheckUserDeactivated();
    case B::kPasswordChanged:
      return CheckPasswordChanged();
    case B::kCredentialIssued:
      return CheckCredentialIssued(body_.credential_issued());
    case B::kCredentialRevoked:
      return CheckCredentialRevoked(body_.credential_revoked());
    case B::kStudentEnrolled:
      return CheckStudentEnrolled();
    case B::kStudentMoved:
      return CheckStudentMoved();
    case B::kStudentLeft:
      return CheckStudentLeft();
    case B::kGuardianLinked:
    case B::kGuardianUnlinked:
      return CheckGuardianLink();
    case B::kTeachingLoadAssigned:
      return CheckTeachingLoadAssigned();
    case B::kTeachingLoadRemoved:
      return CheckTeachingLoadRemoved();
    case B::kPlannedTopicsSet:
      return CheckPlannedTopicsSet();
    case B::kBellScheduleSet:
      return CheckBellScheduleSet();
    case B::kTimetableSlotSet:
      return CheckTimetableSlotSet();
    case B::kTimetableSlotRemoved:
      return CheckTimetableSlotRemoved();
    case B::kLessonScheduled:
      return CheckLessonScheduled();
    case B::kLessonMoved:
    case B::kLessonCancelled:
      return CheckLessonChange();
    case B::kMedicalPeExemptionRecorded:
      return CheckMedicalPeExemptionRecorded();
    case B::kPersonalDataConsentRecorded:
    case B::kPaperDiaryPreferenceSet:
      return CheckConsentOrPaperDiary();
    case B::kLessonConducted:
      return CheckLessonConducted();
    case B::kAttendanceRecorded:
      return CheckAttendanceRecorded();
    case B::kAbsenceReasonSet:
      return CheckAbsenceReasonSet();
    case B::kMarkRecorded:
      return CheckMarkRecorded();
    case B::kHomeworkAssigned:
      return CheckHomeworkAssigned();
    case B::kTermMarkRecorded:
      return CheckTermMark(body_.term_mark_recorded());
    case B::kExamMarkRecorded:
      return CheckExamMarkRecorded();
    case B::kDeputyAttestationDecided:
      return CheckDeputyAttestationDecided();
    case B::kSchoolPolicySet:
      return CheckSchoolPolicySet();
    case B::kCorrectionRequested:
      return CheckCorrectionRequest(body_.correction_requested());
    case B::kCorrectionApproved:
      return CheckDecision(body_.correction_approved().request_id(), true);
    case B::kCorrectionRejected:
      return CheckDecision(body_.correction_rejected().request_id(), false);
    case B::kCorrectionWithdrawn:
      return CheckDecision(body_.correction_withdrawn().request_id(), false);
    case B::kFinalMarkCorrectionOrdered:
      return CheckFinalMarkCorrectionOrdered();
    case B::kSubstitutionAssigned:
      return CheckSubstitutionAssigned();
    case B::kSubstitutionCancelled:
      return CheckSubstitutionCancelled();
    case B::kCredentialCompromiseReported:
      return CheckCredentialCompromiseReported();
    case B::kCredentialCompromiseActRecorded:
      return CheckAct(body_.credential_compromise_act_recorded());
    case B::kDiaryAcknowledged:
      return CheckAck(body_.diary_acknowledged());
    case B::kMessageSent:
      return CheckMessageSent();
    case B::kMessagesRead:
      return CheckMessagesRead();
    case B::kAnnouncementPublished:
      return CheckAnnouncementPublished();
    case B::kAnnouncementWithdrawn:
      return CheckAnnouncementWithdrawn();
    case B::kMessagesErased:
      return CheckMessagesErased();
    case B::kSurveyPublished:
      return CheckSurveyPublished();
    case B::kSurveyAnswered:
      return CheckSurveyAnswered();
    case B::kSurveyClosed:
      return CheckSurveyClosed();
    default:
      return Deny("R-ACC-2", "Неизвестный вид записи");
  }
}

}  // namespace rules

Status RuleBook::Check(const v1::EventBody& body, int64_t recorded_at_us) const {
  return rules::Checker(*state_, body, recorded_at_us).Run();
}

}  // namespace ejournal::school
