// PcieParams: description, checks and the link rate.
#include "platform/pcie/pcie_params.h"

#include "model/common/param_registry.h"

namespace vtd::platform {

namespace {
bool powerOfTwo(uint64_t v) {
  return v && !(v & (v - 1));
}
}  // namespace

void PcieParams::describe(ParamRegistry& r, const std::string& p) {
  r.addUInt(p + "generation", generation, 1, 5, "gen",
            "PCIe generation: 1-5 = 2.5, 5, 8, 16, 32 GT/s per lane (8b/10b line code for 1-2, "
            "128b/130b from 3)");
  r.addUInt(p + "lanes", lanes, 1, 32, "lanes", "link width (1, 2, 4, 8, 12, 16 or 32)");
  r.addUInt(
      p + "max_payload_bytes", max_payload_bytes, 128, 4096, "bytes",
      "Max_Payload_Size: largest data payload of a write request or a completion (power of two)");
  r.addUInt(p + "max_read_request_bytes", max_read_request_bytes, 128, 4096, "bytes",
            "Max_Read_Request_Size: largest read request; longer reads become several requests "
            "(power of two)");
  r.addUInt(p + "read_completion_boundary_bytes", read_completion_boundary_bytes, 64, 128, "bytes",
            "Read Completion Boundary of the completer (64 or 128)");
  r.addChoice(
      p + "completion_split", completion_split,
      {{"mps", CompletionSplit::Mps}, {"rcb", CompletionSplit::Rcb}},
      "how read data comes back: mps = completions as large as Max_Payload_Size allows, each but "
      "the last ending on an RCB boundary; rcb = one completion per RCB-aligned block");
  r.addUInt(p + "tlp_framing_bytes", tlp_framing_bytes, 0, 64, "bytes",
            "bytes each TLP carries besides its header and data: framing, sequence number, LCRC (8 "
            "in every generation)");
  r.addReal(p + "dllp_share", dllp_share, 0.0, 0.5, "ratio",
            "share of each direction's link time taken by DLLPs (Ack, UpdateFC) and SKIP ordered "
            "sets (0.0814: gen3 x8, MPS 256)");
  r.addUInt(
      p + "link_latency_ns", link_latency_ns, 0, 100000, "ns",
      "fixed latency each TLP adds per direction on top of its serialisation (PHY, flight time)");
}

std::vector<std::string> PcieParams::validate(const std::string& p) const {
  std::vector<std::string> e;
  if (lanes != 12 && (!powerOfTwo(lanes) || lanes > 32))
    e.push_back(p + "lanes must be 1, 2, 4, 8, 12, 16 or 32");
  if (!powerOfTwo(max_payload_bytes)) e.push_back(p + "max_payload_bytes must be a power of two");
  if (!powerOfTwo(max_read_request_bytes))
    e.push_back(p + "max_read_request_bytes must be a power of two");
  if (read_completion_boundary_bytes != 64 && read_completion_boundary_bytes != 128)
    e.push_back(p + "read_completion_boundary_bytes must be 64 or 128");
  return e;
}

double PcieParams::laneBytesPerNs() const {
  static const double kGigaTransfers[] = {2.5, 5.0, 8.0, 16.0, 32.0};
  const double gt = kGigaTransfers[(generation >= 1 && generation <= 5 ? generation : 3) - 1];
  const double code = generation <= 2 ? 8.0 / 10.0 : 128.0 / 130.0;
  return gt * code / 8.0;  // GT/s = Gb/s per lane before the line code; 8 bits per byte
}

}  // namespace vtd::platform
