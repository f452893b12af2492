// The differ behind PlanImport (import_plan.h), in steps: resolve what each input record is in the
// school (an existing record or a new one, with its id), then emit the bodies of what changes into
// buckets in admission's order, noting a fragment of the report for its row at every decision.
//
// import_plan.cc: the context, years, subjects, classes, loads and the assembly of the plan;
// import_people.cc: users (matching, ids, logins, names, roles); import_roster.cc: enrolments,
// guardian links, deactivations. Single-threaded, used once.
#ifndef EJOURNAL_SETUP_INTERNAL_PLANNER_H_
#define EJOURNAL_SETUP_INTERNAL_PLANNER_H_

#include <array>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "projections/school.h"
#include "setup/import_plan.h"
#include "setup/setup_input.h"

namespace ejournal::setup::internal {

// What the plan decided about one input user.
struct UserPlan {
  const InputUser* in = nullptr;
  std::string id;                          // existing or new; empty while unresolved
  const school::User* existing = nullptr;  // null: a new user
  size_t alias_of = SIZE_MAX;              // a parent given twice: the first UserPlan
  bool refused = false;
  std::string login;    // the login the user will have
  uint32_t roles = 0;   // RoleBits the user will have
  std::string display;  // the name the user will have
};

struct ClassPlan {
  const InputClass* in = nullptr;
  std::string id, year_id;
  const school::SchoolClass* existing = nullptr;
  std::string refusal, rule;  // non-empty: refused
  std::string Text() const { return std::to_string(in->grade) + in->letter; }
};

class Planner {
 public:
  Planner(const SetupInput& input, const school::School& school, const ImportContext& context)
      : in_(input), school_(school), ctx_(context) {}
  Planner(const Planner&) = delete;
  Planner& operator=(const Planner&) = delete;

  ImportPlan Run();

  // A student's place in a class, as recorded or as this plan adds it.
  struct Membership {
    std::string class_id;
    school::Day from = school::kNoDay, to = school::kForever;
  };

 private:
  enum Bucket {
    kYears,
    kSubjects,
    kStaff,
    kClasses,
    kClassTeachers,
    kStudents,
    kParents,
    kEnrolments,
    kLinks,
    kLoads,
    kDeactivations,
    kBucketCount
  };
  struct Fragment {
    SourceRow at;
    RowStatus status;
    std::string text, rule;
  };

  // import_plan.cc
  bool CheckContext();
  void PlanYears();
  void PlanSubjects();
  void ResolveClasses();
  void EmitClasses();
  void PlanLoads();
  ImportPlan Assemble();
  std::vector<RowReport> Rows() const;
  void RelateRows(std::vector<RowReport>& rows) const;
  std::string NewClassId(const ClassPlan& c);
  std::string NewSubjectId(const InputSubject& s);

  // import_people.cc
  void CollectRequiredRoles();
  void ResolveUsers();
  void MatchUser(UserPlan& u);
  std::vector<const school::User*> NameCandidates(const UserPlan& u) const;
  void Adopt(UserPlan& u, const school::User& existing, bool by_login = false);
  void RefuseDuplicates();
  void AssignIds();
  void AssignLogins();
  std::string NewUserId(const InputUser& in);
  std::string NewLogin(const std::string& display);
  void EmitUsers();
  void EmitNewUser(const UserPlan& u);
  void EmitUserChanges(const UserPlan& u);

  // import_roster.cc
  void PlanEnrolments();
  void PlanStudentEnrolments(const std::vector<const InputEnrolment*>& list);
  void PlanGuardians();
  void PlanDeactivations();
  void CollectContacts();

  // Shared lookups.
  void Note(const SourceRow& at, RowStatus status, std::string text, std::string rule = {});
  void Refuse(const SourceRow& at, std::string text, std::string rule) {
    Note(at, RowStatus::kRefused, std::move(text), std::move(rule));
  }
  v1::EventBody& Emit(Bucket bucket) { return bodies_[bucket].emplace_back(); }
  UserPlan* User(const std::string& key);
  // The user a plan stands for (itself, or the first plan of a parent given twice).
  const UserPlan& Target(const UserPlan& u) const {
    return u.alias_of == SIZE_MAX ? u : users_[u.alias_of];
  }
  ClassPlan* Class(const std::string& key);
  // "5А" for a class id of the school or of this plan.
  std::string ClassText(const std::string& class_id) const;
  std::string UserName(const std::string& user_id) const;
  // The student's memberships as recorded, then as this plan adds them.
  std::vector<Membership>& MembershipsOf(const std::string& student_id);
  school::Day EffectiveDay() const;

  const SetupInput& in_;
  const school::School& school_;
  const ImportContext& ctx_;

  std::vector<Fragment> fragments_;
  std::array<std::vector<v1::EventBody>, kBucketCount> bodies_;
  std::vector<std::string> notes_;
  std::vector<ContactRecord> contacts_;

  std::set<std::string> new_years_;
  std::map<std::string, std::string> subject_id_of_;  // input subject key -> subject id
  std::set<std::string> new_subject_ids_;
  std::vector<ClassPlan> classes_;
  std::map<std::string, size_t> class_index_;
  std::set<std::string> new_class_ids_;
  std::vector<UserPlan> users_;
  std::map<std::string, size_t> user_index_;
  std::map<std::string, uint32_t> required_roles_;  // user key -> RoleBits the input implies
  std::set<std::string> new_user_ids_;
  std::set<std::string> login_keys_;  // LoginKey of every login the input names or the plan makes
  std::map<std::string, std::vector<Membership>> memberships_;
};

// Russian names of roles and the words for kinds of people, for the report.
std::string RoleNames(uint32_t roles);
std::string_view KindWord(PersonKind kind);
// Whether two spellings name the same person: equal NameKeys, or one is the other with one more
// word (the patronymic).
bool SameName(std::string_view a, std::string_view b);

}  // namespace ejournal::setup::internal

#endif  // EJOURNAL_SETUP_INTERNAL_PLANNER_H_
