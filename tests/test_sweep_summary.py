"""Summary statistics against numbers worked out by hand."""

import dataclasses
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
    assert lines[2].split()[-4:] == ["-", "-", "inf", "0"]  # p90, restarts, diverged


def test_format_summary_shows_momentum_values_that_round_alike_apart():
    # 0.9999999 and 0.99999999 both print as "1" with 6 significant digits.
    spec = make_spec(seeds=2, momentum=[0.9, 0.9999999, 0.99999999])
    table = np.zeros(6, RUN_DTYPE)
    table["config"] = np.repeat([0, 1, 2], 2)
    table["momentum"] = np.repeat(spec.momentum, 2)
    table["max_error"] = 0.9
    lines = SweepResult(spec, table).format_summary().splitlines()
    assert lines[0].split()[0] == "momentum"
    assert [line.split()[0] for line in lines[1:]] == ["0.9", "0.9999999", "0.99999999"]


def test_format_summary_names_a_margin_that_is_not_the_default():
    result = hand_made_result()
    assert result.format_summary().splitlines()[0].split()[2] == "solved"
    narrowed = SweepResult(dataclasses.replace(result.spec, margin=0.3), result.table)
    lines = narrowed.format_summary().splitlines()
    assert lines[0].split()[2] == "solved<0.3"
    assert "50.0%" in lines[1]  # 0.05 .. 0.25: five of the ten runs within 0.3


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
    assert ("run/s" in captured.err and " 16/16 " in captured.err) == shown


def test_where_by_momentum_names_the_values_in_full():
    spec = make_spec(seeds=2, momentum=[0.0, 0.99999999])
    table = np.zeros(4, RUN_DTYPE)
    table["config"] = np.repeat([0, 1], 2)
    table["momentum"] = np.repeat(spec.momentum, 2)
    result = SweepResult(spec, table)
    assert result.where(momentum=0.99999999).spec.momentum == (0.99999999,)
    assert len(result.where(momentum=-0.0)) == 2
    message = "momentum=0.9999999 is not in the sweep's grid; its momentum values are 0, 0.9999"
    with pytest.raises(ValueError, match=message):
        result.where(momentum=0.9999999)


def test_precise_fraction_counts_errors_below_0_1_whatever_the_margin():
    # Config 0 has errors 0.05 and 0.08 below 0.1 (and a diverged run); with a
    # margin of 0.05 neither is solved, but both are still within 0.1.
    result = hand_made_result()
    tight = SweepResult(dataclasses.replace(result.spec, margin=0.05), result.table)
    first = tight.summary()[0]
    assert first["solved"] == 0
    assert first["precise_fraction"] == 0.2
    assert result.summary()[0]["precise_fraction"] == 0.2


def test_a_table_of_the_previous_version_reads_as_momentum_0():
    # A table saved before momentum was a grid axis (np.save(result.table)) has
    # every field but momentum (and updates, added after it); it was run with momentum 0.
    previous = np.dtype([(name, RUN_DTYPE[name]) for name in RUN_DTYPE.names[:-2]])
    assert RUN_DTYPE.names[-2:] == ("momentum", "updates")
    result = hand_made_result()
    old = np.zeros(len(result.table), previous)
    for name in previous.names:
        old[name] = result.table[name]
    again = SweepResult(result.spec, old)
    assert (again.table["momentum"] == 0).all()
    for name in again.summary().dtype.names:
        np.testing.assert_array_equal(again.summary()[name], result.summary()[name])
    with pytest.raises(TypeError, match="table lacks the fields hidden, lr, init_scale, epochs"):
        SweepResult(result.spec, old[["config", "seed"]])
