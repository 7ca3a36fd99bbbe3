// QEMU command-line subset of `vtdsim serve`: the options qtest harnesses pass to
// qemu-system-x86_64, so a harness runs either program by swapping the binary.
// Understood: -machine/-M q35[,accel=..], -m SIZE (below 2816M), -qtest CHARDEV, -qtest-log FILE,
// -qmp CHARDEV, -chardev socket,... with -mon chardev=ID,mode=control (libqtest's QMP),
// -device intel-iommu,<props>, -device edu,<props>, -accel NAME.
// Accepted and ignored (they only matter to QEMU's CPU or display): -icount/-bios/-display/
// -trace/-D/-nographic/-S/-no-shutdown/-serial/-vga/-name. -accel, -enable-kvm and
// -machine kernel-irqchip= run no KVM here; they only decide, as in QEMU, whether time warps
// and what intremap=auto / eim=auto mean (iommu_profile.h).
// vtdsim's own additions: --profile qemu-7.2|vtdsim, --config FILE, --set KEY=VALUE.
// Anything else is an error naming the option, never silently dropped.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace vtd::serve {

struct ChardevSpec {
  enum class Kind { None, UnixClient, UnixServer, Stdio };
  Kind kind = Kind::None;
  std::string path;
  bool wait = true;  // UnixServer: block until a client connects (server=on,wait=on)
};

struct EduSpec {
  uint8_t devfn = 0;                      // dev << 3 | fn on bus 0
  uint64_t dma_mask = (1ull << 28) - 1;   // QEMU's edu default: 28 bits
};

struct IommuProperty {
  std::string name, value;
};

struct ServeOptions {
  uint64_t ram_bytes = 128ull << 20;   // QEMU's default -m is 128 MiB
  ChardevSpec qtest;
  std::string qtest_log;               // empty: no log; "/dev/null" works as in QEMU
  ChardevSpec qmp;
  std::string accel;                   // empty: qtest when -qtest is given (QEMU's default)
  // -machine kernel-irqchip=on|off|split as given (empty: not given). Used only with KVM, as
  // in QEMU, where it decides intel-iommu's intremap/eim defaults; TCG ignores any value.
  std::string kernel_irqchip;
  bool iommu = false;                  // -device intel-iommu present
  std::vector<IommuProperty> iommu_properties;  // in command-line order
  std::vector<EduSpec> edus;
  std::string profile = "qemu-7.2";
  std::vector<std::string> config_files;
  std::vector<std::string> overrides;  // --set KEY=VALUE

  // Time advances only through clock_step/clock_set under the qtest accelerator; any
  // other accelerator (QEMU's tcg with -icount shift=0,sleep=off) lets the idle machine
  // warp straight to its next timer, so device timers fire without clock commands.
  bool warpWhenIdle() const { return accel != "qtest"; }
};

// RAM is modelled below 4 GiB only, from address 0 up to QEMU q35's PCI hole: QEMU keeps RAM
// smaller than 0xB0000000 in one piece there and splits anything larger around the hole (2 GiB
// below 4 GiB, the rest above), which vtdsim does not model. A larger -m is refused rather
// than let RAM cover the PCI BAR window (a BAR at 0xC0000000 would silently hit RAM).
constexpr uint64_t kMaxRamBytes = 0xB0000000ull - (1ull << 20);  // 2815 MiB
std::string ramLimitText();

// Parses the arguments after "serve". On error returns false with a message naming the
// option or property at fault.
bool parseServeOptions(const std::vector<std::string>& args, ServeOptions& out, std::string& error);

// A QEMU boolean property value: on/true/yes or a bare flag (empty) is true, off/false/no is
// false; anything else returns false and leaves `value` alone.
bool parseOnOff(const std::string& text, bool& value);
// "-m" sizes: "256M", "1G", "256" (MiB), "size=256M[,...]".
bool parseMemorySize(const std::string& text, uint64_t& bytes);
// A QEMU chardev for -qtest/-qmp: "unix:PATH[,server=on|off][,wait=on|off]" (also the
// older ",server,nowait" flags) or "stdio".
bool parseChardev(const std::string& text, ChardevSpec& out, std::string& error);

}  // namespace vtd::serve
