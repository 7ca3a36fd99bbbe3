// MpqemuLink: framing, descriptor passing and payload decoding of QEMU 7.2's mpqemu
// messages (see the header).
#include "platform/cosim/mpqemu_link.h"

#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace vtd::cosim {

namespace {

// QEMU 7.2, x86_64: REMOTE_MAX_FDS, and the payloads of MPQemuMsg's union.
constexpr unsigned kMaxFds = 8;
struct WireSyncSysmem {
  uint64_t gpas[kMaxFds];
  uint64_t sizes[kMaxFds];
  int64_t offsets[kMaxFds];
};
struct WireConfig {
  uint32_t addr;
  uint32_t val;
  int32_t len;
};
struct WireBar {
  uint64_t addr;
  uint64_t val;
  uint32_t size;
  uint8_t memory;
};
union WirePayload {
  uint64_t u64;
  WireConfig config;
  WireSyncSysmem sysmem;
  WireBar bar;
};
struct WireHeader {
  int32_t cmd;
  uint64_t size;  // payload bytes that follow
};
static_assert(sizeof(WireHeader) == 16, "MPQEMU_MSG_HDR_SIZE is 16 on x86_64");
static_assert(sizeof(WireSyncSysmem) == 192 && sizeof(WireBar) == 24 && sizeof(WireConfig) == 12,
              "payload layouts of QEMU 7.2 on x86_64");

void closeAll(const std::vector<int>& fds) {
  for (int fd : fds) ::close(fd);
}

}  // namespace

const char* mpqemuCommandName(MpqemuCommand c) {
  switch (c) {
    case MpqemuCommand::SyncSysmem: return "SYNC_SYSMEM";
    case MpqemuCommand::Ret: return "RET";
    case MpqemuCommand::PciConfigWrite: return "PCI_CFGWRITE";
    case MpqemuCommand::PciConfigRead: return "PCI_CFGREAD";
    case MpqemuCommand::BarWrite: return "BAR_WRITE";
    case MpqemuCommand::BarRead: return "BAR_READ";
    case MpqemuCommand::SetIrqfd: return "SET_IRQFD";
    case MpqemuCommand::DeviceReset: return "DEVICE_RESET";
  }
  return "?";
}

// QEMU 7.2's proxy waits (mpqemu_msg_send_and_await_reply) for configuration and BAR
// accesses and for a device reset; SYNC_SYSMEM and SET_IRQFD are fire-and-forget.
bool MpqemuMessage::wantsReply() const {
  switch (command) {
    case MpqemuCommand::PciConfigRead:
    case MpqemuCommand::PciConfigWrite:
    case MpqemuCommand::BarRead:
    case MpqemuCommand::BarWrite:
    case MpqemuCommand::DeviceReset:
      return true;
    default:
      return false;
  }
}

MpqemuLink::MpqemuLink(int fd, std::string name) : fd_(fd), name_(std::move(name)) {
  // A message is read once poll() says it began; should QEMU stop in the middle of one,
  // the read gives up instead of holding vtdsim past its deadline.
  const timeval limit{10, 0};
  setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
}

MpqemuLink::~MpqemuLink() { close(); }

void MpqemuLink::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool MpqemuLink::receive(MpqemuMessage& m) {
  m = MpqemuMessage{};
  WireHeader header{};
  iovec iov{&header, sizeof header};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxFds)];
  msghdr mh{};
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  mh.msg_control = control;
  mh.msg_controllen = sizeof control;
  ssize_t n;
  do n = recvmsg(fd_, &mh, MSG_WAITALL | MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n == 0) return false;
  if (n < 0) {
    if (errno == ECONNRESET) return false;
    if (errno == EAGAIN || errno == EWOULDBLOCK) throw MpqemuError(name_ + ": QEMU stopped in the middle of a message");
    throw MpqemuError(name_ + ": socket read failed: " + std::strerror(errno));
  }
  std::vector<int> fds;
  for (cmsghdr* c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    const size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < count; ++i) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
      fds.push_back(fd);
    }
  }
  auto fail = [&](const std::string& what) {
    closeAll(fds);
    throw MpqemuError(name_ + ": " + what);
  };
  if (size_t(n) != sizeof header) fail("short message header (" + std::to_string(n) + " bytes)");
  if (mh.msg_flags & MSG_CTRUNC) fail("more descriptors than the protocol allows (8)");
  if (header.size > sizeof(WirePayload))
    fail("payload of " + std::to_string(header.size) + " bytes (at most " +
         std::to_string(sizeof(WirePayload)) + ")");
  WirePayload payload{};
  if (header.size > 0) {
    ssize_t got;
    do got = recv(fd_, &payload, header.size, MSG_WAITALL);
    while (got < 0 && errno == EINTR);
    if (got != ssize_t(header.size)) fail("payload cut short");
  }
  auto need = [&](size_t bytes) {
    if (header.size < bytes)
      fail(std::string(mpqemuCommandName(MpqemuCommand(header.cmd))) + " with a " +
           std::to_string(header.size) + "-byte payload (needs " + std::to_string(bytes) + ")");
  };
  m.command = MpqemuCommand(header.cmd);
  switch (m.command) {
    case MpqemuCommand::SyncSysmem:
      need(sizeof(WireSyncSysmem));
      for (size_t i = 0; i < fds.size(); ++i)
        m.regions.push_back({payload.sysmem.gpas[i], payload.sysmem.sizes[i], payload.sysmem.offsets[i], fds[i]});
      return true;
    case MpqemuCommand::PciConfigRead:
    case MpqemuCommand::PciConfigWrite:
      need(sizeof(WireConfig));
      m.config_offset = payload.config.addr;
      m.config_value = payload.config.val;
      m.config_length = payload.config.len;
      if (m.config_length < 1 || m.config_length > 4 || m.config_offset >= 4096)
        fail("configuration access of " + std::to_string(m.config_length) + " bytes at " +
             std::to_string(m.config_offset));
      break;
    case MpqemuCommand::BarRead:
    case MpqemuCommand::BarWrite:
      need(sizeof(WireBar));
      m.bar_address = payload.bar.addr;
      m.bar_value = payload.bar.val;
      m.bar_size = payload.bar.size;
      m.bar_memory = payload.bar.memory != 0;
      if (m.bar_size != 1 && m.bar_size != 2 && m.bar_size != 4 && m.bar_size != 8)
        fail("BAR access of " + std::to_string(m.bar_size) + " bytes");
      break;
    case MpqemuCommand::SetIrqfd:
    case MpqemuCommand::DeviceReset:
      break;
    default:
      fail("unknown command " + std::to_string(header.cmd));
  }
  closeAll(fds);  // INTx irqfds and resample fds: nothing here can use them under TCG
  return true;
}

void MpqemuLink::reply(uint64_t value) {
  struct {
    WireHeader header;
    uint64_t value;
  } r{{int32_t(MpqemuCommand::Ret), 8}, value};
  const char* p = reinterpret_cast<const char*>(&r);
  size_t left = sizeof r;
  while (left > 0) {
    const ssize_t n = ::send(fd_, p, left, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw MpqemuError(name_ + ": reply failed: " + std::strerror(errno));
    p += n;
    left -= size_t(n);
  }
}

}  // namespace vtd::cosim
