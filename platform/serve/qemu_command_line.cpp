// QEMU command-line subset: parsing.
#include "platform/serve/qemu_command_line.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>

namespace vtd::serve {

namespace {

// "a=b,c=d,flag" -> ordered (key, value) pairs; a bare word has an empty value.
std::vector<std::pair<std::string, std::string>> splitProperties(const std::string& text) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    const std::string item = text.substr(start, comma - start);
    const size_t eq = item.find('=');
    if (eq == std::string::npos)
      out.emplace_back(item, "");
    else
      out.emplace_back(item.substr(0, eq), item.substr(eq + 1));
    start = comma + 1;
  }
  return out;
}

bool parseU64(const std::string& text, uint64_t& value) {
  if (text.empty() || text[0] == '-') return false;
  errno = 0;
  char* end = nullptr;
  value = std::strtoull(text.c_str(), &end, 0);  // QEMU's integer properties take base 0
  return errno == 0 && end && *end == '\0';
}

bool parseHexNumber(const std::string& text, unsigned& value) {
  if (text.empty() || text.size() > 2) return false;
  char* end = nullptr;
  value = unsigned(std::strtoul(text.c_str(), &end, 16));
  return end && *end == '\0';
}

// PCI "addr=SLOT[.FN]" in hexadecimal, as QEMU's PCI address property reads it.
bool parseDevfn(const std::string& text, uint8_t& devfn) {
  const size_t dot = text.find('.');
  unsigned slot = 0, fn = 0;
  if (!parseHexNumber(text.substr(0, dot), slot)) return false;
  if (dot != std::string::npos && !parseHexNumber(text.substr(dot + 1), fn)) return false;
  if (slot > 0x1F || fn > 7) return false;
  devfn = uint8_t(slot << 3 | fn);
  return true;
}

bool parseEdu(const std::vector<std::pair<std::string, std::string>>& props, bool nodefaults,
              std::vector<EduSpec>& edus, std::set<uint8_t>& used, std::string& error) {
  EduSpec edu;
  bool have_addr = false;
  for (size_t i = 1; i < props.size(); ++i) {
    const auto& [key, value] = props[i];
    if (key == "addr") {
      if (!parseDevfn(value, edu.devfn)) {
        error = "-device edu: addr '" + value + "' is not a PCI address SLOT[.FN] (hex, slot <= 1f, fn <= 7)";
        return false;
      }
      have_addr = true;
    } else if (key == "dma_mask") {
      if (!parseU64(value, edu.dma_mask)) {
        error = "-device edu: dma_mask '" + value + "' is not a number";
        return false;
      }
    } else if (key == "id") {
      // a name for QEMU's device tree; nothing refers to it here
    } else if (key == "bus") {
      if (value != "pcie.0") {
        error = "-device edu: bus '" + value + "' does not exist (only pcie.0, the root bus)";
        return false;
      }
    } else {
      error = "-device edu: property '" + key + "' is not supported";
      return false;
    }
  }
  if (!have_addr) {
    // First free slot, as QEMU assigns it: slot 0 is the host bridge, and without
    // -nodefaults QEMU's default VGA takes slot 1.
    for (unsigned slot = nodefaults ? 1 : 2; slot < 0x1F; ++slot)
      if (!used.count(uint8_t(slot << 3))) {
        edu.devfn = uint8_t(slot << 3);
        break;
      }
  }
  if (edu.devfn == 0 || (edu.devfn >> 3) == 0x1F || used.count(edu.devfn)) {
    char where[8];
    std::snprintf(where, sizeof where, "%02x.%x", edu.devfn >> 3, edu.devfn & 7);
    error = std::string("-device edu: PCI address ") + where +
            " is already in use (00.0 is the host bridge, 1f.x the ICH9 functions)";
    return false;
  }
  used.insert(edu.devfn);
  edus.push_back(edu);
  return true;
}

}  // namespace

bool parseOnOff(const std::string& text, bool& value) {
  if (text == "on" || text == "true" || text == "yes" || text.empty()) return value = true, true;
  if (text == "off" || text == "false" || text == "no") return value = false, true;
  return false;
}

std::string ramLimitText() {
  return "vtdsim serve models RAM below QEMU q35's PCI hole only (at most 2815M); QEMU would "
         "split a larger RAM around the hole at 0xB0000000, which is not modelled";
}

