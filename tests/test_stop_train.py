"""``train(stop="solved" | "tol")`` ends a run at the epoch ``epoch_solved`` (``epoch_tol``) names.

A stopped run is, to the bit, the fixed-budget run of as many epochs as it
made updates, on the same backend and kernel; its stop epoch is the one the
NumPy reference and the sweep report for a full-budget run; and without
``stop`` nothing changes.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import xorfast
from xorfast import datasets, reference
from xorfast._compiled import single_run, single_run_unrolled
from xorfast._compiled.jit import machine_code
from xorfast.cli import main
from xorfast.params import initial_params

from .test_kernel_rules import _call, _frozen

SEEDS = range(6)
#: (hidden, rules): a generated kernel (2-2-1) and the generic one (2-20-1, above
#: SMALL_WIDTHS), each without and with momentum. The momentum case is 2-2-1, whose
#: momentum sweep the sweep rules' tests compile too (2-4-1's would be this test's alone).
#: The generic kernel's cases compile a 2-20-1 sweep of their own (about 30 s each from
#: cold): they run in the exhaustive tier.
RUNS = [
    pytest.param(2, dict(), id="2-plain"),
    pytest.param(2, dict(momentum=0.9), id="2-momentum"),
    pytest.param(20, dict(), id="20-plain", marks=pytest.mark.slow),
    pytest.param(
        20,
        dict(momentum=0.5, loss="mse", derivative_offset=0.1),
        id="20-momentum-offset",
        marks=pytest.mark.slow,
    ),
]
EPOCHS, LR = 1500, 0.5


def _state(result):
    return (*result.params, result.predictions, result.history.epoch, result.history.mse)


def _assert_same_bits(a, b, what):
    for name, x, y in zip(["W1", "b1", "W2", "b2", "A2", "epoch", "log"], _state(a), _state(b)):
        np.testing.assert_array_equal(x, y, err_msg=f"{what}: {name}")
    assert a.final_mse == b.final_mse and a.max_error == b.max_error, what


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize(("hidden", "rules"), RUNS)
def test_stop_solved_ends_at_the_sweeps_epoch_solved_as_the_run_of_that_many_epochs(
    dtype, hidden, rules
):
    options = dict(hidden=hidden, lr=LR, dtype=dtype, **rules)
    table = xorfast.sweep(
        seeds=len(SEEDS), epochs=EPOCHS, progress=False, **{**options, "hidden": [hidden]}
    ).table
    stopped_some = False
    for seed, expected in zip(SEEDS, table["epoch_solved"]):
        run = xorfast.train(seed=seed, epochs=EPOCHS, stop="solved", log_every=97, **options)
        assert run.epoch_stopped == expected, seed
        assert run.updates == (EPOCHS if expected < 0 else expected)
        assert run.solved == (expected >= 0)
        assert run.config["epochs"] == EPOCHS  # the budget
        fixed = xorfast.train(seed=seed, epochs=run.updates, log_every=97, **options)
        assert fixed.updates == run.updates and fixed.epoch_stopped == -1
        _assert_same_bits(run, fixed, f"seed {seed}")
        assert np.all(run.history.epoch < run.updates)
        stopped_some |= 0 <= expected < EPOCHS
    assert stopped_some


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize(("hidden", "rules"), RUNS)
def test_stop_tol_ends_at_the_sweeps_epoch_tol_as_the_run_of_that_many_epochs(
    dtype, hidden, rules
):
    tol = 0.05
    options = dict(hidden=hidden, lr=LR, dtype=dtype, tol=tol, **rules)
    table = xorfast.sweep(
        seeds=len(SEEDS), epochs=EPOCHS, progress=False, **{**options, "hidden": [hidden]}
    ).table
    for seed, expected in zip(SEEDS, table["epoch_tol"]):
        run = xorfast.train(seed=seed, epochs=EPOCHS, stop="tol", **options)
        assert run.epoch_stopped == expected, seed
        assert run.updates == (EPOCHS if expected < 0 else expected)
        if expected >= 0:
            assert run.final_mse < tol
        fixed = xorfast.train(seed=seed, epochs=run.updates, **options)
        _assert_same_bits(run, fixed, f"seed {seed}")
    assert (table["epoch_tol"] >= 0).any()


@pytest.mark.parametrize("stop", ["solved", "tol"])
@pytest.mark.parametrize(("hidden", "rules"), RUNS)
def test_the_numpy_reference_stops_at_the_same_epoch_as_the_kernels(stop, hidden, rules):
    X, y = datasets.xor()
    for seed in SEEDS[:3]:
        common = dict(hidden=hidden, seed=seed, epochs=EPOCHS, lr=LR, stop=stop, **rules)
        compiled = xorfast.train(**common)
        plain = xorfast.train(**common, backend="numpy")
        assert plain.epoch_stopped == compiled.epoch_stopped and plain.updates == compiled.updates
        for a, b in zip(plain.params, compiled.params):
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
        if stop == "solved":
            start = initial_params(2, hidden, 1, seed=seed)
            rule = {k: v for k, v in rules.items() if k != "loss"}
            solved_at = reference.epoch_solved(
                X, y, start, epochs=EPOCHS, lr=LR, loss=rules.get("loss", "bce"), **rule
            )
            assert compiled.epoch_stopped == solved_at


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_the_numpy_backend_stopped_is_its_own_fixed_budget_run_to_the_bit(dtype):
    for stop in ("solved", "tol"):
        common = dict(hidden=3, seed=1, lr=1.0, dtype=dtype, backend="numpy", log_every=10)
        run = xorfast.train(**common, epochs=EPOCHS, stop=stop)
        assert 0 < run.updates < EPOCHS
        _assert_same_bits(run, xorfast.train(**common, epochs=run.updates), stop)


def test_reference_train_until_is_train_up_to_epoch_solved():
    X, y = datasets.xor()
    start = initial_params(2, 2, 1, seed=4)
    solved_at = reference.epoch_solved(X, y, start, epochs=EPOCHS, lr=LR, margin=0.4)
    assert 0 < solved_at < EPOCHS
    params, log, stopped = reference.train_until(
        X, y, start, stop="solved", epochs=EPOCHS, lr=LR, margin=0.4, log_every=50
    )
    assert stopped == solved_at
    fixed, fixed_log = reference.train(X, y, start, epochs=solved_at, lr=LR, log_every=50)
    for a, b in zip(params, fixed):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(log, fixed_log)
    assert reference.solved(reference.forward(X, params)[1], y, 0.4)
    # One epoch less is not solved.
    before = reference.train(X, y, start, epochs=solved_at - 1, lr=LR)[0]
    assert not reference.solved(reference.forward(X, before)[1], y, 0.4)


def test_reference_stops_on_hand_made_outputs():
    y = np.array([[0.0], [1.0]])
    assert reference.stops(np.array([[0.3], [0.7]]), y, "solved", margin=0.4)
    assert not reference.stops(np.array([[0.3], [0.5]]), y, "solved", margin=0.4)
    assert not reference.stops(np.array([[np.nan], [1.0]]), y, "solved")
    # Errors of 1/8, exact in binary: MSE 1/64, not below 1/64, below 0.016.
    assert not reference.stops(np.array([[0.125], [0.875]]), y, "tol", tol=1 / 64)
    assert reference.stops(np.array([[0.125], [0.875]]), y, "tol", tol=0.016)
    assert not reference.stops(np.array([[np.nan], [1.0]]), y, "tol", tol=1.0)
    assert not reference.stops(np.array([[0.0], [1.0]]), y, None)


@pytest.mark.parametrize("backend", ["numba", "numpy"])
def test_a_run_that_never_stops_trains_the_whole_budget(backend):
    common = dict(hidden=2, seed=3, epochs=200, lr=0.1, backend=backend, log_every=20)
    for stop in ("solved", "tol"):
        run = xorfast.train(**common, stop=stop)
        assert not run.solved and run.final_mse > 0.01
        assert run.updates == 200 and run.epoch_stopped == -1
        _assert_same_bits(run, xorfast.train(**common), stop)
        assert len(run.history) == 10


# The numba run of 2-20-1 is the only everyday user of the generic stopping kernel
# ``_train_stop`` apart from the generated-vs-generic cases below, and it costs about 15 s
# of compiling from cold: exhaustive tier. Everyday, 2-2-1 runs this test through the
# generated kernel and the generic momentum one stops in the cases below.
@pytest.mark.parametrize(
    ("backend", "hidden"),
    [
        ("numba", 2),
        pytest.param("numba", 20, marks=pytest.mark.slow),
        ("numpy", 2),
        ("numpy", 20),
    ],
)
def test_solved_only_after_the_last_update_trains_the_whole_budget(backend, hidden):
    common = dict(hidden=hidden, seed=3, lr=LR, backend=backend)
    first = xorfast.train(**common, epochs=EPOCHS, stop="solved").epoch_stopped
    assert 0 < first < EPOCHS
    # A budget of exactly that many epochs: solved after the last update.
    run = xorfast.train(**common, epochs=first, stop="solved")
    assert run.updates == run.epoch_stopped == first and run.solved
    short = xorfast.train(**common, epochs=first - 1, stop="solved")
    assert short.updates == first - 1 and short.epoch_stopped == -1 and not short.solved


@pytest.mark.parametrize("backend", ["numba", "numpy"])
def test_a_run_solved_at_the_start_makes_no_update(backend):
    X, y = datasets.xor()
    trained = xorfast.train(seed=0, epochs=3000, lr=LR)
    assert trained.solved
    run = xorfast.train(weights=trained.params, epochs=100, stop="solved", backend=backend)
    assert run.updates == run.epoch_stopped == 0 and len(run.history) == 0
    for a, b in zip(run.params, trained.params):
        np.testing.assert_array_equal(a, b)
    zero = xorfast.train(weights=trained.params, epochs=0, stop="solved", backend=backend)
    assert zero.updates == zero.epoch_stopped == 0


def test_without_stop_a_run_reports_its_full_budget():
    run = xorfast.train(seed=0, epochs=300, lr=LR)
    assert run.updates == 300 and run.epoch_stopped == -1 and run.config["stop"] is None


def _kernel_run(X, y, start, *, unrolled, epochs, stop=None, momentum=0.0, log_every=0):
    arguments = single_run.arguments(
        X,
        y,
        start.astype(X.dtype),
        epochs=epochs,
        lr=LR,
        scale=1 / X.shape[0],
        mse_output=False,
        log_every=log_every,
        momentum=momentum,
        stop=stop,
        margin=0.5,
        tol=0.05,
    )
    kernel = single_run.kernel_for(arguments, unrolled=unrolled)
    returned = machine_code(kernel, tuple(arguments))(*arguments)
    return arguments, returned


# The generic stopping kernels in float32 (about 40 s of compiling from cold) are
# compiled for this test alone: the exhaustive tier; float32 stops in the everyday
# one through the generated kernels (the sweeps' cases above). So is ``_train_stop``
# in float64 (about 15 s): everyday, the generic momentum kernel ``_train_momentum_stop``
# is held to the generated one, in both stopping rules.
@pytest.mark.parametrize(
    ("dtype", "momentum"),
    [
        pytest.param("float64", 0.0, marks=pytest.mark.slow),
        ("float64", 0.9),
        pytest.param("float32", 0.0, marks=pytest.mark.slow),
        pytest.param("float32", 0.9, marks=pytest.mark.slow),
    ],
)
@pytest.mark.parametrize("stop", ["solved", "tol"])
def test_generated_and_generic_stopping_kernels_stop_at_the_same_epoch(dtype, momentum, stop):
    X, y = (a.astype(dtype) for a in datasets.xor())
    start = initial_params(2, 3, 1, seed=2)
    found = {}
    for unrolled in (True, False):
        kernel = single_run.kernel_for(
            _kernel_run(X, y, start, unrolled=unrolled, epochs=0, stop=stop, momentum=momentum)[0],
            unrolled=unrolled,
        )
        variant = ("_train_momentum_stop" if momentum else "_train_stop") if not unrolled else None
        if variant:
            assert kernel is getattr(single_run, variant)
        else:
            assert kernel is single_run_unrolled.train_kernel(
                2, 3, 1, momentum=bool(momentum), stop=True
            )
        arguments, stopped = _kernel_run(
            X, y, start, unrolled=unrolled, epochs=EPOCHS, stop=stop, momentum=momentum
        )
        assert 0 < stopped < EPOCHS
        fixed, returned = _kernel_run(
            X, y, start, unrolled=unrolled, epochs=stopped, momentum=momentum, log_every=0
        )
        assert returned is None  # the kernels without stop
        for a, b in zip(
            (*arguments.params, arguments.work.A2), (*fixed.params, fixed.work.A2), strict=True
        ):
            np.testing.assert_array_equal(a, b, err_msg=f"{unrolled=}")
        found[unrolled] = stopped, arguments.params
    assert found[True][0] == found[False][0]
    for a, b in zip(found[True][1], found[False][1]):
        np.testing.assert_allclose(a, b, rtol=1e-4 if dtype == "float32" else 1e-12)


# In float32 this test compiles the frozen generic kernel for itself (about 6 s quiet, 12 s
# busy, from cold): the exhaustive tier. Everyday, float32 keeps its old bits on 2-4-1
# (test_kernel_rules' test_train_without_the_rules_gives_the_old_results_to_the_bit).
@pytest.mark.parametrize("dtype", ["float64", pytest.param("float32", marks=pytest.mark.slow)])
@pytest.mark.parametrize("hidden", [2, 20])
def test_without_stop_the_kernels_give_the_old_results_to_the_bit(dtype, hidden):
    X, y = (a.astype(dtype) for a in datasets.xor())
    start = initial_params(2, hidden, 1, seed=7)
    for unrolled in (True, False):
        new, returned = _kernel_run(X, y, start, unrolled=unrolled, epochs=700, log_every=9)
        assert returned is None
        assert single_run.kernel_for(new, unrolled=unrolled) in (
            single_run._train,
            single_run_unrolled.train_kernel(2, hidden, 1),
        )
        old = single_run.arguments(
            X, y, start.astype(dtype), epochs=700, lr=LR, scale=0.25, mse_output=False, log_every=9
        )
        _call(_frozen(unrolled, 2, hidden, 1), old)
        for a, b in zip(
            (*new.params, new.mse_log, new.work.A2), (*old.params, old.mse_log, old.work.A2)
        ):
            np.testing.assert_array_equal(a, b, err_msg=f"{unrolled=}")


def test_the_kernels_stop_codes_are_the_generators():
    assert single_run.STOP_CODES == {None: 0, "solved": 1, "tol": 2}
    assert single_run.STOP_CODES["solved"] == single_run_unrolled.STOP_SOLVED


def test_cli_train_says_how_many_epochs_it_trained(capsys):
    args = ["train", "--seed", "3", "--lr", "0.5", "--epochs", "5000", "--log-every", "100"]
    assert main([*args, "--stop", "solved"]) == 0
    out = capsys.readouterr().out
    run = xorfast.train(seed=3, lr=0.5, epochs=5000, stop="solved")
    e = run.epoch_stopped
    assert 0 < e < 5000
    assert "2-4-1 network on xor: up to 5000 epochs (stop when solved), lr 0.5" in out
    epochs = [line.split(",")[0] for line in out.splitlines() if line.startswith("Epoch")]
    assert epochs == [f"Epoch {k}" for k in range(0, e, 100)] + [f"Epoch {e}"]
    assert f"Epoch {e}, Loss: {run.final_mse:.4f} (stopped)" in out
    assert f"solved at epoch {e}: trained {e} of 5000 epochs in " in out

    assert main(["train", "--seed", "3", "--epochs", "50", "--stop", "tol", "--tol", "0.001"]) == 0
    out = capsys.readouterr().out
    assert "up to 50 epochs (stop at MSE below 0.001)" in out
    assert "MSE not below 0.001 by epoch 50: trained all 50 epochs in " in out
    assert "(stopped)" not in out


SCRIPT = """
import json, sys
import numba
import xorfast
assert numba.config.DISABLE_JIT
out = []
for case in json.loads(sys.argv[1]):
    run = xorfast.train(**case)
    out.append([run.epoch_stopped, run.updates, run.W1.tolist(), run.W2.tolist()])
