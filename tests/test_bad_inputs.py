"""One table of bad inputs per public function and command-line flag, each refused clearly.

Every row names the call, the exception it must raise and a fragment of the
message, which names the argument. Nothing may start training first, warn,
or fail deep inside NumPy, Numba or matplotlib.
"""

import dataclasses
import json

import numpy as np
import pytest

import xorfast
import xorfast.sweeps.sweeper
from xorfast import datasets
from xorfast.cli import main
from xorfast.result import History

X, Y = datasets.xor()
ZERO_WIDTH = (np.zeros((2, 0)), np.zeros(0), np.zeros((0, 1)), np.zeros(1))
GOOD_WEIGHTS = (np.ones((2, 2)), np.zeros(2), np.ones((2, 1)), np.zeros(1))


def masked(array):
    return np.ma.masked_array(array, mask=np.zeros_like(array, dtype=bool))


TRAIN = [
    # Huge epochs: 2**63 used to run no epoch at all and report success.
    (dict(epochs=2**63), ValueError, "epochs must be from 0 to 2147483646"),
    (dict(epochs=2**31 - 1), ValueError, "epochs must be from 0 to 2147483646"),
    (dict(epochs=-1), ValueError, "epochs must be from 0"),
    (dict(epochs=10.0), TypeError, "epochs must be an integer"),
    (dict(epochs="10"), TypeError, "epochs must be an integer"),
    (dict(epochs=None), TypeError, "epochs must be an integer"),
    (dict(log_every=2**40), ValueError, "log_every must be from 0 to 2147483646"),
    (dict(log_every=-5), ValueError, "log_every must be from 0"),
    (dict(log_every=None), TypeError, "log_every must be an integer"),
    (dict(log_every=1.0), TypeError, "log_every must be an integer"),
    (dict(epochs=2**31 - 2, log_every=1), ValueError, "logging 2,147,483,646 losses"),
    # Sizes that cannot fit.
    (dict(hidden=10**9), ValueError, "hidden must be from 1 to 65536"),
    (dict(hidden=0), ValueError, "hidden must be from 1 to 65536"),
    (dict(hidden=np.int64(-3)), ValueError, "hidden must be from 1 to 65536"),
    (dict(hidden=True), TypeError, "hidden must be an integer"),
    (dict(hidden=2.5), TypeError, "hidden must be an integer"),
    (
        dict(X=np.ones((1, 10**5)), y=[1], hidden=2**16),
        ValueError,
        "needs about 146.5 GiB of memory, more than the limit of 4.0 GiB",
    ),
    # Numbers that do not fit the dtype.
    (dict(lr=1e-50, dtype="float32"), ValueError, "lr=1e-50 rounds to 0 or a subnormal"),
    (dict(lr=1e-320), ValueError, "rounds to 0 or a subnormal number in float64"),
    (dict(lr=1e39, dtype="float32"), ValueError, "lr=1e+39 does not fit in float32"),
    (
        dict(X=np.zeros((1024, 2)), y=np.zeros(1024), lr=1e-36, dtype="float32"),
        ValueError,
        "lr=1e-36 divided by the 1024 rows (reduction='mean') rounds to 0",
    ),
    (dict(lr=0), ValueError, "lr must be > 0"),
    (dict(lr=np.nan), ValueError, "lr must be finite"),
    (dict(lr=None), TypeError, "lr must be a real number"),
    (dict(lr=1j), TypeError, "lr must be a real number"),
    (dict(lr=True), TypeError, "lr must be a real number"),
    (dict(init_scale=3e38, dtype="float32"), ValueError, "init_scale must be at most"),
    (dict(init_scale=1e308, init="uniform"), ValueError, "init_scale must be at most"),
    (dict(init_scale=1e308), ValueError, "init_scale must be at most"),
    (dict(init_scale=1e-50, dtype="float32"), ValueError, "init_scale=1e-50 rounds to 0"),
    (dict(init_scale=-1), ValueError, "init_scale must be >= 0"),
    (dict(init_scale="1"), TypeError, "init_scale must be a real number"),
    (dict(X=X * 1e39, y=Y, dtype="float32"), ValueError, "X holds values up to 1e+39"),
    (dict(X=X, y=Y * 1e39, loss="mse", dtype="float32"), ValueError, "y holds values up to"),
    (
        dict(
            weights=(np.full((2, 2), 1e39), np.zeros(2), np.ones((2, 1)), np.zeros(1)),
            dtype="float32",
        ),
        ValueError,
        "weights W1 holds values up to 1e+39",
    ),
    # The training rules: momentum in [0, 1), margin in (0, 1), an offset >= 0 with mse.
    (dict(momentum=1), ValueError, "momentum must be >= 0 and < 1; got 1"),
    # Printed in full: 1.0000001 shown as "1" would not say what was wrong.
    (dict(momentum=1.0000001), ValueError, "momentum must be >= 0 and < 1; got 1.0000001"),
    (dict(momentum=-1e-300), ValueError, "momentum must be >= 0; got -1e-300"),
    (dict(momentum=np.nan), ValueError, "momentum must be finite"),
    (dict(momentum=np.inf), ValueError, "momentum must be finite"),
    (dict(momentum=True), TypeError, "momentum must be a real number"),
    (dict(momentum="0.5"), TypeError, "momentum must be a real number"),
    (dict(momentum=[0.5]), TypeError, "momentum must be a real number"),
    (dict(momentum=np.array([0.5])), TypeError, "momentum must be a real number"),
    # 0.99999999 is 1.0 in float32: the velocity would never decay.
    (
        dict(momentum=0.99999999, dtype="float32"),
        ValueError,
        "momentum=0.99999999 rounds to 1 in float32",
    ),
    (dict(margin=0), ValueError, "margin must be > 0; got 0"),
    (dict(margin=-0.0), ValueError, "margin must be > 0"),
    (dict(margin=1), ValueError, "margin must be > 0 and < 1; got 1"),
    (dict(margin=np.nan), ValueError, "margin must be finite"),
    (dict(margin=None), TypeError, "margin must be a real number"),
    (dict(margin=0.99999999, dtype="float32"), ValueError, "margin=0.99999999 rounds to 1"),
    (dict(margin=1e-40, dtype="float32"), ValueError, "margin=1e-40 rounds to 0"),
    (dict(derivative_offset=-1, loss="mse"), ValueError, "derivative_offset must be >= 0"),
    (dict(derivative_offset=0.1), ValueError, "derivative_offset=0.1 acts on the sigmoid"),
    (dict(derivative_offset=0.1, loss="bce"), ValueError, "use loss='mse' or derivative_offset=0"),
    (
        dict(derivative_offset=1e39, loss="mse", dtype="float32"),
        ValueError,
        "derivative_offset=1e+39 does not fit in float32",
    ),
    # Arrays of the wrong kind.
    (dict(X=masked(X), y=Y), TypeError, "X must be a plain array, not a masked array"),
    (dict(X=X, y=masked(Y)), TypeError, "y must be a plain array, not a masked array"),
    (dict(X=X.astype("m8[s]"), y=Y), TypeError, "X must hold real numbers"),
    (dict(X=X.astype("M8[s]"), y=Y), TypeError, "X must hold real numbers"),
    (dict(X=X, y=Y.astype("m8[D]")), TypeError, "y must hold real numbers"),
    (dict(X=X + 1j, y=Y), TypeError, "X must hold real numbers"),
    (dict(X=[[None, 1]] * 4, y=Y), TypeError, "X must hold real numbers"),
    (dict(X=[[0, 1], [1]], y=[0, 1]), ValueError, "X must be a rectangular array"),
    (dict(X=5, y=Y), ValueError, "X must be 2-D"),
    (dict(X=np.zeros((4, 0)), y=Y), ValueError, "X must have at least one row and one column"),
    (dict(X=X, y=np.zeros((4, 0))), ValueError, "y must have at least one output column"),
    (dict(X=X, y=Y - 1), ValueError, "y must lie in [0, 1] with loss='bce'"),
    # Weights.
    (dict(weights=ZERO_WIDTH), ValueError, "weights W1 must have from 1 to 65536 columns"),
    (dict(weights=GOOD_WEIGHTS, seed=-1), ValueError, "seed and weights cannot both be given"),
    (dict(weights=GOOD_WEIGHTS, seed=3), ValueError, "seed and weights cannot both be given"),
    (dict(weights=GOOD_WEIGHTS, init="glorot"), ValueError, "init='glorot' and weights cannot"),
    (dict(weights=GOOD_WEIGHTS, init_scale=0.5), ValueError, "init_scale=0.5 and weights cannot"),
    (dict(weights=GOOD_WEIGHTS, bias_init="same"), ValueError, "bias_init='same' and weights"),
    (dict(weights=GOOD_WEIGHTS[:3]), TypeError, "weights must be a tuple"),
    (dict(weights=np.ones(4)), TypeError, "weights must be a tuple"),
    (
        dict(weights=(np.full((2, 2), np.nan), *GOOD_WEIGHTS[1:])),
        ValueError,
        "W1 contains NaN or infinite",
    ),
    (dict(weights=GOOD_WEIGHTS, hidden=3), ValueError, "weights W1 must have shape (2, 3)"),
    # Choices.
    (dict(dtype=None), ValueError, "dtype must be 'float64' or 'float32'; got None"),
    (dict(dtype=5), ValueError, "dtype must be 'float64' or 'float32'"),
    (dict(dtype=np.float16), ValueError, "dtype must be 'float64' or 'float32'"),
    (dict(loss=None), ValueError, "loss must be one of"),
    (dict(reduction=None), ValueError, "reduction must be one of"),
    (dict(init=None), ValueError, "init must be one of"),
    (dict(bias_init=0), ValueError, "bias_init must be one of"),
    (dict(backend="NUMBA"), ValueError, "backend must be one of"),
    (dict(seed=1.5), TypeError, "seed must be an integer"),
    (dict(seed=np.int64(-1)), ValueError, "seed must be from 0 to 4294967295"),
]


