// The differ's roster (internal/planner.h): enrolments and transfers, guardian links, deactivated
// accounts, and the contacts for the local store.
#include <algorithm>

#include "setup/internal/planner.h"
#include "setup/internal/text.h"

namespace ejournal::setup::internal {
namespace {

// The class a student is in on `day`, or the class they will be in (an open membership that starts
// later); "" if none (never enrolled, or left).
std::string CurrentClass(const std::vector<Planner::Membership>& ms, school::Day day) {
  for (const auto& m : ms) {
    if (m.from <= day && day <= m.to) return m.class_id;
  }
  if (!ms.empty() && ms.back().to == school::kForever) return ms.back().class_id;
  return "";
}

}  // namespace

std::vector<Planner::Membership>& Planner::MembershipsOf(const std::string& student_id) {
  auto [it, inserted] = memberships_.try_emplace(student_id);
  if (inserted) {
    if (auto st = school_.students.find(student_id); st != school_.students.end()) {
      for (const auto& m : st->second.memberships) {
        it->second.push_back(Membership{m.class_id, m.from, m.to});
      }
    }
  }
  return it->second;
}

void Planner::PlanEnrolments() {
  std::vector<std::string> order;
  std::map<std::string, std::vector<const InputEnrolment*>> by_student;
  for (const InputEnrolment& e : in_.enrolments) {
    auto& list = by_student[e.student_key];
    if (list.empty()) order.push_back(e.student_key);
    list.push_back(&e);
  }
  for (const std::string& key : order) PlanStudentEnrolments(by_student[key]);
}

void Planner::PlanStudentEnrolments(const std::vector<const InputEnrolment*>& given) {
  const UserPlan* u = User(given.front()->student_key);
  if (u == nullptr) return;  // the reader refused the student
  if (u->refused) {
    for (const InputEnrolment* e : given) {
      if (e->at != u->in->at) Note(e->at, RowStatus::kSkipped, "не обработано: ученик отклонён");
    }
    return;
  }
  if (u->in->kind != PersonKind::kStudent) {
    for (const InputEnrolment* e : given) {
      Refuse(e->at, "«" + u->display + "» — не ученик: в класс зачисляют только учеников",
             "R-SET-2");
    }
    return;
  }
  const school::Day today = EffectiveDay();
  auto day_of = [&](const InputEnrolment* e) {
    return e->begin == school::kNoDay ? today : e->begin;
  };
  std::vector<const InputEnrolment*> list = given;
  std::stable_sort(list.begin(), list.end(),
                   [&](auto* a, auto* b) { return day_of(a) < day_of(b); });
  // "A student in two classes": two classes of one year from the same day.
  bool conflict = false;
  for (size_t i = 0; i < list.size(); ++i) {
    for (size_t j = i + 1; j < list.size() && day_of(list[j]) == day_of(list[i]); ++j) {
      const ClassPlan* a = Class(list[i]->class_key);
      const ClassPlan* b = Class(list[j]->class_key);
      if (a == nullptr || b == nullptr || a == b || a->year_id != b->year_id) continue;
      for (const InputEnrolment* e : {list[i], list[j]}) {
        Refuse(e->at,
               "ученик «" + u->display + "» в двух классах: " + a->Text() + " (" +
                   list[i]->at.file + ":" + std::to_string(list[i]->at.line) + ") и " + b->Text() +
                   " (" + list[j]->at.file + ":" + std::to_string(list[j]->at.line) + ")",
               "R-SET-2");
      }
      conflict = true;
    }
  }
  if (conflict) return;
  std::vector<Membership>& ms = MembershipsOf(u->id);
  for (const InputEnrolment* e : list) {
    const ClassPlan* c = Class(e->class_key);
    if (c == nullptr) continue;
    if (!c->refusal.empty()) {
      Refuse(e->at, c->refusal, c->rule);
      continue;
    }
    const school::Day day = day_of(e);
    std::string from;
    if (e->begin == school::kNoDay) {
      from = CurrentClass(ms, day);
      if (from == c->id) continue;
    } else {
      if (std::any_of(ms.begin(), ms.end(),
                      [&](const Membership& m) { return m.class_id == c->id; })) {
        continue;
      }
      if (!ms.empty() && day <= ms.back().from) {
        Refuse(e->at,
               "зачисление «" + u->display + "» в " + c->Text() + " с " + DateText(day) +
                   " не раньше последнего перевода (" + ClassText(ms.back().class_id) + " с " +
                   DateText(ms.back().from) + "): историю переводов исправьте вручную",
               "R-SET-2");
        continue;
      }
      from = CurrentClass(ms, day);
    }
    v1::EventBody& b = Emit(kEnrolments);
    *b.mutable_business_date() = school::DateOf(day);
    if (ms.empty() || from.empty()) {
      auto* p = b.mutable_student_enrolled();
      p->set_student_id(u->id);
      p->set_class_id(c->id);
      *p->mutable_enrolled_on() = school::DateOf(day);
      Note(e->at, RowStatus::kNew,
           std::string(ms.empty() ? "зачисление" : "повторное зачисление") + " в " + c->Text() +
               " с " + DateText(day));
    } else {
      auto* p = b.mutable_student_moved();
      p->set_student_id(u->id);
      p->set_to_class_id(c->id);
      *p->mutable_moved_on() = school::DateOf(day);
      Note(e->at, RowStatus::kChanged,
           "перевод из " + ClassText(from) + " в " + c->Text() + " с " + DateText(day));
    }
    if (!ms.empty() && ms.back().to == school::kForever) ms.back().to = day - 1;
    ms.push_back(Membership{c->id, day, school::kForever});
  }
}

void Planner::PlanGuardians() {
  std::set<std::pair<std::string, std::string>> linked;
  for (const InputGuardian& g : in_.guardians) {
    const UserPlan* gp = User(g.guardian_key);
    const UserPlan* sp = User(g.student_key);
    if (gp == nullptr || sp == nullptr) continue;  // the reader refused the row
    if (gp->refused || sp->refused) {
      if (g.at != gp->in->at && g.at != sp->in->at) {
        Note(g.at, RowStatus::kSkipped, "связь не обработана: ученик или родитель отклонён");
      }
      continue;
    }
    if (sp->in->kind != PersonKind::kStudent || gp->in->kind == PersonKind::kStudent) {
      Refuse(g.at,
             "«" + gp->display + "» не может быть законным представителем «" + sp->display +
                 "»: связывают родителя с учеником",
             "R-SET-2");
      continue;
    }
    const std::string& guardian = Target(*gp).id;
    const std::string& student = sp->id;
    if (!linked.insert({guardian, student}).second) continue;
    if (auto st = school_.students.find(student);
        st != school_.students.end() && st->second.guardians.contains(guardian)) {
      continue;
    }
    if (MembershipsOf(student).empty()) {
      Refuse(g.at,
             "ученик «" + sp->display + "» не зачислен ни в один класс: связь с родителем «" +
                 Target(*gp).display + "» записать нельзя",
             "R-SET-2");
      continue;
    }
    auto* p = Emit(kLinks).mutable_guardian_linked();
    p->set_guardian_id(guardian);
    p->set_student_id(student);
    Note(g.at, RowStatus::kNew,
         "законный представитель «" + Target(*gp).display + "» — ученик «" + sp->display + "»");
  }
}

void Planner::PlanDeactivations() {
  for (const UserPlan& u : users_) {
    if (u.refused || u.alias_of != SIZE_MAX) continue;
    const bool active = u.existing == nullptr || u.existing->active;
    if (!u.in->enabled && active) {
      auto* p = Emit(kDeactivations).mutable_user_deactivated();
      p->set_user_id(u.id);
      p->set_reason("Учётная запись отключена в файле импорта");
      Note(u.in->at, u.existing == nullptr ? RowStatus::kNew : RowStatus::kChanged,
           "учётная запись отключается");
    } else if (u.in->enabled && !active) {
      Note(u.in->at, RowStatus::kSkipped,
           "учётная запись «" + u.display + "» отключена; импорт её не включает");
    }
  }
}

void Planner::CollectContacts() {
  std::map<std::string, size_t> at;
  for (const UserPlan& u : users_) {
    if (u.refused || (u.in->phone.empty() && u.in->email.empty())) continue;
    const std::string& id = Target(u).id;
    auto [it, inserted] = at.try_emplace(id, contacts_.size());
    if (inserted) contacts_.push_back(ContactRecord{id, {}, {}});
    ContactRecord& c = contacts_[it->second];
    if (c.phone.empty()) c.phone = u.in->phone;
    if (c.email.empty()) c.email = u.in->email;
  }
}

}  // namespace ejournal::setup::internal
