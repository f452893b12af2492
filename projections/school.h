// One school as the fold knows it (projections/school_state.h): its users and credentials,
// calendar, subjects, classes, students, teaching load, bells, lessons, journal records, requests,
// substitutions, compromise reports and Acts, policy and acknowledgements, with the lookups the
// rules and views share; and the keys of its records.
#ifndef EJOURNAL_PROJECTIONS_SCHOOL_H_
#define EJOURNAL_PROJECTIONS_SCHOOL_H_

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>
#include <absl/container/inlined_vector.h>
#include <absl/container/node_hash_map.h>
#include <google/protobuf/arena.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "ejournal/v1/event.pb.h"
#include "projections/school_records.h"
#include "projections/school_time.h"
#include "schemas/status.h"

namespace ejournal::school {

struct User {
  std::string id;
  uint32_t roles = 0;  // RoleBit()s
  bool active = true;
  std::string login;
  std::string display_name;  // "Иванов Пётр": what the class list and the journal show
  std::string deactivation_reason;  // UserDeactivated.reason, once inactive
  // R-SET-2: the last PasswordChanged was issued by someone else (a first password, a reset):
  // until the user sets their own, their sessions sign nothing but that change.
  bool must_change_password = false;
  bool has_password = false;  // a PasswordChanged for the user was admitted
  bool Has(v1::Role role) const { return (roles & RoleBit(role)) != 0; }
};

// Logins are unique within a school and signed in to without regard to case (R-ACC-5:
// "Иванов", "иванов" and "ИВАНОВ" are one login): the key a login is found by, with Latin and
// Cyrillic capitals (Ё too) lowered; other bytes as they are.
std::string LoginKey(std::string_view login);

// A role as the school names it, in the nominative: "администратор", "заместитель директора".
std::string_view RuRole(v1::Role role);

struct Credential {
  std::string id, user_id, school_id;
  v1::CredentialKind kind = v1::CREDENTIAL_KIND_UNSPECIFIED;
  uint64_t issued_seq = 0;  // 0: the node's own
  bool revoked = false;
  // The events it signed: SchoolState::CredentialEvents (one index for the audit and the Act).
};

struct SchoolClass;

struct TermInfo {
  int number = 0;
  Day first = kNoDay, last = kNoDay;
};
struct TermScheme {
  int grade_from = 0, grade_to = 0;
  std::vector<TermInfo> terms;
  v1::TermKind kind = v1::TERM_KIND_UNSPECIFIED;
  uint32_t weekdays = 0;  // bit (1 << ISO weekday); 0: Monday..Friday (TermScheme.school_weekdays)
};
struct HolidayInfo {
  Day first = kNoDay, last = kNoDay;
  v1::HolidayKind kind = v1::HOLIDAY_KIND_UNSPECIFIED;
  std::vector<int> grades;
  std::vector<std::string> class_ids;
  std::string name;  // "Осенние каникулы"
  // Whether it applies to the class (every class when it names no grade and no class).
  bool AppliesTo(const SchoolClass& cls) const;
};
struct AcademicYear {
  std::string id;
  Day first = kNoDay, last = kNoDay;
  std::vector<TermScheme> schemes;
  std::vector<HolidayInfo> holidays;
  Day adaptation_first = kNoDay, adaptation_last = kNoDay;
  // The term scheme of a grade, or null.
  const TermScheme* SchemeFor(int grade) const;
};

struct Subject {
  std::string id, name, short_name;
  v1::SubjectKind kind = v1::SUBJECT_KIND_UNSPECIFIED;
};

struct SchoolClass {
  std::string id, year_id, letter, class_teacher_id;
  int grade = 0;
};

struct Subgroup {
  std::string id, class_id, subject_id, name;
  std::set<std::string> students;
};

struct Membership {
  std::string class_id;
  Day from = kNoDay, to = kForever;  // inclusive
  bool home_schooling = false;
};
struct Student {
  std::string id;
  std::vector<Membership> memberships;
  std::set<std::string> guardians;
  struct Exemption {
    Day first, last;
  };
  std::vector<Exemption> pe_exemptions;
  // The class on `day`, or null.
  const Membership* On(Day day) const;
};

struct Load {
  std::string id, teacher_id, class_id, subgroup_id, subject_id, year_id;
  int weekly_hours = 0;
  Day from = kNoDay, to = kForever;
};

struct BellSchedule {
  std::string id, name;
  std::map<int, std::pair<int, int>> periods;  // number -> (start, end) minutes
  std::vector<int> grades;                     // empty: all
  uint32_t weekdays = 0;                       // bit (1 << iso weekday); 0: all
  Day first = kNoDay, last = kForever;
  uint64_t seq = 0;
};

// A line of the weekly timetable (TimetableSlotSet), valid over its dates.
struct TimetableSlot {
  std::string id, class_id, subgroup_id, subject_id, teacher_id, room;
  int weekday = 0;  // ISO, 1 = Monday
  int period = 0;
  Day first = kNoDay, last = kForever;
  uint64_t seq = 0;
  v1::WeekParity weeks = v1::WEEK_PARITY_UNSPECIFIED;  // two-week timetables: odd or even weeks
  std::string individual_student_id;  // a home-schooled student's individual lessons (R-LES-2)
};

// The calendar-thematic plan (КТП) of a class-subject (PlannedTopicsSet).
struct PlannedTopicInfo {
  int number = 0;
  std::string title;
  int hours = 1;
  v1::WorkType work = v1::WORK_TYPE_UNSPECIFIED;
};
struct Plan {
  std::string id, class_id, subgroup_id, subject_id, year_id;
  int term = 0;  // 0: the whole year
  std::vector<PlannedTopicInfo> topics;
  uint64_t seq = 0;
  int Hours() const;
};

struct Lesson {
  // subgroup_id names the journal page the lesson sits on within its class and subject: empty for
  // the whole class, a subgroup's id, or for an individual lesson of a home-schooled student that
  // student's own page, HomePageId(individual_student_id) (R-LES-2).
  std::string id, class_id, subgroup_id, subject_id, teacher_id, individual_student_id, room;
  uint32_t name = 0;     // `id` interned (SchoolState::Name)
  uint32_t subject = 0;  // `subject_id` interned (0: none)
  std::string planned_topic;
  std::string timetable_slot_id;  // empty: an extra lesson outside the timetable
  Day date = kNoDay;
  int period = 0;
  bool cancelled = false;
  uint64_t scheduled_seq = 0;
  Record<LessonRecordValue> record;  // LessonConducted and its corrections
  std::vector<std::string> substitution_ids;
  // The lesson's marks and homework, in the order they were first recorded: the records
  // themselves (nodes of the school's `marks` and `homework` tables, which never move and are
  // never erased), so that a page or a report reads them without a lookup by id each.
  std::vector<const Mark*> marks;
  // The interned student (SchoolState::Name) of each of `marks`, kept by the school state only
  // (an as-of page leaves it empty): building a cell compares these instead of reading every mark
  // of the lesson. Used only while its size equals that of `marks`.
  std::vector<uint32_t> mark_students;
  std::vector<const Homework*> homework;
  std::vector<std::string> attendance_students;
};

enum class RequestStatus { kPending, kApproved, kRejected, kWithdrawn };

struct CorrectionRequest {
  std::string id, requester_id, target_key, reason;
  v1::CorrectionTarget::TargetCase target_case = v1::CorrectionTarget::TARGET_NOT_SET;
  std::string lesson_id;  // for lesson cells
  uint64_t seq = 0, original_seq = 0;
  int64_t recorded_at_us = 0;
  RequestStatus status = RequestStatus::kPending;
  uint64_t decided_seq = 0;
  std::string decided_by;
  Day business_day = kNoDay;
  bool took_effect_by_grace = false;
  std::shared_ptr<const v1::CorrectionRequested> body;  // the proposal, applied on approval
};

struct Substitution {
  std::string id, absent_teacher_id, substitute_teacher_id;
  std::vector<std::string> lesson_ids;
  bool cancelled = false;
  uint64_t seq = 0;
};

struct CompromiseReport {
  std::string id, user_id;
  std::vector<std::string> credential_ids;
  int64_t discovered_at_us = 0, reported_at_us = 0;
  bool late = false;  // R-SEC-1: reported more than an hour after the discovery
  uint64_t seq = 0;
};

// Why an event is invalid (R-SEC-3).
struct Invalidation {
  uint64_t seq = 0;
  std::string act_id;
  uint64_t because_of = 0;  // 0: signed by the compromised credential; else the event it rested on
};

struct Act {
  std::string id, number, affected_user_id;
  std::vector<std::string> credential_ids;
  int64_t invalid_from_us = 0;
  uint64_t seq = 0;
  std::vector<Invalidation> invalidated;  // in sequence order
};

struct PolicyValues {
  std::vector<v1::MarkWindowRule> mark_windows;
  std::map<v1::WorkType, uint32_t> weights;
  int first_marked_grade = 2;
  bool adaptation_forbids_unsatisfactory = true;
  int correction_grace_minutes = 0;
  int homework_deadline_minutes = 60;
  std::vector<v1::TermMarkMinimum> term_mark_minimums;
  int not_attested_absence_percent = 50;
  int term_mark_entry_days = 7;
  int min_marks_percent_of_lessons = 25;
  // R-MSG-3 (SchoolPolicy.alert_*).
  bool alert_unexplained_absence = true;
  int alert_absences_per_week = 3;
  bool alert_unsatisfactory_in_a_row = true;
  bool alert_risk_not_attested = true;
  bool alert_missed_control_work = true;
  uint64_t seq = 0;  // 0: the defaults
  // The weight of a mark (percent of a normal one).
  uint32_t WeightOf(const MarkValue& mark) const;
};

struct DiaryAck {
  std::string guardian_id, student_id;
  Day week_start = kNoDay;
  uint64_t as_of_sequence = 0, seq = 0;
  v1::AcknowledgementChannel channel = v1::ACKNOWLEDGEMENT_CHANNEL_UNSPECIFIED;
};

// Communication (messages.proto, R-MSG-1, R-MSG-2): who wrote what (the content's hash) to whom,
// and when; the content itself is in the node's message store.
struct MessageInfo {
  std::string id, author_id;
  AttachmentRef content;
  std::vector<AttachmentRef> attachments;
  uint64_t seq = 0;
  int64_t at_us = 0;
};
struct ReadMark {
  size_t count = 0;  // the first `count` messages are read
  uint64_t seq = 0;  // the MessagesRead
  int64_t at_us = 0;
};
struct Conversation {
  std::string id;
  // Everyone in it: the author of the first message first, then its recipients.
  std::vector<std::string> participants;
  std::vector<MessageInfo> messages;
  // Each participant's read receipt (none: nothing read but their own messages).
  std::map<std::string, ReadMark, std::less<>> read;
  // How many of the messages `user_id` has not read: those after their receipt, not their own.
  size_t UnreadBy(std::string_view user_id) const;
};
struct Announcement {
  std::string id, author_id;
  v1::AudienceKind audience = v1::AUDIENCE_KIND_UNSPECIFIED;
  int grade = 0;
  std::string class_id;
  AttachmentRef content;
  std::vector<AttachmentRef> attachments;
  Day event_day = kNoDay;
  int event_start_minutes = 0;
  uint64_t seq = 0;
  int64_t at_us = 0;
  bool withdrawn = false;
  std::string withdrawn_reason;
};

// R-MSG-2: a survey of a class's parents; each family (keyed by its student) answers once.
struct SurveyAnswer {
  int option = 0;
  std::string by;  // the guardian who answered
  uint64_t seq = 0;
  int64_t at_us = 0;
};
struct Survey {
  std::string id, author_id, class_id;
  AttachmentRef content;  // {"salt","question","options"} in the message store
  int option_count = 0;
  Day asked_on = kNoDay;
  Day closes_on = kNoDay;  // kNoDay: until closed
  bool closed = false;
  uint64_t seq = 0;
  int64_t at_us = 0;
  std::map<std::string, SurveyAnswer, std::less<>> answers;  // student id -> the family's answer
  // Whether answers are taken on `day`.
  bool OpenOn(Day day) const { return !closed && (closes_on == kNoDay || day <= closes_on); }
};

// A table keyed by ids that is searched by a view of an id, without copying it. The same hash as
// std::hash<std::string>, so that iteration order is that of a plain std::unordered_map.
struct IdHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
};
template <typename Value>
using IdMap = std::unordered_map<std::string, Value, IdHash, std::equal_to<>>;
// The same for a table that is only searched, never iterated (its order is not the above's), with
// nodes that never move: absl's node table finds a key in about one cache miss where
// std::unordered_map walked its bucket's chain (the marks: millions in a replay, a tenth of its
// fold in their lookups; docs/BENCHMARKS.md).
template <typename Value>
using IdNodeMap = absl::node_hash_map<std::string, Value, IdHash, std::equal_to<>>;

