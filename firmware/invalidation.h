// RegisterInvalidator: context-cache and IOTLB invalidation through CCMD_REG and
// IVA_REG/IOTLB_REG (FS 6.11), the path used while queued invalidation is off. Each call
// writes the command as one 64-bit access, polls ICC/IVT back to 0, then checks the
// actual granularity the hardware reports: 0 is an error, a coarser one is accepted (the
// spec lets hardware do more than asked) and counted, a finer one is an error.
// Queued invalidation (the same operations plus device-TLB flushes) is QueuedInvalidator
// (queued_invalidator.h); Invalidator is what the driver calls either through.
#pragma once

#include <cstdint>

#include "firmware/capabilities.h"
#include "firmware/driver_stats.h"
#include "firmware/register_io.h"
#include "firmware/status.h"

namespace vtd::fw {

// The context-cache and IOTLB operations the driver needs, by register or by queue.
class Invalidator {
 public:
  virtual ~Invalidator() = default;
  virtual Status contextGlobal() = 0;
  virtual Status contextDomain(uint16_t did) = 0;
  // fm: function mask as in CCMD.FM (0 compares all SID bits; FS 6.2).
  virtual Status contextDevice(uint16_t sid, unsigned fm, uint16_t did) = 0;
  virtual Status iotlbGlobal() = 0;
  virtual Status iotlbDomain(uint16_t did) = 0;
  // 2^am pages from `address` (aligned to 2^(am+12)); ih: only leaves changed. Without
  // CAP.PSI, or with am above CAP.MAMV, a domain-selective invalidation is done instead.
  virtual Status iotlbPages(uint16_t did, uint64_t address, unsigned am, bool ih) = 0;
};

class RegisterInvalidator final : public Invalidator {
 public:
  RegisterInvalidator(RegisterIo& io, const Capabilities& caps, DriverStats& stats)
      : io_(io), caps_(caps), stats_(stats) {}

  Status contextGlobal() override;
  Status contextDomain(uint16_t did) override;
  Status contextDevice(uint16_t sid, unsigned fm, uint16_t did) override;
  Status iotlbGlobal() override;
  Status iotlbDomain(uint16_t did) override;
  Status iotlbPages(uint16_t did, uint64_t address, unsigned am, bool ih) override;

  // Smallest AM whose naturally aligned block covers [address, address + bytes).
  static unsigned addressMaskFor(uint64_t address, uint64_t bytes);

 private:
  Status context(unsigned granularity, uint64_t fields, const char* what);
  Status iotlb(unsigned granularity, uint16_t did, const char* what);
  Status checkActual(unsigned requested, unsigned actual, const char* reg, const char* field,
                     const char* what);

  RegisterIo& io_;
  const Capabilities& caps_;
  DriverStats& stats_;
};

}  // namespace vtd::fw
