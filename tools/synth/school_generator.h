// A synthetic school year that follows the rules: for tests, the demo and the benchmarks.
//
// The set-up goes the way a school's own does (docs/SETUP.md): the year, subjects and staff one
// event at a time as the pages and the CLI record them; the roster (classes with their class
// teachers, students, parents, enrolments, guardian links) through the roster import's differ
// (setup/import_plan.h) against the school as recorded so far, in the differ's order; then the
// teaching load with its subgroups, the bells and the timetable, and the lessons scheduled from
// it week by week.
//
// One or more schools (Europe/Moscow by default), each with its calendar (quarters, holidays, the
// adaptation period), subjects, classes of grades 1-11 with English split into two subgroups from
// grade 5, teachers with a teaching load, a weekly timetable without double-booked teachers or
// classes, and every study week from 1 September: lessons scheduled on the Friday before, held
// with topics, absences (illnesses lasting days, single misses, lateness) and their classification
// by the class teacher on Fridays, marks (answers in class for the students with the fewest marks,
// control works for every present student, none in grade 1, no 2 in the adaptation period),
// homework, correction requests approved or rejected by a deputy, substitutions for sick teachers,
// parents' weekly acknowledgements, and term marks in each term's last week (н/а where too few
// marks or too many misses).
//
// And one credential leak (in the first school): an attacker with a teacher's credential records
// marks, an absence and a correction request in the evening; a deputy approves the request the
// next morning; the teacher's own lessons of that morning are signed with the same credential.
// The director then records the report and the Act from the attacker's first event (R-SEC-1..3),
// the administrator issues a new key, and the teacher re-enters their own invalidated records
// (R-SEC-4). LeakFacts names every event involved, for the tests.
//
// Deterministic: the same options (seed included) and node credential give byte-identical event
// bodies; keys are derived from the seed. Events come in groups recorded at one instant, in the
// order they are to be appended: a driver sets the ledger's clock to the group's time and appends
// the group (Drive below does exactly that through admission and the real ledger).
#ifndef EJOURNAL_TOOLS_SYNTH_SCHOOL_GENERATOR_H_
#define EJOURNAL_TOOLS_SYNTH_SCHOOL_GENERATOR_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ejournal/v1/event.pb.h"
#include "ledger/admission.h"
#include "ledger/clock.h"
#include "ledger/crypto.h"
#include "ledger/ledger.h"
#include "schemas/status.h"

namespace ejournal::synth {

struct Options {
  uint64_t seed = 1;
  int schools = 1;
  // Per school.
  int classes = 40;
  int students = 1000;
  int teachers = 60;
  // Study weeks from the first Monday of September (holidays are skipped, not counted).
  int weeks = 35;
  int year = 2025;
  std::string zone = "Europe/Moscow";
  // The credential leak with its Act and re-entries, in the first school (needs 3+ weeks).
  bool leak = true;
  // Entries already in the ledger before the first generated one (acknowledgements name ledger
  // positions).
  uint64_t base_sequence = 0;
  // Nothing recorded after this instant is generated (0: the whole year). The demo stops at "now"
  // so that the current week's lessons are scheduled but not yet held.
  int64_t stop_at_us = 0;
  // With `stop_at_us`: the lessons the methodist would schedule within this many days after the
  // stop are scheduled at the stop instead (one last group), so that the coming lessons do not
  // depend on the weekday of the stop (weeks are scheduled on the Friday before). 21 days reach
  // from a Friday before the two-week winter holidays to the first study week after them.
  int schedule_ahead_days = 0;
};

struct Event {
  int64_t record_at_us = 0;
  v1::EventBody body;
  const crypto::PrivateKey* key = nullptr;  // the signer's; owned by the generator
};

// A set-up event: the calendar, the roster, credentials, the load, the timetable, the lessons
// scheduled (what a school records ahead of the days it concerns).
bool IsSetUp(const v1::EventBody& body);

// The leak scenario, by event id.
struct LeakFacts {
  std::string school_id, teacher_id, leaked_credential_id, new_credential_id;
  std::string report_id, act_id, act_event_id;
  int64_t invalid_from_us = 0;
  // The attacker's events: marks, an absence, the correction request (last).
  std::vector<std::string> attacker_event_ids;
  std::string forged_request_id, forged_request_event_id;
  // The deputy's approval of the forged request: it rested on it (R-SEC-3).
  std::string rested_approval_event_id;
  // The mark the forged request changed, and its value before.
  std::string corrected_mark_id;
  int corrected_mark_value = 0;
  // The teacher's own events signed with the leaked credential after the moment, and their
  // re-entries (R-SEC-4), in the same order.
  std::vector<std::string> legit_invalidated_event_ids;
  std::vector<std::string> reentry_event_ids;
};

struct Stats {
  uint64_t events = 0, lessons = 0, marks = 0, absences = 0, homework = 0, corrections = 0,
           substitutions = 0, term_marks = 0, acknowledgements = 0, timetable_gaps = 0;
};

class SchoolGenerator {
 public:
  // `node_credential_id`/`node_key`: the ledger node's credential (it registers the schools and
  // issues the administrators' first keys).
  SchoolGenerator(Options options, std::string node_credential_id, crypto::PrivateKey node_key);
  ~SchoolGenerator();
  SchoolGenerator(const SchoolGenerator&) = delete;
  SchoolGenerator& operator=(const SchoolGenerator&) = delete;

  // Replaces `out` with the next events recorded at one instant; false when the year is done.
  bool NextGroup(std::vector<Event>& out);

  const std::optional<LeakFacts>& leak() const;
  const Stats& stats() const;
  const Options& options() const;
  // School ids, and one user id of every role of the first school (for the demo).
  std::vector<std::string> school_ids() const;
  std::vector<std::pair<std::string, std::string>> sample_users() const;  // (role, user id)
  // A user's key (nullptr if unknown) and credential id, for tests and the demo.
  const crypto::PrivateKey* KeyOf(const std::string& school_id, const std::string& user_id) const;
  std::string CredentialOf(const std::string& school_id, const std::string& user_id) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A clock a driver sets (the ledger's recorded-at time follows the generated timeline).
class SettableClock final : public Clock {
 public:
  int64_t NowMicros() const override { return now_.load(std::memory_order_acquire); }
  void Set(int64_t unix_us) { now_.store(unix_us, std::memory_order_release); }

 private:
  std::atomic<int64_t> now_{0};
};

struct DriveResult {
  uint64_t appended = 0;
  uint64_t groups = 0;
};

// Signs the events of one group and checks them through `admission` (stages 1-3, on every core),
// then appends them to `ledger` in order at the group's time (set on `clock`): as one batch, or one
// event at a time. Stops at the first refusal and returns it, naming the event.
[[nodiscard]] Result<DriveResult> AppendGroup(const std::vector<Event>& group,
                                              const Admission& admission, Ledger& ledger,
                                              SettableClock& clock, bool one_at_a_time);

// Signs every generated event, checks it through `admission` and appends it to `ledger` (whose
// clock is `clock`), group by group. Stops at the first refusal and returns it, naming the event.
// `progress` (may be empty) is called after each group.
[[nodiscard]] Result<DriveResult> Drive(
    SchoolGenerator& generator, const Admission& admission, Ledger& ledger, SettableClock& clock,
    const std::function<void(const DriveResult&)>& progress = {});

}  // namespace ejournal::synth

#endif  // EJOURNAL_TOOLS_SYNTH_SCHOOL_GENERATOR_H_
