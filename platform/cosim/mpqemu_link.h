// MpqemuLink: the device side of QEMU 7.2's multi-process protocol ("mpqemu", spoken by
// -device x-pci-proxy-dev over one UNIX socket per device). QEMU forwards each
// configuration-space access and each BAR access of the proxied function and blocks the
// vCPU until the answer, which makes the guest's MMIO synchronous and ordered. It also
// sends the file descriptors of guest RAM (SYNC_SYSMEM) whenever its memory map changes.
// Message layout: QEMU 7.2 include/hw/remote/mpqemu-link.h on x86_64 (a 16-byte header of
// command and payload size, then the payload; descriptors ride as SCM_RIGHTS). The
// protocol is private to QEMU and versioned with it: only 7.2's layout is spoken here.
// Not supported: SET_IRQFD's interrupts (INTx through a KVM irqfd; under TCG nothing reads
// them), so the proxied functions have no interrupts. SystemC-free.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace vtd::cosim {

enum class MpqemuCommand : int32_t {
  SyncSysmem = 0,
  Ret = 1,
  PciConfigWrite = 2,
  PciConfigRead = 3,
  BarWrite = 4,
  BarRead = 5,
  SetIrqfd = 6,
  DeviceReset = 7,
};
const char* mpqemuCommandName(MpqemuCommand c);

// One piece of guest RAM: `size` bytes at guest-physical `gpa`, found at `offset` of the
// file `fd` (owned by the receiver, who must close it).
struct SysmemRegion {
  uint64_t gpa = 0;
  uint64_t size = 0;
  int64_t offset = 0;
  int fd = -1;
};

struct MpqemuMessage {
  MpqemuCommand command = MpqemuCommand::Ret;
  // PciConfigRead/Write: offset in the 256-byte space, value, length in bytes.
  uint32_t config_offset = 0, config_value = 0;
  int config_length = 0;
  // BarRead/Write: the absolute guest-physical (or port) address, value, size in bytes.
  uint64_t bar_address = 0, bar_value = 0;
  unsigned bar_size = 0;
  bool bar_memory = true;  // false: an I/O-port BAR
  std::vector<SysmemRegion> regions;  // SyncSysmem

  // Whether QEMU waits for an answer (MPQEMU_CMD_RET) to this message.
  bool wantsReply() const;
};

// A protocol violation: a short or oversized message, an unknown command, a malformed
// payload. The message names the device and the problem.
class MpqemuError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class MpqemuLink {
 public:
  // `fd` is this side of the socket pair; `name` labels errors (the device's name).
  MpqemuLink(int fd, std::string name);
  ~MpqemuLink();
  MpqemuLink(const MpqemuLink&) = delete;
  MpqemuLink& operator=(const MpqemuLink&) = delete;

  int fd() const { return fd_; }
  const std::string& name() const { return name_; }
  // Reads one message (blocking). False when QEMU closed the socket; MpqemuError when
  // the bytes are not a valid message (descriptors that came with it are closed).
  bool receive(MpqemuMessage& message);
  // Answers the message QEMU waits for with a 64-bit value.
  void reply(uint64_t value);
  void close();

 private:
  int fd_;
  std::string name_;
};

}  // namespace vtd::cosim
