#include "projections/rule_book.h"

#include <algorithm>
#include <initializer_list>
#include <string>

#include "projections/rights.h"

namespace ejournal::school {
namespace {

using B = v1::EventBody;

Status Deny(std::string rule, std::string message) {
  return PermissionDenied(std::move(message), std::move(rule));
}
Status Refuse(std::string rule, std::string message) {
  return FailedPrecondition(std::move(message), std::move(rule));
}
Status Malformed(std::string rule, std::string message) {
  return InvalidArgument(std::move(message), std::move(rule));
}

bool HasAny(const User& user, std::initializer_list<v1::Role> roles) {
  for (v1::Role r : roles) {
    if (user.Has(r)) return true;
  }
  return false;
}

bool IsStaff(const User& user) {
  return (user.roles & ~(RoleBit(v1::ROLE_PARENT) | RoleBit(v1::ROLE_STUDENT))) != 0;
}

std::string EndOfDayText(const School& school, int64_t us) {
  return DayString(school.zone.LocalDay(us)) + " " +
         std::to_string(school.zone.LocalMinutes(us) / 60) + ":" +
         (school.zone.LocalMinutes(us) % 60 < 10 ? "0" : "") +
         std::to_string(school.zone.LocalMinutes(us) % 60) + " (" + school.zone.name() + ")";
}

// R-MARK-1: a two-part mark ("5/4") is for a dictation with a grammar task, a creative work or an
// essay (common.proto MarkValue), never for another work: each part would count as a mark.
bool TakesTwoParts(v1::WorkType w) {
  return w == v1::WORK_TYPE_DICTATION_WITH_GRAMMAR_TASK || w == v1::WORK_TYPE_CREATIVE_WORK ||
         w == v1::WORK_TYPE_ESSAY;
}

Status CheckMarkValue(const v1::MarkValue& value, v1::WorkType work) {
  if (value.value() < 1 || value.value() > 5) {
    return Malformed("R-MARK-1", "a mark is 1 to 5, not " + std::to_string(value.value()));
  }
  if (value.second_value() < 0 || value.second_value() > 5) {
    return Malformed("R-MARK-1", "the second part of a two-part mark is 1 to 5 (0: none), not " +
                                     std::to_string(value.second_value()));
  }
  if (value.second_value() != 0 && !TakesTwoParts(work)) {
    return Malformed("R-MARK-1",
                     "двойная отметка (например, 5/4) ставится только за диктант с грамматическим "
                     "заданием, творческую работу или сочинение");
  }
  return Status::Ok();
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

bool IsSchoolDay(const School& school, const SchoolClass& cls, Day day) {
  auto year = school.years.find(cls.year_id);
  if (year == school.years.end()) return WeekdayOf(day) <= 6;
  for (const auto& h : year->second.holidays) {
    if (day < h.first || day > h.last) continue;
    bool applies = h.grades.empty() && h.class_ids.empty();
    applies |= std::find(h.grades.begin(), h.grades.end(), cls.grade) != h.grades.end();
    applies |= std::find(h.class_ids.begin(), h.class_ids.end(), cls.id) != h.class_ids.end();
    if (applies && h.kind != v1::HOLIDAY_KIND_ACTIVATED_DAY) return false;
  }
  return WeekdayOf(day) <= 6;  // six-day week unless the scheme says otherwise
}

// Who may write records of `lesson` (R-ACC-2, R-SUB-1): its teacher, or a substitute naming the
// substitution in force.
Status CheckLessonWriter(const School& school, const Lesson& lesson, const B& body,
                         const User& actor) {
  if (!IsTeacher(actor)) {
    return Deny("R-ACC-2", "only teachers write lesson records; " + actor.id + " is not a teacher");
  }
  if (!body.substitution_id().empty()) {
    auto it = school.substitutions.find(body.substitution_id());
    if (it == school.substitutions.end() || it->second.cancelled ||
        std::find(it->second.lesson_ids.begin(), it->second.lesson_ids.end(), lesson.id) ==
            it->second.lesson_ids.end() ||
        it->second.substitute_teacher_id != actor.id) {
      return Deny("R-SUB-1", "substitution " + body.substitution_id() + " does not name " +
                                 actor.id + " for lesson " + lesson.id +
                                 ": ask the methodist to record the substitution first");
    }
    return Status::Ok();
  }
  if (lesson.teacher_id == actor.id) return Status::Ok();
  if (school.SubstitutionFor(lesson, actor.id) != nullptr) {
    return Deny("R-SUB-1", "lesson " + lesson.id +
                               " is someone else's: write it as the substitute "
                               "(set substitution_id to the substitution that names you)");
  }
  return Deny("R-ACC-2", "lesson " + lesson.id +
                             " is taught by another teacher and no "
                             "substitution names " +
                             actor.id);
}

}  // namespace

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
          if (IsSchoolDay(school, cls->second, day)) ++n;
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

namespace {

// The checks of one event, with the state and the actor resolved.
class Checker {
 public:
  Checker(const SchoolState& state, const B& body, int64_t at_us)
      : state_(state), body_(body), at_us_(at_us) {}

  Status Run();

 private:
  Status CheckNodeEvent();
  Status CheckReentry();
  Status CheckSetUp();
  Status CheckJournal();
  Status CheckControl();

  // Resolves a lesson of this school that records may be written on (R-LES-1).
  Result<const Lesson*> WritableLesson(std::string_view lesson_id);
  Status CheckBusinessDate(const Lesson& lesson);
  Status CheckStudentInLesson(const Lesson& lesson, std::string_view student_id);
  Status CheckMark(const v1::MarkRecorded& mark, const Lesson& lesson, bool late_entry);
  Status CheckAttendance(const v1::AttendanceRecorded& a, const Lesson& lesson);
  Status CheckTermMark(const v1::TermMarkRecorded& t);
  Status CheckCorrectionRequest(const v1::CorrectionRequested& r);
  Status CheckDecision(std::string_view request_id, bool approve);
  Status CheckCredentialIssued(const v1::CredentialIssued& c);
  Status CheckCredentialRevoked(const v1::CredentialRevoked& c);
  Status CheckAct(const v1::CredentialCompromiseActRecorded& act);
  Status CheckAck(const v1::DiaryAcknowledged& ack);

  bool Is(std::initializer_list<v1::Role> roles) const { return actor_ && HasAny(*actor_, roles); }
  Status Needs(std::initializer_list<v1::Role> roles, const char* what) const {
    if (Is(roles)) return Status::Ok();
    return Deny("R-ACC-2", std::string(what) + " is not among the rights of " + body_.actor_id());
  }
  bool ClassTeacherOf(std::string_view class_id) const {
    return actor_ != nullptr && school::ClassTeacherOf(*school_, *actor_, class_id);
  }
  // The actor teaches the page on `day` (projections/rights.h).
  bool TeachesOn(std::string_view class_id, std::string_view subgroup_id,
                 std::string_view subject_id, Day day) const {
    return actor_ != nullptr &&
           TeachesPage(*school_, *actor_, class_id, subgroup_id, subject_id, DayRange{day, day});
  }
  // The student's class today (or on `day`), or "".
  std::string ClassOf(std::string_view student_id, Day day) const {
    auto s = school_->students.find(std::string(student_id));
    if (s == school_->students.end()) return {};
    const Membership* m = s->second.On(day);
    if (m == nullptr && !s->second.memberships.empty()) m = &s->second.memberships.back();
    return m == nullptr ? std::string() : m->class_id;
  }
  Status UserExists(std::string_view user_id, const char* what) const {
    if (school_->FindUser(user_id) != nullptr) return Status::Ok();
    return Refuse("R-ACC-2", std::string(what) + " " + std::string(user_id) +
                                 " is not a user of school " + school_->id);
  }

