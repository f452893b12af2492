// The journal's alerts (R-MSG-3, projections/alerts.h) on a generated school: each rule fires for
// the student whose journal is made to meet it, and nowhere else. A generated month of a school is
// the baseline; then one student per rule gets exactly what the rule looks for (an «н» with no
// reason; a week's absences, explained; two «2» in a row; a missed control work, explained; more
// than half a subject's lessons missed, explained); afterwards every other student's alerts are
// exactly the baseline's, and each chosen student has exactly the one new kind. Before and after,
// every student's alerts equal an oracle worked out from the class's lessons and records (all
// rules but the «н/а» risk, whose figures only the injection checks). Those told are the
// class teacher and the guardians (projections/notifications.h); the school's policy switches a
// rule off.
//
// The events go in with SignedLedger::AppendUnadmitted (folded, not admitted): what is under test
// is the alerts' computation over a journal, not the windows in which teachers may write.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "projections/alerts.h"
#include "projections/notifications.h"
#include "tests/support/generated_school.h"
#include "tests/support/temp_dir.h"

namespace ejournal::testing {
namespace {

using school::Day;
using Found = std::set<std::tuple<std::string, std::string, Day>>;  // (kind, subject, day)

class AlertsGeneratedTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    clock_ = new synth::SettableClock();
    auto generated = GenerateSchoolLedger(
        dir_->path(), *clock_,
        {.schools = 1, .classes = 2, .students = 40, .teachers = 8, .weeks = 5, .leak = false});
    ASSERT_TRUE(generated.has_value()) << generated.error().ToString();
    ledger_ = generated->release();
  }
  static void TearDownTestSuite() {
    delete ledger_;
    delete clock_;
    delete dir_;
  }

  void SetUp() override {
    ASSERT_NE(ledger_, nullptr);
    schools_ = ledger_->school_state()->Schools();
    ASSERT_EQ(schools_.size(), 1u);
    school_id_ = schools_[0]->id;
    today_ = School().zone.LocalDay(clock_->NowMicros());
  }

  static const school::School& School() {
    return *ledger_->school_state()->FindSchool(schools_[0]->id);
  }
  static const school::SchoolState& State() { return *ledger_->school_state(); }

  // Every student in a class today, with their alerts.
  std::map<std::string, Found> AllAlerts() {
    std::map<std::string, Found> out;
    for (const auto& [sid, st] : School().students) {
      if (st.On(today_) == nullptr) continue;
      Found& f = out[sid];
      for (const school::Alert& a : school::AlertsOf(State(), School(), sid, today_)) {
        f.insert({a.kind, a.subject_id, a.day});
      }
    }
    return out;
  }

  // A signer for `user` of the school (a node-issued credential).
  Signer SignerOf(const std::string& user) {
    auto it = signers_.find(user);
    if (it != signers_.end()) return it->second;
    auto s = ledger_->IssueCredential(user, crypto::KeyType::kEd25519, 0, school_id_);
    EXPECT_TRUE(s.has_value()) << s.error().ToString();
    return signers_.emplace(user, *s).first->second;
  }
  void Inject(const v1::EventBody& body, const std::string& actor) {
    Signer signer = SignerOf(actor);
    v1::EventBody b = ledger_->NewBody(signer);
    b.MergeFrom(body);
    b.set_school_id(school_id_);
    auto bytes = ledger_->Sign(b, signer);
    ASSERT_TRUE(bytes.has_value());
    auto r = ledger_->AppendUnadmitted(*bytes);
    ASSERT_TRUE(r.has_value()) << r.error().ToString();
  }

