// Writes and reads at the same time: the writer mutates the school state under the state lock
// while readers read views and reports under it shared. Every write is acknowledged, no read
// fails, and the final page shows every mark.
#include <gtest/gtest.h>

#include <thread>

#include "tests/api/api_fixture.h"

namespace ejournal::testing {
namespace {

class ConcurrencyTest : public ApiFixture {};

TEST_F(ConcurrencyTest, ReadsDuringWrites) {
  At(D(2025, 10, 6), "08:45");
  SetPassword("deputy");
  const std::string token = Login("deputy").token;
  ASSERT_FALSE(token.empty());
  // The events are signed up front (signing uses the fixture, which is not thread-safe).
  std::vector<std::string> events[2];
  for (int w = 0; w < 2; ++w) {
    for (int i = 0; i < 40; ++i) {
      const std::string student = w == 0 ? "s1" : "s2";
      events[w].push_back(Signed(Mark("math", "cm-" + std::to_string(w) + "-" + std::to_string(i),
                                      "math-5a-1", student, 3 + (i % 3), D(2025, 10, 6))));
    }
  }
  const int port = server_->port();
  std::atomic<int> write_failures{0}, read_failures{0}, writers_left{2};
  std::vector<std::thread> threads;
  for (int w = 0; w < 2; ++w) {
    threads.emplace_back([&, w] {
      httplib::Client c("127.0.0.1", port);
      for (const auto& e : events[w]) {
        auto r = c.Post("/api/v1/events", e, "application/x-protobuf");
        if (!r || r->status != 200) ++write_failures;
      }
      --writers_left;
    });
  }
  for (int rd = 0; rd < 2; ++rd) {
    threads.emplace_back([&, rd] {
      httplib::Client c("127.0.0.1", port);
      httplib::Headers h = {{"Authorization", "Bearer " + token}};
      const std::string path =
          rd == 0 ? "/api/v1/schools/school-1/classes/5a/subjects/math/terms/1/journal"
                  : "/api/v1/schools/school-1/reports/attendance?from=2025-10-01&to=2025-10-31";
      int reads = 0;
      while (writers_left.load() > 0 || reads < 5) {
        auto r = c.Get(path, h);
        if (!r || r->status != 200) ++read_failures;
        ++reads;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(write_failures.load(), 0);
  EXPECT_EQ(read_failures.load(), 0);
  auto page = GetPath("/api/v1/schools/school-1/classes/5a/subjects/math/terms/1/journal", token);
  ASSERT_EQ(page->status, 200);
  for (int w = 0; w < 2; ++w) {
    for (int i = 0; i < 40; ++i) {
      const std::string id = "cm-" + std::to_string(w) + "-" + std::to_string(i);
      EXPECT_NE(page->body.find("\"" + id + "\""), std::string::npos) << id;
    }
  }
}

}  // namespace
}  // namespace ejournal::testing
