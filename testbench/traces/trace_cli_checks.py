#!/usr/bin/env python3
"""End-to-end checks of vtdsim's trace commands (python3, standard library).

  trace_cli_checks.py record-replay VTDSIM     a recorded run replays to the run's IOTLB,
                                               context-cache and walk counts
  trace_cli_checks.py bad-traces VTDSIM        malformed traces fail with byte offset / line
  trace_cli_checks.py curve VTDSIM             curve.csv rows equal replays at two geometries
  trace_cli_checks.py streaming VTDSIM         a 10 M-event trace piped through replay and
                                               curve: peak RSS as for a 1 M-event one
  trace_cli_checks.py qemu SOURCE_DIR          the converter on the real QEMU log reproduces
                                               the committed sample; bad lines name their line
  trace_cli_checks.py samples VTDSIM SOURCE_DIR  every committed sample reads and replays
"""
import json
import os
import subprocess
import sys
import tempfile

SKIP = 77


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, **kw)


def stats(folder):
    return json.load(open(os.path.join(folder, "stats.json")))["stats"]


def check_record_replay(vtdsim):
    with tempfile.TemporaryDirectory() as d:
        rec, rep = os.path.join(d, "rec"), os.path.join(d, "rep")
        sets = ["--set", "scenario.packets=3000", "--set", "scenario.stray_dmas=3"]
        p = run([vtdsim, "record", "--out", rec, "--quiet"] + sets)
        if p.returncode != 0:
            fail(f"record: {p.stderr}")
        p = run([vtdsim, "replay", os.path.join(rec, "trace.vtdt"), "--out", rep, "--quiet"] + sets)
        if p.returncode != 0:
            fail(f"replay: {p.stderr}")
        # Recording must not change the run: every statistic but host times as without it.
        plain = os.path.join(d, "plain")
        p = run([vtdsim, "run", "--out", plain, "--quiet"] + sets)
        if p.returncode != 0:
            fail(f"run: {p.stderr}")
        a, b, c = stats(rec), stats(rep), stats(plain)
        changed = [k for k in c if "host" not in k and c[k] != a.get(k)]
        if changed:
            fail("recording changed the run: " + ", ".join(changed[:10]))
        keys = ["vtd.dma_requests", "vtd.iotlb_lookup", "vtd.iotlb_hit", "vtd.ctxt_cache_lookup",
                "vtd.ctxt_cache_hit", "vtd.walks", "vtd.walk_reads", "vtd.faults", "vtd.iotlb_fill",
                "vtd.iotlb_eviction"] + [k for k in a if k.startswith("vtd.ss_nonleaf_")]
        bad = [f"{k}: run {a[k]} replay {b.get(k)}" for k in keys if a[k] != b.get(k)]
        if bad:
            fail("replay differs from the recorded run:\n  " + "\n  ".join(bad))
        if a["vtd.iotlb_lookup"] < 10000 or a["vtd.faults"] != 3:
            fail(f"unexpected run: {a['vtd.iotlb_lookup']} lookups, {a['vtd.faults']} faults")
        if b["replay.interrupt_requests"] != a["vtd.interrupt_requests"]:
            fail("the replay did not see the run's interrupt requests")
        print(f"recording leaves the run's {len(c)} statistics unchanged; replay of the recorded run: {len(keys)} counters equal "
              f"({a['vtd.iotlb_lookup']} lookups, {a['vtd.iotlb_hit']} hits)")


