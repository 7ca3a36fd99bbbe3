"""Judge one scenario's observations from QEMU and vtdsim against the specification values
(`expect`) and the entries of expectations.py; validate the entries themselves.

Rule per observation key: the value wanted from a program is the entry's value for that
program when an entry covers (scenario, key), otherwise the scenario's `expect` value. So
without an entry both programs must agree with each other and with the spec; with an entry
each must show exactly the entry's value. Keys missing on one side or absent from `expect`
are mismatches too. Starting programs and printing are run.py's business.
"""
ABSENT = "<absent>"


class Outcome:
    """What one program did with one scenario: observations, or why there are none."""

    def __init__(self, obs=None, error=None, kind=None, seconds=0.0, stderr=""):
        self.obs = obs
        self.error = error  # text when the run failed
        self.kind = kind  # None, "CRASH", "TIMEOUT", "ERROR"
        self.seconds = seconds
        self.stderr = stderr


def check_entries(scenarios, entries):
    """Static checks; returns a list of error strings."""
    errors, seen, ids = [], set(), set()
    for e in entries:
        where = "%s (%s.%s)" % (e.id, e.scenario, e.key)
        if e.id in ids:
            errors.append("duplicate entry id " + where)
        ids.add(e.id)
        if (e.scenario, e.key) in seen:
            errors.append("two entries for one key: " + where)
        seen.add((e.scenario, e.key))
        s = scenarios.get(e.scenario)
        if s is None:
            errors.append("entry for an unknown scenario: " + where)
            continue
        if e.key not in s.expect:
            errors.append("entry for a key the scenario does not observe: " + where)
            continue
        if e.qemu == e.vtdsim:
            errors.append("entry without a difference: " + where)
        if e.kind == "deviation" and e.vtdsim != s.expect[e.key]:
            errors.append("deviation whose vtdsim value is not the spec value: " + where)
        if e.kind == "gap" and e.qemu != s.expect[e.key]:
            errors.append("gap whose QEMU value is not the spec value: " + where)
        if e.kind == "gap" and not e.closes:
            errors.append("gap without what closes it: " + where)
    return errors


def _side_problems(label, outcome, wanted):
    problems = []
    for key, want in wanted.items():
        got = outcome.obs.get(key, ABSENT)
        if got != want:
            problems.append((key, label, got, want))
    for key in outcome.obs:
        if key not in wanted:
            problems.append((key, label, outcome.obs[key], ABSENT))
    return problems


def judge(scenario, qemu, vtdsim, entries_by_key, used):
    """Verdict text, failure flag and a list of (key, side, got, wanted) problems.

    qemu/vtdsim: Outcome, or None when that program was not asked (qemu-only, pending).
    `used` collects the ids of the entries compared.
    """
    covering = {key: entries_by_key[(scenario.name, key)] for key in scenario.expect
                if (scenario.name, key) in entries_by_key}
    problems, failed = [], []
    for label, outcome in (("qemu", qemu), ("vtdsim", vtdsim)):
        if outcome is None:
            continue
        if outcome.kind:
            failed.append("%s %s" % (outcome.kind, label))
            problems.append((None, label, outcome.error, None))
            continue
        wanted = {key: getattr(covering[key], label) if key in covering else value
                  for key, value in scenario.expect.items()}
        problems += _side_problems(label, outcome, wanted)
        used.update(e.id for e in covering.values())
    if failed:
        return " ".join(failed), True, problems
    if problems:
        return "MISMATCH", True, problems
    kinds = {}
    for e in covering.values():
        kinds.setdefault(e.kind, []).append(e.id)
    if vtdsim is None and scenario.requires:
        verdict = "pending"
    elif not kinds:
        verdict = "match"
    else:
        verdict = " ".join("%s (%s)" % (kind, ",".join(sorted(ids, key=lambda i: (len(i), i))))
                           for kind, ids in sorted(kinds.items()))
    return verdict, False, []
