#include "api/notifier.h"

#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <rocksdb/write_batch.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <map>

#include "ledger/crypto.h"
#include "ledger/entry_stream.h"
#include "ledger/storage_format.h"

namespace ejournal::api {
namespace {

using json = nlohmann::json;
using school::NoticeKind;

constexpr size_t kComposeBatch = 2000;
constexpr int64_t kFirstBackoffUs = 1'000'000;
constexpr int64_t kMaxBackoffUs = 5LL * 60 * 1'000'000;
constexpr size_t kMaxUnseenCounted = 999;
// The daily look at every student's alerts runs from this school-local time.
constexpr int kAlertSweepMinutes = 7 * 60;
// An entry's alert notices are indexed from here, clear of its own notices; a sweep's items sit
// at the ledger's size, indexed from kSweepIndexBase.
constexpr uint32_t kAlertIndexBase = 1u << 16;
constexpr uint32_t kSweepIndexBase = 1u << 20;
// The notifier's thread runs at this nice value: background work that yields the cores to the
// requests (docs/BENCHMARKS.md "Notifications").
constexpr int kNotifierNice = 10;
// With nothing new queued, the queue is looked through at most this often.
constexpr int64_t kSendRecheckUs = 60'000'000;
// The night R-MSG-4 keeps quiet whatever a person chooses: 23:00–06:00.
constexpr int kNightFrom = 23 * 60;
constexpr int kNightTo = 6 * 60;

std::string UserKey(char table, std::string_view school_id, std::string_view user_id) {
  std::string k;
  k += table;
  k += '/';
  k += school_id;
  k += '/';
  k += user_id;
  return k;
}

std::string ItemKey(char table, std::string_view school_id, std::string_view user_id, uint64_t seq,
                    uint32_t index) {
  std::string k = UserKey(table, school_id, user_id) + "/";
  for (int i = 7; i >= 0; --i) k += static_cast<char>((seq >> (8 * i)) & 0xff);
  for (int i = 3; i >= 0; --i) k += static_cast<char>((index >> (8 * i)) & 0xff);
  return k;
}

bool InWindow(int minutes, int from, int to) {
  return from < to ? minutes >= from && minutes < to : minutes >= from || minutes < to;
}

std::string Hhmm(int minutes) {
  char b[16];
  std::snprintf(b, sizeof b, "%02d:%02d", minutes / 60, minutes % 60);
  return b;
}

std::string RfcDate(int64_t unix_us) {
  const std::time_t t = static_cast<std::time_t>(unix_us / 1'000'000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char b[64];
  std::snprintf(b, sizeof b, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday], tm.tm_mday,
                kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return b;
}

std::string UrlEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace

bool NotifySettings::Wants(NoticeKind kind) const {
  return std::find(email_kinds.begin(), email_kinds.end(), kind) != email_kinds.end();
}

json NotifySettings::ToJson() const {
  json kinds = json::array();
  for (NoticeKind k : email_kinds) kinds.push_back(std::string(school::NoticeKindName(k)));
  return json{{"email_kinds", kinds},
              {"digest", digest},
              {"digest_at", Hhmm(digest_minutes)},
              {"quiet_from", Hhmm(quiet_from)},
              {"quiet_to", Hhmm(quiet_to)},
              {"bounced", bounced}};
}

Result<NotifySettings> NotifySettings::FromJson(const json& j) {
  NotifySettings s;
  auto minutes = [&](const char* field, int fallback) -> Result<int> {
    if (!j.contains(field)) return fallback;
    const std::string v = j.at(field).is_string() ? j.at(field).get<std::string>() : "";
    int h = -1, m = -1;
    if (v.size() != 5 || v[2] != ':' || std::sscanf(v.c_str(), "%2d:%2d", &h, &m) != 2 || h < 0 ||
        h > 23 || m < 0 || m > 59) {
      return Err(InvalidArgument(
          std::string("Время «") + field + "» — в виде ЧЧ:ММ, например 21:00", "R-MSG-4"));
    }
    return h * 60 + m;
  };
  if (j.contains("email_kinds")) {
    if (!j.at("email_kinds").is_array()) {
      return Err(InvalidArgument("email_kinds — список видов уведомлений", "R-MSG-4"));
    }
    for (const auto& k : j.at("email_kinds")) {
      auto kind = k.is_string() ? school::NoticeKindNamed(k.get<std::string>()) : std::nullopt;
      if (!kind) return Err(InvalidArgument("Неизвестный вид уведомлений: " + k.dump(), "R-MSG-4"));
      if (!s.Wants(*kind)) s.email_kinds.push_back(*kind);
    }
  }
  if (j.contains("digest")) s.digest = j.at("digest").is_boolean() && j.at("digest").get<bool>();
  EJ_ASSIGN_OR_RETURN(s.digest_minutes, minutes("digest_at", s.digest_minutes));
  EJ_ASSIGN_OR_RETURN(s.quiet_from, minutes("quiet_from", s.quiet_from));
  EJ_ASSIGN_OR_RETURN(s.quiet_to, minutes("quiet_to", s.quiet_to));
  if (!(s.quiet_from > s.quiet_to && s.quiet_from <= kNightFrom && s.quiet_to >= kNightTo)) {
    return Err(InvalidArgument("Ночью письма не приходят: тихие часы должны охватывать время с " +
                                   Hhmm(kNightFrom) + " до " + Hhmm(kNightTo),
                               "R-MSG-4"));
  }
  if (s.digest && InWindow(s.digest_minutes, s.quiet_from, s.quiet_to)) {
    return Err(InvalidArgument(
        "Время сводки (" + Hhmm(s.digest_minutes) + ") попадает в тихие часы: выберите время днём",
        "R-MSG-4"));
  }
  return s;
}

Result<std::unique_ptr<Notifier>> Notifier::Open(NotifierOptions options, const Ledger* ledger,
                                                 const school::SchoolState* state,
                                                 SharedMutex* state_mu, SecretStore* secrets) {
  rocksdb::Options o;
  o.create_if_missing = true;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(o, options.path, &raw);
  if (!s.ok()) return Err(IoError("notify store " + options.path + ": " + s.ToString()));
  std::unique_ptr<Notifier> n(new Notifier(std::move(options), ledger, state, state_mu, secrets,
                                           std::unique_ptr<rocksdb::DB>(raw)));
  EJ_RETURN_IF_ERROR(n->Init());
  return n;
}

Notifier::Notifier(NotifierOptions options, const Ledger* ledger, const school::SchoolState* state,
                   SharedMutex* state_mu, SecretStore* secrets, std::unique_ptr<rocksdb::DB> db)
    : options_(std::move(options)),
      ledger_(ledger),
      state_(state),
      state_mu_(state_mu),
      secrets_(secrets),
      db_(std::move(db)) {}

Notifier::~Notifier() { Stop(); }

std::string Notifier::Get(const std::string& key) const {
  std::string v;
  if (!db_->Get(rocksdb::ReadOptions(), key, &v).ok()) return {};
  return v;
}

Status Notifier::Init() {
  rocksdb::WriteOptions sync;
  sync.sync = true;
  secret_ = Get("secret");
  if (secret_.size() != 32) {
    secret_.assign(32, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(secret_.data()), 32) != 1) {
      return Internal("RAND_bytes failed");
    }
    rocksdb::WriteBatch b;
    b.Put("secret", secret_);
    // A new store begins at the ledger's end: nobody is told of the past.
    if (Get("cursor").empty()) b.Put("cursor", std::to_string(ledger_->size()));
    auto s = db_->Write(sync, &b);
    if (!s.ok()) return IoError("notify store: " + s.ToString());
  }
  NotifierCounters c;
  c.cursor = std::stoull(Get("cursor").empty() ? "0" : Get("cursor"));
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek("q/"); it->Valid() && it->key().starts_with("q/"); it->Next()) {
    ++c.queued;
    const json item = json::parse(it->value().ToString(), nullptr, false);
    const int64_t at = item.is_object() ? item.value("at_us", int64_t{0}) : 0;
    if (c.oldest_queued_us == 0 || at < c.oldest_queued_us) c.oldest_queued_us = at;
  }
  MutexLock lock(&counters_mu_);
  counters_ = c;
  return Status::Ok();
}

void Notifier::Start() {
  if (options_.poll_ms <= 0 || thread_.joinable()) return;
  thread_ = std::thread([this] { Run(); });
}

void Notifier::Stop() {
  {
    MutexLock lock(&wake_mu_);
    stopping_ = true;
  }
  wake_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Notifier::Wake() {
  {
    MutexLock lock(&wake_mu_);
    woken_ = true;
  }
  wake_cv_.notify_all();
}

void Notifier::Run() {
  if (setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), kNotifierNice) != 0) {
    spdlog::warn("event=notifier_nice_failed errno={}", errno);
  }
  pthread_setname_np(pthread_self(), "ej-notify");
  UniqueLock lock(&wake_mu_);
  while (!stopping_) {
    lock.Unlock();
    if (Status s = RunOnce(); !s.ok()) {
      spdlog::warn("event=notify_failed error=\"{}\"", s.ToString());
    }
    lock.Lock();
    (void)lock.WaitFor(wake_cv_, std::chrono::milliseconds(options_.poll_ms),
                       [this]() ABSL_NO_THREAD_SAFETY_ANALYSIS { return woken_ || stopping_; });
    woken_ = false;
  }
}

