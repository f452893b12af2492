#include "ledger/crypto.h"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "schemas/mutex.h"

namespace ejournal::crypto {

namespace {

// libsodium, initialised once for the process (thread-safe; it picks its implementations).
bool SodiumReady() {
  static const bool ready = sodium_init() >= 0;
  return ready;
}

}  // namespace

namespace internal {

// One EVP_PKEY, freed with the last PublicKey/PrivateKey that shares it. OpenSSL 3 allows
// concurrent use of an EVP_PKEY by many operations as long as nobody modifies it, and nothing here
// does.
//
// An Ed25519 key also keeps libsodium's form of its secret (seed || public key), which signs with
// ~248 k instructions against OpenSSL 3.0's ~613 k (callgrind; the same deterministic bytes); it is
// wiped when the handle goes.
struct KeyHandle {
  explicit KeyHandle(EVP_PKEY* p);
  ~KeyHandle();
  KeyHandle(const KeyHandle&) = delete;
  KeyHandle& operator=(const KeyHandle&) = delete;

  EVP_PKEY* const pkey;
  bool has_ed25519_secret = false;
  unsigned char ed25519_secret[64] = {};  // crypto_sign_SECRETKEYBYTES
};

KeyHandle::KeyHandle(EVP_PKEY* p) : pkey(p) {
  unsigned char seed[32];
  size_t len = sizeof seed;
  if (SodiumReady() && EVP_PKEY_is_a(p, "ED25519") &&
      EVP_PKEY_get_raw_private_key(p, seed, &len) == 1 && len == sizeof seed) {
    unsigned char pub[32];
    has_ed25519_secret = crypto_sign_seed_keypair(pub, ed25519_secret, seed) == 0;
  }
  ERR_clear_error();  // a key without its private half leaves an error queued
  sodium_memzero(seed, sizeof seed);
}

KeyHandle::~KeyHandle() {
  sodium_memzero(ed25519_secret, sizeof ed25519_secret);
  EVP_PKEY_free(pkey);
}

// A public key's shared state. `pkey` (P-256 only: an Ed25519 key verifies from `raw` with
// libsodium, and its `pkey` stays null) is set once (by FromRaw, or by the first Verify of a
// deferred key: whoever parses first publishes it with a compare-exchange, the others free theirs)
// and never changes after. `idle` holds verification contexts set up for `pkey`, not in use.
//
// `point_checked` (Ed25519): the key passed CheckEd25519Point (FromRaw's check, or a refused
// Verify's for a deferred key), so a refusal need not check it again to say why.
struct PublicKeyState {
  PublicKeyState(KeyType t, std::string r, EVP_PKEY* p, bool checked)
      : type(t), raw(std::move(r)), pkey(p), point_checked(checked) {}
  ~PublicKeyState() {
    for (EVP_MD_CTX* ctx : idle) EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(pkey.load());
  }
  PublicKeyState(const PublicKeyState&) = delete;
  PublicKeyState& operator=(const PublicKeyState&) = delete;

