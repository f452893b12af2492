// Signatures, hashes and encodings for the ledger, over OpenSSL 3 EVP and, for Ed25519
// signing and verification, libsodium.
//
// What this module owns: turning credential keys (ejournal.v1.KeyAlgorithm and its documented key
// and signature formats) into verifiers, signing with the ledger's own keys, and the small
// encodings (SHA-256, base64, hex) that the ledger and the signed-note format need. Nothing else in
// the project talks to OpenSSL's signature API or to libsodium; their errors become Status values
// here.
//
// Ed25519 verification is libsodium's crypto_sign_verify_detached: ~646 k instructions against
// OpenSSL 3.0's ~1.53 M (callgrind), and it is most of a writer's and a replica's CPU. Ed25519
// signing is its crypto_sign_detached (~248 k against ~613 k; deterministic, the same bytes).
// OpenSSL keeps P-256, key generation and the PEM and seed encodings.
//
// Threads: every type here is immutable after construction (as far as a caller can tell) and safe
// to use from any number of threads at once. PublicKey and PrivateKey share their parsed EVP_PKEY
// between copies (copies are cheap). A PublicKey keeps the verification contexts it has set up and
// reuses them (one thread at a time each); each Sign call builds its own short-lived context.
//
// Formats (see schemas/ejournal/v1/ledger.proto, KeyAlgorithm):
//   kEd25519   public key 32 raw bytes (RFC 8032), signature 64 bytes, "pure" Ed25519 over the
//              message itself.
//   kEcdsaP256 public key the 65-byte uncompressed SEC1 point 0x04||X||Y, signature 64 bytes r||s
//              (IEEE P1363, what WebCrypto produces), ECDSA over SHA-256(message). DER is refused.
#ifndef EJOURNAL_LEDGER_CRYPTO_H_
#define EJOURNAL_LEDGER_CRYPTO_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "schemas/status.h"

namespace ejournal::crypto {

// The numeric values equal ejournal.v1.KeyAlgorithm, so a proto enum converts with a cast after
// KeyTypeFromNumber has checked it.
enum class KeyType { kEd25519 = 1, kEcdsaP256 = 2 };

// "ed25519", "p256" (and "unknown" for a value outside the enum).
std::string_view KeyTypeName(KeyType type);
// The inverse of KeyTypeName. InvalidArgument for any other name.
Result<KeyType> ParseKeyType(std::string_view name);
// From the ejournal.v1.KeyAlgorithm number. InvalidArgument for 0 (unspecified) and unknown values.
Result<KeyType> KeyTypeFromNumber(int number);

// Sizes of the documented formats.
inline constexpr size_t kEd25519PublicKeySize = 32;
inline constexpr size_t kEd25519SeedSize = 32;
inline constexpr size_t kEd25519SignatureSize = 64;
inline constexpr size_t kP256PublicKeySize = 65;  // 0x04 || X || Y
inline constexpr size_t kP256SignatureSize = 64;  // r || s, 32 bytes each, big-endian

// SHA-256 of `data`.
std::array<uint8_t, 32> Sha256(std::string_view data);

// Standard base64 (RFC 4648 section 4) with padding.
std::string Base64Encode(std::string_view data);
// Strict inverse of Base64Encode: the length must be a multiple of 4, only the standard alphabet,
// '=' only as the final one or two characters, no whitespace, and the unused bits of the last
// character must be zero (so every byte string has exactly one accepted encoding).
// InvalidArgument otherwise. The empty string decodes to the empty string.
Result<std::string> Base64Decode(std::string_view encoded);

// Lower-case hex.
std::string HexEncode(std::string_view data);

namespace internal {
struct KeyHandle;       // Owns one EVP_PKEY (a private key); defined in crypto.cc.
struct PublicKeyState;  // A public key's bytes, its EVP_PKEY and idle contexts; in crypto.cc.
}  // namespace internal

// A public key. Thread-safe, cheap to copy: copies share one state (the raw bytes and, for P-256,
// the EVP_PKEY and the verification contexts set up for it).
//
// Ed25519 keys verify with libsodium straight from their raw bytes: no parsed form, no contexts.
// P-256 verification contexts: setting one up (EVP_DigestVerifyInit_ex with the key: a new
// EVP_PKEY_CTX, the provider's signature fetched, the key handed to it) cost ~17.5 k of the
// ~1.53 M instructions of an Ed25519 verification (callgrind; ~2.7 % of a loaded server's CPU in a
// profile: the fetch takes the provider store's lock on every call). A key keeps up to
// kIdleContexts contexts that have verified a good signature and reuses them (re-initialised with
// the same key: OpenSSL 3 resets the context's state and keeps the key when EVP_DigestVerifyInit_ex
// is given no key); a context is used by one thread at a time.
class PublicKey {
 public:
  // Contexts a P-256 key keeps for reuse (~600 bytes each, once it has verified).
  static constexpr size_t kIdleContexts = 2;

