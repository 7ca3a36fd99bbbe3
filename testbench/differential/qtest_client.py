"""Run one QEMU-compatible program (qemu-system-x86_64 or `vtdsim serve`) and talk to it.

Machine starts the program with QEMU's own command line (q35, a pure-HLT BIOS, icount so the
virtual clock warps while the vCPU idles, intel-iommu, one or more edu devices), owns its qtest
and QMP connections and ends it again. The qtest side uses the listening-socket method: we
listen on the qtest socket first and the program connects to it, so no start-up race exists.
QMP is the other way round (the program listens; we retry the connect until it answers).

What it does not do: it knows nothing about VT-d or edu (see pci_edu.py, vtd.py), and it
never touches a process it did not start. A program that dies mid-run raises ProgramDied with
its exit status and the tail of its stderr; one that stops answering raises ProgramHung.
"""
import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

HLT_BIOS = b"\xf4" * 65536  # every byte HLT: the vCPU halts at the reset vector for good
REPLY_TIMEOUT = 10.0  # seconds one qtest/QMP reply may take before the program counts as hung
START_TIMEOUT = 10.0  # seconds for the program to connect to the qtest socket


class ProgramDied(Exception):
    """The program exited (crash, abort, refused option) while we still needed it."""

    def __init__(self, returncode, stderr_tail):
        self.returncode = returncode
        self.stderr_tail = stderr_tail
        super().__init__("exit %s: %s" % (describe_exit(returncode), stderr_tail))


class ProgramHung(Exception):
    """The program stopped answering within the timeout."""


class QtestFail(Exception):
    """A qtest command answered FAIL (the program is still alive)."""


def describe_exit(returncode):
    if returncode is None:
        return "still running"
    if returncode < 0:
        try:
            return signal.Signals(-returncode).name
        except ValueError:
            return "signal %d" % -returncode
    return "status %d" % returncode


def command_line(program, workdir, iommu_options, edus):
    """QEMU's command line, unchanged for vtdsim serve. program: a path, or a list such as
    [vtdsim, "serve"]; edus: PCI addresses like "4.0"."""
    prefix = [program] if isinstance(program, str) else list(program)
    args = prefix + ["-machine", "q35", "-m", "256M", "-nodefaults", "-display", "none",
            "-bios", os.path.join(workdir, "hlt.bin"),
            "-qtest", "unix:" + os.path.join(workdir, "qtest.sock"),
            "-qtest-log", os.path.join(workdir, "qtest.log"),
            "-qmp", "unix:%s,server=on,wait=off" % os.path.join(workdir, "qmp.sock"),
            # intel-iommu must precede the devices it translates for
            "-device", "intel-iommu" + ("," + iommu_options if iommu_options else ""),
            "-accel", "tcg", "-icount", "shift=0,sleep=off"]
    for addr in edus:
        args += ["-device", "edu,addr=%s,dma_mask=0xffffffffffffffff" % addr]
    return args


def _short_tempdir():
    # unix socket paths are limited to ~107 bytes; a long $TMPDIR would break them
    base = tempfile.gettempdir()
    if len(base) > 60:
        base = "/tmp"
    return tempfile.mkdtemp(prefix="vtddiff-", dir=base)


class _LineChannel:
    """Line-oriented socket with a per-reply timeout and death detection."""

    def __init__(self, sock, machine):
        self.sock = sock
        self.machine = machine
        self.buf = b""
        sock.settimeout(0.2)

    def send(self, line):
        try:
            self.sock.sendall(line.encode("latin-1") + b"\n")
        except OSError:
            self.machine._died()

    def send_bytes(self, data):
        try:
            self.sock.sendall(data)
        except OSError:
            self.machine._died()

    def readline(self, timeout=REPLY_TIMEOUT):
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buf:
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                if self.machine.proc.poll() is not None:
                    self.machine._died()
                if time.monotonic() > deadline:
                    raise ProgramHung("no reply within %.0f s" % timeout)
                continue
            except OSError:
                self.machine._died()
            if not chunk:
                self.machine._died()
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line.decode("latin-1").rstrip("\r")


