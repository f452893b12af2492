// The web pages (api/web/README.md): the built static files of api/web served from
// ServerOptions::web_root, and the few reads the pages need beyond docs/API.md's views:
//   GET /api/v1/me                     who the session is and what they may open (roles, classes,
//                                      loads, children); ids only, no names
//   GET .../students/{s}/diary.html    the print-ready weekly paper diary (projections/paper.h)
//   GET /api/v1/ledger/verifier-key    the node's C2SP verifier key, for checkpoints in the browser
//   GET .../classes/{c}/terms/{t}/marks and GET /api/v1/ledger/entries: routes_pages.cc
//
// Every page answer carries a strict Content-Security-Policy (no inline script, same-origin only),
// nosniff and no framing. File names are one path segment of [A-Za-z0-9._-] that does not start
// with a dot, resolved inside web_root only: there is no way out of the folder.
#include <httplib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <tuple>

#include "api/access.h"
#include "api/http_errors.h"
#include "api/json_util.h"
#include "api/server.h"
#include "ledger/merkle.h"
#include "ledger/signed_note.h"
#include "projections/audit.h"
#include "projections/paper.h"

namespace ejournal::api {
namespace {

// Scripts and styles from this origin only, no inline code, no plugins, no framing, no forms
// posted elsewhere; fetches to this origin only.
constexpr char kPageCsp[] =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'; object-src 'none'; manifest-src 'self'";
// The paper diary is self-contained HTML with inline CSS for A4 and no scripts at all.
constexpr char kPaperCsp[] =
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'";

void PageHeaders(httplib::Response& res, const char* csp) {
  res.set_header("Content-Security-Policy", csp);
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("X-Frame-Options", "DENY");
  res.set_header("Referrer-Policy", "no-referrer");
  res.set_header("Cache-Control", "no-cache");
}

// The content type of a served file by its extension; empty: not served.
std::string ContentTypeOf(const std::string& name) {
  const std::string ext = std::filesystem::path(name).extension().string();
  if (ext == ".html") return "text/html; charset=utf-8";
  // Not "text/...": cpp-httplib 0.11 would brotli-compress it (quality 11) on every request, some
  // 300 ms for the bundle; the bundle is gzipped once at build time instead (GetWebFile).
  if (ext == ".js") return "application/javascript; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".ico") return "image/x-icon";
  if (ext == ".json" || ext == ".map") return "application/json";
  if (ext == ".webmanifest") return "application/manifest+json";
  if (ext == ".txt") return "text/plain; charset=utf-8";
  return {};
}

const char* RoleName(v1::Role role) {
  switch (role) {
    case v1::ROLE_ADMIN:
      return "admin";
    case v1::ROLE_DIRECTOR:
      return "director";
    case v1::ROLE_DEPUTY:
      return "deputy";
    case v1::ROLE_METHODIST:
      return "methodist";
    case v1::ROLE_TEACHER:
      return "teacher";
    case v1::ROLE_CLASS_TEACHER:
      return "class_teacher";
    case v1::ROLE_SECRETARY:
      return "secretary";
    case v1::ROLE_SOCIAL_PEDAGOGUE:
      return "social_pedagogue";
    case v1::ROLE_PSYCHOLOGIST:
      return "psychologist";
    case v1::ROLE_PARENT:
      return "parent";
    case v1::ROLE_STUDENT:
      return "student";
    case v1::ROLE_AUDITOR:
      return "auditor";
    default:
      return nullptr;
  }
}

}  // namespace

void ApiServer::WebRoutes() {
  using httplib::Request;
  using httplib::Response;
  const std::string id = "([A-Za-z0-9._:-]{1,64})";
  Get("/api/v1/me", "me", [this](const Request& req, Response& res) { GetMe(req, res); });
  Get("/api/v1/schools/" + id + "/students/" + id + "/diary\\.html", "diary_paper",
      [this](const Request& req, Response& res) { GetDiaryPaper(req, res); });
  Get("/api/v1/ledger/verifier-key", "verifier_key",
      [this](const Request& req, Response& res) { GetVerifierKey(req, res); });
  Get("/api/v1/schools/" + id + "/classes/" + id + "/terms/([0-9]{1,2})/marks", "class_marks",
      [this](const Request& req, Response& res) { GetClassMarks(req, res); });
  Get("/api/v1/schools/" + id + "/students/" + id + "/terms/([0-9]{1,2})/marks", "student_marks",
      [this](const Request& req, Response& res) { GetStudentMarks(req, res); });
  Get("/api/v1/schools/" + id + "/classes/" + id + "/logins", "class_logins",
      [this](const Request& req, Response& res) { GetClassLogins(req, res); });
  Get("/api/v1/ledger/entries", "ledger_entries",
      [this](const Request& req, Response& res) { GetLedgerEntries(req, res); });
  Get("/", "web", [this](const Request& req, Response& res) { GetWebFile(req, res); });
  Get("/([A-Za-z0-9_-][A-Za-z0-9._-]{0,127})", "web",
      [this](const Request& req, Response& res) { GetWebFile(req, res); });
}

void ApiServer::GetWebFile(const httplib::Request& req, httplib::Response& res) {
  const std::string name = req.matches.size() > 1 ? req.matches[1].str() : "index.html";
  const std::string type = ContentTypeOf(name);
  if (options_.web_root.empty() || type.empty()) {
    PageHeaders(res, kPageCsp);
    return SetError(res, NotFound("Такой страницы нет"));
  }
  // The name is one segment without a leading dot (the route's pattern): it stays in web_root.
  const std::filesystem::path path = std::filesystem::path(options_.web_root) / name;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    PageHeaders(res, kPageCsp);
    return SetError(res, NotFound(name == "index.html"
                                      ? "Страницы журнала не собраны (api/web: нужны node и npm)"
                                      : "Такой страницы нет"));
  }
  // A script with a gzipped copy beside it (api/web/build.sh makes app.js.gz) goes out gzipped to
  // the clients that accept it.
  std::filesystem::path file = path;
  const bool gzip = std::filesystem::path(name).extension() == ".js" &&
                    req.get_header_value("Accept-Encoding").find("gzip") != std::string::npos &&
                    std::filesystem::is_regular_file(path.string() + ".gz", ec);
  if (gzip) file = path.string() + ".gz";
  std::ifstream in(file, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  if (!in.good() && !in.eof()) return SetError(res, IoError("cannot read a page"));
  PageHeaders(res, kPageCsp);
  if (std::filesystem::path(name).extension() == ".js") res.set_header("Vary", "Accept-Encoding");
  if (gzip) res.set_header("Content-Encoding", "gzip");
  res.set_content(content.str(), type);
}

void ApiServer::GetMe(const httplib::Request& req, httplib::Response& res) {
  auto session = SessionOf(req, nullptr);
  if (!session) return SetError(res, session.error());
  WithReader(
      req, res, session->school_id(),
      [&](const Reader& reader) ABSL_SHARED_LOCKS_REQUIRED(state_mu_) {
        const school::School& s = *reader.school;
        const school::User& user = *reader.user;
        const school::Day today = s.zone.LocalDay(options_.clock->NowMicros());
        nlohmann::json roles = nlohmann::json::array();
        for (int r = v1::Role_MIN; r <= v1::Role_MAX; ++r) {
          if (!v1::Role_IsValid(r)) continue;
          const auto role = static_cast<v1::Role>(r);
          if (user.Has(role) && RoleName(role) != nullptr) roles.push_back(RoleName(role));
        }
        auto class_json = [&](const school::SchoolClass& c) {
          nlohmann::json terms = nlohmann::json::array();
          int current = 0, term_kind = 0;
          if (auto y = s.years.find(c.year_id); y != s.years.end()) {
            if (const school::TermScheme* scheme = y->second.SchemeFor(c.grade)) {
              for (const auto& t : scheme->terms) terms.push_back(t.number);
              term_kind = scheme->kind;
            }
          }
          if (const school::TermInfo* t = s.TermOn(c, today)) current = t->number;
          return nlohmann::json{
              {"class_id", c.id},       {"name", std::to_string(c.grade) + c.letter},
              {"year_id", c.year_id},   {"terms", terms},
              {"term_kind", term_kind}, {"current_term", current}};
        };
        // The journal pages the user may open: every load whose page the journal read would show
        // (MayReadPage: their own, their class's, or all for the school-wide roles), with the terms
        // it would show (a substitute's: those of their lessons).
        // A home-schooled student's own pages (R-LES-2) are listed beside the class's: those of
        // the individual timetable and of individual lessons scheduled outside it.
        nlohmann::json loads = nlohmann::json::array();
        std::set<std::string> seen;
        auto add_page = [&](const std::string& class_id, const std::string& subgroup_id,
                            const std::string& subject_id, bool own) {
          if (!MayReadPage(s, user, class_id, subgroup_id, subject_id, 0)) return;
          if (!seen.insert(class_id + "/" + subgroup_id + "/" + subject_id).second) return;
          auto c = s.classes.find(class_id);
          if (c == s.classes.end()) return;
          nlohmann::json l = class_json(c->second);
          nlohmann::json terms = nlohmann::json::array();
          for (int t : l["terms"]) {
            if (MayReadPage(s, user, class_id, subgroup_id, subject_id, t)) terms.push_back(t);
          }
          if (terms.empty()) return;
          if (std::find(terms.begin(), terms.end(), l["current_term"]) == terms.end()) {
            l["current_term"] = terms.back();
          }
          l["terms"] = std::move(terms);
          l["subgroup_id"] = subgroup_id;
          if (!subgroup_id.empty()) l["subgroup_name"] = s.PageGroupName(subgroup_id);
          l["subject_id"] = subject_id;
          l["subject_name"] = s.SubjectName(subject_id);
          l["own"] = own;
          loads.push_back(std::move(l));
        };
        for (const auto& [load_id, load] : s.loads) {
          add_page(load.class_id, load.subgroup_id, load.subject_id, load.teacher_id == user.id);
        }
        for (const auto& [slot_id, slot] : s.timetable) {
          if (slot.individual_student_id.empty()) continue;
          add_page(slot.class_id, school::HomePageId(slot.individual_student_id), slot.subject_id,
                   slot.teacher_id == user.id);
        }
        for (const auto& [group, lesson_ids] : s.lessons_by_group) {
          const size_t a = group.find('/'), b = group.rfind('/');
          if (a == std::string::npos || b <= a + 1 || group[a + 1] != school::kHomePagePrefix) {
            continue;
          }
          const school::Lesson* first = lesson_ids.empty() ? nullptr : s.FindLesson(lesson_ids[0]);
          add_page(group.substr(0, a), group.substr(a + 1, b - a - 1), group.substr(b + 1),
                   first != nullptr && first->teacher_id == user.id);
        }
        std::sort(loads.begin(), loads.end(), [](const nlohmann::json& a, const nlohmann::json& b) {
          return std::tie(a["name"].get_ref<const std::string&>(),
                          a["subject_name"].get_ref<const std::string&>()) <
                 std::tie(b["name"].get_ref<const std::string&>(),
                          b["subject_name"].get_ref<const std::string&>());
        });
        // The diaries the user may open: their children, themself, their class's students.
        nlohmann::json students = nlohmann::json::array();
        nlohmann::json classes = nlohmann::json::array();
        for (const auto& [class_id, c] : s.classes) {
          if (c.class_teacher_id == user.id) classes.push_back(class_json(c));
        }
        for (const auto& [student_id, st] : s.students) {
          const school::Membership* m = st.On(today);
          const bool mine = st.guardians.contains(user.id) || student_id == user.id ||
                            (m != nullptr && s.classes.contains(m->class_id) &&
                             s.classes.at(m->class_id).class_teacher_id == user.id);
          if (!mine || !MayReadDiary(s, user, student_id)) continue;
          const school::User* u = s.FindUser(student_id);
          nlohmann::json cls = {
              {"term_kind", 0}, {"terms", nlohmann::json::array()}, {"current_term", 0}};
          if (m != nullptr && s.classes.contains(m->class_id)) {
            cls = class_json(s.classes.at(m->class_id));
          }
          students.push_back({{"student_id", student_id},
                              {"student_name", u == nullptr ? "" : u->display_name},
                              {"class_id", m == nullptr ? "" : m->class_id},
                              {"term_kind", cls["term_kind"]},
                              {"terms", cls["terms"]},
                              {"current_term", cls["current_term"]},
                              {"child", st.guardians.contains(user.id)}});
        }
        // R-SUB-1: the lessons the user takes as a substitute (the substitutions not cancelled).
        nlohmann::json substitute_lessons = nlohmann::json::array();
        for (const auto& [sub_id, sub] : s.substitutions) {
          if (sub.cancelled || sub.substitute_teacher_id != user.id) continue;
          for (const auto& lesson_id : sub.lesson_ids) {
            const school::Lesson* l = s.FindLesson(lesson_id);
            if (l == nullptr) continue;
            int term = 0;
            if (auto c = s.classes.find(l->class_id); c != s.classes.end()) {
              if (const school::TermInfo* t = s.TermOn(c->second, l->date)) term = t->number;
            }
            substitute_lessons.push_back(
                {{"lesson_id", lesson_id},
                 {"term", term},
                 {"date", school::DayString(l->date)},
                 {"period", l->period},
                 {"class_id", l->class_id},
                 {"subgroup_id", l->subgroup_id},
                 {"subject_id", l->subject_id},
                 {"cancelled", l->cancelled},
                 {"substitution_id", sub_id},
                 {"absent_teacher_id", sub.absent_teacher_id},
                 {"absent_teacher_name", s.UserName(sub.absent_teacher_id)},
                 {"class_name", s.ClassLabel(l->class_id)},
                 {"subject_name", s.SubjectName(l->subject_id)}});
          }
        }
        std::sort(substitute_lessons.begin(), substitute_lessons.end(),
                  [](const nlohmann::json& a, const nlohmann::json& b) {
                    return std::tie(a["date"].get_ref<const std::string&>(), a["period"]) <
                           std::tie(b["date"].get_ref<const std::string&>(), b["period"]);
                  });
        // R-MSG-1: the header's count of unread messages.
        size_t unread = 0;
        if (auto mine = s.conversations_of.find(user.id); mine != s.conversations_of.end()) {
          for (const std::string& cid : mine->second) {
            if (auto c = s.conversations.find(cid); c != s.conversations.end()) {
              unread += c->second.UnreadBy(user.id);
            }
          }
        }
        // R-MSG-4: the header's count of new notifications (the writer's feed; none on a replica).
        size_t unseen = 0;
        if (notifier_ != nullptr) (void)notifier_->Feed(s.id, user.id, 0, &unseen);
        ReplyJson(res, {{"school_id", s.id},
                        {"school_name", s.name},
                        {"time_zone", s.zone.name()},
                        {"user_id", user.id},
                        {"display_name", user.display_name},
                        {"credential_id", session->credential_id()},
                        {"roles", roles},
                        {"today", school::DayString(today)},
                        {"loads", loads},
                        {"class_teacher_of", classes},
                        {"students", students},
                        {"substitute_lessons", substitute_lessons},
                        {"ledger_size", ledger_->size()},
                        {"must_change_password", user.must_change_password},
                        {"unread_messages", unread},
                        {"unseen_notifications", unseen}});
      });
}

void ApiServer::GetDiaryPaper(const httplib::Request& req, httplib::Response& res) {
  const std::string school_id = req.matches[1], student_id = req.matches[2];
  auto week_param = QueryWeek(req);
  if (!week_param) return SetError(res, week_param.error());
  const std::optional<school::Day> week = *week_param;
  auto cp_text = ledger_->LatestCheckpoint();
  if (!cp_text) return SetError(res, cp_text.error());
  auto cp = note::Checkpoint::Parse(cp_text->substr(0, cp_text->find("\n\n") + 1));
  if (!cp) return SetError(res, cp.error());
  WithReader(req, res, school_id, [&](const Reader& reader) ABSL_SHARED_LOCKS_REQUIRED(state_mu_) {
    if (!MayReadDiary(*reader.school, *reader.user, student_id)) {
      return SetError(res, NotVisible());
    }
    const int64_t now = options_.clock->NowMicros();
    const school::Day start = week ? *week : school::WeekStart(reader.school->zone.LocalDay(now));
    school::ReadArena arena;
    auto view = views_->DiaryWeek(arena.get(), *state_, school_id, student_id, start);
    if (!view) return SetError(res, NotVisible());
    const int minutes = reader.school->zone.LocalMinutes(now);
    char hhmm[16];
    std::snprintf(hhmm, sizeof hhmm, "%02d:%02d", minutes / 60, minutes % 60);
    school::PaperStamp stamp{
        .origin = cp->origin,
        .tree_size = cp->size,
        .root_hex = merkle::ToHex(cp->root),
        .printed_at = school::DayString(reader.school->zone.LocalDay(now)) + " " + hhmm};
    PageHeaders(res, kPaperCsp);
    res.set_content(school::DiaryWeekHtml(*reader.school, **view, stamp),
                    "text/html; charset=utf-8");
  });
}

void ApiServer::GetVerifierKey(const httplib::Request&, httplib::Response& res) {
  res.set_content(node_->VerifierKey() + "\n", "text/plain; charset=utf-8");
}

}  // namespace ejournal::api
