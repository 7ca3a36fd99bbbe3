// Diagnostics: what the driver checker reports. Real hardware silently uses a stale cache
// entry or tolerates a misordered programming step; the model can see both and say so.
// A Diagnostic is one finding (kind, one-line text); DiagnosticLog keeps counters per kind,
// the first N findings in memory, and forwards the first M to an optional sink (the
// platform writes them to a file or stderr), then one note that later ones are only
// counted. The model itself never does I/O.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace vtd {

class StatRegistry;

enum class DiagnosticKind : uint8_t {
  // A cache hit whose cached result differs from what memory says now: the driver changed
  // a table and did not invalidate (or invalidated the wrong domain, range or device).
  StaleIotlbEntry,
  StaleContextEntry,
  StalePagingStructureEntry,
  // An interrupt-entry-cache hit whose IRTE differs from the table in memory: the driver
  // rewrote an IRTE (or moved the table with SIRTP) and did not invalidate the IEC.
  StaleInterruptEntry,
  // Programming order mistakes.
  TranslationEnabledWithoutRootTable,  // GCMD.TE before any GCMD.SRTP
  NoGlobalInvalidationAfterSrtp,       // DMA after SRTP, caches not globally invalidated
  InterruptRemappingWithoutTable,      // GCMD.IRE before any GCMD.SIRTP
  NoGlobalIecInvalidationAfterSirtp,   // interrupt after SIRTP, IEC not globally invalidated
  ContextInvalidationWithoutIotlb,     // DMA after a context-cache invalidation, no IOTLB one
  QueueEnabledNotEmpty,                // GCMD.QIE with IQT != 0 (the queue restarts at 0)
  QueueDisabledNotEmpty,               // GCMD.QIE cleared while IQH != IQT
  RegisterInvalidationWhileQueued,     // CCMD/IOTLB_REG command while QI is enabled
  UnalignedPageInvalidation,           // page-selective IOTLB invalidation, ADDR not 2^AM aligned
  kCount
};

const char* diagnosticName(DiagnosticKind k);

struct Diagnostic {
  DiagnosticKind kind;
  uint64_t sequence = 0;  // the unit's operation counter when found
  std::string text;
};

class DiagnosticLog {
 public:
  using Sink = std::function<void(const Diagnostic&)>;

  explicit DiagnosticLog(size_t keep = 256, uint64_t forward = ~0ull) : keep_(keep), forward_(forward) {}

  void report(DiagnosticKind kind, uint64_t sequence, std::string text);
  void setSink(Sink sink) { sink_ = std::move(sink); }
  void setLimits(size_t keep, uint64_t forward) {
    keep_ = keep;
    forward_ = forward;
  }

  uint64_t count(DiagnosticKind k) const { return counts_[size_t(k)]; }
  uint64_t total() const;
  const std::vector<Diagnostic>& kept() const { return kept_; }  // the first `keep` findings
  void clear();
  void describeStats(StatRegistry& r, const std::string& prefix) const;

 private:
  size_t keep_;
  uint64_t forward_;  // findings passed to the sink; the next one gets a "counted only" note
  uint64_t forwarded_ = 0;
  std::array<uint64_t, size_t(DiagnosticKind::kCount)> counts_{};
  std::vector<Diagnostic> kept_;
  Sink sink_;
};

}  // namespace vtd
