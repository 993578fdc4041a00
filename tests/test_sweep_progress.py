"""The sweep's progress bar on stderr: whole runs finished, each state written once."""

import re
import time

import pytest

import xorfast
from xorfast.sweeps import sweeper


@pytest.fixture
def slow_blocks(monkeypatch):
    """Every block takes at least 0.15 s, longer than tqdm's 0.1 s between paints."""
    run_block = sweeper.run_block

    def slow(*args):
        time.sleep(0.15)
        return run_block(*args)

    monkeypatch.setattr(sweeper, "run_block", slow)


def painted(err):
    """The bar's states as painted, in order: tqdm rewrites its line after a carriage return."""
    return [part.strip() for part in re.split(r"[\r\n]", err) if part.strip()]


@pytest.mark.parametrize("progress", [True, None])
def test_the_final_state_is_written_once(capsys, monkeypatch, slow_blocks, progress):
    # None shows the bar once the sweep has run PROGRESS_DELAY seconds; this one is late.
    monkeypatch.setattr(sweeper, "PROGRESS_DELAY", 0.05)
    xorfast.sweep(seeds=16, hidden=3, epochs=10, progress=progress)
    err = capsys.readouterr().err
    assert err.endswith("\n") and err.count("\n") == 1  # one line, left on screen
    assert [state for state in painted(err) if "100%" in state] == [painted(err)[-1]]


def test_counts_are_whole_runs(capsys):
    xorfast.sweep(seeds=16, hidden=3, epochs=10, progress=True)
    final = painted(capsys.readouterr().err)[-1]
    assert " 16/16 " in final and "16.0" not in final


def test_counts_runs_finished_with_stop(capsys, slow_blocks):
    """Blocks of 64 seeds whose runs stop early: the bar counts 64 runs per block finished."""
    result = xorfast.sweep(
        seeds=256, hidden=4, lr=0.5, epochs=5_000, stop="solved", block_size=64, progress=True
    )
    assert (result.table["updates"] < 5_000).all()  # every run stopped before its budget
    counts = [
        re.search(r"(\d+)/256 ", state).group(1) for state in painted(capsys.readouterr().err)
    ]
    assert counts == ["0", "64", "128", "192", "256"]
