// TraceRecord: one event of a vtdsim trace (traces/README.md): a DMA request as it reached
// the remapping unit, a register write the unit saw, or a queued-invalidation descriptor
// software submitted. Plain data shared by the binary and text forms, their readers and
// writers, the recorder and the replay; it knows nothing of the model or of SystemC.
// Not represented: register reads, interrupt-remapping table contents, page tables (a
// trace carries addresses as the device issued them; replay builds the tables).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace vtd::trace {

enum class RecordKind : uint8_t { Dma = 0, RegisterWrite = 1, Invalidation = 2 };

// PCIe address type (ATS), as on the wire: 0 untranslated, 1 translation request,
// 2 translated. 3 is reserved and never appears in a valid trace.
enum class AddressType : uint8_t { Untranslated = 0, TranslationRequest = 1, Translated = 2 };

struct DmaEvent {
  uint16_t source = 0;         // requester id: bus 15:8, device 7:3, function 2:0
  bool write = false;
  AddressType at = AddressType::Untranslated;
  bool pasid_present = false;  // PASID TLP prefix
  bool privileged = false;     // prefix's privileged-mode-requested bit
  bool execute = false;        // prefix's execute-requested bit
  uint32_t pasid = 0;          // 20 bits
  uint64_t address = 0;        // as the device sent it (an IOVA unless at == Translated)
  uint32_t size = 0;           // bytes; 0 is a zero-length read
};

struct RegisterWrite {
  uint32_t offset = 0;  // from the register block's base
  uint8_t size = 4;     // 4 or 8 bytes
  uint64_t value = 0;
};

// A 128-bit invalidation descriptor (VT-d 3.x 6.5.2) as it sat in the queue.
struct InvalidationDescriptor {
  uint64_t lo = 0, hi = 0;
};

struct TraceRecord {
  RecordKind kind = RecordKind::Dma;
  uint64_t time_ps = 0;  // arrival at the unit
  DmaEvent dma;                  // kind == Dma
  RegisterWrite reg;             // kind == RegisterWrite
  InvalidationDescriptor inv;    // kind == Invalidation
};

// Limits every valid record keeps (both forms check them).
constexpr uint32_t kMaxPasid = (1u << 20) - 1;
constexpr uint32_t kMaxRegisterOffset = 0xFFFF;

// A malformed trace: the message names the place (byte offset or line) and the problem.
class TraceError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Where records go: a file writer, the recorder's sink, a test's vector.
class TraceSink {
 public:
  virtual ~TraceSink() = default;
  virtual void put(const TraceRecord& record) = 0;
};

// Where records come from, in trace order. next() returns false at the end of a valid
// trace and throws TraceError for a malformed one.
class TraceSource {
 public:
  virtual ~TraceSource() = default;
  virtual bool next(TraceRecord& record) = 0;
  // "byte 1234" or "line 56": where the last record began (for messages).
  virtual std::string position() const = 0;
};

// "00:04.0" for a requester id; parseSourceId accepts "bb:dd.f" (hex bus and device,
// decimal function 0-7) and returns false for anything else.
std::string sourceIdText(uint16_t source);
bool parseSourceId(const std::string& text, uint16_t& source);

}  // namespace vtd::trace
