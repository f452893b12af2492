#include "ledger/signed_note.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <utility>
#include <vector>

#include "schemas/big_endian.h"

namespace ejournal::note {

namespace {

// "— " : U+2014 EM DASH in UTF-8, then a space.
constexpr std::string_view kSignaturePrefix = "\xE2\x80\x94 ";

// Wipes a string that held secret bytes.
struct Cleanse {
  std::string& s;
  ~Cleanse() { OPENSSL_cleanse(s.data(), s.size()); }
};

// Decodes the UTF-8 sequence at s[*i], advancing *i past it. Returns the code point, or -1 if the
// bytes are not well-formed UTF-8 (overlong forms, surrogates, beyond U+10FFFF, truncated).
int32_t DecodeUtf8(std::string_view s, size_t* i) {
  const auto byte = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  const uint8_t b0 = byte(*i);
  if (b0 < 0x80) {
    ++*i;
    return b0;
  }
  size_t len = 0;
  uint8_t lo = 0x80;
  uint8_t hi = 0xBF;  // the allowed range of the second byte
  int32_t cp = 0;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
    cp = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    cp = b0 & 0x0F;
    if (b0 == 0xE0) lo = 0xA0;  // no overlong forms
    if (b0 == 0xED) hi = 0x9F;  // no surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    cp = b0 & 0x07;
    if (b0 == 0xF0) lo = 0x90;  // no overlong forms
    if (b0 == 0xF4) hi = 0x8F;  // nothing beyond U+10FFFF
  } else {
    return -1;
  }
  if (s.size() - *i < len) return -1;
  for (size_t k = 1; k < len; ++k) {
    const uint8_t b = byte(*i + k);
    if (k == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF)) return -1;
    cp = (cp << 6) | (b & 0x3F);
  }
  *i += len;
  return cp;
}

// The Unicode White_Space characters (what Go's unicode.IsSpace reports, which the reference
// implementation uses for key names).
bool IsUnicodeSpace(int32_t cp) {
  return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
         cp == 0x205F || cp == 0x3000;
}

// UTF-8 and control characters of a whole note or text. `what` names it in the message.
Status CheckEncoding(std::string_view s, std::string_view what) {
  for (size_t i = 0; i < s.size();) {
    const size_t at = i;
    const int32_t cp = DecodeUtf8(s, &i);
    if (cp < 0) {
      return InvalidArgument(std::string(what) + " is not valid UTF-8 at byte " +
                             std::to_string(at));
    }
    if (cp < 0x20 && cp != '\n') {
      char hex[8];
      std::snprintf(hex, sizeof hex, "%02X", static_cast<unsigned>(cp));
      return InvalidArgument(std::string(what) + " contains control character U+00" + hex +
                             " at byte " + std::to_string(at));
    }
  }
  return Status::Ok();
}

std::string KeyIdHex(uint32_t id) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", static_cast<unsigned>(id));
  return buf;
}

// Exactly 8 hex digits (either case), as the reference implementation writes them.
Result<uint32_t> ParseKeyIdHex(std::string_view hex) {
  uint32_t id = 0;
  if (hex.size() == 8) {
    const auto [end, ec] = std::from_chars(hex.data(), hex.data() + hex.size(), id, 16);
    if (ec == std::errc() && end == hex.data() + hex.size()) return id;
  }
  return Err(StatusCode::kInvalidArgument,
             "key ID \"" + std::string(hex) + "\" is not 8 hexadecimal digits");
}

