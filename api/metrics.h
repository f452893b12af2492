// Metrics: Prometheus text exposition (GET /metrics) of the service's counters: appends,
// duplicates, refusals by rule id (or by code when no rule applies), request latencies per route
// (a histogram), where a request's time went by stage (a histogram per route and stage, see
// RequestStages), and the ledger's group-commit counters.
//
// Thread-safety: every method may be called from any thread (one mutex, held only to bump a
// counter or to render).
#ifndef EJOURNAL_API_METRICS_H_
#define EJOURNAL_API_METRICS_H_

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "ledger/ledger.h"
#include "schemas/mutex.h"
#include "schemas/status.h"

namespace ejournal::api {

// One Prometheus sample with its HELP and TYPE lines ("counter" or "gauge").
void WriteMetric(std::string& out, std::string_view name, std::string_view help,
                 std::string_view type, double value);

// The stages of the request this thread serves, for ejournal_http_stage_seconds (where
// a read's time goes under load). httplib runs a request's parsing, handler and answer on one
// thread, so the clock is thread-local: ApiServer's Wrap starts it, handlers call Mark() at the
// end of each stage they pass (the time since the previous mark, or the start, is that stage's),
// and the server's logger, called after the answer is written, marks "write".
// Stage names are string literals (they outlive the request).
class RequestStages {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr size_t kMaxStages = 8;
  struct Stage {
    const char* name;
    double seconds;
  };

  // This thread's clock.
  static RequestStages& Current();
  // A new request: no stages, the clock reads from `start`.
  void Begin(Clock::time_point start);
  // The time since the previous mark (or Begin) was spent in `stage`. Beyond kMaxStages: ignored.
  void Mark(const char* stage);
  // Marks `stage` on this thread's clock if a request is being served on it.
  static void MarkCurrent(const char* stage) { Current().Mark(stage); }

  Clock::time_point start() const { return start_; }
  Clock::time_point last() const { return last_; }
  const Stage* begin() const { return stages_.data(); }
  const Stage* end() const { return stages_.data() + count_; }
  size_t size() const { return count_; }

 private:
  Clock::time_point start_{}, last_{};
  std::array<Stage, kMaxStages> stages_{};
  size_t count_ = 0;
};

class Metrics {
 public:
  // Upper bounds (seconds) of the latency histogram's buckets; +Inf is implicit.
  static constexpr std::array<double, 10> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                      0.025,  0.05,  0.1,    0.5,   2.5};

  // `route` is the route's name (never a path with ids in it).
  void ObserveRequest(const std::string& route, int status, double seconds);
  // Every stage of one request of `route` (ejournal_http_stage_seconds{route,stage}).
  void ObserveStages(const std::string& route, const RequestStages::Stage* begin,
                     const RequestStages::Stage* end);
  void CountAppend(bool duplicate);
  void CountRefusal(const Status& status);

  std::string Render(const LedgerStats& ledger, uint64_t ledger_size) const;

 private:
  struct Histogram {
    std::array<uint64_t, kBuckets.size()> buckets{};
    uint64_t count = 0;
    double sum = 0;
  };
  mutable Mutex mu_;
  uint64_t appends_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t duplicates_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<std::string, uint64_t> refusals_ ABSL_GUARDED_BY(mu_);  // "code/rule" -> n
  std::map<std::string, Histogram> latency_ ABSL_GUARDED_BY(mu_);  // route -> histogram
  // (route, stage) -> histogram
  std::map<std::pair<std::string, std::string>, Histogram> stages_ ABSL_GUARDED_BY(mu_);
  // (route, HTTP status) -> answers
  std::map<std::pair<std::string, int>, uint64_t> responses_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ejournal::api

#endif  // EJOURNAL_API_METRICS_H_
