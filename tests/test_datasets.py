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
