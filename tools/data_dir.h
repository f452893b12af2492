// A node's data directory as `ejournal init` lays it out (tools/README.md): DIR/node.key (the
// node's C2SP signer key, mode 0600), DIR/node.pub (its verifier key), DIR/ledger (RocksDB).
// Shared by the `ejournal` CLI and the benchmarks.
#ifndef EJOURNAL_TOOLS_DATA_DIR_H_
#define EJOURNAL_TOOLS_DATA_DIR_H_

#include <memory>
#include <string>

#include "ledger/admission.h"
#include "ledger/clock.h"
#include "ledger/credentials.h"
#include "ledger/ledger.h"
#include "ledger/node_key.h"
#include "projections/school_state.h"
#include "schemas/status.h"

namespace ejournal::tools {

std::string NodeKeyPath(const std::string& data);
std::string NodePubPath(const std::string& data);
std::string LedgerPath(const std::string& data);

// Creates `data` (mode 0700) with a new node identity named `origin`: node.key (0600) and
// node.pub (0644). AlreadyExists if node.key is there; IoError if the disk says no.
[[nodiscard]] Result<NodeIdentity> CreateDataDir(const std::string& data,
                                                 const std::string& origin);

// The ledger of a data directory opened with the school rules: the credential registry (with the
// node's own credential when `node` is given), the school state, admission as the writer's
// observer, and the ledger. With `catch_up`, the state and the views are brought up to the
// ledger's size (Admission::CatchUp).
struct SchoolLedger {
  std::unique_ptr<CredentialRegistry> registry;
  std::unique_ptr<school::SchoolState> state;
  std::unique_ptr<Admission> admission;
  std::unique_ptr<Ledger> ledger;
};
struct OpenSchoolOptions {
  const Clock* clock = SystemClock::Default();
  // Signs checkpoints and identifies the node; null opens without a checkpoint signer.
  const NodeIdentity* node = nullptr;
  // The checkpoint origin when the ledger is created ("" on a later open: the stored one).
  std::string origin;
  bool catch_up = true;
};
[[nodiscard]] Result<SchoolLedger> OpenSchoolLedger(const std::string& data,
                                                    const OpenSchoolOptions& options);

}  // namespace ejournal::tools

#endif  // EJOURNAL_TOOLS_DATA_DIR_H_
