// RuleBook: what may enter the ledger, by the school's rules (DOMAIN.md).
//
// Admission runs, in order: decoding and schema checks → signature → the credential (ledger/) → the
// actor's rights for this event and this scope (R-ACC-*) → the school rules (R-LES, R-MARK, R-ATT,
// R-HW, R-TERM, R-COR, R-SUB, R-SEC, R-TIME, R-ACK). RuleBook::Check is the last two stages: it
// reads the SchoolState folded from everything sequenced before the event, and the event's
// recorded-at time (system time, R-TIME-1), and says yes or why not.
//
// A refusal is a Status with the rule id and, in plain words, what to do instead:
//   kPermissionDenied (HTTP 403)   the actor may not write this (R-ACC-2, R-SUB-1, R-COR-1 ...)
//   kFailedPrecondition (422)      a school rule (R-MARK-3: "past its window: file a correction")
//   kInvalidArgument (400)         a malformed payload (a mark of 7, a date that does not exist)
//   kAlreadyExists (409)           an id that is already taken by another fact
//
// The rights model (who may write which event type) is DOMAIN.md's table, refined in
// schemas/README.md ("Event types, writers and rules"); the rules' defaults are school policy
// (SchoolPolicySet) with DOMAIN.md's values.
//
// Thread-safety: Check only reads the state; the caller serialises it with Apply (the ledger's
// writer thread does both).
#ifndef EJOURNAL_PROJECTIONS_RULE_BOOK_H_
#define EJOURNAL_PROJECTIONS_RULE_BOOK_H_

#include <cstdint>

#include "ejournal/v1/event.pb.h"
#include "projections/school_state.h"
#include "schemas/status.h"

namespace ejournal::school {

// The actor id of the ledger node itself (bootstrap, session credentials).
inline constexpr char kNodeActor[] = "node";

class RuleBook {
 public:
  // `state` must outlive the RuleBook.
  explicit RuleBook(const SchoolState* state) : state_(state) {}

  // May `body`, recorded at `recorded_at_us`, enter after everything folded into the state?
  [[nodiscard]] Status Check(const v1::EventBody& body, int64_t recorded_at_us) const;

  // The instant until which a mark of `work_type` on `lesson` may be recorded directly (R-MARK-3).
  static int64_t MarkDeadlineUs(const School& school, const Lesson& lesson, v1::WorkType work_type);
  // The instant until which homework for `lesson` may be recorded (R-HW-1).
  static int64_t HomeworkDeadlineUs(const School& school, const Lesson& lesson);
  // The minimum number of marks for a term mark at `weekly_hours` (R-TERM-1); `valid_absence`:
  // the student missed lessons of the subject in the term for a valid reason (б, уп), which at
  // 3 or more hours a week lowers the default from 7 to 5 (seed 004 §7.14).
  static int MinimumMarks(const PolicyValues& policy, int weekly_hours, bool valid_absence = false);

 private:
  const SchoolState* const state_;
};

}  // namespace ejournal::school

#endif  // EJOURNAL_PROJECTIONS_RULE_BOOK_H_
