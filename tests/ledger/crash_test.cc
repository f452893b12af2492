// The crash test (the requirement): a child process appends under load and is killed with
// SIGKILL at random moments, many times; after each kill the ledger is reopened like a restarted
// node and must hold every acknowledged append at its acknowledged sequence, show nothing
// half-written, and verify: every entry, signature, tree node and checkpoint.
//
// The child is tests/ledger/crash_child.cc (target ledger_crash_child); it reports each append on
// stdout only after the ledger acknowledged it, so every complete line read here is a promise the
// ledger made. Each iteration's child continues the same ledger.
//
// What a SIGKILL cannot show: the kernel keeps the killed process's written pages, so this proves
// that an acknowledged group is complete in RocksDB's WAL and that recovery drops only what was
// never acknowledged, not that the fsync reached the disk. A power cut needs a file system that
// drops unsynced data behind LedgerOptions::file_system (tests/support's fault injection fails
// syncs and writes but does not drop data yet).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "ejournal/v1/event.pb.h"
#include "ejournal/v1/ledger.pb.h"
#include "ledger/ledger.h"
#include "ledger/merkle.h"
#include "ledger/node_key.h"
#include "ledger/signed_note.h"
#include "ledger/storage_format.h"
#include "ledger/tree_tiles.h"
#include "ledger/verifier.h"
#include "tests/support/temp_dir.h"

extern char** environ;

namespace ejournal {
namespace {

using SteadyClock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr uint64_t kDefaultIterations = 25;
// Most children are killed under load: at a random moment 0..kMaxLoadMs after their first
// acknowledged append. Every kStartupKillEvery-th, starting with the first, is killed at a random
// moment 0..kMaxStartupMs after it was started instead, which may land in the initialisation (the
// first run), RocksDB's recovery, CatchUp or the first groups.
constexpr int kMaxLoadMs = 150;
constexpr int kStartupKillEvery = 5;
// Sanitizer builds start the child about 3x slower (it takes ~100 ms to its first ack without).
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr int kMaxStartupMs = 450;
#else
constexpr int kMaxStartupMs = 150;
#endif
// A child that has not acknowledged anything by then is stuck.
constexpr auto kFirstAckTimeout = std::chrono::seconds(20);

uint64_t EnvOr(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return fallback;
  return std::strtoull(v, nullptr, 10);
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// One running ledger_crash_child with its stdout on a pipe. Killed and reaped when destroyed.
class CrashChild {
 public:
  CrashChild() = default;
  CrashChild(const CrashChild&) = delete;
  CrashChild& operator=(const CrashChild&) = delete;
  ~CrashChild() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
    if (fd_ >= 0) ::close(fd_);
  }

  // Starts `binary data_dir nonce`; its stderr is appended to `log_path`.
  ::testing::AssertionResult Start(const std::string& binary, const std::string& data_dir,
                                   const std::string& nonce, const std::string& log_path) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
      return ::testing::AssertionFailure() << "pipe2: " << std::strerror(errno);
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    // dup2 clears FD_CLOEXEC on the child's stdout; both pipe ends close on exec otherwise.
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, log_path.c_str(),
                                     O_WRONLY | O_CREAT | O_APPEND, 0644);
    std::vector<std::string> args = {binary, data_dir, nonce};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const int err = ::posix_spawn(&pid_, binary.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[1]);
    fd_ = fds[0];
    if (err != 0) {
      pid_ = -1;
      return ::testing::AssertionFailure()
             << "posix_spawn " << binary << ": " << std::strerror(err);
    }
    return ::testing::AssertionSuccess();
  }

  // Collects the child's stdout until `deadline` (so that the pipe never fills and stalls it), or
  // with `until_first_line` only until a complete line has arrived. True if one has.
  bool ReadUntil(SteadyClock::time_point deadline, bool until_first_line = false) {
    while (fd_ >= 0 && !(until_first_line && output_.find('\n') != std::string::npos)) {
      const auto left =
          std::chrono::duration_cast<milliseconds>(deadline - SteadyClock::now()).count();
      if (left <= 0) break;
      pollfd p{.fd = fd_, .events = POLLIN, .revents = 0};
      const int n = ::poll(&p, 1, static_cast<int>(left));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      if (!ReadSome()) break;  // EOF: the child is gone already
    }
    return output_.find('\n') != std::string::npos;
  }

