// school_bench: the school's benchmarks (docs/BENCHMARKS.md). Not part of the
// test run beyond a smoke run at a tiny size.
//
//   school_bench generate --data D [--schools N --weeks W ...]
//       a generated school year (tools/synth), every event signed and admitted through the whole
//       admission (signature, rights, school rules) into a new ledger in D, laid out as
//       `ejournal init` lays it out; prints events/s
//   school_bench replay --data D
//       folds the ledger alone (no views), then rebuilds the projections from zero without
//       re-checking signatures (what `ejournal replay` does); prints events/s of each;
//       with --fold-only N, folds N times and stops (the views are left as they are)
//
//   school_bench reads --data D --samples N [--warmup W]
//       after W untimed reads, journal pages, diary weeks and as-of journal pages read from the
//       stored views; prints latency percentiles
//
// Each prints Markdown table rows for docs/BENCHMARKS.md.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <memory>
#include <random>
#include <span>
#include <thread>

#include "ejournal/v1/ledger.pb.h"
#include "ledger/admission.h"
#include "ledger/credentials.h"
#include "ledger/entry_stream.h"
#include "ledger/ledger.h"
#include "ledger/node_key.h"
#include "projections/as_of.h"
#include "projections/school_state.h"
#include "projections/views.h"
#include "tools/bench_util.h"
#include "tools/data_dir.h"
#include "tools/synth/school_generator.h"