// The key part of both key strings: base64(0x01 || 32 bytes). Returns the 32 bytes.
Result<std::string> DecodeEd25519KeyField(std::string_view b64, std::string_view what) {
  auto bytes = crypto::Base64Decode(b64);
  if (!bytes.has_value()) {
    return Err(StatusCode::kInvalidArgument,
               std::string(what) + " is not valid base64: " + bytes.error().message());
  }
  Cleanse wipe{*bytes};
  if (bytes->empty()) return Err(StatusCode::kInvalidArgument, std::string(what) + " is empty");
  if (static_cast<uint8_t>((*bytes)[0]) != kSignatureTypeEd25519) {
    return Err(StatusCode::kInvalidArgument, std::string(what) + " has signature type 0x" +
                                                 crypto::HexEncode(bytes->substr(0, 1)) +
                                                 ", only 0x01 (Ed25519) is supported");
  }
  if (bytes->size() != 33) {
    return Err(StatusCode::kInvalidArgument, std::string(what) + " has " +
                                                 std::to_string(bytes->size()) +
                                                 " bytes, needs 33 (0x01 || 32-byte key)");
  }
  return bytes->substr(1);
}

std::string KeyDisplay(const std::string& name, uint32_t id) { return name + "+" + KeyIdHex(id); }

// One parsed signature line.
struct SignatureLine {
  std::string_view name;
  uint32_t key_id;
  std::string signature;  // without the key ID
};

}  // namespace

bool IsValidKeyName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size();) {
    const int32_t cp = DecodeUtf8(name, &i);
    if (cp < 0 || cp < 0x20 || cp == '+' || IsUnicodeSpace(cp)) return false;
  }
  return true;
}

Status ValidateNoteText(std::string_view text) {
  if (text.empty()) return InvalidArgument("note text is empty");
  if (text.back() != '\n') return InvalidArgument("note text does not end in a newline");
  return CheckEncoding(text, "note text");
}

uint32_t Ed25519KeyId(std::string_view name, std::string_view ed25519_public_key) {
  std::string input;
  input.reserve(name.size() + 2 + ed25519_public_key.size());
  input.append(name);
  input += '\n';
  input += static_cast<char>(kSignatureTypeEd25519);
  input.append(ed25519_public_key);
  const std::array<uint8_t, 32> h = crypto::Sha256(input);
  return (uint32_t{h[0]} << 24) | (uint32_t{h[1]} << 16) | (uint32_t{h[2]} << 8) | h[3];
}

// --- NoteSigner ----------------------------------------------------------------------------------

NoteSigner::NoteSigner(std::string name, uint32_t key_id, crypto::PrivateKey key)
    : name_(std::move(name)), key_id_(key_id), key_(std::move(key)) {}

Result<NoteSigner> NoteSigner::Create(std::string name, const crypto::PrivateKey& ed25519_key) {
  if (!IsValidKeyName(name)) {
    return Err(StatusCode::kInvalidArgument,
               "invalid key name \"" + name +
                   "\": must be non-empty UTF-8 without spaces, '+' or control characters");
  }
  if (ed25519_key.type() != crypto::KeyType::kEd25519) {
    return Err(StatusCode::kInvalidArgument,
               "a note signer needs an ed25519 key, got " +
                   std::string(crypto::KeyTypeName(ed25519_key.type())));
  }
  const uint32_t id = Ed25519KeyId(name, ed25519_key.public_key().raw());
  return NoteSigner(std::move(name), id, ed25519_key);
}

Result<NoteSigner> NoteSigner::FromSignerKey(std::string_view skey) {
  // PRIVATE + KEY + name + hex + base64; the base64 may contain '+', so split four times only.
  std::string_view parts[5];
  std::string_view rest = skey;
  for (int i = 0; i < 4; ++i) {
    const size_t plus = rest.find('+');
    if (plus == std::string_view::npos) {
      return Err(StatusCode::kInvalidArgument,
                 "malformed signer key: want PRIVATE+KEY+<name>+<hex key ID>+<base64 key>");
    }
    parts[i] = rest.substr(0, plus);
    rest.remove_prefix(plus + 1);
  }
  parts[4] = rest;
  if (parts[0] != "PRIVATE" || parts[1] != "KEY") {
    return Err(StatusCode::kInvalidArgument,
               "malformed signer key: does not start with PRIVATE+KEY+");
  }
  const std::string name(parts[2]);
  if (!IsValidKeyName(name)) {
    return Err(StatusCode::kInvalidArgument, "signer key has an invalid key name \"" + name + "\"");
  }
  EJ_ASSIGN_OR_RETURN(const uint32_t id, ParseKeyIdHex(parts[3]));
  EJ_ASSIGN_OR_RETURN(std::string seed, DecodeEd25519KeyField(parts[4], "signer key"));
  Cleanse wipe{seed};
  EJ_ASSIGN_OR_RETURN(crypto::PrivateKey key, crypto::PrivateKey::FromEd25519Seed(seed));
  EJ_ASSIGN_OR_RETURN(NoteSigner signer, Create(name, key));
  if (signer.key_id() != id) {
    return Err(StatusCode::kInvalidArgument, "signer key ID " + std::string(parts[3]) +
                                                 " does not match the key (" +
                                                 KeyIdHex(signer.key_id()) + ")");
  }
  return signer;
}

