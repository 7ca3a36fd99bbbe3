// QemuProcess: one qemu-system-x86_64 started by `vtdsim cosim`, with the device ends of
// the x-pci-proxy-dev socket pairs inherited (QEMU names them with fd=N) and its console
// (stdout and stderr) on a pipe this process reads. Stopped by its own process id only.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace vtd::cosim {

class QemuProcess {
 public:
  // Forks and execs `argv` (argv[0] found on PATH); `inherit` are descriptors the child
  // keeps open under their numbers (every other descriptor above 2 is closed at exec).
  // Throws std::runtime_error naming the program when it cannot be started.
  // With `keep_stdin` the child reads our standard input (an interactive guest console);
  // otherwise /dev/null.
  QemuProcess(const std::vector<std::string>& argv, const std::vector<int>& inherit, bool keep_stdin = false);
  ~QemuProcess();  // kills the child if it still runs
  QemuProcess(const QemuProcess&) = delete;
  QemuProcess& operator=(const QemuProcess&) = delete;

  pid_t pid() const { return pid_; }
  int consoleFd() const { return console_fd_; }  // non-blocking read end
  // Non-blocking: true once the child has exited (its status is kept).
  bool poll();
  bool exited() const { return exited_; }
  // Exit code, or 128 + signal number when a signal ended it.
  int exitCode() const { return exit_code_; }
  // SIGTERM, then SIGKILL when it has not gone after `grace_ms`; waits for it.
  void stop(int grace_ms = 2000);

 private:
  pid_t pid_ = -1;
  int console_fd_ = -1;
  bool exited_ = false;
  int exit_code_ = 0;
};

}  // namespace vtd::cosim