namespace ejournal {
namespace {

using bench::Fail;
using bench::Percentile;
using bench::Seconds;
using bench::Steady;

using tools::OpenSchoolLedger;
using tools::OpenSchoolOptions;

int Generate(const std::string& data, const synth::Options& options) {
  const std::string origin = "ejournal.bench/ledger/1";
  auto node = tools::CreateDataDir(data, origin);
  if (!node) return Fail(node.error());
  synth::SettableClock clock;
  auto opened = OpenSchoolLedger(
      data, OpenSchoolOptions{.clock = &clock, .node = &*node, .origin = origin, .catch_up = true});
  if (!opened) return Fail(opened.error());
  synth::SchoolGenerator generator(options, node->credential_id, node->key);
  const auto start = Steady::now();
  uint64_t next_report = 100000;
  auto progress = [&](const synth::DriveResult& r) {
    if (r.appended >= next_report) {
      std::fprintf(stderr, "  %llu events, %.0f events/s\n",
                   static_cast<unsigned long long>(r.appended),
                   static_cast<double>(r.appended) / Seconds(Steady::now() - start));
      next_report += 100000;
    }
  };
  auto driven = synth::Drive(generator, *opened->admission, *opened->ledger, clock, progress);
  if (!driven) return Fail(driven.error());
  const double seconds = Seconds(Steady::now() - start);
  const auto& st = generator.stats();
  std::printf(
      "| generate, sign, admit (all rules) and append | %d school(s), %d weeks: %llu events "
      "(%llu lessons, %llu marks, %llu absences) in %llu groups | %.1f s | %.0f events/s |\n",
      options.schools, options.weeks, static_cast<unsigned long long>(driven->appended),
      static_cast<unsigned long long>(st.lessons), static_cast<unsigned long long>(st.marks),
      static_cast<unsigned long long>(st.absences), static_cast<unsigned long long>(driven->groups),
      seconds, static_cast<double>(driven->appended) / seconds);
  return 0;
}

// CPU seconds of the calling thread (the fold's: on an idle machine the replay's critical path,
// the other threads reading, parsing and writing beside it) and of the whole process. On a busy
// machine the wall clock moves by tens of percent from run to run; these move much less.
struct Cpu {
  double thread = 0, process = 0;
  static Cpu Now() {
    auto read = [](clockid_t id) {
      timespec ts{};
      clock_gettime(id, &ts);
      return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
    };
    return {read(CLOCK_THREAD_CPUTIME_ID), read(CLOCK_PROCESS_CPUTIME_ID)};
  }
  Cpu operator-(const Cpu& o) const { return {thread - o.thread, process - o.process}; }
};

void PrintCpu(const char* what, uint64_t events, const Cpu& cpu) {
  std::printf(
      "| %s: CPU of the folding thread / of the process | %llu events | %.1f s / %.1f s "
      "| %.2f / %.2f µs an event |\n",
      what, static_cast<unsigned long long>(events), cpu.thread, cpu.process,
      cpu.thread * 1e6 / static_cast<double>(std::max<uint64_t>(1, events)),
      cpu.process * 1e6 / static_cast<double>(std::max<uint64_t>(1, events)));
}

// The fold alone: every entry parsed and folded into a fresh registry and school state, no views
// (what opening a ledger whose views are up to date costs, minus RocksDB's own open).
Result<double> FoldOnly(const Ledger& ledger, Cpu* cpu) {
  CredentialRegistry registry;
  school::SchoolState state;
  state.Reserve(ledger.size());  // as Admission::CatchUp does
  Status failed;
  const auto start = Steady::now();
  const Cpu cpu_start = Cpu::Now();
  {
    EntryStream stream(ledger,
                       1);  // read and parsed on a second thread, as Admission::CatchUp does
    for (;;) {
      EJ_ASSIGN_OR_RETURN(std::span<const ParsedEntry> entries, stream.Next());
      if (entries.empty()) break;
      for (const ParsedEntry& e : entries) {
        failed = registry.Apply(e.body, e.sequence, e.recorded_at_us);
        if (failed.ok()) failed = state.Apply(e.body, e.sequence, e.recorded_at_us);
        if (!failed.ok()) break;
      }
      if (!failed.ok()) break;
    }
  }  // the stream's thread joined
  EJ_RETURN_IF_ERROR(failed);
  *cpu = Cpu::Now() - cpu_start;
  return Seconds(Steady::now() - start);
}

int Replay(const std::string& data, int fold_runs) {
  auto opened = OpenSchoolLedger(data, OpenSchoolOptions{.catch_up = false});
  if (!opened) return Fail(opened.error());
  Ledger& ledger = *opened->ledger;
  const uint64_t events = ledger.size();
  // Untimed: one pass over the entries, so that both timed passes find them in the page cache.
  size_t entry_bytes = 0;
  if (Status s = ledger.ForEachEntry(1,
                                     [&](uint64_t, std::string_view bytes) {
                                       entry_bytes += bytes.size();
                                       return true;
                                     });
      !s.ok()) {
    return Fail(s);
  }
  Cpu fold_cpu;
  auto fold = FoldOnly(ledger, &fold_cpu);
  if (!fold) return Fail(fold.error());
  if (fold_runs > 0) {  // --fold-only: the fold alone, repeated (for profiling and A/B runs)
    for (int run = 1;; ++run) {
      std::printf("| fold alone | %llu events | %.2f s | %.0f events/s |\n",
                  static_cast<unsigned long long>(events), *fold,
                  static_cast<double>(events) / *fold);
      PrintCpu("fold alone", events, fold_cpu);
      if (run == fold_runs) return 0;
      fold = FoldOnly(ledger, &fold_cpu);
      if (!fold) return Fail(fold.error());
    }
  }
  auto* views = ledger.column_families().views;
  if (Status s = school::ClearViews(ledger.db(), views); !s.ok()) return Fail(s);
  const auto start = Steady::now();
  const Cpu cpu_start = Cpu::Now();
  if (Status s = opened->admission->CatchUp(ledger); !s.ok()) return Fail(s);
  const double seconds = Seconds(Steady::now() - start);
  const Cpu replay_cpu = Cpu::Now() - cpu_start;
  std::printf(
      "| fold alone (read + parse on a second thread; credential registry + school state; no "
      "views) | %llu events | "
      "%.1f s | %.0f events/s |\n",
      static_cast<unsigned long long>(events), *fold, static_cast<double>(events) / *fold);
  std::printf(
      "| replay from zero (fold + views, no signature checks, ends synced) | %llu events | "
      "%.1f s | **%.0f events/s** |\n",
      static_cast<unsigned long long>(events), seconds, static_cast<double>(events) / seconds);
  // The views' cost on the wall clock (their RocksDB writes overlap the fold: this is what they
  // add to it; within the noise it can be negative).
  std::printf("| views alone (replay − fold) | %llu events | %.1f s | %s |\n",
              static_cast<unsigned long long>(events), seconds - *fold,
              seconds > *fold ? (std::to_string(static_cast<long long>(static_cast<double>(events) /
                                                                       (seconds - *fold))) +
                                 " events/s")
                                    .c_str()
                              : "—");
  const auto& times = opened->admission->caught_up_times();
  std::printf(
      "| replay's parts: the fold / after it (views from zero, or the last chunk and the "
      "merge) | %llu events | %.2f s / %.2f s | |\n",
      static_cast<unsigned long long>(events), times.fold, times.after_fold);
  PrintCpu("fold alone", events, fold_cpu);
  PrintCpu("replay from zero", events, replay_cpu);
  // What the replay wrote against what is stored at its end (each view is rewritten once per
  // chunk in which it was touched; the difference is what RocksDB then compacts away). Untimed.
  const auto& written = opened->admission->caught_up_views();
  uint64_t stored = 0, stored_bytes = 0;
  {
    rocksdb::ReadOptions ro;
    ro.fill_cache = false;  // not counted in the peak RSS of the replay
    std::unique_ptr<rocksdb::Iterator> it(ledger.db()->NewIterator(ro, views));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      ++stored;
      stored_bytes += it->key().size() + it->value().size();
    }
    if (!it->status().ok()) return Fail(IoError(it->status().ToString()));
  }
  const double per_event = 1.0 / static_cast<double>(std::max<uint64_t>(1, events));
  std::printf(
      "| views written by the replay: batches / puts / deletes / bytes (keys + values) | %llu / "
      "%llu / %llu / %.1f MB | %.3f puts, %.0f bytes an event |\n",
      static_cast<unsigned long long>(written.batches),
      static_cast<unsigned long long>(written.puts),
      static_cast<unsigned long long>(written.deletes), static_cast<double>(written.bytes) / 1e6,
      static_cast<double>(written.puts) * per_event,
      static_cast<double>(written.bytes) * per_event);
  std::printf(
      "| views stored at the end: keys / bytes | %llu / %.1f MB | written / stored: %.2f puts, "
      "%.2f bytes |\n",
      static_cast<unsigned long long>(stored), static_cast<double>(stored_bytes) / 1e6,
      static_cast<double>(written.puts) / static_cast<double>(std::max<uint64_t>(1, stored)),
      static_cast<double>(written.bytes) /
          static_cast<double>(std::max<uint64_t>(1, stored_bytes)));
  return 0;
}

struct PageKey {
  std::string school, cls, subgroup, subject;
};

int Reads(const std::string& data, int samples, int warmup, uint64_t seed, bool same_thread) {
  const auto open_start = Steady::now();
  auto opened = OpenSchoolLedger(data, OpenSchoolOptions{});
  if (!opened) return Fail(opened.error());
  const double open_seconds = Seconds(Steady::now() - open_start);
  const school::SchoolState& state = *opened->state;
  Ledger& ledger = *opened->ledger;
  school::ViewReader reader(ledger.db(), ledger.column_families().views);
  // Every page (a load: class or subgroup × subject) and every student, of every school.
  std::vector<PageKey> pages;
  std::vector<std::pair<std::string, std::string>> students;  // (school, student)
  std::vector<school::Day> mondays;
  int64_t first_us = 0, last_us = 0;
  for (uint64_t seq = 1; seq <= state.size(); seq += std::max<uint64_t>(1, state.size() / 1000)) {
    const auto* e = state.Event(seq);
    if (first_us == 0) first_us = e->recorded_at_us;
    last_us = e->recorded_at_us;
  }
  std::vector<std::string> school_ids;
  for (uint64_t seq = 1; seq <= state.size(); ++seq) {
    const std::string& sid = state.SchoolOf(*state.Event(seq));
    if (!sid.empty() && std::find(school_ids.begin(), school_ids.end(), sid) == school_ids.end()) {
      school_ids.push_back(sid);
    }
    if (seq > 20000) break;  // the schools register first
  }
  for (const auto& sid : school_ids) {
    const school::School* s = state.FindSchool(sid);
    if (s == nullptr) continue;
    for (const auto& [id, load] : s->loads) {
      pages.push_back({sid, load.class_id, load.subgroup_id, load.subject_id});
    }
    for (const auto& [id, st] : s->students) students.emplace_back(sid, id);
    if (mondays.empty()) {
      for (const auto& [cls, days] : s->lessons_by_class_day) {
        for (const auto& [day, ids] : days) mondays.push_back(school::WeekStart(day));
        break;
      }
    }
  }
  std::sort(pages.begin(), pages.end(), [](const PageKey& a, const PageKey& b) {
    return std::tie(a.school, a.cls, a.subgroup, a.subject) <
           std::tie(b.school, b.cls, b.subgroup, b.subject);
  });
  std::sort(students.begin(), students.end());
  std::sort(mondays.begin(), mondays.end());
  mondays.erase(std::unique(mondays.begin(), mondays.end()), mondays.end());
  if (pages.empty() || students.empty() || mondays.empty()) {
    return Fail(FailedPrecondition("the ledger has no school with lessons: run generate first"));
  }
  std::mt19937_64 rng(seed);
  std::vector<double> page_us, diary_us, asof_us;
  size_t cells = 0;
  const int asof_samples = std::max(1, samples / 10);
  // The reads run on a thread of their own, as the server's HTTP workers do: glibc gives a new
  // thread its own malloc arena, while the opening thread's heap is the fold's, fragmented by
  // millions of small allocations (`--same-thread` measures there instead).
  Status measured;
  auto measure = [&]() -> Status {
    // Warm-up (untimed): the block cache and the page cache see the views once, as a running
    // server's would.
    for (int i = 0; i < warmup; ++i) {
      const PageKey& p = pages[rng() % pages.size()];
      school::ReadArena arena;
      (void)reader.JournalPage(arena.get(), state, p.school, p.cls, p.subgroup, p.subject,
                               1 + static_cast<int>(rng() % 4));
      const auto& [sid, student] = students[rng() % students.size()];
      school::ReadArena arena2;
      (void)reader.DiaryWeek(arena2.get(), state, sid, student, mondays[rng() % mondays.size()]);
    }
    for (int i = 0; i < samples; ++i) {
      const PageKey& p = pages[rng() % pages.size()];
      const int term = 1 + static_cast<int>(rng() % 4);
      // Timed as a server's read: the arena made, the view built, the arena freed.
      auto t0 = Steady::now();
      {
        school::ReadArena arena;
        auto page =
            reader.JournalPage(arena.get(), state, p.school, p.cls, p.subgroup, p.subject, term);
        if (page) {
          for (const auto& r : (*page)->rows()) cells += static_cast<size_t>(r.cells_size());
        }
      }
      page_us.push_back(Seconds(Steady::now() - t0) * 1e6);
      const auto& [sid, student] = students[rng() % students.size()];
      const school::Day monday = mondays[rng() % mondays.size()];
      t0 = Steady::now();
      {
        school::ReadArena arena;
        auto week = reader.DiaryWeek(arena.get(), state, sid, student, monday);
        if (!week) return week.error();
      }
      diary_us.push_back(Seconds(Steady::now() - t0) * 1e6);
    }
    auto load = [&](uint64_t seq) { return ledger.Entry(seq); };
    for (int i = 0; i < asof_samples; ++i) {
      const PageKey& p = pages[rng() % pages.size()];
      const int64_t at =
          first_us + static_cast<int64_t>(
                         rng() % static_cast<uint64_t>(std::max<int64_t>(1, last_us - first_us)));
      const int term = 1 + static_cast<int>(rng() % 4);
      auto t0 = Steady::now();
      auto page = school::AsOfJournalPage(state, reader, load, p.school, p.cls, p.subgroup,
                                          p.subject, term, at, school::AsOfMode::kAsShownThen);
      asof_us.push_back(Seconds(Steady::now() - t0) * 1e6);
    }
    return Status();
  };
  if (same_thread) {
    measured = measure();
  } else {
    std::thread reader_thread([&] { measured = measure(); });
    reader_thread.join();
  }
  if (!measured.ok()) return Fail(measured);
  std::printf("| open (fold the whole ledger into the school state) | %llu events | %.1f s |\n",
              static_cast<unsigned long long>(state.size()), open_seconds);
  std::printf(
      "| journal page (class × subject × term) | %d random pages of %zu, %.0f cells/page "
      "| p50 %.0f µs | **p99 %.0f µs**, p99.9 %.0f µs |\n",
      samples, pages.size(), static_cast<double>(cells) / samples, Percentile(page_us, 50),
      Percentile(page_us, 99), Percentile(page_us, 99.9));
  std::printf(
      "| diary week | %d random students × weeks | p50 %.0f µs | **p99 %.0f µs**, p99.9 "
      "%.0f µs |\n",
      samples, Percentile(diary_us, 50), Percentile(diary_us, 99), Percentile(diary_us, 99.9));
  std::printf(
      "| as-of journal page | %d random pages × moments | p50 %.0f µs | **p99 %.0f µs**, "
      "p99.9 %.0f µs |\n",
      asof_samples, Percentile(asof_us, 50), Percentile(asof_us, 99), Percentile(asof_us, 99.9));
  return 0;
}

}  // namespace
}  // namespace ejournal

