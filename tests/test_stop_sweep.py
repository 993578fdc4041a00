"""Early stop in sweeps: a run that stops is the fixed-budget run cut at its stop epoch.

A lane whose run stops takes the next seed of its share, so these tests also
hold the refill to the per-seed numbers: whatever the block size, threads,
seed order or executor (so whichever lane and moment a seed starts at).
"""

import concurrent.futures
import subprocess
import sys

import numpy as np
import pytest

import xorfast
import xorfast.sweeps.sweeper
from xorfast import reference
from xorfast._compiled import modules, sweep_unrolled
from xorfast.params import initial_params
from xorfast.sweeps import blocks
from xorfast.sweeps.results import RUN_DTYPE, SweepResult

from .helpers import kill_once_stored, stored_runs
from .test_sweep_invariants import assert_tables_identical

# lr 2 on XOR: most runs solve within the budget, some never do (they run it all).
GRID = dict(hidden=[2, 3], lr=[2.0], epochs=500, progress=False)
SEEDS = 48
TOL = 0.05


def stop_epoch(table, stop):
    return table["epoch_solved" if stop == "solved" else "epoch_tol"]


@pytest.fixture(params=["unrolled", "generic"])
def kernel(request, monkeypatch):
    if request.param == "generic":
        monkeypatch.setattr(sweep_unrolled, "MAX_UNROLLED_TERMS", 0)
        monkeypatch.setattr(modules, "_loaded", {})
    return request.param


def assert_cut_at_stop_epoch(stopped, fixed, stop, kwargs):
    """``stopped`` (a stop sweep) against ``fixed`` (the same sweep, fixed budget)."""
    epochs = kwargs["epochs"]
    at = stop_epoch(fixed, stop)
    np.testing.assert_array_equal(stop_epoch(stopped, stop), at)
    np.testing.assert_array_equal(stopped["updates"], np.where(at >= 0, at, epochs))
    assert (fixed["updates"] == epochs).all()
    assert 0 < (at >= 0).sum() < len(at), "the case should have runs that stop and some not"
    # Each run equals a fixed-budget run of exactly as many epochs as it made.
    for hidden in kwargs["hidden"]:
        for updates in np.unique(stopped["updates"][stopped["hidden"] == hidden]):
            mine = (stopped["hidden"] == hidden) & (stopped["updates"] == updates)
            cut = xorfast.sweep(
                **{**kwargs, "hidden": hidden, "epochs": int(updates)},
                seeds=stopped["seed"][mine].tolist(),
            ).table
            for name in ["max_error", "final_mse", "diverged", "epoch_solved", "epoch_tol"]:
                np.testing.assert_array_equal(
                    stopped[name][mine], cut[name], err_msg=f"{name}, {updates} updates"
                )


@pytest.mark.parametrize("stop", ["solved", "tol"])
# The momentum stop kernels compile for this test alone: the exhaustive tier. So does the
# generic stop kernel (about 6 s from cold): everyday, the generic kernel stops (with
# momentum, recording, tanh and decay) in test_sweep_rules_15's
# test_both_rules_with_momentum_stop_and_recording_equal_train[generic-float64].
@pytest.mark.parametrize("momentum", [0.0, pytest.param(0.5, marks=pytest.mark.slow)])
@pytest.mark.parametrize(
    "kernel", ["unrolled", pytest.param("generic", marks=pytest.mark.slow)], indirect=True
)
def test_a_stopped_run_is_the_fixed_budget_run_cut_at_its_stop_epoch(kernel, stop, momentum):
    kwargs = dict(GRID, momentum=momentum, tol=TOL)
    fixed = xorfast.sweep(seeds=SEEDS, **kwargs).table
    stopped = xorfast.sweep(seeds=SEEDS, stop=stop, **kwargs).table
    assert_cut_at_stop_epoch(stopped, fixed, stop, kwargs)


# The generic float32 stop kernel is compiled for this case alone: the exhaustive tier.
@pytest.mark.parametrize(
    "kernel", ["unrolled", pytest.param("generic", marks=pytest.mark.slow)], indirect=True
)
def test_float32_runs_stop_where_the_fixed_budget_solves(kernel):
    # 2-2-1 alone: the float32 sweep other tests compile (2-3-1 would be this test's own).
    kwargs = dict(GRID, hidden=[2], dtype="float32")
    fixed = xorfast.sweep(seeds=SEEDS, **kwargs).table
    stopped = xorfast.sweep(seeds=SEEDS, stop="solved", **kwargs).table
    assert_cut_at_stop_epoch(stopped, fixed, "solved", kwargs)


def test_a_stopped_run_equals_the_reference_cut_at_its_stop_epoch():
    table = xorfast.sweep(seeds=[0, 1, 2, 5], stop="solved", **GRID).table
    X, y = xorfast.datasets.xor()
    for row in table:
        params = initial_params(2, int(row["hidden"]), 1, seed=int(row["seed"]))
        expected = reference.epoch_solved(X, y, params, lr=2.0, epochs=500)
        assert row["epoch_solved"] == expected
        assert row["updates"] == (expected if expected >= 0 else 500)
        trained, _ = reference.train(X, y, params, lr=2.0, epochs=int(row["updates"]))
        A2 = reference.forward(X, trained)[1]
        np.testing.assert_allclose(row["final_mse"], np.mean((A2 - y) ** 2), rtol=1e-9)
        np.testing.assert_allclose(row["max_error"], np.abs(A2 - y).max(), rtol=1e-9)


@pytest.fixture(scope="module")
def baseline():
    return xorfast.sweep(seeds=150, stop="solved", momentum=[0.0, 0.5], **GRID).table