// One school: everything keyed by the school's own ids. Not copyable: records hold views of its
// tables' keys and of its kept ids (Mark).
struct School {
  School() = default;
  School(const School&) = delete;
  School& operator=(const School&) = delete;
  School(School&&) = default;
  School& operator=(School&&) = default;

  std::string id, name, region;
  SchoolZone zone;
  uint64_t registered_seq = 0;
  PolicyValues policy;
  IdMap<AcademicYear> years;
  IdMap<Subject> subjects;
  IdMap<SchoolClass> classes;
  IdMap<Subgroup> subgroups;
  IdMap<User> users;
  IdMap<std::string> logins;  // LoginKey(login) -> user id
  IdMap<Student> students;
  IdMap<Load> loads;
  IdMap<BellSchedule> bells;
  IdMap<Lesson> lessons;
  IdNodeMap<Mark> marks;         // never iterated
  IdMap<Attendance> attendance;  // AttendanceKey(lesson, student)
  IdMap<Homework> homework;
  IdMap<AttestationMark> attestation;  // TermKey / ExamKey
  IdMap<bool> deputy_attest;           // TermKey -> decision
  IdMap<CorrectionRequest> requests;
  IdMap<Substitution> substitutions;
  IdMap<CompromiseReport> reports;
  IdMap<Act> acts;
  std::vector<DiaryAck> acks;
  // AckKey(student, week start) -> indexes into acks, in ledger order.
  IdMap<std::vector<size_t>> acks_by_student_week;
  IdMap<TimetableSlot> timetable;
  IdMap<Plan> plans;
  IdMap<Conversation> conversations;
  // User -> the conversations they are in, in the order they began.
  IdMap<std::vector<std::string>> conversations_of;
  // Announcements in ledger order.
  std::vector<Announcement> announcements;
  IdMap<size_t> announcement_index;  // id -> index into announcements
  // Surveys in ledger order, and by id.
  std::vector<Survey> surveys;
  IdMap<size_t> survey_index;
  // R-MSG-5: texts of messages and announcements recorded before this day (school-local) are
  // erased (MessagesErased); kNoDay: none.
  Day messages_erased_before = kNoDay;
  // Lessons by (class or subgroup, subject) and by class and day, for windows and term checks.
  IdMap<std::vector<std::string>> lessons_by_group;  // GroupKey
  IdMap<std::map<Day, std::vector<std::string>>> lessons_by_class_day;
  // Marks by student and subject, for term marks (R-TERM-1): keyed by the interned ids
  // (SchoolState::MarksOf): a mark finds its list with one probe, no key string built and hashed.
  // Never iterated.
  absl::flat_hash_map<uint64_t, std::vector<const Mark*>> marks_by_student_subject;
  // Class -> every student who was ever enrolled in it or moved to it, in the order they joined
  // (a journal page reads its class's students here instead of scanning the whole school).
  IdMap<std::vector<std::string>> class_members;

