"""The generated kernels of the smallest shapes equal the committed golden files, byte for byte.

``tests/golden/`` holds the modules the code generators write for a few small
shapes, so that a change to a generator (or to the sweep driver) shows up in
review as a diff of real kernel code. After an intended change, run
``python tools/refresh_golden.py`` and commit the rewritten files with it.
"""

import difflib
import functools
import importlib.util
import sys
from pathlib import Path

import pytest

from xorfast._compiled import cache, single_run_unrolled, sweep_unrolled

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"


def _refresh_tool():
    spec = importlib.util.spec_from_file_location(
        "refresh_golden", ROOT / "tools" / "refresh_golden.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


TOOL = _refresh_tool()
EXPECTED = TOOL.sources()
HOW = f"if the generator change is intended, run `{TOOL.COMMAND}` and commit tests/golden/"


def _diff(name, committed, generated):
    lines = difflib.unified_diff(
        committed.splitlines(keepends=True),
        generated.splitlines(keepends=True),
        f"tests/golden/{name} (committed)",
        f"{name} (generated now)",
    )
    return "".join(list(lines)[:60])


def test_the_refresh_command_is_documented():
    assert TOOL.COMMAND == "python tools/refresh_golden.py"
    assert TOOL.COMMAND in (ROOT / "CONTRIBUTING.md").read_text()


def test_the_golden_files_are_the_ones_generated():
    committed = sorted(path.name for path in GOLDEN.glob("*.py"))
    assert committed == sorted(EXPECTED), f"tests/golden/ holds other files than expected; {HOW}"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_generated_source_equals_the_golden_file_byte_for_byte(name):
    path = GOLDEN / name
    assert path.is_file(), f"tests/golden/{name} is missing; {HOW}"
    committed = path.read_bytes()
    generated = EXPECTED[name].encode()
    assert committed == generated, (
        f"the generated {name} differs from tests/golden/{name}; {HOW}\n"
        + _diff(name, committed.decode(errors="replace"), EXPECTED[name])
    )


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_golden_sources_hold_no_digest_path_or_time(name):
    source = EXPECTED[name]
    assert cache.source_digest() not in source
    assert str(ROOT) not in source and str(cache.configured_folder()) not in source


@pytest.mark.parametrize(
    ("load", "shape", "name"),
    [
        (sweep_unrolled.block_kernel, (2, 2, 1, 4), "xorfast_kernel_2_2_1_4.py"),
        (sweep_unrolled.block_kernel, (2, 2, 1, 4, True), "xorfast_kernel_2_2_1_4_momentum.py"),
        (sweep_unrolled.block_kernel, (2, 30, 1, 4), "xorfast_kernel_2_any_1_any.py"),
        (single_run_unrolled.train_kernel, (2, 2, 1), "xorfast_train_2_2_1.py"),
        (
            functools.partial(single_run_unrolled.train_kernel, momentum=True),
            (2, 2, 1),
            "xorfast_train_momentum_2_2_1.py",
        ),
        (
            functools.partial(single_run_unrolled.train_kernel, stop=True),
            (2, 2, 1),
            "xorfast_train_stop_2_2_1.py",
        ),
        (
            functools.partial(single_run_unrolled.train_kernel, momentum=True, stop=True),
            (2, 2, 1),
            "xorfast_train_momentum_stop_2_2_1.py",
        ),
    ],
)
def test_the_module_the_kernels_run_is_the_golden_source(load, shape, name):
    # What the kernel cache holds and runs, not only what module_source returns.
    kernel = load(*shape)
    module = sys.modules[getattr(kernel, "py_func", kernel).__module__]
    assert Path(module.__file__).read_bytes() == (GOLDEN / name).read_bytes()
