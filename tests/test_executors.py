"""Sweeps on process and thread pools: equal to local sweeps, or refused before any work."""

import concurrent.futures
import concurrent.futures.process
import multiprocessing
import os
import subprocess
import sys
import textwrap

import numba
import numpy as np
import pytest

import xorfast
from xorfast._compiled import sweep_kernel
from xorfast.sweeps import blocks, executors

from .helpers import block_recording_threads
from .test_sweep_invariants import assert_tables_identical

SMALL = dict(seeds=48, hidden=[2, 3], lr=0.5, epochs=300, block_size=16, progress=False)
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_python(code, **env):
    environment = dict(os.environ, PYTHONPATH=REPO, **env)
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=240,
        env=environment,
        cwd=REPO,
    )


@numba.njit(parallel=True)
def _parallel_sum(values):
    total = 0.0
    for i in numba.prange(values.shape[0]):
        total += values[i]
    return total


@pytest.fixture
def omp_started():
    """This process has run a parallel kernel of its own (the user's, not xorfast's)."""
    _parallel_sum(np.ones(1000))
    if numba.threading_layer() != "omp" or not executors.fork_unsafe():
        pytest.skip("needs Numba's GNU OpenMP threading layer")


@pytest.mark.parametrize("context", ["fork", None])
def test_forking_pool_after_a_parallel_kernel_is_refused_before_any_work(
    omp_started, tmp_path, context
):
    if context is None and multiprocessing.get_start_method() != "fork":
        pytest.skip("the default start method does not fork here")
    store = tmp_path / "runs.sqlite"
    mp_context = multiprocessing.get_context(context) if context else None
    with concurrent.futures.ProcessPoolExecutor(2, mp_context=mp_context) as pool:
        with pytest.raises(ValueError, match=r"forks its workers.*get_context\('spawn'\)"):
            xorfast.sweep(executor=pool, store=store, **SMALL)
        assert not pool._processes  # nothing was forked
    assert not store.exists()


def test_local_sweep_starts_no_numba_threads_and_a_forking_pool_works_after_it():
    # xorfast's kernels are serial and run on Python threads, so a local sweep
    # must not start Numba's threading layer (GNU OpenMP would make every later
    # forked child die): a forking pool after it runs and matches it.
    completed = run_python("""
        import concurrent.futures, multiprocessing, numba, numpy as np, xorfast
        SMALL = dict(seeds=48, hidden=[2, 3], lr=0.5, epochs=300, block_size=16,
                     progress=False)
        if __name__ == "__main__":
            local = xorfast.sweep(**SMALL).table
            stopped = xorfast.sweep(stop="solved", **SMALL).table
            try:
                numba.threading_layer()
            except ValueError:
                print("no-layer")
            context = multiprocessing.get_context("fork")
            with concurrent.futures.ProcessPoolExecutor(2, mp_context=context) as pool:
                pooled = xorfast.sweep(executor=pool, **SMALL).table
            assert all(np.array_equal(pooled[n], local[n]) for n in local.dtype.names)
            print("ok")
    """)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.split() == ["no-layer", "ok"]


@pytest.mark.slow
def test_spawned_pool_after_a_local_sweep_matches_it():
    # In a fresh process, as a user's script: a local sweep first.
    completed = run_python("""
        import concurrent.futures, multiprocessing, numpy as np, xorfast
        SMALL = dict(seeds=48, hidden=[2, 3], lr=0.5, epochs=300, block_size=16,
                     progress=False)
        if __name__ == "__main__":
            local = xorfast.sweep(**SMALL).table
            for method in ("spawn", "forkserver"):
                context = multiprocessing.get_context(method)
                with concurrent.futures.ProcessPoolExecutor(2, mp_context=context) as pool:
                    pooled = xorfast.sweep(executor=pool, **SMALL).table
                assert all(np.array_equal(pooled[n], local[n]) for n in local.dtype.names)
                print(method, "ok")
    """)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.split() == ["spawn", "ok", "forkserver", "ok"]


