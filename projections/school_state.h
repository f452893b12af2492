// SchoolState: the deterministic fold of the ledger's events into what admission and the views
// read.
//
// Every school on a ledger, its calendar, roster, users and roles, credentials, teaching load,
// timetable, lessons, substitutions, and the journal's records (lesson records, attendance, marks,
// homework, term and attestation marks) with every version each record went through: the original,
// corrections that took effect, re-entries, and which events an Act invalidated (R-SEC-3).
//
// A journal record is the fold of its own versions: its current value is the last version whose
// events are all valid (the record, or the request and the approval that put the value there).
// So an approval (R-COR-1) or an invalidation (R-SEC-3) changes only the records it touches.
//
// What the fold does NOT do: check rules. Apply trusts that admission (RuleBook) accepted the
// event; it only refuses what it cannot fold (kDataLoss). Apply is deterministic: the same events
// in the same order give the same state, one at a time or replayed.
//
// Invalidation scope: an Act invalidates every event of the affected credentials at or after its
// moment and, transitively, every event that rests on an invalid one (records on an invalid lesson
// or under an invalid substitution, a correction of an invalid record, a decision on an invalid
// request, an absence reason for an invalid absence, everything signed by a credential an invalid
// event issued). Journal records stop counting at once. Set-up facts (roster, roles, timetable)
// changed by an invalid event are listed as invalid but stay folded: the administrator reverses
// them with new events (they are rare and need a human decision).
//
// Thread-safety: none. One thread applies (the ledger's writer) and the same thread (or readers
// under the owner's lock) queries.
#ifndef EJOURNAL_PROJECTIONS_SCHOOL_STATE_H_
#define EJOURNAL_PROJECTIONS_SCHOOL_STATE_H_

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>
#include <absl/container/inlined_vector.h>
#include <absl/container/node_hash_map.h>
#include <google/protobuf/arena.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "ejournal/v1/event.pb.h"
#include "projections/record_fold.h"
#include "projections/school.h"
#include "projections/school_records.h"
#include "projections/school_time.h"
#include "schemas/status.h"

namespace ejournal::school {

// What the fold keeps of every event, by sequence number.
struct EventInfo {
  int64_t recorded_at_us = 0;
  uint32_t school = 0;      // index into the interned school ids (0: none)
  uint32_t actor = 0;       // interned actor id
  uint32_t credential = 0;  // interned credential id
  uint32_t payload = 0;     // v1::EventBody::PayloadCase
  uint32_t deps_begin = 0;  // into deps_
  uint32_t deps_count = 0;
  // What the event touched in the journal (interned; 0: nothing): a lesson, a student's cell in
  // it, a term or attestation mark key.
  uint32_t lesson = 0;
  uint32_t student = 0;
  uint32_t attestation = 0;
};

// Sequence numbers listed by a key, in order: the history indexes (cell, actor, credential, page).
// Flat: one chain per key through one vector (12 bytes an entry and one hash node a key), so that
// five million events cost tens of megabytes, not a vector allocation per cell.
template <typename Key, typename Hash = absl::Hash<Key>>
class SequenceIndex {
 public:
  void Add(const Key& key, uint64_t seq) {
    uint32_t& newest = newest_[key];  // position + 1 of the key's newest entry (0: none)
    if (newest != 0 && entries_[newest - 1].seq == seq) return;  // the same event twice
    entries_.push_back(Entry{seq, newest});
    newest = static_cast<uint32_t>(entries_.size());
  }
  // The key's sequence numbers, oldest first (empty for an unknown key).
  std::vector<uint64_t> Get(const Key& key) const {
    std::vector<uint64_t> out;
    auto it = newest_.find(key);
    if (it == newest_.end()) return out;
    for (uint32_t at = it->second; at != 0; at = entries_[at - 1].previous) {
      out.push_back(entries_[at - 1].seq);
    }
    std::reverse(out.begin(), out.end());
    return out;
  }

