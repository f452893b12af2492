// Small helpers shared by the benchmark tools (school_bench, replication_bench): timing,
// percentiles, and the error line.
#ifndef EJOURNAL_TOOLS_BENCH_UTIL_H_
#define EJOURNAL_TOOLS_BENCH_UTIL_H_

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "schemas/status.h"

namespace ejournal::bench {

using Steady = std::chrono::steady_clock;

inline double Seconds(Steady::duration d) { return std::chrono::duration<double>(d).count(); }

// The p-th percentile (0..100) of `v` (reorders it).
inline double Percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  const size_t k = static_cast<size_t>(p / 100.0 * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

inline int Fail(const Status& s) {
  std::fprintf(stderr, "error: %s\n", s.ToString().c_str());
  return 1;
}

}  // namespace ejournal::bench

#endif  // EJOURNAL_TOOLS_BENCH_UTIL_H_
