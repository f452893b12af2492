#include "api/server.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <openssl/rand.h>
#include <poll.h>
#include <pthread.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "api/http_errors.h"
#include "api/http_transport.h"
#include "api/json_util.h"
#include "ledger/embedded_kafka.h"
#include "ledger/replica.h"
#include "ledger/replicator.h"

namespace ejournal::api {

namespace {

// The route of the request this thread serves, from its handler's start until the logger has
// recorded its stages (after the answer is written); nullptr otherwise (httplib's own answers).
thread_local const std::string* current_route = nullptr;

// X-EJournal-Timing (ServerOptions::timing_header): "start=NS;end=NS;STAGE=US;...".
std::string TimingHeader(const RequestStages& stages, RequestStages::Clock::time_point end) {
  auto ns = [](RequestStages::Clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  };
  std::string h = fmt::format("start={};end={}", ns(stages.start()), ns(end));
  for (const RequestStages::Stage& st : stages) {
    h += fmt::format(";{}={:.1f}", st.name, st.seconds * 1e6);
  }
  return h;
}

}  // namespace

// Wraps admission so that the state's mutation (Apply, on the ledger's writer thread) holds the
// state lock exclusively while readers hold it shared. Admit only reads the state, and the writer
// is the only thread that mutates it, so Admit needs no lock. Under the same lock the diary cache
// learns what the event touched (api/diary_cache.h).
class ApiServer::LockedObserver final : public AppendObserver {
 public:
  LockedObserver(Admission* inner, SharedMutex* mu, const school::SchoolState* state,
                 DiaryCache* diaries)
      : inner_(inner), mu_(mu), state_(state), diaries_(diaries) {}
  Status Admit(const AppendRequest& request, int64_t recorded_at_us) override {
    return inner_->Admit(request, recorded_at_us);
  }
  Status Apply(const AppendRequest& request, uint64_t sequence, int64_t recorded_at_us,
               std::string_view entry_bytes, rocksdb::WriteBatch& batch) override {
    WriterMutexLock lock(mu_);
    EJ_RETURN_IF_ERROR(inner_->Apply(request, sequence, recorded_at_us, entry_bytes, batch));
    diaries_->OnApplied(*state_, Admission::BodyOf(request), sequence);
    return Status::Ok();
  }
  // The group's views, from the state (read only: the writer is its only mutator, no lock).
  void FinishGroup(rocksdb::WriteBatch& batch) override { inner_->FinishGroup(batch); }

