"""The sweep store: round trips, refusals, bad files."""

import os
import sqlite3

import numpy as np
import pytest

import xorfast
from xorfast.store import StoreError

from .test_sweep_invariants import assert_tables_identical

SMALL = dict(seeds=24, hidden=[2, 3], epochs=200, progress=False)


def test_store_round_trip(tmp_path):
    path = tmp_path / "runs.sqlite"
    result = xorfast.sweep(store=path, **SMALL)
    loaded = xorfast.load_sweep(path)
    assert_tables_identical(loaded.table, result.table)
    assert loaded.spec.to_json() == result.spec.to_json()
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_store_of_a_different_sweep_is_refused(tmp_path):
    path = tmp_path / "runs.sqlite"
    xorfast.sweep(store=path, **SMALL)
    with pytest.raises(StoreError, match=r"holds a different sweep \(hidden: stored \[2, 3\], "
                                         r"asked \[4\]\)"):
        xorfast.sweep(store=path, **{**SMALL, "hidden": 4})
    with pytest.raises(StoreError, match="seeds differs"):
        xorfast.sweep(store=path, **{**SMALL, "seeds": 25})


def test_refusal_names_at_most_three_differences(tmp_path):
    path = tmp_path / "runs.sqlite"
    xorfast.sweep(store=path, **SMALL)
    with pytest.raises(StoreError) as refused:
        xorfast.sweep(store=path, **{**SMALL, "hidden": 4, "lr": 0.5, "epochs": 100,
                                     "loss": "mse"})
    listed = str(refused.value).split("(", 1)[1].split(")", 1)[0].split("; ")
    assert len(listed) == 3 and all("stored" in item for item in listed)


def test_diverged_runs_survive_the_store(tmp_path):
    path = tmp_path / "runs.sqlite"
    result = xorfast.sweep(store=path, seeds=4, lr=[0.1, float(np.finfo(float).max)],
                           reduction="sum", epochs=50, progress=False)
    assert result.table["diverged"].tolist() == [False] * 4 + [True] * 4
    assert np.isnan(result.table["max_error"][4:]).all()
    assert_tables_identical(xorfast.load_sweep(path).table, result.table)
    assert (result.summary()["diverged"] == [0, 4]).all()


def test_missing_folder_is_refused(tmp_path):
    with pytest.raises(StoreError, match="does not exist; create it first"):
        xorfast.sweep(store=tmp_path / "nowhere" / "runs.sqlite", **SMALL)


def test_unwritable_folder_is_refused(tmp_path, monkeypatch):
    # Tests may run as root, who may write anywhere; ask os.access to say no.
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    with pytest.raises(StoreError, match="no permission to write"):
        xorfast.sweep(store=tmp_path / "runs.sqlite", **SMALL)


def test_corrupted_file_is_refused(tmp_path):
    path = tmp_path / "runs.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="not a usable SQLite database"):
        xorfast.sweep(store=path, **SMALL)
    with pytest.raises(StoreError, match="not a usable SQLite database"):
        xorfast.load_sweep(path)


def test_foreign_sqlite_file_is_refused(tmp_path):
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE customers (name TEXT)")
    connection.close()
    with pytest.raises(StoreError, match="database of something else"):
        xorfast.sweep(store=path, **SMALL)
    with pytest.raises(StoreError, match="not an xorfast sweep store"):
        xorfast.load_sweep(path)


def test_load_missing_file(tmp_path):
    with pytest.raises(StoreError, match="does not exist"):
        xorfast.load_sweep(tmp_path / "absent.sqlite")


def test_refusal_happens_before_training(tmp_path, monkeypatch):
    import xorfast.sweeper

    monkeypatch.setattr(xorfast.sweeper, "run_block",
                        lambda block: pytest.fail("trained before refusing"))
    with pytest.raises(StoreError):
        xorfast.sweep(store=tmp_path / "no" / "runs.sqlite", **SMALL)
