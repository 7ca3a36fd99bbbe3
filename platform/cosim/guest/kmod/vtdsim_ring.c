// SPDX-License-Identifier: GPL-2.0
/*
 * vtdsim_ring.c: a kernel driver for vtdsim's ring DMA engine (PCI 1234:7D01, programming
 * interface in platform/devices/ring_dma_abi.h), for the guest of `vtdsim cosim`.
 *
 * What it does. It drives the engine through the kernel's DMA API, so the guest's
 * intel-iommu driver maps and unmaps every buffer in the device's default (DMA-API) domain,
 * and the kernel's IOTLB invalidation policy becomes visible to vtdsim's VT-d model:
 * iommu.strict=1 flushes on every unmap; lazy mode (Debian's default) queues the freed IOVAs
 * and flushes the whole domain later (flush queue: when it is full, or after 10 ms).
 * Everything runs once, synchronously, from probe():
 *   - bring-up: enable, regions, bus master, BAR0, a 64-bit DMA mask, ID and VERSION, a ring
 *     of `ring` descriptors from dma_alloc_coherent, RESET, ring base and size, ENABLE;
 *   - workload: `dma_mib` MiB of FILL, COPY and CHECKSUM descriptors over buffers of 4 KiB ..
 *     256 KiB (kmalloc or alloc_pages, a quarter with an odd length and an unaligned start),
 *     `batch` descriptors per TAIL doorbell. Each buffer is mapped with the streaming API
 *     (dma_map_single / dma_map_page) for its batch only and unmapped right after it, so
 *     every batch goes through the unmap (and flush) path. Every byte is checked on the CPU:
 *     the FILL pattern, COPY equality, CHECKSUM against vrdm_fnv1a64, 64 guard bytes on each
 *     side of every buffer, and the engine's counters at the end;
 *   - stale-window probe (`stale_probe`): maps a fresh page, FILLs it (the translation is
 *     now in the IOTLB), dma_unmap()s it and at once submits another FILL to the same IOVA.
 *     DMA_ERROR at that IOVA means the unmap had invalidated the IOTLB (strict mode); OK
 *     means the device wrote through a stale IOTLB entry (lazy mode's window, which Linux
 *     accepts because the freed IOVA is not reused before the flush queue drains). This is
 *     reported as a finding, never as a failure.
 * Console lines start with `VTDSIM-KMOD`. The outcome is the read-only parameter `result`
 * (0 pass; 1 no device probed; see enum kmod_result) and `stale_write` (1 when the DMA after
 * the unmap succeeded). /init (platform/cosim/guest/init.sh, vtdsim.kmod=...) reads them.
 *
 * What it does not. No interrupts (the co-simulated engine has none): completion is polled,
 * every wait bounded by WAIT_MS, after which the module reports FAIL instead of hanging. No
 * DMA after probe() returns, no character device, no sysfs beyond the module parameters.
 * Not a general-purpose driver: one engine, one run, results on the console.
 */
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/iommu.h>
#include <linux/irqflags.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "ring_dma_abi.h"

#define DRV_NAME "vtdsim_ring"
#define GUARD 64u        /* bytes checked on each side of every buffer */
#define WAIT_MS 5000u    /* longest wait for one batch, then FAIL */
#define MAX_LEN (256u << 10)
#define MIN_LEN (4u << 10)

enum kmod_result {
	KMOD_PASS = 0,
	KMOD_NO_DEVICE = 1,   /* no engine was probed (still the value if none is present) */
	KMOD_BAD_PARAM = 2,
	KMOD_PCI = 3,         /* enable, regions, BAR0 or DMA mask failed */
	KMOD_BAD_ID = 4,      /* ID/VERSION/reset state not as ring_dma_abi.h says */
	KMOD_NO_MEMORY = 5,
	KMOD_MAP = 6,         /* dma_map_* returned a mapping error */
	KMOD_TIMEOUT = 7,     /* a descriptor stayed pending for WAIT_MS */
	KMOD_DESC_STATUS = 8, /* a workload descriptor completed with a status other than OK */
	KMOD_DATA = 9,        /* bytes, guard bytes, result or checksum wrong */
	KMOD_ENGINE = 10,     /* HEAD, COMPLETED, DMA_ERRORS or STATUS wrong after the workload */
	KMOD_STALE_PROBE = 11 /* the probe itself went wrong (not: which outcome it had) */
};

