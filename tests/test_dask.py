"""Sweeps on a real Dask cluster (worker processes on loopback) equal local sweeps, bit for bit."""

import contextlib
import http.server
import importlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import types

import numpy as np
import pytest

import xorfast
from xorfast._compiled import sweep_kernel
from xorfast.cli import main
from xorfast.sweeps import blocks

from .helpers import block_recording_threads, kill_once_stored, stored_runs
from .test_sweep_invariants import assert_tables_identical

distributed = pytest.importorskip("distributed")
cloudpickle = pytest.importorskip("cloudpickle")
cluster_module = importlib.import_module("xorfast.sweeps.cluster")

SMALL = dict(seeds=64, hidden=[2, 3], lr=[0.5, 1.0], epochs=400, block_size=16, progress=False)
# Blocks of about 0.1 s, 20 of them: a kill lands while blocks are running.
LONG = dict(seeds=640, hidden=[2, 4], epochs=100_000, block_size=64, progress=False)


@pytest.fixture(scope="module")
def client():
    # A plain cluster, as a user might start one: the sweep must set it up itself.
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address="127.0.0.1:0",
        ) as cluster,
        distributed.Client(cluster, set_as_default=False) as client,
    ):
        client.wait_for_workers(2, timeout=60)
        yield client


@pytest.fixture(scope="module")
def long_local():
    return xorfast.sweep(**LONG).table


def worker_pids(client):
    return client.run(os.getpid)


@pytest.mark.parametrize(
    "problem",
    [
        {},
        pytest.param(
            dict(dtype="float32", loss="mse", reduction="sum", init="uniform", bias_init="same"),
            marks=pytest.mark.slow,
        ),
    ],
)
def test_dask_sweep_matches_local_kernel(client, problem):
    local = xorfast.sweep(**SMALL, **problem)
    remote = xorfast.sweep(executor=client.get_executor(), **SMALL, **problem)
    assert_tables_identical(remote.table, local.table)
    assert np.any(local.table["epoch_solved"] >= 0) and np.any(local.table["epoch_solved"] < 0)


@pytest.mark.slow  # two worker processes load the stop kernels: several seconds
def test_dask_stop_sweep_matches_the_serial_rows(client):
    """stop="solved" on the cluster: the same rows, refilled lanes and all, bit for bit."""
    serial = xorfast.sweep(stop="solved", **SMALL)
    remote = xorfast.sweep(stop="solved", executor=client.get_executor(), **SMALL)
    assert_tables_identical(remote.table, serial.table)
    updates = serial.table["updates"]
    assert (updates < SMALL["epochs"]).any() and (updates == SMALL["epochs"]).any()


def test_workers_load_kernels_from_the_disk_cache(client):
    # The driver has compiled (or loaded) the kernel; worker processes must load
    # it from the cache rather than compile it again.
    xorfast.sweep(**SMALL)
    xorfast.sweep(executor=client.get_executor(), **SMALL)

    def kernel_cache_stats():
        from xorfast._compiled import modules

        # In case this worker had no block of one of the shapes.
        xorfast.sweep(seeds=8, hidden=[2, 3], epochs=1, progress=False)
        # Each loaded module's sweep_block drives its compiled kernel from Python.
        kernels = [block.kernel for block in modules._loaded.values()]
        return (
            len(kernels),
            sum(sum(kernel.stats.cache_hits.values()) for kernel in kernels),
            sum(sum(kernel.stats.cache_misses.values()) for kernel in kernels),
        )

    stats = client.run(kernel_cache_stats)
    assert len(stats) == 2
    for kernels, hits, misses in stats.values():
        assert kernels >= 2 and hits >= kernels and misses == 0


def test_blocks_travel_by_reference():
    pickled = cloudpickle.dumps(blocks.run_block)
    assert b"xorfast.sweeps.blocks" in pickled and len(pickled) < 100
    assert len(cloudpickle.dumps(cluster_module.ThreadBudget())) < 200


