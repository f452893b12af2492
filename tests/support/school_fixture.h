// A small school on a real ledger with the school rules on, for the rule, rights and projection
// tests: school-1 in Europe/Moscow, academic year 2025/26 (quarters, adaptation 1-15 Sep), a bell
// schedule, subjects, classes 1a (grade 1), 5a (grade 5), 9a (grade 9), every role, three students
// in 5a with a parent, one student in 1a and one in 9a, the teaching load, and lessons on the
// first school days of October 2025.
//
// Users (id = login): admin, director, deputy, deputy2, methodist, math (teaches math in 5a and
// 9a), russian (Russian in 5a and 1a), pe (PE in 5a), sub (a teacher without load: the substitute),
// ct (class teacher of 5a, teaches nothing), secretary, parent (guardian of s1), parent2 (of s2),
// s1 s2 s3 (5a), f1 (1a), n1 (9a), auditor.
//
// Time: the clock is a ManualClock; At(day, "10:05") sets it to that school-local time.
#ifndef EJOURNAL_TESTS_SUPPORT_SCHOOL_FIXTURE_H_
#define EJOURNAL_TESTS_SUPPORT_SCHOOL_FIXTURE_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <string>

#include "ejournal/v1/event.pb.h"
#include "projections/school_state.h"
#include "tests/support/manual_clock.h"
#include "tests/support/signed_ledger.h"
#include "tests/support/temp_dir.h"

namespace ejournal::testing {

// R-SEC-2: the fields of a compromise Act (SchoolFixture::ActBody); each default is the value most
// tests need.
struct ActFields {
  std::string act_id = "act-1";
  std::string act_number = "1";
  school::Day act_date = school::kNoDay;  // kNoDay: the school day on the clock
  std::string affected_user = "math";
  std::string credential_id;    // empty: the affected user's fixture credential
  int64_t invalid_from_us = 0;  // 0: a minute before the clock's now
};

class SchoolFixture : public ::testing::Test {
 protected:
  static constexpr char kSchool[] = "school-1";
  static constexpr char kZone[] = "Europe/Moscow";

  void SetUp() override;

  // Dates of the fixture (2025-10-06 is a Monday).
  static school::Day D(int year, int month, int day);
  static v1::Date Date(school::Day day) { return school::DateOf(day); }
  // Sets the clock to school-local `hh:mm` on `day`.
  void At(school::Day day, const std::string& hhmm);

  // Registers `id` (login = id) with `roles` through the administrator and issues it a credential
  // (a signer for Body(id)).
  void AddUser(const std::string& id, std::initializer_list<v1::Role> roles);

  // A body for `user` with the envelope filled in (school-1, the user's credential).
  v1::EventBody Body(const std::string& user);
  // Signs `body` with the actor's credential and submits it through admission and the ledger.
  Result<AppendResult> Submit(const v1::EventBody& body);
  // Submit, asserting success.
  uint64_t MustSubmit(const v1::EventBody& body);

  // Builders (payload only; the caller may adjust the body before submitting).
  v1::EventBody ScheduleLesson(const std::string& lesson_id, const std::string& class_id,
                               const std::string& subject_id, const std::string& teacher,
                               school::Day day, int period, const std::string& subgroup = "");
  v1::EventBody MarkBody(const std::string& teacher, const std::string& mark_id,
                         const std::string& lesson_id, const std::string& student, int value,
                         v1::WorkType work = v1::WORK_TYPE_ANSWER_IN_CLASS, int second = 0);
  v1::EventBody AbsenceBody(const std::string& teacher, const std::string& lesson_id,
                            const std::string& student,
                            v1::AttendanceStatus status = v1::ATTENDANCE_STATUS_ABSENT);
  // DISTANCE and EXTRACURRICULAR get an order number; EXTRACURRICULAR is held on the lesson's day.
  v1::EventBody ConductedBody(const std::string& teacher, const std::string& lesson_id,
                              const std::string& topic,
                              v1::LessonKind kind = v1::LESSON_KIND_REGULAR);
  v1::EventBody HomeworkBody(const std::string& teacher, const std::string& homework_id,
                             const std::string& lesson_id, const std::string& text);
  v1::EventBody CorrectionBody(const std::string& teacher, const std::string& request_id,
                               const std::string& mark_id, int new_value,
                               const std::string& reason = "ошибка при выставлении");
  v1::EventBody ApproveBody(const std::string& deputy, const std::string& request_id);
  // R-TERM-1: a term (or year, final) mark of the 2025 year: `value`, or `status` when 0.
  v1::EventBody TermMarkBody(const std::string& teacher, const std::string& student,
                             const std::string& subject, v1::PeriodKind kind, int term, int value,
                             v1::AttestationStatus status = v1::ATTESTATION_STATUS_UNSPECIFIED);

  // R-SUB-1: `substitute` takes `absent_teacher`'s lesson `lesson_id`.
  v1::EventBody SubstitutionBody(const std::string& actor, const std::string& substitution_id,
                                 const std::string& lesson_id, const std::string& absent_teacher,
                                 const std::string& reason = "",
                                 const std::string& substitute = "sub");

  // The Act's payload, with the director as its commission.
  v1::CredentialCompromiseActRecorded ActPayload(const ActFields& fields = {}) const;
  // A CredentialCompromiseActRecorded by `actor` (the director's or the administrator's to record).
  v1::EventBody ActBody(const std::string& actor, const ActFields& fields = {});

  // The lesson's date.
  school::Day LessonDay(const std::string& lesson_id) const;
  const school::School& School() const { return *ledger_->school_state()->FindSchool(kSchool); }
  const school::SchoolState& State() const { return *ledger_->school_state(); }
  // The event id of the last submitted body.
  const std::string& last_event_id() const { return last_event_id_; }

  TempDir dir_;
  ManualClock clock_;
  std::unique_ptr<SignedLedger> ledger_;
  std::map<std::string, Signer> signers_;
  std::string last_event_id_;
  // 2025-10-06 (Mon) lessons, periods 1..3: math-5a-1 (math, 5a), rus-5a-1 (russian, 5a, p2),
  // pe-5a-1 (pe, 5a, p3), rus-1a-1 (russian, 1a, p1), math-9a-1 (math, 9a, p2);
  // math-5a-2 on 2025-10-08 (Wed) p1; and math-5a-sep on 2025-09-08 (adaptation period) p1.
};

}  // namespace ejournal::testing

#endif  // EJOURNAL_TESTS_SUPPORT_SCHOOL_FIXTURE_H_
