// Run outputs.
#include "platform/run_output.h"

#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "model/common/stat_registry.h"

namespace vtd::platform {

namespace {
void writeFile(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path);
  if (!out) throw std::runtime_error("cannot write " + path.string());
  out << text;
  if (!out) throw std::runtime_error("error writing " + path.string());
}

std::string csvField(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += (c == '"') ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}
}  // namespace

void writeRunOutputs(const std::string& directory, const nlohmann::json& meta,
                     const nlohmann::json& config, const StatRegistry& stats) {
  std::filesystem::path dir(directory);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw std::runtime_error("cannot create output folder " + directory + ": " + ec.message());

  nlohmann::json all;
  all["meta"] = meta;
  all["config"] = config;
  all["stats"] = stats.toJson();
  writeFile(dir / "stats.json", all.dump(2) + "\n");
  writeFile(dir / "effective_config.json", config.dump(2) + "\n");

  std::ostringstream csv;
  csv << "stat,value,unit,description\n" << std::setprecision(12);
  for (const auto& s : stats.stats()) {
    if (s.histogram) {  // one row per bucket
      const std::vector<uint64_t> buckets = s.histogram();
      for (size_t i = 0; i < buckets.size(); ++i)
        csv << csvField(s.name + "[" + std::to_string(i) + "]") << "," << buckets[i] << ","
            << csvField(s.unit) << "," << csvField(s.description) << "\n";
      continue;
    }
    csv << csvField(s.name) << "," << s.value() << "," << csvField(s.unit) << ","
        << csvField(s.description) << "\n";
  }
  writeFile(dir / "stats.csv", csv.str());
}

std::string withThousands(uint64_t v) {
  std::string digits = std::to_string(v), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

}  // namespace vtd::platform
