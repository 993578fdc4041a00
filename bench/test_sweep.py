"""Sweeps: the batched kernel against the NumPy reference and a per-seed loop.

The cases are ``xorfast bench``'s (:func:`xorfast.benchmarks.cases`), with
sweeps of 1,000 and 10,000 seeds: 2-4-1 networks on XOR for 10,000 epochs.
Every speed-up is per seed-epoch over the NumPy reference's time per epoch
(shared with "single 2-4-1 xor", measured once in the session). The loop
contender is what a user would write without ``xorfast.sweep``:
``xorfast.train`` once per seed, on fewer seeds (its time per seed does not
depend on how many there are); the sweep's speed-up over it is the ratio of
the two speed-ups. Targets (2,400x float64, 4,800x float32: 10 and 5 ns per
seed-epoch on the project's 2-core machine) are reported, never enforced.

Early stop: the 2-{2,4,8}-1 XOR sweep of issue 13 (lr 0.5, 10,000 epochs, 2,048
seeds each) with ``stop="solved"`` against the fixed budget, same run (target 5x,
reported, never enforced); the same case as ``xorfast bench``'s row.

The cost of recording: a sweep with ``record_every=100`` (each run's MSE every
100 epochs, the record kernels) against the same sweep without, 2-4-1 XOR on
10,000 seeds, per seed-epoch in the same run, with the fixed budget and with
``stop="solved"``; the issue's limit is 1.2x (reported, never enforced).

The cost of momentum: a sweep with ``momentum=0.9`` (the kernels' velocity
variant) against the same sweep with ``momentum=0`` (plain gradient descent),
2-4-1 XOR on 10,000 seeds, per seed-epoch, measured in the same run; the
issue's limit is 1.3x (reported, never enforced).

The cost of online updates: a sweep with ``update="online"`` (one update per
row, the ``_online`` kernels) against the same sweep with batch updates, 2-4-1
XOR on 10,000 seeds, in the same run, per pattern-update (a batch epoch over
XOR's 4 rows counts 4, as an online epoch's 4 updates do); issue 15's limit is
1.5x (reported, never enforced).
"""

import pytest

from bench._cases import baselines, contenders, ids, of_kind
from xorfast.benchmarks import Case, Entry
from xorfast.sweeps.sweeper import sweep

SWEEPS = of_kind("sweep")
BASELINES = baselines(SWEEPS)
CONTENDERS = contenders(SWEEPS)


@pytest.mark.parametrize(("case", "entry"), BASELINES, ids=ids(BASELINES))
def test_reference(speedup, case, entry):
    speedup.baseline(case)


@pytest.mark.parametrize(("case", "entry"), CONTENDERS, ids=ids(CONTENDERS))
def test_batched_kernel(speedup, case, entry):
    speedup.contender(case, entry)


MOMENTUM_SEEDS = 10_000
MOMENTUM_EPOCHS = 2_000


def _xor_sweep(dtype, momentum):
    return lambda: sweep(
        seeds=MOMENTUM_SEEDS,
        hidden=4,
        epochs=MOMENTUM_EPOCHS,
        momentum=momentum,
        dtype=dtype,
        progress=False,
    )


# Per seed-epoch cost of momentum over plain gradient descent, one case per dtype.
MOMENTUM_COSTS = [
    Case(
        f"momentum cost, 2-4-1 xor {dtype}",
        "cost",
        Entry("momentum 0", _xor_sweep(dtype, 0.0), MOMENTUM_EPOCHS, MOMENTUM_SEEDS, rounds=7),
        (
            Entry(
                "momentum 0.9",
                _xor_sweep(dtype, 0.9),
                MOMENTUM_EPOCHS,
                MOMENTUM_SEEDS,
                rounds=7,
                target=1.3,
            ),
        ),
    )
    for dtype in ("float64", "float32")
]
# Each case's baseline right before its contender, so the two see the same load.
MOMENTUM_RUNS = [(case, role) for case in MOMENTUM_COSTS for role in ("baseline", "cost")]


