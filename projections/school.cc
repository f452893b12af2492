#include "projections/school.h"

#include <algorithm>
#include <string>

#include "projections/school_state_internal.h"

namespace ejournal::school {

void AttendanceKeyInto(std::string_view lesson_id, std::string_view student_id, std::string& key) {
  key.assign(lesson_id);
  key += '/';
  key += student_id;
}

std::string AttendanceKey(std::string_view lesson_id, std::string_view student_id) {
  std::string key;
  AttendanceKeyInto(lesson_id, student_id, key);
  return key;
}

std::string AckKey(std::string_view student_id, Day week_start) {
  std::string key(student_id);
  key += '/';
  key += std::to_string(week_start);
  return key;
}

std::string GroupKey(std::string_view class_id, std::string_view subgroup_id,
                     std::string_view subject_id) {
  std::string key(class_id);
  key += '/';
  key += subgroup_id;
  key += '/';
  key += subject_id;
  return key;
}

std::string HomePageId(std::string_view student_id) {
  std::string id(1, kHomePagePrefix);
  id += student_id;
  return id;
}

std::string PageSubgroupOf(std::string_view subgroup_id, std::string_view individual_student_id) {
  return individual_student_id.empty() ? std::string(subgroup_id)
                                       : HomePageId(individual_student_id);
}

std::string_view HomePageStudent(std::string_view subgroup_id) {
  if (subgroup_id.size() < 2 || subgroup_id.front() != kHomePagePrefix) return {};
  return subgroup_id.substr(1);
}

std::string TermKey(const v1::TermMarkRef& ref) {
  return TermKey(ref.student_id(), ref.subject_id(), ref.period());
}

std::string TermKey(std::string_view student_id, std::string_view subject_id,
                    const v1::PeriodRef& period) {
  std::string key(student_id);
  key += '/';
  key += subject_id;
  key += '/';
  key += period.academic_year_id();
  key += '/';
  key += std::to_string(static_cast<int>(period.kind()));
  key += '/';
  key += std::to_string(period.term_number());
  return key;
}

std::string ExamKey(const v1::ExamMarkRef& ref) {
  return ExamKey(ref.student_id(), ref.subject_id(), ref.academic_year_id(), ref.attempt());
}

std::string ExamKey(std::string_view student_id, std::string_view subject_id,
                    std::string_view year_id, int attempt) {
  std::string key("exam/");
  key += student_id;
  key += '/';
  key += subject_id;
  key += '/';
  key += year_id;
  key += '/';
  key += std::to_string(attempt);
  return key;
}

uint32_t PolicyValues::WeightOf(const MarkValue& mark) const {
  if (mark.weight_percent != 0) return mark.weight_percent;
  auto it = weights.find(mark.work_type);
  if (it != weights.end()) return it->second;
  switch (mark.work_type) {
    case v1::WORK_TYPE_CONTROL_WORK:
    case v1::WORK_TYPE_INTERNAL_MONITORING_CONTROL_WORK:
      return 200;  // R-MARK-2: control works weigh more
    default:
      return 100;
  }
}

const TermScheme* AcademicYear::SchemeFor(int grade) const {
  for (const auto& s : schemes) {
    if (grade >= s.grade_from && grade <= s.grade_to) return &s;
  }
  return nullptr;
}

bool HolidayInfo::AppliesTo(const SchoolClass& cls) const {
  if (grades.empty() && class_ids.empty()) return true;
  return std::find(grades.begin(), grades.end(), cls.grade) != grades.end() ||
         std::find(class_ids.begin(), class_ids.end(), cls.id) != class_ids.end();
}

int Plan::Hours() const {
  int n = 0;
  for (const auto& t : topics) n += t.hours;
  return n;
}

const Membership* Student::On(Day day) const {
  for (auto it = memberships.rbegin(); it != memberships.rend(); ++it) {
    if (day >= it->from && day <= it->to) return &*it;
  }
  return nullptr;
}

const std::vector<std::string>& School::MembersOf(std::string_view class_id) const {
  static const std::vector<std::string> kNone;
  auto it = class_members.find(class_id);
  return it == class_members.end() ? kNone : it->second;
}

const User* School::FindUser(std::string_view user_id) const {
  auto it = users.find(user_id);
  return it == users.end() ? nullptr : &it->second;
}

std::string_view School::KeepId(std::string_view id) {
  if (auto it = kept_index_.find(id); it != kept_index_.end()) return *it;
  const std::string_view kept = kept_ids_.emplace_back(id);
  kept_index_.insert(kept);
  return kept;
}

const Lesson* School::FindLesson(std::string_view lesson_id) const {
  auto it = lessons.find(lesson_id);
  return it == lessons.end() ? nullptr : &it->second;
}

const AcademicYear* School::YearOn(Day day) const {
  const AcademicYear* found = nullptr;
  for (const auto& [id, year] : years) {
    if (day >= year.first && day <= year.last && (found == nullptr || id < found->id)) {
      found = &year;
    }
  }
  return found;
}

const TermInfo* School::TermOn(const SchoolClass& cls, Day day) const {
  auto year = years.find(cls.year_id);
  if (year == years.end()) return nullptr;
  const TermScheme* scheme = year->second.SchemeFor(cls.grade);
  if (scheme == nullptr) return nullptr;
  for (const auto& t : scheme->terms) {
    if (day >= t.first && day <= t.last) return &t;
  }
  return nullptr;
}

std::string School::ClassLabel(std::string_view class_id) const {
  auto it = classes.find(class_id);
  if (it == classes.end()) return std::string(class_id);
  return std::to_string(it->second.grade) + it->second.letter;
}

std::string School::SubjectName(std::string_view subject_id) const {
  auto it = subjects.find(subject_id);
  return it == subjects.end() || it->second.name.empty() ? std::string(subject_id)
                                                         : it->second.name;
}

std::string School::UserName(std::string_view user_id) const {
  const User* u = FindUser(user_id);
  return u == nullptr || u->display_name.empty() ? std::string(user_id) : u->display_name;
}

std::string_view RuRole(v1::Role role) {
  switch (role) {
    case v1::ROLE_ADMIN:
      return "администратор";
    case v1::ROLE_DIRECTOR:
      return "директор";
    case v1::ROLE_DEPUTY:
      return "заместитель директора";
    case v1::ROLE_METHODIST:
      return "методист";
    case v1::ROLE_TEACHER:
      return "учитель";
    case v1::ROLE_CLASS_TEACHER:
      return "классный руководитель";
    case v1::ROLE_SECRETARY:
      return "секретарь";
    case v1::ROLE_SOCIAL_PEDAGOGUE:
      return "социальный педагог";
    case v1::ROLE_PSYCHOLOGIST:
      return "психолог";
    case v1::ROLE_PARENT:
      return "родитель";
    case v1::ROLE_STUDENT:
      return "ученик";
    case v1::ROLE_AUDITOR:
      return "аудитор";
    default:
      return "пользователь";
  }
}

std::string School::PeriodName(const SchoolClass& cls, int term_number) const {
  v1::TermKind kind = v1::TERM_KIND_UNSPECIFIED;
  if (auto year = years.find(cls.year_id); year != years.end()) {
    if (const TermScheme* scheme = year->second.SchemeFor(cls.grade)) kind = scheme->kind;
  }
  const std::string n = std::to_string(term_number);
  switch (kind) {
    case v1::TERM_KIND_QUARTER:
      return n + "-я четверть";
    case v1::TERM_KIND_TRIMESTER:
      return n + "-й триместр";
    case v1::TERM_KIND_HALF_YEAR:
      return n + "-е полугодие";
    default:
      return n + "-й период";
  }
}

std::string School::LessonText(std::string_view lesson_id) const {
  const Lesson* l = FindLesson(lesson_id);
  if (l == nullptr) return "урок «" + std::string(lesson_id) + "»";
  return SubjectName(l->subject_id) + ", " + ClassLabel(l->class_id) + ", " + RuDate(l->date) +
         ", " + std::to_string(l->period) + "-й урок";
}

bool School::IsSchoolWeekday(const SchoolClass& cls, Day day) const {
  uint32_t weekdays = 0;
  if (auto year = years.find(cls.year_id); year != years.end()) {
    if (const TermScheme* scheme = year->second.SchemeFor(cls.grade)) weekdays = scheme->weekdays;
  }
  const int wd = WeekdayOf(day);
  return weekdays == 0 ? wd <= 5 : (weekdays & (1u << wd)) != 0;
}

int School::StudyWeek(const SchoolClass& cls, Day day) const {
  Day first = kNoDay;
  if (auto year = years.find(cls.year_id); year != years.end()) first = year->second.first;
  if (first == kNoDay) {
    v1::Date d = DateOf(day);
    d.set_year(d.month() >= 9 ? d.year() : d.year() - 1);
    d.set_month(9);
    d.set_day(1);
    auto september = DayOf(d);
    first = september ? *september : day;
  }
  return (WeekStart(day) - WeekStart(first)) / 7 + 1;
}

bool School::SlotGives(const TimetableSlot& slot, const SchoolClass& cls, Day day) const {
  if (slot.weekday != WeekdayOf(day) || day < slot.first || day > slot.last) return false;
  if (slot.weeks == v1::WEEK_PARITY_UNSPECIFIED) return true;
  const bool odd = StudyWeek(cls, day) % 2 != 0;
  return odd == (slot.weeks == v1::WEEK_PARITY_ODD);
}

std::string School::DayOff(const SchoolClass& cls, Day day) const {
  if (auto year = years.find(cls.year_id); year != years.end()) {
    for (const auto& h : year->second.holidays) {
      if (day < h.first || day > h.last || !h.AppliesTo(cls)) continue;
      return (h.name.empty() ? std::string("нерабочий день") : h.name) + " (с " + RuDate(h.first) +
             " по " + RuDate(h.last) + ")";
    }
  }
  if (!IsSchoolWeekday(cls, day)) {
    return "выходной день (" + std::string(RuWeekday(WeekdayOf(day))) + ")";
  }
  return {};
}

const BellSchedule* School::BellFor(const Lesson& lesson) const {
  auto cls = classes.find(lesson.class_id);
  const int grade = cls == classes.end() ? 0 : cls->second.grade;
  const uint32_t weekday_bit = 1u << WeekdayOf(lesson.date);
  const BellSchedule* best = nullptr;
  for (const auto& [id, bell] : bells) {
    if (lesson.date < bell.first || lesson.date > bell.last) continue;
    if (bell.weekdays != 0 && (bell.weekdays & weekday_bit) == 0) continue;
    if (!bell.grades.empty() &&
        std::find(bell.grades.begin(), bell.grades.end(), grade) == bell.grades.end()) {
      continue;
    }
    if (!bell.periods.contains(lesson.period)) continue;
    if (best == nullptr || bell.seq > best->seq) best = &bell;  // the latest set wins
  }
  return best;
}

int64_t School::LessonStartUs(const Lesson& lesson) const {
  const BellSchedule* bell = BellFor(lesson);
  int minutes = bell == nullptr ? 0 : bell->periods.at(lesson.period).first;
  return zone.InstantOf(lesson.date, minutes);
}

int64_t School::LessonEndUs(const Lesson& lesson) const {
  const BellSchedule* bell = BellFor(lesson);
  int minutes = bell == nullptr ? 24 * 60 : bell->periods.at(lesson.period).second;
  return zone.InstantOf(lesson.date, minutes);
}

bool School::InLesson(const Lesson& lesson, std::string_view student_id) const {
  if (!lesson.individual_student_id.empty()) return lesson.individual_student_id == student_id;
  auto st = students.find(std::string(student_id));
  if (st == students.end()) return false;
  const Membership* m = st->second.On(lesson.date);
  if (m == nullptr || m->class_id != lesson.class_id || m->home_schooling) return false;
  if (lesson.subgroup_id.empty()) return true;
  auto sg = subgroups.find(lesson.subgroup_id);
  return sg != subgroups.end() && sg->second.students.contains(std::string(student_id));
}

std::vector<const Lesson*> School::LessonsOfClassOn(std::string_view class_id, Day day) const {
  std::vector<const Lesson*> out;
  auto cls = lessons_by_class_day.find(std::string(class_id));
  if (cls == lessons_by_class_day.end()) return out;
  auto it = cls->second.find(day);
  if (it == cls->second.end()) return out;
  for (const auto& id : it->second) {
    const Lesson* l = FindLesson(id);
    if (l != nullptr && !l->cancelled && l->date == day) out.push_back(l);
  }
  return out;
}

const Lesson* School::NextLessonOfGroup(const Lesson& lesson) const {
  auto it = lessons_by_group.find(GroupKey(lesson.class_id, lesson.subgroup_id, lesson.subject_id));
  if (it == lessons_by_group.end()) return nullptr;
  const Lesson* next = nullptr;
  for (const auto& id : it->second) {
    const Lesson* l = FindLesson(id);
    if (l == nullptr || l->cancelled || l == &lesson) continue;
    if (std::pair(l->date, l->period) <= std::pair(lesson.date, lesson.period)) continue;
    if (next == nullptr || std::pair(l->date, l->period) < std::pair(next->date, next->period)) {
      next = l;
    }
  }
  return next;
}

std::string LoginKey(std::string_view login) {
  std::string key(login);
  for (size_t i = 0; i < key.size(); ++i) {
    const auto b = static_cast<unsigned char>(key[i]);
    if (b >= 'A' && b <= 'Z') {
      key[i] = static_cast<char>(b - 'A' + 'a');
    } else if (i + 1 < key.size() && (b == 0xD0)) {
      // U+0410..U+042F (А..Я) is D0 90..D0 AF: А..П lower to D0 B0..D0 BF, Р..Я to D1 80..D1 8F;
      // U+0401 Ё (D0 81) lowers to U+0451 ё (D1 91).
      const auto c = static_cast<unsigned char>(key[i + 1]);
      if (c >= 0x90 && c <= 0x9F) {
        key[i + 1] = static_cast<char>(c + 0x20);
      } else if (c >= 0xA0 && c <= 0xAF) {
        key[i] = static_cast<char>(0xD1);
        key[i + 1] = static_cast<char>(c - 0x20);
      } else if (c == 0x81) {
        key[i] = static_cast<char>(0xD1);
        key[i + 1] = static_cast<char>(0x91);
      }
      ++i;
    }
  }
  return key;
}

bool School::TeachesHomePage(std::string_view teacher_id, std::string_view class_id,
                             std::string_view student_id, std::string_view subject_id) const {
  for (const auto& [id, slot] : timetable) {
    if (slot.teacher_id == teacher_id && slot.individual_student_id == student_id &&
        slot.class_id == class_id && slot.subject_id == subject_id) {
      return true;
    }
  }
  auto g = lessons_by_group.find(GroupKey(class_id, HomePageId(student_id), subject_id));
  if (g == lessons_by_group.end()) return false;
  for (const std::string& lesson_id : g->second) {
    const Lesson* l = FindLesson(lesson_id);
    if (l != nullptr && l->teacher_id == teacher_id) return true;
  }
  return false;
}

std::string School::PageGroupName(std::string_view subgroup_id) const {
  if (subgroup_id.empty()) return {};
  if (std::string_view student = HomePageStudent(subgroup_id); !student.empty()) {
    return "обучение на дому: " + UserName(student);
  }
  auto g = subgroups.find(std::string(subgroup_id));
  return g == subgroups.end() ? std::string(subgroup_id) : g->second.name;
}

int School::WeeklyHours(std::string_view class_id, std::string_view subgroup_id,
                        std::string_view subject_id, Day day) const {
  if (std::string_view student = HomePageStudent(subgroup_id); !student.empty()) {
    int half_hours = 0;  // every week: 2, every other week: 1
    for (const auto& [id, slot] : timetable) {
      if (slot.individual_student_id == student && slot.class_id == class_id &&
          slot.subject_id == subject_id && slot.first <= day && day <= slot.last) {
        half_hours += slot.weeks == v1::WEEK_PARITY_UNSPECIFIED ? 2 : 1;
      }
    }
    return (half_hours + 1) / 2;
  }
  int hours = 0;
  for (const auto& [id, load] : loads) {
    if (load.class_id == class_id && load.subject_id == subject_id && day >= load.from &&
        day <= load.to && (load.subgroup_id.empty() || load.subgroup_id == subgroup_id)) {
      hours = std::max(hours, load.weekly_hours);
    }
  }
  return hours;
}

const Substitution* School::SubstitutionFor(const Lesson& lesson,
                                            std::string_view teacher_id) const {
  for (const auto& sid : lesson.substitution_ids) {
    auto it = substitutions.find(sid);
    if (it != substitutions.end() && !it->second.cancelled &&
        it->second.substitute_teacher_id == teacher_id) {
      return &it->second;
    }
  }
  return nullptr;
}

}  // namespace ejournal::school
