// QtestSession: framing, logging and the command table. Reply texts, the order of argument
// checks and the number syntax follow QEMU 7.2's softmmu/qtest.c as observed on 7.2.22.
#include "platform/serve/protocol/qtest_session.h"

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <limits>
#include <optional>

#include "platform/serve/protocol/base64.h"

namespace vtd::serve {

namespace {

// How a word shows inside a FAIL message: control characters escaped so a reply stays one
// line, and bounded so a junk line cannot produce a huge reply.
std::string shown(std::string_view word) {
  constexpr size_t kMaxShown = 128;
  std::string out;
  for (size_t i = 0; i < word.size() && i < kMaxShown; ++i) {
    const unsigned char c = static_cast<unsigned char>(word[i]);
    if (c < 0x20 || c == 0x7f) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", c);
      out += escaped;
    } else {
      out += char(c);
    }
  }
  if (word.size() > kMaxShown) out += "...";
  return out;
}

enum class NumberStatus { kOk, kNotANumber, kOutOfRange };

bool isCSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

int digitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'z') return c - 'a' + 10;
  if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
  return 99;
}

// The syntax of strtoull/strtoll with base 0, which QEMU's qemu_strtou64/qemu_strtoi64 wrap:
// leading white space, an optional sign, then "0x"/"0X" + hex digits, "0" + octal digits, or
// decimal digits; the whole word must be consumed. Written out rather than calling strtoull
// so that embedded NULs and the C locale cannot change the result.
NumberStatus parseMagnitude(std::string_view word, uint64_t& magnitude, bool& negative) {
  size_t i = 0;
  while (i < word.size() && isCSpace(word[i])) ++i;
  negative = false;
  if (i < word.size() && (word[i] == '+' || word[i] == '-')) negative = word[i++] == '-';
  unsigned base = 10;
  if (i + 2 < word.size() && word[i] == '0' && (word[i + 1] == 'x' || word[i + 1] == 'X') &&
      digitValue(word[i + 2]) < 16) {
    base = 16;
    i += 2;
  } else if (i < word.size() && word[i] == '0') {
    base = 8;
  }
  if (i == word.size()) return NumberStatus::kNotANumber;
  magnitude = 0;
  bool overflow = false;
  for (; i < word.size(); ++i) {
    const unsigned digit = unsigned(digitValue(word[i]));
    if (digit >= base) return NumberStatus::kNotANumber;
    if (magnitude > (std::numeric_limits<uint64_t>::max() - digit) / base) overflow = true;
    magnitude = magnitude * base + digit;
  }
  return overflow ? NumberStatus::kOutOfRange : NumberStatus::kOk;
}

// qemu_strtou64 (and qemu_strtoul on LP64): a minus sign wraps, as strtoull does, so "-1" is
// 0xffffffffffffffff (QEMU 7.2 accepts `writeq ADDR -1`).
NumberStatus parseU64(std::string_view word, uint64_t& value) {
  uint64_t magnitude = 0;
  bool negative = false;
  const NumberStatus status = parseMagnitude(word, magnitude, negative);
  value = negative ? uint64_t(0) - magnitude : magnitude;
  return status;
}

// qemu_strtoi64: the range of int64_t.
NumberStatus parseI64(std::string_view word, int64_t& value) {
  uint64_t magnitude = 0;
  bool negative = false;
  const NumberStatus status = parseMagnitude(word, magnitude, negative);
  if (status != NumberStatus::kOk) return status;
  const uint64_t limit = uint64_t(std::numeric_limits<int64_t>::max()) + (negative ? 1 : 0);
  if (magnitude > limit) return NumberStatus::kOutOfRange;
  value = negative ? int64_t(uint64_t(0) - magnitude) : int64_t(magnitude);
  return status;
}

// Reads the numeric arguments of one command; the first problem becomes the FAIL text.
class ArgReader {
 public:
  explicit ArgReader(const std::vector<std::string>& words) : words_(words) {}

