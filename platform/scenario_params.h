// ScenarioParams: the embedded default scenario, a KVM guest with one assigned NIC-like
// device (platform/scenarios/kvm_passthrough.*): guest RAM mapped IOVA = GPA, a descriptor
// ring in guest RAM, receive/transmit buffers spread over guest RAM, interrupt coalescing,
// optionally a few stray DMAs outside guest RAM that must fault, and the device's MSIs
// delivered as the unit allows: posted to the guest's vCPU, remapped to the host, or
// direct; the vCPU is scheduled (run / preempted / halted) so posting meets every state.
#pragma once

#include <cstdint>
#include <string>

namespace vtd {
class ParamRegistry;
}

namespace vtd::platform {

enum class LeafChoice : uint8_t { k4K, k2M, k1G };

// How the device's MSIs reach their handler. Auto: posted with CAP.PI, else remapped with
// interrupt remapping, else direct.
enum class InterruptDelivery : uint8_t {
  Auto,
  Posted,    // posted-format IRTE: the guest vector is posted into vcpu0's descriptor
  Remapped,  // remapped-format IRTE: the host CPU takes it (as VFIO's host handler would)
  Direct,    // interrupt remapping not enabled: compatibility-format MSI to the host CPU
};

struct ScenarioParams {
  uint64_t vm_ram_mib = 256;        // guest RAM
  uint64_t host_base_mib = 512;     // where guest RAM lives in host physical memory
  LeafChoice leaf = LeafChoice::k4K;  // largest leaf the host uses for guest RAM
  uint64_t packets = 100000;
  uint32_t packet_bytes = 1500;
  uint32_t ring_entries = 256;      // descriptors; one 2 KiB buffer each
  double rx_fraction = 0.5;         // share of packets the device writes (receive)
  uint32_t interrupt_every = 32;    // packets per device interrupt (coalescing)
  uint32_t stray_dmas = 2;          // DMAs beyond guest RAM at the end (must fault)
  uint64_t seed = 1;                // buffer placement and rx/tx choice
  uint32_t device_vector = 0x40;
  uint32_t fault_vector = 0x30;
  InterruptDelivery interrupts = InterruptDelivery::Auto;
  uint64_t vcpu_run_ns = 20000;        // mean time slice of the guest's vCPU
  uint64_t vcpu_preempt_ns = 5000;     // mean time it waits when preempted
  double vcpu_preempt_fraction = 0.5;  // slices ending in a preemption (the rest halt)
  uint64_t vcpu_halt_timeout_ns = 100000;  // a halted guest's timer tick

  void describe(ParamRegistry& r, const std::string& prefix);
};

}  // namespace vtd::platform
