"""The batched sweep kernel: many seeds of one config at once, vectorised across seeds.

Seeds are processed in *lane groups* of :data:`LANES` seeds. Every array of a
group is laid out structure-of-arrays with the seed as the fastest index
(``W1[(k * H + h) * LANES + lane]``), so each innermost loop runs over
``LANES`` contiguous values and LLVM turns it into vector instructions. Lane
groups are spread over threads with ``prange``; each writes only its own
seeds' outputs. A group that is not full is padded with copies of its last
seed, so every seed goes through exactly the same instructions whatever the
block size, thread count or position: results are bit-identical across them.

Per seed the arithmetic mirrors :func:`xorfast._kernels._train` step for step.
"""

from typing import NamedTuple

import numba
import numpy as np

from ._jit import kernel, parallel_kernel

#: Seeds per lane group: two AVX2 vectors of float64, one of float32.
LANES = 8


class BlockConfig(NamedTuple):
    """The scalars of one config, in the kernel's dtype where they enter the arithmetic."""

    hidden: int
    epochs: int
    lr: float
    scale: float        # 1/n for reduction="mean", 1 for "sum"
    init_scale: float   # float64: weights are drawn in float64, then rounded
    tol: float
    mse_output: bool    # squared-error output error; else cross-entropy
    normal_init: bool   # randn; else uniform(-init_scale, init_scale)
    same_bias: bool     # biases drawn like the weights; else zeros


class RunOutputs(NamedTuple):
    """Per-seed results of a block, one entry per seed."""

    max_error: np.ndarray     # float64
    final_mse: np.ndarray     # float64
    epoch_solved: np.ndarray  # int64, -1 if never
    epoch_tol: np.ndarray     # int64, -1 if never
    diverged: np.ndarray      # bool


def run_outputs(count):
    """Allocate outputs for ``count`` seeds."""
    return RunOutputs(np.empty(count), np.empty(count), np.empty(count, np.int64),
                      np.empty(count, np.int64), np.empty(count, np.bool_))


@kernel
def _sigmoid_flat(values):
    """Replace each ``z`` of a 1-D array by ``1 / (1 + exp(-z))`` without overflow."""
    one = values.dtype.type(1)
    for j in range(values.shape[0]):
        z = values[j]
        e = np.exp(-abs(z))
        s = one / (one + e)
        values[j] = s if z >= 0 else e * s


@kernel
def _draw(normal_init, init_scale):
    """One initial value from the current thread's legacy NumPy stream."""
    if normal_init:
        return np.random.randn() * init_scale
    return np.random.uniform(-init_scale, init_scale)


@kernel
def _initialise(seeds, first, count, inputs, outputs, config, W1, b1, W2, b2):
    """Draw the starting parameters of seeds ``first .. first + LANES`` into lane order.

    Each seed's draws are exactly those of :func:`xorfast.params.initial_params`:
    ``seed(s)``, W1 in C order, W2 in C order, then b1 and b2 if drawn.
    Lanes past ``count`` repeat the last real seed.
    """
    hidden = config.hidden
    for lane in range(LANES):
        seed = seeds[first + min(lane, count - 1)]
        np.random.seed(seed)
        for k in range(inputs):
            for h in range(hidden):
                W1[(k * hidden + h) * LANES + lane] = _draw(config.normal_init, config.init_scale)
        for h in range(hidden):
            for o in range(outputs):
                W2[(h * outputs + o) * LANES + lane] = _draw(config.normal_init,
                                                             config.init_scale)
        for h in range(hidden):
            b1[h * LANES + lane] = _draw(config.normal_init, config.init_scale) \
                if config.same_bias else 0.0
        for o in range(outputs):
            b2[o * LANES + lane] = _draw(config.normal_init, config.init_scale) \
                if config.same_bias else 0.0


