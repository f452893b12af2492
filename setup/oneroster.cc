// The reader of OneRoster CSV sets (oneroster.h). The writer is oneroster_writer.cc.
#include "setup/oneroster.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <map>
#include <optional>
#include <set>

#include "setup/csv.h"
#include "setup/internal/oneroster_vocabulary.h"
#include "setup/internal/reading.h"
#include "setup/internal/text.h"

namespace ejournal::setup {
namespace {

using namespace internal;  // NOLINT: the reader is made of the text helpers

// One file of the set, its columns found by name (without regard to case).
struct Sheet {
  CsvSheet csv;
  std::map<std::string, int> columns;  // lower-case header -> index
  bool Has(std::string_view name) const { return columns.contains(Lower(name)); }
  std::string Get(const CsvRecord& r, std::string_view name) const {
    auto it = columns.find(Lower(name));
    return it == columns.end() ? std::string() : CollapseSpaces(r.fields[it->second]);
  }
};

struct UserDraft {
  SourceRow at;
  std::string id;
  std::string display;
  std::string login;
  bool enabled = true;
  std::string phone, email;
  std::vector<std::string> agents;
  std::vector<v1::Role> roles;
  std::vector<RelatedRow> related;
  bool refused = false;
};

struct ClassDraft {
  SourceRow at;
  std::string key;  // the InputClass (the Russian класс)
  bool homeroom = false;
  std::string course;
  std::string subgroup;
  int weekly_hours = 0;
  int teachers = 0;
};

struct TermDraft {
  SourceRow at;
  std::string id, type, grades, title;
  school::Day first = school::kNoDay, last = school::kNoDay;
};

class Reader {
 public:
  Reader(const OneRosterFiles& files, std::string default_year)
      : default_year_(std::move(default_year)) {
    for (const auto& [name, bytes] : files) {
      const size_t slash = name.find_last_of('/');
      files_[slash == std::string::npos ? name : name.substr(slash + 1)] = &bytes;
    }
  }

  SetupInput Read() {
    if (!ReadManifest()) return std::move(out_);
    ReadOrgs();
    ReadSessions();
    ReadCourses();
    ReadUsers();
    ReadRoles();
    ReadProfiles();
    ReadClasses();
    ReadEnrollments();
    FinishUsers();
    FinishSubjects();
    return std::move(out_);
  }

 private:
  void Problem(const SourceRow& at, RowStatus status, std::string message, std::string rule = {}) {
    out_.problems.push_back(RowReport{at, status, std::move(message), std::move(rule)});
  }
  void Refuse(const SourceRow& at, std::string message, std::string rule = "R-SET-1") {
    Problem(at, RowStatus::kRefused, std::move(message), std::move(rule));
  }

  // The file if the manifest lists it as bulk and it parses; null otherwise.
  const Sheet* Load(const std::string& name);
  bool ReadManifest();
  void ReadOrgs();
  void ReadSessions();
  void BuildYear(InputYear& year, const std::vector<TermDraft>& terms);
  void ReadCourses();
  void ReadUsers();
  void ReadRoles();
  void ReadProfiles();
  void ReadClasses();
  std::optional<ClassName> ClassNameOf(const Sheet& s, const CsvRecord& r);
  void ReadEnrollments();
  void FinishUsers();
  void FinishSubjects();