  const KeyType type;
  const std::string raw;
  mutable std::atomic<EVP_PKEY*> pkey;
  mutable std::atomic<bool> point_checked;
  mutable Mutex mu;
  mutable std::vector<EVP_MD_CTX*> idle ABSL_GUARDED_BY(mu);
};

}  // namespace internal

namespace {

using internal::KeyHandle;
using internal::PublicKeyState;

template <auto kFree>
struct OpenSslFree {
  template <typename T>
  void operator()(T* p) const {
    kFree(p);
  }
};
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, OpenSslFree<EVP_MD_CTX_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, OpenSslFree<EVP_PKEY_CTX_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, OpenSslFree<EVP_PKEY_free>>;
using BioPtr = std::unique_ptr<BIO, OpenSslFree<BIO_free_all>>;
using BignumPtr = std::unique_ptr<BIGNUM, OpenSslFree<BN_free>>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, OpenSslFree<ECDSA_SIG_free>>;
using Pkcs8Ptr = std::unique_ptr<PKCS8_PRIV_KEY_INFO, OpenSslFree<PKCS8_PRIV_KEY_INFO_free>>;

// Empties this thread's OpenSSL error queue into one line, so that errors neither leak into a
// later, unrelated call nor get lost.
std::string DrainOpenSslErrors() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? std::string("no OpenSSL error recorded") : out;
}

Status OpenSslFailure(StatusCode code, std::string_view what) {
  return Status(code, std::string(what) + ": " + DrainOpenSslErrors());
}

const unsigned char* Bytes(std::string_view s) {
  // OpenSSL wants a non-null pointer even for zero bytes in a few places.
  static const unsigned char kEmpty[1] = {0};
  return s.empty() ? kEmpty : reinterpret_cast<const unsigned char*>(s.data());
}

std::string ErrnoMessage(int err) {
  return std::error_code(err, std::generic_category()).message();
}

// --- P-256 signature encodings -------------------------------------------------------------------

// Appends the DER INTEGER for a 32-byte unsigned big-endian number: minimal length (leading zero
// bytes dropped), with a 0x00 in front if the top bit is set (DER integers are signed). At most
// 35 bytes.
size_t AppendDerUnsigned32(const unsigned char* be, unsigned char* out) {
  size_t skip = 0;
  while (skip + 1 < 32 && be[skip] == 0) ++skip;
  const bool pad = (be[skip] & 0x80) != 0;
  const size_t len = 32 - skip + (pad ? 1 : 0);
  size_t o = 0;
  out[o++] = 0x02;
  out[o++] = static_cast<unsigned char>(len);
  if (pad) out[o++] = 0x00;
  std::memcpy(out + o, be + skip, 32 - skip);
  return o + 32 - skip;
}

// r||s (IEEE P1363) to the DER ECDSA-Sig-Value OpenSSL verifies: SEQUENCE { INTEGER r, INTEGER s }.
// Written by hand into a stack buffer: this is the verify hot path, and ECDSA_SIG would allocate
// three objects per call. The encoding is canonical DER (OpenSSL re-encodes and compares).
constexpr size_t kMaxP256DerSize = 2 + 2 * 35;
size_t P1363ToDer(std::string_view sig, unsigned char (&out)[kMaxP256DerSize]) {
  const auto* p = reinterpret_cast<const unsigned char*>(sig.data());
  size_t body = AppendDerUnsigned32(p, out + 2);
  body += AppendDerUnsigned32(p + 32, out + 2 + body);
  out[0] = 0x30;
  out[1] = static_cast<unsigned char>(body);  // <= 70, so the short length form
  return body + 2;
}

// A DER ECDSA-Sig-Value starts with SEQUENCE and its length; used only to explain a refusal.
bool LooksLikeDer(std::string_view sig) {
  return sig.size() >= 8 && sig.size() <= 2 + 2 * 35 &&
         static_cast<unsigned char>(sig[0]) == 0x30 &&
         static_cast<unsigned char>(sig[1]) == sig.size() - 2;
}

// DER (what OpenSSL signs) to r||s.
Result<std::string> DerToP1363(const unsigned char* der, size_t len) {
  const unsigned char* p = der;
  EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(len)));
  if (sig == nullptr)
    return Err(OpenSslFailure(StatusCode::kInternal, "parsing OpenSSL's signature"));
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  std::string out(kP256SignatureSize, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  if (BN_bn2binpad(r, o, 32) != 32 || BN_bn2binpad(s, o + 32, 32) != 32) {
    return Err(OpenSslFailure(StatusCode::kInternal, "ECDSA signature component exceeds 32 bytes"));
  }
  return out;
}

// --- key construction ----------------------------------------------------------------------------

const char* DigestFor(KeyType type) {
  // Ed25519 is "pure": no separate digest. ECDSA signs SHA-256(message).
  return type == KeyType::kEcdsaP256 ? "SHA256" : nullptr;
}

bool IsP256GroupName(std::string_view name) {
  return name == "prime256v1" || name == "P-256" || name == "secp256r1";
}

