// ApiServer: the HTTP service of one ledger node (ejournald, docs/API.md).
//
// What it owns: the ledger of a data directory made by `ejournal init` (DIR/ledger, DIR/node.key),
// the credential registry, the school state and admission (rules on), the local secrets store
// (DIR/secrets: password verifiers and sessions, never replicated), the password authenticator,
// the metrics, and a cpp-httplib server (HTTPS with a certificate and key).
//
// Threads
// - httplib's worker pool runs the handlers. Writes: Admission::Check (decode, credential,
//   signature) on the worker, then Ledger::Append/AppendBatch (the ledger's single writer admits
//   them in order against the school state and group-commits them).
// - The school state is single-threaded (projections/README.md): the ledger's writer mutates it in
//   AppendObserver::Apply, which this server wraps to hold `state_mu_` exclusively; every reader
//   holds it shared while it reads the state (views, reports, access checks). The writer reads the
//   state in Admit without the lock (it is the only thread that mutates it). No lock is held across
//   network I/O; the exclusive lock covers only the in-memory fold and WriteBatch building.
// - One listener thread (Start) accepts connections.
//
// Stop(): stops accepting, lets the in-flight requests finish (httplib joins its workers), then
// closes the ledger (the writer finishes every queued request; every acknowledged group is
// already synced). Idempotent; the destructor calls it.
//
// Errors are Status values (api/http_errors.h maps them to HTTP); exceptions from httplib,
// protobuf or JSON are caught in the handlers and answered 400/500.
#ifndef EJOURNAL_API_SERVER_H_
#define EJOURNAL_API_SERVER_H_

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>

#include "api/attachment_store.h"
#include "api/authenticator.h"
#include "api/diary_cache.h"
#include "api/metrics.h"
#include "api/notifier.h"
#include "api/secret_store.h"
#include "api/shared_work.h"
#include "ledger/admission.h"
#include "ledger/clock.h"
#include "ledger/credentials.h"
#include "ledger/event_codec.h"
#include "ledger/ledger.h"
#include "ledger/node_key.h"
#include "projections/school_state.h"
#include "projections/views.h"
#include "schemas/mutex.h"
#include "schemas/status.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace ejournal {
class EmbeddedKafka;
class Replicator;
class Replica;
}  // namespace ejournal

namespace ejournal::api {

class HttpServer;  // api/http_transport.h

struct ServerOptions {
  // A directory made by `ejournal init`: DIR/node.key, DIR/ledger; DIR/secrets is created.
  std::string data_dir;
  std::string listen = "127.0.0.1";
  int port = 0;  // 0: any free port (see port())
  // Both set: HTTPS only (api/http_transport.h, under the same limits); both empty: HTTP.
  std::string tls_cert_file;
  std::string tls_key_file;
  // Recorded-at times, session expiry, sign-in throttling.
  const Clock* clock = SystemClock::Default();

  // Limits (docs/API.md "Limits").
  size_t max_body_bytes = 4 << 20;  // any request body; larger: 413
  // A homework file (POST .../attachments, api/attachment_store.h); larger: 413. Kept in
  // DATA/attachments.
  size_t attachment_max_bytes = 10 << 20;
  size_t max_batch_events = 1000;    // events in one batch; more: 413
  DecodeLimits decode;               // one SignedEvent; larger: 413
  size_t ledger_max_queue = 200000;  // requests waiting for the writer; more: 503
  int read_timeout_seconds = 10;
  int write_timeout_seconds = 10;
  // Slow and greedy clients (api/http_transport.h ConnectionLimits, HTTP and HTTPS): a request's
  // headers must arrive within `header_timeout_seconds` of its first byte and the whole request
  // within `request_timeout_seconds`; one client address holds at most
  // `max_connections_per_client` connections (more: 503), leaving the rest of `max_threads` to
  // the others.
  int header_timeout_seconds = 10;
  int request_timeout_seconds = 60;
  int max_connections_per_client = 64;
  // HTTP workers. httplib serves a connection on one worker for as long as the client keeps it
  // alive, so every open keep-alive connection holds a worker: the pool keeps `threads` workers
  // and starts more while every worker is busy, up to `max_threads` (a new connection is then
  // answered at once rather than after another connection closes); workers beyond `threads` end
  // after `idle_thread_seconds` without a connection. Beyond `max_threads` connections wait in
  // the pool's queue (docs/OPERATIONS.md "Connections and threads").
  int threads = 8;
  int max_threads = 256;
  int idle_thread_seconds = 30;
  // A keep-alive connection idle this long is closed (its worker freed).
  int keep_alive_seconds = 5;
  // Threads that help check a batch's items (decoding, credential, Ed25519 signature) beside the
  // HTTP worker that received it (api/shared_work.h): -1, one per CPU; 0, none (the worker checks
  // its batch alone).
  int batch_helpers = -1;
  // Benchmarks only (tools/load_main.cc): every answer carries X-EJournal-Timing, the server's
  // monotonic clock (CLOCK_MONOTONIC, ns) at the handler's start and end and the request's stages
  // (µs), so that a load tool on the same machine can split a request's latency into its own
  // sending delay, the wait before the handler ran, the handler's stages and the way back. Off by
  // default: it tells clients how long the server's work took (a timing side channel).
  bool timing_header = false;
  // The diary answers' cache (api/diary_cache.h): at most this many bytes of answers; 0: off.
  size_t diary_cache_bytes = 64 << 20;

