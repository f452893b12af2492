// RunTogether: `body(t)` on `threads` threads released at the same moment, joined before it
// returns — for tests that race first uses (a lazily parsed key, a shared registry).
#ifndef EJOURNAL_TESTS_SUPPORT_RUN_TOGETHER_H_
#define EJOURNAL_TESTS_SUPPORT_RUN_TOGETHER_H_

#include <atomic>
#include <thread>
#include <vector>

namespace ejournal::testing {

template <typename Body>
void RunTogether(int threads, const Body& body) {
  std::atomic<bool> go{false};
  std::vector<std::thread> running;
  for (int t = 0; t < threads; ++t) {
    running.emplace_back([&go, &body, t] {
      while (!go.load()) std::this_thread::yield();
      body(t);
    });
  }
  go = true;
  for (std::thread& th : running) th.join();
}

}  // namespace ejournal::testing

#endif  // EJOURNAL_TESTS_SUPPORT_RUN_TOGETHER_H_
