#include "tools/synth/school_generator.h"

#include <openssl/sha.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <deque>
#include <functional>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <thread>
#include <unordered_map>
#include <utility>

#include "ledger/event_codec.h"
#include "projections/rule_book.h"
#include "projections/school_state.h"
#include "projections/school_time.h"
#include "setup/import_plan.h"

namespace ejournal::synth {
namespace {

using school::Day;

constexpr int kMaxPeriods = 7;
// Bell schedule: (start, end) minutes of periods 1..7.
constexpr std::array<std::pair<int, int>, kMaxPeriods> kBells = {{{8 * 60 + 30, 9 * 60 + 15},
                                                                  {9 * 60 + 25, 10 * 60 + 10},
                                                                  {10 * 60 + 30, 11 * 60 + 15},
                                                                  {11 * 60 + 35, 12 * 60 + 20},
                                                                  {12 * 60 + 40, 13 * 60 + 25},
                                                                  {13 * 60 + 40, 14 * 60 + 25},
                                                                  {14 * 60 + 35, 15 * 60 + 20}}};

int Minutes(int hh, int mm) { return hh * 60 + mm; }

Day MakeDay(int y, int m, int d) {
  v1::Date x;
  x.set_year(y);
  x.set_month(m);
  x.set_day(d);
  return school::DayOf(x).value();
}

v1::DateRange Range(Day first, Day last) {
  v1::DateRange r;
  *r.mutable_first_day() = school::DateOf(first);
  *r.mutable_last_day() = school::DateOf(last);
  return r;
}

std::string Compact(Day day) {
  const v1::Date d = school::DateOf(day);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d%02d%02d", d.year(), d.month(), d.day());
  return buf;
}

// A student's name for the class list ("Иванова Анна"), a function of the student's number alone
// (it draws nothing from the generator's random stream, so the rest of the school stays as it was).
std::string StudentName(int index) {
  static constexpr const char* kSurnames[] = {
      "Иванов",   "Смирнов",   "Кузнецов", "Попов",    "Васильев", "Петров",   "Соколов",
      "Михайлов", "Новиков",   "Фёдоров",  "Морозов",  "Волков",   "Алексеев", "Лебедев",
      "Семёнов",  "Егоров",    "Павлов",   "Козлов",   "Степанов", "Николаев", "Орлов",
      "Андреев",  "Макаров",   "Никитин",  "Захаров",  "Зайцев",   "Соловьёв", "Борисов",
      "Яковлев",  "Григорьев", "Романов",  "Воробьёв", "Сергеев",  "Кузьмин",  "Фролов"};
  static constexpr const char* kBoys[] = {"Александр", "Максим",  "Артём",   "Михаил", "Иван",
                                          "Даниил",    "Дмитрий", "Кирилл",  "Андрей", "Егор",
                                          "Никита",    "Илья",    "Алексей", "Матвей", "Тимофей"};
  static constexpr const char* kGirls[] = {
      "Анастасия", "Мария", "Анна",    "Виктория", "Полина",   "Елизавета", "Екатерина", "Дарья",
      "Софья",     "Алиса", "Варвара", "Ксения",   "Вероника", "Арина",     "Ульяна"};
  // Half the names are girls', spread over the classes (student i is in class i % classes).
  const bool girl = ((static_cast<uint32_t>(index) * 2654435761u) >> 16) & 1u;
  std::string name = kSurnames[(index * 7 + (index / 40) * 3) % std::size(kSurnames)];
  if (girl) name += "а";
  name += ' ';
  name += girl ? kGirls[(index * 11 / 2) % std::size(kGirls)]
               : kBoys[(index * 13 / 2) % std::size(kBoys)];
  return name;
}

std::string Pad(int n, int width) {
  std::string s = std::to_string(n);
  return s.size() >= static_cast<size_t>(width) ? s : std::string(width - s.size(), '0') + s;
}

// The curriculum: weekly hours by grade (index 1..11). Subjects taught by the class's own
// teacher in grades 1-4 are `primary`; `split` subjects are taught in two subgroups from grade 5.
struct SubjectSpec {
  const char* id;
  const char* name;
  v1::SubjectKind kind;
  std::array<int, 12> hours;
  bool primary;
  bool split;
};

const std::vector<SubjectSpec>& Curriculum() {
  using K = v1::SubjectKind;
  static const std::vector<SubjectSpec> specs = {
      {"russian",
       "Русский язык",
       K::SUBJECT_KIND_RUSSIAN_LANGUAGE,
       {0, 5, 5, 5, 5, 5, 5, 4, 3, 3, 2, 2},
       true,
       false},
      {"literature",
       "Литература",
       K::SUBJECT_KIND_LITERATURE,
       {0, 4, 4, 4, 3, 3, 3, 2, 2, 3, 3, 3},
       true,
       false},
      {"english",
       "Английский язык",
       K::SUBJECT_KIND_FOREIGN_LANGUAGE,
       {0, 0, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3},
       false,
       true},
      {"math",
       "Математика",
       K::SUBJECT_KIND_OTHER,
       {0, 4, 4, 4, 4, 5, 5, 0, 0, 0, 0, 0},
       true,
       false},
      {"algebra",
       "Алгебра",
       K::SUBJECT_KIND_OTHER,
       {0, 0, 0, 0, 0, 0, 0, 3, 3, 3, 4, 4},
       false,
       false},
      {"geometry",
       "Геометрия",
       K::SUBJECT_KIND_OTHER,
       {0, 0, 0, 0, 0, 0, 0, 2, 2, 2, 2, 2},
       false,
       false},
      {"world",
       "Окружающий мир",
       K::SUBJECT_KIND_OTHER,
       {0, 2, 2, 2, 2, 0, 0, 0, 0, 0, 0, 0},
       true,
       false},
      {"history",
       "История",
       K::SUBJECT_KIND_OTHER,
       {0, 0, 0, 0, 0, 2, 2, 2, 2, 2, 2, 2},
       false,
       false},
      {"social",
       "Обществознание",
       K::SUBJECT_KIND_OTHER,
       {0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2},
       false,
       false},
      {"geography",
       "География",
       K::SUBJECT_KIND_OTHER,
       {0, 0, 0, 0, 0, 1, 1, 2, 2, 2, 1, 1},
       false,
       false},
      {"biology",
       "Биология",
       K::SUBJECT_KIND_OTHER,
       {0, 0, 0, 0, 0, 1, 1, 1, 2, 2, 1, 1},
       false,
       false},
      {"physics",
       "Физика",
       K::SUBJECT_KIND_OTHER,
       {0, 0, 0, 0, 0, 0, 0, 2, 2, 3, 2, 2},
       false,
       false},
      {"chemistry",
       "Химия",
       K::SUBJECT_KIND_OTHER,
       {0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 1, 1},
       false,
       false},
      {"informatics",
       "Информатика",
       K::SUBJECT_KIND_OTHER,
       {0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1},
       false,
       false},
      {"music", "Музыка", K::SUBJECT_KIND_OTHER, {0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0}, true, false},
      {"art",
       "Изобразительное искусство",
       K::SUBJECT_KIND_OTHER,
       {0, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0},
       true,
       false},
      {"technology",
       "Труд (технология)",
       K::SUBJECT_KIND_OTHER,
       {0, 1, 1, 1, 1, 2, 2, 2, 1, 1, 0, 0},
       true,
       false},
      {"pe",
       "Физическая культура",
       K::SUBJECT_KIND_PHYSICAL_EDUCATION,
       {0, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2},
       false,
       false},
      {"obzr",
       "Основы безопасности и защиты Родины",
       K::SUBJECT_KIND_OTHER,
       {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1},
       false,
       false},
  };
  return specs;
}

const char* const kLetters[] = {"А", "Б", "В", "Г", "Д", "Е", "Ж", "З"};

// A credential of a person, in force from `from_us` (the one with the latest start at or before an
// event's time signs it).
struct Cred {
  int64_t from_us = 0;
  std::string id;
  std::unique_ptr<crypto::PrivateKey> key;
};

struct Person {
  std::string id;
  std::vector<Cred> creds;
};

// A teaching unit: one class (or subgroup) and subject with its teacher and weekly hours.
struct Unit {
  int cls = 0;
  int subject = 0;
  std::string subgroup_id;  // "" for the whole class
  int teacher = 0;
  int hours = 0;
  std::vector<int> students;  // indexes into SchoolModel::students
  std::string load_id;
  int lessons_held = 0;  // for topics and the control-work rhythm
};

// A class's own room; a class split into two subgroups sends the second to a room of its own
// (R-SET-3: one room holds one lesson at a time).
std::string RoomOf(const Unit& u) {
  const bool second_group = !u.subgroup_id.empty() && u.subgroup_id.back() == '2';
  return std::to_string((second_group ? 200 : 100) + u.cls);
}

struct ClassModel {
  std::string id;
  int grade = 0;
  std::string letter;
  int class_teacher = -1;
  std::vector<int> students;
};

struct StudentModel {
  std::string id;
  int cls = 0;
  std::vector<std::string> guardians;
  double ability = 4.0;
  Day sick_until = school::kNoDay;
  Day pe_exempt_until = school::kNoDay;
};

struct Slot {
  std::string id;
  int unit = 0;
  int weekday = 1;  // 1..5
  int period = 1;
};

struct LessonModel {
  std::string id;
  int unit = 0;
  Day day = 0;
  int period = 1;
  // Set when a substitute writes the lesson.
  int writer = -1;
  std::string substitution_id;
};

// What the term-mark rule (R-TERM-1) counts, per student, subject and term.
struct TermTally {
  int marks = 0, held = 0, absent = 0;
  int64_t weighted = 0, weights = 0;  // sum of value * weight and of weights
};

// A mark recorded today: a candidate for a correction at the end of the day.
struct MarkFact {
  std::string mark_id, event_id, lesson_id, student_id;
  int student = 0, unit = 0, term = 0, value = 0;
  v1::WorkType work = v1::WORK_TYPE_ANSWER_IN_CLASS;
  Day day = 0;
  int writer = 0;
  bool substituted = false;
};

struct PendingRequest {
  std::string request_id;
  MarkFact mark;
  int new_value = 0;
};

struct SchoolModel {
  std::string id, name;
  school::SchoolZone zone;
  Day year_first = 0, year_last = 0, adapt_first = 0, adapt_last = 0;
  std::vector<std::pair<Day, Day>> terms;     // 4 quarters
  std::vector<std::pair<Day, Day>> holidays;  // vacations and public holidays
  std::vector<std::string> subject_ids;
  std::vector<ClassModel> classes;
  std::vector<StudentModel> students;
  std::vector<Person> people;  // every user with a key
  std::unordered_map<std::string, int> person_index;
  std::vector<int> teachers;  // indexes into people
  int admin = -1, director = -1, methodist = -1, secretary = -1, auditor = -1;
  std::vector<int> deputies;
  std::vector<Unit> units;
  std::vector<Slot> slots;
  std::map<Day, std::vector<LessonModel>> week_lessons;  // the scheduled week
  std::unordered_map<uint64_t, TermTally> tallies;
  std::vector<MarkFact> today_marks;
  std::vector<PendingRequest> pending;  // awaiting the deputy's decision
  int next_deputy = 0;
  // Absences to classify this week: student -> (lesson, reason).
  std::map<int, std::vector<std::pair<std::string, v1::AbsenceReason>>> week_absences;
  // The last mark of each teacher that no correction touched (for the leak's forged request).
  std::unordered_map<int, MarkFact> last_mark_of;
  std::set<std::string> frozen_marks;     // never corrected again (the leak touched them)
  std::map<std::string, int> term_marks;  // TermKey-ish "student/subject/term" -> value (0: н/а)
  int requests = 0, substitutions = 0;
};

uint64_t TallyKey(int student, int subject, int term) {
  return (static_cast<uint64_t>(student) << 24) | (static_cast<uint64_t>(subject) << 8) |
         static_cast<uint64_t>(term);
}

}  // namespace

struct SchoolGenerator::Impl {
  Options opt;
  std::string node_credential_id;
  crypto::PrivateKey node_key;
  std::mt19937_64 rng;
  uint64_t id_counter = 0;
  uint64_t emitted = 0;
  Stats stats;
  std::optional<LeakFacts> leak;
  std::vector<SchoolModel> schools;
  std::map<int64_t, std::vector<Event>> pending;
  std::vector<Day> study_mondays;
  Day first_day = 0, last_day = 0, next_day = 0;
  int64_t horizon = 0;
  bool scheduled_ahead = false;  // the groups of Options::schedule_ahead_days were made
  // Those groups not yet handed out: one per instant they were made for (a credential is known to
  // admission only once its group is appended, so its first use comes in a later group).
  std::deque<std::vector<Event>> ahead;
  // The leak: the school index 0, the teacher (people index), the attack day (a Tuesday).
  int leak_teacher = -1;
  Day attack_day = school::kNoDay;
  int64_t act_at = 0, rekey_at = 0;
  std::string leaked_credential;

