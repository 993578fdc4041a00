"""``xorfast.train``: check the input, pick the starting weights, run a kernel, wrap the result."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from . import _validation, reference
from ._compiled import single_run
from .options import OPTIONS
from .params import Params, initial_params
from .result import History, TrainResult

if TYPE_CHECKING:
    from ._typing import Activation, Backend, BiasInit, DType, Init, Loss, Reduction, Stop, Update

DEFAULT_HIDDEN = OPTIONS.hidden.default

#: What a backend returns: trained parameters, the loss log, A1, A2, seconds and
#: the epoch the run stopped at (-1: it trained all epochs).
_Run = tuple[Params, np.ndarray, np.ndarray, np.ndarray, float, int]


def train(
    X: npt.ArrayLike | None = None,
    y: npt.ArrayLike | None = None,
    *,
    hidden: int | None = None,
    epochs: int = OPTIONS.epochs.default,
    lr: float = OPTIONS.lr.default,
    momentum: float = OPTIONS.momentum.default,
    loss: Loss = OPTIONS.loss.default,
    reduction: Reduction = OPTIONS.reduction.default,
    derivative_offset: float = OPTIONS.derivative_offset.default,
    activation: Activation = OPTIONS.activation.default,
    weight_decay: float = OPTIONS.weight_decay.default,
    update: Update = OPTIONS.update.default,
    margin: float = OPTIONS.margin.default,
    seed: int | None = None,
    init: Init = OPTIONS.init.default,
    init_scale: float = OPTIONS.init_scale.default,
    bias_init: BiasInit = OPTIONS.bias_init.default,
    weights: Sequence[npt.ArrayLike] | None = None,
    dtype: DType = OPTIONS.dtype.default,
    log_every: int = OPTIONS.log_every.default,
    backend: Backend = OPTIONS.backend.default,
    tol: float = OPTIONS.tol.default,
    stop: Stop | None = OPTIONS.stop.default,
) -> TrainResult:
    """Train one two-layer network by gradient descent (full-batch or online), with momentum.

    Parameters
    ----------
    X : array_like (n, d), optional
        Inputs. With ``X`` and ``y`` both omitted, the XOR truth table.
    y : array_like (n, O) or (n,), optional
        Targets, in [0, 1] for ``loss="bce"``.
    hidden : int, default 4
        Hidden units ``H``. With ``weights`` given it defaults to their width.
    epochs : int, default 10_000
        Gradient steps, each over the whole data set.
    lr : float, default 0.1
        Learning rate (> 0).
    momentum : float, default 0.0
        Heavy-ball momentum in [0, 1) (Rumelhart, Hinton & Williams 1986):
        ``velocity = momentum * velocity - lr * gradient; parameter += velocity``,
        each velocity starting at 0. With 0, plain gradient descent
        ``parameter -= lr * gradient``, exactly.
    loss : {"bce", "mse"}, default "bce"
        Output error ``A2 - y`` (cross-entropy gradient) or ``(A2 - y) A2 (1 - A2)``
        (squared-error gradient through the output sigmoid).
    reduction : {"mean", "sum"}, default "mean"
        Average the gradient over the rows, or sum it.
    derivative_offset : float, default 0.0
        Fahlman's (1988) flat-spot fix (>= 0): added to the output units'
        sigmoid derivative, so the output error is
        ``(A2 - y) (A2 (1 - A2) + derivative_offset)``. Only with
        ``loss="mse"``; the hidden units keep their own derivative.
    activation : {"sigmoid", "tanh"}, default "sigmoid"
        The hidden units' activation, ``sigmoid`` (derivative ``A1 (1 - A1)``)
        or ``tanh`` (derivative ``1 - A1**2``); the output units stay sigmoid.
    weight_decay : float, default 0.0
        L2 weight decay (>= 0): at every update the gradient of each weight
        (``W1``, ``W2``) gains ``weight_decay * weight``, after the
        ``reduction``; the biases are not decayed.
    update : {"batch", "online", "shuffled"}, default "batch"
        ``"batch"``: one update per epoch, from the gradient over all rows.
        ``"online"``: one update per row, rows in order, each from that row's
        gradient alone (``reduction`` acts over one row, so there is no
        ``1/n``). ``"shuffled"``: online, the rows in a new order each epoch,
        :func:`xorfast.reference.shuffled_order` of the run's ``seed`` and the
        epoch. An epoch is one pass over the data either way; epoch ``e``
        (for ``history``, ``stop`` and ``epoch_solved``) is the forward pass
        over all rows at its start, after ``e`` epochs of updates.
    margin : float, default 0.5
        Success criterion in (0, 1): the run is ``solved`` when every output
        is within ``margin`` of its target. 0.4 is Fahlman's 40-20-40 rule.
    seed : int, optional
        Seed for the initial weights: ``np.random.seed(seed)``, ``W1 = randn(d, H)``,
        ``W2 = randn(H, O)``, and with ``update="shuffled"`` for the rows'
        order. Drawn at random (and reported) when omitted. Refused together
        with ``weights``, which fix the start instead, unless
        ``update="shuffled"``, where it seeds the order alone.
    init : {"normal", "uniform", "glorot"}, default "normal"
        ``randn * init_scale``, ``U(-init_scale, init_scale)``, or ``U(-g, g)``
        with ``g = init_scale * sqrt(6 / (fan_in + fan_out))`` per weight
        matrix (see :func:`xorfast.params.initial_params`).
    init_scale : float, default 1.0
        Standard deviation (normal), half-width (uniform) or factor of the
        Glorot limit (glorot) of the initial weights; at most the dtype's
        largest value / 64, so that they fit.
    bias_init : {"zeros", "same"}, default "zeros"
    weights : tuple (W1, b1, W2, b2), optional
        Start from these arrays instead (they are copied, never modified);
        ``init``, ``init_scale`` and ``bias_init``, which pick the random
        start, are refused beside them, and so is ``seed`` unless
        ``update="shuffled"``, where it seeds the rows' order.
    dtype : {"float64", "float32"}, default "float64"
    log_every : int, default 0
        Record the mean squared error every ``log_every`` epochs (0: never),
        before that epoch's update; a stopped run records none from the epoch
        it stopped at on.
    backend : {"numba", "numpy"}, default "numba"
        The fused compiled kernel, or the plain NumPy reference.
    tol : float, default 0.01
        With ``stop="tol"``, the mean squared error a run stops below.
    stop : {"solved", "tol"}, optional
        End the run early: at its first solved epoch (every output within
        ``margin`` of its target), or its first epoch with mean squared error
        below ``tol``. ``epochs`` stays the budget. Default: train all ``epochs``.
        Epoch ``e`` is the forward pass after ``e`` updates, tested before
        that epoch's update, and the state after the last update is epoch
        ``epochs``, as ``epoch_solved`` counts them. A run stopped at epoch
        ``e`` returns what ``train(..., epochs=e)`` returns, to the bit (its
        weights, predictions, ``final_mse``, ``max_error`` and history), with
        ``updates == epoch_stopped == e``; with ``stop="solved"``,
        ``epoch_stopped`` is the run's ``epoch_solved``.

    Returns
    -------
    TrainResult
        ``updates`` is the number of updates made (``epochs`` unless the run
        stopped early; online, the number of epochs, each ``n`` updates)
        and ``epoch_stopped`` the epoch ``stop`` ended the run at, -1 when it
        never did (always without ``stop``). ``diverged`` is True when
        training destroyed the network: a parameter or prediction is NaN or
        infinite, or every hidden activation is exactly 0 or 1 (-1 or 1 for
        tanh units) on every row (no gradient reaches ``W1``, ``b1`` again), or with
        ``loss="mse"`` every output is exactly 0 or 1 and some are wrong (no
        gradient at all); see :func:`xorfast.reference.pinned`.

    Raises
    ------
    ValueError, TypeError
        A bad argument, before any work. ``epochs`` and ``log_every`` are at
        most 2**31 - 2, ``hidden`` at most 2**16, and the run's arrays at most
        4 GiB (``_validation.MAX_BYTES``).

    Examples
    --------
    >>> result = train(seed=42, loss="mse", reduction="sum", log_every=1000)
    >>> print(np.round(result.predictions, 3))
    [[0.037]
     [0.949]
     [0.945]
     [0.064]]
    """
    # The seed is checked below, once it is known not to clash with weights.
    given = OPTIONS.check("train", locals(), skip=("seed",))
    hidden, epochs, lr = given["hidden"], given["epochs"], given["lr"]
    momentum, offset = given["momentum"], given["derivative_offset"]
    loss, reduction, dtype = given["loss"], given["reduction"], given["dtype"]
    init, init_scale, bias_init = given["init"], given["init_scale"], given["bias_init"]
    log_every, backend = given["log_every"], given["backend"]
    stop, margin, tol = given["stop"], given["margin"], given["tol"]
    activation, weight_decay, update = given["activation"], given["weight_decay"], given["update"]
    online = update != "batch"
    X, y = _validation.data(X, y, loss=loss)
    X, y = _validation.fits("X", X, dtype), _validation.fits("y", y, dtype)
    inputs, outputs = X.shape[1], y.shape[1]
    # An online update's gradient is one row's: no 1/n.
    _validation.step(lr, 1 if online else X.shape[0], reduction, dtype)
    logged = _history_length(epochs, log_every)

    if weights is not None:
        if seed is not None and update != "shuffled":
            raise ValueError(
                "seed and weights cannot both be given: weights fix the starting "
                "point, so the seed would be ignored; pass one of them "
                "(with update='shuffled' the seed orders the rows)"
            )
        for name in ("init", "init_scale", "bias_init"):
            if given[name] != OPTIONS[name].default:
                raise ValueError(
                    f"{name}={given[name]!r} and weights cannot both be given: {name} "
                    "shapes the random starting weights, which weights replace; "
                    "pass one of them"
                )
        start = _validation.weights(weights, inputs=inputs, hidden=hidden, outputs=outputs)
        for name, array in zip(start._fields, start):
            _validation.fits(f"weights {name}", array, dtype)
        _check_memory(X.shape[0], inputs, start.W1.shape[1], outputs, logged, momentum)
        if update == "shuffled":  # the seed of the rows' order, reported
            seed = _random_seed() if seed is None else OPTIONS.seed.check(seed)
        else:
            seed = None
    else:
        hidden = hidden or DEFAULT_HIDDEN
        _check_memory(X.shape[0], inputs, hidden, outputs, logged, momentum)
        seed = _random_seed() if seed is None else OPTIONS.seed.check(seed)
        start = initial_params(
            inputs,
            hidden,
            outputs,
            seed=seed,
            init=init,
            init_scale=init_scale,
            bias_init=bias_init,
        )
    params = start.astype(dtype)
    X, y = np.ascontiguousarray(X, dtype), np.ascontiguousarray(y, dtype)

    run = _run_numpy if backend == "numpy" else _run_numba
    params, mse_log, hidden_activations, predictions, seconds, stopped = run(
        X,
        y,
        params,
        epochs=epochs,
        lr=lr,
        momentum=momentum,
        loss=loss,
        reduction=reduction,
        derivative_offset=offset,
        log_every=log_every,
        stop=stop,
        margin=margin,
        tol=tol,
        activation=activation,
        weight_decay=weight_decay,
        update=update,
        seed=0 if seed is None else seed,
    )
    updates = epochs if stopped < 0 else stopped

    # Every option but how the run is logged (the seed is reported on its own).
    config = {name: value for name, value in given.items() if name != "log_every"}
    config.update(hidden=params.W1.shape[1], dtype=np.dtype(dtype).name)
    logged = np.arange(0, updates, log_every, dtype=np.int64) if log_every else np.zeros(0, int)
    diverged = not (params.all_finite() and np.isfinite(predictions).all()) or reference.pinned(
        hidden_activations, predictions, y, loss, offset, activation
    )
    return TrainResult(
        *params,
        predictions=predictions,
        targets=y,
        history=History(logged, mse_log[: len(logged)]),
        diverged=diverged,
        seed=seed,
        config=config,
        seconds=seconds,
        updates=updates,
        epoch_stopped=stopped,
    )


def _check_memory(
    rows: int, inputs: int, hidden: int, outputs: int, logged: int, momentum: float = 0.0
) -> None:
    """Refuse a run whose arrays (in float64, the widest dtype) exceed the memory limit."""
    parameters = inputs * hidden + hidden + hidden * outputs + outputs
    # Parameters: drawn, converted and trained copies, and with momentum their
    # velocities; activations and errors of both layers; the data in float64
    # and in the run's dtype; the loss log.
    copies = 4 if momentum else 3
    values = (
        copies * parameters
        + 2 * rows * (hidden + outputs)
        + 2 * rows * (inputs + outputs)
        + logged
    )
    _validation.memory(
        f"a {inputs}-{hidden}-{outputs} network on {rows} rows"
        + (f" logging {logged:,} losses" if logged > 1000 else ""),
        8 * values,
        "use fewer hidden units or rows" + (", or a larger log_every" if logged > 1000 else ""),
    )


def _random_seed() -> int:
    return int(np.random.SeedSequence().generate_state(1)[0])


def _history_length(epochs, log_every):
    return -(-epochs // log_every) if log_every else 0


def _run_numba(
    X: np.ndarray,
    y: np.ndarray,
    params: Params,
    *,
    epochs: int,
    lr: float,
    momentum: float,
    loss: Loss,
    reduction: Reduction,
    derivative_offset: float,
    log_every: int,
    stop: Stop | None,
    margin: float,
    tol: float,
    activation: Activation,
    weight_decay: float,
    update: Update,
    seed: int,
) -> _Run:
    arguments = single_run.arguments(
        X,
        y,
        params,
        epochs=epochs,
        lr=lr,
        # An online update's gradient is one row's: no 1/n.
        scale=1 / X.shape[0] if reduction == "mean" and update == "batch" else 1.0,
        mse_output=loss == "mse",
        log_every=log_every,
        momentum=momentum,
        derivative_offset=derivative_offset,
        stop=stop,
        margin=margin,
        tol=tol,
    )
    rules = single_run.rules(
        X.shape[0],
        params.W1.dtype,
        activation=activation,
        weight_decay=weight_decay,
        update=update,
        seed=seed,
    )
    called = single_run.call_arguments(arguments, rules)
    # Looked up (loaded or compiled on first use) before the clock starts, so
    # the reported time is the training alone.
    run = single_run.compiled_train(arguments, rules)
    began = time.perf_counter()
    stopped = run(*called)
    seconds = time.perf_counter() - began
    work = arguments.work
    # The kernels without stop return None: they train all epochs.
    stopped = -1 if stopped is None else int(stopped)
    return params, arguments.mse_log, work.A1.copy(), work.A2.copy(), seconds, stopped


def _run_numpy(
    X: np.ndarray,
    y: np.ndarray,
    params: Params,
    *,
    epochs: int,
    lr: float,
    momentum: float,
    loss: Loss,
    reduction: Reduction,
    derivative_offset: float,
    log_every: int,
    stop: Stop | None,
    margin: float,
    tol: float,
    activation: Activation,
    weight_decay: float,
    update: Update,
    seed: int,
) -> _Run:
    # A diverging run overflows and makes NaNs by design; it is reported, not warned about.
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        began = time.perf_counter()
        if stop is None:  # the plain loop, without a stop test's forward pass per epoch
            params, mse_log = reference.train(
                X,
                y,
                params,
                epochs=epochs,
                lr=lr,
                loss=loss,
                reduction=reduction,
                momentum=momentum,
                derivative_offset=derivative_offset,
                log_every=log_every,
                activation=activation,
                weight_decay=weight_decay,
                update=update,
                seed=seed,
            )
            stopped = -1
        else:
            params, mse_log, stopped = reference.train_until(
                X,
                y,
                params,
                stop=stop,
                epochs=epochs,
                lr=lr,
                loss=loss,
                reduction=reduction,
                momentum=momentum,
                derivative_offset=derivative_offset,
                margin=margin,
                tol=tol,
                log_every=log_every,
                activation=activation,
                weight_decay=weight_decay,
                update=update,
                seed=seed,
            )
        seconds = time.perf_counter() - began
        hidden_activations, predictions = reference.forward(X, params, activation)
    return params, mse_log, hidden_activations, predictions, seconds, stopped
