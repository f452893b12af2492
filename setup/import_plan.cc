// PlanImport and the steps of the differ that concern the school's frame: the context, the
// academic years, subjects, classes and teaching load, and the assembly of the plan
// (internal/planner.h).
#include "setup/import_plan.h"

#include <algorithm>
#include <array>
#include <map>
#include <set>
#include <tuple>

#include "setup/internal/planner.h"
#include "setup/internal/text.h"

namespace ejournal::setup {

using internal::DateText;
using internal::NameKey;

std::string RowReport::Text() const {
  std::string out = at.file;
  if (at.line > 0) out += ", строка " + std::to_string(at.line);
  out += ": " + message;
  if (!rule.empty()) out += " [" + rule + "]";
  return out;
}

std::string PersonName::Display() const {
  std::string out;
  for (const std::string* part : {&family, &given, &middle}) {
    const std::string p = internal::CollapseSpaces(*part);
    if (p.empty()) continue;
    if (!out.empty()) out.push_back(' ');
    out += p;
  }
  return out;
}

bool ImportPlan::ok() const { return Count(RowStatus::kRefused) == 0; }

int ImportPlan::Count(RowStatus status) const {
  return static_cast<int>(std::count_if(rows.begin(), rows.end(),
                                        [&](const RowReport& r) { return r.status == status; }));
}

std::string ImportPlan::Report() const {
  std::string out;
  for (const auto& n : notes) out += n + "\n";
  for (const auto& r : rows) out += r.Text() + "\n";
  return out;
}

ImportPlan PlanImport(const SetupInput& input, const school::School* school,
                      const ImportContext& context) {
  static const school::School kEmpty;
  internal::Planner planner(input, school != nullptr ? *school : kEmpty, context);
  return planner.Run();
}

namespace internal {
namespace {

// The kind of a subject from its name, for the rules that need one (school.proto SubjectKind).
v1::SubjectKind GuessKind(std::string_view name) {
  const std::string n = NameKey(name);
  auto starts = [&](std::string_view prefix) { return n.rfind(prefix, 0) == 0; };
  if (starts("русский язык")) return v1::SUBJECT_KIND_RUSSIAN_LANGUAGE;
  if (starts("литература") || starts("литературное чтение")) return v1::SUBJECT_KIND_LITERATURE;
  if (starts("родной язык")) return v1::SUBJECT_KIND_NATIVE_LANGUAGE;
  if (starts("родная литература") || starts("литературное чтение на родном")) {
    return v1::SUBJECT_KIND_NATIVE_LITERATURE;
  }
  for (const char* lang :
       {"иностранный", "английский", "немецкий", "французский", "китайский", "испанский"}) {
    if (starts(lang)) return v1::SUBJECT_KIND_FOREIGN_LANGUAGE;
  }
  if (starts("физическая культура") || starts("физкультура") || starts("физ-ра")) {
    return v1::SUBJECT_KIND_PHYSICAL_EDUCATION;
  }
  return v1::SUBJECT_KIND_OTHER;
}

std::string TermWord(v1::TermKind kind, size_t n) {
  switch (kind) {
    case v1::TERM_KIND_QUARTER:
      return std::to_string(n) + (n == 1 ? " четверть" : n < 5 ? " четверти" : " четвертей");
    case v1::TERM_KIND_TRIMESTER:
      return std::to_string(n) + (n == 1 ? " триместр" : n < 5 ? " триместра" : " триместров");
    case v1::TERM_KIND_HALF_YEAR:
      return std::to_string(n) + (n == 1 ? " полугодие" : " полугодия");
    default:
      return std::to_string(n) + " периода";
  }
}

v1::DateRange Range(school::Day first, school::Day last) {
  v1::DateRange r;
  if (first != school::kNoDay) *r.mutable_first_day() = school::DateOf(first);
  if (last != school::kNoDay && last != school::kForever) {
    *r.mutable_last_day() = school::DateOf(last);
  }
  return r;
}

// R-SET-1: the year's terms lie inside it and its schemes cover grades 1..11 once; "" if so.
std::string YearProblem(const InputYear& y) {
  if (y.first == school::kNoDay || y.last == school::kNoDay || y.last < y.first) {
    return "у учебного года «" + y.id + "» нет верных дат начала и конца";
  }
  if (y.schemes.empty()) {
    return "у учебного года «" + y.id + "» нет учебных периодов (четвертей, триместров, полугодий)";
  }
  std::array<int, 12> covered{};
  for (const auto& s : y.schemes) {
    for (int g = std::max(1, s.grade_from()); g <= std::min(11, s.grade_to()); ++g) ++covered[g];
    for (const auto& t : s.terms()) {
      auto f = school::DayOf(t.dates().first_day());
      auto l = school::DayOf(t.dates().last_day());
      if (!f || !l || *f < y.first || *l > y.last || *l < *f) {
        return "период " + std::to_string(t.number()) + " учебного года «" + y.id +
               "» не лежит внутри года";
      }
    }
  }
  for (int g = 1; g <= 11; ++g) {
    if (covered[g] != 1) {
      return "учебные периоды года «" + y.id +
             "» должны покрывать каждую параллель 1–11 ровно "
             "один раз (параллель " +
             std::to_string(g) + ": " + std::to_string(covered[g]) + ")";
    }
  }
  return "";
}

}  // namespace

ImportPlan Planner::Run() {
  if (CheckContext()) {
    PlanYears();
    PlanSubjects();
    ResolveClasses();
    CollectRequiredRoles();
    ResolveUsers();
    EmitClasses();  // its bodies go to their own bucket: the report names the class first
    EmitUsers();
    PlanEnrolments();
    PlanGuardians();
    PlanLoads();
    PlanDeactivations();
    CollectContacts();
  }
  return Assemble();
}

void Planner::Note(const SourceRow& at, RowStatus status, std::string text, std::string rule) {
  fragments_.push_back(Fragment{at, status, std::move(text), std::move(rule)});
}

bool Planner::CheckContext() {
  const SourceRow whole{in_.rows.empty() ? std::string("импорт") : in_.rows.front().file, 0};
  if (ctx_.school_id.empty() || (!school_.id.empty() && school_.id != ctx_.school_id)) {
    Refuse(whole,
           "импорт в школу «" + ctx_.school_id + "», а состояние — школы «" + school_.id + "»",
           "R-SET-1");
    return false;
  }
  if (!school_.users.empty()) {
    const school::User* importer = school_.FindUser(ctx_.importer_id);
    if (importer == nullptr || !importer->Has(v1::ROLE_ADMIN) || !importer->active) {
      Refuse(whole,
             "импорт выполняет администратор школы; у «" + ctx_.importer_id + "» нет этой роли",
             "R-ACC-2");
      return false;
    }
  }
  const bool needs_day =
      std::any_of(in_.enrolments.begin(), in_.enrolments.end(),
                  [](const InputEnrolment& e) { return e.begin == school::kNoDay; });
  if (needs_day && ctx_.enrolled_on == school::kNoDay) {
    Refuse(whole, "не задана дата зачисления (с какого дня ученики в своих классах)", "R-SET-2");
    return false;
  }
  return true;
}

school::Day Planner::EffectiveDay() const {
  if (ctx_.enrolled_on != school::kNoDay) return ctx_.enrolled_on;
  auto y = school_.years.find(ctx_.academic_year_id);
  return y != school_.years.end() ? y->second.first : school::kNoDay;
}

void Planner::PlanYears() {
  for (const InputYear& y : in_.years) {
    auto it = school_.years.find(y.id);
    if (it != school_.years.end()) {
      if (it->second.first != y.first || it->second.last != y.last) {
        notes_.push_back("Учебный год «" + y.id + "» уже определён в школе (" +
                         DateText(it->second.first) + "–" + DateText(it->second.last) +
                         "); его календарь импорт не меняет.");
      }
      continue;
    }
    if (std::string problem = YearProblem(y); !problem.empty()) {
      Refuse(y.at, problem, "R-SET-1");
      continue;
    }
    auto* p = Emit(kYears).mutable_academic_year_defined();
    p->set_academic_year_id(y.id);
    *p->mutable_dates() = Range(y.first, y.last);
    size_t terms = 0;
    for (const auto& s : y.schemes) {
      *p->add_term_schemes() = s;
      terms = std::max(terms, static_cast<size_t>(s.terms_size()));
    }
    new_years_.insert(y.id);
    Note(y.at, RowStatus::kNew,
         "новый учебный год " + y.id + " (" + DateText(y.first) + "–" + DateText(y.last) + "; " +
             TermWord(y.schemes.front().kind(), terms) + ")");
  }
}

std::string Planner::NewSubjectId(const InputSubject& s) {
  auto free = [&](const std::string& id) {
    return IsValidId(id) && !school_.subjects.contains(id) && !new_subject_ids_.contains(id);
  };
  if (free(s.source_id)) return s.source_id;
  std::string base;
  for (const std::string& word : SplitList(s.name, ' ')) {
    const std::string t = Transliterate(word);
    if (t.empty()) continue;
    if (!base.empty()) base.push_back('-');
    base += t;
  }
  if (base.empty()) base = "subject";
  std::string id = base;
  for (int n = 2; !free(id); ++n) id = base + "-" + std::to_string(n);
  return id;
}

void Planner::PlanSubjects() {
  std::map<std::string, std::string> by_name;  // NameKey -> id given in this plan
  for (const InputSubject& s : in_.subjects) {
    const std::string key = NameKey(s.name);
    if (key.empty()) {
      Refuse(s.at, "у предмета нет названия", "R-SET-1");
      continue;
    }
    const school::Subject* existing = nullptr;
    if (auto it = school_.subjects.find(s.source_id); it != school_.subjects.end()) {
      existing = &it->second;
    } else {
      std::vector<const school::Subject*> same;
      for (const auto& [id, subject] : school_.subjects) {
        if (NameKey(subject.name) == key) same.push_back(&subject);
      }
      std::sort(same.begin(), same.end(), [](auto* a, auto* b) { return a->id < b->id; });
      if (same.size() > 1) {
        Refuse(s.at,
               "в школе несколько предметов «" + s.name + "» (" + same[0]->id + ", " + same[1]->id +
                   "): укажите идентификатор предмета или разрешите вручную",
               "R-SET-1");
        continue;
      }
      if (same.size() == 1) existing = same.front();
    }
    if (existing == nullptr) {
      if (auto it = by_name.find(key); it != by_name.end()) {
        subject_id_of_[s.key] = it->second;  // one subject, named by two courses
        continue;
      }
      const std::string id = NewSubjectId(s);
      new_subject_ids_.insert(id);
      by_name[key] = id;
      subject_id_of_[s.key] = id;
      auto* p = Emit(kSubjects).mutable_subject_defined();
      p->set_subject_id(id);
      p->set_name(CollapseSpaces(s.name));
      p->set_short_name(CollapseSpaces(s.short_name));
      p->set_kind(s.kind != v1::SUBJECT_KIND_UNSPECIFIED ? s.kind : GuessKind(s.name));
      Note(s.at, RowStatus::kNew, "новый предмет «" + p->name() + "»");
      continue;
    }
    subject_id_of_[s.key] = existing->id;
    by_name[key] = existing->id;
    const bool renamed = NameKey(existing->name) != key;
    const bool rekinded = s.kind != v1::SUBJECT_KIND_UNSPECIFIED && s.kind != existing->kind;
    if (renamed || rekinded) {
      auto* p = Emit(kSubjects).mutable_subject_defined();
      p->set_subject_id(existing->id);
      p->set_name(renamed ? CollapseSpaces(s.name) : existing->name);
      p->set_short_name(CollapseSpaces(s.short_name));
      p->set_kind(rekinded ? s.kind : existing->kind);
      Note(s.at, RowStatus::kChanged,
           renamed ? "предмет «" + existing->name + "» переименован в «" + p->name() + "»"
                   : "у предмета «" + existing->name + "» другой вид");
    }
  }
}

std::string Planner::NewClassId(const ClassPlan& c) {
  auto free = [&](const std::string& id) {
    return IsValidId(id) && !school_.classes.contains(id) && !new_class_ids_.contains(id);
  };
  if (free(c.in->source_id)) return c.in->source_id;
  const std::string base =
      c.year_id + "-" + std::to_string(c.in->grade) + Transliterate(c.in->letter);
  std::string id = base;
  for (int n = 2; !free(id); ++n) id = base + "-" + std::to_string(n);
  return id;
}

void Planner::ResolveClasses() {
  for (const InputClass& in : in_.classes) {
    ClassPlan c;
    c.in = &in;
    c.year_id = in.year_id.empty() ? ctx_.academic_year_id : in.year_id;
    class_index_[in.key] = classes_.size();
    if (c.year_id.empty()) {
      c.refusal = "не указан учебный год класса " + c.Text();
    } else if (!school_.years.contains(c.year_id) && !new_years_.contains(c.year_id)) {
      c.refusal = "учебный год «" + c.year_id + "» не определён в школе: сначала откройте год (" +
                  "сроки и учебные периоды), потом создавайте классы " + c.Text();
    }
    if (!c.refusal.empty()) {
      c.rule = "R-SET-1";
      Refuse(in.at, c.refusal, c.rule);
      classes_.push_back(std::move(c));
      continue;
    }
    std::vector<const school::SchoolClass*> same;
    for (const auto& [id, cls] : school_.classes) {
      if (cls.year_id == c.year_id && cls.grade == in.grade &&
          NameKey(cls.letter) == NameKey(in.letter)) {
        same.push_back(&cls);
      }
    }
    std::sort(same.begin(), same.end(), [](auto* a, auto* b) { return a->id < b->id; });
    if (same.size() > 1) {
      c.refusal = "в школе два класса " + c.Text() + " года " + c.year_id + " (" + same[0]->id +
                  ", " + same[1]->id + "): разрешите вручную";
      c.rule = "R-SET-1";
      Refuse(in.at, c.refusal, c.rule);
    } else if (same.size() == 1) {
      c.existing = same.front();
      c.id = c.existing->id;
    } else {
      c.id = NewClassId(c);
      new_class_ids_.insert(c.id);
    }
    classes_.push_back(std::move(c));
  }
}

void Planner::EmitClasses() {
  for (const ClassPlan& c : classes_) {
    if (!c.refusal.empty()) continue;
    std::string teacher;
    if (!c.in->teacher_key.empty()) {
      const UserPlan* t = User(c.in->teacher_key);
      if (t == nullptr || t->refused) continue;  // the teacher's own row says why
      teacher = t->id;
    }
    if (c.existing == nullptr) {
      auto* p = Emit(kClasses).mutable_class_created();
      p->set_class_id(c.id);
      p->set_academic_year_id(c.year_id);
      p->set_grade(c.in->grade);
      p->set_letter(c.in->letter);
      p->set_class_teacher_id(teacher);
      Note(c.in->at, RowStatus::kNew,
           "новый класс " + c.Text() + " (" + c.year_id + ")" +
               (teacher.empty() ? "" : ", классный руководитель " + UserName(teacher)));
    } else if (!teacher.empty() && c.existing->class_teacher_id != teacher) {
      v1::EventBody& b = Emit(kClassTeachers);
      auto* p = b.mutable_class_teacher_assigned();
      p->set_class_id(c.id);
      p->set_class_teacher_id(teacher);
      *p->mutable_effective_from() = school::DateOf(EffectiveDay());
      *b.mutable_business_date() = p->effective_from();
      Note(c.in->at, RowStatus::kChanged,
           "классный руководитель " + c.Text() + ": " + UserName(teacher) +
               (c.existing->class_teacher_id.empty()
                    ? ""
                    : " (был: " + UserName(c.existing->class_teacher_id) + ")"));
    }
  }
}

void Planner::PlanLoads() {
  std::set<std::tuple<std::string, std::string, std::string, std::string>> planned;
  std::set<std::string> new_ids;
  for (const InputLoad& l : in_.loads) {
    const UserPlan* t = User(l.teacher_key);
    const ClassPlan* c = Class(l.class_key);
    if (t == nullptr || c == nullptr) continue;  // the reader refused the row
    if (t->refused) {
      Note(l.at, RowStatus::kSkipped, "нагрузка не обработана: учитель отклонён");
      continue;
    }
    if (!c->refusal.empty()) {
      Refuse(l.at, c->refusal, c->rule);
      continue;
    }
    std::string subject;
    if (auto it = subject_id_of_.find(l.subject_key); it != subject_id_of_.end()) {
      subject = it->second;
    } else if (school_.subjects.contains(l.subject_key)) {
      subject = l.subject_key;
    } else {
      Refuse(l.at,
             "нагрузка по предмету «" + l.subject_key + "» в " + c->Text() +
                 ": такого предмета в школе нет (и в файле его нет); сначала добавьте предмет",
             "R-SET-1");
      continue;
    }
    if (!l.subgroup_id.empty() && !school_.subgroups.contains(l.subgroup_id)) {
      Note(l.at, RowStatus::kSkipped,
           "подгруппы «" + l.subgroup_id +
               "» в школе нет: импорт не создаёт подгрупп, нагрузку "
               "на подгруппу назначьте вручную");
      continue;
    }
    const std::string teacher = Target(*t).id;
    auto key = std::make_tuple(teacher, c->id, l.subgroup_id, subject);
    if (!planned.insert(key).second) continue;
    const bool held = std::any_of(school_.loads.begin(), school_.loads.end(), [&](const auto& e) {
      const school::Load& x = e.second;
      return x.teacher_id == teacher && x.class_id == c->id && x.subgroup_id == l.subgroup_id &&
             x.subject_id == subject && x.year_id == c->year_id;
    });
    if (held) continue;
    auto free = [&](const std::string& id) {
      return IsValidId(id) && !school_.loads.contains(id) && !new_ids.contains(id);
    };
    std::string id = l.source_id;
    if (!free(id)) {
      const std::string base = "l-" + c->id + "-" + subject + "-" + teacher;
      id = base;
      for (int n = 2; !free(id); ++n) id = base + "-" + std::to_string(n);
    }
    new_ids.insert(id);
    v1::EventBody& b = Emit(kLoads);
    auto* p = b.mutable_teaching_load_assigned();
    p->set_load_id(id);
    p->set_teacher_id(teacher);
    p->set_class_id(c->id);
    p->set_subgroup_id(l.subgroup_id);
    p->set_subject_id(subject);
    p->set_weekly_hours(l.weekly_hours);
    p->set_academic_year_id(c->year_id);
    if (l.first != school::kNoDay || l.last != school::kNoDay) {
      *p->mutable_dates() = Range(l.first, l.last);
      if (l.first != school::kNoDay) *b.mutable_business_date() = school::DateOf(l.first);
    }
    std::string subject_name = subject;
    if (auto it = school_.subjects.find(subject); it != school_.subjects.end()) {
      subject_name = it->second.name;
    } else {
      for (const auto& s : bodies_[kSubjects]) {
        if (s.subject_defined().subject_id() == subject) subject_name = s.subject_defined().name();
      }
    }
    Note(l.at, RowStatus::kNew,
         "нагрузка: " + UserName(teacher) + " — " + subject_name + ", " + c->Text() +
             (l.subgroup_id.empty() ? "" : " (подгруппа " + l.subgroup_id + ")") + ", " +
             std::to_string(l.weekly_hours) + " ч в неделю");
  }
}

UserPlan* Planner::User(const std::string& key) {
  auto it = user_index_.find(key);
  return it == user_index_.end() ? nullptr : &users_[it->second];
}

ClassPlan* Planner::Class(const std::string& key) {
  auto it = class_index_.find(key);
  return it == class_index_.end() ? nullptr : &classes_[it->second];
}

std::string Planner::ClassText(const std::string& class_id) const {
  for (const ClassPlan& c : classes_) {
    if (c.id == class_id) return c.Text();
  }
  auto it = school_.classes.find(class_id);
  if (it == school_.classes.end()) return class_id;
  return std::to_string(it->second.grade) + it->second.letter;
}

std::string Planner::UserName(const std::string& user_id) const {
  for (const UserPlan& u : users_) {
    if (u.id == user_id && !u.display.empty()) return u.display;
  }
  const school::User* u = school_.FindUser(user_id);
  return u != nullptr && !u->display_name.empty() ? u->display_name : user_id;
}

std::vector<RowReport> Planner::Rows() const {
  std::map<std::string, size_t> file_rank;
  auto rank = [&](const std::string& file) { file_rank.emplace(file, file_rank.size()); };
  for (const SourceRow& r : in_.rows) rank(r.file);
  for (const RowReport& p : in_.problems) rank(p.at.file);
  for (const Fragment& f : fragments_) rank(f.at.file);
  std::map<std::pair<size_t, int>, std::pair<SourceRow, std::vector<Fragment>>> rows;
  auto row = [&](const SourceRow& at) -> std::vector<Fragment>& {
    auto& slot = rows[{file_rank.at(at.file), at.line}];
    slot.first = at;
    return slot.second;
  };
  for (const SourceRow& r : in_.rows) row(r);
  for (const RowReport& p : in_.problems) row(p.at).push_back({p.at, p.status, p.message, p.rule});
  for (const Fragment& f : fragments_) row(f.at).push_back(f);
  std::vector<RowReport> out;
  for (auto& [order, entry] : rows) {
    RowReport r;
    r.at = entry.first;
    auto has = [&](RowStatus s) {
      return std::any_of(entry.second.begin(), entry.second.end(),
                         [&](const Fragment& f) { return f.status == s; });
    };
    r.status = has(RowStatus::kRefused)   ? RowStatus::kRefused
               : has(RowStatus::kNew)     ? RowStatus::kNew
               : has(RowStatus::kChanged) ? RowStatus::kChanged
               : has(RowStatus::kSkipped) ? RowStatus::kSkipped
                                          : RowStatus::kUnchanged;
    for (const Fragment& f : entry.second) {
      const bool shown = r.status == RowStatus::kRefused ? f.status == RowStatus::kRefused
                                                         : f.status != RowStatus::kUnchanged;
      if (!shown) continue;
      if (!r.message.empty()) r.message += "; ";
      r.message += f.text;
      if (r.rule.empty()) r.rule = f.rule;
    }
    // A row that only says what it is ("период учебного года ...") keeps its words.
    for (const Fragment& f : entry.second) {
      if (r.message.empty() && r.status == RowStatus::kUnchanged && !f.text.empty()) {
        r.message = f.text + ": без изменений";
      }
    }
    if (r.message.empty()) r.message = "без изменений";
    out.push_back(std::move(r));
  }
  RelateRows(out);
  return out;
}

// A related row (a term, a role, the class teacher's enrolment) takes its record's outcome.
void Planner::RelateRows(std::vector<RowReport>& out) const {
  std::map<SourceRow, size_t> index;
  for (size_t i = 0; i < out.size(); ++i) index[out[i].at] = i;
  auto relate = [&](const SourceRow& main, const std::vector<RelatedRow>& related) {
    auto m = index.find(main);
    if (m == index.end() || out[m->second].status == RowStatus::kUnchanged ||
        out[m->second].status == RowStatus::kSkipped) {
      return;
    }
    for (const RelatedRow& rel : related) {
      auto r = index.find(rel.at);
      if (r == index.end() || out[r->second].status != RowStatus::kUnchanged) continue;
      RowReport& related_row = out[r->second];
      related_row.status = out[m->second].status;
      related_row.rule = out[m->second].rule;
      related_row.message =
          rel.what + " (см. " + main.file + ", строка " + std::to_string(main.line) + ")";
    }
  };
  for (const InputYear& y : in_.years) relate(y.at, y.related);
  for (const InputUser& u : in_.users) relate(u.at, u.related);
  for (const InputClass& c : in_.classes) relate(c.at, c.related);
  for (const InputEnrolment& e : in_.enrolments) relate(e.at, e.related);
}

ImportPlan Planner::Assemble() {
  ImportPlan plan;
  plan.notes = in_.notes;
  plan.notes.insert(plan.notes.end(), notes_.begin(), notes_.end());
  plan.rows = Rows();
  if (!plan.ok()) return plan;
  for (auto& bucket : bodies_) {
    for (auto& b : bucket) plan.bodies.push_back(std::move(b));
  }
  plan.contacts = std::move(contacts_);
  return plan;
}

}  // namespace internal
}  // namespace ejournal::setup
