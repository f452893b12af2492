// SharedWork (api/shared_work.h): every item runs exactly once, on the caller and the free helpers,
// with several callers at once; without helpers the caller runs everything.
#include "api/shared_work.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace ejournal::api {
namespace {

TEST(SharedWorkTest, EveryItemRunsExactlyOnceWithSeveralCallersAtOnce) {
  SharedWork work(2, "test-helper");
  constexpr size_t kCallers = 4, kItems = 1000;
  std::vector<std::vector<std::atomic<int>>> runs(kCallers);
  for (auto& r : runs) r = std::vector<std::atomic<int>>(kItems);
  std::vector<std::thread> callers;
  for (size_t c = 0; c < kCallers; ++c) {
    callers.emplace_back([&, c] {
      // Chunks of different sizes, the last one partial (1000 = 142 * 7 + 6).
      work.ForEach(kItems, c + 5, [&](size_t i) { runs[c][i].fetch_add(1); });
    });
  }
  for (auto& t : callers) t.join();
  for (size_t c = 0; c < kCallers; ++c) {
    for (size_t i = 0; i < kItems; ++i) {
      ASSERT_EQ(runs[c][i].load(), 1) << "caller " << c << " item " << i;
    }
  }
  const auto counters = work.counters();
  EXPECT_EQ(counters.by_helpers + counters.by_callers, kCallers * kItems);
}

TEST(SharedWorkTest, FreeHelpersTakeChunksOfASlowJobAndTheCallerWaitsForThem) {
  SharedWork work(2, "test-helper");
  constexpr size_t kItems = 100;
  std::vector<std::atomic<int>> runs(kItems);
  const auto caller = std::this_thread::get_id();
  std::atomic<bool> other_thread{false};
  work.ForEach(kItems, 1, [&](size_t i) {
    if (std::this_thread::get_id() != caller) other_thread = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    runs[i].fetch_add(1);  // after the sleep: ForEach must not return before this
  });
  for (size_t i = 0; i < kItems; ++i) ASSERT_EQ(runs[i].load(), 1) << "item " << i;
  EXPECT_TRUE(other_thread.load());
  EXPECT_GT(work.counters().by_helpers, 0u);
}

TEST(SharedWorkTest, WithoutHelpersTheCallerRunsEverythingInOrder) {
  SharedWork work(0, "unused");
  std::vector<size_t> order;
  work.ForEach(37, 4, [&](size_t i) { order.push_back(i); });
  ASSERT_EQ(order.size(), 37u);
  for (size_t i = 0; i < order.size(); ++i) EXPECT_EQ(order[i], i);
  EXPECT_EQ(work.counters().by_helpers, 0u);
  EXPECT_EQ(work.counters().by_callers, 37u);
  work.ForEach(0, 4, [&](size_t) { ADD_FAILURE() << "no item"; });
}

}  // namespace
}  // namespace ejournal::api