Status Notifier::RunOnce() {
  MutexLock lock(&run_mu_);
  EJ_RETURN_IF_ERROR(Compose());
  const int64_t now = options_.clock->NowMicros();
  if (now - last_feed_sweep_us_ > school::kMicrosPerDay) {
    EJ_RETURN_IF_ERROR(DropFeedBefore(now - options_.feed_days * school::kMicrosPerDay));
    last_feed_sweep_us_ = now;
  }
  if (mail_enabled()) EJ_RETURN_IF_ERROR(Send());
  return Status::Ok();
}

Status Notifier::Compose() {
  // Not synced: what a compose writes is derived from the durable ledger, and keyed by ledger
  // position, so a write lost with the machine is composed again to the same keys. A send's synced
  // delete makes every earlier compose durable with it (one write-ahead log), so a lost compose
  // never had its mail sent. Syncing every compose competed with the ledger's own fsync
  // (docs/BENCHMARKS.md "Notifications").
  const rocksdb::WriteOptions unsynced;
  while (true) {
    const uint64_t cursor = std::stoull(Get("cursor").empty() ? "0" : Get("cursor"));
    const uint64_t size = ledger_->size();
    if (cursor >= size) break;
    rocksdb::WriteBatch batch;
    ComposeCache cache;
    uint64_t last = cursor;
    // The students whose alerts this batch's marks and absences may change, each looked at once,
    // after the batch's own notices: (school, student) -> the last such entry's (seq, at).
    std::map<std::pair<std::string, std::string>, std::pair<uint64_t, int64_t>> alerted;
    EntryStream stream(*ledger_, cursor + 1);
    while (last < size && last - cursor < kComposeBatch) {
      EJ_ASSIGN_OR_RETURN(auto entries, stream.Next());
      if (entries.empty()) break;
      for (const ParsedEntry& e : entries) {
        if (last >= size || last - cursor >= kComposeBatch) break;
        last = e.sequence;
        std::vector<school::Notice> list;
        const std::string& school_id = e.body.school_id();
        {
          ReaderMutexLock state_lock(state_mu_);
          const school::School* school = state_->FindSchool(school_id);
          if (school == nullptr) continue;
          list = school::NoticesOf(*state_, *school, e.body, e.recorded_at_us);
          for (const std::string& sid : school::StudentsAlertedBy(*school, e.body)) {
            alerted[{school_id, sid}] = {e.sequence, e.recorded_at_us};
          }
        }
        uint32_t index = 0;
        for (const school::Notice& n : list) {
          if (Add(batch, school_id, e.sequence, index, e.recorded_at_us, n, cache)) ++index;
        }
      }
    }
    std::map<uint64_t, uint32_t> alert_index;  // seq -> the next index of its alerts' notices
    for (const auto& [who, at] : alerted) {
      std::vector<school::Notice> list;
      {
        ReaderMutexLock state_lock(state_mu_);
        const school::School* school = state_->FindSchool(who.first);
        if (school == nullptr) continue;
        list = school::AlertNotices(*state_, *school, who.second, school->zone.LocalDay(at.second));
      }
      uint32_t& index = alert_index.try_emplace(at.first, kAlertIndexBase).first->second;
      for (const school::Notice& n : list) {
        if (Add(batch, who.first, at.first, index, at.second, n, cache)) ++index;
      }
    }
    if (last == cursor) break;
    batch.Put("cursor", std::to_string(last));
    auto s = db_->Write(unsynced, &batch);
    if (!s.ok()) return IoError("notify store: " + s.ToString());
    MutexLock lock(&counters_mu_);
    counters_.cursor = last;
    Count(cache);
  }
  return SweepAlerts();
}

