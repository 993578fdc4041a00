"""The reference's training rules of the classic studies: momentum, the offset, the margin."""

import math

import numpy as np
import pytest

import xorfast
from xorfast import datasets, reference
from xorfast.params import Params

from .helpers import random_problem


def old_train(X, y, params, *, epochs, lr, loss, reduction):
    """The reference's training loop as it was before these rules, written out in full."""

    def sigmoid(z):
        e = np.exp(-np.abs(z))
        return np.where(z >= 0, 1 / (1 + e), e / (1 + e))

    W1, b1, W2, b2 = (a.copy() for a in params)
    for _ in range(epochs):
        A1 = sigmoid(X @ W1 + b1)
        A2 = sigmoid(A1 @ W2 + b2)
        scale = 1 / X.shape[0] if reduction == "mean" else 1
        D2 = A2 - y if loss == "bce" else (A2 - y) * (A2 * (1 - A2))
        dW2 = scale * (A1.T @ D2)
        db2 = scale * np.sum(D2, axis=0)
        D1 = (D2 @ W2.T) * (A1 * (1 - A1))
        dW1 = scale * (X.T @ D1)
        db1 = scale * np.sum(D1, axis=0)
        W2 -= lr * dW2
        b2 -= lr * db2
        W1 -= lr * dW1
        b1 -= lr * db1
    return W1, b1, W2, b2


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize(("loss", "reduction"), [("bce", "mean"), ("mse", "sum"), ("mse", "mean")])
@pytest.mark.parametrize(
    ("shape", "seed"), [((4, 2, 4, 1), 0), ((5, 3, 2, 3), 1), ((8, 3, 7, 2), 2)]
)
def test_default_rules_are_bit_identical_to_plain_descent(dtype, loss, reduction, shape, seed):
    X, y, params = random_problem(*shape, seed=seed, dtype=dtype)
    lr = 2.0 if reduction == "mean" else 0.5  # large steps, so any difference would grow
    expected = old_train(X, y, params, epochs=150, lr=lr, loss=loss, reduction=reduction)
    for options in ({}, {"momentum": 0.0, "derivative_offset": 0.0}):
        trained, _ = reference.train(
            X, y, params, epochs=150, lr=lr, loss=loss, reduction=reduction, **options
        )
        for name, got, want in zip(Params._fields, trained, expected):
            assert got.dtype == want.dtype
            np.testing.assert_array_equal(got, want, err_msg=name)


def test_momentum_update_two_steps_by_hand():
    # lr 0.5, momentum 0.5; all values dyadic, so every step is exact.
    param = np.array([1.0, -2.0])
    velocity = np.zeros(2)
    reference.update([param], [velocity], [np.array([0.5, -1.0])], lr=0.5, momentum=0.5)
    # velocity = 0.5 * [0, 0] - 0.5 * [0.5, -1] = [-0.25, 0.5]; param = [0.75, -1.5]
    np.testing.assert_array_equal(velocity, [-0.25, 0.5])
    np.testing.assert_array_equal(param, [0.75, -1.5])
    reference.update([param], [velocity], [np.array([1.0, 0.25])], lr=0.5, momentum=0.5)
    # velocity = 0.5 * [-0.25, 0.5] - 0.5 * [1, 0.25] = [-0.625, 0.125]; param = [0.125, -1.375]
    np.testing.assert_array_equal(velocity, [-0.625, 0.125])
    np.testing.assert_array_equal(param, [0.125, -1.375])


def test_momentum_zero_leaves_velocities_alone():
    param, velocity = np.array([1.0]), np.array([3.0])
    reference.update([param], [velocity], [np.array([0.5])], lr=0.25, momentum=0.0)
    assert param[0] == 1.0 - 0.25 * 0.5 and velocity[0] == 3.0


