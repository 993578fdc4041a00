"""Opening a sweep store file: which names are files, permissions, connections, metadata.

Writing connections use SQLite's WAL journal with full sync; reading ones are
opened read-only (``mode=ro``), or as an immutable file in a read-only folder
when no journal holds blocks outside the main file. The metadata check
(format, version, and the specification against its SHA-256 fingerprint)
is the same for both.
"""

import hashlib
import json
import os
import sqlite3
import stat
import urllib.parse
import warnings

from .spec import spec_from_dict

FORMAT = "xorfast-sweep"
FORMAT_VERSION = 2
#: Versions this xorfast reads; version 1 has no checksums.
READABLE_VERSIONS = (1, 2)


class StoreError(ValueError):
    """A store file that cannot be used for this sweep, or that could not be written.

    When a running sweep stops because its store failed, ``result`` holds the
    :class:`~xorfast.sweeps.results.SweepResult` of the runs finished so far
    (``None`` otherwise).
    """

    result = None


class UnverifiedStoreWarning(UserWarning):
    """A store written before stores had checksums: damage to it cannot be detected."""


def checked_path(store):
    """``store`` as a file-name string, refusing what would not keep the runs on disk."""
    if not isinstance(store, (str, bytes, os.PathLike)):
        raise TypeError(
            f"store must be a file path (str or os.PathLike); got {type(store).__name__} {store!r}"
        )
    path = os.fsdecode(os.fspath(store))
    if path == "":
        raise StoreError(
            "store='' is not a file name (SQLite would keep the runs in a "
            "temporary file deleted at the end); pass a file name such as "
            "'runs.sqlite', or store=None for no store"
        )
    if path == ":memory:":
        raise StoreError(
            "store=':memory:' would keep the runs in memory only, lost when the "
            "sweep ends; pass a file name such as 'runs.sqlite', or store=None"
        )
    if os.path.isdir(path):
        raise StoreError(
            f"store {path!r} is a folder; pass a file name inside it, e.g. "
            f"{os.path.join(path, 'runs.sqlite')!r}"
        )
    if os.path.exists(path) and not stat.S_ISREG(os.stat(path).st_mode):
        raise StoreError(
            f"store {path!r} is not a regular file (a device, pipe or socket); "
            "pass the name of a file"
        )
    return path


def identity(path):
    """What tells this file from one put in its place: (device, inode), None if gone."""
    try:
        status = os.stat(path)
    except FileNotFoundError:
        return None
    return status.st_dev, status.st_ino


def check_writable(path):
    """Refuse a missing folder or one (or a file) this process may not write."""
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise StoreError(f"store {path!r}: folder {folder!r} does not exist; create it first")
    if not os.path.exists(path):
        if not os.access(folder, os.W_OK):
            raise StoreError(f"store {path!r}: no permission to write in {folder!r}")
    elif not os.access(path, os.W_OK):
        raise StoreError(f"store {path!r}: no permission to write to this file")


def connect_write(path):
    """A writing connection (WAL, full sync) and the names of its tables."""
    try:
        connection = sqlite3.connect(path, timeout=30, isolation_level=None)
    except sqlite3.Error as error:
        raise StoreError(f"store {path!r} cannot be opened ({error})") from None
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        # FULL: a committed block survives even a power cut, at one fsync per block.
        connection.execute("PRAGMA synchronous=FULL")
        tables = tables_of(connection)
    except sqlite3.DatabaseError as error:
        connection.close()
        raise StoreError(
            f"store {path!r} is not a usable SQLite database ({error}); pass a new file name"
        ) from None
    return connection, tables


