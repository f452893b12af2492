// replication_bench: replication to Kafka (docs/BENCHMARKS.md). Not part of the test run.
//
//   replication_bench --dir D --rate R [--classes --students --teachers --weeks]
//                     [--live-replica] [--verify-threads N]
//   replication_bench --dir D --catchup-from DATA [--limit N] [--ahead N] [--verify-threads N]
//                     [--writer] [--census]
//
// Lag run (the default). A generated school year is made and every event signed before the timed
// window (the generator and the signing are the clients' work, not the writer's). In the window
// the events are checked through admission (every rule, the signature verified) and appended in
// their groups at a sustained rate of about R events/s to a writer whose relay produces to the
// embedded mock cluster (loopback). It prints the replication lag (from an append's
// acknowledgement to the relay's confirmed position covering it: acks=all delivery and the
// position stored) at p50/p99/max, and the rate really sustained. Then the apply rate of a
// replica started from nothing on the whole topic (every entry verified: signature, leaf,
// contiguity, checkpoints, the school rules again, the views written), once with one verifying
// thread and once with `--verify-threads` (0: one per core; the replica's consumer thread helps
// them when it waits, ReplicaOptions::verify_threads). With `--live-replica` a replica also
// follows the writer during the window, in this process (it competes for the same cores): the
// end-to-end lag to it. It also prints the sizing inputs of docs/SCALING.md. Markdown rows on
// stdout. The embedded cluster keeps only the last 5 MiB of a partition
// (ledger/embedded_kafka.h): the default year fits.
//
// Catch-up run (`--catchup-from DATA`): the ledger of the data directory DATA (opened read-only)
// is fed, entries and checkpoints in order in the relay's exact stream format
// (ledger/replication_format.h), to a topic of the embedded cluster by a feeder that stays at
// most `--ahead` messages ahead of what the replica has read (flow control: the mock partition's
// 5 MiB would otherwise drop messages before they are read); a fresh replica consumes, verifies
// and applies everything. It prints the replica's events/s over the whole ledger (or its first
// `--limit` entries).
//
// With `--writer`, the same entries are instead admitted by a writer, without HTTP and without
// Kafka: what a writer node does with the same events, for the replica's rate to be compared with
// on the same machine and minutes. Each entry's signed event goes through Admission::Check
// (decode, credential, the Ed25519 signature) on `--verify-threads` threads (0: one per core),
// then, in order, to the ledger's writer (the credential and school rules again, the fold, the
// views, group commits synced) with the source's sequence and recorded-at time
// (AppendRequest::presequenced, so that the rules' time windows hold as they did), at most
// `--ahead` entries queued. Checkpoints are not written (the writer's one signature a second is
// noise). It prints the writer's events/s.
#include <rocksdb/db.h>
#include <rocksdb/transaction_log.h>
#include <rocksdb/write_batch.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include "ejournal/v1/ledger.pb.h"
#include "ledger/embedded_kafka.h"
#include "ledger/event_codec.h"
#include "ledger/replica.h"
#include "ledger/replicator.h"
#include "ledger/storage_format.h"
#include "schemas/mutex.h"
#include "tools/bench_util.h"
#include "tools/data_dir.h"
#include "tools/synth/school_generator.h"

namespace ejournal {
namespace {

using bench::Fail;
using bench::Percentile;
using bench::Seconds;
using bench::Steady;

// The process's CPU time so far (user + system, every thread), in seconds.
double ProcessCpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// The CPU time so far (user + system) of this process's live threads that `pick` selects by
// thread id and name (/proc/self/task/<tid>/stat), in seconds.
double ThreadsCpuSeconds(const std::function<bool(long tid, std::string_view name)>& pick) {
  double total = 0;
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  std::error_code ec;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task", ec)) {
    std::ifstream in(task.path() / "stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const size_t open = stat.find('('), close = stat.rfind(')');
    if (open == std::string::npos || close == std::string::npos) continue;
    const std::string name = stat.substr(open + 1, close - open - 1);
    if (!pick(std::stol(task.path().filename().string()), name)) continue;
    std::istringstream rest(stat.substr(close + 2));
    std::string field;
    unsigned long long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && rest >> field; ++i) {  // fields 14 and 15: utime, stime
      if (i == 14) utime = std::stoull(field);
      if (i == 15) stime = std::stoull(field);
    }
    total += static_cast<double>(utime + stime) / ticks;
  }
  return total;
}

// The scheduler's account of one of this process's threads (/proc/self/task/TID/schedstat: CPU
// time, time runnable but waiting for a CPU, timeslices; status: voluntary and involuntary
// context switches), to find where a pipeline waits on itself.
struct TaskSched {
  std::string name;
  uint64_t cpu_ns = 0, wait_ns = 0, slices = 0, voluntary = 0, involuntary = 0;
};

std::map<long, TaskSched> TasksOfSelf() {
  std::map<long, TaskSched> out;
  std::error_code ec;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task", ec)) {
    TaskSched t;
    std::ifstream sched(task.path() / "schedstat");
    if (!(sched >> t.cpu_ns >> t.wait_ns >> t.slices)) continue;
    std::ifstream comm(task.path() / "comm");
    std::getline(comm, t.name);
    std::ifstream status(task.path() / "status");
    for (std::string line; std::getline(status, line);) {
      if (line.starts_with("voluntary_ctxt_switches:")) {
        t.voluntary = std::stoull(line.substr(line.find(':') + 1));
      } else if (line.starts_with("nonvoluntary_ctxt_switches:")) {
        t.involuntary = std::stoull(line.substr(line.find(':') + 1));
      }
    }
    out[std::stol(task.path().filename().string())] = t;
  }
  return out;
}

