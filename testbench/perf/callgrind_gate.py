#!/usr/bin/env python3
"""Callgrind gate: instructions per transaction of `vtdsim bench`'s paths, against a budget.

Each path (bare LT loop, IOTLB hit, IOTLB miss, and the same three approximately timed:
at_bare, at_hit, at_miss) runs alone (`--set bench.path=P`, one round) under
`valgrind --tool=callgrind` for two transaction counts N1 < N2. Start-up
(elaboration, firmware bring-up, warm-up) is the same in both runs and cancels:

    instructions per transaction = (I(N2) - I(N1)) / (N2 - N1)

N2 - N1 is a multiple of the miss path's period (16 x 128 IOTLB entries = 2048 pages, one
PDE-cache miss per 512), so the figure is exact for the periodic access patterns. Callgrind
counts do not depend on machine load, unlike wall time.

  callgrind_gate.py --vtdsim VTDSIM --path hit [--path bare ...]   check against the budget
  callgrind_gate.py --vtdsim VTDSIM --update                        measure every path and
                                                                    rewrite the budget
  callgrind_gate.py --selftest                                      the verdict rules, no valgrind

Exit status: 0 within budget, 1 out of budget or broken, 77 skipped (valgrind missing, or a
build that is not Release: the budget is for the Release build of the Debian 12 toolchain).
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

PATHS = ("bare", "hit", "miss", "at_bare", "at_hit", "at_miss")


def bare_of(path):
    """The bare loop a path's ratio is taken to: the one of its TLM style."""
    return "at_bare" if path.startswith("at_") else "bare"
N1, N2 = 4096, 4096 + 16 * 2048  # transactions; N2 - N1 is a multiple of 2048
TOLERANCE = 0.03
SKIP = 77
HERE = os.path.dirname(os.path.abspath(__file__))
BUDGET = os.path.join(HERE, "callgrind_budget.json")
UPDATE_CMD = "python3 testbench/perf/callgrind_gate.py --vtdsim build/platform/vtdsim --update"


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def skip(msg):
    print("SKIP: " + msg)
    sys.exit(SKIP)


# --- what built the binary --------------------------------------------------------------

def build_type(vtdsim):
    """CMAKE_BUILD_TYPE from the CMakeCache.txt above the binary, or None."""
    d = os.path.dirname(os.path.abspath(vtdsim))
    while d != os.path.dirname(d):
        cache = os.path.join(d, "CMakeCache.txt")
        if os.path.exists(cache):
            m = re.search(r"^CMAKE_BUILD_TYPE:\w+=(.*)$", open(cache).read(), re.M)
            return m.group(1).strip() if m else None
        d = os.path.dirname(d)
    return None


def compiler(vtdsim):
    """The compiler named in the binary's .comment section (GCC records itself there)."""
    names = set(re.findall(rb"GCC: \([^)\x00]*\) [0-9.]+", open(vtdsim, "rb").read()))
    return ", ".join(sorted(n.decode() for n in names)) or "unknown"


def valgrind_version(valgrind):
    return subprocess.run([valgrind, "--version"], capture_output=True, text=True).stdout.strip()


# --- measuring ---------------------------------------------------------------------------

def callgrind_total(out_file):
    """The Ir total of a callgrind output file ('totals:' or 'summary:' line)."""
    for line in open(out_file):
        if line.startswith(("totals:", "summary:")):
            return int(line.split()[1])
    raise ValueError(f"{out_file}: no totals line")


def instructions(valgrind, vtdsim, path, n, work):
    stem = os.path.join(work, f"{path}-{n}")
    cmd = [valgrind, "--tool=callgrind", f"--callgrind-out-file={stem}.callgrind",
           vtdsim, "bench", "--set", f"bench.path={path}", "--set", "bench.rounds=1",
           "--set", f"bench.transactions={n}", "--out", stem]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    if p.returncode != 0:
        fail(f"{' '.join(cmd)} exited {p.returncode}:\n{p.stdout}\n{p.stderr[-3000:]}")
    bench = json.load(open(os.path.join(stem, "bench.json")))
    ran = [k for k in PATHS if k in bench]
    if ran != [path]:  # the difference must be this path's transactions and nothing else
        fail(f"bench.path={path} ran {ran}, not [{path!r}] alone")
    return callgrind_total(stem + ".callgrind")


def per_transaction(valgrind, vtdsim, path):
    with tempfile.TemporaryDirectory(prefix="vtdsim-callgrind-") as work:
        i1 = instructions(valgrind, vtdsim, path, N1, work)
        i2 = instructions(valgrind, vtdsim, path, N2, work)
    if i2 <= i1:
        fail(f"{path}: {i2} instructions for {N2} transactions, not more than {i1} for {N1}")
    return (i2 - i1) / (N2 - N1)


# --- the verdict -------------------------------------------------------------------------

def verdict(path, measured, budgeted, tolerance):
    """None when `measured` is within `tolerance` of `budgeted`, else the failure message.
    Both directions fail: a gain left in the budget would hide a later regression."""
    change = measured / budgeted - 1.0
    if abs(change) <= tolerance:
        return None
    return (f"{path} path: {measured:.1f} instructions per transaction, budget {budgeted:.1f} "
            f"({change * 100:+.1f} %, outside the ±{tolerance * 100:.0f} % tolerance).\n"
            f"If the change is deliberate, update the budget and commit it with the reason:\n"
            f"  {UPDATE_CMD}\n"
            f"otherwise find what made the {path} path {'slower' if change > 0 else 'faster'}.")


