"""The kernel cache: its folder, damaged entries, planted files, a full disk."""

import errno
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import warnings
import weakref
from pathlib import Path

import numpy as np
import pytest

from xorfast._compiled import jit, modules

TRAIN_AND_SWEEP = """
import warnings
import xorfast

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    trained = xorfast.train(seed=0, epochs=200)
    swept = xorfast.sweep(seeds=3, epochs=200, progress=False)
print(len([w for w in caught if "cannot write its compiled kernels" in str(w.message)]))
print(trained.final_mse > 0 and len(swept) == 3)
"""


def run(env_updates, tmp_path):
    env = dict(
        os.environ,
        TMPDIR=str(tmp_path / "tmp"),
        NUMBA_CACHE_DIR=str(tmp_path / "numba"),
        **env_updates,
    )
    (tmp_path / "tmp").mkdir(exist_ok=True)
    done = subprocess.run(
        [sys.executable, "-c", TRAIN_AND_SWEEP],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return done.stdout.split()


# A fresh process compiles 2-4-1's kernels again (8-18 s): the exhaustive tier. Everyday,
# the in-process tests below (the ``isolated`` fixture) hold modules to the folder that
# XORFAST_CACHE_DIR names.
@pytest.mark.slow
def test_generated_kernels_go_to_the_configured_folder(tmp_path):
    warnings, worked = run({"XORFAST_CACHE_DIR": str(tmp_path / "cache")}, tmp_path)
    assert warnings == "0" and worked == "True"
    assert any((tmp_path / "cache" / "kernels").glob("xorfast_train_2_4_1_*.py"))
    assert any((tmp_path / "cache" / "kernels").glob("xorfast_kernel_2_4_1_4_*.py"))


@pytest.mark.slow  # a fresh process compiles every kernel; the in-process tests below are quick
def test_an_unwritable_folder_falls_back_to_a_temporary_one_with_one_warning(tmp_path):
    blocker = tmp_path / "a file"
    blocker.write_text("not a folder")
    warnings, worked = run({"XORFAST_CACHE_DIR": str(blocker / "cache")}, tmp_path)
    assert warnings == "1" and worked == "True"
    assert any((tmp_path / "tmp").glob("xorfast-*/kernels/xorfast_train_2_4_1_*.py"))


# Damaged cache entries: each run below trains and sweeps with every kind of kernel (a generated
# single-run kernel, the generic one above SMALL_WIDTHS, a generated sweep kernel and the generic
# sweep kernel) and reports the warnings it saw.
EVERY_KERNEL = """
import json
import warnings
import xorfast

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    results = {
        "small": xorfast.train(seed=0).predictions.ravel().tolist(),
        "large": xorfast.train(seed=0, hidden=20, epochs=300).predictions.ravel().tolist(),
        "sweep": xorfast.sweep(seeds=3, epochs=300, progress=False).table["max_error"].tolist(),
        "generic_sweep": xorfast.sweep(seeds=3, hidden=40, epochs=100,
                                       progress=False).table["max_error"].tolist(),
    }
print(json.dumps({"warnings": [str(w.message) for w in caught], "results": results}))
"""


def run_every_kernel(root):
    root.mkdir(exist_ok=True)
    env = dict(
        os.environ,
        TMPDIR=str(root / "tmp"),
        NUMBA_CACHE_DIR=str(root / "numba"),
        XORFAST_CACHE_DIR=str(root / "cache"),
    )
    (root / "tmp").mkdir(exist_ok=True)
    done = subprocess.run(
        [sys.executable, "-c", EVERY_KERNEL], env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def filled_cache(tmp_path_factory):
    """A kernel cache filled by one run, a copy of it, and that run's results."""
    root = tmp_path_factory.mktemp("filled")
    first = run_every_kernel(root / "root")
    assert first["warnings"] == []
    # The numbers for train(seed=0) on XOR: a damaged cache gave [0.5, 0.996, 0.5, 0.003].
    np.testing.assert_allclose(first["results"]["small"], [0.012, 0.988, 0.990, 0.014], atol=1e-3)
    shutil.copytree(root / "root", root / "pristine")
    return root, first["results"]


def _one(root, pattern):
    [path] = root.glob(pattern)
    return path


def _cut_in_half(path):
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])