def connect_read(path):
    """A read-only connection: no journal, no pragma, nothing written to the folder."""
    if not os.path.exists(path):
        raise StoreError(f"store {path!r} does not exist")
    uri = "file:" + urllib.parse.quote(os.path.abspath(path))
    try:
        connection = sqlite3.connect(uri + "?mode=ro", uri=True, timeout=30)
    except sqlite3.Error as error:
        raise StoreError(f"store {path!r} cannot be opened ({error})") from None
    try:
        return connection, tables_of(connection)
    except sqlite3.OperationalError as error:
        connection.close()
        # A WAL store needs its -wal and -shm files, which cannot be created in a
        # read-only folder. With no -wal file, or an empty one, the main file holds
        # every committed block and may be read as an immutable file.
        wal = path + "-wal"
        if os.path.exists(wal) and os.path.getsize(wal) > 0:
            raise StoreError(
                f"store {path!r} cannot be read here ({error}): its journal "
                f"{wal!r} holds blocks not yet in the main file and SQLite cannot "
                "open it read-only; copy the store with its -wal file to a "
                "writable folder and load it there"
            ) from None
        first = error
    except sqlite3.DatabaseError as error:
        connection.close()
        raise not_sqlite(path, error) from None
    try:
        connection = sqlite3.connect(uri + "?immutable=1", uri=True)
        return connection, tables_of(connection)
    except sqlite3.DatabaseError as error:
        connection.close()
        raise StoreError(
            f"store {path!r} cannot be read ({first}; read as an immutable file: {error})"
        ) from None


def not_sqlite(path, error):
    """The error for a file SQLite cannot open as a database."""
    return StoreError(
        f"store {path!r} is not a usable SQLite database ({error}); pass a new file name"
    )


def tables_of(connection):
    """The names of the tables in the file."""
    return {
        row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
    }


def read_meta(connection, path, tables):
    """Check the stored metadata; return ``(version, spec)``."""
    if "xorfast_meta" not in tables:
        raise StoreError(f"store {path!r} is not an xorfast sweep store")
    try:
        meta = dict(connection.execute("SELECT key, value FROM xorfast_meta"))
    except sqlite3.DatabaseError as error:
        raise damaged_meta(path, f"SQLite cannot read its metadata ({error})") from None
    if meta.get("format") != FORMAT:
        raise StoreError(f"store {path!r} is not an xorfast sweep store")
    version = meta.get("format_version")
    if version not in [str(v) for v in READABLE_VERSIONS]:
        raise StoreError(
            f"store {path!r} has format version {version}; this xorfast reads "
            f"versions {', '.join(map(str, READABLE_VERSIONS))}"
        )
    version = int(version)
    if (version >= 2) != ("blocks" in tables) or "runs" not in tables:
        raise damaged_meta(path, "its tables do not match its format version")
    text, fingerprint = meta.get("spec"), meta.get("fingerprint")
    if not isinstance(text, str) or hashlib.sha256(text.encode()).hexdigest() != fingerprint:
        raise damaged_meta(path, "its sweep specification does not match its checksum")
    try:
        spec = spec_from_dict(json.loads(text))
    except (ValueError, KeyError, TypeError) as error:
        raise damaged_meta(path, f"its sweep specification cannot be read ({error})") from None
    if spec.fingerprint() != fingerprint:
        raise damaged_meta(path, "its sweep specification does not read back exactly")
    return version, spec


def damaged_meta(path, what):
    """The error for damaged metadata: nothing in the file can be trusted."""
    return StoreError(
        f"store {path!r} is damaged: {what}; none of its runs can be trusted. "
        "Restore it from a copy, or run the sweep again with a new file"
    )


def damaged_file(path, error):
    """The error for a file SQLite cannot read through; repair keeps what verifies."""
    return StoreError(
        f"store {path!r} is damaged: SQLite cannot read it ({error}). "
        f"xorfast.sweeps.store.repair_store({path!r}) (command line: xorfast store "
        f"repair {path}) keeps the blocks that can still be read and verified; "
        "the same sweep with the same store then reruns the others"
    )


def warn_unverified(path):
    """Say that a version 1 store cannot be verified (Python's filter shows it once)."""
    warnings.warn(
        f"store {path!r} was written by an older xorfast (format version 1, without "
        "checksums): values are range-checked, but damage that keeps them in range "
        "cannot be detected. xorfast.sweeps.store.repair_store(path) converts it to the "
        "current format",
        UnverifiedStoreWarning,
        stacklevel=3,
    )


def lock_failed(path, error):
    """The error for a lock file that cannot be opened."""
    return StoreError(
        f"store {path!r}: cannot open its lock file {path + '.lock'!r} "
        f"({error.strerror}); the folder must be writable to write the store"
    )
