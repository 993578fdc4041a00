"""The single-run kernels follow the reference with issue 15's tanh units, decay and online.

Three implementations are held together, as for issue 12's rules: the NumPy
reference, the generic kernels ``single_run._train_rules`` and ``_train_online`` (shapes
above ``SMALL_WIDTHS``, and every shape with ``unrolled=False``) and the generated
modules of small shapes. Runs with the default rules keep their old kernels,
which ``tests/test_kernel_rules.py`` holds to the bit against
``tests/frozen_single_run.py``.
"""

import math

import numpy as np
import pytest

import xorfast
from xorfast import datasets, reference
from xorfast._compiled import single_run, single_run_unrolled
from xorfast._compiled.jit import machine_code
from xorfast._compiled.order import shuffle_rows
from xorfast.params import Params, initial_params

from .helpers import TOLERANCE, random_problem

#: Each rule alone, and combined with momentum, the offset and each other.
RULES = [
    ("tanh", "bce", "mean", dict(activation="tanh")),
    ("tanh-momentum", "mse", "sum", dict(activation="tanh", momentum=0.9)),
    ("decay", "bce", "mean", dict(weight_decay=0.1)),
    ("decay-momentum-offset", "mse", "sum", dict(weight_decay=0.1, momentum=0.5,
                                                  derivative_offset=0.1)),
    ("online", "bce", "mean", dict(update="online")),
    ("online-momentum-decay", "mse", "mean", dict(update="online", momentum=0.5,
                                                  weight_decay=0.05)),
    ("shuffled", "bce", "sum", dict(update="shuffled", seed=11)),
    ("all", "mse", "mean", dict(activation="tanh", weight_decay=0.05, update="shuffled",
                                seed=3, momentum=0.5, derivative_offset=0.1)),
]  # fmt: skip
RULE_IDS = [name for name, *_ in RULES]
#: (rows, inputs, hidden, outputs): generated shapes, and one above SMALL_WIDTHS
#: (the generic kernel alone). Each generated variant is a compile of its own: 2-3-1's
#: variants of tanh, decay, momentum with decay and online updates are the ones that
#: test_stopped_runs_match_... and the sweep rules' tests compile too.
SHAPES = [
    (5, 2, 3, 1),
    pytest.param(5, 2, 4, 3, marks=pytest.mark.slow),
    pytest.param(5, 3, 16, 1, marks=pytest.mark.slow),
    (5, 2, 32, 3),
]
ISSUE_15 = ("activation", "weight_decay", "update", "seed")
#: The generic kernels ``_train_rules`` and ``_train_online`` cost 6-9 s of CPU of compiling
#: each per dtype from cold.
#: The everyday tier compiles it in float64 alone; float32 runs of it are exhaustive-tier
#: cases. The everyday tier still trains every rule in float32 through the generated
#: modules (two of ``test_stopped_runs_match_...``'s options on 2-3-1).
DTYPES = ["float64", pytest.param("float32", marks=pytest.mark.slow)]


def _run(X, y, start, *, unrolled, epochs, lr, loss, reduction, log_every=0, stop=None, **rules):
    """Train a copy of ``start`` with the kernel the rules pick; the arguments and the result."""
    online = rules.get("update", "batch") != "batch"
    arguments = single_run.arguments(
        X,
        y,
        start.astype(X.dtype),
        epochs=epochs,
        lr=lr,
        scale=1 / X.shape[0] if reduction == "mean" and not online else 1.0,
        mse_output=loss == "mse",
        log_every=log_every,
        stop=stop,
        **{name: value for name, value in rules.items() if name not in ISSUE_15},
    )
    extra = single_run.rules(
        X.shape[0], X.dtype, **{name: value for name, value in rules.items() if name in ISSUE_15}
    )
    assert extra is not None
    kernel = single_run.kernel_for(arguments, extra, unrolled=unrolled)
    call = single_run.call_arguments(arguments, extra)
    stopped = machine_code(kernel, call)(*call)
    return arguments, stopped


def _kernels(inputs, hidden, outputs):
    """``unrolled`` flags of the kernels that run this shape: generic, and generated if any."""
    return [False, True] if single_run_unrolled.unrolls(inputs, hidden, outputs) else [False]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("rule", "loss", "reduction", "rules"), RULES, ids=RULE_IDS)
