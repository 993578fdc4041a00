"""The batched sweep kernel: many seeds of one config at once, vectorised across seeds.

Seeds are processed in *lane groups* of :data:`LANES` seeds. A group's
parameters live in one flat array ``S`` laid out structure-of-arrays with the
seed as the fastest index: parameter row ``r`` of lane ``l`` is
``S[r * LANES + l]``, rows ordered W1 (C order), b1, W2 (C order), b2. Each
innermost loop runs over the ``LANES`` contiguous values of one row, so LLVM
turns it into vector instructions. Lane groups are spread over threads, in
one contiguous share per thread, each share trained by one call of a serial
kernel (:func:`block_driver`), and each writes only its own seeds' outputs.
A group that is not
full is padded with copies of its last seed, so every seed goes through
exactly the same instructions whatever the block size, thread count or
position: results are bit-identical across them.

Two kernels train a group: :func:`_train_group` here, with loops over the
layer widths, for any shape; and, for small shapes, a version generated with
those loops unrolled (:mod:`xorfast._compiled.sweep_unrolled`), whose whole epoch for one
lane is straight-line code that LLVM vectorises across lanes with every value
in registers. Both follow :func:`xorfast._compiled.single_run._train` step for step, but
the generated one computes its sigmoids two on one division, which rounds a
little differently; ``tests/test_sweep_matches_train.py`` holds both to it.

Momentum (the heavy ball) needs a second state array ``V`` of velocities,
laid out as ``S`` and allocated by the driver beside it. A config without
momentum runs a kernel without ``V`` (``V=None``, pruned when Numba compiles;
a generated module of its own), whose code is plain gradient descent alone,
so its results and speed are those of a kernel that never knew momentum
(:func:`driver_source`). The derivative offset and the success margin are
run-time values of every kernel: 0 and 0.5 leave every result bit for bit.
``tests/test_sweep_rules.py`` holds each rule to :mod:`xorfast.reference`.

Early stop (``stop="solved"`` or ``"tol"``) has kernels of its own too
(:func:`_train_group_stop`, ``train_group_stop`` in the generated modules,
and :data:`DRIVER_STOP_SOURCE`), so a fixed budget runs today's code. Each
lane keeps its own epoch; a lane whose run stops (or spends its budget) keeps
that epoch's state, the driver writes its outputs and refills the lane with
the next seed of its group's share of the block (fresh draws, zero velocity,
progress and epoch), and the lane idles once the share is used up. Both
kernels refill. A lane's arithmetic never involves another lane, so each
run's numbers are those of the fixed-budget run cut at its stop epoch, bit
for bit, whichever lane and moment it starts at
(``tests/test_stop_sweep.py``).

Online updates (``update="online"`` or ``"shuffled"``) have kernels of their
own, :func:`_train_group_online` and :func:`_train_group_stop_online`, with
drivers from :func:`online_driver_source`: each epoch the forward pass over
all rows from the parameters at its start (progress, errors, recording), then
one :func:`_online_row` update per row, each lane in its own order of the rows
with ``"shuffled"`` (:func:`_order_lanes`, from the lane's seed and epoch).
The batch kernels above do not change with them (``tests/test_sweep_online.py``).
"""

import contextlib
import math
import threading
from typing import NamedTuple

import numba
import numpy as np

from .jit import inlined_kernel, kernel, machine_code, on_threads
from .order import shuffle_rows
from .sigmoid import sigmoid
from .tanh import tanh, tanh_derivative

#: Seeds per lane group. Wide enough that the lane loops stay loops (and are
#: vectorised) rather than being unrolled into scalar code.
LANES = 64


class BlockConfig(NamedTuple):
    """The scalars of one config, in the kernel's dtype where they enter the arithmetic."""

    hidden: int
    epochs: int
    lr: float
    scale: float  # 1/n for reduction="mean", 1 for "sum"
    init_scale: float  # of W1 and b1; float64: weights are drawn in float64, then rounded
    init_scale_2: float  # of W2 and b2 (differs from init_scale for glorot limits)
    tol: float
    mse_output: bool  # squared-error output error; else cross-entropy
    normal_init: bool  # randn; else uniform(-init_scale, init_scale)
    same_bias: bool  # biases drawn like the weights; else zeros
    momentum: float
    derivative_offset: float  # added to the output units' a (1 - a), with mse_output
    margin: float  # solved: every output within margin of its target
    weight_decay: float = 0.0  # each weight's change gains lr * weight_decay * weight


class RunOutputs(NamedTuple):
    """Per-seed results of a block, one entry per seed."""

    max_error: np.ndarray  # float64
    final_mse: np.ndarray  # float64
    epoch_solved: np.ndarray  # int64, -1 if never
    epoch_tol: np.ndarray  # int64, -1 if never
    diverged: np.ndarray  # bool


def run_outputs(count):
    """Allocate outputs for ``count`` seeds."""
    return RunOutputs(
        np.empty(count),
        np.empty(count),
        np.empty(count, np.int64),
        np.empty(count, np.int64),
        np.empty(count, np.bool_),
    )


@inlined_kernel
def state_rows(inputs, hidden, outputs):
    """Row offsets of W1, b1, W2, b2 in a group's state, and the total row count."""
    b1 = inputs * hidden
    W2 = b1 + hidden
    b2 = W2 + hidden * outputs
    return 0, b1, W2, b2, b2 + outputs


@inlined_kernel
def _gauss_pair():
    """Two draws of the standard normal from the current thread's legacy NumPy stream.

    The polar method of NumPy's legacy ``gauss`` and of Numba's ``np.random.randn``,
    operation for operation and with the kernels' arithmetic options (Numba's own
    took them from the kernel calling it), so the draws are those of before bit
    for bit: ``randn`` returns the second of the pair and keeps the first for its
    next call. Written on ``np.random.random`` because Numba's ``randn`` costs a
    few tenths of a second of compilation in every new cache folder; inlined, as
    :func:`_uniform` is, so neither goes through Numba's pipeline on its own.
    """
    while True:
        x1 = 2.0 * np.random.random() - 1.0
        x2 = 2.0 * np.random.random() - 1.0
        r2 = x1 * x1 + x2 * x2
        if r2 < 1.0 and r2 != 0.0:
            break
    f = math.sqrt(-2.0 * math.log(r2) / r2)
    return f * x1, f * x2


@inlined_kernel
def _uniform(low, high):
    """``np.random.uniform(low, high)`` as Numba computes it inside a kernel, bit for bit."""
    return low + (high - low) * np.random.random()


