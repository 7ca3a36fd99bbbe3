// CAP/ECAP encoding (fact sheet 2.1 and 2.2).
#include "model/registers/capability.h"

#include "model/common/bits.h"
#include "model/unit/unit_params.h"

namespace vtd {

uint64_t encodeCap(const UnitParams& p) {
  uint64_t cap = 0;
  cap = setBits(cap, 2, 0, (p.domain_id_bits - 4) / 2);  // ND
  cap |= p.write_buffer_flush ? bit(4) : 0;              // RWBF
  cap |= p.caching_mode ? bit(7) : 0;                    // CM
  cap = setBits(cap, 12, 8, p.sagawMask());              // SAGAW: bit 8 = 30-bit, 9 = 39, ...
  cap = setBits(cap, 21, 16, p.mgaw_bits - 1);           // MGAW
  cap |= p.zero_length_reads ? bit(22) : 0;              // ZLR
  cap = setBits(cap, 33, 24, p.fault_record_offset / 16);  // FRO
  cap |= p.superpage_2m ? bit(34) : 0;                     // SLLPS: 2 MiB
  cap |= p.superpage_1g ? bit(35) : 0;                     // SLLPS: 1 GiB
  cap |= p.page_selective_invalidation ? bit(39) : 0;      // PSI
  cap = setBits(cap, 47, 40, p.fault_records - 1);         // NFR
  cap = setBits(cap, 53, 48, p.max_address_mask);          // MAMV
  cap |= p.drain_writes ? bit(54) : 0;                     // DWD
  cap |= p.drain_reads ? bit(55) : 0;                      // DRD
  cap |= p.posted_interrupts ? bit(59) : 0;                // PI
  return cap;
}

uint64_t encodeEcap(const UnitParams& p) {
  uint64_t ecap = 0;
  ecap |= p.coherent ? bit(0) : 0;                 // C
  ecap |= p.queued_invalidation ? bit(1) : 0;      // QI
  ecap |= p.device_tlb ? bit(2) : 0;               // DT
  ecap |= p.interrupt_remapping ? bit(3) : 0;      // IR
  ecap |= p.extended_interrupt_mode ? bit(4) : 0;  // EIM
  ecap |= p.pass_through ? bit(6) : 0;             // PT
  ecap |= p.snoop_control ? bit(7) : 0;            // SC
  ecap = setBits(ecap, 17, 8, p.iotlb_reg_offset / 16);  // IRO
  if (p.interrupt_remapping) ecap = setBits(ecap, 23, 20, p.max_handle_mask);  // MHMV
  return ecap;
}

uint32_t encodeVersion(const UnitParams& p) {
  return uint32_t((p.version_major & 0xF) << 4 | (p.version_minor & 0xF));
}

}  // namespace vtd
