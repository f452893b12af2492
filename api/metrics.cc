#include "api/metrics.h"

#include <spdlog/fmt/fmt.h>

namespace ejournal::api {

void Metrics::ObserveRequest(const std::string& route, int status, double seconds) {
  std::lock_guard lock(mu_);
  Histogram& h = latency_[route];
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) ++h.buckets[i];
  }
  ++h.count;
  h.sum += seconds;
  ++responses_[{route, status}];
}

void Metrics::CountAppend(bool duplicate) {
  std::lock_guard lock(mu_);
  ++(duplicate ? duplicates_ : appends_);
}

void Metrics::CountRefusal(const Status& status) {
  std::lock_guard lock(mu_);
  ++refusals_[std::string(StatusCodeName(status.code())) + "\x1f" + status.rule()];
}

std::string Metrics::Render(const LedgerStats& ledger, uint64_t ledger_size) const {
  std::lock_guard lock(mu_);
  std::string out;
  out += "# HELP ejournal_appends_total Events appended through the API.\n";
  out += "# TYPE ejournal_appends_total counter\n";
  out += fmt::format("ejournal_appends_total {}\n", appends_);
  out +=
      "# HELP ejournal_duplicates_total Events submitted again (answered with their sequence).\n";
  out += "# TYPE ejournal_duplicates_total counter\n";
  out += fmt::format("ejournal_duplicates_total {}\n", duplicates_);
  out += "# HELP ejournal_refusals_total Events refused, by error code and rule id.\n";
  out += "# TYPE ejournal_refusals_total counter\n";
  for (const auto& [key, n] : refusals_) {
    const size_t sep = key.find('\x1f');
    out += fmt::format("ejournal_refusals_total{{code=\"{}\",rule=\"{}\"}} {}\n",
                       key.substr(0, sep), key.substr(sep + 1), n);
  }
  out += "# HELP ejournal_ledger_size Entries in the ledger (the tree size).\n";
  out += "# TYPE ejournal_ledger_size gauge\n";
  out += fmt::format("ejournal_ledger_size {}\n", ledger_size);
  out +=
      "# HELP ejournal_ledger_groups_total Group commits since start (one WriteBatch + fsync).\n";
  out += "# TYPE ejournal_ledger_groups_total counter\n";
  out += fmt::format("ejournal_ledger_groups_total {}\n", ledger.groups);
  out += "# HELP ejournal_ledger_group_entries_total Entries written by those group commits.\n";
  out += "# TYPE ejournal_ledger_group_entries_total counter\n";
  out += fmt::format("ejournal_ledger_group_entries_total {}\n", ledger.entries);
  out += "# HELP ejournal_ledger_largest_group Most entries in one group commit since start.\n";
  out += "# TYPE ejournal_ledger_largest_group gauge\n";
  out += fmt::format("ejournal_ledger_largest_group {}\n", ledger.largest_group);
  out += "# HELP ejournal_ledger_group_size Entries appended per group commit (one fsync).\n";
  out += "# TYPE ejournal_ledger_group_size histogram\n";
  uint64_t cumulative = 0;
  for (size_t i = 0; i < ledger.group_sizes.size(); ++i) {
    cumulative += ledger.group_sizes[i];
    if (i + 1 < ledger.group_sizes.size()) {
      out += fmt::format("ejournal_ledger_group_size_bucket{{le=\"{}\"}} {}\n", uint64_t{1} << i,
                         cumulative);
    }
  }
  out += fmt::format("ejournal_ledger_group_size_bucket{{le=\"+Inf\"}} {}\n", cumulative);
  out += fmt::format("ejournal_ledger_group_size_sum {}\n", ledger.entries);
  out += fmt::format("ejournal_ledger_group_size_count {}\n", cumulative);
  out += "# HELP ejournal_ledger_refused_total Requests the ledger writer refused.\n";
  out += "# TYPE ejournal_ledger_refused_total counter\n";
  out += fmt::format("ejournal_ledger_refused_total {}\n", ledger.refused);
  out += "# HELP ejournal_ledger_checkpoints_total Checkpoints written since start.\n";
  out += "# TYPE ejournal_ledger_checkpoints_total counter\n";
  out += fmt::format("ejournal_ledger_checkpoints_total {}\n", ledger.checkpoints);
  out += "# HELP ejournal_http_responses_total HTTP responses by route and status.\n";
  out += "# TYPE ejournal_http_responses_total counter\n";
  for (const auto& [key, n] : responses_) {
    out += fmt::format("ejournal_http_responses_total{{route=\"{}\",status=\"{}\"}} {}\n",
                       key.first, key.second, n);
  }
  out += "# HELP ejournal_http_request_seconds Request latency by route.\n";
  out += "# TYPE ejournal_http_request_seconds histogram\n";
  for (const auto& [route, h] : latency_) {
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      out += fmt::format("ejournal_http_request_seconds_bucket{{route=\"{}\",le=\"{}\"}} {}\n",
                         route, kBuckets[i], h.buckets[i]);
    }
    out += fmt::format("ejournal_http_request_seconds_bucket{{route=\"{}\",le=\"+Inf\"}} {}\n",
                       route, h.count);
    out += fmt::format("ejournal_http_request_seconds_sum{{route=\"{}\"}} {}\n", route, h.sum);
    out += fmt::format("ejournal_http_request_seconds_count{{route=\"{}\"}} {}\n", route, h.count);
  }
  return out;
}

}  // namespace ejournal::api