class Machine:
    """One running program plus its qtest and QMP sessions. Use as a context manager."""

    def __init__(self, program, iommu_options="aw-bits=48", edus=("4.0",), timeout=REPLY_TIMEOUT):
        self.program = program
        self.iommu_options = iommu_options
        self.edus = tuple(edus)
        self.timeout = timeout
        self.proc = None
        self.workdir = None
        self.qtest = None
        self.qmp_chan = None
        self._stderr = None
        self.killed = False

    # ---- life cycle -------------------------------------------------------------------
    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.close()  # a program that died or hung at start-up still gets cleaned up
            raise
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def start(self):
        self.workdir = _short_tempdir()
        with open(os.path.join(self.workdir, "hlt.bin"), "wb") as f:
            f.write(HLT_BIOS)
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            listener.bind(os.path.join(self.workdir, "qtest.sock"))
            listener.listen(1)
            listener.settimeout(0.05)
            self._stderr = open(os.path.join(self.workdir, "stderr"), "w+b")
            args = command_line(self.program, self.workdir, self.iommu_options, self.edus)
            self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL, stderr=self._stderr)
            if self.killed:  # the watchdog fired while we were starting
                self.proc.kill()
            deadline = time.monotonic() + START_TIMEOUT
            while True:
                try:
                    conn, _ = listener.accept()
                    break
                except socket.timeout:
                    if self.proc.poll() is not None:
                        self._died()
                    if time.monotonic() > deadline:
                        raise ProgramHung("program did not connect to the qtest socket")
        finally:
            listener.close()
        self.qtest = _LineChannel(conn, self)
        self._connect_qmp(deadline)

    def _connect_qmp(self, deadline):
        path = os.path.join(self.workdir, "qmp.sock")
        while True:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                sock.connect(path)
                break
            except OSError:
                sock.close()
                if self.proc.poll() is not None:
                    self._died()
                if time.monotonic() > deadline:
                    raise ProgramHung("QMP socket never accepted a connection")
                time.sleep(0.01)
        self.qmp_chan = _LineChannel(sock, self)
        greeting = json.loads(self.qmp_chan.readline(self.timeout))
        if "QMP" not in greeting:
            raise ProgramHung("no QMP greeting: %r" % greeting)
        self.qmp("qmp_capabilities")

    def close(self):
        """Ask the program to quit, then make sure it is gone; remove the temp dir."""
        if self.proc is not None and self.proc.poll() is None:
            try:
                if self.qmp_chan is not None:
                    self.qmp_chan.send(json.dumps({"execute": "quit"}))
                self.proc.wait(timeout=2)
            except (subprocess.TimeoutExpired, ProgramDied, ProgramHung, OSError):
                pass
            if self.proc.poll() is None:
                self.proc.kill()  # by pid: only the process we started
                self.proc.wait()
        for chan in (self.qtest, self.qmp_chan):
            if chan is not None:
                chan.sock.close()
        if self._stderr is not None:
            self._stderr.close()
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None

    def kill(self):
        """Used by a watchdog: end the program (by pid) so a blocked reply returns."""
        self.killed = True
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()

    def stderr_text(self):
        if self._stderr is None:
            return ""
        self._stderr.flush()
        self._stderr.seek(0)
        return self._stderr.read().decode("utf-8", "replace")

    def _died(self):
        try:
            self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            pass
        lines = [ln for ln in self.stderr_text().splitlines() if ln.strip()]
        raise ProgramDied(self.proc.returncode, " | ".join(lines[-3:]))

    # ---- qtest --------------------------------------------------------------------------
    def raw(self, line):
        """Send one qtest line and return the reply line, skipping asynchronous IRQ lines."""
        self.qtest.send(line)
        while True:
            reply = self.qtest.readline(self.timeout)
            if not reply.startswith("IRQ "):
                return reply

    def command(self, line):
        reply = self.raw(line)
        if reply == "OK":
            return ""
        if reply.startswith("OK "):
            return reply[3:]
        raise QtestFail("%s -> %s" % (line, reply))

    def _read(self, width, addr):
        return int(self.command("read%s 0x%x" % (width, addr)), 16)

    def readb(self, addr): return self._read("b", addr)
    def readw(self, addr): return self._read("w", addr)
    def readl(self, addr): return self._read("l", addr)
    def readq(self, addr): return self._read("q", addr)

    def writeb(self, addr, v): self.command("writeb 0x%x 0x%x" % (addr, v))
    def writew(self, addr, v): self.command("writew 0x%x 0x%x" % (addr, v))
    def writel(self, addr, v): self.command("writel 0x%x 0x%x" % (addr, v))
    def writeq(self, addr, v): self.command("writeq 0x%x 0x%x" % (addr, v))

    def read(self, addr, size):
        return bytes.fromhex(self.command("read 0x%x 0x%x" % (addr, size))[2:])

    def write(self, addr, data):
        self.command("write 0x%x 0x%x 0x%s" % (addr, len(data), data.hex()))

    def b64read(self, addr, size):
        return base64.b64decode(self.command("b64read 0x%x 0x%x" % (addr, size)))

    def b64write(self, addr, data):
        self.command("b64write 0x%x 0x%x %s" % (addr, len(data), base64.b64encode(data).decode()))

    def memset(self, addr, size, byte):
        self.command("memset 0x%x 0x%x 0x%x" % (addr, size, byte))

    def _in(self, width, port):
        return int(self.command("in%s 0x%x" % (width, port)), 16)

    def inb(self, port): return self._in("b", port)
    def inw(self, port): return self._in("w", port)
    def inl(self, port): return self._in("l", port)

    def outb(self, port, v): self.command("outb 0x%x 0x%x" % (port, v))
    def outw(self, port, v): self.command("outw 0x%x 0x%x" % (port, v))
    def outl(self, port, v): self.command("outl 0x%x 0x%x" % (port, v))

    # ---- QMP ----------------------------------------------------------------------------
    def qmp(self, execute, **arguments):
        """One QMP command; returns its "return" value. Events in between are skipped."""
        msg = {"execute": execute}
        if arguments:
            msg["arguments"] = arguments
        self.qmp_chan.send(json.dumps(msg))
        while True:
            reply = json.loads(self.qmp_chan.readline(self.timeout))
            if "event" in reply:
                continue
            if "error" in reply:
                raise QtestFail("QMP %s: %s" % (execute, reply["error"]))
            return reply.get("return")

    def hmp(self, command_line):
        return self.qmp("human-monitor-command", **{"command-line": command_line})
