// QmpSession and QmpMessageFramer. Texts, error classes, member order of the responses and the
// order of the request checks follow QEMU 7.2 (monitor/qmp.c, qapi/qmp-dispatch.c,
// qobject/json-*.c) as observed on qemu-system-x86_64 7.2.22.
#include "platform/serve/protocol/qmp_session.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <optional>
#include <set>

#include <nlohmann/json.hpp>

namespace vtd::serve {

// ---------------------------------------------------------------------------------------------
// Framing

namespace {

bool isJsonSpace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// Characters that end a bare word (a number or keyword) outside strings.
bool endsBareWord(char c) {
  return isJsonSpace(c) || c == '{' || c == '}' || c == '[' || c == ']' || c == ',' || c == ':' ||
         c == '"' || c == '\'';
}

char closerOf(char opener) {
  return opener == '{' ? '}' : ']';
}

}  // namespace

void QmpMessageFramer::feed(const char* data, size_t length, std::vector<Message>& out) {
  for (size_t i = 0; i < length; ++i) {
    const char c = data[i];
    switch (state_) {
      case State::kBetween:
        between(c, out);
        break;
      case State::kValue:
        inValue(c, out);
        break;
      case State::kString:
        inString(c, out);
        break;
      case State::kStringEscape:
        inStringEscape(c);
        break;
      case State::kBareWord:
        inBareWord(c, out);
        break;
      case State::kSkipValue:
        skipValue(c);
        break;
      case State::kSkipLine:
        if (c == '\n') state_ = State::kBetween;
        break;
    }
    if (text_.size() > kMaxMessageBytes) refuseOversized(out);
  }
}

void QmpMessageFramer::between(char c, std::vector<Message>& out) {
  if (isJsonSpace(c)) return;
  text_.clear();
  closers_.clear();
  if (c == '{' || c == '[') {
    closers_.push_back(closerOf(c));
    store(c);
    state_ = State::kValue;
  } else if (c == '"' || c == '\'') {
    startString(c);
  } else if (c == '}' || c == ']') {
    out.push_back({"", "JSON parse error, expecting value"});
  } else {
    store(c);
    state_ = State::kBareWord;
  }
}

void QmpMessageFramer::inValue(char c, std::vector<Message>& out) {
  if (c == '"' || c == '\'') {
    startString(c);
  } else if (c == '{' || c == '[') {
    if (closers_.size() >= kMaxNesting) {
      // Reported at once; the rest of the value is skipped so that it cannot produce a
      // cascade of errors (QEMU restarts parsing in the middle of it instead).
      out.push_back({"", "JSON nesting depth limit exceeded"});
      startSkipping(closers_.size() + 1, false);
      return;
    }
    closers_.push_back(closerOf(c));
    store(c);
  } else if (c == '}' || c == ']') {
    if (c != closers_.back()) {
      // QEMU counts braces and brackets separately and would wait for more input here.
      refuse(closers_.back() == ']' ? "JSON parse error, expected separator in list"
                                    : "JSON parse error, expected separator in dict",
             out);
      return;
    }
    closers_.pop_back();
    store(c);
    if (closers_.empty()) complete(out);
  } else {
    store(c);
  }
}

void QmpMessageFramer::startString(char quote) {
  quote_ = quote;
  store('"');  // single-quoted strings (a QEMU extension) are rewritten as JSON strings
  state_ = State::kString;
}

void QmpMessageFramer::inString(char c, std::vector<Message>& out) {
  if (c == '\\') {
    state_ = State::kStringEscape;
  } else if (c == quote_) {
    store('"');
    if (closers_.empty()) {
      complete(out);
    } else {
      state_ = State::kValue;
    }
  } else if (static_cast<unsigned char>(c) < 0x20) {
    // QEMU's lexer refuses raw control characters in strings; most often this is the end of
    // a line inside an unterminated string, after which the next line starts afresh.
    refuse("JSON parse error, control character in string", out);
    if (c == '\n') state_ = State::kBetween;
  } else if (c == '"') {
    store("\\\"");  // a double quote inside a single-quoted string
  } else {
    store(c);
  }
}

void QmpMessageFramer::inStringEscape(char c) {
  if (c == '\'') {
    store('\'');  // QEMU accepts \' in either kind of string; JSON does not know it
  } else {
    store('\\');
    store(c);  // other escapes are checked by the JSON parser
  }
  state_ = State::kString;
}

void QmpMessageFramer::inBareWord(char c, std::vector<Message>& out) {
  if (!endsBareWord(c)) {
    store(c);
    return;
  }
  complete(out);
  between(c, out);
}

void QmpMessageFramer::skipValue(char c) {
  // The refused value ends where its brackets balance, or at the end of the line, so that
  // unbalanced junk cannot swallow the commands that follow it.
  bool ended = c == '\n';
  if (ended) {
    // nothing more to track
  } else if (skip_in_string_) {
    if (skip_escape_) {
      skip_escape_ = false;
    } else if (c == '\\') {
      skip_escape_ = true;
    } else if (c == skip_quote_) {
      skip_in_string_ = false;
      ended = skip_depth_ == 0;
    }
  } else if (c == '"' || c == '\'') {
    skip_in_string_ = true;
    skip_quote_ = c;
  } else if (c == '{' || c == '[') {
    ++skip_depth_;
  } else if ((c == '}' || c == ']') && skip_depth_ > 0) {
    ended = --skip_depth_ == 0;
  }
  if (ended) state_ = State::kBetween;
}

void QmpMessageFramer::startSkipping(size_t depth, bool in_string) {
  skip_depth_ = depth;
  skip_in_string_ = in_string;
  skip_escape_ = in_string && state_ == State::kStringEscape;
  skip_quote_ = quote_;
  text_.clear();
  closers_.clear();
  state_ = State::kSkipValue;
}

void QmpMessageFramer::refuseOversized(std::vector<Message>& out) {
  out.push_back({"", "JSON token size limit exceeded"});
  if (state_ == State::kBareWord) {
    text_.clear();
    state_ = State::kSkipLine;
    return;
  }
  startSkipping(closers_.size(), state_ == State::kString || state_ == State::kStringEscape);
}

void QmpMessageFramer::complete(std::vector<Message>& out) {
  out.push_back({std::move(text_), ""});
  text_.clear();
  closers_.clear();
  state_ = State::kBetween;
}

void QmpMessageFramer::refuse(const std::string& error, std::vector<Message>& out) {
  out.push_back({"", error});
  text_.clear();
  closers_.clear();
  state_ = State::kSkipLine;  // resynchronise at the next line
}

void QmpMessageFramer::store(char c) {
  text_ += c;
}
void QmpMessageFramer::store(const char* text) {
  text_ += text;
}

// ---------------------------------------------------------------------------------------------
// JSON in QEMU's style

namespace {

using Json = nlohmann::ordered_json;

void appendf(std::string& out, const char* format, unsigned value) {
  char text[16];
  std::snprintf(text, sizeof text, format, value);
  out += text;
}

// Decodes one UTF-8 sequence at text[i]; returns the code point and advances i, or returns
// U+FFFD for a malformed byte (consumed alone).
uint32_t nextCodePoint(const std::string& text, size_t& i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  size_t extra = lead >= 0xf0 && lead <= 0xf4 ? 3 : lead >= 0xe0 ? 2 : lead >= 0xc2 ? 1 : 0;
  if (lead >= 0xf5 || (lead >= 0x80 && lead < 0xc2) || i + extra >= text.size() + (extra ? 0 : 1)) {
    ++i;
    return 0xfffd;
  }
  uint32_t code = extra == 0 ? lead : lead & (0x3f >> extra);
  for (size_t k = 1; k <= extra; ++k) {
    if ((byte(i + k) & 0xc0) != 0x80) {
      ++i;
      return 0xfffd;
    }
    code = code << 6 | (byte(i + k) & 0x3f);
  }
  const uint32_t minimum[] = {0, 0x80, 0x800, 0x10000};
  if (code < minimum[extra] || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
    ++i;
    return 0xfffd;
  }
  i += extra + 1;
  return code;
}

// QEMU escapes control characters, DEL and everything beyond ASCII as \uXXXX (upper-case hex,
// surrogate pairs above U+FFFF), and leaves '/' alone.
void appendJsonString(std::string& out, const std::string& text) {
  out += '"';
  for (size_t i = 0; i < text.size();) {
    const uint32_t code = nextCodePoint(text, i);
    switch (code) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (code >= 0x20 && code < 0x7f) {
          out += char(code);
        } else if (code > 0xffff) {
          appendf(out, "\\u%04X", 0xd800 + ((code - 0x10000) >> 10));
          appendf(out, "\\u%04X", 0xdc00 + ((code - 0x10000) & 0x3ff));
        } else {
          appendf(out, "\\u%04X", code);
        }
    }
  }
  out += '"';
}

void appendJson(std::string& out, const Json& value) {
  switch (value.type()) {
    case Json::value_t::boolean:
      out += value.get<bool>() ? "true" : "false";
      break;
    case Json::value_t::number_integer:
      out += std::to_string(value.get<int64_t>());
      break;
    case Json::value_t::number_unsigned:
      out += std::to_string(value.get<uint64_t>());
      break;
    case Json::value_t::number_float: {
      char text[32];
      std::snprintf(text, sizeof text, "%.17g", value.get<double>());  // QEMU's precision
      out += text;
      break;
    }
    case Json::value_t::string:
      appendJsonString(out, value.get_ref<const std::string&>());
      break;
    case Json::value_t::array: {
      out += '[';
      const char* separator = "";
      for (const Json& item : value) {
        out += separator;
        appendJson(out, item);
        separator = ", ";
      }
      out += ']';
      break;
    }
    case Json::value_t::object: {
      out += '{';
      const char* separator = "";
      for (const auto& member : value.items()) {
        out += separator;
        appendJsonString(out, member.key());
        out += ": ";
        appendJson(out, member.value());
        separator = ", ";
      }
      out += '}';
      break;
    }
    default:
      out += "null";
      break;
  }
}

std::string jsonLine(const Json& value) {
  std::string line;
  appendJson(line, value);
  return line + "\r\n";  // the monitor turns every "\n" it sends into "\r\n"
}

// ---------------------------------------------------------------------------------------------
// Requests

struct QmpError {
  const char* error_class;
  std::string desc;
};

QmpError genericError(std::string desc) {
  return {"GenericError", std::move(desc)};
}

// The bare word around byte `position` of `text` (for "invalid keyword 'tru'").
std::string wordAround(const std::string& text, size_t position) {
  const auto is_word = [&](size_t i) {
    return std::isalnum(static_cast<unsigned char>(text[i])) != 0;
  };
  size_t start = std::min(position, text.size());
  while (start > 0 && is_word(start - 1)) --start;
  size_t end = start;
  while (end < text.size() && is_word(end)) ++end;
  return text.substr(start, end - start);
}

// nlohmann's syntax error mapped onto the nearest message of QEMU's JSON parser.
std::string qemuParseError(const std::string& text, const Json::parse_error& error) {
  const std::string what = error.what();
  const auto has = [&](const char* part) { return what.find(part) != std::string::npos; };
  std::string desc = "expecting value";
  if (has("expected ':'")) {
    desc = "missing : in object pair";
  } else if (has("parsing object key") && !has("unexpected '}'")) {
    desc = "key is not a string in object";
  } else if (has("parsing object - ") || has("parsing object separator")) {
    desc = "expected separator in dict";
  } else if (has("parsing array")) {
    desc = "expected separator in list";
  } else if (has("after backslash") || has("\\u")) {
    desc = "invalid escape sequence in string";
  } else if (has("invalid literal")) {
    desc = "invalid keyword '" + wordAround(text, error.byte > 0 ? error.byte - 1 : 0) + "'";
  }
  return "JSON parse error, " + desc;
}

// Parses one framed value; duplicate keys are refused as QEMU's parser does.
std::optional<Json> parseValue(const std::string& text, std::string& error) {
  std::vector<std::set<std::string>> keys;
  bool duplicate = false;
  const Json::parser_callback_t check_keys = [&](int, Json::parse_event_t event, Json& parsed) {
    if (event == Json::parse_event_t::object_start) keys.emplace_back();
    if (event == Json::parse_event_t::object_end && !keys.empty()) keys.pop_back();
    if (event == Json::parse_event_t::key && !keys.empty() &&
        !keys.back().insert(parsed.get<std::string>()).second) {
      duplicate = true;
    }
    return true;
  };
  try {
    Json value = Json::parse(text, check_keys);
    if (duplicate) {
      error = "JSON parse error, duplicate key";
      return std::nullopt;
    }
    return value;
  } catch (const Json::parse_error& e) {
    error = qemuParseError(text, e);
  } catch (const Json::exception&) {
    error = "JSON parse error, number out of range";
  }
  return std::nullopt;
}

// Arguments of one command, checked as QEMU's QAPI input visitor does: declared members in
// schema order (missing, then wrong type), then the first member nobody asked for.
class Arguments {
 public:
  explicit Arguments(const Json& arguments) : arguments_(arguments) {}

