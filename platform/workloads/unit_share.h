// UnitShare: one device's share of the remapping unit's counters (DMA requests and bytes,
// IOTLB lookups and hits, walks and their reads), taken as the change of the unit's own
// counters across each of the device's TLM calls (a TransferObserver; the device path does
// not wait, so nothing else moves them meanwhile). What the per-device and per-VM summary
// compares; the unit's totals stay in vtd.*. AttributionTap is a pass-through module that
// does the same for an initiator that is not a DmaMaster (the pcie-bench-like device).
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <cstdint>
#include <systemc>
#include <tlm>

#include "model/unit/remapping_unit.h"
#include "platform/dma_master.h"

namespace vtd::platform {

struct UnitCounts {
  uint64_t dma_requests = 0, dma_bytes = 0, iotlb_lookup = 0, iotlb_hit = 0, walks = 0, walk_reads = 0;

  static UnitCounts of(const UnitStats& s) {
    return {s.dma_requests, s.dma_bytes, s.iotlb_lookup, s.iotlb_hit, s.walks, s.walk_reads};
  }
  UnitCounts& operator+=(const UnitCounts& o) {
    dma_requests += o.dma_requests, dma_bytes += o.dma_bytes, iotlb_lookup += o.iotlb_lookup;
    iotlb_hit += o.iotlb_hit, walks += o.walks, walk_reads += o.walk_reads;
    return *this;
  }
  UnitCounts operator-(const UnitCounts& o) const {
    return {dma_requests - o.dma_requests, dma_bytes - o.dma_bytes, iotlb_lookup - o.iotlb_lookup,
            iotlb_hit - o.iotlb_hit, walks - o.walks, walk_reads - o.walk_reads};
  }
  uint64_t misses() const { return iotlb_lookup - iotlb_hit; }
  double hitRate() const { return iotlb_lookup ? double(iotlb_hit) / double(iotlb_lookup) : 0.0; }
  // IOTLB misses per MiB of DMA through the unit.
  double missesPerMib() const { return dma_bytes ? double(misses()) * double(1 << 20) / double(dma_bytes) : 0.0; }
};

class UnitShare final : public TransferObserver {
 public:
  explicit UnitShare(const RemappingUnit& unit) : unit_(unit) {}
  void beforeTransfer() override { before_ = UnitCounts::of(unit_.stats()); }
  void afterTransfer() override { counts_ += UnitCounts::of(unit_.stats()) - before_; }
  const UnitCounts& counts() const { return counts_; }

 private:
  const RemappingUnit& unit_;
  UnitCounts before_, counts_;
};

class AttributionTap : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<AttributionTap> in;
  tlm_utils::simple_initiator_socket<AttributionTap> out;

  AttributionTap(const sc_core::sc_module_name& name, TransferObserver& observer)
      : sc_module(name), in("in"), out("out"), observer_(observer) {
    in.register_b_transport(this, &AttributionTap::transport);
  }

 private:
  void transport(::tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
    observer_.beforeTransfer();
    out->b_transport(trans, delay);
    observer_.afterTransfer();
  }
  TransferObserver& observer_;
};

}  // namespace vtd::platform
