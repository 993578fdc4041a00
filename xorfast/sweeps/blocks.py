"""Blocks: the unit of sweep work, a pure function of (problem, config, seeds).

A block carries only what its runs need (the data set, one config, a slice of
seeds), so it is cheap to ship to another process or machine, and any worker
can run any block: :func:`run_block` has no state and no side effects.

Thread budget: by default a block's kernel runs on ``NUMBA_NUM_THREADS``
Python threads (all the cores unless that variable says otherwise), which is
right for a sweep in this process. A process that runs several blocks at once
(a Dask worker runs one per worker thread) calls :func:`set_thread_budget` so
that each block uses only its share and the process never starts more threads
than the cores it was given; a pool's share is passed per call. The kernels
are serial (no ``parallel=True``), so Numba's threading layer is never started
and blocks on several threads never wait for each other.
"""

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from .. import _validation
from .._compiled import jit, sweep_kernel, sweep_unrolled
from ..params import glorot_limit
from .results import RUN_DTYPE, recorded_points
from .spec import Config, state_size


@dataclass(frozen=True, eq=False)
class Problem:
    """The part of a sweep specification shared by all of its blocks."""

    X: np.ndarray
    y: np.ndarray
    loss: str
    reduction: str
    derivative_offset: float
    update: str
    margin: float
    init: str
    bias_init: str
    dtype: str
    tol: float
    stop: str | None
    record_every: int = 0
    keep_weights: bool = False

    @classmethod
    def from_spec(cls, spec):
        """The shared part of ``spec``."""
        return cls(
            spec.X,
            spec.y,
            spec.loss,
            spec.reduction,
            spec.derivative_offset,
            spec.update,
            spec.margin,
            spec.init,
            spec.bias_init,
            spec.dtype,
            spec.tol,
            spec.stop,
            spec.record_every,
            spec.keep_weights,
        )


@dataclass(frozen=True, eq=False)
class Block:
    """Seeds ``seeds`` of config ``config``; ``positions`` locate them in the sweep's table."""

    problem: Problem
    config: Config
    seeds: np.ndarray
    positions: np.ndarray


class Recorded(NamedTuple):
    """What :func:`run_block` returns for a sweep that keeps more than each run's row."""

    rows: np.ndarray  # RUN_DTYPE
    #: float64 (runs, T): MSE at epochs 0, k, 2k, ... (k = record_every) before
    #: that epoch's update, then after the last update, then NaN for a run that
    #: stopped early; (runs, 0) without record_every.
    curves: np.ndarray
    #: float64 (runs, parameters): W1 (C order), b1, W2 (C order), b2 after
    #: training; (runs, 0) without keep_weights.
    weights: np.ndarray


#: Threads one :func:`run_block` call may use; None means ``NUMBA_NUM_THREADS``.
_thread_budget = None


def set_thread_budget(threads):
    """Let each later :func:`run_block` call in this process use at most ``threads`` threads.

    ``None`` restores the default, ``NUMBA_NUM_THREADS``. The budget changes
    speed only, never results: the kernel's numbers do not depend on threads.
    """
    global _thread_budget
    _thread_budget = (
        None if threads is None else _validation.integer("threads", threads, minimum=1)
    )


