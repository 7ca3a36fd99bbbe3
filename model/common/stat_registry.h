// StatRegistry: every statistic by name (the counter's member name; VT-d perfmon event
// names where one exists), description and unit. Counters are plain uint64_t members
// incremented on the hot path; the registry only points at them, and derived values are
// computed when dumped. A histogram is computed when dumped too, as its bucket counts
// (bucket i counts samples of value i). Output: JSON object (a histogram as an array of its
// buckets) and long-form CSV rows (one per bucket, named name[i]).
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
  std::function<double()> derived;     // a value computed at dump time, or
  std::function<std::vector<uint64_t>()> histogram;  // bucket counts computed at dump time
  size_t bucket_count = 0;
  // A histogram's value is the mean of its samples (0 when empty).
  double value() const;
  const char* kind() const { return counter ? "counter" : histogram ? "histogram" : "derived"; }
};

class StatRegistry {
 public:
  void addCounter(const std::string& name, const uint64_t& counter, const std::string& unit,
                  const std::string& description);
  void addDerived(const std::string& name, std::function<double()> f, const std::string& unit,
                  const std::string& description);
  void addHistogram(const std::string& name, size_t bucket_count,
                    std::function<std::vector<uint64_t>()> buckets, const std::string& unit,
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
