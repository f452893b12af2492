// The set-up verbs (R-SET-1..3, R-PLAN-1): `lessons generate`, `import oneroster|roster|plan`,
// `export oneroster`. The server works out the events (its ProposedEvents,
// schemas/ejournal/v1/setup.proto); the client prints what they are and, unless --dry-run, signs
// each with the session's key and submits them in batches, as any write. An import whose rows
// are refused records nothing.
#include <google/protobuf/util/json_util.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "api/signed_request.h"
#include "ejournal/v1/api.pb.h"
#include "ejournal/v1/setup.pb.h"
#include "ledger/event_codec.h"
#include "tools/client_internal.h"

namespace ejournal::client {
namespace {

using nlohmann::json;

// The server takes at most this many events in one batch (--max-batch-events' default).
constexpr size_t kBatch = 1000;

void PrintRows(const v1::ProposedEvents& p) {
  for (const auto& row : p.rows()) {
    std::string where = row.source();
    if (row.line() > 0) where += ", строка " + std::to_string(row.line());
    std::printf("%s%s%s%s\n", where.empty() ? "" : (where + ": ").c_str(),
                row.refused() ? "ОТКАЗ: " : "", row.text().c_str(),
                row.rule().empty() ? "" : (" [" + row.rule() + "]").c_str());
  }
  if (!p.summary().empty()) std::printf("%s\n", p.summary().c_str());
}

// The Authorization of a POST that reads (a proposal, the contacts): the session's bearer token,
// or the request signed by a long-lived key (EJ-Signed, api/signed_request.h).
Result<std::string> Authorization(const Session& s, const std::string& target,
                                  const std::string& body) {
  if (!s.token.empty()) return Bearer(s);
  if (!s.key) return Err(Unauthenticated("sign in first (ejournal login)"));
  const int64_t now = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  return api::SignedRequestAuthorization(*s.key, s.credential_id, "POST", target, now, body);
}

// Asks the server for a proposal (POST `path` with `body`), prints it and, unless `dry_run`,
// records it, then hands the contacts it names to the node's store.
int Propose(const Common& c, const std::string& path, const std::string& body,
            const std::string& content_type, bool dry_run) {
  auto s = Resolve(c, /*need_key=*/!dry_run, /*need_token=*/false);
  if (!s) return Fail(s.error());
  const std::string target = "/api/v1/schools/" + s->school_id + path;
  auto authorization = Authorization(*s, target, body);
  if (!authorization) return Fail(authorization.error());
  auto answer = Exchange(c, *s, "POST", target, body, content_type, *authorization);
  if (!answer) return Fail(answer.error());
  if (c.json && dry_run) {
    std::printf("%s\n", answer->c_str());
    return 0;
  }
  v1::ProposedEvents p;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  if (!google::protobuf::util::JsonStringToMessage(*answer, &p, options).ok()) {
    return Fail(Internal("the server's proposal is not a ProposedEvents"));
  }
  PrintRows(p);
  if (!p.ok()) {
    std::printf("Ничего не записано: исправьте строки с отказом и повторите.\n");
    return 1;
  }
  if (dry_run) {
    std::printf("Пробный запуск: ничего не записано (событий было бы: %d).\n", p.bodies_size());
    return 0;
  }
  if (int rc = RecordBodies(c, *s, p); rc != 0) return rc;
  if (p.contacts_size() > 0) {
    v1::ProposedEvents contacts;
    *contacts.mutable_contacts() = p.contacts();
    std::string text;
    (void)google::protobuf::util::MessageToJsonString(contacts, &text);
    const std::string contacts_target = "/api/v1/schools/" + s->school_id + "/contacts";
    auto contacts_auth = Authorization(*s, contacts_target, text);
    if (!contacts_auth) return Fail(contacts_auth.error());
    auto stored =
        Exchange(c, *s, "POST", contacts_target, text, "application/json", *contacts_auth);
    if (!stored) return Fail(stored.error());
    std::printf("Контакты сохранены на сервере (не в журнале событий): %d\n", p.contacts_size());
  }
  return 0;
}

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Err(NotFound("Нет файла " + path));
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// "?a=1&b=2" of the non-empty parameters, percent-encoded.
std::string Query(std::initializer_list<std::pair<const char*, std::string>> params) {
  std::string q;
  for (const auto& [name, value] : params) {
    if (value.empty()) continue;
    q += (q.empty() ? "?" : "&") + std::string(name) + "=";
    for (unsigned char ch : value) {
      if (std::isalnum(ch) || ch == '-' || ch == '_' || ch == '.') {
        q += static_cast<char>(ch);
      } else {
        char buf[4];
        std::snprintf(buf, sizeof buf, "%%%02X", ch);
        q += buf;
      }
    }
  }
  return q;
}

int ImportOneRoster(const Common& c, const Flags& f) {
  json files = json::object();
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(f.text, ec)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".csv") continue;
    auto text = ReadFile(entry.path().string());
    if (!text) return Fail(text.error());
    files[entry.path().filename().string()] = *text;
  }
  if (ec) return Fail(NotFound("Нет папки " + f.text + ": " + ec.message()));
  if (files.empty()) return Fail(InvalidArgument("В папке " + f.text + " нет файлов .csv"));
  return Propose(c, "/imports/oneroster" + Query({{"year", f.cls}, {"on", f.date}}),
                 json{{"files", files}}.dump(), "application/json", f.dry_run);
}

