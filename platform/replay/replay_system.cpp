// ReplaySystem: bring-up, VM creation and attaching sources.
#include "platform/replay/replay_system.h"

#include <stdexcept>
#include <string>

namespace vtd::replay {

namespace {
constexpr uint64_t kTableBase = 16ull << 20;  // the firmware's tables start here

// Table memory for one VM: a leaf entry per page of the leaf size, the levels above, and
// slack for the root, context and queue pages.
uint64_t tableBytesPerVm(const ReplayMachine& m) {
  const unsigned shift = m.leaf == fw::LeafSize::k4K ? 12 : m.leaf == fw::LeafSize::k2M ? 21 : 30;
  const uint64_t leaves = (m.vm_ram_bytes >> shift) + 1;
  return (leaves * 8) * 2 + (1ull << 20);
}

uint64_t tableRegion(const ReplayMachine& m) {
  const uint64_t vms = m.vms == VmAssignment::Shared ? 1 : ReplaySystem::kMaxVms;
  return ((vms * tableBytesPerVm(m) + (4ull << 20)) + 0xFFF) & ~0xFFFull;
}
}  // namespace

// FlatMemory is calloc'ed: the table region costs only the pages the firmware writes.
ReplaySystem::ReplaySystem(const ReplayMachine& machine)
    : machine_(machine), memory_(kTableBase + tableRegion(machine)), unit_(machine.unit, memory_),
      mmio_(unit_), phys_(memory_), hal_{mmio_, phys_, clock_} {
  allocator_ = std::make_unique<fw::PhysAllocator>(phys_, kTableBase, tableRegion(machine));
  fw::DriverOptions options;
  // Register-based invalidation keeps the trace's own invalidations a plain register write
  // away; ATS needs the queue (device-TLB flushes are descriptors).
  options.queued_invalidation = machine.ats;
  driver_ = std::make_unique<fw::VtdDriver>(hal_, *allocator_, options);
  if (auto s = driver_->probe(); !s) throw std::runtime_error("replay: probe: " + s.error);
  if (auto s = driver_->enable(); !s) throw std::runtime_error("replay: enable: " + s.error);
  manager_ = std::make_unique<fw::PassthroughManager>(*driver_);
  createVm();
  iva_offset_ = machine.unit.unit.iotlb_reg_offset;  // ECAP.IRO * 16
}

ReplaySystem::~ReplaySystem() = default;

fw::Vm& ReplaySystem::createVm() {
  const size_t index = manager_->vms().size();
  if (index >= kMaxVms)
    throw std::runtime_error("replay: replay.vms=per_source needs more than " + std::to_string(kMaxVms) +
                             " VMs (one per source id)");
  return manager_->createVm(machine_.vm_ram_bytes, machine_.host_base + index * machine_.vm_ram_bytes,
                            machine_.leaf);
}

void ReplaySystem::attachNew(uint16_t source) {
  fw::Vm* vm = manager_->vms().front().get();
  if (machine_.vms == VmAssignment::PerSource && devices_ > 0) vm = &createVm();
  if (auto s = manager_->assignDevice(*vm, source, machine_.ats); !s)
    throw std::runtime_error("replay: attaching source " + std::to_string(source) + ": " + s.error);
  attached_[source] = true;
  ++devices_;
}

}  // namespace vtd::replay
