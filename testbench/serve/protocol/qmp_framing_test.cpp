// QMP input framing and malformed requests. QEMU's JSON streamer accepts values split across
// reads and lines or several in one line, single-quoted strings, and answers each bad value with
// a GenericError; the texts below were recorded from QEMU 7.2.22 unless a comment says
// otherwise (syntax-error texts come from a different parser and are close, not identical).
#include <gtest/gtest.h>

#include <random>

#include "platform/serve/protocol/qmp_message_framer.h"
#include "platform/serve/protocol/qmp_session.h"

namespace vtd::serve {
namespace {

class NoMonitor : public QmpBackend {
 public:
  std::optional<std::string> humanMonitorCommand(const std::string&) override {
    return std::nullopt;
  }
  void requestQuit() override {}
};

const std::string kStatus =
    "{\"return\": {\"status\": \"running\", \"singlestep\": false, \"running\": true}}\r\n";

std::string generic(const std::string& desc) {
  return "{\"error\": {\"class\": \"GenericError\", \"desc\": \"" + desc + "\"}}\r\n";
}

class QmpFramingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(send("{\"execute\":\"qmp_capabilities\"}\n"), "{\"return\": {}}\r\n");
  }
  std::string send(const std::string& text) { return session.feed(text); }

  NoMonitor monitor;
  QmpSession session{monitor};
};

TEST_F(QmpFramingTest, ValueSplitAcrossFeedsAndLines) {
  EXPECT_EQ(send("{\"execute\":\"query-st"), "");
  EXPECT_EQ(send("atus\"}\n"), kStatus);
  EXPECT_EQ(send("{\n  \"execute\":\n  \"query-status\"\n}\n"), kStatus);
  std::string byte_by_byte;
  for (const char c : std::string("{ \"execute\" : \"query-status\" }"))
    byte_by_byte += send(std::string(1, c));
  EXPECT_EQ(byte_by_byte, kStatus);
}

TEST_F(QmpFramingTest, SeveralValuesInOneLine) {
  EXPECT_EQ(send("{\"execute\":\"query-status\"}{\"execute\":\"query-status\"} "
                 "{\"execute\":\"query-status\"}"),
            kStatus + kStatus + kStatus);
}

TEST_F(QmpFramingTest, BracesInsideStringsDoNotCount) {
  EXPECT_EQ(send("{\"execute\":\"query-status\",\"id\":\"}{]['\\\"\"}"),
            "{\"return\": {\"status\": \"running\", \"singlestep\": false, \"running\": true}, "
            "\"id\": \"}{][\'\\\"\"}\r\n");
}

TEST_F(QmpFramingTest, SingleQuotedStringsAreAccepted) {
  EXPECT_EQ(send("{'execute':'query-status','id':'single'}"),
            "{\"return\": {\"status\": \"running\", \"singlestep\": false, \"running\": true}, "
            "\"id\": \"single\"}\r\n");
  EXPECT_EQ(send("{'execute':'query-status','id':'it\\'s \"q\"'}"),
            "{\"return\": {\"status\": \"running\", \"singlestep\": false, \"running\": true}, "
            "\"id\": \"it's \\\"q\\\"\"}\r\n");
}

TEST_F(QmpFramingTest, RequestShapeErrors) {
  const std::pair<const char*, std::string> cases[] = {
      {"[1]", generic("QMP input must be a JSON object")},
      {"1 2",
       generic("QMP input must be a JSON object") + generic("QMP input must be a JSON object")},
      {"\"str\"", generic("QMP input must be a JSON object")},
      {"{}", generic("QMP input lacks member 'execute'")},
      {"{\"id\":1}",
       "{\"id\": 1, \"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input lacks member "
       "'execute'\"}}\r\n"},
      {"{\"execute\":5}", generic("QMP input member 'execute' must be a string")},
      {"{\"foo\":1}", generic("QMP input member 'foo' is unexpected")},
      {"{\"execute\":\"query-status\",\"control\":{}}",
       generic("QMP input member 'control' is unexpected")},
      {"{\"execute\":\"query-status\",\"arguments\":[]}",
       generic("QMP input member 'arguments' must be an object")},
      {"{\"execute\":\"query-status\",\"arguments\":null}",
       generic("QMP input member 'arguments' must be an object")},
      {"{\"exec-oob\":\"query-status\"}", generic("QMP input member 'exec-oob' is unexpected")},
  };
  for (const auto& [input, reply] : cases) {
    EXPECT_EQ(send(std::string(input) + "\n"), reply) << input;
    EXPECT_EQ(send("{\"execute\":\"query-status\"}\n"), kStatus) << "after " << input;
  }
}

