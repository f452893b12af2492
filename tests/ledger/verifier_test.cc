// VerifyLedger over a real ledger of signed events, then tampered with, each test on a fresh copy:
// through RocksDB itself (as someone with write access to the database would), byte by byte in the
// .sst file on disk, in the tree nodes and in the checkpoints. The verifier must name the exact
// place: "entry 137: ...", "checkpoint at size 100: ...".
#include "ledger/verifier.h"

#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <rocksdb/metadata.h>
#include <rocksdb/options.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "ejournal/v1/event.pb.h"
#include "ejournal/v1/ledger.pb.h"
#include "ledger/admission.h"
#include "ledger/crypto.h"
#include "ledger/event_codec.h"
#include "ledger/node_key.h"
#include "ledger/signed_note.h"
#include "ledger/storage_format.h"
#include "ledger/tree_tiles.h"
#include "tests/support/manual_clock.h"
#include "tests/support/signed_ledger.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"
#include "tests/support/testdata.h"

namespace ejournal {
namespace {

using testing::ManualClock;
using testing::SignedLedger;
using testing::Signer;
using testing::TempDir;

constexpr uint64_t kEntries = 300;
constexpr uint64_t kTampered = 137;  // a user event signed by a credential issued in the ledger
// Besides the automatic first one (size 1), checkpoints are requested at these sizes.
const std::vector<uint64_t> kCheckpointSizes = {100, 200, 300};

// The ledger's RocksDB opened directly with the column families of ledger/README.md, as someone
// with write access to the data directory could. Entries stay uncompressed, as the ledger keeps
// them.
class RawLedgerDb {
 public:
  explicit RawLedgerDb(const std::string& path) {
    rocksdb::ColumnFamilyOptions entries;
    entries.compression = rocksdb::kNoCompression;
    std::vector<rocksdb::ColumnFamilyDescriptor> descriptors = {
        {rocksdb::kDefaultColumnFamilyName, {}},
        {"entries", entries},
        {"event_ids", {}},
        {"nodes", {}},
        {"checkpoints", {}},
        {"meta", {}},
        {"views", {}}};
    rocksdb::DBOptions options;
    rocksdb::DB* db = nullptr;
    status_ = rocksdb::DB::Open(options, path, descriptors, &handles_, &db);
    db_.reset(db);
  }
  ~RawLedgerDb() {
    if (db_ == nullptr) return;
    for (auto* h : handles_) (void)db_->DestroyColumnFamilyHandle(h);
    (void)db_->Close();
  }

  const rocksdb::Status& status() const { return status_; }
  rocksdb::DB* db() { return db_.get(); }
  rocksdb::ColumnFamilyHandle* cf(const std::string& name) {
    for (auto* h : handles_) {
      if (h->GetName() == name) return h;
    }
    ADD_FAILURE() << "no column family " << name;
    return nullptr;
  }

  std::string Get(const std::string& cf_name, const std::string& key) {
    std::string value;
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cf(cf_name), key, &value);
    EXPECT_TRUE(s.ok()) << cf_name << ": " << s.ToString();
    return value;
  }
  void Put(const std::string& cf_name, const std::string& key, const std::string& value) {
    rocksdb::Status s = db_->Put(rocksdb::WriteOptions(), cf(cf_name), key, value);
    EXPECT_TRUE(s.ok()) << s.ToString();
    s = db_->Flush(rocksdb::FlushOptions(), cf(cf_name));
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
  void Delete(const std::string& cf_name, const std::string& key) {
    rocksdb::Status s = db_->Delete(rocksdb::WriteOptions(), cf(cf_name), key);
    EXPECT_TRUE(s.ok()) << s.ToString();
  }

 private:
  rocksdb::Status status_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::unique_ptr<rocksdb::DB> db_;
};

std::string EntryKey(uint64_t sequence) { return storage::EncodeBigEndian64(sequence); }

std::string ReadBinary(const std::string& path) { return testing::ReadFileOrDie(path); }

void WriteBinary(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << "cannot write " << path;
}

// Counts the occurrences of `needle` in `haystack`, and where the first one is.
size_t Occurrences(const std::string& haystack, const std::string& needle, size_t* first) {
  size_t count = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + 1)) {
    if (count++ == 0) *first = at;
  }
  return count;
}

