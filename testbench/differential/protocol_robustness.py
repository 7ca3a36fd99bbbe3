#!/usr/bin/env python3
"""Malformed qtest and QMP input against `vtdsim serve`: each bad line must get a FAIL or ERR
reply (qtest) or an error object (QMP), and the server must go on answering valid commands
afterwards.

  protocol_robustness.py VTDSIM

Also checks the clock commands vtdsim offers beyond QEMU-with-TCG (clock_step, clock_set),
and, each with a server of its own, what a connection's life may do to the process: a client
that hangs up mid-line, SIGTERM while waiting for a client or while a client stops reading,
a file in the way of a listening socket, a qtest log from an earlier run.
Run against vtdsim only: QEMU aborts on several of these lines (an empty line, a missing
argument), which is a QEMU weakness, not a contract. One server runs all cases; if a case
kills or hangs it, that case fails and a fresh server takes the remaining ones.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import qtest_client  # noqa: E402

REPLY_TIMEOUT = 5.0
HUGE = 1 << 20

QTEST_BAD = [
    ("empty line", b""),
    ("unknown command", b"frobnicate 0x1000"),
    ("readl without address", b"readl"),
    ("readl bad number", b"readl zz"),
    ("readl number over 64 bits", b"readl 0x1ffffffffffffffffff"),
    ("writel without value", b"writel 0x1000"),
    ("writeq bad value", b"writeq 0x1000 0xzz"),
    ("read without size", b"read 0x1000"),
    ("read absurd size", b"read 0x1000 0x100000000000"),
    # (hex data shorter than SIZE is not malformed: QEMU zero-pads it, and so does vtdsim)
    ("write without data bytes", b"write 0x1000 4 0x"),
    ("write data not hex", b"write 0x1000 2 0xgggg"),
    ("b64write bad base64", b"b64write 0x1000 4 !!!!"),
    ("b64read bad size", b"b64read 0x1000 zz"),
    ("memset without value", b"memset 0x1000 4"),
    ("outb without value", b"outb 0xcf8"),
    ("inl port beyond 16 bits", b"inl 0x10000"),
    ("clock_step bad number", b"clock_step zz"),
    ("binary junk", b"\x00\xff\xfe\x01\x80 junk \x7f"),
    ("huge line", b"A" * HUGE),
    ("huge readl argument", b"readl 0x" + b"f" * HUGE),
]

QMP_BAD = [
    ("not JSON", b"hello"),
    ("JSON array", b"[1, 2, 3]"),
    ("object without execute", b'{"arguments": {}}'),
    ("unknown command", b'{"execute": "no-such-command"}'),
    ("execute not a string", b'{"execute": 42}'),
    ("human-monitor-command without arguments", b'{"execute": "human-monitor-command"}'),
    ("arguments not an object", b'{"execute": "human-monitor-command", "arguments": 5}'),
    ("binary junk", b"\x00\xff\xfe\x01\x80 junk"),
    ("huge line", b'{"execute": "' + b"x" * HUGE + b'"}'),
]


class Session:
    """A vtdsim serve process, replaced when a case kills or hangs it."""

    def __init__(self, vtdsim):
        self.vtdsim = vtdsim
        self.m = None

    def machine(self):
        if self.m is None:
            self.m = qtest_client.Machine([self.vtdsim, "serve"], "aw-bits=48",
                                          timeout=REPLY_TIMEOUT)
            self.m.start()
        return self.m

    def drop(self):
        if self.m is not None:
            self.m.close()
            self.m = None


def qtest_reply(m, payload):
    m.qtest.send_bytes(payload + b"\n")
    return m.qtest.readline(REPLY_TIMEOUT)


def qmp_reply(m, payload):
    m.qmp_chan.send_bytes(payload + b"\n")
    while True:
        reply = json.loads(m.qmp_chan.readline(REPLY_TIMEOUT))
        if "event" not in reply:
            return reply


def still_alive(m):
    """Both channels still answer valid commands."""
    ver = m.raw("readl 0xfed90000")
    m.qmp_chan.send(json.dumps({"execute": "human-monitor-command",
                                "arguments": {"command-line": "info lapic"}}))
    while True:
        # a streaming JSON parser may answer one junk line with several errors: skip them
        reply = json.loads(m.qmp_chan.readline(REPLY_TIMEOUT))
        if "event" not in reply and "error" not in reply:
            break
    return ver.startswith("OK ") and "IRR" in str(reply.get("return"))


def run_case(session, name, check):
    """check(machine) -> (ok, shown reply). Returns (name, ok, text)."""
    try:
        m = session.machine()
        ok, shown = check(m)
        if ok and not still_alive(m):
            ok, shown = False, shown + " (then stopped answering valid commands)"
        return name, ok, shown
    except (qtest_client.ProgramDied, qtest_client.ProgramHung, qtest_client.QtestFail,
            ValueError) as e:
        session.drop()
        return name, False, "%s: %s" % (type(e).__name__, e)


def cases():
    for name, payload in QTEST_BAD:
        def check(m, payload=payload):
            reply = qtest_reply(m, payload)
            # QEMU's own error reply for a too-short write is "ERR invalid argument size"
            return reply.startswith(("FAIL", "ERR")), reply[:70]
        yield "qtest " + name, check
    for name, payload in QMP_BAD:
        def check(m, payload=payload):
            reply = qmp_reply(m, payload)
            return "error" in reply and isinstance(reply["error"], dict), json.dumps(reply)[:70]
        yield "qmp " + name, check

    def hmp_unknown(m):
        reply = qmp_reply(m, json.dumps({"execute": "human-monitor-command",
                                         "arguments": {"command-line": "info no-such"}}).encode())
        # QEMU answers an unknown monitor command with text; an error object is fine too
        return "error" in reply or isinstance(reply.get("return"), str), json.dumps(reply)[:70]
    yield "qmp unknown monitor command", hmp_unknown

    def clock(m):
        first = m.raw("clock_step")
        second = m.raw("clock_step 1000")
        now = int(second.split()[1]) if second.startswith("OK ") else 0
        third = m.raw("clock_set %d" % (now + 5000))
        ok = (first.startswith("OK ") and second.startswith("OK ")
              and third == "OK %d" % (now + 5000))
        return ok, " / ".join((first, second, third))
    yield "qtest clock_step and clock_set", clock


# --- cases that need a server process of their own: reconnecting clients, stop signals -----

def _die_with_parent():
    """In the child: SIGKILL when this test process dies, so that a test killed by its
    timeout leaves no server behind (Linux prctl PR_SET_PDEATHSIG; elsewhere a no-op)."""
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG = 1
    except (OSError, AttributeError):
        pass


STARTED = []  # every server a process case started; run_process_case ends them


def _serve(vtdsim, workdir, chardevs):
    """Starts `vtdsim serve` with these -qtest/-qmp options; returns the process."""
    args = [vtdsim, "serve", "-machine", "q35", "-m", "64M", "-qtest-log", "none",
            "-device", "edu,addr=4.0"] + chardevs
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, cwd=workdir, preexec_fn=_die_with_parent)
    STARTED.append(proc)
    return proc


def _wait_for_files(proc, paths):
    deadline = time.monotonic() + REPLY_TIMEOUT
    while not all(os.path.exists(p) for p in paths):
        if proc.poll() is not None or time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def _connect(path):
    """Connects, retrying while the server has bound the path but not yet called listen()
    (the file exists before connections are accepted: a refusal then is not an error)."""
    deadline = time.monotonic() + REPLY_TIMEOUT
    while True:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(REPLY_TIMEOUT)
        try:
            sock.connect(path)
            return sock
        except ConnectionRefusedError:
            sock.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _stopped_cleanly(proc, paths):
    """SIGTERM: the server must exit 0 within the timeout and leave no socket file."""
    proc.send_signal(signal.SIGTERM)
    try:
        code = proc.wait(timeout=REPLY_TIMEOUT)
    except subprocess.TimeoutExpired:
        return False, "did not stop on SIGTERM"
    left = [os.path.basename(p) for p in paths if os.path.exists(p)]
    if code != 0 or left:
        return False, "exit %d, socket files left: %s, stderr: %s" % (
            code, left, proc.stderr.read().decode(errors="replace")[-200:])
    return True, "exit 0, socket files removed"


def reconnect_after_partial_line(vtdsim, workdir):
    """A client hangs up mid-line; the next client's first line must be its own command, not
    the end of the dead one ("writel 0x1000 0x1" + "readl 0x0" once gave a FAIL)."""
    qtest = os.path.join(workdir, "q.sock")
    proc = _serve(vtdsim, workdir, ["-qtest", "unix:%s,server=on,wait=off" % qtest])
    if not _wait_for_files(proc, [qtest]):
        return proc, False, "no qtest socket"
    first = _connect(qtest)
    first.sendall(b"writel 0x1000 0x12345678")  # no newline: the client dies mid-line
    first.close()
    second = _connect(qtest)
    second.sendall(b"readl 0x1000\n")
    reply = second.makefile("rb").readline().decode(errors="replace").strip()
    second.close()
    ok = reply == "OK 0x0000000000000000"
    stopped, how = _stopped_cleanly(proc, [qtest])
    return proc, ok and stopped, "%s; %s" % (reply, how)


def stop_while_waiting_for_the_client(vtdsim, workdir):
    """SIGTERM while -qtest ...,server=on still waits for its client (once: exit 2 and
    "accept ... Interrupted system call", both socket files left behind)."""
    qtest, qmp = os.path.join(workdir, "q.sock"), os.path.join(workdir, "m.sock")
    proc = _serve(vtdsim, workdir, ["-qmp", "unix:%s,server=on,wait=off" % qmp,
                                    "-qtest", "unix:%s,server=on" % qtest])
    if not _wait_for_files(proc, [qtest, qmp]):
        return proc, False, "no sockets"
    ok, how = _stopped_cleanly(proc, [qtest, qmp])
    return proc, ok, how


def stop_while_a_client_does_not_read(vtdsim, workdir):
    """A QMP client sends commands without reading the replies until the server blocks on
    it; SIGTERM must still end the server (once it retried the write for ever)."""
    qmp = os.path.join(workdir, "m.sock")
    proc = _serve(vtdsim, workdir, ["-qmp", "unix:%s,server=on,wait=off" % qmp])
    if not _wait_for_files(proc, [qmp]):
        return proc, False, "no QMP socket"
    client = _connect(qmp)
    client.sendall(b'{"execute": "qmp_capabilities"}\n')
    client.settimeout(1.0)
    flood = b'{"execute": "query-commands"}\n' * 1000
    try:
        for _ in range(10000):
            client.sendall(flood)
    except socket.timeout:
        pass  # both sides are blocked now
    ok, how = _stopped_cleanly(proc, [qmp])
    client.close()
    return proc, ok, how


def file_in_the_way_is_kept(vtdsim, workdir):
    """A listening chardev whose path holds a file that is not a socket is refused, and the
    file stays (it used to be unlinked before bind)."""
    path = os.path.join(workdir, "precious.txt")
    with open(path, "w") as f:
        f.write("keep me")
    proc = _serve(vtdsim, workdir, ["-qmp", "unix:%s,server=on,wait=off" % path])
    try:
        code = proc.wait(timeout=REPLY_TIMEOUT)
    except subprocess.TimeoutExpired:
        return proc, False, "server started on a regular file"
    with open(path) as f:
        kept = f.read() == "keep me"
    return proc, code == 2 and kept, "exit %d, file %s" % (code, "kept" if kept else "lost")


def qtest_log_starts_afresh(vtdsim, workdir):
    """-qtest-log FILE holds the last run only, as QEMU's (it used to grow with every run)."""
    log = os.path.join(workdir, "qtest.log")
    for _ in range(2):
        proc = subprocess.run([vtdsim, "serve", "-machine", "q35", "-qtest", "stdio",
                               "-qtest-log", log], input=b"readl 0x0\n", capture_output=True,
                              timeout=REPLY_TIMEOUT, preexec_fn=_die_with_parent)
    with open(log) as f:
        opened = f.read().count("OPENED")
    return None, proc.returncode == 0 and opened == 1, "%d OPENED line(s) after two runs" % opened


