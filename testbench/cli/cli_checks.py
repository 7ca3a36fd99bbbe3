#!/usr/bin/env python3
"""End-to-end checks of the vtdsim executable, run by CTest (standard library only).

  cli_checks.py run VTDSIM                 `vtdsim run` works and writes its three files
  cli_checks.py bad-input VTDSIM           bad options/configurations exit 2 naming the problem
  cli_checks.py interrupts VTDSIM          the default scenario's MSIs in each delivery mode add up
  cli_checks.py workloads VTDSIM           each workload runs through `vtdsim run`, with figures per device and VM
  cli_checks.py golden VTDSIM CONFIG GOLDEN  statistics match the golden file within tolerance
  cli_checks.py golden-update VTDSIM CONFIG GOLDEN   rewrite the golden file (by hand only)
  cli_checks.py bench VTDSIM               `vtdsim bench` runs its three paths as intended
  cli_checks.py docs VTDSIM DOCS_DIR       generated docs tables are current
  cli_checks.py layering SOURCE_DIR        model/, firmware/, traces/, platform/serve/protocol/,
                                           platform/replay/ include no SystemC/TLM
"""
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600, **kw)


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def check_run(vtdsim):
    with tempfile.TemporaryDirectory() as out:
        p = run([vtdsim, "run", "--out", out])
        print(p.stdout)
        if p.returncode != 0:
            fail(f"vtdsim run exited {p.returncode}: {p.stderr}")
        for name in ("stats.json", "stats.csv", "effective_config.json"):
            if not os.path.getsize(os.path.join(out, name)):
                fail(f"{name} is empty")
        stats = json.load(open(os.path.join(out, "stats.json")))["stats"]
        for key in ("vtd.translations", "vtd.iotlb_lookup", "vtd.iotlb_hit"):
            if not stats.get(key):
                fail(f"{key} is zero")
        if "checks                       passed" not in p.stdout:
            fail("summary does not report passed checks")
        rows = open(os.path.join(out, "stats.csv")).read().splitlines()
        if rows[0] != "stat,value,unit,description" or len(rows) < 50:
            fail("stats.csv is not the long-form table")
        config = json.load(open(os.path.join(out, "effective_config.json")))
        if config["iotlb"]["entries"] != 118 or config["uncore"]["io_read_ns"] != 200:
            fail("effective_config.json does not hold the defaults")


# The default scenario's firmware follows the Linux programming order and invalidates
# after every change: with both checks on, the run must be clean, the log created and
# empty, and every checker counter present in the statistics.
def check_checker(vtdsim):
    with tempfile.TemporaryDirectory() as out:
        log = os.path.join(out, "checker.log")
        p = run([vtdsim, "run", "--out", out, "--set", "checker.stale=on", "--set", "checker.ordering=on",
                 "--set", "checker.log=" + log])
        if p.returncode != 0:
            fail(f"vtdsim run with the checker exited {p.returncode}: {p.stderr}")
        if not os.path.exists(log):
            fail("checker.log was not created")
        if os.path.getsize(log):
            fail("the default scenario has checker findings:\n" + open(log).read()[:2000])
        stats = json.load(open(os.path.join(out, "stats.json")))["stats"]
        found = [k for k in stats if k.startswith("vtd.checker.")]
        if len(found) < 9 or any(stats[k] for k in found):
            fail(f"checker counters missing or non-zero: {found}")
        if not stats.get("vtd.iotlb_hit"):
            fail("no IOTLB hits were checked")
        print(f"ok: {len(found)} checker counters, all zero over {stats['vtd.iotlb_hit']} IOTLB hits")