static unsigned int dma_mib = 16;
module_param(dma_mib, uint, 0444);
MODULE_PARM_DESC(dma_mib, "MiB moved by the workload's descriptors (default 16)");
static unsigned int batch = 32;
module_param(batch, uint, 0444);
MODULE_PARM_DESC(batch, "descriptors per TAIL doorbell, 1 .. ring-1 (default 32)");
static unsigned int ring = 256;
module_param(ring, uint, 0444);
MODULE_PARM_DESC(ring, "ring entries, a power of two from 2 to 65536 (default 256)");
static unsigned int seed = 1;
module_param(seed, uint, 0444);
MODULE_PARM_DESC(seed, "seed of buffer sizes, placements and FILL patterns (default 1)");
static bool stale_probe = true;
module_param(stale_probe, bool, 0444);
MODULE_PARM_DESC(stale_probe, "run the stale-window probe after the workload (default 1)");
static int result = KMOD_NO_DEVICE;
module_param(result, int, 0444);
MODULE_PARM_DESC(result, "outcome (read-only): 0 pass, else an error code (enum kmod_result)");
static int stale_write;
module_param(stale_write, int, 0444);
MODULE_PARM_DESC(stale_write, "read-only: 1 if the DMA right after dma_unmap() succeeded (lazy window)");

/* One buffer of a job: memory, where the data starts in it, and its mapping. */
struct kbuf {
	u8 *mem;            /* start of the allocation (kmalloc, or page_address) */
	struct page *pages; /* alloc_pages allocation, else NULL (kmalloc) */
	unsigned int order;
	u32 off;            /* data starts at mem + off; GUARD bytes before it are checked */
	u32 len;
	dma_addr_t iova;
	bool mapped;
};

/* FILL a; then COPY a -> b and CHECKSUM b (3 descriptors), or CHECKSUM a (2), or FILL only. */
struct job {
	struct kbuf a, b;
	int ndesc;
	u32 slot[3];
	u32 fill_seed;
};

struct vring {
	struct pci_dev *pdev;
	void __iomem *regs;
	struct vrdm_desc *desc; /* ring, coherent */
	dma_addr_t desc_iova;
	size_t desc_bytes;
	u32 tail;
	bool regions, enabled;
	u64 rnd;
	/* statistics */
	u64 ndesc, nbytes, nbatches, nmaps, nunmaps, nkmalloc, npages;
	u64 ns_total, ns_device, ns_map, ns_unmap, ns_verify;
};

static const char *domain_mode(struct device *dev, const char **type)
{
	struct iommu_domain *dom = iommu_get_domain_for_dev(dev);

	if (!dom) {
		*type = "none";
		return "no-iommu";
	}
	switch (dom->type) {
	case IOMMU_DOMAIN_DMA_FQ:
		*type = "DMA_FQ";
		return "lazy";
	case IOMMU_DOMAIN_DMA:
		*type = "DMA";
		return "strict";
	case IOMMU_DOMAIN_IDENTITY:
		*type = "IDENTITY";
		return "passthrough";
	default:
		*type = "other";
		return "unknown";
	}
}

