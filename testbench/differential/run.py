#!/usr/bin/env python3
"""Differential runner: every scenario on QEMU's intel-iommu and on `vtdsim serve`, compared.

  run.py --qemu qemu-system-x86_64 --vtdsim build/platform/vtdsim [--only NAME[,NAME]]
         [--jobs 2] [--list] [--json OUT] [--qemu-only] [--verbose]

Each scenario runs in a fresh process per program, a small thread pool runs them in
parallel. Scenarios that need a feature vtdsim lacks (found by reading vtdsim's ECAP once)
run on QEMU only and are listed as pending. Exits 1 on any mismatch, crash, timeout,
harness error, bad or unused expectations entry. What is compared, and how, is compare.py;
known differences are expectations.py.
"""
import argparse
import concurrent.futures
import json
import os
import sys
import threading
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import compare  # noqa: E402
import expectations  # noqa: E402
import qtest_client  # noqa: E402
import scenarios  # noqa: E402

SCENARIO_TIMEOUT = 30.0  # seconds per scenario and program, start-up included
FEATURE_BITS = {"queued_invalidation": 1 << 1, "device_tlb": 1 << 2,  # ECAP.QI, DT, IR
                "interrupt_remapping": 1 << 3}


def run_one(program, scenario, timeout):
    """Run `scenario` on a fresh `program`; returns a compare.Outcome."""
    t0 = time.monotonic()
    machine = qtest_client.Machine(program, scenario.iommu, scenario.edus)
    watchdog = threading.Timer(timeout, machine.kill)
    watchdog.start()
    kind = error = obs = None
    stderr = ""
    try:
        with machine:
            try:
                obs = scenario(machine)
            finally:
                stderr = machine.stderr_text()
    except qtest_client.ProgramDied as e:
        stderr = stderr or e.stderr_tail
        if machine.killed:
            kind, error = "TIMEOUT", "killed after %.0f s" % timeout
        else:
            kind = "CRASH" if (e.returncode or 0) < 0 else "EXIT"
            error = str(e)
    except qtest_client.ProgramHung as e:
        kind, error = "TIMEOUT", str(e)
    except Exception as e:  # harness or protocol trouble: report it, keep the suite going
        kind = "ERROR"
        error = "%s: %s (%s)" % (type(e).__name__, e,
                                 traceback.extract_tb(e.__traceback__)[-1].line)
    finally:
        watchdog.cancel()
    return compare.Outcome(obs, error, kind, time.monotonic() - t0, stderr)


def probe_features(vtdsim):
    """Which `requires` features vtdsim has, read from its ECAP; (features, error text).
    DT shows only with device-iotlb=on; a vtdsim that refuses the option has no device-TLB."""
    features = set()
    for options, names in (("aw-bits=48", ("queued_invalidation", "interrupt_remapping")),
                           ("aw-bits=48,device-iotlb=on", ("device_tlb",))):
        try:
            with qtest_client.Machine(vtdsim, options) as m:
                ecap = m.readq(0xFED90010)
        except qtest_client.ProgramDied as e:
            if names == ("device_tlb",) and e.returncode == 2:
                continue  # option refused: no device-TLB yet
            return features, "%s: %s" % (type(e).__name__, e)
        except Exception as e:
            return features, "%s: %s" % (type(e).__name__, e)
        features |= {n for n in names if ecap & FEATURE_BITS[n]}
    return features, None


def fmt(value):
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, int):
        return hex(value)
    if isinstance(value, list):
        return "[" + ", ".join(fmt(v) for v in value) + "]"
    return str(value)


def side_status(outcome, problems, label):
    if outcome is None:
        return "-"
    if outcome.kind:
        return outcome.kind
    bad = any(p[1] == label for p in problems)
    return "%s %.2fs" % ("differs" if bad else "ok", outcome.seconds)


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--qemu", default="qemu-system-x86_64")
    ap.add_argument("--vtdsim", help="the vtdsim executable (run as `vtdsim serve ...`)")
    ap.add_argument("--only", action="append", default=[], metavar="NAME",
                    help="run only these scenarios (repeatable, or comma-separated)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--list", action="store_true", help="list the scenarios and exit")
    ap.add_argument("--json", metavar="OUT", help="write every observation and verdict here")
    ap.add_argument("--qemu-only", action="store_true", help="run on QEMU only")
    ap.add_argument("--timeout", type=float, default=SCENARIO_TIMEOUT)
    ap.add_argument("--verbose", action="store_true", help="print every observation")
    args = ap.parse_args(argv)
    if not args.qemu_only and not args.vtdsim and not args.list:
        ap.error("--vtdsim is required unless --qemu-only or --list")
    return args


def list_scenarios(registry):
    for s in registry.values():
        needs = " requires=" + ",".join(s.requires) if s.requires else ""
        print("%-36s %-44s edus=%s%s\n    %s" % (s.name, "iommu=" + (s.iommu or "(defaults)"),
                                              ",".join(s.edus), needs, s.doc))


