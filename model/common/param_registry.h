// ParamRegistry: one description of every configuration parameter (dotted path, type,
// default, range, unit, one-line description) built from plain parameter structs. From it
// come strict JSON loading (unknown keys and bad values are errors naming the key),
// `--set key=value` overrides, effective_config.json and the generated parameter table.
// The structs stay plain aggregates; they only say how to describe themselves.
#pragma once

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace vtd {

// Raised for bad configuration: the message names the key and what is wrong with it.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ParamInfo {
  std::string path;
  std::string type;  // "bool", "uint", "real", "choice", "list", "string"
  std::string description;
  std::string unit;
  std::string range;  // human-readable range or choices
  std::function<nlohmann::json()> get;
  std::function<void(const nlohmann::json&)> setJson;  // throws ConfigError (without the key)
  std::function<void(const std::string&)> setText;     // throws ConfigError (without the key)
};

class ParamRegistry {
 public:
  // Registration, used by the structs' describe(ParamRegistry&, prefix).
  void addBool(const std::string& path, bool& value, const std::string& description);
  void addUInt(const std::string& path, uint64_t& value, uint64_t min, uint64_t max,
               const std::string& unit, const std::string& description);
  void addUInt(const std::string& path, uint32_t& value, uint64_t min, uint64_t max,
               const std::string& unit, const std::string& description);
  void addReal(const std::string& path, double& value, double min, double max, const std::string& unit,
               const std::string& description);
  void addUIntList(const std::string& path, std::vector<uint32_t>& value,
                   std::vector<uint32_t> allowed, const std::string& unit, const std::string& description);

  // Free text (a file name): any string is accepted.
  void addString(const std::string& path, std::string& value, const std::string& description);

  template <class Enum>
  void addChoice(const std::string& path, Enum& value,
                 std::vector<std::pair<std::string, Enum>> choices, const std::string& description);
  // A non-empty list of choices: "a,b,c" on the command line, that string or an array of
  // strings in JSON.
  template <class Enum>
  void addChoiceList(const std::string& path, std::vector<Enum>& value,
                     std::vector<std::pair<std::string, Enum>> choices, const std::string& description);

  // Strict loading: every leaf of `config` must name a registered parameter.
  void loadJson(const nlohmann::json& config);
  void loadFile(const std::string& file_name);
  // One `key=value` override (the text after --set).
  void setOverride(const std::string& assignment);

  nlohmann::json toJson() const;  // nested objects, one leaf per parameter
  const std::vector<ParamInfo>& params() const { return params_; }
  const ParamInfo* find(const std::string& path) const;
  // Markdown table of every parameter (docs/params.md).
  std::string describeMarkdown() const;

 private:
  template <class T>
  void addUnsigned(const std::string& path, T& value, uint64_t min, uint64_t max,
                   const std::string& unit, const std::string& description);
  void add(ParamInfo info);
  void loadObject(const nlohmann::json& object, const std::string& prefix);
  std::vector<ParamInfo> params_;
};

// --- template implementation ------------------------------------------------------------

std::string choiceList(const std::vector<std::string>& names);

// The value named `text` among `choices`, or a ConfigError listing the names.
template <class Enum>
Enum choiceValue(const std::vector<std::pair<std::string, Enum>>& choices, const std::string& text) {
  std::vector<std::string> names;
  for (auto& c : choices) {
    if (c.first == text) return c.second;
    names.push_back(c.first);
  }
  throw ConfigError("'" + text + "' is not one of " + choiceList(names));
}

// The name of `value` among `choices` ("?" when it has none).
template <class Enum>
std::string choiceName(const std::vector<std::pair<std::string, Enum>>& choices, Enum value) {
  for (auto& c : choices)
    if (c.second == value) return c.first;
  return "?";
}

template <class Enum>
void ParamRegistry::addChoice(const std::string& path, Enum& value,
                              std::vector<std::pair<std::string, Enum>> choices,
                              const std::string& description) {
  std::vector<std::string> names;
  for (auto& c : choices) names.push_back(c.first);
  ParamInfo info;
  info.path = path;
  info.type = "choice";
  info.description = description;
  info.range = choiceList(names);
  info.get = [&value, choices]() { return nlohmann::json(choiceName(choices, value)); };
  auto set = [&value, choices](const std::string& text) { value = choiceValue(choices, text); };
  info.setText = set;
  info.setJson = [set](const nlohmann::json& j) {
    if (!j.is_string()) throw ConfigError("expected a string");
    set(j.get<std::string>());
  };
  add(std::move(info));
}

template <class Enum>
void ParamRegistry::addChoiceList(const std::string& path, std::vector<Enum>& value,
                                  std::vector<std::pair<std::string, Enum>> choices,
                                  const std::string& description) {
  std::vector<std::string> names;
  for (auto& c : choices) names.push_back(c.first);
  ParamInfo info;
  info.path = path;
  info.type = "list";
  info.description = description;
  info.range = "comma-separated " + choiceList(names);
  info.get = [&value, choices]() {
    std::string text;
    for (Enum v : value) text += (text.empty() ? "" : ",") + choiceName(choices, v);
    return nlohmann::json(text);
  };
  auto one = [choices](const std::string& text) { return choiceValue(choices, text); };
  auto set = [&value, one](const std::string& text) {
    std::vector<Enum> parsed;
    size_t start = 0;
    for (;;) {
      const size_t comma = text.find(',', start);
      parsed.push_back(one(text.substr(start, comma == std::string::npos ? comma : comma - start)));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    value = std::move(parsed);
  };
  info.setText = set;
  info.setJson = [&value, set, one](const nlohmann::json& j) {
    if (j.is_string()) return set(j.get<std::string>());
    if (!j.is_array() || j.empty()) throw ConfigError("expected a string or a non-empty array of strings");
    std::vector<Enum> parsed;
    for (const auto& e : j) {
      if (!e.is_string()) throw ConfigError("expected a string or a non-empty array of strings");
      parsed.push_back(one(e.get<std::string>()));
    }
    value = std::move(parsed);
  };
  add(std::move(info));
}

}  // namespace vtd
