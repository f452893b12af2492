// Admission end to end: Admission::Check (decode, credential, signature) and Ledger::Append (the
// writer's re-check at the recorded-at time) over a real RocksDB ledger. Every refusal is checked
// for its exact code, its rule id, a meaningful part of its message, and for leaving nothing
// behind: the ledger has not grown and the event id is unknown. After every test the whole ledger
// must still pass VerifyLedger: what the writer accepts, the auditor accepts.
#include "ledger/admission.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <future>
#include <mutex>
#include <string>
#include <vector>

#include "ejournal/v1/event.pb.h"
#include "ejournal/v1/ledger.pb.h"
#include "ledger/crypto.h"
#include "ledger/event_codec.h"
#include "ledger/verifier.h"
#include "tests/support/gated_observer.h"
#include "tests/support/manual_clock.h"
#include "tests/support/signed_ledger.h"
#include "tests/support/temp_dir.h"

namespace ejournal {
namespace {

using crypto::KeyType;
using testing::GatedObserver;
using testing::ManualClock;
using testing::SignedLedger;
using testing::Signer;
using testing::TempDir;

constexpr int64_t kSecond = 1'000'000;

// The P-256 signature r||s re-encoded as the DER ECDSA-Sig-Value that OpenSSL's own API produces
// (and that the ledger refuses: KeyAlgorithm documents r||s).
std::string DerFromP1363(std::string_view rs) {
  auto integer = [](std::string_view v) {
    while (v.size() > 1 && v[0] == '\0') v.remove_prefix(1);
    std::string out = (static_cast<uint8_t>(v[0]) & 0x80) ? std::string(1, '\0') : std::string();
    out.append(v);
    return std::string("\x02", 1) + static_cast<char>(out.size()) + out;
  };
  const std::string body = integer(rs.substr(0, 32)) + integer(rs.substr(32));
  return std::string("\x30", 1) + static_cast<char>(body.size()) + body;
}

// Re-serialises a SignedEvent after `edit` has changed it.
template <typename Edit>
std::string EditSignedEvent(const std::string& bytes, Edit edit) {
  v1::SignedEvent signed_event;
  EXPECT_TRUE(signed_event.ParseFromString(bytes));
  edit(signed_event);
  return signed_event.SerializeAsString();
}

class AdmissionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto created = SignedLedger::Create(dir_.Sub("data"), &clock_);
    ASSERT_TRUE(created.has_value()) << created.error().ToString();
    ledger_ = std::move(*created);
    Status opened = ledger_->Open();
    ASSERT_TRUE(opened.ok()) << opened.ToString();
    signers_.push_back(Issue("teacher-1", KeyType::kEd25519));
    signers_.push_back(Issue("teacher-1", KeyType::kEcdsaP256));
    signers_.push_back(Issue("teacher-2", KeyType::kEd25519));
  }

  void TearDown() override {
    if (ledger_ == nullptr || HasFatalFailure()) return;
    // Nothing a test appended (or tried to) may leave a ledger that its own verifier refuses.
    VerifyOptions options;
    options.node_verifier_key = ledger_->node().VerifierKey();
    auto report = VerifyLedger(ledger_->ledger(), options);
    ASSERT_TRUE(report.has_value()) << report.error().ToString();
    EXPECT_EQ(report->entries, ledger_->ledger().size());
  }

  Signer Issue(const std::string& user, KeyType type, int64_t not_after_us = 0) {
    auto signer = ledger_->IssueCredential(user, type, not_after_us);
    EXPECT_TRUE(signer.has_value()) << signer.error().ToString();
    return signer.has_value() ? std::move(*signer) : ledger_->NodeSigner();
  }

  std::string Sign(const v1::EventBody& body, const Signer& signer) {
    auto bytes = ledger_->Sign(body, signer);
    EXPECT_TRUE(bytes.has_value()) << bytes.error().ToString();
    return bytes.value_or("");
  }

  std::string SignBytes(const std::string& body_bytes, const Signer& signer) {
    auto bytes = ledger_->SignBodyBytes(body_bytes, signer);
    EXPECT_TRUE(bytes.has_value()) << bytes.error().ToString();
    return bytes.value_or("");
  }

  Ledger& ledger() { return ledger_->ledger(); }

  // Submits `signed_event` (Check, then Append) and checks that it was refused exactly so, and
  // that nothing was appended: the size is unchanged and `event_id` is unknown afterwards.
  ::testing::AssertionResult Refused(std::string signed_event, const std::string& event_id,
                                     StatusCode code, const std::string& rule,
                                     const std::string& fragment) {
    const uint64_t before = ledger().size();
    auto result = ledger_->Submit(std::move(signed_event));
    return CheckRefusal(result, before, event_id, code, rule, fragment);
  }

  ::testing::AssertionResult CheckRefusal(const Result<AppendResult>& result, uint64_t size_before,
                                          const std::string& event_id, StatusCode code,
                                          const std::string& rule, const std::string& fragment) {
    if (result.has_value()) {
      return ::testing::AssertionFailure()
             << "accepted at sequence " << result->sequence << "; expected " << StatusCodeName(code)
             << " containing \"" << fragment << "\"";
    }
    const Status& error = result.error();
    if (error.code() != code || error.rule() != rule ||
        error.message().find(fragment) == std::string::npos) {
      return ::testing::AssertionFailure()
             << "refused with " << error.ToString() << "; expected " << StatusCodeName(code) << " ["
             << rule << "] containing \"" << fragment << "\"";
    }
    if (ledger().size() != size_before) {
      return ::testing::AssertionFailure()
             << "refused, but the ledger grew from " << size_before << " to " << ledger().size();
    }
    auto sequence = ledger().SequenceOf(event_id);
    if (sequence.has_value()) {
      return ::testing::AssertionFailure()
             << "refused, but event " << event_id << " is at sequence " << *sequence;
    }
    if (sequence.error().code() != StatusCode::kNotFound) {
      return ::testing::AssertionFailure()
             << "looking the event id up failed otherwise: " << sequence.error().ToString();
    }
    return ::testing::AssertionSuccess() << error.ToString();
  }