@pytest.mark.parametrize(("kwargs", "error", "message"), TRAIN)
def test_train(kwargs, error, message):
    with pytest.raises(error, match=_fragment(message)):
        xorfast.train(**kwargs)


SWEEP = [
    (dict(seeds=10**10), ValueError, "a table of 10,000,000,000 runs needs about 1.2 TiB"),
    (dict(seeds=10**6, hidden=list(range(1, 101))), ValueError, "a table of 100,000,000 runs"),
    (dict(seeds=-1), ValueError, "seeds must be >= 1"),
    (dict(seeds=1.5), TypeError, "seeds must be a count or an iterable"),
    (dict(seeds=None), TypeError, "seeds must be a count or an iterable"),
    (dict(seeds=[2**32]), ValueError, "seed must be from 0 to 4294967295"),
    (dict(hidden=10**7), ValueError, "hidden must be from 1 to 65536"),
    (dict(hidden=[2, 0]), ValueError, "hidden must be from 1 to 65536"),
    (dict(hidden=None), TypeError, "hidden must be an integer"),
    (dict(hidden=[2.5]), TypeError, "hidden must be an integer"),
    (
        dict(X=np.ones((1024, 10)), y=np.ones(1024), hidden=2**16),
        ValueError,
        "a sweep of 10-65536-1 networks on 1024 rows",
    ),
    (dict(lr=1e-50, dtype="float32"), ValueError, "lr=1e-50 rounds to 0 or a subnormal"),
    (dict(lr=[0.1, None]), TypeError, "lr must be a real number"),
    (
        dict(X=np.zeros((1024, 2)), y=np.zeros(1024), lr=[0.1, 1e-36], dtype="float32"),
        ValueError,
        "lr=1e-36 divided by the 1024 rows (reduction='mean') rounds to 0",
    ),
    (dict(lr=[]), ValueError, "lr is an empty sequence"),
    (dict(tol=1e300, dtype="float32"), ValueError, "tol=1e+300 does not fit in float32"),
    (dict(tol=1e-50, dtype="float32"), ValueError, "tol=1e-50 rounds to 0"),
    (dict(tol=None), TypeError, "tol must be a real number"),
    (dict(tol=np.nan), ValueError, "tol must be finite"),
    (dict(init_scale=1e308, init="uniform"), ValueError, "init_scale must be at most"),
    (dict(init_scale=[1.0, 3e38], dtype="float32"), ValueError, "init_scale must be at most"),
    (dict(epochs=2**31), ValueError, "epochs must be from 0 to 2147483646"),
    (dict(epochs=[-1]), ValueError, "epochs must be from 0"),
    (dict(dtype=None), ValueError, "dtype must be 'float64' or 'float32'; got None"),
    (dict(X=X * 1e39, y=Y, dtype="float32"), ValueError, "X holds values up to 1e+39"),
    (dict(X=masked(X), y=Y), TypeError, "X must be a plain array, not a masked array"),
    (dict(X=X.astype("m8[s]"), y=Y), TypeError, "X must hold real numbers"),
    (dict(block_size=0), ValueError, "block_size must be >= 1"),
    (dict(block_size=1.5), TypeError, "block_size must be an integer"),
    (dict(progress="yes"), TypeError, "progress must be True, False or None"),
    (dict(executor=object()), TypeError, "executor must be a concurrent.futures.Executor"),
    (dict(loss=None), ValueError, "loss must be one of"),
    (dict(momentum=[0, 0.0, -0.0]), ValueError, "momentum lists a value twice"),
    (dict(momentum=[0.5, 1.0]), ValueError, "momentum must be >= 0 and < 1; got 1"),
    (dict(momentum=[0.5, "0.9"]), TypeError, "momentum must be a real number; got '0.9'"),
    (
        dict(momentum=[0.9, 0.99999999], dtype="float32"),
        ValueError,
        "momentum=0.99999999 rounds to 1 in float32",
    ),
    (
        dict(lr=[0.1, 0.1000000001], dtype="float32"),
        ValueError,
        "lr values 0.1 and 0.1000000001 are the same number in float32",
    ),
    (
        dict(init_scale=[1.0, 1.00000001], dtype="float32"),
        ValueError,
        "init_scale values 1.0 and 1.00000001 are the same number in float32",
    ),
    # Options that are not grid axes take one value; a list must not read as a bad number.
    (dict(margin=[0.4, 0.5]), TypeError, "margin takes one value in a sweep"),
    (dict(derivative_offset=[0.1], loss="mse"), TypeError, "derivative_offset takes one value"),
    (dict(loss=["bce", "mse"]), TypeError, "loss takes one value in a sweep"),
    (dict(margin=1.0), ValueError, "margin must be > 0 and < 1"),
    (dict(derivative_offset=0.5), ValueError, "use loss='mse' or derivative_offset=0"),
]