 private:
  Admission* const inner_;
  SharedMutex* const mu_;
  const school::SchoolState* const state_ ABSL_PT_GUARDED_BY(mu_);
  DiaryCache* const diaries_;
};

ApiServer::ApiServer(ServerOptions options)
    : options_(std::move(options)), diary_cache_(options_.diary_cache_bytes) {}

ApiServer::~ApiServer() { Stop(); }

Result<std::unique_ptr<ApiServer>> ApiServer::Open(ServerOptions options) {
  std::unique_ptr<ApiServer> server(new ApiServer(std::move(options)));
  EJ_RETURN_IF_ERROR(server->Init());
  return server;
}

Status ApiServer::Init() {
  const std::string& dir = options_.data_dir;
  if (options_.replica) {
    EJ_RETURN_IF_ERROR(InitReplicaStore());
  } else if (!std::filesystem::exists(dir + "/node.key")) {
    return FailedPrecondition(dir + " is not a data directory made by `ejournal init`");
  } else {
    EJ_RETURN_IF_ERROR(InitNode());
  }
  if (ledger_->column_families().views == nullptr) {
    return FailedPrecondition("the ledger has no views column family");
  }
  views_ = std::make_unique<school::ViewReader>(ledger_->db(), ledger_->column_families().views);
  EJ_ASSIGN_OR_RETURN(secrets_, SecretStore::Open(dir + "/secrets"));
  EJ_ASSIGN_OR_RETURN(attachments_,
                      AttachmentStore::Open(dir + "/attachments", options_.attachment_max_bytes));
  EJ_ASSIGN_OR_RETURN(messages_,
                      AttachmentStore::Open(dir + "/messages", options_.attachment_max_bytes));
  authenticator_ = std::make_unique<PasswordAuthenticator>(
      secrets_.get(),
      [this](std::string_view school_id, std::string_view login) -> std::optional<std::string> {
        ReaderMutexLock lock(&state_mu_);
        const school::School* s = state_->FindSchool(school_id);
        if (s == nullptr) return std::nullopt;
        auto it = s->logins.find(school::LoginKey(login));
        if (it == s->logins.end()) return std::nullopt;
        const school::User* user = s->FindUser(it->second);
        if (user == nullptr || !user->active) return std::nullopt;
        return it->second;
      },
      options_.clock, options_.kdf, options_.login_max_failures, options_.login_window_us);

  if (options_.tls_cert_file.empty() != options_.tls_key_file.empty()) {
    return InvalidArgument("HTTPS needs both a certificate and a key");
  }
  if (options_.header_timeout_seconds < 1 ||
      options_.request_timeout_seconds < options_.header_timeout_seconds ||
      options_.max_connections_per_client < 1) {
    return InvalidArgument(
        "header_timeout_seconds at least 1, request_timeout_seconds at least that, and "
        "max_connections_per_client at least 1");
  }
  {
    auto http = std::make_unique<HttpServer>(
        ConnectionLimits{.header_timeout_ms = options_.header_timeout_seconds * 1000,
                         .request_timeout_ms = options_.request_timeout_seconds * 1000,
                         .max_per_client = options_.max_connections_per_client},
        options_.tls_cert_file, options_.tls_key_file);
    if (!http->is_valid()) return InvalidArgument("the TLS certificate or key cannot be loaded");
    transport_ = http.get();
    http_ = std::move(http);
  }
  if (options_.threads < 1 || options_.max_threads < options_.threads ||
      options_.idle_thread_seconds < 1 || options_.keep_alive_seconds < 1) {
    return InvalidArgument(
        "threads must be at least 1, max_threads at least threads, idle_thread_seconds and "
        "keep_alive_seconds at least 1");
  }
  http_->new_task_queue = [min = static_cast<size_t>(options_.threads),
                           max = static_cast<size_t>(options_.max_threads),
                           idle = std::chrono::seconds(options_.idle_thread_seconds)] {
    return NewElasticPool(min, max, idle);
  };
  // The larger of the two limits; Wrap holds every route but the files' to max_body_bytes.
  http_->set_payload_max_length(std::max(options_.max_body_bytes, options_.attachment_max_bytes));
  http_->set_read_timeout(options_.read_timeout_seconds, 0);
  http_->set_write_timeout(options_.write_timeout_seconds, 0);
  http_->set_keep_alive_timeout(options_.keep_alive_seconds);
  // httplib closes a connection after 5 requests by default: under load every client reconnected
  // every 5 requests into a listen backlog of 5 (httplib's), and some connects timed out
  // (docs/BENCHMARKS.md "Service: load"). Answers go out without Nagle's delay.
  http_->set_keep_alive_max_count(10000);
  http_->set_tcp_nodelay(true);
  // Called after an answer is written (by httplib; over plain HTTP it is sent here, coalesced): the
  // stages of a request that went through Wrap, with the sending of its answer, go to /metrics.
  http_->set_logger([this](const httplib::Request&, const httplib::Response&) {
    HttpServer::FlushCurrentAnswer();  // the answer is complete
    if (current_route == nullptr) return;
    RequestStages& stages = RequestStages::Current();
    stages.Mark("write");
    metrics_.ObserveStages(*current_route, stages.begin(), stages.end());
    current_route = nullptr;
  });
  http_->set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        SetError(res, Internal("the request failed"));
      });
  // httplib's own refusals (no route 404, body too large 413, bad request 400) get the JSON body.
  http_->set_error_handler(
      httplib::Server::HandlerWithResponse([](const httplib::Request&, httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        Status st;
        switch (res.status) {
          case 404:
            st = NotFound("no such endpoint");
            break;
          case 413:
            st = ResourceExhausted("the request body is too large");
            break;
          case 400:
            st = InvalidArgument("malformed HTTP request");
            break;
          default:
            st = Status(StatusCode::kInternal, "HTTP " + std::to_string(res.status));
        }
        const int status = res.status;
        SetError(res, st);
        res.status = status;
        return httplib::Server::HandlerResponse::Handled;
      }));
  if (options_.batch_helpers != 0 && admission_ != nullptr) {
    const size_t n = options_.batch_helpers > 0
                         ? static_cast<size_t>(options_.batch_helpers)
                         : std::max<size_t>(1, std::thread::hardware_concurrency());
    batch_helpers_ = std::make_unique<SharedWork>(n, "ej-batch");
  }
  Routes();

  // httplib listens with a backlog of 5 (CPPHTTPLIB_LISTEN_BACKLOG): a burst of new connections
  // (the load tool's 96 clients at once, a school's first lesson) overflowed it, the kernel
  // dropped the extra SYNs and the clients' kernels sent them again after a second, so every load
  // run began with a 1-second stall (docs/BENCHMARKS.md). Linux lets listen() be called
  // again on a listening socket to change its backlog: the socket is captured as httplib makes it.
  auto listen_fd = std::make_shared<socket_t>(INVALID_SOCKET);
  http_->set_socket_options([listen_fd](socket_t sock) {
    httplib::default_socket_options(sock);
    *listen_fd = sock;
  });
  port_ = options_.port == 0
              ? http_->bind_to_any_port(options_.listen)
              : (http_->bind_to_port(options_.listen, options_.port) ? options_.port : -1);
  if (port_ <= 0) {
    return IoError("cannot listen on " + options_.listen + ":" + std::to_string(options_.port));
  }
  if (*listen_fd != INVALID_SOCKET && ::listen(*listen_fd, SOMAXCONN) != 0) {
    spdlog::warn("event=listen_backlog_unchanged errno={}", errno);
  }
  if (!options_.replica) {
    static std::once_flag smtp_init;
    std::call_once(smtp_init, SmtpGlobalInit);
    NotifierOptions no;
    no.path = dir + "/notify";
    no.smtp = options_.smtp;
    no.public_url = options_.public_url.empty() ? std::string(tls() ? "https://" : "http://") +
                                                      options_.listen + ":" + std::to_string(port_)
                                                : options_.public_url;
    while (!no.public_url.empty() && no.public_url.back() == '/') no.public_url.pop_back();
    no.poll_ms = options_.notify_poll_ms;
    no.clock = options_.clock;
    EJ_ASSIGN_OR_RETURN(notifier_, Notifier::Open(std::move(no), ledger_.get(), state_.get(),
                                                  &state_mu_, secrets_.get()));
  }
  EJ_RETURN_IF_ERROR(StartReplication());
  spdlog::info("event=listening ledger_size={} port={} replica={}", ledger_->size(), port_,
               options_.replica);
  return Status::Ok();
}

