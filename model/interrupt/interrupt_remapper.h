// InterruptRemapper: the interrupt-remapping path of one unit (VT-d 3.x ch. 5, FS 8), with
// no registers and no time. Given the state the unit latched (IRTA at SIRTP, GSTS.IRES and
// CFIS, CAP.PI), it turns one interrupt request into an interrupt for the LAPICs, a posted-
// descriptor update (with an optional notification event), or a fault value, and it
// performs interrupt-entry-cache invalidations. The unit records the faults (FRCD) and
// sends the resulting messages; this class only says what they are.
// Check order (FS 8.3, as QEMU): request format (0x25 / 0x20), index range (0x21), IRTE
// read (0x23), present (0x22), reserved bits (0x24), source id (0x26); then the posted
// descriptor (0x27).
// Not modelled: the IRTE address checked against the host address width (one source adds
// it to 0x21), the descriptor's reserved bits (0x28), I/O APIC-specific decoding.
#pragma once

#include <cstdint>

#include "model/caches/interrupt_entry_cache.h"
#include "model/common/guest_memory.h"
#include "model/common/interrupt_sink.h"
#include "model/common/types.h"
#include "model/interrupt/interrupt_request.h"
#include "model/interrupt/irte.h"
#include "model/interrupt/posted_descriptor.h"
#include "model/invalidation/invalidation_handler.h"

namespace vtd {

// Fault 0x27, "error reading the posted-interrupt descriptor" (FS 7.4; named by VirtualBox
// only): FaultReason::IrPostedDescriptorError.
constexpr FaultReason kIrPostedDescriptorError = FaultReason::IrPostedDescriptorError;

// Qualified interrupt-remapping faults (FS 7.4 "Qualified (IRTE.FPD)?"): 0x22, 0x24, 0x26,
// 0x27. The rest are detected before the IRTE has been read and are always recorded.
constexpr bool isQualifiedInterruptFault(FaultReason r) {
  return r == FaultReason::IrEntryNotPresent || r == FaultReason::IrEntryReserved ||
         r == FaultReason::IrSourceCheckFailed || r == kIrPostedDescriptorError;
}

// What the unit holds for interrupt remapping: IRTA as latched by GCMD.SIRTP (FS 8.2; later
// IRTA writes change nothing until the next SIRTP), the GSTS status bits and CAP.PI.
struct InterruptRemapState {
  uint64_t table = 0;             // IRTA[63:12]: the table base, 4 KiB aligned
  uint8_t size = 0;               // IRTA.S: 2^(S+1) entries
  bool eime = false;              // IRTA.EIME: x2APIC mode, 32-bit destination IDs
  bool enabled = false;           // GSTS.IRES
  bool compat_pass = false;       // GSTS.CFIS: compatibility-format requests pass
  bool posted_supported = false;  // CAP.PI: IM = 1 is legal

  uint32_t entries() const { return 2u << (size & 0xF); }
  // SIRTP: latch the table base, S and EIME from IRTA. EIME is taken only when ECAP.EIM is
  // set (FS 8.2: "only valid if ECAP.EIM=1").
  void latchIrta(uint64_t irta, bool eim_supported);
};

enum class InterruptDisposition : uint8_t {
  Passthrough,    // IRES = 0: the request is delivered as written
  Compatibility,  // compatibility format passed unchanged (IRES = 1, CFIS = 1, EIME = 0)
  Remapped,       // remapped-format IRTE: `interrupt` is what the IRTE says
  Posted,         // posted-format IRTE: descriptor updated, `post` says what happened
  Fault,          // blocked: `reason`; record it when `record`
};

// What remapping one request touched (to join Cost; see the integration notes).
struct InterruptCost {
  uint8_t iec_lookups = 0;
  uint8_t iec_hits = 0;
  uint8_t irte_reads = 0;        // 16-byte IRTE reads
  uint8_t descriptor_reads = 0;  // 64-byte posted-descriptor reads
  uint8_t descriptor_writes = 0;
};

struct InterruptRemapResult {
  InterruptDisposition disposition = InterruptDisposition::Passthrough;
  FaultReason reason = FaultReason::None;
  uint32_t index = 0;         // interrupt index (remappable requests)
  uint64_t fault_info = 0;    // FRCD.FI: index[15:0] << 48 (FS 7.2); 0 for compatibility faults
  bool fpd = false;           // IRTE.FPD, once the IRTE was read (even with P = 0)
  bool record = false;        // a fault the unit must record: not qualified, or FPD clear
  bool iec_hit = false;       // the IRTE came from the interrupt-entry cache
  bool posted_entry = false;  // the IRTE used is posted-format (int_cache_hit_posted vs _nonposted)
  // Something to send on the interrupt bus: the interrupt (Passthrough, Compatibility,
  // Remapped) or the notification event (Posted with post.notified()).
  bool send = false;
  ApicInterrupt interrupt;  // decoded form of `message` when send
  MsiMessage message;       // for Passthrough/Compatibility the request exactly as written
  // Posted only.
  uint64_t descriptor = 0;  // PDA
  uint8_t posted_vector = 0;
  bool urgent = false;
  PostResult post;
  InterruptCost cost;

  bool ok() const { return disposition != InterruptDisposition::Fault; }
};

class InterruptRemapper {
 public:
  InterruptRemapper(GuestMemory& memory, InterruptEntryCache& cache)
      : memory_(memory), cache_(cache) {}

  InterruptRemapResult remap(const InterruptRemapState& state, const MsiRequest& request);

  // Interrupt-entry-cache invalidation (descriptor type 4, FS 6.5): global, or the 2^IM
  // indexes of the aligned block holding IIDX. Returns the entries dropped.
  uint32_t invalidate(const IecInvalidation& request);

 private:
  void fault(InterruptRemapResult& r, FaultReason reason) const;
  const Irte* fetchIrte(const InterruptRemapState& state, InterruptRemapResult& r);
  void deliverRemapped(const InterruptRemapState& state, const Irte& e, InterruptRemapResult& r);
  void post(const InterruptRemapState& state, const Irte& e, InterruptRemapResult& r);

  GuestMemory& memory_;
  InterruptEntryCache& cache_;
  Irte scratch_;  // an IRTE read while the cache is disabled
};

}  // namespace vtd
