"""Output files: checked before any work, written whole or not at all.

A table or figure is first written to a temporary file in the destination's
folder, then renamed over the destination (``os.replace``, atomic on one file
system): a reader never sees half a file, and a failure leaves any earlier
file as it was.
"""

import contextlib
import os
import tempfile


def check_writable(name, path):
    """Raise ValueError unless a file can be written at ``path``; return it as a string.

    ``name`` is what the user called it (an argument or a flag).
    """
    # An int would name an open file descriptor; bytes are not a name a user types.
    if isinstance(path, bool) or not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{name} must be a file name (str or os.PathLike); got {path!r}")
    path = os.fspath(path)
    if not path:
        raise ValueError(f"{name} is empty; give a file name")
    if os.path.isdir(path):
        raise ValueError(f"{name} {path} is a folder; give a file name in it")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise ValueError(
            f"cannot write {name} {path}: folder {folder} does not exist; create it first"
        )
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ValueError(f"cannot write {name} {path}: folder {folder} is not writable")
    if os.path.exists(path) and not os.access(path, os.W_OK):
        raise ValueError(f"cannot write {name} {path}: the file exists and is read-only")
    return path


@contextlib.contextmanager
def atomic_write(path, *, binary=False, newline=None):
    """Open a temporary file beside ``path``; on success it replaces ``path`` whole."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    descriptor, temporary = tempfile.mkstemp(
        dir=folder, prefix=f".{os.path.basename(path)}.", suffix=".tmp"
    )
    try:
        mode = "wb" if binary else "w"
        encoding = None if binary else "utf-8"
        with os.fdopen(descriptor, mode, encoding=encoding, newline=newline) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, _mode_for(path))
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _mode_for(path):
    # mkstemp makes the file private (0600); give it what open() would have.
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
