// Legacy-mode root and context entries (VT-d 3.x 9.1-9.3, FS 4.1-4.2) and the lookup
// that turns a source id into a validated context: root entry at RTA + bus*16, context
// entry at CTP + devfn*16, each checked for read errors, presence, reserved bits, and the
// translation type and address width this unit supports. Scalable-mode entries are not
// modelled yet.
#pragma once

#include <cstdint>

#include "model/common/cost.h"
#include "model/common/guest_memory.h"
#include "model/common/types.h"

namespace vtd {

struct UnitParams;

// Context-entry translation type (FS 4.2).
enum class TranslationType : uint8_t { SecondLevel = 0, DeviceTlb = 1, PassThrough = 2, Reserved = 3 };

// A validated context entry, as the context cache holds it.
struct ContextInfo {
  uint64_t slptptr = 0;  // second-level table root (4 KiB aligned)
  uint16_t did = 0;
  TranslationType tt = TranslationType::SecondLevel;
  uint8_t levels = 0;     // AW + 2
  uint8_t agaw_bits = 0;  // 30 + 9*AW
  bool fpd = false;
  // CM=1 only (VT-d 3.x 6.1): a cached not-present or erroneous root/context entry, tagged
  // with DID 0; the fault every request from its source gets until it is invalidated.
  FaultReason negative = FaultReason::None;
};

struct ContextLookup {
  FaultReason fault = FaultReason::None;
  bool fpd = false;  // FPD of the context entry when it was read (even with P=0)
  ContextInfo info;
};

// Field decoders shared by the lookup and by tests.
namespace entry {
constexpr bool rootPresent(uint64_t lo) { return lo & 1; }
constexpr uint64_t rootContextTable(uint64_t lo) { return lo & ~0xFFFull; }
constexpr bool ctxPresent(uint64_t lo) { return lo & 1; }
constexpr bool ctxFpd(uint64_t lo) { return (lo >> 1) & 1; }
constexpr unsigned ctxTt(uint64_t lo) { return unsigned((lo >> 2) & 3); }
constexpr uint64_t ctxSlptptr(uint64_t lo) { return lo & ~0xFFFull; }
constexpr unsigned ctxAw(uint64_t hi) { return unsigned(hi & 7); }
constexpr uint16_t ctxDid(uint64_t hi) { return uint16_t(hi >> 8); }
}  // namespace entry

class ContextReader {
 public:
  explicit ContextReader(const UnitParams& p);
  ContextLookup lookup(GuestMemory& memory, uint64_t root_table, SourceId sid, Cost& cost) const;

 private:
  uint64_t root_lo_reserved_, ctx_lo_reserved_, ctx_hi_reserved_;
  unsigned sagaw_mask_;  // bit n set: AW=n supported
  uint64_t above_haw_;
  bool pass_through_, device_tlb_;
};

}  // namespace vtd
