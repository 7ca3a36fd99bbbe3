// Root and context entry encoding (FS 4.1, 4.2, 9.E.1).
#include "firmware/context_tables.h"

#include "firmware/vtd_regs.h"

namespace vtd::fw {

using namespace regs;

void ContextTables::flush(uint64_t address, uint64_t bytes, bool flush_needed) {
  if (!flush_needed) return;
  ++stats_.cache_flushes;
  memory_.flushCache(address, bytes);
}

uint64_t ContextTables::createRoot(bool flush_needed) {
  if (root_ == 0) {
    root_ = allocator_.allocatePage();
    flush(root_, kPageBytes, flush_needed);  // the zeros must reach memory too (FS 9.C.3)
  }
  return root_;
}

uint64_t ContextTables::contextTable(uint8_t bus, bool create, bool flush_needed) {
  const uint64_t slot = root_ + uint64_t(bus) * root::kEntryBytes;
  const uint64_t lo = memory_.read64(slot);
  if (lo & root::P) return root::CTP.get(lo) << kPageShift;
  if (!create) return 0;
  const uint64_t table = allocator_.allocatePage();
  flush(table, kPageBytes, flush_needed);
  ++stats_.context_tables;
  // Upper qword is reserved (FS 4.1); the table is in memory before P is seen.
  memory_.write64(slot + 8, 0);
  memory_.write64(slot, root::CTP.make(table >> kPageShift) | root::P);
  flush(slot, root::kEntryBytes, flush_needed);
  return table;
}

uint64_t ContextTables::entryAddress(uint16_t sid) {
  if (root_ == 0) return 0;
  const uint64_t table = contextTable(uint8_t(sid >> 8), false, false);
  return table ? table + uint64_t(sid & 0xFF) * context::kEntryBytes : 0;
}

void ContextTables::install(uint16_t sid, const ContextEntry& e, bool flush_needed) {
  const uint64_t table = contextTable(uint8_t(sid >> 8), true, flush_needed);
  const uint64_t slot = table + uint64_t(sid & 0xFF) * context::kEntryBytes;
  const uint64_t hi = context::AW.make(e.aw) | context::DID.make(e.did);
  uint64_t lo = context::TT.make(e.tt) | (e.fpd ? context::FPD : 0);
  if (e.tt != context::kTtPassThrough) lo |= context::SLPTPTR.make(e.slptptr >> kPageShift);
  memory_.write64(slot + 8, hi);
  memory_.write64(slot, lo | context::P);  // P last, in the same store as TT/SLPTPTR
  flush(slot, context::kEntryBytes, flush_needed);
}

bool ContextTables::clear(uint16_t sid, bool flush_needed) {
  const uint64_t slot = entryAddress(sid);
  if (slot == 0 || !(memory_.read64(slot) & context::P)) return false;
  memory_.write64(slot, 0);  // P off first
  memory_.write64(slot + 8, 0);
  flush(slot, context::kEntryBytes, flush_needed);
  return true;
}

std::optional<ContextEntry> ContextTables::read(uint16_t sid) {
  const uint64_t slot = entryAddress(sid);
  if (slot == 0) return std::nullopt;
  const uint64_t lo = memory_.read64(slot);
  if (!(lo & context::P)) return std::nullopt;
  const uint64_t hi = memory_.read64(slot + 8);
  ContextEntry e;
  e.slptptr = context::SLPTPTR.get(lo) << kPageShift;
  e.tt = unsigned(context::TT.get(lo));
  e.fpd = (lo & context::FPD) != 0;
  e.aw = unsigned(context::AW.get(hi));
  e.did = uint16_t(context::DID.get(hi));
  return e;
}

}  // namespace vtd::fw
