// The RocksDB log: numbering, idempotency, group commit, the tree, checkpoints, faults, reopen.
#include "ledger/ledger.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "ejournal/v1/ledger.pb.h"
#include "ledger/crypto.h"
#include "tests/support/fault_injection_fs.h"
#include "tests/support/ledger_fixture.h"

namespace ejournal {
namespace {

using testing::LedgerFixture;

class LedgerTest : public LedgerFixture {};

TEST_F(LedgerTest, NumbersEntriesFromOneAndStoresThemVerbatim) {
  ASSERT_TRUE(OpenLedger());
  for (int i = 1; i <= 5; ++i) {
    AppendRequest req = MakeRequest("event-" + std::to_string(i));
    const std::string sent = req.signed_event;
    auto r = ledger_->Append(std::move(req));
    ASSERT_TRUE(r.has_value()) << r.error().ToString();
    EXPECT_EQ(r->sequence, static_cast<uint64_t>(i));
    EXPECT_FALSE(r->duplicate);
    EXPECT_EQ(r->recorded_at_us, clock_.NowMicros());

    auto stored = ledger_->Entry(r->sequence);
    ASSERT_TRUE(stored.has_value());
    v1::LedgerEntry entry;
    ASSERT_TRUE(entry.ParseFromString(*stored));
    EXPECT_EQ(entry.sequence(), r->sequence);
    EXPECT_EQ(entry.recorded_at_us(), clock_.NowMicros());
    // The signed event is embedded byte for byte.
    EXPECT_EQ(entry.event().SerializeAsString(), sent);
    EXPECT_NE(stored->find(sent), std::string::npos);
  }
  EXPECT_EQ(ledger_->size(), 5u);
  auto missing = ledger_->Entry(6);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code(), StatusCode::kNotFound);
}

TEST_F(LedgerTest, RecordedAtNeverGoesBackwards) {
  ASSERT_TRUE(OpenLedger());
  auto first = ledger_->Append(MakeRequest("a"));
  ASSERT_TRUE(first.has_value());
  clock_.Advance(-5'000'000);  // the system clock stepped back
  auto second = ledger_->Append(MakeRequest("b"));
  ASSERT_TRUE(second.has_value());
  EXPECT_GE(second->recorded_at_us, first->recorded_at_us);
}

TEST_F(LedgerTest, SameEventAgainReturnsTheOriginalSequence) {
  ASSERT_TRUE(OpenLedger());
  ASSERT_TRUE(ledger_->Append(MakeRequest("x")).has_value());
  auto original = ledger_->Append(MakeRequest("same-id", "body-1"));
  ASSERT_TRUE(original.has_value());
  clock_.Advance(1000);
  auto again = ledger_->Append(MakeRequest("same-id", "body-1"));
  ASSERT_TRUE(again.has_value());
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(again->sequence, original->sequence);
  EXPECT_EQ(again->recorded_at_us, original->recorded_at_us);
  EXPECT_EQ(ledger_->size(), 2u);

  auto conflict = ledger_->Append(MakeRequest("same-id", "body-2"));
  ASSERT_FALSE(conflict.has_value());
  EXPECT_EQ(conflict.error().code(), StatusCode::kAlreadyExists);
  EXPECT_NE(conflict.error().message().find("sequence 2"), std::string::npos);
  EXPECT_EQ(ledger_->size(), 2u);
  auto seq = ledger_->SequenceOf("same-id");
  ASSERT_TRUE(seq.has_value());
  EXPECT_EQ(*seq, 2u);
}

TEST_F(LedgerTest, DuplicatesInsideOneGroupAreDeduplicated) {
  ASSERT_TRUE(OpenLedger());
  std::vector<AppendRequest> batch;
  batch.push_back(MakeRequest("d", "one"));
  batch.push_back(MakeRequest("d", "one"));
  batch.push_back(MakeRequest("d", "two"));
  batch.push_back(MakeRequest("e", "one"));
  auto results = ledger_->AppendBatch(std::move(batch));
  ASSERT_EQ(results.size(), 4u);
  ASSERT_TRUE(results[0].has_value());
  ASSERT_TRUE(results[1].has_value());
  EXPECT_EQ(results[1]->sequence, results[0]->sequence);
  EXPECT_TRUE(results[1]->duplicate);
  ASSERT_FALSE(results[2].has_value());
  EXPECT_EQ(results[2].error().code(), StatusCode::kAlreadyExists);
  ASSERT_TRUE(results[3].has_value());
  EXPECT_EQ(ledger_->size(), 2u);
}

TEST_F(LedgerTest, GroupCommitSharesOneSyncAcrossManyAppends) {
  auto fs = std::make_shared<testing::FaultInjectionFileSystem>();
  ASSERT_TRUE(OpenLedger(fs));
  const uint64_t syncs_before = fs->syncs();
  std::vector<AppendRequest> batch;
  for (int i = 0; i < 2000; ++i) batch.push_back(MakeRequest("g" + std::to_string(i)));
  auto results = ledger_->AppendBatch(std::move(batch));
  for (const auto& r : results) ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(ledger_->size(), 2000u);
  const uint64_t syncs = fs->syncs() - syncs_before;
  EXPECT_GE(syncs, 1u);
  EXPECT_LT(syncs, 200u) << "each append synced on its own";
}

TEST_F(LedgerTest, TreeRootsAndProofsVerifyForEverySize) {
  ASSERT_TRUE(OpenLedger());
  merkle::MemoryTree reference;
  for (int i = 0; i < 37; ++i) {
    auto r = ledger_->Append(MakeRequest("t" + std::to_string(i)));
    ASSERT_TRUE(r.has_value());
    reference.Append(merkle::LeafHash(*ledger_->Entry(r->sequence)));
  }
  for (uint64_t size = 0; size <= 37; ++size) {
    auto root = ledger_->Root(size);
    ASSERT_TRUE(root.has_value()) << root.error().ToString();
    auto expected = merkle::Root(reference, size);
    ASSERT_TRUE(expected.has_value());
    EXPECT_EQ(*root, *expected) << "size " << size;
    for (uint64_t i = 0; i < size; ++i) {
      auto proof = ledger_->InclusionProof(i, size);
      ASSERT_TRUE(proof.has_value());
      auto leaf = merkle::LeafHash(*ledger_->Entry(i + 1));
      EXPECT_TRUE(merkle::VerifyInclusion(leaf, i, size, *proof, *root).ok());
    }
    for (uint64_t older = 1; older <= size; ++older) {
      auto proof = ledger_->ConsistencyProof(older, size);
      ASSERT_TRUE(proof.has_value()) << proof.error().ToString();
      EXPECT_TRUE(
          merkle::VerifyConsistency(older, size, *proof, *ledger_->Root(older), *root).ok());
    }
  }
  auto too_big = ledger_->Root(38);
  ASSERT_FALSE(too_big.has_value());
  EXPECT_EQ(too_big.error().code(), StatusCode::kInvalidArgument);
}

TEST_F(LedgerTest, CheckpointsAreSignedNotesOverTheCommittedTree) {
  ASSERT_TRUE(OpenLedger());
  EXPECT_EQ(ledger_->LatestCheckpoint().error().code(), StatusCode::kNotFound);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(ledger_->Append(MakeRequest(std::to_string(i))));
  auto note_text = ledger_->Checkpoint();
  ASSERT_TRUE(note_text.has_value()) << note_text.error().ToString();
  auto verifier = note::NoteVerifier::FromVerifierKey(signer_->VerifierKey());
  ASSERT_TRUE(verifier.has_value());
  auto text = verifier->Open(*note_text);
  ASSERT_TRUE(text.has_value()) << text.error().ToString();
  auto cp = note::Checkpoint::Parse(*text);
  ASSERT_TRUE(cp.has_value());
  EXPECT_EQ(cp->origin, kOrigin);
  EXPECT_EQ(cp->size, 10u);
  EXPECT_EQ(cp->root, *ledger_->Root(10));

  // Checkpoints only grow, each one consistent with the ones before it.
  for (int i = 10; i < 15; ++i) ASSERT_TRUE(ledger_->Append(MakeRequest(std::to_string(i))));
  ASSERT_TRUE(ledger_->Checkpoint().has_value());
  std::vector<uint64_t> sizes;
  ASSERT_TRUE(ledger_
                  ->ForEachCheckpoint([&](uint64_t size, std::string_view) {
                    sizes.push_back(size);
                    return true;
                  })
                  .ok());
  ASSERT_GE(sizes.size(), 2u);
  EXPECT_TRUE(std::is_sorted(sizes.begin(), sizes.end()));
  EXPECT_EQ(sizes.back(), 15u);
}

TEST_F(LedgerTest, ReopenKeepsEverythingAndContinues) {
  ASSERT_TRUE(OpenLedger());
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(ledger_->Append(MakeRequest(std::to_string(i))));
  ASSERT_TRUE(ledger_->Checkpoint().has_value());
  auto root = *ledger_->Root(20);
  ledger_.reset();

  ASSERT_TRUE(OpenLedger());
  EXPECT_EQ(ledger_->size(), 20u);
  EXPECT_EQ(*ledger_->Root(20), root);
  auto again = ledger_->Append(MakeRequest("5"));  // an old id: still idempotent after reopen
  ASSERT_TRUE(again.has_value());
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(again->sequence, 6u);
  auto next = ledger_->Append(MakeRequest("new"));
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->sequence, 21u);
}

