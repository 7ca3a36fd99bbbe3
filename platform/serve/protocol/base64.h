// Base64 (RFC 4648, standard alphabet with '=' padding) for qtest's b64read/b64write.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vtd::serve {

std::string base64Encode(const uint8_t* data, size_t length);
// nullopt when the text is not valid base64 (bad character, bad padding or length).
std::optional<std::vector<uint8_t>> base64Decode(const std::string& text);

}  // namespace vtd::serve
