// CredentialRegistry: the keys of folded credentials are parsed on their first verification
// (KeyParsing::kOnFirstUse, the default) or when folded (kAtApply, for data nobody admitted);
// admission's CheckIssue refuses a malformed key either way.
#include "ledger/credentials.h"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "ejournal/v1/event.pb.h"
#include "ledger/crypto.h"
#include "tests/support/run_together.h"
#include "tests/support/status_matchers.h"

namespace ejournal {
namespace {

using crypto::KeyType;
using ::ejournal::testing::IsError;

constexpr int64_t kNow = 1'700'000'000'000'000;
constexpr int64_t kDay = 86'400'000'000;
constexpr char kSchool[] = "school-1";

template <typename T>
T Must(Result<T> r) {
  if (!r.has_value()) throw std::runtime_error(r.error().ToString());
  return std::move(r).value();
}

v1::EventBody Issue(const std::string& id, const std::string& user, v1::KeyAlgorithm algorithm,
                    const std::string& public_key) {
  v1::EventBody body;
  body.set_event_id("issue-" + id);
  body.set_school_id(kSchool);
  body.set_actor_id(kNodeUserId);
  auto* issued = body.mutable_credential_issued();
  issued->set_credential_id(id);
  issued->set_user_id(user);
  issued->set_algorithm(algorithm);
  issued->set_public_key(public_key);
  issued->set_kind(v1::CREDENTIAL_KIND_LONG_LIVED);
  issued->set_not_after_us(kNow + kDay);
  return body;
}

// A P-256 key whose point is not on the curve: the only malformation that passes the format
// checks (type, size, prefix) and needs OpenSSL to be found.
std::string OffCurveP256Key() {
  const crypto::PrivateKey key = Must(crypto::PrivateKey::Generate(KeyType::kEcdsaP256));
  std::string raw = key.public_key().raw();
  raw[64] = static_cast<char>(raw[64] ^ 1);
  return raw;
}

TEST(CredentialRegistryTest, AdmissionStillRefusesAMalformedKeyWithItsReason) {
  CredentialRegistry registry;  // keys parsed on first use
  const v1::EventBody off_curve =
      Issue("cred-bad", "teacher-1", v1::KEY_ALGORITHM_ECDSA_P256_SHA256, OffCurveP256Key());
  EXPECT_TRUE(IsError(registry.CheckIssue(off_curve.credential_issued()),
                      StatusCode::kInvalidArgument,
                      "credential cred-bad: p256 public key is not a point on the curve"));
  const v1::EventBody short_key =
      Issue("cred-short", "teacher-1", v1::KEY_ALGORITHM_ED25519, std::string(31, 'k'));
  EXPECT_TRUE(IsError(registry.CheckIssue(short_key.credential_issued()),
                      StatusCode::kInvalidArgument,
                      "credential cred-short: ed25519 public key has 31 bytes, needs 32"));
  // Apply refuses what needs no parsing as before, whatever the mode.
  EXPECT_TRUE(IsError(registry.Apply(short_key, 2, kNow), StatusCode::kInvalidArgument,
                      "credential cred-short: ed25519 public key has 31 bytes, needs 32"));
  EXPECT_FALSE(registry.Find("cred-short").has_value());
}

TEST(CredentialRegistryTest, AKeyParsedAtApplyIsRefusedWhereItWasIssued) {
  // The offline verifier and an archive's check fold data nobody admitted: kAtApply.
  CredentialRegistry registry(CredentialRegistry::KeyParsing::kAtApply);
  const v1::EventBody off_curve =
      Issue("cred-bad", "teacher-1", v1::KEY_ALGORITHM_ECDSA_P256_SHA256, OffCurveP256Key());
  EXPECT_TRUE(IsError(registry.Apply(off_curve, 2, kNow), StatusCode::kInvalidArgument,
                      "credential cred-bad: p256 public key is not a point on the curve"));
  EXPECT_FALSE(registry.Find("cred-bad").has_value());
}

TEST(CredentialRegistryTest, AKeyFoldedWithoutParsingIsRefusedAtItsFirstVerification) {
  // A ledger's own admitted credentials never hold such a key (CheckIssue refused it); should one
  // get there, no signature under it verifies.
  CredentialRegistry registry;
  const v1::EventBody off_curve =
      Issue("cred-bad", "teacher-1", v1::KEY_ALGORITHM_ECDSA_P256_SHA256, OffCurveP256Key());
  ASSERT_TRUE(registry.Apply(off_curve, 2, kNow).ok());
  auto key = registry.Authorize("cred-bad", kSchool, "teacher-1", kNow + 1);
  ASSERT_TRUE(key.has_value());
  EXPECT_TRUE(IsError(key->Verify("m", std::string(64, '\x01')), StatusCode::kUnauthenticated,
                      "public key is unusable: p256 public key is not a point on the curve"));
}

TEST(CredentialRegistryTest, ManyThreadsVerifyWithKeysFoldedWithoutParsing) {
  // Credentials folded as a replay folds them, then verified from several threads at once, each
  // key's first verifications racing to parse it; Authorize runs meanwhile on every thread.
  CredentialRegistry registry;
  struct Signer {
    std::string id;
    std::string user;
    crypto::PrivateKey key;
  };
  std::vector<Signer> signers;
  for (int i = 0; i < 6; ++i) {
    const KeyType type = i % 3 == 2 ? KeyType::kEcdsaP256 : KeyType::kEd25519;
    signers.push_back({"cred-" + std::to_string(i), "teacher-" + std::to_string(i),
                       Must(crypto::PrivateKey::Generate(type))});
    const Signer& s = signers.back();
    const auto algorithm =
        type == KeyType::kEd25519 ? v1::KEY_ALGORITHM_ED25519 : v1::KEY_ALGORITHM_ECDSA_P256_SHA256;
    ASSERT_TRUE(registry
                    .Apply(Issue(s.id, s.user, algorithm, s.key.public_key().raw()),
                           static_cast<uint64_t>(i + 2), kNow)
                    .ok());
  }
  std::vector<std::string> signatures;
  for (const Signer& s : signers) signatures.push_back(Must(s.key.Sign("event of " + s.user)));

  std::atomic<int> wrong{0};
  testing::RunTogether(4, [&](int t) {
    for (int round = 0; round < 6; ++round) {
      for (size_t i = 0; i < signers.size(); ++i) {
        const size_t k = (i + static_cast<size_t>(t)) % signers.size();
        const Signer& s = signers[k];
        auto key = registry.Authorize(s.id, kSchool, s.user, kNow + 1);
        if (!key) {
          ++wrong;
          continue;
        }
        if (!key->Verify("event of " + s.user, signatures[k]).ok()) ++wrong;
        // Another signer's signature under this key, and this one's over another message.
        if (key->Verify("event of " + s.user, signatures[(k + 1) % signers.size()]).ok()) {
          ++wrong;
        }
        if (key->Verify("event of someone", signatures[k]).ok()) ++wrong;
      }
    }
  });
  EXPECT_EQ(wrong.load(), 0);
  // Another user under a known credential is still refused (R-ACC-4).
  EXPECT_TRUE(IsError(registry.Authorize("cred-0", kSchool, "teacher-1", kNow + 1).error(),
                      StatusCode::kUnauthenticated, "принадлежит другому пользователю"));
}

// R-ACC-6: a credential acts only in the school whose event issued it, even for a user id that the
// other school has too; the node's own credential acts in every school.
TEST(CredentialRegistryTest, ACredentialActsOnlyInItsOwnSchool) {
  CredentialRegistry registry;
  const crypto::PrivateKey node = Must(crypto::PrivateKey::Generate(KeyType::kEd25519));
  registry.AddNode("node:1", node.public_key());
  const crypto::PrivateKey key = Must(crypto::PrivateKey::Generate(KeyType::kEd25519));
  ASSERT_TRUE(
      registry
          .Apply(Issue("cred-a", "admin", v1::KEY_ALGORITHM_ED25519, key.public_key().raw()), 1,
                 kNow)
          .ok());
  EXPECT_TRUE(registry.Authorize("cred-a", kSchool, "admin", kNow + 1).has_value());
  auto other = registry.Authorize("cred-a", "school-2", "admin", kNow + 1);
  ASSERT_FALSE(other.has_value());
  EXPECT_TRUE(IsError(other.error(), StatusCode::kPermissionDenied,
                      "выдан в школе school-1 и не действует в школе school-2"));
  EXPECT_EQ(other.error().rule(), "R-ACC-6");
  EXPECT_EQ(registry.Find("cred-a")->school_id, kSchool);
  for (const char* school : {kSchool, "school-2"}) {
    EXPECT_TRUE(registry.Authorize("node:1", school, kNodeUserId, kNow + 1).has_value()) << school;
  }
}

}  // namespace
}  // namespace ejournal
