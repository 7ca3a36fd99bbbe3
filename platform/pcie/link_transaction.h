// The PCIe link's approximately-timed bookkeeping (pcie_link_at.cpp): a device's
// transaction becomes one or more request TLPs, each forwarded to the root complex as a
// payload of its own (LinkRequest, from a PayloadPool), and the device is answered once
// all of them are. Nothing here is timed; the link's timelines are (pcie_link.h).
#pragma once

#include <cstdint>
#include <memory>
#include <tlm>
#include <vector>

namespace vtd::platform {

struct LinkTransaction {
  ::tlm::tlm_generic_payload* device = nullptr;
  unsigned pending = 0;   // requests not answered yet
  uint64_t end_ps = 0;    // the last completion's arrival at the device, or the last write served
  unsigned failed = ~0u;  // the first request (in address order) answered with an error
  ::tlm::tlm_response_status status = ::tlm::TLM_OK_RESPONSE;
};

// One request TLP of a transaction: a payload of its own that points into the device's
// data and shares its extensions (requester id, AT).
class LinkRequest : public ::tlm::tlm_generic_payload {
 public:
  explicit LinkRequest(::tlm::tlm_mm_interface* mm) : tlm_generic_payload(mm) {}
  LinkTransaction* parent = nullptr;
  unsigned index = 0;       // in the transaction, in address order
  bool timed = true;        // a plain memory request (else passed through, as in LT)
  uint64_t arrival_ps = 0;  // at the root complex
};

class LinkTransactionPool {
 public:
  LinkTransaction& get() {
    if (free_.empty()) {
      all_.push_back(std::make_unique<LinkTransaction>());
      free_.push_back(all_.back().get());
    }
    LinkTransaction* t = free_.back();
    free_.pop_back();
    *t = LinkTransaction{};
    return *t;
  }
  void put(LinkTransaction& t) { free_.push_back(&t); }

 private:
  std::vector<std::unique_ptr<LinkTransaction>> all_;
  std::vector<LinkTransaction*> free_;
};

}  // namespace vtd::platform
