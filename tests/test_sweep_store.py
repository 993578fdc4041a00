"""The sweep store: round trips, refusals, bad files."""

import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys

import numpy as np
import pytest

import xorfast
from xorfast.sweeps.spec import make_spec
from xorfast.sweeps.store import StoreError, open_store

from .test_sweep_invariants import assert_tables_identical

SMALL = dict(seeds=24, hidden=[2, 3], epochs=200, progress=False)


def test_store_round_trip(tmp_path):
    path = tmp_path / "runs.sqlite"
    result = xorfast.sweep(store=path, **SMALL)
    loaded = xorfast.load_sweep(path)
    assert_tables_identical(loaded.table, result.table)
    assert loaded.spec.to_json() == result.spec.to_json()
    # Blocks are written through a WAL journal; a closed store is one plain file,
    # so reading it leaves no -wal or -shm file behind.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["runs.sqlite", "runs.sqlite.lock"]
    with open_store(path, loaded.spec) as store:
        assert store._connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "delete"


def test_store_of_a_different_sweep_is_refused(tmp_path):
    path = tmp_path / "runs.sqlite"
    xorfast.sweep(store=path, **SMALL)
    with pytest.raises(
        StoreError,
        match=r"holds a different sweep \(hidden: stored \[2, 3\], "
        r"asked \[4\]\)",
    ):
        xorfast.sweep(store=path, **{**SMALL, "hidden": 4})
    with pytest.raises(StoreError, match="seeds differs"):
        xorfast.sweep(store=path, **{**SMALL, "seeds": 25})


def test_refusal_names_at_most_three_differences(tmp_path):
    path = tmp_path / "runs.sqlite"
    xorfast.sweep(store=path, **SMALL)
    with pytest.raises(StoreError) as refused:
        xorfast.sweep(
            store=path, **{**SMALL, "hidden": 4, "lr": 0.5, "epochs": 100, "loss": "mse"}
        )
    listed = str(refused.value).split("(", 1)[1].split(")", 1)[0].split("; ")
    assert len(listed) == 3 and all("stored" in item for item in listed)


def test_diverged_runs_survive_the_store(tmp_path):
    path = tmp_path / "runs.sqlite"
    result = xorfast.sweep(
        store=path,
        seeds=4,
        lr=[0.1, float(np.finfo(float).max)],
        reduction="sum",
        epochs=50,
        progress=False,
    )
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
    import xorfast.sweeps.sweeper

    monkeypatch.setattr(
        xorfast.sweeps.sweeper, "run_block", lambda block: pytest.fail("trained before refusing")
    )
    with pytest.raises(StoreError):
        xorfast.sweep(store=tmp_path / "no" / "runs.sqlite", **SMALL)


# Names that keep nothing on disk ------------------------------------------------------------


@pytest.mark.parametrize(
    ("store", "error", "message"),
    [
        ("", StoreError, r"store='' is not a file name"),
        (":memory:", StoreError, r"in memory only"),
        ("/dev/null", StoreError, r"not a regular file"),
        (5, TypeError, r"store must be a file path \(str or os.PathLike\); got int 5"),
        (True, TypeError, r"store must be a file path"),
    ],
)
def test_stores_that_keep_nothing_are_refused(store, error, message, monkeypatch):
    import xorfast.sweeps.sweeper

    monkeypatch.setattr(
        xorfast.sweeps.sweeper, "run_block", lambda block: pytest.fail("trained before refusing")
    )
    with pytest.raises(error, match=message):
        xorfast.sweep(store=store, **SMALL)
    with pytest.raises(error, match=message):
        xorfast.load_sweep(store)
    assert not os.path.exists("/dev/null-wal")


def test_folder_as_store_is_refused(tmp_path):
    with pytest.raises(StoreError, match="is a folder; pass a file name inside it"):
        xorfast.sweep(store=tmp_path, **SMALL)


def sweep_with(monkeypatch, at_block, action):
    """Run ``action`` just before the ``at_block``-th block (from 1) is trained."""
    import xorfast.sweeps.sweeper

    run_block = xorfast.sweeps.sweeper.run_block
    calls = []

    def hooked(block):
        calls.append(block)
        if len(calls) == at_block:
            action()
        return run_block(block)

    monkeypatch.setattr(xorfast.sweeps.sweeper, "run_block", hooked)
    return calls