// The writer's and committer's threads carry their names (/proc/self/task/TID/comm), for top -H.
TEST_F(LedgerTest, WriterAndCommitterThreadsAreNamed) {
  ASSERT_TRUE(OpenLedger());
  ASSERT_TRUE(ledger_->Append(MakeRequest("a")));  // both threads have run by now
  std::set<std::string> names;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream comm(task.path() / "comm");
    std::string name;
    std::getline(comm, name);
    names.insert(name);
  }
  EXPECT_TRUE(names.contains("ej-writer"));
  EXPECT_TRUE(names.contains("ej-committer"));
}

TEST_F(LedgerTest, FailedFsyncIsNeverAcknowledgedAndStopsTheWriter) {
  auto fs = std::make_shared<testing::FaultInjectionFileSystem>();
  ASSERT_TRUE(OpenLedger(fs));
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(ledger_->Append(MakeRequest("ok" + std::to_string(i))));
  fs->SetSyncFails(true);
  auto failed = ledger_->Append(MakeRequest("lost"));
  ASSERT_FALSE(failed.has_value());
  EXPECT_EQ(failed.error().code(), StatusCode::kIoError);
  EXPECT_FALSE(ledger_->health().ok());
  fs->SetSyncFails(false);
  // Fail-stop: nothing more is accepted until the ledger is reopened.
  auto after = ledger_->Append(MakeRequest("after"));
  ASSERT_FALSE(after.has_value());
  EXPECT_EQ(after.error().code(), StatusCode::kUnavailable);
  ledger_.reset();

  ASSERT_TRUE(OpenLedger());
  ASSERT_GE(ledger_->size(), 5u);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(ledger_->SequenceOf("ok" + std::to_string(i)));
  EXPECT_TRUE(VerifyTree());
  auto resubmitted = ledger_->Append(MakeRequest("lost"));  // safe to resubmit
  ASSERT_TRUE(resubmitted.has_value());
}

