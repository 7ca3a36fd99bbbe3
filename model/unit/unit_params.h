// UnitParams: the semantic parameters of one remapping unit. CAP_REG and ECAP_REG are
// computed from these (registers/capability.h), never given as raw hex. Features that the
// model does not implement yet exist as parameters so configurations can name them, but
// validate() refuses to turn them on rather than advertising behaviour that is missing.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vtd {

class ParamRegistry;

struct UnitParams {
  uint32_t version_major = 3;  // VER_REG; register-based invalidation exists below major 6
  uint32_t version_minor = 0;
  uint32_t mgaw_bits = 48;     // CAP.MGAW + 1: widest DMA address the unit accepts
  uint32_t haw_bits = 46;      // host address width: table/page addresses above it are reserved
  std::vector<uint32_t> sagaw_bits = {39, 48};  // CAP.SAGAW: supported table widths (levels)
  uint32_t domain_id_bits = 16;                 // CAP.ND: 4, 6, ..., 16
  uint32_t fault_records = 8;                   // CAP.NFR + 1 (QEMU has 1)
  uint32_t fault_record_offset = 0x400;         // CAP.FRO * 16, bytes
  uint32_t iotlb_reg_offset = 0x500;            // ECAP.IRO * 16: IVA_REG here, IOTLB_REG at +8
  bool superpage_2m = true;                     // CAP.SLLPS bit 0
  bool superpage_1g = true;                     // CAP.SLLPS bit 1
  bool page_selective_invalidation = true;      // CAP.PSI
  uint32_t max_address_mask = 18;               // CAP.MAMV
  bool caching_mode = false;                    // CAP.CM
  bool write_buffer_flush = false;              // CAP.RWBF
  bool drain_reads = true;                      // CAP.DRD
  bool drain_writes = true;                     // CAP.DWD
  bool zero_length_reads = false;               // CAP.ZLR
  bool coherent = true;                         // ECAP.C: walks snoop CPU caches
  bool pass_through = true;                     // ECAP.PT: context TT=10
  bool snoop_control = true;                    // ECAP.SC: SNP honoured in leaf entries
  bool queued_invalidation = true;              // ECAP.QI
  bool interrupt_remapping = false;             // ECAP.IR
  bool posted_interrupts = false;               // CAP.PI    (needs IR)
  bool extended_interrupt_mode = false;         // ECAP.EIM  (needs IR)
  bool device_tlb = false;                      // ECAP.DT   (ATS: TT=01, device-TLB invalidation)
  uint32_t max_handle_mask = 15;                // ECAP.MHMV (with IR)
  bool collapse_same_source_faults = false;     // may drop a fault while one from the same
                                                // source is pending (spec allows; QEMU does)

  void describe(ParamRegistry& r, const std::string& prefix);
  // Empty when consistent; otherwise one message per problem, naming the parameter.
  std::vector<std::string> validate() const;

  // Derived values used by the model.
  bool supportsAgaw(unsigned width_bits) const;
  unsigned sagawMask() const;  // bit n set: context AW = n (width 30 + 9n) is supported
  unsigned largestAgaw() const;
  uint32_t registerBlockSize() const;  // bytes, multiple of 4 KiB
};

}  // namespace vtd
