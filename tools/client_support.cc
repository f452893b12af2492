// The client's plumbing: the session from the profile or a key, HTTP exchanges and reads that sign
// themselves when the token will not do, and the parsers of the verbs' arguments.
#include <httplib.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string_view>

#include "api/signed_request.h"
#include "ledger/event_codec.h"
#include "projections/school_time.h"
#include "tools/client_internal.h"

namespace ejournal::client {

using nlohmann::json;

namespace {

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

// Can the session sign a read (api/signed_request.h)?
bool CanSignReads(const Session& s) { return s.key.has_value() && !s.credential_id.empty(); }

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

}  // namespace

// A refusal's kind in the words of the person at the terminal (the code stays in --json answers
// and in the server's logs).
std::string_view RuCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kInvalidArgument:
      return "неверные данные";
    case StatusCode::kUnauthenticated:
      return "нужно войти";
    case StatusCode::kPermissionDenied:
      return "нет права";
    case StatusCode::kNotFound:
      return "не найдено";
    case StatusCode::kAlreadyExists:
      return "уже записано";
    case StatusCode::kFailedPrecondition:
      return "правило школы не позволяет";
    case StatusCode::kResourceExhausted:
      return "слишком много";
    case StatusCode::kUnavailable:
      return "сервер недоступен, повторите позже";
    case StatusCode::kDataLoss:
      return "данные повреждены";
    case StatusCode::kIoError:
      return "ошибка диска или системы";
    default:
      return "внутренняя ошибка";
  }
}

int Fail(const Status& s) {
  std::string line = "Отказ (" + std::string(RuCodeName(s.code())) + "): " + s.message();
  if (!s.rule().empty()) line += " [" + s.rule() + "]";
  std::fprintf(stderr, "%s\n", line.c_str());
  return 1;
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

std::vector<std::string> Split(const std::string& list) {
  std::vector<std::string> out;
  std::stringstream in(list);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

std::string DefaultProfile() {
  if (const char* p = std::getenv("EJOURNAL_PROFILE")) return p;
  const char* home = std::getenv("HOME");
  return std::string(home == nullptr ? "." : home) + "/.ejournal/session.json";
}

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
    if (std::sscanf(text.c_str(), "%d.%d.%d", &d, &m, &y) != 3) {
      return Err(InvalidArgument("Дата — ГГГГ-ММ-ДД или ДД.ММ.ГГГГ, а не «" + text + "»"));
    }
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
  std::printf("Записано: запись №%s (событие %s)%s\n",
              j.is_object() ? j["sequence"].dump().c_str() : answer->c_str(),
              body.event_id().c_str(),
              j.is_object() && j.value("duplicate", false) ? ", уже была в журнале" : "");
  return 0;
}

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

std::string Str(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key)) return "";
  return j[key].is_string() ? j[key].get<std::string>() : j[key].dump();
}

}  // namespace ejournal::client
