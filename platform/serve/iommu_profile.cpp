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
  u.interrupt_remapping = false;    // decided by intremap= (see decideInterruptModes)
  u.extended_interrupt_mode = false;  // decided by eim=
  u.posted_interrupts = false;      // QEMU's intel-iommu has no posted interrupts (CAP.PI=0)
  u.device_tlb = false;
  u.max_handle_mask = 15;
  // The spec lets hardware drop a fault while one from the same source is recorded and
  // pending; QEMU does, so this profile does too (FS 7.2.1, "fault compression").
  u.collapse_same_source_faults = true;
}

enum class OnOffAuto { On, Off, Auto };

// QEMU's OnOffAuto properties take exactly these three words (not yes/true).
bool parseOnOffAuto(const std::string& text, OnOffAuto& value) {
  if (text == "on") return value = OnOffAuto::On, true;
  if (text == "off") return value = OnOffAuto::Off, true;
  if (text == "auto") return value = OnOffAuto::Auto, true;
  return false;
}

struct InterruptOptions {
  OnOffAuto intremap = OnOffAuto::Auto;
  OnOffAuto eim = OnOffAuto::Auto;
  bool buggy_eim = false;  // x-buggy-eim: EIM without asking KVM for x2APIC support
};

// Where QEMU 7.2 would keep the interrupt controllers. Under TCG (and qtest) none is in the
// kernel. Under KVM, kernel-irqchip=on, and q35's default, puts LAPICs and IOAPIC there;
// split puts only the LAPICs there; off none. vtdsim never runs KVM: this only decides
// what intremap/eim mean, so that a KVM command line gets the unit QEMU would build.
struct Irqchip {
  bool in_kernel = false;
  bool split = false;
};

bool irqchipOf(const ServeOptions& o, Irqchip& chip, std::string& error) {
  chip = {};
  if (o.accel != "kvm") return true;
  const std::string& k = o.kernel_irqchip;
  if (k.empty() || k == "on") chip = {true, false};
  else if (k == "split") chip = {true, true};
  else if (k != "off") {
    error = "-machine kernel-irqchip=" + k + ": expected on, off or split";
    return false;
  }
  return true;
}

// intremap= and eim= resolved as QEMU 7.2's x86-iommu and intel-iommu do it (checked at run
// time under TCG; the KVM rows follow QEMU's source, as no KVM was available to run them):
//  - intremap=auto is on unless the whole irqchip is in the kernel; intremap=on is refused
//    there, because the in-kernel IOAPIC would bypass the unit;
//  - eim=on needs intremap on; eim=auto is on only with an in-kernel (split) irqchip or
//    x-buggy-eim, and with interrupt remapping; eim=on without x-buggy-eim needs KVM with
//    kernel-irqchip=split (KVM's x2APIC API: with TCG, QEMU 7.2's APIC is xAPIC-only).
bool decideQemuInterruptModes(const ServeOptions& o, const InterruptOptions& io, UnitParams& u,
                              std::string& error) {
  Irqchip chip;
  if (!irqchipOf(o, chip, error)) return false;
  const bool whole_irqchip_in_kernel = chip.in_kernel && !chip.split;
  const bool ir = io.intremap == OnOffAuto::Auto ? !whole_irqchip_in_kernel : io.intremap == OnOffAuto::On;
  if (ir && whole_irqchip_in_kernel) {
    error = "-device intel-iommu: interrupt remapping cannot work with the IOAPIC in the kernel: "
            "use -machine kernel-irqchip=split (or off) with KVM, or intremap=off";
    return false;
  }
  if (io.eim == OnOffAuto::On && !ir) {
    error = "-device intel-iommu: eim=on needs interrupt remapping (intremap=on or auto)";
    return false;
  }
  const bool eim = io.eim == OnOffAuto::Auto ? ir && (chip.in_kernel || io.buggy_eim) : io.eim == OnOffAuto::On;
  if (eim && !io.buggy_eim && !chip.split) {
    error = "-device intel-iommu: eim=on needs KVM with -machine kernel-irqchip=split "
            "(x2APIC destinations need KVM's x2APIC support; x-buggy-eim=on skips the check)";
    return false;
  }
  u.interrupt_remapping = ir;
  u.extended_interrupt_mode = eim;
  return true;
}

// The vtdsim profile: on/off set the parameters, auto keeps the model's own choice.
void applyVtdsimInterruptModes(const InterruptOptions& io, UnitParams& u) {
  if (io.intremap != OnOffAuto::Auto) u.interrupt_remapping = io.intremap == OnOffAuto::On;
  if (!u.interrupt_remapping) u.posted_interrupts = false;  // posting is part of remapping
  if (io.eim != OnOffAuto::Auto) u.extended_interrupt_mode = io.eim == OnOffAuto::On;
}

}  // namespace

bool applyIommuProfile(const ServeOptions& options, UnitParams& u, std::string& error) {
  if (options.profile == "qemu-7.2") qemuBaseline(u);
  const bool qemu = options.profile == "qemu-7.2";
  InterruptOptions interrupts;
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
    } else if (name == "intremap" || name == "eim") {
      if (!parseOnOffAuto(value, name == "eim" ? interrupts.eim : interrupts.intremap)) {
        error = where + ": expected on, off or auto";
        return false;
      }
    } else if (name == "x-buggy-eim") {
      if (!needBool()) return false;
      interrupts.buggy_eim = b;
    } else if (name == "x-scalable-mode" || name == "x-pasid-mode") {
      if (!needBool()) return false;
      if (b) {
        error = where + ": scalable mode is not implemented in vtdsim yet";
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
  if (qemu) {
    if (!decideQemuInterruptModes(options, interrupts, u, error)) return false;
  } else {
    applyVtdsimInterruptModes(interrupts, u);
  }
  for (const auto& problem : u.validate()) {
    error = "-device intel-iommu: " + problem;
    return false;
  }
  return true;
}

}  // namespace vtd::serve
