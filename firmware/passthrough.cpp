// KVM-style VM domains: guest RAM mapped GPA -> HPA, devices attached (DESIGN.md).
#include "firmware/passthrough.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "firmware/text_format.h"

namespace vtd::fw {

uint64_t Vm::gpaToHpa(uint64_t gpa) const {
  if (gpa >= ram_bytes_) throw std::out_of_range("gpaToHpa: " + hexText(gpa) + " is outside guest RAM");
  return host_base_ + gpa;
}

namespace {
// Bits needed to address [0, bytes).
unsigned widthFor(uint64_t bytes) {
  unsigned bits = 12;
  while (bits < 64 && (1ull << bits) < bytes) ++bits;
  return bits;
}
}  // namespace

Vm& PassthroughManager::createVm(uint64_t guest_ram_bytes, uint64_t host_phys_base, LeafSize leaf,
                                 unsigned guest_width_bits) {
  if (guest_ram_bytes == 0) throw std::runtime_error("createVm: guest RAM size is 0");
  unsigned width = guest_width_bits ? guest_width_bits : driver_.caps().defaultDomainWidth();
  width = std::max(width, widthFor(guest_ram_bytes));
  Domain& domain = driver_.createDomain(width);
  // VFIO_IOMMU_MAP_DMA of all guest RAM: the leaf size follows how the RAM is backed.
  const Status mapped = driver_.map(domain, 0, host_phys_base, guest_ram_bytes, Perm::ReadWrite, leaf);
  if (!mapped) {
    (void)driver_.destroyDomain(domain);
    throw std::runtime_error("createVm: mapping guest RAM failed: " + mapped.error);
  }
  vms_.push_back(std::unique_ptr<Vm>(new Vm(domain, guest_ram_bytes, host_phys_base, leaf)));
  return *vms_.back();
}

Status PassthroughManager::assignDevice(Vm& vm, uint16_t source_id, bool ats) {
  VTD_FW_TRY(driver_.attach(source_id, vm.domain(),
                            ats ? ContextMode::DeviceTlb : ContextMode::Translate));
  vm.devices_.push_back(source_id);
  return Status::success();
}

Status PassthroughManager::releaseDevice(Vm& vm, uint16_t source_id) {
  auto it = std::find(vm.devices_.begin(), vm.devices_.end(), source_id);
  if (it == vm.devices_.end())
    return Status::failure("releaseDevice: " + sourceIdText(source_id) + " is not assigned to this VM");
  VTD_FW_TRY(driver_.detach(source_id));
  vm.devices_.erase(it);
  return Status::success();
}

}  // namespace vtd::fw