  Impl(Options o, std::string node_cred, crypto::PrivateKey key)
      : opt(std::move(o)),
        node_credential_id(std::move(node_cred)),
        node_key(std::move(key)),
        rng(opt.seed * 0x9E3779B97F4A7C15ULL + 0x5EED) {}

  // ---- randomness and ids --------------------------------------------------------------------

  double U() { return static_cast<double>(rng() >> 11) * (1.0 / 9007199254740992.0); }
  int R(int n) { return n <= 0 ? 0 : static_cast<int>(rng() % static_cast<uint64_t>(n)); }

  // A UUID-shaped event id, deterministic in the seed and the order of events.
  std::string NewEventId() {
    uint64_t x = opt.seed * 0xD1B54A32D192ED03ULL + (++id_counter) * 0x9E3779B97F4A7C15ULL;
    auto mix = [](uint64_t z) {
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
      return z ^ (z >> 31);
    };
    const uint64_t a = mix(x), b = mix(x + 0x632BE59BD9B4E019ULL);
    char buf[40];
    std::snprintf(buf, sizeof buf, "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                  static_cast<unsigned>((a >> 16) & 0xFFFF), static_cast<unsigned>(a & 0xFFF),
                  static_cast<unsigned>(0x8000 | ((b >> 48) & 0x3FFF)),
                  static_cast<unsigned long long>(b & 0xFFFFFFFFFFFFULL));
    return buf;
  }

  // A user's key, derived from the seed: SHA-256(seed, school, credential id) is the Ed25519 seed.
  std::unique_ptr<crypto::PrivateKey> DeriveKey(const std::string& school_id,
                                                const std::string& credential_id) const {
    std::string material =
        "ejournal-synth/" + std::to_string(opt.seed) + "/" + school_id + "/" + credential_id;
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(material.data()), material.size(), digest);
    auto key = crypto::PrivateKey::FromEd25519Seed(
        std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
    return std::make_unique<crypto::PrivateKey>(std::move(key).value());
  }

  // ---- events --------------------------------------------------------------------------------

  int64_t At(const SchoolModel& s, Day day, int minutes) const {
    return s.zone.InstantOf(day, minutes);
  }

  const Cred& CredAt(const Person& p, int64_t at) const {
    const Cred* best = &p.creds.front();
    for (const auto& c : p.creds) {
      if (c.from_us <= at) best = &c;
    }
    return *best;
  }

  // A new event of `actor` (a people index, or -1 for the node) at `at`; the caller fills the
  // payload at once (the pointer is valid until the next Emit).
  v1::EventBody* Emit(SchoolModel& s, int64_t at, int actor) {
    Event e;
    e.record_at_us = at;
    e.body.set_schema_version(kSchemaVersion);
    e.body.set_event_id(NewEventId());
    e.body.set_school_id(s.id);
    e.body.set_client_time_us(at);
    if (actor < 0) {
      e.body.set_actor_id(school::kNodeActor);
      e.body.set_credential_id(node_credential_id);
      e.key = &node_key;
    } else {
      const Person& p = s.people[actor];
      const Cred& c = CredAt(p, at);
      e.body.set_actor_id(p.id);
      e.body.set_credential_id(c.id);
      e.key = c.key.get();
    }
    ++stats.events;
    auto& group = pending[at];
    group.push_back(std::move(e));
    return &group.back().body;
  }

  int AddPerson(SchoolModel& s, const std::string& id) {
    s.person_index[id] = static_cast<int>(s.people.size());
    s.people.push_back(Person{id, {}});
    return static_cast<int>(s.people.size()) - 1;
  }

  // Registers the user (admin-signed) and issues a long-lived key to them.
  void RegisterUser(SchoolModel& s, int64_t at, int person, std::initializer_list<v1::Role> roles,
                    const std::string& display, bool with_key) {
    const std::string& id = s.people[person].id;
    auto* b = Emit(s, at, s.admin);
    auto* u = b->mutable_user_registered();
    u->set_user_id(id);
    for (auto r : roles) u->add_roles(r);
    u->set_login_name(id);
    u->set_display_name(display);
    if (with_key) IssueKey(s, at + 60'000'000, person, s.admin, "ключ сотрудника");
  }

  void IssueKey(SchoolModel& s, int64_t at, int person, int issuer, const std::string& label) {
    Person& p = s.people[person];
    const std::string cred_id = "key-" + s.id + "-" + p.id + "-" + std::to_string(p.creds.size());
    auto key = DeriveKey(s.id, cred_id);
    auto* b = Emit(s, at, issuer);
    auto* c = b->mutable_credential_issued();
    c->set_credential_id(cred_id);
    c->set_user_id(p.id);
    c->set_algorithm(v1::KEY_ALGORITHM_ED25519);
    c->set_public_key(key->public_key().raw());
    c->set_kind(v1::CREDENTIAL_KIND_LONG_LIVED);
    c->set_not_after_us(At(s, s.year_last + 92, 0));
    c->set_label(label);
    // Usable from the next instant (admission checks the signer before the group is appended).
    p.creds.push_back(Cred{at + 1, cred_id, std::move(key)});
  }

  // ---- the calendar ----------------------------------------------------------------------------

  bool IsHoliday(const SchoolModel& s, Day d) const {
    for (const auto& [f, l] : s.holidays) {
      if (d >= f && d <= l) return true;
    }
    return false;
  }
  int TermOf(const SchoolModel& s, Day d) const {
    for (size_t i = 0; i < s.terms.size(); ++i) {
      if (d >= s.terms[i].first && d <= s.terms[i].second) return static_cast<int>(i) + 1;
    }
    return 0;
  }
  bool IsSchoolDay(const SchoolModel& s, Day d) const {
    return school::WeekdayOf(d) <= 5 && TermOf(s, d) != 0 && !IsHoliday(s, d);
  }
  bool InAdaptation(const SchoolModel& s, Day d) const {
    return d >= s.adapt_first && d <= s.adapt_last;
  }
  // The last school day of term `t` (1-based), or kNoDay.
  Day LastSchoolDayOfTerm(const SchoolModel& s, int t) const {
    for (Day d = s.terms[t - 1].second; d >= s.terms[t - 1].first; --d) {
      if (IsSchoolDay(s, d)) return d;
    }
    return school::kNoDay;
  }

  // ---- set-up ----------------------------------------------------------------------------------

  // One school's calendar, people, classes, load and timetable, recorded before its year.
  void Setup(int index);
  // The steps of Setup, in its order.
  void DefineCalendar(SchoolModel& s, int index) const;
  void RegisterSchool(SchoolModel& s, int64_t at);  // by the node, with the first administrator
  void DefineYear(SchoolModel& s, int64_t at);
  void DefineSubjects(SchoolModel& s, int64_t at);
  void PlanClasses(SchoolModel& s) const;
  void RegisterStaff(SchoolModel& s, int64_t at);
  void RegisterTeachers(SchoolModel& s, int64_t at);
  void RegisterStudents(SchoolModel& s);
  void ImportRoster(SchoolModel& s, int64_t at);
  void AssignLoad(SchoolModel& s, int64_t at);
  void DefineSubgroup(SchoolModel& s, int64_t at, const ClassModel& c,
                      const std::string& subject_id, int part, Unit& u);
  void SetPolicy(SchoolModel& s, Day day);
  void SetBellsAndTimetable(SchoolModel& s, int64_t at);
  void RecordPeExemptions(SchoolModel& s, int64_t at);
  static int PrimaryClasses(const SchoolModel& s);
  static std::vector<std::vector<int>> SubjectTeachers(const SchoolModel& s);
  void BuildTimetable(SchoolModel& s);
  void ScheduleWeek(SchoolModel& s, Day monday);
  // Generates `next_day` and moves the horizon past it.
  void AdvanceDay();
  // At the stop: the set-up events of the next Options::schedule_ahead_days (IsSetUp: the
  // roster, the credentials, the timetable and the lessons scheduled), recorded at the stop, in
  // their groups' order; the next of those groups into `out`, false when none is left.
  bool ScheduledAhead(std::vector<Event>& out);
  void SchoolDay(SchoolModel& s, Day d, bool leak_school);
  void Lesson(SchoolModel& s, LessonModel& l);
  void ControlMarks(SchoolModel& s, Day d);
  void EndOfDay(SchoolModel& s, Day d);
  void Decisions(SchoolModel& s, Day d);
  void TermMarks(SchoolModel& s, Day d, int term);
  void Acknowledgements(SchoolModel& s, Day sunday);
  void LeakEvening(SchoolModel& s, Day d);
  std::string RequestCorrection(SchoolModel& s, int64_t at, int actor, MarkFact m, int value,
                                const std::string& request_id, const std::string& reason);
  void LeakResponse(SchoolModel& s, Day d);
  void Init();
  void GenerateDay(Day d);
  int MarkValue(const SchoolModel& s, int student, Day d) {
    double v = s.students[student].ability + (U() - 0.5) * 2.0;
    int m = static_cast<int>(std::lround(v));
    m = std::clamp(m, 2, 5);
    if (InAdaptation(s, d)) m = std::max(m, 3);  // R-MARK-4
    return m;
  }
  void RecordMark(SchoolModel& s, const LessonModel& l, int student, int64_t at, v1::WorkType work,
                  int value, int second, const std::string& mark_id);

