// The `ejournal` CLI as a client of a running `ejournald`: it signs
// every event type with readable flags and submits it over HTTP(S), reads every view as a readable
// table or as JSON (`--json`), and handles sign-in. Errors are the server's words, rule id
// included: "error: FailedPrecondition: the mark is past its window ... [R-MARK-3]".
//
// Who signs: a session made by `ejournal login` (a fresh Ed25519 key whose public half the server
// binds to the user with a node-signed SESSION credential; the profile file, mode 0600, keeps the
// key, the credential id and the read token), or a long-lived key an administrator issued (`--key
// FILE --credential ID --actor USER --school ID --server URL`, e.g. the demo's keys in
// DATA/demo/).
//
// Reads (diary, journal, history, corrections, report, entry) send the session's bearer token,
// or sign the request with the key (`Authorization: EJ-Signed ...`, api/signed_request.h): with
// `--signed-reads`, with a long-lived `--key` (it has no token), and by themselves when the
// server refuses the token with 401, as a read replica (`ejournald --replica`, which holds no
// sessions) does. So `ejournal diary --server REPLICA_URL ...` with the profile of a sign-in at the
// writer reads from the replica.
#ifndef EJOURNAL_TOOLS_CLIENT_H_
#define EJOURNAL_TOOLS_CLIENT_H_

#include <CLI/CLI.hpp>
#include <functional>

namespace ejournal::client {

// Adds the client subcommands (login, logout, passwd, mark, absence, lesson, homework, reason,
// correct, approve, reject, substitute, ack, report-compromise, act, term-mark, order-final, diary,
// journal, history, corrections, report, entry, server-backup) to `app`. After parsing, the
// returned function runs the chosen one and gives the exit status, or -1 if none of them was
// chosen.
std::function<int()> AddClientCommands(CLI::App& app);

}  // namespace ejournal::client

#endif  // EJOURNAL_TOOLS_CLIENT_H_
