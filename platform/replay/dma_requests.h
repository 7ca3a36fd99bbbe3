// How a traced DMA becomes the unit's translate() calls, as the TLM shell (tlm/vtd_unit.h)
// makes them: a DWORD write into the interrupt window is an interrupt request, not DMA; a
// translation request (AT=01) must be an 8-byte read and is one call; anything else is
// split at 4 KiB boundaries (PCIe requests never cross one), one call per piece, stopping
// at the first piece that fails. Shared by replay and the miss curve so both see exactly
// the lookups a run would.
#pragma once

#include <algorithm>
#include <cstdint>

#include "model/common/types.h"
#include "model/unit/remapping_unit.h"
#include "traces/format/trace_record.h"

namespace vtd::replay {

enum class DmaShape : uint8_t { Memory, Interrupt, TranslationRequest, Malformed };

inline DmaShape shapeOf(const trace::DmaEvent& d) {
  if (d.at == trace::AddressType::TranslationRequest)
    return (!d.write && d.size == 8) ? DmaShape::TranslationRequest : DmaShape::Malformed;
  if (d.write && d.size == 4 && (d.address & 3) == 0 && RemappingUnit::isInterruptAddress(d.address))
    return DmaShape::Interrupt;
  return DmaShape::Memory;
}

// Calls translate(const DmaRequest&) -> bool (true: the piece succeeded) for each piece
// of a Memory or TranslationRequest DMA; returns how many pieces were issued.
template <class Translate>
inline unsigned forEachPiece(const trace::DmaEvent& d, DmaShape shape, Translate&& translate) {
  DmaRequest r;
  r.source = SourceId{d.source};
  r.kind = d.write ? AccessKind::Write : AccessKind::Read;
  r.at = AddressType(uint8_t(d.at));
  if (shape == DmaShape::TranslationRequest) {  // the shell passes no PASID here
    r.address = d.address;
    r.size = 8;
    translate(r);
    return 1;
  }
  r.pasid_present = d.pasid_present;
  r.pasid = d.pasid;
  r.privileged = d.privileged;
  r.execute = d.execute;
  unsigned pieces = 0;
  uint64_t done = 0;
  do {
    const uint64_t in = d.address + done;
    const uint32_t chunk = uint32_t(std::min<uint64_t>(d.size - done, 4096 - (in & 0xFFF)));
    r.address = in;
    r.size = chunk;
    ++pieces;
    if (!translate(r)) break;
    done += chunk;
  } while (done < d.size);
  return pieces;
}

}  // namespace vtd::replay
