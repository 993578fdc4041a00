"""loss_curves at its edges: runs that stop on a recorded epoch, and messages in its own name."""

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

from xorfast import plot  # noqa: E402
from xorfast.sweeps.results import SweepResult, empty_table  # noqa: E402
from xorfast.sweeps.spec import make_spec  # noqa: E402


def stopped_on_the_grid():
    """Four solved runs of 100 epochs recorded every 25; runs 0 and 1 stop at epochs 0 and 50.

    A run stopped at a recorded epoch ends with that epoch's own value: the
    MSE after ``e`` updates is the MSE at epoch ``e`` before its update.
    """
    spec = make_spec(seeds=4, hidden=2, epochs=100, record_every=25, stop="solved")
    table = empty_table(spec)
    curves = np.array([[0.2] * 5, [0.3] * 5, [0.4] * 5, [0.5] * 5])
    curves[0, 1:] = np.nan  # stopped at epoch 0: its one value, in column 0
    curves[1, 3:] = np.nan  # stopped at epoch 50: column 2
    table["max_error"] = 0.1
    table["epoch_solved"] = [0, 50, 100, 100]
    table["updates"] = [0, 50, 100, 100]
    return SweepResult(spec, table, curves, None)


def test_a_run_stopped_on_a_recorded_epoch_counts_in_the_band_there():
    figure = plot.loss_curves(stopped_on_the_grid())
    (median,) = [line for line in figure.axes[0].get_lines() if "median" in line.get_label()]
    # Epoch 0: all four runs; 25: runs 1-3; 50: runs 1-3 (run 1's last value); then 2-3.
    np.testing.assert_allclose(median.get_ydata(), [0.35, 0.4, 0.4, 0.45, 0.45])


def test_loss_curves_names_itself_in_its_errors():
    spec = make_spec(seeds=2, hidden=[2, 3], epochs=10, record_every=5)
    result = SweepResult(spec, empty_table(spec), np.zeros((4, 3)), None)
    with pytest.raises(ValueError, match=r"^loss_curves\(\) is for one config: give hidden"):
        plot.loss_curves(result)
    with pytest.raises(ValueError, match=r"^loss_curves\(\) takes the grid axes.*trajectory\("):
        plot.loss_curves(result, hidden=2, seed=1)


@pytest.mark.parametrize(
    "flags",
    [["--x", "lr"], ["--y", "hidden"], ["--no-intervals"], ["--x", "hidden", "--intervals"]],
)
def test_the_command_line_refuses_map_options_with_curves(flags, tmp_path, capsys):
    from xorfast.cli import main

    # Checked before the store is read: the options, not the file, are wrong.
    out = tmp_path / "curves.png"
    with pytest.raises(SystemExit) as exited:
        main(["plot", str(tmp_path / "absent.sqlite"), "--out", str(out), "--curves", *flags])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert flags[0] in err and "heat map" in err and "--curves" in err
    assert not out.exists()


def test_loss_curves_of_a_config_without_finished_runs_says_so():
    # A store loaded mid-sweep: config hidden=3 has no run yet.
    spec = make_spec(seeds=4, hidden=[2, 3], epochs=10, record_every=5)
    table = empty_table(spec)
    table["max_error"] = 0.1
    result = SweepResult(spec, table[:4], np.full((4, 3), 0.2), None)
    with pytest.raises(ValueError, match=r"no finished run of hidden=3 in this result"):
        plot.loss_curves(result, hidden=3)
    # All four solved: their thin lines and one median.
    assert len(plot.loss_curves(result, hidden=2).axes[0].get_lines()) == 5
