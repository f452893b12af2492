// The set-up rules: the school, its year and holidays, subjects, classes, users, enrolment,
// guardians, students' records and the school's policy (DOMAIN.md R-ACC-2 for who may).
#include <string>
#include <vector>

#include "projections/rule_checker.h"

namespace ejournal::school::rules {

Status Checker::CheckSchoolRegistered() {
  EJ_RETURN_IF_ERROR(Needs({v1::ROLE_ADMIN}, "Регистрировать школу"));
  auto zone = SchoolZone::Find(body_.school_registered().time_zone());
  if (!zone) return zone.error();
  return Status::Ok();
}

Status Checker::CheckAcademicYearDefined() {
  EJ_RETURN_IF_ERROR(Needs({v1::ROLE_ADMIN}, "Задавать учебный год"));
  const auto& y = body_.academic_year_defined();
  EJ_ASSIGN_OR_RETURN(Day first, DayOf(y.dates().first_day()));
  EJ_ASSIGN_OR_RETURN(Day last, DayOf(y.dates().last_day()));
  if (last < first) {
    return Malformed("R-TERM-1", "Учебный год кончается раньше, чем начинается");
  }
  // The periods of a scheme are numbered 1..n in order, inside the year, one after another.
  for (const auto& s : y.term_schemes()) {
    Day previous_last = kNoDay;
    int expected = 1;
    for (const auto& t : s.terms()) {
      const std::string name = std::to_string(t.number()) + "-й период";
      EJ_ASSIGN_OR_RETURN(Day tf, DayOf(t.dates().first_day()));
      EJ_ASSIGN_OR_RETURN(Day tl, DayOf(t.dates().last_day()));
      if (t.number() != expected++) {
        return Malformed("R-TERM-1", "Периоды нумеруются по порядку с 1: " + name + " не на месте");
      }
      if (tf < first || tl > last || tl < tf) {
        return Malformed("R-TERM-1", name + " (" + RuDate(tf) + " — " + RuDate(tl) +
                                         ") не внутри учебного года");
      }
      if (previous_last != kNoDay && tf <= previous_last) {
        return Malformed("R-TERM-1", name + " начинается раньше, чем кончается предыдущий");
      }
      previous_last = tl;
    }
  }
  if (y.has_adaptation_period()) {
    EJ_ASSIGN_OR_RETURN(Day af, DayOf(y.adaptation_period().first_day()));
    EJ_ASSIGN_OR_RETURN(Day al, DayOf(y.adaptation_period().last_day()));
    if (al < af)
      return Malformed("R-MARK-4", "Адаптационный период кончается раньше, чем начинается");
  }
  return Status::Ok();
}

Status Checker::CheckHolidayDeclared() {
  EJ_RETURN_IF_ERROR(Needs({v1::ROLE_ADMIN}, "Объявлять нерабочие дни"));
  if (!school_->years.contains(body_.holiday_declared().academic_year_id())) {
    return Refuse("R-SET-1", "В школе нет учебного года «" +
                                 body_.holiday_declared().academic_year_id() + "»");
  }
  return Status::Ok();
}

Status Checker::CheckSubjectDefined() { return Needs({v1::ROLE_ADMIN}, "Заводить предметы"); }

Status Checker::CheckClassCreated() {
  EJ_RETURN_IF_ERROR(Needs({v1::ROLE_ADMIN}, "Создавать классы"));
  const auto& c = body_.class_created();
  if (c.grade() < 1 || c.grade() > 11) {
    return Malformed("R-SET-1", "Параллель класса — от 1 до 11, а не " + std::to_string(c.grade()));
  }
  if (!school_->years.contains(c.academic_year_id())) {
    return Refuse("R-SET-1", "В школе нет учебного года «" + c.academic_year_id() + "»");
  }
  if (school_->classes.contains(c.class_id())) {
    return AlreadyExists("Класс с идентификатором «" + c.class_id() + "» уже есть (" +
                         school_->ClassLabel(c.class_id()) + ")");
  }
  if (!c.class_teacher_id().empty())
    EJ_RETURN_IF_ERROR(UserExists(c.class_teacher_id(), "Классный руководитель"));
  return Status::Ok();
}

Status Checker::CheckClassTeacherAssigned() {
  EJ_RETURN_IF_ERROR(Needs({v1::ROLE_ADMIN}, "Назначать классных руководителей"));
  const auto& c = body_.class_teacher_assigned();
  if (!school_->classes.contains(c.class_id()))
    return Refuse("R-SET-1", "В школе нет класса «" + c.class_id() + "»");
  const User* u = school_->FindUser(c.class_teacher_id());
  if (u == nullptr || !u->Has(v1::ROLE_CLASS_TEACHER)) {
    return Refuse("R-ACC-2", "«" + school_->UserName(c.class_teacher_id()) +
                                 "» не имеет роли «классный руководитель»");
  }
  return Status::Ok();
}

Status Checker::CheckSubgroupDefined() {
  EJ_RETURN_IF_ERROR(Needs({v1::ROLE_ADMIN}, "Делить классы на группы"));
  const auto& g = body_.subgroup_defined();
  if (!school_->classes.contains(g.class_id()))
    return Refuse("R-SET-1", "В школе нет класса «" + g.class_id() + "»");
  if (g.subgroup_id().empty() || g.subgroup_id().front() == kHomePagePrefix) {
    return Malformed("R-SET-1", std::string("Идентификатор группы не пуст и не начинается с «") +
                                    kHomePagePrefix + "»: так названы страницы обучения на дому");
  }
  if (!g.subject_id().empty() && !school_->subjects.contains(g.subject_id())) {
    return Refuse("R-SET-1", "В школе нет предмета «" + g.subject_id() + "»");
  }
  Day day = body_.subgroup_defined().has_effective_from()
                ? DayOf(g.effective_from()).value_or(today_)
                : today_;
  for (const auto& s : g.student_ids()) {
    if (ClassOf(s, day) != g.class_id()) {
      return Refuse("R-SET-1", "«" + school_->UserName(s) + "» не учится в " +
                                   school_->ClassLabel(g.class_id()) + " на " + RuDate(day));
    }
  }
  return Status::Ok();
}

Status Checker::CheckUserRegistered() {
  EJ_RETURN_IF_ERROR(Needs({v1::ROLE_ADMIN}, "Регистрировать пользователей"));
  const auto& u = body_.user_registered();
  if (u.user_id() == kNodeActor) {
    return Malformed("R-ACC-4", "Идентификатор «node» зарезервирован за узлом");
  }
  if (school_->users.contains(u.user_id())) {
    return AlreadyExists("Пользователь с идентификатором «" + u.user_id() + "» уже есть (" +
                         school_->UserName(u.user_id()) + ")");
  }
  if (u.roles().empty())
    return Malformed("R-ACC-2", "У пользователя должна быть хотя бы одна роль");
  if (!u.login_name().empty() && school_->logins.contains(LoginKey(u.login_name()))) {
    return Status(StatusCode::kAlreadyExists,
                  "Логин «" + u.login_name() + "» уже занят (" +
                      school_->UserName(school_->logins.find(LoginKey(u.login_name()))->second) +
                      "); логины личные и не повторяются",
                  "R-ACC-4");
  }
  return Status::Ok();
}

Status Checker::CheckUserRolesChanged() {
  EJ_RETURN_IF_ERROR(Needs({v1::ROLE_ADMIN}, "Менять роли"));
  return UserExists(body_.user_roles_changed().user_id(), "Пользователь");
}

Status Checker::CheckUserProfileChanged() {
  const bool admin = Is({v1::ROLE_ADMIN});
  const auto& p = body_.user_profile_changed();
  EJ_RETURN_IF_ERROR(UserExists(p.user_id(), "Пользователь"));
  // R-ACC-2 before R-ACC-4: who may not change the profile learns nothing about which logins
  // exist. A class teacher keeps the profiles of their class's students and parents.
  bool allowed = admin;
  const User* u = school_->FindUser(p.user_id());
  if (!allowed && u->Has(v1::ROLE_STUDENT)) {
    allowed = ClassTeacherOf(ClassOf(p.user_id(), today_));
  }
  if (!allowed && u->Has(v1::ROLE_PARENT)) {
    for (const auto& [sid, st] : school_->students) {
      if (st.guardians.contains(p.user_id()) && ClassTeacherOf(ClassOf(sid, today_))) {
        allowed = true;
        break;
      }
    }
  }
  if (!allowed) {
    return Deny("R-ACC-2", "Менять ФИО и логин «" + school_->UserName(p.user_id()) +
                               "» может администратор, а ученика и его родителей — ещё и "
                               "классный руководитель");
  }
  if (!p.login_name().empty()) {
    auto it = school_->logins.find(LoginKey(p.login_name()));
    if (it != school_->logins.end() && it->second != p.user_id()) {
      return Status(
          StatusCode::kAlreadyExists,
          "Логин «" + p.login_name() + "» уже занят (" + school_->UserName(it->second) + ")",
          "R-ACC-4");
    }
  }
  return Status::Ok();
}

Status Checker::CheckUserDeactivated() {
  EJ_RETURN_IF_ERROR(Needs({v1::ROLE_ADMIN}, "Отключать пользователей"));
  return UserExists(body_.user_deactivated().user_id(), "Пользователь");
}

Status Checker::CheckPasswordChanged() {
  const auto& p = body_.password_changed();
  const bool admin = Is({v1::ROLE_ADMIN});
  if (p.user_id() == body_.actor_id() || admin) return UserExists(p.user_id(), "Пользователь");
  // R-SET-2: the class teacher issues the first logins of the class's students and their
  // parents (a reset stays the administrator's): again while the person has not used the first
  // one (a lost slip), never over a password they set themself.
  if (p.kind() == v1::PASSWORD_CHANGE_KIND_INITIAL && Is({v1::ROLE_CLASS_TEACHER})) {
    if (const User* target = school_->FindUser(p.user_id());
        target != nullptr && target->has_password && !target->must_change_password) {
      return Deny("R-SET-2",
                  "Пользователь уже сменил первый пароль на свой; сбросить его может только "
                  "администратор");
    }
    std::vector<std::string> students{p.user_id()};
    for (const auto& [id, student] : school_->students) {
      if (student.guardians.contains(p.user_id())) students.push_back(id);
    }
    for (const auto& student : students) {
      const User* u = school_->FindUser(student);
      if (u == nullptr || !u->Has(v1::ROLE_STUDENT)) continue;
      if (std::string cls = ClassOf(student, today_); !cls.empty() && ClassTeacherOf(cls)) {
        return Status::Ok();
      }
    }
  }
  return Deny("R-SET-2",
              "Пароль меняет сам пользователь или администратор; первый пароль ученикам и "
              "родителям своего класса выдаёт классный руководитель");
}

// R-SET-2: a first or reset password is changed at the first sign-in. A session signed in with
// such a password signs nothing but the user's own new password (the pages and the CLI ask for
// it first); long-lived keys (a device, a script) keep working, so that a reset does not
// stop a teacher's scripts.
Status Checker::CheckPasswordChangedFirst() {
  if (!actor_->must_change_password) return Status::Ok();
  const Credential* cred = state_.FindCredential(body_.credential_id());
  if (cred == nullptr || cred->kind != v1::CREDENTIAL_KIND_SESSION) return Status::Ok();
  if (body_.has_password_changed() && body_.password_changed().user_id() == actor_->id &&
      body_.password_changed().kind() == v1::PASSWORD_CHANGE_KIND_BY_USER) {
    return Status::Ok();
  }
  if (body_.has_credential_revoked()) return Status::Ok();  // signing out
  return Deny("R-SET-2",
              "Сначала смените выданный пароль: первый пароль действует только для входа и смены "
              "пароля");
}

Status Checker::CheckStudentEnrolled() {
  const bool admin = Is({v1::ROLE_ADMIN});
  const auto& e = body_.student_enrolled();
  if (!admin && !ClassTeacherOf(e.class_id())) {
    return Deny("R-ACC-2",
                "Зачисляет в класс администратор или классный руководитель этого класса");
  }
  if (!school_->classes.contains(e.class_id()))
    return Refuse("R-SET-1", "В школе нет класса «" + e.class_id() + "»");
  const User* u = school_->FindUser(e.student_id());
  if (u == nullptr || !u->Has(v1::ROLE_STUDENT)) {
    return Refuse("R-SET-1",
                  "«" + school_->UserName(e.student_id()) + "» не зарегистрирован(а) как ученик");
  }
  EJ_ASSIGN_OR_RETURN(Day on, DayOf(e.enrolled_on()));
  (void)on;
  return Status::Ok();
}

Status Checker::CheckStudentMoved() {
  EJ_RETURN_IF_ERROR(Needs({v1::ROLE_ADMIN}, "Переводить учеников"));
  const auto& m = body_.student_moved();
  if (!school_->students.contains(m.student_id()))
    return Refuse("R-SET-1", "«" + school_->UserName(m.student_id()) + "» не ученик школы");
  if (!school_->classes.contains(m.to_class_id()))
    return Refuse("R-SET-1", "В школе нет класса «" + m.to_class_id() + "»");
  EJ_ASSIGN_OR_RETURN(Day on, DayOf(m.moved_on()));
  (void)on;
  return Status::Ok();
}

Status Checker::CheckStudentLeft() {
  EJ_RETURN_IF_ERROR(Needs({v1::ROLE_ADMIN}, "Записывать выбытие ученика"));
  if (!school_->students.contains(body_.student_left().student_id())) {
    return Refuse("R-SET-1",
                  "«" + school_->UserName(body_.student_left().student_id()) + "» не ученик школы");
  }
  return Status::Ok();
}

Status Checker::CheckGuardianLink() {
  const bool admin = Is({v1::ROLE_ADMIN});
  const std::string& sid = body_.has_guardian_linked() ? body_.guardian_linked().student_id()
                                                       : body_.guardian_unlinked().student_id();
  const std::string& gid = body_.has_guardian_linked() ? body_.guardian_linked().guardian_id()
                                                       : body_.guardian_unlinked().guardian_id();
  if (!admin && !Is({v1::ROLE_SECRETARY}) && !ClassTeacherOf(ClassOf(sid, today_))) {
    return Deny("R-ACC-2",
                "Родителей с детьми связывает администратор, секретарь или классный "
                "руководитель ребёнка");
  }
  if (!school_->students.contains(sid)) {
    return Refuse("R-ACC-3", "«" + school_->UserName(sid) + "» не ученик школы");
  }
  const User* g = school_->FindUser(gid);
  if (g == nullptr || !g->Has(v1::ROLE_PARENT)) {
    return Refuse("R-ACC-3", "«" + school_->UserName(gid) + "» не зарегистрирован(а) как родитель");
  }
  return Status::Ok();
}

Status Checker::CheckMedicalPeExemptionRecorded() {
  const auto& e = body_.medical_pe_exemption_recorded();
  if (!Is({v1::ROLE_SECRETARY}) && !ClassTeacherOf(ClassOf(e.student_id(), today_))) {
    return Deny("R-ACC-2", "Освобождение записывает секретарь или классный руководитель ученика");
  }
  if (!school_->students.contains(e.student_id()))
    return Refuse("R-ATT-1", "«" + school_->UserName(e.student_id()) + "» не ученик школы");
  EJ_ASSIGN_OR_RETURN(Day first, DayOf(e.dates().first_day()));
  EJ_ASSIGN_OR_RETURN(Day last, DayOf(e.dates().last_day()));
  if (last < first) return Malformed("R-ATT-1", "Освобождение кончается раньше, чем начинается");
  return Status::Ok();
}

Status Checker::CheckConsentOrPaperDiary() {
  const bool admin = Is({v1::ROLE_ADMIN});
  const std::string& sid = body_.has_personal_data_consent_recorded()
                               ? body_.personal_data_consent_recorded().student_id()
                               : body_.paper_diary_preference_set().student_id();
  if (!admin && !Is({v1::ROLE_SECRETARY}) && !ClassTeacherOf(ClassOf(sid, today_))) {
    return Deny("R-ACC-2",
                "Это записывает секретарь, классный руководитель ученика или администратор");
  }
  if (!school_->students.contains(sid)) {
    return Refuse("R-ACC-3", "«" + school_->UserName(sid) + "» не ученик школы");
  }
  return Status::Ok();
}

Status Checker::CheckSchoolPolicySet() {
  EJ_RETURN_IF_ERROR(Needs({v1::ROLE_DIRECTOR, v1::ROLE_ADMIN}, "Задавать правила школы"));
  const auto& p = body_.school_policy_set().policy();
  for (const auto& w : p.mark_windows()) {
    if (w.work_types().empty() || w.kind() == v1::MARK_WINDOW_KIND_UNSPECIFIED || w.amount() < 0) {
      return Malformed(
          "R-MARK-3",
          "Срок выставления отметок называет виды работ, вид срока и неотрицательную длину");
    }
  }
  for (const auto& w : p.weights()) {
    if (w.weight_percent() < 1 || w.weight_percent() > 1000) {
      return Malformed("R-MARK-2", "Вес отметки — от 1 до 1000 %");
    }
  }
  if (p.has_first_marked_grade() && (p.first_marked_grade() < 1 || p.first_marked_grade() > 11)) {
    return Malformed("R-MARK-1", "Первая параллель с отметками — от 1 до 11");
  }
  if (p.has_correction_grace_minutes() &&
      (p.correction_grace_minutes() < 0 || p.correction_grace_minutes() > 24 * 60)) {
    return Malformed("R-COR-1", "Время на исправление без заявки — от 0 до 1440 минут");
  }
  if (p.has_homework_deadline_minutes() &&
      (p.homework_deadline_minutes() < 0 || p.homework_deadline_minutes() > 24 * 60)) {
    return Malformed("R-HW-1",
                     "Срок задания домашней работы — от 0 до 1440 минут после последнего урока");
  }
  if (p.has_alert_absences_per_week() &&
      (p.alert_absences_per_week() < 0 || p.alert_absences_per_week() > 50)) {
    return Malformed("R-MSG-3",
                     "Пропусков в неделю для уведомления — от 1 до 50 (0 — не уведомлять)");
  }
  return Status::Ok();
}

}  // namespace ejournal::school::rules
