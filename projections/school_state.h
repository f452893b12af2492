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
#include "projections/school_time.h"
#include "schemas/status.h"

namespace ejournal::school {

inline uint32_t RoleBit(v1::Role role) { return 1u << static_cast<unsigned>(role); }

// A version of a journal record: the event that carries the value, and the event that made it
// take effect (the same event for an original record; the approval for a correction).
template <typename Value>
struct Version {
  uint64_t value_seq = 0;      // MarkRecorded / ... / CorrectionRequested / a re-entry
  uint64_t effective_seq = 0;  // the same, or the CorrectionApproved
  bool removed = false;        // a correction proposed to remove the record
  Value value{};
};

struct MarkValue {
  int value = 0;
  int second_value = 0;  // 0: a single mark
  v1::WorkType work_type = v1::WORK_TYPE_UNSPECIFIED;
  uint32_t weight_percent = 0;  // 0: the policy's weight for the work type
  std::string comment;
};
struct AttendanceValue {
  v1::AttendanceStatus status = v1::ATTENDANCE_STATUS_UNSPECIFIED;
  int minutes_late = 0;
};
struct LessonRecordValue {
  std::string topic;
  v1::LessonKind kind = v1::LESSON_KIND_UNSPECIFIED;
  std::string order_number;
  std::vector<v1::WorkType> works;
  // R-MARK-5: the works of the whole class (ClassWork.whole_class): every present student gets
  // a mark of that type in this lesson.
  std::vector<v1::WorkType> whole_class_works;
};
struct HomeworkValue {
  std::string text;
  Day due = kNoDay;
  std::string due_lesson_id;
  std::vector<std::string> student_ids;  // empty: the whole class or subgroup
  int attachments = 0;
};
struct AttestationValue {
  int value = 0;  // 1..5, or 0 with `status`
  v1::AttestationStatus status = v1::ATTESTATION_STATUS_UNSPECIFIED;
  int second_value = 0;
};

// Which events count (R-SEC-3): the school state knows every invalidation; an as-of view knows
// those recorded up to its moment.
class Validity {
 public:
  virtual ~Validity() = default;
  virtual bool IsInvalid(uint64_t seq) const = 0;
};

class SchoolState;

template <typename Value>
struct Record {
  // In the order they took effect. Most records have one version: it is kept in the record itself
  // (no allocation of its own, and no second cache line to reach when the record is read).
  absl::InlinedVector<Version<Value>, 1> versions;
  std::string pending_request_id;  // a correction awaiting the deputy (R-COR-3)
  // The version the journal shows now; null if none is valid or the last valid one removed it.
  const Version<Value>* Current(const Validity& validity) const;
  // The version that the journal shows now, removal included (for "original_event_id").
  const Version<Value>* LastValid(const Validity& validity) const;
};

// A mark's ids are views, not copies (a replay holds millions of marks; three heap strings cost
// each ~190 bytes and three allocations): `mark_id` of the marks table's key, `lesson_id` of the
// lesson record's id, `student_id` of the state's interned name (SchoolState::Name) or, where
// there is no state (the as-of page) or for a late entry, of School::KeepId's copy. Records are
// never erased, so the views live as long as their School.
struct Mark : Record<MarkValue> {
  std::string_view mark_id, lesson_id, student_id;
};
struct Attendance : Record<AttendanceValue> {
  std::string lesson_id, student_id;
  // R-ATT-2: the class teacher's classifications (AbsenceReasonSet), in order; the last valid wins.
  std::vector<std::pair<uint64_t, v1::AbsenceReason>> reasons;
  v1::AbsenceReason Reason(const Validity& validity) const;
};
struct Homework : Record<HomeworkValue> {
  std::string homework_id, lesson_id;
};
struct AttestationMark : Record<AttestationValue> {
  std::string key;  // TermKey / ExamKey
  std::string student_id, subject_id;
};

struct User {
  std::string id;
  uint32_t roles = 0;  // RoleBit()s
  bool active = true;
  std::string login;
  std::string display_name;  // "Иванов Пётр": what the class list and the journal show
  bool Has(v1::Role role) const { return (roles & RoleBit(role)) != 0; }
};

// Logins are unique within a school and signed in to without regard to case (R-ACC-5:
// "Иванов", "иванов" and "ИВАНОВ" are one login): the key a login is found by, with Latin and
// Cyrillic capitals (Ё too) lowered; other bytes as they are.
std::string LoginKey(std::string_view login);

struct Credential {
  std::string id, user_id, school_id;
  v1::CredentialKind kind = v1::CREDENTIAL_KIND_UNSPECIFIED;
  uint64_t issued_seq = 0;  // 0: the node's own
  bool revoked = false;
  // The events it signed: SchoolState::CredentialEvents (one index for the audit and the Act).
};

struct TermInfo {
  int number = 0;
  Day first = kNoDay, last = kNoDay;
};
struct TermScheme {
  int grade_from = 0, grade_to = 0;
  std::vector<TermInfo> terms;
};
struct HolidayInfo {
  Day first = kNoDay, last = kNoDay;
  v1::HolidayKind kind = v1::HOLIDAY_KIND_UNSPECIFIED;
  std::vector<int> grades;
  std::vector<std::string> class_ids;
};
struct AcademicYear {
  std::string id;
  Day first = kNoDay, last = kNoDay;
  std::vector<TermScheme> schemes;
  std::vector<HolidayInfo> holidays;
  Day adaptation_first = kNoDay, adaptation_last = kNoDay;
  // The term scheme of a grade, or null.
  const TermScheme* SchemeFor(int grade) const;
};

struct Subject {
  std::string id, name;
  v1::SubjectKind kind = v1::SUBJECT_KIND_UNSPECIFIED;
};

struct SchoolClass {
  std::string id, year_id, letter, class_teacher_id;
  int grade = 0;
};

struct Subgroup {
  std::string id, class_id, subject_id, name;
  std::set<std::string> students;
};

struct Membership {
  std::string class_id;
  Day from = kNoDay, to = kForever;  // inclusive
  bool home_schooling = false;
};
struct Student {
  std::string id;
  std::vector<Membership> memberships;
  std::set<std::string> guardians;
  struct Exemption {
    Day first, last;
  };
  std::vector<Exemption> pe_exemptions;
  // The class on `day`, or null.
  const Membership* On(Day day) const;
};

struct Load {
  std::string id, teacher_id, class_id, subgroup_id, subject_id, year_id;
  int weekly_hours = 0;
  Day from = kNoDay, to = kForever;
};

struct BellSchedule {
  std::string id;
  std::map<int, std::pair<int, int>> periods;  // number -> (start, end) minutes
  std::vector<int> grades;                     // empty: all
  uint32_t weekdays = 0;                       // bit (1 << iso weekday); 0: all
  Day first = kNoDay, last = kForever;
  uint64_t seq = 0;
};

struct Lesson {
  std::string id, class_id, subgroup_id, subject_id, teacher_id, individual_student_id, room;
  uint32_t name = 0;     // `id` interned (SchoolState::Name)
  uint32_t subject = 0;  // `subject_id` interned (0: none)
  std::string planned_topic;
  Day date = kNoDay;
  int period = 0;
  bool cancelled = false;
  uint64_t scheduled_seq = 0;
  Record<LessonRecordValue> record;  // LessonConducted and its corrections
  std::vector<std::string> substitution_ids;
  // The lesson's marks and homework, in the order they were first recorded: the records
  // themselves (nodes of the school's `marks` and `homework` tables, which never move and are
  // never erased), so that a page or a report reads them without a lookup by id each.
  std::vector<const Mark*> marks;
  // The interned student (SchoolState::Name) of each of `marks`, kept by the school state only
  // (an as-of page leaves it empty): building a cell compares these instead of reading every mark
  // of the lesson. Used only while its size equals that of `marks`.
  std::vector<uint32_t> mark_students;
  std::vector<const Homework*> homework;
  std::vector<std::string> attendance_students;
};

enum class RequestStatus { kPending, kApproved, kRejected, kWithdrawn };

struct CorrectionRequest {
  std::string id, requester_id, target_key, reason;
  v1::CorrectionTarget::TargetCase target_case = v1::CorrectionTarget::TARGET_NOT_SET;
  std::string lesson_id;  // for lesson cells
  uint64_t seq = 0, original_seq = 0;
  int64_t recorded_at_us = 0;
  RequestStatus status = RequestStatus::kPending;
  uint64_t decided_seq = 0;
  std::string decided_by;
  Day business_day = kNoDay;
  bool took_effect_by_grace = false;
  std::shared_ptr<const v1::CorrectionRequested> body;  // the proposal, applied on approval
};

struct Substitution {
  std::string id, absent_teacher_id, substitute_teacher_id;
  std::vector<std::string> lesson_ids;
  bool cancelled = false;
  uint64_t seq = 0;
};

struct CompromiseReport {
  std::string id, user_id;
  std::vector<std::string> credential_ids;
  int64_t discovered_at_us = 0, reported_at_us = 0;
  bool late = false;  // R-SEC-1: reported more than an hour after the discovery
  uint64_t seq = 0;
};

// Why an event is invalid (R-SEC-3).
struct Invalidation {
  uint64_t seq = 0;
  std::string act_id;
  uint64_t because_of = 0;  // 0: signed by the compromised credential; else the event it rested on
};

struct Act {
  std::string id, number, affected_user_id;
  std::vector<std::string> credential_ids;
  int64_t invalid_from_us = 0;
  uint64_t seq = 0;
  std::vector<Invalidation> invalidated;  // in sequence order
};

struct PolicyValues {
  std::vector<v1::MarkWindowRule> mark_windows;
  std::map<v1::WorkType, uint32_t> weights;
  int first_marked_grade = 2;
  bool adaptation_forbids_unsatisfactory = true;
  int correction_grace_minutes = 0;
  int homework_deadline_minutes = 60;
  std::vector<v1::TermMarkMinimum> term_mark_minimums;
  int not_attested_absence_percent = 50;
  int term_mark_entry_days = 7;
  int min_marks_percent_of_lessons = 25;
  uint64_t seq = 0;  // 0: the defaults
  // The weight of a mark (percent of a normal one).
  uint32_t WeightOf(const MarkValue& mark) const;
};

struct DiaryAck {
  std::string guardian_id, student_id;
  Day week_start = kNoDay;
  uint64_t as_of_sequence = 0, seq = 0;
  v1::AcknowledgementChannel channel = v1::ACKNOWLEDGEMENT_CHANNEL_UNSPECIFIED;
};

// A table keyed by ids that is searched by a view of an id, without copying it. The same hash as
// std::hash<std::string>, so that iteration order is that of a plain std::unordered_map.
struct IdHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
};
template <typename Value>
using IdMap = std::unordered_map<std::string, Value, IdHash, std::equal_to<>>;
// The same for a table that is only searched, never iterated (its order is not the above's), with
// nodes that never move: absl's node table finds a key in about one cache miss where
// std::unordered_map walked its bucket's chain (the marks: millions in a replay, a tenth of its
// fold in their lookups; docs/BENCHMARKS.md).
template <typename Value>
using IdNodeMap = absl::node_hash_map<std::string, Value, IdHash, std::equal_to<>>;

