#include "tests/support/school_fixture.h"

#include "ledger/event_codec.h"
#include "tests/support/status_matchers.h"

namespace ejournal::testing {
namespace {

v1::DateRange Range(school::Day first, school::Day last) {
  v1::DateRange r;
  *r.mutable_first_day() = school::DateOf(first);
  *r.mutable_last_day() = school::DateOf(last);
  return r;
}

}  // namespace

school::Day SchoolFixture::D(int year, int month, int day) {
  v1::Date d;
  d.set_year(year);
  d.set_month(month);
  d.set_day(day);
  return school::DayOf(d).value();
}

void SchoolFixture::At(school::Day day, const std::string& hhmm) {
  const int minutes = std::stoi(hhmm.substr(0, 2)) * 60 + std::stoi(hhmm.substr(3, 2));
  auto zone = school::SchoolZone::Find(kZone).value();
  clock_.Set(zone.InstantOf(day, minutes));
}

v1::EventBody SchoolFixture::Body(const std::string& user) {
  auto it = signers_.find(user);
  EXPECT_NE(it, signers_.end()) << "no signer for " << user;
  v1::EventBody body = ledger_->NewBody(it->second);
  return body;
}

Result<AppendResult> SchoolFixture::Submit(const v1::EventBody& body) {
  auto it = signers_.find(body.actor_id());
  if (it == signers_.end()) return Err(StatusCode::kInternal, "no signer for " + body.actor_id());
  last_event_id_ = body.event_id();
  return ledger_->Submit(body, it->second);
}

uint64_t SchoolFixture::MustSubmit(const v1::EventBody& body) {
  auto r = Submit(body);
  EXPECT_TRUE(r.has_value()) << body.ShortDebugString() << "\n -> " << r.error().ToString();
  return r ? r->sequence : 0;
}

void SchoolFixture::SetUp() {
  auto created = SignedLedger::Create(dir_.path(), &clock_);
  ASSERT_TRUE(created.has_value()) << created.error().ToString();
  ledger_ = std::move(*created);
  ledger_->EnableSchoolRules();
  ASSERT_OK(ledger_->Open());
  At(D(2025, 8, 25), "09:00");

  // Bootstrap by the node: the school and its first administrator.
  Signer node = ledger_->NodeSigner();
  signers_.emplace("node", node);
  {
    v1::EventBody b = Body("node");
    b.mutable_school_registered()->set_name("МБОУ СОШ № 1");
    b.mutable_school_registered()->set_time_zone(kZone);
    MustSubmit(b);
    b = Body("node");
    auto* u = b.mutable_user_registered();
    u->set_user_id("admin");
    u->add_roles(v1::ROLE_ADMIN);
    u->set_login_name("admin");
    MustSubmit(b);
    auto admin = ledger_->IssueCredential("admin", crypto::KeyType::kEd25519);
    ASSERT_TRUE(admin.has_value()) << admin.error().ToString();
    signers_.emplace("admin", std::move(*admin));
  }
  // The year: quarters, autumn holidays, adaptation 1-15 Sep.
  {
    v1::EventBody b = Body("admin");
    auto* y = b.mutable_academic_year_defined();
    y->set_academic_year_id("2025");
    *y->mutable_dates() = Range(D(2025, 9, 1), D(2026, 5, 31));
    auto* scheme = y->add_term_schemes();
    scheme->set_grade_from(1);
    scheme->set_grade_to(11);
    scheme->set_kind(v1::TERM_KIND_QUARTER);
    const school::Day bounds[4][2] = {{D(2025, 9, 1), D(2025, 10, 24)},
                                      {D(2025, 11, 5), D(2025, 12, 28)},
                                      {D(2026, 1, 12), D(2026, 3, 20)},
                                      {D(2026, 3, 30), D(2026, 5, 26)}};
    for (int i = 0; i < 4; ++i) {
      auto* t = scheme->add_terms();
      t->set_number(i + 1);
      *t->mutable_dates() = Range(bounds[i][0], bounds[i][1]);
    }
    auto* h = y->add_holidays();
    *h->mutable_dates() = Range(D(2025, 10, 25), D(2025, 11, 4));
    h->set_kind(v1::HOLIDAY_KIND_VACATION);
    h->set_name("осенние каникулы");
    *y->mutable_adaptation_period() = Range(D(2025, 9, 1), D(2025, 9, 15));
    MustSubmit(b);
  }
  auto subject = [&](const std::string& id, const std::string& name, v1::SubjectKind kind) {
    v1::EventBody b = Body("admin");
    b.mutable_subject_defined()->set_subject_id(id);
    b.mutable_subject_defined()->set_name(name);
    b.mutable_subject_defined()->set_kind(kind);
    MustSubmit(b);
  };
  subject("math", "Математика", v1::SUBJECT_KIND_OTHER);
  subject("russian", "Русский язык", v1::SUBJECT_KIND_RUSSIAN_LANGUAGE);
  subject("pe", "Физическая культура", v1::SUBJECT_KIND_PHYSICAL_EDUCATION);

  auto user = [&](const std::string& id, std::initializer_list<v1::Role> roles) {
    AddUser(id, roles);
  };
  user("director", {v1::ROLE_DIRECTOR});
  user("deputy", {v1::ROLE_DEPUTY});
  user("deputy2", {v1::ROLE_DEPUTY});
  user("methodist", {v1::ROLE_METHODIST});
  user("math", {v1::ROLE_TEACHER});
  user("russian", {v1::ROLE_TEACHER});
  user("pe", {v1::ROLE_TEACHER});
  user("sub", {v1::ROLE_TEACHER});
  user("ct", {v1::ROLE_TEACHER, v1::ROLE_CLASS_TEACHER});
  user("secretary", {v1::ROLE_SECRETARY});
  user("parent", {v1::ROLE_PARENT});
  user("parent2", {v1::ROLE_PARENT});
  for (const char* s : {"s1", "s2", "s3", "f1", "n1"}) user(s, {v1::ROLE_STUDENT});
  user("auditor", {v1::ROLE_AUDITOR});

  auto klass = [&](const std::string& id, int grade, const std::string& ct) {
    v1::EventBody b = Body("admin");
    auto* c = b.mutable_class_created();
    c->set_class_id(id);
    c->set_academic_year_id("2025");
    c->set_grade(grade);
    c->set_letter("А");
    c->set_class_teacher_id(ct);
    MustSubmit(b);
  };
  klass("5a", 5, "ct");
  klass("1a", 1, "");
  klass("9a", 9, "");
  auto enroll = [&](const std::string& student, const std::string& cls) {
    v1::EventBody b = Body("admin");
    b.mutable_student_enrolled()->set_student_id(student);
    b.mutable_student_enrolled()->set_class_id(cls);
    *b.mutable_student_enrolled()->mutable_enrolled_on() = Date(D(2025, 9, 1));
    MustSubmit(b);
  };
  for (const char* s : {"s1", "s2", "s3"}) enroll(s, "5a");
  enroll("f1", "1a");
  enroll("n1", "9a");
  auto guardian = [&](const std::string& g, const std::string& s) {
    v1::EventBody b = Body("admin");
    b.mutable_guardian_linked()->set_guardian_id(g);
    b.mutable_guardian_linked()->set_student_id(s);
    MustSubmit(b);
  };
  guardian("parent", "s1");
  guardian("parent2", "s2");
  auto load = [&](const std::string& id, const std::string& teacher, const std::string& cls,
                  const std::string& subject_id, int hours) {
    v1::EventBody b = Body("admin");
    auto* l = b.mutable_teaching_load_assigned();
    l->set_load_id(id);
    l->set_teacher_id(teacher);
    l->set_class_id(cls);
    l->set_subject_id(subject_id);
    l->set_weekly_hours(hours);
    l->set_academic_year_id("2025");
    MustSubmit(b);
  };
  load("l-math-5a", "math", "5a", "math", 5);
  load("l-math-9a", "math", "9a", "math", 4);
  load("l-rus-5a", "russian", "5a", "russian", 2);
  load("l-rus-1a", "russian", "1a", "russian", 1);
  load("l-pe-5a", "pe", "5a", "pe", 3);
  {
    v1::EventBody b = Body("admin");
    auto* bell = b.mutable_bell_schedule_set();
    bell->set_bell_schedule_id("main");
    bell->set_name("основное");
    const int starts[] = {8 * 60 + 30,  9 * 60 + 25,  10 * 60 + 30,
                          11 * 60 + 35, 12 * 60 + 40, 13 * 60 + 40};
    for (int i = 0; i < 6; ++i) {
      auto* p = bell->add_periods();
      p->set_number(i + 1);
      p->set_start_minutes(starts[i]);
      p->set_end_minutes(starts[i] + 45);
    }
    MustSubmit(b);
  }
  const school::Day mon = D(2025, 10, 6);
  MustSubmit(ScheduleLesson("math-5a-1", "5a", "math", "math", mon, 1));
  MustSubmit(ScheduleLesson("rus-5a-1", "5a", "russian", "russian", mon, 2));
  MustSubmit(ScheduleLesson("pe-5a-1", "5a", "pe", "pe", mon, 3));
  MustSubmit(ScheduleLesson("rus-1a-1", "1a", "russian", "russian", mon, 1));
  MustSubmit(ScheduleLesson("math-9a-1", "9a", "math", "math", mon, 2));
  MustSubmit(ScheduleLesson("math-5a-2", "5a", "math", "math", D(2025, 10, 8), 1));
  MustSubmit(ScheduleLesson("math-5a-sep", "5a", "math", "math", D(2025, 9, 8), 1));
}

v1::EventBody SchoolFixture::ScheduleLesson(const std::string& lesson_id,
                                            const std::string& class_id,
                                            const std::string& subject_id,
                                            const std::string& teacher, school::Day day, int period,
                                            const std::string& subgroup) {
  v1::EventBody b = Body("methodist");
  auto* l = b.mutable_lesson_scheduled();
  l->set_lesson_id(lesson_id);
  l->set_class_id(class_id);
  l->set_subgroup_id(subgroup);
  l->set_subject_id(subject_id);
  l->set_teacher_id(teacher);
  *l->mutable_date() = Date(day);
  l->set_period(period);
  *b.mutable_business_date() = Date(day);
  return b;
}

void SchoolFixture::AddUser(const std::string& id, std::initializer_list<v1::Role> roles) {
  v1::EventBody b = Body("admin");
  auto* u = b.mutable_user_registered();
  u->set_user_id(id);
  for (auto r : roles) u->add_roles(r);
  u->set_login_name(id);
  u->set_display_name(id);
  MustSubmit(b);
  auto signer = ledger_->IssueCredential(id, crypto::KeyType::kEd25519);
  ASSERT_TRUE(signer.has_value()) << signer.error().ToString();
  signers_.insert_or_assign(id, std::move(*signer));
}

school::Day SchoolFixture::LessonDay(const std::string& lesson_id) const {
  const school::Lesson* l = School().FindLesson(lesson_id);
  return l == nullptr ? school::kNoDay : l->date;
}

v1::EventBody SchoolFixture::MarkBody(const std::string& teacher, const std::string& mark_id,
                                      const std::string& lesson_id, const std::string& student,
                                      int value, v1::WorkType work, int second) {
  v1::EventBody b = Body(teacher);
  auto* m = b.mutable_mark_recorded();
  m->set_mark_id(mark_id);
  m->set_lesson_id(lesson_id);
  m->set_student_id(student);
  m->mutable_value()->set_value(value);
  m->mutable_value()->set_second_value(second);
  m->set_work_type(work);
  if (LessonDay(lesson_id) != school::kNoDay)
    *b.mutable_business_date() = Date(LessonDay(lesson_id));
  return b;
}

v1::EventBody SchoolFixture::AbsenceBody(const std::string& teacher, const std::string& lesson_id,
                                         const std::string& student, v1::AttendanceStatus status) {
  v1::EventBody b = Body(teacher);
  auto* a = b.mutable_attendance_recorded();
  a->set_lesson_id(lesson_id);
  a->set_student_id(student);
  a->set_status(status);
  if (status == v1::ATTENDANCE_STATUS_LATE) a->set_minutes_late(10);
  if (LessonDay(lesson_id) != school::kNoDay)
    *b.mutable_business_date() = Date(LessonDay(lesson_id));
  return b;
}

v1::EventBody SchoolFixture::ConductedBody(const std::string& teacher, const std::string& lesson_id,
                                           const std::string& topic, v1::LessonKind kind) {
  v1::EventBody b = Body(teacher);
  auto* c = b.mutable_lesson_conducted();
  c->set_lesson_id(lesson_id);
  c->set_topic(topic);
  c->set_kind(kind);
  if (kind == v1::LESSON_KIND_DISTANCE || kind == v1::LESSON_KIND_EXTRACURRICULAR) {
    c->set_order_number("приказ 12");
  }
  if (LessonDay(lesson_id) != school::kNoDay) {
    *b.mutable_business_date() = Date(LessonDay(lesson_id));
    // R-LES-2: an extracurricular session records the day it was held (here: the lesson's).
    if (kind == v1::LESSON_KIND_EXTRACURRICULAR) *c->mutable_held_on() = Date(LessonDay(lesson_id));
  }
  return b;
}

v1::EventBody SchoolFixture::HomeworkBody(const std::string& teacher,
                                          const std::string& homework_id,
                                          const std::string& lesson_id, const std::string& text) {
  v1::EventBody b = Body(teacher);
  auto* h = b.mutable_homework_assigned();
  h->set_homework_id(homework_id);
  h->set_lesson_id(lesson_id);
  h->set_text(text);
  if (LessonDay(lesson_id) != school::kNoDay)
    *b.mutable_business_date() = Date(LessonDay(lesson_id));
  return b;
}

v1::EventBody SchoolFixture::CorrectionBody(const std::string& teacher,
                                            const std::string& request_id,
                                            const std::string& mark_id, int new_value,
                                            const std::string& reason) {
  v1::EventBody b = Body(teacher);
  auto* r = b.mutable_correction_requested();
  r->set_request_id(request_id);
  r->mutable_target()->set_mark_id(mark_id);
  r->set_reason(reason);
  const auto& marks = School().marks;
  auto it = marks.find(mark_id);
  if (it != marks.end()) {
    const auto* v = it->second.LastValid(State());
    if (v != nullptr) r->set_original_event_id(std::string(State().EventIdOf(v->value_seq)));
    auto* m = r->mutable_mark();
    m->set_mark_id(mark_id);
    m->set_lesson_id(std::string(it->second.lesson_id));
    m->set_student_id(std::string(it->second.student_id));
    m->mutable_value()->set_value(new_value);
    m->set_work_type(v != nullptr ? v->value.work_type : v1::WORK_TYPE_ANSWER_IN_CLASS);
    *b.mutable_business_date() = Date(LessonDay(std::string(it->second.lesson_id)));
  }
  return b;
}

v1::EventBody SchoolFixture::TermMarkBody(const std::string& teacher, const std::string& student,
                                          const std::string& subject, v1::PeriodKind kind, int term,
                                          int value, v1::AttestationStatus status) {
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

v1::EventBody SchoolFixture::ApproveBody(const std::string& deputy, const std::string& request_id) {
  v1::EventBody b = Body(deputy);
  b.mutable_correction_approved()->set_request_id(request_id);
  return b;
}

v1::EventBody SchoolFixture::SubstitutionBody(
    const std::string& actor, const std::string& substitution_id, const std::string& lesson_id,
    const std::string& absent_teacher, const std::string& reason, const std::string& substitute) {
  v1::EventBody b = Body(actor);
  auto* s = b.mutable_substitution_assigned();
  s->set_substitution_id(substitution_id);
  s->add_lesson_ids(lesson_id);
  s->set_absent_teacher_id(absent_teacher);
  s->set_substitute_teacher_id(substitute);
  s->set_reason(reason);
  return b;
}

v1::CredentialCompromiseActRecorded SchoolFixture::ActPayload(const ActFields& fields) const {
  const int64_t now = clock_.NowMicros();
  v1::CredentialCompromiseActRecorded act;
  act.set_act_id(fields.act_id);
  act.set_act_number(fields.act_number);
  const school::Day day = fields.act_date != school::kNoDay
                              ? fields.act_date
                              : school::SchoolZone::Find(kZone)->LocalDay(now);
  *act.mutable_act_date() = Date(day);
  act.add_commission()->set_user_id("director");
  act.set_affected_user_id(fields.affected_user);
  act.add_affected_credential_ids(fields.credential_id.empty()
                                      ? signers_.at(fields.affected_user).credential_id
                                      : fields.credential_id);
  act.set_invalid_from_us(fields.invalid_from_us != 0 ? fields.invalid_from_us
                                                      : now - school::kMicrosPerMinute);
  return act;
}

v1::EventBody SchoolFixture::ActBody(const std::string& actor, const ActFields& fields) {
  v1::EventBody b = Body(actor);
  *b.mutable_credential_compromise_act_recorded() = ActPayload(fields);
  return b;
}

}  // namespace ejournal::testing