@pytest.mark.parametrize("how", ["deleted", "replaced"])
def test_store_deleted_or_replaced_mid_sweep_stops_with_finished_runs(tmp_path, monkeypatch, how):
    expected = xorfast.sweep(block_size=8, **SMALL)
    path = tmp_path / "runs.sqlite"
    other = tmp_path / "other.sqlite"
    xorfast.sweep(store=other, block_size=8, **SMALL)
    change = (lambda: os.remove(path)) if how == "deleted" else (lambda: os.replace(other, path))
    calls = sweep_with(monkeypatch, 3, change)
    words = "no longer there" if how == "deleted" else "was replaced by another file"
    with pytest.raises(StoreError, match=words) as stopped:
        xorfast.sweep(store=path, block_size=8, **SMALL)
    assert len(calls) == 3  # stopped at once
    # The file changed before the third block was written: that block is the one lost.
    assert "while the sweep ran, so the block just finished and the ones after" in str(
        stopped.value
    )
    assert "24 of 48 runs finished" in str(stopped.value)
    result = stopped.value.result
    assert_tables_identical(result.table, expected.table[:24])  # config 0's three blocks


def test_cli_store_deleted_mid_sweep_prints_finished_runs_and_fails(tmp_path, monkeypatch, capsys):
    from xorfast.cli import main

    path = tmp_path / "runs.sqlite"
    sweep_with(monkeypatch, 2, lambda: os.remove(path))
    with pytest.raises(SystemExit) as stop:
        main(
            [
                "sweep",
                "--hidden",
                "2",
                "--seeds",
                "24",
                "--epochs",
                "200",
                "--block-size",
                "8",
                "--no-progress",
                "--store",
                str(path),
            ]
        )
    assert stop.value.code == 2
    out, err = capsys.readouterr()
    assert "summary of the 16 runs finished" in out
    assert err.count("\n") == 1 and "no longer there" in err and "Traceback" not in err


# One writer at a time -----------------------------------------------------------------------


def test_second_writer_is_refused_and_told_who_holds_the_store(tmp_path):
    path = tmp_path / "runs.sqlite"
    spec = make_spec(seeds=24, hidden=[2, 3], epochs=200)
    with open_store(path, spec):
        with pytest.raises(
            StoreError,
            match=rf"being written by another sweep \(this process "
            rf"\(pid {os.getpid()}\), since 20",
        ):
            xorfast.sweep(store=path, **SMALL)
        assert len(xorfast.load_sweep(path)) == 0  # reading takes no lock
    assert len(xorfast.sweep(store=path, **SMALL)) == 48  # released on close


HOLD_SCRIPT = """
import sys, time
from xorfast.sweeps.spec import make_spec
from xorfast.sweeps.store import open_store
store = open_store(sys.argv[1], make_spec(seeds=24, hidden=[2, 3], epochs=200))
print("locked", flush=True)
time.sleep(120)
"""