// The 65-byte uncompressed point of an EC key, independent of the point conversion form the key
// was loaded with.
Result<std::string> P256PublicPoint(EVP_PKEY* pkey) {
  BIGNUM* x_raw = nullptr;
  BIGNUM* y_raw = nullptr;
  const bool got_x = EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_X, &x_raw) == 1;
  BignumPtr x(x_raw);
  const bool got_y = EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_Y, &y_raw) == 1;
  BignumPtr y(y_raw);
  if (!got_x || !got_y) {
    return Err(OpenSslFailure(StatusCode::kInvalidArgument, "p256 key has no public point"));
  }
  std::string raw(kP256PublicKeySize, '\0');
  auto* o = reinterpret_cast<unsigned char*>(raw.data());
  o[0] = 0x04;
  if (BN_bn2binpad(x.get(), o + 1, 32) != 32 || BN_bn2binpad(y.get(), o + 33, 32) != 32) {
    return Err(OpenSslFailure(StatusCode::kInvalidArgument, "p256 public point out of range"));
  }
  return raw;
}

}  // namespace

// --- names and encodings -------------------------------------------------------------------------

std::string_view KeyTypeName(KeyType type) {
  switch (type) {
    case KeyType::kEd25519:
      return "ed25519";
    case KeyType::kEcdsaP256:
      return "p256";
  }
  return "unknown";
}

Result<KeyType> ParseKeyType(std::string_view name) {
  if (name == "ed25519") return KeyType::kEd25519;
  if (name == "p256") return KeyType::kEcdsaP256;
  return Err(StatusCode::kInvalidArgument,
             "unknown key type \"" + std::string(name) + "\" (want ed25519 or p256)");
}

Result<KeyType> KeyTypeFromNumber(int number) {
  switch (number) {
    case static_cast<int>(KeyType::kEd25519):
      return KeyType::kEd25519;
    case static_cast<int>(KeyType::kEcdsaP256):
      return KeyType::kEcdsaP256;
  }
  return Err(StatusCode::kInvalidArgument,
             "unsupported key algorithm " + std::to_string(number) + " (want 1 ed25519 or 2 p256)");
}

std::array<uint8_t, 32> Sha256(std::string_view data) {
  // Fetched once: an explicit fetch skips the per-call name lookup of EVP_sha256().
  static EVP_MD* const kSha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  std::array<uint8_t, 32> out{};
  unsigned int len = 0;
  if (kSha256 == nullptr ||
      EVP_Digest(Bytes(data), data.size(), out.data(), &len, kSha256, nullptr) != 1 || len != 32) {
    // Only possible if OpenSSL is broken or out of memory; a wrong hash would be worse than
    // stopping.
    std::abort();
  }
  return out;
}

// libsodium's codecs (sodium_bin2base64, sodium_base642bin, sodium_bin2hex): constant-time, and
// its decoder already refuses set unused bits and bad padding; what remains here is refusing
// anything after the last valid character (libsodium stops there and says where).
std::string Base64Encode(std::string_view data) {
  std::string out(sodium_base64_ENCODED_LEN(data.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(data.data()),
                    data.size(), sodium_base64_VARIANT_ORIGINAL);
  out.pop_back();  // the terminating NUL
  return out;
}

Result<std::string> Base64Decode(std::string_view in) {
  if (in.size() % 4 != 0) {
    return Err(StatusCode::kInvalidArgument,
               "base64 length " + std::to_string(in.size()) + " is not a multiple of 4");
  }
  std::string out(in.size() / 4 * 3, '\0');
  size_t length = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), in.data(),
                        in.size(), /*ignore=*/nullptr, &length, &end,
                        sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != in.data() + in.size()) {
    const size_t at = end == nullptr ? 0 : static_cast<size_t>(end - in.data());
    return Err(StatusCode::kInvalidArgument,
               "invalid or non-canonical base64 at offset " + std::to_string(at));
  }
  out.resize(length);
  return out;
}

std::string HexEncode(std::string_view data) {
  std::string out(data.size() * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), reinterpret_cast<const unsigned char*>(data.data()),
                 data.size());
  out.pop_back();
  return out;
}

// --- PublicKey -----------------------------------------------------------------------------------

PublicKey::PublicKey(std::shared_ptr<const PublicKeyState> state) : state_(std::move(state)) {}

KeyType PublicKey::type() const { return state_->type; }
const std::string& PublicKey::raw() const { return state_->raw; }

