#include "api/secret_store.h"

#include "ledger/crypto.h"
#include "schemas/rocksdb_status.h"

namespace ejournal::api {

Result<std::unique_ptr<SecretStore>> SecretStore::Open(const std::string& path) {
  rocksdb::Options options;
  options.create_if_missing = true;
  options.paranoid_checks = true;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(options, path, &raw);
  if (!s.ok()) return Err(FromRocks(s, "opening the secrets store"));
  return std::unique_ptr<SecretStore>(new SecretStore(std::unique_ptr<rocksdb::DB>(raw)));
}

Status SecretStore::Put(const std::string& key, const google::protobuf::Message& value) {
  rocksdb::WriteOptions wo;
  wo.sync = true;
  rocksdb::Status s = db_->Put(wo, key, value.SerializeAsString());
  return s.ok() ? Status::Ok() : FromRocks(s, "writing the secrets store");
}

Status SecretStore::Get(const std::string& key, google::protobuf::Message& value) const {
  std::string bytes;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), key, &bytes);
  if (s.IsNotFound()) return NotFound("no such record");
  if (!s.ok()) return FromRocks(s, "reading the secrets store");
  if (!value.ParseFromString(bytes)) return DataLoss("a secrets record does not parse");
  return Status::Ok();
}

Status SecretStore::PutPassword(std::string_view school_id, std::string_view user_id,
                                const v1::PasswordRecord& record) {
  return Put("p/" + std::string(school_id) + "/" + std::string(user_id), record);
}

Result<v1::PasswordRecord> SecretStore::GetPassword(std::string_view school_id,
                                                    std::string_view user_id) const {
  v1::PasswordRecord record;
  EJ_RETURN_IF_ERROR(Get("p/" + std::string(school_id) + "/" + std::string(user_id), record));
  return record;
}

Status SecretStore::PutContact(std::string_view school_id, const v1::ContactDetails& contact) {
  return Put("c/" + std::string(school_id) + "/" + contact.user_id(), contact);
}

Result<v1::ContactDetails> SecretStore::GetContact(std::string_view school_id,
                                                   std::string_view user_id) const {
  v1::ContactDetails contact;
  EJ_RETURN_IF_ERROR(Get("c/" + std::string(school_id) + "/" + std::string(user_id), contact));
  return contact;
}

Status SecretStore::PutSession(std::string_view token_digest, const v1::SessionRecord& record) {
  return Put("s/" + crypto::HexEncode(token_digest), record);
}

Result<v1::SessionRecord> SecretStore::GetSession(std::string_view token_digest) const {
  v1::SessionRecord record;
  EJ_RETURN_IF_ERROR(Get("s/" + crypto::HexEncode(token_digest), record));
  return record;
}

Status SecretStore::ForEachSession(
    const std::function<bool(const std::string&, const v1::SessionRecord&)>& visit) const {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek("s/"); it->Valid() && it->key().starts_with("s/"); it->Next()) {
    v1::SessionRecord record;
    if (!record.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return DataLoss("a session record does not parse");
    }
    std::string hex = it->key().ToString().substr(2);
    std::string raw;
    for (size_t i = 0; i + 1 < hex.size(); i += 2) {
      raw.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
    }
    if (!visit(raw, record)) break;
  }
  if (!it->status().ok()) return FromRocks(it->status(), "reading the secrets store");
  return Status::Ok();
}

}  // namespace ejournal::api