  // SIGKILL, reap, then read what the child wrote before it died. Returns the wait status.
  int KillAndReap() {
    int status = 0;
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
      }
      pid_ = -1;
    }
    while (fd_ >= 0 && ReadSome()) {
    }
    return status;
  }

  const std::string& output() const { return output_; }

 private:
  // False at EOF or on an error.
  bool ReadSome() {
    char buf[1 << 16];
    while (true) {
      const ssize_t n = ::read(fd_, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        ::close(fd_);
        fd_ = -1;
        return false;
      }
      output_.append(buf, static_cast<size_t>(n));
      return true;
    }
  }

  pid_t pid_ = -1;
  int fd_ = -1;
  std::string output_;
};

struct Ack {
  std::string event_id;
  uint64_t sequence = 0;
};

// The complete lines "<event id> <sequence>\n". A last line without its '\n' is ignored: the child
// died while writing it, so it never fully reported that append.
std::vector<Ack> ParseAcks(std::string_view out) {
  std::vector<Ack> acks;
  size_t start = 0;
  for (size_t nl = out.find('\n'); nl != std::string_view::npos; nl = out.find('\n', start)) {
    std::string_view line = out.substr(start, nl - start);
    start = nl + 1;
    const size_t space = line.find(' ');
    Ack ack;
    if (space != std::string_view::npos) {
      ack.event_id = std::string(line.substr(0, space));
      ack.sequence = std::strtoull(std::string(line.substr(space + 1)).c_str(), nullptr, 10);
    }
    EXPECT_TRUE(!ack.event_id.empty() && ack.sequence > 0) << "malformed ack line: " << line;
    acks.push_back(std::move(ack));
  }
  return acks;
}

// What the test knows across kills.
struct CrashHistory {
  std::unordered_map<std::string, uint64_t> acked;     // event id -> acknowledged sequence
  std::unordered_map<uint64_t, std::string> acked_at;  // sequence -> event id
  uint64_t size = 0;                                   // ledger size after the last restart
  merkle::Hash root{};                                 // Root(size) then
};

