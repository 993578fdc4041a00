"""The plain NumPy reference: the network exactly as the original programs wrote it.

This module is meant to be read beside the formulas. It is slow on purpose:
every step is one NumPy expression, so the fused kernels in
:mod:`xorfast._compiled.single_run` can be checked against it line by line. Shapes: ``X``
(n, d), ``y`` (n, O), ``W1`` (d, H), ``b1`` (H,), ``W2`` (H, O), ``b2`` (O,).

Output error ``D2 = dL/dZ2`` for the two losses:

* ``loss="bce"``: ``A2 - y``, the gradient of binary cross-entropy through the
  output sigmoid.
* ``loss="mse"``: ``(A2 - y) * A2 * (1 - A2)``, the gradient of the squared
  error ``1/2 (A2 - y)**2`` through the output sigmoid.

``reduction="mean"`` multiplies every gradient by ``1/n``; ``"sum"`` does not.

The training rules of the classic studies:

* ``derivative_offset`` (Fahlman 1988, the flat-spot fix): with ``loss="mse"``
  the output error is ``(A2 - y) * (A2 * (1 - A2) + derivative_offset)``. It is
  added at the output units only, where it keeps a wrong saturated output
  learning; the hidden units keep ``A1 * (1 - A1)``. (Fahlman's public-domain
  Quickprop code adds it in its ``sigmoid-prime`` for the hidden units too.)
  ``loss="bce"`` has no sigmoid-derivative factor to offset, so a non-zero
  offset is refused there.
* ``momentum`` (the heavy ball of Rumelhart, Hinton & Williams 1986 and
  Fahlman 1988): each parameter array has a velocity array, zero at the start,
  and every epoch ``velocity = momentum * velocity - lr * gradient;
  parameter += velocity``. With ``momentum=0`` the step is the plain
  ``parameter -= lr * gradient``.
* ``margin`` (the success criterion): a forward pass is solved when every
  output is within ``margin`` of its target, ``|A2 - y| < margin``; 0.5 means
  every output is on the right side of 0.5, and 0.4 is Fahlman's "40-20-40"
  (his code's ``*score-threshold*``, compared the same way).
* ``stop`` (early stopping, :func:`train_until`): before each epoch's update
  the run checks its forward pass, the state after the updates made so far,
  and ends there when it is :func:`solved` (``stop="solved"``) or has
  :func:`mean_squared_error` below ``tol`` (``stop="tol"``); see
  :func:`stops`.

The rules of issue 15:

* ``activation`` (the hidden units; the outputs stay sigmoid):
  ``"sigmoid"``, ``A1 = sigmoid(Z1)`` with derivative ``A1 * (1 - A1)``, or
  ``"tanh"``, ``A1 = tanh(Z1)`` with derivative ``1 - A1**2``
  (:func:`activate`, :func:`activation_derivative`).
* ``weight_decay`` (L2): the gradient of each weight gains
  ``weight_decay * weight``, ``dW1 += weight_decay * W1`` and
  ``dW2 += weight_decay * W2``; the biases ``b1``, ``b2`` are not decayed.
  It is added after the ``reduction``, so it is the same with ``"mean"`` and
  ``"sum"``, and it is added at every update (once per epoch in batch
  training, once per pattern in online training).
* ``update`` (:data:`UPDATES`): ``"batch"`` makes one update per epoch from
  the gradient over all rows. ``"online"`` makes one update per row (pattern),
  the rows in order 0 .. n-1 every epoch, each from that row's gradient alone
  (:func:`online_epoch`); ``reduction`` acts over the rows of one update, so
  with one row ``"mean"`` and ``"sum"`` agree (no ``1/n``). ``"shuffled"`` is
  online in the order :func:`shuffled_order` gives each epoch, a function of
  the run's seed and the epoch alone. One epoch is one pass over the data
  either way (``n`` updates online), and everything checked "at epoch ``e``"
  (the history's mean squared error, :func:`epoch_solved`, ``stop``) is the
  forward pass over all rows of the parameters at the start of epoch ``e``:
  after ``e`` epochs of updates (``e * n`` updates online), before that
  epoch's first update, exactly as in batch training.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from .params import Params

if TYPE_CHECKING:
    from ._typing import Activation, Loss, Reduction, Stop, Update

_Array = npt.NDArray[np.floating[Any]]

__all__ = [
    "sigmoid",
    "sigmoid_derivative",
    "activate",
    "activation_derivative",
    "forward",
    "output_error",
    "gradients",
    "mean_squared_error",
    "pinned",
    "solved",
    "stops",
    "update",
    "shuffled_order",
    "epoch_order",
    "online_epoch",
    "train",
    "train_until",
    "epoch_solved",
]

LOSSES = ("bce", "mse")
REDUCTIONS = ("mean", "sum")
#: The hidden units' activation function (the outputs are always sigmoid).
ACTIVATIONS = ("sigmoid", "tanh")
#: One update per epoch from all rows, or one per row in order, or per row shuffled.
UPDATES = ("batch", "online", "shuffled")


def sigmoid(z: _Array | float) -> _Array:
    """``1 / (1 + exp(-z))``, written so that ``exp`` never overflows."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_derivative(a: _Array) -> _Array:
    """Derivative of the sigmoid expressed through its output ``a = sigmoid(z)``."""
    return a * (1 - a)


