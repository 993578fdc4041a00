"""Shared machinery for the benchmarks: ratios against a baseline measured in the same run.

Each benchmark belongs to a *case* (say "2-4-1 xor float64") and plays a *role*
in it: the baseline (usually the NumPy reference) or a contender. A contender's
speed-up is ``baseline min time / its min time``, both measured in this
session; it goes into the benchmark's ``extra_info`` and into the table
printed at the end of the session.
"""

import pytest

from xorfast.benchmarks import best_time

_RESULTS = {}  # case -> {role: seconds}
_SPEEDUPS = []  # (case, role, seconds, speedup, target, units of work)
_COSTS = []  # (case, role, seconds, cost ratio, limit)


class Speedup:
    """Measure a callable with pytest-benchmark and relate it to its case's baseline."""

    def __init__(self, benchmark):
        self.benchmark = benchmark

    def baseline(self, case, function, *, rounds=5, units=1):
        """Measure the baseline of ``case``; ``units`` of work (say seed-epochs) per call."""
        seconds = self._measure(function, rounds)
        _RESULTS.setdefault(case, {})["baseline"] = seconds / units
        self.benchmark.extra_info.update(case=case, role="baseline")
        return seconds

    def contender(self, case, role, function, *, baseline, rounds=20, target=None, units=1,
                  baseline_units=None):
        """Measure ``function``; ``baseline`` measures the reference if this session has not.

        With ``units`` (work per call, say seed-epochs) the speed-up compares
        time per unit, so the baseline may do less work than the contender.
        """
        if "baseline" not in _RESULTS.get(case, {}):
            per_unit = best_time(baseline, repeats=3) / (baseline_units or units)
            _RESULTS.setdefault(case, {})["baseline"] = per_unit
        seconds = self._measure(function, rounds)
        speedup = _RESULTS[case]["baseline"] / (seconds / units)
        self.benchmark.extra_info.update(case=case, role=role, speedup=round(speedup, 1),
                                         target=target)
        if units > 1:
            self.benchmark.extra_info["ns_per_unit"] = round(seconds / units * 1e9, 2)
        _SPEEDUPS.append((case, role, seconds, speedup, target, units))
        return speedup

    def cost(self, case, role, function, *, baseline, rounds=20, limit=None):
        """Measure ``function`` and record its time over the baseline's (lower is better)."""
        if "baseline" not in _RESULTS.get(case, {}):
            _RESULTS.setdefault(case, {})["baseline"] = best_time(baseline, repeats=20)
        seconds = self._measure(function, rounds)
        ratio = seconds / _RESULTS[case]["baseline"]
        self.benchmark.extra_info.update(case=case, role=role, cost=round(ratio, 2), limit=limit)
        _COSTS.append((case, role, seconds, ratio, limit))
        return ratio

    def _measure(self, function, rounds):
        function()  # warm-up: compile or load machine code outside the measurement
        self.benchmark.pedantic(function, rounds=rounds, iterations=1, warmup_rounds=1)
        return self.benchmark.stats.stats.min


@pytest.fixture
def speedup(benchmark):
    """A :class:`Speedup` bound to this test's benchmark."""
    return Speedup(benchmark)


def pytest_terminal_summary(terminalreporter):
    """Print every speed-up and cost ratio measured in this session."""
    write = terminalreporter.write_line
    if _COSTS:
        terminalreporter.section("xorfast cost ratios (min time over the baseline's, same run)")
        header = f"{'case':<34} {'contender':<24} {'time':>10} {'cost':>9} {'limit':>7}"
        write(header)
        write("-" * len(header))
        for case, role, seconds, ratio, limit in _COSTS:
            goal = f"<={limit:g}" if limit else ""
            write(f"{case:<34} {role:<24} {seconds * 1e3:8.3f} ms {ratio:8.1f}x {goal:>7}")
    if not _SPEEDUPS:
        return
    terminalreporter.section("xorfast speed-ups (min time, baseline measured in this run)")
    header = (f"{'case':<40} {'contender':<18} {'time':>11} {'per unit':>10} {'speed-up':>9} "
              f"{'target':>7}")
    write(header)
    write("-" * len(header))
    for case, role, seconds, ratio, target, units in _SPEEDUPS:
        shown = f"{seconds * 1e3:8.3f} ms"
        per_unit = f"{seconds / units * 1e9:7.2f} ns" if units > 1 else ""
        goal = f">={target:g}" if target else ""
        write(f"{case:<40} {role:<18} {shown:>11} {per_unit:>10} {ratio:8.1f}x {goal:>7}")