  // The student's lessons held in the term so far (before today), oldest first.
  std::vector<const school::Lesson*> HeldLessons(const std::string& sid) {
    std::vector<const school::Lesson*> out;
    const school::Membership* m = School().students.at(sid).On(today_);
    const school::TermInfo* term = School().TermOn(School().classes.at(m->class_id), today_);
    if (term == nullptr) return out;
    for (Day d = term->first; d < today_; ++d) {
      for (const school::Lesson* l : School().LessonsOfClassOn(m->class_id, d)) {
        if (School().InLesson(*l, sid) && !l->cancelled) out.push_back(l);
      }
    }
    return out;
  }
  bool Absent(const school::Lesson& l, const std::string& sid) {
    auto a = School().attendance.find(school::AttendanceKey(l.id, sid));
    return a != School().attendance.end() && a->second.Current(State()) != nullptr;
  }
  bool ControlWork(const school::Lesson& l) {
    const auto* r = l.record.Current(State());
    if (r == nullptr) return false;
    return std::any_of(r->value.works.begin(), r->value.works.end(), [](v1::WorkType w) {
      return w == v1::WORK_TYPE_CONTROL_WORK || w == v1::WORK_TYPE_INTERNAL_MONITORING_CONTROL_WORK;
    });
  }
  bool Marked(const school::Lesson& l, const std::string& sid) {
    for (const school::Mark* m : l.marks) {
      if (m->student_id == sid) return true;
    }
    return false;
  }
  // How many of the student's lessons of `subject` were held in the term so far.
  int HeldOf(const std::string& sid, const std::string& subject) {
    int n = 0;
    for (const school::Lesson* l : HeldLessons(sid)) n += l->subject_id == subject ? 1 : 0;
    return n;
  }
  int AbsencesInWeek(const std::string& sid, Day week) {
    int n = 0;
    for (const school::Lesson* l : HeldLessons(sid)) {
      n += school::WeekStart(l->date) == week && Absent(*l, sid) ? 1 : 0;
    }
    return n;
  }

  // The alerts of every rule but risk_not_attested, worked out here from the class's lessons and
  // their records (not the state's per-student mark index AlertsOf reads): the oracle the
  // computed alerts must equal, everywhere.
  Found Oracle(const std::string& sid) {
    Found f;
    const school::PolicyValues& policy = School().policy;
    const school::Student& st = School().students.at(sid);
    const school::Membership* m = st.On(today_);
    const school::TermInfo* term = School().TermOn(School().classes.at(m->class_id), today_);
    if (term == nullptr) return f;
    std::map<Day, int> week_absences;
    std::map<std::string, std::vector<std::tuple<Day, int, int>>> marks;  // (day, period, value)
    for (Day d = std::min(term->first, today_ - 14); d <= today_; ++d) {
      for (const school::Lesson* l : School().LessonsOfClassOn(m->class_id, d)) {
        if (!School().InLesson(*l, sid)) continue;
        const bool in_term = d >= term->first;
        auto a = School().attendance.find(school::AttendanceKey(l->id, sid));
        const auto* v = a == School().attendance.end() ? nullptr : a->second.Current(State());
        if (v != nullptr && v->value.status == v1::ATTENDANCE_STATUS_ABSENT) {
          ++week_absences[school::WeekStart(d)];
          if (policy.alert_unexplained_absence &&
              a->second.Reason(State()) == v1::ABSENCE_REASON_UNSPECIFIED && d < today_ &&
              d >= today_ - 14) {
            f.insert({"unexplained_absence", l->subject_id, d});
          }
          if (policy.alert_missed_control_work && in_term && ControlWork(*l)) {
            f.insert({"missed_control_work", l->subject_id, d});
          }
        }
        if (!in_term) continue;
        for (const school::Mark* mk : l->marks) {
          if (mk->student_id != sid) continue;
          const auto* mv = mk->Current(State());
          if (mv == nullptr) continue;
          for (int value : {mv->value.value, mv->value.second_value}) {
            if (value != 0) marks[l->subject_id].push_back({d, l->period, value});
          }
        }
      }
    }
    const Day this_week = school::WeekStart(today_);
    for (Day week : {this_week - 7, this_week}) {
      if (policy.alert_absences_per_week > 0 &&
          week_absences[week] >= policy.alert_absences_per_week) {
        f.insert({"absences_per_week", "", std::min(today_, week + 6)});
      }
    }
    for (auto& [subject, list] : marks) {
      std::sort(list.begin(), list.end());
      const size_t n = list.size();
      if (policy.alert_unsatisfactory_in_a_row && n >= 2 && std::get<2>(list[n - 1]) <= 2 &&
          std::get<2>(list[n - 2]) <= 2) {
        f.insert({"unsatisfactory_in_a_row", subject, std::get<0>(list[n - 1])});
      }
    }
    return f;
  }
  // Every student's computed alerts, but risk_not_attested, equal the oracle's.
  void ExpectOracle(const std::map<std::string, Found>& all, const char* when) {
    size_t alerted = 0;
    for (const auto& [sid, found] : all) {
      Found computed = found;
      std::erase_if(computed, [](const auto& t) { return std::get<0>(t) == "risk_not_attested"; });
      EXPECT_EQ(computed, Oracle(sid)) << sid << " " << when;
      alerted += computed.empty() ? 0 : 1;
    }
    EXPECT_GT(alerted, 0u) << when << ": no alert anywhere, the comparison proves nothing";
  }