def _empty(path):
    path.write_bytes(b"")


DAMAGE = {
    # (files to damage, how, files to delete first, the folder the warning must name)
    "generated single-run module cut short": (
        "cache/kernels/xorfast_train_2_4_1_*.py",
        _cut_in_half,
        (),
        "cache/kernels",
    ),
    "generated sweep module emptied": (
        "cache/kernels/xorfast_kernel_2_4_1_4_*.py",
        _empty,
        (),
        "cache/kernels",
    ),
    "index of a generated kernel cut short": (
        "cache/kernels/__pycache__/xorfast_train_2_4_1_*.train_run-*.nbi",
        _cut_in_half,
        (),
        "cache/kernels/__pycache__",
    ),
    "data of a generated sweep kernel cut short": (
        "cache/kernels/__pycache__/xorfast_kernel_2_4_1_4_*.run_groups-*.1.nbc",
        _cut_in_half,
        (),
        "cache/kernels/__pycache__",
    ),
    "data of the generic single-run kernel cut short": (
        "cache/kernels/numba-*/single_run._train-*.1.nbc",
        _cut_in_half,
        (),
        "cache/kernels/numba-",
    ),
    # The generic sweep kernel is compiled again (its own cache is gone), so it loads the
    # hand-written _train_group it calls, whose index is empty.
    "index of a hand-written callee emptied": (
        "cache/kernels/numba-*/sweep_kernel._train_group-*.nbi",
        _empty,
        ("cache/kernels/__pycache__/xorfast_kernel_2_any_1_any_*",),
        "cache/kernels/numba-",
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_a_damaged_cache_entry_is_replaced_with_one_warning(filled_cache, damage):
    filled, expected = filled_cache
    pattern, spoil, removed, folder = DAMAGE[damage]
    # Numba names its cache folders after the source's path, so the cache is restored in place.
    root = filled / "root"
    shutil.rmtree(root)
    shutil.copytree(filled / "pristine", root)
    for gone in removed:
        for path in root.glob(gone):
            path.unlink()
    spoil(_one(root, pattern))

    repaired = run_every_kernel(root)
    assert repaired["results"] == expected
    [warning] = repaired["warnings"]
    assert "damaged" in warning and str(root / folder) in warning

    assert run_every_kernel(root) == {"warnings": [], "results": expected}


# The folder itself: who may write it, and what happens when nothing can be written.
PROBE = """from xorfast._compiled.jit import kernel


@kernel
def double(x):
    return 2 * x


VALUE = 1
"""
PLANTED = "import pathlib\npathlib.Path({marker!r}).write_text('ran')\nVALUE = 2\n"


@pytest.fixture
def isolated(monkeypatch, tmp_path):
    """Cache folders under ``tmp_path``, looked up afresh; the process's own kernels untouched."""
    monkeypatch.setattr(modules, "_folders", {})
    monkeypatch.setattr(jit, "_DISPATCHERS", weakref.WeakSet())
    monkeypatch.setattr(jit, "_cache_disabled", False)
    monkeypatch.setenv("XORFAST_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    return tmp_path


def probe(stem="xorfast_probe"):
    return modules.load_module(stem, PROBE, ())


def probe_name(isolated, monkeypatch):
    """The file name the probe module gets (found by saving it once in a folder of its own)."""
    monkeypatch.setenv("XORFAST_CACHE_DIR", str(isolated / "scratch"))
    name = Path(probe().__file__).name
    monkeypatch.setattr(modules, "_folders", {})
    monkeypatch.setenv("XORFAST_CACHE_DIR", str(isolated / "cache"))
    return name


def make_unwritable(isolated, monkeypatch):
    (isolated / "a file").write_text("not a folder")
    monkeypatch.setenv("XORFAST_CACHE_DIR", str(isolated / "a file" / "cache"))


def plant(folder, name, marker):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(PLANTED.format(marker=str(marker)))


def assert_private(folder):
    info = os.lstat(folder)
    assert stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid()
    assert stat.S_IMODE(info.st_mode) & 0o077 == 0


def _shared_of_another_user(shared):
    if os.getuid() != 0:
        pytest.skip("giving a folder to another user takes root")
    for folder in (shared, shared / "kernels"):
        os.chown(folder, 12345, 12345)


def _shared_open_to_everyone(shared):
    shared.chmod(0o777)


def _shared_as_a_symlink(shared):
    target = shared.with_name("elsewhere")
    shared.rename(target)
    shared.symlink_to(target)


@pytest.mark.parametrize(
    "spoil", [_shared_of_another_user, _shared_open_to_everyone, _shared_as_a_symlink]
)
def test_a_shared_temporary_folder_not_safely_ours_is_never_used(isolated, monkeypatch, spoil):
    name = probe_name(isolated, monkeypatch)
    shared = isolated / "tmp" / f"xorfast-{modules._user()}"
    marker = isolated / "planted module ran"
    plant(shared / "kernels", name, marker)
    spoil(shared)
    make_unwritable(isolated, monkeypatch)

    with pytest.warns(RuntimeWarning, match="cannot write its compiled kernels") as caught:
        module = probe()
    assert len(caught) == 1
    assert module.VALUE == 1 and module.double(3) == 6
    assert not marker.exists()
    folder = Path(module.__file__).parent
    assert not folder.resolve().is_relative_to(shared.resolve())
    assert_private(folder)
    assert (shared / "kernels" / name).read_text() == PLANTED.format(marker=str(marker))


def test_the_shared_temporary_folder_is_made_private(isolated, monkeypatch):
    make_unwritable(isolated, monkeypatch)
    with pytest.warns(RuntimeWarning, match="cannot write its compiled kernels"):
        module = probe()
    shared = isolated / "tmp" / f"xorfast-{modules._user()}"
    assert Path(module.__file__).parent == shared / "kernels"
    assert_private(shared)
    assert_private(shared / "kernels")


def test_a_module_of_other_content_in_the_cache_is_replaced_not_run(isolated, monkeypatch):
    name = probe_name(isolated, monkeypatch)
    marker = isolated / "planted module ran"
    plant(isolated / "cache" / "kernels", name, marker)
    with pytest.warns(RuntimeWarning, match="damaged generated kernel .* in .*cache/kernels"):
        module = probe()
    assert module.VALUE == 1 and not marker.exists()
    assert Path(module.__file__).read_text() == PROBE


def _full_disk_in(folders, monkeypatch):
    """Make ``os.fsync`` fail with ENOSPC for files in ``folders`` (None: everywhere)."""
    if not os.path.isdir("/proc/self/fd"):
        pytest.skip("needs /proc/self/fd to tell which file an fsync is for")
    real_fsync = os.fsync

    def fsync(fd):
        path = os.readlink(f"/proc/self/fd/{fd}")
        if folders is None or any(path.startswith(str(folder)) for folder in folders):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)


def test_a_full_disk_falls_back_to_a_private_folder_and_leaves_nothing_behind(
    isolated, monkeypatch
):
    primary = isolated / "cache" / "kernels"
    _full_disk_in([primary], monkeypatch)
    with pytest.warns(RuntimeWarning, match="cannot write its compiled kernels to .*No space"):
        module = probe()
    assert module.VALUE == 1 and module.double(3) == 6
    assert os.listdir(primary) == []
    folder = Path(module.__file__).parent
    assert folder != primary
    assert_private(folder)
    # Later kernels go straight to the new folder, without another warning.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert Path(probe("xorfast_probe_two").__file__).parent == folder


def test_when_no_folder_can_be_written_kernels_compile_without_the_disk_cache(
    isolated, monkeypatch
):
    _full_disk_in(None, monkeypatch)
    with pytest.warns(RuntimeWarning, match="cannot save compiled kernels .the disk is full"):
        module = probe()
    assert module.VALUE == 1 and module.double(3) == 6
    leftovers = [path for path in isolated.rglob("*") if path.is_file()]
    assert leftovers == []


def test_an_oserror_while_compiling_turns_the_disk_cache_off_once(isolated):
    attempts = []

    def compile_once_the_disk_has_room():
        attempts.append(1)
        if len(attempts) == 1:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "index.nbi")
        return "compiled"

    with pytest.warns(RuntimeWarning, match="the disk is full: index.nbi"):
        assert jit.repairing_cache(compile_once_the_disk_has_room) == "compiled"
    # With the cache off already, an OSError is the action's own.
    with pytest.raises(OSError, match="again"):
        jit.repairing_cache(lambda: (_ for _ in ()).throw(OSError("again")))


def test_an_error_with_an_intact_cache_propagates_unchanged(isolated):
    def fails():
        raise ValueError("the kernel's own error")

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match="the kernel's own error"):
            jit.repairing_cache(fails)


