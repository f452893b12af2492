// Notifier: tells people of what the ledger records (DOMAIN.md R-MSG-4, R-MSG-3): an in-app feed
// for every user, and e-mail through SMTP (api/smtp.h) by each person's settings.
//
// What it owns: a RocksDB database of its own, DATA/notify, on the writer node only (a replica
// serves neither the feed nor the mail: docs/MESSAGES.md). Keys (values JSON; <seq> big-endian):
//   "cursor"                              the last ledger entry composed
//   "secret"                              32 random bytes: the unsubscribe links' HMAC key
//   "f/<school>/<user>/<seq><i>"          a feed item {kind, text, link, at_us, seq}
//   "q/<school>/<user>/<seq><i>"          a queued mail item (the same), until its mail is sent
//   "r/<school>/<user>"                   the feed's last seen sequence
//   "u/<school>/<user>"                   the person's settings (see Settings)
//   "a/<school>/<user>/<alert key>"       an alert this person was told of (once each)
//   "d/<school>/<user>"                   the day of the last digest mail
//   "w/<school>"                          the last day every student's alerts were looked at (from
//                                         07:00 school-local: the alerts time alone raises)
// The e-mail address is the person's contact (api/secret_store.h), never the ledger.
//
// Composing follows the ledger like a replica would: from "cursor" on, each entry's notices
// (projections/notifications.h) go to the feed, and to the mail queue of the people who asked for
// them by e-mail, in one synced write with the new cursor: none is lost or composed twice across
// a crash. A new store starts at the ledger's end (no mail about the past).
//
// Sending: a person's queued items go in one mail (a digest when they asked for one, at their
// digest time), never in their quiet hours (at least 23:00–06:00 in the school's zone, R-MSG-4).
// The items leave the queue in a synced write after the server took the mail; a server that is
// down or answers 4xx is retried with back-off (1 s doubling to 5 min), the queue kept; a 5xx for
// the address (a mailbox that bounces) marks the address bounced and drops its items, so that
// nothing is sent to it until the person gives another. Each mail's Message-ID is its first
// item's key: a mail re-sent after a crash between the server's answer and the synced delete
// (the one window where a mail can go twice) carries the same id, which mail clients fold.
//
// Thread-safety: every public method may be called from any thread. One background thread (Start)
// composes and sends every `poll_ms`, and at once after Wake().
#ifndef EJOURNAL_API_NOTIFIER_H_
#define EJOURNAL_API_NOTIFIER_H_

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "api/secret_store.h"
#include "api/smtp.h"
#include "ledger/clock.h"
#include "ledger/ledger.h"
#include "projections/notifications.h"
#include "projections/school_state.h"
#include "schemas/mutex.h"
#include "schemas/status.h"

namespace ejournal::api {

struct NotifierOptions {
  std::string path;  // DATA/notify
  SmtpOptions smtp;  // url "": no e-mail (the feed only)
  // The address the pages are served at, for the links in a mail: "https://journal.school.ru".
  std::string public_url;
  // The background thread's period; 0: no thread (tests call RunOnce()).
  int poll_ms = 500;
  // Feed items older than this are dropped.
  int feed_days = 60;
  const Clock* clock = SystemClock::Default();
};

// A person's choices (the settings page, GET/POST .../notification-settings).
struct NotifySettings {
  // The kinds sent by e-mail (opt-in: none until the person chooses).
  std::vector<school::NoticeKind> email_kinds;
  bool digest = false;           // one mail a day at digest_minutes instead of one per moment
  int digest_minutes = 18 * 60;  // school-local
  // Quiet hours, school-local minutes [from, to) across midnight; always covering 23:00–06:00.
  int quiet_from = 21 * 60;
  int quiet_to = 8 * 60;
  bool bounced = false;  // the address refused mail (5xx); cleared when the address changes
  bool Wants(school::NoticeKind kind) const;
  nlohmann::json ToJson() const;
  // From the settings page's JSON; kInvalidArgument (R-MSG-4) for an unknown kind or quiet hours
  // that leave night uncovered.
  [[nodiscard]] static Result<NotifySettings> FromJson(const nlohmann::json& j);
};

struct NotifierCounters {
  uint64_t notices = 0;          // feed items written
  uint64_t queued = 0;           // mail items now in the queue
  uint64_t mails_sent = 0;       // mails the server took
  uint64_t send_failures = 0;    // attempts that will be retried
  uint64_t bounced = 0;          // mails refused for good (5xx)
  int64_t oldest_queued_us = 0;  // recorded time of the oldest queued item (0: none)
  uint64_t cursor = 0;
};

class Notifier {
 public:
  // `state` and `state_mu` are the server's (read under the shared lock); `ledger` and `secrets`
  // outlive the notifier.
  [[nodiscard]] static Result<std::unique_ptr<Notifier>> Open(NotifierOptions options,
                                                              const Ledger* ledger,
                                                              const school::SchoolState* state,
                                                              SharedMutex* state_mu,
                                                              SecretStore* secrets);
  ~Notifier();
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  void Start();
  void Stop();
  void Wake();
  // One pass: composes everything the ledger holds past the cursor, then sends what is due.
  Status RunOnce();