 private:
  struct __attribute__((packed)) Entry {
    uint64_t seq;
    uint32_t previous;  // position + 1 of the key's previous entry (0: none)
  };
  absl::flat_hash_map<Key, uint32_t, Hash> newest_;  // never iterated: its order is per process
  std::vector<Entry> entries_;
};

// What the last Apply changed in the views (projections/views.h rewrites exactly these), as
// interned names (SchoolState::Name). Lists, not sets: an id may appear more than once, and readers
// deduplicate; Clear keeps the capacity, so that a fold does not allocate for this per event.
struct Touched {
  uint32_t school = 0;                               // the event's school (0: none)
  std::vector<uint32_t> lessons;                     // lesson columns
  std::vector<std::pair<uint32_t, uint32_t>> cells;  // (lesson, student)
  std::vector<uint32_t> attestation;                 // TermKey / ExamKey
  // Lessons whose column moved: (lesson, old day, old period), to drop the old keys.
  std::vector<std::tuple<uint32_t, Day, int>> moved;
  bool empty() const {
    return lessons.empty() && cells.empty() && attestation.empty() && moved.empty();
  }
  void Clear() {
    school = 0;
    lessons.clear();
    cells.clear();
    attestation.clear();
    moved.clear();
  }
};

class SchoolState final : public Validity {
 public:
  SchoolState() = default;
  SchoolState(const SchoolState&) = delete;
  SchoolState& operator=(const SchoolState&) = delete;

  // Folds the event appended as `sequence` (which must be size() + 1) at `recorded_at_us`.
  [[nodiscard]] Status Apply(const v1::EventBody& body, uint64_t sequence, int64_t recorded_at_us);

  // Makes room for `events` more events (a replay knows how many it will fold): the per-event
  // tables grow once instead of rehashing as they fill.
  void Reserve(uint64_t events);

  // The number of events folded (the ledger position of this state).
  uint64_t size() const { return events_.size(); }

  const School* FindSchool(std::string_view school_id) const;
  // Every school of the ledger.
  std::vector<const School*> Schools() const;
  const Credential* FindCredential(std::string_view credential_id) const;
  // R-ACC-6: the credential if it belongs to user `user_id` of school `school_id`, else null (a
  // user id is unique only within its school: another school's user of the same id is another
  // person).
  const Credential* UserCredential(std::string_view school_id, std::string_view user_id,
                                   std::string_view credential_id) const;
  // Every credential of the user (sessions, issued keys), newest first: what the director picks
  // from in an Act (R-SEC-2). A scan of all credentials: for that page, not for a hot path.
  std::vector<const Credential*> CredentialsOf(std::string_view school_id,
                                               std::string_view user_id) const;
  const EventInfo* Event(uint64_t seq) const;
  uint64_t SequenceOf(std::string_view event_id) const;  // 0: unknown
  std::string_view EventIdOf(uint64_t seq) const override;
  const std::string& ActorOf(const EventInfo& info) const { return names_[info.actor]; }
  const std::string& CredentialOf(const EventInfo& info) const { return names_[info.credential]; }
  const std::string& SchoolOf(const EventInfo& info) const { return names_[info.school]; }

  // R-SEC-3.
  bool IsInvalid(uint64_t seq) const override { return invalid_.contains(seq); }
  // The ledger position at a moment: the last entry recorded at or before `unix_us` (0: none).
  uint64_t PositionAt(int64_t unix_us) const;
  const Invalidation* InvalidationOf(uint64_t seq) const;
  // What an Act with these parameters would invalidate if recorded now (the dry run); the same
  // computation Apply uses when the Act is recorded.
  std::vector<Invalidation> PreviewAct(const v1::CredentialCompromiseActRecorded& act) const;
  // Invalidated events not yet re-entered (R-SEC-4), of one school, in sequence order.
  std::vector<uint64_t> AwaitingReentry(std::string_view school_id) const;
  // The re-entry of an invalidated event, or 0.
  uint64_t ReentryOf(uint64_t seq) const;

  // Events that a MarkRecorded/... rests on (for tests and the audit views).
  std::vector<uint64_t> DependenciesOf(uint64_t seq) const;

