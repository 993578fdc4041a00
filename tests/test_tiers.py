"""The two test tiers: what README says to run is what CI runs, and CI runs both."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README_COMMAND = 'python -m pip install ".[test]" && python -m pytest'


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