  // Submits and checks the event is the ledger's newest entry, stored byte for byte.
  ::testing::AssertionResult Accepted(const std::string& signed_event,
                                      const std::string& event_id) {
    const uint64_t before = ledger().size();
    auto result = ledger_->Submit(signed_event);
    if (!result.has_value()) {
      return ::testing::AssertionFailure() << "refused: " << result.error().ToString();
    }
    if (result->duplicate || result->sequence != before + 1 || ledger().size() != before + 1) {
      return ::testing::AssertionFailure()
             << "sequence " << result->sequence << " (duplicate " << result->duplicate
             << ") in a ledger of " << ledger().size() << ", was " << before;
    }
    auto stored = ledger().Entry(result->sequence);
    v1::LedgerEntry entry;
    if (!stored.has_value() || !entry.ParseFromString(*stored) ||
        entry.event().SerializeAsString() != signed_event || entry.sequence() != result->sequence ||
        entry.recorded_at_us() != result->recorded_at_us) {
      return ::testing::AssertionFailure() << "entry " << result->sequence << " is not the event";
    }
    auto sequence = ledger().SequenceOf(event_id);
    if (!sequence.has_value() || *sequence != result->sequence) {
      return ::testing::AssertionFailure() << "event id " << event_id << " is not indexed";
    }
    return ::testing::AssertionSuccess();
  }

  TempDir dir_;
  ManualClock clock_;
  std::unique_ptr<SignedLedger> ledger_;
  // Credentials issued in the ledger by SetUp.
  const Signer& teacher() const { return signers_.at(0); }        // Ed25519, user teacher-1
  const Signer& teacher_p256() const { return signers_.at(1); }   // ECDSA P-256, user teacher-1
  const Signer& other_teacher() const { return signers_.at(2); }  // Ed25519, user teacher-2
  std::vector<Signer> signers_;
};

// ---- accepted ----------------------------------------------------------------------------------

TEST_F(AdmissionTest, Ed25519CredentialIssuedInTheLedgerIsAcceptedEndToEnd) {
  const v1::EventBody body = ledger_->UserRegisteredBody(teacher(), "student-1");
  EXPECT_TRUE(Accepted(Sign(body, teacher()), body.event_id()));
}

TEST_F(AdmissionTest, EcdsaP256CredentialIssuedInTheLedgerIsAcceptedEndToEnd) {
  auto state = ledger_->registry().Find(teacher_p256().credential_id);
  ASSERT_TRUE(state.has_value());
  EXPECT_EQ(state->key.type(), KeyType::kEcdsaP256);
  const v1::EventBody body = ledger_->UserRegisteredBody(teacher_p256(), "student-1");
  const std::string bytes = Sign(body, teacher_p256());
  v1::SignedEvent signed_event;
  ASSERT_TRUE(signed_event.ParseFromString(bytes));
  EXPECT_EQ(signed_event.signature().size(), crypto::kP256SignatureSize);  // r||s, not DER
  EXPECT_TRUE(Accepted(bytes, body.event_id()));
}

// ---- forged and missing signatures (R-ACC-1)
// -----------------------------------------------------

TEST_F(AdmissionTest, SignatureByAnotherKeyOfTheSameTypeIsRefused) {
  for (const Signer* signer : {&teacher(), &teacher_p256()}) {
    SCOPED_TRACE(signer->credential_id);
    auto forger = crypto::PrivateKey::Generate(signer->key.type());
    ASSERT_TRUE(forger.has_value());
    // The forger names the victim's credential and signs with a key of the same algorithm.
    Signer forged{
        .credential_id = signer->credential_id, .user_id = signer->user_id, .key = *forger};
    const v1::EventBody body = ledger_->UserRegisteredBody(*signer, "student-1");
    EXPECT_TRUE(Refused(Sign(body, forged), body.event_id(), StatusCode::kUnauthenticated,
                        "R-ACC-1",
                        "the signature by credential " + signer->credential_id +
                            " is not valid: signature does not verify"));
  }
}

TEST_F(AdmissionTest, SignatureWithAFlippedBitIsRefused) {
  for (const Signer* signer : {&teacher(), &teacher_p256()}) {
    const v1::EventBody body = ledger_->UserRegisteredBody(*signer, "student-1");
    const std::string good = Sign(body, *signer);
    for (size_t byte : {size_t{0}, size_t{31}, size_t{32}, size_t{63}}) {
      for (int bit : {0, 7}) {
        SCOPED_TRACE(signer->credential_id + " byte " + std::to_string(byte) + " bit " +
                     std::to_string(bit));
        std::string bad = EditSignedEvent(good, [&](v1::SignedEvent& e) {
          (*e.mutable_signature())[byte] ^= static_cast<char>(1 << bit);
        });
        EXPECT_TRUE(Refused(bad, body.event_id(), StatusCode::kUnauthenticated, "R-ACC-1",
                            "event " + body.event_id() + ": the signature by credential " +
                                signer->credential_id + " is not valid"));
      }
    }
    EXPECT_TRUE(Accepted(good, body.event_id()));  // the unflipped one was good all along
  }
}

TEST_F(AdmissionTest, MissingSignatureIsRefused) {
  const v1::EventBody body = ledger_->UserRegisteredBody(teacher(), "student-1");
  std::string unsigned_event =
      EditSignedEvent(Sign(body, teacher()), [](v1::SignedEvent& e) { e.clear_signature(); });
  EXPECT_TRUE(Refused(unsigned_event, body.event_id(), StatusCode::kUnauthenticated, "R-ACC-1",
                      "the event is not signed"));
}

TEST_F(AdmissionTest, ShortenedSignatureIsRefusedWithItsLength) {
  const v1::EventBody body = ledger_->UserRegisteredBody(teacher(), "student-1");
  std::string bad = EditSignedEvent(Sign(body, teacher()),
                                    [](v1::SignedEvent& e) { e.mutable_signature()->pop_back(); });
  EXPECT_TRUE(Refused(bad, body.event_id(), StatusCode::kUnauthenticated, "R-ACC-1",
                      "signature has 63 bytes, ed25519 needs 64"));
}

// ---- the wrong key type (R-ACC-1: the algorithm is part of the credential) ----------------------

TEST_F(AdmissionTest, Ed25519SignatureForAP256CredentialIsRefused) {
  auto ed25519 = crypto::PrivateKey::Generate(KeyType::kEd25519);
  ASSERT_TRUE(ed25519.has_value());
  Signer wrong{
      .credential_id = teacher_p256().credential_id, .user_id = "teacher-1", .key = *ed25519};
  const v1::EventBody body = ledger_->UserRegisteredBody(teacher_p256(), "student-1");
  // Both formats are 64 bytes: the length passes, the P-256 verification does not.
  EXPECT_TRUE(Refused(
      Sign(body, wrong), body.event_id(), StatusCode::kUnauthenticated, "R-ACC-1",
      "credential " + teacher_p256().credential_id + " is not valid: signature does not verify"));
}