static u64 rnd_next(struct vring *v)
{
	/* splitmix64: a fixed sequence per `seed`, independent of the kernel's RNG */
	u64 z = (v->rnd += 0x9E3779B97F4A7C15ull);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static u32 rnd_below(struct vring *v, u32 n)
{
	return n ? (u32)(rnd_next(v) % n) : 0;
}

static inline void reg_wr(struct vring *v, u32 off, u32 val)
{
	writel(val, v->regs + off);
}

static inline u32 reg_rd(struct vring *v, u32 off)
{
	return readl(v->regs + off);
}

static u8 guard_byte(u32 i)
{
	return (u8)(0xA7 ^ (i * 29));
}

static u8 pattern_byte(u32 s, u64 i)
{
	return (u8)(vrdm_pattern_word(s, i / 8) >> (8 * (i % 8)));
}

/* ---- buffers -------------------------------------------------------------------------- */

static int kbuf_alloc(struct vring *v, struct kbuf *b, u32 len, bool unaligned, bool use_pages)
{
	/* Aligned buffers start on a page boundary after one page whose tail is the front guard;
	 * unaligned ones at an odd offset within the first page. */
	u32 off = unaligned ? GUARD + 1 + rnd_below(v, PAGE_SIZE - 2 * GUARD) : PAGE_SIZE;
	size_t size = (size_t)off + len + GUARD;

	memset(b, 0, sizeof(*b));
	b->off = off;
	b->len = len;
	if (use_pages) {
		b->order = get_order(size);
		b->pages = alloc_pages(GFP_KERNEL | __GFP_NOWARN, b->order);
		if (!b->pages)
			return -ENOMEM;
		b->mem = page_address(b->pages);
		v->npages++;
	} else {
		b->mem = kmalloc(size, GFP_KERNEL | __GFP_NOWARN);
		if (!b->mem)
			return -ENOMEM;
		v->nkmalloc++;
	}
	return 0;
}

static void kbuf_free(struct kbuf *b)
{
	if (b->pages)
		__free_pages(b->pages, b->order);
	else
		kfree(b->mem);
	b->mem = NULL;
	b->pages = NULL;
}

/* Poison the data (so an unwritten destination is caught) and write the guards. */
static void kbuf_prepare(struct kbuf *b, u8 poison)
{
	u32 i;

	memset(b->mem + b->off, poison, b->len);
	for (i = 1; i <= GUARD; i++)
		b->mem[b->off - i] = guard_byte(b->off - i);
	for (i = 0; i < GUARD; i++)
		b->mem[b->off + b->len + i] = guard_byte(b->off + b->len + i);
}

static int kbuf_guards_ok(const struct kbuf *b)
{
	u32 i;

	for (i = 1; i <= GUARD; i++)
		if (b->mem[b->off - i] != guard_byte(b->off - i))
			return 0;
	for (i = 0; i < GUARD; i++)
		if (b->mem[b->off + b->len + i] != guard_byte(b->off + b->len + i))
			return 0;
	return 1;
}

/* The device reads and writes every buffer (FILL then COPY from it, COPY then CHECKSUM). */
static int kbuf_map(struct vring *v, struct kbuf *b)
{
	struct device *dev = &v->pdev->dev;
	u64 t0 = ktime_get_ns();

	if (b->pages)
		b->iova = dma_map_page(dev, nth_page(b->pages, b->off >> PAGE_SHIFT),
				       b->off & ~PAGE_MASK, b->len, DMA_BIDIRECTIONAL);
	else
		b->iova = dma_map_single(dev, b->mem + b->off, b->len, DMA_BIDIRECTIONAL);
	v->ns_map += ktime_get_ns() - t0;
	if (dma_mapping_error(dev, b->iova))
		return -EIO;
	b->mapped = true;
	v->nmaps++;
	return 0;
}

static void kbuf_unmap(struct vring *v, struct kbuf *b)
{
	struct device *dev = &v->pdev->dev;
	u64 t0;

	if (!b->mapped)
		return;
	t0 = ktime_get_ns();
	if (b->pages)
		dma_unmap_page(dev, b->iova, b->len, DMA_BIDIRECTIONAL);
	else
		dma_unmap_single(dev, b->iova, b->len, DMA_BIDIRECTIONAL);
	v->ns_unmap += ktime_get_ns() - t0;
	b->mapped = false;
	v->nunmaps++;
}

/* ---- ring ----------------------------------------------------------------------------- */

static u32 put_desc(struct vring *v, u32 op, u64 src, u64 dst, u32 len, u32 fill_seed)
{
	u32 slot = v->tail;
	struct vrdm_desc *d = &v->desc[slot];

	WRITE_ONCE(d->status, VRDM_DESC_PENDING);
	WRITE_ONCE(d->op, op);
	WRITE_ONCE(d->src, src);
	WRITE_ONCE(d->dst, dst);
	WRITE_ONCE(d->len, len);
	WRITE_ONCE(d->seed, fill_seed);
	WRITE_ONCE(d->result, 0);
	WRITE_ONCE(d->error_iova, 0);
	WRITE_ONCE(d->reserved[0], 0);
	WRITE_ONCE(d->reserved[1], 0);
	v->tail = (v->tail + 1) & (ring - 1);
	v->ndesc++;
	v->nbytes += len;
	return slot;
}

static void doorbell(struct vring *v)
{
	dma_wmb(); /* the descriptors are in memory before the engine may fetch them */
	reg_wr(v, VRDM_REG_TAIL, v->tail);
	v->nbatches++;
}

/* Waits until slots first .. first+n-1 are no longer pending; the status is read last. */
static int wait_descs(struct vring *v, u32 first, u32 n)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(WAIT_MS);
	u32 k;

	for (k = 0; k < n; k++) {
		u32 slot = (first + k) & (ring - 1);

		while (READ_ONCE(v->desc[slot].status) == VRDM_DESC_PENDING) {
			if (time_after(jiffies, deadline)) {
				pr_info("VTDSIM-KMOD timeout: slot %u still pending %u ms after the doorbell (HEAD=%u COMPLETED=%u STATUS=0x%x)\n",
					slot, WAIT_MS, reg_rd(v, VRDM_REG_HEAD),
					reg_rd(v, VRDM_REG_COMPLETED), reg_rd(v, VRDM_REG_STATUS));
				return -ETIMEDOUT;
			}
			usleep_range(20, 100);
		}
	}
	dma_rmb(); /* the rest of each descriptor is read after its status */
	return 0;
}

