// JSON in QEMU's style: the writer (qobject/qjson.c's to_json) and the reader on top of
// nlohmann::json, with QEMU 7.2's error texts as observed on qemu-system-x86_64 7.2.22.
#include "platform/serve/protocol/qmp_json.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <set>
#include <vector>

#include <nlohmann/json.hpp>

namespace vtd::serve {

namespace {

using Json = QmpJson;

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

}  // namespace

void appendQmpJson(std::string& out, const QmpJson& value) {
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
        appendQmpJson(out, item);
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
        appendQmpJson(out, member.value());
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

std::string qmpJsonLine(const QmpJson& value) {
  std::string line;
  appendQmpJson(line, value);
  return line + "\r\n";  // the monitor turns every "\n" it sends into "\r\n"
}
// Parses one framed value; duplicate keys are refused as QEMU's parser does.
std::optional<QmpJson> parseQmpJson(const std::string& text, std::string& error) {
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

}  // namespace vtd::serve
