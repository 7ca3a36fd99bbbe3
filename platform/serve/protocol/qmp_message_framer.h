// QmpMessageFramer: cuts the byte stream of a QMP connection into top-level JSON values the
// way QEMU's JSON streamer does (qobject/json-streamer.c): bracket counting that knows about
// strings, values that span lines or share one, single-quoted strings (a QEMU extension,
// rewritten here as JSON strings), and bounds on size and nesting.
// Does not parse: a framed value may still be invalid JSON (qmp_json.h parses it). Does not
// model QEMU's parser recovery after an error: vtdsim drops the rest of the offending value
// or line instead, so junk cannot cascade into errors for the commands that follow.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace vtd::serve {

class QmpMessageFramer {
 public:
  // QEMU limits a value to 64 MiB of tokens and 1024 levels; vtdsim's commands are small.
  static constexpr size_t kMaxMessageBytes = size_t(1) << 20;
  static constexpr size_t kMaxNesting = 1024;

  struct Message {
    std::string text;   // one complete value, single-quoted strings rewritten as JSON strings
    std::string error;  // when not empty: the value was refused, this is QEMU's error text
  };

  // Appends to `out` every value completed by these bytes.
  void feed(const char* data, size_t length, std::vector<Message>& out);

 private:
  enum class State { kBetween, kValue, kString, kStringEscape, kBareWord, kSkipValue, kSkipLine };

  void between(char c, std::vector<Message>& out);
  void inValue(char c, std::vector<Message>& out);
  void startString(char quote);
  void inString(char c, std::vector<Message>& out);
  void inStringEscape(char c);
  void inBareWord(char c, std::vector<Message>& out);
  void skipValue(char c);
  void startSkipping(size_t depth, bool in_string);
  void refuseOversized(std::vector<Message>& out);
  void complete(std::vector<Message>& out);
  void refuse(const std::string& error, std::vector<Message>& out);
  void store(char c);
  void store(const char* text);

  State state_ = State::kBetween;
  std::string text_;           // the value so far
  std::vector<char> closers_;  // expected closing brackets, innermost last
  char quote_ = '"';           // the quote of the string being read
  // kSkipValue: the rest of a refused value (up to its end or the end of the line) is read
  // without being kept.
  size_t skip_depth_ = 0;
  bool skip_in_string_ = false;
  bool skip_escape_ = false;
  char skip_quote_ = '"';
};

}  // namespace vtd::serve