bool Notifier::Add(rocksdb::WriteBatch& batch, const std::string& school_id, uint64_t seq,
                   uint32_t index, int64_t at_us, const school::Notice& n, ComposeCache& cache) {
  if (!n.key.empty()) {
    const std::string told = UserKey('a', school_id, n.user_id) + "/" + n.key;
    if (cache.told.contains(told) || db_->Get(rocksdb::ReadOptions(), told, &cache.scratch).ok()) {
      return false;
    }
    cache.told.insert(told);
    batch.Put(told, "");
  }
  const json item{{"seq", seq},
                  {"at_us", at_us},
                  {"kind", std::string(school::NoticeKindName(n.kind))},
                  {"text", n.text},
                  {"link", n.link}};
  const std::string value = item.dump();
  batch.Put(ItemKey('f', school_id, n.user_id, seq, index), value);
  ++cache.notices;
  if (!mail_enabled()) return true;
  const std::string uk = UserKey('u', school_id, n.user_id);
  auto it = cache.settings.find(uk);
  if (it == cache.settings.end()) {
    auto got = Settings(school_id, n.user_id);
    auto contact = secrets_->GetContact(school_id, n.user_id);
    const bool has_email = contact.has_value() && !contact->email().empty();
    it = cache.settings
             .emplace(uk, got && has_email && !got->bounced ? std::optional<NotifySettings>(*got)
                                                            : std::nullopt)
             .first;
  }
  if (it->second && it->second->Wants(n.kind)) {
    batch.Put(ItemKey('q', school_id, n.user_id, seq, index), value);
    ++cache.queued;
    if (cache.oldest == 0) cache.oldest = at_us;
  }
  return true;
}

