// The fold of the acknowledgement event (R-ACK).
#include <string>

#include "projections/school_state.h"
#include "projections/school_state_internal.h"

namespace ejournal::school {

Status SchoolState::FoldAcknowledgement(School* school, const v1::EventBody& body, uint64_t seq,
                                        int64_t, std::vector<uint64_t>& deps) {
  using B = v1::EventBody;
  switch (body.payload_case()) {
    case B::kDiaryAcknowledged: {
      const auto& p = body.diary_acknowledged();
      DiaryAck ack;
      ack.guardian_id = p.guardian_id();
      ack.student_id = p.student_id();
      ack.week_start = DayOr(p.week_start(), kNoDay);
      ack.as_of_sequence = p.as_of_sequence();
      ack.channel = p.channel();
      ack.seq = seq;
      school->acks_by_student_week[AckKey(ack.student_id, ack.week_start)].push_back(
          school->acks.size());
      school->acks.push_back(std::move(ack));
      break;
    }
    default:
      return Corrupt(seq, "not an acknowledgement event");
  }
  DependOnSubstitution(*school, body, deps);
  return Status::Ok();
}

}  // namespace ejournal::school