  // The student's marks in a subject in a school, in the order they were first recorded (null if
  // none).
  const std::vector<const Mark*>* MarksOf(const School& school, std::string_view student_id,
                                          std::string_view subject_id) const;

  // What the last Apply changed.
  const Touched& touched() const { return touched_; }
  // The interned name (lesson, student, attestation key of EventInfo and Touched).
  const std::string& Name(uint32_t index) const { return names_[index]; }

  // The history indexes (projections/README.md), kept in memory: every event that touched the
  // cell (its marks, attendance, the corrections, approvals, reasons and Acts that reached it);
  // every event of a school's actor; every event signed by a credential; every event that touched
  // a lesson or cell of a page (class or subgroup × subject, for as-of pages). Oldest first.
  std::vector<uint64_t> CellEvents(std::string_view school_id, std::string_view lesson_id,
                                   std::string_view student_id) const;
  std::vector<uint64_t> ActorEvents(std::string_view school_id, std::string_view actor_id) const;
  std::vector<uint64_t> CredentialEvents(std::string_view credential_id) const;
  std::vector<uint64_t> PageEvents(std::string_view school_id, std::string_view class_id,
                                   std::string_view subgroup_id, std::string_view subject_id) const;

 private:
  School* MutableSchool(std::string_view school_id);
  uint32_t Intern(std::string_view name);
  // Intern for a name that often repeats from one event to the next (the school, the actor, the
  // credential): `last` remembers the previous answer, so a repeat costs one comparison.
  uint32_t InternRepeated(std::string_view name, uint32_t& last);
  Status ApplyPayload(School* school, const v1::EventBody& body, uint64_t seq, int64_t at_us,
                      std::vector<uint64_t>& deps);
  // The fold of one family of payloads (school_state_<family>.cc; FamilyOf), called by
  // ApplyPayload. `deps`: the events this one rests on (R-SEC-3's cascade).
  Status FoldSchool(School* school, const v1::EventBody& body, uint64_t seq, int64_t at_us,
                    std::vector<uint64_t>& deps);
  Status FoldPeople(School* school, const v1::EventBody& body, uint64_t seq, int64_t at_us,
                    std::vector<uint64_t>& deps);
  Status FoldTimetable(School* school, const v1::EventBody& body, uint64_t seq, int64_t at_us,
                       std::vector<uint64_t>& deps);
  Status FoldJournal(School* school, const v1::EventBody& body, uint64_t seq, int64_t at_us,
                     std::vector<uint64_t>& deps);
  Status FoldAttestation(School* school, const v1::EventBody& body, uint64_t seq, int64_t at_us,
                         std::vector<uint64_t>& deps);
  Status FoldCorrections(School* school, const v1::EventBody& body, uint64_t seq, int64_t at_us,
                         std::vector<uint64_t>& deps);
  Status FoldSubstitution(School* school, const v1::EventBody& body, uint64_t seq, int64_t at_us,
                          std::vector<uint64_t>& deps);
  Status FoldSecurity(School* school, const v1::EventBody& body, uint64_t seq, int64_t at_us,
                      std::vector<uint64_t>& deps);
  Status FoldAcknowledgement(School* school, const v1::EventBody& body, uint64_t seq, int64_t at_us,
                             std::vector<uint64_t>& deps);
  Status FoldCommunication(School* school, const v1::EventBody& body, uint64_t seq, int64_t at_us);
  // A record written under a substitution rests on it (R-SUB-1, R-SEC-3).
  void DependOnSubstitution(const School& school, const v1::EventBody& body,
                            std::vector<uint64_t>& deps) const;
  Status ApplyCorrectionEffect(School& school, CorrectionRequest& request,
                               const v1::CorrectionRequested& body, uint64_t value_seq,
                               uint64_t effective_seq);
  // Record what the event being applied touches (views/README: the keys to rewrite) and keep it
  // in its EventInfo, so that an invalidation can touch it again.
  void TouchLesson(std::string_view lesson_id);
  void TouchLesson(const Lesson& lesson);
  void TouchCell(std::string_view lesson_id, std::string_view student_id);
  void TouchCell(const Lesson& lesson, std::string_view student_id);
  void TouchCell(const Lesson& lesson, uint32_t student);  // the student interned
  // Lists a new mark under its student and subject (School::marks_by_student_subject).
  void IndexMark(School& school, const Lesson& lesson, uint32_t student, const Mark& mark);
  // Lists a lesson column as changed without making it the event's lesson (a substitution).
  void TouchColumn(std::string_view lesson_id) { touched_.lessons.push_back(Intern(lesson_id)); }
  void TouchAttestation(const std::string& key);
  void TouchTarget(const School& school, const v1::CorrectionRequested& p);
  void TouchInvalidated(const School& school, uint64_t seq);
  // Adds the event just applied to the history indexes (from touched_).
  void IndexEvent(const School* school, const EventInfo& info, uint64_t seq);
  // The interned index of a name, or 0 if it was never interned.
  uint32_t Find(std::string_view name) const;