// Per thread name over the run (threads alive at `after`): CPU, run-queue wait, the rest of the
// run's wall time asleep (blocked on a lock, a condition, a poll, I/O), switches. On stderr.
void PrintTasks(const std::map<long, TaskSched>& before, const std::map<long, TaskSched>& after,
                double seconds) {
  struct Sum {
    int threads = 0;
    double cpu = 0, wait = 0, asleep = 0;
    uint64_t slices = 0, voluntary = 0, involuntary = 0;
  };
  std::map<std::string, Sum> by_name;
  for (const auto& [tid, a] : after) {
    TaskSched b;
    if (auto it = before.find(tid); it != before.end()) b = it->second;
    Sum& s = by_name[a.name];
    ++s.threads;
    const double cpu = static_cast<double>(a.cpu_ns - b.cpu_ns) / 1e9;
    const double wait = static_cast<double>(a.wait_ns - b.wait_ns) / 1e9;
    s.cpu += cpu;
    s.wait += wait;
    s.asleep += std::max(0.0, seconds - cpu - wait);
    s.slices += a.slices - b.slices;
    s.voluntary += a.voluntary - b.voluntary;
    s.involuntary += a.involuntary - b.involuntary;
  }
  std::fprintf(stderr,
               "threads over %.1f s (/proc/self/task/*/schedstat, status; asleep = wall - CPU - "
               "run-queue wait, per thread summed):\n  %-16s %3s %8s %8s %8s %9s %9s %9s\n",
               seconds, "name", "n", "CPU s", "wait s", "asleep s", "slices", "voluntary",
               "involunt.");
  for (const auto& [name, s] : by_name) {
    std::fprintf(stderr, "  %-16s %3d %8.2f %8.2f %8.2f %9llu %9llu %9llu\n", name.c_str(),
                 s.threads, s.cpu, s.wait, s.asleep, static_cast<unsigned long long>(s.slices),
                 static_cast<unsigned long long>(s.voluntary),
                 static_cast<unsigned long long>(s.involuntary));
  }
}

struct Settings {
  std::string dir;
  double rate = 2000;
  synth::Options school;
  bool live_replica = false;
  size_t verify_threads = 0;
  // The catch-up replica's pipeline (ReplicaOptions; 0: its default).
  size_t verify_batch = 0, verify_ahead = 0, apply_ahead = 0, max_batch = 0;
  std::vector<std::string> replica_options;  // librdkafka consumer properties, name=value
  std::string catchup_from;
  uint64_t limit = 0;
  uint64_t ahead = 8000;
  bool writer = false;  // catch-up: a writer admits the entries instead of a replica
  bool census = false;  // catch-up: count the keys and bytes the ledger's batches wrote
  // catch-up: the rate and CPU are over the entries after this many (reached untimed first)
  uint64_t timed_after = 0;
  std::string linger_ms;                   // the relay's linger.ms ("": its default)
  std::vector<std::string> relay_options;  // more librdkafka properties of the relay, name=value
  int idle_poll_ms = ReplicatorOptions{}.idle_poll_ms;
};

// Where a catch-up run's timed part starts: the run's start, or the moment its first
// `--timed-after` entries are in (so that the rate is over the entries after them only).
struct Window {
  Steady::time_point start;
  std::map<long, TaskSched> tasks;
  double cpu = 0;         // the process's
  double feeder_cpu = 0;  // the main thread's (the replica run's feeder)
  double broker_cpu = 0;  // the mock cluster's threads

  static Window Now() {
    Window w;
    w.start = Steady::now();
    w.tasks = TasksOfSelf();
    w.cpu = ProcessCpuSeconds();
    w.feeder_cpu = FeederCpuSeconds();
    w.broker_cpu = BrokerCpuSeconds();
    return w;
  }
  static double FeederCpuSeconds() {
    return ThreadsCpuSeconds(
        [](long tid, std::string_view) { return tid == static_cast<long>(getpid()); });
  }
  static double BrokerCpuSeconds() {
    return ThreadsCpuSeconds([](long, std::string_view name) { return name == "rdk:mock"; });
  }
};

// The timed window: the run's start, moved to the moment Reached is first called with at least
// `after` entries in (appended durably, or applied by the replica). Thread-safe.
class WindowMark {
 public:
  explicit WindowMark(uint64_t after) : after_(after), window_(Window::Now()) {}
  // Call with the count of entries in; the first call at or beyond `after` marks the start.
  void Reached(uint64_t count) {
    if (after_ == 0 || count < after_ || marked_.exchange(true)) return;
    Window w = Window::Now();
    MutexLock lock(&mu_);
    window_ = std::move(w);
  }
  Window window() const {
    MutexLock lock(&mu_);
    return window_;
  }
  uint64_t timed(uint64_t n) const { return n - std::min(after_, n); }

 private:
  const uint64_t after_;
  std::atomic<bool> marked_{false};
  mutable Mutex mu_;
  Window window_ ABSL_GUARDED_BY(mu_);
};

// One generated group, signed: the events recorded at one instant.
struct SignedGroup {
  int64_t at_us = 0;
  std::vector<std::string> events;
};