// The writer node: its own identity signs checkpoints and session credentials.
Status ApiServer::InitNode() {
  const std::string& dir = options_.data_dir;
  EJ_ASSIGN_OR_RETURN(NodeIdentity node, LoadNodeIdentity(dir + "/node.key"));
  node_ = std::move(node);
  registry_ = std::make_unique<CredentialRegistry>();
  registry_->AddNode(node_->credential_id, node_->key.public_key());
  state_ = std::make_unique<school::SchoolState>();
  admission_ = std::make_unique<Admission>(registry_.get(), options_.decode, state_.get());
  LedgerOptions lo;
  lo.path = dir + "/ledger";
  lo.checkpoint_signer = node_->signer;
  return OpenLedger(std::move(lo));
}

Status ApiServer::OpenLedger(LedgerOptions lo) {
  observer_ =
      std::make_unique<LockedObserver>(admission_.get(), &state_mu_, state_.get(), &diary_cache_);
  lo.clock = options_.clock;
  lo.observer = observer_.get();
  lo.max_queue = options_.ledger_max_queue;
  EJ_ASSIGN_OR_RETURN(ledger_, Ledger::Open(std::move(lo)));
  if (Status st = admission_->CatchUp(*ledger_); !st.ok()) {
    // A ledger whose first events name a school no SchoolRegistered created (what `ejournal init`
    // writes today) cannot be folded into the school state the service reads.
    return st.WithContext("folding the ledger into the school state");
  }
  return Status::Ok();
}

Status ApiServer::Start() {
  if (stopping_.load()) return Unavailable("the server is stopping");
  // R-MSG-5: an erasure a crash interrupted is finished before anything is served.
  if (!options_.replica && messages_ != nullptr) EraseExpiredMessages();
  if (notifier_ != nullptr) notifier_->Start();
  auto done = std::make_shared<std::atomic<bool>>(false);
  listener_ = std::thread([this, done] {
    if (!http_->listen_after_bind()) spdlog::error("event=listener_failed");
    done->store(true);
  });
  // httplib's stop() is a no-op until the listener runs: wait for it, so that a Stop() right
  // after Start() cannot be lost. (Connections are accepted by the backlog meanwhile.)
  while (!http_->is_running() && !done->load()) std::this_thread::yield();
  if (done->load()) return IoError("the HTTP listener failed to start");
  if (options_.expiry_sweep_seconds > 0 && !options_.replica) {
    sweeper_ = std::thread([this] {
      UniqueLock lock(&sweep_mu_);
      while (!stopping_.load()) {
        (void)lock.WaitFor(sweep_cv_, std::chrono::seconds(options_.expiry_sweep_seconds));
        if (stopping_.load()) break;
        lock.Unlock();
        auto n = RevokeExpiredSessions();
        if (!n) spdlog::warn("event=expiry_sweep_failed error=\"{}\"", n.error().ToString());
        lock.Lock();
      }
    });
  }
  return Status::Ok();
}

