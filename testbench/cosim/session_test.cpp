// CosimSession against a stand-in for QEMU on the other end of the socket pairs: each
// command answered (or not) as QEMU 7.2's proxy expects, BAR addresses turned into
// offsets inside BAR0 and anything outside it answered by nobody, console lines passed
// on, and a protocol violation ending the run with the device's name.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <thread>
#include <vector>

#include "platform/cosim/cosim_session.h"
#include "testbench/cosim/fake_qemu.h"

using namespace vtd::cosim;

namespace {

struct Recorder : ProxyFunction {
  uint32_t configRead(unsigned offset, unsigned) override { return offset == 0x10 ? bar : 0x7D011234u + offset; }
  void configWrite(unsigned offset, unsigned, uint32_t value) override {
    if (offset == 0x10) bar = value;
  }
  uint64_t barRead(uint64_t offset, unsigned) override {
    reads.push_back(offset);
    return 0xAB00 + offset;
  }
  void barWrite(uint64_t offset, unsigned, uint64_t value) override { writes.push_back({offset, value}); }
  uint64_t barSize() const override { return 0x1000; }
  uint32_t bar = 0;
  std::vector<uint64_t> reads;
  std::vector<std::pair<uint64_t, uint64_t>> writes;
};

// The stand-in's side (fake_qemu.h).
struct FakeQemu {
  int fd;
  void send(int32_t cmd, const void* payload, uint64_t size) { test::sendMessage(fd, cmd, payload, size); }
  uint64_t ret() { return test::receiveRet(fd); }
  uint64_t bar(int32_t cmd, uint64_t addr, uint64_t val, uint32_t size) { return test::barAccess(fd, cmd, addr, val, size); }
};

}  // namespace

TEST(CosimSession, AnswersAsQemusProxyExpects) {
  Recorder f;
  CosimSession session({{"dev0", 4 << 3, &f}}, nullptr);
  const std::vector<std::string> args = session.qemuDeviceArgs();
  ASSERT_EQ(args.size(), 2u);
  EXPECT_NE(args[1].find("x-pci-proxy-dev,id=dev0,fd="), std::string::npos);
  EXPECT_NE(args[1].find(",addr=4.0"), std::string::npos);
  // A shell stands in for QEMU's process (its console: one line); the test thread speaks
  // the protocol on QEMU's socket end.
  QemuProcess process({"/bin/sh", "-c", "echo console line; sleep 30"}, {});
  const int qemu_end = dup(session.qemuFds()[0]);
  session.closeQemuEnds();
  std::vector<std::string> lines;
  session.onConsoleLine = [&](const std::string& l, CosimSession::Clock::time_point) { lines.push_back(l); };
  std::atomic<bool> done{false};
  // The loop looks at least every 100 ms; the console line may come after the messages.
  session.stopWhen = [&] { return done.load() && !lines.empty(); };
  std::thread qemu([&] {
    FakeQemu q{qemu_end};
    test::WireConfig cfg{0x10, 0xFEBFE000, 4};
    q.send(2, &cfg, 12);  // PCI_CFGWRITE: answered
    EXPECT_EQ(q.ret(), 0u);
    cfg = {0x00, 0, 4};
    q.send(3, &cfg, 12);  // PCI_CFGREAD
    EXPECT_EQ(q.ret(), 0x7D011234u);
    EXPECT_EQ(q.bar(5, 0xFEBFE020, 0, 4), 0xAB20u);        // BAR_READ at offset 0x20
    EXPECT_EQ(q.bar(4, 0xFEBFE018, 0x84, 4), 0u);          // BAR_WRITE at 0x18
    EXPECT_EQ(q.bar(5, 0xFEBFE000 + 0x1000, 0, 4), 0u);    // past BAR0: nobody answers
    EXPECT_EQ(q.bar(5, 0xFEBFE000 + 0xFFE, 0, 4), 0u);     // straddles its end
    EXPECT_EQ(q.bar(4, 0x1'FEBFE018ull, 0x1, 4), 0u);      // far above: no aliasing
    q.send(6, nullptr, 0);  // SET_IRQFD: fire and forget, no answer
    q.send(7, nullptr, 0);  // DEVICE_RESET: answered
    EXPECT_EQ(q.ret(), 0u);
    done = true;
  });
  const SessionEnd end = session.serve(process, CosimSession::Clock::now() + std::chrono::seconds(20));
  qemu.join();
  close(qemu_end);
  EXPECT_TRUE(end.stopped);
  EXPECT_TRUE(end.error.empty()) << end.error;
  EXPECT_EQ(f.bar, 0xFEBFE000u);
  EXPECT_EQ(f.reads, std::vector<uint64_t>{0x20});
  ASSERT_EQ(f.writes.size(), 1u);
  EXPECT_EQ(f.writes[0].first, 0x18u);
  EXPECT_EQ(session.counts().stray_accesses, 3u);
  EXPECT_EQ(session.counts().resets, 1u);
  EXPECT_EQ(session.counts().config_accesses, 2u);
  EXPECT_EQ(lines, std::vector<std::string>{"console line"});
}

TEST(CosimSession, AProtocolViolationEndsTheRunNamingTheDevice) {
  Recorder f;
  CosimSession session({{"ring7", 5 << 3, &f}}, nullptr);
  QemuProcess process({"/bin/sh", "-c", "sleep 30"}, {});
  const int qemu_end = dup(session.qemuFds()[0]);
  session.closeQemuEnds();
  FakeQemu q{qemu_end};
  q.send(42, nullptr, 0);
  const SessionEnd end = session.serve(process, CosimSession::Clock::now() + std::chrono::seconds(20));
  close(qemu_end);
  EXPECT_NE(end.error.find("ring7"), std::string::npos) << end.error;
  EXPECT_NE(end.error.find("unknown command 42"), std::string::npos) << end.error;
  EXPECT_TRUE(process.exited());  // the session stopped its QEMU
}