@pytest.mark.parametrize(
    ("case", "role"),
    MOMENTUM_RUNS,
    ids=[f"{case.name}: {role}" for case, role in MOMENTUM_RUNS],
)
def test_momentum_cost(speedup, case, role):
    if role == "baseline":
        speedup.baseline(case)
    else:
        speedup.cost(case, case.contenders[0])


# Early stop: the same sweep with stop="solved" (runs end at their first solved
# epoch, their lanes refilled with the next seeds) against the fixed budget,
# measured in the same run. Both count the full budget as their units of work,
# so the speed-up is the ratio of the two times; the target is 5x. The
# case is ``xorfast bench``'s (:func:`xorfast.benchmarks.cases`).
(STOP_CASE,) = of_kind("stop")


@pytest.mark.parametrize("role", ["baseline", "stop"])
def test_early_stop_speedup(speedup, role):
    if role == "baseline":
        speedup.baseline(STOP_CASE)
    else:
        speedup.contender(STOP_CASE, STOP_CASE.contenders[0])


def _record_sweep(every, stop):
    return lambda: sweep(
        seeds=MOMENTUM_SEEDS,
        hidden=4,
        lr=0.5,
        epochs=MOMENTUM_EPOCHS,
        record_every=every,
        stop=stop,
        progress=False,
    )


# Per seed-epoch cost of record_every=100 over the same sweep without it.
RECORD_COSTS = [
    Case(
        f"record cost, 2-4-1 xor{label}",
        "cost",
        Entry("no record", _record_sweep(0, stop), MOMENTUM_EPOCHS, MOMENTUM_SEEDS, rounds=7),
        (
            Entry(
                "record_every=100",
                _record_sweep(100, stop),
                MOMENTUM_EPOCHS,
                MOMENTUM_SEEDS,
                rounds=7,
                target=1.2,
            ),
        ),
    )
    for label, stop in (("", None), (" stop", "solved"))
]
RECORD_RUNS = [(case, role) for case in RECORD_COSTS for role in ("baseline", "cost")]


@pytest.mark.parametrize(
    ("case", "role"),
    RECORD_RUNS,
    ids=[f"{case.name}: {role}" for case, role in RECORD_RUNS],
)
def test_record_cost(speedup, case, role):
    if role == "baseline":
        speedup.baseline(case)
    else:
        speedup.cost(case, case.contenders[0])


#: XOR's rows: the pattern-updates of one epoch, batch (n rows' gradient) or online (n updates).
PATTERNS = 4


def _update_sweep(dtype, update):
    return lambda: sweep(
        seeds=MOMENTUM_SEEDS,
        hidden=4,
        lr=0.5,
        epochs=MOMENTUM_EPOCHS,
        update=update,
        dtype=dtype,
        progress=False,
    )


# Per pattern-update cost of online updates over batch updates, one case per dtype.
ONLINE_COSTS = [
    Case(
        f"online cost, 2-4-1 xor {dtype}",
        "cost",
        Entry(
            "batch",
            _update_sweep(dtype, "batch"),
            MOMENTUM_EPOCHS * PATTERNS,
            MOMENTUM_SEEDS,
            rounds=7,
        ),
        (
            Entry(
                "online",
                _update_sweep(dtype, "online"),
                MOMENTUM_EPOCHS * PATTERNS,
                MOMENTUM_SEEDS,
                rounds=7,
                target=1.5,
            ),
        ),
    )
    for dtype in ("float64", "float32")
]
ONLINE_RUNS = [(case, role) for case in ONLINE_COSTS for role in ("baseline", "cost")]


@pytest.mark.parametrize(
    ("case", "role"),
    ONLINE_RUNS,
    ids=[f"{case.name}: {role}" for case, role in ONLINE_RUNS],
)
def test_online_cost(speedup, case, role):
    if role == "baseline":
        speedup.baseline(case)
    else:
        speedup.cost(case, case.contenders[0])
