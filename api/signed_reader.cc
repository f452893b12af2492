// The server's side of signed read requests (api/signed_request.h): who a request is from, by its
// EJ-Signed header or its bearer session. Kept apart from signed_request.cc, which the CLI links
// without the server.
#include <httplib.h>

#include "api/server.h"
#include "api/signed_request.h"

namespace ejournal::api {

Result<Principal> ApiServer::SignedRequestReader(const httplib::Request& req) {
  EJ_ASSIGN_OR_RETURN(SignedRequestHeader h,
                      ParseSignedRequestHeader(req.get_header_value("Authorization")));
  const int64_t now = options_.clock->NowMicros();
  if (h.time_us < now - kSignedRequestSkewUs || h.time_us > now + kSignedRequestSkewUs) {
    return Err(
        Unauthenticated("Время подписанного запроса расходится с часами сервера больше чем на "
                        "5 минут: проверьте часы и повторите",
                        "R-ACC-1"));
  }
  auto cred = registry_->Find(h.credential_id);
  if (!cred || cred->issued_at_sequence == 0) {  // 0: the node's own credential reads nothing
    return Err(Unauthenticated("Ключ «" + h.credential_id + "» здесь неизвестен", "R-ACC-1"));
  }
  // The school is the credential's own (R-ACC-6): the one its CredentialIssued was written for.
  EJ_ASSIGN_OR_RETURN(crypto::PublicKey key,
                      registry_->Authorize(h.credential_id, cred->school_id, cred->user_id, now));
  if (Status st =
          key.Verify(SignedRequestText(req.method, req.target, h.time_us, req.body), h.signature);
      !st.ok()) {
    return Err(Unauthenticated("Подпись запроса не сходится", "R-ACC-1"));
  }
  return Principal{.school_id = cred->school_id, .user_id = cred->user_id};
}

Result<Principal> ApiServer::ReaderOf(const httplib::Request& req) {
  if (req.get_header_value("Authorization").starts_with(kSignedScheme)) {
    return SignedRequestReader(req);
  }
  if (options_.replica) {
    return Err(Unauthenticated(
        "this read replica holds no sessions: sign the request (Authorization: EJ-Signed ..., "
        "docs/API.md) with the session key you signed in with at the writer" +
            (options_.writer_url.empty() ? std::string() : " (" + options_.writer_url + ")"),
        "R-ACC-1"));
  }
  EJ_ASSIGN_OR_RETURN(v1::SessionRecord session, SessionOf(req, nullptr));
  return Principal{.school_id = session.school_id(), .user_id = session.user_id()};
}

}  // namespace ejournal::api
