// PassthroughManager: KVM/VFIO-style device assignment on top of VtdDriver (DESIGN.md,
// "The passthrough path we study"). One domain per VM; all guest RAM mapped once at VM
// creation with IOVA = guest-physical and output = host_phys_base + gpa, read/write, in
// the largest leaves alignment and CAP.SLLPS allow, never above the VM's backing size
// (as VFIO_IOMMU_MAP_DMA does for hugepage-backed guests); assigned devices get
// translating context entries in that domain. Not covered: interrupt remapping and posted
// interrupts for the VM's MSIs, memory hot-plug, non-contiguous host backing.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "firmware/domain.h"
#include "firmware/mapping_types.h"
#include "firmware/status.h"
#include "firmware/vtd_driver.h"

namespace vtd::fw {

class Vm {
 public:
  Domain& domain() const { return domain_; }
  uint64_t ramBytes() const { return ram_bytes_; }
  uint64_t hostBase() const { return host_base_; }
  LeafSize leaf() const { return leaf_; }
  const std::vector<uint16_t>& devices() const { return devices_; }
  // Host-physical address behind a guest-physical one; throws std::out_of_range for a
  // GPA outside guest RAM.
  uint64_t gpaToHpa(uint64_t gpa) const;

 private:
  friend class PassthroughManager;
  Vm(Domain& domain, uint64_t ram_bytes, uint64_t host_base, LeafSize leaf)
      : domain_(domain), ram_bytes_(ram_bytes), host_base_(host_base), leaf_(leaf) {}

  Domain& domain_;
  uint64_t ram_bytes_;
  uint64_t host_base_;
  LeafSize leaf_;
  std::vector<uint16_t> devices_;
};

class PassthroughManager {
 public:
  explicit PassthroughManager(VtdDriver& driver) : driver_(driver) {}

  // A VM whose guest RAM [0, guest_ram_bytes) is backed by host memory starting at
  // host_phys_base. guest_width_bits = 0 picks the width Linux gives its domains (the
  // largest supported <= 57, FS 9.A.2), widened if the RAM needs more. Throws
  // std::runtime_error when the domain cannot be created or the RAM cannot be mapped.
  Vm& createVm(uint64_t guest_ram_bytes, uint64_t host_phys_base, LeafSize leaf,
               unsigned guest_width_bits = 0);
  // ats: the device has ATS enabled, so its context gets TT=01 (the driver then flushes
  // its device-TLB after the IOTLB; needs ECAP.DT and queued invalidation).
  Status assignDevice(Vm& vm, uint16_t source_id, bool ats = false);
  Status releaseDevice(Vm& vm, uint16_t source_id);
  const std::vector<std::unique_ptr<Vm>>& vms() const { return vms_; }

 private:
  VtdDriver& driver_;
  std::vector<std::unique_ptr<Vm>> vms_;
};

}  // namespace vtd::fw
