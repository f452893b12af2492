// Backups (ledger/backup.h): a backup taken while a generated school year is being appended
// restores to a ledger that verifies, holds exactly the source's first entries, and whose views
// equal a replay of those entries from zero (the views of the source at the backup's sequence);
// and the CLI's create / verify / restore round trip on a stopped node.
#include "ledger/backup.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "ledger/verifier.h"
#include "projections/views.h"
#include "tests/support/generated_school.h"
#include "tests/support/signed_ledger.h"
#include "tests/support/status_matchers.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"
#include "tools/data_dir.h"
#include "tools/synth/school_generator.h"

namespace ejournal::testing {
namespace {

// Waits for `condition` (polling), up to a minute.
bool Eventually(const std::function<bool()>& condition) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(1);
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return condition();
}

TEST(BackupTest, ABackupUnderWriteLoadRestoresAVerifiedLedgerWithTheSameViews) {
  TempDir dir;
  synth::SettableClock clock;
  auto created = OpenSchoolLedger(dir.Sub("source"), &clock);
  ASSERT_TRUE(created.has_value()) << created.error().ToString();
  std::unique_ptr<SignedLedger> source = std::move(*created);
  auto generator = NodeGenerator(
      *source, {.classes = 3, .students = 30, .teachers = 10, .weeks = 3, .leak = false});
  Result<synth::DriveResult> driven = Err(Internal("not driven"));
  std::thread writer([&] {
    driven = synth::Drive(*generator, source->admission(), source->ledger(), clock, nullptr);
  });
  ASSERT_TRUE(Eventually([&] { return source->ledger().size() > 800; }));
  auto first = backup::CreateBackup(source->ledger(), dir.Sub("backups"));
  writer.join();
  ASSERT_TRUE(driven.has_value()) << driven.error().ToString();
  ASSERT_TRUE(first.has_value()) << first.error().ToString();
  const uint64_t total = source->ledger().size();
  EXPECT_GE(first->ledger_size, 800u);
  EXPECT_LT(first->ledger_size, total) << "the load kept writing after the backup began";
  auto second = backup::CreateBackup(source->ledger(), dir.Sub("backups"));
  ASSERT_TRUE(second.has_value()) << second.error().ToString();
  auto list = backup::ListBackups(dir.Sub("backups"));
  ASSERT_TRUE(list.has_value());
  ASSERT_EQ(list->size(), 2u);
  ASSERT_OK(backup::VerifyBackups(dir.Sub("backups")));

  // Restore the one taken under load.
  const std::string restored_path = dir.Sub("restored") + "/ledger";
  auto restored_info = backup::RestoreBackup(dir.Sub("backups"), restored_path, first->id);
  ASSERT_TRUE(restored_info.has_value()) << restored_info.error().ToString();
  LedgerOptions ro;
  ro.path = restored_path;
  ro.read_only = true;
  auto restored = Ledger::Open(ro);
  ASSERT_TRUE(restored.has_value()) << restored.error().ToString();
  const uint64_t k = (*restored)->size();
  EXPECT_GE(k, first->ledger_size);
  EXPECT_LT(k, total);
  for (uint64_t seq = 1; seq <= k; ++seq) {
    auto a = (*restored)->Entry(seq);
    auto b = source->ledger().Entry(seq);
    ASSERT_TRUE(a.has_value() && b.has_value());
    ASSERT_EQ(*a, *b) << "entry " << seq;
  }
  auto root_restored = (*restored)->Root(k);
  auto root_source = source->ledger().Root(k);
  ASSERT_TRUE(root_restored.has_value() && root_source.has_value());
  EXPECT_EQ(*root_restored, *root_source);
  VerifyOptions vo;
  vo.node_verifier_key = source->node().VerifierKey();
  auto report = VerifyLedger(**restored, vo);
  ASSERT_TRUE(report.has_value()) << report.error().ToString();
  EXPECT_EQ(report->entries, k);
  auto views = school::DumpViews((*restored)->db(), (*restored)->column_families().views);
  ASSERT_TRUE(views.has_value());
  ASSERT_GT(views->size(), 300u);  // lesson columns, cells, the diary index, term marks
  restored->reset();

  // The restored views are exactly a replay of the restored entries from zero.
  auto opened =
      tools::OpenSchoolLedger(dir.Sub("restored"), tools::OpenSchoolOptions{.catch_up = false});
  ASSERT_TRUE(opened.has_value()) << opened.error().ToString();
  ASSERT_OK(school::ClearViews(opened->ledger->db(), opened->ledger->column_families().views));
  ASSERT_OK(opened->admission->CatchUp(*opened->ledger));
  auto replayed = school::DumpViews(opened->ledger->db(), opened->ledger->column_families().views);
  ASSERT_TRUE(replayed.has_value());
  EXPECT_TRUE(*replayed == *views);
}

TEST(BackupTest, TheCliBacksUpVerifiesAndRestoresAStoppedNode) {
  TempDir dir;
  synth::SettableClock clock;
  {
    auto generated = GenerateSchoolLedger(
        dir.Sub("node"), clock,
        {.classes = 2, .students = 12, .teachers = 8, .weeks = 1, .leak = false});
    ASSERT_TRUE(generated.has_value()) << generated.error().ToString();
  }  // closed: the CLI below works on a stopped node
  ProcessResult r = RunProcess(
      {EJOURNAL_CLI, "backup", "create", "--data", dir.Sub("node"), "--to", dir.Sub("b")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = RunProcess({EJOURNAL_CLI, "backup", "verify", "--from", dir.Sub("b")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = RunProcess(
      {EJOURNAL_CLI, "backup", "restore", "--from", dir.Sub("b"), "--data", dir.Sub("copy")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = RunProcess({EJOURNAL_CLI, "ledger", "verify", "--data", dir.Sub("copy")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("ledger OK"), std::string::npos) << r.out;
  // Restoring over a database is refused.
  r = RunProcess(
      {EJOURNAL_CLI, "backup", "restore", "--from", dir.Sub("b"), "--data", dir.Sub("copy")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("holds a database"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace ejournal::testing
