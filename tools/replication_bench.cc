// replication_bench: replication to Kafka (docs/BENCHMARKS.md). Not part of the test run.
//
//   replication_bench --dir D --rate R [--classes --students --teachers --weeks]
//
// A generated school year (signed, admitted with every rule) is appended at a sustained rate of
// about R events/s to a writer whose relay produces to the embedded mock cluster (loopback). It
// prints the replication lag (from an append's acknowledgement to the relay's confirmed position
// covering it: acks=all delivery and the position stored) at p50/p99/max, and then the apply rate
// of a replica started from nothing on the whole topic (every entry verified: signature, leaf,
// contiguity, checkpoints, the school rules again, the views written). A second replica follows
// the writer live: the end-to-end lag to it says whether a replica keeps up with the writer's
// ingest. It also prints the sizing inputs of docs/SCALING.md. Markdown rows on stdout.
// The embedded cluster keeps only the last 5 MiB of a partition (ledger/embedded_kafka.h): the
// default year fits; a larger one makes the replica halt at its first missing entry.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "ejournal/v1/ledger.pb.h"
#include "ledger/embedded_kafka.h"
#include "ledger/replica.h"
#include "ledger/replicator.h"
#include "tools/bench_util.h"
#include "tools/data_dir.h"
#include "tools/synth/school_generator.h"

