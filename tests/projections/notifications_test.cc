// Who is told of what (projections/notifications.h; R-MSG-4, R-MSG-3): the notices each event
// gives on the fixture's school (rules_fixture.h), exactly the people named by the rule and no
// one else. Delivery (the feed, e-mail, quiet hours) is tests/api/notifications_test.cc's.
#include "projections/notifications.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "tests/projections/rules_fixture.h"

namespace ejournal::testing {
namespace {

using school::Notice;
using school::NoticeKind;

class NoticesTest : public RulesTest {
 protected:
  void SetUp() override {
    RulesTest::SetUp();
    if (HasFatalFailure()) return;
    At(mon_, "12:00");
  }
  // Submits `body` and returns who its notices go to, with each one's text.
  std::map<std::string, std::string> Told(const v1::EventBody& body, NoticeKind kind) {
    MustSubmit(body);
    std::map<std::string, std::string> out;
    for (const Notice& n : school::NoticesOf(State(), School(), body, clock_.NowMicros())) {
      EXPECT_EQ(n.kind, kind) << n.text;
      out[n.user_id] = n.text;
    }
    return out;
  }
  static std::set<std::string> Keys(const std::map<std::string, std::string>& m) {
    std::set<std::string> s;
    for (const auto& [k, v] : m) s.insert(k);
    return s;
  }
};

TEST_F(NoticesTest, R_MSG_4_AMarkAndAnAbsenceTellTheStudentAndTheirGuardiansOnly) {
  auto mark = Told(MarkBody("math", "m-x", "math-5a-1", "s1", 4), NoticeKind::kMark);
  EXPECT_EQ(Keys(mark), (std::set<std::string>{"parent", "s1"}));
  EXPECT_NE(mark["parent"].find("оценка 4 — Математика, 06.10.2025, 1-й урок"), std::string::npos)
      << mark["parent"];
  // The parent reads whose mark it is, by the name the school lists; the student reads it plain.
  EXPECT_EQ(mark["parent"].rfind(School().UserName("s1") + ": оценка 4", 0), 0u) << mark["parent"];
  EXPECT_EQ(mark["s1"].rfind("оценка 4", 0), 0u) << mark["s1"];
  auto absence = Told(AbsenceBody("math", "math-5a-1", "s2"), NoticeKind::kAbsence);
  EXPECT_EQ(Keys(absence), (std::set<std::string>{"parent2", "s2"}));
  // Being late is not an absence: nobody is told.
  MustSubmit(AbsenceBody("russian", "rus-5a-1", "s1", v1::ATTENDANCE_STATUS_LATE));
  EXPECT_TRUE(
      school::NoticesOf(State(), School(),
                        AbsenceBody("russian", "rus-5a-1", "s1", v1::ATTENDANCE_STATUS_LATE),
                        clock_.NowMicros())
          .empty());
}

TEST_F(NoticesTest, R_MSG_4_HomeworkTellsTheLessonsStudentsAndTheirFamilies) {
  auto hw = Told(HomeworkBody("math", "hw-x", "math-5a-1", "№ 12, 14"), NoticeKind::kHomework);
  EXPECT_EQ(Keys(hw), (std::set<std::string>{"parent", "parent2", "s1", "s2", "s3"}));
  EXPECT_NE(hw["s3"].find("Математика"), std::string::npos);
  EXPECT_NE(hw["s3"].find("№ 12, 14"), std::string::npos);
}

TEST_F(NoticesTest, R_MSG_4_ACorrectionTellsTheTeacherAndWhenApprovedTheFamily) {
  MustSubmit(MarkBody("math", "m-c", "math-5a-1", "s1", 2));
  At(mon_ + 3, "12:00");  // past the teacher's own window: a correction goes to the deputy
  MustSubmit(CorrectionBody("math", "req-1", "m-c", 3));
  auto approved = Told(ApproveBody("deputy", "req-1"), NoticeKind::kCorrection);
  EXPECT_EQ(Keys(approved), (std::set<std::string>{"math", "parent", "s1"}));
  EXPECT_NE(approved["math"].find("одобрено"), std::string::npos) << approved["math"];
}

TEST_F(NoticesTest, R_MSG_2_AnAnnouncementTellsItsAudienceButNotItsAuthor) {
  v1::EventBody b = Body("ct");
  auto* a = b.mutable_announcement_published();
  a->set_announcement_id("ann-x");
  a->mutable_audience()->set_kind(v1::AUDIENCE_KIND_CLASS_PARENTS);
  a->mutable_audience()->set_class_id("5a");
  a->mutable_content()->set_sha256(std::string(32, '\x11'));
  a->mutable_content()->set_media_type("text/plain");
  a->mutable_content()->set_size_bytes(10);
  auto told = Told(b, NoticeKind::kAnnouncement);
  // The parents of 5a; not its students, not the author, not the administration (who may read it
  // but is not its audience).
  EXPECT_EQ(Keys(told), (std::set<std::string>{"parent", "parent2"}));
}

TEST_F(NoticesTest, R_MSG_1_AMessageTellsTheOtherParticipants) {
  v1::EventBody b = Body("math");
  auto* m = b.mutable_message_sent();
  m->set_message_id("msg-x");
  m->set_conversation_id("conv-x");
  m->add_recipient_ids("parent");
  m->mutable_content()->set_sha256(std::string(32, '\x11'));
  m->mutable_content()->set_media_type("text/plain");
  m->mutable_content()->set_size_bytes(10);
  auto told = Told(b, NoticeKind::kMessage);
  EXPECT_EQ(Keys(told), (std::set<std::string>{"parent"}));
  EXPECT_EQ(told["parent"].find("msg"), std::string::npos);  // who wrote, never what
}

TEST_F(NoticesTest, R_MSG_3_TwoUnsatisfactoryMarksAlertTheClassTeacherAndTheParentsOnce) {
  MustSubmit(MarkBody("math", "m-a1", "math-5a-1", "s1", 2));
  v1::EventBody second = MarkBody("math", "m-a2", "math-5a-2", "s1", 2);
  At(D(2025, 10, 8), "12:00");
  MustSubmit(second);
  ASSERT_EQ(school::StudentsAlertedBy(School(), second), (std::vector<std::string>{"s1"}));
  std::map<std::string, std::string> told;
  std::set<std::string> keys;
  for (const Notice& n : school::AlertNotices(State(), School(), "s1", D(2025, 10, 8))) {
    if (n.key.find("unsatisfactory_in_a_row") == std::string::npos) continue;
    EXPECT_EQ(n.kind, NoticeKind::kAlert);
    told[n.user_id] = n.text;
    keys.insert(n.key);
  }
  EXPECT_EQ(Keys(told), (std::set<std::string>{"ct", "parent"}));
  EXPECT_EQ(keys.size(), 1u);  // one alert, one key: the notifier tells each person once
  // Another student with one «2»: no such alert.
  MustSubmit(MarkBody("math", "m-a3", "math-5a-2", "s2", 2));
  for (const Notice& n : school::AlertNotices(State(), School(), "s2", D(2025, 10, 8))) {
    EXPECT_EQ(n.key.find("unsatisfactory_in_a_row"), std::string::npos) << n.text;
  }
}

}  // namespace
}  // namespace ejournal::testing
