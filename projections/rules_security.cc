// The security rules (DOMAIN.md R-ACC, R-SEC): the node's own events, credentials, compromise
// reports and Acts, and re-entries.
#include <string>

#include "projections/rule_checker.h"

namespace ejournal::school::rules {

// The node's own events: bootstrap (a school and its first administrator), and credentials.
Status Checker::CheckNodeEvent() {
  switch (body_.payload_case()) {
    case B::kSchoolRegistered: {
      if (school_ != nullptr) {
        return Malformed("R-ACC-2", "Школа «" + school_->name + "» уже зарегистрирована");
      }
      auto zone = SchoolZone::Find(body_.school_registered().time_zone());
      if (!zone) return zone.error();
      if (body_.school_registered().name().empty()) {
        return Malformed("R-TIME-1", "У школы должно быть название");
      }
      return Status::Ok();
    }
    case B::kUserRegistered: {
      if (school_ == nullptr) return Refuse("R-ACC-2", "Сначала зарегистрируйте школу");
      const auto& u = body_.user_registered();
      // Bootstrap only: the node registers the school's first administrator; the admin does
      // the rest.
      for (const auto& [id, user] : school_->users) {
        if (user.Has(v1::ROLE_ADMIN)) {
          return Deny("R-ACC-2", "В школе «" + school_->name +
                                     "» уже есть администратор: пользователей регистрирует он");
        }
      }
      if (u.roles_size() != 1 || u.roles(0) != v1::ROLE_ADMIN) {
        return Deny("R-ACC-2", "Узел регистрирует только первого администратора школы");
      }
      if (school_->users.contains(u.user_id())) {
        return Malformed("R-ACC-4", "Пользователь «" + u.user_id() + "» уже есть");
      }
      return Status::Ok();
    }
    case B::kCredentialIssued:
      return CheckCredentialIssued(body_.credential_issued());
    case B::kCredentialRevoked:
      return CheckCredentialRevoked(body_.credential_revoked());
    default:
      return Deny("R-ACC-2", "Ключ узла записывает только регистрацию школы и ключи");
  }
}

// R-SEC-4: a re-entry repeats an invalidated record of the same author; time windows do not apply.
Status Checker::CheckReentry() {
  uint64_t original = state_.SequenceOf(body_.reenters_event_id());
  if (original == 0) {
    return Refuse("R-SEC-4", "Повторно вносимой записи нет в журнале");
  }
  if (!state_.IsInvalid(original)) {
    return Refuse("R-SEC-4",
                  "Запись не признана недействительной: заново вносят только "
                  "недействительные записи");
  }
  if (state_.ReentryOf(original) != 0) {
    return Refuse("R-SEC-4", "Эта запись уже внесена заново");
  }
  const EventInfo* info = state_.Event(original);
  // R-ACC-6: a user id is a user of one school; the same id in another school is someone else.
  if (state_.SchoolOf(*info) != school_->id) {
    return Deny("R-ACC-6", "Запись сделана в другой школе");
  }
  if (state_.ActorOf(*info) != body_.actor_id()) {
    return Deny("R-SEC-4", "Запись заново вносит её настоящий автор, «" +
                               school_->UserName(state_.ActorOf(*info)) + "»");
  }
  if (info->payload != static_cast<uint32_t>(body_.payload_case())) {
    return Malformed("R-SEC-4", "Повторная запись — того же вида, что и заменяемая");
  }
  // The same cell (lesson × student) as the record it replaces (event.proto, reenters_event_id).
  const std::string* lesson = nullptr;
  const std::string* student = nullptr;
  if (body_.has_mark_recorded()) {
    lesson = &body_.mark_recorded().lesson_id();
    student = &body_.mark_recorded().student_id();
  } else if (body_.has_attendance_recorded()) {
    lesson = &body_.attendance_recorded().lesson_id();
    student = &body_.attendance_recorded().student_id();
  }
  if (lesson != nullptr && info->lesson != 0 && info->student != 0 &&
      (*lesson != state_.Name(info->lesson) || *student != state_.Name(info->student))) {
    return Malformed("R-SEC-4", "Повторная запись — о той же ячейке, что и заменяемая: " +
                                    school_->LessonText(state_.Name(info->lesson)) + ", «" +
                                    school_->UserName(state_.Name(info->student)) + "»");
  }
  reentry_ = true;
  return Status::Ok();
}

Status Checker::CheckCredentialIssued(const v1::CredentialIssued& c) {
  const bool node = body_.actor_id() == kNodeActor;
  if (!node) {
    // R-ACC-2: an administrator issues long-lived keys to their own school's users; session
    // and node credentials come only from the node.
    if (!Is({v1::ROLE_ADMIN})) return Deny("R-ACC-2", "Ключи выдаёт только администратор");
    if (c.kind() != v1::CREDENTIAL_KIND_LONG_LIVED) {
      return Deny("R-ACC-2", "Администратор выдаёт только долгосрочные ключи");
    }
  }
  if (c.kind() == v1::CREDENTIAL_KIND_NODE) {
    if (!node) return Deny("R-ACC-2", "Ключ узла выдаёт только узел");
    if (c.user_id() != kNodeActor) {
      return Malformed("R-ACC-4", "Ключ узла принадлежит узлу");
    }
    return Status::Ok();
  }
  if (c.user_id() == kNodeActor) {
    return Deny("R-ACC-4", "Узлу принадлежит только ключ узла");
  }
  if (school_ == nullptr) {
    return Refuse("R-ACC-2", "Школа «" + body_.school_id() + "» не зарегистрирована");
  }
  const User* holder = school_->FindUser(c.user_id());
  if (holder == nullptr) {
    return Refuse("R-ACC-4", "«" + c.user_id() + "» — не пользователь школы");
  }
  if (!holder->active) {
    return Refuse("R-ACC-1", "Учётная запись «" + holder->display_name + "» отключена");
  }
  return Status::Ok();
}

Status Checker::CheckCredentialRevoked(const v1::CredentialRevoked& c) {
  const Credential* cred = state_.FindCredential(c.credential_id());
  const bool node = body_.actor_id() == kNodeActor;
  if (cred == nullptr) {
    // The node credential itself is not folded from an event.
    if (node) return Status::Ok();
    return Refuse("R-ACC-1", "Нет такого ключа: «" + c.credential_id() + "»");
  }
  if (node) return Status::Ok();
  if (cred->kind == v1::CREDENTIAL_KIND_NODE || cred->user_id == kNodeActor) {
    return Deny("R-ACC-2", "Ключ узла отзывает только узел");
  }
  // R-ACC-6: only a credential of this school; its user id may equal a user id of another.
  if (cred->school_id != school_->id) {
    return Deny("R-ACC-6", "Ключ выдан в другой школе");
  }
  if (cred->user_id == body_.actor_id()) {
    if (c.reason() == v1::REVOCATION_REASON_LOGOUT ||
        c.reason() == v1::REVOCATION_REASON_COMPROMISE) {
      return Status::Ok();
    }
    return Deny("R-ACC-2", "Свой ключ пользователь отзывает при выходе или при компрометации");
  }
  if (Is({v1::ROLE_ADMIN, v1::ROLE_DIRECTOR})) return Status::Ok();
  return Deny("R-ACC-2", "Чужой ключ отзывает администратор или директор");
}

Status Checker::CheckCredentialCompromiseReported() {
  const auto& r = body_.credential_compromise_reported();
  if (r.user_id() == actor_->id) {
    if (!IsStaff(*actor_))
      return Deny("R-ACC-2", "О компрометации сообщают сотрудники о своих учётных записях");
  } else if (!Is({v1::ROLE_DIRECTOR, v1::ROLE_ADMIN})) {
    return Deny("R-ACC-2",
                "Сотрудник сообщает о своей учётной записи; за других сообщение записывает "
                "директор или администратор");
  }
  EJ_RETURN_IF_ERROR(UserExists(r.user_id(), "Пользователь"));
  if (school_->reports.contains(r.report_id()) || r.report_id().empty()) {
    return AlreadyExists("Это сообщение уже записано или у него нет идентификатора");
  }
  for (const auto& cid : r.credential_ids()) {
    if (state_.UserCredential(school_->id, r.user_id(), cid) == nullptr) {
      return Refuse("R-SEC-1",
                    "Ключ «" + cid + "» не принадлежит «" + school_->UserName(r.user_id()) + "»");
    }
  }
  const int64_t reported = r.reported_at_us() == 0 ? at_us_ : r.reported_at_us();
  if (r.discovered_at_us() <= 0 || r.discovered_at_us() > reported || reported > at_us_) {
    return Malformed("R-SEC-1", "Обнаружение — раньше сообщения, и оба — не в будущем");
  }
  return Status::Ok();
}

Status Checker::CheckAct(const v1::CredentialCompromiseActRecorded& act) {
  EJ_RETURN_IF_ERROR(Needs({v1::ROLE_DIRECTOR, v1::ROLE_ADMIN}, "Записывать акт о компрометации"));
  if (act.act_id().empty() || act.act_number().empty()) {
    return Malformed("R-SEC-2", "У акта должны быть идентификатор и номер");
  }
  if (school_->acts.contains(act.act_id())) return AlreadyExists("Этот акт уже записан");
  EJ_ASSIGN_OR_RETURN(Day act_day, DayOf(act.act_date()));
  (void)act_day;
  if (act.commission().empty()) return Malformed("R-SEC-2", "В акте не указана комиссия");
  for (const auto& m : act.commission())
    EJ_RETURN_IF_ERROR(UserExists(m.user_id(), "Член комиссии"));
  EJ_RETURN_IF_ERROR(
      UserExists(act.affected_user_id(), "Пользователь, чья учётная запись скомпрометирована,"));
  if (act.affected_credential_ids().empty()) {
    return Malformed("R-SEC-2", "В акте не указаны скомпрометированные ключи");
  }
  for (const auto& cid : act.affected_credential_ids()) {
    if (state_.UserCredential(school_->id, act.affected_user_id(), cid) == nullptr) {
      return Refuse("R-SEC-2", "Ключ «" + cid + "» не принадлежит «" +
                                   school_->UserName(act.affected_user_id()) + "»");
    }
  }
  if (act.invalid_from_us() <= 0 || act.invalid_from_us() > at_us_) {
    return Malformed("R-SEC-2",
                     "Момент, с которого операции недействительны, должен быть в прошлом");
  }
  if (!act.report_id().empty() && !school_->reports.contains(act.report_id())) {
    return Refuse("R-SEC-1", "Нет такого сообщения о компрометации");
  }
  return Status::Ok();
}

}  // namespace ejournal::school::rules
