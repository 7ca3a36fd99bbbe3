// `vtdsim serve`: QEMU's command line in, QEMU's qtest and QMP protocols on the wire, the
// ServeMachine behind them. One thread: ppoll() waits for the qtest connection and the QMP
// sockets; each complete qtest line is handled, then (unless -accel qtest) the machine
// settles, so device timers fire between commands deterministically, whatever the socket
// chunking. The run ends when the qtest connection closes, on QMP quit, or on SIGTERM/
// SIGINT, also while waiting for a client or for one that stopped reading its replies; the
// socket files of listening chardevs are removed however the run ends. Errors in the command
// line exit 2 naming the option; protocol errors are replies, never an exit.
// Not modelled: several clients on one chardev at a time (the next one waits in the listen
// queue, as with QEMU's socket chardev), chardev reconnect=, TCP sockets.
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>

#include "model/common/stat_registry.h"
#include "platform/app/cli.h"
#include "platform/run_output.h"
#include "platform/serve/iommu_profile.h"
#include "platform/serve/protocol/qmp_session.h"
#include "platform/serve/protocol/qtest_session.h"
#include "platform/serve/serve_machine.h"

namespace vtd::app {

namespace {

volatile sig_atomic_t g_stop = 0;
void onStopSignal(int) {
  g_stop = 1;
}

// SIGTERM and SIGINT stay blocked except inside ppoll(), so one that arrives while a command
// runs is taken by the next wait instead of being lost between a check of g_stop and a wait
// that would then block for good. Every wait of the command goes through wait().
class StopSignals {
 public:
  StopSignals() {
    struct sigaction stop {};
    stop.sa_handler = onStopSignal;  // no SA_RESTART
    sigaction(SIGTERM, &stop, &old_term_);
    sigaction(SIGINT, &stop, &old_int_);
    old_pipe_ = signal(SIGPIPE, SIG_IGN);  // a vanished client is a failed write, not an exit
    sigset_t stops;
    sigemptyset(&stops);
    sigaddset(&stops, SIGTERM);
    sigaddset(&stops, SIGINT);
    sigprocmask(SIG_BLOCK, &stops, &old_mask_);
    wait_mask_ = old_mask_;
    sigdelset(&wait_mask_, SIGTERM);
    sigdelset(&wait_mask_, SIGINT);
  }
  ~StopSignals() {
    sigprocmask(SIG_SETMASK, &old_mask_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
    sigaction(SIGINT, &old_int_, nullptr);
    signal(SIGPIPE, old_pipe_);
  }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  // Waits until one of `fds` is ready; false once a stop signal has arrived.
  bool wait(std::vector<pollfd>& fds) const {
    while (!g_stop) {
      if (ppoll(fds.data(), fds.size(), nullptr, &wait_mask_) >= 0) return true;
      if (errno != EINTR)
        throw std::runtime_error(std::string("poll failed: ") + std::strerror(errno));
    }
    return false;
  }

 private:
  struct sigaction old_term_ {
  }, old_int_{};
  void (*old_pipe_)(int) = SIG_DFL;
  sigset_t old_mask_{}, wait_mask_{};
};

sockaddr_un unixAddress(const std::string& path) {
  sockaddr_un addr{};
  if (path.size() >= sizeof addr.sun_path) throw CliError("socket path too long: " + path);
  addr.sun_family = AF_UNIX;
  std::strcpy(addr.sun_path, path.c_str());
  return addr;
}

int connectUnix(const std::string& path) {
  const sockaddr_un addr = unixAddress(path);
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    const std::string why = std::strerror(errno);
    if (fd >= 0) close(fd);
    throw CliError("Failed to connect to '" + path + "': " + why);
  }
  return fd;
}

// A listening chardev socket. Its file is removed when the listener goes, however serve ends.
struct Listener {
  int fd = -1;
  std::string path;  // set once bind() has created the file

  Listener() = default;
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;
  ~Listener() {
    if (fd >= 0) close(fd);
    if (!path.empty()) unlink(path.c_str());
  }

  void listenOn(const std::string& socket_path) {
    const sockaddr_un addr = unixAddress(socket_path);
    // A socket file left by an earlier run would make bind fail and is replaced, as QEMU does;
    // anything else at the path is the user's and stays.
    struct stat st {};
    if (lstat(socket_path.c_str(), &st) == 0) {
      if (!S_ISSOCK(st.st_mode))
        throw CliError("Failed to listen on '" + socket_path +
                       "': the path exists and is not a socket");
      unlink(socket_path.c_str());
    }
    // Non-blocking, so that accepting a client that has already gone away cannot block.
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd >= 0 && bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0)
      path = socket_path;
    if (fd < 0 || path.empty() || ::listen(fd, 1) != 0)
      throw CliError("Failed to listen on '" + socket_path + "': " + std::strerror(errno));
  }