  const std::string default_year_;
  std::map<std::string, const std::string*> files_;
  std::map<std::string, std::string> manifest_;
  std::map<std::string, Sheet> sheets_;
  SetupInput out_;
  std::string school_org_;
  std::map<std::string, std::string> year_of_session_;  // session sourcedId -> year id
  std::map<std::string, SourceRow> courses_;            // course sourcedId -> row
  std::map<std::string, InputSubject> course_subjects_;
  std::set<std::string> scheduled_courses_, homeroom_courses_;
  std::vector<UserDraft> users_;
  std::map<std::string, size_t> user_index_;
  std::map<std::string, ClassDraft> classes_;  // OneRoster class sourcedId -> draft
};

const Sheet* Reader::Load(const std::string& name) {
  if (auto it = sheets_.find(name); it != sheets_.end()) return &it->second;
  const std::string file = name + ".csv";
  auto listed = manifest_.find("file." + name);
  auto present = files_.find(file);
  if (listed == manifest_.end() || listed->second != "bulk") {
    if (present != files_.end()) {
      out_.notes.push_back(file + ": в manifest.csv не указан как bulk, не читается");
    }
    return nullptr;
  }
  if (present == files_.end()) {
    Refuse(SourceRow{"manifest.csv", 0}, "manifest.csv называет " + file + ", а его нет в наборе");
    return nullptr;
  }
  auto table = ParseCsv(*present->second, file);
  if (!table) {
    out_.problems.push_back(FileProblem(table.error(), file, "R-SET-1"));
    return nullptr;
  }
  auto csv = SheetOf(*table);
  if (!csv) {
    out_.problems.push_back(FileProblem(csv.error(), file, "R-SET-1"));
    return nullptr;
  }
  Sheet s;
  s.csv = std::move(*csv);
  for (size_t i = 0; i < s.csv.header.size(); ++i) {
    s.columns.emplace(Lower(s.csv.header[i]), static_cast<int>(i));
  }
  for (const CsvRecord& r : s.csv.rows) out_.rows.push_back(SourceRow{file, r.line});
  return &sheets_.emplace(name, std::move(s)).first->second;
}

bool Reader::ReadManifest() {
  auto it = files_.find("manifest.csv");
  if (it == files_.end()) {
    Refuse(SourceRow{"manifest.csv", 0}, "в наборе OneRoster нет manifest.csv");
    return false;
  }
  auto table = ParseCsv(*it->second, "manifest.csv");
  auto csv = table ? SheetOf(*table) : Result<CsvSheet>(std::unexpected(table.error()));
  if (!csv) {
    out_.problems.push_back(FileProblem(csv.error(), "manifest.csv", "R-SET-1"));
    return false;
  }
  for (const CsvRecord& r : csv->rows) {
    if (r.fields.size() >= 2) manifest_[CollapseSpaces(r.fields[0])] = CollapseSpaces(r.fields[1]);
  }
  const std::string version = manifest_["oneroster.version"];
  if (version != "1.2" && version != "1.1") {
    Refuse(SourceRow{"manifest.csv", 0},
           "oneroster.version «" + version + "»: читаются наборы OneRoster 1.2 (и 1.1)");
    return false;
  }
  bool ok = true;
  for (const auto& [property, value] : manifest_) {
    if (property.rfind("file.", 0) == 0 && value == "delta") {
      Refuse(SourceRow{"manifest.csv", 0},
             property.substr(5) + ".csv в режиме delta: импортируется только полный набор (bulk)");
      ok = false;
    }
  }
  if (manifest_["file.users"] != "bulk") {
    Refuse(SourceRow{"manifest.csv", 0}, "в наборе нет users.csv (file.users не bulk)");
    ok = false;
  }
  return ok;
}

void Reader::ReadOrgs() {
  const Sheet* s = Load("orgs");
  if (s == nullptr) return;
  std::vector<const CsvRecord*> schools;
  for (const CsvRecord& r : s->csv.rows) {
    if (s->Get(r, "type") == "school" || s->csv.rows.size() == 1) {
      schools.push_back(&r);
    } else {
      Problem(SourceRow{"orgs.csv", r.line}, RowStatus::kSkipped,
              "организация «" + s->Get(r, "name") + "» (" + s->Get(r, "type") +
                  ") не школа: не импортируется");
    }
  }
  if (schools.size() != 1) {
    Refuse(SourceRow{"orgs.csv", 0},
           schools.empty() ? "в orgs.csv нет школы (type school)"
                           : "в orgs.csv несколько школ: импортируйте набор одной школы");
    return;
  }
  school_org_ = s->Get(*schools.front(), "sourcedId");
  Problem(SourceRow{"orgs.csv", schools.front()->line}, RowStatus::kUnchanged,
          "школа «" + s->Get(*schools.front(), "name") + "»");
}

void Reader::ReadSessions() {
  const Sheet* s = Load("academicSessions");
  if (s == nullptr) return;
  std::map<std::string, std::string> parent_of;
  std::vector<TermDraft> terms;
  std::map<std::string, size_t> year_at;
  for (const CsvRecord& r : s->csv.rows) {
    const SourceRow at{"academicSessions.csv", r.line};
    const std::string id = s->Get(r, "sourcedId"), type = s->Get(r, "type");
    const auto first = ParseDate(s->Get(r, "startDate")), last = ParseDate(s->Get(r, "endDate"));
    if (id.empty() || !first || !last || *last < *first) {
      Refuse(at,
             "поля sourcedId, startDate, endDate (ГГГГ-ММ-ДД): нет верного идентификатора или "
             "дат учебного периода");
      continue;
    }
    parent_of[id] = s->Get(r, "parentSourcedId");
    if (type == "schoolYear") {
      InputYear y;
      y.at = at;
      y.id = IsValidId(id) ? id
                           : school::DayString(*first).substr(0, 4) + "-" +
                                 school::DayString(*last).substr(0, 4);
      y.first = *first;
      y.last = *last;
      year_of_session_[id] = y.id;
      year_at[id] = out_.years.size();
      out_.years.push_back(std::move(y));
    } else {
      terms.push_back(TermDraft{at, id, type, s->Get(r, "metadata.ejournal.grades"),
                                s->Get(r, "title"), *first, *last});
    }
  }
  std::map<std::string, std::vector<TermDraft>> by_year;
  for (const TermDraft& t : terms) {
    std::string year, at = t.id;
    for (int step = 0; step < 5 && year.empty() && parent_of.contains(at); ++step) {
      at = parent_of[at];
      if (year_of_session_.contains(at)) year = at;
    }
    for (const auto& [sid, index] : year_at) {  // no parent: the year that holds its dates
      const InputYear& y = out_.years[index];
      if (year.empty() && y.first <= t.first && t.last <= y.last) year = sid;
    }
    if (year.empty()) {
      Refuse(t.at, "учебный период «" + t.id + "» не относится ни к одному учебному году");
      continue;
    }
    year_of_session_[t.id] = year_of_session_[year];
    by_year[year].push_back(t);
    const std::string what = "учебный период «" + t.title + "» года " + year_of_session_[year];
    Problem(t.at, RowStatus::kUnchanged, what);
    out_.years[year_at[year]].related.push_back(RelatedRow{t.at, what});
  }
  for (auto& [sid, list] : by_year) BuildYear(out_.years[year_at[sid]], list);
}

// The year's term schemes: per range of grades, the periods that tile it into 2, 3 or 4.
void Reader::BuildYear(InputYear& year, const std::vector<TermDraft>& terms) {
  std::map<std::pair<int, int>, std::vector<const TermDraft*>> by_grades;
  for (const TermDraft& t : terms) {
    int from = 1, to = 11;
    if (!t.grades.empty()) {
      int a = 0, b = 0;
      char dash = 0;
      const int n = std::sscanf(t.grades.c_str(), "%d%c%d", &a, &dash, &b);
      if (n == 1) b = a;
      if ((n != 1 && (n != 3 || dash != '-')) || a < 1 || b > 11 || b < a) {
        Refuse(t.at, "metadata.ejournal.grades «" + t.grades + "»: ожидаются параллели вида 1-9");
        continue;
      }
      from = a, to = b;
    }
    by_grades[{from, to}].push_back(&t);
  }
  for (auto& [grades, list] : by_grades) {
    std::vector<const TermDraft*> wide, fine;
    for (const TermDraft* t : list) (t->type == "gradingPeriod" ? fine : wide).push_back(t);
    auto fits = [](const std::vector<const TermDraft*>& v) {
      return v.size() >= 2 && v.size() <= 4;
    };
    const std::vector<const TermDraft*>* chosen = nullptr;
    if (fits(wide)) chosen = &wide;
    if (fits(fine) && (chosen == nullptr || fine.size() > wide.size())) chosen = &fine;
    if (chosen == nullptr) {
      out_.notes.push_back("academicSessions.csv: периоды года «" + year.id + "» (параллели " +
                           std::to_string(grades.first) + "–" + std::to_string(grades.second) +
                           ") не делят его на 2, 3 или 4 части");
      continue;
    }
    std::vector<const TermDraft*> sorted = *chosen;
    std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->first < b->first; });
    v1::TermScheme scheme;
    scheme.set_grade_from(grades.first);
    scheme.set_grade_to(grades.second);
    scheme.set_kind(sorted.size() == 4   ? v1::TERM_KIND_QUARTER
                    : sorted.size() == 3 ? v1::TERM_KIND_TRIMESTER
                                         : v1::TERM_KIND_HALF_YEAR);
    for (size_t i = 0; i < sorted.size(); ++i) {
      auto* term = scheme.add_terms();
      term->set_number(static_cast<int>(i) + 1);
      *term->mutable_dates()->mutable_first_day() = school::DateOf(sorted[i]->first);
      *term->mutable_dates()->mutable_last_day() = school::DateOf(sorted[i]->last);
    }
    year.schemes.push_back(std::move(scheme));
  }
}

