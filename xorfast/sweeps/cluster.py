"""Run sweep blocks on a Dask cluster (the optional extra: ``pip install 'xorfast[dask]'``).

:func:`dask_executor` connects to a running scheduler, or starts a cluster of
worker processes on this machine, for the length of a ``with`` block, and
yields a ``concurrent.futures`` executor for :func:`xorfast.sweep`. Blocks go
to the workers as a reference to :func:`xorfast.sweeps.blocks.run_block` plus their
small arrays; rows come back to the driver, which alone writes the store.

Thread discipline: a Dask worker with ``nthreads`` threads runs up to
``nthreads`` blocks at once, so each block gets one thread
(:class:`ThreadBudget`). A worker therefore keeps ``nthreads`` cores busy,
never ``nthreads`` times all the cores of its machine. The budget is set by a
worker plugin rather than by ``NUMBA_NUM_THREADS`` in the workers' environment:
a spawned worker re-imports the driver's main module, which may import Numba
(and fix its thread count) before the nanny sets the environment.

Failing cleanly: before a client is made, a probe with a hard deadline asks
whether a scheduler answers at the address (``distributed.Client`` alone can
wait forever on something that accepts connections and says nothing). The
workers of a local cluster ignore Ctrl-C from birth, so that a terminal's
Ctrl-C reaches the driver alone, which closes the cluster in order.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Iterator

try:
    import distributed
except ImportError as error:
    raise ImportError(
        "running sweeps on Dask needs the optional dependency "
        "dask[distributed]; install it with: pip install 'xorfast[dask]'"
    ) from error

from .. import _validation
from . import blocks

#: Seconds to wait for a scheduler before giving up with :class:`ConnectionError`.
CONNECT_TIMEOUT = 10.0


class ThreadBudget(distributed.WorkerPlugin):
    """Let each block on a worker use one thread: Dask runs one block per worker thread.

    Registered once per cluster by :func:`prepare`; the scheduler also hands it
    to workers that join later, or that a nanny restarts after a crash.
    """

    name = "xorfast-thread-budget"
    idempotent = True

    def setup(self, worker):
        """Set the budget in the worker's process."""
        blocks.set_thread_budget(1)

    def teardown(self, worker):
        """Give the process back its default, ``NUMBA_NUM_THREADS`` threads per block."""
        blocks.set_thread_budget(None)


class _DriverHandlesInterrupts(distributed.WorkerPlugin):
    """Ignore Ctrl-C in a worker of a local cluster; the driver shuts the cluster down.

    A terminal sends Ctrl-C to the driver and to its worker processes alike;
    without this each worker prints its own KeyboardInterrupt traceback.
    """

    name = "xorfast-driver-handles-interrupts"

    def setup(self, worker):
        """Ignore SIGINT in the worker's process."""
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, signal.SIG_IGN)


def prepare(executor: distributed.cfexecutor.ClientExecutor) -> int:
    """Set up the cluster behind a Dask ``executor`` for sweeps; return its worker threads.

    Parameters
    ----------
    executor : distributed.cfexecutor.ClientExecutor
        From ``client.get_executor()``.

    Returns
    -------
    int
        The number of blocks the cluster runs at once now (0 if it has no
        workers yet).
    """
    # ClientExecutor keeps its client only as a private attribute.
    client = executor._client
    client.register_plugin(ThreadBudget())
    return sum(client.nthreads().values())


