// ledger_crash_child: the process that tests/ledger/crash_test.cc kills with SIGKILL.
//
//   ledger_crash_child DATA_DIR [RUN_NONCE]
//
// On its first run it initialises DATA_DIR the way `ejournal init` does (a node key, a ledger, a
// user and a credential issued to it by the node); later runs reopen it like a restarted node
// (Admission + CredentialRegistry + CatchUp). Then several threads append signed UserRegistered
// events through admission, with AppendAsync (a window of requests in flight) and AppendBatch,
// until the process is killed. Checkpoints are due every 2 ms, so they are written constantly.
//
// The protocol with the test: for every ACKNOWLEDGED append, and only after the ledger has
// acknowledged it, one line "<event id> <sequence>\n" goes to stdout with a single write(2) (less
// than PIPE_BUF bytes, so lines of different threads never interleave). Anything else goes to
// stderr; an unexpected error ends the process with status 2, which the test reports (it expects
// every run to end by SIGKILL).
//
// Initialisation must survive a kill too: it happens in DATA_DIR.init, which is renamed to
// DATA_DIR only when complete, so DATA_DIR is either absent or fully initialised.
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <random>
#include <semaphore>
#include <string>
#include <thread>
#include <vector>

#include "ejournal/v1/event.pb.h"
#include "ledger/admission.h"
#include "ledger/credentials.h"
#include "ledger/crypto.h"
#include "ledger/event_codec.h"
#include "ledger/ledger.h"
#include "ledger/node_key.h"

