// The journal rules (DOMAIN.md R-LES, R-MARK, R-ATT, R-HW): lesson records, marks, attendance and
// homework on a scheduled lesson, with their windows.
#include <algorithm>
#include <string>

#include "projections/rule_checker.h"

namespace ejournal::school::rules {

namespace {

// R-MARK-1: a two-part mark ("5/4") is for a dictation with a grammar task, a creative work or an
// essay (common.proto MarkValue), never for another work: each part would count as a mark.
bool TakesTwoParts(v1::WorkType w) {
  return w == v1::WORK_TYPE_DICTATION_WITH_GRAMMAR_TASK || w == v1::WORK_TYPE_CREATIVE_WORK ||
         w == v1::WORK_TYPE_ESSAY;
}

bool IsSameDayWork(v1::WorkType w) {
  return w == v1::WORK_TYPE_ANSWER_IN_CLASS || w == v1::WORK_TYPE_ORAL_TEST ||
         w == v1::WORK_TYPE_RECITATION || w == v1::WORK_TYPE_OTHER;
}

// The most specific matching rule, the later among equals (control.proto, MarkWindowRule).
const v1::MarkWindowRule* MatchWindow(const std::vector<v1::MarkWindowRule>& rules,
                                      v1::WorkType work, int grade, v1::SubjectKind kind) {
  const v1::MarkWindowRule* best = nullptr;
  int best_conditions = -1;
  for (const auto& r : rules) {
    if (std::find(r.work_types().begin(), r.work_types().end(), work) == r.work_types().end()) {
      continue;
    }
    if (r.grade_from() != 0 && grade < r.grade_from()) continue;
    if (r.grade_to() != 0 && grade > r.grade_to()) continue;
    if (!r.subject_kinds().empty() && std::find(r.subject_kinds().begin(), r.subject_kinds().end(),
                                                kind) == r.subject_kinds().end()) {
      continue;
    }
    int conditions =
        (r.grade_from() != 0 || r.grade_to() != 0 ? 1 : 0) + (r.subject_kinds().empty() ? 0 : 1);
    if (conditions >= best_conditions) {
      best = &r;
      best_conditions = conditions;
    }
  }
  return best;
}

const std::vector<v1::MarkWindowRule>& DefaultWindows() {
  static const std::vector<v1::MarkWindowRule> rules = [] {
    std::vector<v1::MarkWindowRule> out;
    auto add = [&](std::initializer_list<v1::WorkType> works, v1::MarkWindowKind kind, int amount,
                   int from, int to, std::initializer_list<v1::SubjectKind> kinds) {
      v1::MarkWindowRule r;
      for (auto w : works) r.add_work_types(w);
      r.set_kind(kind);
      r.set_amount(amount);
      r.set_grade_from(from);
      r.set_grade_to(to);
      for (auto k : kinds) r.add_subject_kinds(k);
      out.push_back(r);
    };
    add({v1::WORK_TYPE_ANSWER_IN_CLASS, v1::WORK_TYPE_ORAL_TEST, v1::WORK_TYPE_RECITATION,
         v1::WORK_TYPE_OTHER},
        v1::MARK_WINDOW_KIND_SAME_DAY, 0, 0, 0, {});
    std::initializer_list<v1::WorkType> written = {
        v1::WORK_TYPE_HOMEWORK,      v1::WORK_TYPE_CONTROL_WORK,
        v1::WORK_TYPE_DICTATION,     v1::WORK_TYPE_DICTATION_WITH_GRAMMAR_TASK,
        v1::WORK_TYPE_LAB,           v1::WORK_TYPE_PRACTICAL,
        v1::WORK_TYPE_CREATIVE_WORK, v1::WORK_TYPE_ESSAY,
        v1::WORK_TYPE_TEST,          v1::WORK_TYPE_INDEPENDENT_WORK,
        v1::WORK_TYPE_PROJECT,       v1::WORK_TYPE_VERIFICATION_WORK,
        v1::WORK_TYPE_EXPOSITION,    v1::WORK_TYPE_LITERACY};
    add(written, v1::MARK_WINDOW_KIND_NEXT_LESSON, 0, 0, 0, {});
    add({v1::WORK_TYPE_INTERNAL_MONITORING_CONTROL_WORK}, v1::MARK_WINDOW_KIND_CALENDAR_DAYS, 3, 0,
        0, {});
    add({v1::WORK_TYPE_CREATIVE_WORK, v1::WORK_TYPE_ESSAY}, v1::MARK_WINDOW_KIND_CALENDAR_DAYS, 7,
        5, 9, {v1::SUBJECT_KIND_RUSSIAN_LANGUAGE, v1::SUBJECT_KIND_LITERATURE});
    add({v1::WORK_TYPE_ESSAY}, v1::MARK_WINDOW_KIND_CALENDAR_DAYS, 10, 10, 11, {});
    return out;
  }();
  return rules;
}

}  // namespace

Status CheckMarkValue(const v1::MarkValue& value, v1::WorkType work) {
  if (value.value() < 1 || value.value() > 5) {
    return Malformed("R-MARK-1", "Отметка — от 1 до 5, а не " + std::to_string(value.value()));
  }
  if (value.second_value() < 0 || value.second_value() > 5) {
    return Malformed("R-MARK-1", "Вторая часть двойной отметки — от 1 до 5, а не " +
                                     std::to_string(value.second_value()));
  }
  if (value.second_value() != 0 && !TakesTwoParts(work)) {
    return Malformed("R-MARK-1",
                     "двойная отметка (например, 5/4) ставится только за диктант с грамматическим "
                     "заданием, творческую работу или сочинение");
  }
  return Status::Ok();
}

Result<const Lesson*> Checker::WritableLesson(std::string_view lesson_id) {
  const Lesson* lesson = school_->FindLesson(lesson_id);
  if (lesson == nullptr) {
    return Err(
        Refuse("R-LES-1", "Нет такого урока («" + std::string(lesson_id) +
                              "»): отметки и пропуски ставятся в колонку урока из расписания"));
  }
  if (lesson->cancelled) {
    return Err(Refuse("R-LES-1", "Урок отменён: " + school_->LessonText(lesson->id)));
  }
  if (auto cls = school_->classes.find(lesson->class_id); cls != school_->classes.end()) {
    if (std::string off = school_->DayOff(cls->second, lesson->date); !off.empty()) {
      return Err(Refuse("R-SET-1", "Урок " + RuDate(lesson->date) + " приходится на " + off +
                                       ": в нём нет записей; методист переносит или отменяет его"));
    }
  }
  if (state_.IsInvalid(lesson->scheduled_seq)) {
    return Err(Refuse("R-SEC-3",
                      "Урок поставлен записью, которую акт о компрометации признал "
                      "недействительной: " +
                          school_->LessonText(lesson->id)));
  }
  EJ_RETURN_IF_ERROR(CheckLessonWriter(*school_, *lesson, body_, *actor_));
  return lesson;
}

Status Checker::CheckBusinessDate(const Lesson& lesson) {
  auto day = DayOf(body_.business_date());
  if (!day || *day != lesson.date) {
    return Malformed("R-TIME-1", "Дата записи должна быть датой урока, " + RuDate(lesson.date));
  }
  return Status::Ok();
}

Status Checker::CheckStudentInLesson(const Lesson& lesson, std::string_view student_id) {
  if (!school_->InLesson(lesson, student_id)) {
    return Refuse("R-LES-1", "«" + school_->UserName(student_id) +
                                 "» не учится в классе (группе) " + "этого урока на " +
                                 RuDate(lesson.date) + ": " + school_->LessonText(lesson.id));
  }
  return Status::Ok();
}

Status Checker::CheckMark(const v1::MarkRecorded& m, const Lesson& lesson, bool late_entry) {
  EJ_RETURN_IF_ERROR(CheckStudentInLesson(lesson, m.student_id()));
  EJ_RETURN_IF_ERROR(CheckMarkValue(m.value(), m.work_type()));
  if (m.work_type() == v1::WORK_TYPE_UNSPECIFIED) {
    return Malformed("R-MARK-2", "У отметки должен быть вид работы");
  }
  if (m.weight_percent() > 1000) return Malformed("R-MARK-2", "Вес отметки — от 0 до 1000 %");
  const SchoolClass& cls = school_->classes.at(lesson.class_id);
  if (cls.grade < school_->policy.first_marked_grade) {
    return Refuse("R-MARK-1", "В " + std::to_string(cls.grade) +
                                  "-м классе отметки не ставятся: записывают тему урока и "
                                  "посещаемость");
  }
  const Version<LessonRecordValue>* rec = lesson.record.Current(state_);
  if (rec != nullptr && rec->value.kind == v1::LESSON_KIND_EXTRACURRICULAR) {
    return Refuse("R-LES-2", "На внеурочном занятии отметки не ставятся");
  }
  if (at_us_ < school_->LessonStartUs(lesson)) {
    return Refuse("R-LES-1", "Урок ещё не начался, отметки за него ставить рано: " +
                                 school_->LessonText(lesson.id));
  }
  const int low =
      std::min(m.value().value(), m.value().second_value() == 0 ? 5 : m.value().second_value());
  if (school_->policy.adaptation_forbids_unsatisfactory && low <= 2) {
    auto year = school_->years.find(cls.year_id);
    if (year != school_->years.end() && lesson.date >= year->second.adaptation_first &&
        lesson.date <= year->second.adaptation_last) {
      return Refuse("R-MARK-4", "В адаптационный период (" + RuDate(year->second.adaptation_first) +
                                    " — " + RuDate(year->second.adaptation_last) +
                                    ") неудовлетворительные отметки (1, 2) не ставятся");
    }
  }
  if (!late_entry && !reentry_) {
    const int64_t deadline = RuleBook::MarkDeadlineUs(*school_, lesson, m.work_type());
    if (at_us_ > deadline) {
      return Refuse("R-MARK-3", "Срок выставления этой отметки прошёл (до " +
                                    EndOfDayText(*school_, deadline) +
                                    "): подайте заявку на исправление, её утверждает завуч");
    }
  }
  return Status::Ok();
}

Status Checker::CheckAttendance(const v1::AttendanceRecorded& a, const Lesson& lesson) {
  EJ_RETURN_IF_ERROR(CheckStudentInLesson(lesson, a.student_id()));
  if (a.status() == v1::ATTENDANCE_STATUS_UNSPECIFIED) {
    return Malformed("R-ATT-1", "Посещаемость — «н» (отсутствовал) или «оп» (опоздал)");
  }
  if (a.status() == v1::ATTENDANCE_STATUS_LATE &&
      (a.minutes_late() < 0 || a.minutes_late() > 120)) {
    return Malformed("R-ATT-1", "Опоздание — от 0 до 120 минут");
  }
  if (at_us_ < school_->LessonStartUs(lesson)) {
    return Refuse("R-LES-1", "Урок ещё не начался: " + school_->LessonText(lesson.id));
  }
  const Version<LessonRecordValue>* rec = lesson.record.Current(state_);
  if (rec != nullptr && rec->value.kind == v1::LESSON_KIND_EXTRACURRICULAR) {
    return Refuse("R-LES-2", "На внеурочном занятии пропуски не отмечаются");
  }
  if (rec != nullptr && rec->value.kind == v1::LESSON_KIND_DISTANCE &&
      a.status() == v1::ATTENDANCE_STATUS_ABSENT) {
    return Refuse("R-LES-2", "При дистанционном обучении «н» не ставится");
  }
  if (a.status() == v1::ATTENDANCE_STATUS_ABSENT) {
    auto subj = school_->subjects.find(lesson.subject_id);
    auto st = school_->students.find(a.student_id());
    if (subj != school_->subjects.end() &&
        subj->second.kind == v1::SUBJECT_KIND_PHYSICAL_EDUCATION && st != school_->students.end()) {
      for (const auto& e : st->second.pe_exemptions) {
        if (lesson.date >= e.first && lesson.date <= e.last) {
          return Refuse("R-ATT-1", "У «" + school_->UserName(a.student_id()) +
                                       "» медицинское освобождение от физкультуры до " +
                                       RuDate(e.last) + ": «н» на физкультуре не ставится");
        }
      }
    }
  }
  if (!reentry_ && at_us_ > school_->zone.InstantOf(lesson.date, 24 * 60)) {
    return Refuse("R-ATT-1",
                  "Посещаемость отмечают в день урока: подайте заявку на исправление, её "
                  "утверждает завуч");
  }
  return Status::Ok();
}

Status Checker::CheckLessonConducted() {
  const auto& c = body_.lesson_conducted();
  EJ_ASSIGN_OR_RETURN(const Lesson* lesson, WritableLesson(c.lesson_id()));
  EJ_RETURN_IF_ERROR(CheckBusinessDate(*lesson));
  if (c.kind() == v1::LESSON_KIND_UNSPECIFIED) return Malformed("R-LES-2", "Не указан вид урока");
  if (c.topic().empty()) return Malformed("R-LES-3", "Не указана тема урока");
  if (c.kind() == v1::LESSON_KIND_DISTANCE && c.order_number().empty()) {
    return Malformed("R-LES-2", "Дистанционный урок записывается с номером приказа");
  }
  if (c.kind() == v1::LESSON_KIND_HOME_SCHOOLING && lesson->individual_student_id.empty()) {
    return Refuse("R-LES-2", "Обучение на дому записывается на индивидуальном уроке");
  }
  // R-LES-2: an extracurricular session ("Внеурочное занятие") records the real date it was
  // held and the order it was held under (journal.proto LessonConducted, seed 004 §8.1,
  // §8.3); R-LES-3's "day of the lesson" is that date. Other kinds leave held_on unset.
  Day record_day = lesson->date;
  if (c.kind() == v1::LESSON_KIND_EXTRACURRICULAR) {
    if (c.order_number().empty()) {
      return Malformed("R-LES-2", "Внеурочное занятие записывается с номером приказа");
    }
    if (!c.has_held_on()) {
      return Malformed("R-LES-2", "У внеурочного занятия указывается дата, когда оно прошло");
    }
    EJ_ASSIGN_OR_RETURN(record_day, DayOf(c.held_on()));
    if (record_day > today_) {
      return Refuse("R-LES-1", "Дата занятия " + RuDate(record_day) +
                                   " ещё не наступила: запишите его в тот день");
    }
  } else if (c.has_held_on()) {
    return Malformed("R-LES-2", "Дату проведения указывают только у внеурочного занятия");
  }
  if (!reentry_ && (today_ != record_day)) {
    return Refuse("R-LES-3", "Тему урока записывают в день урока (" + RuDate(record_day) +
                                 "): подайте заявку на исправление, её утверждает завуч");
  }
  if (!reentry_ && lesson->record.Current(state_) != nullptr &&
      lesson->record.versions.back().value.kind != c.kind() &&
      (!lesson->marks.empty() || !lesson->attendance_students.empty())) {
    return Refuse("R-LES-2",
                  "В уроке уже есть записи: вид урока меняют через заявку на исправление");
  }
  return Status::Ok();
}

Status Checker::CheckAttendanceRecorded() {
  const auto& a = body_.attendance_recorded();
  EJ_ASSIGN_OR_RETURN(const Lesson* lesson, WritableLesson(a.lesson_id()));
  EJ_RETURN_IF_ERROR(CheckBusinessDate(*lesson));
  return CheckAttendance(a, *lesson);
}

Status Checker::CheckAbsenceReasonSet() {
  const auto& r = body_.absence_reason_set();
  if (r.reason() == v1::ABSENCE_REASON_UNSPECIFIED) {
    return Malformed("R-ATT-2",
                     "Причина пропуска — болезнь, уважительная или без уважительной причины");
  }
  if (!ClassTeacherOf(ClassOf(r.student_id(), today_))) {
    return Deny("R-ATT-2", "Причины пропусков указывает классный руководитель ученика");
  }
  if (r.lesson_ids().empty() && !r.has_dates()) {
    return Malformed("R-ATT-2", "Укажите уроки или дни, к которым относится причина");
  }
  for (const auto& lid : r.lesson_ids()) {
    auto a = school_->attendance.find(AttendanceKey(lid, r.student_id()));
    const Version<AttendanceValue>* v =
        a == school_->attendance.end() ? nullptr : a->second.Current(state_);
    if (v == nullptr || v->value.status != v1::ATTENDANCE_STATUS_ABSENT) {
      return Refuse("R-ATT-2", "У «" + school_->UserName(r.student_id()) +
                                   "» нет пропуска на уроке: " + school_->LessonText(lid));
    }
  }
  return Status::Ok();
}

Status Checker::CheckMarkRecorded() {
  const auto& m = body_.mark_recorded();
  if (m.mark_id().empty()) return Malformed("R-MARK-1", "У отметки нет идентификатора");
  auto existing = school_->marks.find(m.mark_id());
  if (existing != school_->marks.end() && !reentry_) {
    return Status(StatusCode::kAlreadyExists,
                  "Эта отметка уже записана; записанная отметка не меняется, исправление — через "
                  "заявку завучу",
                  "R-COR-1");
  }
  EJ_ASSIGN_OR_RETURN(const Lesson* lesson, WritableLesson(m.lesson_id()));
  EJ_RETURN_IF_ERROR(CheckBusinessDate(*lesson));
  return CheckMark(m, *lesson, false);
}

Status Checker::CheckHomeworkFiles(const v1::HomeworkAssigned& h) {
  constexpr int kMaxFiles = 10;
  if (h.attachments_size() > kMaxFiles) {
    return Malformed(
        "R-HW-1", "К заданию можно прикрепить не больше " + std::to_string(kMaxFiles) + " файлов");
  }
  for (const auto& a : h.attachments()) {
    if (a.sha256().size() != 32 || a.file_name().empty() || a.file_name().size() > 255 ||
        a.media_type().empty() || a.size_bytes() <= 0) {
      return Malformed("R-HW-1",
                       "Прикреплённый файл описан не полностью: нужны его хеш, имя, тип и размер");
    }
  }
  return Status::Ok();
}

Status Checker::CheckHomeworkAssigned() {
  const auto& h = body_.homework_assigned();
  EJ_ASSIGN_OR_RETURN(const Lesson* lesson, WritableLesson(h.lesson_id()));
  EJ_RETURN_IF_ERROR(CheckBusinessDate(*lesson));
  if (h.text().empty() && h.attachments().empty())
    return Malformed("R-HW-1", "У домашнего задания нет текста");
  if (h.replaces_homework_id().empty()) {
    if (school_->homework.contains(h.homework_id()) && !reentry_) {
      return AlreadyExists("Домашнее задание «" + h.homework_id() + "» уже записано");
    }
  } else {
    auto old = school_->homework.find(h.replaces_homework_id());
    if (old == school_->homework.end() || old->second.lesson_id != h.lesson_id()) {
      return Refuse("R-HW-1", "Заменяемое домашнее задание задано не на этом уроке");
    }
  }
  for (const auto& s : h.student_ids()) EJ_RETURN_IF_ERROR(CheckStudentInLesson(*lesson, s));
  EJ_RETURN_IF_ERROR(CheckHomeworkFiles(h));
  if (!reentry_) {
    const int64_t deadline = RuleBook::HomeworkDeadlineUs(*school_, *lesson);
    if (at_us_ > deadline) {
      return Refuse("R-HW-1",
                    "Домашнее задание записывают не позже чем через час после последнего урока "
                    "класса (до " +
                        EndOfDayText(*school_, deadline) +
                        "): подайте заявку на исправление, её утверждает завуч");
    }
  }
  return Status::Ok();
}

}  // namespace ejournal::school::rules