@pytest.mark.parametrize("block_size", [1, 13, 64, 65, 1024])
def test_stop_sweep_is_independent_of_block_size(baseline, block_size):
    table = xorfast.sweep(
        seeds=150, stop="solved", momentum=[0.0, 0.5], block_size=block_size, **GRID
    ).table
    assert_tables_identical(table, baseline)


@pytest.mark.parametrize("threads", [1, 2])
def test_stop_sweep_is_independent_of_threads_and_seed_order(baseline, threads):
    order = np.random.default_rng(threads).permutation(150)
    blocks.set_thread_budget(threads)
    try:
        table = xorfast.sweep(
            seeds=order.tolist(), stop="solved", momentum=[0.0, 0.5], **GRID
        ).table
    finally:
        blocks.set_thread_budget(None)
    for config in range(4):
        mine = table[table["config"] == config]
        theirs = baseline[baseline["config"] == config]
        assert_tables_identical(mine[np.argsort(mine["seed"])], theirs)


def test_stop_sweep_is_independent_of_a_thread_pool(baseline):
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        table = xorfast.sweep(
            seeds=150, stop="solved", momentum=[0.0, 0.5], executor=pool, block_size=40, **GRID
        ).table
    assert_tables_identical(table, baseline)


def test_without_stop_every_run_makes_its_whole_budget():
    table = xorfast.sweep(seeds=5, hidden=2, epochs=[3, 7], progress=False).table
    np.testing.assert_array_equal(table["updates"], [3] * 5 + [7] * 5)
    # Appended: CSV columns keep their places (issue 15's axes came after).
    assert RUN_DTYPE.names[-3:] == ("updates", "activation", "weight_decay")


def test_a_table_saved_before_stop_reads_as_whole_budgets():
    result = xorfast.sweep(seeds=3, hidden=2, epochs=9, progress=False)
    previous = np.dtype([(n, RUN_DTYPE[n]) for n in RUN_DTYPE.names if n != "updates"])
    old = np.zeros(len(result.table), previous)
    for name in previous.names:
        old[name] = result.table[name]
    again = SweepResult(result.spec, old)
    assert (again.table["updates"] == 9).all()


def test_interrupted_stop_sweep_resumes_losing_nothing(tmp_path, monkeypatch):
    store = tmp_path / "runs.sqlite"
    kwargs = dict(seeds=150, stop="tol", tol=TOL, block_size=20, **GRID)
    calls = []
    run_block = xorfast.sweeps.sweeper.run_block

    def interrupted(block, *args, **kw):
        calls.append(block)
        if len(calls) == 4:
            raise KeyboardInterrupt
        return run_block(block, *args, **kw)

    monkeypatch.setattr(xorfast.sweeps.sweeper, "run_block", interrupted)
    with pytest.raises(KeyboardInterrupt):
        xorfast.sweep(store=store, **kwargs)
    monkeypatch.setattr(xorfast.sweeps.sweeper, "run_block", run_block)
    assert len(xorfast.load_sweep(store)) == 60
    resumed = xorfast.sweep(store=store, **kwargs)
    uninterrupted = xorfast.sweep(**kwargs)
    assert_tables_identical(resumed.table, uninterrupted.table)
    assert (uninterrupted.table["updates"] < 500).any()
    assert_tables_identical(xorfast.load_sweep(store).table, uninterrupted.table)


# Blocks of 64 seeds: a block with a run that never solves trains for the whole
# 200,000-epoch budget (about a tenth of a second), so the kill lands mid-sweep.
KILLED = dict(seeds=1024, hidden=[2, 4], lr=0.5, epochs=200_000, block_size=64)
KILLED_ARGV = [
    "sweep",
    "--seeds",
    "1024",
    "--hidden",
    "2",
    "4",
    "--lr",
    "0.5",
    "--epochs",
    "200000",
    "--block-size",
    "64",
    "--stop",
    "solved",
    "--no-progress",
    "--store",
]


@pytest.mark.slow  # a subprocess killed mid-sweep, and the sweep run twice more
def test_cli_stop_sweep_killed_then_resumed_loses_nothing(tmp_path, monkeypatch, capsys):
    from xorfast.cli import main

    store = tmp_path / "runs.sqlite"
    argv = [*KILLED_ARGV, str(store)]
    process = subprocess.Popen([sys.executable, "-m", "xorfast", *argv])
    kill_once_stored(process, store, 64, timeout=120)
    assert process.returncode == -9  # killed, not finished
    done = stored_runs(store)
    assert 64 <= done < 2048 and done % 64 == 0, done  # whole blocks only
    kept = xorfast.load_sweep(store).table

    trained = []
    run_block = xorfast.sweeps.sweeper.run_block
    monkeypatch.setattr(
        xorfast.sweeps.sweeper,
        "run_block",
        lambda block, *args: trained.append(len(block.seeds)) or run_block(block, *args),
    )
    assert main(argv) == 0
    capsys.readouterr()
    assert sum(trained) == 2048 - done  # the missing runs, each once
    monkeypatch.setattr(xorfast.sweeps.sweeper, "run_block", run_block)
    uninterrupted = xorfast.sweep(stop="solved", progress=False, **KILLED).table
    resumed = xorfast.load_sweep(store).table
    assert_tables_identical(resumed, uninterrupted)
    # The killed process's runs, unchanged: row config * 1024 + seed of the full table.
    assert len(kept) == done
    assert_tables_identical(kept, uninterrupted[kept["config"] * 1024 + kept["seed"]])
    updates = uninterrupted["updates"]
    assert (updates < 200_000).any() and (updates == 200_000).any()