// A fold that fails (the observer's Apply, e.g. the school state) must stop the writer as a failed
// write does: the state would otherwise drift from the ledger, and every later admission read it.
class FailingFoldObserver final : public AppendObserver {
 public:
  explicit FailingFoldObserver(std::string poison) : poison_(std::move(poison)) {}
  Status Admit(const AppendRequest&, int64_t) override { return Status::Ok(); }
  Status Apply(const AppendRequest& request, uint64_t, int64_t, std::string_view,
               rocksdb::WriteBatch&) override {
    if (request.event_id == poison_) return DataLoss("the test fold cannot fold " + poison_);
    return Status::Ok();
  }
  void FinishGroup(rocksdb::WriteBatch&) override {}

 private:
  const std::string poison_;
};

TEST_F(LedgerTest, AFoldThatFailsStopsTheWriterNamingTheEntry) {
  FailingFoldObserver fold("poison");
  options_.observer = &fold;
  ASSERT_TRUE(OpenLedger());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(ledger_->Append(MakeRequest("ok" + std::to_string(i))));
  std::vector<AppendRequest> group;
  group.push_back(MakeRequest("with-poison"));
  group.push_back(MakeRequest("poison"));
  auto results = ledger_->AppendBatch(std::move(group));
  for (const auto& r : results) {
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code(), StatusCode::kDataLoss) << r.error().ToString();
    EXPECT_NE(r.error().message().find("entry 5 (event poison): the derived state failed"),
              std::string::npos)
        << r.error().ToString();
  }
  // Fail-stop, and health() (/readyz) says why, naming the entry.
  const Status health = ledger_->health();
  EXPECT_NE(health.message().find("entry 5 (event poison)"), std::string::npos)
      << health.ToString();
  auto after = ledger_->Append(MakeRequest("after"));
  ASSERT_FALSE(after.has_value());
  EXPECT_EQ(after.error().code(), StatusCode::kUnavailable);
  EXPECT_EQ(ledger_->size(), 3u);
  ledger_.reset();
  // Nothing of the refused group was written; a restart serves again.
  options_.observer = nullptr;
  ASSERT_TRUE(OpenLedger());
  EXPECT_EQ(ledger_->size(), 3u);
  EXPECT_FALSE(ledger_->SequenceOf("with-poison"));
  EXPECT_TRUE(VerifyTree());
  EXPECT_TRUE(ledger_->Append(MakeRequest("with-poison")).has_value());
}