void Notifier::Count(const ComposeCache& cache) {
  if (cache.queued > 0) recheck_ = true;
  counters_.notices += cache.notices;
  counters_.queued += cache.queued;
  if (counters_.oldest_queued_us == 0) counters_.oldest_queued_us = cache.oldest;
}

// The alerts that time alone raises (an absence not explained by the next day) appear without an
// event: once a school-local day, from 07:00, every student's alerts are looked at; each person is
// told of each alert once (the same keys as the alerts an event raises).
Status Notifier::SweepAlerts() {
  const int64_t now = options_.clock->NowMicros();
  struct Due {
    std::string school_id;
    school::Day day;
  };
  std::vector<Due> due;
  {
    ReaderMutexLock lock(state_mu_);
    for (const school::School* school : state_->Schools()) {
      if (school->zone.LocalMinutes(now) < kAlertSweepMinutes) continue;
      const school::Day day = school->zone.LocalDay(now);
      if (Get("w/" + school->id) == std::to_string(day)) continue;
      due.push_back(Due{school->id, day});
    }
  }
  rocksdb::WriteOptions sync;
  sync.sync = true;
  for (const Due& d : due) {
    std::vector<std::string> students;
    {
      ReaderMutexLock lock(state_mu_);
      const school::School* school = state_->FindSchool(d.school_id);
      if (school == nullptr) continue;
      for (const auto& [sid, st] : school->students) {
        if (st.On(d.day) != nullptr) students.push_back(sid);
      }
    }
    rocksdb::WriteBatch batch;
    ComposeCache cache;
    const uint64_t seq = ledger_->size();
    uint32_t index = kSweepIndexBase;
    for (const std::string& sid : students) {
      std::vector<school::Notice> list;
      {
        ReaderMutexLock lock(state_mu_);
        const school::School* school = state_->FindSchool(d.school_id);
        if (school == nullptr) break;
        list = school::AlertNotices(*state_, *school, sid, d.day);
      }
      for (const school::Notice& n : list) {
        if (Add(batch, d.school_id, seq, index, now, n, cache)) ++index;
      }
    }
    batch.Put("w/" + d.school_id, std::to_string(d.day));
    auto s = db_->Write(sync, &batch);
    if (!s.ok()) return IoError("notify store: " + s.ToString());
    MutexLock lock(&counters_mu_);
    Count(cache);
  }
  return Status::Ok();
}

