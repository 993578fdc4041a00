"""A crash-safe SQLite store of finished sweep runs.

The file holds the sweep's full specification and one row per finished run.
Each finished block is written in one transaction (WAL journal, full sync), so
a sweep killed at any moment leaves every block it finished and none half
written; running the same sweep with the same store skips them. A store made
by a different specification is refused rather than mixed.
"""

import json
import os
import sqlite3

import numpy as np

from .grid import spec_from_dict
from .sweep_result import RUN_DTYPE, SweepResult, empty_table

FORMAT = "xorfast-sweep"
FORMAT_VERSION = 1
_FETCH_ROWS = 65_536
_STORED = ("max_error", "final_mse", "epoch_solved", "epoch_tol", "diverged")

_SCHEMA = """
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


class StoreError(ValueError):
    """A store file that cannot be used for this sweep."""


def _connect(path, *, create):
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise StoreError(f"store {path!r}: folder {folder!r} does not exist; create it first")
    if not os.path.exists(path):
        if not create:
            raise StoreError(f"store {path!r} does not exist")
        if not os.access(folder, os.W_OK):
            raise StoreError(f"store {path!r}: no permission to write in {folder!r}")
    elif create and not os.access(path, os.W_OK):
        raise StoreError(f"store {path!r}: no permission to write to this file")
    try:
        connection = sqlite3.connect(path, timeout=30, isolation_level=None)
        connection.execute("PRAGMA journal_mode=WAL")
        # FULL: a committed block survives even a power cut, at one fsync per block.
        connection.execute("PRAGMA synchronous=FULL")
        tables = {row[0] for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type='table'")}
    except sqlite3.DatabaseError as error:
        raise StoreError(f"store {path!r} is not a usable SQLite database ({error}); "
                         "pass a new file name") from None
    return connection, tables


def _read_meta(connection, path):
    try:
        meta = dict(connection.execute("SELECT key, value FROM xorfast_meta"))
    except sqlite3.DatabaseError as error:
        raise StoreError(f"store {path!r} is damaged ({error})") from None
    if meta.get("format") != FORMAT:
        raise StoreError(f"store {path!r} is not an xorfast sweep store")
    if meta.get("format_version") != str(FORMAT_VERSION):
        raise StoreError(f"store {path!r} has format version {meta.get('format_version')}; "
                         f"this xorfast reads version {FORMAT_VERSION}")
    return meta


class RunStore:
    """An open store for one sweep specification. Use :func:`open_store`."""

    def __init__(self, connection, path, spec):
        self._connection = connection
        self.path = path
        self.spec = spec

    def write(self, rows):
        """Store one finished block's rows in one transaction."""
        values = zip(rows["config"].tolist(), rows["seed"].tolist(),
                     *(_nan_to_none(rows[name]) for name in _STORED))
        with self._connection:
            self._connection.execute("BEGIN IMMEDIATE")
            self._connection.executemany(
                "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?)", values)

    def fill(self, table):
        """Copy every stored run into its row of ``table`` (ordered as the sweep's table).

        Returns a boolean array (configs, seeds): True where the run is not
        stored yet, so still to do.
        """
        spec = self.spec
        per_config = len(spec.seeds)
        pending = np.ones((len(spec.configs), per_config), dtype=bool)
        order = np.argsort(spec.seeds, kind="stable")
        sorted_seeds = spec.seeds[order]
        cursor = self._connection.execute("SELECT config, seed, " + ", ".join(_STORED)
                                          + " FROM runs")
        while chunk := cursor.fetchmany(_FETCH_ROWS):
            columns = list(zip(*chunk))
            config = np.array(columns[0], dtype=np.int64)
            where = order[np.searchsorted(sorted_seeds, np.array(columns[1], dtype=np.int64))]
            pending[config, where] = False
            at = config * per_config + where
            for name, values in zip(_STORED, columns[2:]):
                table[name][at] = np.array(
                    [np.nan if v is None else v for v in values], dtype=np.float64
                ) if RUN_DTYPE[name] == np.float64 else np.array(values)
        return pending

    def close(self):
        """Close the file."""
        self._connection.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _nan_to_none(values):
    # SQLite has no NaN: it stores NULL, which reads back as NaN.
    if values.dtype == np.float64:
        return [None if v != v else v for v in values.tolist()]
    return [int(v) for v in values.tolist()]


def open_store(path, spec):
    """Open (or create) the store at ``path`` for ``spec``.

    Raises
    ------
    StoreError
        The folder is missing or not writable, the file is not an SQLite
        database or not an xorfast store, or it holds a different sweep.
    """
    connection, tables = _connect(path, create=True)
    try:
        if not tables:
            with connection:
                connection.execute("BEGIN IMMEDIATE")
                for statement in _SCHEMA.strip().split(";"):
                    if statement.strip():
                        connection.execute(statement)
                connection.executemany("INSERT INTO xorfast_meta VALUES (?, ?)", [
                    ("format", FORMAT), ("format_version", str(FORMAT_VERSION)),
                    ("spec", spec.to_json()), ("fingerprint", spec.fingerprint()),
                ])
        elif "xorfast_meta" not in tables:
            raise StoreError(f"store {os.fspath(path)!r} is an SQLite database of something "
                             "else (no xorfast tables); pass a new file name")
        else:
            meta = _read_meta(connection, path)
            if meta.get("fingerprint") != spec.fingerprint():
                stored = spec_from_dict(json.loads(meta["spec"]))
                raise StoreError(f"store {os.fspath(path)!r} holds a different sweep "
                                 f"({_difference(stored, spec)}); use a new file to run "
                                 "this one, or the same arguments to resume that one")
    except BaseException:
        connection.close()
        raise
    return RunStore(connection, os.fspath(path), spec)


def _difference(stored, wanted):
    a, b = stored.to_dict(), wanted.to_dict()
    names = [key for key in a if a[key] != b.get(key)]
    described = []
    for key in names[:3]:
        if key in ("X", "y", "seeds"):
            described.append(f"{key} differs")
        else:
            described.append(f"{key}: stored {a[key]!r}, asked {b[key]!r}")
    return "; ".join(described) or "fingerprints differ"


def load_sweep(path):
    """Read a sweep store back as a :class:`~xorfast.sweep_result.SweepResult`.

    Runs that were not finished (an interrupted sweep) are left out; the
    result's table then has fewer rows than the specification.

    Examples
    --------
    >>> result = load_sweep("runs.sqlite")  # doctest: +SKIP
    >>> print(result.format_summary())      # doctest: +SKIP
    """
    connection, tables = _connect(path, create=False)
    try:
        if "xorfast_meta" not in tables:
            raise StoreError(f"store {os.fspath(path)!r} is not an xorfast sweep store")
        spec = spec_from_dict(json.loads(_read_meta(connection, path)["spec"]))
        store = RunStore(connection, os.fspath(path), spec)
        table = empty_table(spec)
        finished = ~store.fill(table).ravel()
    finally:
        connection.close()
    return SweepResult(spec, table[finished])
