// The fold of the attestation events (R-TERM): term, year and final marks, attestation marks, and
// the deputy's decisions.
#include <string>

#include "projections/school_state.h"
#include "projections/school_state_internal.h"

namespace ejournal::school {

Status SchoolState::FoldAttestation(School* school, const v1::EventBody& body, uint64_t seq,
                                    int64_t, std::vector<uint64_t>& deps) {
  using B = v1::EventBody;
  switch (body.payload_case()) {
    case B::kTermMarkRecorded: {
      const auto& p = body.term_mark_recorded();
      std::string key = TermKey(p.student_id(), p.subject_id(), p.period());
      AttestationMark& m = school->attestation[key];
      m.key = key;
      m.student_id = p.student_id();
      m.subject_id = p.subject_id();
      PushVersion(m, seq, seq, false, AttestationValueOf(p.mark()));
      TouchAttestation(key);
      break;
    }
    case B::kExamMarkRecorded: {
      const auto& p = body.exam_mark_recorded();
      std::string key = ExamKey(p.student_id(), p.subject_id(), p.academic_year_id(), p.attempt());
      AttestationMark& m = school->attestation[key];
      m.key = key;
      m.student_id = p.student_id();
      m.subject_id = p.subject_id();
      PushVersion(m, seq, seq, false, AttestationValueOf(p));
      TouchAttestation(key);
      break;
    }
    case B::kDeputyAttestationDecided: {
      const auto& p = body.deputy_attestation_decided();
      school->deputy_attest[TermKey(p.student_id(), p.subject_id(), p.period())] = p.attest();
      break;
    }

    default:
      return Corrupt(seq, "not an attestation event");
  }
  DependOnSubstitution(*school, body, deps);
  return Status::Ok();
}

}  // namespace ejournal::school