  const User* FindUser(std::string_view user_id) const;
  // What people read instead of ids: "5А" for a class (grade and letter), the subject's name,
  // the user's display name; the id itself only when the school does not know it.
  std::string ClassLabel(std::string_view class_id) const;
  std::string SubjectName(std::string_view subject_id) const;
  std::string UserName(std::string_view user_id) const;
  // A term of the class's year as its scheme names it: "1-я четверть", "2-й триместр",
  // "1-е полугодие" ("1-й период" without a scheme).
  std::string PeriodName(const SchoolClass& cls, int term_number) const;
  // A lesson as a person names it: "Математика, 5А, 06.10.2025, 2-й урок" (its id when unknown).
  std::string LessonText(std::string_view lesson_id) const;
  // A copy of `id` that lives as long as the school, one per distinct id (what records hold views
  // of: Mark::student_id).
  std::string_view KeepId(std::string_view id);
  // The students who were ever members of the class (see class_members); empty if none.
  const std::vector<std::string>& MembersOf(std::string_view class_id) const;
  const Lesson* FindLesson(std::string_view lesson_id) const;
  // The academic year containing `day`, or null.
  const AcademicYear* YearOn(Day day) const;
  // The term containing `day` for a class's grade, or null.
  const TermInfo* TermOn(const SchoolClass& cls, Day day) const;
  // Why the class has no lessons on `day` (R-SET-1), in Russian ("выходной день (суббота)",
  // "Осенние каникулы (с 27.10.2026 по 04.11.2026)"); empty on a school day. Every kind of
  // holiday stops lessons, an актированный день too (lessons held remotely instead are not a
  // holiday: school.proto HolidayKind).
  std::string DayOff(const SchoolClass& cls, Day day) const;
  // Whether `day` is one of the school days of the week of the class's grade (its term scheme's
  // school_weekdays; Monday..Friday when it names none).
  bool IsSchoolWeekday(const SchoolClass& cls, Day day) const;
  // The class's study week of `day` (R-SET-3, two-week timetables): 1 for the week (Monday to
  // Sunday) holding the first day of the class's academic year, counting on through holidays;
  // from 1 September of the school year `day` falls in when the year is not defined.
  int StudyWeek(const SchoolClass& cls, Day day) const;
  // Whether a timetable slot gives the class a lesson on `day`: its weekday, its dates and its
  // weeks (odd, even or every), holidays aside (DayOff).
  bool SlotGives(const TimetableSlot& slot, const SchoolClass& cls, Day day) const;
  // Start and end instants of a lesson (its bell period in the school's zone; the whole day when
  // no bell schedule names the period).
  int64_t LessonStartUs(const Lesson& lesson) const;
  int64_t LessonEndUs(const Lesson& lesson) const;
  // Whether `student_id` belongs to the lesson's class (and subgroup) on the lesson's date: the
  // student an individual lesson is for; for a lesson of the class, a member not home-schooled
  // that day (R-LES-2: their lessons are individual, on their own pages).
  bool InLesson(const Lesson& lesson, std::string_view student_id) const;
  // Whether the teacher teaches the home-schooled student's individual lessons of the subject in
  // the class: a timetable slot or a lesson of that student's page names them (R-LES-2).
  bool TeachesHomePage(std::string_view teacher_id, std::string_view class_id,
                       std::string_view student_id, std::string_view subject_id) const;
  // A page's subgroup as people read it: the subgroup's name, or for a home-schooled student's
  // page "обучение на дому: <name>"; empty for the whole class's page.
  std::string PageGroupName(std::string_view subgroup_id) const;
  // Weekly hours of the page of the class/subgroup and subject (0 if none): the load's, and on a
  // home-schooled student's page the individual timetable's (a slot of every other week counts
  // half, rounded up).
  int WeeklyHours(std::string_view class_id, std::string_view subgroup_id,
                  std::string_view subject_id, Day day) const;
  // The substitution in force naming `teacher_id` for the lesson, or null.
  const Substitution* SubstitutionFor(const Lesson& lesson, std::string_view teacher_id) const;
  // The lessons of the class on a day, not cancelled.
  std::vector<const Lesson*> LessonsOfClassOn(std::string_view class_id, Day day) const;
  // The next lesson of the same class/subgroup and subject after `lesson`, or null.
  const Lesson* NextLessonOfGroup(const Lesson& lesson) const;

