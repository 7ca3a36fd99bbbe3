// Interrupt remapping of one request (FS 8.1-8.5) and IEC invalidation (FS 6.5).
#include "model/interrupt/interrupt_remapper.h"

#include "model/common/bits.h"

namespace vtd {

namespace {
constexpr uint64_t kIrteBytes = 16;
}

void InterruptRemapState::latchIrta(uint64_t irta, bool eim_supported) {
  table = irta & ~bitMask(11, 0);
  size = uint8_t(getBits(irta, 3, 0));
  eime = eim_supported && testBit(irta, 11);
}

void InterruptRemapper::fault(InterruptRemapResult& r, FaultReason reason) const {
  r.disposition = InterruptDisposition::Fault;
  r.reason = reason;
  r.send = false;
  // FPD silences only the qualified faults (FS 7.5); r.fpd is false until the IRTE is read.
  r.record = !(isQualifiedInterruptFault(reason) && r.fpd);
}

InterruptRemapResult InterruptRemapper::remap(const InterruptRemapState& state,
                                              const MsiRequest& req) {
  InterruptRemapResult r;
  // FS 8.1: with IRES = 0 nothing is remapped; the write goes on as written.
  if (!state.enabled) {
    r.disposition = InterruptDisposition::Passthrough;
    r.send = true;
    r.message = {req.address, req.data};
    r.interrupt = ApicInterrupt::fromCompatibility(req.address, req.data);
    return r;
  }
  const InterruptRequestFields f = decodeInterruptRequest(req.address, req.data);
  if (!f.remappable()) {
    // FS 8.1: compatibility format passes only with CFIS = 1 and EIME = 0 (x2APIC mode
    // blocks it whatever CFIS says); otherwise fault 0x25, FI 0 (there is no index).
    if (!state.compat_pass || state.eime) {
      fault(r, FaultReason::IrCompatBlocked);
      return r;
    }
    r.disposition = InterruptDisposition::Compatibility;
    r.send = true;
    r.message = {req.address, req.data};
    r.interrupt = ApicInterrupt::fromCompatibility(req.address, req.data);
    return r;
  }
  r.index = f.index;
  r.fault_info = uint64_t(f.index & 0xFFFF) << 48;  // FRCD.FI[63:48] (FS 7.2)
  if (f.reason != FaultReason::None) {
    fault(r, f.reason);
    return r;
  }
  if (f.index >= state.entries()) {  // FS 8.1: index >= 2^(S+1)
    fault(r, FaultReason::IrIndexOutOfRange);
    return r;
  }
  const Irte* e = fetchIrte(state, r);
  if (!e) return r;
  r.posted_entry = e->posted;
  if (!irteSourceValid(*e, req.source)) {  // FS 8.3 SVT/SQ/SID
    fault(r, FaultReason::IrSourceCheckFailed);
    return r;
  }
  if (e->posted) {
    post(state, *e, r);
  } else {
    deliverRemapped(state, *e, r);
  }
  return r;
}

// The IRTE for r.index: from the interrupt-entry cache, or read from the table, checked
// (0x23, 0x22, 0x24) and then cached. Null after a fault.
const Irte* InterruptRemapper::fetchIrte(const InterruptRemapState& state,
                                         InterruptRemapResult& r) {
  ++r.cost.iec_lookups;
  if (const Irte* hit = cache_.lookup(r.index)) {
    ++r.cost.iec_hits;
    r.iec_hit = true;
    r.fpd = hit->fpd;
    return hit;
  }
  ++r.cost.irte_reads;
  uint64_t qw[2];
  if (!memory_.read(state.table + uint64_t(r.index) * kIrteBytes, qw, kIrteBytes)) {
    fault(r, FaultReason::IrEntryReadError);
    return nullptr;
  }
  const IrteRaw raw{qw[0], qw[1]};
  const Irte e = decodeIrte(raw, state.eime);
  r.fpd = e.fpd;  // FPD counts even in a not-present entry, as for context entries
  if (!e.present) {
    fault(r, FaultReason::IrEntryNotPresent);
    return nullptr;
  }
  if (irteReservedViolation(raw, state.eime, state.posted_supported)) {
    fault(r, FaultReason::IrEntryReserved);
    return nullptr;
  }
  if (cache_.enabled()) return cache_.insert(r.index, e).slot;
  scratch_ = e;
  return &scratch_;
}

void InterruptRemapper::deliverRemapped(const InterruptRemapState& state, const Irte& e,
                                        InterruptRemapResult& r) {
  // FS 8.3: the IRTE supplies every attribute of the delivered interrupt.
  r.disposition = InterruptDisposition::Remapped;
  r.send = true;
  r.interrupt.destination = e.destination;
  r.interrupt.x2apic = state.eime;
  r.interrupt.dm = e.dm;
  r.interrupt.rh = e.rh;
  r.interrupt.tm = e.tm;
  r.interrupt.dlm = e.dlm;
  r.interrupt.vector = e.vector;
  r.message = r.interrupt.message();
}

void InterruptRemapper::post(const InterruptRemapState& state, const Irte& e,
                             InterruptRemapResult& r) {
  r.descriptor = e.descriptor;
  r.posted_vector = e.vector;
  r.urgent = e.urgent;
  r.post = postInterrupt(memory_, e.descriptor, e.vector, e.urgent, state.eime);
  r.cost.descriptor_reads += r.post.descriptor_reads;
  r.cost.descriptor_writes += r.post.descriptor_writes;
  if (!r.post.ok()) {
    fault(r, kIrPostedDescriptorError);  // FS 7.4 row 0x27
    return;
  }
  r.disposition = InterruptDisposition::Posted;
  r.send = r.post.notified();
  if (r.send) {
    r.interrupt = r.post.notification;
    r.message = r.interrupt.message();
  }
}

uint32_t InterruptRemapper::invalidate(const IecInvalidation& request) {
  if (!request.index_selective) return cache_.invalidateAll();
  return cache_.invalidateIndex(request.index, request.index_mask);
}

}  // namespace vtd