def activate(Z1: _Array, activation: Activation = "sigmoid") -> _Array:
    """The hidden activations: ``sigmoid(Z1)``, or ``tanh(Z1)`` for ``activation="tanh"``."""
    return np.tanh(Z1) if activation == "tanh" else sigmoid(Z1)


def activation_derivative(A1: _Array, activation: Activation = "sigmoid") -> _Array:
    """The hidden activation's derivative through its output: ``A1 (1 - A1)`` or ``1 - A1**2``."""
    return 1 - A1**2 if activation == "tanh" else sigmoid_derivative(A1)


def forward(
    X: _Array, params: Sequence[_Array], activation: Activation = "sigmoid"
) -> tuple[_Array, _Array]:
    """Hidden activations ``A1`` (n, H) and outputs ``A2`` (n, O)."""
    W1, b1, W2, b2 = params
    A1 = activate(X @ W1 + b1, activation)
    A2 = sigmoid(A1 @ W2 + b2)
    return A1, A2


def pinned(
    A1: _Array,
    A2: _Array,
    y: _Array,
    loss: Loss,
    derivative_offset: float = 0.0,
    activation: Activation = "sigmoid",
) -> bool:
    """True when the network's units are pinned so that gradient descent is destroyed.

    That is: every hidden activation is exactly 0 or 1 on every row (-1 or 1
    for tanh units), so each hidden unit's :func:`activation_derivative` is
    exactly 0 (weight decay aside) and no gradient reaches ``W1`` or
    ``b1`` again; or, with ``loss="mse"``, every output is exactly 0 or 1 on
    every row while some output differs from its target, so no gradient
    reaches any parameter and the wrong answer is final. Sigmoids reach exactly
    0 or 1 only far out (``|z|`` above about 17 in float32 and 37 in float64
    towards 1, and 104 or 745 towards 0), as a far too large ``lr`` drives them.

    A non-zero ``derivative_offset`` keeps the output error of a wrong output
    alive even at exactly 0 or 1, so then only the hidden units can be pinned.
    """
    hidden_pinned = not np.any(activation_derivative(A1, activation))
    output_stuck = (
        loss == "mse"
        and derivative_offset == 0
        and not np.any(sigmoid_derivative(A2))
        and bool(np.any(A2 != y))
    )
    return hidden_pinned or output_stuck


def mean_squared_error(A2: _Array, y: _Array) -> np.floating[Any]:
    """Mean of ``(y - A2)**2`` over all rows and outputs, as the notebook prints it."""
    return np.mean((y - A2) ** 2)


def solved(A2: _Array, y: _Array, margin: float = 0.5) -> bool:
    """True when every output is within ``margin`` of its target: ``|A2 - y| < margin``.

    A NaN output is never within the margin.
    """
    return bool(np.max(np.abs(A2 - y)) < margin)


def stops(
    A2: _Array, y: _Array, stop: Stop | None, margin: float = 0.5, tol: float = 0.01
) -> bool:
    """True when the rule ``stop`` ends a run at the forward pass ``A2``.

    ``stop="solved"``: the pass is :func:`solved` (every output within
    ``margin`` of its target); ``stop="tol"``: its :func:`mean_squared_error`
    is below ``tol``; ``None``: never. A NaN output stops neither.
    """
    if stop == "solved":
        return solved(A2, y, margin)
    if stop == "tol":
        return bool(mean_squared_error(A2, y) < tol)
    return False


