// The neutral form of a school's set-up data, whatever file it came from: what the readers
// (roster_csv.h, oneroster.h) produce and the differ (import_plan.h) turns into events.
//
// Facts refer to each other by `key`s that are unique within one SetupInput (a OneRoster
// sourcedId, or a key the reader makes up for a spreadsheet row); `source_id` is an id the source
// proposes for the new record (a OneRoster sourcedId), empty when the source has none. Every fact
// keeps the row it came from (`at`), so that the report can say what became of each row.
#ifndef EJOURNAL_SETUP_SETUP_INPUT_H_
#define EJOURNAL_SETUP_SETUP_INPUT_H_

#include <compare>
#include <string>
#include <vector>

#include "ejournal/v1/event.pb.h"
#include "projections/school_time.h"

namespace ejournal::setup {

// A record of a file: its name and 1-based line (0: the file as a whole).
struct SourceRow {
  std::string file;
  int line = 0;
  friend bool operator==(const SourceRow&, const SourceRow&) = default;
  friend auto operator<=>(const SourceRow&, const SourceRow&) = default;
};

// What became of a row.
enum class RowStatus {
  kNew,        // it adds something (a new student, an enrolment, a link)
  kChanged,    // it changes something recorded (a transfer, a new name, new roles)
  kUnchanged,  // the school already holds it: nothing to record
  kSkipped,    // it is not imported, for the reason given; the import goes on
  kRefused,    // it is wrong: the whole import records nothing (ImportPlan::ok is false)
};

// One line of the import report, in Russian.
struct RowReport {
  SourceRow at;
  RowStatus status = RowStatus::kUnchanged;
  std::string message;  // what the row becomes, or why it is refused, naming the field
  std::string rule;     // for a refusal: the DOMAIN.md rule (R-SET-1, R-SET-2, R-ACC-5 ...)
  // "roster.csv, строка 7: <message> [R-SET-2]".
  std::string Text() const;
};

// A row of another file that only adds to a record: a term of a year, a role of a user, the
// class teacher's enrolment in a homeroom, the same placement read from another section. The
// report gives it the record's outcome.
struct RelatedRow {
  SourceRow at;
  std::string what;  // "роль «student»", "классный руководитель" ...
};

struct PersonName {
  std::string family, given, middle;  // фамилия, имя, отчество (may be empty)
  // "Фамилия Имя Отчество" without empty parts.
  std::string Display() const;
};

enum class PersonKind { kStudent, kParent, kStaff };

struct InputUser {
  SourceRow at;
  std::string key;
  std::string source_id;
  PersonKind kind = PersonKind::kStudent;
  std::string display_name;     // as the school will show it
  std::vector<v1::Role> roles;  // from the source; the differ adds what links imply
  std::string login;            // empty: the differ makes one (import_plan.h)
  bool enabled = true;          // false: the account is deactivated (UserDeactivated)
  std::string phone, email;     // contacts: never into events (school.proto)
  std::vector<RelatedRow> related;
};

struct InputYear {
  SourceRow at;
  std::string id;
  school::Day first = school::kNoDay, last = school::kNoDay;
  std::vector<v1::TermScheme> schemes;
  std::vector<RelatedRow> related;
};

struct InputSubject {
  SourceRow at;
  std::string key;
  std::string source_id;
  std::string name, short_name;
  v1::SubjectKind kind = v1::SUBJECT_KIND_UNSPECIFIED;  // unspecified: guessed from the name
};

// A class (класс) of a year.
struct InputClass {
  SourceRow at;
  std::string key;
  std::string source_id;
  std::string year_id;  // empty: ImportContext::academic_year_id
  int grade = 0;
  std::string letter;
  std::string teacher_key;  // the class teacher (a user key); empty: not given
  std::vector<RelatedRow> related;
};

// A student in a class. `begin` unset: "the student is in this class now" (the roster
// spreadsheet), compared with the class on ImportContext::enrolled_on; set: one step of the
// student's history (OneRoster), which the school holds if the student was ever in that class.
struct InputEnrolment {
  SourceRow at;
  std::string student_key, class_key;
  school::Day begin = school::kNoDay;
  std::vector<RelatedRow> related;
};

struct InputGuardian {
  SourceRow at;
  std::string guardian_key, student_key;
};

// A teacher teaches a subject in a class (or a subgroup of it).
struct InputLoad {
  SourceRow at;
  std::string source_id;
  std::string teacher_key, class_key;
  std::string subject_key;  // an InputSubject key, or the id of a subject the school has
  std::string subgroup_id;  // empty: the whole class
  int weekly_hours = 0;
  school::Day first = school::kNoDay, last = school::kNoDay;  // unset: the whole year
};

struct SetupInput {
  std::vector<InputYear> years;
  std::vector<InputSubject> subjects;
  std::vector<InputClass> classes;
  std::vector<InputUser> users;
  std::vector<InputEnrolment> enrolments;
  std::vector<InputGuardian> guardians;
  std::vector<InputLoad> loads;
  // Every data row read, in file order: the report has a line for each.
  std::vector<SourceRow> rows;
  // Rows the reader refused or skipped (malformed values, unknown references).
  std::vector<RowReport> problems;
  // Remarks on whole files: encoding, unknown columns, what a format cannot carry.
  std::vector<std::string> notes;
};

}  // namespace ejournal::setup

#endif  // EJOURNAL_SETUP_SETUP_INPUT_H_