def test_momentum_train_two_epochs_by_hand():
    """A 1-1-1 network whose gradients work out by hand: X = 0, so W1 never moves."""
    X, y = np.array([[0.0]]), np.array([[1.0]])
    start = Params(np.array([[0.3]]), np.array([0.0]), np.array([[0.0]]), np.array([0.0]))
    trained, _ = reference.train(X, y, start, epochs=2, lr=1.0, loss="bce", momentum=0.5)
    # Epoch 0: a1 = sigmoid(0) = 0.5, a2 = sigmoid(0) = 0.5, D2 = a2 - y = -0.5,
    # dW2 = a1 D2 = -0.25, db2 = -0.5, D1 = D2 W2 a1 (1 - a1) = 0 (W2 = 0).
    # Velocities -lr * gradient: W2 0.25, b2 0.5, b1 0; so W2 = 0.25, b2 = 0.5.
    # Epoch 1: a1 = 0.5, z2 = 0.5 * 0.25 + 0.5 = 0.625, D2 = sigmoid(0.625) - 1,
    # dW2 = 0.5 D2, db2 = D2, D1 = D2 * 0.25 * 0.25.
    d2 = 1 / (1 + math.exp(-0.625)) - 1
    velocity_W2 = 0.5 * 0.25 - 0.5 * d2
    velocity_b2 = 0.5 * 0.5 - d2
    velocity_b1 = 0.5 * 0 - d2 * 0.0625
    np.testing.assert_allclose(trained.W2, [[0.25 + velocity_W2]], rtol=1e-15)
    np.testing.assert_allclose(trained.b2, [0.5 + velocity_b2], rtol=1e-15)
    np.testing.assert_allclose(trained.b1, [0.0 + velocity_b1], rtol=1e-15)
    np.testing.assert_array_equal(trained.W1, [[0.3]])


def test_first_momentum_step_is_the_plain_step():
    X, y, params = random_problem(4, 2, 3, 1, seed=4)
    plain, _ = reference.train(X, y, params, epochs=1, lr=0.5)
    heavy, _ = reference.train(X, y, params, epochs=1, lr=0.5, momentum=0.9)
    for a, b in zip(plain, heavy):
        np.testing.assert_array_equal(a, b)
    plain, _ = reference.train(X, y, params, epochs=2, lr=0.5)
    heavy, _ = reference.train(X, y, params, epochs=2, lr=0.5, momentum=0.9)
    assert not np.array_equal(plain.W1, heavy.W1)


def test_derivative_offset_on_hand_made_outputs():
    A2 = np.array([[0.5], [1.0], [0.0], [0.25]])
    y = np.array([[0.0], [0.0], [1.0], [0.0]])
    D2 = reference.output_error(A2, y, "mse", derivative_offset=0.125)
    # (A2 - y) * (A2 (1 - A2) + 0.125): 0.5 * 0.375, 1 * 0.125, -1 * 0.125, 0.25 * 0.3125
    np.testing.assert_array_equal(D2, [[0.1875], [0.125], [-0.125], [0.078125]])
    np.testing.assert_array_equal(
        reference.output_error(A2, y, "mse"), [[0.125], [0.0], [-0.0], [0.046875]]
    )


def test_derivative_offset_acts_at_the_output_units_only():
    """1-1-1 network, X = 0: a1 = 0.5, so the hidden derivative is 0.25 with or without it."""
    X, y = np.array([[0.0]]), np.array([[0.0]])
    params = Params(np.array([[0.7]]), np.array([0.0]), np.array([[2.0]]), np.array([-1.0]))
    offset = 0.1
    grads = reference.gradients(X, y, params, "mse", "sum", derivative_offset=offset)
    a2 = 1 / (1 + math.exp(-(0.5 * 2.0 - 1.0)))  # = 0.5
    d2 = (a2 - 0.0) * (a2 * (1 - a2) + offset)
    np.testing.assert_allclose(grads.b2, [d2], rtol=1e-15)
    np.testing.assert_allclose(grads.W2, [[0.5 * d2]], rtol=1e-15)
    np.testing.assert_allclose(grads.b1, [d2 * 2.0 * 0.25], rtol=1e-15)
    np.testing.assert_array_equal(grads.W1, [[0.0]])