  uint64_t u64(size_t index, const char* name) {
    uint64_t value = 0;
    if (const std::string* word = present(index, name)) check(parseU64(*word, value), name, *word);
    return value;
  }
  int64_t i64(size_t index, const char* name) {
    int64_t value = 0;
    if (const std::string* word = present(index, name)) check(parseI64(*word, value), name, *word);
    return value;
  }
  const std::string* text(size_t index, const char* name) { return present(index, name); }

  bool ok() const { return error_.empty(); }
  std::string failText() const { return "FAIL " + words_[0] + ": " + error_; }
  void fail(const std::string& problem) {
    if (error_.empty()) error_ = problem;
  }

 private:
  const std::string* present(size_t index, const char* name) {
    if (index < words_.size()) return &words_[index];
    fail(std::string("missing ") + name);
    return nullptr;
  }
  void check(NumberStatus status, const char* name, const std::string& word) {
    if (status == NumberStatus::kNotANumber) {
      fail(std::string(name) + " '" + shown(word) + "' is not a number");
    } else if (status == NumberStatus::kOutOfRange) {
      fail(std::string(name) + " '" + shown(word) + "' is out of range");
    }
  }

  const std::vector<std::string>& words_;
  std::string error_;
};

// Access size from the command's last letter: readb/inb = 1, w = 2, l = 4, q = 8.
unsigned accessSize(const std::string& command) {
  switch (command.back()) {
    case 'b':
      return 1;
    case 'w':
      return 2;
    case 'l':
      return 4;
    default:
      return 8;
  }
}

uint64_t sizeMask(unsigned size) {
  return size >= 8 ? ~uint64_t(0) : (uint64_t(1) << (8 * size)) - 1;
}

std::string hexText(const char* format, uint64_t value) {
  char text[64];
  std::snprintf(text, sizeof text, format, value);
  return text;
}

std::vector<std::string> splitOnSpaces(std::string_view line) {
  // g_strsplit(line, " ", 0) as QEMU uses it: every single space separates, so "a  b" has an
  // empty middle word, and an empty line has no words at all.
  std::vector<std::string> words;
  if (line.empty()) return words;
  size_t start = 0;
  for (;;) {
    const size_t space = line.find(' ', start);
    words.emplace_back(line.substr(start, space - start));
    if (space == std::string_view::npos) break;
    start = space + 1;
  }
  return words;
}

}  // namespace

QtestSession::QtestSession(QtestBackend& backend, std::ostream* log, ElapsedSeconds elapsed)
    : backend_(backend),
      log_(log),
      elapsed_(std::move(elapsed)),
      opened_at_(std::chrono::steady_clock::now()) {}

std::string QtestSession::feed(const char* data, size_t length) {
  std::string replies;
  size_t start = 0;
  while (start < length) {
    const void* found = std::memchr(data + start, '\n', length - start);
    const size_t end = found ? size_t(static_cast<const char*>(found) - data) : length;
    const size_t chunk = end - start;
    if (discarding_) {
      discarded_bytes_ += chunk;
    } else if (pending_.size() + chunk > kMaxLineLength) {
      // Too long to be a command QEMU scripts send: drop it, answer once at its end so that
      // replies stay paired with lines.
      discarding_ = true;
      discarded_bytes_ = pending_.size() + chunk;
      std::string().swap(pending_);
    } else {
      pending_.append(data + start, chunk);
    }
    if (!found) break;
    if (discarding_) {
      logReceived("(" + std::to_string(discarded_bytes_) + "-byte line dropped)");
      const Reply reply{"FAIL line of " + std::to_string(discarded_bytes_) +
                        " bytes exceeds the limit of " + std::to_string(kMaxLineLength)};
      logSent(reply);
      replies += reply.text + "\n";
      discarding_ = false;
      discarded_bytes_ = 0;
    } else {
      replies += executeLine(pending_);
      pending_.clear();
    }
    start = end + 1;
  }
  return replies;
}