int ImportCsv(const Common& c, const Flags& f, const std::string& kind) {
  auto bytes = ReadFile(f.text);
  if (!bytes) return Fail(bytes.error());
  const std::string file = std::filesystem::path(f.text).filename().string();
  const std::string query = kind == "roster"
                                ? Query({{"file", file}, {"year", f.cls}, {"on", f.date}})
                                : Query({{"file", file},
                                         {"class", f.lesson},
                                         {"subject", f.subject},
                                         {"subgroup", f.subgroup},
                                         {"term", f.term > 0 ? std::to_string(f.term) : ""}});
  return Propose(c, "/imports/" + kind + query, *bytes, "text/csv", f.dry_run);
}

// Records the set-up events of a JSON file: an array of EventBody objects in protobuf JSON with
// only their payload (and business_date where the schema asks for one), e.g.
// [{"bellScheduleSet": {...}}, {"timetableSlotSet": {...}, "businessDate": {...}}]. The envelope
// is the session's; each is signed and submitted in order. For scripts; the pages and the
// imports cover the same events for people.
int RecordFile(const Common& c, const Flags& f) {
  auto text = ReadFile(f.text);
  if (!text) return Fail(text.error());
  json list = json::parse(*text, nullptr, false);
  if (!list.is_array()) {
    return Fail(InvalidArgument("В файле " + f.text + " нужен JSON-массив событий"));
  }
  v1::ProposedEvents p;
  p.set_ok(true);
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  for (size_t i = 0; i < list.size(); ++i) {
    v1::EventBody body;
    if (!google::protobuf::util::JsonStringToMessage(list[i].dump(), &body, options).ok() ||
        body.payload_case() == v1::EventBody::PAYLOAD_NOT_SET) {
      return Fail(InvalidArgument("Событие " + std::to_string(i + 1) + " в " + f.text +
                                  " — не EventBody с содержанием (protobuf JSON)"));
    }
    *p.add_bodies() = std::move(body);
  }
  std::printf("Событий в файле: %d\n", p.bodies_size());
  if (f.dry_run) {
    std::printf("Пробный запуск: ничего не записано.\n");
    return 0;
  }
  auto s = Resolve(c, /*need_key=*/true, /*need_token=*/false);
  if (!s) return Fail(s.error());
  return RecordBodies(c, *s, p);
}

int ExportOneRoster(const Common& c, const Flags& f) {
  auto s = ResolveReader(c);
  if (!s) return Fail(s.error());
  auto j = GetJson(c, *s, "/api/v1/schools/" + s->school_id + "/exports/oneroster");
  if (!j) return Fail(j.error());
  std::error_code ec;
  std::filesystem::create_directories(f.text, ec);
  if (ec) return Fail(IoError("Не создать папку " + f.text + ": " + ec.message()));
  int n = 0;
  for (const auto& [name, text] : (*j)["files"].items()) {
    if (name.find('/') != std::string::npos || name.starts_with(".")) continue;
    std::ofstream out(std::filesystem::path(f.text) / name, std::ios::binary);
    out << text.get<std::string>();
    if (!out) return Fail(IoError("Не записать " + name));
    ++n;
  }
  std::printf("Выгружено файлов OneRoster: %d в %s\n", n, f.text.c_str());
  return 0;
}

std::string DateText(const json& d) {
  if (!d.is_object()) return "";
  char out[16];
  std::snprintf(out, sizeof out, "%02d.%02d.%04d", d.value("day", 0), d.value("month", 0),
                d.value("year", 0));
  return out;
}