# The default scenario's MSIs in each delivery mode (a small run): every MSI is accounted
# for where the mode sends it, and in posted mode the vCPU meets every state, so the
# posting rules (notify, SN suppression, wakeup) are all exercised by the firmware's flow.
def check_interrupts(vtdsim):
    small = ["--set", "scenario.packets=20000", "--set", "scenario.stray_dmas=0"]
    for mode in ("posted", "remapped", "direct"):
        with tempfile.TemporaryDirectory() as out:
            p = run([vtdsim, "run", "--quiet", "--out", out, "--set", "scenario.interrupts=" + mode] + small)
            if p.returncode != 0:
                fail(f"{mode}: vtdsim run exited {p.returncode}: {p.stderr}")
            st = json.load(open(os.path.join(out, "stats.json")))["stats"]
            msis = st["scenario.device_msis"]
            if msis != 20000 // 32:
                fail(f"{mode}: {msis} device MSIs, expected {20000 // 32}")
            want = {
                "posted": {"vtd.interrupts_posted": msis, "vtd.interrupts_remapped": 0,
                           "scenario.device_interrupts": 0, "vtd.interrupts_faulted": 0},
                "remapped": {"vtd.interrupts_remapped": msis, "vtd.interrupts_posted": 0,
                             "scenario.device_interrupts": msis, "vtd.int_cache_lookup": msis},
                "direct": {"vtd.interrupts_remapped": 0, "vtd.interrupts_posted": 0,
                           "vtd.int_cache_lookup": 0, "scenario.device_interrupts": msis},
            }[mode]
            for key, value in want.items():
                if st.get(key) != value:
                    fail(f"{mode}: {key} = {st.get(key)}, expected {value}")
            if mode == "posted":
                for key in ("vtd.post_notifications", "vtd.post_suppressed", "vcpu0.scheduler.preemptions",
                            "vcpu0.scheduler.halts", "vcpu0.scheduler.interrupt_wakeups", "vcpu0.wakeups",
                            "vcpu0.notifications_processed"):
                    if not st.get(key):
                        fail(f"posted: {key} is zero: the flow did not meet every vCPU state")
                taken = st["scenario.guest_interrupts"]
                if not 0 < taken <= msis:
                    fail(f"posted: the guest took {taken} interrupts for {msis} MSIs")
                if st["vtd.post_notifications"] + st["vtd.post_suppressed"] + st["vtd.post_already_pending"] != msis:
                    fail("posted: notifications + suppressed + already pending != MSIs")
                if not 0 < st["vtd.interrupt_post_latency_ns"] < 10000:
                    fail(f"posted: latency {st['vtd.interrupt_post_latency_ns']} ns")
                # end to end: at least the unit's part; preempted and halted vCPUs make the
                # tail long (the mean run slice and preemption are microseconds)
                if not st["vtd.interrupt_post_latency_ns"] < st["scenario.msi_latency_p50_ns"] < st["scenario.msi_latency_p99_ns"]:
                    fail("posted: MSI-to-guest latency median/p99 not above the unit's part")
            elif st["scenario.msi_latency_max_ns"] > 1000:
                fail(f"{mode}: MSI to host APIC took {st['scenario.msi_latency_max_ns']} ns")
            print(f"ok: {mode}: {msis} MSIs accounted for")


# Each workload through `vtdsim run` (small): the checks pass, each device reports its work,
# payload rate and IOTLB figures, the summary prints a row per device; two VMs report per
# VM; the same workload with the IOMMU off moves the same payload with no lookups.
WORKLOAD_RUNS = {
    "nic": ["scenario.packets=5000", "nic.rx_buffers=page_pool", "nic.sizes=imix", "nic.line_gbps=100"],
    "nvme": ["nvme.commands=500", "nvme.block_bytes=65536"],
    "accel": ["accel.jobs=10", "accel.job_bytes=262144", "accel.output_ratio=0.5"],
    "bench": ["pcie_bench.requests=5000", "pcie_bench.warmup_requests=500", "pcie_bench.window_kib=2048"],
}


