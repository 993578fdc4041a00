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
        f"Epoch {e}" for e in range(0, 500, 100)]
    assert "input  target  output" in out
    assert "trained in" in out


def test_train_parity_and_float32(capsys):
    assert main(["train", "--data", "parity3", "--hidden", "6", "--dtype", "float32",
                 "--seed", "1", "--epochs", "100"]) == 0
    out = capsys.readouterr().out
    assert "3-6-1 network on parity3" in out and "float32" in out
    assert out.count("\n1 1 1  ") == 1


@pytest.mark.parametrize(("argv", "message"), [
    (["train", "--lr", "-1"], "lr must be > 0"),
    (["train", "--epochs", "-3"], "epochs must be from 0 to 2147483646"),
    (["train", "--data", "xnor"], "unknown data set 'xnor'"),
    (["sweep", "--seeds", "0"], "seeds must be >= 1"),
    (["sweep", "--hidden", "2", "2"], "hidden lists a value twice"),
    (["sweep", "--tol", "0"], "tol must be > 0"),
])
def test_bad_arguments_exit_2_with_message(capsys, argv, message):
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 2
    assert message in capsys.readouterr().err


def test_sweep_prints_summary_and_writes_tables(capsys, tmp_path):
    argv = ["sweep", "--hidden", "2", "4", "--lr", "0.5", "1", "--seeds", "16", "--epochs",
            "300", "--no-progress", "--csv", str(tmp_path / "runs.csv"), "--json",
            str(tmp_path / "runs.json"), "--store", str(tmp_path / "runs.sqlite")]
    assert main(argv) == 0
    out = capsys.readouterr().out
    header = next(line for line in out.splitlines() if "runs" in line and "solved" in line)
    assert header.split()[:4] == ["hidden", "lr", "runs", "solved"]
    assert len([line for line in out.splitlines() if line.strip().endswith(" 0")]) == 4
    assert (tmp_path / "runs.csv").read_text().count("\n") == 65
    assert (tmp_path / "runs.json").exists()
    assert len(xorfast.load_sweep(tmp_path / "runs.sqlite")) == 64


def test_sweep_interrupted_saves_and_says_how_to_resume(tmp_path):
    store = tmp_path / "runs.sqlite"
    argv = [sys.executable, "-m", "xorfast", "sweep", "--seeds", "4000", "--epochs", "50000",
            "--block-size", "16", "--store", str(store)]
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
    completed = subprocess.run([sys.executable, "-m", "xorfast", "--version"],
                               capture_output=True, text=True, check=True,
                               env=dict(os.environ))
    assert completed.stdout.strip() == f"xorfast {xorfast.__version__}"
