// vtdsim: the command-line entry point.
//   vtdsim run      [--config F] [--set k=v]... [--out DIR] [--quiet]   default scenario
//   vtdsim bench    [--set bench.k=v]...                                 speed ratios
//   vtdsim calibrate [--set k=v]... [--out DIR]                          CALIBRATION.md sweep
//   vtdsim record   [--set k=v]... [--out DIR]                          run + the unit's trace
//   vtdsim replay   TRACE [--set k=v]... [--out DIR]                    functional replay
//   vtdsim curve    TRACE [--set k=v]... [--out DIR]                    IOTLB miss curves
//   vtdsim trace    convert|generate|info ...                            trace tools
//   vtdsim sweep    [--axis p=v1,v2]... [--grid F] [--jobs N] [--out DIR]  parameter grid
//   vtdsim study    [passthrough] [--out DIR]                            the main study
//   vtdsim describe params|stats|registers                               docs tables
//   vtdsim serve    <QEMU command line>                                  qtest/QMP front
//   vtdsim cosim    [--guest-args A,B] [--strict] [--out DIR] ...         real Linux guest
#include <systemc>

#include <cstdlib>
#include <iostream>
#include <string>

#include "platform/app/cli.h"
#include "traces/format/trace_record.h"

namespace {
void usage(std::ostream& out) {
  out << "usage: vtdsim <command> [options]\n"
         "  run       run a scenario (the embedded KVM passthrough scenario by default)\n"
         "            --config FILE  JSON configuration   --set KEY=VALUE  override one parameter\n"
         "            --out DIR      output folder (default vtdsim-out)   --quiet  no summary\n"
         "  bench     DMAs per host second: IOTLB-hit and miss paths vs a bare LT loop\n"
         "  calibrate the pcie-bench sweep of CALIBRATION.md (64 B random reads, 4 KiB..64 MiB\n"
         "            windows, with and without the IOMMU) next to the measurements; writes\n"
         "            calibration.json and calibration.csv into --out\n"
         "            --record FILE  also write the DMA requests, register writes and invalidations\n"
         "            the unit sees as a trace (traces/README.md)\n"
         "  record    run, recording the trace into --out (trace.vtdt)\n"
         "  replay    TRACE: replay a trace through the functional model (no timing); writes\n"
         "            stats.json/stats.csv like run; TRACE may be - (standard input)\n"
         "  curve     TRACE: IOTLB miss curves of every size in one pass (curve.csv)\n"
         "  trace     convert IN OUT | generate OUT [--events N --pattern random|sequential\n"
         "            --pages N --size B ...] | info IN\n"
         "  sweep     a parameter grid in parallel processes: --axis PARAM=V1,V2,... (repeat),\n"
         "            --grid FILE (JSON), --set KEY=VALUE, --stats S1,S2, --jobs N (default: one\n"
         "            per core), --out DIR (sweep.csv, resumable; sweep.png), --fresh, --no-plot\n"
         "  study     [passthrough] the main study (make run): a 100 Gb/s NIC in a KVM guest,\n"
         "            4 KiB vs 2 MiB host leaves x IOTLB sizes, next to the IOMMU off; a table\n"
         "            and a plot into --out (docs/studies/)\n"
         "  describe  params|stats|registers: print a generated documentation table\n"
         "  serve     QEMU-compatible front: takes qemu-system-x86_64's options (-machine q35,\n"
         "            -qtest unix:PATH|stdio, -qmp ..., -device intel-iommu,..., -device edu,...)\n"
         "            and speaks QEMU's qtest and QMP protocols; see docs/qtest-guide.md\n"
         "  cosim     a Linux guest in QEMU programs the model with its own intel-iommu driver and\n"
         "            VFIO; DMA from a ring engine is translated into the guest's RAM (docs/cosim.md;\n"
         "            vtdsim cosim --help)\n";
}
}  // namespace

int sc_main(int argc, char* argv[]) {
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
    usage(argc < 2 ? std::cerr : std::cout);
    return argc < 2 ? 2 : 0;
  }
  const std::string command = argv[1];
  try {
    if (command == "serve") return vtd::app::serveCommand(argc, argv, 2);  // WIP
    if (command == "trace") return vtd::app::traceCommand(argc, argv, 2);
    if (command == "sweep") return vtd::app::sweepCommand(argc, argv, 2);
    if (command == "cosim") return vtd::app::cosimCommand(argc, argv, 2);
    const vtd::app::CommonOptions options = vtd::app::parseOptions(argc, argv, 2);
    if (!options.record.empty() && command != "run" && command != "record")
      throw vtd::app::CliError("--record is an option of run and record only");
    if (command == "run") return vtd::app::runCommand(options);
    if (command == "bench") return vtd::app::benchCommand(options);
    if (command == "calibrate") return vtd::app::calibrateCommand(options);
    if (command == "study") return vtd::app::studyCommand(options);
    if (command == "describe") return vtd::app::describeCommand(options);
    if (command == "record") return vtd::app::recordCommand(options);
    if (command == "replay") return vtd::app::replayCommand(options);
    if (command == "curve") return vtd::app::curveCommand(options);
    std::cerr << "vtdsim: unknown command '" << command << "'\n";
    usage(std::cerr);
    return 2;
  } catch (const vtd::ConfigError& e) {
    std::cerr << "vtdsim: " << e.what() << "\n";
    return 2;
  } catch (const vtd::trace::TraceError& e) {  // malformed trace: names byte or line
    std::cerr << "vtdsim: " << e.what() << "\n";
    return 2;
  } catch (const vtd::app::CliError& e) {
    std::cerr << "vtdsim: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "vtdsim: error: " << e.what() << "\n";
    return 1;
  }
}

// Our own main (it takes precedence over libsystemc's) so the SystemC banner can be
// switched off before the kernel prints it: it is noise in reports and CI logs.
int main(int argc, char* argv[]) {
  setenv("SC_COPYRIGHT_MESSAGE", "DISABLE", 0);
  return sc_core::sc_elab_and_sim(argc, argv);
}
