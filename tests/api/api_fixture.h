// The HTTP service on a small school (tests/support/school_fixture.h): the school is built through
// the ledger in-process, then the ledger is closed and a real ApiServer opens the same data
// directory on 127.0.0.1 (a free port) with the fixture's manual clock; tests talk to it with
// httplib::Client. Passwords are set through POST /api/v1/passwords with admin-signed events.
#ifndef EJOURNAL_TESTS_API_API_FIXTURE_H_
#define EJOURNAL_TESTS_API_API_FIXTURE_H_

#include <httplib.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "api/server.h"
#include "tests/support/school_fixture.h"

namespace ejournal::testing {

class ApiFixture : public SchoolFixture {
 protected:
  static constexpr char kPassword[] = "correct horse battery";

  void SetUp() override;
  void TearDown() override;

  // Options for the server (tests may change them before StartServer).
  api::ServerOptions Options();
  // Opens and starts a server on the fixture's data directory.
  void StartServer(api::ServerOptions options);
  void StopServer();

  // A body for `user` with the day of the lesson it concerns (the fixture's own builders read the
  // in-process state, which is closed while the server runs).
  v1::EventBody Mark(const std::string& teacher, const std::string& mark_id,
                     const std::string& lesson_id, const std::string& student, int value,
                     school::Day day);
  // The SignedEvent bytes of `body`, signed by its actor's credential.
  std::string Signed(const v1::EventBody& body);

  httplib::Result PostEvent(const std::string& bytes,
                            const std::string& type = "application/x-protobuf");
  httplib::Result PostJson(const std::string& path, const std::string& json,
                           const std::string& token = "");
  httplib::Result GetPath(const std::string& path, const std::string& token = "");

  // Sets `user`'s own password (their PasswordChanged BY_USER through the API); asserts 200.
  void SetPassword(const std::string& user, const std::string& password = kPassword);
  // Gives `user` a first password (the administrator's PasswordChanged INITIAL): until the user
  // sets their own, their sessions sign nothing else (R-SET-2).
  void SetFirstPassword(const std::string& user, const std::string& password = kPassword);
  void PostPassword(const std::string& actor, const std::string& user, v1::PasswordChangeKind kind,
                    const std::string& password);
  // Signs in (a fresh Ed25519 session key); returns the bearer token, or "" with a failure.
  struct Session {
    std::string token;
    Signer signer;  // the session credential and its key
  };
  Session Login(const std::string& user, const std::string& password = kPassword);
  // POST /api/v1/login at `school` with `key`'s public key as the session key: the answer.
  httplib::Result LoginRequest(const std::string& school, const std::string& login,
                               const std::string& password, const crypto::PrivateKey& key);
  // A fresh Ed25519 key (a session key).
  static crypto::PrivateKey NewSessionKey();

  static nlohmann::json Json(const httplib::Result& r);
  uint64_t LedgerSize() { return server_->ledger().size(); }

  std::unique_ptr<api::ApiServer> server_;
  std::unique_ptr<httplib::Client> client_;
};

}  // namespace ejournal::testing

#endif  // EJOURNAL_TESTS_API_API_FIXTURE_H_
