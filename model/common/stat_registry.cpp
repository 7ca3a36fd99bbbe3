// StatRegistry: naming, lookup and dumping of statistics.
#include "model/common/stat_registry.h"

#include <sstream>
#include <stdexcept>
#include <vector>

#include <nlohmann/json.hpp>

namespace vtd {

void StatRegistry::addCounter(const std::string& name, const uint64_t& counter, const std::string& unit,
                              const std::string& description) {
  if (find(name)) throw std::logic_error("statistic registered twice: " + name);
  stats_.push_back(StatInfo{name, description, unit, &counter, {}, {}, 0});
}

void StatRegistry::addDerived(const std::string& name, std::function<double()> f,
                              const std::string& unit, const std::string& description) {
  if (find(name)) throw std::logic_error("statistic registered twice: " + name);
  stats_.push_back(StatInfo{name, description, unit, nullptr, std::move(f), {}, 0});
}

void StatRegistry::addHistogram(const std::string& name, size_t bucket_count,
                                std::function<std::vector<uint64_t>()> buckets,
                                const std::string& unit, const std::string& description) {
  if (find(name)) throw std::logic_error("statistic registered twice: " + name);
  stats_.push_back(StatInfo{name, description, unit, nullptr, {}, std::move(buckets), bucket_count});
}

double StatInfo::value() const {
  if (counter) return double(*counter);
  if (!histogram) return derived();
  const std::vector<uint64_t> b = histogram();
  double samples = 0, sum = 0;
  for (size_t i = 0; i < b.size(); ++i) samples += double(b[i]), sum += double(i) * double(b[i]);
  return samples ? sum / samples : 0.0;
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
    else if (s.histogram)
      j[s.name] = s.histogram();
    else
      j[s.name] = s.derived();
  }
  return j;
}

std::string StatRegistry::describeMarkdown() const {
  std::ostringstream out;
  out << "| statistic | unit | kind | description |\n|---|---|---|---|\n";
  for (auto& s : stats_) {
    out << "| `" << s.name << "` | " << s.unit << " | " << s.kind();
    if (s.histogram) out << " 0.." << s.bucket_count - 1;
    out << " | " << s.description << " |\n";
  }
  return out.str();
}

}  // namespace vtd
