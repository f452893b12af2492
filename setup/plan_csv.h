// The calendar-thematic plan (КТП) spreadsheet of one class-subject: one row per planned topic.
//
// | column (synonyms)                                                  | required | notes |
// |---|---|---|
// | № урока (№, № п/п, Номер урока)                                    | no       | increasing;
// "5-6" is one topic of two lessons | | Тема урока (Тема, Наименование темы, Тема занятия) | yes |
// as it will be written in the journal | | Кол-во часов (Количество часов, Часы, Часов) | no | a
// whole number ≥ 1; empty = 1 (or the lessons of "5-6") | | Вид работы (Контроль, Вид контроля,
// Форма контроля)                | no       | a planned check: WorkTypeOf; empty = none |
//
// With a № column, a row without a number is a section heading ("Раздел 1. Числа (20 ч)") and is
// skipped; title rows above the header are skipped too. Other columns (Дата, Домашнее задание ...)
// are ignored and listed in the notes. The plan's topics are numbered 1..n in file order
// (PlannedTopic.number is the position in the plan, school.proto).
//
// The plan becomes one PlannedTopicsSet for the class, subgroup, subject, year and term the caller
// names (R-PLAN-1: the teacher's or the administrator's plan, before the year). The school state
// keeps no plans, so the caller passes the plan recorded under the same id, if any: the same
// topics again record nothing.
#ifndef EJOURNAL_SETUP_PLAN_CSV_H_
#define EJOURNAL_SETUP_PLAN_CSV_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ejournal/v1/event.pb.h"
#include "projections/school.h"
#include "setup/import_plan.h"
#include "setup/setup_input.h"

namespace ejournal::setup {

// The work type a КТП names ("Контрольная работа № 2", "К/р", "Диктант", "Лабораторная работа",
// "Проверочная работа", "Сочинение", "Изложение", "Тест", "Самостоятельная работа", "Зачёт",
// "Проект", "Творческая работа", "Чтение наизусть" ...; a control work of internal monitoring
// when the text says ВШК, мониторинг or административная): WORK_TYPE_UNSPECIFIED for an empty
// cell or a dash, nullopt for a text it does not know.
std::optional<v1::WorkType> WorkTypeOf(std::string_view text);
// A work type as a Russian journal names it ("контрольная работа"); "" when unspecified.
std::string WorkTypeText(v1::WorkType type);

struct PlanTopicRow {
  SourceRow at;
  v1::PlannedTopic topic;
};

// The rows of a КТП file.
struct PlanInput {
  std::vector<PlanTopicRow> topics;
  std::vector<SourceRow> rows;      // every data row, in file order
  std::vector<RowReport> problems;  // refused and skipped rows
  std::vector<std::string> notes;
};

[[nodiscard]] PlanInput ReadPlanCsv(std::string_view bytes, std::string_view file_name);

// Whose plan it is.
struct PlanTarget {
  std::string plan_id;  // empty: "ktp-<class>-<subject>[-<subgroup>]-t<term>"
  std::string class_id, subgroup_id, subject_id, academic_year_id;
  int term_number = 0;  // 0: the whole year
};

// The plan of `input` for `target` in `school` (null: nothing recorded: refused). `recorded`: the
// plan recorded under the same id, or null.
ImportPlan PlanTopicsImport(const PlanInput& input, const PlanTarget& target,
                            const school::School* school, const v1::PlannedTopicsSet* recorded);

// ReadPlanCsv, then PlanTopicsImport.
ImportPlan PlanKtpImport(std::string_view bytes, std::string_view file_name,
                         const PlanTarget& target, const school::School* school,
                         const v1::PlannedTopicsSet* recorded);

}  // namespace ejournal::setup

#endif  // EJOURNAL_SETUP_PLAN_CSV_H_