bool parseMemorySize(const std::string& text, uint64_t& bytes) {
  std::string size = text;
  for (const auto& [key, value] : splitProperties(text)) {
    if (key == "size") size = value;
  }
  if (size.find(',') != std::string::npos) size = size.substr(0, size.find(','));
  if (size.empty()) return false;
  uint64_t unit = 1ull << 20;  // QEMU: a bare number is MiB
  const char suffix = size.back();
  if (suffix == 'M' || suffix == 'm') unit = 1ull << 20, size.pop_back();
  else if (suffix == 'G' || suffix == 'g') unit = 1ull << 30, size.pop_back();
  else if (suffix == 'K' || suffix == 'k') unit = 1ull << 10, size.pop_back();
  else if (suffix == 'T' || suffix == 't') unit = 1ull << 40, size.pop_back();
  uint64_t n = 0;
  if (!parseU64(size, n) || n == 0 || n > (1ull << 50) / unit) return false;
  bytes = n * unit;
  return true;
}

bool parseChardev(const std::string& text, ChardevSpec& out, std::string& error) {
  if (text == "stdio") {
    out.kind = ChardevSpec::Kind::Stdio;
    return true;
  }
  if (text.rfind("unix:", 0) != 0) {
    error = "chardev '" + text + "': only unix:PATH and stdio are supported";
    return false;
  }
  auto props = splitProperties(text.substr(5));
  out.path = props[0].first + (props[0].second.empty() ? "" : "=" + props[0].second);
  if (out.path.empty()) {
    error = "chardev '" + text + "': empty socket path";
    return false;
  }
  bool server = false, wait = true;
  for (size_t i = 1; i < props.size(); ++i) {
    const auto& [key, value] = props[i];
    bool flag = false;
    if (key == "server" && parseOnOff(value, flag)) server = flag;
    else if (key == "wait" && parseOnOff(value, flag)) wait = flag;
    else if (key == "nowait" && value.empty()) wait = false;
    else if (key == "nodelay" || key == "reconnect") continue;
    else {
      error = "chardev '" + text + "': option '" + key + "' is not supported";
      return false;
    }
  }
  out.kind = server ? ChardevSpec::Kind::UnixServer : ChardevSpec::Kind::UnixClient;
  out.wait = wait;
  return true;
}

