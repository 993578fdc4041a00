"""Shared machinery for the benchmarks: ratios against a baseline measured in the same run.

The cases are :func:`xorfast.benchmarks.cases`, the ones ``xorfast bench``
prints (see ``bench/_cases.py``): each has a *baseline* (the NumPy reference)
and *contenders*, each with its units of work (epochs times runs). Every
benchmark is measured with ``benchmark.pedantic``; a contender's speed-up is
``baseline min time per unit / its min time per unit``, both measured in this
session, and goes into the benchmark's ``extra_info`` and into the table
printed at the end of the session.

No benchmark asserts a time or a speed ratio (the one assert left in
``bench/`` is the memory bound of a million-seed sweep, which does not depend
on the machine's speed or load). Absolute times belong to one
machine, and even ratios move by tens of percent on a shared, noisy one, so
a failure would say more about the neighbours than about the code. Targets
(a speed-up to reach) and limits (a cost ratio to stay under) are goals:
each is recorded in ``extra_info`` with whether this run met it
(``met_target`` / ``within_limit``) and shown in the summary table, marked
``MISSED`` when not met. Compare runs before and after a change on the same
machine (``--benchmark-autosave``, ``pytest-benchmark compare``).

With ``--benchmark-disable`` every benchmark runs its callable once as a
plain test (the numbers are then single calls, for a smoke check only).
"""

import time

import pytest

from xorfast.benchmarks import best_time

_BASELINES = {}  # baseline Entry -> seconds per unit
_SPEEDUPS = []  # (case, role, seconds, speedup, target, units of work)
_COSTS = []  # (case, role, seconds, cost ratio, limit)


class Speedup:
    """Measure cases' entries with pytest-benchmark and relate them to the case's baseline."""

    def __init__(self, benchmark):
        self.benchmark = benchmark

    def baseline(self, case):
        """Measure the baseline of ``case`` (a :class:`xorfast.benchmarks.Case`)."""
        entry = case.baseline
        seconds = self._measure(entry.function, entry.rounds)
        _BASELINES[entry] = seconds / entry.units
        self.benchmark.extra_info.update(case=case.name, role="baseline", contender=entry.name)
        return seconds

    def contender(self, case, entry):
        """Measure ``entry`` of ``case``; its speed-up is per unit of work over the baseline.

        The baseline is measured here if this session has not (a test run alone).
        """
        per_unit = self._baseline_per_unit(case)
        seconds = self._measure(entry.function, entry.rounds)
        speedup = per_unit / (seconds / entry.units)
        info = dict(
            case=case.name,
            role="contender",
            contender=entry.name,
            speedup=round(speedup, 1),
            target=entry.target,
            ns_per_unit=round(seconds / entry.units * 1e9, 2),
        )
        if entry.target:
            info["met_target"] = speedup >= entry.target
        self.benchmark.extra_info.update(info)
        _SPEEDUPS.append((case.name, entry.name, seconds, speedup, entry.target, entry.units))
        return speedup

    def cost(self, case, entry):
        """Measure ``entry`` and record its time per unit over the baseline's (lower is better).

        ``entry.target`` is read as a limit: the cost ratio this entry should stay under.
        """
        ratio = (
            self._measure(entry.function, entry.rounds)
            / entry.units
            / self._baseline_per_unit(case)
        )
        info = dict(
            case=case.name,
            role="cost",
            contender=entry.name,
            cost=round(ratio, 2),
            limit=entry.target,
        )
        if entry.target:
            info["within_limit"] = ratio <= entry.target
        self.benchmark.extra_info.update(info)
        _COSTS.append(
            (
                case.name,
                entry.name,
                ratio * _BASELINES[case.baseline] * entry.units,
                ratio,
                entry.target,
            )
        )
        return ratio

    def _baseline_per_unit(self, case):
        entry = case.baseline
        if entry not in _BASELINES:
            _BASELINES[entry] = best_time(entry.function, repeats=entry.rounds) / entry.units
        return _BASELINES[entry]

    def _measure(self, function, rounds):
        function()  # warm-up: compile or load machine code outside the measurement
        if self.benchmark.disabled:  # pedantic calls it once and keeps no statistics
            began = time.perf_counter()
            self.benchmark.pedantic(function, rounds=1, iterations=1)
            return time.perf_counter() - began
        self.benchmark.pedantic(function, rounds=rounds, iterations=1, warmup_rounds=1)
        return self.benchmark.stats.stats.min


@pytest.fixture
def speedup(benchmark):
    """A :class:`Speedup` bound to this test's benchmark."""
    return Speedup(benchmark)


def pytest_terminal_summary(terminalreporter):
    """Print every speed-up and cost ratio measured in this session, goals beside them."""
    write = terminalreporter.write_line
    if _COSTS:
        terminalreporter.section("xorfast cost ratios (min time over the baseline's, same run)")
        header = f"{'case':<34} {'contender':<24} {'time':>10} {'cost':>9} {'limit':>7} {'':>6}"
        write(header)
        write("-" * len(header))
        for case, role, seconds, ratio, limit in _COSTS:
            goal = f"<={limit:g}" if limit else ""
            missed = "MISSED" if limit and ratio > limit else ""
            write(
                f"{case:<34} {role:<24} {seconds * 1e3:7.3f} ms {ratio:8.1f}x {goal:>7} "
                f"{missed:>6}"
            )
    if not _SPEEDUPS:
        return
    terminalreporter.section("xorfast speed-ups (min time, baseline measured in this run)")
    header = (
        f"{'case':<40} {'contender':<22} {'time':>11} {'per unit':>10} {'speed-up':>9} "
        f"{'target':>7} {'':>6}"
    )
    write(header)
    write("-" * len(header))
    for case, role, seconds, ratio, target, units in _SPEEDUPS:
        shown = f"{seconds * 1e3:8.3f} ms"
        per_unit = f"{seconds / units * 1e9:7.2f} ns"
        goal = f">={target:g}" if target else ""
        missed = "MISSED" if target and ratio < target else ""
        write(
            f"{case:<40} {role:<22} {shown:>11} {per_unit:>10} {ratio:8.1f}x {goal:>7} {missed:>6}"
        )
