#include "ledger/crypto.h"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/run_together.h"
#include "tests/support/status_matchers.h"
#include "tests/support/testdata.h"

namespace ejournal::crypto {
namespace {

using ::ejournal::testing::FromHex;
using ::ejournal::testing::ReadFileOrDie;
using ::ejournal::testing::SharedTestdata;

// --- helpers ------------------------------------------------------------------------------------

using ::ejournal::testing::IsError;

::testing::AssertionResult IsOk(const Status& s) {
  if (s.ok()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << s.ToString();
}

// The value, or the test fails (gtest reports the exception).
template <typename T>
T Must(Result<T> r) {
  if (!r.has_value()) throw std::runtime_error(r.error().ToString());
  return std::move(r).value();
}

std::string FlipBit(std::string s, size_t byte, int bit = 0) {
  s[byte] = static_cast<char>(s[byte] ^ (1 << bit));
  return s;
}

// Independent of crypto.cc: r||s <-> DER with OpenSSL's ECDSA_SIG.
std::string P1363ToDerWithEcdsaSig(const std::string& rs) {
  ECDSA_SIG* sig = ECDSA_SIG_new();
  const auto* p = reinterpret_cast<const unsigned char*>(rs.data());
  ECDSA_SIG_set0(sig, BN_bin2bn(p, 32, nullptr), BN_bin2bn(p + 32, 32, nullptr));
  unsigned char* der = nullptr;
  const int len = i2d_ECDSA_SIG(sig, &der);
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  ECDSA_SIG_free(sig);
  return out;
}

std::string DerToP1363WithEcdsaSig(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
  if (sig == nullptr) throw std::runtime_error("bad DER signature");
  std::string out(64, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  BN_bn2binpad(ECDSA_SIG_get0_r(sig), o, 32);
  BN_bn2binpad(ECDSA_SIG_get0_s(sig), o + 32, 32);
  ECDSA_SIG_free(sig);
  return out;
}

// Verifies a DER ECDSA signature with OpenSSL directly, the key taken from a PEM.
bool OpenSslVerifiesDer(const std::string& private_pem, const std::string& message,
                        const std::string& der) {
  BIO* bio = BIO_new_mem_buf(private_pem.data(), static_cast<int>(private_pem.size()));
  EVP_PKEY* pkey = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (pkey == nullptr) return false;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok =
      EVP_DigestVerifyInit_ex(ctx, nullptr, "SHA256", nullptr, nullptr, pkey, nullptr) == 1 &&
      EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(der.data()), der.size(),
                       reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(pkey);
  return ok;
}

// A PEM written by OpenSSL directly, for the refusal tests.
std::string PemOf(EVP_PKEY* pkey, bool traditional = false, bool encrypted = false) {
  BIO* bio = BIO_new(BIO_s_mem());
  char pass[] = "secret";
  if (traditional) {
    PEM_write_bio_PrivateKey_traditional(bio, pkey, nullptr, nullptr, 0, nullptr, nullptr);
  } else if (encrypted) {
    PEM_write_bio_PKCS8PrivateKey(bio, pkey, EVP_aes_256_cbc(), pass, 6, nullptr, nullptr);
  } else {
    PEM_write_bio_PKCS8PrivateKey(bio, pkey, nullptr, nullptr, 0, nullptr, nullptr);
  }
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(len));
  BIO_free(bio);
  return out;
}

std::string PublicPemOf(EVP_PKEY* pkey) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, pkey);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(len));
  BIO_free(bio);
  return out;
}

// --- known answers ------------------------------------------------------------------------------

// The PeterNeumann vector of signed-note-vectors.json (golang.org/x/mod/sumdb/note): its seed
// yields its public key, and Ed25519 signs its text deterministically into its signature.
struct PeterNeumann {
  std::string seed, pub, text, signature;
};

PeterNeumann LoadPeterNeumann() {
  const auto doc = nlohmann::json::parse(ReadFileOrDie(SharedTestdata("signed-note-vectors.json")));
  for (const auto& v : doc.at("vectors")) {
    if (v.at("name") == "go-sumdb-note-PeterNeumann") {
      return {FromHex(v.at("ed25519_seed_hex")), FromHex(v.at("ed25519_pub_hex")),
              v.at("signed_text"), FromHex(v.at("signature_hex"))};
    }
  }
  throw std::runtime_error("PeterNeumann vector missing");
}

// Generated once with the openssl 3.0 command line (committed as constants, so the test does not
// need the CLI):
//   openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out key.pem
//   openssl pkey -in key.pem -pubout -outform DER | tail -c 65        (uncompressed point)
//   openssl dgst -sha256 -sign key.pem -out sig.der msg.txt
//   openssl asn1parse -inform DER -in sig.der                          (r and s)
// s is above n/2 ("high-S"): WebCrypto produces such signatures and they must verify.
constexpr char kCliP256Pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgUnqR6aPTKVDUAsdi\n"
    "YYfPQ4SKvZajKMSesLs8FcaWHluhRANCAASi8wfusDasxW4c14KjX3VUrr8Yfatl\n"
    "aYzCT4cGoNQ5hsceX7rwfGJJVllV9sFD5AJ/efjZR2pWnqbXvUdNRyIt\n"
    "-----END PRIVATE KEY-----\n";
constexpr char kCliP256PubHex[] =
    "04a2f307eeb036acc56e1cd782a35f7554aebf187dab65698cc24f8706a0d43986c71e5fbaf07c6249565955f6c1"
    "43e4027f79f8d9476a569ea6d7bd474d47222d";
