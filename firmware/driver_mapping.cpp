// VtdDriver: domains, device attachment (FS 4.2, 9.E) and mappings (FS 5.1) with the
// invalidation each change needs (FS 2.1 CM/RWBF, 6.11).
#include <algorithm>
#include <stdexcept>
#include <string>

#include "firmware/vtd_driver.h"
#include "firmware/text_format.h"
#include "firmware/vtd_regs.h"

namespace vtd::fw {

using namespace regs;

// DID 0 is never handed out: with CAP.CM it tags cached not-present entries (FS 2.1), and
// Linux reserves it in every mode. The rest of the 2^(4+2*ND) space is free for domains.
uint16_t VtdDriver::allocateDid() const {
  for (uint32_t did = 1; did < caps_.domain_count; ++did)
    if (!domains_.count(uint16_t(did))) return uint16_t(did);
  throw std::runtime_error("createDomain: all " + std::to_string(caps_.domain_count - 1) +
                           " domain ids are in use (CAP.ND = " + std::to_string(caps_.nd) + ")");
}

Domain& VtdDriver::createDomain(unsigned guest_width_bits) {
  if (!probed_) throw std::logic_error("createDomain: call probe() first");
  const unsigned width = caps_.smallestWidthCovering(guest_width_bits);
  if (width == 0 || width > 57)
    throw std::runtime_error("createDomain: no CAP.SAGAW width covers " +
                             std::to_string(guest_width_bits) + " bits (widest is " +
                             std::to_string(caps_.largestWidth()) + ")");
  const uint16_t did = allocateDid();
  std::unique_ptr<Domain> domain(new Domain(did, width, hal_.memory, allocator_, stats_, flushNeeded()));
  Domain& ref = *domain;
  domains_.emplace(did, std::move(domain));
  return ref;
}

Domain* VtdDriver::findDomain(uint16_t did) {
  auto it = domains_.find(did);
  return it == domains_.end() ? nullptr : it->second.get();
}

Status VtdDriver::ownsDomain(const Domain& domain, const char* what) const {
  auto it = domains_.find(domain.did());
  if (it != domains_.end() && it->second.get() == &domain) return Status::success();
  return Status::failure(std::string(what) + ": domain " + std::to_string(domain.did()) +
                         " does not belong to this driver");
}

Status VtdDriver::destroyDomain(Domain& domain) {
  VTD_FW_TRY(ownsDomain(domain, "destroyDomain"));
  if (!domain.devices_.empty())
    return Status::failure("destroyDomain: domain " + std::to_string(domain.did()) +
                           " still has devices attached");
  const uint16_t did = domain.did();
  // Nothing may still hold translations of this DID when its tables are reused.
  VTD_FW_TRY(invalidator_->iotlbDomain(did));
  domain.table_.release();
  domains_.erase(did);
  return Status::success();
}

// FS 9.E.2: with CAP.CM the hardware may have cached the not-present entry, tagged with
// DID 0, so the device's context and the new domain's IOTLB entries are invalidated;
// otherwise a write-buffer flush (if CAP.RWBF) makes the entry visible.
Status VtdDriver::afterContextChange(uint16_t sid, uint16_t did) {
  if (caps_.cm) {
    VTD_FW_TRY(invalidator_->contextDevice(sid, 0, 0));
    VTD_FW_TRY(invalidator_->iotlbDomain(did));
    return flushDeviceTlbs(did, 0, 64);
  }
  if (caps_.rwbf) return gcmd_.flushWriteBuffer();
  return Status::success();
}

Status VtdDriver::attach(uint16_t source_id, Domain& domain, ContextMode mode) {
  VTD_FW_TRY(requireProbed("attach"));
  VTD_FW_TRY(ownsDomain(domain, "attach"));
  if (contexts_.root() == 0) return Status::failure("attach: call enable() first (no root table)");
  auto it = attached_.find(source_id);
  if (it != attached_.end())
    return Status::failure("attach: " + sourceIdText(source_id) + " is already attached to domain " +
                           std::to_string(it->second));
  ContextEntry entry;
  entry.did = domain.did();
  if (mode == ContextMode::DeviceTlb) {
    if (!caps_.dt) return Status::failure("attach: ATS (TT=01) needs ECAP.DT");
    if (invalidator_ != &queued_invalidator_)
      return Status::failure(
          "attach: ATS needs queued invalidation (device-TLB flushes are queue descriptors)");
  }
  if (mode == ContextMode::PassThrough) {
    if (!caps_.pt) return Status::failure("attach: pass-through needs ECAP.PT");
    entry.tt = context::kTtPassThrough;
    entry.aw = widthToAw(caps_.largestWidth());  // FS 4.2: the largest supported AGAW
  } else {
    entry.tt = mode == ContextMode::DeviceTlb ? context::kTtDeviceTlb : context::kTtTranslate;
    entry.aw = domain.aw();
    entry.slptptr = domain.rootTable();
  }
  try {
    contexts_.install(source_id, entry, flushNeeded());
  } catch (const std::runtime_error& e) {
    return Status::failure(std::string("attach: context table: ") + e.what());
  }
  attached_[source_id] = domain.did();
  domain.devices_.insert(source_id);
  if (mode == ContextMode::DeviceTlb) domain.ats_devices_.insert(source_id);
  return afterContextChange(source_id, domain.did());
}

// Clear the entry, then drop whatever the unit cached for it: the device's context entry
// (tagged with the domain's DID) and the domain's translations.
Status VtdDriver::detach(uint16_t source_id) {
  VTD_FW_TRY(requireProbed("detach"));
  auto it = attached_.find(source_id);
  if (it == attached_.end()) return Status::failure("detach: " + sourceIdText(source_id) + " is not attached");
  const uint16_t did = it->second;
  contexts_.clear(source_id, flushNeeded());
  attached_.erase(it);
  bool ats = false;
  if (Domain* d = findDomain(did)) {
    d->devices_.erase(source_id);
    ats = d->ats_devices_.erase(source_id) > 0;
  }
  VTD_FW_TRY(invalidator_->contextDevice(source_id, 0, did));
  VTD_FW_TRY(invalidator_->iotlbDomain(did));
  VTD_FW_TRY(flushDeviceTlbs(did, 0, 64));
  // The detached device may still hold translations of the domain it left.
  return ats ? queued_invalidator_.deviceTlb(source_id, 32, 0, 64) : Status::success();
}

// Linux's order (iommu_flush_iotlb_psi, then iommu_flush_dev_iotlb): each ATS device of
// the domain, after the IOTLB flush that covered the same range (FS 6.4).
Status VtdDriver::flushDeviceTlbs(uint16_t did, uint64_t address, unsigned am) {
  Domain* d = findDomain(did);
  if (!d) return Status::success();
  for (uint16_t sid : d->ats_devices_)
    VTD_FW_TRY(queued_invalidator_.deviceTlb(sid, 32, address, am));
  return Status::success();
}

// Page-selective over the aligned block covering the range when CAP.PSI and CAP.MAMV
// allow it, domain-selective otherwise (FS 6.11; iotlbPages falls back by itself).
Status VtdDriver::invalidateRange(uint16_t did, uint64_t iova, uint64_t size, bool leaves_only) {
  const unsigned am = RegisterInvalidator::addressMaskFor(iova, size);
  const uint64_t base = iova & ~((1ull << (12 + am)) - 1);
  VTD_FW_TRY(invalidator_->iotlbPages(did, base, am, leaves_only));
  return flushDeviceTlbs(did, base, am);
}

// FS 2.1 CM: not-present -> present changes need an invalidation too; without CM a
// write-buffer flush is all the hardware asks for (CAP.RWBF).
Status VtdDriver::afterMap(Domain& domain, uint64_t iova, uint64_t size) {
  if (caps_.cm) return invalidateRange(domain.did(), iova, size, false);
  if (caps_.rwbf) return gcmd_.flushWriteBuffer();
  return Status::success();
}

Status VtdDriver::map(Domain& domain, uint64_t iova, uint64_t phys, uint64_t size, Perm perm,
                      LeafSize max_leaf) {
  VTD_FW_TRY(requireProbed("map"));
  VTD_FW_TRY(ownsDomain(domain, "map"));
  // Inputs at or above the domain's AGAW or the unit's MGAW fault (FS 5.1).
  const unsigned reach = std::min(domain.widthBits(), caps_.mgaw_bits);
  const uint64_t limit = reach >= 64 ? ~0ull : 1ull << reach;
  if (size == 0 || iova + size < iova || iova + size > limit)
    return Status::failure("map: [" + hexText(iova) + ", +" + hexText(size) + ") is outside the " +
                           std::to_string(reach) + "-bit input range of domain " +
                           std::to_string(domain.did()));
  VTD_FW_TRY(domain.table_.map(iova, phys, size, perm, max_leaf, {caps_.sllps_2m, caps_.sllps_1g}));
  ++stats_.maps;
  return afterMap(domain, iova, size);
}

Status VtdDriver::unmap(Domain& domain, uint64_t iova, uint64_t size) {
  VTD_FW_TRY(requireProbed("unmap"));
  VTD_FW_TRY(ownsDomain(domain, "unmap"));
  if (size == 0 || iova + size < iova) return Status::failure("unmap: empty or wrapping range");
  UnmapResult result;
  VTD_FW_TRY(domain.table_.unmap(iova, size, result));
  ++stats_.unmaps;
  // IH (leaves only) may be set only when no table page was removed (FS 6.3 IH).
  VTD_FW_TRY(invalidateRange(domain.did(), iova, size, result.detached_tables.empty()));
  domain.table_.reclaim(result);
  return Status::success();
}

}  // namespace vtd::fw
