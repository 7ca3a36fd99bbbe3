// SweepGrid: the parameter grid of `vtdsim sweep`. A grid has fixed settings (applied to
// every run) and axes (a parameter and its values); the runs are the cartesian product of
// the axes, the first axis varying slowest. It comes from a JSON file
//   {"command": "run", "args": [], "set": {"scenario.packets": 20000},
//    "axes": [{"param": "iotlb.entries", "values": [32, 64, 128]},
//             {"param": "scenario.leaf", "values": ["4k", "2m"]}],
//    "stats": ["vtd.iotlb_hit_rate"]}
// ("axes" may also be an object {param: [values]}, in file order), from --axis
// param=v1,v2,... and --set options, or both (the command line adds to the file). Every
// run's configuration is checked before anything starts, so a bad key or value is reported
// with the run it belongs to. Not here: running (sweep_runner.h).
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace vtd::app {

struct SweepAxis {
  std::string param;
  std::vector<std::string> values;  // as --set would take them
};

struct SweepGrid {
  std::string command = "run";      // the vtdsim subcommand each run is
  std::vector<std::string> args;    // its positional arguments (e.g. a trace file)
  std::vector<std::string> sets;    // fixed key=value settings, in order
  std::vector<SweepAxis> axes;
  std::vector<std::string> stats;   // statistics to put in the table (defaults when empty)

  size_t runs() const;
  // The axis values of run `index` (0 <= index < runs()), one per axis.
  std::vector<std::string> point(size_t index) const;
  // key=value settings of run `index`: the fixed ones, then the axes'.
  std::vector<std::string> settings(size_t index) const;
};

// Reads a grid file (JSON); CliError naming the file and the problem.
SweepGrid loadSweepGrid(const std::string& file);
// Parses "param=v1,v2,..." into an axis; CliError when malformed.
SweepAxis parseSweepAxis(const std::string& text);
// "a,b,c" -> {"a", "b", "c"} (empty items kept, so the caller can refuse them).
std::vector<std::string> splitCommaList(const std::string& text);
// The statistics a sweep table holds when the grid names none.
const std::vector<std::string>& defaultSweepStats();

}  // namespace vtd::app
