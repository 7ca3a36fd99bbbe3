// VtdDriver bring-up, shutdown, fault entry points and explicit invalidation (FS 3, 6.11,
// 7.5, 9.A, 9.B, 9.C, 9.D).
#include "firmware/vtd_driver.h"

#include <stdexcept>
#include <string>

#include "firmware/vtd_regs.h"

namespace vtd::fw {

using namespace regs;

VtdDriver::VtdDriver(Hal& hal, PhysAllocator& allocator, DriverOptions options)
    : hal_(hal),
      allocator_(allocator),
      io_(hal.mmio, hal.clock, options, stats_),
      gcmd_(io_, stats_),
      register_invalidator_(io_, caps_, stats_),
      queued_invalidator_(io_, hal, allocator, gcmd_, caps_, stats_, options.poll_timeout_ns),
      invalidator_(&register_invalidator_),
      use_queue_(options.queued_invalidation),
      faults_(io_, caps_, stats_),
      contexts_(hal.memory, allocator, stats_),
      interrupt_remapping_(hal, io_, gcmd_, queued_invalidator_, allocator, caps_, stats_) {}

Status VtdDriver::requireProbed(const char* what) const {
  if (probed_) return Status::success();
  return Status::failure(std::string(what) + ": call probe() first");
}

// FS 9.A.2-3: capabilities, then the GCMD shadow from GSTS.
Status VtdDriver::probe() {
  const uint32_t ver = io_.read32(VER_REG);
  const uint64_t cap_value = io_.read64(CAP_REG);
  const uint64_t ecap_value = io_.read64(ECAP_REG);
  caps_ = Capabilities::decode(ver, cap_value, ecap_value);
  const std::vector<std::string> problems = caps_.problems();
  if (!problems.empty()) {
    std::string text = "probe: unit not usable:";
    for (const auto& p : problems) text += " " + p + ";";
    return Status::failure(text);
  }
  gcmd_.syncFromStatus();
  probed_ = true;
  return Status::success();
}

// Linux's init_dmars + intel_iommu_init order (FS 9.C, 9.D).
Status VtdDriver::enable() {
  VTD_FW_TRY(requireProbed("enable"));
  // FS 9.C.1: Linux enables queued invalidation whenever ECAP.QI is set; this driver does
  // when DriverOptions::queued_invalidation asks for it, and otherwise uses register-based
  // invalidation (CCMD, IVA/IOTLB_REG).
  const uint32_t status = gcmd_.syncFromStatus();
  // Interrupt remapping already on (enable() again after disable()) runs on this driver's
  // queue: it stays as it is.
  const bool keep_queue = interrupt_remapping_.enabled() && (status & gsts::QIES);
  // Register-based invalidation is refused while the queue is on (FS 6.11), so a queue left
  // running by earlier software is drained and switched off, as Linux does (FS 9.B.2.2).
  if ((status & gsts::QIES) && !keep_queue) VTD_FW_TRY(disableQueuedInvalidation());
  invalidator_ =
      keep_queue ? static_cast<Invalidator*>(&queued_invalidator_) : &register_invalidator_;
  if (use_queue_ && caps_.qi && !keep_queue) {
    VTD_FW_TRY(queued_invalidator_.enable());
    invalidator_ = &queued_invalidator_;
  }
  // FS 9.C.2: translation left on by earlier software is switched off first.
  if (status & gsts::TES) VTD_FW_TRY(gcmd_.setTranslation(false));
  // FS 9.C.3: a zeroed root table (kept across disable/enable).
  uint64_t root = 0;
  try {
    root = contexts_.createRoot(flushNeeded());
  } catch (const std::runtime_error& e) {
    return Status::failure(std::string("enable: root table: ") + e.what());
  }
  if (caps_.rwbf) VTD_FW_TRY(gcmd_.flushWriteBuffer());  // FS 9.C.4
  // FS 9.C.5: RTADDR (legacy mode, TTM = 00), SRTP, RTPS; global flushes unless ESRTPS.
  io_.write64(RTADDR_REG, rtaddr::RTA.make(root >> kPageShift) | rtaddr::TTM.make(rtaddr::kTtmLegacy));
  VTD_FW_TRY(gcmd_.setRootTablePointer());
  if (!caps_.esrtps) {
    VTD_FW_TRY(invalidator_->contextGlobal());
    VTD_FW_TRY(invalidator_->iotlbGlobal());
  }
  if (caps_.rwbf) VTD_FW_TRY(gcmd_.flushWriteBuffer());  // FS 9.C.6
  VTD_FW_TRY(drainStaleFaults());                         // FS 9.C.7
  VTD_FW_TRY(gcmd_.setTranslation(true));                 // FS 9.D.1
  VTD_FW_TRY(disableProtectedMemory());                   // FS 9.D.2
  enabled_ = true;
  return Status::success();
}

// Wait until the hardware has fetched everything queued (IQH = IQT), then clear QIE.
Status VtdDriver::disableQueuedInvalidation() {
  const uint64_t tail = iq::QT.get(io_.read64(IQT_REG));
  VTD_FW_TRY(io_.poll64(IQH_REG, iq::QH.mask(), iq::QH.make(tail), "IQH = IQT before GCMD.QIE = 0"));
  return gcmd_.setQueuedInvalidation(false);
}

// FS 9.C.7: run the handler over leftovers, then write FSTS back to itself (RW1C).
Status VtdDriver::drainStaleFaults() {
  stats_.stale_faults_drained += faults_.handle().size();
  io_.write32(FSTS_REG, io_.read32(FSTS_REG));
  return Status::success();
}

// FS 9.D.2: protected-memory regions would block DMA that the tables allow; Linux turns
// them off once translation is on. Only when CAP.PLMR or CAP.PHMR says PMEN exists.
Status VtdDriver::disableProtectedMemory() {
  if (!caps_.plmr && !caps_.phmr) return Status::success();
  io_.write32(PMEN_REG, io_.read32(PMEN_REG) & ~pmen::EPM);
  return io_.poll32(PMEN_REG, pmen::PRS, 0, "PMEN.PRS = 0 after PMEN.EPM = 0");
}

Status VtdDriver::disable() {
  VTD_FW_TRY(requireProbed("disable"));
  VTD_FW_TRY(gcmd_.setTranslation(false));
  enabled_ = false;
  return Status::success();
}

Status VtdDriver::enableInterruptRemapping(const InterruptRemappingOptions& options) {
  VTD_FW_TRY(requireProbed("enableInterruptRemapping"));
  return interrupt_remapping_.enable(options);
}

void VtdDriver::setFaultInterrupt(uint64_t msi_address, uint32_t msi_data) {
  faults_.setInterrupt(msi_address, msi_data);
}

std::vector<FaultRecord> VtdDriver::handleFaults() {
  if (!probed_) return {};  // FRO/NFR unknown: nothing can be read safely
  return faults_.handle();
}

Status VtdDriver::flushContextGlobal() {
  VTD_FW_TRY(requireProbed("flushContextGlobal"));
  return invalidator_->contextGlobal();
}

Status VtdDriver::flushContextDomain(uint16_t did) {
  VTD_FW_TRY(requireProbed("flushContextDomain"));
  return invalidator_->contextDomain(did);
}

Status VtdDriver::flushContextDevice(uint16_t sid, unsigned fm, uint16_t did) {
  VTD_FW_TRY(requireProbed("flushContextDevice"));
  return invalidator_->contextDevice(sid, fm, did);
}

Status VtdDriver::flushIotlbGlobal() {
  VTD_FW_TRY(requireProbed("flushIotlbGlobal"));
  return invalidator_->iotlbGlobal();
}

Status VtdDriver::flushIotlbDomain(uint16_t did) {
  VTD_FW_TRY(requireProbed("flushIotlbDomain"));
  return invalidator_->iotlbDomain(did);
}

Status VtdDriver::flushIotlbPages(uint16_t did, uint64_t addr, unsigned am, bool ih) {
  VTD_FW_TRY(requireProbed("flushIotlbPages"));
  return invalidator_->iotlbPages(did, addr, am, ih);
}

Status VtdDriver::flushWriteBuffer() {
  VTD_FW_TRY(requireProbed("flushWriteBuffer"));
  if (!caps_.rwbf) return Status::success();  // WBF is meaningful only with CAP.RWBF
  return gcmd_.flushWriteBuffer();
}

}  // namespace vtd::fw
