// `vtdsim study [passthrough]`: the main job (`make run`). A KVM guest with an assigned
// 100 Gb/s NIC (8 queue pairs), its RAM mapped by the IOMMU with 4 KiB or with 2 MiB host
// leaves, across IOTLB sizes, next to the same workload with the IOMMU off (native) and
// with a pass-through context: how close does passthrough get to native, and what does
// each IOTLB size buy? Runs the grid through the sweep machinery (parallel child
// processes, always afresh: sweep_runner.h) into OUT/study-passthrough/{iommu,reference}, then
// prints the table, writes study.md (the table) and, through scripts/study_plot.py, the
// plot (study.png, and study.svg for docs/studies/). Each figure is the run's own
// statistic; "% of native" divides by the IOMMU-off run of the same workload.
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "platform/app/cli.h"
#include "platform/app/sweep_grid.h"
#include "platform/app/sweep_runner.h"

namespace vtd::app {

namespace {

namespace fs = std::filesystem;

// The study's workload: one VM with a 100 Gb/s NIC of 8 queue pairs, each queue's DMA
// engine a device of its own (its own requester id, as SR-IOV functions assigned to one
// VM would be; all in the VM's domain) paced to 12.5 Gb/s per direction, so 100 Gb/s each
// way together; 1,500-byte packets, half received into a Linux-style page pool, half sent
// from guest buffers placed at random in the VM's RAM.
const std::vector<std::string> kWorkload = {
    "scenario.workload=nic",  "scenario.devices_per_vm=8", "nic.line_gbps=12.5",
    "nic.rx_buffers=page_pool", "scenario.packets=20000",
};
const std::vector<std::string> kEntries = {"16",  "32",   "64",   "118",  "256",
                                           "512", "1024", "2048", "4096", "8192"};
const std::vector<std::string> kStats = {
    "scenario.payload_gbps", "vtd.iotlb_hit_rate", "vtd.iotlb_misses_per_mib",
    "vtd.walks", "vtd.memory_reads_per_4k", "vtd.walkers_busy_mean", "device0.mean_latency_ns",
};

using Row = std::map<std::string, std::string>;

double num(const Row& r, const std::string& k) {
  auto it = r.find(k);
  return it == r.end() || it->second.empty() ? std::nan("") : std::atof(it->second.c_str());
}

SweepGrid grid(std::vector<SweepAxis> axes) {
  SweepGrid g;
  g.sets = kWorkload;
  g.axes = std::move(axes);
  g.stats = kStats;
  return g;
}

}  // namespace

int studyCommand(const CommonOptions& options) {
  const std::string name = options.positional.empty() ? "passthrough" : options.positional[0];
  if (name != "passthrough" || options.positional.size() > 1)
    throw CliError("study: unknown study '" + name + "' (studies: passthrough)");
  if (!options.sets.empty() || !options.config_file.empty())
    throw CliError("study: the study fixes its own parameters (see docs/studies/passthrough.md); "
                   "for other grids use vtdsim sweep");
  const fs::path out = fs::path(options.out) / "study-passthrough";
  SweepRunOptions run;
  run.jobs = std::max(1u, std::thread::hardware_concurrency());
  run.progress_tty = isatty(2);
  run.fresh = true;  // a report of this build: never rows from an earlier one (7 s to redo)

  const SweepGrid iommu = grid({{"scenario.leaf", {"4k", "2m"}}, {"iotlb.entries", kEntries}});
  const SweepGrid reference = grid({{"scenario.iommu", {"off", "passthrough"}}});
  std::fprintf(stderr, "vtdsim study passthrough: %zu runs, %u at a time, into %s\n",
               iommu.runs() + reference.runs(), run.jobs, out.c_str());
  size_t failed = 0;
  for (const auto& [sub, g] : {std::pair<const char*, const SweepGrid*>{"reference", &reference},
                              {"iommu", &iommu}}) {
    run.out = (out / sub).string();
    failed += runSweep(*g, run).failed;
  }
  if (failed) throw std::runtime_error("study: " + std::to_string(failed) + " runs failed (logs under " + out.string() + ")");

  const std::vector<Row> ref = readSweepRows((out / "reference" / "sweep.csv").string());
  const std::vector<Row> rows = readSweepRows((out / "iommu" / "sweep.csv").string());
  double native = std::nan(""), pass = std::nan("");
  for (const Row& r : ref) (r.at("scenario.iommu") == "off" ? native : pass) = num(r, "scenario.payload_gbps");
  auto find = [&](const std::string& leaf, const std::string& entries) -> const Row* {
    for (const Row& r : rows)
      if (r.at("scenario.leaf") == leaf && r.at("iotlb.entries") == entries) return &r;
    return nullptr;
  };

  std::ostringstream md;
  char b[512];
  std::snprintf(b, sizeof b,
                "KVM guest, one assigned 100 Gb/s NIC with 8 queue pairs (8 DMA engines, each "
                "paced to 12.5 Gb/s per direction), 20,000 packets of 1,500 B per queue (half "
                "received into a page pool, half sent); payload throughput in simulated time, "
                "both directions together.\n"
                "IOMMU off (native): %.2f Gb/s; pass-through context: %.2f Gb/s (%.1f %% of native).\n\n",
                native, pass, 100 * pass / native);
  md << b;
  md << "| IOTLB entries | 4 KiB leaves: Gb/s | % of native | IOTLB hit % | misses/MiB | 2 MiB leaves: Gb/s | % of native | IOTLB hit % | misses/MiB |\n";
  md << "|---|---|---|---|---|---|---|---|---|\n";
  for (const std::string& e : kEntries) {
    md << "| " << e << (e == "118" ? " (default)" : "");
    for (const char* leaf : {"4k", "2m"}) {
      const Row* r = find(leaf, e);
      if (!r) {
        md << " | – | – | – | –";
        continue;
      }
      const double g = num(*r, "scenario.payload_gbps");
      std::snprintf(b, sizeof b, " | %.2f | %.1f | %.1f | %.1f", g, 100 * g / native,
                    100 * num(*r, "vtd.iotlb_hit_rate"), num(*r, "vtd.iotlb_misses_per_mib"));
      md << b;
    }
    md << " |\n";
  }
  std::printf("vtdsim study passthrough: how close does passthrough get to native, and what does "
              "each IOTLB size buy?\n\n%s\n", md.str().c_str());
  std::ofstream(out / "study.md") << md.str();

  const std::string script = std::string(VTDSIM_SOURCE_DIR) + "/scripts/study_plot.py";
  const std::string cmd = plotInterpreter() + " '" + script + "' '" + out.string() + "'";
  if (std::system(cmd.c_str()) != 0)
    std::fprintf(stderr, "vtdsim study: no plot (%s failed; the table is in %s)\n", cmd.c_str(),
                 (out / "study.md").c_str());
  std::printf("  wrote %s/{study.md,study.png,study.svg}; the runs are in %s/{iommu,reference}\n",
              out.c_str(), out.c_str());
  return 0;
}

}  // namespace vtd::app
