// The co-simulation's SystemC-free pieces: QEMU 7.2's mpqemu framing (MpqemuLink), guest
// RAM from SYNC_SYSMEM (GuestRam) and the ACPI DMAR table (VT-d spec chapter 8).
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "platform/cosim/dmar_table.h"
#include "platform/cosim/guest_ram.h"
#include "platform/cosim/mpqemu_link.h"
#include "testbench/cosim/fake_qemu.h"

using namespace vtd::cosim;

namespace {

// QEMU's side of a socket pair: raw messages as hw/remote/mpqemu-link.c frames them.
struct Pair {
  int qemu = -1, device = -1;
  Pair() {
    int sv[2];
    EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    qemu = sv[1];
    device = sv[0];
  }
  ~Pair() {
    if (qemu >= 0) close(qemu);
  }
  void send(int32_t cmd, const void* payload, uint64_t size, const std::vector<int>& fds = {}) {
    test::sendMessage(qemu, cmd, payload, size, fds);
  }
};

using Bar = test::WireBar;
using Conf = test::WireConfig;

int memfdOf(size_t size) {
  const int fd = memfd_create("guest-ram", 0);
  EXPECT_GE(fd, 0);
  EXPECT_EQ(ftruncate(fd, off_t(size)), 0);
  return fd;
}

}  // namespace

TEST(MpqemuLink, DecodesBarAccessesAndRepliesWithRet) {
  Pair p;
  MpqemuLink link(p.device, "vtd0");
  Bar w{0xFEBFD018, 0x84000000, 4, 1, {}};
  p.send(4, &w, 24);
  MpqemuMessage m;
  ASSERT_TRUE(link.receive(m));
  EXPECT_EQ(m.command, MpqemuCommand::BarWrite);
  EXPECT_EQ(m.bar_address, 0xFEBFD018u);
  EXPECT_EQ(m.bar_value, 0x84000000u);
  EXPECT_EQ(m.bar_size, 4u);
  EXPECT_TRUE(m.bar_memory);
  EXPECT_TRUE(m.wantsReply());
  link.reply(0x1122334455667788ull);
  EXPECT_EQ(test::receiveRet(p.qemu), 0x1122334455667788ull);  // MPQEMU_CMD_RET, 8 bytes
}

TEST(MpqemuLink, DecodesConfigurationAccesses) {
  Pair p;
  MpqemuLink link(p.device, "ring0");
  Conf c{0x10, 0xFFFFFFFF, 4};
  p.send(2, &c, 12);
  MpqemuMessage m;
  ASSERT_TRUE(link.receive(m));
  EXPECT_EQ(m.command, MpqemuCommand::PciConfigWrite);
  EXPECT_EQ(m.config_offset, 0x10u);
  EXPECT_EQ(m.config_value, 0xFFFFFFFFu);
  EXPECT_EQ(m.config_length, 4);
}

// SYNC_SYSMEM is fire-and-forget and carries one descriptor per region.
TEST(MpqemuLink, SyncSysmemCarriesRegionsAndDescriptors) {
  Pair p;
  MpqemuLink link(p.device, "vtd0");
  const int fd = memfdOf(1 << 20);
  uint64_t payload[24] = {};
  payload[0] = 0;       // gpas
  payload[1] = 0xC0000;
  payload[8] = 0xA0000;  // sizes
  payload[9] = 0x40000;
  payload[16] = 0;       // offsets
  payload[17] = 0xC0000;
  p.send(0, payload, sizeof payload, {fd, fd});
  close(fd);
  MpqemuMessage m;
  ASSERT_TRUE(link.receive(m));
  EXPECT_EQ(m.command, MpqemuCommand::SyncSysmem);
  EXPECT_FALSE(m.wantsReply());
  ASSERT_EQ(m.regions.size(), 2u);
  EXPECT_EQ(m.regions[1].gpa, 0xC0000u);
  EXPECT_EQ(m.regions[1].size, 0x40000u);
  EXPECT_EQ(m.regions[1].offset, 0xC0000);
  GuestRam ram;
  EXPECT_TRUE(ram.sync(m.regions));  // takes and closes the descriptors
  EXPECT_TRUE(ram.mapped());
  EXPECT_EQ(ram.size(), 1u << 20);
  EXPECT_TRUE(ram.isRam(0x9F000, 0x1000));
  EXPECT_FALSE(ram.isRam(0xA0000, 4));  // the VGA hole between the regions
}

TEST(MpqemuLink, EndOfStreamIsNotAnError) {
  Pair p;
  MpqemuLink link(p.device, "vtd0");
  close(p.qemu);
  p.qemu = -1;
  MpqemuMessage m;
  EXPECT_FALSE(link.receive(m));
}