namespace ejournal::crash {
namespace {

constexpr char kOrigin[] = "ejournal.test/crash/1";
constexpr char kWriter[] = "crash-writer";
constexpr char kWriterCredential[] = "cred-crash-writer";
// The one school of the ledger: its credential acts only there (R-ACC-6).
constexpr char kSchool[] = "crash-school";
// Checkpoints are due with every group that comes 2 ms after the last one.
constexpr int64_t kCheckpointIntervalUs = 2'000;
// Threads 0..kAsyncThreads-1 keep kAsyncWindow requests in flight with AppendAsync; the others
// call AppendBatch with 1..kMaxBatch requests at a time.
constexpr int kThreads = 4;
constexpr int kAsyncThreads = 2;
constexpr std::ptrdiff_t kAsyncWindow = 32;
constexpr int kMaxBatch = 24;

[[noreturn]] void Die(const std::string& what, const Status& status) {
  std::fprintf(stderr, "ledger_crash_child: %s: %s\n", what.c_str(), status.ToString().c_str());
  std::fflush(stderr);
  std::_Exit(2);
}

template <typename T>
T Must(Result<T> r, const std::string& what) {
  if (!r) Die(what, r.error());
  return std::move(*r);
}

void Must(const Status& st, const std::string& what) {
  if (!st.ok()) Die(what, st);
}

int64_t NowMicros() { return SystemClock::Default()->NowMicros(); }

std::string NodeKeyPath(const std::string& dir) { return dir + "/node.key"; }
std::string NodePubPath(const std::string& dir) { return dir + "/node.pub"; }
std::string WriterKeyPath(const std::string& dir) { return dir + "/writer.key"; }
std::string LedgerPath(const std::string& dir) { return dir + "/ledger"; }

// The node's ledger, opened for writing with admission, as `ejournal` opens it.
struct Node {
  NodeIdentity identity;
  std::unique_ptr<CredentialRegistry> registry;
  std::unique_ptr<Admission> admission;
  std::unique_ptr<Ledger> ledger;
};

Node OpenNode(const std::string& dir, const std::string& origin) {
  Node node{.identity = Must(LoadNodeIdentity(NodeKeyPath(dir)), "loading the node key"),
            .registry = {},
            .admission = {},
            .ledger = {}};
  node.registry = std::make_unique<CredentialRegistry>();
  node.registry->AddNode(node.identity.credential_id, node.identity.key.public_key());
  node.admission = std::make_unique<Admission>(node.registry.get());
  LedgerOptions options;
  options.path = LedgerPath(dir);
  options.origin = origin;
  options.checkpoint_signer = node.identity.signer;
  options.observer = node.admission.get();
  options.checkpoint_interval_us = kCheckpointIntervalUs;
  node.ledger = Must(Ledger::Open(std::move(options)), "opening the ledger");
  Must(node.admission->CatchUp(*node.ledger), "catching up");
  return node;
}

// An event of the node itself (the bootstrap events of `ejournal init`).
void AppendAsNode(Node& node, v1::EventBody body, const std::string& event_id) {
  body.set_schema_version(kSchemaVersion);
  body.set_event_id(event_id);
  body.set_school_id(kSchool);
  body.set_actor_id(kNodeUserId);
  body.set_credential_id(node.identity.credential_id);
  body.set_client_time_us(NowMicros());
  std::string bytes = Must(SignEvent(body, node.identity.key), "signing " + event_id);
  AppendRequest request = Must(node.admission->Check(std::move(bytes), NowMicros()), event_id);
  (void)Must(node.ledger->Append(std::move(request)), "appending " + event_id);
}

// Fsyncs a file or directory so that a completed initialisation survives more than a kill.
void SyncPath(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || ::fsync(fd) != 0) Die("fsync " + path, IoError(std::strerror(errno)));
  ::close(fd);
}

// `ejournal init`, made atomic: everything is built in `dir`.init and renamed into place.
void Initialise(const std::string& dir) {
  const std::string staging = dir + ".init";
  std::error_code ec;
  std::filesystem::remove_all(staging, ec);  // an earlier run was killed while initialising
  std::filesystem::create_directories(staging, ec);
  if (ec) Die("creating " + staging, IoError(ec.message()));

  NodeIdentity identity = Must(GenerateNodeIdentity(kOrigin), "generating the node key");
  Must(crypto::WriteSecretFile(NodeKeyPath(staging), identity.signer->SignerKey() + "\n"),
       "writing the node key");
  Must(crypto::WriteSecretFile(NodePubPath(staging), identity.VerifierKey() + "\n"),
       "writing the node's verifier key");
  auto writer_key =
      Must(crypto::PrivateKey::Generate(crypto::KeyType::kEd25519), "generating the writer key");
  Must(crypto::WriteSecretFile(WriterKeyPath(staging), Must(writer_key.ToPem(), "writer PEM")),
       "writing the writer key");
  {
    Node node = OpenNode(staging, kOrigin);
    // Bootstrap, as `ejournal init`: the node registers the writer and issues its credential.
    v1::EventBody user;
    auto* reg = user.mutable_user_registered();
    reg->set_user_id(kWriter);
    reg->add_roles(v1::ROLE_ADMIN);
    reg->set_display_name("Crash test writer");
    reg->set_login_name(kWriter);
    AppendAsNode(node, std::move(user), "crash-bootstrap-user");
    v1::EventBody cred;
    auto* issued = cred.mutable_credential_issued();
    issued->set_credential_id(kWriterCredential);
    issued->set_user_id(kWriter);
    issued->set_algorithm(v1::KEY_ALGORITHM_ED25519);
    issued->set_public_key(writer_key.public_key().raw());
    issued->set_kind(v1::CREDENTIAL_KIND_LONG_LIVED);
    issued->set_not_after_us(NowMicros() + 365LL * 24 * 3600 * 1'000'000);
    issued->set_label("crash test writer key");
    AppendAsNode(node, std::move(cred), "crash-bootstrap-credential");
    (void)Must(node.ledger->Checkpoint(), "the first checkpoint");
  }  // closes the ledger
  SyncPath(staging);
  std::filesystem::rename(staging, dir, ec);
  if (ec) Die("renaming " + staging, IoError(ec.message()));
  SyncPath(std::filesystem::path(dir).parent_path().string());
}

// One line per acknowledged append, written only after the acknowledgement.
void ReportAck(const std::string& event_id, uint64_t sequence) {
  char line[256];
  const int n = std::snprintf(line, sizeof line, "%s %llu\n", event_id.c_str(),
                              static_cast<unsigned long long>(sequence));
  if (n <= 0 || static_cast<size_t>(n) >= sizeof line) {
    Die("reporting " + event_id, Internal("the ack line is too long"));
  }
  size_t done = 0;
  while (done < static_cast<size_t>(n)) {
    ssize_t w = ::write(STDOUT_FILENO, line + done, static_cast<size_t>(n) - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) std::_Exit(3);  // the test stopped listening
    done += static_cast<size_t>(w);
  }
}

void CheckAck(const std::string& event_id, const Result<AppendResult>& r) {
  if (!r) Die("appending " + event_id, r.error());
  if (r->duplicate) Die("appending " + event_id, Internal("a fresh event id was a duplicate"));
  ReportAck(event_id, r->sequence);
}

class Writer {
 public:
  Writer(Node* node, crypto::PrivateKey key, std::string nonce)
      : node_(node), key_(std::move(key)), nonce_(std::move(nonce)) {}