print(json.dumps(out))
"""

PYTHON_CASES = [
    dict(hidden=2, seed=3, epochs=1000, lr=LR, stop="solved"),
    dict(hidden=2, seed=1, epochs=1000, lr=LR, stop="tol", tol=0.1, momentum=0.9),
    dict(hidden=20, seed=1, epochs=300, lr=LR, stop="solved"),
    dict(hidden=20, seed=1, epochs=300, lr=LR, stop="tol", tol=0.1, momentum=0.5),
]


@pytest.mark.slow
def test_stop_runs_in_python_with_numba_disabled():
    env = dict(
        os.environ,
        NUMBA_DISABLE_JIT="1",
        PYTHONPATH=os.pathsep.join(
            [str(Path(xorfast.__file__).parents[1]), os.environ.get("PYTHONPATH", "")]
        ),
    )
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, json.dumps(PYTHON_CASES)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    for case, (stopped, updates, W1, W2) in zip(PYTHON_CASES, json.loads(done.stdout)):
        run = xorfast.train(**case)
        assert 0 < run.epoch_stopped < case["epochs"], case
        assert (stopped, updates) == (run.epoch_stopped, run.updates), case
        np.testing.assert_allclose(W1, run.W1, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(W2, run.W2, rtol=1e-12, atol=1e-15)