constexpr char kCliMessage[] = "ejournal p256 interop vector: mark 5 for pupil 42\n";
constexpr char kCliP256DerSigHex[] =
    "3046022100bf4e4ef06d13e8c4908848b36fdb406c3801875cc951495b61c29f8c6039e52e022100dfa0ad3ce3bf"
    "65dfd078091ecb9ba459fe5f7ff5e74a98c2650c79e623b2e81f";
constexpr char kCliP256SigP1363Hex[] =
    "bf4e4ef06d13e8c4908848b36fdb406c3801875cc951495b61c29f8c6039e52e"
    "dfa0ad3ce3bf65dfd078091ecb9ba459fe5f7ff5e74a98c2650c79e623b2e81f";

// Ed25519 with the openssl CLI:
//   openssl genpkey -algorithm ED25519 -out ed.pem
//   openssl pkeyutl -sign -inkey ed.pem -rawin -in msg.txt
constexpr char kCliEd25519Pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIPsr/oM2yIjrutIDPFsTNwfyY4Ia3/DzBUijYhtnfKti\n"
    "-----END PRIVATE KEY-----\n";
constexpr char kCliEd25519PubHex[] =
    "b8a751c2b3a95507d65132dc6ab86ad64c72860bb41021c37eb719707d8cd990";
constexpr char kCliEd25519SigHex[] =
    "ba6b7eb2fb216ff58ebe3004d66de46373ee908a6b29503d5d1b6435e22ad5ac2883da82d3aef28264cc0e68bed7"
    "b337f291309486b2226f2b8d8353479d850d";

// The order n of P-256.
constexpr char kP256OrderHex[] = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551";

// --- names and encodings -------------------------------------------------------------------------

TEST(KeyTypeTest, NamesRoundTrip) {
  EXPECT_EQ(KeyTypeName(KeyType::kEd25519), "ed25519");
  EXPECT_EQ(KeyTypeName(KeyType::kEcdsaP256), "p256");
  EXPECT_EQ(Must(ParseKeyType("ed25519")), KeyType::kEd25519);
  EXPECT_EQ(Must(ParseKeyType("p256")), KeyType::kEcdsaP256);
  EXPECT_TRUE(IsError(ParseKeyType("P256"), StatusCode::kInvalidArgument, "unknown key type"));
  EXPECT_TRUE(IsError(ParseKeyType(""), StatusCode::kInvalidArgument, "unknown key type"));
}

TEST(KeyTypeTest, NumbersMatchTheProtoEnum) {
  EXPECT_EQ(static_cast<int>(KeyType::kEd25519), 1);    // KEY_ALGORITHM_ED25519
  EXPECT_EQ(static_cast<int>(KeyType::kEcdsaP256), 2);  // KEY_ALGORITHM_ECDSA_P256_SHA256
  EXPECT_EQ(Must(KeyTypeFromNumber(1)), KeyType::kEd25519);
  EXPECT_EQ(Must(KeyTypeFromNumber(2)), KeyType::kEcdsaP256);
  EXPECT_TRUE(IsError(KeyTypeFromNumber(0), StatusCode::kInvalidArgument, "unsupported"));
  EXPECT_TRUE(IsError(KeyTypeFromNumber(3), StatusCode::kInvalidArgument, "unsupported"));
}

