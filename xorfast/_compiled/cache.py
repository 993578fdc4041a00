"""One cache folder for every compiled kernel, keyed by the source it was compiled from.

The folder is ``$XORFAST_CACHE_DIR/kernels``, else ``$XDG_CACHE_HOME/xorfast/kernels``,
else ``~/.cache/xorfast/kernels``, and holds:

- the generated modules of :mod:`xorfast._compiled.sweep_unrolled` (``xorfast_kernel_*.py``)
  and :mod:`~xorfast._compiled.single_run_unrolled` (``xorfast_train_*.py``), written by
  :mod:`~xorfast._compiled.modules`, and in ``__pycache__`` Numba's machine code of them
  (there even when ``NUMBA_CACHE_DIR`` is set);
- in ``numba-<digest>``, Numba's machine code of the hand-written kernels
  (:mod:`~xorfast._compiled.sigmoid`, :mod:`~xorfast._compiled.single_run`,
  :mod:`~xorfast._compiled.sweep_kernel`).

``<digest>`` (:func:`source_digest`) is a digest of every file the compiled
code depends on (:data:`KERNEL_SOURCES`) and of Numba's version. Numba's own
cache keys a function on its file's timestamp alone, so a kernel that inlines
a helper of another file would keep running the old helper after an edit
there; here an edit to any of these files changes the digest, and with it
the folder and the generated modules' names (which carry it too), so stale
machine code is never found. Numba is pointed at that folder by a cache
locator (:class:`_KernelLocator`, first in Numba's list, for xorfast's files
only, so ``NUMBA_CACHE_DIR`` applies to other packages alone); where the
folder cannot be written, or Numba lacks that interface, the kernels fall
back to Numba's default locations.

Old digests are pruned: when a process first uses a digest's folder or
writes a generated module, files of other digests not modified for
:data:`STALE_AFTER` seconds are removed (errors ignored), so processes of
another xorfast version running at the same time keep theirs. ``xorfast
cache info`` and ``xorfast cache clear`` show and empty the folder.
"""

import functools
import hashlib
import os
import re
import shutil
import time
from pathlib import Path

import numba

_PACKAGE = Path(__file__).resolve().parent
#: The files whose text the machine code depends on: every module of this package
#: (options, helpers, kernels, generators), so a new module is covered too.
KERNEL_SOURCES = tuple(sorted(path.name for path in _PACKAGE.glob("*.py")))

#: Files of other digests are removed only once unmodified for this many seconds.
STALE_AFTER = 3600
_HANDWRITTEN = "numba-"
#: A generated module: stem, digest of the kernel sources, digest of its own source.
_GENERATED = re.compile(r"^(xorfast_(?:kernel|train)_\w+?)_(?:([0-9a-f]{16})_)?[0-9a-f]{16}$")


def configured_folder():
    """The kernel cache folder as configured (see the module doc), whether or not it exists."""
    folder = os.environ.get("XORFAST_CACHE_DIR")
    if not folder:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        folder = os.path.join(base, "xorfast")
    return Path(folder) / "kernels"


def _read_source(name):
    return (_PACKAGE / name).read_bytes()


@functools.cache
def source_digest():
    """16 hex digits of a digest of :data:`KERNEL_SOURCES` and Numba's version."""
    digest = hashlib.sha256()
    for name in KERNEL_SOURCES:
        text = _read_source(name)
        digest.update(f"{name} {len(text)}\n".encode())
        digest.update(text)
    digest.update(numba.__version__.encode())
    return digest.hexdigest()[:16]


_pruned = set()


def prune(folder, *, now=None):
    """Remove files of digests other than :func:`source_digest` from ``folder``, if old.

    Only files not modified for :data:`STALE_AFTER` seconds go; any error
    (a file gone already, one another process holds) is ignored. Returns the
    number of files removed.
    """
    current = source_digest()
    limit = (time.time() if now is None else now) - STALE_AFTER
    removed = 0

    def old(path):
        try:
            return path.lstat().st_mtime < limit
        except OSError:
            return False

    def remove(path):
        nonlocal removed
        try:
            path.unlink()
            removed += 1
        except OSError:
            pass

    try:
        entries = list(folder.iterdir())
    except OSError:
        return 0
    compiled = folder / "__pycache__"
    for entry in entries:
        if (
            entry.name.startswith(_HANDWRITTEN)
            and entry.name != _HANDWRITTEN + current
            and entry.is_dir()
            and not entry.is_symlink()
        ):
            files = (
                [path for path in entry.iterdir() if not path.is_dir()]
                if os.access(entry, os.R_OK)
                else []
            )
            if old(entry) and all(old(path) for path in files):
                for path in files:
                    remove(path)
                try:
                    entry.rmdir()
                except OSError:
                    pass
            continue
        match = _GENERATED.match(entry.stem)
        if entry.suffix != ".py" or match is None or match.group(2) == current:
            continue
        if old(entry):
            remove(entry)
            try:
                stale = list(compiled.glob(f"{entry.stem}.*"))
            except OSError:
                stale = []
            for path in stale:
                if old(path):
                    remove(path)
    return removed


