// The rules of access and security (projections/rules_security.cc, with the rights every
// rules_*.cc checks): credentials and rights (R-ACC-1..5), compromise reports and Acts and what an
// Act voids (R-SEC-1..3). The fixture and conventions: rules_fixture.h.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "projections/reports.h"
#include "projections/school.h"
#include "tests/projections/rules_fixture.h"

namespace ejournal::testing {
namespace {

// ---- R-ACC-1: every write is signed by an active credential of the actor ----

TEST_F(RulesTest, R_ACC_1_ActiveCredentialSignsRevokedOneDoesNot) {
  At(mon_, "08:40");
  MustSubmit(MarkBody("math", "m1", "math-5a-1", "s1", 5));
  v1::EventBody revoke = Body("admin");
  revoke.mutable_credential_revoked()->set_credential_id(signers_.at("math").credential_id);
  revoke.mutable_credential_revoked()->set_reason(v1::REVOCATION_REASON_ADMIN);
  MustSubmit(revoke);
  EXPECT_TRUE(Refused(Submit(MarkBody("math", "m2", "math-5a-1", "s2", 4)), kUnauthenticated,
                      "R-ACC-1", "отозван"));
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
  EXPECT_TRUE(Refused(ledger_->Submit(late, *short_lived), kUnauthenticated, "R-ACC-1", "истёк"));
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
                      "отключена"));
}

// ---- R-ACC-2: only the listed rights (the full matrix is rights_matrix_test.cc) ----

// Only the lesson's teacher (or its substitute) writes it; a parent writes no marks.
TEST_F(RulesTest, R_ACC_2_OnlyTheLessonTeacherWritesIt) {
  At(mon_, "08:40");
  EXPECT_TRUE(
      IsRefused(Submit(MarkBody("russian", "m1", "math-5a-1", "s1", 5)), kDenied, "R-ACC-2"));
  EXPECT_TRUE(
      IsRefused(Submit(MarkBody("parent", "m1", "math-5a-1", "s1", 5)), kDenied, "R-ACC-2"));
  EXPECT_EQ(School().marks.size(), 0u);
}

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
              kDenied, "R-ACC-3", "своего ребёнка"));
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
  EXPECT_TRUE(Refused(Submit(b), kRefused, "R-ACC-3", "не зарегистрирован(а) как родитель"));
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
  EXPECT_TRUE(Refused(ledger_->Submit(b, signers_.at("russian")), kUnauthenticated, "R-ACC-4",
                      "учётная запись личная"));
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
  EXPECT_TRUE(Refused(Submit(login("admin", "s1", "s2")), StatusCode::kAlreadyExists, "R-ACC-4",
                      "уже занят"));
  EXPECT_TRUE(
      Refused(Submit(login("ct", "s1", "s2")), StatusCode::kAlreadyExists, "R-ACC-4", "уже занят"));
  EXPECT_TRUE(IsRefused(Submit(login("parent", "s1", "s2")), kDenied, "R-ACC-2"));
  EXPECT_TRUE(IsRefused(Submit(login("math", "s1", "s2")), kDenied, "R-ACC-2"));
  MustSubmit(login("ct", "s1", "ivanov.petya"));
  EXPECT_EQ(School().logins.at("ivanov.petya"), "s1");
  v1::EventBody taken = Body("admin");
  taken.mutable_user_registered()->set_user_id("s9");
  taken.mutable_user_registered()->add_roles(v1::ROLE_STUDENT);
  taken.mutable_user_registered()->set_login_name("ivanov.petya");
  EXPECT_TRUE(Refused(Submit(taken), StatusCode::kAlreadyExists, "R-ACC-4", "уже занят"));
  // Logins are one without regard to case (R-ACC-5 signs in the same way): "Ivanov.Petya" is taken.
  taken.set_event_id(ledger_->NewEventId());
  taken.mutable_user_registered()->set_login_name("Ivanov.PETYA");
  EXPECT_TRUE(Refused(Submit(taken), StatusCode::kAlreadyExists, "R-ACC-4", "уже занят"));
  MustSubmit(login("ct", "s2", "Петров.Ёжик"));
  EXPECT_TRUE(Refused(Submit(login("ct", "s3", "ПЕТРОВ.ёЖИК")), StatusCode::kAlreadyExists,
                      "R-ACC-4", "уже занят"));
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
  EXPECT_TRUE(Refused(Submit(change("parent", "s1")), kDenied, "R-SET-2", "Пароль"));
  EXPECT_TRUE(IsRefused(Submit(change("secretary", "s1")), kDenied, "R-SET-2"));
  EXPECT_TRUE(IsRefused(Submit(change("director", "math")), kDenied, "R-SET-2"));
}

