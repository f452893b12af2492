// OneRoster 1.2 CSV sets (setup/oneroster.h): import into an empty school and onto one that holds
// them, the export, and the round trip through two real ledgers.
#include "setup/oneroster.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "setup/roster_csv.h"
#include "tests/setup/setup_fixture.h"
#include "tests/support/generated_school.h"
#include "tests/support/status_matchers.h"

namespace ejournal::setup {
namespace {

using ::ejournal::testing::LedgerSchool;
using ::ejournal::testing::ReportOf;
using ::ejournal::testing::Serialized;

// A small school as another system would export it: a district and the school, the year 2025/26
// in quarters, two subjects and a homeroom course, the класс 5А (homeroom) and two of its
// subjects (sections), two teachers, a director, two students and a guardian.
OneRosterFiles SmallSchool() {
  OneRosterFiles f;
  f["manifest.csv"] =
      "propertyName,value\n"
      "manifest.version,1.0\n"
      "oneroster.version,1.2\n"
      "file.academicSessions,bulk\nfile.classes,bulk\nfile.courses,bulk\nfile.enrollments,bulk\n"
      "file.orgs,bulk\nfile.roles,bulk\nfile.users,bulk\nfile.userProfiles,absent\n";
  f["orgs.csv"] =
      "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n"
      "district-1,,,Управление образования,district,,\n"
      "school-1,,,МБОУ СОШ № 1,school,,district-1\n";
  f["academicSessions.csv"] =
      "sourcedId,status,dateLastModified,title,type,startDate,endDate,parentSourcedId,schoolYear\n"
      "2025-2026,,,2025/2026 учебный год,schoolYear,2025-09-01,2026-05-31,,2026\n"
      "q1,,,1 четверть,term,2025-09-01,2025-10-24,2025-2026,2026\n"
      "q2,,,2 четверть,term,2025-11-05,2025-12-28,2025-2026,2026\n"
      "q3,,,3 четверть,term,2026-01-12,2026-03-20,2025-2026,2026\n"
      "q4,,,4 четверть,term,2026-03-30,2026-05-26,2025-2026,2026\n";
  f["courses.csv"] =
      "sourcedId,status,dateLastModified,schoolYearSourcedId,title,courseCode,grades,orgSourcedId,"
      "subjects,subjectCodes\n"
      "math,,,2025-2026,Математика,Мат.,,school-1,,\n"
      "russian,,,2025-2026,Русский язык,Рус.яз.,,school-1,,\n"
      "hr,,,2025-2026,Классное руководство,,,school-1,,\n";
  f["classes.csv"] =
      "sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,location,"
      "schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods\n"
      "c5a,,,5 «А» класс,05,hr,5А,homeroom,,school-1,\"q1,q2,q3,q4\",,,\n"
      "c5a-math,,,\"Математика, 5А\",05,math,,scheduled,,school-1,\"q1,q2,q3,q4\",,,\n"
      "c5a-rus,,,Русский язык 5 А,05,russian,5А,scheduled,,school-1,\"q1,q2,q3,q4\",,,\n";
  f["users.csv"] =
      "sourcedId,status,dateLastModified,enabledUser,username,userIds,givenName,familyName,"
      "middleName,identifier,email,sms,phone,agentSourcedIds,grades,password\n"
      "t-petrova,,,true,petrova.ni,,Нина,Петрова,Ивановна,,petrova@school.ru,,,,,\n"
      "t-sidorov,,,true,,,Олег,Сидоров,Павлович,,,,,,,\n"
      "u-st1,,,true,ivanov.p,,Пётр,Иванов,Сергеевич,,,,,u-pa1,05,\n"
      "u-st2,,,true,,,Анна,Петрова,,,,,,,05,\n"
      "u-pa1,,,true,,,Мария,Иванова,Петровна,,ivanova@mail.ru,,8 900 123 45 67,u-st1,,\n"
      "u-dir,,,true,director,,Ольга,Морозова,Андреевна,,,,,,,\n";
  f["roles.csv"] =
      "sourcedId,status,dateLastModified,userSourcedId,roleType,role,beginDate,endDate,"
      "orgSourcedId,userProfileSourcedId\n"
      "r1,,,t-petrova,primary,teacher,,,school-1,\n"
      "r2,,,t-sidorov,primary,teacher,,,school-1,\n"
      "r3,,,u-st1,primary,student,,,school-1,\n"
      "r4,,,u-st2,primary,student,,,school-1,\n"
      "r5,,,u-pa1,primary,guardian,,,school-1,\n"
      "r6,,,u-dir,primary,principal,,,school-1,\n"
      "r7,,,u-dir,secondary,aide,,,school-1,\n";
  f["enrollments.csv"] =
      "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,"
      "beginDate,endDate\n"
      "e1,,,c5a,school-1,t-petrova,teacher,true,,\n"
      "e2,,,c5a-math,school-1,t-petrova,teacher,true,,\n"
      "e3,,,c5a-rus,school-1,t-sidorov,teacher,true,,\n"
      "e4,,,c5a-math,school-1,u-st1,student,false,2025-09-01,\n"
      "e5,,,c5a-rus,school-1,u-st1,student,false,2025-09-01,\n"
      "e6,,,c5a,school-1,u-st2,student,false,2025-09-01,\n";
  return f;
}

const RowReport* RowOf(const ImportPlan& plan, const std::string& file, int line) {
  for (const auto& r : plan.rows) {
    if (r.at.file == file && r.at.line == line) return &r;
  }
  return nullptr;
}

// What must survive a round trip: users, classes, placements, guardians, loads, years.
struct Snapshot {
  std::map<std::string, std::tuple<std::string, std::string, uint32_t, bool>> users;
  std::map<std::string, std::tuple<std::string, int, std::string, std::string>> classes;
  std::map<std::string, std::vector<std::pair<std::string, school::Day>>> placements;
  std::set<std::pair<std::string, std::string>> guardians;
  std::set<std::tuple<std::string, std::string, std::string, std::string, int>> loads;
  std::map<std::string, std::vector<std::tuple<int, int, int, school::Day, school::Day>>> years;
  std::map<std::string, std::pair<std::string, v1::SubjectKind>> subjects;

