"""One training run: the fused kernel against the NumPy reference, and how its cost grows.

The speed-up cases are ``xorfast bench``'s (:func:`xorfast.benchmarks.cases`):
both sides go through ``xorfast.train``, so the kernel's figure includes
everything a caller pays (checks, initial weights, result). The cost ratios
time the compiled kernel alone on a fixed workspace, so they compare the
epochs themselves; ``xorfast bench`` does not show them, so they are defined
here, as cases of the same kind.
"""

import pytest

from bench._cases import baselines, contenders, ids, of_kind
from bench.online_vs_batch import kernel_call
from xorfast import datasets
from xorfast._compiled import single_run
from xorfast.benchmarks import Case, Entry
from xorfast.params import initial_params

COST_EPOCHS = 2_000

SINGLE = of_kind("single")
BASELINES = baselines(SINGLE)
CONTENDERS = contenders(SINGLE)


@pytest.mark.parametrize(("case", "entry"), BASELINES, ids=ids(BASELINES))
def test_reference(speedup, case, entry):
    speedup.baseline(case)


@pytest.mark.parametrize(("case", "entry"), CONTENDERS, ids=ids(CONTENDERS))
def test_kernel(speedup, case, entry):
    speedup.contender(case, entry)


def kernel_epochs(data, hidden, epochs, dtype="float64", momentum=0.0):
    """The compiled kernel alone: ``epochs`` epochs from the same start on each call."""
    X, y = (a.astype(dtype) for a in datasets.load(data))
    start = initial_params(X.shape[1], hidden, y.shape[1], seed=0, dtype=dtype)
    params = start.astype(dtype)
    arguments = single_run.arguments(
        X,
        y,
        params,
        epochs=epochs,
        lr=0.1,
        scale=1 / X.shape[0],
        mse_output=False,
        momentum=momentum,
    )
    kernel = single_run.compiled_train(arguments)

    def call():
        for array, initial in zip(params, start):
            array[...] = initial
        for velocity in arguments.velocities:
            velocity[...] = 0
        kernel(*arguments)

    return call


# Per-epoch cost of a larger network over that of 2-4-1 XOR, both run for the
# same number of epochs; each contender's target is its limit (a goal, reported).
COST = Case(
    "cost per epoch vs 2-4-1 xor",
    "cost",
    Entry("2-4-1 xor", kernel_epochs("xor", 4, COST_EPOCHS), COST_EPOCHS, rounds=50),
    (
        Entry(
            "2-64-1 xor", kernel_epochs("xor", 64, COST_EPOCHS), COST_EPOCHS, rounds=20, target=16
        ),
        Entry(
            "8-4-1 parity8 (256 rows)",
            kernel_epochs("parity8", 4, COST_EPOCHS),
            COST_EPOCHS,
            rounds=20,
            target=64,
        ),
    ),
)


def test_cost_baseline(speedup):
    speedup.baseline(COST)


@pytest.mark.parametrize("entry", COST.contenders, ids=[e.name for e in COST.contenders])
def test_cost_of_wider_networks(speedup, entry):
    speedup.cost(COST, entry)


# Per-epoch cost of the heavy ball (momentum 0.9, its own kernel variant) over
# plain gradient descent (momentum 0), same network and run: a generated shape
# and one past SMALL_WIDTHS, where the generic kernel runs. No limit: reported.
MOMENTUM = [
    Case(
        f"cost of momentum 0.9, {name}",
        "cost",
        Entry(f"{name}, momentum 0", kernel_epochs(data, hidden, epochs), epochs, rounds=50),
        (
            Entry(
                f"{name}, momentum 0.9",
                kernel_epochs(data, hidden, epochs, momentum=0.9),
                epochs,
                rounds=50,
            ),
        ),
    )
    for name, data, hidden, epochs in [
        ("2-4-1 xor", "xor", 4, COST_EPOCHS),
        ("2-64-1 xor", "xor", 64, COST_EPOCHS),
    ]
]


@pytest.mark.parametrize("case", MOMENTUM, ids=[case.name for case in MOMENTUM])
def test_momentum_baseline(speedup, case):
    speedup.baseline(case)


@pytest.mark.parametrize("case", MOMENTUM, ids=[case.name for case in MOMENTUM])
def test_cost_of_momentum(speedup, case):
    speedup.cost(case, case.contenders[0])


# Issue 15's speed target: online (and shuffled) updates within 1.5x of batch per
# pattern-update (one row's forward pass, backward pass and share of an update; a batch
# epoch over n rows counts n), the compiled kernel alone as bench/online_vs_batch.py
# times it: two generated shapes and one past SMALL_WIDTHS (the generic rules kernel).
ONLINE_EPOCHS = 2_000
ONLINE = [
    Case(
        f"online vs batch, {name}",
        "cost",
        Entry(f"{name}, batch", *kernel_call(data, hidden, ONLINE_EPOCHS, "float64"), rounds=50),
        tuple(
            Entry(
                f"{name}, {update}",
                *kernel_call(data, hidden, ONLINE_EPOCHS, "float64", update=update),
                rounds=50,
                target=1.5,
            )
            for update in ("online", "shuffled")
        ),
    )
    for name, data, hidden in [
        ("2-2-1 xor", "xor", 2),
        ("2-4-1 xor", "xor", 4),
        ("2-32-1 xor", "xor", 32),
    ]
]
ONLINE_CONTENDERS = [(case, entry) for case in ONLINE for entry in case.contenders]


@pytest.mark.parametrize("case", ONLINE, ids=[case.name for case in ONLINE])
def test_online_baseline(speedup, case):
    speedup.baseline(case)


@pytest.mark.parametrize(("case", "entry"), ONLINE_CONTENDERS, ids=ids(ONLINE_CONTENDERS))
def test_cost_of_online_updates(speedup, case, entry):
    speedup.cost(case, entry)
