// CosimSession: the serving loop (see the header).
#include "platform/cosim/cosim_session.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iomanip>
#include <sstream>
#include <stdexcept>

namespace vtd::cosim {

CosimSession::CosimSession(std::vector<ProxySlot> slots, GuestRam* ram) : ram_(ram) {
  for (ProxySlot& s : slots) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
      throw std::runtime_error(std::string("socketpair failed: ") + std::strerror(errno));
    links_.push_back({s, std::make_unique<MpqemuLink>(sv[0], s.id), sv[1]});
  }
}

std::vector<std::string> CosimSession::qemuDeviceArgs() const {
  std::vector<std::string> args;
  for (const Link& l : links_) {
    std::ostringstream o;
    o << "x-pci-proxy-dev,id=" << l.slot.id << ",fd=" << l.qemu_end << ",addr=" << std::hex
      << (l.slot.devfn >> 3) << "." << (l.slot.devfn & 7);
    args.push_back("-device");
    args.push_back(o.str());
  }
  return args;
}

std::vector<int> CosimSession::qemuFds() const {
  std::vector<int> fds;
  for (const Link& l : links_) fds.push_back(l.qemu_end);
  return fds;
}

void CosimSession::closeQemuEnds() {
  for (Link& l : links_) {
    if (l.qemu_end >= 0) ::close(l.qemu_end);
    l.qemu_end = -1;
  }
}

// BAR0 as the firmware or the guest programmed it (memory BAR: the low 4 bits are flags).
uint64_t CosimSession::barBase(ProxyFunction& f) { return f.configRead(0x10, 4) & ~0xFull; }

void CosimSession::handle(Link& l) {
  MpqemuMessage m;
  if (!l.link->receive(m)) {
    l.link->close();
    return;
  }
  ProxyFunction& f = *l.slot.function;
  uint64_t answer = 0;
  switch (m.command) {
    case MpqemuCommand::SyncSysmem:
      ++counts_.sysmem_syncs;
      if (ram_ && ram_->sync(m.regions) && onRamMapped) onRamMapped();
      if (!ram_)
        for (const auto& r : m.regions) ::close(r.fd);
      break;
    case MpqemuCommand::PciConfigRead:
      ++counts_.config_accesses;
      answer = f.configRead(m.config_offset, unsigned(m.config_length));
      break;
    case MpqemuCommand::PciConfigWrite:
      ++counts_.config_accesses;
      f.configWrite(m.config_offset, unsigned(m.config_length), m.config_value);
      break;
    case MpqemuCommand::BarRead:
    case MpqemuCommand::BarWrite: {
      const auto t0 = Clock::now();
      const uint64_t base = barBase(f), size = f.barSize();
      const uint64_t offset = m.bar_address - base;
      if (!m.bar_memory || m.bar_address < base || offset >= size || size - offset < m.bar_size) {
        ++counts_.stray_accesses;  // not inside our BAR0: QEMU never sends it, nothing answers
      } else if (m.command == MpqemuCommand::BarRead) {
        ++counts_.bar_reads;
        answer = f.barRead(offset, m.bar_size);
      } else {
        ++counts_.bar_writes;
        f.barWrite(offset, m.bar_size, m.bar_value);
      }
      counts_.bar_ns += uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count());
      break;
    }
    case MpqemuCommand::DeviceReset:
      // QEMU resets its devices once at start-up, before the firmware runs, when the model
      // is fresh; a guest reboot ends the run (-no-reboot), so nothing is reset here.
      ++counts_.resets;
      break;
    default:
      break;
  }
  if (m.wantsReply()) l.link->reply(answer);
}

void CosimSession::readConsole(int fd, bool drain) {
  char buf[4096];
  for (;;) {
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) break;
    if (onConsoleBytes) onConsoleBytes(buf, size_t(n));
    console_partial_.append(buf, size_t(n));
    size_t eol;
    while ((eol = console_partial_.find('\n')) != std::string::npos) {
      std::string line = console_partial_.substr(0, eol);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      console_partial_.erase(0, eol + 1);
      if (onConsoleLine) onConsoleLine(line, Clock::now());
    }
    if (!drain && size_t(n) < sizeof buf) break;
  }
  if (drain && !console_partial_.empty() && onConsoleLine) {
    onConsoleLine(console_partial_, Clock::now());
    console_partial_.clear();
  }
}

SessionEnd CosimSession::serve(QemuProcess& qemu, Clock::time_point deadline) {
  SessionEnd end;
  std::vector<pollfd> fds;
  bool busy = false;
  for (;;) {
    fds.clear();
    for (const Link& l : links_)
      if (l.link->fd() >= 0) fds.push_back({l.link->fd(), POLLIN, 0});
    fds.push_back({qemu.consoleFd(), POLLIN, 0});
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    const int wait_ms = busy ? 0 : int(std::max<long long>(0, std::min<long long>(left, 100)));
    const int r = ::poll(fds.data(), fds.size(), wait_ms);
    if (r < 0 && errno != EINTR) {
      end.error = std::string("poll failed: ") + std::strerror(errno);
      break;
    }
    try {
      if (fds.back().revents) readConsole(qemu.consoleFd(), false);
      for (Link& l : links_)
        for (const pollfd& p : fds)
          if (p.fd == l.link->fd() && p.revents) handle(l);
      if (background) busy = !background();
    } catch (const std::exception& e) {
      end.error = e.what();
      break;
    }
    if (stopWhen && stopWhen()) {
      end.stopped = true;
      break;
    }
    if (qemu.poll()) break;
    if (Clock::now() >= deadline) {
      end.timed_out = true;
      break;
    }
  }
  if (!qemu.exited()) qemu.stop();
  readConsole(qemu.consoleFd(), true);
  end.qemu_exited = !end.timed_out && !end.stopped && end.error.empty();
  end.qemu_exit_code = qemu.exitCode();
  return end;
}

}  // namespace vtd::cosim