TEST(EncodingTest, Sha256KnownAnswers) {
  auto hex = [](const std::array<uint8_t, 32>& h) {
    return HexEncode(std::string_view(reinterpret_cast<const char*>(h.data()), h.size()));
  };
  EXPECT_EQ(hex(Sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(hex(Sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(EncodingTest, HexEncode) {
  EXPECT_EQ(HexEncode(""), "");
  EXPECT_EQ(HexEncode(std::string("\x00\x01\xab\xff", 4)), "0001abff");
}

TEST(EncodingTest, Base64Rfc4648Vectors) {
  const std::pair<std::string, std::string> vectors[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(Base64Encode(plain), encoded);
    EXPECT_EQ(Must(Base64Decode(encoded)), plain) << encoded;
  }
  // Both extra alphabet characters.
  EXPECT_EQ(Base64Encode("\xfb\xff"), "+/8=");
  EXPECT_EQ(Must(Base64Decode("+/8=")), "\xfb\xff");
}

TEST(EncodingTest, Base64RoundTripsEveryLengthAndByte) {
  std::string data;
  for (int i = 0; i < 300; ++i) {
    EXPECT_EQ(Must(Base64Decode(Base64Encode(data))), data) << "length " << data.size();
    data += static_cast<char>((i * 37 + 11) & 0xff);
  }
}

TEST(EncodingTest, Base64RejectsGarbage) {
  const char* bad[] = {
      "Zg",        // no padding
      "Zg=",       // length not a multiple of 4
      "Z===",      // too much padding
      "====",      // nothing but padding
      "Zm9v====",  // a block of padding
      "Zm=v",      // padding in the middle of a block
      "Zg==Zm9v",  // padding before the end
      "Zh==",      // unused bits set (non-canonical "f")
      "Zm9=",      // unused bits set (non-canonical "fo")
      "Zm9-",      // URL-safe alphabet
      "Zm9_",      // URL-safe alphabet
      "Zm9v\n",    // whitespace
      " Zm9v",     // whitespace
      "Zm 9",      // whitespace
  };
  for (const char* b : bad) {
    EXPECT_TRUE(IsError(Base64Decode(b), StatusCode::kInvalidArgument, "")) << "\"" << b << "\"";
  }
  EXPECT_TRUE(IsError(Base64Decode(std::string("Zm9v\0AAA", 8)), StatusCode::kInvalidArgument,
                      "invalid or non-canonical base64 at offset 4"));
  EXPECT_TRUE(IsError(Base64Decode("Zh=="), StatusCode::kInvalidArgument, "non-canonical"));
  EXPECT_TRUE(IsError(Base64Decode("Zg="), StatusCode::kInvalidArgument, "not a multiple of 4"));
}

// --- Ed25519 -------------------------------------------------------------------------------------

TEST(Ed25519Test, KnownAnswerFromSignedNoteVector) {
  const PeterNeumann v = LoadPeterNeumann();
  const PrivateKey key = Must(PrivateKey::FromEd25519Seed(v.seed));
  EXPECT_EQ(key.type(), KeyType::kEd25519);
  EXPECT_EQ(key.public_key().raw(), v.pub);
  EXPECT_EQ(Must(key.Ed25519Seed()), v.seed);
  // Deterministic: the same signature every time, equal to the vector's.
  EXPECT_EQ(HexEncode(Must(key.Sign(v.text))), HexEncode(v.signature));
  EXPECT_EQ(Must(key.Sign(v.text)), v.signature);

  const PublicKey pub = Must(PublicKey::FromRaw(KeyType::kEd25519, v.pub));
  EXPECT_TRUE(IsOk(pub.Verify(v.text, v.signature)));
  EXPECT_TRUE(pub == key.public_key());
}

TEST(Ed25519Test, KnownAnswerFromOpensslCli) {
  const PrivateKey key = Must(PrivateKey::FromPem(kCliEd25519Pem));
  EXPECT_EQ(key.type(), KeyType::kEd25519);
  EXPECT_EQ(HexEncode(key.public_key().raw()), kCliEd25519PubHex);
  EXPECT_EQ(HexEncode(Must(key.Sign(kCliMessage))), kCliEd25519SigHex);
  const PublicKey pub = Must(PublicKey::FromRaw(KeyType::kEd25519, FromHex(kCliEd25519PubHex)));
  EXPECT_TRUE(IsOk(pub.Verify(kCliMessage, FromHex(kCliEd25519SigHex))));
}

TEST(Ed25519Test, SeedMustBe32Bytes) {
  EXPECT_TRUE(IsError(PrivateKey::FromEd25519Seed(std::string(31, 'x')),
                      StatusCode::kInvalidArgument, "ed25519 seed has 31 bytes, needs 32"));
  EXPECT_TRUE(IsError(PrivateKey::FromEd25519Seed(""), StatusCode::kInvalidArgument,
                      "ed25519 seed has 0 bytes, needs 32"));
}

// Ed25519 signs and verifies with libsodium; OpenSSL, called directly here (independently of
// crypto.cc), must answer the same on honest keys and signatures, good or tampered: a client or an
// auditor verifying with OpenSSL accepts what a node accepted, and refuses what it refused.
TEST(Ed25519Test, VerifierAgreesWithOpenSslOnHonestAndTamperedSignatures) {
  for (int i = 0; i < 64; ++i) {
    SCOPED_TRACE(i);
    const PrivateKey key = Must(PrivateKey::Generate(KeyType::kEd25519));
    const std::string message = "mark " + std::to_string(i) + std::string(i * 7, 'x');
    const std::string good = Must(key.Sign(message));
    const PublicKey pub = Must(PublicKey::FromRaw(KeyType::kEd25519, key.public_key().raw()));
    EVP_PKEY* pkey = EVP_PKEY_new_raw_public_key(
        EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(pub.raw().data()), 32);
    ASSERT_NE(pkey, nullptr);
    auto openssl_accepts = [&](const std::string& m, const std::string& sig) {
      EVP_MD_CTX* ctx = EVP_MD_CTX_new();
      const bool ok =
          EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, pkey) == 1 &&
          EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                           reinterpret_cast<const unsigned char*>(m.data()), m.size()) == 1;
      EVP_MD_CTX_free(ctx);
      return ok;
    };
    const std::vector<std::pair<std::string, std::string>> cases = {
        {message, good},
        {message + ".", good},
        {message, FlipBit(good, static_cast<size_t>(i % 64), i % 8)},
        {message, FlipBit(good, 32 + static_cast<size_t>(i % 32), (i + 3) % 8)},
    };
    for (const auto& [m, sig] : cases) {
      EXPECT_EQ(pub.Verify(m, sig).ok(), openssl_accepts(m, sig));
    }
    EXPECT_TRUE(IsOk(pub.Verify(message, good)));
    EVP_PKEY_free(pkey);
  }
}

// S + L names the same point multiple as S: a second encoding of one signature. It is refused.
TEST(Ed25519Test, MalleatedScalarIsRefused) {
  const PrivateKey key = Must(PrivateKey::Generate(KeyType::kEd25519));
  const std::string good = Must(key.Sign("mark 5"));
  // L = 2^252 + 27742317777372353535851937790883648493, little-endian.
  const std::string order =
      FromHex("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");
  std::string malleated = good;
  unsigned carry = 0;
  for (size_t i = 0; i < 32; ++i) {
    const unsigned sum =
        static_cast<unsigned char>(good[32 + i]) + static_cast<unsigned char>(order[i]) + carry;
    malleated[32 + i] = static_cast<char>(sum & 0xff);
    carry = sum >> 8;
  }
  ASSERT_EQ(carry, 0u);  // S < L < 2^253, so S + L fits in 32 bytes
  EXPECT_TRUE(IsOk(key.public_key().Verify("mark 5", good)));
  EXPECT_TRUE(IsError(key.public_key().Verify("mark 5", malleated), StatusCode::kUnauthenticated,
                      "signature does not verify"));
}

// Keys that are not points of the prime-order subgroup are refused when they enter (FromRaw), and
// a deferred one fails every verification with the reason. The identity is the classic one: with
// R = the identity and S = 0, [S]B = R + [k]A holds for every message, so anyone could "sign" as
// that credential (R-ACC-1: every write is signed by the actor's own credential; R-ACC-4).
TEST(Ed25519Test, KeysOutsideThePrimeOrderGroupAreRefused) {
  const std::string identity =
      FromHex("0100000000000000000000000000000000000000000000000000000000000000");
  const std::string minus_one =  // (0, -1), of order 2
      FromHex("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
  const std::string non_canonical =  // y = p, a second encoding of y = 0
      FromHex("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
  const std::string why = "ed25519 public key is not a valid point";
  for (const std::string& raw : {identity, minus_one, non_canonical}) {
    SCOPED_TRACE(HexEncode(raw));
    EXPECT_TRUE(
        IsError(PublicKey::FromRaw(KeyType::kEd25519, raw), StatusCode::kInvalidArgument, why));
    const PublicKey deferred = Must(PublicKey::FromRawDeferred(KeyType::kEd25519, raw));
    const std::string forged = identity + std::string(32, '\0');
    for (const std::string& m : {std::string("mark 5"), std::string("mark 2")}) {
      EXPECT_TRUE(IsError(deferred.Verify(m, forged), StatusCode::kUnauthenticated,
                          "public key is unusable: " + why));
    }
  }
}

// --- both key types ------------------------------------------------------------------------------

class SignatureTest : public ::testing::TestWithParam<KeyType> {
 protected:
  void SetUp() override {
    key_ = std::make_unique<PrivateKey>(Must(PrivateKey::Generate(GetParam())));
  }
  const PrivateKey& key() const { return *key_; }
  // The public key as a verifier receives it: parsed from its raw bytes.
  PublicKey Parsed() const {
    return Must(PublicKey::FromRaw(GetParam(), key_->public_key().raw()));
  }

  std::unique_ptr<PrivateKey> key_;
};

TEST_P(SignatureTest, SignVerifyRoundTrip) {
  EXPECT_EQ(key().type(), GetParam());
  EXPECT_EQ(key().public_key().raw().size(),
            GetParam() == KeyType::kEd25519 ? kEd25519PublicKeySize : kP256PublicKeySize);
  const std::string messages[] = {"", "x", "a serialised EventBody", std::string(1 << 20, 'm')};
  const PublicKey pub = Parsed();
  for (const std::string& m : messages) {
    const std::string sig = Must(key().Sign(m));
    EXPECT_EQ(sig.size(), 64u);
    EXPECT_TRUE(IsOk(pub.Verify(m, sig))) << m.size();
    EXPECT_TRUE(IsOk(key().public_key().Verify(m, sig)));
  }
}

TEST_P(SignatureTest, FlippedBitInMessageIsRefused) {
  const std::string m = "mark 5, pupil 42, lesson 7";
  const std::string sig = Must(key().Sign(m));
  for (size_t i = 0; i < m.size(); ++i) {
    EXPECT_TRUE(IsError(Parsed().Verify(FlipBit(m, i, static_cast<int>(i % 8)), sig),
                        StatusCode::kUnauthenticated, "signature does not verify"))
        << "byte " << i;
  }
  EXPECT_TRUE(IsError(Parsed().Verify(m + "\n", sig), StatusCode::kUnauthenticated,
                      "signature does not verify"));
}

TEST_P(SignatureTest, FlippedBitInSignatureIsRefused) {
  const std::string m = "mark 5, pupil 42, lesson 7";
  const std::string sig = Must(key().Sign(m));
  const PublicKey pub = Parsed();
  for (size_t i = 0; i < sig.size(); ++i) {
    for (int bit : {0, 7}) {
      EXPECT_TRUE(IsError(pub.Verify(m, FlipBit(sig, i, bit)), StatusCode::kUnauthenticated,
                          "signature does not verify"))
          << "byte " << i << " bit " << bit;
    }
  }
  EXPECT_TRUE(IsError(pub.Verify(m, std::string(64, '\0')), StatusCode::kUnauthenticated,
                      "signature does not verify"));
  EXPECT_TRUE(IsError(pub.Verify(m, std::string(64, '\xff')), StatusCode::kUnauthenticated,
                      "signature does not verify"));
}

TEST_P(SignatureTest, AnotherKeysSignatureIsRefused) {
  const PrivateKey other = Must(PrivateKey::Generate(GetParam()));
  const std::string m = "message";
  EXPECT_TRUE(IsError(Parsed().Verify(m, Must(other.Sign(m))), StatusCode::kUnauthenticated,
                      "signature does not verify"));
}

TEST_P(SignatureTest, PemRoundTrip) {
  const std::string pem = Must(key().ToPem());
  EXPECT_EQ(pem.rfind("-----BEGIN PRIVATE KEY-----\n", 0), 0u) << pem;
  const PrivateKey loaded = Must(PrivateKey::FromPem(pem));
  EXPECT_EQ(loaded.type(), GetParam());
  EXPECT_EQ(loaded.public_key().raw(), key().public_key().raw());
  EXPECT_EQ(Must(loaded.ToPem()), pem);
  EXPECT_TRUE(IsOk(Parsed().Verify("after reload", Must(loaded.Sign("after reload")))));
}

TEST_P(SignatureTest, ConcurrentVerifyOnSharedKey) {
  const PublicKey pub = Parsed();
  const std::string good = Must(key().Sign("shared"));
  const std::string bad = FlipBit(good, 10);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, copy = pub] {
      for (int i = 0; i < 50; ++i) {
        if (!copy.Verify("shared", good).ok()) ++failures;
        if (!pub.Verify("shared", good).ok()) ++failures;
        if (pub.Verify("shared", bad).ok()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
}

// A P-256 key keeps the contexts that verified a good signature and reuses them (re-initialised
// with the same key): a reused context must answer exactly as a fresh one, whatever it verified
// before. An Ed25519 key (libsodium, from the raw bytes) keeps none and answers the same way.
TEST_P(SignatureTest, ReusedContextsAnswerAsFreshOnes) {
  const PublicKey pub = Parsed();
  const size_t kept = GetParam() == KeyType::kEcdsaP256 ? 1u : 0u;
  EXPECT_EQ(pub.idle_contexts(), 0u);
  const std::string m1 = "mark 5, pupil 42, lesson 7";
  const std::string m2 = std::string(1000, 'x');
  const std::string s1 = Must(key().Sign(m1));
  const std::string s2 = Must(key().Sign(m2));
  EXPECT_TRUE(IsOk(pub.Verify(m1, s1)));
  EXPECT_EQ(pub.idle_contexts(), kept);  // kept for the next call (P-256)
  for (int round = 0; round < 3; ++round) {
    SCOPED_TRACE(round);
    // The same context, one call after another: another message, a signature for another
    // message, a flipped bit, then good again.
    EXPECT_TRUE(IsOk(pub.Verify(m2, s2)));
    EXPECT_TRUE(
        IsError(pub.Verify(m2, s1), StatusCode::kUnauthenticated, "signature does not verify"));
    EXPECT_TRUE(IsOk(pub.Verify(m1, s1)));
    EXPECT_TRUE(IsError(pub.Verify(m1 + "!", s1), StatusCode::kUnauthenticated,
                        "signature does not verify"));
    EXPECT_TRUE(IsError(pub.Verify(m1, FlipBit(s1, 20)), StatusCode::kUnauthenticated,
                        "signature does not verify"));
    EXPECT_TRUE(IsOk(pub.Verify(m1, s1)));
    EXPECT_LE(pub.idle_contexts(), PublicKey::kIdleContexts);
    EXPECT_GE(pub.idle_contexts(), kept);
  }
  // Copies share the contexts (and the parsed key).
  const PublicKey copy = pub;
  EXPECT_EQ(copy.idle_contexts(), pub.idle_contexts());
  EXPECT_TRUE(IsOk(copy.Verify(m2, s2)));
}

// A deferred key (crypto::PublicKey::FromRawDeferred) verifies exactly as a parsed one, from its
// first call on, on several threads at once (the first calls race to parse it).
TEST_P(SignatureTest, DeferredKeyVerifiesLikeAParsedOneOnManyThreads) {
  const std::string good = Must(key().Sign("deferred"));
  const std::string bad = FlipBit(good, 5);
  for (int attempt = 0; attempt < 5; ++attempt) {
    const PublicKey pub = Must(PublicKey::FromRawDeferred(GetParam(), key().public_key().raw()));
    EXPECT_EQ(pub, Parsed());
    EXPECT_EQ(pub.type(), GetParam());
    std::atomic<int> wrong{0};
    ejournal::testing::RunTogether(4, [&](int t) {
      for (int i = 0; i < 20; ++i) {
        const bool use_good = (i + t) % 3 != 0;
        const Status s = pub.Verify("deferred", use_good ? good : bad);
        if (s.ok() != use_good) ++wrong;
        if (!use_good && s.message() != "signature does not verify") ++wrong;
      }
    });
    EXPECT_EQ(wrong.load(), 0);
    EXPECT_LE(pub.idle_contexts(), PublicKey::kIdleContexts);
  }
}

INSTANTIATE_TEST_SUITE_P(BothKeyTypes, SignatureTest,
                         ::testing::Values(KeyType::kEd25519, KeyType::kEcdsaP256),
                         [](const ::testing::TestParamInfo<KeyType>& param_info) {
                           return std::string(KeyTypeName(param_info.param));
                         });

// --- refusals with precise reasons ---------------------------------------------------------------

TEST(VerifyRefusalTest, WrongSignatureLengths) {
  const PrivateKey ed = Must(PrivateKey::Generate(KeyType::kEd25519));
  const PrivateKey p256 = Must(PrivateKey::Generate(KeyType::kEcdsaP256));
  const std::string ed_sig = Must(ed.Sign("m"));
  EXPECT_TRUE(IsError(ed.public_key().Verify("m", ed_sig.substr(0, 63)),
                      StatusCode::kUnauthenticated, "signature has 63 bytes, ed25519 needs 64"));
  EXPECT_EQ(ed.public_key().Verify("m", ed_sig.substr(0, 63)).message(),
            "signature has 63 bytes, ed25519 needs 64");
  EXPECT_TRUE(IsError(ed.public_key().Verify("m", ed_sig + "x"), StatusCode::kUnauthenticated,
                      "signature has 65 bytes, ed25519 needs 64"));
  EXPECT_TRUE(IsError(ed.public_key().Verify("m", ""), StatusCode::kUnauthenticated,
                      "signature has 0 bytes, ed25519 needs 64"));
  const std::string p_sig = Must(p256.Sign("m"));
  EXPECT_TRUE(IsError(p256.public_key().Verify("m", p_sig.substr(0, 63)),
                      StatusCode::kUnauthenticated, "signature has 63 bytes, p256 needs 64"));
  EXPECT_TRUE(IsError(p256.public_key().Verify("m", p_sig + '\0'), StatusCode::kUnauthenticated,
                      "signature has 65 bytes, p256 needs 64"));
}

TEST(VerifyRefusalTest, DerEncodedEcdsaSignatureIsRefused) {
  const PrivateKey p256 = Must(PrivateKey::Generate(KeyType::kEcdsaP256));
  const std::string der = P1363ToDerWithEcdsaSig(Must(p256.Sign("m")));
  ASSERT_NE(der.size(), 64u);
  // The DER form is a valid signature (OpenSSL says so) ...
  EXPECT_TRUE(OpenSslVerifiesDer(Must(p256.ToPem()), "m", der));
  // ... that we refuse, saying why.
  const Status s = p256.public_key().Verify("m", der);
  EXPECT_TRUE(IsError(s, StatusCode::kUnauthenticated,
                      "bytes, p256 needs 64 (r||s, IEEE P1363); it looks DER-encoded"));
}

TEST(VerifyRefusalTest, WrongKeyType) {
  const PrivateKey ed = Must(PrivateKey::Generate(KeyType::kEd25519));
  const PrivateKey p256 = Must(PrivateKey::Generate(KeyType::kEcdsaP256));
  // A P-256 point given as an Ed25519 key, and an Ed25519 key given as a P-256 point.
  EXPECT_TRUE(IsError(PublicKey::FromRaw(KeyType::kEd25519, p256.public_key().raw()),
                      StatusCode::kInvalidArgument, "ed25519 public key has 65 bytes, needs 32"));
  EXPECT_TRUE(IsError(PublicKey::FromRaw(KeyType::kEcdsaP256, ed.public_key().raw()),
                      StatusCode::kInvalidArgument,
                      "p256 public key has 32 bytes, needs 65 (uncompressed SEC1 point"));
  // Signatures of one type checked with a key of the other: both are 64 bytes, neither verifies.
  EXPECT_TRUE(IsError(p256.public_key().Verify("m", Must(ed.Sign("m"))),
                      StatusCode::kUnauthenticated, "signature does not verify"));
  EXPECT_TRUE(IsError(ed.public_key().Verify("m", Must(p256.Sign("m"))),
                      StatusCode::kUnauthenticated, "signature does not verify"));
}

TEST(VerifyRefusalTest, P256PointEncodingAndCurveChecks) {
  const std::string good = FromHex(kCliP256PubHex);
  ASSERT_TRUE(PublicKey::FromRaw(KeyType::kEcdsaP256, good).has_value());

  // Compressed form (33 bytes) and the 65-byte form with another prefix.
  std::string compressed = good.substr(0, 33);
  compressed[0] = (good[64] & 1) ? 0x03 : 0x02;
  EXPECT_TRUE(IsError(PublicKey::FromRaw(KeyType::kEcdsaP256, compressed),
                      StatusCode::kInvalidArgument, "p256 public key has 33 bytes, needs 65"));
  std::string hybrid = good;
  hybrid[0] = 0x06;
  EXPECT_TRUE(IsError(PublicKey::FromRaw(KeyType::kEcdsaP256, hybrid), StatusCode::kInvalidArgument,
                      "starting with 0x04, got 0x06"));

  // Off the curve: Y changed in its last bit.
  EXPECT_TRUE(IsError(PublicKey::FromRaw(KeyType::kEcdsaP256, FlipBit(good, 64)),
                      StatusCode::kInvalidArgument, "p256 public key is not a point on the curve"));
  // (0, 0) is not on the curve either, and X = p is out of the field.
  EXPECT_TRUE(IsError(PublicKey::FromRaw(KeyType::kEcdsaP256, "\x04" + std::string(64, '\0')),
                      StatusCode::kInvalidArgument, "not a point on the curve"));
  const std::string p_field =
      FromHex("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff");
  EXPECT_TRUE(IsError(PublicKey::FromRaw(KeyType::kEcdsaP256, "\x04" + p_field + good.substr(33)),
                      StatusCode::kInvalidArgument, "not a point on the curve"));
}

TEST(DeferredKeyTest, RefusesWhatNeedsNoParsingAtOnceWithFromRawsMessages) {
  const PrivateKey ed = Must(PrivateKey::Generate(KeyType::kEd25519));
  const PrivateKey p256 = Must(PrivateKey::Generate(KeyType::kEcdsaP256));
  struct Case {
    KeyType type;
    std::string raw;
  };
  std::string hybrid = p256.public_key().raw();
  hybrid[0] = 0x06;
  const std::vector<Case> cases = {
      {KeyType::kEd25519, p256.public_key().raw()},
      {KeyType::kEd25519, ed.public_key().raw().substr(0, 31)},
      {KeyType::kEcdsaP256, ed.public_key().raw()},
      {KeyType::kEcdsaP256, hybrid},
      {static_cast<KeyType>(7), ed.public_key().raw()},
  };
  for (const Case& c : cases) {
    auto eager = PublicKey::FromRaw(c.type, c.raw);
    auto deferred = PublicKey::FromRawDeferred(c.type, c.raw);
    ASSERT_FALSE(eager.has_value());
    ASSERT_FALSE(deferred.has_value());
    EXPECT_EQ(deferred.error().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(deferred.error().message(), eager.error().message());
  }
}

TEST(DeferredKeyTest, AP256PointOffTheCurveFailsEveryVerification) {
  // FromRaw refuses it; deferred, it is taken (only the format is checked) and every
  // verification says why it cannot be used.
  const PrivateKey p256 = Must(PrivateKey::Generate(KeyType::kEcdsaP256));
  const std::string off_curve = FlipBit(p256.public_key().raw(), 64);
  EXPECT_TRUE(IsError(PublicKey::FromRaw(KeyType::kEcdsaP256, off_curve),
                      StatusCode::kInvalidArgument, "p256 public key is not a point on the curve"));
  const PublicKey deferred = Must(PublicKey::FromRawDeferred(KeyType::kEcdsaP256, off_curve));
  const std::string sig = Must(p256.Sign("m"));
  for (int i = 0; i < 2; ++i) {
    EXPECT_TRUE(IsError(deferred.Verify("m", sig), StatusCode::kUnauthenticated,
                        "public key is unusable: p256 public key is not a point on the curve"));
  }
  EXPECT_EQ(deferred.idle_contexts(), 0u);
}

// --- P-256 interoperability ----------------------------------------------------------------------

TEST(P256InteropTest, VerifiesSignatureFromOpensslCli) {
  const std::string der = FromHex(kCliP256DerSigHex);
  // Converting the CLI's DER with OpenSSL's own ECDSA_SIG gives the committed r||s.
  const std::string rs = DerToP1363WithEcdsaSig(der);
  EXPECT_EQ(HexEncode(rs), kCliP256SigP1363Hex);

  const PublicKey pub = Must(PublicKey::FromRaw(KeyType::kEcdsaP256, FromHex(kCliP256PubHex)));
  EXPECT_TRUE(IsOk(pub.Verify(kCliMessage, rs)));
  EXPECT_TRUE(IsError(pub.Verify(kCliMessage, der), StatusCode::kUnauthenticated, "DER"));
  EXPECT_TRUE(IsError(pub.Verify("another message\n", rs), StatusCode::kUnauthenticated,
                      "signature does not verify"));

  // The CLI's PKCS#8 key loads, with the same public point.
  const PrivateKey key = Must(PrivateKey::FromPem(kCliP256Pem));
  EXPECT_EQ(key.type(), KeyType::kEcdsaP256);
  EXPECT_EQ(HexEncode(key.public_key().raw()), kCliP256PubHex);
  EXPECT_TRUE(IsOk(pub.Verify("ours", Must(key.Sign("ours")))));
}

TEST(P256InteropTest, OurSignaturesVerifyWithOpenSslDirectly) {
  const PrivateKey key = Must(PrivateKey::Generate(KeyType::kEcdsaP256));
  const std::string pem = Must(key.ToPem());
  for (int i = 0; i < 20; ++i) {
    const std::string m = "message " + std::to_string(i);
    EXPECT_TRUE(OpenSslVerifiesDer(pem, m, P1363ToDerWithEcdsaSig(Must(key.Sign(m)))));
  }
}

// r and s of every shape: with a leading zero byte (shorter DER integers), with the top bit set
// (a 0x00 pad in DER), and both S and n - S (low-S and high-S; both are valid ECDSA).
TEST(P256InteropTest, SignatureComponentsOfEveryShapeVerify) {
  const PrivateKey key = Must(PrivateKey::Generate(KeyType::kEcdsaP256));
  const PublicKey& pub = key.public_key();
  BIGNUM* order = nullptr;
  BN_hex2bn(&order, kP256OrderHex);
  BN_CTX* bn_ctx = BN_CTX_new();

  bool r_short = false, s_short = false, r_high = false, s_high = false;
  for (int i = 0; i < 5000 && !(r_short && s_short && r_high && s_high); ++i) {
    const std::string m = "shape " + std::to_string(i);
    const std::string sig = Must(key.Sign(m));
    const auto r0 = static_cast<uint8_t>(sig[0]);
    const auto s0 = static_cast<uint8_t>(sig[32]);
    const bool interesting = (r0 == 0 && !r_short) || (s0 == 0 && !s_short) ||
                             (r0 >= 0x80 && !r_high) || (s0 >= 0x80 && !s_high);
    if (i >= 8 && !interesting) continue;
    r_short |= r0 == 0;
    s_short |= s0 == 0;
    r_high |= r0 >= 0x80;
    s_high |= s0 >= 0x80;
    ASSERT_TRUE(IsOk(pub.Verify(m, sig))) << HexEncode(sig);

    // The same signature with S replaced by n - S.
    BIGNUM* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(sig.data()) + 32, 32, nullptr);
    BIGNUM* neg = BN_new();
    BN_sub(neg, order, s);
    std::string flipped = sig;
    BN_bn2binpad(neg, reinterpret_cast<unsigned char*>(flipped.data()) + 32, 32);
    BN_free(s);
    BN_free(neg);
    EXPECT_TRUE(IsOk(pub.Verify(m, flipped))) << HexEncode(flipped);
  }
  EXPECT_TRUE(r_short && s_short && r_high && s_high);

  // r or s outside [1, n-1] is refused, not an error.
  const std::string sig = Must(key.Sign("range"));
  std::string r_zero = sig;
  std::fill(r_zero.begin(), r_zero.begin() + 32, '\0');
  EXPECT_TRUE(IsError(pub.Verify("range", r_zero), StatusCode::kUnauthenticated,
                      "signature does not verify"));
  std::string s_is_n = sig.substr(0, 32) + FromHex(kP256OrderHex);
  EXPECT_TRUE(IsError(pub.Verify("range", s_is_n), StatusCode::kUnauthenticated,
                      "signature does not verify"));
  BN_CTX_free(bn_ctx);
  BN_free(order);
}

TEST(P256InteropTest, SignaturesAreRandomised) {
  const PrivateKey key = Must(PrivateKey::Generate(KeyType::kEcdsaP256));
  const std::string a = Must(key.Sign("same"));
  const std::string b = Must(key.Sign("same"));
  EXPECT_NE(a, b);
  EXPECT_TRUE(IsOk(key.public_key().Verify("same", a)));
  EXPECT_TRUE(IsOk(key.public_key().Verify("same", b)));
}

// --- PEM refusals --------------------------------------------------------------------------------

TEST(PemTest, RefusesWhatIsNotAnUnencryptedPkcs8Ed25519OrP256Key) {
  EXPECT_TRUE(IsError(PrivateKey::FromPem(""), StatusCode::kInvalidArgument, "not a PEM"));
  EXPECT_TRUE(IsError(PrivateKey::FromPem("hello"), StatusCode::kInvalidArgument, "not a PEM"));

  EVP_PKEY* ec = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  ASSERT_NE(ec, nullptr);
  EXPECT_TRUE(IsError(PrivateKey::FromPem(PemOf(ec, /*traditional=*/true)),
                      StatusCode::kInvalidArgument, "PEM block is \"EC PRIVATE KEY\""));
  EXPECT_TRUE(IsError(PrivateKey::FromPem(PemOf(ec, false, /*encrypted=*/true)),
                      StatusCode::kInvalidArgument, "encrypted PKCS#8 keys are not supported"));
  EXPECT_TRUE(IsError(PrivateKey::FromPem(PublicPemOf(ec)), StatusCode::kInvalidArgument,
                      "PEM block is \"PUBLIC KEY\""));
  EXPECT_TRUE(IsError(PrivateKey::FromPem(PemOf(ec) + "junk"), StatusCode::kInvalidArgument,
                      "trailing data"));
  EXPECT_TRUE(PrivateKey::FromPem(PemOf(ec) + "\n\n").has_value());
  EVP_PKEY_free(ec);

  EVP_PKEY* p384 = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
  ASSERT_NE(p384, nullptr);
  EXPECT_TRUE(IsError(PrivateKey::FromPem(PemOf(p384)), StatusCode::kInvalidArgument,
                      "only P-256 is supported"));
  EVP_PKEY_free(p384);

  EVP_PKEY* x25519 = EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519");
  ASSERT_NE(x25519, nullptr);
  EXPECT_TRUE(IsError(PrivateKey::FromPem(PemOf(x25519)), StatusCode::kInvalidArgument,
                      "unsupported key algorithm X25519"));
  EVP_PKEY_free(x25519);

  // A PKCS#8 body that is not one.
  EXPECT_TRUE(IsError(PrivateKey::FromPem("-----BEGIN PRIVATE KEY-----\nAAAA\n"
                                          "-----END PRIVATE KEY-----\n"),
                      StatusCode::kInvalidArgument, "malformed PKCS#8"));
}

TEST(PemTest, Ed25519SeedOfP256KeyIsRefused) {
  const PrivateKey p256 = Must(PrivateKey::Generate(KeyType::kEcdsaP256));
  EXPECT_TRUE(
      IsError(p256.Ed25519Seed(), StatusCode::kInvalidArgument, "a p256 key has no ed25519 seed"));
}

// --- WriteSecretFile -----------------------------------------------------------------------------

class SecretFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "ejournal-secret-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static unsigned Mode(const std::string& path) {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return 0;
    return st.st_mode & 07777;
  }
  size_t Entries() const {
    size_t n = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir_)) ++n;
    return n;
  }

  std::string dir_;
};

TEST_F(SecretFileTest, CreatesMode0600AndRefusesOverwrite) {
  const std::string path = dir_ + "/ledger.key";
  ASSERT_TRUE(IsOk(WriteSecretFile(path, "first secret")));
  EXPECT_EQ(Mode(path), 0600u);
  EXPECT_EQ(ReadFileOrDie(path), "first secret");

  EXPECT_TRUE(IsError(WriteSecretFile(path, "second"), StatusCode::kAlreadyExists,
                      "refusing to overwrite"));
  EXPECT_EQ(ReadFileOrDie(path), "first secret");

  ASSERT_TRUE(IsOk(WriteSecretFile(path, "second secret", /*overwrite=*/true)));
  EXPECT_EQ(ReadFileOrDie(path), "second secret");
  EXPECT_EQ(Mode(path), 0600u);
  EXPECT_EQ(Entries(), 1u);  // no temporary files left behind
}

TEST_F(SecretFileTest, OverwriteReplacesAWorldReadableFileWithA0600One) {
  const std::string path = dir_ + "/old.key";
  {
    FILE* f = std::fopen(path.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs("old", f);
    std::fclose(f);
  }
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  ASSERT_TRUE(IsOk(WriteSecretFile(path, "new", /*overwrite=*/true)));
  EXPECT_EQ(Mode(path), 0600u);
  EXPECT_EQ(ReadFileOrDie(path), "new");
}

TEST_F(SecretFileTest, WritesAPemThatLoadsBack) {
  const PrivateKey key = Must(PrivateKey::Generate(KeyType::kEd25519));
  const std::string path = dir_ + "/checkpoint.pem";
  ASSERT_TRUE(IsOk(WriteSecretFile(path, Must(key.ToPem()))));
  EXPECT_EQ(Must(PrivateKey::FromPem(ReadFileOrDie(path))).public_key().raw(),
            key.public_key().raw());
}

TEST_F(SecretFileTest, ReportsFileSystemErrors) {
  EXPECT_TRUE(IsError(WriteSecretFile(dir_ + "/missing/dir/key", "x"), StatusCode::kIoError,
                      "creating a temporary file"));
  EXPECT_TRUE(IsError(WriteSecretFile(dir_ + "/", "x"), StatusCode::kInvalidArgument,
                      "does not name a file"));
  EXPECT_EQ(Entries(), 0u);
}

}  // namespace
}  // namespace ejournal::crypto