std::string NoteSigner::SignerKey() const {
  auto seed = key_.Ed25519Seed();
  if (!seed.has_value()) return {};  // unreachable: Create accepts only Ed25519 keys
  Cleanse wipe{*seed};
  std::string field = static_cast<char>(kSignatureTypeEd25519) + *seed;
  Cleanse wipe_field{field};
  return "PRIVATE+KEY+" + name_ + "+" + KeyIdHex(key_id_) + "+" + crypto::Base64Encode(field);
}

std::string NoteSigner::VerifierKey() const {
  return name_ + "+" + KeyIdHex(key_id_) + "+" +
         crypto::Base64Encode(static_cast<char>(kSignatureTypeEd25519) + key_.public_key().raw());
}

Result<std::string> NoteSigner::SignatureLine(std::string_view text) const {
  if (Status s = ValidateNoteText(text); !s.ok()) return Err(std::move(s));
  EJ_ASSIGN_OR_RETURN(std::string sig, key_.Sign(text));
  std::string line(kSignaturePrefix);
  line += name_;
  line += ' ';
  line += crypto::Base64Encode([&] {
    std::string id;
    AppendBigEndian(id, key_id_, 4);
    return id;
  }() + sig);
  line += '\n';
  return line;
}

Result<std::string> NoteSigner::Sign(std::string_view text) const {
  EJ_ASSIGN_OR_RETURN(std::string line, SignatureLine(text));
  std::string note;
  note.reserve(text.size() + 1 + line.size());
  note.append(text);
  note += '\n';
  note += line;
  return note;
}

// --- NoteVerifier --------------------------------------------------------------------------------

NoteVerifier::NoteVerifier(std::string name, uint32_t key_id, crypto::PublicKey key)
    : name_(std::move(name)), key_id_(key_id), key_(std::move(key)) {}

Result<NoteVerifier> NoteVerifier::Create(std::string name, const crypto::PublicKey& public_key) {
  if (!IsValidKeyName(name)) {
    return Err(StatusCode::kInvalidArgument,
               "invalid key name \"" + name +
                   "\": must be non-empty UTF-8 without spaces, '+' or control characters");
  }
  if (public_key.type() != crypto::KeyType::kEd25519) {
    return Err(StatusCode::kInvalidArgument,
               "a note verifier needs an ed25519 key, got " +
                   std::string(crypto::KeyTypeName(public_key.type())));
  }
  const uint32_t id = Ed25519KeyId(name, public_key.raw());
  return NoteVerifier(std::move(name), id, public_key);
}