  // Sessions (R-ACC-5).
  int64_t session_lifetime_us = 12LL * 3600 * 1'000'000;
  KdfParams kdf;
  size_t min_password_length = 8;
  int login_max_failures = 5;
  int64_t login_window_us = 15LL * 60 * 1'000'000;
  // A background thread revokes expired sessions (node-signed CredentialRevoked, EXPIRY) this
  // often; 0: only when a session is used after its expiry (and RevokeExpiredSessions()).
  int expiry_sweep_seconds = 60;
  // Backups (POST /api/v1/admin/backup, ledger/backup.h): the directory ("": DATA/backups) and how
  // many newest backups to keep (0: all).
  std::string backup_dir;
  uint32_t backup_keep = 0;

  // Replication (api/replication.cc, docs/SCALING.md). `kafka`: "" (no replication),
  // "embedded" (librdkafka's mock cluster in this process, ledger/embedded_kafka.h; its address is
  // kafka_bootstrap()), or the bootstrap.servers of a cluster. `kafka_options`: librdkafka
  // properties passed through (security.protocol, ssl.*, sasl.*, ...).
  std::string kafka;
  std::string kafka_topic = "ejournal.ledger";
  std::map<std::string, std::string> kafka_options;
  // /readyz answers 503 when the replication lag (writer: entries not confirmed by Kafka; replica:
  // messages in the partition not yet applied) exceeds this; 0: the lag is reported, never 503.
  uint64_t ready_max_lag = 0;
  // A read replica (`ejournald --replica`): consumes `kafka_topic` with the verified replica
  // (ledger/replica.h) into DIR/ledger, trusting only the writer's node verifier key (the contents
  // of `source_pub_file`, the writer's DIR/node.pub); serves the reads; writes answer 421 naming
  // `writer_url`.
  bool replica = false;
  std::string source_pub_file;
  std::string writer_url;
  // Notifications (api/notifier.h, docs/MESSAGES.md): e-mail through `smtp` (url "": the in-app
  // feed only), with links to the pages at `public_url` ("": http://<listen>:<port>). The
  // notifier composes and sends every `notify_poll_ms` (0: only when Notifier::RunOnce is called,
  // for tests).
  SmtpOptions smtp;
  std::string public_url;
  int notify_poll_ms = 500;
  // The built web pages (api/web, routes_web.cc): index.html, app.js, app.css ... served at "/"
  // with a strict Content-Security-Policy. Empty or missing: the pages answer 404.
  std::string web_root;
};

// The most entries one GET /api/v1/ledger/entries answers (its `limit`).
inline constexpr int64_t kMaxLedgerPage = 200;

// The header the web pages send with every state-changing request authenticated by the session
// cookie (CSRF: another site's form or script cannot add it).
inline constexpr char kCsrfHeader[] = "X-EJournal-CSRF";
// The session cookie's token in `req`, or "".
std::string SessionCookieOf(const httplib::Request& req);
// OK for GET/HEAD; for other methods the CSRF header must be present and the Origin, if any, ours.
Status CheckCsrf(const httplib::Request& req);

class ApiServer {
 public:
  // Opens the ledger (catching the state and views up), the secrets store, binds the port.
  // Nothing is served until Start().
  [[nodiscard]] static Result<std::unique_ptr<ApiServer>> Open(ServerOptions options);
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  // Starts serving on a thread of its own.
  [[nodiscard]] Status Start();
  // See the header comment. Safe from any thread (not from a handler), idempotent.
  void Stop();

