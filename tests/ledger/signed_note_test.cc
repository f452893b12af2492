#include "ledger/signed_note.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "ledger/crypto.h"
#include "tests/support/status_matchers.h"
#include "tests/support/testdata.h"

namespace ejournal::note {
namespace {

using ::ejournal::testing::FromHex;
using ::ejournal::testing::ReadFileOrDie;
using ::ejournal::testing::SharedTestdata;

using ::ejournal::testing::IsError;

template <typename T>
T Must(Result<T> r) {
  if (!r.has_value()) throw std::runtime_error(r.error().ToString());
  return std::move(r).value();
}

// One entry of signed-note-vectors.json.
struct Vector {
  std::string name, vkey, skey, signed_text, note, key_id_hex, pub, seed, signature;
  bool deterministic = false;
};

std::vector<Vector> LoadVectors() {
  const auto doc = nlohmann::json::parse(ReadFileOrDie(SharedTestdata("signed-note-vectors.json")));
  std::vector<Vector> out;
  for (const auto& j : doc.at("vectors")) {
    Vector v;
    v.name = j.at("name");
    v.vkey = j.at("vkey");
    v.skey = j.value("skey", "");
    v.signed_text = j.at("signed_text");
    v.note = j.at("note");
    v.key_id_hex = j.at("key_id_hex");
    v.pub = FromHex(j.at("ed25519_pub_hex"));
    v.seed = FromHex(j.value("ed25519_seed_hex", ""));
    v.signature = FromHex(j.at("signature_hex"));
    v.deterministic = j.at("deterministic_sign");
    out.push_back(std::move(v));
  }
  return out;
}

Vector PeterNeumann() {
  for (Vector& v : LoadVectors()) {
    if (v.deterministic) return v;
  }
  throw std::runtime_error("no deterministic vector");
}

// The key name of a vkey: everything before the first '+'.
std::string NameOf(const std::string& vkey) { return vkey.substr(0, vkey.find('+')); }

// Fixture: the PeterNeumann signer and verifier, plus a second, unrelated key.
class SignedNoteTest : public ::testing::Test {
 protected:
  SignedNoteTest()
      : v_(PeterNeumann()),
        signer_(Must(NoteSigner::FromSignerKey(v_.skey))),
        verifier_(Must(NoteVerifier::FromVerifierKey(v_.vkey))),
        other_(Must(NoteSigner::Create(
            "example.org/other", Must(crypto::PrivateKey::Generate(crypto::KeyType::kEd25519))))) {}