void Reader::ReadCourses() {
  const Sheet* s = Load("courses");
  if (s == nullptr) return;
  for (const CsvRecord& r : s->csv.rows) {
    const SourceRow at{"courses.csv", r.line};
    InputSubject subject;
    subject.at = at;
    subject.key = s->Get(r, "sourcedId");
    subject.source_id = subject.key;
    subject.name = s->Get(r, "title");
    subject.short_name = s->Get(r, "courseCode");
    if (subject.key.empty() || subject.name.empty()) {
      Refuse(at, "поля sourcedId и title: у курса (предмета) нет идентификатора или названия");
      continue;
    }
    if (const std::string kind = s->Get(r, "metadata.ejournal.subjectKind"); !kind.empty()) {
      v1::SubjectKind k;
      if (!v1::SubjectKind_Parse("SUBJECT_KIND_" + kind, &k) || k == v1::SUBJECT_KIND_UNSPECIFIED) {
        Refuse(at, "metadata.ejournal.subjectKind «" + kind + "»: неизвестный вид предмета");
        continue;
      }
      subject.kind = k;
    }
    if (courses_.contains(subject.key)) {
      Refuse(at, "курс «" + subject.key + "» указан дважды (строки " +
                     std::to_string(courses_[subject.key].line) + " и " + std::to_string(r.line) +
                     ")");
      continue;
    }
    courses_[subject.key] = at;
    course_subjects_[subject.key] = std::move(subject);
  }
}

