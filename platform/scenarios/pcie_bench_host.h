// PcieBenchHost: the host side of the pcie-bench workload, run by the firmware on the
// platform's host CPU. It prepares the unit for one of three setups of CALIBRATION.md and
// says which device address the generator's window starts at:
//  on           the KVM-style path of the default scenario: a VM whose RAM (the buffer) is
//               mapped IOVA = guest-physical with 4 KiB leaves only, the device assigned
//               to it ("iommu-nosp": IOMMU on, superpages off); the window starts at IOVA 0
//  passthrough  translation on, the device's context entry pass-through (TT=10, ECAP.PT);
//               the window starts at the buffer's host-physical address
//  off          translation off (TE=0, the unit probed only): no IOMMU
// Setups can follow each other for the same device in the order off -> passthrough -> on
// (each step optional); going back to off disables translation (TE=0), the tables stay.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "platform/host_cpu.h"

namespace vtd::platform {

enum class BenchIommu : uint8_t {
  On,           // the window mapped through the unit with 4 KiB pages ("iommu-nosp")
  PassThrough,  // the device's context entry is pass-through (TT=10)
  Off,          // translation disabled (TE=0): no IOMMU
};

class PcieBenchHost {
 public:
  explicit PcieBenchHost(HostCpu& cpu);
  ~PcieBenchHost();
  // Sets the unit up for `mode` with a buffer of `bytes` at host-physical `host_base` for
  // device `sid`. Returns an empty string and the window's device address, or the problem.
  std::string setUp(BenchIommu mode, uint16_t sid, uint64_t host_base, uint64_t bytes,
                    uint64_t& device_base);

 private:
  struct Firmware;  // driver objects living on the CPU thread
  std::unique_ptr<Firmware> fw_;
  bool has_vm_ = false, has_passthrough_ = false;
};

}  // namespace vtd::platform