  void Absence(const school::Lesson& l, const std::string& sid, bool explained) {
    v1::EventBody b;
    auto* a = b.mutable_attendance_recorded();
    a->set_lesson_id(l.id);
    a->set_student_id(sid);
    a->set_status(v1::ATTENDANCE_STATUS_ABSENT);
    *b.mutable_business_date() = school::DateOf(l.date);
    Inject(b, l.teacher_id);
    if (!explained) return;
    v1::EventBody r;
    auto* reason = r.mutable_absence_reason_set();
    reason->set_student_id(sid);
    reason->set_reason(v1::ABSENCE_REASON_ILLNESS);
    reason->add_lesson_ids(l.id);
    *r.mutable_business_date() = school::DateOf(l.date);
    Inject(r, l.teacher_id);
  }
  void Mark(const school::Lesson& l, const std::string& sid, int value) {
    v1::EventBody b;
    auto* m = b.mutable_mark_recorded();
    m->set_mark_id("alert-test-" + std::to_string(++marks_));
    m->set_lesson_id(l.id);
    m->set_student_id(sid);
    m->mutable_value()->set_value(value);
    m->set_work_type(v1::WORK_TYPE_ANSWER_IN_CLASS);
    *b.mutable_business_date() = school::DateOf(l.date);
    Inject(b, l.teacher_id);
  }

  static TempDir* dir_;
  static synth::SettableClock* clock_;
  static SignedLedger* ledger_;
  static std::vector<const school::School*> schools_;
  std::string school_id_;
  Day today_ = school::kNoDay;
  std::map<std::string, Signer> signers_;
  int marks_ = 0;
};

TempDir* AlertsGeneratedTest::dir_ = nullptr;
synth::SettableClock* AlertsGeneratedTest::clock_ = nullptr;
SignedLedger* AlertsGeneratedTest::ledger_ = nullptr;
std::vector<const school::School*> AlertsGeneratedTest::schools_;

