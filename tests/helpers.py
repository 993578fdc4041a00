"""Shared helpers for the tests."""

import signal
import sqlite3
import time

import numpy as np

from xorfast.params import initial_params

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
