#include "projections/reports.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "ejournal/v1/views.pb.h"
#include "projections/rule_book.h"

namespace ejournal::school {
namespace {

// Hundredths of a share (0 for an empty denominator) and of a mean, rounded half up.
int PercentX100(int64_t part, int64_t whole) {
  return whole == 0 ? 0 : static_cast<int>((part * 10000 * 2 + whole) / (2 * whole));
}
int MeanX100(int64_t sum, int64_t count) {
  return count == 0 ? 0 : static_cast<int>((sum * 100 * 2 + count) / (2 * count));
}

Result<const School*> SchoolOf(const SchoolState& state, std::string_view school_id) {
  const School* school = state.FindSchool(school_id);
  if (school == nullptr) return Err(NotFound("no school " + std::string(school_id)));
  return school;
}

Result<const SchoolClass*> ClassOf(const School& school, std::string_view class_id) {
  auto it = school.classes.find(std::string(class_id));
  if (it == school.classes.end()) return Err(NotFound("no class " + std::string(class_id)));
  return &it->second;
}

Status KnownClass(const School& school, std::string_view class_id) {
  if (school.classes.contains(std::string(class_id))) return Status::Ok();
  return NotFound("no class " + std::string(class_id));
}

Status CheckRange(Day from, Day to) {
  if (from == kNoDay || to == kNoDay || from > to) {
    return InvalidArgument("the date range is empty or reversed");
  }
  if (to - from > 400) return InvalidArgument("a report covers at most 400 days");
  return Status::Ok();
}

// The students who belong to a class on any day of [from, to], by class, in id order.
std::map<std::string, std::vector<std::string>> StudentsByClass(const School& school, Day from,
                                                                Day to) {
  std::map<std::string, std::vector<std::string>> out;
  for (const auto& [id, student] : school.students) {
    std::set<std::string> classes;
    for (const auto& m : student.memberships) {
      if (m.from <= to && m.to >= from) classes.insert(m.class_id);
    }
    for (const auto& c : classes) out[c].push_back(id);
  }
  for (auto& [c, ids] : out) std::sort(ids.begin(), ids.end());
  return out;
}

// The students of a class on `day`, in id order.
std::vector<std::string> StudentsOn(const School& school, std::string_view class_id, Day day) {
  std::vector<std::string> out;
  for (const std::string& id : school.MembersOf(class_id)) {
    auto student = school.students.find(id);
    if (student == school.students.end()) continue;
    const Membership* m = student->second.On(day);
    if (m != nullptr && m->class_id == class_id) out.push_back(id);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The lessons of `class_id` (every class when empty) in [from, to], not cancelled, in date,
// period and id order.
std::vector<const Lesson*> LessonsIn(const School& school, std::string_view class_id, Day from,
                                     Day to) {
  std::vector<const Lesson*> out;
  auto add = [&](const std::map<Day, std::vector<std::string>>& by_day) {
    for (auto it = by_day.lower_bound(from); it != by_day.end() && it->first <= to; ++it) {
      for (const auto& id : it->second) {
        const Lesson* l = school.FindLesson(id);
        // A moved lesson stays listed under its old day too: keep it where it is now.
        if (l != nullptr && !l->cancelled && l->date == it->first) out.push_back(l);
      }
    }
  };
  if (class_id.empty()) {
    for (const auto& [c, by_day] : school.lessons_by_class_day) add(by_day);
  } else if (auto it = school.lessons_by_class_day.find(std::string(class_id));
             it != school.lessons_by_class_day.end()) {
    add(it->second);
  }
  std::sort(out.begin(), out.end(), [](const Lesson* a, const Lesson* b) {
    return std::tie(a->date, a->period, a->id) < std::tie(b->date, b->period, b->id);
  });
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// The first valid version's entry: when the record was first made (timeliness).
template <typename Value>
uint64_t FirstValidSeq(const SchoolState& state, const Record<Value>& record) {
  for (const auto& v : record.versions) {
    if (!state.IsInvalid(v.value_seq) && !state.IsInvalid(v.effective_seq)) return v.value_seq;
  }
  return 0;
}

int64_t RecordedAt(const SchoolState& state, uint64_t seq) {
  const EventInfo* info = state.Event(seq);
  return info == nullptr ? 0 : info->recorded_at_us;
}

bool HasHomework(const SchoolState& state, const Lesson& lesson) {
  for (const Homework* h : lesson.homework) {
    const auto* v = h->Current(state);
    if (v != nullptr && !v->value.text.empty()) return true;
  }
  return false;
}

bool Substituted(const SchoolState& state, const School& school, const Lesson& lesson) {
  for (const auto& id : lesson.substitution_ids) {
    auto s = school.substitutions.find(id);
    if (s != school.substitutions.end() && !s->second.cancelled && !state.IsInvalid(s->second.seq))
      return true;
  }
  return false;
}

std::string TopicOf(const SchoolState& state, const Lesson& lesson) {
  const auto* v = lesson.record.Current(state);
  return v == nullptr ? std::string() : v->value.topic;
}

// The current value of an attestation mark, or null.
const Version<AttestationValue>* AttestationOf(const SchoolState& state, const School& school,
                                               const std::string& key) {
  auto it = school.attestation.find(key);
  return it == school.attestation.end() ? nullptr : it->second.Current(state);
}

// The subjects a class is taught (its teaching load), in id order.
std::vector<std::string> SubjectsOf(const School& school, std::string_view class_id) {
  std::set<std::string> subjects;
  for (const auto& [id, load] : school.loads) {
    if (load.class_id == class_id) subjects.insert(load.subject_id);
  }
  return {subjects.begin(), subjects.end()};
}

// The latest entry a student's view of a lesson shows (record, homework, own marks, attendance).
uint64_t LastChange(const SchoolState& state, const School& school, const Lesson& lesson,
                    const std::string& student) {
  uint64_t last = 0;
  auto shown = [&](const auto& record) {
    if (const auto* v = record.LastValid(state)) last = std::max(last, v->effective_seq);
  };
  shown(lesson.record);
  for (const Homework* h : lesson.homework) shown(*h);
  for (const Mark* m : lesson.marks) {
    if (m->student_id == student) shown(*m);
  }
  if (auto a = school.attendance.find(AttendanceKey(lesson.id, student));
      a != school.attendance.end()) {
    shown(a->second);
  }
  return last;
}

}  // namespace

Result<v1::MonthlyControlView> MonthlyControl(const SchoolState& state, std::string_view school_id,
                                              int year, int month, std::string_view teacher_id,
                                              std::string_view class_id) {
  EJ_ASSIGN_OR_RETURN(const School* school, SchoolOf(state, school_id));
  if (!class_id.empty()) EJ_RETURN_IF_ERROR(KnownClass(*school, class_id));
  v1::Date first_date;
  first_date.set_year(year);
  first_date.set_month(month);
  first_date.set_day(1);
  auto first = DayOf(first_date);
  if (!first.has_value()) return Err(InvalidArgument("no such month"));
  v1::Date next = first_date;
  next.set_month(month == 12 ? 1 : month + 1);
  next.set_year(month == 12 ? year + 1 : year);
  EJ_ASSIGN_OR_RETURN(Day next_first, DayOf(next));
  const Day last = next_first - 1;

  v1::MonthlyControlView view;
  view.set_school_id(std::string(school_id));
  view.set_year(year);
  view.set_month(month);
  view.set_teacher_id(std::string(teacher_id));
  view.set_class_id(std::string(class_id));
  view.set_as_of_sequence(state.size());

  struct Row {
    v1::ControlRowView view;
    std::map<std::string, int> marks_of;  // student -> marks in the month
  };
  std::map<std::tuple<std::string, std::string, std::string, std::string>, Row> rows;
  const auto students = StudentsByClass(*school, *first, last);
  for (const Lesson* lesson : LessonsIn(*school, class_id, *first, last)) {
    if (!teacher_id.empty() && lesson->teacher_id != teacher_id) continue;
    Row& row =
        rows[{lesson->teacher_id, lesson->class_id, lesson->subgroup_id, lesson->subject_id}];
    v1::ControlRowView& r = row.view;
    if (r.teacher_id().empty()) {
      r.set_teacher_id(lesson->teacher_id);
      r.set_class_id(lesson->class_id);
      r.set_subgroup_id(lesson->subgroup_id);
      r.set_subject_id(lesson->subject_id);
      r.set_load_weekly_hours(school->WeeklyHours(lesson->class_id, lesson->subgroup_id,
                                                  lesson->subject_id, lesson->date));
    }
    r.set_lessons_planned(r.lessons_planned() + 1);
    if (Substituted(state, *school, *lesson))
      r.set_lessons_substituted(r.lessons_substituted() + 1);
    if (const auto* rec = lesson->record.Current(state)) {
      r.set_lessons_held(r.lessons_held() + 1);
      if (!rec->value.topic.empty()) r.set_lessons_with_topic(r.lessons_with_topic() + 1);
      if (HasHomework(state, *lesson)) {
        r.set_lessons_with_homework(r.lessons_with_homework() + 1);
      }
    }
    // The group's students that day.
    if (auto cs = students.find(lesson->class_id); cs != students.end()) {
      for (const auto& s : cs->second) {
        if (school->InLesson(*lesson, s)) row.marks_of.try_emplace(s, 0);
      }
    }
    for (const Mark* m : lesson->marks) {
      if (m->Current(state) == nullptr) continue;
      r.set_marks(r.marks() + 1);
      ++row.marks_of[std::string(m->student_id)];
      const int64_t at = RecordedAt(state, FirstValidSeq(state, *m));
      const int delay = school->zone.LocalDay(at) - lesson->date;
      if (delay > 0) {
        r.set_marks_late(r.marks_late() + 1);
        r.set_max_mark_delay_days(std::max(r.max_mark_delay_days(), delay));
      }
    }
    const int64_t deadline = RuleBook::HomeworkDeadlineUs(*school, *lesson);  // R-HW-1
    for (const Homework* h : lesson->homework) {
      const auto* v = h->Current(state);
      if (v == nullptr || v->value.text.empty()) continue;
      r.set_homework(r.homework() + 1);
      if (RecordedAt(state, FirstValidSeq(state, *h)) > deadline) {
        r.set_homework_late(r.homework_late() + 1);
      }
    }
    for (const auto& s : lesson->attendance_students) {
      auto a = school->attendance.find(AttendanceKey(lesson->id, s));
      if (a == school->attendance.end()) continue;
      const auto* v = a->second.Current(state);
      if (v == nullptr || v->value.status != v1::ATTENDANCE_STATUS_ABSENT) continue;
      r.set_absences(r.absences() + 1);
      if (a->second.Reason(state) != v1::ABSENCE_REASON_UNSPECIFIED) {
        r.set_absences_classified(r.absences_classified() + 1);
      }
    }
  }
  for (auto& [key, row] : rows) {
    v1::ControlRowView& r = row.view;
    r.set_students(static_cast<int>(row.marks_of.size()));
    for (const auto& [s, n] : row.marks_of) {
      if (n == 0) {
        r.set_students_without_marks(r.students_without_marks() + 1);
        r.add_students_without_marks_ids(s);
      } else if (n == 1) {
        r.set_students_with_one_mark(r.students_with_one_mark() + 1);
        r.add_students_with_one_mark_ids(s);
      }
    }
    *view.add_rows() = std::move(r);
  }
  return view;
}

Result<v1::ClassProgressView> ClassProgress(const SchoolState& state, std::string_view school_id,
                                            std::string_view class_id,
                                            const v1::PeriodRef& period) {
  EJ_ASSIGN_OR_RETURN(const School* school, SchoolOf(state, school_id));
  EJ_ASSIGN_OR_RETURN(const SchoolClass* cls, ClassOf(*school, class_id));
  auto year = school->years.find(period.academic_year_id());
  if (year == school->years.end()) {
    return Err(NotFound("no academic year " + period.academic_year_id()));
  }
  // The students of the class at the period's end.
  Day end = year->second.last;
  if (period.kind() == v1::PERIOD_KIND_TERM) {
    const TermScheme* scheme = year->second.SchemeFor(cls->grade);
    const TermInfo* term = nullptr;
    if (scheme != nullptr) {
      for (const auto& t : scheme->terms) {
        if (t.number == period.term_number()) term = &t;
      }
    }
    if (term == nullptr) {
      return Err(NotFound("no term " + std::to_string(period.term_number()) + " for grade " +
                          std::to_string(cls->grade)));
    }
    end = term->last;
  } else if (period.kind() == v1::PERIOD_KIND_UNSPECIFIED) {
    return Err(InvalidArgument("the period kind is not set"));
  }
  v1::ClassProgressView view;
  view.set_school_id(std::string(school_id));
  view.set_class_id(std::string(class_id));
  view.set_academic_year_id(period.academic_year_id());
  view.set_kind(period.kind());
  view.set_term_number(period.term_number());
  view.set_as_of_sequence(state.size());
  const std::vector<std::string> students = StudentsOn(*school, class_id, end);
  struct PerStudent {
    int marks = 0, fives = 0, good = 0, failing = 0;
  };
  std::map<std::string, PerStudent> per_student;
  int64_t all_sum = 0, all_count = 0;
  for (const auto& subject : SubjectsOf(*school, class_id)) {
    v1::SubjectProgressView* sp = view.add_subjects();
    sp->set_subject_id(subject);
    int counts[5] = {0, 0, 0, 0, 0};
    int64_t sum = 0;
    for (const auto& student : students) {
      const auto* v = AttestationOf(state, *school, TermKey(student, subject, period));
      if (v == nullptr) {
        sp->set_missing(sp->missing() + 1);
        continue;
      }
      PerStudent& ps = per_student[student];
      if (v->value.status == v1::ATTESTATION_STATUS_EXEMPT) {
        sp->set_exempt(sp->exempt() + 1);
      } else if (v->value.status == v1::ATTESTATION_STATUS_NOT_ATTESTED) {
        sp->set_not_attested(sp->not_attested() + 1);
        ++ps.failing;
      } else if (v->value.value >= 1 && v->value.value <= 5) {
        ++counts[v->value.value - 1];
        sum += v->value.value;
        ++ps.marks;
        if (v->value.value == 5) ++ps.fives;
        if (v->value.value >= 4) ++ps.good;
        if (v->value.value <= 2) ++ps.failing;
      }
    }
    const int marks = counts[0] + counts[1] + counts[2] + counts[3] + counts[4];
    const int graded = marks + sp->not_attested();
    for (int c : counts) sp->add_counts(c);
    sp->set_quality_percent_x100(PercentX100(counts[3] + counts[4], graded));
    sp->set_success_percent_x100(PercentX100(counts[2] + counts[3] + counts[4], graded));
    sp->set_mean_x100(MeanX100(sum, marks));
    all_sum += sum;
    all_count += marks;
  }
  int graded_students = 0;
  for (const auto& [student, ps] : per_student) {
    if (ps.marks == 0 && ps.failing == 0) continue;  // exempt everywhere
    ++graded_students;
    if (ps.failing > 0) {
      view.set_students_failing(view.students_failing() + 1);
    } else if (ps.fives == ps.marks) {
      view.set_students_excellent(view.students_excellent() + 1);
    } else if (ps.good == ps.marks) {
      view.set_students_good(view.students_good() + 1);
    }
  }
  view.set_students(static_cast<int>(students.size()));
  view.set_quality_percent_x100(
      PercentX100(view.students_excellent() + view.students_good(), graded_students));
  view.set_success_percent_x100(
      PercentX100(graded_students - view.students_failing(), graded_students));
  view.set_mean_x100(MeanX100(all_sum, all_count));
  return view;
}

Result<v1::AttendanceReportView> AttendanceReport(const SchoolState& state,
                                                  std::string_view school_id,
                                                  std::string_view class_id, Day from, Day to) {
  EJ_ASSIGN_OR_RETURN(const School* school, SchoolOf(state, school_id));
  if (!class_id.empty()) EJ_RETURN_IF_ERROR(KnownClass(*school, class_id));
  EJ_RETURN_IF_ERROR(CheckRange(from, to));
  v1::AttendanceReportView view;
  view.set_school_id(std::string(school_id));
  view.set_class_id(std::string(class_id));
  *view.mutable_dates()->mutable_first_day() = DateOf(from);
  *view.mutable_dates()->mutable_last_day() = DateOf(to);
  view.set_as_of_sequence(state.size());
  struct Month {
    v1::AttendanceMonthView view;
    std::set<std::string> missing;
  };
  std::map<std::tuple<std::string, int, int>, Month> months;
  for (const Lesson* lesson : LessonsIn(*school, class_id, from, to)) {
    const v1::Date date = DateOf(lesson->date);
    for (const auto& s : lesson->attendance_students) {
      auto a = school->attendance.find(AttendanceKey(lesson->id, s));
      if (a == school->attendance.end()) continue;
      const auto* v = a->second.Current(state);
      if (v == nullptr) continue;
      Month& m = months[{lesson->class_id, date.year(), date.month()}];
      v1::AttendanceMonthView& mv = m.view;
      if (v->value.status == v1::ATTENDANCE_STATUS_LATE) {
        mv.set_late(mv.late() + 1);
        mv.set_late_minutes(mv.late_minutes() + v->value.minutes_late);
        continue;
      }
      mv.set_missed(mv.missed() + 1);
      m.missing.insert(s);
      switch (a->second.Reason(state)) {
        case v1::ABSENCE_REASON_ILLNESS:
          mv.set_illness(mv.illness() + 1);
          break;
        case v1::ABSENCE_REASON_VALID:
          mv.set_valid_reason(mv.valid_reason() + 1);
          break;
        case v1::ABSENCE_REASON_NOT_VALID:
          mv.set_not_valid(mv.not_valid() + 1);
          break;
        default:
          mv.set_unclassified(mv.unclassified() + 1);
          break;
      }
    }
  }
  for (auto& [key, m] : months) {
    m.view.set_class_id(std::get<0>(key));
    m.view.set_year(std::get<1>(key));
    m.view.set_month(std::get<2>(key));
    m.view.set_students_missing(static_cast<int>(m.missing.size()));
    *view.add_months() = std::move(m.view);
  }
  return view;
}

Result<v1::SummaryStatementView> SummaryStatement(const SchoolState& state,
                                                  std::string_view school_id,
                                                  std::string_view class_id,
                                                  std::string_view year_id) {
  EJ_ASSIGN_OR_RETURN(const School* school, SchoolOf(state, school_id));
  EJ_ASSIGN_OR_RETURN(const SchoolClass* cls, ClassOf(*school, class_id));
  auto year = school->years.find(std::string(year_id));
  if (year == school->years.end()) {
    return Err(NotFound("no academic year " + std::string(year_id)));
  }
  v1::SummaryStatementView view;
  view.set_school_id(std::string(school_id));
  view.set_class_id(std::string(class_id));
  view.set_academic_year_id(std::string(year_id));
  view.set_as_of_sequence(state.size());
  const std::vector<std::string> subjects = SubjectsOf(*school, class_id);
  for (const auto& s : subjects) view.add_subject_ids(s);
  std::vector<v1::PeriodRef> periods;
  if (const TermScheme* scheme = year->second.SchemeFor(cls->grade)) {
    for (const auto& t : scheme->terms) {
      auto& p = periods.emplace_back();
      p.set_kind(v1::PERIOD_KIND_TERM);
      p.set_term_number(t.number);
    }
  }
  periods.emplace_back().set_kind(v1::PERIOD_KIND_YEAR);
  periods.emplace_back().set_kind(v1::PERIOD_KIND_FINAL);
  for (auto& p : periods) p.set_academic_year_id(std::string(year_id));
  // Everyone who was in the class during the year.
  std::set<std::string> students;
  for (const auto& [id, student] : school->students) {
    for (const auto& m : student.memberships) {
      if (m.class_id == class_id && m.from <= year->second.last && m.to >= year->second.first)
        students.insert(id);
    }
  }
  for (const auto& student : students) {
    v1::SummaryRowView* row = view.add_rows();
    row->set_student_id(student);
    if (const User* u = school->FindUser(student)) row->set_student_name(u->display_name);
    for (const auto& subject : subjects) {
      for (const auto& p : periods) {
        const auto* v = AttestationOf(state, *school, TermKey(student, subject, p));
        if (v == nullptr) continue;
        v1::SummaryCellView* cell = row->add_marks();
        cell->set_subject_id(subject);
        cell->set_kind(p.kind());
        cell->set_term_number(p.term_number());
        cell->set_value(v->value.value);
        cell->set_status(v->value.status);
      }
    }
  }
  return view;
}

Result<v1::ProblemsReportView> ProblemsReport(const SchoolState& state, std::string_view school_id,
                                              std::string_view class_id, Day from, Day to) {
  EJ_ASSIGN_OR_RETURN(const School* school, SchoolOf(state, school_id));
  EJ_RETURN_IF_ERROR(KnownClass(*school, class_id));
  EJ_RETURN_IF_ERROR(CheckRange(from, to));
  v1::ProblemsReportView view;
  view.set_school_id(std::string(school_id));
  view.set_class_id(std::string(class_id));
  *view.mutable_dates()->mutable_first_day() = DateOf(from);
  *view.mutable_dates()->mutable_last_day() = DateOf(to);
  view.set_as_of_sequence(state.size());
  std::map<std::string, v1::StudentProblemsView> by_student;
  auto item = [&](const Lesson& lesson) {
    v1::ProblemLessonView p;
    p.set_lesson_id(lesson.id);
    *p.mutable_date() = DateOf(lesson.date);
    p.set_subject_id(lesson.subject_id);
    p.set_topic(TopicOf(state, lesson));
    return p;
  };
  for (const Lesson* lesson : LessonsIn(*school, class_id, from, to)) {
    for (const Mark* m : lesson->marks) {
      const auto* v = m->Current(state);
      if (v == nullptr) continue;
      const MarkValue& mv = v->value;
      const bool low = mv.value <= 2 || (mv.second_value != 0 && mv.second_value <= 2);
      if (!low) continue;
      v1::ProblemLessonView p = item(*lesson);
      p.set_value(mv.value <= 2 ? mv.value : mv.second_value);
      p.set_work_type(mv.work_type);
      *by_student[std::string(m->student_id)].add_unsatisfactory() = std::move(p);
    }
    for (const auto& s : lesson->attendance_students) {
      auto a = school->attendance.find(AttendanceKey(lesson->id, s));
      if (a == school->attendance.end()) continue;
      const auto* v = a->second.Current(state);
      if (v == nullptr || v->value.status != v1::ATTENDANCE_STATUS_ABSENT) continue;
      v1::ProblemLessonView p = item(*lesson);
      p.set_absence_reason(a->second.Reason(state));
      *by_student[s].add_missed() = std::move(p);
    }
  }
  for (auto& [student, problems] : by_student) {
    problems.set_student_id(student);
    if (const User* u = school->FindUser(student)) problems.set_student_name(u->display_name);
    *view.add_students() = std::move(problems);
  }
  return view;
}

namespace {

// The names the deputy's queue shows beside the ids: the requester, the cell's student, the
// lesson's class and subject.
void DescribeCorrection(const School& school, const CorrectionRequest& r,
                        v1::PendingCorrectionView& p) {
  if (const User* u = school.FindUser(r.requester_id)) p.set_requester_name(u->display_name);
  const v1::CorrectionTarget& target = r.body->target();
  std::string student, subject;
  switch (target.target_case()) {
    case v1::CorrectionTarget::kMarkId:
      if (auto m = school.marks.find(target.mark_id()); m != school.marks.end()) {
        student = m->second.student_id;
      } else if (r.body->has_mark()) {  // a late entry (R-MARK-3): the proposal names the cell
        student = r.body->mark().student_id();
      }
      break;
    case v1::CorrectionTarget::kAttendance:
      student = target.attendance().student_id();
      break;
    case v1::CorrectionTarget::kTermMark:
      student = target.term_mark().student_id();
      subject = target.term_mark().subject_id();
      break;
    case v1::CorrectionTarget::kExamMark:
      student = target.exam_mark().student_id();
      subject = target.exam_mark().subject_id();
      break;
    default:
      break;
  }
  if (!student.empty()) {
    p.set_student_id(student);
    if (const User* u = school.FindUser(student)) p.set_student_name(u->display_name);
  }
  if (const Lesson* l = r.lesson_id.empty() ? nullptr : school.FindLesson(r.lesson_id)) {
    p.set_class_id(l->class_id);
    if (auto c = school.classes.find(l->class_id); c != school.classes.end()) {
      p.set_class_name(std::to_string(c->second.grade) + c->second.letter);
    }
    subject = l->subject_id;
  }
  if (!subject.empty()) {
    p.set_subject_id(subject);
    if (auto su = school.subjects.find(subject); su != school.subjects.end()) {
      p.set_subject_name(su->second.name);
    }
  }
}

}  // namespace

Result<v1::PendingCorrectionsView> PendingCorrections(const SchoolState& state,
                                                      std::string_view school_id) {
  EJ_ASSIGN_OR_RETURN(const School* school, SchoolOf(state, school_id));
  v1::PendingCorrectionsView view;
  view.set_school_id(std::string(school_id));
  view.set_as_of_sequence(state.size());
  std::vector<const CorrectionRequest*> pending;
  for (const auto& [id, r] : school->requests) {
    if (r.status == RequestStatus::kPending && !state.IsInvalid(r.seq)) pending.push_back(&r);
  }
  std::sort(pending.begin(), pending.end(),
            [](const CorrectionRequest* a, const CorrectionRequest* b) { return a->seq < b->seq; });
  for (const CorrectionRequest* r : pending) {
    v1::PendingCorrectionView* p = view.add_requests();
    p->set_request_id(r->id);
    p->set_requester_id(r->requester_id);
    p->set_target(r->target_key.substr(0, r->target_key.find('/')));
    p->set_target_key(r->target_key);
    p->set_lesson_id(r->lesson_id);
    p->set_reason(r->reason);
    p->set_requested_at_unix_us(r->recorded_at_us);
    if (r->business_day != kNoDay) *p->mutable_business_date() = DateOf(r->business_day);
    p->set_sequence(r->seq);
    // R-COR-3: the original and the proposed value beside the reason.
    if (r->original_seq != 0) {
      p->set_original_event_id(std::string(state.EventIdOf(r->original_seq)));
      p->set_original_sequence(r->original_seq);
    }
    if (r->body != nullptr) {
      *p->mutable_proposal() = *r->body;
      DescribeCorrection(*school, *r, *p);
    }
  }
  return view;
}

Result<v1::CompromiseReportsView> CompromiseReports(const SchoolState& state,
                                                    std::string_view school_id) {
  EJ_ASSIGN_OR_RETURN(const School* school, SchoolOf(state, school_id));
  v1::CompromiseReportsView view;
  view.set_school_id(std::string(school_id));
  view.set_as_of_sequence(state.size());
  std::vector<const CompromiseReport*> reports;
  for (const auto& [id, r] : school->reports) reports.push_back(&r);
  std::sort(reports.begin(), reports.end(),
            [](const CompromiseReport* a, const CompromiseReport* b) { return a->seq < b->seq; });
  for (const CompromiseReport* r : reports) {
    v1::CompromiseReportView* v = view.add_reports();
    v->set_report_id(r->id);
    v->set_user_id(r->user_id);
    for (const auto& c : r->credential_ids) v->add_credential_ids(c);
    v->set_discovered_at_unix_us(r->discovered_at_us);
    v->set_reported_at_unix_us(r->reported_at_us);
    v->set_late(r->late);  // R-SEC-1
    v->set_sequence(r->seq);
  }
  return view;
}

Result<v1::ThematicChecksView> ThematicChecks(const SchoolState& state, std::string_view school_id,
                                              std::string_view class_id, Day from, Day to) {
  EJ_ASSIGN_OR_RETURN(const School* school, SchoolOf(state, school_id));
  EJ_RETURN_IF_ERROR(KnownClass(*school, class_id));
  EJ_RETURN_IF_ERROR(CheckRange(from, to));
  v1::ThematicChecksView view;
  view.set_school_id(std::string(school_id));
  view.set_class_id(std::string(class_id));
  *view.mutable_dates()->mutable_first_day() = DateOf(from);
  *view.mutable_dates()->mutable_last_day() = DateOf(to);
  view.set_as_of_sequence(state.size());
  for (const Lesson* lesson : LessonsIn(*school, class_id, from, to)) {
    const auto* record = lesson->record.Current(state);
    if (record == nullptr || record->value.whole_class_works.empty()) continue;
    std::vector<std::string> present;
    for (const auto& student : StudentsOn(*school, lesson->class_id, lesson->date)) {
      if (!school->InLesson(*lesson, student)) continue;
      auto a = school->attendance.find(AttendanceKey(lesson->id, student));
      const auto* v = a == school->attendance.end() ? nullptr : a->second.Current(state);
      if (v != nullptr && v->value.status == v1::ATTENDANCE_STATUS_ABSENT) continue;
      present.push_back(student);
    }
    std::set<v1::WorkType> seen;
    for (v1::WorkType work : record->value.whole_class_works) {
      if (!seen.insert(work).second) continue;
      std::set<std::string> marked;
      for (const Mark* m : lesson->marks) {
        const auto* v = m->Current(state);
        if (v != nullptr && v->value.work_type == work) marked.emplace(m->student_id);
      }
      v1::ThematicCheckView* check = view.add_checks();
      check->set_lesson_id(lesson->id);
      *check->mutable_date() = DateOf(lesson->date);
      check->set_subject_id(lesson->subject_id);
      check->set_teacher_id(lesson->teacher_id);
      check->set_work_type(work);
      check->set_students_present(static_cast<int>(present.size()));
      for (const auto& s : present) {
        if (!marked.contains(s)) check->add_missing_student_ids(s);
      }
    }
  }
  return view;
}

Result<v1::SubstitutionsReportView> SubstitutionsReport(const SchoolState& state,
                                                        std::string_view school_id, Day from,
                                                        Day to) {
  EJ_ASSIGN_OR_RETURN(const School* school, SchoolOf(state, school_id));
  EJ_RETURN_IF_ERROR(CheckRange(from, to));
  v1::SubstitutionsReportView view;
  view.set_school_id(std::string(school_id));
  *view.mutable_dates()->mutable_first_day() = DateOf(from);
  *view.mutable_dates()->mutable_last_day() = DateOf(to);
  view.set_as_of_sequence(state.size());
  std::vector<std::pair<std::tuple<Day, int, std::string>, v1::SubstitutionRowView>> rows;
  for (const auto& [id, sub] : school->substitutions) {
    if (state.IsInvalid(sub.seq)) continue;
    v1::SubstitutionRowView row;
    row.set_substitution_id(sub.id);
    row.set_absent_teacher_id(sub.absent_teacher_id);
    row.set_substitute_teacher_id(sub.substitute_teacher_id);
    row.set_cancelled(sub.cancelled);
    std::tuple<Day, int, std::string> first{kForever, 0, sub.id};
    std::vector<const Lesson*> lessons;
    for (const auto& lid : sub.lesson_ids) {
      const Lesson* l = school->FindLesson(lid);
      if (l != nullptr && l->date >= from && l->date <= to) lessons.push_back(l);
    }
    if (lessons.empty()) continue;
    std::sort(lessons.begin(), lessons.end(), [](const Lesson* a, const Lesson* b) {
      return std::tie(a->date, a->period, a->id) < std::tie(b->date, b->period, b->id);
    });
    first = {lessons.front()->date, lessons.front()->period, sub.id};
    for (const Lesson* l : lessons) {
      v1::SubstitutedLessonView* lv = row.add_lessons();
      lv->set_lesson_id(l->id);
      *lv->mutable_date() = DateOf(l->date);
      lv->set_period(l->period);
      lv->set_class_id(l->class_id);
      lv->set_subject_id(l->subject_id);
      lv->set_held(l->record.Current(state) != nullptr);
    }
    rows.emplace_back(first, std::move(row));
  }
  std::sort(rows.begin(), rows.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [key, row] : rows) *view.add_substitutions() = std::move(row);
  return view;
}

Result<v1::AcknowledgementReportView> AcknowledgementReport(const SchoolState& state,
                                                            std::string_view school_id,
                                                            std::string_view class_id, Day from,
                                                            Day to) {
  EJ_ASSIGN_OR_RETURN(const School* school, SchoolOf(state, school_id));
  if (!class_id.empty()) EJ_RETURN_IF_ERROR(KnownClass(*school, class_id));
  EJ_RETURN_IF_ERROR(CheckRange(from, to));
  v1::AcknowledgementReportView view;
  view.set_school_id(std::string(school_id));
  view.set_class_id(std::string(class_id));
  *view.mutable_dates()->mutable_first_day() = DateOf(from);
  *view.mutable_dates()->mutable_last_day() = DateOf(to);
  view.set_as_of_sequence(state.size());
  for (Day week = WeekStart(from); week <= to; week += 7) {
    // The students with a guardian, by the class they were in on the week's Monday.
    std::map<std::string, std::vector<std::string>> by_class;
    for (const auto& [id, student] : school->students) {
      if (student.guardians.empty()) continue;
      const Membership* m = student.On(week);
      if (m == nullptr) m = student.On(week + 4);
      if (m == nullptr || (!class_id.empty() && m->class_id != class_id)) continue;
      by_class[m->class_id].push_back(id);
    }
    for (auto& [cid, students] : by_class) {
      std::sort(students.begin(), students.end());
      v1::AcknowledgementWeekView* w = view.add_weeks();
      w->set_class_id(cid);
      *w->mutable_week_start() = DateOf(week);
      w->set_students(static_cast<int>(students.size()));
      std::vector<const Lesson*> lessons = LessonsIn(*school, cid, week, week + 6);
      for (const auto& student : students) {
        auto acks = school->acks_by_student_week.find(AckKey(student, week));
        if (acks == school->acks_by_student_week.end()) continue;
        uint64_t covered = 0;
        bool paper = false, any = false;
        for (size_t i : acks->second) {
          const DiaryAck& ack = school->acks[i];
          if (state.IsInvalid(ack.seq)) continue;
          any = true;
          covered = std::max(covered, ack.as_of_sequence);
          paper = paper || ack.channel == v1::ACKNOWLEDGEMENT_CHANNEL_PAPER;
        }
        if (!any) continue;
        w->set_acknowledged(w->acknowledged() + 1);
        if (paper) w->set_paper(w->paper() + 1);
        for (const Lesson* l : lessons) {
          if (school->InLesson(*l, student) && LastChange(state, *school, *l, student) > covered) {
            w->set_changed_since(w->changed_since() + 1);
            break;
          }
        }
      }
      w->set_rate_percent_x100(PercentX100(w->acknowledged(), w->students()));
      view.set_students(view.students() + w->students());
      view.set_acknowledged(view.acknowledged() + w->acknowledged());
    }
  }
  view.set_rate_percent_x100(PercentX100(view.acknowledged(), view.students()));
  return view;
}

namespace {

enum class IdKind { kNone, kClass, kSubgroup, kSubject, kUser };

IdKind KindOfField(std::string_view field) {
  if (field == "class_id") return IdKind::kClass;
  if (field == "subgroup_id") return IdKind::kSubgroup;
  if (field == "subject_id" || field == "subject_ids") return IdKind::kSubject;
  if (field == "student_id" || field == "requester_id" || field.ends_with("teacher_id")) {
    return IdKind::kUser;
  }
  return IdKind::kNone;
}

// Collects (id, name) of every id field of `m` and its messages into `out`.
void CollectNames(const School& school, const google::protobuf::Message& m,
                  std::map<std::string, std::string>& out) {
  const auto* reflection = m.GetReflection();
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  reflection->ListFields(m, &fields);
  auto name = [&](IdKind kind, const std::string& id) {
    if (id.empty() || out.contains(id)) return;
    std::string text;
    switch (kind) {
      case IdKind::kClass:
        if (school.classes.contains(id)) text = school.ClassLabel(id);
        break;
      case IdKind::kSubgroup:
        if (school.subgroups.contains(id) || !HomePageStudent(id).empty()) {
          text = school.PageGroupName(id);
        }
        break;
      case IdKind::kSubject:
        if (school.subjects.contains(id)) text = school.SubjectName(id);
        break;
      case IdKind::kUser:
        if (school.FindUser(id) != nullptr) text = school.UserName(id);
        break;
      case IdKind::kNone:
        break;
    }
    if (!text.empty() && text != id) out.emplace(id, std::move(text));
  };
  for (const auto* f : fields) {
    using FD = google::protobuf::FieldDescriptor;
    if (f->cpp_type() == FD::CPPTYPE_MESSAGE) {
      if (f->is_repeated()) {
        for (int i = 0; i < reflection->FieldSize(m, f); ++i) {
          CollectNames(school, reflection->GetRepeatedMessage(m, f, i), out);
        }
      } else {
        CollectNames(school, reflection->GetMessage(m, f), out);
      }
      continue;
    }
    if (f->cpp_type() != FD::CPPTYPE_STRING) continue;
    const IdKind kind = KindOfField(f->name());
    if (kind == IdKind::kNone) continue;
    if (f->is_repeated()) {
      for (int i = 0; i < reflection->FieldSize(m, f); ++i) {
        name(kind, reflection->GetRepeatedString(m, f, i));
      }
    } else {
      name(kind, reflection->GetString(m, f));
    }
  }
}

}  // namespace

void NameReportIds(const School& school, google::protobuf::Message& view) {
  const auto* field = view.GetDescriptor()->FindFieldByName("names");
  if (field == nullptr || !field->is_repeated() ||
      field->message_type() != v1::NameView::descriptor()) {
    return;
  }
  std::map<std::string, std::string> names;
  CollectNames(school, view, names);
  auto* reflection = view.GetReflection();
  reflection->ClearField(&view, field);
  for (const auto& [id, text] : names) {
    auto* n = static_cast<v1::NameView*>(reflection->AddMessage(&view, field));
    n->set_id(id);
    n->set_name(text);
  }
}

}  // namespace ejournal::school
