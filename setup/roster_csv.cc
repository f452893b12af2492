#include "setup/roster_csv.h"

#include <algorithm>
#include <array>
#include <map>
#include <optional>

#include "setup/csv.h"
#include "setup/internal/reading.h"
#include "setup/internal/text.h"

namespace ejournal::setup {
namespace {

using namespace internal;  // NOLINT: the reader is made of the text helpers

enum Column {
  kFamily,
  kGiven,
  kMiddle,
  kFull,
  kClass,
  kBirth,
  kLogin,
  kParent1,
  kPhone1,
  kEmail1,
  kParentLogin1,
  kParent2,
  kPhone2,
  kEmail2,
  kParentLogin2,
  kColumnCount
};

struct Synonyms {
  Column column;
  std::vector<std::string> names;  // as written; compared by HeaderKey
};

// The header names a roster column goes by. Unnumbered phone, e-mail and parent-login headers are
// listed under the first parent; Columns() moves them right of the second parent's name.
const std::vector<Synonyms>& Table() {
  static const std::vector<Synonyms> kTable = {
      {kFamily, {"Фамилия", "Фамилия ученика", "Фамилия обучающегося"}},
      {kGiven, {"Имя", "Имя ученика", "Имя обучающегося"}},
      {kMiddle, {"Отчество", "Отчество ученика", "Отчество обучающегося"}},
      {kFull, {"ФИО", "ФИО ученика", "ФИО обучающегося", "Ученик", "Обучающийся"}},
      {kClass, {"Класс", "Класс ученика"}},
      {kBirth, {"Дата рождения", "ДР", "Дата рождения ученика"}},
      {kLogin, {"Логин", "Логин ученика"}},
      {kParent1,
       {"ФИО родителя", "Родитель", "Законный представитель", "ФИО законного представителя",
        "ФИО родителя 1", "Родитель 1", "Законный представитель 1",
        "ФИО родителя (законного "
        "представителя)"}},
      {kPhone1,
       {"Телефон", "Телефон родителя", "Телефон родителя 1", "Телефон 1", "Мобильный телефон",
        "Телефон законного представителя"}},
      {kEmail1,
       {"E-mail", "Email", "Эл. почта", "Электронная почта", "Почта", "E-mail родителя",
        "E-mail родителя 1", "E-mail 1", "Эл. почта родителя", "Электронная почта родителя"}},
      {kParentLogin1, {"Логин родителя", "Логин родителя 1"}},
      {kParent2,
       {"ФИО родителя 2", "Родитель 2", "Законный представитель 2", "Второй родитель",
        "ФИО законного представителя 2"}},
      {kPhone2, {"Телефон родителя 2", "Телефон 2"}},
      {kEmail2,
       {"E-mail родителя 2", "E-mail 2", "Эл. почта 2", "Эл. почта родителя 2",
        "Электронная почта родителя 2"}},
      {kParentLogin2, {"Логин родителя 2"}},
  };
  return kTable;
}

const std::array<const char*, kColumnCount> kColumnTitle = {"Фамилия",
                                                            "Имя",
                                                            "Отчество",
                                                            "ФИО",
                                                            "Класс",
                                                            "Дата рождения",
                                                            "Логин",
                                                            "ФИО родителя",
                                                            "Телефон",
                                                            "E-mail",
                                                            "Логин родителя",
                                                            "ФИО родителя 2",
                                                            "Телефон родителя 2",
                                                            "E-mail родителя 2",
                                                            "Логин родителя 2"};

struct Columns {
  std::array<int, kColumnCount> at;
  std::vector<std::string> unknown;
  std::string duplicate;  // a header two columns claim
};

std::optional<Column> ColumnOf(const std::string& header) {
  const std::string key = HeaderKey(header);
  for (const Synonyms& s : Table()) {
    for (const std::string& name : s.names) {
      if (HeaderKey(name) == key) return s.column;
    }
  }
  return std::nullopt;
}

Columns ColumnsOf(const std::vector<std::string>& header) {
  Columns c;
  c.at.fill(-1);
  int second_parent = -1;
  for (size_t i = 0; i < header.size(); ++i) {
    if (ColumnOf(header[i]) == kParent2) second_parent = static_cast<int>(i);
  }
  for (size_t i = 0; i < header.size(); ++i) {
    std::optional<Column> col = ColumnOf(header[i]);
    const std::string key = HeaderKey(header[i]);
    if (!col) {
      if (!key.empty() && key != "№" && key != "№п/п" && key != "n") c.unknown.push_back(header[i]);
      continue;
    }
    const bool second = second_parent >= 0 && static_cast<int>(i) > second_parent;
    if (second && *col == kPhone1) col = kPhone2;
    if (second && *col == kEmail1) col = kEmail2;
    if (second && *col == kParentLogin1) col = kParentLogin2;
    if (c.at[*col] >= 0) {
      c.duplicate = header[i];
      continue;
    }
    c.at[*col] = static_cast<int>(i);
  }
  return c;
}

struct ParentCells {
  std::string name, phone, email, login;
};

struct RosterRow {
  SourceRow at;
  std::string display;
  ClassName cls;
  std::optional<school::Day> birth;
  std::string login;
  std::array<ParentCells, 2> parents;
  std::vector<RowReport> problems;
};

bool ValidLogin(std::string_view login) {
  if (login.empty() || login.size() > 64) return false;
  for (char32_t c : ToUtf32(login)) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-' || c == '@' || (c >= 0x0410 && c <= 0x044F) ||
                    c == 0x0401 || c == 0x0451;
    if (!ok) return false;
  }
  return true;
}

// One row's cells, checked; problems name the column.
RosterRow ReadRow(const CsvRecord& record, const Columns& cols, const std::string& file) {
  RosterRow row;
  row.at = SourceRow{file, record.line};
  auto cell = [&](Column c) {
    return cols.at[c] < 0 ? std::string() : CollapseSpaces(record.fields[cols.at[c]]);
  };
  auto refuse = [&](Column c, const std::string& what, const char* rule) {
    row.problems.push_back(RowReport{row.at, RowStatus::kRefused,
                                     "поле «" + std::string(kColumnTitle[c]) + "»: " + what, rule});
  };
  PersonName name{cell(kFamily), cell(kGiven), cell(kMiddle)};
  if (cols.at[kFamily] < 0) {  // one "ФИО" column
    const std::vector<std::string> words = SplitList(cell(kFull), ' ');
    name = {};
    if (!words.empty()) name.family = words[0];
    if (words.size() > 1) name.given = words[1];
    for (size_t i = 2; i < words.size(); ++i) name.middle += (i > 2 ? " " : "") + words[i];
  }
  row.display = name.Display();
  const Column family = cols.at[kFamily] < 0 ? kFull : kFamily;
  if (name.family.empty()) refuse(family, "пусто: нужна фамилия ученика", "R-SET-2");
  if (name.given.empty())
    refuse(cols.at[kFamily] < 0 ? kFull : kGiven, "пусто: нужно имя ученика", "R-SET-2");
  auto cls = ParseClassName(cell(kClass));
  if (cls) {
    row.cls = *cls;
  } else {
    refuse(kClass, cell(kClass).empty() ? "пусто: нужен класс" : cls.error().message(), "R-SET-2");
  }
  if (const std::string b = cell(kBirth); !b.empty()) {
    row.birth = ParseDate(b);
    if (!row.birth) refuse(kBirth, "«" + b + "» — не дата (ожидается ДД.ММ.ГГГГ)", "R-SET-2");
  }
  row.login = cell(kLogin);
  if (!row.login.empty() && !ValidLogin(row.login)) {
    refuse(kLogin, "«" + row.login + "» — не логин (буквы, цифры, точка, дефис, подчёркивание)",
           "R-ACC-5");
  }
  const std::array<std::array<Column, 4>, 2> parent_cols = {
      {{kParent1, kPhone1, kEmail1, kParentLogin1}, {kParent2, kPhone2, kEmail2, kParentLogin2}}};
  for (size_t p = 0; p < 2; ++p) {
    const auto& pc = parent_cols[p];
    ParentCells& out = row.parents[p];
    out.name = cell(pc[0]);
    const std::string phone = cell(pc[1]);
    out.email = Lower(cell(pc[2]));
    out.login = cell(pc[3]);
    if (out.name.empty() && (!phone.empty() || !out.email.empty() || !out.login.empty())) {
      refuse(pc[0], "пусто, а телефон, почта или логин родителя указаны", "R-SET-2");
    }
    if (!phone.empty()) {
      auto normal = NormalizePhone(phone);
      if (normal) {
        out.phone = *normal;
      } else {
        refuse(pc[1], "«" + phone + "» — не номер телефона (например, +7 900 123-45-67)",
               "R-SET-2");
      }
    }
    if (!out.email.empty() && !LooksLikeEmail(out.email)) {
      refuse(pc[2], "«" + out.email + "» — не адрес электронной почты", "R-SET-2");
    }
    if (!out.login.empty() && !ValidLogin(out.login)) {
      refuse(pc[3], "«" + out.login + "» — не логин", "R-ACC-5");
    }
  }
  return row;
}

// A student whose name is on rows of two classes is one child in two classes, unless both rows
// give birth dates and they differ (namesakes).
void RefuseStudentsInTwoClasses(std::vector<RosterRow>& rows) {
  std::map<std::string, std::vector<RosterRow*>> by_name;
  for (RosterRow& r : rows) {
    if (r.problems.empty()) by_name[NameKey(r.display)].push_back(&r);
  }
  for (auto& [key, list] : by_name) {
    for (size_t i = 0; i < list.size(); ++i) {
      for (size_t j = i + 1; j < list.size(); ++j) {
        RosterRow& a = *list[i];
        RosterRow& b = *list[j];
        if (a.cls.grade == b.cls.grade && NameKey(a.cls.letter) == NameKey(b.cls.letter)) continue;
        if (a.birth && b.birth && *a.birth != *b.birth) continue;
        for (RosterRow* r : {&a, &b}) {
          r->problems.push_back(RowReport{
              r->at, RowStatus::kRefused,
              "ученик «" + r->display + "» указан в двух классах: " + a.cls.Text() + " (строка " +
                  std::to_string(a.at.line) + ") и " + b.cls.Text() + " (строка " +
                  std::to_string(b.at.line) + "); если это разные дети, укажите их даты рождения",
              "R-SET-2"});
        }
      }
    }
  }
}

// The parent of `cells`: one already read with the same name and no conflicting contact, or new.
std::string ParentKey(SetupInput& input, const ParentCells& cells, const SourceRow& at) {
  const std::string name_key = NameKey(cells.name);
  for (InputUser& u : input.users) {
    if (u.kind != PersonKind::kParent || NameKey(u.display_name) != name_key) continue;
    auto agrees = [](std::string& mine, const std::string& theirs) {
      return mine.empty() || theirs.empty() || mine == theirs;
    };
    if (!agrees(u.phone, cells.phone) || !agrees(u.email, cells.email) ||
        !agrees(u.login, cells.login)) {
      continue;
    }
    if (u.phone.empty()) u.phone = cells.phone;
    if (u.email.empty()) u.email = cells.email;
    if (u.login.empty()) u.login = cells.login;
    return u.key;
  }
  InputUser p;
  p.at = at;
  p.key = "parent:" + std::to_string(at.line) + ":" + name_key;
  p.kind = PersonKind::kParent;
  p.display_name = cells.name;
  p.roles = {v1::ROLE_PARENT};
  p.login = cells.login;
  p.phone = cells.phone;
  p.email = cells.email;
  input.users.push_back(std::move(p));
  return input.users.back().key;
}

// The header: the first of the first ten records that names the surname (or ФИО) and the class.
size_t HeaderIndex(const CsvTable& table) {
  for (size_t i = 0; i < table.records.size() && i < 10; ++i) {
    std::vector<std::string> fields;
    for (const auto& f : table.records[i].fields) fields.push_back(CollapseSpaces(f));
    const Columns c = ColumnsOf(fields);
    if ((c.at[kFamily] >= 0 || c.at[kFull] >= 0) && c.at[kClass] >= 0) return i;
  }
  return 0;
}

}  // namespace