// R-SET-2: the class teacher issues first passwords to the class's students and their parents,
// and to no one else; a reset stays the administrator's.
TEST_F(RulesTest, R_SET_2_TheClassTeacherIssuesFirstPasswordsOfTheClass) {
  auto first = [&](const std::string& actor, const std::string& user,
                   v1::PasswordChangeKind kind = v1::PASSWORD_CHANGE_KIND_INITIAL) {
    v1::EventBody b = Body(actor);
    b.mutable_password_changed()->set_user_id(user);
    b.mutable_password_changed()->set_kind(kind);
    return b;
  };
  MustSubmit(first("ct", "s2"));       // a student of 5a, ct's class
  MustSubmit(first("ct", "parent2"));  // s2's parent
  EXPECT_TRUE(IsRefused(Submit(first("ct", "n1")), kDenied, "R-SET-2"));    // 9a
  EXPECT_TRUE(IsRefused(Submit(first("ct", "math")), kDenied, "R-SET-2"));  // staff
  EXPECT_TRUE(IsRefused(Submit(first("ct", "s2", v1::PASSWORD_CHANGE_KIND_RESET_BY_ADMIN)), kDenied,
                        "R-SET-2"));
}

// R-SET-2: a first or reset password is changed at the first sign-in: until then the user's
// sessions sign only their own new password; a long-lived key keeps working. The
// class teacher may issue a first password again while it is unused, never over the user's own.
TEST_F(RulesTest, R_SET_2_AFirstPasswordIsChangedBeforeAnythingElse) {
  auto password = [&](const std::string& actor, const std::string& user,
                      v1::PasswordChangeKind kind) {
    v1::EventBody b = Body(actor);
    b.mutable_password_changed()->set_user_id(user);
    b.mutable_password_changed()->set_kind(kind);
    return b;
  };
  At(mon_, "08:35");
  MustSubmit(password("admin", "math", v1::PASSWORD_CHANGE_KIND_RESET_BY_ADMIN));
  EXPECT_TRUE(School().FindUser("math")->must_change_password);
  EXPECT_TRUE(Refused(Submit(MarkBody("math", "m1", "math-5a-1", "s1", 5)), kDenied, "R-SET-2",
                      "смените выданный пароль"));
  // A long-lived key of the same user (a device, a script) is not a session signed in with the
  // issued password.
  auto device = ledger_->IssueCredential("math", crypto::KeyType::kEd25519);
  ASSERT_TRUE(device.has_value());
  {
    v1::EventBody issued = ledger_->CredentialIssuedBody(
        "dev-math", "math", device->key.public_key(), clock_.NowMicros() + 3'600'000'000);
    issued.mutable_credential_issued()->set_kind(v1::CREDENTIAL_KIND_LONG_LIVED);
    ASSERT_TRUE(ledger_->Submit(issued, ledger_->NodeSigner()).has_value());
  }
  testing::Signer session = signers_.at("math");
  signers_.insert_or_assign(
      "math", testing::Signer{
                  .credential_id = "dev-math", .user_id = "math", .key = std::move(device->key)});
  MustSubmit(MarkBody("math", "m1", "math-5a-1", "s1", 5));
  signers_.insert_or_assign("math", std::move(session));
  // The session may set the user's own password, and then writes as before.
  EXPECT_TRUE(IsRefused(Submit(password("math", "s1", v1::PASSWORD_CHANGE_KIND_RESET_BY_ADMIN)),
                        kDenied, "R-SET-2"));
  MustSubmit(password("math", "math", v1::PASSWORD_CHANGE_KIND_BY_USER));
  EXPECT_FALSE(School().FindUser("math")->must_change_password);
  MustSubmit(MarkBody("math", "m2", "math-5a-1", "s2", 4));

  // The class teacher: a first password again while unused (a lost slip), not over the user's own.
  MustSubmit(password("ct", "s2", v1::PASSWORD_CHANGE_KIND_INITIAL));
  MustSubmit(password("ct", "s2", v1::PASSWORD_CHANGE_KIND_INITIAL));
  MustSubmit(password("s2", "s2", v1::PASSWORD_CHANGE_KIND_BY_USER));
  EXPECT_TRUE(Refused(Submit(password("ct", "s2", v1::PASSWORD_CHANGE_KIND_INITIAL)), kDenied,
                      "R-SET-2", "администратор"));
  MustSubmit(password("admin", "s2", v1::PASSWORD_CHANGE_KIND_RESET_BY_ADMIN));
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
                      "R-SEC-1", "Обнаружение — раньше сообщения"));
  v1::EventBody other = CompromiseReportBody("math", "rep-2", "math", 5);
  other.mutable_credential_compromise_reported()->add_credential_ids(
      signers_.at("russian").credential_id);
  EXPECT_TRUE(Refused(Submit(other), kRefused, "R-SEC-1", "не принадлежит «math»"));
  EXPECT_TRUE(Refused(Submit(CompromiseReportBody("parent", "rep-3", "parent", 5)), kDenied,
                      "R-ACC-2", "сотрудники"));
  MustSubmit(CompromiseReportBody("math", "rep-4", "math", 5));
  // An Act may cite the report, but only one that exists.
  v1::EventBody act =
      ActBody("director", {.invalid_from_us = clock_.NowMicros() - 5 * school::kMicrosPerMinute});
  auto* a = act.mutable_credential_compromise_act_recorded();
  a->set_report_id("rep-none");
  EXPECT_TRUE(Refused(Submit(act), kRefused, "R-SEC-1", "Нет такого сообщения"));
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
  EXPECT_TRUE(Refused(Submit(no_commission), kMalformed, "R-SEC-2", "комиссия"));
  v1::EventBody future = act("director");
  future.mutable_credential_compromise_act_recorded()->set_invalid_from_us(
      clock_.NowMicros() + school::kMicrosPerMinute);
  EXPECT_TRUE(IsRefused(Submit(future), kMalformed, "R-SEC-2"));
  MustSubmit(act("admin"));
  At(mon_, "12:01");
  EXPECT_TRUE(Refused(Submit(HomeworkBody("math", "h1", "math-5a-1", "№ 1")), kUnauthenticated,
                      "R-SEC-2", "актом о компрометации"));
}

