// RemappingUnit: one VT-d DMA-remapping unit (a DRHD) as a plain C++ object with no notion
// of time. Software reaches it through mmioRead/mmioWrite; bus masters through translate();
// interrupt requests through remapInterrupt(). It reaches memory only through the injected
// GuestMemory and reports generated events to an InterruptSink. Every operation says what
// it touched in a Cost. Faults are values, recorded as the spec says (FS 7).
// Implemented: legacy mode (TTM=00) with second-level and pass-through contexts, register
// and queued invalidation, primary fault logging; context cache, IOTLB (unified or split)
// and second-level paging-structure caches, with caching mode (CAP.CM) negative entries.
// ATS with unit.device_tlb (ECAP.DT): context TT=01, translation and translated requests,
// device-TLB invalidation forwarded through a DeviceTlbPort. Interrupt remapping with
// unit.interrupt_remapping (ECAP.IR, EIM): IRTA/SIRTP, IRE, CFI, remapped- and (CAP.PI)
// posted-format IRTEs, the interrupt-entry cache and its invalidation, IR fault records.
// Not yet: scalable mode.
#pragma once

#include <array>
#include <cstdint>
#include <memory>

#include "model/caches/cache_params.h"
#include "model/caches/context_cache.h"
#include "model/caches/iotlb.h"
#include "model/caches/paging_structure_cache.h"
#include "model/checker/checker_state.h"
#include "model/common/guest_memory.h"
#include "model/common/interrupt_sink.h"
#include "model/common/types.h"
#include "model/faults/event_interrupt.h"
#include "model/faults/fault_recorder.h"
#include "model/interrupt/interrupt_remapper.h"
#include "model/invalidation/queued_invalidation.h"
#include "model/registers/register_file.h"
#include "model/translation/context_entry.h"
#include "model/translation/second_level_walk.h"
#include "model/unit/unit_params.h"
#include "model/unit/unit_stats.h"

namespace vtd {

class StatRegistry;

// One IOTLB invalidation request, from IOTLB_REG/IVA_REG or from a queued descriptor.
struct IotlbInvalidation {
  unsigned granularity = 0;        // kGranGlobal / kGranDomain / kGranSelective (page)
  uint16_t did = 0;
  uint64_t address = 0;            // page-selective: base, 4 KiB aligned
  unsigned am = 0;                 // page-selective: 2^am pages
  bool invalidation_hint = false;  // IH: leaf entries only, paging-structure caches kept
};

struct UnitConfig {
  UnitParams unit;
  CacheParams iotlb{128, 8, ReplacementPolicy::Lru, 1, 2, true};
  IotlbOrganisationParams iotlb_organisation;  // iotlb.organisation, iotlb.{4k,2m,1g}.*
  PagingStructureCacheParams psc;               // psc.{pml5e,pml4e,pdpe,pde}.*
  CacheParams context_cache{64, 4, ReplacementPolicy::Lru, 1, 1, true};
  CacheParams interrupt_cache{64, 4, ReplacementPolicy::Lru, 1, 3, true};  // iec.*: with IR
  CheckerParams checker;  // checker.*: the driver checker (off by default)

  void describe(ParamRegistry& r);  // "unit.*", "iotlb.*", "psc.*", "context_cache.*", "checker.*"
  std::vector<std::string> validate() const;
};

class RemappingUnit : private InvalidationHandler {
 public:
  // Throws std::invalid_argument listing the problems when config.validate() fails.
  RemappingUnit(const UnitConfig& config, GuestMemory& memory);

  // --- software interface (register block) ---
  uint64_t mmioRead(uint32_t offset, unsigned size);
  uint64_t mmioPeek(uint32_t offset, unsigned size) const { return regs_.peek(offset, size); }
  void mmioWrite(uint32_t offset, unsigned size, uint64_t value);
  uint32_t registerBlockSize() const { return regs_.blockSize(); }

