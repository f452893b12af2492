// Flow 3 (docs/FLOWS.md "The auditor"), end to end through ejournald and the CLI. The
// auditor holds an auditor login and the node's public key (node.pub) and nothing else:
//   - the whole ledger, entry by entry over HTTP, hashes to the root of a checkpoint the node key
//     signed;
//   - the journal page as of several past moments and now, every difference explained by the
//     events of the cell's history recorded in between;
//   - one mark is proven to be in the ledger (an inclusion proof against a signed checkpoint) and
//     the ledger proven to have only grown between two checkpoints (a consistency proof), both
//     checked here with the project's verifier (ledger/merkle.h, ledger/signed_note.h);
//   - the administrator's backup (the second carrier) restored and verified by `ejournal ledger
//     verify`; the school year's archive, exported on the node, checked by `ejournal archive
//     verify`.
#include <span>

#include "ledger/crypto.h"
#include "ledger/merkle.h"
#include "ledger/signed_note.h"
#include "tests/api/flow_fixture.h"

namespace ejournal::testing {
namespace {

class AuditorFlowTest : public FlowFixture {
 protected:
  void SetUp() override {
    FlowFixture::SetUp();
    if (HasFatalFailure()) return;
    for (const char* user : {"math", "deputy", "auditor", "admin"}) SetPassword(user);
    std::ifstream in(dir_.path() + "/node.pub");
    std::string vkey((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    while (!vkey.empty() && (vkey.back() == '\n' || vkey.back() == ' ')) vkey.pop_back();
    auto verifier = note::NoteVerifier::FromVerifierKey(vkey);
    ASSERT_TRUE(verifier.has_value()) << verifier.error().ToString();
    verifier_ = std::make_unique<note::NoteVerifier>(std::move(*verifier));
  }

  // The latest checkpoint (public), its signature checked with node.pub.
  note::Checkpoint SignedCheckpoint() {
    auto r = GetPath("/api/v1/ledger/checkpoint");
    EXPECT_TRUE(r && r->status == 200);
    if (!r || r->status != 200) return {};
    auto text = verifier_->Open(r->body);
    EXPECT_TRUE(text.has_value()) << text.error().ToString();
    if (!text) return {};
    auto cp = note::Checkpoint::Parse(*text);
    EXPECT_TRUE(cp.has_value()) << cp.error().ToString();
    return cp.value_or(note::Checkpoint{});
  }
  // The stored bytes of an entry, read by the auditor's session.
  std::string EntryBytes(uint64_t seq) {
    json e = Read("auditor", {"entry", "--sequence", std::to_string(seq)});
    EXPECT_EQ(e.value("sequence", 0ull), seq) << e.dump();
    auto bytes = crypto::Base64Decode(e.value("entry_base64", ""));
    EXPECT_TRUE(bytes.has_value());
    return bytes.value_or("");
  }
  // RFC 9162 §2.1.1: the Merkle tree hash of the leaves.
  static merkle::Hash TreeHash(std::span<const merkle::Hash> leaves) {
    if (leaves.empty()) return merkle::EmptyRoot();
    if (leaves.size() == 1) return leaves[0];
    size_t k = 1;
    while (k * 2 < leaves.size()) k *= 2;
    return merkle::NodeHash(TreeHash(leaves.subspan(0, k)), TreeHash(leaves.subspan(k)));
  }
  static std::vector<merkle::Hash> Hashes(const json& proof) {
    std::vector<merkle::Hash> out;
    for (const auto& h : proof.value("hashes", json::array())) {
      auto raw = crypto::Base64Decode(h.get<std::string>());
      EXPECT_TRUE(raw.has_value());
      auto hash = merkle::HashFromBytes(raw.value_or(""));
      EXPECT_TRUE(hash.has_value());
      out.push_back(hash.value_or(merkle::Hash{}));
    }
    return out;
  }
  json Page(const std::string& as_of = "") {
    std::vector<std::string> args = {"journal", "--class", "5a", "--subject", "math"};
    if (!as_of.empty()) args.insert(args.end(), {"--as-of", as_of});
    return Read("auditor", args);
  }
  // The events of a cell's history recorded in (from_us, to_us], as audit lines.
  static std::vector<std::string> Between(const json& history, int64_t from_us, int64_t to_us) {
    json list = {{"events", json::array()}};
    for (const auto& e : history.value("events", json::array())) {
      const int64_t at = std::stoll(e.value("recorded_at_us", "0"));
      if (at > from_us && at <= to_us) list["events"].push_back(e);
    }
    return AuditLines(list);
  }

  std::unique_ptr<note::NoteVerifier> verifier_;
};

TEST_F(AuditorFlowTest, VerifiesTheLedgerReconstructsThePageAndProvesAMark) {
  const school::Day mon = D(2025, 10, 6);
  auto at = [&](const std::string& hhmm) {
    At(mon, hhmm);
    return clock_.NowMicros();
  };
  // The school's day: the fixture's marks at 08:40, then a wrong mark, its correction and the
  // deputy's approval.
  const int64_t t_0845 = at("08:45");
  SignIn("math");
  SignIn("deputy");
  SignIn("auditor");
  const note::Checkpoint first = SignedCheckpoint();
  ASSERT_GT(first.size, 0u);
  const int64_t t_0850 = at("08:50");
  const uint64_t mark_seq =
      EntryOf(Ok("math", {"mark", "--lesson", "math-5a-1", "--date", "2025-10-06", "--student",
                          "s1", "--value", "2", "--mark-id", "m-a1"}));
  const int64_t t_1000 = at("10:00");
  Ok("math", {"correct", "--lesson", "math-5a-1", "--date", "2025-10-06", "--student", "s1",
              "--mark-id", "m-a1", "--value", "4", "--reason", "описка", "--request", "rq-a1"});
  const int64_t t_1030 = at("10:30");
  Ok("deputy", {"approve", "--request", "rq-a1"});
  at("11:00");
  SignIn("admin");  // for the backup below
  at("11:05");
  // The auditor cannot write (R-ACC-2).
  ProcessResult r = Cli("auditor", {"mark", "--lesson", "math-5a-1", "--date", "2025-10-06",
                                    "--student", "s2", "--value", "5"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("[R-ACC-2]"), std::string::npos) << r.err;

  // 1. The whole ledger: every entry over HTTP hashes to the root the node signed.
  const note::Checkpoint latest = SignedCheckpoint();
  ASSERT_EQ(latest.size, LedgerSize()) << "the last append wrote a checkpoint (a new minute)";
  ASSERT_GT(latest.size, first.size);
  std::vector<merkle::Hash> leaves;
  for (uint64_t seq = 1; seq <= latest.size; ++seq)
    leaves.push_back(merkle::LeafHash(EntryBytes(seq)));
  EXPECT_EQ(TreeHash(leaves), latest.root);
  EXPECT_EQ(TreeHash(std::span(leaves).subspan(0, first.size)), first.root);

  // 2. The page as of several moments and now; each difference is an event of the cell.
  const Grid before = {{"math-5a-1/s1", "5"}, {"math-5a-1/s2", "4"}, {"math-5a-1/s3", "н"}};
  Grid wrong = before, corrected = before;
  wrong["math-5a-1/s1"] = "5 2";
  corrected["math-5a-1/s1"] = "5 4*";
  EXPECT_EQ(PageGrid(Page("2025-10-06 08:30")), Grid{}) << "before the lesson";
  EXPECT_EQ(PageGrid(Page("2025-10-06 08:45")), before);
  EXPECT_EQ(PageGrid(Page("2025-10-06 09:00")), wrong);
  EXPECT_EQ(PageGrid(Page("2025-10-06 10:15")), wrong);
  EXPECT_EQ(PageGrid(Page()), corrected);
  json history = Read("auditor", {"history", "--lesson", "math-5a-1", "--student", "s1"});
  const int64_t t_0830 = t_0845 - 15 * 60'000'000LL;
  EXPECT_EQ(Between(history, t_0830, t_0845), (std::vector<std::string>{"mark_recorded by math"}));
  EXPECT_EQ(Between(history, t_0845, t_0850),
            (std::vector<std::string>{"mark_recorded by math superseded"}));
  EXPECT_EQ(Between(history, t_0850, t_1000),
            (std::vector<std::string>{"correction_requested by math"}))
      << "a request changes nothing on the page";
  EXPECT_EQ(Between(history, t_1000, t_1030),
            (std::vector<std::string>{"correction_approved by deputy"}));
  EXPECT_EQ(Between(history, t_1030, INT64_MAX), std::vector<std::string>{});
  // The as-of page names the ledger position it reflects: the last entry before the moment.
  const json at_0900 = Page("2025-10-06 09:00");
  EXPECT_GE(std::stoull(at_0900.value("as_of_sequence", "0")), mark_seq);

  // 3. The mark is in the ledger: an inclusion proof against the signed checkpoint.
  const std::string mark_bytes = EntryBytes(mark_seq);
  auto inclusion = GetPath("/api/v1/ledger/proofs/inclusion?sequence=" + std::to_string(mark_seq) +
                           "&size=" + std::to_string(latest.size));
  ASSERT_TRUE(inclusion && inclusion->status == 200);
  const auto path = Hashes(Json(inclusion));
  EXPECT_TRUE(merkle::VerifyInclusion(merkle::LeafHash(mark_bytes), mark_seq - 1, latest.size, path,
                                      latest.root)
                  .ok());
  // The mark's entry is the one the cell history names, and it is the mark.
  json entry = Read("auditor", {"entry", "--sequence", std::to_string(mark_seq)});
  EXPECT_EQ(entry["body"]["mark_recorded"]["mark_id"], "m-a1");
  EXPECT_EQ(entry["body"]["mark_recorded"]["value"]["value"], 2);
  // A changed byte, or another entry, does not prove.
  std::string forged = mark_bytes;
  forged[forged.size() / 2] ^= 1;
  EXPECT_EQ(merkle::VerifyInclusion(merkle::LeafHash(forged), mark_seq - 1, latest.size, path,
                                    latest.root)
                .code(),
            StatusCode::kUnauthenticated);
  EXPECT_FALSE(merkle::VerifyInclusion(merkle::LeafHash(EntryBytes(mark_seq + 1)), mark_seq - 1,
                                       latest.size, path, latest.root)
                   .ok());

  // 4. The ledger only grew between the two checkpoints: a consistency proof.
  auto consistency =
      GetPath("/api/v1/ledger/proofs/consistency?old_size=" + std::to_string(first.size) +
              "&size=" + std::to_string(latest.size));
  ASSERT_TRUE(consistency && consistency->status == 200);
  const auto grown = Hashes(Json(consistency));
  EXPECT_TRUE(
      merkle::VerifyConsistency(first.size, latest.size, grown, first.root, latest.root).ok());
  merkle::Hash other = first.root;
  other[0] ^= 1;
  EXPECT_EQ(merkle::VerifyConsistency(first.size, latest.size, grown, other, latest.root).code(),
            StatusCode::kUnauthenticated);

  // 5. The second carrier: the administrator's backup while the server runs, restored; the
  // auditor verifies it with node.pub.
  Ok("admin", {"server-backup"});
  TempDir copy;
  const std::string verified = RestoredBackupVerified(copy.Sub("ledger"));
  EXPECT_NE(verified.find("ledger OK: " + std::to_string(latest.size) + " entries"),
            std::string::npos)
      << verified;
  EXPECT_NE(verified.find("root: " + merkle::ToHex(latest.root)), std::string::npos) << verified;
  // The archive is exported on the node beside the running server (read-only; the node key signs
  // its manifest) and handed to the auditor, who checks it with node.pub alone.
  r = RunProcess({EJOURNAL_CLI, "archive", "export", "--data", dir_.path(), "--school", kSchool,
                  "--year", "2025", "--out", copy.Sub("archive")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = RunProcess({EJOURNAL_CLI, "archive", "verify", "--dir", copy.Sub("archive"), "--node-key",
                  dir_.path() + "/node.pub"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("archive OK: school school-1, academic year 2025/2026"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("root: " + merkle::ToHex(latest.root)), std::string::npos) << r.out;
}

}  // namespace
}  // namespace ejournal::testing
