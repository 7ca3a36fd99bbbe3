// VtdPlatform: construction and binding.
#include "platform/vtd_platform.h"

#include <tlm_utils/tlm_quantumkeeper.h>

#include "model/common/stat_registry.h"

namespace vtd::platform {

VtdPlatform::VtdPlatform(const sc_core::sc_module_name& name, const SimConfig& config,
                         trace::TraceSink* recorder)
    : sc_module(name), memory("memory", config.memory),
      uncore("uncore", config.uncore),
      vtd("vtd", config.unit, config.latency),
      bus("bus", config.memory.size_mib << 20, config.platform.dmar_base,
          config.unit.unit.registerBlockSize()),
      fabric("fabric"), intc("intc", kHostApicId), cpu("cpu", config.platform.dmar_base),
      ioapic("ioapic"), config_(config) {
  tlm_utils::tlm_quantumkeeper::set_global_quantum(
      sc_core::sc_time(double(config.platform.quantum_ns), sc_core::SC_NS));
  cpu.socket.bind(bus.cpu_in);
  bus.to_memory.bind(memory.port);
  if (recorder) {
    tap = std::make_unique<TraceTap>("trace_tap", *recorder);
    bus.to_dmar.bind(tap->mmio_in);
    tap->mmio_out.bind(vtd.mmio_in);
    tap->dma_out.bind(vtd.dma_in);
    tap->memory_peek.bind(memory.port);
  } else {
    bus.to_dmar.bind(vtd.mmio_in);
  }
  vtd.mem_out.bind(uncore.in);
  uncore.out.bind(memory.port);
  vtd.msi_out.bind(fabric.msi_in);
  fabric.attach(intc);
  bus.to_ioapic.bind(ioapic.mmio_in);
  ioapic.irq_out.bind(vtd.dma_in);
  const ApicMode mode = config.platform.x2apic ? ApicMode::X2Apic : ApicMode::XApic;
  for (unsigned i = 0; i < config.platform.vcpus; ++i) {
    vcpus.push_back(std::make_unique<Vcpu>(("vcpu" + std::to_string(i)).c_str(), vcpuApicId(i), mode));
    Vcpu& v = *vcpus.back();
    v.mem_out.bind(memory.port);
    fabric.attach(v);
    v.apic().setEoiBroadcast([this](uint8_t vector) { ioapic.eoi(vector); });
  }
  for (unsigned i = 0; i < config.platform.devices; ++i) {
    devices.push_back(std::make_unique<DmaMaster>(("device" + std::to_string(i)).c_str(),
                                                  deviceSource(i), config.platform.device_gap_ns));
    links.push_back(std::make_unique<PcieLink>(("link" + std::to_string(i)).c_str(), config.pcie));
    devices.back()->socket.bind(links.back()->up_in);
    if (tap) links.back()->down_out.bind(tap->dma_in);
    else links.back()->down_out.bind(vtd.dma_in);
    if (config.device.ats) devices.back()->enableAts(config.device);
  }
  vtd.model().setDeviceTlbPort(this);
}

DeviceTlbResult VtdPlatform::invalidateDeviceTlb(const DeviceTlbInvalidation& request) {
  for (auto& d : devices)
    if (d->source().value == request.sid.value) return d->invalidateAtc(request);
  return DeviceTlbResult{};
}

void VtdPlatform::describeStats(StatRegistry& r) const {
  vtd.describeStats(r, "vtd.");
  memory.describeStats(r, "memory.");
  uncore.describeStats(r, "uncore.");
  intc.describeStats(r, "intc.");
  fabric.describeStats(r, "fabric.");
  ioapic.describeStats(r, "ioapic.");
  for (size_t i = 0; i < vcpus.size(); ++i) vcpus[i]->describeStats(r, "vcpu" + std::to_string(i) + ".");
  for (size_t i = 0; i < devices.size(); ++i) {
    devices[i]->describeStats(r, "device" + std::to_string(i) + ".");
    links[i]->describeStats(r, "link" + std::to_string(i) + ".");
  }
}

void VtdPlatform::resetStats() {
  vtd.resetStats();
  memory.resetStats();
  uncore.resetStats();
  intc.resetStats();
  fabric.resetStats();
  ioapic.resetStats();
  for (auto& v : vcpus) v->resetStats();
  for (auto& d : devices) d->resetStats();
  for (auto& l : links) l->resetStats();
}

}  // namespace vtd::platform
