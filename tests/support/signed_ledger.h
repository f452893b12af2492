// A ledger as the node runs it, for tests: the node identity, the credential registry, admission,
// and a real RocksDB ledger, in a data directory laid out as `ejournal init` lays it out
// (DIR/ledger, DIR/node.key with mode 0600, DIR/node.pub), so that the CLI can read it too.
//
// Events go through the whole path: Admission::Check (decode, credential, signature) on the
// caller's thread, then Ledger::Append with admission as the writer's observer (the re-check at the
// recorded-at time). Credentials are issued by node-signed CredentialIssued events, as the server
// will issue session credentials.
//
// Not thread-safe: one test thread drives it (the ledger's own writer thread runs inside).
#ifndef EJOURNAL_TESTS_SUPPORT_SIGNED_LEDGER_H_
#define EJOURNAL_TESTS_SUPPORT_SIGNED_LEDGER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ejournal/v1/event.pb.h"
#include "ledger/admission.h"
#include "ledger/clock.h"
#include "ledger/credentials.h"
#include "ledger/crypto.h"
#include "ledger/ledger.h"
#include "ledger/node_key.h"
#include "projections/school_state.h"
#include "schemas/status.h"

namespace ejournal::testing {

// A client that signs events: a credential known to the ledger and its private key.
struct Signer {
  std::string credential_id;
  std::string user_id;
  crypto::PrivateKey key;
};

class SignedLedger {
 public:
  static constexpr char kOrigin[] = "ejournal.test/ledger/1";
  static constexpr char kSchoolId[] = "school-1";
  // A credential issued without an explicit expiry lives this long from the clock's now.
  static constexpr int64_t kDefaultLifetimeUs = 365LL * 24 * 3600 * 1'000'000;

  // A new node identity named kOrigin, written to `data_dir` (created if missing) as node.key
  // (0600) and node.pub. Nothing is opened yet. `clock` must outlive the result.
  [[nodiscard]] static Result<std::unique_ptr<SignedLedger>> Create(std::string data_dir,
                                                                    const Clock* clock,
                                                                    DecodeLimits limits = {});
  ~SignedLedger();
  SignedLedger(const SignedLedger&) = delete;
  SignedLedger& operator=(const SignedLedger&) = delete;

  // From the next Open on, admission applies the school rules (projections/rule_book.h) and a
  // school state folds every event (rebuilt from the ledger on every Open).
  void EnableSchoolRules() { school_rules_ = true; }
  // The school state (null unless EnableSchoolRules was called before Open).
  school::SchoolState* school_state() { return school_.get(); }

  // Opens (or reopens) DIR/ledger and folds its entries into a fresh registry. The writer's
  // observer is admission(), or `observer` when given (a test double that must delegate to it).
  [[nodiscard]] Status Open(AppendObserver* observer = nullptr);
  // Stops the writer and closes the database; the data stays.
  void Close();

  const std::string& data_dir() const { return data_dir_; }
  std::string ledger_path() const { return data_dir_ + "/ledger"; }
  Ledger& ledger() { return *ledger_; }
  CredentialRegistry& registry() { return *registry_; }
  Admission& admission() { return *admission_; }
  const NodeIdentity& node() const { return node_; }
  // The node's own credential ("node:<key id>", user "node") as a signer.
  Signer NodeSigner() const;

  // A fresh, unique event id.
  std::string NewEventId();
  // A body with the envelope filled in for `signer` (schema version, a new event id, school, actor,
  // credential, client time) and no payload.
  v1::EventBody NewBody(const Signer& signer);
  // NewBody with a UserRegistered payload for `user_id`: a payload every suite may use.
  v1::EventBody UserRegisteredBody(const Signer& signer, const std::string& user_id);
  // Node-signed bodies of the credential events.
  v1::EventBody CredentialIssuedBody(const std::string& credential_id, const std::string& user_id,
                                     const crypto::PublicKey& key, int64_t not_after_us);
  v1::EventBody CredentialRevokedBody(const std::string& credential_id);
  // R-SEC-2: an Act on `user_id`; empty `credential_ids` means every credential of the user.
  v1::EventBody CompromiseActBody(const std::string& user_id,
                                  const std::vector<std::string>& credential_ids);

  // The serialised SignedEvent of `body` signed by `signer` (ledger/event_codec.h SignEvent).
  [[nodiscard]] Result<std::string> Sign(const v1::EventBody& body, const Signer& signer) const;
  // A SignedEvent around body bytes given as they are (non-canonical or damaged ones), signed by
  // `signer` over exactly those bytes.
  [[nodiscard]] Result<std::string> SignBodyBytes(const std::string& body_bytes,
                                                  const Signer& signer) const;

  // Admission::Check at the clock's now, then Ledger::Append.
  [[nodiscard]] Result<AppendResult> Submit(std::string signed_event);
  [[nodiscard]] Result<AppendResult> Submit(const v1::EventBody& body, const Signer& signer);
  // Appends `signed_event` without the writer's admission (it is still folded), as a ledger
  // written before a rule was enforced could hold it: the forgery the verifiers and replicas
  // must name. Only with the default observer (Open without one).
  [[nodiscard]] Result<AppendResult> AppendUnadmitted(std::string signed_event);

  // Issues a new credential of `type` to `user_id` of `school_id` (a node-signed
  // CredentialIssued, appended). `not_after_us` 0: kDefaultLifetimeUs from now.
  [[nodiscard]] Result<Signer> IssueCredential(const std::string& user_id, crypto::KeyType type,
                                               int64_t not_after_us = 0,
                                               const std::string& school_id = kSchoolId);

 private:
  SignedLedger(std::string data_dir, const Clock* clock, DecodeLimits limits, NodeIdentity node);

  const std::string data_dir_;
  const Clock* const clock_;
  const DecodeLimits limits_;
  const NodeIdentity node_;
  uint64_t next_id_ = 0;
  std::string id_salt_;
  std::unique_ptr<CredentialRegistry> registry_;
  bool school_rules_ = false;
  std::unique_ptr<school::SchoolState> school_;
  std::unique_ptr<Admission> admission_;
  class Gate;  // admission_ as the writer's observer, with AppendUnadmitted's bypass
  std::unique_ptr<Gate> gate_;
  std::unique_ptr<Ledger> ledger_;
};

}  // namespace ejournal::testing

#endif  // EJOURNAL_TESTS_SUPPORT_SIGNED_LEDGER_H_