QtestSession::Handler QtestSession::handlerFor(const std::string& name) {
  // Ordered as QEMU tests them; clock_step/clock_set are those of QEMU's qtest accelerator (TCG
  // builds answer "Unknown command" for them).
  static constexpr Command kCommands[] = {
      {"irq_intercept_out", &QtestSession::irqUnsupported},
      {"irq_intercept_in", &QtestSession::irqUnsupported},
      {"set_irq_in", &QtestSession::irqUnsupported},
      {"outb", &QtestSession::portOut},
      {"outw", &QtestSession::portOut},
      {"outl", &QtestSession::portOut},
      {"inb", &QtestSession::portIn},
      {"inw", &QtestSession::portIn},
      {"inl", &QtestSession::portIn},
      {"writeb", &QtestSession::writeValue},
      {"writew", &QtestSession::writeValue},
      {"writel", &QtestSession::writeValue},
      {"writeq", &QtestSession::writeValue},
      {"readb", &QtestSession::readValue},
      {"readw", &QtestSession::readValue},
      {"readl", &QtestSession::readValue},
      {"readq", &QtestSession::readValue},
      {"read", &QtestSession::readBlockHex},
      {"b64read", &QtestSession::readBlockBase64},
      {"write", &QtestSession::writeBlockHex},
      {"memset", &QtestSession::fillBlock},
      {"b64write", &QtestSession::writeBlockBase64},
      {"endianness", &QtestSession::endianness},
      {"clock_step", &QtestSession::clockStep},
      {"module_load", &QtestSession::moduleLoad},
      {"clock_set", &QtestSession::clockSet},
  };
  for (const Command& command : kCommands) {
    if (name == command.name) return command.handler;
  }
  return nullptr;
}

std::string QtestSession::executeLine(std::string_view line) {
  // QEMU splits on "\n" only and would then fail to parse a number ending in "\r"; a client
  // that sends "\r\n" is tolerated here.
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  logReceived(line);
  const Words words = splitOnSpaces(line);
  Reply reply;
  if (words.empty()) {
    reply.text = "FAIL empty command line";  // QEMU asserts on an empty line
  } else {
    const Handler handler = handlerFor(words[0]);
    if (handler == nullptr) {
      reply.text = "FAIL Unknown command '" + shown(words[0]) + "'";
    } else {
      reply = (this->*handler)(words);
    }
  }
  logSent(reply);
  return reply.text + "\n";
}

void QtestSession::dropPartialLine() {
  std::string().swap(pending_);
  discarding_ = false;
  discarded_bytes_ = 0;
}

void QtestSession::connectionOpened() {
  dropPartialLine();
  opened_at_ = std::chrono::steady_clock::now();
  if (!log_) return;
  char text[48];
  std::snprintf(text, sizeof text, "[I %.6f] OPENED\n", elapsedSeconds());
  *log_ << text << std::flush;
}

void QtestSession::connectionClosed() {
  dropPartialLine();
  if (!log_) return;
  *log_ << "[I " << stamp() << "] CLOSED\n" << std::flush;
}

double QtestSession::elapsedSeconds() const {
  if (elapsed_) return elapsed_();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - opened_at_).count();
}

std::string QtestSession::stamp() const {
  char text[40];
  std::snprintf(text, sizeof text, "+%.6f", elapsedSeconds());
  return text;
}

void QtestSession::logReceived(std::string_view line) {
  // QEMU prints "[R +T]" and then " word" per word, which rebuilds the line exactly.
  if (!log_) return;
  *log_ << "[R " << stamp() << "]" << (line.empty() ? "" : " ") << line << "\n";
}

void QtestSession::logSent(const Reply& reply) {
  if (!log_) return;
  if (reply.log_prefix) *log_ << "[S " << stamp() << "] ";
  *log_ << reply.text << "\n" << std::flush;
}

QtestSession::Reply QtestSession::readValue(const Words& words) {
  ArgReader args(words);
  const uint64_t address = args.u64(1, "ADDR");
  if (!args.ok()) return {args.failText()};
  const unsigned size = accessSize(words[0]);
  const uint64_t value = backend_.memRead(address, size) & sizeMask(size);
  return {hexText("OK 0x%016" PRIx64, value)};
}

QtestSession::Reply QtestSession::writeValue(const Words& words) {
  ArgReader args(words);
  const uint64_t address = args.u64(1, "ADDR");
  const uint64_t value = args.u64(2, "VALUE");
  if (!args.ok()) return {args.failText()};
  const unsigned size = accessSize(words[0]);
  backend_.memWrite(address, size, value & sizeMask(size));  // QEMU truncates to the size
  return {"OK"};
}

