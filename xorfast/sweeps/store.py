"""A crash-safe, self-checking SQLite store of finished sweep runs.

The file holds the sweep's full specification and one row per finished run.
Each finished block is written in one transaction (WAL journal, full sync), so
a sweep killed at any moment leaves every block it finished and none half
written; running the same sweep with the same store skips them. A store made
by a different specification is refused rather than mixed.

Format, version 2:

- ``xorfast_meta``: ``format``, ``format_version``, ``spec`` (the canonical
  JSON of the specification) and ``fingerprint`` (the SHA-256 of that JSON).
- ``runs``: one row per finished run, keyed by (config, seed), with the id of
  the block it was written in.
- ``blocks``: per written block, its config, its number of runs and the SHA-256
  of its rows' canonical bytes (see :mod:`xorfast.sweeps._store_check`), written in
  the same transaction as the rows.
- A sweep with ``record_every`` or ``keep_weights`` (specification version 3)
  has two more columns in ``runs``, ``curve`` and ``weights``: each run's
  recorded errors and final parameters as BLOBs of float64, written in the
  same transaction as its row and covered by its block's digest. Stores of
  sweeps that keep nothing more are as before, byte for byte.

Every read (:func:`load_sweep`, and a resume) checks the specification against
its fingerprint, recomputes every block's digest and range-checks every value.
A damaged store is refused with a :class:`StoreError` that names the runs
affected; :func:`repair_store` (``xorfast store repair FILE``) drops exactly
those, and the same sweep with the same store then reruns only them.
Stores of version 1 (no checksums) still load and resume, range-checked
only, with a warning.

Only one sweep writes a store at a time (a lock on ``<store>.lock``, released
by the system when the process ends in any way). Reading takes no lock and
opens the file read-only, so a store in a read-only folder can be loaded.
Write failures (disk full, file size limit, the file deleted or replaced
mid-sweep) stop the sweep with a StoreError; the blocks committed before stay
in the file and the same command resumes from them. (Python ignores SIGXFSZ,
so a ``ulimit -f`` limit shows as a failed write, not a killed process.)
A sweep writes through a WAL journal and, when it closes the store, turns it
back into one plain file, so reading a finished store leaves no ``-wal`` or
``-shm`` file beside it (reading one that a killed sweep left in WAL mode may;
the next sweep that writes it removes them). Opening the file and its checks
live in ``_store_file.py`` and ``_store_check.py``, the lock in ``_store_lock.py``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from ._store_check import STORED, Scan, canonical_rows, digest, keeps_more
from ._store_file import (
    FORMAT,
    FORMAT_VERSION,
    READABLE_VERSIONS,
    StoreError,
    UnverifiedStoreWarning,
    check_writable,
    checked_path,
    connect_read,
    connect_write,
    damaged_file,
    identity,
    lock_failed,
    not_sqlite,
    read_meta,
    tables_of,
    warn_unverified,
)
from ._store_lock import StoreLock, StoreLocked
from .results import SweepResult, derive_updates, empty_table
from .spec import (
    ADDED_IN_VERSION_2,
    ADDED_IN_VERSION_3,
    ADDED_IN_VERSION_4,
    ADDED_IN_VERSION_5,
    SPEC_OPTIONS,
    kept_values,
)

if TYPE_CHECKING:
    from .._typing import StrPath
    from .spec import SweepSpec

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "READABLE_VERSIONS",
    "RunStore",
    "StoreError",
    "UnverifiedStoreWarning",
    "load_sweep",
    "open_store",
    "repair_store",
]

#: Runs per block when :func:`repair_store` regroups a version 1 store.
_REPAIR_BLOCK = 1024

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
    block INTEGER NOT NULL,{kept}
    PRIMARY KEY (config, seed)
) WITHOUT ROWID;
CREATE TABLE blocks (
    id INTEGER PRIMARY KEY,
    config INTEGER NOT NULL,
    runs INTEGER NOT NULL,
    sha256 TEXT NOT NULL
);
"""