@pytest.mark.parametrize(("rows", "inputs", "hidden", "outputs"), SHAPES)
def test_a_few_epochs_match_the_reference(
    dtype, rule, loss, reduction, rules, rows, inputs, hidden, outputs
):
    X, y, start = random_problem(rows, inputs, hidden, outputs, seed=hidden, dtype=dtype)
    lr, epochs = 0.5, 3
    options = dict(epochs=epochs, lr=lr, loss=loss, reduction=reduction)
    expected, log = reference.train(X, y, start, log_every=1, **options, **rules)
    plain, _ = reference.train(
        X, y, start, **options, **{k: v for k, v in rules.items() if k not in ISSUE_15}
    )
    tolerance = TOLERANCE[dtype]["one_step"]
    # The rules change the result by far more than the tolerance, so the test can fail.
    assert not np.allclose(expected.W1, plain.W1, **tolerance)
    activation = rules.get("activation", "sigmoid")
    for unrolled in _kernels(inputs, hidden, outputs):
        arguments, _ = _run(X, y, start, unrolled=unrolled, log_every=1, **options, **rules)
        for name, fast, slow in zip(Params._fields, arguments.params, expected):
            np.testing.assert_allclose(fast, slow, err_msg=f"{name} {unrolled=}", **tolerance)
        np.testing.assert_allclose(arguments.mse_log, log, **tolerance)
        # The kernel ends with a forward pass of the trained parameters.
        A1, A2 = reference.forward(X, expected, activation)
        np.testing.assert_allclose(arguments.work.A1, A1, **tolerance)
        np.testing.assert_allclose(arguments.work.A2, A2, **tolerance)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("hidden", [1, 32])
def test_one_step_of_weight_decay_by_hand(dtype, hidden):
    # The reference test's example (tests/test_reference_rules_15.py), two equal
    # rows summed: x = 1, W1 = -1, b1 = 1 (Z1 = 0, A1 = 0.5 on every unit); W2 = 2
    # on unit 0 and 0 elsewhere, b2 = -1 (Z2 = 0, A2 = 0.5). All dyadic: exact.
    X, y = np.ones((2, 1), dtype), np.ones((2, 1), dtype)
    W2 = np.zeros((hidden, 1))
    W2[0, 0] = 2.0
    start = Params(-np.ones((1, hidden)), np.ones(hidden), W2, -np.ones(1)).astype(dtype)
    for unrolled in _kernels(1, hidden, 1):
        arguments, _ = _run(
            X, y, start, unrolled=unrolled, epochs=1, lr=1.0, loss="bce", reduction="sum",
            weight_decay=0.5,
        )  # fmt: skip
        W1, b1, W2, b2 = arguments.params
        # Unit 0: dW1 = 2 (-0.25) + 0.5 (-1) = -1, db1 = -0.5, dW2 = 2 (-0.25) + 0.5 * 2 = 0.5.
        assert (W1[0, 0], b1[0], W2[0, 0], b2[0]) == (0.0, 1.5, 1.5, 0.0)
        # Other units (W2 = 0): D1 = 0, so dW1 = 0.5 (-1), db1 = 0; dW2 = 2 (-0.25) + 0.
        assert (W1[0, 1:] == -0.5).all() and (b1[1:] == 1).all() and (W2[1:, 0] == 0.5).all()


def _sigmoid(z):
    return 1 / (1 + math.exp(-z))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("hidden", [1, 20])
def test_one_online_epoch_by_hand(dtype, hidden):
    # The reference test's example, with the hidden unit repeated: row 0 (x = 0,
    # y = 1) sees W2 = 0 and moves the output weights alone, row 1 (x = 1, y = 0)
    # sees what row 0 left.
    X, y = np.array([[0.0], [1.0]], dtype), np.array([[1.0], [0.0]], dtype)
    start = Params(np.ones((1, hidden)), np.zeros(hidden), np.zeros((hidden, 1)), np.zeros(1))
    # Row 0: A1 = 0.5, A2 = 0.5, d2 = -0.5, d1 = 0; W2 -= 0.5 * -0.5, b2 -= -0.5.
    W2, b2 = 0.25, 0.5
    # Row 1: Z1 = 1 on every unit, Z2 = hidden * a * W2 + b2.
    a = _sigmoid(1.0)
    p = _sigmoid(hidden * a * W2 + b2)
    d1 = p * W2 * a * (1 - a)
    expected = (1 - d1, -d1, W2 - a * p, b2 - p)
    tolerance = TOLERANCE[dtype]["one_step"]
    for unrolled in _kernels(1, hidden, 1):
        arguments, _ = _run(
            X, y, start.astype(dtype), unrolled=unrolled, epochs=1, lr=1.0, loss="bce",
            reduction="mean", update="online",
        )  # fmt: skip
        W1, b1, W2_, b2_ = arguments.params
        got = (W1[0, -1], b1[-1], W2_[-1, 0], b2_[0])
        np.testing.assert_allclose(got, expected, err_msg=f"{unrolled=}", **tolerance)


