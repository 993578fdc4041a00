"""The cases ``bench/`` times: those of ``xorfast bench`` (one definition), at bench's sizes.

``bench/`` adds a second sweep size and a longer per-seed loop; everything
else (networks, contenders, units of work, targets) is
:func:`xorfast.benchmarks.cases`. Built once here so a baseline shared by two
cases (the NumPy reference of 2-4-1 XOR) is one object, measured once.
"""

from xorfast.benchmarks import cases

CASES = cases(sweep_seeds=(1_000, 10_000), loop_seeds=200)


def of_kind(kind):
    """The cases of one kind ("single" or "sweep")."""
    return [case for case in CASES if case.kind == kind]


def baselines(chosen):
    """``(case, baseline)`` for each distinct baseline of ``chosen``, first case first."""
    seen = {}
    for case in chosen:
        seen.setdefault(case.baseline, case)
    return [(case, baseline) for baseline, case in seen.items()]


def contenders(chosen):
    """``(case, entry)`` for every contender of ``chosen`` (peers excluded)."""
    return [(case, entry) for case in chosen for entry in case.contenders]


def ids(pairs):
    """Test ids: "case: contender"."""
    return [f"{case.name}: {entry.name}" for case, entry in pairs]
