"""Pictures: what each figure holds, that it saves, and the errors users see."""

import dataclasses
import importlib
import re
import sys

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.contour import ContourSet  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

import xorfast  # noqa: E402
from xorfast import plot  # noqa: E402
from xorfast.cli import main  # noqa: E402
from xorfast.cli.plot import plot_log_every  # noqa: E402
from xorfast.sweeps.results import RUN_DTYPE, SweepResult, empty_table  # noqa: E402
from xorfast.sweeps.spec import make_spec  # noqa: E402
from xorfast.sweeps.store import open_store  # noqa: E402

NEW_CONTOURS = issubclass(ContourSet, matplotlib.artist.Artist)
XOR_INPUTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
XOR_TARGETS = np.array([0, 1, 1, 0])


@pytest.fixture(scope="module")
def trained():
    """A 2-3-1 net that solves XOR (NumPy backend: no compilation)."""
    result = xorfast.train(hidden=3, lr=1.0, seed=0, epochs=1500, log_every=50, backend="numpy")
    assert result.solved
    return result


def make_sweep(solved_counts, *, seeds=10, epochs=100, **grid):
    """A SweepResult with ``solved_counts[c]`` solved runs in config ``c``, no kernel run.

    Solved run ``j`` of a config is solved at epoch ``10 * (j + 1)``; the rest
    end with max_error 0.7 and never solve.
    """
    spec = make_spec(seeds=seeds, epochs=epochs, **grid)
    table = empty_table(spec)
    for config, count in zip(spec.configs, solved_counts):
        rows = table[config.index * seeds : (config.index + 1) * seeds]
        rows["max_error"] = 0.7
        rows["final_mse"] = 0.2
        rows["max_error"][:count] = 0.1
        rows["final_mse"][:count] = 0.002
        rows["epoch_solved"][:count] = 10 * np.arange(1, count + 1)
        rows["epoch_tol"][:count] = 10 * np.arange(1, count + 1) + 5
    assert len(solved_counts) == len(spec.configs)
    return SweepResult(spec, table)


def render(figure):
    FigureCanvasAgg(figure).draw()
    return figure


# loss_curve ----------------------------------------------------------------


def test_loss_curve_plots_history_on_log_axis(trained):
    figure = render(plot.loss_curve(trained))
    assert isinstance(figure, Figure)
    [ax] = figure.axes
    [line] = ax.lines
    np.testing.assert_array_equal(line.get_xdata(), trained.history.epoch)
    np.testing.assert_array_equal(line.get_ydata(), trained.history.mse)
    assert ax.get_yscale() == "log"
    assert "epoch" in ax.get_xlabel()
    assert "mean squared error" in ax.get_ylabel()
    assert "seed 0" in ax.get_title() and "2-3-1" in ax.get_title()
    assert ax.get_legend() is None


def test_loss_curve_of_several_runs_has_one_labelled_line_each():
    runs = [
        xorfast.train(seed=seed, epochs=200, log_every=20, backend="numpy") for seed in (4, 5, 6)
    ]
    figure = render(plot.loss_curve(runs))
    [ax] = figure.axes
    assert len(ax.lines) == 3
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["seed 4", "seed 5", "seed 6"]
    assert "3 runs" in ax.get_title()
    colours = {tuple(line.get_color()) for line in ax.lines}
    assert len(colours) == 3


def test_loss_curve_labels_what_differs_between_runs():
    runs = [
        xorfast.train(seed=1, lr=lr, epochs=100, log_every=10, backend="numpy")
        for lr in (0.1, 0.5)
    ]
    ax = plot.loss_curve(runs).axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "seed 1, lr 0.1",
        "seed 1, lr 0.5",
    ]


def test_loss_curve_without_history_says_to_log(trained):
    silent = xorfast.train(seed=0, epochs=10, backend="numpy")
    with pytest.raises(ValueError, match="no loss history; train with log_every > 0"):
        plot.loss_curve(silent)
    with pytest.raises(ValueError, match="result 1 has no loss history"):
        plot.loss_curve([trained, silent])
    with pytest.raises(ValueError, match="got no results"):
        plot.loss_curve([])
    with pytest.raises(TypeError, match="TrainResult"):
        plot.loss_curve([trained, "run.json"])


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (0.13, 0.26, {"0.14", "0.2", "0.24"}),  # under a decade: plain numbers
        (1e-3, 0.3, {"0.001", "0.01", "0.1", "0.02", "0.05", "0.2"}),
    ],
)
def test_log_axis_labels_are_plain_numbers_when_narrow(low, high, expected):
    figure = Figure()
    ax = figure.add_subplot()
    ax.set_yscale("log")
    ax.set_ylim(low, high)
    plot._readable_log_labels(ax.yaxis)
    render(figure)
    labels = {t.get_text() for t in ax.get_yticklabels() + ax.get_yticklabels(minor=True)}
    assert expected <= labels
    assert not any("times" in label or "^" in label for label in labels)


# decision_boundary -----------------------------------------------------------


