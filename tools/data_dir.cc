#include "tools/data_dir.h"

#include <sys/stat.h>

#include <filesystem>

#include "ledger/crypto.h"

namespace ejournal::tools {

std::string NodeKeyPath(const std::string& data) { return data + "/node.key"; }
std::string NodePubPath(const std::string& data) { return data + "/node.pub"; }
std::string LedgerPath(const std::string& data) { return data + "/ledger"; }

Result<NodeIdentity> CreateDataDir(const std::string& data, const std::string& origin) {
  std::error_code ec;
  std::filesystem::create_directories(data, ec);
  if (ec) return Err(IoError("cannot create " + data + ": " + ec.message()));
  ::chmod(data.c_str(), 0700);
  if (std::filesystem::exists(NodeKeyPath(data))) {
    return Err(AlreadyExists(data + " is already initialised (node.key exists)"));
  }
  EJ_ASSIGN_OR_RETURN(NodeIdentity node, GenerateNodeIdentity(origin));
  EJ_RETURN_IF_ERROR(crypto::WriteSecretFile(NodeKeyPath(data), node.signer->SignerKey() + "\n"));
  EJ_RETURN_IF_ERROR(crypto::WriteSecretFile(NodePubPath(data), node.VerifierKey() + "\n"));
  ::chmod(NodePubPath(data).c_str(), 0644);
  return node;
}

Result<SchoolLedger> OpenSchoolLedger(const std::string& data, const OpenSchoolOptions& options) {
  SchoolLedger s;
  s.registry = std::make_unique<CredentialRegistry>();
  if (options.node != nullptr) {
    s.registry->AddNode(options.node->credential_id, options.node->key.public_key());
  }
  s.state = std::make_unique<school::SchoolState>();
  s.admission = std::make_unique<Admission>(s.registry.get(), DecodeLimits{}, s.state.get());
  LedgerOptions lo;
  lo.path = LedgerPath(data);
  lo.origin = options.origin;
  if (options.node != nullptr) lo.checkpoint_signer = options.node->signer;
  lo.observer = s.admission.get();
  lo.clock = options.clock;
  EJ_ASSIGN_OR_RETURN(s.ledger, Ledger::Open(lo));
  if (options.catch_up) EJ_RETURN_IF_ERROR(s.admission->CatchUp(*s.ledger));
  return s;
}

}  // namespace ejournal::tools
