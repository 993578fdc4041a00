import os

import pytest
from hypothesis import settings

# CI runs the same examples every time, so a failure there is reproducible.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

#: How many compiled kernel specialisations (one per kernel, shape and argument types)
#: the everyday tier may make or load in one process. Each new one costs 2-15 s of
#: compiling from a cold cache, which is where the tier's time goes: a test that needs
#: a shape, dtype or option combination no other everyday test compiles belongs in the
#: exhaustive tier (``@pytest.mark.slow``), or can use the shapes the others use. A run
#: of part of the tier compiles fewer; the count is the same from a cold or warm cache.
EVERYDAY_KERNEL_BUDGET = 100


def compiled_specialisations():
    """Machine code this process holds for xorfast's kernels (and the tests' own ones)."""
    from xorfast._compiled import jit

    return sum(len(dispatcher.overloads) for dispatcher in list(jit._DISPATCHERS))


def _counts_kernels(config):
    """True for the everyday tier run with compiled kernels, in this one process."""
    distributed = getattr(config.option, "numprocesses", None) or hasattr(config, "workerinput")
    return (
        config.option.markexpr == "not slow"
        and os.environ.get("NUMBA_DISABLE_JIT") != "1"
        and not distributed
    )


def pytest_sessionfinish(session, exitstatus):
    if exitstatus != 0 or not _counts_kernels(session.config):
        return
    count = compiled_specialisations()
    session.config.stash[_COUNT] = count
    if count > EVERYDAY_KERNEL_BUDGET:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


_COUNT = pytest.StashKey[int]()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    count = config.stash.get(_COUNT, None)
    if count is None:
        return
    line = (
        f"everyday tier: {count} compiled kernel specialisations "
        f"(budget {EVERYDAY_KERNEL_BUDGET}, tests/conftest.py)"
    )
    if count > EVERYDAY_KERNEL_BUDGET:
        terminalreporter.write_line(
            f"{line}: over budget; move the cases that alone need a shape, dtype or option "
            "combination to the exhaustive tier (@pytest.mark.slow) or reuse shapes",
            red=True,
        )
    else:
        terminalreporter.write_line(line)