@pytest.mark.parametrize(("kwargs", "error", "message"), SWEEP)
def test_sweep(monkeypatch, kwargs, error, message):
    monkeypatch.setattr(
        xorfast.sweeps.sweeper, "run_block", lambda block: pytest.fail("training started")
    )
    with pytest.raises(error, match=_fragment(message)):
        xorfast.sweep(**{"progress": False, **kwargs})


@pytest.fixture(scope="module")
def trained():
    return xorfast.train(hidden=3, lr=1.0, seed=0, epochs=300, log_every=50, backend="numpy")


@pytest.fixture(scope="module")
def trained32():
    return xorfast.train(seed=0, epochs=10, dtype="float32", backend="numpy")


PREDICT = [
    (lambda r: r.predict(None), TypeError, "X must hold real numbers"),
    (lambda r: r.predict("ab"), TypeError, "X must hold real numbers"),
    (lambda r: r.predict([[np.nan, 0]]), ValueError, "X contains NaN or infinite"),
    (lambda r: r.predict([[0, 0, 0]]), ValueError, "X must have shape (m, 2)"),
    (lambda r: r.predict(np.zeros((2, 2, 2))), ValueError, "X must have shape (m, 2)"),
    (lambda r: r.predict(masked(X)), TypeError, "X must be a plain array"),
    (lambda r: r.predict(X.astype("m8[s]")), TypeError, "X must hold real numbers"),
]