void ApiServer::Stop() {
  MutexLock lock(&stop_mu_);
  if (stopped_.load()) return;
  {
    MutexLock sweep_lock(&sweep_mu_);
    stopping_.store(true);
  }
  sweep_cv_.notify_all();
  if (sweeper_.joinable()) sweeper_.join();
  if (transport_ != nullptr) transport_->WakeIdle();
  if (http_) http_->stop();
  // listen_after_bind returns once its workers have finished their requests.
  const bool started = listener_.joinable();
  if (started) listener_.join();
  batch_helpers_.reset();
  if (notifier_ != nullptr) notifier_->Stop();
  StopReplication();
  // The ledger's destructor lets the writer finish every queued request; acknowledged groups are
  // already synced.
  notifier_.reset();
  ledger_.reset();
  secrets_.reset();
  stopped_.store(true);
  if (started) spdlog::info("event=stopped");
}

ApiServer::Handler ApiServer::Wrap(const std::string& name, Handler handler) {
  return [this, name, handler = std::move(handler)](const httplib::Request& req,
                                                    httplib::Response& res) {
    RequestStages& stages = RequestStages::Current();
    const auto start = RequestStages::Clock::now();
    stages.Begin(start);
    current_route = &name;
    try {
      if (req.body.size() > options_.max_body_bytes && name != "attachments" &&
          name != "message_files") {
        SetError(res, ResourceExhausted("the request body is larger than " +
                                        std::to_string(options_.max_body_bytes) + " bytes"));
      } else {
        handler(req, res);
      }
    } catch (const std::exception&) {
      SetError(res, Internal("the request failed"));
    }
    stages.Mark("other");  // the handler's time after its last stage (all of it without stages)
    const auto end = stages.last();
    const double seconds = std::chrono::duration<double>(end - start).count();
    // A handler that only set the content leaves the status to httplib (-1 until it sends 200).
    if (res.status == -1) res.status = 200;
    metrics_.ObserveRequest(name, res.status, seconds);
    if (options_.timing_header) res.set_header("X-EJournal-Timing", TimingHeader(stages, end));
    // Ids only: the route's name and the outcome, never the body, a token or a password.
    spdlog::debug("event=request method={} route={} status={} ms={:.3f}", req.method, name,
                  res.status, seconds * 1e3);
  };
}

void ApiServer::Get(const std::string& pattern, const std::string& name, Handler handler) {
  http_->Get(pattern, Wrap(name, std::move(handler)));
}

void ApiServer::Post(const std::string& pattern, const std::string& name, Handler handler) {
  http_->Post(pattern, Wrap(name, std::move(handler)));
}