  // --- bus-master interface ---
  // A DMA request (callers keep it inside one 4 KiB page). Writes to the interrupt window
  // 0xFEEx_xxxx are interrupt requests, not DMA: callers route them to remapInterrupt().
  Translation translate(const DmaRequest& request);
  InterruptResult remapInterrupt(const MsiRequest& request);
  static constexpr bool isInterruptAddress(uint64_t a) { return (a >> 20) == 0xFEE; }

  void setInterruptSink(InterruptSink* sink) {
    fault_event_.setSink(sink);
    qi_.setSink(sink);
  }
  // Where device-TLB invalidations go (ECAP.DT): the device that owns the descriptor's SID
  // answers through it; with none set, no device answers and each one times out (ITE).
  void setDeviceTlbPort(DeviceTlbPort* port) { qi_.setDeviceTlbPort(port); }

  // --- observation ---
  const UnitStats& stats() const { return stats_; }
  void resetStats();
  void describeStats(StatRegistry& r, const std::string& prefix = "") const;
  const UnitConfig& config() const { return config_; }
  const UnitParams& params() const { return config_.unit; }
  uint64_t peekRegister(uint16_t reg) const { return regs_.get(reg); }  // no side effects
  const RegisterFile& registers() const { return regs_; }
  const Iotlb& iotlb() const { return iotlb_; }
  const ContextCache& contextCache() const { return context_cache_; }
  const PagingStructureCaches& pagingStructureCaches() const { return psc_; }
  const FaultRecorder& faultRecorder() const { return recorder_; }
  uint64_t faultEventsSent() const { return fault_event_.sent(); }
  const QueuedInvalidation& queuedInvalidation() const { return qi_; }
  const InterruptEntryCache& interruptEntryCache() const { return iec_; }
  const InterruptRemapState& interruptRemapState() const { return ir_; }
  // The driver checker's findings (checker.*); the platform sets the log's sink.
  DiagnosticLog& diagnostics() { return checker_.log; }
  const DiagnosticLog& diagnostics() const { return checker_.log; }
  const InvalidationHistory& invalidationHistory() const { return checker_.history; }

  // Power-on reset of registers, caches and latched state (statistics are kept).
  void reset();

 private:
  // Register side effects, one per RegHook (registered in one place: kHooks).
  void onGcmdWrite(const RegisterFile::Write& w);
  void onCcmdWrite(const RegisterFile::Write& w);
  void onIotlbWrite(const RegisterFile::Write& w);
  void onFstsWrite(const RegisterFile::Write& w);
  void onFectlWrite(const RegisterFile::Write& w);
  void onFrcdHighWrite(const RegisterFile::Write& w);
  void onIqtWrite(const RegisterFile::Write&) { qi_.onTailWrite(); }
  void onIcsWrite(const RegisterFile::Write& w) { qi_.onStatusWrite(w.old_value, w.new_value); }
  void onIectlWrite(const RegisterFile::Write& w) {
    qi_.onEventControlWrite(w.old_value, w.new_value);
  }
  using Hook = void (RemappingUnit::*)(const RegisterFile::Write&);
  static const std::array<Hook, size_t(RegHook::kCount)> kHooks;

  // Invalidation operations (invalidation/invalidation.cpp), shared by register-based and
  // queued invalidation; each returns the granularity performed.
  unsigned invalidateContextCache(unsigned granularity, uint16_t did, SourceId sid,
                                  unsigned fm) override;
  unsigned invalidateIotlb(const IotlbInvalidation& request) override;
  void invalidateInterruptEntryCache(const IecInvalidation& request) override;

  // Global command actions (global_command.cpp).
  void latchRootTable();
  void setTranslationEnable(bool on);
  void flushWriteBuffer();
  void latchInterruptRemapTable();

