// QtestBackend / QmpBackend: what the qtest and QMP sessions need from the machine behind
// them. The sessions own the wire formats (QEMU's exact replies); the backend owns the
// platform (CPU-side memory and port accesses, the virtual clock, the monitor commands).
// SystemC-free, so the sessions are tested with fakes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace vtd::serve {

class QtestBackend {
 public:
  virtual ~QtestBackend() = default;

  // CPU-side accesses to the physical address space (RAM, DMAR registers, PCI BARs).
  // size is 1, 2, 4 or 8; values are little-endian. Unassigned addresses read as 0 and
  // ignore writes, as QEMU's unassigned region does.
  virtual uint64_t memRead(uint64_t address, unsigned size) = 0;
  virtual void memWrite(uint64_t address, unsigned size, uint64_t value) = 0;
  // Byte blocks (read/write/b64read/b64write/memset), split by the backend as needed.
  virtual void memReadBlock(uint64_t address, uint8_t* data, size_t length) = 0;
  virtual void memWriteBlock(uint64_t address, const uint8_t* data, size_t length) = 0;

  // x86 port I/O; size is 1, 2 or 4. Unassigned ports read as all ones (QEMU 7.2).
  virtual uint32_t ioRead(uint16_t port, unsigned size) = 0;
  virtual void ioWrite(uint16_t port, unsigned size, uint32_t value) = 0;

  // Virtual clock in nanoseconds. clockStep(nullopt) advances to the next timer deadline
  // (as QEMU's argument-less clock_step does); both return the new clock value.
  virtual int64_t clockStep(std::optional<int64_t> ns) = 0;
  virtual int64_t clockSet(int64_t ns) = 0;
  virtual int64_t clockNow() = 0;
};

class QmpBackend {
 public:
  virtual ~QmpBackend() = default;
  // A human-monitor command line ("info lapic", ...). Returns the monitor's output text
  // (QEMU's format, lines ending in "\r\n" as QEMU's monitor prints them is NOT required:
  // the session passes the text through), or nullopt when the command is not supported.
  virtual std::optional<std::string> humanMonitorCommand(const std::string& command_line) = 0;
  // `quit`: the backend ends the run after the reply has been sent.
  virtual void requestQuit() = 0;
};

}  // namespace vtd::serve
