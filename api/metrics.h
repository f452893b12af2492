// Metrics: Prometheus text exposition (GET /metrics) of the service's counters: appends,
// duplicates, refusals by rule id (or by code when no rule applies), request latencies per route
// (a histogram), and the ledger's group-commit counters.
//
// Thread-safety: every method may be called from any thread (one mutex, held only to bump a
// counter or to render).
#ifndef EJOURNAL_API_METRICS_H_
#define EJOURNAL_API_METRICS_H_

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "ledger/ledger.h"
#include "schemas/status.h"

namespace ejournal::api {

// One Prometheus sample with its HELP and TYPE lines ("counter" or "gauge").
void WriteMetric(std::string& out, std::string_view name, std::string_view help,
                 std::string_view type, double value);

class Metrics {
 public:
  // Upper bounds (seconds) of the latency histogram's buckets; +Inf is implicit.
  static constexpr std::array<double, 10> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                      0.025,  0.05,  0.1,    0.5,   2.5};

  // `route` is the route's name (never a path with ids in it).
  void ObserveRequest(const std::string& route, int status, double seconds);
  void CountAppend(bool duplicate);
  void CountRefusal(const Status& status);

  std::string Render(const LedgerStats& ledger, uint64_t ledger_size) const;

 private:
  struct Histogram {
    std::array<uint64_t, kBuckets.size()> buckets{};
    uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mu_;
  uint64_t appends_ = 0;                                       // guarded by mu_
  uint64_t duplicates_ = 0;                                    // guarded by mu_
  std::map<std::string, uint64_t> refusals_;                   // "code/rule" -> n; guarded by mu_
  std::map<std::string, Histogram> latency_;                   // route -> histogram; guarded by mu_
  std::map<std::pair<std::string, int>, uint64_t> responses_;  // guarded by mu_
};

}  // namespace ejournal::api

#endif  // EJOURNAL_API_METRICS_H_
