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
        return Malformed("R-ACC-2", "school " + body_.school_id() + " is already registered");
      }
      auto zone = SchoolZone::Find(body_.school_registered().time_zone());
      if (!zone) return zone.error();
      if (body_.school_registered().name().empty()) {
        return Malformed("R-TIME-1", "a school needs a name");
      }
      return Status::Ok();
    }
    case B::kUserRegistered: {
      if (school_ == nullptr) return Refuse("R-ACC-2", "register the school first");
      const auto& u = body_.user_registered();
      // Bootstrap only: the node registers the school's first administrator; the admin does
      // the rest.
      for (const auto& [id, user] : school_->users) {
        if (user.Has(v1::ROLE_ADMIN)) {
          return Deny("R-ACC-2", "school " + school_->id +
                                     " has an administrator: users are registered by them");
        }
      }
      if (u.roles_size() != 1 || u.roles(0) != v1::ROLE_ADMIN) {
        return Deny("R-ACC-2", "the node registers only the school's first administrator");
      }
      if (school_->users.contains(u.user_id())) {
        return Malformed("R-ACC-4", "user " + u.user_id() + " exists");
      }
      return Status::Ok();
    }
    case B::kCredentialIssued:
      return CheckCredentialIssued(body_.credential_issued());
    case B::kCredentialRevoked:
      return CheckCredentialRevoked(body_.credential_revoked());
    default:
      return Deny("R-ACC-2", "the node key writes only bootstrap and credential events");
  }
}

// R-SEC-4: a re-entry repeats an invalidated record of the same author; time windows do not apply.
Status Checker::CheckReentry() {
  uint64_t original = state_.SequenceOf(body_.reenters_event_id());
  if (original == 0) {
    return Refuse("R-SEC-4", "event " + body_.reenters_event_id() + " is not in the ledger");
  }
  if (!state_.IsInvalid(original)) {
    return Refuse("R-SEC-4", "event " + body_.reenters_event_id() +
                                 " was not invalidated: only invalidated records are re-entered");
  }
  if (state_.ReentryOf(original) != 0) {
    return Refuse("R-SEC-4", "event " + body_.reenters_event_id() + " was already re-entered");
  }
  const EventInfo* info = state_.Event(original);
  // R-ACC-6: a user id is a user of one school; the same id in another school is someone else.
  if (state_.SchoolOf(*info) != school_->id) {
    return Deny("R-ACC-6", "запись " + body_.reenters_event_id() + " сделана в другой школе");
  }
  if (state_.ActorOf(*info) != body_.actor_id()) {
    return Deny("R-SEC-4",
                "a record is re-entered by its legitimate author, " + state_.ActorOf(*info));
  }
  if (info->payload != static_cast<uint32_t>(body_.payload_case())) {
    return Malformed("R-SEC-4", "a re-entry has the type of the record it replaces");
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
    return Malformed("R-SEC-4", "a re-entry concerns the same cell as the record it replaces, " +
                                    state_.Name(info->lesson) + " × " + state_.Name(info->student));
  }
  reentry_ = true;
  return Status::Ok();
}

Status Checker::CheckCredentialIssued(const v1::CredentialIssued& c) {
  const bool node = body_.actor_id() == kNodeActor;
  if (!node) {
    // R-ACC-2: an administrator issues long-lived keys to their own school's users; session
    // and node credentials come only from the node.
    if (!Is({v1::ROLE_ADMIN})) return Deny("R-ACC-2", "only the administrator issues keys");
    if (c.kind() != v1::CREDENTIAL_KIND_LONG_LIVED) {
      return Deny("R-ACC-2", "an administrator issues only long-lived credentials");
    }
  }
  if (c.kind() == v1::CREDENTIAL_KIND_NODE) {
    if (!node) return Deny("R-ACC-2", "only the node issues node credentials");
    if (c.user_id() != kNodeActor) {
      return Malformed("R-ACC-4", "a node credential belongs to the node");
    }
    return Status::Ok();
  }
  if (c.user_id() == kNodeActor) {
    return Deny("R-ACC-4", "only a node credential belongs to the node");
  }
  if (school_ == nullptr) return Refuse("R-ACC-2", "school " + body_.school_id() + " is unknown");
  const User* holder = school_->FindUser(c.user_id());
  if (holder == nullptr) {
    return Refuse("R-ACC-4", "user " + c.user_id() + " is not a user of school " + school_->id);
  }
  if (!holder->active) return Refuse("R-ACC-1", "user " + c.user_id() + " is deactivated");
  return Status::Ok();
}

