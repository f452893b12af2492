#include "projections/week_timetable.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <tuple>
#include <vector>

namespace ejournal::school {
namespace {

std::string Clock(int minutes) {
  const int h = minutes / 60, m = minutes % 60;
  return (h < 10 ? "0" : "") + std::to_string(h) + ":" + (m < 10 ? "0" : "") + std::to_string(m);
}

// The day a generated lesson was given by its slot ("<slot>:<YYYY-MM-DD>", GeneratedLessonId);
// kNoDay for a lesson scheduled by hand.
Day GivenDay(const Lesson& l) {
  const std::string prefix = l.timetable_slot_id + ":";
  if (l.timetable_slot_id.empty() || !l.id.starts_with(prefix)) return kNoDay;
  const std::string rest = l.id.substr(prefix.size(), 10);
  int y = 0, m = 0, d = 0;
  if (std::sscanf(rest.c_str(), "%4d-%2d-%2d", &y, &m, &d) != 3) return kNoDay;
  v1::Date date;
  date.set_year(y);
  date.set_month(m);
  date.set_day(d);
  auto day = DayOf(date);
  return day ? *day : kNoDay;
}

std::vector<std::string> ChangesOf(const School& school, const Lesson& l, const Substitution* sub) {
  std::vector<std::string> out;
  if (l.cancelled) out.push_back("отменён");
  auto slot = school.timetable.find(l.timetable_slot_id);
  if (!l.timetable_slot_id.empty() && slot != school.timetable.end()) {
    const TimetableSlot& s = slot->second;
    const Day given = GivenDay(l);
    if ((given != kNoDay && given != l.date) || WeekdayOf(l.date) != s.weekday ||
        l.period != s.period) {
      const Day from = given != kNoDay ? given : l.date;
      out.push_back("перенесён с " + std::string(RuWeekday(s.weekday)) + ", " + RuDate(from) +
                    ", " + std::to_string(s.period) + "-го урока");
    }
    if (l.room != s.room && !s.room.empty()) {
      out.push_back(l.room.empty() ? "кабинет не указан (был " + s.room + ")"
                                   : "кабинет " + l.room + " вместо " + s.room);
    }
  } else if (!school.timetable.empty()) {
    out.push_back("дополнительный урок");
  }
  if (sub != nullptr) {
    out.push_back("замена: ведёт " + school.UserName(sub->substitute_teacher_id) + " вместо " +
                  school.UserName(sub->absent_teacher_id));
  }
  return out;
}

}  // namespace

v1::TimetableWeekView WeekTimetableOf(const School& school, std::string_view class_id,
                                      std::string_view teacher_id, Day monday) {
  v1::TimetableWeekView out;
  out.set_school_id(school.id);
  *out.mutable_week_start() = DateOf(monday);
  out.set_title(class_id.empty() ? school.UserName(teacher_id) : school.ClassLabel(class_id));
  // The substitution in force on each lesson (the last not cancelled).
  auto substitution_of = [&](const Lesson& l) -> const Substitution* {
    const Substitution* found = nullptr;
    for (const auto& id : l.substitution_ids) {
      auto it = school.substitutions.find(id);
      if (it != school.substitutions.end() && !it->second.cancelled) found = &it->second;
    }
    return found;
  };
  std::vector<std::pair<const Lesson*, const Substitution*>> lessons;
  for (const auto& [cid, by_day] : school.lessons_by_class_day) {
    if (!class_id.empty() && cid != class_id) continue;
    for (auto it = by_day.lower_bound(monday); it != by_day.end() && it->first < monday + 7; ++it) {
      for (const std::string& id : it->second) {
        const Lesson* l = school.FindLesson(id);
        if (l == nullptr || l->date != it->first) continue;
        const Substitution* sub = substitution_of(*l);
        if (class_id.empty()) {
          const bool own = l->teacher_id == teacher_id &&
                           (sub == nullptr || sub->substitute_teacher_id == teacher_id);
          const bool substitute = sub != nullptr && sub->substitute_teacher_id == teacher_id;
          if (!own && !substitute) continue;
        }
        lessons.emplace_back(l, sub);
      }
    }
  }
  std::sort(lessons.begin(), lessons.end(), [](const auto& a, const auto& b) {
    return std::tie(a.first->date, a.first->period, a.first->class_id, a.first->subgroup_id,
                    a.first->id) < std::tie(b.first->date, b.first->period, b.first->class_id,
                                            b.first->subgroup_id, b.first->id);
  });
  lessons.erase(std::unique(lessons.begin(), lessons.end()), lessons.end());
  for (const auto& [l, sub] : lessons) {
    v1::TimetableLessonView& v = *out.add_lessons();
    v.set_lesson_id(l->id);
    *v.mutable_date() = DateOf(l->date);
    v.set_period(l->period);
    if (const BellSchedule* bell = school.BellFor(*l); bell != nullptr) {
      if (auto p = bell->periods.find(l->period); p != bell->periods.end()) {
        v.set_starts(Clock(p->second.first));
        v.set_ends(Clock(p->second.second));
      }
    }
    v.set_class_label(school.ClassLabel(l->class_id));
    v.set_class_id(l->class_id);
    v.set_subgroup_id(l->subgroup_id);
    v.set_subject_id(l->subject_id);
    if (!l->subgroup_id.empty()) {
      v.set_subgroup_name(school.PageGroupName(l->subgroup_id));
    }
    v.set_subject_name(school.SubjectName(l->subject_id));
    v.set_teacher_name(
        school.UserName(sub != nullptr ? sub->substitute_teacher_id : l->teacher_id));
    v.set_room(l->room);
    v.set_cancelled(l->cancelled);
    for (auto& c : ChangesOf(school, *l, sub)) v.add_changes(std::move(c));
  }
  return out;
}

}  // namespace ejournal::school
