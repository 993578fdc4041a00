"""``xorfast.sweep``: many seeds over a grid of configs, in parallel, optionally stored."""

from __future__ import annotations

import concurrent.futures
import contextlib
import itertools
import sys
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
from tqdm import tqdm

from .. import _validation
from ..options import DEFAULT_BLOCK_SIZE, OPTIONS
from . import executors
from .blocks import Recorded, plan_blocks, run_block
from .results import SweepResult, empty_table
from .spec import kept_values, make_spec
from .store import StoreError, open_store

if TYPE_CHECKING:
    from .._typing import (
        Activation,
        BiasInit,
        DType,
        FloatAxis,
        Init,
        IntAxis,
        Loss,
        Reduction,
        Stop,
        StrPath,
        Update,
    )

#: A progress bar appears only for sweeps still running after this many seconds.
PROGRESS_DELAY = 1.0


def sweep(
    X: npt.ArrayLike | None = None,
    y: npt.ArrayLike | None = None,
    *,
    seeds: int | Iterable[int] = OPTIONS.seeds.default,
    hidden: IntAxis = OPTIONS.hidden.default,
    lr: FloatAxis = OPTIONS.lr.default,
    momentum: FloatAxis = OPTIONS.momentum.default,
    epochs: IntAxis = OPTIONS.epochs.default,
    loss: Loss = OPTIONS.loss.default,
    reduction: Reduction = OPTIONS.reduction.default,
    derivative_offset: float = OPTIONS.derivative_offset.default,
    margin: float = OPTIONS.margin.default,
    init: Init = OPTIONS.init.default,
    init_scale: FloatAxis = OPTIONS.init_scale.default,
    bias_init: BiasInit = OPTIONS.bias_init.default,
    dtype: DType = OPTIONS.dtype.default,
    tol: float = OPTIONS.tol.default,
    stop: Stop | None = OPTIONS.stop.default,
    record_every: int = OPTIONS.record_every.default,
    keep_weights: bool = OPTIONS.keep_weights.default,
    activation: Activation | Sequence[Activation] = OPTIONS.activation.default,
    weight_decay: FloatAxis = OPTIONS.weight_decay.default,
    update: Update = OPTIONS.update.default,
    store: StrPath | None = None,
    executor: concurrent.futures.Executor | None = None,
    progress: bool | None = None,
    block_size: int = DEFAULT_BLOCK_SIZE,
) -> SweepResult:
    """Train every (config, seed) pair of a grid and report which converge, and how fast.

    Each run means exactly what :func:`xorfast.train` means with that seed and
    config; its numbers depend only on them (not on threads, block size, seed
    order or executor).

    Parameters
    ----------
    X, y : array_like, optional
        The data set, as for :func:`xorfast.train`; XOR when omitted.
    seeds : int or iterable of int, default 1000
        A count ``n`` (seeds ``0 .. n-1``) or the seeds themselves (unique, >= 0).
    hidden, lr, momentum, init_scale, epochs, activation, weight_decay : value or sequence
        Sequences form a grid: every combination is one config. ``activation``
        (``"sigmoid"`` or ``"tanh"`` hidden units) and ``weight_decay`` (each
        weight's gradient gains ``weight_decay * weight``, biases not decayed)
        as for :func:`xorfast.train`.
    loss, reduction, derivative_offset, margin, init, bias_init, dtype
        As for :func:`xorfast.train`; ``epoch_solved`` and the summary's
        solved runs follow ``margin``.
    update : {"batch", "online", "shuffled"}, default "batch"
        As for :func:`xorfast.train`, one value for the whole sweep: one update
        per epoch, or one per row (rows in order, or with ``"shuffled"`` in an
        order per epoch from the run's seed, so a row equals
        ``train(update="shuffled", seed=s)``). Epoch ``e``'s errors are those
        of the forward pass over all rows at its start.
    tol : float, default 0.01
        ``epoch_tol`` is the first epoch with mean squared error below ``tol``.
    stop : {"solved", "tol"}, optional
        None trains every run for its whole budget ``epochs``. ``"solved"``
        ends a run at its first solved epoch, ``"tol"`` at its first epoch
        with MSE below ``tol``: its row holds that epoch's state, bit for bit
        the fixed-budget run cut there, and ``updates`` says how many updates
        it made. The kernel's lanes freed by stopped runs train the next seeds.
    record_every : int, default 0
        Record each run's mean squared error every ``record_every`` epochs:
        at epochs 0, k, 2k, ... before that epoch's update, exactly as
        ``train(log_every=k).history.mse``, then after the last update (a
        stopped run's, at its stop). ``result.trajectories(**config)`` and
        ``result.trajectory(seed=..., **config)`` read them; the store keeps
        them. Costs 8 bytes per recorded point and run in memory (and about
        as much in the store). 0 records nothing.
    keep_weights : bool, default False
        Keep each run's final W1, b1, W2, b2 (``result.weights(**config)``,
        or ``result.run(seed=..., **config)`` for a TrainResult that
        :func:`xorfast.plot.decision_boundary` takes); the store keeps them.
    store : str or path, optional
        An SQLite file. Finished blocks are written to it as they complete;
        running the same sweep with the same file resumes where it stopped.
        One sweep at a time may write a store. If writing fails (disk full,
        file deleted mid-sweep) the sweep stops with a
        :class:`~xorfast.sweeps.store.StoreError` whose ``result`` holds the runs
        finished so far; the blocks committed before stay in the file.
    executor : concurrent.futures.Executor, optional
        Run blocks on it, with about two blocks per worker in flight: a
        ``ProcessPoolExecutor`` (any start method), a ``ThreadPoolExecutor``,
        or a Dask client's ``get_executor()`` (see :mod:`xorfast.sweeps.cluster`).
        Each block of a pool of ``n`` workers uses ``NUMBA_NUM_THREADS // n``
        threads. A pool that forks (the default ``ProcessPoolExecutor`` on
        Linux) is refused only once a parallel Numba kernel of the caller's own
        has run in this process on GNU OpenMP: its forked workers would die.
        Default: this process, on ``NUMBA_NUM_THREADS`` threads.
    progress : bool, optional
        Show a progress bar on stderr. Default: only for sweeps that take
        longer than about a second.
    block_size : int, default 1024
        Seeds per block of work: the unit of progress, of one store transaction
        and of one executor task. The kernel trains seeds in groups of 64, so
        multiples of 64 waste nothing.

    Returns
    -------
    SweepResult
        ``table`` has one row per run with ``max_error``, ``final_mse``,
        ``epoch_solved`` (first epoch whose forward pass has every output
        within ``margin`` of its target, checked at every epoch, with epoch
        ``epochs`` meaning the state after the last update; -1 if never),
        ``epoch_tol`` (likewise for MSE < tol) and ``diverged``, with the
        meaning of :attr:`xorfast.TrainResult.diverged` (non-finite values, or
        units pinned at exactly 0 or 1; computed by the kernels from the final
        forward pass, exactly as ``train`` decides it), and ``updates``
        (``epochs``, or fewer for a run that stopped early). ``summary()``
        aggregates per config.

    Raises
    ------
    ValueError, TypeError
        A bad argument, before any work. ``epochs`` is at most 2**31 - 2,
        ``hidden`` at most 2**16, and the table (about 97 bytes per run) plus
        the kernels' buffers and what ``record_every`` and ``keep_weights``
        keep at most 4 GiB; also an executor that is shut down, broken or
        cannot fork safely.
    xorfast.sweeps.executors.ExecutorError
        A worker died while running a block (blocks finished before are in
        ``store``; run the same sweep again to resume).

    Examples
    --------
    >>> result = sweep(seeds=64, hidden=[2, 4], epochs=2000, progress=False)
    >>> result.summary()["runs"].tolist()
    [64, 64]
    """
    spec = make_spec(X, y, **OPTIONS.pick("sweep", locals()))
    block_size = _validation.integer("block_size", block_size, minimum=1)
    if progress is not None and not isinstance(progress, bool):
        raise TypeError(f"progress must be True, False or None; got {progress!r}")
    if executor is not None and not callable(getattr(executor, "submit", None)):
        raise TypeError("executor must be a concurrent.futures.Executor (with a submit method)")
    plan = executors.plan(executor) if executor is not None else None

    table = empty_table(spec)
    points, parameters = kept_values(spec)
    curves = np.full((spec.runs, points), np.nan) if spec.record_every else None
    weights = np.full((spec.runs, parameters), np.nan) if spec.keep_weights else None
    opened = open_store(store, spec) if store is not None else contextlib.nullcontext()
    with opened as run_store:
        if run_store is not None:
            pending = run_store.fill(table, curves, weights)
        else:
            pending = np.ones((len(spec.configs), len(spec.seeds)), dtype=bool)
        finished = ~pending.ravel()
        blocks = plan_blocks(spec, pending, block_size)
        with _progress_bar(spec.runs, spec.runs - int(pending.sum()), progress) as bar:
            resume = (
                f"The blocks finished before are saved in {store}; run the same sweep "
                "again to resume"
                if run_store is not None
                else "Nothing was saved; pass store=FILE to keep finished blocks"
            )
            for block, rows in _finished_blocks(blocks, executor, plan, resume):
                extra = rows if isinstance(rows, Recorded) else None
                if extra is not None:
                    rows = extra.rows
                    _place(curves, block.positions, extra.curves)
                    _place(weights, block.positions, extra.weights)
                table[block.positions] = rows
                finished[block.positions] = True
                if run_store is not None:
                    try:
                        if extra is None:
                            run_store.write(rows)
                        else:
                            run_store.write(rows, extra.curves, extra.weights)
                    except StoreError as error:
                        partial = SweepResult(
                            spec,
                            table[finished],
                            None if curves is None else curves[finished],
                            None if weights is None else weights[finished],
                        )
                        raise _with_result(error, partial) from None
                bar.update(len(rows))
    return SweepResult(spec, table, curves, weights)


