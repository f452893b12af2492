// The two ledger paths a replica uses (ledger/ledger.h): appending an entry that keeps its
// source's sequence and recorded-at time (AppendRequest::presequenced), and storing a checkpoint
// signed elsewhere (Ledger::StoreVerifiedCheckpoint). A real RocksDB ledger, no Kafka.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <vector>

#include "ledger/storage_format.h"
#include "tests/support/ledger_fixture.h"
#include "tests/support/status_matchers.h"

namespace ejournal::testing {
namespace {

class PresequencedAppendTest : public LedgerFixture {
 protected:
  PresequencedAppendTest() {
    options_.checkpoint_signer = nullptr;  // a replica signs nothing of its own
  }

  AppendRequest Presequenced(const std::string& id, uint64_t seq, int64_t at) {
    AppendRequest r = MakeRequest(id);
    r.presequenced = AppendRequest::Presequenced{seq, at};
    return r;
  }

  // The note the source would sign for our tree of `size`, or with a damaged root.
  std::string SourceCheckpoint(uint64_t size, bool damage_root = false) {
    auto root = ledger_->Root(size);
    EXPECT_TRUE(root.has_value());
    note::Checkpoint cp{kOrigin, size, *root, {}};
    if (damage_root) cp.root[5] ^= 0x20;
    auto signed_note = signer_->Sign(cp.Marshal());
    EXPECT_TRUE(signed_note.has_value());
    return *signed_note;
  }
};

TEST_F(PresequencedAppendTest, KeepsTheSourcesSequenceAndTimeSoTheBytesAreTheSame) {
  ASSERT_TRUE(OpenLedger());
  clock_.Set(9'000'000'000);  // the replica's own clock is later than the source's times
  const int64_t at1 = 1'000'000, at2 = 1'000'000, at3 = 2'500'000;
  auto results = ledger_->AppendBatch(
      {Presequenced("a", 1, at1), Presequenced("b", 2, at2), Presequenced("c", 3, at3)});
  ASSERT_EQ(results.size(), 3u);
  const int64_t times[] = {at1, at2, at3};
  for (uint64_t i = 0; i < 3; ++i) {
    ASSERT_TRUE(results[i].has_value()) << results[i].error().ToString();
    EXPECT_EQ(results[i]->sequence, i + 1);
    EXPECT_EQ(results[i]->recorded_at_us, times[i]);
    auto stored = ledger_->Entry(i + 1);
    ASSERT_TRUE(stored.has_value());
    const std::string id(1, static_cast<char>('a' + i));
    EXPECT_EQ(*stored, storage::EncodeLedgerEntry(i + 1, times[i], MakeRequest(id).signed_event));
  }
  // Reopened, it continues after the last replicated time, not the clock's.
  ASSERT_TRUE(OpenLedger());
  auto next = ledger_->Append(Presequenced("d", 4, at3));
  ASSERT_TRUE(next.has_value()) << next.error().ToString();
  EXPECT_EQ(next->recorded_at_us, at3);
}

TEST_F(PresequencedAppendTest, RefusesAGapOrATimeGoingBackAndAppendsNothing) {
  ASSERT_TRUE(OpenLedger());
  ASSERT_TRUE(ledger_->Append(Presequenced("a", 1, 5'000'000)).has_value());
  EXPECT_TRUE(IsError(ledger_->Append(Presequenced("c", 3, 6'000'000)),
                      StatusCode::kFailedPrecondition,
                      "replicated entry 3 does not follow entry 1"));
  EXPECT_TRUE(IsError(ledger_->Append(Presequenced("b", 2, 4'000'000)),
                      StatusCode::kFailedPrecondition, "its recorded-at time goes back"));
  EXPECT_EQ(ledger_->size(), 1u);
  // The same event again is a duplicate, as for any append (the replica treats it as a mismatch).
  auto again = ledger_->Append(Presequenced("a", 2, 6'000'000));
  ASSERT_TRUE(again.has_value());
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(ledger_->size(), 1u);
}

TEST_F(PresequencedAppendTest, StoresOnlyACheckpointWhoseRootIsOurs) {
  ASSERT_TRUE(OpenLedger());
  for (uint64_t i = 1; i <= 5; ++i) {
    ASSERT_TRUE(ledger_->Append(Presequenced("e" + std::to_string(i), i, 1'000'000)).has_value());
  }
  EXPECT_TRUE(IsError(ledger_->StoreVerifiedCheckpoint(SourceCheckpoint(4, true)),
                      StatusCode::kFailedPrecondition, "its root differs from ours"));
  EXPECT_TRUE(IsError(ledger_->LatestCheckpoint(), StatusCode::kNotFound, ""));
  const std::string good = SourceCheckpoint(4);
  ASSERT_OK(ledger_->StoreVerifiedCheckpoint(good));
  auto latest = ledger_->LatestCheckpoint();
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(*latest, good);
  // Reopening checks the stored checkpoint against the tree, as for its own.
  ASSERT_TRUE(OpenLedger());
  EXPECT_EQ(ledger_->size(), 5u);
}

TEST_F(PresequencedAppendTest, ALedgerThatSignsItsOwnCheckpointsStoresNoOthers) {
  options_.checkpoint_signer = signer_;
  ASSERT_TRUE(OpenLedger());
  ASSERT_TRUE(ledger_->Append(MakeRequest("a")).has_value());
  EXPECT_TRUE(IsError(ledger_->StoreVerifiedCheckpoint(SourceCheckpoint(1)),
                      StatusCode::kFailedPrecondition, "signs its own checkpoints"));
}

TEST_F(PresequencedAppendTest, BatchesQueuedWithoutWaitingAreAppendedInOrderAndStopAtARefusal) {
  // Ledger::AppendBatchAsync, as a replica hands its verified groups over one after another: each
  // batch's callback runs once with its results in order, and nothing after a refused entry is
  // appended, in its batch or in the batches queued behind it (a presequenced entry must follow
  // the last one appended).
  ASSERT_TRUE(OpenLedger());
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::pair<int, std::vector<Result<AppendResult>>>> done;  // guarded by mu
  auto queue = [&](int batch, std::vector<AppendRequest> requests) {
    ledger_->AppendBatchAsync(std::move(requests),
                              [&, batch](std::vector<Result<AppendResult>> results) {
                                std::lock_guard lock(mu);
                                done.emplace_back(batch, std::move(results));
                                cv.notify_all();
                              });
  };
  std::vector<AppendRequest> first;
  first.push_back(Presequenced("a", 1, 1'000'000));
  first.push_back(Presequenced("b", 2, 1'000'000));
  std::vector<AppendRequest> second;
  second.push_back(Presequenced("c", 3, 2'000'000));
  second.push_back(Presequenced("a", 4, 2'000'000));  // a replayed event: the ledger's duplicate
  second.push_back(Presequenced("d", 5, 2'000'000));
  std::vector<AppendRequest> third;
  third.push_back(Presequenced("e", 6, 3'000'000));
  queue(1, std::move(first));
  queue(2, std::move(second));
  queue(3, std::move(third));
  queue(4, {});  // nothing: answered at once, with nothing
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(60), [&] { return done.size() == 4; }));
  }
  std::map<int, std::vector<Result<AppendResult>>> by_batch(done.begin(), done.end());
  ASSERT_EQ(by_batch.size(), 4u);
  ASSERT_EQ(by_batch[1].size(), 2u);
  for (uint64_t i = 0; i < 2; ++i) {
    ASSERT_TRUE(by_batch[1][i].has_value()) << by_batch[1][i].error().ToString();
    EXPECT_EQ(by_batch[1][i]->sequence, i + 1);
  }
  ASSERT_EQ(by_batch[2].size(), 3u);
  ASSERT_TRUE(by_batch[2][0].has_value());
  EXPECT_EQ(by_batch[2][0]->sequence, 3u);
  ASSERT_TRUE(by_batch[2][1].has_value());
  EXPECT_TRUE(by_batch[2][1]->duplicate);
  EXPECT_EQ(by_batch[2][1]->sequence, 1u);
  EXPECT_TRUE(IsError(by_batch[2][2], StatusCode::kFailedPrecondition,
                      "replicated entry 5 does not follow entry 3"));
  ASSERT_EQ(by_batch[3].size(), 1u);
  EXPECT_TRUE(IsError(by_batch[3][0], StatusCode::kFailedPrecondition,
                      "replicated entry 6 does not follow entry 3"));
  EXPECT_TRUE(by_batch[4].empty());
  // The batches were answered in the order queued (the empty one may come at once).
  std::vector<int> order;
  for (const auto& [batch, results] : done) {
    if (batch != 4) order.push_back(batch);
  }
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(ledger_->size(), 3u);
  EXPECT_FALSE(ledger_->Entry(4).has_value());
}

}  // namespace
}  // namespace ejournal::testing
