// `vtdsim serve`: QEMU's command line in, QEMU's qtest and QMP protocols on the wire, the
// ServeMachine behind them. One thread: poll() waits for the qtest connection and the QMP
// sockets; each complete qtest line is handled, then (unless -accel qtest) the machine
// settles, so device timers fire between commands deterministically, whatever the socket
// chunking. The run ends when the qtest connection closes, on QMP quit, or on SIGTERM/
// SIGINT; the QMP socket file is removed. Errors in the command line exit 2 naming the
// option; protocol errors are replies, never an exit.
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
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
void onStopSignal(int) { g_stop = 1; }

int connectUnix(const std::string& path) {
  sockaddr_un addr{};
  if (path.size() >= sizeof addr.sun_path) throw CliError("socket path too long: " + path);
  addr.sun_family = AF_UNIX;
  std::strcpy(addr.sun_path, path.c_str());
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    const std::string why = std::strerror(errno);
    if (fd >= 0) close(fd);
    throw CliError("Failed to connect to '" + path + "': " + why);
  }
  return fd;
}

int listenUnix(const std::string& path) {
  sockaddr_un addr{};
  if (path.size() >= sizeof addr.sun_path) throw CliError("socket path too long: " + path);
  addr.sun_family = AF_UNIX;
  std::strcpy(addr.sun_path, path.c_str());
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  unlink(path.c_str());  // a stale socket file from an earlier run would make bind fail
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(fd, 1) != 0) {
    const std::string why = std::strerror(errno);
    if (fd >= 0) close(fd);
    throw CliError("Failed to listen on '" + path + "': " + why);
  }
  return fd;
}

// Writes everything, retrying after signals; false when the peer is gone.
bool writeAll(int fd, const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
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

Connection openChardev(const serve::ChardevSpec& spec, int& listener) {
  Connection c;
  switch (spec.kind) {
    case serve::ChardevSpec::Kind::None: break;
    case serve::ChardevSpec::Kind::Stdio: c.in = 0, c.out = 1; break;
    case serve::ChardevSpec::Kind::UnixClient: c.in = c.out = connectUnix(spec.path); break;
    case serve::ChardevSpec::Kind::UnixServer:
      listener = listenUnix(spec.path);
      if (spec.wait) {
        c.in = c.out = accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
        if (c.in < 0) throw CliError("accept on '" + spec.path + "' failed: " + std::strerror(errno));
      }
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
  return config;
}

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

  // As QEMU: no -qtest-log logs to stderr, "-qtest-log none" logs nothing.
  std::unique_ptr<std::ofstream> log;
  std::ostream* log_stream = &std::cerr;
  if (options.qtest_log == "none") {
    log_stream = nullptr;
  } else if (!options.qtest_log.empty()) {
    log = std::make_unique<std::ofstream>(options.qtest_log, std::ios::app);
    if (!*log) throw CliError("cannot open qtest log '" + options.qtest_log + "'");
    log_stream = log.get();
  }

  platform::ServeMachine machine("machine", config, options);
  serve::QtestSession qtest(machine, log_stream);
  auto qmp = std::make_unique<serve::QmpSession>(machine);

  signal(SIGPIPE, SIG_IGN);
  struct sigaction stop {};
  stop.sa_handler = onStopSignal;  // no SA_RESTART: poll() returns with EINTR
  sigaction(SIGTERM, &stop, nullptr);
  sigaction(SIGINT, &stop, nullptr);

  sc_core::sc_start(sc_core::SC_ZERO_TIME);  // elaboration and the first delta cycle
  int qtest_listener = -1, qmp_listener = -1;
  Connection qmp_conn = openChardev(options.qmp, qmp_listener);
  if (qmp_conn.open()) writeAll(qmp_conn.out, qmp->greeting());
  Connection qtest_conn = openChardev(options.qtest, qtest_listener);
  if (qtest_conn.open()) qtest.connectionOpened();
  const bool driven_by_qtest = options.qtest.kind != serve::ChardevSpec::Kind::None;

  std::string qtest_pending;  // bytes after the last complete line
  char buffer[65536];
  while (!g_stop && !machine.quitRequested()) {
    std::vector<pollfd> fds;
    auto watch = [&](int fd) {
      if (fd >= 0) fds.push_back({fd, POLLIN, 0});
    };
    watch(qtest_conn.in);
    watch(qtest_conn.open() ? -1 : qtest_listener);
    watch(qmp_conn.in);
    watch(qmp_conn.open() ? -1 : qmp_listener);
    if (poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(std::string("poll failed: ") + std::strerror(errno));
    }
    for (const pollfd& p : fds) {
      if (!p.revents) continue;
      if (p.fd == qtest_listener || p.fd == qmp_listener) {
        const int fd = accept4(p.fd, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) continue;
        if (p.fd == qmp_listener) {
          qmp_conn.in = qmp_conn.out = fd;
          qmp = std::make_unique<serve::QmpSession>(machine);  // a new client negotiates afresh
          writeAll(fd, qmp->greeting());
        } else {
          qtest_conn.in = qtest_conn.out = fd;
          qtest.connectionOpened();
        }
      } else if (p.fd == qtest_conn.in) {
        const ssize_t n = read(p.fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
          qtest.connectionClosed();
          qtest_conn.shut();
          continue;
        }
        qtest_pending.append(buffer, size_t(n));
        size_t start = 0, newline;
        while ((newline = qtest_pending.find('\n', start)) != std::string::npos) {
          const std::string reply = qtest.feed(qtest_pending.data() + start, newline + 1 - start);
          start = newline + 1;
          if (options.warpWhenIdle())
            machine.settle();
          else
            machine.runDeltas();
          if (!writeAll(qtest_conn.out, reply)) qtest_conn.shut();
          if (!qtest_conn.open()) break;
        }
        qtest_pending.erase(0, start);
        if (qtest_pending.size() > (1u << 26)) {  // a line longer than 64 MiB: hand it over now
          writeAll(qtest_conn.out, qtest.feed(qtest_pending.data(), qtest_pending.size()));
          qtest_pending.clear();
        }
      } else if (p.fd == qmp_conn.in) {
        const ssize_t n = read(p.fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0 || !writeAll(qmp_conn.out, qmp->feed(buffer, size_t(n)))) qmp_conn.shut();
      }
    }
    // The qtest client drives the run: when it hangs up, the run is over (a listener, if
    // any, waits for the next client instead).
    if (driven_by_qtest && !qtest_conn.open() && qtest_listener < 0) break;
    if (!driven_by_qtest && !qmp_conn.open() && qmp_listener < 0) break;
  }
  qtest_conn.shut();
  qmp_conn.shut();
  for (const auto* spec : {&options.qmp, &options.qtest})
    if (spec->kind == serve::ChardevSpec::Kind::UnixServer) unlink(spec->path.c_str());

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
