// ContextTables: the legacy-mode root table and the context tables behind it (FS 4.1,
// 4.2). The root table is allocated once; a bus's context table on first use. Entries are
// written in an order the walker can never misread: upper qword first, then the lower
// qword with P in one 64-bit store; clearing drops P first. When ECAP.C = 0 every store
// is flushed from the CPU caches (FS 2.2 C). Invalidation after a change is the caller's
// business. Not covered: scalable-mode tables.
#pragma once

#include <cstdint>
#include <optional>

#include "firmware/capabilities.h"
#include "firmware/driver_stats.h"
#include "firmware/phys_allocator.h"

namespace vtd::fw {

struct ContextEntry {
  uint64_t slptptr = 0;  // second-level root (ignored for pass-through)
  uint16_t did = 0;
  unsigned aw = 0;       // AW code: width 30 + 9*aw
  unsigned tt = 0;       // translation type (regs::context::kTt*)
  bool fpd = false;
};

class ContextTables {
 public:
  ContextTables(PhysMemory& memory, PhysAllocator& allocator, DriverStats& stats)
      : memory_(memory), allocator_(allocator), stats_(stats) {}

  // Allocates the zeroed root table if there is none yet; returns its address.
  uint64_t createRoot(bool flush_needed);
  uint64_t root() const { return root_; }

  // Writes a present context entry for `sid`, allocating its bus's context table.
  void install(uint16_t sid, const ContextEntry& entry, bool flush_needed);
  // Clears the entry (P first). Returns false when it was not present.
  bool clear(uint16_t sid, bool flush_needed);
  // The present entry for `sid`, decoded from memory.
  std::optional<ContextEntry> read(uint16_t sid);
  // Address of the 16-byte context entry of `sid`, or 0 when its bus has no table.
  uint64_t entryAddress(uint16_t sid);

 private:
  uint64_t contextTable(uint8_t bus, bool create, bool flush_needed);
  void flush(uint64_t address, uint64_t bytes, bool flush_needed);

  PhysMemory& memory_;
  PhysAllocator& allocator_;
  DriverStats& stats_;
  uint64_t root_ = 0;
};

}  // namespace vtd::fw
