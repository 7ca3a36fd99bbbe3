// QtestSession with malformed input. QEMU 7.2 asserts (and the whole emulator aborts) on a
// missing argument, a word that is not a number, an empty line, `read` of 0 bytes or a port
// above 0xffff; vtdsim answers one `FAIL <problem>` line instead and keeps serving, so every
// line still gets exactly one reply.
#include <gtest/gtest.h>

#include <random>

#include "platform/serve/protocol/qtest_session.h"

namespace vtd::serve {
namespace {

// Reads as zero and counts the accesses that reached the platform.
class CountingBackend : public QtestBackend {
 public:
  uint64_t memRead(uint64_t, unsigned) override { return ++accesses, 0; }
  void memWrite(uint64_t, unsigned, uint64_t) override { ++accesses; }
  void memReadBlock(uint64_t, uint8_t* data, size_t length) override {
    ++accesses;
    std::fill(data, data + length, 0);
  }
  void memWriteBlock(uint64_t, const uint8_t*, size_t) override { ++accesses; }
  uint32_t ioRead(uint16_t, unsigned) override { return ++accesses, 0; }
  void ioWrite(uint16_t, unsigned, uint32_t) override { ++accesses; }
  int64_t clockStep(std::optional<int64_t>) override { return ++accesses, 0; }
  int64_t clockSet(int64_t) override { return ++accesses, 0; }
  int64_t clockNow() override { return 0; }

  int accesses = 0;
};

class QtestMalformedTest : public ::testing::Test {
 protected:
  std::string run(const std::string& line) { return session.feed(line + "\n"); }