@inlined_kernel
def _initialise(seeds, first, count, config, inputs, outputs, S):
    """Draw the starting parameters of seeds ``first .. first + LANES`` into their lanes.

    Each seed's draws are those of :func:`_initialise_lane`. Lanes past
    ``count`` repeat the last real seed.
    """
    for lane in range(LANES):
        _initialise_lane(seeds[first + min(lane, count - 1)], lane, config, inputs, outputs, S)


@kernel
def _initialise_lane(seed, lane, config, inputs, outputs, S):
    """Draw the starting parameters of ``seed`` into lane ``lane`` of ``S``.

    The draws are those of :func:`xorfast.params.initial_params`, in its order:
    ``seed(s)``, W1 in C order, W2 in C order, then b1 and b2 if drawn; W1 and
    b1 with ``config.init_scale``, W2 and b2 with ``config.init_scale_2`` (the
    two differ for glorot's per-layer limits). Uniform draws are equal bit for
    bit; a normal one can differ in its last bit, as the kernels' arithmetic
    options fuse the polar method's ``x1 * x1 + x2 * x2`` into one multiply-add
    (a sweep agrees with ``train`` to rounding, not bit for bit, in any case).

    One loop over the draws in that order, each normal one from :func:`_gauss_pair`
    (Numba's own ``randn`` and ``uniform`` cost most of this kernel's compilation).
    """
    hidden = config.hidden
    scale_1, scale_2 = config.init_scale, config.init_scale_2
    row_W1, row_b1, row_W2, row_b2, rows = state_rows(inputs, hidden, outputs)
    weights_1 = row_b1 - row_W1
    weights = weights_1 + row_b2 - row_W2
    biases_1 = weights + row_W2 - row_b1
    np.random.seed(seed)
    kept, have_kept = 0.0, False  # the second normal draw of a pair, for the next draw
    for draw in range(rows):
        if draw < weights_1:  # W1, then W2, then b1, then b2
            row, scale, bias = row_W1 + draw, scale_1, False
        elif draw < weights:
            row, scale, bias = row_W2 + draw - weights_1, scale_2, False
        elif draw < biases_1:
            row, scale, bias = row_b1 + draw - weights, scale_1, True
        else:
            row, scale, bias = row_b2 + draw - biases_1, scale_2, True
        if bias and not config.same_bias:
            S[row * LANES + lane] = 0.0
        elif not config.normal_init:
            S[row * LANES + lane] = _uniform(-scale, scale)
        elif have_kept:  # np.random.randn() * scale, in the order randn draws
            S[row * LANES + lane] = kept * scale
            have_kept = False
        else:
            kept, value = _gauss_pair()
            have_kept = True
            S[row * LANES + lane] = value * scale


@inlined_kernel
def _lane_finite(S, lane):
    """True when every parameter of ``lane`` is finite."""
    for j in range(lane, S.shape[0], LANES):
        if not np.isfinite(S[j]):
            return False
    return True


@kernel
def _note_pinned(A1, A2, y, hidden, mse_output, offset, R, tanh_units=None):
    """Set ``R[2 * LANES + lane]`` to 1 where the lane's units are pinned, else to 0.

    Pinned, as :func:`xorfast.reference.pinned` defines it, from the
    activations ``A1`` and ``A2`` of the forward pass (laid out as in
    :func:`_forward`) and the largest errors in ``R[LANES + lane]``. With a
    non-zero derivative ``offset`` wrong saturated outputs still learn, so
    only the hidden units can be pinned. With ``tanh_units`` (not None) the
    hidden units are tanh, live where ``(1 - a) (1 + a)`` is non-zero.
    """
    rows, outputs = y.shape
    one = A1.dtype.type(1)
    zero = A1.dtype.type(0)
    live_hidden = np.zeros(LANES, A1.dtype)
    live_output = np.zeros(LANES, A1.dtype)
    for j in range(rows * hidden):
        for lane in range(LANES):
            a = A1[j * LANES + lane]
            if tanh_units is None:
                live_hidden[lane] += a * (one - a)
            else:
                live_hidden[lane] += tanh_derivative(a)
    for j in range(rows * outputs):
        for lane in range(LANES):
            a = A2[j * LANES + lane]
            live_output[lane] += a * (one - a)
    for lane in range(LANES):
        stuck = (
            mse_output and offset == zero and live_output[lane] == zero and R[LANES + lane] > zero
        )
        R[2 * LANES + lane] = one if live_hidden[lane] == zero or stuck else zero


@kernel
def _forward(X, S, hidden, outputs, A1, A2, tanh_units=None):
    """Activations of all lanes: ``A1[(i * H + h) * LANES + lane]``, ``A2`` likewise.

    The hidden units are sigmoid, or tanh with ``tanh_units`` (not None; pruned
    when Numba compiles, so the sigmoid variant is the code of before).
    """
    rows, inputs = X.shape
    row_W1, row_b1, row_W2, row_b2, _ = state_rows(inputs, hidden, outputs)
    for i in range(rows):
        for h in range(hidden):
            at = (i * hidden + h) * LANES
            bias = (row_b1 + h) * LANES
            for lane in range(LANES):
                A1[at + lane] = S[bias + lane]
            for k in range(inputs):
                x = X[i, k]
                w = (row_W1 + k * hidden + h) * LANES
                for lane in range(LANES):
                    A1[at + lane] += x * S[w + lane]
            if tanh_units is None:
                for lane in range(LANES):
                    A1[at + lane] = sigmoid(A1[at + lane])
            else:
                for lane in range(LANES):
                    A1[at + lane] = tanh(A1[at + lane])
        for o in range(outputs):
            at = (i * outputs + o) * LANES
            bias = (row_b2 + o) * LANES
            for lane in range(LANES):
                A2[at + lane] = S[bias + lane]
            for h in range(hidden):
                a = (i * hidden + h) * LANES
                w = (row_W2 + h * outputs + o) * LANES
                for lane in range(LANES):
                    A2[at + lane] += A1[a + lane] * S[w + lane]
            for lane in range(LANES):
                A2[at + lane] = sigmoid(A2[at + lane])