namespace {

// The checks of a raw public key that need no parsing (FromRaw's and FromRawDeferred's).
Status CheckRawFormat(KeyType type, std::string_view raw) {
  switch (type) {
    case KeyType::kEd25519:
      if (raw.size() != kEd25519PublicKeySize) {
        return InvalidArgument("ed25519 public key has " + std::to_string(raw.size()) +
                               " bytes, needs 32");
      }
      return Status::Ok();
    case KeyType::kEcdsaP256:
      if (raw.size() != kP256PublicKeySize) {
        return InvalidArgument("p256 public key has " + std::to_string(raw.size()) +
                               " bytes, needs 65 (uncompressed SEC1 point 0x04||X||Y)");
      }
      if (raw[0] != 0x04) {
        return InvalidArgument(
            "p256 public key must be an uncompressed SEC1 point starting with 0x04, got 0x" +
            HexEncode(raw.substr(0, 1)));
      }
      return Status::Ok();
    default:
      return InvalidArgument("unsupported key type " + std::to_string(static_cast<int>(type)));
  }
}

// An Ed25519 public key (32 bytes, CheckRawFormat) that can verify: the canonical encoding of a
// point on the curve, in its prime-order subgroup and not of small order
// (crypto_core_ed25519_is_valid_point). Every key derived from a secret (RFC 8032 5.1.5) is one;
// crypto_sign_verify_detached refuses a non-canonical or small-order key for every signature.
Status CheckEd25519Point(std::string_view raw) {
  if (!SodiumReady()) return Status(StatusCode::kInternal, "libsodium failed to initialise");
  if (crypto_core_ed25519_is_valid_point(Bytes(raw)) != 1) {
    return InvalidArgument(
        "ed25519 public key is not a valid point (a non-canonical encoding, off the curve, of "
        "small order or outside the prime-order subgroup)");
  }
  return Status::Ok();
}

// The EVP_PKEY of a raw public key (owned by the caller), after CheckRawFormat; nullptr for an
// Ed25519 key after CheckEd25519Point (libsodium verifies it from its raw bytes).
Result<EVP_PKEY*> ParsePublicKey(KeyType type, std::string_view raw) {
  EJ_RETURN_IF_ERROR(CheckRawFormat(type, raw));
  EVP_PKEY* pkey = nullptr;
  if (type == KeyType::kEd25519) {
    // Ed25519 verifies with libsodium from the raw bytes (PublicKey::Verify): nothing to parse.
    EJ_RETURN_IF_ERROR(CheckEd25519Point(raw));
    return pkey;
  }
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  if (ctx == nullptr || EVP_PKEY_fromdata_init(ctx.get()) != 1) {
    return Err(OpenSslFailure(StatusCode::kInternal, "preparing a p256 key"));
  }
  char group[] = "prime256v1";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, const_cast<char*>(raw.data()),
                                        raw.size()),
      OSSL_PARAM_construct_end(),
  };
  // Decoding the point checks that it lies on the curve (EC_POINT_set_affine_coordinates).
  if (EVP_PKEY_fromdata(ctx.get(), &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1) {
    DrainOpenSslErrors();
    return Err(StatusCode::kInvalidArgument, "p256 public key is not a point on the curve");
  }
  // And checked again explicitly (coordinates in range, on the curve, not infinity), so the
  // guarantee does not rest on a decoding detail. The cofactor of P-256 is 1: a point on the
  // curve is in the prime-order group, so the expensive order check is not needed.
  PkeyPtr owned(pkey);
  PkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
  if (check == nullptr || EVP_PKEY_public_check_quick(check.get()) != 1) {
    DrainOpenSslErrors();
    return Err(StatusCode::kInvalidArgument, "p256 public key is not a point on the curve");
  }
  return owned.release();
}

}  // namespace

Result<PublicKey> PublicKey::FromRaw(KeyType type, std::string_view raw) {
  EJ_ASSIGN_OR_RETURN(EVP_PKEY * pkey, ParsePublicKey(type, raw));
  return PublicKey(std::make_shared<const PublicKeyState>(type, std::string(raw), pkey, true));
}

Result<PublicKey> PublicKey::FromRawDeferred(KeyType type, std::string_view raw) {
  EJ_RETURN_IF_ERROR(CheckRawFormat(type, raw));
  return PublicKey(std::make_shared<const PublicKeyState>(type, std::string(raw), nullptr, false));
}

