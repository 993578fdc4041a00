"""How a seed turns into initial parameters, glorot included."""

import math

import numpy as np
import pytest

import xorfast
from xorfast.params import INITS, glorot_limit, initial_params


def test_glorot_limits_by_hand():
    assert glorot_limit(2, 4) == 1.0  # sqrt(6 / 6)
    assert glorot_limit(4, 1) == math.sqrt(1.2)
    assert glorot_limit(10, 5, 2.0) == 2.0 * math.sqrt(0.4)
    assert glorot_limit(1, 1, 0.5) == 0.5 * math.sqrt(3.0)


def test_glorot_is_an_init():
    assert INITS == ("normal", "uniform", "glorot")


@pytest.mark.parametrize("seed", [0, 42, 2**32 - 1])
def test_glorot_weights_reproduce_the_uniform_stream(seed):
    params = initial_params(2, 4, 1, seed=seed, init="glorot")
    rng = np.random.RandomState(seed)
    np.testing.assert_array_equal(params.W1, rng.uniform(-1.0, 1.0, size=(2, 4)))
    limit = math.sqrt(6 / 5)  # fan_in 4, fan_out 1
    np.testing.assert_array_equal(params.W2, rng.uniform(-limit, limit, size=(4, 1)))
    np.testing.assert_array_equal(params.b1, np.zeros(4))
    np.testing.assert_array_equal(params.b2, np.zeros(1))


@pytest.mark.parametrize("seed", [1, 7])
def test_glorot_same_biases_follow_the_weights_of_their_layer(seed):
    params = initial_params(10, 5, 10, seed=seed, init="glorot", init_scale=0.5, bias_init="same")
    limit = 0.5 * math.sqrt(6 / 15)  # both layers have fan_in + fan_out = 15
    rng = np.random.RandomState(seed)
    np.testing.assert_array_equal(params.W1, rng.uniform(-limit, limit, size=(10, 5)))
    np.testing.assert_array_equal(params.W2, rng.uniform(-limit, limit, size=(5, 10)))
    np.testing.assert_array_equal(params.b1, rng.uniform(-limit, limit, size=(5,)))
    np.testing.assert_array_equal(params.b2, rng.uniform(-limit, limit, size=(10,)))


def test_glorot_same_biases_use_two_limits():
    params = initial_params(3, 5, 2, seed=3, init="glorot", bias_init="same")
    first, second = math.sqrt(6 / 8), math.sqrt(6 / 7)
    rng = np.random.RandomState(3)
    expected = [
        rng.uniform(-first, first, size=(3, 5)),
        rng.uniform(-second, second, size=(5, 2)),
        rng.uniform(-first, first, size=(5,)),
        rng.uniform(-second, second, size=(2,)),
    ]
    for got, want in zip((params.W1, params.W2, params.b1, params.b2), expected):
        np.testing.assert_array_equal(got, want)


def test_glorot_draws_fill_their_bounds():
    params = initial_params(20, 200, 30, seed=5, init="glorot", init_scale=3.0)
    for weights, limit in [
        (params.W1, 3.0 * math.sqrt(6 / 220)),
        (params.W2, 3.0 * math.sqrt(6 / 230)),
    ]:
        assert np.abs(weights).max() < limit
        assert np.abs(weights).max() > 0.99 * limit
        assert abs(weights.mean()) < 0.05 * limit


def test_glorot_float32_is_the_float64_draw_rounded():
    wide = initial_params(2, 3, 1, seed=9, init="glorot", bias_init="same")
    narrow = initial_params(2, 3, 1, seed=9, init="glorot", bias_init="same", dtype="float32")
    for a, b in zip(wide, narrow):
        assert b.dtype == np.float32
        np.testing.assert_array_equal(a.astype(np.float32), b)


@pytest.mark.parametrize("bias_init", ["zeros", "same"])
def test_normal_and_uniform_draws_are_unchanged(bias_init):
    rng = np.random.RandomState(11)
    normal = initial_params(2, 3, 2, seed=11, init_scale=0.5, bias_init=bias_init)
    np.testing.assert_array_equal(normal.W1, rng.randn(2, 3) * 0.5)
    np.testing.assert_array_equal(normal.W2, rng.randn(3, 2) * 0.5)
    if bias_init == "same":
        np.testing.assert_array_equal(normal.b1, rng.randn(3) * 0.5)
    rng = np.random.RandomState(11)
    uniform = initial_params(2, 3, 2, seed=11, init="uniform", init_scale=0.5, bias_init=bias_init)
    np.testing.assert_array_equal(uniform.W1, rng.uniform(-0.5, 0.5, size=(2, 3)))
    np.testing.assert_array_equal(uniform.W2, rng.uniform(-0.5, 0.5, size=(3, 2)))


@pytest.mark.parametrize("backend", ["numba", "numpy"])
def test_train_starts_from_the_glorot_draw(backend):
    result = xorfast.train(
        hidden=3, epochs=0, seed=4, init="glorot", bias_init="same", backend=backend
    )
    for got, want in zip(
        result.params, initial_params(2, 3, 1, seed=4, init="glorot", bias_init="same")
    ):
        np.testing.assert_array_equal(got, want)


def test_glorot_trains_alike_on_both_backends():
    options = dict(hidden=3, epochs=500, lr=0.5, seed=6, init="glorot", bias_init="same")
    fast = xorfast.train(**options)
    slow = xorfast.train(**options, backend="numpy")
    for a, b in zip(fast.params, slow.params):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


def test_glorot_sweep_runs_equal_train():
    result = xorfast.sweep(
        seeds=[0, 3], hidden=3, epochs=50, init="glorot", bias_init="same", progress=False
    )
    for row in result.table:
        single = xorfast.train(
            hidden=3, epochs=50, seed=int(row["seed"]), init="glorot", bias_init="same"
        )
        np.testing.assert_allclose(row["max_error"], single.max_error, rtol=1e-9)
        np.testing.assert_allclose(row["final_mse"], single.final_mse, rtol=1e-9)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        # A misspelt init used to draw uniform weights without a word.
        (dict(init="glorto"), ValueError, "init must be one of 'normal', 'uniform', 'glorot'"),
        (dict(init="Glorot"), ValueError, "init must be one of"),
        (dict(bias_init="nope"), ValueError, "bias_init must be one of 'zeros', 'same'"),
        (dict(init_scale=-1.0), ValueError, "init_scale must be >= 0"),
        (dict(init="glorot", init_scale=math.nan), ValueError, "init_scale must be finite"),
        (dict(init_scale="1"), TypeError, "init_scale must be a real number"),
        (dict(seed=-1), ValueError, "seed must be from 0 to 4294967295"),
        (dict(seed=1.5), TypeError, "seed must be an integer"),
        (dict(hidden=0), ValueError, "hidden must be >= 1"),
        (dict(inputs=2.0), TypeError, "inputs must be an integer"),
    ],
)
def test_initial_params_refuses_what_it_cannot_draw(kwargs, error, message):
    arguments = {**dict(inputs=2, hidden=3, outputs=1, seed=0), **kwargs}
    with pytest.raises(error, match=message):
        initial_params(
            arguments.pop("inputs"), arguments.pop("hidden"), arguments.pop("outputs"), **arguments
        )