static const char *op_name(u32 op)
{
	return op == VRDM_OP_FILL ? "FILL" : op == VRDM_OP_COPY ? "COPY" :
	       op == VRDM_OP_CHECKSUM ? "CHECKSUM" : "?";
}

/* Status OK and, for FILL and COPY, result == len. The expectations come from the caller. */
static int expect_ok(struct vring *v, u32 slot, u32 op, const struct kbuf *b)
{
	const struct vrdm_desc *d = &v->desc[slot];
	u32 st = READ_ONCE(d->status);

	if (st != VRDM_DESC_OK) {
		pr_info("VTDSIM-KMOD %s iova=%pad len=%u: status %u error_iova=0x%llx\n", op_name(op),
			&b->iova, b->len, st, (unsigned long long)READ_ONCE(d->error_iova));
		return KMOD_DESC_STATUS;
	}
	if (op != VRDM_OP_CHECKSUM && READ_ONCE(d->result) != b->len) {
		pr_info("VTDSIM-KMOD %s iova=%pad len=%u: result %llu, expected the length\n",
			op_name(op), &b->iova, b->len, (unsigned long long)READ_ONCE(d->result));
		return KMOD_DATA;
	}
	return 0;
}

/* Offset of the first byte that differs from FILL's pattern, or len. */
static u32 pattern_mismatch(const u8 *p, u32 s, u32 len)
{
	u32 i = 0;

	while (i < len) {
		u64 w = vrdm_pattern_word(s, i / 8);
		u32 k;

		for (k = 0; k < 8 && i < len; k++, i++)
			if (p[i] != (u8)(w >> (8 * k)))
				return i;
	}
	return len;
}

static int verify_job(struct vring *v, const struct job *j)
{
	const struct kbuf *sum_of = &j->a;
	u32 bad;
	int rc;

	rc = expect_ok(v, j->slot[0], VRDM_OP_FILL, &j->a);
	if (rc)
		return rc;
	bad = pattern_mismatch(j->a.mem + j->a.off, j->fill_seed, j->a.len);
	if (bad != j->a.len) {
		pr_info("VTDSIM-KMOD FILL iova=%pad len=%u: byte %u is 0x%02x, expected 0x%02x\n",
			&j->a.iova, j->a.len, bad, j->a.mem[j->a.off + bad],
			pattern_byte(j->fill_seed, bad));
		return KMOD_DATA;
	}
	if (!kbuf_guards_ok(&j->a)) {
		pr_info("VTDSIM-KMOD guard bytes around iova=%pad len=%u changed\n", &j->a.iova, j->a.len);
		return KMOD_DATA;
	}
	if (j->ndesc == 3) {
		rc = expect_ok(v, j->slot[1], VRDM_OP_COPY, &j->b);
		if (rc)
			return rc;
		if (memcmp(j->a.mem + j->a.off, j->b.mem + j->b.off, j->a.len)) {
			pr_info("VTDSIM-KMOD COPY destination iova=%pad differs from its source %pad (len %u)\n",
				&j->b.iova, &j->a.iova, j->a.len);
			return KMOD_DATA;
		}
		if (!kbuf_guards_ok(&j->b)) {
			pr_info("VTDSIM-KMOD guard bytes around iova=%pad len=%u changed\n",
				&j->b.iova, j->b.len);
			return KMOD_DATA;
		}
		sum_of = &j->b;
	}
	if (j->ndesc >= 2) {
		u32 s = j->slot[j->ndesc - 1];
		u64 want = vrdm_fnv1a64(VRDM_FNV_START, sum_of->mem + sum_of->off, sum_of->len);
		u64 got;

		rc = expect_ok(v, s, VRDM_OP_CHECKSUM, sum_of);
		if (rc)
			return rc;
		got = READ_ONCE(v->desc[s].result);
		if (got != want) {
			pr_info("VTDSIM-KMOD CHECKSUM iova=%pad len=%u: 0x%016llx, CPU says 0x%016llx\n",
				&sum_of->iova, sum_of->len, (unsigned long long)got,
				(unsigned long long)want);
			return KMOD_DATA;
		}
	}
	return 0;
}