  const Json* take(const char* name, bool required, bool (Json::*is_type)() const noexcept,
                   const char* type_name) {
    if (error_) return nullptr;
    taken_.insert(name);
    const auto it = arguments_.find(name);
    if (it == arguments_.end()) {
      if (required) error_ = genericError(std::string("Parameter '") + name + "' is missing");
      return nullptr;
    }
    if (!((*it).*is_type)()) {
      error_ = genericError(std::string("Invalid parameter type for '") + name +
                            "', expected: " + type_name);
      return nullptr;
    }
    return &*it;
  }
  void fail(QmpError error) {
    if (!error_) error_ = std::move(error);
  }
  // The error to report, if any, once every declared member has been taken.
  std::optional<QmpError> finish() {
    for (const auto& member : arguments_.items()) {
      if (error_) break;
      if (!taken_.count(member.key())) {
        error_ = genericError("Parameter '" + member.key() + "' is unexpected");
      }
    }
    return error_;
  }

 private:
  const Json& arguments_;
  std::set<std::string> taken_;
  std::optional<QmpError> error_;
};

// "unknown command: '...'" covers the line up to the end of the unknown name, including
// leading blanks and, for `info`, the sub-command (as QEMU's HMP parser reports it).
std::string unknownHmpCommand(const std::string& line) {
  const auto is_blank = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  size_t end = 0;
  const auto skip_word = [&] {
    while (end < line.size() && is_blank(line[end])) ++end;
    const size_t start = end;
    while (end < line.size() && !is_blank(line[end]) && line[end] != '/') ++end;
    return line.substr(start, end - start);
  };
  if (skip_word() == "info") {
    const size_t after_info = end;
    if (skip_word().empty()) end = after_info;
  }
  return "unknown command: '" + line.substr(0, end) + "'\n";
}

// QEMU's monitor sends every "\n" of HMP output as "\r\n"; text that already has "\r\n" is
// kept as it is.
std::string monitorLineEnds(const std::string& text) {
  std::string out;
  out.reserve(text.size() + text.size() / 16);
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r')) out += '\r';
    out += text[i];
  }
  return out;
}

