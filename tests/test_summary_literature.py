"""Mean, SD, min, max and expected epochs with restarts, against numbers worked out by hand.

Fahlman (1988) reports standard back-propagation's epochs over 25 trials as mean,
SD, min and max; these tests pin down the same figures in ``summary()``.
"""

import math

import numpy as np
import pytest

from xorfast.sweeps.results import RUN_DTYPE, SweepResult, mean_interval
from xorfast.sweeps.spec import make_spec

BUDGET = 100
RUNS = 6


def four_configs():
    """Six runs per config, budget 100 epochs.

    hidden 2: 4 solved (10, 20, 30, 60), 1 unsolved, 1 diverged
    hidden 3: 1 solved (42), 5 unsolved
    hidden 4: none solved
    hidden 5: all solved (4, 4, 6, 6, 8, 8)
    """
    spec = make_spec(seeds=RUNS, hidden=[2, 3, 4, 5], epochs=BUDGET)
    table = np.zeros(4 * RUNS, RUN_DTYPE)
    table["config"] = np.repeat(np.arange(4), RUNS)
    table["hidden"] = np.repeat([2, 3, 4, 5], RUNS)
    table["epochs"] = BUDGET
    table["seed"] = np.tile(np.arange(RUNS), 4)
    table["max_error"] = 0.9
    table["epoch_solved"] = -1
    table["max_error"][:6] = [0.2, 0.3, 0.1, 0.4, 0.7, np.nan]
    table["epoch_solved"][:6] = [10, 20, 30, 60, -1, -1]
    table["diverged"][5] = True
    table["max_error"][6] = 0.3
    table["epoch_solved"][6] = 42
    table["max_error"][18:] = 0.2
    table["epoch_solved"][18:] = [4, 4, 6, 6, 8, 8]
    return SweepResult(spec, table)


def test_mean_sd_min_max_and_restarts_of_a_mixed_config():
    row = four_configs().summary()[0]
    assert row["epoch_solved_mean"] == 30  # (10 + 20 + 30 + 60) / 4
    # Sample SD: squared deviations 400 + 100 + 0 + 900 = 1400, over 4 - 1.
    assert row["epoch_solved_sd"] == pytest.approx(math.sqrt(1400 / 3))
    assert (row["epoch_solved_min"], row["epoch_solved_max"]) == (10, 60)
    # p = 4/6: 30 + 100 * (2/6) / (4/6) = 30 + 50.
    assert row["epochs_with_restarts"] == pytest.approx(80)


def test_one_solved_run_has_no_sd():
    row = four_configs().summary()[1]
    assert row["epoch_solved_mean"] == 42
    assert math.isnan(row["epoch_solved_sd"])
    assert (row["epoch_solved_min"], row["epoch_solved_max"]) == (42, 42)
    # p = 1/6: 42 + 100 * 5 = 542.
    assert row["epochs_with_restarts"] == pytest.approx(542)


def test_nothing_solved_never_finishes_with_restarts():
    row = four_configs().summary()[2]
    for name in ("mean", "sd", "min", "max"):
        assert math.isnan(row[f"epoch_solved_{name}"])
    assert row["epochs_with_restarts"] == math.inf


def test_all_solved_needs_no_restart():
    row = four_configs().summary()[3]
    assert row["epoch_solved_mean"] == 6
    # Squared deviations 4 + 4 + 0 + 0 + 4 + 4 = 16, over 6 - 1.
    assert row["epoch_solved_sd"] == pytest.approx(math.sqrt(16 / 5))
    assert (row["epoch_solved_min"], row["epoch_solved_max"]) == (4, 8)
    assert row["epochs_with_restarts"] == 6


def test_existing_columns_come_first_and_keep_their_values():
    summary = four_configs().summary()
    assert summary.dtype.names[:13] == (
        "hidden",
        "lr",
        "init_scale",
        "epochs",
        "runs",
        "solved",
        "solved_fraction",
        "solved_low",
        "solved_high",
        "precise_fraction",
        "epoch_solved_median",
        "epoch_solved_p90",
        "diverged",
    )
    assert summary["solved"].tolist() == [4, 1, 0, 6]
    assert summary["epoch_solved_median"][0] == 25  # middle of 10, 20, 30, 60
    assert summary["diverged"].tolist() == [1, 0, 0, 0]


