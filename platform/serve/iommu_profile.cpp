// intel-iommu properties onto UnitParams.
#include "platform/serve/iommu_profile.h"

namespace vtd::serve {

namespace {

void qemuBaseline(UnitParams& u) {
  u.version_major = 1;  // VER_REG reads 0x10
  u.version_minor = 0;
  u.mgaw_bits = 39;     // aw-bits=39 is QEMU's default
  u.haw_bits = 39;      // QEMU checks reserved address bits against aw-bits
  u.sagaw_bits = {39};
  u.domain_id_bits = 16;
  u.fault_records = 1;  // NFR=0
  u.fault_record_offset = 0x220;
  u.iotlb_reg_offset = 0xF0;
  u.superpage_2m = u.superpage_1g = true;
  u.page_selective_invalidation = true;
  u.max_address_mask = 18;
  u.caching_mode = false;
  u.write_buffer_flush = false;
  u.drain_reads = u.drain_writes = true;
  u.zero_length_reads = false;
  u.coherent = false;
  u.pass_through = true;
  u.snoop_control = false;
  u.queued_invalidation = true;     // QEMU has QI in every option set
  u.interrupt_remapping = false;    // QEMU: on with intremap=auto; vtdsim: pending
  u.extended_interrupt_mode = false;
  u.device_tlb = false;
  u.max_handle_mask = 15;
  // The spec lets hardware drop a fault while one from the same source is recorded and
  // pending; QEMU does, so this profile does too (FS 7.2.1, "fault compression").
  u.collapse_same_source_faults = true;
}

}  // namespace

bool applyIommuProfile(const ServeOptions& options, UnitParams& u, std::string& error) {
  if (options.profile == "qemu-7.2") qemuBaseline(u);
  const bool qemu = options.profile == "qemu-7.2";
  for (const auto& [name, value] : options.iommu_properties) {
    const std::string where = "-device intel-iommu: " + name + "=" + value;
    bool b = false;
    auto needBool = [&]() {
      if (parseOnOff(value, b)) return true;
      error = where + ": expected on or off";
      return false;
    };
    if (name == "aw-bits") {
      if (value == "39") {
        u.mgaw_bits = 39;
        u.sagaw_bits = {39};
      } else if (value == "48") {
        u.mgaw_bits = 48;
        u.sagaw_bits = {39, 48};
      } else {
        error = where + ": supported values for aw-bits are 39 and 48";
        return false;
      }
      if (qemu) u.haw_bits = u.mgaw_bits;
    } else if (name == "caching-mode") {
      if (!needBool()) return false;
      u.caching_mode = b;
    } else if (name == "device-iotlb") {  // ECAP.DT: TT=01, device-TLB invalidation
      if (!needBool()) return false;
      u.device_tlb = b;
    } else if (name == "dma-drain") {
      if (!needBool()) return false;
      u.drain_reads = u.drain_writes = b;
    } else if (name == "dma-translation") {
      if (!needBool()) return false;
      if (!b) {
        error = where + ": a unit without DMA translation is not modelled";
        return false;
      }
    } else if (name == "pt") {
      if (!needBool()) return false;
      u.pass_through = b;
    } else if (name == "snoop-control") {
      if (!needBool()) return false;
      u.snoop_control = b;
    } else if (name == "intremap") {
      if (value == "auto" || value == "off" || (parseOnOff(value, b) && !b)) continue;
      if (parseOnOff(value, b)) {
        error = where + ": interrupt remapping is not implemented in vtdsim yet (intremap=auto leaves it out)";
      } else {
        error = where + ": expected on, off or auto";
      }
      return false;
    } else if (name == "eim") {
      if (value == "auto" || value == "off" || (parseOnOff(value, b) && !b)) continue;
      error = where + ": x2APIC mode needs interrupt remapping, which is not implemented in vtdsim yet";
      return false;
    } else if (name == "x-scalable-mode" || name == "x-pasid-mode" || name == "x-buggy-eim") {
      if (!needBool()) return false;
      if (b) {
        error = where + ": " + (name == "x-buggy-eim" ? "QEMU's pre-2.11 EIM quirk is not modelled"
                                                       : "scalable mode is not implemented in vtdsim yet");
        return false;
      }
    } else if (name == "version") {
      if (value != "0") {
        error = where + ": only version=0 (QEMU's default: VER 1.0) is supported";
        return false;
      }
    } else if (name == "id" || name == "bus") {
      continue;  // device-tree naming; nothing refers to it here
    } else {
      error = "-device intel-iommu: property '" + name + "' is not supported";
      return false;
    }
  }
  for (const auto& problem : u.validate()) {
    error = "-device intel-iommu: " + problem;
    return false;
  }
  return true;
}

}  // namespace vtd::serve