bool isBlank(const std::string& text) {
  return text.find_first_not_of(" \t\r\n") == std::string::npos;
}

constexpr const char* kCommandNames[] = {"human-monitor-command", "qmp_capabilities",
                                         "query-commands",        "query-status",
                                         "query-version",         "quit"};

}  // namespace

// ---------------------------------------------------------------------------------------------
// Session

struct QmpSession::Outcome {
  Outcome() = default;
  Outcome(QmpError failure) : error(std::move(failure)) {}  // NOLINT: implicit by design

  std::optional<QmpError> error;
  Json result = Json::object();
  std::vector<Json> events;  // sent before the response (QEMU's SHUTDOWN arrives first)
};

namespace {

Json versionObject(const QmpIdentity& identity) {
  Json version = Json::object();
  version["qemu"] = {
      {"micro", identity.micro}, {"minor", identity.minor}, {"major", identity.major}};
  version["package"] = identity.package;
  return version;
}

// The request members as QEMU checks them, in input order; sets `exec_key` to "execute" or
// "exec-oob".
std::optional<QmpError> checkMembers(const Json& request, bool oob_enabled, std::string& exec_key) {
  for (const auto& member : request.items()) {
    const std::string& key = member.key();
    if (key == "execute" || (key == "exec-oob" && oob_enabled)) {
      if (!member.value().is_string()) {
        return genericError("QMP input member '" + key + "' must be a string");
      }
      if (!exec_key.empty()) {
        return genericError("QMP input member '" + key + "' clashes with '" + exec_key + "'");
      }
      exec_key = key;
    } else if (key == "arguments") {
      if (!member.value().is_object()) {
        return genericError("QMP input member 'arguments' must be an object");
      }
    } else if (key != "id") {
      return genericError("QMP input member '" + key + "' is unexpected");
    }
  }
  if (exec_key.empty()) return genericError("QMP input lacks member 'execute'");
  return std::nullopt;
}

}  // namespace

