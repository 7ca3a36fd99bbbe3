// Request and result types shared by the whole remapping model (VT-d 3.x chapters 3 and 5):
// what a DMA request carries, what a translation returns, and the fault-reason codes of
// chapter 7. Models no behaviour.
#pragma once

#include <cstdint>

#include "model/common/cost.h"
#include "model/faults/fault_reason.h"

namespace vtd {

// PCI requester id (bus:dev.fn) as used in root/context lookups and fault records.
struct SourceId {
  uint16_t value = 0;
  constexpr uint8_t bus() const { return uint8_t(value >> 8); }
  constexpr uint8_t devfn() const { return uint8_t(value & 0xFF); }
  static constexpr SourceId fromBdf(unsigned bus, unsigned dev, unsigned fn) {
    return SourceId{uint16_t((bus & 0xFF) << 8 | (dev & 0x1F) << 3 | (fn & 0x7))};
  }
};

// Two source ids that differ at most in the function-number bits a 2-bit mask ignores:
// 0 none, 1 bit 2, 2 bits 2:1, 3 bits 2:0. The context-cache FM (FS 6.2) and the IRTE's SQ
// (FS 8.3) both use this encoding.
constexpr bool sameSourceUnderMask(SourceId a, SourceId b, unsigned mask) {
  const uint16_t ignore[4] = {0, 0x4, 0x6, 0x7};
  return ((a.value ^ b.value) & ~ignore[mask & 3]) == 0;
}

enum class AccessKind : uint8_t { Read, Write };

// The fault of a request that lacks the permission it needs (FS 7.4 LGN.2 / LGN.3).
constexpr FaultReason deniedFault(AccessKind k) {
  return k == AccessKind::Write ? FaultReason::WriteNotPermitted : FaultReason::ReadNotPermitted;
}

// PCIe address type of the request (ATS): untranslated, translation request, translated.
// A translation request (AT=01) is a read; RemappingUnit::translate() answers it with a
// Translation that completionOf() (model/translation/ats.h) turns into the completion.
enum class AddressType : uint8_t { Untranslated = 0, TranslationRequest = 1, Translated = 2 };

struct DmaRequest {
  SourceId source;
  uint64_t address = 0;  // input address (IOVA)
  uint32_t size = 0;     // bytes (0: zero-length read); callers keep it inside one 4 KiB page
  AccessKind kind = AccessKind::Read;
  AddressType at = AddressType::Untranslated;
  bool pasid_present = false;
  uint32_t pasid = 0;  // 20 bits
  bool privileged = false;
  bool execute = false;
};

enum class TranslationStatus : uint8_t {
  Ok,       // output is valid
  Fault,    // blocked; `reason` tells why (recorded or not, see fault_recorded)
  Blocked,  // not DMA at all: the address lies in the interrupt window (FS 8.1); no record
};

// Page sizes the second-level tables can map (VT-d 3.x 3.7, CAP.SLLPS).
enum class PageSize : uint8_t { Size4K = 0, Size2M = 1, Size1G = 2 };
constexpr unsigned pageShift(PageSize s) { return 12 + 9 * unsigned(s); }
constexpr uint64_t pageBytes(PageSize s) { return 1ull << pageShift(s); }

// Access rights of a translation, as the R/W bits of the paging entries.
enum Permission : uint8_t { kPermNone = 0, kPermRead = 1, kPermWrite = 2, kPermRW = 3 };

struct Translation {
  TranslationStatus status = TranslationStatus::Ok;
  FaultReason reason = FaultReason::None;
  bool fault_recorded = false;  // false when FPD suppressed it, PFO dropped it, or it collapsed
  bool translated = false;      // false: remapping off or pass-through (output = input)
  uint8_t permissions = kPermNone;
  PageSize page_size = PageSize::Size4K;
  bool snoop = false;  // SNP of the leaf (with ECAP.SC)
  bool untranslated_only = false;  // AT=01 only: the completion's U bit (model/translation/ats.h)
  uint64_t output = 0;
  Cost cost;

  bool ok() const { return status == TranslationStatus::Ok; }
};

}  // namespace vtd

namespace vtd {

// An interrupt request: a DWORD write by a device into 0xFEE0_0000-0xFEEF_FFFF (FS 8.1).
struct MsiRequest {
  SourceId source;
  uint64_t address = 0;
  uint32_t data = 0;
};

struct InterruptResult {
  bool ok = true;  // false: blocked (reason says why)
  FaultReason reason = FaultReason::None;
  bool fault_recorded = false;
  // A message to send on the interrupt bus: the interrupt itself, or for a posted
  // interrupt the notification event (none when ON was set or SN suppressed it).
  bool send = true;
  bool posted = false;   // a posted-format IRTE updated a posted-interrupt descriptor
  uint64_t address = 0;  // the message when send (x2APIC destination bits 31:8 in 63:40)
  uint32_t data = 0;
  Cost cost;
};

}  // namespace vtd
