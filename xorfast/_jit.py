"""The one place where xorfast chooses its Numba compilation options.

Every compiled function in the package is decorated with :func:`kernel` (or
:func:`parallel_kernel`), so the options below are the whole story.
"""

import numba

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


def kernel(function):
    """Compile ``function`` as a serial xorfast kernel."""
    return numba.njit(**_COMMON_OPTIONS)(function)


def parallel_kernel(function):
    """Compile ``function`` as a kernel whose ``numba.prange`` loops run on threads."""
    return numba.njit(parallel=True, **_COMMON_OPTIONS)(function)
