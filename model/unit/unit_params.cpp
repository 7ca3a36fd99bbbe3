// UnitParams: description, validation and derived values.
#include "model/unit/unit_params.h"

#include <algorithm>
#include <sstream>

#include "model/common/param_registry.h"

namespace vtd {

void UnitParams::describe(ParamRegistry& r, const std::string& p) {
  r.addUInt(p + "version_major", version_major, 1, 5, "", "VER_REG major version (register-based invalidation exists below 6)");
  r.addUInt(p + "version_minor", version_minor, 0, 15, "", "VER_REG minor version");
  r.addUInt(p + "mgaw_bits", mgaw_bits, 30, 57, "bits", "maximum guest address width (CAP.MGAW+1)");
  r.addUInt(p + "haw_bits", haw_bits, 32, 52, "bits", "host address width; table and page addresses above it are reserved bits");
  r.addUIntList(p + "sagaw_bits", sagaw_bits, {30, 39, 48, 57}, "bits", "supported second-level table widths (CAP.SAGAW): 30/39/48/57 = 2/3/4/5 levels");
  r.addUInt(p + "domain_id_bits", domain_id_bits, 4, 16, "bits", "domain-id width (CAP.ND); even values 4..16");
  r.addUInt(p + "fault_records", fault_records, 1, 256, "records", "number of fault recording registers (CAP.NFR+1)");
  r.addUInt(p + "fault_record_offset", fault_record_offset, 0xF0, 0x3FF0, "bytes", "offset of FRCD_REG[0] (CAP.FRO*16)");
  r.addUInt(p + "iotlb_reg_offset", iotlb_reg_offset, 0xF0, 0x3FF0, "bytes", "offset of IVA_REG; IOTLB_REG follows at +8 (ECAP.IRO*16)");
  r.addBool(p + "superpage_2m", superpage_2m, "2 MiB second-level leaves (CAP.SLLPS bit 0)");
  r.addBool(p + "superpage_1g", superpage_1g, "1 GiB second-level leaves (CAP.SLLPS bit 1)");
  r.addBool(p + "page_selective_invalidation", page_selective_invalidation, "page-selective IOTLB invalidation (CAP.PSI)");
  r.addUInt(p + "max_address_mask", max_address_mask, 0, 63, "", "largest address-mask value for page invalidation (CAP.MAMV)");
  r.addBool(p + "caching_mode", caching_mode, "caching mode (CAP.CM): not-present and erroneous entries are cached (negative IOTLB and context-cache entries) until invalidated");
  r.addBool(p + "write_buffer_flush", write_buffer_flush, "software must flush the write buffer (CAP.RWBF)");
  r.addBool(p + "drain_reads", drain_reads, "read draining supported (CAP.DRD)");
  r.addBool(p + "drain_writes", drain_writes, "write draining supported (CAP.DWD)");
  r.addBool(p + "zero_length_reads", zero_length_reads, "zero-length reads to write-only pages allowed (CAP.ZLR)");
  r.addBool(p + "coherent", coherent, "table walks snoop CPU caches (ECAP.C)");
  r.addBool(p + "pass_through", pass_through, "context translation type 10 pass-through (ECAP.PT)");
  r.addBool(p + "snoop_control", snoop_control, "SNP bit honoured in leaf entries (ECAP.SC)");
  r.addBool(p + "queued_invalidation", queued_invalidation, "queued invalidation (ECAP.QI): the invalidation queue, descriptors and the completion event");
  r.addBool(p + "interrupt_remapping", interrupt_remapping, "interrupt remapping (ECAP.IR): IRTA/SIRTP, IRE, CFI, remapped-format IRTEs, the interrupt-entry cache and its invalidation");
  r.addBool(p + "posted_interrupts", posted_interrupts, "posted interrupts (CAP.PI): posted-format IRTEs update a posted-interrupt descriptor; needs interrupt remapping");
  r.addBool(p + "extended_interrupt_mode", extended_interrupt_mode, "x2APIC interrupt mode (ECAP.EIM); needs interrupt remapping");
  r.addBool(p + "device_tlb", device_tlb, "device-TLB / ATS (ECAP.DT): context TT=01, translation and translated requests, device-TLB invalidation (FSTS.ITE on a time-out)");
  r.addUInt(p + "max_handle_mask", max_handle_mask, 0, 15, "", "largest interrupt-entry-cache index mask (ECAP.MHMV)");
  r.addBool(p + "collapse_same_source_faults", collapse_same_source_faults, "drop a fault while a record from the same source is pending (allowed by the spec; QEMU does it)");
}

bool UnitParams::supportsAgaw(unsigned width_bits) const {
  return std::find(sagaw_bits.begin(), sagaw_bits.end(), width_bits) != sagaw_bits.end();
}

unsigned UnitParams::sagawMask() const {
  unsigned mask = 0;
  for (auto w : sagaw_bits) mask |= 1u << ((w - 30) / 9);
  return mask;
}

unsigned UnitParams::largestAgaw() const {
  unsigned best = 0;
  for (auto w : sagaw_bits) best = std::max<unsigned>(best, w);
  return best;
}

uint32_t UnitParams::registerBlockSize() const {
  uint32_t end = std::max<uint32_t>(0x1000, fault_record_offset + 16 * fault_records);
  end = std::max<uint32_t>(end, iotlb_reg_offset + 16);
  return (end + 0xFFF) & ~0xFFFu;
}

std::vector<std::string> UnitParams::validate() const {
  std::vector<std::string> errors;
  auto fail = [&](const std::string& m) { errors.push_back(m); };
  if (domain_id_bits % 2 != 0) fail("unit.domain_id_bits must be even (4, 6, ..., 16)");
  if (fault_record_offset % 16) fail("unit.fault_record_offset must be a multiple of 16");
  if (iotlb_reg_offset % 16) fail("unit.iotlb_reg_offset must be a multiple of 16");
  // The two capability-placed blocks must not overlap each other. The fixed registers end
  // at 0xF0 (PEUADDR is the last, at 0xEC) and both offsets start at or above it; QEMU
  // places IVA_REG at 0xF0 (IRO=0xF).
  uint64_t frcd_end = uint64_t(fault_record_offset) + 16ull * fault_records;
  if (iotlb_reg_offset + 16 > fault_record_offset && iotlb_reg_offset < frcd_end) {
    std::ostringstream s;
    s << "unit.iotlb_reg_offset 0x" << std::hex << iotlb_reg_offset
      << " overlaps the fault recording registers at 0x" << fault_record_offset << "..0x"
      << frcd_end - 1;
    fail(s.str());
  }
  if (frcd_end > 0x4000) fail("unit.fault_record_offset + 16*fault_records must stay below 0x4000");
  if (posted_interrupts && !interrupt_remapping) fail("unit.posted_interrupts needs unit.interrupt_remapping");
  if (extended_interrupt_mode && !interrupt_remapping)
    fail("unit.extended_interrupt_mode needs unit.interrupt_remapping");
  return errors;
}

}  // namespace vtd
