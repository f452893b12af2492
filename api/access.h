// Read access control (R-ACC-3, DOMAIN.md's "may read" column): which signed-in user may read
// which view. Every read endpoint asks one of these before reading; a refusal answers exactly
// like an unknown id (NotVisible(), 404), so ids cannot be probed.
//
//   deputy, director, auditor, admin      everything
//   methodist                             journal pages (and their as-of and cell history)
//   class teacher                         every page, diary and class report of their class
//   teacher                               pages of the class-subjects they teach (load), for the
//                                         terms their load covers; diaries of the students of
//                                         classes they teach; as a substitute (R-SUB-1), the
//                                         term pages that hold a lesson they substitute
//
// A substitute's scope (seed 004 §7.12: "заменяющему учителю открывается доступ к страницам
// электронного журнала отсутствующего педагога"; seed 002 §2.1): they write the lessons they
// substitute, so they read the page of the term those lessons are in (its class list, the marks
// and topics they continue), and nothing of the class-subject's other terms. A cancelled
// substitution gives no access.
//   parent                                the diaries of their own children only
//   student                               their own diary only
//   anyone                                their own actor history
//
// Pure functions of the school state: the caller holds the state's lock (api/server.h).
#ifndef EJOURNAL_API_ACCESS_H_
#define EJOURNAL_API_ACCESS_H_

#include <string_view>

#include "projections/school_state.h"

namespace ejournal::api {

// Deputy, director, auditor, admin.
bool ReadsEverything(const school::User& reader);

bool MayReadDiary(const school::School& school, const school::User& reader,
                  std::string_view student_id);
// The page of term `term` (1..) of the class's year; term 0: any of its terms (whether the page is
// the reader's at all, e.g. to list it).
bool MayReadPage(const school::School& school, const school::User& reader,
                 std::string_view class_id, std::string_view subgroup_id,
                 std::string_view subject_id, int term);
// The cell's lesson page.
bool MayReadCell(const school::School& school, const school::User& reader,
                 std::string_view lesson_id);
bool MayReadActorHistory(const school::User& reader, std::string_view actor_id);
// Reports of one class (`class_id` non-empty) or of the whole school.
bool MayReadReport(const school::School& school, const school::User& reader,
                   std::string_view class_id);
// Ledger entries (whole signed events) and the Act dry run.
bool MayReadLedger(const school::User& reader);

}  // namespace ejournal::api

#endif  // EJOURNAL_API_ACCESS_H_
