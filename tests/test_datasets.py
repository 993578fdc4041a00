import numpy as np
import pytest

from xorfast import datasets


@pytest.mark.parametrize(
    ("name", "targets"),
    [
        ("xor", [0, 1, 1, 0]),
        ("and", [0, 0, 0, 1]),
        ("or", [0, 1, 1, 1]),
        ("nand", [1, 1, 1, 0]),
    ],
)
def test_two_input_truth_tables(name, targets):
    X, y = datasets.load(name)
    np.testing.assert_array_equal(X, [[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(y, np.array(targets, float)[:, None])
    assert X.dtype == y.dtype == np.float64


@pytest.mark.parametrize("bits", range(2, 11))
def test_parity_counts_odd_ones(bits):
    X, y = datasets.parity(bits)
    assert X.shape == (2**bits, bits) and y.shape == (2**bits, 1)
    assert len({tuple(row) for row in X}) == 2**bits
    for row, target in zip(X, y[:, 0]):
        assert target == int(row.sum()) % 2


def test_parity_two_is_xor():
    np.testing.assert_array_equal(datasets.parity(2)[1], datasets.xor()[1])


@pytest.mark.parametrize("bits", [1, 11, 0, -3])
def test_parity_out_of_range(bits):
    with pytest.raises(ValueError, match="bits must be from 2 to 10"):
        datasets.parity(bits)


def test_parity_rejects_non_integer():
    with pytest.raises(TypeError, match="bits must be an integer"):
        datasets.parity(2.5)


def test_unknown_name_lists_choices():
    with pytest.raises(ValueError, match="unknown data set 'xnor'.*parity10"):
        datasets.load("xnor")


@pytest.mark.parametrize("n", [2, 4, 8, 10, 64])
def test_encoder_maps_each_one_hot_pattern_to_itself(n):
    X, y = datasets.encoder(n)
    assert X.shape == y.shape == (n, n) and X.dtype == y.dtype == np.float64
    for i, row in enumerate(X):
        assert row[i] == 1 and row.sum() == 1
    np.testing.assert_array_equal(X, y)
    assert X is not y


def test_tight_encoder_by_hand():
    X, y = datasets.encoder(4)
    expected = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]
    np.testing.assert_array_equal(X, expected)
    np.testing.assert_array_equal(y, expected)


@pytest.mark.parametrize("n", [2, 3, 10, 64])
def test_complement_encoder_has_a_single_zero_per_pattern(n):
    X, y = datasets.complement_encoder(n)
    assert X.shape == y.shape == (n, n) and X.dtype == y.dtype == np.float64
    for i, row in enumerate(X):
        assert row[i] == 0 and row.sum() == n - 1
    np.testing.assert_array_equal(X, y)


def test_complement_encoder_by_hand():
    X, y = datasets.complement_encoder(3)
    np.testing.assert_array_equal(X, [[0, 1, 1], [1, 0, 1], [1, 1, 0]])
    np.testing.assert_array_equal(y, [[0, 1, 1], [1, 0, 1], [1, 1, 0]])


@pytest.mark.parametrize("make", [datasets.encoder, datasets.complement_encoder])
@pytest.mark.parametrize("n", [1, 0, -2, 65])
def test_encoder_sizes_out_of_range(make, n):
    with pytest.raises(ValueError, match=f"n must be from 2 to 64, got {n}"):
        make(n)


@pytest.mark.parametrize("make", [datasets.encoder, datasets.complement_encoder])
@pytest.mark.parametrize("n", [2.0, True, "8"])
def test_encoder_rejects_non_integer(make, n):
    with pytest.raises(TypeError, match="n must be an integer from 2 to 64"):
        make(n)


@pytest.mark.parametrize(
    ("name", "make", "n"),
    [
        ("encoder8", datasets.encoder, 8),
        ("Encoder10", datasets.encoder, 10),
        ("complement_encoder10", datasets.complement_encoder, 10),
        ("complement_encoder2", datasets.complement_encoder, 2),
        ("parity3", datasets.parity, 3),
    ],
)
def test_load_sized_names(name, make, n):
    for got, want in zip(datasets.load(name), make(n)):
        np.testing.assert_array_equal(got, want)


def test_every_listed_name_loads():
    assert {"encoder2", "encoder64", "complement_encoder64", "parity10", "xor"} <= set(
        datasets.NAMES
    )
    for name in datasets.NAMES:
        X, y = datasets.load(name)
        assert X.shape[0] == y.shape[0]


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("encoder65", "n must be from 2 to 64, got 65"),
        ("complement_encoder1", "n must be from 2 to 64, got 1"),
        ("encoder", "unknown data set 'encoder'"),
        ("complement-encoder8", "unknown data set 'complement-encoder8'"),
        ("encoder8x", "unknown data set 'encoder8x'"),
    ],
)
def test_bad_encoder_names(name, error):
    with pytest.raises(ValueError, match=error):
        datasets.load(name)


def test_unknown_name_mentions_the_encoders():
    with pytest.raises(ValueError, match="encoderN or complement_encoderN"):
        datasets.load("xnor")
