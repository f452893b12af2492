// Sending one e-mail through an SMTP server (RFC 5321) with libcurl: the notifications' mail
// (api/notifier.h). STARTTLS when the server offers it, required with `require_tls`; SMTPS with an
// "smtps://" URL; an account (AUTH) when `user` is set.
//
// Thread-safety: SendMail may run on any thread (each call has its own libcurl handle);
// curl_global_init must have run (SmtpGlobalInit, once, before any other thread starts).
#ifndef EJOURNAL_API_SMTP_H_
#define EJOURNAL_API_SMTP_H_

#include <string>
#include <vector>

namespace ejournal::api {

struct SmtpOptions {
  // "smtp://host:port" (STARTTLS when offered) or "smtps://host:port"; "": no e-mail.
  std::string url;
  // The envelope sender and the From address: "journal@school.ru".
  std::string from;
  // The From's display name.
  std::string from_name = "Электронный журнал";
  // An account (AUTH PLAIN/LOGIN); empty: none. The password comes from a file that only the
  // service reads (ejournald --smtp-password-file), never the command line or the ledger.
  std::string user;
  std::string password;
  // Refuse to send without TLS (STARTTLS or SMTPS).
  bool require_tls = false;
  // The CA bundle the server's certificate is checked against ("": the system's).
  std::string ca_file;
  int timeout_seconds = 30;
};

struct SmtpOutcome {
  enum class Kind {
    kSent,      // the server took the mail (250 after the data)
    kRetry,     // unreachable, a 4xx, a dropped connection: try again later
    kRejected,  // a 5xx for the recipient or the mail: the address does not take mail (bounced)
  };
  Kind kind = Kind::kRetry;
  long smtp_code = 0;  // the server's last reply code (0: none)
  std::string detail;  // libcurl's words, for the log (never the mail's content)
};

void SmtpGlobalInit();

// Sends `message` (RFC 5322: headers, an empty line, the body; CRLF line ends) to `to`.
SmtpOutcome SendMail(const SmtpOptions& options, const std::string& to, const std::string& message);

// "=?UTF-8?B?...?=": a header value outside ASCII (RFC 2047), in encoded words of at most 75
// characters, each whole UTF-8 characters.
std::string MimeHeaderWord(std::string_view text);
// A plain-text UTF-8 mail body in base64, lines of 76 characters with CRLF.
std::string MimeBase64Body(std::string_view text);

}  // namespace ejournal::api

#endif  // EJOURNAL_API_SMTP_H_