  // Runs until the process is killed.
  [[noreturn]] void Run() {
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([this, t] {
        if (t < kAsyncThreads) {
          AsyncLoop(t);
        } else {
          BatchLoop(t);
        }
      });
    }
    for (auto& th : threads) th.join();
    Die("writer", Internal("a writer thread returned"));
  }

 private:
  // A signed UserRegistered event, admitted (stages 1-3); its id is the nonce, thread and counter.
  AppendRequest NextRequest(int thread, uint64_t counter, std::string* event_id) {
    *event_id = nonce_ + "-" + std::to_string(thread) + "-" + std::to_string(counter);
    v1::EventBody body;
    body.set_schema_version(kSchemaVersion);
    body.set_event_id(*event_id);
    body.set_school_id(kSchool);
    body.set_actor_id(kWriter);
    body.set_credential_id(kWriterCredential);
    body.set_client_time_us(NowMicros());
    auto* user = body.mutable_user_registered();
    user->set_user_id("student-" + *event_id);
    user->add_roles(v1::ROLE_STUDENT);
    user->set_display_name("Student " + *event_id);
    std::string bytes = Must(SignEvent(body, key_), "signing " + *event_id);
    return Must(node_->admission->Check(std::move(bytes), NowMicros()), "admitting " + *event_id);
  }

  [[noreturn]] void AsyncLoop(int thread) {
    std::counting_semaphore<kAsyncWindow> window(kAsyncWindow);
    for (uint64_t counter = 0;; ++counter) {
      std::string event_id;
      AppendRequest request = NextRequest(thread, counter, &event_id);
      window.acquire();
      node_->ledger->AppendAsync(std::move(request), [&window, event_id](Result<AppendResult> r) {
        CheckAck(event_id, r);
        window.release();
      });
    }
  }

  [[noreturn]] void BatchLoop(int thread) {
    std::mt19937_64 rng(std::hash<std::string>()(nonce_) + static_cast<uint64_t>(thread));
    std::uniform_int_distribution<int> batch_size(1, kMaxBatch);
    for (uint64_t counter = 0;;) {
      const int n = batch_size(rng);
      std::vector<AppendRequest> requests;
      std::vector<std::string> ids(static_cast<size_t>(n));
      for (auto& id : ids) requests.push_back(NextRequest(thread, counter++, &id));
      auto results = node_->ledger->AppendBatch(std::move(requests));
      for (size_t i = 0; i < results.size(); ++i) CheckAck(ids[i], results[i]);
    }
  }

  Node* const node_;
  const crypto::PrivateKey key_;
  const std::string nonce_;
};

std::string RandomNonce() {
  std::random_device rd;
  char buf[17];
  std::snprintf(buf, sizeof buf, "%08x%08x", rd(), rd());
  return buf;
}

int Main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: %s DATA_DIR [RUN_NONCE]\n", argv[0]);
    return 64;
  }
  spdlog::set_level(spdlog::level::warn);
  const std::string dir = argv[1];
  const std::string nonce = argc == 3 ? argv[2] : RandomNonce();
  if (!std::filesystem::exists(dir)) Initialise(dir);

  Node node = OpenNode(dir, "");
  const std::string pem = Must(ReadFile(WriterKeyPath(dir)), "reading the writer key");
  auto key = Must(crypto::PrivateKey::FromPem(pem), "parsing the writer key");
  Writer writer(&node, std::move(key), nonce);
  writer.Run();
}

}  // namespace
}  // namespace ejournal::crash

int main(int argc, char** argv) { return ejournal::crash::Main(argc, argv); }
