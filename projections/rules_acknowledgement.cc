// The acknowledgement rule (DOMAIN.md R-ACK): a parent's acknowledgement of the diary week.
#include <string>

#include "projections/rule_checker.h"

namespace ejournal::school::rules {

Status Checker::CheckAck(const v1::DiaryAcknowledged& ack) {
  auto st = school_->students.find(ack.student_id());
  if (st == school_->students.end()) return Deny("R-ACC-3", "Такого ученика среди ваших детей нет");
  switch (ack.channel()) {
    case v1::ACKNOWLEDGEMENT_CHANNEL_ELECTRONIC:
      if (!Is({v1::ROLE_PARENT}) || ack.guardian_id() != actor_->id ||
          !st->second.guardians.contains(actor_->id)) {
        return Deny("R-ACC-3", "Родитель подтверждает только дневник своего ребёнка");
      }
      break;
    case v1::ACKNOWLEDGEMENT_CHANNEL_PAPER:
      if (!ClassTeacherOf(ClassOf(ack.student_id(), today_))) {
        return Deny("R-ACC-2",
                    "Подпись родителя в бумажном дневнике отмечает классный руководитель");
      }
      if (!st->second.guardians.contains(ack.guardian_id())) {
        return Refuse("R-ACC-3", "«" + school_->UserName(ack.guardian_id()) +
                                     "» не родитель ученика «" +
                                     school_->UserName(ack.student_id()) + "»");
      }
      break;
    default:
      return Malformed("R-ACK-1", "«Ознакомлен» — в электронном или бумажном дневнике");
  }
  EJ_ASSIGN_OR_RETURN(Day week, DayOf(ack.week_start()));
  if (WeekdayOf(week) != 1)
    return Malformed("R-ACK-1", "Неделя дневника начинается с понедельника");
  if (ack.as_of_sequence() == 0 || ack.as_of_sequence() > state_.size()) {
    return Malformed("R-ACK-1", "Не указано, какую запись журнала видел родитель (1.." +
                                    std::to_string(state_.size()) + ")");
  }
  return Status::Ok();
}

}  // namespace ejournal::school::rules
