// The fold of the set-up events: the school, its calendar, subjects, classes and policy
// (FoldSchool); users, students, guardians and their records (FoldPeople).
#include <algorithm>
#include <string>

#include "projections/school_state.h"
#include "projections/school_state_internal.h"

namespace ejournal::school {
namespace {

HolidayInfo HolidayOf(const v1::Holiday& h) {
  return HolidayInfo{DayOr(h.dates().first_day(), kNoDay),
                     DayOr(h.dates().last_day(), kNoDay),
                     h.kind(),
                     {h.grades().begin(), h.grades().end()},
                     {h.class_ids().begin(), h.class_ids().end()},
                     h.name()};
}

}  // namespace

Status SchoolState::FoldSchool(School* school, const v1::EventBody& body, uint64_t seq, int64_t,
                               std::vector<uint64_t>& deps) {
  using B = v1::EventBody;
  switch (body.payload_case()) {
    case B::kSchoolRegistered: {
      const auto& p = body.school_registered();
      School& s = schools_[body.school_id()];
      s.id = body.school_id();
      s.name = p.name();
      s.region = p.region();
      auto zone = SchoolZone::Find(p.time_zone());
      if (!zone) return Corrupt(seq, zone.error().message());
      s.zone = *zone;
      if (s.registered_seq == 0) s.registered_seq = seq;
      return Status::Ok();
    }
    case B::kAcademicYearDefined: {
      const auto& p = body.academic_year_defined();
      AcademicYear y;
      y.id = p.academic_year_id();
      y.first = DayOr(p.dates().first_day(), kNoDay);
      y.last = DayOr(p.dates().last_day(), kNoDay);
      for (const auto& sch : p.term_schemes()) {
        TermScheme ts{sch.grade_from(), sch.grade_to(), {}};
        ts.kind = sch.kind();
        for (int wd : sch.school_weekdays()) ts.weekdays |= 1u << wd;
        for (const auto& t : sch.terms()) {
          ts.terms.push_back(TermInfo{t.number(), DayOr(t.dates().first_day(), kNoDay),
                                      DayOr(t.dates().last_day(), kNoDay)});
        }
        y.schemes.push_back(std::move(ts));
      }
      for (const auto& h : p.holidays()) {
        y.holidays.push_back(HolidayOf(h));
      }
      y.adaptation_first = DayOr(p.adaptation_period().first_day(), kNoDay);
      y.adaptation_last = DayOr(p.adaptation_period().last_day(), kNoDay);
      school->years[y.id] = std::move(y);
      return Status::Ok();
    }
    case B::kHolidayDeclared: {
      const auto& p = body.holiday_declared();
      auto it = school->years.find(p.academic_year_id());
      if (it == school->years.end()) return Corrupt(seq, "unknown year");
      const auto& h = p.holiday();
      it->second.holidays.push_back(HolidayOf(h));
      return Status::Ok();
    }
    case B::kSubjectDefined: {
      const auto& p = body.subject_defined();
      school->subjects[p.subject_id()] =
          Subject{p.subject_id(), p.name(), p.short_name(), p.kind()};
      return Status::Ok();
    }
    case B::kClassCreated: {
      const auto& p = body.class_created();
      SchoolClass c;
      c.id = p.class_id();
      c.year_id = p.academic_year_id();
      c.grade = p.grade();
      c.letter = p.letter();
      c.class_teacher_id = p.class_teacher_id();
      school->classes[c.id] = std::move(c);
      return Status::Ok();
    }
    case B::kClassTeacherAssigned: {
      const auto& p = body.class_teacher_assigned();
      auto it = school->classes.find(p.class_id());
      if (it == school->classes.end()) return Corrupt(seq, "unknown class");
      it->second.class_teacher_id = p.class_teacher_id();
      return Status::Ok();
    }
    case B::kSubgroupDefined: {
      const auto& p = body.subgroup_defined();
      Subgroup g;
      g.id = p.subgroup_id();
      g.class_id = p.class_id();
      g.subject_id = p.subject_id();
      g.name = p.name();
      g.students.insert(p.student_ids().begin(), p.student_ids().end());
      school->subgroups[g.id] = std::move(g);
      return Status::Ok();
    }
    case B::kSchoolPolicySet: {
      const auto& p = body.school_policy_set().policy();
      PolicyValues v;  // an empty policy is the defaults
      v.mark_windows.assign(p.mark_windows().begin(), p.mark_windows().end());
      for (const auto& w : p.weights()) v.weights[w.work_type()] = w.weight_percent();
      if (p.has_first_marked_grade()) v.first_marked_grade = p.first_marked_grade();
      if (p.has_adaptation_forbids_unsatisfactory()) {
        v.adaptation_forbids_unsatisfactory = p.adaptation_forbids_unsatisfactory();
      }
      if (p.has_correction_grace_minutes())
        v.correction_grace_minutes = p.correction_grace_minutes();
      if (p.has_homework_deadline_minutes()) {
        v.homework_deadline_minutes = p.homework_deadline_minutes();
      }
      v.term_mark_minimums.assign(p.term_mark_minimums().begin(), p.term_mark_minimums().end());
      if (p.has_not_attested_absence_percent()) {
        v.not_attested_absence_percent = p.not_attested_absence_percent();
      }
      if (p.has_term_mark_entry_days()) v.term_mark_entry_days = p.term_mark_entry_days();
      if (p.has_min_marks_percent_of_lessons()) {
        v.min_marks_percent_of_lessons = p.min_marks_percent_of_lessons();
      }
      if (p.has_alert_unexplained_absence()) {
        v.alert_unexplained_absence = p.alert_unexplained_absence();
      }
      if (p.has_alert_absences_per_week()) v.alert_absences_per_week = p.alert_absences_per_week();
      if (p.has_alert_unsatisfactory_in_a_row()) {
        v.alert_unsatisfactory_in_a_row = p.alert_unsatisfactory_in_a_row();
      }
      if (p.has_alert_risk_not_attested()) v.alert_risk_not_attested = p.alert_risk_not_attested();
      if (p.has_alert_missed_control_work()) {
        v.alert_missed_control_work = p.alert_missed_control_work();
      }
      v.seq = seq;
      school->policy = std::move(v);
      break;
    }
    default:
      return Corrupt(seq, "not a school event");
  }
  DependOnSubstitution(*school, body, deps);
  return Status::Ok();
}

Status SchoolState::FoldPeople(School* school, const v1::EventBody& body, uint64_t seq, int64_t,
                               std::vector<uint64_t>&) {
  using B = v1::EventBody;
  switch (body.payload_case()) {
    case B::kUserRegistered: {
      const auto& p = body.user_registered();
      User u;
      u.id = p.user_id();
      for (int r : p.roles()) u.roles |= RoleBit(static_cast<v1::Role>(r));
      u.login = p.login_name();
      u.display_name = p.display_name();
      if (!u.login.empty()) school->logins[LoginKey(u.login)] = u.id;
      school->users[u.id] = std::move(u);
      return Status::Ok();
    }
    case B::kUserRolesChanged: {
      const auto& p = body.user_roles_changed();
      auto it = school->users.find(p.user_id());
      if (it == school->users.end()) return Corrupt(seq, "unknown user");
      it->second.roles = 0;
      for (int r : p.roles()) it->second.roles |= RoleBit(static_cast<v1::Role>(r));
      return Status::Ok();
    }
    case B::kUserProfileChanged: {
      const auto& p = body.user_profile_changed();
      auto it = school->users.find(p.user_id());
      if (it == school->users.end()) return Corrupt(seq, "unknown user");
      if (!p.display_name().empty()) it->second.display_name = p.display_name();
      if (!p.login_name().empty() && p.login_name() != it->second.login) {
        school->logins.erase(LoginKey(it->second.login));
        it->second.login = p.login_name();
        school->logins[LoginKey(it->second.login)] = it->second.id;
      }
      return Status::Ok();
    }
    case B::kUserDeactivated: {
      auto it = school->users.find(body.user_deactivated().user_id());
      if (it == school->users.end()) return Corrupt(seq, "unknown user");
      it->second.active = false;
      it->second.deactivation_reason = body.user_deactivated().reason();
      return Status::Ok();
    }
    case B::kPasswordChanged: {
      auto it = school->users.find(body.password_changed().user_id());
      if (it == school->users.end()) return Corrupt(seq, "unknown user");
      it->second.has_password = true;
      it->second.must_change_password =
          body.password_changed().kind() != v1::PASSWORD_CHANGE_KIND_BY_USER;
      return Status::Ok();
    }
    case B::kStudentEnrolled: {
      const auto& p = body.student_enrolled();
      Student& s = school->students[p.student_id()];
      s.id = p.student_id();
      Day from = DayOr(p.enrolled_on(), kNoDay);
      if (!s.memberships.empty() && s.memberships.back().to == kForever) {
        s.memberships.back().to = from - 1;
      }
      s.memberships.push_back(Membership{p.class_id(), from, kForever, p.home_schooling()});
      AddMember(*school, p.class_id(), p.student_id());
      return Status::Ok();
    }
    case B::kStudentMoved: {
      const auto& p = body.student_moved();
      auto it = school->students.find(p.student_id());
      if (it == school->students.end()) return Corrupt(seq, "unknown student");
      Day from = DayOr(p.moved_on(), kNoDay);
      if (!it->second.memberships.empty()) it->second.memberships.back().to = from - 1;
      it->second.memberships.push_back(
          Membership{p.to_class_id(), from, kForever, p.home_schooling()});
      AddMember(*school, p.to_class_id(), p.student_id());
      return Status::Ok();
    }
    case B::kStudentLeft: {
      const auto& p = body.student_left();
      auto it = school->students.find(p.student_id());
      if (it == school->students.end()) return Corrupt(seq, "unknown student");
      if (!it->second.memberships.empty()) {
        it->second.memberships.back().to = DayOr(p.left_on(), kNoDay);
      }
      return Status::Ok();
    }
    case B::kGuardianLinked: {
      const auto& p = body.guardian_linked();
      school->students[p.student_id()].guardians.insert(p.guardian_id());
      return Status::Ok();
    }
    case B::kGuardianUnlinked: {
      const auto& p = body.guardian_unlinked();
      auto it = school->students.find(p.student_id());
      if (it != school->students.end()) it->second.guardians.erase(p.guardian_id());
      return Status::Ok();
    }
    case B::kMedicalPeExemptionRecorded: {
      const auto& p = body.medical_pe_exemption_recorded();
      school->students[p.student_id()].pe_exemptions.push_back(Student::Exemption{
          DayOr(p.dates().first_day(), kNoDay), DayOr(p.dates().last_day(), kForever)});
      return Status::Ok();
    }
    case B::kPersonalDataConsentRecorded:
    case B::kPaperDiaryPreferenceSet:
      return Status::Ok();

    default:
      return Corrupt(seq, "not a people event");
  }
}

}  // namespace ejournal::school