bool parseServeOptions(const std::vector<std::string>& args, ServeOptions& out, std::string& error) {
  // Options taking a value, and flags; QEMU accepts both -opt and --opt.
  static const std::set<std::string> kIgnoredWithValue = {"icount", "bios", "display", "trace", "D", "serial",
                                                          "vga", "name", "smp", "cpu", "L", "rtc", "global"};
  static const std::set<std::string> kIgnoredFlags = {"nodefaults", "nographic", "S", "no-shutdown",
                                                      "enable-kvm", "no-reboot", "snapshot"};
  std::map<std::string, std::string> chardevs;  // -chardev socket,id=ID,path=P -> chardev text
  std::set<uint8_t> used;
  bool nodefaults = false;
  bool enable_kvm = false;  // QEMU's shorthand for -accel kvm
  std::vector<std::vector<std::pair<std::string, std::string>>> edu_props;

  for (size_t i = 0; i < args.size(); ++i) {
    std::string opt = args[i];
    auto value = [&](std::string& v) {
      if (i + 1 >= args.size()) {
        error = "option " + args[i] + " needs a value";
        return false;
      }
      v = args[++i];
      return true;
    };
    if (opt.rfind("--", 0) == 0 && opt != "--profile" && opt != "--config" && opt != "--set") opt = opt.substr(1);
    std::string v;
    if (opt == "--profile") {
      if (!value(v)) return false;
      if (v != "qemu-7.2" && v != "vtdsim") {
        error = "--profile '" + v + "': expected qemu-7.2 or vtdsim";
        return false;
      }
      out.profile = v;
    } else if (opt == "--config") {
      if (!value(v)) return false;
      out.config_files.push_back(v);
    } else if (opt == "--set") {
      if (!value(v)) return false;
      out.overrides.push_back(v);
    } else if (opt.empty() || opt[0] != '-') {
      error = "unexpected argument '" + args[i] + "'";
      return false;
    } else if (opt == "-machine" || opt == "-M") {
      if (!value(v)) return false;
      auto props = splitProperties(v);
      for (size_t k = 0; k < props.size(); ++k) {
        const auto& [key, val] = props[k];
        const bool type = k == 0 && val.empty();
        if ((type || key == "type") && ((type ? key : val) == "q35" || (type ? key : val).rfind("pc-q35-", 0) == 0))
          continue;
        if (type || key == "type") {
          error = "-machine '" + (type ? key : val) + "': only q35 is modelled (QEMU's intel-iommu needs q35 too)";
          return false;
        }
        if (key == "accel") out.accel = val;
        else if (key == "kernel-irqchip") out.kernel_irqchip = val;  // read by the IOMMU profile
        else if (key == "smm" || key == "usb" || key == "graphics" || key == "dump-guest-core") continue;
        else {
          error = "-machine: property '" + key + "' is not supported";
          return false;
        }
      }
    } else if (opt == "-m") {
      if (!value(v)) return false;
      if (!parseMemorySize(v, out.ram_bytes)) {
        error = "-m '" + v + "': not a memory size (e.g. 256M, 1G)";
        return false;
      }
      if (out.ram_bytes > kMaxRamBytes) {
        error = "-m '" + v + "': " + ramLimitText();
        return false;
      }
    } else if (opt == "-qtest") {
      if (!value(v) || !parseChardev(v, out.qtest, error)) {
        if (error.rfind("chardev", 0) == 0) error = "-qtest: " + error;
        return false;
      }
    } else if (opt == "-qtest-log") {
      if (!value(v)) return false;
      out.qtest_log = v;
    } else if (opt == "-qmp") {
      if (!value(v) || !parseChardev(v, out.qmp, error)) {
        if (error.rfind("chardev", 0) == 0) error = "-qmp: " + error;
        return false;
      }
    } else if (opt == "-chardev") {
      if (!value(v)) return false;
      auto props = splitProperties(v);
      if (props[0].first != "socket" || !props[0].second.empty()) {
        error = "-chardev '" + v + "': only socket chardevs are supported";
        return false;
      }
      std::string id, path, rest;
      for (size_t k = 1; k < props.size(); ++k) {
        if (props[k].first == "id") id = props[k].second;
        else if (props[k].first == "path") path = props[k].second;
        else rest += "," + props[k].first + (props[k].second.empty() ? "" : "=" + props[k].second);
      }
      if (id.empty() || path.empty()) {
        error = "-chardev '" + v + "': needs id= and path=";
        return false;
      }
      chardevs[id] = "unix:" + path + rest;
    } else if (opt == "-mon") {
      if (!value(v)) return false;
      std::string id, mode = "readline";
      for (const auto& [key, val] : splitProperties(v)) {
        if (key == "chardev") id = val;
        else if (key == "mode") mode = val;
      }
      if (mode != "control" || !chardevs.count(id)) {
        error = "-mon '" + v + "': only mode=control on a -chardev given earlier is supported";
        return false;
      }
      if (!parseChardev(chardevs[id], out.qmp, error)) return false;
    } else if (opt == "-accel") {
      if (!value(v)) return false;
      out.accel = splitProperties(v)[0].first;
    } else if (opt == "-device") {
      if (!value(v)) return false;
      auto props = splitProperties(v);
      const std::string driver = props[0].second.empty() ? props[0].first : "";
      if (driver == "intel-iommu") {
        if (out.iommu) {
          error = "-device intel-iommu: only one IOMMU is supported";
          return false;
        }
        out.iommu = true;
        for (size_t k = 1; k < props.size(); ++k) out.iommu_properties.push_back({props[k].first, props[k].second});
      } else if (driver == "edu") {
        edu_props.push_back(props);
      } else {
        error = "-device '" + (driver.empty() ? v : driver) + "': not modelled (supported: intel-iommu, edu)";
        return false;
      }
    } else if (kIgnoredWithValue.count(opt.substr(1))) {
      if (!value(v)) return false;
    } else if (kIgnoredFlags.count(opt.substr(1))) {
      if (opt == "-nodefaults") nodefaults = true;
      if (opt == "-enable-kvm") enable_kvm = true;
    } else {
      error = "option '" + args[i] + "' is not supported by vtdsim serve";
      return false;
    }
  }
  // Slots are assigned after all options are read, so "-nodefaults" anywhere counts.
  for (const auto& props : edu_props)
    if (!parseEdu(props, nodefaults, out.edus, used, error)) return false;
  if (out.accel.empty() && enable_kvm) out.accel = "kvm";
  if (out.accel.empty() && out.qtest.kind != ChardevSpec::Kind::None) out.accel = "qtest";
  // Two chardevs on one stdin would each get an arbitrary share of its bytes, and on one
  // listening socket path the second would take the file from the first.
  if (out.qtest.kind == ChardevSpec::Kind::Stdio && out.qmp.kind == ChardevSpec::Kind::Stdio) {
    error = "cannot use stdio by multiple character devices (-qtest and -qmp)";  // QEMU's text
    return false;
  }
  if (out.qtest.kind == ChardevSpec::Kind::UnixServer &&
      out.qmp.kind == ChardevSpec::Kind::UnixServer && out.qtest.path == out.qmp.path) {
    error = "-qtest and -qmp cannot listen on the same socket '" + out.qtest.path + "'";
    return false;
  }
  if (out.qtest.kind == ChardevSpec::Kind::None && out.qmp.kind == ChardevSpec::Kind::None) {
    error = "nothing to serve: give -qtest unix:PATH|stdio and/or -qmp unix:PATH,server=on";
    return false;
  }
  return true;
}

}  // namespace vtd::serve
