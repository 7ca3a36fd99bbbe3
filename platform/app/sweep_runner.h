// SweepRunner: runs the points of a SweepGrid as child processes of this same executable
// (`vtdsim <command> <args> --quiet --out DIR/runs/<n> --set ...`), `jobs` at a time, and
// keeps DIR/sweep.csv: one row per finished run (run number, the axis values, status, host
// seconds, then the chosen statistics from the run's stats.json and throughput_gbps =
// vtd.dma_bytes x 8 / sim.dma_phase_ns). Rows are appended as runs finish, so an
// interrupted sweep keeps what it did: started again with the same grid it skips every run
// with an "ok" row (DIR/sweep_grid.json records the grid and the executable's size and
// time; another grid, or rows of another build, in the same folder are refused unless
// --fresh). A progress line on stderr shows runs done, running, failed,
// elapsed time and an estimate of the time left. A child's output goes to
// DIR/runs/<n>/log.txt; a failed run is reported with the end of its log. Not here: plots
// (scripts/sweep_plot.py, called by the command).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "platform/app/sweep_grid.h"

namespace vtd::app {

struct SweepRunOptions {
  unsigned jobs = 1;
  std::string out;
  bool fresh = false;        // forget earlier rows in `out`
  bool progress_tty = true;  // redraw one progress line (else one line per finished run)
};

struct SweepSummary {
  size_t runs = 0, skipped = 0, ok = 0, failed = 0;
  bool config_error = false;  // a child refused its configuration (exit status 2)
  double seconds = 0;
};

SweepSummary runSweep(const SweepGrid& grid, const SweepRunOptions& options);

// A sweep table's "ok" rows as column -> value maps (for the commands that report on a
// sweep: study_command.cpp).
std::vector<std::map<std::string, std::string>> readSweepRows(const std::string& csv_file);
// The interpreter for the plot scripts: Debian's matplotlib belongs to the system python3;
// another python3 earlier on PATH (a virtualenv, pyenv) may not have it.
std::string plotInterpreter();

}  // namespace vtd::app