bool StartsWith(const std::string& s, const std::string& prefix) { return s.starts_with(prefix); }

class VerifierTest : public ::testing::Test {
 protected:
  // Builds the ledger once: credentials of six users issued by the node (Ed25519 and P-256
  // alternately), then user events signed by them in groups, up to kEntries entries.
  static void SetUpTestSuite() {
    base_ = new TempDir();
    clock_ = new ManualClock();
    auto created = SignedLedger::Create(base_->Sub("data"), clock_);
    ASSERT_TRUE(created.has_value()) << created.error().ToString();
    SignedLedger& ledger = **created;
    Status opened = ledger.Open();
    ASSERT_TRUE(opened.ok()) << opened.ToString();
    std::vector<Signer> signers;
    for (int i = 0; i < 6; ++i) {
      auto signer = ledger.IssueCredential(
          "teacher-" + std::to_string(i),
          i % 2 == 0 ? crypto::KeyType::kEd25519 : crypto::KeyType::kEcdsaP256);
      ASSERT_TRUE(signer.has_value()) << signer.error().ToString();
      signers.push_back(std::move(*signer));
    }
    size_t next_checkpoint = 0;
    while (ledger.ledger().size() < kEntries) {
      clock_->Advance(1000);
      const uint64_t size = ledger.ledger().size();
      const uint64_t until = std::min(kCheckpointSizes[next_checkpoint], size + 41);
      std::vector<AppendRequest> batch;
      for (uint64_t seq = size + 1; seq <= until; ++seq) {
        const Signer& signer = signers[seq % signers.size()];
        auto bytes = ledger.Sign(
            ledger.UserRegisteredBody(signer, "student-" + std::to_string(seq)), signer);
        ASSERT_TRUE(bytes.has_value());
        auto request = ledger.admission().Check(*bytes, clock_->NowMicros());
        ASSERT_TRUE(request.has_value()) << request.error().ToString();
        batch.push_back(std::move(*request));
      }
      for (const auto& r : ledger.ledger().AppendBatch(std::move(batch))) {
        ASSERT_TRUE(r.has_value()) << r.error().ToString();
      }
      if (ledger.ledger().size() == kCheckpointSizes[next_checkpoint]) {
        ASSERT_TRUE(ledger.ledger().Checkpoint().has_value());
        ++next_checkpoint;
      }
    }
    ASSERT_EQ(ledger.ledger().size(), kEntries);
    node_ = new NodeIdentity(ledger.node());
    ledger.Close();
  }

  static void TearDownTestSuite() {
    delete node_;
    delete clock_;
    delete base_;
    node_ = nullptr;
    clock_ = nullptr;
    base_ = nullptr;
  }

  void SetUp() override { ASSERT_NE(node_, nullptr) << "the ledger was not built"; }

  // A fresh copy of the built data directory (ledger/, node.key, node.pub).
  std::string FreshCopy() {
    const std::string dir = dir_.Sub("copy-" + std::to_string(copies_++));
    std::filesystem::copy(base_->Sub("data"), dir, std::filesystem::copy_options::recursive);
    return dir;
  }
  static std::string LedgerPath(const std::string& data) { return data + "/ledger"; }

  static Result<std::unique_ptr<Ledger>> OpenReadOnly(const std::string& data) {
    LedgerOptions options;
    options.path = LedgerPath(data);
    options.read_only = true;
    return Ledger::Open(std::move(options));
  }

  static Result<VerifyReport> Verify(const std::string& data,
                                     const std::string& vkey = node_->VerifierKey()) {
    EJ_ASSIGN_OR_RETURN(auto ledger, OpenReadOnly(data));
    VerifyOptions options;
    options.node_verifier_key = vkey;
    return VerifyLedger(*ledger, options);
  }

  // The verification failed with `code` and a message starting with `prefix` and containing
  // `fragment`.
  static ::testing::AssertionResult FailsWith(const Result<VerifyReport>& report, StatusCode code,
                                              const std::string& prefix,
                                              const std::string& fragment = "") {
    if (report.has_value()) {
      return ::testing::AssertionFailure() << "verified " << report->entries << " entries";
    }
    const Status& e = report.error();
    if (e.code() != code || !StartsWith(e.message(), prefix) ||
        e.message().find(fragment) == std::string::npos) {
      return ::testing::AssertionFailure()
             << e.ToString() << "; expected " << StatusCodeName(code) << " starting \"" << prefix
             << "\" containing \"" << fragment << "\"";
    }
    return ::testing::AssertionSuccess() << e.ToString();
  }

