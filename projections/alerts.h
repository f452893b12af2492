// The alerts the journal raises itself (DOMAIN.md R-MSG-3, seed 000 §5.4.3: the teacher "ставит в
// известность классного руководителя и родителей" about a student who fails or misses lessons),
// each named by its rule and switched by the school's policy (SchoolPolicy.alert_*):
//   unexplained_absence      an «н» the class teacher has not classified by the next day (R-ATT-2),
//                            in the last 14 days;
//   absences_per_week        at least alert_absences_per_week missed lessons in a week (Mon–Sun),
//                            this week or the last;
//   unsatisfactory_in_a_row  the last two marks of a subject in the period both «2» or «1»;
//   risk_not_attested        R-TERM-1's risk of «н/а» in the period: more than
//                            not_attested_absence_percent of a subject's lessons missed, or fewer
//                            marks than the minimum with too few lessons left to reach it;
//   missed_control_work      absent from a lesson whose work included a control work, in the
//                            period.
// Computed on request from the folded state (no store, nothing signed): the class teacher and the
// parents read them (api/routes_messages.cc); a teacher tells them by hand with a message.
//
// Pure functions of the school state: the caller holds whatever lock guards it.
#ifndef EJOURNAL_PROJECTIONS_ALERTS_H_
#define EJOURNAL_PROJECTIONS_ALERTS_H_

#include <string>
#include <string_view>
#include <vector>

#include "projections/school_state.h"

namespace ejournal::school {

struct Alert {
  std::string kind;  // one of the names above
  std::string student_id;
  Day day = kNoDay;        // the day it concerns (the latest one)
  std::string subject_id;  // empty when it concerns no one subject
  std::string text;  // in Russian, with names: «Пропуск без причины: 12.11.2026, Математика»
};

// The alerts about `student_id` on `today`, newest first; none for a student in no class today.
std::vector<Alert> AlertsOf(const SchoolState& state, const School& school,
                            std::string_view student_id, Day today);

}  // namespace ejournal::school

#endif  // EJOURNAL_PROJECTIONS_ALERTS_H_
