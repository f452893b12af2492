// Every rule of DOMAIN.md, one group of tests per rule id, through the real admission path
// (SchoolFixture: signed events → Admission → RuleBook → a real RocksDB ledger). Each group has at
// least one accepting and one refusing case and asserts the exact refusal: the status code and the
// rule id, and where it helps a part of the message.
//
// Rules that are about views or reports rather than admission (R-ACC-3's diary, R-ACC-5's sign-in,
// R-MARK-5's report, R-COR-3's queue, R-TIME-1's two times) are tested through what the code does
// for them; each such test says so.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "ejournal/v1/ledger.pb.h"
#include "projections/reports.h"
#include "projections/rule_book.h"
#include "projections/views.h"
#include "tests/support/school_fixture.h"
#include "tests/support/status_matchers.h"

namespace ejournal::testing {
namespace {

using school::Day;
constexpr auto kDenied = StatusCode::kPermissionDenied;
constexpr auto kRefused = StatusCode::kFailedPrecondition;
constexpr auto kMalformed = StatusCode::kInvalidArgument;
constexpr auto kUnauthenticated = StatusCode::kUnauthenticated;

class RulesTest : public SchoolFixture {
 protected:
  school::ViewReader Reader() {
    return school::ViewReader(ledger_->ledger().db(), ledger_->ledger().column_families().views);
  }
  // Both a code and a message part.
  static ::testing::AssertionResult Refused(const Result<AppendResult>& r, StatusCode code,
                                            std::string_view rule, std::string_view substr) {
    auto a = IsRefused(r, code, rule);
    if (!a) return a;
    return IsError(r, code, substr);
  }
  v1::EventBody TermMarkBody(const std::string& teacher, const std::string& student,
                             const std::string& subject, v1::PeriodKind kind, int term, int value,
                             v1::AttestationStatus status = v1::ATTESTATION_STATUS_UNSPECIFIED) {
    v1::EventBody b = Body(teacher);
    auto* t = b.mutable_term_mark_recorded();
    t->set_student_id(student);
    t->set_subject_id(subject);
    t->mutable_period()->set_academic_year_id("2025");
    t->mutable_period()->set_kind(kind);
    t->mutable_period()->set_term_number(term);
    if (value != 0) {
      t->mutable_mark()->set_value(value);
    } else {
      t->mutable_mark()->set_status(status);
    }
    return b;
  }
  v1::EventBody CompromiseReportBody(const std::string& actor, const std::string& report_id,
                                     const std::string& user, int64_t discovered_minutes_ago) {
    v1::EventBody b = Body(actor);
    auto* r = b.mutable_credential_compromise_reported();
    r->set_report_id(report_id);
    r->set_user_id(user);
    r->add_credential_ids(signers_.at(user).credential_id);
    r->set_discovered_at_us(clock_.NowMicros() - discovered_minutes_ago * school::kMicrosPerMinute);
    r->set_circumstances("пароль увидел посторонний");
    return b;
  }
  v1::EventBody AckBody(const std::string& actor, const std::string& guardian,
                        const std::string& student, v1::AcknowledgementChannel channel) {
    v1::EventBody b = Body(actor);
    auto* a = b.mutable_diary_acknowledged();
    a->set_guardian_id(guardian);
    a->set_student_id(student);
    *a->mutable_week_start() = Date(mon_);
    a->set_as_of_sequence(State().size());
    a->set_channel(channel);
    return b;
  }
  const Day mon_ = D(2025, 10, 6);
  const Day wed_ = D(2025, 10, 8);
};

// ---- R-ACC-1: every write is signed by an active credential of the actor ----

TEST_F(RulesTest, R_ACC_1_ActiveCredentialSignsRevokedOneDoesNot) {
  At(mon_, "08:40");
  MustSubmit(MarkBody("math", "m1", "math-5a-1", "s1", 5));
  v1::EventBody revoke = Body("admin");
  revoke.mutable_credential_revoked()->set_credential_id(signers_.at("math").credential_id);
  revoke.mutable_credential_revoked()->set_reason(v1::REVOCATION_REASON_ADMIN);
  MustSubmit(revoke);
  EXPECT_TRUE(Refused(Submit(MarkBody("math", "m2", "math-5a-1", "s2", 4)), kUnauthenticated,
                      "R-ACC-1", "revoked"));
  EXPECT_EQ(School().marks.count("m2"), 0u);
}

TEST_F(RulesTest, R_ACC_1_ExpiredCredentialSignsNothing) {
  At(mon_, "08:35");
  auto short_lived = ledger_->IssueCredential("math", crypto::KeyType::kEd25519,
                                              clock_.NowMicros() + 10 * school::kMicrosPerMinute);
  ASSERT_TRUE(short_lived.has_value()) << short_lived.error().ToString();
  v1::EventBody ok = MarkBody("math", "m1", "math-5a-1", "s1", 5);
  ok.set_credential_id(short_lived->credential_id);
  ASSERT_TRUE(ledger_->Submit(ok, *short_lived).has_value());
  At(mon_, "08:50");
  v1::EventBody late = MarkBody("math", "m2", "math-5a-1", "s2", 5);
  late.set_credential_id(short_lived->credential_id);
  EXPECT_TRUE(Refused(ledger_->Submit(late, *short_lived), kUnauthenticated, "R-ACC-1", "expired"));
}

TEST_F(RulesTest, R_ACC_1_SignatureByAnotherKeyIsRefused) {
  At(mon_, "08:40");
  auto key = crypto::PrivateKey::Generate(crypto::KeyType::kEd25519);
  ASSERT_TRUE(key.has_value());
  Signer forged{.credential_id = signers_.at("math").credential_id,
                .user_id = "math",
                .key = std::move(*key)};
  EXPECT_TRUE(Refused(ledger_->Submit(MarkBody("math", "m1", "math-5a-1", "s1", 5), forged),
                      kUnauthenticated, "R-ACC-1", "not valid"));
}

TEST_F(RulesTest, R_ACC_1_DeactivatedUserWritesNothing) {
  At(mon_, "09:30");
  MustSubmit(MarkBody("russian", "m1", "rus-5a-1", "s1", 5));
  v1::EventBody d = Body("admin");
  d.mutable_user_deactivated()->set_user_id("russian");
  d.mutable_user_deactivated()->set_reason("уволен");
  MustSubmit(d);
  EXPECT_TRUE(Refused(Submit(MarkBody("russian", "m2", "rus-5a-1", "s2", 5)), kDenied, "R-ACC-1",
                      "deactivated"));
}

// ---- R-ACC-2: only the listed rights (the full matrix is rights_matrix_test.cc) ----

TEST_F(RulesTest, R_ACC_2_SecretaryAndAuditorWriteNoJournal) {
  At(mon_, "08:40");
  EXPECT_TRUE(
      IsRefused(Submit(MarkBody("secretary", "m1", "math-5a-1", "s1", 5)), kDenied, "R-ACC-2"));
  EXPECT_TRUE(
      IsRefused(Submit(ConductedBody("auditor", "math-5a-1", "Дроби")), kDenied, "R-ACC-2"));
  MustSubmit(ConductedBody("math", "math-5a-1", "Дроби"));
}

// ---- R-ACC-3: a parent or student sees and acts on no other student's data ----

TEST_F(RulesTest, R_ACC_3_ParentAcknowledgesOnlyTheirOwnChild) {
  At(mon_, "19:00");
  MustSubmit(AckBody("parent", "parent", "s1", v1::ACKNOWLEDGEMENT_CHANNEL_ELECTRONIC));
  EXPECT_TRUE(
      Refused(Submit(AckBody("parent", "parent", "s2", v1::ACKNOWLEDGEMENT_CHANNEL_ELECTRONIC)),
              kDenied, "R-ACC-3", "own child"));
  // Nor in another parent's name, nor as a student.
  EXPECT_TRUE(
      IsRefused(Submit(AckBody("parent2", "parent", "s1", v1::ACKNOWLEDGEMENT_CHANNEL_ELECTRONIC)),
                kDenied, "R-ACC-3"));
  EXPECT_TRUE(IsRefused(Submit(AckBody("s1", "s1", "s1", v1::ACKNOWLEDGEMENT_CHANNEL_ELECTRONIC)),
                        kDenied, "R-ACC-3"));
  EXPECT_EQ(School().acks.size(), 1u);
}

TEST_F(RulesTest, R_ACC_3_OnlyARegisteredParentIsLinkedAsGuardian) {
  v1::EventBody b = Body("secretary");
  b.mutable_guardian_linked()->set_guardian_id("s2");  // a student, not a parent
  b.mutable_guardian_linked()->set_student_id("s1");
  EXPECT_TRUE(Refused(Submit(b), kRefused, "R-ACC-3", "not a registered parent"));
  b = Body("secretary");
  b.mutable_guardian_linked()->set_guardian_id("parent2");
  b.mutable_guardian_linked()->set_student_id("s3");
  MustSubmit(b);
  EXPECT_TRUE(School().students.at("s3").guardians.contains("parent2"));
}

// R-ACC-3 (view): the diary week of a student holds only that student's cells.
TEST_F(RulesTest, R_ACC_3_DiaryHoldsOnlyTheStudentsOwnCells) {
  At(mon_, "08:40");
  MustSubmit(MarkBody("math", "m1", "math-5a-1", "s1", 5));
  MustSubmit(MarkBody("math", "m2", "math-5a-1", "s2", 2));
  MustSubmit(AbsenceBody("math", "math-5a-1", "s3"));
  auto diary = Reader().DiaryWeek(State(), kSchool, "s1", mon_);
  ASSERT_TRUE(diary.has_value()) << diary.error().ToString();
  int cells = 0;
  std::set<std::string> mark_ids;
  for (const auto& day : diary->days()) {
    for (const auto& l : day.lessons()) {
      if (!l.has_cell()) continue;
      ++cells;
      EXPECT_EQ(l.cell().student_id(), "s1");
      EXPECT_EQ(l.cell().attendance(), v1::ATTENDANCE_STATUS_UNSPECIFIED);
      for (const auto& m : l.cell().marks()) mark_ids.insert(m.mark_id());
    }
  }
  EXPECT_GE(cells, 1);
  EXPECT_EQ(mark_ids, std::set<std::string>{"m1"});
}

// ---- R-ACC-4: a credential acts only for its own user ----

TEST_F(RulesTest, R_ACC_4_OneCredentialNeverActsForAnother) {
  At(mon_, "08:40");
  v1::EventBody b = MarkBody("math", "m1", "math-5a-1", "s1", 5);
  b.set_credential_id(signers_.at("russian").credential_id);
  EXPECT_TRUE(
      Refused(ledger_->Submit(b, signers_.at("russian")), kUnauthenticated, "R-ACC-4", "personal"));
  MustSubmit(MarkBody("math", "m1", "math-5a-1", "s1", 5));
  EXPECT_EQ(State().ActorOf(*State().Event(State().SequenceOf(last_event_id()))), "math");
}

// R-ACC-4: logins are personal: a login in use is not given to another user; and one who may not
// change a profile is refused for that (R-ACC-2), without learning whether the login exists.
TEST_F(RulesTest, R_ACC_4_ALoginIsNeverGivenToAnother) {
  auto login = [&](const std::string& actor, const std::string& user, const std::string& name) {
    v1::EventBody b = Body(actor);
    b.mutable_user_profile_changed()->set_user_id(user);
    b.mutable_user_profile_changed()->set_login_name(name);
    return b;
  };
  EXPECT_TRUE(
      Refused(Submit(login("admin", "s1", "s2")), StatusCode::kAlreadyExists, "", "is taken"));
  EXPECT_TRUE(Refused(Submit(login("ct", "s1", "s2")), StatusCode::kAlreadyExists, "", "is taken"));
  EXPECT_TRUE(IsRefused(Submit(login("parent", "s1", "s2")), kDenied, "R-ACC-2"));
  EXPECT_TRUE(IsRefused(Submit(login("math", "s1", "s2")), kDenied, "R-ACC-2"));
  MustSubmit(login("ct", "s1", "ivanov.petya"));
  EXPECT_EQ(School().logins.at("ivanov.petya"), "s1");
  v1::EventBody taken = Body("admin");
  taken.mutable_user_registered()->set_user_id("s9");
  taken.mutable_user_registered()->add_roles(v1::ROLE_STUDENT);
  taken.mutable_user_registered()->set_login_name("ivanov.petya");
  EXPECT_TRUE(IsError(Submit(taken), StatusCode::kAlreadyExists, "R-ACC-4"));
  // Logins are one without regard to case (R-ACC-5 signs in the same way): "Ivanov.Petya" is taken.
  taken.set_event_id(ledger_->NewEventId());
  taken.mutable_user_registered()->set_login_name("Ivanov.PETYA");
  EXPECT_TRUE(IsError(Submit(taken), StatusCode::kAlreadyExists, "R-ACC-4"));
  MustSubmit(login("ct", "s2", "Петров.Ёжик"));
  EXPECT_TRUE(Refused(Submit(login("ct", "s3", "ПЕТРОВ.ёЖИК")), StatusCode::kAlreadyExists, "",
                      "is taken"));
  EXPECT_EQ(School().logins.at(school::LoginKey("петров.ёжик")), "s2");
}

TEST(LoginKeyTest, LowersLatinAndCyrillicCapitalsOnly) {
  EXPECT_EQ(school::LoginKey("Ivanov.Petya-7"), "ivanov.petya-7");
  EXPECT_EQ(school::LoginKey("АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ"),
            "абвгдеёжзийклмнопрстуфхцчшщъыьэюя");
  EXPECT_EQ(school::LoginKey("абвгдеёжзийклмнопрстуфхцчшщъыьэюя"),
            "абвгдеёжзийклмнопрстуфхцчшщъыьэюя");
  EXPECT_EQ(school::LoginKey("Ünïcode"), "Ünïcode");  // other letters as they are
  EXPECT_EQ(school::LoginKey(""), "");
}

// ---- R-ACC-5: login and password; a password changes by its user or the administrator ----
// Sign-in itself happens outside the ledger (the API issues session credentials); what the ledger
// holds is PasswordChanged, the fact only, with these rights.

TEST_F(RulesTest, R_ACC_5_PasswordChangedByTheUserOrTheAdministrator) {
  auto change = [&](const std::string& actor, const std::string& user) {
    v1::EventBody b = Body(actor);
    b.mutable_password_changed()->set_user_id(user);
    b.mutable_password_changed()->set_kind(actor == user ? v1::PASSWORD_CHANGE_KIND_BY_USER
                                                         : v1::PASSWORD_CHANGE_KIND_RESET_BY_ADMIN);
    return b;
  };
  MustSubmit(change("s1", "s1"));
  MustSubmit(change("parent", "parent"));
  MustSubmit(change("admin", "s1"));
  EXPECT_TRUE(Refused(Submit(change("parent", "s1")), kDenied, "R-ACC-2", "password"));
  EXPECT_TRUE(IsRefused(Submit(change("secretary", "s1")), kDenied, "R-ACC-2"));
  EXPECT_TRUE(IsRefused(Submit(change("director", "math")), kDenied, "R-ACC-2"));
}

// R-ACC-5 (schema): no password, hash or secret ever enters an event (schemas/README.md).
TEST_F(RulesTest, R_ACC_5_NoSecretInTheAccountEvents) {
  for (const auto* d : {v1::PasswordChanged::descriptor(), v1::UserRegistered::descriptor(),
                        v1::UserProfileChanged::descriptor(), v1::CredentialIssued::descriptor()}) {
    for (int i = 0; i < d->field_count(); ++i) {
      const std::string name = d->field(i)->name();
      for (const char* secret : {"password", "hash", "secret", "token", "private"}) {
        EXPECT_EQ(name.find(secret), std::string::npos) << d->name() << "." << name;
      }
    }
  }
  EXPECT_EQ(v1::PasswordChanged::descriptor()->field_count(), 2);
}

// ---- R-LES-1: records go into the column of an existing, held lesson ----

TEST_F(RulesTest, R_LES_1_NoRecordOnACancelledLessonAndHeldLessonsStay) {
  At(mon_, "07:00");
  v1::EventBody cancel = Body("methodist");
  cancel.mutable_lesson_cancelled()->set_lesson_id("math-5a-2");
  cancel.mutable_lesson_cancelled()->set_reason("карантин");
  MustSubmit(cancel);
  At(mon_, "08:40");
  MustSubmit(MarkBody("math", "m2", "math-5a-1", "s1", 5));
  v1::EventBody move = Body("methodist");
  move.mutable_lesson_moved()->set_lesson_id("math-5a-1");
  *move.mutable_lesson_moved()->mutable_new_date() = Date(mon_ + 1);
  move.mutable_lesson_moved()->set_new_period(1);
  EXPECT_TRUE(Refused(Submit(move), kRefused, "R-LES-1", "has records"));
  At(wed_, "08:40");
  EXPECT_TRUE(Refused(Submit(MarkBody("math", "m1", "math-5a-2", "s1", 5)), kRefused, "R-LES-1",
                      "cancelled"));
}

// ---- R-LES-2: lesson kinds ----

TEST_F(RulesTest, R_LES_2_ExtracurricularLessonGetsNoMarksNorAbsences) {
  At(mon_, "08:40");
  MustSubmit(
      ConductedBody("math", "math-5a-1", "Математический кружок", v1::LESSON_KIND_EXTRACURRICULAR));
  EXPECT_TRUE(Refused(Submit(MarkBody("math", "m1", "math-5a-1", "s1", 5)), kRefused, "R-LES-2",
                      "extracurricular"));
  EXPECT_TRUE(IsRefused(Submit(AbsenceBody("math", "math-5a-1", "s2")), kRefused, "R-LES-2"));
  // A regular lesson gets both.
  At(mon_, "09:30");
  MustSubmit(ConductedBody("russian", "rus-5a-1", "Имя существительное"));
  MustSubmit(MarkBody("russian", "m2", "rus-5a-1", "s1", 5));
  MustSubmit(AbsenceBody("russian", "rus-5a-1", "s2"));
}

// R-LES-2: an extracurricular session records its real date and its order; R-LES-3's day is the
// real date, while the column (business_date) stays the scheduled lesson's.
TEST_F(RulesTest, R_LES_2_ExtracurricularSessionRecordsTheDayItWasHeld) {
  At(mon_ + 1, "15:00");  // Monday's column, held on Tuesday
  v1::EventBody held =
      ConductedBody("math", "math-5a-1", "Экскурсия в планетарий", v1::LESSON_KIND_EXTRACURRICULAR);
  held.mutable_lesson_conducted()->set_form("экскурсия");
  v1::EventBody no_date = held;
  no_date.mutable_lesson_conducted()->clear_held_on();
  EXPECT_TRUE(Refused(Submit(no_date), kMalformed, "R-LES-2", "date it was held"));
  v1::EventBody no_order = held;
  no_order.mutable_lesson_conducted()->clear_order_number();
  EXPECT_TRUE(Refused(Submit(no_order), kMalformed, "R-LES-2", "order number"));
  v1::EventBody future = held;
  *future.mutable_lesson_conducted()->mutable_held_on() = Date(mon_ + 2);
  EXPECT_TRUE(Refused(Submit(future), kRefused, "R-LES-1", "in the future"));
  v1::EventBody monday = held;  // held on Monday, entered on Tuesday: not on its day
  EXPECT_TRUE(Refused(Submit(monday), kRefused, "R-LES-3", "2025-10-06"));
  *held.mutable_lesson_conducted()->mutable_held_on() = Date(mon_ + 1);
  MustSubmit(held);
  // A regular lesson records no such date.
  At(mon_ + 1, "15:05");
  v1::EventBody regular = ConductedBody("russian", "rus-5a-1", "Имя существительное");
  *regular.mutable_lesson_conducted()->mutable_held_on() = Date(mon_ + 1);
  EXPECT_TRUE(IsRefused(Submit(regular), kMalformed, "R-LES-2"));
}

TEST_F(RulesTest, R_LES_2_DistanceLessonHasAnOrderAndNoAbsentMarks) {
  At(mon_, "08:40");
  v1::EventBody no_order = ConductedBody("math", "math-5a-1", "Дроби", v1::LESSON_KIND_DISTANCE);
  no_order.mutable_lesson_conducted()->clear_order_number();
  EXPECT_TRUE(Refused(Submit(no_order), kMalformed, "R-LES-2", "order number"));
  MustSubmit(ConductedBody("math", "math-5a-1", "Дроби", v1::LESSON_KIND_DISTANCE));
  EXPECT_TRUE(
      Refused(Submit(AbsenceBody("math", "math-5a-1", "s2")), kRefused, "R-LES-2", "distance"));
  MustSubmit(AbsenceBody("math", "math-5a-1", "s3", v1::ATTENDANCE_STATUS_LATE));
  MustSubmit(MarkBody("math", "m1", "math-5a-1", "s1", 4));
}

TEST_F(RulesTest, R_LES_2_HomeSchoolingIsRecordedOnAnIndividualLesson) {
  At(mon_, "07:00");
  v1::EventBody ind = ScheduleLesson("math-s3-home", "5a", "math", "math", mon_, 4);
  ind.mutable_lesson_scheduled()->set_individual_student_id("s3");
  MustSubmit(ind);
  v1::EventBody other = ScheduleLesson("math-n1-home", "5a", "math", "math", mon_, 5);
  other.mutable_lesson_scheduled()->set_individual_student_id("n1");  // of 9a
  EXPECT_TRUE(Refused(Submit(other), kRefused, "R-LES-2", "individual"));
  At(mon_, "11:40");
  EXPECT_TRUE(
      Refused(Submit(ConductedBody("math", "math-5a-1", "Дроби", v1::LESSON_KIND_HOME_SCHOOLING)),
              kRefused, "R-LES-2", "individual lesson"));
  MustSubmit(ConductedBody("math", "math-s3-home", "Дроби", v1::LESSON_KIND_HOME_SCHOOLING));
}

TEST_F(RulesTest, R_LES_2_KindIsNotChangedOnceTheLessonHasRecords) {
  At(mon_, "08:40");
  MustSubmit(ConductedBody("math", "math-5a-1", "Дроби"));
  MustSubmit(MarkBody("math", "m1", "math-5a-1", "s1", 5));
  EXPECT_TRUE(
      Refused(Submit(ConductedBody("math", "math-5a-1", "Дроби", v1::LESSON_KIND_EXTRACURRICULAR)),
              kRefused, "R-LES-2", "correction"));
}

// ---- R-LES-3: the topic is entered, on the day of the lesson ----

TEST_F(RulesTest, R_LES_3_TopicEnteredOnTheLessonDay) {
  At(mon_, "08:40");
  EXPECT_TRUE(
      Refused(Submit(ConductedBody("math", "math-5a-1", "")), kMalformed, "R-LES-3", "topic"));
  At(mon_, "23:50");
  MustSubmit(ConductedBody("russian", "rus-5a-1", "Имя существительное"));
  At(mon_ + 1, "00:10");
  EXPECT_TRUE(Refused(Submit(ConductedBody("math", "math-5a-1", "Дроби")), kRefused, "R-LES-3",
                      "day of the lesson"));
  EXPECT_EQ(School().FindLesson("rus-5a-1")->record.Current(State())->value.topic,
            "Имя существительное");
}

// R-LES-3: the topics come from the КТП, which the teacher of the class-subject sets before the
// year starts (the fixture's clock is at 25 August; the load runs from 1 September).
TEST_F(RulesTest, R_LES_3_TeacherSetsThePlanBeforeTheYearStarts) {
  auto plan = [&](const std::string& actor) {
    v1::EventBody b = Body(actor);
    auto* p = b.mutable_planned_topics_set();
    p->set_plan_id("ktp-math-5a-" + actor);
    p->set_class_id("5a");
    p->set_subject_id("math");
    p->set_academic_year_id("2025");
    p->set_term_number(1);
    auto* t = p->add_topics();
    t->set_number(1);
    t->set_title("Натуральные числа");
    t->set_hours(2);
    return b;
  };
  EXPECT_TRUE(Refused(Submit(plan("russian")), kDenied, "R-ACC-2", "teacher of the class-subject"));
  MustSubmit(plan("math"));
}

// ---- R-MARK-1: values 1..5, two-part marks, grade 1 gets none ----

TEST_F(RulesTest, R_MARK_1_TwoPartMarkIsOneCellWithTwoValues) {
  At(mon_, "09:30");
  MustSubmit(
      MarkBody("russian", "m1", "rus-5a-1", "s1", 5, v1::WORK_TYPE_DICTATION_WITH_GRAMMAR_TASK, 4));
  const auto* v = School().marks.at("m1").Current(State());
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(v->value.value, 5);
  EXPECT_EQ(v->value.second_value, 4);
  EXPECT_TRUE(Refused(Submit(MarkBody("russian", "m2", "rus-5a-1", "s1", 5,
                                      v1::WORK_TYPE_DICTATION_WITH_GRAMMAR_TASK, 6)),
                      kMalformed, "R-MARK-1", "second part"));
  EXPECT_TRUE(
      IsRefused(Submit(MarkBody("russian", "m3", "rus-5a-1", "s1", 0)), kMalformed, "R-MARK-1"));
  // Only a dictation with a grammar task, a creative work or an essay takes two parts: on any other
  // work each part would count toward the term's minimum and mean.
  for (v1::WorkType work : {v1::WORK_TYPE_CONTROL_WORK, v1::WORK_TYPE_ANSWER_IN_CLASS,
                            v1::WORK_TYPE_DICTATION, v1::WORK_TYPE_TEST}) {
    EXPECT_TRUE(Refused(Submit(MarkBody("russian", "m4", "rus-5a-1", "s1", 4, work, 4)), kMalformed,
                        "R-MARK-1", "двойная отметка"))
        << v1::WorkType_Name(work);
  }
  for (v1::WorkType work : {v1::WORK_TYPE_CREATIVE_WORK, v1::WORK_TYPE_ESSAY}) {
    MustSubmit(MarkBody("russian", "m5-" + v1::WorkType_Name(work), "rus-5a-1", "s1", 5, work, 4));
  }
}

// ---- R-MARK-2: a mark carries its work type and, where weighed, a weight ----

TEST_F(RulesTest, R_MARK_2_WorkTypeRequired) {
  At(mon_, "08:40");
  EXPECT_TRUE(
      Refused(Submit(MarkBody("math", "m1", "math-5a-1", "s1", 5, v1::WORK_TYPE_UNSPECIFIED)),
              kMalformed, "R-MARK-2", "work type"));
  MustSubmit(MarkBody("math", "m1", "math-5a-1", "s1", 5, v1::WORK_TYPE_ANSWER_IN_CLASS));
  EXPECT_EQ(School().marks.at("m1").Current(State())->value.work_type,
            v1::WORK_TYPE_ANSWER_IN_CLASS);
}

TEST_F(RulesTest, R_MARK_2_ControlWorksWeighMoreAndWeightsAreBounded) {
  At(mon_, "08:40");
  v1::EventBody heavy = MarkBody("math", "m1", "math-5a-1", "s1", 5, v1::WORK_TYPE_TEST);
  heavy.mutable_mark_recorded()->set_weight_percent(1001);
  EXPECT_TRUE(Refused(Submit(heavy), kMalformed, "R-MARK-2", "weight"));
  heavy.mutable_mark_recorded()->set_weight_percent(150);
  MustSubmit(heavy);
  MustSubmit(MarkBody("math", "m2", "math-5a-1", "s1", 4, v1::WORK_TYPE_CONTROL_WORK));
  MustSubmit(MarkBody("math", "m3", "math-5a-1", "s1", 4, v1::WORK_TYPE_ANSWER_IN_CLASS));
  const auto& policy = School().policy;
  EXPECT_EQ(policy.WeightOf(School().marks.at("m1").Current(State())->value), 150u);
  EXPECT_EQ(policy.WeightOf(School().marks.at("m2").Current(State())->value), 200u);
  EXPECT_EQ(policy.WeightOf(School().marks.at("m3").Current(State())->value), 100u);
  // The school may weigh differently, within 1..1000 %.
  v1::EventBody p = Body("director");
  auto* w = p.mutable_school_policy_set()->mutable_policy()->add_weights();
  w->set_work_type(v1::WORK_TYPE_CONTROL_WORK);
  w->set_weight_percent(0);
  EXPECT_TRUE(IsRefused(Submit(p), kMalformed, "R-MARK-2"));
  p = Body("director");
  w = p.mutable_school_policy_set()->mutable_policy()->add_weights();
  w->set_work_type(v1::WORK_TYPE_CONTROL_WORK);
  w->set_weight_percent(300);
  MustSubmit(p);
  EXPECT_EQ(School().policy.WeightOf(School().marks.at("m2").Current(State())->value), 300u);
}

// ---- R-MARK-3: windows (more in rule_book_test.cc) ----

TEST_F(RulesTest, R_MARK_3_CreativeWorkInRussianGradesFiveToNineHasSevenDays) {
  At(mon_ + 7, "23:59");
  MustSubmit(MarkBody("russian", "m1", "rus-5a-1", "s1", 5, v1::WORK_TYPE_CREATIVE_WORK));
  At(mon_ + 8, "00:01");
  EXPECT_TRUE(
      Refused(Submit(MarkBody("russian", "m2", "rus-5a-1", "s2", 5, v1::WORK_TYPE_CREATIVE_WORK)),
              kRefused, "R-MARK-3", "correction"));
}

// ---- R-MARK-4: no 1 and 2 in the adaptation period, also not the second part ----

TEST_F(RulesTest, R_MARK_4_SecondPartCountsToo) {
  At(D(2025, 9, 8), "08:40");
  EXPECT_TRUE(Refused(Submit(MarkBody("math", "m1", "math-5a-sep", "s1", 4,
                                      v1::WORK_TYPE_DICTATION_WITH_GRAMMAR_TASK, 2)),
                      kRefused, "R-MARK-4", "adaptation"));
  MustSubmit(
      MarkBody("math", "m2", "math-5a-sep", "s1", 4, v1::WORK_TYPE_DICTATION_WITH_GRAMMAR_TASK, 3));
}

// ---- R-MARK-5: a thematic check marks every present student; the report shows who is missing --
// Not an admission rule (a mark may follow within its R-MARK-3 window): the report
// ThematicChecks (projections/reports.h) lists, per whole-class work of a lesson record, the
// present students still without a mark of that work type.

TEST_F(RulesTest, R_MARK_5_ReportShowsPresentStudentsMissingTheCheckMark) {
  At(mon_, "08:35");
  MustSubmit(AbsenceBody("math", "math-5a-1", "s3"));  // absent: not expected to have a mark
  v1::EventBody held = ConductedBody("math", "math-5a-1", "Контрольная работа № 1 «Дроби»");
  auto* work = held.mutable_lesson_conducted()->add_works();
  work->set_work_type(v1::WORK_TYPE_CONTROL_WORK);
  work->set_title("Контрольная работа № 1");
  work->set_whole_class(true);
  auto* some = held.mutable_lesson_conducted()->add_works();
  some->set_work_type(v1::WORK_TYPE_LAB);  // only some students: not a thematic check
  some->set_whole_class(false);
  MustSubmit(held);
  MustSubmit(MarkBody("math", "m1", "math-5a-1", "s1", 4, v1::WORK_TYPE_CONTROL_WORK));
  MustSubmit(MarkBody("math", "m2", "math-5a-1", "s2", 5, v1::WORK_TYPE_ANSWER_IN_CLASS));
  auto report = school::ThematicChecks(State(), kSchool, "5a", mon_, wed_);
  ASSERT_TRUE(report.has_value()) << report.error().ToString();
  ASSERT_EQ(report->checks_size(), 1);
  EXPECT_EQ(report->checks(0).lesson_id(), "math-5a-1");
  EXPECT_EQ(report->checks(0).work_type(), v1::WORK_TYPE_CONTROL_WORK);
  EXPECT_EQ(report->checks(0).students_present(), 2);
  ASSERT_EQ(report->checks(0).missing_student_ids_size(), 1);
  EXPECT_EQ(report->checks(0).missing_student_ids(0), "s2");
  // The control work is marked by the next lesson (R-MARK-3): then nobody is missing.
  At(mon_ + 1, "15:00");
  MustSubmit(MarkBody("math", "m3", "math-5a-1", "s2", 3, v1::WORK_TYPE_CONTROL_WORK));
  report = school::ThematicChecks(State(), kSchool, "5a", mon_, wed_);
  ASSERT_TRUE(report.has_value());
  ASSERT_EQ(report->checks_size(), 1);
  EXPECT_EQ(report->checks(0).missing_student_ids_size(), 0);
  EXPECT_TRUE(IsError(school::ThematicChecks(State(), kSchool, "7z", mon_, wed_),
                      StatusCode::kNotFound, "7z"));
}

// ---- R-ATT-1: "н" at the start of the lesson, lateness, the PE exemption ----

TEST_F(RulesTest, R_ATT_1_AbsenceAndLatenessOnTheLessonDay) {
  At(mon_, "08:31");
  MustSubmit(AbsenceBody("math", "math-5a-1", "s1"));
  MustSubmit(AbsenceBody("math", "math-5a-1", "s2", v1::ATTENDANCE_STATUS_LATE));
  EXPECT_EQ(School()
                .attendance.at(school::AttendanceKey("math-5a-1", "s2"))
                .Current(State())
                ->value.minutes_late,
            10);
  v1::EventBody bad = AbsenceBody("math", "math-5a-1", "s3", v1::ATTENDANCE_STATUS_LATE);
  bad.mutable_attendance_recorded()->set_minutes_late(121);
  EXPECT_TRUE(Refused(Submit(bad), kMalformed, "R-ATT-1", "minutes late"));
  EXPECT_TRUE(
      IsRefused(Submit(AbsenceBody("math", "math-5a-1", "s3", v1::ATTENDANCE_STATUS_UNSPECIFIED)),
                kMalformed, "R-ATT-1"));
  At(mon_ + 1, "08:00");
  EXPECT_TRUE(
      Refused(Submit(AbsenceBody("math", "math-5a-1", "s3")), kRefused, "R-ATT-1", "correction"));
}

TEST_F(RulesTest, R_ATT_1_ExemptStudentIsNotMarkedAbsentInPe) {
  At(mon_, "08:00");
  auto exempt = [&](const std::string& student, Day first, Day last) {
    v1::EventBody b = Body("secretary");
    auto* e = b.mutable_medical_pe_exemption_recorded();
    e->set_exemption_id("ex-" + student);
    e->set_student_id(student);
    *e->mutable_dates()->mutable_first_day() = Date(first);
    *e->mutable_dates()->mutable_last_day() = Date(last);
    e->mutable_document()->set_title("Справка № 15 от 01.10.2025");
    return b;
  };
  MustSubmit(exempt("s1", D(2025, 10, 1), D(2025, 10, 31)));
  MustSubmit(exempt("s2", D(2025, 9, 1), D(2025, 10, 5)));  // ended before Monday
  // Only PE: in mathematics s1 is marked "н" as anyone.
  At(mon_, "08:31");
  MustSubmit(AbsenceBody("math", "math-5a-1", "s1"));
  At(mon_, "10:31");
  EXPECT_TRUE(Refused(Submit(AbsenceBody("pe", "pe-5a-1", "s1")), kRefused, "R-ATT-1",
                      "medical PE exemption until 2025-10-31"));
  MustSubmit(AbsenceBody("pe", "pe-5a-1", "s2"));
  // An exemption that ends before it starts is malformed.
  EXPECT_TRUE(
      IsRefused(Submit(exempt("s3", D(2025, 10, 10), D(2025, 10, 1))), kMalformed, "R-ATT-1"));
}

// ---- R-ATT-2: the class teacher classifies absences ----

TEST_F(RulesTest, R_ATT_2_ClassTeacherClassifiesAbsences) {
  At(mon_, "08:31");
  MustSubmit(AbsenceBody("math", "math-5a-1", "s3"));
  auto reason = [&](const std::string& actor, const std::string& student, v1::AbsenceReason r) {
    v1::EventBody b = Body(actor);
    auto* a = b.mutable_absence_reason_set();
    a->set_student_id(student);
    a->set_reason(r);
    a->add_lesson_ids("math-5a-1");
    return b;
  };
  At(mon_ + 4, "15:00");
  EXPECT_TRUE(Refused(Submit(reason("math", "s3", v1::ABSENCE_REASON_ILLNESS)), kDenied, "R-ATT-2",
                      "class teacher"));
  EXPECT_TRUE(
      IsRefused(Submit(reason("ct", "s3", v1::ABSENCE_REASON_UNSPECIFIED)), kMalformed, "R-ATT-2"));
  EXPECT_TRUE(Refused(Submit(reason("ct", "s1", v1::ABSENCE_REASON_ILLNESS)), kRefused, "R-ATT-2",
                      "no absence"));
  v1::EventBody nothing = reason("ct", "s3", v1::ABSENCE_REASON_ILLNESS);
  nothing.mutable_absence_reason_set()->clear_lesson_ids();
  EXPECT_TRUE(IsRefused(Submit(nothing), kMalformed, "R-ATT-2"));
  MustSubmit(reason("ct", "s3", v1::ABSENCE_REASON_ILLNESS));
  EXPECT_EQ(School().attendance.at(school::AttendanceKey("math-5a-1", "s3")).Reason(State()),
            v1::ABSENCE_REASON_ILLNESS);
  // The attendance report counts it by category.
  auto report = school::AttendanceReport(State(), kSchool, "5a", D(2025, 10, 1), D(2025, 10, 31));
  ASSERT_TRUE(report.has_value()) << report.error().ToString();
  ASSERT_EQ(report->months_size(), 1);
  EXPECT_EQ(report->months(0).missed(), 1);
  EXPECT_EQ(report->months(0).illness(), 1);
  EXPECT_EQ(report->months(0).unclassified(), 0);
}

// ---- R-HW-1: homework by one hour after the class's last lesson, in advance, general or named --

TEST_F(RulesTest, R_HW_1_HomeworkUntilAnHourAfterTheLastLesson) {
  // 5a's last lesson on Monday is PE, period 3, 10:30-11:15: homework until 12:15.
  At(mon_, "12:15");
  MustSubmit(HomeworkBody("math", "h1", "math-5a-1", "№ 12"));
  At(mon_, "12:16");
  EXPECT_TRUE(Refused(Submit(HomeworkBody("russian", "h2", "rus-5a-1", "упр. 5")), kRefused,
                      "R-HW-1", "one hour after"));
}

TEST_F(RulesTest, R_HW_1_InAdvanceAndForNamedStudents) {
  At(mon_, "08:40");
  MustSubmit(HomeworkBody("math", "h-wed", "math-5a-2", "№ 20"));  // Wednesday's, in advance
  v1::EventBody named = HomeworkBody("math", "h-named", "math-5a-1", "карточка");
  named.mutable_homework_assigned()->add_student_ids("s1");
  MustSubmit(named);
  EXPECT_EQ(School().homework.at("h-named").Current(State())->value.student_ids,
            std::vector<std::string>{"s1"});
  v1::EventBody stranger = HomeworkBody("math", "h-x", "math-5a-1", "карточка");
  stranger.mutable_homework_assigned()->add_student_ids("n1");
  EXPECT_TRUE(IsRefused(Submit(stranger), kRefused, "R-LES-1"));
  EXPECT_TRUE(Refused(Submit(HomeworkBody("math", "h-empty", "math-5a-1", "")), kMalformed,
                      "R-HW-1", "text"));
}

// ---- R-TERM-1: term marks ----

TEST_F(RulesTest, R_TERM_1_EnteredInTheLastWeekOfTheTerm) {
  At(D(2025, 10, 17), "12:00");  // term 1 ends on 24 October: entries from the 18th
  EXPECT_TRUE(Refused(Submit(TermMarkBody("math", "s3", "math", v1::PERIOD_KIND_TERM, 1, 0,
                                          v1::ATTESTATION_STATUS_NOT_ATTESTED)),
                      kRefused, "R-TERM-1", "last 7 days"));
  At(D(2025, 10, 20), "12:00");
  MustSubmit(TermMarkBody("math", "s3", "math", v1::PERIOD_KIND_TERM, 1, 0,
                          v1::ATTESTATION_STATUS_NOT_ATTESTED));
  EXPECT_TRUE(Refused(Submit(TermMarkBody("math", "s1", "math", v1::PERIOD_KIND_TERM, 1, 6)),
                      kMalformed, "R-TERM-1", "1 to 5"));
}

TEST_F(RulesTest, R_TERM_1_NeedsTheMinimumNumberOfMarks) {
  // Russian in 5a: 2 h/week, so 5 marks.
  // s1 gets 4 marks; s3 gets 3 single marks and a two-part one, which counts twice.
  At(mon_, "09:30");
  for (int i = 0; i < 4; ++i) {
    MustSubmit(MarkBody("russian", "m" + std::to_string(i), "rus-5a-1", "s1", 4));
  }
  for (int i = 0; i < 3; ++i) {
    MustSubmit(MarkBody("russian", "n" + std::to_string(i), "rus-5a-1", "s3", 4));
  }
  MustSubmit(
      MarkBody("russian", "n3", "rus-5a-1", "s3", 5, v1::WORK_TYPE_DICTATION_WITH_GRAMMAR_TASK, 4));
  At(D(2025, 10, 20), "12:00");
  EXPECT_TRUE(Refused(Submit(TermMarkBody("russian", "s1", "russian", v1::PERIOD_KIND_TERM, 1, 4)),
                      kRefused, "R-TERM-1", "at least 5 marks"));
  MustSubmit(TermMarkBody("russian", "s3", "russian", v1::PERIOD_KIND_TERM, 1, 4));
  EXPECT_EQ(school::RuleBook::MinimumMarks(School().policy, 1), 3);
  EXPECT_EQ(school::RuleBook::MinimumMarks(School().policy, 2), 5);
  EXPECT_EQ(school::RuleBook::MinimumMarks(School().policy, 3), 7);
  EXPECT_EQ(school::RuleBook::MinimumMarks(School().policy, 5), 7);
}

// R-TERM-1 (seed 004 §7.14): at 3 or more hours a week, 5 marks suffice for a student who missed
// lessons for a valid reason (б, уп); a miss without a valid reason does not lower the minimum.
TEST_F(RulesTest, R_TERM_1_ValidReasonAbsenceLowersTheMinimumAtThreeHours) {
  At(mon_, "08:40");  // math in 5a: 5 h/week, so 7 marks, or 5
  for (const char* s : {"s1", "s2", "s3"}) {
    for (int i = 0; i < 5; ++i) {
      MustSubmit(MarkBody("math", std::string(s) + "-m" + std::to_string(i), "math-5a-1", s, 4));
    }
  }
  At(wed_, "08:31");
  MustSubmit(AbsenceBody("math", "math-5a-2", "s1"));
  MustSubmit(AbsenceBody("math", "math-5a-2", "s3"));
  auto reason = [&](const std::string& student, v1::AbsenceReason r) {
    v1::EventBody b = Body("ct");
    b.mutable_absence_reason_set()->set_student_id(student);
    b.mutable_absence_reason_set()->set_reason(r);
    b.mutable_absence_reason_set()->add_lesson_ids("math-5a-2");
    return b;
  };
  At(wed_, "15:00");
  MustSubmit(reason("s1", v1::ABSENCE_REASON_ILLNESS));
  MustSubmit(reason("s3", v1::ABSENCE_REASON_NOT_VALID));
  At(D(2025, 10, 20), "12:00");
  MustSubmit(TermMarkBody("math", "s1", "math", v1::PERIOD_KIND_TERM, 1, 4));
  EXPECT_TRUE(Refused(Submit(TermMarkBody("math", "s2", "math", v1::PERIOD_KIND_TERM, 1, 4)),
                      kRefused, "R-TERM-1", "at least 7 marks"));
  EXPECT_TRUE(Refused(Submit(TermMarkBody("math", "s3", "math", v1::PERIOD_KIND_TERM, 1, 4)),
                      kRefused, "R-TERM-1", "at least 7 marks"));
  EXPECT_EQ(school::RuleBook::MinimumMarks(School().policy, 3, true), 5);
  EXPECT_EQ(school::RuleBook::MinimumMarks(School().policy, 2, true), 5);
  EXPECT_EQ(school::RuleBook::MinimumMarks(School().policy, 1, true), 3);
  // The journal page's term column asks the same minimum.
  auto page = Reader().JournalPage(State(), kSchool, "5a", "", "math", 1);
  ASSERT_TRUE(page.has_value()) << page.error().ToString();
  std::map<std::string, int> needed;
  for (const auto& row : page->rows()) needed[row.student_id()] = row.marks_needed();
  EXPECT_EQ(needed["s1"], 5);
  EXPECT_EQ(needed["s2"], 7);
  EXPECT_EQ(needed["s3"], 7);
}

// R-TERM-1: a subject taught in subgroups (English in two groups) asks the minimum of the
// student's own group's hours.
TEST_F(RulesTest, R_TERM_1_SubgroupMinimumUsesTheGroupsHours) {
  v1::EventBody b = Body("admin");
  b.mutable_subject_defined()->set_subject_id("english");
  b.mutable_subject_defined()->set_name("Английский язык");
  b.mutable_subject_defined()->set_kind(v1::SUBJECT_KIND_FOREIGN_LANGUAGE);
  MustSubmit(b);
  b = Body("admin");
  auto* g = b.mutable_subgroup_defined();
  g->set_subgroup_id("5a-en1");
  g->set_class_id("5a");
  g->set_subject_id("english");
  g->add_student_ids("s1");
  g->add_student_ids("s2");
  MustSubmit(b);
  b = Body("admin");
  auto* l = b.mutable_teaching_load_assigned();
  l->set_load_id("l-en-5a-1");
  l->set_teacher_id("sub");
  l->set_class_id("5a");
  l->set_subgroup_id("5a-en1");
  l->set_subject_id("english");
  l->set_weekly_hours(3);
  l->set_academic_year_id("2025");
  MustSubmit(b);
  MustSubmit(ScheduleLesson("en-5a-1", "5a", "english", "sub", mon_, 4, "5a-en1"));
  At(mon_, "11:40");
  for (int i = 0; i < 5; ++i) {
    MustSubmit(MarkBody("sub", "en" + std::to_string(i), "en-5a-1", "s1", 4));
  }
  At(D(2025, 10, 20), "12:00");
  EXPECT_TRUE(Refused(Submit(TermMarkBody("sub", "s1", "english", v1::PERIOD_KIND_TERM, 1, 4)),
                      kRefused, "R-TERM-1", "at least 7 marks at 3 h/week"));
  MustSubmit(TermMarkBody("sub", "s2", "english", v1::PERIOD_KIND_TERM, 1, 0,
                          v1::ATTESTATION_STATUS_NOT_ATTESTED));
}

// R-TERM-1: a school's own minimums, with the valid-absence column.
TEST_F(RulesTest, R_TERM_1_PolicyMinimumsWithValidAbsence) {
  v1::EventBody p = Body("director");
  auto* m = p.mutable_school_policy_set()->mutable_policy()->add_term_mark_minimums();
  m->set_weekly_hours(1);
  m->set_min_marks(4);
  m = p.mutable_school_policy_set()->mutable_policy()->add_term_mark_minimums();
  m->set_weekly_hours(3);
  m->set_min_marks(8);
  m->set_min_marks_valid_absence(6);
  MustSubmit(p);
  const auto& policy = School().policy;
  EXPECT_EQ(school::RuleBook::MinimumMarks(policy, 0, false), 0);
  EXPECT_EQ(school::RuleBook::MinimumMarks(policy, 2, false), 4);
  EXPECT_EQ(school::RuleBook::MinimumMarks(policy, 2, true), 4);  // no valid-absence column
  EXPECT_EQ(school::RuleBook::MinimumMarks(policy, 5, false), 8);
  EXPECT_EQ(school::RuleBook::MinimumMarks(policy, 5, true), 6);
}

TEST_F(RulesTest, R_TERM_1_AbsentOverHalfNotAttestedUnlessTheDeputyDecides) {
  At(mon_, "09:30");
  MustSubmit(AbsenceBody("russian", "rus-5a-1", "s2"));
  for (int i = 0; i < 5; ++i) {
    MustSubmit(MarkBody("russian", "m" + std::to_string(i), "rus-5a-1", "s2", 4));
  }
  At(D(2025, 10, 20), "12:00");
  EXPECT_TRUE(Refused(Submit(TermMarkBody("russian", "s2", "russian", v1::PERIOD_KIND_TERM, 1, 4)),
                      kRefused, "R-TERM-1", "unless the deputy decides"));
  v1::EventBody decide = Body("deputy");
  auto* d = decide.mutable_deputy_attestation_decided();
  d->set_student_id("s2");
  d->set_subject_id("russian");
  d->mutable_period()->set_academic_year_id("2025");
  d->mutable_period()->set_kind(v1::PERIOD_KIND_TERM);
  d->mutable_period()->set_term_number(1);
  d->set_attest(true);
  d->set_reason("болезнь, материал освоен");
  v1::EventBody by_teacher = decide;
  by_teacher.set_actor_id("russian");
  by_teacher.set_credential_id(signers_.at("russian").credential_id);
  EXPECT_TRUE(IsRefused(Submit(by_teacher), kDenied, "R-ACC-2"));
  MustSubmit(decide);
  MustSubmit(TermMarkBody("russian", "s2", "russian", v1::PERIOD_KIND_TERM, 1, 4));
}

// ---- R-COR-1: covered in rule_book_test.cc; the grace and the requester here ----

TEST_F(RulesTest, R_COR_1_ARecordedMarkIsNeverOverwritten) {
  At(mon_, "08:40");
  MustSubmit(MarkBody("math", "m1", "math-5a-1", "s1", 3));
  EXPECT_TRUE(Refused(Submit(MarkBody("math", "m1", "math-5a-1", "s1", 4)),
                      StatusCode::kAlreadyExists, "", "correction request"));
  EXPECT_TRUE(
      Refused(Submit(CorrectionBody("math", "r1", "m1", 4, "")), kMalformed, "R-COR-1", "reason"));
  MustSubmit(CorrectionBody("math", "r1", "m1", 4));
  EXPECT_EQ(School().marks.at("m1").Current(State())->value.value, 3);
}

// ---- R-COR-2: term and year marks are not revised; grades 9 and 11 by the director's order ----

class RulesTestFinalMark : public RulesTest {
 protected:
  void SetUp() override {
    RulesTest::SetUp();
    At(D(2026, 5, 26), "12:00");
    final_seq_ = MustSubmit(TermMarkBody("math", "n1", "math", v1::PERIOD_KIND_FINAL, 0, 3));
    final_event_ = last_event_id();
  }
  v1::EventBody OrderBody(const std::string& actor, const std::string& student) {
    v1::EventBody b = Body(actor);
    auto* o = b.mutable_final_mark_correction_ordered();
    o->set_order_number("Приказ № 77");
    *o->mutable_order_date() = Date(D(2026, 5, 26));
    o->mutable_target()->set_student_id(student);
    o->mutable_target()->set_subject_id("math");
    o->mutable_target()->mutable_period()->set_academic_year_id("2025");
    o->mutable_target()->mutable_period()->set_kind(v1::PERIOD_KIND_FINAL);
    o->set_original_event_id(final_event_);
    o->mutable_new_mark()->set_value(4);
    o->set_teacher_id("math");
    o->mutable_teacher_explanation()->set_title("Объяснительная учителя от 25.05.2026");
    o->set_deputy_id("deputy");
    o->mutable_deputy_explanation()->set_title("Объяснительная завуча от 25.05.2026");
    o->set_reason("ошибка при выставлении");
    return b;
  }
  uint64_t final_seq_ = 0;
  std::string final_event_;
};

TEST_F(RulesTestFinalMark, R_COR_2_TermMarksAreNotRevised) {
  EXPECT_TRUE(Refused(Submit(TermMarkBody("math", "n1", "math", v1::PERIOD_KIND_FINAL, 0, 4)),
                      kRefused, "R-COR-2", "not revised"));
  v1::EventBody req = Body("math");
  auto* r = req.mutable_correction_requested();
  r->set_request_id("r1");
  auto* t = r->mutable_target()->mutable_term_mark();
  t->set_student_id("n1");
  t->set_subject_id("math");
  t->mutable_period()->set_academic_year_id("2025");
  t->mutable_period()->set_kind(v1::PERIOD_KIND_FINAL);
  r->set_original_event_id(final_event_);
  r->set_reason("ошибка");
  *r->mutable_term_mark() =
      TermMarkBody("math", "n1", "math", v1::PERIOD_KIND_FINAL, 0, 4).term_mark_recorded();
  EXPECT_TRUE(Refused(Submit(req), kRefused, "R-COR-2", "director's order"));
}

TEST_F(RulesTestFinalMark, R_COR_2_DirectorsOrderWithExplanationsInGradesNineAndEleven) {
  EXPECT_TRUE(IsRefused(Submit(OrderBody("deputy", "n1")), kDenied, "R-ACC-2"));
  EXPECT_TRUE(Refused(Submit(OrderBody("director", "s1")), kRefused, "R-COR-2", "grades 9 and 11"));
  v1::EventBody no_explanation = OrderBody("director", "n1");
  no_explanation.mutable_final_mark_correction_ordered()->clear_deputy_explanation();
  EXPECT_TRUE(Refused(Submit(no_explanation), kMalformed, "R-COR-2", "explanations"));
  v1::EventBody no_number = OrderBody("director", "n1");
  no_number.mutable_final_mark_correction_ordered()->clear_order_number();
  EXPECT_TRUE(IsRefused(Submit(no_number), kMalformed, "R-COR-2"));
  MustSubmit(OrderBody("director", "n1"));
  bool found = false;
  for (const auto& [k, m] : School().attestation) {
    if (m.student_id != "n1" || m.subject_id != "math") continue;
    const auto* v = m.Current(State());
    ASSERT_NE(v, nullptr);
    EXPECT_EQ(v->value.value, 4);
    found = true;
  }
  EXPECT_TRUE(found);
}

// ---- R-COR-3: the deputy's queue; one pending request per cell; decisions ----

TEST_F(RulesTest, R_COR_3_OnePendingRequestPerCellAndTheQueueShowsIt) {
  At(mon_, "08:40");
  MustSubmit(MarkBody("math", "m1", "math-5a-1", "s1", 3));
  const std::string original = last_event_id();
  At(mon_ + 1, "10:00");
  MustSubmit(CorrectionBody("math", "r1", "m1", 4, "описка: верная отметка 4"));
  EXPECT_TRUE(Refused(Submit(CorrectionBody("math", "r2", "m1", 5)), kRefused, "R-COR-3",
                      "awaits the deputy"));
  // The queue (R-COR-3, reports.h): the request with the original, the proposal and the reason.
  auto queue = school::PendingCorrections(State(), kSchool);
  ASSERT_TRUE(queue.has_value()) << queue.error().ToString();
  ASSERT_EQ(queue->requests_size(), 1);
  const auto& q = queue->requests(0);
  EXPECT_EQ(q.request_id(), "r1");
  EXPECT_EQ(q.requester_id(), "math");
  EXPECT_EQ(q.reason(), "описка: верная отметка 4");
  EXPECT_EQ(q.target_key(), "mark/m1");
  EXPECT_EQ(q.lesson_id(), "math-5a-1");
  EXPECT_EQ(q.original_event_id(), original);
  EXPECT_EQ(q.original_sequence(), State().SequenceOf(original));
  EXPECT_EQ(q.proposal().mark().value().value(), 4);
  // A rejection gives its reason; a decided request is not decided again.
  v1::EventBody reject = Body("deputy");
  reject.mutable_correction_rejected()->set_request_id("r1");
  EXPECT_TRUE(Refused(Submit(reject), kMalformed, "R-COR-3", "reason"));
  reject.mutable_correction_rejected()->set_reason("нет подтверждения");
  MustSubmit(reject);
  EXPECT_TRUE(
      Refused(Submit(ApproveBody("deputy2", "r1")), kRefused, "R-COR-3", "already decided"));
  EXPECT_EQ(school::PendingCorrections(State(), kSchool)->requests_size(), 0);
  // The cell is free again: a new request, withdrawn by its requester only.
  MustSubmit(CorrectionBody("math", "r3", "m1", 4, "описка"));
  v1::EventBody withdraw = Body("russian");
  withdraw.mutable_correction_withdrawn()->set_request_id("r3");
  EXPECT_TRUE(Refused(Submit(withdraw), kDenied, "R-ACC-2", "requester"));
  withdraw = Body("math");
  withdraw.mutable_correction_withdrawn()->set_request_id("r3");
  MustSubmit(withdraw);
  EXPECT_EQ(School().marks.at("m1").Current(State())->value.value, 3);
}

// ---- R-SUB-1: the substitute's records carry the substitution; reports show it ----

TEST_F(RulesTest, R_SUB_1_OnlyTheMethodistAssignsAndTheReportShowsIt) {
  At(mon_, "07:50");
  v1::EventBody s = SubstitutionBody("deputy", "sub-1", "math-5a-1", "math");
  EXPECT_TRUE(IsRefused(Submit(s), kDenied, "R-ACC-2"));
  v1::EventBody by_methodist = Body("methodist");
  *by_methodist.mutable_substitution_assigned() = s.substitution_assigned();
  v1::EventBody wrong_teacher = by_methodist;
  wrong_teacher.mutable_substitution_assigned()->set_absent_teacher_id("russian");
  EXPECT_TRUE(Refused(Submit(wrong_teacher), kRefused, "R-SUB-1", "not taught by"));
  MustSubmit(by_methodist);
  At(mon_, "08:40");
  v1::EventBody m = ConductedBody("sub", "math-5a-1", "Дроби");
  m.set_substitution_id("sub-1");
  MustSubmit(m);
  auto report = school::SubstitutionsReport(State(), kSchool, mon_, mon_);
  ASSERT_TRUE(report.has_value());
  ASSERT_EQ(report->substitutions_size(), 1);
  EXPECT_EQ(report->substitutions(0).substitute_teacher_id(), "sub");
  ASSERT_EQ(report->substitutions(0).lessons_size(), 1);
  EXPECT_TRUE(report->substitutions(0).lessons(0).held());
}

// ---- R-SEC-1: the report of an exposed login, late ones flagged ----

TEST_F(RulesTest, R_SEC_1_ReportWithinAnHourAndALateOneIsFlagged) {
  At(mon_, "12:00");
  MustSubmit(CompromiseReportBody("math", "rep-1", "math", 30));
  ASSERT_TRUE(School().reports.contains("rep-1"));
  EXPECT_FALSE(School().reports.at("rep-1").late);
  EXPECT_EQ(School().reports.at("rep-1").reported_at_us, clock_.NowMicros());
  MustSubmit(CompromiseReportBody("russian", "rep-2", "russian", 61));
  EXPECT_TRUE(School().reports.at("rep-2").late);
  // The director records a report for someone else; a teacher does not.
  MustSubmit(CompromiseReportBody("director", "rep-3", "pe", 10));
  EXPECT_TRUE(
      IsRefused(Submit(CompromiseReportBody("math", "rep-4", "pe", 10)), kDenied, "R-ACC-2"));
}

TEST_F(RulesTest, R_SEC_1_DiscoveryBeforeTheReportAndTheUsersOwnCredentials) {
  At(mon_, "12:00");
  EXPECT_TRUE(Refused(Submit(CompromiseReportBody("math", "rep-1", "math", -5)), kMalformed,
                      "R-SEC-1", "discovery comes before the report"));
  v1::EventBody other = CompromiseReportBody("math", "rep-2", "math", 5);
  other.mutable_credential_compromise_reported()->add_credential_ids(
      signers_.at("russian").credential_id);
  EXPECT_TRUE(Refused(Submit(other), kRefused, "R-SEC-1", "not a credential of math"));
  EXPECT_TRUE(Refused(Submit(CompromiseReportBody("parent", "rep-3", "parent", 5)), kDenied,
                      "R-ACC-2", "staff"));
  MustSubmit(CompromiseReportBody("math", "rep-4", "math", 5));
  // An Act may cite the report, but only one that exists.
  v1::EventBody act =
      ActBody("director", {.invalid_from_us = clock_.NowMicros() - 5 * school::kMicrosPerMinute});
  auto* a = act.mutable_credential_compromise_act_recorded();
  a->set_report_id("rep-none");
  EXPECT_TRUE(Refused(Submit(act), kRefused, "R-SEC-1", "no compromise report"));
  a->set_report_id("rep-4");
  MustSubmit(act);
}

// ---- R-SEC-2: the Act ----

TEST_F(RulesTest, R_SEC_2_ActNamesItsCommissionAndIsTheDirectorsOrAdmins) {
  At(mon_, "12:00");
  auto act = [&](const std::string& actor) { return ActBody(actor, {.act_id = "act-" + actor}); };
  EXPECT_TRUE(IsRefused(Submit(act("deputy")), kDenied, "R-ACC-2"));
  v1::EventBody no_commission = act("director");
  no_commission.mutable_credential_compromise_act_recorded()->clear_commission();
  EXPECT_TRUE(Refused(Submit(no_commission), kMalformed, "R-SEC-2", "commission"));
  v1::EventBody future = act("director");
  future.mutable_credential_compromise_act_recorded()->set_invalid_from_us(
      clock_.NowMicros() + school::kMicrosPerMinute);
  EXPECT_TRUE(IsRefused(Submit(future), kMalformed, "R-SEC-2"));
  MustSubmit(act("admin"));
  At(mon_, "12:01");
  EXPECT_TRUE(Refused(Submit(HomeworkBody("math", "h1", "math-5a-1", "№ 1")), kUnauthenticated,
                      "R-SEC-2", "compromise"));
}

// ---- R-SEC-3: what rested on an invalid event falls with it; reports do not count it ----

TEST_F(RulesTest, R_SEC_3_NoApprovalOfAnInvalidRequestAndReportsIgnoreInvalidMarks) {
  At(mon_, "08:40");
  MustSubmit(MarkBody("math", "m1", "math-5a-1", "s1", 5));
  At(mon_, "20:00");  // the attacker, with math's credential
  MustSubmit(MarkBody("math", "m2", "math-5a-1", "s2", 2, v1::WORK_TYPE_TEST));
  MustSubmit(CorrectionBody("math", "r1", "m1", 2, "исправление"));
  auto problems = [&] {
    auto r = school::ProblemsReport(State(), kSchool, "5a", mon_, mon_);
    EXPECT_TRUE(r.has_value());
    int unsatisfactory = 0;
    for (const auto& s : r->students()) unsatisfactory += s.unsatisfactory_size();
    return unsatisfactory;
  };
  EXPECT_EQ(problems(), 1);
  At(mon_ + 1, "08:00");
  MustSubmit(ActBody(
      "director", {.invalid_from_us = school::SchoolZone::Find(kZone)->InstantOf(mon_, 19 * 60)}));
  EXPECT_TRUE(Refused(Submit(ApproveBody("deputy", "r1")), kRefused, "R-SEC-3", "invalidated"));
  EXPECT_EQ(problems(), 0);
  EXPECT_EQ(school::PendingCorrections(State(), kSchool)->requests_size(), 0);
  EXPECT_EQ(School().marks.at("m1").Current(State())->value.value, 5);
}

// ---- R-TIME-1: the school's own time; both times kept ----

TEST_F(RulesTest, R_TIME_1_DayEndsAtMidnightSchoolTime) {
  // Moscow is UTC+3: 00:05 on Tuesday in Moscow is still Monday in UTC, yet the day is over.
  At(mon_, "23:59");
  MustSubmit(MarkBody("math", "m1", "math-5a-1", "s1", 5));
  At(mon_ + 1, "00:05");
  EXPECT_EQ(school::SchoolZone().LocalDay(clock_.NowMicros()), mon_);  // UTC
  EXPECT_TRUE(
      IsRefused(Submit(MarkBody("math", "m2", "math-5a-1", "s2", 5)), kRefused, "R-MARK-3"));
  // A school in Chukotka is UTC+12.
  auto anadyr = school::SchoolZone::Find("Asia/Anadyr");
  ASSERT_TRUE(anadyr.has_value());
  EXPECT_EQ(anadyr->InstantOf(mon_, 0),
            school::SchoolZone().InstantOf(mon_, 0) - 12 * 60 * school::kMicrosPerMinute);
  v1::EventBody bad = Body("admin");
  bad.mutable_school_registered()->set_name("МБОУ СОШ № 1");
  bad.mutable_school_registered()->set_time_zone("Asia/Nowhere");
  EXPECT_TRUE(IsRefused(Submit(bad), kMalformed, "R-TIME-1"));
}

TEST_F(RulesTest, R_TIME_1_BusinessDateIsTheLessonDateAndBothTimesAreKept) {
  At(mon_ + 1, "10:00");  // Tuesday: a control work of Monday, within its window
  v1::EventBody wrong = MarkBody("math", "m1", "math-5a-1", "s1", 5, v1::WORK_TYPE_CONTROL_WORK);
  *wrong.mutable_business_date() = Date(mon_ + 1);
  EXPECT_TRUE(Refused(Submit(wrong), kMalformed, "R-TIME-1", "2025-10-06"));
  const uint64_t seq =
      MustSubmit(MarkBody("math", "m1", "math-5a-1", "s1", 5, v1::WORK_TYPE_CONTROL_WORK));
  auto bytes = ledger_->ledger().Entry(seq);
  ASSERT_TRUE(bytes.has_value());
  v1::LedgerEntry entry;
  ASSERT_TRUE(entry.ParseFromString(*bytes));
  EXPECT_EQ(entry.recorded_at_us(), clock_.NowMicros());  // system time
  v1::EventBody body;
  ASSERT_TRUE(body.ParseFromString(entry.event().body()));
  EXPECT_EQ(*school::DayOf(body.business_date()), mon_);  // business time
  EXPECT_EQ(State().Event(seq)->recorded_at_us, clock_.NowMicros());
}

}  // namespace
}  // namespace ejournal::testing