// The whole year, signed on every core (before the timed window).
Result<std::vector<SignedGroup>> SignYear(const synth::Options& options, const NodeIdentity& node) {
  synth::SchoolGenerator generator(options, node.credential_id, node.key);
  std::vector<SignedGroup> out;
  std::vector<synth::Event> group;
  std::vector<std::vector<synth::Event>> groups;
  while (generator.NextGroup(group)) groups.push_back(group);
  out.resize(groups.size());
  std::atomic<size_t> next{0};
  Status failed;  // under mu while the threads run
  Mutex mu;
  auto work = [&] {
    for (size_t g = next++; g < groups.size(); g = next++) {
      out[g].at_us = groups[g].front().record_at_us;
      for (const synth::Event& e : groups[g]) {
        auto bytes = SignEvent(e.body, *e.key);
        if (!bytes) {
          MutexLock lock(&mu);
          failed = bytes.error();
          return;
        }
        out[g].events.push_back(std::move(*bytes));
      }
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < std::max(1u, std::thread::hardware_concurrency()); ++t) {
    pool.emplace_back(work);
  }
  work();
  for (auto& t : pool) t.join();
  if (!failed.ok()) return Err(failed);
  return out;
}

// Starts a replica from nothing on `topic`, waits until it holds `n` entries; events/s.
Result<double> FromZero(const std::string& path, const std::string& origin,
                        const std::string& verifier_key, const kafka::Properties& kafka,
                        const std::string& topic, uint64_t n, size_t verify_threads) {
  std::filesystem::remove_all(path);
  EJ_ASSIGN_OR_RETURN(ReplicaStore store, OpenReplicaStore(path, origin, verifier_key));
  ReplicaOptions options;
  options.topic = topic;
  options.kafka = kafka;
  options.source_verifier_key = verifier_key;
  options.verify_threads = verify_threads;
  const auto start = Steady::now();
  EJ_ASSIGN_OR_RETURN(auto replica,
                      Replica::Start(store.ledger.get(), store.admission.get(), options));
  EJ_RETURN_IF_ERROR(replica->WaitApplied(n, std::chrono::minutes(30)));
  const double seconds = Seconds(Steady::now() - start);
  replica.reset();
  return static_cast<double>(n) / seconds;
}

// Positions over time: (position, when it was first seen there), in order.
using Samples = std::vector<std::pair<uint64_t, Steady::time_point>>;

// The relay's options: the mock cluster, then --linger-ms and each --relay-option.
Result<ReplicatorOptions> RelayOptions(const Settings& settings, const std::string& topic,
                                       const kafka::Properties& servers) {
  ReplicatorOptions relay_options;
  relay_options.topic = topic;
  relay_options.kafka = servers;
  relay_options.idle_poll_ms = settings.idle_poll_ms;
  if (!settings.linger_ms.empty()) relay_options.kafka["linger.ms"] = settings.linger_ms;
  for (const std::string& option : settings.relay_options) {
    const size_t eq = option.find('=');
    if (eq == std::string::npos) return Err(InvalidArgument("--relay-option wants name=value"));
    relay_options.kafka[option.substr(0, eq)] = option.substr(eq + 1);
  }
  return relay_options;
}

// With --live-replica, a replica following the writer live (as a read replica in production
// does, but here on the same cores): the end-to-end lag from an append's acknowledgement to the
// replica having applied it. The replica goes before its store.
struct LiveReplica {
  std::optional<ReplicaStore> store;
  std::unique_ptr<Replica> replica;
};

Status StartLiveReplica(const Settings& settings, const std::string& path,
                        const std::string& origin, const std::string& verifier_key,
                        const std::string& topic, const kafka::Properties& servers,
                        LiveReplica& live) {
  EJ_ASSIGN_OR_RETURN(ReplicaStore store, OpenReplicaStore(path, origin, verifier_key));
  live.store.emplace(std::move(store));
  ReplicaOptions live_options;
  live_options.topic = topic;
  live_options.kafka = servers;
  live_options.source_verifier_key = verifier_key;
  live_options.verify_threads = settings.verify_threads;
  EJ_ASSIGN_OR_RETURN(live.replica, Replica::Start(live.store->ledger.get(),
                                                   live.store->admission.get(), live_options));
  return Status::Ok();
}

// The relay's positions (handed to the producer, confirmed) and the live replica's size (when
// `live` is given) over time, sampled every 200 µs by a thread of its own until Stop.
class PositionSampler {
 public:
  PositionSampler(const Replicator& relay, const Ledger* live)
      : thread_([this, &relay, live] { Run(relay, live); }) {}
  ~PositionSampler() { Stop(); }
  PositionSampler(const PositionSampler&) = delete;
  PositionSampler& operator=(const PositionSampler&) = delete;

  void Stop() {
    done_ = true;
    if (thread_.joinable()) thread_.join();
  }

  // The sampler thread's until Stop() joins it: read (and extended) after Stop.
  Samples confirmations;
  Samples applications;  // the live replica's
  Samples productions;   // handed to the producer

 private:
  void Run(const Replicator& relay, const Ledger* live) {
    uint64_t last = 0, last_applied = 0, last_produced = 0;
    while (!done_.load()) {
      const ReplicatorStats rs = relay.stats();
      const uint64_t c = rs.confirmed;
      const uint64_t a = live != nullptr ? live->size() : 0;
      if (rs.produced > last_produced) {
        productions.emplace_back(rs.produced, Steady::now());
        last_produced = rs.produced;
      }
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
  }

  std::atomic<bool> done_{false};
  std::thread thread_;  // last: it starts once the members above exist
};

// The timed window: admission (every rule, the signature) and the append of each group, paced
// to `rate` from `start`. Groups are queued without waiting for the previous one (AppendAsync),
// as the service's many clients do, so the writer's group commits (one fsync each) are shared;
// each entry's acknowledgement time is taken in its completion callback. As queued groups may
// share a group commit, each entry carries its generated time (AppendRequest::presequenced: the
// writer admits it at that time and records it; the clock follows for the checkpoints). Gives
// (sequence, acknowledged) of each entry; every queued append has completed when it returns.
Result<Samples> AppendPaced(const std::vector<SignedGroup>& year, tools::SchoolLedger& writer,
                            synth::SettableClock& clock, double rate, Steady::time_point start) {
  Mutex ack_mu;
  std::condition_variable ack_cv;
  Samples acks;              // guarded by ack_mu
  uint64_t outstanding = 0;  // guarded by ack_mu
  Status append_failed;      // guarded by ack_mu
  uint64_t submitted = 0;
  uint64_t sequenced = writer.ledger->size();
  auto wait_outstanding = [&](uint64_t at_most) {
    UniqueLock lock(&ack_mu);
    lock.Wait(ack_cv, [&] { return outstanding <= at_most; });
    return append_failed;
  };
  // Every queued append completes before a failure returns (the callbacks use these locals).
  auto fail = [&](const Status& st) -> Result<Samples> {
    (void)wait_outstanding(0);
    return Err(st);
  };
  for (const SignedGroup& group : year) {
    clock.Set(group.at_us);
    std::vector<AppendRequest> requests;
    requests.reserve(group.events.size());
    for (const std::string& bytes : group.events) {
      auto checked = writer.admission->Check(bytes, group.at_us);
      if (!checked) {
        // A credential issued by an event still queued: wait for the queue, then again.
        if (Status st = wait_outstanding(0); !st.ok()) return Err(st);
        checked = writer.admission->Check(bytes, group.at_us);
        if (!checked) return fail(checked.error());
      }
      checked->presequenced = AppendRequest::Presequenced{++sequenced, group.at_us};
      requests.push_back(std::move(*checked));
    }
    {
      MutexLock lock(&ack_mu);
      outstanding += requests.size();
    }
    for (AppendRequest& request : requests) {
      writer.ledger->AppendAsync(std::move(request), [&](Result<AppendResult> r) {
        const auto now = Steady::now();
        MutexLock lock(&ack_mu);
        if (!r) {
          if (append_failed.ok()) append_failed = r.error();
        } else {
          acks.emplace_back(r->sequence, now);
        }
        --outstanding;
        ack_cv.notify_all();
      });
    }
    submitted += group.events.size();
    if (Status st = wait_outstanding(50'000); !st.ok()) return fail(st);
    const auto due =
        start + std::chrono::duration_cast<Steady::duration>(
                    std::chrono::duration<double>(static_cast<double>(submitted) / rate));
    std::this_thread::sleep_until(due);
  }
  if (Status st = wait_outstanding(0); !st.ok()) return Err(st);
  return acks;
}

// For each acknowledged entry (`acks` sorted), the milliseconds to the first sample at or beyond
// it.
std::vector<double> LagsMs(const Samples& acks, const Samples& samples) {
  std::vector<double> out;
  size_t c = 0;
  for (const auto& [size, acked] : acks) {
    while (c < samples.size() && samples[c].first < size) ++c;
    if (c == samples.size()) break;
    out.push_back(std::max(
        0.0, std::chrono::duration<double, std::milli>(samples[c].second - acked).count()));
  }
  return out;
}

// The lag rows: to the relay's confirmation, to the producer, and (with a live replica, whose
// run took `live_seconds`) to the live replica's apply.
void PrintLags(const Settings& settings, const Replicator& relay, const PositionSampler& positions,
               const Samples& acks, uint64_t n, double append_seconds, double live_seconds) {
  std::vector<double> lag_ms = LagsMs(acks, positions.confirmations);
  std::vector<double> live_ms = LagsMs(acks, positions.applications);
  std::vector<double> produced_ms = LagsMs(acks, positions.productions);
  const double p50 = Percentile(lag_ms, 50), p99 = Percentile(lag_ms, 99),
               max = Percentile(lag_ms, 100);
  std::printf(
      "| replication lag (append ack → confirmed, acks=all, mock cluster) | %llu events at %.0f "
      "events/s (asked %.0f), %zu entries | p50 %.1f ms, p99 %.1f ms, max %.1f ms |\n",
      static_cast<unsigned long long>(n), static_cast<double>(n) / append_seconds, settings.rate,
      lag_ms.size(), p50, p99, max);
  {
    const ReplicatorStats rs = relay.stats();
    if (rs.failures > 0 || rs.rewinds > 0) {
      std::fprintf(stderr, "relay: %llu failures, %llu rewinds, last error: %s\n",
                   static_cast<unsigned long long>(rs.failures),
                   static_cast<unsigned long long>(rs.rewinds), rs.last_error.c_str());
    }
  }
  std::printf(
      "| of which: append ack → handed to the producer (the relay noticing and reading) | same "
      "run | p50 %.1f ms, p99 %.1f ms, max %.1f ms |\n",
      Percentile(produced_ms, 50), Percentile(produced_ms, 99), Percentile(produced_ms, 100));
  if (settings.live_replica) {
    std::printf(
        "| end-to-end lag (append ack → applied by a live replica in the same process) | %llu "
        "events, writer ingest %.0f events/s, replica done %.2f s after the first append (writer "
        "%.2f s) | p50 %.1f ms, p99 %.1f ms, max %.1f ms |\n",
        static_cast<unsigned long long>(n), static_cast<double>(n) / append_seconds, live_seconds,
        append_seconds, Percentile(live_ms, 50), Percentile(live_ms, 99), Percentile(live_ms, 100));
  }
}

// The sizing inputs (docs/SCALING.md): bytes per entry (the stream's payload) and events per
// school day (distinct UTC days of the recorded-at times, which follow the generated school
// days), and the writer's data directory on disk per entry.
Status PrintSizingInputs(const Ledger& ledger, const std::string& writer_dir, uint64_t n) {
  uint64_t entry_bytes = 0;
  std::set<int64_t> days;
  for (uint64_t seq = 1; seq <= n; ++seq) {
    EJ_ASSIGN_OR_RETURN(std::string bytes, ledger.Entry(seq));
    entry_bytes += bytes.size();
    v1::LedgerEntry entry;
    if (entry.ParseFromString(bytes)) days.insert(entry.recorded_at_us() / 86'400'000'000LL);
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
  return Status::Ok();
}

// A replica from nothing, on the whole topic: one verifying thread, then the asked number.
Status PrintFromZero(const Settings& settings, const std::string& origin,
                     const std::string& verifier_key, const kafka::Properties& servers,
                     const std::string& topic, uint64_t n) {
  std::vector<size_t> thread_counts = {1};
  const size_t many = settings.verify_threads == 0
                          ? std::max(1u, std::thread::hardware_concurrency())
                          : settings.verify_threads;
  if (many != 1) thread_counts.push_back(many);
  for (size_t threads : thread_counts) {
    EJ_ASSIGN_OR_RETURN(double rate, FromZero(settings.dir + "/replica", origin, verifier_key,
                                              servers, topic, n, threads));
    std::printf(
        "| replica apply from zero (verify + rules + views, group commits) | %llu events, %zu "
        "verifying thread(s) | %.0f events/s (%.2f s) |\n",
        static_cast<unsigned long long>(n), threads, rate, static_cast<double>(n) / rate);
    std::fflush(stdout);
  }
  return Status::Ok();
}

// The lag run (see the top of the file).
int Lag(const Settings& settings) {
  const std::string& dir = settings.dir;
  const std::string origin = "ejournal.bench/ledger/1";
  const std::string topic = "ejournal.bench.1";
  std::filesystem::remove_all(dir);
  auto kafka = EmbeddedKafka::Create();
  if (!kafka) return Fail(kafka.error());
  if (Status st = (*kafka)->CreateTopic(topic); !st.ok()) return Fail(st);
  const std::string writer_dir = dir + "/writer";
  auto node = tools::CreateDataDir(writer_dir, origin);
  if (!node) return Fail(node.error());
  auto year = SignYear(settings.school, *node);
  if (!year) return Fail(year.error());
  synth::SettableClock clock;
  auto writer = tools::OpenSchoolLedger(
      writer_dir, tools::OpenSchoolOptions{
                      .clock = &clock, .node = &*node, .origin = origin, .catch_up = true});
  if (!writer) return Fail(writer.error());
  const kafka::Properties servers = {{"bootstrap.servers", (*kafka)->bootstrap_servers()}};
  auto relay_options = RelayOptions(settings, topic, servers);
  if (!relay_options) return Fail(relay_options.error());
  auto relay = Replicator::Start(writer->ledger.get(), *relay_options);
  if (!relay) return Fail(relay.error());
  LiveReplica live;
  if (settings.live_replica) {
    Status st = StartLiveReplica(settings, dir + "/live", origin, node->VerifierKey(), topic,
                                 servers, live);
    if (!st.ok()) return Fail(st);
  }
  PositionSampler positions(**relay, live.store ? live.store->ledger.get() : nullptr);

  const auto start = Steady::now();
  auto acks = AppendPaced(*year, *writer, clock, settings.rate, start);
  if (!acks) return Fail(acks.error());
  const double append_seconds = Seconds(Steady::now() - start);
  const uint64_t n = writer->ledger->size();
  if (Status st = (*relay)->WaitConfirmed(n, std::chrono::minutes(10)); !st.ok()) return Fail(st);
  if (live.replica) {
    if (Status st = live.replica->WaitApplied(n, std::chrono::minutes(10)); !st.ok()) {
      return Fail(st);
    }
  }
  const double live_seconds = Seconds(Steady::now() - start);
  positions.Stop();
  {
    // The positions reached between the sampler's last look and the waits' return.
    const auto now = Steady::now();
    if (positions.confirmations.empty() || positions.confirmations.back().first < n) {
      positions.confirmations.emplace_back(n, now);
    }
    if (live.replica &&
        (positions.applications.empty() || positions.applications.back().first < n)) {
      positions.applications.emplace_back(n, now);
    }
  }
  if (acks->size() != n) {
    return Fail(
        Internal("acknowledged " + std::to_string(acks->size()) + " of " + std::to_string(n)));
  }
  std::sort(acks->begin(), acks->end());
  PrintLags(settings, **relay, positions, *acks, n, append_seconds, live_seconds);
  live.replica.reset();
  std::fflush(stdout);

  if (Status st = PrintSizingInputs(*writer->ledger, writer_dir, n); !st.ok()) return Fail(st);
  relay->reset();
  writer->ledger.reset();  // its writer thread takes no more CPU
  if (Status st = PrintFromZero(settings, origin, node->VerifierKey(), servers, topic, n);
      !st.ok()) {
    return Fail(st);
  }
  return 0;
}

// The same entries admitted by a writer (`--writer`, see the top of the file).
int WriterIngest(const Settings& settings, Ledger& source, const std::string& verifier_key,
                 uint64_t n) {
  auto store = OpenReplicaStore(settings.dir + "/writer", source.origin(), verifier_key);
  if (!store) return Fail(store.error());
  size_t threads = settings.verify_threads;
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  constexpr size_t kChunk = 1024;
  struct Item {
    uint64_t sequence = 0;
    std::string entry;
    std::optional<Result<AppendRequest>> request;
  };
  Mutex mu;
  std::condition_variable cv;
  uint64_t queued = 0, answered = 0;  // guarded by mu
  Status failed;                      // guarded by mu
  std::vector<Item> chunk;
  chunk.reserve(kChunk);
  const Admission& admission = *store->admission;
  WindowMark mark(settings.timed_after);
  auto check_and_queue = [&]() -> bool {
    std::atomic<size_t> next{0};
    auto work = [&] {
      for (size_t i = next++; i < chunk.size(); i = next++) {
        v1::LedgerEntry entry;
        if (!entry.ParseFromString(chunk[i].entry)) {
          chunk[i].request = Err(DataLoss("entry does not parse"));
          continue;
        }
        chunk[i].request =
            admission.Check(entry.event().SerializeAsString(), entry.recorded_at_us());
        if (*chunk[i].request) {
          (*chunk[i].request)->presequenced =
              AppendRequest::Presequenced{chunk[i].sequence, entry.recorded_at_us()};
        }
      }
    };
    std::vector<std::thread> pool;
    for (size_t t = 1; t < threads; ++t) pool.emplace_back(work);
    work();
    for (auto& t : pool) t.join();
    for (Item& item : chunk) {
      if (!*item.request) {
        // A credential issued by an entry not yet applied: check again once it is.
        {
          UniqueLock lock(&mu);
          lock.Wait(cv, [&] { return answered == queued || !failed.ok(); });
        }
        v1::LedgerEntry entry;
        (void)entry.ParseFromString(item.entry);
        item.request = admission.Check(entry.event().SerializeAsString(), entry.recorded_at_us());
        if (!*item.request) {
          (void)Fail(item.request->error().WithContext("entry " + std::to_string(item.sequence)));
          return false;
        }
        (*item.request)->presequenced =
            AppendRequest::Presequenced{item.sequence, entry.recorded_at_us()};
      }
      {
        UniqueLock lock(&mu);
        lock.Wait(cv, [&] { return queued - answered < settings.ahead || !failed.ok(); });
        if (!failed.ok()) return false;
        ++queued;
      }
      store->ledger->AppendAsync(
          std::move(**item.request), [&, seq = item.sequence](Result<AppendResult> r) {
            mark.Reached(seq);
            MutexLock lock(&mu);
            ++answered;
            if ((!r || r->sequence != seq) && failed.ok()) {
              failed = r ? Internal("entry " + std::to_string(seq) + " was appended as " +
                                    std::to_string(r->sequence))
                         : r.error().WithContext("entry " + std::to_string(seq));
            }
            cv.notify_all();
          });
    }
    chunk.clear();
    return true;
  };
  bool ok = true;
  Status read = source.ForEachEntry(1, [&](uint64_t seq, std::string_view bytes) {
    if (seq > n) return false;
    chunk.push_back(Item{seq, std::string(bytes), std::nullopt});
    if (chunk.size() == kChunk) ok = check_and_queue();
    if (ok && seq % 500'000 == 0) {
      std::fprintf(stderr, "  queued %llu after %.0f s\n", static_cast<unsigned long long>(seq),
                   Seconds(Steady::now() - mark.window().start));
    }
    return ok;
  });
  if (ok && !chunk.empty()) ok = check_and_queue();
  {
    UniqueLock lock(&mu);
    lock.Wait(cv, [&] { return answered == queued; });
  }
  const Window window = mark.window();
  const double seconds = Seconds(Steady::now() - window.start);
  // The verifying threads of each chunk have ended: their CPU is the process's less these rows.
  PrintTasks(window.tasks, TasksOfSelf(), seconds);
  const double cpu = ProcessCpuSeconds() - window.cpu;
  const uint64_t timed = mark.timed(n);
  if (!read.ok()) return Fail(read);
  if (!ok) return 1;
  if (!failed.ok()) return Fail(failed);
  if (store->ledger->size() != n) {
    return Fail(Internal("the writer holds " + std::to_string(store->ledger->size()) +
                         " entries, not " + std::to_string(n)));
  }
  const LedgerStats ledger_stats = store->ledger->stats();
  std::printf(
      "| writer ingest of the same entries (decode, credential, signature on %zu thread(s); rules, "
      "fold, views, group commits; no HTTP, no Kafka) | %llu events (timed: the last %llu), at "
      "most %llu queued, %llu group commits | %.0f events/s (%.1f s), CPU %.1f s: %.1f us an "
      "event |\n",
      threads, static_cast<unsigned long long>(n), static_cast<unsigned long long>(timed),
      static_cast<unsigned long long>(settings.ahead),
      static_cast<unsigned long long>(ledger_stats.groups), static_cast<double>(timed) / seconds,
      seconds, cpu, cpu * 1e6 / static_cast<double>(timed));
  return 0;
}

// What the ledger's group commits wrote, read back from its write-ahead log
// (`--census`): puts, key bytes and value bytes per column family (and per view kind, by the key's
// first byte: projections/views.h), and the batches. Only what the live WAL still holds is
// counted (a memtable flush retires its files), so the census says how many entries it covered.
void PrintCensus(const Ledger& ledger) {
  struct Count {
    uint64_t puts = 0, key_bytes = 0, value_bytes = 0;
  };
  class Handler final : public rocksdb::WriteBatch::Handler {
   public:
    explicit Handler(const Ledger& ledger) {
      const auto& cf = ledger.column_families();
      names_[cf.entries->GetID()] = "entries";
      names_[cf.event_ids->GetID()] = "event_ids";
      names_[cf.nodes->GetID()] = "nodes (tree tiles)";
      names_[cf.checkpoints->GetID()] = "checkpoints";
      names_[cf.meta->GetID()] = "meta";
      if (cf.views != nullptr) {
        views_ = cf.views->GetID();
        names_[views_] = "views";
      }
    }
    rocksdb::Status PutCF(uint32_t cf, const rocksdb::Slice& key,
                          const rocksdb::Slice& value) override {
      std::string name = names_.count(cf) ? names_[cf] : "cf " + std::to_string(cf);
      if (cf == views_ && !key.empty()) name += " " + std::string(1, key[0]);
      Count& c = counts[name];
      ++c.puts;
      c.key_bytes += key.size();
      c.value_bytes += value.size();
      return rocksdb::Status::OK();
    }
    rocksdb::Status DeleteCF(uint32_t cf, const rocksdb::Slice& key) override {
      return PutCF(cf, key, rocksdb::Slice());
    }
    std::map<std::string, Count> counts;

   private:
    std::map<uint32_t, std::string> names_;
    uint32_t views_ = UINT32_MAX;
  };
  std::unique_ptr<rocksdb::TransactionLogIterator> it;
  rocksdb::Status s = ledger.db()->GetUpdatesSince(1, &it);
  if (!s.ok()) {
    std::fprintf(stderr, "census: %s\n", s.ToString().c_str());
    return;
  }
  Handler handler(ledger);
  uint64_t batches = 0, batch_bytes = 0;
  for (; it->Valid(); it->Next()) {
    rocksdb::BatchResult b = it->GetBatch();
    ++batches;
    batch_bytes += b.writeBatchPtr->GetDataSize();
    (void)b.writeBatchPtr->Iterate(&handler);
  }
  const uint64_t entries = handler.counts["entries"].puts;
  if (entries == 0) {
    std::fprintf(stderr, "census: the live WAL holds no entries\n");
    return;
  }
  const double per = static_cast<double>(entries);
  std::printf(
      "| census of the live WAL: %llu entries in %llu batches (%.1f KiB a batch) | puts an "
      "entry | key bytes an entry | value bytes an entry |\n|---|---|---|---|\n",
      static_cast<unsigned long long>(entries), static_cast<unsigned long long>(batches),
      static_cast<double>(batch_bytes) / 1024.0 / static_cast<double>(batches));
  Count total;
  for (const auto& [name, c] : handler.counts) {
    std::printf("| %s | %.3f | %.1f | %.1f |\n", name.c_str(), c.puts / per, c.key_bytes / per,
                c.value_bytes / per);
    total.puts += c.puts;
    total.key_bytes += c.key_bytes;
    total.value_bytes += c.value_bytes;
  }
  std::printf("| **all** (batch bytes an entry %.1f) | %.3f | %.1f | %.1f |\n",
              static_cast<double>(batch_bytes) / per, total.puts / per, total.key_bytes / per,
              total.value_bytes / per);
}

// The node's verifier key of a data directory (its node.pub).
Result<std::string> ReadVerifierKey(const std::string& data) {
  std::string verifier_key;
  std::ifstream in(tools::NodePubPath(data));
  if (!std::getline(in, verifier_key) || verifier_key.empty()) {
    return Err(NotFound("no node.pub in " + data));
  }
  return verifier_key;
}

// The catch-up replica's options: the pipeline's sizes where given (0: the replica's default),
// then each --replica-option.
Result<ReplicaOptions> CatchUpReplicaOptions(const Settings& settings, const std::string& topic,
                                             const kafka::Properties& servers,
                                             const std::string& verifier_key) {
  ReplicaOptions options;
  options.topic = topic;
  options.kafka = servers;
  options.source_verifier_key = verifier_key;
  options.verify_threads = settings.verify_threads;
  if (settings.verify_batch != 0) options.verify_batch = settings.verify_batch;
  if (settings.verify_ahead != 0) options.verify_ahead = settings.verify_ahead;
  if (settings.apply_ahead != 0) options.apply_ahead = settings.apply_ahead;
  if (settings.max_batch != 0) options.max_batch = settings.max_batch;
  for (const std::string& kv : settings.replica_options) {
    const size_t eq = kv.find('=');
    if (eq == std::string::npos) return Err(InvalidArgument("--replica-option " + kv));
    options.kafka[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return options;
}

// Marks the start of the timed part on `mark` once `replica` has applied the first `after`
// entries (nothing when `after` is 0 or not below `n`), from a thread of its own. Destroy it
// before the replica: it stops the thread.
class AppliedMarker {
 public:
  AppliedMarker(Replica* replica, WindowMark& mark, uint64_t after, uint64_t n) {
    if (after > 0 && after < n) {
      thread_ = std::thread([this, replica, &mark, after] {
        while (!stop_.load()) {
          const Status s = replica->WaitApplied(after, std::chrono::milliseconds(100));
          if (s.ok()) mark.Reached(after);
          if (s.code() != StatusCode::kUnavailable) return;  // reached, or halted
        }
      });
    }
  }
  ~AppliedMarker() {
    stop_ = true;
    Join();
  }
  AppliedMarker(const AppliedMarker&) = delete;
  AppliedMarker& operator=(const AppliedMarker&) = delete;

  // Waits for the thread's end (it ends once the entries are applied, or the replica halted).
  void Join() {
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// The feeder: the first `n` entries of `source` and its checkpoints, in the relay's order and
// message format, produced to `topic` at most `ahead` messages beyond what `replica` has read.
// Counts in `stalls` the 5 ms waits for the replica. Stops early, with no error, when the replica
// halts.
Status Feed(const Ledger& source, uint64_t n, const Replica& replica, rd_kafka_t* producer,
            const std::string& topic, uint64_t ahead, const WindowMark& mark, uint64_t& stalls) {
  std::unique_ptr<rocksdb::Iterator> checkpoints(
      source.db()->NewIterator(rocksdb::ReadOptions(), source.column_families().checkpoints));
  checkpoints->SeekToFirst();
  int64_t produced = 0;  // messages, = the next offset
  Status failed;
  auto produce = [&](const replication::Message& m) -> bool {
    // Flow control: at most `ahead` messages beyond what the replica has read.
    while (produced - replica.stats().read_offset > static_cast<int64_t>(ahead)) {
      if (replica.stats().halted) return false;
      ++stalls;
      // `ahead` messages are a second's work or more: waking every 5 ms keeps the replica fed
      // (every 1 ms was ~27,000 wake-ups of the feeder on 200,000 entries).
      rd_kafka_poll(producer, 5);
    }
    for (;;) {
      rd_kafka_resp_err_t err = kafka::Produce(producer, topic, 0, m, nullptr);
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
      if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        failed = kafka::FromKafka(err, "producing");
        return false;
      }
      rd_kafka_poll(producer, 10);
    }
    ++produced;
    rd_kafka_poll(producer, 0);
    return true;
  };
  uint64_t last_report = 0;
  Status read = source.ForEachEntry(1, [&](uint64_t seq, std::string_view bytes) {
    if (seq > n) return false;
    if (!produce(replication::EntryMessage(seq, bytes))) return false;
    // Checkpoint S right after entry S, as the relay orders them.
    while (checkpoints->Valid()) {
      const uint64_t size = storage::DecodeBigEndian64(
          std::string_view(checkpoints->key().data(), checkpoints->key().size()));
      if (size > seq) break;
      if (size == seq &&
          !produce(replication::CheckpointMessage(
              size, std::string_view(checkpoints->value().data(), checkpoints->value().size())))) {
        return false;
      }
      checkpoints->Next();
    }
    if (seq - last_report >= 500'000) {
      last_report = seq;
      const auto s = replica.stats();
      std::fprintf(stderr, "  fed %llu, applied %llu after %.0f s\n",
                   static_cast<unsigned long long>(seq), static_cast<unsigned long long>(s.applied),
                   Seconds(Steady::now() - mark.window().start));
    }
    return true;
  });
  if (!read.ok()) return read;
  return failed;
}

// Where the replica's pipeline spent its time, on stderr.
void PrintPipeline(const ReplicaStats& stats) {
  const ReplicaPipelineStats& p = stats.pipeline;
  std::fprintf(stderr,
               "replica pipeline: %llu batches read (%.0f messages each), %llu groups handed "
               "to the ledger, %llu credential re-checks, %llu messages verified by the "
               "consumer thread; the consumer thread: reading %.2f s, "
               "verifying %.2f s, in order %.2f s, waiting for the applier %.2f s, draining "
               "%.2f s; the applier idle %.2f s\n",
               static_cast<unsigned long long>(p.batches),
               p.batches ? static_cast<double>(stats.messages) / p.batches : 0.0,
               static_cast<unsigned long long>(p.groups),
               static_cast<unsigned long long>(p.rechecks),
               static_cast<unsigned long long>(p.helped), p.reading_s, p.verifying_s, p.handling_s,
               p.waiting_s, p.draining_s, p.apply_idle_s);
}

// The catch-up of a long ledger (see the top of the file).
int CatchUp(const Settings& settings) {
  const std::string& dir = settings.dir;
  const std::string topic = "ejournal.catchup.1";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto verifier_key = ReadVerifierKey(settings.catchup_from);
  if (!verifier_key) return Fail(verifier_key.error());
  LedgerOptions lo;
  lo.path = tools::LedgerPath(settings.catchup_from);
  lo.read_only = true;  // never a second writer on someone else's ledger
  auto source = Ledger::Open(lo);
  if (!source) return Fail(source.error());
  const uint64_t n =
      settings.limit == 0 ? (*source)->size() : std::min(settings.limit, (*source)->size());
  const std::string origin = (*source)->origin();
  if (settings.timed_after >= n) {
    return Fail(InvalidArgument("--timed-after " + std::to_string(settings.timed_after) +
                                " leaves nothing of the " + std::to_string(n) +
                                " entries to time"));
  }
  if (settings.writer) return WriterIngest(settings, **source, *verifier_key, n);

  auto kafka = EmbeddedKafka::Create();
  if (!kafka) return Fail(kafka.error());
  if (Status st = (*kafka)->CreateTopic(topic); !st.ok()) return Fail(st);
  const kafka::Properties servers = {{"bootstrap.servers", (*kafka)->bootstrap_servers()}};

  auto store = OpenReplicaStore(dir + "/replica", origin, *verifier_key);
  if (!store) return Fail(store.error());
  auto options = CatchUpReplicaOptions(settings, topic, servers, *verifier_key);
  if (!options) return Fail(options.error());
  WindowMark mark(settings.timed_after);
  auto replica = Replica::Start(store->ledger.get(), store->admission.get(), *options);
  if (!replica) return Fail(replica.error());
  // The timed part starts once the replica has applied the first `--timed-after` entries.
  AppliedMarker marker(replica->get(), mark, settings.timed_after, n);

  // The feeder: the relay's producer settings and message format, flow-controlled.
  auto conf = kafka::MakeConf(
      {{"linger.ms", "5"}, {"queue.buffering.max.kbytes", "1048576"}, {"log_level", "4"}},
      {{"bootstrap.servers", (*kafka)->bootstrap_servers()},
       {"enable.idempotence", "true"},
       {"acks", "all"}});
  if (!conf) return Fail(conf.error());
  auto producer = kafka::NewHandle(RD_KAFKA_PRODUCER, std::move(*conf));
  if (!producer) return Fail(producer.error());
  uint64_t stalls = 0;
  if (Status st =
          Feed(**source, n, **replica, producer->get(), topic, settings.ahead, mark, stalls);
      !st.ok()) {
    return Fail(st);
  }
  Status applied = (*replica)->WaitApplied(n, std::chrono::hours(3));
  marker.Join();  // it has marked the start if n were applied
  const Window last = Window::Now();
  const Window window = mark.window();
  const double seconds = Seconds(last.start - window.start);
  PrintTasks(window.tasks, last.tasks, seconds);
  PrintPipeline((*replica)->stats());
  if (!applied.ok()) return Fail(applied);
  (void)rd_kafka_flush(producer->get(), 10'000);
  const double cpu = last.cpu - window.cpu;
  // What the feeder (this thread: reading the source ledger, the messages' leaf hashes, producing)
  // and the mock broker took of it: work that a replica's machine does not do in a deployment.
  const double feeder_cpu = last.feeder_cpu - window.feeder_cpu;
  const double broker_cpu = last.broker_cpu - window.broker_cpu;
  const uint64_t timed = mark.timed(n);
  const ReplicaStats stats = (*replica)->stats();
  replica->reset();
  const LedgerStats ledger_stats = store->ledger->stats();
  if (settings.census) PrintCensus(*store->ledger);
  std::printf(
      "| replica catch-up from zero, fed from a ledger (verify + rules + views, group commits) | "
      "%llu events (timed: the last %llu), %llu checkpoints, %zu verifying thread(s) (0: one per "
      "core), feeder at most %llu messages ahead (%llu stalls of 5 ms), %llu group commits | "
      "%.0f events/s (%.1f s), CPU %.1f s: %.1f us an event, of it the feeder %.1f us and the "
      "mock broker %.1f us, the replica's threads %.1f us |\n",
      static_cast<unsigned long long>(n), static_cast<unsigned long long>(timed),
      static_cast<unsigned long long>(stats.checkpoints), settings.verify_threads,
      static_cast<unsigned long long>(settings.ahead), static_cast<unsigned long long>(stalls),
      static_cast<unsigned long long>(ledger_stats.groups), static_cast<double>(timed) / seconds,
      seconds, cpu, cpu * 1e6 / static_cast<double>(timed),
      feeder_cpu * 1e6 / static_cast<double>(timed), broker_cpu * 1e6 / static_cast<double>(timed),
      (cpu - feeder_cpu - broker_cpu) * 1e6 / static_cast<double>(timed));
  return 0;
}

}  // namespace
}  // namespace ejournal

int main(int argc, char** argv) {
  CLI::App app{"replication_bench: replication lag and replica apply rate"};
  ejournal::Settings settings;
  auto& options = settings.school;
  options.classes = 5;
  options.students = 120;
  options.teachers = 12;
  options.weeks = 3;
  app.add_option("--dir", settings.dir, "a scratch directory (deleted first)")->required();
  app.add_option("--rate", settings.rate, "events per second to append")->capture_default_str();
  app.add_option("--classes", options.classes, "classes")->capture_default_str();
  app.add_option("--students", options.students, "students")->capture_default_str();
  app.add_option("--teachers", options.teachers, "teachers")->capture_default_str();
  app.add_option("--weeks", options.weeks, "study weeks")->capture_default_str();
  app.add_flag("--live-replica", settings.live_replica,
               "a replica follows the writer during the lag run, in this process");
  app.add_option("--verify-threads", settings.verify_threads,
                 "the replicas' verifying threads (0: one per core)")
      ->capture_default_str();
  app.add_option("--verify-batch", settings.verify_batch,
                 "catch-up: the replica's verify_batch (0: its default)");
  app.add_option("--verify-ahead", settings.verify_ahead,
                 "catch-up: the replica's verify_ahead (0: its default)");
  app.add_option("--apply-ahead", settings.apply_ahead,
                 "catch-up: the replica's apply_ahead (0: its default)");
  app.add_option("--max-batch", settings.max_batch,
                 "catch-up: the replica's max_batch (0: its default)");
  app.add_option("--replica-option", settings.replica_options,
                 "catch-up: a librdkafka property of the replica's consumer, name=value "
                 "(repeatable)");
  app.add_option("--catchup-from", settings.catchup_from,
                 "a data directory whose ledger (read-only) a fresh replica catches up on");
  app.add_flag("--writer", settings.writer,
               "catch-up: a writer admits the same entries (no HTTP, no Kafka), for comparison");
  app.add_flag("--census", settings.census,
               "catch-up: print the keys and bytes an entry that the replica's group commits "
               "wrote (from its write-ahead log)");
  app.add_option("--timed-after", settings.timed_after,
                 "catch-up: time only the entries after the first N (applied untimed first)")
      ->capture_default_str();
  app.add_option("--limit", settings.limit, "catch-up: only the first N entries (0: all)")
      ->capture_default_str();
  app.add_option("--ahead", settings.ahead,
                 "catch-up: the feeder's lead over what the replica has read, in messages")
      ->capture_default_str();
  app.add_option("--linger-ms", settings.linger_ms, "the relay's linger.ms (default: its own)");
  app.add_option("--idle-poll-ms", settings.idle_poll_ms, "the relay's idle poll")
      ->capture_default_str();
  app.add_option("--relay-option", settings.relay_options,
                 "a librdkafka property of the relay, name=value (repeatable)");
  bool verbose = false;
  app.add_flag("--verbose", verbose, "log at debug level (with --relay-option debug=...)");
  CLI11_PARSE(app, argc, argv);
  spdlog::set_level(verbose ? spdlog::level::debug : spdlog::level::warn);
  if (settings.rate <= 0) {
    std::fprintf(stderr, "error: --rate must be > 0\n");
    return 2;
  }
  if (settings.ahead == 0) {
    std::fprintf(stderr, "error: --ahead must be > 0\n");
    return 2;
  }
  return settings.catchup_from.empty() ? ejournal::Lag(settings) : ejournal::CatchUp(settings);
}
