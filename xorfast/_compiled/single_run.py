"""The fused single-run kernel: forward pass, backprop and update in one compiled loop.

Mirrors :func:`xorfast.reference.train` step for step; the tests hold the two
together. Nothing here allocates inside the epoch loop and nothing checks its
input: :mod:`xorfast.trainer` does that before calling in.

Activations and errors live in flat row-major buffers (entry ``i * H + h``),
so each layer's sigmoids are one call of :func:`~xorfast._compiled.sigmoid.sigmoid_inplace`
over a contiguous array, which vectorises. The activation buffers are padded
to a multiple of :data:`PAD` entries so that call never falls back to scalar
code for a remainder; the padding is never read as data.

Networks up to :data:`~xorfast._compiled.single_run_unrolled.SMALL_WIDTHS` run
a version of :func:`_train` generated for their shape
(:mod:`xorfast._compiled.single_run_unrolled`), with the same arithmetic in the
same order on named scalars (equal to the last bits, or nearly: see there); it
runs 1.2x (16 hidden units) to 2x (several outputs) faster.

Each kernel comes in two variants, chosen by :func:`kernel_for` from the
run's arguments: plain gradient descent ``p -= (lr * scale) * gradient_sum``
(:func:`_train`) and, for a non-zero ``momentum``, the heavy ball
``v = momentum * v - (lr * scale) * gradient_sum; p += v``
(:func:`_train_momentum`). The plain variant is compiled without the
velocities' code, so runs without momentum pay nothing for it and give
exactly the results of the kernels from before momentum existed. The
flat-spot ``derivative_offset`` is a plain scalar in both: adding an offset
of 0 to ``a (1 - a)`` changes no bit.

Each of the two also comes in a stopping variant (:func:`_train_stop`,
:func:`_train_momentum_stop`), chosen for a run with ``stop`` (early
stopping): after each epoch's forward pass, before its log entry and its
update, it tests :func:`_stops` on the outputs just computed and ends the run
there, returning the epoch it stopped at. The variants without it are
compiled without the test, so runs without ``stop`` pay nothing for it.

The rules of issue 15 (tanh hidden units, weight decay, online updates) come
as one more argument, a :class:`Rules` (:func:`rules`; None for the
defaults, whose runs keep the kernels above and their results). Shapes with
a generated kernel get a module per combination of rules; the others run
:func:`_train_rules` (full batch) or :func:`_train_online` (online), one
kernel each per dtype in which momentum, ``stop`` and every rule are
run-time flags, tested outside the loops over units, so that the 32
combinations cost two compilations instead of 32; measured on the default
rules :func:`_train_rules` runs as fast as :func:`_train` (within the
noise, ``bench/online_vs_batch.py``). Online training
(:func:`_online_epochs`) updates after each row; ``shuffled`` orders the rows
with :func:`~xorfast._compiled.order.shuffle_rows`.

Compile time is mostly Numba's, not LLVM's: ``inline="always"`` copies a
callee's IR block by block, each block taking the callee's whole variable
scope along, so an inlined function costs about its blocks times its
variables, and :func:`_epochs`, with the helpers inlined into it, is large.
Hence the ``_stop`` kernels call :func:`_epochs` themselves (not through a
helper it is inlined into) and the batch and online rules are two kernels.
Cold compiles of a 2-40-1 run, seconds of CPU in float64 / float32 (Intel
Xeon Emerald Rapids, 2 vCPUs under a load of 6-7, Numba 0.68.1; a fresh
``XORFAST_CACHE_DIR`` each): :func:`_train` 5.5 / 4.8, :func:`_train_momentum`
5.7 / 5.2, :func:`_train_stop` 6.6 / 6.4, :func:`_train_momentum_stop`
5.6 / 6.9, :func:`_train_rules` 8.6 / 7.4, :func:`_train_online` 7.4 / 5.8
(before: the ``_stop`` kernels 7-9, the one rules kernel 12-15). Splitting
:func:`_epochs` into helpers the kernels call from loops of their own
compiled faster still (``_train_stop`` 3.9 s) but ran 1.3-1.6x slower on
2-32-1, most likely from the reference counting of the arrays handed to
each inlined helper on every epoch (about 25 pairs, some 160 ns).
"""

from typing import NamedTuple

import numpy as np

from . import single_run_unrolled
from .jit import inlined_kernel, kernel, machine_code
from .order import shuffle_rows
from .sigmoid import sigmoid, sigmoid_inplace
from .tanh import tanh_derivative, tanh_inplace

#: Flat activation buffers are padded to a multiple of this many entries: one
#: AVX2 register of float32, two of float64.
PAD = 8