def run_block(block, threads=None):
    """Train every run of ``block`` and return its rows (a :data:`RUN_DTYPE` array).

    A sweep with ``record_every`` or ``keep_weights`` gets a :class:`Recorded`
    instead: the rows, each run's recorded errors and its final weights.

    ``threads`` caps the threads of this call (a pool's share per
    block); None leaves the process's budget (:func:`set_thread_budget`).
    """
    problem, config = block.problem, block.config
    dtype = np.dtype(problem.dtype)
    X = np.ascontiguousarray(problem.X, dtype=dtype)
    y = np.ascontiguousarray(problem.y, dtype=dtype)
    # An online update's gradient is one row's: no 1/n.
    scale = 1 / X.shape[0] if problem.reduction == "mean" and problem.update == "batch" else 1.0
    inputs, outputs = X.shape[1], y.shape[1]
    if problem.init == "glorot":
        scales = (
            glorot_limit(inputs, config.hidden, config.init_scale),
            glorot_limit(config.hidden, outputs, config.init_scale),
        )
    else:
        scales = (config.init_scale, config.init_scale)
    kernel_config = sweep_kernel.BlockConfig(
        hidden=config.hidden,
        epochs=config.epochs,
        lr=config.lr,
        scale=scale,
        init_scale=scales[0],
        init_scale_2=scales[1],
        tol=problem.tol,
        mse_output=problem.loss == "mse",
        normal_init=problem.init == "normal",
        same_bias=problem.bias_init == "same",
        momentum=config.momentum,
        derivative_offset=problem.derivative_offset,
        margin=problem.margin,
        weight_decay=config.weight_decay,
    )
    seeds = np.ascontiguousarray(block.seeds, dtype=np.int64)
    outputs = sweep_kernel.run_outputs(len(seeds))
    # Runs without early stop make the whole budget of updates.
    updates = np.full(len(seeds), config.epochs, dtype=np.int64)
    every = problem.record_every
    record = bool(every) or problem.keep_weights
    points = recorded_points(config.epochs, every)
    curves = np.empty((len(seeds), points))
    parameters = state_size(inputs, config.hidden, y.shape[1])
    weights = np.empty((len(seeds), parameters if problem.keep_weights else 0), dtype)
    if len(seeds):
        # Momentum and early stop have kernels of their own, so a config without
        # them runs plain descent for its fixed budget, unchanged.
        sweep_block = sweep_unrolled.block_kernel(
            X.shape[1],
            config.hidden,
            y.shape[1],
            X.shape[0],
            config.momentum != 0,
            problem.stop is not None,
            record,
            tanh=config.activation == "tanh",
            decay=config.weight_decay != 0,
            update=problem.update,
        )
        if problem.stop is None:
            arguments = (X, y, seeds, kernel_config, outputs)
        else:
            stop_at = 0 if problem.stop == "solved" else sweep_kernel.LANES  # its row of P
            arguments = (X, y, seeds, kernel_config, stop_at, None, outputs, updates)
        if record:
            arguments += (every, curves, weights)
        budget = (
            _thread_budget
            if threads is None
            else _validation.integer("threads", threads, minimum=1)
        )
        with sweep_kernel.thread_budget(budget):
            # The first call compiles or loads the kernel; a damaged cache is repaired.
            jit.repairing_cache(lambda: sweep_block(*_with_threads(arguments)))
    rows = np.zeros(len(seeds), dtype=RUN_DTYPE)
    rows["config"] = config.index
    rows["hidden"] = config.hidden
    rows["lr"] = config.lr
    rows["momentum"] = config.momentum
    rows["init_scale"] = config.init_scale
    rows["epochs"] = config.epochs
    rows["activation"] = config.activation
    rows["weight_decay"] = config.weight_decay
    rows["seed"] = seeds
    for name, values in zip(sweep_kernel.RunOutputs._fields, outputs):
        rows[name] = values
    rows["updates"] = updates
    if record:
        return Recorded(rows, curves, weights.astype(np.float64))
    return rows


def _with_threads(arguments):
    """The kernel's arguments, an early-stop kernel's with the threads it may use now."""
    if len(arguments) < 6 or arguments[5] is not None:  # no early stop: no threads to set
        return arguments
    # Within thread_budget: the budget of this call. One share of seeds per thread.
    return (*arguments[:5], sweep_kernel._threads(), *arguments[6:])


def plan_blocks(spec, pending, block_size):
    """Split the runs still to do into blocks of at most ``block_size`` seeds.

    ``pending`` is a boolean array (configs, seeds): True where a run is still
    to do. Blocks never mix configs.
    """
    problem = Problem.from_spec(spec)
    per_config = len(spec.seeds)
    for config in spec.configs:
        todo = np.flatnonzero(pending[config.index])
        for start in range(0, len(todo), block_size):
            chosen = todo[start : start + block_size]
            yield Block(problem, config, spec.seeds[chosen], config.index * per_config + chosen)