  // The feed of a person, newest first (at most `limit`), and how many are newer than their seen
  // mark.
  struct FeedItem {
    uint64_t seq = 0;
    std::string kind, text, link;
    int64_t at_us = 0;
  };
  [[nodiscard]] Result<std::vector<FeedItem>> Feed(std::string_view school_id,
                                                   std::string_view user_id, size_t limit,
                                                   size_t* unseen) const;
  [[nodiscard]] Status MarkSeen(std::string_view school_id, std::string_view user_id,
                                uint64_t up_to);
  [[nodiscard]] Result<NotifySettings> Settings(std::string_view school_id,
                                                std::string_view user_id) const;
  [[nodiscard]] Status PutSettings(std::string_view school_id, std::string_view user_id,
                                   const NotifySettings& settings);
  // The unsubscribe link's token for (school, user, kind: a kind's name or "all").
  std::string UnsubscribeToken(std::string_view school_id, std::string_view user_id,
                               std::string_view kind) const;
  // Applies an unsubscribe link: kPermissionDenied for a wrong token.
  [[nodiscard]] Status Unsubscribe(std::string_view school_id, std::string_view user_id,
                                   std::string_view kind, std::string_view token);
  bool mail_enabled() const { return !options_.smtp.url.empty(); }

  // With the server stopped (benchmarks): gives each (school, user) of `people` the address
  // <user>@`mail_domain` and `settings`, as their settings page would (DATA/secrets, DATA/notify).
  [[nodiscard]] static Status OptInOffline(
      const std::string& data_dir, const std::vector<std::pair<std::string, std::string>>& people,
      const NotifySettings& settings, const std::string& mail_domain);
  NotifierCounters counters() const;

 private:
  Notifier(NotifierOptions options, const Ledger* ledger, const school::SchoolState* state,
           SharedMutex* state_mu, SecretStore* secrets, std::unique_ptr<rocksdb::DB> db);
  Status Init();
  Status Compose() ABSL_EXCLUSIVE_LOCKS_REQUIRED(run_mu_);
  Status SweepAlerts() ABSL_EXCLUSIVE_LOCKS_REQUIRED(run_mu_);
  // What one compose pass has looked up and counted.
  struct ComposeCache {
    // user key -> the settings of a person who takes mail (an address, not bounced), or nothing.
    std::map<std::string, std::optional<NotifySettings>> settings;
    std::set<std::string> told;  // alert keys written by this pass
    std::string scratch;
    uint64_t notices = 0, queued = 0;
    int64_t oldest = 0;
  };
  // Puts the notice in the feed and, when its person takes that kind by mail, in the queue; false
  // for an alert the person was told of already.
  bool Add(rocksdb::WriteBatch& batch, const std::string& school_id, uint64_t seq, uint32_t index,
           int64_t at_us, const school::Notice& n, ComposeCache& cache);
  void Count(const ComposeCache& cache) ABSL_EXCLUSIVE_LOCKS_REQUIRED(counters_mu_);
  Status Send() ABSL_EXCLUSIVE_LOCKS_REQUIRED(run_mu_);
  // Sends one person's queued items (keys and values); false when the server is unreachable
  // (stop this pass).
  bool SendTo(const std::string& school_id, const std::string& user_id,
              const std::vector<std::pair<std::string, nlohmann::json>>& items, int64_t now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(run_mu_);
  Status DropFeedBefore(int64_t before_us);
  std::string Get(const std::string& key) const;  // "" when absent
  void Run();

  const NotifierOptions options_;
  const Ledger* const ledger_;
  const school::SchoolState* const state_;
  SharedMutex* const state_mu_;
  SecretStore* const secrets_;
  std::unique_ptr<rocksdb::DB> db_;
  std::string secret_;

  Mutex run_mu_;  // one pass at a time
  int64_t backoff_until_us_ ABSL_GUARDED_BY(run_mu_) = 0;
  int64_t backoff_us_ ABSL_GUARDED_BY(run_mu_) = 0;
  int64_t last_feed_sweep_us_ ABSL_GUARDED_BY(run_mu_) = 0;
  // The queue is looked through when something was queued or a person's settings changed since
  // the last look, else at most once a minute (held mail: quiet hours, digests end on a minute).
  int64_t next_send_check_us_ ABSL_GUARDED_BY(run_mu_) = 0;
  std::atomic<bool> recheck_{true};

  mutable Mutex counters_mu_;
  NotifierCounters counters_ ABSL_GUARDED_BY(counters_mu_);

  Mutex wake_mu_;
  std::condition_variable wake_cv_;
  bool woken_ ABSL_GUARDED_BY(wake_mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(wake_mu_) = false;
  std::thread thread_;
};

}  // namespace ejournal::api

#endif  // EJOURNAL_API_NOTIFIER_H_
