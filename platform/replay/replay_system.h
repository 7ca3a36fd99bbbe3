// ReplaySystem: the machine a trace is replayed on, without SystemC: one RemappingUnit over
// a FlatMemory holding only the translation tables, brought up by the firmware library
// (VtdDriver, register-based invalidation unless ATS needs the queue) through ModelHal,
// and KVM-style VMs whose RAM is mapped IOVA = GPA -> HPA (PassthroughManager, as
// `vtdsim run`'s scenario does, with the same leaf choice). A source id is attached to
// its VM the first time the trace uses it (replay.vms: one shared VM, or one per source).
// Guest RAM itself is never allocated: translation reads tables only. Not modelled:
// interrupt remapping (interrupt requests in a trace are counted, not replayed), fault
// servicing (records stay in FRCD; the unit's own overflow rules apply), detaching.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "firmware/passthrough.h"
#include "firmware/phys_allocator.h"
#include "firmware/vtd_driver.h"
#include "model/common/flat_memory.h"
#include "model/unit/remapping_unit.h"
#include "platform/replay/model_hal.h"
#include "platform/replay/replay_params.h"

namespace vtd::replay {

struct ReplayMachine {
  UnitConfig unit;
  uint64_t vm_ram_bytes = 256ull << 20;
  uint64_t host_base = 512ull << 20;   // VM i's RAM at host_base + i * vm_ram_bytes
  fw::LeafSize leaf = fw::LeafSize::k4K;
  bool ats = false;                    // contexts with TT=01 (device.ats)
  VmAssignment vms = VmAssignment::Shared;
};

class ReplaySystem {
 public:
  static constexpr unsigned kMaxVms = 64;

  // Brings the unit up and creates the first VM. Throws std::runtime_error naming the
  // step that failed.
  explicit ReplaySystem(const ReplayMachine& machine);
  ~ReplaySystem();

  // Makes `source` a device of its VM (creating the VM for a new source under per_source)
  // the first time it is seen; cheap afterwards. Throws std::runtime_error when more than
  // kMaxVms VMs would be needed or the firmware fails.
  void attach(uint16_t source) {
    if (__builtin_expect(!attached_[source], 0)) attachNew(source);
  }

  RemappingUnit& unit() { return unit_; }
  fw::VtdDriver& driver() { return *driver_; }
  size_t vmCount() const { return manager_->vms().size(); }
  uint64_t devicesAttached() const { return devices_; }
  // The IVA_REG offset (ECAP.IRO * 16) of this unit.
  uint32_t ivaOffset() const { return iva_offset_; }

 private:
  void attachNew(uint16_t source);
  fw::Vm& createVm();

  ReplayMachine machine_;
  FlatMemory memory_;
  RemappingUnit unit_;
  ModelMmio mmio_;
  ModelMemory phys_;
  StepClock clock_;
  fw::Hal hal_;
  std::unique_ptr<fw::PhysAllocator> allocator_;
  std::unique_ptr<fw::VtdDriver> driver_;
  std::unique_ptr<fw::PassthroughManager> manager_;
  std::vector<bool> attached_ = std::vector<bool>(1 << 16, false);
  uint64_t devices_ = 0;
  uint32_t iva_offset_ = 0;
};

}  // namespace vtd::replay
