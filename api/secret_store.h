// SecretStore: the node's local, non-replicated secrets (ARCHITECTURE.md "Storage"): password
// verifiers and sessions, in a RocksDB database of its own at DIR/secrets, never in the ledger
// (which is replicated and kept forever).
//
// Keys: "p/<school>/<user>" -> PasswordRecord; "s/<hex SHA-256 of the bearer token>" ->
// SessionRecord. Bearer tokens themselves are never stored. Every write is synced.
//
// Thread-safety: every method may be called from any thread (RocksDB is thread-safe).
// Errors: kIoError when RocksDB fails, kDataLoss when a stored record does not parse, kNotFound.
#ifndef EJOURNAL_API_SECRET_STORE_H_
#define EJOURNAL_API_SECRET_STORE_H_

#include <rocksdb/db.h>

#include <functional>
#include <memory>
#include <string>

#include "ejournal/v1/api.pb.h"
#include "ejournal/v1/setup.pb.h"
#include "schemas/status.h"

namespace ejournal::api {

class SecretStore {
 public:
  [[nodiscard]] static Result<std::unique_ptr<SecretStore>> Open(const std::string& path);
  SecretStore(const SecretStore&) = delete;
  SecretStore& operator=(const SecretStore&) = delete;

  [[nodiscard]] Status PutPassword(std::string_view school_id, std::string_view user_id,
                                   const v1::PasswordRecord& record);
  [[nodiscard]] Result<v1::PasswordRecord> GetPassword(std::string_view school_id,
                                                       std::string_view user_id) const;

  // A person's contact data (R-SET-2: the class teacher keeps the parents' contacts), kept on the
  // node only: the ledger holds no contact data.
  [[nodiscard]] Status PutContact(std::string_view school_id, const v1::ContactDetails& contact);
  [[nodiscard]] Result<v1::ContactDetails> GetContact(std::string_view school_id,
                                                      std::string_view user_id) const;

  // `token_digest`: the raw 32-byte SHA-256 of the bearer token.
  [[nodiscard]] Status PutSession(std::string_view token_digest, const v1::SessionRecord& record);
  [[nodiscard]] Result<v1::SessionRecord> GetSession(std::string_view token_digest) const;
  // Visits every session (token digest, record) while `visit` returns true.
  [[nodiscard]] Status ForEachSession(
      const std::function<bool(const std::string& digest, const v1::SessionRecord&)>& visit) const;

 private:
  explicit SecretStore(std::unique_ptr<rocksdb::DB> db) : db_(std::move(db)) {}
  Status Put(const std::string& key, const google::protobuf::Message& value);
  Status Get(const std::string& key, google::protobuf::Message& value) const;

  std::unique_ptr<rocksdb::DB> db_;
};

}  // namespace ejournal::api

#endif  // EJOURNAL_API_SECRET_STORE_H_