@kernel
def _forward(X, W1, b1, W2, b2, hidden, A1, A2):
    """Activations of all lanes: ``A1[(i * H + h) * LANES + lane]``, ``A2`` likewise."""
    rows, inputs = X.shape
    outputs = A2.shape[0] // (rows * LANES)
    for i in range(rows):
        for h in range(hidden):
            at = (i * hidden + h) * LANES
            for lane in range(LANES):
                A1[at + lane] = b1[h * LANES + lane]
            for k in range(inputs):
                x = X[i, k]
                w = (k * hidden + h) * LANES
                for lane in range(LANES):
                    A1[at + lane] += x * W1[w + lane]
    _sigmoid_flat(A1)
    for i in range(rows):
        for o in range(outputs):
            at = (i * outputs + o) * LANES
            for lane in range(LANES):
                A2[at + lane] = b2[o * LANES + lane]
            for h in range(hidden):
                a = (i * hidden + h) * LANES
                w = (h * outputs + o) * LANES
                for lane in range(LANES):
                    A2[at + lane] += A1[a + lane] * W2[w + lane]
    _sigmoid_flat(A2)


@kernel
def _errors(y, A2, squared, largest):
    """Per lane: sum of squared errors and largest absolute error of the outputs in ``A2``."""
    rows, outputs = y.shape
    zero = A2.dtype.type(0)
    for lane in range(LANES):
        squared[lane] = zero
        largest[lane] = zero
    for i in range(rows):
        for o in range(outputs):
            at = (i * outputs + o) * LANES
            target = y[i, o]
            for lane in range(LANES):
                difference = target - A2[at + lane]
                squared[lane] += difference * difference
                size = abs(difference)
                # A NaN, once in `largest`, stays: a diverged lane never counts as solved.
                if size > largest[lane] or size != size:
                    largest[lane] = size


@kernel
def _note_progress(epoch, squared, largest, count, tol, epoch_solved, epoch_tol):
    """Record ``epoch`` as the first solved or below-tol epoch of lanes that just got there."""
    for lane in range(LANES):
        if epoch_solved[lane] < 0 and largest[lane] < 0.5:
            epoch_solved[lane] = epoch
        if epoch_tol[lane] < 0 and squared[lane] / count < tol:
            epoch_tol[lane] = epoch


@kernel
def _train_group(X, y, config, W1, b1, W2, b2, work, epoch_solved, epoch_tol):
    """Train one lane group for ``config.epochs`` epochs, updating the parameters in place."""
    A1, A2, D1, D2, grad, squared, largest = work
    rows, inputs = X.shape
    outputs = y.shape[1]
    hidden = config.hidden
    dtype = W1.dtype.type
    one = dtype(1)
    step = dtype(config.lr) * dtype(config.scale)
    tol = dtype(config.tol)
    count = dtype(rows * outputs)
    for epoch in range(config.epochs):
        _forward(X, W1, b1, W2, b2, hidden, A1, A2)
        _errors(y, A2, squared, largest)
        _note_progress(epoch, squared, largest, count, tol, epoch_solved, epoch_tol)

        for i in range(rows):
            for o in range(outputs):
                at = (i * outputs + o) * LANES
                target = y[i, o]
                for lane in range(LANES):
                    error = A2[at + lane] - target
                    if config.mse_output:
                        error *= A2[at + lane] * (one - A2[at + lane])
                    D2[at + lane] = error

        # The hidden error uses W2 from before this epoch's update.
        for i in range(rows):
            for h in range(hidden):
                at = (i * hidden + h) * LANES
                for lane in range(LANES):
                    grad[lane] = 0
                for o in range(outputs):
                    d = (i * outputs + o) * LANES
                    w = (h * outputs + o) * LANES
                    for lane in range(LANES):
                        grad[lane] += D2[d + lane] * W2[w + lane]
                for lane in range(LANES):
                    a = A1[at + lane]
                    D1[at + lane] = grad[lane] * a * (one - a)

        for h in range(hidden):
            for o in range(outputs):
                w = (h * outputs + o) * LANES
                for lane in range(LANES):
                    grad[lane] = 0
                for i in range(rows):
                    a = (i * hidden + h) * LANES
                    d = (i * outputs + o) * LANES
                    for lane in range(LANES):
                        grad[lane] += A1[a + lane] * D2[d + lane]
                for lane in range(LANES):
                    W2[w + lane] -= step * grad[lane]
        for o in range(outputs):
            for lane in range(LANES):
                grad[lane] = 0
            for i in range(rows):
                d = (i * outputs + o) * LANES
                for lane in range(LANES):
                    grad[lane] += D2[d + lane]
            for lane in range(LANES):
                b2[o * LANES + lane] -= step * grad[lane]
        for k in range(inputs):
            for h in range(hidden):
                w = (k * hidden + h) * LANES
                for lane in range(LANES):
                    grad[lane] = 0
                for i in range(rows):
                    x = X[i, k]
                    d = (i * hidden + h) * LANES
                    for lane in range(LANES):
                        grad[lane] += x * D1[d + lane]
                for lane in range(LANES):
                    W1[w + lane] -= step * grad[lane]
        for h in range(hidden):
            for lane in range(LANES):
                grad[lane] = 0
            for i in range(rows):
                d = (i * hidden + h) * LANES
                for lane in range(LANES):
                    grad[lane] += D1[d + lane]
            for lane in range(LANES):
                b1[h * LANES + lane] -= step * grad[lane]

    # The state after the last update counts as epoch `epochs`.
    _forward(X, W1, b1, W2, b2, hidden, A1, A2)
    _errors(y, A2, squared, largest)
    _note_progress(config.epochs, squared, largest, count, tol, epoch_solved, epoch_tol)


