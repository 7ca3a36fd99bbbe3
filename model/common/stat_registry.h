// StatRegistry: every statistic by name (the counter's member name; VT-d perfmon event
// names where one exists), description and unit. Counters are plain uint64_t members
// incremented on the hot path; the registry only points at them, and derived values are
// computed when dumped. Output: JSON object and long-form CSV rows.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace vtd {

struct StatInfo {
  std::string name;
  std::string description;
  std::string unit;
  const uint64_t* counter = nullptr;   // plain counter, or
  std::function<double()> derived;     // a value computed at dump time
  double value() const { return counter ? double(*counter) : derived(); }
};

class StatRegistry {
 public:
  void addCounter(const std::string& name, const uint64_t& counter, const std::string& unit,
                  const std::string& description);
  void addDerived(const std::string& name, std::function<double()> f, const std::string& unit,
                  const std::string& description);

  const std::vector<StatInfo>& stats() const { return stats_; }
  const StatInfo* find(const std::string& name) const;
  double value(const std::string& name) const;  // throws std::out_of_range when unknown

  nlohmann::json toJson() const;  // {name: value}
  std::string describeMarkdown() const;

 private:
  std::vector<StatInfo> stats_;
};

inline double ratio(uint64_t num, uint64_t den) { return den ? double(num) / double(den) : 0.0; }

}  // namespace vtd