@pytest.mark.skipif(not NEW_CONTOURS, reason="a ContourSet is an Artist from matplotlib 3.8")
def test_decision_boundary_contour_separates_xor_points(trained):
    figure = render(plot.decision_boundary(trained))
    ax = figure.axes[0]
    filled, halo, line = [c for c in ax.collections if isinstance(c, ContourSet)]
    assert filled.filled and not line.filled
    assert list(line.levels) == [0.5] and list(halo.levels) == [0.5]
    assert sum(len(path.vertices) for path in line.get_paths()) > 10
    # Each training point lies in a filled band on the side of 0.5 its target is on.
    for point, target in zip(XOR_INPUTS, XOR_TARGETS):
        bands = [
            i
            for i, path in enumerate(filled.get_paths())
            if len(path.vertices) and path.contains_point(point)
        ]
        assert len(bands) == 1, point
        low, high = filled.levels[bands[0]], filled.levels[bands[0] + 1]
        assert (low >= 0.5) if target else (high <= 0.5), (point, low, high)
    # The grid it drew from agrees with the network at the four corners.
    x1, x2, values = plot.output_grid(trained)
    for (a, b), target in zip(XOR_INPUTS, XOR_TARGETS):
        value = values[np.argmin(abs(x2 - b)), np.argmin(abs(x1 - a))]
        assert (value > 0.5) == bool(target)
        assert value == pytest.approx(trained.predict([[a, b]])[0, 0])


def test_decision_boundary_marks_points_by_class_and_labels_axes(trained):
    figure = plot.decision_boundary(trained)
    ax, colorbar = figure.axes
    negatives, positives = ax.collections[-2:]
    np.testing.assert_array_equal(negatives.get_offsets(), XOR_INPUTS[XOR_TARGETS == 0])
    np.testing.assert_array_equal(positives.get_offsets(), XOR_INPUTS[XOR_TARGETS == 1])
    assert ax.get_xlim() == plot.INPUT_RANGE and ax.get_ylim() == plot.INPUT_RANGE
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("input x1", "input x2")
    assert "2-3-1" in ax.get_title()
    assert "network output" in colorbar.get_ylabel()
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["output = 0.5", "target 0", "target 1"]
    assert not [line for line in ax.lines if len(line.get_xdata())]


def test_hidden_lines_are_where_each_hidden_unit_is_one_half(trained):
    ax = plot.decision_boundary(trained, hidden_lines=True).axes[0]
    drawn = [line for line in ax.lines if len(line.get_xdata())]
    assert len(drawn) == trained.W1.shape[1]
    for unit, line in enumerate(drawn):
        points = np.column_stack([line.get_xdata(), line.get_ydata()])
        pre_activation = points @ trained.W1[:, unit] + trained.b1[unit]
        np.testing.assert_allclose(pre_activation, 0, atol=1e-9)
    assert "hidden unit = 0.5" in [t.get_text() for t in ax.get_legend().get_texts()]
    labels = [t.get_text() for t in ax.texts]
    assert set(labels) <= {"h1", "h2", "h3"} and labels


def test_decision_boundary_takes_inputs_for_other_data():
    X = np.array([[0, 0], [1, 1], [0, 1]], dtype=float)
    y = np.array([0, 1, 1], dtype=float)
    result = xorfast.train(X, y, seed=2, epochs=300, lr=1.0, backend="numpy")
    with pytest.raises(ValueError, match="pass the training inputs as X="):
        plot.decision_boundary(result)
    ax = plot.decision_boundary(result, X=X).axes[0]
    assert len(ax.collections[-1].get_offsets()) == 2
    with pytest.raises(ValueError, match=r"X must have shape \(3, 2\)"):
        plot.decision_boundary(result, X=X[:2])


def test_decision_boundary_refuses_three_inputs_and_diverged_runs():
    X, y = xorfast.datasets.load("parity3")
    result = xorfast.train(X, y, seed=0, epochs=10, backend="numpy")
    with pytest.raises(ValueError, match="2 inputs; this one has 3"):
        plot.decision_boundary(result)
    diverged = dataclasses.replace(
        xorfast.train(seed=0, epochs=10, backend="numpy"), diverged=True
    )
    with pytest.raises(ValueError, match="diverged"):
        plot.decision_boundary(diverged)


# convergence_map -------------------------------------------------------------


def test_convergence_map_shows_solved_fraction_per_cell():
    result = make_sweep([1, 5, 10, 0], hidden=[2, 4], lr=[0.1, 1.0])
    figure = render(plot.convergence_map(result))
    ax, colorbar = figure.axes
    [image] = ax.images
    # rows: lr (up), columns: hidden (across); config order is hidden-major.
    np.testing.assert_allclose(image.get_array(), [[0.1, 1.0], [0.5, 0.0]])
    assert [t.get_text() for t in ax.texts] == ["10%", "100%", "50%", "0%"]
    assert ax.get_xlabel() == "hidden units" and ax.get_ylabel().startswith("learning rate")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2", "4"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["0.1", "1"]
    assert "10 runs per cell" in ax.get_title()
    assert colorbar.get_ylabel() == "fraction of runs solved"
    assert image.get_cmap().name == plot.COLORMAP
    assert image.get_clim() == (0.0, 1.0)


def test_convergence_map_axes_can_be_chosen():
    result = make_sweep([1, 5, 10, 0], hidden=[2, 4], lr=[0.1, 1.0])
    ax = plot.convergence_map(result, x="lr", y="hidden").axes[0]
    np.testing.assert_allclose(ax.images[0].get_array(), [[0.1, 0.5], [1.0, 0.0]])
    with pytest.raises(ValueError, match="x must be one of hidden, lr"):
        plot.convergence_map(result, x="loss")
    with pytest.raises(ValueError, match="choose two different grid axes"):
        plot.convergence_map(result, x="lr", y="lr")


