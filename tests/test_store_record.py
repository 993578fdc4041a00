"""A store keeps each run's recorded errors and final weights with its row, checked.

They are written in the block's transaction, covered by its digest, loaded by
``load_sweep`` and by a resume, and survive a SIGKILL of the sweep.
"""

import sqlite3
import subprocess
import sys

import numpy as np
import pytest

import xorfast
from xorfast.sweeps.store import StoreError, load_sweep, repair_store

from .helpers import kill_once_stored

SWEEP = dict(
    seeds=70,
    hidden=[2, 3],
    lr=0.5,
    epochs=[300, 700],
    stop="solved",
    record_every=100,
    keep_weights=True,
    block_size=32,
    progress=False,
)


@pytest.fixture(scope="module")
def expected():
    return xorfast.sweep(**SWEEP)


def assert_same(result, expected):
    assert result.table.tobytes() == expected.table.tobytes()
    np.testing.assert_array_equal(result.curves, expected.curves)
    np.testing.assert_array_equal(result.kept_weights, expected.kept_weights)


def sql(path, statement, *args):
    connection = sqlite3.connect(path)
    with connection:
        rows = connection.execute(statement, args).fetchall()
    connection.close()
    return rows


def test_stored_trajectories_and_weights_load_and_resume(expected, tmp_path):
    path = tmp_path / "runs.sqlite"
    assert_same(xorfast.sweep(store=path, **SWEEP), expected)
    assert_same(load_sweep(path), expected)
    # Nothing left to train: a resume reads everything back.
    assert_same(xorfast.sweep(store=path, **SWEEP), expected)
    # One BLOB per run and column, of its config's length (T, or W1 b1 W2 b2).
    lengths = dict(
        ((config, hidden), (curve, weights))
        for config, hidden, curve, weights in sql(
            path,
            "SELECT config, config / 2, length(curve), length(weights) FROM runs GROUP BY config",
        )
    )
    assert [value for _, value in sorted(lengths.items())] == [
        (4 * 8, 9 * 8),
        (8 * 8, 9 * 8),
        (4 * 8, 13 * 8),
        (8 * 8, 13 * 8),
    ]


def test_a_resume_keeps_the_stored_and_adds_the_rest(expected, tmp_path):
    path = tmp_path / "runs.sqlite"
    xorfast.sweep(store=path, **SWEEP)
    sql(path, "DELETE FROM runs WHERE config = 1")
    sql(path, "DELETE FROM blocks WHERE config = 1")
    assert len(load_sweep(path)) == 210
    assert_same(xorfast.sweep(store=path, **SWEEP), expected)


def test_a_store_that_keeps_nothing_more_has_the_schema_of_before(tmp_path):
    path = tmp_path / "runs.sqlite"
    xorfast.sweep(seeds=4, epochs=10, progress=False, store=path)
    columns = [row[1] for row in sql(path, "PRAGMA table_info(runs)")]
    assert columns == [
        "config",
        "seed",
        "max_error",
        "final_mse",
        "epoch_solved",
        "epoch_tol",
        "diverged",
        "block",
    ]
    assert load_sweep(path).curves is None


@pytest.mark.parametrize(
    "damage",
    [
        # One recorded error changed (still in range): only the digest sees it.
        "UPDATE runs SET curve = CAST(substr(curve, 1, 8) || x'000000000000e03f' "
        "|| substr(curve, 17) AS BLOB) WHERE config = 0 AND seed = 5",
        "UPDATE runs SET weights = CAST(x'00' || substr(weights, 2) AS BLOB) "
        "WHERE config = 3 AND seed = 9",
        # The same bytes as TEXT (not valid UTF-8): the type check sees it.
        "UPDATE runs SET weights = x'ff' || substr(weights, 2) WHERE config = 3 AND seed = 9",
        # A curve cut short, one out of range (an MSE of 1e300), one NULL.
        "UPDATE runs SET curve = substr(curve, 1, 16) WHERE config = 1 AND seed = 5",
        "UPDATE runs SET curve = CAST(x'3c29e1e90f2bd07e' || substr(curve, 9) AS BLOB) "
        "WHERE config = 1 AND seed = 5",
        "UPDATE runs SET curve = NULL WHERE config = 2 AND seed = 5",
    ],
    ids=["value", "weights", "text", "length", "range", "null"],
)
def test_damaged_kept_values_are_refused_and_repair_reruns_them(expected, tmp_path, damage):
    path = tmp_path / "runs.sqlite"
    xorfast.sweep(store=path, **SWEEP)
    try:
        sql(path, damage)
    except sqlite3.IntegrityError:  # NOT NULL: the schema refuses it already
        return
    with pytest.raises(StoreError, match="seeds .*5|seeds .*9|damaged"):
        load_sweep(path)
    with pytest.raises(StoreError, match="damaged"):
        xorfast.sweep(store=path, **SWEEP)
    assert "dropped" in repair_store(path)
    assert len(load_sweep(path)) == len(expected) - 32  # one block of 32
    assert_same(xorfast.sweep(store=path, **SWEEP), expected)
    assert_same(load_sweep(path), expected)


KILL_SCRIPT = """
import sys, xorfast
xorfast.sweep(seeds=1024, hidden=[2, 4], epochs=50_000, block_size=64, progress=False,
              record_every=100, keep_weights=True, store=sys.argv[1])
"""


@pytest.mark.slow
def test_trajectories_and_weights_survive_sigkill_and_resume(tmp_path):
    store = tmp_path / "runs.sqlite"
    process = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, str(store)])
    kill_once_stored(process, store, 64, timeout=300)
    partial = load_sweep(store)
    assert 64 <= len(partial) < 2048
    kwargs = dict(
        seeds=1024,
        hidden=[2, 4],
        epochs=50_000,
        block_size=64,
        progress=False,
        record_every=100,
        keep_weights=True,
    )
    expected = xorfast.sweep(**kwargs)
    # What the killed sweep committed is what it would have computed.
    rows = partial.table["config"] * 1024 + partial.table["seed"]
    np.testing.assert_array_equal(partial.curves, expected.curves[rows])
    np.testing.assert_array_equal(partial.kept_weights, expected.kept_weights[rows])
    assert_same(xorfast.sweep(store=store, **kwargs), expected)
    assert_same(load_sweep(store), expected)