size_t PublicKey::idle_contexts() const {
  MutexLock lock(&state_->mu);
  return state_->idle.size();
}

Status PublicKey::Verify(std::string_view message, std::string_view signature) const {
  const KeyType type = state_->type;
  // Both formats are 64 bytes; the length check is the cheapest refusal and names the format.
  const size_t want = type == KeyType::kEd25519 ? kEd25519SignatureSize : kP256SignatureSize;
  if (signature.size() != want) {
    std::string why = "signature has " + std::to_string(signature.size()) + " bytes, " +
                      std::string(KeyTypeName(type)) + " needs " + std::to_string(want);
    if (type == KeyType::kEcdsaP256) {
      why += " (r||s, IEEE P1363)";
      if (LooksLikeDer(signature)) why += "; it looks DER-encoded, which is not accepted";
    }
    return Unauthenticated(std::move(why));
  }

  if (type == KeyType::kEd25519) {
    // libsodium (crypto_sign_verify_detached): ~646 k instructions a verification against
    // OpenSSL 3.0's ~1.53 M (callgrind, docs/BENCHMARKS.md "Ed25519 with libsodium"). It accepts
    // a subset of what OpenSSL's ED25519_verify does: both refuse S >= L and compare the
    // recomputed R byte for byte (cofactorless); libsodium also refuses a small-order R and a
    // non-canonical or small-order key, which no honest signer produces. Every node verifies with
    // this one function, so a writer and its replicas accept exactly the same signatures.
    if (!SodiumReady()) return Status(StatusCode::kInternal, "libsodium failed to initialise");
    if (crypto_sign_verify_detached(Bytes(signature), Bytes(message), message.size(),
                                    Bytes(state_->raw)) == 0) {
      return Status::Ok();
    }
    // A refusal of a deferred key checks the key once, to say why (FromRaw's keys were checked).
    if (!state_->point_checked.load(std::memory_order_relaxed)) {
      if (Status usable = CheckEd25519Point(state_->raw); !usable.ok()) {
        return Unauthenticated("public key is unusable: " + usable.message());
      }
      state_->point_checked.store(true, std::memory_order_relaxed);
    }
    return Unauthenticated("signature does not verify");
  }

  // A deferred P-256 key is parsed by its first verification.
  EVP_PKEY* pkey = state_->pkey.load(std::memory_order_acquire);
  if (pkey == nullptr) {
    auto parsed = ParsePublicKey(type, state_->raw);
    if (!parsed) {
      return Unauthenticated("public key is unusable: " + parsed.error().message());
    }
    if (state_->pkey.compare_exchange_strong(pkey, *parsed, std::memory_order_acq_rel,
                                             std::memory_order_acquire)) {
      pkey = *parsed;
    } else {
      EVP_PKEY_free(*parsed);  // another thread published the same key first: `pkey` is it
    }
  }

  const unsigned char* sig = Bytes(signature);
  size_t sig_len = signature.size();
  unsigned char der[kMaxP256DerSize];
  if (type == KeyType::kEcdsaP256) {
    sig_len = P1363ToDer(signature, der);
    sig = der;
  }

  // A context this key set up before, re-initialised (same key, state reset), or a new one.
  MdCtxPtr ctx;
  {
    MutexLock lock(&state_->mu);
    if (!state_->idle.empty()) {
      ctx.reset(state_->idle.back());
      state_->idle.pop_back();
    }
  }
  if (ctx != nullptr && EVP_DigestVerifyInit_ex(ctx.get(), nullptr, DigestFor(type), nullptr,
                                                nullptr, nullptr, nullptr) != 1) {
    ERR_clear_error();
    ctx.reset();  // not reusable after all: set up a new one
  }
  if (ctx == nullptr) {
    ctx.reset(EVP_MD_CTX_new());
    if (ctx == nullptr || EVP_DigestVerifyInit_ex(ctx.get(), nullptr, DigestFor(type), nullptr,
                                                  nullptr, pkey, nullptr) != 1) {
      return OpenSslFailure(StatusCode::kInternal, "starting signature verification");
    }
  }
  if (EVP_DigestVerify(ctx.get(), sig, sig_len, Bytes(message), message.size()) == 1) {
    // Only a context that has just verified a good signature is kept.
    MutexLock lock(&state_->mu);
    if (state_->idle.size() < kIdleContexts) state_->idle.push_back(ctx.release());
    return Status::Ok();
  }
  // 0 is a wrong signature; a negative value is a malformed one (e.g. r or s out of range). Both
  // mean the same to the caller, and the queue must not leak into the next call on this thread.
  // The context is dropped.
  ERR_clear_error();
  return Unauthenticated("signature does not verify");
}

