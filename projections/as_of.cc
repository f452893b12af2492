#include "projections/as_of.h"

#include <algorithm>
#include <unordered_set>

#include "ejournal/v1/ledger.pb.h"

namespace ejournal::school {
namespace {

// R-SEC-3 as known at position `position` (kAsShownThen) or now.
class AsOfValidity final : public Validity {
 public:
  AsOfValidity(const SchoolState& state, const School& school, uint64_t position, AsOfMode mode)
      : state_(state), school_(school), position_(position), mode_(mode) {}
  bool IsInvalid(uint64_t seq) const override {
    const Invalidation* why = state_.InvalidationOf(seq);
    if (why == nullptr) return false;
    if (mode_ == AsOfMode::kWithLaterInvalidations) return true;
    auto act = school_.acts.find(why->act_id);
    return act != school_.acts.end() && act->second.seq <= position_;
  }
  std::string_view EventIdOf(uint64_t seq) const override { return state_.EventIdOf(seq); }

 private:
  const SchoolState& state_;
  const School& school_;
  const uint64_t position_;
  const AsOfMode mode_;
};

// Folds one page event into `page` (a scratch School holding only the page's lessons and records).
Status FoldPageEvent(const SchoolState& state, const School& real, School& page,
                     std::unordered_map<std::string, v1::CorrectionRequested>& requests,
                     const v1::EventBody& body, uint64_t seq) {
  using B = v1::EventBody;
  switch (body.payload_case()) {
    case B::kLessonScheduled: {
      Lesson l = ScheduledLesson(body.lesson_scheduled(), seq);
      page.lessons[l.id] = std::move(l);
      return Status::Ok();
    }
    case B::kLessonMoved: {
      auto it = page.lessons.find(body.lesson_moved().lesson_id());
      if (it != page.lessons.end()) MoveLesson(it->second, body.lesson_moved());
      return Status::Ok();
    }
    case B::kLessonCancelled: {
      auto it = page.lessons.find(body.lesson_cancelled().lesson_id());
      if (it != page.lessons.end()) it->second.cancelled = true;
      return Status::Ok();
    }
    case B::kLessonConducted: {
      auto it = page.lessons.find(body.lesson_conducted().lesson_id());
      if (it == page.lessons.end()) return Status::Ok();
      FoldLessonRecord(it->second, body.lesson_conducted(), seq);
      return Status::Ok();
    }
    case B::kAttendanceRecorded: {
      const auto& p = body.attendance_recorded();
      auto lesson = page.lessons.find(p.lesson_id());
      if (lesson == page.lessons.end()) return Status::Ok();
      std::string key;
      FoldAttendance(page, lesson->second, p, seq, key);
      return Status::Ok();
    }
    case B::kAbsenceReasonSet: {
      const auto& p = body.absence_reason_set();
      FoldAbsenceReasons(page, p, seq, [](const Attendance&, const std::string&) {});
      return Status::Ok();
    }
    case B::kMarkRecorded: {
      const auto& p = body.mark_recorded();
      auto lesson = page.lessons.find(p.lesson_id());
      if (lesson == page.lessons.end()) return Status::Ok();
      FoldMark(page, lesson->second, p, seq, [&](Mark& m) {
        m.student_id = page.KeepId(p.student_id());
        lesson->second.marks.push_back(&m);
      });
      return Status::Ok();
    }
    case B::kHomeworkAssigned: {
      const auto& p = body.homework_assigned();
      auto lesson = page.lessons.find(p.lesson_id());
      if (lesson == page.lessons.end()) return Status::Ok();
      FoldHomework(page, lesson->second, p, seq);
      return Status::Ok();
    }
    case B::kCorrectionRequested: {
      const auto& p = body.correction_requested();
      requests[p.request_id()] = p;
      auto r = real.requests.find(p.request_id());
      if (r != real.requests.end() && r->second.took_effect_by_grace && r->second.seq == seq) {
        return ApplyCorrection(page, p, seq, seq);
      }
      return Status::Ok();
    }
    case B::kCorrectionApproved: {
      auto r = requests.find(body.correction_approved().request_id());
      if (r == requests.end()) return Status::Ok();
      auto real_request = real.requests.find(r->first);
      uint64_t request_seq = real_request == real.requests.end()
                                 ? state.SequenceOf(body.correction_approved().request_id())
                                 : real_request->second.seq;
      return ApplyCorrection(page, r->second, request_seq, seq);
    }
    case B::kSubstitutionAssigned: {
      Substitution s = SubstitutionOf(body.substitution_assigned(), seq);
      for (const auto& lid : s.lesson_ids) {
        auto l = page.lessons.find(lid);
        if (l != page.lessons.end()) l->second.substitution_ids.push_back(s.id);
      }
      page.substitutions[s.id] = std::move(s);
      return Status::Ok();
    }
    case B::kSubstitutionCancelled: {
      auto it = page.substitutions.find(body.substitution_cancelled().substitution_id());
      if (it != page.substitutions.end()) it->second.cancelled = true;
      return Status::Ok();
    }
    default:
      return Status::Ok();  // Acts and the rest change validity, not the page's records
  }
}

}  // namespace

Result<v1::JournalPageView> AsOfJournalPage(const SchoolState& state, const ViewReader& reader,
                                            const EntryLoader& load, std::string_view school_id,
                                            std::string_view class_id, std::string_view subgroup_id,
                                            std::string_view subject_id, int term_number,
                                            int64_t at_unix_us, AsOfMode mode) {
  EJ_ASSIGN_OR_RETURN(
      PageFrame f, ResolvePage(state, school_id, class_id, subgroup_id, subject_id, term_number));
  const uint64_t position = state.PositionAt(at_unix_us);
  (void)reader;  // the page-event index lives in the state
  const std::vector<uint64_t> seqs =
      state.PageEvents(f.school->id, f.cls->id, f.subgroup_id, f.subject_id);
  School page;
  page.id = f.school->id;
  page.zone = f.school->zone;
  page.policy = f.school->policy;
  std::unordered_map<std::string, v1::CorrectionRequested> requests;
  v1::LedgerEntry entry;
  v1::EventBody body;
  // Events that touch one lesson which is outside the term change nothing the page shows: they
  // are not read. A lesson that was ever moved is kept whole (its date at the moment may differ
  // from today's); a never-moved lesson's date then is its date now.
  std::unordered_set<uint32_t> moved;
  for (uint64_t seq : seqs) {
    const EventInfo* info = state.Event(seq);
    if (info != nullptr && info->payload == v1::EventBody::kLessonMoved) moved.insert(info->lesson);
  }
  auto outside_term = [&](uint64_t seq) {
    const EventInfo* info = state.Event(seq);
    if (info == nullptr || info->lesson == 0 || moved.contains(info->lesson)) return false;
    switch (info->payload) {
      case v1::EventBody::kLessonScheduled:
      case v1::EventBody::kLessonCancelled:
      case v1::EventBody::kLessonConducted:
      case v1::EventBody::kAttendanceRecorded:
      case v1::EventBody::kMarkRecorded:
      case v1::EventBody::kHomeworkAssigned:
      case v1::EventBody::kCorrectionRequested:  // its target's lesson (the approval: the same)
      case v1::EventBody::kCorrectionApproved:
        break;
      default:
        return false;  // may touch several lessons (reasons, substitutions, Acts)
    }
    const Lesson* l = f.school->FindLesson(state.Name(info->lesson));
    return l != nullptr && (l->date < f.term->first || l->date > f.term->last);
  };
  for (uint64_t seq : seqs) {
    if (seq > position) break;
    if (outside_term(seq)) continue;
    EJ_ASSIGN_OR_RETURN(std::string bytes, load(seq));
    if (!entry.ParseFromString(bytes) || !body.ParseFromString(entry.event().body())) {
      return Err(DataLoss("entry " + std::to_string(seq) + " does not parse"));
    }
    EJ_RETURN_IF_ERROR(FoldPageEvent(state, *f.school, page, requests, body, seq));
  }
  AsOfValidity validity(state, *f.school, position, mode);
  v1::JournalPageView view = NewPage(f, position);
  std::vector<const Lesson*> lessons;
  for (const auto& [id, l] : page.lessons) {
    if (l.date >= f.term->first && l.date <= f.term->last) lessons.push_back(&l);
  }
  std::sort(lessons.begin(), lessons.end(), [](const Lesson* a, const Lesson* b) {
    return std::tie(a->date, a->period, a->id) < std::tie(b->date, b->period, b->id);
  });
  std::vector<std::unique_ptr<v1::CellView>> cells;
  for (const Lesson* l : lessons) {
    *view.add_lessons() = LessonViewOf(validity, page, *l);
    std::set<std::string> students(l->attendance_students.begin(), l->attendance_students.end());
    for (const Mark* m : l->marks) students.emplace(m->student_id);
    for (const auto& s : students) {
      auto cell = CellViewOf(validity, page, *l, s);
      if (cell) cells.push_back(std::make_unique<v1::CellView>(std::move(*cell)));
    }
  }
  std::vector<v1::CellView*> owned;  // FinishPage takes them into the (heap) page
  for (auto& c : cells) owned.push_back(c.release());
  // The live page lists cells in key order: lesson (date, period, id), then student.
  FinishPage(
      f, std::move(owned),
      [&](const std::string& key) -> std::optional<v1::AttestationView> {
        auto it = f.school->attestation.find(key);
        if (it == f.school->attestation.end()) return std::nullopt;
        AttestationMark then = it->second;
        then.versions.erase(std::remove_if(then.versions.begin(), then.versions.end(),
                                           [&](const Version<AttestationValue>& v) {
                                             return v.value_seq > position ||
                                                    v.effective_seq > position;
                                           }),
                            then.versions.end());
        return AttestationViewOf(validity, then);
      },
      view);
  return view;
}

}  // namespace ejournal::school