def _place(kept, positions, values):
    """Copy a block's recorded values (its config's columns) into the sweep's rows."""
    if kept is not None:
        kept[positions, : values.shape[1]] = values


def _with_result(error, result):
    """``error`` carrying the runs finished so far, and saying so."""
    error.result = result
    error.args = (
        f"{error} ({len(result)} of {result.spec.runs} runs finished; "
        "in Python they are returned in this error's .result)",
    )
    return error


def _finished_blocks(blocks, executor, plan, resume):
    """Yield ``(block, rows)`` as blocks finish, in any order."""
    if executor is None:
        for block in blocks:
            yield block, run_block(block)
        return
    # Keep a bounded number of blocks in flight, so a million-run sweep does not
    # turn into a million queued tasks (and their memory) at once, yet every
    # worker has a next block waiting when it finishes one.
    in_flight = max(4, 2 * plan.workers)
    arguments = () if plan.threads is None else (plan.threads,)
    pending = {}
    blocks = iter(blocks)
    try:
        while True:
            for block in itertools.islice(blocks, in_flight - len(pending)):
                pending[executor.submit(run_block, block, *arguments)] = block
            if not pending:
                return
            done, _ = concurrent.futures.wait(pending, return_when="FIRST_COMPLETED")
            # Keep every block that finished before reporting one that failed.
            failed = None
            for future in done:
                block = pending.pop(future)
                error = future.exception()
                if error is None:
                    yield block, future.result()
                elif failed is None:
                    failed = block, error
            if failed is not None:
                block, error = failed
                failure = executors.failure(error, block, resume)
                if failure is None:
                    raise error
                raise failure from None
    finally:
        for future in pending:
            future.cancel()


class _RunBar(tqdm):
    """tqdm that leaves the bar's final state to :meth:`close`, so it is written once.

    tqdm's ``update`` paints the bar whenever enough time has passed, and
    ``close`` paints it again (with the overall rate) before its newline. On a
    terminal the second paint covers the first; stderr sent to a file, a pipe
    or a log kept both copies of the last line.
    """

    def update(self, n=1):
        if self.disable or self.total is None or self.n + n < self.total:
            return super().update(n)
        self.n += n
        now = self._time()
        if self.last_print_t < self.start_t + self.delay <= now:
            # Never painted, and due: close() paints it only once it counts as shown.
            self.last_print_t = now
        return None


def _progress_bar(total, initial, progress):
    # Whole runs (unit_scale would write 16 runs as "16.0" and 1,536 as "1.54k").
    return _RunBar(
        total=total,
        initial=initial,
        unit="run",
        file=sys.stderr,
        disable=progress is False,
        delay=0 if progress else PROGRESS_DELAY,
        desc="sweep",
        dynamic_ncols=True,
    )
