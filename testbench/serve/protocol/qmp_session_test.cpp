// QmpSession: greeting, negotiation, commands, id echo and the SHUTDOWN event. Expected lines
// are QEMU 7.2.22's bytes, recorded from qemu-system-x86_64 -qmp unix:...: its JSON style
// (", " and ": "), its member order (`"return"` before `"id"`, but `"id"` before `"error"`) and
// "\r\n" after every object.
#include <gtest/gtest.h>

#include "platform/serve/protocol/info_lapic.h"
#include "platform/serve/protocol/qmp_session.h"

namespace vtd::serve {
namespace {

class FakeMonitor : public QmpBackend {
 public:
  std::optional<std::string> humanMonitorCommand(const std::string& command_line) override {
    lines.push_back(command_line);
    if (command_line == "info lapic") return formatInfoLapic(LapicState{}, 0);
    if (command_line == "info two") return std::string("first\nsecond\r\n");
    return std::nullopt;
  }
  void requestQuit() override { ++quit_requests; }

  std::vector<std::string> lines;
  int quit_requests = 0;
};

constexpr int64_t kNowUs = 1795800503935210;  // the timestamp of the recorded SHUTDOWN event

class QmpSessionTest : public ::testing::Test {
 protected:
  std::string send(const std::string& text) { return session.feed(text); }
  void negotiate() {
    ASSERT_EQ(send("{\"execute\":\"qmp_capabilities\"}"), "{\"return\": {}}\r\n");
  }

