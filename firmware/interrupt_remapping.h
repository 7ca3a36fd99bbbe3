// InterruptRemapping: the driver's side of VT-d interrupt remapping (FS 8, 9.B), as Linux's
// intel_setup_irq_remapping / iommu_set_irq_remapping / iommu_enable_irq_remapping do it:
// allocate the table (IRTA.S, 4 KiB aligned), IRTA with EIME when x2APIC is wanted and
// ECAP.EIM allows it, GCMD.SIRTP, a global interrupt-entry-cache invalidation unless
// CAP.ESIRTPS, GCMD.IRE, and CFI left clear (compatibility-format interrupts blocked)
// unless asked for. Then it owns the table: entries are allocated in aligned blocks
// (IrteAllocator), written in the remapped or posted format, retargeted, cleared and
// freed, each change followed by an index-selective IEC invalidation (Linux's
// modify_irte / free_irte), and it composes the remappable MSI address/data and I/O APIC
// RTE that point a device at an entry.
// Requires queued invalidation to be running (IEC invalidation exists only as a queue
// descriptor, and Linux and Xen refuse IR without QI): VtdDriver::enable() with
// DriverOptions::queued_invalidation first. Reached through VtdDriver (it shares the
// driver's GCMD shadow and queue).
// Not covered: IR without DMA remapping's driver object, kdump's "keep the old table",
// the interrupt-remapping fault handling beyond what VtdDriver::handleFaults reads,
// I/O APIC programming itself (the RTE value is returned, not written).
#pragma once

#include <cstdint>
#include <optional>
#include <unordered_map>

#include "firmware/capabilities.h"
#include "firmware/driver_stats.h"
#include "firmware/global_command.h"
#include "firmware/hal.h"
#include "firmware/interrupt_entries.h"
#include "firmware/irte_allocator.h"
#include "firmware/phys_allocator.h"
#include "firmware/queued_invalidator.h"
#include "firmware/register_io.h"
#include "firmware/status.h"

namespace vtd::fw {

struct InterruptRemappingOptions {
  // x2APIC mode: IRTA.EIME = 1 (32-bit destinations) when ECAP.EIM is set; without EIM
  // the table runs in xAPIC mode, as Linux then keeps the CPUs in xAPIC (see x2apic()).
  bool x2apic = false;
  // IRTA.S: the table has 2^(S+1) entries. Linux's 15 gives 64 Ki entries, 1 MiB.
  unsigned table_size = 15;
  // Leave GCMD.CFI set: compatibility-format interrupts pass unremapped (FS 8.1). Only
  // meaningful in xAPIC mode; Linux always clears it.
  bool compatibility_format = false;
};

class InterruptRemapping {
 public:
  InterruptRemapping(Hal& hal, RegisterIo& io, GlobalCommand& gcmd, QueuedInvalidator& queue,
                     PhysAllocator& allocator, const Capabilities& caps, DriverStats& stats)
      : hal_(hal),
        io_(io),
        gcmd_(gcmd),
        queue_(queue),
        allocator_(allocator),
        caps_(caps),
        stats_(stats) {}

  // Bring-up (FS 9.B.3-7). A later call after disable() reuses the table and its entries
  // and must ask for the same size and mode.
  Status enable(const InterruptRemappingOptions& options = {});
  // GCMD.IRE = 0, IRES = 0; table and entries are kept.
  Status disable();
  bool enabled() const { return enabled_; }
  bool x2apic() const { return eime_; }  // IRTA.EIME as programmed
  uint64_t table() const { return table_; }
  uint32_t entries() const { return entries_.entries(); }

  // --- entries; indexes must lie in an allocated block ---
  // A naturally aligned block of the next power of two >= count entries (count 2^n for a
  // multi-message MSI); its first index, or nothing when the table is full or not set up.
  std::optional<uint16_t> allocate(unsigned count = 1);
  // Clears every entry of the block that starts at `base` (P first), invalidates the block
  // in the IEC with one IM = n descriptor, and releases it.
  Status free(uint16_t base);
  Status setRemapped(uint16_t index, const RemappedEntry& entry);
  // Needs CAP.PI.
  Status setPosted(uint16_t index, const PostedEntry& entry);
  // A present remapped entry gets a new vector and destination (Linux's set_affinity).
  Status retarget(uint16_t index, uint8_t vector, uint32_t destination);
  // P = 0 (the entry stays allocated).
  Status clear(uint16_t index);
  // The entry as last written by this driver.
  Irte entry(uint16_t index) const;

  // What a device (or I/O APIC pin) is programmed with to use entry `handle`: SHV = 0 and
  // data 0; or, for an MSI block, SHV = 1 and the subhandle in the data (FS 8.1).
  static MsiMessage msiFor(uint16_t handle) { return remappableMsi(handle, false, 0); }
  static MsiMessage msiFor(uint16_t handle, uint16_t subhandle) {
    return remappableMsi(handle, true, subhandle);
  }
  static uint64_t ioapicRteFor(uint16_t index, const IoapicPin& pin) {
    return remappableIoapicRte(index, pin);
  }

 private:
  Status requireQueue() const;
  Status setUpTable(const InterruptRemappingOptions& options, bool eime);
  Status checkIndex(uint32_t index, const char* what) const;
  Status write(uint16_t index, const Irte& next, const char* what);
  void store(uint16_t index, const Irte& next);

  Hal& hal_;
  RegisterIo& io_;
  GlobalCommand& gcmd_;
  QueuedInvalidator& queue_;
  PhysAllocator& allocator_;
  const Capabilities& caps_;
  DriverStats& stats_;
  IrteAllocator entries_;
  std::unordered_map<uint16_t, Irte> written_;  // non-zero entries, as in memory
  uint64_t table_ = 0;
  unsigned size_ = 0;  // IRTA.S of table_
  bool eime_ = false;
  bool enabled_ = false;
};

}  // namespace vtd::fw
