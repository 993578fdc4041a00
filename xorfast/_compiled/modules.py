"""Generated kernel modules on disk: written whole, verified, imported, cached by Numba.

Numba cannot unroll loops whose bounds are run-time values, so the code
generators (:mod:`.sweep_unrolled`, :mod:`.single_run_unrolled`) write
shape-specialised kernels as Python source. This module saves each source as
a module in the cache folder and imports it: Numba's disk cache then works
for it as for any other module, and a new process (or a Dask worker) loads
the machine code instead of compiling again.

The cache folder is ``$XORFAST_CACHE_DIR/kernels``, else
``$XDG_CACHE_HOME/xorfast/kernels``, else ``~/.cache/xorfast/kernels``
(:mod:`xorfast._compiled.cache`, which also holds the hand-written kernels' machine
code); deleting it is always safe (``xorfast cache clear``). Each module's
name carries the digest of all kernel sources (:func:`xorfast._compiled.cache.source_digest`)
and one of its own source, the modules it imports and Numba's version; modules
of other digests are pruned once unused for an hour.

Nothing found in the folder is trusted. A module is used only if the file
holds exactly the source this process would write; one cut short by a crash,
emptied, or planted is rewritten, with one warning naming the folder, and the
code run is always the source itself. Files are written whole or not at all
(a temporary file, flushed and fsynced, then renamed). Numba's own cache files
that cannot be read back are deleted and compiled again
(:func:`xorfast._compiled.jit.repairing_cache`).

Where the folder cannot be written (a read-only home, say), a folder under the
system's temporary directory takes its place, with one warning:
``$TMPDIR/xorfast-<user>/kernels``, created with mode 0700 and used only if it
and its parent are real folders (no symlinks) owned by this user that no one
else may write; otherwise, so that another local user cannot plant code there
or make the folder unusable, a fresh private folder from
:func:`tempfile.mkdtemp`, removed at exit. A write that fails (a full disk,
any ``OSError``) leaves no temporary file and moves this process to such a
fresh folder (one warning); where even that fails, kernels compile without
any disk cache.
"""

import atexit
import contextlib
import getpass
import hashlib
import importlib.util
import os
import shutil
import stat
import sys
import tempfile
import threading
import warnings
from pathlib import Path

import numba

from . import cache, jit

#: Every generated kernel this process has loaded, by the key its generator gave.
_loaded = {}
_lock = threading.Lock()


def once(key, build):
    """``build()``, called the first time this process asks for ``key``, else its result then.

    Threads asking for the same key at once wait for one build.
    """
    with _lock:
        if key not in _loaded:
            _loaded[key] = build()
        return _loaded[key]


def load_module(stem, source, dependencies):
    """Import ``source`` as a module saved in the cache folder, named after ``stem``."""
    # The name carries a digest of everything the compiled code depends on, so
    # a changed xorfast or Numba never picks up stale machine code.
    digest = hashlib.sha256(
        "\n".join(
            [
                source,
                *(Path(module.__file__).read_text() for module in dependencies),
                numba.__version__,
            ]
        ).encode()
    ).hexdigest()[:16]
    name = f"{stem}_{cache.source_digest()}_{digest}"
    path = _saved(f"{name}.py", source.encode())
    if path is None:
        spec = importlib.util.spec_from_loader(name, loader=None)
    else:
        cache.prune_once(path.parent)  # other digests' modules, once unused for an hour
        spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    # The code run is ``source`` itself, never what the file holds by now.
    code = compile(source, f"<generated {name}>" if path is None else str(path), "exec")
    if path is None:
        with jit.without_disk_cache():
            exec(code, module.__dict__)
    else:
        exec(code, module.__dict__)
    return module


def _saved(filename, data):
    """The path of a file ``filename`` holding exactly ``data`` in the cache folder.

    A file there with other content (cut short by a crash, emptied, planted) is
    replaced, with one warning. Where the folder cannot be written (a full
    disk), a fresh private folder takes its place; where that fails too, the
    disk cache is off for this process and the result is None.
    """
    folder = _cache_folder()
    path = folder / filename
    found = _content(path)
    if found == data:
        return path
    try:
        _write(path, data)
    except OSError as error:
        try:
            fresh = _fresh_folder()
            _write(fresh / filename, data)
        except OSError as second:
            jit.disable_disk_cache(second)
            return None
        for key, value in list(_folders.items()):
            if value == folder:
                _folders[key] = fresh
        warnings.warn(
            f"xorfast cannot write its compiled kernels to {folder} ({error}); "
            f"using {fresh} in this process",
            RuntimeWarning,
            stacklevel=4,
        )
        return fresh / filename
    if found is not None:
        warnings.warn(
            f"xorfast found a damaged generated kernel {filename} in {folder}; "
            "it was replaced and is compiled again",
            RuntimeWarning,
            stacklevel=4,
        )
    return path


def _content(path):
    """The bytes of the regular file ``path`` (a symlink does not count), None if none."""
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return b""
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        return None
    except OSError:
        return b""


def _write(path, data):
    """Write ``data`` to ``path`` atomically: whole and on disk, or not at all."""
    handle = tempfile.NamedTemporaryFile(
        "wb", dir=path.parent, prefix=f".{path.stem}.", suffix=".tmp", delete=False
    )
    try:
        with handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(handle.name, path)  # concurrent workers never see half a file
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(handle.name)
        raise


_folders = {}


def _cache_folder():
    """The folder for generated modules; see the module doc."""
    folder = cache.configured_folder()
    if folder not in _folders:
        _folders[folder] = _writable_folder(folder)
    return _folders[folder]


def _writable_folder(path):
    try:
        path.mkdir(parents=True, exist_ok=True)
        if os.access(path, os.W_OK):
            return path
    except OSError:
        pass
    fallback = _temporary_folder()
    warnings.warn(
        f"xorfast cannot write its compiled kernels to {path}; using {fallback} "
        "(set XORFAST_CACHE_DIR to choose another folder)",
        RuntimeWarning,
        stacklevel=2,
    )
    return fallback


def _user():
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # a user id with no name, as in some containers
        return str(os.getuid())


def _temporary_folder():
    """``$TMPDIR/xorfast-<user>/kernels`` if it is safely this user's, else a fresh folder."""
    shared = Path(tempfile.gettempdir()) / f"xorfast-{_user()}"
    if _private(shared) and _private(shared / "kernels"):
        return shared / "kernels"
    return _fresh_folder()


def _private(path):
    """Make ``path`` (mode 0700) if missing; True if it is a folder only this user can write.

    A symlink, a folder of another user, or one that group or others may write
    is refused: whoever can write it could plant code there for us to run.
    """
    try:
        path.mkdir(mode=0o700)
    except FileExistsError:
        pass
    except OSError:
        return False
    try:
        info = os.lstat(path)
    except OSError:
        return False
    uid = os.getuid() if hasattr(os, "getuid") else None
    return (
        stat.S_ISDIR(info.st_mode)
        and uid in (None, info.st_uid)
        and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
        and os.access(path, os.W_OK | os.X_OK)
    )


def _fresh_folder():
    """A new folder only this user can use, removed when the process ends."""
    folder = tempfile.mkdtemp(prefix=f"xorfast-{_user()}-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return Path(folder)
