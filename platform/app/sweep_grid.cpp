// SweepGrid: loading, axis parsing, and the run <-> point mapping.
#include "platform/app/sweep_grid.h"

#include <fstream>
#include <nlohmann/json.hpp>

#include "platform/app/cli.h"

namespace vtd::app {

namespace {

// A JSON scalar as --set takes it: strings bare, numbers and booleans as printed.
std::string scalarText(const nlohmann::json& v, const std::string& where) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number_integer() || v.is_number_unsigned() || v.is_number_float()) return v.dump();
  throw CliError(where + ": values must be strings, numbers or booleans, not " + v.dump());
}

void checkAxis(const SweepAxis& a, const std::string& where) {
  if (a.param.empty()) throw CliError(where + ": an axis needs a parameter name");
  if (a.values.empty()) throw CliError(where + ": axis " + a.param + " has no values");
  for (const std::string& v : a.values)
    if (v.empty()) throw CliError(where + ": axis " + a.param + " has an empty value");
}

}  // namespace

size_t SweepGrid::runs() const {
  size_t n = 1;
  for (const SweepAxis& a : axes) n *= a.values.size();
  return n;
}

std::vector<std::string> SweepGrid::point(size_t index) const {
  std::vector<std::string> values(axes.size());
  for (size_t i = axes.size(); i-- > 0;) {  // the last axis varies fastest
    values[i] = axes[i].values[index % axes[i].values.size()];
    index /= axes[i].values.size();
  }
  return values;
}

std::vector<std::string> SweepGrid::settings(size_t index) const {
  std::vector<std::string> out = sets;
  const std::vector<std::string> values = point(index);
  for (size_t i = 0; i < axes.size(); ++i) out.push_back(axes[i].param + "=" + values[i]);
  return out;
}

SweepAxis parseSweepAxis(const std::string& text) {
  const size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0)
    throw CliError("--axis '" + text + "': expected param=value1,value2,...");
  SweepAxis a{text.substr(0, eq), splitCommaList(text.substr(eq + 1))};
  checkAxis(a, "--axis '" + text + "'");
  return a;
}

SweepGrid loadSweepGrid(const std::string& file) {
  std::ifstream in(file);
  if (!in) throw CliError("cannot read the sweep grid " + file);
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::parse_error& e) {
    throw CliError(file + ": not JSON: " + e.what());
  }
  if (!j.is_object()) throw CliError(file + ": the grid must be a JSON object");
  SweepGrid g;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& key = it.key();
    const nlohmann::json& v = it.value();
    const std::string where = file + ": " + key;
    if (key == "command") {
      if (!v.is_string()) throw CliError(where + " must be a string");
      g.command = v.get<std::string>();
    } else if (key == "args" || key == "stats") {
      if (!v.is_array()) throw CliError(where + " must be a list of strings");
      for (const auto& s : v) {
        if (!s.is_string()) throw CliError(where + " must be a list of strings");
        (key == "args" ? g.args : g.stats).push_back(s.get<std::string>());
      }
    } else if (key == "set") {
      if (!v.is_object()) throw CliError(where + " must be an object {param: value}");
      for (auto s = v.begin(); s != v.end(); ++s)
        g.sets.push_back(s.key() + "=" + scalarText(s.value(), where + "." + s.key()));
    } else if (key == "axes") {
      if (v.is_object()) {  // {param: [values]}, in file order
        for (auto a = v.begin(); a != v.end(); ++a) {
          if (!a.value().is_array()) throw CliError(where + "." + a.key() + " must be a list of values");
          SweepAxis axis{a.key(), {}};
          for (const auto& x : a.value()) axis.values.push_back(scalarText(x, where + "." + a.key()));
          checkAxis(axis, where);
          g.axes.push_back(axis);
        }
      } else if (v.is_array()) {  // [{"param": ..., "values": [...]}]
        for (const auto& a : v) {
          if (!a.is_object() || !a.contains("param") || !a["param"].is_string() ||
              !a.contains("values") || !a["values"].is_array())
            throw CliError(where + ": each axis is {\"param\": NAME, \"values\": [...]}");
          SweepAxis axis{a["param"].get<std::string>(), {}};
          for (const auto& x : a["values"]) axis.values.push_back(scalarText(x, where + "." + axis.param));
          checkAxis(axis, where);
          g.axes.push_back(axis);
        }
      } else {
        throw CliError(where + " must be a list of axes or an object {param: [values]}");
      }
    } else {
      throw CliError(where + ": unknown key (command, args, set, axes, stats)");
    }
  }
  return g;
}

std::vector<std::string> splitCommaList(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t end; (end = text.find(',', start)) != std::string::npos; start = end + 1)
    out.push_back(text.substr(start, end - start));
  out.push_back(text.substr(start));
  return out;
}

const std::vector<std::string>& defaultSweepStats() {
  static const std::vector<std::string> stats = {
      "vtd.dma_requests",       "vtd.dma_bytes",           "vtd.iotlb_lookup",
      "vtd.iotlb_hit",          "vtd.iotlb_hit_rate",      "vtd.iotlb_misses_per_mib",
      "vtd.walks",              "vtd.walk_reads",          "vtd.memory_reads_per_4k",
      "vtd.walkers_busy_mean",  "sim.dma_phase_ns",        "device0.mean_latency_ns",
      "scenario.payload_gbps",
  };
  return stats;
}

}  // namespace vtd::app
