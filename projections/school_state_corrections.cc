// The fold of the correction events (R-COR): requests, decisions and the director's order, and
// the effect of a correction that took effect.
#include <string>

#include "projections/school_state.h"
#include "projections/school_state_internal.h"

namespace ejournal::school {

Status SchoolState::FoldCorrections(School* school, const v1::EventBody& body, uint64_t seq,
                                    int64_t at_us, std::vector<uint64_t>& deps) {
  using B = v1::EventBody;
  switch (body.payload_case()) {
    case B::kCorrectionRequested: {
      const auto& p = body.correction_requested();
      CorrectionRequest r;
      r.id = p.request_id();
      r.requester_id = body.actor_id();
      r.reason = p.reason();
      r.target_case = p.target().target_case();
      r.seq = seq;
      r.recorded_at_us = at_us;
      r.original_seq = SequenceOf(p.original_event_id());
      r.business_day = DayOr(body.business_date(), kNoDay);
      switch (r.target_case) {
        case v1::CorrectionTarget::kMarkId: {
          r.target_key = "mark/" + p.target().mark_id();
          auto m = school->marks.find(p.target().mark_id());
          r.lesson_id = m != school->marks.end() ? m->second.lesson_id : p.mark().lesson_id();
          break;
        }
        case v1::CorrectionTarget::kAttendance:
          r.target_key = "attendance/" + AttendanceKey(p.target().attendance().lesson_id(),
                                                       p.target().attendance().student_id());
          r.lesson_id = p.target().attendance().lesson_id();
          break;
        case v1::CorrectionTarget::kLessonId:
          r.target_key = "lesson/" + p.target().lesson_id();
          r.lesson_id = p.target().lesson_id();
          break;
        case v1::CorrectionTarget::kHomeworkId: {
          r.target_key = "homework/" + p.target().homework_id();
          auto h = school->homework.find(p.target().homework_id());
          r.lesson_id =
              h != school->homework.end() ? h->second.lesson_id : p.homework().lesson_id();
          break;
        }
        case v1::CorrectionTarget::kTermMark:
          r.target_key = "term/" + TermKey(p.target().term_mark());
          break;
        case v1::CorrectionTarget::kExamMark:
          r.target_key = ExamKey(p.target().exam_mark());
          break;
        default:
          return Corrupt(seq, "correction without a target");
      }
      deps.push_back(r.original_seq);
      if (!r.lesson_id.empty()) {
        const Lesson* l = school->FindLesson(r.lesson_id);
        if (l != nullptr) deps.push_back(l->scheduled_seq);
      }
      r.body = std::make_shared<const v1::CorrectionRequested>(p);
      TouchTarget(*school, p);
      // Within the policy's correction grace the author's own correction takes effect at once.
      bool grace = false;
      const EventInfo* original = Event(r.original_seq);
      if (school->policy.correction_grace_minutes > 0 && original != nullptr &&
          ActorOf(*original) == body.actor_id() &&
          at_us - original->recorded_at_us <=
              int64_t{school->policy.correction_grace_minutes} * kMicrosPerMinute) {
        grace = true;
      }
      auto [rit, ok] = school->requests.try_emplace(r.id, r);
      if (!ok) {
        // R-SEC-4: the re-entry of an invalidated request replaces it (pending again).
        if (body.reenters_event_id().empty()) return Corrupt(seq, "request id reused");
        rit->second = std::move(r);
      }
      if (grace) {
        rit->second.status = RequestStatus::kApproved;
        rit->second.took_effect_by_grace = true;
        rit->second.decided_seq = seq;
        return ApplyCorrectionEffect(*school, rit->second, p, seq, seq);
      }
      break;
    }
    case B::kCorrectionApproved:
    case B::kCorrectionRejected:
    case B::kCorrectionWithdrawn: {
      const std::string& id =
          body.has_correction_approved()   ? body.correction_approved().request_id()
          : body.has_correction_rejected() ? body.correction_rejected().request_id()
                                           : body.correction_withdrawn().request_id();
      auto it = school->requests.find(id);
      if (it == school->requests.end()) return Corrupt(seq, "unknown request " + id);
      CorrectionRequest& r = it->second;
      deps.push_back(r.seq);
      r.decided_seq = seq;
      r.decided_by = body.actor_id();
      if (body.has_correction_rejected() || body.has_correction_withdrawn()) {
        r.status =
            body.has_correction_rejected() ? RequestStatus::kRejected : RequestStatus::kWithdrawn;
        // R-COR-3: the decision belongs to the cell's history like the request, though the cell
        // shows the same value as before.
        if (r.body != nullptr) TouchTarget(*school, *r.body);
      } else {
        r.status = RequestStatus::kApproved;
        if (r.body == nullptr) return Corrupt(seq, "request " + id + " has no proposal");
        TouchTarget(*school, *r.body);
        return ApplyCorrectionEffect(*school, r, *r.body, r.seq, seq);
      }
      break;
    }
    case B::kFinalMarkCorrectionOrdered: {
      const auto& p = body.final_mark_correction_ordered();
      std::string key = TermKey(p.target());
      AttestationMark& m = school->attestation[key];
      deps.push_back(SequenceOf(p.original_event_id()));
      PushVersion(m, seq, seq, false, AttestationValueOf(p.new_mark()));
      TouchAttestation(key);
      break;
    }
    default:
      return Corrupt(seq, "not a corrections event");
  }
  DependOnSubstitution(*school, body, deps);
  return Status::Ok();
}

Status SchoolState::ApplyCorrectionEffect(School& school, CorrectionRequest& request,
                                          const v1::CorrectionRequested& p, uint64_t value_seq,
                                          uint64_t effective_seq) {
  (void)request;
  // A late entry (R-MARK-3) creates its mark: listed under its student and subject here (the
  // free ApplyCorrection, shared with the as-of page, does not intern ids).
  const bool is_late = p.target().target_case() == v1::CorrectionTarget::kMarkId && [&] {
    auto it = school.marks.find(p.target().mark_id());
    return it == school.marks.end() || it->second.versions.empty();
  }();
  EJ_RETURN_IF_ERROR(ApplyCorrection(school, p, value_seq, effective_seq));
  if (is_late) {
    auto m = school.marks.find(p.target().mark_id());
    auto lesson = school.lessons.find(m->second.lesson_id);
    const uint32_t student = Intern(m->second.student_id);
    lesson->second.mark_students.push_back(student);  // ApplyCorrection appended to its marks
    IndexMark(school, lesson->second, student, m->second);
  }
  return Status::Ok();
}

}  // namespace ejournal::school
