"""Shared helpers for the tests."""

import signal
import sqlite3
import time

import numpy as np

import xorfast
from xorfast._compiled import sweep_kernel
from xorfast.params import initial_params
from xorfast.sweeps import blocks

# float32 runs round every step to 24 bits; over thousands of epochs the two
# paths drift apart by more than float64 ever does, so they get looser bounds.
TOLERANCE = {
    "float64": {"one_step": dict(rtol=1e-12, atol=1e-13), "long": dict(rtol=1e-8, atol=1e-9)},
    "float32": {"one_step": dict(rtol=1e-5, atol=1e-6), "long": dict(rtol=2e-2, atol=2e-3)},
}


def random_problem(rows, inputs, hidden, outputs, seed, dtype="float64"):
    """A random data set with targets in [0, 1] and random starting parameters."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, inputs))
    y = rng.uniform(size=(rows, outputs))
    params = initial_params(inputs, hidden, outputs, seed=seed, bias_init="same")
    return X.astype(dtype), y.astype(dtype), params.astype(dtype)


def stored_runs(path):
    """Rows in a sweep store's ``runs`` table; 0 while it does not exist yet."""
    try:
        with sqlite3.connect(path, timeout=1) as connection:
            return connection.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
    except sqlite3.Error:
        return 0


def kill_once_stored(process, store, runs, *, timeout):
    """SIGKILL ``process`` as soon as ``store`` holds ``runs`` runs; fail if it ends first."""
    try:
        deadline = time.monotonic() + timeout
        while stored_runs(store) < runs and time.monotonic() < deadline:
            assert process.poll() is None, "the sweep finished before it could be killed"
            time.sleep(0.01)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=60)


#: The schema of format version 1 (xorfast 0.1.0), which had no checksums.
V1_SCHEMA = """
CREATE TABLE xorfast_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE runs (
    config INTEGER NOT NULL,
    seed INTEGER NOT NULL,
    max_error REAL,
    final_mse REAL,
    epoch_solved INTEGER NOT NULL,
    epoch_tol INTEGER NOT NULL,
    diverged INTEGER NOT NULL,
    PRIMARY KEY (config, seed)
) WITHOUT ROWID;
"""


def write_v1_store(path, spec, rows):
    """A store as format version 1 wrote it, holding ``rows`` (a sweep table's rows)."""

    def value(v):
        return None if isinstance(v, float) and v != v else v

    with sqlite3.connect(path, isolation_level=None) as connection:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.executescript(V1_SCHEMA)
        connection.execute("BEGIN")
        connection.executemany(
            "INSERT INTO xorfast_meta VALUES (?, ?)",
            [
                ("format", "xorfast-sweep"),
                ("format_version", "1"),
                ("spec", spec.to_json()),
                ("fingerprint", spec.fingerprint()),
            ],
        )
        connection.executemany(
            "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                tuple(
                    value(v)
                    for v in (
                        int(r["config"]),
                        int(r["seed"]),
                        float(r["max_error"]),
                        float(r["final_mse"]),
                        int(r["epoch_solved"]),
                        int(r["epoch_tol"]),
                        int(r["diverged"]),
                    )
                )
                for r in rows
            ],
        )
        connection.execute("COMMIT")
    connection.close()


def block_recording_threads(monkeypatch):
    """One block of 8 seeds, and the list its kernel calls append their Numba thread count to.

    The kernel itself is replaced, so a call trains nothing and costs nothing.
    """
    spec = xorfast.sweep(seeds=8, epochs=1, progress=False).spec
    block = next(blocks.plan_blocks(spec, np.ones((1, 8), bool), 8))
    seen = []
    monkeypatch.setattr(
        blocks.sweep_unrolled,
        "block_kernel",
        lambda *shape, **rules: lambda *args: seen.append(sweep_kernel._threads()),
    )
    return block, seen
