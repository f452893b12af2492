// DiaryCache: the JSON answers of GET .../students/{id}/diary?week= kept per (school, student,
// week) and served while nothing they depend on changed (docs/API.md "Reads", docs/BENCHMARKS.md
// "Service: load").
//
// Validity by ledger position, never by erasing: the writer records, for each thing a diary depends
// on, the sequence number of the last event that changed it (a "touch"):
//   - a student (school, student): a cell of theirs (mark, attendance, absence reason, the
//     corrections and approvals that reach it), a term or exam mark of theirs, a DiaryAcknowledged
//     for them;
//   - a class (school, class): a lesson of the class or of one of its subgroups (scheduled,
//     conducted with its topic, homework, moved, cancelled, a substitution naming it, a correction
//     of the lesson or its homework);
//   - a school: every event of that school whose effect on diaries the above does not describe
//     exactly (roster, users, timetable, policy, a compromise Act and its invalidations, anything
//     new): conservative;
//   - everything: an event of no known school.
// These come from SchoolState::touched() (what the views rewrite) plus the event's payload type.
// An answer is stored with `built_from`, the ledger's committed size read before its view was read
// (RocksDB then holds every view up to at least that entry); it is served while no touch of its
// student, of a class the student is in during the week, of its school or of everything is later
// than `built_from`. So an answer can only be older than the state if a change reached none of
// these, which the writer's touches rule out (exact for journal events, conservative otherwise).
// The answer's "as_of_sequence" (the state's size) is written in at serving time.
//
// Memory: at most `max_bytes` of answers (least recently used dropped first); the touch tables
// hold one number per student, class and school that an event touched.
//
// Thread-safety: OnApplied runs on the ledger's writer thread with the state lock held exclusively;
// Lookup runs with the state lock held shared (the touch tables are read there); Insert and the
// counters may run anywhere. The answers have their own mutex.
#ifndef EJOURNAL_API_DIARY_CACHE_H_
#define EJOURNAL_API_DIARY_CACHE_H_

#include <absl/container/flat_hash_map.h>

#include <atomic>
#include <cstdint>
#include <list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "ejournal/v1/event.pb.h"
#include "projections/school_state.h"
#include "schemas/mutex.h"

namespace ejournal::api {

class DiaryCache {
 public:
  // 0: disabled (every read builds its answer; nothing is counted).
  explicit DiaryCache(size_t max_bytes) : max_bytes_(max_bytes) {}
  DiaryCache(const DiaryCache&) = delete;
  DiaryCache& operator=(const DiaryCache&) = delete;

  bool enabled() const { return max_bytes_ > 0; }

  // The writer thread, state lock exclusive: `state` has just folded `body` as entry `seq`.
  void OnApplied(const school::SchoolState& state, const v1::EventBody& body, uint64_t seq);

  // What an answer depends on besides its key: the student's classes during the week.
  struct Deps {
    std::string school_id, student_id;
    std::vector<std::string> class_ids;
  };
  // The classes of `student` on the seven days from `week_start` (state lock held).
  static std::vector<std::string> ClassesOf(const school::School& school,
                                            std::string_view student_id, school::Day week_start);

  // State lock held shared. The answer stored under (school, student, week_start) if no event
  // since it was built changed what it shows, with `as_of_sequence` (the state's size) written in;
  // counts a hit or a miss.
  std::optional<std::string> Lookup(std::string_view school_id, std::string_view student_id,
                                    school::Day week_start, uint64_t as_of_sequence);

  // The as_of_sequence an answer to be cached is built with (ProtoJson of a DiaryWeekView whose
  // as_of_sequence is this): 20 digits no real sequence number reaches, so they occur in the JSON
  // exactly once, where WithAsOf and Lookup write the real one.
  static constexpr uint64_t kAsOfPlaceholder = UINT64_MAX;
  // `json` (built with kAsOfPlaceholder) with `as_of_sequence` written in; `json` unchanged if the
  // placeholder is not in it.
  static std::string WithAsOf(const std::string& json, uint64_t as_of_sequence);

  // Stores the answer `json` (built with kAsOfPlaceholder) from views read at ledger size
  // `built_from` or later. Replaces an older answer of the same key; drops the least recently
  // used answers beyond the memory bound.
  void Insert(school::Day week_start, Deps deps, uint64_t built_from, const std::string& json);

  struct Counters {
    uint64_t hits = 0, misses = 0, evictions = 0, entries = 0, bytes = 0;
  };
  Counters counters() const;
  // Prometheus lines for /metrics.
  std::string Metrics() const;

 private:
  struct Entry {
    std::string key;
    std::string student_key;              // school \x1f student
    std::vector<std::string> class_keys;  // school \x1f class
    std::string school_id;
    uint64_t built_from = 0;
    std::string prefix, suffix;  // the answer around the as_of_sequence digits
    size_t bytes = 0;
  };
  static std::string Key(std::string_view school_id, std::string_view student_id,
                         school::Day week_start);
  static std::string Pair(std::string_view a, std::string_view b);
  // A touch table: string_view lookups (absl's heterogeneous lookup), so that the writer's touch
  // of a key seen before allocates nothing.
  using Touches = absl::flat_hash_map<std::string, uint64_t, school::IdHash, std::equal_to<>>;
  // The last touch of `key` in `table` (0: none). State lock held (shared or exclusive).
  static uint64_t TouchOf(const Touches& table, std::string_view key);
  // Whether no touch of what `e` depends on is later than it. State lock held (shared or
  // exclusive).
  bool Fresh(const Entry& e) const;
  static void Bump(Touches& table, std::string_view key, uint64_t seq);
  // Bump of the (school, other) pair, built in the writer's scratch_ buffer.
  void BumpPair(Touches& table, std::string_view school_id, std::string_view other, uint64_t seq);

  const size_t max_bytes_;

  // Touch tables: guarded by the server's state lock (written under it exclusively). Not
  // ABSL_GUARDED_BY: that lock is the server's, which the analysis cannot name from here.
  uint64_t touched_all_ = 0;
  Touches touched_school_;
  Touches touched_class_;
  Touches touched_student_;
  std::string scratch_;  // the writer's pair-key buffer (BumpPair)

  // Answers, most recently used first.
  mutable Mutex mu_;
  std::list<Entry> lru_ ABSL_GUARDED_BY(mu_);
  std::unordered_map<std::string, std::list<Entry>::iterator> by_key_ ABSL_GUARDED_BY(mu_);
  size_t bytes_ ABSL_GUARDED_BY(mu_) = 0;
  std::atomic<uint64_t> hits_{0}, misses_{0}, evictions_{0};
};

}  // namespace ejournal::api

#endif  // EJOURNAL_API_DIARY_CACHE_H_
