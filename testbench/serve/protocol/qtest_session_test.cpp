// QtestSession with well-formed commands: reply texts, byte order, number syntax, framing and
// the -qtest-log format. Expected texts are QEMU 7.2.22's replies, recorded by driving
// qemu-system-x86_64 -machine q35 -accel tcg -qtest with the same lines (clock_step/clock_set
// are those of QEMU's qtest accelerator, which that TCG build lacks).
#include <gtest/gtest.h>

#include <map>
#include <sstream>

#include "platform/serve/protocol/qtest_session.h"

namespace vtd::serve {
namespace {

// Sparse little-endian memory, port registers and a settable clock; every access is recorded.
class FakeBackend : public QtestBackend {
 public:
  uint64_t memRead(uint64_t address, unsigned size) override {
    uint64_t value = 0;
    for (unsigned i = 0; i < size; ++i) value |= uint64_t(byteAt(address + i)) << (8 * i);
    record("memRead", address, size, value);
    return value;
  }
  void memWrite(uint64_t address, unsigned size, uint64_t value) override {
    record("memWrite", address, size, value);
    for (unsigned i = 0; i < size; ++i) memory[address + i] = uint8_t(value >> (8 * i));
  }
  void memReadBlock(uint64_t address, uint8_t* data, size_t length) override {
    record("memReadBlock", address, length, 0);
    for (size_t i = 0; i < length; ++i) data[i] = byteAt(address + i);
  }
  void memWriteBlock(uint64_t address, const uint8_t* data, size_t length) override {
    record("memWriteBlock", address, length, 0);
    for (size_t i = 0; i < length; ++i) memory[address + i] = data[i];
  }
  uint32_t ioRead(uint16_t port, unsigned size) override {
    record("ioRead", port, size, 0);
    return port_value;
  }
  void ioWrite(uint16_t port, unsigned size, uint32_t value) override {
    record("ioWrite", port, size, value);
  }
  int64_t clockStep(std::optional<int64_t> ns) override {
    now = ns ? now + *ns : (next_deadline > now ? next_deadline : now);
    return now;
  }
  int64_t clockSet(int64_t ns) override {
    now = ns;
    return now;
  }
  int64_t clockNow() override { return now; }

  uint8_t byteAt(uint64_t address) const {
    const auto it = memory.find(address);
    return it == memory.end() ? 0 : it->second;
  }

  std::map<uint64_t, uint8_t> memory;
  std::vector<std::string> accesses;
  uint32_t port_value = 0xffffffff;
  int64_t now = 0;
  int64_t next_deadline = 0;

 private:
  void record(const char* what, uint64_t address, uint64_t size, uint64_t value) {
    std::ostringstream text;
    text << what << " 0x" << std::hex << address << " " << std::dec << size << " 0x" << std::hex
         << value;
    accesses.push_back(text.str());
  }
};

class QtestSessionTest : public ::testing::Test {
 protected:
  std::string run(const std::string& line) { return session.feed(line + "\n"); }