SetupInput ReadRosterCsv(std::string_view bytes, std::string_view file_name) {
  SetupInput input;
  const std::string file(file_name);
  auto table = ParseCsv(bytes, file);
  if (!table) {
    input.problems.push_back(FileProblem(table.error(), file, "R-SET-2"));
    return input;
  }
  auto sheet = SheetOf(*table, HeaderIndex(*table));
  if (!sheet) {
    input.problems.push_back(FileProblem(sheet.error(), file, "R-SET-2"));
    return input;
  }
  const Columns cols = ColumnsOf(sheet->header);
  const SourceRow header_row{file, sheet->header_line};
  std::vector<std::string> missing;
  if (cols.at[kFamily] < 0 && cols.at[kFull] < 0) missing.push_back("Фамилия");
  if (cols.at[kGiven] < 0 && cols.at[kFull] < 0) missing.push_back("Имя");
  if (cols.at[kClass] < 0) missing.push_back("Класс");
  if (!missing.empty() || !cols.duplicate.empty()) {
    std::string m;
    for (const auto& name : missing) m += (m.empty() ? "«" : ", «") + name + "»";
    input.problems.push_back(RowReport{
        header_row, RowStatus::kRefused,
        cols.duplicate.empty()
            ? "в заголовке нет обязательных столбцов " + m + " (столбцы ищутся по названиям)"
            : "столбец «" + cols.duplicate + "» встречается в заголовке дважды",
        "R-SET-2"});
    return input;
  }
  input.notes.push_back(file + ": " + Describe(*table) +
                        ", строк: " + std::to_string(sheet->rows.size()));
  if (!cols.unknown.empty()) {
    std::string list;
    for (const auto& u : cols.unknown) list += (list.empty() ? "«" : ", «") + u + "»";
    input.notes.push_back(file + ": не используются столбцы " + list);
  }
  std::vector<RosterRow> rows;
  for (const CsvRecord& record : sheet->rows) rows.push_back(ReadRow(record, cols, file));
  RefuseStudentsInTwoClasses(rows);
  for (RosterRow& row : rows) {
    input.rows.push_back(row.at);
    if (!row.problems.empty()) {
      for (auto& p : row.problems) input.problems.push_back(std::move(p));
      continue;
    }
    const std::string class_key =
        "class:" + std::to_string(row.cls.grade) + NameKey(row.cls.letter);
    if (std::none_of(input.classes.begin(), input.classes.end(),
                     [&](const InputClass& c) { return c.key == class_key; })) {
      InputClass c;
      c.at = row.at;
      c.key = class_key;
      c.grade = row.cls.grade;
      c.letter = row.cls.letter;
      input.classes.push_back(std::move(c));
    }
    InputUser s;
    s.at = row.at;
    s.key = "student:" + std::to_string(row.at.line);
    s.kind = PersonKind::kStudent;
    s.display_name = row.display;
    s.roles = {v1::ROLE_STUDENT};
    s.login = row.login;
    input.users.push_back(std::move(s));
    const std::string student_key = input.users.back().key;
    input.enrolments.push_back(InputEnrolment{row.at, student_key, class_key, school::kNoDay});
    for (const ParentCells& p : row.parents) {
      if (p.name.empty()) continue;
      const std::string parent_key = ParentKey(input, p, row.at);
      input.guardians.push_back(InputGuardian{row.at, parent_key, student_key});
    }
  }
  return input;
}

ImportPlan PlanRosterImport(std::string_view bytes, std::string_view file_name,
                            const school::School* school, const ImportContext& context) {
  return PlanImport(ReadRosterCsv(bytes, file_name), school, context);
}

}  // namespace ejournal::setup