// ---- R-SEC-3: what rested on an invalid event falls with it; reports do not count it ----

// An Act voids the credential's events from its moment, and what rested on them.
TEST_F(RulesTest, R_SEC_3_ActInvalidatesAndCascades) {
  At(mon_, "08:40");
  const uint64_t legit = MustSubmit(MarkBody("math", "m1", "math-5a-1", "s1", 5));
  At(mon_, "20:00");  // the attacker, with math's credential
  const uint64_t forged = MustSubmit(MarkBody("math", "m2", "math-5a-1", "s2", 2));
  MustSubmit(CorrectionBody("math", "r1", "m1", 2, "исправление"));
  const uint64_t request = State().SequenceOf(last_event_id());
  At(mon_ + 1, "08:00");
  const uint64_t approval = MustSubmit(ApproveBody("deputy", "r1"));
  EXPECT_EQ(School().marks.at("m1").Current(State())->value.value, 2);

  At(mon_, "19:00");
  const int64_t from = clock_.NowMicros();
  At(mon_ + 1, "09:00");
  const v1::EventBody act = ActBody("director", {.invalid_from_us = from});
  // The dry run names exactly what the Act will void.
  auto preview = State().PreviewAct(act.credential_compromise_act_recorded());
  ASSERT_EQ(preview.size(), 3u);
  EXPECT_EQ(preview[0].seq, forged);
  EXPECT_EQ(preview[1].seq, request);
  EXPECT_EQ(preview[2].seq, approval);
  EXPECT_EQ(preview[2].because_of, request);
  MustSubmit(act);
  EXPECT_FALSE(State().IsInvalid(legit));
  EXPECT_TRUE(State().IsInvalid(forged));
  EXPECT_TRUE(State().IsInvalid(approval));
  EXPECT_EQ(School().marks.at("m1").Current(State())->value.value, 5);
  EXPECT_EQ(School().marks.at("m2").Current(State()), nullptr);
  // R-SEC-2: the credential signs nothing more.
  At(mon_ + 1, "09:05");
  auto after = Submit(MarkBody("math", "m3", "math-5a-1", "s3", 4, v1::WORK_TYPE_TEST));
  EXPECT_TRUE(IsError(after, kUnauthenticated, ""));
}

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
  EXPECT_TRUE(
      Refused(Submit(ApproveBody("deputy", "r1")), kRefused, "R-SEC-3", "недействительной"));
  EXPECT_EQ(problems(), 0);
  EXPECT_EQ(school::PendingCorrections(State(), kSchool)->requests_size(), 0);
  EXPECT_EQ(School().marks.at("m1").Current(State())->value.value, 5);
}

}  // namespace
}  // namespace ejournal::testing
