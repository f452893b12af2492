#include "api/smtp.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstring>

#include "ledger/crypto.h"

namespace ejournal::api {
namespace {

struct Reader {
  std::string_view data;
  size_t at = 0;
};

size_t ReadMessage(char* buffer, size_t size, size_t n, void* user) {
  auto* r = static_cast<Reader*>(user);
  const size_t room = size * n;
  const size_t len = std::min(room, r->data.size() - r->at);
  std::memcpy(buffer, r->data.data() + r->at, len);
  r->at += len;
  return len;
}

}  // namespace

void SmtpGlobalInit() { curl_global_init(CURL_GLOBAL_DEFAULT); }

SmtpOutcome SendMail(const SmtpOptions& options, const std::string& to,
                     const std::string& message) {
  SmtpOutcome out;
  CURL* curl = curl_easy_init();
  if (curl == nullptr) {
    out.detail = "curl_easy_init failed";
    return out;
  }
  Reader reader{message, 0};
  curl_slist* rcpt = curl_slist_append(nullptr, ("<" + to + ">").c_str());
  char error[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl, CURLOPT_URL, options.url.c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_FROM, ("<" + options.from + ">").c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
  curl_easy_setopt(curl, CURLOPT_READFUNCTION, ReadMessage);
  curl_easy_setopt(curl, CURLOPT_READDATA, &reader);
  curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message.size()));
  curl_easy_setopt(curl, CURLOPT_USE_SSL, options.require_tls ? CURLUSESSL_ALL : CURLUSESSL_TRY);
  if (!options.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, options.ca_file.c_str());
  if (!options.user.empty()) {
    curl_easy_setopt(curl, CURLOPT_USERNAME, options.user.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, options.password.c_str());
  }
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, static_cast<long>(options.timeout_seconds));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  const CURLcode rc = curl_easy_perform(curl);
  long code = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
  curl_slist_free_all(rcpt);
  curl_easy_cleanup(curl);
  out.smtp_code = code;
  if (rc == CURLE_OK) {
    out.kind = SmtpOutcome::Kind::kSent;
    return out;
  }
  out.detail = error[0] != '\0' ? error : curl_easy_strerror(rc);
  // A 5xx is the server's final word on this mail (an unknown mailbox, a refused sender); a
  // 4xx, no answer or a broken connection may pass.
  out.kind = code >= 500 && code < 600 && rc != CURLE_LOGIN_DENIED ? SmtpOutcome::Kind::kRejected
                                                                   : SmtpOutcome::Kind::kRetry;
  return out;
}

std::string MimeHeaderWord(std::string_view text) {
  const bool ascii = std::all_of(text.begin(), text.end(), [](char c) {
    return static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7f;
  });
  if (ascii) return std::string(text);
  // 75 characters a word: "=?UTF-8?B?" + base64 + "?=" leaves 63 for base64, 45 bytes.
  constexpr size_t kBytesPerWord = 45;
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    size_t end = std::min(text.size(), i + kBytesPerWord);
    while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + crypto::Base64Encode(text.substr(i, end - i)) + "?=";
    i = end;
  }
  return out;
}

std::string MimeBase64Body(std::string_view text) {
  const std::string b64 = crypto::Base64Encode(text);
  std::string out;
  for (size_t i = 0; i < b64.size(); i += 76) out += b64.substr(i, 76) + "\r\n";
  return out;
}

}  // namespace ejournal::api