// A week of lessons of a class or a teacher (GET .../timetable), by name; a lesson that differs
// from the weekly timetable says how.
int Timetable(const Common& c, const Flags& f) {
  if (f.cls.empty() == f.user.empty()) {
    return Fail(InvalidArgument("Укажите --class или --teacher", "R-SET-1"));
  }
  auto s = ResolveReader(c);
  if (!s) return Fail(s.error());
  std::string path = "/api/v1/schools/" + s->school_id + "/timetable?" +
                     (f.cls.empty() ? "teacher=" + f.user : "class=" + f.cls);
  if (!f.week.empty()) path += "&week=" + f.week;
  auto j = GetJson(c, *s, path);
  if (!j) return Fail(j.error());
  if (c.json) {
    std::printf("%s\n", j->dump(2).c_str());
    return 0;
  }
  std::printf("Расписание: %s, неделя с %s\n", (*j).value("title", "").c_str(),
              DateText((*j)["week_start"]).c_str());
  std::string day;
  for (const auto& l : (*j).value("lessons", json::array())) {
    if (DateText(l["date"]) != day) {
      day = DateText(l["date"]);
      std::printf("\n%s\n", day.c_str());
    }
    std::string line = "  " + std::to_string(l.value("period", 0)) + ". ";
    if (!l.value("starts", "").empty())
      line += l.value("starts", "") + "–" + l.value("ends", "") + " ";
    line += l.value("subject_name", "");
    if (!l.value("subgroup_name", "").empty()) line += " (" + l.value("subgroup_name", "") + ")";
    line += ", " +
            (f.cls.empty() ? l.value("class_label", "") + " класс" : l.value("teacher_name", ""));
    if (!l.value("room", "").empty()) line += ", каб. " + l.value("room", "");
    for (const auto& change : l.value("changes", json::array())) {
      line += " [" + change.get<std::string>() + "]";
    }
    std::printf("%s\n", line.c_str());
  }
  if ((*j).value("lessons", json::array()).empty()) std::printf("На этой неделе уроков нет.\n");
  return 0;
}

// The КТП beside its lessons (GET .../plans, R-PLAN-1): planned and held hours, the load's hours.
int Plans(const Common& c) {
  auto s = ResolveReader(c);
  if (!s) return Fail(s.error());
  auto j = GetJson(c, *s, "/api/v1/schools/" + s->school_id + "/plans");
  if (!j) return Fail(j.error());
  if (c.json) {
    std::printf("%s\n", j->dump(2).c_str());
    return 0;
  }
  const json plans = (*j).value("plans", json::array());
  if (plans.empty()) std::printf("Планов (КТП) нет.\n");
  for (const auto& p : plans) {
    const int term = p.value("term_number", 0);
    std::printf("%s, %s, %s — %s: по плану %d ч, по нагрузке %d ч; уроков %d, проведено %d\n",
                p.value("class_label", "").c_str(), p.value("subject_name", "").c_str(),
                term == 0 ? "год" : (std::to_string(term) + "-й период").c_str(),
                p.value("teacher_name", "").c_str(), p.value("planned_hours", 0),
                p.value("load_hours", 0), p.value("lessons_scheduled", 0),
                p.value("lessons_held", 0));
    if (!p.value("hours_note", "").empty()) {
      std::printf("  ! %s [R-PLAN-1]\n", p.value("hours_note", "").c_str());
    }
  }
  return 0;
}

}  // namespace

int RecordBodies(const Common& c, const Session& s, const v1::ProposedEvents& p) {
  size_t recorded = 0, duplicates = 0, refused = 0;
  for (size_t first = 0; first < static_cast<size_t>(p.bodies_size()); first += kBatch) {
    v1::SignedEventBatch batch;
    std::vector<std::string> ids;
    const size_t last = std::min(first + kBatch, static_cast<size_t>(p.bodies_size()));
    for (size_t i = first; i < last; ++i) {
      v1::EventBody body = NewBody(s);
      body.MergeFrom(p.bodies(static_cast<int>(i)));
      ids.push_back(body.event_id());
      auto bytes = SignEvent(body, *s.key);
      if (!bytes) return Fail(bytes.error());
      batch.add_events(std::move(*bytes));
    }
    auto answer = Exchange(c, s, "POST", "/api/v1/events:batch", batch.SerializeAsString(),
                           "application/x-protobuf", "");
    if (!answer) return Fail(answer.error());
    json j = json::parse(*answer, nullptr, false);
    if (!j.is_object() || !j.contains("results") || !j["results"].is_array()) {
      return Fail(Internal("the server's answer has no results: " + *answer));
    }
    for (size_t k = 0; k < j["results"].size(); ++k) {
      const json& r = j["results"][k];
      if (r.contains("error")) {
        ++refused;
        std::printf("ОТКАЗ (событие %s): %s [%s]\n", ids[k].c_str(),
                    Str(r["error"], "message").c_str(), Str(r["error"], "rule").c_str());
      } else if (r.value("duplicate", false)) {
        ++duplicates;
      } else {
        ++recorded;
      }
    }
  }
  std::printf("Записано событий: %zu%s%s\n", recorded,
              duplicates ? ("; уже были в журнале: " + std::to_string(duplicates)).c_str() : "",
              refused ? ("; отклонено: " + std::to_string(refused)).c_str() : "");
  return refused == 0 ? 0 : 1;
}

