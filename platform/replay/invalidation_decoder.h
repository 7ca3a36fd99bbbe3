// InvalidationDecoder: turns the invalidations a trace carries into the driver operations
// they ask for, so that replay applies them to its own unit. Register form (FS 6.11):
// 64-bit writes to CCMD_REG with ICC, to IOTLB_REG with IVT (the page address and AM from
// the last IVA_REG write); 32-bit writes to either half are combined with the other half's
// last value. Descriptor form (VT-d 3.x 6.5.2.1-2): context-cache (type 1) and IOTLB
// (type 2) descriptors. Register offsets are those of the replaying unit (IVA/IOTLB at
// unit.iotlb_reg_offset): a trace recorded on a unit with another ECAP.IRO would need that
// offset set the same. Everything else (other registers, wait, IEC, device-TLB and PASID
// descriptors) is not an invalidation of a cache the replay models and decodes to nothing.
// Domain ids are applied as the trace gives them (the replay's VMs get DIDs 1, 2, ... in
// order, as the driver allocates them).
#pragma once

#include <cstdint>
#include <optional>

#include "traces/format/trace_record.h"

namespace vtd::fw {
class VtdDriver;
}

namespace vtd::replay {

struct InvalidationOp {
  enum Target : uint8_t { ContextCache, Iotlb } target = Iotlb;
  unsigned granularity = 1;  // 1 global, 2 domain, 3 device (context) / page (IOTLB)
  uint16_t did = 0;
  uint16_t sid = 0;          // context device-selective
  unsigned fm = 0;           // context device-selective function mask
  uint64_t address = 0;      // IOTLB page-selective
  unsigned am = 0;
  bool ih = false;
};

class InvalidationDecoder {
 public:
  explicit InvalidationDecoder(uint32_t iva_offset) : iva_offset_(iva_offset) {}

  std::optional<InvalidationOp> registerWrite(const trace::RegisterWrite& w);
  std::optional<InvalidationOp> descriptor(const trace::InvalidationDescriptor& d) const;

 private:
  // Merges a 4- or 8-byte write at `offset` into the 64-bit shadow of the register at `base`.
  static void merge(uint64_t& shadow, uint32_t base, const trace::RegisterWrite& w);

  uint32_t iva_offset_;
  uint64_t ccmd_ = 0, iva_ = 0, iotlb_ = 0;
};

// Performs `op` through the driver (register or queued invalidation, whichever it uses);
// returns false when the driver refused it (a bad granularity, a failed flush).
bool applyInvalidation(fw::VtdDriver& driver, const InvalidationOp& op);

}  // namespace vtd::replay
