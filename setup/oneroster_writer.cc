// WriteOneRoster (oneroster.h): the school's state as a OneRoster 1.2 bulk set.
#include <algorithm>
#include <map>
#include <set>

#include "setup/csv.h"
#include "setup/internal/oneroster_vocabulary.h"
#include "setup/internal/text.h"
#include "setup/oneroster.h"

namespace ejournal::setup {
namespace {

using internal::GradeToken;
using internal::RoleToken;

// A file under construction: its header and rows, sorted by sourcedId when written.
struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  bool sorted = true;  // the manifest keeps its order
  std::string Bytes() {
    if (sorted) std::sort(rows.begin(), rows.end());
    std::string out = CsvLine(header) + "\r\n";
    for (const auto& r : rows) out += CsvLine(r) + "\r\n";
    return out;
  }
};

std::string Iso(school::Day day) {
  return day == school::kNoDay || day == school::kForever ? std::string() : school::DayString(day);
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ",") + i;
  return out;
}

std::string TermTitle(size_t count, int number) {
  const std::string n = std::to_string(number);
  if (count == 4) return n + " четверть";
  if (count == 3) return n + " триместр";
  if (count == 2) return n + " полугодие";
  return n + " период";
}

class Writer {
 public:
  Writer(const school::School& school, const OneRosterExportOptions& options)
      : school_(school), options_(options) {}

  OneRosterFiles Write() {
    OneRosterFiles files;
    files["manifest.csv"] = Manifest();
    files["orgs.csv"] = Orgs();
    files["academicSessions.csv"] = Sessions();
    files["courses.csv"] = Courses();
    files["classes.csv"] = Classes();
    files["users.csv"] = Users();
    files["roles.csv"] = Roles();
    files["enrollments.csv"] = Enrollments();
    return files;
  }

 private:
  std::string Manifest() const {
    Table t{{"propertyName", "value"}, {}, false};
    const char* bulk[] = {
        "academicSessions", "classes", "courses", "enrollments", "orgs", "roles", "users"};
    const char* absent[] = {"categories",   "classResources", "courseResources", "demographics",
                            "lineItems",    "resources",      "results",         "scoreScales",
                            "userProfiles", "userResources"};
    t.rows.push_back({"manifest.version", "1.0"});
    t.rows.push_back({"oneroster.version", "1.2"});
    for (const char* f : bulk) t.rows.push_back({std::string("file.") + f, "bulk"});
    for (const char* f : absent) t.rows.push_back({std::string("file.") + f, "absent"});
    t.rows.push_back({"source.systemName", "ejournal"});
    t.rows.push_back({"source.systemCode", "ejournal"});
    return t.Bytes();
  }

  std::string Orgs() const {
    Table t{{"sourcedId", "status", "dateLastModified", "name", "type", "identifier",
             "parentSourcedId"},
            {}};
    t.rows.push_back({school_.id, "", "", school_.name, "school", "", ""});
    return t.Bytes();
  }

  // The term sourcedIds of a scheme: "<year>:t<n>" for a scheme of every grade, else
  // "<year>:g<from>-<to>:t<n>".
  static std::string TermId(const school::AcademicYear& y, const school::TermScheme& s, int n) {
    const bool all = s.grade_from == 1 && s.grade_to == 11;
    return y.id + ":" +
           (all ? ""
                : "g" + std::to_string(s.grade_from) + "-" + std::to_string(s.grade_to) + ":") +
           "t" + std::to_string(n);
  }

  std::string TermsOf(const std::string& year_id, int grade) const {
    auto y = school_.years.find(year_id);
    if (y == school_.years.end()) return "";
    const school::TermScheme* s = y->second.SchemeFor(grade);
    if (s == nullptr) return "";
    std::vector<std::string> ids;
    for (const auto& term : s->terms) ids.push_back(TermId(y->second, *s, term.number));
    return Join(ids);
  }

  std::string Sessions() const {
    Table t{{"sourcedId", "status", "dateLastModified", "title", "type", "startDate", "endDate",
             "parentSourcedId", "schoolYear", "metadata.ejournal.grades"},
            {}};
    for (const auto& [id, y] : school_.years) {
      const std::string school_year = Iso(y.last).substr(0, 4);
      t.rows.push_back({id, "", "", "Учебный год " + id, "schoolYear", Iso(y.first), Iso(y.last),
                        "", school_year, ""});
      for (const auto& s : y.schemes) {
        const std::string grades = std::to_string(s.grade_from) + "-" + std::to_string(s.grade_to);
        for (const auto& term : s.terms) {
          t.rows.push_back({TermId(y, s, term.number), "", "",
                            TermTitle(s.terms.size(), term.number),
                            s.terms.size() == 2 ? "semester" : "term", Iso(term.first),
                            Iso(term.last), id, school_year, grades});
        }
      }
    }
    return t.Bytes();
  }

  std::string Courses() const {
    Table t{
        {"sourcedId", "status", "dateLastModified", "schoolYearSourcedId", "title", "courseCode",
         "grades", "orgSourcedId", "subjects", "subjectCodes", "metadata.ejournal.subjectKind"},
        {}};
    for (const auto& [id, s] : school_.subjects) {
      std::string kind = v1::SubjectKind_Name(s.kind);
      if (kind.rfind("SUBJECT_KIND_", 0) == 0) kind = kind.substr(13);
      if (s.kind == v1::SUBJECT_KIND_UNSPECIFIED) kind.clear();
      t.rows.push_back({id, "", "", "", s.name, "", "", school_.id, s.name, "", kind});
    }
    if (!school_.classes.empty()) {
      t.rows.push_back({internal::kHomeroomCourse, "", "", "", "Класс (классное руководство)", "",
                        "", school_.id, "", "", ""});
    }
    return t.Bytes();
  }