  // Records the revocation (EXPIRY) of every session past its expiry and not yet revoked; returns
  // how many. Safe from any thread; the sweep thread calls it.
  [[nodiscard]] Result<int> RevokeExpiredSessions();

  int port() const { return port_; }
  // The Kafka bootstrap servers this node replicates through ("" without replication): the
  // embedded cluster's address with `kafka = "embedded"`.
  std::string kafka_bootstrap() const { return kafka_bootstrap_; }
  bool tls() const { return !options_.tls_cert_file.empty(); }
  Ledger& ledger() { return *ledger_; }
  // The diary week's JSON answer as GET .../diary builds it without the cache (for tests that
  // compare the cached answers with it); no access check. kNotFound: unknown school or student.
  [[nodiscard]] Result<std::string> DiaryJsonUncached(const std::string& school_id,
                                                      const std::string& student_id,
                                                      school::Day week_start);
  const DiaryCache& diary_cache() const { return diary_cache_; }
  // The writer's notifier (null on a replica).
  Notifier* notifier() { return notifier_.get(); }

 private:
  class LockedObserver;
  // The signed-in user of a read request.
  struct Reader {
    const school::School* school = nullptr;
    const school::User* user = nullptr;
  };

  explicit ApiServer(ServerOptions options);
  Status Init();
  // The writer node's identity, ledger, state and admission.
  Status InitNode();
  // Opens the ledger with admission (under the state lock) as its observer, and folds it.
  Status OpenLedger(LedgerOptions lo);
  // A read replica's ledger, state and admission (api/replication.cc).
  Status InitReplicaStore();
  // Starts the relay (writer) or the replica consumer, and the embedded cluster if asked.
  Status StartReplication();
  // Stops them: the relay gets a moment to confirm what it has produced.
  void StopReplication();
  // Replication lines for /metrics, and the readiness verdict with its lag lines.
  std::string ReplicationMetrics() const;
  Status ReplicationReadiness(std::string* lines) const;
  // The answer of every write route on a replica.
  void RefuseWrite(const httplib::Request& req, httplib::Response& res);
  void Routes();
  using Handler = std::function<void(const httplib::Request&, httplib::Response&)>;
  void Get(const std::string& pattern, const std::string& name, Handler handler);
  void Post(const std::string& pattern, const std::string& name, Handler handler);
  Handler Wrap(const std::string& name, Handler handler);

  // Writes (routes_write.cc).
  void PostEvent(const httplib::Request& req, httplib::Response& res);
  void PostBatch(const httplib::Request& req, httplib::Response& res);
  // Admission::Check + Ledger::Append, counted in the metrics.
  Result<AppendResult> Submit(std::string signed_event);
  // A node-signed event (session credentials) for `school_id`.
  Result<AppendResult> SubmitAsNode(v1::EventBody body, const std::string& school_id);

  // Sessions (routes_session.cc).
  void PostLogin(const httplib::Request& req, httplib::Response& res);
  void PostLogout(const httplib::Request& req, httplib::Response& res);
  void PostPassword(const httplib::Request& req, httplib::Response& res);
  // The session of the request's bearer token (Authorization header, or the browser's HttpOnly
  // cookie); kUnauthenticated if none, expired or revoked. A POST authenticated by the cookie must
  // also pass CheckCsrf (PermissionDenied otherwise).
  Result<v1::SessionRecord> SessionOf(const httplib::Request& req, std::string* digest = nullptr);
  // Appends the node-signed CredentialRevoked of the session and marks it revoked.
  Result<AppendResult> RevokeSession(const std::string& digest, v1::SessionRecord& session,
                                     v1::RevocationReason reason);

  // The signed-in user of a read request (api/signed_request.cc): a bearer session of this node,
  // or a request signed with a session credential from the ledger (works on replicas too).
  Result<Principal> ReaderOf(const httplib::Request& req);
  Result<Principal> SignedRequestReader(const httplib::Request& req);
  // ReaderOf, for the ledger's own endpoints: only a user who reads everything (MayReadLedger);
  // anyone else gets NotVisible, as an unknown entry would.
  Result<Principal> LedgerReaderOf(const httplib::Request& req);

