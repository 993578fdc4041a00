"""The fused kernel computes what the NumPy reference computes."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import xorfast
from xorfast import datasets, reference
from xorfast._compiled import single_run, single_run_unrolled
from xorfast._compiled.jit import machine_code

from .helpers import TOLERANCE, random_problem

CONVENTIONS = [("bce", "mean"), ("mse", "sum"), ("bce", "sum"), ("mse", "mean")]


def kernel_forward(X, params):
    work = single_run.workspace(X.shape[0], params.W1.shape[1], params.W2.shape[1], X.dtype.type)
    single_run._forward(X, params, work)
    return work.A1.copy(), work.A2.copy()


def kernel_steps(X, y, params, epochs, lr, loss, reduction, log_every=0):
    return xorfast.train(
        X,
        y,
        weights=params,
        epochs=epochs,
        lr=lr,
        loss=loss,
        reduction=reduction,
        dtype=X.dtype,
        log_every=log_every,
    )


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("hidden", [1, 2, 3, 4, 7, 8, 16, 32])
@pytest.mark.parametrize("outputs", [1, 2, 3])
def test_forward_matches_reference(dtype, hidden, outputs):
    X, y, params = random_problem(6, 3, hidden, outputs, seed=hidden * 10 + outputs, dtype=dtype)
    for fast, slow in zip(kernel_forward(X, params), reference.forward(X, params)):
        assert fast.dtype == slow.dtype == np.dtype(dtype)
        np.testing.assert_allclose(fast, slow, **TOLERANCE[dtype]["one_step"])


# (outputs, hidden, dtype): every width with one output and with three, each a generated
# kernel but 32. Three pairs are compiled for this test alone, each width and
# output count also in another pair here: the exhaustive tier. So is 3-16, the width
# at the limit (about 7 s of compiling from cold); everyday, 1, 3 and 4 hidden units
# and one and three outputs are generated kernels here, 32 the generic one.
ONE_EPOCH_SHAPES = [
    pytest.param(*shape, dtype, marks=pytest.mark.slow)
    if shape in {(1, 16), (3, 1), (3, 3), (3, 16)}
    else (*shape, dtype)
    for shape in [(outputs, hidden) for outputs in (1, 3) for hidden in (1, 3, 4, 16, 32)]
    for dtype in ("float64", "float32")
]


@pytest.mark.parametrize(("loss", "reduction"), CONVENTIONS)
@pytest.mark.parametrize(("outputs", "hidden", "dtype"), ONE_EPOCH_SHAPES)
def test_one_epoch_gradient_matches_reference(dtype, loss, reduction, hidden, outputs):
    X, y, params = random_problem(5, 2, hidden, outputs, seed=hidden + outputs, dtype=dtype)
    lr = 0.5
    trained = kernel_steps(X, y, params, 1, lr, loss, reduction).params
    expected = reference.gradients(X, y, params, loss, reduction)
    tolerance = TOLERANCE[dtype]["one_step"]
    for name, start, end, grad in zip(("W1", "b1", "W2", "b2"), params, trained, expected):
        np.testing.assert_allclose(
            (start - end) / lr,
            grad,
            err_msg=name,
            rtol=tolerance["rtol"] * 100,
            atol=tolerance["atol"] * 100,
        )


# 2-8-1 in float32 is a kernel of this test's alone (about 3 s from cold): the
# exhaustive tier; float32 trains to the end everyday on the other widths.
@pytest.mark.parametrize(
    ("hidden", "dtype"),
    [
        pytest.param(hidden, dtype, marks=pytest.mark.slow)
        if (hidden, dtype) == (8, "float32")
        else (hidden, dtype)
        for hidden in (1, 2, 4, 8, 32)
        for dtype in ("float64", "float32")
    ],
)
@pytest.mark.parametrize(("loss", "reduction"), CONVENTIONS)
def test_final_weights_match_reference_on_xor(dtype, loss, reduction, hidden):
    X, y = (a.astype(dtype) for a in datasets.xor())
    result = xorfast.train(
        X,
        y,
        hidden=hidden,
        seed=hidden,
        epochs=3000,
        loss=loss,
        reduction=reduction,
        dtype=dtype,
        log_every=100,
    )
    slow = xorfast.train(
        X,
        y,
        hidden=hidden,
        seed=hidden,
        epochs=3000,
        loss=loss,
        reduction=reduction,
        dtype=dtype,
        log_every=100,
        backend="numpy",
    )
    tolerance = TOLERANCE[dtype]["long"]
    for fast, ref in zip(result.params, slow.params):
        np.testing.assert_allclose(fast, ref, **tolerance)
    np.testing.assert_allclose(result.predictions, slow.predictions, **tolerance)
    np.testing.assert_allclose(result.history.mse, slow.history.mse, **tolerance)


# 4 and 5 bits are shapes of their own (4-8-1, 5-10-1): the exhaustive tier.
@pytest.mark.parametrize("bits", [3, pytest.param(4, marks=pytest.mark.slow),
                                  pytest.param(5, marks=pytest.mark.slow)])  # fmt: skip
def test_final_weights_match_reference_on_parity(bits):
    X, y = datasets.parity(bits)
    kwargs = dict(hidden=2 * bits, seed=bits, epochs=2000, lr=0.5)
    fast = xorfast.train(X, y, **kwargs)
    slow = xorfast.train(X, y, backend="numpy", **kwargs)
    for a, b in zip(fast.params, slow.params):
        np.testing.assert_allclose(a, b, **TOLERANCE["float64"]["long"])


# About 40 new shapes, each compiled once: the exhaustive tier.
@pytest.mark.slow
@settings(max_examples=40, deadline=None)
@given(
    rows=st.integers(1, 9),
    inputs=st.integers(1, 4),
    hidden=st.integers(1, 12),
    outputs=st.integers(1, 3),
    seed=st.integers(0, 2**32 - 1),
    convention=st.sampled_from(CONVENTIONS),
    lr=st.floats(0.01, 1.0),
    epochs=st.integers(0, 300),
)
def test_random_problems_match_reference(
    rows, inputs, hidden, outputs, seed, convention, lr, epochs
):
    X, y, params = random_problem(rows, inputs, hidden, outputs, seed)
    loss, reduction = convention
    if reduction == "sum":
        lr /= rows  # same step size per row as "mean", so both stay out of chaotic regimes
    fast = kernel_steps(X, y, params, epochs, lr, loss, reduction, log_every=7)
    slow_params, slow_log = reference.train(
        X, y, params, epochs=epochs, lr=lr, loss=loss, reduction=reduction, log_every=7
    )
    # Rounding differences of 1 ulp (summation order, FMA) grow over the epochs,
    # fastest with large steps; 1e-7 still catches any real difference in the arithmetic.
    for a, b in zip(fast.params, slow_params):
        np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(fast.history.mse, slow_log, rtol=1e-7, atol=1e-12)


# Shapes at and near the limits of the generated single-run kernels.
# The largest shape takes most of the compile time: the exhaustive tier.
GENERATED_SHAPES = [
    (1, 1, 1, 1),
    (7, 5, 3, 2),
    pytest.param(33, 8, 16, 4, marks=pytest.mark.slow),
    (4, 2, 4, 1),
    (2, 8, 1, 4),
]


# In float32, 5-3-2 and 8-1-4 are kernels of this test's alone (about 3 s each from
# cold): the exhaustive tier; float32 holds the two kernels together everyday on
# 1-1-1 and 2-4-1, float64 on every shape.
@pytest.mark.parametrize(
    ("dtype", "rows", "inputs", "hidden", "outputs"),
    [
        pytest.param("float32", *shape, marks=pytest.mark.slow)
        if dtype == "float32" and shape in [(7, 5, 3, 2), (2, 8, 1, 4)]
        else pytest.param(dtype, *shape.values, marks=shape.marks)
        if hasattr(shape, "marks")
        else (dtype, *shape)
        for dtype in ("float64", "float32")
        for shape in GENERATED_SHAPES
    ],
)
@pytest.mark.parametrize("mse_output", [False, True])
def test_generated_kernel_matches_the_generic_one(
    dtype, mse_output, rows, inputs, hidden, outputs
):
    limits = single_run_unrolled.SMALL_WIDTHS
    assert all(w <= limit for w, limit in zip((inputs, hidden, outputs), limits))
    X, y, start = random_problem(rows, inputs, hidden, outputs, seed=rows, dtype=dtype)
    results = []
    for kernel in (single_run_unrolled.train_kernel(inputs, hidden, outputs), single_run._train):
        params = start.astype(dtype)
        arguments = single_run.arguments(
            X, y, params, epochs=150, lr=0.5, scale=1 / rows, mse_output=mse_output, log_every=20
        )
        assert arguments.mse_log.shape == (8,)
        machine_code(kernel, arguments)(*arguments)
        work = arguments.work
        results.append((*params, arguments.mse_log, work.A1.copy(), work.A2.copy()))
    # The same sums in the same order; LLVM may fuse a different product of a
    # sum into a multiply-add, so the two can differ in the last bits.
    rtol = 1e-12 if dtype == "float64" else 1e-5
    for generated, generic in zip(*results):
        np.testing.assert_allclose(generated, generic, rtol=rtol, atol=rtol * 1e-2)
