"""The folder of generated kernels: used when it can be written, replaced when it cannot."""

import os
import subprocess
import sys

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
    env = dict(os.environ, TMPDIR=str(tmp_path / "tmp"), NUMBA_CACHE_DIR=str(tmp_path / "numba"),
               **env_updates)
    (tmp_path / "tmp").mkdir(exist_ok=True)
    done = subprocess.run([sys.executable, "-c", TRAIN_AND_SWEEP], env=env, check=True,
                          capture_output=True, text=True, timeout=600)
    return done.stdout.split()


def test_generated_kernels_go_to_the_configured_folder(tmp_path):
    warnings, worked = run({"XORFAST_CACHE_DIR": str(tmp_path / "cache")}, tmp_path)
    assert warnings == "0" and worked == "True"
    assert any((tmp_path / "cache" / "kernels").glob("xorfast_train_2_4_1_*.py"))
    assert any((tmp_path / "cache" / "kernels").glob("xorfast_kernel_2_4_1_4_*.py"))


def test_an_unwritable_folder_falls_back_to_a_temporary_one_with_one_warning(tmp_path):
    blocker = tmp_path / "a file"
    blocker.write_text("not a folder")
    warnings, worked = run({"XORFAST_CACHE_DIR": str(blocker / "cache")}, tmp_path)
    assert warnings == "1" and worked == "True"
    assert any((tmp_path / "tmp").glob("xorfast-*/kernels/xorfast_train_2_4_1_*.py"))