QmpSession::QmpSession(QmpBackend& backend, QmpIdentity identity, WallClock wall_clock)
    : backend_(backend), identity_(std::move(identity)), wall_clock_(std::move(wall_clock)) {
  if (!wall_clock_) {
    wall_clock_ = [] {
      return std::chrono::duration_cast<std::chrono::microseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
          .count();
    };
  }
}

std::string QmpSession::greeting() const {
  Json qmp = Json::object();
  qmp["version"] = versionObject(identity_);
  qmp["capabilities"] = Json::array({"oob"});
  return jsonLine(Json{{"QMP", qmp}});
}

std::string QmpSession::feed(const char* data, size_t length) {
  if (quit_requested_) return {};
  std::vector<QmpMessageFramer::Message> messages;
  framer_.feed(data, length, messages);
  std::string out;
  for (const QmpMessageFramer::Message& message : messages) {
    out += handleMessage(message);
    if (quit_requested_) break;  // QEMU is gone after quit
  }
  return out;
}

std::string QmpSession::handleMessage(const QmpMessageFramer::Message& message) {
  Outcome outcome;
  std::optional<Json> request;
  std::string parse_error = message.error;
  if (parse_error.empty()) request = parseValue(message.text, parse_error);
  if (!request) {
    outcome.error = genericError(parse_error);
  } else if (!request->is_object()) {
    outcome.error = genericError("QMP input must be a JSON object");
  } else {
    outcome = dispatch(*request);
  }

  std::string out;
  for (const Json& event : outcome.events) out += jsonLine(event);
  const Json* id =
      request && request->is_object() && request->contains("id") ? &(*request)["id"] : nullptr;
  Json response = Json::object();
  if (outcome.error) {
    // QEMU's dictionaries happen to print "id" before "error" but after "return".
    if (id) response["id"] = *id;
    response["error"] = {{"class", outcome.error->error_class}, {"desc", outcome.error->desc}};
  } else {
    response["return"] = std::move(outcome.result);
    if (id) response["id"] = *id;
  }
  return out + jsonLine(response);
}