def run_stats(vtdsim, sets, quiet=True):
    with tempfile.TemporaryDirectory() as out:
        args = [vtdsim, "run", "--out", out] + (["--quiet"] if quiet else [])
        for s in sets:
            args += ["--set", s]
        p = run(args)
        if p.returncode != 0:
            fail(f"vtdsim run {' '.join(sets)} exited {p.returncode}: {p.stdout[-2000:]} {p.stderr}")
        return json.load(open(os.path.join(out, "stats.json"))), p.stdout


def check_workloads(vtdsim):
    for kind, sets in WORKLOAD_RUNS.items():
        doc, out = run_stats(vtdsim, ["scenario.workload=" + kind] + sets, quiet=False)
        st = doc["stats"]
        if st["scenario.checks_passed"] != 1.0 or doc["meta"]["devices"][0]["workload"] != kind:
            fail(f"{kind}: checks failed or wrong workload: {doc['meta']}")
        for key in ("device0.units", "device0.payload_bytes", "device0.payload_gbps", "device0.iotlb_lookups",
                    "vm0.payload_gbps", "scenario.payload_gbps"):
            if not st.get(key, 0) > 0:
                fail(f"{kind}: {key} = {st.get(key)}")
        if not 0 < st["device0.iotlb_hit_rate"] < 1 or st["device0.iotlb_misses_per_mib"] <= 0:
            fail(f"{kind}: IOTLB figures {st['device0.iotlb_hit_rate']}, {st['device0.iotlb_misses_per_mib']}")
        if not re.search(r"\n  0 +0 +" + kind + r" ", out):
            fail(f"{kind}: no device row in the summary:\n{out}")
        print(f"ok: {kind}: {st['device0.units']:.0f} units, {st['device0.payload_gbps']:.2f} Gb/s, "
              f"IOTLB hit rate {st['device0.iotlb_hit_rate']:.3f}, {st['device0.iotlb_misses_per_mib']:.1f} misses/MiB")
    doc, out = run_stats(vtdsim, ["scenario.vms=2", "scenario.devices_per_vm=2", "scenario.workload=nic,nvme",
                                  "scenario.vm_ram_mib=64"] + WORKLOAD_RUNS["nic"][:1] + WORKLOAD_RUNS["nvme"][:1],
                         quiet=False)
    st = doc["stats"]
    if st["scenario.checks_passed"] != 1.0 or len(doc["meta"]["devices"]) != 4 or st["scenario.stray_blocked"] != 8:
        fail(f"two VMs: {doc['meta']}, strays {st['scenario.stray_blocked']}")
    for k in (0, 1):
        if not st[f"vm{k}.payload_bytes"] == st[f"device{2 * k}.payload_bytes"] + st[f"device{2 * k + 1}.payload_bytes"]:
            fail(f"two VMs: vm{k}.payload_bytes is not the sum of its devices'")
    if out.count("\n  all ") != 3:
        fail(f"two VMs: no per-VM rows in the summary:\n{out}")
    print("ok: two VMs, four devices")
    on, _ = run_stats(vtdsim, ["scenario.workload=nvme"] + WORKLOAD_RUNS["nvme"])
    off, _ = run_stats(vtdsim, ["scenario.workload=nvme", "scenario.iommu=off"] + WORKLOAD_RUNS["nvme"])
    if off["stats"]["device0.payload_bytes"] != on["stats"]["device0.payload_bytes"] or off["stats"]["vtd.iotlb_lookup"]:
        fail("IOMMU off: not the same payload, or lookups made")
    if not off["stats"]["device0.payload_gbps"] >= on["stats"]["device0.payload_gbps"]:
        fail("IOMMU off: slower than with translation")
    print(f"ok: nvme {on['stats']['device0.payload_gbps']:.2f} Gb/s with the IOMMU, "
          f"{off['stats']['device0.payload_gbps']:.2f} without")