/* ---- workload ------------------------------------------------------------------------- */

static u32 pick_len(struct vring *v, bool unaligned)
{
	/* log-uniform between 4 KiB and 256 KiB; unaligned ones get an odd tail */
	u32 len = MIN_LEN << rnd_below(v, 7);

	len += rnd_below(v, len);
	if (len > MAX_LEN)
		len = MAX_LEN;
	len &= ~(u32)(PAGE_SIZE - 1);
	if (unaligned) /* an odd tail of 1 .. 4095 bytes, still 4 KiB .. 256 KiB */
		len = (len > MIN_LEN ? len - PAGE_SIZE : MIN_LEN) + 1 + rnd_below(v, PAGE_SIZE - 1);
	return len;
}

static void release_jobs(struct vring *v, struct job *jobs, int n)
{
	int k;

	for (k = 0; k < n; k++) {
		kbuf_unmap(v, &jobs[k].a);
		kbuf_unmap(v, &jobs[k].b);
		if (jobs[k].a.mem)
			kbuf_free(&jobs[k].a);
		if (jobs[k].b.mem)
			kbuf_free(&jobs[k].b);
	}
}

static int run_workload(struct vring *v)
{
	u64 target = (u64)dma_mib << 20;
	struct job *jobs = kcalloc(batch, sizeof(*jobs), GFP_KERNEL);
	u64 t0 = ktime_get_ns();
	int rc = 0;
	u32 head, completed, errors, st;

	if (!jobs)
		return KMOD_NO_MEMORY;
	while (v->nbytes < target && rc == 0) {
		int njobs = 0, k;
		u32 used = 0, first = v->tail;
		u64 t;

		memset(jobs, 0, batch * sizeof(*jobs));
		/* allocate, poison, map and describe the batch's jobs */
		while (used < batch && v->nbytes < target) {
			struct job *j = &jobs[njobs];
			u32 left = batch - used;
			bool unaligned = rnd_below(v, 4) == 0;
			bool use_pages = rnd_below(v, 2) == 0;
			u32 len = pick_len(v, unaligned);

			j->ndesc = left >= 3 ? 3 : (int)left;
			j->fill_seed = (u32)rnd_next(v);
			njobs++; /* from here on release_jobs() owns whatever j holds */
			if (kbuf_alloc(v, &j->a, len, unaligned, use_pages) ||
			    (j->ndesc == 3 && kbuf_alloc(v, &j->b, len, unaligned, !use_pages))) {
				rc = KMOD_NO_MEMORY;
				break;
			}
			kbuf_prepare(&j->a, 0x5A);
			if (j->ndesc == 3)
				kbuf_prepare(&j->b, 0xC3);
			if (kbuf_map(v, &j->a) || (j->ndesc == 3 && kbuf_map(v, &j->b))) {
				pr_info("VTDSIM-KMOD dma_map of %u bytes failed\n", len);
				rc = KMOD_MAP;
				break;
			}
			j->slot[0] = put_desc(v, VRDM_OP_FILL, 0, j->a.iova, len, j->fill_seed);
			if (j->ndesc == 3) {
				j->slot[1] = put_desc(v, VRDM_OP_COPY, j->a.iova, j->b.iova, len, 0);
				j->slot[2] = put_desc(v, VRDM_OP_CHECKSUM, j->b.iova, 0, len, 0);
			} else if (j->ndesc == 2) {
				j->slot[1] = put_desc(v, VRDM_OP_CHECKSUM, j->a.iova, 0, len, 0);
			}
			used += (u32)j->ndesc;
		}
		if (rc == 0) {
			t = ktime_get_ns();
			doorbell(v);
			if (wait_descs(v, first, used)) {
				/* stop the engine before its buffers are unmapped and freed */
				reg_wr(v, VRDM_REG_CONTROL, 0);
				rc = KMOD_TIMEOUT;
			}
			v->ns_device += ktime_get_ns() - t;
		}
		/* unmap right after the batch (this is the path lazy and strict mode differ in),
		 * then look at the data as the CPU owns it again */
		for (k = 0; k < njobs; k++) {
			kbuf_unmap(v, &jobs[k].a);
			kbuf_unmap(v, &jobs[k].b);
		}
		t = ktime_get_ns();
		for (k = 0; k < njobs && rc == 0; k++)
			rc = verify_job(v, &jobs[k]);
		v->ns_verify += ktime_get_ns() - t;
		release_jobs(v, jobs, njobs);
		cond_resched();
	}
	kfree(jobs);
	v->ns_total = ktime_get_ns() - t0;
	if (rc)
		return rc;

	head = reg_rd(v, VRDM_REG_HEAD);
	completed = reg_rd(v, VRDM_REG_COMPLETED);
	errors = reg_rd(v, VRDM_REG_DMA_ERRORS);
	st = reg_rd(v, VRDM_REG_STATUS);
	if (head != v->tail || completed != (u32)v->ndesc || errors ||
	    (st & (VRDM_STATUS_FETCH_ERROR | VRDM_STATUS_BAD_RING))) {
		pr_info("VTDSIM-KMOD after the workload HEAD=%u (tail %u) COMPLETED=%u (submitted %llu) DMA_ERRORS=%u STATUS=0x%x\n",
			head, v->tail, completed, (unsigned long long)v->ndesc, errors, st);
		return KMOD_ENGINE;
	}
	return 0;
}

