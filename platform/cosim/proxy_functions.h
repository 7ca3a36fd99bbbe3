// The proxied PCI functions of `vtdsim cosim` (cosim_session.h's ProxyFunction):
//  - VtdRegisterFunction: the VT-d unit's register block behind the function's BAR0;
//  - RingEngineFunction: one ring DMA engine;
//  - PlaceholderFunction: a function with the same identity and BARs and no behaviour,
//    for the first QEMU run that only finds where the firmware places the BARs.
#pragma once

#include "platform/cosim/cosim_machine.h"
#include "platform/cosim/cosim_session.h"

namespace vtd::cosim {

class VtdRegisterFunction : public ProxyFunction {
 public:
  explicit VtdRegisterFunction(platform::CosimMachine& m) : m_(m) {}
  uint32_t configRead(unsigned o, unsigned n) override { return m_.vtdConfig().read(o, n); }
  void configWrite(unsigned o, unsigned n, uint32_t v) override { m_.vtdConfig().write(o, n, v); }
  uint64_t barRead(uint64_t o, unsigned n) override { return m_.vtdRegisterRead(o, n); }
  void barWrite(uint64_t o, unsigned n, uint64_t v) override { m_.vtdRegisterWrite(o, n, v); }
  uint64_t barSize() const override { return m_.vtdConfig().barSize(0); }

 private:
  platform::CosimMachine& m_;
};

class RingEngineFunction : public ProxyFunction {
 public:
  RingEngineFunction(platform::CosimMachine& m, size_t ring) : m_(m), ring_(ring) {}
  uint32_t configRead(unsigned o, unsigned n) override { return m_.rings.at(ring_)->configRead(o, n); }
  void configWrite(unsigned o, unsigned n, uint32_t v) override { m_.rings.at(ring_)->configWrite(o, n, v); }
  uint64_t barRead(uint64_t o, unsigned n) override { return m_.ringRegisterRead(ring_, o, n); }
  void barWrite(uint64_t o, unsigned n, uint64_t v) override { m_.ringRegisterWrite(ring_, o, n, v); }
  uint64_t barSize() const override { return m_.rings.at(ring_)->config().barSize(0); }

 private:
  platform::CosimMachine& m_;
  size_t ring_;
};

class PlaceholderFunction : public ProxyFunction {
 public:
  explicit PlaceholderFunction(const platform::PciConfigSpace& like) : config_(like) {}
  uint32_t configRead(unsigned o, unsigned n) override { return config_.read(o, n); }
  void configWrite(unsigned o, unsigned n, uint32_t v) override { config_.write(o, n, v); }
  uint64_t barRead(uint64_t, unsigned) override { return 0; }
  void barWrite(uint64_t, unsigned, uint64_t) override {}
  uint64_t barSize() const override { return config_.barSize(0); }
  // Where the firmware put BAR0 (0 while unplaced or being sized).
  uint64_t placedBar() const {
    const uint32_t raw = config_.peek(0x10, 4) & ~0xFu;
    return raw == (~(config_.barSize(0) - 1) & ~0xFu) ? 0 : raw;
  }

 private:
  platform::PciConfigSpace config_;
};

}  // namespace vtd::cosim
