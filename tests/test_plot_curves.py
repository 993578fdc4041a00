"""loss_curves: one config's recorded runs, median and 10-90% band, solved and unsolved apart."""

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.collections import PolyCollection  # noqa: E402

import xorfast  # noqa: E402
from xorfast import plot  # noqa: E402
from xorfast.cli import main  # noqa: E402
from xorfast.sweeps.results import SweepResult, empty_table  # noqa: E402
from xorfast.sweeps.spec import make_spec  # noqa: E402


def made_up(stop=None):
    """Ten runs of 100 epochs recorded every 25 (T = 5), no kernel run.

    Run ``j`` of 0-5 solves, its MSE at column ``i`` 0.1 / (1 + j) / (i + 1); runs
    6-9 sit on the plateau at 0.125. With ``stop``, run 0 stops at epoch 30.
    """
    spec = make_spec(seeds=10, hidden=2, epochs=100, record_every=25, stop=stop)
    table = empty_table(spec)
    curves = np.empty((10, 5))
    for j in range(10):
        if j < 6:
            curves[j] = 0.1 / (1 + j) / np.arange(1, 6)
        else:
            curves[j] = 0.125
    table["max_error"] = np.where(np.arange(10) < 6, 0.1, 0.5)
    table["final_mse"] = curves[:, -1]
    table["epoch_solved"] = np.where(np.arange(10) < 6, 90, -1)
    table["epoch_tol"] = -1
    table["updates"] = 100
    if stop:
        table["updates"][0] = 30
        table["epoch_solved"][0] = 30
        # Epochs 0 and 25 recorded, then its stop (epoch 30) in column 2, then NaN.
        curves[0, 2] = 0.02
        curves[0, 3:] = np.nan
    return SweepResult(spec, table, curves, None)


def test_each_kind_has_its_median_band_and_runs():
    result = made_up()
    figure = plot.loss_curves(result)
    FigureCanvasAgg(figure).draw()
    ax = figure.axes[0]
    labels = [line.get_label() for line in ax.get_lines() if not line.get_label().startswith("_")]
    assert labels == ["solved (6): median, 10-90% band", "unsolved (4): median, 10-90% band"]
    medians = {
        line.get_label().split()[0]: line
        for line in ax.get_lines()
        if "median" in str(line.get_label())
    }
    np.testing.assert_array_equal(medians["solved"].get_xdata(), [0, 25, 50, 75, 100])
    expected = np.median(result.curves[:6], axis=0)
    np.testing.assert_allclose(medians["solved"].get_ydata(), expected)
    np.testing.assert_allclose(medians["unsolved"].get_ydata(), 0.125)
    bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert len(bands) == 2
    # One thin line per run drawn, 10 in all, and the two medians.
    assert len(ax.get_lines()) == 12
    assert tuple(medians["solved"].get_color()) != tuple(medians["unsolved"].get_color())
    assert ax.get_yscale() == "log"
    assert ax.get_xlabel().startswith("epoch")
    assert ax.get_ylabel() == "mean squared error (log scale)"
    title = ax.get_title()
    assert "Loss of 10 runs of 2-2-1 networks, lr 0.1" in title
    assert "xor · 100 epochs · bce loss" in title


def test_runs_limits_the_thin_lines_and_a_stopped_run_ends_at_its_stop():
    result = made_up(stop="solved")
    ax = plot.loss_curves(result, runs=1).axes[0]
    assert len(ax.get_lines()) == 4  # one solved run, one unsolved, two medians
    first = ax.get_lines()[0]
    np.testing.assert_array_equal(first.get_xdata(), [0, 25, 30])
    np.testing.assert_array_equal(first.get_ydata(), [0.1, 0.05, 0.02])
    # The stop value (epoch 30) stays out of the band at epoch 50.
    median = next(line for line in ax.get_lines() if line.get_label().startswith("solved"))
    np.testing.assert_allclose(median.get_ydata()[2], np.median(result.curves[1:6, 2]))


def test_loss_curves_of_a_real_sweep_pick_one_config():
    result = xorfast.sweep(seeds=8, hidden=[2, 3], epochs=200, record_every=20, progress=False)
    ax = plot.loss_curves(result, hidden=3).axes[0]
    assert "2-3-1 networks" in ax.get_title()
    with pytest.raises(ValueError, match="give hidden too"):
        plot.loss_curves(result)
    plain = xorfast.sweep(seeds=2, epochs=10, progress=False)
    with pytest.raises(ValueError, match="record_every=N"):
        plot.loss_curves(plain)
    with pytest.raises(ValueError, match="runs must be"):
        plot.loss_curves(result, hidden=3, runs=-1)


def test_the_command_line_draws_the_curves_of_one_config(tmp_path, capsys):
    store = tmp_path / "runs.sqlite"
    result = xorfast.sweep(
        seeds=8, hidden=[2, 3], epochs=200, record_every=20, progress=False, store=store
    )
    out = tmp_path / "curves.png"
    argv = ["plot", str(store), "--out", str(out), "--curves"]
    assert main([*argv, "--where", "hidden=2"]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"loss curves of 8 runs drawn to {out}" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    assert "--curves draws one config" in capsys.readouterr().err
    assert len(result) == 16