// --- PrivateKey ----------------------------------------------------------------------------------

PrivateKey::PrivateKey(PublicKey public_key, std::shared_ptr<const KeyHandle> key)
    : public_key_(std::move(public_key)), key_(std::move(key)) {}

Result<PrivateKey> PrivateKey::FromHandle(std::shared_ptr<const KeyHandle> key) {
  EVP_PKEY* pkey = key->pkey;
  if (EVP_PKEY_is_a(pkey, "ED25519")) {
    std::string raw(kEd25519PublicKeySize, '\0');
    size_t len = raw.size();
    if (EVP_PKEY_get_raw_public_key(pkey, reinterpret_cast<unsigned char*>(raw.data()), &len) !=
            1 ||
        len != raw.size()) {
      return Err(OpenSslFailure(StatusCode::kInvalidArgument, "ed25519 key has no public key"));
    }
    if (!key->has_ed25519_secret) {
      return Err(StatusCode::kInternal, "ed25519 key: libsodium could not take its secret");
    }
    EJ_ASSIGN_OR_RETURN(PublicKey pub, PublicKey::FromRaw(KeyType::kEd25519, raw));
    return PrivateKey(std::move(pub), std::move(key));
  }
  if (EVP_PKEY_is_a(pkey, "EC")) {
    char group[64] = "";
    size_t group_len = 0;
    if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                       &group_len) != 1) {
      return Err(OpenSslFailure(StatusCode::kInvalidArgument, "EC key without a named curve"));
    }
    if (!IsP256GroupName(std::string_view(group, group_len))) {
      return Err(StatusCode::kInvalidArgument,
                 "EC key on curve " + std::string(group, group_len) + ", only P-256 is supported");
    }
    EJ_ASSIGN_OR_RETURN(std::string raw, P256PublicPoint(pkey));
    EJ_ASSIGN_OR_RETURN(PublicKey pub, PublicKey::FromRaw(KeyType::kEcdsaP256, raw));
    return PrivateKey(std::move(pub), std::move(key));
  }
  const char* name = EVP_PKEY_get0_type_name(pkey);
  return Err(StatusCode::kInvalidArgument, std::string("unsupported key algorithm ") +
                                               (name != nullptr ? name : "(unknown)") +
                                               " (need ed25519 or p256)");
}

Result<PrivateKey> PrivateKey::Generate(KeyType type) {
  const char* algorithm = nullptr;
  switch (type) {
    case KeyType::kEd25519:
      algorithm = "ED25519";
      break;
    case KeyType::kEcdsaP256:
      algorithm = "EC";
      break;
    default:
      return Err(StatusCode::kInvalidArgument,
                 "unsupported key type " + std::to_string(static_cast<int>(type)));
  }
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, algorithm, nullptr));
  if (ctx == nullptr || EVP_PKEY_keygen_init(ctx.get()) != 1 ||
      (type == KeyType::kEcdsaP256 && EVP_PKEY_CTX_set_group_name(ctx.get(), "P-256") != 1)) {
    return Err(OpenSslFailure(StatusCode::kInternal, "preparing key generation"));
  }
  EVP_PKEY* pkey = nullptr;
  if (EVP_PKEY_generate(ctx.get(), &pkey) != 1) {
    return Err(OpenSslFailure(StatusCode::kInternal, "generating a key"));
  }
  return FromHandle(std::make_shared<const KeyHandle>(pkey));
}

