#include "api/secret_store.h"

#include "ledger/crypto.h"

namespace ejournal::api {

Result<std::unique_ptr<SecretStore>> SecretStore::Open(const std::string& path) {
  rocksdb::Options options;
  options.create_if_missing = true;
  options.paranoid_checks = true;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(options, path, &raw);
  if (!s.ok()) return Err(IoError("opening the secrets store: " + s.ToString()));
  return std::unique_ptr<SecretStore>(new SecretStore(std::unique_ptr<rocksdb::DB>(raw)));
}

Status SecretStore::Put(const std::string& key, const google::protobuf::Message& value) {
  rocksdb::WriteOptions wo;
  wo.sync = true;
  rocksdb::Status s = db_->Put(wo, key, value.SerializeAsString());
  return s.ok() ? Status::Ok() : IoError("writing the secrets store: " + s.ToString());
}

Status SecretStore::Get(const std::string& key, google::protobuf::Message& value) const {
  std::string bytes;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), key, &bytes);
  if (s.IsNotFound()) return NotFound("no such record");
  if (!s.ok()) return IoError("reading the secrets store: " + s.ToString());
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

Status SecretStore::PutSession(std::string_view token_digest, const v1::SessionRecord& record) {
  return Put("s/" + crypto::HexEncode(token_digest), record);
}

Result<v1::SessionRecord> SecretStore::GetSession(std::string_view token_digest) const {
  v1::SessionRecord record;
  EJ_RETURN_IF_ERROR(Get("s/" + crypto::HexEncode(token_digest), record));
  return record;
}

}  // namespace ejournal::api
