#!/usr/bin/env python3
"""Malformed qtest and QMP input against `vtdsim serve`: each bad line must get a FAIL or ERR
reply (qtest) or an error object (QMP), and the server must go on answering valid commands
afterwards.

  protocol_robustness.py VTDSIM

Also checks the clock commands vtdsim offers beyond QEMU-with-TCG (clock_step, clock_set).
Run against vtdsim only: QEMU aborts on several of these lines (an empty line, a missing
argument), which is a QEMU weakness, not a contract. One server runs all cases; if a case
kills or hangs it, that case fails and a fresh server takes the remaining ones.
"""
import json
import os
import sys

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


def main(argv):
    if len(argv) != 2:
        print(__doc__)
        return 2
    session = Session(argv[1])
    results = [run_case(session, name, check) for name, check in cases()]
    session.drop()
    width = max(len(r[0]) for r in results)
    for name, ok, shown in results:
        print("%-*s  %-4s  %s" % (width, name, "ok" if ok else "FAIL", shown))
    failed = sum(1 for r in results if not r[1])
    print("\n%d cases, %d failed" % (len(results), failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