  FakeBackend backend;
  QtestSession session{backend};
};

TEST_F(QtestSessionTest, ReadRepliesAreSixteenHexDigits) {
  // QEMU prints every read[bwlq] value with "OK 0x%016" PRIx64.
  EXPECT_EQ(run("writeq 0x1000 0x0123456789abcdef"), "OK\n");
  EXPECT_EQ(run("readb 0x1000"), "OK 0x00000000000000ef\n");
  EXPECT_EQ(run("readw 0x1000"), "OK 0x000000000000cdef\n");
  EXPECT_EQ(run("readl 0x1000"), "OK 0x0000000089abcdef\n");
  EXPECT_EQ(run("readq 0x1000"), "OK 0x0123456789abcdef\n");
  EXPECT_EQ(backend.accesses.back(), "memRead 0x1000 8 0x123456789abcdef");
}

TEST_F(QtestSessionTest, WritesTruncateTheValueToTheAccessSize) {
  // QEMU copies VALUE into a variable of the access size: writeb 0x1ff stores 0xff.
  EXPECT_EQ(run("writeb 0x5000 0x1ff"), "OK\n");
  EXPECT_EQ(backend.accesses.back(), "memWrite 0x5000 1 0xff");
  EXPECT_EQ(run("writew 0x5000 0x12345"), "OK\n");
  EXPECT_EQ(backend.accesses.back(), "memWrite 0x5000 2 0x2345");
  EXPECT_EQ(run("writel 0x5000 0x123456789"), "OK\n");
  EXPECT_EQ(backend.accesses.back(), "memWrite 0x5000 4 0x23456789");
}

TEST_F(QtestSessionTest, ReadGivesBytesInAddressOrder) {
  run("writeq 0x1000 0x0123456789abcdef");
  EXPECT_EQ(run("read 0x1000 8"), "OK 0xefcdab8967452301\n");
  EXPECT_EQ(run("read 0x1000 3"), "OK 0xefcdab\n");
}

TEST_F(QtestSessionTest, Base64ReadMatchesQemu) {
  run("writeq 0x1000 0x0123456789abcdef");
  EXPECT_EQ(run("b64read 0x1000 8"), "OK 782riWdFIwE=\n");
  EXPECT_EQ(run("b64read 0x1000 1"), "OK 7w==\n");
  EXPECT_EQ(run("b64read 0x1000 0"), "OK \n");  // QEMU: empty encoding after "OK "
}

TEST_F(QtestSessionTest, WriteHexFillsAndTruncatesLikeQemu) {
  EXPECT_EQ(run("write 0x2000 4 0xaabbccdd"), "OK\n");
  EXPECT_EQ(run("read 0x2000 4"), "OK 0xaabbccdd\n");
  EXPECT_EQ(run("write 0x2000 4 0x11"), "OK\n");  // missing bytes are zero
  EXPECT_EQ(run("read 0x2000 4"), "OK 0x11000000\n");
  EXPECT_EQ(run("write 0x2000 2 0x2233445566"), "OK\n");  // extra bytes ignored
  EXPECT_EQ(run("read 0x2000 4"), "OK 0x22330000\n");
  EXPECT_EQ(run("write 0x2000 2 0x789"), "OK\n");  // a lone last digit is ignored
  EXPECT_EQ(run("read 0x2000 4"), "OK 0x78000000\n");
  EXPECT_EQ(run("write 0x2000 2 0XAB"), "OK\n");  // upper case accepted
  EXPECT_EQ(run("read 0x2000 2"), "OK 0xab00\n");
}

TEST_F(QtestSessionTest, WriteOfZeroBytesTouchesNothing) {
  EXPECT_EQ(run("write 0x2000 0 0x11"), "OK\n");
  EXPECT_EQ(run("memset 0x4000 0 5"), "OK\n");
  EXPECT_TRUE(backend.accesses.empty());
}

TEST_F(QtestSessionTest, ShortDataGetsQemusErrReply) {
  // QEMU answers "ERR invalid argument size" when DATA has fewer than 3 characters.
  EXPECT_EQ(run("write 0x2000 1 12"), "ERR invalid argument size\n");
  EXPECT_EQ(run("b64write 0x3000 1 AQ"), "ERR invalid argument size\n");
  EXPECT_TRUE(backend.accesses.empty());
}

TEST_F(QtestSessionTest, Base64WriteRoundTrips) {
  EXPECT_EQ(run("b64write 0x3000 3 AQID"), "OK\n");
  EXPECT_EQ(run("read 0x3000 4"), "OK 0x01020300\n");
  EXPECT_EQ(run("b64read 0x3000 3"), "OK AQID\n");
  // 256 distinct bytes through write, then b64read, then b64write elsewhere, then read.
  std::string hex = "0x";
  for (int i = 0; i < 256; ++i) {
    char pair[3];
    std::snprintf(pair, sizeof pair, "%02x", i);
    hex += pair;
  }
  EXPECT_EQ(run("write 0x10000 256 " + hex), "OK\n");
  std::string encoded = run("b64read 0x10000 256");
  ASSERT_EQ(encoded.rfind("OK ", 0), 0u);
  encoded = encoded.substr(3, encoded.size() - 4);
  EXPECT_EQ(run("b64write 0x20000 256 " + encoded), "OK\n");
  EXPECT_EQ(run("read 0x20000 256"), "OK " + hex + "\n");
}

TEST_F(QtestSessionTest, Base64WriteLengthMismatchKeepsSize) {
  // QEMU writes SIZE bytes of the longer decoded text (observed: 01 02 of "AQID").
  EXPECT_EQ(run("b64write 0x3000 2 AQID"), "OK\n");
  EXPECT_EQ(backend.accesses.back(), "memWriteBlock 0x3000 2 0x0");
  EXPECT_EQ(run("b64write 0x3100 4 AQ=="), "OK\n");  // shorter: only what was decoded
  EXPECT_EQ(backend.accesses.back(), "memWriteBlock 0x3100 1 0x0");
}

TEST_F(QtestSessionTest, MemsetUsesTheLowByte) {
  EXPECT_EQ(run("memset 0x4000 4 0x1ab"), "OK\n");
  EXPECT_EQ(run("read 0x4000 5"), "OK 0xabababab00\n");
}

TEST_F(QtestSessionTest, PortReadsUseAtLeastFourHexDigits) {
  // QEMU: "OK 0x%04x" for in[bwl].
  backend.port_value = 0xff;
  EXPECT_EQ(run("inb 0xcfc"), "OK 0x00ff\n");
  backend.port_value = 0x29c08086;
  EXPECT_EQ(run("inl 0xcfc"), "OK 0x29c08086\n");
  EXPECT_EQ(run("inw 0xcfc"), "OK 0x8086\n");
  EXPECT_EQ(run("inb 0xcfe"), "OK 0x0086\n");
  EXPECT_EQ(backend.accesses.back(), "ioRead 0xcfe 1 0x0");
}

TEST_F(QtestSessionTest, PortWritesTruncateTheValue) {
  EXPECT_EQ(run("outl 0xcf8 0x180000000"), "OK\n");  // QEMU keeps the low 32 bits
  EXPECT_EQ(backend.accesses.back(), "ioWrite 0xcf8 4 0x80000000");
  EXPECT_EQ(run("outb 0x80 0x1234"), "OK\n");
  EXPECT_EQ(backend.accesses.back(), "ioWrite 0x80 1 0x34");
  EXPECT_EQ(run("outw 0xffff 0x12345"), "OK\n");
  EXPECT_EQ(backend.accesses.back(), "ioWrite 0xffff 2 0x2345");
}

TEST_F(QtestSessionTest, NumbersFollowStrtoullWithBaseZero) {
  // All observed on QEMU 7.2.22 with writel/readl.
  const std::pair<const char*, const char*> cases[] = {
      {"010", "0x8"},        // leading 0: octal
      {"0X1F", "0x1f"},      // upper-case prefix
      {"31", "0x1f"},        // decimal
      {"+7", "0x7"},         // explicit sign
      {"\t9", "0x9"},        // leading white space
      {"-1", "0xffffffff"},  // negative wraps (strtoull)
      {"0", "0x0"},
  };
  for (const auto& [word, value] : cases) {
    EXPECT_EQ(run(std::string("writel 0x5000 ") + word), "OK\n") << word;
    EXPECT_EQ(backend.accesses.back(), std::string("memWrite 0x5000 4 ") + value) << word;
  }
  EXPECT_EQ(run("writeq 0x5000 18446744073709551615"), "OK\n");
  EXPECT_EQ(run("readq 0x5000"), "OK 0xffffffffffffffff\n");
  EXPECT_EQ(run("writeq 0x5000 -18446744073709551615"), "OK\n");
  EXPECT_EQ(run("readq 0x5000"), "OK 0x0000000000000001\n");
}

TEST_F(QtestSessionTest, ExtraWordsAreIgnored) {
  // QEMU never looks past the words a command uses (a trailing space adds an empty word).
  EXPECT_EQ(run("readl 0x5000 extra words"), "OK 0x0000000000000000\n");
  EXPECT_EQ(run("readb 0x1000 "), "OK 0x0000000000000000\n");
}

TEST_F(QtestSessionTest, EndiannessIsLittle) {
  EXPECT_EQ(run("endianness"), "OK little\n");
}

TEST_F(QtestSessionTest, ClockCommandsReportTheNewTime) {
  backend.next_deadline = 100000000;
  EXPECT_EQ(run("clock_step"), "OK 100000000\n");  // to the next deadline
  EXPECT_EQ(run("clock_step 5"), "OK 100000005\n");
  EXPECT_EQ(run("clock_step 0x10"), "OK 100000021\n");
  EXPECT_EQ(run("clock_step -50"), "OK 100000021\n");  // QEMU: warping backwards does nothing
  EXPECT_EQ(run("clock_set 1"), "OK 100000021\n");     // the clock never goes back
  EXPECT_EQ(run("clock_set 200000000"), "OK 200000000\n");
  EXPECT_EQ(run("clock_step 9223372036854775807"), "OK 200000000\n");  // sum would overflow
}

TEST_F(QtestSessionTest, UnknownCommandsEchoTheirName) {
  EXPECT_EQ(run("xyz"), "FAIL Unknown command 'xyz'\n");
  EXPECT_EQ(run("xyz a b"), "FAIL Unknown command 'xyz'\n");
  EXPECT_EQ(run("READB 0x1000"), "FAIL Unknown command 'READB'\n");  // names are case-sensitive
}

TEST_F(QtestSessionTest, IrqInterceptionIsRefusedByName) {
  EXPECT_EQ(run("irq_intercept_in ioapic"),
            "FAIL irq_intercept_in: IRQ interception is not supported by vtdsim (no GPIO lines)\n");
  EXPECT_EQ(run("irq_intercept_out ioapic").rfind("FAIL irq_intercept_out: ", 0), 0u);
  EXPECT_EQ(run("set_irq_in ioapic unnamed-gpio-in 1 1").rfind("FAIL set_irq_in: ", 0), 0u);
}

TEST_F(QtestSessionTest, ModuleLoadFindsNoModule) {
  EXPECT_EQ(run("module_load accel tcg-x86_64"), "FAIL\n");  // QEMU's reply when not found
}

TEST_F(QtestSessionTest, LinesMayArriveInPieces) {
  run("writeq 0x1000 0x0123456789abcdef");
  EXPECT_EQ(session.feed("rea"), "");
  EXPECT_EQ(session.feed("db 0x10"), "");
  EXPECT_EQ(session.feed("00\nreadw"), "OK 0x00000000000000ef\n");
  EXPECT_EQ(session.feed(" 0x1000\nreadl 0x1000\nend"),
            "OK 0x000000000000cdef\nOK 0x0000000089abcdef\n");
  EXPECT_EQ(session.feed("ianness\n"), "OK little\n");
}

TEST_F(QtestSessionTest, ByteByByteFeedGivesTheSameReplies) {
  const std::string script = "writel 0x10 0x11223344\nreadl 0x10\nread 0x10 4\ninb 0x80\n";
  std::string replies;
  for (const char c : script) replies += session.feed(&c, 1);
  EXPECT_EQ(replies, "OK\nOK 0x0000000011223344\nOK 0x44332211\nOK 0x00ff\n");
}

TEST_F(QtestSessionTest, CarriageReturnBeforeNewlineIsTolerated) {
  // QEMU would fail to parse "0x1000\r"; a CRLF client works here.
  EXPECT_EQ(session.feed("readb 0x1000\r\nendianness\r\n"), "OK 0x0000000000000000\nOK little\n");
}

TEST_F(QtestSessionTest, APartialLineDiesWithItsConnection) {
  // A client that hangs up in the middle of "writel 0x1000 0x1" must not turn the next
  // client's first command into "writel 0x1000 0x1readl 0x0" (review fix).
  session.connectionOpened();
  EXPECT_EQ(session.feed("writel 0x1000 0x1"), "");
  session.connectionClosed();
  session.connectionOpened();
  EXPECT_EQ(run("readl 0x1000"), "OK 0x0000000000000000\n");
  EXPECT_EQ(session.feed("readl 0x10"), "");
  session.connectionOpened();  // a reconnect without a close event drops it too
  EXPECT_EQ(run("endianness"), "OK little\n");
  EXPECT_EQ(backend.accesses, std::vector<std::string>{"memRead 0x1000 4 0x0"});
}

TEST(QtestSessionLog, MatchesQemusQtestLogFormat) {
  // softmmu/qtest.c: "[I %.06f] OPENED", "[R +%.06f]" + " word"..., "[S +%.06f] " + reply,
  // "[I +%.06f] CLOSED"; the "ERR" reply goes out without a stamp, and a b64write length
  // mismatch adds a stamped note. Compared with QEMU 7.2.22's -qtest-log file.
  FakeBackend backend;
  std::ostringstream log;
  double seconds = 0;
  QtestSession session(backend, &log, [&] { return seconds; });
  session.connectionOpened();
  seconds = 0.0296404;
  session.feed("writeq 0x1000 0x0123456789abcdef\n");
  seconds = 0.5;
  session.feed("readb 0x1000\nwrite 0x2000 1 12\nb64write 0x3000 2 AQID\n\n");
  seconds = 1.25;
  session.connectionClosed();
  EXPECT_EQ(log.str(),
            "[I 0.000000] OPENED\n"
            "[R +0.029640] writeq 0x1000 0x0123456789abcdef\n"
            "[S +0.029640] OK\n"
            "[R +0.500000] readb 0x1000\n"
            "[S +0.500000] OK 0x00000000000000ef\n"
            "[R +0.500000] write 0x2000 1 12\n"
            "ERR invalid argument size\n"
            "[R +0.500000] b64write 0x3000 2 AQID\n"
            "[S +0.500000] b64write: data length mismatch (told 2, found 3)\n"
            "[S +0.500000] OK\n"
            "[R +0.500000]\n"
            "[S +0.500000] FAIL empty command line\n"
            "[I +1.250000] CLOSED\n");
}

TEST(QtestSessionLog, NoLogStreamMeansNoLogging) {
  FakeBackend backend;
  QtestSession session(backend);
  session.connectionOpened();
  EXPECT_EQ(session.feed("endianness\n"), "OK little\n");
  session.connectionClosed();
}

}  // namespace
}  // namespace vtd::serve
