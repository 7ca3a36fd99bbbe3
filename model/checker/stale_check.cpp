// The stale-translation check (checker.stale). After a DMA request that used a cached
// context entry, IOTLB entry or paging-structure-cache entry, the unit resolves the same
// request again from the tables in memory alone — through GuestMemory::peek, so the check
// costs no simulated time and touches no statistics or cache state — and compares the two
// outcomes (fault reason, or output address, permissions, page size, snoop). A difference
// means software changed a table and did not invalidate what the unit had cached (VT-d 3.x
// 6.5, FS 6.3). The report names the cache that held the stale entry, the source, IOVA and
// DID, both outcomes, and the last invalidation whose scope covered the entry.
// Not checked: requests that used no cache (they read memory anyway) and translation
// requests (AT=01). Interrupt requests have their own check (interrupt_check.cpp).
#include <cstdio>

#include "model/registers/register_map.h"
#include "model/unit/remapping_unit.h"

namespace vtd {

namespace {

// Reads through peek: no cost, no time, no side effects; never writes.
class PeekingMemory final : public GuestMemory {
 public:
  explicit PeekingMemory(GuestMemory& m) : m_(m) {}
  bool read(uint64_t a, void* d, size_t n) override { return m_.peek(a, d, n); }
  bool write(uint64_t, const void*, size_t) override { return false; }
  bool peek(uint64_t a, void* d, size_t n) override { return m_.peek(a, d, n); }

 private:
  GuestMemory& m_;
};

// What a request comes to: a fault, or an output address (translated or passed through).
struct Outcome {
  FaultReason fault = FaultReason::None;
  bool translated = false;
  uint64_t output = 0;
  uint8_t permissions = kPermNone;
  PageSize size = PageSize::Size4K;
  bool snoop = false;