def check_bad_traces(vtdsim):
    with tempfile.TemporaryDirectory() as d:
        good = os.path.join(d, "good.vtdt")
        p = run([vtdsim, "trace", "generate", good, "--events", "1000"])
        if p.returncode != 0:
            fail(p.stderr)
        data = open(good, "rb").read()
        cases = [
            # the end record of 1000 records is 3 bytes: tag and a 2-byte count
            (data[:-3], f"vtdsim: trace byte {len(data) - 3}: the trace ends without its end record (truncated?)"),
            (data[:-1], f"vtdsim: trace byte {len(data) - 3}: record cut short in its record count"),
            (data[:5], "vtdsim: trace byte 0: not a vtdsim binary trace (no VTDTRACE magic)"),
            (data[:16] + b"\x05" + data[17:], "vtdsim: trace byte 16: unknown record kind 5"),
            (b"vtdtrace-text 1\n0 dma 00:04.0 r 0x1000 64\n5 dma 00:04.0 q 0x1000 64\n",
             "vtdsim: trace line 3: bad direction 'q' (r or w)"),
        ]
        for i, (content, expected) in enumerate(cases):
            path = os.path.join(d, f"bad{i}")
            open(path, "wb").write(content)
            for command in ("replay", "curve"):
                p = run([vtdsim, command, path, "--out", os.path.join(d, "out"), "--quiet"])
                if p.returncode != 2 or p.stderr.strip() != expected:
                    fail(f"{command} case {i}: status {p.returncode}, stderr {p.stderr.strip()!r}, expected {expected!r}")
        p = run([vtdsim, "replay", os.path.join(d, "missing.vtdt"), "--quiet", "--out", os.path.join(d, "out")])
        if p.returncode != 2 or "cannot open trace" not in p.stderr:
            fail(f"missing file: {p.stderr!r}")
        print(f"{len(cases)} malformed traces rejected by replay and curve with their byte offset or line")


def curve_rows(path):
    rows = {}
    for line in open(path).read().splitlines()[1:]:
        f = line.split(",")
        rows[(f[0], int(f[1]), int(f[2]))] = int(f[5])
    return rows


def check_curve(vtdsim):
    with tempfile.TemporaryDirectory() as d:
        trace = os.path.join(d, "t.vtdt")
        run([vtdsim, "trace", "generate", trace, "--events", "200000", "--pages", "2000",
             "--hot-fraction", "0.7", "--hot-pages", "64"], check=True)
        p = run([vtdsim, "curve", trace, "--out", os.path.join(d, "c"), "--quiet", "--set", "curve.sets=8"])
        if p.returncode != 0:
            fail(p.stderr)
        rows = curve_rows(os.path.join(d, "c", "curve.csv"))
        if len([k for k in rows if k[0] == "fa"]) != 4096 or len([k for k in rows if k[0] == "sa"]) != 512:
            fail("curve.csv should hold 4096 fully associative and 512 set-associative rows")
        for entries, ways, key in ((100, 0, ("fa", 1, 100)), (64, 8, ("sa", 8, 8))):
            p = run([vtdsim, "replay", trace, "--out", os.path.join(d, "r"), "--quiet",
                     "--set", f"iotlb.entries={entries}", "--set", f"iotlb.ways={ways}"])
            s = stats(os.path.join(d, "r"))
            misses = s["vtd.iotlb_lookup"] - s["vtd.iotlb_hit"]
            if rows[key] != misses:
                fail(f"curve {key}: {rows[key]} misses, replay with {entries} entries / {ways} ways: {misses}")
        print("curve.csv equals replays at 100 entries fully associative and 64 entries 8-way")


def peak_after(vtdsim, command, events, d):
    gen = subprocess.Popen([vtdsim, "trace", "generate", "-", "--events", str(events), "--pages", "65536"],
                           stdout=subprocess.PIPE)
    out = os.path.join(d, command)
    p = subprocess.run([vtdsim, command, "-", "--out", out, "--quiet"], stdin=gen.stdout, capture_output=True, text=True)
    gen.stdout.close()
    if gen.wait() != 0 or p.returncode != 0:
        fail(f"{command} of a piped {events}-event trace failed: {p.stderr}")
    s = stats(out)
    return s[f"{command}.peak_rss_kib"], s[f"{command}.events_per_host_s"], s[f"{command}.host_s"]


