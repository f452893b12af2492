// The attestation rules (DOMAIN.md R-TERM): term, year and final marks, attestation marks, and the
// deputy's decisions.
#include <algorithm>
#include <string>

#include "projections/rule_checker.h"

namespace ejournal::school::rules {

Status Checker::CheckTermMark(const v1::TermMarkRecorded& t) {
  const auto& period = t.period();
  auto year = school_->years.find(period.academic_year_id());
  if (year == school_->years.end()) {
    return Refuse("R-TERM-1", "В школе нет учебного года «" + period.academic_year_id() + "»");
  }
  std::string class_id = ClassOf(t.student_id(), std::min(today_, year->second.last));
  auto cls = school_->classes.find(class_id);
  if (cls == school_->classes.end()) {
    return Refuse("R-TERM-1", "«" + school_->UserName(t.student_id()) + "» не учится в классе");
  }
  if (!IsTeacher(*actor_) ||
      !TeachesOn(class_id, "", t.subject_id(), std::min(today_, year->second.last))) {
    // A subgroup teacher has a load for the subgroup: accept any load for the class-subject.
    bool any = false;
    for (const auto& [id, load] : school_->loads) {
      any |= load.teacher_id == actor_->id && load.class_id == class_id &&
             load.subject_id == t.subject_id();
    }
    // R-LES-2: the teacher of a home-schooled student's individual lessons marks their periods.
    any |= IsTeacher(*actor_) &&
           school_->TeachesHomePage(actor_->id, class_id, t.student_id(), t.subject_id());
    if (!any)
      return Deny("R-ACC-2", "Отметки за период ставит учитель, ведущий предмет «" +
                                 school_->SubjectName(t.subject_id()) + "» в " +
                                 school_->ClassLabel(class_id));
  }
  Day first = year->second.first, last = year->second.last;
  if (period.kind() == v1::PERIOD_KIND_TERM) {
    const TermScheme* scheme = year->second.SchemeFor(cls->second.grade);
    const TermInfo* term = nullptr;
    if (scheme != nullptr) {
      for (const auto& x : scheme->terms) {
        if (x.number == period.term_number()) term = &x;
      }
    }
    if (term == nullptr)
      return Refuse("R-TERM-1",
                    "В учебном году нет " + std::to_string(period.term_number()) + "-го периода");
    first = term->first;
    last = term->last;
  } else if (period.kind() == v1::PERIOD_KIND_UNSPECIFIED) {
    return Malformed("R-TERM-1", "Не указан период отметки");
  }
  const auto& mark = t.mark();
  if (mark.result_case() == v1::AttestationMark::RESULT_NOT_SET) {
    return Malformed("R-TERM-1", "Отметка за период — от 1 до 5, «осв» или «н/а»");
  }
  if (mark.has_value() && (mark.value() < 1 || mark.value() > 5)) {
    return Malformed("R-TERM-1",
                     "Отметка за период — от 1 до 5, а не " + std::to_string(mark.value()));
  }
  std::string key = TermKey(t.student_id(), t.subject_id(), period);
  if (!reentry_) {
    auto existing = school_->attestation.find(key);
    if (existing != school_->attestation.end() && existing->second.Current(state_) != nullptr) {
      return Refuse("R-COR-2",
                    "Отметка за этот период уже выставлена: отметки за период и год не меняются");
    }
    const int entry_days = school_->policy.term_mark_entry_days;
    if (today_ < last - (entry_days - 1)) {
      return Refuse("R-TERM-1", "Отметки за период ставят в последние " +
                                    std::to_string(entry_days) + " дн. периода, с " +
                                    RuDate(last - (entry_days - 1)));
    }
  }
  if (!mark.has_value() || period.kind() != v1::PERIOD_KIND_TERM) return Status::Ok();
  // R-TERM-1: enough marks, and not absent for more than half of the lessons.
  int held = 0, absent = 0;
  bool valid_absence = false;  // a miss for a valid reason (б, уп) lowers the minimum
  for (const auto& [gk, ids] : school_->lessons_by_group) {
    if (!gk.starts_with(class_id + "/") || !gk.ends_with("/" + t.subject_id())) continue;
    for (const auto& lid : ids) {
      const Lesson* l = school_->FindLesson(lid);
      if (l == nullptr || l->cancelled || l->date < first || l->date > last || l->date > today_ ||
          !school_->InLesson(*l, t.student_id())) {
        continue;
      }
      ++held;
      auto a = school_->attendance.find(AttendanceKey(lid, t.student_id()));
      if (a == school_->attendance.end()) continue;
      const auto* v = a->second.Current(state_);
      if (v != nullptr && v->value.status == v1::ATTENDANCE_STATUS_ABSENT) {
        ++absent;
        const v1::AbsenceReason reason = a->second.Reason(state_);
        valid_absence |= reason == v1::ABSENCE_REASON_ILLNESS || reason == v1::ABSENCE_REASON_VALID;
      }
    }
  }
  int marks = 0;
  if (const auto* by_subject = state_.MarksOf(*school_, t.student_id(), t.subject_id())) {
    for (const Mark* m : *by_subject) {
      const Lesson* l = school_->FindLesson(m->lesson_id);
      const auto* v = m->Current(state_);
      if (l == nullptr || v == nullptr || l->date < first || l->date > last) continue;
      marks += v->value.second_value != 0 ? 2 : 1;
    }
  }
  // A subject taught in subgroups (English in two groups) counts the student's own group's hours.
  std::string subgroup_id;
  for (const auto& [gid, g] : school_->subgroups) {
    if (g.class_id == class_id && g.subject_id == t.subject_id() &&
        g.students.contains(t.student_id())) {
      subgroup_id = gid;
    }
  }
  // A home-schooled student's individual timetable gives their hours (R-LES-2).
  int hours = school_->WeeklyHours(class_id, HomePageId(t.student_id()), t.subject_id(), last);
  if (hours == 0) hours = school_->WeeklyHours(class_id, subgroup_id, t.subject_id(), last);
  const int needed = RuleBook::MinimumMarks(school_->policy, hours, valid_absence);
  if (marks < needed) {
    return Refuse("R-TERM-1", "Для отметки за период нужно не меньше " + std::to_string(needed) +
                                  " текущих отметок при " + std::to_string(hours) +
                                  " ч в неделю; у «" + school_->UserName(t.student_id()) + "» их " +
                                  std::to_string(marks) +
                                  ": поставьте «н/а» или недостающие отметки");
  }
  if (held > 0 && absent * 100 > held * school_->policy.not_attested_absence_percent) {
    auto decision = school_->deputy_attest.find(key);
    if (decision == school_->deputy_attest.end() || !decision->second) {
      return Refuse("R-TERM-1", "«" + school_->UserName(t.student_id()) + "» пропустил(а) " +
                                    std::to_string(absent) + " из " + std::to_string(held) +
                                    " уроков: не аттестован(а) («н/а»), если завуч не решит иначе");
    }
  }
  return Status::Ok();
}

Status Checker::CheckExamMarkRecorded() {
  const auto& e = body_.exam_mark_recorded();
  std::string cls = ClassOf(e.student_id(), today_);
  if (cls.empty()) {
    return Refuse("R-TERM-1", "«" + school_->UserName(e.student_id()) + "» не учится в классе");
  }
  if (!IsTeacher(*actor_) || !TeachesOn(cls, "", e.subject_id(), today_)) {
    return Deny("R-ACC-2", "Отметки аттестации ставит учитель, ведущий предмет «" +
                               school_->SubjectName(e.subject_id()) + "» в " +
                               school_->ClassLabel(cls));
  }
  if (e.has_mark()) EJ_RETURN_IF_ERROR(CheckMarkValue(e.mark(), e.work_type()));
  if (school_->attestation.contains(
          ExamKey(e.student_id(), e.subject_id(), e.academic_year_id(), e.attempt())) &&
      !reentry_) {
    return Refuse("R-COR-2",
                  "Эта отметка аттестации уже выставлена: отметки аттестации не меняются");
  }
  return Status::Ok();
}

Status Checker::CheckDeputyAttestationDecided() {
  EJ_RETURN_IF_ERROR(Needs({v1::ROLE_DEPUTY}, "Решать об аттестации"));
  if (!school_->students.contains(body_.deputy_attestation_decided().student_id())) {
    return Refuse("R-TERM-1",
                  "«" + school_->UserName(body_.deputy_attestation_decided().student_id()) +
                      "» не ученик школы");
  }
  if (body_.deputy_attestation_decided().reason().empty()) {
    return Malformed("R-TERM-1", "Укажите основание решения об аттестации");
  }
  return Status::Ok();
}

}  // namespace ejournal::school::rules

namespace ejournal::school {

int RuleBook::MinimumMarks(const PolicyValues& policy, int weekly_hours, bool valid_absence) {
  if (!policy.term_mark_minimums.empty()) {
    const v1::TermMarkMinimum* best = nullptr;
    for (const auto& m : policy.term_mark_minimums) {
      if (weekly_hours >= m.weekly_hours() &&
          (best == nullptr || m.weekly_hours() > best->weekly_hours())) {
        best = &m;
      }
    }
    if (best == nullptr) return 0;
    if (valid_absence && best->min_marks_valid_absence() > 0) {
      return best->min_marks_valid_absence();
    }
    return best->min_marks();
  }
  if (weekly_hours <= 0) return 0;
  if (weekly_hours == 1) return 3;
  if (weekly_hours == 2) return 5;
  // R-TERM-1: "в случае отсутствия ребенка по уважительной причине, по предметам, которые
  // проводятся 3 и более раз в неделю, допускается выставление ... отметок при наличии 5 отметок".
  return valid_absence ? 5 : 7;
}
}  // namespace ejournal::school