void Reader::ReadUsers() {
  const Sheet* s = Load("users");
  if (s == nullptr) return;
  const bool exact_names = s->Has("metadata.ejournal.displayName");
  for (const CsvRecord& r : s->csv.rows) {
    UserDraft u;
    u.at = SourceRow{"users.csv", r.line};
    u.id = s->Get(r, "sourcedId");
    const PersonName name{s->Get(r, "familyName"), s->Get(r, "givenName"), s->Get(r, "middleName")};
    u.display = exact_names ? s->Get(r, "metadata.ejournal.displayName") : name.Display();
    u.login = s->Get(r, "username");
    const std::string enabled = Lower(s->Get(r, "enabledUser"));
    u.enabled = enabled != "false";
    u.email = Lower(s->Get(r, "email"));
    const std::string phone = s->Get(r, "phone").empty() ? s->Get(r, "sms") : s->Get(r, "phone");
    u.agents = SplitList(s->Get(r, "agentSourcedIds"), ',');
    std::vector<std::string> problems;
    if (u.id.empty()) problems.push_back("поле sourcedId пусто");
    if (!exact_names && (name.family.empty() || name.given.empty())) {
      problems.push_back("поля familyName и givenName: нужны фамилия и имя");
    }
    if (enabled != "" && enabled != "true" && enabled != "false") {
      problems.push_back("поле enabledUser «" + enabled + "»: ожидается true или false");
    }
    if (!phone.empty()) {
      if (auto p = NormalizePhone(phone)) {
        u.phone = *p;
      } else {
        problems.push_back("поле phone «" + phone + "»: не номер телефона");
      }
    }
    if (!u.email.empty() && !LooksLikeEmail(u.email)) {
      problems.push_back("поле email «" + u.email + "»: не адрес электронной почты");
    }
    if (s->Has("role")) {  // OneRoster 1.1: the role in users.csv
      if (auto role = RoleOf(s->Get(r, "role"))) u.roles.push_back(*role);
    }
    if (auto it = user_index_.find(u.id); it != user_index_.end()) {
      problems.push_back("sourcedId «" + u.id + "» уже был в строке " +
                         std::to_string(users_[it->second].at.line));
      users_[it->second].refused = true;
      Refuse(users_[it->second].at,
             "sourcedId «" + u.id + "» повторяется в строке " + std::to_string(r.line), "R-SET-2");
    }
    for (const auto& p : problems) Refuse(u.at, p, "R-SET-2");
    u.refused = !problems.empty();
    if (!user_index_.contains(u.id)) user_index_[u.id] = users_.size();
    users_.push_back(std::move(u));
  }
}

