#include "projections/school_state.h"

#include <algorithm>

#include "projections/school_state_internal.h"

namespace ejournal::school {

Lesson* SchoolState::LessonOf(School& school, std::string_view lesson_id) {
  if (last_lesson_ != nullptr && last_lesson_school_ == &school && last_lesson_->id == lesson_id) {
    return last_lesson_;
  }
  auto it = school.lessons.find(lesson_id);
  if (it == school.lessons.end()) return nullptr;
  last_lesson_school_ = &school;
  last_lesson_ = &it->second;
  return last_lesson_;
}

// ---------------------------------------------------------------------------------------------
// The fold
// ---------------------------------------------------------------------------------------------

const School* SchoolState::FindSchool(std::string_view school_id) const {
  auto it = schools_.find(school_id);
  return it == schools_.end() ? nullptr : &it->second;
}

std::vector<const School*> SchoolState::Schools() const {
  std::vector<const School*> out;
  for (const auto& [id, school] : schools_) out.push_back(&school);
  return out;
}

School* SchoolState::MutableSchool(std::string_view school_id) {
  auto it = schools_.find(school_id);
  return it == schools_.end() ? nullptr : &it->second;
}

const Credential* SchoolState::FindCredential(std::string_view credential_id) const {
  auto it = credentials_.find(credential_id);
  return it == credentials_.end() ? nullptr : &it->second;
}

const Credential* SchoolState::UserCredential(std::string_view school_id, std::string_view user_id,
                                              std::string_view credential_id) const {
  const Credential* c = FindCredential(credential_id);
  return c != nullptr && c->school_id == school_id && c->user_id == user_id ? c : nullptr;
}

const EventInfo* SchoolState::Event(uint64_t seq) const {
  if (seq == 0 || seq > events_.size()) return nullptr;
  return &events_[seq - 1];
}

uint64_t SchoolState::SequenceOf(std::string_view event_id) const {
  auto it = event_ids_.find(event_id);
  return it == event_ids_.end() ? 0 : it->second;
}

std::string_view SchoolState::EventIdOf(uint64_t seq) const {
  if (seq == 0 || seq > event_id_of_.size()) return {};
  return event_id_of_[seq - 1];
}

std::string_view SchoolState::Store(std::string_view s) {
  char* copy = google::protobuf::Arena::CreateArray<char>(&chars_, s.size());
  std::copy(s.begin(), s.end(), copy);
  return {copy, s.size()};
}

void SchoolState::Reserve(uint64_t events) {
  const size_t total = events_.size() + events;
  events_.reserve(total);
  event_id_of_.reserve(total);
  event_ids_.reserve(total);
}

const Invalidation* SchoolState::InvalidationOf(uint64_t seq) const {
  auto it = invalid_.find(seq);
  return it == invalid_.end() ? nullptr : &it->second;
}

uint64_t SchoolState::ReentryOf(uint64_t seq) const {
  auto it = reentries_.find(seq);
  return it == reentries_.end() ? 0 : it->second;
}

std::vector<uint64_t> SchoolState::DependenciesOf(uint64_t seq) const {
  const EventInfo* info = Event(seq);
  if (info == nullptr) return {};
  return {deps_.begin() + info->deps_begin, deps_.begin() + info->deps_begin + info->deps_count};
}

std::vector<uint64_t> SchoolState::AwaitingReentry(std::string_view school_id) const {
  std::vector<uint64_t> out;
  for (const auto& [seq, why] : invalid_) {
    const EventInfo* info = Event(seq);
    if (info == nullptr || SchoolOf(*info) != school_id || reentries_.contains(seq)) continue;
    switch (info->payload) {
      case v1::EventBody::kLessonConducted:
      case v1::EventBody::kAttendanceRecorded:
      case v1::EventBody::kAbsenceReasonSet:
      case v1::EventBody::kMarkRecorded:
      case v1::EventBody::kHomeworkAssigned:
      case v1::EventBody::kTermMarkRecorded:
      case v1::EventBody::kExamMarkRecorded:
      case v1::EventBody::kCorrectionRequested:
        out.push_back(seq);
        break;
      default:
        break;
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

uint32_t SchoolState::Intern(std::string_view name) {
  if (name.empty()) return 0;
  if (auto it = name_index_.find(name); it != name_index_.end()) return it->second;
  const auto index = static_cast<uint32_t>(names_.size());
  names_.emplace_back(name);
  name_index_.emplace(names_.back(), index);  // a view of the deque's copy, never of `name`
  return index;
}

Status SchoolState::Apply(const v1::EventBody& body, uint64_t seq, int64_t at_us) {
  if (seq != events_.size() + 1) {
    return Internal("school state at " + std::to_string(events_.size()) + " was given entry " +
                    std::to_string(seq));
  }
  bool fresh = false;
  auto id_it = event_ids_.lazy_emplace(body.event_id(), [&](const auto& construct) {
    fresh = true;
    construct(Store(body.event_id()), seq);  // the key is the state's own copy
  });
  if (!fresh) return Corrupt(seq, "event id " + body.event_id() + " appears twice");

  touched_.Clear();
  EventInfo info;
  info.recorded_at_us = at_us;
  info.school = InternRepeated(body.school_id(), last_school_);
  // The credential first (without interning a new one yet, so that names are interned in the
  // same order as always: the actor, then the credential): a credential seen before gives its
  // last actor and its state.
  const std::string& credential_id = body.credential_id();
  uint32_t credential = last_credential_ != 0 && names_[last_credential_] == credential_id
                            ? last_credential_
                            : Find(credential_id);
  CredentialSeen* seen = nullptr;
  if (credential != 0) {
    seen = &credential_seen_[credential];
    if (seen->actor != 0 && names_[seen->actor] == body.actor_id()) {
      last_actor_ = seen->actor;
    }
  }
  info.actor = InternRepeated(body.actor_id(), last_actor_);
  if (credential == 0 && !credential_id.empty()) {
    credential = Intern(credential_id);
    seen = &credential_seen_[credential];
  }
  last_credential_ = credential;
  info.credential = credential;
  if (seen != nullptr) seen->actor = info.actor;
  info.payload = static_cast<uint32_t>(body.payload_case());
  touched_.school = info.school;
  events_.push_back(info);
  event_id_of_.push_back(id_it->first);

  std::vector<uint64_t>& deps = deps_scratch_;
  deps.clear();
  // The credential's state (a node of credentials_: its address is stable), looked up again only
  // while it was not issued yet.
  Credential* credential_state = seen != nullptr ? seen->state : nullptr;
  if (credential_state == nullptr && credential != 0) {
    auto cred = credentials_.find(credential_id);
    if (cred != credentials_.end()) credential_state = seen->state = &cred->second;
  }
  if (Credential* cred = credential_state) {
    if (cred->issued_seq != 0) deps.push_back(cred->issued_seq);
  }
  // The school of the previous event, most often (a node of schools_: its address is stable).
  School* school = info.school != 0 && info.school == school_of_index_
                       ? school_of_
                       : MutableSchool(body.school_id());
  if (school != nullptr) school_of_index_ = info.school, school_of_ = school;
  Status st = ApplyPayload(school, body, seq, at_us, deps);
  if (!body.reenters_event_id().empty()) {
    uint64_t original = SequenceOf(body.reenters_event_id());
    if (original != 0) reentries_[original] = seq;
  }
  std::sort(deps.begin(), deps.end());
  deps.erase(std::unique(deps.begin(), deps.end()), deps.end());
  std::erase_if(deps, [&](uint64_t d) { return d == 0 || d >= seq; });
  EventInfo& stored = events_.back();
  stored.deps_begin = static_cast<uint32_t>(deps_.size());
  stored.deps_count = static_cast<uint32_t>(deps.size());
  deps_.insert(deps_.end(), deps.begin(), deps.end());
  if (school == nullptr) school = MutableSchool(body.school_id());  // just registered
  IndexEvent(school, stored, seq);
  return st;
}

uint32_t SchoolState::InternRepeated(std::string_view name, uint32_t& last) {
  if (last != 0 && names_[last] == name) return last;
  last = Intern(name);
  return last;
}

uint32_t SchoolState::Find(std::string_view name) const {
  if (name.empty()) return 0;
  auto it = name_index_.find(name);
  return it == name_index_.end() ? 0 : it->second;
}

// The same events the views' history keys listed (H/, A/, R/, G/ before they moved here): a
// school's events touching an existing lesson, its actor's events, every credential's events.
void SchoolState::IndexEvent(const School* school, const EventInfo& info, uint64_t seq) {
  if (info.credential != 0) credential_events_.Add(info.credential, seq);
  if (school == nullptr) return;
  const uint32_t sid = info.school;
  if (info.actor != 0) actor_events_.Add((uint64_t{sid} << 32) | info.actor, seq);
  if (touched_.lessons.empty() && touched_.cells.empty()) return;
  // The page of an existing lesson (0 for an unknown one), computed once per lesson.
  auto page_of = [&](uint32_t lesson) -> uint32_t {
    const uint64_t key = (uint64_t{sid} << 32) | lesson;
    if (auto it = page_of_lesson_.find(key); it != page_of_lesson_.end()) return it->second;
    const Lesson* l = school->FindLesson(names_[lesson]);
    if (l == nullptr) return 0;
    std::string group = school->id;
    for (const std::string* part : {&l->class_id, &l->subgroup_id, &l->subject_id}) {
      group += '/';
      group += *part;
    }
    group += '/';
    const uint32_t page = Intern(group);
    page_of_lesson_.emplace(key, page);
    return page;
  };
  for (uint32_t lesson : touched_.lessons) {
    if (uint32_t page = page_of(lesson)) page_events_.Add(page, seq);  // drops repeats in a row
  }
  for (const auto& [lesson, student] : touched_.cells) {
    const uint32_t page = page_of(lesson);
    if (page == 0) continue;
    cell_events_.Add({sid, lesson, student}, seq);
    page_events_.Add(page, seq);
  }
}

std::vector<uint64_t> SchoolState::CellEvents(std::string_view school_id,
                                              std::string_view lesson_id,
                                              std::string_view student_id) const {
  const uint32_t s = Find(school_id), l = Find(lesson_id), st = Find(student_id);
  if (s == 0 || l == 0 || st == 0) return {};
  return cell_events_.Get({s, l, st});
}

std::vector<uint64_t> SchoolState::ActorEvents(std::string_view school_id,
                                               std::string_view actor_id) const {
  const uint32_t s = Find(school_id), a = Find(actor_id);
  if (s == 0 || a == 0) return {};
  return actor_events_.Get((uint64_t{s} << 32) | a);
}

std::vector<const Credential*> SchoolState::CredentialsOf(std::string_view school_id,
                                                          std::string_view user_id) const {
  std::vector<const Credential*> out;
  for (const auto& [id, c] : credentials_) {
    if (c.user_id == user_id && c.school_id == school_id) out.push_back(&c);
  }
  std::sort(out.begin(), out.end(),
            [](const Credential* a, const Credential* b) { return a->issued_seq > b->issued_seq; });
  return out;
}

std::vector<uint64_t> SchoolState::CredentialEvents(std::string_view credential_id) const {
  const uint32_t c = Find(credential_id);
  if (c == 0) return {};
  return credential_events_.Get(c);
}

std::vector<uint64_t> SchoolState::PageEvents(std::string_view school_id, std::string_view class_id,
                                              std::string_view subgroup_id,
                                              std::string_view subject_id) const {
  std::string group(school_id);
  for (std::string_view part : {class_id, subgroup_id, subject_id}) {
    group += '/';
    group += part;
  }
  group += '/';
  const uint32_t g = Find(group);
  if (g == 0) return {};
  return page_events_.Get(g);
}

v1::AbsenceReason Attendance::Reason(const Validity& validity) const {
  for (auto it = reasons.rbegin(); it != reasons.rend(); ++it) {
    if (!validity.IsInvalid(it->first)) return it->second;
  }
  return v1::ABSENCE_REASON_UNSPECIFIED;
}

void SchoolState::TouchLesson(std::string_view lesson_id) {
  const uint32_t lesson = Intern(lesson_id);
  events_.back().lesson = lesson;
  touched_.lessons.push_back(lesson);
}

void SchoolState::TouchLesson(const Lesson& lesson) {
  events_.back().lesson = lesson.name;
  touched_.lessons.push_back(lesson.name);
}

void SchoolState::TouchCell(const Lesson& lesson, std::string_view student_id) {
  EventInfo& e = events_.back();
  e.lesson = lesson.name;
  e.student = Intern(student_id);
  touched_.cells.emplace_back(e.lesson, e.student);
}

void SchoolState::TouchCell(const Lesson& lesson, uint32_t student) {
  EventInfo& e = events_.back();
  e.lesson = lesson.name;
  e.student = student;
  touched_.cells.emplace_back(e.lesson, e.student);
}

void SchoolState::IndexMark(School& school, const Lesson& lesson, uint32_t student,
                            const Mark& mark) {
  Append<const Mark*>(school.marks_by_student_subject[(uint64_t{student} << 32) | lesson.subject],
                      &mark, 8);
}

const std::vector<const Mark*>* SchoolState::MarksOf(const School& school,
                                                     std::string_view student_id,
                                                     std::string_view subject_id) const {
  const uint32_t student = Find(student_id), subject = Find(subject_id);
  if (student == 0) return nullptr;
  if (subject == 0 && !subject_id.empty()) return nullptr;
  auto it = school.marks_by_student_subject.find((uint64_t{student} << 32) | subject);
  return it == school.marks_by_student_subject.end() ? nullptr : &it->second;
}

void SchoolState::TouchCell(std::string_view lesson_id, std::string_view student_id) {
  EventInfo& e = events_.back();
  e.lesson = Intern(lesson_id);
  e.student = Intern(student_id);
  touched_.cells.emplace_back(e.lesson, e.student);
}

void SchoolState::TouchAttestation(const std::string& key) {
  const uint32_t index = Intern(key);
  events_.back().attestation = index;
  touched_.attestation.push_back(index);
}

void SchoolState::TouchTarget(const School& school, const v1::CorrectionRequested& p) {
  const auto& t = p.target();
  switch (t.target_case()) {
    case v1::CorrectionTarget::kMarkId: {
      auto m = school.marks.find(t.mark_id());
      if (m != school.marks.end()) {
        TouchCell(m->second.lesson_id, m->second.student_id);
      } else {
        TouchCell(p.mark().lesson_id(), p.mark().student_id());
      }
      break;
    }
    case v1::CorrectionTarget::kAttendance:
      TouchCell(t.attendance().lesson_id(), t.attendance().student_id());
      break;
    case v1::CorrectionTarget::kLessonId:
      TouchLesson(t.lesson_id());
      break;
    case v1::CorrectionTarget::kHomeworkId: {
      auto h = school.homework.find(t.homework_id());
      TouchLesson(h != school.homework.end() ? h->second.lesson_id : p.homework().lesson_id());
      break;
    }
    case v1::CorrectionTarget::kTermMark:
      TouchAttestation(TermKey(t.term_mark()));
      break;
    case v1::CorrectionTarget::kExamMark:
      TouchAttestation(ExamKey(t.exam_mark()));
      break;
    default:
      break;
  }
}

PayloadFamily FamilyOf(v1::EventBody::PayloadCase payload) {
  using B = v1::EventBody;
  switch (payload) {
    case B::kSchoolRegistered:
    case B::kAcademicYearDefined:
    case B::kHolidayDeclared:
    case B::kSubjectDefined:
    case B::kClassCreated:
    case B::kClassTeacherAssigned:
    case B::kSubgroupDefined:
    case B::kSchoolPolicySet:
      return PayloadFamily::kSchool;
    case B::kUserRegistered:
    case B::kUserRolesChanged:
    case B::kUserProfileChanged:
    case B::kUserDeactivated:
    case B::kPasswordChanged:
    case B::kStudentEnrolled:
    case B::kStudentMoved:
    case B::kStudentLeft:
    case B::kGuardianLinked:
    case B::kGuardianUnlinked:
    case B::kMedicalPeExemptionRecorded:
    case B::kPersonalDataConsentRecorded:
    case B::kPaperDiaryPreferenceSet:
      return PayloadFamily::kPeople;
    case B::kTeachingLoadAssigned:
    case B::kTeachingLoadRemoved:
    case B::kPlannedTopicsSet:
    case B::kBellScheduleSet:
    case B::kTimetableSlotSet:
    case B::kTimetableSlotRemoved:
    case B::kLessonScheduled:
    case B::kLessonMoved:
    case B::kLessonCancelled:
      return PayloadFamily::kTimetable;
    case B::kLessonConducted:
    case B::kAttendanceRecorded:
    case B::kAbsenceReasonSet:
    case B::kMarkRecorded:
    case B::kHomeworkAssigned:
      return PayloadFamily::kJournal;
    case B::kTermMarkRecorded:
    case B::kExamMarkRecorded:
    case B::kDeputyAttestationDecided:
      return PayloadFamily::kAttestation;
    case B::kCorrectionRequested:
    case B::kCorrectionApproved:
    case B::kCorrectionRejected:
    case B::kCorrectionWithdrawn:
    case B::kFinalMarkCorrectionOrdered:
      return PayloadFamily::kCorrections;
    case B::kSubstitutionAssigned:
    case B::kSubstitutionCancelled:
      return PayloadFamily::kSubstitution;
    case B::kCredentialIssued:
    case B::kCredentialRevoked:
    case B::kCredentialCompromiseReported:
    case B::kCredentialCompromiseActRecorded:
      return PayloadFamily::kSecurity;
    case B::kDiaryAcknowledged:
      return PayloadFamily::kAcknowledgement;
    case B::kMessageSent:
    case B::kMessagesRead:
    case B::kAnnouncementPublished:
    case B::kAnnouncementWithdrawn:
    case B::kMessagesErased:
    case B::kSurveyPublished:
    case B::kSurveyAnswered:
    case B::kSurveyClosed:
      return PayloadFamily::kCommunication;
    case B::PAYLOAD_NOT_SET:
      return PayloadFamily::kNone;
  }
  return PayloadFamily::kNone;
}

Status SchoolState::ApplyPayload(School* school, const v1::EventBody& body, uint64_t seq,
                                 int64_t at_us, std::vector<uint64_t>& deps) {
  using B = v1::EventBody;
  if (body.payload_case() != B::kSchoolRegistered && body.payload_case() != B::kCredentialIssued &&
      body.payload_case() != B::kCredentialRevoked && school == nullptr) {
    return Corrupt(seq, "unknown school " + body.school_id());
  }
  switch (FamilyOf(body.payload_case())) {
    case PayloadFamily::kSchool:
      return FoldSchool(school, body, seq, at_us, deps);
    case PayloadFamily::kPeople:
      return FoldPeople(school, body, seq, at_us, deps);
    case PayloadFamily::kTimetable:
      return FoldTimetable(school, body, seq, at_us, deps);
    case PayloadFamily::kJournal:
      return FoldJournal(school, body, seq, at_us, deps);
    case PayloadFamily::kAttestation:
      return FoldAttestation(school, body, seq, at_us, deps);
    case PayloadFamily::kCorrections:
      return FoldCorrections(school, body, seq, at_us, deps);
    case PayloadFamily::kSubstitution:
      return FoldSubstitution(school, body, seq, at_us, deps);
    case PayloadFamily::kSecurity:
      return FoldSecurity(school, body, seq, at_us, deps);
    case PayloadFamily::kAcknowledgement:
      return FoldAcknowledgement(school, body, seq, at_us, deps);
    case PayloadFamily::kCommunication:
      return FoldCommunication(school, body, seq, at_us);
    case PayloadFamily::kNone:
      break;
  }
  return Corrupt(seq, "no payload");
}

void SchoolState::DependOnSubstitution(const School& school, const v1::EventBody& body,
                                       std::vector<uint64_t>& deps) const {
  if (body.substitution_id().empty()) return;
  auto s = school.substitutions.find(body.substitution_id());
  if (s != school.substitutions.end()) deps.push_back(s->second.seq);
}

uint64_t SchoolState::PositionAt(int64_t unix_us) const {
  auto it = std::upper_bound(events_.begin(), events_.end(), unix_us,
                             [](int64_t t, const EventInfo& e) { return t < e.recorded_at_us; });
  return static_cast<uint64_t>(it - events_.begin());
}

void SchoolState::TouchInvalidated(const School& school, uint64_t seq) {
  const EventInfo& e = events_[seq - 1];
  if (e.lesson != 0 && e.student != 0) {
    touched_.cells.emplace_back(e.lesson, e.student);
  } else if (e.lesson != 0) {
    touched_.lessons.push_back(e.lesson);
  }
  if (e.attestation != 0) touched_.attestation.push_back(e.attestation);
  if (e.payload == v1::EventBody::kAbsenceReasonSet) {
    for (const auto& [key, a] : school.attendance) {
      for (const auto& [rseq, reason] : a.reasons) {
        if (rseq == seq) touched_.cells.emplace_back(Intern(a.lesson_id), Intern(a.student_id));
      }
    }
  }
}

std::vector<Invalidation> SchoolState::PreviewAct(
    const v1::CredentialCompromiseActRecorded& act) const {
  // R-SEC-3: every event of the affected credentials at or after the moment ...
  std::unordered_set<uint64_t> signed_after;
  uint64_t first = 0;
  for (const auto& cid : act.affected_credential_ids()) {
    if (FindCredential(cid) == nullptr) continue;
    for (uint64_t seq : CredentialEvents(cid)) {
      if (events_[seq - 1].recorded_at_us >= act.invalid_from_us()) {
        signed_after.insert(seq);
        if (first == 0 || seq < first) first = seq;
      }
    }
  }
  std::vector<Invalidation> out;
  if (first == 0) return out;
  // ... and, transitively, whatever rested on an invalid event (dependencies always point back).
  std::unordered_set<uint64_t> invalid_now;
  auto invalid = [&](uint64_t s) { return invalid_now.contains(s) || invalid_.contains(s); };
  for (uint64_t seq = first; seq <= events_.size(); ++seq) {
    if (invalid_.contains(seq)) continue;  // an earlier Act
    if (signed_after.contains(seq)) {
      invalid_now.insert(seq);
      out.push_back(Invalidation{seq, act.act_id(), 0});
      continue;
    }
    const EventInfo& e = events_[seq - 1];
    for (uint32_t i = 0; i < e.deps_count; ++i) {
      uint64_t d = deps_[e.deps_begin + i];
      if (invalid(d)) {
        invalid_now.insert(seq);
        out.push_back(Invalidation{seq, act.act_id(), d});
        break;
      }
    }
  }
  return out;
}

}  // namespace ejournal::school
