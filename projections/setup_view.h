// The school's set-up as a view (schemas/ejournal/v1/setup.proto SetupView): every set-up fact
// the state holds, each as the payload that would record it again. Pure: the caller holds
// whatever lock guards the state.
#ifndef EJOURNAL_PROJECTIONS_SETUP_VIEW_H_
#define EJOURNAL_PROJECTIONS_SETUP_VIEW_H_

#include <cstdint>

#include "ejournal/v1/setup.pb.h"
#include "projections/school.h"

namespace ejournal::school {

// The set-up of `school` on `today` (a student's class, the class lists), at ledger size
// `as_of_sequence`. SetupUserView.has_password is left false: the node's password store knows it.
v1::SetupView SetupViewOf(const School& school, Day today, uint64_t as_of_sequence);

}  // namespace ejournal::school

#endif  // EJOURNAL_PROJECTIONS_SETUP_VIEW_H_
