// Option parsing and configuration loading.
#include "platform/app/cli.h"

namespace vtd::app {

CommonOptions parseOptions(int argc, char** argv, int first) {
  CommonOptions o;
  for (int i = first; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](const char* what) -> std::string {
      if (i + 1 >= argc) throw CliError(a + " needs " + what);
      return argv[++i];
    };
    if (a == "--config") o.config_file = value("a file name");
    else if (a == "--set") o.sets.push_back(value("key=value"));
    else if (a.rfind("--set=", 0) == 0) o.sets.push_back(a.substr(6));
    else if (a == "--out") o.out = value("a folder");
    else if (a == "--record") o.record = value("a trace file name");
    else if (a == "--quiet" || a == "-q") o.quiet = true;
    else if (a.size() > 1 && a[0] == '-') throw CliError("unknown option '" + a + "'");  // "-": standard input
    else o.positional.push_back(a);
  }
  return o;
}

void rejectPositional(const CommonOptions& options, const char* command) {
  if (!options.positional.empty())
    throw CliError(std::string(command) + " takes no argument '" + options.positional[0] +
                   "' (configuration files go after --config)");
}

void loadConfig(const CommonOptions& options, platform::SimConfig& config, ParamRegistry& registry) {
  config.describe(registry);
  if (!options.config_file.empty()) registry.loadFile(options.config_file);
  for (const auto& s : options.sets) registry.setOverride(s);
  if (options.check_scenario) config.fitPlatformToScenario();
  const auto errors = config.validate(options.check_scenario);
  if (!errors.empty()) {
    std::string text = "invalid configuration:";
    for (auto& e : errors) text += "\n  " + e;
    throw ConfigError(text);
  }
}

}  // namespace vtd::app