class RunStore:
    """An open store for one sweep specification. Use :func:`open_store`."""

    def __init__(self, connection, path, spec, *, version=FORMAT_VERSION, lock=None):
        self._connection = connection
        self.path = path
        self.spec = spec
        #: Format version of the file: 1 has no checksums.
        self.version = version
        #: Runs held in the file, as far as this process knows.
        self.stored_runs = 0
        self._lock = lock
        self._identity = identity(path)

    def write(
        self, rows: np.ndarray, curves: np.ndarray | None = None, weights: np.ndarray | None = None
    ) -> None:
        """Store one finished block's rows and their digest in one transaction.

        A sweep that keeps more passes each row's recorded errors ``curves``
        (runs x T of its config) and final weights ``weights`` (runs x
        parameters, or 0 columns), stored with the rows.

        Raises
        ------
        StoreError
            The write failed (disk full, I/O error), or the file was deleted
            or replaced since it was opened. Blocks committed before are kept.
        """
        self._check_file("before")
        order = np.argsort(rows, order=["config", "seed"], kind="stable")
        rows = rows[order]
        columns = [
            rows["config"].tolist(),
            rows["seed"].tolist(),
            *(_nan_to_none(rows[name]) for name in STORED),
        ]
        blobs = None
        if keeps_more(self.spec) and self.version >= 2:
            n = len(rows)
            curves = np.zeros((n, 0)) if curves is None else curves[order]
            weights = np.zeros((n, 0)) if weights is None else weights[order]
            blobs = [(_blob(curve), _blob(kept)) for curve, kept in zip(curves, weights)]
        values = ", ".join("?" * (8 if blobs is None else 10))
        connection = self._connection
        try:
            connection.execute("BEGIN IMMEDIATE")
            try:
                if self.version >= 2:
                    # One block entry per config (a sweep's blocks never mix configs).
                    starts = np.flatnonzero(np.diff(rows["config"], prepend=-1))
                    for start, end in zip(starts.tolist(), [*starts[1:].tolist(), len(rows)]):
                        part = [column[start:end] for column in columns]
                        kept = None if blobs is None else blobs[start:end]
                        block = connection.execute(
                            "INSERT INTO blocks (config, runs, sha256) VALUES (?, ?, ?)",
                            (part[0][0], end - start, digest(canonical_rows(part), kept)),
                        ).lastrowid
                        extra = [] if kept is None else list(zip(*kept))
                        connection.executemany(
                            f"INSERT INTO runs VALUES ({values})",
                            zip(*part, [block] * (end - start), *extra),
                        )
                else:
                    connection.executemany(
                        "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?)", zip(*columns)
                    )
                connection.execute("COMMIT")
            except BaseException:
                _rollback(connection)
                raise
        except sqlite3.Error as error:
            raise StoreError(
                f"store {self.path!r}: writing a block failed ({error}). The "
                f"{self.stored_runs} runs committed before are kept in the file; fix the cause "
                "(free disk space, raise the file size limit) and run the same sweep with the "
                "same store again to resume"
            ) from None
        self._check_file("while")
        self.stored_runs += len(rows)

    def _check_file(self, when):
        """Stop when the file at ``path`` is gone or another one: blocks would be lost."""
        now = identity(self.path)
        if now == self._identity:
            return
        what = (
            "is no longer there (deleted or moved)"
            if now is None
            else "was replaced by another file"
        )
        lost = (
            "the block just finished"
            if when == "before"
            else "the block just written (it went to the old file)"
        )
        raise StoreError(
            f"store {self.path!r} {what} while the sweep ran, so {lost} and the "
            "ones after it would not be kept; the sweep stops. Run it again "
            "with a store to keep the runs"
        )

    def fill(
        self,
        table: np.ndarray,
        curves: np.ndarray | None = None,
        weights: np.ndarray | None = None,
    ) -> npt.NDArray[np.bool_]:
        """Copy every stored run into its row of ``table`` (ordered as the sweep's table).

        A sweep that keeps more has its stored curves and weights copied into
        the rows of ``curves`` and ``weights`` likewise.

        Returns a boolean array (configs, seeds): True where the run is not
        stored yet, so still to do.

        Raises
        ------
        StoreError
            A block fails its checksum or a value is out of range; the message
            names the runs affected and how to rerun them.
        """
        scan = Scan(
            self._connection,
            self.path,
            self.spec,
            self.version,
            table=table,
            curves=curves,
            weights=weights,
        )
        _raise_if_damaged(scan)
        derive_updates(table, self.spec.stop)  # not stored: it follows from the epochs
        self.stored_runs = int(scan.finished.sum())
        return ~scan.finished.reshape(len(self.spec.configs), len(self.spec.seeds))

    def close(self) -> None:
        """Close the file and let the next sweep in."""
        try:
            # Leave a plain (rollback-journal) file behind: a reader then needs no
            # -wal or -shm file beside it, which a read-only connection could
            # create but never remove. A sweep in progress, or killed, keeps WAL.
            with contextlib.suppress(sqlite3.Error):
                self._connection.execute("PRAGMA journal_mode=DELETE")
            self._connection.close()
        except sqlite3.Error:
            pass  # committed blocks are in the journal; the next open recovers them
        finally:
            if self._lock is not None:
                self._lock.release()
                self._lock = None

    def __enter__(self) -> RunStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _rollback(connection):
    try:
        connection.execute("ROLLBACK")
    except sqlite3.Error:
        pass  # SQLite already rolled back, or the file is gone