void Reader::ReadRoles() {
  const Sheet* s = Load("roles");
  if (s == nullptr) return;
  for (const CsvRecord& r : s->csv.rows) {
    const SourceRow at{"roles.csv", r.line};
    const std::string user = s->Get(r, "userSourcedId"), token = s->Get(r, "role");
    auto it = user_index_.find(user);
    if (it == user_index_.end()) {
      Refuse(at, "поле userSourcedId: пользователя «" + user + "» нет в users.csv");
      continue;
    }
    auto role = RoleOf(token);
    if (!role) {
      Problem(at, RowStatus::kSkipped, "роль «" + token + "» не импортируется");
      continue;
    }
    UserDraft& u = users_[it->second];
    if (std::find(u.roles.begin(), u.roles.end(), *role) == u.roles.end()) u.roles.push_back(*role);
    const std::string what = "роль «" + token + "» пользователя «" + user + "»";
    Problem(at, RowStatus::kUnchanged, what);
    u.related.push_back(RelatedRow{at, what});
  }
}

void Reader::ReadProfiles() {
  const Sheet* s = Load("userProfiles");
  if (s == nullptr) return;
  bool passwords = false;
  for (const CsvRecord& r : s->csv.rows) {
    const SourceRow at{"userProfiles.csv", r.line};
    auto it = user_index_.find(s->Get(r, "userSourcedId"));
    if (it == user_index_.end()) {
      Refuse(at, "поле userSourcedId: пользователя «" + s->Get(r, "userSourcedId") +
                     "» нет в users.csv");
      continue;
    }
    passwords = passwords || !s->Get(r, "password").empty();
    UserDraft& u = users_[it->second];
    if (u.login.empty()) u.login = s->Get(r, "username");
    const std::string what = "профиль входа пользователя «" + u.id + "»";
    Problem(at, RowStatus::kUnchanged, what);
    u.related.push_back(RelatedRow{at, what});
  }
  if (passwords) {
    out_.notes.push_back(
        "userProfiles.csv: пароли не импортируются (первый пароль выдаёт "
        "администратор, R-SET-2)");
  }
}

