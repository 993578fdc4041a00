"""The one kernel cache: keyed by the kernel sources, pruned, shown and cleared by the CLI."""

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

import xorfast
from xorfast._compiled import cache, modules, sigmoid, single_run
from xorfast.cli import main

OTHER = "0123456789abcdef"


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.setenv("XORFAST_CACHE_DIR", str(tmp_path))
    return tmp_path / "kernels"


def make(path, size=10, age=0.0):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * size)
    if age:
        stamp = time.time() - age
        os.utime(path, (stamp, stamp))
    return path


def fill(folder, digest, age=0.0):
    """A generated module, its machine code and a hand-written kernel's, of ``digest``."""
    name = f"xorfast_train_2_2_1_{digest}_{'f' * 16}"
    files = [
        make(folder / f"{name}.py", 100, age),
        make(folder / "__pycache__" / f"{name}.train_run-5.py311.nbi", 20, age),
        make(folder / f"numba-{digest}" / "single_run._train-167.py311.1.nbc", 30, age),
    ]
    if age:
        stamp = time.time() - age
        os.utime(folder / f"numba-{digest}", (stamp, stamp))
    return files


def test_cache_info_counts_each_kind_and_clear_empties_the_folder(folder, capsys):
    assert main(["cache", "info"]) == 0
    assert "(not created yet)" in capsys.readouterr().out
    current = cache.source_digest()
    fill(folder, current)
    make(folder / "__pycache__" / "other.nbc", 5)
    assert main(["cache", "info"]) == 0
    out = capsys.readouterr().out
    assert f"kernel cache: {folder}\n" in out
    assert f"current digest: {current}" in out
    assert "generated modules: 1 files, 100 bytes" in out
    assert "generated machine code: 2 files, 25 bytes" in out
    assert "hand-written machine code: 1 files, 30 bytes" in out
    assert main(["cache", "clear"]) == 0
    assert capsys.readouterr().out == f"removed 4 files (155 bytes) from {folder}\n"
    assert [path for path in folder.rglob("*")] == []


def test_old_files_of_other_digests_are_pruned_and_the_rest_kept(folder):
    current = cache.source_digest()
    stale = fill(folder, OTHER, age=2 * 3600)
    recent = fill(folder, "fedcba9876543210")
    old_current = fill(folder, current, age=2 * 3600)
    # A module named before its names carried the kernel sources' digest.
    legacy = make(folder / f"xorfast_kernel_2_4_1_4_{'a' * 16}.py", age=2 * 3600)
    assert cache.prune(folder) == 4
    assert not any(path.exists() for path in [*stale, legacy])
    assert not (folder / f"numba-{OTHER}").exists()
    assert all(path.exists() for path in recent + old_current)


def test_writing_a_generated_module_prunes_its_folder(folder, monkeypatch):
    stale = fill(folder, OTHER, age=2 * 3600)
    monkeypatch.setattr(modules, "_folders", {})
    module = modules.load_module("xorfast_train_0_0_1", "VALUE = 1\n", ())
    sys.modules.pop(module.__name__, None)
    assert Path(module.__file__).parent == folder
    assert not any(path.exists() for path in stale)


def test_an_edit_to_any_kernel_source_changes_the_digest_and_the_folders(folder, monkeypatch):
    original = cache._read_source
    before = cache.source_digest()

    def edited(name):
        text = original(name)
        return text + b"\n# edited\n" if name == "sigmoid.py" else text

    monkeypatch.setattr(cache, "_read_source", edited)
    cache.source_digest.cache_clear()
    try:
        after = cache.source_digest()
        locator = cache._KernelLocator.from_function(
            sigmoid.sigmoid_inplace.py_func, sigmoid.__file__
        )
        monkeypatch.setattr(modules, "_folders", {})
        module = modules.load_module("xorfast_train_0_0_0", "VALUE = 1\n", ())
    finally:
        monkeypatch.undo()
        cache.source_digest.cache_clear()
    assert after != before
    assert locator.get_cache_path() == str(folder / f"numba-{after}")
    assert locator.get_source_stamp() == after
    assert Path(module.__file__).name.startswith(f"xorfast_train_0_0_0_{after}_")
    sys.modules.pop(module.__name__, None)
    assert cache.source_digest() == before


def test_hand_written_kernels_are_cached_under_the_digest():
    locator = single_run._train._cache._impl.locator
    assert isinstance(locator, cache._KernelLocator)
    assert os.path.basename(locator.get_cache_path()) == f"numba-{cache.source_digest()}"
    assert locator.get_source_stamp() == cache.source_digest()


EDITED_RUN = """
import json, xorfast
print(json.dumps(xorfast.train(seed=0, hidden=20, epochs=5).predictions.ravel().tolist()))
"""


@pytest.mark.slow
def test_an_edit_to_the_sigmoid_reaches_a_hand_written_kernel_that_inlines_it(tmp_path):
    """The generic single-run kernel, cached, runs the edited sigmoid in the next process."""
    shutil.copytree(
        Path(xorfast.__file__).parent,
        tmp_path / "xorfast",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    env = dict(os.environ, PYTHONPATH=str(tmp_path), XORFAST_CACHE_DIR=str(tmp_path / "cache"))
    env.pop("NUMBA_CACHE_DIR", None)

    def predictions():
        done = subprocess.run(
            [sys.executable, "-c", EDITED_RUN],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return json.loads(done.stdout)

    assert len(set(predictions())) == 4
    source = tmp_path / "xorfast" / "_compiled" / "sigmoid.py"
    text = source.read_text()
    assert "        return numerator / (one + e)\n" in text
    source.write_text(
        text.replace(
            "        return numerator / (one + e)\n", "        return one / (one + one)\n"
        )
    )
    assert predictions() == [0.5] * 4
    assert len(list((tmp_path / "cache" / "kernels").glob("numba-*"))) == 2