TEST_F(LedgerTest, DiskFullIsAnErrorNotACrash) {
  auto fs = std::make_shared<testing::FaultInjectionFileSystem>();
  ASSERT_TRUE(OpenLedger(fs));
  ASSERT_TRUE(ledger_->Append(MakeRequest("before")));
  fs->SetDiskFull(true);
  auto failed = ledger_->Append(MakeRequest("full"));
  ASSERT_FALSE(failed.has_value());
  EXPECT_EQ(failed.error().code(), StatusCode::kIoError);
  fs->SetDiskFull(false);
  ledger_.reset();
  ASSERT_TRUE(OpenLedger());
  EXPECT_TRUE(ledger_->SequenceOf("before"));
  EXPECT_TRUE(VerifyTree());
}

// Holds the writer inside Admit until released, so that the queue fills up.
class GateObserver final : public AppendObserver {
 public:
  Status Admit(const AppendRequest& request, int64_t) override {
    std::unique_lock<std::mutex> lock(mu_);
    entered_ = true;
    cv_.notify_all();
    cv_.wait(lock, [this] { return open_; });
    if (request.event_id.starts_with("refuse")) {
      return FailedPrecondition("refused by the test observer", "R-TEST-1");
    }
    return Status::Ok();
  }
  Status Apply(const AppendRequest&, uint64_t sequence, int64_t, std::string_view,
               rocksdb::WriteBatch&) override {
    applied_.push_back(sequence);
    return Status::Ok();
  }
  void FinishGroup(rocksdb::WriteBatch&) override {}
  void WaitEntered() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return entered_; });
  }
  void Open() {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  std::vector<uint64_t> applied_;

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool entered_ = false;
  bool open_ = false;
};

TEST_F(LedgerTest, FullQueueAnswersUnavailableInsteadOfGrowing) {
  GateObserver gate;
  options_.observer = &gate;
  options_.max_queue = 3;
  options_.max_group_size = 1;
  ASSERT_TRUE(OpenLedger());
  std::promise<Result<AppendResult>> first;
  ledger_->AppendAsync(MakeRequest("q0"), [&](Result<AppendResult> r) { first.set_value(r); });
  gate.WaitEntered();  // the writer holds q0; the queue is empty again
  std::vector<std::promise<Result<AppendResult>>> queued(4);
  for (int i = 0; i < 4; ++i) {
    ledger_->AppendAsync(MakeRequest("q" + std::to_string(i + 1)),
                         [&, i](Result<AppendResult> r) { queued[i].set_value(r); });
  }
  auto refused = queued[3].get_future().get();  // the fourth does not fit
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code(), StatusCode::kUnavailable);
  gate.Open();
  EXPECT_TRUE(first.get_future().get().has_value());
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(queued[i].get_future().get().has_value());
  EXPECT_EQ(ledger_->size(), 4u);
}

TEST_F(LedgerTest, ObserverRefusalAppendsNothingAndKeepsNumberingContiguous) {
  GateObserver gate;
  gate.Open();
  options_.observer = &gate;
  ASSERT_TRUE(OpenLedger());
  std::vector<AppendRequest> batch;
  batch.push_back(MakeRequest("a1"));
  batch.push_back(MakeRequest("refuse-me"));
  batch.push_back(MakeRequest("a2"));
  auto results = ledger_->AppendBatch(std::move(batch));
  ASSERT_TRUE(results[0].has_value());
  ASSERT_FALSE(results[1].has_value());
  EXPECT_EQ(results[1].error().rule(), "R-TEST-1");
  ASSERT_TRUE(results[2].has_value());
  EXPECT_EQ(results[0]->sequence, 1u);
  EXPECT_EQ(results[2]->sequence, 2u);
  EXPECT_EQ(gate.applied_, (std::vector<uint64_t>{1, 2}));
  EXPECT_FALSE(ledger_->SequenceOf("refuse-me").has_value());
}

TEST_F(LedgerTest, ConcurrentWritersGetDistinctContiguousSequences) {
  ASSERT_TRUE(OpenLedger());
  constexpr int kThreads = 4, kPerThread = 250;
  std::vector<std::thread> threads;
  std::vector<std::vector<uint64_t>> seen(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        auto r = ledger_->Append(MakeRequest(std::to_string(t) + ":" + std::to_string(i)));
        if (r) seen[t].push_back(r->sequence);
      }
    });
  }
  for (auto& th : threads) th.join();
  std::vector<uint64_t> all;
  for (auto& s : seen) all.insert(all.end(), s.begin(), s.end());
  std::sort(all.begin(), all.end());
  ASSERT_EQ(all.size(), static_cast<size_t>(kThreads * kPerThread));
  for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i], i + 1);
  EXPECT_TRUE(VerifyTree());
}

}  // namespace
}  // namespace ejournal
