// The journal page as of a past moment (system time, R-TIME-1), for the auditor.
//
// The page is rebuilt from the ledger entries of that page only: the page-event index
// (SchoolState::PageEvents) lists every event that touched one of its lessons or cells; the entries
// up to the ledger position at the moment are read back from the ledger (so the page is what the
// signed entries say, not what a view remembers) and folded with the same record folds and view
// builders as the live page. Two modes:
//   kAsShownThen     invalidations recorded after the moment are not applied: the page equals the
//                    one the journal served at that moment;
//   kWithLaterInvalidations  every invalidation known now is applied (R-SEC-3): what the page
//                    would have shown had the compromise been known.
// Limits: the school's policy (weights, minimums) and roster are today's; lesson columns and
// records are as of the moment.
#ifndef EJOURNAL_PROJECTIONS_AS_OF_H_
#define EJOURNAL_PROJECTIONS_AS_OF_H_

#include <functional>
#include <string>

#include "ejournal/v1/views.pb.h"
#include "projections/school_state.h"
#include "projections/views.h"
#include "schemas/status.h"

namespace ejournal::school {

enum class AsOfMode { kAsShownThen, kWithLaterInvalidations };

// Reads the stored LedgerEntry bytes of an entry (Ledger::Entry).
using EntryLoader = std::function<Result<std::string>(uint64_t sequence)>;

[[nodiscard]] Result<v1::JournalPageView> AsOfJournalPage(
    const SchoolState& state, const ViewReader& reader, const EntryLoader& load,
    std::string_view school_id, std::string_view class_id, std::string_view subgroup_id,
    std::string_view subject_id, int term_number, int64_t at_unix_us, AsOfMode mode);

}  // namespace ejournal::school

#endif  // EJOURNAL_PROJECTIONS_AS_OF_H_