void AddSetupCommands(Verbs& v) {
  auto c = v.c;
  auto f = v.f;
  CLI::App* lessons = v.app.add_subcommand("lessons", "lessons from the timetable (R-SET-1)");
  lessons->require_subcommand(1);
  Verbs sub{*lessons, c, f, {}};
  CLI::App* generate =
      sub.Add("generate",
              "schedule the timetable's lessons of a range of days, skipping holidays and days "
              "off; earlier generated lessons the timetable no longer gives are cancelled",
              Use::kSigning, [c, f] {
                auto from = DateArg(f->from, c->zone);
                auto to = DateArg(f->date, c->zone);
                if (!from) return Fail(from.error());
                if (!to) return Fail(to.error());
                return Propose(*c, "/lessons:generate",
                               json{{"from", DayText(*from)}, {"to", DayText(*to)}}.dump(),
                               "application/json", f->dry_run);
              });
  generate->add_option("--from", f->from, "first day, YYYY-MM-DD")->required();
  generate->add_option("--to", f->date, "last day, YYYY-MM-DD")->required();
  generate->add_flag("--dry-run", f->dry_run, "show what would be recorded; record nothing");
  for (auto& command : sub.commands) v.commands.push_back(std::move(command));

  CLI::App* import =
      v.app.add_subcommand("import", "import the school's set-up (R-SET-1, R-PLAN-1)");
  import->require_subcommand(1);
  Verbs imports{*import, c, f, {}};
  CLI::App* oneroster = imports.Add(
      "oneroster", "a OneRoster 1.2 CSV set: users, classes, enrolments (docs/SETUP.md)",
      Use::kSigning, [c, f] { return ImportOneRoster(*c, *f); });
  oneroster->add_option("--dir", f->text, "the folder with manifest.csv, users.csv, ...")
      ->required();
  CLI::App* roster =
      imports.Add("roster", "the school's roster spreadsheet (CSV, Russian columns; docs/SETUP.md)",
                  Use::kSigning, [c, f] { return ImportCsv(*c, *f, "roster"); });
  roster->add_option("--csv", f->text, "the CSV file")->required();
  for (CLI::App* cmd : {oneroster, roster}) {
    cmd->add_option("--year", f->cls, "the academic year (default: the current or next one)");
    cmd->add_option("--on", f->date, "the enrolment day, YYYY-MM-DD (default: today)");
  }
  CLI::App* plan = imports.Add("plan", "a calendar-thematic plan (КТП) from a spreadsheet",
                               Use::kSigning, [c, f] { return ImportCsv(*c, *f, "plan"); });
  plan->add_option("--csv", f->text, "the CSV file")->required();
  plan->add_option("--class", f->lesson, "the class id")->required();
  plan->add_option("--subject", f->subject, "the subject id")->required();
  plan->add_option("--subgroup", f->subgroup, "the subgroup id, if the plan is a group's");
  plan->add_option("--term", f->term, "the term, 1..4 (0: the whole year)")->capture_default_str();
  for (CLI::App* cmd : {oneroster, roster, plan}) {
    cmd->add_flag("--dry-run", f->dry_run, "show what would be recorded; record nothing");
  }
  for (auto& command : imports.commands) v.commands.push_back(std::move(command));

  CLI::App* record = v.Add(
      "record",
      "sign and record the events of a JSON file (an array of EventBody payloads): any set-up "
      "fact for scripts, e.g. the year, bells, timetable slots (docs/SETUP.md)",
      Use::kSigning, [c, f] { return RecordFile(*c, *f); });
  record->add_option("--file", f->text, "the JSON file")->required();
  record->add_flag("--dry-run", f->dry_run, "check the file; record nothing");

  CLI::App* week = v.Add("timetable",
                         "a week of lessons of a class or a teacher, by name, with the changes "
                         "from the weekly timetable (R-SET-1)",
                         Use::kReading, [c, f] { return Timetable(*c, *f); });
  week->add_option("--class", f->cls, "the class id");
  week->add_option("--teacher", f->user, "the teacher's user id");
  week->add_option("--week", f->week, "a day of the week, YYYY-MM-DD (default: this week)");
  v.Add("plans", "the КТП beside its lessons and the teaching load (R-PLAN-1)", Use::kReading,
        [c] { return Plans(*c); });

  CLI::App* exports = v.app.add_subcommand("export", "export the school's set-up");
  exports->require_subcommand(1);
  Verbs exp{*exports, c, f, {}};
  CLI::App* out = exp.Add("oneroster", "as a OneRoster 1.2 CSV set", Use::kReading,
                          [c, f] { return ExportOneRoster(*c, *f); });
  out->add_option("--out", f->text, "the folder to write")->required();
  for (auto& command : exp.commands) v.commands.push_back(std::move(command));
}

}  // namespace ejournal::client
