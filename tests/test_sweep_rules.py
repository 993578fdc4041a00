"""The sweep kernels follow the training rules of the classic studies, run by run.

Momentum, the derivative offset, the success margin and glorot init, alone
and combined, on both kernels (unrolled for small shapes, generic past the
unrolling limit), in both dtypes, each sweep run against the NumPy reference
(:mod:`xorfast.reference`) replayed for the same seed.
"""

import concurrent.futures

import numba
import numpy as np
import pytest

import xorfast
from xorfast import datasets, reference
from xorfast._compiled import modules, sweep_kernel, sweep_unrolled
from xorfast.params import initial_params
from xorfast.sweeps import blocks, spec
from xorfast.sweeps.results import RUN_DTYPE

from .test_sweep_invariants import assert_tables_identical

SEEDS = [0, 7, 2**32 - 1]

RULES = {
    "momentum": dict(momentum=0.9),
    "momentum, mse, sum": dict(momentum=0.5, loss="mse", reduction="sum", lr=0.5),
    "offset": dict(loss="mse", reduction="sum", derivative_offset=0.1, lr=0.5),
    "margin": dict(margin=0.4, lr=2.0),
    "glorot": dict(init="glorot", bias_init="same", init_scale=[1.0, 2.0]),
    "all combined": dict(
        momentum=0.5,
        loss="mse",
        reduction="sum",
        derivative_offset=0.1,
        margin=0.4,
        init="glorot",
        bias_init="same",
        lr=0.5,
    ),
}

# 2-2-1 is unrolled, 2-30-1 past the limit: the generic kernel. (2-2-1, not a shape of
# these tests' own: its momentum module is compiled for the tests below anyway.)
HIDDEN = {"unrolled kernel": 2, "generic kernel": 30}
RTOL = {"float64": 1e-9, "float32": 1e-4}


def replay(X, y, spec_, row):
    """The reference's run for ``row`` of a sweep of ``spec_``: final outputs and epoch solved."""
    dtype = spec_.dtype
    X, y = X.astype(dtype), y.astype(dtype)
    params = initial_params(
        X.shape[1],
        int(row["hidden"]),
        y.shape[1],
        seed=int(row["seed"]),
        init=spec_.init,
        init_scale=float(row["init_scale"]),
        bias_init=spec_.bias_init,
        dtype=dtype,
    )
    rule = dict(
        epochs=int(row["epochs"]),
        lr=float(row["lr"]),
        loss=spec_.loss,
        reduction=spec_.reduction,
        momentum=float(row["momentum"]),
        derivative_offset=spec_.derivative_offset,
    )
    trained = reference.train(X, y, params, **rule)[0]
    solved_at = reference.epoch_solved(X, y, params, margin=spec_.margin, **rule)
    return reference.forward(X, trained)[1], solved_at


def assert_runs_equal_reference(result, X, y, rtol=None):
    rtol = (rtol or RTOL)[result.spec.dtype]
    for row in result.table:
        outputs, solved_at = replay(X, y, result.spec, row)
        assert not row["diverged"]
        assert row["epoch_solved"] == solved_at, int(row["seed"])
        np.testing.assert_allclose(row["max_error"], np.abs(outputs - y).max(), rtol=rtol)
        np.testing.assert_allclose(row["final_mse"], np.mean((outputs - y) ** 2), rtol=rtol)


def slow_if_generic_float32(hidden, dtype):
    """The slow mark for float32 on the generic kernel, else none.

    Those modules (with momentum and without) are compiled for these cases and
    test_sweep_matches_train's generic float32 ones alone (10-15 s each cold); their
    float64 twins and the float32 unrolled kernels stay in the everyday tier.
    """
    generic = hidden == HIDDEN["generic kernel"]
    return [pytest.mark.slow] if generic and dtype == "float32" else []


@pytest.mark.parametrize(
    ("rule", "hidden", "dtype"),
    [
        pytest.param(
            rule,
            hidden,
            dtype,
            id=f"{name}-{kernel}-{dtype}",
            marks=slow_if_generic_float32(hidden, dtype),
        )
        for dtype in ("float64", "float32")
        for kernel, hidden in HIDDEN.items()
        for name, rule in RULES.items()
    ],
)
def test_sweep_runs_equal_the_reference(rule, hidden, dtype):
    X, y = datasets.xor()
    result = xorfast.sweep(
        X, y, seeds=SEEDS, hidden=hidden, epochs=400, dtype=dtype, progress=False, **rule
    )
    assert_runs_equal_reference(result, X, y)