namespace {
void expectRefused(Pair& p, const char* expect) {
  MpqemuLink link(p.device, "ring3");
  MpqemuMessage m;
  try {
    link.receive(m);
    ADD_FAILURE() << "no error for " << expect;
  } catch (const MpqemuError& e) {
    EXPECT_NE(std::string(e.what()).find("ring3"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(expect), std::string::npos) << e.what();
  }
}
}  // namespace

TEST(MpqemuLink, MalformedMessagesNameTheDeviceAndTheProblem) {
  {
    Pair p;
    uint64_t short_payload = 0;
    p.send(4, &short_payload, 8);
    expectRefused(p, "BAR_WRITE with a 8-byte payload");
  }
  {
    Pair p;
    p.send(99, nullptr, 0);
    expectRefused(p, "unknown command 99");
  }
  {
    // A header claiming more than the protocol's largest payload (192 bytes).
    Pair p;
    uint8_t h[16] = {};
    const int32_t cmd = 5;
    const uint64_t size = 4096;
    std::memcpy(h, &cmd, 4);
    std::memcpy(h + 8, &size, 8);
    ASSERT_EQ(write(p.qemu, h, 16), 16);
    expectRefused(p, "payload of 4096 bytes");
  }
}

TEST(MpqemuLink, BarAccessOfAnImpossibleSizeIsRefused) {
  Pair p;
  MpqemuLink link(p.device, "vtd0");
  Bar w{0x1000, 0, 3, 1, {}};
  p.send(5, &w, 24);
  MpqemuMessage m;
  EXPECT_THROW(link.receive(m), MpqemuError);
}

// q35 above 2815 MiB moves RAM to 4 GiB: the file offset stops being the address.
TEST(GuestRam, RefusesRamWhoseOffsetIsNotItsAddress) {
  const int fd = memfdOf(1 << 20);
  GuestRam ram;
  try {
    ram.sync({{0x100000000ull, 0x1000, 0x1000, fd}});
    FAIL() << "accepted";
  } catch (const GuestRamError& e) {
    EXPECT_NE(std::string(e.what()).find("2815 MiB"), std::string::npos) << e.what();
  }
}

TEST(GuestRam, RefusesASecondFileAndRegionsBeyondTheFile) {
  const int a = memfdOf(1 << 20), b = memfdOf(1 << 20), c = dup(a);
  GuestRam ram;
  EXPECT_TRUE(ram.sync({{0, 1 << 20, 0, a}}));
  EXPECT_THROW(ram.sync({{0, 4096, 0, b}}), GuestRamError);
  EXPECT_THROW(ram.sync({{0, 2 << 20, 0, c}}), GuestRamError);
  EXPECT_EQ(ram.syncs(), 3u);
}

TEST(GuestRam, BytesAreSharedWithTheFile) {
  const int fd = memfdOf(1 << 20);
  const int keep = dup(fd);
  GuestRam ram;
  ram.sync({{0, 1 << 20, 0, fd}});
  ram.bytes()[0x1234] = 0x5A;
  uint8_t v = 0;
  ASSERT_EQ(pread(keep, &v, 1, 0x1234), 1);
  EXPECT_EQ(v, 0x5A);
  close(keep);
}

// VT-d spec 8.1 (DMAR header), 8.3 (DRHD), 8.3.1 (device scope).
TEST(DmarTable, LayoutAndChecksum) {
  DmarTableSpec s;
  s.host_address_width = 39;
  s.register_base = 0xFEBFD000;
  s.register_pages = 1;
  s.scope_devfns = {4 << 3, 5 << 3 | 1};
  const std::vector<uint8_t> t = buildDmarTable(s);
  ASSERT_EQ(t.size(), 48u + 16u + 2 * 8u);
  EXPECT_EQ(std::string(t.begin(), t.begin() + 4), "DMAR");
  uint32_t length;
  std::memcpy(&length, &t[4], 4);
  EXPECT_EQ(length, t.size());
  uint8_t sum = 0;
  for (uint8_t b : t) sum = uint8_t(sum + b);
  EXPECT_EQ(sum, 0);        // ACPI: all bytes add up to 0
  EXPECT_EQ(t[36], 38);     // HAW - 1
  EXPECT_EQ(t[37], 0);      // no INTR_REMAP, no X2APIC_OPT_OUT
  const uint8_t* drhd = &t[48];
  EXPECT_EQ(drhd[0] | drhd[1] << 8, 0);   // type DRHD
  EXPECT_EQ(drhd[2] | drhd[3] << 8, 32);  // its length
  EXPECT_EQ(drhd[4], 0);                  // not INCLUDE_PCI_ALL
  uint64_t base;
  std::memcpy(&base, drhd + 8, 8);
  EXPECT_EQ(base, 0xFEBFD000u);
  const uint8_t* scope = drhd + 16;
  EXPECT_EQ(scope[0], 1);  // PCI endpoint
  EXPECT_EQ(scope[1], 8);
  EXPECT_EQ(scope[5], 0);  // start bus
  EXPECT_EQ(scope[6], 4);  // device
  EXPECT_EQ(scope[7], 0);  // function
  EXPECT_EQ(scope[8 + 6], 5);
  EXPECT_EQ(scope[8 + 7], 1);
}

TEST(DmarTable, RegisterSetSizeIsAPowerOfTwoOfPages) {
  DmarTableSpec s;
  s.register_pages = 2;  // 8 KiB of registers: Size = 1 (2^1 pages)
  EXPECT_EQ(buildDmarTable(s)[48 + 5], 1);
}