  std::string Classes() const {
    Table t{{"sourcedId", "status", "dateLastModified", "title", "grades", "courseSourcedId",
             "classCode", "classType", "location", "schoolSourcedId", "termSourcedIds", "subjects",
             "subjectCodes", "periods", "metadata.ejournal.weeklyHours",
             "metadata.ejournal.subgroupId"},
            {}};
    for (const auto& [id, c] : school_.classes) {
      const std::string name = std::to_string(c.grade) + c.letter;
      t.rows.push_back({id, "", "", name, GradeToken(c.grade), internal::kHomeroomCourse, name,
                        "homeroom", "", school_.id, TermsOf(c.year_id, c.grade), "", "", "", "",
                        ""});
    }
    for (const auto& [id, l] : school_.loads) {
      auto c = school_.classes.find(l.class_id);
      auto s = school_.subjects.find(l.subject_id);
      if (c == school_.classes.end() || s == school_.subjects.end() || l.to < l.from) continue;
      const std::string name = std::to_string(c->second.grade) + c->second.letter;
      t.rows.push_back({id, "", "", s->second.name + ", " + name, GradeToken(c->second.grade),
                        l.subject_id, name, "scheduled", "", school_.id,
                        TermsOf(c->second.year_id, c->second.grade), s->second.name, "", "",
                        std::to_string(l.weekly_hours), l.subgroup_id});
    }
    return t.Bytes();
  }

  std::string Users() const {
    Table t{{"sourcedId",
             "status",
             "dateLastModified",
             "enabledUser",
             "username",
             "userIds",
             "givenName",
             "familyName",
             "middleName",
             "identifier",
             "email",
             "sms",
             "phone",
             "agentSourcedIds",
             "grades",
             "password",
             "userMasterIdentifier",
             "resourceSourcedIds",
             "preferredGivenName",
             "preferredMiddleName",
             "preferredFamilyName",
             "primaryOrgSourcedId",
             "pronouns",
             "metadata.ejournal.displayName"},
            {}};
    std::map<std::string, std::set<std::string>> agents;
    for (const auto& [sid, st] : school_.students) {
      for (const std::string& g : st.guardians) {
        agents[sid].insert(g);
        agents[g].insert(sid);
      }
    }
    for (const auto& [id, u] : school_.users) {
      const std::vector<std::string> words = internal::SplitList(u.display_name, ' ');
      std::string family = words.empty() ? id : words[0];
      std::string given = words.size() > 1 ? words[1] : "";
      std::string middle;
      for (size_t i = 2; i < words.size(); ++i) middle += (i > 2 ? " " : "") + words[i];
      std::string email, phone;
      if (auto c = options_.contacts.find(id); c != options_.contacts.end()) {
        email = c->second.email;
        phone = c->second.phone;
      }
      const auto& a = agents[id];
      t.rows.push_back({id,      "",
                        "",      u.active ? "true" : "false",
                        u.login, "",
                        given,   family,
                        middle,  "",
                        email,   "",
                        phone,   Join(std::vector<std::string>(a.begin(), a.end())),
                        "",      "",
                        "",      "",
                        "",      "",
                        "",      school_.id,
                        "",      u.display_name});
    }
    return t.Bytes();
  }

  std::string Roles() const {
    Table t{{"sourcedId", "status", "dateLastModified", "userSourcedId", "roleType", "role",
             "beginDate", "endDate", "orgSourcedId", "userProfileSourcedId"},
            {}};
    for (const auto& [id, u] : school_.users) {
      bool first = true;
      for (int r = v1::Role_MIN; r <= v1::Role_MAX; ++r) {
        const auto role = static_cast<v1::Role>(r);
        if (role == v1::ROLE_UNSPECIFIED || !u.Has(role)) continue;
        const std::string token(RoleToken(role));
        t.rows.push_back({id + ":" + token, "", "", id, first ? "primary" : "secondary", token, "",
                          "", school_.id, ""});
        first = false;
      }
    }
    return t.Bytes();
  }

  std::string Enrollments() const {
    Table t{{"sourcedId", "status", "dateLastModified", "classSourcedId", "schoolSourcedId",
             "userSourcedId", "role", "primary", "beginDate", "endDate"},
            {}};
    for (const auto& [sid, st] : school_.students) {
      for (const auto& m : st.memberships) {
        if (m.to < m.from) continue;  // a placement that never held a day
        t.rows.push_back({sid + ":" + m.class_id + ":" + Iso(m.from), "", "", m.class_id,
                          school_.id, sid, "student", "false", Iso(m.from), Iso(m.to)});
      }
    }
    for (const auto& [id, c] : school_.classes) {
      if (c.class_teacher_id.empty()) continue;
      t.rows.push_back(
          {id + ":teacher", "", "", id, school_.id, c.class_teacher_id, "teacher", "true", "", ""});
    }
    for (const auto& [id, l] : school_.loads) {
      if (l.to < l.from || !school_.classes.contains(l.class_id) ||
          !school_.subjects.contains(l.subject_id)) {
        continue;  // as Classes() leaves it out
      }
      t.rows.push_back({id + ":teacher", "", "", id, school_.id, l.teacher_id, "teacher", "true",
                        Iso(l.from), Iso(l.to)});
    }
    return t.Bytes();
  }

  const school::School& school_;
  const OneRosterExportOptions& options_;
};

}  // namespace

OneRosterFiles WriteOneRoster(const school::School& school, const OneRosterExportOptions& options) {
  return Writer(school, options).Write();
}

}  // namespace ejournal::setup