  const SchoolState& state_;
  const B& body_;
  const int64_t at_us_;
  const School* school_ = nullptr;
  const User* actor_ = nullptr;
  bool reentry_ = false;
  Day today_ = kNoDay;
};

Status Checker::Run() {
  // R-SEC-3: a credential that an invalidated event issued signs nothing.
  if (const Credential* cred = state_.FindCredential(body_.credential_id());
      cred != nullptr && cred->issued_seq != 0 && state_.IsInvalid(cred->issued_seq)) {
    return Deny("R-SEC-3", "credential " + body_.credential_id() +
                               " was issued by an event a compromise Act invalidated");
  }
  school_ = state_.FindSchool(body_.school_id());
  if (body_.actor_id() == kNodeActor) return CheckNodeEvent();
  if (school_ == nullptr) {
    return Refuse("R-ACC-2", "school " + body_.school_id() + " is not registered on this ledger");
  }
  today_ = school_->zone.LocalDay(at_us_);
  actor_ = school_->FindUser(body_.actor_id());
  if (actor_ == nullptr) {
    return Deny("R-ACC-2", body_.actor_id() + " is not a user of school " + school_->id);
  }
  if (!actor_->active) {
    return Deny("R-ACC-1", "user " + actor_->id + " is deactivated");
  }
  if (!body_.reenters_event_id().empty()) EJ_RETURN_IF_ERROR(CheckReentry());
  const int payload = body_.payload_case();
  if (payload < 200) return CheckSetUp();
  if (payload < 300) return CheckJournal();
  return CheckControl();
}

// The node's own events: bootstrap (a school and its first administrator), and credentials.
Status Checker::CheckNodeEvent() {
  switch (body_.payload_case()) {
    case B::kSchoolRegistered: {
      if (school_ != nullptr) {
        return Malformed("R-ACC-2", "school " + body_.school_id() + " is already registered");
      }
      auto zone = SchoolZone::Find(body_.school_registered().time_zone());
      if (!zone) return zone.error();
      if (body_.school_registered().name().empty()) {
        return Malformed("R-TIME-1", "a school needs a name");
      }
      return Status::Ok();
    }
    case B::kUserRegistered: {
      if (school_ == nullptr) return Refuse("R-ACC-2", "register the school first");
      const auto& u = body_.user_registered();
      // Bootstrap only: the node registers the school's first administrator; the admin does
      // the rest.
      for (const auto& [id, user] : school_->users) {
        if (user.Has(v1::ROLE_ADMIN)) {
          return Deny("R-ACC-2", "school " + school_->id +
                                     " has an administrator: users are registered by them");
        }
      }
      if (u.roles_size() != 1 || u.roles(0) != v1::ROLE_ADMIN) {
        return Deny("R-ACC-2", "the node registers only the school's first administrator");
      }
      if (school_->users.contains(u.user_id())) {
        return Malformed("R-ACC-4", "user " + u.user_id() + " exists");
      }
      return Status::Ok();
    }
    case B::kCredentialIssued:
      return CheckCredentialIssued(body_.credential_issued());
    case B::kCredentialRevoked:
      return CheckCredentialRevoked(body_.credential_revoked());
    default:
      return Deny("R-ACC-2", "the node key writes only bootstrap and credential events");
  }
}

// R-SEC-4: a re-entry repeats an invalidated record of the same author; time windows do not apply.
Status Checker::CheckReentry() {
  uint64_t original = state_.SequenceOf(body_.reenters_event_id());
  if (original == 0) {
    return Refuse("R-SEC-4", "event " + body_.reenters_event_id() + " is not in the ledger");
  }
  if (!state_.IsInvalid(original)) {
    return Refuse("R-SEC-4", "event " + body_.reenters_event_id() +
                                 " was not invalidated: only invalidated records are re-entered");
  }
  if (state_.ReentryOf(original) != 0) {
    return Refuse("R-SEC-4", "event " + body_.reenters_event_id() + " was already re-entered");
  }
  const EventInfo* info = state_.Event(original);
  // R-ACC-6: a user id is a user of one school; the same id in another school is someone else.
  if (state_.SchoolOf(*info) != school_->id) {
    return Deny("R-ACC-6", "запись " + body_.reenters_event_id() + " сделана в другой школе");
  }
  if (state_.ActorOf(*info) != body_.actor_id()) {
    return Deny("R-SEC-4",
                "a record is re-entered by its legitimate author, " + state_.ActorOf(*info));
  }
  if (info->payload != static_cast<uint32_t>(body_.payload_case())) {
    return Malformed("R-SEC-4", "a re-entry has the type of the record it replaces");
  }
  // The same cell (lesson × student) as the record it replaces (event.proto, reenters_event_id).
  const std::string* lesson = nullptr;
  const std::string* student = nullptr;
  if (body_.has_mark_recorded()) {
    lesson = &body_.mark_recorded().lesson_id();
    student = &body_.mark_recorded().student_id();
  } else if (body_.has_attendance_recorded()) {
    lesson = &body_.attendance_recorded().lesson_id();
    student = &body_.attendance_recorded().student_id();
  }
  if (lesson != nullptr && info->lesson != 0 && info->student != 0 &&
      (*lesson != state_.Name(info->lesson) || *student != state_.Name(info->student))) {
    return Malformed("R-SEC-4", "a re-entry concerns the same cell as the record it replaces, " +
                                    state_.Name(info->lesson) + " × " + state_.Name(info->student));
  }
  reentry_ = true;
  return Status::Ok();
}

Status Checker::CheckCredentialIssued(const v1::CredentialIssued& c) {
  const bool node = body_.actor_id() == kNodeActor;
  if (!node) {
    // R-ACC-2: an administrator issues long-lived keys to their own school's users; session
    // and node credentials come only from the node.
    if (!Is({v1::ROLE_ADMIN})) return Deny("R-ACC-2", "only the administrator issues keys");
    if (c.kind() != v1::CREDENTIAL_KIND_LONG_LIVED) {
      return Deny("R-ACC-2", "an administrator issues only long-lived credentials");
    }
  }
  if (c.kind() == v1::CREDENTIAL_KIND_NODE) {
    if (!node) return Deny("R-ACC-2", "only the node issues node credentials");
    if (c.user_id() != kNodeActor) {
      return Malformed("R-ACC-4", "a node credential belongs to the node");
    }
    return Status::Ok();
  }
  if (c.user_id() == kNodeActor) {
    return Deny("R-ACC-4", "only a node credential belongs to the node");
  }
  if (school_ == nullptr) return Refuse("R-ACC-2", "school " + body_.school_id() + " is unknown");
  const User* holder = school_->FindUser(c.user_id());
  if (holder == nullptr) {
    return Refuse("R-ACC-4", "user " + c.user_id() + " is not a user of school " + school_->id);
  }
  if (!holder->active) return Refuse("R-ACC-1", "user " + c.user_id() + " is deactivated");
  return Status::Ok();
}

Status Checker::CheckCredentialRevoked(const v1::CredentialRevoked& c) {
  const Credential* cred = state_.FindCredential(c.credential_id());
  const bool node = body_.actor_id() == kNodeActor;
  if (cred == nullptr) {
    // The node credential itself is not folded from an event.
    if (node) return Status::Ok();
    return Refuse("R-ACC-1", "credential " + c.credential_id() + " is unknown");
  }
  if (node) return Status::Ok();
  if (cred->kind == v1::CREDENTIAL_KIND_NODE || cred->user_id == kNodeActor) {
    return Deny("R-ACC-2", "only the node revokes a node credential");
  }
  // R-ACC-6: only a credential of this school; its user id may equal a user id of another.
  if (cred->school_id != school_->id) {
    return Deny("R-ACC-6", "ключ " + c.credential_id() + " выдан в другой школе");
  }
  if (cred->user_id == body_.actor_id()) {
    if (c.reason() == v1::REVOCATION_REASON_LOGOUT ||
        c.reason() == v1::REVOCATION_REASON_COMPROMISE) {
      return Status::Ok();
    }
    return Deny("R-ACC-2", "a user revokes their own credential at logout or on compromise");
  }
  if (Is({v1::ROLE_ADMIN, v1::ROLE_DIRECTOR})) return Status::Ok();
  return Deny("R-ACC-2", "credential " + c.credential_id() + " is not yours to revoke");
}

Status Checker::CheckSetUp() {
  const bool admin = Is({v1::ROLE_ADMIN});
  switch (body_.payload_case()) {
    case B::kSchoolRegistered: {
      EJ_RETURN_IF_ERROR(Needs({v1::ROLE_ADMIN}, "registering a school"));
      auto zone = SchoolZone::Find(body_.school_registered().time_zone());
      if (!zone) return zone.error();
      return Status::Ok();
    }
    case B::kAcademicYearDefined: {
      EJ_RETURN_IF_ERROR(Needs({v1::ROLE_ADMIN}, "defining the academic year"));
      const auto& y = body_.academic_year_defined();
      EJ_ASSIGN_OR_RETURN(Day first, DayOf(y.dates().first_day()));
      EJ_ASSIGN_OR_RETURN(Day last, DayOf(y.dates().last_day()));
      if (last < first) return Malformed("R-TERM-1", "the year ends before it starts");
      for (const auto& s : y.term_schemes()) {
        for (const auto& t : s.terms()) {
          EJ_ASSIGN_OR_RETURN(Day tf, DayOf(t.dates().first_day()));
          EJ_ASSIGN_OR_RETURN(Day tl, DayOf(t.dates().last_day()));
          if (tf < first || tl > last || tl < tf) {
            return Malformed("R-TERM-1",
                             "term " + std::to_string(t.number()) + " is not inside the year");
          }
        }
      }
      if (y.has_adaptation_period()) {
        EJ_ASSIGN_OR_RETURN(Day af, DayOf(y.adaptation_period().first_day()));
        EJ_ASSIGN_OR_RETURN(Day al, DayOf(y.adaptation_period().last_day()));
        if (al < af) return Malformed("R-MARK-4", "the adaptation period ends before it starts");
      }
      return Status::Ok();
    }
    case B::kHolidayDeclared:
      EJ_RETURN_IF_ERROR(Needs({v1::ROLE_ADMIN}, "declaring holidays"));
      if (!school_->years.contains(body_.holiday_declared().academic_year_id())) {
        return Refuse("R-LES-1", "no academic year " + body_.holiday_declared().academic_year_id());
      }
      return Status::Ok();
    case B::kSubjectDefined:
      return Needs({v1::ROLE_ADMIN}, "defining subjects");
    case B::kClassCreated: {
      EJ_RETURN_IF_ERROR(Needs({v1::ROLE_ADMIN}, "creating classes"));
      const auto& c = body_.class_created();
      if (c.grade() < 1 || c.grade() > 11) {
        return Malformed("R-MARK-1",
                         "a class is in grade 1 to 11, not " + std::to_string(c.grade()));
      }
      if (!school_->years.contains(c.academic_year_id())) {
        return Refuse("R-LES-1", "no academic year " + c.academic_year_id());
      }
      if (school_->classes.contains(c.class_id())) {
        return AlreadyExists("class " + c.class_id() + " exists");
      }
      if (!c.class_teacher_id().empty())
        EJ_RETURN_IF_ERROR(UserExists(c.class_teacher_id(), "class teacher"));
      return Status::Ok();
    }
    case B::kClassTeacherAssigned: {
      EJ_RETURN_IF_ERROR(Needs({v1::ROLE_ADMIN}, "assigning class teachers"));
      const auto& c = body_.class_teacher_assigned();
      if (!school_->classes.contains(c.class_id()))
        return Refuse("R-ACC-2", "no class " + c.class_id());
      const User* u = school_->FindUser(c.class_teacher_id());
      if (u == nullptr || !u->Has(v1::ROLE_CLASS_TEACHER)) {
        return Refuse("R-ACC-2", c.class_teacher_id() + " does not hold the class_teacher role");
      }
      return Status::Ok();
    }
    case B::kSubgroupDefined: {
      EJ_RETURN_IF_ERROR(Needs({v1::ROLE_ADMIN}, "defining subgroups"));
      const auto& g = body_.subgroup_defined();
      if (!school_->classes.contains(g.class_id()))
        return Refuse("R-LES-1", "no class " + g.class_id());
      if (!g.subject_id().empty() && !school_->subjects.contains(g.subject_id())) {
        return Refuse("R-LES-1", "no subject " + g.subject_id());
      }
      Day day = body_.subgroup_defined().has_effective_from()
                    ? DayOf(g.effective_from()).value_or(today_)
                    : today_;
      for (const auto& s : g.student_ids()) {
        if (ClassOf(s, day) != g.class_id()) {
          return Refuse("R-LES-1", "student " + s + " is not in class " + g.class_id());
        }
      }
      return Status::Ok();
    }
    case B::kUserRegistered: {
      EJ_RETURN_IF_ERROR(Needs({v1::ROLE_ADMIN}, "registering users"));
      const auto& u = body_.user_registered();
      if (u.user_id() == kNodeActor) return Malformed("R-ACC-4", "\"node\" is reserved");
      if (school_->users.contains(u.user_id()))
        return AlreadyExists("user " + u.user_id() + " exists");
      if (u.roles().empty()) return Malformed("R-ACC-2", "a user needs at least one role");
      if (!u.login_name().empty() && school_->logins.contains(LoginKey(u.login_name()))) {
        return AlreadyExists("login " + u.login_name() +
                             " is taken (R-ACC-4: logins are personal)");
      }
      return Status::Ok();
    }
    case B::kUserRolesChanged:
      EJ_RETURN_IF_ERROR(Needs({v1::ROLE_ADMIN}, "changing roles"));
      return UserExists(body_.user_roles_changed().user_id(), "user");
    case B::kUserProfileChanged: {
      const auto& p = body_.user_profile_changed();
      EJ_RETURN_IF_ERROR(UserExists(p.user_id(), "user"));
      // R-ACC-2 before R-ACC-4: who may not change the profile learns nothing about which logins
      // exist. A class teacher keeps the profiles of their class's students and parents.
      bool allowed = admin;
      const User* u = school_->FindUser(p.user_id());
      if (!allowed && u->Has(v1::ROLE_STUDENT)) {
        allowed = ClassTeacherOf(ClassOf(p.user_id(), today_));
      }
      if (!allowed && u->Has(v1::ROLE_PARENT)) {
        for (const auto& [sid, st] : school_->students) {
          if (st.guardians.contains(p.user_id()) && ClassTeacherOf(ClassOf(sid, today_))) {
            allowed = true;
            break;
          }
        }
      }
      if (!allowed) {
        return Deny("R-ACC-2", "changing the profile of " + p.user_id() +
                                   " is not among the rights of " + body_.actor_id());
      }
      if (!p.login_name().empty()) {
        auto it = school_->logins.find(LoginKey(p.login_name()));
        if (it != school_->logins.end() && it->second != p.user_id()) {
          return AlreadyExists("login " + p.login_name() + " is taken (R-ACC-4)");
        }
      }
      return Status::Ok();
    }
    case B::kUserDeactivated:
      EJ_RETURN_IF_ERROR(Needs({v1::ROLE_ADMIN}, "deactivating users"));
      return UserExists(body_.user_deactivated().user_id(), "user");
    case B::kPasswordChanged:
      if (body_.password_changed().user_id() == body_.actor_id() || admin) {
        return UserExists(body_.password_changed().user_id(), "user");
      }
      return Deny("R-ACC-2", "a password is changed by its user or the administrator");
    case B::kCredentialIssued:
      return CheckCredentialIssued(body_.credential_issued());
    case B::kCredentialRevoked:
      return CheckCredentialRevoked(body_.credential_revoked());
    case B::kStudentEnrolled: {
      const auto& e = body_.student_enrolled();
      if (!admin && !ClassTeacherOf(e.class_id())) {
        return Deny("R-ACC-2", "students are enrolled by the administrator or their class teacher");
      }
      if (!school_->classes.contains(e.class_id()))
        return Refuse("R-LES-1", "no class " + e.class_id());
      const User* u = school_->FindUser(e.student_id());
      if (u == nullptr || !u->Has(v1::ROLE_STUDENT)) {
        return Refuse("R-ACC-3", e.student_id() + " is not a registered student");
      }
      EJ_ASSIGN_OR_RETURN(Day on, DayOf(e.enrolled_on()));
      (void)on;
      return Status::Ok();
    }
    case B::kStudentMoved: {
      EJ_RETURN_IF_ERROR(Needs({v1::ROLE_ADMIN}, "moving students"));
      const auto& m = body_.student_moved();
      if (!school_->students.contains(m.student_id()))
        return Refuse("R-LES-1", "no student " + m.student_id());
      if (!school_->classes.contains(m.to_class_id()))
        return Refuse("R-LES-1", "no class " + m.to_class_id());
      EJ_ASSIGN_OR_RETURN(Day on, DayOf(m.moved_on()));
      (void)on;
      return Status::Ok();
    }
    case B::kStudentLeft:
      EJ_RETURN_IF_ERROR(Needs({v1::ROLE_ADMIN}, "recording that a student left"));
      if (!school_->students.contains(body_.student_left().student_id())) {
        return Refuse("R-LES-1", "no student " + body_.student_left().student_id());
      }
      return Status::Ok();
    case B::kGuardianLinked:
    case B::kGuardianUnlinked: {
      const std::string& sid = body_.has_guardian_linked() ? body_.guardian_linked().student_id()
                                                           : body_.guardian_unlinked().student_id();
      const std::string& gid = body_.has_guardian_linked()
                                   ? body_.guardian_linked().guardian_id()
                                   : body_.guardian_unlinked().guardian_id();
      if (!admin && !Is({v1::ROLE_SECRETARY}) && !ClassTeacherOf(ClassOf(sid, today_))) {
        return Deny("R-ACC-2",
                    "guardians are linked by the administrator, the secretary or the "
                    "student's class teacher");
      }
      if (!school_->students.contains(sid)) return Refuse("R-ACC-3", "no student " + sid);
      const User* g = school_->FindUser(gid);
      if (g == nullptr || !g->Has(v1::ROLE_PARENT)) {
        return Refuse("R-ACC-3", gid + " is not a registered parent");
      }
      return Status::Ok();
    }
    case B::kTeachingLoadAssigned: {
      EJ_RETURN_IF_ERROR(Needs({v1::ROLE_ADMIN}, "assigning teaching load"));
      const auto& l = body_.teaching_load_assigned();
      const User* t = school_->FindUser(l.teacher_id());
      if (t == nullptr || !IsTeacher(*t))
        return Refuse("R-ACC-2", l.teacher_id() + " is not a teacher");
      if (!school_->classes.contains(l.class_id()))
        return Refuse("R-ACC-2", "no class " + l.class_id());
      if (!school_->subjects.contains(l.subject_id()))
        return Refuse("R-ACC-2", "no subject " + l.subject_id());
      if (!l.subgroup_id().empty() && !school_->subgroups.contains(l.subgroup_id())) {
        return Refuse("R-ACC-2", "no subgroup " + l.subgroup_id());
      }
      if (l.weekly_hours() < 0 || l.weekly_hours() > 40) {
        return Malformed("R-TERM-1", "weekly hours are 0 to 40");
      }
      return Status::Ok();
    }
    case B::kTeachingLoadRemoved:
      EJ_RETURN_IF_ERROR(Needs({v1::ROLE_ADMIN}, "removing teaching load"));
      if (!school_->loads.contains(body_.teaching_load_removed().load_id())) {
        return Refuse("R-ACC-2", "no load " + body_.teaching_load_removed().load_id());
      }
      return Status::Ok();
    case B::kPlannedTopicsSet: {
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
      return Deny("R-ACC-2",
                  "a plan is set by the teacher of the class-subject or the administrator");
    }
    case B::kBellScheduleSet: {
      EJ_RETURN_IF_ERROR(Needs({v1::ROLE_ADMIN, v1::ROLE_METHODIST}, "setting the bell schedule"));
      for (const auto& p : body_.bell_schedule_set().periods()) {
        if (p.start_minutes() < 0 || p.end_minutes() > 24 * 60 ||
            p.end_minutes() <= p.start_minutes()) {
          return Malformed("R-TIME-1",
                           "period " + std::to_string(p.number()) + " has no valid times");
        }
      }
      return Status::Ok();
    }
    case B::kTimetableSlotSet:
    case B::kTimetableSlotRemoved:
      return Needs({v1::ROLE_ADMIN, v1::ROLE_METHODIST}, "changing the timetable");
    case B::kLessonScheduled: {
      EJ_RETURN_IF_ERROR(Needs({v1::ROLE_ADMIN, v1::ROLE_METHODIST}, "scheduling lessons"));
      const auto& l = body_.lesson_scheduled();
      if (school_->lessons.contains(l.lesson_id()))
        return AlreadyExists("lesson " + l.lesson_id() + " exists");
      if (!school_->classes.contains(l.class_id()))
        return Refuse("R-LES-1", "no class " + l.class_id());
      if (!school_->subjects.contains(l.subject_id()))
        return Refuse("R-LES-1", "no subject " + l.subject_id());
      if (!l.subgroup_id().empty()) {
        auto g = school_->subgroups.find(l.subgroup_id());
        if (g == school_->subgroups.end() || g->second.class_id != l.class_id()) {
          return Refuse("R-LES-1",
                        "subgroup " + l.subgroup_id() + " is not a subgroup of " + l.class_id());
        }
      }
      const User* t = school_->FindUser(l.teacher_id());
      if (t == nullptr || !IsTeacher(*t)) {
        return Refuse("R-LES-1", "a lesson has a teacher; " + l.teacher_id() + " is not one");
      }
      EJ_ASSIGN_OR_RETURN(Day day, DayOf(l.date()));
      if (school_->YearOn(day) == nullptr) {
        return Refuse("R-LES-1",
                      "the lesson's date " + DayString(day) + " is outside every academic year");
      }
      if (l.period() < 0 || l.period() > 16) return Malformed("R-LES-1", "a period is 0 to 16");
      if (!l.individual_student_id().empty() &&
          ClassOf(l.individual_student_id(), day) != l.class_id()) {
        return Refuse("R-LES-2", "an individual lesson is for a student of the class");
      }
      return Status::Ok();
    }
    case B::kLessonMoved:
    case B::kLessonCancelled: {
      EJ_RETURN_IF_ERROR(Needs({v1::ROLE_METHODIST}, "moving or cancelling lessons"));
      const std::string& id = body_.has_lesson_moved() ? body_.lesson_moved().lesson_id()
                                                       : body_.lesson_cancelled().lesson_id();
      const Lesson* l = school_->FindLesson(id);
      if (l == nullptr) return Refuse("R-LES-1", "no lesson " + id);
      if (l->cancelled) return Refuse("R-LES-1", "lesson " + id + " is cancelled");
      if (l->record.Current(state_) != nullptr || !l->marks.empty() ||
          !l->attendance_students.empty()) {
        return Refuse("R-LES-1",
                      "lesson " + id + " was held and has records: it stays in its column");
      }
      if (body_.has_lesson_moved()) {
        EJ_ASSIGN_OR_RETURN(Day day, DayOf(body_.lesson_moved().new_date()));
        if (school_->YearOn(day) == nullptr)
          return Refuse("R-LES-1", "outside every academic year");
      }
      return Status::Ok();
    }
    case B::kMedicalPeExemptionRecorded: {
      const auto& e = body_.medical_pe_exemption_recorded();
      if (!Is({v1::ROLE_SECRETARY}) && !ClassTeacherOf(ClassOf(e.student_id(), today_))) {
        return Deny("R-ACC-2", "exemptions are recorded by the secretary or the class teacher");
      }
      if (!school_->students.contains(e.student_id()))
        return Refuse("R-ATT-1", "no student " + e.student_id());
      EJ_ASSIGN_OR_RETURN(Day first, DayOf(e.dates().first_day()));
      EJ_ASSIGN_OR_RETURN(Day last, DayOf(e.dates().last_day()));
      if (last < first) return Malformed("R-ATT-1", "the exemption ends before it starts");
      return Status::Ok();
    }
    case B::kPersonalDataConsentRecorded:
    case B::kPaperDiaryPreferenceSet: {
      const std::string& sid = body_.has_personal_data_consent_recorded()
                                   ? body_.personal_data_consent_recorded().student_id()
                                   : body_.paper_diary_preference_set().student_id();
      if (!admin && !Is({v1::ROLE_SECRETARY}) && !ClassTeacherOf(ClassOf(sid, today_))) {
        return Deny("R-ACC-2", "recorded by the secretary, the class teacher or the administrator");
      }
      if (!school_->students.contains(sid)) return Refuse("R-ACC-3", "no student " + sid);
      return Status::Ok();
    }
    default:
      return Deny("R-ACC-2", "unknown set-up event");
  }
}

Result<const Lesson*> Checker::WritableLesson(std::string_view lesson_id) {
  const Lesson* lesson = school_->FindLesson(lesson_id);
  if (lesson == nullptr) {
    return Err(
        Refuse("R-LES-1", "no lesson " + std::string(lesson_id) +
                              ": marks and absences go into the column of a scheduled lesson"));
  }
  if (lesson->cancelled) return Err(Refuse("R-LES-1", "lesson " + lesson->id + " was cancelled"));
  if (state_.IsInvalid(lesson->scheduled_seq)) {
    return Err(
        Refuse("R-SEC-3", "lesson " + lesson->id + " was scheduled by an invalidated event"));
  }
  EJ_RETURN_IF_ERROR(CheckLessonWriter(*school_, *lesson, body_, *actor_));
  return lesson;
}

Status Checker::CheckBusinessDate(const Lesson& lesson) {
  auto day = DayOf(body_.business_date());
  if (!day || *day != lesson.date) {
    return Malformed("R-TIME-1",
                     "business_date must be the lesson's date, " + DayString(lesson.date));
  }
  return Status::Ok();
}

Status Checker::CheckStudentInLesson(const Lesson& lesson, std::string_view student_id) {
  if (!school_->InLesson(lesson, student_id)) {
    return Refuse("R-LES-1", "student " + std::string(student_id) + " is not in lesson " +
                                 lesson.id + "'s class or subgroup on " + DayString(lesson.date));
  }
  return Status::Ok();
}

Status Checker::CheckMark(const v1::MarkRecorded& m, const Lesson& lesson, bool late_entry) {
  EJ_RETURN_IF_ERROR(CheckStudentInLesson(lesson, m.student_id()));
  EJ_RETURN_IF_ERROR(CheckMarkValue(m.value(), m.work_type()));
  if (m.work_type() == v1::WORK_TYPE_UNSPECIFIED) {
    return Malformed("R-MARK-2", "a mark carries its work type");
  }
  if (m.weight_percent() > 1000) return Malformed("R-MARK-2", "a weight is 0 to 1000 percent");
  const SchoolClass& cls = school_->classes.at(lesson.class_id);
  if (cls.grade < school_->policy.first_marked_grade) {
    return Refuse("R-MARK-1", "grade " + std::to_string(cls.grade) +
                                  " gets no marks: record the lesson and attendance only");
  }
  const Version<LessonRecordValue>* rec = lesson.record.Current(state_);
  if (rec != nullptr && rec->value.kind == v1::LESSON_KIND_EXTRACURRICULAR) {
    return Refuse("R-LES-2", "an extracurricular lesson gets no marks");
  }
  if (at_us_ < school_->LessonStartUs(lesson)) {
    return Refuse("R-LES-1",
                  "lesson " + lesson.id + " has not started yet: no marks in the future");
  }
  const int low =
      std::min(m.value().value(), m.value().second_value() == 0 ? 5 : m.value().second_value());
  if (school_->policy.adaptation_forbids_unsatisfactory && low <= 2) {
    auto year = school_->years.find(cls.year_id);
    if (year != school_->years.end() && lesson.date >= year->second.adaptation_first &&
        lesson.date <= year->second.adaptation_last) {
      return Refuse("R-MARK-4", "no unsatisfactory marks (1, 2) in the adaptation period " +
                                    DayString(year->second.adaptation_first) + ".." +
                                    DayString(year->second.adaptation_last));
    }
  }
  if (!late_entry && !reentry_) {
    const int64_t deadline = RuleBook::MarkDeadlineUs(*school_, lesson, m.work_type());
    if (at_us_ > deadline) {
      return Refuse("R-MARK-3", "the mark is past its window (until " +
                                    EndOfDayText(*school_, deadline) +
                                    "): file a correction request for the deputy's approval");
    }
  }
  return Status::Ok();
}

Status Checker::CheckAttendance(const v1::AttendanceRecorded& a, const Lesson& lesson) {
  EJ_RETURN_IF_ERROR(CheckStudentInLesson(lesson, a.student_id()));
  if (a.status() == v1::ATTENDANCE_STATUS_UNSPECIFIED) {
    return Malformed("R-ATT-1", "attendance is absent (н) or late (оп)");
  }
  if (a.status() == v1::ATTENDANCE_STATUS_LATE &&
      (a.minutes_late() < 0 || a.minutes_late() > 120)) {
    return Malformed("R-ATT-1", "minutes late are 0 to 120");
  }
  if (at_us_ < school_->LessonStartUs(lesson)) {
    return Refuse("R-LES-1", "lesson " + lesson.id + " has not started yet");
  }
  const Version<LessonRecordValue>* rec = lesson.record.Current(state_);
  if (rec != nullptr && rec->value.kind == v1::LESSON_KIND_EXTRACURRICULAR) {
    return Refuse("R-LES-2", "an extracurricular lesson records no absences");
  }
  if (rec != nullptr && rec->value.kind == v1::LESSON_KIND_DISTANCE &&
      a.status() == v1::ATTENDANCE_STATUS_ABSENT) {
    return Refuse("R-LES-2", "absent students are not marked \"н\" in distance learning");
  }
  if (a.status() == v1::ATTENDANCE_STATUS_ABSENT) {
    auto subj = school_->subjects.find(lesson.subject_id);
    auto st = school_->students.find(a.student_id());
    if (subj != school_->subjects.end() &&
        subj->second.kind == v1::SUBJECT_KIND_PHYSICAL_EDUCATION && st != school_->students.end()) {
      for (const auto& e : st->second.pe_exemptions) {
        if (lesson.date >= e.first && lesson.date <= e.last) {
          return Refuse("R-ATT-1", "student " + a.student_id() +
                                       " has a medical PE exemption until " + DayString(e.last) +
                                       ": not marked \"н\" in PE");
        }
      }
    }
  }
  if (!reentry_ && at_us_ > school_->zone.InstantOf(lesson.date, 24 * 60)) {
    return Refuse("R-ATT-1",
                  "attendance is recorded on the lesson's day: file a correction request");
  }
  return Status::Ok();
}

Status Checker::CheckJournal() {
  switch (body_.payload_case()) {
    case B::kLessonConducted: {
      const auto& c = body_.lesson_conducted();
      EJ_ASSIGN_OR_RETURN(const Lesson* lesson, WritableLesson(c.lesson_id()));
      EJ_RETURN_IF_ERROR(CheckBusinessDate(*lesson));
      if (c.kind() == v1::LESSON_KIND_UNSPECIFIED)
        return Malformed("R-LES-2", "a lesson record has its kind");
      if (c.topic().empty()) return Malformed("R-LES-3", "a lesson record has its topic");
      if (c.kind() == v1::LESSON_KIND_DISTANCE && c.order_number().empty()) {
        return Malformed("R-LES-2", "distance learning is recorded with its order number");
      }
      if (c.kind() == v1::LESSON_KIND_HOME_SCHOOLING && lesson->individual_student_id.empty()) {
        return Refuse("R-LES-2", "home schooling is recorded on an individual lesson");
      }
      // R-LES-2: an extracurricular session ("Внеурочное занятие") records the real date it was
      // held and the order it was held under (journal.proto LessonConducted, seed 004 §8.1,
      // §8.3); R-LES-3's "day of the lesson" is that date. Other kinds leave held_on unset.
      Day record_day = lesson->date;
      if (c.kind() == v1::LESSON_KIND_EXTRACURRICULAR) {
        if (c.order_number().empty()) {
          return Malformed("R-LES-2",
                           "an extracurricular session is recorded with its order number");
        }
        if (!c.has_held_on()) {
          return Malformed("R-LES-2", "an extracurricular session records the date it was held");
        }
        EJ_ASSIGN_OR_RETURN(record_day, DayOf(c.held_on()));
        if (record_day > today_) {
          return Refuse("R-LES-1", "the session's date " + DayString(record_day) +
                                       " is in the future: record it on that day");
        }
      } else if (c.has_held_on()) {
        return Malformed("R-LES-2", "only an extracurricular session records the date it was held");
      }
      if (!reentry_ && (today_ != record_day)) {
        return Refuse("R-LES-3", "the topic is entered on the day of the lesson (" +
                                     DayString(record_day) + "): file a correction request");
      }
      if (!reentry_ && lesson->record.Current(state_) != nullptr &&
          lesson->record.versions.back().value.kind != c.kind() &&
          (!lesson->marks.empty() || !lesson->attendance_students.empty())) {
        return Refuse("R-LES-2",
                      "the lesson already has records: its kind is changed by a correction");
      }
      return Status::Ok();
    }
    case B::kAttendanceRecorded: {
      const auto& a = body_.attendance_recorded();
      EJ_ASSIGN_OR_RETURN(const Lesson* lesson, WritableLesson(a.lesson_id()));
      EJ_RETURN_IF_ERROR(CheckBusinessDate(*lesson));
      return CheckAttendance(a, *lesson);
    }
    case B::kAbsenceReasonSet: {
      const auto& r = body_.absence_reason_set();
      if (r.reason() == v1::ABSENCE_REASON_UNSPECIFIED) {
        return Malformed("R-ATT-2", "an absence is by illness, for a valid reason, or without one");
      }
      if (!ClassTeacherOf(ClassOf(r.student_id(), today_))) {
        return Deny("R-ATT-2", "absences are classified by the student's class teacher");
      }
      if (r.lesson_ids().empty() && !r.has_dates()) {
        return Malformed("R-ATT-2", "name the lessons or the days the reason covers");
      }
      for (const auto& lid : r.lesson_ids()) {
        auto a = school_->attendance.find(AttendanceKey(lid, r.student_id()));
        const Version<AttendanceValue>* v =
            a == school_->attendance.end() ? nullptr : a->second.Current(state_);
        if (v == nullptr || v->value.status != v1::ATTENDANCE_STATUS_ABSENT) {
          return Refuse("R-ATT-2",
                        "student " + r.student_id() + " has no absence in lesson " + lid);
        }
      }
      return Status::Ok();
    }
    case B::kMarkRecorded: {
      const auto& m = body_.mark_recorded();
      if (m.mark_id().empty()) return Malformed("R-MARK-1", "a mark has its id");
      auto existing = school_->marks.find(m.mark_id());
      if (existing != school_->marks.end() && !reentry_) {
        return AlreadyExists(
            "mark " + m.mark_id() +
            " exists: a recorded mark is never changed (R-COR-1); file a correction request");
      }
      EJ_ASSIGN_OR_RETURN(const Lesson* lesson, WritableLesson(m.lesson_id()));
      EJ_RETURN_IF_ERROR(CheckBusinessDate(*lesson));
      return CheckMark(m, *lesson, false);
    }
    case B::kHomeworkAssigned: {
      const auto& h = body_.homework_assigned();
      EJ_ASSIGN_OR_RETURN(const Lesson* lesson, WritableLesson(h.lesson_id()));
      EJ_RETURN_IF_ERROR(CheckBusinessDate(*lesson));
      if (h.text().empty() && h.attachments().empty())
        return Malformed("R-HW-1", "homework has a text");
      if (h.replaces_homework_id().empty()) {
        if (school_->homework.contains(h.homework_id()) && !reentry_) {
          return AlreadyExists("homework " + h.homework_id() + " exists");
        }
      } else {
        auto old = school_->homework.find(h.replaces_homework_id());
        if (old == school_->homework.end() || old->second.lesson_id != h.lesson_id()) {
          return Refuse("R-HW-1", "homework " + h.replaces_homework_id() + " is not this lesson's");
        }
      }
      for (const auto& s : h.student_ids()) EJ_RETURN_IF_ERROR(CheckStudentInLesson(*lesson, s));
      if (!reentry_) {
        const int64_t deadline = RuleBook::HomeworkDeadlineUs(*school_, *lesson);
        if (at_us_ > deadline) {
          return Refuse("R-HW-1",
                        "homework is entered no later than one hour after the class's last "
                        "lesson (until " +
                            EndOfDayText(*school_, deadline) + "): file a correction request");
        }
      }
      return Status::Ok();
    }
    case B::kTermMarkRecorded:
      return CheckTermMark(body_.term_mark_recorded());
    case B::kExamMarkRecorded: {
      const auto& e = body_.exam_mark_recorded();
      std::string cls = ClassOf(e.student_id(), today_);
      if (cls.empty()) return Refuse("R-TERM-1", "no student " + e.student_id());
      if (!IsTeacher(*actor_) || !TeachesOn(cls, "", e.subject_id(), today_)) {
        return Deny("R-ACC-2",
                    "attestation marks are recorded by the subject's teacher of the class");
      }
      if (e.has_mark()) EJ_RETURN_IF_ERROR(CheckMarkValue(e.mark(), e.work_type()));
      if (school_->attestation.contains(
              ExamKey(e.student_id(), e.subject_id(), e.academic_year_id(), e.attempt())) &&
          !reentry_) {
        return Refuse("R-COR-2",
                      "this attestation mark is recorded: attestation marks are not revised");
      }
      return Status::Ok();
    }
    case B::kDeputyAttestationDecided:
      EJ_RETURN_IF_ERROR(Needs({v1::ROLE_DEPUTY}, "deciding on attestation"));
      if (!school_->students.contains(body_.deputy_attestation_decided().student_id())) {
        return Refuse("R-TERM-1", "no student " + body_.deputy_attestation_decided().student_id());
      }
      return Status::Ok();
    default:
      return Deny("R-ACC-2", "unknown journal event");
  }
}

Status Checker::CheckTermMark(const v1::TermMarkRecorded& t) {
  const auto& period = t.period();
  auto year = school_->years.find(period.academic_year_id());
  if (year == school_->years.end()) {
    return Refuse("R-TERM-1", "no academic year " + period.academic_year_id());
  }
  std::string class_id = ClassOf(t.student_id(), std::min(today_, year->second.last));
  auto cls = school_->classes.find(class_id);
  if (cls == school_->classes.end()) return Refuse("R-TERM-1", "no student " + t.student_id());
  if (!IsTeacher(*actor_) ||
      !TeachesOn(class_id, "", t.subject_id(), std::min(today_, year->second.last))) {
    // A subgroup teacher has a load for the subgroup: accept any load for the class-subject.
    bool any = false;
    for (const auto& [id, load] : school_->loads) {
      any |= load.teacher_id == actor_->id && load.class_id == class_id &&
             load.subject_id == t.subject_id();
    }
    if (!any)
      return Deny("R-ACC-2", "term marks are recorded by the subject's teacher of the class");
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
      return Refuse("R-TERM-1", "no term " + std::to_string(period.term_number()));
    first = term->first;
    last = term->last;
  } else if (period.kind() == v1::PERIOD_KIND_UNSPECIFIED) {
    return Malformed("R-TERM-1", "a term mark names its period");
  }
  const auto& mark = t.mark();
  if (mark.result_case() == v1::AttestationMark::RESULT_NOT_SET) {
    return Malformed("R-TERM-1", "a term mark is 1 to 5, осв or н/а");
  }
  if (mark.has_value() && (mark.value() < 1 || mark.value() > 5)) {
    return Malformed("R-TERM-1", "a term mark is 1 to 5, not " + std::to_string(mark.value()));
  }
  std::string key = TermKey(t.student_id(), t.subject_id(), period);
  if (!reentry_) {
    auto existing = school_->attestation.find(key);
    if (existing != school_->attestation.end() && existing->second.Current(state_) != nullptr) {
      return Refuse("R-COR-2", "the term mark is recorded: term and year marks are not revised");
    }
    const int entry_days = school_->policy.term_mark_entry_days;
    if (today_ < last - (entry_days - 1)) {
      return Refuse("R-TERM-1", "term marks are entered in the last " + std::to_string(entry_days) +
                                    " days of the period, from " +
                                    DayString(last - (entry_days - 1)));
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
  const int hours = school_->WeeklyHours(class_id, subgroup_id, t.subject_id(), last);
  const int needed = RuleBook::MinimumMarks(school_->policy, hours, valid_absence);
  if (marks < needed) {
    return Refuse("R-TERM-1", "a term mark needs at least " + std::to_string(needed) +
                                  " marks at " + std::to_string(hours) + " h/week; " +
                                  t.student_id() + " has " + std::to_string(marks) +
                                  ": record н/а or add the missing marks");
  }
  if (held > 0 && absent * 100 > held * school_->policy.not_attested_absence_percent) {
    auto decision = school_->deputy_attest.find(key);
    if (decision == school_->deputy_attest.end() || !decision->second) {
      return Refuse("R-TERM-1",
                    t.student_id() + " missed " + std::to_string(absent) + " of " +
                        std::to_string(held) +
                        " lessons: not attested (н/а) unless the deputy decides otherwise");
    }
  }
  return Status::Ok();
}

Status Checker::CheckCorrectionRequest(const v1::CorrectionRequested& r) {
  if (r.request_id().empty()) return Malformed("R-COR-1", "a request has its id");
  if (school_->requests.contains(r.request_id()) && !reentry_) {
    return AlreadyExists("request " + r.request_id() + " exists");
  }
  if (r.reason().empty()) return Malformed("R-COR-1", "a correction request gives its reason");
  if (r.proposal_case() == v1::CorrectionRequested::PROPOSAL_NOT_SET) {
    return Malformed("R-COR-1", "a correction request carries the proposed record");
  }
  if (!IsTeacher(*actor_)) return Deny("R-ACC-2", "corrections are requested by teachers");
  const auto& target = r.target();
  const bool remove = r.proposal_case() == v1::CorrectionRequested::kRemove;
  std::string target_key;
  const Lesson* lesson = nullptr;
  uint64_t current_seq = 0;  // the event the cell shows now
  auto lesson_cell = [&](std::string_view lesson_id) -> Status {
    lesson = school_->FindLesson(lesson_id);
    if (lesson == nullptr) return Refuse("R-LES-1", "no lesson " + std::string(lesson_id));
    if (lesson->cancelled) return Refuse("R-LES-1", "lesson " + lesson->id + " was cancelled");
    // The teacher who may write the cell: the lesson's teacher, a substitute, or a load teacher.
    if (lesson->teacher_id != actor_->id &&
        school_->SubstitutionFor(*lesson, actor_->id) == nullptr &&
        !TeachesOn(lesson->class_id, lesson->subgroup_id, lesson->subject_id, lesson->date)) {
      return Deny("R-ACC-2", "lesson " + lesson->id + " is not yours to correct");
    }
    return CheckBusinessDate(*lesson);
  };
  switch (target.target_case()) {
    case v1::CorrectionTarget::kMarkId: {
      if (r.proposal_case() != v1::CorrectionRequested::kMark && !remove) {
        return Malformed("R-COR-1", "a mark's correction proposes a mark or its removal");
      }
      target_key = "mark/" + target.mark_id();
      auto m = school_->marks.find(target.mark_id());
      if (m != school_->marks.end()) {
        EJ_RETURN_IF_ERROR(lesson_cell(m->second.lesson_id));
        const auto* v = m->second.LastValid(state_);
        current_seq = v == nullptr ? 0 : v->value_seq;
        if (v == nullptr) return Refuse("R-SEC-3", "mark " + target.mark_id() + " was invalidated");
        if (!remove && (r.mark().mark_id() != target.mark_id() ||
                        r.mark().lesson_id() != m->second.lesson_id ||
                        r.mark().student_id() != m->second.student_id)) {
          return Malformed("R-COR-1", "the proposal keeps the mark's id, lesson and student");
        }
      } else {
        // A late entry (R-MARK-3): the mark is new and enters only by approval.
        if (remove) return Refuse("R-COR-1", "no mark " + target.mark_id() + " to remove");
        if (r.mark().mark_id() != target.mark_id()) {
          return Malformed("R-COR-1", "the proposal keeps the target's mark id");
        }
        EJ_RETURN_IF_ERROR(lesson_cell(r.mark().lesson_id()));
      }
      if (!remove) EJ_RETURN_IF_ERROR(CheckMark(r.mark(), *lesson, true));
      break;
    }
    case v1::CorrectionTarget::kAttendance: {
      if (r.proposal_case() != v1::CorrectionRequested::kAttendance && !remove) {
        return Malformed("R-COR-1", "an attendance correction proposes attendance or its removal");
      }
      const auto& cell = target.attendance();
      target_key = "attendance/" + AttendanceKey(cell.lesson_id(), cell.student_id());
      EJ_RETURN_IF_ERROR(lesson_cell(cell.lesson_id()));
      EJ_RETURN_IF_ERROR(CheckStudentInLesson(*lesson, cell.student_id()));
      auto a = school_->attendance.find(AttendanceKey(cell.lesson_id(), cell.student_id()));
      if (a != school_->attendance.end()) {
        const auto* v = a->second.LastValid(state_);
        current_seq = v == nullptr ? 0 : v->value_seq;
      }
      if (!remove && (r.attendance().lesson_id() != cell.lesson_id() ||
                      r.attendance().student_id() != cell.student_id() ||
                      r.attendance().status() == v1::ATTENDANCE_STATUS_UNSPECIFIED)) {
        return Malformed("R-COR-1", "the proposal is attendance of the same lesson and student");
      }
      break;
    }
    case v1::CorrectionTarget::kLessonId: {
      if (r.proposal_case() != v1::CorrectionRequested::kLesson) {
        return Malformed("R-COR-1", "a lesson's correction proposes the lesson record");
      }
      target_key = "lesson/" + target.lesson_id();
      EJ_RETURN_IF_ERROR(lesson_cell(target.lesson_id()));
      const auto* v = lesson->record.LastValid(state_);
      current_seq = v == nullptr ? 0 : v->value_seq;
      if (r.lesson().lesson_id() != target.lesson_id() || r.lesson().topic().empty() ||
          r.lesson().kind() == v1::LESSON_KIND_UNSPECIFIED) {
        return Malformed("R-COR-1",
                         "the proposal is the same lesson's record, with topic and kind");
      }
      break;
    }
    case v1::CorrectionTarget::kHomeworkId: {
      if (r.proposal_case() != v1::CorrectionRequested::kHomework && !remove) {
        return Malformed("R-COR-1", "a homework correction proposes homework or its removal");
      }
      target_key = "homework/" + target.homework_id();
      auto h = school_->homework.find(target.homework_id());
      std::string lesson_id =
          h != school_->homework.end() ? h->second.lesson_id : r.homework().lesson_id();
      EJ_RETURN_IF_ERROR(lesson_cell(lesson_id));
      if (h != school_->homework.end()) {
        const auto* v = h->second.LastValid(state_);
        current_seq = v == nullptr ? 0 : v->value_seq;
      } else if (remove) {
        return Refuse("R-COR-1", "no homework " + target.homework_id() + " to remove");
      }
      if (!remove && (r.homework().homework_id() != target.homework_id() ||
                      r.homework().lesson_id() != lesson_id)) {
        return Malformed("R-COR-1", "the proposal keeps the homework's id and lesson");
      }
      break;
    }
    case v1::CorrectionTarget::kTermMark:
    case v1::CorrectionTarget::kExamMark:
      return Refuse("R-COR-2",
                    "term, year and attestation marks are not revised; in grades 9 and 11 "
                    "a final mark is corrected only by the director's order");
    default:
      return Malformed("R-COR-1", "a correction names its target");
  }
  const uint64_t named = state_.SequenceOf(r.original_event_id());
  if (named != current_seq) {
    return Refuse("R-COR-1", "the request names " +
                                 (r.original_event_id().empty() ? std::string("no record")
                                                                : r.original_event_id()) +
                                 " but the cell shows " +
                                 (current_seq == 0 ? std::string("no record")
                                                   : std::string(state_.EventIdOf(current_seq))) +
                                 ": reload the cell and file the request again");
  }
  for (const auto& [id, other] : school_->requests) {
    if (other.status == RequestStatus::kPending && other.target_key == target_key &&
        !state_.IsInvalid(other.seq)) {
      return Refuse("R-COR-3",
                    "request " + id + " for this cell awaits the deputy: withdraw it or wait");
    }
  }
  return Status::Ok();
}

Status Checker::CheckDecision(std::string_view request_id, bool approve) {
  auto it = school_->requests.find(std::string(request_id));
  if (it == school_->requests.end())
    return Refuse("R-COR-3", "no request " + std::string(request_id));
  const CorrectionRequest& r = it->second;
  if (state_.IsInvalid(r.seq)) {
    return Refuse("R-SEC-3", "request " + r.id + " was invalidated by a compromise Act");
  }
  if (r.status != RequestStatus::kPending) {
    return Refuse("R-COR-3", "request " + r.id + " is already decided");
  }
  if (body_.has_correction_withdrawn()) {
    if (r.requester_id != actor_->id)
      return Deny("R-ACC-2", "only the requester withdraws a request");
    return Status::Ok();
  }
  EJ_RETURN_IF_ERROR(Needs({v1::ROLE_DEPUTY}, "deciding on corrections"));
  if (r.requester_id == actor_->id) {
    return Deny("R-COR-1", "the approver is never the requester: another deputy decides");
  }
  if (approve) {
    // The cell must still show what the requester saw (the request is not stale).
    uint64_t current = 0;
    const auto& target = r.body->target();
    switch (target.target_case()) {
      case v1::CorrectionTarget::kMarkId: {
        auto m = school_->marks.find(target.mark_id());
        if (m != school_->marks.end() && m->second.LastValid(state_) != nullptr) {
          current = m->second.LastValid(state_)->value_seq;
        }
        break;
      }
      case v1::CorrectionTarget::kAttendance: {
        auto a = school_->attendance.find(
            AttendanceKey(target.attendance().lesson_id(), target.attendance().student_id()));
        if (a != school_->attendance.end() && a->second.LastValid(state_) != nullptr) {
          current = a->second.LastValid(state_)->value_seq;
        }
        break;
      }
      case v1::CorrectionTarget::kLessonId: {
        const Lesson* l = school_->FindLesson(target.lesson_id());
        if (l != nullptr && l->record.LastValid(state_) != nullptr) {
          current = l->record.LastValid(state_)->value_seq;
        }
        break;
      }
      case v1::CorrectionTarget::kHomeworkId: {
        auto h = school_->homework.find(target.homework_id());
        if (h != school_->homework.end() && h->second.LastValid(state_) != nullptr) {
          current = h->second.LastValid(state_)->value_seq;
        }
        break;
      }
      default:
        break;
    }
    if (current != r.original_seq) {
      return Refuse("R-COR-1", "the cell changed since request " + r.id +
                                   " was filed: reject it; the teacher files a new one");
    }
  } else if (body_.has_correction_rejected() && body_.correction_rejected().reason().empty()) {
    return Malformed("R-COR-3", "a rejection gives its reason");
  }
  return Status::Ok();
}

Status Checker::CheckAct(const v1::CredentialCompromiseActRecorded& act) {
  EJ_RETURN_IF_ERROR(Needs({v1::ROLE_DIRECTOR, v1::ROLE_ADMIN}, "recording a compromise Act"));
  if (act.act_id().empty() || act.act_number().empty()) {
    return Malformed("R-SEC-2", "an Act has its id and number");
  }
  if (school_->acts.contains(act.act_id())) return AlreadyExists("Act " + act.act_id() + " exists");
  EJ_ASSIGN_OR_RETURN(Day act_day, DayOf(act.act_date()));
  (void)act_day;
  if (act.commission().empty()) return Malformed("R-SEC-2", "an Act names its commission");
  for (const auto& m : act.commission())
    EJ_RETURN_IF_ERROR(UserExists(m.user_id(), "commission member"));
  EJ_RETURN_IF_ERROR(UserExists(act.affected_user_id(), "affected user"));
  if (act.affected_credential_ids().empty()) {
    return Malformed("R-SEC-2", "an Act names the compromised credentials");
  }
  for (const auto& cid : act.affected_credential_ids()) {
    if (state_.UserCredential(school_->id, act.affected_user_id(), cid) == nullptr) {
      return Refuse("R-SEC-2",
                    "credential " + cid + " is not a credential of " + act.affected_user_id());
    }
  }
  if (act.invalid_from_us() <= 0 || act.invalid_from_us() > at_us_) {
    return Malformed("R-SEC-2", "the moment from which operations are invalid is in the past");
  }
  if (!act.report_id().empty() && !school_->reports.contains(act.report_id())) {
    return Refuse("R-SEC-1", "no compromise report " + act.report_id());
  }
  return Status::Ok();
}

Status Checker::CheckAck(const v1::DiaryAcknowledged& ack) {
  auto st = school_->students.find(ack.student_id());
  if (st == school_->students.end())
    return Deny("R-ACC-3", "no student " + ack.student_id() + " of yours");
  switch (ack.channel()) {
    case v1::ACKNOWLEDGEMENT_CHANNEL_ELECTRONIC:
      if (!Is({v1::ROLE_PARENT}) || ack.guardian_id() != actor_->id ||
          !st->second.guardians.contains(actor_->id)) {
        return Deny("R-ACC-3", "a parent acknowledges only their own child's diary");
      }
      break;
    case v1::ACKNOWLEDGEMENT_CHANNEL_PAPER:
      if (!ClassTeacherOf(ClassOf(ack.student_id(), today_))) {
        return Deny("R-ACC-2", "a paper acknowledgement is recorded by the class teacher");
      }
      if (!st->second.guardians.contains(ack.guardian_id())) {
        return Refuse("R-ACC-3", ack.guardian_id() + " is not a guardian of " + ack.student_id());
      }
      break;
    default:
      return Malformed("R-ACK-1", "an acknowledgement is electronic or on paper");
  }
  EJ_ASSIGN_OR_RETURN(Day week, DayOf(ack.week_start()));
  if (WeekdayOf(week) != 1) return Malformed("R-ACK-1", "a diary week starts on Monday");
  if (ack.as_of_sequence() == 0 || ack.as_of_sequence() > state_.size()) {
    return Malformed("R-ACK-1",
                     "the acknowledgement names the ledger position the parent saw (1.." +
                         std::to_string(state_.size()) + ")");
  }
  return Status::Ok();
}

Status Checker::CheckControl() {
  switch (body_.payload_case()) {
    case B::kSchoolPolicySet: {
      EJ_RETURN_IF_ERROR(Needs({v1::ROLE_DIRECTOR, v1::ROLE_ADMIN}, "setting the school policy"));
      const auto& p = body_.school_policy_set().policy();
      for (const auto& w : p.mark_windows()) {
        if (w.work_types().empty() || w.kind() == v1::MARK_WINDOW_KIND_UNSPECIFIED ||
            w.amount() < 0) {
          return Malformed("R-MARK-3",
                           "a mark window names work types, its kind and a non-negative amount");
        }
      }
      for (const auto& w : p.weights()) {
        if (w.weight_percent() < 1 || w.weight_percent() > 1000) {
          return Malformed("R-MARK-2", "a weight is 1 to 1000 percent");
        }
      }
      if (p.has_first_marked_grade() &&
          (p.first_marked_grade() < 1 || p.first_marked_grade() > 11)) {
        return Malformed("R-MARK-1", "the first marked grade is 1 to 11");
      }
      if (p.has_correction_grace_minutes() &&
          (p.correction_grace_minutes() < 0 || p.correction_grace_minutes() > 24 * 60)) {
        return Malformed("R-COR-1", "the correction grace is 0 to 1440 minutes");
      }
      if (p.has_homework_deadline_minutes() &&
          (p.homework_deadline_minutes() < 0 || p.homework_deadline_minutes() > 24 * 60)) {
        return Malformed("R-HW-1",
                         "the homework deadline is 0 to 1440 minutes after the last lesson");
      }
      return Status::Ok();
    }
    case B::kCorrectionRequested:
      return CheckCorrectionRequest(body_.correction_requested());
    case B::kCorrectionApproved:
      return CheckDecision(body_.correction_approved().request_id(), true);
    case B::kCorrectionRejected:
      return CheckDecision(body_.correction_rejected().request_id(), false);
    case B::kCorrectionWithdrawn:
      return CheckDecision(body_.correction_withdrawn().request_id(), false);
    case B::kFinalMarkCorrectionOrdered: {
      EJ_RETURN_IF_ERROR(Needs({v1::ROLE_DIRECTOR}, "ordering a final-mark correction"));
      const auto& o = body_.final_mark_correction_ordered();
      auto cls = school_->classes.find(ClassOf(o.target().student_id(), today_));
      if (cls == school_->classes.end() || (cls->second.grade != 9 && cls->second.grade != 11)) {
        return Refuse("R-COR-2", "a director's order corrects final marks in grades 9 and 11 only");
      }
      if (o.order_number().empty() || !o.has_order_date() || o.teacher_id().empty() ||
          o.deputy_id().empty() || o.teacher_explanation().title().empty() ||
          o.deputy_explanation().title().empty()) {
        return Malformed("R-COR-2",
                         "the order carries its number and date and the written "
                         "explanations of the teacher and the deputy");
      }
      auto m = school_->attestation.find(TermKey(o.target()));
      const auto* v = m == school_->attestation.end() ? nullptr : m->second.LastValid(state_);
      if (v == nullptr) return Refuse("R-COR-2", "there is no such final mark to correct");
      if (state_.SequenceOf(o.original_event_id()) != v->value_seq) {
        return Refuse("R-COR-2", "the order names " + o.original_event_id() +
                                     " but the mark shows " +
                                     std::string(state_.EventIdOf(v->value_seq)));
      }
      if (o.new_mark().has_value() && (o.new_mark().value() < 1 || o.new_mark().value() > 5)) {
        return Malformed("R-TERM-1", "a final mark is 1 to 5");
      }
      return Status::Ok();
    }
    case B::kSubstitutionAssigned: {
      EJ_RETURN_IF_ERROR(Needs({v1::ROLE_METHODIST}, "assigning substitutions"));
      const auto& s = body_.substitution_assigned();
      if (school_->substitutions.contains(s.substitution_id())) {
        return AlreadyExists("substitution " + s.substitution_id() + " exists");
      }
      const User* sub = school_->FindUser(s.substitute_teacher_id());
      if (sub == nullptr || !IsTeacher(*sub) || !sub->active) {
        return Refuse("R-SUB-1", s.substitute_teacher_id() + " is not an active teacher");
      }
      if (s.substitute_teacher_id() == s.absent_teacher_id()) {
        return Malformed("R-SUB-1", "the substitute is another teacher than the absent one");
      }
      if (s.lesson_ids().empty()) return Malformed("R-SUB-1", "a substitution names its lessons");
      for (const auto& lid : s.lesson_ids()) {
        const Lesson* l = school_->FindLesson(lid);
        if (l == nullptr || l->cancelled) return Refuse("R-SUB-1", "no lesson " + lid);
        if (l->teacher_id != s.absent_teacher_id()) {
          return Refuse("R-SUB-1", "lesson " + lid + " is not taught by " + s.absent_teacher_id());
        }
      }
      return Status::Ok();
    }
    case B::kSubstitutionCancelled: {
      EJ_RETURN_IF_ERROR(Needs({v1::ROLE_METHODIST}, "cancelling substitutions"));
      auto it = school_->substitutions.find(body_.substitution_cancelled().substitution_id());
      if (it == school_->substitutions.end() || it->second.cancelled) {
        return Refuse(
            "R-SUB-1",
            "no substitution " + body_.substitution_cancelled().substitution_id() + " in force");
      }
      return Status::Ok();
    }
    case B::kCredentialCompromiseReported: {
      const auto& r = body_.credential_compromise_reported();
      if (r.user_id() == actor_->id) {
        if (!IsStaff(*actor_)) return Deny("R-ACC-2", "compromise reports are for staff logins");
      } else if (!Is({v1::ROLE_DIRECTOR, v1::ROLE_ADMIN})) {
        return Deny("R-ACC-2",
                    "an employee reports their own login; the director or the "
                    "administrator record reports for others");
      }
      EJ_RETURN_IF_ERROR(UserExists(r.user_id(), "user"));
      if (school_->reports.contains(r.report_id()) || r.report_id().empty()) {
        return AlreadyExists("report " + r.report_id() + " exists or has no id");
      }
      for (const auto& cid : r.credential_ids()) {
        if (state_.UserCredential(school_->id, r.user_id(), cid) == nullptr) {
          return Refuse("R-SEC-1", "credential " + cid + " is not a credential of " + r.user_id());
        }
      }
      const int64_t reported = r.reported_at_us() == 0 ? at_us_ : r.reported_at_us();
      if (r.discovered_at_us() <= 0 || r.discovered_at_us() > reported || reported > at_us_) {
        return Malformed("R-SEC-1",
                         "the discovery comes before the report, and both are not in the future");
      }
      return Status::Ok();
    }
    case B::kCredentialCompromiseActRecorded:
      return CheckAct(body_.credential_compromise_act_recorded());
    case B::kDiaryAcknowledged:
      return CheckAck(body_.diary_acknowledged());
    default:
      return Deny("R-ACC-2", "unknown control event");
  }
}

}  // namespace

Status RuleBook::Check(const v1::EventBody& body, int64_t recorded_at_us) const {
  return Checker(*state_, body, recorded_at_us).Run();
}

}  // namespace ejournal::school