  // A client, or -1 when none is waiting; with `block`, waits for one (-1: a stop signal).
  int accept(const StopSignals& signals, bool block) const {
    for (;;) {
      const int client = accept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (client >= 0) return client;
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR && errno != ECONNABORTED)
        throw CliError("accept on '" + path + "' failed: " + std::strerror(errno));
      if (!block) return -1;
      std::vector<pollfd> fds{{fd, POLLIN, 0}};
      if (!signals.wait(fds)) return -1;
    }
  }
};

// Writes everything in pieces of at most PIPE_BUF bytes, each once poll() says the peer can
// take it, so that a client which stops reading its replies holds the server only until a
// stop signal. False when the peer is gone or a stop signal arrived.
bool writeAll(int fd, const std::string& text, const StopSignals& signals) {
  size_t done = 0;
  while (done < text.size()) {
    std::vector<pollfd> fds{{fd, POLLOUT, 0}};
    if (!signals.wait(fds) || (fds[0].revents & (POLLERR | POLLNVAL))) return false;
    const ssize_t n = write(fd, text.data() + done, std::min<size_t>(text.size() - done, PIPE_BUF));
    if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) continue;
    if (n <= 0) return false;
    done += size_t(n);
  }
  return true;
}

struct Connection {
  int in = -1, out = -1;
  bool open() const { return in >= 0; }
  void shut() {
    if (in > 2) close(in);
    if (out > 2 && out != in) close(out);
    in = out = -1;
  }
};

Connection openChardev(const serve::ChardevSpec& spec, Listener& listener,
                       const StopSignals& signals) {
  Connection c;
  switch (spec.kind) {
    case serve::ChardevSpec::Kind::None:
      break;
    case serve::ChardevSpec::Kind::Stdio:
      c.in = 0, c.out = 1;
      break;
    case serve::ChardevSpec::Kind::UnixClient:
      c.in = c.out = connectUnix(spec.path);
      break;
    case serve::ChardevSpec::Kind::UnixServer:
      listener.listenOn(spec.path);
      if (spec.wait) c.in = c.out = listener.accept(signals, true);  // -1 after a stop signal
      break;
  }
  return c;
}

platform::SimConfig buildConfig(const serve::ServeOptions& o, ParamRegistry& registry) {
  platform::SimConfig config;
  std::string error;
  if (!serve::applyIommuProfile(o, config.unit.unit, error)) throw CliError(error);
  config.memory.size_mib = std::max<uint64_t>(16, o.ram_bytes >> 20);
  CommonOptions common;
  if (o.config_files.size() > 1) throw CliError("serve takes one --config file");
  if (!o.config_files.empty()) common.config_file = o.config_files[0];
  common.sets = o.overrides;
  common.check_scenario = false;
  loadConfig(common, config, registry);  // --config/--set go on top of the profile
  // --set memory.size_mib may have moved RAM into the PCI hole -m refuses.
  if (config.memory.size_mib > serve::kMaxRamBytes >> 20)
    throw CliError("serve: memory.size_mib " + std::to_string(config.memory.size_mib) + ": " +
                   serve::ramLimitText());
  return config;
}

// The connections, the sessions on them and the loop that serves them.
class ServeLoop {
 public:
  ServeLoop(const serve::ServeOptions& options, platform::ServeMachine& machine, std::ostream* log)
      : options_(options),
        machine_(machine),
        qtest_(machine, log),
        qmp_(std::make_unique<serve::QmpSession>(machine)) {}
  ~ServeLoop() {
    qtest_conn_.shut();
    qmp_conn_.shut();
  }

  void run() {
    qmp_conn_ = openChardev(options_.qmp, qmp_listener_, signals_);
    if (qmp_conn_.open() && !writeAll(qmp_conn_.out, qmp_->greeting(), signals_)) qmp_conn_.shut();
    qtest_conn_ = openChardev(options_.qtest, qtest_listener_, signals_);
    if (qtest_conn_.open()) qtest_.connectionOpened();
    const bool driven_by_qtest = options_.qtest.kind != serve::ChardevSpec::Kind::None;
    while (!g_stop && !machine_.quitRequested()) {
      // The qtest client drives the run: when it hangs up, the run is over (a listener, if
      // any, waits for the next client instead).
      if (driven_by_qtest && !qtest_conn_.open() && qtest_listener_.fd < 0) break;
      if (!driven_by_qtest && !qmp_conn_.open() && qmp_listener_.fd < 0) break;
      std::vector<pollfd> fds;
      const auto watch = [&](int fd) {
        if (fd >= 0) fds.push_back({fd, POLLIN, 0});
      };
      watch(qtest_conn_.in);
      watch(qtest_conn_.open() ? -1 : qtest_listener_.fd);
      watch(qmp_conn_.in);
      watch(qmp_conn_.open() ? -1 : qmp_listener_.fd);
      if (!signals_.wait(fds)) break;
      for (const pollfd& p : fds) {
        if (p.revents == 0 || g_stop || machine_.quitRequested()) continue;
        if (p.fd == qtest_listener_.fd)
          acceptQtest();
        else if (p.fd == qmp_listener_.fd)
          acceptQmp();
        else if (p.fd == qtest_conn_.in)
          readQtest();
        else if (p.fd == qmp_conn_.in)
          readQmp();
      }
    }
  }

