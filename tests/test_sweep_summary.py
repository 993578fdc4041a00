"""Summary statistics against numbers worked out by hand."""

import json
import math

import numpy as np
import pytest

import xorfast
from xorfast.sweeps.results import RUN_DTYPE, SweepResult, wilson_interval
from xorfast.sweeps.spec import make_spec


@pytest.mark.parametrize(
    ("successes", "trials", "low", "high"),
    [
        # Wilson 95% intervals from the closed form (Newcombe 1998, method 3).
        (8, 10, 0.4902, 0.9433),
        (0, 10, 0.0, 0.2775),
        (10, 10, 0.7225, 1.0),
        (81, 263, 0.2553, 0.3662),
    ],
)
def test_wilson_interval(successes, trials, low, high):
    got = wilson_interval(successes, trials)
    assert got == pytest.approx((low, high), abs=5e-5)


def test_wilson_interval_of_nothing_is_undefined():
    assert all(math.isnan(v) for v in wilson_interval(0, 0))


def hand_made_result():
    spec = make_spec(seeds=10, hidden=[2, 3])
    table = np.zeros(20, RUN_DTYPE)
    table["config"] = np.repeat([0, 1], 10)
    table["hidden"] = np.repeat([2, 3], 10)
    table["seed"] = np.tile(np.arange(10), 2)
    # Config 0: 8 solved (errors 0.05 .. 0.40), 1 unsolved, 1 diverged.
    table["max_error"][:10] = [0.05, 0.08, 0.1, 0.2, 0.25, 0.3, 0.35, 0.4, 0.7, np.nan]
    table["epoch_solved"][:10] = [100, 200, 300, 400, 500, 600, 700, 800, -1, -1]
    table["diverged"][9] = True
    # Config 1: nothing solved.
    table["max_error"][10:] = 0.9
    table["epoch_solved"][10:] = -1
    return SweepResult(spec, table)


def test_summary_by_hand():
    summary = hand_made_result().summary()
    first, second = summary
    assert first["runs"] == 10 and first["solved"] == 8
    assert first["solved_fraction"] == 0.8
    assert (first["solved_low"], first["solved_high"]) == pytest.approx((0.4902, 0.9433), abs=5e-5)
    assert first["precise_fraction"] == 0.2  # 0.05 and 0.08 are below 0.1
    assert first["epoch_solved_median"] == 450  # middle of 100 .. 800
    assert first["epoch_solved_p90"] == pytest.approx(730)  # 700 + 0.3 * 100
    assert first["diverged"] == 1
    assert second["solved"] == 0 and second["diverged"] == 0
    assert math.isnan(second["epoch_solved_median"])


def test_format_summary_is_aligned():
    lines = hand_made_result().format_summary().splitlines()
    assert len(lines) == 3
    assert len({len(line) for line in lines}) == 1
    assert "80.0%" in lines[1] and "49.0%-94.3%" in lines[1]
    assert lines[2].split()[-3:] == ["-", "-", "0"]


def test_exports(tmp_path):
    result = xorfast.sweep(seeds=8, epochs=100, lr=[0.1, 0.2], progress=False)
    result.to_csv(tmp_path / "runs.csv")
    lines = (tmp_path / "runs.csv").read_text().splitlines()
    assert lines[0].split(",") == list(RUN_DTYPE.names)
    assert len(lines) == 17
    assert float(lines[1].split(",")[6]) == result.table["max_error"][0]
    result.to_json(tmp_path / "runs.json")
    document = json.loads((tmp_path / "runs.json").read_text())
    assert document["runs"]["seed"] == result.table["seed"].tolist()
    assert document["spec"]["lr"] == [0.1, 0.2]


def test_to_pandas():
    pandas = pytest.importorskip("pandas")
    frame = xorfast.sweep(seeds=4, epochs=10, progress=False).to_pandas()
    assert isinstance(frame, pandas.DataFrame)
    assert list(frame.columns) == list(RUN_DTYPE.names) and len(frame) == 4


@pytest.mark.parametrize(("progress", "shown"), [(True, True), (False, False), (None, False)])
def test_progress_bar_on_stderr_shows_runs_per_second(capsys, progress, shown):
    xorfast.sweep(seeds=16, epochs=10, progress=progress)
    captured = capsys.readouterr()
    assert captured.out == ""
    # None shows a bar only once a sweep has run for about a second; this one is instant.
    assert ("run/s" in captured.err and "16.0/16.0" in captured.err) == shown