Result<PrivateKey> PrivateKey::FromEd25519Seed(std::string_view seed32) {
  if (seed32.size() != kEd25519SeedSize) {
    return Err(StatusCode::kInvalidArgument,
               "ed25519 seed has " + std::to_string(seed32.size()) + " bytes, needs 32");
  }
  EVP_PKEY* pkey =
      EVP_PKEY_new_raw_private_key_ex(nullptr, "ED25519", nullptr, Bytes(seed32), seed32.size());
  if (pkey == nullptr) return Err(OpenSslFailure(StatusCode::kInternal, "loading ed25519 seed"));
  return FromHandle(std::make_shared<const KeyHandle>(pkey));
}

Result<PrivateKey> PrivateKey::FromPem(std::string_view pem) {
  if (pem.size() > static_cast<size_t>(INT_MAX)) {
    return Err(StatusCode::kInvalidArgument, "PEM input too large");
  }
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (bio == nullptr) return Err(OpenSslFailure(StatusCode::kInternal, "reading PEM"));

  // PEM_read_bio, not PEM_read_bio_PrivateKey: that one also accepts the traditional and the
  // encrypted formats (and would prompt for a passphrase); only the label tells them apart.
  char* name_raw = nullptr;
  char* header_raw = nullptr;
  unsigned char* der_raw = nullptr;
  long der_len = 0;
  const int read = PEM_read_bio(bio.get(), &name_raw, &header_raw, &der_raw, &der_len);
  struct PemParts {
    char* name;
    char* header;
    unsigned char* der;
    long der_len;
    ~PemParts() {
      OPENSSL_free(name);
      OPENSSL_free(header);
      if (der != nullptr) OPENSSL_clear_free(der, static_cast<size_t>(der_len));
    }
  } parts{name_raw, header_raw, der_raw, der_len};
  if (read != 1) {
    return Err(OpenSslFailure(StatusCode::kInvalidArgument, "not a PEM private key"));
  }
  const std::string_view label(parts.name);
  if (label == "ENCRYPTED PRIVATE KEY") {
    return Err(StatusCode::kInvalidArgument, "encrypted PKCS#8 keys are not supported");
  }
  if (label != "PRIVATE KEY" || (parts.header != nullptr && parts.header[0] != '\0')) {
    return Err(StatusCode::kInvalidArgument,
               "PEM block is \"" + std::string(label) +
                   "\", need an unencrypted PKCS#8 \"PRIVATE KEY\" without headers");
  }
  // Anything after the one PEM block but whitespace is refused: it would be silently ignored.
  char* rest = nullptr;
  const long rest_len = BIO_get_mem_data(bio.get(), &rest);
  for (long i = 0; i < rest_len; ++i) {
    if (std::strchr(" \t\r\n", rest[i]) == nullptr) {
      return Err(StatusCode::kInvalidArgument, "trailing data after the PEM block");
    }
  }

  const unsigned char* p = parts.der;
  Pkcs8Ptr p8(d2i_PKCS8_PRIV_KEY_INFO(nullptr, &p, parts.der_len));
  if (p8 == nullptr || p != parts.der + parts.der_len) {
    DrainOpenSslErrors();
    return Err(StatusCode::kInvalidArgument, "malformed PKCS#8 private key");
  }
  EVP_PKEY* pkey = EVP_PKCS82PKEY(p8.get());
  if (pkey == nullptr) {
    return Err(
        OpenSslFailure(StatusCode::kInvalidArgument, "unsupported or malformed private key"));
  }
  return FromHandle(std::make_shared<const KeyHandle>(pkey));
}

Result<std::string> PrivateKey::ToPem() const {
  // secmem: the buffer holding the secret is cleansed when freed.
  BioPtr bio(BIO_new(BIO_s_secmem()));
  if (bio == nullptr || PEM_write_bio_PKCS8PrivateKey(bio.get(), key_->pkey, nullptr, nullptr, 0,
                                                      nullptr, nullptr) != 1) {
    return Err(OpenSslFailure(StatusCode::kInternal, "encoding the private key"));
  }
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  if (len <= 0 || data == nullptr) {
    return Err(OpenSslFailure(StatusCode::kInternal, "encoding the private key"));
  }
  return std::string(data, static_cast<size_t>(len));
}