/* ---- stale-window probe ---------------------------------------------------------------- */

static int run_stale_probe(struct vring *v, const char *mode)
{
	struct device *dev = &v->pdev->dev;
	const u32 seed_warm = 0x57A1E001u, seed_stale = 0x57A1E002u;
	struct page *page;
	u8 *p;
	dma_addr_t iova;
	unsigned long flags;
	u32 slot, st, bad;
	u64 err_iova;
	bool now_stale, still_warm;
	int rc = 0;

	/* Let the flush queue of the workload's unmaps drain (its timer is 10 ms), so that the
	 * unmap below neither finds it full nor is flushed together with older entries. */
	msleep(50);
	page = alloc_page(GFP_KERNEL);
	if (!page)
		return KMOD_NO_MEMORY;
	p = page_address(page);
	memset(p, 0x5A, PAGE_SIZE);
	iova = dma_map_page(dev, page, 0, PAGE_SIZE, DMA_BIDIRECTIONAL);
	if (dma_mapping_error(dev, iova)) {
		__free_page(page);
		return KMOD_MAP;
	}

	/* 1. warm: a FILL through the fresh mapping puts its translation in the IOTLB */
	slot = v->tail;
	put_desc(v, VRDM_OP_FILL, 0, iova, PAGE_SIZE, seed_warm);
	doorbell(v);
	if (wait_descs(v, slot, 1)) {
		reg_wr(v, VRDM_REG_CONTROL, 0);
		dma_unmap_page(dev, iova, PAGE_SIZE, DMA_BIDIRECTIONAL);
		rc = KMOD_TIMEOUT;
		goto out;
	}
	dma_sync_single_for_cpu(dev, iova, PAGE_SIZE, DMA_BIDIRECTIONAL);
	st = READ_ONCE(v->desc[slot].status);
	bad = pattern_mismatch(p, seed_warm, PAGE_SIZE);
	if (st != VRDM_DESC_OK || bad != PAGE_SIZE) {
		pr_info("VTDSIM-KMOD stale_window warm-up FILL at %pad: status %u, first wrong byte %u\n",
			&iova, st, bad);
		dma_unmap_page(dev, iova, PAGE_SIZE, DMA_BIDIRECTIONAL);
		rc = KMOD_STALE_PROBE;
		goto out;
	}

	/* 2. unmap and, at once, DMA to the same IOVA. Local interrupts are off from the unmap
	 * to the doorbell so that the flush-queue timer cannot close the window in between. */
	slot = v->tail;
	local_irq_save(flags);
	dma_unmap_page(dev, iova, PAGE_SIZE, DMA_BIDIRECTIONAL);
	put_desc(v, VRDM_OP_FILL, 0, iova, PAGE_SIZE, seed_stale);
	doorbell(v);
	local_irq_restore(flags);
	if (wait_descs(v, slot, 1)) {
		reg_wr(v, VRDM_REG_CONTROL, 0);
		rc = KMOD_TIMEOUT;
		goto out;
	}
	st = READ_ONCE(v->desc[slot].status);
	err_iova = READ_ONCE(v->desc[slot].error_iova);
	now_stale = pattern_mismatch(p, seed_stale, PAGE_SIZE) == PAGE_SIZE;
	still_warm = pattern_mismatch(p, seed_warm, PAGE_SIZE) == PAGE_SIZE;
	if (st == VRDM_DESC_OK) {
		stale_write = 1;
		pr_info("VTDSIM-KMOD stale_window iova=%pad mode=%s status=OK stale_write=1 page_changed=%d page_is_new_pattern=%d: the device wrote through a stale IOTLB entry after dma_unmap (lazy mode's window)\n",
			&iova, mode, !still_warm, now_stale);
		if (!now_stale)
			rc = KMOD_STALE_PROBE; /* OK, yet the page does not hold what was written */
	} else if (st == VRDM_DESC_DMA_ERROR) {
		stale_write = 0;
		pr_info("VTDSIM-KMOD stale_window iova=%pad mode=%s status=DMA_ERROR error_iova=0x%llx stale_write=0 page_changed=%d: the unmap had invalidated the IOTLB (strict)\n",
			&iova, mode, (unsigned long long)err_iova, !still_warm);
		if (!still_warm)
			rc = KMOD_STALE_PROBE; /* an error, yet the page changed */
	} else {
		pr_info("VTDSIM-KMOD stale_window iova=%pad: status %u\n", &iova, st);
		rc = KMOD_STALE_PROBE;
	}
	/* The engine left the failed descriptor behind it; a fetch error would have stopped it. */
	if (reg_rd(v, VRDM_REG_HEAD) != v->tail ||
	    (reg_rd(v, VRDM_REG_STATUS) & (VRDM_STATUS_FETCH_ERROR | VRDM_STATUS_BAD_RING))) {
		pr_info("VTDSIM-KMOD stale_window: engine HEAD=%u (tail %u) STATUS=0x%x\n",
			reg_rd(v, VRDM_REG_HEAD), v->tail, reg_rd(v, VRDM_REG_STATUS));
		rc = KMOD_STALE_PROBE;
	}
out:
	/* In lazy mode the IOTLB may still point at the page until the flush queue drains:
	 * keep it until then. */
	msleep(50);
	__free_page(page);
	return rc;
}