// The класс a OneRoster class is about: its classCode, else a "5А"-like part of its title.
std::optional<ClassName> Reader::ClassNameOf(const Sheet& s, const CsvRecord& r) {
  if (auto c = ParseClassName(s.Get(r, "classCode"))) return *c;
  std::string title = s.Get(r, "title");
  for (char& ch : title) {
    if (ch == ',' || ch == '(' || ch == ')') ch = ' ';
  }
  const std::vector<std::string> words = SplitList(title, ' ');
  for (size_t i = words.size(); i-- > 0;) {
    if (auto c = ParseClassName(words[i])) return *c;
    if (i + 1 < words.size()) {
      if (auto c = ParseClassName(words[i] + " " + words[i + 1])) return *c;
    }
  }
  return std::nullopt;
}

void Reader::ReadClasses() {
  const Sheet* s = Load("classes");
  if (s == nullptr) return;
  for (const CsvRecord& r : s->csv.rows) {
    const SourceRow at{"classes.csv", r.line};
    const std::string id = s->Get(r, "sourcedId");
    const std::optional<ClassName> name = ClassNameOf(*s, r);
    if (id.empty() || !name) {
      Refuse(at,
             "поля classCode и title: не удалось определить класс «" + s->Get(r, "title") +
                 "» (параллель и букву); укажите classCode, например 5А",
             "R-SET-2");
      continue;
    }
    if (const std::string school = s->Get(r, "schoolSourcedId");
        !school_org_.empty() && !school.empty() && school != school_org_) {
      Problem(at, RowStatus::kSkipped, "класс другой школы («" + school + "»): не импортируется");
      continue;
    }
    std::set<std::string> years;
    bool unknown_term = false;
    for (const std::string& term : SplitList(s->Get(r, "termSourcedIds"), ',')) {
      auto it = year_of_session_.find(term);
      if (it == year_of_session_.end()) {
        unknown_term = true;
      } else {
        years.insert(it->second);
      }
    }
    if (unknown_term || years.size() > 1) {
      Refuse(at, unknown_term ? "поле termSourcedIds: учебного периода нет в academicSessions.csv"
                              : "поле termSourcedIds: периоды разных учебных лет");
      continue;
    }
    ClassDraft d;
    d.at = at;
    d.homeroom = s->Get(r, "classType") == "homeroom";
    d.course = s->Get(r, "courseSourcedId");
    d.subgroup = s->Get(r, "metadata.ejournal.subgroupId");
    if (const std::string hours = s->Get(r, "metadata.ejournal.weeklyHours"); !hours.empty()) {
      int h = -1;
      if (hours.find_first_not_of("0123456789") == std::string::npos && hours.size() <= 2) {
        h = std::stoi(hours);
      }
      if (h < 0 || h > 40) {
        Refuse(at, "metadata.ejournal.weeklyHours «" + hours + "»: часов в неделю от 0 до 40");
        continue;
      }
      d.weekly_hours = h;
    }
    if (!d.homeroom && d.course.empty()) {
      Refuse(at, "поле courseSourcedId пусто: у занятий класса нет предмета");
      continue;
    }
    (d.homeroom ? homeroom_courses_ : scheduled_courses_).insert(d.course);
    const std::string year = years.empty() ? default_year_ : *years.begin();
    d.key = "class:" + year + ":" + std::to_string(name->grade) + NameKey(name->letter);
    auto same = std::find_if(out_.classes.begin(), out_.classes.end(),
                             [&](const InputClass& c) { return c.key == d.key; });
    if (same == out_.classes.end()) {
      InputClass c;
      c.at = at;
      c.key = d.key;
      c.year_id = year;
      c.grade = name->grade;
      c.letter = name->letter;
      if (d.homeroom) c.source_id = id;
      out_.classes.push_back(std::move(c));
    } else if (d.homeroom && same->source_id.empty()) {
      same->source_id = id;
      same->at = at;
    }
    if (!d.homeroom) {
      Problem(at, RowStatus::kUnchanged, "занятия класса " + name->Text());
    }
    classes_[id] = std::move(d);
  }
}

