// The real `ejournal` binary, as an operator and an auditor use it: init, demo append, ledger
// verify, checkpoint, proofs, and its refusals. What it prints is checked independently: the
// checkpoint with the node's public key, the proofs with the Merkle verifiers.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <string>
#include <vector>

#include "ledger/merkle.h"
#include "ledger/signed_note.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"
#include "tests/support/testdata.h"

namespace ejournal {
namespace {

using testing::ProcessResult;
using testing::TempDir;

constexpr char kDefaultOrigin[] = "ejournal.local/ledger/1";

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

// The rest of the first line of `out` that starts with `prefix` ("" if none).
std::string Field(const std::string& out, const std::string& prefix) {
  for (size_t at = 0; at < out.size();) {
    size_t end = out.find('\n', at);
    if (end == std::string::npos) end = out.size();
    if (out.compare(at, prefix.size(), prefix) == 0) {
      return out.substr(at + prefix.size(), end - at - prefix.size());
    }
    at = end + 1;
  }
  return "";
}

merkle::Hash HashFromHex(const std::string& hex) {
  auto hash = merkle::HashFromBytes(testing::FromHex(hex));
  EXPECT_TRUE(hash.has_value()) << "not a hash: \"" << hex << "\"";
  return hash.value_or(merkle::Hash{});
}

// The indented hash lines after "proof (...):".
std::vector<merkle::Hash> ProofHashes(const std::string& out) {
  std::vector<merkle::Hash> proof;
  const size_t start = out.find("proof (");
  if (start == std::string::npos) return proof;
  for (size_t at = out.find('\n', start) + 1; at < out.size();) {
    size_t end = out.find('\n', at);
    if (end == std::string::npos) end = out.size();
    if (out.compare(at, 2, "  ") == 0)
      proof.push_back(HashFromHex(out.substr(at + 2, end - at - 2)));
    at = end + 1;
  }
  return proof;
}

class CliTest : public ::testing::Test {
 protected:
  ProcessResult Run(std::vector<std::string> args) {
    args.insert(args.begin(), EJOURNAL_CLI);
    return testing::RunProcess(args);
  }
  std::string data() const { return dir_.Sub("data"); }

  void Init() {
    auto init = Run({"init", "--data", data()});
    ASSERT_EQ(init.exit_code, 0) << init.out << init.err;
  }