  // The bell schedule of the lesson's grade, weekday and date (BellScheduleSet), or null.
  const BellSchedule* BellFor(const Lesson& lesson) const;

 private:
  friend class SchoolState;
  // KeepId's copies (a deque: its elements never move) and their index.
  std::deque<std::string> kept_ids_;
  absl::flat_hash_set<std::string_view> kept_index_;
};

std::string AttendanceKey(std::string_view lesson_id, std::string_view student_id);
// The same key, written into `key` (a buffer reused from call to call).
void AttendanceKeyInto(std::string_view lesson_id, std::string_view student_id, std::string& key);
std::string AckKey(std::string_view student_id, Day week_start);
std::string GroupKey(std::string_view class_id, std::string_view subgroup_id,
                     std::string_view subject_id);
// The journal page of a home-schooled student's individual lessons (R-LES-2, seed 004 §8.2: "во
// вкладке «Обучение на дому» страницы журнала на каждого обучающегося") stands where a page names
// its subgroup: "@<student>". A subgroup's id never starts with '@' (R-SET-1 refuses it).
inline constexpr char kHomePagePrefix = '@';
std::string HomePageId(std::string_view student_id);
// The page of a lesson or a timetable slot: the student's home page when it is individual, else
// its subgroup (empty: the whole class).
std::string PageSubgroupOf(std::string_view subgroup_id, std::string_view individual_student_id);
// The student of a home page's id, or empty when `subgroup_id` is not one.
std::string_view HomePageStudent(std::string_view subgroup_id);
std::string TermKey(const v1::TermMarkRef& ref);
std::string TermKey(std::string_view student_id, std::string_view subject_id,
                    const v1::PeriodRef& period);
std::string ExamKey(const v1::ExamMarkRef& ref);
std::string ExamKey(std::string_view student_id, std::string_view subject_id,
                    std::string_view year_id, int attempt);

}  // namespace ejournal::school

#endif  // EJOURNAL_PROJECTIONS_SCHOOL_H_
