// The client verbs' registration, sign-in and sign-out, and the administrator's verbs. The
// journal's writes are in client_journal.cc and client_control.cc, the reads in client_reads.cc,
// the plumbing they share in client_support.cc.
#include "tools/client.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "ledger/crypto.h"
#include "ledger/event_codec.h"
#include "tools/client_internal.h"

namespace ejournal::client {

using nlohmann::json;

CLI::App* Verbs::Add(const char* name, const char* help, Use use, std::function<int()> run) {
  CLI::App* cmd = app.add_subcommand(name, help);
  cmd->add_option("--profile", c->profile,
                  "the session profile (default ~/.ejournal/session.json)");
  cmd->add_option("--server", c->server, "the server, e.g. http://127.0.0.1:8080");
  cmd->add_option("--ca", c->ca_file, "CA certificate for an https server");
  cmd->add_flag("--json", c->json, "print the server's JSON");
  if (use != Use::kPlain) {
    cmd->add_option("--key", c->key_file, "a long-lived key (PKCS#8 PEM) instead of the session");
    cmd->add_option("--credential", c->credential, "its credential id (default: KEY.credential)");
    cmd->add_option("--actor", c->actor, "its user (default: the key file's name)");
  }
  if (use == Use::kSigning) {
    cmd->add_option("--zone", c->zone, "the school's time zone for dates")->capture_default_str();
  }
  if (use == Use::kReading) {
    cmd->add_flag("--signed-reads", c->signed_reads,
                  "sign the read with the session's key (EJ-Signed) instead of sending its "
                  "token; done by itself with a --key, or when the server refuses the token as "
                  "a read replica does");
  }
  cmd->add_option("--school", c->school, "school id (default: the session's)");
  commands.emplace_back(cmd, std::move(run));
  return cmd;
}

namespace {

// A new session key, bound to the user by the server's login; the profile keeps it.
int Login(const Common& c, const Flags& f) {
  if (c.server.empty() || c.school.empty() || f.login.empty()) {
    return Fail(InvalidArgument("login needs --server, --school and --login"));
  }
  std::string password = f.password;
  if (password.empty()) {
    if (const char* p = std::getenv("EJOURNAL_PASSWORD")) password = p;
  }
  if (password.empty()) std::getline(std::cin, password);
  auto key = crypto::PrivateKey::Generate(crypto::KeyType::kEd25519);
  if (!key) return Fail(key.error());
  Session s;
  s.server = c.server;
  json req = {
      {"school_id", c.school},  {"login", f.login},
      {"password", password},   {"public_key", crypto::Base64Encode(key->public_key().raw())},
      {"algorithm", "ed25519"}, {"label", "ejournal CLI"}};
  auto answer = Exchange(c, s, "POST", "/api/v1/login", req.dump(), "application/json", "");
  if (!answer) return Fail(answer.error());
  json j = json::parse(*answer, nullptr, false);
  auto pem = key->ToPem();
  if (!pem) return Fail(pem.error());
  json profile = {{"server", c.server},
                  {"school_id", Str(j, "school_id")},
                  {"user_id", Str(j, "user_id")},
                  {"credential_id", Str(j, "credential_id")},
                  {"token", Str(j, "token")},
                  {"not_after_us", Str(j, "not_after_us")},
                  {"key_pem", *pem}};
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(c.profile).parent_path(), ec);
  Status st = crypto::WriteSecretFile(c.profile, profile.dump(2) + "\n", true);
  if (!st.ok()) return Fail(st);
  std::printf("Вход выполнен (%s); сеанс сохранён в %s\n", f.login.c_str(), c.profile.c_str());
  if (j.value("must_change_password", false)) {
    std::printf(
        "Пароль временный: смените его сейчас (ejournal passwd --password НОВЫЙ --profile ...) "
        "[R-SET-2]\n");
  }
  return 0;
}

int Logout(const Common& c) {
  auto s = Resolve(c, false, true);
  if (!s) return Fail(s.error());
  auto answer = Exchange(c, *s, "POST", "/api/v1/logout", "{}", "application/json", Bearer(*s));
  if (!answer) return Fail(answer.error());
  std::filesystem::remove(c.profile);
  std::printf("Выход выполнен: ключ сеанса отозван\n");
  return 0;
}

// The password travels beside the signed PasswordChanged event, never inside it.
int Passwd(const Common& c, const Flags& f) {
  auto s = Resolve(c, true, false);
  if (!s) return Fail(s.error());
  v1::EventBody b = NewBody(*s);
  const std::string user = f.user.empty() ? s->user_id : f.user;
  b.mutable_password_changed()->set_user_id(user);
  b.mutable_password_changed()->set_kind(user == s->user_id
                                             ? v1::PASSWORD_CHANGE_KIND_BY_USER
                                             : v1::PASSWORD_CHANGE_KIND_RESET_BY_ADMIN);
  auto bytes = SignEvent(b, *s->key);
  if (!bytes) return Fail(bytes.error());
  json req = {{"event", crypto::Base64Encode(*bytes)}, {"password", f.password}};
  auto answer = Exchange(c, *s, "POST", "/api/v1/passwords", req.dump(), "application/json", "");
  if (!answer) return Fail(answer.error());
  std::printf("Пароль задан\n");
  return 0;
}

int ServerBackup(const Common& c) {
  auto s = Resolve(c, false, true);
  if (!s) return Fail(s.error());
  auto answer =
      Exchange(c, *s, "POST", "/api/v1/admin/backup", "{}", "application/json", Bearer(*s));
  if (!answer) return Fail(answer.error());
  std::printf("%s\n", answer->c_str());
  return 0;
}

}  // namespace

void AddSessionCommands(Verbs& v) {
  auto c = v.c;
  auto f = v.f;
  auto* login = v.Add("login", "sign in to a server; keeps the session in the profile", Use::kPlain,
                      [c, f] { return Login(*c, *f); });
  login->add_option("--login", f->login, "the login");
  login->add_option("--password", f->password,
                    "the password (or EJOURNAL_PASSWORD, or one line on standard input)");
  v.Add("logout", "end the session: its key stops working at once", Use::kPlain,
        [c] { return Logout(*c); });
  auto* passwd = v.Add("passwd", "set a user's password (yours, or as the administrator)",
                       Use::kSigning, [c, f] { return Passwd(*c, *f); });
  passwd->add_option("--user", f->user, "whose password (default: yours)");
  passwd->add_option("--password", f->password, "the new password")->required();
}

void AddAdminCommands(Verbs& v) {
  auto c = v.c;
  v.Add("server-backup", "back up the server's ledger while it runs (administrator, director)",
        Use::kPlain, [c] { return ServerBackup(*c); });
}

std::function<int()> AddClientCommands(CLI::App& app) {
  Verbs v{app, std::make_shared<Common>(), std::make_shared<Flags>(), {}};
  v.c->profile = DefaultProfile();
  AddSessionCommands(v);
  AddJournalCommands(v);
  AddCorrectionCommands(v);
  AddControlCommands(v);
  AddCompromiseCommands(v);
  AddFinalMarkCommands(v);
  AddReadCommands(v);
  AddAdminCommands(v);
  AddSetupCommands(v);
  AddSchoolCommands(v);
  AddMessageCommands(v);
  return [commands = std::move(v.commands)] {
    for (const auto& [cmd, run] : commands) {
      if (*cmd) return run();
    }
    return -1;
  };
}

}  // namespace ejournal::client