BAD_INPUTS = [
    (["run", "--set", "iotlb.wayz=4"], "iotlb.wayz"),
    (["run", "--set", "iotlb.ways=7"], "iotlb.ways"),
    (["run", "--set", "iotlb.organisation=hybrid"], "unified|split"),
    (["run", "--set", "iotlb.organisation=split", "--set", "iotlb.2m.ways=3"], "iotlb.2m.ways"),
    (["run", "--set", "psc.pde.entries=24"], "psc.pde."),
    (["run", "--set", "unit.fault_records=0"], "unit.fault_records"),
    (["run", "--set", "unit.interrupt_remapping=false"], "unit.posted_interrupts needs unit.interrupt_remapping"),
    (["run", "--set", "scenario.interrupts=posted", "--set", "unit.posted_interrupts=false"],
     "scenario.interrupts=posted needs unit.posted_interrupts"),
    (["run", "--set", "scenario.interrupts=remapped", "--set", "unit.queued_invalidation=false"],
     "needs unit.queued_invalidation"),
    (["run", "--set", "scenario.interrupts=posted", "--set", "platform.vcpus=0"], "platform.vcpus"),
    (["run", "--set", "scenario.interrupts=msi"], "auto|posted|remapped|direct"),
    (["run", "--set", "scenario.leaf=3m"], "4k|2m|1g"),
    (["run", "--set", "scenario.workload=nic,disk"], "nic|nvme|accel|bench|mixed"),
    (["run", "--set", "scenario.iommu=native"], "on|off|passthrough"),
    (["run", "--set", "scenario.alloc=sparse"], "random|contiguous"),
    (["run", "--set", "scenario.vms=4", "--set", "scenario.devices_per_vm=4"], "at most 15"),
    (["run", "--set", "nic.mtu=1000"], "nic.mtu"),
    (["run", "--set", "nic.sizes=bimodal", "--set", "nic.small_bytes=4000"], "nic.mtu"),
    (["run", "--set", "nvme.block_bytes=1000"], "nvme.block_bytes"),
    (["run", "--set", "scenario.workload=bench", "--set", "pcie_bench.fidelity=at"], "pcie_bench.fidelity=at"),
    (["run", "--set", "scenario.iommu=off", "--set", "device.ats=true", "--set", "unit.device_tlb=true"],
     "device.ats needs scenario.iommu=on"),
    (["run", "--set", "checker.stale=on", "--set", "checker.log=/nonexistent/dir/f.log"], "checker.log"),
    (["run", "--set", "noequals"], "key=value"),
    (["run", "--config", "/nonexistent/vtdsim.json"], "cannot open"),
    (["run", "--frobnicate"], "unknown option"),
    (["run", "myconfig.json"], "takes no argument"),
    (["run", "--set", "platform.dmar_base=0xFFFFFFFFFFFFF000"], "platform.dmar_base"),
    (["describe", "nothing"], "unknown table"),
    (["launch"], "unknown command"),
    # serve: QEMU's command line; whatever vtdsim cannot honour is named, never ignored
    (["serve", "-qtest", "stdio", "-machine", "pc"], "only q35"),
    (["serve", "-qtest", "stdio", "-device", "intel-iommu,x-scalable-mode=on"], "scalable mode"),
    (["serve", "-qtest", "stdio", "-device", "intel-iommu,aw-bits=52"], "39 and 48"),
    (["serve", "-qtest", "stdio", "-device", "intel-iommu,frob=1"], "'frob'"),
    (["serve", "-qtest", "stdio", "-device", "e1000"], "'e1000'"),
    (["serve", "-qtest", "stdio", "-netdev", "user,id=n"], "'-netdev'"),
    (["serve", "-qtest", "unix:/nonexistent/dir/q.sock"], "Failed to connect"),
    (["serve", "-qtest", "stdio", "--set", "iotlb.wayz=4"], "iotlb.wayz"),
    (["serve", "-display", "none"], "nothing to serve"),
]