  std::vector<LessonModel*> LessonsOf(SchoolModel& s, Day d) {
    std::vector<LessonModel*> out;
    auto it = s.week_lessons.find(d);
    if (it == s.week_lessons.end()) return out;
    for (auto& l : it->second) out.push_back(&l);
    return out;
  }
  int WriterOf(const SchoolModel& s, const LessonModel& l) const {
    return l.writer >= 0 ? l.writer : s.units[l.unit].teacher;
  }
  v1::EventBody* EmitOnLesson(SchoolModel& s, const LessonModel& l, int64_t at) {
    auto* b = Emit(s, at, WriterOf(s, l));
    *b->mutable_business_date() = school::DateOf(l.day);
    if (!l.substitution_id.empty()) b->set_substitution_id(l.substitution_id);
    return b;
  }
};

void SchoolGenerator::Impl::Init() {
  const int y = opt.year;
  for (int k = 0; k < opt.schools; ++k) Setup(k);
  // Study weeks: Mondays from 1 September's week with at least one school day.
  const SchoolModel& s0 = schools.front();
  Day monday = school::WeekStart(s0.year_first);
  while (static_cast<int>(study_mondays.size()) < opt.weeks && monday <= s0.year_last) {
    bool any = false;
    for (int i = 0; i < 5; ++i) any |= IsSchoolDay(s0, monday + i);
    if (any) study_mondays.push_back(monday);
    monday += 7;
  }
  first_day = MakeDay(y, 8, 25);
  last_day = study_mondays.empty() ? first_day : study_mondays.back() + 6;
  next_day = first_day;
  // The leak: in the first school, on the Tuesday of the fifth study week (earlier in a short
  // year), by a teacher who teaches on Tuesday and Wednesday.
  if (opt.leak && study_mondays.size() >= 3) {
    SchoolModel& s = schools.front();
    for (size_t w = std::min<size_t>(4, study_mondays.size() - 2); w < study_mondays.size(); ++w) {
      const Day tue = study_mondays[w] + 1;
      if (!IsSchoolDay(s, tue) || !IsSchoolDay(s, tue + 1)) continue;
      // A subject teacher (grades 5+) with lessons on both days.
      for (int t : s.teachers) {
        bool on_tue = false, on_wed = false, senior = false;
        for (const auto& slot : s.slots) {
          const Unit& u = s.units[slot.unit];
          if (u.teacher != t) continue;
          senior |= s.classes[u.cls].grade >= 5;
          on_tue |= slot.weekday == 2;
          on_wed |= slot.weekday == 3;
        }
        if (on_tue && on_wed && senior) {
          leak_teacher = t;
          break;
        }
      }
      if (leak_teacher >= 0) {
        attack_day = tue;
        break;
      }
    }
  }
}

// The steps run in this order: each emits its events after the previous step's, and the
// generator's randomness and event ids follow that order (the same seed gives the same events).
void SchoolGenerator::Impl::Setup(int index) {
  schools.emplace_back();
  SchoolModel& s = schools.back();
  DefineCalendar(s, index);
  const Day setup = MakeDay(opt.year, 8, 25);
  RegisterSchool(s, At(s, setup, Minutes(9, 0)));
  const int64_t t_year = At(s, setup, Minutes(10, 0));
  DefineYear(s, t_year);
  DefineSubjects(s, t_year);
  PlanClasses(s);
  const int64_t t_staff = At(s, setup, Minutes(11, 0));
  RegisterStaff(s, t_staff);
  RegisterTeachers(s, t_staff);
  RegisterStudents(s);
  ImportRoster(s, At(s, setup + 1, Minutes(10, 0)));
  AssignLoad(s, At(s, setup + 1, Minutes(14, 0)));
  SetPolicy(s, setup + 2);
  SetBellsAndTimetable(s, At(s, setup + 2, Minutes(11, 0)));
  RecordPeExemptions(s, At(s, s.year_first, Minutes(8, 0)));
}

void SchoolGenerator::Impl::DefineCalendar(SchoolModel& s, int index) const {
  const int y = opt.year;
  s.id = "school-" + std::to_string(index + 1);
  s.name = "МБОУ СОШ № " + std::to_string(index + 1);
  s.zone = school::SchoolZone::Find(opt.zone).value();
  s.year_first = MakeDay(y, 9, 1);
  s.year_last = MakeDay(y + 1, 5, 31);
  s.adapt_first = MakeDay(y, 9, 1);
  s.adapt_last = MakeDay(y, 9, 15);
  s.terms = {{MakeDay(y, 9, 1), MakeDay(y, 10, 24)},
             {MakeDay(y, 11, 5), MakeDay(y, 12, 28)},
             {MakeDay(y + 1, 1, 12), MakeDay(y + 1, 3, 20)},
             {MakeDay(y + 1, 3, 30), MakeDay(y + 1, 5, 26)}};
  s.holidays = {{MakeDay(y, 10, 25), MakeDay(y, 11, 4)},
                {MakeDay(y, 12, 29), MakeDay(y + 1, 1, 11)},
                {MakeDay(y + 1, 3, 21), MakeDay(y + 1, 3, 29)},
                {MakeDay(y + 1, 2, 23), MakeDay(y + 1, 2, 23)},
                {MakeDay(y + 1, 3, 9), MakeDay(y + 1, 3, 9)},
                {MakeDay(y + 1, 5, 1), MakeDay(y + 1, 5, 1)},
                {MakeDay(y + 1, 5, 11), MakeDay(y + 1, 5, 11)}};
}

void SchoolGenerator::Impl::RegisterSchool(SchoolModel& s, int64_t at) {
  s.admin = AddPerson(s, "admin");
  auto* b = Emit(s, at, -1);
  b->mutable_school_registered()->set_name(s.name);
  b->mutable_school_registered()->set_time_zone(opt.zone);
  b->mutable_school_registered()->set_region("Синтетическая область");
  b = Emit(s, at, -1);
  auto* u = b->mutable_user_registered();
  u->set_user_id("admin");
  u->add_roles(v1::ROLE_ADMIN);
  u->set_login_name("admin");
  u->set_display_name("Технический администратор");
  IssueKey(s, at, s.admin, -1, "ключ администратора");
}

void SchoolGenerator::Impl::DefineYear(SchoolModel& s, int64_t at) {
  auto* b = Emit(s, at, s.admin);
  auto* yd = b->mutable_academic_year_defined();
  yd->set_academic_year_id(std::to_string(opt.year));
  *yd->mutable_dates() = Range(s.year_first, s.year_last);
  auto* scheme = yd->add_term_schemes();
  scheme->set_grade_from(1);
  scheme->set_grade_to(11);
  scheme->set_kind(v1::TERM_KIND_QUARTER);
  for (int i = 0; i < 4; ++i) {
    auto* t = scheme->add_terms();
    t->set_number(i + 1);
    *t->mutable_dates() = Range(s.terms[i].first, s.terms[i].second);
  }
  for (int wd = 1; wd <= 5; ++wd) scheme->add_school_weekdays(static_cast<v1::Weekday>(wd));
  // In the order of SchoolModel::holidays: the three vacations first.
  const char* names[] = {"осенние каникулы",
                         "зимние каникулы",
                         "весенние каникулы",
                         "День защитника Отечества",
                         "Международный женский день (перенос)",
                         "Праздник Весны и Труда",
                         "День Победы (перенос)"};
  for (size_t i = 0; i < s.holidays.size(); ++i) {
    auto* h = yd->add_holidays();
    *h->mutable_dates() = Range(s.holidays[i].first, s.holidays[i].second);
    h->set_kind(i < 3 ? v1::HOLIDAY_KIND_VACATION : v1::HOLIDAY_KIND_PUBLIC_HOLIDAY);
    h->set_name(names[i]);
  }
  *yd->mutable_adaptation_period() = Range(s.adapt_first, s.adapt_last);
}

void SchoolGenerator::Impl::DefineSubjects(SchoolModel& s, int64_t at) {
  for (const auto& spec : Curriculum()) {
    auto* b = Emit(s, at, s.admin);
    b->mutable_subject_defined()->set_subject_id(spec.id);
    b->mutable_subject_defined()->set_name(spec.name);
    b->mutable_subject_defined()->set_kind(spec.kind);
    s.subject_ids.push_back(spec.id);
  }
}

// Classes: spread over grades 1..11, letters А, Б, ... (recorded later, with their class
// teachers, by ImportRoster).
void SchoolGenerator::Impl::PlanClasses(SchoolModel& s) const {
  const int nclasses = std::max(1, opt.classes);
  std::vector<int> per_grade(12, 0);
  for (int i = 0; i < nclasses; ++i) per_grade[1 + i * 11 / nclasses]++;
  for (int g = 1; g <= 11; ++g) {
    for (int k = 0; k < per_grade[g]; ++k) {
      ClassModel c;
      c.grade = g;
      c.letter = kLetters[k % 8];
      c.id = "c" + Pad(g, 2) + "-" + std::to_string(k + 1);
      s.classes.push_back(c);
    }
  }
}

// The administration and the specialists; the teachers are RegisterTeachers'.
void SchoolGenerator::Impl::RegisterStaff(SchoolModel& s, int64_t at) {
  s.director = AddPerson(s, "director");
  RegisterUser(s, at, s.director, {v1::ROLE_DIRECTOR}, "Директор", true);
  for (int i = 0; i < 2; ++i) {
    s.deputies.push_back(AddPerson(s, "deputy-" + std::to_string(i + 1)));
    RegisterUser(s, at, s.deputies.back(), {v1::ROLE_DEPUTY}, "Заместитель директора по УВР", true);
  }
  s.methodist = AddPerson(s, "methodist");
  RegisterUser(s, at, s.methodist, {v1::ROLE_METHODIST}, "Методист", true);
  s.secretary = AddPerson(s, "secretary");
  RegisterUser(s, at, s.secretary, {v1::ROLE_SECRETARY}, "Секретарь", true);
  s.auditor = AddPerson(s, "auditor");
  RegisterUser(s, at, s.auditor, {v1::ROLE_AUDITOR}, "Аудитор", true);
  int sp = AddPerson(s, "social-pedagogue");
  RegisterUser(s, at, sp, {v1::ROLE_SOCIAL_PEDAGOGUE}, "Социальный педагог", false);
  int ps = AddPerson(s, "psychologist");
  RegisterUser(s, at, ps, {v1::ROLE_PSYCHOLOGIST}, "Педагог-психолог", false);
}

int SchoolGenerator::Impl::PrimaryClasses(const SchoolModel& s) {
  int primary_classes = 0;
  for (const auto& c : s.classes) primary_classes += c.grade <= 4 ? 1 : 0;
  return primary_classes;
}

// Teachers: one per primary class (its class teacher), the rest subject teachers; s.teachers
// lists the primary teachers first.
void SchoolGenerator::Impl::RegisterTeachers(SchoolModel& s, int64_t at) {
  const int primary_classes = PrimaryClasses(s);
  const int nteachers = std::max(opt.teachers, primary_classes + 1);
  for (int i = 0; i < nteachers; ++i) {
    s.teachers.push_back(AddPerson(s, "t-" + Pad(i + 1, 3)));
  }
  // Class teachers: the primary teachers for grades 1-4, subject teachers round-robin above.
  int primary = 0, specialist = primary_classes;
  for (auto& c : s.classes) {
    if (c.grade <= 4) {
      c.class_teacher = s.teachers[primary++];
    } else {
      c.class_teacher = s.teachers[specialist];
      specialist = specialist + 1 < nteachers ? specialist + 1 : primary_classes;
    }
  }
  std::set<int> class_teachers;
  for (const auto& c : s.classes) class_teachers.insert(c.class_teacher);
  for (int i = 0; i < nteachers; ++i) {
    const int t = s.teachers[i];
    if (class_teachers.contains(t)) {
      RegisterUser(s, at, t, {v1::ROLE_TEACHER, v1::ROLE_CLASS_TEACHER}, "Учитель " + Pad(i + 1, 3),
                   true);
    } else {
      RegisterUser(s, at, t, {v1::ROLE_TEACHER}, "Учитель " + Pad(i + 1, 3), true);
    }
  }
}

// Students and their parents (one each; every tenth student has a second parent), spread over
// the classes in turn. Each student's ability is drawn here, in the students' order. They are
// recorded by ImportRoster.
void SchoolGenerator::Impl::RegisterStudents(SchoolModel& s) {
  const int nclasses = static_cast<int>(s.classes.size());
  const int nstudents = std::max(opt.students, nclasses);
  for (int i = 0; i < nstudents; ++i) {
    StudentModel st;
    st.id = "s-" + Pad(i + 1, 5);
    st.cls = i % nclasses;
    st.ability = 2.8 + 2.2 * U();
    st.guardians.push_back("p-" + Pad(i + 1, 5));
    if (i % 10 == 3) st.guardians.push_back("p-" + Pad(i + 1, 5) + "b");
    s.classes[st.cls].students.push_back(i);
    s.students.push_back(std::move(st));
  }
  for (const StudentModel& st : s.students) {
    AddPerson(s, st.id);
    for (const auto& g : st.guardians) AddPerson(s, g);
  }
}

// The roster (classes with their class teachers, students, parents, enrolments, guardian links)
// comes in as a school's roster does: through the import's differ (setup/import_plan.h), against
// the school as recorded so far, recorded by the administrator in the differ's order; then the
// parents' keys.
void SchoolGenerator::Impl::ImportRoster(SchoolModel& s, int64_t at) {
  setup::SetupInput input;
  auto user = [&](const std::string& id, setup::PersonKind kind, std::vector<v1::Role> roles,
                  const std::string& name) {
    setup::InputUser u;
    u.key = u.source_id = u.login = id;
    u.kind = kind;
    u.roles = std::move(roles);
    u.display_name = name;
    input.users.push_back(std::move(u));
  };
  for (size_t i = 0; i < s.teachers.size(); ++i) {
    const std::string& id = s.people[s.teachers[i]].id;
    for (const ClassModel& c : s.classes) {
      if (c.class_teacher == s.teachers[i]) {
        user(id, setup::PersonKind::kStaff, {v1::ROLE_TEACHER, v1::ROLE_CLASS_TEACHER},
             "Учитель " + Pad(static_cast<int>(i) + 1, 3));
        break;
      }
    }
  }
  for (const ClassModel& c : s.classes) {
    setup::InputClass in;
    in.key = in.source_id = c.id;
    in.year_id = std::to_string(opt.year);
    in.grade = c.grade;
    in.letter = c.letter;
    in.teacher_key = s.people[c.class_teacher].id;
    input.classes.push_back(std::move(in));
  }
  for (size_t i = 0; i < s.students.size(); ++i) {
    const StudentModel& st = s.students[i];
    user(st.id, setup::PersonKind::kStudent, {v1::ROLE_STUDENT}, StudentName(static_cast<int>(i)));
    input.enrolments.push_back(
        {.student_key = st.id, .class_key = s.classes[st.cls].id, .begin = s.year_first});
    for (const auto& g : st.guardians) {
      user(g, setup::PersonKind::kParent, {v1::ROLE_PARENT}, "Родитель");
      input.guardians.push_back({.guardian_key = g, .student_key = st.id});
    }
  }
  // The school as recorded so far (the events this generator emitted for it, in ledger order).
  school::SchoolState state;
  uint64_t seq = 0;
  for (const auto& [when, group] : pending) {
    for (const Event& e : group) {
      if (e.body.school_id() != s.id) continue;
      if (Status st = state.Apply(e.body, ++seq, when); !st.ok()) {
        std::fprintf(stderr, "synth: the set-up does not fold: %s\n", st.ToString().c_str());
        std::abort();
      }
    }
  }
  setup::ImportContext context{.school_id = s.id,
                               .academic_year_id = std::to_string(opt.year),
                               .enrolled_on = s.year_first,
                               .importer_id = "admin"};
  const setup::ImportPlan plan = setup::PlanImport(input, state.FindSchool(s.id), context);
  if (!plan.ok()) {
    std::fprintf(stderr, "synth: the roster import is refused:\n%s\n", plan.Report().c_str());
    std::abort();
  }
  for (const v1::EventBody& body : plan.bodies) Emit(s, at, s.admin)->MergeFrom(body);
  for (const StudentModel& st : s.students) {
    for (const auto& g : st.guardians) {
      IssueKey(s, at + 60'000'000, s.person_index.at(g), s.admin, "ключ родителя");
    }
  }
}

// The subject teachers of each subject (indexes into s.teachers): the specialists share the
// subjects in proportion to their weekly hours over all classes.
std::vector<std::vector<int>> SchoolGenerator::Impl::SubjectTeachers(const SchoolModel& s) {
  const auto& spec = Curriculum();
  const int primary_classes = PrimaryClasses(s);
  const int nteachers = static_cast<int>(s.teachers.size());
  std::vector<int> demand(spec.size(), 0);
  for (const auto& c : s.classes) {
    for (size_t j = 0; j < spec.size(); ++j) {
      if (c.grade <= 4 && spec[j].primary) continue;
      demand[j] += spec[j].hours[c.grade] * (spec[j].split && c.grade >= 5 ? 2 : 1);
    }
  }
  const int specialists = std::max(1, nteachers - primary_classes);
  int total_demand = 0;
  for (int d : demand) total_demand += d;
  std::vector<std::vector<int>> subject_teachers(spec.size());
  int next = 0;
  for (size_t j = 0; j < spec.size(); ++j) {
    if (demand[j] == 0) continue;
    int n = std::max(1, static_cast<int>(std::lround(static_cast<double>(demand[j]) * specialists /
                                                     std::max(1, total_demand))));
    for (int k = 0; k < n; ++k) {
      subject_teachers[j].push_back(primary_classes + (next % specialists));
      ++next;
    }
  }
  return subject_teachers;
}

// The teaching units and their load: per class and subject (two subgroups for a split subject
// from grade 5, with different teachers where the subject has two), the primary subjects of
// grades 1-4 by the class's own teacher, the others by the least loaded subject teacher.
void SchoolGenerator::Impl::AssignLoad(SchoolModel& s, int64_t at) {
  const auto& spec = Curriculum();
  const std::vector<std::vector<int>> subject_teachers = SubjectTeachers(s);
  std::vector<int> load_hours(s.teachers.size(), 0);
  auto least_loaded = [&](const std::vector<int>& pool, int avoid) {
    int best = pool.front();
    for (int t : pool) {
      if (t == avoid && pool.size() > 1) continue;
      if (best == avoid || load_hours[t] < load_hours[best]) best = t;
    }
    return best;
  };
  int primary_index = 0;
  int previous_teacher = -1;  // the first subgroup's teacher (an index into s.teachers)
  for (size_t ci = 0; ci < s.classes.size(); ++ci) {
    const ClassModel& c = s.classes[ci];
    const int own = c.grade <= 4 ? primary_index++ : -1;
    for (size_t j = 0; j < spec.size(); ++j) {
      const int h = spec[j].hours[c.grade];
      if (h == 0) continue;
      const bool split = spec[j].split && c.grade >= 5;
      for (int part = 0; part < (split ? 2 : 1); ++part) {
        Unit u;
        u.cls = static_cast<int>(ci);
        u.subject = static_cast<int>(j);
        u.hours = h;
        if (c.grade <= 4 && spec[j].primary) {
          u.teacher = own;
        } else {
          const int avoid = split && part == 1 ? previous_teacher : -1;
          u.teacher = least_loaded(subject_teachers[j], avoid);
        }
        previous_teacher = u.teacher;
        load_hours[u.teacher] += h;
        if (split) {
          DefineSubgroup(s, at, c, spec[j].id, part, u);
        } else {
          u.students = c.students;
        }
        u.load_id =
            "load-" + c.id + "-" + spec[j].id + (split ? "-" + std::to_string(part + 1) : "");
        auto* b = Emit(s, at, s.admin);
        auto* l = b->mutable_teaching_load_assigned();
        l->set_load_id(u.load_id);
        l->set_teacher_id(s.people[s.teachers[u.teacher]].id);
        l->set_class_id(c.id);
        l->set_subgroup_id(u.subgroup_id);
        l->set_subject_id(spec[j].id);
        l->set_weekly_hours(h);
        l->set_academic_year_id(std::to_string(opt.year));
        // `teacher` so far indexes s.teachers; from here on it is a people index.
        u.teacher = s.teachers[u.teacher];
        s.units.push_back(std::move(u));
      }
    }
  }
}

// Subgroup `part` (0 or 1) of class `c` in a split subject: the first or the second half of the
// class list. Sets the unit's subgroup and students.
void SchoolGenerator::Impl::DefineSubgroup(SchoolModel& s, int64_t at, const ClassModel& c,
                                           const std::string& subject_id, int part, Unit& u) {
  u.subgroup_id = c.id + "-" + subject_id + "-" + std::to_string(part + 1);
  const size_t half = c.students.size() / 2;
  for (size_t k = 0; k < c.students.size(); ++k) {
    if ((k < half) == (part == 0)) u.students.push_back(c.students[k]);
  }
  auto* b = Emit(s, at, s.admin);
  auto* g = b->mutable_subgroup_defined();
  g->set_subgroup_id(u.subgroup_id);
  g->set_class_id(c.id);
  g->set_subject_id(subject_id);
  g->set_name(std::to_string(part + 1) + " группа");
  for (int st : u.students) g->add_student_ids(s.students[st].id);
  *g->mutable_effective_from() = school::DateOf(s.year_first);
  *b->mutable_business_date() = school::DateOf(s.year_first);
}

// The director's policy order (DOMAIN.md defaults, made explicit for control works).
void SchoolGenerator::Impl::SetPolicy(SchoolModel& s, Day day) {
  auto* b = Emit(s, At(s, day, Minutes(9, 0)), s.director);
  auto* p = b->mutable_school_policy_set();
  p->set_order_number("приказ № 45-о от " + school::DayString(day));
  for (auto w : {v1::WORK_TYPE_CONTROL_WORK, v1::WORK_TYPE_INTERNAL_MONITORING_CONTROL_WORK}) {
    auto* wt = p->mutable_policy()->add_weights();
    wt->set_work_type(w);
    wt->set_weight_percent(200);
  }
}

// Bells and the timetable, by the methodist.
void SchoolGenerator::Impl::SetBellsAndTimetable(SchoolModel& s, int64_t at) {
  auto* b = Emit(s, at, s.methodist);
  auto* bell = b->mutable_bell_schedule_set();
  bell->set_bell_schedule_id("main");
  bell->set_name("основное расписание звонков");
  for (int i = 0; i < kMaxPeriods; ++i) {
    auto* p = bell->add_periods();
    p->set_number(i + 1);
    p->set_start_minutes(kBells[i].first);
    p->set_end_minutes(kBells[i].second);
  }
  BuildTimetable(s);
  for (const auto& slot : s.slots) {
    const Unit& u = s.units[slot.unit];
    auto* sb = Emit(s, at, s.methodist);
    auto* t = sb->mutable_timetable_slot_set();
    t->set_slot_id(slot.id);
    t->set_class_id(s.classes[u.cls].id);
    t->set_subgroup_id(u.subgroup_id);
    t->set_subject_id(s.subject_ids[u.subject]);
    t->set_teacher_id(s.people[u.teacher].id);
    t->set_weekday(static_cast<v1::Weekday>(slot.weekday));
    t->set_period(slot.period);
    t->set_room(RoomOf(u));
    *t->mutable_valid() = Range(s.year_first, s.year_last);
    *sb->mutable_business_date() = school::DateOf(s.year_first);
  }
}

// Medical PE exemptions (R-ATT-1): about one student in fifty, until the winter holidays.
void SchoolGenerator::Impl::RecordPeExemptions(SchoolModel& s, int64_t at) {
  for (size_t i = 0; i < s.students.size(); ++i) {
    if (i % 50 != 17) continue;
    StudentModel& st = s.students[i];
    st.pe_exempt_until = s.terms[1].second;
    auto* b = Emit(s, at, s.secretary);
    auto* e = b->mutable_medical_pe_exemption_recorded();
    e->set_exemption_id("pe-" + st.id);
    e->set_student_id(st.id);
    *e->mutable_dates() = Range(s.year_first, st.pe_exempt_until);
    e->mutable_document()->set_title("Справка № " + std::to_string(100 + i));
    *b->mutable_business_date() = school::DateOf(s.year_first);
  }
}

// A weekly timetable without double-booked classes or teachers: each unit's hours spread over the
// week, the earliest free period of the preferred day first. What cannot be placed is counted.
void SchoolGenerator::Impl::BuildTimetable(SchoolModel& s) {
  // busy[class or teacher][weekday 1..5][period 1..7]
  std::map<std::string, std::array<std::array<bool, kMaxPeriods + 1>, 6>> busy;
  auto is_busy = [&](const std::string& who, int wd, int p) { return busy[who][wd][p]; };
  std::vector<int> order(s.units.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
  std::stable_sort(order.begin(), order.end(),
                   [&](int a, int b) { return s.units[a].hours > s.units[b].hours; });
  // Split subjects: the two subgroups of a class share their slots, unless one teacher teaches both
  // (R-SET-3: a teacher is in one place at a time); then each is placed on its own.
  std::set<int> placed_as_partner;
  int slot_no = 0;
  for (int ui : order) {
    if (placed_as_partner.contains(ui)) continue;
    Unit& u = s.units[ui];
    int partner = -1;
    if (!u.subgroup_id.empty()) {
      for (size_t k = 0; k < s.units.size(); ++k) {
        if (static_cast<int>(k) != ui && s.units[k].cls == u.cls &&
            s.units[k].subject == u.subject && !s.units[k].subgroup_id.empty() &&
            s.units[k].teacher != u.teacher) {
          partner = static_cast<int>(k);
        }
      }
    }
    if (partner >= 0) placed_as_partner.insert(partner);
    const std::string cls = "class:" + s.classes[u.cls].id;
    const int max_period = s.classes[u.cls].grade <= 4 ? 5 : kMaxPeriods;
    std::array<int, 6> per_day{};
    for (int h = 0; h < u.hours; ++h) {
      const int preferred = 1 + (ui + h * 5 / std::max(1, u.hours)) % 5;
      bool placed = false;
      for (int pass = 0; pass < 2 && !placed; ++pass) {
        for (int dd = 0; dd < 5 && !placed; ++dd) {
          const int wd = 1 + (preferred - 1 + dd) % 5;
          if (pass == 0 && per_day[wd] > 0) continue;  // one a day where possible
          for (int p = 1; p <= max_period && !placed; ++p) {
            const std::string t1 = "t:" + std::to_string(u.teacher);
            const std::string t2 =
                partner >= 0 ? "t:" + std::to_string(s.units[partner].teacher) : t1;
            if (is_busy(cls, wd, p) || is_busy(t1, wd, p) || is_busy(t2, wd, p)) continue;
            busy[cls][wd][p] = busy[t1][wd][p] = busy[t2][wd][p] = true;
            per_day[wd]++;
            placed = true;
            const std::string base =
                "slot-" + s.classes[u.cls].id + "-" + std::to_string(++slot_no);
            s.slots.push_back(Slot{base, ui, wd, p});
            if (partner >= 0) s.slots.push_back(Slot{base + "b", partner, wd, p});
          }
        }
      }
      if (!placed) stats.timetable_gaps++;
    }
  }
  std::sort(s.slots.begin(), s.slots.end(), [](const Slot& a, const Slot& b) {
    return std::tie(a.weekday, a.period, a.id) < std::tie(b.weekday, b.period, b.id);
  });
}

// The methodist schedules the week's lessons on the Friday before (R-LES-1: a mark references an
// existing lesson).
void SchoolGenerator::Impl::ScheduleWeek(SchoolModel& s, Day monday) {
  const int64_t at = At(s, monday - 3, Minutes(16, 0));
  // Keep this Friday's lessons (the scheduling happens before they are held): drop only what is
  // more than a week old.
  s.week_lessons.erase(s.week_lessons.begin(), s.week_lessons.lower_bound(monday - 10));
  for (int i = 0; i < 5; ++i) {
    const Day d = monday + i;
    if (!IsSchoolDay(s, d)) continue;
    auto& list = s.week_lessons[d];
    for (const auto& slot : s.slots) {
      if (slot.weekday != i + 1) continue;
      const Unit& u = s.units[slot.unit];
      LessonModel l;
      l.id = "L-" + s.classes[u.cls].id + "-" + Compact(d) + "-" + std::to_string(slot.period) +
             (u.subgroup_id.empty() ? "" : "-g" + u.subgroup_id.substr(u.subgroup_id.size() - 1));
      l.unit = slot.unit;
      l.day = d;
      l.period = slot.period;
      auto* b = Emit(s, at, s.methodist);
      auto* ls = b->mutable_lesson_scheduled();
      ls->set_lesson_id(l.id);
      ls->set_class_id(s.classes[u.cls].id);
      ls->set_subgroup_id(u.subgroup_id);
      ls->set_subject_id(s.subject_ids[u.subject]);
      ls->set_teacher_id(s.people[u.teacher].id);
      *ls->mutable_date() = school::DateOf(d);
      ls->set_period(slot.period);
      ls->set_room(RoomOf(u));
      ls->set_timetable_slot_id(slot.id);
      *b->mutable_business_date() = school::DateOf(d);
      list.push_back(std::move(l));
      stats.lessons++;
    }
  }
}

void SchoolGenerator::Impl::RecordMark(SchoolModel& s, const LessonModel& l, int student,
                                       int64_t at, v1::WorkType work, int value, int second,
                                       const std::string& mark_id) {
  const Unit& u = s.units[l.unit];
  auto* b = EmitOnLesson(s, l, at);
  auto* m = b->mutable_mark_recorded();
  m->set_mark_id(mark_id);
  m->set_lesson_id(l.id);
  m->set_student_id(s.students[student].id);
  m->mutable_value()->set_value(value);
  m->mutable_value()->set_second_value(second);
  m->set_work_type(work);
  stats.marks++;
  const int term = TermOf(s, l.day);
  const int weight =
      work == v1::WORK_TYPE_CONTROL_WORK || work == v1::WORK_TYPE_INTERNAL_MONITORING_CONTROL_WORK
          ? 200
          : 100;
  TermTally& t = s.tallies[TallyKey(student, u.subject, term)];
  t.marks += second != 0 ? 2 : 1;
  t.weighted += static_cast<int64_t>(value + second) * weight;
  t.weights += weight * (second != 0 ? 2 : 1);
  MarkFact f{mark_id, b->event_id(), l.id,           s.students[student].id,
             student, l.unit,        term,           value,
             work,    l.day,         WriterOf(s, l), !l.substitution_id.empty()};
  if (second == 0) s.today_marks.push_back(f);
  if (!f.substituted && second == 0) s.last_mark_of[f.writer] = f;
}

void SchoolGenerator::Impl::Lesson(SchoolModel& s, LessonModel& l) {
  Unit& u = s.units[l.unit];
  const ClassModel& c = s.classes[u.cls];
  const auto& spec = Curriculum()[u.subject];
  const int start = kBells[l.period - 1].first, end = kBells[l.period - 1].second;
  const int term = TermOf(s, l.day);
  ++u.lessons_held;
  const bool control = c.grade >= 2 && u.lessons_held % 8 == 5;
  // The lesson record at its start (R-LES-3: the topic on the day).
  {
    auto* b = EmitOnLesson(s, l, At(s, l.day, start + 2));
    auto* lc = b->mutable_lesson_conducted();
    lc->set_lesson_id(l.id);
    lc->set_topic(std::string(spec.name) + ": тема " + std::to_string(u.lessons_held));
    lc->set_kind(v1::LESSON_KIND_REGULAR);
    if (control) {
      auto* w = lc->add_works();
      const bool dictation = spec.kind == v1::SUBJECT_KIND_RUSSIAN_LANGUAGE;
      w->set_work_type(dictation ? v1::WORK_TYPE_DICTATION_WITH_GRAMMAR_TASK
                                 : v1::WORK_TYPE_CONTROL_WORK);
      w->set_title(dictation ? "Диктант с грамматическим заданием" : "Контрольная работа");
      w->set_whole_class(true);
    }
  }
  // Attendance at the start (R-ATT-1): the sick, single misses, lateness.
  std::vector<int> present;
  for (int st : u.students) {
    StudentModel& sm = s.students[st];
    TermTally& tally = s.tallies[TallyKey(st, u.subject, term)];
    tally.held++;
    bool absent = sm.sick_until >= l.day;
    v1::AbsenceReason reason = v1::ABSENCE_REASON_ILLNESS;
    if (!absent && U() < 0.006) {
      absent = true;
      reason = U() < 0.5 ? v1::ABSENCE_REASON_VALID : v1::ABSENCE_REASON_NOT_VALID;
    }
    const bool exempt_pe =
        spec.kind == v1::SUBJECT_KIND_PHYSICAL_EDUCATION && sm.pe_exempt_until >= l.day;
    if (absent && exempt_pe) continue;  // R-ATT-1: not marked "н" in PE; not marked either
    if (absent) {
      auto* b = EmitOnLesson(s, l, At(s, l.day, start + 3));
      auto* a = b->mutable_attendance_recorded();
      a->set_lesson_id(l.id);
      a->set_student_id(sm.id);
      a->set_status(v1::ATTENDANCE_STATUS_ABSENT);
      tally.absent++;
      stats.absences++;
      s.week_absences[st].emplace_back(l.id, reason);
      continue;
    }
    if (U() < 0.008) {
      auto* b = EmitOnLesson(s, l, At(s, l.day, start + 10));
      auto* a = b->mutable_attendance_recorded();
      a->set_lesson_id(l.id);
      a->set_student_id(sm.id);
      a->set_status(v1::ATTENDANCE_STATUS_LATE);
      a->set_minutes_late(3 + R(15));
      stats.absences++;
    }
    present.push_back(st);
  }
  // Answers in class for the students with the fewest marks (R-MARK-1: none in grade 1).
  if (c.grade >= 2 && !control && !present.empty()) {
    const int minimum = school::RuleBook::MinimumMarks(school::PolicyValues{}, u.hours);
    const double per_lesson =
        static_cast<double>(u.students.size()) * (minimum + 2) / (7.0 * std::max(1, u.hours));
    int k = std::clamp(static_cast<int>(std::ceil(per_lesson)), 2,
                       std::max(2, static_cast<int>(present.size()) / 2));
    k = std::min<int>(k, static_cast<int>(present.size()));
    std::vector<std::pair<int, int>> by_count;  // (marks, student)
    for (int st : present) {
      by_count.emplace_back(s.tallies[TallyKey(st, u.subject, term)].marks * 64 + R(64), st);
    }
    std::sort(by_count.begin(), by_count.end());
    for (int i = 0; i < k; ++i) {
      const int st = by_count[i].second;
      RecordMark(s, l, st, At(s, l.day, end - 3 + (i % 3)), v1::WORK_TYPE_ANSWER_IN_CLASS,
                 MarkValue(s, st, l.day), 0,
                 "M-" + l.id.substr(2) + "-" + s.students[st].id.substr(2));
    }
  }
  // Homework at the end of the lesson (R-HW-1); none in grade 1.
  if (c.grade >= 2) {
    auto* b = EmitOnLesson(s, l, At(s, l.day, end));
    auto* h = b->mutable_homework_assigned();
    h->set_homework_id("H-" + l.id.substr(2));
    h->set_lesson_id(l.id);
    h->set_text("§" + std::to_string(u.lessons_held) + ", упр. " + std::to_string(1 + R(30)));
    stats.homework++;
  }
  // A control work is marked the same afternoon for every present student (R-MARK-5).
  if (control) {
    const int64_t at = At(s, l.day, Minutes(16, 30));
    const bool dictation = spec.kind == v1::SUBJECT_KIND_RUSSIAN_LANGUAGE;
    for (int st : present) {
      const int v = MarkValue(s, st, l.day);
      RecordMark(s, l, st, at,
                 dictation ? v1::WORK_TYPE_DICTATION_WITH_GRAMMAR_TASK : v1::WORK_TYPE_CONTROL_WORK,
                 v, dictation ? MarkValue(s, st, l.day) : 0,
                 "K-" + l.id.substr(2) + "-" + s.students[st].id.substr(2));
    }
  }
}

// The deputies decide the pending correction requests at 08:00 (R-COR-1: never the requester).
void SchoolGenerator::Impl::Decisions(SchoolModel& s, Day d) {
  const int64_t at = At(s, d, Minutes(8, 0));
  for (const auto& p : s.pending) {
    const int deputy = s.deputies[s.next_deputy++ % s.deputies.size()];
    const bool approve = U() < 0.85 || p.request_id.starts_with("RQ-leak");
    auto* b = Emit(s, at, deputy);
    if (approve) {
      b->mutable_correction_approved()->set_request_id(p.request_id);
      b->mutable_correction_approved()->set_comment("согласовано");
    } else {
      b->mutable_correction_rejected()->set_request_id(p.request_id);
      b->mutable_correction_rejected()->set_reason("оценка выставлена верно");
    }
    *b->mutable_business_date() = school::DateOf(p.mark.day);
    if (p.request_id.starts_with("RQ-leak") && leak) {
      leak->rested_approval_event_id = b->event_id();
      continue;  // the forged change is undone by the Act: the tally keeps the original value
    }
    if (approve) {
      TermTally& t = s.tallies[TallyKey(p.mark.student, s.units[p.mark.unit].subject, p.mark.term)];
      const int weight = p.mark.work == v1::WORK_TYPE_CONTROL_WORK ? 200 : 100;
      t.weighted += static_cast<int64_t>(p.new_value - p.mark.value) * weight;
    }
  }
  s.pending.clear();
}

// A request to correct mark `m` to `value` (R-COR-1), pending until the deputies decide; the
// mark is not corrected again. Returns the request's event id.
std::string SchoolGenerator::Impl::RequestCorrection(SchoolModel& s, int64_t at, int actor,
                                                     MarkFact m, int value,
                                                     const std::string& request_id,
                                                     const std::string& reason) {
  auto* b = Emit(s, at, actor);
  auto* r = b->mutable_correction_requested();
  r->set_request_id(request_id);
  r->mutable_target()->set_mark_id(m.mark_id);
  r->set_original_event_id(m.event_id);
  r->set_reason(reason);
  auto* pm = r->mutable_mark();
  pm->set_mark_id(m.mark_id);
  pm->set_lesson_id(m.lesson_id);
  pm->set_student_id(m.student_id);
  pm->mutable_value()->set_value(value);
  pm->set_work_type(m.work);
  *b->mutable_business_date() = school::DateOf(m.day);
  const std::string event_id = b->event_id();
  s.pending.push_back(PendingRequest{request_id, m, value});
  s.frozen_marks.insert(m.mark_id);
  auto last = s.last_mark_of.find(m.writer);
  if (last != s.last_mark_of.end() && last->second.mark_id == m.mark_id) s.last_mark_of.erase(last);
  stats.corrections++;
  return event_id;
}

// After the lessons: a few teachers ask to correct a mark of today (R-COR-1); on the last school
// day of the week the class teachers classify the week's absences (R-ATT-2).
void SchoolGenerator::Impl::EndOfDay(SchoolModel& s, Day d) {
  const int64_t at = At(s, d, Minutes(17, 0));
  for (const auto& m : s.today_marks) {
    if (m.substituted || s.frozen_marks.contains(m.mark_id) || U() >= 0.004) continue;
    if (leak_teacher == m.writer && (d == attack_day || d == attack_day + 1)) continue;
    int nv = m.value >= 5 ? 4 : m.value + 1;
    if (InAdaptation(s, d)) nv = std::max(nv, 3);
    if (nv == m.value) continue;
    RequestCorrection(s, at, m.writer, m, nv, "RQ-" + s.id + "-" + std::to_string(++s.requests),
                      "ошибка при выставлении: перепутан ученик в строке журнала");
  }
  s.today_marks.clear();
  // Classification on the week's last school day.
  bool last_of_week = true;
  for (Day n = d + 1; n <= school::WeekStart(d) + 6; ++n) last_of_week &= !IsSchoolDay(s, n);
  if (!last_of_week) return;
  const int64_t at_ct = At(s, d, Minutes(18, 0));
  for (auto& [st, list] : s.week_absences) {
    std::map<v1::AbsenceReason, std::vector<std::string>> by_reason;
    for (const auto& [lesson, reason] : list) by_reason[reason].push_back(lesson);
    const ClassModel& c = s.classes[s.students[st].cls];
    for (const auto& [reason, lessons] : by_reason) {
      auto* b = Emit(s, at_ct, c.class_teacher);
      auto* r = b->mutable_absence_reason_set();
      r->set_student_id(s.students[st].id);
      r->set_reason(reason);
      for (const auto& lid : lessons) r->add_lesson_ids(lid);
      if (reason == v1::ABSENCE_REASON_ILLNESS) {
        r->mutable_document()->set_title("Справка из поликлиники");
      }
      // business_date: the earliest lesson's date (lesson ids carry the date after the class).
      Day first = d;
      for (const auto& lid : lessons) {
        for (const auto& [day, ls] : s.week_lessons) {
          for (const auto& l : ls) {
            if (l.id == lid) first = std::min(first, day);
          }
        }
      }
      *b->mutable_business_date() = school::DateOf(first);
    }
  }
  s.week_absences.clear();
}

// R-TERM-1: term marks on the term's last school day, after the lessons; year marks after the
// last term.
void SchoolGenerator::Impl::TermMarks(SchoolModel& s, Day d, int term) {
  const int64_t at = At(s, d, Minutes(18, 30));
  const auto& spec = Curriculum();
  for (const Unit& u : s.units) {
    const ClassModel& c = s.classes[u.cls];
    if (c.grade < 2) continue;  // no marks in grade 1 (R-MARK-1)
    const int minimum = school::RuleBook::MinimumMarks(school::PolicyValues{}, u.hours);
    for (int st : u.students) {
      const TermTally& t = s.tallies[TallyKey(st, u.subject, term)];
      const bool attested = t.marks >= minimum && t.absent * 100 <= t.held * 50 && t.weights > 0;
      const int value =
          attested ? std::clamp(static_cast<int>(std::lround(static_cast<double>(t.weighted) /
                                                             static_cast<double>(t.weights))),
                                2, 5)
                   : 0;
      auto* b = Emit(s, at, u.teacher);
      auto* tm = b->mutable_term_mark_recorded();
      tm->set_student_id(s.students[st].id);
      tm->set_subject_id(spec[u.subject].id);
      tm->mutable_period()->set_academic_year_id(std::to_string(opt.year));
      tm->mutable_period()->set_kind(v1::PERIOD_KIND_TERM);
      tm->mutable_period()->set_term_number(term);
      if (value > 0) {
        tm->mutable_mark()->set_value(value);
      } else {
        tm->mutable_mark()->set_status(v1::ATTESTATION_STATUS_NOT_ATTESTED);
      }
      s.term_marks[s.students[st].id + "/" + spec[u.subject].id + "/" + std::to_string(term)] =
          value;
      stats.term_marks++;
    }
  }
  if (term != 4) return;
  const int64_t at_year = At(s, d, Minutes(19, 0));
  for (const Unit& u : s.units) {
    if (s.classes[u.cls].grade < 2) continue;
    for (int st : u.students) {
      int sum = 0, n = 0;
      for (int t = 1; t <= 4; ++t) {
        auto it = s.term_marks.find(s.students[st].id + "/" + spec[u.subject].id + "/" +
                                    std::to_string(t));
        if (it != s.term_marks.end() && it->second > 0) {
          sum += it->second;
          ++n;
        }
      }
      auto* b = Emit(s, at_year, u.teacher);
      auto* tm = b->mutable_term_mark_recorded();
      tm->set_student_id(s.students[st].id);
      tm->set_subject_id(spec[u.subject].id);
      tm->mutable_period()->set_academic_year_id(std::to_string(opt.year));
      tm->mutable_period()->set_kind(v1::PERIOD_KIND_YEAR);
      if (n > 0) {
        tm->mutable_mark()->set_value(std::clamp((2 * sum + n) / (2 * n), 2, 5));
      } else {
        tm->mutable_mark()->set_status(v1::ATTESTATION_STATUS_NOT_ATTESTED);
      }
      stats.term_marks++;
    }
  }
}

// Parents acknowledge the week's diary on Sunday evening (R-ACK-1); the ledger position is filled
// in when the group is handed out.
void SchoolGenerator::Impl::Acknowledgements(SchoolModel& s, Day sunday) {
  const Day monday = sunday - 6;
  bool any = false;
  for (int i = 0; i < 5; ++i) any |= IsSchoolDay(s, monday + i);
  if (!any) return;
  const int64_t at = At(s, sunday, Minutes(19, 0));
  for (const auto& st : s.students) {
    if (U() >= 0.6) continue;
    const int g = s.person_index.at(st.guardians.front());
    auto* b = Emit(s, at, g);
    auto* a = b->mutable_diary_acknowledged();
    a->set_guardian_id(st.guardians.front());
    a->set_student_id(st.id);
    *a->mutable_week_start() = school::DateOf(monday);
    a->set_channel(v1::ACKNOWLEDGEMENT_CHANNEL_ELECTRONIC);
    *b->mutable_business_date() = school::DateOf(monday);
    stats.acknowledgements++;
  }
}

// The attack (R-SEC-*): at 20:00 someone with the teacher's key records marks and an absence on
// the teacher's last lesson of the day and asks to correct an earlier mark.
void SchoolGenerator::Impl::LeakEvening(SchoolModel& s, Day d) {
  LeakFacts f;
  f.school_id = s.id;
  f.teacher_id = s.people[leak_teacher].id;
  f.invalid_from_us = At(s, d, Minutes(20, 0));
  leaked_credential = CredAt(s.people[leak_teacher], f.invalid_from_us).id;
  f.leaked_credential_id = leaked_credential;
  const LessonModel* last = nullptr;
  for (const auto* l : LessonsOf(s, d)) {
    if (s.units[l->unit].teacher == leak_teacher && l->writer < 0 &&
        s.classes[s.units[l->unit].cls].grade >= 2) {
      last = l;
    }
  }
  const int64_t at = f.invalid_from_us;
  if (last != nullptr) {
    const Unit& u = s.units[last->unit];
    // Students without a mark or attendance in that lesson.
    std::set<std::string> taken;
    for (const auto& [lesson, events] : pending) {
      for (const auto& e : events) {
        if (e.body.has_mark_recorded() && e.body.mark_recorded().lesson_id() == last->id) {
          taken.insert(e.body.mark_recorded().student_id());
        }
        if (e.body.has_attendance_recorded() &&
            e.body.attendance_recorded().lesson_id() == last->id) {
          taken.insert(e.body.attendance_recorded().student_id());
        }
      }
    }
    std::vector<int> free;
    for (int st : u.students) {
      if (!taken.contains(s.students[st].id) && s.students[st].sick_until < d) free.push_back(st);
    }
    for (size_t i = 0; i < free.size() && i < 3; ++i) {
      const std::string& sid = s.students[free[i]].id;
      auto* b = Emit(s, at, leak_teacher);
      *b->mutable_business_date() = school::DateOf(d);
      if (i < 2) {
        auto* m = b->mutable_mark_recorded();
        m->set_mark_id("X-" + last->id.substr(2) + "-" + sid.substr(2));
        m->set_lesson_id(last->id);
        m->set_student_id(sid);
        m->mutable_value()->set_value(InAdaptation(s, d) ? 3 : 2);
        m->set_work_type(v1::WORK_TYPE_ANSWER_IN_CLASS);
        stats.marks++;
      } else {
        auto* a = b->mutable_attendance_recorded();
        a->set_lesson_id(last->id);
        a->set_student_id(sid);
        a->set_status(v1::ATTENDANCE_STATUS_ABSENT);
        stats.absences++;
      }
      f.attacker_event_ids.push_back(b->event_id());
    }
  }
  // The forged correction request: an earlier mark of the teacher raised to 5.
  auto lm = s.last_mark_of.find(leak_teacher);
  if (lm != s.last_mark_of.end()) {
    const MarkFact& m = lm->second;
    const int nv = m.value == 5 ? 4 : 5;
    f.forged_request_id = "RQ-leak-" + s.id;
    f.corrected_mark_id = m.mark_id;
    f.corrected_mark_value = m.value;
    f.forged_request_event_id =
        RequestCorrection(s, at, leak_teacher, m, nv, f.forged_request_id, "техническая ошибка");
    f.attacker_event_ids.push_back(f.forged_request_event_id);
  }
  leak = std::move(f);
}

// The next day: the teacher notices at 13:00, the director records the (late) report at 14:30
// (R-SEC-1), the Act at 15:00 (R-SEC-2, R-SEC-3), the administrator issues a new key, and the
// teacher re-enters the day's own records that the Act voided (R-SEC-4).
void SchoolGenerator::Impl::LeakResponse(SchoolModel& s, Day d) {
  LeakFacts& f = *leak;
  const int64_t report_at = At(s, d, Minutes(14, 30));
  act_at = At(s, d, Minutes(15, 0));
  rekey_at = act_at;  // in the Act's group, after it: usable from the next instant
  {
    auto* b = Emit(s, report_at, s.director);
    auto* r = b->mutable_credential_compromise_reported();
    f.report_id = "CR-" + s.id + "-1";
    r->set_report_id(f.report_id);
    r->set_user_id(f.teacher_id);
    r->add_credential_ids(f.leaked_credential_id);
    r->set_discovered_at_us(At(s, d, Minutes(13, 0)));
    r->set_reported_at_us(report_at);
    r->set_reported_to_id(s.people[s.director].id);
    r->set_circumstances("в журнале появились оценки, которых учитель не ставил");
  }
  {
    auto* b = Emit(s, act_at, s.director);
    auto* a = b->mutable_credential_compromise_act_recorded();
    f.act_id = "ACT-" + s.id + "-1";
    a->set_act_id(f.act_id);
    a->set_act_number("1");
    *a->mutable_act_date() = school::DateOf(d);
    for (int m : {s.director, s.deputies.front(), s.admin}) {
      auto* c = a->add_commission();
      c->set_user_id(s.people[m].id);
      c->set_role(m == s.director ? v1::ROLE_DIRECTOR
                  : m == s.admin  ? v1::ROLE_ADMIN
                                  : v1::ROLE_DEPUTY);
    }
    a->set_affected_user_id(f.teacher_id);
    a->add_affected_credential_ids(f.leaked_credential_id);
    a->set_invalid_from_us(f.invalid_from_us);
    a->set_circumstances("учётные данные учителя использованы посторонним лицом");
    a->set_report_id(f.report_id);
    *b->mutable_business_date() = school::DateOf(d);
    f.act_event_id = b->event_id();
  }
  IssueKey(s, rekey_at, leak_teacher, s.admin, "новый ключ после акта");
  f.new_credential_id = s.people[leak_teacher].creds.back().id;
  // The teacher's records of the rest of the day, made before the new key existed in this model,
  // are signed with the new key.
  const Cred& fresh = s.people[leak_teacher].creds.back();
  for (auto it = pending.upper_bound(rekey_at); it != pending.end(); ++it) {
    for (auto& e : it->second) {
      if (e.body.credential_id() == f.leaked_credential_id) {
        e.body.set_credential_id(fresh.id);
        e.key = fresh.key.get();
      }
    }
  }
  // Re-entries of the teacher's own voided records, in their order.
  const int64_t reenter_at = At(s, d, Minutes(15, 30));
  std::vector<v1::EventBody> originals;
  for (const auto& [t, events] : pending) {
    if (t < f.invalid_from_us || t >= act_at) continue;
    for (const auto& e : events) {
      if (e.body.credential_id() != f.leaked_credential_id) continue;
      if (std::find(f.attacker_event_ids.begin(), f.attacker_event_ids.end(), e.body.event_id()) !=
          f.attacker_event_ids.end()) {
        continue;
      }
      originals.push_back(e.body);
    }
  }
  for (const auto& o : originals) {
    auto* b = Emit(s, reenter_at, leak_teacher);
    const std::string id = b->event_id(), cred = b->credential_id();
    *b = o;
    b->set_event_id(id);
    b->set_credential_id(cred);
    b->set_client_time_us(reenter_at);
    b->set_reenters_event_id(o.event_id());
    f.legit_invalidated_event_ids.push_back(o.event_id());
    f.reentry_event_ids.push_back(id);
    // Later corrections name the re-entry as the mark's record.
    if (o.has_mark_recorded()) {
      for (auto& m : s.today_marks) {
        if (m.mark_id == o.mark_recorded().mark_id()) m.event_id = id;
      }
    }
  }
}

void SchoolGenerator::Impl::SchoolDay(SchoolModel& s, Day d, bool leak_school) {
  // The deputies decide yesterday's requests first thing.
  if (!s.pending.empty()) Decisions(s, d);
  // Illnesses begin.
  for (auto& st : s.students) {
    if (st.sick_until < d && U() < 0.004) st.sick_until = d + 1 + R(5);
  }
  auto lessons = LessonsOf(s, d);
  // A sick teacher: the methodist names a substitute free at those periods (R-SUB-1).
  if (U() < 0.25 && !lessons.empty()) {
    const int absent = s.units[lessons[R(static_cast<int>(lessons.size()))]->unit].teacher;
    const bool leak_day = leak_school && (d == attack_day || d == attack_day + 1);
    std::vector<LessonModel*> theirs;
    std::set<int> periods;
    for (auto* l : lessons) {
      if (s.units[l->unit].teacher == absent && l->writer < 0) {
        theirs.push_back(l);
        periods.insert(l->period);
      }
    }
    int substitute = -1;
    const int subject = s.units[theirs.front()->unit].subject;
    for (int pass = 0; pass < 2 && substitute < 0 && !(leak_day && absent == leak_teacher);
         ++pass) {
      for (const Unit& u : s.units) {
        const int t = u.teacher;
        if (t == absent || (pass == 0 && u.subject != subject) ||
            (leak_school && t == leak_teacher)) {
          continue;
        }
        bool free = true;
        for (auto* l : lessons) {
          const int writer = WriterOf(s, *l);
          if ((s.units[l->unit].teacher == t || writer == t) && periods.contains(l->period)) {
            free = false;
          }
        }
        if (free) {
          substitute = t;
          break;
        }
      }
    }
    if (substitute >= 0) {
      const std::string sid = "SUB-" + s.id + "-" + std::to_string(++s.substitutions);
      auto* b = Emit(s, At(s, d, Minutes(7, 45)), s.methodist);
      auto* sa = b->mutable_substitution_assigned();
      sa->set_substitution_id(sid);
      for (auto* l : theirs) {
        sa->add_lesson_ids(l->id);
        l->writer = substitute;
        l->substitution_id = sid;
      }
      sa->set_absent_teacher_id(s.people[absent].id);
      sa->set_substitute_teacher_id(s.people[substitute].id);
      sa->set_reason("болезнь учителя");
      *b->mutable_business_date() = school::DateOf(d);
      stats.substitutions++;
    }
  }
  for (auto* l : lessons) Lesson(s, *l);
  if (leak_school && d == attack_day) LeakEvening(s, d);
  if (leak_school && leak && d == attack_day + 1) LeakResponse(s, d);
  EndOfDay(s, d);
  const int term = TermOf(s, d);
  if (term != 0 && d == LastSchoolDayOfTerm(s, term)) TermMarks(s, d, term);
}

void SchoolGenerator::Impl::GenerateDay(Day d) {
  for (size_t k = 0; k < schools.size(); ++k) {
    SchoolModel& s = schools[k];
    // The week's lessons are scheduled on the Friday before its Monday.
    if (std::binary_search(study_mondays.begin(), study_mondays.end(), d + 3)) {
      ScheduleWeek(s, d + 3);
    }
    if (IsSchoolDay(s, d) && d <= last_day) SchoolDay(s, d, k == 0 && leak_teacher >= 0);
    if (school::WeekdayOf(d) == 7 && d <= last_day && d > s.year_first) Acknowledgements(s, d);
  }
}

SchoolGenerator::SchoolGenerator(Options options, std::string node_credential_id,
                                 crypto::PrivateKey node_key)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(node_credential_id),
                                   std::move(node_key))) {
  impl_->Init();
}

