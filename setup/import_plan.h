// The differ of the set-up import: a parsed input (setup_input.h) against the school's current
// state gives the unsigned set-up events to record and a report of every row, in Russian.
//
// Contract:
// - All or nothing: if any row is refused, ok() is false and `bodies` and `contacts` are empty (a
//   refused import records nothing); the report still says what every other row would become.
// - Idempotent: the same input on a state that already holds it gives no bodies and every row
//   "без изменений"; a changed row gives only the change (UserProfileChanged for a new name or
//   login, UserRolesChanged, StudentMoved for another class, UserRegistered + GuardianLinked for a
//   new parent, ClassTeacherAssigned for another class teacher). Nothing is ever removed: people
//   and links the input does not mention stay as they are (leaving the school is StudentLeft, an
//   administrator's deliberate act with an order).
// - Deterministic: the same input on the same state gives the same report and byte-identical
//   bodies (a dry run equals the real run). New ids and logins come from the state and the input
//   order, never from a clock or randomness.
// - The bodies carry their payload and, where the schema names one, business_date; nothing else.
//   The signer fills the envelope (schema_version, event_id, school_id, actor_id, credential_id,
//   client_time_us). They are in an order admission accepts when signed by an administrator and
//   appended one after another:
//     AcademicYearDefined, SubjectDefined, staff (UserRegistered, UserRolesChanged,
//     UserProfileChanged), ClassCreated, ClassTeacherAssigned, students, parents, StudentEnrolled /
//     StudentMoved, GuardianLinked, TeachingLoadAssigned, UserDeactivated.
//   Staff come before classes because ClassCreated may name its class teacher, who must exist
//   (projections/rules_setup.cc); students before enrolments, enrolments before guardian links
//   (a link needs an enrolled student).
// - Contacts (phones, e-mails) never enter a body: the ledger holds no contact data
//   (school.proto). They are returned in `contacts` for the node's local store.
//
// Ids of new records: the source's id where it has one that is a valid id and free (a OneRoster
// sourcedId); else the next free number after the highest in use: students s-NNNNN, parents
// p-NNNNN, staff t-NNN (as tools/synth names them), classes <year>-<grade><letter>
// ("2025-2026-5a"), subjects from the transliterated name ("matematika"), loads
// l-<class>-<subject>-<teacher>.
// Logins of new users: the surname transliterated as in the passport (internal/text.h), a dot and
// the initials ("ivanov.ps"), with 2, 3 ... appended until it is free among the school's logins
// without regard to case (school::LoginKey) and the logins the input names.
//
// Matching people (the ledger keeps no birth dates, only the name and the login):
// a user is the same person as a recorded one if the source's id is that user's id, else if the
// login is theirs, else by name: a student if the display name matches one student of the class
// the input puts them in, or else exactly one student of the school; a parent if it matches one
// guardian of the students the input links them to; staff if it matches exactly one staff
// member. Names match without regard to case, spaces and ё/е, and a name without the patronymic
// matches the same name with one. Two matches are refused as ambiguous (add the patronymic or
// resolve by hand).
#ifndef EJOURNAL_SETUP_IMPORT_PLAN_H_
#define EJOURNAL_SETUP_IMPORT_PLAN_H_

#include <string>
#include <vector>

#include "ejournal/v1/event.pb.h"
#include "projections/school.h"
#include "projections/school_time.h"
#include "setup/setup_input.h"

namespace ejournal::setup {

struct ImportContext {
  std::string school_id;
  // The year whose classes the rows name when the source gives none (the roster spreadsheet).
  std::string academic_year_id;
  // The day enrolments and transfers take effect when the source gives none.
  school::Day enrolled_on = school::kNoDay;
  // Who imports: must hold ROLE_ADMIN in the school (the set-up events are the administrator's,
  // R-SET-1); never an id given to a new record.
  std::string importer_id;
};

// Contact data for the node's local store, never for the ledger.
struct ContactRecord {
  std::string user_id;
  std::string phone;  // +7XXXXXXXXXX, or empty
  std::string email;  // or empty
  friend bool operator==(const ContactRecord&, const ContactRecord&) = default;
};

struct ImportPlan {
  // One line per input row, in file order (then line order).
  std::vector<RowReport> rows;
  // The events to sign and append, in order; empty unless ok().
  std::vector<v1::EventBody> bodies;
  // Phones and e-mails of the imported people; empty unless ok().
  std::vector<ContactRecord> contacts;
  // Remarks on whole files.
  std::vector<std::string> notes;

  // No row refused.
  bool ok() const;
  int Count(RowStatus status) const;
  // The report as text: notes, then one line per row.
  std::string Report() const;
};

// The plan for `input` against `school` (null: a school with nothing recorded yet).
ImportPlan PlanImport(const SetupInput& input, const school::School* school,
                      const ImportContext& context);

}  // namespace ejournal::setup

#endif  // EJOURNAL_SETUP_IMPORT_PLAN_H_
