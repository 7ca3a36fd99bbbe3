/* vtdsim_guest.c: the guest-side test driver of `vtdsim cosim`.
 *
 * Runs as /bin/vtdsim-guest in the co-simulation guest (a Debian Linux under QEMU whose VT-d
 * unit and ring DMA engine, PCI 1234:7D01, are served by the vtdsim SystemC model through
 * x-pci-proxy-dev). From guest user space it drives the engine the way a VM with an assigned
 * device would be driven, so that the *unmodified Linux intel-iommu driver* programs the
 * modelled VT-d unit:
 *
 *   1. binds the engine to vfio-pci, attaches its IOMMU group to a VFIO type1v2 container,
 *      enables memory decoding and bus mastering, and reaches BAR0 through the device fd;
 *   2. maps a "VM's RAM" (--ram-mib, anonymous memory, or 2 MiB huge pages with --hugepages)
 *      with one VFIO_IOMMU_MAP_DMA at --ram-iova, as QEMU does for an assigned device, so Linux
 *      writes second-level page tables (2 MiB leaves with huge pages) for the model to walk;
 *   3. puts the descriptor ring at the start of that RAM and runs a workload of FILL, COPY and
 *      CHECKSUM descriptors on buffers placed pseudo-randomly over the whole RAM (4 KiB..256 KiB,
 *      some unaligned), --batch descriptors per TAIL doorbell, and verifies every byte written,
 *      every checksum and guard bytes around every destination;
 *   4. checks faults: DMA to an IOVA after VFIO_IOMMU_UNMAP_DMA (Linux must have invalidated
 *      the model's IOTLB) and to an IOVA never mapped must end in VRDM_DESC_DMA_ERROR.
 *
 * Output: lines `VTDSIM-GUEST <what> ... uptime=<s>` and, last, exactly one
 * `VTDSIM-GUEST RESULT PASS` or `VTDSIM-GUEST RESULT FAIL <reason>`; exit status 0 only on PASS.
 * --no-dma-check makes a reference run for a device model that does no DMA: the same VFIO and
 * register sequence, without waiting for descriptors or verifying anything.
 *
 * Build: gcc -O2 -static -Wall -Wextra -I<repository root> (scripts/cosim-guest.sh does it).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/mman.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "platform/devices/ring_dma_abi.h"

#define KIB 1024ull
#define MIB (1024ull * 1024ull)
#define HUGE_2M (2 * MIB)
#define GUARD 64u /* bytes checked on each side of every destination */

/* ---- options --------------------------------------------------------------------------- */
static struct {
  const char *bdf;
  uint64_t ram_mib, ram_iova;
  int hugepages;
  uint32_t ring, batch, seed;
  uint64_t dma_mib;
  uint64_t scratch_iova, unmapped_iova;
  double timeout_s;
  int check; /* 0 with --no-dma-check */
} opt = {NULL, 64, 0, 0, 256, 32, 1, 16, 0x100000000ull, 0x200000000ull, 10.0, 1};

/* ---- reporting ------------------------------------------------------------------------- */
static char fail_reason[256];

