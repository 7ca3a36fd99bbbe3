// QmpSession: one client connection of QEMU's QMP monitor (`-qmp`), answering the commands a
// qtest scenario needs with QEMU 7.2's exact texts (observed on 7.2.22): the greeting,
// capability negotiation, human-monitor-command, query-status, query-version, query-commands
// and quit (with its SHUTDOWN event).
//
// Models: QEMU's request checks and error classes/texts, in QEMU's order; the session state
// (negotiation, oob). Splitting the input into JSON values is left to QmpMessageFramer
// (qmp_message_framer.h), writing and parsing JSON in QEMU's style to qmp_json.h.
// Does not model: stop/cont and run states other than "running", other QMP commands (they get
// CommandNotFound), out-of-band execution (oob can be enabled but no command supports it, as in
// QEMU for these commands).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "platform/serve/protocol/qmp_message_framer.h"
#include "platform/serve/protocol/qtest_backend.h"

namespace vtd::serve {

// What the greeting and query-version report.
struct QmpIdentity {
  int major = 7;
  int minor = 2;
  int micro = 22;
  std::string package = "vtdsim";  // QEMU puts its build's package string here
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
