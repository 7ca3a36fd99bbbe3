// Invalidation-queue descriptors (VT-d 3.x 6.5.2, FS 6.1-6.6): the 7-bit type, the field
// layout of each 128-bit descriptor this unit accepts, the reserved bits of each, and the
// queue-error cause (IQERCD.IQEI, FS 7.3) a descriptor earns when it is not acceptable.
// Decoding only: queued_invalidation.cpp fetches and executes.
//
// Accepted (legacy mode, 128-bit descriptors): context-cache invalidate (type 1), IOTLB
// invalidate (type 2), invalidation wait (type 5), device-TLB invalidate (type 3) when
// ECAP.DT is advertised, and interrupt-entry-cache invalidate (type 4) when ECAP.IR is
// advertised. Refused as an invalid type (IQEI 3): type 3 without ECAP.DT, type 4 without ECAP.IR,
// the scalable-mode descriptors 6-9 (no ECAP.SMTS), and every other type. A reserved bit set, or a
// reserved granularity encoding, in an accepted type gives IQEI 4.
#pragma once

#include <cstdint>

#include "model/invalidation/device_tlb_port.h"
#include "model/invalidation/invalidation_handler.h"

namespace vtd {

struct UnitParams;

// IQERCD.IQEI (FS 7.3).
enum class QueueError : uint8_t {
  None = 0,
  InvalidTail = 1,     // IQT beyond the queue
  FetchError = 2,      // the descriptor could not be read
  InvalidType = 3,     // unknown or unsupported descriptor type
  ReservedField = 4,   // reserved bit or encoding in a valid type
  InvalidWidth = 5,    // IQA.DW not valid for this unit (DW=1 without SMTS)
  TailMisaligned = 6,  // DW=1 with IQT bit 4 set (unreachable without SMTS)
};
constexpr unsigned kQueueErrorCount = 7;

constexpr unsigned kDescriptorBytes = 16;  // 128-bit descriptors (IQA.DW = 0)

// Descriptor types, type[6:4] in qword 0 bits 11:9 and type[3:0] in bits 3:0 (FS 6.1).
enum DescriptorType : uint8_t {
  kDescContextCache = 0x1,
  kDescIotlb = 0x2,
  kDescDeviceTlb = 0x3,
  kDescInterruptEntryCache = 0x4,
  kDescInvalidationWait = 0x5,
  kDescPasidIotlb = 0x6,
  kDescPasidCache = 0x7,
  kDescPasidDeviceTlb = 0x8,
  kDescPageGroupResponse = 0x9,
};

// Type 1 (FS 6.2).
struct ContextCacheDescriptor {
  unsigned granularity = 0;  // G: 1 global, 2 domain, 3 device
  uint16_t did = 0;
  SourceId sid;
  unsigned fm = 0;  // function mask
};

// Type 2 (FS 6.3).
struct IotlbDescriptor {
  unsigned granularity = 0;  // G: 1 global, 2 domain, 3 page-selective
  uint16_t did = 0;
  bool drain_reads = false;   // DR (with CAP.DRD)
  bool drain_writes = false;  // DW (with CAP.DWD)
  uint64_t address = 0;       // ADDR, 4 KiB aligned
  unsigned am = 0;            // address mask
  bool invalidation_hint = false;
};

// Type 5 (FS 6.6).
struct WaitDescriptor {
  bool interrupt = false;     // IF
  bool status_write = false;  // SW
  bool fence = false;         // FN
  uint32_t status_data = 0;
  uint64_t status_address = 0;  // dword aligned
};

struct DecodedDescriptor {
  unsigned type = 0;  // the 7-bit type
  QueueError error = QueueError::None;
  ContextCacheDescriptor context;  // valid for type 1
  IotlbDescriptor iotlb;           // type 2
  DeviceTlbInvalidation device_tlb;  // type 3
  IecInvalidation iec;             // type 4
  WaitDescriptor wait;             // type 5
  bool ok() const { return error == QueueError::None; }
};

class DescriptorDecoder {
 public:
  explicit DescriptorDecoder(const UnitParams& p);

  DecodedDescriptor decode(uint64_t qw0, uint64_t qw1) const;
  static unsigned typeOf(uint64_t qw0) {
    return unsigned(qw0 & 0xF) | unsigned((qw0 >> 9) & 0x7) << 4;
  }

  // Reserved bits of each accepted type (from the field tables of FS 6.2-6.6; DR/DW/PD
  // are reserved unless the unit advertises CAP.DRD/DWD and ECAP.PDS).
  uint64_t reservedContextQw0() const { return kContextQw0; }
  uint64_t reservedIotlbQw0() const { return iotlb_qw0_; }
  uint64_t reservedIotlbQw1() const { return kIotlbQw1; }
  uint64_t reservedDeviceTlbQw0() const { return kDeviceTlbQw0; }
  uint64_t reservedDeviceTlbQw1() const { return kDeviceTlbQw1; }
  uint64_t reservedIecQw0() const { return kIecQw0; }
  uint64_t reservedWaitQw0() const { return kWaitQw0; }
  uint64_t reservedWaitQw1() const { return kWaitQw1; }

 private:
  static constexpr uint64_t kContextQw0 = 0xFFFC'0000'0000'F1C0ull;  // 63:50, 15:12, 8:6
  static constexpr uint64_t kIotlbQw0 = 0xFFFF'FFFF'0000'F100ull;    // 63:32, 15:12, 8
  static constexpr uint64_t kIotlbQw1 = 0xF80ull;                    // 75:71
  // Type 3 without ECAP.DIT: PFSID (15:12, 63:52) is reserved too, as in QEMU (FS 6.4).
  static constexpr uint64_t kDeviceTlbQw0 = 0xFFFF'0000'FFE0'F1F0ull;  // 63:48, 31:21, 15:12, 8:4
  static constexpr uint64_t kDeviceTlbQw1 = 0xFFEull;                  // 75:65
  static constexpr uint64_t kIecQw0 = 0xFFFF'0000'07FF'F1E0ull;      // 63:48, 26:12, 8:5
  static constexpr uint64_t kWaitQw0 = 0xFFFF'F180ull;               // 31:12, 8, 7 (PD: no PDS)
  static constexpr uint64_t kWaitQw1 = 0x3ull;                       // 65:64

  void decodeContext(uint64_t qw0, uint64_t qw1, DecodedDescriptor& d) const;
  void decodeIotlb(uint64_t qw0, uint64_t qw1, DecodedDescriptor& d) const;
  void decodeDeviceTlb(uint64_t qw0, uint64_t qw1, DecodedDescriptor& d) const;
  void decodeIec(uint64_t qw0, uint64_t qw1, DecodedDescriptor& d) const;
  void decodeWait(uint64_t qw0, uint64_t qw1, DecodedDescriptor& d) const;

  uint64_t iotlb_qw0_;
  bool interrupt_remapping_;
  bool device_tlb_;
};

}  // namespace vtd
