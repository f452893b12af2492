// The rights matrix (R-ACC-2): every role × every event type of EventBody's payload oneof, as the
// table "Event types, writers and rules" of schemas/README.md says, through the real admission
// path.
//
// One row per event type (two where the writer depends on whose record it is: a user's own
// password, credential, compromise report; an electronic or a paper acknowledgement). For each
// row, each role is played by a user holding just that role; the row builds an event that is
// valid for an allowed writer. An allowed role must be accepted outright; any other role must be
// refused with kPermissionDenied citing R-ACC-2 (or the more specific rule the row names). Refused
// roles are tried first, so that the state they see is the row's prepared state.
//
// Row-relative writers: "teacher" is `math`, the lesson's teacher with the load for math in 5a;
// "class_teacher" is `cto` (only ROLE_CLASS_TEACHER), bound to 5a, where the row's student is.
#include <gtest/gtest.h>

#include <cctype>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "ledger/crypto.h"
#include "tests/support/school_fixture.h"
#include "tests/support/status_matchers.h"

namespace ejournal::testing {
namespace {

using B = v1::EventBody;
using school::Day;

// Each role and the user who plays it.
struct RolePlayer {
  v1::Role role;
  const char* user;
};
constexpr RolePlayer kPlayers[] = {
    {v1::ROLE_ADMIN, "admin"},         {v1::ROLE_DIRECTOR, "director"},
    {v1::ROLE_DEPUTY, "deputy"},       {v1::ROLE_METHODIST, "methodist"},
    {v1::ROLE_TEACHER, "math"},        {v1::ROLE_CLASS_TEACHER, "cto"},
    {v1::ROLE_SECRETARY, "secretary"}, {v1::ROLE_SOCIAL_PEDAGOGUE, "socped"},
    {v1::ROLE_PSYCHOLOGIST, "psych"},  {v1::ROLE_PARENT, "parent"},
    {v1::ROLE_STUDENT, "s1"},          {v1::ROLE_AUDITOR, "auditor"},
};

class RightsMatrixTest;
using Prepare = std::function<void(RightsMatrixTest&)>;
using Build = std::function<B(RightsMatrixTest&, const std::string& actor)>;

struct Row {
  const char* name;
  B::PayloadCase payload;
  std::set<v1::Role> allowed;
  Build build;
  Prepare prepare = nullptr;
  const char* refusal_rule = "R-ACC-2";
};

const std::set<v1::Role> kAll = {
    v1::ROLE_ADMIN,        v1::ROLE_DIRECTOR,      v1::ROLE_DEPUTY,    v1::ROLE_METHODIST,
    v1::ROLE_TEACHER,      v1::ROLE_CLASS_TEACHER, v1::ROLE_SECRETARY, v1::ROLE_SOCIAL_PEDAGOGUE,
    v1::ROLE_PSYCHOLOGIST, v1::ROLE_PARENT,        v1::ROLE_STUDENT,   v1::ROLE_AUDITOR};
// Staff: everyone but parents and students (a compromise report of one's own login, R-SEC-1).
const std::set<v1::Role> kStaff = {
    v1::ROLE_ADMIN,        v1::ROLE_DIRECTOR,      v1::ROLE_DEPUTY,    v1::ROLE_METHODIST,
    v1::ROLE_TEACHER,      v1::ROLE_CLASS_TEACHER, v1::ROLE_SECRETARY, v1::ROLE_SOCIAL_PEDAGOGUE,
    v1::ROLE_PSYCHOLOGIST, v1::ROLE_AUDITOR};

const std::vector<Row>& Rows();

class RightsMatrixTest : public SchoolFixture, public ::testing::WithParamInterface<size_t> {
 protected:
  void SetUp() override {
    SchoolFixture::SetUp();
    if (HasFatalFailure()) return;
    AddUser("cto", {v1::ROLE_CLASS_TEACHER});
    AddUser("socped", {v1::ROLE_SOCIAL_PEDAGOGUE});
    AddUser("psych", {v1::ROLE_PSYCHOLOGIST});
    AddUser("spare", {v1::ROLE_STUDENT});
    B assign = Body("admin");
    assign.mutable_class_teacher_assigned()->set_class_id("5a");
    assign.mutable_class_teacher_assigned()->set_class_teacher_id("cto");
    MustSubmit(assign);
    ASSERT_EQ(School().classes.at("5a").class_teacher_id, "cto");
  }

 public:
  // A fresh id for entities the row creates, so that every allowed writer creates its own.
  std::string Id(const std::string& prefix) { return prefix + "-" + std::to_string(++next_id_); }
  // A period no earlier write of this test took (R-SET-3: one teacher, class or room per period).
  int FreePeriod() { return 4 + (++next_id_ % 12); }
  // A body for `actor` carrying the payload of `payload_of`.
  B As(const std::string& actor, const B& payload_of) {
    B b = Body(actor);
    B copy = payload_of;
    copy.clear_event_id();
    copy.clear_actor_id();
    copy.clear_credential_id();
    copy.clear_school_id();
    copy.clear_schema_version();
    copy.clear_client_time_us();
    b.MergeFrom(copy);
    return b;
  }
  void MarkAndRequest() {
    At(mon_, "08:40");
    MustSubmit(MarkBody("math", "m-p", "math-5a-1", "s1", 4));
    At(mon_ + 1, "10:00");
    MustSubmit(CorrectionBody("math", "r-p", "m-p", 5));
  }
  v1::DateRange Range(Day first, Day last) {
    v1::DateRange r;
    *r.mutable_first_day() = Date(first);
    *r.mutable_last_day() = Date(last);
    return r;
  }
  void RunRow(const Row& row);
  // A new conversation of `from` with `to` (a text's reference as the message store gives it).
  B MessageBody(const std::string& from, const std::string& to) {
    B b = Body(from);
    auto* m = b.mutable_message_sent();
    m->set_message_id(Id("msg"));
    m->set_conversation_id(Id("conv"));
    m->add_recipient_ids(to);
    *m->mutable_content() = TextRef();
    return b;
  }
  B AnnouncementBody(const std::string& from, const std::string& class_id) {
    B b = Body(from);
    auto* a = b.mutable_announcement_published();
    a->set_announcement_id(Id("ann"));
    a->mutable_audience()->set_kind(v1::AUDIENCE_KIND_CLASS_PARENTS);
    a->mutable_audience()->set_class_id(class_id);
    *a->mutable_content() = TextRef();
    return b;
  }
  B SurveyBody(const std::string& from) {
    B b = Body(from);
    auto* v = b.mutable_survey_published();
    v->set_survey_id(Id("survey"));
    v->set_class_id("5a");
    *v->mutable_content() = TextRef();
    v->set_option_count(2);
    return b;
  }
  static v1::DocumentRef TextRef() {
    v1::DocumentRef d;
    d.set_sha256(std::string(32, '\x5a'));
    d.set_media_type("text/plain");
    d.set_size_bytes(64);
    return d;
  }

