"""The reference's rules of issue 15 on examples worked by hand: tanh, weight decay, online."""

import math

import numpy as np
import pytest

from xorfast import reference
from xorfast.params import Params


def _one_unit(W1, b1, W2, b2):
    """A 1-1-1 network's parameters as float64 arrays."""
    return Params(*(np.array(value, dtype=np.float64) for value in ([[W1]], [b1], [[W2]], [b2])))


def test_tanh_units_and_their_derivative():
    A1 = reference.activate(np.array([0.0, 0.5, -30.0]), "tanh")
    # tanh(0.5) = (e - 1) / (e + 1) with e = exp(1).
    np.testing.assert_allclose(A1, [0.0, (math.e - 1) / (math.e + 1), -1.0], rtol=1e-15)
    derivative = reference.activation_derivative(np.array([0.0, 0.5, -1.0]), "tanh")
    np.testing.assert_array_equal(derivative, [1.0, 0.75, 0.0])
    # The sigmoid's are unchanged.
    np.testing.assert_array_equal(reference.activation_derivative(np.array([0.5])), [0.25])


def test_tanh_hidden_gradient_by_hand():
    # x = 0, so Z1 = b1 = 0 and A1 = tanh(0) = 0; the output sees only b2 = 0.
    params = _one_unit(W1=3.0, b1=0.0, W2=2.0, b2=0.0)
    grads = reference.gradients(np.array([[0.0]]), np.array([[1.0]]), params, activation="tanh")
    # A2 = 0.5, D2 = -0.5; D1 = D2 * W2 * (1 - 0**2) = -1; dW1 = x * D1 = 0.
    # (Gradients come as Params: W1 is dW1 and so on.)
    assert grads.b2.tolist() == [-0.5] and grads.W2.tolist() == [[0.0]]
    assert grads.b1.tolist() == [-1.0] and grads.W1.tolist() == [[0.0]]
    # A sigmoid unit there has A1 = 0.5 and derivative 0.25: Z2 = 1, D2 = sigmoid(1) - 1.
    sigmoid = reference.gradients(np.array([[0.0]]), np.array([[1.0]]), params)
    D2 = 1 / (1 + math.exp(-1)) - 1
    assert sigmoid.b1[0] == pytest.approx(D2 * 2 * 0.25, rel=1e-15)
    assert sigmoid.W2[0, 0] == pytest.approx(0.5 * D2, rel=1e-15)


def test_tanh_units_at_plus_or_minus_one_are_pinned_and_at_zero_not():
    y = np.array([[0.0], [1.0]])
    A2 = np.array([[0.2], [0.7]])
    assert reference.pinned(np.array([[1.0], [-1.0]]), A2, y, "bce", activation="tanh")
    assert not reference.pinned(np.array([[0.0], [0.0]]), A2, y, "bce", activation="tanh")
    # Sigmoid units at 0 are pinned, at 1 too; at -1 (not a sigmoid value) not.
    assert reference.pinned(np.array([[0.0], [0.0]]), A2, y, "bce")


