"""The one place where xorfast chooses its Numba compilation options.

Every compiled function in the package is decorated with :func:`kernel` (or
:func:`inlined_kernel`), so the options below are the whole story; helpers with one body per
float type use :func:`typed_variants`. No kernel is ``parallel=True``: a sweep's kernels are
serial and run on Python threads (:func:`on_threads`).

Numba's disk cache (``.nbi`` index and ``.nbc`` data files, pickles) trusts
what it finds: a file cut short by a crash or a full disk makes every later
compile fail with an unpickling error, and a full disk makes saving fail.
Everything that compiles goes through :func:`repairing_cache`, which on a
failure looks for damaged cache files of xorfast's kernels, deletes them and
compiles again (one warning naming the folder), and on an ``OSError`` carries
on without the disk cache for the rest of the process (one warning).

With ``NUMBA_DISABLE_JIT=1`` (set before Numba is imported) the decorators
here return the plain Python functions and :func:`machine_code` hands them
back as they are: ``train`` and ``sweep`` run as Python, for pdb, with the
compiled results to within a few ulp, where LLVM fused a multiply and an add
(see :mod:`xorfast._compiled.sigmoid` for the helpers that exist
only as compiled code otherwise). The generated modules run too. One
difference remains: the sweep kernels draw their initial parameters from
NumPy's global random state, not from Numba's per-thread one, so they reseed
it; a block then runs on one thread, and sweep blocks must not run on several
threads of one process at once.
"""

import contextlib
import errno
import os
import pickle
import threading
import warnings
import weakref
from pathlib import Path

import numba
from numba._dispatcher import compute_fingerprint
from numba.extending import overload

from . import cache

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no lock, the check in _compile remains
    fcntl = None  # type: ignore[assignment]

# Before any kernel is defined: Numba picks a function's cache locator when it is decorated.
cache.install_locator()

#: Floating-point relaxations the kernels may use. ``contract`` lets LLVM fuse
#: ``a * b + c`` into one FMA instruction; ``arcp`` lets it replace a division
#: by a multiplication with the reciprocal; ``nsz`` ignores the sign of zero.
#: ``nnan`` and ``ninf`` are deliberately left out: with them LLVM may assume
#: values are finite and delete the very checks that report a diverging run.
#: ``reassoc`` is left out so every sum is taken in the order the code writes
#: it, which keeps results independent of vector width and block size.
FASTMATH_FLAGS = frozenset({"contract", "arcp", "nsz"})

_COMMON_OPTIONS = {
    # Cache machine code on disk (in xorfast's cache folder, under a digest of
    # the kernels' source: see xorfast._compiled.cache), so a new process (a CLI call, a
    # Dask worker) loads it instead of compiling again.
    "cache": True,
    # Release the GIL while a kernel runs, so thread pools really overlap.
    "nogil": True,
    # Division by zero gives inf/nan as in NumPy instead of raising, so a
    # diverging run finishes and is reported as diverged.
    "error_model": "numpy",
    "fastmath": set(FASTMATH_FLAGS),
    # No C-callable wrapper: it serves a kernel passed as a first-class function
    # value, which xorfast never does (Python calls go through the CPython wrapper,
    # kernels call each other directly), and every compile paid for lowering and
    # optimising one.
    "no_cfunc_wrapper": True,
}


# Helpers compiled per type as part of a kernel: the arithmetic options alone,
# since they are cached, and run, as part of the kernel that calls them; no
# wrapper of either kind (Numba gives an overload no CPython wrapper already).
_VARIANT_OPTIONS = {
    "error_model": "numpy",
    "fastmath": set(FASTMATH_FLAGS),
    "no_cfunc_wrapper": True,
}


#: Every dispatcher made here, so a damaged disk cache can be found and repaired.
_DISPATCHERS = weakref.WeakSet()
_disk_cache = threading.local()
_repair_lock = threading.RLock()
_cache_disabled = False


def _njit(function, **options):
    cache = (
        _COMMON_OPTIONS["cache"] and not _cache_disabled and getattr(_disk_cache, "enabled", True)
    )
    dispatcher = numba.njit(**dict(_COMMON_OPTIONS, cache=cache, **options))(function)
    _DISPATCHERS.add(dispatcher)
    return dispatcher


@contextlib.contextmanager
def without_disk_cache():
    """Let the kernels defined in the body (on this thread) skip Numba's disk cache.

    For source that has no file to cache next to.
    """
    _disk_cache.enabled = False
    try:
        yield
    finally:
        _disk_cache.enabled = True


