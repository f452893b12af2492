// The school's set-up (R-SET-1..3): its current state for the people who keep it, and events the
// server works out for them to sign (lessons from the timetable). The server never records a
// proposal itself: the person signs each body with their own key and submits it as any write.
#include <google/protobuf/util/json_util.h>
#include <httplib.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "api/access.h"
#include "api/http_errors.h"
#include "api/json_util.h"
#include "api/server.h"
#include "projections/lesson_generation.h"
#include "projections/plan_progress.h"
#include "projections/rights.h"
#include "projections/setup_view.h"
#include "projections/week_timetable.h"
#include "setup/oneroster.h"
#include "setup/plan_csv.h"
#include "setup/roster_csv.h"

namespace ejournal::api {
namespace {

// Who reads and edits the set-up: the administrator and the methodist edit it (DOMAIN.md's
// roles), the director and the deputy read it. A class teacher reads their class through the
// class page.
bool KeepsSetup(const school::User& user) {
  return user.active && (user.Has(v1::ROLE_ADMIN) || user.Has(v1::ROLE_METHODIST) ||
                         user.Has(v1::ROLE_DIRECTOR) || user.Has(v1::ROLE_DEPUTY));
}

// The longest range lessons are generated for at once: a school year.
constexpr int kMaxGenerateDays = 366;

// An import's plan as the answer: rows, bodies (only when no row is refused) and contacts.
v1::ProposedEvents ProposalOf(const setup::ImportPlan& plan) {
  v1::ProposedEvents out;
  out.set_ok(plan.ok());
  for (const auto& b : plan.bodies) *out.add_bodies() = b;
  for (const auto& note : plan.notes) {
    auto* row = out.add_rows();
    row->set_text(note);
  }
  for (const auto& r : plan.rows) {
    auto* row = out.add_rows();
    row->set_source(r.at.file);
    row->set_line(r.at.line);
    row->set_text(r.message);
    row->set_rule(r.rule);
    row->set_refused(r.status == setup::RowStatus::kRefused);
  }
  for (const auto& c : plan.contacts) {
    auto* contact = out.add_contacts();
    contact->set_user_id(c.user_id);
    contact->set_phone(c.phone);
    contact->set_email(c.email);
  }
  const int refused = plan.Count(setup::RowStatus::kRefused);
  out.set_summary(
      refused > 0
          ? "Строк с отказом: " + std::to_string(refused) + ". Ничего не будет записано."
          : "Новых: " + std::to_string(plan.Count(setup::RowStatus::kNew)) +
                "; изменений: " + std::to_string(plan.Count(setup::RowStatus::kChanged)) +
                "; без изменений: " + std::to_string(plan.Count(setup::RowStatus::kUnchanged)) +
                "; пропущено: " + std::to_string(plan.Count(setup::RowStatus::kSkipped)) +
                "; событий к записи: " + std::to_string(plan.bodies.size()));
  return out;
}

bool IsAdmin(const school::User& user) { return user.active && user.Has(v1::ROLE_ADMIN); }

// The year and the enrolment day of an import: the `year` and `on` parameters, else the year of
// today (or the next to start) and today, or the year's first day before it starts.
Result<setup::ImportContext> ContextOf(const httplib::Request& req, const school::School& school,
                                       const school::User& importer, school::Day today) {
  setup::ImportContext ctx;
  ctx.school_id = school.id;
  ctx.importer_id = importer.id;
  EJ_ASSIGN_OR_RETURN(ctx.academic_year_id, QueryString(req, "year", false));
  if (ctx.academic_year_id.empty()) {
    const school::AcademicYear* best = nullptr;
    for (const auto& [id, y] : school.years) {
      if (y.last < today) continue;
      if (best == nullptr || y.first < best->first) best = &y;
    }
    if (best == nullptr) {
      return Err(FailedPrecondition(
          "В школе нет текущего или будущего учебного года: сначала задайте год", "R-SET-1"));
    }
    ctx.academic_year_id = best->id;
  }
  auto year = school.years.find(ctx.academic_year_id);
  if (year == school.years.end()) {
    return Err(
        InvalidArgument("В школе нет учебного года «" + ctx.academic_year_id + "»", "R-SET-1"));
  }
  if (req.has_param("on")) {
    EJ_ASSIGN_OR_RETURN(ctx.enrolled_on, QueryDay(req, "on"));
  } else {
    ctx.enrolled_on = std::clamp(today, year->second.first, year->second.last);
  }
  return ctx;
}

}  // namespace

void ApiServer::SetupRoutes() {
  using httplib::Request;
  using httplib::Response;
  const std::string s = "/api/v1/schools/([A-Za-z0-9._:-]{1,64})";
  Get(s + "/setup", "setup", [this](const Request& req, Response& res) { GetSetup(req, res); });
  Post(s + "/lessons:generate", "lessons_generate",
       [this](const Request& req, Response& res) { PostGenerateLessons(req, res); });
  Post(s + "/imports/(roster|oneroster|plan)", "import",
       [this](const Request& req, Response& res) { PostImport(req, res); });
  Get(s + "/exports/oneroster", "export_oneroster",
      [this](const Request& req, Response& res) { GetOneRosterExport(req, res); });
  Get(s + "/plans", "plans", [this](const Request& req, Response& res) { GetPlans(req, res); });
  Get(s + "/timetable", "timetable",
      [this](const Request& req, Response& res) { GetWeekTimetable(req, res); });
  Get(s + "/students/([A-Za-z0-9._:-]{1,64})/control-works", "control_works",
      [this](const Request& req, Response& res) { GetControlWorks(req, res); });
  Post(s + "/contacts", "contacts",
       [this](const Request& req, Response& res) { PostContacts(req, res); });
}

void ApiServer::PostImport(const httplib::Request& req, httplib::Response& res) {
  const std::string school_id = req.matches[1];
  const std::string kind = req.matches[2];
  WithReader(req, res, school_id, [&](const Reader& reader) ABSL_SHARED_LOCKS_REQUIRED(state_mu_) {
    const school::School& school = *reader.school;
    const school::User& user = *reader.user;
    const school::Day today = school.zone.LocalDay(options_.clock->NowMicros());
    auto file = QueryString(req, "file", false);
    if (!file) return SetError(res, file.error());
    if (kind == "plan") {
      // R-PLAN-1: the teacher's КТП (or the administrator's import of it).
      setup::PlanTarget target;
      for (auto [name, field] :
           {std::pair{"class", &target.class_id}, std::pair{"subject", &target.subject_id},
            std::pair{"subgroup", &target.subgroup_id},
            std::pair{"year", &target.academic_year_id}}) {
        auto value =
            QueryString(req, name, std::string(name) == "class" || std::string(name) == "subject");
        if (!value) return SetError(res, value.error());
        *field = *value;
      }
      auto term = QueryInt(req, "term", 0);
      if (!term) return SetError(res, term.error());
      target.term_number = static_cast<int>(*term);
      // The plan's rows show what is recorded: for those who may read that journal page.
      if (!MayReadPage(school, user, target.class_id, target.subgroup_id, target.subject_id, 0)) {
        return SetError(res, NotVisible());
      }
      if (target.academic_year_id.empty()) {
        if (auto c = school.classes.find(target.class_id); c != school.classes.end()) {
          target.academic_year_id = c->second.year_id;
        }
      }
      const std::string plan_id =
          target.plan_id.empty()
              ? "ktp-" + target.class_id + "-" + target.subject_id +
                    (target.subgroup_id.empty() ? "" : "-" + target.subgroup_id) + "-t" +
                    std::to_string(target.term_number)
              : target.plan_id;
      v1::PlannedTopicsSet recorded;
      const v1::PlannedTopicsSet* recorded_ptr = nullptr;
      if (auto p = school.plans.find(plan_id); p != school.plans.end()) {
        const v1::SetupView one = school::SetupViewOf(school, today, 0);
        for (const auto& plan : one.plans()) {
          if (plan.plan_id() == plan_id) recorded = plan;
        }
        recorded_ptr = &recorded;
      }
      return ReplyProto(
          res, ProposalOf(setup::PlanKtpImport(req.body, file->empty() ? "ktp.csv" : *file, target,
                                               &school, recorded_ptr)));
    }
    if (!IsAdmin(user)) {
      return SetError(res, PermissionDenied("Список школы загружает администратор", "R-ACC-2"));
    }
    auto ctx = ContextOf(req, school, user, today);
    if (!ctx) return SetError(res, ctx.error());
    if (kind == "roster") {
      return ReplyProto(res, ProposalOf(setup::PlanRosterImport(
                                 req.body, file->empty() ? "roster.csv" : *file, &school, *ctx)));
    }
    // OneRoster: {"files": {"manifest.csv": "...", "users.csv": "...", ...}}.
    auto body = ParseObject(req.body);
    if (!body) return SetError(res, body.error());
    if (!body->contains("files") || !(*body)["files"].is_object()) {
      return SetError(
          res,
          InvalidArgument("Нужны файлы OneRoster: {\"files\": {\"users.csv\": ...}}", "R-SET-1"));
    }
    setup::OneRosterFiles files;
    for (const auto& [name, text] : (*body)["files"].items()) {
      if (!text.is_string()) {
        return SetError(res, InvalidArgument("Файл " + name + " — не текст", "R-SET-1"));
      }
      files[name] = text.get<std::string>();
    }
    ReplyProto(res, ProposalOf(setup::PlanOneRosterImport(files, &school, *ctx)));
  });
}

void ApiServer::GetOneRosterExport(const httplib::Request& req, httplib::Response& res) {
  const std::string school_id = req.matches[1];
  WithReader(req, res, school_id, [&](const Reader& reader) ABSL_SHARED_LOCKS_REQUIRED(state_mu_) {
    if (!IsAdmin(*reader.user)) {
      return SetError(res, PermissionDenied("Выгрузку делает администратор", "R-ACC-2"));
    }
    setup::OneRosterExportOptions options;
    for (const auto& [id, user] : reader.school->users) {
      auto contact = secrets_->GetContact(school_id, id);
      if (!contact) continue;
      options.contacts[id] = setup::ContactRecord{id, contact->phone(), contact->email()};
    }
    nlohmann::json files = nlohmann::json::object();
    for (const auto& [name, text] : setup::WriteOneRoster(*reader.school, options)) {
      files[name] = text;
    }
    ReplyJson(res, nlohmann::json{{"files", files}});
  });
}

void ApiServer::PostContacts(const httplib::Request& req, httplib::Response& res) {
  const std::string school_id = req.matches[1];
  v1::ProposedEvents in;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  if (!google::protobuf::util::JsonStringToMessage(req.body, &in, options).ok()) {
    return SetError(res, InvalidArgument("Нужен объект {\"contacts\": [...]}", "R-SET-2"));
  }
  WithReader(req, res, school_id, [&](const Reader& reader) ABSL_SHARED_LOCKS_REQUIRED(state_mu_) {
    const school::User& user = *reader.user;
    for (const auto& c : in.contacts()) {
      // R-SET-2: the administrator, or the class teacher of the person's (or their child's) class.
      bool may = IsAdmin(user);
      if (!may && user.Has(v1::ROLE_CLASS_TEACHER)) {
        const school::Day today = reader.school->zone.LocalDay(options_.clock->NowMicros());
        std::vector<std::string> students{c.user_id()};
        for (const auto& [id, st] : reader.school->students) {
          if (st.guardians.contains(c.user_id())) students.push_back(id);
        }
        for (const auto& sid : students) {
          auto st = reader.school->students.find(sid);
          if (st == reader.school->students.end()) continue;
          const school::Membership* m = st->second.On(today);
          if (m != nullptr && school::ClassTeacherOf(*reader.school, user, m->class_id)) may = true;
        }
      }
      if (!may || reader.school->FindUser(c.user_id()) == nullptr)
        return SetError(res, NotVisible());
    }
    for (const auto& c : in.contacts()) {
      if (Status st = secrets_->PutContact(school_id, c); !st.ok()) return SetError(res, st);
    }
    ReplyJson(res, nlohmann::json{{"stored", in.contacts_size()}});
  });
}

void ApiServer::GetSetup(const httplib::Request& req, httplib::Response& res) {
  const std::string school_id = req.matches[1];
  WithReader(req, res, school_id, [&](const Reader& reader) ABSL_SHARED_LOCKS_REQUIRED(state_mu_) {
    // The auditor reads it too: the ledger browser and the audit name people from it.
    if (!KeepsSetup(*reader.user) && !reader.user->Has(v1::ROLE_AUDITOR)) {
      return SetError(res, NotVisible());
    }
    const school::Day today = reader.school->zone.LocalDay(options_.clock->NowMicros());
    v1::SetupView view = school::SetupViewOf(*reader.school, today, state_->size());
    for (auto& u : *view.mutable_users()) {
      u.set_has_password(secrets_->GetPassword(school_id, u.user().user_id()).has_value());
    }
    ReplyProto(res, view);
  });
}

void ApiServer::GetPlans(const httplib::Request& req, httplib::Response& res) {
  const std::string school_id = req.matches[1];
  WithReader(req, res, school_id, [&](const Reader& reader) ABSL_SHARED_LOCKS_REQUIRED(state_mu_) {
    const school::User& user = *reader.user;
    // R-PLAN-1: the set-up's keepers and the auditor read every plan; a teacher those of their
    // own teaching load.
    const bool all = KeepsSetup(user) || user.Has(v1::ROLE_AUDITOR);
    if (!all && !user.Has(v1::ROLE_TEACHER)) return SetError(res, NotVisible());
    ReplyProto(res, school::PlanProgressOf(*state_, *reader.school, all ? "" : user.id));
  });
}

void ApiServer::GetWeekTimetable(const httplib::Request& req, httplib::Response& res) {
  const std::string school_id = req.matches[1];
  WithReader(req, res, school_id, [&](const Reader& reader) ABSL_SHARED_LOCKS_REQUIRED(state_mu_) {
    const school::School& school = *reader.school;
    const school::User& user = *reader.user;
    const school::Day today = school.zone.LocalDay(options_.clock->NowMicros());
    school::Day day = today;
    if (req.has_param("week")) {
      auto d = QueryDay(req, "week");
      if (!d) return SetError(res, d.error());
      day = *d;
    }
    const std::string class_id = req.get_param_value("class");
    std::string teacher_id = req.get_param_value("teacher");
    if (class_id.empty() == teacher_id.empty()) {
      return SetError(res,
                      InvalidArgument("Укажите класс (class) или учителя (teacher)", "R-SET-1"));
    }
    // The timetable is the school's own notice board: staff read every class's and teacher's;
    // a student or a parent the class of the student (their children) today.
    const bool staff = KeepsSetup(user) || user.Has(v1::ROLE_TEACHER) ||
                       user.Has(v1::ROLE_CLASS_TEACHER) || user.Has(v1::ROLE_AUDITOR) ||
                       user.Has(v1::ROLE_SECRETARY);
    bool allowed = staff;
    if (!allowed && !class_id.empty()) {
      for (const auto& [student_id, st] : school.students) {
        if (student_id != user.id && !st.guardians.contains(user.id)) continue;
        const school::Membership* m = st.On(today);
        allowed |= m != nullptr && m->class_id == class_id;
      }
    }
    if (!allowed || (!class_id.empty() && !school.classes.contains(class_id)) ||
        (!teacher_id.empty() && school.FindUser(teacher_id) == nullptr)) {
      return SetError(res, NotVisible());
    }
    ReplyProto(res, school::WeekTimetableOf(school, class_id, teacher_id, school::WeekStart(day)));
  });
}

void ApiServer::GetControlWorks(const httplib::Request& req, httplib::Response& res) {
  const std::string school_id = req.matches[1], student_id = req.matches[2];
  WithReader(req, res, school_id, [&](const Reader& reader) ABSL_SHARED_LOCKS_REQUIRED(state_mu_) {
    // R-PLAN-2: whoever reads the student's diary reads the schedule of their control works.
    if (!reader.school->students.contains(student_id) ||
        !MayReadDiary(*reader.school, *reader.user, student_id)) {
      return SetError(res, NotVisible());
    }
    school::Day from = reader.school->zone.LocalDay(options_.clock->NowMicros());
    if (req.has_param("from")) {
      auto day = QueryDay(req, "from");
      if (!day) return SetError(res, day.error());
      from = *day;
    }
    ReplyProto(res, school::ControlWorksOf(*reader.school, student_id, from));
  });
}

void ApiServer::PostGenerateLessons(const httplib::Request& req, httplib::Response& res) {
  const std::string school_id = req.matches[1];
  auto body = ParseObject(req.body);
  if (!body) return SetError(res, body.error());
  if (Status st = OnlyFields(*body, {"from", "to"}); !st.ok()) return SetError(res, st);
  auto from_text = StringField(*body, "from");
  auto to_text = StringField(*body, "to");
  if (!from_text) return SetError(res, from_text.error());
  if (!to_text) return SetError(res, to_text.error());
  auto from = ParseDay(*from_text);
  auto to = ParseDay(*to_text);
  if (!from || !to) {
    return SetError(res, InvalidArgument("Даты — в виде ГГГГ-ММ-ДД", "R-SET-1"));
  }
  if (*to < *from || *to - *from >= kMaxGenerateDays) {
    return SetError(res, InvalidArgument("Уроки создаются на срок от одного дня до года: с " +
                                             school::RuDate(*from) + " по " + school::RuDate(*to),
                                         "R-SET-1"));
  }
  WithReader(req, res, school_id, [&](const Reader& reader) ABSL_SHARED_LOCKS_REQUIRED(state_mu_) {
    const school::User& user = *reader.user;
    if (!user.active || !(user.Has(v1::ROLE_ADMIN) || user.Has(v1::ROLE_METHODIST))) {
      return SetError(res, PermissionDenied("Уроки по расписанию создаёт методист или "
                                            "администратор",
                                            "R-ACC-2"));
    }
    school::GeneratedLessons g = school::GenerateLessons(*reader.school, *from, *to);
    v1::ProposedEvents out;
    out.set_ok(true);
    for (auto& b : g.bodies) *out.add_bodies() = std::move(b);
    for (const auto& d : g.days_off) {
      auto* row = out.add_rows();
      row->set_source("расписание");
      row->set_text("нет уроков: " + d);
    }
    for (const auto& k : g.kept) {
      auto* row = out.add_rows();
      row->set_source("расписание");
      row->set_text(k);
    }
    out.set_summary("Новых уроков: " + std::to_string(g.scheduled) +
                    "; отменяется по изменённому расписанию: " + std::to_string(g.cancelled) +
                    "; уже в журнале: " + std::to_string(g.already) +
                    "; нерабочих дней: " + std::to_string(g.days_off.size()));
    ReplyProto(res, out);
  });
}

}  // namespace ejournal::api
