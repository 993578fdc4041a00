"""The single-run kernels' training rules (momentum, derivative_offset) follow the reference.

Three implementations are held together: the NumPy reference
(:func:`xorfast.reference.update`, :func:`~xorfast.reference.output_error`),
the generic kernels (``single_run._train``, ``_train_momentum``) and the
generated ones of small shapes. And with ``momentum=0`` and
``derivative_offset=0`` the kernels give, to the bit, what the kernels from
before these options gave (``tests/frozen_single_run.py``).
"""

import inspect

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import xorfast
from xorfast import datasets, reference, trainer
from xorfast._compiled import single_run, single_run_unrolled
from xorfast._compiled.jit import machine_code
from xorfast.params import Params

from . import frozen_single_run as frozen
from .helpers import TOLERANCE, random_problem

#: Each rule alone and both combined, with the losses they apply to.
RULES = [
    ("momentum", "bce", "mean", dict(momentum=0.9)),
    ("momentum", "mse", "sum", dict(momentum=0.9)),
    ("offset", "mse", "mean", dict(derivative_offset=0.1)),
    ("offset", "mse", "sum", dict(derivative_offset=0.1)),
    ("both", "mse", "mean", dict(momentum=0.5, derivative_offset=0.1)),
    ("both", "mse", "sum", dict(momentum=0.5, derivative_offset=0.1)),
]
RULE_IDS = [f"{name}-{loss}-{reduction}" for name, loss, reduction, _ in RULES]
#: (rows, inputs, hidden, outputs): generated shapes, one at the hidden limit,
#: and one above SMALL_WIDTHS, which only the generic kernels run. The shape at
#: the limit is a compile of its own per rule and dtype (half a minute cold):
#: the exhaustive tier, as is 2-4-3 (its momentum kernel is this test's alone; several
#: outputs train with momentum everyday on 8-1-4 below); 2-4-1, whose kernels other
#: tests compile, stays in the everyday one.
SHAPES = [
    (5, 2, 4, 1),
    pytest.param(5, 2, 4, 3, marks=pytest.mark.slow),
    pytest.param(5, 3, 16, 1, marks=pytest.mark.slow),
    (5, 2, 32, 3),
]


def _run(X, y, start, *, unrolled, epochs, lr, loss, reduction, log_every=0, **rules):
    """Train a copy of ``start`` with the kernel the arguments pick; the arguments after."""
    arguments = single_run.arguments(
        X,
        y,
        start.astype(X.dtype),
        epochs=epochs,
        lr=lr,
        scale=1 / X.shape[0] if reduction == "mean" else 1.0,
        mse_output=loss == "mse",
        log_every=log_every,
        **rules,
    )
    kernel = single_run.kernel_for(arguments, unrolled=unrolled)
    machine_code(kernel, tuple(arguments))(*arguments)
    return arguments


def _reference(X, y, start, *, epochs, lr, loss, reduction, momentum=0.0, derivative_offset=0.0):
    """Parameters and velocities after ``epochs`` steps of the reference's rules."""
    params = Params(*(a.copy() for a in start))
    velocities = Params(*(np.zeros_like(a) for a in start))
    for _ in range(epochs):
        grads = reference.gradients(X, y, params, loss, reduction, derivative_offset)
        reference.update(params, velocities, grads, lr, momentum)
    return params, velocities


def _kernels(inputs, hidden, outputs):
    """``unrolled`` flags of the kernels that run this shape: generic, and generated if any."""
    return [False, True] if single_run_unrolled.unrolls(inputs, hidden, outputs) else [False]


#: Every case here and in test_generated_momentum_kernel_matches_the_generic_one runs the
#: generic kernels too; in float32 the generic momentum kernel (about 5 s of compiling from
#: cold) is compiled for them alone: the exhaustive tier. Everyday, momentum and the offset
#: train in float32 through the generated kernels in test_final_weights_match_the_numpy_backend.
FLOAT64_EVERYDAY = ["float64", pytest.param("float32", marks=pytest.mark.slow)]