// One school: everything keyed by the school's own ids. Not copyable: records hold views of its
// tables' keys and of its kept ids (Mark).
struct School {
  School() = default;
  School(const School&) = delete;
  School& operator=(const School&) = delete;
  School(School&&) = default;
  School& operator=(School&&) = default;

  std::string id, name;
  SchoolZone zone;
  uint64_t registered_seq = 0;
  PolicyValues policy;
  IdMap<AcademicYear> years;
  IdMap<Subject> subjects;
  IdMap<SchoolClass> classes;
  IdMap<Subgroup> subgroups;
  IdMap<User> users;
  IdMap<std::string> logins;  // LoginKey(login) -> user id
  IdMap<Student> students;
  IdMap<Load> loads;
  IdMap<BellSchedule> bells;
  IdMap<Lesson> lessons;
  IdNodeMap<Mark> marks;         // never iterated
  IdMap<Attendance> attendance;  // AttendanceKey(lesson, student)
  IdMap<Homework> homework;
  IdMap<AttestationMark> attestation;  // TermKey / ExamKey
  IdMap<bool> deputy_attest;           // TermKey -> decision
  IdMap<CorrectionRequest> requests;
  IdMap<Substitution> substitutions;
  IdMap<CompromiseReport> reports;
  IdMap<Act> acts;
  std::vector<DiaryAck> acks;
  // AckKey(student, week start) -> indexes into acks, in ledger order.
  IdMap<std::vector<size_t>> acks_by_student_week;
  std::set<std::string> timetable_slots;
  // Lessons by (class or subgroup, subject) and by class and day, for windows and term checks.
  IdMap<std::vector<std::string>> lessons_by_group;  // GroupKey
  IdMap<std::map<Day, std::vector<std::string>>> lessons_by_class_day;
  // Marks by student and subject, for term marks (R-TERM-1): keyed by the interned ids
  // (SchoolState::MarksOf): a mark finds its list with one probe, no key string built and hashed.
  // Never iterated.
  absl::flat_hash_map<uint64_t, std::vector<const Mark*>> marks_by_student_subject;
  // Class -> every student who was ever enrolled in it or moved to it, in the order they joined
  // (a journal page reads its class's students here instead of scanning the whole school).
  IdMap<std::vector<std::string>> class_members;