void Reader::ReadEnrollments() {
  const Sheet* s = Load("enrollments");
  if (s == nullptr) return;
  std::map<std::pair<std::string, std::string>, size_t> placed;  // (user, класс) -> enrolment
  for (const CsvRecord& r : s->csv.rows) {
    const SourceRow at{"enrollments.csv", r.line};
    const std::string user = s->Get(r, "userSourcedId"), cls = s->Get(r, "classSourcedId");
    const std::string role = s->Get(r, "role");
    auto u = user_index_.find(user);
    auto c = classes_.find(cls);
    if (u == user_index_.end() || c == classes_.end()) {
      Refuse(at,
             u == user_index_.end() ? "поле userSourcedId: «" + user + "» нет в users.csv"
                                    : "поле classSourcedId: «" + cls + "» нет в classes.csv",
             "R-SET-2");
      continue;
    }
    UserDraft& ud = users_[u->second];
    ClassDraft& cd = c->second;
    if (ud.refused) {
      Problem(at, RowStatus::kSkipped, "не обработано: пользователь «" + user + "» отклонён");
      continue;
    }
    const std::string begin_text = s->Get(r, "beginDate"), end_text = s->Get(r, "endDate");
    const auto begin = ParseDate(begin_text), end = ParseDate(end_text);
    if ((!begin_text.empty() && !begin) || (!end_text.empty() && !end)) {
      Refuse(at, "поля beginDate, endDate: ожидается дата ГГГГ-ММ-ДД", "R-SET-2");
      continue;
    }
    auto grant = [&](v1::Role role_given) {
      if (ud.roles.empty()) ud.roles.push_back(role_given);
    };
    if (role == "student") {
      grant(v1::ROLE_STUDENT);
      const school::Day day = begin ? *begin : school::kNoDay;
      auto [it, inserted] = placed.try_emplace({user, cd.key}, out_.enrolments.size());
      if (inserted) {
        out_.enrolments.push_back(InputEnrolment{at, user, cd.key, day});
      } else {
        InputEnrolment& e = out_.enrolments[it->second];
        if (day != school::kNoDay && (e.begin == school::kNoDay || day < e.begin)) e.begin = day;
        const std::string what = "то же место ученика в классе, что в строке " +
                                 std::to_string(e.at.line) + " (занятия другого предмета)";
        Problem(at, RowStatus::kUnchanged, what);
        e.related.push_back(RelatedRow{at, what});
      }
    } else if (role == "teacher") {
      grant(v1::ROLE_TEACHER);
      if (cd.homeroom) {
        InputClass* ic = nullptr;
        for (InputClass& x : out_.classes) {
          if (x.key == cd.key) ic = &x;
        }
        if (ic->teacher_key.empty()) {
          ic->teacher_key = user;
          const std::string what =
              "классный руководитель " + std::to_string(ic->grade) + ic->letter;
          Problem(at, RowStatus::kUnchanged, what);
          ic->related.push_back(RelatedRow{at, what});
        } else {
          Problem(at, RowStatus::kSkipped, "второй классный руководитель не импортируется");
        }
        continue;
      }
      InputLoad l;
      l.at = at;
      l.source_id = cd.teachers++ == 0 ? cls : cls + ":" + user;
      l.teacher_key = user;
      l.class_key = cd.key;
      l.subject_key = cd.course;
      l.subgroup_id = cd.subgroup;
      l.weekly_hours = cd.weekly_hours;
      l.first = begin ? *begin : school::kNoDay;
      l.last = end ? *end : school::kNoDay;
      out_.loads.push_back(std::move(l));
    } else {
      Problem(at, RowStatus::kSkipped, "зачисление с ролью «" + role + "» не импортируется");
    }
  }
}

