// ejournal_load: the service's load generator (docs/BENCHMARKS.md "Service").
// A benchmark, not a test: the test run only smoke-runs it at a tiny size (ctest -L bench_smoke).
//
//   ejournal_load prepare --data D [--schools N --classes C --students S --teachers T --seed X]
//       generates school years (tools/synth) up to the first school day with marks, every event
//       signed and admitted into a new data directory D laid out as `ejournal init` lays it out;
//       the events of that day (signed by their authors' keys: teachers, class teachers, deputies)
//       are not appended but kept in D/load/day.bin, to be replayed over HTTP; D/load/meta.json
//       names the day, the server clock's start, the director who reads and the students.
//
//   ejournal_load fsync --dir D
//       the disk's fdatasync latency (p50/p90/p99/max of 4 KiB appends): the floor under a
//       durable write's latency, printed with the write numbers for their context.
//
//   ejournal_load run --prepared D --ejournald PATH --mode batch|write|mixed [...]
//       copies D to a work directory, starts `ejournald --bench-clock-start` on it (its clock
//       reads the replayed day's evening, so that the school rules' time windows hold as on that
//       day: R-TIME-1), sets the director's password and signs in, then:
//         batch  the day's events in POST /api/v1/events:batch requests from --clients
//                concurrent connections, as fast as the server takes them;
//         write  the day's events one by one (POST /api/v1/events) at --rate events/s,
//                open-loop: event i is due at start + i/rate, and its latency is measured from
//                that due time (a late send counts against the server: no coordinated omission);
//                a stream's events go in order, each after the previous one's answer, streams
//                interleaved round-robin in windows of --interleave;
//         mixed  write, and at the same time diary reads (GET .../diary) at --read-rate reads/s,
//                open-loop the same way, by the director of random students.
//       Prints throughput, latency percentiles (p50/p90/p99/max) and the errors by HTTP status
//       as Markdown rows; exits 1 if there were more than --max-errors errors.
//       The single writes and the reads are sent by one thread each over at most --clients and
//       --read-clients kept-alive connections (tools/load_driver.h), so that the tool takes as
//       little as it can of the two cores it shares with the server it measures; the batches by
//       a thread per connection (httplib's client).
//
// The events one author records at one instant (a teacher's lesson, its attendance and marks: a
// stream) go in order, each after the previous one's answer; different streams go on in
// parallel, as different teachers' clients do.
// Homework is left out of the replay: its window closes one hour after the class's last lesson
// (R-HW-1), before the evening instant the server's clock reads.
#include <fcntl.h>
#include <httplib.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <thread>

#include "api/notifier.h"
#include "ejournal/v1/api.pb.h"
#include "ledger/crypto.h"
#include "ledger/entry_stream.h"
#include "ledger/event_codec.h"
#include "ledger/ledger.h"
#include "ledger/replicator.h"
#include "projections/school_state.h"
#include "projections/school_time.h"
#include "schemas/mutex.h"
#include "tools/bench_util.h"
#include "tools/data_dir.h"
#include "tools/load_driver.h"
#include "tools/synth/school_generator.h"