def check_bad_input(vtdsim):
    with tempfile.TemporaryDirectory() as tmp:
        bad_json = os.path.join(tmp, "bad.json")
        open(bad_json, "w").write('{"memory": {"size_mib": "lots"}}')
        broken = os.path.join(tmp, "broken.json")
        open(broken, "w").write('{"memory": ')
        cases = BAD_INPUTS + [(["run", "--config", bad_json], "memory.size_mib"),
                              (["run", "--config", broken], "not valid JSON")]
        for args, expected in cases:
            p = run([vtdsim] + args + ["--out", os.path.join(tmp, "out")] if args[0] == "run" else [vtdsim] + args)
            if p.returncode != 2:
                fail(f"{args}: exit {p.returncode}, expected 2 (stderr: {p.stderr})")
            if expected not in p.stderr:
                fail(f"{args}: message does not name '{expected}': {p.stderr!r}")
            print(f"ok: {args} -> {p.stderr.strip().splitlines()[-1]}")


# Statistics compared against the golden file and their relative tolerance. The run is
# deterministic, so counts must match exactly; timing may move by a small amount only
# when the timing model changes on purpose.
GOLDEN_KEYS = {
    "vtd.dma_requests": 0.0, "vtd.dma_bytes": 0.0, "vtd.translations": 0.0,
    "vtd.iotlb_lookup": 0.0, "vtd.iotlb_hit": 0.0, "vtd.iotlb_eviction": 0.0,
    "vtd.ctxt_cache_lookup": 0.0, "vtd.ctxt_cache_hit": 0.0, "vtd.walks": 0.0,
    "vtd.walk_reads": 0.0, "vtd.faults": 0.0, "vtd.faults_recorded": 0.0,
    "vtd.fault_events": 0.0, "vtd.fault_reason_0x05": 0.0, "intc.delivered": 0.0,
    "scenario.packets": 0.0, "scenario.rx_packets": 0.0, "scenario.fault_records": 0.0,
    "scenario.stray_blocked": 0.0, "scenario.checks_passed": 0.0,
    "device0.mean_latency_ns": 0.01, "sim.dma_phase_ns": 0.01,
    # the device's MSIs, posted to the guest's vCPU as it runs, is preempted and halts
    "scenario.device_msis": 0.0, "scenario.guest_interrupts": 0.0, "vtd.interrupts_posted": 0.0,
    "vtd.post_notifications": 0.0, "vtd.post_suppressed": 0.0, "vtd.int_cache_lookup": 0.0,
    "vcpu0.scheduler.slices": 0.0, "vcpu0.scheduler.interrupt_wakeups": 0.0,
    "vtd.interrupt_post_latency_ns": 0.01, "scenario.msi_latency_mean_ns": 0.01,
    # the device's PCIe link: requests split at MPS/MRRS, completions, bytes on the wire
    "link0.read_requests": 0.0, "link0.write_requests": 0.0, "link0.completions": 0.0,
    "link0.upstream_bytes": 0.0, "link0.downstream_bytes": 0.0,
}


def golden_stats(vtdsim, config):
    with tempfile.TemporaryDirectory() as out:
        p = run([vtdsim, "run", "--quiet", "--config", config, "--out", out])
        if p.returncode != 0:
            fail(f"golden run exited {p.returncode}: {p.stderr}")
        return json.load(open(os.path.join(out, "stats.json")))["stats"]


def check_golden(vtdsim, config, golden):
    stats = golden_stats(vtdsim, config)
    want = json.load(open(golden))
    bad = []
    for key, tol in GOLDEN_KEYS.items():
        got, exp = stats.get(key), want.get(key)
        if got is None or exp is None:
            bad.append(f"{key}: missing (got {got}, golden {exp})")
        elif abs(got - exp) > tol * abs(exp):
            bad.append(f"{key}: {got} vs golden {exp} (tolerance {tol * 100:.1f} %)")
        else:
            print(f"ok: {key} = {got}")
    if bad:
        fail("statistics differ from " + golden + ":\n  " + "\n  ".join(bad) +
             "\nIf the change is intended, rerun: cli_checks.py golden-update ...")


