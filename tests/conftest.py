import os

# Under pytest-xdist (`python -m pytest -n auto`) each worker but the first keeps a
# kernel cache of its own (`<cache>/test-gw1`, ...): compiles hold the cache folder's
# `compile.lock`, so workers sharing one folder would compile one at a time. The first
# worker uses the folder itself, which a run without xdist (the slow tier) then finds
# warm. Set before xorfast is imported, as its kernels find their cache folder then;
# the default base is the one xorfast._compiled.cache.configured_folder() reads.
_worker = os.environ.get("PYTEST_XDIST_WORKER")
if _worker and _worker != "gw0":
    _base = os.environ.get("XORFAST_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"),
        "xorfast",
    )
    os.environ["XORFAST_CACHE_DIR"] = os.path.join(_base, f"test-{_worker}")

import pytest  # noqa: E402
from hypothesis import settings  # noqa: E402

# CI runs the same examples every time, so a failure there is reproducible.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist, when it is installed
def pytest_xdist_make_scheduler(config, log):
    """For xdist's default ``--dist load``, keep each test module on one worker.

    A module's tests share their kernels, so one worker compiles them. Any other
    ``--dist`` is left to xdist.
    """
    if config.getoption("dist") != "load":
        return None
    from xdist.scheduler import LoadFileScheduling

    return LoadFileScheduling(config, log)
