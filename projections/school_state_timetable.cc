// The fold of the timetable events: the teaching load, the plan, bells, the timetable and the
// lessons scheduled, moved or cancelled.
#include <algorithm>
#include <string>

#include "projections/school_state.h"
#include "projections/school_state_internal.h"

namespace ejournal::school {

Status SchoolState::FoldTimetable(School* school, const v1::EventBody& body, uint64_t seq,
                                  int64_t at_us, std::vector<uint64_t>& deps) {
  using B = v1::EventBody;
  switch (body.payload_case()) {
    case B::kTeachingLoadAssigned: {
      const auto& p = body.teaching_load_assigned();
      Load l;
      l.id = p.load_id();
      l.teacher_id = p.teacher_id();
      l.class_id = p.class_id();
      l.subgroup_id = p.subgroup_id();
      l.subject_id = p.subject_id();
      l.year_id = p.academic_year_id();
      l.weekly_hours = p.weekly_hours();
      l.from = DayOr(p.dates().first_day(), kNoDay);
      l.to = DayOr(p.dates().last_day(), kForever);
      if (l.from == kNoDay) {
        auto y = school->years.find(l.year_id);
        if (y != school->years.end()) {
          l.from = y->second.first;
          if (p.dates().last_day().year() == 0) l.to = y->second.last;
        }
      }
      school->loads[l.id] = std::move(l);
      return Status::Ok();
    }
    case B::kTeachingLoadRemoved: {
      const auto& p = body.teaching_load_removed();
      auto it = school->loads.find(p.load_id());
      if (it == school->loads.end()) return Corrupt(seq, "unknown load");
      it->second.to = DayOr(p.effective_from(), school->zone.LocalDay(at_us)) - 1;
      return Status::Ok();
    }
    case B::kPlannedTopicsSet: {
      const auto& p = body.planned_topics_set();
      Plan plan{p.plan_id(),
                p.class_id(),
                p.subgroup_id(),
                p.subject_id(),
                p.academic_year_id(),
                p.term_number(),
                {},
                seq};
      for (const auto& t : p.topics()) {
        plan.topics.push_back(
            PlannedTopicInfo{t.number(), t.title(), std::max(1, t.hours()), t.planned_work_type()});
      }
      // The group's lessons show their topic from the plan (PlannedTopicOf) when they were
      // scheduled without one: their columns are written again.
      if (auto g = school->lessons_by_group.find(
              GroupKey(plan.class_id, plan.subgroup_id, plan.subject_id));
          g != school->lessons_by_group.end()) {
        for (const std::string& lesson_id : g->second) TouchColumn(lesson_id);
      }
      school->plans[plan.id] = std::move(plan);
      return Status::Ok();
    }
    case B::kBellScheduleSet: {
      const auto& p = body.bell_schedule_set();
      BellSchedule b;
      b.id = p.bell_schedule_id();
      b.name = p.name();
      for (const auto& period : p.periods()) {
        b.periods[period.number()] = {period.start_minutes(), period.end_minutes()};
      }
      b.grades.assign(p.grades().begin(), p.grades().end());
      for (int w : p.weekdays()) b.weekdays |= 1u << w;
      b.first = DayOr(p.valid().first_day(), kNoDay);
      b.last = DayOr(p.valid().last_day(), kForever);
      b.seq = seq;
      school->bells[b.id] = std::move(b);
      return Status::Ok();
    }
    case B::kTimetableSlotSet: {
      const auto& p = body.timetable_slot_set();
      school->timetable[p.slot_id()] = TimetableSlot{p.slot_id(),
                                                     p.class_id(),
                                                     p.subgroup_id(),
                                                     p.subject_id(),
                                                     p.teacher_id(),
                                                     p.room(),
                                                     p.weekday(),
                                                     p.period(),
                                                     DayOr(p.valid().first_day(), kNoDay),
                                                     DayOr(p.valid().last_day(), kForever),
                                                     seq,
                                                     p.weeks(),
                                                     p.individual_student_id()};
      return Status::Ok();
    }
    case B::kTimetableSlotRemoved: {
      const auto& p = body.timetable_slot_removed();
      auto it = school->timetable.find(p.slot_id());
      if (it == school->timetable.end()) return Corrupt(seq, "unknown timetable slot");
      if (p.effective_from().year() == 0) {
        school->timetable.erase(it);
      } else {
        it->second.last = DayOr(p.effective_from(), kForever) - 1;
      }
      return Status::Ok();
    }
    case B::kLessonScheduled: {
      Lesson l = ScheduledLesson(body.lesson_scheduled(), seq);
      l.name = Intern(l.id);
      l.subject = Intern(l.subject_id);
      school->lessons_by_group[GroupKey(l.class_id, l.subgroup_id, l.subject_id)].push_back(l.id);
      school->lessons_by_class_day[l.class_id][l.date].push_back(l.id);
      TouchLesson(l.id);
      school->lessons[l.id] = std::move(l);
      return Status::Ok();
    }
    case B::kLessonMoved: {
      const auto& p = body.lesson_moved();
      auto it = school->lessons.find(p.lesson_id());
      if (it == school->lessons.end()) return Corrupt(seq, "unknown lesson");
      Lesson& l = it->second;
      deps.push_back(l.scheduled_seq);
      touched_.moved.emplace_back(Intern(l.id), l.date, l.period);
      TouchLesson(l.id);
      const Day from = l.date;
      MoveLesson(l, p);
      if (l.date != from) {
        auto& by_day = school->lessons_by_class_day[l.class_id];
        std::erase(by_day[from], l.id);
        by_day[l.date].push_back(l.id);
      }
      return Status::Ok();
    }
    case B::kLessonCancelled: {
      auto it = school->lessons.find(body.lesson_cancelled().lesson_id());
      if (it == school->lessons.end()) return Corrupt(seq, "unknown lesson");
      deps.push_back(it->second.scheduled_seq);
      it->second.cancelled = true;
      TouchLesson(it->first);
      return Status::Ok();
    }
    default:
      return Corrupt(seq, "not a timetable event");
  }
}

}  // namespace ejournal::school
