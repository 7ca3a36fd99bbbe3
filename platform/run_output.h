// Run outputs: stats.json (meta + effective configuration + every statistic), stats.csv
// (long form: one statistic per line), effective_config.json, and the summary table.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace vtd {
class StatRegistry;
}

namespace vtd::platform {

// Writes the three files into `directory` (created if needed). Throws std::runtime_error
// naming the file when one cannot be written.
void writeRunOutputs(const std::string& directory, const nlohmann::json& meta,
                     const nlohmann::json& config, const StatRegistry& stats);

// "12,345,678" for counts in summaries.
std::string withThousands(uint64_t v);

}  // namespace vtd::platform