@pytest.mark.parametrize(("call", "error", "message"), PREDICT)
def test_predict(trained, call, error, message):
    with pytest.raises(error, match=_fragment(message)):
        call(trained)


def test_predict_refuses_values_too_large_for_float32(trained32):
    with pytest.raises(ValueError, match=_fragment("X holds values up to 1e+39")):
        trained32.predict(X * 1e39)


@pytest.fixture(scope="module")
def swept():
    # Shapes the other tests compile too, so this costs no compilation of its own.
    return xorfast.sweep(seeds=4, hidden=[2, 4], epochs=20, progress=False)


SWEEP_RESULT = [
    (lambda r, tmp: r.to_json(None), TypeError, "path must be a file name"),
    (lambda r, tmp: r.to_json(5), TypeError, "path must be a file name"),
    (lambda r, tmp: r.to_json(""), ValueError, "path is empty"),
    (lambda r, tmp: r.to_csv(None), TypeError, "path must be a file name"),
    (lambda r, tmp: r.to_csv(3), TypeError, "path must be a file name"),
    (lambda r, tmp: r.to_csv(True), TypeError, "path must be a file name"),
]


@pytest.mark.parametrize(("call", "error", "message"), SWEEP_RESULT)
def test_sweep_result_methods(swept, tmp_path, call, error, message):
    with pytest.raises(error, match=_fragment(message)):
        call(swept, tmp_path)


