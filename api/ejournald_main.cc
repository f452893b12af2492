// ejournald: the ejournal HTTP service (docs/API.md). Flags (or `--config FILE`, TOML/INI as CLI11
// reads them), wiring, start, and a graceful stop on SIGTERM/SIGINT: stop accepting, finish the
// requests in flight, close the ledger (every acknowledged event is already synced), exit 0.
//
// On start it prints one line on stdout, "listening on http://HOST:PORT" (https with TLS), so that
// a supervisor or a test can read the bound port when --port 0 asked for any free one. With
// `--kafka embedded` a line "kafka bootstrap HOST:PORT topic TOPIC" comes first (for kcat,
// replicas).
#include <pthread.h>
#include <signal.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "api/server.h"

int main(int argc, char** argv) {
  using ejournal::api::ApiServer;
  using ejournal::api::ServerOptions;
  ServerOptions options;
  CLI::App app{"ejournald: the ejournal HTTP service"};
  app.set_config("--config", "", "read flags from a TOML/INI file");
  app.add_option("--data", options.data_dir, "data directory made by `ejournal init`")->required();
  app.add_option("--listen", options.listen, "address to listen on")->capture_default_str();
  app.add_option("--port", options.port, "port (0: any free port)")->capture_default_str();
  app.add_option("--tls-cert", options.tls_cert_file, "PEM certificate (HTTPS)");
  app.add_option("--tls-key", options.tls_key_file, "PEM private key (HTTPS)");
  app.add_option("--backup-dir", options.backup_dir,
                 "where POST /api/v1/admin/backup puts backups (default DATA/backups)");
#ifdef EJOURNAL_WEB_ROOT_DEFAULT
  options.web_root = EJOURNAL_WEB_ROOT_DEFAULT;
#endif
  app.add_option("--web-root", options.web_root, "the built web pages (api/web; \"\": none)")
      ->capture_default_str();
  app.add_option("--backup-keep", options.backup_keep, "keep this many newest backups (0: all)");
  app.add_option("--attachment-max-bytes", options.attachment_max_bytes,
                 "largest homework file (413)")
      ->capture_default_str();
  app.add_option("--max-body-bytes", options.max_body_bytes, "largest request body (413)")
      ->capture_default_str();
  app.add_option("--max-batch-events", options.max_batch_events, "most events in a batch (413)")
      ->capture_default_str();
  app.add_option("--max-event-bytes", options.decode.max_event_bytes, "largest event (413)")
      ->capture_default_str();
  app.add_option("--max-queue", options.ledger_max_queue, "admission queue bound (503 beyond)")
      ->capture_default_str();
  app.add_option("--read-timeout", options.read_timeout_seconds, "seconds")->capture_default_str();
  app.add_option("--write-timeout", options.write_timeout_seconds, "seconds")
      ->capture_default_str();
  app.add_option("--header-timeout", options.header_timeout_seconds,
                 "seconds a request's line and headers may take from its first byte")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--request-timeout", options.request_timeout_seconds,
                 "seconds a whole request (headers and body) may take from its first byte")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--max-connections-per-client", options.max_connections_per_client,
                 "connections one client address may hold at once (more are answered 503)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--threads", options.threads,
                 "HTTP worker threads kept (each open keep-alive connection holds one)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--max-threads", options.max_threads,
                 "HTTP worker threads at most (started while every worker is busy; beyond, new "
                 "connections wait)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--batch-helpers", options.batch_helpers,
                 "threads that help check a batch's signatures beside the HTTP worker that "
                 "received it (-1: one per CPU; 0: none)")
      ->capture_default_str()
      ->check(CLI::Range(-1, 64));
  app.add_option("--keep-alive", options.keep_alive_seconds,
                 "seconds an idle keep-alive connection is kept open")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600));
  app.add_flag("--timing-header", options.timing_header,
               "benchmarks only: answers carry X-EJournal-Timing (the handler's start, end and "
               "stages on the server's monotonic clock; ejournal_load reads it)");
  size_t diary_cache_mb = options.diary_cache_bytes >> 20;
  app.add_option("--diary-cache-mb", diary_cache_mb,
                 "memory for cached diary answers, MiB (0: no cache)")
      ->capture_default_str()
      ->check(CLI::Range(size_t{0}, size_t{1} << 20));
  int64_t session_minutes = options.session_lifetime_us / 60'000'000;
  app.add_option("--session-minutes", session_minutes, "session lifetime")->capture_default_str();
  app.add_option("--scrypt-n", options.kdf.n, "scrypt cost N for new passwords")
      ->capture_default_str();
  int64_t bench_clock_start_us = 0;
  app.add_option("--clock-start,--bench-clock-start", bench_clock_start_us,
                 "tests, demos and benchmarks only: the clock reads this instant (Unix µs) at "
                 "start and runs on (a demo school made with `ejournal demo school --now`; "
                 "tools/load_bench.sh replays a generated day at its date)");
  // Replication (docs/SCALING.md).
  app.add_option("--kafka", options.kafka,
                 "replicate through Kafka: `embedded` (an in-process mock cluster; its address is "
                 "printed) or bootstrap.servers");
  app.add_option("--kafka-topic", options.kafka_topic, "the ledger's topic (one partition)")
      ->capture_default_str();
  std::vector<std::string> kafka_options;
  app.add_option("--kafka-option", kafka_options,
                 "a librdkafka property key=value (TLS, SASL, ...); repeatable");
  app.add_option("--ready-max-lag", options.ready_max_lag,
                 "/readyz answers 503 beyond this replication lag (0: never)")
      ->capture_default_str();
  app.add_flag("--replica", options.replica,
               "a read replica: consume --kafka-topic, verify, serve reads; refuse writes");
  app.add_option("--source-pub", options.source_pub_file,
                 "replica: the writer's node.pub (the only key it trusts)");
  app.add_option("--writer-url", options.writer_url,
                 "replica: where writes go (named in refusals)");
  // Notifications by e-mail (docs/MESSAGES.md "Notifications").
  app.add_option("--smtp-url", options.smtp.url,
                 "send notifications by e-mail through this SMTP server: smtp://host:587 "
                 "(STARTTLS when offered) or smtps://host:465; none: the in-app feed only");
  app.add_option("--smtp-from", options.smtp.from, "the mails' sender address");
  app.add_option("--smtp-from-name", options.smtp.from_name, "the mails' sender name")
      ->capture_default_str();
  app.add_option("--smtp-user", options.smtp.user, "the SMTP account (AUTH)");
  std::string smtp_password_file;
  app.add_option("--smtp-password-file", smtp_password_file,
                 "a file holding the SMTP account's password (readable by the service only)");
  app.add_flag("--smtp-require-tls", options.smtp.require_tls,
               "send only over TLS (STARTTLS or smtps)");
  app.add_option("--smtp-ca-file", options.smtp.ca_file,
                 "CA bundle for the SMTP server's certificate (default: the system's)");
  app.add_option("--notify-poll-ms", options.notify_poll_ms,
                 "how often the notifier composes and sends (0: never; benchmarks only)")
      ->capture_default_str();
  app.add_option("--public-url", options.public_url,
                 "the address people open the journal at, for the links in mails "
                 "(default: http://LISTEN:PORT)");
  std::string log_level = "info";
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  options.max_threads = std::max(options.max_threads, options.threads);
  options.session_lifetime_us = session_minutes * 60'000'000;
  options.diary_cache_bytes = diary_cache_mb << 20;
  for (const std::string& kv : kafka_options) {
    const size_t eq = kv.find('=');
    if (eq == 0 || eq == std::string::npos) {
      std::fprintf(stderr, "error: --kafka-option wants key=value, got \"%s\"\n", kv.c_str());
      return 2;
    }
    options.kafka_options[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  if (!options.smtp.url.empty() && options.smtp.from.empty()) {
    std::fprintf(stderr, "error: --smtp-url needs --smtp-from (the mails' sender address)\n");
    return 2;
  }
  if (!smtp_password_file.empty()) {
    std::ifstream in(smtp_password_file);
    if (!in || !std::getline(in, options.smtp.password)) {
      std::fprintf(stderr, "error: cannot read --smtp-password-file %s\n",
                   smtp_password_file.c_str());
      return 2;
    }
  }
  spdlog::set_default_logger(spdlog::stderr_color_mt("ejournald"));
  spdlog::set_level(spdlog::level::from_str(log_level));
  std::optional<ejournal::OffsetClock> bench_clock;
  if (bench_clock_start_us > 0) {
    bench_clock.emplace(bench_clock_start_us);
    options.clock = &*bench_clock;
    spdlog::warn("event=bench_clock start_us={}", bench_clock_start_us);
  }

  // Block the stop signals in every thread (the ones started below inherit the mask); this thread
  // waits for them with sigwait.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  auto server = ApiServer::Open(options);
  if (!server) {
    std::fprintf(stderr, "error: %s\n", server.error().ToString().c_str());
    return 1;
  }
  if (auto st = (*server)->Start(); !st.ok()) {
    std::fprintf(stderr, "error: %s\n", st.ToString().c_str());
    return 1;
  }
  if (options.kafka == "embedded") {
    // Before the listening line: a supervisor that waits for it has the address already.
    std::printf("kafka bootstrap %s topic %s\n", (*server)->kafka_bootstrap().c_str(),
                options.kafka_topic.c_str());
  }
  std::printf("listening on %s://%s:%d\n", (*server)->tls() ? "https" : "http",
              options.listen.c_str(), (*server)->port());
  std::fflush(stdout);

  int sig = 0;
  sigwait(&stop_signals, &sig);
  spdlog::info("event=stopping signal={}", sig);
  (*server)->Stop();
  return 0;
}
