// The views of a group commit are written once per group (Admission::FinishGroup): the bytes equal
// a replay from zero (which equals writing them entry by entry, tests/projections/views_test.cc),
// also for a group that holds a lesson move between other events
// (ViewBatchWriter::MustWriteBefore).
#include <gtest/gtest.h>

#include "projections/views.h"
#include "tests/support/gated_observer.h"
#include "tests/support/school_fixture.h"
#include "tests/support/status_matchers.h"

namespace ejournal::testing {
namespace {

class GroupViewsTest : public SchoolFixture {
 protected:
  // Admission::Check of `body` signed by its actor, at the clock's now.
  AppendRequest Checked(const v1::EventBody& body) {
    auto bytes = ledger_->Sign(body, signers_.at(body.actor_id()));
    EXPECT_TRUE(bytes.has_value());
    auto request = ledger_->admission().Check(bytes ? *bytes : "", clock_.NowMicros());
    EXPECT_TRUE(request.has_value()) << request.error().ToString();
    return request ? std::move(*request) : AppendRequest{};
  }
  Result<std::vector<std::pair<std::string, std::string>>> Views() {
    return school::DumpViews(ledger_->ledger().db(), ledger_->ledger().column_families().views);
  }
  const school::Day mon_ = D(2025, 10, 6);
};

TEST_F(GroupViewsTest, OneGroupWithALessonMoveInsideEqualsReplayFromZero) {
  At(mon_, "08:35");
  // The group: cells and the column of math-5a-1, then Wednesday's math-5a-2 moved to Thursday
  // period 3 (the views gathered so far are written before it), then more of math-5a-1.
  v1::EventBody move = Body("methodist");
  move.mutable_lesson_moved()->set_lesson_id("math-5a-2");
  *move.mutable_lesson_moved()->mutable_new_date() = Date(mon_ + 3);
  move.mutable_lesson_moved()->set_new_period(3);
  const std::vector<v1::EventBody> bodies = {
      AbsenceBody("math", "math-5a-1", "s3"),       ConductedBody("math", "math-5a-1", "Дроби"),
      MarkBody("math", "m1", "math-5a-1", "s1", 5), move,
      MarkBody("math", "m2", "math-5a-1", "s2", 4), HomeworkBody("math", "h1", "math-5a-1", "№ 12"),
      MarkBody("math", "m3", "math-5a-1", "s1", 3),
  };
  const uint64_t before = ledger_->ledger().size();

  // The first event holds the writer; the others queue behind it and form one group with it.
  GatedObserver holding;
  holding.set_gate(bodies.front().event_id());
  ASSERT_OK(ledger_->Open(&holding));
  holding.set_inner(&ledger_->admission());
  std::vector<std::optional<Result<AppendResult>>> results(bodies.size());
  std::mutex mu;
  std::condition_variable done;
  size_t answered = 0;
  for (size_t i = 0; i < bodies.size(); ++i) {
    ledger_->ledger().AppendAsync(Checked(bodies[i]), [&, i](Result<AppendResult> r) {
      std::lock_guard<std::mutex> lock(mu);
      results[i] = std::move(r);
      ++answered;
      done.notify_all();
    });
    if (i == 0) holding.WaitUntilEntered();
  }
  holding.Release();
  {
    std::unique_lock<std::mutex> lock(mu);
    done.wait(lock, [&] { return answered == bodies.size(); });
  }
  for (size_t i = 0; i < bodies.size(); ++i) {
    ASSERT_TRUE(results[i]->has_value()) << i << ": " << results[i]->error().ToString();
    EXPECT_EQ((*results[i])->sequence, before + 1 + i);
  }
  // The first event went alone (the writer took it before the rest was queued); the other six
  // were one group, the move in its middle.
  EXPECT_EQ(ledger_->ledger().stats().largest_group, bodies.size() - 1);

  auto grouped = Views();
  ASSERT_TRUE(grouped.has_value());
  // The applied position is the group's last entry; the moved lesson's column sits under its new
  // date only.
  const std::string moved_to = school::DayPeriodKey(mon_ + 3, 3);
  int moved_columns = 0;
  for (const auto& [key, value] : *grouped) {
    if (key == school::kViewsAppliedKey) {
      EXPECT_EQ(value.size(), 8u);
    }
    if (key.starts_with("L/") && key.ends_with("/math-5a-2")) {
      ++moved_columns;
      EXPECT_NE(key.find(moved_to), std::string::npos) << key;
    }
  }
  EXPECT_EQ(moved_columns, 1);
  auto applied = school::ViewsAppliedPosition(ledger_->ledger().db(),
                                              ledger_->ledger().column_families().views);
  ASSERT_TRUE(applied.has_value());
  EXPECT_EQ(*applied, before + bodies.size());

  ASSERT_OK(school::ClearViews(ledger_->ledger().db(), ledger_->ledger().column_families().views));
  ASSERT_OK(ledger_->Open());  // CatchUp rebuilds the views from entry 1
  auto replayed = Views();
  ASSERT_TRUE(replayed.has_value());
  EXPECT_TRUE(*replayed == *grouped);
}

}  // namespace
}  // namespace ejournal::testing
