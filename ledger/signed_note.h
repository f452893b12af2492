// C2SP signed notes (https://c2sp.org/signed-note) with Ed25519 keys, and transparency-log
// checkpoints (https://c2sp.org/tlog-checkpoint), the note text the ledger signs for its tree
// heads.
//
// A signed note is a text ending in a newline, a blank line, and one or more signature lines
//     "— <key name> base64(4-byte big-endian key ID || signature)\n"   (U+2014 EM DASH, space)
// The text may itself contain blank lines; the last blank line separates it from the signatures.
// Notes must be valid UTF-8 without ASCII control characters other than newline. Key names are
// non-empty and contain neither Unicode spaces nor '+'.
//
// Key encodings (as golang.org/x/mod/sumdb/note, which the C2SP tooling shares):
//   verifier key  "<name>+<8 hex digits key ID>+base64(0x01 || 32-byte Ed25519 public key)"
//   signer key    "PRIVATE+KEY+<name>+<8 hex digits key ID>+base64(0x01 || 32-byte Ed25519 seed)"
//   key ID        first 4 bytes, big-endian, of SHA-256(name || 0x0A || 0x01 || public key)
// The base64 part may itself contain '+': keys are split on the first two (four) '+' only.
//
// Errors: InvalidArgument for malformed input (notes, keys, texts, checkpoints); Unauthenticated
// when a well-formed note lacks a valid signature by the expected key.
//
// Threads: NoteSigner, NoteVerifier and Checkpoint are immutable values, safe to share.
#ifndef EJOURNAL_LEDGER_SIGNED_NOTE_H_
#define EJOURNAL_LEDGER_SIGNED_NOTE_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/crypto.h"
#include "schemas/status.h"

namespace ejournal::note {

// The signature type byte of Ed25519 note signatures (signed-note, "Signature types").
inline constexpr uint8_t kSignatureTypeEd25519 = 0x01;

// A note may carry at most this many signature lines; the spec requires accepting at least 16.
inline constexpr size_t kMaxSignatures = 100;

// Non-empty, valid UTF-8, no Unicode white space, no '+', no ASCII control characters.
bool IsValidKeyName(std::string_view name);

// OK if `text` can be the text of a note: non-empty, ends in '\n', valid UTF-8, no ASCII control
// characters other than '\n'. InvalidArgument with the reason otherwise.
Status ValidateNoteText(std::string_view text);

// SHA-256(name || 0x0A || 0x01 || public_key)[:4], big-endian.
uint32_t Ed25519KeyId(std::string_view name, std::string_view ed25519_public_key);

// Signs note texts with one Ed25519 key.
class NoteSigner {
 public:
  // `name` must be a valid key name; `ed25519_key` must be an Ed25519 key (InvalidArgument).
  static Result<NoteSigner> Create(std::string name, const crypto::PrivateKey& ed25519_key);
  // Parses "PRIVATE+KEY+<name>+<hex keyID>+base64(0x01 || seed)", checking the key ID.
  static Result<NoteSigner> FromSignerKey(std::string_view skey);

  // The signer key string (a secret: store it with crypto::WriteSecretFile).
  std::string SignerKey() const;
  // "<name>+<hex keyID>+base64(0x01 || pubkey)", for NoteVerifier::FromVerifierKey.
  std::string VerifierKey() const;
  const std::string& name() const { return name_; }
  uint32_t key_id() const { return key_id_; }
  const crypto::PublicKey& public_key() const { return key_.public_key(); }

  // The signed note: `text`, a blank line, and this key's signature line. `text` must pass
  // ValidateNoteText (InvalidArgument otherwise). Ed25519 is deterministic: the same text always
  // gives the same note.
  Result<std::string> Sign(std::string_view text) const;
  // Only the signature line "— <name> <base64>\n", to append to a note signed by others (cosigning:
  // the lines of all signers follow the one blank line).
  Result<std::string> SignatureLine(std::string_view text) const;

 private:
  NoteSigner(std::string name, uint32_t key_id, crypto::PrivateKey key);

  std::string name_;
  uint32_t key_id_;
  crypto::PrivateKey key_;
};

// Verifies notes against one trusted Ed25519 key.
class NoteVerifier {
 public:
  // Parses "<name>+<hex keyID>+base64(0x01 || pubkey)", checking the key ID.
  static Result<NoteVerifier> FromVerifierKey(std::string_view vkey);
  // The verifier for `public_key` (Ed25519) under `name`.
  static Result<NoteVerifier> Create(std::string name, const crypto::PublicKey& public_key);

  std::string VerifierKey() const;
  const std::string& name() const { return name_; }
  uint32_t key_id() const { return key_id_; }

  // Parses `note` and returns its text if it carries a valid signature by this key. Signature lines
  // of other keys (another name or another key ID) are ignored, as the spec requires; every line
  // of this key must verify.
  //   InvalidArgument  the note is malformed (encoding, no blank line before the signatures, a
  //                    signature line that does not parse, more than kMaxSignatures lines).
  //   Unauthenticated  no signature line of this key, or a signature of this key does not verify.
  Result<std::string> Open(std::string_view note) const;

 private:
  NoteVerifier(std::string name, uint32_t key_id, crypto::PublicKey key);

  std::string name_;
  uint32_t key_id_;
  crypto::PublicKey key_;
};

// A transparency log checkpoint: the note text
//     "<origin>\n<size>\n<base64(root)>\n[<extension line>\n]..."
// The log's signature over it is a signed note; the key name SHOULD equal the origin.
struct Checkpoint {
  std::string origin;
  uint64_t size = 0;
  std::array<uint8_t, 32> root{};
  std::vector<std::string> extensions;

  // The note text. Unchecked: Parse(Marshal()) gives back *this exactly when Validate() is OK.
  std::string Marshal() const;
  // Strict: at least three lines, each non-empty and ending in '\n'; a non-empty origin; the size
  // in decimal without leading zeros (except "0"), within uint64; the root in strict base64
  // decoding to 32 bytes; the text valid per ValidateNoteText. InvalidArgument otherwise.
  static Result<Checkpoint> Parse(std::string_view text);
  // OK if Marshal() would give a text Parse accepts: a non-empty origin and non-empty extension
  // lines, none containing '\n' or other control characters, all valid UTF-8.
  Status Validate() const;

  friend bool operator==(const Checkpoint&, const Checkpoint&) = default;
};

}  // namespace ejournal::note

#endif  // EJOURNAL_LEDGER_SIGNED_NOTE_H_