def _blob(values):
    """A run's values as the BLOB of little-endian float64 the store keeps."""
    return np.ascontiguousarray(values, dtype="<f8").tobytes()


def _nan_to_none(values):
    # SQLite has no NaN: it stores NULL, which reads back as NaN.
    if values.dtype == np.float64:
        return [None if v != v else v for v in values.tolist()]
    return [int(v) for v in values.tolist()]


def _raise_if_damaged(scan):
    if scan.read_error is not None:
        raise damaged_file(scan.path, scan.read_error)
    if scan.damaged:
        raise StoreError(scan.describe_damage())


def open_store(path: StrPath, spec: SweepSpec) -> RunStore:
    """Open (or create) the store at ``path`` for ``spec``, locked for this sweep.

    Raises
    ------
    TypeError
        ``path`` is not a file path.
    StoreError
        The name is no file (``""``, ``":memory:"``, a folder, a device), the
        folder is missing or not writable, the file is not an SQLite database
        or not an xorfast store, it holds a different sweep, or another sweep
        is writing it.
    """
    path = checked_path(path)
    check_writable(path)
    try:
        lock = StoreLock(path)
    except StoreLocked as holder:
        raise StoreError(
            f"store {path!r} is being written by another sweep ({holder}); wait "
            "for it to finish or stop it, then run this one again (a sweep that "
            "was killed holds no lock)"
        ) from None
    except OSError as error:
        raise lock_failed(path, error) from None
    try:
        connection, tables = connect_write(path)
    except BaseException:
        lock.release()
        raise
    try:
        if not tables:
            version = FORMAT_VERSION
            try:
                connection.execute("BEGIN IMMEDIATE")
                kept = (
                    "\n    curve BLOB NOT NULL,\n    weights BLOB NOT NULL,"
                    if keeps_more(spec)
                    else ""
                )
                for statement in _SCHEMA.format(kept=kept).strip().split(";"):
                    if statement.strip():
                        connection.execute(statement)
                connection.executemany(
                    "INSERT INTO xorfast_meta VALUES (?, ?)",
                    [
                        ("format", FORMAT),
                        ("format_version", str(FORMAT_VERSION)),
                        ("spec", spec.to_json()),
                        ("fingerprint", spec.fingerprint()),
                    ],
                )
                connection.execute("COMMIT")
            except sqlite3.Error as error:
                _rollback(connection)
                raise StoreError(f"store {path!r} cannot be created ({error})") from None
        elif "xorfast_meta" not in tables:
            raise StoreError(
                f"store {path!r} is an SQLite database of something "
                "else (no xorfast tables); pass a new file name"
            )
        else:
            version, stored = read_meta(connection, path, tables)
            if stored.fingerprint() != spec.fingerprint():
                raise StoreError(
                    f"store {path!r} holds a different sweep "
                    f"({_difference(stored, spec)}); use a new file to run "
                    "this one, or the same arguments to resume that one"
                )
            if version < 2:
                warn_unverified(path)
    except BaseException:
        connection.close()
        lock.release()
        raise
    return RunStore(connection, path, spec, version=version, lock=lock)


