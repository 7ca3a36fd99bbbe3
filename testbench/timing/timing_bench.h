// TimingBench: one VtdUnit between a test "device" (two initiator sockets, DMA and MMIO)
// and a memory with a fixed latency per access and no bandwidth term, so that every
// timeline in the tests can be worked out by hand. The memory logs when each access
// arrives (absolute ps). Tables are written straight into the memory (TableBuilder):
// domain 1 for devices 00:04.0 and 00:05.0, 3-level tables, 4 KiB pages at kIova + i*4 KiB.
// Default timing: 1 GHz clock, request 2 + context-cache 1 + IOTLB 2 cycles (front = 5 ns),
// paging-structure caches off, memory reads 100 ns and writes 40 ns: a hit takes 5 ns, a
// miss 5 + 3 x 100 ns, and the forwarded 64-byte read 100 ns more.
#pragma once

#include <gtest/gtest.h>

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <functional>
#include <memory>
#include <systemc>
#include <tlm>
#include <vector>

#include "model/common/flat_memory.h"
#include "model/common/stat_registry.h"
#include "model/registers/register_map.h"
#include "testbench/support/table_builder.h"
#include "tlm/vtd_unit.h"

namespace vtd::test {

constexpr uint64_t kNs = 1000;  // ps
constexpr uint64_t kReadNs = 100, kWriteNs = 40;
constexpr uint64_t kFrontNs = 5, kWalkNs = 3 * kReadNs;
constexpr uint64_t kIova = 0x0010'0000, kFrames = 0x0200'0000;
const SourceId kDev = SourceId::fromBdf(0, 4, 0), kDev2 = SourceId::fromBdf(0, 5, 0);

class FixedMemory : public sc_core::sc_module {
 public:
  struct Access {
    bool write;
    uint64_t address, at_ps;
  };
  tlm_utils::simple_target_socket<FixedMemory> port;
  FlatMemory bytes{64ull << 20};
  std::vector<Access> log;

  explicit FixedMemory(const sc_core::sc_module_name& n) : sc_module(n), port("port") {
    port.register_b_transport(this, &FixedMemory::transport);
    port.register_transport_dbg(this, &FixedMemory::debug);
  }

 private:
  void transport(::tlm::tlm_generic_payload& p, sc_core::sc_time& delay) {
    log.push_back({p.is_write(), p.get_address(), (sc_core::sc_time_stamp() + delay).value()});
    const bool ok = p.is_write()
                        ? bytes.write(p.get_address(), p.get_data_ptr(), p.get_data_length())
                        : bytes.read(p.get_address(), p.get_data_ptr(), p.get_data_length());
    delay += sc_core::sc_time::from_value((p.is_write() ? kWriteNs : kReadNs) * kNs);
    p.set_response_status(ok ? ::tlm::TLM_OK_RESPONSE : ::tlm::TLM_ADDRESS_ERROR_RESPONSE);
  }
  unsigned debug(::tlm::tlm_generic_payload& p) {
    const bool ok = p.is_write()
                        ? bytes.write(p.get_address(), p.get_data_ptr(), p.get_data_length())
                        : bytes.read(p.get_address(), p.get_data_ptr(), p.get_data_length());
    return ok ? p.get_data_length() : 0;
  }
};

class MsiSink : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<MsiSink> port;
  std::vector<uint64_t> at_ps;
  explicit MsiSink(const sc_core::sc_module_name& n) : sc_module(n), port("port") {
    port.register_b_transport(this, &MsiSink::transport);
  }

 private:
  void transport(::tlm::tlm_generic_payload& p, sc_core::sc_time& delay) {
    at_ps.push_back((sc_core::sc_time_stamp() + delay).value());
    p.set_response_status(::tlm::TLM_OK_RESPONSE);
  }
};

inline UnitConfig timingUnitConfig() {
  UnitConfig c;
  c.iotlb.lookup_cycles = 2;
  c.context_cache.lookup_cycles = 1;
  for (auto& level : c.psc.level) level.enable = false, level.lookup_cycles = 0;
  return c;
}

inline tlm::LatencyParams timingLatency() {
  tlm::LatencyParams l;
  l.clock_mhz = 1000;
  l.request_cycles = 2;
  l.fault_record_cycles = 20;
  l.register_access_ns = 100;
  return l;
}

