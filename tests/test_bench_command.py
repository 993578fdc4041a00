"""``xorfast bench`` measures every case and prints one aligned table (tiny sizes here)."""

import json
import sys

import numpy as np
import pytest

from xorfast import benchmarks
from xorfast.cli import main


@pytest.fixture
def tiny(monkeypatch):
    monkeypatch.setattr(benchmarks, "EPOCHS", 50)
    monkeypatch.setattr(benchmarks, "SWEEP_SEEDS", 64)
    monkeypatch.setattr(benchmarks, "LOOP_SEEDS", 2)
    monkeypatch.setattr(benchmarks, "STOP_SEEDS", 8)


@pytest.fixture
def without_peers(monkeypatch):
    """JAX and PyTorch fail to import, whether or not they are installed."""
    monkeypatch.setitem(sys.modules, "jax", None)
    monkeypatch.setitem(sys.modules, "torch", None)


STOP = "early stop, 2-{2,4,8}-1 xor"


@pytest.mark.slow  # times every row of the real table, peers included
def test_bench_command_prints_table_and_json(tiny, tmp_path, capsys):
    assert main(["bench", "--no-peers", "--json", str(tmp_path / "bench.json")]) == 0
    out = capsys.readouterr().out
    table = out.split("\n\n")[0].splitlines()
    assert table[0].split() == ["case", "contender", "time", "ns/epoch", "speed-up"]
    assert len({len(line) for line in table[:2]}) == 1
    records = json.loads((tmp_path / "bench.json").read_text())
    contenders = {(r["case"], r["contender"]) for r in records}
    assert ("single 2-4-1 xor", "NumPy reference") in contenders
    assert ("sweep 2-4-1 xor, 64 seeds", "xorfast.sweep float32") in contenders
    assert (STOP, "fixed budget") in contenders and (STOP, 'stop="solved"') in contenders
    for record in records:
        if record["contender"] == "NumPy reference":
            assert record["speedup"] == pytest.approx(1.0)
        assert record["ns_per_epoch"] == pytest.approx(
            record["seconds"] / (record["epochs"] * record["runs"]) * 1e9
        )
    assert not any(r["contender"].startswith("peer") for r in records)


def test_speedups_are_ratios_per_epoch():
    rows = [
        benchmarks.Row("c", "NumPy reference", 2.0, 100, 1, 1.0),
        benchmarks.Row("c", "fast", 0.5, 100, 10, 40.0),
    ]
    assert rows[1].ns_per_epoch == pytest.approx(0.5 / 1000 * 1e9)
    text = benchmarks.format_table(rows)
    assert "40x" in text and text.splitlines()[3].startswith(" ")


def test_a_peer_slower_than_the_baseline_shows_its_fraction():
    rows = [
        benchmarks.Row("c", "fixed budget", 4.0, 100, 10, 1.0),
        benchmarks.Row("c", "peer", 16.0, 100, 10, 0.25),
    ]
    assert benchmarks.format_table(rows).splitlines()[-1].endswith(" 0.25x")


def test_speedup_is_reference_time_over_contender_time(monkeypatch):
    """Known times in, known speed-ups out: the NumPy reference is slow, xorfast fast."""
    cost = {"numpy": 2.0, "numba": 0.02, "sweep": 0.5}  # seconds per call
    spent = []
    monkeypatch.setattr(
        benchmarks, "train", lambda *a, backend="numba", **k: spent.append(cost[backend])
    )
    monkeypatch.setattr(benchmarks, "sweep", lambda *a, **k: spent.append(cost["sweep"]))

    def fake_best_time(function, *, repeats=3):
        spent.clear()
        function()
        return sum(spent)

    monkeypatch.setattr(benchmarks, "best_time", fake_best_time)
    monkeypatch.setattr(benchmarks, "SWEEP_SEEDS", 1000)
    monkeypatch.setattr(benchmarks, "LOOP_SEEDS", 10)
    rows = benchmarks.run_all(peers=False, progress=lambda text: None)
    speedup = {(r.case, r.contender): r.speedup for r in rows}
    # 2 s for the reference against 0.02 s for xorfast, the same epochs: 100 times faster.
    assert speedup["single 2-4-1 xor", "xorfast float64"] == pytest.approx(100)
    assert speedup["single 2-4-1 xor", "NumPy reference"] == pytest.approx(1)
    # 10 seeds at 0.02 s each: still 100 times the reference's speed per seed-epoch.
    assert speedup["sweep 2-4-1 xor, 1,000 seeds", "loop of xorfast.train"] == pytest.approx(100)
    # 1000 seeds in 0.5 s, the reference 2 s for one: 4000 times faster per seed-epoch.
    assert speedup["sweep 2-4-1 xor, 1,000 seeds", "xorfast.sweep float32"] == pytest.approx(4000)
    assert "4,000x" in benchmarks.format_table(rows)


def test_cases_read_the_sizes_when_called_and_share_the_reference(monkeypatch):
    monkeypatch.setattr(benchmarks, "EPOCHS", 7)
    monkeypatch.setattr(benchmarks, "LOOP_SEEDS", 3)
    found = {case.name: case for case in benchmarks.cases(sweep_seeds=(5, 6))}
    assert list(found) == [
        "single 2-4-1 xor",
        "single 2-16-1 xor",
        "single 3-8-1 parity3",
        "sweep 2-4-1 xor, 5 seeds",
        "sweep 2-4-1 xor, 6 seeds",
        STOP,
    ]
    reference = found["single 2-4-1 xor"].baseline
    assert found["sweep 2-4-1 xor, 5 seeds"].baseline is reference
    loop, *batched = found["sweep 2-4-1 xor, 6 seeds"].contenders
    assert (loop.name, loop.epochs, loop.runs, loop.units) == ("loop of xorfast.train", 7, 3, 21)
    assert [(e.name, e.runs) for e in batched] == [
        ("xorfast.sweep float64", 6),
        ("xorfast.sweep float32", 6),
    ]


