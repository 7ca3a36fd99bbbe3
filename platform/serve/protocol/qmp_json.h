// JSON as QEMU's QMP monitor writes and reads it (qobject/qjson.c, qobject/json-parser.c,
// QEMU 7.2). Writer: ", " and ": " separators, members in insertion order, strings with
// control characters, DEL and everything beyond ASCII escaped as \uXXXX (upper-case hex,
// surrogate pairs above U+FFFF, malformed UTF-8 as U+FFFD), '/' left alone, floats with
// 17 significant digits. Reader: one value as framed by QmpMessageFramer, duplicate keys
// refused, errors mapped onto the nearest of QEMU's "JSON parse error, ..." texts.
// Does not frame (see qmp_message_framer.h), know QMP's request structure or commands (see
// qmp_session.h), or reproduce QEMU's exact syntax-error texts (close, not identical).
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

namespace vtd::serve {

using QmpJson = nlohmann::ordered_json;

// Appends `value` in QEMU's style (no line end).
void appendQmpJson(std::string& out, const QmpJson& value);
// One value as the monitor sends it: QEMU's style followed by "\r\n".
std::string qmpJsonLine(const QmpJson& value);

// Parses one framed value. On failure returns nothing and sets `error` to QEMU's text.
std::optional<QmpJson> parseQmpJson(const std::string& text, std::string& error);

}  // namespace vtd::serve