def update_golden(vtdsim, config, golden):
    stats = golden_stats(vtdsim, config)
    json.dump({k: stats[k] for k in GOLDEN_KEYS}, open(golden, "w"), indent=2, sort_keys=True)
    print("wrote " + golden)


NO_PSC = [a for level in ("pde", "pdpe", "pml4e", "pml5e") for a in ("--set", f"psc.{level}.enable=false")]


def check_bench(vtdsim):
    """The benchmark measures what it says, in both TLM styles: hits on the hit paths (bar
    their 4 cold pages per round), a miss per request on the miss paths, walking from a
    cached PDE (one read, bar the first page of each 2 MiB region) with the default
    paging-structure caches and all 4 levels without them. Speed itself is not gated here
    (noisy machines)."""
    for extra, reads in (([], (1.0, 1.01)), (NO_PSC, (4.0, 4.0))):
        with tempfile.TemporaryDirectory() as out:
            p = run([vtdsim, "bench", "--set", "bench.transactions=20000", "--set", "bench.rounds=2",
                     "--set", "bench.calibration_requests=5000", "--out", out] + extra)
            print(p.stdout)
            if p.returncode != 0:
                fail(f"vtdsim bench exited {p.returncode}: {p.stderr}")
            b = json.load(open(os.path.join(out, "bench.json")))
            # The miss paths run between hit rounds and evict the hit paths' 4 pages (shared:
            # the LT and AT hit paths use one domain): at most 4 misses per path per round.
            for hit, miss in (("hit", "miss"), ("at_hit", "at_miss")):
                if b[hit]["iotlb_misses"] > 4 * b["rounds"]:
                    fail(f"{hit} path missed {b[hit]['iotlb_misses']} times, more than its 4 pages per round")
                w = b[miss]["walk_reads_per_miss"]
                if b[miss]["iotlb_hit_rate"] != 0.0 or not reads[0] <= w <= reads[1]:
                    fail(f"{miss} path {' '.join(extra)}: hit rate {b[miss]['iotlb_hit_rate']}, "
                         f"{w} walk reads per miss (expected {reads[0]}..{reads[1]})")
            for path in ("bare", "hit", "miss", "at_bare", "at_hit", "at_miss", "cal_bare", "cal"):
                if not b[path]["dmas_per_host_second"] > 0 or len(b[path]["ratios"]) != 2:
                    fail(f"{path}: no measurement")
            for bare in ("at_bare", "cal_bare"):
                if b[bare]["ratios"] != [1.0, 1.0]:
                    fail(f"{bare} is not its own reference: {b[bare]['ratios']}")
            # The calibration run's 64 MiB window in 4 KiB pages: nearly every read misses.
            if not b["cal"]["iotlb_hit_rate"] < 0.05 or "iotlb_hit_rate" in b["cal_bare"]:
                fail(f"calibration paths: cal hit rate {b['cal']['iotlb_hit_rate']}")


def check_docs(vtdsim, docs):
    stale = []
    for table in ("params", "stats", "registers"):
        p = run([vtdsim, "describe", table])
        if p.returncode != 0:
            fail(f"describe {table}: {p.stderr}")
        path = os.path.join(docs, table + ".md")
        current = open(path).read() if os.path.exists(path) else ""
        if current != p.stdout:
            stale.append(path)
    if stale:
        fail("generated docs are stale: " + ", ".join(stale) +
             "\nRegenerate: for t in params stats registers; do build/platform/vtdsim describe $t > docs/$t.md; done")
    print("docs tables are current")