Status Notifier::Send() {
  const int64_t now = options_.clock->NowMicros();
  if (now < backoff_until_us_) return Status::Ok();
  if (!recheck_.exchange(false) && now < next_send_check_us_) return Status::Ok();
  next_send_check_us_ = now + kSendRecheckUs;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  std::string current;  // "school/user"
  std::vector<std::pair<std::string, json>> items;
  auto flush = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(run_mu_) -> bool {
    if (items.empty()) return true;
    const size_t slash = current.find('/');
    const bool reachable = SendTo(current.substr(0, slash), current.substr(slash + 1), items, now);
    items.clear();
    return reachable;
  };
  for (it->Seek("q/"); it->Valid() && it->key().starts_with("q/"); it->Next()) {
    const std::string key = it->key().ToString();
    // "q/<school>/<user>/<12 bytes>"
    const std::string owner = key.substr(2, key.size() - 2 - 13);
    if (owner != current) {
      if (!flush()) return Status::Ok();
      current = owner;
    }
    items.emplace_back(key, json::parse(it->value().ToString(), nullptr, false));
  }
  (void)flush();
  int64_t oldest = 0;
  std::unique_ptr<rocksdb::Iterator> again(db_->NewIterator(rocksdb::ReadOptions()));
  for (again->Seek("q/"); again->Valid() && again->key().starts_with("q/"); again->Next()) {
    const json item = json::parse(again->value().ToString(), nullptr, false);
    const int64_t at = item.is_object() ? item.value("at_us", int64_t{0}) : 0;
    if (oldest == 0 || at < oldest) oldest = at;
  }
  MutexLock lock(&counters_mu_);
  counters_.oldest_queued_us = oldest;
  return Status::Ok();
}

