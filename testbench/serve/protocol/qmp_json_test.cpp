// qmp_json: QEMU's JSON style on its own (the session tests cover it through whole replies).
// Expected texts follow the rules of QEMU 7.2's qobject/qjson.c and json-parser.c.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "platform/serve/protocol/qmp_json.h"

namespace vtd::serve {
namespace {

TEST(QmpJson, WritesQemuSeparatorsAndKeepsMemberOrder) {
  QmpJson value = QmpJson::object();
  value["return"] = {{"b", 1}, {"a", QmpJson::array({true, nullptr, -2})}};
  value["id"] = "x/y";
  EXPECT_EQ(qmpJsonLine(value),
            "{\"return\": {\"b\": 1, \"a\": [true, null, -2]}, \"id\": \"x/y\"}\r\n");
}

TEST(QmpJson, EscapesControlDelAndNonAsciiAsUpperCaseUnicode) {
  std::string out;
  appendQmpJson(out, QmpJson("\t\x01\x7f\xc3\xa9\xf0\x9f\x98\x80\xff"));
  EXPECT_EQ(out, "\"\\t\\u0001\\u007F\\u00E9\\uD83D\\uDE00\\uFFFD\"");
}

TEST(QmpJson, ReaderRefusesDuplicateKeysAndNamesBadKeywords) {
  std::string error;
  EXPECT_FALSE(parseQmpJson("{\"a\": 1, \"a\": 2}", error));
  EXPECT_EQ(error, "JSON parse error, duplicate key");
  EXPECT_FALSE(parseQmpJson("{\"a\": tru}", error));
  EXPECT_EQ(error, "JSON parse error, invalid keyword 'tru'");
  const auto ok = parseQmpJson("{\"execute\": \"quit\"}", error);
  ASSERT_TRUE(ok);
  EXPECT_EQ((*ok)["execute"], "quit");
}

}  // namespace
}  // namespace vtd::serve
