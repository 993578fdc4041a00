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
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from .params import Params

if TYPE_CHECKING:
    from ._typing import Loss, Reduction, Stop

_Array = npt.NDArray[np.floating[Any]]

__all__ = [
    "sigmoid",
    "sigmoid_derivative",
    "forward",
    "output_error",
    "gradients",
    "mean_squared_error",
    "pinned",
    "solved",
    "stops",
    "update",
    "train",
    "train_until",
    "epoch_solved",
]

LOSSES = ("bce", "mse")
REDUCTIONS = ("mean", "sum")


def sigmoid(z: _Array | float) -> _Array:
    """``1 / (1 + exp(-z))``, written so that ``exp`` never overflows."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_derivative(a: _Array) -> _Array:
    """Derivative of the sigmoid expressed through its output ``a = sigmoid(z)``."""
    return a * (1 - a)


def forward(X: _Array, params: Sequence[_Array]) -> tuple[_Array, _Array]:
    """Hidden activations ``A1`` (n, H) and outputs ``A2`` (n, O)."""
    W1, b1, W2, b2 = params
    A1 = sigmoid(X @ W1 + b1)
    A2 = sigmoid(A1 @ W2 + b2)
    return A1, A2


def pinned(A1: _Array, A2: _Array, y: _Array, loss: Loss, derivative_offset: float = 0.0) -> bool:
    """True when the network's units are pinned so that gradient descent is destroyed.

    That is: every hidden activation is exactly 0 or 1 on every row, so each
    hidden unit's ``a (1 - a)`` is exactly 0 and no gradient reaches ``W1`` or
    ``b1`` again; or, with ``loss="mse"``, every output is exactly 0 or 1 on
    every row while some output differs from its target, so no gradient
    reaches any parameter and the wrong answer is final. Sigmoids reach exactly
    0 or 1 only far out (``|z|`` above about 17 in float32 and 37 in float64
    towards 1, and 104 or 745 towards 0), as a far too large ``lr`` drives them.

    A non-zero ``derivative_offset`` keeps the output error of a wrong output
    alive even at exactly 0 or 1, so then only the hidden units can be pinned.
    """
    hidden_pinned = not np.any(sigmoid_derivative(A1))
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
) -> Params:
    """Gradients ``(dW1, db1, dW2, db2)`` of one full-batch step, shaped like ``params``.

    With a non-zero ``derivative_offset`` these are no longer the gradient of
    any loss, but the directions Fahlman's flat-spot fix descends.
    """
    W1, b1, W2, b2 = params
    A1, A2 = forward(X, params)
    scale = 1 / X.shape[0] if reduction == "mean" else 1
    D2 = output_error(A2, y, loss, derivative_offset)
    dW2 = scale * (A1.T @ D2)
    db2 = scale * np.sum(D2, axis=0)
    D1 = (D2 @ W2.T) * sigmoid_derivative(A1)
    dW1 = scale * (X.T @ D1)
    db1 = scale * np.sum(D1, axis=0)
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
) -> tuple[Params, _Array]:
    """Full-batch gradient descent, one NumPy expression per step.

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
        grads = gradients(X, y, trained, loss, reduction, derivative_offset)
        if log_every and epoch % log_every == 0:
            mse_log.append(mean_squared_error(forward(X, trained)[1], y))
        update(trained, velocities, grads, lr, momentum)
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
) -> tuple[Params, _Array, int]:
    """:func:`train`, ending the run at the first epoch where :func:`stops` says so.

    Before each epoch's update the forward pass of epoch ``e`` (the state
    after ``e`` updates) is checked; if ``stop`` ends the run there, it ends
    with ``e`` updates made, before that epoch's update and log entry, so
    everything returned equals ``train(..., epochs=e)``. The state after the
    last update counts as epoch ``epochs``, as in :func:`epoch_solved`.

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
        if stops(forward(X, trained)[1], y, stop, margin, tol):
            return trained, np.array(mse_log, dtype=trained.W1.dtype), epoch
        grads = gradients(X, y, trained, loss, reduction, derivative_offset)
        if log_every and epoch % log_every == 0:
            mse_log.append(mean_squared_error(forward(X, trained)[1], y))
        update(trained, velocities, grads, lr, momentum)
    last = epochs if stops(forward(X, trained)[1], y, stop, margin, tol) else -1
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
) -> int:
    """The first epoch whose forward pass is :func:`solved`, training as :func:`train` does.

    Epoch ``e`` is the forward pass before that epoch's update, and epoch
    ``epochs`` the state after the last update; -1 when no forward pass in
    ``0 .. epochs`` is solved. ``params`` is not modified.
    """
    trained = Params(*(a.copy() for a in params))
    velocities = Params(*(np.zeros_like(a) for a in trained))
    for epoch in range(epochs + 1):
        if solved(forward(X, trained)[1], y, margin):
            return epoch
        if epoch < epochs:
            grads = gradients(X, y, trained, loss, reduction, derivative_offset)
            update(trained, velocities, grads, lr, momentum)
    return -1
