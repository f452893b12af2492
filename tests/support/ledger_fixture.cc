#include "tests/support/ledger_fixture.h"

#include "ejournal/v1/event.pb.h"
#include "ejournal/v1/ledger.pb.h"
#include "ledger/crypto.h"

namespace ejournal::testing {

LedgerFixture::LedgerFixture() {
  auto key = crypto::PrivateKey::Generate(crypto::KeyType::kEd25519);
  EXPECT_TRUE(key.has_value());
  auto signer = note::NoteSigner::Create(kOrigin, *key);
  EXPECT_TRUE(signer.has_value());
  signer_ = std::make_shared<note::NoteSigner>(std::move(*signer));
  options_.path = dir_.Sub("ledger");
  options_.origin = kOrigin;
  options_.checkpoint_signer = signer_;
  options_.clock = &clock_;
}

LedgerFixture::~LedgerFixture() { ledger_.reset(); }

::testing::AssertionResult LedgerFixture::OpenLedger(std::shared_ptr<rocksdb::FileSystem> fs) {
  ledger_.reset();
  LedgerOptions options = options_;
  options.file_system = std::move(fs);
  auto opened = Ledger::Open(std::move(options));
  if (!opened) return ::testing::AssertionFailure() << opened.error().ToString();
  ledger_ = std::move(*opened);
  return ::testing::AssertionSuccess();
}

AppendRequest LedgerFixture::MakeRequest(const std::string& event_id, const std::string& payload) {
  v1::EventBody body;
  body.set_schema_version(1);
  body.set_event_id(event_id);
  body.set_school_id(payload.empty() ? "school-" + event_id : payload);
  body.set_actor_id("teacher-1");
  body.set_credential_id("cred-1");
  v1::SignedEvent signed_event;
  signed_event.set_body(body.SerializeAsString());
  signed_event.set_signature(std::string(64, 's'));
  signed_event.set_credential_id("cred-1");
  AppendRequest req;
  req.signed_event = signed_event.SerializeAsString();
  req.event_id = event_id;
  req.body_digest = crypto::Sha256(signed_event.body());
  return req;
}

::testing::AssertionResult LedgerFixture::VerifyTree() {
  merkle::MemoryTree tree;
  Status st = ledger_->ForEachEntry(1, [&](uint64_t, std::string_view bytes) {
    tree.Append(merkle::LeafHash(bytes));
    return true;
  });
  if (!st.ok()) return ::testing::AssertionFailure() << st.ToString();
  if (tree.size() != ledger_->size()) {
    return ::testing::AssertionFailure() << "entries " << tree.size() << " != " << ledger_->size();
  }
  auto root = ledger_->Root(tree.size());
  if (!root) return ::testing::AssertionFailure() << root.error().ToString();
  if (*root != tree.Root()) return ::testing::AssertionFailure() << "stored tree differs";
  auto latest = ledger_->LatestCheckpoint();
  if (latest) {
    auto verifier = note::NoteVerifier::FromVerifierKey(signer_->VerifierKey());
    if (!verifier) return ::testing::AssertionFailure() << verifier.error().ToString();
    auto text = verifier->Open(*latest);
    if (!text) return ::testing::AssertionFailure() << text.error().ToString();
    auto cp = note::Checkpoint::Parse(*text);
    if (!cp) return ::testing::AssertionFailure() << cp.error().ToString();
    auto cp_root = merkle::Root(tree, cp->size);
    if (!cp_root || *cp_root != cp->root) {
      return ::testing::AssertionFailure() << "checkpoint at " << cp->size << " disagrees";
    }
  }
  return ::testing::AssertionSuccess();
}

}  // namespace ejournal::testing