namespace ejournal {
namespace {

using bench::Fail;
using bench::Percentile;
using bench::Seconds;
using bench::Steady;

int Run(const std::string& dir, double rate, const synth::Options& options) {
  const std::string origin = "ejournal.bench/ledger/1";
  const std::string topic = "ejournal.bench.1";
  std::filesystem::remove_all(dir);
  auto kafka = EmbeddedKafka::Create();
  if (!kafka) return Fail(kafka.error());
  if (Status st = (*kafka)->CreateTopic(topic); !st.ok()) return Fail(st);
  const std::string writer_dir = dir + "/writer";
  auto node = tools::CreateDataDir(writer_dir, origin);
  if (!node) return Fail(node.error());
  synth::SettableClock clock;
  auto writer = tools::OpenSchoolLedger(
      writer_dir, tools::OpenSchoolOptions{
                      .clock = &clock, .node = &*node, .origin = origin, .catch_up = true});
  if (!writer) return Fail(writer.error());
  ReplicatorOptions relay_options;
  relay_options.topic = topic;
  relay_options.kafka = {{"bootstrap.servers", (*kafka)->bootstrap_servers()}};
  auto relay = Replicator::Start(writer->ledger.get(), relay_options);
  if (!relay) return Fail(relay.error());

  // A replica following the writer live (as a read replica in production does): the end-to-end
  // lag from an append's acknowledgement to the replica having applied it.
  auto live_store = OpenReplicaStore(dir + "/live", origin, node->VerifierKey());
  if (!live_store) return Fail(live_store.error());
  ReplicaOptions live_options;
  live_options.topic = topic;
  live_options.kafka = relay_options.kafka;
  live_options.source_verifier_key = node->VerifierKey();
  auto live = Replica::Start(live_store->ledger.get(), live_store->admission.get(), live_options);
  if (!live) return Fail(live.error());

  // The confirmed position over time, sampled by a thread of its own.
  std::mutex mu;
  std::vector<std::pair<uint64_t, Steady::time_point>> confirmations;
  std::vector<std::pair<uint64_t, Steady::time_point>> applications;  // the live replica's
  std::atomic<bool> done{false};
  std::thread sampler([&] {
    uint64_t last = 0, last_applied = 0;
    while (!done.load()) {
      const uint64_t c = (*relay)->stats().confirmed;
      const uint64_t a = live_store->ledger->size();
      std::lock_guard<std::mutex> lock(mu);
      if (c != last) {
        confirmations.emplace_back(c, Steady::now());
        last = c;
      }
      if (a != last_applied) {
        applications.emplace_back(a, Steady::now());
        last_applied = a;
      }
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  });

  // Appends, paced to `rate`; each group's acknowledgement time.
  std::vector<std::pair<uint64_t, Steady::time_point>> acks;
  synth::SchoolGenerator generator(options, node->credential_id, node->key);
  const auto start = Steady::now();
  auto paced = [&](const synth::DriveResult& r) {
    acks.emplace_back(writer->ledger->size(), Steady::now());
    const auto due =
        start + std::chrono::duration_cast<Steady::duration>(
                    std::chrono::duration<double>(static_cast<double>(r.appended) / rate));
    std::this_thread::sleep_until(due);
  };
  auto driven = synth::Drive(generator, *writer->admission, *writer->ledger, clock, paced);
  if (!driven) return Fail(driven.error());
  const double append_seconds = Seconds(Steady::now() - start);
  const uint64_t n = writer->ledger->size();
  if (Status st = (*relay)->WaitConfirmed(n, std::chrono::minutes(10)); !st.ok()) return Fail(st);
  if (Status st = (*live)->WaitApplied(n, std::chrono::minutes(10)); !st.ok()) return Fail(st);
  const double live_seconds = Seconds(Steady::now() - start);
  done = true;
  sampler.join();

  // For each acknowledged group, the first sample at or beyond it.
  auto lags = [&](const std::vector<std::pair<uint64_t, Steady::time_point>>& samples) {
    std::vector<double> out;
    size_t c = 0;
    for (const auto& [size, acked] : acks) {
      while (c < samples.size() && samples[c].first < size) ++c;
      if (c == samples.size()) break;
      out.push_back(std::max(
          0.0, std::chrono::duration<double, std::milli>(samples[c].second - acked).count()));
    }
    return out;
  };
  std::vector<double> lag_ms, live_ms;
  {
    std::lock_guard<std::mutex> lock(mu);
    lag_ms = lags(confirmations);
    live_ms = lags(applications);
  }
  const double p50 = Percentile(lag_ms, 50), p99 = Percentile(lag_ms, 99),
               max = Percentile(lag_ms, 100);
  std::printf(
      "| replication lag (append ack → confirmed, acks=all, mock cluster) | %llu events at %.0f "
      "events/s (asked %.0f), %zu groups | p50 %.1f ms, p99 %.1f ms, max %.1f ms |\n",
      static_cast<unsigned long long>(n), static_cast<double>(n) / append_seconds, rate,
      lag_ms.size(), p50, p99, max);
  std::printf(
      "| end-to-end lag (append ack → applied by a live replica: verify + rules + views) | %llu "
      "events, writer ingest %.0f events/s, replica done %.2f s after the first append (writer "
      "%.2f s) | p50 %.1f ms, p99 %.1f ms, max %.1f ms |\n",
      static_cast<unsigned long long>(n), static_cast<double>(n) / append_seconds, live_seconds,
      append_seconds, Percentile(live_ms, 50), Percentile(live_ms, 99), Percentile(live_ms, 100));
  live->reset();

  // The sizing inputs (docs/SCALING.md): bytes per entry (the stream's payload) and events per
  // school day (distinct UTC days of the recorded-at times, which follow the generated school
  // days), and the writer's data directory on disk per entry.
  uint64_t entry_bytes = 0;
  std::set<int64_t> days;
  for (uint64_t seq = 1; seq <= n; ++seq) {
    auto bytes = writer->ledger->Entry(seq);
    if (!bytes) return Fail(bytes.error());
    entry_bytes += bytes->size();
    v1::LedgerEntry entry;
    if (entry.ParseFromString(*bytes)) days.insert(entry.recorded_at_us() / 86'400'000'000LL);
  }
  uint64_t disk_bytes = 0;
  for (const auto& f : std::filesystem::recursive_directory_iterator(writer_dir + "/ledger")) {
    if (f.is_regular_file()) disk_bytes += f.file_size();
  }
  std::printf(
      "| sizing inputs | %llu events over %zu school days | %.0f events per school day; %.0f bytes "
      "per entry (stream payload); %.0f bytes per entry on the writer's disk (ledger, tree, "
      "views, indexes; before compaction) |\n",
      static_cast<unsigned long long>(n), days.size(),
      days.empty() ? 0.0 : static_cast<double>(n) / static_cast<double>(days.size()),
      static_cast<double>(entry_bytes) / static_cast<double>(n),
      static_cast<double>(disk_bytes) / static_cast<double>(n));
  relay->reset();

  // A replica from nothing, on the whole topic.
  auto store = OpenReplicaStore(dir + "/replica", origin, node->VerifierKey());
  if (!store) return Fail(store.error());
  ReplicaOptions replica_options;
  replica_options.topic = topic;
  replica_options.kafka = relay_options.kafka;
  replica_options.source_verifier_key = node->VerifierKey();
  const auto replica_start = Steady::now();
  auto replica = Replica::Start(store->ledger.get(), store->admission.get(), replica_options);
  if (!replica) return Fail(replica.error());
  if (Status st = (*replica)->WaitApplied(n, std::chrono::minutes(30)); !st.ok()) return Fail(st);
  const double replica_seconds = Seconds(Steady::now() - replica_start);
  std::printf(
      "| replica apply from zero (verify + rules + views, group commits) | %llu events | %.0f "
      "events/s (%.2f s) |\n",
      static_cast<unsigned long long>(n), static_cast<double>(n) / replica_seconds,
      replica_seconds);
  return 0;
}

}  // namespace
}  // namespace ejournal

int main(int argc, char** argv) {
  CLI::App app{"replication_bench: replication lag and replica apply rate"};
  std::string dir;
  double rate = 2000;
  ejournal::synth::Options options;
  options.classes = 5;
  options.students = 120;
  options.teachers = 12;
  options.weeks = 3;
  app.add_option("--dir", dir, "a scratch directory (deleted first)")->required();
  app.add_option("--rate", rate, "events per second to append")->capture_default_str();
  app.add_option("--classes", options.classes, "classes")->capture_default_str();
  app.add_option("--students", options.students, "students")->capture_default_str();
  app.add_option("--teachers", options.teachers, "teachers")->capture_default_str();
  app.add_option("--weeks", options.weeks, "study weeks")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  spdlog::set_level(spdlog::level::warn);
  if (rate <= 0) {
    std::fprintf(stderr, "error: --rate must be > 0\n");
    return 2;
  }
  return ejournal::Run(dir, rate, options);
}