  const Day mon_ = D(2025, 10, 6);
  int next_id_ = 0;
  std::string final_event_;
  friend const std::vector<Row>& Rows();
};

void RightsMatrixTest::RunRow(const Row& row) {
  if (row.prepare) row.prepare(*this);
  ASSERT_FALSE(HasFailure()) << "the row's preparation failed";
  std::vector<RolePlayer> order;
  for (const auto& p : kPlayers) {
    if (!row.allowed.contains(p.role)) order.push_back(p);
  }
  for (const auto& p : kPlayers) {
    if (row.allowed.contains(p.role)) order.push_back(p);
  }
  for (const auto& p : order) {
    const std::string role = v1::Role_Name(p.role);
    B body = row.build(*this, p.user);
    ASSERT_EQ(body.payload_case(), row.payload) << row.name << ": the row builds another payload";
    auto result = Submit(body);
    if (row.allowed.contains(p.role)) {
      EXPECT_TRUE(result.has_value()) << row.name << ": " << role << " (" << p.user
                                      << ") may write it, but got " << result.error().ToString();
    } else {
      EXPECT_TRUE(IsRefused(result, StatusCode::kPermissionDenied, row.refusal_rule))
          << row.name << ": " << role << " (" << p.user << ") may not write it";
    }
  }
}

// ---- The table (schemas/README.md, "Event types, writers and rules") ----

const std::vector<Row>& Rows() {
  using T = RightsMatrixTest;
  static const std::vector<Row> rows =
      {
          {"SchoolRegistered",
           B::kSchoolRegistered,
           {v1::ROLE_ADMIN},
           [](T& t, const std::string& a) {
             B b = t.Body(a);
             b.mutable_school_registered()->set_name("МБОУ СОШ № 1 им. Пушкина");
             b.mutable_school_registered()->set_time_zone("Europe/Moscow");
             return b;
           }},
          {"AcademicYearDefined",
           B::kAcademicYearDefined,
           {v1::ROLE_ADMIN},
           [](T& t, const std::string& a) {
             B b = t.Body(a);
             auto* y = b.mutable_academic_year_defined();
             y->set_academic_year_id(t.Id("y"));
             *y->mutable_dates() = t.Range(t.D(2026, 9, 1), t.D(2027, 5, 31));
             return b;
           }},
          {"HolidayDeclared",
           B::kHolidayDeclared,
           {v1::ROLE_ADMIN},
           [](T& t, const std::string& a) {
             B b = t.Body(a);
             auto* h = b.mutable_holiday_declared();
             h->set_holiday_id(t.Id("hol"));
             h->set_academic_year_id("2025");
             *h->mutable_holiday()->mutable_dates() = t.Range(t.D(2025, 12, 31), t.D(2025, 12, 31));
             h->mutable_holiday()->set_kind(v1::HOLIDAY_KIND_PUBLIC_HOLIDAY);
             h->mutable_holiday()->set_name("новогодний");
             return b;
           }},
          {"SubjectDefined",
           B::kSubjectDefined,
           {v1::ROLE_ADMIN},
           [](T& t, const std::string& a) {
             B b = t.Body(a);
             b.mutable_subject_defined()->set_subject_id(t.Id("subj"));
             b.mutable_subject_defined()->set_name("История");
             b.mutable_subject_defined()->set_kind(v1::SUBJECT_KIND_OTHER);
             return b;
           }},
          {"ClassCreated",
           B::kClassCreated,
           {v1::ROLE_ADMIN},
           [](T& t, const std::string& a) {
             B b = t.Body(a);
             auto* c = b.mutable_class_created();
             c->set_class_id(t.Id("6b"));
             c->set_academic_year_id("2025");
             c->set_grade(6);
             c->set_letter("Б");
             return b;
           }},
          {"ClassTeacherAssigned",
           B::kClassTeacherAssigned,
           {v1::ROLE_ADMIN},
           [](T& t, const std::string& a) {
             B b = t.Body(a);
             b.mutable_class_teacher_assigned()->set_class_id("9a");
             b.mutable_class_teacher_assigned()->set_class_teacher_id("ct");
             return b;
           }},
          {"SubgroupDefined",
           B::kSubgroupDefined,
           {v1::ROLE_ADMIN},
           [](T& t, const std::string& a) {
             B b = t.Body(a);
             auto* g = b.mutable_subgroup_defined();
             g->set_subgroup_id(t.Id("g"));
             g->set_class_id("5a");
             g->set_subject_id("math");
             g->set_name("1 группа");
             g->add_student_ids("s1");
             return b;
           }},
          {"UserRegistered",
           B::kUserRegistered,
           {v1::ROLE_ADMIN},
           [](T& t, const std::string& a) {
             B b = t.Body(a);
             const std::string id = t.Id("u");
             b.mutable_user_registered()->set_user_id(id);
             b.mutable_user_registered()->add_roles(v1::ROLE_STUDENT);
             b.mutable_user_registered()->set_login_name(id);
             return b;
           }},
          {"UserRolesChanged",
           B::kUserRolesChanged,
           {v1::ROLE_ADMIN},
           [](T& t, const std::string& a) {
             B b = t.Body(a);
             b.mutable_user_roles_changed()->set_user_id("spare");
             b.mutable_user_roles_changed()->add_roles(v1::ROLE_STUDENT);
             return b;
           }},
          // A class teacher keeps the profiles of their class's students (s2 is in 5a).
          {"UserProfileChanged",
           B::kUserProfileChanged,
           {v1::ROLE_ADMIN, v1::ROLE_CLASS_TEACHER},
           [](T& t, const std::string& a) {
             B b = t.Body(a);
             b.mutable_user_profile_changed()->set_user_id("s2");
             b.mutable_user_profile_changed()->set_display_name("Иванова Мария");
             return b;
           }},
          {"UserDeactivated",
           B::kUserDeactivated,
           {v1::ROLE_ADMIN},
           [](T& t, const std::string& a) {
             B b = t.Body(a);
             b.mutable_user_deactivated()->set_user_id("spare");
             b.mutable_user_deactivated()->set_reason("выбыл");
             return b;
           }},
          {"PasswordChanged(another user's)",
           B::kPasswordChanged,
           {v1::ROLE_ADMIN},
           [](T& t, const std::string& a) {
             B b = t.Body(a);
             b.mutable_password_changed()->set_user_id("s2");
             b.mutable_password_changed()->set_kind(v1::PASSWORD_CHANGE_KIND_RESET_BY_ADMIN);
             return b;
           },
           nullptr,
           "R-SET-2"},
          // R-SET-2: the class teacher issues the first logins of the class's students and parents.
          {"PasswordChanged(a first password in the class)",
           B::kPasswordChanged,
           {v1::ROLE_ADMIN, v1::ROLE_CLASS_TEACHER},
           [](T& t, const std::string& a) {
             B b = t.Body(a);
             b.mutable_password_changed()->set_user_id("s2");
             b.mutable_password_changed()->set_kind(v1::PASSWORD_CHANGE_KIND_INITIAL);
             return b;
           },
           nullptr,
           "R-SET-2"},
          {"PasswordChanged(own)", B::kPasswordChanged, kAll,
           [](T& t, const std::string& a) {
             B b = t.Body(a);
             b.mutable_password_changed()->set_user_id(a);
             b.mutable_password_changed()->set_kind(v1::PASSWORD_CHANGE_KIND_BY_USER);
             return b;
           }},
          {"CredentialIssued(long-lived)",
           B::kCredentialIssued,
           {v1::ROLE_ADMIN},
           [](T& t, const std::string& a) {
             B b = t.Body(a);
             auto key = crypto::PrivateKey::Generate(crypto::KeyType::kEd25519);
             EXPECT_TRUE(key.has_value());
             auto* c = b.mutable_credential_issued();
             c->set_credential_id(t.Id("cred-s2-long"));
             c->set_user_id("s2");
             c->set_algorithm(static_cast<v1::KeyAlgorithm>(key->public_key().type()));
             c->set_public_key(key->public_key().raw());
             c->set_kind(v1::CREDENTIAL_KIND_LONG_LIVED);
             c->set_not_after_us(t.clock_.NowMicros() + 100LL * school::kMicrosPerDay);
             c->set_label("ключ для ЭЦП");
             return b;
           }},
          {"CredentialRevoked(another user's)",
           B::kCredentialRevoked,
           {v1::ROLE_ADMIN, v1::ROLE_DIRECTOR},
           [](T& t, const std::string& a) {
             auto cred = t.ledger_->IssueCredential("s3", crypto::KeyType::kEd25519);
             EXPECT_TRUE(cred.has_value());
             B b = t.Body(a);
             b.mutable_credential_revoked()->set_credential_id(cred->credential_id);
             b.mutable_credential_revoked()->set_reason(v1::REVOCATION_REASON_ADMIN);
             return b;
           }},
          {"CredentialRevoked(own, logout)", B::kCredentialRevoked, kAll,
           [](T& t, const std::string& a) {
             B b = t.Body(a);
             b.mutable_credential_revoked()->set_credential_id(b.credential_id());
             b.mutable_credential_revoked()->set_reason(v1::REVOCATION_REASON_LOGOUT);
             return b;
           }},
          {"StudentEnrolled(own class)",
           B::kStudentEnrolled,
           {v1::ROLE_ADMIN, v1::ROLE_CLASS_TEACHER},
           [](T& t, const std::string& a) {
             const std::string student = t.Id("new");
             t.AddUser(student, {v1::ROLE_STUDENT});
             B b = t.Body(a);
             b.mutable_student_enrolled()->set_student_id(student);
             b.mutable_student_enrolled()->set_class_id("5a");
             *b.mutable_student_enrolled()->mutable_enrolled_on() = t.Date(t.D(2025, 9, 1));
             return b;
           }},
          {"StudentMoved",
           B::kStudentMoved,
           {v1::ROLE_ADMIN},
           [](T& t, const std::string& a) {
             B b = t.Body(a);
             b.mutable_student_moved()->set_student_id("s3");
             b.mutable_student_moved()->set_to_class_id("9a");
             *b.mutable_student_moved()->mutable_moved_on() = t.Date(t.D(2025, 9, 10));
             return b;
           }},
          {"StudentLeft",
           B::kStudentLeft,
           {v1::ROLE_ADMIN},
           [](T& t, const std::string& a) {
             B b = t.Body(a);
             b.mutable_student_left()->set_student_id("s3");
             *b.mutable_student_left()->mutable_left_on() = t.Date(t.D(2025, 9, 10));
             b.mutable_student_left()->set_reason(v1::LEAVE_REASON_TRANSFER);
             return b;
           }},
          {"GuardianLinked(own class)",
           B::kGuardianLinked,
           {v1::ROLE_ADMIN, v1::ROLE_CLASS_TEACHER, v1::ROLE_SECRETARY},
           [](T& t, const std::string& a) {
             B b = t.Body(a);
             b.mutable_guardian_linked()->set_guardian_id("parent2");
             b.mutable_guardian_linked()->set_student_id("s3");
             return b;
           }},
          {"GuardianUnlinked(own class)",
           B::kGuardianUnlinked,
           {v1::ROLE_ADMIN, v1::ROLE_CLASS_TEACHER, v1::ROLE_SECRETARY},
           [](T& t, const std::string& a) {
             B b = t.Body(a);
             b.mutable_guardian_unlinked()->set_guardian_id("parent2");
             b.mutable_guardian_unlinked()->set_student_id("s2");
             b.mutable_guardian_unlinked()->set_reason("решение суда");
             return b;
           }},
          {"TeachingLoadAssigned",
           B::kTeachingLoadAssigned,
           {v1::ROLE_ADMIN},
           [](T& t, const std::string& a) {
             B b = t.Body(a);
             auto* l = b.mutable_teaching_load_assigned();
             l->set_load_id(t.Id("load"));
             l->set_teacher_id("sub");
             l->set_class_id("9a");
             l->set_subject_id("russian");
             l->set_weekly_hours(2);
             l->set_academic_year_id("2025");
             return b;
           }},
          {"TeachingLoadRemoved",
           B::kTeachingLoadRemoved,
           {v1::ROLE_ADMIN},
           [](T& t, const std::string& a) {
             B b = t.Body(a);
             b.mutable_teaching_load_removed()->set_load_id("l-pe-5a");
             b.mutable_teaching_load_removed()->set_reason("перераспределение нагрузки");
             return b;
           }},
          {"PlannedTopicsSet(own load)",
           B::kPlannedTopicsSet,
           {v1::ROLE_ADMIN, v1::ROLE_TEACHER},
           [](T& t, const std::string& a) {
             B b = t.Body(a);
             auto* p = b.mutable_planned_topics_set();
             p->set_plan_id(t.Id("plan"));
             p->set_class_id("5a");
             p->set_subject_id("math");
             p->set_academic_year_id("2025");
             p->set_term_number(1);
             auto* topic = p->add_topics();
             topic->set_number(1);
             topic->set_title("Натуральные числа");
             topic->set_hours(2);
             return b;
           }},
          {"BellScheduleSet",
           B::kBellScheduleSet,
           {v1::ROLE_ADMIN, v1::ROLE_METHODIST},
           [](T& t, const std::string& a) {
             B b = t.Body(a);
             auto* bell = b.mutable_bell_schedule_set();
             bell->set_bell_schedule_id(t.Id("bell"));
             bell->set_name("сокращённое");
             auto* p = bell->add_periods();
             p->set_number(1);
             p->set_start_minutes(8 * 60 + 30);
             p->set_end_minutes(9 * 60 + 5);
             return b;
           }},
          {"TimetableSlotSet",
           B::kTimetableSlotSet,
           {v1::ROLE_ADMIN, v1::ROLE_METHODIST},
           [](T& t, const std::string& a) {
             B b = t.Body(a);
             auto* s = b.mutable_timetable_slot_set();
             s->set_slot_id(t.Id("slot"));
             s->set_class_id("5a");
             s->set_subject_id("math");
             s->set_teacher_id("math");
             s->set_weekday(v1::WEEKDAY_MONDAY);
             s->set_period(t.FreePeriod());
             *s->mutable_valid()->mutable_first_day() = t.Date(t.D(2025, 9, 1));
             return b;
           }},
          {"TimetableSlotRemoved",
           B::kTimetableSlotRemoved,
           {v1::ROLE_ADMIN, v1::ROLE_METHODIST},
           [](T& t, const std::string& a) {
             B b = t.Body(a);
             b.mutable_timetable_slot_removed()->set_slot_id("slot-p");
             *b.mutable_timetable_slot_removed()->mutable_effective_from() =
                 t.Date(t.D(2025, 10, 1));
             return b;
           },
           [](T& t) {
             B b = t.Body("methodist");
             auto* s = b.mutable_timetable_slot_set();
             s->set_slot_id("slot-p");
             s->set_class_id("5a");
             s->set_subject_id("math");
             s->set_teacher_id("math");
             s->set_weekday(v1::WEEKDAY_MONDAY);
             s->set_period(1);
             *s->mutable_valid()->mutable_first_day() = t.Date(t.D(2025, 9, 1));
             t.MustSubmit(b);
           }},
          {"LessonScheduled",
           B::kLessonScheduled,
           {v1::ROLE_ADMIN, v1::ROLE_METHODIST},
           [](T& t, const std::string& a) {
             return t.As(a, t.ScheduleLesson(t.Id("lesson"), "5a", "math", "math", t.D(2025, 10, 9),
                                             t.FreePeriod()));
           }},
          {"LessonMoved",
           B::kLessonMoved,
           {v1::ROLE_METHODIST},
           [](T& t, const std::string& a) {
             B b = t.Body(a);
             b.mutable_lesson_moved()->set_lesson_id("math-5a-2");
             *b.mutable_lesson_moved()->mutable_new_date() = t.Date(t.D(2025, 10, 9));
             b.mutable_lesson_moved()->set_new_period(2);
             b.mutable_lesson_moved()->set_reason("болезнь учителя");
             return b;
           }},
          {"LessonCancelled",
           B::kLessonCancelled,
           {v1::ROLE_METHODIST},
           [](T& t, const std::string& a) {
             B b = t.Body(a);
             b.mutable_lesson_cancelled()->set_lesson_id("math-5a-2");
             b.mutable_lesson_cancelled()->set_reason("карантин");
             return b;
           }},
          {"MedicalPeExemptionRecorded(own class)",
           B::kMedicalPeExemptionRecorded,
           {v1::ROLE_CLASS_TEACHER, v1::ROLE_SECRETARY},
           [](T& t, const std::string& a) {
             B b = t.Body(a);
             auto* e = b.mutable_medical_pe_exemption_recorded();
             e->set_exemption_id(t.Id("ex"));
             e->set_student_id("s2");
             *e->mutable_dates() = t.Range(t.D(2025, 10, 1), t.D(2025, 10, 31));
             e->mutable_document()->set_title("Справка № 15 от 01.10.2025");
             return b;
           }},
          {"PersonalDataConsentRecorded(own class)",
           B::kPersonalDataConsentRecorded,
           {v1::ROLE_ADMIN, v1::ROLE_CLASS_TEACHER, v1::ROLE_SECRETARY},
           [](T& t, const std::string& a) {
             B b = t.Body(a);
             auto* c = b.mutable_personal_data_consent_recorded();
             c->set_given_by_id("parent2");
             c->set_student_id("s2");
             c->set_state(v1::CONSENT_STATE_GIVEN);
             *c->mutable_signed_on() = t.Date(t.D(2025, 8, 25));
             return b;
           }},
          {"PaperDiaryPreferenceSet(own class)",
           B::kPaperDiaryPreferenceSet,
           {v1::ROLE_ADMIN, v1::ROLE_CLASS_TEACHER, v1::ROLE_SECRETARY},
           [](T& t, const std::string& a) {
             B b = t.Body(a);
             auto* p = b.mutable_paper_diary_preference_set();
             p->set_guardian_id("parent2");
             p->set_student_id("s2");
             p->set_paper_printout(true);
             return b;
           }},
          // ---- The journal: the lesson's teacher (math, math-5a-1 on Monday) ----
          {"LessonConducted(own lesson)",
           B::kLessonConducted,
           {v1::ROLE_TEACHER},
           [](T& t, const std::string& a) { return t.ConductedBody(a, "math-5a-1", "Дроби"); },
           [](T& t) { t.At(t.mon_, "08:40"); }},
          {"AttendanceRecorded(own lesson)",
           B::kAttendanceRecorded,
           {v1::ROLE_TEACHER},
           [](T& t, const std::string& a) { return t.AbsenceBody(a, "math-5a-1", "s3"); },
           [](T& t) { t.At(t.mon_, "08:40"); }},
          {"AbsenceReasonSet(own class)",
           B::kAbsenceReasonSet,
           {v1::ROLE_CLASS_TEACHER},
           [](T& t, const std::string& a) {
             B b = t.Body(a);
             auto* r = b.mutable_absence_reason_set();
             r->set_student_id("s3");
             r->set_reason(v1::ABSENCE_REASON_ILLNESS);
             r->add_lesson_ids("math-5a-1");
             return b;
           },
           [](T& t) {
             t.At(t.mon_, "08:40");
             t.MustSubmit(t.AbsenceBody("math", "math-5a-1", "s3"));
           },
           "R-ATT-2"},
          {"MarkRecorded(own lesson)",
           B::kMarkRecorded,
           {v1::ROLE_TEACHER},
           [](T& t, const std::string& a) {
             return t.MarkBody(a, t.Id("m"), "math-5a-1", "s1", 5);
           },
           [](T& t) { t.At(t.mon_, "08:40"); }},
          {"HomeworkAssigned(own lesson)",
           B::kHomeworkAssigned,
           {v1::ROLE_TEACHER},
           [](T& t, const std::string& a) {
             return t.HomeworkBody(a, t.Id("hw"), "math-5a-1", "№ 12, 14");
           },
           [](T& t) { t.At(t.mon_, "08:40"); }},
          {"TermMarkRecorded(load)",
           B::kTermMarkRecorded,
           {v1::ROLE_TEACHER},
           [](T& t, const std::string& a) {
             B b = t.Body(a);
             auto* m = b.mutable_term_mark_recorded();
             m->set_student_id("s3");
             m->set_subject_id("math");
             m->mutable_period()->set_academic_year_id("2025");
             m->mutable_period()->set_kind(v1::PERIOD_KIND_TERM);
             m->mutable_period()->set_term_number(1);
             m->mutable_mark()->set_status(v1::ATTESTATION_STATUS_NOT_ATTESTED);
             return b;
           },
           [](T& t) { t.At(t.D(2025, 10, 20), "12:00"); }},
          {"ExamMarkRecorded(load)",
           B::kExamMarkRecorded,
           {v1::ROLE_TEACHER},
           [](T& t, const std::string& a) {
             B b = t.Body(a);
             auto* e = b.mutable_exam_mark_recorded();
             e->set_student_id("s1");
             e->set_subject_id("math");
             e->set_academic_year_id("2025");
             e->set_attempt(1);
             e->set_work_type(v1::WORK_TYPE_CONTROL_WORK);
             e->set_title("Промежуточная аттестация");
             e->mutable_mark()->set_value(4);
             return b;
           },
           [](T& t) { t.At(t.D(2025, 10, 20), "12:00"); }},
          {"DeputyAttestationDecided",
           B::kDeputyAttestationDecided,
           {v1::ROLE_DEPUTY},
           [](T& t, const std::string& a) {
             B b = t.Body(a);
             auto* d = b.mutable_deputy_attestation_decided();
             d->set_student_id("s1");
             d->set_subject_id("math");
             d->mutable_period()->set_academic_year_id("2025");
             d->mutable_period()->set_kind(v1::PERIOD_KIND_TERM);
             d->mutable_period()->set_term_number(1);
             d->set_attest(true);
             d->set_reason("болезнь, материал освоен");
             return b;
           }},
          // ---- Control ----
          {"SchoolPolicySet",
           B::kSchoolPolicySet,
           {v1::ROLE_ADMIN, v1::ROLE_DIRECTOR},
           [](T& t, const std::string& a) {
             B b = t.Body(a);
             b.mutable_school_policy_set()->mutable_policy();
             b.mutable_school_policy_set()->set_order_number("Приказ № 1");
             return b;
           }},
          {"CorrectionRequested(own lesson)",
           B::kCorrectionRequested,
           {v1::ROLE_TEACHER},
           [](T& t, const std::string& a) { return t.CorrectionBody(a, t.Id("req"), "m-p", 5); },
           [](T& t) {
             t.At(t.mon_, "08:40");
             t.MustSubmit(t.MarkBody("math", "m-p", "math-5a-1", "s1", 4));
             t.At(t.mon_ + 1, "10:00");
           }},
          {"CorrectionApproved",
           B::kCorrectionApproved,
           {v1::ROLE_DEPUTY},
           [](T& t, const std::string& a) { return t.ApproveBody(a, "r-p"); },
           [](T& t) { t.MarkAndRequest(); }},
          {"CorrectionRejected",
           B::kCorrectionRejected,
           {v1::ROLE_DEPUTY},
           [](T& t, const std::string& a) {
             B b = t.Body(a);
             b.mutable_correction_rejected()->set_request_id("r-p");
             b.mutable_correction_rejected()->set_reason("нет оснований");
             return b;
           },
           [](T& t) { t.MarkAndRequest(); }},
          // The requester is math.
          {"CorrectionWithdrawn(own request)",
           B::kCorrectionWithdrawn,
           {v1::ROLE_TEACHER},
           [](T& t, const std::string& a) {
             B b = t.Body(a);
             b.mutable_correction_withdrawn()->set_request_id("r-p");
             b.mutable_correction_withdrawn()->set_reason("ошибся");
             return b;
           },
           [](T& t) { t.MarkAndRequest(); }},
          {"FinalMarkCorrectionOrdered",
           B::kFinalMarkCorrectionOrdered,
           {v1::ROLE_DIRECTOR},
           [](T& t, const std::string& a) {
             B b = t.Body(a);
             auto* o = b.mutable_final_mark_correction_ordered();
             o->set_order_number("Приказ № 77");
             *o->mutable_order_date() = t.Date(t.D(2026, 5, 26));
             o->mutable_target()->set_student_id("n1");
             o->mutable_target()->set_subject_id("math");
             o->mutable_target()->mutable_period()->set_academic_year_id("2025");
             o->mutable_target()->mutable_period()->set_kind(v1::PERIOD_KIND_FINAL);
             o->set_original_event_id(t.final_event_);
             o->mutable_new_mark()->set_value(4);
             o->set_teacher_id("math");
             o->mutable_teacher_explanation()->set_title("Объяснительная учителя");
             o->set_deputy_id("deputy");
             o->mutable_deputy_explanation()->set_title("Объяснительная завуча");
             return b;
           },
           [](T& t) {
             t.At(t.D(2026, 5, 26), "12:00");
             B b = t.Body("math");
             auto* m = b.mutable_term_mark_recorded();
             m->set_student_id("n1");
             m->set_subject_id("math");
             m->mutable_period()->set_academic_year_id("2025");
             m->mutable_period()->set_kind(v1::PERIOD_KIND_FINAL);
             m->mutable_mark()->set_value(3);
             t.MustSubmit(b);
             t.final_event_ = t.last_event_id();
           }},
          {"SubstitutionAssigned",
           B::kSubstitutionAssigned,
           {v1::ROLE_METHODIST},
           [](T& t, const std::string& a) {
             return t.SubstitutionBody(a, t.Id("subst"), "math-5a-2", "math",
                                       "курсы повышения квалификации");
           }},
          {"SubstitutionCancelled",
           B::kSubstitutionCancelled,
           {v1::ROLE_METHODIST},
           [](T& t, const std::string& a) {
             B b = t.Body(a);
             b.mutable_substitution_cancelled()->set_substitution_id("subst-p");
             b.mutable_substitution_cancelled()->set_reason("учитель вышел");
             return b;
           },
           [](T& t) {
             t.MustSubmit(t.SubstitutionBody("methodist", "subst-p", "math-5a-2", "math"));
           }},
          {"CredentialCompromiseReported(own login)", B::kCredentialCompromiseReported, kStaff,
           [](T& t, const std::string& a) {
             B b = t.Body(a);
             auto* r = b.mutable_credential_compromise_reported();
             r->set_report_id(t.Id("rep"));
             r->set_user_id(a);
             r->add_credential_ids(b.credential_id());
             r->set_discovered_at_us(t.clock_.NowMicros() - 10 * school::kMicrosPerMinute);
             return b;
           }},
          {"CredentialCompromiseReported(another's login)",
           B::kCredentialCompromiseReported,
           {v1::ROLE_ADMIN, v1::ROLE_DIRECTOR},
           [](T& t, const std::string& a) {
             B b = t.Body(a);
             auto* r = b.mutable_credential_compromise_reported();
             r->set_report_id(t.Id("rep"));
             r->set_user_id("pe");
             r->add_credential_ids(t.signers_.at("pe").credential_id);
             r->set_discovered_at_us(t.clock_.NowMicros() - 10 * school::kMicrosPerMinute);
             r->set_reported_to_id(a);
             return b;
           }},
          {"CredentialCompromiseActRecorded",
           B::kCredentialCompromiseActRecorded,
           {v1::ROLE_ADMIN, v1::ROLE_DIRECTOR},
           [](T& t, const std::string& a) {
             auto cred = t.ledger_->IssueCredential("pe", crypto::KeyType::kEd25519);
             EXPECT_TRUE(cred.has_value());
             return t.ActBody(a, {.act_id = t.Id("act"),
                                  .act_number = "1/2025",
                                  .act_date = t.D(2025, 8, 25),
                                  .affected_user = "pe",
                                  .credential_id = cred->credential_id});
           }},
          // R-ACC-3: a parent acknowledges only their own child's diary (parent is s1's guardian).
          {"DiaryAcknowledged(electronic, own child)",
           B::kDiaryAcknowledged,
           {v1::ROLE_PARENT},
           [](T& t, const std::string& a) {
             B b = t.Body(a);
             auto* ack = b.mutable_diary_acknowledged();
             ack->set_guardian_id(a);
             ack->set_student_id("s1");
             *ack->mutable_week_start() = t.Date(t.mon_);
             ack->set_as_of_sequence(t.State().size());
             ack->set_channel(v1::ACKNOWLEDGEMENT_CHANNEL_ELECTRONIC);
             return b;
           },
           [](T& t) { t.At(t.mon_, "19:00"); },
           "R-ACC-3"},
          {"DiaryAcknowledged(paper, own class)",
           B::kDiaryAcknowledged,
           {v1::ROLE_CLASS_TEACHER},
           [](T& t, const std::string& a) {
             B b = t.Body(a);
             auto* ack = b.mutable_diary_acknowledged();
             ack->set_guardian_id("parent");
             ack->set_student_id("s1");
             *ack->mutable_week_start() = t.Date(t.mon_);
             ack->set_as_of_sequence(t.State().size());
             ack->set_channel(v1::ACKNOWLEDGEMENT_CHANNEL_PAPER);
             return b;
           },
           [](T& t) { t.At(t.mon_, "19:00"); }},
          // R-MSG-1: staff and parents write to the administration; a student to their teachers
          // only.
          {"MessageSent(to a deputy)",
           B::kMessageSent,
           {v1::ROLE_ADMIN, v1::ROLE_DIRECTOR, v1::ROLE_DEPUTY, v1::ROLE_METHODIST,
            v1::ROLE_TEACHER, v1::ROLE_CLASS_TEACHER, v1::ROLE_SECRETARY, v1::ROLE_SOCIAL_PEDAGOGUE,
            v1::ROLE_PSYCHOLOGIST, v1::ROLE_PARENT, v1::ROLE_AUDITOR},
           [](T& t, const std::string& a) { return t.MessageBody(a, "deputy2"); },
           nullptr,
           "R-MSG-1"},
          // Every participant reads their conversation (begun here by a deputy, who writes to all).
          {"MessagesRead(own conversation)", B::kMessagesRead, kAll,
           [](T& t, const std::string& a) {
             B first = t.MessageBody("deputy2", a);
             t.MustSubmit(first);
             B b = t.Body(a);
             b.mutable_messages_read()->set_conversation_id(first.message_sent().conversation_id());
             b.mutable_messages_read()->set_message_id(first.message_sent().message_id());
             return b;
           }},
          // R-MSG-2: the administration announces to anyone; a class teacher to their own class.
          {"AnnouncementPublished(5a's parents)",
           B::kAnnouncementPublished,
           {v1::ROLE_ADMIN, v1::ROLE_DIRECTOR, v1::ROLE_DEPUTY, v1::ROLE_CLASS_TEACHER},
           [](T& t, const std::string& a) { return t.AnnouncementBody(a, "5a"); },
           nullptr,
           "R-MSG-2"},
          {"AnnouncementWithdrawn(the director's)",
           B::kAnnouncementWithdrawn,
           {v1::ROLE_ADMIN, v1::ROLE_DIRECTOR, v1::ROLE_DEPUTY},
           [](T& t, const std::string& a) {
             B published = t.AnnouncementBody("director", "5a");
             t.MustSubmit(published);
             B b = t.Body(a);
             b.mutable_announcement_withdrawn()->set_announcement_id(
                 published.announcement_published().announcement_id());
             b.mutable_announcement_withdrawn()->set_reason("собрание перенесено");
             return b;
           },
           nullptr,
           "R-MSG-2"},
          // R-MSG-5: the director or the administrator ends a retention period.
          {"MessagesErased",
           B::kMessagesErased,
           {v1::ROLE_ADMIN, v1::ROLE_DIRECTOR},
           [](T& t, const std::string& a) {
             B b = t.Body(a);
             *b.mutable_messages_erased()->mutable_before() = t.Date(t.D(2025, 1, 1));
             b.mutable_messages_erased()->set_order_number("Приказ № 5 от 01.09.2025");
             return b;
           }},
          // R-MSG-2: the class's teachers, its class teacher and the administration ask its
          // parents; a guardian answers for the family; the author or the administration ends it.
          {"SurveyPublished(5a's parents)",
           B::kSurveyPublished,
           {v1::ROLE_ADMIN, v1::ROLE_DIRECTOR, v1::ROLE_DEPUTY, v1::ROLE_TEACHER,
            v1::ROLE_CLASS_TEACHER},
           [](T& t, const std::string& a) { return t.SurveyBody(a); },
           nullptr,
           "R-MSG-2"},
          {"SurveyAnswered(for s1)",
           B::kSurveyAnswered,
           {v1::ROLE_PARENT},
           [](T& t, const std::string& a) {
             B asked = t.SurveyBody("director");
             t.MustSubmit(asked);
             B b = t.Body(a);
             b.mutable_survey_answered()->set_survey_id(asked.survey_published().survey_id());
             b.mutable_survey_answered()->set_student_id("s1");
             b.mutable_survey_answered()->set_option(1);
             return b;
           },
           nullptr,
           "R-MSG-2"},
          {"SurveyClosed(the director's)",
           B::kSurveyClosed,
           {v1::ROLE_ADMIN, v1::ROLE_DIRECTOR, v1::ROLE_DEPUTY},
           [](T& t, const std::string& a) {
             B asked = t.SurveyBody("director");
             t.MustSubmit(asked);
             B b = t.Body(a);
             b.mutable_survey_closed()->set_survey_id(asked.survey_published().survey_id());
             return b;
           },
           nullptr,
           "R-MSG-2"},
      };
  return rows;
}

TEST_P(RightsMatrixTest, RolesWriteExactlyWhatTheTableAllows_R_ACC_2) {
  RunRow(Rows()[GetParam()]);
}

std::string RowName(const ::testing::TestParamInfo<size_t>& info) {
  std::string out;
  for (char c : std::string(Rows()[info.param].name)) {
    if (std::isalnum(static_cast<unsigned char>(c))) out += c;
    if (c == '(' || c == ',' || c == ' ') out += '_';
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(RightsMatrix, RightsMatrixTest, ::testing::Range<size_t>(0, Rows().size()),
                         RowName);

// The table covers every event type of the payload oneof, so that a new event type cannot slip
// in without its rights being decided here.
TEST(RightsMatrixCoverage, EveryPayloadOfTheOneofHasARow) {
  const auto* oneof = B::descriptor()->FindOneofByName("payload");
  ASSERT_NE(oneof, nullptr);
  std::set<int> in_schema, in_table;
  for (int i = 0; i < oneof->field_count(); ++i) in_schema.insert(oneof->field(i)->number());
  for (const auto& row : Rows()) in_table.insert(static_cast<int>(row.payload));
  EXPECT_EQ(in_table, in_schema);
  EXPECT_EQ(in_schema.size(), 58u);
}

// Row-relative rights stop at their scope (R-ACC-2): the class teacher of 5a acts on nothing of
// 9a's student n1; the teacher of math writes no Russian lesson, plan or term mark; a parent
// acknowledges no other child (R-ACC-3). Each refusal is paired with the same event in scope.
class RightsMatrixScopeTest : public RightsMatrixTest {};
TEST_F(RightsMatrixScopeTest, ClassTeacherTeacherAndParentRightsStopAtTheirScope) {
  auto expect = [&](const std::string& what, const std::function<B(const std::string&)>& make,
                    const std::string& in_scope, const std::string& out_of_scope,
                    const char* rule = "R-ACC-2") {
    EXPECT_TRUE(IsRefused(Submit(make(out_of_scope)), StatusCode::kPermissionDenied, rule))
        << what << " for " << out_of_scope;
    auto ok = Submit(make(in_scope));
    EXPECT_TRUE(ok.has_value()) << what << " for " << in_scope << ": "
                                << (ok ? std::string() : ok.error().ToString());
  };
  At(mon_, "09:30");
  MustSubmit(AbsenceBody("math", "math-9a-1", "n1"));
  MustSubmit(AbsenceBody("math", "math-5a-1", "s3"));
  // The teacher (math): the lessons of math in 5a in scope, Russian's not.
  expect(
      "homework",
      [&](const std::string& lesson) { return HomeworkBody("math", Id("hw"), lesson, "№ 5"); },
      "math-5a-1", "rus-5a-1");
  At(mon_, "19:00");
  // The class teacher (cto, 5a): s2/s3 of 5a in scope, n1 of 9a not.
  expect(
      "profile",
      [&](const std::string& st) {
        B b = Body("cto");
        b.mutable_user_profile_changed()->set_user_id(st);
        b.mutable_user_profile_changed()->set_display_name("Новое имя");
        return b;
      },
      "s2", "n1");
  expect(
      "guardian",
      [&](const std::string& st) {
        B b = Body("cto");
        b.mutable_guardian_linked()->set_guardian_id("parent2");
        b.mutable_guardian_linked()->set_student_id(st);
        return b;
      },
      "s3", "n1");
  expect(
      "exemption",
      [&](const std::string& st) {
        B b = Body("cto");
        auto* e = b.mutable_medical_pe_exemption_recorded();
        e->set_exemption_id(Id("ex"));
        e->set_student_id(st);
        *e->mutable_dates() = Range(D(2025, 10, 1), D(2025, 10, 31));
        return b;
      },
      "s2", "n1");
  expect(
      "consent",
      [&](const std::string& st) {
        B b = Body("cto");
        auto* c = b.mutable_personal_data_consent_recorded();
        c->set_given_by_id("parent2");
        c->set_student_id(st);
        c->set_state(v1::CONSENT_STATE_GIVEN);
        return b;
      },
      "s2", "n1");
  expect(
      "paper diary",
      [&](const std::string& st) {
        B b = Body("cto");
        b.mutable_paper_diary_preference_set()->set_guardian_id("parent2");
        b.mutable_paper_diary_preference_set()->set_student_id(st);
        b.mutable_paper_diary_preference_set()->set_paper_printout(true);
        return b;
      },
      "s2", "n1");
  expect(
      "absence reason",
      [&](const std::string& st) {
        B b = Body("cto");
        b.mutable_absence_reason_set()->set_student_id(st);
        b.mutable_absence_reason_set()->set_reason(v1::ABSENCE_REASON_VALID);
        b.mutable_absence_reason_set()->add_lesson_ids(st == "n1" ? "math-9a-1" : "math-5a-1");
        return b;
      },
      "s3", "n1", "R-ATT-2");
  expect(
      "enrolment",
      [&](const std::string& cls) {
        const std::string student = Id("new");
        AddUser(student, {v1::ROLE_STUDENT});
        B b = Body("cto");
        b.mutable_student_enrolled()->set_student_id(student);
        b.mutable_student_enrolled()->set_class_id(cls);
        *b.mutable_student_enrolled()->mutable_enrolled_on() = Date(mon_);
        return b;
      },
      "5a", "9a");
  // The teacher (math): the plan of math in 5a in scope, Russian's not.
  expect(
      "plan",
      [&](const std::string& subject) {
        B b = Body("math");
        auto* p = b.mutable_planned_topics_set();
        p->set_plan_id(Id("plan"));
        p->set_class_id("5a");
        p->set_subject_id(subject);
        p->set_academic_year_id("2025");
        p->set_term_number(1);
        return b;
      },
      "math", "russian");
  // The parent: their child s1 in scope, s2 not (R-ACC-3).
  expect(
      "acknowledgement",
      [&](const std::string& st) {
        B b = Body("parent");
        auto* ack = b.mutable_diary_acknowledged();
        ack->set_guardian_id("parent");
        ack->set_student_id(st);
        *ack->mutable_week_start() = Date(mon_);
        ack->set_as_of_sequence(State().size());
        ack->set_channel(v1::ACKNOWLEDGEMENT_CHANNEL_ELECTRONIC);
        return b;
      },
      "s1", "s2", "R-ACC-3");
}

// The players hold exactly one role each, so that a row tests that role alone.
class RightsMatrixPlayersTest : public RightsMatrixTest {};
TEST_F(RightsMatrixPlayersTest, EachPlayerHoldsExactlyTheirRole) {
  for (const auto& p : kPlayers) {
    const school::User* u = School().FindUser(p.user);
    ASSERT_NE(u, nullptr) << p.user;
    EXPECT_EQ(u->roles, school::RoleBit(p.role)) << p.user;
  }
}

}  // namespace
}  // namespace ejournal::testing
