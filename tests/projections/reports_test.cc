// The deputy's reports (projections/reports.h) over a school built through the real ledger with
// the rules on: monthly control, class progress, attendance, the summary statement, problems,
// pending corrections, substitutions and the acknowledgement rate (R-ACK-1).
#include "projections/reports.h"

#include <gtest/gtest.h>

#include "projections/views.h"
#include "tests/support/school_fixture.h"
#include "tests/support/status_matchers.h"

namespace ejournal::testing {
namespace {

using school::Day;

class ReportsTest : public SchoolFixture {
 protected:
  v1::EventBody ReasonBody(const std::string& student, const std::string& lesson,
                           v1::AbsenceReason reason) {
    v1::EventBody b = Body("ct");
    auto* r = b.mutable_absence_reason_set();
    r->set_student_id(student);
    r->set_reason(reason);
    r->add_lesson_ids(lesson);
    return b;
  }
  // A first-term mark (R-TERM-1).
  v1::EventBody TermMarkBody(const std::string& teacher, const std::string& student,
                             const std::string& subject, int value,
                             v1::AttestationStatus status = v1::ATTESTATION_STATUS_UNSPECIFIED) {
    return SchoolFixture::TermMarkBody(teacher, student, subject, v1::PERIOD_KIND_TERM, 1, value,
                                       status);
  }
  v1::EventBody AckBody(const std::string& parent, const std::string& student, Day week) {
    v1::EventBody b = Body(parent);
    auto* a = b.mutable_diary_acknowledged();
    a->set_guardian_id(parent);
    a->set_student_id(student);
    *a->mutable_week_start() = Date(week);
    a->set_as_of_sequence(State().size());
    a->set_channel(v1::ACKNOWLEDGEMENT_CHANNEL_ELECTRONIC);
    return b;
  }
  const Day mon_ = D(2025, 10, 6);
};

TEST_F(ReportsTest, MonthlyControlCountsPlanTopicsHomeworkMarksAndTimeliness) {
  At(mon_, "08:35");
  MustSubmit(ConductedBody("math", "math-5a-1", "Дроби"));
  MustSubmit(MarkBody("math", "m1", "math-5a-1", "s1", 5));
  MustSubmit(MarkBody("math", "m2", "math-5a-1", "s1", 4, v1::WORK_TYPE_ANSWER_IN_CLASS, 0));
  MustSubmit(AbsenceBody("math", "math-5a-1", "s3"));
  At(mon_, "12:00");  // within an hour after the class's last lesson (R-HW-1)
  MustSubmit(HomeworkBody("math", "h1", "math-5a-1", "№ 12"));
  At(mon_ + 1, "10:00");  // a written work, a day late, inside its window (R-MARK-3)
  MustSubmit(MarkBody("math", "m3", "math-5a-1", "s2", 3, v1::WORK_TYPE_CONTROL_WORK));
  MustSubmit(ReasonBody("s3", "math-5a-1", v1::ABSENCE_REASON_ILLNESS));

  auto report = school::MonthlyControl(State(), kSchool, 2025, 10, "math", "5a");
  ASSERT_TRUE(report.has_value()) << report.error().ToString();
  ASSERT_EQ(report->rows_size(), 1);
  const v1::ControlRowView& r = report->rows(0);
  EXPECT_EQ(r.teacher_id(), "math");
  EXPECT_EQ(r.subject_id(), "math");
  EXPECT_EQ(r.lessons_planned(), 2);  // Oct 6 and Oct 8; Sep 8 is another month
  EXPECT_EQ(r.lessons_held(), 1);
  EXPECT_EQ(r.lessons_with_topic(), 1);
  EXPECT_EQ(r.lessons_with_homework(), 1);
  EXPECT_EQ(r.load_weekly_hours(), 5);
  EXPECT_EQ(r.students(), 3);
  EXPECT_EQ(r.students_without_marks(), 1);
  EXPECT_EQ(r.students_without_marks_ids(0), "s3");
  EXPECT_EQ(r.students_with_one_mark(), 1);
  EXPECT_EQ(r.students_with_one_mark_ids(0), "s2");
  EXPECT_EQ(r.marks(), 3);
  EXPECT_EQ(r.marks_late(), 1);
  EXPECT_EQ(r.max_mark_delay_days(), 1);
  EXPECT_EQ(r.homework(), 1);
  EXPECT_EQ(r.homework_late(), 0);
  EXPECT_EQ(r.absences(), 1);
  EXPECT_EQ(r.absences_classified(), 1);

  // Without filters every scheduled group of the month has a row; an unknown class is named.
  auto all = school::MonthlyControl(State(), kSchool, 2025, 10, "", "");
  ASSERT_TRUE(all.has_value());
  EXPECT_EQ(all->rows_size(), 5);  // math 5a, math 9a, russian 5a, russian 1a, pe 5a
  EXPECT_TRUE(IsRefused(school::MonthlyControl(State(), kSchool, 2025, 10, "", "7z"),
                        StatusCode::kNotFound, ""));
  EXPECT_TRUE(IsRefused(school::MonthlyControl(State(), kSchool, 2025, 13, "", ""),
                        StatusCode::kInvalidArgument, ""));
}

TEST_F(ReportsTest, ClassProgressAndSummaryStatementFromTermMarks_R_TERM_1) {
  At(mon_, "09:30");
  // Russian in 5a, 2 h/week: enough marks for s1 and s2.
  for (int i = 0; i < 5; ++i) {
    MustSubmit(MarkBody("russian", "r1-" + std::to_string(i), "rus-5a-1", "s1", 5));
    MustSubmit(MarkBody("russian", "r2-" + std::to_string(i), "rus-5a-1", "s2", i == 0 ? 2 : 3));
  }
  At(D(2025, 10, 20), "12:00");  // the last week of the first quarter
  MustSubmit(TermMarkBody("russian", "s1", "russian", 5));
  MustSubmit(TermMarkBody("russian", "s2", "russian", 3));
  MustSubmit(TermMarkBody("russian", "s3", "russian", 0, v1::ATTESTATION_STATUS_NOT_ATTESTED));

  v1::PeriodRef q1;
  q1.set_academic_year_id("2025");
  q1.set_kind(v1::PERIOD_KIND_TERM);
  q1.set_term_number(1);
  auto progress = school::ClassProgress(State(), kSchool, "5a", q1);
  ASSERT_TRUE(progress.has_value()) << progress.error().ToString();
  EXPECT_EQ(progress->students(), 3);
  ASSERT_EQ(progress->subjects_size(), 3);  // math, pe, russian
  const v1::SubjectProgressView& rus = progress->subjects(2);
  EXPECT_EQ(rus.subject_id(), "russian");
  EXPECT_EQ(rus.counts(4), 1);
  EXPECT_EQ(rus.counts(2), 1);
  EXPECT_EQ(rus.not_attested(), 1);
  EXPECT_EQ(rus.missing(), 0);
  EXPECT_EQ(rus.quality_percent_x100(), 3333);  // one of three
  EXPECT_EQ(rus.success_percent_x100(), 6667);  // two of three
  EXPECT_EQ(rus.mean_x100(), 400);              // (5 + 3) / 2
  EXPECT_EQ(progress->subjects(0).missing(), 3);
  EXPECT_EQ(progress->students_excellent(), 1);
  EXPECT_EQ(progress->students_good(), 0);
  EXPECT_EQ(progress->students_failing(), 1);
  EXPECT_EQ(progress->quality_percent_x100(), 3333);
  EXPECT_EQ(progress->success_percent_x100(), 6667);

  // The rows carry the student's registered name (the summary statement is printed by name).
  v1::EventBody rename = Body("admin");
  rename.mutable_user_profile_changed()->set_user_id("s1");
  rename.mutable_user_profile_changed()->set_display_name("Иванова Мария");
  MustSubmit(rename);
  auto summary = school::SummaryStatement(State(), kSchool, "5a", "2025");
  ASSERT_TRUE(summary.has_value()) << summary.error().ToString();
  ASSERT_EQ(summary->rows_size(), 3);
  EXPECT_EQ(summary->rows(0).student_id(), "s1");
  EXPECT_EQ(summary->rows(0).student_name(), "Иванова Мария");
  ASSERT_EQ(summary->rows(0).marks_size(), 1);
  EXPECT_EQ(summary->rows(0).marks(0).subject_id(), "russian");
  EXPECT_EQ(summary->rows(0).marks(0).term_number(), 1);
  EXPECT_EQ(summary->rows(0).marks(0).value(), 5);
  EXPECT_EQ(summary->rows(2).marks(0).status(), v1::ATTESTATION_STATUS_NOT_ATTESTED);
  EXPECT_TRUE(IsRefused(school::SummaryStatement(State(), kSchool, "5a", "1999"),
                        StatusCode::kNotFound, ""));
}

TEST_F(ReportsTest, AttendanceByMonthAndCategoryAndProblemsWithTopics_R_ATT_2) {
  At(mon_, "08:35");
  MustSubmit(ConductedBody("math", "math-5a-1", "Дроби"));
  MustSubmit(AbsenceBody("math", "math-5a-1", "s3"));
  v1::EventBody late = AbsenceBody("math", "math-5a-1", "s2", v1::ATTENDANCE_STATUS_LATE);
  late.mutable_attendance_recorded()->set_minutes_late(10);
  MustSubmit(late);
  MustSubmit(MarkBody("math", "m1", "math-5a-1", "s1", 2));
  At(mon_, "09:30");
  MustSubmit(AbsenceBody("russian", "rus-5a-1", "s3"));
  At(mon_ + 1, "10:00");
  MustSubmit(ReasonBody("s3", "math-5a-1", v1::ABSENCE_REASON_NOT_VALID));

  auto att = school::AttendanceReport(State(), kSchool, "5a", D(2025, 9, 1), D(2025, 10, 31));
  ASSERT_TRUE(att.has_value()) << att.error().ToString();
  ASSERT_EQ(att->months_size(), 1);
  const auto& oct = att->months(0);
  EXPECT_EQ(oct.month(), 10);
  EXPECT_EQ(oct.missed(), 2);
  EXPECT_EQ(oct.not_valid(), 1);
  EXPECT_EQ(oct.unclassified(), 1);
  EXPECT_EQ(oct.late(), 1);
  EXPECT_EQ(oct.late_minutes(), 10);
  EXPECT_EQ(oct.students_missing(), 1);
  EXPECT_TRUE(IsRefused(school::AttendanceReport(State(), kSchool, "", mon_, mon_ - 1),
                        StatusCode::kInvalidArgument, ""));

  auto problems = school::ProblemsReport(State(), kSchool, "5a", mon_, mon_ + 6);
  ASSERT_TRUE(problems.has_value()) << problems.error().ToString();
  ASSERT_EQ(problems->students_size(), 2);  // s1 (a 2) and s3 (misses); s2 was only late
  EXPECT_EQ(problems->students(0).student_id(), "s1");
  EXPECT_EQ(problems->students(1).student_name(), "s3");  // the fixture names users by their ids
  ASSERT_EQ(problems->students(0).unsatisfactory_size(), 1);
  EXPECT_EQ(problems->students(0).unsatisfactory(0).topic(), "Дроби");
  EXPECT_EQ(problems->students(0).unsatisfactory(0).value(), 2);
  ASSERT_EQ(problems->students(1).missed_size(), 2);
  EXPECT_EQ(problems->students(1).missed(0).absence_reason(), v1::ABSENCE_REASON_NOT_VALID);
  EXPECT_EQ(problems->students(1).missed(1).subject_id(), "russian");
}

TEST_F(ReportsTest, PendingCorrectionsAndSubstitutions_R_COR_1_R_SUB_1) {
  At(mon_, "08:35");
  MustSubmit(MarkBody("math", "m1", "math-5a-1", "s1", 3));
  At(mon_ + 1, "09:00");
  MustSubmit(SubstitutionBody("methodist", "sub-1", "math-5a-2", "math", "курсы"));
  At(mon_ + 1, "10:00");
  MustSubmit(CorrectionBody("math", "r1", "m1", 4));
  auto pending = school::PendingCorrections(State(), kSchool);
  ASSERT_TRUE(pending.has_value());
  ASSERT_EQ(pending->requests_size(), 1);
  EXPECT_EQ(pending->requests(0).request_id(), "r1");
  EXPECT_EQ(pending->requests(0).requester_id(), "math");
  EXPECT_EQ(pending->requests(0).target(), "mark");
  // Named for the deputy's screen: who asked, whose mark, which class and subject (the fixture's
  // display names are the ids).
  EXPECT_EQ(pending->requests(0).requester_name(), "math");
  EXPECT_EQ(pending->requests(0).student_id(), "s1");
  EXPECT_EQ(pending->requests(0).student_name(), "s1");
  EXPECT_EQ(pending->requests(0).class_id(), "5a");
  EXPECT_EQ(pending->requests(0).class_name(), "5А");
  EXPECT_EQ(pending->requests(0).subject_id(), "math");
  EXPECT_EQ(pending->requests(0).subject_name(), "Математика");
  MustSubmit(ApproveBody("deputy", "r1"));
  EXPECT_EQ(school::PendingCorrections(State(), kSchool)->requests_size(), 0);

  At(D(2025, 10, 8), "08:40");
  v1::EventBody held = ConductedBody("sub", "math-5a-2", "Десятичные дроби");
  held.set_substitution_id("sub-1");
  MustSubmit(held);
  auto subs = school::SubstitutionsReport(State(), kSchool, D(2025, 10, 1), D(2025, 10, 31));
  ASSERT_TRUE(subs.has_value());
  ASSERT_EQ(subs->substitutions_size(), 1);
  EXPECT_EQ(subs->substitutions(0).substitute_teacher_id(), "sub");
  ASSERT_EQ(subs->substitutions(0).lessons_size(), 1);
  EXPECT_TRUE(subs->substitutions(0).lessons(0).held());
  EXPECT_EQ(school::SubstitutionsReport(State(), kSchool, D(2025, 11, 1), D(2025, 11, 30))
                ->substitutions_size(),
            0);
  auto control = school::MonthlyControl(State(), kSchool, 2025, 10, "math", "5a");
  ASSERT_TRUE(control.has_value());
  EXPECT_EQ(control->rows(0).lessons_substituted(), 1);
}

// R-ACK-1: an acknowledgement covers what the parent saw; a mark added later is new.
TEST_F(ReportsTest, AcknowledgementRateAndWhatChangedSince_R_ACK_1) {
  At(mon_, "08:35");
  MustSubmit(MarkBody("math", "m1", "math-5a-1", "s1", 5));
  At(D(2025, 10, 11), "20:00");
  MustSubmit(AckBody("parent", "s1", mon_));
  school::ViewReader reader(ledger_->ledger().db(), ledger_->ledger().column_families().views);
  auto week = reader.DiaryWeek(State(), kSchool, "s1", mon_);
  ASSERT_TRUE(week.has_value());
  ASSERT_EQ(week->acknowledgements_size(), 1);
  EXPECT_EQ(week->acknowledgements(0).guardian_id(), "parent");
  EXPECT_FALSE(week->days(0).lessons(0).new_since_acknowledgement());

  auto report = school::AcknowledgementReport(State(), kSchool, "5a", mon_, mon_ + 6);
  ASSERT_TRUE(report.has_value()) << report.error().ToString();
  ASSERT_EQ(report->weeks_size(), 1);
  EXPECT_EQ(report->weeks(0).students(), 2);  // s1 and s2 have a guardian
  EXPECT_EQ(report->weeks(0).acknowledged(), 1);
  EXPECT_EQ(report->weeks(0).changed_since(), 0);
  EXPECT_EQ(report->rate_percent_x100(), 5000);

  // A correction approved after the acknowledgement is not covered by it.
  At(D(2025, 10, 13), "10:00");
  MustSubmit(CorrectionBody("math", "r1", "m1", 4));
  MustSubmit(ApproveBody("deputy", "r1"));
  report = school::AcknowledgementReport(State(), kSchool, "5a", mon_, mon_ + 6);
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->weeks(0).changed_since(), 1);
  week = reader.DiaryWeek(State(), kSchool, "s1", mon_);
  ASSERT_TRUE(week.has_value());
  EXPECT_TRUE(week->days(0).lessons(0).new_since_acknowledgement());
  EXPECT_FALSE(week->days(0).lessons(1).new_since_acknowledgement());
}

}  // namespace
}  // namespace ejournal::testing
