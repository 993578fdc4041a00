"""Ctrl-C on the command line: a short message and exit status 130, never a traceback.

Python turns Ctrl-C into a ``KeyboardInterrupt`` wherever the main thread is,
and three places cannot take one:

- LLVM's code generation calls back into Python (llvmlite's object cache),
  and an exception raised in such a callback is printed and dropped: the
  interrupt was lost and the sweep ran on, or Numba failed later with a
  traceback. While llvmlite is on the stack the interrupt is noted and raised
  again a moment later, once it has returned.
- Each import drops its module's lock through a weakref callback, where an
  exception is printed and dropped as well ("Exception ignored in ...
  _get_module_lock.<locals>.cb"); the interrupt is raised again a moment later
  in the same way.
- A local Dask cluster cut off half-started logs the failures of each of its
  parts and fails again at exit. Its start is let finish (:func:`deferred`),
  then the interrupt is raised and the cluster closes in order.

Once Ctrl-C has been pressed, logging is silenced: what is left to say is the
command's own message.
"""

import _thread
import contextlib
import logging
import signal
import threading

#: Seconds before an interrupt that arrived inside llvmlite is raised again.
RETRY = 0.05

_seen = threading.Event()
_active = threading.Event()
_deferring = 0


def interrupted():
    """Whether Ctrl-C has been pressed since :func:`handling` began."""
    return _seen.is_set()


@contextlib.contextmanager
def handling():
    """Route Ctrl-C through this module for the body (main thread only; else a no-op)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _seen.clear()
    previous = signal.signal(signal.SIGINT, _handler)
    _active.set()
    try:
        yield
    finally:
        _active.clear()
        signal.signal(signal.SIGINT, previous)
        if _seen.is_set():
            logging.disable(logging.NOTSET)
        _seen.clear()


@contextlib.contextmanager
def deferred():
    """Hold Ctrl-C while the body runs; raise it as KeyboardInterrupt when the body ends."""
    global _deferring
    _deferring += 1
    try:
        yield
    finally:
        _deferring -= 1
    if _seen.is_set():
        raise KeyboardInterrupt


def _handler(signum, frame):
    if not _seen.is_set():
        logging.disable(logging.CRITICAL)
    _seen.set()
    if _deferring:
        return
    if _inside_llvmlite(frame) or _in_import_lock_callback(frame):
        timer = threading.Timer(RETRY, _interrupt_again)
        timer.daemon = True
        timer.start()
        return
    raise KeyboardInterrupt


def _interrupt_again():
    if _active.is_set():  # not once the command has ended
        _thread.interrupt_main()


def _in_import_lock_callback(frame):
    if frame is None:
        return False
    code = frame.f_code
    return code.co_filename == "<frozen importlib._bootstrap>" and code.co_name == "cb"


def _inside_llvmlite(frame):
    while frame is not None:
        if "llvmlite" in frame.f_code.co_filename:
            return True
        frame = frame.f_back
    return False
