// QmpSession: one client connection of QEMU's QMP monitor (`-qmp`), answering the commands a
// qtest scenario needs with QEMU 7.2's exact texts (observed on 7.2.22): the greeting,
// capability negotiation, human-monitor-command, query-status, query-version, query-commands
// and quit (with its SHUTDOWN event).
//
// Models: QEMU's input framing (JSON values may span lines or share one; single-quoted strings
// are accepted, as QEMU's parser does), its request checks and error classes/texts, its JSON
// output style (", " and ": " separators, non-ASCII as \uXXXX, one value per line, "\r\n").
// Does not model: stop/cont and run states other than "running", other QMP commands (they get
// CommandNotFound), out-of-band execution (oob can be enabled but no command supports it, as in
// QEMU for these commands), QEMU's parser recovery after an error (vtdsim drops the rest of the
// offending line instead) and the exact JSON syntax-error texts (close, not identical).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "platform/serve/protocol/qtest_backend.h"

namespace vtd::serve {

// What the greeting and query-version report.
struct QmpIdentity {
  int major = 7;
  int minor = 2;
  int micro = 22;
  std::string package = "vtdsim";  // QEMU puts its build's package string here
};

// Cuts a byte stream into top-level JSON values the way QEMU's JSON streamer does (bracket
// counting that knows about strings), with bounds on size and nesting.
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

class QmpSession {
 public:
  // Microseconds since the Unix epoch, for event timestamps. Tests inject a fake.
  using WallClock = std::function<int64_t()>;

  explicit QmpSession(QmpBackend& backend, QmpIdentity identity = {}, WallClock wall_clock = {});

  // The greeting QEMU sends as soon as a client connects, "\r\n"-terminated.
  std::string greeting() const;

  // Bytes received from the client; returns the responses and events to send, each one JSON
  // object followed by "\r\n". After `quit` the rest of the input is ignored.
  std::string feed(const char* data, size_t length);
  std::string feed(std::string_view data) { return feed(data.data(), data.size()); }

  bool negotiated() const { return negotiated_; }
  bool quitRequested() const { return quit_requested_; }

 private:
  struct Outcome;  // a command's result or error, and events to send before the response
  using Json = nlohmann::ordered_json;

  std::string handleMessage(const QmpMessageFramer::Message& message);
  Outcome dispatch(const Json& request);
  Outcome qmpCapabilities(const Json& arguments);
  Outcome humanMonitorCommand(const Json& arguments);
  Outcome withoutArguments(const std::string& command, const Json& arguments);

  QmpBackend& backend_;
  QmpIdentity identity_;
  WallClock wall_clock_;
  QmpMessageFramer framer_;
  bool negotiated_ = false;
  bool oob_enabled_ = false;
  bool quit_requested_ = false;
};

}  // namespace vtd::serve
