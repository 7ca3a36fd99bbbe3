"""PCI configuration (mechanism #1), the edu DMA device and the local APIC's IRR, over qtest.

Covers only what the scenarios need: bus 0 config accesses through ports 0xCF8/0xCFC, edu's
BAR0/COMMAND/MSI set-up, edu DMA transfers with bounded polling, edu's interrupt raise, and
parsing the IRR line of `info lapic`. Nothing here knows about VT-d.
"""

CONFIG_ADDRESS = 0xCF8
CONFIG_DATA = 0xCFC

EDU_BAR0 = 0xC0000000  # first edu; a second one goes 1 MiB higher (BAR0 is 1 MiB)
EDU_BUFFER = 0x40000  # edu's 4 KiB DMA buffer, in edu's own address space
EDU_MAX_DMA = 4095  # QEMU 7.2 aborts on a 4096-byte edu DMA (off-by-one range check)
EDU_MSI_CAP = 0x40  # 64-bit MSI capability: control +2, address +4/+8, data +0xC
DMA_POLLS = 2000  # bound for polling edu's RUN bit; QEMU needs about 10

# edu register offsets in BAR0 and DMA command bits
EDU_ID = 0x00
EDU_IRQ_STATUS = 0x24
EDU_IRQ_RAISE = 0x60
EDU_IRQ_ACK = 0x64
EDU_DMA_SRC, EDU_DMA_DST, EDU_DMA_COUNT, EDU_DMA_CMD = 0x80, 0x88, 0x90, 0x98
DMA_RUN = 1
DMA_TO_RAM = 2  # direction: 1 = edu buffer -> RAM (a DMA write), 0 = RAM -> buffer (a read)
DMA_IRQ = 4


class DmaTimeout(Exception):
    """edu's RUN bit did not clear within DMA_POLLS reads."""


def devfn(addr):
    """"4.0" -> 0x20 (dev << 3 | fn), also the source id on bus 0."""
    dev, fn = addr.split(".")
    return int(dev, 16) << 3 | int(fn)


def _select(c, bdf, reg):
    c.outl(CONFIG_ADDRESS, 0x80000000 | bdf << 8 | (reg & 0xFC))


def config_read(c, bdf, reg, size=4):
    _select(c, bdf, reg)
    port = CONFIG_DATA + (reg & 3)
    return {1: c.inb, 2: c.inw, 4: c.inl}[size](port)


def config_write(c, bdf, reg, value, size=4):
    _select(c, bdf, reg)
    port = CONFIG_DATA + (reg & 3)
    {1: c.outb, 2: c.outw, 4: c.outl}[size](port, value)


class Edu:
    """One edu function at `addr` ("4.0"), with BAR0 placed at `bar`."""

    def __init__(self, c, addr="4.0", bar=EDU_BAR0):
        self.c = c
        self.bdf = devfn(addr)
        self.bar = bar

    @property
    def sid(self):
        return self.bdf

    def setup(self, bus_master=True):
        """BAR0 and COMMAND (memory space, and bus mastering unless told otherwise)."""
        config_write(self.c, self.bdf, 0x10, self.bar)
        config_write(self.c, self.bdf, 0x04, 0x6 if bus_master else 0x2, 2)
        return self

    def ident(self):
        return self.c.readl(self.bar + EDU_ID)

    def dma(self, src, dst, count, to_ram, irq=False):
        """Start one transfer and poll RUN until clear. Returns the polls it took."""
        assert 0 < count <= EDU_MAX_DMA, "QEMU 7.2 aborts at 4096 bytes"
        c = self.c
        c.writeq(self.bar + EDU_DMA_SRC, src)
        c.writeq(self.bar + EDU_DMA_DST, dst)
        c.writeq(self.bar + EDU_DMA_COUNT, count)
        c.writeq(self.bar + EDU_DMA_CMD,
                 DMA_RUN | (DMA_TO_RAM if to_ram else 0) | (DMA_IRQ if irq else 0))
        for polls in range(1, DMA_POLLS + 1):
            if not c.readq(self.bar + EDU_DMA_CMD) & DMA_RUN:
                return polls
        raise DmaTimeout("edu %02x: DMA still running after %d polls" % (self.bdf, DMA_POLLS))

    def dma_write(self, iova, count, buf_offset=0):
        """Device writes `count` bytes of its buffer to `iova` (edu -> RAM)."""
        return self.dma(EDU_BUFFER + buf_offset, iova, count, to_ram=True)

    def dma_read(self, iova, count, buf_offset=0):
        """Device reads `count` bytes at `iova` into its buffer (RAM -> edu)."""
        return self.dma(iova, EDU_BUFFER + buf_offset, count, to_ram=False)

    def enable_msi(self, address, data):
        """Program and enable the MSI capability (one vector)."""
        cap = EDU_MSI_CAP
        config_write(self.c, self.bdf, cap + 4, address & 0xFFFFFFFF)
        config_write(self.c, self.bdf, cap + 8, address >> 32)
        config_write(self.c, self.bdf, cap + 0xC, data, 2)
        control = config_read(self.c, self.bdf, cap + 2, 2)
        config_write(self.c, self.bdf, cap + 2, control | 1, 2)

    def raise_irq(self, status=1):
        self.c.writel(self.bar + EDU_IRQ_RAISE, status)

    def ack_irq(self, status=1):
        self.c.writel(self.bar + EDU_IRQ_ACK, status)


def irr_vectors(c):
    """Vectors pending in CPU 0's IRR, from `info lapic` (QEMU 7.2 prints `IRR\\t 65 68`)."""
    text = c.hmp("info lapic")
    for line in text.splitlines():
        if line.startswith("IRR"):
            fields = line[3:].split()
            if fields == ["(none)"]:
                return []
            return [int(v) for v in fields]
    raise ValueError("no IRR line in `info lapic`: %r" % text[:200])