namespace ejournal {
namespace {

using bench::Fail;
using bench::Percentile;
using bench::Seconds;
using bench::Steady;
using json = nlohmann::json;

constexpr char kMagic[] = "EJLOAD1\n";
constexpr char kPassword[] = "load-bench-password";

// ---- prepare ----------------------------------------------------------------------------------

void PutU32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

bool GetU32(std::string_view& in, uint32_t& v) {
  if (in.size() < 4) return false;
  v = 0;
  for (int i = 0; i < 4; ++i)
    v |= static_cast<uint32_t>(static_cast<unsigned char>(in[i])) << (8 * i);
  in.remove_prefix(4);
  return true;
}

bool HasMarks(const std::vector<synth::Event>& group) {
  return std::any_of(group.begin(), group.end(),
                     [](const synth::Event& e) { return e.body.has_mark_recorded(); });
}

int Prepare(const std::string& data, synth::Options options) {
  const std::string origin = "ejournal.load/ledger/1";
  options.leak = false;
  options.weeks = std::max(options.weeks, 1);
  auto node = tools::CreateDataDir(data, origin);
  if (!node) return Fail(node.error());
  synth::SettableClock clock;
  auto opened = tools::OpenSchoolLedger(
      data, tools::OpenSchoolOptions{.clock = &clock, .node = &*node, .origin = origin});
  if (!opened) return Fail(opened.error());
  auto zone = school::SchoolZone::Find(options.zone);
  if (!zone) return Fail(zone.error());
  synth::SchoolGenerator generator(options, node->credential_id, node->key);
  const auto start = Steady::now();
  std::vector<synth::Event> group;
  uint64_t before = 0;
  std::optional<school::Day> day;
  std::string day_bytes = kMagic;
  uint64_t day_events = 0, day_streams = 0, skipped_homework = 0;
  int64_t last_at = 0;
  while (generator.NextGroup(group)) {
    if (group.empty()) continue;
    const int64_t at = group.front().record_at_us;
    if (!day && HasMarks(group)) day = zone->LocalDay(at);
    if (!day) {
      auto r = synth::AppendGroup(group, *opened->admission, *opened->ledger, clock, false);
      if (!r) return Fail(r.error());
      before += r->appended;
      continue;
    }
    if (zone->LocalDay(at) != *day) break;
    // One stream per author within the group (a teacher's lesson, its attendance and marks, in
    // order); different authors' streams are independent, as different teachers' clients are.
    std::vector<std::pair<std::string, std::vector<std::string>>> streams;
    for (const synth::Event& e : group) {
      if (e.body.has_homework_assigned()) {
        ++skipped_homework;
        continue;
      }
      auto bytes = SignEvent(e.body, *e.key);
      if (!bytes) return Fail(bytes.error());
      const std::string author = e.body.school_id() + "/" + e.body.actor_id();
      auto it = std::find_if(streams.begin(), streams.end(),
                             [&](const auto& s) { return s.first == author; });
      if (it == streams.end()) it = streams.insert(streams.end(), {author, {}});
      it->second.push_back(std::move(*bytes));
    }
    for (const auto& [actor, events] : streams) {
      PutU32(day_bytes, static_cast<uint32_t>(events.size()));
      for (const auto& b : events) {
        PutU32(day_bytes, static_cast<uint32_t>(b.size()));
        day_bytes += b;
      }
      day_events += events.size();
      ++day_streams;
    }
    last_at = std::max(last_at, at);
  }
  if (!day || day_events == 0) {
    return Fail(FailedPrecondition("the generated weeks have no day with marks: raise --weeks"));
  }
  // The server's clock starts just after the day's last group (every lesson has started, so
  // marks and attendance are on time) and must stay within the day (R-MARK-3, R-ATT-1).
  const int64_t clock_start = last_at + 1'000'000;
  const int64_t day_end = zone->InstantOf(*day, 24 * 60);
  if (day_end - clock_start < 10LL * 60 * 1'000'000) {
    return Fail(FailedPrecondition("the day's last events are too close to midnight"));
  }
  // The director reads; the administrator sets the director's password (signed now, submitted
  // by `run` at the day's evening).
  const std::string school_id = generator.school_ids().front();
  std::map<std::string, std::string> who;
  for (const auto& [role, user] : generator.sample_users()) who.emplace(role, user);
  const crypto::PrivateKey* admin_key = generator.KeyOf(school_id, who["admin"]);
  if (admin_key == nullptr) return Fail(Internal("no key for the administrator"));
  v1::EventBody pw;
  pw.set_schema_version(kSchemaVersion);
  pw.set_event_id("load-password-" + std::to_string(options.seed));
  pw.set_school_id(school_id);
  pw.set_actor_id(who["admin"]);
  pw.set_credential_id(generator.CredentialOf(school_id, who["admin"]));
  pw.set_client_time_us(clock_start);
  pw.mutable_password_changed()->set_user_id(who["director"]);
  pw.mutable_password_changed()->set_kind(v1::PASSWORD_CHANGE_KIND_RESET_BY_ADMIN);
  auto pw_bytes = SignEvent(pw, *admin_key);
  if (!pw_bytes) return Fail(pw_bytes.error());
  const school::School* school = opened->state->FindSchool(school_id);
  if (school == nullptr) return Fail(Internal("no school " + school_id));
  std::vector<std::string> students;
  for (const auto& [id, st] : school->students) students.push_back(id);
  std::sort(students.begin(), students.end());

  std::error_code ec;
  std::filesystem::create_directories(data + "/load", ec);
  if (ec) return Fail(IoError("cannot create " + data + "/load: " + ec.message()));
  {
    std::ofstream out(data + "/load/day.bin", std::ios::binary | std::ios::trunc);
    out << day_bytes;
    if (!out.flush()) return Fail(IoError("cannot write " + data + "/load/day.bin"));
  }
  json meta = {{"day", school::DayString(*day)},
               {"clock_start_us", clock_start},
               {"school_id", school_id},
               {"director_id", who["director"]},
               {"password_event", crypto::Base64Encode(*pw_bytes)},
               {"students", students},
               {"ledger_size", opened->ledger->size()},
               {"events", day_events},
               {"streams", day_streams}};
  {
    std::ofstream out(data + "/load/meta.json", std::ios::trunc);
    out << meta.dump(1) << "\n";
    if (!out.flush()) return Fail(IoError("cannot write " + data + "/load/meta.json"));
  }
  std::printf(
      "prepared %s: %d school(s), %llu events in the ledger, then the day %s: %llu events in %llu "
      "streams to replay (%llu homework events left out, R-HW-1); %.1f s\n",
      data.c_str(), options.schools, static_cast<unsigned long long>(opened->ledger->size()),
      school::DayString(*day).c_str(), static_cast<unsigned long long>(day_events),
      static_cast<unsigned long long>(day_streams),
      static_cast<unsigned long long>(skipped_homework), Seconds(Steady::now() - start));
  return 0;
}

// ---- run --------------------------------------------------------------------------------------

// With replication on (`--server-arg --kafka ...`), the prepared history counts as replicated
// before the day: the writer's relay then streams the day's entries as they are ingested, as a
// writer in its steady state does, not the whole prepared ledger at once on top of the day.
Status MarkPreparedReplicated(const std::string& data, uint64_t size) {
  LedgerOptions lo;
  lo.path = tools::LedgerPath(data);
  EJ_ASSIGN_OR_RETURN(std::unique_ptr<Ledger> ledger, Ledger::Open(lo));
  if (ledger->size() != size) {
    return FailedPrecondition("the prepared ledger holds " + std::to_string(ledger->size()) +
                              " entries, meta.json says " + std::to_string(size));
  }
  return Replicator::MarkReplicated(*ledger, size);
}

struct Day {
  json meta;
  // The streams (one author's events of one instant, in order): serialised SignedEvents.
  std::vector<std::vector<std::string>> streams;
  size_t events = 0;
};

Result<Day> LoadDay(const std::string& prepared) {
  Day day;
  {
    std::ifstream in(prepared + "/load/meta.json");
    day.meta = json::parse(in, nullptr, false);
    if (day.meta.is_discarded() || !day.meta.is_object()) {
      return Err(FailedPrecondition(prepared + "/load/meta.json is missing: run prepare first"));
    }
  }
  std::ifstream in(prepared + "/load/day.bin", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::string_view rest(bytes);
  if (!rest.starts_with(kMagic)) return Err(DataLoss(prepared + "/load/day.bin is not a day"));
  rest.remove_prefix(sizeof kMagic - 1);
  while (!rest.empty()) {
    uint32_t n = 0;
    if (!GetU32(rest, n)) return Err(DataLoss("day.bin is truncated"));
    auto& g = day.streams.emplace_back();
    for (uint32_t i = 0; i < n; ++i) {
      uint32_t len = 0;
      if (!GetU32(rest, len) || rest.size() < len) return Err(DataLoss("day.bin is truncated"));
      g.emplace_back(rest.substr(0, len));
      rest.remove_prefix(len);
    }
    day.events += n;
  }
  return day;
}

// ejournald on a copy of the prepared directory, its stderr in WORK/ejournald.log.
class ServerProcess {
 public:
  ~ServerProcess() { (void)Stop(); }

  Status Start(const std::vector<std::string>& args, const std::string& log) {
    int fds[2];
    if (pipe(fds) != 0) return IoError("pipe failed");
    pid_ = fork();
    if (pid_ < 0) return IoError("fork failed");
    if (pid_ == 0) {
      dup2(fds[1], 1);
      close(fds[0]);
      close(fds[1]);
      int err = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (err >= 0) dup2(err, 2);
      std::vector<char*> argv;
      for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    close(fds[1]);
    out_ = fdopen(fds[0], "r");
    char line[256];
    // With --kafka embedded (--server-arg), the mock cluster's address comes first.
    std::string l;
    do {
      if (out_ == nullptr || std::fgets(line, sizeof line, out_) == nullptr) {
        return Unavailable("ejournald did not start (see " + log + ")");
      }
      l = line;
    } while (l.starts_with("kafka bootstrap "));
    const std::string prefix = "listening on ";
    if (!l.starts_with(prefix)) return Unavailable("ejournald said: " + l);
    url_ = l.substr(prefix.size(), l.find_last_not_of("\r\n") + 1 - prefix.size());
    return Status::Ok();
  }

  // SIGTERM, then the exit status (0: a clean stop).
  int Stop() {
    if (pid_ <= 0) return 0;
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    if (out_ != nullptr) std::fclose(out_);
    out_ = nullptr;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  const std::string& url() const { return url_; }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  FILE* out_ = nullptr;
  std::string url_;
};

struct RunOptions {
  std::string prepared, ejournald, server, work, mode = "mixed";
  // Every guardian takes mail of marks, absences and homework (docs/BENCHMARKS.md
  // "Notifications"); the SMTP server named does not answer, so the mail stays queued.
  bool notify_everyone = false;
  int clients = 16;
  int read_clients = 8;
  int server_threads = 0;                // 0: clients + read clients + 4
  std::vector<std::string> server_args;  // passed to ejournald after the tool's own
  size_t batch_events = 500;
  double rate = 2000;
  double read_rate = 2000;
  size_t max_events = 0;  // 0: the whole day
  size_t interleave = 64;
  double verify_limit = 0;
  uint64_t max_errors = 0;
  uint64_t seed = 1;
};

// Where one request's time went, on the one monotonic clock of this machine (steady_clock is
// CLOCK_MONOTONIC, as the server's X-EJournal-Timing is): due (its open-loop time), sent (the
// tool's thread sent it), the server's handler start and end, received.
struct Split {
  double total_ms = 0;  // received - due
  // sent - due: the tool's own lag (its thread woke late, or every connection was busy)
  double late_ms = 0;
  // handed to libcurl - due: the tool's thread waking late (CPU), as opposed to waiting for a free
  // connection.
  double wake_ms = 0;
  // From X-EJournal-Timing; "" when the server did not send it (ejournald without
  // --timing-header).
  std::string server;
  Steady::time_point sent, received;
};

// Latencies (ms) and outcomes of one kind of request: one driver's answers (a Counts), merged
// into a Tally when it ends.
struct Counts {
  std::vector<double> ms;
  std::vector<Split> splits;
  std::map<int, uint64_t> statuses;        // HTTP status (0: no answer) -> requests
  std::map<std::string, uint64_t> errors;  // "HTTP status rule" -> items, batch items included
  uint64_t ok_items = 0;

  // A request of one item (a single event, a read), its latency (from its due time) and its split.
  void Single(const load::Answer& a);
  // Adds everything `other` counted.
  void Add(const Counts& other) {
    ms.insert(ms.end(), other.ms.begin(), other.ms.end());
    splits.insert(splits.end(), other.splits.begin(), other.splits.end());
    for (const auto& [k, v] : other.statuses) statuses[k] += v;
    for (const auto& [k, v] : other.errors) errors[k] += v;
    ok_items += other.ok_items;
  }
  uint64_t error_count() const {
    uint64_t n = 0;
    for (const auto& [k, v] : errors) n += v;
    return n;
  }
  std::string ErrorText() const {
    if (errors.empty()) return "none";
    std::string s;
    for (const auto& [k, v] : errors) s += (s.empty() ? "" : ", ") + k + ": " + std::to_string(v);
    return s;
  }
};

// The Counts of a run's threads, each merged as its thread ends; taken once they are joined.
class Tally {
 public:
  void Merge(const Counts& local) ABSL_LOCKS_EXCLUDED(mu_) {
    MutexLock lock(&mu_);
    all_.Add(local);
  }
  Counts Take() ABSL_LOCKS_EXCLUDED(mu_) {
    MutexLock lock(&mu_);
    return std::move(all_);
  }

 private:
  Mutex mu_;
  Counts all_ ABSL_GUARDED_BY(mu_);
};

// "HTTP 422 R-MARK-3" from an answer's status and body.
std::string ErrorKey(int status, const std::string& body) {
  std::string key = "HTTP " + std::to_string(status);
  json j = json::parse(body, nullptr, false);
  if (j.is_object() && j.contains("error") && j["error"].is_object()) {
    const std::string rule = j["error"].value("rule", "");
    if (!rule.empty()) key += " " + rule;
  }
  return key;
}

// The same, or "no answer (Connection)" with httplib's reason.
std::string ErrorKey(const httplib::Result& r) {
  if (!r) return "no answer (" + httplib::to_string(r.error()) + ")";
  return ErrorKey(r->status, r->body);
}

std::unique_ptr<httplib::Client> NewClient(const std::string& url) {
  auto c = std::make_unique<httplib::Client>(url);
  c->set_keep_alive(true);
  c->set_tcp_nodelay(true);  // as browsers do
  c->set_connection_timeout(5, 0);
  c->set_read_timeout(30, 0);
  c->set_write_timeout(30, 0);
  return c;
}

double Ms(Steady::duration d) { return Seconds(d) * 1e3; }

void Counts::Single(const load::Answer& a) {
  ms.push_back(Ms(a.received - a.due));
  ++statuses[a.status];
  if (a.status == 200) {
    ++ok_items;
  } else if (a.status == 0) {
    ++errors["no answer (" + a.error + ")"];
  } else {
    ++errors[ErrorKey(a.status, a.body)];
  }
  Split s;
  s.total_ms = Ms(a.received - a.due);
  s.late_ms = Ms(a.sent - a.due);
  s.wake_ms = Ms(a.started - a.due);
  s.sent = a.sent;
  s.received = a.received;
  s.server = a.timing;
  splits.push_back(std::move(s));
}

// "where the time went" of one kind of request: the tool's lag, the wait before the server's
// handler ran (its connection thread waking and reading the request), the handler's stages, and
// the way back (writing the answer, the tool's thread waking); percentiles of each, and their
// means over the slowest 1 % of the requests (the tail: what the p99 is made of).
void PrintSplits(const char* what, std::vector<Split> splits) {
  if (splits.empty()) return;
  std::sort(splits.begin(), splits.end(),
            [](const Split& a, const Split& b) { return a.total_ms < b.total_ms; });
  const size_t tail_from = splits.size() - std::max<size_t>(1, splits.size() / 100);
  // name -> per request (ms; NaN when the request had no such part)
  std::vector<std::string> names = {"total", "tool late sending",
                                    "  of which its thread waking late"};
  std::map<std::string, std::vector<double>> parts;
  const double none = std::nan("");
  size_t timed = 0;
  for (size_t i = 0; i < splits.size(); ++i) {
    const Split& s = splits[i];
    auto put = [&](const std::string& name, double ms) {
      auto [it, added] = parts.try_emplace(name, splits.size(), none);
      if (added && std::find(names.begin(), names.end(), name) == names.end()) {
        names.push_back(name);
      }
      it->second[i] = ms;
    };
    put("total", s.total_ms);
    put("tool late sending", s.late_ms);
    put("  of which its thread waking late", s.wake_ms);
    if (s.server.empty()) continue;
    ++timed;
    int64_t start_ns = 0, end_ns = 0;
    std::istringstream in(s.server);
    for (std::string field; std::getline(in, field, ';');) {
      const size_t eq = field.find('=');
      if (eq == std::string::npos) continue;
      const std::string name = field.substr(0, eq), value = field.substr(eq + 1);
      if (name == "start") {
        start_ns = std::stoll(value);
      } else if (name == "end") {
        end_ns = std::stoll(value);
      } else {
        put("  server: " + name, std::stod(value) / 1e3);
      }
    }
    const auto ns = [](Steady::time_point t) {
      return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
    };
    put("before the handler (sent to handler start)",
        static_cast<double>(start_ns - ns(s.sent)) / 1e6);
    put("the handler", static_cast<double>(end_ns - start_ns) / 1e6);
    put("after the handler (handler end to received)",
        static_cast<double>(ns(s.received) - end_ns) / 1e6);
  }
  // The server's stages after "the handler", in the order they were first seen.
  std::stable_partition(names.begin(), names.end(),
                        [](const std::string& n) { return !n.starts_with("  server: "); });
  std::printf(
      "\nWhere the %s' time went (ms; %zu of %zu with the server's X-EJournal-Timing; "
      "tail: the mean over the slowest 1 %%, %zu requests):\n\n",
      what, timed, splits.size(), splits.size() - tail_from);
  std::printf("| part | p50 | p90 | p99 | max | tail mean |\n|---|---|---|---|---|---|\n");
  for (const std::string& name : names) {
    const std::vector<double>& v = parts[name];
    std::vector<double> present;
    double tail_sum = 0;
    size_t tail_n = 0;
    for (size_t i = 0; i < v.size(); ++i) {
      if (std::isnan(v[i])) continue;
      present.push_back(v[i]);
      if (i >= tail_from) {
        tail_sum += v[i];
        ++tail_n;
      }
    }
    if (present.empty()) continue;
    const double max = *std::max_element(present.begin(), present.end());
    std::printf("| %s | %.3f | %.3f | %.3f | %.3f | %.3f |\n", name.c_str(),
                Percentile(present, 50), Percentile(present, 90), Percentile(present, 99), max,
                tail_n > 0 ? tail_sum / static_cast<double>(tail_n) : 0.0);
  }
}

// The scheduler's account of a process's threads (/proc/PID/task/TID/schedstat: CPU time,
// time spent runnable but waiting for a CPU, timeslices), to tell a CPU-starved tail from a slow
// handler.
struct ThreadSched {
  std::string comm;
  uint64_t cpu_ns = 0, wait_ns = 0, slices = 0;
};

std::map<int, ThreadSched> SchedOf(pid_t pid) {
  std::map<int, ThreadSched> out;
  std::error_code ec;
  const std::string dir = "/proc/" + std::to_string(pid) + "/task";
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    ThreadSched t;
    std::ifstream stat(entry.path() / "schedstat");
    if (!(stat >> t.cpu_ns >> t.wait_ns >> t.slices)) continue;
    std::ifstream comm(entry.path() / "comm");
    std::getline(comm, t.comm);
    out[std::atoi(entry.path().filename().c_str())] = t;
  }
  return out;
}

// The difference over the run, per thread name: threads, CPU, run-queue wait, per timeslice.
void PrintSched(const char* who, const std::map<int, ThreadSched>& before,
                const std::map<int, ThreadSched>& after, double seconds) {
  struct Sum {
    int threads = 0;
    uint64_t cpu_ns = 0, wait_ns = 0, slices = 0, max_wait_ns = 0;
  };
  std::map<std::string, Sum> by_name;
  Sum all;
  for (const auto& [tid, a] : after) {
    ThreadSched b;
    if (auto it = before.find(tid); it != before.end()) b = it->second;
    const uint64_t slices = a.slices - b.slices;
    if (slices == 0) continue;
    for (Sum* s : {&by_name[a.comm], &all}) {
      ++s->threads;
      s->cpu_ns += a.cpu_ns - b.cpu_ns;
      s->wait_ns += a.wait_ns - b.wait_ns;
      s->slices += slices;
    }
  }
  auto line = [&](const std::string& name, const Sum& s) {
    std::printf(
        "| %s | %s | %d | %.2f s (%.0f %% of a core) | %.2f s | %llu | %.0f µs |\n", who,
        name.c_str(), s.threads, static_cast<double>(s.cpu_ns) / 1e9,
        static_cast<double>(s.cpu_ns) / 1e9 / seconds * 100, static_cast<double>(s.wait_ns) / 1e9,
        static_cast<unsigned long long>(s.slices),
        s.slices > 0 ? static_cast<double>(s.wait_ns) / 1e3 / static_cast<double>(s.slices) : 0.0);
  };
  for (const auto& [name, s] : by_name) line(name, s);
  if (by_name.size() > 1) line("(all)", all);
}

// Sets the director's password (the administrator's signed PasswordChanged) and signs in; the
// bearer token for the reads.
Result<std::string> SignIn(const std::string& url, const json& meta) {
  auto c = NewClient(url);
  json pw = {{"event", meta["password_event"]}, {"password", kPassword}};
  auto r = c->Post("/api/v1/passwords", pw.dump(), "application/json");
  if (!r || r->status != 200) {
    return Err(Unavailable("setting the director's password: " +
                           (r ? std::to_string(r->status) + " " + r->body : "no answer")));
  }
  auto key = crypto::PrivateKey::Generate(crypto::KeyType::kEd25519);
  if (!key) return Err(key.error());
  json login = {{"school_id", meta["school_id"]},
                {"login", meta["director_id"]},
                {"password", kPassword},
                {"public_key", crypto::Base64Encode(key->public_key().raw())},
                {"algorithm", "ed25519"},
                {"label", "ejournal_load"}};
  r = c->Post("/api/v1/login", login.dump(), "application/json");
  if (!r || r->status != 200) {
    return Err(Unauthenticated("signing in: " +
                               (r ? std::to_string(r->status) + " " + r->body : "no answer")));
  }
  json j = json::parse(r->body, nullptr, false);
  if (!j.is_object() || !j.contains("token")) return Err(Internal("login answered no token"));
  return j["token"].get<std::string>();
}

void Row(const char* what, const std::string& size, double seconds, const std::string& rate,
         Counts& t) {
  std::printf(
      "| %s | %s | %.1f s | %s | %.2f | %.2f | **%.2f** | %.2f | %s |\n", what, size.c_str(),
      seconds, rate.c_str(), Percentile(t.ms, 50), Percentile(t.ms, 90), Percentile(t.ms, 99),
      t.ms.empty() ? 0.0 : *std::max_element(t.ms.begin(), t.ms.end()), t.ErrorText().c_str());
}

std::string Num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.0f", v);
  std::string s(buf), out;
  const size_t digits = s.size();
  for (size_t i = 0; i < digits; ++i) {
    out += s[i];
    if ((digits - i - 1) % 3 == 0 && i + 1 < digits) out += ',';
  }
  return out;
}

// Batch ingest: whole streams packed into batches of about --batch-events, as fast as it goes.
uint64_t RunBatch(const std::string& url, const Day& day, const RunOptions& o) {
  std::vector<std::string> bodies;
  std::vector<size_t> sizes;
  v1::SignedEventBatch batch;
  size_t total = 0;
  for (const auto& g : day.streams) {
    if (o.max_events > 0 && total >= o.max_events) break;
    for (const auto& e : g) batch.add_events(e);
    total += g.size();
    if (static_cast<size_t>(batch.events_size()) >= o.batch_events) {
      sizes.push_back(static_cast<size_t>(batch.events_size()));
      bodies.push_back(batch.SerializeAsString());
      batch.Clear();
    }
  }
  if (batch.events_size() > 0) {
    sizes.push_back(static_cast<size_t>(batch.events_size()));
    bodies.push_back(batch.SerializeAsString());
  }
  Tally tally;
  std::atomic<size_t> next{0};
  const auto start = Steady::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < o.clients; ++t) {
    threads.emplace_back([&] {
      auto c = NewClient(url);
      Counts counts;
      for (size_t i = next++; i < bodies.size(); i = next++) {
        const auto t0 = Steady::now();
        auto r = c->Post("/api/v1/events:batch", bodies[i], "application/x-protobuf");
        counts.ms.push_back(Ms(Steady::now() - t0));
        const int status = r ? r->status : 0;
        ++counts.statuses[status];
        if (status != 200) {
          counts.errors[ErrorKey(r)] += sizes[i];
          continue;
        }
        json j = json::parse(r->body, nullptr, false);
        if (!j.is_object() || !j["results"].is_array()) {
          counts.errors["bad answer"] += sizes[i];
          continue;
        }
        for (const auto& item : j["results"]) {
          if (item.contains("error")) {
            const auto& e = item["error"];
            counts.errors["item " + std::to_string(e.value("http_status", 0)) + " " +
                          e.value("rule", std::string())] += 1;
          } else {
            ++counts.ok_items;
          }
        }
      }
      tally.Merge(counts);
    });
  }
  for (auto& t : threads) t.join();
  const double seconds = Seconds(Steady::now() - start);
  Counts all = tally.Take();
  const double rate = static_cast<double>(all.ok_items) / seconds;
  std::string rate_text = "**" + Num(rate) + " events/s**";
  if (o.verify_limit > 0) {
    char buf[96];
    std::snprintf(buf, sizeof buf, ", %.2f of openssl's %s verifies/s", rate / o.verify_limit,
                  Num(o.verify_limit).c_str());
    rate_text += buf;
  }
  Row(("batch ingest (" + std::to_string(o.batch_events) + " events/batch, " +
       std::to_string(o.clients) + " clients), latency per batch")
          .c_str(),
      Num(static_cast<double>(all.ok_items)) + " events in " + std::to_string(bodies.size()) +
          " batches",
      seconds, rate_text, all);
  return all.error_count();
}

// Open-loop: request i is due at start + i / rate; its latency counts from then.
struct Schedule {
  Steady::time_point start;
  double rate;
  Steady::time_point Due(size_t i) const {
    return start + std::chrono::duration_cast<Steady::duration>(
                       std::chrono::duration<double>(static_cast<double>(i) / rate));
  }
};

uint64_t RunWrites(const std::string& url, const Day& day, const RunOptions& o,
                   const std::string& token, pid_t server_pid) {
  // The send order: the streams in windows of --interleave, round-robin within a window (the
  // first event of each, then the second of each, ...), so that a stream's next event is due
  // well after its previous one (a teacher's marks come minutes apart, not at 2,000/s).
  struct Item {
    size_t stream, k;
  };
  std::vector<Item> order;
  size_t streams = 0;
  for (size_t w = 0; w < day.streams.size(); w += o.interleave) {
    const size_t end = std::min(day.streams.size(), w + o.interleave);
    bool any = true;
    for (size_t k = 0; any; ++k) {
      any = false;
      for (size_t g = w; g < end; ++g) {
        if (k < day.streams[g].size()) {
          order.push_back({g, k});
          any = true;
        }
      }
    }
    streams = end;
    if (o.max_events > 0 && order.size() >= o.max_events) break;
  }
  const size_t total = order.size();
  const Schedule writes{Steady::now() + std::chrono::milliseconds(100), o.rate};
  const auto writes_end = writes.Due(total);
  Tally write_tally, read_tally;
  // One thread drives the writes' connections and one the reads' (tools/load_driver.h).
  std::vector<std::thread> threads;
  threads.emplace_back([&] {
    pthread_setname_np(pthread_self(), "load-write");
    // answered[g]: how many of stream g's events have been answered. An event is sent at its due
    // time, or when its stream's previous event is answered if that is later (the wait counts).
    std::vector<size_t> answered(streams, 0);
    load::OpenLoopDriver driver(url, o.clients, "");
    Counts counts;
    size_t i = 0;
    driver.Run(
        [&]() -> std::optional<load::Job> {
          if (i == total) return std::nullopt;
          const Item item = order[i];
          load::Job job{i, writes.Due(i), "/api/v1/events", &day.streams[item.stream][item.k]};
          ++i;
          return job;
        },
        [&](const load::Job& job) { return answered[order[job.id].stream] >= order[job.id].k; },
        [&](load::Answer&& a) {
          answered[order[a.id].stream] = order[a.id].k + 1;
          counts.Single(a);
        });
    write_tally.Merge(counts);
  });
  const bool reads = o.mode == "mixed" && o.read_rate > 0;
  const size_t read_count =
      reads ? static_cast<size_t>(o.read_rate * Seconds(writes_end - writes.start)) : 0;
  const Schedule read_schedule{writes.start, o.read_rate};
  const auto& students = day.meta["students"];
  const std::string school = day.meta["school_id"];
  const auto server_sched_before = server_pid > 0 ? SchedOf(server_pid) : decltype(SchedOf(0))();
  const auto tool_sched_before = SchedOf(getpid());
  if (reads) {
    threads.emplace_back([&] {
      pthread_setname_np(pthread_self(), "load-read");
      load::OpenLoopDriver driver(url, o.read_clients, token);
      std::mt19937_64 rng(o.seed * 1000);
      Counts counts;
      size_t i = 0;
      driver.Run(
          [&]() -> std::optional<load::Job> {
            if (i == read_count) return std::nullopt;
            const std::string student = students[rng() % students.size()];
            load::Job job{i, read_schedule.Due(i),
                          "/api/v1/schools/" + school + "/students/" + student + "/diary"};
            ++i;
            return job;
          },
          [](const load::Job&) { return true; }, [&](load::Answer&& a) { counts.Single(a); });
      read_tally.Merge(counts);
    });
  }
  // Before the threads end (their schedstat goes with them); the last requests may still run.
  std::this_thread::sleep_until(writes_end);
  const auto server_sched_after = server_pid > 0 ? SchedOf(server_pid) : decltype(SchedOf(0))();
  const auto tool_sched_after = SchedOf(getpid());
  const double sched_seconds = Seconds(Steady::now() - writes.start);
  for (auto& t : threads) t.join();
  const double seconds = Seconds(Steady::now() - writes.start);
  Counts write_counts = write_tally.Take(), read_counts = read_tally.Take();
  Row(("single-event writes at " + Num(o.rate) + "/s, open-loop (" + std::to_string(o.clients) +
       " clients)" + (reads ? ", with the reads below" : ""))
          .c_str(),
      Num(static_cast<double>(total)) + " events", seconds,
      Num(static_cast<double>(write_counts.ok_items) / seconds) + " events/s", write_counts);
  if (reads) {
    Row(("diary reads at " + Num(o.read_rate) + "/s, open-loop (" + std::to_string(o.read_clients) +
         " clients), during the writes above")
            .c_str(),
        Num(static_cast<double>(read_count)) + " reads", seconds,
        Num(static_cast<double>(read_counts.ok_items) / seconds) + " reads/s", read_counts);
    // The server's diary cache (api/diary_cache.h) and the diary handler's time over the run, from
    // its /metrics.
    if (auto m = NewClient(url)->Get("/metrics"); m && m->status == 200) {
      std::string line;
      for (std::istringstream in(m->body); std::getline(in, line);) {
        const bool diary_time = (line.starts_with("ejournal_http_request_seconds_sum") ||
                                 line.starts_with("ejournal_http_request_seconds_count")) &&
                                line.find("route=\"diary\"") != std::string::npos;
        if (line.starts_with("ejournal_diary_cache_") || diary_time) {
          std::printf("server: %s\n", line.c_str());
        }
      }
    }
  }
  PrintSplits("writes", std::move(write_counts.splits));
  if (reads) PrintSplits("reads", std::move(read_counts.splits));
  std::printf(
      "\nThe scheduler over the run's first %.1f s (/proc/PID/task/*/schedstat; wait: runnable, "
      "not running):\n\n| process | threads named | threads | CPU | run-queue wait | timeslices | "
      "wait per timeslice |\n|---|---|---|---|---|---|---|\n",
      sched_seconds);
  if (server_pid > 0)
    PrintSched("ejournald", server_sched_before, server_sched_after, sched_seconds);
  PrintSched("ejournal_load", tool_sched_before, tool_sched_after, sched_seconds);
  return write_counts.error_count() + read_counts.error_count();
}

// Every guardian of the prepared ledger opts in to mail of marks, absences and homework.
Status OptInEveryGuardian(const std::string& data) {
  LedgerOptions lo;
  lo.path = tools::LedgerPath(data);
  lo.read_only = true;
  std::vector<std::pair<std::string, std::string>> people;
  {
    EJ_ASSIGN_OR_RETURN(std::unique_ptr<Ledger> ledger, Ledger::Open(lo));
    EntryStream stream(*ledger, 1);
    for (;;) {
      EJ_ASSIGN_OR_RETURN(auto entries, stream.Next());
      if (entries.empty()) break;
      for (const ParsedEntry& e : entries) {
        if (e.body.has_guardian_linked()) {
          people.emplace_back(e.body.school_id(), e.body.guardian_linked().guardian_id());
        }
      }
    }
  }
  std::sort(people.begin(), people.end());
  people.erase(std::unique(people.begin(), people.end()), people.end());
  api::NotifySettings settings;
  settings.email_kinds = {school::NoticeKind::kMark, school::NoticeKind::kAbsence,
                          school::NoticeKind::kHomework};
  std::fprintf(stderr, "notifications: %zu guardians take mail\n", people.size());
  return api::Notifier::OptInOffline(data, people, settings, "example.test");
}

// A metric of GET /metrics (-1 when absent).
double MetricOf(httplib::Client& c, const std::string& name) {
  auto r = c.Get("/metrics");
  if (!r || r->status != 200) return -1;
  std::istringstream in(r->body);
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with(name + " ")) return std::stod(line.substr(name.size() + 1));
  }
  return -1;
}

