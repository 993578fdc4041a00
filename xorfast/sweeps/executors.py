"""Executors that run sweep blocks: checked before any work, given a thread share, failures named.

:func:`xorfast.sweep` accepts any ``concurrent.futures`` executor. This module
decides, before the first block is submitted, whether the one it got can run
blocks at all, and how many threads each block may use there:

- A ``ProcessPoolExecutor`` that forks is refused once this process has
  started GNU OpenMP's threads (a parallel Numba kernel of the user's own on
  the ``omp`` layer; xorfast's kernels are serial and start none): GNU OpenMP
  terminates a child forked after that, so the pool would break at its first
  block. A pool made with
  ``mp_context=multiprocessing.get_context("spawn")`` (or ``"forkserver"``)
  starts clean worker processes and always works.
- Process and thread pools run ``max_workers`` blocks at once, so each block
  gets ``NUMBA_NUM_THREADS // max_workers`` threads (at least one): the pool
  keeps the cores busy without starting more threads than there are cores.
  Dask workers get their share from :class:`xorfast.sweeps.cluster.ThreadBudget`.
- A shut-down or broken executor is refused with a clear error.
"""

import concurrent.futures
import concurrent.futures.process
import sys
from dataclasses import dataclass

import numba

#: What to use instead of a pool that cannot run blocks.
SPAWN_HINT = (
    "ProcessPoolExecutor(mp_context=multiprocessing.get_context('spawn')) (or 'forkserver')"
)


class ExecutorError(RuntimeError):
    """An executor could not run a block: a worker process died, or the pool broke.

    ``cause`` says what happened to which block; the message adds what is
    kept and how to resume.
    """

    def __init__(self, cause, resume):
        super().__init__(f"{cause}. {resume}")
        self.cause = cause


@dataclass(frozen=True)
class Plan:
    """How a sweep uses an executor: blocks it runs at once, threads per block."""

    workers: int
    threads: int | None


def plan(executor):
    """Check that ``executor`` can run blocks, set it up, and say how to use it.

    Raises
    ------
    ValueError
        The executor is shut down or broken, or is a forking process pool
        that this process can no longer fork safely.
    """
    dask = sys.modules.get("distributed.cfexecutor")
    if dask is not None and isinstance(executor, dask.ClientExecutor):
        return _plan_dask(executor)
    if _is_shut_down(executor):
        raise ValueError(
            "executor has been shut down; pass a new one (or none, to run the "
            "sweep in this process)"
        )
    if getattr(executor, "_broken", False):
        raise ValueError(
            f"executor is broken ({executor._broken}); a worker process died "
            "earlier. Pass a new one"
        )
    if isinstance(executor, concurrent.futures.ProcessPoolExecutor):
        _refuse_unsafe_fork(executor)
    workers = getattr(executor, "_max_workers", None)
    if not isinstance(workers, int) or workers < 1:
        # An executor of unknown size: let its blocks use every thread.
        return Plan(workers=numba.config.NUMBA_NUM_THREADS, threads=None)
    return Plan(workers=workers, threads=max(1, numba.config.NUMBA_NUM_THREADS // workers))


def _plan_dask(executor):
    client = executor._client  # ClientExecutor keeps its client only as a private attribute
    if executor._shutdown or client.status in ("closing", "closed"):
        raise ValueError(
            "executor's Dask client is closed; pass client.get_executor() of an open client"
        )
    from .cluster import prepare

    return Plan(workers=prepare(executor) or numba.config.NUMBA_NUM_THREADS, threads=None)


def _is_shut_down(executor):
    # ProcessPoolExecutor says so in _shutdown_thread, ThreadPoolExecutor in _shutdown.
    for attribute in ("_shutdown_thread", "_shutdown"):
        if getattr(executor, attribute, False) is True:
            return True
    return False


def _refuse_unsafe_fork(executor):
    context = getattr(executor, "_mp_context", None)
    if context is None or context.get_start_method() != "fork":
        return
    if getattr(executor, "_processes", None):
        return  # its workers exist already, forked before: they keep working
    if fork_unsafe():
        raise ValueError(
            "executor is a ProcessPoolExecutor that forks its workers, and this process "
            "already runs GNU OpenMP threads (a parallel kernel has run here, e.g. a sweep "
            "without executor), which a forked worker cannot use: it would die at its first "
            f"block. Use {SPAWN_HINT} instead"
        )


def fork_unsafe():
    """Whether a child forked from this process now would be killed by GNU OpenMP."""
    try:
        layer = numba.threading_layer()
    except ValueError:  # no parallel kernel has started Numba's threads here
        return False
    if layer != "omp":
        return False
    from numba.np.ufunc import omppool

    return getattr(omppool, "openmp_vendor", "GNU") == "GNU"


def failure(error, block, resume):
    """An :class:`ExecutorError` for a block whose run raised ``error``, or None if not ours.

    ``resume`` says what is kept and how to go on.
    """
    distributed = sys.modules.get("distributed")
    killed = distributed is not None and isinstance(error, distributed.KilledWorker)
    if not killed and not isinstance(error, concurrent.futures.process.BrokenProcessPool):
        return None
    config = block.config
    what = (
        f"the block of seeds {int(block.seeds[0])}..{int(block.seeds[-1])} of config "
        f"{config.index} (hidden={config.hidden}, lr={config.lr:g}, "
        f"init_scale={config.init_scale:g}, epochs={config.epochs})"
    )
    if killed:
        tries = getattr(error, "allowed_failures", None)
        times = f", {tries + 1} times" if isinstance(tries, int) else ""
        cause = (
            f"Dask workers died while running {what}{times} (distributed.KilledWorker); "
            "the workers' logs say why (often a memory limit; see "
            "https://distributed.dask.org/en/stable/killed.html)"
        )
    else:
        cause = (
            f"a worker process of the executor died while running {what} "
            f"({type(error).__name__}); the pool is unusable now"
        )
    return ExecutorError(cause, resume)
