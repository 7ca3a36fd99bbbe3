/* ring_dma_abi.h: the programming interface of vtdsim's ring DMA engine (PCI 1234:7D01),
 * shared word for word by the device model (platform/devices/ring_dma.*) and the guest tool
 * (platform/cosim/guest/vtdsim_guest.c). Plain C so that the static guest program includes it,
 * and so does the guest kernel module (platform/cosim/guest/kmod, built with __KERNEL__).
 *
 * Why a ring: under co-simulation every trapped MMIO access costs 20-50 us of wall time, so
 * the driver writes a batch of descriptors into memory and rings one doorbell (TAIL). The
 * engine then fetches each descriptor, moves the data and writes the descriptor back, all by
 * DMA through the VT-d unit, so every address below is an IOVA.
 *
 * BAR0: 4 KiB, 32-bit registers (64-bit values as LO/HI pairs; 8-byte accesses also work).
 */
#ifndef VTDSIM_RING_DMA_ABI_H
#define VTDSIM_RING_DMA_ABI_H

#ifdef __KERNEL__
#include <linux/types.h> /* uint8_t, uint32_t, uint64_t (platform/cosim/guest/kmod) */
#else
#include <stdint.h>
#endif

#define VRDM_VENDOR_ID 0x1234u
#define VRDM_DEVICE_ID 0x7D01u
#define VRDM_BAR_SIZE 4096u

/* Registers (BAR0 offsets). */
#define VRDM_REG_ID 0x00           /* RO: VRDM_ID_VALUE */
#define VRDM_REG_VERSION 0x04      /* RO: VRDM_VERSION */
#define VRDM_REG_CONTROL 0x08      /* RW: VRDM_CONTROL_* */
#define VRDM_REG_STATUS 0x0C       /* RO: VRDM_STATUS_* */
#define VRDM_REG_RING_LO 0x10      /* RW: ring base IOVA, 64-byte aligned (ignored while BUSY) */
#define VRDM_REG_RING_HI 0x14
#define VRDM_REG_RING_SIZE 0x18    /* RW: entries, a power of two from 1 to 65536 (ignored while BUSY) */
#define VRDM_REG_HEAD 0x1C         /* RO: index of the next descriptor the engine takes */
#define VRDM_REG_TAIL 0x20         /* RW doorbell: descriptors HEAD..TAIL-1 are ready (an
                                      index below RING_SIZE; HEAD wraps at RING_SIZE) */
#define VRDM_REG_COMPLETED 0x24    /* RO: descriptors completed (any status) since reset */
#define VRDM_REG_DMA_ERRORS 0x28   /* RO: descriptors or fetches that met a DMA error */
#define VRDM_REG_ERROR_IOVA_LO 0x30 /* RO: IOVA of the last access answered with an error */
#define VRDM_REG_ERROR_IOVA_HI 0x34

#define VRDM_ID_VALUE 0x4D445256u  /* "VRDM" */
#define VRDM_VERSION 1u

#define VRDM_CONTROL_ENABLE 0x1u   /* the engine takes descriptors only while set */
#define VRDM_CONTROL_RESET 0x2u    /* write 1: HEAD, TAIL, counters and STATUS to 0 */

#define VRDM_STATUS_BUSY 0x1u        /* a batch is running. Under vtdsim cosim a doorbell's
                                        batch usually ends before the TAIL write returns, but
                                        one longer than 100 ms of simulated time goes on
                                        after it: drivers poll the descriptors' status */
#define VRDM_STATUS_FETCH_ERROR 0x2u /* a descriptor fetch or write-back failed; the engine
                                        stopped at HEAD until the next RESET */
#define VRDM_STATUS_BAD_RING 0x4u    /* a doorbell with an unaligned base, a bad ring size or
                                        a TAIL outside the ring (that TAIL is not taken) */

/* Descriptor: 64 bytes at RING + index * 64. */
struct vrdm_desc {
  uint32_t op;         /* VRDM_OP_* */
  uint32_t status;     /* written by the engine last: VRDM_DESC_* (driver writes 0) */
  uint64_t src;        /* IOVA read by COPY and CHECKSUM */
  uint64_t dst;        /* IOVA written by FILL and COPY */
  uint32_t len;        /* bytes, 1 .. 16 MiB */
  uint32_t seed;       /* FILL: pattern seed (vrdm_pattern_word) */
  uint64_t result;     /* CHECKSUM: vrdm_fnv1a64 of the source; others: bytes moved */
  uint64_t error_iova; /* first IOVA whose access failed (status VRDM_DESC_DMA_ERROR) */
  uint64_t reserved[2];
};

#define VRDM_OP_FILL 1u
#define VRDM_OP_COPY 2u
#define VRDM_OP_CHECKSUM 3u

#define VRDM_DESC_PENDING 0u
#define VRDM_DESC_OK 1u
#define VRDM_DESC_DMA_ERROR 2u  /* an access was answered with an error (e.g. a DMA fault) */
#define VRDM_DESC_BAD_OP 3u     /* unknown op or length out of range */

#define VRDM_MAX_LEN (16u << 20)

/* FILL's content: byte i of the destination is byte (i % 8) of vrdm_pattern_word(seed, i / 8). */
static inline uint64_t vrdm_pattern_word(uint32_t seed, uint64_t word) {
  uint64_t x = (uint64_t)seed * 0x9E3779B97F4A7C15ull ^ (word + 1) * 0xD6E8FEB86659FD93ull;
  x ^= x >> 32;
  x *= 0xD6E8FEB86659FD93ull;
  x ^= x >> 29;
  return x;
}

/* CHECKSUM's function: FNV-1a, 64 bits, continued from `hash` (start with VRDM_FNV_START). */
#define VRDM_FNV_START 0xCBF29CE484222325ull
static inline uint64_t vrdm_fnv1a64(uint64_t hash, const uint8_t* bytes, uint64_t n) {
  for (uint64_t i = 0; i < n; ++i) hash = (hash ^ bytes[i]) * 0x100000001B3ull;
  return hash;
}

#endif /* VTDSIM_RING_DMA_ABI_H */