bool Notifier::SendTo(const std::string& school_id, const std::string& user_id,
                      const std::vector<std::pair<std::string, json>>& items, int64_t now) {
  rocksdb::WriteOptions sync;
  sync.sync = true;
  auto drop = [&](rocksdb::WriteBatch& b) {
    for (const auto& [key, item] : items) b.Delete(key);
  };
  auto settings = Settings(school_id, user_id);
  auto contact = secrets_->GetContact(school_id, user_id);
  std::string name;
  school::SchoolZone zone;
  std::string school_name;
  {
    ReaderMutexLock lock(state_mu_);
    const school::School* school = state_->FindSchool(school_id);
    if (school != nullptr) {
      name = school->UserName(user_id);
      zone = school->zone;
      school_name = school->name;
    }
  }
  std::vector<const json*> wanted;
  if (settings && !settings->bounced && contact && !contact->email().empty()) {
    for (const auto& [key, item] : items) {
      auto kind = school::NoticeKindNamed(item.value("kind", ""));
      if (kind && settings->Wants(*kind)) wanted.push_back(&item);
    }
  }
  if (wanted.empty()) {  // the person turned the mail off since: nothing to send
    rocksdb::WriteBatch b;
    drop(b);
    (void)db_->Write(sync, &b);
    MutexLock lock(&counters_mu_);
    counters_.queued -= std::min<uint64_t>(counters_.queued, items.size());
    return true;
  }
  const int minutes = zone.LocalMinutes(now);
  const school::Day today = zone.LocalDay(now);
  if (InWindow(minutes, settings->quiet_from, settings->quiet_to)) return true;  // R-MSG-4
  const std::string digest_key = UserKey('d', school_id, user_id);
  if (settings->digest) {
    const std::string last = Get(digest_key);
    if (minutes < settings->digest_minutes || last == std::to_string(today)) return true;
  }

  const std::string base = options_.public_url;
  const std::string unsub_all = base + "/unsubscribe?school=" + UrlEncode(school_id) +
                                "&user=" + UrlEncode(user_id) +
                                "&kind=all&token=" + UnsubscribeToken(school_id, user_id, "all");
  std::string subject;
  if (settings->digest) {
    subject = "Сводка электронного журнала за " + school::RuDate(today);
  } else if (wanted.size() == 1) {
    subject = wanted[0]->value("text", "");
    if (subject.size() > 150) subject = subject.substr(0, 150);
    while (!subject.empty() && (static_cast<unsigned char>(subject.back()) & 0xC0) == 0x80) {
      subject.pop_back();
    }
    if (!subject.empty() && static_cast<unsigned char>(subject.back()) >= 0xC0) subject.pop_back();
  } else {
    subject = "Электронный журнал: новых уведомлений — " + std::to_string(wanted.size());
  }
  std::string body = "Здравствуйте" + (name.empty() ? std::string() : ", " + name) + "!\n\n";
  std::map<std::string, bool> kinds;
  for (const json* item : wanted) {
    const std::string kind = item->value("kind", "");
    kinds[kind] = true;
    auto k = school::NoticeKindNamed(kind);
    body += "• " + std::string(k ? school::NoticeKindText(*k) : "") + ". " +
            item->value("text", "") + "\n  " + base + "/" + item->value("link", "") + "\n\n";
  }
  body += "— \n" + (school_name.empty() ? std::string() : school_name + ", ") +
          "электронный журнал.\nНастроить уведомления: " + base + "/#/notifications\n";
  for (const auto& [kind, yes] : kinds) {
    auto k = school::NoticeKindNamed(kind);
    body += "Не присылать письма «" + std::string(k ? school::NoticeKindText(*k) : kind) +
            "»: " + base + "/unsubscribe?school=" + UrlEncode(school_id) +
            "&user=" + UrlEncode(user_id) + "&kind=" + kind +
            "&token=" + UnsubscribeToken(school_id, user_id, kind) + "\n";
  }
  body += "Не присылать никаких писем: " + unsub_all + "\n";
  const auto id = crypto::Sha256(items.front().first);
  const std::string message_id =
      crypto::HexEncode(std::string_view(reinterpret_cast<const char*>(id.data()), 16));
  std::string host = options_.smtp.from.substr(options_.smtp.from.find('@') + 1);
  std::string mail;
  mail += "From: " + MimeHeaderWord(options_.smtp.from_name) + " <" + options_.smtp.from + ">\r\n";
  mail += "To: <" + contact->email() + ">\r\n";
  mail += "Subject: " + MimeHeaderWord(subject) + "\r\n";
  mail += "Date: " + RfcDate(now) + "\r\n";
  mail += "Message-ID: <" + message_id + "@" + host + ">\r\n";
  mail += "MIME-Version: 1.0\r\n";
  mail += "Content-Type: text/plain; charset=utf-8\r\n";
  mail += "Content-Transfer-Encoding: base64\r\n";
  mail += "Auto-Submitted: auto-generated\r\n";
  mail += "List-Unsubscribe: <" + unsub_all + ">\r\n";
  mail += "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n";
  mail += "\r\n";
  std::string crlf;
  for (char c : body) {
    if (c == '\n') crlf += '\r';
    crlf += c;
  }
  mail += MimeBase64Body(crlf);

  const SmtpOutcome out = SendMail(options_.smtp, contact->email(), mail);
  switch (out.kind) {
    case SmtpOutcome::Kind::kSent: {
      rocksdb::WriteBatch b;
      drop(b);
      if (settings->digest) b.Put(digest_key, std::to_string(today));
      auto s = db_->Write(sync, &b);
      if (!s.ok()) spdlog::error("event=mail_dequeue_failed error=\"{}\"", s.ToString());
      spdlog::info("event=mail_sent school={} user={} items={} message_id={}", school_id, user_id,
                   items.size(), message_id);
      backoff_us_ = 0;
      MutexLock lock(&counters_mu_);
      ++counters_.mails_sent;
      counters_.queued -= std::min<uint64_t>(counters_.queued, items.size());
      return true;
    }
    case SmtpOutcome::Kind::kRejected: {
      NotifySettings bounced = *settings;
      bounced.bounced = true;
      (void)PutSettings(school_id, user_id, bounced);
      rocksdb::WriteBatch b;
      drop(b);
      (void)db_->Write(sync, &b);
      spdlog::warn("event=mail_bounced school={} user={} smtp_code={}", school_id, user_id,
                   out.smtp_code);
      MutexLock lock(&counters_mu_);
      ++counters_.bounced;
      counters_.queued -= std::min<uint64_t>(counters_.queued, items.size());
      return true;
    }
    case SmtpOutcome::Kind::kRetry:
      break;
  }
  backoff_us_ = backoff_us_ == 0 ? kFirstBackoffUs : std::min(kMaxBackoffUs, backoff_us_ * 2);
  backoff_until_us_ = now + backoff_us_;
  // One line per back-off step, not per mail: an outage of hours logs a dozen lines.
  spdlog::warn("event=mail_retry smtp_code={} retry_in_s={} error=\"{}\"", out.smtp_code,
               backoff_us_ / 1'000'000, out.detail);
  MutexLock lock(&counters_mu_);
  ++counters_.send_failures;
  return false;
}