QtestSession::Reply QtestSession::readBlockHex(const Words& words) {
  ArgReader args(words);
  const uint64_t address = args.u64(1, "ADDR");
  const uint64_t length = args.u64(2, "SIZE");
  if (args.ok() && length == 0) args.fail("SIZE must not be 0");  // QEMU asserts
  if (args.ok() && length > kMaxBlockLength)
    args.fail("SIZE exceeds " + std::to_string(kMaxBlockLength));
  if (!args.ok()) return {args.failText()};
  std::vector<uint8_t> data(length);
  backend_.memReadBlock(address, data.data(), data.size());
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string text = "OK 0x";
  text.reserve(text.size() + 2 * data.size());
  for (const uint8_t byte : data) {  // bytes in address order, lower case
    text += kDigits[byte >> 4];
    text += kDigits[byte & 15];
  }
  return {text};
}

QtestSession::Reply QtestSession::readBlockBase64(const Words& words) {
  ArgReader args(words);
  const uint64_t address = args.u64(1, "ADDR");
  const uint64_t length = args.u64(2, "SIZE");
  if (args.ok() && length > kMaxBlockLength)
    args.fail("SIZE exceeds " + std::to_string(kMaxBlockLength));
  if (!args.ok()) return {args.failText()};
  std::vector<uint8_t> data(length);
  if (length) backend_.memReadBlock(address, data.data(), data.size());
  return {"OK " + base64Encode(data.data(), data.size())};  // SIZE 0 gives "OK " as in QEMU
}

QtestSession::Reply QtestSession::writeBlockHex(const Words& words) {
  ArgReader args(words);
  const uint64_t address = args.u64(1, "ADDR");
  const uint64_t length = args.u64(2, "SIZE");
  const std::string* hex = args.text(3, "DATA");
  if (!args.ok()) return {args.failText()};
  if (hex->size() < 3) return {"ERR invalid argument size", false};
  // QEMU skips the first two characters unchecked and turns bad digits into garbage bytes;
  // vtdsim refuses both, since no working script relies on them.
  if ((*hex)[0] != '0' || ((*hex)[1] != 'x' && (*hex)[1] != 'X')) {
    args.fail("DATA must start with 0x");
  } else if (std::any_of(hex->begin() + 2, hex->end(),
                         [](char c) { return digitValue(c) >= 16; })) {
    args.fail("DATA '" + shown(*hex) + "' has a character that is not a hex digit");
  } else if (length > kMaxBlockLength) {
    args.fail("SIZE exceeds " + std::to_string(kMaxBlockLength));
  }
  if (!args.ok()) return {args.failText()};
  // Byte i comes from digits 2i+2 and 2i+3; bytes the DATA does not cover fully are 0, as in
  // QEMU (so an odd last digit is ignored).
  std::vector<uint8_t> data(length, 0);
  for (size_t i = 0; i < data.size() && 2 * i + 4 <= hex->size(); ++i) {
    data[i] = uint8_t(digitValue((*hex)[2 * i + 2]) << 4 | digitValue((*hex)[2 * i + 3]));
  }
  if (!data.empty()) backend_.memWriteBlock(address, data.data(), data.size());
  return {"OK"};
}

QtestSession::Reply QtestSession::writeBlockBase64(const Words& words) {
  ArgReader args(words);
  const uint64_t address = args.u64(1, "ADDR");
  const uint64_t length = args.u64(2, "SIZE");
  const std::string* text = args.text(3, "B64_DATA");
  if (!args.ok()) return {args.failText()};
  if (text->size() < 3) return {"ERR invalid argument size", false};
  // QEMU's decoder (glib) skips characters outside the alphabet; vtdsim refuses them.
  const std::optional<std::vector<uint8_t>> data = base64Decode(*text);
  if (!data)
    args.fail("B64_DATA '" + shown(*text) + "' is not valid base64");
  else if (length > kMaxBlockLength)
    args.fail("SIZE exceeds " + std::to_string(kMaxBlockLength));
  if (!args.ok()) return {args.failText()};
  if (data->size() != length && log_) {
    // QEMU notes the mismatch in the log only; the reply stays OK.
    char note[96];
    std::snprintf(note, sizeof note, "b64write: data length mismatch (told %" PRIu64 ", found %zu)",
                  length, data->size());
    logSent({note});
  }
  // A longer decoded text is truncated to SIZE as in QEMU; a shorter one writes only what it
  // holds (QEMU would write SIZE bytes, the excess being stale buffer contents).
  const size_t count = std::min<size_t>(data->size(), length);
  if (count) backend_.memWriteBlock(address, data->data(), count);
  return {"OK"};
}

