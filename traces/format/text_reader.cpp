// TextTraceReader: line parsing and checks.
#include <cctype>
#include <sstream>
#include <vector>

#include "traces/format/text_format.h"

namespace vtd::trace {

namespace {

std::vector<std::string> fieldsOf(const std::string& line) {
  std::vector<std::string> f;
  std::istringstream in(line);
  for (std::string w; in >> w;) f.push_back(w);
  return f;
}

// Decimal or 0x-hex, the whole text, fitting in 64 bits.
bool parseNumber(const std::string& s, uint64_t& v) {
  size_t i = 0;
  unsigned base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    i = 2;
  }
  if (i >= s.size()) return false;
  v = 0;
  for (; i < s.size(); ++i) {
    const char c = char(std::tolower(static_cast<unsigned char>(s[i])));
    unsigned d;
    if (c >= '0' && c <= '9') d = unsigned(c - '0');
    else if (base == 16 && c >= 'a' && c <= 'f') d = unsigned(c - 'a' + 10);
    else return false;
    if (v > (UINT64_MAX - d) / base) return false;
    v = v * base + d;
  }
  return true;
}

}  // namespace

TextTraceReader::TextTraceReader(std::istream& in) : in_(in) {
  std::string first;
  ++line_number_;
  if (!std::getline(in_, first)) fail("empty trace (expected the header line '" + std::string(kTextHeader) + "')");
  if (!first.empty() && first.back() == '\r') first.pop_back();
  if (first != kTextHeader) {
    if (first.rfind("vtdtrace-text ", 0) == 0) fail("unsupported text trace version '" + first + "' (this reader knows '" + kTextHeader + "')");
    fail("not a vtdsim text trace (the first line must be '" + std::string(kTextHeader) + "')");
  }
}

void TextTraceReader::fail(const std::string& what) const {
  throw TraceError("trace line " + std::to_string(line_number_) + ": " + what);
}

bool TextTraceReader::next(TraceRecord& r) {
  while (std::getline(in_, line_)) {
    ++line_number_;
    if (!line_.empty() && line_.back() == '\r') line_.pop_back();
    const size_t start = line_.find_first_not_of(" \t");
    if (start == std::string::npos || line_[start] == '#') continue;
    parse(line_, r);
    return true;
  }
  if (in_.bad()) fail("read error");
  return false;
}

void TextTraceReader::parse(const std::string& line, TraceRecord& r) const {
  const std::vector<std::string> f = fieldsOf(line);
  auto number = [&](size_t i, const char* what) {
    uint64_t v;
    if (i >= f.size()) fail(std::string("missing ") + what);
    if (!parseNumber(f[i], v)) fail(std::string("bad ") + what + " '" + f[i] + "' (a decimal or 0x-hex number)");
    return v;
  };
  if (f.size() < 2) fail("expected '<time_ps> dma|reg|inv ...'");
  r = TraceRecord{};
  r.time_ps = number(0, "time");
  const std::string& kind = f[1];
  if (kind == "dma") {
    r.kind = RecordKind::Dma;
    DmaEvent& d = r.dma;
    if (f.size() < 6) fail("a dma record needs: <time_ps> dma <bb:dd.f> <r|w> <address> <size>");
    if (!parseSourceId(f[2], d.source)) fail("bad source id '" + f[2] + "' (expected bb:dd.f, e.g. 00:04.0)");
    if (f[3] != "r" && f[3] != "w") fail("bad direction '" + f[3] + "' (r or w)");
    d.write = f[3] == "w";
    d.address = number(4, "address");
    const uint64_t size = number(5, "size");
    if (size > UINT32_MAX) fail("size " + f[5] + " is above 2^32 - 1");
    d.size = uint32_t(size);
    for (size_t i = 6; i < f.size(); ++i) {
      const std::string& o = f[i];
      if (o == "at=request") d.at = AddressType::TranslationRequest;
      else if (o == "at=translated") d.at = AddressType::Translated;
      else if (o == "at=untranslated") d.at = AddressType::Untranslated;
      else if (o == "priv") d.privileged = true;
      else if (o == "exec") d.execute = true;
      else if (o.rfind("pasid=", 0) == 0) {
        uint64_t p;
        if (!parseNumber(o.substr(6), p) || p > kMaxPasid) fail("bad PASID '" + o.substr(6) + "' (0 to 0xfffff)");
        d.pasid_present = true;
        d.pasid = uint32_t(p);
      } else {
        fail("unknown dma field '" + o + "' (at=request|translated, pasid=N, priv, exec)");
      }
    }
    if ((d.privileged || d.execute) && !d.pasid_present) fail("priv or exec without pasid=");
  } else if (kind == "reg") {
    r.kind = RecordKind::RegisterWrite;
    if (f.size() != 5) fail("a reg record is: <time_ps> reg <offset> <4|8> <value>");
    const uint64_t offset = number(2, "register offset");
    if (offset > kMaxRegisterOffset) fail("register offset " + f[2] + " is above 0xFFFF");
    const uint64_t size = number(3, "register size");
    if (size != 4 && size != 8) fail("register size " + f[3] + " (4 or 8)");
    r.reg.offset = uint32_t(offset);
    r.reg.size = uint8_t(size);
    r.reg.value = number(4, "register value");
    if (size == 4 && r.reg.value > UINT32_MAX) fail("a 4-byte register write holds a value above 32 bits");
  } else if (kind == "inv") {
    r.kind = RecordKind::Invalidation;
    if (f.size() != 4) fail("an inv record is: <time_ps> inv <low quadword> <high quadword>");
    r.inv.lo = number(2, "descriptor low quadword");
    r.inv.hi = number(3, "descriptor high quadword");
  } else {
    fail("unknown record type '" + kind + "' (dma, reg or inv)");
  }
}

}  // namespace vtd::trace
