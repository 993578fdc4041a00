"""The command's first moments: Ctrl-C while NumPy and Numba import, --help without Numba.

A stand-in package placed first on ``PYTHONPATH`` takes the place of NumPy or
Numba: it says when it is being imported and then waits (the Ctrl-C tests),
or fails the import (the tests that it is never imported).
"""

import os
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

import xorfast

ROOT = Path(__file__).resolve().parents[1]


def console_script():
    """The ``xorfast`` command as pip writes it from ``[project.scripts]``."""
    with open(ROOT / "pyproject.toml", "rb") as handle:
        target = tomllib.load(handle)["project"]["scripts"]["xorfast"]
    module, function = target.split(":")
    return [
        sys.executable,
        "-c",
        f"import sys; from {module} import {function}; sys.exit({function}())",
    ]


ENTRY_POINTS = {
    "xorfast": console_script,
    "python -m xorfast": lambda: [sys.executable, "-m", "xorfast"],
}


def stand_in(folder, module, body):
    """A package ``module`` in ``folder`` whose import runs ``body``."""
    (folder / module).mkdir()
    (folder / module / "__init__.py").write_text(body)


def environment(folder):
    """This environment with ``folder`` first on the path, then this checkout."""
    path = os.pathsep.join([str(folder), str(ROOT), os.environ.get("PYTHONPATH", "")])
    return {**os.environ, "PYTHONPATH": path.rstrip(os.pathsep)}


def interrupt_once_importing(argv, folder, ready):
    """Run ``argv``, send SIGINT once ``ready`` exists; the status, stdout and stderr."""
    process = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment(folder)
    )
    try:
        deadline = time.monotonic() + 60
        while not ready.exists():
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the stand-in was never imported"
            time.sleep(0.01)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    return process.returncode, out, err


COMMANDS = {
    "train": ["train", "--epochs", "10"],
    "sweep": ["sweep", "--seeds", "4", "--epochs", "10", "--no-progress"],
}


@pytest.mark.skipif(os.name != "posix", reason="sends SIGINT")
@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("module", ["numpy", "numba"])
def test_ctrl_c_while_the_command_imports_ends_as_an_interrupt_does(
    tmp_path, entry, command, module
):
    ready = tmp_path / "importing"
    stand_in(
        tmp_path,
        module,
        f"import pathlib, time\npathlib.Path({str(ready)!r}).touch()\ntime.sleep(60)\n",
    )
    returncode, out, err = interrupt_once_importing(
        [*ENTRY_POINTS[entry](), *COMMANDS[command]], tmp_path, ready
    )
    assert "Traceback" not in err, err
    assert returncode == 130, err
    # The message the command gives for Ctrl-C later on, e.g. during a sweep.
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].split(":")[0] == "interrupted", err
    assert out == ""


@pytest.mark.skipif(os.name != "posix", reason="sends SIGINT")
@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
def test_ctrl_c_through_generated_code_still_exits_130(tmp_path, entry):
    # Code run by exec() from a string (dataclasses, Numba) leaves a mark in CPython
    # when a KeyboardInterrupt passes through it; under python -m the process
    # then died by SIGINT after the command had returned 130.
    ready = tmp_path / "importing"
    body = f"import pathlib, time\npathlib.Path({str(ready)!r}).touch()\ntime.sleep(60)\n"
    stand_in(tmp_path, "numba", f"exec({body!r})\n")
    returncode, out, err = interrupt_once_importing(
        [*ENTRY_POINTS[entry](), *COMMANDS["train"]], tmp_path, ready
    )
    assert (returncode, err, out) == (130, "\ninterrupted\n", "")