  IdMap<School> schools_;
  IdMap<Credential> credentials_;
  std::vector<EventInfo> events_;  // [seq - 1]
  std::vector<uint64_t> deps_;
  // Interned names live in a deque (its elements never move) and event ids in `chars_` (never
  // moved, freed with the state): the tables below key on views of them, so that a lookup copies
  // no string and an event id costs no allocation of its own. absl's flat tables: one probe of a
  // packed array instead of a walk through separately allocated nodes (the fold is bound by memory
  // latency). They are never iterated (their order changes from process to process).
  std::string_view Store(std::string_view s);
  google::protobuf::Arena chars_;
  std::deque<std::string> names_{std::string()};
  absl::flat_hash_map<std::string_view, uint32_t> name_index_;
  std::vector<uint64_t> deps_scratch_;  // Apply's dependencies of the event being applied
  uint32_t last_school_ = 0, last_actor_ = 0, last_credential_ = 0;  // InternRepeated
  // Apply's last school (interned id, record), found again without hashing its id.
  uint32_t school_of_index_ = 0;
  School* school_of_ = nullptr;
  // By interned credential: its state (a node of credentials_, never moved; null until issued)
  // and the actor of its last event, so that an event whose credential was seen before finds
  // both without hashing the ids (events alternate between a few teachers' credentials).
  struct CredentialSeen {
    Credential* state = nullptr;
    uint32_t actor = 0;
  };
  absl::flat_hash_map<uint32_t, CredentialSeen> credential_seen_;
  // The lesson of the last journal event (a node of its school's `lessons`, never moved or
  // erased): a lesson's marks and attendance come one after another.
  const School* last_lesson_school_ = nullptr;
  Lesson* last_lesson_ = nullptr;
  Lesson* LessonOf(School& school, std::string_view lesson_id);
  std::string key_scratch_;  // AttendanceKey, built in place
  absl::flat_hash_map<std::string_view, uint64_t> event_ids_;
  std::vector<std::string_view> event_id_of_;  // [seq - 1]
  absl::flat_hash_map<uint64_t, Invalidation> invalid_;
  absl::flat_hash_map<uint64_t, uint64_t> reentries_;  // invalid seq -> re-entry seq
  // The page ("<school>/<class>/<subgroup>/<subject>/", interned) of a lesson, by the interned
  // (school, lesson) (a lesson's page never changes: a move changes its date and period only).
  absl::flat_hash_map<uint64_t, uint32_t> page_of_lesson_;
  Touched touched_;
  // absl::Hash mixes all the key's bits: absl's tables take the probe position and a 7-bit tag
  // from the hash, so a hash that only shifts and xors the ids (as this one once did) clusters
  // the keys into long probe sequences (a third of the fold's instructions on a 2-week ledger).
  SequenceIndex<std::array<uint32_t, 3>> cell_events_;  // (school, lesson, student)
  SequenceIndex<uint64_t> actor_events_;                // school << 32 | actor
  SequenceIndex<uint32_t> credential_events_;           // credential
  SequenceIndex<uint32_t> page_events_;  // interned "<school>/<class>/<subgroup>/<subject>/"
};

}  // namespace ejournal::school

#endif  // EJOURNAL_PROJECTIONS_SCHOOL_STATE_H_
