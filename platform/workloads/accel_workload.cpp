// AccelWorkload: buffers with their scatter lists, the job ring, the completion poll.
#include "platform/workloads/accel_workload.h"

#include <algorithm>
#include <random>

#include "model/common/stat_registry.h"

namespace vtd::platform {

namespace {
constexpr size_t kProblemsKept = 5;
}  // namespace

AccelWorkload::AccelWorkload(const AccelParams& params, DmaMaster* master)
    : ProgramWorkload(master), params_(params) {}

AccelWorkload::Buffer AccelWorkload::makeBuffer(WorkloadContext& c, uint64_t bytes) {
  Buffer b;
  const uint64_t pages = (bytes + GuestPageAllocator::kPage - 1) / GuestPageAllocator::kPage;
  std::vector<uint64_t> dma;
  for (uint64_t i = 0; i < pages; ++i) {
    b.pages.push_back(c.pages.allocate(rng_));
    dma.push_back(c.ram.vm().deviceAddress(b.pages.back()));
  }
  const std::vector<SgEntry> list = buildSgList(dma, bytes);
  b.entries = uint32_t(list.size());
  if (!list.empty()) {
    b.list = c.pages.allocateRun((16 * list.size() + GuestPageAllocator::kPage - 1) / GuestPageAllocator::kPage);
    c.ram.write(b.list, list.data(), 16 * list.size());
  }
  return b;
}

void AccelWorkload::setUp(WorkloadContext& c) {
  ram_ = &c.ram;
  rng_.seed(c.seed);
  ring_ = c.pages.controlPage();
  for (uint32_t i = 0; i < params_.buffers; ++i) {
    Pair p;
    p.in = makeBuffer(c, params_.job_bytes);
    p.out = makeBuffer(c, params_.outputBytes());
    pairs_.push_back(std::move(p));
  }
  for (uint64_t job = 0; job < params_.ring_entries && job < params_.jobs; ++job) submit(job);
  AccelSetup s;
  s.ring = c.ram.vm().deviceAddress(ring_);
  s.ring_entries = params_.ring_entries;
  s.jobs = params_.jobs;
  s.chunk_bytes = params_.chunk_bytes;
  s.interrupt_every = params_.interrupt_every;
  s.msi_address = c.msi_address;
  s.msi_data = c.msi_data;
  s.guest = this;
  program_ = std::make_unique<AccelProgram>(s);
}

void AccelWorkload::submit(uint64_t job) {
  const Pair& p = pairs_[job % params_.buffers];
  AccelDescriptor d;
  d.src_list = ram_->vm().deviceAddress(p.in.list);
  d.dst_list = ram_->vm().deviceAddress(p.out.list);
  d.src_entries = p.in.entries;
  d.dst_entries = p.out.entries;
  d.in_bytes = params_.job_bytes;
  d.out_bytes = params_.outputBytes();
  d.job = uint32_t(job);
  ram_->write(ring_ + 64ull * (job % params_.ring_entries), &d, sizeof d);
}

void AccelWorkload::problem(const std::string& what) {
  if (problems_.size() < kProblemsKept) problems_.push_back(what);
  ++bad_;
}

void AccelWorkload::jobDone(uint64_t job, uint32_t slot) {
  ++checked_;
  AccelDescriptor d;
  ram_->read(ring_ + 64ull * slot, &d, sizeof d);
  const std::string what = "accelerator job " + std::to_string(job) + ": ";
  const uint64_t out = params_.outputBytes();
  if (d.done_job != uint32_t(job) || d.status != AccelDescriptor::kDone || d.produced != out)
    return problem(what + "completion not as expected");
  const Pair& p = pairs_[job % params_.buffers];
  uint64_t left = out;
  for (uint64_t page : p.out.pages) {
    const uint64_t n = std::min<uint64_t>(left, GuestPageAllocator::kPage);
    if (!ram_->holds(page, n, uint8_t(job))) return problem(what + "output not in the buffer");
    left -= n;
  }
  if (job + params_.ring_entries < params_.jobs) submit(job + params_.ring_entries);
}

void AccelWorkload::finish(std::vector<std::string>& problems) {
  if (!program_) return problems.push_back("accelerator workload was never set up");
  const AccelProgram& p = *program_;
  if (p.errors()) problems.push_back(std::to_string(p.errors()) + " accelerator DMAs failed inside guest RAM");
  if (p.malformed()) problems.push_back(std::to_string(p.malformed()) + " accelerator jobs had short scatter lists");
  if (p.jobsDone() != params_.jobs)
    problems.push_back("the accelerator ran " + std::to_string(p.jobsDone()) + " of " + std::to_string(params_.jobs) + " jobs");
  for (const std::string& s : problems_) problems.push_back(s);
  if (bad_ > problems_.size()) problems.push_back("... and " + std::to_string(bad_ - problems_.size()) + " more accelerator check failures");
}

void AccelWorkload::describeStats(StatRegistry& r, const std::string& p) const {
  static const AccelProgram kNone{AccelSetup{}};
  const AccelProgram& d = program_ ? *program_ : kNone;
  r.addDerived(p + "bytes_in", [&d] { return double(d.bytesIn()); }, "bytes", "input bytes the accelerator read");
  r.addDerived(p + "bytes_out", [&d] { return double(d.bytesOut()); }, "bytes", "output bytes it wrote");
  r.addDerived(p + "list_reads", [&d] { return double(d.listReads()); }, "reads", "scatter-list reads (up to 256 entries each)");
  r.addCounter(p + "checked", checked_, "jobs", "completions the guest driver checked (and output bytes)");
}

}  // namespace vtd::platform
