// `vtdsim sweep`: a parameter grid (sweep_grid.h), run in parallel child processes with a
// progress line, resumable, one CSV row per run (sweep_runner.h), then PNG plots of hit
// rate, throughput and IOTLB misses per MiB against the first axis, one line per
// combination of the other axes (scripts/sweep_plot.py, Debian's python3-matplotlib).
//   vtdsim sweep [--grid FILE] [--axis PARAM=V1,V2,...]... [--set KEY=VALUE]...
//                [--stats S1,S2,...] [--command run|replay|...] [--jobs N] [--out DIR]
//                [--fresh] [--no-plot] [ARGS for the command...]
// Runs of `vtdsim run` are checked before any starts (a bad key or value names its run);
// other commands check their own configuration, and the first refusal stops the sweep.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <thread>

#include "platform/app/cli.h"
#include "platform/app/sweep_grid.h"
#include "platform/app/sweep_runner.h"

namespace vtd::app {

int sweepCommand(int argc, char** argv, int first) {
  SweepGrid grid;
  std::vector<SweepAxis> axes;
  std::vector<std::string> sets, stats, args;
  std::string grid_file, command;
  SweepRunOptions run;
  run.out = "vtdsim-sweep";
  run.jobs = std::max(1u, std::thread::hardware_concurrency());
  bool plot = true;
  for (int i = first; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](const char* what) -> std::string {
      if (i + 1 >= argc) throw CliError(a + " needs " + what);
      return argv[++i];
    };
    if (a == "--grid") grid_file = value("a JSON file");
    else if (a == "--axis") axes.push_back(parseSweepAxis(value("param=v1,v2,...")));
    else if (a == "--set") sets.push_back(value("key=value"));
    else if (a == "--stats") stats = splitCommaList(value("a comma-separated list of statistics"));
    else if (a == "--command") command = value("a vtdsim command");
    else if (a == "--out") run.out = value("a folder");
    else if (a == "--fresh") run.fresh = true;
    else if (a == "--no-plot") plot = false;
    else if (a == "--jobs") {
      const std::string v = value("a number of processes");
      char* end = nullptr;
      const unsigned long n = std::strtoul(v.c_str(), &end, 10);
      if (v.empty() || *end || n == 0 || n > 1024) throw CliError("--jobs " + v + ": expected 1 to 1024");
      run.jobs = unsigned(n);
    } else if (!a.empty() && a[0] == '-') {
      throw CliError("sweep: unknown option '" + a + "'");
    } else {
      args.push_back(a);
    }
  }
  if (!grid_file.empty()) grid = loadSweepGrid(grid_file);
  if (!command.empty()) grid.command = command;
  grid.sets.insert(grid.sets.end(), sets.begin(), sets.end());
  grid.axes.insert(grid.axes.end(), axes.begin(), axes.end());
  grid.args.insert(grid.args.end(), args.begin(), args.end());
  if (!stats.empty()) grid.stats = stats;
  if (grid.axes.empty()) throw CliError("sweep: no axis (--axis PARAM=V1,V2,... or \"axes\" in --grid)");
  if (grid.command == "sweep" || grid.command == "serve")
    throw CliError("sweep: cannot sweep the '" + grid.command + "' command");
  for (size_t i = 0; i < grid.axes.size(); ++i)
    for (size_t j = 0; j < i; ++j)
      if (grid.axes[i].param == grid.axes[j].param)
        throw CliError("sweep: " + grid.axes[i].param + " is on two axes");

  // Every run of `vtdsim run` is checked here, before any starts.
  if (grid.command == "run") {
    for (size_t r = 0; r < grid.runs(); ++r) {
      CommonOptions o;
      o.sets = grid.settings(r);
      platform::SimConfig config;
      ParamRegistry registry;
      try {
        loadConfig(o, config, registry);
      } catch (const std::exception& e) {
        std::string point;
        for (size_t i = 0; i < grid.axes.size(); ++i)
          point += (i ? ", " : "") + grid.axes[i].param + "=" + grid.point(r)[i];
        throw ConfigError("sweep: run " + std::to_string(r) + " (" + point + "): " + e.what());
      }
    }
  }

  run.progress_tty = isatty(2);
  std::fprintf(stderr, "vtdsim sweep: %zu runs of `vtdsim %s`, %u at a time, into %s\n", grid.runs(),
               grid.command.c_str(), run.jobs, run.out.c_str());
  const SweepSummary s = runSweep(grid, run);
  const std::string csv = run.out + "/sweep.csv";
  std::printf("vtdsim sweep: %zu runs: %zu done now, %zu from before, %zu failed, in %.1f s; table %s\n",
              s.runs, s.ok, s.skipped, s.failed, s.seconds, csv.c_str());
  if (plot && s.ok + s.skipped > 0) {
    const std::string script = std::string(VTDSIM_SOURCE_DIR) + "/scripts/sweep_plot.py";
    const std::string cmd = plotInterpreter() + " '" + script + "' '" + csv + "' --out '" + run.out + "'";
    if (std::system(cmd.c_str()) != 0)
      std::fprintf(stderr, "vtdsim sweep: no plot (%s failed; the table is complete)\n", cmd.c_str());
  }
  if (s.config_error) return 2;
  return s.failed ? 1 : 0;
}

}  // namespace vtd::app
