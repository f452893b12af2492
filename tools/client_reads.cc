// The client's reads (diary, journal, history, corrections, report, entry): the server's view as
// JSON (--json), or the diary, the journal page, a cell's history and the correction queue as
// readable tables, with people, classes, subjects and periods by name.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string_view>

#include "projections/school_time.h"
#include "setup/plan_csv.h"
#include "tools/client_internal.h"

namespace ejournal::client {
namespace {

using nlohmann::json;

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

// Characters (not bytes) of UTF-8 text.
size_t Chars(std::string_view text) {
  size_t n = 0;
  for (unsigned char ch : text) n += (ch & 0xC0) != 0x80;
  return n;
}
// `text` right-aligned in `width` characters.
std::string Right(const std::string& text, size_t width) {
  const size_t n = Chars(text);
  return n >= width ? text : std::string(width - n, ' ') + text;
}
// A mean in hundredths the Russian way: 435 -> "4,35".
std::string Mean(int x100) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%d,%02d", x100 / 100, x100 % 100);
  return buf;
}
// A work type's JSON name ("WORK_TYPE_CONTROL_WORK") as a journal names it.
std::string WorkText(const std::string& json_name) {
  v1::WorkType type = v1::WORK_TYPE_UNSPECIFIED;
  if (!v1::WorkType_Parse(json_name, &type)) return "";
  const std::string text = setup::WorkTypeText(type);
  return text.empty() ? "ответ на уроке" : text;
}
// A journal record in words, from its protobuf JSON (proto field names): `kind` is the EventBody
// field or the proposal's case ("mark_recorded", "mark", ...).
std::string RecordText(const std::string& kind, const json& v) {
  if (kind == "mark_recorded" || kind == "mark") {
    const json value = v.value("value", json::object());
    std::string t = std::to_string(value.value("value", 0));
    if (value.value("second_value", 0) != 0)
      t += "/" + std::to_string(value.value("second_value", 0));
    return "отметка " + t + " (" + WorkText(v.value("work_type", "")) + ")";
  }
  if (kind == "attendance_recorded" || kind == "attendance") {
    return v.value("status", "") == "ATTENDANCE_STATUS_LATE"
               ? "опоздание на " + std::to_string(v.value("minutes_late", 0)) + " мин"
               : "отсутствие (н)";
  }
  if (kind == "lesson_conducted" || kind == "lesson") return "тема «" + v.value("topic", "") + "»";
  if (kind == "homework_assigned" || kind == "homework") {
    return "домашнее задание «" + v.value("text", "") + "»";
  }
  if (kind == "remove") return "удалить запись";
  if (kind == "correction_requested") {
    for (const char* inner : {"mark", "attendance", "lesson", "homework", "remove"}) {
      if (v.contains(inner)) {
        return "заявка: " + RecordText(inner, v[inner]) + ", причина «" + v.value("reason", "") +
               "»";
      }
    }
    return "заявка";
  }
  if (kind == "correction_approved") return "исправление одобрено";
  if (kind == "correction_rejected") return "отклонено: «" + v.value("reason", "") + "»";
  if (kind == "correction_withdrawn") return "заявка отозвана";
  if (kind == "absence_reason_set") {
    const std::string r = v.value("reason", "");
    return std::string("причина пропуска: ") + (r == "ABSENCE_REASON_ILLNESS" ? "по болезни"
                                                : r == "ABSENCE_REASON_VALID" ? "уважительная"
                                                                              : "неуважительная");
  }
  return kind;
}
// The names a view gives for its ids (its "names": [{id, name}]); an id without one stays as it is.
struct Names {
  std::map<std::string, std::string> of;
  explicit Names(const json& view) {
    for (const auto& n : view.value("names", json::array())) of[Str(n, "id")] = Str(n, "name");
  }
  std::string operator()(const std::string& id) const {
    auto it = of.find(id);
    return it == of.end() || it->second.empty() ? id : it->second;
  }
};

void PrintDiary(const json& week) {
  const Names name(week);
  std::printf("Дневник: %s, неделя с %s (запись журнала № %s)\n",
              name(Str(week, "student_id")).c_str(), DateText(week["week_start"]).c_str(),
              Str(week, "as_of_sequence").c_str());
  for (const auto& day : week.value("days", json::array())) {
    const auto lessons = day.value("lessons", json::array());
    if (lessons.empty()) continue;
    std::printf("\n%s\n", DateText(day["date"]).c_str());
    for (const auto& dl : lessons) {
      const json& l = dl["lesson"];
      std::string about;
      if (!l.value("topic", "").empty()) about = "тема: " + l.value("topic", "");
      for (const auto& h : l.value("homework", json::array())) {
        about += (about.empty() ? "" : "; ") + std::string("дз: ") + h.value("text", "");
      }
      std::string line = "  " + std::to_string(l.value("period", 0)) + ". " +
                         Column(name(l.value("subject_id", "")), 22) + " " +
                         Column(MarksText(dl.value("cell", json::object())), 8) + about +
                         (dl.value("new_since_acknowledgement", false) ? "  (новое)" : "");
      line.erase(line.find_last_not_of(' ') + 1);
      std::printf("%s\n", line.c_str());
    }
  }
  const auto terms = week.value("term_marks", json::array());
  if (!terms.empty()) {
    std::printf("\nОтметки за периоды:\n");
    for (const auto& t : terms) {
      const std::string status = t.value("status", "");
      std::printf("  %s %s %s\n", Column(name(t.value("subject_id", "")), 22).c_str(),
                  Column(name(t.value("key", "")), 16).c_str(),
                  status == "ATTESTATION_STATUS_NOT_ATTESTED" ? "н/а"
                  : status == "ATTESTATION_STATUS_EXEMPT"
                      ? "осв"
                      : std::to_string(t.value("value", 0)).c_str());
    }
  }
}

void PrintJournal(const json& page) {
  const auto lessons = page.value("lessons", json::array());
  const Names name(page);
  std::printf(
      "Журнал: %s%s, %s, %s (запись журнала № %s)\n", name(Str(page, "class_id")).c_str(),
      Str(page, "subgroup_id").empty() ? "" : (" (" + name(Str(page, "subgroup_id")) + ")").c_str(),
      name(Str(page, "subject_id")).c_str(), name("term").c_str(),
      Str(page, "as_of_sequence").c_str());
  constexpr size_t kNameWidth = 24;  // "Фамилия Имя", or the id when the school gave no name
  std::printf("%s", Column("", kNameWidth).c_str());
  for (const auto& l : lessons) std::printf(" %5.5s", DateText(l["date"]).c_str());
  std::printf("  за период\n");
  for (const auto& row : page.value("rows", json::array())) {
    std::map<std::string, std::string> cells;
    for (const auto& cell : row.value("cells", json::array())) {
      cells[cell.value("lesson_id", "")] = MarksText(cell);
    }
    const std::string student = row.value("student_name", "");
    std::printf(
        "%s", Column(student.empty() ? row.value("student_id", "") : student, kNameWidth).c_str());
    for (const auto& l : lessons) {
      std::printf(" %s", Right(cells[l.value("lesson_id", "")], 5).c_str());
    }
    // The recorded period mark, else the suggested one in brackets (R-TERM-1).
    const json tm = row.value("term_mark", json::object());
    const std::string status = tm.value("status", "");
    std::string mark = tm.value("value", 0) != 0 ? std::to_string(tm.value("value", 0))
                       : status == "ATTESTATION_STATUS_EXEMPT"       ? "осв"
                       : status == "ATTESTATION_STATUS_NOT_ATTESTED" ? "н/а"
                       : row.value("suggested_mark", 0) != 0
                           ? "(" + std::to_string(row.value("suggested_mark", 0)) + ")"
                           : "—";
    std::printf("  %s отметок %d из %d, ср. %s\n", Column(mark, 4).c_str(),
                row.value("marks_count", 0), row.value("marks_needed", 0),
                row.value("weighted_mean_x100", 0)
                    ? Mean(row.value("weighted_mean_x100", 0)).c_str()
                    : "—");
  }
  std::printf("\nТемы:\n");
  bool any = false;
  for (const auto& l : lessons) {
    if (l.value("topic", "").empty()) continue;
    any = true;
    std::printf("  %s, %d-й урок: %s\n", DateText(l["date"]).c_str(), l.value("period", 0),
                l.value("topic", "").c_str());
  }
  if (!any) std::printf("  не записаны\n");
}

// A cell's history: what it shows now, then every event that touched it, oldest first.
void PrintHistory(const json& h, const std::string& zone) {
  std::printf("Сейчас в ячейке: %s\n", MarksText(h.value("current", json::object())).empty()
                                           ? "пусто"
                                           : MarksText(h["current"]).c_str());
  for (const auto& e : h.value("events", json::array())) {
    const json body = json::parse(e.value("body_json", "{}"), nullptr, false);
    const std::string type = e.value("type", "");
    const std::string superseded = Str(e, "superseded_by");
    const std::string state = e.value("invalid", false) ? "недействительно по акту"
                              : !superseded.empty() && superseded != "0" ? "заменено"
                                                                         : "";
    std::printf(
        "  %s  %s  %s%s\n",
        MomentText(std::strtoll(Str(e, "recorded_at_us").c_str(), nullptr, 10), zone).c_str(),
        Column(e.value("actor_name", "").empty() ? "служебная запись" : e.value("actor_name", ""),
               24)
            .c_str(),
        RecordText(type, body.is_object() ? body.value(type, json::object()) : json()).c_str(),
        state.empty() ? "" : ("  (" + state + ")").c_str());
  }
}

// The deputy's queue (R-COR-3): each request by date, class, subject and student, what it asks for
// and why, and who asked.
void PrintCorrections(const json& q) {
  const auto requests = q.value("requests", json::array());
  std::printf("Заявки на исправление, ждут решения: %zu\n", requests.size());
  for (const auto& r : requests) {
    const json p = r.value("proposal", json::object());
    std::string what;
    for (const char* kind : {"mark", "attendance", "lesson", "homework", "remove"}) {
      if (p.contains(kind)) what = RecordText(kind, p[kind]);
    }
    std::string where = r.value("class_name", "");
    for (const char* k : {"subject_name", "student_name"}) {
      if (!r.value(k, "").empty()) where += (where.empty() ? "" : ", ") + r.value(k, "");
    }
    std::printf("  %s %s: %s%s; причина «%s»; подал(а) %s\n",
                DateText(r.value("business_date", json::object())).c_str(), where.c_str(),
                what.c_str(), Str(r, "original_sequence").empty() ? " (внесение после срока)" : "",
                r.value("reason", "").c_str(), r.value("requester_name", "").c_str());
  }
}

// The path of a read from the flags (and the session's school).
using ReadPath = Result<std::string> (*)(const Common& c, const Flags& f, const Session& s);
// Prints the answer as a table; empty: the JSON, indented.
using ReadPrint = std::function<void(const json& answer)>;

// The run of a read: the answer as `print` shows it, or the server's JSON with --json.
std::function<int()> Read(std::shared_ptr<Common> c, std::shared_ptr<Flags> f, ReadPath path,
                          ReadPrint print) {
  return [c, f, path, print] {
    auto s = ResolveReader(*c);
    if (!s) return Fail(s.error());
    auto p = path(*c, *f, *s);
    if (!p) return Fail(p.error());
    auto j = GetJson(*c, *s, *p);
    if (!j) return Fail(j.error());
    if (c->json || print == nullptr) {
      std::printf("%s\n", j->dump(c->json ? -1 : 2).c_str());
    } else {
      print(*j);
    }
    return 0;
  };
}

Result<std::string> DiaryPath(const Common&, const Flags& f, const Session& s) {
  return "/api/v1/schools/" + s.school_id + "/students/" + f.student + "/diary" +
         (f.week.empty() ? "" : "?week=" + f.week);
}

// The page now, or as of a moment in the school's time.
Result<std::string> JournalPath(const Common& c, const Flags& f, const Session& s) {
  std::string p = "/api/v1/schools/" + s.school_id + "/classes/" + f.cls + "/subjects/" +
                  f.subject + "/terms/" + std::to_string(f.term) +
                  "/journal?subgroup=" + f.subgroup;
  if (!f.as_of.empty()) {
    EJ_ASSIGN_OR_RETURN(int64_t at, MomentArg(f.as_of, c.zone));
    p += "&as_of_us=" + std::to_string(at);
    if (!f.mode.empty()) p += "&mode=" + f.mode;
  }
  return p;
}

Result<std::string> HistoryPath(const Common&, const Flags& f, const Session& s) {
  return "/api/v1/schools/" + s.school_id + "/lessons/" + f.lesson + "/students/" + f.student +
         "/history";
}

Result<std::string> CorrectionsPath(const Common&, const Flags&, const Session& s) {
  return "/api/v1/schools/" + s.school_id + "/corrections";
}

// The report's parameters go into the query as they were given (key=value).
Result<std::string> ReportPath(const Common&, const Flags& f, const Session& s) {
  std::string p = "/api/v1/schools/" + s.school_id + "/reports/" + f.id;
  char sep = '?';
  for (const auto& kv : f.params) {
    p += sep + kv;
    sep = '&';
  }
  return p;
}

Result<std::string> EntryPath(const Common&, const Flags& f, const Session&) {
  return "/api/v1/ledger/entries/" + std::to_string(f.sequence);
}

}  // namespace

