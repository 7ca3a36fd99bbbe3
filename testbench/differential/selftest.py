#!/usr/bin/env python3
"""Checks of the harness itself, with no emulator: the verdict rules of compare.py, the
consistency of expectations.py with the scenarios, and the IRR parser. Run by CTest as
differential.harness_selftest.
"""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import compare  # noqa: E402
import expectations  # noqa: E402
import pci_edu  # noqa: E402
import scenarios  # noqa: E402
from expectations import deviation, gap  # noqa: E402


class FakeScenario:
    def __init__(self, expect, requires=()):
        self.name = "s"
        self.expect = expect
        self.requires = requires


def ok(obs):
    return compare.Outcome(obs=obs)


class Verdicts(unittest.TestCase):
    def judge(self, expect, q, v, entries=(), requires=()):
        used = set()
        by_key = {(e.scenario, e.key): e for e in entries}
        verdict, failed, problems = compare.judge(FakeScenario(expect, requires), q, v, by_key,
                                                  used)
        return verdict, failed, problems, used

    def test_match(self):
        verdict, failed, _, _ = self.judge({"a": 1}, ok({"a": 1}), ok({"a": 1}))
        self.assertEqual((verdict, failed), ("match", False))

    def test_both_agree_but_not_spec_is_a_mismatch(self):
        verdict, failed, problems, _ = self.judge({"a": 1}, ok({"a": 2}), ok({"a": 2}))
        self.assertTrue(failed)
        self.assertEqual(len(problems), 2)

    def test_deviation_needs_exact_values_on_both_sides(self):
        d = deviation("D1", "s", "a", "x", "y", 5, 1)
        verdict, failed, _, used = self.judge({"a": 1}, ok({"a": 5}), ok({"a": 1}), [d])
        self.assertEqual((verdict, failed, used), ("deviation (D1)", False, {"D1"}))
        _, failed, problems, _ = self.judge({"a": 1}, ok({"a": 6}), ok({"a": 1}), [d])
        self.assertTrue(failed)
        self.assertEqual(problems[0][:2], ("a", "qemu"))
        _, failed, problems, _ = self.judge({"a": 1}, ok({"a": 5}), ok({"a": 5}), [d])
        self.assertEqual(problems[0][:2], ("a", "vtdsim"))

    def test_entry_ids_listed_in_numeric_order(self):
        entries = [deviation("D100", "s", "a", "x", "y", 5, 1),
                   deviation("D99", "s", "b", "x", "y", 6, 2)]
        verdict, failed, _, _ = self.judge({"a": 1, "b": 2}, ok({"a": 5, "b": 6}),
                                           ok({"a": 1, "b": 2}), entries)
        self.assertEqual((verdict, failed), ("deviation (D99,D100)", False))

    def test_missing_and_extra_keys(self):
        _, failed, problems, _ = self.judge({"a": 1}, ok({}), ok({"a": 1, "b": 2}))
        self.assertTrue(failed)
        self.assertEqual({(p[0], p[1]) for p in problems}, {("a", "qemu"), ("b", "vtdsim")})

    def test_crash_fails_and_the_other_side_is_still_checked(self):
        crashed = compare.Outcome(error="exit SIGABRT", kind="CRASH")
        verdict, failed, problems, _ = self.judge({"a": 1}, crashed, ok({"a": 2}))
        self.assertEqual((verdict, failed), ("CRASH qemu", True))
        self.assertIn(("a", "vtdsim", 2, 1), problems)

    def test_pending(self):
        verdict, failed, _, _ = self.judge({"a": 1}, ok({"a": 1}), None,
                                           requires=("queued_invalidation",))
        self.assertEqual((verdict, failed), ("pending", False))


class Entries(unittest.TestCase):
    def test_repository_entries_are_consistent(self):
        registry = scenarios.load_all()
        self.assertEqual(compare.check_entries(registry, expectations.ALL), [])

    def test_rules(self):
        registry = {"s": FakeScenario({"a": 1})}
        bad = [deviation("D1", "s", "a", "x", "y", 5, 2),  # vtdsim value is not the spec's
               gap("G1", "s", "a", "z", "y", 3, 1),  # QEMU value is not the spec's; dup key
               deviation("D1", "t", "a", "x", "y", 1, 2),  # duplicate id, unknown scenario
               deviation("D2", "s", "b", "x", "y", 1, 2),  # key not observed
               gap("G2", "s", "a", "", "y", 1, 1)]  # no difference, closes nothing
        errors = compare.check_entries(registry, bad)
        self.assertEqual(len(errors), 9, errors)


class Irr(unittest.TestCase):
    class Fake:
        def __init__(self, text):
            self.text = text

        def hmp(self, _):
            return self.text

    def test_parse(self):
        text = "ESR\t 0x00000000\r\nISR\t (none)\r\nIRR\t 65 68 \r\n\r\nAPR 0x00\r\n"
        self.assertEqual(pci_edu.irr_vectors(self.Fake(text)), [65, 68])
        self.assertEqual(pci_edu.irr_vectors(self.Fake("IRR\t (none)\r\n")), [])
        with self.assertRaises(ValueError):
            pci_edu.irr_vectors(self.Fake("nothing"))


if __name__ == "__main__":
    unittest.main()
