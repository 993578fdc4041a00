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
"""

from typing import NamedTuple

import numpy as np

from . import single_run_unrolled
from .jit import inlined_kernel, kernel, machine_code
from .sigmoid import sigmoid_inplace

#: Flat activation buffers are padded to a multiple of this many entries: one
#: AVX2 register of float32, two of float64.
PAD = 8

#: The ``stop`` argument of the kernels: no early stop, stop when every output
#: is within ``margin`` of its target, stop when the mean squared error is below ``tol``.
STOP_SOLVED = single_run_unrolled.STOP_SOLVED
STOP_CODES = {None: 0, "solved": STOP_SOLVED, "tol": 2}


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


@inlined_kernel
def _layers(X, params, work, inputs, hidden, outputs):
    """The forward pass of :func:`_forward` for the given layer widths."""
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
):
    """The epoch loop of :func:`_train` for the given layer widths.

    Every gradient is summed over the rows in row order, as the reference
    writes it; the rows are the outer loop so that the inner loops run along
    contiguous rows of ``A1``, ``D1`` and ``W1``. ``heavy_ball`` is a constant
    of each calling kernel (False in :func:`_train`, True in
    :func:`_train_momentum`), so LLVM drops the update it does not take.
    Likewise ``stopping`` (True in the ``_stop`` kernels only): whether each
    epoch's forward pass is tested with :func:`_stops`, ending the loop there.

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
        _layers(X, params, work, inputs, hidden, outputs)

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

        if heavy_ball:
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
def _stopping_run(
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
):
    """The body of the ``_stop`` kernels: see :func:`_train_stop`."""
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
        True,
    )
    if stopped < 0:
        # The state after the last update counts as epoch `epochs`.
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
    return _stopping_run(
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
    return _stopping_run(
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
    )


#: The generic kernels by (momentum, stop).
_GENERIC = {
    (False, False): _train,
    (True, False): _train_momentum,
    (False, True): _train_stop,
    (True, True): _train_momentum_stop,
}


def kernel_for(arguments, *, unrolled=True):
    """The single-run kernel (a dispatcher) that runs ``arguments``.

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
    if unrolled and single_run_unrolled.unrolls(*widths):
        return single_run_unrolled.train_kernel(*widths, momentum=momentum, stop=stop)
    return _GENERIC[momentum, stop]


def compiled_train(arguments):
    """The machine code of :func:`kernel_for` ``(arguments)`` for ``arguments``.

    ``arguments`` are an :class:`Arguments` (from :func:`arguments`); call the
    result with ``*arguments``. The first call per variant, shape and argument
    types (dtype, memory layout) compiles or loads the kernel.
    """
    # Looked up by a plain tuple: Numba's fingerprint of a named tuple spells
    # out its field names, which would add a few us to every run.
    return machine_code(kernel_for(arguments), tuple(arguments))