  Vector v_;
  NoteSigner signer_;
  NoteVerifier verifier_;
  NoteSigner other_;
};

// --- the shared vectors
// ---------------------------------------------------------------------------

TEST(SignedNoteVectorsTest, EveryVectorOpensWithItsVerifierKey) {
  const std::vector<Vector> vectors = LoadVectors();
  ASSERT_EQ(vectors.size(), 2u);
  for (const Vector& v : vectors) {
    SCOPED_TRACE(v.name);
    const NoteVerifier verifier = Must(NoteVerifier::FromVerifierKey(v.vkey));
    EXPECT_EQ(verifier.name(), NameOf(v.vkey));
    EXPECT_EQ(verifier.key_id(), std::stoul(v.key_id_hex, nullptr, 16));
    EXPECT_EQ(verifier.VerifierKey(), v.vkey);
    EXPECT_EQ(Ed25519KeyId(verifier.name(), v.pub), verifier.key_id());
    EXPECT_EQ(Must(verifier.Open(v.note)), v.signed_text);

    // The signature line is "— <name> base64(keyID || signature)".
    const std::string line = "\xE2\x80\x94 " + verifier.name() + " " +
                             crypto::Base64Encode(FromHex(v.key_id_hex) + v.signature) + "\n";
    EXPECT_EQ(v.note, v.signed_text + "\n" + line);
  }
}

TEST(SignedNoteVectorsTest, KeyIdsFollowTheSpec) {
  // SHA-256(name || 0x0A || 0x01 || public key)[:4], big-endian.
  EXPECT_EQ(
      Ed25519KeyId("example.com/foo",
                   FromHex("e932791ae6e7a840a46164c904786426d5e7821dd8b29a00d61cae72afdd4da4")),
      0x530d903au);
  EXPECT_EQ(
      Ed25519KeyId("PeterNeumann",
                   FromHex("1a5cd907143c384c41e830c5bce12aa8817ec5649aaabf2c31388b35b2d744d6")),
      0xc74f20a3u);
}

TEST_F(SignedNoteTest, DeterministicVectorSignsByteForByte) {
  EXPECT_EQ(signer_.name(), "PeterNeumann");
  EXPECT_EQ(signer_.key_id(), 0xc74f20a3u);
  EXPECT_EQ(signer_.SignerKey(), v_.skey);
  EXPECT_EQ(signer_.VerifierKey(), v_.vkey);
  EXPECT_EQ(Must(signer_.Sign(v_.signed_text)), v_.note);

  // The same signer from the seed and the name.
  const NoteSigner from_seed =
      Must(NoteSigner::Create("PeterNeumann", Must(crypto::PrivateKey::FromEd25519Seed(v_.seed))));
  EXPECT_EQ(from_seed.SignerKey(), v_.skey);
  EXPECT_EQ(from_seed.VerifierKey(), v_.vkey);
  EXPECT_EQ(Must(from_seed.Sign(v_.signed_text)), v_.note);
  EXPECT_EQ(Must(from_seed.SignatureLine(v_.signed_text)),
            v_.note.substr(v_.signed_text.size() + 1));
}

TEST_F(SignedNoteTest, SignerKeyBase64MayContainPlus) {
  // The vector's skey has a '+' inside its base64: only the first four '+' split it.
  ASSERT_NE(v_.skey.find('+', std::string("PRIVATE+KEY+PeterNeumann+c74f20a3+").size()),
            std::string::npos);
  EXPECT_EQ(Must(NoteSigner::FromSignerKey(v_.skey)).SignerKey(), v_.skey);
}

TEST_F(SignedNoteTest, RoundTripWithFreshKeys) {
  const std::string text = "example.org/log\n7\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";
  const std::string note = Must(other_.Sign(text));
  const NoteVerifier verifier = Must(NoteVerifier::FromVerifierKey(other_.VerifierKey()));
  EXPECT_EQ(Must(verifier.Open(note)), text);
  const NoteSigner reloaded = Must(NoteSigner::FromSignerKey(other_.SignerKey()));
  EXPECT_EQ(Must(reloaded.Sign(text)), note);  // Ed25519 is deterministic
  const NoteVerifier direct = Must(NoteVerifier::Create(other_.name(), other_.public_key()));
  EXPECT_EQ(direct.VerifierKey(), other_.VerifierKey());
}

TEST_F(SignedNoteTest, TextMayContainBlankLinesAndUnicode) {
  const std::string text = "Ognuno sta solo sul cuor della terra\n\ned \xC3\xA8 subito sera.\n\n";
  const std::string note = Must(signer_.Sign(text));
  EXPECT_EQ(Must(verifier_.Open(note)), text);
  EXPECT_EQ(Must(verifier_.Open(Must(signer_.Sign("\n")))), "\n");
}

// --- refusals ------------------------------------------------------------------------------------

TEST_F(SignedNoteTest, AlteredTextIsRefused) {
  std::string note = v_.note;
  note[3] = 'X';  // "If yXu think ..."
  EXPECT_TRUE(IsError(verifier_.Open(note), StatusCode::kUnauthenticated,
                      "note signature by PeterNeumann+c74f20a3: signature does not verify"));
  // A line added to the text.
  EXPECT_TRUE(IsError(verifier_.Open("extra\n" + v_.note), StatusCode::kUnauthenticated,
                      "signature does not verify"));
}

TEST_F(SignedNoteTest, AlteredSignatureIsRefused) {
  // Flip one bit of the signature (after the key ID) and re-encode, so the line still parses.
  const std::string prefix = v_.signed_text + "\n\xE2\x80\x94 PeterNeumann ";
  ASSERT_EQ(v_.note.rfind(prefix, 0), 0u);
  std::string bytes = Must(crypto::Base64Decode(
      std::string_view(v_.note).substr(prefix.size(), v_.note.size() - prefix.size() - 1)));
  bytes[20] = static_cast<char>(bytes[20] ^ 0x01);
  const std::string note = prefix + crypto::Base64Encode(bytes) + "\n";
  EXPECT_TRUE(
      IsError(verifier_.Open(note), StatusCode::kUnauthenticated, "signature does not verify"));

  // A signature of the wrong length under this key's name and ID.
  bytes.pop_back();
  EXPECT_TRUE(IsError(verifier_.Open(prefix + crypto::Base64Encode(bytes) + "\n"),
                      StatusCode::kUnauthenticated, "signature has 63 bytes, ed25519 needs 64"));
}

TEST_F(SignedNoteTest, WrongKeyNameIsRefused) {
  // The same public key under another name has another key ID: the note has no line of that key.
  const NoteVerifier renamed = Must(NoteVerifier::Create("PeterNeumann2", signer_.public_key()));
  EXPECT_TRUE(IsError(renamed.Open(v_.note), StatusCode::kUnauthenticated,
                      "note has no signature by key PeterNeumann2+"));
  // The line renamed in the note: an unknown key, ignored, so no signature by ours.
  std::string note = v_.note;
  note.replace(note.find("PeterNeumann x08"), 12, "PeterNewmann");
  EXPECT_TRUE(IsError(verifier_.Open(note), StatusCode::kUnauthenticated,
                      "note has no signature by key PeterNeumann+c74f20a3"));
}

TEST_F(SignedNoteTest, WrongKeyIdIsIgnoredAsAnotherKey) {
  // Same name, another key ID: the spec says to ignore it (it is another key).
  const std::string prefix = v_.signed_text + "\n\xE2\x80\x94 PeterNeumann ";
  std::string bytes = Must(crypto::Base64Decode(
      std::string_view(v_.note).substr(prefix.size(), v_.note.size() - prefix.size() - 1)));
  bytes[0] = static_cast<char>(bytes[0] ^ 0x80);
  EXPECT_TRUE(IsError(verifier_.Open(prefix + crypto::Base64Encode(bytes) + "\n"),
                      StatusCode::kUnauthenticated, "note has no signature by key"));
}

TEST_F(SignedNoteTest, CollidingNameAndIdFromAnotherKeyMustVerify) {
  // A line claiming our name and ID, signed by another key: known key, bad signature.
  const std::string line = Must(other_.SignatureLine(v_.signed_text));
  const std::string sig_b64 = line.substr(line.rfind(' ') + 1);
  std::string bytes = Must(crypto::Base64Decode(sig_b64.substr(0, sig_b64.size() - 1)));
  bytes.replace(0, 4, FromHex("c74f20a3"));
  const std::string forged =
      v_.signed_text + "\n\xE2\x80\x94 PeterNeumann " + crypto::Base64Encode(bytes) + "\n";
  EXPECT_TRUE(
      IsError(verifier_.Open(forged), StatusCode::kUnauthenticated, "signature does not verify"));
  // Even next to a good signature of ours: a failing signature of a known key rejects the note.
  EXPECT_TRUE(IsError(verifier_.Open(v_.note + forged.substr(v_.signed_text.size() + 1)),
                      StatusCode::kUnauthenticated, "signature does not verify"));
}

TEST_F(SignedNoteTest, MissingBlankLineIsMalformed) {
  std::string note = v_.note;
  note.erase(v_.signed_text.size(), 1);  // the blank line
  EXPECT_TRUE(IsError(verifier_.Open(note), StatusCode::kInvalidArgument,
                      "malformed note: no blank line between the text and the signatures"));
}

TEST_F(SignedNoteTest, TextWithoutFinalNewlineIsRefused) {
  EXPECT_TRUE(IsError(signer_.Sign("no newline"), StatusCode::kInvalidArgument,
                      "note text does not end in a newline"));
  EXPECT_TRUE(IsError(signer_.Sign(""), StatusCode::kInvalidArgument, "note text is empty"));
  // A note whose text lacks its newline before the signature: no blank line at all.
  const std::string line = Must(signer_.SignatureLine(v_.signed_text));
  EXPECT_TRUE(
      IsError(verifier_.Open("no newline" + line), StatusCode::kInvalidArgument, "malformed note"));
  // And a note that does not end in a newline.
  EXPECT_TRUE(IsError(verifier_.Open(v_.note.substr(0, v_.note.size() - 1)),
                      StatusCode::kInvalidArgument, "malformed note: does not end in a newline"));
}

TEST_F(SignedNoteTest, OnlyAnotherKeysSignatureIsRefused) {
  const std::string note = Must(other_.Sign(v_.signed_text));
  EXPECT_TRUE(IsError(verifier_.Open(note), StatusCode::kUnauthenticated,
                      "note has no signature by key PeterNeumann+c74f20a3"));
}

TEST_F(SignedNoteTest, OtherSignersLinesAreIgnored) {
  // Cosigned: our line and another key's line, in either order.
  const std::string theirs = Must(other_.SignatureLine(v_.signed_text));
  const std::string ours = v_.note.substr(v_.signed_text.size() + 1);
  const NoteVerifier other_verifier = Must(NoteVerifier::FromVerifierKey(other_.VerifierKey()));
  for (const std::string& note :
       {v_.signed_text + "\n" + ours + theirs, v_.signed_text + "\n" + theirs + ours}) {
    EXPECT_EQ(Must(verifier_.Open(note)), v_.signed_text);
    EXPECT_EQ(Must(other_verifier.Open(note)), v_.signed_text);
  }
  // Lines of unknown keys with signatures of any length and any algorithm are fine.
  const std::string pq = "\xE2\x80\x94 pq.example/witness " +
                         crypto::Base64Encode(std::string(4 + 2420, '\x5a')) + "\n";
  EXPECT_EQ(Must(verifier_.Open(v_.note + pq)), v_.signed_text);
}

TEST_F(SignedNoteTest, MalformedSignatureLinesAreRefused) {
  const std::string text_and_blank = v_.signed_text + "\n";
  const std::string cases[] = {
      "- PeterNeumann AAAAAAA=\n",                   // ASCII hyphen, not an em dash
      "\xE2\x80\x94PeterNeumann AAAAAAA=\n",         // no space after the dash
      "\xE2\x80\x94 PeterNeumann\n",                 // no signature
      "\xE2\x80\x94 PeterNeumann \n",                // empty signature
      "\xE2\x80\x94 PeterNeumann not*base64\n",      // bad base64
      "\xE2\x80\x94 PeterNeumann AAAA\n",            // 3 bytes: no room for a key ID + signature
      "\xE2\x80\x94 Peter+Neumann AAAAAAA=\n",       // '+' in the name
      "\xE2\x80\x94  AAAAAAA=\n",                    // empty name
      "\xE2\x80\x94 PeterNeumann AAAAAAA= extra\n",  // trailing field
  };
  for (const std::string& line : cases) {
    EXPECT_TRUE(IsError(verifier_.Open(text_and_blank + line), StatusCode::kInvalidArgument,
                        "malformed note"))
        << line;
    // Malformed even next to a good signature.
    EXPECT_TRUE(
        IsError(verifier_.Open(v_.note + line), StatusCode::kInvalidArgument, "malformed note"))
        << line;
  }
  EXPECT_TRUE(IsError(verifier_.Open(text_and_blank), StatusCode::kInvalidArgument,
                      "malformed note: no signature lines"));
}

TEST_F(SignedNoteTest, EncodingRulesAreEnforced) {
  // Control characters other than newline, anywhere in the note.
  EXPECT_TRUE(IsError(signer_.Sign("tab\there\n"), StatusCode::kInvalidArgument,
                      "control character U+0009"));
  EXPECT_TRUE(
      IsError(signer_.Sign("cr\r\n"), StatusCode::kInvalidArgument, "control character U+000D"));
  std::string note = v_.note;
  note[2] = '\x01';
  EXPECT_TRUE(IsError(verifier_.Open(note), StatusCode::kInvalidArgument, "control character"));
  // Invalid UTF-8: a lone continuation byte, an overlong '/', a surrogate.
  for (const std::string bad : {"\x80\n", "\xC0\xAF\n", "\xED\xA0\x80\n", "\xF4\x90\x80\x80\n"}) {
    EXPECT_TRUE(IsError(signer_.Sign(bad), StatusCode::kInvalidArgument, "not valid UTF-8"));
    EXPECT_TRUE(IsError(verifier_.Open(bad + "\n" + Must(signer_.SignatureLine("x\n"))),
                        StatusCode::kInvalidArgument, "not valid UTF-8"));
  }
}

TEST_F(SignedNoteTest, TooManySignatureLinesAreRefused) {
  std::string note = v_.note;
  const std::string theirs = Must(other_.SignatureLine(v_.signed_text));
  for (size_t i = 1; i < kMaxSignatures; ++i) note += theirs;
  EXPECT_EQ(Must(verifier_.Open(note)), v_.signed_text);  // exactly kMaxSignatures lines
  EXPECT_TRUE(IsError(verifier_.Open(note + theirs), StatusCode::kInvalidArgument,
                      "more than 100 signature lines"));
}

// --- keys and names ------------------------------------------------------------------------------

TEST(KeyNameTest, SpecRules) {
  EXPECT_TRUE(IsValidKeyName("example.com/foo"));
  EXPECT_TRUE(IsValidKeyName("PeterNeumann"));
  EXPECT_TRUE(
      IsValidKeyName("\xC3\xA9"
                     "cole.example/journal"));  // non-ASCII is fine
  EXPECT_FALSE(IsValidKeyName(""));
  EXPECT_FALSE(IsValidKeyName("a b"));
  EXPECT_FALSE(IsValidKeyName("a+b"));
  EXPECT_FALSE(IsValidKeyName("a\tb"));
  EXPECT_FALSE(IsValidKeyName("a\nb"));
  EXPECT_FALSE(
      IsValidKeyName("a\xC2\xA0"
                     "b"));  // U+00A0 NO-BREAK SPACE
  EXPECT_FALSE(
      IsValidKeyName("a\xE2\x80\x83"
                     "b"));  // U+2003 EM SPACE
  EXPECT_FALSE(
      IsValidKeyName("a\xE3\x80\x80"
                     "b"));  // U+3000 IDEOGRAPHIC SPACE
  EXPECT_FALSE(
      IsValidKeyName("a\xFF"
                     "b"));  // not UTF-8
}

TEST(NoteSignerTest, CreateChecksNameAndKeyType) {
  const auto ed = Must(crypto::PrivateKey::Generate(crypto::KeyType::kEd25519));
  const auto p256 = Must(crypto::PrivateKey::Generate(crypto::KeyType::kEcdsaP256));
  EXPECT_TRUE(IsError(NoteSigner::Create("bad name", ed), StatusCode::kInvalidArgument,
                      "invalid key name \"bad name\""));
  EXPECT_TRUE(
      IsError(NoteSigner::Create("a+b", ed), StatusCode::kInvalidArgument, "invalid key name"));
  EXPECT_TRUE(
      IsError(NoteSigner::Create("", ed), StatusCode::kInvalidArgument, "invalid key name"));
  EXPECT_TRUE(IsError(NoteSigner::Create("example.org/log", p256), StatusCode::kInvalidArgument,
                      "a note signer needs an ed25519 key, got p256"));
  EXPECT_TRUE(IsError(NoteVerifier::Create("example.org/log", p256.public_key()),
                      StatusCode::kInvalidArgument, "a note verifier needs an ed25519 key"));
}

TEST(NoteKeyParsingTest, MalformedVerifierKeysAreRefused) {
  const std::string good = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
  ASSERT_TRUE(NoteVerifier::FromVerifierKey(good).has_value());
  // Upper-case hex is accepted (as the reference implementation does); the output is lower case.
  EXPECT_EQ(Must(NoteVerifier::FromVerifierKey(
                     "PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"))
                .VerifierKey(),
            good);
  const std::pair<std::string, std::string> cases[] = {
      {"PeterNeumann", "malformed verifier key"},
      {"PeterNeumann+c74f20a3", "malformed verifier key"},
      {"+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "invalid key name"},
      {"PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "not 8 hexadecimal"},
      {"PeterNeumann+c74f20ag+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "not 8 hexadecimal"},
      {"PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
       "key ID c74f20a4 does not match the key (c74f20a3)"},
      {"PeterMeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "does not match"},
      {"PeterNeumann+c74f20a3+Ahpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
       "signature type 0x02, only 0x01 (Ed25519)"},
      {"PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T=", "not valid base64"},
      {"PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy", "has 30 bytes, needs 33"},
      {"PeterNeumann+c74f20a3+", "verifier key is empty"},
  };
  for (const auto& [vkey, why] : cases) {
    EXPECT_TRUE(IsError(NoteVerifier::FromVerifierKey(vkey), StatusCode::kInvalidArgument, why))
        << vkey;
  }
}

TEST(NoteKeyParsingTest, MalformedSignerKeysAreRefused) {
  const std::string b64 = "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
  ASSERT_TRUE(NoteSigner::FromSignerKey("PRIVATE+KEY+PeterNeumann+c74f20a3+" + b64).has_value());
  const std::pair<std::string, std::string> cases[] = {
      {"PeterNeumann+c74f20a3+" + b64, "malformed signer key"},  // the base64 has a '+'
      {"PRIVATE+PeterNeumann+c74f20a3+" + b64, "does not start with PRIVATE+KEY+"},
      {"PRIVATE+KEY+PeterNeumann+c74f20a3", "malformed signer key"},
      {"PUBLIC+KEY+PeterNeumann+c74f20a3+" + b64, "does not start with PRIVATE+KEY+"},
      {"PRIVATE+KEY+PeterNeumann+c74f20a4+" + b64,
       "signer key ID c74f20a4 does not match the key (c74f20a3)"},
      {"PRIVATE+KEY+Peter Neumann+c74f20a3+" + b64, "invalid key name"},
      {"PRIVATE+KEY+PeterNeumann+c74f20a3+AYEK", "has 3 bytes, needs 33"},
      {"PRIVATE+KEY+PeterNeumann+c74f20a3+!!!!", "not valid base64"},
  };
  for (const auto& [skey, why] : cases) {
    const auto r = NoteSigner::FromSignerKey(skey);
    EXPECT_TRUE(IsError(r, StatusCode::kInvalidArgument, why)) << skey;
    // The secret never appears in an error message.
    if (!r.has_value()) {
      EXPECT_EQ(r.error().message().find(b64.substr(4, 20)), std::string::npos);
    }
  }
}

// --- checkpoints ---------------------------------------------------------------------------------

Checkpoint SampleCheckpoint() {
  Checkpoint c;
  c.origin = "example.com/behind-the-sofa";
  c.size = 20852163;
  const std::string root =
      Must(crypto::Base64Decode("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I="));
  std::copy(root.begin(), root.end(), c.root.begin());
  return c;
}

TEST(CheckpointTest, MarshalMatchesTheSpecExample) {
  const Checkpoint c = SampleCheckpoint();
  EXPECT_EQ(
      c.Marshal(),
      "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n");
  EXPECT_TRUE(c.Validate().ok());
  EXPECT_EQ(Must(Checkpoint::Parse(c.Marshal())), c);
}

TEST(CheckpointTest, RoundTripWithExtensionsAndExtremeSizes) {
  Checkpoint c = SampleCheckpoint();
  c.extensions = {"ext one", "\xE2\x80\x94 looks like a signature but is not"};
  for (uint64_t size : {uint64_t{0}, uint64_t{1}, uint64_t{18446744073709551615u}}) {
    c.size = size;
    const std::string text = c.Marshal();
    EXPECT_EQ(Must(Checkpoint::Parse(text)), c) << text;
  }
  EXPECT_EQ(Must(Checkpoint::Parse("o\n0\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n")).size,
            0u);
}

TEST(CheckpointTest, SignedCheckpointRoundTrip) {
  const NoteSigner signer =
      Must(NoteSigner::Create("example.com/behind-the-sofa",
                              Must(crypto::PrivateKey::Generate(crypto::KeyType::kEd25519))));
  const Checkpoint c = SampleCheckpoint();
  const std::string note = Must(signer.Sign(c.Marshal()));
  const NoteVerifier verifier = Must(NoteVerifier::FromVerifierKey(signer.VerifierKey()));
  EXPECT_EQ(Must(Checkpoint::Parse(Must(verifier.Open(note)))), c);
}

TEST(CheckpointTest, ParseIsStrict) {
  const std::string root = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=";
  const std::pair<std::string, std::string> cases[] = {
      {"o\n007\n" + root + "\n", "tree size \"007\" has leading zeros"},
      {"o\n00\n" + root + "\n", "leading zeros"},
      {"o\n-1\n" + root + "\n", "is not a decimal number"},
      {"o\n+1\n" + root + "\n", "is not a decimal number"},
      {"o\n1 \n" + root + "\n", "is not a decimal number"},
      {"o\n0x10\n" + root + "\n", "is not a decimal number"},
      {"o\n18446744073709551616\n" + root + "\n", "does not fit 64 bits"},
      {"o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I\n", "checkpoint root hash: base64"},
      {"o\n1\nCsUYapGGPo4dkMgIAUqom_Xajj7h2fB2MPA3j2jxq2I=\n", "checkpoint root hash: invalid"},
      {"o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxqw==\n", "root hash has 31 bytes, needs 32"},
      {"o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2IA\n", "root hash has 33 bytes, needs 32"},
      {"\n1\n" + root + "\n", "checkpoint line 1 is empty"},
      {"o\n\n" + root + "\n", "checkpoint line 2 is empty"},
      {"o\n1\n" + root + "\n\n", "checkpoint line 4 is empty"},
      {"o\n1\n" + root + "\next\n\n", "checkpoint line 5 is empty"},
      {"o\n1\n", "checkpoint has 2 lines, needs at least 3"},
      {"o\n", "checkpoint has 1 lines"},
      {"o\n1\n" + root, "does not end in a newline"},
      {"", "note text is empty"},
      {"o\t\n1\n" + root + "\n", "control character"},
  };
  for (const auto& [text, why] : cases) {
    EXPECT_TRUE(IsError(Checkpoint::Parse(text), StatusCode::kInvalidArgument, why)) << text;
  }
}

TEST(CheckpointTest, ValidateMatchesParse) {
  Checkpoint c = SampleCheckpoint();
  c.origin = "";
  EXPECT_TRUE(IsError(c.Validate(), StatusCode::kInvalidArgument, "origin is empty"));
  EXPECT_FALSE(Checkpoint::Parse(c.Marshal()).has_value());
  c.origin = "two\nlines";
  EXPECT_TRUE(IsError(c.Validate(), StatusCode::kInvalidArgument, "origin contains a newline"));
  c.origin = "o";
  c.extensions = {""};
  EXPECT_TRUE(IsError(c.Validate(), StatusCode::kInvalidArgument, "extension line 1 is empty"));
  EXPECT_FALSE(Checkpoint::Parse(c.Marshal()).has_value());
  c.extensions = {"tab\there"};
  EXPECT_TRUE(IsError(c.Validate(), StatusCode::kInvalidArgument, "control character"));
  c.extensions = {"fine"};
  EXPECT_TRUE(c.Validate().ok());
}

}  // namespace
}  // namespace ejournal::note