def output_error(A2: _Array, y: _Array, loss: Loss, derivative_offset: float = 0.0) -> _Array:
    """``D2 = dL/dZ2`` for one loss (see the module docstring).

    ``derivative_offset`` is added to the output units' ``A2 * (1 - A2)``
    (``loss="mse"`` only; with ``"bce"`` it must be 0).
    """
    if loss == "bce":
        if derivative_offset != 0:
            raise ValueError(
                f"derivative_offset must be 0 with loss='bce', got {derivative_offset!r}: "
                "cross-entropy has no sigmoid derivative to offset; use loss='mse'"
            )
        return A2 - y
    return (A2 - y) * (sigmoid_derivative(A2) + derivative_offset)


def gradients(
    X: _Array,
    y: _Array,
    params: Sequence[_Array],
    loss: Loss = "bce",
    reduction: Reduction = "mean",
    derivative_offset: float = 0.0,
    activation: Activation = "sigmoid",
    weight_decay: float = 0.0,
) -> Params:
    """Gradients ``(dW1, db1, dW2, db2)`` of one step over the rows of ``X``, like ``params``.

    With a non-zero ``derivative_offset`` these are no longer the gradient of
    any loss, but the directions Fahlman's flat-spot fix descends. A non-zero
    ``weight_decay`` adds ``weight_decay * W`` to the weights' gradients (not
    to the biases'), after the ``reduction``.
    """
    W1, b1, W2, b2 = params
    A1, A2 = forward(X, params, activation)
    scale = 1 / X.shape[0] if reduction == "mean" else 1
    D2 = output_error(A2, y, loss, derivative_offset)
    dW2 = scale * (A1.T @ D2)
    db2 = scale * np.sum(D2, axis=0)
    D1 = (D2 @ W2.T) * activation_derivative(A1, activation)
    dW1 = scale * (X.T @ D1)
    db1 = scale * np.sum(D1, axis=0)
    if weight_decay != 0:
        dW1 = dW1 + weight_decay * W1
        dW2 = dW2 + weight_decay * W2
    return Params(dW1, db1, dW2, db2)


def update(
    params: Sequence[_Array],
    velocities: Sequence[_Array],
    grads: Sequence[_Array],
    lr: float,
    momentum: float = 0.0,
) -> None:
    """One step of gradient descent, in place on ``params`` and ``velocities``.

    For each parameter array: ``parameter -= lr * gradient`` when ``momentum``
    is 0 (``velocities`` untouched), else ``velocity = momentum * velocity -
    lr * gradient; parameter += velocity``.
    """
    for parameter, velocity, gradient in zip(params, velocities, grads):
        if momentum == 0:
            parameter -= lr * gradient
        else:
            velocity[...] = momentum * velocity - lr * gradient
            parameter += velocity


# train() and its kin take an ``update`` keyword, the rule's name, which hides the function.
_update = update


#: SplitMix64's constants (Steele, Lea & Flood 2014; Vigna's ``splitmix64.c``).
_GOLDEN_GAMMA = 0x9E3779B97F4A7C15
_MIX_1 = 0xBF58476D1CE4E5B9
_MIX_2 = 0x94D049BB133111EB
_MASK_64 = 2**64 - 1


def _splitmix64(state: int) -> tuple[int, int]:
    """One step of SplitMix64 on an unsigned 64-bit ``state``: the next state and the output."""
    state = (state + _GOLDEN_GAMMA) & _MASK_64
    z = state
    z = ((z ^ (z >> 30)) * _MIX_1) & _MASK_64
    z = ((z ^ (z >> 27)) * _MIX_2) & _MASK_64
    return state, z ^ (z >> 31)


def shuffled_order(rows: int, seed: int, epoch: int) -> npt.NDArray[np.int64]:
    """The order of the rows in epoch ``epoch`` of a run with ``update="shuffled"``.

    A Fisher-Yates shuffle of ``0 .. rows-1``, started afresh from that order
    every epoch, driven by SplitMix64 with the 64-bit starting state
    ``seed * 2**32 + epoch`` (``seed`` is the run's seed, 0 to 2**32 - 1;
    ``epoch`` counts from 0)::

        order = [0, 1, ..., rows - 1]
        for i = rows - 1 down to 1:
            state, r = splitmix64(state)
            j = r % (i + 1)
            swap order[i], order[j]

    where ``splitmix64`` adds 0x9E3779B97F4A7C15 to the state and mixes the
    sum: ``z ^= z >> 30; z *= 0xBF58476D1CE4E5B9; z ^= z >> 27;
    z *= 0x94D049BB133111EB; z ^= z >> 31`` (all modulo 2**64). Each epoch's
    order depends on the seed and the epoch alone, so a kernel can compute it
    anywhere in a run, in unsigned 64-bit integers. (``r % (i + 1)`` favours
    small ``j`` by less than ``rows / 2**64``.)
    """
    order = np.arange(rows, dtype=np.int64)
    state = (seed << 32) + epoch
    for i in range(rows - 1, 0, -1):
        state, r = _splitmix64(state)
        j = r % (i + 1)
        order[i], order[j] = order[j], order[i]
    return order