SchoolGenerator::~SchoolGenerator() = default;

bool SchoolGenerator::NextGroup(std::vector<Event>& out) {
  Impl& g = *impl_;
  out.clear();
  if (g.scheduled_ahead) return g.ScheduledAhead(out);
  while (true) {
    const bool done = g.next_day > g.last_day;
    if (!g.pending.empty() && (done || g.pending.begin()->first < g.horizon)) {
      if (g.opt.stop_at_us != 0 && g.pending.begin()->first > g.opt.stop_at_us) {
        return g.ScheduledAhead(out);  // the rest would be recorded after the stop
      }
      auto node = g.pending.extract(g.pending.begin());
      out = std::move(node.mapped());
      // R-ACK-1: a parent saw the diary as of the ledger position before this group.
      for (auto& e : out) {
        if (e.body.has_diary_acknowledged()) {
          e.body.mutable_diary_acknowledged()->set_as_of_sequence(g.opt.base_sequence + g.emitted);
        }
      }
      g.emitted += out.size();
      return true;
    }
    if (done) return false;
    g.AdvanceDay();
  }
}

void SchoolGenerator::Impl::AdvanceDay() {
  GenerateDay(next_day);
  ++next_day;
  horizon = std::numeric_limits<int64_t>::max();
  for (const auto& s : schools) horizon = std::min(horizon, s.zone.InstantOf(next_day, 0));
}

