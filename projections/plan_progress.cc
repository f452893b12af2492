#include "projections/plan_progress.h"

#include <algorithm>
#include <set>
#include <string>
#include <tuple>
#include <vector>

namespace ejournal::school {
namespace {

// The plan's range: its term's dates for the class's grade, else the academic year's.
bool RangeOf(const School& school, const Plan& plan, Day* first, Day* last) {
  auto cls = school.classes.find(plan.class_id);
  auto year = school.years.find(plan.year_id);
  if (cls == school.classes.end() || year == school.years.end()) return false;
  *first = year->second.first;
  *last = year->second.last;
  if (plan.term == 0) return true;
  const TermScheme* scheme = year->second.SchemeFor(cls->second.grade);
  if (scheme == nullptr) return false;
  for (const auto& t : scheme->terms) {
    if (t.number == plan.term) {
      *first = t.first;
      *last = t.last;
      return true;
    }
  }
  return false;
}

// The group's lessons in [first, last] not cancelled, in date and period order.
std::vector<const Lesson*> LessonsOf(const School& school, const Plan& plan, Day first, Day last) {
  std::vector<const Lesson*> out;
  auto g = school.lessons_by_group.find(GroupKey(plan.class_id, plan.subgroup_id, plan.subject_id));
  if (g == school.lessons_by_group.end()) return out;
  for (const std::string& id : g->second) {
    const Lesson* l = school.FindLesson(id);
    if (l != nullptr && !l->cancelled && l->date >= first && l->date <= last) out.push_back(l);
  }
  std::sort(out.begin(), out.end(), [](const Lesson* a, const Lesson* b) {
    return std::tie(a->date, a->period, a->id) < std::tie(b->date, b->period, b->id);
  });
  return out;
}

// The teaching load of the plan's class-subject in force in its range (the latest begun).
const Load* LoadOf(const School& school, const Plan& plan, Day first, Day last) {
  const Load* best = nullptr;
  for (const auto& [id, load] : school.loads) {
    if (load.class_id != plan.class_id || load.subgroup_id != plan.subgroup_id ||
        load.subject_id != plan.subject_id || load.to < first || load.from > last) {
      continue;
    }
    if (best == nullptr || load.from > best->from) best = &load;
  }
  return best;
}

// The weeks (Monday to Sunday) of [first, last] with at least one school day for the class.
int SchoolWeeks(const School& school, const SchoolClass& cls, Day first, Day last) {
  std::set<Day> mondays;
  for (Day d = first; d <= last; ++d) {
    if (school.DayOff(cls, d).empty()) mondays.insert(d - (WeekdayOf(d) - 1));
  }
  return static_cast<int>(mondays.size());
}

std::string HoursText(int n) {
  const int m10 = n % 10, m100 = n % 100;
  const char* word = (m10 == 1 && m100 != 11)                             ? "час"
                     : (m10 >= 2 && m10 <= 4 && (m100 < 12 || m100 > 14)) ? "часа"
                                                                          : "часов";
  return std::to_string(n) + " " + word;
}

}  // namespace

bool IsControlWork(v1::WorkType type) {
  switch (type) {
    case v1::WORK_TYPE_CONTROL_WORK:
    case v1::WORK_TYPE_INTERNAL_MONITORING_CONTROL_WORK:
    case v1::WORK_TYPE_DICTATION:
    case v1::WORK_TYPE_DICTATION_WITH_GRAMMAR_TASK:
    case v1::WORK_TYPE_LAB:
    case v1::WORK_TYPE_PRACTICAL:
    case v1::WORK_TYPE_ESSAY:
    case v1::WORK_TYPE_TEST:
    case v1::WORK_TYPE_ORAL_TEST:
    case v1::WORK_TYPE_VERIFICATION_WORK:
    case v1::WORK_TYPE_EXPOSITION:
      return true;
    default:
      return false;
  }
}

v1::PlanProgressView PlanProgressOf(const Validity& state, const School& school,
                                    std::string_view teacher_id) {
  v1::PlanProgressView out;
  out.set_school_id(school.id);
  std::vector<const Plan*> plans;
  for (const auto& [id, plan] : school.plans) plans.push_back(&plan);
  std::sort(plans.begin(), plans.end(), [&](const Plan* a, const Plan* b) {
    return std::tie(a->year_id, a->class_id, a->subject_id, a->subgroup_id, a->term) <
           std::tie(b->year_id, b->class_id, b->subject_id, b->subgroup_id, b->term);
  });
  for (const Plan* plan : plans) {
    Day first = kNoDay, last = kNoDay;
    if (!RangeOf(school, *plan, &first, &last)) continue;
    const Load* load = LoadOf(school, *plan, first, last);
    if (!teacher_id.empty() && (load == nullptr || load->teacher_id != teacher_id)) continue;
    const SchoolClass& cls = school.classes.at(plan->class_id);
    v1::PlanProgress& p = *out.add_plans();
    p.set_plan_id(plan->id);
    p.set_class_id(plan->class_id);
    p.set_class_label(school.ClassLabel(plan->class_id));
    p.set_subgroup_id(plan->subgroup_id);
    p.set_subject_id(plan->subject_id);
    p.set_subject_name(school.SubjectName(plan->subject_id));
    if (load != nullptr) {
      p.set_teacher_id(load->teacher_id);
      p.set_teacher_name(school.UserName(load->teacher_id));
      p.set_weekly_hours(load->weekly_hours);
    }
    p.set_term_number(plan->term);
    *p.mutable_dates()->mutable_first_day() = DateOf(first);
    *p.mutable_dates()->mutable_last_day() = DateOf(last);
    p.set_planned_hours(plan->Hours());
    p.set_weeks(SchoolWeeks(school, cls, first, last));
    p.set_load_hours(p.weekly_hours() * p.weeks());
    if (load == nullptr) {
      p.set_hours_note("Нет учебной нагрузки по этому предмету в этом классе");
    } else if (p.weekly_hours() == 0) {
      p.set_hours_note(
          "В учебной нагрузке не указано, сколько часов в неделю: сверить план не с чем");
    } else if (p.weekly_hours() > 0 && p.planned_hours() != p.load_hours()) {
      p.set_hours_note("По плану " + HoursText(p.planned_hours()) + ", по нагрузке " +
                       HoursText(p.load_hours()) + " (" + std::to_string(p.weekly_hours()) +
                       " в неделю × " + std::to_string(p.weeks()) + " учебных недель)");
    }
    const std::vector<const Lesson*> lessons = LessonsOf(school, *plan, first, last);
    p.set_lessons_scheduled(static_cast<int>(lessons.size()));
    int position = 0;
    for (const auto& topic : plan->topics) {
      for (int h = 0; h < std::max(1, topic.hours); ++h) {
        v1::PlannedLessonView& pl = *p.add_lessons();
        pl.set_position(position + 1);
        pl.set_topic_number(topic.number);
        pl.set_planned_topic(topic.title);
        pl.set_planned_work_type(topic.work);
        if (static_cast<size_t>(position) < lessons.size()) {
          const Lesson& l = *lessons[position];
          pl.set_lesson_id(l.id);
          *pl.mutable_date() = DateOf(l.date);
          pl.set_period(l.period);
          if (const auto* rec = l.record.Current(state); rec != nullptr) {
            pl.set_held(true);
            pl.set_topic(rec->value.topic);
          }
        }
        ++position;
      }
    }
    for (const Lesson* l : lessons) {
      if (l->record.Current(state) != nullptr) p.set_lessons_held(p.lessons_held() + 1);
    }
  }
  return out;
}

v1::ControlWorksView ControlWorksOf(const School& school, std::string_view student_id, Day from) {
  v1::ControlWorksView out;
  out.set_school_id(school.id);
  out.set_student_id(std::string(student_id));
  struct Work {
    const Lesson* lesson;
    const PlannedTopicInfo* topic;
  };
  std::vector<Work> works;
  for (const auto& [id, plan] : school.plans) {
    bool any = false;
    for (const auto& t : plan.topics) any |= IsControlWork(t.work);
    if (!any) continue;
    Day first = kNoDay, last = kNoDay;
    if (!RangeOf(school, plan, &first, &last) || last < from) continue;
    const std::vector<const Lesson*> lessons = LessonsOf(school, plan, first, last);
    size_t position = 0;
    for (const auto& topic : plan.topics) {
      for (int h = 0; h < std::max(1, topic.hours); ++h, ++position) {
        if (!IsControlWork(topic.work) || position >= lessons.size()) continue;
        const Lesson* l = lessons[position];
        if (l->date >= from && school.InLesson(*l, student_id)) works.push_back({l, &topic});
      }
    }
  }
  std::sort(works.begin(), works.end(), [](const Work& a, const Work& b) {
    return std::tie(a.lesson->date, a.lesson->period, a.lesson->id) <
           std::tie(b.lesson->date, b.lesson->period, b.lesson->id);
  });
  for (const Work& w : works) {
    v1::ControlWorkView& c = *out.add_works();
    *c.mutable_date() = DateOf(w.lesson->date);
    c.set_period(w.lesson->period);
    c.set_subject_id(w.lesson->subject_id);
    c.set_subject_name(school.SubjectName(w.lesson->subject_id));
    c.set_topic(w.topic->title);
    c.set_work_type(w.topic->work);
    c.set_lesson_id(w.lesson->id);
  }
  return out;
}

}  // namespace ejournal::school
