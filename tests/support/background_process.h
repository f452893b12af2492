// A process a test starts and stops: a server on loopback (an SMTP server, ejournald). Its stdout
// is read line by line until the line the caller waits for (the port it bound); its stderr goes
// to a log file. The destructor kills it (SIGKILL) if it still runs.
#ifndef EJOURNAL_TESTS_SUPPORT_BACKGROUND_PROCESS_H_
#define EJOURNAL_TESTS_SUPPORT_BACKGROUND_PROCESS_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

namespace ejournal::testing {

class BackgroundProcess {
 public:
  // Starts argv[0] (a path) and reads its stdout until a line starting with `ready_prefix`
  // (returned in *ready_line). Null, with the log in *error, if it could not start or exited
  // first.
  static std::unique_ptr<BackgroundProcess> Start(const std::vector<std::string>& argv,
                                                  const std::string& ready_prefix,
                                                  const std::string& log_file,
                                                  std::string* ready_line, std::string* error);
  ~BackgroundProcess();
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;

  // Sends `sig` and waits: the exit code, or 128 + the signal.
  int Stop(int sig);

 private:
  BackgroundProcess() = default;
  pid_t pid_ = -1;
  int out_ = -1;
};

}  // namespace ejournal::testing

#endif  // EJOURNAL_TESTS_SUPPORT_BACKGROUND_PROCESS_H_