  // Reads (routes_read.cc).
  // Runs `fn` for the signed-in user of `school_id` (the session's school), holding the state
  // lock shared; answers 401 or NotVisible() itself when there is none. `fn` says so to clang's
  // analysis: `[&](const Reader& reader) ABSL_SHARED_LOCKS_REQUIRED(state_mu_) {...}`.
  void WithReader(const httplib::Request& req, httplib::Response& res, const std::string& school_id,
                  const std::function<void(const Reader&)>& fn) ABSL_LOCKS_EXCLUDED(state_mu_);
  void GetDiary(const httplib::Request& req, httplib::Response& res);
  void GetJournal(const httplib::Request& req, httplib::Response& res);
  void GetCellHistory(const httplib::Request& req, httplib::Response& res);
  void GetActorHistory(const httplib::Request& req, httplib::Response& res);
  void GetReport(const httplib::Request& req, httplib::Response& res);
  void GetCorrections(const httplib::Request& req, httplib::Response& res);
  void PostActPreview(const httplib::Request& req, httplib::Response& res);
  void GetEntry(const httplib::Request& req, httplib::Response& res);
  void PostBackup(const httplib::Request& req, httplib::Response& res);
  void GetCheckpoint(const httplib::Request& req, httplib::Response& res);
  void GetInclusion(const httplib::Request& req, httplib::Response& res);
  void GetConsistency(const httplib::Request& req, httplib::Response& res);

  // The web pages and their helpers (routes_web.cc).
  void WebRoutes();
  // routes_setup.cc: the school's set-up and the events worked out for it.
  void SetupRoutes();
  void GetSetup(const httplib::Request& req, httplib::Response& res);
  void PostGenerateLessons(const httplib::Request& req, httplib::Response& res);
  void PostImport(const httplib::Request& req, httplib::Response& res);
  void GetOneRosterExport(const httplib::Request& req, httplib::Response& res);
  void PostContacts(const httplib::Request& req, httplib::Response& res);
  void GetWebFile(const httplib::Request& req, httplib::Response& res);
  void GetMe(const httplib::Request& req, httplib::Response& res);
  void GetDiaryPaper(const httplib::Request& req, httplib::Response& res);
  void GetVerifierKey(const httplib::Request& req, httplib::Response& res);
  // The class teacher's table and the auditor's ledger browser (routes_pages.cc).
  void GetClassMarks(const httplib::Request& req, httplib::Response& res);
  void GetClassLogins(const httplib::Request& req, httplib::Response& res);
  // A student's marks of a period in every subject, one table («Оценки за период»).
  void GetStudentMarks(const httplib::Request& req, httplib::Response& res);
  void GetPlans(const httplib::Request& req, httplib::Response& res);
  void GetControlWorks(const httplib::Request& req, httplib::Response& res);
  void GetWeekTimetable(const httplib::Request& req, httplib::Response& res);
  void GetLedgerEntries(const httplib::Request& req, httplib::Response& res);
  // A user's credentials for the Act's picker (R-SEC-2), newest first, at most this many.
  static constexpr size_t kMaxCredentialsListed = 200;
  void GetUserCredentials(const httplib::Request& req, httplib::Response& res);
  // Homework files (routes_files.cc).
  void PostAttachment(const httplib::Request& req, httplib::Response& res);
  void GetAttachment(const httplib::Request& req, httplib::Response& res);
  // The body into `store` as a file of its Content-Type; the answer {"sha256","size_bytes",
  // "media_type"}, logged as `event` with the hash and size only.
  void StoreUpload(const AttachmentStore& store, const httplib::Request& req,
                   httplib::Response& res, const std::string& school_id, const char* event);
  // Every file a HomeworkAssigned (or a correction's homework) refers to is in the store, with
  // its size, and every text and file of a MessageSent or AnnouncementPublished in the message
  // store: else InvalidArgument, before admission.
  Status AttachmentsStored(const v1::EventBody& body) const;
  // Communication (routes_messages.cc).
  void MessageRoutes();
  void PostMessageText(const httplib::Request& req, httplib::Response& res);
  void PostMessageFile(const httplib::Request& req, httplib::Response& res);
  void GetConversations(const httplib::Request& req, httplib::Response& res);
  void GetConversation(const httplib::Request& req, httplib::Response& res);
  void GetMessageFile(const httplib::Request& req, httplib::Response& res);
  void GetRecipients(const httplib::Request& req, httplib::Response& res);
  void GetAnnouncements(const httplib::Request& req, httplib::Response& res);
  void GetAlerts(const httplib::Request& req, httplib::Response& res);
  void PostSurveyText(const httplib::Request& req, httplib::Response& res);
  void GetSurveys(const httplib::Request& req, httplib::Response& res);
  // Notifications (routes_notifications.cc, api/notifier.h).
  void NotificationRoutes();
  // The id of the signed-in user of `school_id` (WithReader); "" when there is none, with the
  // refusal already answered.
  std::string SignedInUser(const httplib::Request& req, httplib::Response& res,
                           const std::string& school_id) ABSL_LOCKS_EXCLUDED(state_mu_);
  std::string NotifierMetrics() const;
  void GetNotifications(const httplib::Request& req, httplib::Response& res);
  void PostNotificationsSeen(const httplib::Request& req, httplib::Response& res);
  void GetNotificationSettings(const httplib::Request& req, httplib::Response& res);
  void PostNotificationSettings(const httplib::Request& req, httplib::Response& res);
  void GetUnsubscribe(const httplib::Request& req, httplib::Response& res);
  void PostUnsubscribe(const httplib::Request& req, httplib::Response& res);
  Status MessageContentStored(const v1::EventBody& body) const;
  // R-MSG-5: deletes the texts and files past every school's MessagesErased; how many.
  size_t EraseExpiredMessages() ABSL_LOCKS_EXCLUDED(state_mu_);
  // The flood limit of message texts (R-MSG-1): kPerMinute a minute per user, a token bucket;
  // beyond it 429 with Retry-After.
  class SendLimiter {
   public:
    static constexpr int kPerMinute = 30;
    bool Allow(const std::string& user_key, int64_t now_us, int64_t* retry_after_s);

