// VerifyLedger: the auditor's check of a whole ledger from its stored bytes, trusting only the
// node's public key (its C2SP verifier key).
//
// For every entry, in order: it parses, carries its own sequence number, recorded-at never goes
// back, the event decodes, its credential was issued earlier in the ledger (or is the node's), was
// active at the entry's recorded-at time and belongs to the actor, and the signature verifies on
// the stored body bytes. The leaf hash recomputed from the stored bytes must equal the stored tree
// node, and every stored parent node must equal the hash of its children. Every checkpoint must be
// signed by the node key, name this ledger's origin, and carry the root recomputed at its size.
//
// The first problem found (lowest sequence) is returned as kDataLoss or kUnauthenticated, its
// message starting with what is wrong where: "entry 17: ...", "checkpoint at size 4096: ...".
#ifndef EJOURNAL_LEDGER_VERIFIER_H_
#define EJOURNAL_LEDGER_VERIFIER_H_

#include <functional>
#include <string>

#include "ledger/ledger.h"
#include "ledger/merkle.h"

namespace ejournal {

struct VerifyOptions {
  // The node's verifier key, "<name>+<hex key id>+<base64(0x01 || Ed25519 key)>".
  std::string node_verifier_key;
  // Signature checks run on this many threads.
  int threads = 2;
  // Called now and then with (entries checked, entries in all).
  std::function<void(uint64_t, uint64_t)> progress;
};

struct VerifyReport {
  uint64_t entries = 0;
  uint64_t signatures = 0;
  uint64_t checkpoints = 0;
  merkle::Hash root{};
};

[[nodiscard]] Result<VerifyReport> VerifyLedger(const Ledger& ledger, const VerifyOptions& options);

// The Ed25519 public key and key id inside a C2SP verifier key.
struct NodeKey {
  std::string name;
  uint32_t key_id = 0;
  crypto::PublicKey key;
};
[[nodiscard]] Result<NodeKey> ParseNodeVerifierKey(std::string_view vkey);

}  // namespace ejournal

#endif  // EJOURNAL_LEDGER_VERIFIER_H_