EVERY_RULE = dict(RULES["all combined"], momentum=0.9, lr=0.3)


@pytest.mark.parametrize(
    ("hidden", "epochs", "dtype"),
    [
        pytest.param(
            hidden,
            epochs,
            dtype,
            id=f"{kernel}-{epochs}-{dtype}",
            marks=slow_if_generic_float32(hidden, dtype),
        )
        for dtype in ("float64", "float32")
        for epochs in (1, 2, 3000)
        for kernel, hidden in HIDDEN.items()
    ],
)
def test_one_two_and_thousands_of_epochs_equal_the_reference(hidden, epochs, dtype):
    """Every rule at once: the first update, the first with a velocity, and a long run."""
    X, y = datasets.xor()
    rule = EVERY_RULE
    result = xorfast.sweep(
        X, y, seeds=SEEDS, hidden=hidden, epochs=epochs, dtype=dtype, progress=False, **rule
    )
    if epochs > 2:
        assert (result.table["epoch_solved"] > 0).any()
    rtol = {"float64": 1e-12, "float32": 1e-5} if epochs <= 2 else None
    assert_runs_equal_reference(result, X, y, rtol)


@pytest.mark.parametrize("hidden", list(HIDDEN.values()), ids=list(HIDDEN))
def test_each_rule_changes_the_runs(hidden):
    """The rules above are not the default rule in disguise (else the tests prove nothing)."""
    kwargs = dict(seeds=SEEDS, hidden=hidden, epochs=400, progress=False)
    for name, rule in RULES.items():
        chosen = xorfast.sweep(**kwargs, **rule).table
        plain = {key: value for key, value in rule.items() if key in ("loss", "reduction", "lr")}
        if name == "glorot":
            plain["init_scale"] = rule["init_scale"]
        default = xorfast.sweep(**kwargs, **plain).table
        changed = ["epoch_solved"] if name == "margin" else ["final_mse", "epoch_solved"]
        assert any(not np.array_equal(chosen[field], default[field]) for field in changed), name


# float32 through the generic momentum kernel: the exhaustive tier (see above).
@pytest.mark.parametrize("dtype", ["float64", pytest.param("float32", marks=pytest.mark.slow)])
def test_momentum_on_a_small_shape_agrees_through_both_kernels(dtype, monkeypatch):
    """2-2-1 with momentum through its unrolled module and through the generic kernel."""
    X, y = datasets.xor()
    kwargs = dict(seeds=SEEDS, hidden=2, epochs=600, lr=0.5, momentum=0.8, dtype=dtype)
    unrolled = xorfast.sweep(X, y, progress=False, **kwargs)
    with monkeypatch.context() as patch:
        patch.setattr(sweep_unrolled, "MAX_UNROLLED_TERMS", 0)
        patch.setattr(modules, "_loaded", {})
        kernel = sweep_unrolled.block_kernel(2, 2, 1, 4, True)
        assert kernel.__module__.startswith("xorfast_kernel_2_any_1_any_momentum")
        generic = xorfast.sweep(X, y, progress=False, **kwargs)
    for name in ["diverged", "epoch_solved", "epoch_tol"]:
        np.testing.assert_array_equal(generic.table[name], unrolled.table[name], err_msg=name)
    for result in (unrolled, generic):
        assert_runs_equal_reference(result, X, y)


# 2-3-1, not 2-2-1: every seed here must solve (2-2-1 XOR often sticks).
@pytest.mark.parametrize("hidden", [3, 30], ids=list(HIDDEN))
def test_epoch_solved_with_margin_04_is_the_references(hidden):
    X, y = datasets.xor()
    epochs, lr = 600, 2.0
    seeds = list(range(6))
    strict = xorfast.sweep(seeds=seeds, hidden=hidden, epochs=epochs, lr=lr, margin=0.4,
                           progress=False).table  # fmt: skip
    loose = xorfast.sweep(seeds=seeds, hidden=hidden, epochs=epochs, lr=lr, progress=False).table
    for row in strict:
        params = initial_params(2, hidden, 1, seed=int(row["seed"]))
        expected = reference.epoch_solved(X, y, params, epochs=epochs, lr=lr, margin=0.4)
        assert row["epoch_solved"] == expected
    assert (strict["epoch_solved"] > 0).all()
    # 40-20-40 asks more than the right side of 0.5: later, never earlier.
    assert (strict["epoch_solved"] > loose["epoch_solved"]).all()
    np.testing.assert_array_equal(strict["final_mse"], loose["final_mse"])


