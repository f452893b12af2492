#include "ledger/node_key.h"

#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "ledger/credentials.h"

namespace ejournal {
namespace {

Result<NodeIdentity> FromParts(note::NoteSigner signer, crypto::PrivateKey key) {
  NodeIdentity id{.signer = nullptr, .key = std::move(key), .credential_id = {}};
  id.credential_id = NodeCredentialId(signer.key_id());
  id.signer = std::make_shared<const note::NoteSigner>(std::move(signer));
  return id;
}

}  // namespace

Result<NodeIdentity> GenerateNodeIdentity(const std::string& name) {
  EJ_ASSIGN_OR_RETURN(auto key, crypto::PrivateKey::Generate(crypto::KeyType::kEd25519));
  EJ_ASSIGN_OR_RETURN(auto signer, note::NoteSigner::Create(name, key));
  return FromParts(std::move(signer), std::move(key));
}

Result<NodeIdentity> NodeIdentityFromSignerKey(std::string_view skey) {
  while (!skey.empty() && (skey.back() == '\n' || skey.back() == '\r')) skey.remove_suffix(1);
  EJ_ASSIGN_OR_RETURN(auto signer, note::NoteSigner::FromSignerKey(skey));
  // The fifth '+'-separated field is base64(0x01 || seed); the base64 may itself contain '+'.
  size_t pos = 0;
  for (int i = 0; i < 4; ++i) {
    pos = skey.find('+', pos);
    if (pos == std::string_view::npos) return Err(InvalidArgument("malformed signer key"));
    ++pos;
  }
  EJ_ASSIGN_OR_RETURN(std::string raw, crypto::Base64Decode(skey.substr(pos)));
  if (raw.size() != 33 || raw[0] != 0x01) {
    return Err(InvalidArgument("the signer key is not an Ed25519 key"));
  }
  EJ_ASSIGN_OR_RETURN(auto key, crypto::PrivateKey::FromEd25519Seed(raw.substr(1)));
  return FromParts(std::move(signer), std::move(key));
}

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Err(NotFound("cannot read " + path));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Result<NodeIdentity> LoadNodeIdentity(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return Err(NotFound("no node key at " + path));
  if ((st.st_mode & 077) != 0) {
    return Err(PermissionDenied(path + " is readable by others; chmod 600 it"));
  }
  EJ_ASSIGN_OR_RETURN(std::string skey, ReadFile(path));
  return NodeIdentityFromSignerKey(skey);
}

}  // namespace ejournal
