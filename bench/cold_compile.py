"""Cold compile time of a new network shape: each case in a fresh process and cache folder.

Usage (from the repository root)::

    python bench/cold_compile.py            # every case, once each
    python bench/cold_compile.py --repeats 5 sweep train
    python bench/cold_compile.py --attribute --repeats 5 sweep train_second

Each case runs in a subprocess with a fresh, empty ``XORFAST_CACHE_DIR`` (so every kernel,
hand-written or generated, compiles) and reports the wall time of its first call, from
the call to its return, with the import of xorfast (and Numba) timed apart. The calls
train 10 epochs, so the figure is the compilation (and the cache saving) alone. Issue 16's
goals: a sweep of a new shape within 3 s, a single run of a new shape within 1 s. The
``*_second`` cases time a new shape (2-4-1) on a cache folder that holds another (2-3-1,
run first in a process of its own): the kernels every shape shares are on disk then, as
they are for a user after the first shape. With ``--repeats`` each figure is the median
of that many fresh folders, with the range beside it.

The CPU time of the call is printed too (a busy machine stretches the wall time, far
less the CPU time: compiling runs on one thread). A third figure, ``warm``, is the same
first call in a second process on the cache the first one left: loading the machine code
from disk.

``--attribute`` takes the CPU time of a case's first call apart instead: Numba's set-up at
its first compilation in a process (run before the call and timed on its own, with the
``scipy.linalg`` import that ``numba.np.arraymath`` makes to look for BLAS apart), each
compile's own time (without the compiles it sets off) by kind of function, Numba's disk
cache look-ups and saves, and the rest of the call.

The figures are printed, never asserted: they are one machine's, on its load of the moment.

Figures of this project's machine (Intel Xeon, Emerald Rapids, family 6 model 207, 2 vCPUs,
Numba 0.68.1, SciPy 1.17.1), ``--attribute --repeats 5``, medians in seconds of CPU, taken
while other jobs kept the load near 6 (which stretches CPU times too, by about a quarter
against a quiet moment: then ``sweep`` takes about 3.3 s and ``train`` 1.3 s; the code
before kernels dropped Numba's C-callable wrapper measured the same within this noise):

==========================================  =====  =====  ============  ============
part                                        train  sweep  train_second  sweep_second
==========================================  =====  =====  ============  ============
Numba set-up: ``scipy.linalg`` (BLAS)       0.17   0.20   0.19          0.20
Numba set-up: the rest (registries)         0.27   0.27   0.27          0.25
Numba's library functions (``np.empty``..)  --     0.32   --            0.20
the initialisation kernel (per folder)      --     0.47   --            --
xorfast's typed helpers (per process)       0.20   0.14   0.19          0.14
the shape's generated module                1.19   2.86   1.32          3.16
cache look-ups and saves                    0.02   0.05   0.02          0.06
the rest of the call                        0.01   0.01   0.01          0.01
total                                       1.86   4.32   1.98          4.03
==========================================  =====  =====  ============  ============

So the shape's own module is two thirds of a cold sweep and of a cold single run; the
rest is paid once per process (Numba's set-up, its library functions, the helpers) or
once per cache folder (the initialisation kernel). Loading a generated module, the
compile lock and Numba's cache index cost milliseconds; nothing compiles that the call
does not use. Of the SciPy import, most is SciPy's own ``array_api_compat`` copying
NumPy's namespace, which imports ``numpy.f2py`` and ``numpy.testing``; Numba makes it
at the import of ``numba.np.arraymath``, before anything is compiled or loaded from the
cache, so xorfast cannot avoid it without patching Numba. Within the shape's module,
Numba's pass timers give its typing (each scalar operation tries NumPy's ufunc rules
first), its lowering and LLVM's optimisation a quarter to two fifths of the time each.
``import xorfast`` compiles nothing.

With ``--profile`` a case's first call runs under cProfile in this process (fresh cache
folder too) and the functions with the most cumulative time are printed.
"""

import argparse
import os
import statistics
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
    # A new shape on a cache folder that holds another one already (run first, in a
    # process of its own): the kernels every shape shares are on disk, only the
    # shape's own module compiles.
    "train_second": "xorfast.train(hidden=4, epochs=10, seed=0)",
    "sweep_second": "xorfast.sweep(hidden=[4], seeds=64, epochs=10, progress=False)",
}

#: case -> the case run first on its cache folder, in a process of its own.
BEFORE = {"train_second": "train", "sweep_second": "sweep"}

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