void ApiServer::Routes() {
  using httplib::Request;
  using httplib::Response;
  auto bind = [this](void (ApiServer::*method)(const Request&, Response&)) {
    return [this, method](const Request& req, Response& res) { (this->*method)(req, res); };
  };
  Get("/healthz", "healthz",
      [](const Request&, Response& res) { res.set_content("ok\n", "text/plain"); });
  Get("/readyz", "readyz", [this](const Request&, Response& res) {
    Status health = stopping_.load() ? Unavailable("stopping") : ledger_->health();
    std::string lines;
    if (health.ok()) health = ReplicationReadiness(&lines);
    if (!health.ok()) {
      SetError(res, Status(StatusCode::kUnavailable, health.message(), health.rule()));
      return;
    }
    res.set_content("ready\n" + lines, "text/plain");
  });
  Get("/metrics", "metrics", [this](const Request&, Response& res) {
    res.set_content(metrics_.Render(ledger_->stats(), ledger_->size()) + ReplicationMetrics() +
                        (diary_cache_.enabled() ? diary_cache_.Metrics() : "") + NotifierMetrics(),
                    "text/plain; version=0.0.4");
  });

  // A read replica answers every write with where the writer is (api/replication.cc).
  auto write = [&](void (ApiServer::*method)(const Request&, Response&)) {
    return bind(options_.replica ? &ApiServer::RefuseWrite : method);
  };
  Post("/api/v1/events", "events", write(&ApiServer::PostEvent));
  Post("/api/v1/events:batch", "events_batch", write(&ApiServer::PostBatch));
  Post("/api/v1/login", "login", write(&ApiServer::PostLogin));
  Post("/api/v1/logout", "logout", write(&ApiServer::PostLogout));
  Post("/api/v1/passwords", "passwords", write(&ApiServer::PostPassword));

  const std::string id = "([A-Za-z0-9._:-]{1,64})";
  const std::string s = "/api/v1/schools/" + id;
  Get(s + "/students/" + id + "/diary", "diary", bind(&ApiServer::GetDiary));
  Get(s + "/classes/" + id + "/subjects/" + id + "/terms/([0-9]{1,2})/journal", "journal",
      bind(&ApiServer::GetJournal));
  Get(s + "/lessons/" + id + "/students/" + id + "/history", "cell_history",
      bind(&ApiServer::GetCellHistory));
  Get(s + "/actors/" + id + "/history", "actor_history", bind(&ApiServer::GetActorHistory));
  Get(s + "/reports/([a-z-]{1,32})", "report", bind(&ApiServer::GetReport));
  Get(s + "/corrections", "corrections", bind(&ApiServer::GetCorrections));
  Post(s + "/acts:preview", "act_preview", bind(&ApiServer::PostActPreview));
  Post(s + "/attachments", "attachments", write(&ApiServer::PostAttachment));
  Get(s + "/users/" + id + "/credentials", "user_credentials",
      bind(&ApiServer::GetUserCredentials));
  Get(s + "/homework/" + id + "/files/([0-9a-f]{64})", "attachment",
      bind(&ApiServer::GetAttachment));
  Post("/api/v1/admin/backup", "backup", bind(&ApiServer::PostBackup));
  Get("/api/v1/ledger/entries/([0-9]{1,20})", "entry", bind(&ApiServer::GetEntry));
  Get("/api/v1/ledger/checkpoint", "checkpoint", bind(&ApiServer::GetCheckpoint));
  Get("/api/v1/ledger/proofs/inclusion", "inclusion_proof", bind(&ApiServer::GetInclusion));
  Get("/api/v1/ledger/proofs/consistency", "consistency_proof", bind(&ApiServer::GetConsistency));
  SetupRoutes();
  MessageRoutes();
  NotificationRoutes();
  WebRoutes();  // routes_web.cc: the pages, last (its file pattern must not shadow the above)
}

Result<AppendResult> ApiServer::Submit(std::string signed_event) {
  const int64_t now_us = options_.clock->NowMicros();
  auto checked = admission_->Check(std::move(signed_event), now_us);
  if (checked) {
    if (Status st = AttachmentsStored(Admission::BodyOf(*checked)); !st.ok()) checked = Err(st);
  }
  RequestStages::MarkCurrent("verify");
  if (!checked) {
    metrics_.CountRefusal(checked.error());
    return Err(checked.error());
  }
  const bool erases = Admission::BodyOf(*checked).has_messages_erased();
  auto appended = ledger_->Append(std::move(*checked));
  RequestStages::MarkCurrent("commit");
  if (!appended) {
    metrics_.CountRefusal(appended.error());
    return appended;
  }
  metrics_.CountAppend(appended->duplicate);
  // R-MSG-5: the texts go once the erasure is durable in the ledger.
  if (erases) EraseExpiredMessages();
  return appended;
}

Result<AppendResult> ApiServer::SubmitAsNode(v1::EventBody body, const std::string& school_id) {
  unsigned char raw[16];
  if (RAND_bytes(raw, sizeof raw) != 1) return Err(Internal("RAND_bytes failed"));
  body.set_schema_version(kSchemaVersion);
  body.set_event_id("node-" + crypto::HexEncode(std::string_view(reinterpret_cast<const char*>(raw),
                                                                 sizeof raw)));
  body.set_school_id(school_id);
  body.set_actor_id(kNodeUserId);
  body.set_credential_id(node_->credential_id);
  body.set_client_time_us(options_.clock->NowMicros());
  EJ_ASSIGN_OR_RETURN(std::string bytes, SignEvent(body, node_->key));
  return Submit(std::move(bytes));
}

}  // namespace ejournal::api