@pytest.mark.skipif(os.name != "posix", reason="sends SIGINT")
@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
def test_an_import_that_ctrl_c_makes_fail_is_an_interrupt(tmp_path, entry):
    # NumPy turns an interrupt while its C extension imports into an ImportError
    # ("Importing the numpy C-extensions failed ... bad install").
    ready = tmp_path / "importing"
    stand_in(
        tmp_path,
        "numpy",
        f"import pathlib, time\npathlib.Path({str(ready)!r}).touch()\n"
        "try:\n    time.sleep(60)\nexcept KeyboardInterrupt:\n"
        "    raise ImportError('Importing the numpy C-extensions failed') from None\n",
    )
    returncode, out, err = interrupt_once_importing(
        [*ENTRY_POINTS[entry](), *COMMANDS["train"]], tmp_path, ready
    )
    assert (returncode, err, out) == (130, "\ninterrupted\n", "")


@pytest.mark.skipif(os.name != "posix", reason="raises SIGINT")
@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
def test_ctrl_c_in_an_import_lock_callback_while_importing_is_not_lost(tmp_path, entry):
    # The stand-in presses Ctrl-C inside a callback named as importlib's, then
    # imports the real NumPy in its place: the command would run to its end.
    stand_in(
        tmp_path,
        "numpy",
        "import signal, sys, weakref\n"
        "namespace = {'signal': signal}\n"
        "exec(compile('def cb(ref):\\n    signal.raise_signal(signal.SIGINT)\\n',"
        " '<frozen importlib._bootstrap>', 'exec'), namespace)\n"
        "class Lock:\n    pass\n"
        "lock = Lock()\nreference = weakref.ref(lock, namespace['cb'])\ndel lock\n"
        f"sys.path.remove({str(tmp_path)!r})\n"
        "del sys.modules['numpy']\n"
        "import numpy\n"
        "sys.modules[__name__] = numpy\n",
    )
    completed = subprocess.run(
        [*ENTRY_POINTS[entry](), *COMMANDS["train"]],
        capture_output=True,
        text=True,
        env=environment(tmp_path),
        timeout=120,
    )
    assert (completed.returncode, completed.stderr, completed.stdout) == (
        130,
        "\ninterrupted\n",
        "",
    )


@pytest.mark.skipif(os.name != "posix", reason="raises SIGINT")
def test_a_command_that_ctrl_c_makes_fail_is_an_interrupt(monkeypatch, capsys):
    # The same once the command runs: whatever fails because of the interrupt.
    from xorfast.cli import main

    def cut_short(*args, **kwargs):
        try:
            signal.raise_signal(signal.SIGINT)
        except KeyboardInterrupt:
            raise ImportError("cannot import name 'kernel' (partially initialized)") from None

    monkeypatch.setattr("xorfast.trainer.train", cut_short)
    assert main(["train", "--epochs", "10"]) == 130
    assert capsys.readouterr().err == "\ninterrupted\n"
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_import_xorfast_imports_neither_numpy_nor_numba():
    code = "import sys, xorfast; print(sorted({'numpy', 'numba'} & set(sys.modules)))"
    completed = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env=environment(ROOT),
    )
    assert completed.stdout.strip() == "[]", completed.stderr


def test_the_public_api_is_what_it_was():
    assert xorfast.__all__ == [
        "train",
        "sweep",
        "load_sweep",
        "TrainResult",
        "SweepResult",
        "History",
        "Params",
        "datasets",
    ]
    from xorfast import datasets, params, result
    from xorfast.sweeps import results, store, sweeper
    from xorfast.trainer import train

    assert xorfast.train is train
    assert xorfast.sweep is sweeper.sweep
    assert xorfast.load_sweep is store.load_sweep
    assert xorfast.TrainResult is result.TrainResult
    assert xorfast.History is result.History
    assert xorfast.SweepResult is results.SweepResult
    assert xorfast.Params is params.Params
    assert xorfast.datasets is datasets
    assert set(xorfast.__all__) <= set(dir(xorfast))
    assert "__version__" in dir(xorfast)
    everything = {}
    exec("from xorfast import *", everything)
    assert set(everything) - {"__builtins__"} == set(xorfast.__all__)


