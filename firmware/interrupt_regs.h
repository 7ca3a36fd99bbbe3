// The driver's own definitions for interrupt remapping, the part of vtd_regs.h that covers
// FS 8: IRTA_REG, the 128-bit IRTE in its remapped and posted formats, the remappable MSI
// address/data, the remappable I/O APIC redirection entry, the posted-interrupt descriptor
// and the interrupt-entry-cache invalidate descriptor (FS 6.5). Typed from the fact sheet
// only; the model keeps its own (model/interrupt/), so an encoding mistake on either side
// shows up as a disagreement. Fields of qword 1 (bits 127:64) are given relative to qword 1.
// Not covered: the compatibility-format RTE (the I/O APIC's own business), 256-bit
// invalidation descriptors.
#pragma once

#include <cstdint>

#include "firmware/vtd_regs.h"

namespace vtd::fw::regs {

// --- IRTA_REG (FS 8.2) ---
namespace irta {
constexpr Field IRTA{63, 12};  // table base >> 12
constexpr uint64_t EIME = bit(11);
constexpr Field S{3, 0};  // 2^(S+1) entries of 16 bytes
constexpr unsigned kMaxS = 15;
}  // namespace irta

// --- IRTE, 128-bit; `lo` = bits 63:0, `hi` = bits 127:64 (FS 8.3, 8.4) ---
namespace irte {
constexpr uint32_t kEntryBytes = 16;
// lo, both formats
constexpr uint64_t P = bit(0);
constexpr uint64_t FPD = bit(1);
constexpr Field AVAIL{11, 8};
constexpr uint64_t IM = bit(15);  // 0 remapped, 1 posted
constexpr Field V{23, 16};        // remapped: vector; posted: VV, the virtual vector
// lo, remapped format (IM = 0)
constexpr uint64_t DM = bit(2);
constexpr uint64_t RH = bit(3);
constexpr uint64_t TM = bit(4);
constexpr Field DLM{7, 5};
constexpr Field DST{63, 32};        // EIME = 1: the 32-bit x2APIC ID
constexpr Field DST_XAPIC{47, 40};  // EIME = 0: the 8-bit xAPIC ID (39:32, 63:48 reserved)
// lo, posted format (IM = 1)
constexpr uint64_t URG = bit(14);
constexpr Field PDA_L{63, 38};  // descriptor address bits 31:6
// hi, both formats (absolute bits 83:64)
constexpr Field SID{15, 0};
constexpr Field SQ{17, 16};
constexpr Field SVT{19, 18};
// hi, posted format
constexpr Field PDA_H{63, 32};  // descriptor address bits 63:32
constexpr unsigned kSvtNone = 0, kSvtRequester = 1, kSvtBusRange = 2;
}  // namespace irte

// --- Remappable-format interrupt request (FS 8.1) ---
namespace msi {
constexpr uint64_t kBase = 0xFEE0'0000;  // address bits 31:20 = 0xFEE; bits 63:32 = 0
constexpr uint64_t HANDLE_15 = bit(2);
constexpr uint64_t SHV = bit(3);
constexpr uint64_t FORMAT = bit(4);  // 1 = remappable
constexpr Field HANDLE_14_0{19, 5};
constexpr Field SUBHANDLE{15, 0};  // data; bits 31:16 reserved
}  // namespace msi

// --- Remappable I/O APIC redirection entry (FS 8.1) ---
namespace ioapic_rte {
constexpr Field VECTOR{7, 0};  // kept for EOI matching by the I/O APIC
constexpr uint64_t INDEX_15 = bit(11);
constexpr uint64_t POLARITY_LOW = bit(13);
constexpr uint64_t TRIGGER_LEVEL = bit(15);
constexpr uint64_t MASK = bit(16);
constexpr uint64_t FORMAT = bit(48);  // 1 = remappable
constexpr Field INDEX_14_0{63, 49};
}  // namespace ioapic_rte

// --- Posted-interrupt descriptor, 64 bytes, 64-byte aligned (FS 8.5) ---
// PIR is bytes 0..31; everything else the driver changes lives in the control quadword at
// byte 32 (bits 319:256), so the fields below are positions within that quadword.
namespace pid {
constexpr uint64_t kBytes = 64;
constexpr uint64_t kPirBytes = 32;
constexpr uint64_t kControl = 32;  // byte offset of bits 319:256
constexpr uint64_t ON = bit(0);
constexpr uint64_t SN = bit(1);
constexpr Field NV{23, 16};
constexpr Field NDST{63, 32};        // x2APIC: the full 32-bit ID
constexpr Field NDST_XAPIC{47, 40};  // xAPIC: the ID in NDST[15:8]
}  // namespace pid

// --- Interrupt-entry-cache invalidate descriptor, type 4 (FS 6.5) ---
namespace iec_dsc {
constexpr uint64_t kType = 0x4;
constexpr uint64_t G_INDEX = bit(4);  // 0 = global, 1 = index-selective
constexpr Field IM{31, 27};           // 2^IM entries from IIDX (aligned); IM <= ECAP.MHMV
constexpr Field IIDX{47, 32};
}  // namespace iec_dsc

}  // namespace vtd::fw::regs
