#include "api/authenticator.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <algorithm>
#include <memory>

#include "api/http_errors.h"
#include "projections/school_state.h"

namespace ejournal::api {
namespace {

constexpr size_t kSaltBytes = 16;
constexpr size_t kHashBytes = 32;

Result<std::string> Scrypt(std::string_view password, std::string_view salt, uint64_t n, uint32_t r,
                           uint32_t p) {
  std::unique_ptr<EVP_KDF, decltype(&EVP_KDF_free)> kdf(EVP_KDF_fetch(nullptr, "SCRYPT", nullptr),
                                                        EVP_KDF_free);
  if (!kdf) return Err(Internal("OpenSSL has no SCRYPT KDF"));
  std::unique_ptr<EVP_KDF_CTX, decltype(&EVP_KDF_CTX_free)> ctx(EVP_KDF_CTX_new(kdf.get()),
                                                                EVP_KDF_CTX_free);
  if (!ctx) return Err(Internal("EVP_KDF_CTX_new failed"));
  uint64_t maxmem = 128 * n * r * p + (uint64_t{1} << 20);
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD, const_cast<char*>(password.data()),
                                        password.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, const_cast<char*>(salt.data()),
                                        salt.size()),
      OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n),
      OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r),
      OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &p),
      OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM, &maxmem),
      OSSL_PARAM_construct_end()};
  std::string out(kHashBytes, '\0');
  if (EVP_KDF_derive(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), out.size(), params) !=
      1) {
    return Err(Internal("scrypt derivation failed"));
  }
  return out;
}

}  // namespace

Result<v1::PasswordRecord> MakePasswordRecord(std::string_view password, const KdfParams& params) {
  std::string salt(kSaltBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(salt.data()), static_cast<int>(salt.size())) !=
      1) {
    return Err(Internal("RAND_bytes failed"));
  }
  EJ_ASSIGN_OR_RETURN(std::string hash, Scrypt(password, salt, params.n, params.r, params.p));
  v1::PasswordRecord record;
  record.set_kdf("scrypt");
  record.set_n(params.n);
  record.set_r(params.r);
  record.set_p(params.p);
  record.set_salt(salt);
  record.set_hash(hash);
  return record;
}

Result<bool> CheckPassword(std::string_view password, const v1::PasswordRecord& record) {
  if (record.kdf() != "scrypt" || record.hash().size() != kHashBytes) {
    return Err(DataLoss("a password record has an unknown format"));
  }
  EJ_ASSIGN_OR_RETURN(std::string hash,
                      Scrypt(password, record.salt(), record.n(), record.r(), record.p()));
  return CRYPTO_memcmp(hash.data(), record.hash().data(), kHashBytes) == 0;
}

Status LoginThrottle::Check(const std::string& key) {
  MutexLock lock(&mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return Status::Ok();
  if (clock_->NowMicros() - it->second.first_us >= window_us_) {
    entries_.erase(it);
    return Status::Ok();
  }
  if (it->second.failures >= max_failures_) {
    // The lockout ends when the window that began with the first failure has passed.
    const int64_t left_us = it->second.first_us + window_us_ - clock_->NowMicros();
    const int64_t seconds = std::max<int64_t>(1, (left_us + 999'999) / 1'000'000);
    const int64_t minutes = (seconds + 59) / 60;
    return Status(StatusCode::kResourceExhausted,
                  "слишком много неудачных попыток входа с этим логином; вход снова возможен "
                  "через " +
                      std::to_string(minutes) + " мин.",
                  kRateLimitedRule)
        .WithRetryAfter(seconds);
  }
  return Status::Ok();
}

void LoginThrottle::Failed(const std::string& key) {
  MutexLock lock(&mu_);
  // Bounded memory against a flood of invented logins: drop the windows that have passed.
  if (entries_.size() >= kPruneAt) {
    const int64_t now = clock_->NowMicros();
    std::erase_if(entries_, [&](const auto& kv) { return now - kv.second.first_us >= window_us_; });
  }
  Entry& e = entries_[key];
  if (e.failures == 0) e.first_us = clock_->NowMicros();
  ++e.failures;
}

void LoginThrottle::Succeeded(const std::string& key) {
  MutexLock lock(&mu_);
  entries_.erase(key);
}

PasswordAuthenticator::PasswordAuthenticator(SecretStore* store, LoginResolver resolve,
                                             const Clock* clock, const KdfParams& params,
                                             int max_failures, int64_t window_us)
    : store_(store),
      resolve_(std::move(resolve)),
      dummy_(MakePasswordRecord("", params).value_or(v1::PasswordRecord())),
      throttle_(clock, max_failures, window_us) {}

Result<Principal> PasswordAuthenticator::SignIn(const SignInRequest& request) {
  // Throttled per login as signed in to: without regard to case, as logins are found.
  const std::string key = request.school_id + "/" + school::LoginKey(request.login);
  EJ_RETURN_IF_ERROR(throttle_.Check(key));
  // The same answer for an unknown login and a wrong password: logins cannot be probed.
  const Status refused = Unauthenticated("Неверный логин или пароль", "R-ACC-5");
  std::optional<std::string> user = resolve_(request.school_id, request.login);
  auto record = user ? store_->GetPassword(request.school_id, *user)
                     : Result<v1::PasswordRecord>(Err(NotFound("no such login")));
  if (!record) {
    if (record.error().code() != StatusCode::kNotFound) return Err(record.error());
    // As long as a real check, so that the time of the answer does not tell a login exists.
    (void)CheckPassword(request.password, dummy_).has_value();
    throttle_.Failed(key);
    return Err(refused);
  }
  EJ_ASSIGN_OR_RETURN(bool match, CheckPassword(request.password, *record));
  if (!match) {
    throttle_.Failed(key);
    return Err(refused);
  }
  throttle_.Succeeded(key);
  return Principal{.school_id = request.school_id, .user_id = *user};
}

}  // namespace ejournal::api
