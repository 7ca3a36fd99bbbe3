// CosimSession: serves the x-pci-proxy-dev functions of one QEMU run. It owns one socket
// pair per function (QEMU gets the other end as fd=N), reads QEMU's messages and answers
// them from the functions (ProxyFunction), maps guest RAM from SYNC_SYSMEM (GuestRam),
// and reads QEMU's console line by line, until QEMU exits, the deadline passes, or the
// caller's stop condition holds. A protocol violation or an unusable RAM layout stops
// QEMU and is reported with the device's name; it never crashes the simulator.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "platform/cosim/guest_ram.h"
#include "platform/cosim/mpqemu_link.h"
#include "platform/cosim/qemu_process.h"

namespace vtd::cosim {

// What QEMU reaches through one proxied PCI function.
class ProxyFunction {
 public:
  virtual ~ProxyFunction() = default;
  virtual uint32_t configRead(unsigned offset, unsigned length) = 0;
  virtual void configWrite(unsigned offset, unsigned length, uint32_t value) = 0;
  // BAR0 accesses by offset inside the BAR.
  virtual uint64_t barRead(uint64_t offset, unsigned size) = 0;
  virtual void barWrite(uint64_t offset, unsigned size, uint64_t value) = 0;
  virtual uint64_t barSize() const = 0;  // BAR0's size in bytes
};

struct ProxySlot {
  std::string id;   // QEMU's device id (vtd0, ring0, ...)
  uint8_t devfn;    // where QEMU puts it on bus 0 (addr=dev.fn)
  ProxyFunction* function;
};

struct SessionCounts {
  uint64_t config_accesses = 0, bar_reads = 0, bar_writes = 0, sysmem_syncs = 0, resets = 0;
  uint64_t stray_accesses = 0;  // BAR messages outside BAR0 (read as 0, write dropped)
  uint64_t bar_ns = 0;  // wall time spent serving BAR accesses (the model's work included)
};

struct SessionEnd {
  bool qemu_exited = false;
  int qemu_exit_code = 0;
  bool timed_out = false;
  bool stopped = false;  // the stop condition held
  std::string error;     // a protocol or guest RAM problem (QEMU was stopped)
};

class CosimSession {
 public:
  using Clock = std::chrono::steady_clock;

  CosimSession(std::vector<ProxySlot> slots, GuestRam* ram);

  // QEMU's -device options for the slots, and the descriptors QEMU must inherit.
  std::vector<std::string> qemuDeviceArgs() const;
  std::vector<int> qemuFds() const;
  // After QEMU started: our copies of its ends are closed.
  void closeQemuEnds();

  // Called with the console's bytes as they arrive (an interactive console shows prompts,
  // which end no line).
  std::function<void(const char* bytes, size_t length)> onConsoleBytes;
  // Called with each complete console line and the time it arrived.
  std::function<void(const std::string& line, Clock::time_point at)> onConsoleLine;
  // Called after the first SYNC_SYSMEM mapped guest RAM.
  std::function<void()> onRamMapped;
  // Runs device work left over from an access (the machine's runBackground); true when
  // idle. While it returns false the loop polls without waiting.
  std::function<bool()> background;
  // Checked after each message; true ends the run (QEMU is stopped).
  std::function<bool()> stopWhen;

  SessionEnd serve(QemuProcess& qemu, Clock::time_point deadline);
  const SessionCounts& counts() const { return counts_; }

 private:
  struct Link {
    ProxySlot slot;
    std::unique_ptr<MpqemuLink> link;
    int qemu_end;
  };
  void handle(Link& l);
  void readConsole(int fd, bool drain);
  static uint64_t barBase(ProxyFunction& f);

  std::vector<Link> links_;
  GuestRam* ram_;
  std::string console_partial_;
  SessionCounts counts_;
};

}  // namespace vtd::cosim