TEST_F(AdmissionTest, P256SignatureForAnEd25519CredentialIsRefused) {
  auto p256 = crypto::PrivateKey::Generate(KeyType::kEcdsaP256);
  ASSERT_TRUE(p256.has_value());
  Signer wrong{.credential_id = teacher().credential_id, .user_id = "teacher-1", .key = *p256};
  const v1::EventBody body = ledger_->UserRegisteredBody(teacher(), "student-1");
  EXPECT_TRUE(Refused(
      Sign(body, wrong), body.event_id(), StatusCode::kUnauthenticated, "R-ACC-1",
      "credential " + teacher().credential_id + " is not valid: signature does not verify"));
}

TEST_F(AdmissionTest, TheP256CredentialsOwnKeyInDerFormIsRefused) {
  const v1::EventBody body = ledger_->UserRegisteredBody(teacher_p256(), "student-1");
  std::string der = EditSignedEvent(Sign(body, teacher_p256()), [](v1::SignedEvent& e) {
    e.set_signature(DerFromP1363(e.signature()));
  });
  EXPECT_TRUE(Refused(der, body.event_id(), StatusCode::kUnauthenticated, "R-ACC-1",
                      "it looks DER-encoded, which is not accepted"));
}

TEST_F(AdmissionTest, CredentialWhoseKeyDoesNotMatchItsAlgorithmOrIsNoKeyIsNotIssued) {
  auto p256 = crypto::PrivateKey::Generate(KeyType::kEcdsaP256);
  auto ed25519 = crypto::PrivateKey::Generate(KeyType::kEd25519);
  ASSERT_TRUE(p256.has_value() && ed25519.has_value());
  struct Case {
    v1::KeyAlgorithm algorithm;
    std::string key;
    std::string fragment;
  };
  const std::vector<Case> cases = {
      // A P-256 point declared as an Ed25519 key, and the other way round.
      {v1::KEY_ALGORITHM_ED25519, p256->public_key().raw(),
       "credential cred-mismatch: ed25519 public key has 65 bytes, needs 32"},
      {v1::KEY_ALGORITHM_ECDSA_P256_SHA256, ed25519->public_key().raw(),
       "credential cred-mismatch: p256 public key has 32 bytes, needs 65"},
      {v1::KEY_ALGORITHM_UNSPECIFIED, ed25519->public_key().raw(),
       "credential cred-mismatch: unknown key algorithm"},
      // The identity point: of small order, it would "verify" a forged signature on any message
      // (R = identity, S = 0) with a lax verifier, so anyone could act as its holder (R-ACC-1).
      {v1::KEY_ALGORITHM_ED25519, "\x01" + std::string(31, '\0'),
       "credential cred-mismatch: ed25519 public key is not a valid point"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(v1::KeyAlgorithm_Name(c.algorithm));
    v1::EventBody body = ledger_->CredentialIssuedBody(
        "cred-mismatch", "teacher-3", ed25519->public_key(), clock_.NowMicros() + kSecond);
    body.mutable_credential_issued()->set_algorithm(c.algorithm);
    body.mutable_credential_issued()->set_public_key(c.key);
    // Check passes (the node signed it); the writer's CheckIssue refuses it.
    EXPECT_TRUE(Refused(Sign(body, ledger_->NodeSigner()), body.event_id(),
                        StatusCode::kInvalidArgument, "", c.fragment));
    EXPECT_FALSE(ledger_->registry().Find("cred-mismatch").has_value());
  }
}

// ---- truncated and altered bodies ---------------------------------------------------------------

TEST_F(AdmissionTest, BodyTruncatedAtAnyLengthIsRefused) {
  const v1::EventBody body = ledger_->UserRegisteredBody(teacher(), "student-1");
  const std::string good = Sign(body, teacher());
  v1::SignedEvent original;
  ASSERT_TRUE(original.ParseFromString(good));
  const std::string full = original.body();
  int still_parse = 0;
  for (size_t cut = 0; cut < full.size(); ++cut) {
    SCOPED_TRACE("body cut to " + std::to_string(cut) + " of " + std::to_string(full.size()));
    const std::string prefix = full.substr(0, cut);
    std::string bad = EditSignedEvent(good, [&](v1::SignedEvent& e) { e.set_body(prefix); });
    v1::EventBody parsed;
    std::string fragment;
    if (cut == 0) {
      fragment = "the SignedEvent has no body";
    } else if (!parsed.ParseFromString(prefix)) {
      fragment = "the body is not a valid ejournal.v1.EventBody (truncated or corrupted bytes)";
    } else {
      // A cut at a field boundary of the canonical encoding drops whole fields, all before the
      // payload (which is the last field): an envelope field is missing, or the payload is.
      ++still_parse;
      if (parsed.event_id().empty()) {
        fragment = "event_id must be 1-128 characters";
      } else if (parsed.school_id().empty()) {
        fragment = "school_id is missing or malformed";
      } else if (parsed.actor_id().empty()) {
        fragment = "actor_id is missing or malformed";
      } else if (parsed.credential_id().empty()) {
        fragment = "credential_id is missing or malformed";
      } else {
        fragment = "event " + body.event_id() + " has no payload";
      }
    }
    EXPECT_TRUE(Refused(bad, body.event_id(), StatusCode::kInvalidArgument, "", fragment));
  }
  EXPECT_GE(still_parse, 5) << "some cuts at field boundaries were expected to parse";
}

TEST_F(AdmissionTest, BodyCutAtAFieldBoundaryThatStillParsesFailsTheSignature) {
  // The client's body ends with client_time_us after the payload (protobuf accepts fields in any
  // order), so cutting that last field leaves a body that parses and still has every id and the
  // payload: only the signature can tell.
  v1::EventBody main_part = ledger_->UserRegisteredBody(teacher(), "student-1");
  main_part.clear_client_time_us();
  v1::EventBody tail;
  tail.set_client_time_us(clock_.NowMicros());
  const std::string head = main_part.SerializeAsString();
  const std::string full = head + tail.SerializeAsString();
  const std::string good = SignBytes(full, teacher());

  v1::EventBody cut_body;
  ASSERT_TRUE(cut_body.ParseFromString(head));
  ASSERT_TRUE(cut_body.has_user_registered());
  std::string bad = EditSignedEvent(good, [&](v1::SignedEvent& e) { e.set_body(head); });
  EXPECT_TRUE(Refused(bad, main_part.event_id(), StatusCode::kUnauthenticated, "R-ACC-1",
                      "event " + main_part.event_id() + ": the signature by credential " +
                          teacher().credential_id + " is not valid: signature does not verify"));
  EXPECT_TRUE(Accepted(good, main_part.event_id()));  // the whole body was fine
}

TEST_F(AdmissionTest, TruncatedSignedEventIsRefused) {
  const v1::EventBody body = ledger_->UserRegisteredBody(teacher(), "student-1");
  const std::string good = Sign(body, teacher());
  v1::SignedEvent parts;
  ASSERT_TRUE(parts.ParseFromString(good));
  // The canonical envelope: body (1), signature (2), credential_id (3), in that order.
  v1::SignedEvent body_only;
  body_only.set_body(parts.body());
  const size_t after_body = body_only.ByteSizeLong();
  v1::SignedEvent without_credential = parts;
  without_credential.clear_credential_id();
  const size_t after_signature = without_credential.ByteSizeLong();

  EXPECT_TRUE(Refused(good.substr(0, after_body / 2), body.event_id(), StatusCode::kInvalidArgument,
                      "", "the request is not a valid ejournal.v1.SignedEvent protobuf"));
  EXPECT_TRUE(Refused(good.substr(0, after_body + 10), body.event_id(),
                      StatusCode::kInvalidArgument, "",
                      "the request is not a valid ejournal.v1.SignedEvent protobuf"));
  EXPECT_TRUE(Refused(good.substr(0, after_body), body.event_id(), StatusCode::kUnauthenticated,
                      "R-ACC-1", "the event is not signed"));
  EXPECT_TRUE(Refused(
      good.substr(0, after_signature), body.event_id(), StatusCode::kUnauthenticated, "R-ACC-1",
      "the signature names credential  but the body names " + teacher().credential_id));
  EXPECT_TRUE(Refused(good.substr(0, good.size() - 1), body.event_id(),
                      StatusCode::kInvalidArgument, "",
                      "the request is not a valid ejournal.v1.SignedEvent protobuf"));
}

TEST_F(AdmissionTest, BodyAlteredAfterSigningIsRefused) {
  const v1::EventBody body = ledger_->UserRegisteredBody(teacher_p256(), "student-17");
  const std::string good = Sign(body, teacher_p256());
  // Each alteration keeps the body well-formed, so only the signature catches it.
  const std::vector<std::pair<std::string, std::string>> alterations = {
      {"student-17", "student-18"},  // the payload
      {SignedLedger::kSchoolId, "school-2"},
      {"teacher-1", "teacher-2"},  // the actor (the credential's user does not change)
  };
  for (const auto& [from, to] : alterations) {
    SCOPED_TRACE(from + " -> " + to);
    std::string bad = EditSignedEvent(good, [&](v1::SignedEvent& e) {
      std::string altered = e.body();
      const size_t at = altered.find(from);
      ASSERT_NE(at, std::string::npos);
      altered.replace(at, from.size(), to);
      e.set_body(altered);
    });
    if (from == "teacher-1") {
      // The actor no longer owns the credential: refused before the signature is even checked.
      EXPECT_TRUE(Refused(bad, body.event_id(), StatusCode::kUnauthenticated, "R-ACC-4",
                          "принадлежит другому пользователю"));
    } else if (from == SignedLedger::kSchoolId) {
      // R-ACC-6: the credential is school-1's; refused before the signature is checked too.
      EXPECT_TRUE(Refused(bad, body.event_id(), StatusCode::kPermissionDenied, "R-ACC-6",
                          "не действует в школе school-2"));
    } else {
      EXPECT_TRUE(Refused(bad, body.event_id(), StatusCode::kUnauthenticated, "R-ACC-1",
                          "the signature by credential " + teacher_p256().credential_id +
                              " is not valid: signature does not verify"));
    }
  }
}

// ---- unknown fields ----------------------------------------------------------------------------

TEST_F(AdmissionTest, UnknownFieldInTheBodyIsRefusedEvenWhenSigned) {
  v1::EventBody body = ledger_->UserRegisteredBody(teacher(), "student-1");
  body.GetReflection()->MutableUnknownFields(&body)->AddVarint(99, 1);
  EXPECT_TRUE(Refused(Sign(body, teacher()), body.event_id(), StatusCode::kInvalidArgument, "",
                      "the body has fields this server's schema does not know"));
}

TEST_F(AdmissionTest, UnknownFieldInsideThePayloadIsRefused) {
  v1::EventBody body = ledger_->UserRegisteredBody(teacher(), "student-1");
  auto* user = body.mutable_user_registered();
  user->GetReflection()->MutableUnknownFields(user)->AddLengthDelimited(42, "new-client-field");
  EXPECT_TRUE(Refused(Sign(body, teacher()), body.event_id(), StatusCode::kInvalidArgument, "",
                      "the body has fields this server's schema does not know"));
}

// Deeper: in a repeated message of a message inside the payload oneof (HasUnknownFields looks at
// the oneof's member that is set, and at every item of a repeated field).
TEST_F(AdmissionTest, UnknownFieldInARepeatedMessageDeepInThePayloadIsRefused) {
  v1::EventBody body = ledger_->UserRegisteredBody(teacher(), "student-1");
  auto* policy = body.mutable_school_policy_set()->mutable_policy();
  policy->add_mark_windows();
  auto* second = policy->add_mark_windows();
  EXPECT_FALSE(HasUnknownFields(body));
  second->GetReflection()->MutableUnknownFields(second)->AddVarint(77, 1);
  EXPECT_TRUE(HasUnknownFields(body));
  EXPECT_TRUE(Refused(Sign(body, teacher()), body.event_id(), StatusCode::kInvalidArgument, "",
                      "the body has fields this server's schema does not know"));
  // The same field in a payload member that is not set any more is gone with it.
  body.mutable_user_registered()->set_user_id("student-1");
  EXPECT_FALSE(HasUnknownFields(body));
}

// Every enum field of every payload, at any depth (a repeated message holds one item): a number
// its enum does not name (proto3 would keep it: a work type 999 stored and shown) is refused at
// admission, naming the field, and nothing is appended. Names are looked up, not listed, so a
// payload added to the schema is walked too.
void EnumPaths(const google::protobuf::Descriptor* type,
               std::vector<const google::protobuf::FieldDescriptor*>& path, int depth,
               std::vector<std::vector<const google::protobuf::FieldDescriptor*>>& out) {
  for (int i = 0; i < type->field_count(); ++i) {
    const google::protobuf::FieldDescriptor* f = type->field(i);
    path.push_back(f);
    if (f->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_ENUM) {
      out.push_back(path);
    } else if (f->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE && depth < 4) {
      EnumPaths(f->message_type(), path, depth + 1, out);
    }
    path.pop_back();
  }
}

TEST_F(AdmissionTest, UnknownEnumValueAnywhereInAnyPayloadIsRefused) {
  const auto* payload = v1::EventBody::descriptor()->FindOneofByName("payload");
  ASSERT_NE(payload, nullptr);
  size_t walked = 0;
  for (int p = 0; p < payload->field_count(); ++p) {
    std::vector<const google::protobuf::FieldDescriptor*> path = {payload->field(p)};
    std::vector<std::vector<const google::protobuf::FieldDescriptor*>> paths;
    EnumPaths(payload->field(p)->message_type(), path, 0, paths);
    for (const auto& enum_path : paths) {
      for (int value : {999, -5}) {
        v1::EventBody body = ledger_->UserRegisteredBody(teacher(), "student-1");
        google::protobuf::Message* m = &body;
        std::string name;
        for (size_t i = 0; i + 1 < enum_path.size(); ++i) {
          const auto* f = enum_path[i];
          name += f->name() + (f->is_repeated() ? "[0]." : ".");
          m = f->is_repeated() ? m->GetReflection()->AddMessage(m, f)
                               : m->GetReflection()->MutableMessage(m, f);
        }
        const auto* leaf = enum_path.back();
        name += leaf->name();
        if (leaf->is_repeated()) {
          m->GetReflection()->AddEnumValue(m, leaf, value);
        } else {
          m->GetReflection()->SetEnumValue(m, leaf, value);
        }
        SCOPED_TRACE(name);
        EXPECT_EQ(UnknownEnumValue(body), name + " = " + std::to_string(value));
        EXPECT_TRUE(Refused(Sign(body, teacher()), body.event_id(), StatusCode::kInvalidArgument,
                            "", "неизвестное значение в событии: " + name));
        ++walked;
      }
    }
  }
  EXPECT_GE(walked, 80u);  // (43 enum fields today, each with two values: work types, roles ...)
  // Known values pass the check.
  v1::EventBody body = ledger_->UserRegisteredBody(teacher(), "student-1");
  EXPECT_EQ(UnknownEnumValue(body), "");
}

TEST_F(AdmissionTest, UnknownFieldInTheSignedEventIsRefused) {
  const v1::EventBody body = ledger_->UserRegisteredBody(teacher(), "student-1");
  std::string bad = EditSignedEvent(Sign(body, teacher()), [](v1::SignedEvent& e) {
    e.GetReflection()->MutableUnknownFields(&e)->AddLengthDelimited(4, "unsigned extra");
  });
  EXPECT_TRUE(Refused(bad, body.event_id(), StatusCode::kInvalidArgument, "",
                      "the SignedEvent has fields this server does not know"));
}

// ---- size and schema ---------------------------------------------------------------------------

TEST_F(AdmissionTest, OversizedEventIsRefusedAs413) {
  v1::EventBody body = ledger_->UserRegisteredBody(teacher(), "student-1");
  body.mutable_user_registered()->set_display_name(std::string(65 * 1024, 'x'));
  EXPECT_TRUE(Refused(Sign(body, teacher()), body.event_id(), StatusCode::kResourceExhausted, "",
                      "; the limit is 65536"));
}

TEST_F(AdmissionTest, SizeLimitIsInclusive) {
  v1::EventBody body = ledger_->UserRegisteredBody(teacher(), "student-1");
  body.mutable_user_registered()->set_display_name(std::string(1000, 'x'));
  const std::string bytes = Sign(body, teacher());
  Admission exact(&ledger_->registry(), DecodeLimits{.max_event_bytes = bytes.size()});
  Admission smaller(&ledger_->registry(), DecodeLimits{.max_event_bytes = bytes.size() - 1});
  auto refused = smaller.Check(bytes, clock_.NowMicros());
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(
      refused.error().message().find("the event has " + std::to_string(bytes.size()) +
                                     " bytes; the limit is " + std::to_string(bytes.size() - 1)),
      std::string::npos)
      << refused.error().ToString();
  auto admitted = exact.Check(bytes, clock_.NowMicros());
  ASSERT_TRUE(admitted.has_value()) << admitted.error().ToString();
  auto appended = ledger().Append(std::move(*admitted));
  ASSERT_TRUE(appended.has_value()) << appended.error().ToString();
  EXPECT_EQ(appended->sequence, ledger().size());
}

TEST_F(AdmissionTest, UnsupportedSchemaVersionIsRefused) {
  for (uint32_t version : {0u, 2u, 1000u}) {
    SCOPED_TRACE(version);
    v1::EventBody body = ledger_->UserRegisteredBody(teacher(), "student-1");
    body.set_schema_version(version);
    EXPECT_TRUE(Refused(Sign(body, teacher()), body.event_id(), StatusCode::kInvalidArgument, "",
                        "schema_version " + std::to_string(version) +
                            " is not supported; this server admits version 1"));
  }
}

TEST_F(AdmissionTest, MissingOrMalformedIdsAreRefused) {
  struct Case {
    std::string name;
    void (*edit)(v1::EventBody&);
    std::string fragment;
  };
  const std::vector<Case> cases = {
      {"no event id", [](v1::EventBody& b) { b.clear_event_id(); }, "event_id must be 1-128"},
      {"event id with a space", [](v1::EventBody& b) { b.set_event_id("event 1"); },
       "event_id must be 1-128"},
      {"event id of 129 characters",
       [](v1::EventBody& b) { b.set_event_id(std::string(129, 'a')); }, "event_id must be 1-128"},
      {"event id not ASCII", [](v1::EventBody& b) { b.set_event_id("событие-1"); },
       "event_id must be 1-128"},
      {"no school id", [](v1::EventBody& b) { b.clear_school_id(); },
       "school_id is missing or malformed"},
      {"school id with a slash", [](v1::EventBody& b) { b.set_school_id("school/1"); },
       "school_id is missing or malformed"},
      {"no actor id", [](v1::EventBody& b) { b.clear_actor_id(); },
       "actor_id is missing or malformed"},
      {"no credential id", [](v1::EventBody& b) { b.clear_credential_id(); },
       "credential_id is missing or malformed"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    v1::EventBody body = ledger_->UserRegisteredBody(teacher(), "student-1");
    const std::string event_id = body.event_id();
    c.edit(body);
    // 129 characters and the malformed ids are not stored either (nor are they the original id).
    EXPECT_TRUE(Refused(SignBytes(body.SerializeAsString(), teacher()), event_id,
                        StatusCode::kInvalidArgument, "", c.fragment));
    if (body.event_id() != event_id && !body.event_id().empty()) {
      EXPECT_EQ(ledger().SequenceOf(body.event_id()).error().code(), StatusCode::kNotFound);
    }
  }
}

TEST_F(AdmissionTest, CredentialIdOfTheSignatureMustBeTheBodys) {
  const v1::EventBody body = ledger_->UserRegisteredBody(teacher(), "student-1");
  // The envelope names another (valid) credential than the signed body: R-ACC-1.
  std::string bad = EditSignedEvent(Sign(body, teacher()), [&](v1::SignedEvent& e) {
    e.set_credential_id(other_teacher().credential_id);
  });
  EXPECT_TRUE(Refused(bad, body.event_id(), StatusCode::kUnauthenticated, "R-ACC-1",
                      "the signature names credential " + other_teacher().credential_id +
                          " but the body names " + teacher().credential_id));
}

TEST_F(AdmissionTest, EventWithoutPayloadIsRefused) {
  const v1::EventBody body = ledger_->NewBody(teacher());
  EXPECT_TRUE(Refused(Sign(body, teacher()), body.event_id(), StatusCode::kInvalidArgument, "",
                      "event " + body.event_id() + " has no payload"));
}

// ---- credentials: known, the actor's own, active (R-ACC-1, R-ACC-4, R-SEC-2) -------------------

TEST_F(AdmissionTest, UnknownCredentialIsRefused) {
  auto key = crypto::PrivateKey::Generate(KeyType::kEd25519);
  ASSERT_TRUE(key.has_value());
  Signer ghost{.credential_id = "cred-never-issued", .user_id = "teacher-1", .key = *key};
  const v1::EventBody body = ledger_->UserRegisteredBody(ghost, "student-1");
  EXPECT_TRUE(Refused(Sign(body, ghost), body.event_id(), StatusCode::kUnauthenticated, "R-ACC-1",
                      "credential cred-never-issued is unknown"));
}

TEST_F(AdmissionTest, CredentialOfAnotherUserIsRefused) {
  // teacher-2 signs with teacher-1's credential (and key): a login is personal.
  v1::EventBody body = ledger_->UserRegisteredBody(teacher(), "student-1");
  body.set_actor_id(other_teacher().user_id);
  EXPECT_TRUE(Refused(
      Sign(body, teacher()), body.event_id(), StatusCode::kUnauthenticated, "R-ACC-4",
      "Ключ «" + teacher().credential_id +
          "» принадлежит другому пользователю: учётная запись личная, действовать за «teacher-2» "
          "ею нельзя"));
  // Nor may the node's credential act for a person.
  v1::EventBody as_node = ledger_->UserRegisteredBody(ledger_->NodeSigner(), "student-1");
  as_node.set_actor_id("teacher-1");
  EXPECT_TRUE(Refused(Sign(as_node, ledger_->NodeSigner()), as_node.event_id(),
                      StatusCode::kUnauthenticated, "R-ACC-4", "действовать за «teacher-1»"));
}

TEST_F(AdmissionTest, ExpiredCredentialIsRefused) {
  const int64_t not_after = clock_.NowMicros() + 10 * kSecond;
  Signer brief = Issue("teacher-3", KeyType::kEcdsaP256, not_after);
  clock_.Set(not_after - 1);
  const v1::EventBody last = ledger_->UserRegisteredBody(brief, "student-1");
  EXPECT_TRUE(Accepted(Sign(last, brief), last.event_id()));
  clock_.Set(not_after);  // not_after itself is already too late
  const v1::EventBody late = ledger_->UserRegisteredBody(brief, "student-2");
  EXPECT_TRUE(Refused(Sign(late, brief), late.event_id(), StatusCode::kUnauthenticated, "R-ACC-1",
                      "Срок ключа «" + brief.credential_id + "» истёк"));
}

TEST_F(AdmissionTest, CredentialExpiringBetweenCheckAndAppendIsRefusedByTheWriter) {
  const int64_t not_after = clock_.NowMicros() + 10 * kSecond;
  Signer brief = Issue("teacher-3", KeyType::kEd25519, not_after);
  const v1::EventBody body = ledger_->UserRegisteredBody(brief, "student-1");
  auto checked = ledger_->admission().Check(Sign(body, brief), clock_.NowMicros());
  ASSERT_TRUE(checked.has_value()) << checked.error().ToString();
  clock_.Set(not_after + 1);  // recorded-at is what counts (R-TIME-1)
  const uint64_t before = ledger().size();
  EXPECT_TRUE(CheckRefusal(ledger().Append(std::move(*checked)), before, body.event_id(),
                           StatusCode::kUnauthenticated, "R-ACC-1", "истёк"));
}

TEST_F(AdmissionTest, RevokedCredentialIsRefusedAtOnce) {
  const v1::EventBody before_revocation = ledger_->UserRegisteredBody(teacher(), "student-1");
  EXPECT_TRUE(Accepted(Sign(before_revocation, teacher()), before_revocation.event_id()));
  auto revoked = ledger_->Submit(ledger_->CredentialRevokedBody(teacher().credential_id),
                                 ledger_->NodeSigner());
  ASSERT_TRUE(revoked.has_value()) << revoked.error().ToString();
  // Same recorded-at time as the revocation, and later: both refused.
  const v1::EventBody body = ledger_->UserRegisteredBody(teacher(), "student-2");
  EXPECT_TRUE(Refused(Sign(body, teacher()), body.event_id(), StatusCode::kUnauthenticated,
                      "R-ACC-1", "Ключ «" + teacher().credential_id + "» отозван: войдите снова"));
  clock_.Advance(kSecond);
  const v1::EventBody later = ledger_->UserRegisteredBody(teacher(), "student-3");
  EXPECT_TRUE(Refused(Sign(later, teacher()), later.event_id(), StatusCode::kUnauthenticated,
                      "R-ACC-1", "отозван"));
  // The user's other credential is not affected.
  const v1::EventBody other = ledger_->UserRegisteredBody(teacher_p256(), "student-4");
  EXPECT_TRUE(Accepted(Sign(other, teacher_p256()), other.event_id()));
}

TEST_F(AdmissionTest, EventCheckedBeforeARevocationButAppendedAfterItIsRefused) {
  const v1::EventBody body = ledger_->UserRegisteredBody(teacher(), "student-1");
  auto checked = ledger_->admission().Check(Sign(body, teacher()), clock_.NowMicros());
  ASSERT_TRUE(checked.has_value()) << checked.error().ToString();
  ASSERT_TRUE(
      ledger_
          ->Submit(ledger_->CredentialRevokedBody(teacher().credential_id), ledger_->NodeSigner())
          .has_value());
  const uint64_t before = ledger().size();
  EXPECT_TRUE(CheckRefusal(ledger().Append(std::move(*checked)), before, body.event_id(),
                           StatusCode::kUnauthenticated, "R-ACC-1", "отозван"));
}

TEST_F(AdmissionTest, CompromiseActRevokesTheNamedCredentialsAtOnce) {
  auto act = ledger_->Submit(ledger_->CompromiseActBody("teacher-1", {teacher().credential_id}),
                             ledger_->NodeSigner());
  ASSERT_TRUE(act.has_value()) << act.error().ToString();
  const v1::EventBody body = ledger_->UserRegisteredBody(teacher(), "student-1");
  EXPECT_TRUE(Refused(Sign(body, teacher()), body.event_id(), StatusCode::kUnauthenticated,
                      "R-SEC-2",
                      "Ключ «" + teacher().credential_id + "» отозван актом о компрометации"));
  auto state = ledger_->registry().Find(teacher().credential_id);
  ASSERT_TRUE(state.has_value());
  EXPECT_TRUE(state->compromised);
  EXPECT_EQ(state->revoked_at_sequence, act->sequence);
  // A credential the Act does not name stays valid.
  const v1::EventBody other = ledger_->UserRegisteredBody(teacher_p256(), "student-2");
  EXPECT_TRUE(Accepted(Sign(other, teacher_p256()), other.event_id()));
}

TEST_F(AdmissionTest, CompromiseActNamingNoCredentialRevokesEveryCredentialOfTheUser) {
  // control.proto: an empty affected_credential_ids means every credential of the user issued
  // before the Act; credentials issued afterwards (after a password reset) are not affected.
  auto act = ledger_->Submit(ledger_->CompromiseActBody("teacher-1", {}), ledger_->NodeSigner());
  ASSERT_TRUE(act.has_value()) << act.error().ToString();
  for (const Signer* signer : {&teacher(), &teacher_p256()}) {
    SCOPED_TRACE(signer->credential_id);
    const v1::EventBody body = ledger_->UserRegisteredBody(*signer, "student-1");
    EXPECT_TRUE(Refused(Sign(body, *signer), body.event_id(), StatusCode::kUnauthenticated,
                        "R-SEC-2", "отозван актом о компрометации"));
  }
  const v1::EventBody others = ledger_->UserRegisteredBody(other_teacher(), "student-2");
  EXPECT_TRUE(Accepted(Sign(others, other_teacher()), others.event_id()));
  clock_.Advance(kSecond);
  Signer fresh = Issue("teacher-1", KeyType::kEd25519);
  const v1::EventBody after = ledger_->UserRegisteredBody(fresh, "student-3");
  EXPECT_TRUE(Accepted(Sign(after, fresh), after.event_id()));
}

TEST_F(AdmissionTest, RevokingAnUnknownCredentialIsRefused) {
  const v1::EventBody body = ledger_->CredentialRevokedBody("cred-never-issued");
  EXPECT_TRUE(Refused(Sign(body, ledger_->NodeSigner()), body.event_id(), StatusCode::kNotFound, "",
                      "credential cred-never-issued is unknown"));
}

class AdmissionRaceTest : public AdmissionTest,
                          public ::testing::WithParamInterface<bool /*compromise Act*/> {};

// The revocation and the event both pass Check (neither is in the ledger yet), are sequenced in
// the same group, the revocation first: Admit re-checks on the writer, so the event is refused.
TEST_P(AdmissionRaceTest, RevocationSequencedJustBeforeTheEventInTheSameGroupWins) {
  const bool act = GetParam();
  GatedObserver gate;
  Status reopened = ledger_->Open(&gate);
  ASSERT_TRUE(reopened.ok()) << reopened.ToString();
  gate.set_inner(&ledger_->admission());

  auto check = [&](const v1::EventBody& body, const Signer& signer) {
    auto request = ledger_->admission().Check(Sign(body, signer), clock_.NowMicros());
    EXPECT_TRUE(request.has_value()) << request.error().ToString();
    return request.has_value() ? std::move(*request) : AppendRequest{};
  };
  const v1::EventBody opener = ledger_->UserRegisteredBody(other_teacher(), "student-0");
  const v1::EventBody revocation =
      act ? ledger_->CompromiseActBody("teacher-1", {teacher().credential_id})
          : ledger_->CredentialRevokedBody(teacher().credential_id);
  const v1::EventBody victim = ledger_->UserRegisteredBody(teacher(), "student-1");
  AppendRequest opener_request = check(opener, other_teacher());
  AppendRequest revocation_request = check(revocation, ledger_->NodeSigner());
  AppendRequest victim_request = check(victim, teacher());
  ASSERT_FALSE(HasFailure());

  const uint64_t before = ledger().size();
  const uint64_t groups_before = ledger().stats().groups;
  std::promise<Result<AppendResult>> opened, revoked, refused;
  auto complete = [](std::promise<Result<AppendResult>>& p) {
    return [&p](Result<AppendResult> r) { p.set_value(std::move(r)); };
  };
  gate.set_gate(opener.event_id());
  ledger().AppendAsync(std::move(opener_request), complete(opened));
  gate.WaitUntilEntered();  // the writer holds the opener's group
  ledger().AppendAsync(std::move(revocation_request), complete(revoked));
  ledger().AppendAsync(std::move(victim_request), complete(refused));
  clock_.Advance(kSecond);
  gate.Release();

  auto opener_result = opened.get_future().get();
  auto revocation_result = revoked.get_future().get();
  auto victim_result = refused.get_future().get();
  ASSERT_TRUE(opener_result.has_value()) << opener_result.error().ToString();
  ASSERT_TRUE(revocation_result.has_value()) << revocation_result.error().ToString();
  EXPECT_EQ(revocation_result->sequence, before + 2);
  EXPECT_TRUE(CheckRefusal(victim_result, before + 2, victim.event_id(),
                           StatusCode::kUnauthenticated, act ? "R-SEC-2" : "R-ACC-1",
                           act ? "отозван актом о компрометации" : "отозван"));
  // The revocation and the event were one group: admitted at the same recorded-at time, after the
  // opener's group.
  EXPECT_EQ(gate.AdmittedAt(victim.event_id()), revocation_result->recorded_at_us);
  EXPECT_GT(revocation_result->recorded_at_us, opener_result->recorded_at_us);
  EXPECT_EQ(ledger().stats().groups, groups_before + 2);
}

INSTANTIATE_TEST_SUITE_P(RevocationKinds, AdmissionRaceTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& param_info) {
                           return param_info.param ? std::string("CompromiseAct_R_SEC_2")
                                                   : std::string("CredentialRevoked_R_ACC_1");
                         });

TEST_F(AdmissionTest, RequestThatSkippedCheckIsRefusedByTheWriter) {
  // A caller that bypasses Check (no decoded event rides along) cannot append.
  const v1::EventBody body = ledger_->UserRegisteredBody(teacher(), "student-1");
  auto decoded = DecodeSignedEvent(Sign(body, teacher()));
  ASSERT_TRUE(decoded.has_value());
  const uint64_t before = ledger().size();
  EXPECT_TRUE(CheckRefusal(ledger().Append(std::move(*decoded).ToAppendRequest()), before,
                           body.event_id(), StatusCode::kInternal, "",
                           "reached the writer without admission"));
}

TEST_F(AdmissionTest, RequestWhoseBytesWereSwappedAfterCheckIsRefusedByTheWriter) {
  // Check moves the event's bytes into the request; the writer admits the request only while it
  // carries exactly those bytes (the same buffer, or a copy of them), never others.
  const v1::EventBody first = ledger_->UserRegisteredBody(teacher(), "student-1");
  const v1::EventBody second = ledger_->UserRegisteredBody(teacher(), "student-2");
  auto checked = ledger_->admission().Check(Sign(first, teacher()), clock_.NowMicros());
  ASSERT_TRUE(checked.has_value()) << checked.error().ToString();
  AppendRequest swapped = *checked;  // a copy: another buffer
  swapped.signed_event = Sign(second, teacher());
  const uint64_t before = ledger().size();
  EXPECT_TRUE(CheckRefusal(ledger().Append(std::move(swapped)), before, first.event_id(),
                           StatusCode::kInternal, "", "differs from what admission checked"));
  // A copy of the request with the same bytes in another buffer is the same event.
  AppendRequest copy = *checked;
  ASSERT_NE(copy.signed_event.data(), checked->signed_event.data());
  auto appended = ledger().Append(std::move(copy));
  ASSERT_TRUE(appended.has_value()) << appended.error().ToString();
  EXPECT_EQ(appended->sequence, before + 1);
  // And the request itself, moved as a server moves it: a duplicate now.
  auto again = ledger().Append(std::move(*checked));
  ASSERT_TRUE(again.has_value()) << again.error().ToString();
  EXPECT_TRUE(again->duplicate);
}

// ---- idempotency -------------------------------------------------------------------------------

TEST_F(AdmissionTest, SameEventTwiceReturnsTheOriginalSequence) {
  for (const Signer* signer : {&teacher(), &teacher_p256()}) {
    SCOPED_TRACE(signer->credential_id);
    const v1::EventBody body = ledger_->UserRegisteredBody(*signer, "student-1");
    const std::string bytes = Sign(body, *signer);
    auto first = ledger_->Submit(bytes);
    ASSERT_TRUE(first.has_value()) << first.error().ToString();
    clock_.Advance(kSecond);
    auto again = ledger_->Submit(bytes);
    ASSERT_TRUE(again.has_value()) << again.error().ToString();
    EXPECT_TRUE(again->duplicate);
    EXPECT_EQ(again->sequence, first->sequence);
    EXPECT_EQ(again->recorded_at_us, first->recorded_at_us);
    // Re-signed (a P-256 signature differs each time): the same body is still the same event.
    auto resigned = ledger_->Submit(Sign(body, *signer));
    ASSERT_TRUE(resigned.has_value()) << resigned.error().ToString();
    EXPECT_TRUE(resigned->duplicate);
    EXPECT_EQ(resigned->sequence, first->sequence);
    EXPECT_EQ(ledger().size(), first->sequence);
  }
}

TEST_F(AdmissionTest, DifferentBodyUnderTheSameIdIsAConflict) {
  const v1::EventBody body = ledger_->UserRegisteredBody(teacher(), "student-1");
  const std::string original = Sign(body, teacher());
  auto first = ledger_->Submit(original);
  ASSERT_TRUE(first.has_value()) << first.error().ToString();
  const uint64_t size = ledger().size();

  v1::EventBody other = body;
  other.mutable_user_registered()->set_user_id("student-2");
  auto conflict = ledger_->Submit(Sign(other, teacher()));
  ASSERT_FALSE(conflict.has_value());
  EXPECT_EQ(conflict.error().code(), StatusCode::kAlreadyExists) << conflict.error().ToString();
  EXPECT_NE(conflict.error().message().find(
                "event id " + body.event_id() + " is already in the ledger at sequence " +
                std::to_string(first->sequence) + " with a different body"),
            std::string::npos)
      << conflict.error().ToString();
  EXPECT_EQ(ledger().size(), size);
  EXPECT_EQ(*ledger().SequenceOf(body.event_id()), first->sequence);
  auto stored = ledger().Entry(first->sequence);
  ASSERT_TRUE(stored.has_value());
  v1::LedgerEntry entry;
  ASSERT_TRUE(entry.ParseFromString(*stored));
  EXPECT_EQ(entry.event().SerializeAsString(), original);
}

}  // namespace
}  // namespace ejournal

