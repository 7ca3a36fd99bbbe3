// QEMU's end of an x-pci-proxy-dev socket, for the co-simulation tests: messages framed as
// QEMU 7.2's hw/remote/mpqemu-link.c frames them (16-byte header, then the payload, any
// descriptors as SCM_RIGHTS with the header), and its wait for MPQEMU_CMD_RET.
#pragma once

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <cstdint>
#include <cstring>
#include <vector>

namespace vtd::cosim::test {

// Payload layouts of QEMU 7.2 on x86_64.
struct WireBar {
  uint64_t addr, val;
  uint32_t size;
  uint8_t memory, pad[3];
};
struct WireConfig {
  uint32_t addr, val;
  int32_t len;
};

inline void sendMessage(int fd, int32_t cmd, const void* payload, uint64_t size, const std::vector<int>& fds = {}) {
  std::vector<uint8_t> bytes(16 + size);
  std::memcpy(bytes.data(), &cmd, 4);
  std::memcpy(bytes.data() + 8, &size, 8);
  if (size) std::memcpy(bytes.data() + 16, payload, size);
  iovec iov{bytes.data(), bytes.size()};
  msghdr mh{};
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * 8)];
  if (!fds.empty()) {
    mh.msg_control = control;
    mh.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
    cmsghdr* c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
    std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
  }
  ASSERT_EQ(sendmsg(fd, &mh, 0), ssize_t(bytes.size()));
}

// The 64-bit value of the RET that answers a message; checks its header.
inline uint64_t receiveRet(int fd) {
  uint8_t r[24] = {};
  EXPECT_EQ(recv(fd, r, sizeof r, MSG_WAITALL), 24);
  int32_t cmd;
  uint64_t size, value;
  std::memcpy(&cmd, r, 4);
  std::memcpy(&size, r + 8, 8);
  std::memcpy(&value, r + 16, 8);
  EXPECT_EQ(cmd, 1);  // MPQEMU_CMD_RET
  EXPECT_EQ(size, 8u);
  return value;
}

// A BAR access (cmd 4 write, 5 read) and its answer.
inline uint64_t barAccess(int fd, int32_t cmd, uint64_t addr, uint64_t val, uint32_t size) {
  const WireBar m{addr, val, size, 1, {}};
  sendMessage(fd, cmd, &m, sizeof m);
  return receiveRet(fd);
}

}  // namespace vtd::cosim::test
