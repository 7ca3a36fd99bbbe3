// Test bench for the PCI pieces of the serve platform: a host bridge with one edu at 00:04.0
// (QEMU's `-device edu,addr=4.0`) whose `dma` socket is bound to a RecordingTarget: sparse
// memory that records every transaction with its requester id and time, and can answer
// errors like a VT-d unit that blocks a request. CPU-side accesses go through the bridge
// (mechanism #1) and through memoryTransport with absolute addresses, as the system bus
// would. Each test elaborates its own bench (one process per test).
#pragma once

#include <gtest/gtest.h>

#include <tlm_utils/simple_target_socket.h>
#include <cstdint>
#include <map>
#include <systemc>
#include <tlm>
#include <vector>

#include "platform/devices/edu.h"
#include "platform/pci/pci_host_bridge.h"
#include "tlm/requester_extension.h"

namespace vtd::test {

struct RecordedTransaction {
  bool write = false;
  uint64_t address = 0;
  std::vector<uint8_t> data;  // the bytes written, or the bytes returned for a read
  bool has_requester = false;
  uint16_t source = 0;
  sc_core::sc_time time;
};

class RecordingTarget : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<RecordingTarget> socket;
  std::vector<RecordedTransaction> log;
  std::map<uint64_t, uint8_t> memory;  // absent bytes read 0
  bool fail_dma = false;               // answer DMA (not interrupt writes) with an error
  sc_core::sc_time latency = sc_core::SC_ZERO_TIME;

  explicit RecordingTarget(const sc_core::sc_module_name& name)
      : sc_module(name), socket("socket") {
    socket.register_b_transport(this, &RecordingTarget::transport);
  }
  void fill(uint64_t address, const std::vector<uint8_t>& bytes) {
    for (size_t i = 0; i < bytes.size(); ++i) memory[address + i] = bytes[i];
  }
  std::vector<uint8_t> bytes(uint64_t address, size_t length) const {
    std::vector<uint8_t> out(length);
    for (size_t i = 0; i < length; ++i) {
      auto it = memory.find(address + i);
      out[i] = it == memory.end() ? 0 : it->second;
    }
    return out;
  }
  static bool isInterrupt(const RecordedTransaction& t) {
    return t.write && t.data.size() == 4 && (t.address >> 20) == 0xFEE;
  }
  std::vector<RecordedTransaction> interrupts() const {
    std::vector<RecordedTransaction> out;
    for (const auto& t : log)
      if (isInterrupt(t)) out.push_back(t);
    return out;
  }
  std::vector<RecordedTransaction> dmas() const {
    std::vector<RecordedTransaction> out;
    for (const auto& t : log)
      if (!isInterrupt(t)) out.push_back(t);
    return out;
  }

 private:
  void transport(::tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
    RecordedTransaction t;
    t.write = trans.is_write();
    t.address = trans.get_address();
    t.time = sc_core::sc_time_stamp() + delay;
    if (auto* ext = trans.get_extension<tlm::RequesterExtension>()) {
      t.has_requester = true;
      t.source = ext->source.value;
    }
    uint8_t* data = trans.get_data_ptr();
    const unsigned length = trans.get_data_length();
    const bool fail = fail_dma && !(t.write && length == 4 && (t.address >> 20) == 0xFEE);
    if (!fail) {
      for (unsigned i = 0; i < length; ++i) {
        if (t.write)
          memory[t.address + i] = data[i];
        else
          data[i] = bytes(t.address + i, 1)[0];
      }
    }
    t.data.assign(data, data + length);
    log.push_back(t);
    delay += latency;
    trans.set_response_status(fail ? ::tlm::TLM_ADDRESS_ERROR_RESPONSE : ::tlm::TLM_OK_RESPONSE);
  }
};

// Mechanism #1 CONFIG_ADDRESS for bus 0.
constexpr uint32_t configAddress(unsigned devfn, unsigned reg) {
  return 0x80000000u | devfn << 8 | (reg & 0xFC);
}

struct EduBench {
  static constexpr uint8_t kDevfn = 0x20;  // 00:04.0, source id 0x0020
  static constexpr uint64_t kBar = 0xC0000000;

  platform::PciHostBridge bridge{"bridge"};
  platform::EduDevice edu;
  RecordingTarget ram{"ram"};