bool IsSetUp(const v1::EventBody& body) {
  // event.proto numbers the set-up payloads before the journal's (100-199).
  return body.payload_case() >= v1::EventBody::kSchoolRegistered &&
         body.payload_case() < v1::EventBody::kLessonConducted;
}

bool SchoolGenerator::Impl::ScheduledAhead(std::vector<Event>& out) {
  if (!scheduled_ahead && opt.schedule_ahead_days > 0) {
    scheduled_ahead = true;
    const int64_t until = opt.stop_at_us + int64_t{opt.schedule_ahead_days} * 24 * 3600 * 1'000'000;
    while (next_day <= last_day && horizon <= until) AdvanceDay();
    // Only what the school sets up ahead (a stop in August comes before the year's set-up is
    // complete): what those days would hold (lessons held, marks, absences) is not known.
    for (auto& [at, group] : pending) {
      if (at > until) break;
      std::vector<Event> kept;
      for (auto& e : group) {
        if (!IsSetUp(e.body)) continue;
        e.record_at_us = opt.stop_at_us;
        e.body.set_client_time_us(opt.stop_at_us);
        kept.push_back(std::move(e));
      }
      if (!kept.empty()) ahead.push_back(std::move(kept));
    }
    pending.clear();
  }
  if (ahead.empty()) return false;
  out = std::move(ahead.front());
  ahead.pop_front();
  emitted += out.size();
  return true;
}

