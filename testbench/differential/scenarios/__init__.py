"""The scenario registry: every scenario module registers its functions with @scenario.

A scenario is a function taking a qtest Machine and returning an observation dict (plain
ints, hex strings, lists). Its declaration says which device options it needs (the
intel-iommu option string and the edu addresses), which vtdsim features it needs beyond
the current ones (`requires`: a scenario needing "queued_invalidation",
"interrupt_remapping" or "device_tlb" runs on QEMU only until vtdsim has it), and
`expect`: the value the VT-d specification gives for every observation key. Where QEMU
or vtdsim differ from `expect`, expectations.py says so, key by key. Nothing here starts
programs or compares.
"""
import importlib

REGISTRY = {}
MODULES = ("registers", "translation", "faults", "fault_events", "invalidation",
           "interrupts", "queued", "intremap", "intremap_entries", "intremap_x2apic",
           "intremap_cache")
FEATURES = ("queued_invalidation", "interrupt_remapping", "device_tlb")


class Scenario:
    def __init__(self, func, name, iommu, edus, requires, expect):
        self.func = func
        self.name = name
        self.iommu = iommu
        self.edus = tuple(edus)
        self.requires = tuple(requires)
        self.expect = dict(expect)
        # the docstring's first paragraph, on one line (for --list and the report)
        self.doc = " ".join((func.__doc__ or "").strip().split("\n\n")[0].split())

    def __call__(self, machine):
        return self.func(machine)


def scenario(iommu="aw-bits=48", edus=("4.0",), requires=(), expect=None, name=None):
    """Register the decorated function. `expect` must name every key the function returns."""
    def register(func):
        key = name or func.__name__
        assert key not in REGISTRY, "duplicate scenario " + key
        for feature in requires:
            assert feature in FEATURES, feature
        REGISTRY[key] = Scenario(func, key, iommu, edus, requires, expect or {})
        return func
    return register


def load_all():
    for module in MODULES:
        importlib.import_module(__name__ + "." + module)
    return REGISTRY
