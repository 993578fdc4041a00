"""With NUMBA_DISABLE_JIT=1, train and sweep run as plain Python with the compiled results.

The Python runs happen in a subprocess, since the variable must be set before
Numba is imported. They are not bit-identical to the compiled ones: with
``fastmath`` ``contract`` LLVM fuses some multiply-adds into one rounding
(Python has no fused multiply-add before 3.13), so about one sigmoid in 200
differs in its last bit, and a pair sigmoid's correction step, exact as a
multiply-add, rounds once more in Python. Over the short runs here that stays
within the tolerances below (measured: a few ulp); integer results (epochs
reached, divergence) are equal.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import xorfast

RTOL = {"float64": 1e-14, "float32": 4e-6}

# Each case: (function, keyword arguments); hidden=30 is above the sweep's unrolling
# limit for XOR and 20 above the single-run kernel's SMALL_WIDTHS, so the generic
# kernels run as well as the generated ones.
TRAINS = [
    dict(hidden=2, epochs=20, seed=3, log_every=5),
    dict(hidden=2, epochs=20, seed=3, lr=2.0, dtype="float32", log_every=5),
    dict(hidden=20, epochs=20, seed=5, loss="mse", reduction="sum"),
    # The heavy-ball variants, generated and generic, with the flat-spot offset.
    dict(hidden=2, epochs=20, seed=3, momentum=0.9, log_every=5),
    dict(hidden=20, epochs=20, seed=5, loss="mse", momentum=0.5, derivative_offset=0.1),
    # Issue 15's rules, generated and generic (the order of "shuffled" from Python ints).
    dict(hidden=2, epochs=20, seed=3, activation="tanh", update="shuffled", weight_decay=0.01),
    dict(hidden=20, epochs=20, seed=5, update="online", momentum=0.5, stop="solved", lr=2.0),
]
SWEEPS = [
    dict(seeds=3, hidden=[2, 30], epochs=20, lr=[0.5, 8.0], dtype=dtype)
    for dtype in ("float64", "float32")
]

SCRIPT = """
import json, sys
import numba
import xorfast
from xorfast._compiled import single_run, single_run_unrolled
assert numba.config.DISABLE_JIT
assert type(single_run._train).__name__ == "function"  # plain Python, not a dispatcher
assert type(single_run._train_momentum).__name__ == "function"
trains, sweeps = json.loads(sys.argv[1])
out = {"train": [], "sweep": []}
for case in trains:
    run = xorfast.train(**case)
    out["train"].append([run.W1.tolist(), run.W2.tolist(), run.b1.tolist(), run.b2.tolist(),
                         run.history.mse.tolist(), run.final_mse])
for case in sweeps:
    table = xorfast.sweep(progress=False, **case).table
    out["sweep"].append({name: table[name].tolist() for name in table.dtype.names})
print(json.dumps(out))
"""


def python_results():
    env = dict(
        os.environ,
        NUMBA_DISABLE_JIT="1",
        PYTHONPATH=os.pathsep.join(
            [str(Path(xorfast.__file__).parents[1]), os.environ.get("PYTHONPATH", "")]
        ),
    )
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, json.dumps([TRAINS, SWEEPS])],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.slow
def test_train_and_sweep_in_python_match_the_compiled_kernels():
    found = python_results()
    for case, python in zip(TRAINS, found["train"]):
        run = xorfast.train(**case)
        rtol = RTOL[case.get("dtype", "float64")]
        # The compiled heavy ball fuses momentum * v - step * g into one rounding, so a
        # parameter passing near 0 keeps an error of a few ulp of its velocities.
        atol = 1e-16 if case.get("momentum") else 0
        compiled = [run.W1, run.W2, run.b1, run.b2, run.history.mse, run.final_mse]
        for name, a, b in zip(["W1", "W2", "b1", "b2", "history", "final_mse"], compiled, python):
            np.testing.assert_allclose(b, a, rtol=rtol, atol=atol, err_msg=f"{case}: {name}")
    for case, python in zip(SWEEPS, found["sweep"]):
        table = xorfast.sweep(progress=False, **case).table
        rtol = RTOL[case["dtype"]]
        assert len(table) == len(python["seed"]) == 12
        for name in table.dtype.names:
            if table.dtype[name].kind == "f":
                np.testing.assert_allclose(
                    python[name], table[name], rtol=rtol, atol=0, err_msg=f"{case}: {name}"
                )
            else:
                assert python[name] == table[name].tolist(), (case, name)
        # The cases reach the 0.5 criterion in some runs and not in others.
        assert 0 < (table["epoch_solved"] >= 0).sum() < len(table)


def test_python_sigmoid_helpers_follow_the_compiled_ones():
    """The Python bodies of the kernel-only helpers, against the compiled vector loops."""
    from xorfast._compiled import sigmoid

    rng = np.random.default_rng(7)
    special = [
        0.0,
        -0.0,
        1e-300,
        -1e-300,
        745.5,
        -745.5,
        103.9,
        -103.9,
        1e4,
        -1e4,
        np.inf,
        -np.inf,
        np.nan,
    ]
    for dtype in (np.float64, np.float32):
        z = np.concatenate([rng.normal(0, 8, 2000), rng.uniform(-800, 800, 500), special]).astype(
            dtype
        )
        compiled = z.copy()
        sigmoid.sigmoid_inplace(compiled)
        python = np.array([sigmoid.sigmoid(value) for value in z])
        assert python.dtype == dtype
        np.testing.assert_array_max_ulp(python, compiled, maxulp=2)  # measured: 2
        assert np.mean(python == compiled) > 0.97  # a fused multiply-add here and there
        np.testing.assert_array_equal(python[-len(special) :], compiled[-len(special) :])

        first, second = z[:1000].copy(), z[1000:2000].copy()
        pairs = []
        for a, b in zip(first, second):
            e, e_other = sigmoid.exp_neg_abs(a), sigmoid.exp_neg_abs(b)
            inverse = sigmoid.pair_inverse(e, e_other)
            pairs.append(
                [
                    sigmoid.paired_sigmoid(a, e, e_other, inverse),
                    sigmoid.paired_sigmoid(b, e_other, e, inverse),
                ]
            )
        sigmoid.sigmoid_pairs_inplace(first, second)
        np.testing.assert_array_max_ulp(
            np.array(pairs, dtype).T, np.array([first, second]), maxulp=3
        )  # measured: 2
    with pytest.raises(TypeError, match="sigmoid takes float32 or float64"):
        sigmoid.sigmoid(np.int64(3))