// Reopens the ledger as a restarted node would and checks everything the issue asks for.
void CheckAfterRestart(const std::string& data_dir, const std::string& verifier_key,
                       CrashHistory& history) {
  LedgerOptions options;
  options.path = data_dir + "/ledger";
  // Read-write, like a restart (RocksDB recovers its WAL), but without a signer: this process
  // only reads, its writer never writes a checkpoint of its own.
  auto opened = Ledger::Open(std::move(options));
  ASSERT_TRUE(opened.has_value()) << opened.error().ToString();
  const Ledger& ledger = **opened;
  const uint64_t size = ledger.size();

  // Append-only across restarts: what was there before is still there, unchanged.
  ASSERT_GE(size, history.size) << "the ledger shrank";
  if (history.size > 0) {
    auto old_root = ledger.Root(history.size);
    ASSERT_TRUE(old_root.has_value()) << old_root.error().ToString();
    EXPECT_EQ(*old_root, history.root) << "the tree of size " << history.size << " changed";
  }

  // Entries 1..size, contiguous (ForEachEntry refuses a gap), each parsing as its own sequence.
  std::vector<std::string> ids(size);
  uint64_t visited = 0;
  Status scan = ledger.ForEachEntry(1, [&](uint64_t seq, std::string_view bytes) {
    ++visited;
    v1::LedgerEntry entry;
    v1::EventBody body;
    if (!entry.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())) ||
        entry.sequence() != seq || !body.ParseFromString(entry.event().body())) {
      ADD_FAILURE() << "entry " << seq << " does not parse as itself";
      return false;
    }
    ids[seq - 1] = body.event_id();
    return true;
  });
  ASSERT_TRUE(scan.ok()) << scan.ToString();
  ASSERT_EQ(visited, size);

  // Nothing half-written: no entry, index record, tree node or checkpoint beyond `size`, and the
  // event-id index holds exactly the entries.
  const LedgerColumnFamilies& cf = ledger.column_families();
  {
    std::unique_ptr<rocksdb::Iterator> it(ledger.db()->NewIterator({}, cf.entries));
    it->SeekToLast();
    ASSERT_TRUE(it->status().ok()) << it->status().ToString();
    if (size > 0) {
      ASSERT_TRUE(it->Valid());
      EXPECT_EQ(storage::DecodeBigEndian64(it->key().ToStringView()), size);
    }
  }
  {
    std::unique_ptr<rocksdb::Iterator> it(ledger.db()->NewIterator({}, cf.event_ids));
    uint64_t indexed = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      ++indexed;
      ASSERT_GE(it->value().size(), 8u);
      const uint64_t seq = storage::DecodeBigEndian64(it->value().ToStringView());
      ASSERT_TRUE(seq >= 1 && seq <= size)
          << "event id " << it->key().ToString() << " indexed at " << seq << " of " << size;
      EXPECT_EQ(ids[seq - 1], it->key().ToString()) << "the index and entry " << seq << " differ";
    }
    ASSERT_TRUE(it->status().ok()) << it->status().ToString();
    EXPECT_EQ(indexed, size);
  }
  {
    std::unique_ptr<rocksdb::Iterator> it(ledger.db()->NewIterator({}, cf.nodes));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      ASSERT_EQ(it->key().size(), 9u);
      const auto tile_level = static_cast<uint8_t>(it->key()[0]);
      const uint64_t tile_index = storage::DecodeBigEndian64(it->key().ToStringView().substr(1));
      auto tile = storage::Tile::Decode(it->value().ToStringView());
      ASSERT_TRUE(tile.has_value()) << tile.error().ToString();
      // The tile's last row-0 node covers leaves up to this bound.
      const uint64_t covered = (tile_index * storage::kTileWidth + tile->width())
                               << (storage::kTileHeight * tile_level);
      EXPECT_LE(covered, size) << "tree tile " << int{tile_level} << "/" << tile_index
                               << " covers unwritten entries";
    }
    ASSERT_TRUE(it->status().ok()) << it->status().ToString();
  }
  Status cps = ledger.ForEachCheckpoint([&](uint64_t cp_size, std::string_view) {
    EXPECT_LE(cp_size, size) << "a checkpoint covers unwritten entries";
    return true;
  });
  ASSERT_TRUE(cps.ok()) << cps.ToString();

  // Every acknowledged append, from every run so far, at exactly its acknowledged sequence.
  for (const auto& [event_id, seq] : history.acked) {
    auto found = ledger.SequenceOf(event_id);
    ASSERT_TRUE(found.has_value())
        << "acknowledged " << event_id << " at " << seq << " is lost: " << found.error().ToString();
    ASSERT_EQ(*found, seq) << event_id;
    ASSERT_LE(seq, size) << event_id;
    ASSERT_EQ(ids[seq - 1], event_id) << "entry " << seq;
  }

  // The auditor's check: every entry, signature, leaf, node and checkpoint.
  VerifyOptions verify;
  verify.node_verifier_key = verifier_key;
  auto report = VerifyLedger(ledger, verify);
  ASSERT_TRUE(report.has_value()) << report.error().ToString();
  EXPECT_EQ(report->entries, size);
  EXPECT_EQ(report->signatures, size);
  auto root = ledger.Root(size);
  ASSERT_TRUE(root.has_value()) << root.error().ToString();
  EXPECT_EQ(report->root, *root);

  // The latest checkpoint: signed by the node, within the tree, with the tree's root at its size.
  auto latest = ledger.LatestCheckpoint();
  ASSERT_TRUE(latest.has_value()) << latest.error().ToString();
  auto note_verifier = note::NoteVerifier::FromVerifierKey(verifier_key);
  ASSERT_TRUE(note_verifier.has_value()) << note_verifier.error().ToString();
  auto text = note_verifier->Open(*latest);
  ASSERT_TRUE(text.has_value()) << text.error().ToString();
  auto checkpoint = note::Checkpoint::Parse(*text);
  ASSERT_TRUE(checkpoint.has_value()) << checkpoint.error().ToString();
  ASSERT_LE(checkpoint->size, size);
  auto cp_root = ledger.Root(checkpoint->size);
  ASSERT_TRUE(cp_root.has_value()) << cp_root.error().ToString();
  EXPECT_EQ(*cp_root, checkpoint->root) << "checkpoint at size " << checkpoint->size;

  history.size = size;
  history.root = *root;
}

