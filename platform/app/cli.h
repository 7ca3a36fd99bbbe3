// Command-line plumbing shared by the vtdsim subcommands: the common options
// (--config FILE, --set key=value, --out DIR, --quiet) and loading the configuration they
// name into a SimConfig. Errors are ConfigError / CliError with a message naming the
// problem; main() prints it and exits non-zero.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "model/common/param_registry.h"
#include "platform/sim_config.h"

namespace vtd::app {

class CliError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct CommonOptions {
  std::string config_file;
  std::vector<std::string> sets;
  std::string out = "vtdsim-out";
  std::string record;  // run: also write the unit's trace here (--record FILE)
  bool quiet = false;
  std::vector<std::string> positional;
  bool check_scenario = true;  // false for commands that do not run the embedded scenario
};

// Parses argv[first..argc). Unknown options are a CliError naming them.
CommonOptions parseOptions(int argc, char** argv, int first);
// For commands that take no positional arguments: a CliError naming the first one.
void rejectPositional(const CommonOptions& options, const char* command);

// Applies --config then each --set (in order) onto `config`, then validates it.
void loadConfig(const CommonOptions& options, platform::SimConfig& config, ParamRegistry& registry);

int runCommand(const CommonOptions& options);
int benchCommand(const CommonOptions& options);
int describeCommand(const CommonOptions& options);
int calibrateCommand(const CommonOptions& options);
int studyCommand(const CommonOptions& options);
// `vtdsim record`: `run` with --record OUT/trace.vtdt unless --record says otherwise.
int recordCommand(const CommonOptions& options);
int replayCommand(const CommonOptions& options);
int curveCommand(const CommonOptions& options);
// `vtdsim trace convert|generate|info`: its own options.
int traceCommand(int argc, char** argv, int first);
// `vtdsim serve <QEMU options>`: its own parser (QEMU's single-dash options).
int serveCommand(int argc, char** argv, int first);
// `vtdsim sweep`: its own parser (--axis, --grid, --jobs, --stats, ...).
int sweepCommand(int argc, char** argv, int first);
// `vtdsim cosim`: a Linux guest in QEMU drives the model (its own options; docs/cosim.md).
int cosimCommand(int argc, char** argv, int first);

}  // namespace vtd::app
