// Runs a program (the real `ejournal` binary in the CLI tests) and collects what it printed.
#ifndef EJOURNAL_TESTS_SUPPORT_SUBPROCESS_H_
#define EJOURNAL_TESTS_SUPPORT_SUBPROCESS_H_

#include <string>
#include <vector>

namespace ejournal::testing {

struct ProcessResult {
  // The exit status; 128 + the signal number if a signal ended it; -1 if it could not be started.
  int exit_code = -1;
  std::string out;  // everything written to stdout
  std::string err;  // everything written to stderr (or why it could not be started)
};

// Runs argv[0] (a path, not searched in PATH) with `argv`, stdin from /dev/null, and waits for it.
// Output goes through temporary files, so a chatty program can never block on a full pipe.
ProcessResult RunProcess(const std::vector<std::string>& argv);

}  // namespace ejournal::testing

#endif  // EJOURNAL_TESTS_SUPPORT_SUBPROCESS_H_