QtestSession::Reply QtestSession::fillBlock(const Words& words) {
  ArgReader args(words);
  const uint64_t address = args.u64(1, "ADDR");
  const uint64_t length = args.u64(2, "SIZE");
  const uint64_t pattern = args.u64(3, "VALUE");
  if (args.ok() && length > kMaxBlockLength)
    args.fail("SIZE exceeds " + std::to_string(kMaxBlockLength));
  if (!args.ok()) return {args.failText()};
  if (length) {  // SIZE 0 is allowed and touches nothing
    const std::vector<uint8_t> data(length, uint8_t(pattern));  // memset keeps the low byte
    backend_.memWriteBlock(address, data.data(), data.size());
  }
  return {"OK"};
}

QtestSession::Reply QtestSession::portIn(const Words& words) {
  ArgReader args(words);
  const uint64_t port = args.u64(1, "ADDR");
  if (args.ok() && port > 0xffff) args.fail(hexText("port 0x%" PRIx64 " is above 0xffff", port));
  if (!args.ok()) return {args.failText()};
  const unsigned size = accessSize(words[0]);
  const uint32_t value = backend_.ioRead(uint16_t(port), size) & uint32_t(sizeMask(size));
  return {hexText("OK 0x%04" PRIx64, value)};
}

QtestSession::Reply QtestSession::portOut(const Words& words) {
  ArgReader args(words);
  const uint64_t port = args.u64(1, "ADDR");
  const uint64_t value = args.u64(2, "VALUE");
  if (args.ok() && port > 0xffff) args.fail(hexText("port 0x%" PRIx64 " is above 0xffff", port));
  if (!args.ok()) return {args.failText()};
  const unsigned size = accessSize(words[0]);
  backend_.ioWrite(uint16_t(port), size, uint32_t(value & sizeMask(size)));  // truncated
  return {"OK"};
}

QtestSession::Reply QtestSession::endianness(const Words&) {
  return {"OK little"};
}

QtestSession::Reply QtestSession::clockStep(const Words& words) {
  if (words.size() < 2) return {"OK " + std::to_string(backend_.clockStep(std::nullopt))};
  ArgReader args(words);
  const int64_t ns = args.i64(1, "NS");
  if (!args.ok()) return {args.failText()};
  // QEMU warps to now + NS, which does nothing for NS <= 0 or when the sum overflows.
  const int64_t now = backend_.clockNow();
  if (ns <= 0 || ns > std::numeric_limits<int64_t>::max() - now)
    return {"OK " + std::to_string(now)};
  return {"OK " + std::to_string(backend_.clockStep(ns))};
}

QtestSession::Reply QtestSession::clockSet(const Words& words) {
  ArgReader args(words);
  const int64_t ns = args.i64(1, "NS");
  if (!args.ok()) return {args.failText()};
  const int64_t now = backend_.clockNow();
  if (ns <= now) return {"OK " + std::to_string(now)};  // the clock never goes back
  return {"OK " + std::to_string(backend_.clockSet(ns))};
}

QtestSession::Reply QtestSession::moduleLoad(const Words& words) {
  ArgReader args(words);
  args.text(1, "PREFIX");
  args.text(2, "NAME");
  if (!args.ok()) return {args.failText()};
  return {"FAIL"};  // what QEMU answers for a module it cannot find; vtdsim has none
}

QtestSession::Reply QtestSession::irqUnsupported(const Words& words) {
  return {"FAIL " + words[0] + ": IRQ interception is not supported by vtdsim (no GPIO lines)"};
}

}  // namespace vtd::serve