@kernel
def _note_progress(epoch, y, A2, tol, margin, P, R):
    """Record per lane the errors of the forward pass in ``A2`` and the epochs reached.

    ``R[lane]`` gets the sum of squared errors and ``R[LANES + lane]`` the
    largest absolute error; ``P[lane]`` (first epoch with every output within
    ``margin`` of its target) and ``P[LANES + lane]`` (first epoch with
    MSE < tol) are set to ``epoch`` if not set yet. ``tol`` and ``margin``
    are in ``R``'s dtype.
    """
    rows, outputs = y.shape
    count = R.dtype.type(rows * outputs)
    for lane in range(LANES):
        R[lane] = 0
        R[LANES + lane] = 0
    for i in range(rows):
        for o in range(outputs):
            at = (i * outputs + o) * LANES
            target = y[i, o]
            for lane in range(LANES):
                difference = A2[at + lane] - target
                R[lane] += difference * difference
                size = abs(difference)
                # A NaN, once in the largest error, stays: a diverged lane never solves.
                if size > R[LANES + lane] or size != size:
                    R[LANES + lane] = size
    for lane in range(LANES):
        if P[lane] < 0 and R[LANES + lane] < margin:
            P[lane] = np.int32(epoch)
        if P[LANES + lane] < 0 and R[lane] / count < tol:
            P[LANES + lane] = np.int32(epoch)


@inlined_kernel
def _descend(S, V, w, grad, step, momentum, decay=None):
    """One step of parameter row ``w`` (an offset into ``S``) along ``grad[lane]``, per lane.

    The change is ``step * grad``, with ``decay`` (not None: a weight, not a
    bias) plus ``decay * S``; it is subtracted, or with velocities ``V`` it
    makes ``V = momentum * V - change; S += V``, in the order of
    :func:`xorfast._compiled.single_run._apply_update`. With ``decay``,
    ``grad`` is left holding the change. Used by the batch and online kernels.
    """
    if decay is not None:
        for lane in range(LANES):
            grad[lane] = step * grad[lane] + decay * S[w + lane]
        if V is None:
            for lane in range(LANES):
                S[w + lane] -= grad[lane]
        else:
            for lane in range(LANES):
                V[w + lane] = momentum * V[w + lane] - grad[lane]
                S[w + lane] += V[w + lane]
    elif V is None:
        for lane in range(LANES):
            S[w + lane] -= step * grad[lane]
    else:
        for lane in range(LANES):
            V[w + lane] = momentum * V[w + lane] - step * grad[lane]
            S[w + lane] += V[w + lane]


@inlined_kernel
def _backward_update(
    X,
    y,
    S,
    V,
    A1,
    A2,
    D1,
    D2,
    grad,
    hidden,
    step,
    momentum,
    mse_output,
    offset,
    tanh_units=None,
    decay=None,
):
    """One epoch's backward pass and update of every lane, from the forward pass in ``A1``, ``A2``.

    ``D1``, ``D2`` and ``grad`` are scratch buffers; the arguments are
    :func:`_train_group`'s. Inlined, so each training loop gets its code.
    ``tanh_units`` (not None): tanh hidden units, derivative ``(1 - a) (1 + a)``.
    ``decay`` (not None, ``lr * weight_decay`` in ``S``'s dtype): each weight's
    change ``step * gradient`` gains ``decay * weight``, as in
    :func:`xorfast._compiled.single_run._apply_update`; the biases are not decayed.
    """
    rows, inputs = X.shape
    outputs = y.shape[1]
    row_W1, row_b1, row_W2, row_b2, _ = state_rows(inputs, hidden, outputs)
    one = S.dtype.type(1)
    for i in range(rows):
        for o in range(outputs):
            at = (i * outputs + o) * LANES
            target = y[i, o]
            for lane in range(LANES):
                error = A2[at + lane] - target
                if mse_output:
                    error *= A2[at + lane] * (one - A2[at + lane]) + offset
                D2[at + lane] = error

    # The hidden error uses W2 from before this epoch's update.
    for i in range(rows):
        for h in range(hidden):
            at = (i * hidden + h) * LANES
            for lane in range(LANES):
                grad[lane] = 0
            for o in range(outputs):
                d = (i * outputs + o) * LANES
                w = (row_W2 + h * outputs + o) * LANES
                for lane in range(LANES):
                    grad[lane] += D2[d + lane] * S[w + lane]
            if tanh_units is None:
                for lane in range(LANES):
                    a = A1[at + lane]
                    D1[at + lane] = grad[lane] * a * (one - a)
            else:
                for lane in range(LANES):
                    D1[at + lane] = grad[lane] * tanh_derivative(A1[at + lane])

    # Each update is one _descend: `V is None` and `decay is None` are decided when
    # Numba compiles, so each variant keeps only its own loops.
    for h in range(hidden):
        for o in range(outputs):
            for lane in range(LANES):
                grad[lane] = 0
            for i in range(rows):
                a = (i * hidden + h) * LANES
                d = (i * outputs + o) * LANES
                for lane in range(LANES):
                    grad[lane] += A1[a + lane] * D2[d + lane]
            _descend(S, V, (row_W2 + h * outputs + o) * LANES, grad, step, momentum, decay)
    for o in range(outputs):
        for lane in range(LANES):
            grad[lane] = 0
        for i in range(rows):
            d = (i * outputs + o) * LANES
            for lane in range(LANES):
                grad[lane] += D2[d + lane]
        _descend(S, V, (row_b2 + o) * LANES, grad, step, momentum)
    for k in range(inputs):
        for h in range(hidden):
            for lane in range(LANES):
                grad[lane] = 0
            for i in range(rows):
                x = X[i, k]
                d = (i * hidden + h) * LANES
                for lane in range(LANES):
                    grad[lane] += x * D1[d + lane]
            _descend(S, V, (row_W1 + k * hidden + h) * LANES, grad, step, momentum, decay)
    for h in range(hidden):
        for lane in range(LANES):
            grad[lane] = 0
        for i in range(rows):
            d = (i * hidden + h) * LANES
            for lane in range(LANES):
                grad[lane] += D1[d + lane]
        _descend(S, V, (row_b1 + h) * LANES, grad, step, momentum)


