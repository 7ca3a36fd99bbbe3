// ParamRegistry: strict JSON / --set handling for every registered parameter.
#include "model/common/param_registry.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <sstream>

#include <nlohmann/json.hpp>

namespace vtd {
namespace {

uint64_t parseUInt(const std::string& text) {
  if (text.empty() || text[0] == '-' || text[0] == '+') throw ConfigError("'" + text + "' is not an unsigned integer");
  errno = 0;
  char* end = nullptr;
  unsigned long long v = std::strtoull(text.c_str(), &end, 0);
  // Accept binary-size suffixes: 4k, 2M, 1G (powers of 1024), common in sizes.
  uint64_t scale = 1;
  if (end && *end) {
    std::string suffix(end);
    if (suffix == "k" || suffix == "K" || suffix == "KiB") scale = 1ull << 10;
    else if (suffix == "m" || suffix == "M" || suffix == "MiB") scale = 1ull << 20;
    else if (suffix == "g" || suffix == "G" || suffix == "GiB") scale = 1ull << 30;
    else throw ConfigError("'" + text + "' is not an unsigned integer");
  }
  if (errno == ERANGE || end == text.c_str()) throw ConfigError("'" + text + "' is not an unsigned integer");
  if (scale > 1 && v > ~0ull / scale) throw ConfigError("'" + text + "' is too large");
  return uint64_t(v) * scale;
}

double parseReal(const std::string& text) {
  errno = 0;
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (text.empty() || errno == ERANGE || !end || *end || !std::isfinite(v))
    throw ConfigError("'" + text + "' is not a number");
  return v;
}

bool parseBool(const std::string& text) {
  if (text == "true" || text == "on" || text == "1" || text == "yes") return true;
  if (text == "false" || text == "off" || text == "0" || text == "no") return false;
  throw ConfigError("'" + text + "' is not a boolean (true/false/on/off)");
}

uint64_t jsonUInt(const nlohmann::json& j) {
  if (j.is_number_unsigned()) return j.get<uint64_t>();
  if (j.is_number_integer()) {
    if (j.get<int64_t>() < 0) throw ConfigError("must not be negative");
    return j.get<uint64_t>();
  }
  if (j.is_string()) return parseUInt(j.get<std::string>());  // "2M", "0x1000"
  throw ConfigError("expected an unsigned integer");
}

std::string rangeText(uint64_t min, uint64_t max) {
  std::ostringstream s;
  s << min << " .. " << max;
  return s.str();
}

void checkRange(uint64_t v, uint64_t min, uint64_t max) {
  if (v < min || v > max) {
    std::ostringstream s;
    s << v << " is outside " << min << " .. " << max;
    throw ConfigError(s.str());
  }
}

}  // namespace

std::string choiceList(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) out += (i ? "|" : "") + names[i];
  return out;
}

void ParamRegistry::add(ParamInfo info) {
  if (find(info.path)) throw std::logic_error("parameter registered twice: " + info.path);
  params_.push_back(std::move(info));
}

const ParamInfo* ParamRegistry::find(const std::string& path) const {
  for (auto& p : params_)
    if (p.path == path) return &p;
  return nullptr;
}

void ParamRegistry::addBool(const std::string& path, bool& value, const std::string& description) {
  ParamInfo info{path, "bool", description, "", "true|false", {}, {}, {}};
  info.get = [&value] { return nlohmann::json(value); };
  info.setText = [&value](const std::string& t) { value = parseBool(t); };
  info.setJson = [&value](const nlohmann::json& j) {
    if (!j.is_boolean()) throw ConfigError("expected true or false");
    value = j.get<bool>();
  };
  add(std::move(info));
}

void ParamRegistry::addString(const std::string& path, std::string& value, const std::string& description) {
  ParamInfo info{path, "string", description, "", "text", {}, {}, {}};
  info.get = [&value] { return nlohmann::json(value); };
  info.setText = [&value](const std::string& t) { value = t; };
  info.setJson = [&value](const nlohmann::json& j) {
    if (!j.is_string()) throw ConfigError("expected a string");
    value = j.get<std::string>();
  };
  add(std::move(info));
}

// One implementation for every unsigned width; the range check keeps values in the type.
template <class T>
void ParamRegistry::addUnsigned(const std::string& path, T& value, uint64_t min, uint64_t max,
                                const std::string& unit, const std::string& description) {
  if (max > std::numeric_limits<T>::max()) throw std::logic_error("parameter range exceeds its type: " + path);
  ParamInfo info{path, "uint", description, unit, rangeText(min, max), {}, {}, {}};
  info.get = [&value] { return nlohmann::json(value); };
  info.setText = [&value, min, max](const std::string& t) {
    const uint64_t v = parseUInt(t);
    checkRange(v, min, max);
    value = T(v);
  };
  info.setJson = [&value, min, max](const nlohmann::json& j) {
    const uint64_t v = jsonUInt(j);
    checkRange(v, min, max);
    value = T(v);
  };
  add(std::move(info));
}

void ParamRegistry::addUInt(const std::string& path, uint64_t& value, uint64_t min, uint64_t max,
                            const std::string& unit, const std::string& description) {
  addUnsigned(path, value, min, max, unit, description);
}

void ParamRegistry::addUInt(const std::string& path, uint32_t& value, uint64_t min, uint64_t max,
                            const std::string& unit, const std::string& description) {
  addUnsigned(path, value, min, max, unit, description);
}

