// The acknowledgement rule (DOMAIN.md R-ACK): a parent's acknowledgement of the diary week.
#include <string>

#include "projections/rule_checker.h"

namespace ejournal::school::rules {

Status Checker::CheckAck(const v1::DiaryAcknowledged& ack) {
  auto st = school_->students.find(ack.student_id());
  if (st == school_->students.end())
    return Deny("R-ACC-3", "no student " + ack.student_id() + " of yours");
  switch (ack.channel()) {
    case v1::ACKNOWLEDGEMENT_CHANNEL_ELECTRONIC:
      if (!Is({v1::ROLE_PARENT}) || ack.guardian_id() != actor_->id ||
          !st->second.guardians.contains(actor_->id)) {
        return Deny("R-ACC-3", "a parent acknowledges only their own child's diary");
      }
      break;
    case v1::ACKNOWLEDGEMENT_CHANNEL_PAPER:
      if (!ClassTeacherOf(ClassOf(ack.student_id(), today_))) {
        return Deny("R-ACC-2", "a paper acknowledgement is recorded by the class teacher");
      }
      if (!st->second.guardians.contains(ack.guardian_id())) {
        return Refuse("R-ACC-3", ack.guardian_id() + " is not a guardian of " + ack.student_id());
      }
      break;
    default:
      return Malformed("R-ACK-1", "an acknowledgement is electronic or on paper");
  }
  EJ_ASSIGN_OR_RETURN(Day week, DayOf(ack.week_start()));
  if (WeekdayOf(week) != 1) return Malformed("R-ACK-1", "a diary week starts on Monday");
  if (ack.as_of_sequence() == 0 || ack.as_of_sequence() > state_.size()) {
    return Malformed("R-ACK-1",
                     "the acknowledgement names the ledger position the parent saw (1.." +
                         std::to_string(state_.size()) + ")");
  }
  return Status::Ok();
}

}  // namespace ejournal::school::rules
