#include "tests/setup/setup_fixture.h"

#include "tests/support/status_matchers.h"

namespace ejournal::testing {

school::Day LedgerSchool::D(int year, int month, int day) {
  v1::Date d;
  d.set_year(year);
  d.set_month(month);
  d.set_day(day);
  return school::DayOf(d).value();
}

void LedgerSchool::Open(bool with_year) {
  auto created = SignedLedger::Create(dir_.path(), &clock_);
  ASSERT_TRUE(created.has_value()) << created.error().ToString();
  ledger_ = std::move(*created);
  ledger_->EnableSchoolRules();
  ASSERT_OK(ledger_->Open());
  auto zone = school::SchoolZone::Find("Europe/Moscow").value();
  clock_.Set(zone.InstantOf(D(2025, 8, 25), 9 * 60));
  node_ = ledger_->NodeSigner();
  v1::EventBody b = ledger_->NewBody(*node_);
  b.mutable_school_registered()->set_name("МБОУ СОШ № 1");
  b.mutable_school_registered()->set_time_zone("Europe/Moscow");
  auto r = ledger_->Submit(b, *node_);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  b = ledger_->NewBody(*node_);
  auto* u = b.mutable_user_registered();
  u->set_user_id("admin");
  u->add_roles(v1::ROLE_ADMIN);
  u->set_login_name("admin");
  u->set_display_name("Администратор");
  r = ledger_->Submit(b, *node_);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  auto admin = ledger_->IssueCredential("admin", crypto::KeyType::kEd25519);
  ASSERT_TRUE(admin.has_value()) << admin.error().ToString();
  admin_.emplace(std::move(*admin));
  if (!with_year) return;
  v1::EventBody y;
  auto* year = y.mutable_academic_year_defined();
  year->set_academic_year_id(kYear);
  *year->mutable_dates()->mutable_first_day() = school::DateOf(D(2025, 9, 1));
  *year->mutable_dates()->mutable_last_day() = school::DateOf(D(2026, 5, 31));
  auto* scheme = year->add_term_schemes();
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
    *t->mutable_dates()->mutable_first_day() = school::DateOf(bounds[i][0]);
    *t->mutable_dates()->mutable_last_day() = school::DateOf(bounds[i][1]);
  }
  ASSERT_OK(Submit(y));
}

Status LedgerSchool::Submit(const v1::EventBody& body) {
  v1::EventBody signed_body = ledger_->NewBody(*admin_);
  signed_body.MergeFrom(body);
  auto r = ledger_->Submit(signed_body, *admin_);
  return r.has_value() ? Status::Ok() : r.error();
}

Status LedgerSchool::DefineYear(const std::string& id, school::Day first, school::Day last) {
  v1::EventBody y;
  auto* year = y.mutable_academic_year_defined();
  year->set_academic_year_id(id);
  *year->mutable_dates()->mutable_first_day() = school::DateOf(first);
  *year->mutable_dates()->mutable_last_day() = school::DateOf(last);
  auto* scheme = year->add_term_schemes();
  scheme->set_grade_from(1);
  scheme->set_grade_to(11);
  scheme->set_kind(v1::TERM_KIND_HALF_YEAR);
  const school::Day new_year = D(school::DateOf(first).year(), 12, 31);
  const school::Day bounds[2][2] = {{first, new_year}, {new_year + 1, last}};
  for (int i = 0; i < 2; ++i) {
    auto* t = scheme->add_terms();
    t->set_number(i + 1);
    *t->mutable_dates()->mutable_first_day() = school::DateOf(bounds[i][0]);
    *t->mutable_dates()->mutable_last_day() = school::DateOf(bounds[i][1]);
  }
  return Submit(y);
}

Status LedgerSchool::Apply(const setup::ImportPlan& plan) {
  for (size_t i = 0; i < plan.bodies.size(); ++i) {
    Status s = Submit(plan.bodies[i]);
    if (!s.ok()) {
      return s.WithContext("body " + std::to_string(i) + " " + plan.bodies[i].ShortDebugString());
    }
  }
  return Status::Ok();
}

setup::ImportContext LedgerSchool::Context() const {
  setup::ImportContext c;
  c.school_id = kSchool;
  c.academic_year_id = kYear;
  c.enrolled_on = D(2025, 9, 1);
  c.importer_id = "admin";
  return c;
}

std::vector<std::string> Serialized(const setup::ImportPlan& plan) {
  std::vector<std::string> out;
  for (const auto& b : plan.bodies) out.push_back(b.SerializeAsString());
  return out;
}

std::string ReportOf(const setup::ImportPlan& plan) {
  std::string out = plan.Report();
  for (const auto& b : plan.bodies) out += "  " + b.ShortDebugString() + "\n";
  return out;
}

}  // namespace ejournal::testing