def test_each_worker_block_gets_one_thread(client):
    xorfast.sweep(executor=client.get_executor(), **SMALL)
    client.unregister_worker_plugin(cluster_module.ThreadBudget.name)
    assert set(client.run(lambda: blocks._thread_budget).values()) == {None}
    xorfast.sweep(executor=client.get_executor(), **SMALL)
    assert set(client.run(lambda: blocks._thread_budget).values()) == {1}


def test_run_block_honours_the_thread_budget(monkeypatch):
    block, seen = block_recording_threads(monkeypatch)
    before = sweep_kernel._threads()
    try:
        blocks.set_thread_budget(1)
        blocks.run_block(block)
        blocks.set_thread_budget(None)
        blocks.run_block(block)
    finally:
        blocks.set_thread_budget(None)
    assert seen == [1, before]
    assert sweep_kernel._threads() == before
    with pytest.raises(ValueError, match="threads must be >= 1; got 0"):
        blocks.set_thread_budget(0)


@pytest.mark.slow
def test_worker_killed_mid_sweep_loses_nothing(client, long_local, tmp_path):
    store = tmp_path / "runs.sqlite"
    pids = worker_pids(client)
    killed = {}

    def kill_a_busy_worker():
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            busy = [address for address, keys in client.processing().items() if keys]
            if busy:
                killed["keys"] = client.processing()[busy[0]]
                killed["pid"] = pids[busy[0]]
                os.kill(killed["pid"], signal.SIGKILL)
                return
            time.sleep(0.01)

    killer = threading.Thread(target=kill_a_busy_worker)
    killer.start()
    try:
        result = xorfast.sweep(executor=client.get_executor(), store=store, **LONG)
    finally:
        killer.join()
    assert killed.get("keys"), "no worker was killed while it ran blocks"
    assert_tables_identical(result.table, long_local)
    assert_tables_identical(xorfast.load_sweep(store).table, long_local)

    # The nanny restarted the worker, and the new process got the thread budget too.
    client.wait_for_workers(2, timeout=60)
    assert killed["pid"] not in worker_pids(client).values()
    assert set(client.run(lambda: blocks._thread_budget).values()) == {1}


@pytest.mark.slow
def test_driver_killed_then_resumed_on_cluster(client, long_local, tmp_path):
    store = tmp_path / "runs.sqlite"
    argv = [
        sys.executable,
        "-m",
        "xorfast",
        "sweep",
        "--hidden",
        "2",
        "4",
        "--seeds",
        "640",
        "--epochs",
        "100000",
        "--block-size",
        "64",
        "--no-progress",
        "--store",
        str(store),
        "--scheduler",
        client.scheduler.address,
    ]
    with distributed.get_task_stream(client=client) as stream:
        process = subprocess.Popen(argv, stdout=subprocess.DEVNULL)
        kill_once_stored(process, store, 64, timeout=60)
    done = stored_runs(store)
    assert 64 <= done < 1280 and done % 64 == 0
    assert any(task["key"].startswith("run_block") for task in stream.data), (
        "the command line did not run its blocks on the cluster"
    )

    resumed = xorfast.sweep(executor=client.get_executor(), store=store, **LONG)
    assert_tables_identical(resumed.table, long_local)
    assert stored_runs(store) == 1280


def closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_unreachable_scheduler_fails_fast():
    address = f"tcp://127.0.0.1:{closed_port()}"
    started = time.monotonic()
    with pytest.raises(
        ConnectionError, match=f"no Dask scheduler answered at '{address}' within 2 s"
    ):
        with cluster_module.dask_executor(address, timeout=2):
            pass
    # Not a speed claim: a hang would stay here for good.
    assert time.monotonic() - started < 30