def local_cluster(workers: int) -> distributed.LocalCluster:
    """A ``distributed.LocalCluster`` of ``workers`` processes on this machine's loopback.

    The cores are shared out: ``cpu_count // workers`` threads per worker (at
    least one). Nannies restart a worker process that dies; its blocks run
    again elsewhere.
    """
    workers = _validation.integer("workers", workers, minimum=1)
    threads = max(1, (os.cpu_count() or 1) // workers)
    # Any free loopback port for the scheduler's web server: with no address it
    # takes 8787, or warns and moves when another cluster already has that.
    return distributed.LocalCluster(
        n_workers=workers,
        threads_per_worker=threads,
        processes=True,
        host="127.0.0.1",
        dashboard_address="127.0.0.1:0",
        plugins=(ThreadBudget(), _DriverHandlesInterrupts()),
    )


@contextlib.contextmanager
def _workers_ignore_ctrl_c():
    """Local worker processes started in the body ignore Ctrl-C from their first instruction.

    A terminal sends Ctrl-C to every process of its foreground group, the
    driver and its workers alike. A worker still importing its modules prints a
    KeyboardInterrupt traceback, and one stopped half-started makes its nanny
    log failures. So the workers are forked from a forkserver started with
    Ctrl-C ignored, which its children inherit; the driver alone handles
    Ctrl-C and shuts the cluster down. Where there is no forkserver, or off the
    main thread, Dask's default start method is kept.
    """
    if "forkserver" not in multiprocessing.get_all_start_methods():
        yield
        return
    from multiprocessing import forkserver, resource_tracker

    import dask

    with dask.config.set({"distributed.worker.multiprocessing-method": "forkserver"}):
        # Dask names what the forkserver preloads when it first makes its context.
        distributed.utils.get_mp_context()
        if threading.current_thread() is threading.main_thread():
            # Keep the moment Ctrl-C is ignored here short: one fork and exec.
            resource_tracker.ensure_running()
            previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
            try:
                forkserver.ensure_running()
            finally:
                if previous is not None:
                    signal.signal(signal.SIGINT, previous)
        yield


@contextlib.contextmanager
def dask_executor(
    scheduler: str | None = None, *, workers: int | None = None, timeout: float | None = None
) -> Iterator[concurrent.futures.Executor]:
    """Yield an executor that runs sweep blocks on Dask; close everything on exit.

    Parameters
    ----------
    scheduler : str, optional
        Address of a running scheduler, e.g. ``"tcp://10.0.0.5:8786"``.
    workers : int, optional
        Instead, start a :func:`local_cluster` of this many worker processes
        for the length of the ``with`` block.
    timeout : float, optional
        Seconds to wait for the scheduler; default :data:`CONNECT_TIMEOUT`.

    Yields
    ------
    concurrent.futures.Executor
        For :func:`xorfast.sweep`'s ``executor``.

    Raises
    ------
    ConnectionError
        No scheduler answered within ``timeout`` (nothing listens there, or
        what answers is not a Dask scheduler).
    ValueError
        ``scheduler`` is not a Dask address (no port, unknown scheme).

    Examples
    --------
    >>> with dask_executor(workers=2) as executor:  # doctest: +SKIP
    ...     result = xorfast.sweep(seeds=10_000, hidden=[2, 4], executor=executor)
    """
    if (scheduler is None) == (workers is None):
        raise ValueError(
            "pass either scheduler (the address of a running Dask scheduler) "
            "or workers (how many local worker processes to start), not both"
        )
    timeout = CONNECT_TIMEOUT if timeout is None else timeout
    with contextlib.ExitStack() as stack:
        if workers is not None:
            stack.enter_context(_workers_ignore_ctrl_c())
            address = stack.enter_context(local_cluster(workers))
        else:
            address = scheduler
        if workers is not None:
            client = stack.enter_context(
                distributed.Client(address, timeout=timeout, set_as_default=False)
            )
        else:
            client = stack.enter_context(_connect(scheduler, timeout))
        try:
            yield client.get_executor()
        except BaseException:
            if workers is not None:
                # Closing the cluster cancels the blocks still running; the
                # workers of our own cluster need not log each one.
                with contextlib.suppress(Exception):
                    client.run(_quiet_logging)
            raise


def _quiet_logging():
    logging.disable(logging.WARNING)


def _connect(scheduler, timeout):
    """A client of the scheduler at ``scheduler``, or ConnectionError within ``timeout``.

    ``distributed.Client`` alone can wait forever at an address where something
    accepts connections but never answers as a scheduler (its handshake read
    has no time limit), and a client that failed to connect blocks the process
    at exit. So a probe with a hard deadline asks first whether a scheduler
    answers there, and only then is the client made.
    """
    _check_address(scheduler)
    started = time.monotonic()
    problem = _probe(scheduler, timeout)
    if problem is None:
        left = max(timeout - (time.monotonic() - started), 1.0)
        try:
            return distributed.Client(scheduler, timeout=left, set_as_default=False)
        except (TimeoutError, OSError) as error:
            problem = str(error) or type(error).__name__
    raise ConnectionError(
        f"no Dask scheduler answered at {scheduler!r} within {timeout:g} s ({problem}); "
        "check the address and that 'dask scheduler' is running there"
    )


def _check_address(address):
    """Raise ValueError for an address no Dask scheduler can have (no port, unknown scheme)."""
    if not isinstance(address, str) or not address:
        raise TypeError(
            f"scheduler must be an address such as 'tcp://10.0.0.5:8786'; got {address!r}"
        )
    try:
        scheme, location = distributed.comm.parse_address(address)
        distributed.comm.registry.get_backend(scheme)
        if scheme in ("tcp", "tls", "ws", "wss"):
            distributed.comm.parse_host_port(location)
    except ValueError as error:
        raise ValueError(
            f"scheduler {address!r} is not a Dask address ({error}); give it as "
            "tcp://HOST:PORT, e.g. tcp://10.0.0.5:8786"
        ) from None


def _probe(address, timeout):
    """None if a Dask scheduler answers at ``address`` within ``timeout`` s, else why not."""

    async def ask():
        comm = await distributed.comm.connect(address, timeout=timeout)
        try:
            await comm.write({"op": "identity", "reply": True})
            return await comm.read()
        finally:
            comm.abort()

    answer = {}

    def run():
        try:
            answer["identity"] = asyncio.run(asyncio.wait_for(ask(), timeout))
        except TimeoutError:
            answer["problem"] = f"nothing answered as a scheduler in {timeout:g} s"
        except Exception as error:  # noqa: BLE001 - any failure means: no scheduler there
            answer["problem"] = (
                f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
            )

    # In a thread of its own, with its own event loop: the caller may be
    # running one (a notebook), and the deadline holds whatever happens there.
    prober = threading.Thread(target=run, name="xorfast-scheduler-probe", daemon=True)
    prober.start()
    prober.join(timeout + 1.0)
    if prober.is_alive():
        return f"nothing answered as a scheduler in {timeout:g} s"
    if "problem" in answer:
        return answer["problem"]
    identity = answer["identity"]
    if not isinstance(identity, dict) or identity.get("type") != "Scheduler":
        kind = identity.get("type") if isinstance(identity, dict) else None
        return (
            f"that is a Dask {kind}, not a scheduler"
            if kind
            else "what answered is not a Dask scheduler"
        )
    return None