def prune_once(folder):
    """:func:`prune` ``folder``, the first time this process asks for it."""
    if folder not in _pruned:
        _pruned.add(folder)
        prune(folder)


def _kinds(folder):
    """``{kind: [files]}`` of the cache folder."""
    kinds = {
        "generated modules": [],
        "generated machine code": [],
        "hand-written machine code": [],
    }
    if not folder.is_dir():
        return kinds
    for entry in folder.iterdir():
        if entry.is_file() and entry.suffix == ".py":
            kinds["generated modules"].append(entry)
        elif entry.name == "__pycache__" and entry.is_dir():
            kinds["generated machine code"].extend(p for p in entry.iterdir() if p.is_file())
        elif entry.name.startswith(_HANDWRITTEN) and entry.is_dir():
            kinds["hand-written machine code"].extend(p for p in entry.iterdir() if p.is_file())
    return kinds


def info(folder=None):
    """Lines describing the cache folder: files and bytes per kind, and the digests found."""
    folder = configured_folder() if folder is None else folder
    current = source_digest()
    lines = [
        f"kernel cache: {folder}" + ("" if folder.is_dir() else " (not created yet)"),
        f"current digest: {current} (xorfast kernel sources, Numba {numba.__version__})",
    ]
    for kind, files in _kinds(folder).items():
        size = sum(path.stat().st_size for path in files)
        lines.append(f"{kind}: {len(files)} files, {_size(size)}")
    if folder.is_dir():
        digests = sorted(
            entry.name[len(_HANDWRITTEN) :]
            for entry in folder.iterdir()
            if entry.name.startswith(_HANDWRITTEN) and entry.is_dir()
        )
        others = [digest for digest in digests if digest != current]
        if others:
            lines.append(
                f"other digests (pruned after {STALE_AFTER // 3600} h unused): "
                + ", ".join(others)
            )
    return lines


def _size(size):
    for unit in ("bytes", "kB", "MB"):
        if size < 1000 or unit == "MB":
            return f"{size} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} GB"  # pragma: no cover


def clear(folder=None):
    """Remove every file of the cache folder; returns ``(files, bytes)`` removed.

    Safe at any time: a process using a kernel keeps its loaded code, and
    anything missing later is generated and compiled again.
    """
    folder = configured_folder() if folder is None else folder
    files = [path for paths in _kinds(folder).values() for path in paths]
    if folder.is_dir():
        files += [path for path in folder.iterdir() if path.is_file() and path not in files]
    count = size = 0
    for path in files:
        try:
            length = path.lstat().st_size
            path.unlink()
        except OSError:
            continue
        count += 1
        size += length
    if folder.is_dir():
        for entry in folder.iterdir():
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
    return count, size


try:  # Numba's cache locators are internal: without them, its default locations serve
    from numba.core.caching import CacheImpl, _CacheLocator
except ImportError:  # pragma: no cover
    CacheImpl = _CacheLocator = None


if _CacheLocator is not None:

    class _KernelLocator(_CacheLocator):
        """Numba's cache of xorfast's hand-written kernels: ``numba-<digest>`` of the folder."""

        def __init__(self, py_func, folder, stamp):
            self._lineno = py_func.__code__.co_firstlineno
            self._cache_path = str(folder)
            self._stamp = stamp

        def get_cache_path(self):
            return self._cache_path

        def get_source_stamp(self):
            return self._stamp

        def get_disambiguator(self):
            return str(self._lineno)

        @classmethod
        def from_function(cls, py_func, py_file):
            try:
                path = Path(py_file).resolve()
            except (OSError, TypeError, ValueError):
                return None
            if path.parent == _PACKAGE and path.name in KERNEL_SOURCES:
                kernels = configured_folder()
                self = cls(py_func, kernels / (_HANDWRITTEN + source_digest()), source_digest())
            elif path.suffix == ".py" and _GENERATED.match(path.stem):
                # A generated module, verified by .modules, named after its digests.
                kernels = None
                self = cls(py_func, path.parent / "__pycache__", path.stem)
            else:
                return None
            try:
                self.ensure_cache_path()
            except OSError:
                return None  # Numba's default locations take over
            if kernels is not None:
                prune_once(kernels)
            return self


def install_locator():
    """Put :class:`_KernelLocator` first in Numba's list of cache locators (once)."""
    if CacheImpl is None:  # pragma: no cover
        return
    classes = getattr(CacheImpl, "_locator_classes", None)
    if isinstance(classes, list) and _KernelLocator not in classes:
        classes.insert(0, _KernelLocator)