def test_to_json_writes_strict_json_with_null_for_missing_numbers(swept, tmp_path):
    table = swept.table.copy()
    table["max_error"][0] = np.nan  # a run not finished yet
    table["final_mse"][1] = np.inf
    path = tmp_path / "runs.json"
    xorfast.SweepResult(swept.spec, table).to_json(path)

    def refuse(token):
        raise ValueError(f"non-standard JSON token {token}")

    document = json.loads(path.read_text(), parse_constant=refuse)
    assert document["runs"]["max_error"][0] is None
    assert document["runs"]["final_mse"][1] is None
    assert document["runs"]["max_error"][1] == table["max_error"][1]


DATASETS = [
    (lambda: datasets.parity(1), ValueError, "bits must be from 2 to 10"),
    (lambda: datasets.parity(11), ValueError, "bits must be from 2 to 10"),
    (lambda: datasets.parity(2.0), TypeError, "bits must be an integer"),
    (lambda: datasets.parity(True), TypeError, "bits must be an integer"),
    (lambda: datasets.parity("3"), TypeError, "bits must be an integer"),
    (lambda: datasets.parity(None), TypeError, "bits must be an integer"),
    (lambda: datasets.load("nope"), ValueError, "unknown data set 'nope'"),
    (lambda: datasets.load(None), ValueError, "unknown data set None"),
    (lambda: datasets.load("parity"), ValueError, "unknown data set 'parity'"),
    (lambda: datasets.load("parity11"), ValueError, "bits must be from 2 to 10"),
    (lambda: datasets.load("encoder1"), ValueError, "unknown data set 'encoder1': n must be"),
    (lambda: datasets.load("encoder65"), ValueError, "choose xor, and, or, nand"),
    # Names load took though NAMES does not list them.
    (lambda: datasets.load("encoder010"), ValueError, "unknown data set 'encoder010'"),
    (lambda: datasets.load("parity\u0663"), ValueError, "unknown data set 'parity\u0663'"),
    (lambda: datasets.load("encoder8 "), ValueError, "unknown data set 'encoder8 '"),
    (lambda: datasets.load("encoder-3"), ValueError, "unknown data set 'encoder-3'"),
]


@pytest.mark.parametrize(("call", "error", "message"), DATASETS)
def test_datasets(call, error, message):
    with pytest.raises(error, match=_fragment(message)):
        call()


# Plot functions -------------------------------------------------------------