def select(registry, only):
    names = [n for item in only for n in item.split(",") if n]
    unknown = [n for n in names if n not in registry]
    if unknown:
        raise SystemExit("unknown scenario(s): " + ", ".join(unknown))
    return [s for s in registry.values() if not names or s.name in names]


def main(argv=None):
    args = parse_args(argv)
    registry = scenarios.load_all()
    if args.list:
        list_scenarios(registry)
        return 0
    entry_errors = compare.check_entries(registry, expectations.ALL)
    for err in entry_errors:
        print("expectations.py: " + err)
    chosen = select(registry, args.only)
    t0 = time.monotonic()

    vtdsim = None if args.qemu_only else [args.vtdsim, "serve"]
    features, probe_error = (set(), None) if vtdsim is None else probe_features(vtdsim)
    if probe_error:
        print("vtdsim feature probe failed: " + probe_error)

    jobs = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for s in chosen:
            jobs[(s.name, "qemu")] = pool.submit(run_one, args.qemu, s, args.timeout)
            if vtdsim and set(s.requires) <= features:
                jobs[(s.name, "vtdsim")] = pool.submit(run_one, vtdsim, s, args.timeout)
        outcomes = {key: f.result() for key, f in jobs.items()}
    wall = time.monotonic() - t0

    entries_by_key = {(e.scenario, e.key): e for e in expectations.ALL}
    used, report, failures = set(), [], 0
    for s in chosen:
        q, v = outcomes.get((s.name, "qemu")), outcomes.get((s.name, "vtdsim"))
        verdict, failed, problems = compare.judge(s, q, v, entries_by_key, used)
        if vtdsim and s.requires and v is None and not failed:
            verdict = "pending on vtdsim"
        failures += failed
        report.append((s, q, v, verdict, problems))

    chosen_names = {s.name for s in chosen}
    unused = [e for e in expectations.ALL if e.scenario in chosen_names and e.id not in used]
    print_table(report, args.verbose)
    for e in unused:
        print("UNUSED expectations entry %s (%s.%s)" % (e.id, e.scenario, e.key))
    counts = {}
    for _, _, _, verdict, _ in report:
        word = verdict.split(" ")[0]
        counts[word] = counts.get(word, 0) + 1
    print("\n%d scenarios: %s; wall %.1f s with %d jobs" % (
        len(report), ", ".join("%d %s" % (n, w) for w, n in sorted(counts.items())),
        wall, args.jobs))
    if args.json:
        write_json(args.json, report, unused, entry_errors, probe_error, wall)
    bad = failures or unused or entry_errors or probe_error
    return 1 if bad else 0


def print_table(report, verbose):
    width = max(len(s.name) for s, *_ in report)
    print("%-*s | %-13s | %-13s | %s" % (width, "scenario", "QEMU", "vtdsim", "verdict"))
    print("-" * (width + 50))
    for s, q, v, verdict, problems in report:
        print("%-*s | %-13s | %-13s | %s" % (width, s.name, side_status(q, problems, "qemu"),
                                             side_status(v, problems, "vtdsim") if v or not
                                             s.requires else "pending", verdict))
        for key, side, got, want in problems:
            if key is None:
                print("    %s: %s" % (side, got))
            else:
                print("    %s %s: got %s, wanted %s" % (side, key, fmt(got), fmt(want)))
        for label, o in (("qemu", q), ("vtdsim", v)):
            if o is not None and (o.kind or verbose) and o.stderr.strip():
                print("    %s stderr: %s" % (label, " | ".join(o.stderr.strip().splitlines()[-4:])))
            if verbose and o is not None and o.obs:
                for key, value in o.obs.items():
                    print("    %s %-22s %s" % (label, key, fmt(value)))


def write_json(path, report, unused, entry_errors, probe_error, wall):
    def side(o):
        if o is None:
            return None
        return {"observations": o.obs, "failure": o.kind, "error": o.error,
                "seconds": round(o.seconds, 3), "stderr": o.stderr}
    doc = {"wall_seconds": round(wall, 2), "probe_error": probe_error,
           "entry_errors": entry_errors, "unused_entries": [e.id for e in unused],
           "scenarios": [{"name": s.name, "iommu": s.iommu, "edus": s.edus,
                          "requires": s.requires, "verdict": verdict, "expect": s.expect,
                          "qemu": side(q), "vtdsim": side(v),
                          "problems": [{"key": k, "side": sd, "got": g, "wanted": w}
                                       for k, sd, g, w in problems]}
                         for s, q, v, verdict, problems in report]}
    with open(path, "w") as f:
        json.dump(doc, f, indent=1, default=str)


if __name__ == "__main__":
    sys.exit(main())
