#include "projections/school_state.h"

#include <algorithm>

namespace ejournal::school {
namespace {

Day DayOr(const v1::Date& date, Day fallback) {
  if (date.year() == 0) return fallback;
  auto day = DayOf(date);
  return day ? *day : fallback;
}

Status Corrupt(uint64_t seq, const std::string& what) {
  return DataLoss("entry " + std::to_string(seq) + ": cannot fold: " + what);
}

MarkValue MarkOf(const v1::MarkRecorded& m) {
  MarkValue v;
  v.value = m.value().value();
  v.second_value = m.value().second_value();
  v.work_type = m.work_type();
  v.weight_percent = m.weight_percent();
  v.comment = m.comment();
  return v;
}

AttendanceValue AttendanceOf(const v1::AttendanceRecorded& a) {
  return AttendanceValue{a.status(), a.minutes_late()};
}

LessonRecordValue LessonRecordOf(const v1::LessonConducted& c) {
  LessonRecordValue v;
  v.topic = c.topic();
  v.kind = c.kind();
  v.order_number = c.order_number();
  for (const auto& w : c.works()) {
    v.works.push_back(w.work_type());
    if (w.whole_class()) v.whole_class_works.push_back(w.work_type());
  }
  return v;
}

HomeworkValue HomeworkOf(const v1::HomeworkAssigned& h) {
  HomeworkValue v;
  v.text = h.text();
  v.due = DayOr(h.due_date(), kNoDay);
  v.due_lesson_id = h.due_lesson_id();
  v.student_ids.assign(h.student_ids().begin(), h.student_ids().end());
  v.attachments = h.attachments_size();
  return v;
}

AttestationValue AttestationOf(const v1::AttestationMark& m) {
  AttestationValue v;
  if (m.has_value()) v.value = m.value();
  if (m.result_case() == v1::AttestationMark::kStatus) v.status = m.status();
  return v;
}

AttestationValue AttestationOf(const v1::ExamMarkRecorded& e) {
  AttestationValue v;
  if (e.has_mark()) {
    v.value = e.mark().value();
    v.second_value = e.mark().second_value();
  } else {
    v.status = e.status();
  }
  return v;
}

// Appends to a list that usually grows to tens of entries (a lesson's marks, a student's marks in
// a subject): the first append makes room for `first` at once instead of growing 1, 2, 4, 8, ...
template <typename T>
void Append(std::vector<T>& list, T item, size_t first) {
  if (list.capacity() == 0) list.reserve(first);
  list.push_back(item);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Keys and lookups
// ---------------------------------------------------------------------------------------------

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

std::string TermKey(const v1::TermMarkRef& ref) {
  return TermKey(ref.student_id(), ref.subject_id(), ref.period());
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

std::string ExamKey(const v1::ExamMarkRef& ref) {
  return ExamKey(ref.student_id(), ref.subject_id(), ref.academic_year_id(), ref.attempt());
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

namespace {
void AddMember(School& school, const std::string& class_id, const std::string& student_id) {
  auto& members = school.class_members[class_id];
  if (std::find(members.begin(), members.end(), student_id) == members.end()) {
    members.push_back(student_id);
  }
}
}  // namespace

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

Lesson* SchoolState::LessonOf(School& school, std::string_view lesson_id) {
  if (last_lesson_ != nullptr && last_lesson_school_ == &school && last_lesson_->id == lesson_id) {
    return last_lesson_;
  }
  auto it = school.lessons.find(lesson_id);
  if (it == school.lessons.end()) return nullptr;
  last_lesson_school_ = &school;
  last_lesson_ = &it->second;
  return last_lesson_;
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
  if (m == nullptr || m->class_id != lesson.class_id) return false;
  if (lesson.subgroup_id.empty()) return true;
  auto sg = subgroups.find(lesson.subgroup_id);
  return sg != subgroups.end() && sg->second.students.contains(std::string(student_id));
}

int School::WeeklyHours(std::string_view class_id, std::string_view subgroup_id,
                        std::string_view subject_id, Day day) const {
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

// ---------------------------------------------------------------------------------------------
// The fold
// ---------------------------------------------------------------------------------------------

const School* SchoolState::FindSchool(std::string_view school_id) const {
  auto it = schools_.find(school_id);
  return it == schools_.end() ? nullptr : &it->second;
}

School* SchoolState::MutableSchool(std::string_view school_id) {
  auto it = schools_.find(school_id);
  return it == schools_.end() ? nullptr : &it->second;
}

const Credential* SchoolState::FindCredential(std::string_view credential_id) const {
  auto it = credentials_.find(credential_id);
  return it == credentials_.end() ? nullptr : &it->second;
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

const Credential* SchoolState::UserCredential(std::string_view school_id, std::string_view user_id,
                                              std::string_view credential_id) const {
  const Credential* c = FindCredential(credential_id);
  return c != nullptr && c->school_id == school_id && c->user_id == user_id ? c : nullptr;
}

const EventInfo* SchoolState::Event(uint64_t seq) const {
  if (seq == 0 || seq > events_.size()) return nullptr;
  return &events_[seq - 1];
}

uint64_t SchoolState::SequenceOf(std::string_view event_id) const {
  auto it = event_ids_.find(event_id);
  return it == event_ids_.end() ? 0 : it->second;
}

std::string_view SchoolState::EventIdOf(uint64_t seq) const {
  if (seq == 0 || seq > event_id_of_.size()) return {};
  return event_id_of_[seq - 1];
}

std::string_view SchoolState::Store(std::string_view s) {
  char* copy = google::protobuf::Arena::CreateArray<char>(&chars_, s.size());
  std::copy(s.begin(), s.end(), copy);
  return {copy, s.size()};
}

void SchoolState::Reserve(uint64_t events) {
  const size_t total = events_.size() + events;
  events_.reserve(total);
  event_id_of_.reserve(total);
  event_ids_.reserve(total);
}

const Invalidation* SchoolState::InvalidationOf(uint64_t seq) const {
  auto it = invalid_.find(seq);
  return it == invalid_.end() ? nullptr : &it->second;
}

uint64_t SchoolState::ReentryOf(uint64_t seq) const {
  auto it = reentries_.find(seq);
  return it == reentries_.end() ? 0 : it->second;
}

std::vector<uint64_t> SchoolState::DependenciesOf(uint64_t seq) const {
  const EventInfo* info = Event(seq);
  if (info == nullptr) return {};
  return {deps_.begin() + info->deps_begin, deps_.begin() + info->deps_begin + info->deps_count};
}

std::vector<uint64_t> SchoolState::AwaitingReentry(std::string_view school_id) const {
  std::vector<uint64_t> out;
  for (const auto& [seq, why] : invalid_) {
    const EventInfo* info = Event(seq);
    if (info == nullptr || SchoolOf(*info) != school_id || reentries_.contains(seq)) continue;
    switch (info->payload) {
      case v1::EventBody::kLessonConducted:
      case v1::EventBody::kAttendanceRecorded:
      case v1::EventBody::kAbsenceReasonSet:
      case v1::EventBody::kMarkRecorded:
      case v1::EventBody::kHomeworkAssigned:
      case v1::EventBody::kTermMarkRecorded:
      case v1::EventBody::kExamMarkRecorded:
      case v1::EventBody::kCorrectionRequested:
        out.push_back(seq);
        break;
      default:
        break;
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

uint32_t SchoolState::Intern(std::string_view name) {
  if (name.empty()) return 0;
  if (auto it = name_index_.find(name); it != name_index_.end()) return it->second;
  const auto index = static_cast<uint32_t>(names_.size());
  names_.emplace_back(name);
  name_index_.emplace(names_.back(), index);  // a view of the deque's copy, never of `name`
  return index;
}

Status SchoolState::Apply(const v1::EventBody& body, uint64_t seq, int64_t at_us) {
  if (seq != events_.size() + 1) {
    return Internal("school state at " + std::to_string(events_.size()) + " was given entry " +
                    std::to_string(seq));
  }
  bool fresh = false;
  auto id_it = event_ids_.lazy_emplace(body.event_id(), [&](const auto& construct) {
    fresh = true;
    construct(Store(body.event_id()), seq);  // the key is the state's own copy
  });
  if (!fresh) return Corrupt(seq, "event id " + body.event_id() + " appears twice");

  touched_.Clear();
  EventInfo info;
  info.recorded_at_us = at_us;
  info.school = InternRepeated(body.school_id(), last_school_);
  // The credential first (without interning a new one yet, so that names are interned in the
  // same order as always: the actor, then the credential): a credential seen before gives its
  // last actor and its state.
  const std::string& credential_id = body.credential_id();
  uint32_t credential = last_credential_ != 0 && names_[last_credential_] == credential_id
                            ? last_credential_
                            : Find(credential_id);
  CredentialSeen* seen = nullptr;
  if (credential != 0) {
    seen = &credential_seen_[credential];
    if (seen->actor != 0 && names_[seen->actor] == body.actor_id()) {
      last_actor_ = seen->actor;
    }
  }
  info.actor = InternRepeated(body.actor_id(), last_actor_);
  if (credential == 0 && !credential_id.empty()) {
    credential = Intern(credential_id);
    seen = &credential_seen_[credential];
  }
  last_credential_ = credential;
  info.credential = credential;
  if (seen != nullptr) seen->actor = info.actor;
  info.payload = static_cast<uint32_t>(body.payload_case());
  touched_.school = info.school;
  events_.push_back(info);
  event_id_of_.push_back(id_it->first);

  std::vector<uint64_t>& deps = deps_scratch_;
  deps.clear();
  // The credential's state (a node of credentials_: its address is stable), looked up again only
  // while it was not issued yet.
  Credential* credential_state = seen != nullptr ? seen->state : nullptr;
  if (credential_state == nullptr && credential != 0) {
    auto cred = credentials_.find(credential_id);
    if (cred != credentials_.end()) credential_state = seen->state = &cred->second;
  }
  if (Credential* cred = credential_state) {
    if (cred->issued_seq != 0) deps.push_back(cred->issued_seq);
  }
  // The school of the previous event, most often (a node of schools_: its address is stable).
  School* school = info.school != 0 && info.school == school_of_index_
                       ? school_of_
                       : MutableSchool(body.school_id());
  if (school != nullptr) school_of_index_ = info.school, school_of_ = school;
  Status st = ApplyPayload(school, body, seq, at_us, deps);
  if (!body.reenters_event_id().empty()) {
    uint64_t original = SequenceOf(body.reenters_event_id());
    if (original != 0) reentries_[original] = seq;
  }
  std::sort(deps.begin(), deps.end());
  deps.erase(std::unique(deps.begin(), deps.end()), deps.end());
  std::erase_if(deps, [&](uint64_t d) { return d == 0 || d >= seq; });
  EventInfo& stored = events_.back();
  stored.deps_begin = static_cast<uint32_t>(deps_.size());
  stored.deps_count = static_cast<uint32_t>(deps.size());
  deps_.insert(deps_.end(), deps.begin(), deps.end());
  if (school == nullptr) school = MutableSchool(body.school_id());  // just registered
  IndexEvent(school, stored, seq);
  return st;
}

uint32_t SchoolState::InternRepeated(std::string_view name, uint32_t& last) {
  if (last != 0 && names_[last] == name) return last;
  last = Intern(name);
  return last;
}

uint32_t SchoolState::Find(std::string_view name) const {
  if (name.empty()) return 0;
  auto it = name_index_.find(name);
  return it == name_index_.end() ? 0 : it->second;
}

// The same events the views' history keys listed (H/, A/, R/, G/ before they moved here): a
// school's events touching an existing lesson, its actor's events, every credential's events.
void SchoolState::IndexEvent(const School* school, const EventInfo& info, uint64_t seq) {
  if (info.credential != 0) credential_events_.Add(info.credential, seq);
  if (school == nullptr) return;
  const uint32_t sid = info.school;
  if (info.actor != 0) actor_events_.Add((uint64_t{sid} << 32) | info.actor, seq);
  if (touched_.lessons.empty() && touched_.cells.empty()) return;
  // The page of an existing lesson (0 for an unknown one), computed once per lesson.
  auto page_of = [&](uint32_t lesson) -> uint32_t {
    const uint64_t key = (uint64_t{sid} << 32) | lesson;
    if (auto it = page_of_lesson_.find(key); it != page_of_lesson_.end()) return it->second;
    const Lesson* l = school->FindLesson(names_[lesson]);
    if (l == nullptr) return 0;
    std::string group = school->id;
    for (const std::string* part : {&l->class_id, &l->subgroup_id, &l->subject_id}) {
      group += '/';
      group += *part;
    }
    group += '/';
    const uint32_t page = Intern(group);
    page_of_lesson_.emplace(key, page);
    return page;
  };
  for (uint32_t lesson : touched_.lessons) {
    if (uint32_t page = page_of(lesson)) page_events_.Add(page, seq);  // drops repeats in a row
  }
  for (const auto& [lesson, student] : touched_.cells) {
    const uint32_t page = page_of(lesson);
    if (page == 0) continue;
    cell_events_.Add({sid, lesson, student}, seq);
    page_events_.Add(page, seq);
  }
}

std::vector<uint64_t> SchoolState::CellEvents(std::string_view school_id,
                                              std::string_view lesson_id,
                                              std::string_view student_id) const {
  const uint32_t s = Find(school_id), l = Find(lesson_id), st = Find(student_id);
  if (s == 0 || l == 0 || st == 0) return {};
  return cell_events_.Get({s, l, st});
}

std::vector<uint64_t> SchoolState::ActorEvents(std::string_view school_id,
                                               std::string_view actor_id) const {
  const uint32_t s = Find(school_id), a = Find(actor_id);
  if (s == 0 || a == 0) return {};
  return actor_events_.Get((uint64_t{s} << 32) | a);
}

std::vector<uint64_t> SchoolState::CredentialEvents(std::string_view credential_id) const {
  const uint32_t c = Find(credential_id);
  if (c == 0) return {};
  return credential_events_.Get(c);
}

std::vector<uint64_t> SchoolState::PageEvents(std::string_view school_id, std::string_view class_id,
                                              std::string_view subgroup_id,
                                              std::string_view subject_id) const {
  std::string group(school_id);
  for (std::string_view part : {class_id, subgroup_id, subject_id}) {
    group += '/';
    group += part;
  }
  group += '/';
  const uint32_t g = Find(group);
  if (g == 0) return {};
  return page_events_.Get(g);
}

v1::AbsenceReason Attendance::Reason(const Validity& validity) const {
  for (auto it = reasons.rbegin(); it != reasons.rend(); ++it) {
    if (!validity.IsInvalid(it->first)) return it->second;
  }
  return v1::ABSENCE_REASON_UNSPECIFIED;
}

void SchoolState::TouchLesson(std::string_view lesson_id) {
  const uint32_t lesson = Intern(lesson_id);
  events_.back().lesson = lesson;
  touched_.lessons.push_back(lesson);
}

void SchoolState::TouchLesson(const Lesson& lesson) {
  events_.back().lesson = lesson.name;
  touched_.lessons.push_back(lesson.name);
}

void SchoolState::TouchCell(const Lesson& lesson, std::string_view student_id) {
  EventInfo& e = events_.back();
  e.lesson = lesson.name;
  e.student = Intern(student_id);
  touched_.cells.emplace_back(e.lesson, e.student);
}

void SchoolState::TouchCell(const Lesson& lesson, uint32_t student) {
  EventInfo& e = events_.back();
  e.lesson = lesson.name;
  e.student = student;
  touched_.cells.emplace_back(e.lesson, e.student);
}

void SchoolState::IndexMark(School& school, const Lesson& lesson, uint32_t student,
                            const Mark& mark) {
  Append<const Mark*>(school.marks_by_student_subject[(uint64_t{student} << 32) | lesson.subject],
                      &mark, 8);
}

const std::vector<const Mark*>* SchoolState::MarksOf(const School& school,
                                                     std::string_view student_id,
                                                     std::string_view subject_id) const {
  const uint32_t student = Find(student_id), subject = Find(subject_id);
  if (student == 0) return nullptr;
  if (subject == 0 && !subject_id.empty()) return nullptr;
  auto it = school.marks_by_student_subject.find((uint64_t{student} << 32) | subject);
  return it == school.marks_by_student_subject.end() ? nullptr : &it->second;
}

void SchoolState::TouchCell(std::string_view lesson_id, std::string_view student_id) {
  EventInfo& e = events_.back();
  e.lesson = Intern(lesson_id);
  e.student = Intern(student_id);
  touched_.cells.emplace_back(e.lesson, e.student);
}

void SchoolState::TouchAttestation(const std::string& key) {
  const uint32_t index = Intern(key);
  events_.back().attestation = index;
  touched_.attestation.push_back(index);
}

void SchoolState::TouchTarget(const School& school, const v1::CorrectionRequested& p) {
  const auto& t = p.target();
  switch (t.target_case()) {
    case v1::CorrectionTarget::kMarkId: {
      auto m = school.marks.find(t.mark_id());
      if (m != school.marks.end()) {
        TouchCell(m->second.lesson_id, m->second.student_id);
      } else {
        TouchCell(p.mark().lesson_id(), p.mark().student_id());
      }
      break;
    }
    case v1::CorrectionTarget::kAttendance:
      TouchCell(t.attendance().lesson_id(), t.attendance().student_id());
      break;
    case v1::CorrectionTarget::kLessonId:
      TouchLesson(t.lesson_id());
      break;
    case v1::CorrectionTarget::kHomeworkId: {
      auto h = school.homework.find(t.homework_id());
      TouchLesson(h != school.homework.end() ? h->second.lesson_id : p.homework().lesson_id());
      break;
    }
    case v1::CorrectionTarget::kTermMark:
      TouchAttestation(TermKey(t.term_mark()));
      break;
    case v1::CorrectionTarget::kExamMark:
      TouchAttestation(ExamKey(t.exam_mark()));
      break;
    default:
      break;
  }
}

Status SchoolState::ApplyPayload(School* school, const v1::EventBody& body, uint64_t seq,
                                 int64_t at_us, std::vector<uint64_t>& deps) {
  using B = v1::EventBody;
  if (body.payload_case() != B::kSchoolRegistered && body.payload_case() != B::kCredentialIssued &&
      body.payload_case() != B::kCredentialRevoked && school == nullptr) {
    return Corrupt(seq, "unknown school " + body.school_id());
  }
  switch (body.payload_case()) {
    case B::kSchoolRegistered: {
      const auto& p = body.school_registered();
      School& s = schools_[body.school_id()];
      s.id = body.school_id();
      s.name = p.name();
      auto zone = SchoolZone::Find(p.time_zone());
      if (!zone) return Corrupt(seq, zone.error().message());
      s.zone = *zone;
      if (s.registered_seq == 0) s.registered_seq = seq;
      return Status::Ok();
    }
    case B::kAcademicYearDefined: {
      const auto& p = body.academic_year_defined();
      AcademicYear y;
      y.id = p.academic_year_id();
      y.first = DayOr(p.dates().first_day(), kNoDay);
      y.last = DayOr(p.dates().last_day(), kNoDay);
      for (const auto& sch : p.term_schemes()) {
        TermScheme ts{sch.grade_from(), sch.grade_to(), {}};
        for (const auto& t : sch.terms()) {
          ts.terms.push_back(TermInfo{t.number(), DayOr(t.dates().first_day(), kNoDay),
                                      DayOr(t.dates().last_day(), kNoDay)});
        }
        y.schemes.push_back(std::move(ts));
      }
      for (const auto& h : p.holidays()) {
        y.holidays.push_back(HolidayInfo{DayOr(h.dates().first_day(), kNoDay),
                                         DayOr(h.dates().last_day(), kNoDay),
                                         h.kind(),
                                         {h.grades().begin(), h.grades().end()},
                                         {h.class_ids().begin(), h.class_ids().end()}});
      }
      y.adaptation_first = DayOr(p.adaptation_period().first_day(), kNoDay);
      y.adaptation_last = DayOr(p.adaptation_period().last_day(), kNoDay);
      school->years[y.id] = std::move(y);
      return Status::Ok();
    }
    case B::kHolidayDeclared: {
      const auto& p = body.holiday_declared();
      auto it = school->years.find(p.academic_year_id());
      if (it == school->years.end()) return Corrupt(seq, "unknown year");
      const auto& h = p.holiday();
      it->second.holidays.push_back(HolidayInfo{DayOr(h.dates().first_day(), kNoDay),
                                                DayOr(h.dates().last_day(), kNoDay),
                                                h.kind(),
                                                {h.grades().begin(), h.grades().end()},
                                                {h.class_ids().begin(), h.class_ids().end()}});
      return Status::Ok();
    }
    case B::kSubjectDefined: {
      const auto& p = body.subject_defined();
      school->subjects[p.subject_id()] = Subject{p.subject_id(), p.name(), p.kind()};
      return Status::Ok();
    }
    case B::kClassCreated: {
      const auto& p = body.class_created();
      SchoolClass c;
      c.id = p.class_id();
      c.year_id = p.academic_year_id();
      c.grade = p.grade();
      c.letter = p.letter();
      c.class_teacher_id = p.class_teacher_id();
      school->classes[c.id] = std::move(c);
      return Status::Ok();
    }
    case B::kClassTeacherAssigned: {
      const auto& p = body.class_teacher_assigned();
      auto it = school->classes.find(p.class_id());
      if (it == school->classes.end()) return Corrupt(seq, "unknown class");
      it->second.class_teacher_id = p.class_teacher_id();
      return Status::Ok();
    }
    case B::kSubgroupDefined: {
      const auto& p = body.subgroup_defined();
      Subgroup g;
      g.id = p.subgroup_id();
      g.class_id = p.class_id();
      g.subject_id = p.subject_id();
      g.name = p.name();
      g.students.insert(p.student_ids().begin(), p.student_ids().end());
      school->subgroups[g.id] = std::move(g);
      return Status::Ok();
    }
    case B::kUserRegistered: {
      const auto& p = body.user_registered();
      User u;
      u.id = p.user_id();
      for (int r : p.roles()) u.roles |= RoleBit(static_cast<v1::Role>(r));
      u.login = p.login_name();
      u.display_name = p.display_name();
      if (!u.login.empty()) school->logins[LoginKey(u.login)] = u.id;
      school->users[u.id] = std::move(u);
      return Status::Ok();
    }
    case B::kUserRolesChanged: {
      const auto& p = body.user_roles_changed();
      auto it = school->users.find(p.user_id());
      if (it == school->users.end()) return Corrupt(seq, "unknown user");
      it->second.roles = 0;
      for (int r : p.roles()) it->second.roles |= RoleBit(static_cast<v1::Role>(r));
      return Status::Ok();
    }
    case B::kUserProfileChanged: {
      const auto& p = body.user_profile_changed();
      auto it = school->users.find(p.user_id());
      if (it == school->users.end()) return Corrupt(seq, "unknown user");
      if (!p.display_name().empty()) it->second.display_name = p.display_name();
      if (!p.login_name().empty() && p.login_name() != it->second.login) {
        school->logins.erase(LoginKey(it->second.login));
        it->second.login = p.login_name();
        school->logins[LoginKey(it->second.login)] = it->second.id;
      }
      return Status::Ok();
    }
    case B::kUserDeactivated: {
      auto it = school->users.find(body.user_deactivated().user_id());
      if (it == school->users.end()) return Corrupt(seq, "unknown user");
      it->second.active = false;
      return Status::Ok();
    }
    case B::kPasswordChanged:
      return Status::Ok();
    case B::kCredentialIssued: {
      const auto& p = body.credential_issued();
      Credential c;
      c.id = p.credential_id();
      c.user_id = p.user_id();
      c.school_id = body.school_id();
      c.kind = p.kind();
      c.issued_seq = seq;
      credentials_[c.id] = std::move(c);
      return Status::Ok();
    }
    case B::kCredentialRevoked: {
      auto it = credentials_.find(body.credential_revoked().credential_id());
      if (it != credentials_.end()) it->second.revoked = true;
      return Status::Ok();
    }
    case B::kStudentEnrolled: {
      const auto& p = body.student_enrolled();
      Student& s = school->students[p.student_id()];
      s.id = p.student_id();
      Day from = DayOr(p.enrolled_on(), kNoDay);
      if (!s.memberships.empty() && s.memberships.back().to == kForever) {
        s.memberships.back().to = from - 1;
      }
      s.memberships.push_back(Membership{p.class_id(), from, kForever, p.home_schooling()});
      AddMember(*school, p.class_id(), p.student_id());
      return Status::Ok();
    }
    case B::kStudentMoved: {
      const auto& p = body.student_moved();
      auto it = school->students.find(p.student_id());
      if (it == school->students.end()) return Corrupt(seq, "unknown student");
      Day from = DayOr(p.moved_on(), kNoDay);
      if (!it->second.memberships.empty()) it->second.memberships.back().to = from - 1;
      it->second.memberships.push_back(
          Membership{p.to_class_id(), from, kForever, p.home_schooling()});
      AddMember(*school, p.to_class_id(), p.student_id());
      return Status::Ok();
    }
    case B::kStudentLeft: {
      const auto& p = body.student_left();
      auto it = school->students.find(p.student_id());
      if (it == school->students.end()) return Corrupt(seq, "unknown student");
      if (!it->second.memberships.empty()) {
        it->second.memberships.back().to = DayOr(p.left_on(), kNoDay);
      }
      return Status::Ok();
    }
    case B::kGuardianLinked: {
      const auto& p = body.guardian_linked();
      school->students[p.student_id()].guardians.insert(p.guardian_id());
      return Status::Ok();
    }
    case B::kGuardianUnlinked: {
      const auto& p = body.guardian_unlinked();
      auto it = school->students.find(p.student_id());
      if (it != school->students.end()) it->second.guardians.erase(p.guardian_id());
      return Status::Ok();
    }
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
    case B::kPlannedTopicsSet:
      return Status::Ok();
    case B::kBellScheduleSet: {
      const auto& p = body.bell_schedule_set();
      BellSchedule b;
      b.id = p.bell_schedule_id();
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
    case B::kTimetableSlotSet:
      school->timetable_slots.insert(body.timetable_slot_set().slot_id());
      return Status::Ok();
    case B::kTimetableSlotRemoved:
      school->timetable_slots.erase(body.timetable_slot_removed().slot_id());
      return Status::Ok();
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
    case B::kMedicalPeExemptionRecorded: {
      const auto& p = body.medical_pe_exemption_recorded();
      school->students[p.student_id()].pe_exemptions.push_back(Student::Exemption{
          DayOr(p.dates().first_day(), kNoDay), DayOr(p.dates().last_day(), kForever)});
      return Status::Ok();
    }
    case B::kPersonalDataConsentRecorded:
    case B::kPaperDiaryPreferenceSet:
      return Status::Ok();

    // --- the journal -------------------------------------------------------------------------
    case B::kLessonConducted: {
      const auto& p = body.lesson_conducted();
      Lesson* lesson = LessonOf(*school, p.lesson_id());
      if (lesson == nullptr) return Corrupt(seq, "unknown lesson");
      deps.push_back(lesson->scheduled_seq);
      FoldLessonRecord(*lesson, p, seq);
      TouchLesson(*lesson);
      break;
    }
    case B::kAttendanceRecorded: {
      const auto& p = body.attendance_recorded();
      Lesson* lesson = LessonOf(*school, p.lesson_id());
      if (lesson == nullptr) return Corrupt(seq, "unknown lesson");
      deps.push_back(lesson->scheduled_seq);
      FoldAttendance(*school, *lesson, p, seq, key_scratch_);
      TouchCell(*lesson, p.student_id());
      break;
    }
    case B::kAbsenceReasonSet: {
      const auto& p = body.absence_reason_set();
      FoldAbsenceReasons(*school, p, seq, [&](const Attendance& a, const std::string& lesson_id) {
        const auto* v = a.Current(*this);
        if (v != nullptr) deps.push_back(v->value_seq);
        TouchCell(lesson_id, p.student_id());
      });
      break;
    }
    case B::kMarkRecorded: {
      const auto& p = body.mark_recorded();
      Lesson* lesson = LessonOf(*school, p.lesson_id());
      if (lesson == nullptr) return Corrupt(seq, "unknown lesson");
      deps.push_back(lesson->scheduled_seq);
      const uint32_t student = Intern(p.student_id());
      FoldMark(*school, *lesson, p, seq, [&](Mark& m) {
        m.student_id = names_[student];  // interned: the deque's strings never move
        Append<const Mark*>(lesson->marks, &m, 16);
        Append<uint32_t>(lesson->mark_students, student, 16);
        IndexMark(*school, *lesson, student, m);
      });
      TouchCell(*lesson, student);
      break;
    }
    case B::kHomeworkAssigned: {
      const auto& p = body.homework_assigned();
      Lesson* lesson = LessonOf(*school, p.lesson_id());
      if (lesson == nullptr) return Corrupt(seq, "unknown lesson");
      deps.push_back(lesson->scheduled_seq);
      FoldHomework(*school, *lesson, p, seq);
      TouchLesson(*lesson);
      break;
    }
    case B::kTermMarkRecorded: {
      const auto& p = body.term_mark_recorded();
      std::string key = TermKey(p.student_id(), p.subject_id(), p.period());
      AttestationMark& m = school->attestation[key];
      m.key = key;
      m.student_id = p.student_id();
      m.subject_id = p.subject_id();
      PushVersion(m, seq, seq, false, AttestationOf(p.mark()));
      TouchAttestation(key);
      break;
    }
    case B::kExamMarkRecorded: {
      const auto& p = body.exam_mark_recorded();
      std::string key = ExamKey(p.student_id(), p.subject_id(), p.academic_year_id(), p.attempt());
      AttestationMark& m = school->attestation[key];
      m.key = key;
      m.student_id = p.student_id();
      m.subject_id = p.subject_id();
      PushVersion(m, seq, seq, false, AttestationOf(p));
      TouchAttestation(key);
      break;
    }
    case B::kDeputyAttestationDecided: {
      const auto& p = body.deputy_attestation_decided();
      school->deputy_attest[TermKey(p.student_id(), p.subject_id(), p.period())] = p.attest();
      break;
    }

    // --- control -----------------------------------------------------------------------------
    case B::kSchoolPolicySet: {
      const auto& p = body.school_policy_set().policy();
      PolicyValues v;  // an empty policy is the defaults
      v.mark_windows.assign(p.mark_windows().begin(), p.mark_windows().end());
      for (const auto& w : p.weights()) v.weights[w.work_type()] = w.weight_percent();
      if (p.has_first_marked_grade()) v.first_marked_grade = p.first_marked_grade();
      if (p.has_adaptation_forbids_unsatisfactory()) {
        v.adaptation_forbids_unsatisfactory = p.adaptation_forbids_unsatisfactory();
      }
      if (p.has_correction_grace_minutes())
        v.correction_grace_minutes = p.correction_grace_minutes();
      if (p.has_homework_deadline_minutes()) {
        v.homework_deadline_minutes = p.homework_deadline_minutes();
      }
      v.term_mark_minimums.assign(p.term_mark_minimums().begin(), p.term_mark_minimums().end());
      if (p.has_not_attested_absence_percent()) {
        v.not_attested_absence_percent = p.not_attested_absence_percent();
      }
      if (p.has_term_mark_entry_days()) v.term_mark_entry_days = p.term_mark_entry_days();
      if (p.has_min_marks_percent_of_lessons()) {
        v.min_marks_percent_of_lessons = p.min_marks_percent_of_lessons();
      }
      v.seq = seq;
      school->policy = std::move(v);
      break;
    }
    case B::kCorrectionRequested: {
      const auto& p = body.correction_requested();
      CorrectionRequest r;
      r.id = p.request_id();
      r.requester_id = body.actor_id();
      r.reason = p.reason();
      r.target_case = p.target().target_case();
      r.seq = seq;
      r.recorded_at_us = at_us;
      r.original_seq = SequenceOf(p.original_event_id());
      r.business_day = DayOr(body.business_date(), kNoDay);
      switch (r.target_case) {
        case v1::CorrectionTarget::kMarkId: {
          r.target_key = "mark/" + p.target().mark_id();
          auto m = school->marks.find(p.target().mark_id());
          r.lesson_id = m != school->marks.end() ? m->second.lesson_id : p.mark().lesson_id();
          break;
        }
        case v1::CorrectionTarget::kAttendance:
          r.target_key = "attendance/" + AttendanceKey(p.target().attendance().lesson_id(),
                                                       p.target().attendance().student_id());
          r.lesson_id = p.target().attendance().lesson_id();
          break;
        case v1::CorrectionTarget::kLessonId:
          r.target_key = "lesson/" + p.target().lesson_id();
          r.lesson_id = p.target().lesson_id();
          break;
        case v1::CorrectionTarget::kHomeworkId: {
          r.target_key = "homework/" + p.target().homework_id();
          auto h = school->homework.find(p.target().homework_id());
          r.lesson_id =
              h != school->homework.end() ? h->second.lesson_id : p.homework().lesson_id();
          break;
        }
        case v1::CorrectionTarget::kTermMark:
          r.target_key = "term/" + TermKey(p.target().term_mark());
          break;
        case v1::CorrectionTarget::kExamMark:
          r.target_key = ExamKey(p.target().exam_mark());
          break;
        default:
          return Corrupt(seq, "correction without a target");
      }
      deps.push_back(r.original_seq);
      if (!r.lesson_id.empty()) {
        const Lesson* l = school->FindLesson(r.lesson_id);
        if (l != nullptr) deps.push_back(l->scheduled_seq);
      }
      r.body = std::make_shared<const v1::CorrectionRequested>(p);
      TouchTarget(*school, p);
      // Within the policy's correction grace the author's own correction takes effect at once.
      bool grace = false;
      const EventInfo* original = Event(r.original_seq);
      if (school->policy.correction_grace_minutes > 0 && original != nullptr &&
          ActorOf(*original) == body.actor_id() &&
          at_us - original->recorded_at_us <=
              int64_t{school->policy.correction_grace_minutes} * kMicrosPerMinute) {
        grace = true;
      }
      auto [rit, ok] = school->requests.try_emplace(r.id, r);
      if (!ok) {
        // R-SEC-4: the re-entry of an invalidated request replaces it (pending again).
        if (body.reenters_event_id().empty()) return Corrupt(seq, "request id reused");
        rit->second = std::move(r);
      }
      if (grace) {
        rit->second.status = RequestStatus::kApproved;
        rit->second.took_effect_by_grace = true;
        rit->second.decided_seq = seq;
        return ApplyCorrectionEffect(*school, rit->second, p, seq, seq);
      }
      break;
    }
    case B::kCorrectionApproved:
    case B::kCorrectionRejected:
    case B::kCorrectionWithdrawn: {
      const std::string& id =
          body.has_correction_approved()   ? body.correction_approved().request_id()
          : body.has_correction_rejected() ? body.correction_rejected().request_id()
                                           : body.correction_withdrawn().request_id();
      auto it = school->requests.find(id);
      if (it == school->requests.end()) return Corrupt(seq, "unknown request " + id);
      CorrectionRequest& r = it->second;
      deps.push_back(r.seq);
      r.decided_seq = seq;
      r.decided_by = body.actor_id();
      if (body.has_correction_rejected() || body.has_correction_withdrawn()) {
        r.status =
            body.has_correction_rejected() ? RequestStatus::kRejected : RequestStatus::kWithdrawn;
        // R-COR-3: the decision belongs to the cell's history like the request, though the cell
        // shows the same value as before.
        if (r.body != nullptr) TouchTarget(*school, *r.body);
      } else {
        r.status = RequestStatus::kApproved;
        if (r.body == nullptr) return Corrupt(seq, "request " + id + " has no proposal");
        TouchTarget(*school, *r.body);
        return ApplyCorrectionEffect(*school, r, *r.body, r.seq, seq);
      }
      break;
    }
    case B::kFinalMarkCorrectionOrdered: {
      const auto& p = body.final_mark_correction_ordered();
      std::string key = TermKey(p.target());
      AttestationMark& m = school->attestation[key];
      deps.push_back(SequenceOf(p.original_event_id()));
      PushVersion(m, seq, seq, false, AttestationOf(p.new_mark()));
      TouchAttestation(key);
      break;
    }
    case B::kSubstitutionAssigned: {
      Substitution s = SubstitutionOf(body.substitution_assigned(), seq);
      for (const auto& lid : s.lesson_ids) {
        auto l = school->lessons.find(lid);
        if (l == school->lessons.end()) return Corrupt(seq, "unknown lesson " + lid);
        l->second.substitution_ids.push_back(s.id);
        TouchColumn(lid);
        deps.push_back(l->second.scheduled_seq);
      }
      school->substitutions[s.id] = std::move(s);
      break;
    }
    case B::kSubstitutionCancelled: {
      auto it = school->substitutions.find(body.substitution_cancelled().substitution_id());
      if (it == school->substitutions.end()) return Corrupt(seq, "unknown substitution");
      it->second.cancelled = true;
      deps.push_back(it->second.seq);
      for (const auto& lid : it->second.lesson_ids) TouchColumn(lid);
      break;
    }
    case B::kCredentialCompromiseReported: {
      const auto& p = body.credential_compromise_reported();
      CompromiseReport r;
      r.id = p.report_id();
      r.user_id = p.user_id();
      r.credential_ids.assign(p.credential_ids().begin(), p.credential_ids().end());
      r.discovered_at_us = p.discovered_at_us();
      r.reported_at_us = p.reported_at_us() != 0 ? p.reported_at_us() : at_us;
      // R-SEC-1: reported within one hour of the discovery, else flagged.
      r.late = r.reported_at_us - r.discovered_at_us > 60 * kMicrosPerMinute;
      r.seq = seq;
      school->reports[r.id] = std::move(r);
      break;
    }
    case B::kCredentialCompromiseActRecorded: {
      const auto& p = body.credential_compromise_act_recorded();
      Act a;
      a.id = p.act_id();
      a.number = p.act_number();
      a.affected_user_id = p.affected_user_id();
      a.credential_ids.assign(p.affected_credential_ids().begin(),
                              p.affected_credential_ids().end());
      a.invalid_from_us = p.invalid_from_us();
      a.seq = seq;
      a.invalidated = PreviewAct(p);
      for (const auto& inv : a.invalidated) invalid_.emplace(inv.seq, inv);
      for (const auto& cid : a.credential_ids) {
        auto c = credentials_.find(cid);
        if (c != credentials_.end()) c->second.revoked = true;  // R-SEC-2: at once
      }
      for (auto& inv : a.invalidated) inv.act_id = a.id;
      for (const auto& inv : a.invalidated) {
        invalid_[inv.seq].act_id = a.id;
        TouchInvalidated(*school, inv.seq);
      }
      school->acts[a.id] = std::move(a);
      break;
    }
    case B::kDiaryAcknowledged: {
      const auto& p = body.diary_acknowledged();
      DiaryAck ack;
      ack.guardian_id = p.guardian_id();
      ack.student_id = p.student_id();
      ack.week_start = DayOr(p.week_start(), kNoDay);
      ack.as_of_sequence = p.as_of_sequence();
      ack.channel = p.channel();
      ack.seq = seq;
      school->acks_by_student_week[AckKey(ack.student_id, ack.week_start)].push_back(
          school->acks.size());
      school->acks.push_back(std::move(ack));
      break;
    }
    case B::PAYLOAD_NOT_SET:
      return Corrupt(seq, "no payload");
  }
  if (!body.substitution_id().empty()) {
    auto s = school->substitutions.find(body.substitution_id());
    if (s != school->substitutions.end()) deps.push_back(s->second.seq);
  }
  return Status::Ok();
}

Lesson ScheduledLesson(const v1::LessonScheduled& p, uint64_t seq) {
  Lesson l;
  l.id = p.lesson_id();
  l.class_id = p.class_id();
  l.subgroup_id = p.subgroup_id();
  l.subject_id = p.subject_id();
  l.teacher_id = p.teacher_id();
  l.individual_student_id = p.individual_student_id();
  l.room = p.room();
  l.planned_topic = p.planned_topic();
  l.date = DayOr(p.date(), kNoDay);
  l.period = p.period();
  l.scheduled_seq = seq;
  return l;
}

void MoveLesson(Lesson& lesson, const v1::LessonMoved& p) {
  lesson.date = DayOr(p.new_date(), lesson.date);
  if (p.new_period() != 0) lesson.period = p.new_period();
  if (!p.new_room().empty()) lesson.room = p.new_room();
}

Substitution SubstitutionOf(const v1::SubstitutionAssigned& p, uint64_t seq) {
  Substitution s;
  s.id = p.substitution_id();
  s.absent_teacher_id = p.absent_teacher_id();
  s.substitute_teacher_id = p.substitute_teacher_id();
  s.lesson_ids.assign(p.lesson_ids().begin(), p.lesson_ids().end());
  s.seq = seq;
  return s;
}

MarkValue MarkValueOf(const v1::MarkRecorded& m) { return MarkOf(m); }
AttendanceValue AttendanceValueOf(const v1::AttendanceRecorded& a) { return AttendanceOf(a); }
LessonRecordValue LessonRecordValueOf(const v1::LessonConducted& c) { return LessonRecordOf(c); }
HomeworkValue HomeworkValueOf(const v1::HomeworkAssigned& h) { return HomeworkOf(h); }

uint64_t SchoolState::PositionAt(int64_t unix_us) const {
  auto it = std::upper_bound(events_.begin(), events_.end(), unix_us,
                             [](int64_t t, const EventInfo& e) { return t < e.recorded_at_us; });
  return static_cast<uint64_t>(it - events_.begin());
}

Status SchoolState::ApplyCorrectionEffect(School& school, CorrectionRequest& request,
                                          const v1::CorrectionRequested& p, uint64_t value_seq,
                                          uint64_t effective_seq) {
  (void)request;
  // A late entry (R-MARK-3) creates its mark: listed under its student and subject here (the
  // free ApplyCorrection, shared with the as-of page, does not intern ids).
  const bool is_late = p.target().target_case() == v1::CorrectionTarget::kMarkId && [&] {
    auto it = school.marks.find(p.target().mark_id());
    return it == school.marks.end() || it->second.versions.empty();
  }();
  EJ_RETURN_IF_ERROR(ApplyCorrection(school, p, value_seq, effective_seq));
  if (is_late) {
    auto m = school.marks.find(p.target().mark_id());
    auto lesson = school.lessons.find(m->second.lesson_id);
    const uint32_t student = Intern(m->second.student_id);
    lesson->second.mark_students.push_back(student);  // ApplyCorrection appended to its marks
    IndexMark(school, lesson->second, student, m->second);
  }
  return Status::Ok();
}

Status ApplyCorrection(School& school, const v1::CorrectionRequested& p, uint64_t value_seq,
                       uint64_t effective_seq) {
  const bool removed = p.proposal_case() == v1::CorrectionRequested::kRemove;
  const auto& target = p.target();
  switch (target.target_case()) {
    case v1::CorrectionTarget::kMarkId: {
      auto [slot, inserted] = school.marks.try_emplace(target.mark_id());
      Mark& m = slot->second;
      if (m.versions.empty()) {  // a late entry (R-MARK-3): the mark is new
        auto lesson = school.lessons.find(p.mark().lesson_id());
        if (lesson == school.lessons.end()) {
          if (inserted) school.marks.erase(slot);  // nothing of it stays
          return Corrupt(value_seq, "unknown lesson");
        }
        m.mark_id = slot->first;
        m.lesson_id = lesson->second.id;
        m.student_id = school.KeepId(p.mark().student_id());
        lesson->second.marks.push_back(&m);
      }
      PushVersion(m, value_seq, effective_seq, removed, removed ? MarkValue{} : MarkOf(p.mark()));
      break;
    }
    case v1::CorrectionTarget::kAttendance: {
      const auto& cell = target.attendance();
      Attendance& a = school.attendance[AttendanceKey(cell.lesson_id(), cell.student_id())];
      if (a.versions.empty()) {
        a.lesson_id = cell.lesson_id();
        a.student_id = cell.student_id();
        auto lesson = school.lessons.find(a.lesson_id);
        if (lesson == school.lessons.end()) return Corrupt(value_seq, "unknown lesson");
        lesson->second.attendance_students.push_back(a.student_id);
      }
      PushVersion(a, value_seq, effective_seq, removed,
                  removed ? AttendanceValue{} : AttendanceOf(p.attendance()));
      break;
    }
    case v1::CorrectionTarget::kLessonId: {
      auto lesson = school.lessons.find(target.lesson_id());
      if (lesson == school.lessons.end()) return Corrupt(value_seq, "unknown lesson");
      PushVersion(lesson->second.record, value_seq, effective_seq, removed,
                  removed ? LessonRecordValue{} : LessonRecordOf(p.lesson()));
      break;
    }
    case v1::CorrectionTarget::kHomeworkId: {
      Homework& h = school.homework[target.homework_id()];
      if (h.versions.empty()) {
        h.homework_id = target.homework_id();
        h.lesson_id = p.homework().lesson_id();
        auto lesson = school.lessons.find(h.lesson_id);
        if (lesson == school.lessons.end()) return Corrupt(value_seq, "unknown lesson");
        lesson->second.homework.push_back(&h);
      }
      PushVersion(h, value_seq, effective_seq, removed,
                  removed ? HomeworkValue{} : HomeworkOf(p.homework()));
      break;
    }
    case v1::CorrectionTarget::kTermMark: {
      AttestationMark& m = school.attestation[TermKey(target.term_mark())];
      PushVersion(m, value_seq, effective_seq, removed,
                  removed ? AttestationValue{} : AttestationOf(p.term_mark().mark()));
      break;
    }
    case v1::CorrectionTarget::kExamMark: {
      AttestationMark& m = school.attestation[ExamKey(target.exam_mark())];
      PushVersion(m, value_seq, effective_seq, removed,
                  removed ? AttestationValue{} : AttestationOf(p.exam_mark()));
      break;
    }
    default:
      return Corrupt(value_seq, "correction without a target");
  }
  return Status::Ok();
}

void SchoolState::TouchInvalidated(const School& school, uint64_t seq) {
  const EventInfo& e = events_[seq - 1];
  if (e.lesson != 0 && e.student != 0) {
    touched_.cells.emplace_back(e.lesson, e.student);
  } else if (e.lesson != 0) {
    touched_.lessons.push_back(e.lesson);
  }
  if (e.attestation != 0) touched_.attestation.push_back(e.attestation);
  if (e.payload == v1::EventBody::kAbsenceReasonSet) {
    for (const auto& [key, a] : school.attendance) {
      for (const auto& [rseq, reason] : a.reasons) {
        if (rseq == seq) touched_.cells.emplace_back(Intern(a.lesson_id), Intern(a.student_id));
      }
    }
  }
}

std::vector<Invalidation> SchoolState::PreviewAct(
    const v1::CredentialCompromiseActRecorded& act) const {
  // R-SEC-3: every event of the affected credentials at or after the moment ...
  std::unordered_set<uint64_t> signed_after;
  uint64_t first = 0;
  for (const auto& cid : act.affected_credential_ids()) {
    if (FindCredential(cid) == nullptr) continue;
    for (uint64_t seq : CredentialEvents(cid)) {
      if (events_[seq - 1].recorded_at_us >= act.invalid_from_us()) {
        signed_after.insert(seq);
        if (first == 0 || seq < first) first = seq;
      }
    }
  }
  std::vector<Invalidation> out;
  if (first == 0) return out;
  // ... and, transitively, whatever rested on an invalid event (dependencies always point back).
  std::unordered_set<uint64_t> invalid_now;
  auto invalid = [&](uint64_t s) { return invalid_now.contains(s) || invalid_.contains(s); };
  for (uint64_t seq = first; seq <= events_.size(); ++seq) {
    if (invalid_.contains(seq)) continue;  // an earlier Act
    if (signed_after.contains(seq)) {
      invalid_now.insert(seq);
      out.push_back(Invalidation{seq, act.act_id(), 0});
      continue;
    }
    const EventInfo& e = events_[seq - 1];
    for (uint32_t i = 0; i < e.deps_count; ++i) {
      uint64_t d = deps_[e.deps_begin + i];
      if (invalid(d)) {
        invalid_now.insert(seq);
        out.push_back(Invalidation{seq, act.act_id(), d});
        break;
      }
    }
  }
  return out;
}

}  // namespace ejournal::school
