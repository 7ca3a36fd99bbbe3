// The trace format: binary <-> text round trips of every record shape, and each class of
// malformed input rejected with the byte offset (binary) or line number (text) it is at.
#include <gtest/gtest.h>

#include <random>
#include <sstream>
#include <vector>

#include "traces/format/binary_format.h"
#include "traces/format/binary_reader.h"
#include "traces/format/binary_writer.h"
#include "traces/format/text_format.h"

namespace vtd::trace {
namespace {

std::vector<TraceRecord> sampleRecords() {
  std::vector<TraceRecord> v;
  std::mt19937_64 rng(7);
  uint64_t t = 1000;
  for (int i = 0; i < 2000; ++i) {
    TraceRecord r;
    // Times go back now and then, as they may between devices under temporal decoupling.
    t = (i % 97 == 0 && t > 5000) ? t - 4000 : t + rng() % 100000;
    r.time_ps = t;
    const unsigned pick = unsigned(rng() % 10);
    if (pick < 7) {
      r.kind = RecordKind::Dma;
      r.dma.source = uint16_t(i % 3 == 0 ? 0x20 : 0x28 + (rng() % 2));
      r.dma.write = rng() & 1;
      r.dma.address = (i % 50 == 0) ? ~0ull - (rng() % 4096) : (rng() % (1ull << 40));
      r.dma.size = (i % 5 == 0) ? 0 : uint32_t(rng() % 4097);
      if (i % 11 == 0) r.dma.at = AddressType(1 + rng() % 2);
      if (i % 13 == 0) {
        r.dma.pasid_present = true;
        r.dma.pasid = uint32_t(rng() % (kMaxPasid + 1));
        r.dma.privileged = rng() & 1;
        r.dma.execute = rng() & 1;
      }
    } else if (pick < 9) {
      r.kind = RecordKind::RegisterWrite;
      r.reg.offset = uint32_t(rng() % 0x1000) & ~3u;
      r.reg.size = (rng() & 1) ? 8 : 4;
      r.reg.value = r.reg.size == 8 ? rng() : rng() & 0xFFFFFFFF;
    } else {
      r.kind = RecordKind::Invalidation;
      r.inv.lo = rng();
      r.inv.hi = rng();
    }
    v.push_back(r);
  }
  return v;
}

bool same(const TraceRecord& a, const TraceRecord& b) { return textLine(a) == textLine(b); }

std::string toBinary(const std::vector<TraceRecord>& records) {
  std::ostringstream out;
  BinaryTraceWriter w(out);
  for (auto& r : records) w.put(r);
  w.finish();
  return out.str();
}

std::vector<TraceRecord> readAll(TraceSource& s) {
  std::vector<TraceRecord> v;
  for (TraceRecord r; s.next(r);) v.push_back(r);
  return v;
}

std::vector<TraceRecord> fromBinary(const std::string& bytes) {
  std::istringstream in(bytes);
  BinaryTraceReader reader(in);
  return readAll(reader);
}

std::vector<TraceRecord> fromText(const std::string& text) {
  std::istringstream in(text);
  TextTraceReader reader(in);
  return readAll(reader);
}

TEST(TraceFormat, BinaryTextBinaryRoundTripKeepsEveryField) {
  const auto records = sampleRecords();
  const std::string binary = toBinary(records);
  const auto decoded = fromBinary(binary);
  ASSERT_EQ(decoded.size(), records.size());
  std::ostringstream text;
  TextTraceWriter tw(text);
  for (size_t i = 0; i < records.size(); ++i) {
    ASSERT_TRUE(same(records[i], decoded[i])) << i << ": " << textLine(records[i]) << " vs " << textLine(decoded[i]);
    tw.put(decoded[i]);
  }
  const auto from_text = fromText(text.str());
  ASSERT_EQ(from_text.size(), records.size());
  for (size_t i = 0; i < records.size(); ++i) ASSERT_TRUE(same(records[i], from_text[i])) << i;
  EXPECT_EQ(toBinary(from_text), binary);  // the encoding is canonical
}

TEST(TraceFormat, BinaryIsCompactForSequentialDma) {
  std::vector<TraceRecord> v;
  for (int i = 0; i < 1000; ++i) {
    TraceRecord r;
    r.time_ps = uint64_t(i) * 8000;
    r.dma.source = 0x20;
    r.dma.address = 0x100000 + uint64_t(i) * 64;
    r.dma.size = 64;
    v.push_back(r);
  }
  // Tag, a 2-byte time delta (8000 ps), a 2-byte address delta (+64, zigzag 128): 5 bytes.
  EXPECT_LE(toBinary(v).size(), 16u + 1000u * 5u + 8u);
}

TEST(TraceFormat, TextAcceptsCommentsBlankLinesAndHex) {
  const auto v = fromText(
      "vtdtrace-text 1\n# made by hand\n\n  \n"
      "10 dma 00:04.0 w 0x1000 64 at=translated pasid=0x5 priv\n"
      "0x20 reg 0xb8 8 0x120000f\n"
      "30 inv 0x11 0\n");
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[0].dma.source, 0x20);
  EXPECT_TRUE(v[0].dma.write);
  EXPECT_EQ(v[0].dma.at, AddressType::Translated);
  EXPECT_EQ(v[0].dma.pasid, 5u);
  EXPECT_TRUE(v[0].dma.privileged);
  EXPECT_EQ(v[1].time_ps, 32u);
  EXPECT_EQ(v[1].reg.value, 0x120000Fu);
  EXPECT_EQ(v[2].inv.lo, 0x11u);
}

// --- malformed binary input: each message names the byte offset and the problem ---

std::string binaryError(const std::string& bytes) {
  try {
    fromBinary(bytes);
  } catch (const TraceError& e) {
    return e.what();
  }
  return "(accepted)";
}

std::string oneDma() {
  TraceRecord r;
  r.time_ps = 5;
  r.dma.source = 0x20;
  r.dma.address = 0x1000;
  r.dma.size = 64;
  return toBinary({r});
}

TEST(TraceFormatErrors, BinaryHeader) {
  EXPECT_EQ(binaryError("VTDTRA"), "trace byte 0: not a vtdsim binary trace (no VTDTRACE magic)");
  EXPECT_EQ(binaryError("VTDTRACE\x01"), "trace byte 0: the header is cut short (9 of 16 bytes)");
  std::string b = oneDma();
  b[8] = 2;
  EXPECT_EQ(binaryError(b), "trace byte 0: unsupported trace version 2 (this reader knows version 1)");
  b = oneDma();
  b[12] = 1;
  EXPECT_EQ(binaryError(b), "trace byte 0: reserved header bytes 10-15 are not zero");
}

TEST(TraceFormatErrors, BinaryRecords) {
  const std::string good = oneDma();  // header 16, DMA record at 16, end record after it
  ASSERT_EQ(binaryError(good), "(accepted)");
  const size_t end_at = good.size() - 2;  // end tag + count 1
  // Truncation: no end record; a record cut short.
  EXPECT_EQ(binaryError(good.substr(0, end_at)), "trace byte " + std::to_string(end_at) +
                                                    ": the trace ends without its end record (truncated?)");
  EXPECT_EQ(binaryError(good.substr(0, 18)), "trace byte 16: record cut short in its source id");
  // Unknown kind, reserved tag bits.
  std::string b = good;
  b[16] = char(0x05);
  EXPECT_EQ(binaryError(b), "trace byte 16: unknown record kind 5");
  b = good;
  b[16] = char(uint8_t(b[16]) | 0x80);
  EXPECT_EQ(binaryError(b), "trace byte 16: reserved bit 7 set in a DMA tag");
  // Miscounted end record, data after it.
  b = good;
  b[b.size() - 1] = 3;
  EXPECT_EQ(binaryError(b), "trace byte " + std::to_string(end_at) + ": the end record counts 3 records but 1 precede it");
  EXPECT_EQ(binaryError(good + "x"), "trace byte " + std::to_string(good.size()) + ": data after the end record");
  // Overlong varint in the time delta.
  std::string header = good.substr(0, 16);
  const std::string overlong = "trace byte 16: time delta does not fit in 64 bits (a varint above 2^64 - 1 or longer than 10 bytes)";
  EXPECT_EQ(binaryError(header + std::string(1, char(bin::kKindInvalidation)) + std::string(11, char(0x80)) + "\x07\x00"), overlong);
  EXPECT_EQ(binaryError(header + std::string(1, char(bin::kKindInvalidation)) + std::string(9, char(0xFF)) + "\x02" + "\x07\x00"), overlong);
}

TEST(TraceFormatErrors, BinaryValuesOutOfRange) {
  const std::string header = oneDma().substr(0, 16);
  auto with = [&](std::initializer_list<uint8_t> record) {
    std::string b = header;
    for (uint8_t c : record) b += char(c);
    return binaryError(b + "\x07\x01");
  };
  // DMA with extras: AT 3, reserved extras bits, priv without PASID, PASID above 20 bits.
  EXPECT_EQ(with({bin::kDmaExtras, 0, 0, 0x18}), "trace byte 16: reserved address type 3");
  EXPECT_EQ(with({bin::kDmaExtras, 0, 0, 0x20}), "trace byte 16: reserved bits set in a DMA extras byte");
  EXPECT_EQ(with({bin::kDmaExtras, 0, 0, 0x02}), "trace byte 16: privileged or execute set without a PASID");
  EXPECT_EQ(with({bin::kDmaExtras, 0, 0, 0x01, 0x80, 0x80, 0x40}), "trace byte 16: PASID 1048576 is above 20 bits");
  EXPECT_EQ(with({bin::kDmaSize, 0, 0, 0x80, 0x80, 0x80, 0x80, 0x10}), "trace byte 16: size 4294967296 is above 2^32 - 1");
  // Register writes: offset above 0xFFFF, a 4-byte value above 32 bits, reserved bits.
  EXPECT_EQ(with({bin::kKindRegister, 0, 0x80, 0x80, 0x04, 0}), "trace byte 16: register offset 65536 is above 0xFFFF");
  EXPECT_EQ(with({bin::kKindRegister, 0, 0x10, 0x80, 0x80, 0x80, 0x80, 0x10}),
            "trace byte 16: a 4-byte register write holds a value above 32 bits");
  EXPECT_EQ(with({bin::kKindRegister | 0x10, 0, 0, 0}), "trace byte 16: reserved bits set in a register-write tag");
  EXPECT_EQ(with({bin::kKindInvalidation | 0x08, 0, 0, 0}), "trace byte 16: reserved bits set in an invalidation tag");
}

TEST(TraceFormatErrors, ErrorsLaterInALongTraceNameTheirOffset) {
  // Past the reader's first block: the offset counts from the start of the file.
  std::vector<TraceRecord> v(400000);
  for (size_t i = 0; i < v.size(); ++i) {
    v[i].time_ps = i;
    v[i].dma.address = i * 4096;
  }
  std::string b = toBinary(v);
  const size_t bad = b.size() - 4;  // the end record: tag and a 3-byte count
  b[bad] = char(0x06);
  EXPECT_EQ(binaryError(b), "trace byte " + std::to_string(bad) + ": unknown record kind 6");
}

// --- malformed text input: each message names the line ---

std::string textError(const std::string& text) {
  try {
    fromText(text);
  } catch (const TraceError& e) {
    return e.what();
  }
  return "(accepted)";
}

TEST(TraceFormatErrors, TextLines) {
  const std::string h = "vtdtrace-text 1\n# comment\n";
  EXPECT_EQ(textError(""), "trace line 1: empty trace (expected the header line 'vtdtrace-text 1')");
  EXPECT_EQ(textError("vtdtrace-text 2\n"), "trace line 1: unsupported text trace version 'vtdtrace-text 2' (this reader knows 'vtdtrace-text 1')");
  EXPECT_EQ(textError("10 dma 00:04.0 r 0 4\n"), "trace line 1: not a vtdsim text trace (the first line must be 'vtdtrace-text 1')");
  EXPECT_EQ(textError(h + "1 dma 00:04.0 r 0x10 4\nx dma 00:04.0 r 0 4\n"), "trace line 4: bad time 'x' (a decimal or 0x-hex number)");
  EXPECT_EQ(textError(h + "1 dmx\n"), "trace line 3: unknown record type 'dmx' (dma, reg or inv)");
  EXPECT_EQ(textError(h + "1 dma 00:04.0 r 0x10\n"), "trace line 3: a dma record needs: <time_ps> dma <bb:dd.f> <r|w> <address> <size>");
  EXPECT_EQ(textError(h + "1 dma 00:20.0 r 0x10 4\n"), "trace line 3: bad source id '00:20.0' (expected bb:dd.f, e.g. 00:04.0)");
  EXPECT_EQ(textError(h + "1 dma 00:04.0 x 0x10 4\n"), "trace line 3: bad direction 'x' (r or w)");
  EXPECT_EQ(textError(h + "1 dma 00:04.0 r 0x1g 4\n"), "trace line 3: bad address '0x1g' (a decimal or 0x-hex number)");
  EXPECT_EQ(textError(h + "1 dma 00:04.0 r 0x10000000000000000 4\n"), "trace line 3: bad address '0x10000000000000000' (a decimal or 0x-hex number)");
  EXPECT_EQ(textError(h + "1 dma 00:04.0 r 0x10 4294967296\n"), "trace line 3: size 4294967296 is above 2^32 - 1");
  EXPECT_EQ(textError(h + "1 dma 00:04.0 r 0x10 4 pasid=0x100000\n"), "trace line 3: bad PASID '0x100000' (0 to 0xfffff)");
  EXPECT_EQ(textError(h + "1 dma 00:04.0 r 0x10 4 priv\n"), "trace line 3: priv or exec without pasid=");
  EXPECT_EQ(textError(h + "1 dma 00:04.0 r 0x10 4 fast\n"), "trace line 3: unknown dma field 'fast' (at=request|translated, pasid=N, priv, exec)");
  EXPECT_EQ(textError(h + "1 reg 0x10000 4 0\n"), "trace line 3: register offset 0x10000 is above 0xFFFF");
  EXPECT_EQ(textError(h + "1 reg 0x88 2 0\n"), "trace line 3: register size 2 (4 or 8)");
  EXPECT_EQ(textError(h + "1 reg 0x88 4 0x100000000\n"), "trace line 3: a 4-byte register write holds a value above 32 bits");
  EXPECT_EQ(textError(h + "1 reg 0x88 4\n"), "trace line 3: a reg record is: <time_ps> reg <offset> <4|8> <value>");
  EXPECT_EQ(textError(h + "1 inv 0x11\n"), "trace line 3: an inv record is: <time_ps> inv <low quadword> <high quadword>");
}

TEST(TraceFormat, SourceIdText) {
  uint16_t s = 0;
  EXPECT_TRUE(parseSourceId("3a:1f.7", s));
  EXPECT_EQ(s, uint16_t(0x3a << 8 | 0x1f << 3 | 7));
  EXPECT_EQ(sourceIdText(s), "3a:1f.7");
  for (const char* bad : {"3a:1f.8", "3a:1f", "3a-1f.0", "+a:1f.0", "3a:1f.00", "3a:20.0"})
    EXPECT_FALSE(parseSourceId(bad, s)) << bad;
}

}  // namespace
}  // namespace vtd::trace