def kernel(function):
    """Compile ``function`` as a serial xorfast kernel."""
    return _njit(function)


def inlined_kernel(function):
    """Compile ``function`` as :func:`kernel` does, and paste it into each kernel calling it.

    ``inline="always"`` inlines the Numba IR before LLVM sees it. LLVM's own
    inliner leaves a large callee (one holding a vectorised loop) as a call,
    which costs an argument shuffle per call inside the epoch loop and hides the
    buffers from the optimiser. Python callers still get a normal compiled
    function.
    """
    return _njit(function, inline="always")


def on_threads(work, shares):
    """Call ``work(share)`` for each share in ``range(shares)``, each on a thread of its own.

    The kernels release the GIL (``nogil``), so the shares run at once; this
    thread takes share 0. Python threads rather than ``parallel=True``: Numba's
    parfors passes cost seconds of compilation for every new kernel, and a
    parallel kernel would be compiled for every shape. An exception raised by
    a share is raised here, once every share has ended.
    """
    if shares == 1:
        work(0)
        return
    errors = [None] * shares

    def run(share):
        try:
            work(share)
        except BaseException as error:  # raised again on the calling thread
            errors[share] = error

    threads = [threading.Thread(target=run, args=(share,)) for share in range(1, shares)]
    for thread in threads:
        thread.start()
    run(0)
    for thread in threads:
        thread.join()
    for error in errors:
        if error is not None:
            raise error


def typed_variants(template):
    """Let kernels call the pure-Python ``template``, with one body per argument type.

    The decorated function receives the Numba types of the arguments and returns
    the Python function to compile for them (or None: no such variant). The
    chosen body is compiled with the kernels' arithmetic options; being small,
    LLVM inlines it into the calling loop, which can then vectorise.
    """
    return overload(template, jit_options=_VARIANT_OPTIONS)


_MACHINE_CODE = {}


def machine_code(dispatcher, args):
    """The compiled function of ``dispatcher`` for arguments typed like ``args``.

    A Numba dispatcher types every argument on every call, about 1 us per
    array inside a tuple, ten times the cost of the call itself here. Callers
    that call a kernel often look its machine code up here instead (compiling
    it or loading it from the disk cache the first time) and call it directly.

    The lookup is keyed by Numba's fingerprint of all of ``args`` (one C call,
    a few us for a kernel's dozen arrays): dtype, dimensions, memory layout and
    writability of every array, the type of every scalar, the fields of every
    named tuple. Compiled code reads an array by the layout it was compiled for,
    so code for one layout handed an array of another would read the wrong
    entries without a word; with the whole fingerprint in the key it never is.

    With ``NUMBA_DISABLE_JIT=1`` nothing compiles: every kernel is its plain
    Python function, returned here as it is, so it can be stepped through in pdb.
    """
    if numba.config.DISABLE_JIT:  # NUMBA_DISABLE_JIT=1: the kernel is the Python function
        return dispatcher
    try:
        key = compute_fingerprint(args)
    except (TypeError, ValueError, NotImplementedError):  # a type with no fingerprint
        key = tuple(numba.typeof(arg) for arg in args)
    found = _MACHINE_CODE.get((dispatcher, key))
    if found is None:
        signature = tuple(numba.typeof(arg) for arg in args)
        found = repairing_cache(lambda: _compile(dispatcher, signature))
        _MACHINE_CODE[(dispatcher, key)] = found
    return found


def compile_lock_path():
    """The file a process holds an exclusive ``flock`` on while it compiles kernels."""
    return cache.configured_folder() / "compile.lock"


_lock_held = threading.local()


@contextlib.contextmanager
def _compiling():
    """Hold the cache folder's compile lock (none without ``fcntl`` or a writable folder).

    Numba's cache index has no lock of its own. Two processes compiling one
    kernel for two signatures at once (two sweeps, two Dask workers) both read
    an index without their signature, both number their data file 1, and the
    index one leaves can list its signature beside the other's machine code.
    Holding this lock, a process compiles and saves while the others wait, and
    then finds its entry in the cache instead of compiling it again.
    """
    if fcntl is None or getattr(_lock_held, "depth", 0):
        yield
        return
    descriptor = None
    try:
        path = compile_lock_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(descriptor, fcntl.LOCK_EX)
    except OSError:  # no folder to lock in: compile unlocked, as Numba alone would
        if descriptor is not None:
            os.close(descriptor)
        descriptor = None
    _lock_held.depth = 1
    try:
        yield
    finally:
        _lock_held.depth = 0
        if descriptor is not None:
            os.close(descriptor)  # releases the flock