def test_a_shared_baseline_is_measured_once_and_shown_once(monkeypatch):
    measured = []
    monkeypatch.setattr(
        benchmarks, "train", lambda *a, backend="numba", **k: measured.append(backend)
    )
    monkeypatch.setattr(benchmarks, "sweep", lambda *a, **k: None)
    monkeypatch.setattr(
        benchmarks, "best_time", lambda function, *, repeats=3: (function(), 1.0)[1]
    )
    monkeypatch.setattr(benchmarks, "LOOP_SEEDS", 2)
    rows = benchmarks.run_all(peers=False, progress=lambda text: None)
    assert measured.count("numpy") == 3  # three single cases; the sweep reuses 2-4-1's
    assert [r.contender for r in rows if r.case.startswith("sweep")] == [
        "loop of xorfast.train",
        "xorfast.sweep float64",
        "xorfast.sweep float32",
    ]
    assert sum(r.contender == "NumPy reference" for r in rows) == 3


def test_early_stop_case_is_the_issues_sweep_with_and_without_stop(monkeypatch):
    calls = []
    monkeypatch.setattr(benchmarks, "sweep", lambda *a, **k: calls.append(k))
    monkeypatch.setattr(benchmarks, "EPOCHS", 7)
    (case,) = [c for c in benchmarks.cases(stop_seeds=5) if c.kind == "stop"]
    assert case.name == STOP
    fixed, (solved,) = case.baseline, case.contenders
    assert (fixed.name, solved.name) == ("fixed budget", 'stop="solved"')
    # Both count the whole budget of every run: 7 epochs, 5 seeds for each of 3 widths.
    assert [(e.epochs, e.runs) for e in (fixed, solved)] == [(7, 15), (7, 15)]
    assert solved.target == 5.0
    fixed.function()
    solved.function()
    same = dict(seeds=5, hidden=[2, 4, 8], lr=0.5, epochs=7, progress=False)
    assert calls == [{**same, "stop": None}, {**same, "stop": "solved"}]


def test_early_stop_speedup_is_fixed_budget_time_over_stop_time(monkeypatch, without_peers):
    """Its baseline is the fixed budget, timed right before stop="solved"."""
    order = []

    def fake_sweep(*a, stop=None, seeds=None, **k):
        order.append((seeds, stop))
        return 6.0 if stop is None else 1.5  # seconds per call

    monkeypatch.setattr(benchmarks, "train", lambda *a, **k: 2.0)
    monkeypatch.setattr(benchmarks, "sweep", fake_sweep)

    def fake_best_time(function, *, repeats=3):
        seconds = function()
        return seconds if isinstance(seconds, float) else 1.0  # a loop's list: 1 s

    monkeypatch.setattr(benchmarks, "best_time", fake_best_time)
    monkeypatch.setattr(benchmarks, "LOOP_SEEDS", 2)
    monkeypatch.setattr(benchmarks, "STOP_SEEDS", 3)
    rows = benchmarks.run_all(peers=True, progress=lambda text: None)
    stop_rows = {r.contender: r for r in rows if r.case == STOP}
    assert list(stop_rows) == ["fixed budget", 'stop="solved"']  # no peer without JAX
    assert stop_rows["fixed budget"].speedup == pytest.approx(1)
    assert stop_rows['stop="solved"'].speedup == pytest.approx(4)  # 6 s / 1.5 s
    assert order[-2:] == [(3, None), (3, "solved")]  # back to back, baseline first
    lines = benchmarks.format_table(rows).splitlines()
    assert [line.split()[-1] for line in lines if "fixed budget" in line] == ["1x"]
    assert [line.split()[-1] for line in lines if 'stop="solved"' in line] == ["4x"]


def test_jax_peers_are_skipped_without_jax(without_peers):
    assert benchmarks._jax_stop_sweep([2], 4, 10, 0.5) is None
    assert benchmarks._jax_sweep(4, 10) is None
    assert benchmarks._jax_single(10) is None
    (case,) = [c for c in benchmarks.cases(epochs=10, stop_seeds=4) if c.kind == "stop"]
    assert [make() for make in case.peers] == [None]


def test_jax_stop_peer_solves_at_xorfasts_epochs():
    """The peer stops each run where xorfast's epoch_solved says, -1 when never solved."""
    pytest.importorskip("jax")
    from xorfast import sweep, train

    entry = benchmarks._jax_stop_sweep([2, 4], 16, 300, 0.5)
    assert (entry.epochs, entry.runs) == (300, 32)
    found = entry.function()
    result = sweep(seeds=16, hidden=[2, 4], lr=0.5, epochs=300, progress=False)
    for (epoch_solved, params), hidden in zip(found, (2, 4)):
        rows = result.table[result.table["hidden"] == hidden]
        np.testing.assert_array_equal(np.asarray(epoch_solved), rows["epoch_solved"])
        # A run's weights are those of the epoch it stopped at, as xorfast's stop="solved".
        run = train(seed=3, hidden=hidden, lr=0.5, epochs=300, stop="solved")
        for theirs, ours in zip(params, run.params):
            np.testing.assert_allclose(np.asarray(theirs)[3], ours, rtol=1e-9, atol=1e-12)
    solved = np.concatenate([np.asarray(e) for e, _ in found])
    assert (solved == -1).any() and (solved > 0).any()  # both kinds of run are checked
