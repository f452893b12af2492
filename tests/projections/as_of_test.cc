// The as-of journal page (projections/as_of.h): rebuilt from the page's own ledger entries, it
// equals the page the journal served at that moment, after later corrections and an Act.
#include "projections/as_of.h"

#include <gtest/gtest.h>

#include "tests/support/school_fixture.h"
#include "tests/support/status_matchers.h"

namespace ejournal::testing {
namespace {

using school::Day;

class AsOfTest : public SchoolFixture {
 protected:
  school::ViewReader Reader() {
    return school::ViewReader(ledger_->ledger().db(), ledger_->ledger().column_families().views);
  }
  v1::JournalPageView Live() {
    auto page = Reader().JournalPage(State(), kSchool, "5a", "", "math", 1);
    EXPECT_TRUE(page.has_value()) << page.error().ToString();
    return *page;
  }
  v1::JournalPageView AsOf(int64_t at_us, school::AsOfMode mode) {
    Ledger& ledger = ledger_->ledger();
    auto page = school::AsOfJournalPage(
        State(), Reader(), [&](uint64_t seq) { return ledger.Entry(seq); }, kSchool, "5a", "",
        "math", 1, at_us, mode);
    EXPECT_TRUE(page.has_value()) << page.error().ToString();
    return *page;
  }
  const Day mon_ = D(2025, 10, 6);
};

TEST_F(AsOfTest, PageAsOfAMomentEqualsThePageServedThen_R_TIME_1_R_SEC_3) {
  At(mon_, "08:35");
  MustSubmit(ConductedBody("math", "math-5a-1", "Дроби"));
  MustSubmit(AbsenceBody("math", "math-5a-1", "s3"));
  MustSubmit(MarkBody("math", "m1", "math-5a-1", "s1", 3));
  MustSubmit(HomeworkBody("math", "h1", "math-5a-1", "№ 1"));
  At(mon_, "10:00");
  const int64_t t1 = clock_.NowMicros();
  const v1::JournalPageView served_t1 = Live();

  At(mon_, "21:00");  // the attacker, with math's credential
  MustSubmit(MarkBody("math", "m2", "math-5a-1", "s2", 2));
  At(mon_, "21:30");
  const int64_t t2 = clock_.NowMicros();
  const v1::JournalPageView served_t2 = Live();

  At(mon_ + 1, "08:00");  // a correction filed and approved before the Act
  MustSubmit(CorrectionBody("math", "r1", "m1", 4));
  MustSubmit(ApproveBody("deputy", "r1"));
  At(mon_ + 1, "08:30");
  const int64_t t3 = clock_.NowMicros();
  const v1::JournalPageView served_t3 = Live();
  const v1::EventBody act = ActBody("director", {.invalid_from_us = t1 + 1});
  At(mon_ + 1, "09:00");
  MustSubmit(act);
  const v1::JournalPageView now = Live();

  EXPECT_EQ(AsOf(t1, school::AsOfMode::kAsShownThen).SerializeAsString(),
            served_t1.SerializeAsString());
  EXPECT_EQ(AsOf(t2, school::AsOfMode::kAsShownThen).SerializeAsString(),
            served_t2.SerializeAsString());
  EXPECT_EQ(AsOf(t3, school::AsOfMode::kAsShownThen).SerializeAsString(),
            served_t3.SerializeAsString());
  // With the later invalidation applied, the forged mark is struck from the t2 page ...
  v1::JournalPageView t2_struck = AsOf(t2, school::AsOfMode::kWithLaterInvalidations);
  EXPECT_NE(t2_struck.SerializeAsString(), served_t2.SerializeAsString());
  for (const auto& row : t2_struck.rows()) {
    if (row.student_id() == "s2") {
      EXPECT_EQ(row.cells_size(), 0);
    }
  }
  // ... and today's page is the as-of page of now.
  EXPECT_EQ(AsOf(clock_.NowMicros(), school::AsOfMode::kAsShownThen).SerializeAsString(),
            now.SerializeAsString());
}

}  // namespace
}  // namespace ejournal::testing
