// Options of `vtdsim cosim` (docs/cosim.md): parsed from its own argument list, each
// error a CliError naming the option.
#pragma once

#include <string>
#include <vector>

namespace vtd::app {

struct CosimOptions {
  std::string out = "vtdsim-cosim";
  std::string profile = "qemu-7.2";
  std::string config_file;
  std::vector<std::string> sets;
  std::string kernel, initrd, append, accel = "auto", qemu = "qemu-system-x86_64";
  std::string driver = "vfio";  // vfio: the user-space tool; kmod: the kernel DMA-API driver
  std::string guest_args;       // the tool's options or the module's parameters, comma-separated
  unsigned ram_mib = 512, rings = 1;
  bool strict = false, hugepages = false, console = false, quiet = false;
  bool peer_qemu = false;  // also boot the guest on QEMU's own intel-iommu and compare
  bool shell = false;      // no workload: a shell on the guest's console, on this terminal
  double timeout_s = 600;
};

// Parses argv[first..argc); --help prints the usage and exits.
CosimOptions parseCosimOptions(int argc, char** argv, int first);

}  // namespace vtd::app
