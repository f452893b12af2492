#include "projections/alerts.h"

#include <algorithm>
#include <map>

#include "projections/rule_book.h"

namespace ejournal::school {
namespace {

constexpr int kAbsenceDays = 14;

std::string Lessons(int n) {
  const int mod10 = n % 10, mod100 = n % 100;
  const char* word = mod10 == 1 && mod100 != 11                                 ? "урок"
                     : mod10 >= 2 && mod10 <= 4 && (mod100 < 12 || mod100 > 14) ? "урока"
                                                                                : "уроков";
  return std::to_string(n) + " " + word;
}

bool Unsatisfactory(int v) { return v == 1 || v == 2; }

// One subject page's figures for the student over the period.
struct PageFigures {
  std::string subgroup_id;
  int held = 0, missed = 0, remaining = 0, marks = 0;
  bool valid_absence = false;
  std::vector<std::pair<std::pair<Day, int>, int>> values;  // ((day, period), mark value)
};

}  // namespace

std::vector<Alert> AlertsOf(const SchoolState& state, const School& school,
                            std::string_view student_id, Day today) {
  std::vector<Alert> out;
  auto st = school.students.find(std::string(student_id));
  if (st == school.students.end()) return out;
  const Membership* m = st->second.On(today);
  if (m == nullptr) return out;
  auto cls = school.classes.find(m->class_id);
  if (cls == school.classes.end()) return out;
  const PolicyValues& policy = school.policy;
  const TermInfo* term = school.TermOn(cls->second, today);
  const Day first = std::min(term != nullptr ? term->first : today, today - kAbsenceDays);
  const Day last = term != nullptr ? term->last : today;
  const std::string sid(student_id);

  std::map<Day, int> absences_by_week;       // week's Monday -> missed lessons
  std::map<std::string, PageFigures> pages;  // subject -> figures
  for (Day d = first; d <= last; ++d) {
    for (const Lesson* l : school.LessonsOfClassOn(m->class_id, d)) {
      if (!school.InLesson(*l, sid)) continue;
      const bool in_term = term != nullptr && d >= term->first;
      PageFigures& page = pages[l->subject_id];
      page.subgroup_id = l->subgroup_id;
      if (d > today) {
        if (in_term) ++page.remaining;
        continue;
      }
      if (in_term) ++page.held;
      auto a = school.attendance.find(AttendanceKey(l->id, sid));
      const auto* v = a == school.attendance.end() ? nullptr : a->second.Current(state);
      if (v == nullptr || v->value.status != v1::ATTENDANCE_STATUS_ABSENT) continue;
      const v1::AbsenceReason reason = a->second.Reason(state);
      if (in_term) {
        ++page.missed;
        page.valid_absence |=
            reason == v1::ABSENCE_REASON_ILLNESS || reason == v1::ABSENCE_REASON_VALID;
      }
      absences_by_week[WeekStart(d)]++;
      const std::string subject = school.SubjectName(l->subject_id);
      if (policy.alert_unexplained_absence && reason == v1::ABSENCE_REASON_UNSPECIFIED &&
          d < today && d >= today - kAbsenceDays) {
        out.push_back({"unexplained_absence", sid, d, l->subject_id,
                       "Пропуск без причины: " + RuDate(d) + ", " + subject});
      }
      const LessonRecordValue* record = nullptr;
      if (const auto* r = l->record.Current(state)) record = &r->value;
      if (policy.alert_missed_control_work && in_term && record != nullptr &&
          std::any_of(record->works.begin(), record->works.end(), [](v1::WorkType w) {
            return w == v1::WORK_TYPE_CONTROL_WORK ||
                   w == v1::WORK_TYPE_INTERNAL_MONITORING_CONTROL_WORK;
          })) {
        out.push_back({"missed_control_work", sid, d, l->subject_id,
                       "Пропущена контрольная работа: " + RuDate(d) + ", " + subject});
      }
    }
  }
  if (policy.alert_absences_per_week > 0) {
    const Day this_week = WeekStart(today);
    for (Day week : {this_week - 7, this_week}) {
      auto it = absences_by_week.find(week);
      if (it == absences_by_week.end() || it->second < policy.alert_absences_per_week) continue;
      out.push_back({"absences_per_week", sid, std::min(today, week + 6), "",
                     "Пропущено " + Lessons(it->second) + " за неделю с " + RuDate(week)});
    }
  }
  if (term != nullptr) {
    for (auto& [subject_id, page] : pages) {
      const std::string subject = school.SubjectName(subject_id);
      if (const auto* marks = state.MarksOf(school, sid, subject_id)) {
        for (const Mark* mk : *marks) {
          const Lesson* l = school.FindLesson(mk->lesson_id);
          const auto* v = mk->Current(state);
          if (l == nullptr || v == nullptr || l->date < term->first || l->date > today) continue;
          for (int value : {v->value.value, v->value.second_value}) {
            if (value == 0) continue;
            page.values.push_back({{l->date, l->period}, value});
            ++page.marks;
          }
        }
      }
      std::sort(page.values.begin(), page.values.end());
      const size_t n = page.values.size();
      if (policy.alert_unsatisfactory_in_a_row && n >= 2 &&
          Unsatisfactory(page.values[n - 1].second) && Unsatisfactory(page.values[n - 2].second)) {
        out.push_back({"unsatisfactory_in_a_row", sid, page.values[n - 1].first.first, subject_id,
                       "Две неудовлетворительные отметки подряд: " + subject + " (" +
                           std::to_string(page.values[n - 2].second) + ", " +
                           std::to_string(page.values[n - 1].second) + "), последняя " +
                           RuDate(page.values[n - 1].first.first)});
      }
      if (!policy.alert_risk_not_attested || page.held == 0) continue;
      const int hours = school.WeeklyHours(m->class_id, page.subgroup_id, subject_id, term->last);
      const int needed = RuleBook::MinimumMarks(policy, hours, page.valid_absence);
      // The lessons left: those scheduled, or the load's hours for the weeks left (a part of a
      // week counts whole) when fewer are.
      const int left = std::max(page.remaining, hours * ((term->last - today + 6) / 7));
      if (page.missed * 100 > page.held * policy.not_attested_absence_percent) {
        out.push_back({"risk_not_attested", sid, today, subject_id,
                       "Риск «н/а» по предмету " + subject + ": пропущено " + Lessons(page.missed) +
                           " из " + std::to_string(page.held)});
      } else if (page.marks + left < needed) {
        out.push_back({"risk_not_attested", sid, today, subject_id,
                       "Риск «н/а» по предмету " + subject + ": отметок " +
                           std::to_string(page.marks) + " из " + std::to_string(needed) +
                           " нужных, а до конца периода " + Lessons(left)});
      }
    }
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const Alert& a, const Alert& b) { return a.day > b.day; });
  return out;
}

}  // namespace ejournal::school
