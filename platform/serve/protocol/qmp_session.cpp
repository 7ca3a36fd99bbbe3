// QmpSession: request checks, command dispatch and the commands. Texts, error classes,
// member order of the responses and the order of the request checks follow QEMU 7.2
// (monitor/qmp.c, qapi/qmp-dispatch.c) as observed on qemu-system-x86_64 7.2.22.
#include "platform/serve/protocol/qmp_session.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <set>

#include <nlohmann/json.hpp>

#include "platform/serve/protocol/qmp_json.h"

namespace vtd::serve {

// ---------------------------------------------------------------------------------------------
// Requests

namespace {

using Json = QmpJson;

struct QmpError {
  const char* error_class;
  std::string desc;
};

QmpError genericError(std::string desc) {
  return {"GenericError", std::move(desc)};
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
  return qmpJsonLine(Json{{"QMP", qmp}});
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
  if (parse_error.empty()) request = parseQmpJson(message.text, parse_error);
  if (!request) {
    outcome.error = genericError(parse_error);
  } else if (!request->is_object()) {
    outcome.error = genericError("QMP input must be a JSON object");
  } else {
    outcome = dispatch(*request);
  }

  std::string out;
  for (const Json& event : outcome.events) out += qmpJsonLine(event);
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
  return out + qmpJsonLine(response);
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
