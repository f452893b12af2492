// The three flows the school buys ejournal for end to end (docs/FLOWS.md), and the CLI client's own
// test (cli_client_test.cc): a real ejournald on 127.0.0.1 over the fixture's school
// (tests/api/api_fixture.h), driven by the real `ejournal` CLI binary, one profile (session) per
// person. The views are read back as JSON (the CLI's --json, i.e. the server's own
// answer) and reduced to small exact shapes (a page's grid of cells, a history's list of events)
// so that each step can assert the whole view before and after.
#ifndef EJOURNAL_TESTS_API_FLOW_FIXTURE_H_
#define EJOURNAL_TESTS_API_FLOW_FIXTURE_H_

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/api/api_fixture.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace ejournal::testing {

class FlowFixture : public ApiFixture {
 protected:
  using json = nlohmann::json;
  using Grid = std::map<std::string, std::string>;

  void SetUp() override {
    ApiFixture::SetUp();
    if (HasFatalFailure()) return;
    url_ = "http://127.0.0.1:" + std::to_string(server_->port());
  }

  // Runs the CLI with `args` and the profile (session) of `who`.
  ProcessResult Cli(const std::string& who, std::vector<std::string> args) {
    std::vector<std::string> argv = {EJOURNAL_CLI};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.push_back("--profile");
    argv.push_back(Profile(who));
    ProcessResult r = RunProcess(argv);
    // EJOURNAL_FLOW_TRANSCRIPT=FILE appends each command and its output (docs/FLOWS.md samples).
    if (const char* path = std::getenv("EJOURNAL_FLOW_TRANSCRIPT")) {
      std::ofstream t(path, std::ios::app);
      t << "# " << who << "\n$ ejournal";
      for (const auto& a : args)
        t << " " << (a.find(' ') == std::string::npos ? a : "\"" + a + "\"");
      t << "\n" << r.out << r.err << "\n";
    }
    return r;
  }
  std::string Profile(const std::string& who) { return profiles_.Sub(who + ".json"); }
  // Runs a CLI command that must succeed; returns its stdout.
  std::string Ok(const std::string& who, std::vector<std::string> args) {
    ProcessResult r = Cli(who, args);
    EXPECT_EQ(r.exit_code, 0) << who << " " << ::testing::PrintToString(args) << "\n" << r.err;
    return r.out;
  }
  // A read with --json, parsed.
  json Read(const std::string& who, std::vector<std::string> args) {
    args.push_back("--json");
    const std::string out = Ok(who, args);
    json j = json::parse(out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << out;
    return j;
  }
  // `ejournal login` into the profile of `who` as the login `login` (a person may sign in with
  // someone else's login: the compromise flow's attacker), whatever the outcome.
  ProcessResult CliLogin(const std::string& who, const std::string& login,
                         const std::string& password = kPassword) {
    return Cli(who, {"login", "--server", url_, "--school", kSchool, "--login", login, "--password",
                     password});
  }
  ProcessResult CliLogin(const std::string& who) { return CliLogin(who, who); }
  // The same, which must succeed.
  void SignIn(const std::string& who, const std::string& login,
              const std::string& password = kPassword) {
    ProcessResult r = CliLogin(who, login, password);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  void SignIn(const std::string& who) { SignIn(who, who); }
  // The credential of a profile's session.
  std::string CredentialOf(const std::string& who) {
    std::ifstream in(Profile(who));
    json p = json::parse(in, nullptr, false);
    return p.is_object() ? p.value("credential_id", "") : "";
  }
  // The server's backup (DIR/backups, `ejournal server-backup`) restored into `data` and verified
  // there with the node's public key, by the real CLI: `ledger verify`'s output ("" and a test
  // failure when either step fails).
  std::string RestoredBackupVerified(const std::string& data) {
    ProcessResult r = RunProcess(
        {EJOURNAL_CLI, "backup", "restore", "--from", dir_.path() + "/backups", "--data", data});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    if (r.exit_code != 0) return "";
    r = RunProcess({EJOURNAL_CLI, "ledger", "verify", "--data", data, "--node-key",
                    dir_.path() + "/node.pub"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.exit_code == 0 ? r.out : "";
  }
  // The ledger entry number a write printed ("Записано: запись №N (событие E)").
  static uint64_t EntryOf(const std::string& out) {
    const std::string mark = "Записано: запись №";
    const auto at = out.find(mark);
    if (at == std::string::npos) return 0;
    return std::stoull(out.substr(at + mark.size()));
  }
  // The event id a write printed.
  static std::string EventOf(const std::string& out) {
    const std::string mark = "(событие ";
    const auto at = out.find(mark);
    if (at == std::string::npos) return "";
    return out.substr(at + mark.size(), out.find(')', at) - at - mark.size());
  }

  // What a cell shows: the marks ("5", "5/4", with "*" when the value is an approved correction)
  // and the attendance letter, space-separated; "" for an empty cell.
  static std::string CellText(const json& cell) {
    std::string out;
    for (const auto& m : cell.value("marks", json::array())) {
      if (!out.empty()) out += " ";
      out += std::to_string(m.value("value", 0));
      if (m.value("second_value", 0) != 0) out += "/" + std::to_string(m.value("second_value", 0));
      if (m.value("corrected", false)) out += "*";
    }
    const std::string att = cell.value("attendance", "");
    if (!att.empty()) {
      out += std::string(out.empty() ? "" : " ") + (att == "ATTENDANCE_STATUS_ABSENT" ? "н"
                                                    : att == "ATTENDANCE_STATUS_LATE" ? "оп"
                                                                                      : att);
    }
    return out;
  }
  // A journal page as "lesson/student" -> cell text, non-empty cells only.
  static Grid PageGrid(const json& page) {
    Grid g;
    for (const auto& row : page.value("rows", json::array())) {
      for (const auto& cell : row.value("cells", json::array())) {
        const std::string t = CellText(cell);
        if (!t.empty()) g[cell.value("lesson_id", "") + "/" + row.value("student_id", "")] = t;
      }
    }
    return g;
  }
  // A diary week as "lesson" -> cell text, non-empty cells only.
  static Grid DiaryGrid(const json& week) {
    Grid g;
    for (const auto& day : week.value("days", json::array())) {
      for (const auto& dl : day.value("lessons", json::array())) {
        const std::string t = CellText(dl.value("cell", json::object()));
        if (!t.empty()) g[dl["lesson"].value("lesson_id", "")] = t;
      }
    }
    return g;
  }
  // Audit lines as "type by actor", with " INVALID(act)" when an Act struck it, " <- N" when it
  // fell because it rested on entry N, and " superseded" when a later value replaced it.
  static std::vector<std::string> AuditLines(const json& list) {
    std::vector<std::string> out;
    for (const auto& e : list.value("events", json::array())) {
      std::string line = e.value("type", "") + " by " + e.value("actor_id", "");
      if (e.value("invalid", false)) line += " INVALID(" + e.value("invalidated_by_act", "") + ")";
      if (e.contains("because_of")) line += " <- " + e["because_of"].get<std::string>();
      if (e.contains("superseded_by")) line += " superseded";
      out.push_back(line);
    }
    return out;
  }
  // The sequence numbers of an audit list.
  static std::vector<uint64_t> Sequences(const json& list) {
    std::vector<uint64_t> out;
    for (const auto& e : list.value("events", json::array())) {
      out.push_back(std::stoull(e.value("sequence", "0")));
    }
    return out;
  }
  static json BodyOf(const json& audit_line) {
    return json::parse(audit_line.value("body_json", "{}"), nullptr, false);
  }

  TempDir profiles_;
  std::string url_;
};

}  // namespace ejournal::testing

#endif  // EJOURNAL_TESTS_API_FLOW_FIXTURE_H_
