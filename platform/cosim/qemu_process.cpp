// QemuProcess: fork/exec, the console pipe, stopping by process id (see the header).
#include "platform/cosim/qemu_process.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace vtd::cosim {

QemuProcess::QemuProcess(const std::vector<std::string>& argv, const std::vector<int>& inherit, bool keep_stdin) {
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0)
    throw std::runtime_error(std::string("cannot create the console pipe: ") + std::strerror(errno));
  // Reported by the child when exec fails (the pipe closes on a successful exec).
  int status_pipe[2];
  if (pipe2(status_pipe, O_CLOEXEC) != 0) {
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    throw std::runtime_error(std::string("cannot create a pipe: ") + std::strerror(errno));
  }
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t parent = getpid();
  pid_ = fork();
  if (pid_ < 0) {
    const int e = errno;
    for (int fd : {pipe_fds[0], pipe_fds[1], status_pipe[0], status_pipe[1]}) ::close(fd);
    throw std::runtime_error(std::string("fork failed: ") + std::strerror(e));
  }
  if (pid_ == 0) {
    // QEMU must not outlive vtdsim (killed, crashed): its vCPU would wait on the sockets.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(1);  // vtdsim died before the line above took effect
    if (!keep_stdin) {
      const int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
      dup2(devnull, 0);
    }
    dup2(pipe_fds[1], 1);
    dup2(pipe_fds[1], 2);
    // Nothing else of ours (output files, other sockets) goes to QEMU but `inherit`.
    close_range(3, ~0u, CLOSE_RANGE_CLOEXEC);
    for (int fd : inherit) fcntl(fd, F_SETFD, 0);
    execvp(args[0], args.data());
    const int e = errno;
    (void)!write(status_pipe[1], &e, sizeof e);
    _exit(127);
  }
  ::close(pipe_fds[1]);
  ::close(status_pipe[1]);
  int child_errno = 0;
  ssize_t n;
  do n = read(status_pipe[0], &child_errno, sizeof child_errno);
  while (n < 0 && errno == EINTR);
  ::close(status_pipe[0]);
  console_fd_ = pipe_fds[0];
  fcntl(console_fd_, F_SETFL, O_NONBLOCK);
  if (n == sizeof child_errno) {
    while (waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
    exited_ = true;
    ::close(console_fd_);
    console_fd_ = -1;
    throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(child_errno));
  }
}

QemuProcess::~QemuProcess() {
  if (!exited_) stop(500);
  if (console_fd_ >= 0) ::close(console_fd_);
}

bool QemuProcess::poll() {
  if (exited_) return true;
  int status = 0;
  const pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r != pid_) return false;
  exited_ = true;
  exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return true;
}

void QemuProcess::stop(int grace_ms) {
  if (poll()) return;
  kill(pid_, SIGTERM);
  for (int waited = 0; waited < grace_ms; waited += 10) {
    if (poll()) return;
    const timespec ts{0, 10'000'000};
    nanosleep(&ts, nullptr);
  }
  kill(pid_, SIGKILL);
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  exited_ = true;
  exit_code_ = 128 + SIGKILL;
}

}  // namespace vtd::cosim
