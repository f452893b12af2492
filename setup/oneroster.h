// OneRoster 1.2 CSV bulk files (1EdTech OneRoster: CSV Binding 1.2): read into a SetupInput, and
// written from a school's state.
//
// The files come as a map name -> bytes (the server unpacks the zip; tests need no directory).
// Read: manifest.csv (required; oneroster.version 1.1 or 1.2; files "bulk" or "absent": delta
// files are refused), orgs.csv, academicSessions.csv, courses.csv, classes.csv, users.csv,
// roles.csv and userProfiles.csv if present, enrollments.csv. Columns are found by their header
// names (the spec fixes their order; a reader by name also takes files that reorder them).
// Multi-valued fields are comma-separated inside one quoted field.
//
// The mapping onto a Russian school (setup/README.md has the table):
// - The org of type "school" is the school (its name is not changed by an import).
// - An academicSession of type "schoolYear" is an academic year (its sourcedId is the year's id);
//   its terms are the sessions under it (by parentSourcedId) of type "term"/"semester" or
//   "gradingPeriod", whichever tiles the year into 2, 3 or 4 periods (полугодия, триместры,
//   четверти). The extension column metadata.ejournal.grades ("1-9") gives each term its range of
//   grades; without it the terms hold for grades 1..11. Holidays have no place in OneRoster.
// - A course is a subject (metadata.ejournal.subjectKind carries the SubjectKind; else it is
//   guessed from the title). A course used only by homeroom classes is not a subject.
// - A class is a Russian class (класс) of a grade and letter, read from classCode (or the title):
//   "5А". A class of classType "homeroom" is the класс itself; its teacher enrolment names the
//   class teacher. A "scheduled" class is a subject taught to a класс (a section): its teacher
//   enrolments are teaching loads (TeachingLoadAssigned: the course's subject, the класс, hours
//   from metadata.ejournal.weeklyHours, a subgroup from metadata.ejournal.subgroupId), and its
//   student enrolments place the students in the класс. A student enrolled in sections of two
//   классы of one year from the same day is refused.
// - A user is a person: display name "Фамилия Имя Отчество" from familyName, givenName and
//   middleName (metadata.ejournal.displayName, when the column is there, is the name exactly),
//   login from username (else a userProfiles.csv username; else the differ makes one), id from
//   sourcedId. Roles from roles.csv (or a 1.1 users.csv "role" column): student -> ROLE_STUDENT;
//   parent, guardian -> ROLE_PARENT; teacher -> ROLE_TEACHER; administrator, systemAdministrator,
//   siteAdministrator -> ROLE_ADMIN; principal -> ROLE_DIRECTOR; counselor -> ROLE_PSYCHOLOGIST;
//   ext:deputy, ext:methodist, ext:classTeacher, ext:secretary, ext:socialPedagogue, ext:auditor
//   for the rest. enabledUser=false deactivates the account.
// - agentSourcedIds link parents and students both ways (GuardianLinked); an agent that is not a
//   user of the file is refused.
// - Phones (phone, sms) and e-mails go to the plan's contacts, never into events.
#ifndef EJOURNAL_SETUP_ONEROSTER_H_
#define EJOURNAL_SETUP_ONEROSTER_H_

#include <map>
#include <string>

#include "projections/school.h"
#include "setup/import_plan.h"
#include "setup/setup_input.h"

namespace ejournal::setup {

// File name (e.g. "users.csv"; a directory part is ignored) -> the file's bytes.
using OneRosterFiles = std::map<std::string, std::string>;

// The records of a OneRoster set. Unreadable files and broken references are refused problems.
// `default_year_id`: the year of classes that name no term.
SetupInput ReadOneRoster(const OneRosterFiles& files, const std::string& default_year_id);

// ReadOneRoster (with the context's year), then PlanImport.
ImportPlan PlanOneRosterImport(const OneRosterFiles& files, const school::School* school,
                               const ImportContext& context);

struct OneRosterExportOptions {
  // Contacts from the node's local store, by user id: written to users.csv (email, phone).
  std::map<std::string, ContactRecord> contacts;
};

// The school's set-up as a OneRoster 1.2 bulk set: manifest, orgs, academicSessions, courses,
// classes (a homeroom class per класс, a scheduled class per teaching load), users, roles,
// enrollments. UTF-8 without BOM, comma-separated, CRLF, rows sorted by id: the same state gives
// the same bytes. A student's history is one enrolment per placement, with its begin and end
// dates. Not written (OneRoster has no place for them, or they are not set-up data): holidays,
// subgroup members, school policy, credentials and passwords.
OneRosterFiles WriteOneRoster(const school::School& school,
                              const OneRosterExportOptions& options = {});

}  // namespace ejournal::setup

#endif  // EJOURNAL_SETUP_ONEROSTER_H_