def test_convergence_map_of_one_varying_axis_is_one_row():
    result = make_sweep([2, 4, 6], hidden=[2, 3, 4])
    ax = plot.convergence_map(result).axes[0]
    np.testing.assert_allclose(ax.images[0].get_array(), [[0.2, 0.4, 0.6]])
    assert ax.get_ylabel() == "" and len(ax.get_yticks()) == 0
    assert len(ax.texts) == 3


def test_convergence_map_pools_extra_varying_axes_and_says_so():
    # hidden x lr x init_scale = 2 x 2 x 2 configs, init_scale varying fastest.
    result = make_sweep(
        [0, 2, 4, 6, 8, 10, 1, 3], hidden=[2, 4], lr=[0.1, 1.0], init_scale=[0.5, 1.0]
    )
    ax = plot.convergence_map(result).axes[0]
    np.testing.assert_allclose(ax.images[0].get_array(), [[0.1, 0.9], [0.5, 0.2]])
    assert "pooled over init_scale" in ax.get_title()
    assert "20 runs per cell" in ax.get_title()


def test_convergence_map_of_a_partial_sweep_greys_missing_cells():
    full = make_sweep([1, 5, 10, 0], hidden=[2, 4], lr=[0.1, 1.0])
    table = full.table
    finished = table[(table["config"] != 3) & ((table["config"] != 0) | (table["seed"] < 8))]
    ax = plot.convergence_map(SweepResult(full.spec, finished)).axes[0]
    data = ax.images[0].get_array()
    assert data.mask.tolist() == [[False, False], [False, True]]
    assert [t.get_text() for t in ax.texts] == [
        "12%\nof 8",
        "100%\nof 10",
        "50%\nof 10",
        "no runs",
    ]
    assert "runs per cell vary" in ax.get_title()


def test_percentages_read_0_or_100_only_when_exact():
    assert plot._percent(999, 1000) == ">99%"
    assert plot._percent(1, 1000) == "<1%"
    assert plot._percent(1000, 1000) == "100%"
    assert plot._percent(0, 1000) == "0%"


@pytest.mark.parametrize("function", [plot.convergence_map, plot.epochs_to_solve])
def test_empty_sweep_is_a_clear_error(function):
    spec = make_spec(seeds=4, hidden=[2, 4])
    with pytest.raises(ValueError, match="no finished runs"):
        function(SweepResult(spec, np.zeros(0, dtype=RUN_DTYPE)))
    with pytest.raises(TypeError, match="SweepResult"):
        function(spec)


# epochs_to_solve -------------------------------------------------------------


def test_epochs_to_solve_curves_end_at_the_solved_fraction():
    result = make_sweep([1, 5, 10, 0], hidden=[2, 4], lr=[0.1, 1.0], epochs=200)
    figure = render(plot.epochs_to_solve(result))
    [ax] = figure.axes
    assert len(ax.lines) == 4
    for line, solved in zip(ax.lines, [1, 5, 10, 0]):
        x, y = line.get_xdata(), line.get_ydata()
        assert y[-1] == pytest.approx(solved / 10)
        assert x[-1] == 200 and y[0] == 0
        assert np.all(np.diff(y) >= 0)
        # A step of 1/10 at each solving epoch 10, 20, ...
        np.testing.assert_allclose(x[1:-1], 10 * np.arange(1, solved + 1))
    assert ax.get_xlim() == (0, 200) and "epoch" in ax.get_xlabel()
    assert "fraction of runs solved" in ax.get_ylabel()
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["hidden 2", "hidden 4", "lr 0.1", "lr 1"]
    # colour follows hidden, line style follows lr (colours compared by value: each
    # line holds its own array, so an identity test could never fail)
    same_colour = matplotlib.colors.same_color
    assert same_colour(ax.lines[0].get_color(), ax.lines[1].get_color())
    assert not same_colour(ax.lines[0].get_color(), ax.lines[2].get_color())
    assert ax.lines[0].get_linestyle() == ax.lines[2].get_linestyle()
    assert ax.lines[0].get_linestyle() != ax.lines[1].get_linestyle()


def test_epochs_to_solve_ignores_diverged_runs_and_single_config_has_no_legend():
    result = make_sweep([4], hidden=4)
    result.table["diverged"][:2] = True
    ax = plot.epochs_to_solve(result).axes[0]
    [line] = ax.lines
    assert line.get_ydata()[-1] == pytest.approx(0.2)
    assert ax.get_legend() is None


# every figure ----------------------------------------------------------------


