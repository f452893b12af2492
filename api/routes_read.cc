// The read endpoints (docs/API.md "Reads"): views, audit, reports, ledger entries and proofs.
// Every view read checks the session and R-ACC-3 (api/access.h) under the state lock; an unknown
// or forbidden resource answers NotVisible() alike.
#include <google/protobuf/util/json_util.h>
#include <httplib.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "api/access.h"
#include "api/http_errors.h"
#include "api/json_util.h"
#include "api/server.h"
#include "ledger/backup.h"
#include "projections/as_of.h"
#include "projections/audit.h"
#include "projections/reports.h"

namespace ejournal::api {
namespace {

// A reader's refusal from a projection: unknown ids look like forbidden ones.
Status Visible(const Status& st) { return st.code() == StatusCode::kNotFound ? NotVisible() : st; }

std::string HashB64(const merkle::Hash& h) {
  return crypto::Base64Encode(std::string_view(reinterpret_cast<const char*>(h.data()), h.size()));
}

}  // namespace

void ApiServer::WithReader(const httplib::Request& req, httplib::Response& res,
                           const std::string& school_id,
                           const std::function<void(const Reader&)>& fn) {
  auto session = ReaderOf(req);
  RequestStages::MarkCurrent("session");
  if (!session) return SetError(res, session.error());
  ReaderMutexLock lock(&state_mu_);
  RequestStages::MarkCurrent("lock_wait");
  Reader reader;
  reader.school = state_->FindSchool(school_id);
  if (reader.school == nullptr || session->school_id != school_id) {
    return SetError(res, NotVisible());
  }
  reader.user = reader.school->FindUser(session->user_id);
  if (reader.user == nullptr || !reader.user->active) {
    return SetError(res, Unauthenticated("Учётная запись отключена", "R-ACC-1"));
  }
  fn(reader);
}

// The diary (R-ACC-3 checked first, always): from the cache when nothing it shows changed since it
// was built (api/diary_cache.h), else built from the views. Under the state lock only what reads
// the state; the JSON is written after it is released.
void ApiServer::GetDiary(const httplib::Request& req, httplib::Response& res) {
  const std::string school_id = req.matches[1], student_id = req.matches[2];
  auto week_param = QueryWeek(req);
  if (!week_param) return SetError(res, week_param.error());
  const std::optional<school::Day> week = *week_param;
  std::optional<std::string> cached;
  school::ReadArena arena;  // the view is built on it and lives until the answer is written
  v1::DiaryWeekView* built = nullptr;
  school::Day start = school::kNoDay;
  uint64_t built_from = 0;
  DiaryCache::Deps deps;
  WithReader(req, res, school_id, [&](const Reader& reader) ABSL_SHARED_LOCKS_REQUIRED(state_mu_) {
    if (!MayReadDiary(*reader.school, *reader.user, student_id)) {
      return SetError(res, NotVisible());
    }
    start =
        week ? *week : school::WeekStart(reader.school->zone.LocalDay(options_.clock->NowMicros()));
    cached = diary_cache_.Lookup(school_id, student_id, start, state_->size());
    if (cached) return RequestStages::MarkCurrent("cache_hit");
    // The committed size before the views are read: they hold at least that much.
    built_from = ledger_->size();
    auto view = views_->DiaryWeek(arena.get(), *state_, school_id, student_id, start);
    if (!view) return SetError(res, Visible(view.error()));
    built = *view;
    if (diary_cache_.enabled()) {
      deps = {school_id, student_id, DiaryCache::ClassesOf(*reader.school, student_id, start)};
    }
    RequestStages::MarkCurrent("build");
  });
  if (cached) {
    res.status = 200;
    res.set_content(std::move(*cached), kJsonContentType);
    return;
  }
  if (built == nullptr) return;  // answered by WithReader
  if (!diary_cache_.enabled()) return ReplyProto(res, *built);
  const uint64_t as_of = built->as_of_sequence();
  built->set_as_of_sequence(DiaryCache::kAsOfPlaceholder);
  const std::string json = ProtoJson(*built);
  diary_cache_.Insert(start, std::move(deps), built_from, json);
  res.status = 200;
  res.set_content(DiaryCache::WithAsOf(json, as_of), kJsonContentType);
  RequestStages::MarkCurrent("json");
}

Result<std::string> ApiServer::DiaryJsonUncached(const std::string& school_id,
                                                 const std::string& student_id,
                                                 school::Day week_start) {
  school::ReadArena arena;
  const v1::DiaryWeekView* view = nullptr;
  {
    ReaderMutexLock lock(&state_mu_);
    EJ_ASSIGN_OR_RETURN(view,
                        views_->DiaryWeek(arena.get(), *state_, school_id, student_id, week_start));
  }
  return ProtoJson(*view);
}

void ApiServer::GetJournal(const httplib::Request& req, httplib::Response& res) {
  const std::string school_id = req.matches[1], class_id = req.matches[2],
                    subject_id = req.matches[3];
  auto term = ParseUint(req.matches[4].str());
  auto subgroup = QueryString(req, "subgroup", false);
  if (!term) return SetError(res, term.error());
  if (*term == 0) return SetError(res, InvalidArgument("Периоды нумеруются с 1"));
  if (!subgroup) return SetError(res, subgroup.error());
  std::optional<int64_t> as_of;
  school::AsOfMode mode = school::AsOfMode::kAsShownThen;
  if (req.has_param("as_of_us")) {
    auto t = QueryInt(req, "as_of_us", std::nullopt);
    if (!t) return SetError(res, t.error());
    as_of = *t;
    const std::string m = req.get_param_value("mode");
    if (m == "with_later_invalidations") {
      mode = school::AsOfMode::kWithLaterInvalidations;
    } else if (!m.empty() && m != "as_shown_then") {
      return SetError(res, InvalidArgument("mode is as_shown_then or with_later_invalidations"));
    }
  }
  school::ReadArena arena;  // the live page is built on it and lives until the answer is written
  std::optional<v1::JournalPageView> as_of_page;
  const v1::JournalPageView* built = nullptr;
  WithReader(req, res, school_id, [&](const Reader& reader) ABSL_SHARED_LOCKS_REQUIRED(state_mu_) {
    if (!MayReadPage(*reader.school, *reader.user, class_id, *subgroup, subject_id,
                     static_cast<int>(*term))) {
      return SetError(res, NotVisible());
    }
    if (as_of) {
      auto page = school::AsOfJournalPage(
          *state_, *views_, [this](uint64_t s) { return ledger_->Entry(s); }, school_id, class_id,
          *subgroup, subject_id, static_cast<int>(*term), *as_of, mode);
      if (!page) return SetError(res, Visible(page.error()));
      built = &as_of_page.emplace(std::move(*page));
    } else {
      auto page = views_->JournalPage(arena.get(), *state_, school_id, class_id, *subgroup,
                                      subject_id, static_cast<int>(*term));
      if (!page) return SetError(res, Visible(page.error()));
      school::AddEditingDetails(*state_, **page);  // the live page's editors need them
      built = *page;
    }
  });
  // The JSON after the state lock is released (the page reads nothing of the state).
  if (built != nullptr) ReplyProto(res, *built);
}

void ApiServer::GetCellHistory(const httplib::Request& req, httplib::Response& res) {
  const std::string school_id = req.matches[1], lesson_id = req.matches[2],
                    student_id = req.matches[3];
  WithReader(req, res, school_id, [&](const Reader& reader) ABSL_SHARED_LOCKS_REQUIRED(state_mu_) {
    if (!MayReadCell(*reader.school, *reader.user, lesson_id)) return SetError(res, NotVisible());
    school::AuditReader audit(state_.get(), views_.get(),
                              [this](uint64_t s) { return ledger_->Entry(s); });
    auto view = audit.CellHistory(school_id, lesson_id, student_id);
    if (!view) return SetError(res, Visible(view.error()));
    return ReplyProto(res, *view);
  });
}

void ApiServer::GetActorHistory(const httplib::Request& req, httplib::Response& res) {
  const std::string school_id = req.matches[1], actor_id = req.matches[2];
  auto from = QueryInt(req, "from_us", 0);
  auto to = QueryInt(req, "to_us", INT64_MAX);
  if (!from) return SetError(res, from.error());
  if (!to) return SetError(res, to.error());
  WithReader(req, res, school_id, [&](const Reader& reader) ABSL_SHARED_LOCKS_REQUIRED(state_mu_) {
    if (!MayReadActorHistory(*reader.user, actor_id) ||
        reader.school->FindUser(actor_id) == nullptr) {
      return SetError(res, NotVisible());
    }
    school::AuditReader audit(state_.get(), views_.get(),
                              [this](uint64_t s) { return ledger_->Entry(s); });
    auto view = audit.ActorHistory(school_id, actor_id, *from, *to);
    if (!view) return SetError(res, Visible(view.error()));
    return ReplyProto(res, *view);
  });
}

void ApiServer::GetReport(const httplib::Request& req, httplib::Response& res) {
  const std::string school_id = req.matches[1], name = req.matches[2];
  auto class_id = QueryString(req, "class", false);
  if (!class_id) return SetError(res, class_id.error());
  // Parameters shared by several reports, parsed before any access decision.
  auto day_param = [&](const char* p) { return QueryDay(req, p); };
  WithReader(req, res, school_id, [&](const Reader& reader) ABSL_SHARED_LOCKS_REQUIRED(state_mu_) {
    if (!MayReadReport(*reader.school, *reader.user, *class_id) && name != "awaiting-reentry") {
      return SetError(res, NotVisible());
    }
    const school::SchoolState& st = *state_;
    // Every report names its ids for people (school::NameReportIds).
    auto reply = [&](auto view) {
      if (!view) return SetError(res, Visible(view.error()));
      school::NameReportIds(*reader.school, *view);
      ReplyProto(res, *view);
    };
    if (name == "monthly-control") {
      auto year = QueryInt(req, "year", std::nullopt);
      auto month = QueryInt(req, "month", std::nullopt);
      auto teacher = QueryString(req, "teacher", false);
      if (!year || !month || !teacher) {
        return SetError(res, !year ? year.error() : !month ? month.error() : teacher.error());
      }
      return reply(school::MonthlyControl(st, school_id, static_cast<int>(*year),
                                          static_cast<int>(*month), *teacher, *class_id));
    }
    if (name == "class-progress" || name == "summary-statement") {
      auto year_id = QueryString(req, "year_id", true);
      if (!year_id) return SetError(res, year_id.error());
      if (name == "summary-statement") {
        return reply(school::SummaryStatement(st, school_id, *class_id, *year_id));
      }
      v1::PeriodRef period;
      period.set_academic_year_id(*year_id);
      const std::string kind = req.has_param("kind") ? req.get_param_value("kind") : "term";
      if (kind == "term") {
        period.set_kind(v1::PERIOD_KIND_TERM);
      } else if (kind == "year") {
        period.set_kind(v1::PERIOD_KIND_YEAR);
      } else if (kind == "final") {
        period.set_kind(v1::PERIOD_KIND_FINAL);
      } else {
        return SetError(res, InvalidArgument("kind is term, year or final"));
      }
      auto term = QueryInt(req, "term", 0);
      if (!term) return SetError(res, term.error());
      period.set_term_number(static_cast<int>(*term));
      return reply(school::ClassProgress(st, school_id, *class_id, period));
    }
    if (name == "pending-corrections") return reply(school::PendingCorrections(st, school_id));
    // R-SEC-1: the reports of exposed logins with their late flag; R-SEC-4: the invalidated
    // records not yet re-entered. Both school-wide; except that every user sees their own records
    // awaiting re-entry, since they alone re-enter them (R-SEC-4).
    if (name == "compromise-reports" || name == "awaiting-reentry") {
      if (!class_id->empty()) return SetError(res, NotVisible());
      const bool everything = ReadsEverything(*reader.user);
      if (name == "compromise-reports") {
        if (!everything) return SetError(res, NotVisible());
        return reply(school::CompromiseReports(st, school_id));
      }
      school::AuditReader audit(state_.get(), views_.get(),
                                [this](uint64_t s) { return ledger_->Entry(s); });
      auto list = audit.AwaitingReentry(school_id);
      if (list && !everything) {
        auto* events = list->mutable_events();
        events->erase(std::remove_if(events->begin(), events->end(),
                                     [&](const v1::AuditEventView& e) {
                                       return e.actor_id() != reader.user->id;
                                     }),
                      events->end());
      }
      return reply(list);
    }
    auto from = day_param("from");
    auto to = day_param("to");
    if (!from) return SetError(res, from.error());
    if (!to) return SetError(res, to.error());
    if (name == "attendance") {
      return reply(school::AttendanceReport(st, school_id, *class_id, *from, *to));
    }
    if (name == "problems")
      return reply(school::ProblemsReport(st, school_id, *class_id, *from, *to));
    if (name == "substitutions")
      return reply(school::SubstitutionsReport(st, school_id, *from, *to));
    if (name == "acknowledgements") {
      return reply(school::AcknowledgementReport(st, school_id, *class_id, *from, *to));
    }
    return SetError(res, NotFound("Такого отчёта нет"));
  });
}

void ApiServer::GetCorrections(const httplib::Request& req, httplib::Response& res) {
  const std::string school_id = req.matches[1];
  WithReader(req, res, school_id, [&](const Reader& reader) ABSL_SHARED_LOCKS_REQUIRED(state_mu_) {
    // R-COR-3: the deputy (and whoever reads everything) sees the whole queue; a teacher sees
    // their own pending requests, which the journal shows in their cells until decided.
    const bool all = ReadsEverything(*reader.user);
    if (!all && !reader.user->Has(v1::ROLE_TEACHER)) return SetError(res, NotVisible());
    auto view = school::PendingCorrections(*state_, school_id);
    if (!view) return SetError(res, Visible(view.error()));
    if (!all) {
      auto* requests = view->mutable_requests();
      requests->erase(std::remove_if(requests->begin(), requests->end(),
                                     [&](const v1::PendingCorrectionView& r) {
                                       return r.requester_id() != reader.user->id;
                                     }),
                      requests->end());
    }
    return ReplyProto(res, *view);
  });
}

void ApiServer::PostActPreview(const httplib::Request& req, httplib::Response& res) {
  const std::string school_id = req.matches[1];
  v1::CredentialCompromiseActRecorded act;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  if (!google::protobuf::util::JsonStringToMessage(req.body, &act, options).ok()) {
    return SetError(res,
                    InvalidArgument("the body is not a CredentialCompromiseActRecorded (JSON)"));
  }
  WithReader(req, res, school_id, [&](const Reader& reader) ABSL_SHARED_LOCKS_REQUIRED(state_mu_) {
    // R-SEC-3: the director (or admin) previews what an Act would invalidate; auditors and the
    // deputy may read it too.
    if (!ReadsEverything(*reader.user) ||
        reader.school->FindUser(act.affected_user_id()) == nullptr) {
      return SetError(res, NotVisible());
    }
    // As the Act itself (R-SEC-2): it names the compromised credentials of the affected user.
    if (act.affected_credential_ids().empty()) {
      return SetError(res, InvalidArgument("an Act names the compromised credentials", "R-SEC-2"));
    }
    for (const auto& cid : act.affected_credential_ids()) {
      if (state_->UserCredential(school_id, act.affected_user_id(), cid) == nullptr) {
        return SetError(res, NotVisible());
      }
    }
    school::AuditReader audit(state_.get(), views_.get(),
                              [this](uint64_t s) { return ledger_->Entry(s); });
    v1::AuditListView out;
    for (const school::Invalidation& inv : state_->PreviewAct(act)) {
      auto line = audit.Describe(inv.seq);
      if (!line) return SetError(res, line.error());
      line->set_invalid(true);
      line->set_because_of(inv.because_of);
      *out.add_events() = std::move(*line);
    }
    return ReplyProto(res, out);
  });
}

Result<Principal> ApiServer::LedgerReaderOf(const httplib::Request& req) {
  EJ_ASSIGN_OR_RETURN(Principal session, ReaderOf(req));
  ReaderMutexLock lock(&state_mu_);
  const school::School* s = state_->FindSchool(session.school_id);
  const school::User* user = s == nullptr ? nullptr : s->FindUser(session.user_id);
  if (user == nullptr || !MayReadLedger(*user)) return Err(NotVisible());
  return session;
}

void ApiServer::GetEntry(const httplib::Request& req, httplib::Response& res) {
  auto seq = ParseUint(req.matches[1].str());
  if (!seq) return SetError(res, seq.error());
  auto session = LedgerReaderOf(req);
  if (!session) return SetError(res, session.error());
  if (*seq == 0 || *seq > ledger_->size()) return SetError(res, NotVisible());
  auto bytes = ledger_->Entry(*seq);
  if (!bytes) return SetError(res, Visible(bytes.error()));
  v1::LedgerEntry entry;
  v1::EventBody body;
  if (!entry.ParseFromString(*bytes) || !body.ParseFromString(entry.event().body())) {
    return SetError(res, DataLoss("entry does not parse"));
  }
  // Many schools share a ledger: a reader sees only their own school's entries.
  if (body.school_id() != session->school_id) return SetError(res, NotVisible());
  nlohmann::json out = {
      {"sequence", entry.sequence()},
      {"recorded_at_us", entry.recorded_at_us()},
      {"entry_base64", crypto::Base64Encode(*bytes)},
      {"credential_id", entry.event().credential_id()},
      {"signature_base64", crypto::Base64Encode(entry.event().signature())},
      {"body", nlohmann::json::parse(ProtoJson(body), nullptr, false)},
  };
  ReplyJson(res, out);
}

// A backup of the whole ledger while it serves (ledger/backup.h; docs/OPERATIONS.md): the
// technical administrator's or the director's duty (the second carrier, DOMAIN.md "Archive and
// paper"). The backup holds every school of the node, so it is not a school reader's right.
void ApiServer::PostBackup(const httplib::Request& req, httplib::Response& res) {
  auto session = ReaderOf(req);
  if (!session) return SetError(res, session.error());
  {
    ReaderMutexLock lock(&state_mu_);
    const school::School* s = state_->FindSchool(session->school_id);
    const school::User* user = s == nullptr ? nullptr : s->FindUser(session->user_id);
    if (user == nullptr || !(user->Has(v1::ROLE_ADMIN) || user->Has(v1::ROLE_DIRECTOR))) {
      return SetError(
          res, PermissionDenied("Резервную копию делает администратор или директор", "R-ACC-2"));
    }
  }
  const std::string dir =
      options_.backup_dir.empty() ? options_.data_dir + "/backups" : options_.backup_dir;
  auto info = backup::CreateBackup(*ledger_, dir, options_.backup_keep);
  if (!info) return SetError(res, info.error());
  spdlog::info("event=backup id={} ledger_size={} bytes={}", info->id, info->ledger_size,
               info->bytes);
  ReplyJson(res, nlohmann::json{{"backup_id", info->id},
                                {"ledger_size", info->ledger_size},
                                {"bytes", info->bytes},
                                {"timestamp", info->timestamp}});
}

void ApiServer::GetCheckpoint(const httplib::Request&, httplib::Response& res) {
  auto note = ledger_->LatestCheckpoint();
  if (!note) return SetError(res, note.error());
  res.set_content(*note, "text/plain; charset=utf-8");
}

void ApiServer::GetInclusion(const httplib::Request& req, httplib::Response& res) {
  auto seq = QueryInt(req, "sequence", std::nullopt);
  auto size = QueryInt(req, "size", static_cast<int64_t>(ledger_->size()));
  if (!seq) return SetError(res, seq.error());
  if (!size) return SetError(res, size.error());
  if (*seq < 1 || *size < *seq || static_cast<uint64_t>(*size) > ledger_->size()) {
    return SetError(res, InvalidArgument("need 1 <= sequence <= size <= the ledger's size"));
  }
  auto proof =
      ledger_->InclusionProof(static_cast<uint64_t>(*seq - 1), static_cast<uint64_t>(*size));
  if (!proof) return SetError(res, proof.error());
  nlohmann::json hashes = nlohmann::json::array();
  for (const auto& h : *proof) hashes.push_back(HashB64(h));
  ReplyJson(res, {{"sequence", *seq},
                  {"leaf_index", *seq - 1},
                  {"tree_size", *size},
                  {"hashes", std::move(hashes)}});
}

void ApiServer::GetConsistency(const httplib::Request& req, httplib::Response& res) {
  auto old_size = QueryInt(req, "old_size", std::nullopt);
  auto size = QueryInt(req, "size", static_cast<int64_t>(ledger_->size()));
  if (!old_size) return SetError(res, old_size.error());
  if (!size) return SetError(res, size.error());
  if (*old_size < 1 || *size < *old_size || static_cast<uint64_t>(*size) > ledger_->size()) {
    return SetError(res, InvalidArgument("need 1 <= old_size <= size <= the ledger's size"));
  }
  auto proof =
      ledger_->ConsistencyProof(static_cast<uint64_t>(*old_size), static_cast<uint64_t>(*size));
  if (!proof) return SetError(res, proof.error());
  nlohmann::json hashes = nlohmann::json::array();
  for (const auto& h : *proof) hashes.push_back(HashB64(h));
  ReplyJson(res, {{"old_size", *old_size}, {"tree_size", *size}, {"hashes", std::move(hashes)}});
}

}  // namespace ejournal::api
