#include "tests/support/background_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

extern char** environ;

namespace ejournal::testing {

std::unique_ptr<BackgroundProcess> BackgroundProcess::Start(const std::vector<std::string>& argv,
                                                            const std::string& ready_prefix,
                                                            const std::string& log_file,
                                                            std::string* ready_line,
                                                            std::string* error) {
  auto p = std::unique_ptr<BackgroundProcess>(new BackgroundProcess());
  int out[2];
  if (::pipe(out) != 0) {
    *error = "pipe failed";
    return nullptr;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, out[0]);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, log_file.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0600);
  std::vector<std::string> args_copy = argv;
  std::vector<char*> args;
  for (auto& a : args_copy) args.push_back(a.data());
  args.push_back(nullptr);
  const int rc = posix_spawn(&p->pid_, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);
  if (rc != 0) {
    ::close(out[0]);
    p->pid_ = -1;
    *error = "posix_spawn " + argv[0] + " failed";
    return nullptr;
  }
  p->out_ = out[0];
  for (;;) {
    std::string line;
    char c;
    bool eof = true;
    while (::read(p->out_, &c, 1) == 1) {
      eof = false;
      if (c == '\n') break;
      line.push_back(c);
    }
    if (eof && line.empty()) {
      std::ifstream in(log_file);
      std::stringstream s;
      s << in.rdbuf();
      *error = argv[0] + " exited before it was ready:\n" + s.str();
      return nullptr;
    }
    if (line.starts_with(ready_prefix)) {
      *ready_line = line;
      return p;
    }
  }
}

BackgroundProcess::~BackgroundProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  if (out_ >= 0) ::close(out_);
}

int BackgroundProcess::Stop(int sig) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, sig);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace ejournal::testing