  explicit Snapshot(const school::School& s) {
    for (const auto& [id, u] : s.users) users[id] = {u.display_name, u.login, u.roles, u.active};
    for (const auto& [id, c] : s.classes) {
      classes[id] = {c.year_id, c.grade, c.letter, c.class_teacher_id};
    }
    for (const auto& [id, st] : s.students) {
      for (const auto& m : st.memberships) {
        if (m.to >= m.from) placements[id].push_back({m.class_id, m.from});
      }
      for (const auto& g : st.guardians) guardians.insert({g, id});
    }
    for (const auto& [id, l] : s.loads) {
      loads.insert({l.teacher_id, l.class_id, l.subject_id, l.year_id, l.weekly_hours});
    }
    for (const auto& [id, y] : s.years) {
      for (const auto& sch : y.schemes) {
        for (const auto& t : sch.terms) {
          years[id].push_back({sch.grade_from, sch.grade_to, t.number, t.first, t.last});
        }
      }
    }
    for (const auto& [id, sub] : s.subjects) subjects[id] = {sub.name, sub.kind};
  }
  bool operator==(const Snapshot&) const = default;
};

class OneRosterTest : public ::testing::Test {
 protected:
  ImportPlan MustImport(LedgerSchool& school, const OneRosterFiles& files) {
    ImportPlan plan = PlanOneRosterImport(files, &school.School(), school.Context());
    EXPECT_TRUE(plan.ok()) << ReportOf(plan);
    Status applied = school.Apply(plan);
    EXPECT_TRUE(applied.ok()) << applied.ToString() << "\n" << ReportOf(plan);
    return plan;
  }
};

TEST_F(OneRosterTest, AnEmptySchoolGetsTheYearSubjectsClassStaffStudentsAndLoads) {
  LedgerSchool school;
  ASSERT_NO_FATAL_FAILURE(school.Open(/*with_year=*/false));
  ImportPlan plan = MustImport(school, SmallSchool());
  const school::School& s = school.School();
  ASSERT_TRUE(s.years.contains("2025-2026"));
  ASSERT_EQ(s.years.at("2025-2026").schemes.size(), 1u);
  EXPECT_EQ(s.years.at("2025-2026").schemes[0].terms.size(), 4u);
  EXPECT_EQ(s.subjects.size(), 2u);  // the homeroom course is not a subject
  EXPECT_EQ(s.subjects.at("russian").kind, v1::SUBJECT_KIND_RUSSIAN_LANGUAGE);
  ASSERT_TRUE(s.classes.contains("c5a"));
  EXPECT_EQ(s.classes.at("c5a").class_teacher_id, "t-petrova");
  EXPECT_EQ(s.classes.at("c5a").letter, "А");
  EXPECT_TRUE(s.users.at("t-petrova").Has(v1::ROLE_CLASS_TEACHER));
  EXPECT_EQ(s.users.at("t-petrova").login, "petrova.ni");
  EXPECT_EQ(s.users.at("t-sidorov").login, "sidorov.op");
  EXPECT_EQ(s.users.at("u-st2").login, "petrova.a");
  EXPECT_EQ(s.users.at("u-st1").display_name, "Иванов Пётр Сергеевич");
  EXPECT_TRUE(s.users.at("u-dir").Has(v1::ROLE_DIRECTOR));
  EXPECT_TRUE(s.users.at("u-pa1").Has(v1::ROLE_PARENT));
  EXPECT_EQ(s.students.at("u-st1").memberships.at(0).class_id, "c5a");
  EXPECT_TRUE(s.students.at("u-st1").guardians.contains("u-pa1"));
  ASSERT_TRUE(s.loads.contains("c5a-math"));
  EXPECT_EQ(s.loads.at("c5a-math").teacher_id, "t-petrova");
  EXPECT_EQ(s.loads.at("c5a-rus").subject_id, "russian");
  EXPECT_EQ(plan.contacts,
            (std::vector<ContactRecord>{{"t-petrova", "", "petrova@school.ru"},
                                        {"u-pa1", "+79001234567", "ivanova@mail.ru"}}));
  // Rows that only add to a record share its outcome.
  EXPECT_EQ(
      RowOf(plan, "roles.csv", 2)->Text(),
      "roles.csv, строка 2: роль «teacher» пользователя «t-petrova» (см. users.csv, строка 2)");
  EXPECT_EQ(RowOf(plan, "roles.csv", 2)->status, RowStatus::kNew);
  EXPECT_EQ(RowOf(plan, "academicSessions.csv", 3)->message,
            "учебный период «1 четверть» года 2025-2026 (см. academicSessions.csv, строка 2)");
  EXPECT_EQ(RowOf(plan, "enrollments.csv", 2)->message,
            "классный руководитель 5А (см. classes.csv, строка 2)");
  EXPECT_EQ(RowOf(plan, "roles.csv", 8)->status, RowStatus::kSkipped);
  EXPECT_EQ(RowOf(plan, "roles.csv", 8)->message, "роль «aide» не импортируется");
  EXPECT_EQ(RowOf(plan, "orgs.csv", 2)->status, RowStatus::kSkipped);
}

TEST_F(OneRosterTest, ReimportingTheSameSetRecordsNothing) {
  LedgerSchool school;
  ASSERT_NO_FATAL_FAILURE(school.Open(false));
  MustImport(school, SmallSchool());
  ImportPlan again = PlanOneRosterImport(SmallSchool(), &school.School(), school.Context());
  EXPECT_TRUE(again.ok()) << ReportOf(again);
  EXPECT_TRUE(again.bodies.empty()) << ReportOf(again);
  EXPECT_EQ(again.Count(RowStatus::kNew) + again.Count(RowStatus::kChanged), 0) << ReportOf(again);
  EXPECT_EQ(RowOf(again, "roles.csv", 2)->message,
            "роль «teacher» пользователя «t-petrova»: без изменений");
}

TEST_F(OneRosterTest, ExportThenImportIntoAFreshLedgerKeepsEverythingAndReimportIsANoOp) {
  LedgerSchool first;
  ASSERT_NO_FATAL_FAILURE(first.Open());
  MustImport(first, SmallSchool());
  // More of the school from its own spreadsheet: another класс with a transfer history.
  ImportPlan roster = PlanRosterImport(
      "Фамилия;Имя;Отчество;Класс;ФИО родителя;Родитель 2\n"
      "Кузнецов;Илья;Андреевич;6Б;Кузнецова Ольга Николаевна;Кузнецов Андрей Павлович\n"
      "Смирнова;Ксения;;6Б;Кузнецова Ольга Николаевна;\n",
      "roster.csv", &first.School(), first.Context());
  ASSERT_TRUE(first.Apply(roster).ok()) << ReportOf(roster);
  ImportContext later = first.Context();
  later.enrolled_on = LedgerSchool::D(2025, 10, 1);
  ImportPlan moved =
      PlanRosterImport("Фамилия;Имя;Класс\nПетрова;Анна;6Б\n", "moved.csv", &first.School(), later);
  ASSERT_EQ(moved.bodies.size(), 1u) << ReportOf(moved);
  ASSERT_TRUE(first.Apply(moved).ok());

  OneRosterExportOptions options;
  options.contacts["u-pa1"] = ContactRecord{"u-pa1", "+79001234567", "ivanova@mail.ru"};
  const OneRosterFiles exported = WriteOneRoster(first.School(), options);
  EXPECT_EQ(exported, WriteOneRoster(first.School(), options));  // deterministic

  LedgerSchool second;
  ASSERT_NO_FATAL_FAILURE(second.Open(/*with_year=*/false));
  ImportPlan plan = MustImport(second, exported);
  EXPECT_EQ(Snapshot(second.School()), Snapshot(first.School())) << ReportOf(plan);
  EXPECT_EQ(second.School().students.at("u-st2").memberships.size(), 2u);
  EXPECT_EQ(WriteOneRoster(second.School(), options), exported);
  EXPECT_EQ(plan.contacts.size(), 1u);

  ImportPlan onto_first = PlanOneRosterImport(exported, &first.School(), first.Context());
  EXPECT_TRUE(onto_first.ok()) << ReportOf(onto_first);
  EXPECT_TRUE(onto_first.bodies.empty()) << ReportOf(onto_first);
  ImportPlan onto_second = PlanOneRosterImport(exported, &second.School(), second.Context());
  EXPECT_TRUE(onto_second.bodies.empty()) << ReportOf(onto_second);
}

TEST_F(OneRosterTest, TheExportIsAOneRosterBulkSet) {
  LedgerSchool school;
  ASSERT_NO_FATAL_FAILURE(school.Open(false));
  MustImport(school, SmallSchool());
  const OneRosterFiles files = WriteOneRoster(school.School());
  std::set<std::string> names;
  for (const auto& [name, bytes] : files) names.insert(name);
  EXPECT_EQ(names, (std::set<std::string>{"academicSessions.csv", "classes.csv", "courses.csv",
                                          "enrollments.csv", "manifest.csv", "orgs.csv",
                                          "roles.csv", "users.csv"}));
  EXPECT_EQ(
      files.at("users.csv").rfind("sourcedId,status,dateLastModified,enabledUser,username,", 0),
      0u);
  EXPECT_NE(files.at("manifest.csv").find("oneroster.version,1.2\r\n"), std::string::npos);
  EXPECT_NE(files.at("classes.csv")
                .find("c5a,,,5А,05,ejournal-homeroom,5А,homeroom,,school-1,"
                      "\"2025-2026:t1,2025-2026:t2,2025-2026:t3,2025-2026:t4\""),
            std::string::npos)
      << files.at("classes.csv");
  EXPECT_NE(files.at("roles.csv")
                .find("t-petrova:ext:classTeacher,,,t-petrova,secondary,"
                      "ext:classTeacher"),
            std::string::npos);
}

TEST_F(OneRosterTest, AnAgentPointingNowhereIsRefused) {
  LedgerSchool school;
  ASSERT_NO_FATAL_FAILURE(school.Open(false));
  OneRosterFiles f = SmallSchool();
  f["users.csv"] += "u-pa2,,,true,,,Павел,Смирнов,,,,,,u-nobody,,\n";
  f["roles.csv"] += "r8,,,u-pa2,primary,parent,,,school-1,\n";
  ImportPlan plan = PlanOneRosterImport(f, &school.School(), school.Context());
  ASSERT_FALSE(plan.ok());
  EXPECT_TRUE(plan.bodies.empty());
  EXPECT_EQ(RowOf(plan, "users.csv", 8)->Text(),
            "users.csv, строка 8: поле agentSourcedIds: «u-nobody» нет в users.csv [R-SET-2]");
}

TEST_F(OneRosterTest, ATeachingLoadForASubjectTheSchoolDoesNotHaveIsRefused) {
  LedgerSchool school;
  ASSERT_NO_FATAL_FAILURE(school.Open(false));
  OneRosterFiles f = SmallSchool();
  f["classes.csv"] += "c5a-phys,,,Физика 5А,05,physics,5А,scheduled,,school-1,q1,,,\n";
  f["enrollments.csv"] += "e7,,,c5a-phys,school-1,t-sidorov,teacher,true,,\n";
  ImportPlan plan = PlanOneRosterImport(f, &school.School(), school.Context());
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(RowOf(plan, "enrollments.csv", 8)->Text(),
            "enrollments.csv, строка 8: нагрузка по предмету «physics» в 5А: такого предмета в "
            "школе нет (и в файле его нет); сначала добавьте предмет [R-SET-1]");
}

TEST_F(OneRosterTest, AStudentInSectionsOfTwoClassesFromOneDayIsRefused) {
  LedgerSchool school;
  ASSERT_NO_FATAL_FAILURE(school.Open(false));
  OneRosterFiles f = SmallSchool();
  f["classes.csv"] += "c6b,,,6Б,06,hr,6Б,homeroom,,school-1,q1,,,\n";
  f["enrollments.csv"] += "e7,,,c6b,school-1,u-st1,student,false,2025-09-01,\n";
  ImportPlan plan = PlanOneRosterImport(f, &school.School(), school.Context());
  ASSERT_FALSE(plan.ok());
  const RowReport* row = RowOf(plan, "enrollments.csv", 5);
  ASSERT_NE(row, nullptr);
  EXPECT_EQ(row->message,
            "ученик «Иванов Пётр Сергеевич» в двух классах: 5А (enrollments.csv:5) и 6Б "
            "(enrollments.csv:8)");
}

TEST_F(OneRosterTest, ManifestProblemsRefuseTheSet) {
  LedgerSchool school;
  ASSERT_NO_FATAL_FAILURE(school.Open(false));
  OneRosterFiles delta = SmallSchool();
  delta["manifest.csv"] += "file.users,delta\n";
  delta["manifest.csv"].replace(delta["manifest.csv"].find("file.users,bulk\n"), 16, "");
  ImportPlan plan = PlanOneRosterImport(delta, &school.School(), school.Context());
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.Report().find("users.csv в режиме delta"), std::string::npos) << ReportOf(plan);