# Two processes compiling one kernel for two signatures at once: Numba's index has no lock.
SUM = """from xorfast._compiled.jit import kernel


@kernel
def total(x):
    s = x.dtype.type(0)
    for value in x:
        s += value
    return s
"""


def _sum_kernel(isolated):
    """A fresh dispatcher of the probe ``total`` (same source, same cache files)."""
    module = modules.load_module("xorfast_probe_sum", SUM, ())
    return jit.kernel(module.total.py_func)


def test_an_index_entry_holding_another_signatures_code_is_compiled_again(isolated):
    single, double = np.array([1.5, 2.25], np.float32), np.array([1.5, 2.25])
    first = _sum_kernel(isolated)
    assert jit.machine_code(first, (single,))(single) == 3.75
    index, data = jit._cache_files(first)
    single_index = index.read_bytes()
    for path in (index, *data):
        path.unlink()
    # The race's outcome: this process's index lists float32 under the data file
    # into which the other process wrote the float64 code.
    second = _sum_kernel(isolated)
    assert jit.machine_code(second, (double,))(double) == 3.75
    assert [path.name for path in jit._cache_files(second)[1]] == [p.name for p in data]
    index.write_bytes(single_index)

    third = _sum_kernel(isolated)
    with pytest.warns(RuntimeWarning, match="held the machine code of another signature"):
        compiled = jit.machine_code(third, (single,))
    assert compiled(single) == 3.75
    fourth = _sum_kernel(isolated)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert jit.machine_code(fourth, (single,))(single) == 3.75
        assert jit.machine_code(fourth, (double,))(double) == 3.75


@pytest.mark.skipif(not hasattr(os, "fork"), reason="flock is POSIX")
def test_a_compile_waits_for_another_process_compiling_into_the_same_cache(isolated):
    import fcntl
    import threading

    kernel = _sum_kernel(isolated)
    lock = jit.compile_lock_path()
    lock.parent.mkdir(parents=True, exist_ok=True)
    other = os.open(lock, os.O_RDWR | os.O_CREAT)  # another open file: flock conflicts
    fcntl.flock(other, fcntl.LOCK_EX)
    done = threading.Event()
    worker = threading.Thread(
        target=lambda: (jit.machine_code(kernel, (np.ones(3),)), done.set()), daemon=True
    )
    worker.start()
    try:
        assert not done.wait(1.0)  # held back while the lock is taken
    finally:
        os.close(other)
    assert done.wait(60)