@pytest.mark.parametrize("rows", [1, 2, 5, 40])
def test_the_kernels_shuffle_as_the_reference_orders(rows):
    import numba

    @numba.njit
    def orders(order, seed, epochs):
        out = np.empty((epochs, order.shape[0]), np.int64)
        for epoch in range(epochs):
            shuffle_rows(order, seed, epoch)
            out[epoch] = order
        return out

    for seed in (0, 1, 2**32 - 1):
        got = orders(np.arange(rows, dtype=np.int64), np.uint64(seed), 30)
        for epoch in range(30):
            expected = reference.shuffled_order(rows, seed, epoch)
            np.testing.assert_array_equal(got[epoch], expected, err_msg=f"{seed=} {epoch=}")
    # Called from Python (NUMBA_DISABLE_JIT=1), the reference itself fills the order.
    order = np.zeros(rows, np.int64)
    shuffle_rows(order, np.uint64(5), 7)
    np.testing.assert_array_equal(order, reference.shuffled_order(rows, 5, 7))


#: Rules combined with stop, on XOR, as train runs them.
STOPPING = [
    dict(activation="tanh", stop="solved", lr=1.0),
    dict(weight_decay=1e-3, momentum=0.9, stop="tol", tol=0.05, lr=0.5),
    dict(update="online", stop="solved", lr=1.0, reduction="sum", margin=0.4),
    dict(update="shuffled", activation="tanh", momentum=0.5, stop="tol", tol=0.05, lr=0.5),
]


def _stopping_cases():
    """(options, hidden, dtype) of the next test.

    Each generated 2-3-1 variant is two compiles (with and without stop, about 3 s each
    from cold). In float32 the everyday tier runs the second and the last (between them
    decay, tanh, shuffled online updates, momentum and tol), the other two in the
    exhaustive tier; so is the generic kernel in float32.
    """
    cases = []  # a list: pytest deprecates generators here (PytestRemovedIn10Warning)
    for options in STOPPING:
        name = "-".join(map(str, options.values()))
        for hidden, dtype in [(3, "float64"), (3, "float32"), (20, "float64"), (20, "float32")]:
            slow = dtype == "float32" and (hidden == 20 or options in STOPPING[::2])
            marks = [pytest.mark.slow] if slow else []
            cases.append(
                pytest.param(options, hidden, dtype, marks=marks, id=f"{name}-{hidden}-{dtype}")
            )
    return cases


@pytest.mark.parametrize(("options", "hidden", "dtype"), _stopping_cases())
def test_stopped_runs_match_the_numpy_backend_and_the_run_of_that_many_epochs(
    dtype, options, hidden
):
    common = dict(seed=4, hidden=hidden, epochs=400, dtype=dtype, log_every=7, **options)
    fast = xorfast.train(**common)
    slow = xorfast.train(backend="numpy", **common)
    assert fast.epoch_stopped == slow.epoch_stopped > 0
    tolerance = TOLERANCE[dtype]["long"]
    for name in Params._fields:
        np.testing.assert_allclose(getattr(fast, name), getattr(slow, name), **tolerance)
    np.testing.assert_allclose(fast.history.mse, slow.history.mse, **tolerance)
    assert fast.history.epoch.tolist() == slow.history.epoch.tolist()
    # To the bit, the run of that many epochs without the stop.
    plain = {k: v for k, v in common.items() if k not in ("stop", "tol")}
    again = xorfast.train(**{**plain, "epochs": fast.epoch_stopped})
    for name in (*Params._fields, "predictions"):
        np.testing.assert_array_equal(getattr(fast, name), getattr(again, name), err_msg=name)
    np.testing.assert_array_equal(fast.history.mse, again.history.mse)


@pytest.mark.parametrize("hidden", [3, 20])
def test_online_updates_take_no_mean_over_the_rows(hidden):
    X, y = datasets.xor()
    runs = [
        xorfast.train(X, y, seed=2, hidden=hidden, epochs=50, update="online", reduction=r)
        for r in ("mean", "sum")
    ]
    np.testing.assert_array_equal(runs[0].W1, runs[1].W1)
    batch = xorfast.train(X, y, seed=2, hidden=hidden, epochs=50)
    assert not np.allclose(batch.W1, runs[0].W1)