  OneRosterFiles none = SmallSchool();
  none.erase("manifest.csv");
  EXPECT_EQ(PlanOneRosterImport(none, &school.School(), school.Context()).rows.at(0).message,
            "в наборе OneRoster нет manifest.csv");

  OneRosterFiles missing = SmallSchool();
  missing.erase("classes.csv");
  EXPECT_FALSE(PlanOneRosterImport(missing, &school.School(), school.Context()).ok());
}

TEST_F(OneRosterTest, AUserWithoutARoleAndADuplicateUsernameAreRefused) {
  LedgerSchool school;
  ASSERT_NO_FATAL_FAILURE(school.Open(false));
  OneRosterFiles f = SmallSchool();
  f["users.csv"] += "u-x,,,true,PETROVA.NI,,Ирина,Орлова,,,,,,,,\n";
  f["roles.csv"] += "r8,,,u-x,primary,teacher,,,school-1,\n";
  f["users.csv"] += "u-y,,,true,,,Ян,Белов,,,,,,,,\n";
  ImportPlan plan = PlanOneRosterImport(f, &school.School(), school.Context());
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(RowOf(plan, "users.csv", 8)->rule, "R-ACC-5");
  EXPECT_EQ(RowOf(plan, "users.csv", 2)->rule, "R-ACC-5");
  EXPECT_EQ(RowOf(plan, "users.csv", 9)->message, "у пользователя «u-y» нет роли (roles.csv)");
}

TEST_F(OneRosterTest, AnotherClassTeacherIsAssignedAndGetsTheRole) {
  LedgerSchool school;
  ASSERT_NO_FATAL_FAILURE(school.Open(false));
  MustImport(school, SmallSchool());
  OneRosterFiles f = SmallSchool();
  const std::string old_line = "e1,,,c5a,school-1,t-petrova,teacher,true,,\n";
  f["enrollments.csv"].replace(f["enrollments.csv"].find(old_line), old_line.size(),
                               "e1,,,c5a,school-1,t-sidorov,teacher,true,,\n");
  ImportPlan plan = PlanOneRosterImport(f, &school.School(), school.Context());
  ASSERT_TRUE(plan.ok()) << ReportOf(plan);
  ASSERT_EQ(plan.bodies.size(), 2u) << ReportOf(plan);
  EXPECT_EQ(plan.bodies[0].user_roles_changed().user_id(), "t-sidorov");
  EXPECT_EQ(plan.bodies[0].user_roles_changed().roles_size(), 2);
  EXPECT_EQ(plan.bodies[1].class_teacher_assigned().class_teacher_id(), "t-sidorov");
  EXPECT_EQ(plan.bodies[1].business_date().month(), 9);
  EXPECT_EQ(RowOf(plan, "classes.csv", 2)->message,
            "классный руководитель 5А: Сидоров Олег Павлович (был: Петрова Нина Ивановна)");
  ASSERT_OK(school.Apply(plan));
  EXPECT_TRUE(PlanOneRosterImport(f, &school.School(), school.Context()).bodies.empty());
}

TEST_F(OneRosterTest, ADisabledUserIsDeactivatedOnce) {
  LedgerSchool school;
  ASSERT_NO_FATAL_FAILURE(school.Open(false));
  MustImport(school, SmallSchool());
  OneRosterFiles f = SmallSchool();
  const std::string old_line = "u-dir,,,true,";
  f["users.csv"].replace(f["users.csv"].find(old_line), old_line.size(), "u-dir,,,false,");
  ImportPlan plan = PlanOneRosterImport(f, &school.School(), school.Context());
  ASSERT_EQ(plan.bodies.size(), 1u) << ReportOf(plan);
  EXPECT_EQ(plan.bodies[0].user_deactivated().user_id(), "u-dir");
  ASSERT_OK(school.Apply(plan));
  EXPECT_FALSE(school.School().users.at("u-dir").active);
  EXPECT_TRUE(PlanOneRosterImport(f, &school.School(), school.Context()).bodies.empty());
}

TEST_F(OneRosterTest, AGeneratedSchoolRoundTripsThroughOneRoster) {
  ::ejournal::testing::TempDir dir;
  synth::SettableClock clock;
  auto generated = ::ejournal::testing::GenerateSchoolLedger(
      dir.path(), clock,
      {.seed = 3, .classes = 4, .students = 40, .teachers = 10, .weeks = 1, .leak = false});
  ASSERT_TRUE(generated.has_value()) << generated.error().ToString();
  const school::School& source = *(*generated)->school_state()->FindSchool("school-1");
  const OneRosterFiles files = WriteOneRoster(source);

  LedgerSchool copy;
  ASSERT_NO_FATAL_FAILURE(copy.Open(false));
  ImportContext ctx = copy.Context();
  ctx.academic_year_id = "2025";
  ImportPlan plan = PlanOneRosterImport(files, &copy.School(), ctx);
  ASSERT_TRUE(plan.ok()) << ReportOf(plan);
  ASSERT_OK(copy.Apply(plan));
  Snapshot want(source), got(copy.School());
  // Loads on subgroups are left to the administrator (the import creates no subgroups).
  std::erase_if(want.loads, [&](const auto& l) {
    return std::any_of(source.loads.begin(), source.loads.end(), [&](const auto& e) {
      return !e.second.subgroup_id.empty() && e.second.teacher_id == std::get<0>(l) &&
             e.second.class_id == std::get<1>(l) && e.second.subject_id == std::get<2>(l);
    });
  });
  EXPECT_GT(want.users.size(), 90u);  // 40 students, their parents, the staff
  EXPECT_EQ(want.classes.size(), 4u);
  EXPECT_GT(want.loads.size(), 20u);
  EXPECT_EQ(got.users, want.users);
  EXPECT_EQ(got.classes, want.classes);
  EXPECT_EQ(got.placements, want.placements);
  EXPECT_EQ(got.guardians, want.guardians);
  EXPECT_EQ(got.loads, want.loads);
  EXPECT_EQ(got.years, want.years);
  EXPECT_EQ(got.subjects, want.subjects);
  // Its own export records nothing in the generated school, nor again in the copy.
  ImportPlan onto_source = PlanOneRosterImport(files, &source, ctx);
  EXPECT_TRUE(onto_source.ok()) << ReportOf(onto_source);
  EXPECT_TRUE(onto_source.bodies.empty()) << ReportOf(onto_source);
  EXPECT_TRUE(PlanOneRosterImport(files, &copy.School(), ctx).bodies.empty());
}

TEST_F(OneRosterTest, ASchoolWithNothingRecordedCanBePlannedWithoutAState) {
  LedgerSchool school;
  ASSERT_NO_FATAL_FAILURE(school.Open(false));
  ImportPlan without = PlanOneRosterImport(SmallSchool(), nullptr, school.Context());
  ImportPlan with = PlanOneRosterImport(SmallSchool(), &school.School(), school.Context());
  ASSERT_TRUE(without.ok()) << ReportOf(without);
  EXPECT_EQ(Serialized(without), Serialized(with));
}

TEST_F(OneRosterTest, AParentOfAStudentWhoIsInNoClassIsRefused) {
  LedgerSchool school;
  ASSERT_NO_FATAL_FAILURE(school.Open(false));
  OneRosterFiles f = SmallSchool();
  f["users.csv"] += "u-st3,,,true,,,Ян,Белов,,,,,,u-pa1,,\n";
  f["roles.csv"] += "r8,,,u-st3,primary,student,,,school-1,\n";
  ImportPlan plan = PlanOneRosterImport(f, &school.School(), school.Context());
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(RowOf(plan, "users.csv", 8)->message,
            "ученик «Белов Ян» не зачислен ни в один класс: связь с родителем «Иванова Мария "
            "Петровна» записать нельзя");
}

TEST_F(OneRosterTest, AClassWhoseKlassCannotBeReadIsRefused) {
  LedgerSchool school;
  ASSERT_NO_FATAL_FAILURE(school.Open(false));
  OneRosterFiles f = SmallSchool();
  f["classes.csv"] += "c-art,,,Изостудия,05,math,,scheduled,,school-1,q1,,,\n";
  ImportPlan plan = PlanOneRosterImport(f, &school.School(), school.Context());
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(RowOf(plan, "classes.csv", 5)->Text(),
            "classes.csv, строка 5: поля classCode и title: не удалось определить класс "
            "«Изостудия» (параллель и букву); укажите classCode, например 5А [R-SET-2]");
}

TEST_F(OneRosterTest, UserProfilesGiveMissingLoginsAndTheirPasswordsAreNeverImported) {
  LedgerSchool school;
  ASSERT_NO_FATAL_FAILURE(school.Open(false));
  OneRosterFiles f = SmallSchool();
  const std::string absent = "file.userProfiles,absent\n";
  f["manifest.csv"].replace(f["manifest.csv"].find(absent), absent.size(),
                            "file.userProfiles,bulk\n");
  f["userProfiles.csv"] =
      "sourcedId,status,dateLastModified,userSourcedId,profileType,vendorId,applicationId,"
      "description,credentialType,username,password\n"
      "up1,,,t-sidorov,lms,vendor,,,password,oleg.sidorov,Secret-123\n";
  ImportPlan plan = MustImport(school, f);
  EXPECT_EQ(school.School().users.at("t-sidorov").login, "oleg.sidorov");
  for (const auto& b : plan.bodies) {
    EXPECT_EQ(b.SerializeAsString().find("Secret-123"), std::string::npos);
  }
  EXPECT_NE(plan.Report().find("userProfiles.csv: пароли не импортируются"), std::string::npos);
}

TEST_F(OneRosterTest, ADryRunEqualsTheRealRun) {
  LedgerSchool school;
  ASSERT_NO_FATAL_FAILURE(school.Open(false));
  ImportPlan a = PlanOneRosterImport(SmallSchool(), &school.School(), school.Context());
  ImportPlan b = PlanOneRosterImport(SmallSchool(), &school.School(), school.Context());
  EXPECT_EQ(Serialized(a), Serialized(b));
  EXPECT_EQ(a.Report(), b.Report());
  ASSERT_TRUE(school.Apply(b).ok());
}

}  // namespace
}  // namespace ejournal::setup