@pytest.mark.parametrize(
    "draw",
    [
        lambda run, sweep: plot.loss_curve(run),
        lambda run, sweep: plot.decision_boundary(run, hidden_lines=True),
        lambda run, sweep: plot.convergence_map(sweep),
        lambda run, sweep: plot.epochs_to_solve(sweep),
    ],
    ids=["loss_curve", "decision_boundary", "convergence_map", "epochs_to_solve"],
)
def test_figures_save_as_png_without_overlapping_text(draw, trained, tmp_path):
    sweep = make_sweep([1, 5, 10, 0, 3, 7], hidden=[2, 3, 4], lr=[0.1, 1.0])
    figure = render(draw(trained, sweep))
    path = tmp_path / "figure.png"
    figure.savefig(path, dpi=100)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    renderer = figure.canvas.get_renderer()
    for ax in figure.axes:
        texts = [ax.title, ax.xaxis.label, ax.yaxis.label]
        boxes = [t.get_window_extent(renderer) for t in texts if t.get_text()]
        # Tick labels that are drawn: those of ticks inside the axes.
        for labels, along in ((ax.get_xticklabels(), 0), (ax.get_yticklabels(), 1)):
            for label in labels:
                box = label.get_window_extent(renderer)
                low, high = ax.bbox.extents[along], ax.bbox.extents[along + 2]
                if label.get_text() and low - 1 <= box.get_points()[:, along].mean() <= high + 1:
                    boxes.append(box)
        for i, first in enumerate(boxes):
            for second in boxes[i + 1 :]:
                assert not first.overlaps(second), (first, second)
        inside = figure.bbox
        for box in boxes:
            assert inside.x0 - 1 <= box.x0 and box.x1 <= inside.x1 + 1


def test_drawing_into_given_axes_returns_their_figure(trained):
    figure = Figure(layout="constrained")
    first, second = figure.subplots(1, 2)
    assert plot.loss_curve(trained, ax=first) is figure
    assert plot.epochs_to_solve(make_sweep([3], hidden=4), ax=second) is figure
    assert len(first.lines) == 1 and len(second.lines) == 1


# the optional extra ----------------------------------------------------------


@pytest.fixture
def without_matplotlib(monkeypatch):
    """Make ``import matplotlib`` fail, as it does when the extra is not installed."""
    for name in [name for name in sys.modules if name.split(".")[0] == "matplotlib"]:
        # An imported submodule would otherwise still be found in sys.modules.
        monkeypatch.setitem(sys.modules, name, None)


def test_module_imports_without_matplotlib_and_names_the_extra(
    without_matplotlib, monkeypatch, trained
):
    monkeypatch.delitem(sys.modules, "xorfast.plot")
    monkeypatch.setattr(xorfast, "plot", plot, raising=False)  # restored afterwards
    fresh = importlib.import_module("xorfast.plot")
    assert fresh is not plot
    with pytest.raises(ImportError, match=r"pip install 'xorfast\[plot\]'"):
        fresh.loss_curve(trained)
    with pytest.raises(ImportError, match=r"pip install 'xorfast\[plot\]'"):
        fresh.convergence_map(make_sweep([1], hidden=4))


def test_command_line_without_matplotlib_exits_with_the_extra(
    without_matplotlib, capsys, tmp_path
):
    with pytest.raises(SystemExit) as stop:
        main(["train", "--epochs", "10", "--plot", str(tmp_path / "out.png")])
    assert stop.value.code == 2
    assert "pip install 'xorfast[plot]'" in capsys.readouterr().err
    assert not (tmp_path / "out.png").exists()


# command line ----------------------------------------------------------------


def test_train_plot_writes_figure_and_keeps_the_printed_log(capsys, tmp_path):
    argv = ["train", "--seed", "3", "--epochs", "1000", "--lr", "0.5", "--backend", "numpy"]
    assert main(argv) == 0
    plain = capsys.readouterr().out
    path = tmp_path / "out.png"
    assert main([*argv, "--plot", str(path)]) == 0
    out = capsys.readouterr().out
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"figure written to {path}" in out
    epoch_lines = [line for line in out.splitlines() if line.startswith("Epoch")]
    assert epoch_lines == [line for line in plain.splitlines() if line.startswith("Epoch")]
    assert len(epoch_lines) == 10