QmpSession::Outcome QmpSession::dispatch(const Json& request) {
  std::string exec_key;
  if (auto error = checkMembers(request, oob_enabled_, exec_key)) return *error;
  const std::string command = request[exec_key].get<std::string>();
  const Json arguments = request.contains("arguments") ? request["arguments"] : Json::object();

  // Before negotiation only qmp_capabilities exists (QEMU rewrites its "not found" text).
  if (!negotiated_ && command != "qmp_capabilities") {
    return {
        QmpError{"CommandNotFound", "Expecting capabilities negotiation with 'qmp_capabilities'"}};
  }
  if (std::find(std::begin(kCommandNames), std::end(kCommandNames), command) ==
      std::end(kCommandNames)) {
    return {QmpError{"CommandNotFound", "The command " + command + " has not been found"}};
  }
  if (exec_key == "exec-oob") {
    return genericError("The command " + command + " does not support OOB");
  }
  if (command == "qmp_capabilities") return qmpCapabilities(arguments);
  if (command == "human-monitor-command") return humanMonitorCommand(arguments);
  return withoutArguments(command, arguments);
}

QmpSession::Outcome QmpSession::qmpCapabilities(const Json& arguments) {
  Arguments args(arguments);
  const Json* enable = args.take("enable", false, &Json::is_array, "array");
  bool wants_oob = false;
  for (size_t i = 0; enable && i < enable->size(); ++i) {
    const Json& capability = (*enable)[i];
    if (!capability.is_string()) {
      args.fail(genericError("Invalid parameter type for 'enable[" + std::to_string(i) +
                             "]', expected: string"));
    } else if (capability.get<std::string>() != "oob") {
      // QEMU names the list element 'null' in this message.
      args.fail(genericError("Parameter 'null' does not accept value '" +
                             capability.get<std::string>() + "'"));
    } else {
      wants_oob = true;
    }
  }
  if (auto error = args.finish()) return *error;
  if (negotiated_) {
    return {QmpError{"CommandNotFound",
                     "Capabilities negotiation is already complete, command ignored"}};
  }
  negotiated_ = true;
  oob_enabled_ = wants_oob;
  return {};
}