namespace ejournal {
namespace {

// The envelope is stored verbatim: a second `body` field (protobuf keeps the last one) or a
// reordered envelope would put unsigned bytes into the ledger, so both are refused.
TEST_F(AdmissionTest, NonCanonicalEnvelopeIsRefused) {
  const v1::EventBody body = ledger_->UserRegisteredBody(teacher(), "student-1");
  const std::string good = Sign(body, teacher());
  v1::SignedEvent parsed;
  ASSERT_TRUE(parsed.ParseFromString(good));

  v1::SignedEvent decoy;
  decoy.set_body("unsigned bytes hidden in the envelope");
  const std::string smuggled = decoy.SerializeAsString() + good;  // two `body` fields
  v1::SignedEvent check;
  ASSERT_TRUE(check.ParseFromString(smuggled));
  ASSERT_EQ(check.body(), parsed.body());  // protobuf alone would accept it
  EXPECT_TRUE(Refused(smuggled, body.event_id(), StatusCode::kInvalidArgument, "",
                      "not canonically encoded"));

  v1::SignedEvent only_credential;
  only_credential.set_credential_id(parsed.credential_id());
  v1::SignedEvent body_and_signature = parsed;
  body_and_signature.clear_credential_id();
  const std::string reordered =
      only_credential.SerializeAsString() + body_and_signature.SerializeAsString();
  EXPECT_TRUE(Refused(reordered, body.event_id(), StatusCode::kInvalidArgument, "",
                      "not canonically encoded"));

  EXPECT_TRUE(ledger_->Submit(good).has_value());  // the canonical one still enters
}

}  // namespace
}  // namespace ejournal
