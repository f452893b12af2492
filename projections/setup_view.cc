#include "projections/setup_view.h"

#include <algorithm>
#include <string>
#include <vector>

namespace ejournal::school {
namespace {

void SetRange(v1::DateRange* range, Day first, Day last) {
  if (first != kNoDay && first != kForever) *range->mutable_first_day() = DateOf(first);
  if (last != kNoDay && last != kForever) *range->mutable_last_day() = DateOf(last);
}

// Ids in a stable order (the state's tables are hash maps).
template <typename Map>
std::vector<const typename Map::mapped_type*> Sorted(const Map& map) {
  std::vector<const typename Map::mapped_type*> out;
  out.reserve(map.size());
  for (const auto& [id, value] : map) out.push_back(&value);
  std::sort(out.begin(), out.end(), [](const auto* a, const auto* b) { return a->id < b->id; });
  return out;
}

void AddYear(const AcademicYear& y, v1::SetupView& view) {
  auto* out = view.add_years();
  out->set_academic_year_id(y.id);
  SetRange(out->mutable_dates(), y.first, y.last);
  for (const auto& scheme : y.schemes) {
    auto* s = out->add_term_schemes();
    s->set_grade_from(scheme.grade_from);
    s->set_grade_to(scheme.grade_to);
    s->set_kind(scheme.kind);
    for (int wd = 1; wd <= 7; ++wd) {
      if ((scheme.weekdays & (1u << wd)) != 0) s->add_school_weekdays(static_cast<v1::Weekday>(wd));
    }
    for (const auto& t : scheme.terms) {
      auto* term = s->add_terms();
      term->set_number(t.number);
      SetRange(term->mutable_dates(), t.first, t.last);
    }
  }
  for (const auto& h : y.holidays) {
    auto* out_h = out->add_holidays();
    SetRange(out_h->mutable_dates(), h.first, h.last);
    out_h->set_kind(h.kind);
    out_h->set_name(h.name);
    for (int g : h.grades) out_h->add_grades(g);
    for (const auto& c : h.class_ids) out_h->add_class_ids(c);
  }
  SetRange(out->mutable_adaptation_period(), y.adaptation_first, y.adaptation_last);
}

void AddPeople(const School& school, Day today, v1::SetupView& view) {
  for (const User* u : Sorted(school.users)) {
    auto* out = view.add_users();
    auto* reg = out->mutable_user();
    reg->set_user_id(u->id);
    for (int r = v1::Role_MIN; r <= v1::Role_MAX; ++r) {
      if (v1::Role_IsValid(r) && r != 0 && u->Has(static_cast<v1::Role>(r))) {
        reg->add_roles(static_cast<v1::Role>(r));
      }
    }
    reg->set_display_name(u->display_name);
    reg->set_login_name(u->login);
    out->set_active(u->active);
    out->set_deactivation_reason(u->deactivation_reason);
    if (auto st = school.students.find(u->id); st != school.students.end()) {
      if (const Membership* m = st->second.On(today)) out->set_class_id(m->class_id);
      for (const auto& g : st->second.guardians) out->add_guardians(g);
    }
  }
  // A parent's children: the students who name them as a guardian.
  std::map<std::string, std::vector<std::string>> children;
  for (const auto& [id, student] : school.students) {
    for (const auto& g : student.guardians) children[g].push_back(id);
  }
  for (auto& u : *view.mutable_users()) {
    auto it = children.find(u.user().user_id());
    if (it == children.end()) continue;
    std::sort(it->second.begin(), it->second.end());
    for (const auto& c : it->second) u.add_children(c);
  }
}

void AddTimetable(const School& school, v1::SetupView& view) {
  for (const Load* l : Sorted(school.loads)) {
    auto* out = view.add_loads();
    out->set_load_id(l->id);
    out->set_teacher_id(l->teacher_id);
    out->set_class_id(l->class_id);
    out->set_subgroup_id(l->subgroup_id);
    out->set_subject_id(l->subject_id);
    out->set_weekly_hours(l->weekly_hours);
    out->set_academic_year_id(l->year_id);
    SetRange(out->mutable_dates(), l->from, l->to);
  }
  for (const BellSchedule* b : Sorted(school.bells)) {
    auto* out = view.add_bells();
    out->set_bell_schedule_id(b->id);
    out->set_name(b->name);
    for (const auto& [number, times] : b->periods) {
      auto* p = out->add_periods();
      p->set_number(number);
      p->set_start_minutes(times.first);
      p->set_end_minutes(times.second);
    }
    for (int g : b->grades) out->add_grades(g);
    for (int wd = 1; wd <= 7; ++wd) {
      if ((b->weekdays & (1u << wd)) != 0) out->add_weekdays(static_cast<v1::Weekday>(wd));
    }
    SetRange(out->mutable_valid(), b->first, b->last);
  }
  for (const TimetableSlot* s : Sorted(school.timetable)) {
    auto* out = view.add_timetable();
    out->set_slot_id(s->id);
    out->set_class_id(s->class_id);
    out->set_subgroup_id(s->subgroup_id);
    out->set_subject_id(s->subject_id);
    out->set_teacher_id(s->teacher_id);
    out->set_weekday(static_cast<v1::Weekday>(s->weekday));
    out->set_period(s->period);
    out->set_room(s->room);
    SetRange(out->mutable_valid(), s->first, s->last);
    out->set_weeks(s->weeks);
    out->set_individual_student_id(s->individual_student_id);
  }
  for (const Plan* p : Sorted(school.plans)) {
    auto* out = view.add_plans();
    out->set_plan_id(p->id);
    out->set_class_id(p->class_id);
    out->set_subgroup_id(p->subgroup_id);
    out->set_subject_id(p->subject_id);
    out->set_academic_year_id(p->year_id);
    out->set_term_number(p->term);
    for (const auto& t : p->topics) {
      auto* topic = out->add_topics();
      topic->set_number(t.number);
      topic->set_title(t.title);
      topic->set_hours(t.hours);
      topic->set_planned_work_type(t.work);
    }
  }
}

}  // namespace

v1::SetupView SetupViewOf(const School& school, Day today, uint64_t as_of_sequence) {
  v1::SetupView view;
  view.set_school_id(school.id);
  view.set_as_of_sequence(as_of_sequence);
  view.mutable_school()->set_name(school.name);
  view.mutable_school()->set_time_zone(school.zone.name());
  view.mutable_school()->set_region(school.region);
  for (const AcademicYear* y : Sorted(school.years)) AddYear(*y, view);
  for (const Subject* s : Sorted(school.subjects)) {
    auto* out = view.add_subjects();
    out->set_subject_id(s->id);
    out->set_name(s->name);
    out->set_short_name(s->short_name);
    out->set_kind(s->kind);
  }
  for (const SchoolClass* c : Sorted(school.classes)) {
    auto* out = view.add_classes();
    auto* created = out->mutable_created();
    created->set_class_id(c->id);
    created->set_academic_year_id(c->year_id);
    created->set_grade(c->grade);
    created->set_letter(c->letter);
    created->set_class_teacher_id(c->class_teacher_id);
    out->set_label(school.ClassLabel(c->id));
    for (const auto& member : school.MembersOf(c->id)) {
      auto st = school.students.find(member);
      if (st == school.students.end()) continue;
      const Membership* m = st->second.On(today);
      if (m == nullptr || m->class_id != c->id) continue;
      out->add_student_ids(member);
      if (m->home_schooling) out->add_home_schooled_ids(member);
    }
  }
  for (const Subgroup* g : Sorted(school.subgroups)) {
    auto* out = view.add_subgroups();
    out->set_subgroup_id(g->id);
    out->set_class_id(g->class_id);
    out->set_subject_id(g->subject_id);
    out->set_name(g->name);
    for (const auto& s : g->students) out->add_student_ids(s);
  }
  AddPeople(school, today, view);
  AddTimetable(school, view);
  return view;
}

}  // namespace ejournal::school