def _difference(stored, wanted):
    # Version 1 descriptions leave out what version 2 added: compare with it filled in.
    added = {
        **ADDED_IN_VERSION_2,
        **ADDED_IN_VERSION_3,
        **ADDED_IN_VERSION_4,
        **ADDED_IN_VERSION_5,
    }
    a, b = ({**added, **spec.to_dict()} for spec in (stored, wanted))
    names = [key for key in ("X", "y", "seeds", *SPEC_OPTIONS) if a[key] != b[key]]
    described = []
    for key in names[:3]:
        if key in ("X", "y", "seeds"):
            described.append(f"{key} differs")
        else:
            described.append(f"{key}: stored {a[key]!r}, asked {b[key]!r}")
    return "; ".join(described) or "fingerprints differ"


def load_sweep(path: StrPath) -> SweepResult:
    """Read a sweep store back as a :class:`~xorfast.sweeps.results.SweepResult`.

    Runs that were not finished (an interrupted sweep) are left out; the
    result's table then has fewer rows than the specification. The file is
    opened read-only and not locked, so a store being written, or one in a
    read-only folder, can be read.

    Raises
    ------
    StoreError
        The file is missing, not a store, or damaged (the message says which
        runs and how to rerun them).

    Examples
    --------
    >>> result = load_sweep("runs.sqlite")  # doctest: +SKIP
    >>> print(result.format_summary())      # doctest: +SKIP
    """
    path = checked_path(path)
    connection, tables = connect_read(path)
    try:
        version, spec = read_meta(connection, path, tables)
        if version < 2:
            warn_unverified(path)
        table = empty_table(spec)
        points, parameters = kept_values(spec)
        curves = np.full((spec.runs, points), np.nan) if spec.record_every else None
        weights = np.full((spec.runs, parameters), np.nan) if spec.keep_weights else None
        scan = Scan(connection, path, spec, version, table=table, curves=curves, weights=weights)
        _raise_if_damaged(scan)
        derive_updates(table, spec.stop)
    finally:
        connection.close()
    finished = scan.finished
    return SweepResult(
        spec,
        table[finished],
        None if curves is None else curves[finished],
        None if weights is None else weights[finished],
    )


def repair_store(path: StrPath) -> str:
    """Drop the damaged blocks of a store, so that resuming its sweep reruns only them.

    The runs that pass every check are copied into a new file that replaces
    ``path``; the damaged file is kept beside it as ``<path>.damaged`` (or
    ``.damaged-2`` ...). A version 1 store is converted to the current format:
    its rows are range-checked, then protected by checksums from then on.

    Returns
    -------
    str
        What was kept and what was dropped, in words.

    Raises
    ------
    StoreError
        The file is not a store, its specification is damaged (then no run can
        be kept), or a sweep is writing it.
    """
    path = checked_path(path)
    if not os.path.exists(path):
        raise StoreError(f"store {path!r} does not exist")
    check_writable(path)
    try:
        lock = StoreLock(path)
    except StoreLocked as holder:
        raise StoreError(
            f"store {path!r} is being written by a sweep ({holder}); repair it "
            "after that sweep has ended"
        ) from None
    except OSError as error:
        raise lock_failed(path, error) from None
    try:
        return _repair(path)
    finally:
        lock.release()


