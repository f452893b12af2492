#include "tools/client.h"

#include <google/protobuf/util/json_util.h>
#include <httplib.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <sstream>
#include <string_view>

#include "api/signed_request.h"
#include "ejournal/v1/event.pb.h"
#include "ledger/crypto.h"
#include "ledger/event_codec.h"
#include "projections/school_time.h"
#include "schemas/status.h"

namespace ejournal::client {
namespace {

using nlohmann::json;

int Fail(const Status& s) {
  std::fprintf(stderr, "error: %s\n", s.ToString().c_str());
  return 1;
}

StatusCode CodeOf(const std::string& name) {
  static const std::map<std::string, StatusCode> codes = {
      {"InvalidArgument", StatusCode::kInvalidArgument},
      {"Unauthenticated", StatusCode::kUnauthenticated},
      {"PermissionDenied", StatusCode::kPermissionDenied},
      {"NotFound", StatusCode::kNotFound},
      {"AlreadyExists", StatusCode::kAlreadyExists},
      {"FailedPrecondition", StatusCode::kFailedPrecondition},
      {"ResourceExhausted", StatusCode::kResourceExhausted},
      {"Unavailable", StatusCode::kUnavailable},
      {"DataLoss", StatusCode::kDataLoss},
      {"IoError", StatusCode::kIoError}};
  auto it = codes.find(name);
  return it == codes.end() ? StatusCode::kInternal : it->second;
}

std::string NewId() {
  static std::mt19937_64 rng(std::random_device{}());
  char buf[40];
  const uint64_t a = rng(), b = rng();
  std::snprintf(buf, sizeof buf, "%08x-%04x-4%03x-%04x-%012llx", static_cast<uint32_t>(a >> 32),
                static_cast<uint32_t>((a >> 16) & 0xffff), static_cast<uint32_t>(a & 0xfff),
                static_cast<uint32_t>(0x8000 | ((b >> 48) & 0x3fff)),
                static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return buf;
}

int64_t NowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Result<std::string> ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Err(NotFound("cannot read " + path));
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

std::vector<std::string> Split(const std::string& list) {
  std::vector<std::string> out;
  std::stringstream in(list);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

// Everything the client commands share.
struct Common {
  std::string profile;
  std::string server, key_file, credential, actor, school, ca_file;
  std::string zone = "Europe/Moscow";
  bool json = false;
  // Reads: sign every one with the key (EJ-Signed) instead of sending the bearer token.
  bool signed_reads = false;
};

std::string DefaultProfile() {
  if (const char* p = std::getenv("EJOURNAL_PROFILE")) return p;
  const char* home = std::getenv("HOME");
  return std::string(home == nullptr ? "." : home) + "/.ejournal/session.json";
}

// Who signs and where to: the profile, or a long-lived key given by flags.
struct Session {
  std::string server, school_id, user_id, credential_id, token;
  std::optional<crypto::PrivateKey> key;
};

Result<Session> Resolve(const Common& c, bool need_key, bool need_token) {
  Session s;
  json profile;
  if (auto text = ReadText(c.profile)) {
    profile = json::parse(*text, nullptr, false);
    if (profile.is_discarded()) return Err(InvalidArgument(c.profile + " is not a profile"));
  }
  auto get = [&](const char* k) {
    return profile.is_object() && profile.contains(k) && profile[k].is_string()
               ? profile[k].get<std::string>()
               : std::string();
  };
  s.server = c.server.empty() ? get("server") : c.server;
  s.school_id = c.school.empty() ? get("school_id") : c.school;
  s.token = get("token");
  if (!c.key_file.empty()) {
    EJ_ASSIGN_OR_RETURN(std::string pem, ReadText(c.key_file));
    EJ_ASSIGN_OR_RETURN(s.key, crypto::PrivateKey::FromPem(pem));
    s.credential_id = c.credential;
    std::string base =
        c.key_file.ends_with(".key") ? c.key_file.substr(0, c.key_file.size() - 4) : c.key_file;
    if (s.credential_id.empty()) {
      if (auto cred = ReadText(base + ".credential")) s.credential_id = Trim(*cred);
    }
    s.user_id = c.actor.empty() ? std::filesystem::path(base).filename().string() : c.actor;
  } else {
    s.user_id = get("user_id");
    s.credential_id = get("credential_id");
    if (!get("key_pem").empty()) {
      EJ_ASSIGN_OR_RETURN(s.key, crypto::PrivateKey::FromPem(get("key_pem")));
    }
  }
  if (s.server.empty()) return Err(InvalidArgument("no server: ejournal login --server URL ..."));
  if (need_key && (!s.key || s.credential_id.empty() || s.user_id.empty() || s.school_id.empty())) {
    return Err(Unauthenticated(
        "no signing key: sign in with `ejournal login`, or give --key, --credential, --actor and "
        "--school"));
  }
  if (need_token && s.token.empty()) {
    return Err(Unauthenticated("reading needs a session: ejournal login --server URL ..."));
  }
  return s;
}

// Can the session sign a read (api/signed_request.h)?
bool CanSignReads(const Session& s) { return s.key.has_value() && !s.credential_id.empty(); }

// The session of a read: a bearer token or a key that signs, and the school for the paths.
Result<Session> ResolveReader(const Common& c) {
  EJ_ASSIGN_OR_RETURN(Session s, Resolve(c, false, false));
  if (!c.key_file.empty()) s.token.clear();  // the key's user reads, not the profile's session
  if (c.signed_reads && !CanSignReads(s)) {
    return Err(Unauthenticated(
        "--signed-reads needs a signing key: sign in with `ejournal login`, or give --key and "
        "--credential",
        "R-ACC-1"));
  }
  if (s.token.empty() && !CanSignReads(s)) {
    return Err(Unauthenticated(
        "reading needs a session: ejournal login --server URL ..., or a key (--key, --credential)",
        "R-ACC-1"));
  }
  if (s.school_id.empty()) return Err(InvalidArgument("no school: give --school"));
  return s;
}

std::string Bearer(const Session& s) { return s.token.empty() ? "" : "Bearer " + s.token; }

// The request target as it goes on the wire: bytes that may not stand in a request line are
// percent-encoded here (and the HTTP client told not to encode again), so that a signed read
// signs exactly the target the node receives.
std::string WireTarget(std::string_view target) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char ch : target) {
    if (ch > 0x20 && ch < 0x7f && ch != '"' && ch != '+' && ch != '<' && ch != '>' && ch != '\\' &&
        ch != '^' && ch != '`' && ch != '{' && ch != '|' && ch != '}' && ch != '#') {
      out += static_cast<char>(ch);
    } else {
      out += '%';
      out += kHex[ch >> 4];
      out += kHex[ch & 15];
    }
  }
  return out;
}

// One HTTP exchange; a non-2xx answer becomes the server's Status. `authorization`: the
// Authorization header's value ("": none). `path` is sent as it is (see WireTarget).
Result<std::string> Exchange(const Common& c, const Session& s, const std::string& method,
                             const std::string& path, const std::string& body,
                             const std::string& content_type, const std::string& authorization) {
  httplib::Client http(s.server);
  if (!c.ca_file.empty()) http.set_ca_cert_path(c.ca_file.c_str());
  http.set_connection_timeout(10);
  http.set_read_timeout(60);
  http.set_url_encode(false);
  httplib::Headers headers;
  if (!authorization.empty()) headers.emplace("Authorization", authorization);
  httplib::Result r =
      method == "GET" ? http.Get(path, headers) : http.Post(path, headers, body, content_type);
  if (!r) {
    return Err(Unavailable("cannot reach " + s.server + ": " + httplib::to_string(r.error())));
  }
  if (r->status >= 200 && r->status < 300) return r->body;
  json e = json::parse(r->body, nullptr, false);
  if (e.is_object() && e.contains("error") && e["error"].is_object()) {
    const json& err = e["error"];
    return Err(
        Status(CodeOf(err.value("code", "")), err.value("message", ""), err.value("rule", "")));
  }
  return Err(Internal("HTTP " + std::to_string(r->status) + ": " + r->body.substr(0, 200)));
}

// A read. It sends the bearer token, or signs the request with the session's key
// (api/signed_request.h) when asked (--signed-reads), when there is no token (a long-lived --key),
// or when the node refuses the token (401) and the key can sign: a read replica holds no sessions
// and answers a token so. The signed retry's answer is the one reported.
Result<json> GetJson(const Common& c, const Session& s, const std::string& path) {
  const std::string target = WireTarget(path);
  auto signed_get = [&]() -> Result<std::string> {
    EJ_ASSIGN_OR_RETURN(
        std::string authorization,
        api::SignedRequestAuthorization(*s.key, s.credential_id, "GET", target, NowUs()));
    return Exchange(c, s, "GET", target, "", "", authorization);
  };
  Result<std::string> answer = c.signed_reads || s.token.empty()
                                   ? signed_get()
                                   : Exchange(c, s, "GET", target, "", "", Bearer(s));
  if (!answer && !c.signed_reads && !s.token.empty() && CanSignReads(s) &&
      answer.error().code() == StatusCode::kUnauthenticated) {
    answer = signed_get();
  }
  EJ_ASSIGN_OR_RETURN(std::string body, std::move(answer));
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded()) return Err(DataLoss("the server's answer is not JSON"));
  return j;
}

// A day as "YYYY-MM-DD", or today in the zone.
Result<v1::Date> DateArg(const std::string& text, const std::string& zone_name) {
  if (text.empty()) {
    EJ_ASSIGN_OR_RETURN(school::SchoolZone zone, school::SchoolZone::Find(zone_name));
    return school::DateOf(zone.LocalDay(NowUs()));
  }
  int y = 0, m = 0, d = 0;
  if (std::sscanf(text.c_str(), "%d-%d-%d", &y, &m, &d) != 3) {
    return Err(InvalidArgument("a date is YYYY-MM-DD, not \"" + text + "\""));
  }
  v1::Date date;
  date.set_year(y);
  date.set_month(m);
  date.set_day(d);
  if (auto day = school::DayOf(date); !day) return Err(day.error());
  return date;
}

// "YYYY-MM-DD".
std::string DayText(const v1::Date& d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", d.year(), d.month(), d.day());
  return buf;
}

// "YYYY-MM-DD HH:MM" in the zone, as µs since the epoch.
Result<int64_t> MomentArg(const std::string& text, const std::string& zone_name) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0;
  if (std::sscanf(text.c_str(), "%d-%d-%d %d:%d", &y, &mo, &d, &h, &mi) != 5) {
    return Err(
        InvalidArgument("a moment is \"YYYY-MM-DD HH:MM\" (school time), not \"" + text + "\""));
  }
  v1::Date date;
  date.set_year(y);
  date.set_month(mo);
  date.set_day(d);
  EJ_ASSIGN_OR_RETURN(school::Day day, school::DayOf(date));
  EJ_ASSIGN_OR_RETURN(school::SchoolZone zone, school::SchoolZone::Find(zone_name));
  return zone.InstantOf(day, h * 60 + mi);
}