  const User* FindUser(std::string_view user_id) const;
  // A copy of `id` that lives as long as the school, one per distinct id (what records hold views
  // of: Mark::student_id).
  std::string_view KeepId(std::string_view id);
  // The students who were ever members of the class (see class_members); empty if none.
  const std::vector<std::string>& MembersOf(std::string_view class_id) const;
  const Lesson* FindLesson(std::string_view lesson_id) const;
  // The academic year containing `day`, or null.
  const AcademicYear* YearOn(Day day) const;
  // The term containing `day` for a class's grade, or null.
  const TermInfo* TermOn(const SchoolClass& cls, Day day) const;
  // Start and end instants of a lesson (its bell period in the school's zone; the whole day when
  // no bell schedule names the period).
  int64_t LessonStartUs(const Lesson& lesson) const;
  int64_t LessonEndUs(const Lesson& lesson) const;
  // Whether `student_id` belongs to the lesson's class (and subgroup) on the lesson's date.
  bool InLesson(const Lesson& lesson, std::string_view student_id) const;
  // Weekly hours of the load for the class/subgroup and subject (0 if none).
  int WeeklyHours(std::string_view class_id, std::string_view subgroup_id,
                  std::string_view subject_id, Day day) const;
  // The substitution in force naming `teacher_id` for the lesson, or null.
  const Substitution* SubstitutionFor(const Lesson& lesson, std::string_view teacher_id) const;
  // The lessons of the class on a day, not cancelled.
  std::vector<const Lesson*> LessonsOfClassOn(std::string_view class_id, Day day) const;
  // The next lesson of the same class/subgroup and subject after `lesson`, or null.
  const Lesson* NextLessonOfGroup(const Lesson& lesson) const;