  TempDir dir_;
};

TEST_F(CliTest, InitAppendVerifyCheckpointAndProofs) {
  auto init = Run({"init", "--data", data()});
  ASSERT_EQ(init.exit_code, 0) << init.out << init.err;
  EXPECT_NE(init.out.find("initialised " + data()), std::string::npos) << init.out;
  // The node key and the bootstrap admin key are secrets: 0600.
  for (const std::string file : {"node.key", "admin.key"}) {
    struct stat st {};
    ASSERT_EQ(::stat((data() + "/" + file).c_str(), &st), 0) << file;
    EXPECT_EQ(st.st_mode & 0777, 0600u) << file;
  }

  auto append = Run({"demo", "append", "--data", data(), "--count", "50"});
  ASSERT_EQ(append.exit_code, 0) << append.out << append.err;
  EXPECT_NE(append.out.find("appended 50 signed events (sequences 4..53); ledger size 53"),
            std::string::npos)
      << append.out;

  auto verify = Run({"ledger", "verify", "--data", data()});
  ASSERT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  EXPECT_NE(verify.out.find("ledger OK: 53 entries, 53 signatures, "), std::string::npos)
      << verify.out;
  const std::string verified_root = Field(verify.out, "root: ");
  ASSERT_EQ(verified_root.size(), 64u) << verify.out;

  // The checkpoint is a C2SP note that verifies with node.pub, over the verified tree.
  auto checkpoint = Run({"checkpoint", "--data", data()});
  ASSERT_EQ(checkpoint.exit_code, 0) << checkpoint.out << checkpoint.err;
  auto verifier =
      note::NoteVerifier::FromVerifierKey(Trim(testing::ReadFileOrDie(data() + "/node.pub")));
  ASSERT_TRUE(verifier.has_value()) << verifier.error().ToString();
  auto text = verifier->Open(checkpoint.out);
  ASSERT_TRUE(text.has_value()) << text.error().ToString() << "\n" << checkpoint.out;
  auto cp = note::Checkpoint::Parse(*text);
  ASSERT_TRUE(cp.has_value()) << cp.error().ToString();
  EXPECT_EQ(cp->origin, kDefaultOrigin);
  EXPECT_EQ(cp->size, 53u);
  EXPECT_EQ(merkle::ToHex(cp->root), verified_root);

  // An inclusion proof that verifies against the signed root.
  auto inclusion = Run({"proof", "inclusion", "--data", data(), "--sequence", "7"});
  ASSERT_EQ(inclusion.exit_code, 0) << inclusion.out << inclusion.err;
  EXPECT_NE(inclusion.out.find("entry 7 (leaf index 6) is in the tree of size 53"),
            std::string::npos)
      << inclusion.out;
  EXPECT_EQ(Field(inclusion.out, "root: "), verified_root);
  const auto inclusion_proof = ProofHashes(inclusion.out);
  EXPECT_EQ(inclusion_proof.size(), 6u) << inclusion.out;  // ceil(log2(53)) for leaf 6
  Status included = merkle::VerifyInclusion(HashFromHex(Field(inclusion.out, "leaf hash: ")), 6, 53,
                                            inclusion_proof, cp->root);
  EXPECT_TRUE(included.ok()) << included.ToString();

  // A consistency proof from size 10 to the signed tree.
  auto consistency = Run({"proof", "consistency", "--data", data(), "--old-size", "10"});
  ASSERT_EQ(consistency.exit_code, 0) << consistency.out << consistency.err;
  EXPECT_NE(consistency.out.find("the tree of size 10 is a prefix of the tree of size 53"),
            std::string::npos)
      << consistency.out;
  EXPECT_EQ(Field(consistency.out, "new root: "), verified_root);
  Status consistent =
      merkle::VerifyConsistency(10, 53, ProofHashes(consistency.out),
                                HashFromHex(Field(consistency.out, "old root: ")), cp->root);
  EXPECT_TRUE(consistent.ok()) << consistent.ToString();
}

TEST_F(CliTest, InitTwiceRefusesAndKeepsTheKey) {
  Init();
  const std::string key = testing::ReadFileOrDie(data() + "/node.key");
  auto again = Run({"init", "--data", data()});
  EXPECT_EQ(again.exit_code, 1) << again.out << again.err;
  EXPECT_NE(again.err.find("error: AlreadyExists: " + data() +
                           " is already initialised (node.key exists)"),
            std::string::npos)
      << again.err;
  EXPECT_EQ(testing::ReadFileOrDie(data() + "/node.key"), key);
  auto verify = Run({"ledger", "verify", "--data", data()});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  EXPECT_NE(verify.out.find("ledger OK: 3 entries"), std::string::npos) << verify.out;
}

TEST_F(CliTest, ProofForSequenceZeroOrBeyondTheLedgerFailsClearly) {
  Init();
  auto zero = Run({"proof", "inclusion", "--data", data(), "--sequence", "0"});
  EXPECT_EQ(zero.exit_code, 1) << zero.out << zero.err;
  EXPECT_NE(zero.err.find("error: InvalidArgument: sequence numbers start at 1"), std::string::npos)
      << zero.err;
  EXPECT_EQ(zero.out, "");
  auto beyond = Run({"proof", "inclusion", "--data", data(), "--sequence", "4"});
  EXPECT_EQ(beyond.exit_code, 1) << beyond.out << beyond.err;
  EXPECT_NE(beyond.err.find("error: NotFound: no entry 4 (the ledger has 3)"), std::string::npos)
      << beyond.err;
}

TEST_F(CliTest, VerifyWithoutALedgerFailsClearly) {
  auto verify = Run({"ledger", "verify", "--data", data()});
  EXPECT_EQ(verify.exit_code, 1) << verify.out << verify.err;
  EXPECT_NE(verify.err.find("error: NotFound: cannot read " + data() + "/node.pub"),
            std::string::npos)
      << verify.err;
}

}  // namespace
}  // namespace ejournal