def test_train_plot_with_logging_off_and_three_inputs(capsys, tmp_path):
    path = tmp_path / "parity.png"
    assert (
        main(
            [
                "train",
                "--data",
                "parity3",
                "--epochs",
                "200",
                "--log-every",
                "0",
                "--backend",
                "numpy",
                "--plot",
                str(path),
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "Epoch" not in out
    assert "no decision boundary: parity3 has 3 inputs" in out
    assert path.exists()


@pytest.mark.parametrize(
    ("epochs", "log_every"),
    [
        (10_000, 1000),
        (10_000, 0),
        (10_000, 997),
        (150, 15),
        (7, 1),
        (0, 0),
        (1000, 3000),
    ],
)
def test_plot_log_every_logs_every_printed_epoch(epochs, log_every):
    every = plot_log_every(epochs, log_every)
    if epochs == 0:
        assert every == 0
        return
    assert every >= 1
    if log_every:
        assert log_every % every == 0
    # About 50 points or more, whatever log_every (which is a multiple of `every`).
    assert epochs // every >= min(epochs, 50)


def test_plot_subcommand_draws_a_stored_sweep(capsys, tmp_path):
    # epochs 200: the store refuses an epoch_tol (up to 105 here) beyond the epochs run.
    result = make_sweep([1, 5, 10, 0], hidden=[2, 4], lr=[0.1, 1.0], epochs=200)
    store_path = tmp_path / "runs.sqlite"
    with open_store(store_path, result.spec) as store:
        store.write(result.table)
    assert len(xorfast.load_sweep(store_path)) == 40
    out_path = tmp_path / "maps.png"
    assert main(["plot", str(store_path), "--out", str(out_path)]) == 0
    assert out_path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"40 of 40 runs (4 configs x 10 seeds) drawn to {out_path}" in capsys.readouterr().out


def test_a_momentum_grid_is_drawn_with_its_axis_named(capsys, tmp_path):
    from xorfast.plot.sweeps import AXIS_LABELS
    from xorfast.sweeps.spec import GRID_AXES

    assert set(AXIS_LABELS) == set(GRID_AXES)  # every grid axis can be drawn
    result = make_sweep([1, 5, 10, 0], hidden=[2, 4], momentum=[0.0, 0.9], epochs=200)
    ax = render(plot.convergence_map(result)).axes[0]
    assert ax.get_ylabel().startswith("momentum")
    assert [t.get_text() for t in ax.get_yticklabels()] == ["0", "0.9"]
    ax = render(plot.convergence_map(result, x="momentum", y="hidden")).axes[0]
    assert ax.get_xlabel().startswith("momentum")
    legend = plot.epochs_to_solve(result).axes[0].get_legend().get_texts()
    assert [t.get_text() for t in legend] == ["hidden 2", "hidden 4", "momentum 0", "momentum 0.9"]
    # The command line draws it too (it failed with KeyError: 'momentum').
    store_path = tmp_path / "runs.sqlite"
    with open_store(store_path, result.spec) as store:
        store.write(result.table)
    out_path = tmp_path / "maps.png"
    assert main(["plot", str(store_path), "--out", str(out_path)]) == 0
    argv = ["plot", str(store_path), "--out", str(out_path), "--where", "momentum=0.9"]
    assert main([*argv, "--x", "hidden"]) == 0
    assert "(2 configs x 10 seeds, momentum=0.9) drawn to" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["plot", "{tmp}/missing.sqlite", "--out", "{tmp}/maps.png"], "does not exist"),
        (["plot", "{tmp}/empty.sqlite", "--out", "{tmp}/maps.png"], "no finished runs"),
        (
            ["plot", "{tmp}/empty.sqlite", "--out", "{tmp}/nowhere/maps.png"],
            "folder {tmp}/nowhere does not exist",
        ),
        (["train", "--plot", "{tmp}/nowhere/out.png"], "folder {tmp}/nowhere does not exist"),
    ],
)
def test_plot_errors_exit_2_with_message(capsys, tmp_path, argv, message):
    with open_store(tmp_path / "empty.sqlite", make_spec(seeds=4, hidden=[2, 4])):
        pass
    argv = [arg.format(tmp=tmp_path) for arg in argv]
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 2
    assert message.format(tmp=tmp_path) in capsys.readouterr().err


# slices: SweepResult.where ---------------------------------------------------


def three_axis_sweep():
    """hidden x lr x init_scale = 2 x 2 x 2 configs of 10 seeds, solved counts 0 to 7."""
    return make_sweep(
        [0, 1, 2, 3, 4, 5, 6, 7], hidden=[2, 4], lr=[0.1, 1.0], init_scale=[0.5, 1.0]
    )


def test_where_keeps_exactly_the_matching_rows_and_narrows_the_spec():
    result = three_axis_sweep()
    table = result.table
    picked = result.where(hidden=4, lr=[1.0])
    expected = table[(table["hidden"] == 4) & (table["lr"] == 1.0)]
    assert len(picked) == 20
    for field in ("hidden", "lr", "init_scale", "epochs", "seed", "max_error", "epoch_solved"):
        np.testing.assert_array_equal(picked.table[field], expected[field])
    assert picked.spec.hidden == (4,) and picked.spec.lr == (1.0,)
    assert picked.spec.init_scale == (0.5, 1.0) and picked.spec.epochs == result.spec.epochs
    np.testing.assert_array_equal(picked.spec.seeds, result.spec.seeds)
    # Each row's config indexes the narrowed spec's configs, so summaries line up.
    configs = picked.spec.configs
    assert [(c.hidden, c.lr, c.init_scale) for c in configs] == [(4, 1.0, 0.5), (4, 1.0, 1.0)]
    for row in picked.table:
        config = configs[row["config"]]
        assert (config.hidden, config.lr, config.init_scale) == (
            row["hidden"],
            row["lr"],
            row["init_scale"],
        )
    assert picked.summary()["solved"].tolist() == [6, 7]
    assert result.table is table and len(result) == 80  # the original is untouched


def test_where_takes_several_values_in_any_order_and_keeps_grid_order():
    result = make_sweep([1, 2, 3, 4], hidden=[2, 3, 4, 8])
    picked = result.where(hidden=[8, 2])
    assert picked.spec.hidden == (2, 8)
    assert picked.summary()["solved"].tolist() == [1, 4]
    assert len(result.where()) == len(result)


def test_where_of_a_partial_sweep_keeps_only_finished_rows():
    full = three_axis_sweep()
    finished = full.table[full.table["seed"] < 3]
    picked = SweepResult(full.spec, finished).where(init_scale=0.5)
    assert len(picked) == 4 * 3
    assert set(picked.table["init_scale"].tolist()) == {0.5}


