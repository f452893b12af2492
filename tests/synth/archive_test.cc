// The school-year archive (ledger/archive.h, docs/ARCHIVE.md) of a generated two-school ledger:
// export → verify passes and holds exactly the school's entries; every single-byte change anywhere
// in the archive fails verification and names the file that broke; and with a manifest re-signed by
// the node key itself (an insider's forgery), the deeper checks still name the entry or the tree.
#include "ledger/archive.h"

#include <gtest/gtest.h>

#include <sstream>

#include "ejournal/v1/event.pb.h"
#include "ejournal/v1/ledger.pb.h"
#include "tests/support/generated_school.h"
#include "tests/support/signed_ledger.h"
#include "tests/support/status_matchers.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"
#include "tools/synth/school_generator.h"

namespace ejournal::testing {
namespace {

class ArchiveTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    clock_ = new synth::SettableClock();
    auto generated = GenerateSchoolLedger(
        dir_->path(), *clock_,
        {.schools = 2, .classes = 2, .students = 20, .teachers = 8, .weeks = 2, .leak = false});
    ASSERT_TRUE(generated.has_value()) << generated.error().ToString();
    ledger_ = generated->release();
    ASSERT_TRUE(ledger_->ledger().Checkpoint().has_value());
  }
  static void TearDownTestSuite() {
    delete ledger_;
    delete clock_;
    delete dir_;
  }

  static archive::Bundle Export(const std::string& school) {
    archive::Summary summary;
    auto bundle =
        archive::Export(ledger_->ledger(), *ledger_->node().signer,
                        archive::ExportOptions{.school_id = school, .year = 2025}, &summary);
    EXPECT_TRUE(bundle.has_value()) << bundle.error().ToString();
    return bundle ? *bundle : archive::Bundle();
  }
  static std::string NodeKey() { return ledger_->node().VerifierKey(); }
  // The number of the school's entries in the ledger.
  static uint64_t EntriesOf(const std::string& school) {
    uint64_t n = 0;
    Status scanned = ledger_->ledger().ForEachEntry(1, [&](uint64_t, std::string_view bytes) {
      v1::LedgerEntry e;
      v1::EventBody b;
      EXPECT_TRUE(e.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())));
      EXPECT_TRUE(b.ParseFromString(e.event().body()));
      n += b.school_id() == school ? 1 : 0;
      return true;
    });
    EXPECT_TRUE(scanned.ok()) << scanned.ToString();
    return n;
  }
  // An insider's forgery: the manifest rewritten for the changed files and signed by the node key.
  static void Resign(archive::Bundle& bundle) {
    const std::string& manifest = bundle.at("MANIFEST");
    std::istringstream in(manifest.substr(0, manifest.find("\n\n") + 1));
    std::string line, text;
    while (std::getline(in, line)) {
      if (line.starts_with("file ")) {
        const std::string name = line.substr(5, line.find(' ', 5) - 5);
        const auto h = crypto::Sha256(bundle.at(name));
        line =
            "file " + name + " " + std::to_string(bundle.at(name).size()) + " " + merkle::ToHex(h);
      }
      text += line + "\n";
    }
    auto signed_note = ledger_->node().signer->Sign(text);
    ASSERT_TRUE(signed_note.has_value());
    bundle["MANIFEST"] = *signed_note;
  }

  static TempDir* dir_;
  static synth::SettableClock* clock_;
  static SignedLedger* ledger_;
};

TempDir* ArchiveTest::dir_ = nullptr;
synth::SettableClock* ArchiveTest::clock_ = nullptr;
SignedLedger* ArchiveTest::ledger_ = nullptr;