Status Notifier::DropFeedBefore(int64_t before_us) {
  rocksdb::WriteBatch batch;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek("f/"); it->Valid() && it->key().starts_with("f/"); it->Next()) {
    const json item = json::parse(it->value().ToString(), nullptr, false);
    if (!item.is_object() || item.value("at_us", int64_t{0}) < before_us) {
      batch.Delete(it->key());
    }
  }
  if (batch.Count() == 0) return Status::Ok();
  auto s = db_->Write(rocksdb::WriteOptions(), &batch);
  return s.ok() ? Status::Ok() : IoError("notify store: " + s.ToString());
}

Result<std::vector<Notifier::FeedItem>> Notifier::Feed(std::string_view school_id,
                                                       std::string_view user_id, size_t limit,
                                                       size_t* unseen) const {
  const std::string prefix = UserKey('f', school_id, user_id) + "/";
  const std::string seen_text = Get(UserKey('r', school_id, user_id));
  const uint64_t seen = seen_text.empty() ? 0 : std::stoull(seen_text);
  std::vector<FeedItem> out;
  size_t fresh = 0;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  for (it->SeekForPrev(prefix + std::string(13, '\xff'));
       it->Valid() && it->key().starts_with(prefix); it->Prev()) {
    const json item = json::parse(it->value().ToString(), nullptr, false);
    if (!item.is_object()) continue;
    const uint64_t seq = item.value("seq", uint64_t{0});
    if (seq > seen) ++fresh;
    if (out.size() < limit) {
      out.push_back(FeedItem{seq, item.value("kind", ""), item.value("text", ""),
                             item.value("link", ""), item.value("at_us", int64_t{0})});
    } else if (seq <= seen || fresh > kMaxUnseenCounted) {
      break;
    }
  }
  if (unseen != nullptr) *unseen = fresh;
  return out;
}