def check_sweep(vtdsim):
    """`vtdsim sweep`: a 2 x 2 grid in 2 processes, its table, resuming, and refusals."""
    with tempfile.TemporaryDirectory() as out:
        grid = ["--axis", "iotlb.entries=16,512", "--axis", "scenario.leaf=4k,2m",
                "--set", "scenario.packets=4000", "--jobs", "2", "--out", out]
        p = run([vtdsim, "sweep"] + grid)
        if p.returncode != 0:
            fail(f"sweep exited {p.returncode}: {p.stderr}")
        if "4 done now, 0 from before, 0 failed" not in p.stdout:
            fail(f"sweep summary: {p.stdout}")
        rows = list(csv.DictReader(open(os.path.join(out, "sweep.csv"))))
        if len(rows) != 4 or any(r["status"] != "ok" for r in rows):
            fail(f"sweep.csv: {rows}")
        rate = {(r["iotlb.entries"], r["scenario.leaf"]): float(r["vtd.iotlb_hit_rate"]) for r in rows}
        if not rate[("512", "4k")] > rate[("16", "4k")] or not rate[("16", "2m")] > rate[("16", "4k")]:
            fail(f"hit rates do not follow the IOTLB size and page size: {rate}")
        if any(float(r["throughput_gbps"]) <= 0 for r in rows):
            fail("no throughput column")
        if "[####" not in p.stderr or "left" not in p.stderr:
            fail(f"no progress shown: {p.stderr}")
        if subprocess.run(["/usr/bin/python3", "-c", "import matplotlib"], capture_output=True).returncode == 0:
            if not os.path.getsize(os.path.join(out, "sweep.png")):
                fail("no sweep.png although matplotlib is installed")
        # The same grid again: nothing to do. One row lost: only that run again.
        p = run([vtdsim, "sweep", "--no-plot"] + grid)
        if p.returncode != 0 or "0 done now, 4 from before" not in p.stdout:
            fail(f"resume: {p.stdout} {p.stderr}")
        lines = open(os.path.join(out, "sweep.csv")).read().splitlines()
        open(os.path.join(out, "sweep.csv"), "w").write("\n".join(lines[:-1]) + "\n" + lines[-1][:10])
        p = run([vtdsim, "sweep", "--no-plot"] + grid)
        if p.returncode != 0 or "1 done now, 3 from before" not in p.stdout:
            fail(f"resume after a lost row: {p.stdout} {p.stderr}")
        if len(list(csv.DictReader(open(os.path.join(out, "sweep.csv"))))) != 4:
            fail("resumed table does not hold the 4 runs once each")
        # Rows of another build are not mixed with new ones (a rebuilt vtdsim resumes nothing).
        other = os.path.join(out, "vtdsim-copy")
        shutil.copy2(vtdsim, other)
        os.utime(other, (0, 0))
        p = run([other, "sweep", "--no-plot"] + grid)
        if p.returncode != 2 or "another build" not in p.stderr:
            fail(f"another build in the same folder: {p.returncode} {p.stderr}")
        # Another grid in the same folder is refused.
        p = run([vtdsim, "sweep", "--no-plot", "--axis", "iotlb.entries=8", "--out", out])
        if p.returncode != 2 or "another grid" not in p.stderr:
            fail(f"another grid in the same folder: {p.returncode} {p.stderr}")
    with tempfile.TemporaryDirectory() as out:
        for args, words in (
                (["--axis", "iotlb.entrys=16,32"], ["run 0", "iotlb.entrys"]),
                (["--axis", "iotlb.entries=16,0"], ["run 1", "iotlb.entries"]),
                (["--axis", "iotlb.entries"], ["--axis", "param=value1"]),
                (["--axis", "iotlb.entries=1", "--axis", "iotlb.entries=2"], ["two axes"]),
                (["--set", "scenario.packets=10"], ["no axis"]),
                (["--grid", os.path.join(out, "missing.json")], ["cannot read"])):
            p = run([vtdsim, "sweep", "--no-plot", "--out", out] + args)
            if p.returncode != 2 or not all(w in p.stderr for w in words):
                fail(f"sweep {args}: exit {p.returncode}, {p.stderr!r} should name {words}")
        bad = os.path.join(out, "bad.json")
        open(bad, "w").write('{"axes": {"iotlb.entries": [16, 32]}, "sett": {}}')
        p = run([vtdsim, "sweep", "--grid", bad, "--out", out])
        if p.returncode != 2 or "sett: unknown key" not in p.stderr:
            fail(f"grid with an unknown key: {p.stderr}")
        # A command that refuses its configuration in the child stops the sweep.
        p = run([vtdsim, "sweep", "--no-plot", "--command", "calibrate", "--axis",
                 "calibrate.latency_requests=0", "--out", os.path.join(out, "c")])
        if p.returncode != 2 or "run 0 (calibrate.latency_requests=0) failed" not in p.stderr:
            fail(f"a child's refusal: {p.returncode} {p.stderr}")
        # The study fixes its grid: other studies and overrides are refused by name.
        for args, words in ((["nosuch"], ["unknown study 'nosuch'"]),
                            (["--set", "iotlb.entries=8"], ["fixes its own parameters"])):
            p = run([vtdsim, "study"] + args + ["--out", out])
            if p.returncode != 2 or not all(w in p.stderr for w in words):
                fail(f"study {args}: exit {p.returncode}, {p.stderr!r}")
    print("ok: sweep runs the grid in parallel, resumes, plots, and refuses bad grids by name")


