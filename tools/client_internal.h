// The parts of the `ejournal` client (tools/client.h) its files share: the options every verb
// takes, the signing session, one HTTP exchange, the argument parsers, and the registration of
// each verb family. Internal to the `ejournal` binary.
#ifndef EJOURNAL_TOOLS_CLIENT_INTERNAL_H_
#define EJOURNAL_TOOLS_CLIENT_INTERNAL_H_

#include <CLI/CLI.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ejournal/v1/event.pb.h"
#include "ejournal/v1/setup.pb.h"
#include "ledger/crypto.h"
#include "schemas/status.h"

namespace ejournal::client {

// Everything the client commands share.
struct Common {
  std::string profile;
  std::string server, key_file, credential, actor, school, ca_file;
  std::string zone = "Europe/Moscow";
  bool json = false;
  // Reads: sign every one with the key (EJ-Signed) instead of sending the bearer token.
  bool signed_reads = false;
};

// The verbs' own flags. One set serves every verb (only the chosen one is parsed), so a field
// may carry a different flag in different verbs (e.g. `cls` is --class or --year).
struct Flags {
  std::string login, password, user, lesson, student,
      work = "answer", date, topic, kind = "regular", order, text, students, reason, lessons,
      request, id, absent, substitute, week, credentials, from, number, commission, report, subject,
      status, cls, subgroup, as_of, mode, mark_id, period_kind = "term", order_period = "final",
      discovered, reported, reported_to, reenters, attach, sha256, out, email, mail_kinds, digest,
      quiet, question;
  int value = 0, second = 0, late = -1, term = 1;
  uint64_t sequence = 0;
  bool dry_run = false, late_entry = false;
  std::vector<std::string> params;
  std::vector<std::string> options;  // a survey's answer options
};

// What a command does with the session: only sends it (logout), signs events, or reads.
enum class Use { kPlain, kSigning, kReading };

// The client verbs being added to the app, with the options and flags they bind. The options
// live as long as the runner AddClientCommands returns (it holds `c` and `f`).
struct Verbs {
  CLI::App& app;
  std::shared_ptr<Common> c;
  std::shared_ptr<Flags> f;
  std::vector<std::pair<CLI::App*, std::function<int()>>> commands;

  // Adds the subcommand `name` with the common options `use` calls for; `run` runs it when chosen.
  CLI::App* Add(const char* name, const char* help, Use use, std::function<int()> run);
};

// One family of verbs each, added in this order (the order of `ejournal --help`).
void AddSessionCommands(Verbs& v);     // login, logout, passwd
void AddJournalCommands(Verbs& v);     // mark, absence, lesson, homework, reason
void AddCorrectionCommands(Verbs& v);  // correct, approve, reject
void AddControlCommands(Verbs& v);     // substitute, ack
void AddCompromiseCommands(Verbs& v);  // report-compromise, act
void AddFinalMarkCommands(Verbs& v);   // term-mark, order-final
void AddReadCommands(Verbs& v);        // diary, journal, history, corrections, report, entry
void AddAdminCommands(Verbs& v);       // server-backup
void AddSetupCommands(Verbs& v);       // lessons generate, import, record, export
void AddSchoolCommands(Verbs& v);      // users, subjects, classes, students, guardians, load, ...
void AddMessageCommands(Verbs& v);     // message send/reply/erase, inbox, announce, notifications,
                                       // survey

// ---- shared by the verbs (client_support.cc) ----

// Prints "error: ..." and gives the exit status 1.
int Fail(const Status& s);

// A new random UUID-shaped id.
std::string NewId();

// "a,b,c" as its non-empty items.
std::vector<std::string> Split(const std::string& list);

// $EJOURNAL_PROFILE, or ~/.ejournal/session.json.
std::string DefaultProfile();

// Who signs and where to: the profile, or a long-lived key given by flags.
struct Session {
  std::string server, school_id, user_id, credential_id, token;
  std::optional<crypto::PrivateKey> key;
};

// The session from the profile and the flags; fails without a signing key (`need_key`) or a
// bearer token (`need_token`).
Result<Session> Resolve(const Common& c, bool need_key, bool need_token);

// The session of a read: a bearer token or a key that signs, and the school for the paths.
Result<Session> ResolveReader(const Common& c);

// "Bearer TOKEN", or "" without a token.
std::string Bearer(const Session& s);

// One HTTP exchange; a non-2xx answer becomes the server's Status. `authorization`: the
// Authorization header's value ("": none). `path` is sent as it is.
Result<std::string> Exchange(const Common& c, const Session& s, const std::string& method,
                             const std::string& path, const std::string& body,
                             const std::string& content_type, const std::string& authorization);

// A read, with the bearer token or signed by the session's key (see client_support.cc).
Result<nlohmann::json> GetJson(const Common& c, const Session& s, const std::string& path);

// A day as "YYYY-MM-DD", or today in the zone.
Result<v1::Date> DateArg(const std::string& text, const std::string& zone_name);

// "YYYY-MM-DD".
std::string DayText(const v1::Date& d);

// "YYYY-MM-DD HH:MM" in the zone, as µs since the epoch.
Result<int64_t> MomentArg(const std::string& text, const std::string& zone_name);
// An instant (µs) in the school's zone as "06.10.2025 09:00" (UTC when the zone is unknown).
std::string MomentText(int64_t unix_us, const std::string& zone_name);

// A --work name ("answer", "control", ...) as its work type.
Result<v1::WorkType> WorkArg(const std::string& name);

// The envelope of a new event by the session's user.
v1::EventBody NewBody(const Session& s);

// Signs and submits; prints the sequence (or the server's JSON).
int Submit(const Common& c, const Session& s, const v1::EventBody& body);

// Signs the bodies of `p` (payload and business date set) with the session's key and submits
// them in order, in batches; prints how many were recorded and every refusal. 0 when all were.
int RecordBodies(const Common& c, const Session& s, const v1::ProposedEvents& p);

// `text` cut or padded with spaces to `width` characters (UTF-8 aware: a Cyrillic letter is one
// character of two bytes, so printf's byte widths would misalign names).
std::string Column(std::string_view text, size_t width);

// The value of `key` in an object as text ("" if absent).
std::string Str(const nlohmann::json& j, const char* key);

}  // namespace ejournal::client

#endif  // EJOURNAL_TOOLS_CLIENT_INTERNAL_H_
