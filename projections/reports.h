// Reports for the deputy director ("Reports and control" in DOMAIN.md; seed 000 §4.3, §5.2, §7;
// seed 004 §9.2): monthly control per teacher and class, class progress, attendance by month and
// category, the summary statement, unsatisfactory marks and missed lessons with their topics,
// pending corrections, substitutions, and the parents' acknowledgement rate (R-ACK-1).
//
// A report is a pure function of the school state at its position (as_of_sequence): what the
// journal shows now, invalid events (R-SEC-3) left out. Reports are computed on request from the
// in-memory fold, not stored: they cover many pages at once and are asked for rarely, so a stored
// copy would cost every append for little gain. The cost of each is linear in what it covers (the
// lessons of its classes and dates, plus one pass over the school's students).
//
// Thread-safety: as the SchoolState (the owner's lock).
#ifndef EJOURNAL_PROJECTIONS_REPORTS_H_
#define EJOURNAL_PROJECTIONS_REPORTS_H_

#include <string_view>

#include "ejournal/v1/reports.pb.h"
#include "projections/school_state.h"
#include "schemas/status.h"

namespace ejournal::school {

// Monthly control of the lessons scheduled in `year`-`month` (school-local dates), one row per
// scheduled teacher × class/subgroup × subject; `teacher_id` and `class_id` filter (empty: all).
[[nodiscard]] Result<v1::MonthlyControlView> MonthlyControl(const SchoolState& state,
                                                            std::string_view school_id, int year,
                                                            int month, std::string_view teacher_id,
                                                            std::string_view class_id);

// The term (or year, or final) marks of a class: per subject and per student.
[[nodiscard]] Result<v1::ClassProgressView> ClassProgress(const SchoolState& state,
                                                          std::string_view school_id,
                                                          std::string_view class_id,
                                                          const v1::PeriodRef& period);

// Misses and lateness by class and month over [from, to]; `class_id` empty: every class.
[[nodiscard]] Result<v1::AttendanceReportView> AttendanceReport(const SchoolState& state,
                                                                std::string_view school_id,
                                                                std::string_view class_id, Day from,
                                                                Day to);

// The summary statement of a class for an academic year: every term, year and final mark.
[[nodiscard]] Result<v1::SummaryStatementView> SummaryStatement(const SchoolState& state,
                                                                std::string_view school_id,
                                                                std::string_view class_id,
                                                                std::string_view year_id);

// Unsatisfactory marks (a part of 2 or 1) and misses of a class's students over [from, to], with
// the lessons' topics; students without either are left out.
[[nodiscard]] Result<v1::ProblemsReportView> ProblemsReport(const SchoolState& state,
                                                            std::string_view school_id,
                                                            std::string_view class_id, Day from,
                                                            Day to);

// R-MARK-5: the thematic checks (whole-class works of the lesson records) of a class's lessons in
// [from, to], each with the present students who still lack a mark of its work type.
[[nodiscard]] Result<v1::ThematicChecksView> ThematicChecks(const SchoolState& state,
                                                            std::string_view school_id,
                                                            std::string_view class_id, Day from,
                                                            Day to);

// Correction requests awaiting a deputy's decision, oldest first, with the original and the
// proposal (R-COR-3).
[[nodiscard]] Result<v1::PendingCorrectionsView> PendingCorrections(const SchoolState& state,
                                                                    std::string_view school_id);

// R-SEC-1: the school's reports of exposed logins, oldest first, each with its late flag.
[[nodiscard]] Result<v1::CompromiseReportsView> CompromiseReports(const SchoolState& state,
                                                                  std::string_view school_id);

// Substitutions with a lesson in [from, to], by their first lesson's date.
[[nodiscard]] Result<v1::SubstitutionsReportView> SubstitutionsReport(const SchoolState& state,
                                                                      std::string_view school_id,
                                                                      Day from, Day to);

// The acknowledgement rate per class and week for the weeks starting in [WeekStart(from), to].
[[nodiscard]] Result<v1::AcknowledgementReportView> AcknowledgementReport(
    const SchoolState& state, std::string_view school_id, std::string_view class_id, Day from,
    Day to);

// Names the ids of a report for people (names everywhere a person reads): every class, subgroup,
// subject and person id the report (`view`, any message of reports.proto with a `names` field)
// holds in a field named class_id, subgroup_id, subject_id(s), student_id, requester_id or
// *teacher_id, at any depth, gets one NameView in `names` with the school's name for it (a class
// as "5А", a home-schooled student's page as "обучение на дому: ..."). Ids the school does not
// know are left unnamed. A message without a `names` field is left as it is.
void NameReportIds(const School& school, google::protobuf::Message& view);

}  // namespace ejournal::school

#endif  // EJOURNAL_PROJECTIONS_REPORTS_H_
