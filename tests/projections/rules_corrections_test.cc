// The rules of corrections (projections/rules_corrections.cc): correction requests and their
// approval (R-COR-1), final marks (R-COR-2), the deputy's queue and decisions (R-COR-3). The
// fixture and conventions: rules_fixture.h.
#include <gtest/gtest.h>

#include <string>

#include "projections/reports.h"
#include "tests/projections/rules_fixture.h"

namespace ejournal::testing {
namespace {

// ---- R-COR-1: a correction request, in effect once another deputy approves it ----

// A correction takes effect only when another deputy approves it.
TEST_F(RulesTest, R_COR_1_CorrectionNeedsAnotherDeputy) {
  At(mon_, "08:40");
  MustSubmit(MarkBody("math", "m1", "math-5a-1", "s1", 3));
  At(mon_ + 1, "10:00");
  MustSubmit(CorrectionBody("math", "r1", "m1", 4));
  EXPECT_EQ(School().marks.at("m1").Current(State())->value.value, 3);
  // A deputy who requested it may not approve it; a teacher may not approve at all.
  EXPECT_TRUE(IsRefused(Submit(ApproveBody("math", "r1")), kDenied, "R-ACC-2"));
  MustSubmit(ApproveBody("deputy", "r1"));
  EXPECT_EQ(School().marks.at("m1").Current(State())->value.value, 4);
  EXPECT_TRUE(IsRefused(Submit(ApproveBody("deputy2", "r1")), kRefused, "R-COR-3"));
}

TEST_F(RulesTest, R_COR_1_ARecordedMarkIsNeverOverwritten) {
  At(mon_, "08:40");
  MustSubmit(MarkBody("math", "m1", "math-5a-1", "s1", 3));
  EXPECT_TRUE(Refused(Submit(MarkBody("math", "m1", "math-5a-1", "s1", 4)),
                      StatusCode::kAlreadyExists, "R-COR-1", "заявку завучу"));
  EXPECT_TRUE(Refused(Submit(CorrectionBody("math", "r1", "m1", 4, "")), kMalformed, "R-COR-1",
                      "укажите причину"));
  MustSubmit(CorrectionBody("math", "r1", "m1", 4));
  EXPECT_EQ(School().marks.at("m1").Current(State())->value.value, 3);
}

// ---- R-COR-2: term and year marks are not revised; grades 9 and 11 by the director's order ----

class RulesTestFinalMark : public RulesTest {
 protected:
  void SetUp() override {
    RulesTest::SetUp();
    At(D(2026, 5, 26), "12:00");
    final_seq_ = MustSubmit(TermMarkBody("math", "n1", "math", v1::PERIOD_KIND_FINAL, 0, 3));
    final_event_ = last_event_id();
  }
  v1::EventBody OrderBody(const std::string& actor, const std::string& student) {
    v1::EventBody b = Body(actor);
    auto* o = b.mutable_final_mark_correction_ordered();
    o->set_order_number("Приказ № 77");
    *o->mutable_order_date() = Date(D(2026, 5, 26));
    o->mutable_target()->set_student_id(student);
    o->mutable_target()->set_subject_id("math");
    o->mutable_target()->mutable_period()->set_academic_year_id("2025");
    o->mutable_target()->mutable_period()->set_kind(v1::PERIOD_KIND_FINAL);
    o->set_original_event_id(final_event_);
    o->mutable_new_mark()->set_value(4);
    o->set_teacher_id("math");
    o->mutable_teacher_explanation()->set_title("Объяснительная учителя от 25.05.2026");
    o->set_deputy_id("deputy");
    o->mutable_deputy_explanation()->set_title("Объяснительная завуча от 25.05.2026");
    o->set_reason("ошибка при выставлении");
    return b;
  }
  uint64_t final_seq_ = 0;
  std::string final_event_;
};

TEST_F(RulesTestFinalMark, R_COR_2_TermMarksAreNotRevised) {
  EXPECT_TRUE(Refused(Submit(TermMarkBody("math", "n1", "math", v1::PERIOD_KIND_FINAL, 0, 4)),
                      kRefused, "R-COR-2", "не меняются"));
  v1::EventBody req = Body("math");
  auto* r = req.mutable_correction_requested();
  r->set_request_id("r1");
  auto* t = r->mutable_target()->mutable_term_mark();
  t->set_student_id("n1");
  t->set_subject_id("math");
  t->mutable_period()->set_academic_year_id("2025");
  t->mutable_period()->set_kind(v1::PERIOD_KIND_FINAL);
  r->set_original_event_id(final_event_);
  r->set_reason("ошибка");
  *r->mutable_term_mark() =
      TermMarkBody("math", "n1", "math", v1::PERIOD_KIND_FINAL, 0, 4).term_mark_recorded();
  EXPECT_TRUE(Refused(Submit(req), kRefused, "R-COR-2", "приказом директора"));
}

TEST_F(RulesTestFinalMark, R_COR_2_DirectorsOrderWithExplanationsInGradesNineAndEleven) {
  EXPECT_TRUE(IsRefused(Submit(OrderBody("deputy", "n1")), kDenied, "R-ACC-2"));
  EXPECT_TRUE(
      Refused(Submit(OrderBody("director", "s1")), kRefused, "R-COR-2", "только в 9 и 11 классах"));
  v1::EventBody no_explanation = OrderBody("director", "n1");
  no_explanation.mutable_final_mark_correction_ordered()->clear_deputy_explanation();
  EXPECT_TRUE(
      Refused(Submit(no_explanation), kMalformed, "R-COR-2", "объяснения учителя и завуча"));
  v1::EventBody no_number = OrderBody("director", "n1");
  no_number.mutable_final_mark_correction_ordered()->clear_order_number();
  EXPECT_TRUE(IsRefused(Submit(no_number), kMalformed, "R-COR-2"));
  MustSubmit(OrderBody("director", "n1"));
  bool found = false;
  for (const auto& [k, m] : School().attestation) {
    if (m.student_id != "n1" || m.subject_id != "math") continue;
    const auto* v = m.Current(State());
    ASSERT_NE(v, nullptr);
    EXPECT_EQ(v->value.value, 4);
    found = true;
  }
  EXPECT_TRUE(found);
}

// ---- R-COR-3: the deputy's queue; one pending request per cell; decisions ----

TEST_F(RulesTest, R_COR_3_OnePendingRequestPerCellAndTheQueueShowsIt) {
  At(mon_, "08:40");
  MustSubmit(MarkBody("math", "m1", "math-5a-1", "s1", 3));
  const std::string original = last_event_id();
  At(mon_ + 1, "10:00");
  MustSubmit(CorrectionBody("math", "r1", "m1", 4, "описка: верная отметка 4"));
  EXPECT_TRUE(Refused(Submit(CorrectionBody("math", "r2", "m1", 5)), kRefused, "R-COR-3",
                      "ждёт решения завуча"));
  // The queue (R-COR-3, reports.h): the request with the original, the proposal and the reason.
  auto queue = school::PendingCorrections(State(), kSchool);
  ASSERT_TRUE(queue.has_value()) << queue.error().ToString();
  ASSERT_EQ(queue->requests_size(), 1);
  const auto& q = queue->requests(0);
  EXPECT_EQ(q.request_id(), "r1");
  EXPECT_EQ(q.requester_id(), "math");
  EXPECT_EQ(q.reason(), "описка: верная отметка 4");
  EXPECT_EQ(q.target_key(), "mark/m1");
  EXPECT_EQ(q.lesson_id(), "math-5a-1");
  EXPECT_EQ(q.original_event_id(), original);
  EXPECT_EQ(q.original_sequence(), State().SequenceOf(original));
  EXPECT_EQ(q.proposal().mark().value().value(), 4);
  // A rejection gives its reason; a decided request is not decided again.
  v1::EventBody reject = Body("deputy");
  reject.mutable_correction_rejected()->set_request_id("r1");
  EXPECT_TRUE(Refused(Submit(reject), kMalformed, "R-COR-3", "причину отказа"));
  reject.mutable_correction_rejected()->set_reason("нет подтверждения");
  MustSubmit(reject);
  EXPECT_TRUE(
      Refused(Submit(ApproveBody("deputy2", "r1")), kRefused, "R-COR-3", "уже принято решение"));
  EXPECT_EQ(school::PendingCorrections(State(), kSchool)->requests_size(), 0);
  // The cell is free again: a new request, withdrawn by its requester only.
  MustSubmit(CorrectionBody("math", "r3", "m1", 4, "описка"));
  v1::EventBody withdraw = Body("russian");
  withdraw.mutable_correction_withdrawn()->set_request_id("r3");
  EXPECT_TRUE(Refused(Submit(withdraw), kDenied, "R-ACC-2", "тот, кто её подал"));
  withdraw = Body("math");
  withdraw.mutable_correction_withdrawn()->set_request_id("r3");
  MustSubmit(withdraw);
  EXPECT_EQ(School().marks.at("m1").Current(State())->value.value, 3);
}

}  // namespace
}  // namespace ejournal::testing
