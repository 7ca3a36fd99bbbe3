// ServeMachine: assembly, CPU-side accesses, clock control.
#include "platform/serve/serve_machine.h"

#include <algorithm>
#include <cstring>
#include <sstream>

#include "model/common/stat_registry.h"
#include "tlm/payload.h"

namespace vtd::platform {

using sc_core::sc_time;

namespace {
// settle() gives up after this much simulated time: a device that keeps rearming a timer
// must not hang the server (QEMU's warp would also just keep time moving).
const sc_time kSettleHorizon(10, sc_core::SC_SEC);

// Nanoseconds as SystemC time, in integers: sc_time(double) is undefined beyond 2^64 units.
sc_time fromNs(int64_t ns) {
  return sc_time::from_value(uint64_t(ns) * sc_time(1, sc_core::SC_NS).value());
}
}  // namespace

// Half of SystemC's 64-bit range of time units, so that the timers devices arm from the
// limit (edu's 100 ms, the settle horizon) still fit: with the default 1 ps resolution,
// 2^63 ps, about 106 days. sc_start past 2^64 units aborts the simulation (E544).
int64_t ServeMachine::clockLimitNs() {
  return int64_t((sc_core::sc_max_time().value() / 2) / sc_time(1, sc_core::SC_NS).value());
}

ServeMachine::ServeMachine(const sc_core::sc_module_name& name, const SimConfig& config,
                           const serve::ServeOptions& options)
    : sc_module(name), cpu("cpu"), memory("memory", config.memory), vtd("vtd", config.unit, config.latency),
      bus("bus", config.memory.size_mib << 20, config.platform.dmar_base,
          options.iommu ? config.unit.unit.registerBlockSize() : 0),
      lapic("lapic", 0), pci("pci") {
  cpu.bind(bus.cpu_in);
  bus.to_memory.bind(memory.port);
  bus.to_dmar.bind(vtd.mmio_in);
  vtd.mem_out.bind(memory.port);
  vtd.msi_out.bind(lapic.msi_in);
  bus.setPciDecoder([this](uint64_t a, unsigned n) { return pci.memoryClaimant(a, n); });
  for (const auto& spec : options.edus) {
    std::ostringstream n;
    n << "edu_" << std::hex << (spec.devfn >> 3) << "_" << (spec.devfn & 7);
    edus.push_back(std::make_unique<EduDevice>(n.str().c_str(), spec.devfn, spec.dma_mask));
    edus.back()->dma.bind(vtd.dma_in);
    pci.attach(*edus.back());
  }
}

bool ServeMachine::access(::tlm::tlm_command command, uint64_t address, uint8_t* data, size_t length) {
  ::tlm::tlm_generic_payload p;
  tlm::fillPayload(p, command, address, data, unsigned(length));
  // A qtest access takes no simulated time; the annotated delay is dropped.
  sc_time delay = sc_core::SC_ZERO_TIME;
  cpu->b_transport(p, delay);
  if (p.is_response_ok()) return true;
  ++unassigned_accesses_;
  return false;
}

// A value access goes out whole unless it crosses a 4 KiB boundary, where it splits like a
// block: its part in RAM (or a register block) is read or written, the part in a hole reads
// 0, as QEMU's address space splits it at the region boundary. Refused whole, a readq at the
// last 4 bytes of RAM read 0 and a writeq there lost its RAM half.
uint64_t ServeMachine::memRead(uint64_t address, unsigned size) {
  uint8_t bytes[8] = {};
  memReadBlock(address, bytes, size);
  uint64_t v = 0;
  std::memcpy(&v, bytes, size);
  return v;
}

void ServeMachine::memWrite(uint64_t address, unsigned size, uint64_t value) {
  uint8_t bytes[8];
  std::memcpy(bytes, &value, 8);
  memWriteBlock(address, bytes, size);
}

// Blocks are split at 4 KiB boundaries, and a piece nothing answers reads as zeros, so a
// block spanning RAM and a hole behaves byte by byte as QEMU's address space does. Every
// region boundary is 4 KiB aligned: RAM ends on a MiB, the DMAR block is 4 KiB aligned and
// a multiple of 4 KiB (SimConfig checks), edu's BAR is 1 MiB.
void ServeMachine::memReadBlock(uint64_t address, uint8_t* data, size_t length) {
  while (length) {
    const size_t piece = std::min<size_t>(length, 0x1000 - (address & 0xFFF));
    if (!access(::tlm::TLM_READ_COMMAND, address, data, piece)) std::memset(data, 0, piece);
    address += piece;
    data += piece;
    length -= piece;
  }
}

void ServeMachine::memWriteBlock(uint64_t address, const uint8_t* data, size_t length) {
  std::vector<uint8_t> piece_buffer;
  while (length) {
    const size_t piece = std::min<size_t>(length, 0x1000 - (address & 0xFFF));
    piece_buffer.assign(data, data + piece);
    access(::tlm::TLM_WRITE_COMMAND, address, piece_buffer.data(), piece);
    address += piece;
    data += piece;
    length -= piece;
  }
}

uint32_t ServeMachine::ioRead(uint16_t port, unsigned size) {
  if (PciHostBridge::decodesPort(port, size)) return pci.ioRead(port, size);
  // No other port is decoded: all ones, as QEMU 7.2 answers an unassigned port.
  return size >= 4 ? 0xFFFF'FFFFu : (1u << (8 * size)) - 1;
}

void ServeMachine::ioWrite(uint16_t port, unsigned size, uint32_t value) {
  if (PciHostBridge::decodesPort(port, size)) pci.ioWrite(port, size, value);
}

void ServeMachine::runFor(const sc_time& t) {
  sc_core::sc_start(t);
  // sc_start(t) stops before the processes due exactly at t; a clock that reads t must
  // have run them (QEMU fires a timer whose deadline equals the new clock).
  runDeltas();
}

void ServeMachine::runDeltas() {
  // Timed notifications due now count too: sc_pending_activity_at_current_time() does not
  // see them, sc_time_to_pending_activity() does (it is zero for them).
  for (int i = 0; i < 10000 && sc_core::sc_pending_activity() &&
                  sc_core::sc_time_to_pending_activity() == sc_core::SC_ZERO_TIME;
       ++i)
    sc_core::sc_start(sc_core::SC_ZERO_TIME);
}

int64_t ServeMachine::clockNow() { return int64_t(sc_core::sc_time_stamp().value() / 1000); }

int64_t ServeMachine::clockStep(std::optional<int64_t> ns) {
  const int64_t now = clockNow();
  if (ns) {
    if (*ns > 0) runTo(*ns > clockLimitNs() - now ? clockLimitNs() : now + *ns);
  } else if (sc_core::sc_pending_activity()) {
    // To the next deadline (sc_time_to_pending_activity() is in whole resolution units).
    const sc_time next = sc_core::sc_time_stamp() + sc_core::sc_time_to_pending_activity();
    const int64_t next_ns = int64_t(next.value() / sc_time(1, sc_core::SC_NS).value());
    if (next_ns <= clockLimitNs()) {
      runFor(sc_core::sc_time_to_pending_activity());
    } else {
      runTo(clockLimitNs());
    }
  }
  return clockNow();
}

int64_t ServeMachine::clockSet(int64_t ns) {
  runTo(std::min(ns, clockLimitNs()));
  return clockNow();
}

void ServeMachine::runTo(int64_t ns) {
  const int64_t now = clockNow();
  if (ns > now) runFor(fromNs(ns - now));
}

void ServeMachine::settle() {
  const sc_time limit = std::min(sc_core::sc_time_stamp() + kSettleHorizon, fromNs(clockLimitNs()));
  while (sc_core::sc_pending_activity() && sc_core::sc_time_stamp() <= limit) {
    const sc_time step = sc_core::sc_time_to_pending_activity();
    if (step > limit - sc_core::sc_time_stamp()) break;  // the horizon or the clock's limit
    runFor(step);
  }
}

std::optional<std::string> ServeMachine::humanMonitorCommand(const std::string& command_line) {
  std::istringstream in(command_line);
  std::string verb, what, arg;
  in >> verb >> what >> arg;
  if ((verb == "info" || verb == "i") && what == "lapic" && (arg.empty() || arg == "0"))
    return serve::formatInfoLapic(lapic.state(), 0);
  return std::nullopt;
}

void ServeMachine::describeStats(StatRegistry& r) const {
  vtd.describeStats(r, "vtd.");
  memory.describeStats(r, "memory.");
  lapic.describeStats(r, "lapic.");
  pci.describeStats(r, "pci.");
  for (const auto& e : edus) e->describeStats(r, std::string(e->basename()) + ".");
  r.addCounter("cpu.unassigned_accesses", unassigned_accesses_, "accesses", "qtest accesses nothing answered (read as 0)");
}

}  // namespace vtd::platform
