"""Pieces of the batched sweep kernel that whole sweeps rarely reach."""

import numba
import numpy as np
import pytest

import xorfast
from xorfast._compiled import sweep_kernel
from xorfast._compiled.jit import FASTMATH_FLAGS
from xorfast.params import initial_params

from .test_sweep_invariants import assert_tables_identical

LANES = sweep_kernel.LANES


def test_lane_finite_looks_at_every_row_of_its_own_lane_only():
    S = np.ones(3 * LANES)
    S[2 * LANES + 5] = np.inf  # the last row of lane 5
    S[0 * LANES + 7] = np.nan  # the first row of lane 7
    finite = [sweep_kernel._lane_finite(S, lane) for lane in range(LANES)]
    assert finite == [lane not in (5, 7) for lane in range(LANES)]


@pytest.mark.parametrize("hidden", [2, 30], ids=["unrolled kernel", "generic kernel"])
def test_runs_in_later_and_partial_lane_groups_equal_runs_alone(hidden):
    """Two full lane groups and one seed left over, against one seed per block."""
    kwargs = dict(seeds=2 * LANES + 1, hidden=hidden, lr=2.0, epochs=40, progress=False)
    grouped = xorfast.sweep(**kwargs).table
    alone = xorfast.sweep(block_size=1, **kwargs).table
    assert_tables_identical(grouped, alone)
    assert len(np.unique(grouped["final_mse"])) == len(grouped)  # every seed its own run


@numba.njit(fastmath=set(FASTMATH_FLAGS), error_model="numpy")
def _randn_in_a_kernel(seed, count):
    """``count`` draws of ``np.random.randn()`` as Numba's own compiles them in a kernel."""
    np.random.seed(seed)
    draws = np.empty(count)
    for j in range(count):
        draws[j] = np.random.randn()
    return draws


@pytest.mark.parametrize(
    ("init", "bias_init", "init_scale"),
    [
        ("normal", "same", 1.0),
        ("normal", "same", 0.3),
        ("normal", "zeros", 1.0),
        ("uniform", "same", 1.0),
        ("uniform", "zeros", 0.5),
    ],
)
@pytest.mark.parametrize("hidden", [3, 4])
def test_lane_draws_are_those_of_numpy_and_numba_bit_for_bit(init, bias_init, init_scale, hidden):
    """Each lane's starting parameters, drawn in the kernel, against the legacy stream.

    Uniform draws are :func:`xorfast.params.initial_params`' (NumPy's); normal ones are
    those of Numba's own ``np.random.randn`` inside a kernel, which rounds its
    ``x1 * x1 + x2 * x2`` as a fused multiply-add and so can differ from NumPy's in the
    last bit. With 3 hidden units a 2-3-1 network has 13 parameters: the second value
    of a normal pair carries over from the weights to the biases.
    """
    config = sweep_kernel.BlockConfig(
        hidden=hidden,
        epochs=1,
        lr=0.1,
        scale=1.0,
        init_scale=init_scale,
        init_scale_2=init_scale,
        tol=0.0,
        mse_output=False,
        normal_init=init == "normal",
        same_bias=bias_init == "same",
        momentum=0.0,
        derivative_offset=0.0,
        margin=0.5,
    )
    rows = 2 * hidden + hidden + hidden + 1  # W1, b1, W2, b2 of a 2-H-1 network
    S = np.full(rows * LANES, np.nan)
    for lane, seed in enumerate((0, 1, 12345)):
        sweep_kernel._initialise_lane(np.int64(seed), lane, config, 2, 1, S)
        p = initial_params(
            2, hidden, 1, seed=seed, init=init, init_scale=init_scale, bias_init=bias_init
        )
        if init == "normal":  # drawn W1, W2, b1, b2; laid out W1, b1, W2, b2
            draws = _randn_in_a_kernel(seed, rows) * init_scale
            W1, W2, b1, b2 = np.split(draws, np.cumsum([2 * hidden, hidden, hidden]))
            if bias_init == "zeros":
                b1, b2 = np.zeros(hidden), np.zeros(1)
            p = p._replace(W1=W1, b1=b1, W2=W2, b2=b2)
        expected = np.concatenate([p.W1.ravel(), p.b1, p.W2.ravel(), p.b2])
        assert S[lane::LANES].tobytes() == expected.tobytes()
