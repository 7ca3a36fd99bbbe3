// `vtdsim cosim`'s options and usage.
#include "platform/app/cosim_options.h"

#include <cstdlib>
#include <iostream>

#include "platform/app/cli.h"

namespace vtd::app {

namespace {

[[noreturn]] void usageError(const std::string& what) {
  throw CliError("cosim: " + what + " (see vtdsim cosim --help)");
}

void printHelp() {
  std::cout <<
      "usage: vtdsim cosim [options]\n"
      "  A Linux guest in QEMU programs the model's VT-d unit with its own intel-iommu driver and\n"
      "  runs DMA from a ring engine assigned to user space through VFIO (docs/cosim.md).\n"
      "  --out DIR             outputs (default vtdsim-cosim)\n"
      "  --driver vfio|kmod    vfio (default): the tool vtdsim-guest drives the engine from user\n"
      "                        space through VFIO; kmod: the kernel module vtdsim_ring drives it\n"
      "                        through the DMA API (lazy or strict unmaps, the stale window)\n"
      "  --guest-args A,B,...  the tool's options (--ram-mib, --dma-mib, ...) or the module's\n"
      "                        parameters (dma_mib=16,batch=32,stale_probe=1)\n"
      "  --strict              boot with iommu.strict=1 (default: the kernel's lazy mode)\n"
      "  --hugepages           the guest tool maps its RAM with 2 MiB pages (2 MiB leaves)\n"
      "  --ram-mib N           guest RAM (default 512, at most 2815)\n"
      "  --rings N             ring engines at 00:04.0, 00:05.0, ... (default 1)\n"
      "  --profile P           qemu-7.2 (CAP/ECAP as QEMU 7.2's intel-iommu; default) or vtdsim\n"
      "  --set KEY=VALUE       model parameter (vtdsim describe params); --config FILE\n"
      "  --kernel F --initrd F your own kernel and initramfs instead of the cached Debian guest\n"
      "  --append TEXT         more kernel command line\n"
      "  --accel auto|tcg|kvm  (auto: kvm when /dev/kvm is usable)\n"
      "  --qemu PROGRAM        the QEMU to run (default qemu-system-x86_64: Debian's 7.2)\n"
      "  --timeout S           give up after S seconds of wall time (default 600)\n"
      "  --peer qemu           then boot the same guest and workload on QEMU's own intel-iommu\n"
      "                        (its vtd_* trace), compare the register and invalidation\n"
      "                        sequences (comparison.md) and the boot times\n"
      "  --console             echo the whole guest console (default: vtdsim lines only)\n"
      "  --shell               no workload: a shell in the guest on this terminal (vfio-pci and\n"
      "                        the module loadable by hand); exit it or poweroff -f to end\n"
      "  --quiet               no summary\n";
}

}  // namespace

CosimOptions parseCosimOptions(int argc, char** argv, int first) {
  CosimOptions o;
  bool timeout_given = false;
  for (int i = first; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usageError(a + " needs a value");
      return argv[++i];
    };
    auto number = [&](unsigned lo, unsigned hi) -> unsigned {
      const std::string v = value();
      char* end = nullptr;
      const unsigned long n = std::strtoul(v.c_str(), &end, 10);
      if (v.empty() || *end || n < lo || n > hi)
        usageError(a + " " + v + ": expected a whole number from " + std::to_string(lo) + " to " + std::to_string(hi));
      return unsigned(n);
    };
    if (a == "--help" || a == "-h") {
      printHelp();
      std::exit(0);
    } else if (a == "--out") o.out = value();
    else if (a == "--profile") {
      o.profile = value();
      if (o.profile != "qemu-7.2" && o.profile != "vtdsim") usageError("--profile " + o.profile + ": qemu-7.2 or vtdsim");
    } else if (a == "--config") o.config_file = value();
    else if (a == "--set") o.sets.push_back(value());
    else if (a == "--kernel") o.kernel = value();
    else if (a == "--initrd") o.initrd = value();
    else if (a == "--append") o.append = value();
    else if (a == "--guest-args") o.guest_args = value();
    else if (a == "--driver") {
      o.driver = value();
      if (o.driver != "vfio" && o.driver != "kmod") usageError("--driver " + o.driver + ": vfio or kmod");
    }
    else if (a == "--accel") {
      o.accel = value();
      if (o.accel != "auto" && o.accel != "tcg" && o.accel != "kvm") usageError("--accel " + o.accel + ": auto, tcg or kvm");
    } else if (a == "--qemu") o.qemu = value();
    else if (a == "--ram-mib") o.ram_mib = number(128, 2815);
    else if (a == "--rings") o.rings = number(1, 8);
    else if (a == "--timeout") {
      o.timeout_s = number(5, 86400);
      timeout_given = true;
    }
    else if (a == "--strict") o.strict = true;
    else if (a == "--peer") {
      const std::string peer = value();
      if (peer != "qemu") usageError("--peer " + peer + ": the only peer is qemu");
      o.peer_qemu = true;
    }
    else if (a == "--hugepages") o.hugepages = true;
    else if (a == "--console") o.console = true;
    else if (a == "--shell") o.shell = true;
    else if (a == "--quiet") o.quiet = true;
    else usageError("unknown option " + a);
  }
  if (o.kernel.empty() != o.initrd.empty()) usageError("--kernel and --initrd go together");
  if (o.guest_args.find(' ') != std::string::npos) usageError("--guest-args takes a comma-separated list without spaces");
  if (o.shell && o.peer_qemu) usageError("--shell and --peer qemu do not go together");
  if (o.shell && !timeout_given) o.timeout_s = 86400;  // a person at the console decides
  if (o.peer_qemu && o.driver == "kmod")
    usageError("--peer qemu runs the VFIO tool (its reference mode moves no data); use --driver vfio");
  if (o.hugepages && o.driver == "kmod") usageError("--hugepages is an option of the VFIO tool (--driver vfio)");
  return o;
}

}  // namespace vtd::app