@contextlib.contextmanager
def silent_listener():
    """A TCP port that accepts connections and never says a word."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield f"tcp://127.0.0.1:{listener.getsockname()[1]}"


@contextlib.contextmanager
def http_server():
    class Quiet(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"tcp://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("listener", [silent_listener, http_server])
def test_something_that_is_not_a_scheduler_times_out(listener):
    with listener() as address:
        started = time.monotonic()
        with pytest.raises(
            ConnectionError, match=f"no Dask scheduler answered at '{address}' within 1 s"
        ):
            with cluster_module.dask_executor(address, timeout=1):
                pass
        assert time.monotonic() - started < 5  # it hung forever


def test_a_worker_address_is_not_a_scheduler(client):
    worker = next(iter(client.scheduler_info()["workers"]))
    with pytest.raises(ConnectionError, match="that is a Dask Worker, not a scheduler"):
        with cluster_module.dask_executor(worker, timeout=5):
            pass


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("bogus", "missing port number"),
        ("http://127.0.0.1:8786", "unknown address scheme 'http'"),
    ],
)
def test_malformed_scheduler_address_is_refused_at_once(address, reason):
    started = time.monotonic()
    with pytest.raises(
        ValueError,
        match=f"scheduler '{address}' is not a Dask address \\({reason}.*tcp://HOST:PORT",
    ):
        with cluster_module.dask_executor(address, timeout=5):
            pass
    assert time.monotonic() - started < 1


@pytest.mark.parametrize("kind", ["silent", "bogus"])
def test_cli_bad_scheduler_exits_promptly_without_traceback(kind, tmp_path):
    code = (
        "import sys; from xorfast.sweeps import cluster; cluster.CONNECT_TIMEOUT = 1; "
        "from xorfast.cli import main; sys.exit(main(sys.argv[1:]))"
    )
    with silent_listener() as address:
        address = address if kind == "silent" else "bogus"
        started = time.monotonic()
        completed = subprocess.run(
            [sys.executable, "-c", code, "sweep", "--seeds", "8", "--scheduler", address],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=tmp_path,
            env=dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(__file__))),
        )
        elapsed = time.monotonic() - started
    assert completed.returncode == 2
    assert completed.stderr.startswith("xorfast sweep: error: ")
    assert len(completed.stderr.splitlines()) == 1, completed.stderr
    assert "Traceback" not in completed.stderr
    assert elapsed < 15  # it hung forever (silent), or 21 s at exit (bogus)


def killed_worker():
    worker = types.SimpleNamespace(address="tcp://127.0.0.1:1")
    return distributed.KilledWorker("run_block-0123", worker, 3)


def test_killed_worker_is_named_with_its_block(tmp_path):
    from .test_executors import FailingPool

    store = tmp_path / "runs.sqlite"
    with pytest.raises(xorfast.sweeps.executors.ExecutorError) as caught:
        xorfast.sweep(executor=FailingPool(killed_worker(), 2), store=store, **SMALL)
    message = str(caught.value)
    assert "Dask workers died while running the block of seeds" in message
    assert "4 times (distributed.KilledWorker)" in message
    assert f"The blocks finished before are saved in {store}" in message
    assert len(xorfast.load_sweep(store)) == 2 * 16


def test_closed_client_is_refused_before_any_work(client, tmp_path):
    other = distributed.Client(client.scheduler.address, set_as_default=False)
    executor = other.get_executor()
    other.close()
    with pytest.raises(ValueError, match="executor's Dask client is closed"):
        xorfast.sweep(executor=executor, store=tmp_path / "runs.sqlite", **SMALL)
    assert not (tmp_path / "runs.sqlite").exists()


@pytest.mark.slow
def test_a_real_killed_worker_is_named_and_finished_blocks_kept(long_local, tmp_path):
    import dask

    store = tmp_path / "runs.sqlite"
    # The scheduler gives up on a block at its first dead worker.
    with (
        dask.config.set({"distributed.scheduler.allowed-failures": 0}),
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address="127.0.0.1:0"
        ) as cluster,
        distributed.Client(cluster, set_as_default=False) as own,
    ):
        own.wait_for_workers(2, timeout=60)
        pids = worker_pids(own)

        def kill_a_busy_worker_once_a_block_is_stored():
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                busy = [address for address, keys in own.processing().items() if keys]
                if busy and store.exists() and stored_runs(store) >= 64:
                    os.kill(pids[busy[0]], signal.SIGKILL)
                    return
                time.sleep(0.01)

        killer = threading.Thread(target=kill_a_busy_worker_once_a_block_is_stored)
        killer.start()
        try:
            with pytest.raises(xorfast.sweeps.executors.ExecutorError) as caught:
                xorfast.sweep(executor=own.get_executor(), store=store, **LONG)
        finally:
            killer.join()
    message = str(caught.value)
    assert "Dask workers died while running the block of seeds" in message
    assert "(distributed.KilledWorker)" in message and "run the same sweep again" in message
    assert stored_runs(store) >= 64
    resumed = xorfast.sweep(store=store, **LONG)
    assert_tables_identical(resumed.table, long_local)


def test_cli_killed_worker_is_one_clear_line(tmp_path, capsys, monkeypatch):
    from .test_executors import FailingPool

    monkeypatch.setattr(
        xorfast.cli.sweep,
        "_executor",
        lambda args: contextlib.nullcontext(FailingPool(killed_worker(), 1)),
    )
    store = tmp_path / "runs.sqlite"
    assert (
        main(
            [
                "sweep",
                "--seeds",
                "64",
                "--epochs",
                "10",
                "--block-size",
                "16",
                "--no-progress",
                "--store",
                str(store),
            ]
        )
        == 1
    )
    err = capsys.readouterr().err
    assert err.startswith("xorfast sweep: error: Dask workers died while running the block")
    assert f"saved in {store}; run the same command again to resume" in err


def test_cli_unreachable_scheduler_says_so(capsys, monkeypatch):
    monkeypatch.setattr(cluster_module, "CONNECT_TIMEOUT", 1)
    address = f"tcp://127.0.0.1:{closed_port()}"
    assert main(["sweep", "--seeds", "8", "--scheduler", address]) == 2
    err = capsys.readouterr().err
    assert f"xorfast sweep: error: no Dask scheduler answered at '{address}' within 1 s" in err


def test_missing_extra_is_named(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if not installed
    monkeypatch.delitem(sys.modules, "xorfast.sweeps.cluster")
    with pytest.raises(ImportError, match=r"pip install 'xorfast\[dask\]'"):
        importlib.import_module("xorfast.sweeps.cluster")
    assert main(["sweep", "--seeds", "8", "--workers", "2"]) == 2
    assert "pip install 'xorfast[dask]'" in capsys.readouterr().err


def test_cli_scheduler_and_workers_exclude_each_other(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["sweep", "--scheduler", "tcp://127.0.0.1:8786", "--workers", "2"])
    assert stop.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_cli_workers_bad_count(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["sweep", "--workers", "0"])
    assert stop.value.code == 2
    assert "workers must be >= 1; got 0" in capsys.readouterr().err


@pytest.mark.slow
def test_cli_sweep_on_two_local_workers(capsys, tmp_path, monkeypatch):
    workers = set()
    start = cluster_module.dask_executor

    @contextlib.contextmanager
    def noting_workers(*args, **kwargs):
        with start(*args, **kwargs) as executor:
            with distributed.get_task_stream(client=executor._client) as stream:
                yield executor
            workers.update(task["worker"] for task in stream.data)

    monkeypatch.setattr(cluster_module, "dask_executor", noting_workers)
    store = tmp_path / "runs.sqlite"
    argv = [
        "sweep",
        "--hidden",
        "2",
        "3",
        "--lr",
        "0.5",
        "1",
        "--seeds",
        "64",
        "--epochs",
        "400",
        "--block-size",
        "16",
        "--no-progress",
        "--store",
        str(store),
        "--workers",
        "2",
    ]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "xor: 4 configs x 64 seeds" in out
    assert_tables_identical(xorfast.load_sweep(store).table, xorfast.sweep(**SMALL).table)
    assert len(workers) == 2  # both local worker processes ran blocks
