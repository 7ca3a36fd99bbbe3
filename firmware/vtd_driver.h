// VtdDriver: brings one VT-d remapping unit up the way Linux's intel-iommu driver does
// (FS 9.A, 9.C, 9.D) and manages its legacy-mode translation state: domains with
// second-level tables, context entries for attached devices (FS 9.E), mappings, register-
// based invalidation (FS 6.11) and primary fault handling (FS 7.5). It reaches the
// hardware only through the HAL and uses its own register definitions (vtd_regs.h).
// Invalidation is register-based unless DriverOptions::queued_invalidation (then through
// the queue, QueuedInvalidator); devices attached with ATS (ContextMode::DeviceTlb, TT=01)
// get a device-TLB flush after every IOTLB flush of their domain (Linux's order).
// Interrupt remapping (FS 8, 9.B) is enabled after enable(), through the queue, by
// enableInterruptRemapping(); interruptRemapping() then allocates and writes IRTEs and
// composes the MSI/RTE values (interrupt_remapping.h). The KVM posted-interrupt descriptor
// policy is separate (posted_interrupts.h).
// Not implemented yet: scalable mode, advanced fault logging.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "firmware/capabilities.h"
#include "firmware/context_tables.h"
#include "firmware/domain.h"
#include "firmware/driver_stats.h"
#include "firmware/fault_handler.h"
#include "firmware/global_command.h"
#include "firmware/hal.h"
#include "firmware/interrupt_remapping.h"
#include "firmware/invalidation.h"
#include "firmware/mapping_types.h"
#include "firmware/phys_allocator.h"
#include "firmware/queued_invalidator.h"
#include "firmware/register_io.h"
#include "firmware/status.h"

namespace vtd::fw {

class VtdDriver {
 public:
  VtdDriver(Hal& hal, PhysAllocator& allocator, DriverOptions options = {});
  VtdDriver(const VtdDriver&) = delete;
  VtdDriver& operator=(const VtdDriver&) = delete;

  // --- bring-up (vtd_driver.cpp) ---
  // Reads VER/CAP/ECAP, decodes them, and mirrors GSTS into the GCMD shadow (FS 9.A).
  Status probe();
  // Root table, SRTP, global invalidation, stale faults, TE (FS 9.C, 9.D).
  Status enable();
  // Clears TE and waits for TES = 0. Tables and domains are kept.
  Status disable();
  bool probed() const { return probed_; }
  bool enabled() const { return enabled_; }
  const Capabilities& caps() const { return caps_; }
  uint64_t rootTable() const { return contexts_.root(); }

  // --- interrupt remapping (interrupt_remapping.h) ---
  // Needs enable() to have started the invalidation queue (DriverOptions::
  // queued_invalidation) and ECAP.IR; fails naming what is missing otherwise.
  Status enableInterruptRemapping(const InterruptRemappingOptions& options = {});
  InterruptRemapping& interruptRemapping() { return interrupt_remapping_; }
  QueuedInvalidator& queuedInvalidator() { return queued_invalidator_; }

  // --- faults ---
  void setFaultInterrupt(uint64_t msi_address, uint32_t msi_data);
  std::vector<FaultRecord> handleFaults();

  // --- domains and devices (driver_mapping.cpp) ---
  // A new domain whose width is the smallest CAP.SAGAW width >= guest_width_bits.
  // Throws std::logic_error before probe(), std::runtime_error when no width fits, the
  // domain ids are exhausted, or table memory is.
  Domain& createDomain(unsigned guest_width_bits = 48);
  // Frees the domain's tables and id; it must have no devices attached.
  Status destroyDomain(Domain& domain);
  Domain* findDomain(uint16_t did);
  Status attach(uint16_t source_id, Domain& domain, ContextMode mode = ContextMode::Translate);
  Status detach(uint16_t source_id);
  // The context entry the driver wrote for `source_id`, read back from memory.
  std::optional<ContextEntry> contextEntry(uint16_t source_id) { return contexts_.read(source_id); }

  // --- mappings (driver_mapping.cpp) ---
  Status map(Domain& domain, uint64_t iova, uint64_t phys, uint64_t size, Perm perm,
             LeafSize max_leaf = LeafSize::k4K);
  Status unmap(Domain& domain, uint64_t iova, uint64_t size);

  // --- explicit invalidation (register-based, FS 6.11) ---
  Status flushContextGlobal();
  Status flushContextDomain(uint16_t did);
  Status flushContextDevice(uint16_t sid, unsigned fm, uint16_t did);
  Status flushIotlbGlobal();
  Status flushIotlbDomain(uint16_t did);
  Status flushIotlbPages(uint16_t did, uint64_t addr, unsigned am, bool ih);
  Status flushWriteBuffer();

  const DriverStats& stats() const { return stats_; }

 private:
  bool flushNeeded() const { return !caps_.coherent; }
  Status requireProbed(const char* what) const;
  Status ownsDomain(const Domain& domain, const char* what) const;
  Status drainStaleFaults();
  Status disableQueuedInvalidation();
  Status disableProtectedMemory();
  Status afterContextChange(uint16_t sid, uint16_t did);
  Status afterMap(Domain& domain, uint64_t iova, uint64_t size);
  Status invalidateRange(uint16_t did, uint64_t iova, uint64_t size, bool leaves_only);
  // Device-TLBs of the domain's ATS devices: 2^am pages from `address` (am >= 52: all).
  Status flushDeviceTlbs(uint16_t did, uint64_t address, unsigned am);
  uint16_t allocateDid() const;

  Hal& hal_;
  PhysAllocator& allocator_;
  DriverStats stats_;
  RegisterIo io_;
  GlobalCommand gcmd_;
  Capabilities caps_;
  RegisterInvalidator register_invalidator_;
  QueuedInvalidator queued_invalidator_;
  Invalidator* invalidator_;  // one of the two
  bool use_queue_;            // DriverOptions::queued_invalidation
  FaultHandler faults_;
  ContextTables contexts_;
  InterruptRemapping interrupt_remapping_;
  std::map<uint16_t, std::unique_ptr<Domain>> domains_;  // by DID
  std::map<uint16_t, uint16_t> attached_;                // source id -> DID
  bool probed_ = false;
  bool enabled_ = false;
};

}  // namespace vtd::fw