Result<NoteVerifier> NoteVerifier::FromVerifierKey(std::string_view vkey) {
  const size_t plus1 = vkey.find('+');
  const size_t plus2 =
      plus1 == std::string_view::npos ? std::string_view::npos : vkey.find('+', plus1 + 1);
  if (plus2 == std::string_view::npos) {
    return Err(StatusCode::kInvalidArgument,
               "malformed verifier key: want <name>+<hex key ID>+<base64 key>");
  }
  const std::string name(vkey.substr(0, plus1));
  if (!IsValidKeyName(name)) {
    return Err(StatusCode::kInvalidArgument,
               "verifier key has an invalid key name \"" + name + "\"");
  }
  const std::string_view hex = vkey.substr(plus1 + 1, plus2 - plus1 - 1);
  EJ_ASSIGN_OR_RETURN(const uint32_t id, ParseKeyIdHex(hex));
  EJ_ASSIGN_OR_RETURN(std::string raw,
                      DecodeEd25519KeyField(vkey.substr(plus2 + 1), "verifier key"));
  EJ_ASSIGN_OR_RETURN(crypto::PublicKey key,
                      crypto::PublicKey::FromRaw(crypto::KeyType::kEd25519, raw));
  EJ_ASSIGN_OR_RETURN(NoteVerifier verifier, Create(name, key));
  if (verifier.key_id() != id) {
    return Err(StatusCode::kInvalidArgument, "verifier key ID " + std::string(hex) +
                                                 " does not match the key (" +
                                                 KeyIdHex(verifier.key_id()) + ")");
  }
  return verifier;
}

std::string NoteVerifier::VerifierKey() const {
  return name_ + "+" + KeyIdHex(key_id_) + "+" +
         crypto::Base64Encode(static_cast<char>(kSignatureTypeEd25519) + key_.raw());
}

Result<std::string> NoteVerifier::Open(std::string_view note) const {
  if (Status s = CheckEncoding(note, "malformed note: the note"); !s.ok()) return Err(std::move(s));
  if (note.empty() || note.back() != '\n') {
    return Err(StatusCode::kInvalidArgument, "malformed note: does not end in a newline");
  }
  // The text ends at the last blank line; it keeps its final newline, not the blank line.
  const size_t split = note.rfind("\n\n");
  if (split == std::string_view::npos) {
    return Err(StatusCode::kInvalidArgument,
               "malformed note: no blank line between the text and the signatures");
  }
  const std::string_view text = note.substr(0, split + 1);
  std::string_view sigs = note.substr(split + 2);
  if (sigs.empty()) return Err(StatusCode::kInvalidArgument, "malformed note: no signature lines");

  // Parse every line first: a malformed line anywhere makes the whole note malformed.
  std::vector<SignatureLine> lines;
  while (!sigs.empty()) {
    const size_t nl = sigs.find('\n');  // found: sigs ends in '\n'
    std::string_view line = sigs.substr(0, nl);
    sigs.remove_prefix(nl + 1);
    if (lines.size() == kMaxSignatures) {
      return Err(
          StatusCode::kInvalidArgument,
          "malformed note: more than " + std::to_string(kMaxSignatures) + " signature lines");
    }
    const std::string line_no = std::to_string(lines.size() + 1);
    if (!line.starts_with(kSignaturePrefix)) {
      return Err(StatusCode::kInvalidArgument,
                 "malformed note: signature line " + line_no + " does not start with \"— \"");
    }
    line.remove_prefix(kSignaturePrefix.size());
    const size_t space = line.find(' ');
    if (space == std::string_view::npos) {
      return Err(StatusCode::kInvalidArgument,
                 "malformed note: signature line " + line_no + " has no space after the key name");
    }
    const std::string_view name = line.substr(0, space);
    if (!IsValidKeyName(name)) {
      return Err(StatusCode::kInvalidArgument,
                 "malformed note: signature line " + line_no + " has an invalid key name");
    }
    auto bytes = crypto::Base64Decode(line.substr(space + 1));
    if (!bytes.has_value()) {
      return Err(StatusCode::kInvalidArgument,
                 "malformed note: signature line " + line_no + ": " + bytes.error().message());
    }
    if (bytes->size() < 5) {
      return Err(StatusCode::kInvalidArgument, "malformed note: signature line " + line_no +
                                                   " has " + std::to_string(bytes->size()) +
                                                   " bytes, needs a key ID and a signature");
    }
    const auto* b = reinterpret_cast<const uint8_t*>(bytes->data());
    const uint32_t id =
        (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3];
    lines.push_back(SignatureLine{name, id, bytes->substr(4)});
  }

  // Lines of other keys are ignored, even if they share the name or the ID (but not both).
  bool verified = false;
  for (const SignatureLine& line : lines) {
    if (line.name != name_ || line.key_id != key_id_) continue;
    if (Status s = key_.Verify(text, line.signature); !s.ok()) {
      return Err(StatusCode::kUnauthenticated,
                 "note signature by " + KeyDisplay(name_, key_id_) + ": " + s.message());
    }
    verified = true;
  }
  if (!verified) {
    return Err(StatusCode::kUnauthenticated,
               "note has no signature by key " + KeyDisplay(name_, key_id_));
  }
  return std::string(text);
}

