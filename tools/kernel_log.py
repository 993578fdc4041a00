"""A pytest plugin that says which test compiles, or uses, which kernel.

Nearly all of a cold test run's time is Numba compiling kernels, so keeping the everyday
tier quick means knowing which test pays for which kernel and which other tests share it.
From the repository root::

    XORFAST_CACHE_DIR=$(mktemp -d) python -m pytest -p tools.kernel_log

writes ``kernel_log.tsv`` (or the file ``$XORFAST_KERNEL_LOG`` names): one line per
compilation with the test that caused it, the seconds it took (wall clock), the
function and its argument types. With ``XORFAST_KERNEL_LOG_USES=1``, run on a warm
cache, it lists instead every test's use of every kernel: after each test it forgets
the machine code it has loaded, so the next test to need a kernel loads it from the
disk cache again, and each load is a line. A kernel whose users are all in the slow
tier is compiled by none of the everyday one.
"""

import os
import re
import time

import numba.core.caching
import numba.core.event
import pytest

_test = ["<collection>"]
_lines = []
_open = []  # [start, seconds of nested compiles] of the compilations under way


def _name(function):
    name = f"{getattr(function, '__module__', '?')}.{function.__qualname__}"
    return re.sub(r"_[0-9a-f]{16}", "", name)  # generated modules: drop the digests


def _dtype(types):
    text = str(types)
    return "float32" if "float32" in text else "float64" if "float64" in text else "-"


class _Compilations(numba.core.event.Listener):
    def on_start(self, event):
        _open.append([time.perf_counter(), 0.0])

    def on_end(self, event):
        start, _nested = _open.pop()
        seconds = time.perf_counter() - start
        if _open:
            _open[-1][1] += seconds
            return  # counted in the compilation that caused it
        function = event.data["dispatcher"].py_func
        args = event.data["args"]
        _lines.append((_test[0], f"{seconds:.2f}", _dtype(args), _name(function), str(args)))


def _record_loads():
    load = numba.core.caching.Cache.load_overload

    def logged(self, sig, target_context):
        found = load(self, sig, target_context)
        if found is not None:
            _lines.append((_test[0], "load", _dtype(sig), _name(self._py_func), str(sig)))
        return found

    numba.core.caching.Cache.load_overload = logged


_USES = os.environ.get("XORFAST_KERNEL_LOG_USES") == "1"
if _USES:
    _record_loads()
else:
    numba.core.event.register("numba:compile", _Compilations())


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item, nextitem):
    """Name the test that the compilations and loads from here on belong to."""
    _test[0] = item.nodeid


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item, nextitem):
    """With ``XORFAST_KERNEL_LOG_USES=1``, forget the loaded machine code."""
    if not _USES:
        return
    from xorfast._compiled import jit

    jit._MACHINE_CODE.clear()
    for dispatcher in list(jit._DISPATCHERS):
        dispatcher._reset_overloads()


def pytest_unconfigure(config):
    """Write the log."""
    path = os.environ.get("XORFAST_KERNEL_LOG", "kernel_log.tsv")
    with open(path, "w") as log:
        log.write("test\tseconds\tdtype\tfunction\targuments\n")
        for line in _lines:
            log.write("\t".join(line) + "\n")