TEST_F(ArchiveTest, ExportThenVerifyHoldsExactlyTheSchoolsYear) {
  for (const std::string school : {"school-1", "school-2"}) {
    archive::Bundle bundle = Export(school);
    auto summary = archive::Verify(bundle, NodeKey());
    ASSERT_TRUE(summary.has_value()) << summary.error().ToString();
    EXPECT_EQ(summary->school_id, school);
    EXPECT_EQ(summary->year, 2025);
    EXPECT_EQ(summary->entries, EntriesOf(school));
    EXPECT_EQ(summary->signatures, summary->entries);
    EXPECT_EQ(summary->tree_size, ledger_->ledger().size());
    EXPECT_GT(summary->subtrees, 10u);  // the other school's entries, as hashes only
    EXPECT_GT(summary->checkpoints, 5u);
    auto root = ledger_->ledger().Root(summary->tree_size);
    ASSERT_TRUE(root.has_value());
    EXPECT_EQ(summary->root, *root);
    // Trusting the archive's own node.pub gives the same answer.
    EXPECT_TRUE(archive::Verify(bundle, "").has_value());
  }
  // Another node's key does not verify it.
  auto other = GenerateNodeIdentity("ejournal.test/other");
  ASSERT_TRUE(other.has_value());
  auto refused = archive::Verify(Export("school-1"), other->VerifierKey());
  ASSERT_FALSE(refused.has_value());
  EXPECT_TRUE(refused.error().message().starts_with("MANIFEST:")) << refused.error().ToString();
}

// Every byte of the small files, and bytes spread over the large ones (and every byte of their
// first records): each change is refused, naming the changed file.
TEST_F(ArchiveTest, EverySingleByteChangeFailsAndNamesTheFile) {
  const archive::Bundle good = Export("school-1");
  size_t flips = 0;
  for (const auto& [name, data] : good) {
    std::vector<size_t> positions;
    if (data.size() <= 4096) {
      for (size_t i = 0; i < data.size(); ++i) positions.push_back(i);
    } else {
      for (size_t i = 0; i < 512; ++i) positions.push_back(i);
      for (size_t k = 0; k < 400; ++k) positions.push_back(512 + k * (data.size() - 513) / 399);
    }
    for (size_t pos : positions) {
      archive::Bundle bad = good;
      bad[name][pos] = static_cast<char>(bad[name][pos] ^ 0x01);
      auto r = archive::Verify(bad, NodeKey());
      ASSERT_FALSE(r.has_value()) << name << " byte " << pos << " changed, yet verified";
      EXPECT_TRUE(r.error().message().starts_with(name + ":"))
          << name << " byte " << pos << ": " << r.error().ToString();
      ++flips;
    }
  }
  EXPECT_GT(flips, 2000u);
  // A file missing.
  archive::Bundle missing = good;
  missing.erase("subtrees.bin");
  auto r = archive::Verify(missing, NodeKey());
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message(), "subtrees.bin: missing");
}

// With the manifest re-signed by the node key, the content itself is still checked.
TEST_F(ArchiveTest, AForgedButSignedManifestIsStillCaughtByTheEntriesAndTheTree) {
  const archive::Bundle good = Export("school-1");
  {
    // A byte inside an entry's signed body (past the record headers and the LedgerEntry's first
    // fields): the signature no longer verifies.
    archive::Bundle bad = good;
    bad["entries.bin"][12 + 60] ^= 0x01;
    Resign(bad);
    auto r = archive::Verify(bad, NodeKey());
    ASSERT_FALSE(r.has_value());
    EXPECT_TRUE(r.error().message().starts_with("entries.bin: entry 1:")) << r.error().ToString();
  }
  {
    // The last entry dropped (the manifest's count adjusted too): the tree finds the hole.
    archive::Bundle bad = good;
    std::string& e = bad["entries.bin"];
    size_t pos = 0, last = 0;
    while (pos < e.size()) {
      last = pos;
      const uint32_t len =
          (static_cast<uint8_t>(e[pos + 8]) << 24) | (static_cast<uint8_t>(e[pos + 9]) << 16) |
          (static_cast<uint8_t>(e[pos + 10]) << 8) | static_cast<uint8_t>(e[pos + 11]);
      pos += 12 + len;
    }
    e.resize(last);
    std::string& m = bad["MANIFEST"];
    const size_t at = m.find("\nentries ") + 9;
    const size_t end = m.find('\n', at);
    m.replace(at, end - at, std::to_string(std::stoull(m.substr(at, end - at)) - 1));
    Resign(bad);
    auto r = archive::Verify(bad, NodeKey());
    ASSERT_FALSE(r.has_value());
    EXPECT_TRUE(
        r.error().message().starts_with("subtrees.bin: no entry and no subtree hash covers"))
        << r.error().ToString();
  }
  {
    // A subtree hash changed: the recomputed root differs from the signed checkpoint's.
    archive::Bundle bad = good;
    bad["subtrees.bin"][16] ^= 0x01;
    Resign(bad);
    auto r = archive::Verify(bad, NodeKey());
    ASSERT_FALSE(r.has_value());
    EXPECT_NE(r.error().message().find("the root recomputed"), std::string::npos)
        << r.error().ToString();
  }
}