TEST_F(AlertsGeneratedTest, R_MSG_3_EachRuleFiresWhereItShouldAndNowhereElse) {
  const std::map<std::string, Found> before = AllAlerts();
  ASSERT_GE(before.size(), 30u);
  ExpectOracle(before, "before");
  const int per_week = School().policy.alert_absences_per_week;
  ASSERT_GE(per_week, 2);
  const Day this_week = school::WeekStart(today_);

  // The students with no alert yet, each taken by one rule.
  std::vector<std::string> quiet;
  for (const auto& [sid, found] : before) {
    if (found.empty()) quiet.push_back(sid);
  }
  ASSERT_GE(quiet.size(), 5u) << "the generated month leaves too few students without alerts";
  std::map<std::string, std::string> expected;  // student -> the one new kind
  std::set<std::string> taken;
  auto take = [&](const std::string& kind, const std::function<bool(const std::string&)>& made) {
    for (const std::string& sid : quiet) {
      if (taken.contains(sid)) continue;
      if (made(sid)) {
        taken.insert(sid);
        expected[sid] = kind;
        return;
      }
    }
    ADD_FAILURE() << "no student could be given " << kind;
  };
  // A lesson fit to be missed without setting off another rule: no control work, no mark of the
  // student, in a subject with at least 4 held lessons, in a week the student missed nothing.
  auto plain = [&](const school::Lesson& l, const std::string& sid) {
    return !ControlWork(l) && !Absent(l, sid) && !Marked(l, sid) &&
           HeldOf(sid, l.subject_id) >= 4 && AbsencesInWeek(sid, school::WeekStart(l.date)) == 0;
  };

  take("unexplained_absence", [&](const std::string& sid) {
    for (const school::Lesson* l : HeldLessons(sid)) {
      if (l->date >= today_ - 7 && plain(*l, sid)) {
        Absence(*l, sid, false);
        return true;
      }
    }
    return false;
  });
  take("absences_per_week", [&](const std::string& sid) {
    std::vector<const school::Lesson*> week;
    std::set<std::string> subjects;
    for (const school::Lesson* l : HeldLessons(sid)) {
      if (school::WeekStart(l->date) == this_week - 7 && plain(*l, sid) &&
          subjects.insert(l->subject_id).second) {
        week.push_back(l);
      }
    }
    if (static_cast<int>(week.size()) < per_week) return false;
    for (int i = 0; i < per_week; ++i) Absence(*week[i], sid, true);
    return true;
  });
  take("unsatisfactory_in_a_row", [&](const std::string& sid) {
    std::map<std::string, std::vector<const school::Lesson*>> by_subject;
    for (const school::Lesson* l : HeldLessons(sid)) by_subject[l->subject_id].push_back(l);
    for (auto& [subject, lessons] : by_subject) {
      if (lessons.size() < 4) continue;
      const school::Lesson* a = lessons[lessons.size() - 2];
      const school::Lesson* b = lessons.back();
      if (Marked(*a, sid) || Marked(*b, sid) || Absent(*a, sid) || Absent(*b, sid)) continue;
      Mark(*a, sid, 2);
      Mark(*b, sid, 2);
      return true;
    }
    return false;
  });
  take("missed_control_work", [&](const std::string& sid) {
    for (const school::Lesson* l : HeldLessons(sid)) {
      // (Everyone present at a control work has its mark: the one missed has it too here.)
      if (ControlWork(*l) && !Absent(*l, sid) && HeldOf(sid, l->subject_id) >= 4 &&
          l->date < this_week - 7 && AbsencesInWeek(sid, school::WeekStart(l->date)) == 0) {
        Absence(*l, sid, true);
        return true;
      }
    }
    return false;
  });
  take("risk_not_attested", [&](const std::string& sid) {
    std::map<std::string, std::vector<const school::Lesson*>> by_subject;
    for (const school::Lesson* l : HeldLessons(sid)) {
      if (l->date < this_week - 7) by_subject[l->subject_id].push_back(l);
    }
    for (auto& [subject, older] : by_subject) {
      const int held = HeldOf(sid, subject);
      const int need = held / 2 + 1;  // more than half
      std::vector<const school::Lesson*> fit;
      for (const school::Lesson* l : older) {
        if (!ControlWork(*l) && !Absent(*l, sid)) fit.push_back(l);
      }
      if (held < 4 || static_cast<int>(fit.size()) < need) continue;
      for (int i = 0; i < need; ++i) Absence(*fit[i], sid, true);
      return true;
    }
    return false;
  });
  if (HasFailure()) return;

  const std::map<std::string, Found> after = AllAlerts();
  ExpectOracle(after, "after");
  for (const auto& [sid, found] : after) {
    auto e = expected.find(sid);
    if (e == expected.end()) {
      EXPECT_EQ(found, before.at(sid)) << "the alerts of " << sid << " changed";
      continue;
    }
    std::set<std::string> kinds;
    for (const auto& [kind, subject, day] : found) kinds.insert(kind);
    EXPECT_EQ(kinds, std::set<std::string>{e->second}) << sid;
  }

  // Told: the class teacher and the student's guardians, nobody else.
  for (const auto& [sid, kind] : expected) {
    std::set<std::string> told, want;
    for (const school::Notice& n : school::AlertNotices(State(), School(), sid, today_)) {
      told.insert(n.user_id);
      EXPECT_EQ(n.kind, school::NoticeKind::kAlert);
      EXPECT_NE(n.key.find(kind), std::string::npos) << n.key;
    }
    const school::Student& st = School().students.at(sid);
    const std::string& ct = School().classes.at(st.On(today_)->class_id).class_teacher_id;
    if (!ct.empty()) want.insert(ct);
    for (const std::string& g : st.guardians) want.insert(g);
    EXPECT_EQ(told, want) << sid;
  }

  // The school's policy switches a rule off (SchoolPolicy.alert_*): the rest stay.
  v1::EventBody policy;
  Status found = ledger_->ledger().ForEachEntry(1, [&](uint64_t, std::string_view bytes) {
    v1::LedgerEntry e;
    v1::EventBody b;
    if (e.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())) &&
        b.ParseFromString(e.event().body()) && b.has_school_policy_set()) {
      *policy.mutable_school_policy_set() = b.school_policy_set();
    }
    return true;
  });
  ASSERT_TRUE(found.ok());
  policy.mutable_school_policy_set()->mutable_policy()->set_alert_unsatisfactory_in_a_row(false);
  if (policy.school_policy_set().order_number().empty()) {
    policy.mutable_school_policy_set()->set_order_number("Приказ № 1");
  }
  std::string director;
  for (const auto& [uid, u] : School().users) {
    if (u.Has(v1::ROLE_DIRECTOR) && u.active) director = uid;
  }
  ASSERT_FALSE(director.empty());
  Inject(policy, director);
  for (const auto& [sid, found_now] : AllAlerts()) {
    Found want = after.at(sid);
    std::erase_if(want, [](const auto& t) { return std::get<0>(t) == "unsatisfactory_in_a_row"; });
    EXPECT_EQ(found_now, want) << sid;
  }
}

}  // namespace
}  // namespace ejournal::testing
