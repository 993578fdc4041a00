"""``xorfast bench`` measures every case and prints one aligned table (tiny sizes here)."""

import json

import pytest

from xorfast import benchmarks
from xorfast.cli import main


@pytest.fixture
def tiny(monkeypatch):
    monkeypatch.setattr(benchmarks, "EPOCHS", 50)
    monkeypatch.setattr(benchmarks, "SWEEP_SEEDS", 64)
    monkeypatch.setattr(benchmarks, "LOOP_SEEDS", 2)


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
    for record in records:
        if record["contender"] == "NumPy reference":
            assert record["speedup"] == pytest.approx(1.0)
        assert record["ns_per_epoch"] == pytest.approx(
            record["seconds"] / (record["epochs"] * record["runs"]) * 1e9)
    assert not any(r["contender"].startswith("peer") for r in records)


def test_speedups_are_ratios_per_epoch():
    rows = [benchmarks.Row("c", "NumPy reference", 2.0, 100, 1, 1.0),
            benchmarks.Row("c", "fast", 0.5, 100, 10, 40.0)]
    assert rows[1].ns_per_epoch == pytest.approx(0.5 / 1000 * 1e9)
    text = benchmarks.format_table(rows)
    assert "40x" in text and text.splitlines()[3].startswith(" ")