TEST(LedgerCrashTest, EveryAcknowledgedAppendSurvivesSigkill) {
  const uint64_t iterations = EnvOr("EJOURNAL_CRASH_ITERATIONS", kDefaultIterations);
  const uint64_t seed = EnvOr("EJOURNAL_CRASH_SEED", std::random_device{}());
  std::printf("[ crash    ] EJOURNAL_CRASH_SEED=%llu EJOURNAL_CRASH_ITERATIONS=%llu\n",
              static_cast<unsigned long long>(seed), static_cast<unsigned long long>(iterations));
  std::fflush(stdout);
  SCOPED_TRACE("replay with EJOURNAL_CRASH_SEED=" + std::to_string(seed));
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> load_ms(0, kMaxLoadMs);
  std::uniform_int_distribution<int> startup_ms(0, kMaxStartupMs);

  testing::TempDir dir;
  const std::string data_dir = dir.Sub("data");
  const std::string log_path = dir.Sub("child.log");
  CrashHistory history;
  uint64_t runs_with_acks = 0;
  uint64_t kills_under_load = 0;      // after the child's first ack
  uint64_t kills_in_init = 0;         // before the first child finished initialising
  uint64_t runs_with_unreported = 0;  // durable entries the killed child never got to report
  const auto start = SteadyClock::now();

  for (uint64_t i = 0; i < iterations; ++i) {
    SCOPED_TRACE("iteration " + std::to_string(i));
    CrashChild child;
    ASSERT_TRUE(child.Start(EJOURNAL_CRASH_CHILD, data_dir,
                            "s" + std::to_string(seed) + "i" + std::to_string(i), log_path));
    if (i % kStartupKillEvery == 0) {
      child.ReadUntil(SteadyClock::now() + milliseconds(startup_ms(rng)));
    } else {
      ASSERT_TRUE(child.ReadUntil(SteadyClock::now() + kFirstAckTimeout, /*until_first_line=*/true))
          << "the child acknowledged nothing; its stderr:\n"
          << ReadWholeFile(log_path);
      ++kills_under_load;
      child.ReadUntil(SteadyClock::now() + milliseconds(load_ms(rng)));
    }
    const int status = child.KillAndReap();
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "the child ended by itself (wait status " << status << "); its stderr:\n"
        << ReadWholeFile(log_path);

    const std::vector<Ack> acks = ParseAcks(child.output());
    uint64_t max_acked = 0;
    for (const Ack& ack : acks) {
      auto [at, fresh] = history.acked.emplace(ack.event_id, ack.sequence);
      ASSERT_TRUE(fresh) << ack.event_id << " was acknowledged twice";
      auto [by_seq, seq_fresh] = history.acked_at.emplace(ack.sequence, ack.event_id);
      ASSERT_TRUE(seq_fresh) << "sequence " << ack.sequence << " acknowledged for "
                             << by_seq->second << " and " << ack.event_id;
      max_acked = std::max(max_acked, ack.sequence);
    }
    if (!acks.empty()) ++runs_with_acks;

    if (!std::filesystem::exists(data_dir)) {
      // Killed while initialising (the child renames its data dir into place when done).
      ASSERT_TRUE(acks.empty());
      ++kills_in_init;
      continue;
    }
    auto vkey = ReadFile(data_dir + "/node.pub");
    ASSERT_TRUE(vkey.has_value()) << vkey.error().ToString();
    ASSERT_NO_FATAL_FAILURE(CheckAfterRestart(data_dir, Trim(*vkey), history));
    if (history.size > max_acked && !acks.empty()) ++runs_with_unreported;
  }

  const double seconds = std::chrono::duration<double>(SteadyClock::now() - start).count();
  std::printf(
      "[ crash    ] %llu kills (%llu under load, %llu initialising) in %.1f s: %zu appends "
      "acknowledged (ledger size %llu); %llu runs acknowledged appends, %llu were killed with "
      "durable appends not yet reported\n",
      static_cast<unsigned long long>(iterations),
      static_cast<unsigned long long>(kills_under_load),
      static_cast<unsigned long long>(kills_in_init), seconds, history.acked.size(),
      static_cast<unsigned long long>(history.size),
      static_cast<unsigned long long>(runs_with_acks),
      static_cast<unsigned long long>(runs_with_unreported));
  // Not vacuous: the children appended, most kills landed while appends were in flight, and some
  // caught a group that was durable but not yet reported (the kill fell inside the append path).
  if (iterations >= 2) {  // at least one of them under load
    EXPECT_GT(history.acked.size(), 0u);
    EXPECT_GE(runs_with_acks * 2, iterations) << "most children were killed before appending";
  }
  if (kills_under_load >= 10) {
    EXPECT_GT(runs_with_unreported, 0u);
  }
}

}  // namespace
}  // namespace ejournal
