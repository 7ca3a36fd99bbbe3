// ScenarioParams: the scenario of `vtdsim run` (platform/scenarios/kvm_passthrough.*):
// scenario.vms KVM guests, each with scenario.devices_per_vm assigned devices, each device
// running a workload (scenario.workload: NIC rings, NVMe queues, a streaming accelerator,
// the pcie-bench-like generator; their own parameters are nic.*, nvme.*, accel.*,
// pcie_bench.*). Guest RAM mapped IOVA = GPA (or the IOMMU off / pass-through for the
// same workload: scenario.iommu), guest buffers placed by scenario.alloc, optionally a few
// stray DMAs outside guest RAM that must fault, and the devices' MSIs delivered as the
// unit allows: posted to the VM's vCPU, remapped to the host, or direct; each vCPU is
// scheduled (run / preempted / halted) so posting meets every state. The default is one
// VM with one NIC-like device.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "platform/workloads/workload_params.h"

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

enum class WorkloadKind : uint8_t { Nic, Nvme, Accel, Bench, Mixed };

// What the unit does for the assigned devices' DMA.
enum class IommuMode : uint8_t {
  On,           // guest RAM mapped IOVA = GPA in a domain per VM (device assignment)
  Off,          // translation disabled (TE=0): the devices use host-physical addresses
  PassThrough,  // translation on, the devices' contexts pass-through (TT=10): host-physical
};

// How the guest places the pages of its buffers.
enum class AllocPolicy : uint8_t {
  Random,      // any free page of guest RAM (a long-running, fragmented guest)
  Contiguous,  // the lowest free pages, one after the other (a fresh guest, a hugepage pool)
};

struct ScenarioParams {
  uint32_t vms = 1;
  uint32_t devices_per_vm = 1;      // requester ids 00:04.0 upwards, VM by VM
  std::vector<WorkloadKind> workload{WorkloadKind::Nic};  // dealt to the devices in turn
  IommuMode iommu = IommuMode::On;
  AllocPolicy alloc = AllocPolicy::Random;
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
  NicParams nic;
  NvmeParams nvme;
  AccelParams accel;

  void describe(ParamRegistry& r, const std::string& prefix);
  uint32_t deviceCount() const { return vms * devices_per_vm; }
  // The workload of device `index` (mixed expanded to nic, nvme, accel).
  WorkloadKind workloadOf(uint32_t index) const;
};

const char* workloadName(WorkloadKind k);

}  // namespace vtd::platform
