// Admission: what may enter the ledger, in order:
//   1. decode and schema checks            (Check, the caller's thread)
//   2. the credential: known, active, the actor's own (R-ACC-1, R-ACC-4, R-SEC-2)
//   3. the signature over the stored bytes (Check, the caller's thread, in parallel)
//   4. the same credential check again at the recorded-at time, and the credential events' own
//      checks (Admit, on the ledger's writer thread, in sequence order: a revocation sequenced just
//      before an event wins over it)
//   5. with a school state: the actor's rights and the school rules (projections/rule_book.h),
//      against everything sequenced before the event (Admit, writer thread); the state then folds
//      the event (Apply). Without one (the ledger core's own tests and tools), only the node may
//      issue or revoke credentials: admission fails closed.
// Nothing refused is appended.
#ifndef EJOURNAL_LEDGER_ADMISSION_H_
#define EJOURNAL_LEDGER_ADMISSION_H_

#include <memory>
#include <optional>
#include <string>

#include "ledger/credentials.h"
#include "ledger/event_codec.h"
#include "ledger/ledger.h"
#include "projections/rule_book.h"
#include "projections/school_state.h"
#include "projections/views.h"

namespace ejournal {

class Admission final : public AppendObserver {
 public:
  // `registry` (and `school`, if given) must outlive this object. With `school`, the school rules
  // apply and the state folds every appended event.
  explicit Admission(CredentialRegistry* registry, DecodeLimits limits = {},
                     school::SchoolState* school = nullptr);

  // Stages 1-3. On success the result is ready for Ledger::Append (the decoded event rides along
  // as the request's context for stage 4).
  [[nodiscard]] Result<AppendRequest> Check(std::string signed_event_bytes, int64_t now_us) const;

  // Folds every entry of `ledger` into the registry and the school state (on start, before the
  // writer takes requests). With a school state and a ledger that has the views column family,
  // the views (projections/views.h) are brought up to the ledger's size and, from then on,
  // written in the same WriteBatch as every appended entry. The views of every `views_chunk`
  // entries are written at once, each view once (a replay's memory bound; tests make it small),
  // on a thread of CatchUp's own while it folds the next entries; CatchUp returns once all are
  // written.
  // How the chunks reach RocksDB: kBatches, written batches (memtable and WAL); kTableFiles, each
  // chunk a table file ingested into the views, their compactions paused until the end (a
  // replay's bulk load: docs/BENCHMARKS.md). Either way a crash leaves the views
  // of a prefix of the chunks and that prefix's applied position. kFromZero, for views that hold
  // nothing yet (a replay after ClearViews, a new data directory): no chunks; every view is built
  // once after the fold, on every core, as table files that do not overlap
  // (school::ViewBulkBuilder), ingested at once with the applied position: a crash before that
  // leaves the views empty (position 0), and the next catch-up starts over. With views that hold
  // something it is kTableFiles. kAuto: kFromZero for a catch-up of at least 50,000 entries into
  // empty views, kTableFiles for one of at least 50,000 entries otherwise (then compacted at
  // the end), batches for a shorter one.
  enum class ViewsLoad { kAuto, kBatches, kTableFiles, kFromZero };
  static constexpr uint64_t kViewsChunk = 50000;
  [[nodiscard]] Status CatchUp(const Ledger& ledger, uint64_t views_chunk = kViewsChunk,
                               ViewsLoad load = ViewsLoad::kAuto);
  // What the last CatchUp wrote into the views (tools/school_bench).
  const school::ViewBatchWriter::Written& caught_up_views() const { return caught_up_views_; }
  // How long the last CatchUp's parts took (wall clock, seconds): the fold (with the views of a
  // chunked load), then what followed it (the views built from zero, or the chunks' last write
  // and the final merge).
  struct CatchUpTimes {
    double fold = 0, after_fold = 0;
  };
  const CatchUpTimes& caught_up_times() const { return caught_up_times_; }

  // The decoded body of a request that Check made (for an observer wrapping this one: what the
  // event was, beside SchoolState::touched()).
  static const v1::EventBody& BodyOf(const AppendRequest& request);

  // AppendObserver (writer thread).
  Status Admit(const AppendRequest& request, int64_t recorded_at_us) override;
  // Folds the event into the registry and the school state and gathers the views it touched.
  Status Apply(const AppendRequest& request, uint64_t sequence, int64_t recorded_at_us,
               std::string_view entry_bytes, rocksdb::WriteBatch& batch) override;
  // Writes the views gathered since the group began, each once, from the state after the group's
  // last entry (byte-identical to writing them entry by entry: projections/views.h).
  void FinishGroup(rocksdb::WriteBatch& batch) override;

 private:
  CredentialRegistry* const registry_;
  const DecodeLimits limits_;
  school::SchoolState* const school_;
  std::optional<school::RuleBook> rules_;
  // The views of the group being built (writer thread; set up by CatchUp).
  std::optional<school::ViewBatchWriter> views_;
  school::ViewBatchWriter::Written caught_up_views_;
  CatchUpTimes caught_up_times_;
};

}  // namespace ejournal

#endif  // EJOURNAL_LEDGER_ADMISSION_H_
