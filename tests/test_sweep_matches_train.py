"""Every sweep run is the xorfast.train run of the same seed and config."""

import numpy as np
import pytest

import xorfast
from xorfast import datasets, reference
from xorfast._compiled import modules, sweep_unrolled

CASES = [
    dict(),
    # 2-1-1 is compiled for this case alone (the exhaustive tier); [2, 4] below is a grid too.
    pytest.param(dict(hidden=[1, 2, 3], lr=[0.1, 2.0], epochs=1500), marks=pytest.mark.slow),
    dict(loss="mse", reduction="sum", init="uniform", bias_init="same", init_scale=[0.5, 2.0]),
    # Shapes of their own, each compiled for this test alone: the exhaustive tier.
    pytest.param(dict(data="parity3", hidden=6, lr=0.5, epochs=2000), marks=pytest.mark.slow),
    pytest.param(dict(data="multi", hidden=5, epochs=1000), marks=pytest.mark.slow),
    # 3 rows x 3 hidden units: an odd count of sigmoids, so one goes without a partner.
    dict(data="three rows", hidden=3, epochs=1000),
    dict(hidden=[2, 4], epochs=[0, 1, 7]),
]


def load(case):
    case = dict(case)
    name = case.pop("data", "xor")
    if name == "multi":  # three outputs: xor, and, or of two inputs
        X, _ = datasets.xor()
        y = np.hstack([datasets.xor()[1], datasets.and_()[1], datasets.or_()[1]])
    elif name == "three rows":
        X, y = (a[:3] for a in datasets.xor())
    else:
        X, y = datasets.load(name)
    case.setdefault("epochs", 3000)
    return X, y, case


def assert_run_equals_train(row, X, y, spec, dtype, rtol):
    single = xorfast.train(
        X,
        y,
        hidden=int(row["hidden"]),
        epochs=int(row["epochs"]),
        lr=float(row["lr"]),
        init_scale=float(row["init_scale"]),
        loss=spec.loss,
        reduction=spec.reduction,
        init=spec.init,
        bias_init=spec.bias_init,
        seed=int(row["seed"]),
        dtype=dtype,
    )
    assert row["diverged"] == single.diverged
    assert bool(row["max_error"] < 0.5) == single.solved
    np.testing.assert_allclose(row["max_error"], single.max_error, rtol=rtol)
    np.testing.assert_allclose(row["final_mse"], single.final_mse, rtol=rtol)


@pytest.mark.parametrize(
    "case", CASES, ids=lambda c: ",".join(f"{k}={v}" for k, v in c.items()) or "defaults"
)
def test_sweep_runs_equal_train(case):
    X, y, kwargs = load(case)
    result = xorfast.sweep(X, y, seeds=[0, 3, 17, 1000, 2**32 - 1], progress=False, **kwargs)
    assert len(result) == len(result.spec.configs) * 5
    for row in result.table:
        assert_run_equals_train(row, X, y, result.spec, "float64", rtol=1e-9)


def test_float32_sweep_runs_equal_train():
    X, y = datasets.xor()
    result = xorfast.sweep(seeds=12, hidden=[2, 4], epochs=2000, dtype="float32", progress=False)
    for row in result.table:
        # float32 kernels round differently when vectorised (FMA placement), so
        # the two paths agree to float32 accuracy grown over the epochs.
        assert_run_equals_train(row, X, y, result.spec, "float32", rtol=2e-3)


@pytest.mark.parametrize("hidden", [3, 30], ids=["unrolled kernel", "generic kernel"])
def test_epoch_solved_and_epoch_tol_are_first_such_epochs(hidden):
    """Replay each run with the reference, checking every forward pass, the final one too."""
    epochs, lr = 1500, 0.5
    result = xorfast.sweep(seeds=6, hidden=hidden, epochs=epochs, lr=lr, progress=False)
    X, y = datasets.xor()
    for row in result.table:
        params = xorfast.train(hidden=hidden, epochs=0, seed=int(row["seed"])).params
        solved_at, tol_at = -1, -1
        for epoch in range(epochs + 1):
            outputs = reference.forward(X, params)[1]
            if solved_at < 0 and np.abs(outputs - y).max() < 0.5:
                solved_at = epoch
            if tol_at < 0 and np.mean((outputs - y) ** 2) < 0.01:
                tol_at = epoch
            params = reference.train(X, y, params, epochs=1, lr=lr)[0]
        assert row["epoch_solved"] == solved_at
        assert row["epoch_tol"] == tol_at
    assert (result.table["epoch_solved"] > 0).any()


def test_zero_epochs_reports_the_initial_state():
    result = xorfast.sweep(seeds=[5], epochs=0, progress=False)
    single = xorfast.train(seed=5, epochs=0)
    assert result.table["max_error"][0] == pytest.approx(single.max_error, rel=1e-12)
    expected = 0 if single.max_error < 0.5 else -1
    assert result.table["epoch_solved"][0] == expected


