#!/usr/bin/env python3
"""The driver checker through `vtdsim serve`: every differential scenario runs on vtdsim with
`--set checker.stale=on --set checker.ordering=on`, and the kinds of findings each one
produces must be exactly those listed in FINDINGS below — the scenarios that leave out an
invalidation or program the unit out of order on purpose. Every other scenario programs
the unit correctly and must produce none. QEMU is not needed.

  checker_on_serve.py VTDSIM [--print]     --print: show each scenario's findings
"""
import concurrent.futures
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import qtest_client  # noqa: E402
import run  # noqa: E402
import scenarios  # noqa: E402

# scenario -> the finding kinds it must produce (the log line's "checker KIND:")
FINDINGS = {
    # a PTE repointed and no invalidation, or one that does not cover it
    "inv_none_stale": {"stale_iotlb_entry"},
    "inv_psi_wrong_did": {"stale_iotlb_entry"},
    "inv_psi_address_mask": {"stale_iotlb_entry"},     # the page just past 2^AM pages
    "two_domains_same_iova": {"stale_iotlb_entry"},    # domain 1 left out
    "te_toggle_without_invalidation": {"stale_iotlb_entry"},
    "qi_iotlb_none": {"stale_iotlb_entry"},
    "qi_iotlb_page_wrong_did": {"stale_iotlb_entry"},
    # a context entry switched to another domain, its cache entry not invalidated
    "qi_cc_device_other_sid": {"stale_context_entry"},
    "srtp_without_invalidation": {"stale_context_entry", "srtp_without_global_invalidation"},
    # IRTEs rewritten and used before the interrupt-entry-cache invalidation (or outside
    # the index block it covers), to show the cached entries at work
    "qi_iec_global": {"stale_interrupt_entry"},
    "qi_iec_index_mask": {"stale_interrupt_entry"},
    # ordering
    "inv_context_cleared": {"context_invalidation_without_iotlb"},
    "qi_tail_while_disabled": {"qie_with_nonempty_queue"},
    "qi_disable_nonempty": {"qi_disabled_with_pending_descriptors"},
    "qi_register_inv_while_enabled": {"register_invalidation_while_qi"},
}

LINE = re.compile(r"^\[[^\]]*\] \S+ checker (\w+): (.*)$")


def findings(vtdsim, scenario):
    program = [vtdsim, "serve", "--set", "checker.stale=on", "--set", "checker.ordering=on"]
    outcome = run.run_one(program, scenario, run.SCENARIO_TIMEOUT)
    if outcome.error:
        return None, "%s: %s" % (outcome.kind, outcome.error)
    found = []
    for line in outcome.stderr.splitlines():
        m = LINE.match(line)
        if m:
            found.append((m.group(1), m.group(2)))
    return found, None


def main(argv):
    vtdsim, show = argv[1], "--print" in argv
    features, probe_error = run.probe_features([vtdsim, "serve"])
    if probe_error:
        print("FAIL: reading vtdsim's ECAP: " + probe_error)
        return 1
    registry = scenarios.load_all()
    todo = [s for s in registry.values() if all(r in features for r in s.requires)]
    problems = []
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda s: (s, findings(vtdsim, s)), todo))
    for s, (found, error) in results:
        if error:
            problems.append("%s: %s" % (s.name, error))
            continue
        kinds = sorted({k for k, _ in found})
        want = sorted(FINDINGS.get(s.name, ()))
        if show and found:
            print("%s: %s" % (s.name, kinds))
            for k, text in found:
                print("    %s: %s" % (k, text))
        if kinds != want:
            problems.append("%s: findings %s, expected %s" % (s.name, kinds, want))
    unused = sorted(set(FINDINGS) - {s.name for s in todo})
    problems += ["FINDINGS names %s, which did not run" % n for n in unused]
    print("%d scenarios with the checker on, %d with findings as listed" %
          (len(todo), sum(1 for s, _ in results if s.name in FINDINGS)))
    for p in problems:
        print("FAIL: " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
