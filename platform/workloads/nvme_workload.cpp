// NvmeWorkload: queues, buffers with their PRP lists, the driver's completion poll.
#include "platform/workloads/nvme_workload.h"

#include <algorithm>

#include "model/common/stat_registry.h"

namespace vtd::platform {

namespace {
constexpr size_t kProblemsKept = 5;
}  // namespace

NvmeWorkload::NvmeWorkload(const NvmeParams& params, DmaMaster* master)
    : ProgramWorkload(master), params_(params) {}

void NvmeWorkload::setUp(WorkloadContext& c) {
  ram_ = &c.ram;
  rng_.seed(c.seed);
  const GuestVm& vm = c.ram.vm();
  sq_ = c.pages.controlPage();
  cq_ = c.pages.controlPage();
  const uint32_t spanned = prpPagesSpanned(params_.buffer_offset, params_.block_bytes);
  slots_.resize(params_.queue_depth);
  opcode_.assign(params_.queue_depth, 0);
  for (Slot& s : slots_) {
    std::vector<uint64_t> pages, lists;
    for (uint32_t i = 0; i < spanned; ++i) s.pages.push_back(c.pages.allocate(rng_));
    for (uint32_t i = 0; i < prpListPages(spanned); ++i) s.list_pages.push_back(c.pages.allocate(rng_));
    for (uint64_t p : s.pages) pages.push_back(vm.deviceAddress(p));
    for (uint64_t p : s.list_pages) lists.push_back(vm.deviceAddress(p));
    const PrpSet prps = buildPrps(pages, params_.buffer_offset, params_.block_bytes, lists);
    s.prp1 = prps.prp1;
    s.prp2 = prps.prp2;
    for (size_t l = 0; l < prps.lists.size(); ++l)
      c.ram.write(s.list_pages[l], prps.lists[l].data(), 8 * prps.lists[l].size());
  }
  // The completion queue starts zeroed: phase tag 0 means "not yet written" on the first pass.
  const std::vector<uint8_t> zero(GuestPageAllocator::kPage, 0);
  c.ram.write(cq_, zero.data(), zero.size());
  for (uint64_t command = 0; command < params_.queue_depth && command < params_.commands; ++command)
    submit(command);
  NvmeSetup s;
  s.sq = vm.deviceAddress(sq_);
  s.cq = vm.deviceAddress(cq_);
  s.queue_depth = params_.queue_depth;
  s.commands = params_.commands;
  s.interrupt_every = params_.interrupt_every;
  s.msi_address = c.msi_address;
  s.msi_data = c.msi_data;
  s.guest = this;
  program_ = std::make_unique<NvmeProgram>(s);
}

// Command `command` into slot command % queue_depth, with that slot's buffer.
void NvmeWorkload::submit(uint64_t command) {
  const uint32_t slot = uint32_t(command % params_.queue_depth);
  std::bernoulli_distribution read(params_.read_fraction);
  NvmeSubmission e;
  e.opcode = read(rng_) ? NvmeSubmission::kRead : NvmeSubmission::kWrite;
  e.command_id = uint16_t(slot);
  e.prp1 = slots_[slot].prp1;
  e.prp2 = slots_[slot].prp2;
  const uint32_t blocks = params_.block_bytes / kNvmeLbaBytes;
  e.slba = command * blocks;
  e.nlb = uint16_t(blocks - 1);
  opcode_[slot] = e.opcode;
  ram_->write(sq_ + 64ull * slot, &e, sizeof e);
}

void NvmeWorkload::problem(const std::string& what) {
  if (problems_.size() < kProblemsKept) problems_.push_back(what);
  ++bad_;
}

void NvmeWorkload::commandDone(uint64_t command, uint32_t slot) {
  ++checked_;
  NvmeCompletion e;
  ram_->read(cq_ + 16ull * slot, &e, sizeof e);
  const bool phase = (command / params_.queue_depth) % 2 == 0;
  const std::string what = "NVMe command " + std::to_string(command) + ": ";
  if (e.command_id != slot || e.phase() != phase || e.statusField() != 0 ||
      e.sq_head != (command + 1) % params_.queue_depth)
    return problem(what + "completion entry not as expected");
  if (opcode_[slot] == NvmeSubmission::kRead) {
    const Slot& s = slots_[slot];
    uint64_t left = params_.block_bytes, offset = params_.buffer_offset;
    for (uint64_t page : s.pages) {
      const uint64_t n = std::min<uint64_t>(left, GuestPageAllocator::kPage - offset);
      if (!ram_->holds(page + offset, n, uint8_t(command))) return problem(what + "read data not in the buffer");
      left -= n;
      offset = 0;
    }
  }
  if (command + params_.queue_depth < params_.commands) submit(command + params_.queue_depth);
}

void NvmeWorkload::finish(std::vector<std::string>& problems) {
  if (!program_) return problems.push_back("NVMe workload was never set up");
  const NvmeProgram& p = *program_;
  if (p.errors()) problems.push_back(std::to_string(p.errors()) + " NVMe DMAs failed inside guest RAM");
  if (p.malformed()) problems.push_back(std::to_string(p.malformed()) + " NVMe commands had malformed PRPs");
  if (p.commandsDone() != params_.commands)
    problems.push_back("the NVMe device completed " + std::to_string(p.commandsDone()) + " of " +
                       std::to_string(params_.commands) + " commands");
  for (const std::string& s : problems_) problems.push_back(s);
  if (bad_ > problems_.size()) problems.push_back("... and " + std::to_string(bad_ - problems_.size()) + " more NVMe check failures");
}

void NvmeWorkload::describeStats(StatRegistry& r, const std::string& p) const {
  static const NvmeProgram kNone{NvmeSetup{}};
  const NvmeProgram& d = program_ ? *program_ : kNone;
  r.addDerived(p + "reads", [&d] { return double(d.reads()); }, "commands", "read commands (the device wrote guest memory)");
  r.addDerived(p + "writes", [&d] { return double(d.writes()); }, "commands", "write commands (the device read guest memory)");
  r.addDerived(p + "data_bytes", [&d] { return double(d.dataBytes()); }, "bytes", "data bytes moved by the commands");
  r.addDerived(p + "prp_list_reads", [&d] { return double(d.listReads()); }, "reads", "PRP list reads (one per list page a command used)");
  r.addCounter(p + "checked", checked_, "commands", "completions the guest driver checked (and read data)");
}

}  // namespace vtd::platform
