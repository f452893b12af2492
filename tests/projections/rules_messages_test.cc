// The communication rules (projections/rules_messages.cc, projections/communication.h): who may
// write to whom (R-MSG-1), one family per conversation, replies and read receipts, and who an
// announcement reaches (R-MSG-2); the alerts the journal raises itself (R-MSG-3). The fixture and
// conventions: rules_fixture.h. The texts themselves are the message store's
// (tests/api/messages_test.cc); here the events carry a well-formed reference.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <tuple>
#include <vector>

#include "projections/alerts.h"
#include "projections/communication.h"
#include "tests/projections/rules_fixture.h"

namespace ejournal::testing {
namespace {

using school::Day;

class MessagesRulesTest : public RulesTest {
 protected:
  void SetUp() override {
    RulesTest::SetUp();
    if (HasFatalFailure()) return;
    // A parent of 9a's n1, and a teacher with no class at all.
    AddUser("parent9", {v1::ROLE_PARENT});
    v1::EventBody link = Body("admin");
    link.mutable_guardian_linked()->set_guardian_id("parent9");
    link.mutable_guardian_linked()->set_student_id("n1");
    MustSubmit(link);
    At(mon_, "12:00");
  }
  static v1::DocumentRef Text(int64_t size = 80) {
    v1::DocumentRef d;
    d.set_sha256(std::string(32, '\x11'));
    d.set_media_type("text/plain");
    d.set_size_bytes(size);
    return d;
  }
  v1::EventBody Message(const std::string& from, const std::vector<std::string>& to,
                        const std::string& conversation = "", int64_t size = 80) {
    v1::EventBody b = Body(from);
    auto* m = b.mutable_message_sent();
    m->set_message_id("msg-" + std::to_string(++n_));
    m->set_conversation_id(conversation.empty() ? "conv-" + std::to_string(n_) : conversation);
    for (const auto& r : to) m->add_recipient_ids(r);
    *m->mutable_content() = Text(size);
    return b;
  }
  v1::EventBody Read(const std::string& who, const std::string& conversation,
                     const std::string& message) {
    v1::EventBody b = Body(who);
    b.mutable_messages_read()->set_conversation_id(conversation);
    b.mutable_messages_read()->set_message_id(message);
    return b;
  }
  v1::EventBody Announce(const std::string& from, v1::AudienceKind kind,
                         const std::string& class_id = "", int grade = 0) {
    v1::EventBody b = Body(from);
    auto* a = b.mutable_announcement_published();
    a->set_announcement_id("ann-" + std::to_string(++n_));
    a->mutable_audience()->set_kind(kind);
    a->mutable_audience()->set_class_id(class_id);
    a->mutable_audience()->set_grade(grade);
    *a->mutable_content() = Text();
    return b;
  }
  bool Reaches(const std::string& announcement, const std::string& user) {
    const auto& s = School();
    return school::Reaches(s, s.announcements[s.announcement_index.at(announcement)],
                           *s.FindUser(user), mon_);
  }
  int n_ = 0;
};

// R-MSG-1: who may begin a conversation with whom. A teacher with the families of the classes they
// teach (math: 5a and 9a) and staff; a parent with their child's teachers, class teacher and the
// administration; a student with their own teachers; never a family with another family.
TEST_F(MessagesRulesTest, R_MSG_1_WhoWritesToWhom) {
  struct Case {
    const char* from;
    const char* to;
    bool may;
  };
  const Case cases[] = {
      {"math", "parent", true},       // teaches s1's class
      {"math", "parent9", true},      // teaches 9a too
      {"russian", "parent9", false},  // teaches 5a and 1a, not 9a
      {"sub", "parent", false},       // teaches no class
      {"ct", "parent2", true},        // class teacher of 5a
      {"director", "parent9", true},  // the administration: every family
      {"secretary", "parent", false},  {"math", "russian", true},     // staff with each other
      {"secretary", "director", true}, {"parent", "math", true},      // their child's teacher
      {"parent", "ct", true},                                         // their child's class teacher
      {"parent", "deputy", true},                                     // the administration
      {"parent", "sub", false},        {"parent", "parent2", false},  // never another family
      {"parent", "s2", false},         {"s1", "math", true},  // a student with their teachers
      {"s1", "director", false},       {"s1", "s2", false},          {"n1", "russian", false},
  };
  for (const Case& c : cases) {
    auto r = Submit(Message(c.from, {c.to}));
    if (c.may) {
      EXPECT_TRUE(r.has_value()) << c.from << " -> " << c.to << ": " << r.error().ToString();
    } else {
      EXPECT_TRUE(IsRefused(r, kDenied, "R-MSG-1")) << c.from << " -> " << c.to;
    }
  }
  // The refusal says why, in Russian.
  EXPECT_TRUE(Refused(Submit(Message("parent", {"parent2"})), kDenied, "R-MSG-1", "не друг другу"));
  // Nobody outside the school, nobody twice, nobody at all.
  EXPECT_TRUE(
      Refused(Submit(Message("math", {"someone-else"})), kRefused, "R-MSG-1", "нет пользователя"));
  EXPECT_TRUE(IsRefused(Submit(Message("math", {"parent", "parent"})), kMalformed, "R-MSG-1"));
  EXPECT_TRUE(IsRefused(Submit(Message("math", {})), kMalformed, "R-MSG-1"));
}

// R-MSG-1: a conversation holds staff and one family at most (a parent and their own child), so
// that no parent sees another family's contacts.
TEST_F(MessagesRulesTest, R_MSG_1_OneFamilyPerConversation) {
  EXPECT_TRUE(
      Refused(Submit(Message("math", {"parent", "parent2"})), kRefused, "R-MSG-1", "одна семья"));
  MustSubmit(Message("math", {"parent", "s1", "ct"}));
  MustSubmit(Message("ct", {"parent2", "s2", "deputy"}));
}

// R-MSG-1: replies go to the conversation's participants, by a participant; a read receipt only
// by a participant, of a message of that conversation; the unread count follows both.
TEST_F(MessagesRulesTest, R_MSG_1_RepliesAndReadReceipts) {
  MustSubmit(Message("math", {"parent"}, "c1"));
  const school::Conversation& c = School().conversations.at("c1");
  EXPECT_EQ(c.UnreadBy("parent"), 1u);
  EXPECT_EQ(c.UnreadBy("math"), 0u);
  EXPECT_TRUE(Refused(Submit(Message("parent2", {}, "c1")), kDenied, "R-MSG-1", "не участник"));
  EXPECT_TRUE(
      Refused(Submit(Message("parent", {"math"}, "c1")), kMalformed, "R-MSG-1", "всем участникам"));
  const std::string first = School().conversations.at("c1").messages[0].id;
  EXPECT_TRUE(IsRefused(Submit(Read("parent2", "c1", first)), kDenied, "R-MSG-1"));
  EXPECT_TRUE(IsRefused(Submit(Read("parent", "c1", "no-such")), kRefused, "R-MSG-1"));
  EXPECT_TRUE(IsRefused(Submit(Read("parent", "no-such", first)), kRefused, "R-MSG-1"));
  MustSubmit(Read("parent", "c1", first));
  EXPECT_EQ(School().conversations.at("c1").UnreadBy("parent"), 0u);
  MustSubmit(Message("parent", {}, "c1"));  // the reply
  EXPECT_EQ(School().conversations.at("c1").UnreadBy("math"), 1u);
  EXPECT_EQ(School().conversations.at("c1").messages.size(), 2u);
}

// R-MSG-1, R-MSG-5: a message names its text in the message store by hash and size: none, an
// empty one or one over 64 KiB is refused.
TEST_F(MessagesRulesTest, R_MSG_1_TheTextIsAWellFormedReference) {
  EXPECT_TRUE(IsRefused(Submit(Message("math", {"parent"}, "", 0)), kMalformed, "R-MSG-1"));
  EXPECT_TRUE(Refused(Submit(Message("math", {"parent"}, "", (64 << 10) + 1)), kMalformed,
                      "R-MSG-1", "64 КиБ"));
  v1::EventBody no_hash = Message("math", {"parent"});
  no_hash.mutable_message_sent()->mutable_content()->clear_sha256();
  EXPECT_TRUE(IsRefused(Submit(no_hash), kMalformed, "R-MSG-1"));
  MustSubmit(Message("math", {"parent"}, "", 64 << 10));
}

// R-MSG-2: who may announce to whom, and who an announcement reaches: exactly its audience, and
// the administration and its author.
TEST_F(MessagesRulesTest, R_MSG_2_AnnouncementsReachExactlyTheirAudience) {
  EXPECT_TRUE(
      IsRefused(Submit(Announce("math", v1::AUDIENCE_KIND_CLASS, "5a")), kDenied, "R-MSG-2"));
  EXPECT_TRUE(Refused(Submit(Announce("ct", v1::AUDIENCE_KIND_CLASS_PARENTS, "9a")), kDenied,
                      "R-MSG-2", "своему классу"));
  EXPECT_TRUE(IsRefused(Submit(Announce("ct", v1::AUDIENCE_KIND_SCHOOL)), kDenied, "R-MSG-2"));
  EXPECT_TRUE(IsRefused(Submit(Announce("director", v1::AUDIENCE_KIND_GRADE, "", 12)), kMalformed,
                        "R-MSG-2"));
  EXPECT_TRUE(IsRefused(Submit(Announce("director", v1::AUDIENCE_KIND_UNSPECIFIED)), kMalformed,
                        "R-MSG-2"));

  MustSubmit(Announce("ct", v1::AUDIENCE_KIND_CLASS_PARENTS, "5a"));
  const std::string parents = School().announcements.back().id;
  for (const char* u : {"parent", "parent2", "ct", "director", "deputy"}) {
    EXPECT_TRUE(Reaches(parents, u)) << u;
  }
  for (const char* u : {"s1", "s2", "parent9", "n1", "math", "secretary"}) {
    EXPECT_FALSE(Reaches(parents, u)) << u;
  }
  MustSubmit(Announce("director", v1::AUDIENCE_KIND_CLASS, "5a"));
  const std::string klass = School().announcements.back().id;
  for (const char* u : {"parent", "s1", "s3"}) EXPECT_TRUE(Reaches(klass, u)) << u;
  for (const char* u : {"parent9", "n1", "f1"}) EXPECT_FALSE(Reaches(klass, u)) << u;
  MustSubmit(Announce("deputy", v1::AUDIENCE_KIND_GRADE, "", 9));
  const std::string grade = School().announcements.back().id;
  EXPECT_TRUE(Reaches(grade, "n1"));
  EXPECT_TRUE(Reaches(grade, "parent9"));
  EXPECT_FALSE(Reaches(grade, "s1"));
  MustSubmit(Announce("admin", v1::AUDIENCE_KIND_STAFF));
  const std::string staff = School().announcements.back().id;
  EXPECT_TRUE(Reaches(staff, "math"));
  EXPECT_FALSE(Reaches(staff, "parent"));
  EXPECT_FALSE(Reaches(staff, "s1"));
  MustSubmit(Announce("director", v1::AUDIENCE_KIND_SCHOOL));
  const std::string all = School().announcements.back().id;
  for (const char* u : {"math", "parent", "s1", "parent9"}) EXPECT_TRUE(Reaches(all, u)) << u;

  // Withdrawn by its author or the administration, with a reason.
  v1::EventBody w = Body("math");
  w.mutable_announcement_withdrawn()->set_announcement_id(parents);
  w.mutable_announcement_withdrawn()->set_reason("ошибка");
  EXPECT_TRUE(IsRefused(Submit(w), kDenied, "R-MSG-2"));
  v1::EventBody no_reason = Body("ct");
  no_reason.mutable_announcement_withdrawn()->set_announcement_id(parents);
  EXPECT_TRUE(IsRefused(Submit(no_reason), kMalformed, "R-MSG-2"));
  v1::EventBody by_author = Body("ct");
  by_author.mutable_announcement_withdrawn()->set_announcement_id(parents);
  by_author.mutable_announcement_withdrawn()->set_reason("собрание перенесено");
  MustSubmit(by_author);
  EXPECT_TRUE(School().announcements[School().announcement_index.at(parents)].withdrawn);
}

// R-MSG-3: each alert fires where it should and nowhere else, and the policy switches it off.
// Monday: s2 misses all three lessons (none classified), s3 misses the control work in
// mathematics; s1 gets «2» on Monday and on Wednesday in mathematics.
class AlertsTest : public MessagesRulesTest {
 protected:
  std::vector<std::string> Kinds(const std::string& student, Day today) {
    std::vector<std::string> out;
    for (const auto& a : school::AlertsOf(State(), School(), student, today)) {
      out.push_back(a.kind + (a.subject_id.empty() ? "" : ":" + a.subject_id));
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  v1::EventBody Policy(bool unexplained, int per_week) {
    v1::EventBody b = Body("director");
    auto* p = b.mutable_school_policy_set()->mutable_policy();
    p->set_alert_unexplained_absence(unexplained);
    p->set_alert_absences_per_week(per_week);
    return b;
  }
};

TEST_F(AlertsTest, R_MSG_3_EachRuleFiresWhereItShouldAndNowhereElse) {
  At(mon_, "08:40");
  v1::EventBody control = ConductedBody("math", "math-5a-1", "Контрольная работа № 1");
  auto* work = control.mutable_lesson_conducted()->add_works();
  work->set_work_type(v1::WORK_TYPE_CONTROL_WORK);
  work->set_title("Контрольная работа № 1");
  MustSubmit(control);
  MustSubmit(AbsenceBody("math", "math-5a-1", "s3"));
  MustSubmit(MarkBody("math", "m1", "math-5a-1", "s1", 2));
  for (const auto& [teacher, lesson, at] :
       {std::tuple{"math", "math-5a-1", "08:40"}, std::tuple{"russian", "rus-5a-1", "09:30"},
        std::tuple{"pe", "pe-5a-1", "10:40"}}) {
    At(mon_, at);
    MustSubmit(AbsenceBody(teacher, lesson, "s2"));
  }
  // Monday evening: nothing is unexplained yet (the class teacher has until the next day); s2
  // missed the control work too, and the only Russian and PE lessons of the quarter so far (over
  // half: «н/а» is a risk), and one of two mathematics lessons (half: not over it).
  At(mon_, "20:00");
  EXPECT_EQ(Kinds("s2", mon_),
            (std::vector<std::string>{"absences_per_week", "missed_control_work:math",
                                      "risk_not_attested:pe", "risk_not_attested:russian"}));
  EXPECT_EQ(Kinds("s3", mon_), (std::vector<std::string>{"missed_control_work:math"}));
  EXPECT_TRUE(Kinds("s1", mon_).empty());
  // Wednesday: a second «2» for s1; s2's and s3's absences are a day old and unexplained.
  At(wed_, "08:40");
  MustSubmit(MarkBody("math", "m2", "math-5a-2", "s1", 2));
  EXPECT_EQ(Kinds("s1", wed_), (std::vector<std::string>{"unsatisfactory_in_a_row:math"}));
  EXPECT_EQ(Kinds("s2", wed_),
            (std::vector<std::string>{"absences_per_week", "missed_control_work:math",
                                      "risk_not_attested:pe", "risk_not_attested:russian",
                                      "unexplained_absence:math", "unexplained_absence:pe",
                                      "unexplained_absence:russian"}));
  EXPECT_EQ(Kinds("s3", wed_),
            (std::vector<std::string>{"missed_control_work:math", "unexplained_absence:math"}));
  // A «4» ends the run of «2»; a classified absence is no longer unexplained.
  MustSubmit(MarkBody("math", "m3", "math-5a-2", "s1", 4));
  EXPECT_TRUE(Kinds("s1", wed_).empty());
  v1::EventBody reason = Body("ct");
  auto* r = reason.mutable_absence_reason_set();
  r->set_student_id("s3");
  r->set_reason(v1::ABSENCE_REASON_ILLNESS);
  r->add_lesson_ids("math-5a-1");
  MustSubmit(reason);
  EXPECT_EQ(Kinds("s3", wed_), (std::vector<std::string>{"missed_control_work:math"}));
  // A week before the quarter ends, too few marks with too few lessons left is a risk of «н/а»:
  // s1 has no Russian or PE mark (5 and 7 needed at 2 and 3 hours a week), and 2 mathematics
  // marks, which the 5 lessons left can still bring to 7.
  EXPECT_EQ(Kinds("s1", D(2025, 10, 20)),
            (std::vector<std::string>{"risk_not_attested:pe", "risk_not_attested:russian"}));
  // The alert's text names the day and the subject for people.
  const auto alerts = school::AlertsOf(State(), School(), "s2", wed_);
  bool named = false;
  for (const auto& a : alerts) named |= a.text == "Пропуск без причины: 06.10.2025, Математика";
  EXPECT_TRUE(named);
  // The policy switches rules off (0 absences a week: off).
  MustSubmit(Policy(false, 0));
  for (const auto& k : Kinds("s2", wed_)) {
    EXPECT_FALSE(k.starts_with("unexplained_absence") || k == "absences_per_week") << k;
  }
  EXPECT_TRUE(IsRefused(Submit(Policy(true, 51)), kMalformed, "R-MSG-3"));
}

}  // namespace
}  // namespace ejournal::testing

namespace ejournal::testing {
namespace {

// R-MSG-2: surveys of a class's parents (seed 001 §3.3). The class teacher, a teacher of the class
// or the administration asks; the guardians of the class's students answer, each family once,
// while it is open; its author or the administration ends it.
class SurveyRulesTest : public MessagesRulesTest {
 protected:
  v1::EventBody Ask(const std::string& from, const std::string& id, const std::string& class_id,
                    int options = 3, Day closes = school::kNoDay) {
    v1::EventBody b = Body(from);
    auto* v = b.mutable_survey_published();
    v->set_survey_id(id);
    v->set_class_id(class_id);
    v1::DocumentRef d;
    d.set_sha256(std::string(32, '\x22'));
    d.set_media_type("text/plain");
    d.set_size_bytes(120);
    *v->mutable_content() = d;
    v->set_option_count(options);
    if (closes != school::kNoDay) *v->mutable_closes_on() = Date(closes);
    return b;
  }
  v1::EventBody Answer(const std::string& who, const std::string& id, const std::string& student,
                       int option) {
    v1::EventBody b = Body(who);
    b.mutable_survey_answered()->set_survey_id(id);
    b.mutable_survey_answered()->set_student_id(student);
    b.mutable_survey_answered()->set_option(option);
    return b;
  }
  v1::EventBody Close(const std::string& who, const std::string& id) {
    v1::EventBody b = Body(who);
    b.mutable_survey_closed()->set_survey_id(id);
    return b;
  }
};

TEST_F(SurveyRulesTest, R_MSG_2_WhoAsksAndWhatASurveyIs) {
  EXPECT_TRUE(Refused(Submit(Ask("secretary", "v1", "5a")), kDenied, "R-MSG-2", "классный"));
  EXPECT_TRUE(IsRefused(Submit(Ask("sub", "v1", "5a")), kDenied, "R-MSG-2"));  // teaches no class
  EXPECT_TRUE(IsRefused(Submit(Ask("parent", "v1", "5a")), kDenied, "R-MSG-2"));
  EXPECT_TRUE(Refused(Submit(Ask("ct", "v1", "5a", 1)), kMalformed, "R-MSG-2", "от 2 до 10"));
  EXPECT_TRUE(IsRefused(Submit(Ask("ct", "v1", "5a", 11)), kMalformed, "R-MSG-2"));
  EXPECT_TRUE(Refused(Submit(Ask("ct", "v1", "no-class")), kRefused, "R-MSG-2", "нет класса"));
  EXPECT_TRUE(Refused(Submit(Ask("ct", "v1", "5a", 3, mon_ - 1)), kRefused, "R-MSG-2", "прошёл"));
  v1::EventBody text = Ask("ct", "v1", "5a");
  text.mutable_survey_published()->mutable_content()->set_media_type("application/pdf");
  EXPECT_TRUE(IsRefused(Submit(text), kMalformed, "R-MSG-2"));
  EXPECT_TRUE(Submit(Ask("russian", "v-rus", "5a")).has_value());   // teaches 5a
  EXPECT_TRUE(Submit(Ask("director", "v-dir", "9a")).has_value());  // the administration
  EXPECT_TRUE(Submit(Ask("ct", "v1", "5a")).has_value());
  EXPECT_EQ(Submit(Ask("ct", "v1", "5a")).error().code(), StatusCode::kAlreadyExists);
}

TEST_F(SurveyRulesTest, R_MSG_2_EachFamilyAnswersOnceWhileItIsOpen) {
  MustSubmit(Ask("ct", "v1", "5a", 3, mon_ + 1));
  EXPECT_TRUE(Submit(Answer("parent", "v1", "s1", 0)).has_value());
  EXPECT_TRUE(
      Refused(Submit(Answer("parent", "v1", "s1", 1)), kRefused, "R-MSG-2", "уже ответила"));
  EXPECT_TRUE(IsRefused(Submit(Answer("parent", "v1", "s2", 1)), kDenied, "R-MSG-2"));
  EXPECT_TRUE(IsRefused(Submit(Answer("s2", "v1", "s2", 1)), kDenied, "R-MSG-2"));
  EXPECT_TRUE(Refused(Submit(Answer("parent9", "v1", "n1", 1)), kDenied, "R-MSG-2", "5"));
  EXPECT_TRUE(Refused(Submit(Answer("parent2", "v1", "s2", 3)), kMalformed, "R-MSG-2", "№4"));
  EXPECT_TRUE(IsRefused(Submit(Answer("parent2", "no-such", "s2", 0)), kRefused, "R-MSG-2"));
  const school::Survey& v = School().surveys[School().survey_index.at("v1")];
  ASSERT_EQ(v.answers.size(), 1u);
  EXPECT_EQ(v.answers.at("s1").option, 0);
  EXPECT_EQ(v.answers.at("s1").by, "parent");
  EXPECT_EQ(school::SurveyFamilies(School(), v, mon_),
            (std::vector<std::string>{"s1", "s2", "s3"}));
  // After its last day, no answer is taken.
  At(mon_ + 2, "09:00");
  EXPECT_TRUE(Refused(Submit(Answer("parent2", "v1", "s2", 1)), kRefused, "R-MSG-2", "закончен"));
}

TEST_F(SurveyRulesTest, R_MSG_2_TheAuthorOrTheAdministrationEndsASurvey) {
  MustSubmit(Ask("math", "v1", "5a"));
  EXPECT_TRUE(IsRefused(Submit(Close("parent", "v1")), kDenied, "R-MSG-2"));
  EXPECT_TRUE(IsRefused(Submit(Close("ct", "v1")), kDenied, "R-MSG-2"));
  EXPECT_TRUE(Submit(Close("math", "v1")).has_value());
  EXPECT_TRUE(Refused(Submit(Close("director", "v1")), kRefused, "R-MSG-2", "уже закончен"));
  EXPECT_TRUE(IsRefused(Submit(Answer("parent", "v1", "s1", 0)), kRefused, "R-MSG-2"));
  MustSubmit(Ask("math", "v2", "5a"));
  EXPECT_TRUE(Submit(Close("deputy", "v2")).has_value());
}

}  // namespace
}  // namespace ejournal::testing
