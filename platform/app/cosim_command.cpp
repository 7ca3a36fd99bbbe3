// `vtdsim cosim`: a real Linux guest drives the model. Starts Debian's qemu-system-x86_64
// (TCG, or KVM where /dev/kvm is usable) with guest RAM in a shared memfd, the unit's
// register block on one x-pci-proxy-dev function (00:03.0) and ring DMA engines on others
// (00:04.0, ...), all served here (platform/cosim/), and a DMAR table pointing the guest's
// intel-iommu driver at the register BAR. A first short QEMU run only learns where the
// firmware places that BAR (the table must name it before boot). The guest (kernel and
// initramfs from Debian packages, scripts/cosim-guest.sh, cached outside the repository)
// binds the engine to vfio-pci and runs platform/cosim/guest/vtdsim_guest.c, or (--driver
// kmod) loads the engine's kernel driver platform/cosim/guest/kmod/vtdsim_ring.c.
//   vtdsim cosim [--out DIR] [--driver vfio|kmod] [--guest-args A,B,...] [--strict] [--hugepages]
//                [--ram-mib N] [--rings N] [--profile qemu-7.2|vtdsim] [--set K=V]...
//                [--config F] [--kernel F --initrd F] [--append TEXT] [--accel auto|tcg|kvm]
//                [--timeout S] [--console] [--quiet]
// Writes stats.json/stats.csv/effective_config.json, console.log, sequence.log (register
// writes and queued invalidation descriptors), checker.log and dmar.bin into --out.
// Exit status: 0 when the guest tool reports PASS, 77 when no guest image can be built
// (no Debian mirror), 1 otherwise.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>

#include "model/common/stat_registry.h"
#include "model/registers/register_table.h"
#include "platform/app/cli.h"
#include "platform/app/cosim_options.h"
#include "platform/app/sweep_runner.h"
#include "platform/cosim/cosim_machine.h"
#include "platform/cosim/cosim_session.h"
#include "platform/cosim/dmar_table.h"
#include "platform/cosim/proxy_functions.h"
#include "platform/cosim/qemu_process.h"
#include "platform/run_output.h"
#include "platform/serve/iommu_profile.h"

