// `vtdsim serve` command line: QEMU's options as qtest harnesses pass them, and the
// intel-iommu properties mapped onto the QEMU-7.2 profile (CAP/ECAP values measured on
// QEMU 7.2.22, QEMU-PEER.md).
#include <gtest/gtest.h>

#include "model/registers/capability.h"
#include "platform/serve/iommu_profile.h"
#include "platform/serve/qemu_command_line.h"

namespace vtd::serve {
namespace {

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < line.size()) {
    size_t end = line.find(' ', start);
    if (end == std::string::npos) end = line.size();
    if (end > start) out.push_back(line.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

ServeOptions parseOk(const std::string& line) {
  ServeOptions o;
  std::string error;
  EXPECT_TRUE(parseServeOptions(split(line), o, error)) << error;
  return o;
}

std::string parseError(const std::string& line) {
  ServeOptions o;
  std::string error;
  EXPECT_FALSE(parseServeOptions(split(line), o, error)) << line;
  return error;
}

const char* kReferenceLine =
    "-machine q35 -m 256M -nodefaults -display none -bios hlt.bin -qtest unix:/tmp/q.sock "
    "-qtest-log /dev/null -qmp unix:/tmp/m.sock,server=on,wait=off -device intel-iommu,aw-bits=48 "
    "-accel tcg -icount shift=0,sleep=off -device edu,addr=4.0,dma_mask=0xffffffffffffffff "
    "-trace enable=vtd_*,file=/tmp/t";

TEST(ServeCommandLine, AcceptsTheReferenceQemuCommandLine) {
  const ServeOptions o = parseOk(kReferenceLine);
  EXPECT_EQ(o.ram_bytes, 256ull << 20);
  EXPECT_EQ(o.qtest.kind, ChardevSpec::Kind::UnixClient);
  EXPECT_EQ(o.qtest.path, "/tmp/q.sock");
  EXPECT_EQ(o.qtest_log, "/dev/null");
  EXPECT_EQ(o.qmp.kind, ChardevSpec::Kind::UnixServer);
  EXPECT_FALSE(o.qmp.wait);
  EXPECT_TRUE(o.iommu);
  ASSERT_EQ(o.iommu_properties.size(), 1u);
  EXPECT_EQ(o.iommu_properties[0].name, "aw-bits");
  ASSERT_EQ(o.edus.size(), 1u);
  EXPECT_EQ(o.edus[0].devfn, 4 << 3);  // 00:04.0 -> source id 0x0020
  EXPECT_EQ(o.edus[0].dma_mask, ~0ull);
  EXPECT_EQ(o.accel, "tcg");
  EXPECT_TRUE(o.warpWhenIdle());
}

TEST(ServeCommandLine, QtestWithoutAccelIsTheQtestAcceleratorWithClockCommandsOnly) {
  const ServeOptions o = parseOk("-machine q35 -qtest stdio");
  EXPECT_EQ(o.qtest.kind, ChardevSpec::Kind::Stdio);
  EXPECT_EQ(o.accel, "qtest");
  EXPECT_FALSE(o.warpWhenIdle());
  EXPECT_EQ(o.ram_bytes, 128ull << 20);  // QEMU's default -m
}

TEST(ServeCommandLine, LibqtestStyleQmpThroughChardevAndMon) {
  const ServeOptions o = parseOk("-qtest unix:/tmp/q -chardev socket,path=/tmp/qmp,id=char0 -mon chardev=char0,mode=control "
                                 "-display none -accel qtest -machine q35,accel=qtest");
  EXPECT_EQ(o.qmp.kind, ChardevSpec::Kind::UnixClient);
  EXPECT_EQ(o.qmp.path, "/tmp/qmp");
  EXPECT_EQ(o.accel, "qtest");
}

TEST(ServeCommandLine, EduAddressesDefaultsAndConflicts) {
  ServeOptions o = parseOk("-qtest stdio -nodefaults -device edu -device edu,addr=5.0 -device edu,addr=6.0,bus=pcie.0");
  ASSERT_EQ(o.edus.size(), 3u);
  EXPECT_EQ(o.edus[0].devfn, 1 << 3);  // first free slot with -nodefaults
  EXPECT_EQ(o.edus[0].dma_mask, (1ull << 28) - 1);  // QEMU edu default: 28-bit DMA
  EXPECT_NE(parseError("-qtest stdio -device edu,addr=4.0 -device edu,addr=4.0").find("already in use"), std::string::npos);
  EXPECT_NE(parseError("-qtest stdio -device edu,addr=1f.7").find("1f.7 is already in use"), std::string::npos);
  EXPECT_NE(parseError("-qtest stdio -device edu,addr=20.0").find("addr '20.0'"), std::string::npos);
  EXPECT_NE(parseError("-qtest stdio -device edu,dma_mask=lots").find("dma_mask 'lots'"), std::string::npos);
  EXPECT_NE(parseError("-qtest stdio -device edu,colour=red").find("'colour'"), std::string::npos);
  o = parseOk("-qtest stdio -device edu");
  EXPECT_EQ(o.edus[0].devfn, 2 << 3);  // without -nodefaults QEMU's VGA sits in slot 1
}

TEST(ServeCommandLine, ErrorsNameTheOption) {
  EXPECT_NE(parseError("-qtest stdio -machine pc").find("only q35"), std::string::npos);
  EXPECT_NE(parseError("-qtest stdio -device e1000").find("'e1000'"), std::string::npos);
  EXPECT_NE(parseError("-qtest stdio -m lots").find("-m 'lots'"), std::string::npos);
  EXPECT_NE(parseError("-qtest tcp:127.0.0.1:4444").find("only unix:PATH and stdio"), std::string::npos);
  EXPECT_NE(parseError("-qtest stdio -netdev user").find("'-netdev'"), std::string::npos);
  EXPECT_NE(parseError("-qtest").find("needs a value"), std::string::npos);
  EXPECT_NE(parseError("-display none").find("nothing to serve"), std::string::npos);
  EXPECT_NE(parseError("-qtest stdio --profile qemu-9").find("--profile"), std::string::npos);
}

TEST(ServeCommandLine, MemorySizes) {
  uint64_t b = 0;
  EXPECT_TRUE(parseMemorySize("256M", b));
  EXPECT_EQ(b, 256ull << 20);
  EXPECT_TRUE(parseMemorySize("1G", b));
  EXPECT_EQ(b, 1ull << 30);
  EXPECT_TRUE(parseMemorySize("512", b));
  EXPECT_EQ(b, 512ull << 20);
  EXPECT_TRUE(parseMemorySize("size=2G,slots=2,maxmem=4G", b));
  EXPECT_EQ(b, 2ull << 30);
  EXPECT_FALSE(parseMemorySize("0", b));
  EXPECT_FALSE(parseMemorySize("12Q", b));
}

TEST(ServeCommandLine, RamStopsBelowTheQ35PciHole) {
  // QEMU's q35 keeps RAM below 0xB0000000 in one piece and splits anything larger around the
  // PCI hole; vtdsim refuses such sizes instead of letting RAM hide the BAR window at
  // 0xC0000000 or reach the DMAR block (review fix: with -m 4000M edu's BAR0 read RAM).
  EXPECT_EQ(parseOk("-qtest stdio -m 2815M").ram_bytes, kMaxRamBytes);
  for (const char* size : {"2816M", "3G", "4000M", "4G", "64G", "1000T"}) {
    const std::string error = parseError(std::string("-qtest stdio -m ") + size);
    EXPECT_NE(error.find("PCI hole"), std::string::npos) << size;
  }
}

TEST(ServeCommandLine, ChardevsCannotShareStdioOrASocketPath) {
  // Both would read the same stdin (QEMU refuses with this text); the second listener on one
  // path would take the socket file from the first.
  EXPECT_NE(parseError("-qtest stdio -qmp stdio").find("cannot use stdio by multiple"),
            std::string::npos);
  const std::string same = "-qtest unix:/tmp/s,server=on -qmp unix:/tmp/s,server=on,wait=off";
  EXPECT_NE(parseError(same).find("same socket"), std::string::npos);
  parseOk("-qtest unix:/tmp/a,server=on -qmp unix:/tmp/b,server=on,wait=off");
  parseOk("-qtest stdio -qmp unix:/tmp/b,server=on,wait=off");
}

TEST(ServeCommandLine, ChardevFlagsOldAndNewSyntax) {
  ChardevSpec c;
  std::string e;
  ASSERT_TRUE(parseChardev("unix:/tmp/x,server,nowait", c, e));
  EXPECT_EQ(c.kind, ChardevSpec::Kind::UnixServer);
  EXPECT_FALSE(c.wait);
  ASSERT_TRUE(parseChardev("unix:/tmp/x,server=on", c, e));
  EXPECT_TRUE(c.wait);
  EXPECT_FALSE(parseChardev("unix:", c, e));
  EXPECT_FALSE(parseChardev("unix:/tmp/x,telnet=on", c, e));
}

// --- the QEMU-7.2 profile -------------------------------------------------------------

UnitParams profile(const std::string& iommu, const std::string& extra = "") {
  ServeOptions o = parseOk("-qtest stdio -device intel-iommu" + iommu + " " + extra);
  UnitParams u;
  std::string error;
  EXPECT_TRUE(applyIommuProfile(o, u, error)) << error;
  return u;
}

std::string profileError(const std::string& iommu, const std::string& extra = "") {
  ServeOptions o = parseOk("-qtest stdio -device intel-iommu" + iommu + " " + extra);
  UnitParams u;
  std::string error;
  EXPECT_FALSE(applyIommuProfile(o, u, error));
  return error;
}

// CAP/ECAP as QEMU 7.2 reports them (QEMU-PEER "CAP / ECAP per option set", and ECAP
// 0xf00f5a read from QEMU with eim=on,x-buggy-eim=on): QI, IR with MHMV=0xF, PT, IRO.
TEST(QemuProfile, CapEqualsQemuForEachMeasuredOptionSet) {
  EXPECT_EQ(encodeVersion(profile("")), 0x10u);
  EXPECT_EQ(encodeCap(profile("")), 0x00d2008c22260206ull);
  EXPECT_EQ(encodeEcap(profile("")), 0x0000000000f00f4aull);
  EXPECT_EQ(encodeEcap(profile(",aw-bits=48")), 0x0000000000f00f4aull);
  EXPECT_EQ(encodeCap(profile(",aw-bits=48,caching-mode=on")), 0x00d2008c222f0686ull);
  // device-iotlb=on: ECAP.DT (bit 2) and nothing else (PEER, "CAP / ECAP per option set").
  EXPECT_EQ(encodeCap(profile(",aw-bits=48,caching-mode=on,device-iotlb=on")), 0x00d2008c222f0686ull);
  EXPECT_EQ(encodeEcap(profile(",aw-bits=48,caching-mode=on,device-iotlb=on")), 0x0000000000f00f4eull);
  EXPECT_TRUE(profile(",device-iotlb=on").device_tlb);
  EXPECT_FALSE(profile(",device-iotlb=off").device_tlb);
  EXPECT_EQ(encodeEcap(profile(",intremap=off")), 0x0000000000000f42ull);
  EXPECT_EQ(encodeEcap(profile(",intremap=on")), 0x0000000000f00f4aull);
  EXPECT_EQ(encodeEcap(profile(",intremap=auto")), 0x0000000000f00f4aull);
  EXPECT_EQ(encodeEcap(profile(",pt=off")), 0x0000000000f00f0aull);
  EXPECT_EQ(encodeEcap(profile(",eim=on,x-buggy-eim=on")), 0x0000000000f00f5aull);
  EXPECT_EQ(encodeEcap(profile(",snoop-control=on")) & (1u << 7), 1u << 7);
}

// QEMU 7.2 under TCG (measured): intremap=auto -> on, eim=auto -> off, eim=on refused
// (needs KVM's split irqchip) unless x-buggy-eim=on, eim=on refused with intremap=off.
// Never posted interrupts.
TEST(QemuProfile, InterruptModesUnderTcg) {
  UnitParams u = profile("");
  EXPECT_TRUE(u.interrupt_remapping);
  EXPECT_FALSE(u.extended_interrupt_mode);
  EXPECT_FALSE(u.posted_interrupts);
  EXPECT_FALSE(profile(",intremap=off").interrupt_remapping);
  EXPECT_FALSE(profile(",eim=off").extended_interrupt_mode);
  EXPECT_FALSE(profile(",eim=auto").extended_interrupt_mode);
  u = profile(",x-buggy-eim=on");  // eim=auto with x-buggy-eim: on
  EXPECT_TRUE(u.interrupt_remapping && u.extended_interrupt_mode);
  EXPECT_FALSE(profile(",x-buggy-eim=on,intremap=off").extended_interrupt_mode);
  EXPECT_FALSE(profile(",x-buggy-eim=on,eim=off").extended_interrupt_mode);
  // TCG ignores kernel-irqchip, whatever its value
  EXPECT_TRUE(profile(",intremap=on", "-machine q35,kernel-irqchip=on").interrupt_remapping);
  EXPECT_NE(profileError(",eim=on").find("kernel-irqchip=split"), std::string::npos);
  EXPECT_NE(profileError(",eim=on,intremap=off").find("intremap"), std::string::npos);
  EXPECT_NE(profileError(",eim=on,intremap=off,x-buggy-eim=on").find("intremap"), std::string::npos);
  // OnOffAuto takes on/off/auto only (QEMU: "does not accept value 'yes'")
  EXPECT_NE(profileError(",intremap=yes").find("on, off or auto"), std::string::npos);
  EXPECT_NE(profileError(",eim=true").find("on, off or auto"), std::string::npos);
}

// With KVM (QEMU's source; nothing here runs KVM): the q35 default kernel-irqchip=on keeps
// the IOAPIC in the kernel, so intremap=auto is off and intremap=on refused; split lets
// IR on and makes eim=auto on.
TEST(QemuProfile, InterruptModesUnderKvm) {
  UnitParams u = profile("", "-accel kvm");
  EXPECT_FALSE(u.interrupt_remapping);
  EXPECT_FALSE(u.extended_interrupt_mode);
  EXPECT_FALSE(profile("", "-enable-kvm").interrupt_remapping);
  EXPECT_NE(profileError(",intremap=on", "-machine q35,accel=kvm").find("kernel-irqchip=split"), std::string::npos);
  EXPECT_NE(profileError(",eim=on", "-machine q35,accel=kvm").find("intremap"), std::string::npos);
  u = profile("", "-machine q35,accel=kvm,kernel-irqchip=split");
  EXPECT_TRUE(u.interrupt_remapping && u.extended_interrupt_mode);
  u = profile(",intremap=on,eim=on", "-machine q35,accel=kvm,kernel-irqchip=split");
  EXPECT_TRUE(u.interrupt_remapping && u.extended_interrupt_mode);
  u = profile("", "-machine q35,kernel-irqchip=off -accel kvm");
  EXPECT_TRUE(u.interrupt_remapping);
  EXPECT_FALSE(u.extended_interrupt_mode);  // no in-kernel LAPIC: eim=auto stays off
  EXPECT_NE(profileError("", "-machine q35,kernel-irqchip=maybe -accel kvm").find("kernel-irqchip=maybe"),
            std::string::npos);
}

TEST(QemuProfile, QemuLayoutAndSpecPermittedChoices) {
  const UnitParams u = profile("");
  EXPECT_EQ(u.fault_records, 1u);          // NFR=0
  EXPECT_EQ(u.fault_record_offset, 0x220u);
  EXPECT_EQ(u.iotlb_reg_offset, 0xF0u);    // IOTLB_REG at 0xF8
  EXPECT_TRUE(u.collapse_same_source_faults);
  EXPECT_TRUE(u.queued_invalidation);
  EXPECT_TRUE(u.validate().empty());
}

TEST(QemuProfile, VtdsimProfileKeepsTheRicherDefaults) {
  const UnitParams u = profile(",aw-bits=39", "--profile vtdsim");
  EXPECT_EQ(u.fault_records, UnitParams{}.fault_records);
  EXPECT_EQ(u.mgaw_bits, 39u);
  EXPECT_FALSE(u.interrupt_remapping);  // intremap=auto keeps the model's own default
  const UnitParams on = profile(",intremap=on,eim=on", "--profile vtdsim");
  EXPECT_TRUE(on.interrupt_remapping && on.extended_interrupt_mode);  // no KVM rule here
}

TEST(QemuProfile, MissingFeaturesAndBadValuesAreNamed) {
  EXPECT_NE(profileError(",aw-bits=57").find("39 and 48"), std::string::npos);
  EXPECT_NE(profileError(",x-scalable-mode=on").find("scalable mode"), std::string::npos);
  EXPECT_NE(profileError(",device-iotlb=maybe").find("device-iotlb=maybe"), std::string::npos);
  EXPECT_NE(profileError(",x-pasid-mode=on").find("scalable mode"), std::string::npos);
  EXPECT_NE(profileError(",caching-mode=maybe").find("caching-mode=maybe"), std::string::npos);
  EXPECT_NE(profileError(",turbo=on").find("'turbo'"), std::string::npos);
}

}  // namespace
}  // namespace vtd::serve