const std::optional<LeakFacts>& SchoolGenerator::leak() const { return impl_->leak; }
const Stats& SchoolGenerator::stats() const { return impl_->stats; }
const Options& SchoolGenerator::options() const { return impl_->opt; }

std::vector<std::string> SchoolGenerator::school_ids() const {
  std::vector<std::string> out;
  for (const auto& s : impl_->schools) out.push_back(s.id);
  return out;
}

std::vector<std::pair<std::string, std::string>> SchoolGenerator::sample_users() const {
  const SchoolModel& s = impl_->schools.front();
  std::vector<std::pair<std::string, std::string>> out = {
      {"admin", s.people[s.admin].id},         {"director", s.people[s.director].id},
      {"deputy", s.people[s.deputies[0]].id},  {"methodist", s.people[s.methodist].id},
      {"secretary", s.people[s.secretary].id}, {"auditor", s.people[s.auditor].id}};
  // A subject teacher of a senior class, and the class teacher of that class.
  for (const Unit& u : s.units) {
    if (s.classes[u.cls].grade >= 5 && u.teacher != s.classes[u.cls].class_teacher) {
      out.emplace_back("teacher", s.people[u.teacher].id);
      out.emplace_back("class_teacher", s.people[s.classes[u.cls].class_teacher].id);
      const StudentModel& st = s.students[s.classes[u.cls].students.front()];
      out.emplace_back("student", st.id);
      out.emplace_back("parent", st.guardians.front());
      break;
    }
  }
  return out;
}