int main(int argc, char** argv) {
  CLI::App app{"school_bench: replay and read benchmarks on a generated school year"};
  app.require_subcommand(1);
  std::string data;
  ejournal::synth::Options options;
  int samples = 10000;
  uint64_t seed = 1;
  int warmup = 2000;
  auto* generate = app.add_subcommand("generate", "a generated, signed, admitted school year");
  generate->add_option("--data", data, "a new data directory")->required();
  generate->add_option("--schools", options.schools, "schools")->capture_default_str();
  generate->add_option("--classes", options.classes, "classes per school")->capture_default_str();
  generate->add_option("--students", options.students, "students per school")
      ->capture_default_str();
  generate->add_option("--teachers", options.teachers, "teachers per school")
      ->capture_default_str();
  generate->add_option("--weeks", options.weeks, "study weeks")->capture_default_str();
  generate->add_option("--seed", options.seed, "seed")->capture_default_str();
  auto* replay = app.add_subcommand("replay", "rebuild the views from zero");
  replay->add_option("--data", data, "data directory")->required();
  int fold_runs = 0;
  replay->add_option("--fold-only", fold_runs, "only fold, this many times (no views written)");
  auto* reads = app.add_subcommand("reads", "journal page, diary week and as-of page latency");
  reads->add_option("--data", data, "data directory")->required();
  reads->add_option("--samples", samples, "samples")->capture_default_str();
  reads->add_option("--seed", seed, "seed")->capture_default_str();
  reads->add_option("--warmup", warmup, "untimed page and diary reads first")
      ->capture_default_str();
  bool same_thread = false;
  reads->add_flag("--same-thread", same_thread,
                  "read on the thread that folded the ledger (default: a thread of its own, as "
                  "the server's HTTP workers)");
  CLI11_PARSE(app, argc, argv);
  if (*generate) return ejournal::Generate(data, options);
  if (*replay) return ejournal::Replay(data, fold_runs);
  return ejournal::Reads(data, samples, warmup, seed, same_thread);
}