TEST_F(QmpFramingTest, SyntaxErrorsGetGenericErrors) {
  const std::pair<const char*, const char*> cases[] = {
      {"{\"a\" 1}", "JSON parse error, missing : in object pair"},
      {"{\"a\":1,}", "JSON parse error, expecting value"},
      {"[1,]", "JSON parse error, expecting value"},
      {"{\"a\":tru}", "JSON parse error, invalid keyword 'tru'"},
      {"{1:2}", "JSON parse error, key is not a string in object"},
      {"{\"a\":\"\\x\"}", "JSON parse error, invalid escape sequence in string"},
      {"{\"execute\":\"query-status\" \"id\":1}", "JSON parse error, expected separator in dict"},
      {"{\"execute\":}", "JSON parse error, expecting value"},
      {"}", "JSON parse error, expecting value"},
      {"abc", "JSON parse error, invalid keyword 'abc'"},
      {"{\"execute\":\"query-status\",\"id\":1,\"id\":2}", "JSON parse error, duplicate key"},
      {"[1,2}", "JSON parse error, expected separator in list"},  // vtdsim: QEMU waits for more
  };
  for (const auto& [input, desc] : cases) {
    EXPECT_EQ(send(std::string(input) + "\n"), generic(desc)) << input;
    EXPECT_EQ(send("{\"execute\":\"query-status\"}\n"), kStatus) << "after " << input;
  }
}

TEST_F(QmpFramingTest, ControlCharacterInStringEndsTheValue) {
  // A raw newline inside a string: the value is refused there and the rest of it is read as
  // new input, which gives more errors (QEMU gave two for this input, vtdsim gives three); the
  // next line is served normally.
  EXPECT_EQ(
      send("{\"execute\":\"query-status\",\"id\":\"a\nb\"}\n{\"execute\":\"query-status\"}\n"),
      generic("JSON parse error, control character in string") +
          generic("JSON parse error, invalid keyword 'b'") +
          generic("JSON parse error, control character in string") + kStatus);
}

TEST_F(QmpFramingTest, TooDeepNestingIsRefusedOnce) {
  // QEMU's limit and text: more than 1024 open brackets.
  const std::string deep(1025, '[');
  EXPECT_EQ(send(deep + "\n"), generic("JSON nesting depth limit exceeded"));
  EXPECT_EQ(send("{\"execute\":\"query-status\"}\n"), kStatus);
  EXPECT_EQ(send(std::string(1024, '[') + std::string(1024, ']') + "\n"),
            generic("QMP input must be a JSON object"));
}

TEST_F(QmpFramingTest, OversizedValueIsRefusedOnce) {
  const std::string big = "{\"execute\":\"query-status\",\"id\":\"" +
                          std::string(QmpMessageFramer::kMaxMessageBytes, 'x') + "\"}";
  EXPECT_EQ(send(big + "{\"execute\":\"query-status\"}\n"),
            generic("JSON token size limit exceeded") + kStatus);
  const std::string big_word(QmpMessageFramer::kMaxMessageBytes + 10, 'x');
  EXPECT_EQ(send(big_word + " {\"execute\":\"query-status\"}\n{\"execute\":\"query-status\"}\n"),
            generic("JSON token size limit exceeded") + kStatus);
}

TEST_F(QmpFramingTest, RandomBytesNeverThrow) {
  std::mt19937 random(777);
  std::uniform_int_distribution<int> byte(0, 255);
  const char alphabet[] = "{}[]\"':,\\ \n\tabc01-.eE";
  for (int round = 0; round < 2000; ++round) {
    std::string junk;
    const int length = byte(random) % 64;
    for (int i = 0; i < length; ++i) {
      junk +=
          byte(random) < 200 ? alphabet[byte(random) % (sizeof alphabet - 1)] : char(byte(random));
    }
    EXPECT_NO_THROW(send(junk));
  }
  // Whatever state the junk left, a closed line of balanced brackets and a fresh command work.
  send("\"]]]]]]]]]]]]]]]]}}}}}}}}}}}}}}}}}}}}}}\n");
  EXPECT_NO_THROW(send("\n"));
}

}  // namespace
}  // namespace vtd::serve