# Recorded from the kernels before momentum, the offset and the margin reached
# them (max_error, final_mse as float.hex, epoch_solved, epoch_tol, per seed 0 and 7):
# the defaults must keep every bit of these.
BEFORE = {
    ("float64", "2-2-1"): [
        ("0x1.174919618417cp-1", "0x1.a50257e69410ap-3", -1, -1),
        ("0x1.0d5c259a9349cp-1", "0x1.ff1834cf779f3p-3", -1, -1),
    ],
    ("float64", "2-30-1"): [
        ("0x1.aec8981e31f57p-2", "0x1.3bd6b43859145p-3", 43, -1),
        ("0x1.e1fd76b41d1cap-2", "0x1.644b6d886fbdap-3", 131, -1),
    ],
    ("float64", "2-3-1 mse"): [
        ("0x1.046b404527abep-1", "0x1.fff42b8423ba1p-3", -1, -1),
        ("0x1.0476a392f8b44p-1", "0x1.ff3d2c9e4384ep-3", -1, -1),
    ],
    ("float64", "2-3-1 lr 2"): [
        ("0x1.28f87fbef6f19p-5", "0x1.40d8335266162p-11", 64, 159),
        ("0x1.9ce3b38a1c28fp-6", "0x1.a6de8a4505877p-12", 98, 177),
    ],
    ("float32", "2-2-1"): [
        ("0x1.17491ap-1", "0x1.a5025ap-3", -1, -1),
        ("0x1.0d5c26p-1", "0x1.ff1834p-3", -1, -1),
    ],
    ("float32", "2-30-1"): [
        ("0x1.aec89cp-2", "0x1.3bd6b6p-3", 43, -1),
        ("0x1.e1fd7ep-2", "0x1.644b6ep-3", 131, -1),
    ],
    ("float32", "2-3-1 mse"): [
        ("0x1.046b4p-1", "0x1.fff42ep-3", -1, -1),
        ("0x1.0476a4p-1", "0x1.ff3d2cp-3", -1, -1),
    ],
    ("float32", "2-3-1 lr 2"): [
        ("0x1.28f86cp-5", "0x1.40d7fp-11", 64, 159),
        ("0x1.9ce3e6p-6", "0x1.a6dea4p-12", 98, 177),
    ],
}
BEFORE_CASES = {
    "2-2-1": dict(hidden=2, epochs=500),
    "2-30-1": dict(hidden=30, epochs=200),
    "2-3-1 mse": dict(
        hidden=3, epochs=300, loss="mse", reduction="sum", init="uniform", bias_init="same", lr=0.5
    ),
    "2-3-1 lr 2": dict(hidden=3, epochs=400, lr=2.0),
}


@pytest.mark.parametrize("explicit", [False, True], ids=["defaults", "given explicitly"])
@pytest.mark.parametrize(
    ("dtype", "case"),
    [
        pytest.param(
            *key,
            id="-".join(" ".join(part) for part in key),
            marks=slow_if_generic_float32(BEFORE_CASES[key[1]]["hidden"], key[0]),
        )
        for key in sorted(BEFORE)
    ],
)
def test_default_rules_keep_every_bit_of_the_earlier_results(dtype, case, explicit):
    rules = dict(momentum=0.0, margin=0.5, derivative_offset=0.0) if explicit else {}
    table = xorfast.sweep(
        seeds=[0, 7], dtype=dtype, progress=False, **BEFORE_CASES[case], **rules
    ).table
    for row, (max_error, final_mse, solved_at, tol_at) in zip(table, BEFORE[dtype, case]):
        assert float(row["max_error"]) == float.fromhex(max_error)
        assert float(row["final_mse"]) == float.fromhex(final_mse)
        assert (row["epoch_solved"], row["epoch_tol"]) == (solved_at, tol_at)


def without_config_index(table):
    return table[[name for name in RUN_DTYPE.names if name != "config"]]