@kernel
def _train_group(
    X,
    y,
    S,
    V,
    P,
    R,
    hidden,
    epochs,
    step,
    momentum,
    mse_output,
    offset,
    tol,
    margin,
    L=None,
    every=0,
    tanh_units=None,
    decay=None,
):
    """Train one lane group for ``epochs`` epochs, any shape; see the module docstring.

    ``S`` holds the parameters (updated in place), ``P`` the progress epochs
    and ``R`` the final errors, as described in :func:`_note_progress`, and
    whether the lane's units ended pinned, as in :func:`_note_pinned`.

    ``V`` holds the velocities of the heavy-ball rule, laid out as ``S``
    (zero at the start, updated in place): each epoch ``V = momentum * V -
    step * gradient; S += V``. With ``V=None`` the step is ``S -= step *
    gradient`` and ``momentum`` is unused: Numba compiles that variant with
    the velocity branches pruned, the code of plain gradient descent alone.
    ``offset`` is added to the output units' ``a (1 - a)`` (with
    ``mse_output``); ``step``, ``momentum``, ``offset``, ``tol`` and
    ``margin`` are in ``S``'s dtype.

    ``L`` (optional, a record driver's): the recorded errors, as in
    :func:`_record_lanes`; each epoch that is a multiple of ``every`` (> 0)
    writes the squared errors of its forward pass to row ``epoch // every``.
    Without it (None) nothing is recorded and the code is that of before.

    ``tanh_units`` and ``decay`` (optional): issue 15's rules, as
    :func:`_backward_update` says; None (the default) prunes them.
    """
    rows, inputs = X.shape
    outputs = y.shape[1]
    row_W1, row_b1, row_W2, row_b2, _ = state_rows(inputs, hidden, outputs)
    dtype = S.dtype
    A1 = np.empty(rows * hidden * LANES, dtype)
    D1 = np.empty(rows * hidden * LANES, dtype)
    A2 = np.empty(rows * outputs * LANES, dtype)
    D2 = np.empty(rows * outputs * LANES, dtype)
    grad = np.empty(LANES, dtype)
    for epoch in range(epochs):
        _forward(X, S, hidden, outputs, A1, A2, tanh_units)
        _note_progress(epoch, y, A2, tol, margin, P, R)
        if L is not None:
            if every > 0 and epoch % every == 0:
                row = epoch // every * LANES
                for lane in range(LANES):
                    L[row + lane] = R[lane]

        _backward_update(
            X,
            y,
            S,
            V,
            A1,
            A2,
            D1,
            D2,
            grad,
            hidden,
            step,
            momentum,
            mse_output,
            offset,
            tanh_units,
            decay,
        )

    # The state after the last update counts as epoch `epochs`.
    _forward(X, S, hidden, outputs, A1, A2, tanh_units)
    _note_progress(epochs, y, A2, tol, margin, P, R)
    _note_pinned(A1, A2, y, hidden, mse_output, offset, R, tanh_units)


@kernel
def _note_progress_lanes(E, y, A2, tol, margin, P, R):
    """:func:`_note_progress`, each lane at its own epoch ``E[lane]`` (early stop)."""
    rows, outputs = y.shape
    count = R.dtype.type(rows * outputs)
    for lane in range(LANES):
        R[lane] = 0
        R[LANES + lane] = 0
    for i in range(rows):
        for o in range(outputs):
            at = (i * outputs + o) * LANES
            target = y[i, o]
            for lane in range(LANES):
                difference = A2[at + lane] - target
                R[lane] += difference * difference
                size = abs(difference)
                if size > R[LANES + lane] or size != size:
                    R[LANES + lane] = size
    for lane in range(LANES):
        if P[lane] < 0 and R[LANES + lane] < margin:
            P[lane] = E[lane]
        if P[LANES + lane] < 0 and R[lane] / count < tol:
            P[LANES + lane] = E[lane]


@kernel
def _train_group_stop(
    X,
    y,
    S,
    V,
    P,
    R,
    E,
    F,
    hidden,
    epochs,
    step,
    momentum,
    mse_output,
    offset,
    tol,
    margin,
    stop_at,
    L=None,
    N=None,
    every=0,
    tanh_units=None,
    decay=None,
):
    """Train the lanes of one group, each from its own epoch, until one of them stops.

    The early-stop form of :func:`_train_group` (same arithmetic, lane for
    lane). Lane ``lane`` is at epoch ``E[lane]`` (updates made so far). A lane
    with ``F[lane] == 0`` is running; it stops at the first forward pass with
    ``P[stop_at + lane]`` set (``stop_at`` 0: solved, ``LANES``: MSE below
    ``tol``) or with ``E[lane] == epochs``. Epoch after epoch every lane is
    trained, until at least one running lane stops: those get ``F[lane] = 2``
    and keep the state of the epoch they stopped at, with its errors and
    pinned flag in ``R``; then the function returns (before any lane's
    update of that epoch). Lanes with other ``F`` (idle) are trained along but
    never stop; the caller refills stopped lanes and calls again.

    ``L``, ``N`` and ``every`` (optional, a record driver's): each running
    lane's errors are recorded as :func:`_record_lanes` says.
    """
    rows, inputs = X.shape
    outputs = y.shape[1]
    dtype = S.dtype
    A1 = np.empty(rows * hidden * LANES, dtype)
    D1 = np.empty(rows * hidden * LANES, dtype)
    A2 = np.empty(rows * outputs * LANES, dtype)
    D2 = np.empty(rows * outputs * LANES, dtype)
    grad = np.empty(LANES, dtype)
    while True:
        _forward(X, S, hidden, outputs, A1, A2, tanh_units)
        _note_progress_lanes(E, y, A2, tol, margin, P, R)
        if L is not None:
            if every > 0:
                _record_lanes(E, F, R, N, every, L, False)
        stopped = False
        for lane in range(LANES):
            if F[lane] == 0 and (E[lane] >= epochs or P[stop_at + lane] >= 0):
                F[lane] = 2
                stopped = True
        if stopped:
            _note_pinned(A1, A2, y, hidden, mse_output, offset, R, tanh_units)
            return
        _backward_update(
            X,
            y,
            S,
            V,
            A1,
            A2,
            D1,
            D2,
            grad,
            hidden,
            step,
            momentum,
            mse_output,
            offset,
            tanh_units,
            decay,
        )
        for lane in range(LANES):
            E[lane] += 1


