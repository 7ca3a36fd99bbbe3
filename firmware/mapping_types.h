// Vocabulary shared by the driver and the passthrough manager: access permissions of a
// mapping, the leaf sizes second-level tables can use (FS 5.1, CAP.SLLPS), and the kind of
// context a device is attached with (FS 4.2 TT). Models no behaviour.
#pragma once

#include <cstdint>

namespace vtd::fw {

// Permissions as the R and W bits of a second-level entry (FS 5.1).
enum class Perm : uint8_t { Read = 1, Write = 2, ReadWrite = 3 };

// Leaf sizes: 4 KiB PTE, 2 MiB PDE with PS=1, 1 GiB PDPE with PS=1 (FS 5.1).
enum class LeafSize : uint8_t { k4K = 0, k2M = 1, k1G = 2 };
constexpr unsigned leafShift(LeafSize s) { return 12 + 9 * unsigned(s); }
constexpr uint64_t leafBytes(LeafSize s) { return 1ull << leafShift(s); }
// Level of the table that holds a leaf of this size (1 = PTE).
constexpr unsigned leafLevel(LeafSize s) { return 1 + unsigned(s); }
constexpr unsigned kLeafSizeCount = 3;

// Context translation type used for an attached device (FS 4.2): second-level translation
// through the domain's tables (TT=00), the same for a device with ATS (TT=01, needs
// ECAP.DT and queued invalidation for its device-TLB flushes), or pass-through (TT=10,
// needs ECAP.PT).
enum class ContextMode : uint8_t { Translate, PassThrough, DeviceTlb };

}  // namespace vtd::fw
