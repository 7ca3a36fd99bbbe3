// TextTraceWriter and textLine: the text form's output, and the source-id helpers.
#include <cstdio>
#include <stdexcept>

#include "traces/format/text_format.h"

namespace vtd::trace {

std::string sourceIdText(uint16_t source) {
  char b[16];
  std::snprintf(b, sizeof b, "%02x:%02x.%u", unsigned(source >> 8), unsigned((source >> 3) & 0x1F),
                unsigned(source & 7));
  return b;
}

// Exactly "bb:dd.f": two hex digits of bus, two of device (at most 0x1f), one function digit.
bool parseSourceId(const std::string& text, uint16_t& source) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (text.size() != 7 || text[2] != ':' || text[5] != '.') return false;
  const int b1 = hex(text[0]), b0 = hex(text[1]), d1 = hex(text[3]), d0 = hex(text[4]);
  if (b1 < 0 || b0 < 0 || d1 < 0 || d0 < 0 || text[6] < '0' || text[6] > '7') return false;
  const unsigned dev = unsigned(d1 * 16 + d0);
  if (dev > 0x1F) return false;
  source = uint16_t(unsigned(b1 * 16 + b0) << 8 | dev << 3 | unsigned(text[6] - '0'));
  return true;
}

std::string textLine(const TraceRecord& r) {
  char b[160];
  switch (r.kind) {
    case RecordKind::Dma: {
      const DmaEvent& d = r.dma;
      std::string line;
      std::snprintf(b, sizeof b, "%llu dma %s %c 0x%llx %u", (unsigned long long)r.time_ps,
                    sourceIdText(d.source).c_str(), d.write ? 'w' : 'r', (unsigned long long)d.address, d.size);
      line = b;
      if (d.at == AddressType::TranslationRequest) line += " at=request";
      if (d.at == AddressType::Translated) line += " at=translated";
      if (d.pasid_present) {
        std::snprintf(b, sizeof b, " pasid=0x%x", d.pasid);
        line += b;
      }
      if (d.privileged) line += " priv";
      if (d.execute) line += " exec";
      return line;
    }
    case RecordKind::RegisterWrite:
      std::snprintf(b, sizeof b, "%llu reg 0x%x %u 0x%llx", (unsigned long long)r.time_ps, r.reg.offset,
                    unsigned(r.reg.size), (unsigned long long)r.reg.value);
      return b;
    case RecordKind::Invalidation:
      std::snprintf(b, sizeof b, "%llu inv 0x%llx 0x%llx", (unsigned long long)r.time_ps,
                    (unsigned long long)r.inv.lo, (unsigned long long)r.inv.hi);
      return b;
  }
  return "";
}

TextTraceWriter::TextTraceWriter(std::ostream& out) : out_(out) { out_ << kTextHeader << "\n"; }

void TextTraceWriter::put(const TraceRecord& r) { out_ << textLine(r) << "\n"; }

void TextTraceWriter::comment(const std::string& text) { out_ << "# " << text << "\n"; }

void TextTraceWriter::finish() {
  out_.flush();
  if (!out_) throw std::runtime_error("trace writer: error writing the trace");
}

}  // namespace vtd::trace