def test_derivative_offset_is_refused_with_cross_entropy():
    A2, y = np.array([[0.5]]), np.array([[1.0]])
    with pytest.raises(ValueError, match="derivative_offset must be 0 with loss='bce'"):
        reference.output_error(A2, y, "bce", derivative_offset=0.1)
    np.testing.assert_array_equal(reference.output_error(A2, y, "bce", 0.0), [[-0.5]])


def test_derivative_offset_unpins_wrong_saturated_outputs():
    A1 = np.array([[0.5]])
    A2, y = np.array([[1.0]]), np.array([[0.0]])
    assert reference.pinned(A1, A2, y, "mse")
    assert not reference.pinned(A1, A2, y, "mse", derivative_offset=0.1)
    # Pinned hidden units stay pinned: the offset is not added there.
    assert reference.pinned(np.array([[1.0]]), A2, y, "mse", derivative_offset=0.1)


def test_solved_on_hand_made_outputs():
    A2 = np.array([[0.1, 0.9], [0.7, 0.4]])
    y = np.array([[0.0, 1.0], [1.0, 0.0]])  # largest error 0.4
    assert reference.solved(A2, y)
    assert reference.solved(A2, y, margin=0.45)
    assert not reference.solved(A2, y, margin=0.4)  # strictly within
    assert not reference.solved(A2, y, margin=0.2)
    assert not reference.solved(np.array([[0.5]]), np.array([[1.0]]))  # 0.5 is not < 0.5
    assert not reference.solved(np.array([[np.nan], [1.0]]), np.array([[1.0], [1.0]]), 0.9)


def test_epoch_solved_is_the_first_solved_forward_pass():
    X, y = datasets.xor()
    params = xorfast.train(hidden=3, epochs=0, seed=2).params
    solved_at = {0.5: -1, 0.4: -1, 0.1: -1}
    current = params
    for epoch in range(801):
        outputs = reference.forward(X, current)[1]
        for margin in solved_at:
            if solved_at[margin] < 0 and np.abs(outputs - y).max() < margin:
                solved_at[margin] = epoch
        current = reference.train(X, y, current, epochs=1, lr=2.0)[0]
    assert 0 < solved_at[0.5] < solved_at[0.4] < solved_at[0.1]
    for margin, expected in solved_at.items():
        got = reference.epoch_solved(X, y, params, epochs=800, lr=2.0, margin=margin)
        assert got == expected
    last = solved_at[0.5]  # the state after the last update counts, the one before not
    assert reference.epoch_solved(X, y, params, epochs=last, lr=2.0) == last
    assert reference.epoch_solved(X, y, params, epochs=last - 1, lr=2.0) == -1


def test_epoch_solved_trains_with_momentum_like_train():
    X, y = datasets.xor()
    params = xorfast.train(hidden=3, epochs=0, seed=2).params
    options = dict(lr=0.5, loss="mse", reduction="sum", momentum=0.9, derivative_offset=0.1)
    first = reference.epoch_solved(X, y, params, epochs=400, margin=0.4, **options)
    assert first > 0
    before = reference.train(X, y, params, epochs=first - 1, **options)[0]
    at = reference.train(X, y, params, epochs=first, **options)[0]
    assert not reference.solved(reference.forward(X, before)[1], y, 0.4)
    assert reference.solved(reference.forward(X, at)[1], y, 0.4)


def test_reference_epoch_solved_matches_the_sweep_at_the_default_margin():
    X, y = datasets.xor()
    result = xorfast.sweep(seeds=4, hidden=3, epochs=600, lr=0.5, progress=False)
    for row in result.table:
        params = xorfast.train(hidden=3, epochs=0, seed=int(row["seed"])).params
        assert row["epoch_solved"] == reference.epoch_solved(X, y, params, epochs=600, lr=0.5)
    assert (result.table["epoch_solved"] > 0).any()