/* ---- bring-up and teardown ------------------------------------------------------------ */

static void vring_teardown(struct vring *v)
{
	struct pci_dev *pdev = v->pdev;

	if (v->regs) {
		reg_wr(v, VRDM_REG_CONTROL, 0);
		reg_wr(v, VRDM_REG_CONTROL, VRDM_CONTROL_RESET);
	}
	if (v->desc)
		dma_free_coherent(&pdev->dev, v->desc_bytes, v->desc, v->desc_iova);
	if (v->regs)
		pci_iounmap(pdev, v->regs);
	if (v->enabled)
		pci_clear_master(pdev);
	if (v->regions)
		pci_release_regions(pdev);
	if (v->enabled)
		pci_disable_device(pdev);
	kfree(v);
}

static int vring_bringup(struct vring *v)
{
	struct pci_dev *pdev = v->pdev;
	u32 id, ver, head, done, st;

	if (pci_enable_device(pdev))
		return KMOD_PCI;
	v->enabled = true;
	if (pci_request_regions(pdev, DRV_NAME))
		return KMOD_PCI;
	v->regions = true;
	pci_set_master(pdev);
	if (pci_resource_len(pdev, 0) < VRDM_BAR_SIZE ||
	    !(pci_resource_flags(pdev, 0) & IORESOURCE_MEM))
		return KMOD_PCI;
	v->regs = pci_iomap(pdev, 0, VRDM_BAR_SIZE);
	if (!v->regs)
		return KMOD_PCI;
	if (dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(64)))
		return KMOD_PCI;

	id = reg_rd(v, VRDM_REG_ID);
	ver = reg_rd(v, VRDM_REG_VERSION);
	if (id != VRDM_ID_VALUE || ver != VRDM_VERSION) {
		pr_info("VTDSIM-KMOD ID 0x%08x VERSION %u, expected 0x%08x and %u\n", id, ver,
			VRDM_ID_VALUE, VRDM_VERSION);
		return KMOD_BAD_ID;
	}
	v->desc_bytes = (size_t)ring * sizeof(struct vrdm_desc);
	v->desc = dma_alloc_coherent(&pdev->dev, v->desc_bytes, &v->desc_iova, GFP_KERNEL);
	if (!v->desc)
		return KMOD_NO_MEMORY;
	if (v->desc_iova & 63) {
		pr_info("VTDSIM-KMOD ring IOVA %pad is not 64-byte aligned\n", &v->desc_iova);
		return KMOD_NO_MEMORY;
	}
	reg_wr(v, VRDM_REG_CONTROL, VRDM_CONTROL_RESET);
	head = reg_rd(v, VRDM_REG_HEAD);
	done = reg_rd(v, VRDM_REG_COMPLETED);
	st = reg_rd(v, VRDM_REG_STATUS);
	if (head || done || st) {
		pr_info("VTDSIM-KMOD after RESET HEAD=%u COMPLETED=%u STATUS=0x%x, expected 0\n",
			head, done, st);
		return KMOD_BAD_ID;
	}
	reg_wr(v, VRDM_REG_RING_LO, lower_32_bits(v->desc_iova));
	reg_wr(v, VRDM_REG_RING_HI, upper_32_bits(v->desc_iova));
	reg_wr(v, VRDM_REG_RING_SIZE, ring);
	reg_wr(v, VRDM_REG_CONTROL, VRDM_CONTROL_ENABLE);
	v->tail = 0;
	return 0;
}

