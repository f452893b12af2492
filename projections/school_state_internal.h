// Helpers of the school state's fold, shared by its files (school_state*.cc, school.cc,
// record_fold.cc); internal to projections/.
#ifndef EJOURNAL_PROJECTIONS_SCHOOL_STATE_INTERNAL_H_
#define EJOURNAL_PROJECTIONS_SCHOOL_STATE_INTERNAL_H_

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "ejournal/v1/event.pb.h"
#include "projections/school.h"
#include "schemas/status.h"

namespace ejournal::school {

// The families of payloads, each folded by its own file (SchoolState::Fold*) and checked by the
// mirrored rules file (rule_checker.h).
enum class PayloadFamily {
  kNone,
  kSchool,           // school_state_setup.cc
  kPeople,           // school_state_setup.cc
  kTimetable,        // school_state_timetable.cc
  kJournal,          // school_state_journal.cc
  kAttestation,      // school_state_attestation.cc
  kCorrections,      // school_state_corrections.cc
  kSubstitution,     // school_state_substitution.cc
  kSecurity,         // school_state_security.cc
  kAcknowledgement,  // school_state_acknowledgement.cc
  kCommunication,    // school_state_messages.cc
};
PayloadFamily FamilyOf(v1::EventBody::PayloadCase payload);

inline Day DayOr(const v1::Date& date, Day fallback) {
  if (date.year() == 0) return fallback;
  auto day = DayOf(date);
  return day ? *day : fallback;
}

inline Status Corrupt(uint64_t seq, const std::string& what) {
  return DataLoss("entry " + std::to_string(seq) + ": cannot fold: " + what);
}

// Appends to a list that usually grows to tens of entries (a lesson's marks, a student's marks in
// a subject): the first append makes room for `first` at once instead of growing 1, 2, 4, 8, ...
template <typename T>
void Append(std::vector<T>& list, T item, size_t first) {
  if (list.capacity() == 0) list.reserve(first);
  list.push_back(item);
}

inline void AddMember(School& school, const std::string& class_id, const std::string& student_id) {
  auto& members = school.class_members[class_id];
  if (std::find(members.begin(), members.end(), student_id) == members.end()) {
    members.push_back(student_id);
  }
}

}  // namespace ejournal::school

#endif  // EJOURNAL_PROJECTIONS_SCHOOL_STATE_INTERNAL_H_