namespace vtd::app {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kUnavailable = 77;  // the guest image cannot be had (ctest: skipped)

std::string guestCacheDir() {
  if (const char* c = std::getenv("VTDSIM_GUEST_CACHE")) return c;
  if (const char* x = std::getenv("XDG_CACHE_HOME")) return std::string(x) + "/vtdsim/guest";
  const char* home = std::getenv("HOME");
  return std::string(home ? home : "/tmp") + "/.cache/vtdsim/guest";
}

std::string readFirstLine(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

// Builds (or finds current) the Debian guest; kUnavailable when the kernel package
// cannot be had.
int ensureGuestImage(bool quiet) {
  const std::string script = std::string(VTDSIM_SOURCE_DIR) + "/scripts/cosim-guest.sh";
  if (!fs::exists(script)) {
    std::cerr << "vtdsim cosim: " << script << " is missing (the guest image builder)\n";
    return 1;
  }
  if (!quiet) std::cout << "vtdsim cosim: guest image (" << guestCacheDir() << ")\n" << std::flush;
  const int status = std::system(("'" + script + "' >/dev/null").c_str());  // progress on stderr
  if (status == -1 || !WIFEXITED(status)) return 1;
  return WEXITSTATUS(status);
}

bool kvmUsable() { return access("/dev/kvm", R_OK | W_OK) == 0; }

// Records register writes and queued descriptors as text, one per line.
class SequenceFile : public platform::CosimMachine::SequenceObserver {
 public:
  explicit SequenceFile(const std::string& path) : out_(path) {
    if (!out_) throw CliError("cannot write " + path);
  }
  void registerWrite(uint64_t offset, unsigned size, uint64_t value) override {
    char b[96];
    std::snprintf(b, sizeof b, "reg_write 0x%03llx %u 0x%llx\n", (unsigned long long)offset, size,
                  (unsigned long long)value);
    out_ << b;
    ++writes;
  }
  void invalidationDescriptor(uint64_t lo, uint64_t hi) override {
    char b[96];
    std::snprintf(b, sizeof b, "inv_desc 0x%016llx 0x%016llx\n", (unsigned long long)lo, (unsigned long long)hi);
    out_ << b;
    ++descriptors;
  }
  void close() { out_.close(); }
  uint64_t writes = 0, descriptors = 0;

 private:
  std::ofstream out_;
};

// The console lines that mark the guest's progress, and when they came.
struct GuestProgress {
  std::optional<Clock::time_point> init, tool_start, result_at;
  std::string result;  // "PASS" or "FAIL <reason>"
};

std::string secondsText(std::optional<Clock::time_point> t, Clock::time_point from) {
  if (!t) return "-";
  char b[32];
  std::snprintf(b, sizeof b, "%.2f s", std::chrono::duration<double>(*t - from).count());
  return b;
}

double seconds(std::optional<Clock::time_point> t, Clock::time_point from) {
  return t ? std::chrono::duration<double>(*t - from).count() : -1.0;
}

// One boot of the guest: QEMU started, served until it ends, its console scanned.
struct GuestRun {
  cosim::SessionEnd end;
  GuestProgress progress;
  Clock::time_point start, finish;
  pid_t pid = 0;
  double seconds() const { return std::chrono::duration<double>(finish - start).count(); }
};

GuestRun runGuest(cosim::CosimSession& session, const std::vector<std::string>& argv, const std::string& console_path,
                  const CosimOptions& o, const std::string& label) {
  GuestRun run;
  std::ofstream console(console_path);
  session.onConsoleLine = [&](const std::string& line, Clock::time_point at) {
    console << line << "\n";
    // Ours: the tool's and /init's lines, and the module's (kernel messages: after a time stamp).
    const bool ours = line.find("VTDSIM-") != std::string::npos;
    if (!o.shell && (o.console || (ours && !o.quiet))) std::cout << "  " << label << "| " << line << "\n" << std::flush;
    GuestProgress& p = run.progress;
    // A kernel message may share the console line (the serial port interleaves them), so
    // the markers are found anywhere in it.
    if (line.find("VTDSIM-INIT") != std::string::npos && !p.init) p.init = at;
    if (line.find("VTDSIM-GUEST start") != std::string::npos && !p.tool_start) p.tool_start = at;
    if (const size_t r = line.find("VTDSIM-GUEST RESULT "); r != std::string::npos) {
      p.result = line.substr(r + 20);
      p.result_at = at;
    }
  };
  if (o.shell)
    session.onConsoleBytes = [](const char* b, size_t n) {
      std::cout.write(b, std::streamsize(n));
      std::cout.flush();
    };
  run.start = Clock::now();
  cosim::QemuProcess qemu(argv, session.qemuFds(), o.shell);
  session.closeQemuEnds();
  run.pid = qemu.pid();
  if (!o.quiet) std::cout << "vtdsim cosim: " << label << ": QEMU pid " << qemu.pid() << "\n" << std::flush;
  run.end = session.serve(qemu, run.start + std::chrono::milliseconds(int64_t(o.timeout_s * 1000)));
  run.finish = Clock::now();
  session.onConsoleLine = nullptr;
  session.onConsoleBytes = nullptr;
  return run;
}

}  // namespace

int cosimCommand(int argc, char** argv, int first) {
  const CosimOptions o = parseCosimOptions(argc, argv, first);
  fs::create_directories(o.out);

  // The model: the profile's unit, the driver checker on (its findings are what real
  // hardware never reports), RAM the size of the guest's.
  ParamRegistry registry;
  platform::SimConfig config;
  serve::ServeOptions profile;
  profile.profile = o.profile;
  profile.iommu = true;
  profile.iommu_properties.push_back({"intremap", "off"});  // the proxy carries no interrupts
  std::string error;
  if (!serve::applyIommuProfile(profile, config.unit.unit, error)) throw CliError("cosim: " + error);
  config.memory.size_mib = o.ram_mib;
  config.unit.checker.stale = true;
  config.unit.checker.ordering = true;
  config.unit.checker.log = (fs::path(o.out) / "checker.log").string();
  CommonOptions common;
  common.config_file = o.config_file;
  common.sets = o.sets;
  common.check_scenario = false;
  loadConfig(common, config, registry);
  if (config.memory.size_mib != o.ram_mib)
    throw CliError("cosim: memory.size_mib follows --ram-mib (the guest's RAM); set --ram-mib instead");

  std::string kernel = o.kernel, initrd = o.initrd;
  if (kernel.empty()) {
    const int rc = ensureGuestImage(o.quiet);
    if (rc == kUnavailable) {
      std::cerr << "vtdsim cosim: no guest image: the Debian kernel package cannot be downloaded here\n";
      return kUnavailable;
    }
    if (rc != 0) throw CliError("cosim: building the guest image failed (scripts/cosim-guest.sh)");
    kernel = guestCacheDir() + "/vmlinuz";
    initrd = guestCacheDir() + "/initramfs.cpio.gz";
  }
  for (const std::string& f : {kernel, initrd})
    if (!fs::exists(f)) throw CliError("cosim: " + f + " does not exist");

  const bool kvm = o.accel == "kvm" || (o.accel == "auto" && kvmUsable());
  platform::CosimLayout layout;
  layout.ring_devfns.clear();
  for (unsigned i = 0; i < o.rings; ++i) layout.ring_devfns.push_back(uint8_t((4 + i) << 3));

  cosim::GuestRam ram;  // before the machine, whose memory uses its bytes until the end
  platform::CosimMachine machine("cosim", config, layout);
  sc_core::sc_start(sc_core::SC_ZERO_TIME);  // elaboration

  // intremap=off also keeps the DMAR registers unmapped until PCI has claimed the BAR, so
  // the kernel never moves it away from the address the table names. A reference run on
  // QEMU's unit makes the same calls, but the engine there moves no data.
  auto kernelCmdline = [&](bool reference) {
    std::string line = "console=ttyS0 intel_iommu=on intremap=off panic=-1";
    if (o.strict) line += " iommu.strict=1";
    if (o.driver == "kmod") {
      // The engine's kernel driver (DMA API) instead of the VFIO tool; its parameters.
      line += " vtdsim.kmod=" + (o.guest_args.empty() ? std::string("dma_mib=16") : o.guest_args);
    } else {
      std::vector<std::string> args;
      if (!o.guest_args.empty()) args.push_back(o.guest_args);
      if (o.hugepages) args.push_back("--hugepages");
      if (reference) args.push_back("--no-dma-check");
      std::string joined;
      for (const std::string& a : args) joined += (joined.empty() ? "" : ",") + a;
      line += " vtdsim.args=" + (joined.empty() ? std::string("--ram-mib,64") : joined);
    }
    if (o.shell) line = line.substr(0, line.find(" vtdsim."));  // /init then starts a shell
    if (!o.append.empty()) line += " " + o.append;
    return line;
  };
  const std::string cmdline = kernelCmdline(false);

  // `before` goes ahead of the proxied functions (QEMU wants its vIOMMU created first).
  auto qemuArgs = [&](const cosim::CosimSession& s, const std::string& dmar, const std::vector<std::string>& before,
                      const std::string& append) {
    const std::string mib = std::to_string(o.ram_mib) + "M";
    std::vector<std::string> a = {o.qemu, "-machine", "q35,memory-backend=ram0", "-accel", kvm ? "kvm" : "tcg",
                                  "-cpu", kvm ? "host" : "max", "-smp", "1", "-m", mib,
                                  "-object", "memory-backend-memfd,id=ram0,size=" + mib + ",share=on",
                                  "-nodefaults", "-no-user-config", "-display", "none", "-vga", "none",
                                  "-serial", "stdio", "-monitor", "none", "-no-reboot"};
    a.insert(a.end(), before.begin(), before.end());
    for (const std::string& d : s.qemuDeviceArgs()) a.push_back(d);
    if (!dmar.empty()) {
      a.push_back("-acpitable");
      a.push_back("file=" + dmar);
    }
    for (const std::string& x : {std::string("-kernel"), kernel, std::string("-initrd"), initrd,
                                 std::string("-append"), append})
      a.push_back(x);
    return a;
  };

  // Pass 1: where does the firmware place BAR0 of the register function?
  const auto start = Clock::now();
  uint64_t bar = 0;
  {
    cosim::PlaceholderFunction vtd_placeholder(machine.vtdConfig());
    std::vector<std::unique_ptr<cosim::PlaceholderFunction>> ring_placeholders;
    std::vector<cosim::ProxySlot> slots{{"vtd0", layout.vtd_devfn, &vtd_placeholder}};
    for (size_t i = 0; i < machine.rings.size(); ++i) {
      ring_placeholders.push_back(std::make_unique<cosim::PlaceholderFunction>(machine.rings[i]->config()));
      slots.push_back({"ring" + std::to_string(i), layout.ring_devfns[i], ring_placeholders.back().get()});
    }
    cosim::CosimSession probe(slots, nullptr);
    cosim::QemuProcess qemu(qemuArgs(probe, "", {}, cmdline), probe.qemuFds());
    probe.closeQemuEnds();
    probe.stopWhen = [&] {
      for (const auto& r : ring_placeholders)
        if (!r->placedBar()) return false;
      return vtd_placeholder.placedBar() != 0;
    };
    const cosim::SessionEnd end =
        probe.serve(qemu, Clock::now() + std::chrono::milliseconds(int64_t(std::min(60.0, o.timeout_s) * 1000)));
    if (!end.stopped)
      throw CliError("cosim: the firmware never placed the register BAR (" +
                     (end.error.empty() ? std::string(end.timed_out ? "timed out" : "QEMU exited") : end.error) + ")");
    bar = vtd_placeholder.placedBar();
  }
  const auto probe_done = Clock::now();

  cosim::DmarTableSpec spec;
  spec.host_address_width = config.unit.unit.haw_bits;
  spec.register_base = bar;
  spec.register_pages = (machine.vtd.model().registerBlockSize() + 4095) / 4096;
  spec.scope_devfns = layout.ring_devfns;
  const std::vector<uint8_t> dmar = cosim::buildDmarTable(spec);
  const std::string dmar_path = (fs::path(o.out) / "dmar.bin").string();
  std::ofstream(dmar_path, std::ios::binary).write(reinterpret_cast<const char*>(dmar.data()), std::streamsize(dmar.size()));

  // Pass 2: the run.
  SequenceFile sequence((fs::path(o.out) / "sequence.log").string());
  machine.setSequenceObserver(&sequence);
  // The fault event cannot reach the guest (no interrupts through the proxy): say here
  // what its fault handler would have read.
  machine.events.onMessage = [&](uint64_t address, uint32_t data) {
    const uint32_t fsts = uint32_t(machine.vtd.model().peekRegister(R_FSTS));
    std::fprintf(stderr, "vtdsim cosim: event message 0x%llx data 0x%x (FSTS 0x%x), not delivered to the guest\n",
                 (unsigned long long)address, data, fsts);
    for (const std::string& r : machine.pendingFaultRecords()) std::fprintf(stderr, "vtdsim cosim:   %s\n", r.c_str());
  };
  cosim::VtdRegisterFunction vtd_function(machine);
  std::vector<std::unique_ptr<cosim::RingEngineFunction>> ring_functions;
  std::vector<cosim::ProxySlot> slots{{"vtd0", layout.vtd_devfn, &vtd_function}};
  for (size_t i = 0; i < machine.rings.size(); ++i) {
    ring_functions.push_back(std::make_unique<cosim::RingEngineFunction>(machine, i));
    slots.push_back({"ring" + std::to_string(i), layout.ring_devfns[i], ring_functions.back().get()});
  }
  cosim::CosimSession session(slots, &ram);
  session.onRamMapped = [&] { machine.attachGuestRam(ram.bytes(), ram.size()); };
  // Work a guest access left running (beyond CosimLayout::access_budget: a batch of 32
  // descriptors of 256 KiB takes about 3 ms of the 100) goes on in slices between
  // accesses, so a ring of 65536 descriptors of 16 MiB cannot hold QEMU's vCPU.
  session.background = [&] { return machine.runBackground(sc_core::sc_time(1, sc_core::SC_MS)); };
  if (!o.quiet)
    std::cout << "vtdsim cosim: " << (kvm ? "kvm" : "tcg") << ", register BAR 0x" << std::hex << bar << std::dec << ", "
              << o.rings << " ring engine(s), guest RAM " << o.ram_mib << " MiB\n" << std::flush;
  const GuestRun run = runGuest(session, qemuArgs(session, dmar_path, {}, cmdline),
                                (fs::path(o.out) / "console.log").string(), o, "vtdsim");
  const cosim::SessionEnd& end = run.end;
  const GuestProgress& progress = run.progress;
  const auto run_start = run.start, run_end = run.finish;

  // The BAR must still be where the DMAR table says: a moved BAR means the driver talked
  // to nothing.
  const uint64_t bar_now = machine.vtdConfig().peek(0x10, 4) & ~0xFull;

  // The same guest and workload on QEMU's own intel-iommu, traced, then compared.
  machine.setSequenceObserver(nullptr);
  sequence.close();  // complete on disk: the comparison reads it
  std::optional<GuestRun> peer;
  std::string comparison;
  if (o.peer_qemu) {
    const fs::path dir = fs::path(o.out) / "qemu-peer";
    fs::create_directories(dir);
    const std::string trace = (dir / "vtd-trace.log").string();
    fs::remove(trace);  // QEMU appends to an existing trace file
    std::vector<std::unique_ptr<cosim::PlaceholderFunction>> placeholders;
    std::vector<cosim::ProxySlot> peer_slots;
    for (size_t i = 0; i < machine.rings.size(); ++i) {
      placeholders.push_back(std::make_unique<cosim::PlaceholderFunction>(machine.rings[i]->config()));
      peer_slots.push_back({"ring" + std::to_string(i), layout.ring_devfns[i], placeholders.back().get()});
    }
    cosim::CosimSession peer_session(peer_slots, nullptr);
    const std::vector<std::string> before = {"-device", "intel-iommu,intremap=off", "-trace", "enable=vtd_reg_write",
                                             "-trace", "enable=vtd_inv_desc", "-D", trace, "-msg", "timestamp=on"};
    peer = runGuest(peer_session, qemuArgs(peer_session, "", before, kernelCmdline(true)),
                    (dir / "console.log").string(), o, "qemu-vtd");
    const std::string script = std::string(VTDSIM_SOURCE_DIR) + "/scripts/cosim_compare.py";
    const fs::path report = fs::path(o.out) / "comparison.md", summary = fs::path(o.out) / "comparison.json";
    const std::string cmd = plotInterpreter() + " '" + script + "' '" + (fs::path(o.out) / "sequence.log").string() +
                            "' '" + trace + "' --out '" + report.string() + "' --json '" + summary.string() + "'";
    if (std::system(cmd.c_str()) != 0) {
      comparison = "the comparison script failed (" + script + ")";
    } else {
      try {
        const nlohmann::json j = nlohmann::json::parse(std::ifstream(summary));
        comparison = j.at("verdict").get<std::string>() + ", " + std::to_string(j.at("matching_events").get<int>()) +
                     " of " + std::to_string(j.at("vtdsim").at("events").get<int>()) + " | " +
                     std::to_string(j.at("qemu").at("events").get<int>()) + " events match (" + report.string() + ")";
      } catch (const std::exception& e) {
        comparison = "unreadable comparison summary " + summary.string() + ": " + e.what();
      }
    }
  }

  StatRegistry stats;
  machine.describeStats(stats);
  const cosim::SessionCounts& c = session.counts();
  nlohmann::json meta = {
      {"command", "cosim"},
      {"qemu_pid", run.pid},
      {"accel", kvm ? "kvm" : "tcg"},
      {"kernel", kernel},
      {"kernel_version", readFirstLine(fs::path(kernel).parent_path() / "kernel-version")},
      {"kernel_cmdline", cmdline},
      {"register_bar", bar},
      {"register_bar_at_end", bar_now},
      {"probe_seconds", std::chrono::duration<double>(probe_done - start).count()},
      {"boot_to_init_seconds", seconds(progress.init, run_start)},
      {"boot_to_workload_seconds", seconds(progress.tool_start, run_start)},
      {"workload_seconds", progress.tool_start && progress.result_at
                                  ? std::chrono::duration<double>(*progress.result_at - *progress.tool_start).count()
                                  : -1.0},
      {"run_seconds", std::chrono::duration<double>(run_end - run_start).count()},
      {"total_seconds", std::chrono::duration<double>(run_end - start).count()},
      {"guest_result", progress.result},
      {"qemu_exit_code", end.qemu_exit_code},
      {"timed_out", end.timed_out},
      {"error", end.error},
      {"simulated_ps", machine.simulatedPs()},
      {"mmio_reads", c.bar_reads},
      {"mmio_writes", c.bar_writes},
      {"config_accesses", c.config_accesses},
      {"sysmem_syncs", c.sysmem_syncs},
      {"mmio_service_ns", c.bar_ns},
      {"sequence_register_writes", sequence.writes},
      {"sequence_invalidation_descriptors", sequence.descriptors},
      {"event_messages", machine.events.messages()},
      {"strict", o.strict},
      {"hugepages", o.hugepages},
  };
  if (peer) {
    meta["peer_qemu"] = {{"boot_to_workload_seconds", seconds(peer->progress.tool_start, peer->start)},
                         {"boot_to_init_seconds", seconds(peer->progress.init, peer->start)},
                         {"run_seconds", peer->seconds()},
                         {"guest_result", peer->progress.result},
                         {"comparison", comparison}};
  }
  nlohmann::json cfg = registry.toJson();
  platform::writeRunOutputs(o.out, meta, cfg, stats);

  if (!o.quiet) {
    auto v = [&](const char* n) { return uint64_t(stats.value(n)); };
    auto pct = [](uint64_t a, uint64_t b) { return b ? 100.0 * double(a) / double(b) : 0.0; };
    std::printf("\nvtdsim cosim: %s, %s\n", readFirstLine(fs::path(kernel).parent_path() / "kernel-version").c_str(),
                progress.result.empty() ? "no result from the guest tool" : ("guest tool " + progress.result).c_str());
    std::printf("  wall time       probe %.2f s; QEMU start -> init %s, -> workload %s, -> end %.2f s\n",
                std::chrono::duration<double>(probe_done - start).count(), secondsText(progress.init, run_start).c_str(),
                secondsText(progress.tool_start, run_start).c_str(),
                std::chrono::duration<double>(run_end - run_start).count());
    std::printf("  guest accesses  %llu register reads, %llu writes (%llu invalidation descriptors queued); "
                "%llu ring accesses\n",
                (unsigned long long)v("cosim.register_reads"), (unsigned long long)v("cosim.register_writes"),
                (unsigned long long)sequence.descriptors, (unsigned long long)v("cosim.ring_accesses"));
    std::printf("  translation     %llu lookups, IOTLB hit %.1f %%, %llu walks (%llu entry reads), context hit %.1f %%\n",
                (unsigned long long)v("vtd.iotlb_lookup"), pct(v("vtd.iotlb_hit"), v("vtd.iotlb_lookup")),
                (unsigned long long)v("vtd.walks"), (unsigned long long)v("vtd.walk_reads"),
                pct(v("vtd.ctxt_cache_hit"), v("vtd.ctxt_cache_lookup")));
    // What the engines moved in simulated time, and what the walk caches held.
    uint64_t bytes = 0, busy_ps = 0;
    for (const auto& ring : machine.rings) {
      bytes += ring->stats().bytes_read + ring->stats().bytes_written;
      busy_ps = std::max(busy_ps, ring->stats().busy_ps);
    }
    std::printf("  DMA             %.1f MiB in %.3f ms simulated (%.2f GB/s), %.1f IOTLB misses per MiB; "
                "PSC fills PML4E/PDPE/PDE %llu/%llu/%llu\n",
                double(bytes) / (1 << 20), double(busy_ps) / 1e9, busy_ps ? double(bytes) * 1000.0 / double(busy_ps) : 0.0,
                bytes ? double(v("vtd.iotlb_lookup") - v("vtd.iotlb_hit")) * double(1 << 20) / double(bytes) : 0.0,
                (unsigned long long)v("vtd.psc_fill_pml4e"), (unsigned long long)v("vtd.psc_fill_pdpe"),
                (unsigned long long)v("vtd.psc_fill_pde"));
    std::printf("  invalidations   context g/d/dev %llu/%llu/%llu, IOTLB g/d/page %llu/%llu/%llu, waits %llu\n",
                (unsigned long long)v("vtd.inv_context_global"), (unsigned long long)v("vtd.inv_context_domain"),
                (unsigned long long)v("vtd.inv_context_device"), (unsigned long long)v("vtd.inv_iotlb_global"),
                (unsigned long long)v("vtd.inv_iotlb_domain"), (unsigned long long)v("vtd.inv_iotlb_page"),
                (unsigned long long)v("vtd.inv_desc_wait"));
    std::string reasons;
    for (const auto& s : stats.stats())
      if (s.name.rfind("vtd.fault_reason_", 0) == 0 && s.value() > 0)
        reasons += " " + s.name.substr(17) + "x" + std::to_string(uint64_t(s.value()));
    std::printf("  faults          %llu (recorded %llu)%s\n", (unsigned long long)v("vtd.faults"),
                (unsigned long long)v("vtd.faults_recorded"), reasons.empty() ? "" : (", reasons" + reasons).c_str());
    for (const std::string& r : machine.pendingFaultRecords()) std::printf("                  %s\n", r.c_str());
    if (peer) {
      const double ours = seconds(progress.tool_start, run_start), theirs = seconds(peer->progress.tool_start, peer->start);
      std::printf("  QEMU's VT-d     boot to workload %s (vtdsim %s: %.2fx), guest tool %s\n",
                  secondsText(peer->progress.tool_start, peer->start).c_str(),
                  secondsText(progress.tool_start, run_start).c_str(), theirs > 0 ? ours / theirs : 0.0,
                  peer->progress.result.empty() ? "-" : peer->progress.result.c_str());
      std::printf("  sequences       %s\n", comparison.c_str());
    }
    std::printf("  outputs         %s/{stats.json,console.log,sequence.log,checker.log}\n", o.out.c_str());
  }
  if (!end.error.empty()) std::cerr << "vtdsim cosim: " << end.error << "\n";
  if (end.timed_out) std::cerr << "vtdsim cosim: no end after " << o.timeout_s << " s; QEMU stopped\n";
  if (bar_now != bar)
    std::cerr << "vtdsim cosim: the register BAR moved from 0x" << std::hex << bar << " to 0x" << bar_now << std::dec
              << " during the run; the DMAR table named the old address\n";
  if (o.shell) return end.error.empty() && !end.timed_out ? 0 : 1;  // no tool ran: no verdict
  return progress.result == "PASS" && end.error.empty() && !end.timed_out ? 0 : 1;
}

}  // namespace vtd::app
