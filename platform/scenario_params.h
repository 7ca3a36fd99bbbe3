// ScenarioParams: the embedded default scenario, a KVM guest with one assigned NIC-like
// device (platform/scenarios/kvm_passthrough.*): guest RAM mapped IOVA = GPA, a descriptor
// ring in guest RAM, receive/transmit buffers spread over guest RAM, interrupt coalescing,
// and optionally a few stray DMAs outside guest RAM that must fault.
#pragma once

#include <cstdint>
#include <string>

namespace vtd {
class ParamRegistry;
}

namespace vtd::platform {

enum class LeafChoice : uint8_t { k4K, k2M, k1G };

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

  void describe(ParamRegistry& r, const std::string& prefix);
};

}  // namespace vtd::platform