def _compile(dispatcher, signature):
    """``dispatcher.compile(signature)``, under the compile lock, checked against the cache.

    A cache entry written by two processes at once (before the lock, or by a
    process of an older xorfast) can list ``signature`` beside the machine
    code of another signature, which Numba loads without a check; called, it
    would read the arguments as the other types. Such an entry is deleted, with
    one warning, and the kernel compiled again.
    """
    with _compiling():
        found = dispatcher.compile(signature)
        compiled = dispatcher.overloads.get(signature)
        if compiled is not None and compiled.entry_point is found:
            return found
        files = _cache_files(dispatcher)
        if files is None:  # pragma: no cover - only a cache entry can hold the wrong code
            raise RuntimeError(f"Numba compiled {dispatcher} for another signature")
        index, data = files
        for path in (index, *data):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        warnings.warn(
            f"xorfast found a compiled-kernel cache entry in {index.parent} that held the "
            f"machine code of another signature of {dispatcher.py_func.__qualname__} "
            "(two processes compiled it at once); it was deleted and the kernel compiled again",
            RuntimeWarning,
            stacklevel=4,
        )
        return dispatcher.compile(signature)


def repairing_cache(action):
    """``action()``, run again once if it failed on a damaged or unwritable disk cache.

    ``action`` compiles kernels (or calls one, compiling it on first use). When
    it raises, the disk cache files of every xorfast kernel are checked; any
    that cannot be read back are deleted, with one ``RuntimeWarning`` naming
    their folder, and ``action`` runs again, compiling afresh and saving whole
    files. An ``OSError`` (a full disk, a folder turned read-only) turns the
    disk cache off for this process instead, with one warning. Any other
    error is the action's own and propagates unchanged.
    """
    try:
        return action()
    except OSError as error:
        if not disable_disk_cache(error):
            raise
    except Exception:
        with _repair_lock:
            damaged = damaged_cache_files()
            if not damaged:
                raise
            for path in damaged:
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
        folders = ", ".join(sorted({str(path.parent) for path in damaged}))
        warnings.warn(
            f"xorfast found damaged compiled-kernel cache files in {folders}; "
            "they were deleted and the kernels compiled again",
            RuntimeWarning,
            stacklevel=3,
        )
    return action()


def _cache_files(dispatcher):
    """The index file of ``dispatcher``'s disk cache and its data files (None: no cache)."""
    cache_file = getattr(getattr(dispatcher, "_cache", None), "_cache_file", None)
    index = getattr(cache_file, "_index_path", None)
    if index is None:
        return None
    index = Path(index)
    return index, sorted(index.parent.glob(f"{index.name[: -len('.nbi')]}.*.nbc"))


def _readable_pickle(path, *, index):
    """False if ``path`` exists but does not read back as Numba wrote it."""
    try:
        with open(path, "rb") as handle:
            if index:
                version = pickle.load(handle)
                if version != numba.__version__:
                    return True  # another Numba's; it ignores the rest, and so does Numba
            pickle.loads(handle.read())
    except FileNotFoundError:
        return True
    except Exception:  # truncated or overwritten: EOFError, UnpicklingError, anything
        return False
    return True


def damaged_cache_files():
    """Disk cache files of xorfast's kernels that cannot be read back, with their siblings.

    For each kernel with a damaged index or data file, all of its files are
    listed, so deleting them leaves nothing that points at a missing file.
    """
    damaged = []
    for dispatcher in list(_DISPATCHERS):
        files = _cache_files(dispatcher)
        if files is None:
            continue
        index, data = files
        if not (
            _readable_pickle(index, index=True)
            and all(_readable_pickle(path, index=False) for path in data)
        ):
            damaged.extend(path for path in (index, *data) if path.exists())
    return damaged


def disable_disk_cache(error):
    """Stop reading and writing Numba's disk cache in this process, after ``error``.

    Warns the first time; returns False when the cache was off already.
    """
    global _cache_disabled
    with _repair_lock:
        if _cache_disabled:
            return False
        _cache_disabled = True
        for dispatcher in list(_DISPATCHERS):
            cache = getattr(dispatcher, "_cache", None)
            if hasattr(cache, "disable"):
                cache.disable()
    reason = "the disk is full" if error.errno in (errno.ENOSPC, errno.EDQUOT) else str(error)
    warnings.warn(
        f"xorfast cannot save compiled kernels ({reason}: {error.filename or ''}); "
        "compiling without the disk cache in this process",
        RuntimeWarning,
        stacklevel=4,
    )
    return True