  // The stored entry and its parsed form.
  static v1::LedgerEntry ParseEntry(const std::string& bytes) {
    v1::LedgerEntry entry;
    EXPECT_TRUE(entry.ParseFromString(bytes));
    return entry;
  }

  // Rewrites the checkpoint stored at `size` with `edit` applied to its text, signed by `signer`
  // (or, if null, keeping the original signature lines).
  void RewriteCheckpoint(const std::string& data, uint64_t size,
                         const std::function<void(note::Checkpoint&)>& edit,
                         const note::NoteSigner* signer) {
    RawLedgerDb raw(LedgerPath(data));
    ASSERT_TRUE(raw.status().ok()) << raw.status().ToString();
    const std::string note_text = raw.Get("checkpoints", EntryKey(size));
    const size_t split = note_text.find("\n\n");
    ASSERT_NE(split, std::string::npos);
    auto cp = note::Checkpoint::Parse(note_text.substr(0, split + 1));
    ASSERT_TRUE(cp.has_value()) << cp.error().ToString();
    edit(*cp);
    std::string rewritten;
    if (signer != nullptr) {
      auto signed_note = signer->Sign(cp->Marshal());
      ASSERT_TRUE(signed_note.has_value()) << signed_note.error().ToString();
      rewritten = *signed_note;
    } else {
      rewritten = cp->Marshal() + note_text.substr(split + 1);
    }
    raw.Put("checkpoints", EntryKey(size), rewritten);
  }

  static inline TempDir* base_ = nullptr;
  static inline ManualClock* clock_ = nullptr;
  static inline NodeIdentity* node_ = nullptr;
  TempDir dir_;
  int copies_ = 0;
};

// Flips `mask` in byte `byte` of the stored hash of tree node `node` (inside its tile).
void FlipNodeBit(RawLedgerDb& raw, const merkle::NodeId& node, size_t byte, uint8_t mask) {
  const auto a = storage::TileAddressOf(node);
  const std::string key = storage::TileKey(a.tile_level, a.tile_index);
  auto tile = storage::Tile::Decode(raw.Get("nodes", key));
  ASSERT_TRUE(tile.has_value()) << tile.error().ToString();
  const merkle::Hash* h = tile->Get(a.row, a.position);
  ASSERT_NE(h, nullptr);
  merkle::Hash changed = *h;
  changed[byte] ^= mask;
  tile->Set(a.row, a.position, changed);
  raw.Put("nodes", key, tile->Encode());
}

TEST_F(VerifierTest, IntactLedgerVerifiesAndReportsTheCounts) {
  const std::string data = FreshCopy();
  auto ledger = OpenReadOnly(data);
  ASSERT_TRUE(ledger.has_value()) << ledger.error().ToString();
  VerifyOptions options;
  options.node_verifier_key = node_->VerifierKey();
  uint64_t last_done = 0, last_total = 0;
  options.progress = [&](uint64_t done, uint64_t total) {
    last_done = done;
    last_total = total;
  };
  auto report = VerifyLedger(**ledger, options);
  ASSERT_TRUE(report.has_value()) << report.error().ToString();
  EXPECT_EQ(report->entries, kEntries);
  EXPECT_EQ(report->signatures, kEntries);
  EXPECT_EQ(report->checkpoints, 1 + kCheckpointSizes.size());  // the first group's, and ours
  EXPECT_EQ(report->root, *(*ledger)->Root(kEntries));
  EXPECT_EQ(last_done, kEntries);
  EXPECT_EQ(last_total, kEntries);

  // Both key types signed entries, all from credentials issued in the ledger itself.
  std::map<std::string, int> by_credential;
  ASSERT_TRUE((*ledger)
                  ->ForEachEntry(1,
                                 [&](uint64_t, std::string_view bytes) {
                                   v1::LedgerEntry entry = ParseEntry(std::string(bytes));
                                   ++by_credential[entry.event().credential_id()];
                                   return true;
                                 })
                  .ok());
  EXPECT_EQ(by_credential.size(), 7u);  // the node and six users
  int ed25519 = 0, p256 = 0;
  for (const auto& [id, n] : by_credential) {
    if (id.find("-ed25519-") != std::string::npos) ed25519 += n;
    if (id.find("-p256-") != std::string::npos) p256 += n;
  }
  EXPECT_GT(ed25519, 100);
  EXPECT_GT(p256, 100);
}