Result<v1::WorkType> WorkArg(const std::string& name) {
  static const std::map<std::string, v1::WorkType> works = {
      {"answer", v1::WORK_TYPE_ANSWER_IN_CLASS},
      {"homework", v1::WORK_TYPE_HOMEWORK},
      {"control", v1::WORK_TYPE_CONTROL_WORK},
      {"monitoring", v1::WORK_TYPE_INTERNAL_MONITORING_CONTROL_WORK},
      {"dictation", v1::WORK_TYPE_DICTATION},
      {"dictation-grammar", v1::WORK_TYPE_DICTATION_WITH_GRAMMAR_TASK},
      {"lab", v1::WORK_TYPE_LAB},
      {"practical", v1::WORK_TYPE_PRACTICAL},
      {"creative", v1::WORK_TYPE_CREATIVE_WORK},
      {"essay", v1::WORK_TYPE_ESSAY},
      {"test", v1::WORK_TYPE_TEST},
      {"independent", v1::WORK_TYPE_INDEPENDENT_WORK},
      {"oral-test", v1::WORK_TYPE_ORAL_TEST},
      {"project", v1::WORK_TYPE_PROJECT},
      {"verification", v1::WORK_TYPE_VERIFICATION_WORK},
      {"exposition", v1::WORK_TYPE_EXPOSITION},
      {"recitation", v1::WORK_TYPE_RECITATION},
      {"literacy", v1::WORK_TYPE_LITERACY},
      {"other", v1::WORK_TYPE_OTHER}};
  auto it = works.find(name);
  if (it == works.end()) {
    std::string all;
    for (const auto& [k, v] : works) all += (all.empty() ? "" : ", ") + k;
    return Err(InvalidArgument("--work is one of " + all));
  }
  return it->second;
}

// The envelope of a new event by the session's user.
v1::EventBody NewBody(const Session& s) {
  v1::EventBody b;
  b.set_schema_version(kSchemaVersion);
  b.set_event_id(NewId());
  b.set_school_id(s.school_id);
  b.set_actor_id(s.user_id);
  b.set_credential_id(s.credential_id);
  b.set_client_time_us(NowUs());
  return b;
}

