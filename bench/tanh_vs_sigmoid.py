"""Nanoseconds per element of ``tanh_inplace`` and ``sigmoid_inplace``, both dtypes.

Run ``python -m bench.tanh_vs_sigmoid`` from the repository root. Each loop
runs inside one compiled driver, as in a kernel (no dispatch per call): the
activation is inlined there with the kernels' arithmetic options, over a
4096-element array refilled from the same inputs each time (the copy alone is
timed too and taken off). Both functions are branch-free, so the inputs'
values do not change the time. Issue 15 asks tanh sweeps to stay within 1.2x
of sigmoid sweeps; the ratio printed is tanh's time over the sigmoid's.
"""

import argparse
import platform
import subprocess

import numba
import numpy as np

from xorfast._compiled.jit import FASTMATH_FLAGS
from xorfast._compiled.sigmoid import sigmoid_inplace, sigmoid_pairs_inplace
from xorfast._compiled.tanh import tanh_inplace, tanh_pairs_inplace
from xorfast.benchmarks import best_time

_OPTIONS = {"error_model": "numpy", "fastmath": set(FASTMATH_FLAGS)}


def _driver(activation):
    """A compiled loop applying ``activation`` to a fresh copy of ``source``, ``times`` times."""

    def run(source, work, times):
        for _ in range(times):
            work[:] = source
            activation(work)

    return numba.njit(**_OPTIONS)(run)


def _pair_driver(activation):
    def run(source, work, other, times):
        half = source.shape[0] // 2
        for _ in range(times):
            work[:] = source[:half]
            other[:] = source[half:]
            activation(work, other)

    return numba.njit(**_OPTIONS)(run)


@numba.njit(**_OPTIONS)
def _copy_only(source, work, times):
    for _ in range(times):
        work[:] = source


def cpu_name():
    """The CPU's model name as ``lscpu`` gives it (or the platform's description)."""
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
            if line.startswith("Model name:"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def measure(size=4096, times=2000, rounds=5):
    """``{(dtype, form): ns per element}`` for the single and paired forms of both activations.

    The forms take turns, ``rounds`` times, and each keeps its best time, so
    a busy spell on a shared machine does not fall on one of them alone.
    """
    rng = np.random.default_rng(0)
    drivers = {
        "sigmoid": _driver(sigmoid_inplace),
        "tanh": _driver(tanh_inplace),
        "sigmoid pairs": _pair_driver(sigmoid_pairs_inplace),
        "tanh pairs": _pair_driver(tanh_pairs_inplace),
    }
    results = {}
    for dtype in (np.float64, np.float32):
        source = rng.normal(0, 2, size).astype(dtype)
        work, half = np.empty_like(source), np.empty(size // 2, dtype)
        other = np.empty_like(half)
        calls = {"copy": lambda s=source, w=work: _copy_only(s, w, times)}
        for name, driver in drivers.items():
            arrays = (source, half, other) if "pairs" in name else (source, work)
            calls[name] = lambda d=driver, a=arrays: d(*a, times)
        best = dict.fromkeys(calls, float("inf"))
        for _ in range(rounds):
            for name, call in calls.items():
                best[name] = min(best[name], best_time(call, repeats=3))
        for name in drivers:
            results[dtype.__name__, name] = (best[name] - best["copy"]) / (times * size) * 1e9
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=4096)
    parser.add_argument("--times", type=int, default=2000)
    arguments = parser.parse_args()
    results = measure(arguments.size, arguments.times)
    print(f"CPU: {cpu_name()}; {arguments.size} elements; ns per element (best of 15)")
    for dtype in ("float64", "float32"):
        for form in ("", " pairs"):
            sigmoid, tanh = results[dtype, "sigmoid" + form], results[dtype, "tanh" + form]
            print(
                f"{dtype}{form:7} sigmoid {sigmoid:6.3f}  tanh {tanh:6.3f}  "
                f"tanh / sigmoid {tanh / sigmoid:5.2f}"
            )


if __name__ == "__main__":
    main()