def test_restarts_cost_the_config_s_own_budget():
    spec = make_spec(seeds=4, epochs=[100, 1000])
    table = np.zeros(8, RUN_DTYPE)
    table["config"] = np.repeat([0, 1], 4)
    table["epochs"] = np.repeat([100, 1000], 4)
    table["seed"] = np.tile(np.arange(4), 2)
    table["max_error"] = [0.1, 0.9, 0.9, 0.9] * 2
    table["epoch_solved"] = [7, -1, -1, -1] * 2
    summary = SweepResult(spec, table).summary()
    # p = 1/4: 7 + budget * 3.
    assert summary["epochs_with_restarts"].tolist() == [307, 3007]


def test_a_config_without_runs_is_undefined():
    # A sweep stopped part way: the second config has no finished run yet.
    spec = make_spec(seeds=2, hidden=[2, 3])
    table = np.zeros(2, RUN_DTYPE)
    table["hidden"] = 2
    table["seed"] = [0, 1]
    table["max_error"] = 0.1
    table["epoch_solved"] = [5, 9]
    row = SweepResult(spec, table).summary()[1]
    assert row["runs"] == 0
    assert math.isnan(row["epoch_solved_mean"]) and math.isnan(row["epochs_with_restarts"])


def test_format_summary_shows_the_literature_statistics():
    lines = four_configs().format_summary().splitlines()
    assert len(lines) == 5
    assert len({len(line) for line in lines}) == 1
    header = " ".join(lines[0].split())
    assert header.endswith("err<0.1 mean ± SD min-max median p90 restarts diverged")
    assert "30 ± 22" in lines[1]  # SD 21.6
    assert "42 ± -" in lines[2]  # no SD of one run
    assert "6 ± 2" in lines[4]  # SD 1.79
    # min-max, median, p90, restarts (30 + 100 * 2 / 4) and the diverged count.
    assert lines[1].split()[-5:] == ["10-60", "25", "51", "80", "1"]  # p90: 30 + 0.7 * 30
    assert lines[2].split()[-5:] == ["42-42", "42", "42", "542", "0"]  # 42 + 100 * 5
    # Nothing solved: no epochs to show, and restarts never reach a solution.
    assert lines[3].split()[-6:] == ["-", "-", "-", "-", "inf", "0"]
    assert lines[4].split()[-5:] == ["4-8", "6", "8", "6", "0"]  # all solved: the mean


def test_format_summary_leaves_out_the_diverged_count_when_none_diverged():
    result = four_configs()
    result.table["diverged"] = False
    lines = result.format_summary().splitlines()
    assert lines[0].split()[-1] == "restarts"
    assert lines[1].split()[-2:] == ["51", "80"]


def test_format_summary_fits_a_terminal():
    """A 10,000-seed sweep of 10,000-epoch runs stays within 100 columns."""
    spec = make_spec(seeds=10_000, hidden=[2, 8], lr=[0.1, 0.5])
    table = np.zeros(4 * 10_000, RUN_DTYPE)
    table["config"] = np.repeat(np.arange(4), 10_000)
    table["max_error"] = 0.1
    table["epoch_solved"] = np.tile(np.arange(10_000) + 1, 4)  # SD sqrt(10_000 * 10_001 / 12)
    table["max_error"][10_000:20_000:3] = 0.9  # one config 66.7% solved
    lines = SweepResult(spec, table).format_summary().splitlines()
    assert "100.0%-100.0%" in lines[1] and " ± 2887" in lines[1]
    # min-max, median, p90 (1 + 0.9 * 9999) and restarts (all solved: the mean, 5000.5).
    assert lines[1].split()[-4:] == ["1-10000", "5000", "9000", "5000"]
    assert max(len(line) for line in lines) <= 100


def test_mean_interval_for_25_trials():
    # Fahlman's 10-5-10 figures: mean 129, SD 46 over 25 trials.
    half = 1.959963984540054 * 46 / 5
    assert mean_interval(129.0, 46.0, trials=25) == pytest.approx((129 - half, 129 + half))
    assert mean_interval(129.0, 46.0, trials=25) == pytest.approx((110.97, 147.03), abs=0.01)
    assert mean_interval(10.0, 2.0, trials=4, z=1.0) == (9.0, 11.0)


def test_mean_interval_of_an_undefined_sd_is_undefined():
    assert all(math.isnan(v) for v in mean_interval(42.0, math.nan, trials=25))


@pytest.mark.parametrize(("trials", "error"), [(0, ValueError), (2.5, TypeError)])
def test_mean_interval_needs_a_whole_number_of_trials(trials, error):
    with pytest.raises(error, match="trials must be"):
        mean_interval(129.0, 46.0, trials=trials)
