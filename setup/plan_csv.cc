#include "setup/plan_csv.h"

#include <google/protobuf/util/message_differencer.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <map>
#include <utility>

#include "setup/csv.h"
#include "setup/internal/reading.h"
#include "setup/internal/text.h"

namespace ejournal::setup {
namespace {

using namespace internal;  // NOLINT: the reader is made of the text helpers

struct WorkName {
  const char* name;
  v1::WorkType type;
};

// The names a КТП gives its checks (compared by NameKey, as a prefix of the cell).
constexpr WorkName kWorkNames[] = {
    {"контрольная работа", v1::WORK_TYPE_CONTROL_WORK},
    {"контрольная", v1::WORK_TYPE_CONTROL_WORK},
    {"к/р", v1::WORK_TYPE_CONTROL_WORK},
    {"кр", v1::WORK_TYPE_CONTROL_WORK},
    {"диктант", v1::WORK_TYPE_DICTATION},
    {"контрольный диктант", v1::WORK_TYPE_DICTATION},
    {"словарный диктант", v1::WORK_TYPE_DICTATION},
    {"диктант с грамматическим заданием", v1::WORK_TYPE_DICTATION_WITH_GRAMMAR_TASK},
    {"контрольный диктант с грамматическим заданием", v1::WORK_TYPE_DICTATION_WITH_GRAMMAR_TASK},
    {"лабораторная работа", v1::WORK_TYPE_LAB},
    {"л/р", v1::WORK_TYPE_LAB},
    {"лр", v1::WORK_TYPE_LAB},
    {"практическая работа", v1::WORK_TYPE_PRACTICAL},
    {"п/р", v1::WORK_TYPE_PRACTICAL},
    {"пр", v1::WORK_TYPE_PRACTICAL},
    {"проверочная работа", v1::WORK_TYPE_VERIFICATION_WORK},
    {"сочинение", v1::WORK_TYPE_ESSAY},
    {"изложение", v1::WORK_TYPE_EXPOSITION},
    {"тест", v1::WORK_TYPE_TEST},
    {"тестирование", v1::WORK_TYPE_TEST},
    {"самостоятельная работа", v1::WORK_TYPE_INDEPENDENT_WORK},
    {"с/р", v1::WORK_TYPE_INDEPENDENT_WORK},
    {"зачет", v1::WORK_TYPE_ORAL_TEST},
    {"проект", v1::WORK_TYPE_PROJECT},
    {"защита проекта", v1::WORK_TYPE_PROJECT},
    {"творческая работа", v1::WORK_TYPE_CREATIVE_WORK},
    {"выразительное чтение", v1::WORK_TYPE_RECITATION},
    {"чтение наизусть", v1::WORK_TYPE_RECITATION},
    {"домашняя работа", v1::WORK_TYPE_HOMEWORK},
    {"ответ на уроке", v1::WORK_TYPE_ANSWER_IN_CLASS},
    {"устный ответ", v1::WORK_TYPE_ANSWER_IN_CLASS},
    {"грамотность", v1::WORK_TYPE_LITERACY},
    {"другое", v1::WORK_TYPE_OTHER},
};

enum Column { kNumber, kTopic, kHours, kWork, kColumnCount };

const std::vector<std::vector<std::string>>& Synonyms() {
  static const std::vector<std::vector<std::string>> kSynonyms = {
      {"№ урока", "№", "№ п/п", "Номер урока", "№ урока п/п"},
      {"Тема урока", "Тема", "Наименование темы", "Тема занятия", "Наименование раздела, темы"},
      {"Кол-во часов", "Количество часов", "Часы", "Часов", "Кол. часов"},
      {"Вид работы", "Контроль", "Вид контроля", "Форма контроля", "Формы контроля",
       "Вид работы / контроль"},
  };
  return kSynonyms;
}

std::array<int, kColumnCount> ColumnsOf(const std::vector<std::string>& header,
                                        std::vector<std::string>* unknown) {
  std::array<int, kColumnCount> at;
  at.fill(-1);
  for (size_t i = 0; i < header.size(); ++i) {
    bool known = false;
    for (int c = 0; c < kColumnCount; ++c) {
      for (const std::string& name : Synonyms()[c]) {
        if (HeaderKey(name) == HeaderKey(header[i]) && at[c] < 0) at[c] = static_cast<int>(i);
        known = known || HeaderKey(name) == HeaderKey(header[i]);
      }
    }
    if (!known && unknown != nullptr && !header[i].empty()) unknown->push_back(header[i]);
  }
  return at;
}

// "7" -> (7, 7); "5-6" -> (5, 6).
std::optional<std::pair<int, int>> LessonNumbers(const std::string& s) {
  int a = 0, b = 0;
  char dash = 0, tail = 0;
  const int n = std::sscanf(s.c_str(), "%d%c%d%c", &a, &dash, &b, &tail);
  if (n == 1 && s.find_first_not_of("0123456789") == std::string::npos)
    b = a;
  else if (!(n == 3 && (dash == '-' || dash == ',')))
    return std::nullopt;
  if (a < 1 || b < a || b - a > 20) return std::nullopt;
  return std::make_pair(a, b);
}

}  // namespace

std::string WorkTypeText(v1::WorkType type) {
  if (type == v1::WORK_TYPE_UNSPECIFIED) return "";
  if (type == v1::WORK_TYPE_INTERNAL_MONITORING_CONTROL_WORK) return "контрольная работа (ВШК)";
  for (const WorkName& w : kWorkNames) {
    if (w.type == type) return w.name;
  }
  return "";
}

std::optional<v1::WorkType> WorkTypeOf(std::string_view raw) {
  std::string text = NameKey(raw);
  if (text.empty() || text == "-" || text == "—" || text == "–" || text == "нет") {
    return v1::WORK_TYPE_UNSPECIFIED;
  }
  const bool monitoring = text.find("вшк") != std::string::npos ||
                          text.find("мониторинг") != std::string::npos ||
                          text.rfind("административная", 0) == 0;
  const WorkName* best = nullptr;
  for (const WorkName& w : kWorkNames) {
    const std::string_view name = w.name;
    if (text.rfind(name, 0) != 0) continue;
    // A whole word: "тест" is not the start of "тестовое задание по ..." unless it ends there.
    if (text.size() > name.size()) {
      const std::u32string next = ToUtf32(text.substr(name.size(), 4));
      const char32_t c = next.empty() ? U' ' : next[0];
      if ((c >= 0x0430 && c <= 0x044F) || (c >= 'a' && c <= 'z')) continue;
    }
    if (best == nullptr || name.size() > std::string_view(best->name).size()) best = &w;
  }
  if (best == nullptr) {
    return monitoring ? std::optional(v1::WORK_TYPE_INTERNAL_MONITORING_CONTROL_WORK)
                      : std::nullopt;
  }
  if (monitoring && best->type == v1::WORK_TYPE_CONTROL_WORK) {
    return v1::WORK_TYPE_INTERNAL_MONITORING_CONTROL_WORK;
  }
  return best->type;
}

PlanInput ReadPlanCsv(std::string_view bytes, std::string_view file_name) {
  PlanInput out;
  const std::string file(file_name);
  auto table = ParseCsv(bytes, file);
  if (!table) {
    out.problems.push_back(FileProblem(table.error(), file, "R-PLAN-1"));
    return out;
  }
  size_t header_index = 0;
  for (size_t i = 0; i < table->records.size() && i < 10; ++i) {
    std::vector<std::string> fields;
    for (const auto& f : table->records[i].fields) fields.push_back(CollapseSpaces(f));
    if (ColumnsOf(fields, nullptr)[kTopic] >= 0) {
      header_index = i;
      break;
    }
  }
  auto sheet = SheetOf(*table, header_index);
  if (!sheet) {
    out.problems.push_back(FileProblem(sheet.error(), file, "R-PLAN-1"));
    return out;
  }
  std::vector<std::string> unknown;
  const auto cols = ColumnsOf(sheet->header, &unknown);
  if (cols[kTopic] < 0) {
    out.problems.push_back(RowReport{SourceRow{file, sheet->header_line}, RowStatus::kRefused,
                                     "в заголовке нет столбца «Тема урока»", "R-PLAN-1"});
    return out;
  }
  out.notes.push_back(file + ": " + Describe(*table));
  if (!unknown.empty()) {
    std::string list;
    for (const auto& u : unknown) list += (list.empty() ? "«" : ", «") + u + "»";
    out.notes.push_back(file + ": не используются столбцы " + list);
  }
  int last_number = 0;
  for (const CsvRecord& r : sheet->rows) {
    const SourceRow at{file, r.line};
    out.rows.push_back(at);
    auto cell = [&](Column c) {
      return cols[c] < 0 ? std::string() : CollapseSpaces(r.fields[cols[c]]);
    };
    auto refuse = [&](const std::string& what) {
      out.problems.push_back(RowReport{at, RowStatus::kRefused, what, "R-PLAN-1"});
    };
    const std::string number = cell(kNumber), title = cell(kTopic), hours = cell(kHours);
    if (cols[kNumber] >= 0 && number.empty()) {
      out.problems.push_back(RowReport{
          at, RowStatus::kSkipped,
          title.empty() ? "пустая строка" : "заголовок раздела «" + title + "», не тема", ""});
      continue;
    }
    v1::PlannedTopic topic;
    size_t before = out.problems.size();
    int lessons = 1;
    if (!number.empty()) {
      auto n = LessonNumbers(number);
      if (!n) {
        refuse("поле «№ урока»: «" + number + "» — не номер урока");
      } else if (n->first <= last_number) {
        refuse("поле «№ урока»: " + number + " не больше предыдущего номера (" +
               std::to_string(last_number) + ")");
      } else {
        last_number = n->second;
        lessons = n->second - n->first + 1;
      }
    }
    if (title.empty()) refuse("поле «Тема урока»: пусто");
    int h = lessons;
    if (!hours.empty()) {
      h = hours.find_first_not_of("0123456789") == std::string::npos && hours.size() <= 3
              ? std::stoi(hours)
              : 0;
      if (h < 1) refuse("поле «Кол-во часов»: «" + hours + "» — не целое число часов (от 1)");
    }
    const std::string work = cell(kWork);
    auto type = WorkTypeOf(work);
    if (!type) {
      refuse("поле «Вид работы»: «" + work +
             "» не распознан (например: контрольная работа, диктант, лабораторная работа, "
             "проверочная работа, сочинение, изложение, тест)");
    }
    if (out.problems.size() != before) continue;
    topic.set_number(static_cast<int>(out.topics.size()) + 1);
    topic.set_title(title);
    topic.set_hours(h);
    topic.set_planned_work_type(*type);
    out.topics.push_back(PlanTopicRow{at, std::move(topic)});
  }
  return out;
}

ImportPlan PlanTopicsImport(const PlanInput& input, const PlanTarget& target,
                            const school::School* school, const v1::PlannedTopicsSet* recorded) {
  ImportPlan plan;
  plan.notes = input.notes;
  const std::string file = input.rows.empty() ? std::string("КТП") : input.rows.front().file;
  std::vector<RowReport> refusals;
  auto refuse = [&](std::string message) {
    refusals.push_back(
        RowReport{SourceRow{file, 0}, RowStatus::kRefused, std::move(message), "R-PLAN-1"});
  };
  const school::SchoolClass* cls = nullptr;
  if (school != nullptr) {
    if (auto it = school->classes.find(target.class_id); it != school->classes.end())
      cls = &it->second;
  }
  if (cls == nullptr) {
    refusals.push_back(RowReport{SourceRow{file, 0}, RowStatus::kRefused,
                                 "класса «" + target.class_id + "» в школе нет", "R-SET-1"});
  } else {
    if (!school->subjects.contains(target.subject_id)) {
      refusals.push_back(RowReport{SourceRow{file, 0}, RowStatus::kRefused,
                                   "предмета «" + target.subject_id + "» в школе нет", "R-SET-1"});
    }
    if (!target.subgroup_id.empty()) {
      auto g = school->subgroups.find(target.subgroup_id);
      if (g == school->subgroups.end() || g->second.class_id != target.class_id) {
        refuse("подгруппы «" + target.subgroup_id + "» в классе «" + target.class_id + "» нет");
      }
    }
    auto y = school->years.find(target.academic_year_id);
    if (y == school->years.end() || cls->year_id != target.academic_year_id) {
      refuse("класс «" + target.class_id + "» не из учебного года «" + target.academic_year_id +
             "»");
    } else {
      const school::TermScheme* scheme = y->second.SchemeFor(cls->grade);
      const int terms = scheme == nullptr ? 0 : static_cast<int>(scheme->terms.size());
      if (target.term_number < 0 || target.term_number > terms) {
        refuse("учебного периода " + std::to_string(target.term_number) + " у класса нет (их " +
               std::to_string(terms) + "; 0 — весь год)");
      }
    }
  }
  if (input.topics.empty() && refusals.empty()) refuse("в файле нет ни одной темы");
  v1::EventBody body;
  auto* p = body.mutable_planned_topics_set();
  p->set_plan_id(!target.plan_id.empty()
                     ? target.plan_id
                     : "ktp-" + target.class_id + "-" + target.subject_id +
                           (target.subgroup_id.empty() ? "" : "-" + target.subgroup_id) + "-t" +
                           std::to_string(target.term_number));
  p->set_class_id(target.class_id);
  p->set_subgroup_id(target.subgroup_id);
  p->set_subject_id(target.subject_id);
  p->set_academic_year_id(target.academic_year_id);
  p->set_term_number(target.term_number);
  int total = 0;
  for (const PlanTopicRow& t : input.topics) {
    *p->add_topics() = t.topic;
    total += t.topic.hours();
  }
  const bool same =
      recorded != nullptr && google::protobuf::util::MessageDifferencer::Equals(*recorded, *p);
  std::map<SourceRow, RowReport> rows;
  for (const SourceRow& at : input.rows)
    rows[at] = RowReport{at, RowStatus::kUnchanged, "без изменений", ""};
  for (const PlanTopicRow& t : input.topics) {
    const std::string work = WorkTypeText(t.topic.planned_work_type());
    rows[t.at] =
        RowReport{t.at, same ? RowStatus::kUnchanged : RowStatus::kNew,
                  (same ? "без изменений: тема " : "тема ") + std::to_string(t.topic.number()) +
                      " «" + t.topic.title() + "», " + std::to_string(t.topic.hours()) + " ч" +
                      (work.empty() ? "" : ", " + work),
                  ""};
  }
  for (const RowReport& r : input.problems) rows[r.at] = r;
  for (const RowReport& r : refusals) plan.rows.push_back(r);
  for (auto& [at, r] : rows) plan.rows.push_back(std::move(r));
  if (cls != nullptr && plan.ok()) {
    const int weekly = school->WeeklyHours(target.class_id, target.subgroup_id, target.subject_id,
                                           school->years.at(target.academic_year_id).first);
    plan.notes.push_back("Всего часов по плану: " + std::to_string(total) +
                         (weekly > 0 ? "; нагрузка: " + std::to_string(weekly) + " ч в неделю"
                                     : "; нагрузки на этот класс и предмет пока нет"));
  }
  if (plan.ok() && !same) plan.bodies.push_back(std::move(body));
  return plan;
}

ImportPlan PlanKtpImport(std::string_view bytes, std::string_view file_name,
                         const PlanTarget& target, const school::School* school,
                         const v1::PlannedTopicsSet* recorded) {
  return PlanTopicsImport(ReadPlanCsv(bytes, file_name), target, school, recorded);
}

}  // namespace ejournal::setup