  explicit EduBench(uint64_t dma_mask = ~0ull) : edu("edu", kDevfn, dma_mask) {
    edu.dma.bind(ram.socket);
    bridge.attach(edu);
    sc_core::sc_start(sc_core::SC_ZERO_TIME);  // end of elaboration; threads waiting
  }

  uint32_t cfgRead(unsigned reg, unsigned size = 4, uint8_t devfn = kDevfn) {
    bridge.ioWrite(0xCF8, 4, configAddress(devfn, reg));
    return bridge.ioRead(uint16_t(0xCFC + (reg & 3)), size);
  }
  void cfgWrite(unsigned reg, uint32_t value, unsigned size = 4, uint8_t devfn = kDevfn) {
    bridge.ioWrite(0xCF8, 4, configAddress(devfn, reg));
    bridge.ioWrite(uint16_t(0xCFC + (reg & 3)), size, value);
  }
  // BAR0 at kBar with the given COMMAND (0x6: memory space and bus master, as the harness).
  void setup(uint16_t command = 0x6) {
    cfgWrite(0x10, uint32_t(kBar));
    cfgWrite(0x04, command, 2);
  }
  // 64-bit MSI programmed and enabled through the capability at 0x40.
  void enableMsi(uint64_t address, uint16_t data) {
    cfgWrite(0x44, uint32_t(address));
    cfgWrite(0x48, uint32_t(address >> 32));
    cfgWrite(0x4C, data, 2);
    cfgWrite(0x42, 0x0001, 2);
  }

  // A CPU access to BAR0 at `offset`, through the decoder as the system bus does it.
  ::tlm::tlm_response_status access(bool write, uint64_t offset, uint8_t* data, unsigned length) {
    ::tlm::tlm_generic_payload p;
    p.set_command(write ? ::tlm::TLM_WRITE_COMMAND : ::tlm::TLM_READ_COMMAND);
    p.set_address(kBar + offset);
    p.set_data_ptr(data);
    p.set_data_length(length);
    p.set_streaming_width(length);
    p.set_response_status(::tlm::TLM_INCOMPLETE_RESPONSE);
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    platform::PciDevice* d = bridge.memoryClaimant(kBar + offset, length);
    if (!d) return ::tlm::TLM_ADDRESS_ERROR_RESPONSE;
    d->memoryTransport(p, delay);
    return p.get_response_status();
  }
  uint64_t read(uint64_t offset, unsigned size) {
    uint8_t b[8] = {};
    EXPECT_EQ(access(false, offset, b, size), ::tlm::TLM_OK_RESPONSE) << "read at " << offset;
    uint64_t v = 0;
    for (unsigned i = 0; i < size; ++i) v |= uint64_t(b[i]) << (8 * i);
    return v;
  }
  void write(uint64_t offset, unsigned size, uint64_t value) {
    uint8_t b[8];
    for (unsigned i = 0; i < 8; ++i) b[i] = uint8_t(value >> (8 * i));
    EXPECT_EQ(access(true, offset, b, size), ::tlm::TLM_OK_RESPONSE) << "write at " << offset;
  }

  // Programs and starts one transfer; the caller runs the simulation.
  void startDma(uint64_t src, uint64_t dst, uint64_t count, uint64_t command) {
    write(platform::EduDevice::kRegDmaSrc, 8, src);
    write(platform::EduDevice::kRegDmaDst, 8, dst);
    write(platform::EduDevice::kRegDmaCount, 8, count);
    write(platform::EduDevice::kRegDmaCmd, 8, command);
  }
  bool dmaRunning() { return read(platform::EduDevice::kRegDmaCmd, 8) & 1; }
  // Advances `ms` and runs what is due at the end time too (sc_start(t) stops before the
  // processes due exactly at t).
  void run(double ms) { runFor(sc_core::sc_time(ms, sc_core::SC_MS)); }
  void runFor(const sc_core::sc_time& t) {
    sc_core::sc_start(t);
    settle();
  }
  // Runs the delta cycles pending now (e.g. an MSI queued by a register write).
  void settle() {
    while (sc_core::sc_pending_activity_at_current_time()) sc_core::sc_start(sc_core::SC_ZERO_TIME);
  }
};

}  // namespace vtd::test