// Signs and submits; prints the sequence (or the server's JSON).
int Submit(const Common& c, const Session& s, const v1::EventBody& body) {
  auto bytes = SignEvent(body, *s.key);
  if (!bytes) return Fail(bytes.error());
  auto answer = Exchange(c, s, "POST", "/api/v1/events", *bytes, "application/x-protobuf", "");
  if (!answer) return Fail(answer.error());
  if (c.json) {
    std::printf("%s\n", answer->c_str());
    return 0;
  }
  json j = json::parse(*answer, nullptr, false);
  std::printf("recorded: entry %s (event %s)%s\n",
              j.is_object() ? j["sequence"].dump().c_str() : answer->c_str(),
              body.event_id().c_str(),
              j.is_object() && j.value("duplicate", false) ? ", already in the ledger" : "");
  return 0;
}

std::string Str(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key)) return "";
  return j[key].is_string() ? j[key].get<std::string>() : j[key].dump();
}

// `text` cut or padded with spaces to `width` characters (UTF-8: a Cyrillic letter is one
// character of two bytes, so printf's byte widths would misalign names).
std::string Column(std::string_view text, size_t width) {
  std::string out;
  size_t chars = 0;
  for (size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    size_t len = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    len = std::min(len, text.size() - i);
    if (chars == width) break;
    out.append(text.substr(i, len));
    ++chars;
    i += len;
  }
  out.append(width - chars, ' ');
  return out;
}

std::string DateText(const json& d) {
  if (!d.is_object()) return "";
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d.%02d.%04d", d.value("day", 0), d.value("month", 0),
                d.value("year", 0));
  return buf;
}

std::string MarksText(const json& cell) {
  std::string out;
  if (!cell.is_object()) return out;
  for (const auto& m : cell.value("marks", json::array())) {
    if (!out.empty()) out += " ";
    out += std::to_string(m.value("value", 0));
    if (m.value("second_value", 0) != 0) out += "/" + std::to_string(m.value("second_value", 0));
  }
  const std::string att = cell.value("attendance", "");
  if (att == "ATTENDANCE_STATUS_ABSENT") {
    const std::string r = cell.value("absence_reason", "");
    out += std::string(out.empty() ? "" : " ") + (r == "ABSENCE_REASON_ILLNESS"     ? "б"
                                                  : r == "ABSENCE_REASON_VALID"     ? "уп"
                                                  : r == "ABSENCE_REASON_NOT_VALID" ? "нп"
                                                                                    : "н");
  } else if (att == "ATTENDANCE_STATUS_LATE") {
    out += std::string(out.empty() ? "" : " ") + "оп";
  }
  return out;
}

void PrintDiary(const json& week) {
  std::printf("Дневник %s, неделя с %s (запись журнала № %s)\n", Str(week, "student_id").c_str(),
              DateText(week["week_start"]).c_str(), Str(week, "as_of_sequence").c_str());
  for (const auto& day : week.value("days", json::array())) {
    const auto lessons = day.value("lessons", json::array());
    if (lessons.empty()) continue;
    std::printf("\n%s\n", DateText(day["date"]).c_str());
    for (const auto& dl : lessons) {
      const json& l = dl["lesson"];
      std::string hw;
      for (const auto& h : l.value("homework", json::array())) {
        hw += (hw.empty() ? "" : "; ") + h.value("text", "");
      }
      std::printf("  %d. %-14s %-30s  дз: %-24s %s%s\n", l.value("period", 0),
                  l.value("subject_id", "").c_str(), l.value("topic", "").c_str(), hw.c_str(),
                  MarksText(dl.value("cell", json::object())).c_str(),
                  dl.value("new_since_acknowledgement", false) ? "  (новое)" : "");
    }
  }
  const auto terms = week.value("term_marks", json::array());
  if (!terms.empty()) {
    std::printf("\nИтоговые отметки:\n");
    for (const auto& t : terms) {
      const std::string status = t.value("status", "");
      std::printf(
          "  %-14s %-28s %s\n", t.value("subject_id", "").c_str(), t.value("key", "").c_str(),
          status == "ATTESTATION_STATUS_NOT_ATTESTED" ? "н/а"
          : status == "ATTESTATION_STATUS_EXEMPT"     ? "осв"
                                                  : std::to_string(t.value("value", 0)).c_str());
    }
  }
}

void PrintJournal(const json& page) {
  const auto lessons = page.value("lessons", json::array());
  std::printf("Журнал: класс %s%s, предмет %s, четверть %s (запись журнала № %s)\n",
              Str(page, "class_id").c_str(),
              Str(page, "subgroup_id").empty() ? "" : (" / " + Str(page, "subgroup_id")).c_str(),
              Str(page, "subject_id").c_str(), Str(page, "term_number").c_str(),
              Str(page, "as_of_sequence").c_str());
  constexpr size_t kNameWidth = 24;  // "Фамилия Имя", or the id when the school gave no name
  std::printf("%s", Column("", kNameWidth).c_str());
  for (const auto& l : lessons) std::printf(" %5.5s", DateText(l["date"]).c_str());
  std::printf("  итог\n");
  for (const auto& row : page.value("rows", json::array())) {
    std::map<std::string, std::string> cells;
    for (const auto& cell : row.value("cells", json::array())) {
      cells[cell.value("lesson_id", "")] = MarksText(cell);
    }
    const std::string name = row.value("student_name", "");
    std::printf("%s",
                Column(name.empty() ? row.value("student_id", "") : name, kNameWidth).c_str());
    for (const auto& l : lessons) {
      std::printf(" %5s", cells[l.value("lesson_id", "")].c_str());
    }
    std::printf("  %d (нужно %d, ср. %.2f)\n", row.value("suggested_mark", 0),
                row.value("marks_needed", 0), row.value("weighted_mean_x100", 0) / 100.0);
  }
  std::printf("\nТемы:\n");
  for (const auto& l : lessons) {
    std::printf("  %s %d. %s\n", DateText(l["date"]).c_str(), l.value("period", 0),
                l.value("topic", "").c_str());
  }
}

// The current event id of a mark, from the cell's history.
Result<std::string> CurrentMarkEvent(const Common& c, const Session& s, const std::string& lesson,
                                     const std::string& student, const std::string& mark_id,
                                     int* value) {
  EJ_ASSIGN_OR_RETURN(json h, GetJson(c, s,
                                      "/api/v1/schools/" + s.school_id + "/lessons/" + lesson +
                                          "/students/" + student + "/history"));
  std::string seq;
  for (const auto& m : h.value("current", json::object()).value("marks", json::array())) {
    if (m.value("mark_id", "") == mark_id) {
      seq = Str(m, "sequence");
      if (value != nullptr) *value = m.value("value", 0);
    }
  }
  if (seq.empty()) return Err(NotFound("the cell shows no mark " + mark_id));
  for (const auto& e : h.value("events", json::array())) {
    if (Str(e, "sequence") == seq) return Str(e, "event_id");
  }
  return Err(NotFound("the history of the cell lacks entry " + seq));
}

}  // namespace

