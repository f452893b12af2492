// Signed read requests (docs/API.md "Signed requests"): how a reader authenticates to a node that
// does not hold its bearer session, above all a read replica (`ejournald --replica`), which holds
// no secrets at all.
//
// At sign-in the client gives the writer a session public key; the writer records it in the
// ledger as a node-signed CredentialIssued (user, expiry), so every replica knows it too, verified.
// The client signs each read with the session's private key:
//
//   Authorization: EJ-Signed credential=<credential id>,time=<unix µs>,signature=<base64>
//
// over the canonical text
//
//   "ejournal-request-v1\n" METHOD "\n" TARGET "\n" TIME "\n" hex(SHA-256(body))
//
// (TARGET: the path with its query string exactly as sent). A node accepts it when the credential
// is known, belongs to its user, is neither revoked nor expired at the node's time (R-ACC-1), was
// issued in the school of the request, TIME is within kSignedRequestSkewUs of the node's clock,
// and the signature verifies. A logout or an expiry reaches a replica with the replication lag.
// A signed request is good for the skew window: send it over TLS, as every request.
#ifndef EJOURNAL_API_SIGNED_REQUEST_H_
#define EJOURNAL_API_SIGNED_REQUEST_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "ledger/crypto.h"
#include "schemas/status.h"

namespace ejournal::api {

inline constexpr char kSignedScheme[] = "EJ-Signed ";
inline constexpr int64_t kSignedRequestSkewUs = 300LL * 1'000'000;

// The text a signed request's signature covers.
std::string SignedRequestText(std::string_view method, std::string_view target, int64_t time_us,
                              std::string_view body);

// The Authorization header value for a request signed by `key` under `credential_id`.
[[nodiscard]] Result<std::string> SignedRequestAuthorization(
    const crypto::PrivateKey& key, std::string_view credential_id, std::string_view method,
    std::string_view target, int64_t time_us, std::string_view body = {});

struct SignedRequestHeader {
  std::string credential_id;
  int64_t time_us = 0;
  std::string signature;  // raw bytes
};
// Parses the Authorization value (with its scheme); kUnauthenticated when it does not parse.
[[nodiscard]] Result<SignedRequestHeader> ParseSignedRequestHeader(std::string_view value);

}  // namespace ejournal::api

#endif  // EJOURNAL_API_SIGNED_REQUEST_H_