// --- Checkpoint ----------------------------------------------------------------------------------

std::string Checkpoint::Marshal() const {
  std::string out;
  out.reserve(origin.size() + 70);
  out += origin;
  out += '\n';
  out += std::to_string(size);
  out += '\n';
  out += crypto::Base64Encode(
      std::string_view(reinterpret_cast<const char*>(root.data()), root.size()));
  out += '\n';
  for (const std::string& ext : extensions) {
    out += ext;
    out += '\n';
  }
  return out;
}

Status Checkpoint::Validate() const {
  if (origin.empty()) return InvalidArgument("checkpoint origin is empty");
  if (Status s = CheckEncoding(origin, "checkpoint origin"); !s.ok()) return s;
  if (origin.find('\n') != std::string::npos) {
    return InvalidArgument("checkpoint origin contains a newline");
  }
  for (size_t i = 0; i < extensions.size(); ++i) {
    const std::string what = "checkpoint extension line " + std::to_string(i + 1);
    const std::string& ext = extensions[i];
    if (ext.empty()) return InvalidArgument(what + " is empty");
    if (Status s = CheckEncoding(ext, what); !s.ok()) return s;
    if (ext.find('\n') != std::string::npos) return InvalidArgument(what + " contains a newline");
  }
  return Status::Ok();
}

Result<Checkpoint> Checkpoint::Parse(std::string_view text) {
  if (Status s = ValidateNoteText(text); !s.ok()) {
    return Err(s.WithContext("checkpoint"));
  }
  std::vector<std::string_view> lines;
  for (std::string_view rest = text; !rest.empty();) {
    const size_t nl = rest.find('\n');  // found: the text ends in '\n'
    lines.push_back(rest.substr(0, nl));
    rest.remove_prefix(nl + 1);
  }
  if (lines.size() < 3) {
    return Err(StatusCode::kInvalidArgument,
               "checkpoint has " + std::to_string(lines.size()) +
                   " lines, needs at least 3 (origin, tree size, root hash)");
  }
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].empty()) {
      return Err(StatusCode::kInvalidArgument,
                 "checkpoint line " + std::to_string(i + 1) + " is empty");
    }
  }

  Checkpoint c;
  c.origin = std::string(lines[0]);

  const std::string_view size = lines[1];
  if (size.find_first_not_of("0123456789") != std::string_view::npos) {
    return Err(StatusCode::kInvalidArgument,
               "checkpoint tree size \"" + std::string(size) + "\" is not a decimal number");
  }
  if (size.size() > 1 && size[0] == '0') {
    return Err(StatusCode::kInvalidArgument,
               "checkpoint tree size \"" + std::string(size) + "\" has leading zeros");
  }
  const auto [end, ec] = std::from_chars(size.data(), size.data() + size.size(), c.size, 10);
  if (ec != std::errc() || end != size.data() + size.size()) {
    return Err(StatusCode::kInvalidArgument,
               "checkpoint tree size \"" + std::string(size) + "\" does not fit 64 bits");
  }

  auto root = crypto::Base64Decode(lines[2]);
  if (!root.has_value()) {
    return Err(root.error().WithContext("checkpoint root hash"));
  }
  if (root->size() != c.root.size()) {
    return Err(StatusCode::kInvalidArgument,
               "checkpoint root hash has " + std::to_string(root->size()) + " bytes, needs 32");
  }
  std::copy(root->begin(), root->end(), c.root.begin());

  for (size_t i = 3; i < lines.size(); ++i) c.extensions.emplace_back(lines[i]);
  return c;
}

}  // namespace ejournal::note
