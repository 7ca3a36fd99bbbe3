// QueuedInvalidator: context-cache, IOTLB and device-TLB invalidation through the
// invalidation queue (FS 6.1-6.6, 6.12, 9.B.2), as Linux's qi_submit_sync does it: the
// descriptors, then a wait descriptor with a status write, IQT moved past them, and the
// status word polled in memory. A queue error (FSTS.IQE) or a device-TLB time-out
// (FSTS.ITE) ends the poll: the error bit is cleared (after IQE the bad slot is overwritten
// with a harmless wait, as Linux does) and the call fails naming it. One 4 KiB queue of 256
// 128-bit descriptors (QS = 0, DW = 0), one slot always left free.
// The interrupt-entry cache (FS 6.5) is invalidated the same way: globally after SIRTP,
// index-selectively after every IRTE change (Linux's qi_flush_iec).
// Not covered: 256-bit descriptors (scalable mode), PASID-based descriptors, batching
// beyond one call, resubmission after ITE (the caller sees the failure).
#pragma once

#include <cstdint>
#include <initializer_list>

#include "firmware/capabilities.h"
#include "firmware/driver_stats.h"
#include "firmware/global_command.h"
#include "firmware/hal.h"
#include "firmware/invalidation.h"
#include "firmware/phys_allocator.h"
#include "firmware/register_io.h"
#include "firmware/status.h"

namespace vtd::fw {

class QueuedInvalidator final : public Invalidator {
 public:
  QueuedInvalidator(RegisterIo& io, Hal& hal, PhysAllocator& allocator, GlobalCommand& gcmd,
                    const Capabilities& caps, DriverStats& stats, uint64_t timeout_ns)
      : io_(io),
        hal_(hal),
        allocator_(allocator),
        gcmd_(gcmd),
        caps_(caps),
        stats_(stats),
        timeout_ns_(timeout_ns) {}

  // IQT = 0, IQA = queue | QS 0, GCMD.QIE (FS 9.B.2: Linux writes IQT before IQA).
  Status enable();
  bool enabled() const { return queue_ != 0; }

  Status contextGlobal() override;
  Status contextDomain(uint16_t did) override;
  Status contextDevice(uint16_t sid, unsigned fm, uint16_t did) override;
  Status iotlbGlobal() override;
  Status iotlbDomain(uint16_t did) override;
  Status iotlbPages(uint16_t did, uint64_t address, unsigned am, bool ih) override;
  // Device-TLB of the endpoint `sid` (FS 6.4): 2^am pages from `address` (S encoding);
  // am >= 52 invalidates everything. qdep: the device's invalidate queue depth (MIP).
  Status deviceTlb(uint16_t sid, unsigned qdep, uint64_t address, unsigned am);
  // Interrupt-entry cache (FS 6.5): everything, or the 2^im entries of the aligned block
  // holding `index`. An im above ECAP.MHMV is sent as a global invalidation (coarser is
  // always correct; a larger IM would be a reserved-field queue error).
  Status iecGlobal();
  Status iecIndex(uint16_t index, unsigned im);

 private:
  struct Desc {
    uint64_t lo, hi;
  };
  Status submit(std::initializer_list<Desc> descriptors, const char* what);
  Status recover(uint32_t fsts, const char* what);

  RegisterIo& io_;
  Hal& hal_;
  PhysAllocator& allocator_;
  GlobalCommand& gcmd_;
  const Capabilities& caps_;
  DriverStats& stats_;
  uint64_t timeout_ns_;
  uint64_t queue_ = 0, status_ = 0;  // queue page; status word (in its own page)
  uint32_t tail_ = 0;                // software's tail, bytes
  uint32_t sequence_ = 0;            // status data of the last wait
};

}  // namespace vtd::fw