def report(figures, budgeted=None):
    """One line per path; the paths through the unit with their instruction ratio to the
    bare loop of their style (measured here, or the budgeted figure when it did not run)."""
    for p in PATHS:
        if p not in figures:
            continue
        line = f"  {p:7s} {figures[p]:10.1f} instructions per transaction"
        b = bare_of(p)
        if p != b:
            bare, source = (figures[b], "") if b in figures else ((budgeted or {}).get(b), f" (budgeted {b})")
            if bare:
                line += f"   {b}/{p} = {bare / figures[p]:.3f}{source}"
        print(line)


def selftest():
    assert verdict("hit", 100.0, 100.0, 0.03) is None
    assert verdict("hit", 102.9, 100.0, 0.03) is None
    assert verdict("hit", 97.1, 100.0, 0.03) is None
    up = verdict("hit", 103.5, 100.0, 0.03)
    assert up and "hit path: 103.5" in up and "budget 100.0" in up and "--update" in up, up
    down = verdict("miss", 90.0, 100.0, 0.03)
    assert down and "miss path" in down and "-10.0 %" in down and "faster" in down, down
    with tempfile.NamedTemporaryFile("w", suffix=".callgrind", delete=False) as f:
        f.write("version: 1\ncreator: callgrind-3.19.0\nevents: Ir\nfn=main\n5 10\n\ntotals: 123456\n")
    try:
        assert callgrind_total(f.name) == 123456
    finally:
        os.unlink(f.name)
    budget = json.load(open(BUDGET))
    assert set(budget["instructions_per_transaction"]) == set(PATHS), budget
    assert bare_of("at_hit") == "at_bare" and bare_of("miss") == "bare"
    print("selftest passed")


def load_budget(file_name):
    """The budget, or None when it is missing or unreadable (e.g. conflict markers left by
    a rebase: --update rewrites it from scratch then). A budget without some of the paths
    (written before they existed) is returned as it is: checking one of them fails with the
    update command, and --update shows the figures it had."""
    try:
        budget = json.load(open(file_name))
        return budget if isinstance(budget["instructions_per_transaction"], dict) else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


# --- main --------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--vtdsim", help="the vtdsim binary (a Release build)")
    ap.add_argument("--path", action="append", choices=PATHS, help="path to check (repeatable)")
    ap.add_argument("--budget", default=BUDGET, help="budget file (default: next to this script)")
    ap.add_argument("--update", action="store_true", help="measure every path and rewrite the budget")
    ap.add_argument("--selftest", action="store_true", help="check the verdict rules (no valgrind)")
    args = ap.parse_args()
    if args.selftest:
        return selftest()
    if not args.vtdsim:
        ap.error("--vtdsim is required")

    valgrind = shutil.which("valgrind")
    if not valgrind:
        skip("valgrind not found: scripts/install-deps.sh installs it (make test runs that script)")
    bt = build_type(args.vtdsim)
    if bt != "Release":
        msg = f"the build type is {bt!r}: the callgrind budget is for Release builds"
        fail(msg) if args.update else skip(msg)

    budget = load_budget(args.budget)
    if budget is None and not args.update:
        fail(f"{args.budget} is missing or unreadable; create it with\n  {UPDATE_CMD}")
    paths = list(PATHS) if args.update else (args.path or list(PATHS))
    missing = [p for p in paths if not args.update and p not in budget["instructions_per_transaction"]]
    if missing:
        fail(f"{args.budget} has no figure for {', '.join(missing)}; measure it with\n  {UPDATE_CMD}")
    figures = {p: per_transaction(valgrind, args.vtdsim, p) for p in paths}
    print(f"vtdsim bench under callgrind, N = {N1} and {N2} transactions per path:")
    report(figures, budget and budget["instructions_per_transaction"])

    if args.update:
        old = budget["instructions_per_transaction"] if budget else {}
        budget = {
            "about": "instructions per transaction of `vtdsim bench --set bench.path=P` under callgrind, "
                     "(I(N2) - I(N1)) / (N2 - N1); checked by the perf.callgrind_* tests; "
                     "update deliberately with: " + UPDATE_CMD,
            "tolerance": TOLERANCE,
            "transactions": [N1, N2],
            "toolchain": {"compiler": compiler(args.vtdsim), "valgrind": valgrind_version(valgrind),
                          "build_type": bt},
            "instructions_per_transaction": {p: round(figures[p], 1) for p in PATHS},
            "ratio_to_bare": {p: round(figures[bare_of(p)] / figures[p], 3) for p in PATHS if p != bare_of(p)},
        }
        with open(args.budget, "w") as f:
            json.dump(budget, f, indent=2)
            f.write("\n")
        for p in PATHS:
            was = f"{old[p]:.1f}" if p in old else "none"
            print(f"  budget {p}: {was} -> {budget['instructions_per_transaction'][p]:.1f}")
        print(f"wrote {args.budget}: commit it, saying why the figures moved")
        return 0

    built_with = compiler(args.vtdsim)
    failures = [m for p in paths
                if (m := verdict(p, figures[p], budget["instructions_per_transaction"][p], budget["tolerance"]))]
    if failures:
        if built_with != budget["toolchain"]["compiler"]:
            failures.append(f"note: the budget was recorded with {budget['toolchain']['compiler']}, "
                            f"this binary was built with {built_with}; counts differ between compilers")
        fail("\n".join(failures))
    for p in paths:
        print(f"  {p}: within ±{budget['tolerance'] * 100:.0f} % of the budget "
              f"({budget['instructions_per_transaction'][p]:.1f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