def test_submodules_are_attributes_of_the_package_as_before():
    # import xorfast used to import these; code that reads xorfast.options.OPTIONS
    # after a bare import keeps working.
    code = (
        "import xorfast; print(type(xorfast.options.OPTIONS).__name__, "
        "xorfast.reference.shuffled_order.__name__)"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env=environment(ROOT),
    )
    assert completed.stdout.split() == ["Options", "shuffled_order"]


@pytest.mark.parametrize("name", ["nope", "__nope__", "Train"])
def test_an_unknown_name_is_an_attribute_error(name):
    with pytest.raises(AttributeError, match=f"module 'xorfast' has no attribute '{name}'"):
        getattr(xorfast, name)
    assert not hasattr(xorfast, name)


def test_a_missing_dependency_of_a_submodule_is_not_hidden(tmp_path):
    # A submodule that exists but cannot import is an ImportError, not "no attribute".
    stand_in(tmp_path, "numpy", "raise ModuleNotFoundError('no numpy here', name='numpy')\n")
    completed = subprocess.run(
        [sys.executable, "-c", "import xorfast; xorfast.reference"],
        capture_output=True,
        text=True,
        env=environment(tmp_path),
    )
    assert completed.returncode == 1
    assert "ModuleNotFoundError: no numpy here" in completed.stderr


HELP = [[], ["train"], ["sweep"], ["plot"], ["store"], ["bench"], ["cache"]]


@pytest.mark.parametrize("command", HELP, ids=lambda words: " ".join(["xorfast", *words]))
def test_help_does_not_import_numba(tmp_path, command):
    stand_in(tmp_path, "numba", "raise ImportError('numba imported for --help')\n")
    completed = subprocess.run(
        [*console_script(), *command, "--help"],
        capture_output=True,
        text=True,
        env=environment(tmp_path),
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.startswith(f"usage: {' '.join(['xorfast', *command])}")


@pytest.mark.skipif(os.name != "posix", reason="raises SIGINT")
def test_an_interrupt_inside_an_import_lock_callback_is_raised_once_it_returns():
    # Importing drops each module's lock through a weakref callback; an exception
    # raised there is printed ("Exception ignored in ... _get_module_lock.<locals>.cb")
    # and dropped: the interrupt was lost and the sweep ran on. The callback here
    # is named as importlib's.
    import weakref

    from xorfast.cli import _interrupts

    namespace = {"signal": signal}
    exec(
        compile(
            "def cb(ref):\n    signal.raise_signal(signal.SIGINT)\n",
            "<frozen importlib._bootstrap>",
            "exec",
        ),
        namespace,
    )

    class Lock:
        pass

    returned = False
    with pytest.raises(KeyboardInterrupt), _interrupts.handling():
        lock = Lock()
        reference = weakref.ref(lock, namespace["cb"])
        del lock  # runs the callback
        returned = True
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            time.sleep(0.01)
    assert returned and reference() is None
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


@pytest.mark.skipif(os.name != "posix", reason="raises SIGINT")
def test_ctrl_c_while_the_sweep_imports_gives_the_sweep_message(monkeypatch, capsys):
    # The sweep command imports the sweep machinery when it runs; an interrupt
    # there, even one that makes the import fail, is reported as the sweep's.
    import types

    from xorfast.cli import main

    class CutShort(types.ModuleType):
        def __getattr__(self, name):
            try:
                signal.raise_signal(signal.SIGINT)
            except KeyboardInterrupt:
                raise ImportError(f"cannot import name {name!r}") from None

    monkeypatch.setitem(sys.modules, "xorfast.sweeps.store", CutShort("xorfast.sweeps.store"))
    assert main(["sweep", "--seeds", "4", "--epochs", "10", "--no-progress"]) == 130
    assert capsys.readouterr().err == (
        "\ninterrupted: nothing was saved (pass --store FILE to keep finished runs)\n"
    )