def _repair(path):
    # Read through a writable connection: this folds the journal of a killed
    # sweep into the main file on close, so no -wal is left to apply to the
    # file that replaces it. The lock keeps sweeps out meanwhile.
    try:
        connection = sqlite3.connect(path, isolation_level=None)
        tables = tables_of(connection)
    except sqlite3.DatabaseError as error:
        connection.close()
        raise not_sqlite(path, error) from None
    target = path + ".repairing"
    try:
        version, spec = read_meta(connection, path, tables)
        scan = Scan(connection, path, spec, version)
        if not scan.damaged and version >= 2:
            return f"store {path!r}: all {int(scan.finished.sum())} runs verified; nothing to do"
        damaged = set(scan.damaged)
        for leftover in (target, target + "-wal", target + "-shm"):
            if os.path.exists(leftover):
                os.remove(leftover)
        new = open_store(target, spec)
        # No sync per block: the copy becomes the store only after one fsync below.
        new._connection.execute("PRAGMA synchronous=OFF")
        template = empty_table(spec)
        buffers = {}

        def keep(blocks, at, canonical, blobs=None):
            keys = blocks if version >= 2 else canonical["config"]
            for key in np.unique(keys).tolist():
                if version >= 2 and key in damaged:
                    continue
                parts = buffers.setdefault(key, [])
                chosen = keys == key
                kept = None if blobs is None else [b for b, c in zip(blobs, chosen) if c]
                parts.append((at[chosen], canonical[chosen], kept))
                wanted = scan.blocks[key][1] if version >= 2 else _REPAIR_BLOCK
                if sum(len(part[0]) for part in parts) >= wanted:
                    _write_parts(new, template, buffers.pop(key))

        try:
            Scan(connection, path, spec, version, sink=keep)
            if version < 2:  # a version 2 block still buffered has rows missing: dropped
                for parts in buffers.values():
                    _write_parts(new, template, parts)
            kept = new.stored_runs
        finally:
            new.close()
    finally:
        connection.close()
    backup = path + ".damaged"
    number = 1
    while os.path.exists(backup):
        number += 1
        backup = f"{path}.damaged-{number}"
    _fsync(target)
    try:
        os.link(path, backup)  # the store's name never goes missing
    except OSError:
        shutil.copy2(path, backup)
    os.replace(target, path)
    _fsync(os.path.dirname(os.path.abspath(path)))
    os.remove(target + ".lock")
    dropped = f"; dropped {scan.affected()}" if scan.damaged else ""
    return (
        f"store {path!r}: kept {kept} verified runs{dropped}. The damaged file is kept "
        f"as {backup!r}. Run the same sweep with the same store to rerun the dropped runs"
    )


def _fsync(path):
    # Only with no connection open: closing a descriptor of a database file
    # drops the POSIX locks SQLite holds on it in this process.
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _write_parts(store, template, parts):
    """Write the buffered canonical rows of one block."""
    rows = template[np.concatenate([part[0] for part in parts])]
    canonical = np.concatenate([part[1] for part in parts])
    for name in STORED:
        rows[name] = canonical[name]
    if parts[0][2] is None:
        store.write(rows)
        return
    # A block's runs share a config, so their BLOBs have one length each.
    blobs = [blob for part in parts for blob in part[2]]
    curves, weights = (
        np.array([np.frombuffer(blob[i], dtype="<f8") for blob in blobs]).reshape(len(blobs), -1)
        for i in (0, 1)
    )
    store.write(rows, curves, weights)