def epoch_order(rows: int, update: Update, seed: int, epoch: int) -> npt.NDArray[np.int64]:
    """The rows' order in one epoch of online training: ``0 .. rows-1``, or shuffled."""
    if update == "shuffled":
        return shuffled_order(rows, seed, epoch)
    return np.arange(rows, dtype=np.int64)


def online_epoch(
    X: _Array,
    y: _Array,
    params: Sequence[_Array],
    velocities: Sequence[_Array],
    order: Sequence[int] | npt.NDArray[np.int64],
    *,
    lr: float,
    loss: Loss = "bce",
    momentum: float = 0.0,
    derivative_offset: float = 0.0,
    activation: Activation = "sigmoid",
    weight_decay: float = 0.0,
) -> None:
    """One epoch of online training, in place: an :func:`update` per row, rows in ``order``.

    Each update's gradient is that of its row alone (``reduction`` over one
    row: no ``1/n``), from the parameters the previous rows' updates left.
    """
    for i in order:
        grads = gradients(
            X[i : i + 1],
            y[i : i + 1],
            params,
            loss,
            "sum",
            derivative_offset,
            activation,
            weight_decay,
        )
        _update(params, velocities, grads, lr, momentum)


def _train_epoch(
    X: _Array,
    y: _Array,
    params: Sequence[_Array],
    velocities: Sequence[_Array],
    epoch: int,
    *,
    lr: float,
    loss: Loss,
    reduction: Reduction,
    momentum: float,
    derivative_offset: float,
    activation: Activation,
    weight_decay: float,
    update_rule: Update,
    seed: int,
) -> None:
    """The updates of epoch ``epoch``, in place: one batch step, or one online pass."""
    if update_rule == "batch":
        grads = gradients(
            X, y, params, loss, reduction, derivative_offset, activation, weight_decay
        )
        _update(params, velocities, grads, lr, momentum)
    else:
        online_epoch(
            X,
            y,
            params,
            velocities,
            epoch_order(X.shape[0], update_rule, seed, epoch),
            lr=lr,
            loss=loss,
            momentum=momentum,
            derivative_offset=derivative_offset,
            activation=activation,
            weight_decay=weight_decay,
        )


def train(
    X: _Array,
    y: _Array,
    params: Sequence[_Array],
    *,
    epochs: int,
    lr: float,
    loss: Loss = "bce",
    reduction: Reduction = "mean",
    momentum: float = 0.0,
    derivative_offset: float = 0.0,
    log_every: int = 0,
    activation: Activation = "sigmoid",
    weight_decay: float = 0.0,
    update: Update = "batch",
    seed: int = 0,
) -> tuple[Params, _Array]:
    """Gradient descent, one NumPy expression per step.

    Parameters
    ----------
    X : ndarray (n, d)
    y : ndarray (n, O)
    params : Params
        Starting point; not modified.
    epochs : int
    lr : float
    loss : {"bce", "mse"}
    reduction : {"mean", "sum"}
    momentum : float
        Heavy-ball momentum; velocities start at zero (see :func:`update`).
    derivative_offset : float
        Added to the output units' sigmoid derivative (see :func:`output_error`).
    log_every : int
        Record the mean squared error of the forward pass at epochs 0,
        ``log_every``, ... (before that epoch's update); 0 records nothing.
    activation : {"sigmoid", "tanh"}
        The hidden units' activation (see :func:`activate`).
    weight_decay : float
        Added times each weight to its gradient, biases not (see :func:`gradients`).
    update : {"batch", "online", "shuffled"}
        One update per epoch, or one per row (see the module docstring).
    seed : int
        The run's seed, which orders the rows with ``update="shuffled"``
        (:func:`shuffled_order`); unused otherwise.

    Returns
    -------
    params : Params
        The trained parameters.
    mse_log : ndarray
        The recorded errors.
    """
    trained = Params(*(a.copy() for a in params))
    velocities = Params(*(np.zeros_like(a) for a in trained))
    mse_log = []
    for epoch in range(epochs):
        if log_every and epoch % log_every == 0:
            mse_log.append(mean_squared_error(forward(X, trained, activation)[1], y))
        _train_epoch(
            X,
            y,
            trained,
            velocities,
            epoch,
            lr=lr,
            loss=loss,
            reduction=reduction,
            momentum=momentum,
            derivative_offset=derivative_offset,
            activation=activation,
            weight_decay=weight_decay,
            update_rule=update,
            seed=seed,
        )
    return trained, np.array(mse_log, dtype=trained.W1.dtype)


