"""Blocks are frozen values that any worker can run."""

import dataclasses

import numpy as np
import pytest

from xorfast.sweeps import blocks
from xorfast.sweeps.spec import make_spec


def test_blocks_are_frozen_and_hashable_by_identity():
    spec = make_spec(seeds=4, hidden=[2, 3], epochs=10)
    block, other = list(blocks.plan_blocks(spec, np.ones((2, 4), bool), 4))
    with pytest.raises(dataclasses.FrozenInstanceError):
        block.seeds = np.arange(3)
    with pytest.raises(dataclasses.FrozenInstanceError):
        block.problem.loss = "mse"
    # Compared and hashed by identity, never by their arrays.
    assert len({block, other, block.problem}) == 3
    assert block == block and block != other
    assert block.problem is other.problem