@pytest.mark.parametrize("dtype", FLOAT64_EVERYDAY)
@pytest.mark.parametrize(("rule", "loss", "reduction", "rules"), RULES, ids=RULE_IDS)
@pytest.mark.parametrize(("rows", "inputs", "hidden", "outputs"), SHAPES)
def test_a_few_epochs_match_the_reference(
    dtype, rule, loss, reduction, rules, rows, inputs, hidden, outputs
):
    X, y, start = random_problem(rows, inputs, hidden, outputs, seed=hidden, dtype=dtype)
    lr, epochs = 0.5, 3  # the second and third steps carry the first's velocity
    expected, velocities = _reference(
        X, y, start, epochs=epochs, lr=lr, loss=loss, reduction=reduction, **rules
    )
    plain, _ = _reference(X, y, start, epochs=epochs, lr=lr, loss=loss, reduction=reduction)
    tolerance = TOLERANCE[dtype]["one_step"]
    # The rule changes the result by far more than the tolerance, so the test can fail.
    assert not np.allclose(expected.W1, plain.W1, **tolerance)
    for unrolled in _kernels(inputs, hidden, outputs):
        arguments = _run(
            X,
            y,
            start,
            unrolled=unrolled,
            epochs=epochs,
            lr=lr,
            loss=loss,
            reduction=reduction,
            **rules,
        )
        for name, fast, slow in zip(Params._fields, arguments.params, expected):
            np.testing.assert_allclose(fast, slow, err_msg=f"{name} {unrolled=}", **tolerance)
        if rules.get("momentum"):
            for name, fast, slow in zip(Params._fields, arguments.velocities, velocities):
                np.testing.assert_allclose(
                    fast, slow, err_msg=f"velocity of {name} {unrolled=}", **tolerance
                )
        # The kernel ends with a forward pass of the trained parameters.
        A1, A2 = reference.forward(X, expected)
        np.testing.assert_allclose(arguments.work.A1, A1, **tolerance)
        np.testing.assert_allclose(arguments.work.A2, A2, **tolerance)


# 2-16-3 (the width at the limit) and 2-1-3 are compiled everyday by no other test (about
# 7 s each from cold): the exhaustive tier; the offset steps everyday on 4 and 32 hidden
# units (generated and generic kernels).
@pytest.mark.parametrize(
    ("hidden", "dtype"),
    [
        pytest.param(hidden, dtype, marks=pytest.mark.slow)
        if hidden in (1, 16)
        else (hidden, dtype)
        for hidden in (1, 4, 16, 32)
        for dtype in ("float64", "float32")
    ],
)
def test_one_epoch_with_the_offset_steps_along_the_offset_gradient(dtype, hidden):
    X, y, start = random_problem(5, 2, hidden, 3, seed=hidden, dtype=dtype)
    lr = 0.5
    expected = reference.gradients(X, y, start, "mse", "mean", derivative_offset=0.25)
    tolerance = TOLERANCE[dtype]["one_step"]
    for unrolled in _kernels(2, hidden, 3):
        arguments = _run(
            X,
            y,
            start,
            unrolled=unrolled,
            epochs=1,
            lr=lr,
            loss="mse",
            reduction="mean",
            derivative_offset=0.25,
        )
        for name, begin, end, grad in zip(Params._fields, start, arguments.params, expected):
            np.testing.assert_allclose(
                (begin - end) / lr,
                grad,
                err_msg=f"{name} {unrolled=}",
                rtol=tolerance["rtol"] * 100,
                atol=tolerance["atol"] * 100,
            )


# Shapes at and near the limits of the generated kernels, as in test_kernel_matches_reference.
# 5-3-2's momentum kernel is compiled for this test alone: the exhaustive tier, with the
# largest shape; 1-1-1, 2-4-1 and 8-1-4 (several inputs and outputs) stay every day.
GENERATED_SHAPES = [
    (1, 1, 1, 1),
    pytest.param(7, 5, 3, 2, marks=pytest.mark.slow),
    pytest.param(33, 8, 16, 4, marks=pytest.mark.slow),
    (4, 2, 4, 1),
    (2, 8, 1, 4),
]


@pytest.mark.parametrize("dtype", FLOAT64_EVERYDAY)
@pytest.mark.parametrize(
    "rules", [dict(momentum=0.9), dict(momentum=0.9, derivative_offset=0.1)], ids=["m", "m+o"]
)
@pytest.mark.parametrize(("rows", "inputs", "hidden", "outputs"), GENERATED_SHAPES)
def test_generated_momentum_kernel_matches_the_generic_one(
    dtype, rules, rows, inputs, hidden, outputs
):
    X, y, start = random_problem(rows, inputs, hidden, outputs, seed=rows, dtype=dtype)
    loss = "mse" if "derivative_offset" in rules else "bce"
    results = []
    for unrolled in (True, False):
        arguments = _run(
            X,
            y,
            start,
            unrolled=unrolled,
            epochs=150,
            # The plain test's step of 0.5 in effect: momentum m makes it lr / (1 - m).
            lr=0.5 * (1 - rules["momentum"]),
            loss=loss,
            reduction="mean",
            log_every=20,
            **rules,
        )
        assert arguments.mse_log.shape == (8,)
        work = arguments.work
        results.append(
            (*arguments.params, *arguments.velocities, arguments.mse_log, work.A1, work.A2)
        )
    rtol = 1e-12 if dtype == "float64" else 1e-5
    for generated, generic in zip(*results):
        np.testing.assert_allclose(generated, generic, rtol=rtol, atol=rtol * 1e-2)