namespace ejournal::school {

using rules::DefaultWindows;
using rules::IsSameDayWork;
using rules::MatchWindow;

int64_t RuleBook::MarkDeadlineUs(const School& school, const Lesson& lesson, v1::WorkType work) {
  auto cls = school.classes.find(lesson.class_id);
  const int grade = cls == school.classes.end() ? 0 : cls->second.grade;
  auto subj = school.subjects.find(lesson.subject_id);
  const v1::SubjectKind kind =
      subj == school.subjects.end() ? v1::SUBJECT_KIND_UNSPECIFIED : subj->second.kind;
  const v1::MarkWindowRule* rule = MatchWindow(school.policy.mark_windows, work, grade, kind);
  if (rule == nullptr) rule = MatchWindow(DefaultWindows(), work, grade, kind);
  v1::MarkWindowKind wk = rule == nullptr ? (IsSameDayWork(work) ? v1::MARK_WINDOW_KIND_SAME_DAY
                                                                 : v1::MARK_WINDOW_KIND_NEXT_LESSON)
                                          : rule->kind();
  const int amount = rule == nullptr ? 0 : rule->amount();
  const int64_t end_of_day = school.zone.InstantOf(lesson.date, 24 * 60);
  switch (wk) {
    case v1::MARK_WINDOW_KIND_SAME_DAY:
      return end_of_day;
    case v1::MARK_WINDOW_KIND_CALENDAR_DAYS:
      return school.zone.InstantOf(lesson.date + amount, 24 * 60);
    case v1::MARK_WINDOW_KIND_SCHOOL_DAYS: {
      Day day = lesson.date;
      if (cls != school.classes.end()) {
        for (int n = 0; n < amount && day - lesson.date < 400;) {
          ++day;
          if (school.DayOff(cls->second, day).empty()) ++n;  // R-SET-1
        }
      } else {
        day += amount;
      }
      return school.zone.InstantOf(day, 24 * 60);
    }
    case v1::MARK_WINDOW_KIND_HOURS:
      return school.LessonEndUs(lesson) + int64_t{amount} * 60 * kMicrosPerMinute;
    case v1::MARK_WINDOW_KIND_NEXT_LESSON:
    default: {
      const Lesson* next = school.NextLessonOfGroup(lesson);
      if (next == nullptr) {
        return school.zone.InstantOf(lesson.date + (amount == 0 ? 7 : amount), 24 * 60);
      }
      // Never shorter than the lesson's own day (a doubled lesson is marked by its end of day).
      return std::max(school.LessonStartUs(*next), end_of_day);
    }
  }
}

int64_t RuleBook::HomeworkDeadlineUs(const School& school, const Lesson& lesson) {
  int64_t last_end = school.LessonEndUs(lesson);
  for (const Lesson* l : school.LessonsOfClassOn(lesson.class_id, lesson.date)) {
    last_end = std::max(last_end, school.LessonEndUs(*l));
  }
  return last_end + int64_t{school.policy.homework_deadline_minutes} * kMicrosPerMinute;
}
}  // namespace ejournal::school