   private:
    struct Bucket {
      double tokens = 0;
      int64_t at_us = 0;
    };
    Mutex mu_;
    std::unordered_map<std::string, Bucket> buckets_ ABSL_GUARDED_BY(mu_);
  };
  SendLimiter send_limiter_;

  const ServerOptions options_;
  std::optional<NodeIdentity> node_;
  std::unique_ptr<CredentialRegistry> registry_;
  // The state itself is guarded by state_mu_ (see the header comment); the pointer is set before
  // any other thread starts.
  std::unique_ptr<school::SchoolState> state_ ABSL_PT_GUARDED_BY(state_mu_);
  std::unique_ptr<Admission> admission_;
  std::unique_ptr<LockedObserver> observer_;
  // A batch's checks, shared by its worker with these helpers (nullptr: the worker alone), in
  // chunks of kBatchCheckChunk items (~1 ms of Ed25519 verification here).
  static constexpr size_t kBatchCheckChunk = 16;
  std::unique_ptr<SharedWork> batch_helpers_;
  std::unique_ptr<Ledger> ledger_;
  std::unique_ptr<school::ViewReader> views_;
  std::unique_ptr<SecretStore> secrets_;
  std::unique_ptr<AttachmentStore> attachments_;
  // The texts and files of messages and announcements (DATA/messages), erasable (R-MSG-5).
  std::unique_ptr<AttachmentStore> messages_;
  std::unique_ptr<Notifier> notifier_;  // the writer's; DATA/notify
  std::unique_ptr<Authenticator> authenticator_;
  Metrics metrics_;
  DiaryCache diary_cache_;  // touch tables guarded by state_mu_ (api/diary_cache.h)
  // Replication (api/replication.cc); the cluster outlives the relay and the replica.
  std::unique_ptr<EmbeddedKafka> embedded_kafka_;
  std::unique_ptr<Replicator> relay_;
  std::unique_ptr<Replica> replica_;
  std::string kafka_bootstrap_;
  std::string source_verifier_key_;  // a replica's: the writer's node verifier key

  // Guards *state_ (see the header comment).
  mutable SharedMutex state_mu_;

  std::unique_ptr<httplib::Server> http_;
  // http_ as our transport (its keep-alive wait is woken by Stop()).
  HttpServer* transport_ = nullptr;
  int port_ = 0;
  std::thread listener_;
  std::thread sweeper_;
  std::condition_variable sweep_cv_;
  // The sweeper waits on sweep_cv_ under it; stopping_ is set under it too (though atomic), so
  // that the sweeper's check and wait cannot miss Stop()'s notification.
  Mutex sweep_mu_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> stopped_{false};
  Mutex stop_mu_;  // one Stop() at a time
};

}  // namespace ejournal::api

#endif  // EJOURNAL_API_SERVER_H_
