// StatRegistry: naming, lookup and dumping of statistics.
#include "model/common/stat_registry.h"

#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace vtd {

void StatRegistry::addCounter(const std::string& name, const uint64_t& counter, const std::string& unit,
                              const std::string& description) {
  if (find(name)) throw std::logic_error("statistic registered twice: " + name);
  stats_.push_back(StatInfo{name, description, unit, &counter, {}});
}

void StatRegistry::addDerived(const std::string& name, std::function<double()> f,
                              const std::string& unit, const std::string& description) {
  if (find(name)) throw std::logic_error("statistic registered twice: " + name);
  stats_.push_back(StatInfo{name, description, unit, nullptr, std::move(f)});
}

const StatInfo* StatRegistry::find(const std::string& name) const {
  for (auto& s : stats_)
    if (s.name == name) return &s;
  return nullptr;
}

double StatRegistry::value(const std::string& name) const {
  const StatInfo* s = find(name);
  if (!s) throw std::out_of_range("unknown statistic '" + name + "'");
  return s->value();
}

nlohmann::json StatRegistry::toJson() const {
  nlohmann::json j = nlohmann::json::object();
  for (auto& s : stats_) {
    if (s.counter)
      j[s.name] = *s.counter;
    else
      j[s.name] = s.derived();
  }
  return j;
}

std::string StatRegistry::describeMarkdown() const {
  std::ostringstream out;
  out << "| statistic | unit | kind | description |\n|---|---|---|---|\n";
  for (auto& s : stats_)
    out << "| `" << s.name << "` | " << s.unit << " | " << (s.counter ? "counter" : "derived")
        << " | " << s.description << " |\n";
  return out.str();
}

}  // namespace vtd
