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
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from .params import Params

if TYPE_CHECKING:
    from ._typing import Loss, Reduction

_Array = npt.NDArray[np.floating[Any]]

__all__ = [
    "sigmoid",
    "sigmoid_derivative",
    "forward",
    "output_error",
    "gradients",
    "mean_squared_error",
    "pinned",
    "train",
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


def pinned(A1: _Array, A2: _Array, y: _Array, loss: Loss) -> bool:
    """True when the network's units are pinned so that gradient descent is destroyed.

    That is: every hidden activation is exactly 0 or 1 on every row, so each
    hidden unit's ``a (1 - a)`` is exactly 0 and no gradient reaches ``W1`` or
    ``b1`` again; or, with ``loss="mse"``, every output is exactly 0 or 1 on
    every row while some output differs from its target, so no gradient
    reaches any parameter and the wrong answer is final. Sigmoids reach exactly
    0 or 1 only far out (``|z|`` above about 17 in float32 and 37 in float64
    towards 1, and 104 or 745 towards 0), as a far too large ``lr`` drives them.
    """
    hidden_pinned = not np.any(sigmoid_derivative(A1))
    output_stuck = loss == "mse" and not np.any(sigmoid_derivative(A2)) and bool(np.any(A2 != y))
    return hidden_pinned or output_stuck


def mean_squared_error(A2: _Array, y: _Array) -> np.floating[Any]:
    """Mean of ``(y - A2)**2`` over all rows and outputs, as the notebook prints it."""
    return np.mean((y - A2) ** 2)


def output_error(A2: _Array, y: _Array, loss: Loss) -> _Array:
    """``D2 = dL/dZ2`` for one loss (see the module docstring)."""
    if loss == "bce":
        return A2 - y
    return (A2 - y) * sigmoid_derivative(A2)


def gradients(
    X: _Array,
    y: _Array,
    params: Sequence[_Array],
    loss: Loss = "bce",
    reduction: Reduction = "mean",
) -> Params:
    """Gradients ``(dW1, db1, dW2, db2)`` of one full-batch step, shaped like ``params``."""
    W1, b1, W2, b2 = params
    A1, A2 = forward(X, params)
    scale = 1 / X.shape[0] if reduction == "mean" else 1
    D2 = output_error(A2, y, loss)
    dW2 = scale * (A1.T @ D2)
    db2 = scale * np.sum(D2, axis=0)
    D1 = (D2 @ W2.T) * sigmoid_derivative(A1)
    dW1 = scale * (X.T @ D1)
    db1 = scale * np.sum(D1, axis=0)
    return Params(dW1, db1, dW2, db2)


def train(
    X: _Array,
    y: _Array,
    params: Sequence[_Array],
    *,
    epochs: int,
    lr: float,
    loss: Loss = "bce",
    reduction: Reduction = "mean",
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
    W1, b1, W2, b2 = (a.copy() for a in params)
    mse_log = []
    for epoch in range(epochs):
        dW1, db1, dW2, db2 = gradients(X, y, (W1, b1, W2, b2), loss, reduction)
        if log_every and epoch % log_every == 0:
            mse_log.append(mean_squared_error(forward(X, (W1, b1, W2, b2))[1], y))
        W2 -= lr * dW2
        b2 -= lr * db2
        W1 -= lr * dW1
        b1 -= lr * db1
    return Params(W1, b1, W2, b2), np.array(mse_log, dtype=W1.dtype)
