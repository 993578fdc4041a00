"""Bad input gets a clear error before any work; given weights are never modified."""

import numpy as np
import pytest

import xorfast
from xorfast import datasets

X, Y = datasets.xor()


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (dict(X=X[:3], y=Y), ValueError, "X has 3 rows but y has 4; pass one target row"),
        (dict(X=X[:, 0], y=Y), ValueError, r"X must be 2-D .*reshape\(-1, 1\)"),
        (dict(X=X, y=Y[:, :, None]), ValueError, "y must be 1-D"),
        (dict(X=X, y=None), ValueError, "y is missing"),
        (dict(X=None, y=Y), ValueError, "X is missing"),
        (dict(X=np.where(X == 1, np.nan, X), y=Y), ValueError, "X contains NaN or infinite"),
        (dict(X=X, y=np.where(Y == 1, np.inf, Y)), ValueError, "y contains NaN or infinite"),
        (dict(X=X, y=Y * 2), ValueError, r"y must lie in \[0, 1\] with loss='bce'"),
        (dict(X=[["a", "b"]], y=[[0]]), TypeError, "X must hold real numbers"),
        (dict(X=np.zeros((0, 2)), y=np.zeros((0, 1))), ValueError, "at least one row"),
        (dict(epochs=1.5), TypeError, "epochs must be an integer"),
        (dict(epochs=True), TypeError, "epochs must be an integer"),
        (dict(epochs=-1), ValueError, "epochs must be from 0 to 2147483646"),
        (dict(hidden=0), ValueError, "hidden must be from 1 to 65536"),
        (dict(hidden=2.0), TypeError, "hidden must be an integer"),
        (dict(lr=0), ValueError, "lr must be > 0"),
        (dict(lr=-0.1), ValueError, "lr must be > 0"),
        (dict(lr=np.nan), ValueError, "lr must be finite"),
        (dict(lr=np.inf), ValueError, "lr must be finite"),
        (dict(lr="0.1"), TypeError, "lr must be a real number"),
        (dict(init_scale=-1.0), ValueError, "init_scale must be >= 0"),
        (dict(loss="cross-entropy"), ValueError, "loss must be one of 'bce', 'mse'"),
        (dict(reduction="avg"), ValueError, "reduction must be one of 'mean', 'sum'"),
        (dict(init="xavier"), ValueError, "init must be one of 'normal', 'uniform'"),
        (dict(bias_init="ones"), ValueError, "bias_init must be one of"),
        (dict(dtype="float16"), ValueError, "dtype must be 'float64' or 'float32'"),
        (dict(dtype="int64"), ValueError, "dtype must be 'float64' or 'float32'"),
        (dict(backend="jax"), ValueError, "backend must be one of 'numba', 'numpy'"),
        (dict(seed=-1), ValueError, "seed must be from 0 to 4294967295"),
        (dict(seed=2**32), ValueError, "seed must be from 0 to 4294967295"),
        (dict(seed="42"), TypeError, "seed must be an integer"),
        (dict(log_every=-5), ValueError, "log_every must be from 0 to 2147483646"),
        # The sweep's bound on epochs holds for train too: 2**63 used to run no epoch at all.
        (dict(epochs=2**63), ValueError, "epochs must be from 0 to 2147483646"),
        (dict(epochs=2**31 - 1), ValueError, "epochs must be from 0 to 2147483646"),
        (dict(log_every=2**40), ValueError, "log_every must be from 0 to 2147483646"),
        (
            dict(epochs=2**31 - 2, log_every=1),
            ValueError,
            r"logging 2,147,483,646 losses needs about 16.0 GiB .* limit of 4.0 GiB"
            r".*larger log_every",
        ),
        (dict(hidden=10**9), ValueError, "hidden must be from 1 to 65536"),
        (
            dict(X=np.ones((1, 10**5)), y=[1], hidden=2**16),
            ValueError,
            "a 100000-65536-1 network on 1 rows needs about 146.5 GiB of memory, "
            "more than the limit",
        ),
        (
            dict(X=np.ones((10**5, 2)), y=np.ones(10**5), hidden=2**16),
            ValueError,
            "needs about .* GiB of memory, more than the limit of 4.0 GiB; use fewer hidden units",
        ),
    ],
)
def test_bad_input_is_refused(kwargs, error, message):
    with pytest.raises(error, match=message):
        xorfast.train(**kwargs)


