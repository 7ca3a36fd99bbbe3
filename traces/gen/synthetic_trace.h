// SyntheticTrace: DMA records generated on the fly from a few numbers, for benchmarks and
// streaming tests (a trace of any length without a file) and for the synthetic samples in
// traces/. Each record comes from one device; its address is drawn from a working set of
// `pages` 4 KiB pages starting at `base`: with probability hot_fraction from the first
// hot_pages of them (a hot set, such as descriptor rings), else uniformly (random) or the
// next `size` bytes after the previous record (sequential, wrapping). Reads and writes
// by write_fraction; times `gap_ps` apart. Deterministic for a seed. Not a model of any
// real device: the workloads under platform/ are.
#pragma once

#include <cstdint>
#include <random>

#include "traces/format/trace_record.h"

namespace vtd::trace {

struct SyntheticParams {
  enum class Pattern : uint8_t { Random, Sequential } pattern = Pattern::Random;
  uint64_t events = 1000000;
  uint16_t source = 0x20;        // 00:04.0, the run platform's first device
  uint64_t base = 0x100000;      // IOVA of the working set
  uint64_t pages = 16384;        // 64 MiB working set
  uint32_t size = 64;            // bytes per request
  double write_fraction = 0.5;
  double hot_fraction = 0.0;
  uint64_t hot_pages = 16;
  uint64_t gap_ps = 10000;
  uint64_t seed = 1;
};

class SyntheticTrace final : public TraceSource {
 public:
  explicit SyntheticTrace(const SyntheticParams& p);
  bool next(TraceRecord& record) override;
  std::string position() const override { return "event " + std::to_string(emitted_); }

 private:
  SyntheticParams p_;
  std::mt19937_64 rng_;
  uint64_t emitted_ = 0;
  uint64_t cursor_ = 0;  // sequential: byte offset in the working set
  uint64_t write_threshold_, hot_threshold_;
  uint32_t slots_per_page_;
};

}  // namespace vtd::trace
