// The fold of the security events (R-ACC, R-SEC): credentials issued and revoked, compromise
// reports, and the Acts with the invalidations they cause.
#include <string>

#include "projections/school_state.h"
#include "projections/school_state_internal.h"

namespace ejournal::school {

Status SchoolState::FoldSecurity(School* school, const v1::EventBody& body, uint64_t seq,
                                 int64_t at_us, std::vector<uint64_t>& deps) {
  using B = v1::EventBody;
  switch (body.payload_case()) {
    case B::kCredentialIssued: {
      const auto& p = body.credential_issued();
      Credential c;
      c.id = p.credential_id();
      c.user_id = p.user_id();
      c.school_id = body.school_id();
      c.kind = p.kind();
      c.issued_seq = seq;
      credentials_[c.id] = std::move(c);
      return Status::Ok();
    }
    case B::kCredentialRevoked: {
      auto it = credentials_.find(body.credential_revoked().credential_id());
      if (it != credentials_.end()) it->second.revoked = true;
      return Status::Ok();
    }
    case B::kCredentialCompromiseReported: {
      const auto& p = body.credential_compromise_reported();
      CompromiseReport r;
      r.id = p.report_id();
      r.user_id = p.user_id();
      r.credential_ids.assign(p.credential_ids().begin(), p.credential_ids().end());
      r.discovered_at_us = p.discovered_at_us();
      r.reported_at_us = p.reported_at_us() != 0 ? p.reported_at_us() : at_us;
      // R-SEC-1: reported within one hour of the discovery, else flagged.
      r.late = r.reported_at_us - r.discovered_at_us > 60 * kMicrosPerMinute;
      r.seq = seq;
      school->reports[r.id] = std::move(r);
      break;
    }
    case B::kCredentialCompromiseActRecorded: {
      const auto& p = body.credential_compromise_act_recorded();
      Act a;
      a.id = p.act_id();
      a.number = p.act_number();
      a.affected_user_id = p.affected_user_id();
      a.credential_ids.assign(p.affected_credential_ids().begin(),
                              p.affected_credential_ids().end());
      a.invalid_from_us = p.invalid_from_us();
      a.seq = seq;
      a.invalidated = PreviewAct(p);
      for (const auto& inv : a.invalidated) invalid_.emplace(inv.seq, inv);
      for (const auto& cid : a.credential_ids) {
        auto c = credentials_.find(cid);
        if (c != credentials_.end()) c->second.revoked = true;  // R-SEC-2: at once
      }
      for (auto& inv : a.invalidated) inv.act_id = a.id;
      for (const auto& inv : a.invalidated) {
        invalid_[inv.seq].act_id = a.id;
        TouchInvalidated(*school, inv.seq);
      }
      school->acts[a.id] = std::move(a);
      break;
    }
    default:
      return Corrupt(seq, "not a security event");
  }
  DependOnSubstitution(*school, body, deps);
  return Status::Ok();
}

}  // namespace ejournal::school