std::function<int()> AddClientCommands(CLI::App& app) {
  auto c = std::make_shared<Common>();
  c->profile = DefaultProfile();
  // What a command does with the session: only sends it (logout), signs events, or reads.
  enum class Use { kPlain, kSigning, kReading };
  auto common = [c](CLI::App* cmd, Use use) {
    cmd->add_option("--profile", c->profile,
                    "the session profile (default ~/.ejournal/session.json)");
    cmd->add_option("--server", c->server, "the server, e.g. http://127.0.0.1:8080");
    cmd->add_option("--ca", c->ca_file, "CA certificate for an https server");
    cmd->add_flag("--json", c->json, "print the server's JSON");
    if (use != Use::kPlain) {
      cmd->add_option("--key", c->key_file, "a long-lived key (PKCS#8 PEM) instead of the session");
      cmd->add_option("--credential", c->credential, "its credential id (default: KEY.credential)");
      cmd->add_option("--actor", c->actor, "its user (default: the key file's name)");
    }
    if (use == Use::kSigning) {
      cmd->add_option("--zone", c->zone, "the school's time zone for dates")->capture_default_str();
    }
    if (use == Use::kReading) {
      cmd->add_flag("--signed-reads", c->signed_reads,
                    "sign the read with the session's key (EJ-Signed) instead of sending its "
                    "token; done by itself with a --key, or when the server refuses the token as "
                    "a read replica does");
    }
    cmd->add_option("--school", c->school, "school id (default: the session's)");
  };
  struct Flags {
    std::string login, password, user, lesson, student,
        work = "answer", date, topic, kind = "regular", order, text, students, reason, lessons,
        request, id, absent, substitute, week, credentials, from, number, commission, report,
        subject, status, cls, subgroup, as_of, mode, mark_id, period_kind = "term",
        order_period = "final", discovered, reported, reported_to, reenters;
    int value = 0, second = 0, late = -1, term = 1;
    uint64_t sequence = 0;
    bool dry_run = false, late_entry = false;
    std::vector<std::string> params;
  };
  auto f = std::make_shared<Flags>();
  std::vector<std::pair<CLI::App*, std::function<int()>>> commands;
  auto add = [&](const char* name, const char* help, Use use, std::function<int()> run) {
    CLI::App* cmd = app.add_subcommand(name, help);
    common(cmd, use);
    commands.emplace_back(cmd, std::move(run));
    return cmd;
  };

  // ---- sessions ----
  auto* login =
      add("login", "sign in to a server; keeps the session in the profile", Use::kPlain, [c, f] {
        Common& cc = *c;
        if (cc.server.empty() || cc.school.empty() || f->login.empty()) {
          return Fail(InvalidArgument("login needs --server, --school and --login"));
        }
        std::string password = f->password;
        if (password.empty()) {
          if (const char* p = std::getenv("EJOURNAL_PASSWORD")) password = p;
        }
        if (password.empty()) std::getline(std::cin, password);
        auto key = crypto::PrivateKey::Generate(crypto::KeyType::kEd25519);
        if (!key) return Fail(key.error());
        Session s;
        s.server = cc.server;
        json req = {
            {"school_id", cc.school}, {"login", f->login},
            {"password", password},   {"public_key", crypto::Base64Encode(key->public_key().raw())},
            {"algorithm", "ed25519"}, {"label", "ejournal CLI"}};
        auto answer = Exchange(cc, s, "POST", "/api/v1/login", req.dump(), "application/json", "");
        if (!answer) return Fail(answer.error());
        json j = json::parse(*answer, nullptr, false);
        auto pem = key->ToPem();
        if (!pem) return Fail(pem.error());
        json profile = {{"server", cc.server},
                        {"school_id", Str(j, "school_id")},
                        {"user_id", Str(j, "user_id")},
                        {"credential_id", Str(j, "credential_id")},
                        {"token", Str(j, "token")},
                        {"not_after_us", Str(j, "not_after_us")},
                        {"key_pem", *pem}};
        std::error_code ec;
        std::filesystem::create_directories(std::filesystem::path(cc.profile).parent_path(), ec);
        Status st = crypto::WriteSecretFile(cc.profile, profile.dump(2) + "\n", true);
        if (!st.ok()) return Fail(st);
        std::printf("signed in as %s (credential %s); session in %s\n", Str(j, "user_id").c_str(),
                    Str(j, "credential_id").c_str(), cc.profile.c_str());
        return 0;
      });
  login->add_option("--login", f->login, "the login");
  login->add_option("--password", f->password,
                    "the password (or EJOURNAL_PASSWORD, or one line on standard input)");
  add("logout", "end the session: its key stops working at once", Use::kPlain, [c] {
    auto s = Resolve(*c, false, true);
    if (!s) return Fail(s.error());
    auto answer = Exchange(*c, *s, "POST", "/api/v1/logout", "{}", "application/json", Bearer(*s));
    if (!answer) return Fail(answer.error());
    std::filesystem::remove(c->profile);
    std::printf("signed out\n");
    return 0;
  });
  auto* passwd = add(
      "passwd", "set a user's password (yours, or as the administrator)", Use::kSigning, [c, f] {
        auto s = Resolve(*c, true, false);
        if (!s) return Fail(s.error());
        v1::EventBody b = NewBody(*s);
        const std::string user = f->user.empty() ? s->user_id : f->user;
        b.mutable_password_changed()->set_user_id(user);
        b.mutable_password_changed()->set_kind(user == s->user_id
                                                   ? v1::PASSWORD_CHANGE_KIND_BY_USER
                                                   : v1::PASSWORD_CHANGE_KIND_RESET_BY_ADMIN);
        auto bytes = SignEvent(b, *s->key);
        if (!bytes) return Fail(bytes.error());
        json req = {{"event", crypto::Base64Encode(*bytes)}, {"password", f->password}};
        auto answer =
            Exchange(*c, *s, "POST", "/api/v1/passwords", req.dump(), "application/json", "");
        if (!answer) return Fail(answer.error());
        std::printf("password of %s set\n", user.c_str());
        return 0;
      });
  passwd->add_option("--user", f->user, "whose password (default: yours)");
  passwd->add_option("--password", f->password, "the new password")->required();

  // ---- the journal ----
  auto lesson_event = [c, f](auto fill) {
    return [c, f, fill] {
      auto s = Resolve(*c, true, false);
      if (!s) return Fail(s.error());
      auto date = DateArg(f->date, c->zone);
      if (!date) return Fail(date.error());
      v1::EventBody b = NewBody(*s);
      *b.mutable_business_date() = *date;
      b.set_reenters_event_id(f->reenters);  // R-SEC-4
      if (Status st = fill(b); !st.ok()) return Fail(st);
      return Submit(*c, *s, b);
    };
  };
  auto lesson_flags = [f](CLI::App* cmd) {
    cmd->add_option("--lesson", f->lesson, "lesson id")->required();
    cmd->add_option("--date", f->date, "the lesson's date, YYYY-MM-DD (default: today)");
    cmd->add_option("--substitution", f->id, "the substitution you write under (R-SUB-1)");
    cmd->add_option("--reenters", f->reenters,
                    "re-enter this invalidated event of yours (R-SEC-4; see `report "
                    "awaiting-reentry`)");
  };
  auto* mark =
      add("mark", "record a mark (R-MARK-1..5)", Use::kSigning, lesson_event([f](v1::EventBody& b) {
            auto work = WorkArg(f->work);
            if (!work) return work.error();
            auto* m = b.mutable_mark_recorded();
            m->set_mark_id(f->mark_id.empty() ? "m-" + NewId() : f->mark_id);
            m->set_lesson_id(f->lesson);
            m->set_student_id(f->student);
            m->mutable_value()->set_value(f->value);
            m->mutable_value()->set_second_value(f->second);
            m->set_work_type(*work);
            if (!f->id.empty()) b.set_substitution_id(f->id);
            return Status::Ok();
          }));
  lesson_flags(mark);
  mark->add_option("--student", f->student, "student id")->required();
  mark->add_option("--value", f->value, "1..5")->required();
  mark->add_option("--second", f->second, "the second part of a two-part mark (5/4)");
  mark->add_option("--work", f->work, "answer, control, dictation, homework, ...")
      ->capture_default_str();
  mark->add_option("--mark-id", f->mark_id, "the mark's id (default: a new one)");
  auto* absence =
      add("absence", "record an absence, or lateness with --late (R-ATT-1)", Use::kSigning,
          lesson_event([f](v1::EventBody& b) {
            auto* a = b.mutable_attendance_recorded();
            a->set_lesson_id(f->lesson);
            a->set_student_id(f->student);
            a->set_status(f->late >= 0 ? v1::ATTENDANCE_STATUS_LATE : v1::ATTENDANCE_STATUS_ABSENT);
            if (f->late >= 0) a->set_minutes_late(f->late);
            if (!f->id.empty()) b.set_substitution_id(f->id);
            return Status::Ok();
          }));
  lesson_flags(absence);
  absence->add_option("--student", f->student, "student id")->required();
  absence->add_option("--late", f->late, "minutes late (lateness instead of an absence)");
  auto* lesson = add("lesson", "record that a lesson was held, with its topic (R-LES-1..3)",
                     Use::kSigning, lesson_event([f](v1::EventBody& b) {
                       auto* l = b.mutable_lesson_conducted();
                       l->set_lesson_id(f->lesson);
                       l->set_topic(f->topic);
                       l->set_kind(f->kind == "distance"          ? v1::LESSON_KIND_DISTANCE
                                   : f->kind == "extracurricular" ? v1::LESSON_KIND_EXTRACURRICULAR
                                                                  : v1::LESSON_KIND_REGULAR);
                       l->set_order_number(f->order);
                       if (!f->id.empty()) b.set_substitution_id(f->id);
                       return Status::Ok();
                     }));
  lesson_flags(lesson);
  lesson->add_option("--topic", f->topic, "the topic (from the КТП)")->required();
  lesson->add_option("--kind", f->kind, "regular, distance, extracurricular")
      ->capture_default_str();
  lesson->add_option("--order", f->order, "the order number (distance learning)");
  auto* homework = add("homework", "assign homework (R-HW-1)", Use::kSigning,
                       lesson_event([f](v1::EventBody& b) {
                         auto* h = b.mutable_homework_assigned();
                         h->set_homework_id(f->mark_id.empty() ? "hw-" + NewId() : f->mark_id);
                         h->set_lesson_id(f->lesson);
                         h->set_text(f->text);
                         for (const auto& st : Split(f->students)) h->add_student_ids(st);
                         if (!f->id.empty()) b.set_substitution_id(f->id);
                         return Status::Ok();
                       }));
  lesson_flags(homework);
  homework->add_option("--text", f->text, "what to do")->required();
  homework->add_option("--students", f->students, "only for these students (a,b,c)");
  homework->add_option("--homework-id", f->mark_id, "the homework's id (default: a new one)");
  auto* reason = add("reason", "classify a student's absences (class teacher, R-ATT-2)",
                     Use::kSigning, [c, f] {
                       auto s = Resolve(*c, true, false);
                       if (!s) return Fail(s.error());
                       v1::EventBody b = NewBody(*s);
                       auto* r = b.mutable_absence_reason_set();
                       r->set_student_id(f->student);
                       r->set_reason(f->reason == "illness" ? v1::ABSENCE_REASON_ILLNESS
                                     : f->reason == "valid" ? v1::ABSENCE_REASON_VALID
                                                            : v1::ABSENCE_REASON_NOT_VALID);
                       for (const auto& l : Split(f->lessons)) r->add_lesson_ids(l);
                       return Submit(*c, *s, b);
                     });
  reason->add_option("--student", f->student, "student id")->required();
  reason->add_option("--lessons", f->lessons, "the absences' lessons (a,b,c)")->required();
  reason->add_option("--reason", f->reason, "illness, valid, not-valid")->required();

  // ---- corrections ----
  auto* correct =
      add("correct", "ask to correct a mark (R-COR-1): the deputy decides", Use::kSigning, [c, f] {
        auto s = Resolve(*c, true, true);
        if (!s) return Fail(s.error());
        int old_value = 0;
        // R-MARK-3: a mark past its window enters as a request with no original (a new mark id).
        Result<std::string> original = std::string();
        if (!f->late_entry) {
          original = CurrentMarkEvent(*c, *s, f->lesson, f->student, f->mark_id, &old_value);
        }
        if (!original) return Fail(original.error());
        auto date = DateArg(f->date, c->zone);
        if (!date) return Fail(date.error());
        auto work = WorkArg(f->work);
        if (!work) return Fail(work.error());
        v1::EventBody b = NewBody(*s);
        *b.mutable_business_date() = *date;
        auto* r = b.mutable_correction_requested();
        r->set_request_id(f->request.empty() ? "rq-" + NewId() : f->request);
        r->mutable_target()->set_mark_id(f->mark_id);
        r->set_original_event_id(*original);
        r->set_reason(f->reason);
        auto* m = r->mutable_mark();
        m->set_mark_id(f->mark_id);
        m->set_lesson_id(f->lesson);
        m->set_student_id(f->student);
        m->mutable_value()->set_value(f->value);
        m->mutable_value()->set_second_value(f->second);
        m->set_work_type(*work);
        if (f->late_entry) {
          std::printf("request %s: new mark %s, %d (past its window)\n", r->request_id().c_str(),
                      f->mark_id.c_str(), f->value);
        } else {
          std::printf("request %s: mark %s, %d -> %d\n", r->request_id().c_str(),
                      f->mark_id.c_str(), old_value, f->value);
        }
        return Submit(*c, *s, b);
      });
  correct->add_option("--lesson", f->lesson, "the mark's lesson")->required();
  correct->add_option("--date", f->date, "the lesson's date, YYYY-MM-DD (default: today)");
  correct->add_option("--student", f->student, "the student")->required();
  correct->add_option("--mark-id", f->mark_id, "the mark")->required();
  correct->add_option("--value", f->value, "the proposed value")->required();
  correct->add_option("--second", f->second, "the proposed second part");
  correct->add_option("--work", f->work, "the work type")->capture_default_str();
  correct->add_option("--reason", f->reason, "why")->required();
  correct->add_option("--request", f->request, "the request's id (default: a new one)");
  correct->add_flag("--late-entry", f->late_entry,
                    "a new mark past its window (R-MARK-3): --mark-id names the new mark");
  auto decide = [c, f](bool approve) {
    return [c, f, approve] {
      auto s = Resolve(*c, true, false);
      if (!s) return Fail(s.error());
      v1::EventBody b = NewBody(*s);
      if (approve) {
        b.mutable_correction_approved()->set_request_id(f->request);
        b.mutable_correction_approved()->set_comment(f->reason);
      } else {
        b.mutable_correction_rejected()->set_request_id(f->request);
        b.mutable_correction_rejected()->set_reason(f->reason);
      }
      return Submit(*c, *s, b);
    };
  };
  auto* approve = add("approve", "approve a correction (deputy, not the requester)", Use::kSigning,
                      decide(true));
  approve->add_option("--request", f->request, "the request")->required();
  approve->add_option("--comment", f->reason, "a comment");
  auto* reject =
      add("reject", "reject a correction, with the reason", Use::kSigning, decide(false));
  reject->add_option("--request", f->request, "the request")->required();
  reject->add_option("--reason", f->reason, "why")->required();

  // ---- control ----
  auto* substitute =
      add("substitute", "record a substitution (methodist, R-SUB-1)", Use::kSigning, [c, f] {
        auto s = Resolve(*c, true, false);
        if (!s) return Fail(s.error());
        v1::EventBody b = NewBody(*s);
        auto* sub = b.mutable_substitution_assigned();
        sub->set_substitution_id(f->id.empty() ? "sub-" + NewId() : f->id);
        for (const auto& l : Split(f->lessons)) sub->add_lesson_ids(l);
        sub->set_absent_teacher_id(f->absent);
        sub->set_substitute_teacher_id(f->substitute);
        sub->set_reason(f->reason);
        return Submit(*c, *s, b);
      });
  substitute->add_option("--id", f->id, "the substitution's id (default: a new one)");
  substitute->add_option("--lessons", f->lessons, "the lessons (a,b)")->required();
  substitute->add_option("--absent", f->absent, "the absent teacher")->required();
  substitute->add_option("--substitute", f->substitute, "the substituting teacher")->required();
  substitute->add_option("--reason", f->reason, "why");
  auto* ack = add(
      "ack", "acknowledge a diary week as a parent (ознакомлен, R-ACK-1)", Use::kSigning, [c, f] {
        auto s = Resolve(*c, true, true);
        if (!s) return Fail(s.error());
        auto week = GetJson(*c, *s,
                            "/api/v1/schools/" + s->school_id + "/students/" + f->student +
                                "/diary" + (f->week.empty() ? "" : "?week=" + f->week));
        if (!week) return Fail(week.error());
        v1::EventBody b = NewBody(*s);
        auto* a = b.mutable_diary_acknowledged();
        a->set_guardian_id(s->user_id);
        a->set_student_id(f->student);
        v1::Date start;
        start.set_year((*week)["week_start"].value("year", 0));
        start.set_month((*week)["week_start"].value("month", 0));
        start.set_day((*week)["week_start"].value("day", 0));
        *a->mutable_week_start() = start;
        *b.mutable_business_date() = start;
        a->set_as_of_sequence(std::stoull(Str(*week, "as_of_sequence")));
        a->set_channel(v1::ACKNOWLEDGEMENT_CHANNEL_ELECTRONIC);
        return Submit(*c, *s, b);
      });
  ack->add_option("--student", f->student, "your child")->required();
  ack->add_option("--week", f->week, "a day of the week (default: this week)");
  auto* compromise =
      add("report-compromise",
          "report an exposed login (R-SEC-1): yours, or as the director for an employee",
          Use::kSigning, [c, f] {
            auto s = Resolve(*c, true, false);
            if (!s) return Fail(s.error());
            auto discovered = MomentArg(f->discovered, c->zone);
            if (!discovered) return Fail(discovered.error());
            int64_t reported = 0;  // 0: the moment the ledger records the report
            if (!f->reported.empty()) {
              auto r = MomentArg(f->reported, c->zone);
              if (!r) return Fail(r.error());
              reported = *r;
            }
            v1::EventBody b = NewBody(*s);
            auto* r = b.mutable_credential_compromise_reported();
            r->set_report_id(f->report.empty() ? "report-" + NewId() : f->report);
            r->set_user_id(f->user.empty() ? s->user_id : f->user);
            for (const auto& cr : Split(f->credentials)) r->add_credential_ids(cr);
            r->set_discovered_at_us(*discovered);
            r->set_reported_at_us(reported);
            r->set_reported_to_id(f->reported_to);
            r->set_circumstances(f->reason);
            std::printf("report %s: login of %s\n", r->report_id().c_str(), r->user_id().c_str());
            return Submit(*c, *s, b);
          });
  compromise->add_option("--user", f->user, "whose login (default: yours)");
  compromise->add_option("--credentials", f->credentials,
                         "the exposed credentials (a,b; default: the login itself)");
  compromise
      ->add_option("--discovered", f->discovered,
                   "when the exposure was discovered, \"YYYY-MM-DD HH:MM\" school time")
      ->required();
  compromise->add_option("--reported", f->reported,
                         "when it was reported to you (default: now, as recorded)");
  compromise->add_option("--to", f->reported_to, "whom it was reported to (director, admin)");
  compromise->add_option("--id", f->report, "the report's id (default: a new one)");
  compromise->add_option("--circumstances", f->reason, "what happened");
  auto* act = add(
      "act", "the credential-compromise Act (director, R-SEC-2/3), or its dry run", Use::kSigning,
      [c, f] {
        auto s = Resolve(*c, true, f->dry_run);
        if (!s) return Fail(s.error());
        auto from = MomentArg(f->from, c->zone);
        if (!from) return Fail(from.error());
        auto today = DateArg(f->date, c->zone);
        if (!today) return Fail(today.error());
        v1::EventBody b = NewBody(*s);
        *b.mutable_business_date() = *today;
        auto* a = b.mutable_credential_compromise_act_recorded();
        a->set_act_id(f->id.empty() ? "act-" + NewId() : f->id);
        a->set_act_number(f->number);
        *a->mutable_act_date() = *today;
        for (const auto& m : Split(f->commission)) a->add_commission()->set_user_id(m);
        a->set_affected_user_id(f->user);
        for (const auto& cr : Split(f->credentials)) a->add_affected_credential_ids(cr);
        a->set_invalid_from_us(*from);
        a->set_report_id(f->report);
        a->set_circumstances(f->reason);
        if (!f->dry_run) return Submit(*c, *s, b);
        std::string body;
        (void)google::protobuf::util::MessageToJsonString(*a, &body);
        auto answer = Exchange(*c, *s, "POST", "/api/v1/schools/" + s->school_id + "/acts:preview",
                               body, "application/json", Bearer(*s));
        if (!answer) return Fail(answer.error());
        if (c->json) {
          std::printf("%s\n", answer->c_str());
          return 0;
        }
        json j = json::parse(*answer, nullptr, false);
        const auto events = j.value("events", json::array());
        std::printf("the Act would invalidate %zu entries (R-SEC-3):\n", events.size());
        for (const auto& e : events) {
          // R-ACC-4: who by name, with the id ("Учитель 004 (t-004)").
          const std::string who = Str(e, "actor_name").empty()
                                      ? Str(e, "actor_id")
                                      : Str(e, "actor_name") + " (" + Str(e, "actor_id") + ")";
          std::printf("  entry %s  %-28s by %-12s %s\n", Str(e, "sequence").c_str(),
                      Str(e, "type").c_str(), who.c_str(),
                      Str(e, "because_of").empty() || Str(e, "because_of") == "0"
                          ? "signed with the compromised key"
                          : ("rests on entry " + Str(e, "because_of")).c_str());
        }
        return 0;
      });
  act->add_option("--user", f->user, "the affected user")->required();
  act->add_option("--credentials", f->credentials, "the compromised credentials (a,b)")->required();
  act->add_option("--from", f->from, "invalid from, \"YYYY-MM-DD HH:MM\" school time")->required();
  act->add_option("--number", f->number, "the Act's number");
  act->add_option("--date", f->date, "the Act's date, YYYY-MM-DD (default: today)");
  act->add_option("--commission", f->commission, "the commission's users (a,b,c)");
  act->add_option("--report", f->report, "the compromise report's id");
  act->add_option("--circumstances", f->reason, "what happened");
  act->add_option("--id", f->id, "the Act's id (default: a new one)");
  act->add_flag("--dry-run", f->dry_run, "show what it would invalidate; record nothing");
  auto* term_mark =
      add("term-mark", "record a term or year mark (R-TERM-1)", Use::kSigning, [c, f] {
        auto s = Resolve(*c, true, false);
        if (!s) return Fail(s.error());
        v1::EventBody b = NewBody(*s);
        auto* t = b.mutable_term_mark_recorded();
        t->set_student_id(f->student);
        t->set_subject_id(f->subject);
        t->mutable_period()->set_academic_year_id(f->cls);
        t->mutable_period()->set_kind(f->period_kind == "year"    ? v1::PERIOD_KIND_YEAR
                                      : f->period_kind == "final" ? v1::PERIOD_KIND_FINAL
                                                                  : v1::PERIOD_KIND_TERM);
        t->mutable_period()->set_term_number(f->period_kind == "term" ? f->term : 0);
        if (f->status == "na") {
          t->mutable_mark()->set_status(v1::ATTESTATION_STATUS_NOT_ATTESTED);
        } else if (f->status == "exempt") {
          t->mutable_mark()->set_status(v1::ATTESTATION_STATUS_EXEMPT);
        } else {
          t->mutable_mark()->set_value(f->value);
        }
        return Submit(*c, *s, b);
      });
  term_mark->add_option("--student", f->student, "student")->required();
  term_mark->add_option("--subject", f->subject, "subject")->required();
  term_mark->add_option("--year", f->cls, "academic year id, e.g. 2025")->required();
  term_mark->add_option("--period", f->period_kind, "term, year or final (grades 9 and 11)")
      ->capture_default_str();
  term_mark->add_option("--term", f->term, "term number")->capture_default_str();
  term_mark->add_option("--value", f->value, "1..5");
  term_mark->add_option("--status", f->status, "na (н/а) or exempt (осв)");
  auto* order =
      add("order-final", "the director's order correcting a final mark in grade 9 or 11 (R-COR-2)",
          Use::kSigning, [c, f] {
            auto s = Resolve(*c, true, false);  // the diary read below signs without a token
            if (!s) return Fail(s.error());
            auto date = DateArg(f->date, c->zone);
            if (!date) return Fail(date.error());
            v1::EventBody b = NewBody(*s);
            *b.mutable_business_date() = *date;
            auto* o = b.mutable_final_mark_correction_ordered();
            o->set_order_number(f->number);
            *o->mutable_order_date() = *date;
            o->mutable_target()->set_student_id(f->student);
            o->mutable_target()->set_subject_id(f->subject);
            o->mutable_target()->mutable_period()->set_academic_year_id(f->cls);
            o->mutable_target()->mutable_period()->set_kind(
                f->order_period == "year"   ? v1::PERIOD_KIND_YEAR
                : f->order_period == "term" ? v1::PERIOD_KIND_TERM
                                            : v1::PERIOD_KIND_FINAL);
            o->mutable_target()->mutable_period()->set_term_number(
                f->order_period == "term" ? f->term : 0);
            // The mark the cell shows now: the student's term marks (diary) name its entry.
            std::string original = f->request;
            if (original.empty()) {
              const std::string key = f->student + "/" + f->subject + "/" + f->cls + "/" +
                                      std::to_string(o->target().period().kind()) + "/" +
                                      std::to_string(o->target().period().term_number());
              auto week = GetJson(*c, *s,
                                  "/api/v1/schools/" + s->school_id + "/students/" + f->student +
                                      "/diary?week=" + DayText(*date));
              if (!week) return Fail(week.error());
              std::string seq;
              for (const auto& t : week->value("term_marks", json::array())) {
                if (t.value("key", "") == key) seq = Str(t, "sequence");
              }
              if (seq.empty())
                return Fail(Status(StatusCode::kNotFound, "no recorded mark " + key, "R-COR-2"));
              auto entry = GetJson(*c, *s, "/api/v1/ledger/entries/" + seq);
              if (!entry) return Fail(entry.error());
              original = Str((*entry)["body"], "event_id");
            }
            o->set_original_event_id(original);
            if (f->status == "na") {
              o->mutable_new_mark()->set_status(v1::ATTESTATION_STATUS_NOT_ATTESTED);
            } else if (f->status == "exempt") {
              o->mutable_new_mark()->set_status(v1::ATTESTATION_STATUS_EXEMPT);
            } else {
              o->mutable_new_mark()->set_value(f->value);
            }
            o->set_teacher_id(f->absent);
            o->mutable_teacher_explanation()->set_title(f->text);
            o->set_deputy_id(f->user);
            o->mutable_deputy_explanation()->set_title(f->topic);
            o->set_reason(f->reason);
            return Submit(*c, *s, b);
          });
  order->add_option("--student", f->student, "student")->required();
  order->add_option("--subject", f->subject, "subject")->required();
  order->add_option("--year", f->cls, "academic year id, e.g. 2025")->required();
  order->add_option("--period", f->order_period, "final, year or term")->capture_default_str();
  order->add_option("--term", f->term, "term number (--period term)");
  order->add_option("--value", f->value, "the corrected mark, 1..5");
  order->add_option("--status", f->status, "na (н/а) or exempt (осв)");
  order->add_option("--order", f->number, "the order's number, e.g. \"Приказ № 77\"")->required();
  order->add_option("--date", f->date, "the order's date, YYYY-MM-DD (default: today)");
  order->add_option("--teacher", f->absent, "the teacher who explained in writing");
  order->add_option("--teacher-explanation", f->text, "the teacher's explanation (title, date)");
  order->add_option("--deputy", f->user, "the deputy who explained in writing");
  order->add_option("--deputy-explanation", f->topic, "the deputy's explanation (title, date)");
  order->add_option("--reason", f->reason, "the grounds in short");
  order->add_option("--original", f->request,
                    "the event the cell shows now (default: looked up in the diary)");

  // ---- reads ----
  auto read = [c](std::function<Result<std::string>(const Session&)> path,
                  std::function<void(const json&)> print) {
    return [c, path, print] {
      auto s = ResolveReader(*c);
      if (!s) return Fail(s.error());
      auto p = path(*s);
      if (!p) return Fail(p.error());
      auto j = GetJson(*c, *s, *p);
      if (!j) return Fail(j.error());
      if (c->json || !print) {
        std::printf("%s\n", j->dump(c->json ? -1 : 2).c_str());
      } else {
        print(*j);
      }
      return 0;
    };
  };
  auto* diary = add("diary", "a student's diary week", Use::kReading,
                    read(
                        [f](const Session& s) -> Result<std::string> {
                          return "/api/v1/schools/" + s.school_id + "/students/" + f->student +
                                 "/diary" + (f->week.empty() ? "" : "?week=" + f->week);
                        },
                        PrintDiary));
  diary->add_option("--student", f->student, "student")->required();
  diary->add_option("--week", f->week, "a day of the week, YYYY-MM-DD (default: this week)");
  auto* journal = add(
      "journal", "a journal page (class × subject × term), now or as of a moment", Use::kReading,
      read(
          [c, f](const Session& s) -> Result<std::string> {
            std::string p = "/api/v1/schools/" + s.school_id + "/classes/" + f->cls + "/subjects/" +
                            f->subject + "/terms/" + std::to_string(f->term) +
                            "/journal?subgroup=" + f->subgroup;
            if (!f->as_of.empty()) {
              EJ_ASSIGN_OR_RETURN(int64_t at, MomentArg(f->as_of, c->zone));
              p += "&as_of_us=" + std::to_string(at);
              if (!f->mode.empty()) p += "&mode=" + f->mode;
            }
            return p;
          },
          PrintJournal));
  journal->add_option("--class", f->cls, "class")->required();
  journal->add_option("--subject", f->subject, "subject")->required();
  journal->add_option("--term", f->term, "term number")->capture_default_str();
  journal->add_option("--subgroup", f->subgroup, "subgroup");
  journal->add_option("--as-of", f->as_of, "\"YYYY-MM-DD HH:MM\": the page as it was then");
  journal->add_option("--mode", f->mode, "as_shown_then or with_later_invalidations");
  journal->add_option("--zone", c->zone, "the school's time zone")->capture_default_str();
  auto* history =
      add("history", "a cell's full history (who, when, corrected, invalidated)", Use::kReading,
          read(
              [f](const Session& s) -> Result<std::string> {
                return "/api/v1/schools/" + s.school_id + "/lessons/" + f->lesson + "/students/" +
                       f->student + "/history";
              },
              nullptr));
  history->add_option("--lesson", f->lesson, "lesson")->required();
  history->add_option("--student", f->student, "student")->required();
  add("corrections", "the deputy's queue of pending corrections (R-COR-3)", Use::kReading,
      read([](const Session& s)
               -> Result<std::string> { return "/api/v1/schools/" + s.school_id + "/corrections"; },
           nullptr));
  auto* report = add("report", "a report: monthly-control, class-progress, summary-statement, ...",
                     Use::kReading,
                     read(
                         [f](const Session& s) -> Result<std::string> {
                           std::string p = "/api/v1/schools/" + s.school_id + "/reports/" + f->id;
                           char sep = '?';
                           for (const auto& kv : f->params) {
                             p += sep + kv;
                             sep = '&';
                           }
                           return p;
                         },
                         nullptr));
  report->add_option("name", f->id, "the report")->required();
  report->add_option("params", f->params, "key=value parameters (class=c05-1 year_id=2025 ...)");
  auto* entry = add("entry", "a ledger entry with its signed body", Use::kReading,
                    read(
                        [f](const Session&) -> Result<std::string> {
                          return "/api/v1/ledger/entries/" + std::to_string(f->sequence);
                        },
                        nullptr));
  entry->add_option("--sequence", f->sequence, "the entry")->required();

  add("server-backup", "back up the server's ledger while it runs (administrator, director)",
      Use::kPlain, [c] {
        auto s = Resolve(*c, false, true);
        if (!s) return Fail(s.error());
        auto answer =
            Exchange(*c, *s, "POST", "/api/v1/admin/backup", "{}", "application/json", Bearer(*s));
        if (!answer) return Fail(answer.error());
        std::printf("%s\n", answer->c_str());
        return 0;
      });

  return [commands] {
    for (const auto& [cmd, run] : commands) {
      if (*cmd) return run();
    }
    return -1;
  };
}

}  // namespace ejournal::client