def test_mse_accepts_targets_outside_unit_interval():
    result = xorfast.train(X, Y * 2, loss="mse", seed=0, epochs=10)
    assert result.predictions.shape == (4, 1)


def test_one_dimensional_y_is_one_output():
    result = xorfast.train(X, Y.ravel(), seed=0, epochs=10)
    assert result.W2.shape == (4, 1)


def good_weights(hidden=4):
    return (np.ones((2, hidden)), np.zeros(hidden), np.ones((hidden, 1)), np.zeros(1))


@pytest.mark.parametrize(
    ("index", "bad", "message"),
    [
        (0, np.ones((3, 4)), r"W1 must have shape \(2, 4\)"),
        (1, np.zeros(5), r"b1 must have shape \(4,\)"),
        (2, np.ones((4, 2)), r"W2 must have shape \(4, 1\)"),
        (3, np.zeros(2), r"b2 must have shape \(1,\)"),
    ],
)
def test_weights_of_wrong_shape_are_refused(index, bad, message):
    weights = list(good_weights())
    weights[index] = bad
    with pytest.raises(ValueError, match=message):
        xorfast.train(weights=tuple(weights))


def test_weights_width_must_agree_with_hidden():
    with pytest.raises(ValueError, match=r"W1 must have shape \(2, 3\)"):
        xorfast.train(weights=good_weights(4), hidden=3)


def test_weights_must_be_four_arrays():
    with pytest.raises(TypeError, match=r"weights must be a tuple \(W1, b1, W2, b2\)"):
        xorfast.train(weights=good_weights()[:3])


@pytest.mark.parametrize("backend", ["numba", "numpy"])
def test_given_weights_are_copied_not_modified(backend):
    rng = np.random.default_rng(0)
    weights = (
        rng.normal(size=(2, 4)),
        rng.normal(size=(1, 4)),
        rng.normal(size=(4, 1)),
        np.zeros((1, 1)),
    )
    before = [w.copy() for w in weights]
    result = xorfast.train(weights=weights, epochs=100, backend=backend)
    for given, kept in zip(weights, before):
        np.testing.assert_array_equal(given, kept)
    assert result.seed is None
    assert not np.array_equal(result.W1, weights[0])


def test_hidden_defaults_to_width_of_weights():
    # 3, not the default 4: a width other tests compile too (7's kernel was this test's alone).
    result = xorfast.train(weights=good_weights(3), epochs=1)
    assert result.W1.shape == (2, 3)


@pytest.mark.parametrize("backend", ["numba", "numpy"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_divergence_is_reported_without_warnings(backend, dtype):
    # A step this large overflows the weights to inf within a few epochs, then inf - inf is NaN.
    lr = float(np.finfo(dtype).max)
    result = xorfast.train(
        seed=0, lr=lr, reduction="sum", epochs=50, dtype=dtype, log_every=10, backend=backend
    )
    assert result.diverged
    assert not result.solved
    assert not np.isfinite(result.W1).all()


def test_lr_beyond_float32_range_is_refused():
    with pytest.raises(ValueError, match="lr=1e\\+300 does not fit in float32"):
        xorfast.train(lr=1e300, dtype="float32")


def test_random_seed_is_reported_and_repeats():
    first = xorfast.train(epochs=50)
    again = xorfast.train(epochs=50, seed=first.seed)
    np.testing.assert_array_equal(first.W1, again.W1)


def test_arrays_come_out_of_the_boundary_as_private_c_contiguous_copies():
    from xorfast import _validation

    unaligned = np.frombuffer(b"\0" + X.tobytes(), dtype=np.float64, offset=1).reshape(4, 2)
    assert not unaligned.flags.aligned
    strided = np.zeros((8, 2))
    strided[::2] = X
    for given in (np.asfortranarray(X), strided[::2], unaligned, X.T.copy().T):
        inputs, targets = _validation.data(given, np.asfortranarray(Y), loss="bce")
        start = _validation.weights(
            (given.T, given[:, 0], given, given[0]), inputs=2, hidden=4, outputs=2
        )
        for array in (inputs, targets, *start):
            assert array.flags.c_contiguous and array.flags.aligned and array.flags.writeable
            assert not np.shares_memory(array, given)
        np.testing.assert_array_equal(inputs, X)
        np.testing.assert_array_equal(start.W1, X.T)