@kernel
def _all_finite(values, lane):
    """True when every entry of ``values`` belonging to ``lane`` is finite."""
    for j in range(lane, values.shape[0], LANES):
        if not np.isfinite(values[j]):
            return False
    return True


@kernel
def _run_group(X, y, seeds, group, config, outputs):
    """Initialise, train and evaluate lane group ``group``; write its seeds' outputs.

    The buffers are allocated here, in a function of their own, so the parallel
    loop that calls this cannot hoist them out and share them between threads.
    """
    rows, inputs = X.shape
    width = y.shape[1]
    hidden = config.hidden
    dtype = X.dtype
    first = group * LANES
    count = min(LANES, seeds.shape[0] - first)
    W1 = np.empty(inputs * hidden * LANES, dtype)
    b1 = np.empty(hidden * LANES, dtype)
    W2 = np.empty(hidden * width * LANES, dtype)
    b2 = np.empty(width * LANES, dtype)
    work = (np.empty(rows * hidden * LANES, dtype), np.empty(rows * width * LANES, dtype),
            np.empty(rows * hidden * LANES, dtype), np.empty(rows * width * LANES, dtype),
            np.empty(LANES, dtype), np.empty(LANES, dtype), np.empty(LANES, dtype))
    epoch_solved = np.full(LANES, -1, np.int64)
    epoch_tol = np.full(LANES, -1, np.int64)
    _initialise(seeds, first, count, inputs, width, config, W1, b1, W2, b2)
    _train_group(X, y, config, W1, b1, W2, b2, work, epoch_solved, epoch_tol)
    A2, squared, largest = work[1], work[5], work[6]
    for lane in range(count):
        run = first + lane
        outputs.max_error[run] = largest[lane]
        outputs.final_mse[run] = squared[lane] / (rows * width)
        outputs.epoch_solved[run] = epoch_solved[lane]
        outputs.epoch_tol[run] = epoch_tol[lane]
        outputs.diverged[run] = not (
            _all_finite(W1, lane) and _all_finite(b1, lane) and _all_finite(W2, lane)
            and _all_finite(b2, lane) and _all_finite(A2, lane))


@parallel_kernel
def _sweep_block(X, y, seeds, config, outputs):
    """Train every seed of ``seeds`` with ``config``; write results to ``outputs``.

    ``X`` and ``y`` carry the run's dtype (float64 or float32). Lane groups run
    on all of Numba's threads; each writes only its own seeds' outputs.
    """
    groups = (seeds.shape[0] + LANES - 1) // LANES
    for group in numba.prange(groups):
        _run_group(X, y, seeds, group, config, outputs)