  // Ed25519: exactly 32 raw bytes, the canonical encoding of a point of the prime-order subgroup,
  // not of small order (libsodium's crypto_core_ed25519_is_valid_point; every key derived from a
  // secret is one). P-256: exactly the 65-byte uncompressed SEC1 point (0x04||X||Y);
  // compressed points, the point at infinity, and points not on the curve are refused.
  // InvalidArgument with the reason otherwise.
  static Result<PublicKey> FromRaw(KeyType type, std::string_view raw);
  // The same key, parsed into OpenSSL's form on its first Verify instead of now (for keys that were
  // checked with FromRaw when they entered, e.g. credentials folded from the ledger by a replay,
  // which verifies nothing). Only the checks that need no parsing are made here (the type, the
  // size, the P-256 prefix, with FromRaw's messages); a key that FromRaw would refuse makes every
  // Verify fail with Unauthenticated "public key is unusable: <FromRaw's reason>".
  static Result<PublicKey> FromRawDeferred(KeyType type, std::string_view raw);

  KeyType type() const;
  // The bytes FromRaw was given (the canonical encoding for the type).
  const std::string& raw() const;

  // OK if `signature` is a valid signature over `message` by this key, in the format of the key
  // type. Otherwise Unauthenticated with the precise reason, e.g. "signature has 63 bytes, ed25519
  // needs 64", or "signature does not verify". P-256 accepts both low-S and high-S signatures
  // (WebCrypto produces either). Internal only if OpenSSL itself fails (out of memory).
  Status Verify(std::string_view message, std::string_view signature) const;
  // The contexts this key keeps for reuse now (tests).
  size_t idle_contexts() const;

  friend bool operator==(const PublicKey& a, const PublicKey& b) {
    return a.type() == b.type() && a.raw() == b.raw();
  }

 private:
  explicit PublicKey(std::shared_ptr<const internal::PublicKeyState> state);

  std::shared_ptr<const internal::PublicKeyState> state_;
};

// A private key (the ledger's checkpoint key, test clients). Immutable and thread-safe; copies
// share the EVP_PKEY. The secret never leaves except through ToPem and Ed25519Seed.
class PrivateKey {
 public:
  // A fresh key from OpenSSL's default random generator.
  static Result<PrivateKey> Generate(KeyType type);
  // The Ed25519 key whose RFC 8032 seed ("private key") is these 32 bytes.
  static Result<PrivateKey> FromEd25519Seed(std::string_view seed32);
  // An unencrypted PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----") holding an Ed25519 or a P-256 key.
  // InvalidArgument for anything else (other PEM labels, encrypted keys, other algorithms/curves).
  static Result<PrivateKey> FromPem(std::string_view pkcs8_pem);

  // Unencrypted PKCS#8 PEM. Store it with WriteSecretFile.
  Result<std::string> ToPem() const;
  // The 32-byte RFC 8032 seed of an Ed25519 key (what FromEd25519Seed takes). InvalidArgument for a
  // P-256 key.
  Result<std::string> Ed25519Seed() const;

  KeyType type() const { return public_key_.type(); }
  const PublicKey& public_key() const { return public_key_; }

  // A signature over `message` in the format PublicKey::Verify expects (P-256: 64-byte r||s).
  // Ed25519 signatures are deterministic; P-256 signatures are randomised.
  Result<std::string> Sign(std::string_view message) const;

 private:
  PrivateKey(PublicKey public_key, std::shared_ptr<const internal::KeyHandle> key);
  // Checks the key's algorithm (Ed25519 or P-256) and derives the public key.
  static Result<PrivateKey> FromHandle(std::shared_ptr<const internal::KeyHandle> key);

  PublicKey public_key_;
  std::shared_ptr<const internal::KeyHandle> key_;
};

// Writes a secret (a private key) to `path` atomically with mode 0600: a temporary file created
// with 0600 in the same directory, written, fsynced, renamed into place, then the directory
// fsynced. A reader never sees a partial file, and the secret is never readable by others, not even
// briefly. Refuses (AlreadyExists) to replace an existing file unless `overwrite`; without
// `overwrite` the check is atomic (link(2), which fails if the name exists), so two writers cannot
// both succeed. IoError for any failure of the file system; the temporary file is removed on
// failure.
Status WriteSecretFile(const std::string& path, std::string_view contents, bool overwrite = false);

}  // namespace ejournal::crypto

#endif  // EJOURNAL_LEDGER_CRYPTO_H_
