"""The two test tiers: what README says to run is what CI runs, and CI runs both."""

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README_COMMAND = 'python -m pip install ".[test]" && python -m pytest -n auto'


def ci_lines():
    return [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]


def test_readmes_test_command_is_the_one_ci_runs():
    readme = (ROOT / "README.md").read_text()
    assert f"\n{README_COMMAND}\n" in readme
    assert README_COMMAND in ci_lines()


def test_the_everyday_tier_leaves_out_slow_and_ci_runs_the_slow_tier_after_it():
    pytest_options = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]
    addopts = pytest_options["ini_options"]["addopts"]
    assert re.search(r"-m ['\"]not slow['\"]", addopts), addopts
    assert any(marker.startswith("slow:") for marker in pytest_options["ini_options"]["markers"])
    lines = ci_lines()
    assert lines.index("python -m pytest -m slow") > lines.index(README_COMMAND)


def _cache_folder_seen_by(worker, tmp_path):
    """The kernel cache folder xorfast uses in a process set up as xdist's ``worker``."""
    code = "import tests.conftest, xorfast._compiled.cache as c; print(c.configured_folder())"
    env = {**os.environ, "PYTEST_XDIST_WORKER": worker, "XORFAST_CACHE_DIR": str(tmp_path)}
    command = [sys.executable, "-c", code]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return Path(done.stdout.strip())


def test_xdist_workers_after_the_first_compile_into_folders_of_their_own(tmp_path):
    assert _cache_folder_seen_by("gw0", tmp_path) == tmp_path / "kernels"
    assert _cache_folder_seen_by("gw1", tmp_path) == tmp_path / "test-gw1" / "kernels"
