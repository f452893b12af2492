// The fold of the substitution events (R-SUB).
#include <string>

#include "projections/school_state.h"
#include "projections/school_state_internal.h"

namespace ejournal::school {

Status SchoolState::FoldSubstitution(School* school, const v1::EventBody& body, uint64_t seq,
                                     int64_t, std::vector<uint64_t>& deps) {
  using B = v1::EventBody;
  switch (body.payload_case()) {
    case B::kSubstitutionAssigned: {
      Substitution s = SubstitutionOf(body.substitution_assigned(), seq);
      for (const auto& lid : s.lesson_ids) {
        auto l = school->lessons.find(lid);
        if (l == school->lessons.end()) return Corrupt(seq, "unknown lesson " + lid);
        l->second.substitution_ids.push_back(s.id);
        TouchColumn(lid);
        deps.push_back(l->second.scheduled_seq);
      }
      school->substitutions[s.id] = std::move(s);
      break;
    }
    case B::kSubstitutionCancelled: {
      auto it = school->substitutions.find(body.substitution_cancelled().substitution_id());
      if (it == school->substitutions.end()) return Corrupt(seq, "unknown substitution");
      it->second.cancelled = true;
      deps.push_back(it->second.seq);
      for (const auto& lid : it->second.lesson_ids) TouchColumn(lid);
      break;
    }
    default:
      return Corrupt(seq, "not a substitution event");
  }
  DependOnSubstitution(*school, body, deps);
  return Status::Ok();
}

}  // namespace ejournal::school