def test_the_default_rules_are_no_rules_and_keep_the_old_kernels():
    assert single_run.rules(4, np.float64) is None
    assert single_run.rules(4, np.float64, activation="sigmoid", weight_decay=0.0) is None
    X, y = (a.astype("float64") for a in datasets.xor())
    params = initial_params(2, 3, 1, seed=0)
    arguments = single_run.arguments(X, y, params, epochs=3, lr=0.5, scale=0.25, mse_output=False)
    assert single_run.kernel_for(arguments, None, unrolled=False) is single_run._train
    assert single_run.kernel_for(arguments, None) is single_run_unrolled.train_kernel(2, 3, 1)
    rules = single_run.rules(4, np.float64, weight_decay=0.1)
    assert single_run.kernel_for(arguments, rules, unrolled=False) is single_run._train_rules
    for update in ("online", "shuffled"):
        online = single_run.rules(4, np.float64, update=update)
        assert single_run.kernel_for(arguments, online, unrolled=False) is single_run._train_online
    assert single_run.kernel_for(arguments, rules) is single_run_unrolled.train_kernel(
        2, 3, 1, decay=True
    )
    assert single_run.call_arguments(arguments) == tuple(arguments)
    assert single_run.call_arguments(arguments, rules)[-1] is rules


def test_generated_rule_modules_are_named_for_their_rules_and_take_the_rules():
    stem, source = single_run_unrolled.module_source(
        2, 2, 1, momentum=True, stop=True, tanh=True, decay=True, online=True
    )
    assert stem == "xorfast_train_momentum_stop_tanh_decay_online_2_2_1"
    assert "stop, margin, tol, rules):" in source and "tanh(" in source
    # Biases are not decayed; weights are.
    assert "decay * c1_0" not in source and "decay * w1_0_0" in source
    plain_stem, plain = single_run_unrolled.module_source(2, 2, 1)
    assert plain_stem == "xorfast_train_2_2_1" and "rules" not in plain


def test_shuffled_with_weights_takes_a_seed_for_the_order_alone():
    X, y = datasets.xor()
    start = xorfast.train(seed=1, epochs=0).params
    run = xorfast.train(X, y, weights=start, seed=6, update="shuffled", epochs=20)
    assert run.seed == 6
    same = xorfast.train(X, y, weights=start, seed=6, update="shuffled", epochs=20)
    np.testing.assert_array_equal(run.W1, same.W1)
    other = xorfast.train(X, y, weights=start, seed=7, update="shuffled", epochs=20)
    assert not np.array_equal(run.W1, other.W1)
    drawn = xorfast.train(X, y, weights=start, update="shuffled", epochs=1)
    assert isinstance(drawn.seed, int)
    with pytest.raises(ValueError, match="seed and weights cannot both be given"):
        xorfast.train(X, y, weights=start, seed=6, update="online")


def test_tanh_runs_predict_with_tanh_units():
    run = xorfast.train(seed=3, epochs=200, lr=1.0, activation="tanh")
    np.testing.assert_allclose(run.predict(datasets.xor()[0]), run.predictions, rtol=1e-12)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (dict(weight_decay=-0.1), "weight_decay must be"),
        (dict(activation="relu"), "activation"),
        (dict(update="minibatch"), "update"),
    ],
)
def test_bad_rules_are_refused_naming_the_option(options, message):
    with pytest.raises(ValueError, match=message):
        xorfast.train(epochs=1, **options)


def test_sweeps_check_the_rules_they_take():
    with pytest.raises(ValueError, match="update"):
        xorfast.sweep(seeds=1, epochs=1, update="minibatch")
    with pytest.raises(ValueError, match="activation"):
        xorfast.sweep(seeds=1, epochs=1, activation="x")
    with pytest.raises(TypeError, match="weight_decay"):
        xorfast.sweep(seeds=1, epochs=1, weight_decay="x")


def test_the_command_line_trains_with_the_rules_and_names_them(capsys):
    from xorfast.cli import main

    argv = ["train", "--seed", "2", "--epochs", "300", "--lr", "1", "--log-every", "100"]
    rules = ["--activation", "tanh", "--weight-decay", "0.001", "--update", "shuffled"]
    assert main([*argv, *rules]) == 0
    out = capsys.readouterr().out
    headline = out.splitlines()[0]
    assert "loss bce (mean), tanh hidden units, shuffled updates, weight decay 0.001," in headline
    same = xorfast.train(
        seed=2, epochs=300, lr=1.0, activation="tanh", weight_decay=0.001, update="shuffled"
    )
    assert f"final MSE {same.final_mse:.5f}" in out
    with pytest.raises(SystemExit):  # argparse names the choices
        main([*argv, "--update", "sideways"])
    assert "--update: invalid choice: 'sideways'" in capsys.readouterr().err