  CountingBackend backend;
  QtestSession session{backend};
};

TEST_F(QtestMalformedTest, EachBadLineGetsAFailNamingTheProblem) {
  const std::pair<const char*, const char*> cases[] = {
      {"readl", "FAIL readl: missing ADDR\n"},
      {"writel 0x1000", "FAIL writel: missing VALUE\n"},
      {"readl zz", "FAIL readl: ADDR 'zz' is not a number\n"},
      {"readl 0x", "FAIL readl: ADDR '0x' is not a number\n"},
      {"readl 08", "FAIL readl: ADDR '08' is not a number\n"},  // 0 starts an octal number
      {"readl 0x1g", "FAIL readl: ADDR '0x1g' is not a number\n"},
      {"readl 12 ", "OK 0x0000000000000000\n"},                // a trailing empty word is ignored
      {"readl  12", "FAIL readl: ADDR '' is not a number\n"},  // words are split on each space
      {"readq 18446744073709551616", "FAIL readq: ADDR '18446744073709551616' is out of range\n"},
      {"writeb 0x10 -18446744073709551616",
       "FAIL writeb: VALUE '-18446744073709551616' is out of range\n"},
      {"readb 0x10 0x20", "OK 0x0000000000000000\n"},
      {"read 0x1000 0", "FAIL read: SIZE must not be 0\n"},
      {"read 0x1000 0x1000001", "FAIL read: SIZE exceeds 16777216\n"},
      {"b64read 0x1000 0x1000001", "FAIL b64read: SIZE exceeds 16777216\n"},
      {"memset 0x1000 0x1000001 0", "FAIL memset: SIZE exceeds 16777216\n"},
      {"memset 0x1000 4", "FAIL memset: missing VALUE\n"},
      {"write 0x1000 2", "FAIL write: missing DATA\n"},
      {"write 0x1000 2 1234", "FAIL write: DATA must start with 0x\n"},
      {"write 0x1000 2 0x12zz",
       "FAIL write: DATA '0x12zz' has a character that is not a hex digit\n"},
      {"write 0x1000 0x1000001 0x00", "FAIL write: SIZE exceeds 16777216\n"},
      {"b64write 0x1000 3 A!QID", "FAIL b64write: B64_DATA 'A!QID' is not valid base64\n"},
      {"b64write 0x1000 3", "FAIL b64write: missing B64_DATA\n"},
      {"inb 0x10000", "FAIL inb: port 0x10000 is above 0xffff\n"},
      {"outl 0x10000 1", "FAIL outl: port 0x10000 is above 0xffff\n"},
      {"outl", "FAIL outl: missing ADDR\n"},
      {"clock_step x", "FAIL clock_step: NS 'x' is not a number\n"},
      {"clock_step 9223372036854775808",
       "FAIL clock_step: NS '9223372036854775808' is out of range\n"},
      {"clock_set", "FAIL clock_set: missing NS\n"},
      {"module_load accel", "FAIL module_load: missing NAME\n"},
      {"", "FAIL empty command line\n"},
      {" ", "FAIL Unknown command ''\n"},  // QEMU: one empty word
  };
  for (const auto& [line, reply] : cases) {
    EXPECT_EQ(run(line), reply) << "line: '" << line << "'";
    EXPECT_EQ(run("endianness"), "OK little\n") << "after: '" << line << "'";
  }
  EXPECT_EQ(backend.accesses, 2);  // only the two well-formed reads reached the platform
}

TEST_F(QtestMalformedTest, BadLinesInOneFeedKeepRepliesPaired) {
  EXPECT_EQ(session.feed("readl\nendianness\nbogus\nread 0 0\ninb 0x80\n"),
            "FAIL readl: missing ADDR\n"
            "OK little\n"
            "FAIL Unknown command 'bogus'\n"
            "FAIL read: SIZE must not be 0\n"
            "OK 0x0000\n");
}

TEST_F(QtestMalformedTest, ControlBytesAreEscapedInReplies) {
  const std::string line("re\0ad\x01 1", 8);
  EXPECT_EQ(run(line), "FAIL Unknown command 're\\x00ad\\x01'\n");
  EXPECT_EQ(run(std::string("readb 1\0002", 9)), "FAIL readb: ADDR '1\\x002' is not a number\n");
}

TEST_F(QtestMalformedTest, LongWordsAreShortenedInReplies) {
  const std::string reply = run(std::string(1000, 'x'));
  EXPECT_EQ(reply, "FAIL Unknown command '" + std::string(128, 'x') + "...'\n");
}

TEST_F(QtestMalformedTest, OverlongLineIsDroppedWithOneReply) {
  const std::string chunk(1 << 20, 'a');
  for (size_t sent = 0; sent <= QtestSession::kMaxLineLength; sent += chunk.size()) {
    EXPECT_EQ(session.feed(chunk), "");
  }
  const std::string reply = session.feed("tail\nendianness\n");
  const size_t dropped = (QtestSession::kMaxLineLength / chunk.size() + 1) * chunk.size() + 4;
  EXPECT_EQ(reply, "FAIL line of " + std::to_string(dropped) + " bytes exceeds the limit of " +
                       std::to_string(QtestSession::kMaxLineLength) + "\nOK little\n");
}

TEST_F(QtestMalformedTest, AnOverlongLineBeingDroppedEndsWithItsConnection) {
  // The next client's first line is its own command, not the end of the dropped one.
  session.connectionOpened();
  const std::string chunk(1 << 20, 'a');
  for (size_t sent = 0; sent <= QtestSession::kMaxLineLength; sent += chunk.size()) {
    EXPECT_EQ(session.feed(chunk), "");
  }
  session.connectionClosed();
  session.connectionOpened();
  EXPECT_EQ(session.feed("endianness\n"), "OK little\n");
}

TEST_F(QtestMalformedTest, RandomBytesNeverBreakTheSession) {
  std::mt19937 random(12345);
  std::uniform_int_distribution<int> byte(0, 255);
  const char* const starts[] = {"read ",       "write ", "b64write ", "memset ", "outb ",
                                "clock_step ", "readq ", "inl ",      ""};
  size_t lines = 0;
  std::string replies;
  for (int round = 0; round < 3000; ++round) {
    std::string line = starts[round % 9];
    const int length = byte(random) % 40;
    for (int i = 0; i < length; ++i) {
      char c = char(byte(random));
      if (c == '\n') c = ' ';
      line += c;
    }
    replies += session.feed(line + "\n");
    ++lines;
  }
  size_t reply_lines = 0;
  for (const char c : replies) reply_lines += c == '\n';
  EXPECT_EQ(reply_lines, lines);  // one reply per line, whatever the line held
  EXPECT_EQ(run("endianness"), "OK little\n");
}

}  // namespace
}  // namespace vtd::serve
