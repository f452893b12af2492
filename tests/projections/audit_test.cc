// Audit views (projections/audit.h) on a compromise scenario: the cell's history with who, which
// credential, when, and what became of each event; a credential's and an actor's history; what
// awaits re-entry, and the re-entry itself.
#include "projections/audit.h"

#include <gtest/gtest.h>

#include "tests/support/school_fixture.h"
#include "tests/support/status_matchers.h"

namespace ejournal::testing {
namespace {

using school::Day;

class AuditTest : public SchoolFixture {
 protected:
  void SetUp() override {
    SchoolFixture::SetUp();
    reader_ = std::make_unique<school::ViewReader>(ledger_->ledger().db(),
                                                   ledger_->ledger().column_families().views);
    audit_ = std::make_unique<school::AuditReader>(
        &State(), reader_.get(), [this](uint64_t seq) { return ledger_->ledger().Entry(seq); });
  }
  std::unique_ptr<school::ViewReader> reader_;
  std::unique_ptr<school::AuditReader> audit_;
  const Day mon_ = D(2025, 10, 6);
};

TEST_F(AuditTest, CellHistoryCredentialHistoryAndReentry_R_SEC_3_R_SEC_4_R_COR_3) {
  At(mon_, "08:35");
  const uint64_t mark = MustSubmit(MarkBody("math", "m1", "math-5a-1", "s1", 3));
  At(mon_, "15:00");  // the attacker, with math's credential
  const uint64_t forged = MustSubmit(CorrectionBody("math", "r1", "m1", 2, "ошибка"));
  At(mon_, "16:00");
  const uint64_t approval = MustSubmit(ApproveBody("deputy", "r1"));
  const std::string forged_id(State().EventIdOf(forged));
  At(mon_, "14:00");
  const int64_t from = clock_.NowMicros();

  const v1::EventBody act = ActBody("director", {.act_id = "act-1", .invalid_from_us = from});
  At(mon_, "18:00");
  const uint64_t act_seq = MustSubmit(act);

  // R-ACC-4: the auditor reads who by name (as the school lists them now), beside the id.
  v1::EventBody rename = Body("admin");
  rename.mutable_user_profile_changed()->set_user_id("math");
  rename.mutable_user_profile_changed()->set_display_name("Петров Иван Сергеевич");
  MustSubmit(rename);

  auto history = audit_->CellHistory(kSchool, "math-5a-1", "s1");
  ASSERT_TRUE(history.has_value()) << history.error().ToString();
  ASSERT_EQ(history->events_size(), 4);
  EXPECT_EQ(history->events(0).sequence(), mark);
  EXPECT_EQ(history->events(0).type(), "mark_recorded");
  EXPECT_EQ(history->events(0).actor_id(), "math");
  EXPECT_EQ(history->events(0).actor_name(), "Петров Иван Сергеевич");
  EXPECT_EQ(history->events(2).actor_name(), "deputy");  // the fixture names users by their ids
  EXPECT_EQ(history->events(0).credential_id(), signers_.at("math").credential_id);
  EXPECT_FALSE(history->events(0).invalid());
  EXPECT_EQ(history->events(1).sequence(), forged);
  EXPECT_TRUE(history->events(1).invalid());
  EXPECT_EQ(history->events(1).invalidated_by_act(), "act-1");
  EXPECT_EQ(history->events(1).because_of(), 0u);
  EXPECT_EQ(history->events(2).sequence(), approval);
  EXPECT_EQ(history->events(2).actor_id(), "deputy");
  EXPECT_TRUE(history->events(2).invalid());
  EXPECT_EQ(history->events(2).because_of(), forged);
  EXPECT_EQ(history->events(3).sequence(), act_seq);
  EXPECT_EQ(history->current().marks(0).value(), 3);
  EXPECT_NE(history->events(0).body_json().find("\"mark_id\":\"m1\""), std::string::npos);

  auto cred = audit_->CredentialHistory(signers_.at("math").credential_id, from, INT64_MAX);
  ASSERT_TRUE(cred.has_value());
  ASSERT_EQ(cred->events_size(), 1);
  EXPECT_EQ(cred->events(0).sequence(), forged);
  auto deputy = audit_->ActorHistory(kSchool, "deputy", 0, INT64_MAX);
  ASSERT_TRUE(deputy.has_value());
  ASSERT_EQ(deputy->events_size(), 1);

  auto waiting = audit_->AwaitingReentry(kSchool);
  ASSERT_TRUE(waiting.has_value());
  ASSERT_EQ(waiting->events_size(), 1);  // the request (the approval is the deputy's decision)
  EXPECT_EQ(waiting->events(0).sequence(), forged);

  // R-SEC-4: the teacher, with a new credential, re-enters it; someone else may not.
  auto fresh = ledger_->IssueCredential("math", crypto::KeyType::kEd25519);
  ASSERT_TRUE(fresh.has_value());
  signers_.erase("math");
  signers_.emplace("math", std::move(*fresh));
  At(mon_ + 1, "09:00");
  v1::EventBody again = CorrectionBody("math", "r1", "m1", 2, "ошибка");
  again.set_reenters_event_id(forged_id);
  v1::EventBody by_other = again;
  by_other.set_actor_id("russian");
  by_other.set_credential_id(signers_.at("russian").credential_id);
  EXPECT_TRUE(IsRefused(Submit(by_other), StatusCode::kPermissionDenied, "R-SEC-4"));
  // R-ACC-6: "math" of another school on this node (its administrator, by the same id) is
  // someone else and re-enters nothing of this school.
  v1::EventBody other = Body("node");
  other.set_school_id("school-2");
  other.mutable_school_registered()->set_name("МБОУ СОШ № 2");
  other.mutable_school_registered()->set_time_zone(kZone);
  MustSubmit(other);
  other = Body("node");
  other.set_school_id("school-2");
  other.mutable_user_registered()->set_user_id("math");
  other.mutable_user_registered()->add_roles(v1::ROLE_ADMIN);
  MustSubmit(other);
  auto namesake = ledger_->IssueCredential("math", crypto::KeyType::kEd25519, 0, "school-2");
  ASSERT_TRUE(namesake.has_value()) << namesake.error().ToString();
  v1::EventBody elsewhere = again;
  elsewhere.set_school_id("school-2");
  elsewhere.set_credential_id(namesake->credential_id);
  auto bytes = ledger_->Sign(elsewhere, *namesake);
  ASSERT_TRUE(bytes.has_value());
  EXPECT_TRUE(IsRefused(ledger_->Submit(*bytes), StatusCode::kPermissionDenied, "R-ACC-6"));
  const uint64_t reentry = MustSubmit(again);
  auto after = audit_->AwaitingReentry(kSchool);
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(after->events_size(), 0);
  auto line = audit_->Describe(forged);
  ASSERT_TRUE(line.has_value());
  EXPECT_EQ(line->reentered_by(), reentry);
}

}  // namespace
}  // namespace ejournal::testing
