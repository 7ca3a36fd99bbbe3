// QtestSession: one client connection of QEMU's qtest protocol (the `-qtest` chardev), with
// QEMU 7.2's exact reply texts and its `-qtest-log` format, so qtest scripts written for QEMU
// run unchanged against vtdsim.
//
// Models: line framing; the memory, port-I/O, clock, endianness and module_load commands;
// number parsing as QEMU's qemu_strtou64/qemu_strtoi64 with base 0; the log lines
// `[I T] OPENED`, `[R +T] line`, `[S +T] reply`, `[I +T] CLOSED`.
// Does not model: IRQ interception (irq_intercept_in/out, set_irq_in answer FAIL: vtdsim has no
// GPIO lines) and the asynchronous `IRQ raise/lower` messages.
// Where QEMU asserts and aborts on malformed input, the session answers `FAIL <problem>` and
// goes on; it never throws on any input.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "platform/serve/protocol/qtest_backend.h"

namespace vtd::serve {

class QtestSession {
 public:
  // Largest byte count accepted by read, b64read, write, b64write and memset. QEMU has no
  // bound (it allocates whatever is asked); vtdsim refuses beyond it so junk cannot exhaust
  // memory.
  static constexpr size_t kMaxBlockLength = size_t(16) << 20;
  // Longest command line kept: a `write` of kMaxBlockLength bytes in hex plus its words.
  static constexpr size_t kMaxLineLength = 2 * kMaxBlockLength + 4096;

  // Seconds since the connection opened, for the log stamps. Tests inject a fake.
  using ElapsedSeconds = std::function<double()>;

  // `log` is the -qtest-log stream (nullptr: no log). QEMU logs to stderr when -qtest-log is
  // absent: the caller passes &std::cerr for that. Without `elapsed`, stamps come from a steady
  // clock started at construction and restarted by connectionOpened().
  explicit QtestSession(QtestBackend& backend, std::ostream* log = nullptr,
                        ElapsedSeconds elapsed = {});

  // Bytes received from the client. Every complete line ("\n"-terminated; one trailing "\r" is
  // dropped) is executed in order; returns the replies to send, concatenated.
  std::string feed(const char* data, size_t length);
  std::string feed(std::string_view data) { return feed(data.data(), data.size()); }

  // Executes one command line (without its "\n") and returns its reply, "\n"-terminated.
  std::string executeLine(std::string_view line);

  // The chardev's OPENED/CLOSED events: log lines, and the log clock restarts at open. Both
  // drop a partial line: what a client sent before it hung up never prefixes the next
  // client's first command.
  void connectionOpened();
  void connectionClosed();

 private:
  using Words = std::vector<std::string>;
  struct Reply {
    std::string text;        // without the final "\n"
    bool log_prefix = true;  // QEMU sends "ERR invalid argument size" without the [S] stamp
  };
  using Handler = Reply (QtestSession::*)(const Words&);
  struct Command {
    const char* name;
    Handler handler;
  };
  static Handler handlerFor(const std::string& name);  // nullptr: not a qtest command

  Reply readValue(const Words& words);
  Reply writeValue(const Words& words);
  Reply readBlockHex(const Words& words);
  Reply readBlockBase64(const Words& words);
  Reply writeBlockHex(const Words& words);
  Reply writeBlockBase64(const Words& words);
  Reply fillBlock(const Words& words);
  Reply portIn(const Words& words);
  Reply portOut(const Words& words);
  Reply endianness(const Words& words);
  Reply clockStep(const Words& words);
  Reply clockSet(const Words& words);
  Reply moduleLoad(const Words& words);
  Reply irqUnsupported(const Words& words);

  void dropPartialLine();
  void logReceived(std::string_view line);
  void logSent(const Reply& reply);
  double elapsedSeconds() const;
  std::string stamp() const;

  QtestBackend& backend_;
  std::ostream* log_;
  ElapsedSeconds elapsed_;  // empty: steady clock since opened_at_
  std::chrono::steady_clock::time_point opened_at_;
  std::string pending_;      // bytes of the line not yet terminated
  bool discarding_ = false;  // the current line outgrew kMaxLineLength: drop it up to "\n"
  size_t discarded_bytes_ = 0;
};

}  // namespace vtd::serve