// After the writes: how long the notifier took to catch up with the ledger, and what it composed.
void ReportNotifications(const std::string& url) {
  httplib::Client c(url);
  const auto start = Steady::now();
  double lag = MetricOf(c, "ejournal_notify_lag_entries");
  if (lag < 0) return;
  const double first = lag;
  while (lag > 0 && Steady::now() - start < std::chrono::minutes(5)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    lag = MetricOf(c, "ejournal_notify_lag_entries");
    // A notifier that is off (--notify-poll-ms 0) never moves: nothing to report.
    if (lag == first && Steady::now() - start > std::chrono::seconds(2)) return;
  }
  std::printf(
      "\nnotifications: %.0f notices composed, %.0f mails queued; the feed caught up %.2f s after "
      "the last write (lag %.0f entries)\n",
      MetricOf(c, "ejournal_notices_total"), MetricOf(c, "ejournal_mail_queued"),
      Ms(Steady::now() - start) / 1000.0, lag);
}

int Run(RunOptions o) {
  if (o.mode != "batch" && o.mode != "write" && o.mode != "mixed") {
    return Fail(InvalidArgument("--mode is batch, write or mixed"));
  }
  auto day = LoadDay(o.prepared);
  if (!day) return Fail(day.error());
  ServerProcess server;
  std::string url = o.server;
  if (url.empty()) {
    if (o.ejournald.empty()) return Fail(InvalidArgument("give --ejournald PATH or --server URL"));
    if (o.work.empty()) o.work = o.prepared + ".run";
    std::error_code ec;
    std::filesystem::remove_all(o.work, ec);
    std::filesystem::copy(o.prepared, o.work, std::filesystem::copy_options::recursive, ec);
    if (ec) return Fail(IoError("cannot copy " + o.prepared + ": " + ec.message()));
    if (std::any_of(o.server_args.begin(), o.server_args.end(), [](const std::string& a) {
          return a == "--kafka" || a.starts_with("--kafka=");
        })) {
      if (Status st = MarkPreparedReplicated(o.work, day->meta["ledger_size"].get<uint64_t>());
          !st.ok()) {
        return Fail(st);
      }
    }
    if (o.notify_everyone) {
      if (Status st = OptInEveryGuardian(o.work); !st.ok()) return Fail(st);
      o.server_args.insert(o.server_args.end(), {"--smtp-url", "smtp://127.0.0.1:9", "--smtp-from",
                                                 "bench@example.test"});
    }
    const int threads = o.server_threads > 0 ? o.server_threads : o.clients + o.read_clients + 4;
    std::vector<std::string> args = {o.ejournald,
                                     "--data",
                                     o.work,
                                     "--port",
                                     "0",
                                     "--threads",
                                     std::to_string(threads),
                                     "--log-level",
                                     "warn",
                                     "--timing-header",
                                     "--bench-clock-start",
                                     std::to_string(day->meta["clock_start_us"].get<int64_t>())};
    args.insert(args.end(), o.server_args.begin(), o.server_args.end());
    if (Status st = server.Start(args, o.work + "/ejournald.log"); !st.ok()) return Fail(st);
    url = server.url();
  }
  std::fprintf(stderr, "%s: the day %s, %zu events in %zu streams, server %s\n", o.mode.c_str(),
               day->meta.value("day", std::string()).c_str(), day->events, day->streams.size(),
               url.c_str());
  std::string token;
  if (o.mode == "mixed") {
    auto t = SignIn(url, day->meta);
    if (!t) return Fail(t.error());
    token = *t;
  }
  const uint64_t errors =
      o.mode == "batch" ? RunBatch(url, *day, o) : RunWrites(url, *day, o, token, server.pid());
  if (server.pid() > 0) ReportNotifications(url);
  const int stopped = server.Stop();
  if (stopped != 0) {
    std::fprintf(stderr, "error: ejournald exited with %d (see %s/ejournald.log)\n", stopped,
                 o.work.c_str());
    return 1;
  }
  if (errors > o.max_errors) {
    std::fprintf(stderr, "error: %llu errors (at most %llu allowed)\n",
                 static_cast<unsigned long long>(errors),
                 static_cast<unsigned long long>(o.max_errors));
    return 1;
  }
  return 0;
}

