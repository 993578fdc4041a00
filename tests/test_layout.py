"""Arrays of any memory layout give the results of plain C-contiguous ones, in any order."""

import numba
import numpy as np
import pandas as pd
import pytest

import xorfast
from xorfast import datasets
from xorfast._compiled import jit

X, Y = datasets.xor()
#: The predictions of ``train(seed=0)`` on XOR (from the issue that reported the layout bug).
XOR_SEED_0 = [0.012, 0.988, 0.990, 0.014]


@pytest.fixture
def fresh_machine_code(monkeypatch):
    """Forget the machine code looked up so far, as in a new process."""
    monkeypatch.setattr(jit, "_MACHINE_CODE", {})


def _strided(array):
    """``array`` as every other row of a larger one: neither C- nor F-contiguous."""
    padded = np.full((2 * array.shape[0], array.shape[1]), 7.0)
    padded[::2] = array
    return padded[::2]


def _read_only(array):
    array = array.copy()
    array.flags.writeable = False
    return array


LAYOUTS = {
    "fortran": lambda a: np.asfortranarray(a),
    "strided": _strided,
    "read-only": _read_only,
    "dataframe": lambda a: pd.DataFrame(a),
}


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
@pytest.mark.parametrize("first", ["odd layout first", "c-contiguous first"])
def test_any_layout_in_any_order_gives_the_c_contiguous_result(fresh_machine_code, layout, first):
    convert = LAYOUTS[layout]
    calls = {
        "plain": lambda: xorfast.train(seed=0),
        "odd": lambda: xorfast.train(convert(X), convert(Y), seed=0),
    }
    order = ["odd", "plain"] if first == "odd layout first" else ["plain", "odd"]
    results = {name: calls[name]() for name in order}
    np.testing.assert_allclose(results["plain"].predictions.ravel(), XOR_SEED_0, atol=1e-3)
    np.testing.assert_array_equal(results["odd"].predictions, results["plain"].predictions)
    np.testing.assert_array_equal(results["odd"].W1, results["plain"].W1)


def test_fortran_order_in_a_larger_network_and_in_float32(fresh_machine_code):
    # Beyond SMALL_WIDTHS the generic kernel runs; float32 has its own machine code.
    rng = np.random.default_rng(3)
    data = rng.normal(size=(12, 9)), rng.uniform(size=(12, 5))
    for dtype in ("float32", "float64"):
        odd = xorfast.train(
            *map(np.asfortranarray, data), hidden=3, seed=1, epochs=50, dtype=dtype
        )
        plain = xorfast.train(*data, hidden=3, seed=1, epochs=50, dtype=dtype)
        reference = xorfast.train(*data, hidden=3, seed=1, epochs=50, dtype=dtype, backend="numpy")
        np.testing.assert_array_equal(odd.predictions, plain.predictions)
        np.testing.assert_allclose(plain.predictions, reference.predictions, rtol=1e-4)


def test_weights_in_fortran_order_are_read_as_given(fresh_machine_code):
    start = xorfast.train(seed=0, epochs=0).params
    odd = tuple(np.asfortranarray(a) if a.ndim == 2 else _strided(a[:, None])[:, 0] for a in start)
    assert not odd[0].flags.c_contiguous and not odd[1].flags.c_contiguous
    for backend in ("numba", "numpy"):
        from_odd = xorfast.train(weights=odd, epochs=100, backend=backend)
        plain = xorfast.train(weights=start, epochs=100, backend=backend)
        np.testing.assert_array_equal(from_odd.predictions, plain.predictions)


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_the_numpy_backend_and_predict_accept_any_layout(layout):
    convert = LAYOUTS[layout]
    plain = xorfast.train(seed=0, epochs=300, backend="numpy")
    odd = xorfast.train(convert(X), convert(Y), seed=0, epochs=300, backend="numpy")
    np.testing.assert_array_equal(odd.predictions, plain.predictions)
    np.testing.assert_array_equal(plain.predict(convert(X)), plain.predict(X))


def test_a_sweep_on_fortran_ordered_data_matches_one_on_c_ordered_data():
    odd = xorfast.sweep(
        np.asfortranarray(X), np.asfortranarray(Y), seeds=4, epochs=300, progress=False
    )
    plain = xorfast.sweep(X, Y, seeds=4, epochs=300, progress=False)
    np.testing.assert_array_equal(odd.table, plain.table)


@numba.njit
def _weighted_first_column(X):
    total = 0.0
    for i in range(X.shape[0]):
        total += X[i, 0] * (i + 1)
    return total


def test_machine_code_never_hands_one_layouts_code_to_another(monkeypatch):
    monkeypatch.setattr(jit, "_MACHINE_CODE", {})
    c_order = np.arange(6.0).reshape(3, 2)
    expected = 0 * 1 + 2 * 2 + 4 * 3
    for array in (
        c_order,
        np.asfortranarray(c_order),
        _strided(c_order),
        _read_only(c_order),
        np.asfortranarray(c_order),
        c_order,
    ):
        assert jit.machine_code(_weighted_first_column, (array,))(array) == expected
