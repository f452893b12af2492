// The journal's records as the school state folds them (projections/school_state.h): a record is
// the list of its versions (the original, corrections that took effect, re-entries), and its
// current value is the last version whose events are all valid (R-SEC-3, Validity).
#ifndef EJOURNAL_PROJECTIONS_SCHOOL_RECORDS_H_
#define EJOURNAL_PROJECTIONS_SCHOOL_RECORDS_H_

#include <absl/container/inlined_vector.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "ejournal/v1/event.pb.h"
#include "projections/school_time.h"

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
// A file attached to homework (DocumentRef): kept by the node's attachment store under its hash.
struct AttachmentRef {
  std::string sha256;  // 32 bytes
  std::string file_name, media_type;
  int64_t size_bytes = 0;
};
struct HomeworkValue {
  std::string text;
  Day due = kNoDay;
  std::string due_lesson_id;
  std::vector<std::string> student_ids;  // empty: the whole class or subgroup
  std::vector<AttachmentRef> attachments;
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
  // The event id of ledger entry `seq` (empty if unknown): what a correction request names.
  virtual std::string_view EventIdOf(uint64_t seq) const = 0;
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

#endif  // EJOURNAL_PROJECTIONS_SCHOOL_RECORDS_H_
