// CosimMachine: assembly, guest accesses and the run-to-idle rule (see the header).
#include "platform/cosim/cosim_machine.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <sstream>

#include "model/common/stat_registry.h"
#include "model/faults/fault_reason.h"
#include "model/registers/register_map.h"
#include "model/registers/register_table.h"
#include "tlm/payload.h"

namespace vtd::platform {

namespace {
// Offsets of IQT and IQA (VT-d 11.4.9.2/11.4.9.3) and the bits read here.
constexpr uint64_t kIqtOffset = 0x88, kIqaOffset = 0x90;
constexpr uint32_t kGstsQies = 1u << 26;

PciIdentity vtdFunctionIdentity() {
  PciIdentity id;
  id.vendor_id = 0x1234;
  id.device_id = CosimMachine::kVtdFunctionDeviceId;
  id.revision = 1;
  id.class_code = 0x080600;  // base system peripheral, IOMMU
  return id;
}

// The register function's BAR: the register block rounded up to a power of two.
uint32_t barSizeFor(uint32_t block) {
  uint32_t size = 4096;
  while (size < block) size <<= 1;
  return size;
}
}  // namespace

EventMessageSink::EventMessageSink(const sc_core::sc_module_name& name) : sc_module(name), in("in") {
  in.register_b_transport(this, &EventMessageSink::transport);
}

void EventMessageSink::transport(::tlm::tlm_generic_payload& trans, sc_core::sc_time&) {
  uint32_t data = 0;
  std::memcpy(&data, trans.get_data_ptr(), std::min<unsigned>(4, trans.get_data_length()));
  ++messages_;
  if (onMessage) onMessage(trans.get_address(), data);
  trans.set_response_status(::tlm::TLM_OK_RESPONSE);
}

CosimMachine::CosimMachine(const sc_core::sc_module_name& name, const SimConfig& config,
                           const CosimLayout& layout)
    : sc_module(name), memory("memory", config.memory), uncore("uncore", config.uncore),
      vtd("vtd", config.unit, config.latency),
      events("events"), cpu_("cpu"), vtd_config_(vtdFunctionIdentity()), access_budget_(layout.access_budget) {
  vtd_config_.addMemoryBar32(0, barSizeFor(vtd.model().registerBlockSize()));
  cpu_.bind(vtd.mmio_in);
  vtd.mem_out.bind(uncore.in);
  uncore.out.bind(memory.port);
  vtd.msi_out.bind(events.in);
  for (uint8_t devfn : layout.ring_devfns) {
    std::ostringstream n;
    n << "ring_" << std::hex << (devfn >> 3) << "_" << (devfn & 7);
    rings.push_back(std::make_unique<RingDmaDevice>(n.str().c_str(), devfn, layout.burst_bytes));
    links.push_back(std::make_unique<PcieLink>(("link_" + n.str().substr(5)).c_str(), config.pcie));
    rings.back()->dma.bind(links.back()->up_in);
    links.back()->down_out.bind(vtd.dma_in);
  }
}

// One CPU access: the payload goes to `send`; an access nobody answers reads 0 and its write
// vanishes, as an unclaimed MMIO access does on the platform. Time moves by the delay the
// target annotated, then the machine runs what the access started.
template <class Send>
uint64_t CosimMachine::cpuAccess(bool write, uint64_t address, unsigned size, uint64_t value, Send send) {
  ::tlm::tlm_generic_payload p;
  uint64_t data = value;
  tlm::fillPayload(p, write ? ::tlm::TLM_WRITE_COMMAND : ::tlm::TLM_READ_COMMAND, address,
                   reinterpret_cast<unsigned char*>(&data), size);
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  send(p, delay);
  if (!p.is_response_ok()) {
    ++unanswered_;
    data = 0;
  }
  if (delay > sc_core::SC_ZERO_TIME) sc_core::sc_start(delay);
  settle();
  return size < 8 ? data & ((1ull << (8 * size)) - 1) : data;
}

uint64_t CosimMachine::unitAccess(bool write, uint64_t offset, unsigned size, uint64_t value) {
  return cpuAccess(write, offset, size, value,
                   [this](::tlm::tlm_generic_payload& p, sc_core::sc_time& d) { cpu_->b_transport(p, d); });
}

uint64_t CosimMachine::vtdRegisterRead(uint64_t offset, unsigned size) {
  ++register_reads_;
  return unitAccess(false, offset, size, 0);
}

void CosimMachine::vtdRegisterWrite(uint64_t offset, unsigned size, uint64_t value) {
  ++register_writes_;
  if (observer_) observer_->registerWrite(offset, size, value);
  // The driver wrote its descriptors before moving the tail: log them before the unit
  // consumes them.
  if (offset == kIqtOffset && (size == 4 || size == 8)) observeQueuedDescriptors(uint32_t(value));
  unitAccess(true, offset, size, value);
}

void CosimMachine::observeQueuedDescriptors(uint64_t new_tail) {
  const uint64_t iqa = vtd.model().mmioPeek(kIqaOffset, 8);
  const bool enabled = vtd.model().peekRegister(R_GSTS) & kGstsQies;
  // 128-bit descriptors: IQA.DW (256-bit ones) needs scalable mode, which the unit does
  // not offer, and it refuses DW = 1 itself.
  const uint64_t entries = 1ull << ((iqa & 7) + 8);
  const uint64_t base = iqa & ~0xFFFull;
  uint64_t index = (logged_tail_ >> 4) % entries;
  const uint64_t end = (new_tail >> 4) % entries;
  logged_tail_ = new_tail;
  if (!enabled || !observer_) return;
  for (uint64_t n = 0; index != end && n < entries; ++n, index = (index + 1) % entries) {
    const uint8_t* d = memory.hostPointer(base + index * 16, 16);
    if (!d) return;  // outside RAM: the unit reports it (IQE)
    uint64_t lo, hi;
    std::memcpy(&lo, d, 8);
    std::memcpy(&hi, d + 8, 8);
    observer_->invalidationDescriptor(lo, hi);
  }
}

// A ring engine's register access as the CPU's memory transaction to its BAR (the engine
// decodes it only while COMMAND.Memory is set, as PciDevice says).
uint64_t CosimMachine::ringAccess(size_t ring, bool write, uint64_t offset, unsigned size, uint64_t value) {
  ++ring_accesses_;
  RingDmaDevice& r = *rings.at(ring);
  const uint64_t address = (r.config().peek(0x10, 4) & ~0xFull) + offset;
  return cpuAccess(write, address, size, value, [&](::tlm::tlm_generic_payload& p, sc_core::sc_time& d) {
    if (r.claimsMemory(address, size)) r.memoryTransport(p, d);
  });
}

uint64_t CosimMachine::ringRegisterRead(size_t ring, uint64_t offset, unsigned size) {
  return ringAccess(ring, false, offset, size, 0);
}

void CosimMachine::ringRegisterWrite(size_t ring, uint64_t offset, unsigned size, uint64_t value) {
  ringAccess(ring, true, offset, size, value);
}

bool CosimMachine::runBackground(const sc_core::sc_time& budget) {
  const sc_core::sc_time limit = sc_core::sc_time_stamp() + budget;
  while (sc_core::sc_pending_activity()) {
    const sc_core::sc_time step = sc_core::sc_time_to_pending_activity();
    if (step > limit - sc_core::sc_time_stamp()) break;  // due after the budget: left for later
    sc_core::sc_start(step);
  }
  for (const auto& ring : rings)
    if (ring->busy()) return false;
  return true;
}

std::vector<std::string> CosimMachine::pendingFaultRecords() const {
  std::vector<std::string> out;
  const RemappingUnit& u = vtd.model();
  for (unsigned i = 0; i < u.params().fault_records; ++i) {
    const uint64_t hi = u.peekRegister(frcdHigh(i)), lo = u.peekRegister(frcdLow(i));
    if (!(hi & reg::frcd::F)) continue;
    const unsigned sid = unsigned(hi & 0xFFFF);
    const unsigned reason = unsigned((hi >> reg::frcd::kFrLo) & 0xFF);
    char b[200];
    std::snprintf(b, sizeof b, "fault record %u: %s by %02x:%02x.%u at 0x%llx, reason 0x%02x (%s)", i,
                  (hi & reg::frcd::T) ? "read" : "write", sid >> 8, (sid >> 3) & 0x1F, sid & 7,
                  (unsigned long long)(lo & ~0xFFFull), reason, faultReasonName(FaultReason(reason)));
    out.push_back(b);
  }
  return out;
}

void CosimMachine::describeStats(StatRegistry& r) const {
  vtd.describeStats(r, "vtd.");
  memory.describeStats(r, "memory.");
  uncore.describeStats(r, "uncore.");
  for (const auto& ring : rings) ring->describeStats(r, std::string(ring->basename()) + ".");
  for (const auto& link : links) link->describeStats(r, std::string(link->basename()) + ".");
  r.addCounter("cosim.register_reads", register_reads_, "accesses", "guest reads of the unit's registers");
  r.addCounter("cosim.register_writes", register_writes_, "accesses", "guest writes of the unit's registers");
  r.addCounter("cosim.ring_accesses", ring_accesses_, "accesses", "guest accesses of the ring engines' registers");
  r.addCounter("cosim.unanswered", unanswered_, "accesses",
               "register accesses the unit or an engine refused (read as 0, write dropped)");
}

}  // namespace vtd::platform