def _plot_rows():
    no_history = "no loss history"
    return [
        (lambda p, r, s: p.loss_curve(None), TypeError, "loss_curve takes a TrainResult"),
        (lambda p, r, s: p.loss_curve(5), TypeError, "loss_curve takes a TrainResult"),
        (lambda p, r, s: p.loss_curve("run"), TypeError, "loss_curve takes a TrainResult"),
        (lambda p, r, s: p.loss_curve([]), ValueError, "loss_curve got no results"),
        (lambda p, r, s: p.loss_curve([r, "x"]), TypeError, "item 1 is a str"),
        (
            lambda p, r, s: p.loss_curve(xorfast.train(seed=0, epochs=5, backend="numpy")),
            ValueError,
            no_history,
        ),
        (
            lambda p, r, s: p.loss_curve(
                dataclasses.replace(
                    r, history=History(r.history.epoch, np.full(len(r.history), np.nan))
                )
            ),
            ValueError,
            "no finite positive loss to draw",
        ),
        (lambda p, r, s: p.loss_curve(r, labels=["a", "b"]), ValueError, "got 2 labels"),
        (lambda p, r, s: p.loss_curve(r, labels=5), TypeError, "labels must be a sequence"),
        (lambda p, r, s: p.loss_curve(r, ax="axes"), TypeError, "ax must be a matplotlib Axes"),
        (lambda p, r, s: p.loss_curve(r, ax=5), TypeError, "ax must be a matplotlib Axes"),
        (
            lambda p, r, s: p.decision_boundary(None),
            TypeError,
            "decision_boundary takes the TrainResult",
        ),
        (
            lambda p, r, s: p.decision_boundary(s),
            TypeError,
            "decision_boundary takes the TrainResult",
        ),
        (
            lambda p, r, s: p.decision_boundary(r, resolution=0),
            ValueError,
            "resolution must be from 2 to 2000",
        ),
        (
            lambda p, r, s: p.decision_boundary(r, resolution=1),
            ValueError,
            "resolution must be from 2 to 2000",
        ),
        (
            lambda p, r, s: p.decision_boundary(r, resolution=10**6),
            ValueError,
            "resolution must be from 2 to 2000",
        ),
        (
            lambda p, r, s: p.decision_boundary(r, resolution=2.5),
            TypeError,
            "resolution must be an integer",
        ),
        (
            lambda p, r, s: p.decision_boundary(r, resolution=None),
            TypeError,
            "resolution must be an integer",
        ),
        (
            lambda p, r, s: p.decision_boundary(r, resolution="high"),
            TypeError,
            "resolution must be an integer",
        ),
        (
            lambda p, r, s: p.decision_boundary(r, output=1),
            ValueError,
            "output must be from 0 to 0",
        ),
        (lambda p, r, s: p.decision_boundary(r, output=-1), ValueError, "output must be >= 0"),
        (
            lambda p, r, s: p.decision_boundary(r, output=0.5),
            TypeError,
            "output must be an integer",
        ),
        (
            lambda p, r, s: p.decision_boundary(r, output=None),
            TypeError,
            "output must be an integer",
        ),
        (
            lambda p, r, s: p.decision_boundary(r, X=np.full((4, 2), np.nan)),
            ValueError,
            "X contains NaN or infinite",
        ),
        (
            lambda p, r, s: p.decision_boundary(r, X=np.zeros((3, 2))),
            ValueError,
            "X must have shape (4, 2)",
        ),
        (
            lambda p, r, s: p.decision_boundary(r, X=[["a", "b"]] * 4),
            TypeError,
            "X must hold real numbers",
        ),
        (
            lambda p, r, s: p.decision_boundary(r, hidden_lines="yes"),
            TypeError,
            "hidden_lines must be True or False",
        ),
        (lambda p, r, s: p.decision_boundary(r, ax=[]), TypeError, "ax must be a matplotlib Axes"),
        (
            lambda p, r, s: p.decision_boundary(xorfast.train(lr=1e300, seed=0, epochs=5)),
            ValueError,
            "this run diverged",
        ),
        (
            lambda p, r, s: p.decision_boundary(
                xorfast.train(*datasets.parity(3), seed=0, epochs=5)
            ),
            ValueError,
            "2 inputs",
        ),
        (lambda p, r, s: p.output_grid(r, resolution=0), ValueError, "resolution must be from"),
        (lambda p, r, s: p.output_grid(None), TypeError, "output_grid takes the TrainResult"),
        (
            lambda p, r, s: p.convergence_map(None),
            TypeError,
            "convergence_map takes the SweepResult",
        ),
        (lambda p, r, s: p.convergence_map(r), TypeError, "convergence_map takes the SweepResult"),
        (lambda p, r, s: p.convergence_map(s, x="bogus"), ValueError, "x must be one of"),
        (lambda p, r, s: p.convergence_map(s, y=5), ValueError, "y must be one of"),
        (lambda p, r, s: p.convergence_map(s, x=["hidden"]), ValueError, "x must be one of"),
        (
            lambda p, r, s: p.convergence_map(s, x="hidden", y="hidden"),
            ValueError,
            "x and y are both 'hidden'",
        ),
        (lambda p, r, s: p.convergence_map(s, ax=5), TypeError, "ax must be a matplotlib Axes"),
        (
            lambda p, r, s: p.convergence_map(xorfast.SweepResult(s.spec, s.table[:0])),
            ValueError,
            "no finished runs",
        ),
        (
            lambda p, r, s: p.epochs_to_solve(None),
            TypeError,
            "epochs_to_solve takes the SweepResult",
        ),
        (lambda p, r, s: p.epochs_to_solve(s, ax="x"), TypeError, "ax must be a matplotlib Axes"),
        (
            lambda p, r, s: p.epochs_to_solve(xorfast.SweepResult(s.spec, s.table[:0])),
            ValueError,
            "no finished runs",
        ),
    ]