def test_a_momentum_axis_gives_each_config_the_runs_of_its_own_sweep():
    # 2-2-1 unrolled and 2-30-1 generic: momentum modules other tests compile too.
    kwargs = dict(seeds=20, hidden=[2, 30], lr=[0.5, 1.0], epochs=300, progress=False)
    grid = xorfast.sweep(momentum=[0, 0.5, 0.9], **kwargs)
    assert grid.spec.momentum == (0.0, 0.5, 0.9)
    for momentum in grid.spec.momentum:
        alone = xorfast.sweep(momentum=momentum, **kwargs).table
        rows = grid.table[grid.table["momentum"] == momentum]
        assert len(rows) == len(alone)
        for name in alone.dtype.names:
            if name != "config":
                np.testing.assert_array_equal(rows[name], alone[name], err_msg=name, strict=True)
    by_momentum = [grid.table[grid.table["momentum"] == m]["final_mse"] for m in (0, 0.5, 0.9)]
    assert not np.array_equal(by_momentum[0], by_momentum[1])
    assert not np.array_equal(by_momentum[1], by_momentum[2])


MOMENTUM_GRID = dict(seeds=70, hidden=[2, 30], lr=[0.5, 2.0], momentum=0.9, epochs=200)


@pytest.fixture(scope="module")
def momentum_baseline():
    return xorfast.sweep(progress=False, **MOMENTUM_GRID).table


@pytest.mark.parametrize("block_size", [1, 13, 64, 65])
def test_momentum_runs_independent_of_block_size(momentum_baseline, block_size):
    table = xorfast.sweep(progress=False, block_size=block_size, **MOMENTUM_GRID).table
    assert_tables_identical(table, momentum_baseline)


def test_momentum_runs_independent_of_threads(momentum_baseline):
    blocks.set_thread_budget(1)
    try:
        one_thread = xorfast.sweep(progress=False, **MOMENTUM_GRID).table
    finally:
        blocks.set_thread_budget(None)
    assert_tables_identical(one_thread, momentum_baseline)
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as executor:
        pooled = xorfast.sweep(
            progress=False, executor=executor, block_size=32, **MOMENTUM_GRID
        ).table
    assert_tables_identical(pooled, momentum_baseline)


@pytest.mark.parametrize("epochs", [0, 3])
# The generic kernel in float32: the exhaustive tier (see slow_if_generic_float32).
@pytest.mark.parametrize(
    "hidden",
    [4, pytest.param(30, marks=pytest.mark.slow)],
    ids=["unrolled kernel", "generic kernel"],
)
def test_an_offset_keeps_wrong_saturated_outputs_from_counting_as_pinned(hidden, epochs):
    """Outputs at exactly 0 or 1 (float32, huge weights): pinned without offset, not with."""
    X, y = datasets.xor()
    kwargs = dict(
        seeds=40,
        hidden=hidden,
        epochs=epochs,
        loss="mse",
        init="uniform",
        init_scale=100.0,
        lr=0.01,
        dtype="float32",
        progress=False,
    )
    for offset in (0.0, 0.1):
        table = xorfast.sweep(derivative_offset=offset, **kwargs).table
        pinned = []
        for row in table:
            params = initial_params(
                2, hidden, 1, seed=int(row["seed"]), init="uniform", init_scale=100.0,
                dtype="float32",
            )  # fmt: skip
            trained = reference.train(
                X.astype("float32"), y.astype("float32"), params, epochs=epochs, lr=0.01,
                loss="mse", derivative_offset=offset,
            )[0]  # fmt: skip
            A1, A2 = reference.forward(X.astype("float32"), trained)
            pinned.append(reference.pinned(A1, A2, y, "mse", offset))
        np.testing.assert_array_equal(table["diverged"], pinned)
        if offset == 0:
            assert any(pinned)  # the case exists in this sample
        else:
            assert not any(pinned)


def test_the_memory_estimate_counts_the_velocities():
    plain = spec._group_bytes(2, 4, 1, 4, 8)
    with_momentum = spec._group_bytes(2, 4, 1, 4, 8, momentum=True)
    parameters = 2 * 4 + 4 + 4 * 1 + 1
    assert with_momentum - plain == parameters * sweep_kernel.LANES * 8


def test_a_sweep_with_momentum_needing_too_much_memory_is_refused(monkeypatch):
    wide = dict(X=np.ones((64, 10)), y=np.ones(64), seeds=1, hidden=[4, 2**13], epochs=1)
    threads = numba.config.NUMBA_NUM_THREADS
    plain = threads * spec._group_bytes(10, 2**13, 1, 64, 8)
    with_momentum = threads * spec._group_bytes(10, 2**13, 1, 64, 8, momentum=True)
    monkeypatch.setattr(spec._validation, "MAX_BYTES", (plain + with_momentum) // 2)
    spec.make_spec(**wide, momentum=[0.0])
    with pytest.raises(ValueError, match="memory"):
        spec.make_spec(**wide, momentum=[0.0, 0.9])