@kernel
def _record_lanes(E, F, R, N, every, L, updated):
    """Record the squared errors ``R[lane]`` of each running lane whose epoch is due.

    Lane ``lane`` is due when its epoch (before this epoch's update) equals
    ``N[lane]``, the next multiple of ``every`` it records: ``R[lane]`` goes
    to ``L[N[lane] // every * LANES + lane]`` and ``N[lane]`` moves on by
    ``every``. ``updated``: ``E`` and ``F`` already hold this epoch's outcome
    (a running lane's ``E`` is one on, a lane that stopped has ``F == 2``), as
    after the generated kernels' lane loop; else they are as before it. Idle
    lanes (``F == 1``) record nothing. The lanes are counted first, so that
    most epochs (none due) cost one vectorised pass.
    """
    due = 0
    for lane in range(LANES):
        flag = F[lane]
        epoch = E[lane] - 1 if updated and flag == 0 else E[lane]
        due += 1 if flag != 1 and epoch == N[lane] else 0
    if due == 0:
        return
    for lane in range(LANES):
        flag = F[lane]
        epoch = E[lane] - 1 if updated and flag == 0 else E[lane]
        if flag != 1 and epoch == N[lane]:
            L[epoch // every * LANES + lane] = R[lane]
            N[lane] += every


#: The driver of one training kernel, a template for :func:`driver_source`: a serial
#: kernel that trains a range of lane groups, which :func:`block_driver` runs on
#: threads. :mod:`xorfast._compiled.sweep_unrolled` compiles it in a module of its own,
#: either calling the generic ``train_group`` (a compiled function cannot be passed to a
#: cached kernel as data) or with the generated training code in place of the call,
#: ``{train}``, and its constants in ``{setup}``: one function, typed, optimised and
#: compiled to machine code once, where a kernel of its own would go through LLVM twice.
DRIVER_SOURCE = '''
@kernel
def run_groups(X, y, seeds, first, end, config, outputs{record_parameters}):
    """Initialise, train and evaluate lane groups ``first .. end``; write their seeds' outputs.

    One call per thread (:func:`xorfast._compiled.sweep_kernel.block_driver`), each with
    buffers of its own, allocated once for all of its groups.
    """
    rows, inputs = X.shape
    width = y.shape[1]
    S = np.empty(state_rows(inputs, config.hidden, width)[-1] * LANES, X.dtype)
    # The heavy-ball velocities, laid out as S and zero at the start; None without momentum.
    V = {velocities}
    # int32 epochs keep the progress selects as wide as float32 vectors.
    P = np.empty(2 * LANES, np.int32)
    # Squared and largest errors, then the pinned flags (see _note_pinned).
    R = np.empty(3 * LANES, X.dtype){record_buffers}
{arguments}
    for group in range(first, end):
        start = group * LANES
        count = min(LANES, seeds.shape[0] - start)
        _initialise(seeds, start, count, config, inputs, width, S)
        {reset_velocities}
        P[:] = -1
{train}
        for lane in range(count):
            run = start + lane
            outputs.max_error[run] = R[LANES + lane]
            outputs.final_mse[run] = R[lane] / (rows * width)
            outputs.epoch_solved[run] = P[lane]
            outputs.epoch_tol[run] = P[LANES + lane]
            outputs.diverged[run] = not (_lane_finite(S, lane) and np.isfinite(R[lane])) \\
                or R[2 * LANES + lane] != 0{record_outputs}
'''


#: The driver of an early-stop training kernel (``train_group_stop``), a template for
#: :func:`driver_source`: a serial kernel in which one lane group trains a share of the
#: block's seeds, a lane whose run stops taking the next seed of the share;
#: :func:`stop_block_driver` runs one share per thread. ``{train}`` and ``{setup}`` as
#: in :data:`DRIVER_SOURCE`.
DRIVER_STOP_SOURCE = '''
from xorfast._compiled.sweep_kernel import _initialise_lane


@kernel
def run_share(X, y, seeds, first, end, config, stop_at, outputs, updates{record_parameters}):
    """Train seeds ``first .. end`` in one lane group, refilling each lane that stops.

    A lane whose run stops (solved, or below tol, as ``stop_at`` says; or
    its budget spent) has its outputs written, then takes the next seed of
    the share: its initial weights are drawn into that lane and its velocity,
    progress and epoch reset. Once no seed is left it idles. Each run's
    numbers are those of its lane alone, whichever lane and moment it starts.
    """
    rows, inputs = X.shape
    width = y.shape[1]
    count = min(LANES, end - first)
    S = np.empty(state_rows(inputs, config.hidden, width)[-1] * LANES, X.dtype)
    V = {velocities}
    P = np.full(2 * LANES, -1, np.int32)
    R = np.empty(3 * LANES, X.dtype)
    E = np.zeros(LANES, np.int32)  # updates made by each lane's run
    F = np.zeros(LANES, np.int32)  # 0 running, 1 idle, 2 just stopped
    run_of = np.full(LANES, -1, np.int64){record_buffers}
{arguments}
    _initialise(seeds, first, count, config, inputs, width, S)
    for lane in range(LANES):
        if lane < count:
            run_of[lane] = first + lane
        else:
            F[lane] = 1
    following = first + count
    running = count
    while running > 0:
{train}
        for lane in range(LANES):
            if F[lane] != 2:
                continue
            run = run_of[lane]
            outputs.max_error[run] = R[LANES + lane]
            outputs.final_mse[run] = R[lane] / (rows * width)
            outputs.epoch_solved[run] = P[lane]
            outputs.epoch_tol[run] = P[LANES + lane]
            outputs.diverged[run] = not (_lane_finite(S, lane) and np.isfinite(R[lane])) \\
                or R[2 * LANES + lane] != 0
            updates[run] = E[lane]{record_outputs}
            if following < end:
                run_of[lane] = following
                _initialise_lane(seeds[following], lane, config, inputs, width, S)
                {reset_velocity}{reset_record}
                following += 1
                P[lane] = -1
                P[LANES + lane] = -1
                E[lane] = 0
                F[lane] = 0
            else:
                run_of[lane] = -1
                F[lane] = 1
                running -= 1

'''


#: The arguments of the training kernels, from the driver's ``config``, in its dtype where
#: they enter the arithmetic.
_ARGUMENTS = """\
    dtype = X.dtype.type
    hidden = config.hidden
    epochs = config.epochs
    step = dtype(config.lr) * dtype(config.scale)
    momentum = dtype(config.momentum)
    mse_output = config.mse_output
    offset = dtype(config.derivative_offset)
    tol = dtype(config.tol)
    margin = dtype(config.margin)"""

_CALLS = {
    False: "        train_group(X, y, S, V, P, R, hidden, epochs, step, momentum, mse_output,\n"
    "                    offset, tol, margin)",
    True: "        train_group_stop(X, y, S, V, P, R, E, F, hidden, epochs, step, momentum,\n"
    "                         mse_output, offset, tol, margin, stop_at)",
}


def driver_source(
    momentum, stop=False, setup=None, train=None, record=False, tanh=False, decay=False
):
    """The source of the driver, with velocities if ``momentum`` (a bool), else ``V=None``.

    With ``stop`` (a bool) the early-stop driver (:data:`DRIVER_STOP_SOURCE`),
    calling ``train_group_stop``. ``train``, lines indented by 8 spaces, takes
    the place of that call, with ``setup`` (indented by 4) before the loop over
    the groups: the training code itself, on the driver's names for the
    training kernel's arguments (see :data:`_ARGUMENTS`).

    Which of the two a run gets depends on its config alone (momentum > 0),
    never on the sweep's size; without momentum it runs the code of plain
    gradient descent, unchanged.

    With ``record`` (a bool) the driver of the record modules: its kernel
    (and so :func:`block_driver`'s or :func:`stop_block_driver`'s
    ``sweep_block``) takes three more arguments, ``every``, ``curves`` and
    ``weights``. ``curves`` (float64, runs x T, T = ceil(epochs / every) + 1
    when ``every`` > 0, else 0 columns) gets each run's mean squared errors
    at epochs 0, every, 2 every, ... before that epoch's update, then that
    after its last update (``final_mse``), then NaN for a run that stopped
    early; ``weights`` (runs x parameters, in the rows' order of the state,
    or 0 columns) gets each run's final parameters. Without ``record`` the
    source is that of before, byte for byte.

    ``tanh`` and ``decay`` (bools, issue 15's rules): with ``decay`` the
    driver's names gain ``decay = lr * weight_decay`` (in the run's dtype), and
    the call of the generic kernel passes ``tanh_units=True`` and ``decay``;
    without them the source is that of before, byte for byte.
    """
    velocities = "np.zeros_like(S)" if momentum else "None"
    if record:
        parts = dict(
            record_parameters=", every, curves, weights",
            record_buffers=_RECORD_BUFFERS_STOP if stop else _RECORD_BUFFERS,
            record_outputs=_RECORD_OUTPUTS_STOP if stop else _RECORD_OUTPUTS,
        )
    else:
        parts = dict.fromkeys(("record_parameters", "record_buffers", "record_outputs"), "")
    call = _CALLS[stop]
    if record:  # the recording kernels take the record buffers last
        call = call[: -len(")")] + (", L, N, every)" if stop else ", L, every)")
    rules = (", tanh_units=True" if tanh else "") + (", decay=decay" if decay else "")
    if rules:  # issue 15's rules, as keywords of the generic kernels
        call = call[: -len(")")] + rules + ")"
    arguments = _ARGUMENTS
    if decay:
        arguments += "\n    decay = dtype(config.lr) * dtype(config.weight_decay)"
    fields = dict(
        velocities=velocities,
        arguments=arguments + ("\n" + setup.rstrip("\n") if setup else ""),
        train=(train or call).rstrip("\n"),
        **parts,
    )
    if not stop:
        reset = "V[:] = 0" if momentum else "pass  # no velocities"
        return DRIVER_SOURCE.format(reset_velocities=reset, **fields)
    reset = (
        "for j in range(lane, V.shape[0], LANES):\n                    V[j] = 0"
        if momentum
        else "pass  # no velocities"
    )
    reset_record = "\n                N[lane] = 0" if record else ""
    return DRIVER_STOP_SOURCE.format(reset_velocity=reset, reset_record=reset_record, **fields)


#: Each calling thread's cap on the threads its kernel calls may use (:func:`thread_budget`).
_budget = threading.local()


def _threads():
    """Threads a block may use now: this thread's budget, else ``NUMBA_NUM_THREADS``.

    The kernels are serial and run on Python threads (:func:`jit.on_threads`),
    so this is xorfast's own count, never Numba's thread pool, which would start
    a threading layer (GNU OpenMP kills a forked child after that). With
    ``NUMBA_DISABLE_JIT=1`` the kernels draw from NumPy's global random state,
    so a block runs on one thread.
    """
    if numba.config.DISABLE_JIT:
        return 1
    cap = getattr(_budget, "threads", None)
    default = max(1, numba.config.NUMBA_NUM_THREADS)
    return default if cap is None else min(cap, default)


@contextlib.contextmanager
def thread_budget(threads):
    """Let the kernel calls of this thread use at most ``threads`` threads (None: no cap).

    Per calling thread, so blocks running at once on other threads (a thread
    pool's, a Dask worker's) each keep their own budget.
    """
    previous = getattr(_budget, "threads", None)
    _budget.threads = threads
    try:
        yield
    finally:
        _budget.threads = previous


def block_driver(run_groups):
    """``sweep_block(X, y, seeds, config, outputs)``: ``run_groups`` over a block, on threads.

    The block's lane groups are split into one contiguous share per thread (at
    most one per group), each trained by one call of the serial kernel
    ``run_groups`` (of :data:`DRIVER_SOURCE`) on a thread of its own. A group
    is the same ``LANES`` seeds whatever the split, and each lane's arithmetic
    its own, so the shares change the speed only, never a run's numbers. A
    record driver's ``every, curves, weights`` (see :func:`driver_source`)
    follow ``outputs``.
    """

    def sweep_block(X, y, seeds, config, outputs, *record):
        groups = (seeds.shape[0] + LANES - 1) // LANES
        shares = max(1, min(groups, _threads()))
        # Compiled (or loaded) here, once, rather than by each thread.
        run = machine_code(run_groups, (X, y, seeds, 0, groups, config, outputs, *record))

        def share(index):
            first, end = index * groups // shares, (index + 1) * groups // shares
            run(X, y, seeds, first, end, config, outputs, *record)

        on_threads(share, shares)

    sweep_block.kernel = run_groups
    sweep_block.__module__ = run_groups.__module__  # the generated module it belongs to
    return sweep_block


def stop_block_driver(run_share):
    """``sweep_block(X, y, seeds, config, stop_at, threads, outputs, updates)``, on threads.

    The early-stop driver around ``run_share`` (of :data:`DRIVER_STOP_SOURCE`):
    the seeds are split into one contiguous share per thread of the
    ``threads`` this call may use (at most one per ``LANES`` seeds), each
    trained by one lane group that refills its lanes; ``stop_at`` is 0 to
    stop when solved, ``LANES`` when the MSE is below tol; ``updates`` gets
    each run's number of updates. The shares change the speed only, never a
    run's numbers. A record driver's ``every, curves, weights`` follow
    ``updates``.
    """

    def sweep_block(X, y, seeds, config, stop_at, threads, outputs, updates, *record):
        total = seeds.shape[0]
        shares = max(1, min((total + LANES - 1) // LANES, threads, _threads()))
        arguments = (config, stop_at, outputs, updates, *record)
        run = machine_code(run_share, (X, y, seeds, 0, total, *arguments))

        def share(index):
            first, end = index * total // shares, (index + 1) * total // shares
            run(X, y, seeds, first, end, *arguments)

        on_threads(share, shares)

    sweep_block.kernel = run_share
    sweep_block.__module__ = run_share.__module__  # the generated module it belongs to
    return sweep_block


# The record drivers' extra lines (driver_source). The recorded squared errors
# of each lane, one row of LANES per recorded epoch; without early stop the
# last row takes the epochs not recorded.
_RECORD_BUFFERS = """
    L = np.empty(max(curves.shape[1], 1) * LANES, X.dtype)"""
_RECORD_BUFFERS_STOP = """
    L = np.empty(max(curves.shape[1], 1) * LANES, X.dtype)
    N = np.zeros(LANES, np.int64)  # the next epoch each lane records"""
_RECORD_OUTPUTS = """
            if every > 0:
                last = curves.shape[1] - 1
                for point in range(last):
                    curves[run, point] = L[point * LANES + lane] / (rows * width)
                curves[run, last] = R[lane] / (rows * width)
            for parameter in range(weights.shape[1]):
                weights[run, parameter] = S[parameter * LANES + lane]"""
_RECORD_OUTPUTS_STOP = """
            if every > 0:
                last = (E[lane] + every - 1) // every  # the state after the last update
                for point in range(last):
                    curves[run, point] = L[point * LANES + lane] / (rows * width)
                curves[run, last] = R[lane] / (rows * width)
                for missing in range(last + 1, curves.shape[1]):
                    curves[run, missing] = np.nan
            for parameter in range(weights.shape[1]):
                weights[run, parameter] = S[parameter * LANES + lane]"""


# --- Online updates (update="online" or "shuffled"): kernels of their own, so the
# batch kernels above keep their code.


@inlined_kernel
def _online_row(
    X,
    y,
    S,
    V,
    j,
    Q,
    W,
    hidden,
    step,
    momentum,
    mse_output,
    offset,
    tanh_units=None,
    decay=None,
):
    """Row ``j`` of an online epoch in every lane: its forward pass, errors and update.

    As :func:`xorfast._compiled.single_run._online_epochs` makes one row's
    update: the gradient of that row alone, from the parameters the rows before
    it left (the hidden error from ``W2`` before the row's update). ``Q``
    (None: row ``j`` itself in every lane) holds each lane's order,
    ``Q[j * LANES + lane]`` the row it takes ``j``-th. ``W`` is scratch of
    ``(inputs + outputs + 2 * hidden + outputs + 1) * LANES`` entries.
    """
    rows, inputs = X.shape
    outputs = y.shape[1]
    row_W1, row_b1, row_W2, row_b2, _ = state_rows(inputs, hidden, outputs)
    one = S.dtype.type(1)
    # Scratch: the row's inputs and targets per lane, activations, errors, a gradient.
    xs = 0
    ts = xs + inputs * LANES
    a1 = ts + outputs * LANES
    d1 = a1 + hidden * LANES
    d2 = d1 + hidden * LANES
    grad = d2 + outputs * LANES
    for k in range(inputs):
        if Q is None:
            x = X[j, k]
            for lane in range(LANES):
                W[xs + k * LANES + lane] = x
        else:
            for lane in range(LANES):
                W[xs + k * LANES + lane] = X[Q[j * LANES + lane], k]
    for o in range(outputs):
        if Q is None:
            t = y[j, o]
            for lane in range(LANES):
                W[ts + o * LANES + lane] = t
        else:
            for lane in range(LANES):
                W[ts + o * LANES + lane] = y[Q[j * LANES + lane], o]
    for h in range(hidden):
        at = a1 + h * LANES
        bias = (row_b1 + h) * LANES
        for lane in range(LANES):
            W[at + lane] = S[bias + lane]
        for k in range(inputs):
            w = (row_W1 + k * hidden + h) * LANES
            for lane in range(LANES):
                W[at + lane] += W[xs + k * LANES + lane] * S[w + lane]
        if tanh_units is None:
            for lane in range(LANES):
                W[at + lane] = sigmoid(W[at + lane])
        else:
            for lane in range(LANES):
                W[at + lane] = tanh(W[at + lane])
    for o in range(outputs):
        at = d2 + o * LANES
        bias = (row_b2 + o) * LANES
        for lane in range(LANES):
            W[at + lane] = S[bias + lane]
        for h in range(hidden):
            w = (row_W2 + h * outputs + o) * LANES
            for lane in range(LANES):
                W[at + lane] += W[a1 + h * LANES + lane] * S[w + lane]
        for lane in range(LANES):
            a = sigmoid(W[at + lane])
            error = a - W[ts + o * LANES + lane]
            if mse_output:
                error *= a * (one - a) + offset
            W[at + lane] = error
    # The hidden error uses W2 from before this row's update.
    for h in range(hidden):
        at = d1 + h * LANES
        for lane in range(LANES):
            W[at + lane] = 0
        for o in range(outputs):
            w = (row_W2 + h * outputs + o) * LANES
            for lane in range(LANES):
                W[at + lane] += W[d2 + o * LANES + lane] * S[w + lane]
        if tanh_units is None:
            for lane in range(LANES):
                a = W[a1 + h * LANES + lane]
                W[at + lane] = W[at + lane] * a * (one - a)
        else:
            for lane in range(LANES):
                W[at + lane] = W[at + lane] * tanh_derivative(W[a1 + h * LANES + lane])
    g = W[grad : grad + LANES]
    for h in range(hidden):
        for o in range(outputs):
            for lane in range(LANES):
                g[lane] = W[a1 + h * LANES + lane] * W[d2 + o * LANES + lane]
            _descend(S, V, (row_W2 + h * outputs + o) * LANES, g, step, momentum, decay)
    for o in range(outputs):
        for lane in range(LANES):
            g[lane] = W[d2 + o * LANES + lane]
        _descend(S, V, (row_b2 + o) * LANES, g, step, momentum)
    for k in range(inputs):
        for h in range(hidden):
            for lane in range(LANES):
                g[lane] = W[xs + k * LANES + lane] * W[d1 + h * LANES + lane]
            _descend(S, V, (row_W1 + k * hidden + h) * LANES, g, step, momentum, decay)
    for h in range(hidden):
        for lane in range(LANES):
            g[lane] = W[d1 + h * LANES + lane]
        _descend(S, V, (row_b1 + h) * LANES, g, step, momentum)


@inlined_kernel
def _order_lanes(Q, Z, E, epoch, rows, order):
    """Each lane's order of the rows in its epoch: ``Q[j * LANES + lane]``.

    That of :func:`xorfast._compiled.order.shuffle_rows` from the lane's seed
    ``Z[lane]`` and its epoch, ``E[lane]`` (None: ``epoch`` for every lane);
    ``order`` is scratch of ``rows`` entries.
    """
    for lane in range(LANES):
        at = epoch if E is None else E[lane]
        shuffle_rows(order, Z[lane], at)
        for j in range(rows):
            Q[j * LANES + lane] = order[j]


@inlined_kernel
def online_scratch(inputs, hidden, outputs):
    """Entries of :func:`_online_row`'s scratch buffer ``W``."""
    return (inputs + 2 * outputs + 2 * hidden + 1) * LANES


@kernel
def _train_group_online(
    X,
    y,
    S,
    V,
    P,
    R,
    Q,
    Z,
    hidden,
    epochs,
    step,
    momentum,
    mse_output,
    offset,
    tol,
    margin,
    L=None,
    every=0,
    tanh_units=None,
    decay=None,
):
    """:func:`_train_group` with one update per row (``update="online"`` or ``"shuffled"``).

    Each epoch starts with the forward pass over all rows from the parameters
    at its start (the progress, errors and recording of that epoch, as
    :func:`_train_group`'s), then makes one :func:`_online_row` update per row:
    rows in order with ``Q=None``; else ``Q`` (``rows * LANES`` int64) takes
    each lane's order of the epoch, shuffled from its seed ``Z[lane]``
    (uint64) as :func:`xorfast._compiled.order.shuffle_rows` orders a single
    run's rows. ``step`` is ``lr`` (no ``1/n``).
    """
    rows, inputs = X.shape
    outputs = y.shape[1]
    dtype = S.dtype
    A1 = np.empty(rows * hidden * LANES, dtype)
    A2 = np.empty(rows * outputs * LANES, dtype)
    W = np.empty(online_scratch(inputs, hidden, outputs), dtype)
    order = np.empty(rows, np.int64)
    for epoch in range(epochs):
        _forward(X, S, hidden, outputs, A1, A2, tanh_units)
        _note_progress(epoch, y, A2, tol, margin, P, R)
        if L is not None:
            if every > 0 and epoch % every == 0:
                row = epoch // every * LANES
                for lane in range(LANES):
                    L[row + lane] = R[lane]
        if Q is not None:
            _order_lanes(Q, Z, None, epoch, rows, order)
        for j in range(rows):
            _online_row(
                X, y, S, V, j, Q, W, hidden, step, momentum, mse_output, offset, tanh_units, decay
            )

    # The state after the last update counts as epoch `epochs`.
    _forward(X, S, hidden, outputs, A1, A2, tanh_units)
    _note_progress(epochs, y, A2, tol, margin, P, R)
    _note_pinned(A1, A2, y, hidden, mse_output, offset, R, tanh_units)


@kernel
def _train_group_stop_online(
    X,
    y,
    S,
    V,
    P,
    R,
    E,
    F,
    Q,
    Z,
    hidden,
    epochs,
    step,
    momentum,
    mse_output,
    offset,
    tol,
    margin,
    stop_at,
    L=None,
    N=None,
    every=0,
    tanh_units=None,
    decay=None,
):
    """:func:`_train_group_stop` with the online updates of :func:`_train_group_online`.

    Each lane's shuffled order comes from its own seed ``Z[lane]`` and epoch ``E[lane]``.
    """
    rows, inputs = X.shape
    outputs = y.shape[1]
    dtype = S.dtype
    A1 = np.empty(rows * hidden * LANES, dtype)
    A2 = np.empty(rows * outputs * LANES, dtype)
    W = np.empty(online_scratch(inputs, hidden, outputs), dtype)
    order = np.empty(rows, np.int64)
    while True:
        _forward(X, S, hidden, outputs, A1, A2, tanh_units)
        _note_progress_lanes(E, y, A2, tol, margin, P, R)
        if L is not None:
            if every > 0:
                _record_lanes(E, F, R, N, every, L, False)
        stopped = False
        for lane in range(LANES):
            if F[lane] == 0 and (E[lane] >= epochs or P[stop_at + lane] >= 0):
                F[lane] = 2
                stopped = True
        if stopped:
            _note_pinned(A1, A2, y, hidden, mse_output, offset, R, tanh_units)
            return
        if Q is not None:
            _order_lanes(Q, Z, E, 0, rows, order)
        for j in range(rows):
            _online_row(
                X, y, S, V, j, Q, W, hidden, step, momentum, mse_output, offset, tanh_units, decay
            )
        for lane in range(LANES):
            E[lane] += 1


def online_driver_source(
    momentum,
    stop=False,
    record=False,
    tanh=False,
    decay=False,
    shuffled=False,
    train=None,
    setup=(),
):
    """The driver (:func:`driver_source`) of an online kernel, ``update="online"``/``"shuffled"``.

    Without ``train`` it calls the generic ``train_group_online`` (or, with
    ``stop``, ``train_group_stop_online``); ``train`` (lines indented by 8)
    takes the place of that call as in :func:`driver_source`, with the lines
    ``setup`` (indented by 4) before the loop. With
    ``shuffled`` the driver keeps each lane's seed in ``Z`` (uint64) and its
    order in ``Q``; else ``Q`` and ``Z`` are None (rows in order). The
    config's ``scale`` is 1 (one row's gradient: no ``1/n``), so ``step`` is ``lr``.
    """
    setup = [
        "    Q = np.empty(rows * LANES, np.int64)" if shuffled else "    Q = None",
        "    Z = np.zeros(LANES, np.uint64)" if shuffled else "    Z = None",
        *setup,
    ]
    lines = []
    if shuffled and stop:
        lines += [
            "        for lane in range(LANES):",
            "            Z[lane] = np.uint64(seeds[run_of[lane]] if run_of[lane] >= 0 else 0)",
        ]
    elif shuffled:
        lines += [
            "        for lane in range(LANES):",
            "            Z[lane] = np.uint64(seeds[start + min(lane, count - 1)])",
        ]
    if train is None:
        if stop:
            call = (
                "        train_group_stop_online(X, y, S, V, P, R, E, F, Q, Z, hidden, epochs, "
                "step,\n                                momentum, mse_output, offset, tol, "
                "margin, stop_at"
            )
            call += ", L, N, every" if record else ""
        else:
            call = (
                "        train_group_online(X, y, S, V, P, R, Q, Z, hidden, epochs, step, "
                "momentum,\n                           mse_output, offset, tol, margin"
            )
            call += ", L, every" if record else ""
        call += ", tanh_units=True" if tanh else ""
        call += ", decay=decay" if decay else ""
        train = call + ")"
    lines.append(train.rstrip("\n"))
    return driver_source(
        momentum, stop, "\n".join(setup), "\n".join(lines), record, tanh=tanh, decay=decay
    )