@pytest.mark.parametrize("row", range(len(_plot_rows())))
def test_plot_functions(trained, swept, row):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    from xorfast import plot

    call, error, message = _plot_rows()[row]
    with pytest.raises(error, match=_fragment(message)):
        call(plot, trained, swept)


# Command line ---------------------------------------------------------------

CLI = [
    (["train", "--epochs", "-1"], 2, "epochs must be from 0"),
    (["train", "--epochs", str(2**63)], 2, "epochs must be from 0 to 2147483646"),
    (["train", "--epochs", str(2**40), "--plot", "{tmp}/out.png"], 2, "--epochs must be from 0"),
    (["train", "--epochs", "ten"], 2, "argument --epochs: invalid int value"),
    (["train", "--hidden", "0"], 2, "hidden must be from 1 to 65536"),
    (["train", "--hidden", str(10**9)], 2, "hidden must be from 1 to 65536"),
    (["train", "--lr", "0"], 2, "lr must be > 0"),
    (["train", "--lr", "nan"], 2, "lr must be finite"),
    (["train", "--lr", "inf"], 2, "lr must be finite"),
    (["train", "--lr", "1e-50", "--dtype", "float32"], 2, "lr=1e-50 rounds to 0"),
    (["train", "--lr", "fast"], 2, "argument --lr: invalid float value"),
    (["train", "--init-scale", "-1"], 2, "init_scale must be >= 0"),
    (["train", "--init-scale", "1e308", "--init", "uniform"], 2, "init_scale must be at most"),
    (["train", "--init-scale", "3e38", "--dtype", "float32"], 2, "init_scale must be at most"),
    (["train", "--seed", "-1"], 2, "seed must be from 0 to 4294967295"),
    (["train", "--seed", str(2**32)], 2, "seed must be from 0 to 4294967295"),
    (["train", "--log-every", "-5"], 2, "--log-every must be from 0"),
    # Used to fail with "max() arg is an empty sequence".
    (["train", "--log-every", "-5", "--plot", "{tmp}/out.png"], 2, "--log-every must be from 0"),
    (
        ["train", "--log-every", str(2**40), "--plot", "{tmp}/out.png"],
        2,
        "--log-every must be from 0 to 2147483646",
    ),
    (["train", "--data", "nope"], 2, "unknown data set 'nope'"),
    (["train", "--data", "parity11"], 2, "bits must be from 2 to 10"),
    (["train", "--loss", "l2"], 2, "argument --loss: invalid choice"),
    (["train", "--dtype", "float16"], 2, "argument --dtype: invalid choice"),
    (["train", "--backend", "jax"], 2, "argument --backend: invalid choice"),
    (["train", "--plot", "{tmp}/nowhere/out.png"], 2, "folder {tmp}/nowhere does not exist"),
    (["train", "--bogus"], 2, "unrecognized arguments: --bogus"),
    (["train", "--momentum", "1"], 2, "momentum must be >= 0 and < 1; got 1"),
    (["train", "--momentum", "nan"], 2, "momentum must be finite"),
    (["train", "--momentum", "0.99999999", "--dtype", "float32"], 2, "rounds to 1 in float32"),
    (["train", "--margin", "0"], 2, "margin must be > 0"),
    (["train", "--margin", "1"], 2, "margin must be > 0 and < 1"),
    (["train", "--margin", "0.5x"], 2, "argument --margin: invalid float value"),
    (["train", "--derivative-offset", "0.1"], 2, "use loss='mse' or derivative_offset=0"),
    (["train", "--derivative-offset", "-1", "--loss", "mse"], 2, "must be >= 0"),
    (["train", "--data", "encoder1"], 2, "unknown data set 'encoder1'"),
    (["train", "--data", "encoder65"], 2, "N from 2 to 64"),
    (["sweep", "--momentum", "0", "0.0"], 2, "momentum lists a value twice"),
    (["sweep", "--momentum", "0.5", "1"], 2, "momentum must be >= 0 and < 1"),
    (["sweep", "--margin", "0.4", "0.5"], 2, "unrecognized arguments: 0.5"),
    (["sweep", "--data", "complement_encoder65"], 2, "unknown data set 'complement_encoder65'"),
    (["sweep", "--seeds", "0"], 2, "seeds must be >= 1"),
    (["sweep", "--seeds", str(10**10)], 2, "a table of 10,000,000,000 runs needs about"),
    (["sweep", "--hidden", "0"], 2, "hidden must be from 1 to 65536"),
    (["sweep", "--hidden", "2", "2"], 2, "hidden lists a value twice"),
    (["sweep", "--hidden", str(10**7)], 2, "hidden must be from 1 to 65536"),
    (["sweep", "--lr", "-1"], 2, "lr must be > 0"),
    (["sweep", "--tol", "0"], 2, "tol must be > 0"),
    (["sweep", "--tol", "1e300", "--dtype", "float32"], 2, "tol=1e+300 does not fit in float32"),
    (["sweep", "--epochs", str(2**31)], 2, "epochs must be from 0 to 2147483646"),
    (["sweep", "--block-size", "0"], 2, "block_size must be >= 1"),
    (["sweep", "--init-scale", "nan"], 2, "init_scale must be finite"),
    (["sweep", "--data", "nope"], 2, "unknown data set 'nope'"),
    (["sweep", "--seeds"], 2, "argument --seeds: expected one argument"),
    (["sweep", "--workers", "many"], 2, "argument --workers: invalid int value"),
    (["plot"], 2, "the following arguments are required: STORE, --out"),
    (
        ["plot", "{tmp}/runs.sqlite", "--out", "{tmp}/x.png", "--x", "depth"],
        2,
        "argument --x: invalid choice",
    ),
    (["bench", "--bogus"], 2, "unrecognized arguments: --bogus"),
    (["bench", "--json"], 2, "argument --json: expected one argument"),
    ([], 2, "the following arguments are required: COMMAND"),
    (["fit"], 2, "invalid choice: 'fit'"),
]


@pytest.mark.parametrize(("argv", "code", "message"), CLI)
def test_command_line(monkeypatch, capsys, tmp_path, argv, code, message):
    monkeypatch.setattr(
        xorfast.sweeps.sweeper, "run_block", lambda block: pytest.fail("training started")
    )
    argv = [arg.format(tmp=tmp_path) for arg in argv]
    try:
        status = main(argv)
    except SystemExit as stop:
        status = stop.code
    captured = capsys.readouterr()
    assert status == code
    assert "Traceback" not in captured.err
    lines = [line for line in captured.err.splitlines() if line.strip()]
    errors = [line for line in lines if "error:" in line]
    assert len(errors) == 1, captured.err
    assert message.format(tmp=tmp_path) in errors[0]
    assert captured.out == ""


def _fragment(message):
    """``message`` as a regular expression matching it literally."""
    import re

    return re.escape(message)