// The disk's own latency, for the write numbers' context: `count` appends of 4 KiB to a file in
// `dir`, each followed by fdatasync (what a group commit's WAL sync costs at least).
int Fsync(const std::string& dir, int count) {
  const std::string path = dir + "/.ejournal_load_fsync";
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return Fail(IoError("cannot create " + path));
  const std::string block(4096, 'x');
  std::vector<double> ms;
  for (int i = 0; i < count; ++i) {
    if (write(fd, block.data(), block.size()) != static_cast<ssize_t>(block.size())) break;
    const auto t0 = Steady::now();
    if (fdatasync(fd) != 0) break;
    ms.push_back(Ms(Steady::now() - t0));
  }
  close(fd);
  unlink(path.c_str());
  if (ms.size() != static_cast<size_t>(count)) return Fail(IoError("writing " + path + " failed"));
  const double max = *std::max_element(ms.begin(), ms.end());
  std::printf(
      "fdatasync of a 4 KiB append in %s (%d): p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, "
      "max %.2f ms\n",
      dir.c_str(), count, Percentile(ms, 50), Percentile(ms, 90), Percentile(ms, 99), max);
  return 0;
}

}  // namespace
}  // namespace ejournal

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  CLI::App app{"ejournal_load: a generated school day replayed against ejournald over HTTP"};
  app.require_subcommand(1);
  std::string data;
  ejournal::synth::Options options;
  options.weeks = 2;
  auto* prepare = app.add_subcommand("prepare", "a data directory and the day to replay");
  prepare->add_option("--data", data, "a new data directory")->required();
  prepare->add_option("--schools", options.schools, "schools")->capture_default_str();
  prepare->add_option("--classes", options.classes, "classes per school")->capture_default_str();
  prepare->add_option("--students", options.students, "students per school")->capture_default_str();
  prepare->add_option("--teachers", options.teachers, "teachers per school")->capture_default_str();
  prepare->add_option("--weeks", options.weeks, "study weeks generated (the day is in the first)")
      ->capture_default_str();
  prepare->add_option("--seed", options.seed, "seed")->capture_default_str();
  ejournal::RunOptions o;
  auto* run = app.add_subcommand("run", "replay the day against ejournald");
  run->add_option("--prepared", o.prepared, "a directory made by prepare (not changed)")
      ->required();
  run->add_option("--ejournald", o.ejournald, "the ejournald binary to start on a copy");
  run->add_option("--server", o.server,
                  "or a running server's URL (started on a copy of the "
                  "prepared directory with --bench-clock-start)");
  run->add_option("--work", o.work, "the copy (default PREPARED.run, replaced)");
  run->add_option("--mode", o.mode, "batch, write or mixed")->capture_default_str();
  run->add_option("--clients", o.clients, "concurrent writing connections")->capture_default_str();
  run->add_option("--read-clients", o.read_clients, "concurrent reading connections (mixed)")
      ->capture_default_str();
  run->add_option("--server-threads", o.server_threads,
                  "ejournald --threads (0: every connection one)")
      ->capture_default_str();
  run->add_flag(
      "--notify-everyone", o.notify_everyone,
      "every guardian takes mail of marks, absences and homework (queued: no SMTP server)");
  run->add_option("--server-arg", o.server_args,
                  "one more ejournald argument (repeatable), e.g. --server-arg=--diary-cache-mb=0");
  run->add_option("--batch-events", o.batch_events, "events per batch (batch)")
      ->capture_default_str();
  run->add_option("--rate", o.rate, "single-event writes per second (write, mixed)")
      ->capture_default_str();
  run->add_option("--read-rate", o.read_rate, "diary reads per second (mixed)")
      ->capture_default_str();
  run->add_option("--max-events", o.max_events, "replay only the first N events (0: the day)")
      ->capture_default_str();
  run->add_option("--interleave", o.interleave,
                  "single writes: streams sent round-robin in windows of this many")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  run->add_option("--verify-limit", o.verify_limit,
                  "the machine's Ed25519 verifies/s on all cores (openssl speed), for the ratio");
  run->add_option("--max-errors", o.max_errors, "exit 1 beyond this many errors")
      ->capture_default_str();
  std::string fsync_dir = ".";
  int fsync_count = 200;
  auto* fsync = app.add_subcommand("fsync", "the disk's fdatasync latency (context for writes)");
  fsync->add_option("--dir", fsync_dir, "a directory on the disk to measure")
      ->capture_default_str();
  fsync->add_option("--count", fsync_count, "synced appends")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (*prepare) return ejournal::Prepare(data, options);
  if (*fsync) return ejournal::Fsync(fsync_dir, fsync_count);
  return ejournal::Run(o);
}
