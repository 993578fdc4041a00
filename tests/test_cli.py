"""The command line, as a user runs it."""

import os
import signal
import subprocess
import sys
import time

import pytest

import xorfast
from xorfast.cli import main


def test_train_prints_log_table_and_time(capsys):
    assert main(["train", "--seed", "3", "--epochs", "500", "--log-every", "100"]) == 0
    out = capsys.readouterr().out
    assert "2-4-1 network on xor: 500 epochs, lr 0.1, loss bce (mean), float64, seed 3" in out
    assert [line.split(",")[0] for line in out.splitlines() if line.startswith("Epoch")] == [
        f"Epoch {e}" for e in range(0, 500, 100)
    ]
    assert "input  target  output" in out
    assert "trained in" in out


def test_train_parity_and_float32(capsys):
    assert (
        main(
            [
                "train",
                "--data",
                "parity3",
                "--hidden",
                "6",
                "--dtype",
                "float32",
                "--seed",
                "1",
                "--epochs",
                "100",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "3-6-1 network on parity3" in out and "float32" in out
    assert out.count("\n1 1 1  ") == 1


def test_train_headline_and_verdict_name_the_rules_that_are_not_the_default(capsys):
    argv = ["train", "--seed", "1", "--epochs", "2000", "--log-every", "0", "--loss", "mse"]
    rules = ["--momentum", "0.9", "--derivative-offset", "0.1", "--margin", "0.4"]
    assert main([*argv, *rules, "--backend", "numpy"]) == 0
    out = capsys.readouterr().out
    headline = out.splitlines()[0]
    assert "loss mse (mean), momentum 0.9, derivative offset 0.1, float64" in headline
    assert "solved = every output within 0.4 of its target" in headline
    verdict = next(line for line in out.splitlines() if "max error" in line)
    assert verdict.startswith("solved (margin 0.4): max error")
    # The default rules keep the headline and verdict of earlier versions.
    assert main([*argv, "--epochs", "10"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].endswith("loss mse (mean), float64, seed 1")
    assert "\nnot solved: max error" in out
    # A learning rate of more than 6 digits is printed as given, not rounded.
    assert main([*argv, "--epochs", "0", "--lr", "0.12345678"]) == 0
    assert "0 epochs, lr 0.12345678, loss mse" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["train", "--lr", "-1"], "lr must be > 0"),
        (["train", "--epochs", "-3"], "epochs must be from 0 to 2147483646"),
        (["train", "--data", "xnor"], "unknown data set 'xnor'"),
        (["sweep", "--seeds", "0"], "seeds must be >= 1"),
        (["sweep", "--hidden", "2", "2"], "hidden lists a value twice"),
        (["sweep", "--tol", "0"], "tol must be > 0"),
    ],
)
def test_bad_arguments_exit_2_with_message(capsys, argv, message):
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 2
    assert message in capsys.readouterr().err


def test_sweep_prints_summary_and_writes_tables(capsys, tmp_path):
    argv = [
        "sweep",
        "--hidden",
        "2",
        "4",
        "--lr",
        "0.5",
        "1",
        "--seeds",
        "16",
        "--epochs",
        "300",
        "--no-progress",
        "--csv",
        str(tmp_path / "runs.csv"),
        "--json",
        str(tmp_path / "runs.json"),
        "--store",
        str(tmp_path / "runs.sqlite"),
    ]
    assert main(argv) == 0
    out = capsys.readouterr().out
    header = next(line for line in out.splitlines() if "runs" in line and "solved" in line)
    assert header.split()[:4] == ["hidden", "lr", "runs", "solved"]
    rows = [line.split()[:2] for line in out.splitlines() if line[:6].strip() in ("2", "4")]
    assert rows == [["2", "0.5"], ["2", "1"], ["4", "0.5"], ["4", "1"]]
    assert "diverged" not in header  # shown only when a run diverged
    assert (tmp_path / "runs.csv").read_text().count("\n") == 65
    assert (tmp_path / "runs.json").exists()
    assert len(xorfast.load_sweep(tmp_path / "runs.sqlite")) == 64


def test_sweep_interrupted_saves_and_says_how_to_resume(tmp_path):
    store = tmp_path / "runs.sqlite"
    argv = [
        sys.executable,
        "-m",
        "xorfast",
        "sweep",
        "--seeds",
        "4000",
        "--epochs",
        "50000",
        "--block-size",
        "16",
        "--store",
        str(store),
    ]
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if store.exists():
            try:
                if len(xorfast.load_sweep(store)) >= 16:
                    break
            except ValueError:
                pass
        time.sleep(0.1)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 130
    assert "run the same command again to resume" in err
    saved = len(xorfast.load_sweep(store))
    assert saved >= 16 and saved % 16 == 0
    assert f"{saved} finished runs are saved in {store}" in err
    assert "Traceback" not in err


def test_module_entry_point():
    completed = subprocess.run(
        [sys.executable, "-m", "xorfast", "--version"],
        capture_output=True,
        text=True,
        check=True,
        env=dict(os.environ),
    )
    assert completed.stdout.strip() == f"xorfast {xorfast.__version__}"


@pytest.mark.parametrize("unbuffered", ["1", ""])
def test_output_cut_short_by_its_reader_ends_quietly(unbuffered):
    # xorfast train | head -1: the reader leaves; no traceback, no "Exception ignored".
    argv = ["train", "--epochs", "50", "--backend", "numpy", "--log-every", "1", "--seed", "0"]
    env = {**os.environ, "PYTHONUNBUFFERED": unbuffered}
    process = subprocess.Popen(
        [sys.executable, "-m", "xorfast", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    process.stdout.close()  # before it writes a line
    with process.stderr:
        err = process.stderr.read()
    assert process.wait(timeout=120) == 1
    assert err == ""


@pytest.mark.parametrize("unbuffered", ["1", ""])
@pytest.mark.parametrize("argv", [["--help"], ["sweep", "--help"], ["--version"]])
def test_help_cut_short_by_its_reader_ends_quietly(argv, unbuffered):
    # xorfast --help | head -1: argparse's exit status, no "Exception ignored".
    process = subprocess.Popen(
        [sys.executable, "-m", "xorfast", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": unbuffered},
    )
    process.stdout.close()  # before it writes a line
    with process.stderr:
        err = process.stderr.read()
    assert process.wait(timeout=120) == 0
    assert err == ""


# Output paths ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (
            ["--csv", "{tmp}/missing/x.csv"],
            "cannot write --csv {tmp}/missing/x.csv: folder "
            "{tmp}/missing does not exist; create it first",
        ),
        (
            ["--json", "{tmp}/missing/x.json"],
            "cannot write --json {tmp}/missing/x.json: folder {tmp}/missing does not exist",
        ),
        (["--csv", "{tmp}"], "--csv {tmp} is a folder; give a file name in it"),
        (["--json", "{tmp}/locked/x.json"], "folder {tmp}/locked is not writable"),
        (
            ["--store", "{tmp}/missing/runs.sqlite"],
            "cannot write --store {tmp}/missing/runs.sqlite",
        ),
        (
            ["--csv", "{tmp}/a.out", "--json", "{tmp}/a.out"],
            "--csv and --json name the same file {tmp}/a.out",
        ),
    ],
)
def test_sweep_output_paths_are_checked_before_any_work(
    flags, message, tmp_path, capsys, monkeypatch
):
    (tmp_path / "locked").mkdir(mode=0o500)
    if os.access(tmp_path / "locked", os.W_OK):
        (tmp_path / "locked").chmod(0o700)
        if "locked" in message:
            pytest.skip("running as a user who can write anywhere")
    started = []
    monkeypatch.setattr("xorfast.sweeps.sweeper.sweep", lambda *a, **k: started.append(1))
    flags = [flag.format(tmp=tmp_path) for flag in flags]
    with pytest.raises(SystemExit) as stop:
        main(["sweep", "--seeds", "8", "--epochs", "10", "--no-progress", *flags])
    assert stop.value.code == 2
    assert message.format(tmp=tmp_path) in capsys.readouterr().err
    assert not started
    (tmp_path / "locked").chmod(0o700)


def test_bench_json_path_is_checked_before_measuring(tmp_path, capsys, monkeypatch):
    from xorfast import benchmarks

    monkeypatch.setattr(benchmarks, "run_all", lambda **kwargs: pytest.fail("measured"))
    with pytest.raises(SystemExit) as stop:
        main(["bench", "--json", str(tmp_path / "missing" / "bench.json")])
    assert stop.value.code == 2
    assert "cannot write --json" in capsys.readouterr().err


def test_tables_are_written_whole_or_not_at_all(tmp_path, monkeypatch):
    result = xorfast.sweep(seeds=8, epochs=10, progress=False)
    path = tmp_path / "runs.csv"
    path.write_text("the previous table\n")

    def fail(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("json.dump", fail)
    with pytest.raises(OSError, match="No space left"):
        result.to_json(tmp_path / "runs.json")
    monkeypatch.setattr(xorfast.sweeps.results, "_csv_cell", fail)
    with pytest.raises(OSError, match="No space left"):
        result.to_csv(path)
    assert path.read_text() == "the previous table\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["runs.csv"]  # no temporary files
    monkeypatch.undo()
    result.to_csv(path)
    assert path.read_text().count("\n") == 9
    assert oct(path.stat().st_mode & 0o777) != oct(0o600)  # as open() would make it


@pytest.mark.parametrize(
    ("out", "message"),
    [
        ("{tmp}", "--out {tmp} is a folder"),
        ("{tmp}/maps", "--out {tmp}/maps has no suffix; the suffix names the image format"),
        ("{tmp}/maps.xyz", "has suffix .xyz; the suffix names the image format, one of:"),
    ],
)
def test_plot_out_must_name_an_image_file(out, message, tmp_path, capsys):
    pytest.importorskip("matplotlib")
    store = tmp_path / "runs.sqlite"
    xorfast.sweep(seeds=8, hidden=[2, 4], epochs=10, progress=False, store=store)
    before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(SystemExit) as stop:
        main(["plot", str(store), "--out", out.format(tmp=tmp_path)])
    assert stop.value.code == 2
    assert message.format(tmp=tmp_path) in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing written


def test_plot_writes_exactly_the_path_it_reports(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    store = tmp_path / "runs.sqlite"
    xorfast.sweep(seeds=8, hidden=[2, 4], epochs=10, progress=False, store=store)
    before = {p.name for p in tmp_path.iterdir()}
    out = tmp_path / "maps.SVG"
    assert main(["plot", str(store), "--out", str(out)]) == 0
    assert f"drawn to {out}" in capsys.readouterr().out
    assert out.read_text().lstrip().startswith("<?xml")
    assert {p.name for p in tmp_path.iterdir()} - before == {"maps.SVG"}


def stored_grid_sweep(path):
    """A stored hidden x lr = 2 x 2 sweep of 5 seeds, no kernel run: config c solves c runs."""
    from xorfast.sweeps.results import SweepResult, empty_table
    from xorfast.sweeps.spec import make_spec
    from xorfast.sweeps.store import open_store

    spec = make_spec(seeds=5, hidden=[2, 4], lr=[0.1, 1.0], epochs=100)
    table = empty_table(spec)
    table["max_error"], table["final_mse"] = 0.7, 0.2
    for config in range(4):
        rows = table[config * 5 : config * 5 + config]
        rows["max_error"], rows["final_mse"], rows["epoch_solved"] = 0.1, 0.01, 50
    with open_store(path, spec) as store:
        store.write(table)
    return SweepResult(spec, table)


@pytest.fixture
def drawn(monkeypatch):
    """What ``xorfast plot`` passes to the two figure functions (which still draw)."""
    from xorfast import plot

    calls = {}

    def recorder(name, draw):
        def record(result, *args, **kwargs):
            calls[name] = (result, kwargs)
            return draw(result, *args, **kwargs)

        return record

    for name in ("convergence_map", "epochs_to_solve"):
        monkeypatch.setattr(plot, name, recorder(name, getattr(plot, name)))
    return calls


def test_plot_where_draws_exactly_the_slice(tmp_path, capsys, drawn):
    pytest.importorskip("matplotlib")
    full = stored_grid_sweep(tmp_path / "runs.sqlite")
    out = tmp_path / "slice.png"
    argv = ["plot", str(tmp_path / "runs.sqlite"), "--out", str(out), "--where", "hidden=4"]
    assert main([*argv, "--where", "lr=0.1,1", "--log-epochs"]) == 0
    assert "10 of 10 runs (2 configs x 5 seeds, hidden=4, lr=0.1,1) drawn to" in (
        capsys.readouterr().out
    )
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    for name in ("convergence_map", "epochs_to_solve"):
        result, _ = drawn[name]
        expected = full.table[full.table["hidden"] == 4]
        assert result.table["seed"].tolist() == expected["seed"].tolist()
        assert result.table["max_error"].tolist() == expected["max_error"].tolist()
        assert result.spec.hidden == (4,) and result.spec.lr == (0.1, 1.0)
    assert drawn["epochs_to_solve"][1]["log_epochs"] is True
    assert drawn["convergence_map"][1]["intervals"] is True
    assert main([*argv, "--no-intervals"]) == 0
    assert drawn["convergence_map"][1]["intervals"] is False
    assert drawn["epochs_to_solve"][1]["log_epochs"] is False
    assert "10 of 10 runs (2 configs x 5 seeds, hidden=4) drawn to" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("where", "message"),
    [
        (
            ["hidden"],
            "'hidden' is not AXIS=VALUES with AXIS one of hidden, lr, momentum, init_scale",
        ),
        (["size=2"], "'size=2' is not AXIS=VALUES"),
        (["lr=0.1,fast"], "'lr=0.1,fast': 'fast' is not a number"),
        (["hidden="], "'hidden=': '' is not a number"),
        (["hidden=3"], "hidden=3 is not in the sweep's grid; its hidden values are 2, 4"),
        (["lr=0.1,0.2"], "lr=0.2 is not in the sweep's grid; its lr values are 0.1, 1"),
        (["hidden=2", "hidden=4"], "--where names hidden twice; give all its values in one"),
    ],
)
def test_plot_bad_where_exits_2_with_a_message(tmp_path, capsys, where, message):
    pytest.importorskip("matplotlib")
    stored_grid_sweep(tmp_path / "runs.sqlite")
    argv = ["plot", str(tmp_path / "runs.sqlite"), "--out", str(tmp_path / "maps.png")]
    for option in where:
        argv += ["--where", option]
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "maps.png").exists()


def test_plot_help_documents_the_slice_and_the_log_axis(capsys):
    with pytest.raises(SystemExit):
        main(["plot", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "--where AXIS=VALUES" in out and "--where lr=0.1,0.5" in out
    assert "AXIS (hidden, lr, momentum, init_scale, epochs, activation or weight_decay)" in out
    assert "--log-epochs" in out and "--no-intervals" in out
    assert "split into panels" in out


# Ctrl-C ---------------------------------------------------------------------

posix_only = pytest.mark.skipif(os.name != "posix", reason="sends SIGINT to a group")


def children(pid):
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as listing:
                found += listing.read().split()
    except OSError:  # the process or thread has just ended
        pass
    return found


def interrupt(argv, ready, env=None, timeout=60):
    """Run ``xorfast sweep argv``, Ctrl-C it (as a terminal does) once ``ready(process)``."""
    process = subprocess.Popen(
        [sys.executable, "-m", "xorfast", "sweep", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env=dict(os.environ, **(env or {})),
    )
    try:
        deadline = time.monotonic() + 120
        while not ready(process):
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "never ready for the interrupt"
            time.sleep(0.02)
        os.killpg(process.pid, signal.SIGINT)  # the driver and its worker processes
        sent = time.monotonic()
        out, err = process.communicate(timeout=timeout)
        return process.returncode, out, err, time.monotonic() - sent
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()


def assert_clean_interrupt(returncode, err, store=None):
    assert returncode == 130, err
    assert "Traceback" not in err and "Error" not in err, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("interrupted: "), err
    if store is None:
        assert "nothing was saved (pass --store FILE to keep finished runs)" in err
    else:
        saved = len(xorfast.load_sweep(store)) if store.exists() else 0
        assert (
            f"{saved} finished runs are saved in {store}; run the same command again "
            "to resume" in err
        )


@pytest.mark.slow
@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="finds workers in /proc")
@posix_only
def test_ctrl_c_during_worker_start_up(tmp_path):
    pytest.importorskip("distributed")
    store = tmp_path / "runs.sqlite"
    argv = [
        "--seeds",
        "256",
        "--epochs",
        "100000",
        "--block-size",
        "64",
        "--no-progress",
        "--store",
        str(store),
        "--workers",
        "2",
    ]

    def workers_starting(process):
        # Worker processes exist (below the forkserver); no block has finished.
        return any(children(child) for child in children(process.pid))

    returncode, out, err, _ = interrupt(argv, workers_starting)
    assert_clean_interrupt(returncode, err, store)
    assert out == ""


@pytest.mark.parametrize("delay", [3.0, pytest.param(6.0, marks=pytest.mark.slow)])
@posix_only
def test_ctrl_c_during_compilation_stops_the_sweep(delay, tmp_path):
    # A fresh kernel cache: the sweep starts by generating code for a new shape.
    started = time.monotonic()
    argv = ["--hidden", "7", "--seeds", "50000", "--epochs", "100000", "--no-progress"]
    returncode, out, err, after = interrupt(
        argv,
        lambda process: time.monotonic() - started > delay,
        env={"XORFAST_CACHE_DIR": str(tmp_path / "cache")},
    )
    assert_clean_interrupt(returncode, err)
    assert out == ""
    assert after < 30  # the interrupt was not lost: the sweep would run for minutes


@pytest.mark.slow
@posix_only
def test_ctrl_c_during_a_sweep_on_workers(tmp_path):
    pytest.importorskip("distributed")
    store = tmp_path / "runs.sqlite"
    argv = [
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
        "--workers",
        "2",
    ]

    def one_block_stored(process):
        try:
            return store.exists() and len(xorfast.load_sweep(store)) >= 64
        except ValueError:
            return False

    returncode, out, err, after = interrupt(argv, one_block_stored)
    assert_clean_interrupt(returncode, err, store)
    assert len(xorfast.load_sweep(store)) >= 64 and after < 30


@posix_only
def test_an_interrupt_inside_llvmlite_is_raised_once_it_returns(monkeypatch):
    # llvmlite calls back into Python from C (its object cache); an exception
    # raised in such a callback is printed and dropped. qsort's comparator is
    # such a callback, here named as llvmlite's.
    import ctypes
    import ctypes.util

    from xorfast.cli import _interrupts

    namespace = {"signal": signal}
    exec(
        compile(
            "def compare(a, b):\n    signal.raise_signal(signal.SIGINT)\n    return a[0] - b[0]\n",
            "/site-packages/llvmlite/binding/fake.py",
            "exec",
        ),
        namespace,
    )
    comparator = ctypes.CFUNCTYPE(
        ctypes.c_int, ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_int)
    )(namespace["compare"])
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    values = (ctypes.c_int * 3)(3, 1, 2)
    returned = False
    with pytest.raises(KeyboardInterrupt), _interrupts.handling():
        libc.qsort(values, 3, ctypes.sizeof(ctypes.c_int), comparator)
        returned = True
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            time.sleep(0.01)
    assert returned and list(values) == [1, 2, 3]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


@pytest.mark.parametrize("command", ["train", "sweep"])
def test_help_gives_the_range_of_each_training_rule(capsys, command):
    with pytest.raises(SystemExit):
        main([command, "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "momentum, in [0, 1)" in out
    assert "within this of its target, in (0, 1)" in out
    assert "sigmoid derivative, >= 0; needs --loss mse" in out
    # One metavar, one option: --momentum M and --margin M read alike.
    assert "--margin MARGIN" in out and "--margin M " not in out