QmpSession::Outcome QmpSession::humanMonitorCommand(const Json& arguments) {
  Arguments args(arguments);
  const Json* line = args.take("command-line", true, &Json::is_string, "string");
  const Json* cpu = args.take("cpu-index", false, &Json::is_number_integer, "integer");
  if (auto error = args.finish()) return *error;
  // One CPU: index 0 is the only one `cpu-index` may name.
  if (cpu && !(cpu->is_number_unsigned() ? cpu->get<uint64_t>() == 0 : cpu->get<int64_t>() == 0)) {
    return genericError("Parameter 'cpu-index' expects a CPU number");
  }
  Outcome outcome;
  const std::string& command_line = line->get_ref<const std::string&>();
  if (isBlank(command_line)) {
    outcome.result = "";
    return outcome;
  }
  const std::optional<std::string> text = backend_.humanMonitorCommand(command_line);
  outcome.result = monitorLineEnds(text ? *text : unknownHmpCommand(command_line));
  return outcome;
}

QmpSession::Outcome QmpSession::withoutArguments(const std::string& command,
                                                 const Json& arguments) {
  Arguments args(arguments);
  if (auto error = args.finish()) return *error;
  Outcome outcome;
  if (command == "query-status") {
    outcome.result["status"] = "running";
    outcome.result["singlestep"] = false;
    outcome.result["running"] = true;
  } else if (command == "query-version") {
    outcome.result = versionObject(identity_);
  } else if (command == "query-commands") {
    outcome.result = Json::array();
    for (const char* name : kCommandNames) outcome.result.push_back({{"name", name}});
  } else {  // quit
    const int64_t now_us = wall_clock_();
    Json event = Json::object();
    event["timestamp"] = {{"seconds", now_us / 1000000}, {"microseconds", now_us % 1000000}};
    event["event"] = "SHUTDOWN";
    event["data"] = {{"guest", false}, {"reason", "host-qmp-quit"}};
    outcome.events.push_back(std::move(event));
    quit_requested_ = true;
    backend_.requestQuit();
  }
  return outcome;
}

}  // namespace vtd::serve