# Timing parameters (issue 6): every one has a default, a description, and a unit when it
# is a quantity (seeds and on/off switches are not).
TIMING_GROUPS = ("latency.", "memory.", "uncore.", "pcie.", "pcie_bench.", "platform.quantum_ns",
                 "platform.device_gap_ns")


def check_timing_params(vtdsim):
    p = run([vtdsim, "describe", "params"])
    if p.returncode != 0:
        fail(f"describe params: {p.stderr}")
    bad, seen = [], 0
    for line in p.stdout.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 6 or not cells[0].startswith("`"):
            continue
        name, kind, default, _, unit, description = cells
        name = name.strip("`")
        if not (name.startswith(TIMING_GROUPS) or name.endswith(".lookup_cycles")):
            continue
        seen += 1
        if not default:
            bad.append(f"{name}: no default")
        if len(description) < 10:
            bad.append(f"{name}: no description")
        if kind in ("uint", "real") and not unit and not name.endswith("seed"):
            bad.append(f"{name}: no unit")
    if seen < 40:
        fail(f"only {seen} timing parameters found: has describe params changed its table?")
    if bad:
        fail("timing parameters incomplete:\n  " + "\n  ".join(bad))
    print(f"{seen} timing parameters, each with a default, a description and a unit")


def check_layering(source):
    pattern = re.compile(r'#\s*include\s*[<"](systemc|tlm)')
    hits = []
    # The qtest/QMP protocol layer of `vtdsim serve` is SystemC-free too: it is tested with
    # fakes and could front another simulator. So are the trace format (traces/) and the
    # functional replay and miss curve (platform/replay/): a replay needs no SystemC.
    for layer in ("model", "firmware", "traces", os.path.join("platform", "serve", "protocol"),
                  os.path.join("platform", "replay")):
        for root, _, files in os.walk(os.path.join(source, layer)):
            for f in files:
                path = os.path.join(root, f)
                for n, line in enumerate(open(path, errors="replace"), 1):
                    if pattern.search(line):
                        hits.append(f"{path}:{n}: {line.strip()}")
    if hits:
        fail("SystemC/TLM included below tlm/:\n  " + "\n  ".join(hits))
    print("model/, firmware/, traces/, platform/serve/protocol/ and platform/replay/ are free of SystemC")


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        sys.exit(2)
    what, args = sys.argv[1], sys.argv[2:]
    {"run": check_run, "checker": check_checker, "bad-input": check_bad_input, "golden": check_golden,
     "golden-update": update_golden, "interrupts": check_interrupts, "workloads": check_workloads, "bench": check_bench, "docs": check_docs, "layering": check_layering,
     "timing-params": check_timing_params, "sweep": check_sweep}[what](*args)


if __name__ == "__main__":
    main()