 private:
  void acceptQtest() {
    const int fd = qtest_listener_.accept(signals_, false);
    if (fd < 0) return;
    qtest_conn_.in = qtest_conn_.out = fd;
    qtest_.connectionOpened();  // a new client starts with no partial line
  }
  void acceptQmp() {
    const int fd = qmp_listener_.accept(signals_, false);
    if (fd < 0) return;
    qmp_conn_.in = qmp_conn_.out = fd;
    qmp_ = std::make_unique<serve::QmpSession>(machine_);  // a new client negotiates afresh
    if (!writeAll(fd, qmp_->greeting(), signals_)) qmp_conn_.shut();
  }
  void closeQtest() {
    qtest_.connectionClosed();
    qtest_conn_.shut();
  }

  // Every complete line is run, the machine settles, and its reply goes out before the next
  // line runs; a partial line waits in the session (bounded there) until its end arrives.
  void readQtest() {
    const ssize_t n = read(qtest_conn_.in, buffer_, sizeof buffer_);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
    if (n <= 0) return closeQtest();
    for (size_t start = 0; start < size_t(n) && qtest_conn_.open();) {
      const void* newline = std::memchr(buffer_ + start, '\n', size_t(n) - start);
      const size_t end =
          newline ? size_t(static_cast<const char*>(newline) - buffer_) + 1 : size_t(n);
      const std::string reply = qtest_.feed(buffer_ + start, end - start);
      start = end;
      if (!newline) break;
      if (options_.warpWhenIdle())
        machine_.settle();
      else
        machine_.runDeltas();
      if (!writeAll(qtest_conn_.out, reply, signals_)) closeQtest();
      if (g_stop || machine_.quitRequested()) break;
    }
  }

  void readQmp() {
    const ssize_t n = read(qmp_conn_.in, buffer_, sizeof buffer_);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
    if (n <= 0 || !writeAll(qmp_conn_.out, qmp_->feed(buffer_, size_t(n)), signals_))
      qmp_conn_.shut();
  }

  const serve::ServeOptions& options_;
  platform::ServeMachine& machine_;
  StopSignals signals_;
  serve::QtestSession qtest_;
  std::unique_ptr<serve::QmpSession> qmp_;
  Listener qtest_listener_, qmp_listener_;
  Connection qtest_conn_, qmp_conn_;
  char buffer_[65536];
};

}  // namespace

int serveCommand(int argc, char** argv, int first) {
  std::vector<std::string> args(argv + first, argv + argc);
  serve::ServeOptions options;
  std::string out_dir;
  for (size_t i = 0; i + 1 < args.size(); ++i)
    if (args[i] == "--out") {
      out_dir = args[i + 1];
      args.erase(args.begin() + long(i), args.begin() + long(i) + 2);
      break;
    }
  std::string error;
  if (!serve::parseServeOptions(args, options, error)) throw CliError("serve: " + error);
  ParamRegistry registry;
  const platform::SimConfig config = buildConfig(options, registry);

  // As QEMU: no -qtest-log logs to stderr, "-qtest-log none" logs nothing, and a log file
  // starts afresh with every run (QEMU opens it "w+").
  std::unique_ptr<std::ofstream> log;
  std::ostream* log_stream = &std::cerr;
  if (options.qtest_log == "none") {
    log_stream = nullptr;
  } else if (!options.qtest_log.empty()) {
    log = std::make_unique<std::ofstream>(options.qtest_log, std::ios::trunc);
    if (!*log) throw CliError("cannot open qtest log '" + options.qtest_log + "'");
    log_stream = log.get();
  }

  platform::ServeMachine machine("machine", config, options);
  sc_core::sc_start(sc_core::SC_ZERO_TIME);  // elaboration and the first delta cycle
  {
    ServeLoop loop(options, machine, log_stream);
    loop.run();
  }  // connections closed, socket files removed, signal handling restored

  if (!out_dir.empty()) {
    StatRegistry stats;
    machine.describeStats(stats);
    nlohmann::json meta;
    meta["tool"] = "vtdsim";
    meta["command"] = "serve";
    meta["simulated_ns"] = sc_core::sc_time_stamp().to_seconds() * 1e9;
    platform::writeRunOutputs(out_dir, meta, registry.toJson(), stats);
  }
  return 0;
}

}  // namespace vtd::app
