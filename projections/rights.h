// Rights over the journal's pages (R-ACC-2, R-ACC-3, R-SUB-1): who teaches, substitutes on or
// keeps a class, over which days. The write rules (projections/rule_book.cc) and the read access
// (api/access.cc) ask the same functions, so that a page a teacher may write is a page they may
// read, and a load's dates bound both.
//
// Pure functions of the school state: the caller holds whatever lock guards it.
#ifndef EJOURNAL_PROJECTIONS_RIGHTS_H_
#define EJOURNAL_PROJECTIONS_RIGHTS_H_

#include <optional>
#include <string_view>

#include "projections/school_state.h"

namespace ejournal::school {

// Days from `first` to `last`, both included (the default: all days).
struct DayRange {
  Day first = kNoDay, last = kForever;
};

// The days of term `term` (1..) of the class's year; term 0: all days. Nothing for a class or term
// the school does not have.
std::optional<DayRange> TermDays(const School& school, std::string_view class_id, int term);

// A teacher (or a class teacher, who is one).
bool IsTeacher(const User& user);
// The class teacher of `class_id` (a class teacher reads every page of their class).
bool ClassTeacherOf(const School& school, const User& user, std::string_view class_id);
// Teaches the page (class or subgroup × subject) on some day of `days`: a load of theirs covers it
// (a load with no subgroup covers every subgroup of the class and its home-schooled students'
// pages), or, on a home-schooled student's page, they teach its individual lessons (R-LES-2).
bool TeachesPage(const School& school, const User& user, std::string_view class_id,
                 std::string_view subgroup_id, std::string_view subject_id, DayRange days);
// R-SUB-1: substitutes (a substitution in force names them) on a lesson of the page held on some
// day of `days`.
bool SubstitutesOnPage(const School& school, const User& user, std::string_view class_id,
                       std::string_view subgroup_id, std::string_view subject_id, DayRange days);
// Teaches a class at all, on any day (their students' diaries are theirs to read).
bool TeachesClass(const School& school, const User& user, std::string_view class_id);

}  // namespace ejournal::school

#endif  // EJOURNAL_PROJECTIONS_RIGHTS_H_