# (rules, loss, reduction, lr) of thousands of epochs on XOR: stable settings,
# so that rounding differences do not grow chaotically.
LONG = [
    (dict(momentum=0.9), "bce", "mean", 0.1),
    (dict(momentum=0.5), "mse", "sum", 0.5),
    (dict(derivative_offset=0.1), "mse", "sum", 0.5),
    (dict(momentum=0.5, derivative_offset=0.1), "mse", "mean", 1.0),
]


# 2-32-1 in float32 runs the generic float32 kernels: the exhaustive tier (see above).
@pytest.mark.parametrize(
    ("hidden", "dtype"),
    [
        pytest.param(hidden, dtype, marks=pytest.mark.slow)
        if (hidden, dtype) == (32, "float32")
        else (hidden, dtype)
        for hidden in (2, 4, 32)
        for dtype in ("float64", "float32")
    ],
)
@pytest.mark.parametrize(("rules", "loss", "reduction", "lr"), LONG)
def test_final_weights_match_the_numpy_backend(dtype, rules, loss, reduction, lr, hidden):
    X, y = (a.astype(dtype) for a in datasets.xor())
    kwargs = dict(
        hidden=hidden,
        seed=hidden,
        epochs=3000,
        lr=lr,
        loss=loss,
        reduction=reduction,
        dtype=dtype,
        log_every=100,
        **rules,
    )
    fast = xorfast.train(X, y, **kwargs)
    slow = xorfast.train(X, y, backend="numpy", **kwargs)
    plain = xorfast.train(X, y, **dict(kwargs, momentum=0.0, derivative_offset=0.0))
    tolerance = TOLERANCE[dtype]["long"]
    assert not np.allclose(fast.W1, plain.W1, **tolerance)  # the rule made a difference
    for name, a, b in zip(Params._fields, fast.params, slow.params):
        np.testing.assert_allclose(a, b, err_msg=name, **tolerance)
    np.testing.assert_allclose(fast.predictions, slow.predictions, **tolerance)
    np.testing.assert_allclose(fast.history.mse, slow.history.mse, **tolerance)
    assert fast.solved == slow.solved and fast.diverged == slow.diverged
    assert fast.config["momentum"] == rules.get("momentum", 0.0)


# ---------------------------------------------------------------------------
# momentum=0, derivative_offset=0: the kernels from before the rules, to the bit.


def _frozen(unrolled, inputs, hidden, outputs):
    if unrolled and single_run_unrolled.unrolls(inputs, hidden, outputs):
        return frozen.train_kernel(inputs, hidden, outputs)
    return frozen._train


def _call(kernel, arguments):
    """Call ``kernel`` with the fields of ``arguments`` its signature names."""
    names = inspect.signature(getattr(kernel, "py_func", kernel)).parameters
    values = tuple(getattr(arguments, name) for name in names)
    machine_code(kernel, values)(*values)


def _outcome(arguments):
    work = arguments.work
    return (*arguments.params, arguments.mse_log, work.A1, work.A2)