@pytest.mark.parametrize(
    ("rows", "reduction", "expected"),
    [
        # One row: dW1 = -0.25 + 0.5 * -1, dW2 = -0.25 + 0.5 * 2, db1 = -0.25, db2 = -0.5.
        (1, "mean", (-0.25, 1.25, 1.25, -0.5)),
        # Two equal rows averaged: the same, the decay not divided by the rows.
        (2, "mean", (-0.25, 1.25, 1.25, -0.5)),
        # Summed: dW1 = -0.5 + 0.5 * -1 = -1, dW2 = -0.5 + 1 = 0.5, db1 = -0.5, db2 = -1.
        (2, "sum", (0.0, 1.5, 1.5, 0.0)),
    ],
)
def test_one_step_of_weight_decay_by_hand(rows, reduction, expected):
    # x = 1, W1 = -1, b1 = 1: Z1 = 0, A1 = 0.5. W2 = 2, b2 = -1: Z2 = 0, A2 = 0.5.
    # With y = 1 and bce: D2 = -0.5, dW2 = A1 D2 = -0.25, db2 = -0.5,
    # D1 = D2 W2 A1 (1 - A1) = -0.25, dW1 = x D1 = -0.25, db1 = -0.25 (per row).
    # Decay 0.5 adds 0.5 W to the weights' gradients only; lr = 1. All dyadic: exact.
    start = _one_unit(W1=-1.0, b1=1.0, W2=2.0, b2=-1.0)
    X, y = np.ones((rows, 1)), np.ones((rows, 1))
    trained, _ = reference.train(
        X, y, start, epochs=1, lr=1.0, reduction=reduction, weight_decay=0.5
    )
    W1, b1, W2, b2 = expected
    assert trained.W1.tolist() == [[W1]] and trained.b1.tolist() == [b1]
    assert trained.W2.tolist() == [[W2]] and trained.b2.tolist() == [b2]
    # Without decay the weights move by the gradient alone, the biases as with it.
    plain, _ = reference.train(X, y, start, epochs=1, lr=1.0, reduction=reduction)
    assert plain.b1.tolist() == [b1] and plain.b2.tolist() == [b2]
    assert plain.W1.tolist() != [[W1]] and plain.W2.tolist() != [[W2]]


def _sigmoid(z):
    return 1 / (1 + math.exp(-z))


def _two_online_updates_by_hand():
    """W1, b1, W2, b2 after the online epoch of the test below, worked out step by step."""
    # Row 0 (x = 0, y = 1): Z1 = 0, a = 0.5; Z2 = 0, p = 0.5; d2 = -0.5;
    # d1 = d2 W2 a (1 - a) = 0 (W2 = 0). lr = 1: W2 -= a d2, b2 -= d2.
    W1, b1, W2, b2 = 1.0, 0.0, 0.0 - 0.5 * -0.5, 0.0 - -0.5  # W2 = 0.25, b2 = 0.5
    # Row 1 (x = 1, y = 0), from the parameters row 0 left.
    a = _sigmoid(1 * W1 + b1)
    p = _sigmoid(a * W2 + b2)
    d2 = p - 0
    d1 = d2 * W2 * a * (1 - a)  # W2 before this row's update
    return W1 - 1 * d1, b1 - d1, W2 - a * d2, b2 - d2


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_one_online_epoch_by_hand(reduction):
    start = _one_unit(W1=1.0, b1=0.0, W2=0.0, b2=0.0)
    X, y = np.array([[0.0], [1.0]]), np.array([[1.0], [0.0]])
    trained, _ = reference.train(
        X, y, start, epochs=1, lr=1.0, reduction=reduction, update="online"
    )
    W1, b1, W2, b2 = _two_online_updates_by_hand()
    # No 1/n with either reduction: each update is one row's gradient.
    np.testing.assert_allclose(
        [trained.W1[0, 0], trained.b1[0], trained.W2[0, 0], trained.b2[0]],
        [W1, b1, W2, b2],
        rtol=1e-15,
    )
    # The batch step from the same start is another one.
    batch, _ = reference.train(X, y, start, epochs=1, lr=1.0, reduction=reduction)
    assert not np.isclose(batch.W2[0, 0], W2)


def test_online_rows_in_reverse_order_are_another_run():
    start = _one_unit(W1=1.0, b1=0.0, W2=0.0, b2=0.0)
    X, y = np.array([[0.0], [1.0]]), np.array([[1.0], [0.0]])
    forward_order = Params(*(a.copy() for a in start))
    reference.online_epoch(X, y, forward_order, start, [0, 1], lr=1.0)
    assert forward_order.b2[0] == pytest.approx(_two_online_updates_by_hand()[3], rel=1e-15)
    backward = Params(*(a.copy() for a in start))
    reference.online_epoch(X, y, backward, start, [1, 0], lr=1.0)
    assert backward.b2[0] != pytest.approx(forward_order.b2[0])