void ParamRegistry::addReal(const std::string& path, double& value, double min, double max,
                            const std::string& unit, const std::string& description) {
  std::ostringstream r;
  r << min << " .. " << max;
  ParamInfo info{path, "real", description, unit, r.str(), {}, {}, {}};
  auto check = [min, max](double v) {
    if (!(v >= min && v <= max)) {
      std::ostringstream s;
      s << v << " is outside " << min << " .. " << max;
      throw ConfigError(s.str());
    }
  };
  info.get = [&value] { return nlohmann::json(value); };
  info.setText = [&value, check](const std::string& t) {
    double v = parseReal(t);
    check(v);
    value = v;
  };
  info.setJson = [&value, check](const nlohmann::json& j) {
    if (!j.is_number()) throw ConfigError("expected a number");
    double v = j.get<double>();
    check(v);
    value = v;
  };
  add(std::move(info));
}

void ParamRegistry::addUIntList(const std::string& path, std::vector<uint32_t>& value,
                                std::vector<uint32_t> allowed, const std::string& unit,
                                const std::string& description) {
  std::vector<std::string> names;
  for (auto a : allowed) names.push_back(std::to_string(a));
  ParamInfo info{path, "list", description, unit, "subset of " + choiceList(names), {}, {}, {}};
  auto check = [allowed, names](const std::vector<uint32_t>& v) {
    if (v.empty()) throw ConfigError("the list must not be empty");
    for (auto x : v) {
      bool ok = false;
      for (auto a : allowed) ok |= (a == x);
      if (!ok) throw ConfigError(std::to_string(x) + " is not one of " + choiceList(names));
    }
  };
  info.get = [&value] { return nlohmann::json(value); };
  info.setText = [&value, check](const std::string& t) {
    std::vector<uint32_t> v;
    std::stringstream s(t);
    std::string item;
    while (std::getline(s, item, ',')) v.push_back(uint32_t(parseUInt(item)));
    check(v);
    value = v;
  };
  info.setJson = [&value, check](const nlohmann::json& j) {
    if (!j.is_array()) throw ConfigError("expected a list of numbers");
    std::vector<uint32_t> v;
    for (auto& e : j) v.push_back(uint32_t(jsonUInt(e)));
    check(v);
    value = v;
  };
  add(std::move(info));
}

void ParamRegistry::loadObject(const nlohmann::json& object, const std::string& prefix) {
  for (auto it = object.begin(); it != object.end(); ++it) {
    std::string path = prefix.empty() ? it.key() : prefix + "." + it.key();
    const ParamInfo* p = find(path);
    if (p) {
      try {
        p->setJson(it.value());
      } catch (const ConfigError& e) {
        throw ConfigError("configuration key '" + path + "': " + e.what());
      }
    } else if (it.value().is_object()) {
      // A group: it must be the prefix of at least one parameter.
      bool known = false;
      for (auto& q : params_) known |= q.path.rfind(path + ".", 0) == 0;
      if (!known) throw ConfigError("unknown configuration key '" + path + "'");
      loadObject(it.value(), path);
    } else {
      throw ConfigError("unknown configuration key '" + path + "'");
    }
  }
}

void ParamRegistry::loadJson(const nlohmann::json& config) {
  if (!config.is_object()) throw ConfigError("the configuration must be a JSON object");
  loadObject(config, "");
}

void ParamRegistry::loadFile(const std::string& file_name) {
  std::ifstream in(file_name);
  if (!in) throw ConfigError("cannot open configuration file '" + file_name + "'");
  nlohmann::json j;
  try {
    in >> j;
  } catch (const nlohmann::json::exception& e) {
    throw ConfigError("configuration file '" + file_name + "' is not valid JSON: " + e.what());
  }
  loadJson(j);
}

void ParamRegistry::setOverride(const std::string& assignment) {
  auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    throw ConfigError("--set expects key=value, got '" + assignment + "'");
  std::string key = assignment.substr(0, eq);
  const ParamInfo* p = find(key);
  if (!p) throw ConfigError("unknown configuration key '" + key + "'");
  try {
    p->setText(assignment.substr(eq + 1));
  } catch (const ConfigError& e) {
    throw ConfigError("configuration key '" + key + "': " + e.what());
  }
}

nlohmann::json ParamRegistry::toJson() const {
  nlohmann::json root = nlohmann::json::object();
  for (auto& p : params_) {
    nlohmann::json* node = &root;
    std::stringstream s(p.path);
    std::string part;
    std::vector<std::string> parts;
    while (std::getline(s, part, '.')) parts.push_back(part);
    for (size_t i = 0; i + 1 < parts.size(); ++i) node = &(*node)[parts[i]];
    (*node)[parts.back()] = p.get();
  }
  return root;
}

// Markdown table cells cannot hold a bare '|'.
static std::string cell(const std::string& text) {
  std::string out;
  for (char c : text) out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
}

std::string ParamRegistry::describeMarkdown() const {
  std::ostringstream out;
  out << "| parameter | type | default | range | unit | description |\n";
  out << "|---|---|---|---|---|---|\n";
  for (auto& p : params_)
    out << "| `" << p.path << "` | " << p.type << " | `" << p.get().dump() << "` | " << cell(p.range)
        << " | " << p.unit << " | " << cell(p.description) << " |\n";
  return out.str();
}

}  // namespace vtd
