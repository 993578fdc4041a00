"""``diverged``: non-finite values or pinned units, flagged alike by train and sweep."""

import dataclasses

import numpy as np
import pytest

import xorfast
from xorfast import reference
from xorfast.result import History

#: Above the unrolling limit for XOR, so the sweep runs its generic kernel.
GENERIC_HIDDEN = 40
#: A learning rate that saturates every sigmoid without overflowing the weights.
HUGE_LR = {"float64": 1e300, "float32": 1e30}


# (hidden, dtype) of the sweep cases. The generic sweep kernel in float32 (about 10 s
# quiet, 19 s busy, of compiling from cold) is compiled for these cases alone: the
# exhaustive tier. Everyday, float32 saturates on a generated kernel and the generic
# kernels saturate in float64.
def _shapes(unrolled):
    return [
        (unrolled, "float64"),
        (unrolled, "float32"),
        (GENERIC_HIDDEN, "float64"),
        pytest.param(GENERIC_HIDDEN, "float32", marks=pytest.mark.slow),
    ]


def test_pinned_hidden_layer_is_destroyed():
    A1 = np.array([[0.0, 1.0], [1.0, 1.0]])
    A2 = np.array([[0.3], [0.7]])
    y = np.array([[0.0], [1.0]])
    assert reference.pinned(A1, A2, y, "bce")
    assert reference.pinned(A1, A2, y, "mse")
    # One hidden activation short of 0 or 1 on one row still passes a gradient.
    A1[1, 0] = 1 - 2**-53
    assert not reference.pinned(A1, A2, y, "bce")


def test_pinned_outputs_stop_mse_but_not_bce():
    A1 = np.full((2, 2), 0.5)
    wrong = np.array([[1.0], [1.0]])
    y = np.array([[0.0], [1.0]])
    assert reference.pinned(A1, wrong, y, "mse")  # no gradient at all, and a wrong answer
    assert not reference.pinned(A1, wrong, y, "bce")  # A2 - y still moves W2 and b2
    assert not reference.pinned(A1, y.copy(), y, "mse")  # exact and final: solved, not destroyed


def test_pinned_in_float32_counts_float32_values():
    A1 = np.array([[1 - 2**-24]], dtype=np.float32)  # the float32 just below 1
    assert not reference.pinned(A1, np.array([[0.5]], np.float32), np.zeros((1, 1)), "bce")


@pytest.mark.parametrize("backend", ["numba", "numpy"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("loss", ["bce", "mse"])
def test_train_flags_a_saturating_lr(backend, dtype, loss):
    # lr=1e300 used to end with finite weights, every sigmoid at exactly 0 or 1,
    # and diverged=False.
    result = xorfast.train(
        lr=HUGE_LR[dtype], seed=0, epochs=50, loss=loss, dtype=dtype, backend=backend
    )
    assert result.params.all_finite()
    assert result.diverged
    assert not result.solved


@pytest.mark.parametrize(("hidden", "dtype"), _shapes(4))
@pytest.mark.parametrize("loss", ["bce", "mse"])
def test_sweep_flags_a_saturating_lr(hidden, dtype, loss):
    result = xorfast.sweep(
        lr=HUGE_LR[dtype],
        seeds=10,
        hidden=hidden,
        epochs=50,
        loss=loss,
        dtype=dtype,
        progress=False,
    )
    assert result.table["diverged"].all()
    assert result.summary()["diverged"].tolist() == [10]


def test_mse_outputs_pinned_wrong_from_the_start_are_flagged():
    X, y = xorfast.datasets.xor()
    # Hidden units all at 0.5, outputs at exactly 1.0: squared error passes no gradient.
    weights = (np.zeros((2, 4)), np.zeros(4), np.full((4, 1), 1e3), np.zeros(1))
    stuck = xorfast.train(X, y, weights=weights, loss="mse", epochs=100)
    assert stuck.predictions.ravel().tolist() == [1.0, 1.0, 1.0, 1.0]
    assert stuck.diverged
    moving = xorfast.train(X, y, weights=weights, loss="bce", epochs=100)
    assert not moving.diverged


@pytest.mark.parametrize(("hidden", "dtype"), _shapes(2))
@pytest.mark.parametrize("loss", ["bce", "mse"])
def test_sweep_and_train_agree_per_seed(hidden, dtype, loss):
    # From normal learning rates through ones that destroy some runs and not others.
    grid = dict(lr=[0.5, 50.0, 1e4, HUGE_LR[dtype]], init_scale=[1.0, 1e4], epochs=200)
    result = xorfast.sweep(seeds=6, hidden=hidden, loss=loss, dtype=dtype, progress=False, **grid)
    flags = {}
    for row in result.table:
        run = xorfast.train(
            seed=int(row["seed"]),
            hidden=hidden,
            lr=float(row["lr"]),
            init_scale=float(row["init_scale"]),
            epochs=int(row["epochs"]),
            loss=loss,
            dtype=dtype,
        )
        assert bool(row["diverged"]) == run.diverged, dict(zip(row.dtype.names, row.tolist()))
        flags.setdefault((float(row["lr"]), float(row["init_scale"])), []).append(run.diverged)
    assert not any(flags[0.5, 1.0])
    assert all(flags[HUGE_LR[dtype], 1.0])


@pytest.mark.parametrize("dtype", ["float64", pytest.param("float32", marks=pytest.mark.slow)])
@pytest.mark.parametrize("loss", ["bce", "mse"])
def test_normal_sweep_is_never_flagged(dtype, loss):
    # Shapes the other sweep tests compile too; the exhaustive tier's long sweep adds 2-8-1.
    result = xorfast.sweep(
        seeds=512,
        hidden=[2, 3, 4],
        lr=[0.1, 0.5, 2.0],
        epochs=3000,
        loss=loss,
        dtype=dtype,
        progress=False,
    )
    assert not result.table["diverged"].any()
    assert result.solved.mean() > 0.5


@pytest.mark.slow
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("loss", ["bce", "mse"])
def test_long_normal_sweeps_are_never_flagged(dtype, loss):
    result = xorfast.sweep(
        seeds=4096,
        hidden=[2, 3, 4, 8],
        lr=[0.1, 0.5],
        epochs=10_000,
        loss=loss,
        dtype=dtype,
        progress=False,
    )
    assert not result.table["diverged"].any()


def test_train_plot_of_a_run_with_no_finite_loss_says_so(capsys, tmp_path):
    pytest.importorskip("matplotlib")
    from xorfast.cli import plot as cli_plot

    run = xorfast.train(seed=0, epochs=20, log_every=5, backend="numpy")
    lost = dataclasses.replace(
        run, history=History(run.history.epoch, np.full(len(run.history), np.nan))
    )
    cli_plot.save_training_figure(tmp_path / "out.png", lost, xorfast.datasets.xor()[0], "xor")
    assert "no figure: the run diverged" in capsys.readouterr().out
    assert not (tmp_path / "out.png").exists()
