"""The fused single-run kernel: forward pass, backprop and update in one compiled loop.

Mirrors :func:`xorfast.reference.train` step for step; the tests hold the two
together. Nothing here allocates inside the epoch loop and nothing checks its
input: :mod:`xorfast.trainer` does that before calling in.
"""

from typing import NamedTuple

import numpy as np

from ._jit import kernel


class Workspace(NamedTuple):
    """Preallocated per-epoch buffers of one run."""

    A1: np.ndarray  # (n, H) hidden pre-activations, then activations
    A2: np.ndarray  # (n, O) output pre-activations, then activations
    D1: np.ndarray  # (n, H) hidden error dL/dZ1
    D2: np.ndarray  # (n, O) output error dL/dZ2


def workspace(rows, hidden, outputs, dtype):
    """Allocate the buffers :func:`_train` needs for one run."""
    return Workspace(np.empty((rows, hidden), dtype), np.empty((rows, outputs), dtype),
                     np.empty((rows, hidden), dtype), np.empty((rows, outputs), dtype))


@kernel
def _sigmoid_inplace(values):
    """Replace each entry ``z`` of the 2-D array by ``1 / (1 + exp(-z))``, without overflow."""
    one = values.dtype.type(1)
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            z = values[i, j]
            e = np.exp(-abs(z))
            s = one / (one + e)
            values[i, j] = s if z >= 0 else e * s


@kernel
def _forward(X, params, work):
    """Fill ``work.A1`` and ``work.A2`` with the activations of ``X``."""
    W1, b1, W2, b2 = params
    A1, A2 = work.A1, work.A2
    rows, inputs = X.shape
    hidden, outputs = W2.shape
    for i in range(rows):
        for h in range(hidden):
            z = b1[h]
            for k in range(inputs):
                z += X[i, k] * W1[k, h]
            A1[i, h] = z
    _sigmoid_inplace(A1)
    for i in range(rows):
        for o in range(outputs):
            z = b2[o]
            for h in range(hidden):
                z += A1[i, h] * W2[h, o]
            A2[i, o] = z
    _sigmoid_inplace(A2)


@kernel
def _train(X, y, params, epochs, lr, scale, mse_output, log_every, mse_log, work):
    """Run ``epochs`` full-batch gradient steps, updating ``params`` in place.

    Parameters
    ----------
    X, y : 2-D arrays (n, d), (n, O) of the parameters' dtype.
    params : Params, updated in place.
    epochs : int
    lr, scale : scalars of the parameters' dtype; ``scale`` is ``1/n`` or 1.
    mse_output : bool
        Squared-error output error ``(A2 - y) A2 (1 - A2)``; else cross-entropy ``A2 - y``.
    log_every : int
        Write the forward pass's mean squared error to ``mse_log[epoch // log_every]``
        at every multiple of ``log_every``; 0 writes nothing.
    mse_log : 1-D array
    work : Workspace
    """
    W1, b1, W2, b2 = params
    A1, A2, D1, D2 = work
    rows, inputs = X.shape
    hidden, outputs = W2.shape
    one = W1.dtype.type(1)
    step = lr * scale
    for epoch in range(epochs):
        _forward(X, params, work)

        if log_every > 0 and epoch % log_every == 0:
            total = W1.dtype.type(0)
            for i in range(rows):
                for o in range(outputs):
                    total += (y[i, o] - A2[i, o]) ** 2
            mse_log[epoch // log_every] = total / (rows * outputs)

        for i in range(rows):
            for o in range(outputs):
                error = A2[i, o] - y[i, o]
                if mse_output:
                    error *= A2[i, o] * (one - A2[i, o])
                D2[i, o] = error

        # The hidden error uses W2 from before this epoch's update.
        for i in range(rows):
            for h in range(hidden):
                back = W1.dtype.type(0)
                for o in range(outputs):
                    back += D2[i, o] * W2[h, o]
                D1[i, h] = back * A1[i, h] * (one - A1[i, h])

        for h in range(hidden):
            for o in range(outputs):
                grad = W1.dtype.type(0)
                for i in range(rows):
                    grad += A1[i, h] * D2[i, o]
                W2[h, o] -= step * grad
        for o in range(outputs):
            grad = W1.dtype.type(0)
            for i in range(rows):
                grad += D2[i, o]
            b2[o] -= step * grad
        for k in range(inputs):
            for h in range(hidden):
                grad = W1.dtype.type(0)
                for i in range(rows):
                    grad += X[i, k] * D1[i, h]
                W1[k, h] -= step * grad
        for h in range(hidden):
            grad = W1.dtype.type(0)
            for i in range(rows):
                grad += D1[i, h]
            b1[h] -= step * grad

