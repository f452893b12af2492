// A generated school year (tools/synth/school_generator.h) in a real SignedLedger with the school
// rules on: the setup the synth and replication tests share. Header-only, because only the test
// binaries that link ejournal_synth include it (ejournal_test_support does not link it).
#ifndef EJOURNAL_TESTS_SUPPORT_GENERATED_SCHOOL_H_
#define EJOURNAL_TESTS_SUPPORT_GENERATED_SCHOOL_H_

#include <memory>
#include <string>

#include "schemas/status.h"
#include "tests/support/signed_ledger.h"
#include "tools/synth/school_generator.h"

namespace ejournal::testing {

// A new node in `data_dir` whose ledger admits with the school rules and folds a school state,
// opened. `clock` must outlive it.
[[nodiscard]] inline Result<std::unique_ptr<SignedLedger>> OpenSchoolLedger(
    const std::string& data_dir, const Clock* clock) {
  EJ_ASSIGN_OR_RETURN(std::unique_ptr<SignedLedger> ledger, SignedLedger::Create(data_dir, clock));
  ledger->EnableSchoolRules();
  EJ_RETURN_IF_ERROR(ledger->Open());
  return ledger;
}

// A generator of `options` whose registrations the ledger's node signs.
inline std::unique_ptr<synth::SchoolGenerator> NodeGenerator(const SignedLedger& ledger,
                                                             const synth::Options& options) {
  const Signer node = ledger.NodeSigner();
  return std::make_unique<synth::SchoolGenerator>(options, node.credential_id, node.key);
}

// OpenSchoolLedger, then the whole year of `options` driven through admission into the ledger.
[[nodiscard]] inline Result<std::unique_ptr<SignedLedger>> GenerateSchoolLedger(
    const std::string& data_dir, synth::SettableClock& clock, const synth::Options& options) {
  EJ_ASSIGN_OR_RETURN(std::unique_ptr<SignedLedger> ledger, OpenSchoolLedger(data_dir, &clock));
  auto generator = NodeGenerator(*ledger, options);
  auto driven = synth::Drive(*generator, ledger->admission(), ledger->ledger(), clock);
  if (!driven) return Err(driven.error().WithContext("driving the generated year"));
  return ledger;
}

}  // namespace ejournal::testing

#endif  // EJOURNAL_TESTS_SUPPORT_GENERATED_SCHOOL_H_