static int vring_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	const char *type, *mode = domain_mode(&pdev->dev, &type);
	struct vring *v;
	int rc;

	if (ring < 2 || ring > 65536 || (ring & (ring - 1)) || batch < 1 || batch > ring - 1 ||
	    dma_mib < 1 || dma_mib > 4096) {
		pr_info("VTDSIM-KMOD bad parameters ring=%u batch=%u dma_mib=%u\n", ring, batch, dma_mib);
		result = KMOD_BAD_PARAM;
		return -EINVAL;
	}
	v = kzalloc(sizeof(*v), GFP_KERNEL);
	if (!v) {
		result = KMOD_NO_MEMORY;
		return -ENOMEM;
	}
	v->pdev = pdev;
	v->rnd = seed;
	rc = vring_bringup(v);
	if (rc) {
		pr_info("VTDSIM-KMOD RESULT FAIL %d (bring-up of %s)\n", rc, pci_name(pdev));
		result = rc;
		vring_teardown(v);
		return -ENODEV;
	}
	pci_set_drvdata(pdev, v);
	pr_info("VTDSIM-KMOD probe %s id=0x%08x version=%u iommu_domain=%s mode=%s ring=%u ring_iova=%pad batch=%u dma_mib=%u seed=%u\n",
		pci_name(pdev), VRDM_ID_VALUE, VRDM_VERSION, type, mode, ring, &v->desc_iova, batch,
		dma_mib, seed);

	rc = run_workload(v);
	pr_info("VTDSIM-KMOD workload descriptors=%llu bytes=%llu batches=%llu maps=%llu unmaps=%llu kmalloc=%llu alloc_pages=%llu total_us=%llu device_us=%llu map_us=%llu unmap_us=%llu verify_us=%llu %s\n",
		v->ndesc, v->nbytes, v->nbatches, v->nmaps, v->nunmaps, v->nkmalloc, v->npages,
		v->ns_total / 1000, v->ns_device / 1000, v->ns_map / 1000, v->ns_unmap / 1000,
		v->ns_verify / 1000, rc ? "FAIL" : "ok");
	if (rc == 0 && v->nunmaps)
		pr_info("VTDSIM-KMOD per-buffer map_ns=%llu unmap_ns=%llu (mode=%s)\n",
			v->ns_map / v->nmaps, v->ns_unmap / v->nunmaps, mode);
	if (rc == 0 && stale_probe)
		rc = run_stale_probe(v, mode);
	else if (!stale_probe)
		pr_info("VTDSIM-KMOD stale_window not probed (stale_probe=0)\n");
	result = rc;
	if (rc)
		pr_info("VTDSIM-KMOD RESULT FAIL %d\n", rc);
	else
		pr_info("VTDSIM-KMOD RESULT PASS mode=%s stale_write=%d\n", mode, stale_write);
	/* The device stays bound (and idle) whatever the outcome; remove() releases it. */
	return 0;
}

static void vring_remove(struct pci_dev *pdev)
{
	struct vring *v = pci_get_drvdata(pdev);

	pci_set_drvdata(pdev, NULL);
	if (v)
		vring_teardown(v);
}

static const struct pci_device_id vring_ids[] = {
	{ PCI_DEVICE(VRDM_VENDOR_ID, VRDM_DEVICE_ID) },
	{ 0 }
};
MODULE_DEVICE_TABLE(pci, vring_ids);

static struct pci_driver vring_driver = {
	.name = DRV_NAME,
	.id_table = vring_ids,
	.probe = vring_probe,
	.remove = vring_remove,
};

static int __init vring_init(void)
{
	result = KMOD_NO_DEVICE; /* until a probe says otherwise */
	stale_write = 0;
	return pci_register_driver(&vring_driver);
}

static void __exit vring_exit(void)
{
	pci_unregister_driver(&vring_driver);
}

module_init(vring_init);
module_exit(vring_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("vtdsim ring DMA engine (1234:7d01): DMA-API workload and IOTLB stale-window probe");
