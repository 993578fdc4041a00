"""One training run: the fused kernel against the NumPy reference."""

import pytest

import xorfast

EPOCHS = 10_000


def run(backend, dtype="float64", hidden=4):
    return lambda: xorfast.train(seed=0, hidden=hidden, epochs=EPOCHS, dtype=dtype,
                                 backend=backend)


def test_reference_xor_2_4_1(speedup):
    speedup.baseline("single 2-4-1 xor float64", run("numpy"))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_kernel_xor_2_4_1(speedup, dtype):
    ratio = speedup.contender("single 2-4-1 xor float64", f"numba {dtype}",
                              run("numba", dtype), baseline=run("numpy"), target=100)
    assert ratio >= 100
