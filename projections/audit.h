// Audit views: who did what, when, with which credential, and what became of it (DOMAIN.md R-ACC-4,
// R-COR-3, R-SEC-3, R-SEC-4). Built from the history indexes the school state keeps
// (SchoolState::CellEvents, ActorEvents, CredentialEvents) and the ledger's own entries, read back
// and decoded, so that every line is a signed entry.
//
// Thread-safety: as ViewReader (the state under the owner's lock; RocksDB from any thread).
#ifndef EJOURNAL_PROJECTIONS_AUDIT_H_
#define EJOURNAL_PROJECTIONS_AUDIT_H_

#include <string>

#include "ejournal/v1/views.pb.h"
#include "projections/as_of.h"
#include "projections/school_state.h"
#include "projections/views.h"
#include "schemas/status.h"

namespace ejournal::school {

class AuditReader {
 public:
  // `state`, `reader` and what `load` reads must outlive the AuditReader.
  AuditReader(const SchoolState* state, const ViewReader* reader, EntryLoader load)
      : state_(state), reader_(reader), load_(std::move(load)) {}

  // Every event that touched the cell (lesson × student), oldest first, and what it shows now.
  [[nodiscard]] Result<v1::CellHistoryView> CellHistory(std::string_view school_id,
                                                        std::string_view lesson_id,
                                                        std::string_view student_id) const;
  // The events of an actor (school user) recorded in [from_us, to_us].
  [[nodiscard]] Result<v1::AuditListView> ActorHistory(std::string_view school_id,
                                                       std::string_view actor_id, int64_t from_us,
                                                       int64_t to_us) const;
  // The events signed by a credential recorded in [from_us, to_us].
  [[nodiscard]] Result<v1::AuditListView> CredentialHistory(std::string_view credential_id,
                                                            int64_t from_us, int64_t to_us) const;
  // R-SEC-4: invalidated journal records of the school not yet re-entered.
  [[nodiscard]] Result<v1::AuditListView> AwaitingReentry(std::string_view school_id) const;
  // One entry as an audit line.
  [[nodiscard]] Result<v1::AuditEventView> Describe(uint64_t seq) const;

 private:
  Result<v1::AuditListView> List(const std::vector<uint64_t>& seqs, int64_t from_us,
                                 int64_t to_us) const;

  const SchoolState* const state_;
  [[maybe_unused]] const ViewReader* const reader_;  // kept for the interface; unused now
  const EntryLoader load_;
};

}  // namespace ejournal::school

#endif  // EJOURNAL_PROJECTIONS_AUDIT_H_