def test_unrolled_kernels_take_sigmoids_in_pairs():
    source = sweep_unrolled.unrolled_source(2, 3, 1, 3)
    # Per forward pass, 9 hidden sigmoids (4 pairs and one alone) and 3 output
    # sigmoids (a pair and one alone); the source has two forward passes, one
    # in the epoch loop and one for the final errors.
    assert source.count("pair_inverse(") == 2 * 5
    assert source.count("paired_sigmoid(") == 2 * 10
    assert source.count(" = sigmoid(") == 2 * 2


# Shapes too large to unroll: the sweep trains them with the generic kernel,
# _batched._train_group. Each case must stay above the limit to test that kernel.
CASES_ABOVE_LIMIT = [
    dict(hidden=30, epochs=1000),
    dict(hidden=30, init_scale=[0.5, 2.0], epochs=300),  # normal draws, scaled
    dict(
        hidden=30,
        loss="mse",
        reduction="sum",
        init="uniform",
        bias_init="same",
        lr=[0.05, 0.5],
        epochs=1000,
    ),
    pytest.param(
        dict(data="parity4", hidden=5, lr=0.5, bias_init="same", epochs=800),
        marks=pytest.mark.slow,
    ),  # a shape of its own: the exhaustive tier
    dict(data="multi", hidden=17, loss="mse", reduction="sum", epochs=600),
    dict(hidden=30, epochs=[0, 1, 7]),
]


def with_dtype(case, dtype):
    """``case`` (a dict or a marked param of one) and ``dtype`` as one param.

    The generic kernel is a module of its own per dtype (and number of outputs):
    float64 in the everyday tier, float32 in the exhaustive one (about 10 s of
    compiling from cold, for these and a few cases of test_sweep_rules alone).
    Everyday, float32 sweeps run the unrolled kernels.
    """
    marks = list(getattr(case, "marks", ()))
    case = case.values[0] if marks else case
    if dtype == "float32":
        marks.append(pytest.mark.slow)
    name = ",".join(f"{k}={v}" for k, v in case.items())
    return pytest.param(case, dtype, marks=marks, id=f"{name}-{dtype}")


@pytest.mark.parametrize(
    ("case", "dtype"),
    [with_dtype(case, dtype) for dtype in ("float64", "float32") for case in CASES_ABOVE_LIMIT],
)
def test_generic_sweep_kernel_runs_equal_train(case, dtype):
    X, y, kwargs = load(case)
    result = xorfast.sweep(
        X, y, seeds=[0, 3, 17, 1000, 2**32 - 1], progress=False, dtype=dtype, **kwargs
    )
    for config in result.spec.configs:
        terms = sweep_unrolled.unrolled_terms(X.shape[1], config.hidden, y.shape[1], X.shape[0])
        assert terms > sweep_unrolled.MAX_UNROLLED_TERMS
    assert len(result) == len(result.spec.configs) * 5
    for row in result.table:
        assert_run_equals_train(
            row, X, y, result.spec, dtype, rtol=1e-9 if dtype == "float64" else 2e-3
        )


# The generic kernel in float32: the exhaustive tier (see with_dtype).
@pytest.mark.parametrize("dtype", ["float64", pytest.param("float32", marks=pytest.mark.slow)])
@pytest.mark.parametrize(
    "case",
    [
        dict(hidden=[2, 3], lr=[0.5, 2.0], epochs=1500),
        dict(loss="mse", reduction="sum", bias_init="same", init="uniform", hidden=3, epochs=1500),
    ],
    ids=["bce,mean", "mse,sum,same"],
)
def test_both_sweep_kernels_agree_on_a_small_shape(case, dtype, monkeypatch):
    """The same shape through the unrolled and the generic kernel, and through train."""
    X, y, kwargs = load(case)
    kwargs.update(seeds=[0, 3, 17, 1000, 2**32 - 1], progress=False, dtype=dtype)
    unrolled = xorfast.sweep(X, y, **kwargs)
    with monkeypatch.context() as patch:
        patch.setattr(sweep_unrolled, "MAX_UNROLLED_TERMS", 0)
        patch.setattr(modules, "_loaded", {})
        kernel = sweep_unrolled.block_kernel(X.shape[1], 2, y.shape[1], X.shape[0])
        assert "_any_" in kernel.__module__  # the generic kernel's module
        generic = xorfast.sweep(X, y, **kwargs)
    # The unrolled kernel pairs its sigmoids on one division, so the two round
    # a little differently; neither may drift from train further than that.
    rtol = 1e-9 if dtype == "float64" else 2e-3
    for name in ["diverged", "epoch_solved", "epoch_tol", "hidden", "lr", "seed"]:
        np.testing.assert_array_equal(generic.table[name], unrolled.table[name], err_msg=name)
    for name in ["max_error", "final_mse"]:
        np.testing.assert_allclose(
            generic.table[name], unrolled.table[name], rtol=rtol, err_msg=name
        )
    for row in generic.table:
        assert_run_equals_train(row, X, y, generic.spec, dtype, rtol=rtol)
