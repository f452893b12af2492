// R-PLAN-1 and R-PLAN-2 as read views: a class-subject's КТП against its lessons and its teaching
// load (PlanProgressOf), and the control works the plans put on a student's lessons
// (ControlWorksOf). The plan's hours are paired with the group's lessons not cancelled, in date
// and period order from the plan's first day, each topic for as many lessons as its hours (the
// pairing lesson generation and PlannedTopicOf use). Pure: reads the school state.
#ifndef EJOURNAL_PROJECTIONS_PLAN_PROGRESS_H_
#define EJOURNAL_PROJECTIONS_PLAN_PROGRESS_H_

#include <string_view>

#include "ejournal/v1/setup.pb.h"
#include "projections/school.h"
#include "projections/school_state.h"

namespace ejournal::school {

// The plans of the school, each with its progress; `teacher_id` non-empty: only the plans of the
// class-subjects that teacher's load covers.
v1::PlanProgressView PlanProgressOf(const Validity& state, const School& school,
                                    std::string_view teacher_id);

// The planned control works (WorkType of a test, a dictation, an essay, a lab...) of the student's
// class-subjects from `from` on, by date and period.
v1::ControlWorksView ControlWorksOf(const School& school, std::string_view student_id, Day from);

// Whether a planned work type is one the control-work schedule lists (R-PLAN-2).
bool IsControlWork(v1::WorkType type);

}  // namespace ejournal::school

#endif  // EJOURNAL_PROJECTIONS_PLAN_PROGRESS_H_
