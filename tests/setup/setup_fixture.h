// A school on a real ledger for the import tests: school-1 (Europe/Moscow) registered by the node,
// its administrator "admin" (login admin) with a credential, and, unless asked otherwise, the
// academic year 2025-2026 (1 Sep 2025 .. 31 May 2026, four quarters for grades 1..11). Bodies of an
// import plan are signed by the administrator and go through admission and the ledger one by one,
// so the real rules judge them.
#ifndef EJOURNAL_TESTS_SETUP_SETUP_FIXTURE_H_
#define EJOURNAL_TESTS_SETUP_SETUP_FIXTURE_H_

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "projections/school.h"
#include "setup/import_plan.h"
#include "tests/support/manual_clock.h"
#include "tests/support/signed_ledger.h"
#include "tests/support/temp_dir.h"

namespace ejournal::testing {

class LedgerSchool {
 public:
  static constexpr char kSchool[] = "school-1";
  static constexpr char kYear[] = "2025-2026";

  // Asserts on failure (call through ASSERT_NO_FATAL_FAILURE).
  void Open(bool with_year = true);

  // Signs `body`'s payload and business date as the administrator and appends it.
  Status Submit(const v1::EventBody& body);
  // An academic year of two half-years for every grade (the first ends on 31 December).
  Status DefineYear(const std::string& id, school::Day first, school::Day last);
  // Submits every body of the plan, stopping at the first refusal (whose status it returns, with
  // the body's position).
  Status Apply(const setup::ImportPlan& plan);

  const school::School& School() const { return *ledger_->school_state()->FindSchool(kSchool); }
  setup::ImportContext Context() const;
  static school::Day D(int year, int month, int day);

 private:
  TempDir dir_;
  ManualClock clock_;
  std::unique_ptr<SignedLedger> ledger_;
  std::optional<Signer> node_, admin_;  // a Signer has no empty state
};

// The serialised bodies: what "byte-identical" compares.
std::vector<std::string> Serialized(const setup::ImportPlan& plan);

// The report, for failure messages.
std::string ReportOf(const setup::ImportPlan& plan);

}  // namespace ejournal::testing

#endif  // EJOURNAL_TESTS_SETUP_SETUP_FIXTURE_H_
