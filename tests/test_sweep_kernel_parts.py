"""Pieces of the batched sweep kernel that whole sweeps rarely reach."""

import numpy as np
import pytest

import xorfast
from xorfast._compiled import sweep_kernel

from .test_sweep_invariants import assert_tables_identical

LANES = sweep_kernel.LANES


def test_lane_finite_looks_at_every_row_of_its_own_lane_only():
    S = np.ones(3 * LANES)
    S[2 * LANES + 5] = np.inf  # the last row of lane 5
    S[0 * LANES + 7] = np.nan  # the first row of lane 7
    finite = [sweep_kernel._lane_finite(S, lane) for lane in range(LANES)]
    assert finite == [lane not in (5, 7) for lane in range(LANES)]


@pytest.mark.parametrize("hidden", [2, 30], ids=["unrolled kernel", "generic kernel"])
def test_runs_in_later_and_partial_lane_groups_equal_runs_alone(hidden):
    """Two full lane groups and one seed left over, against one seed per block."""
    kwargs = dict(seeds=2 * LANES + 1, hidden=hidden, lr=2.0, epochs=40, progress=False)
    grouped = xorfast.sweep(**kwargs).table
    alone = xorfast.sweep(block_size=1, **kwargs).table
    assert_tables_identical(grouped, alone)
    assert len(np.unique(grouped["final_mse"])) == len(grouped)  # every seed its own run
