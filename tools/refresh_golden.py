"""Rewrite the golden files: the generated kernel modules of the smallest shapes.

Usage (from the repository root)::

    python tools/refresh_golden.py

``tests/golden/`` holds, for a few small shapes, the exact source the code
generators (:mod:`xorfast._compiled.sweep_unrolled`,
:mod:`xorfast._compiled.single_run_unrolled`) write into the kernel cache;
``tests/test_golden.py`` regenerates them and compares byte for byte, so a
change to a generator, or to the sweep driver, shows up in review as a diff
of real kernel code. After an intended change, run this script and commit
the files it rewrites together with the change. The sources hold no digest,
path or time, so the files depend on the generators alone.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout's xorfast, not an installed one

from xorfast._compiled import single_run_unrolled, sweep_unrolled  # noqa: E402

GOLDEN = ROOT / "tests" / "golden"
#: The command that rewrites the golden files, as failures and the docs name it.
COMMAND = "python tools/refresh_golden.py"

#: Sweep shapes ``(inputs, hidden, outputs, rows, momentum)``: 2-2-1 on XOR's 4
#: rows, unrolled, without and with momentum; 2-30-1, past the unrolling limit,
#: the generic kernel in the driver.
SWEEP_SHAPES = [(2, 2, 1, 4, False), (2, 2, 1, 4, True), (2, 30, 1, 4, False)]
#: Single-run layer shapes ``(inputs, hidden, outputs)``, each in every variant:
#: plain gradient descent and the heavy ball (momentum), each with and without
#: the early stop.
SINGLE_RUN_SHAPES = [(2, 2, 1)]
#: Single-run variants with issue 15's rules, on the first of those shapes: each
#: rule alone (plain descent, no stop), and all of them with momentum and the stop.
SINGLE_RUN_RULES = [
    dict(tanh=True),
    dict(decay=True),
    dict(online=True),
    dict(momentum=True, stop=True, tanh=True, decay=True, online=True),
]

#: Sweep variants with issue 15's rules on 2-2-1, 4 rows: each rule alone, and
#: both with momentum and the stop; and both in the generic kernel's driver.
SWEEP_RULES = [
    ((2, 2, 1, 4), dict(tanh=True)),
    ((2, 2, 1, 4), dict(decay=True)),
    ((2, 2, 1, 4), dict(momentum=True, stop=True, tanh=True, decay=True)),
    ((2, 30, 1, 4), dict(tanh=True, decay=True)),
]
#: Sweep variants of online updates on 2-2-1, 4 rows (unrolled): in order alone, and
#: shuffled with momentum, the stop, tanh and decay; and in order in the generic driver.
SWEEP_ONLINE = [
    ((2, 2, 1, 4), dict(update="online")),
    ((2, 2, 1, 4), dict(momentum=True, stop=True, tanh=True, decay=True, update="shuffled")),
    ((2, 30, 1, 4), dict(update="shuffled")),
]


def sources():
    """``{file name: source}`` of every golden file, as the generators write them now."""
    modules = [sweep_unrolled.module_source(*shape) for shape in SWEEP_SHAPES]
    modules += [sweep_unrolled.module_source(*shape, **rules) for shape, rules in SWEEP_RULES]
    modules += [
        sweep_unrolled.online_module_source(*shape, **rules) for shape, rules in SWEEP_ONLINE
    ]
    modules += [
        single_run_unrolled.module_source(*shape, momentum=momentum, stop=stop)
        for shape in SINGLE_RUN_SHAPES
        for stop in (False, True)
        for momentum in (False, True)
    ]
    modules += [
        single_run_unrolled.module_source(*SINGLE_RUN_SHAPES[0], **rules)
        for rules in SINGLE_RUN_RULES
    ]
    return {f"{stem}.py": source for stem, source in modules}


def main():
    """Write the golden files that differ, remove the ones no longer generated."""
    GOLDEN.mkdir(exist_ok=True)
    expected = sources()
    for path in sorted(GOLDEN.glob("*.py")):
        if path.name not in expected:
            path.unlink()
            print(f"removed {path.relative_to(ROOT)}")
    for name, source in expected.items():
        path = GOLDEN / name
        data = source.encode()
        if not path.is_file() or path.read_bytes() != data:
            path.write_bytes(data)
            print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
