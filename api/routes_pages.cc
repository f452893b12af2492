// Reads the web pages need beyond docs/API.md's views (routed in routes_web.cc):
//   GET .../classes/{c}/terms/{t}/marks   the class's marks in every subject of a term, one table
//                                         (the class teacher's page; R-ACC-3: the class teacher of
//                                         that class, the deputy, the director, the auditor)
//   GET .../classes/{c}/logins            the class's students (today's, or those who will join it)
//                                         and their parents with their logins
//                                         and whether a password was issued (R-SET-2: the class
//                                         teacher of that class and the administrator)
//   GET /api/v1/ledger/entries            the ledger browser: the school's entries newest first,
//                                         paged, each decoded (who may read the ledger: R-ACC-3)
// Both read under the state lock shared (api/server.h); the ledger's entries are read without it.
#include <httplib.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "api/access.h"
#include "api/http_errors.h"
#include "api/json_util.h"
#include "api/server.h"
#include "ledger/crypto.h"
#include "projections/rights.h"

namespace ejournal::api {

namespace {

// One journal row as the class table shows it: the term's marks (value or value/second), the
// weighted mean and suggested mark (R-TERM-1), the recorded term mark if any.
nlohmann::json MarksCell(const v1::JournalRowView& row) {
  nlohmann::json marks = nlohmann::json::array();
  for (const auto& cell : row.cells()) {
    for (const auto& m : cell.marks()) {
      marks.push_back(m.second_value() != 0
                          ? std::to_string(m.value()) + "/" + std::to_string(m.second_value())
                          : std::to_string(m.value()));
    }
  }
  nlohmann::json out = {{"marks", std::move(marks)},
                        {"marks_count", row.marks_count()},
                        {"marks_needed", row.marks_needed()},
                        {"weighted_mean_x100", row.weighted_mean_x100()},
                        {"suggested_mark", row.suggested_mark()},
                        {"lessons_held", row.lessons_held()},
                        {"lessons_missed", row.lessons_missed()}};
  if (row.has_term_mark()) {
    out["term_mark"] = nlohmann::json::parse(ProtoJson(row.term_mark()), nullptr, false);
  }
  return out;
}

}  // namespace

void ApiServer::GetClassMarks(const httplib::Request& req, httplib::Response& res) {
  const std::string school_id = req.matches[1], class_id = req.matches[2];
  auto term = ParseUint(req.matches[3].str());
  if (!term) return SetError(res, term.error());
  WithReader(req, res, school_id, [&](const Reader& reader) ABSL_SHARED_LOCKS_REQUIRED(state_mu_) {
    const school::School& s = *reader.school;
    auto cls = s.classes.find(class_id);
    // R-ACC-3: the class teacher of this class and those who read everything; an unknown class
    // answers the same.
    if (cls == s.classes.end() || !MayReadReport(s, *reader.user, class_id)) {
      return SetError(res, NotVisible());
    }
    bool known_term = false;
    if (auto y = s.years.find(cls->second.year_id); y != s.years.end()) {
      if (const school::TermScheme* scheme = y->second.SchemeFor(cls->second.grade)) {
        for (const auto& t : scheme->terms) known_term |= t.number == static_cast<int>(*term);
      }
    }
    if (!known_term) {
      return SetError(res,
                      InvalidArgument("class " + class_id + " has no term " + std::to_string(*term),
                                      "R-TERM-1"));
    }
    // Every page of the class (a subject taught in subgroups has one page per subgroup).
    std::set<std::pair<std::string, std::string>> pages;  // (subject, subgroup)
    for (const auto& [id, load] : s.loads) {
      if (load.class_id == class_id) pages.emplace(load.subject_id, load.subgroup_id);
    }
    nlohmann::json subjects = nlohmann::json::array();
    std::map<std::string, nlohmann::json> rows;  // student -> {subject/subgroup: cell}
    uint64_t as_of = 0;
    for (const auto& [subject_id, subgroup_id] : pages) {
      school::ReadArena arena;
      auto built = views_->JournalPage(arena.get(), *state_, school_id, class_id, subgroup_id,
                                       subject_id, static_cast<int>(*term));
      if (!built) return SetError(res, built.error());
      const v1::JournalPageView* page = *built;
      as_of = std::max(as_of, page->as_of_sequence());
      const std::string key = subgroup_id.empty() ? subject_id : subject_id + "/" + subgroup_id;
      auto subj = s.subjects.find(subject_id);
      subjects.push_back(
          {{"key", key},
           {"subject_id", subject_id},
           {"subgroup_id", subgroup_id},
           {"subject_name", subj == s.subjects.end() ? subject_id : subj->second.name},
           {"lessons", page->lessons_size()}});
      for (const auto& row : page->rows()) rows[row.student_id()][key] = MarksCell(row);
    }
    nlohmann::json out_rows = nlohmann::json::array();
    for (auto& [student_id, cells] : rows) {
      const school::User* u = s.FindUser(student_id);
      out_rows.push_back({{"student_id", student_id},
                          {"student_name", u == nullptr ? "" : u->display_name},
                          {"subjects", std::move(cells)}});
    }
    ReplyJson(res, {{"school_id", school_id},
                    {"class_id", class_id},
                    {"name", std::to_string(cls->second.grade) + cls->second.letter},
                    {"term_number", *term},
                    {"subjects", std::move(subjects)},
                    {"rows", std::move(out_rows)},
                    {"as_of_sequence", as_of}});
  });
}

void ApiServer::GetStudentMarks(const httplib::Request& req, httplib::Response& res) {
  const std::string school_id = req.matches[1], student_id = req.matches[2];
  auto term = ParseUint(req.matches[3].str());
  if (!term) return SetError(res, term.error());
  WithReader(req, res, school_id, [&](const Reader& reader) ABSL_SHARED_LOCKS_REQUIRED(state_mu_) {
    const school::School& s = *reader.school;
    // R-ACC-3: whoever may read the student's diary.
    if (!MayReadDiary(s, *reader.user, student_id)) return SetError(res, NotVisible());
    const school::Day today = s.zone.LocalDay(options_.clock->NowMicros());
    const school::Membership* m = s.students.at(student_id).On(today);
    auto cls = m == nullptr ? s.classes.end() : s.classes.find(m->class_id);
    if (cls == s.classes.end()) {
      return SetError(res,
                      FailedPrecondition("Ученик сейчас не числится ни в одном классе", "R-SET-1"));
    }
    const std::optional<school::DayRange> days =
        school::TermDays(s, cls->first, static_cast<int>(*term));
    if (!days) {
      return SetError(res,
                      InvalidArgument("В классе нет периода " + std::to_string(*term), "R-TERM-1"));
    }
    // Every page of the class the student is on (a subject taught in groups: their group's).
    std::set<std::pair<std::string, std::string>> pages;  // (subject, subgroup)
    for (const auto& [id, load] : s.loads) {
      if (load.class_id == cls->first) pages.emplace(load.subject_id, load.subgroup_id);
    }
    nlohmann::json subjects = nlohmann::json::array();
    uint64_t as_of = 0;
    for (const auto& [subject_id, subgroup_id] : pages) {
      school::ReadArena arena;
      auto built = views_->JournalPage(arena.get(), *state_, school_id, cls->first, subgroup_id,
                                       subject_id, static_cast<int>(*term));
      if (!built) return SetError(res, built.error());
      const v1::JournalPageView* page = *built;
      as_of = std::max(as_of, page->as_of_sequence());
      const v1::JournalRowView* row = nullptr;
      for (const auto& r : page->rows()) {
        if (r.student_id() == student_id) row = &r;
      }
      if (row == nullptr) continue;  // another group's page
      std::map<std::string, const v1::LessonView*> lessons;
      for (const auto& l : page->lessons()) lessons[l.lesson_id()] = &l;
      nlohmann::json marks = nlohmann::json::array();
      for (const auto& cell : row->cells()) {
        auto l = lessons.find(cell.lesson_id());
        for (const auto& mk : cell.marks()) {
          const v1::Date d = l == lessons.end() ? v1::Date() : l->second->date();
          marks.push_back({{"value", mk.value()},
                           {"second_value", mk.second_value()},
                           {"work_type", mk.work_type()},
                           {"weight_percent", mk.weight_percent()},
                           {"comment", mk.comment()},
                           {"date", {{"year", d.year()}, {"month", d.month()}, {"day", d.day()}}}});
        }
      }
      auto subj = s.subjects.find(subject_id);
      nlohmann::json out = MarksCell(*row);
      out["marks"] = std::move(marks);
      out["subject_id"] = subject_id;
      out["subject_name"] = subj == s.subjects.end() ? subject_id : subj->second.name;
      subjects.push_back(std::move(out));
    }
    std::sort(subjects.begin(), subjects.end(),
              [](const nlohmann::json& a, const nlohmann::json& b) {
                return a["subject_name"].get<std::string>() < b["subject_name"].get<std::string>();
              });
    const school::User* u = s.FindUser(student_id);
    ReplyJson(res, {{"student_id", student_id},
                    {"student_name", u == nullptr ? "" : u->display_name},
                    {"class_name", std::to_string(cls->second.grade) + cls->second.letter},
                    {"term_number", *term},
                    {"subjects", std::move(subjects)},
                    {"as_of_sequence", as_of}});
  });
}

void ApiServer::GetClassLogins(const httplib::Request& req, httplib::Response& res) {
  const std::string school_id = req.matches[1], class_id = req.matches[2];
  WithReader(req, res, school_id, [&](const Reader& reader) ABSL_SHARED_LOCKS_REQUIRED(state_mu_) {
    const school::School& s = *reader.school;
    const school::User& user = *reader.user;
    auto cls = s.classes.find(class_id);
    // R-SET-2: the class teacher issues the class's first logins; the administrator any. Others,
    // and an unknown class, are answered alike.
    if (cls == s.classes.end() ||
        !(user.Has(v1::ROLE_ADMIN) ||
          (user.Has(v1::ROLE_CLASS_TEACHER) && cls->second.class_teacher_id == user.id))) {
      return SetError(res, NotVisible());
    }
    const school::Day today = s.zone.LocalDay(options_.clock->NowMicros());
    auto person = [&](const school::User& u) {
      return nlohmann::json{{"user_id", u.id},
                            {"name", u.display_name},
                            {"login", u.login},
                            {"active", u.active},
                            {"password", !u.has_password          ? "none"
                                         : u.must_change_password ? "issued"
                                                                  : "own"}};
    };
    nlohmann::json students = nlohmann::json::array();
    for (const auto& [student_id, st] : s.students) {
      // The class the student is in today, or, before their first day (logins are issued before
      // 1 September), the class they will join.
      const school::Membership* m = st.On(today);
      for (const auto& next : st.memberships) {
        if (m != nullptr) break;
        if (next.from > today) m = &next;
      }
      if (m == nullptr || m->class_id != class_id) continue;
      const school::User* u = s.FindUser(student_id);
      if (u == nullptr) continue;
      nlohmann::json row = person(*u);
      nlohmann::json parents = nlohmann::json::array();
      for (const auto& guardian_id : st.guardians) {
        if (const school::User* g = s.FindUser(guardian_id)) parents.push_back(person(*g));
      }
      row["parents"] = std::move(parents);
      students.push_back(std::move(row));
    }
    ReplyJson(res, {{"school_id", school_id},
                    {"school_name", s.name},
                    {"class_id", class_id},
                    {"name", std::to_string(cls->second.grade) + cls->second.letter},
                    {"students", std::move(students)}});
  });
}

void ApiServer::GetLedgerEntries(const httplib::Request& req, httplib::Response& res) {
  // `from`: the newest sequence to list (default: the newest entry); `limit`: how many of the
  // school's entries, 1..kMaxLedgerPage. Filters: `actor` (a user id: their entries, from the
  // actor index), `type` (the payload's field name, e.g. mark_recorded), `after_us`/`before_us`
  // (recorded at or after / at or before; before_us also sets where the listing starts).
  const uint64_t size = ledger_->size();
  auto from = QueryInt(req, "from", static_cast<int64_t>(size));
  auto limit = QueryInt(req, "limit", 50);
  auto after = QueryInt(req, "after_us", 0);
  auto before = QueryInt(req, "before_us", INT64_MAX);
  if (!from) return SetError(res, from.error());
  if (!limit) return SetError(res, limit.error());
  if (!after) return SetError(res, after.error());
  if (!before) return SetError(res, before.error());
  const std::string actor = req.get_param_value("actor"), type = req.get_param_value("type");
  if (size == 0) {
    return ReplyJson(res, {{"ledger_size", 0},
                           {"from", 0},
                           {"limit", *limit},
                           {"next_from", 0},
                           {"entries", nlohmann::json::array()}});
  }
  if (*from < 1 || static_cast<uint64_t>(*from) > size) {
    return SetError(res, InvalidArgument("Номер записи — от 1 до " + std::to_string(size)));
  }
  if (*limit < 1 || *limit > kMaxLedgerPage) {
    return SetError(res, InvalidArgument("limit is 1 to " + std::to_string(kMaxLedgerPage)));
  }
  if (!type.empty() && v1::EventBody::descriptor()->FindFieldByName(type) == nullptr) {
    return SetError(res, InvalidArgument("Нет такого вида записи: «" + type + "»"));
  }
  auto session = LedgerReaderOf(req);
  if (!session) return SetError(res, session.error());
  // The candidates, newest first: the actor's own entries (the index), or every entry from
  // `from` (or the last one recorded by before_us) down.
  uint64_t top = static_cast<uint64_t>(*from);
  std::vector<uint64_t> of_actor;
  {
    ReaderMutexLock lock(&state_mu_);
    if (*before != INT64_MAX) top = std::min(top, state_->PositionAt(*before));
    if (!actor.empty()) of_actor = state_->ActorEvents(session->school_id, actor);
  }
  auto next_candidate = [&, i = of_actor.size()](uint64_t below) mutable -> uint64_t {
    if (actor.empty()) return below;
    while (i > 0 && of_actor[i - 1] > below) --i;
    return i > 0 ? of_actor[i - 1] : 0;
  };
  // Many schools share a ledger: only the reader's school's entries are listed. The scan is
  // bounded (another school's long run of entries ends a page early, with `next_from` set).
  nlohmann::json entries = nlohmann::json::array();
  uint64_t seq = next_candidate(top);
  const uint64_t scan_limit = static_cast<uint64_t>(*limit) * 20;
  for (uint64_t scanned = 0;
       seq >= 1 && entries.size() < static_cast<size_t>(*limit) && scanned < scan_limit;
       seq = next_candidate(seq - 1), ++scanned) {
    auto bytes = ledger_->Entry(seq);
    if (!bytes) return SetError(res, bytes.error());
    v1::LedgerEntry entry;
    v1::EventBody body;
    if (!entry.ParseFromString(*bytes) || !body.ParseFromString(entry.event().body())) {
      return SetError(res, DataLoss("entry " + std::to_string(seq) + " does not parse"));
    }
    if (entry.recorded_at_us() < *after) {
      seq = 0;  // older entries were recorded earlier still: nothing more to list
      break;
    }
    if (body.school_id() != session->school_id) continue;
    const auto* field = v1::EventBody::descriptor()->FindFieldByNumber(body.payload_case());
    if (!type.empty() && (field == nullptr || field->name() != type)) continue;
    std::string algorithm;
    if (registry_ != nullptr) {
      if (auto cred = registry_->Find(entry.event().credential_id())) {
        algorithm = std::string(crypto::KeyTypeName(cred->key.type()));
      }
    }
    entries.push_back({{"sequence", entry.sequence()},
                       {"recorded_at_us", entry.recorded_at_us()},
                       {"type", field == nullptr ? "unknown" : field->name()},
                       {"event_id", body.event_id()},
                       {"actor_id", body.actor_id()},
                       {"credential_id", entry.event().credential_id()},
                       {"algorithm", algorithm},
                       {"signature_base64", crypto::Base64Encode(entry.event().signature())},
                       {"body", nlohmann::json::parse(ProtoJson(body), nullptr, false)}});
  }
  {
    // R-ACC-4: who, by name as the school lists them (empty for the node's own events). The names
    // are read under the state lock once for the page, not during the entries' reads.
    ReaderMutexLock lock(&state_mu_);
    const school::School* school = state_->FindSchool(session->school_id);
    for (auto& e : entries) {
      const school::User* u =
          school == nullptr ? nullptr : school->FindUser(e["actor_id"].get<std::string>());
      e["actor_name"] = u == nullptr ? "" : u->display_name;
    }
  }
  ReplyJson(res, {{"ledger_size", size},
                  {"from", *from},
                  {"limit", *limit},
                  {"next_from", seq},  // 0: nothing older
                  {"entries", std::move(entries)}});
}

void ApiServer::GetUserCredentials(const httplib::Request& req, httplib::Response& res) {
  const std::string school_id = req.matches[1], user_id = req.matches[2];
  struct Row {
    std::string id;
    v1::CredentialKind kind;
    uint64_t issued_seq;
    bool revoked;
    size_t events;
    uint64_t last_seq;
  };
  std::vector<Row> rows;
  std::string user_name;
  bool ok = false;
  WithReader(req, res, school_id, [&](const Reader& reader) ABSL_SHARED_LOCKS_REQUIRED(state_mu_) {
    // R-SEC-2: the director (or whoever reads everything) picks the credentials of an Act.
    const school::User* user = reader.school->FindUser(user_id);
    if (!ReadsEverything(*reader.user) || user == nullptr) return SetError(res, NotVisible());
    user_name = user->display_name;
    for (const school::Credential* c : state_->CredentialsOf(school_id, user_id)) {
      if (rows.size() == kMaxCredentialsListed) break;
      const std::vector<uint64_t> signed_events = state_->CredentialEvents(c->id);
      rows.push_back({c->id, c->kind, c->issued_seq, c->revoked, signed_events.size(),
                      signed_events.empty() ? 0 : signed_events.back()});
    }
    ok = true;
  });
  if (!ok) return;
  // When, how and until when each was issued: its CredentialIssued, read from the ledger outside
  // the state lock.
  auto recorded_at = [&](uint64_t seq) -> int64_t {
    if (seq == 0) return 0;
    auto bytes = ledger_->Entry(seq);
    v1::LedgerEntry entry;
    return bytes && entry.ParseFromString(*bytes) ? entry.recorded_at_us() : 0;
  };
  nlohmann::json list = nlohmann::json::array();
  for (const Row& r : rows) {
    std::string label;
    int64_t not_after = 0;
    if (r.issued_seq != 0) {
      auto bytes = ledger_->Entry(r.issued_seq);
      v1::LedgerEntry entry;
      v1::EventBody body;
      if (bytes && entry.ParseFromString(*bytes) && body.ParseFromString(entry.event().body()) &&
          body.has_credential_issued()) {
        label = body.credential_issued().label();
        not_after = body.credential_issued().not_after_us();
      }
    }
    list.push_back({{"credential_id", r.id},
                    {"kind", r.kind == v1::CREDENTIAL_KIND_SESSION ? "session" : "long_lived"},
                    {"label", label},
                    {"issued_at_us", recorded_at(r.issued_seq)},
                    {"not_after_us", not_after},
                    {"revoked", r.revoked},
                    {"events", r.events},
                    {"last_event_at_us", recorded_at(r.last_seq)}});
  }
  ReplyJson(res,
            {{"user_id", user_id}, {"user_name", user_name}, {"credentials", std::move(list)}});
}

}  // namespace ejournal::api