# The frozen kernels in float32 (about 10 s of compiling from cold) are this test's
# alone: the exhaustive tier; float32 keeps its old bits everyday through train on 2-4-1
# (test_train_without_the_rules_gives_the_old_results_to_the_bit).
@pytest.mark.parametrize("dtype", FLOAT64_EVERYDAY)
@pytest.mark.parametrize("loss", ["bce", "mse"])
@pytest.mark.parametrize(
    ("rows", "inputs", "hidden", "outputs"),
    # 3-5-2 compiles its frozen and its new kernel for this test alone: the exhaustive
    # tier; 2-2-1 (generated) and 2-20-1 (generic) hold the bits in the everyday one.
    [(4, 2, 2, 1), pytest.param(6, 3, 5, 2, marks=pytest.mark.slow), (4, 2, 20, 1)],
)
def test_without_the_rules_the_kernels_give_the_old_results_to_the_bit(
    dtype, loss, rows, inputs, hidden, outputs
):
    X, y, start = random_problem(rows, inputs, hidden, outputs, seed=rows + hidden, dtype=dtype)
    for unrolled in (True, False):
        old = single_run.arguments(
            X,
            y,
            start.astype(dtype),
            epochs=500,
            lr=2.0,
            scale=1 / rows,
            mse_output=loss == "mse",
            log_every=7,
        )
        _call(_frozen(unrolled, inputs, hidden, outputs), old)
        new = _run(
            X,
            y,
            start,
            unrolled=unrolled,
            epochs=500,
            lr=2.0,
            loss=loss,
            reduction="mean",
            log_every=7,
            momentum=0.0,
            derivative_offset=0.0,
        )
        assert single_run.kernel_for(new, unrolled=unrolled) in (
            single_run._train,
            single_run_unrolled.train_kernel(inputs, hidden, outputs),
        )
        for name, a, b in zip(
            ["W1", "b1", "W2", "b2", "log", "A1", "A2"], _outcome(new), _outcome(old)
        ):
            np.testing.assert_array_equal(a, b, err_msg=f"{name} {unrolled=}")


# 2-20-1 in float32 runs the frozen generic kernel in float32: the exhaustive tier.
@pytest.mark.parametrize(
    ("dtype", "hidden"),
    [
        ("float64", 4),
        ("float64", 20),
        ("float32", 4),
        pytest.param("float32", 20, marks=pytest.mark.slow),
    ],
)
def test_train_without_the_rules_gives_the_old_results_to_the_bit(dtype, hidden):
    X, y = (a.astype(dtype) for a in datasets.xor())
    result = xorfast.train(
        X,
        y,
        hidden=hidden,
        seed=7,
        epochs=2000,
        lr=0.5,
        loss="mse",
        reduction="sum",
        dtype=dtype,
        log_every=50,
        momentum=0.0,
        derivative_offset=0.0,
    )
    start = xorfast.train(X, y, hidden=hidden, seed=7, epochs=0, dtype=dtype).params
    old = single_run.arguments(
        X, y, start.astype(dtype), epochs=2000, lr=0.5, scale=1.0, mse_output=True, log_every=50
    )
    _call(_frozen(True, 2, hidden, 1), old)
    for a, b in zip(result.params, old.params):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(result.predictions, old.work.A2)
    np.testing.assert_array_equal(result.history.mse, old.mse_log)


def test_the_memory_check_counts_the_velocities_of_a_momentum_run():
    # 2500-65536-1 on one row: three copies of the parameters fit in the limit, four do not.
    X, y = np.ones((1, 2500)), [1.0]
    trainer._check_memory(1, 2500, 2**16, 1, 0, momentum=0.0)
    with pytest.raises(ValueError, match="needs about 4.9 GiB of memory"):
        xorfast.train(X, y, hidden=2**16, epochs=1, momentum=0.9)


# About 20 new shapes, each compiled in both variants: the exhaustive tier.
@pytest.mark.slow
@settings(max_examples=20, deadline=None)
@given(
    rows=st.integers(1, 9),
    inputs=st.integers(1, 4),
    hidden=st.integers(1, 20),
    outputs=st.integers(1, 3),
    seed=st.integers(0, 2**32 - 1),
    loss=st.sampled_from(["bce", "mse"]),
    momentum=st.sampled_from([0.0, 0.5, 0.9]),
    offset=st.sampled_from([0.0, 0.1]),
    epochs=st.integers(0, 200),
)
def test_random_problems_with_the_rules_match_the_reference(
    rows, inputs, hidden, outputs, seed, loss, momentum, offset, epochs
):
    X, y, start = random_problem(rows, inputs, hidden, outputs, seed)
    rules = dict(momentum=momentum, derivative_offset=offset if loss == "mse" else 0.0)
    lr = 0.2 * (1 - momentum)  # a modest step in effect, out of chaotic regimes
    fast = _run(
        X,
        y,
        start,
        unrolled=True,
        epochs=epochs,
        lr=lr,
        loss=loss,
        reduction="mean",
        log_every=7,
        **rules,
    )
    slow_params, slow_log = reference.train(
        X, y, start, epochs=epochs, lr=lr, loss=loss, reduction="mean", log_every=7, **rules
    )
    for a, b in zip(fast.params, slow_params):
        np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(fast.mse_log, slow_log, rtol=1e-7, atol=1e-12)