// ---- a) an entry rewritten through RocksDB
// --------------------------------------------------------

TEST_F(VerifierTest, ByteFlippedInsideTheBodyNamesTheEntry) {
  const std::string data = FreshCopy();
  {
    RawLedgerDb raw(LedgerPath(data));
    ASSERT_TRUE(raw.status().ok()) << raw.status().ToString();
    std::string bytes = raw.Get("entries", EntryKey(kTampered));
    const std::string body = ParseEntry(bytes).event().body();
    const size_t body_at = bytes.find(body);
    ASSERT_NE(body_at, std::string::npos);
    // A character of the payload's user id: the body still parses, its signature does not hold.
    // (A changed school id would be refused before the signature: R-ACC-6.)
    const size_t user_at = bytes.find("student-", body_at);
    ASSERT_LT(user_at, body_at + body.size());
    bytes[user_at] ^= 0x01;
    raw.Put("entries", EntryKey(kTampered), bytes);
  }
  EXPECT_TRUE(FailsWith(Verify(data), StatusCode::kUnauthenticated, "entry 137: event ",
                        "is not valid: signature does not verify"));
}

TEST_F(VerifierTest, BodyThatNoLongerDecodesNamesTheEntryAsDataLoss) {
  // What was stored does not decode any more: damaged data (kDataLoss, as verifier.h promises),
  // not a caller's invalid argument.
  struct Case {
    std::string what;
    char replacement;  // for the first byte of the event id
    std::string fragment;
  };
  const std::vector<Case> cases = {
      {"an id character that is not allowed", ' ', "entry 137: event_id must be 1-128 characters"},
      // The id's length prefix precedes it; 0x7f claims more bytes than the body holds.
      {"a length that overruns the body", '\x7f',
       "entry 137: the body is not a valid ejournal.v1.EventBody"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    const std::string data = FreshCopy();
    {
      RawLedgerDb raw(LedgerPath(data));
      ASSERT_TRUE(raw.status().ok()) << raw.status().ToString();
      std::string bytes = raw.Get("entries", EntryKey(kTampered));
      v1::EventBody body;
      ASSERT_TRUE(body.ParseFromString(ParseEntry(bytes).event().body()));
      const size_t at = bytes.find(body.event_id());
      ASSERT_NE(at, std::string::npos);
      if (c.replacement == '\x7f') {
        ASSERT_EQ(static_cast<size_t>(bytes[at - 1]), body.event_id().size());
        bytes[at - 1] = c.replacement;
      } else {
        bytes[at] = c.replacement;
      }
      raw.Put("entries", EntryKey(kTampered), bytes);
    }
    EXPECT_TRUE(FailsWith(Verify(data), StatusCode::kDataLoss, c.fragment));
  }
}

TEST_F(VerifierTest, ByteFlippedInsideTheSignatureNamesTheEntry) {
  const std::string data = FreshCopy();
  {
    RawLedgerDb raw(LedgerPath(data));
    ASSERT_TRUE(raw.status().ok()) << raw.status().ToString();
    std::string bytes = raw.Get("entries", EntryKey(kTampered));
    const size_t at = bytes.find(ParseEntry(bytes).event().signature());
    ASSERT_NE(at, std::string::npos);
    bytes[at + 20] ^= 0x40;
    raw.Put("entries", EntryKey(kTampered), bytes);
  }
  auto report = Verify(data);
  EXPECT_TRUE(FailsWith(report, StatusCode::kUnauthenticated, "entry 137: event ",
                        "is not valid: signature does not verify"));
  if (!report.has_value()) {
    EXPECT_EQ(report.error().rule(), "R-ACC-1");
  }
}

TEST_F(VerifierTest, ChangedRecordedAtNamesTheEntry) {
  {
    // A later time: the entry still reads well, but it is not the leaf the tree was built from.
    const std::string data = FreshCopy();
    {
      RawLedgerDb raw(LedgerPath(data));
      ASSERT_TRUE(raw.status().ok()) << raw.status().ToString();
      v1::LedgerEntry entry = ParseEntry(raw.Get("entries", EntryKey(kTampered)));
      raw.Put("entries", EntryKey(kTampered),
              storage::EncodeLedgerEntry(kTampered, entry.recorded_at_us() + 1,
                                         entry.event().SerializeAsString()));
    }
    EXPECT_TRUE(FailsWith(Verify(data), StatusCode::kDataLoss,
                          "entry 137: its stored bytes do not match the tree"));
  }
  {
    // An earlier time than the entry before it.
    const std::string data = FreshCopy();
    {
      RawLedgerDb raw(LedgerPath(data));
      ASSERT_TRUE(raw.status().ok()) << raw.status().ToString();
      const int64_t before =
          ParseEntry(raw.Get("entries", EntryKey(kTampered - 1))).recorded_at_us();
      v1::LedgerEntry entry = ParseEntry(raw.Get("entries", EntryKey(kTampered)));
      raw.Put("entries", EntryKey(kTampered),
              storage::EncodeLedgerEntry(kTampered, before - 1, entry.event().SerializeAsString()));
    }
    EXPECT_TRUE(FailsWith(Verify(data), StatusCode::kDataLoss,
                          "entry 137: its recorded-at time is earlier than entry 136's"));
  }
}

TEST_F(VerifierTest, EntryReplacedByACopyOfAnotherNamesTheEntry) {
  {
    // Entry 138's bytes under key 137.
    const std::string data = FreshCopy();
    {
      RawLedgerDb raw(LedgerPath(data));
      ASSERT_TRUE(raw.status().ok()) << raw.status().ToString();
      raw.Put("entries", EntryKey(kTampered), raw.Get("entries", EntryKey(kTampered + 1)));
    }
    EXPECT_TRUE(
        FailsWith(Verify(data), StatusCode::kDataLoss, "entry 137: it carries sequence 138"));
  }
  {
    // Entry 12's validly signed event, renumbered as 137 with 137's time: every signature and
    // credential check passes; the event-id index (and the tree) know it is a replay.
    const std::string data = FreshCopy();
    {
      RawLedgerDb raw(LedgerPath(data));
      ASSERT_TRUE(raw.status().ok()) << raw.status().ToString();
      v1::LedgerEntry original = ParseEntry(raw.Get("entries", EntryKey(kTampered)));
      v1::LedgerEntry replayed = ParseEntry(raw.Get("entries", EntryKey(12)));
      raw.Put("entries", EntryKey(kTampered),
              storage::EncodeLedgerEntry(kTampered, original.recorded_at_us(),
                                         replayed.event().SerializeAsString()));
    }
    EXPECT_TRUE(FailsWith(Verify(data), StatusCode::kDataLoss, "entry 137: event id e-",
                          "is indexed at entry 12 (a duplicated or replayed event)"));
  }
}

// ---- b) a byte flipped in the .sst file on disk
// ---------------------------------------------------

TEST_F(VerifierTest, ByteFlippedInTheSstFileNamesTheEntryAndTheCliFails) {
  const std::string data = FreshCopy();
  std::string event_id;
  std::vector<std::string> entry_files;
  {
    RawLedgerDb raw(LedgerPath(data));
    ASSERT_TRUE(raw.status().ok()) << raw.status().ToString();
    v1::EventBody body;
    ASSERT_TRUE(
        body.ParseFromString(ParseEntry(raw.Get("entries", EntryKey(kTampered))).event().body()));
    event_id = body.event_id();
    // Flush the memtable and compact, so that every entry lives in an .sst file.
    rocksdb::CompactRangeOptions compact;
    compact.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
    rocksdb::Status s = raw.db()->CompactRange(compact, raw.cf("entries"), nullptr, nullptr);
    ASSERT_TRUE(s.ok()) << s.ToString();
    std::vector<rocksdb::LiveFileMetaData> files;
    raw.db()->GetLiveFilesMetaData(&files);
    for (const auto& f : files) {
      if (f.column_family_name == "entries") entry_files.push_back(f.db_path + f.name);
    }
  }
  ASSERT_FALSE(entry_files.empty());

  // The event id occurs once, inside entry 137's body (entries are stored uncompressed).
  std::string file_path;
  std::string file;
  size_t at = 0;
  size_t found = 0;
  for (const auto& path : entry_files) {
    std::string bytes = ReadBinary(path);
    size_t first = 0;
    const size_t n = Occurrences(bytes, event_id, &first);
    if (n > 0) {
      file_path = path;
      file = std::move(bytes);
      at = first;
    }
    found += n;
  }
  ASSERT_EQ(found, 1u) << "event id " << event_id << " in " << entry_files.size() << " files";
  ASSERT_EQ(file[at], 'e');
  file[at] ^= 0x01;  // "e-..." becomes "d-...": still a well-formed id, no longer the signed one
  WriteBinary(file_path, file);

  {
    auto ledger = OpenReadOnly(data);
    ASSERT_TRUE(ledger.has_value()) << ledger.error().ToString();
    // RocksDB's own block checksum refuses the block on an ordinary read...
    auto entry = (*ledger)->Entry(kTampered);
    ASSERT_FALSE(entry.has_value());
    EXPECT_EQ(entry.error().code(), StatusCode::kDataLoss) << entry.error().ToString();
    // ...while the verifier reads past it and names the entry with its own checks.
    VerifyOptions options;
    options.node_verifier_key = node_->VerifierKey();
    EXPECT_TRUE(FailsWith(VerifyLedger(**ledger, options), StatusCode::kUnauthenticated,
                          "entry 137: event d" + event_id.substr(1) + ": the signature by ",
                          "is not valid: signature does not verify"));
  }

  auto cli = testing::RunProcess({EJOURNAL_CLI, "ledger", "verify", "--data", data});
  EXPECT_EQ(cli.exit_code, 1) << cli.out << cli.err;
  EXPECT_NE(cli.err.find("LEDGER VERIFICATION FAILED"), std::string::npos) << cli.err;
  EXPECT_NE(cli.err.find("error: Unauthenticated: entry 137: event d" + event_id.substr(1)),
            std::string::npos)
      << cli.err;
  EXPECT_EQ(cli.out.find("ledger OK"), std::string::npos) << cli.out;
}

TEST_F(VerifierTest, CliVerifiesTheIntactCopy) {
  const std::string data = FreshCopy();
  auto cli = testing::RunProcess({EJOURNAL_CLI, "ledger", "verify", "--data", data});
  EXPECT_EQ(cli.exit_code, 0) << cli.out << cli.err;
  EXPECT_NE(cli.out.find("ledger OK: 300 entries, 300 signatures, 4 checkpoints verified"),
            std::string::npos)
      << cli.out;
}

// ---- c) tree nodes, checkpoints, a deleted entry, the wrong node key
// -----------------------------

TEST_F(VerifierTest, ChangedTreeNodeNamesTheNodeAndItsEntries) {
  {
    // The leaf of entry 137 (level 0, index 136).
    const std::string data = FreshCopy();
    {
      RawLedgerDb raw(LedgerPath(data));
      ASSERT_TRUE(raw.status().ok()) << raw.status().ToString();
      FlipNodeBit(raw, {0, kTampered - 1}, 0, 0x01);
    }
    EXPECT_TRUE(FailsWith(Verify(data), StatusCode::kDataLoss,
                          "entry 137: its stored bytes do not match the tree"));
  }
  {
    // The node over entries 137..144 (level 3, index 17), inside the complete subtree of 1..256
    // that every later root uses instead.
    const std::string data = FreshCopy();
    {
      RawLedgerDb raw(LedgerPath(data));
      ASSERT_TRUE(raw.status().ok()) << raw.status().ToString();
      FlipNodeBit(raw, {3, 17}, 31, 0x80);
    }
    EXPECT_TRUE(FailsWith(Verify(data), StatusCode::kDataLoss,
                          "tree node level 3 index 17 (entries 137..144) does not match"));
  }
}

TEST_F(VerifierTest, DeletedTreeTileNamesTheFirstMissingNode) {
  // Tile (0, 8) holds the nodes of levels 0..3 over entries 129..144, entry 137's among them.
  const std::string data = FreshCopy();
  {
    RawLedgerDb raw(LedgerPath(data));
    ASSERT_TRUE(raw.status().ok()) << raw.status().ToString();
    const auto a = storage::TileAddressOf({0, kTampered - 1});
    raw.Delete("nodes", storage::TileKey(a.tile_level, a.tile_index));
  }
  EXPECT_TRUE(FailsWith(Verify(data), StatusCode::kDataLoss,
                        "entry 129: tree node level 0 index 128 (entry 129) is missing"));
}

TEST_F(VerifierTest, EntryDeletedFromTheMiddleIsNamedAsMissing) {
  const std::string data = FreshCopy();
  {
    RawLedgerDb raw(LedgerPath(data));
    ASSERT_TRUE(raw.status().ok()) << raw.status().ToString();
    raw.Delete("entries", EntryKey(kTampered));
  }
  EXPECT_TRUE(
      FailsWith(Verify(data), StatusCode::kDataLoss, "entry 137 is missing (next stored is 138)"));
}

TEST_F(VerifierTest, AlteredCheckpointSignatureNamesTheCheckpoint) {
  const std::string data = FreshCopy();
  {
    RawLedgerDb raw(LedgerPath(data));
    ASSERT_TRUE(raw.status().ok()) << raw.status().ToString();
    std::string note_text = raw.Get("checkpoints", EntryKey(100));
    // "— <name> base64(key id || signature)\n": flip a bit of the signature, keep valid base64.
    const size_t line = note_text.find("\n\n") + 2;
    const size_t b64 = note_text.find(' ', note_text.find(' ', line) + 1) + 1;
    const std::string encoded = note_text.substr(b64, note_text.size() - b64 - 1);
    auto raw_sig = crypto::Base64Decode(encoded);
    ASSERT_TRUE(raw_sig.has_value()) << raw_sig.error().ToString();
    (*raw_sig)[4 + 10] ^= 0x01;
    note_text.replace(b64, encoded.size(), crypto::Base64Encode(*raw_sig));
    raw.Put("checkpoints", EntryKey(100), note_text);
  }
  EXPECT_TRUE(FailsWith(Verify(data), StatusCode::kUnauthenticated, "checkpoint at size 100: "));
}

TEST_F(VerifierTest, AlteredCheckpointTextNamesTheCheckpoint) {
  const std::vector<std::pair<std::string, std::function<void(note::Checkpoint&)>>> edits = {
      {"root", [](note::Checkpoint& cp) { cp.root[0] ^= 0x01; }},
      {"size", [](note::Checkpoint& cp) { cp.size = 101; }},
      {"origin", [](note::Checkpoint& cp) { cp.origin = "ejournal.test/ledger/2"; }},
  };
  for (const auto& [what, edit] : edits) {
    SCOPED_TRACE(what);
    // Without the node key the old signature no longer covers the text.
    const std::string data = FreshCopy();
    RewriteCheckpoint(data, 100, edit, nullptr);
    EXPECT_TRUE(FailsWith(Verify(data), StatusCode::kUnauthenticated, "checkpoint at size 100: "));
  }
  // Signed by the node key after all (a node that signed a wrong checkpoint): each lie is named.
  const std::vector<std::tuple<std::string, std::function<void(note::Checkpoint&)>, std::string>>
      signed_lies = {
          {"root", [](note::Checkpoint& cp) { cp.root[0] ^= 0x01; },
           "its root differs from the root recomputed from the entries"},
          {"size", [](note::Checkpoint& cp) { cp.size = 101; },
           "claims 101 entries; the ledger has 300"},
          {"origin", [](note::Checkpoint& cp) { cp.origin = "ejournal.test/ledger/2"; },
           "names origin \"ejournal.test/ledger/2\", not \"ejournal.test/ledger/1\""},
      };
  for (const auto& [what, edit, fragment] : signed_lies) {
    SCOPED_TRACE("signed " + what);
    const std::string data = FreshCopy();
    RewriteCheckpoint(data, 100, edit, node_->signer.get());
    EXPECT_TRUE(
        FailsWith(Verify(data), StatusCode::kDataLoss, "checkpoint at size 100: ", fragment));
  }
}

TEST_F(VerifierTest, CheckpointSignedByAnotherKeyNamesTheCheckpoint) {
  auto other = GenerateNodeIdentity(SignedLedger::kOrigin);  // same name, another key
  ASSERT_TRUE(other.has_value());
  const std::string data = FreshCopy();
  RewriteCheckpoint(
      data, 100, [](note::Checkpoint&) {}, other->signer.get());
  EXPECT_TRUE(FailsWith(Verify(data), StatusCode::kUnauthenticated, "checkpoint at size 100: "));
}

TEST_F(VerifierTest, LatestCheckpointThatDisagreesWithTheTreeIsRefusedAtOpen) {
  const std::string data = FreshCopy();
  RewriteCheckpoint(
      data, kEntries, [](note::Checkpoint& cp) { cp.root[5] ^= 0x10; }, node_->signer.get());
  auto ledger = OpenReadOnly(data);
  ASSERT_FALSE(ledger.has_value());
  EXPECT_EQ(ledger.error().code(), StatusCode::kDataLoss);
  EXPECT_NE(ledger.error().message().find(
                "the stored tree does not match the latest checkpoint at size 300"),
            std::string::npos)
      << ledger.error().ToString();
}

TEST_F(VerifierTest, WrongNodeVerifierKeyIsRefused) {
  const std::string data = FreshCopy();
  auto other = GenerateNodeIdentity(SignedLedger::kOrigin);
  ASSERT_TRUE(other.has_value());
  // The first checkpoint (size 1) carries no signature by that key.
  EXPECT_TRUE(FailsWith(Verify(data, other->VerifierKey()), StatusCode::kUnauthenticated,
                        "checkpoint at size 1: "));
  auto malformed = Verify(data, "not-a-key");
  ASSERT_FALSE(malformed.has_value());
  EXPECT_EQ(malformed.error().code(), StatusCode::kInvalidArgument) << malformed.error().ToString();

  // The CLI with that key file.
  const std::string key_file = dir_.Sub("other.pub");
  WriteBinary(key_file, other->VerifierKey() + "\n");
  auto cli = testing::RunProcess(
      {EJOURNAL_CLI, "ledger", "verify", "--data", data, "--node-key", key_file});
  EXPECT_EQ(cli.exit_code, 1) << cli.out << cli.err;
  EXPECT_NE(cli.err.find("error: Unauthenticated: checkpoint at size 1: "), std::string::npos)
      << cli.err;
}

// R-ACC-6: an entry signed with a credential issued in another school (as a ledger written before
// the rule was enforced may hold) is named by the verifier, as the writer and a replica refuse it.
TEST(VerifierCrossSchoolTest, AnEntrySignedWithAnotherSchoolsCredentialIsNamed) {
  TempDir dir;
  ManualClock clock;
  auto created = SignedLedger::Create(dir.Sub("data"), &clock);
  ASSERT_TRUE(created.has_value()) << created.error().ToString();
  SignedLedger& ledger = **created;
  ASSERT_TRUE(ledger.Open().ok());
  auto own = ledger.IssueCredential("teacher-1", crypto::KeyType::kEd25519);
  auto other = ledger.IssueCredential("teacher-1", crypto::KeyType::kEd25519, 0, "school-2");
  ASSERT_TRUE(own.has_value() && other.has_value());
  // School 2's "teacher-1" signs an event of school 1's "teacher-1".
  const v1::EventBody body = ledger.UserRegisteredBody(*other, "student-1");
  ASSERT_EQ(body.school_id(), SignedLedger::kSchoolId);
  auto bytes = ledger.Sign(body, *other);
  ASSERT_TRUE(bytes.has_value());
  EXPECT_EQ(ledger.Submit(*bytes).error().rule(), "R-ACC-6");  // the writer refuses it today
  auto appended = ledger.AppendUnadmitted(*bytes);
  ASSERT_TRUE(appended.has_value()) << appended.error().ToString();
  const uint64_t forged_at = appended->sequence;
  ASSERT_TRUE(ledger.ledger().Checkpoint().has_value());
  const std::string verifier_key = ledger.node().VerifierKey();
  ledger.Close();

  LedgerOptions options;
  options.path = dir.Sub("data") + "/ledger";
  options.read_only = true;
  auto opened = Ledger::Open(std::move(options));
  ASSERT_TRUE(opened.has_value()) << opened.error().ToString();
  VerifyOptions verify;
  verify.node_verifier_key = verifier_key;
  auto report = VerifyLedger(**opened, verify);
  ASSERT_FALSE(report.has_value());
  EXPECT_EQ(report.error().code(), StatusCode::kPermissionDenied) << report.error().ToString();
  EXPECT_EQ(report.error().rule(), "R-ACC-6");
  EXPECT_TRUE(report.error().message().starts_with("entry " + std::to_string(forged_at) + ": "))
      << report.error().ToString();
}

}  // namespace
}  // namespace ejournal