#: The ``stop`` argument of the kernels: no early stop, stop when every output
#: is within ``margin`` of its target, stop when the mean squared error is below ``tol``.
STOP_SOLVED = single_run_unrolled.STOP_SOLVED
STOP_CODES = {None: 0, "solved": STOP_SOLVED, "tol": 2}

#: The ``update`` of :class:`Rules`: one update per epoch, or per row in order, or shuffled.
UPDATE_BATCH, UPDATE_ONLINE, UPDATE_SHUFFLED = 0, 1, 2
UPDATE_CODES = {"batch": UPDATE_BATCH, "online": UPDATE_ONLINE, "shuffled": UPDATE_SHUFFLED}


class Workspace(NamedTuple):
    """Preallocated per-epoch buffers of one run."""

    Z1: np.ndarray  # (n * H padded,) hidden pre-activations, then activations
    Z2: np.ndarray  # (n * O padded,) output pre-activations, then activations
    D1: np.ndarray  # (n * H,) hidden error dL/dZ1
    D2: np.ndarray  # (n * O,) output error dL/dZ2
    A1: np.ndarray  # (n, H) view of the hidden activations in Z1
    A2: np.ndarray  # (n, O) view of the outputs in Z2


def _padded(size):
    return -(-size // PAD) * PAD


def workspace(rows, hidden, outputs, dtype):
    """Allocate the buffers :func:`_train` needs for one run."""
    Z1 = np.zeros(_padded(rows * hidden), dtype)
    Z2 = np.zeros(_padded(rows * outputs), dtype)
    return Workspace(
        Z1,
        Z2,
        np.empty(rows * hidden, dtype),
        np.empty(rows * outputs, dtype),
        Z1[: rows * hidden].reshape(rows, hidden),
        Z2[: rows * outputs].reshape(rows, outputs),
    )


class Arguments(NamedTuple):
    """The arguments of :func:`_train` (and its generated versions), in order.

    Built by :func:`arguments`; a kernel is called as ``kernel(*arguments)``.
    Field by field as :func:`_train` documents them.
    """

    X: np.ndarray  # (n, d), the parameters' dtype
    y: np.ndarray  # (n, O), the parameters' dtype
    params: tuple  # W1, b1, W2, b2 (xorfast.params.Params), updated in place
    velocities: tuple  # zeros like params, updated in place; empty arrays without momentum
    epochs: int
    lr: np.floating  # the parameters' dtype
    scale: np.floating  # 1/n or 1, the parameters' dtype
    momentum: np.floating  # in [0, 1), the parameters' dtype
    mse_output: bool  # squared-error output error; else cross-entropy
    derivative_offset: np.floating  # added to the outputs' a (1 - a), the parameters' dtype
    log_every: int  # 0: no loss log
    mse_log: np.ndarray  # one entry per log_every epochs
    work: Workspace  # the run's buffers; A2 holds the predictions after the run
    inputs: int
    hidden: int
    outputs: int
    stop: int  # STOP_CODES: 0 (train all epochs), 1 (until solved) or 2 (until MSE < tol)
    margin: np.floating  # solved: every output within margin of its target, the parameters' dtype
    tol: np.floating  # the mean squared error stop=2 ends a run below, the parameters' dtype


def arguments(
    X,
    y,
    params,
    *,
    epochs,
    lr,
    scale,
    mse_output,
    log_every=0,
    momentum=0.0,
    derivative_offset=0.0,
    stop=None,
    margin=0.5,
    tol=0.01,
):
    """The :class:`Arguments` of one run of ``params`` on ``X``, ``y``.

    Allocates the run's :func:`workspace`, its loss log (one entry for every
    ``log_every`` epochs, none for 0) and, with a non-zero ``momentum``, its
    velocities (zeros shaped like ``params``; without momentum, empty arrays
    of the same types, which the plain kernel never reads), and takes ``lr``,
    ``scale``, ``momentum``, ``derivative_offset``, ``margin`` and ``tol`` into
    the parameters' dtype; ``stop`` (None, ``"solved"`` or ``"tol"``) becomes
    its code in :data:`STOP_CODES`. Nothing is checked: the caller has
    validated everything.
    """
    dtype = params[0].dtype.type
    inputs, (hidden, outputs) = X.shape[1], params[2].shape
    logged = -(-epochs // log_every) if log_every else 0
    if momentum:
        velocities = tuple(np.zeros_like(array) for array in params)
    else:
        velocities = tuple(np.zeros((0,) * array.ndim, dtype) for array in params)
    return Arguments(
        X,
        y,
        params,
        velocities,
        epochs,
        dtype(lr),
        dtype(scale),
        dtype(momentum),
        mse_output,
        dtype(derivative_offset),
        log_every,
        np.zeros(logged, dtype),
        workspace(X.shape[0], hidden, outputs, dtype),
        inputs,
        hidden,
        outputs,
        STOP_CODES[stop],
        dtype(margin),
        dtype(tol),
    )


class Rules(NamedTuple):
    """The rules of issue 15, the last argument of the ``rules`` kernels (built by :func:`rules`).

    Runs with the default rules have none: their kernels are those from
    before these rules, taking :class:`Arguments` alone.
    """

    tanh: bool  # tanh hidden units; else sigmoid
    weight_decay: np.floating  # >= 0, the parameters' dtype
    update: int  # UPDATE_CODES: 0 (batch), 1 (online, rows in order), 2 (shuffled)
    seed: np.uint64  # the run's seed, which orders the rows with update=2
    order: np.ndarray  # (n,) int64: the rows' order in the current epoch (online)


def rules(rows, dtype, *, activation="sigmoid", weight_decay=0.0, update="batch", seed=0):
    """The :class:`Rules` of a run, or None when they are all the defaults.

    ``dtype`` is the parameters' scalar type, ``rows`` the data's row count
    (the length of ``order``, which starts as ``0 .. rows-1``), ``seed`` the
    run's seed (used with ``update="shuffled"`` only). Nothing is checked.
    """
    if activation == "sigmoid" and weight_decay == 0 and update == "batch":
        return None
    return Rules(
        activation == "tanh",
        np.dtype(dtype).type(weight_decay),
        UPDATE_CODES[update],
        np.uint64(seed),
        np.arange(rows, dtype=np.int64),
    )


def call_arguments(arguments, rules=None):
    """What a kernel from :func:`kernel_for` is called with: ``arguments`` and any ``rules``."""
    return tuple(arguments) if rules is None else (*arguments, rules)


@inlined_kernel
def _layers(X, params, work, inputs, hidden, outputs, tanh_units=False):
    """The forward pass of :func:`_forward` for the given layer widths.

    ``tanh_units``: the hidden units are tanh (the ``rules`` kernels), else sigmoid.
    """
    W1, b1, W2, b2 = params
    Z1, Z2 = work.Z1, work.Z2
    for i in range(X.shape[0]):
        row = i * hidden
        for h in range(hidden):
            Z1[row + h] = b1[h]
        for k in range(inputs):
            x = X[i, k]
            for h in range(hidden):
                Z1[row + h] += x * W1[k, h]
    if tanh_units:
        tanh_inplace(Z1)
    else:
        sigmoid_inplace(Z1)
    for i in range(X.shape[0]):
        for o in range(outputs):
            z = b2[o]
            for h in range(hidden):
                z += Z1[i * hidden + h] * W2[h, o]
            Z2[i * outputs + o] = z
    sigmoid_inplace(Z2)


@kernel
def _forward(X, params, work):
    """Fill ``work.A1`` and ``work.A2`` (views of ``Z1``, ``Z2``) with the activations of ``X``."""
    _layers(X, params, work, X.shape[1], params.W2.shape[0], params.W2.shape[1])


@inlined_kernel
def _stops(y, A2, stop, margin, tol, rows, outputs):
    """True when the rule ``stop`` ends the run at the outputs ``A2`` (flat, row-major).

    ``stop`` is :data:`STOP_SOLVED`: every ``|A2 - y| < margin`` (a NaN never
    is); otherwise the mean of ``(y - A2)**2``, summed in row order, is below
    ``tol``. As :func:`xorfast.reference.stops` and the sweep kernels decide it.
    """
    done = True
    if stop == STOP_SOLVED:
        for i in range(rows):
            for o in range(outputs):
                if not abs(A2[i * outputs + o] - y[i, o]) < margin:
                    done = False
    else:
        total = A2.dtype.type(0)
        for i in range(rows):
            for o in range(outputs):
                difference = A2[i * outputs + o] - y[i, o]
                total += difference * difference
        done = total / A2.dtype.type(rows * outputs) < tol
    return done


@inlined_kernel
def _apply_update(params, velocities, gradients, step, decay, momentum, heavy_ball, decaying):
    """One update from ``gradients``, in place, as the ``rules`` kernels make it.

    ``gradients`` are ``(gW1, gb1, gW2, gb2)`` as :func:`_epochs` sums them
    (``gW2`` transposed), ``step`` multiplies them (``lr * scale``). A
    parameter's change is ``step * g``, and with ``decaying`` a weight's (not
    a bias's) gains ``decay * w`` (``decay = lr * weight_decay``). The change
    is subtracted, or with ``heavy_ball`` it makes the velocity
    ``v = momentum * v - change; p += v``. (:func:`_epochs` without decay
    keeps its own loops, those from before weight decay existed.)
    """
    W1, b1, W2, b2 = params
    vW1, vb1, vW2, vb2 = velocities
    gW1, gb1, gW2, gb2 = gradients
    hidden, outputs = W2.shape
    for h in range(hidden):
        for o in range(outputs):
            change = step * gW2[o, h]
            if decaying:
                change += decay * W2[h, o]
            if heavy_ball:
                vW2[h, o] = momentum * vW2[h, o] - change
                W2[h, o] += vW2[h, o]
            else:
                W2[h, o] -= change
    for o in range(outputs):
        if heavy_ball:
            vb2[o] = momentum * vb2[o] - step * gb2[o]
            b2[o] += vb2[o]
        else:
            b2[o] -= step * gb2[o]
    for k in range(W1.shape[0]):
        for h in range(hidden):
            change = step * gW1[k, h]
            if decaying:
                change += decay * W1[k, h]
            if heavy_ball:
                vW1[k, h] = momentum * vW1[k, h] - change
                W1[k, h] += vW1[k, h]
            else:
                W1[k, h] -= change
    for h in range(hidden):
        if heavy_ball:
            vb1[h] = momentum * vb1[h] - step * gb1[h]
            b1[h] += vb1[h]
        else:
            b1[h] -= step * gb1[h]


@inlined_kernel
def _epochs(
    X,
    y,
    params,
    velocities,
    epochs,
    lr,
    scale,
    momentum,
    mse_output,
    derivative_offset,
    log_every,
    mse_log,
    work,
    inputs,
    hidden,
    outputs,
    stop,
    margin,
    tol,
    heavy_ball,
    stopping,
    tanh_units=False,
    decaying=False,
    decay=0.0,
):
    """The epoch loop of :func:`_train` for the given layer widths.

    Every gradient is summed over the rows in row order, as the reference
    writes it; the rows are the outer loop so that the inner loops run along
    contiguous rows of ``A1``, ``D1`` and ``W1``. ``heavy_ball`` is a constant
    of each calling kernel (False in :func:`_train`, True in
    :func:`_train_momentum`), so LLVM drops the update it does not take.
    Likewise ``stopping`` (True in the ``_stop`` kernels only): whether each
    epoch's forward pass is tested with :func:`_stops`, ending the loop there.
    ``tanh_units`` (tanh hidden units) and ``decaying`` (weight decay: each
    weight's step gains ``decay * weight``, ``decay = lr * weight_decay``) are
    set by :func:`_train_rules` only; the other kernels leave them False, so
    their code is the one from before these rules.

    Returns the epoch the loop stopped at, -1 if it ran all ``epochs``.
    """
    W1, b1, W2, b2 = params
    vW1, vb1, vW2, vb2 = velocities
    A1, A2, D1, D2 = work.Z1, work.Z2, work.D1, work.D2
    # Gradient sums, allocated once per call, never inside the epoch loop.
    gW1 = np.empty_like(W1)
    gb1 = np.empty_like(b1)
    gW2 = np.empty((outputs, hidden), W2.dtype)  # transposed: rows of A1 run along h
    gb2 = np.empty_like(b2)
    rows = X.shape[0]
    one = W1.dtype.type(1)
    zero = W1.dtype.type(0)
    step = lr * scale
    stopped = -1
    for epoch in range(epochs):
        _layers(X, params, work, inputs, hidden, outputs, tanh_units)

        # Before the log entry and the update, so that a run stopped at epoch
        # e is, log included, the run of e epochs.
        if stopping and _stops(y, A2, stop, margin, tol, rows, outputs):
            stopped = epoch
            break

        if log_every > 0 and epoch % log_every == 0:
            total = zero
            for i in range(rows):
                for o in range(outputs):
                    total += (y[i, o] - A2[i * outputs + o]) ** 2
            mse_log[epoch // log_every] = total / (rows * outputs)

        for i in range(rows):
            for o in range(outputs):
                a = A2[i * outputs + o]
                error = a - y[i, o]
                if mse_output:
                    error *= a * (one - a) + derivative_offset
                D2[i * outputs + o] = error

        # The hidden error uses W2 from before this epoch's update.
        for i in range(rows):
            row = i * hidden
            for h in range(hidden):
                D1[row + h] = zero
            for o in range(outputs):
                error = D2[i * outputs + o]
                for h in range(hidden):
                    D1[row + h] += error * W2[h, o]
            if tanh_units:
                for h in range(hidden):
                    D1[row + h] = D1[row + h] * tanh_derivative(A1[row + h])
            else:
                for h in range(hidden):
                    a = A1[row + h]
                    D1[row + h] = D1[row + h] * a * (one - a)

        gW1[:] = zero
        gb1[:] = zero
        gW2[:] = zero
        gb2[:] = zero
        for i in range(rows):
            row = i * hidden
            for o in range(outputs):
                error = D2[i * outputs + o]
                gb2[o] += error
                for h in range(hidden):
                    gW2[o, h] += A1[row + h] * error
            for k in range(inputs):
                x = X[i, k]
                for h in range(hidden):
                    gW1[k, h] += x * D1[row + h]
            for h in range(hidden):
                gb1[h] += D1[row + h]

        if decaying:
            gradients = (gW1, gb1, gW2, gb2)
            _apply_update(params, velocities, gradients, step, decay, momentum, heavy_ball, True)
        elif heavy_ball:
            for h in range(hidden):
                for o in range(outputs):
                    vW2[h, o] = momentum * vW2[h, o] - step * gW2[o, h]
                    W2[h, o] += vW2[h, o]
            for o in range(outputs):
                vb2[o] = momentum * vb2[o] - step * gb2[o]
                b2[o] += vb2[o]
            for k in range(inputs):
                for h in range(hidden):
                    vW1[k, h] = momentum * vW1[k, h] - step * gW1[k, h]
                    W1[k, h] += vW1[k, h]
            for h in range(hidden):
                vb1[h] = momentum * vb1[h] - step * gb1[h]
                b1[h] += vb1[h]
        else:
            for h in range(hidden):
                for o in range(outputs):
                    W2[h, o] -= step * gW2[o, h]
            for o in range(outputs):
                b2[o] -= step * gb2[o]
            for k in range(inputs):
                for h in range(hidden):
                    W1[k, h] -= step * gW1[k, h]
            for h in range(hidden):
                b1[h] -= step * gb1[h]
    return stopped


@kernel
def _train(
    X,
    y,
    params,
    velocities,
    epochs,
    lr,
    scale,
    momentum,
    mse_output,
    derivative_offset,
    log_every,
    mse_log,
    work,
    inputs,
    hidden,
    outputs,
    stop,
    margin,
    tol,
):
    """Run ``epochs`` full-batch gradient steps, updating ``params`` in place.

    Plain gradient descent: ``momentum`` and ``velocities`` are not read
    (:func:`_train_momentum` is the heavy ball), nor are ``stop``, ``margin``
    and ``tol`` (:func:`_train_stop` stops early). Ends with a forward pass
    of the trained parameters, so ``work.A2`` holds the predictions.

    Parameters
    ----------
    X, y : 2-D arrays (n, d), (n, O) of the parameters' dtype.
    params : Params, updated in place.
    velocities : tuple of arrays
        One per parameter array, zeros at the start, updated in place
        (the ``_momentum`` kernels only).
    epochs : int
    lr, scale : scalars of the parameters' dtype; ``scale`` is ``1/n`` or 1.
    momentum : scalar of the parameters' dtype
        ``v = momentum * v - (lr * scale) * gradient_sum; p += v``
        (the ``_momentum`` kernels only).
    mse_output : bool
        Squared-error output error ``(A2 - y) (A2 (1 - A2) + derivative_offset)``;
        else cross-entropy ``A2 - y``.
    derivative_offset : scalar of the parameters' dtype
    log_every : int
        Write the forward pass's mean squared error to ``mse_log[epoch // log_every]``
        at every multiple of ``log_every``; 0 writes nothing.
    mse_log : 1-D array
    work : Workspace
    inputs, hidden, outputs : int
        The layer widths ``d``, ``H``, ``O``.
    stop : int
        :data:`STOP_SOLVED` or another code of :data:`STOP_CODES` (the
        ``_stop`` kernels only): see :func:`_stops`.
    margin, tol : scalars of the parameters' dtype (the ``_stop`` kernels only).
    """
    _epochs(
        X,
        y,
        params,
        velocities,
        epochs,
        lr,
        scale,
        momentum,
        mse_output,
        derivative_offset,
        log_every,
        mse_log,
        work,
        inputs,
        hidden,
        outputs,
        stop,
        margin,
        tol,
        False,
        False,
    )
    _layers(X, params, work, inputs, hidden, outputs)


@kernel
def _train_momentum(
    X,
    y,
    params,
    velocities,
    epochs,
    lr,
    scale,
    momentum,
    mse_output,
    derivative_offset,
    log_every,
    mse_log,
    work,
    inputs,
    hidden,
    outputs,
    stop,
    margin,
    tol,
):
    """:func:`_train` with the heavy ball: ``v = momentum * v - (lr * scale) * g; p += v``.

    ``velocities`` must be arrays shaped like ``params`` (zeros to start a run);
    they hold the last velocities afterwards.
    """
    _epochs(
        X,
        y,
        params,
        velocities,
        epochs,
        lr,
        scale,
        momentum,
        mse_output,
        derivative_offset,
        log_every,
        mse_log,
        work,
        inputs,
        hidden,
        outputs,
        stop,
        margin,
        tol,
        True,
        False,
    )
    _layers(X, params, work, inputs, hidden, outputs)


@inlined_kernel
def _stopped_at(X, y, params, work, epochs, inputs, hidden, outputs, stop, margin, tol, stopped):
    """The end of the ``_stop`` kernels, after :func:`_epochs` returned ``stopped``.

    A run that did not stop is tested once more: the state after the last
    update counts as epoch ``epochs``. (The kernels call :func:`_epochs`
    themselves: inlined into a helper inlined in turn, its code would be
    copied twice over by Numba's inliner, seconds of compilation each.)
    """
    if stopped < 0:
        _layers(X, params, work, inputs, hidden, outputs)
        if _stops(y, work.Z2, stop, margin, tol, X.shape[0], outputs):
            stopped = epochs
    return stopped


@kernel
def _train_stop(
    X,
    y,
    params,
    velocities,
    epochs,
    lr,
    scale,
    momentum,
    mse_output,
    derivative_offset,
    log_every,
    mse_log,
    work,
    inputs,
    hidden,
    outputs,
    stop,
    margin,
    tol,
):
    """:func:`_train`, ending the run at the first epoch where :func:`_stops` says so.

    Each epoch's forward pass (epoch ``e``: the state after ``e`` updates) is
    tested before that epoch's log entry and update; the state after the last
    update counts as epoch ``epochs``. A run stopped at epoch ``e`` has made
    ``e`` updates and leaves ``params``, ``work`` and ``mse_log`` as
    :func:`_train` does for ``epochs=e`` (the log's later entries stay 0).

    Returns
    -------
    int
        The epoch the run stopped at (the number of updates made), or -1 when
        no forward pass in ``0 .. epochs`` stopped it (``epochs`` updates made).
    """
    stopped = _epochs(
        X,
        y,
        params,
        velocities,
        epochs,
        lr,
        scale,
        momentum,
        mse_output,
        derivative_offset,
        log_every,
        mse_log,
        work,
        inputs,
        hidden,
        outputs,
        stop,
        margin,
        tol,
        False,
        True,
    )
    return _stopped_at(
        X, y, params, work, epochs, inputs, hidden, outputs, stop, margin, tol, stopped
    )


@kernel
def _train_momentum_stop(
    X,
    y,
    params,
    velocities,
    epochs,
    lr,
    scale,
    momentum,
    mse_output,
    derivative_offset,
    log_every,
    mse_log,
    work,
    inputs,
    hidden,
    outputs,
    stop,
    margin,
    tol,
):
    """:func:`_train_stop` with the heavy ball of :func:`_train_momentum`."""
    stopped = _epochs(
        X,
        y,
        params,
        velocities,
        epochs,
        lr,
        scale,
        momentum,
        mse_output,
        derivative_offset,
        log_every,
        mse_log,
        work,
        inputs,
        hidden,
        outputs,
        stop,
        margin,
        tol,
        True,
        True,
    )
    return _stopped_at(
        X, y, params, work, epochs, inputs, hidden, outputs, stop, margin, tol, stopped
    )


@inlined_kernel
def _online_epochs(
    X,
    y,
    params,
    velocities,
    epochs,
    lr,
    scale,
    momentum,
    mse_output,
    derivative_offset,
    log_every,
    mse_log,
    work,
    inputs,
    hidden,
    outputs,
    stop,
    margin,
    tol,
    heavy_ball,
    stopping,
    tanh_units,
    decaying,
    decay,
    shuffled,
    seed,
    order,
):
    """The epoch loop of online training: one update per row, rows in ``order``.

    As :func:`xorfast.reference.online_epoch`: each row's forward pass, errors
    and update in turn, from the parameters the rows before it left (the
    hidden error from ``W2`` before the row's update); ``scale`` is 1. With
    ``shuffled`` the order of each epoch comes from :func:`shuffle_rows`, else
    ``order`` is ``0 .. n-1`` throughout. The stop test and the log entry of
    epoch ``e`` look at a forward pass over all rows at the start of the
    epoch, made only when one of them needs it.

    Returns the epoch the loop stopped at, -1 if it ran all ``epochs``.
    """
    W1, b1, W2, b2 = params
    A2, D1, D2 = work.Z2, work.D1, work.D2
    # One row's gradients, allocated once per call.
    gW1 = np.empty_like(W1)
    gb1 = np.empty_like(b1)
    gW2 = np.empty((outputs, hidden), W2.dtype)  # transposed, as in _epochs
    gb2 = np.empty_like(b2)
    gradients = (gW1, gb1, gW2, gb2)
    # One row's hidden units (padded, as the workspace's buffers are) and, in the first
    # entries of D1 and D2, its errors: indexed from 0, the loops over units vectorise,
    # and the sigmoids take the whole buffer, where a slice of A1 would be a new array
    # (and two reference-count calls) on every row.
    units = np.zeros(-(-hidden // PAD) * PAD, W1.dtype)
    rows = X.shape[0]
    one = W1.dtype.type(1)
    zero = W1.dtype.type(0)
    step = lr * scale
    stopped = -1
    for epoch in range(epochs):
        logging = log_every > 0 and epoch % log_every == 0
        if stopping or logging:
            _layers(X, params, work, inputs, hidden, outputs, tanh_units)
            if stopping and _stops(y, A2, stop, margin, tol, rows, outputs):
                stopped = epoch
                break
            if logging:
                total = zero
                for i in range(rows):
                    for o in range(outputs):
                        total += (y[i, o] - A2[i * outputs + o]) ** 2
                mse_log[epoch // log_every] = total / (rows * outputs)
        if shuffled:
            shuffle_rows(order, seed, epoch)
        for j in range(rows):
            i = order[j]
            for h in range(hidden):
                units[h] = b1[h]
            for k in range(inputs):
                x = X[i, k]
                for h in range(hidden):
                    units[h] += x * W1[k, h]
            if tanh_units:
                tanh_inplace(units)
            else:
                sigmoid_inplace(units)
            for o in range(outputs):
                z = b2[o]
                for h in range(hidden):
                    z += units[h] * W2[h, o]
                a = sigmoid(z)
                error = a - y[i, o]
                if mse_output:
                    error *= a * (one - a) + derivative_offset
                D2[o] = error
            # The hidden error uses W2 from before this row's update.
            for h in range(hidden):
                D1[h] = zero
            for o in range(outputs):
                error = D2[o]
                for h in range(hidden):
                    D1[h] += error * W2[h, o]
            if tanh_units:
                for h in range(hidden):
                    D1[h] = D1[h] * tanh_derivative(units[h])
            else:
                for h in range(hidden):
                    a = units[h]
                    D1[h] = D1[h] * a * (one - a)
            for o in range(outputs):
                error = D2[o]
                gb2[o] = error
                for h in range(hidden):
                    gW2[o, h] = units[h] * error
            for k in range(inputs):
                x = X[i, k]
                for h in range(hidden):
                    gW1[k, h] = x * D1[h]
            for h in range(hidden):
                gb1[h] = D1[h]
            _apply_update(
                params, velocities, gradients, step, decay, momentum, heavy_ball, decaying
            )
    return stopped


@kernel
def _train_rules(
    X,
    y,
    params,
    velocities,
    epochs,
    lr,
    scale,
    momentum,
    mse_output,
    derivative_offset,
    log_every,
    mse_log,
    work,
    inputs,
    hidden,
    outputs,
    stop,
    margin,
    tol,
    rules,
):
    """:func:`_train_momentum_stop` with the rules of issue 15, every choice made at run time.

    The kernel of full-batch runs with tanh hidden units or weight decay
    (``rules``, a :class:`Rules`) whose shape has no generated kernel
    (:func:`_train_online` runs the online ones). Momentum (non-zero
    ``momentum``), ``stop`` and the rules are tested at run time, outside the
    loops over units, so one compiled kernel per dtype serves them all.
    Returns the epoch the run stopped at (-1: never, always without
    ``stop``), as the ``_stop`` kernels do.
    """
    heavy_ball = momentum != 0
    stopping = stop != 0
    tanh_units = rules.tanh
    decaying = rules.weight_decay != 0
    decay = lr * rules.weight_decay
    stopped = _epochs(
        X,
        y,
        params,
        velocities,
        epochs,
        lr,
        scale,
        momentum,
        mse_output,
        derivative_offset,
        log_every,
        mse_log,
        work,
        inputs,
        hidden,
        outputs,
        stop,
        margin,
        tol,
        heavy_ball,
        stopping,
        tanh_units,
        decaying,
        decay,
    )
    if stopped < 0:
        # The predictions of the trained parameters; with stop, epoch `epochs`.
        _layers(X, params, work, inputs, hidden, outputs, tanh_units)
        if stopping and _stops(y, work.Z2, stop, margin, tol, X.shape[0], outputs):
            stopped = epochs
    return stopped


@kernel
def _train_online(
    X,
    y,
    params,
    velocities,
    epochs,
    lr,
    scale,
    momentum,
    mse_output,
    derivative_offset,
    log_every,
    mse_log,
    work,
    inputs,
    hidden,
    outputs,
    stop,
    margin,
    tol,
    rules,
):
    """:func:`_train_rules` for online training (``rules.update`` online or shuffled).

    :func:`_online_epochs` in place of :func:`_epochs`. A kernel apart from the
    full-batch one: the two loops inlined into one kernel made a function so
    large that compiling it took as long as compiling both apart, and every
    run paid for both.
    """
    heavy_ball = momentum != 0
    stopping = stop != 0
    tanh_units = rules.tanh
    decaying = rules.weight_decay != 0
    decay = lr * rules.weight_decay
    stopped = _online_epochs(
        X,
        y,
        params,
        velocities,
        epochs,
        lr,
        scale,
        momentum,
        mse_output,
        derivative_offset,
        log_every,
        mse_log,
        work,
        inputs,
        hidden,
        outputs,
        stop,
        margin,
        tol,
        heavy_ball,
        stopping,
        tanh_units,
        decaying,
        decay,
        rules.update == UPDATE_SHUFFLED,
        rules.seed,
        rules.order,
    )
    if stopped < 0:
        # The predictions of the trained parameters; with stop, epoch `epochs`.
        _layers(X, params, work, inputs, hidden, outputs, tanh_units)
        if stopping and _stops(y, work.Z2, stop, margin, tol, X.shape[0], outputs):
            stopped = epochs
    return stopped


#: The generic kernels by (momentum, stop).
_GENERIC = {
    (False, False): _train,
    (True, False): _train_momentum,
    (False, True): _train_stop,
    (True, True): _train_momentum_stop,
}


def kernel_for(arguments, rules=None, *, unrolled=True):
    """The single-run kernel (a dispatcher) that runs ``arguments`` (and ``rules``).

    With ``rules`` (a :class:`Rules`: tanh units, weight decay or online
    updates), the generated kernel of the shape's variant, else
    :func:`_train_rules` (``update="batch"``) or :func:`_train_online`
    (online or shuffled); called as ``kernel(*call_arguments(arguments,
    rules))``, it returns the epoch the run stopped at (-1: never). Without:

    The heavy-ball variant for a non-zero ``arguments.momentum``, else the
    plain one, and of either the stopping variant for a non-zero
    ``arguments.stop``; for shapes up to ``SMALL_WIDTHS``, the generated
    version of it (unless ``unrolled`` is False: the generic kernel, as tests
    compare them). The stopping variants return the epoch the run stopped
    at (-1: never), the others None.
    """
    momentum = bool(arguments.momentum != 0)
    stop = arguments.stop != 0
    widths = arguments.inputs, arguments.hidden, arguments.outputs
    if rules is not None:
        if unrolled and single_run_unrolled.unrolls(*widths):
            return single_run_unrolled.train_kernel(
                *widths,
                momentum=momentum,
                stop=stop,
                tanh=bool(rules.tanh),
                decay=bool(rules.weight_decay != 0),
                online=rules.update != UPDATE_BATCH,
            )
        return _train_rules if rules.update == UPDATE_BATCH else _train_online
    if unrolled and single_run_unrolled.unrolls(*widths):
        return single_run_unrolled.train_kernel(*widths, momentum=momentum, stop=stop)
    return _GENERIC[momentum, stop]


def compiled_train(arguments, rules=None):
    """The machine code of :func:`kernel_for` ``(arguments, rules)`` for them.

    ``arguments`` are an :class:`Arguments` (from :func:`arguments`), ``rules``
    a :class:`Rules` or None (from :func:`rules`); call the result with
    ``*call_arguments(arguments, rules)``. The first call per variant, shape
    and argument types (dtype, memory layout) compiles or loads the kernel.
    """
    # Looked up by a plain tuple: Numba's fingerprint of a named tuple spells
    # out its field names, which would add a few us to every run.
    return machine_code(kernel_for(arguments, rules), call_arguments(arguments, rules))
