// The differ's users (internal/planner.h): who each input person is in the school (matching by
// id, login, then name), the ids and logins of new people, and the events of new people and of
// changed names, logins and roles.
#include <algorithm>

#include "setup/internal/planner.h"
#include "setup/internal/text.h"

namespace ejournal::setup::internal {
namespace {

// Roles of staff: everything but parent and student.
uint32_t StaffMask() {
  return ~(school::RoleBit(v1::ROLE_PARENT) | school::RoleBit(v1::ROLE_STUDENT) |
           school::RoleBit(v1::ROLE_UNSPECIFIED));
}

std::vector<v1::Role> RoleList(uint32_t roles) {
  std::vector<v1::Role> out;
  for (int r = v1::Role_MIN; r <= v1::Role_MAX; ++r) {
    const auto role = static_cast<v1::Role>(r);
    if (role != v1::ROLE_UNSPECIFIED && (roles & school::RoleBit(role)) != 0) out.push_back(role);
  }
  return out;
}

std::string Lines(const std::vector<const UserPlan*>& plans) {
  std::string out;
  for (const UserPlan* p : plans) {
    if (!out.empty()) out += ", ";
    out += p->in->at.file + ":" + std::to_string(p->in->at.line);
  }
  return out;
}

std::string_view RuleOf(PersonKind kind) {
  return kind == PersonKind::kStaff ? "R-SET-1" : "R-SET-2";
}

}  // namespace

std::string RoleNames(uint32_t roles) {
  std::string out;
  for (v1::Role r : RoleList(roles)) {
    if (!out.empty()) out += ", ";
    out += school::RuRole(r);
  }
  return out;
}

std::string_view KindWord(PersonKind kind) {
  switch (kind) {
    case PersonKind::kStudent:
      return "ученик";
    case PersonKind::kParent:
      return "родитель";
    case PersonKind::kStaff:
      return "сотрудник";
  }
  return "";
}

bool SameName(std::string_view a, std::string_view b) {
  const std::string ka = NameKey(a), kb = NameKey(b);
  if (ka.empty() || kb.empty()) return false;
  if (ka == kb) return true;
  const std::string& shorter = ka.size() < kb.size() ? ka : kb;
  const std::string& longer = ka.size() < kb.size() ? kb : ka;
  // "Иванов Пётр" and "Иванов Пётр Сергеевич": the longer is the shorter and one more word.
  return shorter.find(' ') != std::string::npos && longer.rfind(shorter + " ", 0) == 0 &&
         longer.find(' ', shorter.size() + 1) == std::string::npos;
}

void Planner::CollectRequiredRoles() {
  for (const InputClass& c : in_.classes) {
    if (!c.teacher_key.empty()) {
      required_roles_[c.teacher_key] |=
          school::RoleBit(v1::ROLE_TEACHER) | school::RoleBit(v1::ROLE_CLASS_TEACHER);
    }
  }
  for (const InputLoad& l : in_.loads) {
    required_roles_[l.teacher_key] |= school::RoleBit(v1::ROLE_TEACHER);
  }
  for (const InputGuardian& g : in_.guardians) {
    required_roles_[g.guardian_key] |= school::RoleBit(v1::ROLE_PARENT);
  }
}

void Planner::ResolveUsers() {
  users_.reserve(in_.users.size());
  for (const InputUser& in : in_.users) {
    user_index_[in.key] = users_.size();
    UserPlan u;
    u.in = &in;
    u.display = CollapseSpaces(in.display_name);
    users_.push_back(std::move(u));
  }
  // R-ACC-5: one login, one person.
  std::map<std::string, std::vector<const UserPlan*>> by_login;
  for (const UserPlan& u : users_) {
    if (!u.in->login.empty()) by_login[school::LoginKey(u.in->login)].push_back(&u);
  }
  for (const auto& [key, plans] : by_login) {
    if (plans.size() < 2) continue;
    for (const UserPlan* p : plans) {
      Refuse(p->in->at,
             "логин «" + p->in->login + "» указан у нескольких людей (" + Lines(plans) +
                 "): логины личные",
             "R-ACC-5");
      users_[user_index_[p->in->key]].refused = true;
    }
  }
  // Parents are matched among the guardians of their students, so students go first.
  for (PersonKind kind : {PersonKind::kStaff, PersonKind::kStudent, PersonKind::kParent}) {
    for (UserPlan& u : users_) {
      if (u.in->kind == kind && !u.refused) MatchUser(u);
    }
  }
  RefuseDuplicates();
  AssignIds();
  AssignLogins();
  for (UserPlan& u : users_) {
    uint32_t roles = 0;
    for (v1::Role r : u.in->roles) roles |= school::RoleBit(r);
    if (auto it = required_roles_.find(u.in->key); it != required_roles_.end()) roles |= it->second;
    u.roles = roles | (u.existing != nullptr ? u.existing->roles : 0);
    if (u.existing != nullptr &&
        (u.display.empty() ||
         (SameName(u.display, u.existing->display_name) &&
          NameKey(u.display).size() < NameKey(u.existing->display_name).size()))) {
      u.display = u.existing->display_name;  // a name without the patronymic keeps the recorded one
    }
  }
}

void Planner::MatchUser(UserPlan& u) {
  const InputUser& in = *u.in;
  if (!in.source_id.empty()) {
    if (const school::User* x = school_.FindUser(in.source_id)) return Adopt(u, *x);
  }
  if (!in.login.empty()) {
    if (auto it = school_.logins.find(school::LoginKey(in.login)); it != school_.logins.end()) {
      if (const school::User* x = school_.FindUser(it->second)) return Adopt(u, *x, true);
    }
  }
  if (u.display.empty()) return;
  const std::vector<const school::User*> found = NameCandidates(u);
  if (found.size() == 1) return Adopt(u, *found.front());
  if (found.size() > 1) {
    std::string ids;
    for (const school::User* x : found) ids += (ids.empty() ? "" : ", ") + x->id;
    std::string where = in.kind == PersonKind::kStudent ? "учеников"
                        : in.kind == PersonKind::kParent ? "родителей этих учеников"
                                                         : "сотрудников";
    Refuse(in.at,
           "«" + u.display + "»: в школе несколько " + where + " с таким именем (" + ids +
               "); добавьте отчество, укажите логин или разрешите вручную",
           std::string(RuleOf(in.kind)));
    u.refused = true;
  }
}

std::vector<const school::User*> Planner::NameCandidates(const UserPlan& u) const {
  std::vector<const school::User*> out;
  const InputUser& in = *u.in;
  auto add = [&](const school::User* x) {
    if (x != nullptr && SameName(x->display_name, u.display) &&
        std::find(out.begin(), out.end(), x) == out.end()) {
      out.push_back(x);
    }
  };
  if (in.kind == PersonKind::kStudent) {
    // The class the input puts the student in (now, or the latest step of the history).
    std::string class_id;
    school::Day latest = school::kNoDay;
    for (const InputEnrolment& e : in_.enrolments) {
      const auto it = class_index_.find(e.class_key);
      if (e.student_key != in.key || it == class_index_.end()) continue;
      const ClassPlan& c = classes_[it->second];
      const school::Day day = e.begin == school::kNoDay ? school::kForever : e.begin;
      if (c.existing != nullptr && day >= latest) class_id = c.id, latest = day;
    }
    const school::Day today = EffectiveDay();
    if (!class_id.empty()) {
      for (const auto& [id, s] : school_.students) {
        const school::Membership* m = s.On(today);
        if (m == nullptr && !s.memberships.empty() && s.memberships.back().to == school::kForever) {
          m = &s.memberships.back();
        }
        if (m != nullptr && m->class_id == class_id) add(school_.FindUser(id));
      }
    }
    if (out.empty()) {
      for (const auto& [id, x] : school_.users) {
        if (x.Has(v1::ROLE_STUDENT)) add(&x);
      }
    }
  } else if (in.kind == PersonKind::kParent) {
    for (const InputGuardian& g : in_.guardians) {
      if (g.guardian_key != in.key) continue;
      auto it = user_index_.find(g.student_key);
      if (it == user_index_.end() || users_[it->second].existing == nullptr) continue;
      auto st = school_.students.find(users_[it->second].id);
      if (st == school_.students.end()) continue;
      for (const std::string& gid : st->second.guardians) add(school_.FindUser(gid));
    }
  } else {
    for (const auto& [id, x] : school_.users) {
      if ((x.roles & StaffMask()) != 0) add(&x);
    }
  }
  std::sort(out.begin(), out.end(), [](auto* a, auto* b) { return a->id < b->id; });
  return out;
}

void Planner::Adopt(UserPlan& u, const school::User& x, bool by_login) {
  const bool student = u.in->kind == PersonKind::kStudent;
  if (student != x.Has(v1::ROLE_STUDENT)) {
    Refuse(u.in->at,
           (by_login ? "логин «" + u.in->login + "» уже занят: " : std::string()) + "«" +
               (x.display_name.empty() ? x.id : x.display_name) + "» (" + x.id +
               ") уже в школе с ролями: " + RoleNames(x.roles) + "; в файле — " +
               std::string(KindWord(u.in->kind)),
           by_login ? "R-ACC-5" : std::string(RuleOf(u.in->kind)));
    u.refused = true;
    return;
  }
  u.existing = &x;
  u.id = x.id;
}

void Planner::RefuseDuplicates() {
  std::map<std::string, std::vector<UserPlan*>> by_id;
  for (UserPlan& u : users_) {
    if (!u.refused && u.existing != nullptr) by_id[u.id].push_back(&u);
  }
  for (auto& [id, plans] : by_id) {
    if (plans.size() < 2) continue;
    const bool parents = std::all_of(plans.begin(), plans.end(), [](const UserPlan* p) {
      return p->in->kind == PersonKind::kParent;
    });
    if (parents) {  // one parent of several children, written on each child's row
      for (size_t i = 1; i < plans.size(); ++i) {
        plans[i]->alias_of = static_cast<size_t>(plans[0] - users_.data());
      }
      continue;
    }
    std::vector<const UserPlan*> all(plans.begin(), plans.end());
    for (UserPlan* p : plans) {
      Refuse(
          p->in->at,
          "«" + UserName(id) + "» (" + id + ") указан в файле несколько раз (" + Lines(all) + ")",
          std::string(RuleOf(p->in->kind)));
      p->refused = true;
    }
  }
  // New students known only by their name: two of one name in one class could never be told
  // apart again (a re-import would match both rows to either).
  std::map<std::pair<std::string, std::string>, std::vector<UserPlan*>> by_name;
  for (UserPlan& u : users_) {
    if (u.refused || u.existing != nullptr || u.in->kind != PersonKind::kStudent) continue;
    std::string cls;
    for (const InputEnrolment& e : in_.enrolments) {
      if (e.student_key == u.in->key) cls = e.class_key;
    }
    by_name[{NameKey(u.display), cls}].push_back(&u);
  }
  for (auto& [key, plans] : by_name) {
    if (plans.size() < 2) continue;
    const bool identified = std::all_of(plans.begin(), plans.end(), [](const UserPlan* p) {
      return !p->in->source_id.empty() || !p->in->login.empty();
    });
    if (identified) continue;
    std::vector<const UserPlan*> all(plans.begin(), plans.end());
    const ClassPlan* c = Class(key.second);
    for (UserPlan* p : plans) {
      Refuse(p->in->at,
             "в классе " + (c != nullptr ? c->Text() : std::string("?")) + " два ученика «" +
                 p->display + "» (" + Lines(all) +
                 "): добавьте отчество, укажите логины или разрешите вручную",
             "R-SET-2");
      p->refused = true;
    }
  }
}

std::string Planner::NewUserId(const InputUser& in) {
  auto free = [&](const std::string& id) {
    return IsValidId(id) && !school_.users.contains(id) && !new_user_ids_.contains(id) &&
           id != ctx_.importer_id;
  };
  if (free(in.source_id)) return in.source_id;
  const std::string prefix = in.kind == PersonKind::kStudent  ? "s-"
                             : in.kind == PersonKind::kParent ? "p-"
                                                              : "t-";
  const int width = in.kind == PersonKind::kStaff ? 3 : 5;
  long highest = 0;
  auto scan = [&](const std::string& id) {
    if (id.rfind(prefix, 0) != 0 || id.size() == prefix.size() || id.size() > prefix.size() + 9) {
      return;
    }
    const std::string digits = id.substr(prefix.size());
    if (digits.find_first_not_of("0123456789") != std::string::npos) return;
    highest = std::max(highest, std::stol(digits));
  };
  for (const auto& [id, user] : school_.users) scan(id);
  for (const std::string& id : new_user_ids_) scan(id);
  std::string id;
  for (long n = highest + 1; !free(id); ++n) id = prefix + Pad(static_cast<int>(n), width);
  return id;
}

void Planner::AssignIds() {
  for (UserPlan& u : users_) {
    if (u.refused || u.existing != nullptr || u.alias_of != SIZE_MAX) continue;
    u.id = NewUserId(*u.in);
    new_user_ids_.insert(u.id);
  }
}

std::string Planner::NewLogin(const std::string& display) {
  const std::vector<std::string> words = SplitList(display, ' ');
  auto initial = [](const std::string& word) {
    const std::u32string w = ToUtf32(word);
    return w.empty() ? std::string() : Transliterate(ToUtf8(w.substr(0, 1)));
  };
  std::string base = words.empty() ? std::string() : Transliterate(words[0]);
  if (base.empty()) base = "user";
  if (words.size() > 1)
    base += "." + initial(words[1]) + (words.size() > 2 ? initial(words[2]) : "");
  std::string login = base;
  for (int n = 2; login_keys_.contains(school::LoginKey(login)); ++n) {
    login = base + std::to_string(n);
  }
  login_keys_.insert(school::LoginKey(login));
  return login;
}

void Planner::AssignLogins() {
  for (const auto& [key, id] : school_.logins) login_keys_.insert(key);
  for (const UserPlan& u : users_) {
    if (!u.refused && !u.in->login.empty()) login_keys_.insert(school::LoginKey(u.in->login));
  }
  for (UserPlan& u : users_) {
    if (u.refused || u.alias_of != SIZE_MAX) continue;
    const std::string& wanted = u.in->login;
    if (u.existing == nullptr) {
      u.login = wanted.empty() ? NewLogin(u.display) : wanted;
      continue;
    }
    u.login = u.existing->login;
    if (wanted.empty() || school::LoginKey(wanted) == school::LoginKey(u.existing->login)) continue;
    auto it = school_.logins.find(school::LoginKey(wanted));
    if (it != school_.logins.end() && it->second != u.id) {
      Refuse(u.in->at,
             "логин «" + wanted + "» уже у другого пользователя (" + UserName(it->second) +
                 "): логины личные",
             "R-ACC-5");
      u.refused = true;
      continue;
    }
    u.login = wanted;
  }
}

void Planner::EmitUsers() {
  for (PersonKind kind : {PersonKind::kStaff, PersonKind::kStudent, PersonKind::kParent}) {
    for (const UserPlan& u : users_) {
      if (u.in->kind != kind || u.refused || u.alias_of != SIZE_MAX) continue;
      if (u.existing == nullptr) {
        EmitNewUser(u);
      } else {
        EmitUserChanges(u);
      }
    }
  }
}

void Planner::EmitNewUser(const UserPlan& u) {
  const Bucket bucket = u.in->kind == PersonKind::kStudent  ? kStudents
                        : u.in->kind == PersonKind::kParent ? kParents
                                                            : kStaff;
  if (u.roles == 0) {
    Refuse(u.in->at, "у «" + u.display + "» не указана роль", "R-SET-1");
    return;
  }
  auto* p = Emit(bucket).mutable_user_registered();
  p->set_user_id(u.id);
  for (v1::Role r : RoleList(u.roles)) p->add_roles(r);
  p->set_display_name(u.display);
  p->set_login_name(u.login);
  std::string text = "новый " + std::string(KindWord(u.in->kind)) + " " + u.display;
  if (u.in->kind == PersonKind::kStaff) text += " (" + RoleNames(u.roles) + ")";
  Note(u.in->at, RowStatus::kNew, text + ", логин " + u.login);
}

void Planner::EmitUserChanges(const UserPlan& u) {
  const school::User& x = *u.existing;
  const Bucket bucket = u.in->kind == PersonKind::kStudent  ? kStudents
                        : u.in->kind == PersonKind::kParent ? kParents
                                                            : kStaff;
  const std::string wanted = CollapseSpaces(u.in->display_name);
  // A name without the patronymic does not erase the recorded one.
  const bool shorter =
      SameName(wanted, x.display_name) && NameKey(wanted).size() < NameKey(x.display_name).size();
  const bool rename = !wanted.empty() && NameKey(wanted) != NameKey(x.display_name) && !shorter;
  const bool relogin = u.login != x.login;
  if (rename || relogin) {
    auto* p = Emit(bucket).mutable_user_profile_changed();
    p->set_user_id(x.id);
    if (rename) p->set_display_name(wanted);
    if (relogin) p->set_login_name(u.login);
    if (rename) {
      Note(u.in->at, RowStatus::kChanged,
           "изменение ФИО: «" + x.display_name + "» → «" + wanted + "»");
    }
    if (relogin) {
      Note(u.in->at, RowStatus::kChanged,
           "новый логин " + u.login + (x.login.empty() ? "" : " (был " + x.login + ")"));
    }
  }
  if (u.roles != x.roles) {
    auto* p = Emit(bucket).mutable_user_roles_changed();
    p->set_user_id(x.id);
    for (v1::Role r : RoleList(u.roles)) p->add_roles(r);
    Note(u.in->at, RowStatus::kChanged,
         "роли " + u.display + ": " + RoleNames(u.roles) + " (были: " + RoleNames(x.roles) + ")");
  }
}

}  // namespace ejournal::setup::internal