def test_splitmix64_gives_its_published_outputs():
    # Vigna's splitmix64.c from state 0, and from 1234567 (as rand_xoshiro tests it).
    state, outputs = 0, []
    for _ in range(3):
        state, output = reference._splitmix64(state)
        outputs.append(output)
    assert outputs == [0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4, 0x06C45D188009454F]
    state, first = reference._splitmix64(1234567)
    assert first == 6457827717110365317
    assert reference._splitmix64(state)[1] == 3203168211198807973


def test_shuffled_order_by_hand():
    # Seed 0, epoch 0: state 0. Two rows: j = 0xE220A8397B1DCDAF % 2 = 1 (odd): no swap.
    assert reference.shuffled_order(2, 0, 0).tolist() == [0, 1]
    # Three rows: i = 2, j = 0xE220A8397B1DCDAF % 3; i = 1, j = 0x6E789E6AA1B965F4 % 2 = 0.
    j = 0xE220A8397B1DCDAF % 3
    order = [0, 1, 2]
    order[2], order[j] = order[j], order[2]
    order[1], order[0] = order[0], order[1]
    assert reference.shuffled_order(3, 0, 0).tolist() == order
    # Seed s and epoch e start from s * 2**32 + e: seed 0 epoch 1234567 is that state.
    assert reference.shuffled_order(2, 0, 1234567).tolist() == (
        [0, 1] if 6457827717110365317 % 2 else [1, 0]
    )


def test_shuffled_orders_are_permutations_that_change_with_the_epoch_and_seed():
    orders = {tuple(reference.shuffled_order(8, 7, epoch)) for epoch in range(20)}
    assert all(sorted(order) == list(range(8)) for order in orders)
    assert len(orders) > 15  # 8! orders: twenty epochs repeat one rarely
    assert not np.array_equal(reference.shuffled_order(8, 7, 0), reference.shuffled_order(8, 8, 0))
    assert reference.epoch_order(4, "online", 7, 3).tolist() == [0, 1, 2, 3]


def test_shuffled_training_follows_the_documented_orders():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(5, 2)), rng.uniform(size=(5, 1))
    start = Params(
        rng.normal(size=(2, 3)), rng.normal(size=3), rng.normal(size=(3, 1)), np.ones(1)
    )
    trained, _ = reference.train(X, y, start, epochs=3, lr=0.5, update="shuffled", seed=9)
    by_hand = Params(*(np.array(a, dtype=float) for a in start))
    velocities = Params(*(np.zeros_like(a) for a in by_hand))
    for epoch in range(3):
        order = reference.shuffled_order(5, 9, epoch)
        reference.online_epoch(X, y, by_hand, velocities, order, lr=0.5)
    for got, want in zip(trained, by_hand):
        np.testing.assert_array_equal(got, want)


def test_online_epochs_are_checked_at_their_start():
    # The history, epoch_solved and the stop all look at the forward pass over
    # all rows before an epoch's first update.
    rng = np.random.default_rng(1)
    X, y = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], float), np.array([[0], [1], [1], [0]], float)
    start = Params(rng.normal(size=(2, 4)), np.zeros(4), rng.normal(size=(4, 1)), np.zeros(1))
    options = dict(lr=2.0, update="online", activation="tanh")
    _, log = reference.train(X, y, start, epochs=6, log_every=2, **options)
    for index, epoch in enumerate((0, 2, 4)):
        at, _ = reference.train(X, y, start, epochs=epoch, **options)
        assert log[index] == reference.mean_squared_error(reference.forward(X, at, "tanh")[1], y)
    solved = reference.epoch_solved(X, y, start, epochs=500, **options)
    assert solved > 0
    before, _ = reference.train(X, y, start, epochs=solved - 1, **options)
    at, _ = reference.train(X, y, start, epochs=solved, **options)
    assert not reference.solved(reference.forward(X, before, "tanh")[1], y)
    assert reference.solved(reference.forward(X, at, "tanh")[1], y)
    stopped, _, epoch = reference.train_until(X, y, start, stop="solved", epochs=500, **options)
    assert epoch == solved
    for got, want in zip(stopped, at):
        np.testing.assert_array_equal(got, want)
