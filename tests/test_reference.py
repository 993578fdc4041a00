"""The reference's gradients really differentiate the losses they are named after."""

import numpy as np
import pytest

from xorfast import reference
from xorfast.params import Params

from .helpers import random_problem


def total_loss(X, y, params, loss, reduction):
    """The objective each (loss, reduction) pair descends, written from its definition."""
    output = reference.forward(X, params)[1]
    if loss == "mse":
        per_row = 0.5 * np.sum((output - y) ** 2, axis=1)
    else:
        per_row = -np.sum(y * np.log(output) + (1 - y) * np.log(1 - output), axis=1)
    return per_row.mean() if reduction == "mean" else per_row.sum()


@pytest.mark.parametrize("loss", ["bce", "mse"])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize(("rows", "inputs", "hidden", "outputs"), [(4, 2, 4, 1), (5, 3, 2, 3)])
def test_gradients_match_finite_differences(loss, reduction, rows, inputs, hidden, outputs):
    X, y, params = random_problem(rows, inputs, hidden, outputs, seed=7)
    analytic = reference.gradients(X, y, params, loss, reduction)
    step = 1e-6
    for name, array, grad in zip(Params._fields, params, analytic):
        numeric = np.zeros_like(array)
        for index in np.ndindex(array.shape):
            shifted = [a.copy() for a in params]
            position = Params._fields.index(name)
            shifted[position][index] += step
            up = total_loss(X, y, Params(*shifted), loss, reduction)
            shifted[position][index] -= 2 * step
            down = total_loss(X, y, Params(*shifted), loss, reduction)
            numeric[index] = (up - down) / (2 * step)
        np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-8, err_msg=name)


def test_sigmoid_is_finite_and_exact_at_extremes():
    z = np.array([-1e308, -800.0, -40.0, 0.0, 40.0, 800.0, 1e308])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        values = reference.sigmoid(z)
    assert np.all(np.isfinite(values))
    assert values[0] == 0.0 and values[-1] == 1.0 and values[3] == 0.5
    np.testing.assert_allclose(values[2], np.exp(-40.0) / (1 + np.exp(-40.0)), rtol=1e-15)


def test_train_does_not_modify_its_start():
    X, y, params = random_problem(4, 2, 3, 1, seed=1)
    before = [a.copy() for a in params]
    reference.train(X, y, params, epochs=10, lr=0.5)
    for a, b in zip(params, before):
        np.testing.assert_array_equal(a, b)
