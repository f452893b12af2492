#include "api/signed_request.h"

#include <httplib.h>

#include <charconv>

#include "api/server.h"
#include "ejournal/v1/ledger.pb.h"

namespace ejournal::api {

std::string SignedRequestText(std::string_view method, std::string_view target, int64_t time_us,
                              std::string_view body) {
  const auto digest = crypto::Sha256(body);
  std::string text = "ejournal-request-v1\n";
  text += method;
  text += '\n';
  text += target;
  text += '\n';
  text += std::to_string(time_us);
  text += '\n';
  text += crypto::HexEncode(
      std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
  return text;
}

Result<std::string> SignedRequestAuthorization(const crypto::PrivateKey& key,
                                               std::string_view credential_id,
                                               std::string_view method, std::string_view target,
                                               int64_t time_us, std::string_view body) {
  EJ_ASSIGN_OR_RETURN(std::string signature,
                      key.Sign(SignedRequestText(method, target, time_us, body)));
  return std::string(kSignedScheme) + "credential=" + std::string(credential_id) +
         ",time=" + std::to_string(time_us) + ",signature=" + crypto::Base64Encode(signature);
}

Result<SignedRequestHeader> ParseSignedRequestHeader(std::string_view value) {
  const Status bad = Unauthenticated(
      "Authorization: EJ-Signed credential=<id>,time=<unix µs>,signature=<base64> does not parse",
      "R-ACC-1");
  if (!value.starts_with(kSignedScheme)) return Err(bad);
  value.remove_prefix(std::string_view(kSignedScheme).size());
  SignedRequestHeader h;
  bool has_credential = false, has_time = false, has_signature = false;
  while (!value.empty()) {
    const size_t comma = value.find(',');
    std::string_view field = value.substr(0, comma);
    value = comma == std::string_view::npos ? std::string_view() : value.substr(comma + 1);
    const size_t eq = field.find('=');
    if (eq == std::string_view::npos) return Err(bad);
    const std::string_view name = field.substr(0, eq), v = field.substr(eq + 1);
    if (name == "credential" && !has_credential && !v.empty() && v.size() <= 128) {
      h.credential_id = std::string(v);
      has_credential = true;
    } else if (name == "time" && !has_time) {
      auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), h.time_us);
      if (ec != std::errc() || end != v.data() + v.size()) return Err(bad);
      has_time = true;
    } else if (name == "signature" && !has_signature) {
      auto raw = crypto::Base64Decode(v);
      if (!raw) return Err(bad);
      h.signature = std::move(*raw);
      has_signature = true;
    } else {
      return Err(bad);
    }
  }
  if (!has_credential || !has_time || !has_signature) return Err(bad);
  return h;
}

Result<Principal> ApiServer::SignedRequestReader(const httplib::Request& req) {
  EJ_ASSIGN_OR_RETURN(SignedRequestHeader h,
                      ParseSignedRequestHeader(req.get_header_value("Authorization")));
  const int64_t now = options_.clock->NowMicros();
  if (h.time_us < now - kSignedRequestSkewUs || h.time_us > now + kSignedRequestSkewUs) {
    return Err(
        Unauthenticated("the signed request's time is more than 5 minutes from the node's "
                        "clock; sign it again",
                        "R-ACC-1"));
  }
  auto cred = registry_->Find(h.credential_id);
  if (!cred || cred->issued_at_sequence == 0) {  // 0: the node's own credential reads nothing
    return Err(Unauthenticated("credential " + h.credential_id + " is unknown here", "R-ACC-1"));
  }
  EJ_ASSIGN_OR_RETURN(crypto::PublicKey key,
                      registry_->Authorize(h.credential_id, cred->user_id, now));
  if (Status st =
          key.Verify(SignedRequestText(req.method, req.target, h.time_us, req.body), h.signature);
      !st.ok()) {
    return Err(Unauthenticated("the request's signature does not verify", "R-ACC-1"));
  }
  // The school: the one the CredentialIssued entry was written for.
  auto bytes = ledger_->Entry(cred->issued_at_sequence);
  if (!bytes) return Err(bytes.error());
  v1::LedgerEntry entry;
  v1::EventBody body;
  if (!entry.ParseFromString(*bytes) || !body.ParseFromString(entry.event().body())) {
    return Err(DataLoss("the entry issuing credential " + h.credential_id + " does not parse"));
  }
  return Principal{.school_id = body.school_id(), .user_id = cred->user_id};
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