Result<std::string> PrivateKey::Ed25519Seed() const {
  if (type() != KeyType::kEd25519) {
    return Err(StatusCode::kInvalidArgument,
               "a " + std::string(KeyTypeName(type())) + " key has no ed25519 seed");
  }
  std::string seed(kEd25519SeedSize, '\0');
  size_t len = seed.size();
  if (EVP_PKEY_get_raw_private_key(key_->pkey, reinterpret_cast<unsigned char*>(seed.data()),
                                   &len) != 1 ||
      len != seed.size()) {
    return Err(OpenSslFailure(StatusCode::kInternal, "reading the ed25519 seed"));
  }
  return seed;
}

Result<std::string> PrivateKey::Sign(std::string_view message) const {
  if (type() == KeyType::kEd25519) {  // libsodium (FromHandle made sure the handle has its form)
    std::string sig(kEd25519SignatureSize, '\0');
    if (crypto_sign_detached(reinterpret_cast<unsigned char*>(sig.data()), nullptr, Bytes(message),
                             message.size(), key_->ed25519_secret) != 0) {
      return Err(StatusCode::kInternal, "signing");
    }
    return sig;
  }
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (ctx == nullptr || EVP_DigestSignInit_ex(ctx.get(), nullptr, DigestFor(type()), nullptr,
                                              nullptr, key_->pkey, nullptr) != 1) {
    return Err(OpenSslFailure(StatusCode::kInternal, "starting to sign"));
  }
  // ECDSA P-256 in DER: at most 72 bytes.
  unsigned char buf[kMaxP256DerSize];
  size_t len = sizeof buf;
  if (EVP_DigestSign(ctx.get(), buf, &len, Bytes(message), message.size()) != 1) {
    return Err(OpenSslFailure(StatusCode::kInternal, "signing"));
  }
  return DerToP1363(buf, len);
}

// --- WriteSecretFile -----------------------------------------------------------------------------

namespace {

Status IoFailure(const std::string& what, int err) {
  return IoError(what + ": " + ErrnoMessage(err));
}

Status WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return IoFailure("writing", errno);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

Status FsyncDir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return IoFailure("opening directory " + dir, errno);
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return IoFailure("syncing directory " + dir, err);
  return Status::Ok();
}

}  // namespace

Status WriteSecretFile(const std::string& path, std::string_view contents, bool overwrite) {
  const size_t slash = path.rfind('/');
  const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  if (base.empty() || base == "." || base == "..") {
    return InvalidArgument("secret file path \"" + path + "\" does not name a file");
  }
  const std::string dir =
      slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));

  struct stat st;
  if (!overwrite && ::lstat(path.c_str(), &st) == 0) {
    return AlreadyExists(path + " already exists; refusing to overwrite it");
  }

  // mkostemp creates the file with mode 0600 (O_EXCL), so the secret is never readable by others.
  std::string tmp = dir + "/." + base + ".tmp-XXXXXX";
  const int fd = ::mkostemp(tmp.data(), O_CLOEXEC);
  if (fd < 0) return IoFailure("creating a temporary file in " + dir, errno);
  bool keep_tmp = false;
  struct TmpGuard {
    const std::string& name;
    bool& keep;
    ~TmpGuard() {
      if (!keep) ::unlink(name.c_str());
    }
  } guard{tmp, keep_tmp};

  Status s = Status::Ok();
  if (::fchmod(fd, 0600) != 0) s = IoFailure("setting mode 0600 on " + tmp, errno);
  if (s.ok()) s = WriteAll(fd, contents).WithContext(tmp);
  if (s.ok() && ::fsync(fd) != 0) s = IoFailure("syncing " + tmp, errno);
  if (::close(fd) != 0 && s.ok()) s = IoFailure("closing " + tmp, errno);
  if (!s.ok()) return s;

  if (overwrite) {
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
      return IoFailure("renaming " + tmp + " to " + path, errno);
    }
    keep_tmp = true;  // it is now `path`
  } else {
    // link(2) fails with EEXIST if `path` appeared since the check above: no silent replacement.
    if (::link(tmp.c_str(), path.c_str()) != 0) {
      const int err = errno;
      if (err == EEXIST) return AlreadyExists(path + " already exists; refusing to overwrite it");
      return IoFailure("linking " + tmp + " to " + path, err);
    }
    // The guard unlinks the temporary name; `path` keeps the data.
  }
  return FsyncDir(dir);
}

}  // namespace ejournal::crypto