static double uptime(void) {
  struct timespec t;
  clock_gettime(CLOCK_BOOTTIME, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...) {
  char line[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  printf("VTDSIM-GUEST %s uptime=%.3f\n", line, uptime());
  fflush(stdout);
}

/* Records the first failure (it becomes the RESULT reason) and prints every one. */
static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int fail(const char *fmt, ...) {
  char msg[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  printf("VTDSIM-GUEST error: %s\n", msg);
  fflush(stdout);
  if (!fail_reason[0]) snprintf(fail_reason, sizeof fail_reason, "%s", msg);
  return -1;
}
#define SYSFAIL(...) sysfail_(errno, __VA_ARGS__)
static int sysfail_(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int sysfail_(int err, const char *fmt, ...) {
  char what[200];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  return fail("%s: %s", what, strerror(err));
}

/* ---- small helpers ----------------------------------------------------------------------- */
static int read_text(const char *path, char *buf, size_t n) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t r = read(fd, buf, n - 1);
  int e = errno;
  close(fd);
  if (r < 0) { errno = e; return -1; }
  buf[r] = 0;
  while (r > 0 && (buf[r - 1] == '\n' || buf[r - 1] == ' ')) buf[--r] = 0;
  return 0;
}

static int write_text(const char *path, const char *text) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t r = write(fd, text, strlen(text));
  int e = errno;
  close(fd);
  if (r < 0) { errno = e; return -1; }
  return 0;
}

static uint64_t rng_state;
static uint64_t rnd(void) { /* splitmix64: deterministic for a given --seed */
  uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
static uint64_t rnd_below(uint64_t n) { return n ? rnd() % n : 0; }

static uint8_t pattern_byte(uint32_t seed, uint64_t i) {
  return (uint8_t)(vrdm_pattern_word(seed, i / 8) >> (8 * (i % 8)));
}
static uint8_t guard_byte(uint64_t off) { return (uint8_t)(0xA5u ^ (off * 0x9Du) ^ (off >> 8)); }

/* Writes the bitwise complement of FILL's pattern, so a byte the engine skipped never passes. */
static void poison(uint8_t *p, uint32_t seed, uint64_t len) {
  uint64_t i = 0;
  for (; i + 8 <= len; i += 8) {
    uint64_t w = ~vrdm_pattern_word(seed, i / 8);
    memcpy(p + i, &w, 8);
  }
  for (; i < len; i++) p[i] = (uint8_t)~pattern_byte(seed, i);
}

/* Index of the first byte that differs from FILL's pattern, or len. Word-wise where possible. */
static uint64_t pattern_mismatch(const volatile uint8_t *vp, uint32_t seed, uint64_t len) {
  const uint8_t *p = (const uint8_t *)vp;
  uint64_t i = 0;
  for (; i + 8 <= len; i += 8) {
    uint64_t want = vrdm_pattern_word(seed, i / 8), got;
    memcpy(&got, p + i, 8); /* x86 is little-endian: byte k of the word is byte i+k */
    if (got != want) break;
  }
  for (; i < len; i++)
    if (p[i] != pattern_byte(seed, i)) return i;
  return len;
}

/* ---- VFIO device ------------------------------------------------------------------------ */
static int container_fd = -1, group_fd = -1, device_fd = -1;
static uint64_t bar0_off, config_off;
static int io_failed;

static uint32_t reg_rd(uint32_t reg) {
  uint32_t v = 0;
  ssize_t r = pread(device_fd, &v, 4, (off_t)(bar0_off + reg));
  if (r != 4) {
    if (!io_failed) {
      if (r < 0) SYSFAIL("pread BAR0+0x%x", reg);
      else fail("pread BAR0+0x%x: short read (%zd bytes)", reg, r);
    }
    io_failed = 1;
  }
  return v;
}
static void reg_wr(uint32_t reg, uint32_t v) {
  ssize_t r = pwrite(device_fd, &v, 4, (off_t)(bar0_off + reg));
  if (r != 4) {
    if (!io_failed) {
      if (r < 0) SYSFAIL("pwrite BAR0+0x%x", reg);
      else fail("pwrite BAR0+0x%x: short write (%zd bytes)", reg, r);
    }
    io_failed = 1;
  }
}
static uint64_t reg_rd64(uint32_t lo) { return reg_rd(lo) | (uint64_t)reg_rd(lo + 4) << 32; }

static int find_device(char *bdf, size_t n) {
  if (opt.bdf) {
    snprintf(bdf, n, "%s%s", strchr(opt.bdf, ':') == strrchr(opt.bdf, ':') ? "0000:" : "", opt.bdf);
    char p[PATH_MAX];
    snprintf(p, sizeof p, "/sys/bus/pci/devices/%s", bdf);
    if (access(p, F_OK) != 0) return fail("no device %s in /sys/bus/pci/devices", bdf);
    return 0;
  }
  DIR *d = opendir("/sys/bus/pci/devices");
  if (!d) return SYSFAIL("opendir /sys/bus/pci/devices");
  struct dirent *e;
  int found = 0;
  while ((e = readdir(d)) && !found) {
    if (e->d_name[0] == '.') continue;
    char p[PATH_MAX], ven[32], dev[32];
    snprintf(p, sizeof p, "/sys/bus/pci/devices/%s/vendor", e->d_name);
    if (read_text(p, ven, sizeof ven)) continue;
    snprintf(p, sizeof p, "/sys/bus/pci/devices/%s/device", e->d_name);
    if (read_text(p, dev, sizeof dev)) continue;
    if (strtoul(ven, NULL, 16) == VRDM_VENDOR_ID && strtoul(dev, NULL, 16) == VRDM_DEVICE_ID) {
      snprintf(bdf, n, "%s", e->d_name);
      found = 1;
    }
  }
  closedir(d);
  if (!found)
    return fail("no device %04x:%04x in /sys/bus/pci/devices", VRDM_VENDOR_ID, VRDM_DEVICE_ID);
  return 0;
}

static int current_driver(const char *bdf, char *drv, size_t n) {
  char p[PATH_MAX], link[PATH_MAX];
  snprintf(p, sizeof p, "/sys/bus/pci/devices/%s/driver", bdf);
  ssize_t r = readlink(p, link, sizeof link - 1);
  if (r < 0) { drv[0] = 0; return 0; }
  link[r] = 0;
  snprintf(drv, n, "%s", strrchr(link, '/') + 1);
  return 0;
}

static int bind_vfio(const char *bdf) {
  char p[PATH_MAX], drv[64];
  if (access("/sys/bus/pci/drivers/vfio-pci", F_OK) != 0)
    return fail("vfio-pci driver not loaded (modprobe vfio-pci failed?)");
  current_driver(bdf, drv, sizeof drv);
  if (strcmp(drv, "vfio-pci") == 0) return 0;
  snprintf(p, sizeof p, "/sys/bus/pci/devices/%s/driver_override", bdf);
  if (write_text(p, "vfio-pci")) return SYSFAIL("write vfio-pci to %s", p);
  if (drv[0]) {
    snprintf(p, sizeof p, "/sys/bus/pci/devices/%s/driver/unbind", bdf);
    if (write_text(p, bdf)) return SYSFAIL("unbind %s from %s", bdf, drv);
  }
  if (write_text("/sys/bus/pci/drivers_probe", bdf))
    return SYSFAIL("bind %s to vfio-pci (write /sys/bus/pci/drivers_probe)", bdf);
  current_driver(bdf, drv, sizeof drv);
  if (strcmp(drv, "vfio-pci") != 0)
    return fail("%s is bound to '%s', not vfio-pci", bdf, drv[0] ? drv : "(none)");
  return 0;
}

static int open_vfio(const char *bdf, int *group_no) {
  char p[PATH_MAX], link[PATH_MAX];
  snprintf(p, sizeof p, "/sys/bus/pci/devices/%s/iommu_group", bdf);
  ssize_t r = readlink(p, link, sizeof link - 1);
  if (r < 0)
    return SYSFAIL("%s has no IOMMU group (intel_iommu=on? a DMAR unit covering it?): readlink %s",
                   bdf, p);
  link[r] = 0;
  *group_no = atoi(strrchr(link, '/') + 1);

  container_fd = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
  if (container_fd < 0) return SYSFAIL("open /dev/vfio/vfio");
  int api = ioctl(container_fd, VFIO_GET_API_VERSION);
  if (api != VFIO_API_VERSION) return fail("VFIO API version %d, expected %d", api, VFIO_API_VERSION);
  if (ioctl(container_fd, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) <= 0)
    return fail("VFIO has no type1v2 IOMMU (vfio_iommu_type1 not loaded?)");

  snprintf(p, sizeof p, "/dev/vfio/%d", *group_no);
  group_fd = open(p, O_RDWR | O_CLOEXEC);
  if (group_fd < 0) return SYSFAIL("open %s", p);
  struct vfio_group_status gs = {.argsz = sizeof gs};
  if (ioctl(group_fd, VFIO_GROUP_GET_STATUS, &gs)) return SYSFAIL("VFIO_GROUP_GET_STATUS");
  if (!(gs.flags & VFIO_GROUP_FLAGS_VIABLE))
    return fail("IOMMU group %d is not viable (another device of the group has a host driver)",
                *group_no);
  if (ioctl(group_fd, VFIO_GROUP_SET_CONTAINER, &container_fd))
    return SYSFAIL("VFIO_GROUP_SET_CONTAINER");
  if (ioctl(container_fd, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
    return SYSFAIL("VFIO_SET_IOMMU type1v2 (no interrupt remapping and no allow_unsafe_interrupts?)");
  device_fd = ioctl(group_fd, VFIO_GROUP_GET_DEVICE_FD, bdf);
  if (device_fd < 0) return SYSFAIL("VFIO_GROUP_GET_DEVICE_FD %s", bdf);

  struct vfio_region_info cfg = {.argsz = sizeof cfg, .index = VFIO_PCI_CONFIG_REGION_INDEX};
  if (ioctl(device_fd, VFIO_DEVICE_GET_REGION_INFO, &cfg))
    return SYSFAIL("VFIO_DEVICE_GET_REGION_INFO config");
  config_off = cfg.offset;
  uint16_t cmd = 0;
  if (pread(device_fd, &cmd, 2, (off_t)(config_off + PCI_COMMAND)) != 2)
    return SYSFAIL("read PCI COMMAND");
  cmd |= PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
  if (pwrite(device_fd, &cmd, 2, (off_t)(config_off + PCI_COMMAND)) != 2)
    return SYSFAIL("write PCI COMMAND");

  struct vfio_region_info bar = {.argsz = sizeof bar, .index = VFIO_PCI_BAR0_REGION_INDEX};
  if (ioctl(device_fd, VFIO_DEVICE_GET_REGION_INFO, &bar))
    return SYSFAIL("VFIO_DEVICE_GET_REGION_INFO BAR0");
  if (bar.size < VRDM_BAR_SIZE || (bar.flags & (VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE)) !=
                                      (VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE))
    return fail("BAR0 is %llu bytes with flags 0x%x, expected %u bytes read/write",
                (unsigned long long)bar.size, bar.flags, VRDM_BAR_SIZE);
  bar0_off = bar.offset;
  return 0;
}

static int dma_map(void *va, uint64_t iova, uint64_t size) {
  struct vfio_iommu_type1_dma_map m = {.argsz = sizeof m,
                                       .flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
                                       .vaddr = (uintptr_t)va, .iova = iova, .size = size};
  if (ioctl(container_fd, VFIO_IOMMU_MAP_DMA, &m))
    return SYSFAIL("VFIO_IOMMU_MAP_DMA iova 0x%" PRIx64 " size 0x%" PRIx64, iova, size);
  return 0;
}
static int dma_unmap(uint64_t iova, uint64_t size) {
  struct vfio_iommu_type1_dma_unmap u = {.argsz = sizeof u, .iova = iova, .size = size};
  if (ioctl(container_fd, VFIO_IOMMU_UNMAP_DMA, &u))
    return SYSFAIL("VFIO_IOMMU_UNMAP_DMA iova 0x%" PRIx64 " size 0x%" PRIx64, iova, size);
  if (u.size != size)
    return fail("VFIO_IOMMU_UNMAP_DMA iova 0x%" PRIx64 " unmapped 0x%llx of 0x%" PRIx64 " bytes",
                iova, (unsigned long long)u.size, size);
  return 0;
}

/* ---- the VM's RAM ------------------------------------------------------------------------ */
static uint8_t *ram;
static uint64_t ram_bytes;

static long meminfo_value(const char *key) {
  char buf[4096];
  if (read_text("/proc/meminfo", buf, sizeof buf)) return -1;
  char *p = strstr(buf, key);
  return p ? strtol(p + strlen(key), NULL, 10) : -1;
}

static int map_ram(void) {
  ram_bytes = opt.ram_mib * MIB;
  int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE;
  if (opt.hugepages) {
    if (opt.ram_iova % HUGE_2M)
      return fail("--hugepages needs a 2 MiB aligned --ram-iova (got 0x%" PRIx64 ")", opt.ram_iova);
    if (ram_bytes % HUGE_2M) return fail("--hugepages needs an even --ram-mib");
    flags |= MAP_HUGETLB | MAP_HUGE_2MB;
    long free_pages = meminfo_value("HugePages_Free:");
    long need = (long)(ram_bytes / HUGE_2M);
    if (free_pages >= 0 && free_pages < need) { /* reserve the missing pages */
      char buf[64];
      if (read_text("/proc/sys/vm/nr_hugepages", buf, sizeof buf))
        return SYSFAIL("read /proc/sys/vm/nr_hugepages");
      long want = atol(buf) + need - free_pages;
      snprintf(buf, sizeof buf, "%ld", want);
      if (write_text("/proc/sys/vm/nr_hugepages", buf))
        return SYSFAIL("write %s to /proc/sys/vm/nr_hugepages", buf);
      long now_free = meminfo_value("HugePages_Free:");
      say("hugepages reserved nr_hugepages=%ld free=%ld need=%ld", want, now_free, need);
      if (now_free < need)
        return fail("only %ld free 2 MiB huge pages after reserving, need %ld (guest RAM too small?)",
                    now_free, need);
    }
  }
  /* Debian's kernel backs anonymous memory with transparent huge pages whenever it can, which
   * would give a random mix of 2 MiB and 4 KiB IOMMU leaves; without --hugepages ask for 4 KiB. */
  if (!opt.hugepages && prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0))
    return SYSFAIL("prctl PR_SET_THP_DISABLE");
  void *p = mmap(NULL, ram_bytes, PROT_READ | PROT_WRITE, flags, -1, 0);
  if (p == MAP_FAILED)
    return SYSFAIL("mmap %" PRIu64 " MiB of %s", opt.ram_mib, opt.hugepages ? "2 MiB huge pages" : "memory");
  ram = p;
  if (dma_map(ram, opt.ram_iova, ram_bytes)) return -1;
  struct vfio_iommu_type1_info info = {.argsz = sizeof info};
  unsigned long long pgsizes = 0;
  if (ioctl(container_fd, VFIO_IOMMU_GET_INFO, &info) == 0 && (info.flags & VFIO_IOMMU_INFO_PGSIZES))
    pgsizes = info.iova_pgsizes;
  say("mapped ram iova=0x%" PRIx64 " size=%" PRIu64 "MiB pages=%s iommu_pgsizes=0x%llx",
      opt.ram_iova, opt.ram_mib, opt.hugepages ? "2MiB" : "4KiB", pgsizes);
  return 0;
}

/* ---- ring -------------------------------------------------------------------------------- */
static volatile struct vrdm_desc *ring;
static uint32_t tail;               /* next free slot (what TAIL was last set to) */
static uint64_t ring_bytes;         /* ring size rounded up to 4 KiB */
static uint64_t desc_count, desc_bytes, batch_count;
static double device_seconds; /* from each doorbell until its batch has completed */

static int setup_ring(void) {
  ring = (volatile struct vrdm_desc *)ram;
  ring_bytes = ((uint64_t)opt.ring * sizeof(struct vrdm_desc) + 4095) & ~4095ull;
  if (ring_bytes * 2 > ram_bytes) return fail("--ring %u does not fit in --ram-mib %" PRIu64, opt.ring, opt.ram_mib);
  memset(ram, 0, ring_bytes);
  reg_wr(VRDM_REG_CONTROL, VRDM_CONTROL_RESET);
  uint32_t id = reg_rd(VRDM_REG_ID), ver = reg_rd(VRDM_REG_VERSION);
  uint32_t head = reg_rd(VRDM_REG_HEAD), done = reg_rd(VRDM_REG_COMPLETED), st = reg_rd(VRDM_REG_STATUS);
  if (io_failed) return -1;
  say("ring iova=0x%" PRIx64 " entries=%u id=0x%08x version=%u", opt.ram_iova, opt.ring, id, ver);
  if (opt.check) { /* a reference run makes the same accesses but does not judge the values */
    if (id != VRDM_ID_VALUE) return fail("BAR0 ID register 0x%08x, expected 0x%08x", id, VRDM_ID_VALUE);
    if (ver != VRDM_VERSION) return fail("BAR0 VERSION %u, this tool speaks %u", ver, VRDM_VERSION);
    if (head || done || st)
      return fail("after RESET: HEAD=%u COMPLETED=%u STATUS=0x%x, expected all 0", head, done, st);
  }
  reg_wr(VRDM_REG_RING_LO, (uint32_t)opt.ram_iova);
  reg_wr(VRDM_REG_RING_HI, (uint32_t)(opt.ram_iova >> 32));
  reg_wr(VRDM_REG_RING_SIZE, opt.ring);
  reg_wr(VRDM_REG_CONTROL, VRDM_CONTROL_ENABLE);
  tail = 0;
  return io_failed ? -1 : 0;
}

/* Writes one descriptor into the next free slot; returns its slot. */
static uint32_t put_desc(uint32_t op, uint64_t src, uint64_t dst, uint32_t len, uint32_t seed) {
  uint32_t slot = tail;
  volatile struct vrdm_desc *d = &ring[slot];
  d->op = op;
  d->src = src;
  d->dst = dst;
  d->len = len;
  d->seed = seed;
  d->result = 0;
  d->error_iova = 0;
  d->reserved[0] = d->reserved[1] = 0;
  d->status = VRDM_DESC_PENDING;
  tail = (tail + 1) % opt.ring;
  desc_count++;
  desc_bytes += len;
  return slot;
}

static void doorbell(void) {
  __atomic_thread_fence(__ATOMIC_SEQ_CST); /* descriptors are in memory before TAIL moves */
  reg_wr(VRDM_REG_TAIL, tail);
  batch_count++;
}

/* Waits until descriptors first..first+n-1 (ring slots) are no longer pending. */
static int wait_descs(uint32_t first, uint32_t n) {
  double deadline = uptime() + opt.timeout_s;
  for (uint32_t k = 0; k < n; k++) {
    uint32_t slot = (first + k) % opt.ring;
    unsigned spins = 0;
    while (__atomic_load_n(&ring[slot].status, __ATOMIC_ACQUIRE) == VRDM_DESC_PENDING) {
      if (++spins % 1024 == 0 && uptime() > deadline)
        return fail("timeout: descriptor slot %u still pending %.1f s after the doorbell "
                    "(HEAD=%u COMPLETED=%u STATUS=0x%x)", slot, opt.timeout_s,
                    reg_rd(VRDM_REG_HEAD), reg_rd(VRDM_REG_COMPLETED), reg_rd(VRDM_REG_STATUS));
    }
  }
  return 0;
}

static const char *op_name(uint32_t op) {
  return op == VRDM_OP_FILL ? "FILL" : op == VRDM_OP_COPY ? "COPY" : op == VRDM_OP_CHECKSUM ? "CHECKSUM" : "?";
}

/* The descriptor in `slot`, submitted as `op` over `len` bytes, completed with status OK (and,
 * for FILL and COPY, result == len). The submitted values come from the caller, not the ring,
 * so an engine that rewrote them in its write-back cannot hide it. */
static int expect_ok(uint32_t slot, uint32_t op, uint32_t len) {
  volatile struct vrdm_desc *d = &ring[slot];
  uint32_t status = d->status;
  if (status != VRDM_DESC_OK)
    return fail("%s src=0x%" PRIx64 " dst=0x%" PRIx64 " len=%u: status %u error_iova=0x%" PRIx64,
                op_name(op), d->src, d->dst, len, status, d->error_iova);
  if (op != VRDM_OP_CHECKSUM && d->result != len)
    return fail("%s dst=0x%" PRIx64 " len=%u: result %" PRIu64 ", expected the length", op_name(op),
                d->dst, len, d->result);
  return 0;
}

/* ---- workload ------------------------------------------------------------------------------ */
struct buf { uint64_t off; uint32_t len; };       /* offset into the RAM */
struct job {
  int ndesc;                 /* 3: FILL a, COPY a->b, CHECKSUM b; 2: FILL a, CHECKSUM a; 1: FILL a */
  struct buf a, b;
  uint32_t seed;
  uint32_t slot[3];
};

static int overlaps(const struct job *jobs, int n, uint64_t off, uint32_t len) {
  uint64_t lo = off - GUARD, hi = off + len + GUARD;
  for (int j = 0; j < n; j++) {
    const struct buf *bs[2] = {&jobs[j].a, jobs[j].ndesc == 3 ? &jobs[j].b : NULL};
    for (int k = 0; k < 2; k++)
      if (bs[k] && lo < bs[k]->off + bs[k]->len + GUARD && bs[k]->off - GUARD < hi) return 1;
  }
  return 0;
}

/* Picks a place for `len` bytes anywhere in the RAM after the ring, clear of the batch so far. */
static int place(const struct job *jobs, int n, uint32_t len, int unaligned, uint64_t *off) {
  uint64_t lo = ring_bytes + GUARD, hi = ram_bytes - GUARD;
  for (int tries = 0; tries < 200; tries++) {
    uint64_t o = lo + rnd_below(hi - lo - len);
    if (!unaligned) o = (o + 4095) & ~4095ull;
    if (o + len > hi) continue;
    if (!overlaps(jobs, n, o, len)) { *off = o; return 0; }
  }
  return -1;
}

static void guard_write(uint64_t off, uint32_t len) {
  for (uint32_t i = 1; i <= GUARD; i++) ram[off - i] = guard_byte(off - i);
  for (uint32_t i = 0; i < GUARD; i++) ram[off + len + i] = guard_byte(off + len + i);
}
static int guard_check(uint64_t off, uint32_t len) {
  for (uint64_t p = off - GUARD; p < off + len + GUARD; p = p == off - 1 ? off + len : p + 1)
    if (ram[p] != guard_byte(p))
      return fail("guard byte at iova 0x%" PRIx64 " (destination 0x%" PRIx64 "+%u) changed to 0x%02x",
                  opt.ram_iova + p, opt.ram_iova + off, len, ram[p]);
  return 0;
}

static int check_pattern(uint64_t off, uint32_t len, uint32_t seed, const char *what) {
  uint64_t bad = pattern_mismatch(ram + off, seed, len);
  if (bad != len)
    return fail("%s at iova 0x%" PRIx64 " len %u: byte %" PRIu64 " is 0x%02x, expected 0x%02x", what,
                opt.ram_iova + off, len, bad, ram[off + bad], pattern_byte(seed, bad));
  return 0;
}

static int verify_job(const struct job *j) {
  if (expect_ok(j->slot[0], VRDM_OP_FILL, j->a.len) || check_pattern(j->a.off, j->a.len, j->seed, "FILL destination") ||
      guard_check(j->a.off, j->a.len))
    return -1;
  const struct buf *sum_of = &j->a;
  if (j->ndesc == 3) {
    if (expect_ok(j->slot[1], VRDM_OP_COPY, j->a.len)) return -1;
    if (memcmp(ram + j->a.off, ram + j->b.off, j->a.len))
      return fail("COPY destination iova 0x%" PRIx64 " differs from its source 0x%" PRIx64 " (len %u)",
                  opt.ram_iova + j->b.off, opt.ram_iova + j->a.off, j->a.len);
    if (guard_check(j->b.off, j->b.len)) return -1;
    sum_of = &j->b;
  }
  if (j->ndesc >= 2) {
    uint32_t s = j->slot[j->ndesc - 1];
    if (expect_ok(s, VRDM_OP_CHECKSUM, sum_of->len)) return -1;
    uint64_t want = vrdm_fnv1a64(VRDM_FNV_START, ram + sum_of->off, sum_of->len);
    if (ring[s].result != want)
      return fail("CHECKSUM of iova 0x%" PRIx64 " len %u: 0x%016" PRIx64 ", CPU says 0x%016" PRIx64,
                  opt.ram_iova + sum_of->off, sum_of->len, ring[s].result, want);
  }
  return 0;
}

static int workload(void) {
  uint64_t target = opt.dma_mib * MIB;
  uint32_t per_batch = opt.batch;
  /* Buffer lengths: 4 KiB .. 256 KiB, but small enough that a batch fits in a small RAM. */
  uint64_t room = ram_bytes - ring_bytes - 2 * GUARD;
  uint64_t max_len = 256 * KIB;
  while (max_len > 4 * KIB && max_len * per_batch > room) max_len /= 2;
  uint32_t nchunks = (uint32_t)((ram_bytes + HUGE_2M - 1) / HUGE_2M), touched = 0;
  uint8_t *chunk_seen = calloc(nchunks, 1);
  struct job *jobs = calloc(per_batch, sizeof *jobs);
  if (!chunk_seen || !jobs) return fail("out of memory for the workload tables");
  uint64_t lowest = UINT64_MAX, highest = 0;
  double t0 = uptime();
  int rc = 0;

  while (desc_bytes < target && rc == 0) {
    int njobs = 0;
    uint32_t used = 0;
    while (used < per_batch && desc_bytes < target) {
      struct job *j = &jobs[njobs];
      uint32_t left = per_batch - used;
      j->ndesc = left >= 3 ? 3 : (int)left;
      /* log-uniform length between 4 KiB and max_len; a quarter are unaligned */
      int unaligned = rnd_below(4) == 0;
      unsigned shift = (unsigned)rnd_below(7);
      uint64_t len = 4 * KIB << shift;
      if (len > max_len) len = max_len;
      len += rnd_below(len);
      if (len > max_len) len = max_len;
      if (!unaligned) len &= ~4095ull; /* else an odd tail of 1..4095 bytes, within max_len */
      else len = (len + 4096 > max_len ? len - 4096 : len & ~4095ull) + 1 + rnd_below(4095);
      j->a.len = j->b.len = (uint32_t)len;
      if (place(jobs, njobs, j->a.len, unaligned, &j->a.off)) break;
      if (j->ndesc == 3) {
        njobs++; /* so that b is placed clear of a */
        int r = place(jobs, njobs, j->b.len, unaligned, &j->b.off);
        njobs--;
        if (r) break;
      }
      j->seed = (uint32_t)rnd();
      uint64_t a_iova = opt.ram_iova + j->a.off, b_iova = opt.ram_iova + j->b.off;
      if (opt.check) {
        poison(ram + j->a.off, j->seed, j->a.len);
        guard_write(j->a.off, j->a.len);
        if (j->ndesc == 3) {
          poison(ram + j->b.off, j->seed, j->b.len);
          guard_write(j->b.off, j->b.len);
        }
      }
      j->slot[0] = put_desc(VRDM_OP_FILL, 0, a_iova, j->a.len, j->seed);
      if (j->ndesc == 3) {
        j->slot[1] = put_desc(VRDM_OP_COPY, a_iova, b_iova, j->a.len, 0);
        j->slot[2] = put_desc(VRDM_OP_CHECKSUM, b_iova, 0, j->b.len, 0);
      } else if (j->ndesc == 2) {
        j->slot[1] = put_desc(VRDM_OP_CHECKSUM, a_iova, 0, j->a.len, 0);
      }
      const struct buf *bs[2] = {&j->a, j->ndesc == 3 ? &j->b : NULL};
      for (int k = 0; k < 2; k++) {
        if (!bs[k]) continue;
        if (bs[k]->off < lowest) lowest = bs[k]->off;
        if (bs[k]->off + bs[k]->len > highest) highest = bs[k]->off + bs[k]->len;
        for (uint64_t c = bs[k]->off / HUGE_2M; c <= (bs[k]->off + bs[k]->len - 1) / HUGE_2M; c++)
          if (!chunk_seen[c]) { chunk_seen[c] = 1; touched++; }
      }
      used += (uint32_t)j->ndesc;
      njobs++;
    }
    if (njobs == 0) { rc = fail("cannot place a buffer in the RAM (--ram-mib too small?)"); break; }
    double t_ring = uptime();
    doorbell();
    if (io_failed) { rc = -1; break; }
    if (opt.check && wait_descs(jobs[0].slot[0], used)) { rc = -1; break; }
    device_seconds += uptime() - t_ring;
    if (!opt.check) continue;
    for (int k = 0; k < njobs && rc == 0; k++) rc = verify_job(&jobs[k]);
  }
  double secs = uptime() - t0;
  uint32_t head = reg_rd(VRDM_REG_HEAD), completed = reg_rd(VRDM_REG_COMPLETED);
  if (rc == 0 && opt.check && !io_failed) {
    if (head != tail) rc = fail("after the workload HEAD=%u, TAIL=%u", head, tail);
    else if (completed != (uint32_t)desc_count)
      rc = fail("after the workload COMPLETED=%u, %" PRIu64 " descriptors were submitted", completed, desc_count);
  }
  if (io_failed) rc = -1;
  if (rc == 0)
    say("workload descriptors=%" PRIu64 " bytes=%" PRIu64 " batches=%" PRIu64 " seconds=%.3f "
        "device_seconds=%.3f iova_span=0x%" PRIx64 "-0x%" PRIx64 " chunks_2MiB=%u/%u%s",
        desc_count, desc_bytes, batch_count, secs, device_seconds, opt.ram_iova + lowest, opt.ram_iova + highest,
        touched, nchunks, opt.check ? "" : " (not verified: reference run)");
  free(chunk_seen);
  free(jobs);
  return rc;
}

/* ---- faults ------------------------------------------------------------------------------ */
/* One FILL to `iova` that must fail with a DMA error at `iova`; checks the registers too. */
static int expect_fault(uint64_t iova, uint32_t len, const char *why) {
  uint32_t errors0 = reg_rd(VRDM_REG_DMA_ERRORS);
  uint32_t slot = put_desc(VRDM_OP_FILL, 0, iova, len, 0xFA017u);
  doorbell();
  if (io_failed) return -1;
  if (opt.check && wait_descs(slot, 1)) return -1;
  uint32_t errors1 = reg_rd(VRDM_REG_DMA_ERRORS);
  uint64_t reg_iova = reg_rd64(VRDM_REG_ERROR_IOVA_LO);
  uint32_t status = reg_rd(VRDM_REG_STATUS);
  if (io_failed) return -1;
  if (!opt.check) {
    say("fault not checked iova=0x%" PRIx64 " (%s; reference run)", iova, why);
    return 0;
  }
  volatile struct vrdm_desc *d = &ring[slot];
  if (d->status != VRDM_DESC_DMA_ERROR)
    return fail("FILL to iova 0x%" PRIx64 " (%s): status %u, expected DMA_ERROR (%u)", iova, why,
                d->status, VRDM_DESC_DMA_ERROR);
  if (d->error_iova != iova)
    return fail("FILL to iova 0x%" PRIx64 " (%s): error_iova 0x%" PRIx64, iova, why, d->error_iova);
  if (errors1 != errors0 + 1)
    return fail("FILL to iova 0x%" PRIx64 " (%s): DMA_ERRORS went from %u to %u", iova, why, errors0, errors1);
  if (reg_iova != iova)
    return fail("FILL to iova 0x%" PRIx64 " (%s): ERROR_IOVA register 0x%" PRIx64, iova, why, reg_iova);
  if (status & (VRDM_STATUS_FETCH_ERROR | VRDM_STATUS_BAD_RING))
    return fail("engine STATUS 0x%x after a data fault (the ring itself is mapped)", status);
  say("fault ok iova=0x%" PRIx64 " (%s) dma_errors=%u", iova, why, errors1);
  return 0;
}

static int fault_check(void) {
  const uint64_t size = 64 * KIB, off = 4 * KIB;
  const uint32_t len = 8 * KIB, seed = 0x5C7A7C4u;
  uint8_t *s = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
  if (s == MAP_FAILED) return SYSFAIL("mmap the 64 KiB scratch buffer");
  uint8_t *snapshot = malloc(size);
  if (!snapshot) return fail("out of memory for the scratch snapshot");
  memset(s, 0x3C, size);
  int rc = dma_map(s, opt.scratch_iova, size);
  if (rc == 0) {
    uint32_t slot = put_desc(VRDM_OP_FILL, 0, opt.scratch_iova + off, len, seed);
    doorbell();
    if (io_failed) rc = -1;
    else if (opt.check) {
      rc = (wait_descs(slot, 1) || expect_ok(slot, VRDM_OP_FILL, len)) ? -1 : 0;
      if (rc == 0 && pattern_mismatch(s + off, seed, len) != len)
        rc = fail("FILL into the scratch mapping at iova 0x%" PRIx64 " wrote the wrong bytes", opt.scratch_iova + off);
      for (uint64_t i = 0; rc == 0 && i < size; i++)
        if ((i < off || i >= off + len) && s[i] != 0x3C)
          rc = fail("FILL into the scratch mapping changed byte %" PRIu64 " outside its destination", i);
    }
    memcpy(snapshot, s, size);
    if (dma_unmap(opt.scratch_iova, size)) rc = -1;
    else if (expect_fault(opt.scratch_iova, len, "after VFIO_IOMMU_UNMAP_DMA")) rc = -1;
    if (rc == 0 && opt.check && memcmp(snapshot, s, size))
      rc = fail("the unmapped scratch pages changed after a DMA to their old IOVA");
  }
  if (rc == 0 && expect_fault(opt.unmapped_iova, 4 * KIB, "never mapped")) rc = -1;
  free(snapshot);
  munmap(s, size);
  return rc;
}

/* ---- main -------------------------------------------------------------------------------- */
static void usage(FILE *f) {
  fprintf(f,
          "usage: vtdsim-guest [options]\n"
          "Drives the vtdsim ring DMA engine (PCI %04x:%04x) through vfio-pci and the (modelled)\n"
          "VT-d unit, verifies every byte, then checks DMA faults. Options (defaults in brackets):\n"
          "  --bdf BDF            the device [the first %04x:%04x in /sys/bus/pci/devices]\n"
          "  --ram-mib N          size of the VM's RAM mapped with one VFIO_IOMMU_MAP_DMA [64]\n"
          "  --ram-iova A         its IOVA [0]\n"
          "  --hugepages          back it with 2 MiB huge pages (reserves them if needed), so\n"
          "                       intel-iommu maps it with 2 MiB leaves\n"
          "  --ring N             descriptor ring entries, a power of two, at the start of the RAM [256]\n"
          "  --dma-mib M          workload size: sum of descriptor lengths [16]\n"
          "  --batch B            descriptors per TAIL doorbell, at most ring-1 [32]\n"
          "  --seed S             seed of buffer placement, sizes and FILL seeds [1]\n"
          "  --scratch-iova A     IOVA of the 64 KiB map/unmap fault check [0x100000000]\n"
          "  --unmapped-iova A    IOVA never mapped, must fault [0x200000000]\n"
          "  --timeout S          seconds to wait for a descriptor after its doorbell [10]\n"
          "  --no-dma-check       reference run for a device that does no DMA: same VFIO and\n"
          "                       register sequence, no waiting and no verification\n"
          "  --help               this text\n"
          "Prints VTDSIM-GUEST lines and last `VTDSIM-GUEST RESULT PASS` or `... FAIL <reason>`;\n"
          "exits 0 only on PASS.\n",
          VRDM_VENDOR_ID, VRDM_DEVICE_ID, VRDM_VENDOR_ID, VRDM_DEVICE_ID);
}

static int parse_u64(const char *name, const char *s, uint64_t *out) {
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 0);
  if (errno || end == s || *end || s[0] == '-') return fail("bad value '%s' for --%s", s, name);
  *out = v;
  return 0;
}

static int parse_args(int argc, char **argv) {
  enum { O_BDF = 256, O_RAM, O_IOVA, O_HUGE, O_RING, O_DMA, O_BATCH, O_SEED, O_SCRATCH, O_UNMAPPED,
         O_TIMEOUT, O_NOCHECK, O_HELP };
  static const struct option longopts[] = {
      {"bdf", required_argument, 0, O_BDF},         {"ram-mib", required_argument, 0, O_RAM},
      {"ram-iova", required_argument, 0, O_IOVA},   {"hugepages", no_argument, 0, O_HUGE},
      {"ring", required_argument, 0, O_RING},       {"dma-mib", required_argument, 0, O_DMA},
      {"batch", required_argument, 0, O_BATCH},     {"seed", required_argument, 0, O_SEED},
      {"scratch-iova", required_argument, 0, O_SCRATCH},
      {"unmapped-iova", required_argument, 0, O_UNMAPPED},
      {"timeout", required_argument, 0, O_TIMEOUT}, {"no-dma-check", no_argument, 0, O_NOCHECK},
      {"help", no_argument, 0, O_HELP},             {0, 0, 0, 0}};
  int c;
  uint64_t v = 0;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
    const char *name = c >= O_BDF && c <= O_HELP ? longopts[c - O_BDF].name : "?";
    switch (c) {
      case O_BDF: opt.bdf = optarg; break;
      case O_HUGE: opt.hugepages = 1; break;
      case O_NOCHECK: opt.check = 0; break;
      case O_TIMEOUT: {
        char *end;
        opt.timeout_s = strtod(optarg, &end);
        if (end == optarg || *end || !(opt.timeout_s > 0)) return fail("bad value '%s' for --timeout", optarg);
        break;
      }
      case 'h': case O_HELP: usage(stdout); exit(0);
      case O_RAM: case O_IOVA: case O_RING: case O_DMA: case O_BATCH: case O_SEED: case O_SCRATCH:
      case O_UNMAPPED:
        if (parse_u64(name, optarg, &v)) return -1;
        if (c == O_RAM) opt.ram_mib = v;
        if (c == O_IOVA) opt.ram_iova = v;
        if (c == O_DMA) opt.dma_mib = v;
        if (c == O_SCRATCH) opt.scratch_iova = v;
        if (c == O_UNMAPPED) opt.unmapped_iova = v;
        if ((c == O_RING || c == O_BATCH || c == O_SEED) && v > UINT32_MAX) return fail("--%s %s is too big", name, optarg);
        if (c == O_RING) opt.ring = (uint32_t)v;
        if (c == O_BATCH) opt.batch = (uint32_t)v;
        if (c == O_SEED) opt.seed = (uint32_t)v;
        break;
      default: return fail("unknown option '%s' (see --help)", argv[optind - 1]);
    }
  }
  if (optind < argc) return fail("unexpected argument '%s' (see --help)", argv[optind]);
  if (opt.ring < 2 || opt.ring > 65536 || (opt.ring & (opt.ring - 1)))
    return fail("--ring must be a power of two from 2 to 65536");
  if (opt.batch < 1 || opt.batch >= opt.ring) return fail("--batch must be 1 .. ring-1 (%u)", opt.ring - 1);
  if (opt.ram_mib < 1 || opt.ram_mib > 65536) return fail("--ram-mib must be 1 .. 65536");
  if (opt.ram_iova % 4096 || opt.scratch_iova % 4096 || opt.unmapped_iova % 4096)
    return fail("IOVAs must be 4 KiB aligned");
  uint64_t ram_end = opt.ram_iova + opt.ram_mib * MIB;
  if ((opt.scratch_iova < ram_end && opt.ram_iova < opt.scratch_iova + 64 * KIB) ||
      (opt.unmapped_iova < ram_end && opt.ram_iova < opt.unmapped_iova + 4 * KIB) ||
      (opt.unmapped_iova < opt.scratch_iova + 64 * KIB && opt.scratch_iova < opt.unmapped_iova + 4 * KIB))
    return fail("--ram-iova/--ram-mib, --scratch-iova and --unmapped-iova overlap");
  return 0;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  int rc = parse_args(argc, argv);
  if (rc == 0) {
    say("start ram_mib=%" PRIu64 " ram_iova=0x%" PRIx64 " hugepages=%d ring=%u batch=%u dma_mib=%" PRIu64
        " seed=%u%s", opt.ram_mib, opt.ram_iova, opt.hugepages, opt.ring, opt.batch, opt.dma_mib, opt.seed,
        opt.check ? "" : " reference-run");
    if (!opt.check)
      say("reference run (--no-dma-check): the device is expected to do no DMA; nothing is waited for or verified");
    rng_state = opt.seed;
  }
  char bdf[NAME_MAX + 1] = "";
  int group = -1;
  if (rc == 0) rc = find_device(bdf, sizeof bdf);
  if (rc == 0) rc = bind_vfio(bdf);
  if (rc == 0) rc = open_vfio(bdf, &group);
  if (rc == 0) say("bound %s group %d", bdf, group);
  int ram_mapped = 0;
  if (rc == 0) {
    rc = map_ram();
    ram_mapped = rc == 0;
  }
  if (rc == 0) rc = setup_ring();
  if (rc == 0) rc = workload();
  if (rc == 0) rc = fault_check();
  if (device_fd >= 0 && !io_failed) reg_wr(VRDM_REG_CONTROL, 0); /* engine off before its RAM goes */
  if (ram_mapped && dma_unmap(opt.ram_iova, ram_bytes)) rc = -1;
  if (ram_mapped) say("unmapped ram iova=0x%" PRIx64, opt.ram_iova);
  if (device_fd >= 0) close(device_fd);
  if (group_fd >= 0) close(group_fd);
  if (container_fd >= 0) close(container_fd);
  if (io_failed) rc = -1;
  if (rc == 0 && !fail_reason[0]) {
    say("done descriptors=%" PRIu64 " bytes=%" PRIu64 " batches=%" PRIu64 "%s", desc_count, desc_bytes,
        batch_count, opt.check ? "" : " reference-run");
    printf("VTDSIM-GUEST RESULT PASS\n");
    return 0;
  }
  printf("VTDSIM-GUEST RESULT FAIL %s\n", fail_reason[0] ? fail_reason : "unknown error");
  return 1;
}
