// Power loss: the disk keeps only what was synced. Appends run under load, the power is cut at a
// random moment (nothing written afterwards reaches the disk), every byte not yet synced is
// dropped, and the ledger is reopened: every append acknowledged before the cut must be there, at
// its sequence, and the tree and the checkpoints must verify. The same run with fsync disabled must
// lose acknowledged appends, which shows that the test can tell.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "ledger/ledger.h"
#include "tests/support/fault_injection_fs.h"
#include "tests/support/ledger_fixture.h"

namespace ejournal {
namespace {

class PowerLossTest : public testing::LedgerFixture {
 protected:
  struct Outcome {
    size_t acknowledged = 0;
    size_t lost = 0;
    size_t in_flight_at_cut = 0;  // submitted before the cut, not acknowledged before it
    uint64_t dropped_bytes = 0;
  };

  // One run: load, cut, drop, reopen, check. `sync` is LedgerOptions::sync.
  Outcome RunOnce(std::mt19937& rng, bool sync, int run) {
    Outcome outcome;
    auto fs = std::make_shared<testing::FaultInjectionFileSystem>();
    options_.sync = sync;
    options_.checkpoint_interval_us = 0;  // a checkpoint with every group
    // A ledger that does not open fails the test here; it is never used (it is null).
    if (!OpenedOrFailed(OpenLedger(fs), run, "before the cut")) return outcome;
    std::mutex mu;
    bool cut = false;
    std::map<std::string, uint64_t> acked;  // acknowledged before the cut
    std::atomic<bool> stop{false};
    std::atomic<size_t> submitted{0};
    std::thread feeder([&] {
      for (int i = 0; !stop.load(); ++i) {
        const std::string id = "r" + std::to_string(run) + "-" + std::to_string(i);
        submitted.fetch_add(1);
        ledger_->AppendAsync(MakeRequest(id), [&, id](Result<AppendResult> r) {
          std::lock_guard<std::mutex> lock(mu);
          if (!cut && r.has_value()) acked.emplace(id, r->sequence);
        });
        if (i % 64 == 63) std::this_thread::sleep_for(std::chrono::microseconds(200));
      }
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(5 + rng() % 60));
    {
      // Acknowledgements recorded before this point had their group synced before it.
      std::lock_guard<std::mutex> lock(mu);
      cut = true;
      fs->CutPower();
      outcome.in_flight_at_cut = submitted.load() - acked.size();
    }
    stop.store(true);
    feeder.join();
    ledger_.reset();  // whatever it still writes is lost with the power
    outcome.dropped_bytes = fs->DropUnsyncedData();

    options_.sync = true;
    outcome.acknowledged = acked.size();
    if (!OpenedOrFailed(OpenLedger(), run, "after the cut")) return outcome;
    for (const auto& [id, seq] : acked) {
      auto found = ledger_->SequenceOf(id);
      if (!found.has_value() || *found != seq) ++outcome.lost;
    }
    EXPECT_TRUE(VerifyTree());
    ledger_.reset();
    return outcome;
  }

  bool OpenedOrFailed(const ::testing::AssertionResult& opened, int run, const char* when) {
    EXPECT_TRUE(opened) << "run " << run << ": the ledger did not open " << when;
    return opened && ledger_ != nullptr;
  }

  // `n` appends that must be acknowledged; their ids and sequences.
  std::map<std::string, uint64_t> AppendAcknowledged(const std::string& prefix, int n) {
    std::map<std::string, uint64_t> acked;
    for (int i = 0; i < n; ++i) {
      const std::string id = prefix + std::to_string(i);
      auto r = ledger_->Append(MakeRequest(id));
      EXPECT_TRUE(r.has_value()) << r.error().ToString();
      if (r) acked.emplace(id, r->sequence);
    }
    return acked;
  }
};

// The power is cut while RocksDB installs a compaction: the compaction's output is synced, the
// MANIFEST record that would name it is lost with the power, and RocksDB, which was told the
// record was written, goes on to delete the compaction's inputs. On a real machine nothing happens
// after the cut, so the durable MANIFEST still names those inputs and the ledger reopens with
// every acknowledged append. (The load test below hits this window now and then under machine
// load, when the compaction that an open schedules is still running at its random cut; a fault
// file system that let the deletions through made the reopen fail.)
TEST_F(PowerLossTest, ACutWhileACompactionIsInstalledLosesNoAcknowledgedAppend) {
  std::map<std::string, uint64_t> acked;
  // Several table files in every column family: each open writes the recovered log to one.
  for (int round = 0; round < 3; ++round) {
    ASSERT_TRUE(OpenLedger());
    acked.merge(AppendAcknowledged("c" + std::to_string(round) + "-", 50));
  }
  // Opened, the recovered log is in a third table file and the memtables are empty: the
  // compaction below needs no flush, and its MANIFEST record is the first one written.
  auto fs = std::make_shared<testing::FaultInjectionFileSystem>();
  ASSERT_TRUE(OpenLedger(fs));
  fs->CutPowerAtFirstAppendTo("MANIFEST");
  // The tree's edge tiles are rewritten by every group, so the table files of the nodes column
  // family overlap and are merged (not moved). RocksDB answers OK: from its point of view every
  // write succeeded.
  ASSERT_TRUE(ledger_->db()
                  ->CompactRange(rocksdb::CompactRangeOptions(), ledger_->column_families().nodes,
                                 nullptr, nullptr)
                  .ok());
  ASSERT_TRUE(fs->power_cut()) << "the compaction wrote no MANIFEST record";
  ledger_.reset();
  fs->DropUnsyncedData();
  ASSERT_TRUE(OpenLedger());
  for (const auto& [id, seq] : acked) {
    auto found = ledger_->SequenceOf(id);
    ASSERT_TRUE(found.has_value()) << id << ": " << found.error().ToString();
    EXPECT_EQ(*found, seq) << id;
  }
  EXPECT_EQ(ledger_->size(), acked.size());
  EXPECT_TRUE(VerifyTree());
}

TEST_F(PowerLossTest, EveryAcknowledgedAppendSurvivesLosingUnsyncedData) {
  const unsigned seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  size_t acknowledged = 0, in_flight = 0;
  for (int run = 0; run < 8; ++run) {
    Outcome o = RunOnce(rng, /*sync=*/true, run);
    EXPECT_EQ(o.lost, 0u) << "run " << run << ": " << o.lost << " of " << o.acknowledged
                          << " acknowledged appends lost";
    acknowledged += o.acknowledged;
    in_flight += o.in_flight_at_cut;
  }
  EXPECT_GT(acknowledged, 0u) << "nothing was acknowledged: the test tested nothing";
  EXPECT_GT(in_flight, 0u) << "no cut landed while appends were in flight";
}

TEST_F(PowerLossTest, WithoutFsyncAcknowledgedAppendsAreLost) {
  std::mt19937 rng(1);
  size_t lost = 0, acknowledged = 0;
  for (int run = 0; run < 3; ++run) {
    Outcome o = RunOnce(rng, /*sync=*/false, run);
    lost += o.lost;
    acknowledged += o.acknowledged;
  }
  ASSERT_GT(acknowledged, 0u);
  EXPECT_GT(lost, 0u) << "the simulated power cut lost nothing even without fsync";
}

}  // namespace
}  // namespace ejournal