PROCESS_CASES = [
    ("qtest reconnect after a partial line", reconnect_after_partial_line),
    ("SIGTERM while waiting for the qtest client", stop_while_waiting_for_the_client),
    ("SIGTERM while a QMP client does not read", stop_while_a_client_does_not_read),
    ("file at a listening socket path is kept", file_in_the_way_is_kept),
    ("qtest log starts afresh with every run", qtest_log_starts_afresh),
]


def run_process_case(vtdsim, name, case):
    workdir = tempfile.mkdtemp(prefix="vtdrob-", dir="/tmp")  # short: socket paths are limited
    try:
        _, ok, shown = case(vtdsim, workdir)
        return name, ok, shown
    except (OSError, ValueError, subprocess.SubprocessError) as e:
        return name, False, "%s: %s" % (type(e).__name__, e)
    finally:
        while STARTED:  # also when the case failed half-way
            proc = STARTED.pop()
            if proc.poll() is None:
                proc.kill()  # by pid: only a process this case started
            proc.wait()
            if proc.stderr is not None:
                proc.stderr.close()
        shutil.rmtree(workdir, ignore_errors=True)


def main(argv):
    if len(argv) != 2:
        print(__doc__)
        return 2
    session = Session(argv[1])
    results = [run_case(session, name, check) for name, check in cases()]
    session.drop()
    results += [run_process_case(argv[1], name, case) for name, case in PROCESS_CASES]
    width = max(len(r[0]) for r in results)
    for name, ok, shown in results:
        print("%-*s  %-4s  %s" % (width, name, "ok" if ok else "FAIL", shown))
    failed = sum(1 for r in results if not r[1])
    print("\n%d cases, %d failed" % (len(results), failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
