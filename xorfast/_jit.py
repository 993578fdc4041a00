"""The one place where xorfast chooses its Numba compilation options.

Every compiled function in the package is decorated with :func:`kernel` (or
:func:`inlined_kernel`, :func:`parallel_kernel`), so the options below are the whole story; helpers
with one body per float type use :func:`typed_variants`.
"""

import numba
from numba._dispatcher import compute_fingerprint
from numba.extending import overload

#: Floating-point relaxations the kernels may use. ``contract`` lets LLVM fuse
#: ``a * b + c`` into one FMA instruction; ``arcp`` lets it replace a division
#: by a multiplication with the reciprocal; ``nsz`` ignores the sign of zero.
#: ``nnan`` and ``ninf`` are deliberately left out: with them LLVM may assume
#: values are finite and delete the very checks that report a diverging run.
#: ``reassoc`` is left out so every sum is taken in the order the code writes
#: it, which keeps results independent of vector width and block size.
FASTMATH_FLAGS = frozenset({"contract", "arcp", "nsz"})

_COMMON_OPTIONS = {
    # Cache machine code on disk next to the module, so a new process (a CLI
    # call, a Dask worker) loads it instead of compiling again.
    "cache": True,
    # Release the GIL while a kernel runs, so thread pools really overlap.
    "nogil": True,
    # Division by zero gives inf/nan as in NumPy instead of raising, so a
    # diverging run finishes and is reported as diverged.
    "error_model": "numpy",
    "fastmath": set(FASTMATH_FLAGS),
}


# Helpers compiled per type as part of a kernel: the arithmetic options alone,
# since they are cached, and run, as part of the kernel that calls them.
_VARIANT_OPTIONS = {"error_model": "numpy", "fastmath": set(FASTMATH_FLAGS)}


def kernel(function):
    """Compile ``function`` as a serial xorfast kernel."""
    return numba.njit(**_COMMON_OPTIONS)(function)


def inlined_kernel(function):
    """Compile ``function`` as :func:`kernel` does, and paste it into each kernel calling it.

    ``inline="always"`` inlines the Numba IR before LLVM sees it. LLVM's own
    inliner leaves a large callee (one holding a vectorised loop) as a call,
    which costs an argument shuffle per call inside the epoch loop and hides the
    buffers from the optimiser. Python callers still get a normal compiled
    function.
    """
    return numba.njit(inline="always", **_COMMON_OPTIONS)(function)


def parallel_kernel(function):
    """Compile ``function`` as a kernel whose ``numba.prange`` loops run on threads."""
    return numba.njit(parallel=True, **_COMMON_OPTIONS)(function)


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
    """
    try:
        key = compute_fingerprint(args)
    except (TypeError, ValueError, NotImplementedError):  # a type with no fingerprint
        key = tuple(numba.typeof(arg) for arg in args)
    found = _MACHINE_CODE.get((dispatcher, key))
    if found is None:
        signature = tuple(numba.typeof(arg) for arg in args)
        found = _MACHINE_CODE[(dispatcher, key)] = dispatcher.compile(signature)
    return found