  FakeMonitor monitor;
  QmpSession session{monitor, QmpIdentity{}, [] { return kNowUs; }};
};

TEST_F(QmpSessionTest, GreetingHasQemusLayout) {
  EXPECT_EQ(session.greeting(),
            "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 22, \"minor\": 2, \"major\": 7}, "
            "\"package\": \"vtdsim\"}, \"capabilities\": [\"oob\"]}}\r\n");
}

TEST_F(QmpSessionTest, GreetingWithQemusPackageIsByteIdentical) {
  QmpSession qemu_like(monitor, QmpIdentity{7, 2, 22, "Debian 1:7.2+dfsg-7+deb12u18+b3"});
  EXPECT_EQ(qemu_like.greeting(),
            "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 22, \"minor\": 2, \"major\": 7}, "
            "\"package\": \"Debian 1:7.2+dfsg-7+deb12u18+b3\"}, \"capabilities\": [\"oob\"]}}\r\n");
}

TEST_F(QmpSessionTest, CommandsBeforeNegotiationAreRefused) {
  EXPECT_EQ(send("{\"execute\":\"query-status\"}"),
            "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"Expecting capabilities "
            "negotiation with 'qmp_capabilities'\"}}\r\n");
  // Also for unknown commands and bad arguments: the negotiation check comes first.
  EXPECT_EQ(send("{\"execute\":\"xyz\",\"id\":\"s\"}"),
            "{\"id\": \"s\", \"error\": {\"class\": \"CommandNotFound\", \"desc\": \"Expecting "
            "capabilities negotiation with 'qmp_capabilities'\"}}\r\n");
  EXPECT_FALSE(session.negotiated());
  EXPECT_EQ(send("{\"execute\":\"qmp_capabilities\",\"id\":1}"), "{\"return\": {}, \"id\": 1}\r\n");
  EXPECT_TRUE(session.negotiated());
  EXPECT_EQ(send("{\"execute\":\"qmp_capabilities\"}"),
            "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"Capabilities negotiation is "
            "already complete, command ignored\"}}\r\n");
}

TEST_F(QmpSessionTest, QueryStatusAndVersion) {
  negotiate();
  EXPECT_EQ(send("{\"execute\":\"query-status\",\"id\":\"abc\"}"),
            "{\"return\": {\"status\": \"running\", \"singlestep\": false, \"running\": true}, "
            "\"id\": \"abc\"}\r\n");
  EXPECT_EQ(send("{\"execute\":\"query-version\"}"),
            "{\"return\": {\"qemu\": {\"micro\": 22, \"minor\": 2, \"major\": 7}, \"package\": "
            "\"vtdsim\"}}\r\n");
  EXPECT_EQ(
      send("{\"execute\":\"query-version\",\"arguments\":{\"a\":1}}"),
      "{\"error\": {\"class\": \"GenericError\", \"desc\": \"Parameter 'a' is unexpected\"}}\r\n");
}

TEST_F(QmpSessionTest, QueryCommandsListsWhatIsAnswered) {
  negotiate();
  EXPECT_EQ(
      send("{\"execute\":\"query-commands\"}"),
      "{\"return\": [{\"name\": \"human-monitor-command\"}, {\"name\": \"qmp_capabilities\"}, "
      "{\"name\": \"query-commands\"}, {\"name\": \"query-status\"}, {\"name\": "
      "\"query-version\"}, {\"name\": \"quit\"}]}\r\n");
}

TEST_F(QmpSessionTest, UnknownCommandIsCommandNotFound) {
  negotiate();
  EXPECT_EQ(send("{\"execute\":\"xyz\",\"id\":[1,2]}"),
            "{\"id\": [1, 2], \"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command "
            "xyz has not been found\"}}\r\n");
}

TEST_F(QmpSessionTest, IdsOfAnyTypeAreEchoedInQemusFormat) {
  negotiate();
  const std::pair<const char*, const char*> cases[] = {
      {"5", "5"},
      {"null", "null"},
      {"1.5", "1.5"},
      {"0.1", "0.10000000000000001"},  // QEMU prints doubles with %.17g
      {"1.0", "1"},
      {"-0.0", "-0"},
      {"18446744073709551615", "18446744073709551615"},
      {"\"\\u00e9\\u0001\\u007f/\"", "\"\\u00E9\\u0001\\u007F/\""},  // escapes upper case
      {"\"\\ud83d\\ude00\"", "\"\\uD83D\\uDE00\""},
      {"\"\\t\\b\\f\\r\\n\\\"\\\\\"", "\"\\t\\b\\f\\r\\n\\\"\\\\\""},
      {"{\"a\":[true,false,{}],\"b\":1,\"c\":[]}",
       "{\"a\": [true, false, {}], \"b\": 1, \"c\": []}"},
  };
  for (const auto& [id, echoed] : cases) {
    EXPECT_EQ(send(std::string("{\"execute\":\"quit-not\",\"id\":") + id + "}"),
              std::string("{\"id\": ") + echoed +
                  ", \"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command quit-not "
                  "has not been found\"}}\r\n")
        << id;
  }
}

TEST_F(QmpSessionTest, HumanMonitorCommandPassesTextThrough) {
  negotiate();
  // The reset-state `info lapic` reply, byte for byte as QEMU 7.2.22 sent it.
  EXPECT_EQ(
      send("{\"execute\":\"human-monitor-command\",\"arguments\":{\"command-line\":\"info "
           "lapic\"}}"),
      "{\"return\": \"dumping local APIC state for CPU 0 \\r\\n\\r\\nLVT0\\t 0x00010000 active-hi "
      "edge  masked                      Fixed  (vec 0)\\r\\nLVT1\\t 0x00010000 active-hi edge  "
      "masked                      Fixed  (vec 0)\\r\\nLVTPC\\t 0x00010000 active-hi edge  masked  "
      "                    Fixed  (vec 0)\\r\\nLVTERR\\t 0x00010000 active-hi edge  masked         "
      "             Fixed  (vec 0)\\r\\nLVTTHMR\\t 0x00010000 active-hi edge  masked               "
      "       Fixed  (vec 0)\\r\\nLVTT\\t 0x00010000 active-hi edge  masked         one-shot     "
      "Fixed  (vec 0)\\r\\nTimer\\t DCR=0x0 (divide by 2) initial_count = 0 current_count = "
      "0\\r\\nSPIV\\t 0x000000ff APIC disabled, focus=off, spurious vec 255\\r\\nICR\\t 0x00000000 "
      "physical edge de-assert no-shorthand\\r\\nICR2\\t 0x00000000 cpu 0 (APIC ID)\\r\\nESR\\t "
      "0x00000000\\r\\nISR\\t (none)\\r\\nIRR\\t (none)\\r\\n\\r\\nAPR 0x00 TPR 0x00 DFR 0x0f LDR "
      "0x00 PPR 0x00\\r\\n\"}\r\n");
  // "\n" becomes "\r\n" as QEMU's monitor sends it; an existing "\r\n" is kept.
  EXPECT_EQ(
      send("{\"execute\":\"human-monitor-command\",\"arguments\":{\"command-line\":\"info two\"},"
           "\"id\":5}"),
      "{\"return\": \"first\\r\\nsecond\\r\\n\", \"id\": 5}\r\n");
}

TEST_F(QmpSessionTest, UnknownHmpCommandTextMatchesQemu) {
  negotiate();
  const std::pair<const char*, const char*> cases[] = {
      {"xyz", "unknown command: 'xyz'\\r\\n"},
      {"xyz abc", "unknown command: 'xyz'\\r\\n"},
      {"  xyz", "unknown command: '  xyz'\\r\\n"},
      {"info xyz abc", "unknown command: 'info xyz'\\r\\n"},
      {"", ""},  // QEMU answers an empty command line with an empty text
  };
  for (const auto& [line, text] : cases) {
    EXPECT_EQ(
        send(std::string(
                 "{\"execute\":\"human-monitor-command\",\"arguments\":{\"command-line\":\"") +
             line + "\"}}"),
        std::string("{\"return\": \"") + text + "\"}\r\n")
        << line;
  }
}

TEST_F(QmpSessionTest, HumanMonitorCommandArgumentErrors) {
  negotiate();
  const std::pair<const char*, const char*> cases[] = {
      {"{}", "Parameter 'command-line' is missing"},
      {"{\"command-line\":5}", "Invalid parameter type for 'command-line', expected: string"},
      {"{\"command-line\":\"info lapic\",\"foo\":1}", "Parameter 'foo' is unexpected"},
      {"{\"command-line\":\"info lapic\",\"cpu-index\":1}",
       "Parameter 'cpu-index' expects a CPU number"},
      {"{\"command-line\":\"info lapic\",\"cpu-index\":-1}",
       "Parameter 'cpu-index' expects a CPU number"},
      {"{\"command-line\":\"info lapic\",\"cpu-index\":\"x\"}",
       "Invalid parameter type for 'cpu-index', expected: integer"},
      {"{\"cpu-index\":\"x\"}", "Parameter 'command-line' is missing"},
  };
  for (const auto& [arguments, desc] : cases) {
    EXPECT_EQ(
        send(std::string("{\"execute\":\"human-monitor-command\",\"arguments\":") + arguments +
             "}"),
        std::string("{\"error\": {\"class\": \"GenericError\", \"desc\": \"") + desc + "\"}}\r\n")
        << arguments;
  }
  EXPECT_EQ(send("{\"execute\":\"human-monitor-command\",\"arguments\":{\"command-line\":\"info "
                 "two\",\"cpu-index\":0}}"),
            "{\"return\": \"first\\r\\nsecond\\r\\n\"}\r\n");
}

TEST_F(QmpSessionTest, QuitSendsShutdownBeforeTheReturn) {
  // QEMU 7.2.22 sent the event first in every run observed.
  negotiate();
  EXPECT_EQ(send("{\"execute\":\"quit\",\"id\":9}\n{\"execute\":\"query-status\"}\n"),
            "{\"timestamp\": {\"seconds\": 1795800503, \"microseconds\": 935210}, \"event\": "
            "\"SHUTDOWN\", \"data\": {\"guest\": false, \"reason\": \"host-qmp-quit\"}}\r\n"
            "{\"return\": {}, \"id\": 9}\r\n");
  EXPECT_EQ(monitor.quit_requests, 1);
  EXPECT_TRUE(session.quitRequested());
  EXPECT_EQ(send("{\"execute\":\"query-status\"}"), "");  // nothing after quit
}

TEST_F(QmpSessionTest, OobCanBeEnabledButNoCommandSupportsIt) {
  EXPECT_EQ(
      send("{\"execute\":\"qmp_capabilities\",\"arguments\":{\"enable\":[\"oob\"]},\"id\":4}"),
      "{\"return\": {}, \"id\": 4}\r\n");
  EXPECT_EQ(send("{\"exec-oob\":\"query-status\",\"id\":6}"),
            "{\"id\": 6, \"error\": {\"class\": \"GenericError\", \"desc\": \"The command "
            "query-status does not support OOB\"}}\r\n");
  EXPECT_EQ(send("{\"exec-oob\":\"xyz\"}"),
            "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command xyz has not been "
            "found\"}}\r\n");
  EXPECT_EQ(send("{\"execute\":\"query-status\",\"exec-oob\":\"query-status\"}"),
            "{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input member 'exec-oob' "
            "clashes with 'execute'\"}}\r\n");
}

TEST_F(QmpSessionTest, CapabilityArgumentsAreChecked) {
  const std::pair<const char*, const char*> cases[] = {
      {"{\"enable\":[\"foo\"]}", "Parameter 'null' does not accept value 'foo'"},  // sic, QEMU
      {"{\"enable\":\"oob\"}", "Invalid parameter type for 'enable', expected: array"},
      {"{\"enable\":[5]}", "Invalid parameter type for 'enable[0]', expected: string"},
      {"{\"x\":1}", "Parameter 'x' is unexpected"},
  };
  for (const auto& [arguments, desc] : cases) {
    EXPECT_EQ(
        send(std::string("{\"execute\":\"qmp_capabilities\",\"arguments\":") + arguments + "}"),
        std::string("{\"error\": {\"class\": \"GenericError\", \"desc\": \"") + desc + "\"}}\r\n")
        << arguments;
  }
  EXPECT_FALSE(session.negotiated());
  EXPECT_EQ(send("{\"execute\":\"qmp_capabilities\",\"arguments\":{\"enable\":[]}}"),
            "{\"return\": {}}\r\n");
}

}  // namespace
}  // namespace vtd::serve