 private:
  friend class SchoolState;
  const BellSchedule* BellFor(const Lesson& lesson) const;
  // KeepId's copies (a deque: its elements never move) and their index.
  std::deque<std::string> kept_ids_;
  absl::flat_hash_set<std::string_view> kept_index_;
};

std::string AttendanceKey(std::string_view lesson_id, std::string_view student_id);
// The same key, written into `key` (a buffer reused from call to call).
void AttendanceKeyInto(std::string_view lesson_id, std::string_view student_id, std::string& key);
std::string AckKey(std::string_view student_id, Day week_start);
std::string GroupKey(std::string_view class_id, std::string_view subgroup_id,
                     std::string_view subject_id);
std::string TermKey(const v1::TermMarkRef& ref);
std::string TermKey(std::string_view student_id, std::string_view subject_id,
                    const v1::PeriodRef& period);
std::string ExamKey(const v1::ExamMarkRef& ref);
std::string ExamKey(std::string_view student_id, std::string_view subject_id,
                    std::string_view year_id, int attempt);

// The record folds shared by the school state and the as-of page (projections/as_of.h).
// A new version of a record (its value from `value_seq`, in effect from `effective_seq`).
template <typename V>
void PushVersion(Record<V>& record, uint64_t value_seq, uint64_t effective_seq, bool removed,
                 V value) {
  record.versions.push_back(Version<V>{value_seq, effective_seq, removed, std::move(value)});
}
// A scheduled lesson's own fields (not its indexes or interned names).
Lesson ScheduledLesson(const v1::LessonScheduled& p, uint64_t seq);
// A move's new date, period and room into the lesson (what is left unset stays).
void MoveLesson(Lesson& lesson, const v1::LessonMoved& p);
MarkValue MarkValueOf(const v1::MarkRecorded& m);
AttendanceValue AttendanceValueOf(const v1::AttendanceRecorded& a);
LessonRecordValue LessonRecordValueOf(const v1::LessonConducted& c);
HomeworkValue HomeworkValueOf(const v1::HomeworkAssigned& h);
// Puts a correction's proposal into its target record as a version (value_seq: the request;
// effective_seq: the approval). A late entry creates the record.
[[nodiscard]] Status ApplyCorrection(School& school, const v1::CorrectionRequested& p,
                                     uint64_t value_seq, uint64_t effective_seq);

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
  const Credential* FindCredential(std::string_view credential_id) const;
  // R-ACC-6: the credential if it belongs to user `user_id` of school `school_id`, else null (a
  // user id is unique only within its school: another school's user of the same id is another
  // person).
  const Credential* UserCredential(std::string_view school_id, std::string_view user_id,
                                   std::string_view credential_id) const;
  const EventInfo* Event(uint64_t seq) const;
  uint64_t SequenceOf(std::string_view event_id) const;  // 0: unknown
  std::string_view EventIdOf(uint64_t seq) const;
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

template <typename Value>
const Version<Value>* Record<Value>::LastValid(const Validity& validity) const {
  for (auto it = versions.rbegin(); it != versions.rend(); ++it) {
    if (!validity.IsInvalid(it->value_seq) && !validity.IsInvalid(it->effective_seq)) return &*it;
  }
  return nullptr;
}

template <typename Value>
const Version<Value>* Record<Value>::Current(const Validity& validity) const {
  const Version<Value>* v = LastValid(validity);
  return v == nullptr || v->removed ? nullptr : v;
}

}  // namespace ejournal::school

#endif  // EJOURNAL_PROJECTIONS_SCHOOL_STATE_H_