@pytest.mark.parametrize(
    ("selection", "message"),
    [
        (
            {"loss": "mse"},
            "where() selects by grid axis, one of hidden, lr, momentum, init_scale, epochs",
        ),
        ({"hidden": 3}, "hidden=3 is not in the sweep's grid; its hidden values are 2, 4"),
        ({"lr": [0.1, 0.2]}, "lr=0.2 is not in the sweep's grid; its lr values are 0.1, 1"),
        ({"lr": []}, "where() got no value for lr"),
        ({"hidden": "2"}, "where() takes numbers for hidden; got '2'"),
        ({"hidden": True}, "where() takes numbers for hidden; got True"),
    ],
)
def test_where_refuses_unknown_axes_and_values_off_the_grid(selection, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        three_axis_sweep().where(**selection)


# titles ------------------------------------------------------------------------


def test_sweep_figures_are_titled_with_data_epochs_and_loss():
    result = make_sweep([1, 5, 10, 0], hidden=[2, 4], lr=[0.1, 1.0], epochs=200, loss="mse")
    map_title = plot.convergence_map(result).axes[0].get_title()
    assert map_title.splitlines() == [
        "Runs solved (10 runs per cell)",
        "xor · 200 epochs · mse loss · solved at |error| < 0.5",
    ]
    curve_title = plot.epochs_to_solve(result).axes[0].get_title()
    assert curve_title.splitlines()[1] == (
        "xor · 200 epochs · mse loss · solved at |error| < 0.5 · bars: 95% intervals"
    )


def test_sweep_titles_state_the_margin_that_counts_a_run_as_solved():
    result = make_sweep([1, 5], hidden=[2, 4], epochs=200, loss="mse", margin=0.4)
    for figure in (plot.convergence_map(result), plot.epochs_to_solve(result)):
        line = figure.axes[0].get_title().splitlines()[1]
        assert "solved at |error| < 0.4" in line


def test_sweep_title_leaves_out_a_data_set_that_has_no_name():
    X, y = xorfast.datasets.xor()
    spec = make_spec(2 * X - 1, y, seeds=4, hidden=[2, 4], epochs=[50, 100])  # bipolar XOR
    table = empty_table(spec)
    table["max_error"], table["epoch_solved"] = 0.1, 20
    result = SweepResult(spec, table)
    title = plot.convergence_map(result).axes[0].get_title()
    assert title.splitlines()[1] == "50, 100 epochs · bce loss · solved at |error| < 0.5"
    assert plot.convergence_map(make_sweep([1], loss="bce"), x="hidden").axes[0].get_title()
    parity = make_spec(*xorfast.datasets.load("parity3"), seeds=2, hidden=4, epochs=10)
    table = empty_table(parity)
    table["max_error"] = 0.1
    title = plot.epochs_to_solve(SweepResult(parity, table)).axes[0].get_title()
    assert "parity3 · 10 epochs · bce loss" in title


def test_run_figures_are_titled_with_data_epochs_and_loss(trained):
    title = plot.loss_curve(trained).axes[0].get_title()
    assert title.splitlines()[1] == "1500 epochs · bce loss"
    title = plot.loss_curve(trained, data="xor").axes[0].get_title()
    assert title.splitlines()[1] == "xor · 1500 epochs · bce loss"
    title = plot.decision_boundary(trained).axes[0].get_title()
    assert title.splitlines() == [
        "Output of the 2-3-1 net, seed 0",
        "xor · 1500 epochs · bce loss",
    ]
    runs = [
        xorfast.train(seed=1, epochs=epochs, log_every=10, backend="numpy") for epochs in (50, 100)
    ]
    title = plot.loss_curve(runs).axes[0].get_title()
    assert title.splitlines() == ["Training loss of 2 runs", "bce loss"]  # epochs differ
    with pytest.raises(TypeError, match="data must be the data set's name"):
        plot.loss_curve(trained, data=3)


# log epoch axis ----------------------------------------------------------------


def test_log_epoch_axis_keeps_epoch_zero(trained):
    result = make_sweep([1, 5], hidden=[2, 4], epochs=200)
    ax = render(plot.epochs_to_solve(result, log_epochs=True)).axes[0]
    assert ax.get_xscale() == "symlog" and ax.get_xlim() == (0, 200)
    assert "log scale" in ax.get_xlabel()
    assert [line.get_xdata()[0] for line in ax.lines] == [0, 0]
    ax = render(plot.loss_curve(trained, log_epochs=True)).axes[0]
    assert ax.get_xscale() == "symlog" and ax.get_yscale() == "log"
    assert ax.get_xlim() == (0, trained.history.epoch[-1])
    assert plot.loss_curve(trained).axes[0].get_xscale() == "linear"
    with pytest.raises(TypeError, match="log_epochs must be True or False"):
        plot.epochs_to_solve(result, log_epochs="yes")
    with pytest.raises(TypeError, match="log_epochs must be True or False"):
        plot.loss_curve(trained, log_epochs=1)


# Wilson intervals --------------------------------------------------------------

# Wilson 95% intervals of k solved in 10 runs, worked by hand (z = 1.96).
WILSON_OF_10 = {0: (0.0, 0.2775), 1: (0.0179, 0.4042), 5: (0.2366, 0.7634), 10: (0.7225, 1.0)}


def test_epochs_to_solve_marks_each_final_fraction_with_its_interval():
    result = make_sweep([1, 5, 10, 0], hidden=[2, 4], lr=[0.1, 1.0], epochs=200)
    ax = render(plot.epochs_to_solve(result)).axes[0]
    bars = [c for c in ax.collections if isinstance(c, matplotlib.collections.LineCollection)]
    assert len(bars) == 4
    same_colour = matplotlib.colors.same_color
    for line, bar, solved in zip(ax.lines, bars, [1, 5, 10, 0]):
        [segment] = bar.get_segments()
        (x_low, low), (x_high, high) = segment
        assert x_low == x_high and 150 <= x_low <= 200  # at the curve's end, inside the axes
        assert (low, high) == pytest.approx(WILSON_OF_10[solved], abs=1e-4)
        assert same_colour(bar.get_colors()[0][:3], line.get_color()[:3])
    ax = plot.epochs_to_solve(result, intervals=False).axes[0]
    assert not ax.collections and "bars" not in ax.get_title()


def test_convergence_map_can_write_the_interval_in_each_cell():
    result = make_sweep([1, 5, 10, 0], hidden=[2, 4], lr=[0.1, 1.0])
    ax = plot.convergence_map(result, intervals=True).axes[0]
    assert [t.get_text() for t in ax.texts] == [
        "10%\n1-41%",  # rounded outwards: 1.79% to 40.42%
        "100%\n72-100%",
        "50%\n23-77%",
        "0%\n0-28%",
    ]
    many = make_sweep([1000], seeds=1000, hidden=4)
    texts = [t.get_text() for t in plot.convergence_map(many, intervals=True).axes[0].texts]
    assert texts == ["100%\n99-100%"]  # 99.62% to 100%, never "100-100%"
    with pytest.raises(TypeError, match="intervals must be True or False"):
        plot.convergence_map(result, intervals="yes")


# many configs: panels, or no legend ----------------------------------------------


def many_configs(**grid):
    count = int(np.prod([len(values) for values in grid.values()]))
    return make_sweep([config % 11 for config in range(count)], **grid)


def assert_no_two_lines_look_alike(ax):
    looks = [
        (tuple(matplotlib.colors.to_rgba(line.get_color())), str(line.get_linestyle()))
        for line in ax.lines
    ]
    assert len(set(looks)) == len(looks)


def test_epochs_to_solve_splits_many_curves_into_panels_of_one_value_each():
    grid = {"hidden": [2, 3, 4, 8], "lr": [0.1, 0.5, 1.0, 2.0], "init_scale": [0.5, 1.0, 2.0]}
    result = many_configs(**grid)
    assert len(result.spec.configs) == 48 > plot.MAX_CURVES
    figure = render(plot.epochs_to_solve(result))
    panels = [ax for ax in figure.axes if ax.get_visible()]
    assert [ax.get_title() for ax in panels] == ["init_scale 0.5", "init_scale 1", "init_scale 2"]
    solved = result.summary()["solved_fraction"]
    for number, ax in enumerate(panels):
        assert len(ax.lines) == 16
        assert_no_two_lines_look_alike(ax)
        # Config order is init_scale fastest: this panel holds every third config.
        ends = [line.get_ydata()[-1] for line in ax.lines]
        np.testing.assert_allclose(ends, solved[number::3])
        assert ax.get_legend() is None
    [legend] = figure.legends
    assert [t.get_text() for t in legend.get_texts()] == [
        "hidden 2",
        "hidden 3",
        "hidden 4",
        "hidden 8",
        "lr 0.1",
        "lr 0.5",
        "lr 1",
        "lr 2",
    ]
    title = figure._suptitle.get_text()  # (Figure.get_suptitle is new in matplotlib 3.8)
    assert title.startswith("Epochs to solve") and "xor · 100 epochs · bce loss" in title
    assert "epoch" in figure._supxlabel.get_text()
    # A colour and a line style mean the same hidden and lr in every panel.
    looks = [
        [(tuple(line.get_color()), str(line.get_linestyle())) for line in ax.lines]
        for ax in panels
    ]
    assert looks[0] == looks[1] == looks[2]
    assert len({colour for colour, _ in looks[0]}) == 4
    assert len({style for _, style in looks[0]}) == 4


def test_panels_take_the_place_of_the_given_axes():
    result = many_configs(hidden=[2, 3, 4, 8], lr=[0.1, 0.5, 1.0, 2.0], init_scale=[0.5, 1.0])
    figure = Figure(layout="constrained", figsize=(12, 5))
    left, right = figure.subplots(1, 2)
    assert plot.epochs_to_solve(result, ax=right) is figure
    render(figure)
    assert right not in figure.axes and left in figure.axes
    panels = [ax for ax in figure.axes if ax is not left]
    assert [ax.get_title() for ax in panels] == ["init_scale 0.5", "init_scale 1"]
    right_edge = left.get_window_extent().x1
    assert all(ax.get_window_extent().x0 > right_edge for ax in panels)


def test_too_many_curves_for_panels_drop_the_legend_and_say_so():
    grid = {"hidden": list(range(2, 11)), "lr": [0.1, 0.5, 1.0, 2.0, 3.0, 4.0, 5.0]}
    result = many_configs(**grid, init_scale=[0.5, 1.0, 2.0])
    [ax] = render(plot.epochs_to_solve(result)).axes
    assert len(ax.lines) == 189 and ax.get_legend() is None
    assert {str(line.get_linestyle()) for line in ax.lines} == {"-"}
    title = ax.get_title()
    assert "189 configs, hidden 2 dark to 10 light" in title
    assert "lines of one colour differ in lr, init_scale; select a slice" in title
    assert not ax.collections  # no interval bars among so many curves


def test_crowded_curves_keep_a_legend_of_few_colours():
    grid = {
        "lr": [0.1, 0.5, 1.0, 2.0, 3.0, 4.0, 5.0],
        "init_scale": [0.25, 0.5, 1.0, 2.0, 3.0, 4.0, 5.0],
    }
    result = many_configs(hidden=[2, 3], **grid)
    [ax] = plot.epochs_to_solve(result).axes
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["hidden 2", "hidden 3"]
    assert {str(line.get_linestyle()) for line in ax.lines} == {"-"}
    assert "98 configs; lines of one colour differ in lr, init_scale" in ax.get_title()


def test_drawing_into_a_plain_axes_never_splits():
    result = many_configs(hidden=[2, 3, 4, 8], lr=[0.1, 0.5, 1.0, 2.0], init_scale=[0.5, 1.0])
    figure = Figure()
    ax = figure.add_axes((0.1, 0.1, 0.6, 0.8))
    plot.epochs_to_solve(result, ax=ax)
    assert figure.axes == [ax] and len(ax.lines) == 32
    assert {str(line.get_linestyle()) for line in ax.lines} == {"-"}


def test_slices_of_a_crowded_sweep_get_their_legend_back():
    grid = {"hidden": [2, 3, 4, 8], "lr": [0.1, 0.5, 1.0, 2.0], "init_scale": [0.5, 1.0, 2.0]}
    result = many_configs(**grid)
    [ax] = plot.epochs_to_solve(result.where(init_scale=1.0)).axes
    assert len(ax.lines) == 16
    assert_no_two_lines_look_alike(ax)
    assert len(ax.get_legend().get_texts()) == 8


# decision boundary range -------------------------------------------------------

BIPOLAR = np.array([[-1, -1], [-1, 1], [1, -1], [1, 1]], dtype=float)


@pytest.fixture(scope="module")
def bipolar():
    result = xorfast.train(
        BIPOLAR, XOR_TARGETS, hidden=3, lr=1.0, seed=0, epochs=1500, backend="numpy"
    )
    assert result.solved
    return result


def test_decision_boundary_covers_bipolar_inputs(bipolar):
    ax = render(plot.decision_boundary(bipolar, X=BIPOLAR, hidden_lines=True)).axes[0]
    assert ax.get_xlim() == (-2.0, 2.0) and ax.get_ylim() == (-2.0, 2.0)
    assert ax.get_xticks().tolist() == [-2, -1, 0, 1, 2]
    negatives, positives = ax.collections[-2:]
    points = np.concatenate([negatives.get_offsets(), positives.get_offsets()])
    assert len(points) == 4 and np.all(np.abs(points) <= 1)
    x1, x2, values = plot.output_grid(bipolar, X=BIPOLAR, resolution=5)
    assert x1.tolist() == x2.tolist() == [-2, -1, 0, 1, 2]
    for (a, b), target in zip(BIPOLAR, XOR_TARGETS):
        value = values[x2.tolist().index(b), x1.tolist().index(a)]
        assert value == pytest.approx(bipolar.predict([[a, b]])[0, 0])
        assert (value > 0.5) == bool(target)
    assert "Output of the 2-3-1 net" in ax.get_title() and "xor" not in ax.get_title()


def test_input_range_is_a_margin_of_half_the_span(trained):
    assert plot.input_range(XOR_INPUTS) == (plot.INPUT_RANGE, plot.INPUT_RANGE)
    assert plot.input_range([[0, 2], [4, 2]]) == ((-2.0, 6.0), (1.5, 2.5))
    ax = plot.decision_boundary(trained, X=XOR_INPUTS).axes[0]
    assert ax.get_xlim() == plot.INPUT_RANGE
    assert ax.get_xticks().tolist() == [-0.5, 0, 0.5, 1, 1.5]
    with pytest.raises(ValueError, match="X contains NaN"):
        plot.input_range([[0, np.nan], [1, 1]])
    with pytest.raises(ValueError, match=r"X must have shape \(n, 2\)"):
        plot.input_range(np.zeros((0, 2)))


def test_panels_keep_their_text_apart_and_inside_the_figure():
    grid = {"hidden": [2, 3, 4, 8], "lr": [0.1, 0.5, 1.0, 2.0], "init_scale": [0.25, 0.5, 1, 2, 4]}
    figure = render(plot.epochs_to_solve(many_configs(**grid), log_epochs=True))
    renderer = figure.canvas.get_renderer()
    assert figure._suptitle.get_text() and "epoch" in figure._supxlabel.get_text()
    boxes = [figure._suptitle.get_window_extent(renderer)]
    boxes.append(figure._supxlabel.get_window_extent(renderer))
    for ax in figure.axes:
        if not ax.get_visible():
            continue
        texts = [ax.title, ax.xaxis.label, ax.yaxis.label]
        boxes += [t.get_window_extent(renderer) for t in texts if t.get_text()]
        # Tick labels that are drawn: visible ones of ticks inside the axes.
        for labels, along in ((ax.get_xticklabels(), 0), (ax.get_yticklabels(), 1)):
            low, high = ax.bbox.extents[along], ax.bbox.extents[along + 2]
            for label in labels:
                box = label.get_window_extent(renderer)
                inside = low - 1 <= box.get_points()[:, along].mean() <= high + 1
                if label.get_visible() and label.get_text() and inside:
                    boxes.append(box)
    for i, first in enumerate(boxes):
        for second in boxes[i + 1 :]:
            assert not first.overlaps(second), (first, second)
        assert figure.bbox.x0 - 1 <= first.x0 and first.x1 <= figure.bbox.x1 + 1
