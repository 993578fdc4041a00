"""A run's numbers depend only on its config and seed."""

import concurrent.futures
import os
import subprocess
import sys

import numpy as np
import pytest

import xorfast
import xorfast.sweeps.sweeper
from xorfast.sweeps.results import RUN_DTYPE

from .helpers import kill_once_stored, stored_runs

GRID = dict(hidden=[2, 3], lr=[0.5, 1.0], epochs=400)


def assert_tables_identical(a, b):
    """Bit for bit, field by field (NaN equals NaN)."""
    assert len(a) == len(b)
    for name in RUN_DTYPE.names:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name, strict=True)


@pytest.fixture(scope="module")
def baseline():
    return xorfast.sweep(seeds=40, progress=False, **GRID).table


@pytest.mark.parametrize("block_size", [1, 3, 8, 13, 1024])
def test_sweep_independent_of_block_size(baseline, block_size):
    table = xorfast.sweep(seeds=40, progress=False, block_size=block_size, **GRID).table
    assert_tables_identical(table, baseline)


def test_sweep_independent_of_seed_order(baseline):
    order = np.random.default_rng(0).permutation(40)
    table = xorfast.sweep(seeds=order.tolist(), progress=False, **GRID).table
    per_config = 40
    for config in range(4):
        rows = table[config * per_config : (config + 1) * per_config]
        expected = baseline[config * per_config : (config + 1) * per_config][order]
        assert_tables_identical(rows, expected)


@pytest.mark.parametrize(
    "pool",
    [
        concurrent.futures.ThreadPoolExecutor,
        # Each worker process compiles or loads its kernels anew: the exhaustive tier.
        pytest.param(concurrent.futures.ProcessPoolExecutor, marks=pytest.mark.slow),
    ],
)
def test_sweep_independent_of_executor(baseline, pool):
    kwargs = (
        {"mp_context": __import__("multiprocessing").get_context("spawn")}
        if pool is concurrent.futures.ProcessPoolExecutor
        else {}
    )
    with pool(max_workers=2, **kwargs) as executor:
        table = xorfast.sweep(
            seeds=40, progress=False, executor=executor, block_size=16, **GRID
        ).table
    assert_tables_identical(table, baseline)


SWEEP_SCRIPT = """
import sys, numpy as np, xorfast
table = xorfast.sweep(seeds=40, progress=False, hidden=[2, 3], lr=[0.5, 1.0], epochs=400).table
np.save(sys.argv[1], table)
"""


@pytest.mark.slow
@pytest.mark.parametrize("threads", [1, 2])
def test_sweep_independent_of_thread_count(baseline, tmp_path, threads):
    out = tmp_path / "table.npy"
    env = dict(os.environ, NUMBA_NUM_THREADS=str(threads))
    subprocess.run(
        [sys.executable, "-c", SWEEP_SCRIPT, str(out)], env=env, check=True, timeout=300
    )
    assert_tables_identical(np.load(out), baseline)


KILL_SCRIPT = """
import sys, xorfast
xorfast.sweep(seeds=2048, hidden=[2, 4], epochs=20_000, block_size=64, progress=False,
              store=sys.argv[1])
"""


@pytest.mark.slow
def test_sweep_killed_then_resumed_equals_uninterrupted(tmp_path):
    store = tmp_path / "runs.sqlite"
    process = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, str(store)])
    kill_once_stored(process, store, 64, timeout=120)
    done = stored_runs(store)
    assert 64 <= done < 4096, done
    assert done % 64 == 0  # whole blocks only

    kwargs = dict(seeds=2048, hidden=[2, 4], epochs=20_000, block_size=64, progress=False)
    resumed = xorfast.sweep(store=store, **kwargs)
    uninterrupted = xorfast.sweep(**kwargs)
    assert_tables_identical(resumed.table, uninterrupted.table)
    assert stored_runs(store) == 4096
    assert_tables_identical(xorfast.load_sweep(store).table, uninterrupted.table)


def test_resume_skips_finished_runs(tmp_path, monkeypatch):
    store = tmp_path / "runs.sqlite"
    first = xorfast.sweep(seeds=20, epochs=100, store=store, progress=False)

    def fail(block):
        raise AssertionError("a finished run was trained again")

    monkeypatch.setattr(xorfast.sweeps.sweeper, "run_block", fail)
    again = xorfast.sweep(seeds=20, epochs=100, store=store, progress=False)
    assert_tables_identical(again.table, first.table)