// An instant (µs) in the school's zone as "06.10.2025 09:00" (UTC when the zone is unknown).
std::string MomentText(int64_t unix_us, const std::string& zone_name) {
  auto zone = school::SchoolZone::Find(zone_name);
  if (!zone) zone = school::SchoolZone::Find("UTC");
  if (!zone) return "";
  const school::Day day = zone->LocalDay(unix_us);
  const int minutes = zone->LocalMinutes(unix_us);
  char buf[32];
  const v1::Date d = school::DateOf(day);
  std::snprintf(buf, sizeof buf, "%02d.%02d.%04d %02d:%02d", d.day(), d.month(), d.year(),
                minutes / 60, minutes % 60);
  return buf;
}

void AddReadCommands(Verbs& v) {
  auto c = v.c;
  auto f = v.f;
  auto* diary =
      v.Add("diary", "a student's diary week", Use::kReading, Read(c, f, DiaryPath, PrintDiary));
  diary->add_option("--student", f->student, "student")->required();
  diary->add_option("--week", f->week, "a day of the week, YYYY-MM-DD (default: this week)");

  auto* journal = v.Add("journal", "a journal page (class × subject × term), now or as of a moment",
                        Use::kReading, Read(c, f, JournalPath, PrintJournal));
  journal->add_option("--class", f->cls, "class")->required();
  journal->add_option("--subject", f->subject, "subject")->required();
  journal->add_option("--term", f->term, "term number")->capture_default_str();
  journal->add_option("--subgroup", f->subgroup, "subgroup");
  journal->add_option("--as-of", f->as_of, "\"YYYY-MM-DD HH:MM\": the page as it was then");
  journal->add_option("--mode", f->mode, "as_shown_then or with_later_invalidations");
  journal->add_option("--zone", c->zone, "the school's time zone")->capture_default_str();

  auto* history =
      v.Add("history", "a cell's full history (who, when, corrected, invalidated)", Use::kReading,
            Read(c, f, HistoryPath, [c](const json& h) { PrintHistory(h, c->zone); }));
  history->add_option("--zone", c->zone, "the school's time zone")->capture_default_str();
  history->add_option("--lesson", f->lesson, "lesson")->required();
  history->add_option("--student", f->student, "student")->required();

  v.Add("corrections", "the deputy's queue of pending corrections (R-COR-3)", Use::kReading,
        Read(c, f, CorrectionsPath, PrintCorrections));

  auto* report =
      v.Add("report", "a report: monthly-control, class-progress, summary-statement, ...",
            Use::kReading, Read(c, f, ReportPath, nullptr));
  report->add_option("name", f->id, "the report")->required();
  report->add_option("params", f->params, "key=value parameters (class=c05-1 year_id=2025 ...)");

  auto* entry = v.Add("entry", "a ledger entry with its signed body", Use::kReading,
                      Read(c, f, EntryPath, nullptr));
  entry->add_option("--sequence", f->sequence, "the entry")->required();
}

}  // namespace ejournal::client
