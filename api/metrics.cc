#include "api/metrics.h"

#include <spdlog/fmt/fmt.h>

namespace ejournal::api {

void WriteMetric(std::string& out, std::string_view name, std::string_view help,
                 std::string_view type, double value) {
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n{} {}\n", name, help, name, type, name, value);
}

namespace {

template <typename H, typename B>
void Observe(H& h, const B& buckets, double seconds) {
  for (size_t i = 0; i < buckets.size(); ++i) {
    if (seconds <= buckets[i]) ++h.buckets[i];
  }
  ++h.count;
  h.sum += seconds;
}

}  // namespace

RequestStages& RequestStages::Current() {
  thread_local RequestStages stages;
  return stages;
}

void RequestStages::Begin(Clock::time_point start) {
  start_ = last_ = start;
  count_ = 0;
}

void RequestStages::Mark(const char* stage) {
  const Clock::time_point now = Clock::now();
  if (count_ < kMaxStages) {
    stages_[count_++] = {stage, std::chrono::duration<double>(now - last_).count()};
  }
  last_ = now;
}

void Metrics::ObserveRequest(const std::string& route, int status, double seconds) {
  MutexLock lock(&mu_);
  Observe(latency_[route], kBuckets, seconds);
  ++responses_[{route, status}];
}

void Metrics::ObserveStages(const std::string& route, const RequestStages::Stage* begin,
                            const RequestStages::Stage* end) {
  if (begin == end) return;
  MutexLock lock(&mu_);
  for (const RequestStages::Stage* s = begin; s != end; ++s) {
    Observe(stages_[{route, s->name}], kBuckets, s->seconds);
  }
}

void Metrics::CountAppend(bool duplicate) {
  MutexLock lock(&mu_);
  ++(duplicate ? duplicates_ : appends_);
}

void Metrics::CountRefusal(const Status& status) {
  MutexLock lock(&mu_);
  ++refusals_[std::string(StatusCodeName(status.code())) + "\x1f" + status.rule()];
}

std::string Metrics::Render(const LedgerStats& ledger, uint64_t ledger_size) const {
  MutexLock lock(&mu_);
  std::string out;
  WriteMetric(out, "ejournal_appends_total", "Events appended through the API.", "counter",
              double(appends_));
  WriteMetric(out, "ejournal_duplicates_total",
              "Events submitted again (answered with their sequence).", "counter",
              double(duplicates_));
  out += "# HELP ejournal_refusals_total Events refused, by error code and rule id.\n";
  out += "# TYPE ejournal_refusals_total counter\n";
  for (const auto& [key, n] : refusals_) {
    const size_t sep = key.find('\x1f');
    out += fmt::format("ejournal_refusals_total{{code=\"{}\",rule=\"{}\"}} {}\n",
                       key.substr(0, sep), key.substr(sep + 1), n);
  }
  WriteMetric(out, "ejournal_ledger_size", "Entries in the ledger (the tree size).", "gauge",
              double(ledger_size));
  WriteMetric(out, "ejournal_ledger_groups_total",
              "Group commits since start (one WriteBatch + fsync).", "counter",
              double(ledger.groups));
  WriteMetric(out, "ejournal_ledger_group_entries_total", "Entries written by those group commits.",
              "counter", double(ledger.entries));
  WriteMetric(out, "ejournal_ledger_largest_group", "Most entries in one group commit since start.",
              "gauge", double(ledger.largest_group));
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
  WriteMetric(out, "ejournal_ledger_refused_total", "Requests the ledger writer refused.",
              "counter", double(ledger.refused));
  WriteMetric(out, "ejournal_ledger_checkpoints_total", "Checkpoints written since start.",
              "counter", double(ledger.checkpoints));
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
  out +=
      "# HELP ejournal_http_stage_seconds Where requests' time went, by route and stage "
      "(session, lock_wait, cache_hit, build, json, verify, commit, write, ...).\n";
  out += "# TYPE ejournal_http_stage_seconds histogram\n";
  for (const auto& [key, h] : stages_) {
    const auto& [route, stage] = key;
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      out += fmt::format(
          "ejournal_http_stage_seconds_bucket{{route=\"{}\",stage=\"{}\",le=\"{}\"}} {}\n", route,
          stage, kBuckets[i], h.buckets[i]);
    }
    out += fmt::format(
        "ejournal_http_stage_seconds_bucket{{route=\"{}\",stage=\"{}\",le=\"+Inf\"}} {}\n", route,
        stage, h.count);
    out += fmt::format("ejournal_http_stage_seconds_sum{{route=\"{}\",stage=\"{}\"}} {}\n", route,
                       stage, h.sum);
    out += fmt::format("ejournal_http_stage_seconds_count{{route=\"{}\",stage=\"{}\"}} {}\n", route,
                       stage, h.count);
  }
  return out;
}

}  // namespace ejournal::api