// The CLI: export from the data directory, verify with the node's public key file.
TEST_F(ArchiveTest, TheCliExportsAndVerifies) {
  TempDir out;
  ProcessResult r = RunProcess({EJOURNAL_CLI, "archive", "export", "--data", ledger_->data_dir(),
                                "--school", "school-2", "--year", "2025", "--out", out.Sub("a")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = RunProcess({EJOURNAL_CLI, "archive", "verify", "--dir", out.Sub("a"), "--node-key",
                  ledger_->data_dir() + "/node.pub"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("archive OK: school school-2"), std::string::npos) << r.out;
}

// R-ACC-6: an entry of school 1 signed with a credential school 2 issued (which the writer refuses
// today, and a ledger written before the rule was enforced may hold) is named by the verification
// of school 1's archive.
TEST(ArchiveCrossSchoolTest, AnEntrySignedWithAnotherSchoolsCredentialIsNamed) {
  TempDir dir;
  synth::SettableClock clock;
  auto generated = GenerateSchoolLedger(
      dir.path(), clock,
      {.schools = 2, .classes = 1, .students = 10, .teachers = 6, .weeks = 1, .leak = false});
  ASSERT_TRUE(generated.has_value()) << generated.error().ToString();
  SignedLedger& ledger = **generated;
  auto other = ledger.IssueCredential("t-001", crypto::KeyType::kEd25519, 0, "school-2");
  ASSERT_TRUE(other.has_value()) << other.error().ToString();
  auto bytes = ledger.Sign(ledger.UserRegisteredBody(*other, "s-forged"), *other);
  ASSERT_TRUE(bytes.has_value());
  EXPECT_EQ(ledger.Submit(*bytes).error().rule(), "R-ACC-6");
  auto forged = ledger.AppendUnadmitted(*bytes);
  ASSERT_TRUE(forged.has_value()) << forged.error().ToString();
  ASSERT_TRUE(ledger.ledger().Checkpoint().has_value());

  auto bundle = archive::Export(ledger.ledger(), *ledger.node().signer,
                                archive::ExportOptions{.school_id = "school-1", .year = 2025});
  ASSERT_TRUE(bundle.has_value()) << bundle.error().ToString();
  auto refused = archive::Verify(*bundle, ledger.node().VerifierKey());
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().rule(), "R-ACC-6") << refused.error().ToString();
  EXPECT_EQ(refused.error().message(), "entries.bin: entry " + std::to_string(forged->sequence) +
                                           ": credential " + other->credential_id +
                                           " was not issued in school school-1")
      << refused.error().ToString();
  // School 2's archive does not hold the entry and verifies.
  auto second = archive::Export(ledger.ledger(), *ledger.node().signer,
                                archive::ExportOptions{.school_id = "school-2", .year = 2025});
  ASSERT_TRUE(second.has_value()) << second.error().ToString();
  EXPECT_TRUE(archive::Verify(*second, ledger.node().VerifierKey()).has_value());
}

}  // namespace
}  // namespace ejournal::testing
