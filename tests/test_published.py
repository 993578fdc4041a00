"""Published results, reproduced: the numbers README shows beside them come from these runs."""

import pytest

import xorfast
from xorfast.sweeps.results import mean_interval

#: Fahlman (1988), CMU-CS-88-162: standard back-propagation on the 10-5-10
#: encoder, 25 trials.
FAHLMAN_MEAN, FAHLMAN_SD, FAHLMAN_MIN, FAHLMAN_MAX, FAHLMAN_TRIALS = 129, 46, 80, 265, 25
FAHLMAN_RULES = dict(
    hidden=5,
    lr=1.7,
    loss="mse",
    reduction="sum",
    init="uniform",
    init_scale=1.0,
    bias_init="same",
    margin=0.4,
    epochs=2000,
)
#: README's row for seeds 0-9,999: mean, SD, min, max.
README_ROW = (126.5, 37.1, 57, 405)


def fahlman_sweep(seeds):
    X, y = xorfast.datasets.load("encoder10")
    return xorfast.sweep(X, y, seeds=seeds, progress=False, **FAHLMAN_RULES).summary()[0]


# The 10-5-10 kernel is compiled for these two tests alone: the exhaustive tier.
@pytest.mark.slow
def test_a_few_hundred_trials_put_fahlmans_mean_inside_their_interval():
    row = fahlman_sweep(400)
    assert row["solved_fraction"] == 1.0
    low, high = mean_interval(row["epoch_solved_mean"], row["epoch_solved_sd"], FAHLMAN_TRIALS)
    assert low < FAHLMAN_MEAN < high
    assert row["epoch_solved_min"] < FAHLMAN_MIN and row["epoch_solved_max"] > FAHLMAN_MAX


@pytest.mark.slow
def test_readmes_fahlman_row_is_what_ten_thousand_seeds_give():
    row = fahlman_sweep(10_000)
    measured = (
        round(float(row["epoch_solved_mean"]), 1),
        round(float(row["epoch_solved_sd"]), 1),
        int(row["epoch_solved_min"]),
        int(row["epoch_solved_max"]),
    )
    assert measured == README_ROW
    low, high = mean_interval(row["epoch_solved_mean"], row["epoch_solved_sd"], FAHLMAN_TRIALS)
    assert (round(low, 1), round(high, 1)) == (111.9, 141.0)
