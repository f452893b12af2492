// The node key: the ledger node's Ed25519 identity. It signs checkpoints (as a C2SP note key) and
// events of its own (bootstrap, session credentials) under the credential NodeCredentialId(key id).
// Stored as the C2SP signer key string in a 0600 file; its verifier key is public.
#ifndef EJOURNAL_LEDGER_NODE_KEY_H_
#define EJOURNAL_LEDGER_NODE_KEY_H_

#include <memory>
#include <string>

#include "ledger/crypto.h"
#include "ledger/signed_note.h"

namespace ejournal {

struct NodeIdentity {
  std::shared_ptr<const note::NoteSigner> signer;  // checkpoints
  crypto::PrivateKey key;                          // events (the same Ed25519 key)
  std::string credential_id;                       // "node:<key id>"
  std::string VerifierKey() const { return signer->VerifierKey(); }
};

// Makes a new node identity named `name` (the checkpoint origin / key name).
[[nodiscard]] Result<NodeIdentity> GenerateNodeIdentity(const std::string& name);
// From the C2SP signer key string ("PRIVATE+KEY+name+id+base64(0x01||seed)").
[[nodiscard]] Result<NodeIdentity> NodeIdentityFromSignerKey(std::string_view skey);
// Reads a signer-key file, refusing one that others can read (mode must not grant group/other).
[[nodiscard]] Result<NodeIdentity> LoadNodeIdentity(const std::string& path);

// Reads a whole file.
[[nodiscard]] Result<std::string> ReadFile(const std::string& path);

}  // namespace ejournal

#endif  // EJOURNAL_LEDGER_NODE_KEY_H_
