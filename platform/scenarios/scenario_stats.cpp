// KvmPassthroughScenario: its statistics (scenario.*, sim.*, device<i>.*, vm<k>.*).
#include "model/common/stat_registry.h"
#include "platform/scenarios/kvm_passthrough.h"

namespace vtd::platform {

namespace {

// A device's or a VM's share of the unit: lookups, hits, hit rate, misses per MiB.
// `who`: "the device"; `whose`: "the device's".
void describeShare(StatRegistry& r, const std::string& p, const UnitCounts& u, const std::string& who,
                   const std::string& whose) {
  r.addCounter(p + "dma_requests", u.dma_requests, "requests", "DMA requests " + who + " presented to the unit (per 4 KiB-bounded chunk)");
  r.addCounter(p + "dma_bytes", u.dma_bytes, "bytes", "bytes of those requests (descriptors and data)");
  r.addCounter(p + "iotlb_lookups", u.iotlb_lookup, "lookups", "IOTLB lookups of " + whose + " requests");
  r.addCounter(p + "iotlb_hits", u.iotlb_hit, "lookups", "IOTLB hits of " + whose + " requests");
  r.addDerived(p + "iotlb_hit_rate", [&u] { return u.hitRate(); }, "ratio", "IOTLB hits per lookup of " + whose + " requests");
  r.addDerived(p + "iotlb_misses_per_mib", [&u] { return u.missesPerMib(); }, "misses/MiB", "IOTLB misses per MiB of " + whose + " DMA");
  r.addCounter(p + "walk_reads", u.walk_reads, "reads", "paging-entry reads of walks for " + whose + " requests");
}

}  // namespace

void KvmPassthroughScenario::describeStats(StatRegistry& r) const {
  const ScenarioReport& s = report_;
  r.addCounter("scenario.packets", s.packets, "packets", "packets the NIC devices moved");
  r.addCounter("scenario.rx_packets", s.rx_packets, "packets", "packets written by the NIC devices");
  r.addCounter("scenario.tx_packets", s.tx_packets, "packets", "packets read by the NIC devices");
  r.addCounter("scenario.payload_bytes", s.payload_bytes, "bytes", "payload the devices moved (packets, command data, job input and output, bench requests; not descriptors)");
  r.addDerived("scenario.payload_gbps", [&s] { const double ns = s.dmaPhaseNs(); return ns > 0 ? double(s.payload_bytes) * 8.0 / ns : 0.0; }, "Gb/s", "payload of all devices per simulated time of the DMA phase");
  describeShare(r, "scenario.", s.unit, "all devices", "all devices'");
  r.addCounter("scenario.device_msis", s.device_msis, "MSIs", "MSIs the devices sent");
  r.addCounter("scenario.device_interrupts", s.device_interrupts, "interrupts", "device MSIs serviced by the host (remapped or direct delivery)");
  r.addCounter("scenario.guest_interrupts", s.guest_interrupts, "interrupts", "device interrupts the guests' vCPUs took (posted delivery)");
  const auto& l = s.msi_latency;
  r.addDerived("scenario.msi_latency_mean_ns", [&l] { return l.mean_ns; }, "ns", "mean time from a device issuing an MSI to the guest taking its vector (posted delivery) or to its arrival at the host CPU's APIC (remapped, direct)");
  r.addDerived("scenario.msi_latency_p50_ns", [&l] { return l.p50_ns; }, "ns", "median of that time");
  r.addDerived("scenario.msi_latency_p99_ns", [&l] { return l.p99_ns; }, "ns", "99th percentile of that time");
  r.addDerived("scenario.msi_latency_max_ns", [&l] { return l.max_ns; }, "ns", "longest of that time");
  r.addCounter("scenario.msi_latency_before_issue", l.before_issue, "MSIs", "MSIs delivered at a simulated time before their issue time (the device runs up to platform.quantum_ns ahead; counted as 0 ns)");
  r.addCounter("scenario.fault_interrupts", s.fault_interrupts, "interrupts", "fault events serviced by the host");
  r.addCounter("scenario.fault_records", s.fault_records, "records", "fault records read and cleared by the host's handler");
  r.addCounter("scenario.stray_blocked", s.stray_blocked, "DMAs", "stray DMAs beyond guest RAM that were blocked");
  r.addDerived("scenario.checks_passed", [&s] { return s.ok ? 1.0 : 0.0; }, "bool", "1 when every end-of-run check passed");
  r.addDerived("sim.setup_ns", [&s] { return s.setup_time.to_seconds() * 1e9; }, "ns", "simulated time of the host's bring-up and VM setup");
  r.addDerived("sim.dma_phase_ns", [&s] { return s.dmaPhaseNs(); }, "ns", "simulated time of the DMA phase");
  r.addDerived("sim.dma_phase_host_s", [&s] { return s.dma_host_seconds; }, "s", "host (wall-clock) time of the DMA phase");

  for (uint32_t k = 0; k < interrupts_.size(); ++k)
    if (const VcpuScheduler* sched = interrupts_[k]->scheduler())
      sched->describeStats(r, "vcpu" + std::to_string(k) + ".scheduler.");
  for (const DeviceReport& d : s.devices) {
    const std::string p = "device" + std::to_string(d.index) + ".";
    r.addDerived(p + "vm", [&d] { return double(d.vm); }, "VM", "the VM the device is assigned to");
    r.addCounter(p + "units", d.units, d.unit_name, "work the device did (" + d.workload + " workload)");
    r.addCounter(p + "payload_bytes", d.payload_bytes, "bytes", "payload the device moved (not descriptors)");
    r.addCounter(p + "busy_ps", d.active_ps, "ps", "simulated time the device worked on its workload (its program's span; bench: its measured requests)");
    r.addDerived(p + "payload_gbps", [&d] { return d.gbps(); }, "Gb/s", "payload per simulated time the device worked");
    describeShare(r, p, d.unit, "the device", "the device's");
    workloads_[d.index]->describeStats(r, p + d.workload + ".");
  }
  for (const VmReport& v : s.vms) {
    const std::string p = "vm" + std::to_string(v.index) + ".";
    r.addCounter(p + "payload_bytes", v.payload_bytes, "bytes", "payload the VM's devices moved");
    r.addDerived(p + "payload_gbps", [&v, &s] { const double ns = s.dmaPhaseNs(); return ns > 0 ? double(v.payload_bytes) * 8.0 / ns : 0.0; }, "Gb/s", "payload of the VM's devices per simulated time of the DMA phase");
    describeShare(r, p, v.unit, "the VM's devices", "the VM's devices'");
  }
}

}  // namespace vtd::platform
