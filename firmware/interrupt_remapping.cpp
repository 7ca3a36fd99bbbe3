// Interrupt-remapping bring-up (FS 8.2, 9.B) and table maintenance (FS 6.5, 8.3, 8.4).
#include "firmware/interrupt_remapping.h"

#include <stdexcept>
#include <string>

#include "firmware/interrupt_regs.h"
#include "firmware/text_format.h"

namespace vtd::fw {

using namespace regs;

namespace {
std::string prefixed(const char* what, const std::string& problem) {
  return std::string(what) + ": " + problem;
}
}  // namespace

// FS 9.B.2: Linux enables QI itself when it is not running; here the driver's queue must
// already run (its invalidator decides register- vs queue-based DMA invalidation, and
// the two cannot coexist, FS 6.11). Xen likewise refuses IR unless QIES = 1 (FS 9.G.2).
Status InterruptRemapping::requireQueue() const {
  if (queue_.enabled() && (io_.read32(GSTS_REG) & gsts::QIES)) return Status::success();
  return Status::failure(
      "interrupt remapping: queued invalidation is not running (GSTS.QIES = 0); IR needs it "
      "for interrupt-entry-cache invalidation: construct the driver with "
      "DriverOptions::queued_invalidation and call VtdDriver::enable() first");
}

Status InterruptRemapping::enable(const InterruptRemappingOptions& options) {
  if (!caps_.ir) return Status::failure("interrupt remapping: ECAP.IR = 0, the unit has none");
  if (options.table_size > irta::kMaxS)
    return Status::failure("interrupt remapping: IRTA.S " + std::to_string(options.table_size) +
                           " is above 15");
  const bool eime = options.x2apic && caps_.eim;
  // CFIS lets compatibility-format interrupts through only while EIME = 0 (FS 8.1).
  if (options.compatibility_format && eime)
    return Status::failure(
        "interrupt remapping: compatibility format has no effect in x2APIC mode (EIME = 1)");
  VTD_FW_TRY(requireQueue());
  // FS 9.B.3: remapping left on by earlier software is switched off first.
  if (io_.read32(GSTS_REG) & gsts::IRES) VTD_FW_TRY(gcmd_.setInterruptRemapping(false));
  VTD_FW_TRY(setUpTable(options, eime));
  // FS 8.2, 9.B.4: base, EIME and S are latched together by SIRTP.
  io_.write64(IRTA_REG, irta::IRTA.make(table_ >> kPageShift) | (eime_ ? irta::EIME : 0) |
                            irta::S.make(size_));
  VTD_FW_TRY(gcmd_.setInterruptRemapTablePointer());
  // FS 3.1, 9.B.5: entries cached under an older table are stale unless CAP.ESIRTPS.
  if (!caps_.esirtps) VTD_FW_TRY(queue_.iecGlobal());
  VTD_FW_TRY(gcmd_.setInterruptRemapping(true));  // FS 9.B.6
  // FS 9.B.7: compatibility-format interrupts would bypass the table: blocked unless asked.
  const bool cfis = (io_.read32(GSTS_REG) & gsts::CFIS) != 0;
  if (cfis != options.compatibility_format)
    VTD_FW_TRY(gcmd_.setCompatibilityFormat(options.compatibility_format));
  enabled_ = true;
  return Status::success();
}

// A zeroed table of 2^(S+1) 16-byte entries, 4 KiB aligned (FS 8.2), allocated once.
Status InterruptRemapping::setUpTable(const InterruptRemappingOptions& options, bool eime) {
  if (table_ != 0) {
    if (options.table_size != size_ || (eime != eime_ && entries_.inUse() > 0))
      return Status::failure(
          "interrupt remapping: enabled again with another table size, or with another APIC "
          "mode while entries are in use");
    eime_ = eime;
    return Status::success();
  }
  const uint32_t count = 2u << options.table_size;
  try {
    table_ = allocator_.allocate(uint64_t(count) * irte::kEntryBytes, kPageBytes);
  } catch (const std::exception& e) {
    return Status::failure(std::string("interrupt remapping: table: ") + e.what());
  }
  if (!caps_.coherent) hal_.memory.flushCache(table_, uint64_t(count) * irte::kEntryBytes);
  size_ = options.table_size;
  eime_ = eime;
  entries_.reset(count);
  return Status::success();
}

Status InterruptRemapping::disable() {
  VTD_FW_TRY(gcmd_.setInterruptRemapping(false));
  enabled_ = false;
  return Status::success();
}

std::optional<uint16_t> InterruptRemapping::allocate(unsigned count) {
  if (table_ == 0) return std::nullopt;
  const std::optional<uint16_t> base = entries_.allocate(count);
  if (base) stats_.irtes_in_use = entries_.inUse();
  return base;
}

Status InterruptRemapping::checkIndex(uint32_t index, const char* what) const {
  if (table_ == 0) return Status::failure(prefixed(what, "interrupt remapping is not set up"));
  if (!entries_.blockOf(index))
    return Status::failure(prefixed(what, "IRTE " + std::to_string(index) + " is not allocated"));
  return Status::success();
}

Status InterruptRemapping::setRemapped(uint16_t index, const RemappedEntry& entry) {
  VTD_FW_TRY(checkIndex(index, "setRemapped"));
  const std::string problem = remappedProblem(entry, eime_);
  if (!problem.empty()) return Status::failure(prefixed("setRemapped", problem));
  return write(index, encodeRemapped(entry, eime_), "setRemapped");
}

Status InterruptRemapping::setPosted(uint16_t index, const PostedEntry& entry) {
  VTD_FW_TRY(checkIndex(index, "setPosted"));
  if (!caps_.pi) return Status::failure("setPosted: CAP.PI = 0, posted format not supported");
  const std::string problem = postedProblem(entry);
  if (!problem.empty()) return Status::failure(prefixed("setPosted", problem));
  return write(index, encodePosted(entry), "setPosted");
}

Status InterruptRemapping::retarget(uint16_t index, uint8_t vector, uint32_t destination) {
  VTD_FW_TRY(checkIndex(index, "retarget"));
  const Irte current = entry(index);
  if (!current.present() || current.posted())
    return Status::failure("retarget: IRTE " + std::to_string(index) +
                           " is not a present remapped-format entry");
  if (!eime_ && destination > 0xFF)
    return Status::failure("retarget: destination " + hexText(destination) +
                           " needs x2APIC mode (IRTA.EIME = 0)");
  return write(index, retargeted(current, vector, destination, eime_), "retarget");
}

Status InterruptRemapping::clear(uint16_t index) {
  VTD_FW_TRY(checkIndex(index, "clear"));
  return write(index, Irte{}, "clear");
}

Status InterruptRemapping::free(uint16_t base) {
  const std::optional<unsigned> order = entries_.order(base);
  if (table_ == 0 || !order)
    return Status::failure("free: no IRTE block starts at " + std::to_string(base));
  for (uint32_t i = base; i < base + (1u << *order); ++i) store(uint16_t(i), Irte{});
  // FS 6.5: one descriptor covers the aligned block (global when IM > ECAP.MHMV).
  const Status s = queue_.iecIndex(base, *order);
  entries_.release(base);
  stats_.irtes_in_use = entries_.inUse();
  return s;
}

Irte InterruptRemapping::entry(uint16_t index) const {
  const auto it = written_.find(index);
  return it == written_.end() ? Irte{} : it->second;
}

// The change in memory, then the IEC entry dropped (Linux's modify_irte: the entry, a
// cache flush when ECAP.C = 0, qi_flush_iec with IM = 0). Until the invalidation completes
// the unit may still use its cached copy of the old entry, which is as good as before.
Status InterruptRemapping::write(uint16_t index, const Irte& next, const char* what) {
  store(index, next);
  const Status s = queue_.iecIndex(index, 0);
  return s ? s : Status::failure(prefixed(what, s.error));
}

// The unit may read the entry at any moment (an interrupt that misses the IEC), and must
// never see half an update of a present entry: Linux writes a live IRTE with one 128-bit
// cmpxchg16b. The HAL gives no 16-byte atomic compare-exchange, but every PhysMemory call
// is one access that the platform performs atomically (hal.h), so:
//  - old entry not present: qword 1 first, then qword 0, which holds P. Until the second
//    write the unit sees P = 0 (and nobody uses the handle yet);
//  - clearing a present entry: qword 0 (P = 0) first, then qword 1, so no reader sees a
//    present entry with a cleared SID/PDA;
//  - present -> present with qword 1 unchanged (retarget, a new vector): one 8-byte write;
//  - present -> present with both halves changing (remapped <-> posted, a new PDA or SID):
//    one 16-byte write, the cmpxchg16b equivalent. Clearing P in between instead would
//    drop (fault 0x22) an interrupt arriving in the window.
void InterruptRemapping::store(uint16_t index, const Irte& next) {
  const Irte old = entry(index);
  PhysMemory& m = hal_.memory;
  const uint64_t a = table_ + uint64_t(index) * irte::kEntryBytes;
  if (!old.present()) {
    m.write64(a + 8, next.hi);
    m.write64(a, next.lo);
  } else if (!next.present()) {
    m.write64(a, next.lo);
    m.write64(a + 8, next.hi);
  } else if (old.hi == next.hi) {
    m.write64(a, next.lo);
  } else {
    const uint64_t both[2] = {next.lo, next.hi};
    m.write(a, both, sizeof both);
  }
  if (!caps_.coherent) {
    m.flushCache(a, irte::kEntryBytes);
    ++stats_.cache_flushes;
  }
  ++stats_.irte_writes;
  if (next.lo == 0 && next.hi == 0) {
    written_.erase(index);
  } else {
    written_[index] = next;
  }
}

}  // namespace vtd::fw
