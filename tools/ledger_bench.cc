// ledger_bench: the ledger's benchmarks (docs/BENCHMARKS.md). Not part of the test run.
//
//   ledger_bench append  --entries N      durable appends/s with group commit, vs raw RocksDB
//   ledger_bench verify  --seconds S      verifications/s on all cores, vs `openssl speed`
//                                         (and, for Ed25519, vs libsodium's bare loop)
//   ledger_bench proofs  --entries N      inclusion/consistency proof latency percentiles
//
// Each prints a Markdown table row set to stdout, ready for docs/BENCHMARKS.md.
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>
#include <sodium.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <thread>

#include "ejournal/v1/event.pb.h"
#include "ejournal/v1/ledger.pb.h"
#include "ledger/crypto.h"
#include "ledger/event_codec.h"
#include "ledger/ledger.h"
#include "ledger/signed_note.h"
#include "schemas/mutex.h"

namespace ejournal {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

double Percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  size_t k = static_cast<size_t>(p / 100.0 * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

// A realistic unsigned request: an EventBody of about `payload` bytes in a SignedEvent with a
// 64-byte signature (the ledger itself does not check signatures; admission does, before it).
AppendRequest MakeRequest(uint64_t i, size_t payload) {
  v1::EventBody body;
  body.set_schema_version(1);
  body.set_event_id("bench-" + std::to_string(i));
  body.set_school_id("school-0001");
  body.set_actor_id("teacher-0042");
  body.set_credential_id("cred-0042");
  body.set_client_time_us(1'788'000'000'000'000 + static_cast<int64_t>(i));
  auto* user = body.mutable_user_registered();
  user->set_user_id("student-" + std::to_string(i));
  user->add_roles(v1::ROLE_STUDENT);
  const size_t size = body.ByteSizeLong();
  if (size < payload) user->set_display_name(std::string(payload - size, 'x'));
  v1::SignedEvent signed_event;
  signed_event.set_body(body.SerializeAsString());
  signed_event.set_signature(std::string(64, '\x5a'));
  signed_event.set_credential_id("cred-0042");
  AppendRequest req;
  req.event_id = body.event_id();
  req.body_digest = crypto::Sha256(signed_event.body());
  req.signed_event = signed_event.SerializeAsString();
  return req;
}

Result<std::shared_ptr<note::NoteSigner>> BenchSigner() {
  EJ_ASSIGN_OR_RETURN(auto key, crypto::PrivateKey::Generate(crypto::KeyType::kEd25519));
  EJ_ASSIGN_OR_RETURN(auto signer, note::NoteSigner::Create("ejournal.bench/ledger", key));
  return std::make_shared<note::NoteSigner>(std::move(signer));
}

// Appends `requests` through AppendAsync with at most `window` in flight; returns seconds taken.
Result<double> FeedLedger(Ledger& ledger, std::vector<AppendRequest>& requests, size_t window,
                          bool progress) {
  std::atomic<uint64_t> done{0};
  std::atomic<uint64_t> failed{0};
  Mutex mu;
  std::condition_variable cv;
  const auto start = Clock::now();
  for (size_t i = 0; i < requests.size(); ++i) {
    {
      UniqueLock lock(&mu);
      lock.Wait(cv, [&] { return i - done.load() < window; });
    }
    ledger.AppendAsync(std::move(requests[i]), [&](Result<AppendResult> r) {
      if (!r) failed.fetch_add(1);
      MutexLock lock(&mu);  // no lost wake-up between the check and the wait
      done.fetch_add(1);
      cv.notify_one();
    });
    if (progress && i % 1'000'000 == 0 && i > 0) {
      std::fprintf(stderr, "  appended %zu of %zu\n", i, requests.size());
    }
  }
  UniqueLock lock(&mu);
  lock.Wait(cv, [&] { return done.load() == requests.size(); });
  if (failed.load() > 0) return Err(Internal(std::to_string(failed.load()) + " appends failed"));
  return Seconds(Clock::now() - start);
}

int RunAppend(uint64_t entries, size_t payload, size_t window, const std::string& dir) {
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto signer = BenchSigner();
  if (!signer) return 1;

  std::vector<AppendRequest> requests;
  requests.reserve(entries);
  for (uint64_t i = 0; i < entries; ++i) requests.push_back(MakeRequest(i, payload));
  const size_t entry_bytes = requests[0].signed_event.size() + 16;

  LedgerOptions options;
  options.path = dir + "/ledger";
  options.origin = "ejournal.bench/ledger";
  options.checkpoint_signer = *signer;
  auto ledger = Ledger::Open(options);
  if (!ledger) {
    std::fprintf(stderr, "%s\n", ledger.error().ToString().c_str());
    return 1;
  }
  auto secs = FeedLedger(**ledger, requests, window, true);
  if (!secs) {
    std::fprintf(stderr, "%s\n", secs.error().ToString().c_str());
    return 1;
  }
  const LedgerStats stats = (*ledger)->stats();
  const double ledger_rate = static_cast<double>(entries) / *secs;
  const double mean_group = static_cast<double>(stats.entries) / static_cast<double>(stats.groups);
  ledger->reset();

  // RocksDB's own rate on the same disk: the same bytes, batches of the same mean size, one sync
  // each, one column family, no tree, no index.
  rocksdb::Options raw_options;
  raw_options.create_if_missing = true;
  rocksdb::DB* raw_db = nullptr;
  auto s = rocksdb::DB::Open(raw_options, dir + "/raw", &raw_db);
  if (!s.ok()) return 1;
  std::unique_ptr<rocksdb::DB> raw(raw_db);
  std::string value(entry_bytes, 'v');
  const uint64_t group = std::max<uint64_t>(1, static_cast<uint64_t>(mean_group));
  rocksdb::WriteOptions wo;
  wo.sync = true;
  const auto raw_start = Clock::now();
  for (uint64_t i = 0; i < entries;) {
    rocksdb::WriteBatch batch;
    for (uint64_t k = 0; k < group && i < entries; ++k, ++i) {
      char key[8];
      for (int b = 0; b < 8; ++b) key[b] = static_cast<char>((i >> (56 - 8 * b)) & 0xff);
      batch.Put(rocksdb::Slice(key, 8), value);
    }
    if (!raw->Write(wo, &batch).ok()) return 1;
  }
  const double raw_rate = static_cast<double>(entries) / Seconds(Clock::now() - raw_start);
  raw.reset();
  std::filesystem::remove_all(dir);

  std::printf(
      "| append, durable, group commit | %llu entries of %zu B | %.0f entries/s | "
      "mean group %.0f, largest %llu, %llu checkpoints |\n",
      static_cast<unsigned long long>(entries), entry_bytes, ledger_rate, mean_group,
      static_cast<unsigned long long>(stats.largest_group),
      static_cast<unsigned long long>(stats.checkpoints));
  std::printf(
      "| raw RocksDB, same batches, sync | %llu values of %zu B | %.0f puts/s | "
      "ledger/raw = %.2f |\n",
      static_cast<unsigned long long>(entries), entry_bytes, raw_rate, ledger_rate / raw_rate);
  return 0;
}

// `openssl speed -multi T -seconds S <alg>`: the verify/s column of the last line naming `what`.
double OpenSslVerifyRate(const std::string& alg, const std::string& what, int threads,
                         int seconds) {
  std::string cmd = "openssl speed -multi " + std::to_string(threads) + " -seconds " +
                    std::to_string(seconds) + " " + alg + " 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return 0;
  char line[512];
  double rate = 0;
  while (std::fgets(line, sizeof line, p) != nullptr) {
    std::string l(line);
    if (l.find(what) == std::string::npos) continue;
    auto last_space = l.find_last_of(" \t", l.find_last_not_of(" \t\n") - 1);
    rate = std::atof(l.c_str() + last_space + 1);
  }
  pclose(p);
  return rate;
}

// Calls of `call(i)` per second on `threads` threads for `seconds` (thread t passes i = t, t +
// threads, ...; a call that returns false aborts: a verification that must succeed failed).
template <typename Call>
double CallsPerSecond(int threads, double seconds, const Call& call) {
  std::atomic<uint64_t> count{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> workers;
  const auto start = Clock::now();
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      uint64_t n = 0;
      for (size_t i = static_cast<size_t>(t); !stop.load(std::memory_order_relaxed);
           i += static_cast<size_t>(threads)) {
        if (!call(i)) std::abort();
        ++n;
      }
      count.fetch_add(n);
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop.store(true);
  for (auto& w : workers) w.join();
  return static_cast<double>(count.load()) / Seconds(Clock::now() - start);
}

// The library's own bare rate: libsodium's crypto_sign_verify_detached of one ~300-byte message
// (admission adds decoding, the signed bytes' framing and the key lookup).
double SodiumVerifyRate(int threads, double seconds) {
  if (sodium_init() < 0) return 0;
  unsigned char pk[crypto_sign_PUBLICKEYBYTES];
  unsigned char sk[crypto_sign_SECRETKEYBYTES];
  crypto_sign_keypair(pk, sk);
  const std::vector<unsigned char> message(300, 0x5a);
  unsigned char sig[crypto_sign_BYTES];
  crypto_sign_detached(sig, nullptr, message.data(), message.size(), sk);
  return CallsPerSecond(threads, seconds, [&](size_t) {
    return crypto_sign_verify_detached(sig, message.data(), message.size(), pk) == 0;
  });
}

int RunVerify(double seconds, int threads) {
  struct Case {
    crypto::KeyType type;
    std::string openssl_alg, openssl_line;
  };
  const std::vector<Case> cases = {{crypto::KeyType::kEd25519, "ed25519", "Ed25519"},
                                   {crypto::KeyType::kEcdsaP256, "ecdsap256", "nistp256"}};
  for (const auto& c : cases) {
    auto key = crypto::PrivateKey::Generate(c.type);
    if (!key) return 1;
    // Real signed events, decoded as admission decodes them.
    std::vector<DecodedEvent> events;
    for (int i = 0; i < 256; ++i) {
      AppendRequest req = MakeRequest(static_cast<uint64_t>(i), 200);
      v1::SignedEvent se;
      se.ParseFromString(req.signed_event);
      v1::EventBody body;
      body.ParseFromString(se.body());
      auto signed_bytes = SignEvent(body, *key);
      if (!signed_bytes) return 1;
      auto decoded = DecodeSignedEvent(*signed_bytes);
      if (!decoded) {
        std::fprintf(stderr, "%s\n", decoded.error().ToString().c_str());
        return 1;
      }
      events.push_back(std::move(*decoded));
    }
    const double ours = CallsPerSecond(threads, seconds, [&](size_t i) {
      return VerifyEventSignature(events[i % events.size()], key->public_key()).ok();
    });
    const double theirs = OpenSslVerifyRate(c.openssl_alg, c.openssl_line, threads,
                                            std::max(1, static_cast<int>(seconds)));
    char library[128] = "";
    if (c.type == crypto::KeyType::kEd25519) {
      // Ed25519 verifies with libsodium (ledger/crypto.h): its bare rate is the limit to compare.
      const double sodium = SodiumVerifyRate(threads, std::max(1.0, seconds));
      std::snprintf(library, sizeof library, "; libsodium bare, %d threads: %.0f/s, ratio %.2f",
                    threads, sodium, sodium > 0 ? ours / sodium : 0.0);
    }
    std::printf(
        "| verify %s, %d threads | decoded events of ~300 B | %.0f verifies/s | "
        "openssl speed -multi %d: %.0f/s, ratio %.2f%s |\n",
        c.openssl_alg.c_str(), threads, ours, threads, theirs, theirs > 0 ? ours / theirs : 0.0,
        library);
  }
  return 0;
}

int RunProofs(uint64_t entries, size_t samples, const std::string& dir, bool keep, size_t cache_mb,
              size_t warmup) {
  LedgerOptions options;
  options.block_cache_bytes = cache_mb << 20;
  options.path = dir + "/ledger";
  options.origin = "ejournal.bench/ledger";
  auto signer = BenchSigner();
  if (!signer) return 1;
  options.checkpoint_signer = *signer;
  options.checkpoint_interval_us = 10'000'000;
  auto ledger = Ledger::Open(options);
  if (!ledger) {
    std::fprintf(stderr, "%s\n", ledger.error().ToString().c_str());
    return 1;
  }
  Ledger& l = **ledger;
  if (l.size() < entries) {
    std::fprintf(stderr, "building a ledger of %llu entries in %s\n",
                 static_cast<unsigned long long>(entries), dir.c_str());
    const uint64_t chunk = 1'000'000;
    for (uint64_t from = l.size(); from < entries; from += chunk) {
      std::vector<AppendRequest> requests;
      for (uint64_t i = from; i < std::min(entries, from + chunk); ++i) {
        requests.push_back(MakeRequest(i, 200));
      }
      if (!FeedLedger(l, requests, 100'000, false)) return 1;
      std::fprintf(stderr, "  %llu entries\n", static_cast<unsigned long long>(l.size()));
    }
  }
  const uint64_t size = l.size();
  std::mt19937_64 rng(42);
  std::vector<double> inclusion_us, consistency_us;
  inclusion_us.reserve(samples);
  consistency_us.reserve(samples);
  auto root = l.Root(size);
  if (!root) return 1;
  // Warm-up (not measured): a server that has been serving proofs has its hot tiles cached.
  for (size_t s = 0; s < warmup; ++s) {
    if (!l.InclusionProof(rng() % size, size)) return 1;
    if (!l.ConsistencyProof(1 + rng() % size, size)) return 1;
  }
  for (size_t s = 0; s < samples; ++s) {
    const uint64_t index = rng() % size;
    auto t0 = Clock::now();
    auto proof = l.InclusionProof(index, size);
    inclusion_us.push_back(Seconds(Clock::now() - t0) * 1e6);
    if (!proof) return 1;
    if (s % 1000 == 0) {  // spot-check correctness outside the timed part
      auto leaf = merkle::LeafHash(*l.Entry(index + 1));
      if (!merkle::VerifyInclusion(leaf, index, size, *proof, *root).ok()) {
        std::fprintf(stderr, "inclusion proof %zu does not verify\n", s);
        return 1;
      }
    }
    const uint64_t old_size = 1 + rng() % size;
    t0 = Clock::now();
    auto cproof = l.ConsistencyProof(old_size, size);
    consistency_us.push_back(Seconds(Clock::now() - t0) * 1e6);
    if (!cproof) return 1;
  }
  std::printf(
      "| inclusion proof | %llu entries, %zu random leaves, %zu MiB block cache, %zu warm-up "
      "| p50 %.1f µs | p99 %.1f µs, p99.9 %.1f µs |\n",
      static_cast<unsigned long long>(size), samples, cache_mb, warmup,
      Percentile(inclusion_us, 50), Percentile(inclusion_us, 99), Percentile(inclusion_us, 99.9));
  std::printf(
      "| consistency proof | %llu entries, %zu random old sizes, %zu MiB block cache, %zu "
      "warm-up | p50 %.1f µs | p99 %.1f µs, p99.9 %.1f µs |\n",
      static_cast<unsigned long long>(size), samples, cache_mb, warmup,
      Percentile(consistency_us, 50), Percentile(consistency_us, 99),
      Percentile(consistency_us, 99.9));
  ledger->reset();
  if (!keep) std::filesystem::remove_all(dir);
  return 0;
}

}  // namespace
}  // namespace ejournal

int main(int argc, char** argv) {
  spdlog::set_level(spdlog::level::warn);
  CLI::App app{"ejournal ledger benchmarks (results as Markdown table rows)"};
  app.require_subcommand(1);

  uint64_t entries = 1'000'000;
  size_t payload = 200, window = 50'000, samples = 100'000;
  std::string dir = "/tmp/ejournal-bench";
  double seconds = 5;
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  bool keep = false;

  auto* append = app.add_subcommand("append", "durable appends/s with group commit vs raw RocksDB");
  append->add_option("--entries", entries, "entries to append")->capture_default_str();
  append->add_option("--payload", payload, "approximate body bytes")->capture_default_str();
  append->add_option("--window", window, "appends in flight")->capture_default_str();
  append->add_option("--dir", dir, "scratch directory (deleted)")->capture_default_str();

  auto* verify = app.add_subcommand("verify", "signature verifications/s vs openssl speed");
  verify->add_option("--seconds", seconds)->capture_default_str();
  verify->add_option("--threads", threads)->capture_default_str();

  uint64_t proof_entries = 10'000'000;
  auto* proofs = app.add_subcommand("proofs", "proof latency on a large ledger");
  proofs->add_option("--entries", proof_entries, "ledger size (built if smaller)")
      ->capture_default_str();
  proofs->add_option("--samples", samples)->capture_default_str();
  proofs->add_option("--dir", dir, "ledger directory (reused if present)")->capture_default_str();
  proofs->add_flag("--keep", keep, "keep the ledger for the next run");
  size_t cache_mb = ejournal::LedgerOptions().block_cache_bytes >> 20, warmup = 0;
  proofs->add_option("--block-cache-mb", cache_mb, "RocksDB block cache")->capture_default_str();
  proofs->add_option("--warmup", warmup, "unmeasured proofs first")->capture_default_str();

  CLI11_PARSE(app, argc, argv);
  if (*append) return ejournal::RunAppend(entries, payload, window, dir);
  if (*verify) return ejournal::RunVerify(seconds, threads);
  if (*proofs) return ejournal::RunProofs(proof_entries, samples, dir, keep, cache_mb, warmup);
  return 2;
}
