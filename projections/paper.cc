#include "projections/paper.h"

#include <algorithm>
#include <map>
#include <vector>

#include "projections/school_time.h"

namespace ejournal::school {
namespace {

const char kStyle[] =
    "body{font-family:'DejaVu Sans',Arial,sans-serif;font-size:10pt;margin:0}"
    "h1{font-size:14pt;margin:0 0 2mm}h2{font-size:11pt;margin:4mm 0 1mm}"
    "p{margin:1mm 0}table{border-collapse:collapse;width:100%;margin-bottom:2mm}"
    "th,td{border:0.3mm solid #000;padding:0.8mm 1.2mm;vertical-align:top}"
    "th{background:#eee;font-weight:bold}td.m{text-align:center;white-space:nowrap}"
    ".stamp{margin-top:4mm;font-size:8pt;border-top:0.3mm solid #000;padding-top:1mm}"
    ".stamp code{font-size:7.5pt;word-break:break-all}.sign{margin-top:6mm}"
    "@media screen{body{margin:10mm}}";

std::string DateText(const v1::Date& d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d.%02d.%04d", d.day(), d.month(), d.year());
  return buf;
}

std::string SubjectName(const School& school, const std::string& id) {
  auto it = school.subjects.find(id);
  return it == school.subjects.end() ? id : it->second.name;
}

std::string ClassName(const School& school, const std::string& id) {
  auto it = school.classes.find(id);
  if (it == school.classes.end()) return id;
  return std::to_string(it->second.grade) + it->second.letter;
}

std::string AttestationText(int value, v1::AttestationStatus status) {
  switch (status) {
    case v1::ATTESTATION_STATUS_EXEMPT:
      return "осв";
    case v1::ATTESTATION_STATUS_NOT_ATTESTED:
      return "н/а";
    case v1::ATTESTATION_STATUS_PASSED:
      return "зач";
    case v1::ATTESTATION_STATUS_FAILED:
      return "незач";
    default:
      return value > 0 ? std::to_string(value) : "";
  }
}

std::string AttendanceText(const v1::CellView& cell) {
  if (cell.attendance() == v1::ATTENDANCE_STATUS_LATE) {
    return "оп" +
           (cell.minutes_late() > 0 ? " " + std::to_string(cell.minutes_late()) + " мин" : "");
  }
  if (cell.attendance() != v1::ATTENDANCE_STATUS_ABSENT) return "";
  switch (cell.absence_reason()) {  // R-ATT-2's letters
    case v1::ABSENCE_REASON_ILLNESS:
      return "б";
    case v1::ABSENCE_REASON_VALID:
      return "уп";
    case v1::ABSENCE_REASON_NOT_VALID:
      return "нп";
    default:
      return "н";
  }
}

// "<student>/<subject>/<year>/<kind>/<term>" (TermKey) as "1 четверть", "год", "итог".
std::string PeriodText(const std::string& key) {
  std::vector<std::string> parts;
  size_t from = 0;
  for (size_t at = key.find('/'); at != std::string::npos; at = key.find('/', from)) {
    parts.push_back(key.substr(from, at - from));
    from = at + 1;
  }
  parts.push_back(key.substr(from));
  if (parts.size() != 5) return "аттестация";
  if (parts[3] == std::to_string(static_cast<int>(v1::PERIOD_KIND_TERM))) {
    return parts[4] + " четверть";
  }
  return parts[3] == std::to_string(static_cast<int>(v1::PERIOD_KIND_YEAR)) ? "год" : "итог";
}

std::string Page(const std::string& title, const std::string& orientation,
                 const std::string& body) {
  return "<!DOCTYPE html>\n<html lang=\"ru\"><head><meta charset=\"utf-8\"><title>" +
         HtmlEscape(title) + "</title><style>@page{size:A4 " + orientation + ";margin:12mm}" +
         kStyle + "</style></head><body>\n" + body + "</body></html>\n";
}

std::string Stamp(const PaperStamp& stamp, uint64_t as_of) {
  return "<div class=\"stamp\">Данные журнала по состоянию на запись № " + std::to_string(as_of) +
         " реестра «" + HtmlEscape(stamp.origin) + "»; подписанная контрольная точка: размер " +
         std::to_string(stamp.tree_size) + ", корень <code>" + HtmlEscape(stamp.root_hex) +
         "</code>. Напечатано " + HtmlEscape(stamp.printed_at) +
         ". Проверка: <code>ejournal proof consistency --old-size " + std::to_string(as_of) +
         "</code> и <code>ejournal checkpoint</code> у оператора реестра.</div>\n";
}

}  // namespace

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string SummaryStatementHtml(const School& school, const v1::SummaryStatementView& view,
                                 const PaperStamp& stamp) {
  const std::string cls = ClassName(school, view.class_id());
  std::string year = view.academic_year_id();
  if (year.size() == 4) year += "/" + std::to_string(std::stoi(year) + 1);
  std::string b = "<h1>Сводная ведомость учёта успеваемости обучающихся " + HtmlEscape(cls) +
                  " класса</h1>\n<p>" + HtmlEscape(school.name) + ", " + HtmlEscape(year) +
                  " учебный год</p>\n";
  // Columns: per subject the terms that occur, then the year mark.
  std::map<std::string, std::map<int, int>> columns;  // subject -> (order key -> term number)
  for (const auto& row : view.rows()) {
    for (const auto& m : row.marks()) {
      const int key = m.kind() == v1::PERIOD_KIND_TERM   ? m.term_number()
                      : m.kind() == v1::PERIOD_KIND_YEAR ? 100
                                                         : 200;
      columns[m.subject_id()][key] = m.term_number();
    }
  }
  b += "<table><thead><tr><th rowspan=\"2\">№</th><th rowspan=\"2\">Обучающийся</th>";
  std::string second;
  for (const auto& subject : view.subject_ids()) {
    auto& cols = columns[subject];
    if (cols.empty()) cols[100] = 0;
    b += "<th colspan=\"" + std::to_string(cols.size()) + "\">" +
         HtmlEscape(SubjectName(school, subject)) + "</th>";
    for (const auto& [key, term] : cols) {
      second += "<th>" +
                std::string(key == 100   ? "год"
                            : key == 200 ? "итог"
                                         : std::to_string(term) + " ч.") +
                "</th>";
    }
  }
  b += "</tr><tr>" + second + "</tr></thead><tbody>\n";
  // The class list by name, as a paper statement is kept (the view lists rows by id).
  std::vector<const v1::SummaryRowView*> rows;
  for (const auto& row : view.rows()) rows.push_back(&row);
  std::stable_sort(rows.begin(), rows.end(), [&](const auto* x, const auto* y) {
    return school.UserName(x->student_id()) < school.UserName(y->student_id());
  });
  int n = 0;
  for (const v1::SummaryRowView* r : rows) {
    const v1::SummaryRowView& row = *r;
    std::map<std::pair<std::string, int>, std::string> cell;
    for (const auto& m : row.marks()) {
      const int key = m.kind() == v1::PERIOD_KIND_TERM   ? m.term_number()
                      : m.kind() == v1::PERIOD_KIND_YEAR ? 100
                                                         : 200;
      cell[{m.subject_id(), key}] = AttestationText(m.value(), m.status());
    }
    b += "<tr><td>" + std::to_string(++n) + "</td><td>" +
         HtmlEscape(school.UserName(row.student_id())) + "</td>";
    for (const auto& subject : view.subject_ids()) {
      for (const auto& [key, term] : columns[subject]) {
        auto it = cell.find({subject, key});
        b += "<td class=\"m\">" + (it == cell.end() ? std::string() : HtmlEscape(it->second)) +
             "</td>";
      }
    }
    b += "</tr>\n";
  }
  b += "</tbody></table>\n<p class=\"sign\">Классный руководитель ____________________ "
       "Заместитель директора по УВР ____________________ Директор ____________________</p>\n";
  b += Stamp(stamp, view.as_of_sequence());
  return Page("Сводная ведомость " + cls, "landscape", b);
}

std::string DiaryWeekHtml(const School& school, const v1::DiaryWeekView& view,
                          const PaperStamp& stamp) {
  static const char* const kWeekdays[] = {"",        "Понедельник", "Вторник", "Среда",
                                          "Четверг", "Пятница",     "Суббота", "Воскресенье"};
  std::string cls;
  auto st = school.students.find(view.student_id());
  if (st != school.students.end() && !st->second.memberships.empty()) {
    cls = ClassName(school, st->second.memberships.back().class_id);
  }
  const auto first = DayOf(view.week_start());
  const std::string range =
      DateText(view.week_start()) + " – " + (first ? DateText(DateOf(*first + 6)) : std::string());
  const std::string student = school.UserName(view.student_id());
  std::string b = "<h1>Дневник обучающегося " + HtmlEscape(student) +
                  (cls.empty() ? "" : ", " + HtmlEscape(cls) + " класс") + "</h1>\n<p>" +
                  HtmlEscape(school.name) + ", неделя " + HtmlEscape(range) + "</p>\n";
  for (const auto& day : view.days()) {
    if (day.lessons().empty()) continue;
    const auto d = DayOf(day.date());
    b += "<h2>" + std::string(d ? kWeekdays[WeekdayOf(*d)] : "") + ", " + DateText(day.date()) +
         "</h2>\n<table><thead><tr><th>Урок</th><th>Предмет</th><th>Тема урока</th>"
         "<th>Домашнее задание</th><th>Отметки</th><th>Посещ.</th></tr></thead><tbody>\n";
    for (const auto& dl : day.lessons()) {
      const v1::LessonView& l = dl.lesson();
      std::string homework;
      for (const auto& h : l.homework()) {
        if (!homework.empty()) homework += "; ";
        homework += HtmlEscape(h.text());
      }
      std::string marks;
      for (const auto& m : dl.cell().marks()) {
        if (!marks.empty()) marks += " ";
        marks += std::to_string(m.value());
        if (m.second_value() != 0) marks += "/" + std::to_string(m.second_value());
      }
      b += "<tr><td class=\"m\">" + std::to_string(l.period()) + "</td><td>" +
           HtmlEscape(SubjectName(school, l.subject_id())) + "</td><td>" +
           (l.cancelled() ? std::string("урок отменён") : HtmlEscape(l.topic())) + "</td><td>" +
           homework + "</td><td class=\"m\">" + marks + "</td><td class=\"m\">" +
           HtmlEscape(AttendanceText(dl.cell())) + "</td></tr>\n";
    }
    b += "</tbody></table>\n";
  }
  if (!view.term_marks().empty()) {
    b += "<h2>Отметки за четверти и год</h2>\n<table><thead><tr><th>Предмет</th><th>Период</th>"
         "<th>Отметка</th></tr></thead><tbody>\n";
    for (const auto& t : view.term_marks()) {
      b += "<tr><td>" + HtmlEscape(SubjectName(school, t.subject_id())) + "</td><td>" +
           HtmlEscape(PeriodText(t.key())) + "</td><td class=\"m\">" +
           HtmlEscape(AttestationText(t.value(), t.status())) + "</td></tr>\n";
    }
    b += "</tbody></table>\n";
  }
  b += "<p class=\"sign\">С дневником ознакомлен(а): ____________________ (подпись родителя "
       "(законного представителя)) «___» ____________ 20___ г.</p>\n";
  b += Stamp(stamp, view.as_of_sequence());
  return Page("Дневник " + student + " " + range, "portrait", b);
}

}  // namespace ejournal::school