def check_streaming(vtdsim):
    # Memory, not time: the same working set (64 Ki pages) read 1 M and 10 M times must
    # peak at the same resident size; a reader or a curve that kept records would not.
    with tempfile.TemporaryDirectory() as d:
        for command in ("replay", "curve"):
            small, _, _ = peak_after(vtdsim, command, 1_000_000, d)
            large, rate, secs = peak_after(vtdsim, command, 10_000_000, d)
            if large > small + 4096:
                fail(f"{command}: peak RSS grew from {small} KiB (1 M events) to {large} KiB (10 M events)")
            print(f"{command}: peak RSS {small} KiB after 1 M events, {large} KiB after 10 M "
                  f"(piped; {rate / 1e6:.2f} M events/s over {secs:.2f} s, machine load {os.getloadavg()[0]:.1f})")


def check_qemu(source):
    # shared/ lies beside the repository (VTDSIM_SHARED names it elsewhere, e.g. from a worktree).
    shared = os.environ.get("VTDSIM_SHARED", os.path.join(source, "..", "shared"))
    log = os.path.join(shared, "reference", "cosim-poc", "samples", "qemu_vtd_trace_nvme_strict_sample.log")
    sample = os.path.join(source, "traces", "samples", "qemu_nvme_strict.vtdt.txt")
    converter = os.path.join(source, "traces", "qemu_to_trace.py")
    with tempfile.TemporaryDirectory() as d:
        bad = os.path.join(d, "bad.log")
        open(bad, "w").write("# header\n1@100.000001:vtd_reg_write addr 0x88 size 0x4 value 0x0\n"
                             "1@100.000002:vtd_dmar_translate dev 00:01.00 iova zz\n")
        p = run([sys.executable, converter, bad])
        if p.returncode != 2 or "line 3: vtd_dmar_translate arguments do not parse" not in p.stderr:
            fail(f"a malformed QEMU line: status {p.returncode}, {p.stderr!r}")
        if not os.path.exists(log):
            print(f"SKIP: {log} is not here")
            sys.exit(SKIP)
        out = os.path.join(d, "q.txt")
        p = run([sys.executable, converter, log, "-o", out])
        if p.returncode != 0:
            fail(p.stderr)
        if open(out).read() != open(sample).read():
            fail(f"converting {log} no longer gives {sample}")
        lines = open(out).read().splitlines()
        dma = [l for l in lines if " dma " in l]
        if len(dma) != 270 or not dma[0].endswith("dma 00:01.0 r 0xffffd008 64"):
            fail(f"unexpected conversion: {len(dma)} dma records, first {dma[:1]}")
        print(f"the QEMU log converts to the committed sample ({len(dma)} DMA records); bad lines name their line")


def check_samples(vtdsim, source):
    folder = os.path.join(source, "traces", "samples")
    names = sorted(os.listdir(folder))
    with tempfile.TemporaryDirectory() as d:
        for name in names:
            sets = ["--set", "scenario.vm_ram_mib=4096"] if name.startswith("qemu") else []
            p = run([vtdsim, "replay", os.path.join(folder, name), "--out", d, "--quiet"] + sets)
            if p.returncode != 0:
                fail(f"{name}: {p.stderr}")
            s = stats(d)
            if s["replay.dma_records"] == 0 or s["vtd.iotlb_lookup"] == 0:
                fail(f"{name}: nothing replayed")
            if name.startswith(("qemu", "synthetic")) and s["vtd.faults"] != 0:
                fail(f"{name}: {s['vtd.faults']} faults")
            size = os.path.getsize(os.path.join(folder, name))
            if size > 64 * 1024:
                fail(f"{name} is {size} bytes: samples stay small")
    print(f"{len(names)} samples replay: {', '.join(names)}")


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        sys.exit(2)
    what, args = sys.argv[1], sys.argv[2:]
    {"record-replay": check_record_replay, "bad-traces": check_bad_traces, "curve": check_curve,
     "streaming": check_streaming, "qemu": check_qemu, "samples": check_samples}[what](*args)


if __name__ == "__main__":
    main()