Status Notifier::MarkSeen(std::string_view school_id, std::string_view user_id, uint64_t up_to) {
  const std::string key = UserKey('r', school_id, user_id);
  const std::string old = Get(key);
  if (!old.empty() && std::stoull(old) >= up_to) return Status::Ok();
  auto s = db_->Put(rocksdb::WriteOptions(), key, std::to_string(up_to));
  return s.ok() ? Status::Ok() : IoError("notify store: " + s.ToString());
}

Result<NotifySettings> Notifier::Settings(std::string_view school_id,
                                          std::string_view user_id) const {
  const std::string v = Get(UserKey('u', school_id, user_id));
  if (v.empty()) return NotifySettings{};
  const json j = json::parse(v, nullptr, false);
  if (!j.is_object()) return Err(DataLoss("notify store: settings of " + std::string(user_id)));
  auto s = NotifySettings::FromJson(j);
  if (!s) return Err(s.error());
  s->bounced = j.value("bounced", false);
  return s;
}

Status Notifier::PutSettings(std::string_view school_id, std::string_view user_id,
                             const NotifySettings& settings) {
  rocksdb::WriteOptions sync;
  sync.sync = true;
  auto s = db_->Put(sync, UserKey('u', school_id, user_id), settings.ToJson().dump());
  recheck_ = true;  // held mail may be due now (a digest turned off)
  return s.ok() ? Status::Ok() : IoError("notify store: " + s.ToString());
}

std::string Notifier::UnsubscribeToken(std::string_view school_id, std::string_view user_id,
                                       std::string_view kind) const {
  const std::string data =
      std::string(school_id) + '\n' + std::string(user_id) + '\n' + std::string(kind);
  unsigned char mac[32];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &len);
  return crypto::HexEncode(std::string_view(reinterpret_cast<const char*>(mac), 16));
}

Status Notifier::Unsubscribe(std::string_view school_id, std::string_view user_id,
                             std::string_view kind, std::string_view token) {
  const std::string want = UnsubscribeToken(school_id, user_id, kind);
  if (token.size() != want.size() || CRYPTO_memcmp(token.data(), want.data(), want.size()) != 0) {
    return PermissionDenied("Ссылка для отписки повреждена или не от этого журнала", "R-MSG-4");
  }
  EJ_ASSIGN_OR_RETURN(NotifySettings s, Settings(school_id, user_id));
  if (kind == "all") {
    s.email_kinds.clear();
  } else {
    auto k = school::NoticeKindNamed(kind);
    if (!k) return InvalidArgument("Неизвестный вид уведомлений", "R-MSG-4");
    std::erase(s.email_kinds, *k);
  }
  spdlog::info("event=unsubscribed school={} user={} kind={}", school_id, user_id, kind);
  return PutSettings(school_id, user_id, s);
}

Status Notifier::OptInOffline(const std::string& data_dir,
                              const std::vector<std::pair<std::string, std::string>>& people,
                              const NotifySettings& settings, const std::string& mail_domain) {
  EJ_ASSIGN_OR_RETURN(std::unique_ptr<SecretStore> secrets,
                      SecretStore::Open(data_dir + "/secrets"));
  rocksdb::Options o;
  o.create_if_missing = true;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(o, data_dir + "/notify", &raw);
  if (!s.ok()) return IoError("notify store: " + s.ToString());
  std::unique_ptr<rocksdb::DB> db(raw);
  rocksdb::WriteBatch batch;
  const std::string value = settings.ToJson().dump();
  for (const auto& [school_id, user_id] : people) {
    v1::ContactDetails c;
    c.set_user_id(user_id);
    c.set_email(user_id + "@" + mail_domain);
    EJ_RETURN_IF_ERROR(secrets->PutContact(school_id, c));
    batch.Put(UserKey('u', school_id, user_id), value);
  }
  rocksdb::WriteOptions sync;
  sync.sync = true;
  s = db->Write(sync, &batch);
  return s.ok() ? Status::Ok() : IoError("notify store: " + s.ToString());
}

NotifierCounters Notifier::counters() const {
  MutexLock lock(&counters_mu_);
  return counters_;
}

}  // namespace ejournal::api