  // Translation helpers (dma_translation.cpp).
  void translateInto(const DmaRequest& req, Translation& t);
  void translateSecondLevel(const DmaRequest& req, const ContextInfo& ctx, Translation& t);
  // ATS (translation/ats_translation.cpp): translation requests (AT=01), translated (AT=10).
  void translateAts(const DmaRequest& req, const ContextInfo& ctx, Translation& t);
  void translationRequest(const DmaRequest& req, const ContextInfo& ctx, Translation& t);
  void translateInterruptWindow(const DmaRequest& req, Translation& t);
  void applyWrite(uint32_t offset, unsigned size, uint64_t value);
  void fault(const DmaRequest& req, FaultReason reason, bool fpd, Translation& t);
  const ContextInfo* context(SourceId sid, FaultReason& fault, bool& fpd, Cost& cost);
  // IOTLB miss (translation/cache_fills.cpp): paging-structure caches, walk, fills.
  FaultReason walkOnMiss(const DmaRequest& req, const ContextInfo& ctx, Cost& cost, IotlbEntry& out);
  void cacheNegativeContext(SourceId sid, FaultReason reason, bool fpd);
  const ContextInfo* negativeContextHit(const ContextInfo& c, FaultReason& fault, bool& fpd);
  FaultReason deniedOrNegativeFault(const IotlbEntry& e, AccessKind kind);

  uint32_t gsts() const { return uint32_t(regs_.get(R_GSTS)); }
  // The permission a request needs: W for writes, R for reads; a zero-length read may use
  // a write-only page when CAP.ZLR says so (FS 2.1).
  uint8_t neededPermission(const DmaRequest& req) const {
    if (req.kind == AccessKind::Write) return kPermWrite;
    return req.size == 0 && zero_length_reads_ ? kPermRW : kPermRead;
  }

  // Driver checker (checker/stale_check.cpp, checker/ordering_check.cpp,
  // checker/interrupt_check.cpp). None of these run unless checker.stale or
  // checker.ordering is on.
  void checkTranslation(const DmaRequest& req, const Translation& t);
  void checkStale(const DmaRequest& req, const Translation& t);
  void checkInterrupt(const MsiRequest& req, const InterruptRemapResult& r);
  void checkStaleInterrupt(const MsiRequest& req, const InterruptRemapResult& r);
  void noteIecInvalidation(const IecInvalidation& request);
  void noteInterruptTableLatched();
  void noteInterruptRemappingEnable();
  void checkPendingOrdering(const DmaRequest& req);
  void recordInvalidation(InvalidationRecord r);
  void noteRootTableLatched();
  void noteQueueEnable(bool on);
  void noteRegisterInvalidationWhileQueued(const char* which);
  void reportUnalignedPsi(const IotlbInvalidation& request, uint64_t low_bits);
  void reportOrdering(DiagnosticKind kind, std::string text);

  UnitConfig config_;
  GuestMemory& memory_;
  RegisterFile regs_;
  EventInterrupt fault_event_;
  FaultRecorder recorder_;
  ContextReader context_reader_;
  SecondLevelWalker walker_;
  Iotlb iotlb_;
  ContextCache context_cache_;
  UnitStats stats_;

  // State latched by GCMD.SRTP (FS 3.3): the unit uses these, not RTADDR directly.
  uint64_t root_table_ = 0;
  uint8_t ttm_ = 0;
  bool root_latched_ = false;
  ContextInfo scratch_context_;  // a context read while its cache is disabled
  uint64_t input_limit_mask_;    // bits at or above MGAW
  bool zero_length_reads_;       // CAP.ZLR
  QueuedInvalidation qi_;        // the invalidation queue (invalidation/queued_invalidation.h)
  PagingStructureCaches psc_;    // off the IOTLB-hit path's cache lines
  CheckerState checker_;
  // Interrupt remapping (interrupt/interrupt_remapping.cpp): IRTA latched by SIRTP, IRES
  // and CFIS, the interrupt-entry cache and the remapper working on them.
  InterruptRemapState ir_;
  InterruptEntryCache iec_;
  InterruptRemapper remapper_;
  bool check_translations_;      // checker.stale or checker.ordering: look at every request
};

}  // namespace vtd