def test_lock_of_another_process_names_it_and_dies_with_it(tmp_path):
    path = tmp_path / "runs.sqlite"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_SCRIPT, str(path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(
            StoreError,
            match=rf"pid {holder.pid} on host "
            rf"{re.escape(socket.gethostname())}, since",
        ):
            xorfast.sweep(store=path, **SMALL)
    finally:
        holder.send_signal(signal.SIGKILL)  # a killed sweep must not block the next
        holder.wait(timeout=60)
        holder.stdout.close()
    assert len(xorfast.sweep(store=path, **SMALL)) == 48


# Reading is read-only -----------------------------------------------------------------------


def test_reading_a_store_writes_nothing(tmp_path, monkeypatch):
    path = tmp_path / "runs.sqlite"
    expected = xorfast.sweep(store=path, **SMALL)
    opened, actions = [], []
    connect = sqlite3.connect

    def recording(database, *args, **kwargs):
        opened.append(database)
        connection = connect(database, *args, **kwargs)
        connection.set_authorizer(
            lambda action, *names: actions.append((action, names)) or sqlite3.SQLITE_OK
        )
        return connection

    monkeypatch.setattr(sqlite3, "connect", recording)
    assert_tables_identical(xorfast.load_sweep(path).table, expected.table)
    assert opened and all(name.endswith("?mode=ro") for name in opened)
    reads = {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION}
    assert actions and all(action in reads for action, _ in actions), actions


READ_ONLY_SCRIPT = """
mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" || exit 77
touch "$1/probe" 2>/dev/null && exit 78
exec "$2" -m xorfast plot "$1/runs.sqlite" --out "$3"
"""


def test_store_in_a_read_only_folder_can_be_plotted(tmp_path):
    """A read-only bind mount stops even root from writing (a chmod would not)."""
    if shutil.which("unshare") is None:
        pytest.skip("needs unshare(1) to mount a read-only folder")
    folder = tmp_path / "ro"
    folder.mkdir()
    xorfast.sweep(store=folder / "runs.sqlite", **SMALL)
    out = tmp_path / "map.png"
    completed = subprocess.run(
        [
            "unshare",
            "-m",
            "sh",
            "-c",
            READ_ONLY_SCRIPT,
            "sh",
            str(folder),
            sys.executable,
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if completed.returncode in (77, 1) and "mount" in completed.stderr + completed.stdout:
        pytest.skip(f"cannot mount a read-only folder here: {completed.stderr.strip()}")
    assert completed.returncode != 78, "the folder is still writable"
    assert completed.returncode == 0, completed.stderr
    assert "48 of 48 runs" in completed.stdout and out.exists()
    assert sorted(os.listdir(folder)) == ["runs.sqlite", "runs.sqlite.lock"]


# Write failures ------------------------------------------------------------------------------


class FullDisk:
    """A connection whose block inserts fail, as on a full disk, after ``ok`` succeed."""

    def __init__(self, connection, ok):
        self._connection, self._ok = connection, ok

    def executemany(self, sql, rows):
        if sql.startswith("INSERT INTO runs"):
            if self._ok == 0:
                raise sqlite3.OperationalError("database or disk is full")
            self._ok -= 1
        return self._connection.executemany(sql, rows)

    def __getattr__(self, name):
        return getattr(self._connection, name)


def test_disk_full_keeps_committed_blocks_and_says_how_to_resume(tmp_path, monkeypatch):
    expected = xorfast.sweep(block_size=8, **SMALL)
    path = tmp_path / "runs.sqlite"
    connect = sqlite3.connect
    monkeypatch.setattr(
        sqlite3, "connect", lambda *args, **kwargs: FullDisk(connect(*args, **kwargs), ok=2)
    )
    with pytest.raises(StoreError) as stopped:
        xorfast.sweep(store=path, block_size=8, **SMALL)
    message = str(stopped.value)
    assert "writing a block failed (database or disk is full)" in message
    assert "The 16 runs committed before are kept" in message
    assert "run the same sweep with the same store again to resume" in message
    assert_tables_identical(stopped.value.result.table, expected.table[:24])
    monkeypatch.undo()
    assert_tables_identical(xorfast.load_sweep(path).table, expected.table[:16])
    assert_tables_identical(xorfast.sweep(store=path, block_size=8, **SMALL).table, expected.table)


FILE_SIZE_LIMIT_SCRIPT = """
import resource, sys
import xorfast
from xorfast.cli import main
xorfast.sweep(seeds=64, epochs=10, progress=False)  # compile before the limit
# Python ignores SIGXFSZ, so a write past the limit fails with EFBIG instead of killing it.
resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, resource.RLIM_INFINITY))
sys.exit(main(["sweep", "--seeds", "4000", "--epochs", "20", "--block-size", "16",
               "--no-progress", "--store", sys.argv[1]]))
"""


def test_file_size_limit_is_a_clean_error_and_the_store_resumes(tmp_path):
    path = tmp_path / "runs.sqlite"
    completed = subprocess.run(
        [sys.executable, "-c", FILE_SIZE_LIMIT_SCRIPT, str(path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 2, completed.stderr
    assert "writing a block failed" in completed.stderr
    assert "Traceback" not in completed.stderr and completed.stderr.count("\n") == 1
    saved = len(xorfast.load_sweep(path))
    assert saved > 0 and saved % 16 == 0
    resumed = xorfast.sweep(seeds=4000, epochs=20, block_size=16, progress=False, store=path)
    assert_tables_identical(
        resumed.table, xorfast.sweep(seeds=4000, epochs=20, progress=False).table
    )


def test_cli_store_check_and_repair(tmp_path, capsys):
    from xorfast.cli import main

    path = tmp_path / "runs.sqlite"
    xorfast.sweep(store=path, block_size=8, **SMALL)
    assert main(["store", "check", str(path)]) == 0
    assert "48 of 48 runs stored (2 configs x 24 seeds), every block verified" in (
        capsys.readouterr().out
    )
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE runs SET final_mse = 0.5 WHERE config = 1 AND seed = 3")
    connection.close()
    with pytest.raises(SystemExit) as stop:
        main(["store", "check", str(path)])
    err = capsys.readouterr().err
    assert stop.value.code == 2 and err.count("\n") == 1
    assert f"xorfast store repair {path}" in err
    assert main(["store", "repair", str(path)]) == 0
    assert "kept 40 verified runs; dropped 1 block (8 runs)" in capsys.readouterr().out
    assert len(xorfast.load_sweep(path)) == 40
