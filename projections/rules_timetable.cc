// The timetable rules: the teaching load, the plan (КТП), bells, the timetable and the lessons
// scheduled, moved or cancelled (DOMAIN.md R-LES-1, R-SET-1, R-SET-3, R-TIME-1).
#include <algorithm>
#include <string>

#include "projections/rule_checker.h"

namespace ejournal::school::rules {
namespace {

// Whether two placements teach some student twice: the same class, unless both are different
// subgroups of it (the subgroups of a class split it and meet in parallel).
bool SameStudents(std::string_view class_a, std::string_view subgroup_a, std::string_view class_b,
                  std::string_view subgroup_b) {
  return class_a == class_b &&
         (subgroup_a.empty() || subgroup_b.empty() || subgroup_a == subgroup_b);
}

// What is already there, as the methodist reads it: "5А, Математика, учитель Иванова М. П.,
// кабинет 12".
std::string Placement(const School& school, std::string_view class_id, std::string_view subject_id,
                      std::string_view teacher_id, std::string_view room) {
  std::string out = school.ClassLabel(class_id) + ", " + school.SubjectName(subject_id) +
                    ", учитель " + school.UserName(teacher_id);
  if (!room.empty()) out += ", кабинет " + std::string(room);
  return out;
}

// The R-SET-3 conflict of a placement with one already there, or "". `student_*`: the
// home-schooled student of an individual lesson, empty for a lesson of the class.
std::string Conflict(const School& school, std::string_view teacher_a, std::string_view class_a,
                     std::string_view subgroup_a, std::string_view room_a,
                     std::string_view student_a, std::string_view teacher_b,
                     std::string_view class_b, std::string_view subgroup_b, std::string_view room_b,
                     std::string_view student_b) {
  if (teacher_a == teacher_b) return "учитель " + school.UserName(teacher_a) + " уже ведёт урок";
  // A home-schooled student's individual lessons run beside their class's (R-LES-2), never two
  // of them at once.
  if (!student_a.empty() && student_a == student_b) {
    return "у " + school.UserName(student_a) + " уже есть индивидуальный урок";
  }
  const bool individual_a = !student_a.empty(), individual_b = !student_b.empty();
  if (!individual_a && !individual_b && SameStudents(class_a, subgroup_a, class_b, subgroup_b)) {
    return "у " + school.ClassLabel(class_a) + " уже есть урок";
  }
  if (!room_a.empty() && room_a == room_b && !individual_a && !individual_b) {
    return "кабинет " + std::string(room_a) + " уже занят";
  }
  return {};
}

}  // namespace

Status Checker::CheckTeachingLoadAssigned() {
  EJ_RETURN_IF_ERROR(Needs({v1::ROLE_ADMIN}, "Назначать учебную нагрузку"));
  const auto& l = body_.teaching_load_assigned();
  const User* t = school_->FindUser(l.teacher_id());
  if (t == nullptr || !IsTeacher(*t)) {
    return Refuse("R-ACC-2", "Нагрузку ведёт учитель, а «" + school_->UserName(l.teacher_id()) +
                                 "» не учитель этой школы");
  }
  if (!school_->classes.contains(l.class_id())) {
    return Refuse("R-ACC-2", "В школе нет класса «" + l.class_id() + "»");
  }
  if (!school_->subjects.contains(l.subject_id())) {
    return Refuse("R-ACC-2", "В школе нет предмета «" + l.subject_id() +
                                 "»: сначала добавьте его в список предметов");
  }
  if (!l.subgroup_id().empty() && !school_->subgroups.contains(l.subgroup_id())) {
    return Refuse("R-ACC-2", "В классе " + school_->ClassLabel(l.class_id()) + " нет подгруппы «" +
                                 l.subgroup_id() + "»");
  }
  if (l.weekly_hours() < 0 || l.weekly_hours() > 40) {
    return Malformed("R-TERM-1",
                     "Часов в неделю — от 0 до 40, а не " + std::to_string(l.weekly_hours()));
  }
  return Status::Ok();
}

Status Checker::CheckTeachingLoadRemoved() {
  EJ_RETURN_IF_ERROR(Needs({v1::ROLE_ADMIN}, "Снимать учебную нагрузку"));
  if (!school_->loads.contains(body_.teaching_load_removed().load_id())) {
    return Refuse("R-ACC-2", "Нет такой записи учебной нагрузки");
  }
  return Status::Ok();
}

Status Checker::CheckPlannedTopicsSet() {
  const bool admin = Is({v1::ROLE_ADMIN});
  const auto& p = body_.planned_topics_set();
  if (admin) return Status::Ok();
  // R-ACC-2, R-LES-3: the КТП is written and approved before the year starts (by 31 August),
  // so the load is looked up within the plan's academic year, not only on today's date.
  Day on = today_;
  if (auto y = school_->years.find(p.academic_year_id()); y != school_->years.end()) {
    on = std::clamp(today_, y->second.first, y->second.last);
  }
  if (IsTeacher(*actor_) && TeachesOn(p.class_id(), p.subgroup_id(), p.subject_id(), on)) {
    return Status::Ok();
  }
  return Deny("R-ACC-2", "КТП вносит учитель, ведущий этот предмет в классе, или администратор");
}

Status Checker::CheckBellScheduleSet() {
  EJ_RETURN_IF_ERROR(Needs({v1::ROLE_ADMIN, v1::ROLE_METHODIST}, "Задавать расписание звонков"));
  for (const auto& p : body_.bell_schedule_set().periods()) {
    if (p.start_minutes() < 0 || p.end_minutes() > 24 * 60 ||
        p.end_minutes() <= p.start_minutes()) {
      return Malformed("R-TIME-1", "У " + std::to_string(p.number()) +
                                       "-го урока неверное время начала или конца");
    }
  }
  return Status::Ok();
}

Status Checker::CheckTimetableSlotSet() {
  EJ_RETURN_IF_ERROR(Needs({v1::ROLE_ADMIN, v1::ROLE_METHODIST}, "Менять расписание"));
  const auto& p = body_.timetable_slot_set();
  if (p.slot_id().empty()) return Malformed("R-SET-3", "У строки расписания нет идентификатора");
  if (!school_->classes.contains(p.class_id())) {
    return Refuse("R-SET-3", "В школе нет класса «" + p.class_id() + "»");
  }
  if (!school_->subjects.contains(p.subject_id())) {
    return Refuse("R-SET-3", "В школе нет предмета «" + p.subject_id() + "»");
  }
  if (!p.individual_student_id().empty() && !p.subgroup_id().empty()) {
    return Malformed("R-LES-2", "Индивидуальный урок — для одного ученика, не для группы");
  }
  if (!p.subgroup_id().empty()) {
    auto g = school_->subgroups.find(p.subgroup_id());
    if (g == school_->subgroups.end() || g->second.class_id != p.class_id()) {
      return Refuse("R-SET-3", "Группа «" + p.subgroup_id() + "» не относится к классу " +
                                   school_->ClassLabel(p.class_id()));
    }
  }
  const User* t = school_->FindUser(p.teacher_id());
  if (t == nullptr || !IsTeacher(*t)) {
    return Refuse("R-SET-3", "«" + school_->UserName(p.teacher_id()) + "» не учитель школы");
  }
  if (p.weekday() < v1::WEEKDAY_MONDAY || p.weekday() > v1::WEEKDAY_SUNDAY) {
    return Malformed("R-SET-3", "Не указан день недели");
  }
  if (p.period() < 0 || p.period() > 16) return Malformed("R-SET-3", "Номер урока — от 0 до 16");
  if (p.valid().first_day().year() == 0) {
    return Malformed("R-SET-3", "Не указано, с какого дня действует строка");
  }
  EJ_ASSIGN_OR_RETURN(const Day first, DayOf(p.valid().first_day()));
  Day last = kForever;
  if (p.valid().last_day().year() != 0) {
    EJ_ASSIGN_OR_RETURN(last, DayOf(p.valid().last_day()));
  }
  if (last < first) {
    return Malformed("R-SET-3", "Строка расписания кончается раньше, чем начинается");
  }
  // R-SET-1: a slot on a weekday the class's week has no lessons would never give one.
  Day on = first;
  while (WeekdayOf(on) != p.weekday()) ++on;
  const SchoolClass& cls = school_->classes.find(p.class_id())->second;
  if (!school_->IsSchoolWeekday(cls, on)) {
    return Refuse("R-SET-1", "У " + school_->ClassLabel(cls.id) + " " +
                                 std::string(RuWeekday(p.weekday())) +
                                 " — не учебный день: в учебной неделе класса его нет");
  }
  if (!v1::WeekParity_IsValid(p.weeks())) {
    return Malformed("R-SET-3", "Недели строки расписания — каждая, 1-я или 2-я");
  }
  if (!p.individual_student_id().empty()) {
    EJ_RETURN_IF_ERROR(HomeSchooled(p.individual_student_id(), p.class_id(), first, last));
  }
  for (const auto& [id, other] : school_->timetable) {
    if (id == p.slot_id() || other.weekday != p.weekday() || other.period != p.period() ||
        other.last < first || other.first > last) {
      continue;
    }
    // Two-week timetables: a slot of odd weeks and one of even weeks never meet.
    if (p.weeks() != v1::WEEK_PARITY_UNSPECIFIED && other.weeks != v1::WEEK_PARITY_UNSPECIFIED &&
        p.weeks() != other.weeks) {
      continue;
    }
    std::string conflict =
        Conflict(*school_, p.teacher_id(), p.class_id(), p.subgroup_id(), p.room(),
                 p.individual_student_id(), other.teacher_id, other.class_id, other.subgroup_id,
                 other.room, other.individual_student_id);
    if (conflict.empty()) continue;
    return Refuse(
        "R-SET-3",
        "Накладка в расписании: " + std::string(RuWeekday(p.weekday())) + ", " +
            std::to_string(p.period()) + "-й урок — " + conflict + " (" +
            Placement(*school_, other.class_id, other.subject_id, other.teacher_id, other.room) +
            ", с " + RuDate(std::max(first, other.first)) + ")");
  }
  return Status::Ok();
}

Status Checker::HomeSchooled(std::string_view student_id, std::string_view class_id, Day first,
                             Day last) const {
  auto st = school_->students.find(std::string(student_id));
  if (st != school_->students.end()) {
    for (const Membership& m : st->second.memberships) {
      if (m.home_schooling && m.class_id == class_id && m.from <= last && m.to >= first) {
        return Status::Ok();
      }
    }
  }
  return Refuse("R-LES-2", "Индивидуальные уроки — для ученика " + school_->ClassLabel(class_id) +
                               " на обучении на дому, а «" + school_->UserName(student_id) +
                               "» с " + RuDate(first) + " на нём не числится");
}

Status Checker::CheckTimetableSlotRemoved() {
  EJ_RETURN_IF_ERROR(Needs({v1::ROLE_ADMIN, v1::ROLE_METHODIST}, "Менять расписание"));
  const auto& p = body_.timetable_slot_removed();
  if (!school_->timetable.contains(p.slot_id())) {
    return Refuse("R-SET-3", "В расписании нет строки «" + p.slot_id() + "»");
  }
  if (p.effective_from().year() != 0) {
    EJ_ASSIGN_OR_RETURN([[maybe_unused]] Day from, DayOf(p.effective_from()));
  }
  return Status::Ok();
}

Status Checker::CheckLessonPlacement(std::string_view lesson_id, const Lesson& placed) {
  auto cls = school_->classes.find(placed.class_id);
  if (cls != school_->classes.end()) {
    if (std::string off = school_->DayOff(cls->second, placed.date); !off.empty()) {
      return Refuse("R-SET-1", "Урок не ставится на " + RuDate(placed.date) + ": это " + off);
    }
  }
  for (const auto& [class_id, by_day] : school_->lessons_by_class_day) {
    auto day = by_day.find(placed.date);
    if (day == by_day.end()) continue;
    for (const std::string& id : day->second) {
      const Lesson* other = school_->FindLesson(id);
      if (other == nullptr || id == lesson_id || other->cancelled ||
          other->period != placed.period) {
        continue;
      }
      std::string conflict =
          Conflict(*school_, placed.teacher_id, placed.class_id, placed.subgroup_id, placed.room,
                   placed.individual_student_id, other->teacher_id, other->class_id,
                   other->subgroup_id, other->room, other->individual_student_id);
      if (conflict.empty()) continue;
      return Refuse("R-SET-3", "Накладка: " + RuDate(placed.date) + ", " +
                                   std::to_string(placed.period) + "-й урок — " + conflict + " (" +
                                   Placement(*school_, other->class_id, other->subject_id,
                                             other->teacher_id, other->room) +
                                   ")");
    }
  }
  return Status::Ok();
}

Status Checker::CheckLessonScheduled() {
  EJ_RETURN_IF_ERROR(Needs({v1::ROLE_ADMIN, v1::ROLE_METHODIST}, "Ставить уроки"));
  const auto& l = body_.lesson_scheduled();
  if (school_->lessons.contains(l.lesson_id()))
    return AlreadyExists("Урок уже есть: " + school_->LessonText(l.lesson_id()));
  if (!school_->classes.contains(l.class_id()))
    return Refuse("R-LES-1", "В школе нет класса «" + l.class_id() + "»");
  if (!school_->subjects.contains(l.subject_id()))
    return Refuse("R-LES-1", "В школе нет предмета «" + l.subject_id() + "»");
  if (!l.individual_student_id().empty() && !l.subgroup_id().empty()) {
    return Malformed("R-LES-2", "Индивидуальный урок — для одного ученика, не для группы");
  }
  if (!l.subgroup_id().empty()) {
    auto g = school_->subgroups.find(l.subgroup_id());
    if (g == school_->subgroups.end() || g->second.class_id != l.class_id()) {
      return Refuse("R-LES-1", "Группа «" + l.subgroup_id() + "» не относится к классу " +
                                   school_->ClassLabel(l.class_id()));
    }
  }
  const User* t = school_->FindUser(l.teacher_id());
  if (t == nullptr || !IsTeacher(*t)) {
    return Refuse("R-LES-1", "Урок ведёт учитель; «" + school_->UserName(l.teacher_id()) +
                                 "» не учитель школы");
  }
  EJ_ASSIGN_OR_RETURN(Day day, DayOf(l.date()));
  if (school_->YearOn(day) == nullptr) {
    return Refuse("R-LES-1", "Дата урока " + RuDate(day) + " не входит ни в один учебный год");
  }
  if (l.period() < 0 || l.period() > 16) return Malformed("R-LES-1", "Номер урока — от 0 до 16");
  if (!l.individual_student_id().empty()) {
    EJ_RETURN_IF_ERROR(HomeSchooled(l.individual_student_id(), l.class_id(), day, day));
  }
  Lesson placed;
  placed.class_id = l.class_id();
  placed.subgroup_id = l.subgroup_id();
  placed.teacher_id = l.teacher_id();
  placed.room = l.room();
  placed.individual_student_id = l.individual_student_id();
  placed.date = day;
  placed.period = l.period();
  return CheckLessonPlacement(l.lesson_id(), placed);
}

Status Checker::CheckLessonChange() {
  EJ_RETURN_IF_ERROR(Needs({v1::ROLE_METHODIST}, "Переносить и отменять уроки"));
  const std::string& id = body_.has_lesson_moved() ? body_.lesson_moved().lesson_id()
                                                   : body_.lesson_cancelled().lesson_id();
  const Lesson* l = school_->FindLesson(id);
  if (l == nullptr) return Refuse("R-LES-1", "Нет такого урока: «" + id + "»");
  if (l->cancelled) return Refuse("R-LES-1", "Урок уже отменён: " + school_->LessonText(id));
  if (l->record.Current(state_) != nullptr || !l->marks.empty() ||
      !l->attendance_students.empty()) {
    return Refuse("R-LES-1", "Урок уже проведён и в нём есть записи, он остаётся на своём месте: " +
                                 school_->LessonText(id));
  }
  if (body_.has_lesson_moved()) {
    const auto& m = body_.lesson_moved();
    EJ_ASSIGN_OR_RETURN(Day day, DayOf(m.new_date()));
    if (school_->YearOn(day) == nullptr) {
      return Refuse("R-LES-1", RuDate(day) + " не входит ни в один учебный год");
    }
    if (m.new_period() < 0 || m.new_period() > 16) {
      return Malformed("R-LES-1", "Номер урока — от 0 до 16");
    }
    Lesson placed = *l;
    placed.date = day;
    placed.period = m.new_period();
    if (!m.new_room().empty()) placed.room = m.new_room();
    return CheckLessonPlacement(id, placed);
  }
  return Status::Ok();
}

}  // namespace ejournal::school::rules