// Kinds from roles, the users into the input, and the agents into guardian links.
void Reader::FinishUsers() {
  std::map<std::string, PersonKind> kind;
  for (UserDraft& u : users_) {
    if (u.refused) continue;
    const bool student =
        std::find(u.roles.begin(), u.roles.end(), v1::ROLE_STUDENT) != u.roles.end();
    const bool parent_only =
        !u.roles.empty() && std::all_of(u.roles.begin(), u.roles.end(),
                                        [](v1::Role r) { return r == v1::ROLE_PARENT; });
    if (u.roles.empty()) {
      Refuse(u.at, "у пользователя «" + u.id + "» нет роли (roles.csv)", "R-SET-1");
      u.refused = true;
    } else if (student && u.roles.size() > 1) {
      Refuse(u.at, "ученик «" + u.display + "» не может иметь других ролей", "R-SET-2");
      u.refused = true;
    }
    if (u.refused) continue;
    kind[u.id] = student       ? PersonKind::kStudent
                 : parent_only ? PersonKind::kParent
                               : PersonKind::kStaff;
  }
  std::set<std::pair<std::string, std::string>> links;
  for (const UserDraft& u : users_) {
    if (u.refused) continue;
    for (const std::string& agent : u.agents) {
      auto k = kind.find(agent);
      if (!user_index_.contains(agent)) {
        Refuse(u.at, "поле agentSourcedIds: «" + agent + "» нет в users.csv", "R-SET-2");
        continue;
      }
      if (k == kind.end()) continue;  // the agent's own row is refused
      const bool me_student = kind[u.id] == PersonKind::kStudent;
      if (me_student == (k->second == PersonKind::kStudent)) {
        Refuse(u.at,
               "поле agentSourcedIds: «" + agent + "» — " +
                   (me_student ? "ученик, а представителем ученика бывает родитель"
                               : "не ученик, а родитель связан с учениками"),
               "R-SET-2");
        continue;
      }
      const std::string guardian = me_student ? agent : u.id;
      const std::string student = me_student ? u.id : agent;
      if (links.insert({guardian, student}).second) {
        out_.guardians.push_back(InputGuardian{u.at, guardian, student});
      }
    }
  }
  for (const UserDraft& u : users_) {
    if (u.refused) continue;
    InputUser in;
    in.at = u.at;
    in.key = u.id;
    in.source_id = u.id;
    in.kind = kind[u.id];
    in.display_name = u.display;
    in.roles = u.roles;
    in.login = u.login;
    in.enabled = u.enabled;
    in.phone = u.phone;
    in.email = u.email;
    in.related = u.related;
    out_.users.push_back(std::move(in));
  }
  // Facts about refused users say nothing of their own.
  auto refused = [&](const std::string& key) {
    auto it = user_index_.find(key);
    return it == user_index_.end() || users_[it->second].refused;
  };
  std::erase_if(out_.enrolments, [&](const InputEnrolment& e) { return refused(e.student_key); });
  std::erase_if(out_.loads, [&](const InputLoad& l) { return refused(l.teacher_key); });
  for (InputClass& c : out_.classes) {
    if (!c.teacher_key.empty() && refused(c.teacher_key)) c.teacher_key.clear();
  }
}

// Courses used by scheduled classes (or by none) are subjects; those only homerooms use are not.
void Reader::FinishSubjects() {
  for (auto& [id, subject] : course_subjects_) {
    if (homeroom_courses_.contains(id) && !scheduled_courses_.contains(id)) {
      Problem(subject.at, RowStatus::kUnchanged, "курс классов-комплектов (homeroom), не предмет");
      continue;
    }
    out_.subjects.push_back(std::move(subject));
  }
  std::sort(out_.subjects.begin(), out_.subjects.end(),
            [](const InputSubject& a, const InputSubject& b) { return a.at < b.at; });
}

}  // namespace

SetupInput ReadOneRoster(const OneRosterFiles& files, const std::string& default_year_id) {
  return Reader(files, default_year_id).Read();
}

ImportPlan PlanOneRosterImport(const OneRosterFiles& files, const school::School* school,
                               const ImportContext& context) {
  return PlanImport(ReadOneRoster(files, context.academic_year_id), school, context);
}

}  // namespace ejournal::setup
