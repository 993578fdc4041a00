"""Cold compile time of a new network shape: each case in a fresh process and cache folder.

Usage (from the repository root)::

    python bench/cold_compile.py            # every case, once each
    python bench/cold_compile.py --repeats 3 sweep train

Each case runs in a subprocess with a fresh, empty ``XORFAST_CACHE_DIR`` (so every kernel,
hand-written or generated, compiles) and reports the wall time of its first call, from
the call to its return, with the import of xorfast (and Numba) timed apart. The calls
train 10 epochs, so the figure is the compilation (and the cache saving) alone. Issue 16's
goals: a sweep of a new shape within 3 s, a single run of a new shape within 1 s.

The CPU time of the call is printed too (a busy machine stretches the wall time, far
less the CPU time: compiling runs on one thread). A third figure, ``warm``, is the same
first call in a second process on the cache the first one left: loading the machine code
from disk.

The figures are printed, never asserted: they are one machine's, on its load of the moment.

Figures of this project's machine (Intel Xeon, Emerald Rapids, family 6 model 207, 2 vCPUs,
Numba 0.68.1), measured while other jobs kept its load near 5, so the wall times are two to
three times the CPU times: a sweep of a new shape (``sweep``) 3.4-4.5 s of CPU (median 3.6,
against 4.1 for the code before the initialisation kernel's rework, in alternated runs), a
single run (``train``) 1.4-2.1 s; on a quiet moment before that rework, 3.74 s and 1.26 s.
Of a cold sweep, about 0.45 s is Numba's own set-up at its first compilation in a process
(its typing registries, and ``numba.np.arraymath`` importing ``scipy.linalg`` to look for
BLAS when SciPy is installed), 0.35-0.5 s the initialisation kernel shared by every shape
(compiled once per cache folder), the rest the shape's module; ``import xorfast`` compiles
nothing.

With ``--profile`` a case's first call runs under cProfile in this process (fresh cache
folder too) and the functions with the most cumulative time are printed.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: name -> the first call, a Python expression using ``xorfast``.
CASES = {
    "train": "xorfast.train(hidden=3, epochs=10, seed=0)",
    "train_momentum": "xorfast.train(hidden=3, epochs=10, seed=0, momentum=0.9)",
    "train_stop": "xorfast.train(hidden=3, epochs=10, seed=0, stop='solved')",
    "sweep": "xorfast.sweep(hidden=[3], seeds=64, epochs=10, progress=False)",
    "sweep_float32": (
        "xorfast.sweep(hidden=[3], seeds=64, epochs=10, dtype='float32', progress=False)"
    ),
    "sweep_momentum": (
        "xorfast.sweep(hidden=[3], seeds=64, epochs=10, momentum=[0.9], progress=False)"
    ),
    "sweep_stop": "xorfast.sweep(hidden=[3], seeds=64, epochs=10, stop='solved', progress=False)",
    # Past the unrolling limit: the generic kernels.
    "sweep_generic": "xorfast.sweep(hidden=[40], seeds=64, epochs=10, progress=False)",
    "train_generic": "xorfast.train(hidden=40, epochs=10, seed=0)",
}

GOALS = {"train": 1.0, "sweep": 3.0}

_CHILD = """
import sys, time
began = time.perf_counter()
import xorfast
imported = time.perf_counter()
cpu = time.process_time()
{call}
done = time.perf_counter()
print(imported - began, done - imported, time.process_time() - cpu)
"""


def measure(case, cache):
    """(import, first call, its CPU time) in seconds of ``case`` in a new process on ``cache``."""
    env = dict(os.environ, XORFAST_CACHE_DIR=str(cache), PYTHONPATH=str(ROOT))
    child = _CHILD.format(call=CASES[case])
    done = subprocess.run(
        [sys.executable, "-c", child], env=env, capture_output=True, text=True, timeout=900
    )
    if done.returncode:
        raise RuntimeError(f"{case} failed:\n{done.stderr}")
    imported, called, cpu = (float(value) for value in done.stdout.split()[-3:])
    return imported, called, cpu


def profile(case, top):
    """Run ``case`` under cProfile in this process on a fresh cache folder; print the top."""
    import cProfile
    import pstats

    os.environ["XORFAST_CACHE_DIR"] = tempfile.mkdtemp(prefix="xorfast-cold-")
    sys.path.insert(0, str(ROOT))
    import xorfast

    profiler = cProfile.Profile()
    began = time.perf_counter()
    profiler.runcall(eval, CASES[case], {"xorfast": xorfast})
    print(f"{case}: {time.perf_counter() - began:.2f} s under cProfile")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(top)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="*", help=f"default: all of {', '.join(CASES)}")
    parser.add_argument("--repeats", type=int, default=1, help="fresh caches per case")
    parser.add_argument("--profile", action="store_true", help="cProfile one case instead")
    parser.add_argument("--top", type=int, default=40)
    options = parser.parse_args(argv)
    cases = options.cases or list(CASES)
    unknown = sorted(set(cases) - set(CASES))
    if unknown:
        parser.error(f"unknown cases {unknown}; choose from {', '.join(CASES)}")
    if options.profile:
        profile(cases[0], options.top)
        return 0
    print(f"{'case':16} {'import s':>9} {'cold s':>7} {'cpu s':>7} {'warm s':>7}  goal")
    for case in cases:
        best = (float("inf"),) * 3
        warm = float("inf")
        for _ in range(options.repeats):
            with tempfile.TemporaryDirectory(prefix="xorfast-cold-") as cache:
                imported, called, cpu = measure(case, cache)
                best = min(best, (called, cpu, imported))
                warm = min(warm, measure(case, cache)[1])
        called, cpu, imported = best
        goal = GOALS.get(case)
        mark = "" if goal is None else f"<= {goal} s" + ("" if called <= goal else "  MISSED")
        figures = f"{imported:9.2f} {called:7.2f} {cpu:7.2f} {warm:7.2f}"
        print(f"{case:16} {figures}  {mark}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