const crypto::PrivateKey* SchoolGenerator::KeyOf(const std::string& school_id,
                                                 const std::string& user_id) const {
  for (const auto& s : impl_->schools) {
    if (s.id != school_id) continue;
    auto it = s.person_index.find(user_id);
    if (it == s.person_index.end() || s.people[it->second].creds.empty()) return nullptr;
    return s.people[it->second].creds.back().key.get();
  }
  return nullptr;
}

std::string SchoolGenerator::CredentialOf(const std::string& school_id,
                                          const std::string& user_id) const {
  for (const auto& s : impl_->schools) {
    if (s.id != school_id) continue;
    auto it = s.person_index.find(user_id);
    if (it == s.person_index.end() || s.people[it->second].creds.empty()) return {};
    return s.people[it->second].creds.back().id;
  }
  return {};
}

// ---- driving a ledger -----------------------------------------------------------------------

Result<DriveResult> AppendGroup(const std::vector<Event>& group, const Admission& admission,
                                Ledger& ledger, SettableClock& clock, bool one_at_a_time) {
  if (group.empty()) return DriveResult{};
  clock.Set(group.front().record_at_us);
  const int64_t now = group.front().record_at_us;
  // Sign and check (stages 1-3 of admission) on both cores; append in order.
  std::vector<Result<AppendRequest>> checked(group.size(), Err(Internal("not checked")));
  auto work = [&](size_t begin, size_t step) {
    for (size_t i = begin; i < group.size(); i += step) {
      auto bytes = SignEvent(group[i].body, *group[i].key);
      if (!bytes) {
        checked[i] = Err(bytes.error());
        continue;
      }
      checked[i] = admission.Check(std::move(*bytes), now);
    }
  };
  const size_t threads = group.size() >= 16 ? std::max(1u, std::thread::hardware_concurrency()) : 1;
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(work, t, threads);
  work(0, threads);
  for (auto& t : pool) t.join();
  std::vector<AppendRequest> requests;
  requests.reserve(group.size());
  for (size_t i = 0; i < group.size(); ++i) {
    if (!checked[i]) {
      return Err(checked[i].error().WithContext("event " + group[i].body.event_id() + " (" +
                                                group[i].body.ShortDebugString().substr(0, 300) +
                                                ")"));
    }
    requests.push_back(std::move(*checked[i]));
  }
  DriveResult out;
  out.groups = 1;
  auto check_result = [&](const Result<AppendResult>& r, size_t i) -> Status {
    if (!r) {
      return r.error().WithContext("event " + group[i].body.event_id() + " (" +
                                   group[i].body.ShortDebugString().substr(0, 300) + ")");
    }
    out.appended += r->duplicate ? 0 : 1;
    return Status::Ok();
  };
  if (one_at_a_time) {
    for (size_t i = 0; i < requests.size(); ++i) {
      EJ_RETURN_IF_ERROR(check_result(ledger.Append(std::move(requests[i])), i));
    }
  } else {
    auto results = ledger.AppendBatch(std::move(requests));
    for (size_t i = 0; i < results.size(); ++i) EJ_RETURN_IF_ERROR(check_result(results[i], i));
  }
  return out;
}

Result<DriveResult> Drive(SchoolGenerator& generator, const Admission& admission, Ledger& ledger,
                          SettableClock& clock,
                          const std::function<void(const DriveResult&)>& progress) {
  DriveResult total;
  std::vector<Event> group;
  while (generator.NextGroup(group)) {
    EJ_ASSIGN_OR_RETURN(DriveResult r, AppendGroup(group, admission, ledger, clock, false));
    total.appended += r.appended;
    total.groups += r.groups;
    if (progress) progress(total);
  }
  return total;
}

}  // namespace ejournal::synth
