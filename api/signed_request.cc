#include "api/signed_request.h"

#include <charconv>

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

}  // namespace ejournal::api