# The first call in a child, its CPU time taken apart (see attribute()).
_ATTRIBUTE = """
import sys, time
import xorfast
from numba.core import caching, event
from numba.core.registry import cpu_target
from xorfast._compiled import jit

parts = {{}}

def add(part, seconds):
    parts[part] = parts.get(part, 0.0) + seconds

began = time.process_time()
try:
    import scipy.linalg.cython_blas  # what numba.np.arraymath imports to look for BLAS
except ImportError:
    pass
add("numba setup: scipy.linalg (BLAS check)", time.process_time() - began)
began = time.process_time()
cpu_target.target_context.refresh()
cpu_target.typing_context.refresh()
add("numba setup: the rest (its registries)", time.process_time() - began)

def timed(part, function):
    def wrapper(*args, **kwargs):
        began = time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            spent = time.process_time() - began
            add(part, spent)
            if stack:
                stack[-1][1] += spent  # not the compile's own work
    return wrapper

stack = []
caching.FunctionCache.load_overload = timed("cache: look-ups", caching.FunctionCache.load_overload)
caching.FunctionCache.save_overload = timed("cache: saving", caching.FunctionCache.save_overload)

def kind(dispatcher):
    module = getattr(getattr(dispatcher, "py_func", None), "__module__", "") or ""
    if module.startswith(("xorfast_kernel_", "xorfast_train_")):
        return "the shape's generated module"
    if dispatcher in jit._DISPATCHERS:
        return "hand-written kernels (once per cache folder)"
    if module.startswith("xorfast."):
        return "xorfast helpers (once per process)"
    return "Numba's library functions (once per process)"

class Compiles(event.Listener):
    def on_start(self, ev):
        stack.append([time.process_time(), 0.0])

    def on_end(self, ev):
        began, nested = stack.pop()
        spent = time.process_time() - began
        if stack:
            stack[-1][1] += spent
        add("compile: " + kind(ev.data.get("dispatcher")), spent - nested)

event.register("numba:compile", Compiles())
began = time.process_time()
{call}
total = time.process_time() - began
add("everything else in the call", total - sum(
    seconds for part, seconds in parts.items() if not part.startswith("numba setup")
))
for part, seconds in parts.items():
    print(f"{{seconds:.6f}} {{part}}")
"""


def _environment(cache):
    return dict(os.environ, XORFAST_CACHE_DIR=str(cache), PYTHONPATH=str(ROOT))


def _run(child, cache):
    done = subprocess.run(
        [sys.executable, "-c", child],
        env=_environment(cache),
        capture_output=True,
        text=True,
        timeout=900,
    )
    if done.returncode:
        raise RuntimeError(f"the child process failed:\n{done.stderr}")
    return done.stdout


def measure(case, cache):
    """(import, first call, its CPU time) in seconds of ``case`` in a new process on ``cache``."""
    output = _run(_CHILD.format(call=CASES[case]), cache)
    imported, called, cpu = (float(value) for value in output.split()[-3:])
    return imported, called, cpu


def prepare(case, cache):
    """Run the case ``case`` needs on its cache folder first, if any."""
    if case in BEFORE:
        measure(BEFORE[case], cache)


def attribute(case, cache):
    """``{part: CPU seconds}`` of ``case``'s first call in a new process on ``cache``.

    The parts: Numba's set-up at its first compilation in a process (done here
    before the call, SciPy's BLAS import apart), the compile time of each kind
    of function (each compile's own time, without the compiles it sets off),
    Numba's disk cache look-ups and saves, and the rest of the call.
    """
    output = _run(_ATTRIBUTE.format(call=CASES[case]), cache)
    parts = {}
    for line in output.strip().splitlines():
        seconds, part = line.split(" ", 1)
        parts[part] = float(seconds)
    return parts


def profile(case, top):
    """Run ``case`` under cProfile in this process on a fresh cache folder; print the top."""
    import cProfile
    import pstats

    os.environ["XORFAST_CACHE_DIR"] = tempfile.mkdtemp(prefix="xorfast-cold-")
    if case in BEFORE:
        prepare(case, os.environ["XORFAST_CACHE_DIR"])
    sys.path.insert(0, str(ROOT))
    import xorfast

    profiler = cProfile.Profile()
    began = time.perf_counter()
    profiler.runcall(eval, CASES[case], {"xorfast": xorfast})
    print(f"{case}: {time.perf_counter() - began:.2f} s under cProfile")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(top)


def _spread(values):
    return f"{statistics.median(values):5.2f} ({min(values):.2f}-{max(values):.2f})"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="*", help=f"default: all of {', '.join(CASES)}")
    parser.add_argument("--repeats", type=int, default=1, help="fresh caches per case")
    parser.add_argument("--profile", action="store_true", help="cProfile one case instead")
    parser.add_argument(
        "--attribute", action="store_true", help="take each case's CPU time apart instead"
    )
    parser.add_argument("--top", type=int, default=40)
    options = parser.parse_args(argv)
    cases = options.cases or list(CASES)
    unknown = sorted(set(cases) - set(CASES))
    if unknown:
        parser.error(f"unknown cases {unknown}; choose from {', '.join(CASES)}")
    if options.profile:
        profile(cases[0], options.top)
        return 0
    if options.attribute:
        for case in cases:
            runs = []
            for _ in range(options.repeats):
                with tempfile.TemporaryDirectory(prefix="xorfast-cold-") as cache:
                    prepare(case, cache)
                    runs.append(attribute(case, cache))
            print(f"{case}: CPU s, median (range) of {options.repeats}")
            for part in dict.fromkeys(part for run in runs for part in run):
                print(f"  {part:54} {_spread([run.get(part, 0.0) for run in runs])}")
            print(f"  {'total':54} {_spread([sum(run.values()) for run in runs])}", flush=True)
        return 0
    print(f"median (range) of {options.repeats} fresh cache folders per case, in seconds")
    print(f"{'case':15} {'import':>16} {'cold':>16} {'cpu':>16} {'warm':>16}  goal")
    for case in cases:
        runs = []
        for _ in range(options.repeats):
            with tempfile.TemporaryDirectory(prefix="xorfast-cold-") as cache:
                prepare(case, cache)
                imported, called, cpu = measure(case, cache)
                runs.append((imported, called, cpu, measure(case, cache)[1]))
        imported, called, cpu, warm = zip(*runs)
        goal = GOALS.get(case)
        median = statistics.median(called)
        mark = "" if goal is None else f"<= {goal} s" + ("" if median <= goal else "  MISSED")
        figures = " ".join(_spread(values) for values in (imported, called, cpu, warm))
        print(f"{case:15} {figures}  {mark}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
