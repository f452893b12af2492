// The ledger tests' fixture: a real RocksDB ledger in a temp dir, a manual clock, a node key.
#ifndef EJOURNAL_TESTS_SUPPORT_LEDGER_FIXTURE_H_
#define EJOURNAL_TESTS_SUPPORT_LEDGER_FIXTURE_H_

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "ledger/ledger.h"
#include "ledger/signed_note.h"
#include "tests/support/manual_clock.h"
#include "tests/support/temp_dir.h"

namespace ejournal::testing {

class LedgerFixture : public ::testing::Test {
 protected:
  static constexpr char kOrigin[] = "ejournal.test/ledger/1";

  LedgerFixture();
  ~LedgerFixture() override;

  // Opens (or reopens) options_ at dir_/ledger; false (with a test failure) on error.
  ::testing::AssertionResult OpenLedger(std::shared_ptr<rocksdb::FileSystem> fs = nullptr);

  // A request whose SignedEvent carries an EventBody with `event_id` and `payload` in its
  // school id (so different payloads make different bodies). Not signed: the ledger does not check.
  AppendRequest MakeRequest(const std::string& event_id, const std::string& payload = "");

  // Recomputes the tree from the stored entries and compares it with the stored nodes and the
  // latest checkpoint.
  ::testing::AssertionResult VerifyTree();

  TempDir dir_;
  ManualClock clock_;
  std::shared_ptr<note::NoteSigner> signer_;
  LedgerOptions options_;
  std::unique_ptr<Ledger> ledger_;
};

}  // namespace ejournal::testing

#endif  // EJOURNAL_TESTS_SUPPORT_LEDGER_FIXTURE_H_
