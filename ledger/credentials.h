// CredentialRegistry: which credential may sign for whom, folded from the ledger's own events.
//
// The trust root is the node key: its credential ("node:<key id>", user "node") is known from the
// start; it signs checkpoints, server-issued session credentials and the bootstrap events of
// `ejournal init`. Every other credential enters by a CredentialIssued event and leaves by
// CredentialRevoked or by a credential-compromise Act (R-SEC-2: revoked at once).
//
// R-ACC-1: an event is accepted only if its credential is known, active at the event's recorded-at
// time, not expired, and belongs to the event's actor (R-ACC-4: never one person for another).
// R-ACC-6: a credential belongs to one user of one school, the school of the event that issued
// it; it signs nothing for another school, whatever the user ids say (user ids are unique only
// within a school). Only the node's own credential acts in every school.
//
// Thread-safety: Apply is called by one thread (the ledger writer, or the verifier) in sequence
// order; Authorize and Find may be called from any thread at the same time, and the keys they
// return verify from any number of threads (crypto::PublicKey).
//
// Keys: CheckIssue (admission) parses an issued key fully and refuses a malformed one. Apply, which
// folds events already admitted (the writer after CheckIssue, a replay of the ledger, a replica
// after its own admission), by default keeps the key's raw bytes and lets OpenSSL parse it on its
// first verification (crypto::PublicKey::FromRawDeferred): a replay verifies nothing, and parsing
// every issued key was ~5 % of a short ledger's replay. A registry that folds data nobody admitted
// (the offline verifier, an archive's check) parses at Apply, so a malformed key is refused at the
// entry that issued it (KeyParsing::kAtApply).
#ifndef EJOURNAL_LEDGER_CREDENTIALS_H_
#define EJOURNAL_LEDGER_CREDENTIALS_H_

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "ejournal/v1/event.pb.h"
#include "ledger/crypto.h"
#include "schemas/mutex.h"
#include "schemas/status.h"

namespace ejournal {

// The user id of the node itself (the author of bootstrap and session events).
inline constexpr char kNodeUserId[] = "node";

// "node:<8 hex digits of the note key id>".
std::string NodeCredentialId(uint32_t note_key_id);

struct CredentialState {
  std::string credential_id;
  std::string user_id;
  // The school of the CredentialIssued event; empty for the node's credential, the only one that
  // acts in every school (kind CREDENTIAL_KIND_NODE).
  std::string school_id;
  crypto::PublicKey key;
  v1::CredentialKind kind = v1::CREDENTIAL_KIND_UNSPECIFIED;
  int64_t not_after_us = 0;         // 0: no expiry
  uint64_t issued_at_sequence = 0;  // 0: the node credential
  int64_t revoked_at_us = 0;        // 0: not revoked
  uint64_t revoked_at_sequence = 0;
  bool compromised = false;  // revoked by an Act (R-SEC-2)
};

class CredentialRegistry {
 public:
  enum class KeyParsing { kOnFirstUse, kAtApply };
  explicit CredentialRegistry(KeyParsing keys = KeyParsing::kOnFirstUse) : keys_(keys) {}
  CredentialRegistry(const CredentialRegistry&) = delete;
  CredentialRegistry& operator=(const CredentialRegistry&) = delete;

  // Registers the node's own credential.
  void AddNode(std::string credential_id, crypto::PublicKey key);

  // Checks that a CredentialIssued may enter: a new id, a key that parses for its algorithm, an
  // expiry where one is required. (Who may issue is a rights question: R-ACC-2, admission.)
  [[nodiscard]] Status CheckIssue(const v1::CredentialIssued& issued) const;
  // Checks that a CredentialRevoked may enter: it names a known credential (kNotFound otherwise;
  // Apply would fail on it, and the verifier would refuse the entry).
  [[nodiscard]] Status CheckRevoke(const v1::CredentialRevoked& revoked) const;

  // Folds one appended event (only credential events change anything).
  [[nodiscard]] Status Apply(const v1::EventBody& body, uint64_t sequence, int64_t recorded_at_us);

  // The key that must have signed an event of `actor_id` in `school_id` under `credential_id`,
  // recorded at `at_us`. Otherwise kUnauthenticated (R-ACC-1 unknown, revoked or expired; R-ACC-4
  // another user's; R-SEC-2 revoked by an Act) or kPermissionDenied (R-ACC-6: another school's).
  [[nodiscard]] Result<crypto::PublicKey> Authorize(std::string_view credential_id,
                                                    std::string_view school_id,
                                                    std::string_view actor_id, int64_t at_us) const;

  std::optional<CredentialState> Find(std::string_view credential_id) const;
  size_t size() const;

 private:
  // Lookups by a string_view without building a std::string.
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };

  const KeyParsing keys_;
  mutable SharedMutex mu_;
  std::unordered_map<std::string, CredentialState, Hash, std::equal_to<>> credentials_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace ejournal

#endif  // EJOURNAL_LEDGER_CREDENTIALS_H_
