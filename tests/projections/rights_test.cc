// projections/rights.h as plain functions over a school built in memory (no ledger, no RocksDB):
// the load's dates bound a teacher's pages (R-ACC-2), a substitution in force opens the term page
// of its lessons only (R-SUB-1, seed 004 §7.12), the class teacher keeps every page of the class.
#include "projections/rights.h"

#include <gtest/gtest.h>

namespace ejournal::school {
namespace {

class RightsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    AcademicYear& y = school_.years["2025"];
    y.id = "2025";
    TermScheme scheme;
    scheme.grade_from = 1;
    scheme.grade_to = 11;
    scheme.terms = {TermInfo{1, 100, 149}, TermInfo{2, 160, 209}};
    y.schemes.push_back(scheme);
    SchoolClass& c = school_.classes["5a"];
    c.id = "5a";
    c.year_id = "2025";
    c.grade = 5;
    c.class_teacher_id = "ct";
    // math teaches 5a math in term 1 only; russian in 5a all year.
    school_.loads["l1"] = Load{.id = "l1",
                               .teacher_id = "math",
                               .class_id = "5a",
                               .subject_id = "math",
                               .from = 100,
                               .to = 149};
    school_.loads["l2"] =
        Load{.id = "l2", .teacher_id = "russian", .class_id = "5a", .subject_id = "russian"};
    Lesson& l = school_.lessons["rus-1"];
    l.id = "rus-1";
    l.class_id = "5a";
    l.subject_id = "russian";
    l.date = 120;  // term 1
    school_.substitutions["sub-1"] =
        Substitution{.id = "sub-1", .substitute_teacher_id = "sub", .lesson_ids = {"rus-1"}};
  }
  static User Teacher(const std::string& id, bool class_teacher = false) {
    User u;
    u.id = id;
    u.roles = RoleBit(v1::ROLE_TEACHER) | (class_teacher ? RoleBit(v1::ROLE_CLASS_TEACHER) : 0);
    return u;
  }
  DayRange Term(int n) const { return TermDays(school_, "5a", n).value(); }

  School school_;
};

TEST_F(RightsTest, TermDaysAreTheClassSchemesTerms) {
  EXPECT_EQ(Term(1).first, 100);
  EXPECT_EQ(Term(2).last, 209);
  EXPECT_EQ(Term(0).first, kNoDay);  // all days
  EXPECT_FALSE(TermDays(school_, "5a", 3).has_value());
  EXPECT_FALSE(TermDays(school_, "9z", 1).has_value());
}

TEST_F(RightsTest, ALoadsDatesBoundItsTeachersPages_R_ACC_2) {
  const User math = Teacher("math");
  EXPECT_TRUE(TeachesPage(school_, math, "5a", "", "math", Term(1)));
  EXPECT_FALSE(TeachesPage(school_, math, "5a", "", "math", Term(2)));
  EXPECT_TRUE(TeachesPage(school_, math, "5a", "", "math", DayRange{149, 149}));
  EXPECT_FALSE(TeachesPage(school_, math, "5a", "", "math", DayRange{150, 150}));
  EXPECT_FALSE(TeachesPage(school_, math, "5a", "", "russian", Term(1)));
  // A load with no subgroup covers the class's subgroups.
  EXPECT_TRUE(TeachesPage(school_, Teacher("russian"), "5a", "5a-g1", "russian", Term(2)));
  User parent;
  parent.id = "math";
  parent.roles = RoleBit(v1::ROLE_PARENT);  // not a teacher, whatever the id
  EXPECT_FALSE(TeachesPage(school_, parent, "5a", "", "math", Term(1)));
}

TEST_F(RightsTest, ASubstituteHasTheTermPageOfTheirLessonsOnly_R_SUB_1) {
  const User sub = Teacher("sub");
  EXPECT_TRUE(SubstitutesOnPage(school_, sub, "5a", "", "russian", Term(1)));
  EXPECT_FALSE(SubstitutesOnPage(school_, sub, "5a", "", "russian", Term(2)));
  EXPECT_FALSE(SubstitutesOnPage(school_, sub, "5a", "", "math", Term(1)));
  EXPECT_FALSE(SubstitutesOnPage(school_, Teacher("math"), "5a", "", "russian", Term(1)));
  school_.substitutions["sub-1"].cancelled = true;
  EXPECT_FALSE(SubstitutesOnPage(school_, sub, "5a", "", "russian", Term(1)));
}

TEST_F(RightsTest, TheClassTeacherIsTheClasssOwn) {
  EXPECT_TRUE(ClassTeacherOf(school_, Teacher("ct", true), "5a"));
  EXPECT_FALSE(ClassTeacherOf(school_, Teacher("ct"), "5a"));  // without the role
  EXPECT_FALSE(ClassTeacherOf(school_, Teacher("math", true), "5a"));
  EXPECT_TRUE(TeachesClass(school_, Teacher("math"), "5a"));
  EXPECT_FALSE(TeachesClass(school_, Teacher("sub"), "5a"));
}

}  // namespace
}  // namespace ejournal::school
