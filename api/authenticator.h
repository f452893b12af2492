// Sign-in (R-ACC-5): who is this person? Behind an interface so that an external identity provider
// (ЕСИА / Госуслуги) can be added beside the password.
//
// PasswordAuthenticator checks a login and password against the verifier in the local secrets store
// (scrypt through OpenSSL EVP_KDF; the password itself is never stored or logged), and throttles
// guessing per school and login: after `max_failures` failures within `window_us`, the login
// answers ResourceExhausted with kRateLimitedRule (HTTP 429) until the window has passed, even for
// the right password.
//
// Thread-safety: SignIn and SetPassword may be called from any thread.
#ifndef EJOURNAL_API_AUTHENTICATOR_H_
#define EJOURNAL_API_AUTHENTICATOR_H_

#include <functional>
#include <optional>
#include <string>
#include <unordered_map>

#include "api/secret_store.h"
#include "ledger/clock.h"
#include "schemas/mutex.h"
#include "schemas/status.h"

namespace ejournal::api {

struct SignInRequest {
  std::string school_id;
  std::string login;
  std::string password;
};

// Who signed in: a user of a school.
struct Principal {
  std::string school_id;
  std::string user_id;
};

class Authenticator {
 public:
  virtual ~Authenticator() = default;
  // kUnauthenticated for an unknown login or a wrong password (the same answer for both),
  // ResourceExhausted/kRateLimitedRule when throttled.
  [[nodiscard]] virtual Result<Principal> SignIn(const SignInRequest& request) = 0;
};

// scrypt cost parameters (RFC 7914). Tests may lower `n`.
struct KdfParams {
  uint64_t n = 1 << 15;
  uint32_t r = 8;
  uint32_t p = 1;
};

// A verifier for `password` with a fresh random salt.
[[nodiscard]] Result<v1::PasswordRecord> MakePasswordRecord(std::string_view password,
                                                            const KdfParams& params);
// Whether `password` matches `record` (constant-time comparison).
[[nodiscard]] Result<bool> CheckPassword(std::string_view password,
                                         const v1::PasswordRecord& record);

// Counts failed sign-ins per key over a sliding window of the injected clock.
class LoginThrottle {
 public:
  LoginThrottle(const Clock* clock, int max_failures, int64_t window_us)
      : clock_(clock), max_failures_(max_failures), window_us_(window_us) {}
  // OK, or ResourceExhausted/kRateLimitedRule while `key` is locked out.
  [[nodiscard]] Status Check(const std::string& key);
  void Failed(const std::string& key);
  void Succeeded(const std::string& key);

 private:
  static constexpr size_t kPruneAt = 100000;
  struct Entry {
    int failures = 0;
    int64_t first_us = 0;
  };
  const Clock* const clock_;
  const int max_failures_;
  const int64_t window_us_;
  Mutex mu_;
  std::unordered_map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
};

class PasswordAuthenticator final : public Authenticator {
 public:
  // Maps a school's login to its user id (nullopt: unknown); called without any lock of ours.
  using LoginResolver =
      std::function<std::optional<std::string>(std::string_view school_id, std::string_view login)>;

  // `store` and `clock` must outlive this object.
  // `params`: the cost of the stand-in check run for unknown logins (the same as new passwords').
  PasswordAuthenticator(SecretStore* store, LoginResolver resolve, const Clock* clock,
                        const KdfParams& params, int max_failures = 5,
                        int64_t window_us = 15LL * 60 * 1'000'000);

  Result<Principal> SignIn(const SignInRequest& request) override;

 private:
  SecretStore* const store_;
  const LoginResolver resolve_;
  const v1::PasswordRecord dummy_;  // checked for unknown logins (timing)
  LoginThrottle throttle_;
};

}  // namespace ejournal::api

#endif  // EJOURNAL_API_AUTHENTICATOR_H_
