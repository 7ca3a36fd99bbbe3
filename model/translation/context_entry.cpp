// Root/context lookup with the legacy-mode checks in the order the hardware meets them:
// root read (0x8), root present (0x1), root reserved (0xA), context read (0x9), context
// present (0x2), context reserved (0xB), translation type and width (0x3). FS 4.1, 4.2, 7.4.
#include "model/translation/context_entry.h"

#include "model/common/bits.h"
#include "model/unit/unit_params.h"

namespace vtd {

ContextReader::ContextReader(const UnitParams& p) {
  const uint64_t above_haw = ~addressMask(p.haw_bits);
  // Root: bits 11:1 reserved, CTP bits at or above HAW reserved; upper qword reserved.
  root_lo_reserved_ = bitMask(11, 1) | above_haw;
  // Context low: 11:4 reserved, SLPTPTR at or above HAW (checked only when used).
  ctx_lo_reserved_ = bitMask(11, 4);
  // Context high: bit 7 and 63:24 reserved, and DID bits above the ND width (FS 2.1 ND).
  ctx_hi_reserved_ = bit(7) | bitMask(63, 24);
  if (p.domain_id_bits < 16) ctx_hi_reserved_ |= bitMask(23, 8 + p.domain_id_bits);
  sagaw_mask_ = p.sagawMask();
  pass_through_ = p.pass_through;
  device_tlb_ = p.device_tlb;
  above_haw_ = above_haw;
}

ContextLookup ContextReader::lookup(GuestMemory& memory, uint64_t root_table, SourceId sid,
                                    Cost& cost) const {
  ContextLookup r;
  uint64_t root[2];
  ++cost.root_reads;
  if (!memory.read(root_table + 16ull * sid.bus(), root, 16)) {
    r.fault = FaultReason::RootReadError;
    return r;
  }
  if (!entry::rootPresent(root[0])) {
    r.fault = FaultReason::RootNotPresent;
    return r;
  }
  if ((root[0] & root_lo_reserved_) || root[1]) {
    r.fault = FaultReason::RootReserved;
    return r;
  }
  uint64_t ctx[2];
  ++cost.context_reads;
  if (!memory.read(entry::rootContextTable(root[0]) + 16ull * sid.devfn(), ctx, 16)) {
    r.fault = FaultReason::ContextReadError;
    return r;
  }
  r.fpd = entry::ctxFpd(ctx[0]);
  if (!entry::ctxPresent(ctx[0])) {
    r.fault = FaultReason::ContextNotPresent;
    return r;
  }
  const unsigned tt = entry::ctxTt(ctx[0]);
  // SLPTPTR is ignored for pass-through (FS 4.2), so its upper bits are reserved only
  // when the entry points at tables.
  const uint64_t lo_reserved =
      ctx_lo_reserved_ | (tt == unsigned(TranslationType::PassThrough) ? 0 : above_haw_);
  if ((ctx[0] & lo_reserved) || (ctx[1] & ctx_hi_reserved_)) {
    r.fault = FaultReason::ContextReserved;
    return r;
  }
  const unsigned aw = entry::ctxAw(ctx[1]);
  const bool tt_ok = tt == unsigned(TranslationType::SecondLevel) ||
                     (tt == unsigned(TranslationType::PassThrough) && pass_through_) ||
                     (tt == unsigned(TranslationType::DeviceTlb) && device_tlb_);
  if (!tt_ok || aw > 4 || !(sagaw_mask_ & (1u << aw))) {
    r.fault = FaultReason::ContextInvalid;
    return r;
  }
  r.info.slptptr = entry::ctxSlptptr(ctx[0]);
  r.info.did = entry::ctxDid(ctx[1]);
  r.info.tt = TranslationType(tt);
  r.info.levels = uint8_t(aw + 2);
  r.info.agaw_bits = uint8_t(30 + 9 * aw);
  r.info.fpd = r.fpd;
  return r;
}

}  // namespace vtd