def train_until(
    X: _Array,
    y: _Array,
    params: Sequence[_Array],
    *,
    stop: Stop | None,
    epochs: int,
    lr: float,
    loss: Loss = "bce",
    reduction: Reduction = "mean",
    momentum: float = 0.0,
    derivative_offset: float = 0.0,
    margin: float = 0.5,
    tol: float = 0.01,
    log_every: int = 0,
    activation: Activation = "sigmoid",
    weight_decay: float = 0.0,
    update: Update = "batch",
    seed: int = 0,
) -> tuple[Params, _Array, int]:
    """:func:`train`, ending the run at the first epoch where :func:`stops` says so.

    Before each epoch's update the forward pass of epoch ``e`` (the state
    after ``e`` updates) is checked; if ``stop`` ends the run there, it ends
    with ``e`` updates made, before that epoch's update and log entry, so
    everything returned equals ``train(..., epochs=e)``. The state after the
    last update counts as epoch ``epochs``, as in :func:`epoch_solved`.
    Online (``update="online"`` or ``"shuffled"``), epoch ``e`` is the state
    after ``e`` passes (``e * n`` updates), and "updates" below count epochs.

    Returns
    -------
    params : Params
        The parameters at the epoch the run stopped at (after ``epochs``
        updates when it never stopped).
    mse_log : ndarray
        The recorded errors, at the logged epochs before the stop.
    epoch_stopped : int
        The epoch the run stopped at, which is the number of updates made; -1
        when no forward pass in ``0 .. epochs`` stops it (``epochs`` updates
        made). With ``stop="solved"`` it is :func:`epoch_solved`.
    """
    trained = Params(*(a.copy() for a in params))
    velocities = Params(*(np.zeros_like(a) for a in trained))
    mse_log: list[np.floating[Any]] = []
    for epoch in range(epochs):
        if stops(forward(X, trained, activation)[1], y, stop, margin, tol):
            return trained, np.array(mse_log, dtype=trained.W1.dtype), epoch
        if log_every and epoch % log_every == 0:
            mse_log.append(mean_squared_error(forward(X, trained, activation)[1], y))
        _train_epoch(
            X,
            y,
            trained,
            velocities,
            epoch,
            lr=lr,
            loss=loss,
            reduction=reduction,
            momentum=momentum,
            derivative_offset=derivative_offset,
            activation=activation,
            weight_decay=weight_decay,
            update_rule=update,
            seed=seed,
        )
    last = epochs if stops(forward(X, trained, activation)[1], y, stop, margin, tol) else -1
    return trained, np.array(mse_log, dtype=trained.W1.dtype), last


def epoch_solved(
    X: _Array,
    y: _Array,
    params: Sequence[_Array],
    *,
    epochs: int,
    lr: float,
    loss: Loss = "bce",
    reduction: Reduction = "mean",
    momentum: float = 0.0,
    derivative_offset: float = 0.0,
    margin: float = 0.5,
    activation: Activation = "sigmoid",
    weight_decay: float = 0.0,
    update: Update = "batch",
    seed: int = 0,
) -> int:
    """The first epoch whose forward pass is :func:`solved`, training as :func:`train` does.

    Epoch ``e`` is the forward pass before that epoch's update (online: before
    its first), and epoch ``epochs`` the state after the last update; -1 when
    no forward pass in ``0 .. epochs`` is solved. ``params`` is not modified.
    """
    trained = Params(*(a.copy() for a in params))
    velocities = Params(*(np.zeros_like(a) for a in trained))
    for epoch in range(epochs + 1):
        if solved(forward(X, trained, activation)[1], y, margin):
            return epoch
        if epoch < epochs:
            _train_epoch(
                X,
                y,
                trained,
                velocities,
                epoch,
                lr=lr,
                loss=loss,
                reduction=reduction,
                momentum=momentum,
                derivative_offset=derivative_offset,
                activation=activation,
                weight_decay=weight_decay,
                update_rule=update,
                seed=seed,
            )
    return -1
