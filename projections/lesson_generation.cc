#include "projections/lesson_generation.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

namespace ejournal::school {
namespace {

// A lesson the timetable gives.
struct Wanted {
  const TimetableSlot* slot;
  Day day;
  std::string id;
};

bool HasRecords(const Lesson& l) {
  return !l.record.versions.empty() || !l.marks.empty() || !l.attendance_students.empty() ||
         !l.homework.empty();
}

bool Matches(const Lesson& l, const TimetableSlot& s) {
  return l.class_id == s.class_id &&
         l.subgroup_id == PageSubgroupOf(s.subgroup_id, s.individual_student_id) &&
         l.subject_id == s.subject_id && l.teacher_id == s.teacher_id && l.period == s.period &&
         l.room == s.room;
}

// The topics of the class-subject's plan for `day` (its term's plan, else the year's), each
// repeated by its hours, and the first day they count from; null when there is no plan.
struct TopicList {
  std::vector<const PlannedTopicInfo*> topics;
  Day counted_from = kNoDay;
};
TopicList TopicsFor(const School& school, const SchoolClass& cls, const std::string& subgroup_id,
                    const std::string& subject_id, Day day) {
  const TermInfo* term = school.TermOn(cls, day);
  const Plan* year_plan = nullptr;
  const Plan* term_plan = nullptr;
  for (const auto& [id, plan] : school.plans) {
    if (plan.class_id != cls.id || plan.subgroup_id != subgroup_id ||
        plan.subject_id != subject_id || plan.year_id != cls.year_id) {
      continue;
    }
    if (plan.term == 0) year_plan = &plan;
    if (term != nullptr && plan.term == term->number) term_plan = &plan;
  }
  TopicList out;
  const Plan* plan = term_plan != nullptr ? term_plan : year_plan;
  if (plan == nullptr) return out;
  auto year = school.years.find(cls.year_id);
  out.counted_from = term_plan != nullptr
                         ? term->first
                         : (year != school.years.end() ? year->second.first : kNoDay);
  for (const auto& t : plan->topics) {
    for (int h = 0; h < std::max(1, t.hours); ++h) out.topics.push_back(&t);
  }
  return out;
}

}  // namespace

std::string PlannedTopicOf(const School& school, const Lesson& lesson) {
  if (lesson.cancelled) return "";
  auto cls = school.classes.find(lesson.class_id);
  if (cls == school.classes.end()) return "";
  TopicList plan =
      TopicsFor(school, cls->second, lesson.subgroup_id, lesson.subject_id, lesson.date);
  if (plan.topics.empty() || lesson.date < plan.counted_from) return "";
  size_t before = 0;
  auto g = school.lessons_by_group.find(
      GroupKey(lesson.class_id, lesson.subgroup_id, lesson.subject_id));
  if (g != school.lessons_by_group.end()) {
    for (const std::string& id : g->second) {
      const Lesson* l = school.FindLesson(id);
      if (l == nullptr || l->cancelled || l->date < plan.counted_from) continue;
      if (std::tie(l->date, l->period, l->id) < std::tie(lesson.date, lesson.period, lesson.id)) {
        ++before;
      }
    }
  }
  return before < plan.topics.size() ? plan.topics[before]->title : "";
}

std::string GeneratedLessonId(const std::string& slot_id, Day day) {
  return slot_id + ":" + DayString(day);
}

GeneratedLessons GenerateLessons(const School& school, Day from, Day to) {
  GeneratedLessons out;
  std::vector<Wanted> wanted;
  std::set<std::string> days_off;
  for (Day day = from; day <= to; ++day) {
    const int weekday = WeekdayOf(day);
    for (const auto& [id, slot] : school.timetable) {
      if (slot.weekday != weekday || day < slot.first || day > slot.last) continue;
      auto cls = school.classes.find(slot.class_id);
      if (cls == school.classes.end() || !school.SlotGives(slot, cls->second, day)) continue;
      if (std::string off = school.DayOff(cls->second, day); !off.empty()) {
        days_off.insert(RuDate(day) + ", " + school.ClassLabel(cls->second.id) + ": " + off);
        continue;
      }
      wanted.push_back(Wanted{&slot, day, GeneratedLessonId(slot.id, day)});
    }
  }
  std::sort(wanted.begin(), wanted.end(), [](const Wanted& a, const Wanted& b) {
    return std::tie(a.day, a.slot->period, a.id) < std::tie(b.day, b.slot->period, b.id);
  });
  for (const std::string& d : days_off) out.days_off.push_back(d);

  // The lessons generated earlier in the range: each either is what the timetable still gives
  // (kept as it is), or is cancelled (when nothing was recorded in it yet).
  std::set<std::pair<std::string, Day>> given;  // (slot, day) the timetable gives
  for (const Wanted& w : wanted) given.emplace(w.slot->id, w.day);
  std::set<std::pair<std::string, Day>> present;  // given and already scheduled as given
  std::set<std::string> cancelled_now;
  for (const auto& [class_id, by_day] : school.lessons_by_class_day) {
    for (auto it = by_day.lower_bound(from); it != by_day.end() && it->first <= to; ++it) {
      for (const std::string& id : it->second) {
        const Lesson* l = school.FindLesson(id);
        if (l == nullptr || l->cancelled || l->timetable_slot_id.empty()) continue;
        auto slot = school.timetable.find(l->timetable_slot_id);
        const bool still = slot != school.timetable.end() &&
                           given.contains({l->timetable_slot_id, l->date}) &&
                           Matches(*l, slot->second);
        if (still) {
          present.emplace(l->timetable_slot_id, l->date);
          continue;
        }
        if (HasRecords(*l)) {
          out.kept.push_back(RuDate(l->date) + ", " + school.ClassLabel(l->class_id) + ", " +
                             school.SubjectName(l->subject_id) + ": урок уже проведён, остаётся");
          continue;
        }
        v1::EventBody b;
        b.mutable_lesson_cancelled()->set_lesson_id(l->id);
        b.mutable_lesson_cancelled()->set_reason("Изменение расписания");
        *b.mutable_business_date() = DateOf(l->date);
        out.bodies.push_back(std::move(b));
        cancelled_now.insert(l->id);
        ++out.cancelled;
      }
    }
  }

  // The new lessons, with the next planned topic of the class-subject (R-PLAN-1).
  std::map<std::string, int> new_in_group;  // GroupKey -> lessons generated so far
  for (const Wanted& w : wanted) {
    if (present.contains({w.slot->id, w.day})) {
      ++out.already;
      continue;
    }
    const TimetableSlot& s = *w.slot;
    std::string id = w.id;
    for (int n = 2; school.FindLesson(id) != nullptr; ++n) id = w.id + "-" + std::to_string(n);
    const SchoolClass& cls = school.classes.find(s.class_id)->second;
    // An individual slot's lessons count on the student's own page (R-LES-2), which has no plan
    // of the class's.
    const std::string page = PageSubgroupOf(s.subgroup_id, s.individual_student_id);
    const std::string group = GroupKey(s.class_id, page, s.subject_id);
    std::string topic;
    if (TopicList plan = TopicsFor(school, cls, page, s.subject_id, w.day); !plan.topics.empty()) {
      size_t held_before = static_cast<size_t>(new_in_group[group]);
      if (auto g = school.lessons_by_group.find(group); g != school.lessons_by_group.end()) {
        for (const std::string& lid : g->second) {
          const Lesson* l = school.FindLesson(lid);
          if (l == nullptr || l->cancelled || cancelled_now.contains(lid)) continue;
          if (l->date >= plan.counted_from &&
              std::tie(l->date, l->period) < std::tie(w.day, s.period)) {
            ++held_before;
          }
        }
      }
      if (held_before < plan.topics.size()) topic = plan.topics[held_before]->title;
    }
    ++new_in_group[group];
    v1::EventBody b;
    auto* l = b.mutable_lesson_scheduled();
    l->set_lesson_id(id);
    l->set_class_id(s.class_id);
    l->set_subgroup_id(s.subgroup_id);
    l->set_subject_id(s.subject_id);
    l->set_teacher_id(s.teacher_id);
    *l->mutable_date() = DateOf(w.day);
    l->set_period(s.period);
    l->set_room(s.room);
    l->set_planned_topic(topic);
    l->set_timetable_slot_id(s.id);
    l->set_individual_student_id(s.individual_student_id);
    *b.mutable_business_date() = DateOf(w.day);
    out.bodies.push_back(std::move(b));
    ++out.scheduled;
  }
  return out;
}

}  // namespace ejournal::school