class TimingBench : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<TimingBench> dma, mmio;
  FixedMemory memory;
  MsiSink msi;
  tlm::VtdUnit unit;
  TableBuilder tables;
  uint64_t top = 0;  // the domain's top-level table

  TimingBench(const UnitConfig& config, const tlm::LatencyParams& latency, unsigned pages = 64)
      : sc_module("bench"),
        dma("dma"),
        mmio("mmio"),
        memory("memory"),
        msi("msi"),
        unit("unit", config, latency),
        tables(memory.bytes, 0x0100'0000, 16ull << 20) {
    dma.bind(unit.dma_in);
    mmio.bind(unit.mmio_in);
    unit.mem_out.bind(memory.port);
    unit.msi_out.bind(msi.port);
    top = tables.newPage();
    tables.setContext(kDev, top, 3, 1);
    tables.setContext(kDev2, top, 3, 1);
    for (uint64_t i = 0; i < pages; ++i)
      tables.map(top, 3, kIova + 4096 * i, kFrames + 4096 * i, PageSize::Size4K);
    RemappingUnit& m = unit.model();  // bring-up without time: RTADDR, SRTP, TE
    m.mmioWrite(reg::RTADDR, 8, tables.root());
    m.mmioWrite(reg::GCMD, 4, reg::gcmd::SRTP);
    m.mmioWrite(reg::GCMD, 4, reg::gcmd::TE);
  }

  // Runs `body` in a thread, then the simulation to its end.
  void run(std::function<void()> body) {
    sc_core::sc_spawn(std::move(body));
    sc_core::sc_start();
  }

  // One DMA arriving at now + delay_ns; returns its completion time (absolute ps), as an
  // initiator with several outstanding requests would track it.
  uint64_t dmaAt(uint64_t delay_ns, uint64_t address, SourceId source = kDev, bool* ok = nullptr,
                 bool write = false) {
    tlm::RequesterExtension ext;
    ext.source = source;
    ::tlm::tlm_generic_payload p;
    p.set_extension(&ext);
    p.set_command(write ? ::tlm::TLM_WRITE_COMMAND : ::tlm::TLM_READ_COMMAND);
    p.set_address(address);
    p.set_data_ptr(buffer_);
    p.set_data_length(64);
    p.set_streaming_width(64);
    p.set_response_status(::tlm::TLM_INCOMPLETE_RESPONSE);
    sc_core::sc_time delay = sc_core::sc_time::from_value(delay_ns * kNs);
    dma->b_transport(p, delay);
    p.clear_extension(&ext);
    if (ok) *ok = p.is_response_ok();
    return (sc_core::sc_time_stamp() + delay).value();
  }
  uint64_t page(unsigned i) const { return kIova + 4096ull * i; }

  // A register write through mmio_in at now + delay_ns; returns its completion (ps).
  uint64_t mmioWriteAt(uint64_t delay_ns, uint32_t offset, uint64_t value, unsigned size = 8) {
    ::tlm::tlm_generic_payload p;
    p.set_command(::tlm::TLM_WRITE_COMMAND);
    p.set_address(offset);
    p.set_data_ptr(reinterpret_cast<unsigned char*>(&value));
    p.set_data_length(size);
    p.set_streaming_width(size);
    sc_core::sc_time delay = sc_core::sc_time::from_value(delay_ns * kNs);
    mmio->b_transport(p, delay);
    return (sc_core::sc_time_stamp() + delay).value();
  }

  // Fault events on: MSIs to the sink (FEADDR/FEDATA, FECTL.IM cleared).
  void enableFaultEvents() {
    RemappingUnit& m = unit.model();
    m.mmioWrite(reg::FEDATA, 4, 0x31);
    m.mmioWrite(reg::FEADDR, 4, 0xFEE0'0000);
    m.mmioWrite(reg::FECTL, 4, 0);
  }

  uint64_t nowPs() const { return sc_core::sc_time_stamp().value(); }
  double stat(const std::string& name) {
    StatRegistry r;
    unit.describeStats(r, "");
    return r.value(name);
  }
  // Fills the context cache (one read of page 0 by each device: page 0 is then in the
  // IOTLB), lets time pass so every timeline is idle again, and resets the statistics.
  void warmContexts() {
    dmaAt(0, page(0), kDev);
    dmaAt(0, page(0), kDev2);
    sc_core::wait(10, sc_core::SC_US);
    unit.resetStats();
  }

 private:
  unsigned char buffer_[64] = {};
};

}  // namespace vtd::test
