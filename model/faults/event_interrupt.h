// EventInterrupt: the IM/IP protocol shared by the fault event (FECTL/FEDATA/FEADDR/
// FEUADDR) and, later, the invalidation-completion and page-request events (FS 7.5).
// A new condition sets IP; with IM clear the message goes out at once and IP clears.
// Clearing IM while IP is set sends the held message. Software clearing every status bit
// that caused the condition clears IP without a message.
#pragma once

#include <cstdint>

#include "model/common/interrupt_sink.h"
#include "model/registers/register_file.h"
#include "model/registers/register_map.h"

namespace vtd {

class EventInterrupt {
 public:
  EventInterrupt(RegisterFile& regs, uint16_t ctl, uint16_t data, uint16_t addr, uint16_t uaddr)
      : regs_(regs), ctl_(ctl), data_(data), addr_(addr), uaddr_(uaddr) {}

  void setSink(InterruptSink* sink) { sink_ = sink; }

  // A new interrupt condition. Returns true when a message was sent.
  bool raise() {
    const uint64_t ctl = regs_.get(ctl_);
    if (ctl & reg::ectl::IM) {
      regs_.set(ctl_, ctl | reg::ectl::IP);
      ++held_;
      return false;
    }
    send();
    return true;
  }
  // After a software write to the control register.
  void onControlWrite(uint64_t old_ctl, uint64_t new_ctl) {
    if ((old_ctl & reg::ectl::IM) && !(new_ctl & reg::ectl::IM) && (new_ctl & reg::ectl::IP))
      send();
  }
  // The status bits behind the condition were all cleared by software.
  void clearPending() { regs_.set(ctl_, regs_.get(ctl_) & ~uint64_t(reg::ectl::IP)); }

  const uint64_t& sent() const { return sent_; }
  const uint64_t& held() const { return held_; }
  void resetStats() { sent_ = held_ = 0; }

 private:
  void send() {
    regs_.set(ctl_, regs_.get(ctl_) & ~uint64_t(reg::ectl::IP));
    MsiMessage m;
    m.address = regs_.get(uaddr_) << 32 | regs_.get(addr_);
    m.data = uint32_t(regs_.get(data_));
    ++sent_;
    if (sink_) sink_->deliver(m);
  }

  RegisterFile& regs_;
  uint16_t ctl_, data_, addr_, uaddr_;
  InterruptSink* sink_ = nullptr;
  uint64_t sent_ = 0, held_ = 0;
};

}  // namespace vtd