Status Checker::CheckCredentialRevoked(const v1::CredentialRevoked& c) {
  const Credential* cred = state_.FindCredential(c.credential_id());
  const bool node = body_.actor_id() == kNodeActor;
  if (cred == nullptr) {
    // The node credential itself is not folded from an event.
    if (node) return Status::Ok();
    return Refuse("R-ACC-1", "credential " + c.credential_id() + " is unknown");
  }
  if (node) return Status::Ok();
  if (cred->kind == v1::CREDENTIAL_KIND_NODE || cred->user_id == kNodeActor) {
    return Deny("R-ACC-2", "only the node revokes a node credential");
  }
  // R-ACC-6: only a credential of this school; its user id may equal a user id of another.
  if (cred->school_id != school_->id) {
    return Deny("R-ACC-6", "ключ " + c.credential_id() + " выдан в другой школе");
  }
  if (cred->user_id == body_.actor_id()) {
    if (c.reason() == v1::REVOCATION_REASON_LOGOUT ||
        c.reason() == v1::REVOCATION_REASON_COMPROMISE) {
      return Status::Ok();
    }
    return Deny("R-ACC-2", "a user revokes their own credential at logout or on compromise");
  }
  if (Is({v1::ROLE_ADMIN, v1::ROLE_DIRECTOR})) return Status::Ok();
  return Deny("R-ACC-2", "credential " + c.credential_id() + " is not yours to revoke");
}

Status Checker::CheckCredentialCompromiseReported() {
  const auto& r = body_.credential_compromise_reported();
  if (r.user_id() == actor_->id) {
    if (!IsStaff(*actor_)) return Deny("R-ACC-2", "compromise reports are for staff logins");
  } else if (!Is({v1::ROLE_DIRECTOR, v1::ROLE_ADMIN})) {
    return Deny("R-ACC-2",
                "an employee reports their own login; the director or the "
                "administrator record reports for others");
  }
  EJ_RETURN_IF_ERROR(UserExists(r.user_id(), "user"));
  if (school_->reports.contains(r.report_id()) || r.report_id().empty()) {
    return AlreadyExists("report " + r.report_id() + " exists or has no id");
  }
  for (const auto& cid : r.credential_ids()) {
    if (state_.UserCredential(school_->id, r.user_id(), cid) == nullptr) {
      return Refuse("R-SEC-1", "credential " + cid + " is not a credential of " + r.user_id());
    }
  }
  const int64_t reported = r.reported_at_us() == 0 ? at_us_ : r.reported_at_us();
  if (r.discovered_at_us() <= 0 || r.discovered_at_us() > reported || reported > at_us_) {
    return Malformed("R-SEC-1",
                     "the discovery comes before the report, and both are not in the future");
  }
  return Status::Ok();
}

Status Checker::CheckAct(const v1::CredentialCompromiseActRecorded& act) {
  EJ_RETURN_IF_ERROR(Needs({v1::ROLE_DIRECTOR, v1::ROLE_ADMIN}, "recording a compromise Act"));
  if (act.act_id().empty() || act.act_number().empty()) {
    return Malformed("R-SEC-2", "an Act has its id and number");
  }
  if (school_->acts.contains(act.act_id())) return AlreadyExists("Act " + act.act_id() + " exists");
  EJ_ASSIGN_OR_RETURN(Day act_day, DayOf(act.act_date()));
  (void)act_day;
  if (act.commission().empty()) return Malformed("R-SEC-2", "an Act names its commission");
  for (const auto& m : act.commission())
    EJ_RETURN_IF_ERROR(UserExists(m.user_id(), "commission member"));
  EJ_RETURN_IF_ERROR(UserExists(act.affected_user_id(), "affected user"));
  if (act.affected_credential_ids().empty()) {
    return Malformed("R-SEC-2", "an Act names the compromised credentials");
  }
  for (const auto& cid : act.affected_credential_ids()) {
    if (state_.UserCredential(school_->id, act.affected_user_id(), cid) == nullptr) {
      return Refuse("R-SEC-2",
                    "credential " + cid + " is not a credential of " + act.affected_user_id());
    }
  }
  if (act.invalid_from_us() <= 0 || act.invalid_from_us() > at_us_) {
    return Malformed("R-SEC-2", "the moment from which operations are invalid is in the past");
  }
  if (!act.report_id().empty() && !school_->reports.contains(act.report_id())) {
    return Refuse("R-SEC-1", "no compromise report " + act.report_id());
  }
  return Status::Ok();
}

}  // namespace ejournal::school::rules
