// PcieParams: one PCIe link between a device (endpoint) and the root complex: generation
// (signalling rate and line code), width, Max_Payload_Size, Max_Read_Request_Size, Read
// Completion Boundary, how the completer splits read completions, the per-TLP framing bytes,
// the share of link time taken by DLLPs and ordered sets, and a fixed latency per direction.
// Facts used (PCIe Base Specification): 2.5/5/8/16/32 GT/s per lane for gen1-gen5, 8b/10b
// line code for gen1-2 and 128b/130b from gen3 (4.2); memory requests with 3-DW headers
// below 4 GiB and 4-DW headers above (2.2.4.1), completions with 3-DW headers (2.2.9);
// 8 framing bytes per TLP in every generation: gen1-2 STP and END symbols, a 2-byte sequence
// number and the 4-byte LCRC; gen3 and later a 4-byte STP token that carries the sequence
// number, and the LCRC (3.6, 4.2.2). The DLLP share default is the Ack and UpdateFC traffic
// (8 bytes each, at the spec's recommended intervals for gen3 x8 with a 256-byte MPS: one of
// each per 203 bytes, tables 3-7 and 2-46) plus SKIP ordered sets (4 per 1538 bytes), the
// figures the pcie-bench model (Neugebauer et al., SIGCOMM 2018) uses too.
// Not modelled: ECRC, TLP prefixes, flow-control credits, replays, link power states.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vtd {
class ParamRegistry;
}

namespace vtd::platform {

enum class CompletionSplit : uint8_t {
  Mps,  // completions as large as MPS allows, each but the last ending on an RCB boundary
  Rcb,  // one completion per RCB-aligned block (root complexes that return cache lines)
};

struct PcieParams {
  uint32_t generation = 3;  // the NFP6000 of CALIBRATION.md: gen3 x8
  uint32_t lanes = 8;
  uint32_t max_payload_bytes = 256;              // MPS (Broadwell-EP root ports: 256)
  uint32_t max_read_request_bytes = 512;         // MRRS
  uint32_t read_completion_boundary_bytes = 64;  // RCB of the root complex
  CompletionSplit completion_split = CompletionSplit::Mps;
  uint32_t tlp_framing_bytes = 8;  // framing + sequence number + LCRC per TLP
  double dllp_share = 0.0814;      // Ack/UpdateFC DLLPs and SKIPs (gen3 x8, MPS 256)
  uint32_t link_latency_ns = 0;    // fixed latency per direction (PHY, flight)

  void describe(ParamRegistry& r, const std::string& prefix);
  std::vector<std::string> validate(const std::string& prefix) const;
  // Signalling rate per lane after the line code, in bytes per ns.
  double laneBytesPerNs() const;
  // Bytes per ns one direction carries for TLPs: all lanes, less the DLLP share.
  double tlpBytesPerNs() const { return laneBytesPerNs() * lanes * (1.0 - dllp_share); }
};

}  // namespace vtd::platform