def test_thread_pool_under_workqueue_layer_matches_local_sweep():
    # workqueue aborts the process (exit 134) on overlapping parallel launches;
    # xorfast launches none, so a user's choice of that layer changes nothing.
    completed = run_python(
        """
        import concurrent.futures, threading, numba, numpy as np, xorfast
        SMALL = dict(seeds=96, hidden=[2, 3], lr=0.5, epochs=3000, block_size=8,
                     progress=False)
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            pooled = xorfast.sweep(executor=pool, **SMALL).table
        local = xorfast.sweep(**SMALL).table
        assert all(np.array_equal(pooled[n], local[n]) for n in local.dtype.names)
        # Two sweeps of this process's own threads at once, too.
        tables = [None, None]
        def run(i):
            tables[i] = xorfast.sweep(**SMALL).table
        threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert all(np.array_equal(t[n], local[n]) for t in tables for n in local.dtype.names)
        print("ok")
    """,
        NUMBA_THREADING_LAYER="workqueue",
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.split() == ["ok"]


def test_thread_pool_matches_local_sweep():
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        pooled = xorfast.sweep(executor=pool, **SMALL)
    assert_tables_identical(pooled.table, xorfast.sweep(**SMALL).table)


class RecordingPool(concurrent.futures.ThreadPoolExecutor):
    def __init__(self, workers):
        super().__init__(workers)
        self.calls = []

    def submit(self, fn, *args):
        self.calls.append(args[1:])
        return super().submit(fn, *args)


@pytest.mark.parametrize("workers", [1, 2, 64])
def test_pool_blocks_get_a_share_of_the_threads(workers):
    with RecordingPool(workers) as pool:
        xorfast.sweep(executor=pool, **SMALL)
    share = max(1, numba.config.NUMBA_NUM_THREADS // workers)
    assert pool.calls and set(pool.calls) == {(share,)}


def test_run_block_threads_argument_caps_one_call(monkeypatch):
    block, seen = block_recording_threads(monkeypatch)
    before = sweep_kernel._threads()
    blocks.run_block(block, 1)
    blocks.run_block(block)
    assert seen == [1, before]
    with pytest.raises(ValueError, match="threads must be >= 1; got 0"):
        blocks.run_block(block, 0)


@pytest.mark.parametrize(
    "make",
    [
        lambda: concurrent.futures.ThreadPoolExecutor(2),
        lambda: concurrent.futures.ProcessPoolExecutor(
            2, mp_context=multiprocessing.get_context("spawn")
        ),
    ],
)
def test_shut_down_executor_is_refused_clearly(make, tmp_path):
    pool = make()
    pool.shutdown()
    with pytest.raises(ValueError, match="executor has been shut down; pass a new one"):
        xorfast.sweep(executor=pool, store=tmp_path / "runs.sqlite", **SMALL)
    assert not (tmp_path / "runs.sqlite").exists()


class FailingPool(concurrent.futures.Executor):
    """Runs the first ``good`` blocks, then fails every other with ``error``."""

    def __init__(self, error, good):
        self.error, self.good = error, good

    def submit(self, fn, *args):
        future = concurrent.futures.Future()
        if self.good > 0:
            self.good -= 1
            future.set_result(fn(*args))
        else:
            future.set_exception(self.error)
        return future


def test_dead_pool_worker_is_named_and_finished_blocks_kept(tmp_path):
    store = tmp_path / "runs.sqlite"
    broken = concurrent.futures.process.BrokenProcessPool("a process died")
    with pytest.raises(executors.ExecutorError) as caught:
        xorfast.sweep(executor=FailingPool(broken, 4), store=store, **SMALL)
    message = str(caught.value)
    assert "a worker process of the executor died while running the block of seeds" in message
    assert f"The blocks finished before are saved in {store}" in message
    assert "run the same sweep again to resume" in message
    assert len(xorfast.load_sweep(store)) == 4 * 16
    resumed = xorfast.sweep(store=store, **SMALL)
    assert_tables_identical(resumed.table, xorfast.sweep(**SMALL).table)


def test_dead_pool_worker_without_store_says_nothing_was_saved():
    broken = concurrent.futures.process.BrokenProcessPool("a process died")
    with pytest.raises(executors.ExecutorError, match="Nothing was saved; pass store=FILE"):
        xorfast.sweep(executor=FailingPool(broken, 0), **SMALL)


def test_errors_of_the_block_itself_are_not_disguised():
    with pytest.raises(ZeroDivisionError):
        xorfast.sweep(executor=FailingPool(ZeroDivisionError("in a block"), 1), **SMALL)
