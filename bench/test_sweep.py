"""Sweeps: the batched kernel against the NumPy reference and a per-seed loop.

The cases are ``xorfast bench``'s (:func:`xorfast.benchmarks.cases`), with
sweeps of 1,000 and 10,000 seeds: 2-4-1 networks on XOR for 10,000 epochs.
Every speed-up is per seed-epoch over the NumPy reference's time per epoch
(shared with "single 2-4-1 xor", measured once in the session). The loop
contender is what a user would write without ``xorfast.sweep``:
``xorfast.train`` once per seed, on fewer seeds (its time per seed does not
depend on how many there are); the sweep's speed-up over it is the ratio of
the two speed-ups. Targets (2,400x float64, 4,800x float32: 10 and 5 ns per
seed-epoch on the project's 2-core machine) are reported, never enforced.
"""

import pytest

from bench._cases import baselines, contenders, ids, of_kind

SWEEPS = of_kind("sweep")
BASELINES = baselines(SWEEPS)
CONTENDERS = contenders(SWEEPS)


@pytest.mark.parametrize(("case", "entry"), BASELINES, ids=ids(BASELINES))
def test_reference(speedup, case, entry):
    speedup.baseline(case)


@pytest.mark.parametrize(("case", "entry"), CONTENDERS, ids=ids(CONTENDERS))
def test_batched_kernel(speedup, case, entry):
    speedup.contender(case, entry)