  bool operator==(const Outcome& o) const {
    if (fault != FaultReason::None || o.fault != FaultReason::None) return fault == o.fault;
    if (translated != o.translated || output != o.output) return false;
    return !translated || (permissions == o.permissions && size == o.size && snoop == o.snoop);
  }
};

Outcome outcomeOf(const Translation& t) {
  Outcome o;
  if (t.status == TranslationStatus::Fault) {
    o.fault = t.reason;
    return o;
  }
  o.translated = t.translated;
  o.output = t.output;
  o.permissions = t.permissions;
  o.size = t.page_size;
  o.snoop = t.snoop;
  return o;
}

std::string hex(uint64_t v) {
  char b[24];
  std::snprintf(b, sizeof b, "0x%llx", static_cast<unsigned long long>(v));
  return b;
}

std::string describe(const Outcome& o) {
  if (o.fault != FaultReason::None) {
    char b[96];
    std::snprintf(b, sizeof b, "fault 0x%x (%s)", unsigned(o.fault), faultReasonName(o.fault));
    return b;
  }
  if (!o.translated) return "pass-through to " + hex(o.output);
  static const char* const kSize[] = {"4K", "2M", "1G"};
  static const char* const kPerm[] = {"--", "R-", "-W", "RW"};
  return hex(o.output) + " (" + kSize[unsigned(o.size)] + " page, " + kPerm[o.permissions & 3] +
         (o.snoop ? ", snoop" : "") + ")";
}

std::string describe(const ContextInfo& c) {
  if (c.negative != FaultReason::None) {
    char b[96];
    std::snprintf(b, sizeof b, "not-present/erroneous entry cached under caching mode (fault 0x%x)",
                  unsigned(c.negative));
    return b;
  }
  static const char* const kTt[] = {"second-level", "device-TLB", "pass-through", "reserved"};
  char b[160];
  std::snprintf(b, sizeof b, "DID %u, %s, %u-level table at 0x%llx%s", c.did, kTt[unsigned(c.tt) & 3],
                unsigned(c.levels), static_cast<unsigned long long>(c.slptptr), c.fpd ? ", FPD" : "");
  return b;
}

bool sameContext(const ContextInfo& a, const ContextInfo& b) {
  return a.negative == b.negative &&
         (a.negative != FaultReason::None ||
          (a.slptptr == b.slptptr && a.did == b.did && a.tt == b.tt && a.levels == b.levels && a.fpd == b.fpd));
}

std::string coveringText(const std::optional<InvalidationRecord>& r, const InvalidationHistory& h) {
  if (r) return "last covering invalidation: " + r->describe() + " after DMA request #" + std::to_string(r->sequence);
  return h.truncated() ? "no covering invalidation in the retained history (older records were dropped)"
                       : "no invalidation has covered it since reset";
}

}  // namespace

void RemappingUnit::checkTranslation(const DmaRequest& req, const Translation& t) {
  if (checker_.params.ordering) checkPendingOrdering(req);
  // Translation requests (AT=01) hand their result to the device; what a device-TLB keeps
  // is the device's, so they are not compared here.
  if (!checker_.params.stale || req.at == AddressType::TranslationRequest) return;
  const Cost& c = t.cost;
  if (c.context_cache_hits || c.iotlb_hits || c.psc_hit_level) checkStale(req, t);
}

void RemappingUnit::checkStale(const DmaRequest& req, const Translation& t) {
  PeekingMemory view(memory_);
  Cost scratch;

  // The request again, from memory only (the steps of translateInto after the TTM check).
  Outcome in_memory;
  ContextLookup mem_ctx = context_reader_.lookup(view, root_table_, req.source, scratch);
  if (mem_ctx.fault != FaultReason::None) {
    in_memory.fault = mem_ctx.fault;
  } else if (req.at != AddressType::Untranslated) {  // a translated request (AT=10)
    if (mem_ctx.info.tt == TranslationType::DeviceTlb)
      in_memory.output = req.address;
    else
      in_memory.fault = FaultReason::TranslationTypeBlocked;
  } else if (mem_ctx.info.tt == TranslationType::PassThrough) {
    in_memory.output = req.address;
  } else if ((req.address & input_limit_mask_) || (req.address >> mem_ctx.info.agaw_bits)) {
    in_memory.fault = FaultReason::AddressBeyondWidth;
  } else {
    const ContextInfo& ctx = mem_ctx.info;
    const WalkResult w = walker_.walk(view, ctx.slptptr, ctx.levels, req.address, req.kind, scratch);
    if (w.fault != FaultReason::None) {
      in_memory.fault = w.fault;
    } else if (!(w.permissions & neededPermission(req))) {
      in_memory.fault = deniedFault(req.kind);
    } else {
      in_memory.translated = true;
      in_memory.output = w.output_page | (req.address & (pageBytes(w.size) - 1));
      in_memory.permissions = w.permissions;
      in_memory.size = w.size;
      in_memory.snoop = w.snoop;
      if (isInterruptAddress(in_memory.output)) in_memory = Outcome{FaultReason::InterruptRangeOutput};
    }
  }
  const Outcome cached = outcomeOf(t);
  if (cached == in_memory) return;

  // Which cache answered with the old value: the context entry first (everything after it
  // depends on it), then the IOTLB, then the paging-structure cache the walk began under.
  const std::string where = " from " + sourceText(req.source) + " IOVA " + hex(req.address) +
                            (req.kind == AccessKind::Write ? " (write)" : " (read)");
  const std::string outcomes = ": cached " + describe(cached) + ", memory " + describe(in_memory);
  if (t.cost.context_cache_hits) {
    const ContextInfo* held = context_cache_.peek(req.source);
    const bool memory_valid = mem_ctx.fault == FaultReason::None;
    if (held && (!memory_valid || !sameContext(*held, mem_ctx.info))) {
      const std::string in_mem = memory_valid ? describe(mem_ctx.info)
                                              : describe(Outcome{mem_ctx.fault});
      checker_.log.report(DiagnosticKind::StaleContextEntry, stats_.dma_requests,
                          "stale context-cache entry" + where + outcomes +
                              "; cached entry: " + describe(*held) + "; in memory: " + in_mem + "; " +
                              coveringText(checker_.history.lastCoveringContext(req.source, held->did),
                                           checker_.history));
      return;
    }
  }
  // The DID the cached translation is tagged with: the context the unit used (cached and
  // matching memory by now, or just read).
  const uint16_t did = mem_ctx.fault == FaultReason::None ? mem_ctx.info.did : 0;
  const std::string tag = " DID " + std::to_string(did);
  if (t.cost.iotlb_hits) {
    const uint64_t page = cached.fault == FaultReason::None ? pageBytes(cached.size) : 4096;
    checker_.log.report(DiagnosticKind::StaleIotlbEntry, stats_.dma_requests,
                        "stale IOTLB entry" + tag + where + outcomes + "; " +
                            coveringText(checker_.history.lastCoveringIotlb(did, req.address, page),
                                         checker_.history));
    return;
  }
  // A level-L entry maps a region of 2^(12 + 9(L-1)) bytes: 2 MiB for a PDE.
  static const char* const kLevel[] = {"", "", "PDE", "PDPE", "PML4E", "PML5E"};
  const unsigned level = t.cost.psc_hit_level % 6;
  const uint64_t region = 1ull << (12 + 9 * (level - 1));
  checker_.log.report(DiagnosticKind::StalePagingStructureEntry, stats_.dma_requests,
                      std::string("stale paging-structure-cache entry (") + kLevel[level] + " cache)" + tag +
                          where + outcomes + "; " +
                          coveringText(checker_.history.lastCoveringIotlb(did, req.address, region, true),
                                       checker_.history));
}

}  // namespace vtd
