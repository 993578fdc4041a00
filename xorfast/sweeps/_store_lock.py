"""One sweep at a time per store: an exclusive lock on the sidecar file ``<store>.lock``.

``flock`` is used rather than a row in the database because the kernel drops it
when the holding process ends, however it ends (SIGKILL, power cut of a remote
client), so a stale lock never blocks a resume. The lock file records who holds
it, for the error the second writer gets; it stays on disk, empty of meaning
once released (deleting it on release would let two processes lock two
different files of the same name). It is a separate file because closing any
descriptor of the database file itself would drop SQLite's own POSIX locks.

On platforms without ``fcntl`` (Windows) there is no lock.
"""

import json
import os
import socket
import time

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


class StoreLocked(Exception):
    """Another process (or another open store in this one) holds the lock."""


class StoreLock:
    """Hold the lock of the store at ``path`` until :meth:`release`."""

    def __init__(self, path):
        self.path = path + ".lock"
        self._fd = None
        if fcntl is None:
            return
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise StoreLocked(_holder(self.path)) from None
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        record = json.dumps(
            {"pid": os.getpid(), "host": socket.gethostname(), "since": time.time()}
        )
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, record.encode(), 0)
        except OSError:
            pass  # the record only improves the message a second writer gets

    def release(self):
        """Let the next sweep in."""
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor releases the flock
            self._fd = None


def _holder(lock_path):
    """Who holds the lock, in words, from the record its holder wrote."""
    try:
        with open(lock_path, encoding="utf-8") as file:
            record = json.loads(file.read())
        since = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(float(record["since"])))
        same = record["pid"] == os.getpid() and record["host"] == socket.gethostname()
        who = (
            f"this process (pid {record['pid']})"
            if same
            else f"pid {record['pid']} on host {record['host']}"
        )
        return f"{who}, since {since}"
    except (OSError, ValueError, KeyError, TypeError):
        return "another process, which has not said who it is yet"
