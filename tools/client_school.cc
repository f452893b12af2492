// The set-up facts one at a time (R-SET-1..3), for the administrator and the methodist at a
// terminal and for scripts: users, subjects, classes, students' enrolment, moves and leaving,
// guardians, the teaching load, the year with its terms, holidays, bells and timetable slots.
//
// People, classes, subjects and groups are named as a person names them: a login or the full
// name ("Петрова Нина Ивановна", or any unique beginning of it), "5А" (also "5 а"), "Математика",
// "1 группа"; an id works too. Names are found in the school's set-up (GET .../setup); a name that
// fits several is refused with the candidates. Each verb signs its event(s) with the session's
// key and submits them like the pages do; the server's rules decide, and a refusal is printed
// with its rule.
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ejournal/v1/setup.pb.h"
#include "projections/school.h"
#include "projections/school_time.h"
#include "tools/client_internal.h"

namespace ejournal::client {
namespace {

using nlohmann::json;

// j[key] of an object, or null: operator[] on a const json must not meet a missing key.
const json& Get(const json& j, const char* key) {
  static const json kNull;
  if (!j.is_object()) return kNull;
  auto it = j.find(key);
  return it == j.end() ? kNull : *it;
}

Status NotFoundAs(std::string message, std::string rule) {
  return Status(StatusCode::kNotFound, std::move(message), std::move(rule));
}

// The flags of these verbs (one set: only the chosen verb's are parsed).
struct SchoolFlags {
  std::string user, name, login, roles, reason, cls, teacher, subject, group, student, parent, from,
      to, order, comment, year, id, short_name, kind, letter, day, room, weeks, grades, role,
      new_day;
  std::vector<std::string> terms, periods;
  int grade = 0, hours = 0, period = 0, new_period = 0;
  bool home = false, six_days = false, all = false;
};

// ---------------------------------------------------------------------------------------------
// Names as typed

// Text folded for matching a name as typed: capitals lowered (Latin and Cyrillic), ё as е,
// spaces, hyphens, dots, underscores and quotes dropped ("5 а" = "5А").
std::string Folded(std::string_view text) {
  const std::string key = school::LoginKey(text);
  std::string out;
  for (size_t i = 0; i < key.size(); ++i) {
    const auto b = static_cast<unsigned char>(key[i]);
    const auto next = i + 1 < key.size() ? static_cast<unsigned char>(key[i + 1]) : 0;
    if (b == ' ' || b == '\t' || b == '-' || b == '.' || b == '_' || b == '"' || b == '\'') {
      continue;
    }
    if (b == 0xC2 && (next == 0xAB || next == 0xBB)) {  // « »
      ++i;
      continue;
    }
    if (b == 0xD1 && next == 0x91) {  // ё
      out += "\xD0\xB5";
      ++i;
      continue;
    }
    out += key[i];
  }
  return out;
}

struct RoleWord {
  v1::Role role;
  const char* en;
  const char* ru;
};
constexpr RoleWord kRoles[] = {
    {v1::ROLE_ADMIN, "admin", "администратор"},
    {v1::ROLE_DIRECTOR, "director", "директор"},
    {v1::ROLE_DEPUTY, "deputy", "завуч"},
    {v1::ROLE_METHODIST, "methodist", "методист"},
    {v1::ROLE_TEACHER, "teacher", "учитель"},
    {v1::ROLE_CLASS_TEACHER, "class-teacher", "классный руководитель"},
    {v1::ROLE_SECRETARY, "secretary", "секретарь"},
    {v1::ROLE_SOCIAL_PEDAGOGUE, "social-pedagogue", "социальный педагог"},
    {v1::ROLE_PSYCHOLOGIST, "psychologist", "психолог"},
    {v1::ROLE_PARENT, "parent", "родитель"},
    {v1::ROLE_STUDENT, "student", "ученик"},
    {v1::ROLE_AUDITOR, "auditor", "аудитор"},
};

Result<v1::Role> RoleArg(const std::string& text) {
  for (const RoleWord& r : kRoles) {
    if (text == r.en || Folded(text) == Folded(r.ru)) return r.role;
  }
  std::string known;
  for (const RoleWord& r : kRoles) known += std::string(known.empty() ? "" : ", ") + r.en;
  return Err(InvalidArgument("Нет роли «" + text + "»; роли: " + known, "R-ACC-2"));
}

std::string RoleText(const std::string& enum_name) {
  v1::Role role = v1::ROLE_UNSPECIFIED;
  if (!v1::Role_Parse(enum_name, &role)) return enum_name;
  for (const RoleWord& r : kRoles) {
    if (r.role == role) return r.ru;
  }
  return enum_name;
}

Result<v1::Weekday> WeekdayArg(const std::string& text) {
  static const std::pair<const char*, const char*> kDays[] = {
      {"пн", "понедельник"}, {"вт", "вторник"}, {"ср", "среда"},      {"чт", "четверг"},
      {"пт", "пятница"},     {"сб", "суббота"}, {"вс", "воскресенье"}};
  static const char* kEn[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
  const std::string f = Folded(text);
  for (int i = 0; i < 7; ++i) {
    if (f == Folded(kDays[i].first) || f == Folded(kDays[i].second) || f == kEn[i] ||
        f == std::to_string(i + 1)) {
      return static_cast<v1::Weekday>(i + 1);
    }
  }
  return Err(InvalidArgument("День недели — пн, вт, ср, чт, пт, сб (или 1..6), а не «" + text + "»",
                             "R-SET-3"));
}

// "08:30" as minutes since midnight.
Result<int> ClockArg(const std::string& text) {
  int h = -1, m = -1;
  if (std::sscanf(text.c_str(), "%d:%d", &h, &m) != 2 || h < 0 || h > 23 || m < 0 || m > 59) {
    return Err(InvalidArgument("Время — ЧЧ:ММ, а не «" + text + "»", "R-TIME-1"));
  }
  return h * 60 + m;
}

// "YYYY-MM-DD" (or "ДД.ММ.ГГГГ") as a Date; empty: today in the school's zone.
Result<v1::Date> DateFlag(const std::string& text, const Common& c) {
  return DateArg(text, c.zone);
}

// An optional date flag: unset when empty.
Result<std::optional<v1::Date>> OptionalDate(const std::string& text, const Common& c) {
  if (text.empty()) return std::optional<v1::Date>();
  EJ_ASSIGN_OR_RETURN(v1::Date d, DateFlag(text, c));
  return std::optional<v1::Date>(d);
}

std::string RuDate(const json& d) {
  if (!d.is_object() || d.value("year", 0) == 0) return "";
  char out[16];
  std::snprintf(out, sizeof out, "%02d.%02d.%04d", d.value("day", 0), d.value("month", 0),
                d.value("year", 0));
  return out;
}

std::string RuDate(const v1::Date& d) {
  char out[16];
  std::snprintf(out, sizeof out, "%02d.%02d.%04d", d.day(), d.month(), d.year());
  return out;
}

v1::Date DateFromJson(const json& d) {
  v1::Date out;
  if (!d.is_object()) return out;
  out.set_year(d.value("year", 0));
  out.set_month(d.value("month", 0));
  out.set_day(d.value("day", 0));
  return out;
}

// "YYYY-MM-DD" of a JSON date, for comparing ("" when unset).
std::string Iso(const json& d) {
  if (!d.is_object() || d.value("year", 0) == 0) return "";
  return DayText(DateFromJson(d));
}

// One of the things a name may mean.
struct Candidate {
  std::string id;
  std::vector<std::string> names;  // as shown, first = the label in messages
  std::string detail;              // for telling candidates apart ("логин petrova")
};

// The candidate `text` means: its id; else the one whose name is `text` (folded); else the one
// whose name begins with it; else the one whose name contains it. `what` names the kind in the
// refusal ("учитель", "класс").
Result<std::string> Pick(const std::vector<Candidate>& all, const std::string& text,
                         const std::string& what) {
  if (text.empty()) return Err(InvalidArgument("Не указан " + what, "R-SET-1"));
  for (const Candidate& c : all) {
    if (c.id == text) return c.id;
  }
  const std::string f = Folded(text);
  using Test = bool (*)(const std::string&, const std::string&);
  const Test tests[] = {
      [](const std::string& name, const std::string& key) { return name == key; },
      [](const std::string& name, const std::string& key) { return name.starts_with(key); },
      [](const std::string& name, const std::string& key) {
        return name.find(key) != std::string::npos;
      }};
  for (Test test : tests) {
    std::vector<const Candidate*> found;
    for (const Candidate& c : all) {
      for (const std::string& name : c.names) {
        if (!name.empty() && test(Folded(name), f)) {
          found.push_back(&c);
          break;
        }
      }
    }
    if (found.size() == 1) return found.front()->id;
    if (found.size() > 1) {
      std::string list;
      for (size_t i = 0; i < found.size() && i < 8; ++i) {
        list += (i ? "; " : "") + found[i]->names.front() +
                (found[i]->detail.empty() ? "" : " (" + found[i]->detail + ")");
      }
      if (found.size() > 8) list += "; ...";
      return Err(InvalidArgument(
          "«" + text + "» — не один " + what + ": " + list + ". Уточните (логин или полностью)",
          "R-SET-1"));
    }
  }
  return Err(NotFoundAs("В школе нет: " + what + " «" + text + "»", "R-SET-1"));
}

// The school's set-up as GET .../setup answers it, and the names in it.
class Directory {
 public:
  static Result<Directory> Load(const Common& c, const Session& s) {
    EJ_ASSIGN_OR_RETURN(json view, GetJson(c, s, "/api/v1/schools/" + s.school_id + "/setup"));
    EJ_ASSIGN_OR_RETURN(v1::Date today, DateArg("", c.zone));
    return Directory(std::move(view), DayText(today));
  }

  const json& view() const { return view_; }
  const std::string& today() const { return today_; }

  json List(const char* key) const { return view_.value(key, json::array()); }

  // The year whose dates hold `iso` (YYYY-MM-DD); else the one starting last; "" without years.
  std::string YearOn(const std::string& iso) const {
    std::string latest, latest_first;
    for (const json& y : List("years")) {
      const std::string first = Iso(Get(Get(y, "dates"), "first_day"));
      const std::string last = Iso(Get(Get(y, "dates"), "last_day"));
      if (first <= iso && (last.empty() || iso <= last)) return y.value("academic_year_id", "");
      if (first > latest_first) {
        latest_first = first;
        latest = y.value("academic_year_id", "");
      }
    }
    return latest;
  }

  Result<std::string> Class(const std::string& text) const {
    // The current year's classes first: "5А" of this year, not of the last.
    const std::string year = YearOn(today_);
    std::vector<Candidate> now, all;
    for (const json& c : List("classes")) {
      Candidate cand{Get(c, "created").value("class_id", ""),
                     {c.value("label", "")},
                     "год " + Get(c, "created").value("academic_year_id", "")};
      if (Get(c, "created").value("academic_year_id", "") == year) now.push_back(cand);
      all.push_back(std::move(cand));
    }
    if (auto id = Pick(now, text, "класс")) return id;
    return Pick(all, text, "класс");
  }

  Result<std::string> Subject(const std::string& text) const {
    std::vector<Candidate> all;
    for (const json& s : List("subjects")) {
      all.push_back({s.value("subject_id", ""), {s.value("name", ""), s.value("short_name", "")}});
    }
    return Pick(all, text, "предмет");
  }

  // A user holding `role` (ROLE_UNSPECIFIED: any); `what` names them ("учитель").
  Result<std::string> Person(const std::string& text, v1::Role role,
                             const std::string& what) const {
    std::vector<Candidate> all;
    const std::string role_name = v1::Role_Name(role);
    for (const json& u : List("users")) {
      const json& user = Get(u, "user");
      if (role != v1::ROLE_UNSPECIFIED) {
        const json roles = user.value("roles", json::array());
        if (std::find(roles.begin(), roles.end(), role_name) == roles.end()) continue;
      }
      std::string detail = "логин " + user.value("login_name", "");
      if (!u.value("class_id", "").empty()) detail += ", " + ClassLabel(u.value("class_id", ""));
      if (!u.value("active", false)) detail += ", отключён";
      all.push_back({user.value("user_id", ""),
                     {user.value("display_name", ""), user.value("login_name", "")},
                     detail});
    }
    // A login is exact whatever its case (R-ACC-5).
    for (const json& u : List("users")) {
      const json& user = Get(u, "user");
      if (school::LoginKey(user.value("login_name", "")) == school::LoginKey(text)) {
        for (const Candidate& c : all) {
          if (c.id == user.value("user_id", "")) return c.id;
        }
      }
    }
    return Pick(all, text, what);
  }

  // A subgroup of the class (of the subject, when given).
  Result<std::string> Group(const std::string& class_id, const std::string& subject_id,
                            const std::string& text) const {
    std::vector<Candidate> all;
    for (const json& g : List("subgroups")) {
      if (g.value("class_id", "") != class_id) continue;
      if (!subject_id.empty() && g.value("subject_id", "") != subject_id) continue;
      all.push_back({g.value("subgroup_id", ""), {g.value("name", "")}});
    }
    return Pick(all, text, "группа класса " + ClassLabel(class_id));
  }

  std::string ClassLabel(const std::string& id) const {
    for (const json& c : List("classes")) {
      if (Get(c, "created").value("class_id", "") == id) return c.value("label", id);
    }
    return id;
  }
  std::string SubjectName(const std::string& id) const {
    for (const json& s : List("subjects")) {
      if (s.value("subject_id", "") == id) return s.value("name", id);
    }
    return id;
  }
  std::string UserName(const std::string& id) const {
    for (const json& u : List("users")) {
      if (Get(u, "user").value("user_id", "") == id)
        return Get(u, "user").value("display_name", id);
    }
    return id;
  }
  std::string GroupName(const std::string& id) const {
    for (const json& g : List("subgroups")) {
      if (g.value("subgroup_id", "") == id) return g.value("name", id);
    }
    return id;
  }

 private:
  Directory(json view, std::string today) : view_(std::move(view)), today_(std::move(today)) {}
  json view_;
  std::string today_;
};

// The signing session and the directory, or the refusal already printed (rc).
struct Context {
  Session session;
  std::optional<Directory> dir;
  int rc = 0;
};
Context Open(const Common& c) {
  Context out;
  auto s = Resolve(c, /*need_key=*/true, /*need_token=*/false);
  if (!s) {
    out.rc = Fail(s.error());
    return out;
  }
  out.session = std::move(*s);
  auto dir = Directory::Load(c, out.session);
  if (!dir) {
    out.rc = Fail(dir.error());
    return out;
  }
  out.dir.emplace(std::move(*dir));
  return out;
}

// Signs and submits one event with `payload` set by `fill` (and `business_date` when given).
template <class Fill>
int Write(const Common& c, const Session& s, const v1::Date* business_date, Fill fill) {
  v1::EventBody body = NewBody(s);
  fill(body);
  if (business_date != nullptr) *body.mutable_business_date() = *business_date;
  return Submit(c, s, body);
}

// The readers of lists take any session that reads.
Result<Directory> Reader(const Common& c) {
  EJ_ASSIGN_OR_RETURN(Session s, ResolveReader(c));
  return Directory::Load(c, s);
}

// ---------------------------------------------------------------------------------------------
// Users

int UsersList(const Common& c, const SchoolFlags& f) {
  auto dir = Reader(c);
  if (!dir) return Fail(dir.error());
  std::string role_name;
  if (!f.role.empty()) {
    auto role = RoleArg(f.role);
    if (!role) return Fail(role.error());
    role_name = v1::Role_Name(*role);
  }
  std::string class_id;
  if (!f.cls.empty()) {
    auto id = dir->Class(f.cls);
    if (!id) return Fail(id.error());
    class_id = *id;
  }
  std::vector<std::pair<std::string, const json*>> rows;
  const json users = dir->List("users");
  std::map<std::string, std::string> class_of;  // student -> class
  for (const json& u : users)
    class_of[Get(u, "user").value("user_id", "")] = u.value("class_id", "");
  for (const json& u : users) {
    if (!f.all && !u.value("active", false)) continue;
    const json roles = Get(u, "user").value("roles", json::array());
    if (!role_name.empty() && std::find(roles.begin(), roles.end(), role_name) == roles.end()) {
      continue;
    }
    if (!class_id.empty()) {
      bool in = u.value("class_id", "") == class_id;
      for (const json& child : u.value("children", json::array())) {
        in = in || class_of[child.get<std::string>()] == class_id;
      }
      if (!in) continue;
    }
    rows.emplace_back(Folded(Get(u, "user").value("display_name", "")), &u);
  }
  std::sort(rows.begin(), rows.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  if (c.json) {
    json out = json::array();
    for (const auto& [key, u] : rows) out.push_back(*u);
    std::printf("%s\n", out.dump(2).c_str());
    return 0;
  }
  std::printf("%s%s%s%s\n", Column("ФИО", 34).c_str(), Column("Логин", 20).c_str(),
              Column("Класс", 7).c_str(), "Роли");
  for (const auto& [key, u] : rows) {
    std::string roles;
    for (const json& r : Get((*u), "user").value("roles", json::array())) {
      roles += (roles.empty() ? "" : ", ") + RoleText(r.get<std::string>());
    }
    std::string cls = dir->ClassLabel((*u).value("class_id", ""));
    std::string children;
    for (const json& child : (*u).value("children", json::array())) {
      children += (children.empty() ? "" : ", ") + dir->UserName(child.get<std::string>());
    }
    if (!children.empty()) roles += " (" + children + ")";
    if (!(*u).value("active", false)) roles += " — отключён";
    std::printf("%s%s%s%s\n", Column(Get((*u), "user").value("display_name", ""), 33).c_str(),
                (" " + Column(Get((*u), "user").value("login_name", ""), 19)).c_str(),
                (" " + Column(cls, 6)).c_str(), (" " + roles).c_str());
  }
  std::printf("Всего: %zu\n", rows.size());
  return 0;
}

Result<std::vector<v1::Role>> RolesArg(const std::string& list) {
  std::vector<v1::Role> out;
  for (const std::string& item : Split(list)) {
    EJ_ASSIGN_OR_RETURN(v1::Role role, RoleArg(item));
    if (std::find(out.begin(), out.end(), role) == out.end()) out.push_back(role);
  }
  if (out.empty()) return Err(InvalidArgument("Не указаны роли (--roles)", "R-ACC-2"));
  return out;
}

int UsersAdd(const Common& c, const SchoolFlags& f) {
  auto roles = RolesArg(f.roles);
  if (!roles) return Fail(roles.error());
  auto s = Resolve(c, true, false);
  if (!s) return Fail(s.error());
  return Write(c, *s, nullptr, [&](v1::EventBody& b) {
    auto* u = b.mutable_user_registered();
    u->set_user_id("u-" + NewId());
    u->set_display_name(f.name);
    u->set_login_name(f.login);
    for (v1::Role r : *roles) u->add_roles(r);
  });
}

int UsersRoles(const Common& c, const SchoolFlags& f) {
  auto roles = RolesArg(f.roles);
  if (!roles) return Fail(roles.error());
  Context x = Open(c);
  if (x.rc != 0) return x.rc;
  auto who = x.dir->Person(f.user, v1::ROLE_UNSPECIFIED, "пользователь");
  if (!who) return Fail(who.error());
  return Write(c, x.session, nullptr, [&](v1::EventBody& b) {
    auto* u = b.mutable_user_roles_changed();
    u->set_user_id(*who);
    for (v1::Role r : *roles) u->add_roles(r);
  });
}

int UsersRename(const Common& c, const SchoolFlags& f) {
  if (f.name.empty() && f.login.empty()) {
    return Fail(InvalidArgument("Укажите новое ФИО (--name) или логин (--login)", "R-SET-2"));
  }
  Context x = Open(c);
  if (x.rc != 0) return x.rc;
  auto who = x.dir->Person(f.user, v1::ROLE_UNSPECIFIED, "пользователь");
  if (!who) return Fail(who.error());
  return Write(c, x.session, nullptr, [&](v1::EventBody& b) {
    auto* u = b.mutable_user_profile_changed();
    u->set_user_id(*who);
    u->set_display_name(f.name);
    u->set_login_name(f.login);
  });
}

int UsersDeactivate(const Common& c, const SchoolFlags& f) {
  Context x = Open(c);
  if (x.rc != 0) return x.rc;
  auto who = x.dir->Person(f.user, v1::ROLE_UNSPECIFIED, "пользователь");
  if (!who) return Fail(who.error());
  return Write(c, x.session, nullptr, [&](v1::EventBody& b) {
    b.mutable_user_deactivated()->set_user_id(*who);
    b.mutable_user_deactivated()->set_reason(f.reason);
  });
}

// ---------------------------------------------------------------------------------------------
// Subjects and classes

Result<v1::SubjectKind> SubjectKindArg(const std::string& text) {
  static const std::pair<const char*, v1::SubjectKind> kKinds[] = {
      {"russian", v1::SUBJECT_KIND_RUSSIAN_LANGUAGE},
      {"literature", v1::SUBJECT_KIND_LITERATURE},
      {"native-language", v1::SUBJECT_KIND_NATIVE_LANGUAGE},
      {"native-literature", v1::SUBJECT_KIND_NATIVE_LITERATURE},
      {"foreign-language", v1::SUBJECT_KIND_FOREIGN_LANGUAGE},
      {"pe", v1::SUBJECT_KIND_PHYSICAL_EDUCATION},
      {"other", v1::SUBJECT_KIND_OTHER}};
  if (text.empty()) return v1::SUBJECT_KIND_OTHER;
  for (const auto& [name, kind] : kKinds) {
    if (text == name) return kind;
  }
  return Err(
      InvalidArgument("Вид предмета — russian, literature, native-language, native-literature, "
                      "foreign-language, pe или other, а не «" +
                          text + "»",
                      "R-MARK-2"));
}

int SubjectsList(const Common& c) {
  auto dir = Reader(c);
  if (!dir) return Fail(dir.error());
  if (c.json) {
    std::printf("%s\n", dir->List("subjects").dump(2).c_str());
    return 0;
  }
  std::vector<std::pair<std::string, json>> rows;
  for (const json& s : dir->List("subjects")) rows.emplace_back(Folded(s.value("name", "")), s);
  std::sort(rows.begin(), rows.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [key, s] : rows) {
    std::printf("%s%s\n", Column(s.value("name", ""), 36).c_str(),
                s.value("short_name", "").c_str());
  }
  std::printf("Всего предметов: %zu\n", rows.size());
  return 0;
}

int SubjectsSet(const Common& c, const SchoolFlags& f, bool rename) {
  auto kind = SubjectKindArg(f.kind);
  if (!kind) return Fail(kind.error());
  Context x = Open(c);
  if (x.rc != 0) return x.rc;
  std::string id = f.id.empty() ? "subj-" + NewId().substr(0, 8) : f.id;
  v1::SubjectKind k = *kind;
  if (rename) {
    auto found = x.dir->Subject(f.subject);
    if (!found) return Fail(found.error());
    id = *found;
    for (const json& s : x.dir->List("subjects")) {
      if (s.value("subject_id", "") == id && f.kind.empty()) {
        v1::SubjectKind was = v1::SUBJECT_KIND_UNSPECIFIED;
        if (v1::SubjectKind_Parse(s.value("kind", ""), &was)) k = was;
      }
    }
  }
  return Write(c, x.session, nullptr, [&](v1::EventBody& b) {
    auto* s = b.mutable_subject_defined();
    s->set_subject_id(id);
    s->set_name(f.name);
    s->set_short_name(f.short_name);
    s->set_kind(k);
  });
}

int ClassesList(const Common& c) {
  auto dir = Reader(c);
  if (!dir) return Fail(dir.error());
  if (c.json) {
    std::printf("%s\n", dir->List("classes").dump(2).c_str());
    return 0;
  }
  std::vector<std::tuple<std::string, int, std::string, const json*>> rows;
  const json classes = dir->List("classes");
  for (const json& cl : classes) {
    rows.emplace_back(Get(cl, "created").value("academic_year_id", ""),
                      Get(cl, "created").value("grade", 0),
                      Folded(Get(cl, "created").value("letter", "")), &cl);
  }
  std::sort(rows.begin(), rows.end());  // by year, then 1А < 2А < 10А
  std::printf("%s%s%s%s\n", Column("Класс", 7).c_str(), Column("Год", 11).c_str(),
              Column("Учеников", 10).c_str(), "Классный руководитель");
  for (const auto& [year, grade, letter, cl] : rows) {
    const std::string teacher = Get((*cl), "created").value("class_teacher_id", "");
    std::printf(
        "%s%s%s%s\n", Column((*cl).value("label", ""), 7).c_str(), Column(year, 11).c_str(),
        Column(std::to_string((*cl).value("student_ids", json::array()).size()), 10).c_str(),
        teacher.empty() ? "не назначен" : dir->UserName(teacher).c_str());
  }
  return 0;
}

int ClassesAdd(const Common& c, const SchoolFlags& f) {
  Context x = Open(c);
  if (x.rc != 0) return x.rc;
  const std::string year = f.year.empty() ? x.dir->YearOn(x.dir->today()) : f.year;
  if (year.empty()) {
    return Fail(FailedPrecondition("Сначала задайте учебный год (ejournal year set)", "R-SET-1"));
  }
  std::string teacher;
  if (!f.teacher.empty()) {
    auto t = x.dir->Person(f.teacher, v1::ROLE_CLASS_TEACHER, "классный руководитель");
    if (!t) return Fail(t.error());
    teacher = *t;
  }
  char id[16];
  std::snprintf(id, sizeof id, "c%02d-", f.grade);
  return Write(c, x.session, nullptr, [&](v1::EventBody& b) {
    auto* cl = b.mutable_class_created();
    cl->set_class_id(id + NewId().substr(0, 8));
    cl->set_academic_year_id(year);
    cl->set_grade(f.grade);
    cl->set_letter(f.letter);
    cl->set_class_teacher_id(teacher);
  });
}

int ClassesTeacher(const Common& c, const SchoolFlags& f) {
  auto from = DateFlag(f.from, c);
  if (!from) return Fail(from.error());
  Context x = Open(c);
  if (x.rc != 0) return x.rc;
  auto cls = x.dir->Class(f.cls);
  if (!cls) return Fail(cls.error());
  auto t = x.dir->Person(f.teacher, v1::ROLE_CLASS_TEACHER, "классный руководитель");
  if (!t) return Fail(t.error());
  return Write(c, x.session, &*from, [&](v1::EventBody& b) {
    auto* a = b.mutable_class_teacher_assigned();
    a->set_class_id(*cls);
    a->set_class_teacher_id(*t);
    *a->mutable_effective_from() = *from;
  });
}

// ---------------------------------------------------------------------------------------------
// Students and guardians

int StudentsEnrol(const Common& c, const SchoolFlags& f, bool move) {
  auto on = DateFlag(f.from, c);
  if (!on) return Fail(on.error());
  Context x = Open(c);
  if (x.rc != 0) return x.rc;
  auto student = x.dir->Person(f.student, v1::ROLE_STUDENT, "ученик");
  if (!student) return Fail(student.error());
  auto cls = x.dir->Class(f.cls);
  if (!cls) return Fail(cls.error());
  return Write(c, x.session, &*on, [&](v1::EventBody& b) {
    if (move) {
      auto* m = b.mutable_student_moved();
      m->set_student_id(*student);
      m->set_to_class_id(*cls);
      *m->mutable_moved_on() = *on;
      m->set_home_schooling(f.home);
      m->set_order_number(f.order);
    } else {
      auto* e = b.mutable_student_enrolled();
      e->set_student_id(*student);
      e->set_class_id(*cls);
      *e->mutable_enrolled_on() = *on;
      e->set_home_schooling(f.home);
      e->set_order_number(f.order);
    }
  });
}

int StudentsLeave(const Common& c, const SchoolFlags& f) {
  static const std::pair<const char*, v1::LeaveReason> kReasons[] = {
      {"transfer", v1::LEAVE_REASON_TRANSFER},
      {"graduated", v1::LEAVE_REASON_GRADUATED},
      {"expelled", v1::LEAVE_REASON_EXPELLED},
      {"other", v1::LEAVE_REASON_OTHER}};
  v1::LeaveReason reason = v1::LEAVE_REASON_UNSPECIFIED;
  for (const auto& [name, r] : kReasons) {
    if (f.reason == name) reason = r;
  }
  if (reason == v1::LEAVE_REASON_UNSPECIFIED) {
    return Fail(InvalidArgument(
        "Причина выбытия — transfer, graduated, expelled или other, а не «" + f.reason + "»",
        "R-SET-1"));
  }
  auto on = DateFlag(f.from, c);
  if (!on) return Fail(on.error());
  Context x = Open(c);
  if (x.rc != 0) return x.rc;
  auto student = x.dir->Person(f.student, v1::ROLE_STUDENT, "ученик");
  if (!student) return Fail(student.error());
  return Write(c, x.session, &*on, [&](v1::EventBody& b) {
    auto* l = b.mutable_student_left();
    l->set_student_id(*student);
    *l->mutable_left_on() = *on;
    l->set_reason(reason);
    l->set_comment(f.comment);
    l->set_order_number(f.order);
  });
}

int Guardians(const Common& c, const SchoolFlags& f, bool link) {
  Context x = Open(c);
  if (x.rc != 0) return x.rc;
  auto parent = x.dir->Person(f.parent, v1::ROLE_PARENT, "родитель");
  if (!parent) return Fail(parent.error());
  auto student = x.dir->Person(f.student, v1::ROLE_STUDENT, "ученик");
  if (!student) return Fail(student.error());
  return Write(c, x.session, nullptr, [&](v1::EventBody& b) {
    if (link) {
      b.mutable_guardian_linked()->set_guardian_id(*parent);
      b.mutable_guardian_linked()->set_student_id(*student);
    } else {
      b.mutable_guardian_unlinked()->set_guardian_id(*parent);
      b.mutable_guardian_unlinked()->set_student_id(*student);
      b.mutable_guardian_unlinked()->set_reason(f.reason);
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Teaching load

// The class, subject, teacher and group the flags name.
struct Placement {
  std::string class_id, subject_id, teacher_id, group_id;
};
Result<Placement> PlacementOf(const Directory& dir, const SchoolFlags& f, bool need_teacher) {
  Placement p;
  EJ_ASSIGN_OR_RETURN(p.class_id, dir.Class(f.cls));
  if (!f.subject.empty()) {
    EJ_ASSIGN_OR_RETURN(p.subject_id, dir.Subject(f.subject));
  }
  if (need_teacher || !f.teacher.empty()) {
    EJ_ASSIGN_OR_RETURN(p.teacher_id, dir.Person(f.teacher, v1::ROLE_TEACHER, "учитель"));
  }
  if (!f.group.empty()) {
    EJ_ASSIGN_OR_RETURN(p.group_id, dir.Group(p.class_id, p.subject_id, f.group));
  }
  return p;
}

int LoadList(const Common& c, const SchoolFlags& f) {
  auto dir = Reader(c);
  if (!dir) return Fail(dir.error());
  std::string class_id, teacher_id;
  if (!f.cls.empty()) {
    auto id = dir->Class(f.cls);
    if (!id) return Fail(id.error());
    class_id = *id;
  }
  if (!f.teacher.empty()) {
    auto id = dir->Person(f.teacher, v1::ROLE_TEACHER, "учитель");
    if (!id) return Fail(id.error());
    teacher_id = *id;
  }
  std::vector<std::pair<std::string, json>> rows;
  for (const json& l : dir->List("loads")) {
    if (!class_id.empty() && l.value("class_id", "") != class_id) continue;
    if (!teacher_id.empty() && l.value("teacher_id", "") != teacher_id) continue;
    rows.emplace_back(Folded(dir->ClassLabel(l.value("class_id", "")) + " " +
                             dir->SubjectName(l.value("subject_id", ""))),
                      l);
  }
  std::sort(rows.begin(), rows.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  if (c.json) {
    json out = json::array();
    for (const auto& [key, l] : rows) out.push_back(l);
    std::printf("%s\n", out.dump(2).c_str());
    return 0;
  }
  for (const auto& [key, l] : rows) {
    std::string what = dir->ClassLabel(l.value("class_id", "")) + ", " +
                       dir->SubjectName(l.value("subject_id", ""));
    if (!l.value("subgroup_id", "").empty()) {
      what += " (" + dir->GroupName(l.value("subgroup_id", "")) + ")";
    }
    std::string dates;
    if (l.contains("dates")) {
      const std::string first = RuDate(Get(Get(l, "dates"), "first_day"));
      const std::string last = RuDate(Get(Get(l, "dates"), "last_day"));
      if (!first.empty()) dates += " с " + first;
      if (!last.empty()) dates += " по " + last;
    }
    std::printf("%s — %s, %d ч в неделю%s\n", what.c_str(),
                dir->UserName(l.value("teacher_id", "")).c_str(), l.value("weekly_hours", 0),
                dates.c_str());
  }
  if (rows.empty()) std::printf("Учебной нагрузки нет.\n");
  return 0;
}

int LoadAssign(const Common& c, const SchoolFlags& f) {
  auto from_or = OptionalDate(f.from, c);
  if (!from_or) return Fail(from_or.error());
  auto to_or = OptionalDate(f.to, c);
  if (!to_or) return Fail(to_or.error());
  const std::optional<v1::Date> from = *from_or, to = *to_or;
  Context x = Open(c);
  if (x.rc != 0) return x.rc;
  auto p = PlacementOf(*x.dir, f, true);
  if (!p) return Fail(p.error());
  if (p->subject_id.empty())
    return Fail(InvalidArgument("Не указан предмет (--subject)", "R-SET-1"));
  std::string year = f.year;
  if (year.empty()) {
    for (const json& cl : x.dir->List("classes")) {
      if (Get(cl, "created").value("class_id", "") == p->class_id) {
        year = Get(cl, "created").value("academic_year_id", "");
      }
    }
  }
  return Write(c, x.session, from ? &*from : nullptr, [&](v1::EventBody& b) {
    auto* l = b.mutable_teaching_load_assigned();
    l->set_load_id("l-" + NewId());
    l->set_teacher_id(p->teacher_id);
    l->set_class_id(p->class_id);
    l->set_subgroup_id(p->group_id);
    l->set_subject_id(p->subject_id);
    l->set_weekly_hours(f.hours);
    l->set_academic_year_id(year);
    if (from) *l->mutable_dates()->mutable_first_day() = *from;
    if (to) *l->mutable_dates()->mutable_last_day() = *to;
  });
}

int LoadEnd(const Common& c, const SchoolFlags& f) {
  auto from = DateFlag(f.from, c);
  if (!from) return Fail(from.error());
  Context x = Open(c);
  if (x.rc != 0) return x.rc;
  auto p = PlacementOf(*x.dir, f, true);
  if (!p) return Fail(p.error());
  std::vector<std::string> found;
  const std::string iso = DayText(*from);
  for (const json& l : x.dir->List("loads")) {
    const std::string last = l.contains("dates") ? Iso(Get(Get(l, "dates"), "last_day")) : "";
    if (l.value("class_id", "") == p->class_id && l.value("teacher_id", "") == p->teacher_id &&
        (p->subject_id.empty() || l.value("subject_id", "") == p->subject_id) &&
        l.value("subgroup_id", "") == p->group_id && (last.empty() || last >= iso)) {
      found.push_back(l.value("load_id", ""));
    }
  }
  if (found.size() != 1) {
    return Fail(NotFoundAs(found.empty() ? "У учителя нет такой нагрузки на " + RuDate(*from)
                                         : "Под эти условия подходит несколько нагрузок: уточните "
                                           "предмет (--subject) или группу (--group)",
                           "R-SET-1"));
  }
  return Write(c, x.session, &*from, [&](v1::EventBody& b) {
    auto* r = b.mutable_teaching_load_removed();
    r->set_load_id(found.front());
    *r->mutable_effective_from() = *from;
    r->set_reason(f.reason);
  });
}

// ---------------------------------------------------------------------------------------------
// The year, holidays, bells

Result<v1::DateRange> RangeArg(const std::string& text, const Common& c) {
  const auto dots = text.find("..");
  if (dots == std::string::npos) {
    return Err(
        InvalidArgument("Период — «ПЕРВЫЙ..ПОСЛЕДНИЙ» день, например "
                        "01.09.2026..24.10.2026, а не «" +
                            text + "»",
                        "R-TERM-1"));
  }
  v1::DateRange r;
  EJ_ASSIGN_OR_RETURN(*r.mutable_first_day(), DateFlag(text.substr(0, dots), c));
  EJ_ASSIGN_OR_RETURN(*r.mutable_last_day(), DateFlag(text.substr(dots + 2), c));
  return r;
}

int YearSet(const Common& c, const SchoolFlags& f) {
  auto first = DateFlag(f.from, c);
  if (!first) return Fail(first.error());
  auto last = DateFlag(f.to, c);
  if (!last) return Fail(last.error());
  std::vector<v1::DateRange> terms;
  for (const std::string& t : f.terms) {
    auto r = RangeArg(t, c);
    if (!r) return Fail(r.error());
    terms.push_back(*r);
  }
  v1::TermKind kind = terms.size() == 4   ? v1::TERM_KIND_QUARTER
                      : terms.size() == 3 ? v1::TERM_KIND_TRIMESTER
                      : terms.size() == 2 ? v1::TERM_KIND_HALF_YEAR
                                          : v1::TERM_KIND_UNSPECIFIED;
  if (kind == v1::TERM_KIND_UNSPECIFIED) {
    return Fail(InvalidArgument(
        "Учебных периодов (--term) должно быть 4 (четверти), 3 (триместра) или 2 (полугодия)",
        "R-TERM-1"));
  }
  auto s = Resolve(c, true, false);
  if (!s) return Fail(s.error());
  const std::string id =
      f.id.empty() ? std::to_string(first->year()) + "-" + std::to_string(last->year()) : f.id;
  return Write(c, *s, &*first, [&](v1::EventBody& b) {
    auto* y = b.mutable_academic_year_defined();
    y->set_academic_year_id(id);
    *y->mutable_dates()->mutable_first_day() = *first;
    *y->mutable_dates()->mutable_last_day() = *last;
    auto* scheme = y->add_term_schemes();
    scheme->set_grade_from(1);
    scheme->set_grade_to(11);
    scheme->set_kind(kind);
    if (f.six_days) {
      for (int d = 1; d <= 6; ++d) scheme->add_school_weekdays(static_cast<v1::Weekday>(d));
    }
    for (size_t i = 0; i < terms.size(); ++i) {
      auto* t = scheme->add_terms();
      t->set_number(static_cast<int>(i + 1));
      *t->mutable_dates() = terms[i];
    }
  });
}

int YearShow(const Common& c) {
  auto dir = Reader(c);
  if (!dir) return Fail(dir.error());
  if (c.json) {
    std::printf("%s\n", dir->List("years").dump(2).c_str());
    return 0;
  }
  static const std::map<std::string, std::string> kKinds = {{"TERM_KIND_QUARTER", "четверть"},
                                                            {"TERM_KIND_TRIMESTER", "триместр"},
                                                            {"TERM_KIND_HALF_YEAR", "полугодие"}};
  for (const json& y : dir->List("years")) {
    std::printf("Учебный год %s: %s – %s\n", y.value("academic_year_id", "").c_str(),
                RuDate(Get(Get(y, "dates"), "first_day")).c_str(),
                RuDate(Get(Get(y, "dates"), "last_day")).c_str());
    for (const json& s : y.value("term_schemes", json::array())) {
      const auto kind = kKinds.find(s.value("kind", ""));
      std::printf("  %d–%d классы:\n", s.value("grade_from", 0), s.value("grade_to", 0));
      for (const json& t : s.value("terms", json::array())) {
        std::printf("    %d-я %s: %s – %s\n", t.value("number", 0),
                    kind == kKinds.end() ? "период" : kind->second.c_str(),
                    RuDate(Get(Get(t, "dates"), "first_day")).c_str(),
                    RuDate(Get(Get(t, "dates"), "last_day")).c_str());
      }
    }
    for (const json& h : y.value("holidays", json::array())) {
      std::printf("  %s: %s – %s\n", h.value("name", "нерабочие дни").c_str(),
                  RuDate(Get(Get(h, "dates"), "first_day")).c_str(),
                  RuDate(Get(Get(h, "dates"), "last_day")).c_str());
    }
  }
  if (dir->List("years").empty()) std::printf("Учебный год не задан.\n");
  return 0;
}

int HolidaysAdd(const Common& c, const SchoolFlags& f) {
  static const std::pair<const char*, v1::HolidayKind> kKinds[] = {
      {"vacation", v1::HOLIDAY_KIND_VACATION},
      {"holiday", v1::HOLIDAY_KIND_PUBLIC_HOLIDAY},
      {"quarantine", v1::HOLIDAY_KIND_QUARANTINE},
      {"activated", v1::HOLIDAY_KIND_ACTIVATED_DAY},
      {"other", v1::HOLIDAY_KIND_OTHER}};
  v1::HolidayKind kind = v1::HOLIDAY_KIND_UNSPECIFIED;
  for (const auto& [name, k] : kKinds) {
    if (f.kind == name) kind = k;
  }
  if (kind == v1::HOLIDAY_KIND_UNSPECIFIED) {
    return Fail(
        InvalidArgument("Вид нерабочих дней — vacation, holiday, quarantine, activated "
                        "или other, а не «" +
                            f.kind + "»",
                        "R-SET-1"));
  }
  auto first = DateFlag(f.from, c);
  if (!first) return Fail(first.error());
  auto last = f.to.empty() ? first : DateFlag(f.to, c);
  if (!last) return Fail(last.error());
  Context x = Open(c);
  if (x.rc != 0) return x.rc;
  const std::string year = f.year.empty() ? x.dir->YearOn(DayText(*first)) : f.year;
  std::vector<int> grades;
  for (const std::string& g : Split(f.grades)) grades.push_back(std::atoi(g.c_str()));
  std::string class_id;
  if (!f.cls.empty()) {
    auto id = x.dir->Class(f.cls);
    if (!id) return Fail(id.error());
    class_id = *id;
  }
  return Write(c, x.session, &*first, [&](v1::EventBody& b) {
    auto* d = b.mutable_holiday_declared();
    d->set_holiday_id("hol-" + NewId());
    d->set_academic_year_id(year);
    d->set_order_number(f.order);
    auto* h = d->mutable_holiday();
    *h->mutable_dates()->mutable_first_day() = *first;
    *h->mutable_dates()->mutable_last_day() = *last;
    h->set_kind(kind);
    h->set_name(f.name);
    for (int g : grades) h->add_grades(g);
    if (!class_id.empty()) h->add_class_ids(class_id);
  });
}

int BellsSet(const Common& c, const SchoolFlags& f) {
  v1::BellScheduleSet bells;
  bells.set_bell_schedule_id(f.id.empty() ? "bells-" + NewId().substr(0, 8) : f.id);
  bells.set_name(f.name);
  for (const std::string& p : f.periods) {
    // "1 08:30-09:15"
    int number = -1;
    char start[8] = {}, end[8] = {};
    if (std::sscanf(p.c_str(), "%d %5[0-9:]-%5[0-9:]", &number, start, end) != 3) {
      return Fail(
          InvalidArgument("Урок звонков — «НОМЕР ЧЧ:ММ-ЧЧ:ММ», например «1 08:30-09:15», а "
                          "не «" +
                              p + "»",
                          "R-TIME-1"));
    }
    auto from = ClockArg(start);
    if (!from) return Fail(from.error());
    auto to = ClockArg(end);
    if (!to) return Fail(to.error());
    auto* period = bells.add_periods();
    period->set_number(number);
    period->set_start_minutes(*from);
    period->set_end_minutes(*to);
  }
  if (bells.periods_size() == 0) {
    return Fail(
        InvalidArgument("Укажите уроки звонков: --period \"1 08:30-09:15\" ...", "R-TIME-1"));
  }
  for (const std::string& g : Split(f.grades)) bells.add_grades(std::atoi(g.c_str()));
  auto first = DateFlag(f.from, c);
  if (!first) return Fail(first.error());
  *bells.mutable_valid()->mutable_first_day() = *first;
  if (!f.to.empty()) {
    auto last = DateFlag(f.to, c);
    if (!last) return Fail(last.error());
    *bells.mutable_valid()->mutable_last_day() = *last;
  }
  auto s = Resolve(c, true, false);
  if (!s) return Fail(s.error());
  return Write(c, *s, &*first,
               [&](v1::EventBody& b) { *b.mutable_bell_schedule_set() = std::move(bells); });
}

int BellsList(const Common& c) {
  auto dir = Reader(c);
  if (!dir) return Fail(dir.error());
  if (c.json) {
    std::printf("%s\n", dir->List("bells").dump(2).c_str());
    return 0;
  }
  for (const json& b : dir->List("bells")) {
    std::string grades;
    for (const json& g : b.value("grades", json::array())) {
      grades += (grades.empty() ? "" : ", ") + g.dump();
    }
    std::string line = b.value("name", "");
    if (!grades.empty()) line += " (классы " + grades + ")";
    const std::string first = RuDate(Get(Get(b, "valid"), "first_day"));
    const std::string last = RuDate(Get(Get(b, "valid"), "last_day"));
    if (!first.empty()) line += ", с " + first;
    if (!last.empty()) line += " по " + last;
    std::printf("%s\n", line.c_str());
    for (const json& p : b.value("periods", json::array())) {
      const int from = p.value("start_minutes", 0), to = p.value("end_minutes", 0);
      std::printf("  %d. %02d:%02d–%02d:%02d\n", p.value("number", 0), from / 60, from % 60,
                  to / 60, to % 60);
    }
  }
  if (dir->List("bells").empty()) std::printf("Звонки не заданы.\n");
  return 0;
}

// ---------------------------------------------------------------------------------------------
// Timetable slots

const char* const kWeeks[] = {"каждую неделю", "1-я неделя", "2-я неделя"};

Result<v1::WeekParity> WeeksArg(const std::string& text) {
  if (text.empty() || text == "every" || text == "0") return v1::WEEK_PARITY_UNSPECIFIED;
  if (text == "odd" || text == "1") return v1::WEEK_PARITY_ODD;
  if (text == "even" || text == "2") return v1::WEEK_PARITY_EVEN;
  return Err(
      InvalidArgument("Недели — every, odd (1-я) или even (2-я), а не «" + text + "»", "R-SET-3"));
}

bool SlotHolds(const json& t, const std::string& iso) {
  const std::string first = Iso(Get(Get(t, "valid"), "first_day"));
  const std::string last = Iso(Get(Get(t, "valid"), "last_day"));
  return first <= iso && (last.empty() || iso <= last);
}

int SlotsList(const Common& c, const SchoolFlags& f) {
  auto dir = Reader(c);
  if (!dir) return Fail(dir.error());
  auto cls = dir->Class(f.cls);
  if (!cls) return Fail(cls.error());
  auto on = DateFlag(f.from, c);
  if (!on) return Fail(on.error());
  std::vector<std::tuple<int, int, std::string, json>> rows;
  for (const json& t : dir->List("timetable")) {
    if (t.value("class_id", "") != *cls || !SlotHolds(t, DayText(*on))) continue;
    v1::Weekday wd = v1::WEEKDAY_UNSPECIFIED;
    v1::Weekday_Parse(t.value("weekday", ""), &wd);
    rows.emplace_back(static_cast<int>(wd), t.value("period", 0),
                      dir->GroupName(t.value("subgroup_id", "")), t);
  }
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
    return std::tie(std::get<0>(a), std::get<1>(a), std::get<2>(a)) <
           std::tie(std::get<0>(b), std::get<1>(b), std::get<2>(b));
  });
  std::printf("%s: расписание, действующее %s\n", dir->ClassLabel(*cls).c_str(),
              RuDate(*on).c_str());
  int day = 0;
  for (const auto& [wd, period, group, t] : rows) {
    if (wd != day) {
      day = wd;
      std::printf("%s\n", std::string(school::RuWeekday(wd)).c_str());
    }
    std::string line =
        "  " + std::to_string(period) + ". " + dir->SubjectName(t.value("subject_id", ""));
    if (!t.value("subgroup_id", "").empty()) line += " (" + group + ")";
    if (!t.value("individual_student_id", "").empty()) {
      line += " (на дому: " + dir->UserName(t.value("individual_student_id", "")) + ")";
    }
    line += " — " + dir->UserName(t.value("teacher_id", ""));
    if (!t.value("room", "").empty()) line += ", каб. " + t.value("room", "");
    v1::WeekParity weeks = v1::WEEK_PARITY_UNSPECIFIED;
    if (v1::WeekParity_Parse(t.value("weeks", ""), &weeks) &&
        weeks != v1::WEEK_PARITY_UNSPECIFIED) {
      line += " (" + std::string(kWeeks[weeks]) + ")";
    }
    std::printf("%s\n", line.c_str());
  }
  if (rows.empty()) std::printf("На эту дату у класса нет уроков в расписании.\n");
  return 0;
}

int SlotsAdd(const Common& c, const SchoolFlags& f) {
  auto weekday = WeekdayArg(f.day);
  if (!weekday) return Fail(weekday.error());
  auto weeks = WeeksArg(f.weeks);
  if (!weeks) return Fail(weeks.error());
  auto first = DateFlag(f.from, c);
  if (!first) return Fail(first.error());
  auto last_or = OptionalDate(f.to, c);
  if (!last_or) return Fail(last_or.error());
  const std::optional<v1::Date> last = *last_or;
  Context x = Open(c);
  if (x.rc != 0) return x.rc;
  auto p = PlacementOf(*x.dir, f, true);
  if (!p) return Fail(p.error());
  if (p->subject_id.empty())
    return Fail(InvalidArgument("Не указан предмет (--subject)", "R-SET-3"));
  // Обучение на дому: a slot of one home-schooled student's individual lessons (R-LES-2).
  std::string student_id;
  if (!f.student.empty()) {
    auto student = x.dir->Person(f.student, v1::ROLE_STUDENT, "ученик");
    if (!student) return Fail(student.error());
    student_id = *student;
  }
  return Write(c, x.session, &*first, [&](v1::EventBody& b) {
    auto* t = b.mutable_timetable_slot_set();
    t->set_slot_id("slot-" + NewId());
    t->set_class_id(p->class_id);
    t->set_subgroup_id(p->group_id);
    t->set_individual_student_id(student_id);
    t->set_subject_id(p->subject_id);
    t->set_teacher_id(p->teacher_id);
    t->set_weekday(*weekday);
    t->set_period(f.period);
    t->set_room(f.room);
    t->set_weeks(*weeks);
    *t->mutable_valid()->mutable_first_day() = *first;
    if (last) *t->mutable_valid()->mutable_last_day() = *last;
  });
}

// `slots end` and `slots change`: the class's slot at --day/--period (of --subject, --group) in
// force on --from ends the day before; `change` then records it changed from --from (teacher,
// room, day, period, weeks), and if that is refused restores the old one as it was.
int SlotsEnd(const Common& c, const SchoolFlags& f, bool change) {
  auto weekday = WeekdayArg(f.day);
  if (!weekday) return Fail(weekday.error());
  auto from = DateFlag(f.from, c);
  if (!from) return Fail(from.error());
  Context x = Open(c);
  if (x.rc != 0) return x.rc;
  SchoolFlags where = f;
  where.teacher.clear();
  auto p = PlacementOf(*x.dir, where, false);
  if (!p) return Fail(p.error());
  std::vector<json> found;
  for (const json& t : x.dir->List("timetable")) {
    v1::Weekday wd = v1::WEEKDAY_UNSPECIFIED;
    v1::Weekday_Parse(t.value("weekday", ""), &wd);
    if (t.value("class_id", "") == p->class_id && wd == *weekday &&
        t.value("period", 0) == f.period && SlotHolds(t, DayText(*from)) &&
        (p->subject_id.empty() || t.value("subject_id", "") == p->subject_id) &&
        (p->group_id.empty() || t.value("subgroup_id", "") == p->group_id)) {
      found.push_back(t);
    }
  }
  const std::string place = x.dir->ClassLabel(p->class_id) + ", " +
                            std::string(school::RuWeekday(*weekday)) + ", " +
                            std::to_string(f.period) + "-й урок";
  if (found.empty()) {
    return Fail(NotFoundAs("В расписании на " + RuDate(*from) + " нет урока: " + place, "R-SET-3"));
  }
  if (found.size() > 1) {
    return Fail(InvalidArgument(
        "В расписании несколько уроков: " + place + ". Уточните предмет или группу", "R-SET-3"));
  }
  const json& old = found.front();
  v1::TimetableSlotSet was;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  if (!google::protobuf::util::JsonStringToMessage(old.dump(), &was, options).ok()) {
    return Fail(Internal("the set-up view's timetable slot does not parse"));
  }
  if (int rc = Write(c, x.session, &*from,
                     [&](v1::EventBody& b) {
                       b.mutable_timetable_slot_removed()->set_slot_id(was.slot_id());
                       *b.mutable_timetable_slot_removed()->mutable_effective_from() = *from;
                     });
      rc != 0 || !change) {
    return rc;
  }
  v1::TimetableSlotSet now = was;
  now.set_slot_id("slot-" + NewId());
  if (!f.teacher.empty()) {
    auto t = x.dir->Person(f.teacher, v1::ROLE_TEACHER, "учитель");
    if (!t) return Fail(t.error());
    now.set_teacher_id(*t);
  }
  if (!f.room.empty()) now.set_room(f.room == "-" ? "" : f.room);
  if (!f.new_day.empty()) {
    auto d = WeekdayArg(f.new_day);
    if (!d) return Fail(d.error());
    now.set_weekday(*d);
  }
  if (f.new_period > 0) now.set_period(f.new_period);
  if (!f.weeks.empty()) {
    auto w = WeeksArg(f.weeks);
    if (!w) return Fail(w.error());
    now.set_weeks(*w);
  }
  *now.mutable_valid()->mutable_first_day() = *from;
  if (int rc = Write(c, x.session, &*from,
                     [&](v1::EventBody& b) { *b.mutable_timetable_slot_set() = now; });
      rc != 0) {
    std::printf("Изменение не записано: прежний урок восстановлен в расписании.\n");
    (void)Write(c, x.session, &was.valid().first_day(),
                [&](v1::EventBody& b) { *b.mutable_timetable_slot_set() = was; });
    return rc;
  }
  std::printf(
      "Расписание изменено с %s. Уроки с этой даты: ejournal lessons generate --from %s --to ...\n",
      RuDate(*from).c_str(), DayText(*from).c_str());
  return 0;
}

}  // namespace

void AddSchoolCommands(Verbs& v) {
  auto c = v.c;
  auto f = std::make_shared<SchoolFlags>();
  // A verb family: `name` with its verbs, each added to `v`'s commands.
  auto family = [&](const char* name, const char* help, const std::function<void(Verbs&)>& add) {
    CLI::App* app = v.app.add_subcommand(name, help);
    app->require_subcommand(1);
    Verbs sub{*app, c, v.f, {}};
    add(sub);
    for (auto& command : sub.commands) v.commands.push_back(std::move(command));
  };
  const char* kDate = "a day, YYYY-MM-DD or ДД.ММ.ГГГГ (default: today)";

  family("users", "the school's users: list, add, roles, rename, deactivate (R-SET-1)",
         [&](Verbs& s) {
           CLI::App* list = s.Add("list", "the users by name, with login, class and roles",
                                  Use::kReading, [c, f] { return UsersList(*c, *f); });
           list->add_option("--role", f->role, "only this role (teacher, parent, student, ...)");
           list->add_option("--class", f->cls, "only this class's students and their parents");
           list->add_flag("--all", f->all, "deactivated users too");
           CLI::App* add = s.Add("add", "register a user (UserRegistered)", Use::kSigning,
                                 [c, f] { return UsersAdd(*c, *f); });
           add->add_option("--name", f->name, "the full name, «Петрова Нина Ивановна»")->required();
           add->add_option("--login", f->login, "the login (unique in the school)")->required();
           add->add_option("--roles", f->roles,
                           "roles, comma-separated: admin, director, deputy, methodist, teacher, "
                           "class-teacher, secretary, social-pedagogue, psychologist, parent, "
                           "student, auditor")
               ->required();
           CLI::App* roles = s.Add("roles", "replace a user's roles (UserRolesChanged)",
                                   Use::kSigning, [c, f] { return UsersRoles(*c, *f); });
           roles->add_option("--user", f->user, "login or name")->required();
           roles->add_option("--roles", f->roles, "the complete new roles")->required();
           CLI::App* rename = s.Add("rename", "a new name or login (UserProfileChanged)",
                                    Use::kSigning, [c, f] { return UsersRename(*c, *f); });
           rename->add_option("--user", f->user, "login or name")->required();
           rename->add_option("--name", f->name, "the new full name");
           rename->add_option("--login", f->login, "the new login");
           CLI::App* off = s.Add("deactivate", "end an account (UserDeactivated, R-ACC-1)",
                                 Use::kSigning, [c, f] { return UsersDeactivate(*c, *f); });
           off->add_option("--user", f->user, "login or name")->required();
           off->add_option("--reason", f->reason, "why, e.g. «Уволен, приказ № 12-к»")->required();
         });

  family("subjects", "the school's subjects: list, add, rename", [&](Verbs& s) {
    s.Add("list", "the subjects", Use::kReading, [c] { return SubjectsList(*c); });
    CLI::App* add = s.Add("add", "a new subject (SubjectDefined)", Use::kSigning,
                          [c, f] { return SubjectsSet(*c, *f, false); });
    add->add_option("--name", f->name, "the name, «Математика»")->required();
    add->add_option("--id", f->id, "its id (default: made up)");
    CLI::App* rename = s.Add("rename", "rename a subject", Use::kSigning,
                             [c, f] { return SubjectsSet(*c, *f, true); });
    rename->add_option("--subject", f->subject, "the subject, by name")->required();
    rename->add_option("--name", f->name, "the new name")->required();
    for (CLI::App* cmd : {add, rename}) {
      cmd->add_option("--short", f->short_name, "a short name for narrow columns, «Матем.»");
      cmd->add_option("--kind", f->kind,
                      "russian, literature, native-language, native-literature, "
                      "foreign-language, pe or other (the default)");
    }
  });

  family("classes", "the school's classes: list, add, class teacher", [&](Verbs& s) {
    s.Add("list", "the classes, 1А < 2А < 10А, with their class teachers", Use::kReading,
          [c] { return ClassesList(*c); });
    CLI::App* add = s.Add("add", "a new class (ClassCreated)", Use::kSigning,
                          [c, f] { return ClassesAdd(*c, *f); });
    add->add_option("--grade", f->grade, "the grade, 1..11")->required();
    add->add_option("--letter", f->letter, "the letter, «А»")->required();
    add->add_option("--year", f->year, "the academic year (default: the current one)");
    add->add_option("--teacher", f->teacher, "the class teacher, by login or name");
    CLI::App* teacher = s.Add("teacher", "assign a class teacher (ClassTeacherAssigned)",
                              Use::kSigning, [c, f] { return ClassesTeacher(*c, *f); });
    teacher->add_option("--class", f->cls, "the class, «5А»")->required();
    teacher->add_option("--teacher", f->teacher, "the class teacher, by login or name")->required();
    teacher->add_option("--from", f->from, kDate);
  });

  family("students", "students: enrol, move, leave (R-SET-1)", [&](Verbs& s) {
    CLI::App* enrol = s.Add("enrol", "enrol a student in a class (StudentEnrolled)", Use::kSigning,
                            [c, f] { return StudentsEnrol(*c, *f, false); });
    CLI::App* move =
        s.Add("move", "move a student to another class or into home schooling (StudentMoved)",
              Use::kSigning, [c, f] { return StudentsEnrol(*c, *f, true); });
    for (CLI::App* cmd : {enrol, move}) {
      cmd->add_option("--student", f->student, "the student, by login or name")->required();
      cmd->add_option("--class", f->cls, "the class, «5А»")->required();
      cmd->add_option("--on", f->from, kDate);
      cmd->add_flag("--home", f->home, "home schooling (обучение на дому)");
      cmd->add_option("--order", f->order, "the order, «Приказ № 56 от 30.08.2026»");
    }
    CLI::App* leave = s.Add("leave", "a student leaves the school (StudentLeft)", Use::kSigning,
                            [c, f] { return StudentsLeave(*c, *f); });
    leave->add_option("--student", f->student, "the student, by login or name")->required();
    leave->add_option("--on", f->from, "the first day no longer in the school")->required();
    leave->add_option("--reason", f->reason, "transfer, graduated, expelled or other")->required();
    leave->add_option("--comment", f->comment, "e.g. the new school");
    leave->add_option("--order", f->order, "the order");
  });

  family("guardians", "parents and their children: link, unlink", [&](Verbs& s) {
    CLI::App* link = s.Add("link", "a parent reads a child's diary (GuardianLinked)", Use::kSigning,
                           [c, f] { return Guardians(*c, *f, true); });
    CLI::App* unlink = s.Add("unlink", "the link ends (GuardianUnlinked)", Use::kSigning,
                             [c, f] { return Guardians(*c, *f, false); });
    for (CLI::App* cmd : {link, unlink}) {
      cmd->add_option("--parent", f->parent, "the parent, by login or name")->required();
      cmd->add_option("--student", f->student, "the child, by login or name")->required();
    }
    unlink->add_option("--reason", f->reason, "why");
  });

  family("load", "the teaching load: list, assign, end (R-ACC-2, R-PLAN-1)", [&](Verbs& s) {
    CLI::App* list = s.Add("list", "who teaches what, by class", Use::kReading,
                           [c, f] { return LoadList(*c, *f); });
    list->add_option("--class", f->cls, "only this class");
    list->add_option("--teacher", f->teacher, "only this teacher");
    CLI::App* assign = s.Add("assign", "a teacher takes a class-subject (TeachingLoadAssigned)",
                             Use::kSigning, [c, f] { return LoadAssign(*c, *f); });
    assign->add_option("--hours", f->hours, "lessons a week by the curriculum")->required();
    assign->add_option("--from", f->from, "first day (default: the whole year)");
    assign->add_option("--to", f->to, "last day");
    assign->add_option("--year", f->year, "the academic year (default: the class's)");
    CLI::App* end = s.Add("end", "a teaching load ends from a day (TeachingLoadRemoved)",
                          Use::kSigning, [c, f] { return LoadEnd(*c, *f); });
    end->add_option("--from", f->from, "the first day without it")->required();
    end->add_option("--reason", f->reason, "why");
    for (CLI::App* cmd : {assign, end}) {
      cmd->add_option("--teacher", f->teacher, "the teacher, by login or name")->required();
      cmd->add_option("--class", f->cls, "the class, «5А»")->required();
      cmd->add_option("--subject", f->subject, "the subject, by name");
      cmd->add_option("--group", f->group, "the class's group, «1 группа»");
    }
  });

  family("year", "the academic year: show, set (R-SET-1, R-TERM-1)", [&](Verbs& s) {
    s.Add("show", "the years with their terms and holidays", Use::kReading,
          [c] { return YearShow(*c); });
    CLI::App* set = s.Add("set", "the year with its terms, for grades 1-11 (AcademicYearDefined)",
                          Use::kSigning, [c, f] { return YearSet(*c, *f); });
    set->add_option("--from", f->from, "the year's first day")->required();
    set->add_option("--to", f->to, "the year's last day")->required();
    set->add_option("--term", f->terms,
                    "a term, FIRST..LAST, e.g. 01.09.2026..24.10.2026; 4 quarters, 3 "
                    "trimesters or 2 half-years, in order")
        ->required();
    set->add_flag("--six-days", f->six_days, "a six-day week (Monday to Saturday)");
    set->add_option("--id", f->id, "the year's id (default: 2026-2027)");
  });

  family("holidays", "days off: add (HolidayDeclared, R-SET-1)", [&](Verbs& s) {
    CLI::App* add = s.Add("add", "declare days without lessons", Use::kSigning,
                          [c, f] { return HolidaysAdd(*c, *f); });
    add->add_option("--name", f->name, "as the school calls it, «Карантин по гриппу»")->required();
    add->add_option("--from", f->from, "the first day")->required();
    add->add_option("--to", f->to, "the last day (default: the first)");
    add->add_option("--kind", f->kind, "vacation, holiday, quarantine, activated or other")
        ->required();
    add->add_option("--grades", f->grades, "only these grades, comma-separated");
    add->add_option("--class", f->cls, "only this class");
    add->add_option("--order", f->order, "the director's order");
    add->add_option("--year", f->year, "the academic year (default: the one holding --from)");
  });

  family("bells", "the bell schedule: list, set (R-TIME-1)", [&](Verbs& s) {
    s.Add("list", "the bell schedules", Use::kReading, [c] { return BellsList(*c); });
    CLI::App* set = s.Add("set", "a bell schedule (BellScheduleSet)", Use::kSigning,
                          [c, f] { return BellsSet(*c, *f); });
    set->add_option("--name", f->name, "«Основное»")->required();
    set->add_option("--period", f->periods, "a lesson, \"1 08:30-09:15\"; repeat for each")
        ->required();
    set->add_option("--grades", f->grades, "only these grades, comma-separated");
    set->add_option("--from", f->from, "valid from (default: today)");
    set->add_option("--to", f->to, "valid to (default: the end of the year)");
    set->add_option("--id", f->id, "the schedule's id, to replace it (default: a new one)");
  });

  family("slots", "the weekly timetable: list, add, change, end (R-SET-3)", [&](Verbs& s) {
    CLI::App* list = s.Add("list", "a class's weekly timetable in force on a day", Use::kReading,
                           [c, f] { return SlotsList(*c, *f); });
    list->add_option("--class", f->cls, "the class, «5А»")->required();
    list->add_option("--on", f->from, kDate);
    CLI::App* add = s.Add("add", "a lesson in the weekly timetable (TimetableSlotSet)",
                          Use::kSigning, [c, f] { return SlotsAdd(*c, *f); });
    add->add_option("--teacher", f->teacher, "the teacher, by login or name")->required();
    add->add_option("--room", f->room, "the room, «12»");
    add->add_option("--to", f->to, "valid to (default: the end of the year)");
    add->add_option("--weeks", f->weeks, "two-week timetables: odd (1-я) or even (2-я)");
    add->add_option("--student", f->student,
                    "a home-schooled student's individual lessons (обучение на дому), by login or "
                    "name");
    CLI::App* change = s.Add("change",
                             "change a lesson of the timetable from a day: its teacher, room, "
                             "day, period or weeks; lessons before the day keep their place",
                             Use::kSigning, [c, f] { return SlotsEnd(*c, *f, true); });
    change->add_option("--teacher", f->teacher, "the new teacher");
    change->add_option("--room", f->room, "the new room (\"-\": none)");
    change->add_option("--new-day", f->new_day, "the new weekday");
    change->add_option("--new-period", f->new_period, "the new period");
    change->add_option("--weeks", f->weeks, "every, odd or even");
    CLI::App* end = s.Add("end", "a lesson leaves the timetable from a day (TimetableSlotRemoved)",
                          Use::kSigning, [c, f] { return SlotsEnd(*c, *f, false); });
    for (CLI::App* cmd : {add, change, end}) {
      cmd->add_option("--class", f->cls, "the class, «5А»")->required();
      cmd->add_option("--subject", f->subject, "the subject, by name")->required(cmd == add);
      cmd->add_option("--group", f->group, "the class's group, «1 группа»");
      cmd->add_option("--day", f->day, "the weekday: пн, вт, ср, чт, пт, сб")->required();
      cmd->add_option("--period", f->period, "the lesson number")->required();
      cmd->add_option(
          "--from", f->from,
          cmd == add ? "valid from (default: today)" : "the first day changed (default: today)");
    }
  });
}

}  // namespace ejournal::client
