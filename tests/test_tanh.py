"""The vectorisable tanh is within a few ulp of the exact one over the whole float range."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xorfast._compiled import tanh as tanh_module
from xorfast._compiled.tanh import tanh_derivative, tanh_inplace, tanh_pairs_inplace

# The largest errors seen over the sweep below (and 3 million random values) are
# 2.11 ulp (float64) and 2.03 ulp (float32), where the exp's range reduction has k = -1
# (|z| between 0.17 and 0.52). A wrong constant or coefficient costs far more.
MAX_ULP = 3.0
DTYPES = [np.float64, np.float32]
#: Where the exp's range reduction of -2|z| changes k: (2j + 1) ln(2) / 4.
K_EDGES = [0.17328679513998632, 0.5198603854199589, 0.8664339756999316]
#: From these magnitudes on, tanh is exactly 1 (exp(-2|z|) below 2**-54, 2**-25;
#: measured from 18.5417 and 8.4911).
SATURATED = {np.float64: 18.55, np.float32: 8.5}
#: Below these magnitudes tanh(z) is z exactly (above, within 1.4 ulp: the numerator
#: 2z (1 - z) and the denominator 2 - 2z round apart), subnormals included.
IDENTITY = {np.float64: 2.0**-54, np.float32: 2.0**-25}


def exact_tanh(z):
    """tanh of each entry in 80-bit extended precision (11 more bits than float64)."""
    return np.tanh(np.asarray(z, np.longdouble))


def ulp_error(values, dtype, computed=None):
    """Distance of ``computed`` (default: the kernel's ``tanh(values)``) from the exact tanh
    of ``values``, in ulp of ``dtype``."""
    if computed is None:
        computed = np.array(values, dtype)
        tanh_inplace(computed)
    exact = exact_tanh(np.asarray(values, dtype))
    info = np.finfo(dtype)
    # The spacing of dtype at each exact value, down to the subnormal spacing.
    exponent = np.frexp(np.maximum(np.abs(exact), np.longdouble(info.smallest_normal)))[1] - 1
    spacing = np.ldexp(np.longdouble(1), exponent - info.nmant)
    return np.abs(computed.astype(np.longdouble) - exact) / spacing


def sweep(dtype):
    """Log-spaced magnitudes of both signs from the smallest subnormal to the largest float,
    a dense grid where tanh bends, and every threshold the kernel has."""
    info = np.finfo(dtype)
    tiny = float(info.smallest_subnormal)
    magnitudes = np.geomspace(np.longdouble(tiny), np.longdouble(info.max), 200_000)
    dense = np.linspace(-25, 25, 100_001)
    # Saturation and where 2|z| is clamped to the exp's limit (373 and 52).
    thresholds = [SATURATED[dtype], 373, 52]
    around_k_edges = np.concatenate([np.linspace(t - 1e-3, t + 1e-3, 4001) for t in K_EDGES])
    # Where the largest errors are, densely.
    worst = np.linspace(0.17, 0.53, 100_001)
    # Where tanh(z) = z ends, in float64 and float32, and where it would round to z.
    where_identity_ends = np.geomspace(1e-14, 1e-2, 20_001)
    edges = np.concatenate(
        [
            [tiny, float(info.smallest_normal), float(info.eps), 0.5, 1, float(info.max)],
            np.concatenate([np.linspace(t - 1, t + 1, 2001) for t in thresholds]),
            around_k_edges,
            worst,
            where_identity_ends,
        ]
    )
    points = np.concatenate([magnitudes, -magnitudes, dense, edges, -edges])
    return points.astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_within_a_few_ulp_over_the_whole_range(dtype):
    points = sweep(dtype)
    errors = ulp_error(points, dtype)
    worst = int(np.argmax(errors))
    assert errors[worst] <= MAX_ULP, f"{errors[worst]:.2f} ulp at z={points[worst]!r}"


@pytest.mark.parametrize("dtype", DTYPES)
def test_relative_accuracy_near_zero(dtype):
    # 2 sigmoid(2z) - 1 keeps only absolute accuracy: millions of ulp off here, or all digits.
    z = np.geomspace(1e-30, 1e-3, 5001).astype(dtype)
    values = z.copy()
    tanh_inplace(values)
    assert ulp_error(z, dtype, values).max() <= 1.5  # measured: 1.35 (float64), 1.05
    below = z < IDENTITY[dtype]
    np.testing.assert_array_equal(values[below], z[below])


@pytest.mark.parametrize("dtype", DTYPES)
def test_subnormals_are_kept(dtype):
    info = np.finfo(dtype)
    z = np.geomspace(float(info.smallest_subnormal), float(info.smallest_normal), 64)
    z = np.concatenate([z, -z]).astype(dtype)
    values = z.copy()
    tanh_inplace(values)
    np.testing.assert_array_equal(values, z)


@pytest.mark.parametrize("dtype", DTYPES)
def test_exact_values_at_zero_saturation_and_infinities(dtype):
    info = np.finfo(dtype)
    saturated = SATURATED[dtype]
    z = np.array(
        [0.0, -0.0, saturated, 1e4, float(info.max), np.inf]
        + [-saturated, -1e4, -float(info.max), -np.inf],
        dtype,
    )
    tanh_inplace(z)
    np.testing.assert_array_equal(z, [0, 0, 1, 1, 1, 1, -1, -1, -1, -1])
    assert list(np.signbit(z[:2])) == [False, True]
    assert z.dtype == dtype
    # Just below saturation the result is the float below 1.
    below = np.array([SATURATED[dtype] - 0.1], dtype)
    tanh_inplace(below)
    assert below[0] == np.nextafter(dtype(1), dtype(0))


@pytest.mark.parametrize("dtype", DTYPES)
def test_nan_stays_nan_and_neighbours_are_untouched(dtype):
    z = np.array([0.5, np.nan, -1.0, np.nan, 3.0], dtype)
    tanh_inplace(z)
    assert np.isnan(z[1]) and np.isnan(z[3])
    np.testing.assert_allclose(
        z[[0, 2, 4]],
        [0.46211715726000974, -0.7615941559557649, 0.9950547536867305],
        rtol=np.finfo(dtype).eps * 2,
    )


@pytest.mark.parametrize("dtype", DTYPES)
def test_odd(dtype):
    z = sweep(dtype)
    z = z[z > 0]
    positive, negative = z.copy(), -z
    tanh_inplace(positive)
    tanh_inplace(negative)
    np.testing.assert_array_equal(negative, -positive)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("length", [0, 1, 3, 7, 8, 9, 16, 17, 31])
def test_any_length_gives_the_elementwise_result(dtype, length):
    z = np.linspace(-3, 3, length).astype(dtype)
    whole = z.copy()
    tanh_inplace(whole)
    for i in range(length):
        one = z[i : i + 1].copy()
        tanh_inplace(one)
        assert one[0] == whole[i]


@pytest.mark.parametrize("dtype", DTYPES)
def test_monotone_on_a_fine_grid_and_across_a_k_edge(dtype):
    z = np.concatenate(
        [np.linspace(-25, 25, 400_001), np.linspace(K_EDGES[1] - 1e-4, K_EDGES[1] + 1e-4, 20_001)]
    )
    z = np.unique(z.astype(dtype))
    values = z.copy()
    tanh_inplace(values)
    assert np.all(np.diff(values) >= 0)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(allow_nan=False, width=64), min_size=1, max_size=40))
def test_random_float64_within_bound(values):
    assert ulp_error(values, np.float64).max() <= MAX_ULP


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(allow_nan=False, width=32), min_size=1, max_size=40))
def test_random_float32_within_bound(values):
    assert ulp_error(values, np.float32).max() <= MAX_ULP


def paired_ulp_errors(first, second, dtype):
    """Errors of both results of ``tanh_pairs_inplace(first, second)``, in ulp."""
    a, b = np.array(first, dtype), np.array(second, dtype)
    tanh_pairs_inplace(a, b)
    return ulp_error(first, dtype, a), ulp_error(second, dtype, b)


@pytest.mark.parametrize("dtype", DTYPES)
def test_pairs_within_a_few_ulp_over_the_whole_range(dtype):
    points = sweep(dtype)
    rng = np.random.default_rng(0)
    partners = [
        points[::-1],
        rng.permutation(points),
        points,
        rng.uniform(-3, 3, points.size).astype(dtype),
    ]
    for other in partners:
        for values, errors in zip((points, other), paired_ulp_errors(points, other, dtype)):
            worst = int(np.argmax(errors))
            assert errors[worst] <= MAX_ULP, f"{errors[worst]:.2f} ulp at z={values[worst]!r}"


@pytest.mark.parametrize(("dtype", "width"), [(np.float64, 64), (np.float32, 32)])
@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_random_pairs_within_bound(dtype, width, data):
    floats = st.floats(allow_nan=False, width=width)
    first, second = zip(*data.draw(st.lists(st.tuples(floats, floats), min_size=1, max_size=40)))
    for errors in paired_ulp_errors(first, second, dtype):
        assert errors.max() <= MAX_ULP


@pytest.mark.parametrize("dtype", DTYPES)
def test_pairs_keep_exact_values(dtype):
    z = np.tile(np.array([0.0, -0.0, 1e4, np.inf, -1e4, -np.inf, 1e-30, -1e-30], dtype), 100)
    partners = np.random.default_rng(1).uniform(-3, 3, z.size).astype(dtype)
    first, second = z.copy(), partners.copy()
    tanh_pairs_inplace(first, second)
    np.testing.assert_array_equal(
        first, np.tile(np.array([0, 0, 1, 1, -1, -1, 1e-30, -1e-30], dtype), 100)
    )
    assert list(np.signbit(first[:2])) == [False, True]
    assert ulp_error(partners, dtype, second).max() <= MAX_ULP


@pytest.mark.parametrize("dtype", DTYPES)
def test_a_nan_makes_both_of_its_pair_nan(dtype):
    # As for the paired sigmoid: both belong to one network, which a NaN has diverged.
    first, second = np.array([np.nan, 1.0], dtype), np.array([2.0, 3.0], dtype)
    tanh_pairs_inplace(first, second)
    assert np.isnan(first[0]) and np.isnan(second[0])
    assert np.isfinite(first[1]) and np.isfinite(second[1])


@numba.njit
def _derivatives(a):
    out = np.empty_like(a)
    for i in range(a.shape[0]):
        out[i] = tanh_derivative(a[i])
    return out


@pytest.mark.parametrize("dtype", DTYPES)
def test_derivative_is_accurate_up_to_saturation(dtype):
    # a close to 1, where 1 - a * a (without a fused multiply-add) loses its digits.
    one = dtype(1)
    a = np.concatenate(
        [
            np.linspace(-1, 1, 10_001).astype(dtype),
            [np.nextafter(one, dtype(0)), -np.nextafter(one, dtype(0)), 0.0, -0.0],
            one - np.geomspace(np.finfo(dtype).eps, 0.5, 1000).astype(dtype),
        ]
    ).astype(dtype)
    # In 80 bits 1 - a is exact and 1 + a nearly so; 1 - a**2 would lose digits near 1.
    wide = a.astype(np.longdouble)
    exact = (1 - wide) * (1 + wide)
    for computed in (_derivatives(a), np.array([tanh_derivative(v) for v in a])):
        assert computed.dtype == dtype
        info = np.finfo(dtype)
        exponent = np.frexp(np.maximum(exact, np.longdouble(info.smallest_normal)))[1] - 1
        spacing = np.ldexp(np.longdouble(1), exponent - info.nmant)
        assert (np.abs(computed - exact) / spacing).max() <= 1.5
    assert _derivatives(np.array([1.0, -1.0, np.nan], dtype))[:2].tolist() == [0, 0]


def _compiled_afresh(dispatcher):
    """``dispatcher``'s function compiled with its options but no disk cache (whose code
    Numba cannot inspect)."""
    options = {k: v for k, v in dispatcher.targetoptions.items() if k not in ("cache", "nopython")}
    return numba.njit(**options)(dispatcher.py_func)


@pytest.mark.skipif(numba.config.DISABLE_JIT, reason="inspects compiled code")
@pytest.mark.parametrize(("dtype", "name"), [(np.float64, "double"), (np.float32, "float")])
@pytest.mark.parametrize("function", [tanh_inplace, tanh_pairs_inplace], ids=lambda f: f.__name__)
def test_the_loops_vectorise(dtype, name, function):
    compiled = _compiled_afresh(function)
    arrays = [np.zeros(8, dtype) for _ in range(1 if function is tanh_inplace else 2)]
    compiled(*arrays)
    llvm = compiled.inspect_llvm(compiled.signatures[0])
    # The division, the copysign and the exp's arithmetic in vector form, no libm call.
    assert re.search(rf"fdiv [a-z ]*<\d+ x {name}>", llvm)
    assert re.search(rf"@llvm\.copysign\.v\d+f{64 if name == 'double' else 32}", llvm)
    assert "@tanh" not in llvm and "@exp" not in llvm


def test_other_argument_types_are_refused():
    with pytest.raises(TypeError, match="tanh takes float32 or float64"):
        tanh_module.tanh(np.int64(3))


SPECIAL = [0.0, -0.0, 1e-300, -1e-300, 5e-324, 0.55, -0.55, 19.1, -19.1, 9.02, -9.02]
SPECIAL += [60.5, 400.5, -400.5, 1e38, -1e38, 1e300, np.inf, -np.inf, np.nan]


def _python_and_compiled_inputs(dtype):
    rng = np.random.default_rng(7)
    with np.errstate(over="ignore"):  # 1e300 is inf in float32
        return np.concatenate([rng.normal(0, 2, 2000), rng.uniform(-30, 30, 500), SPECIAL]).astype(
            dtype
        )


@pytest.mark.parametrize("dtype", DTYPES)
def test_python_helpers_follow_the_compiled_loops(dtype):
    """The Python bodies (what kernels run under NUMBA_DISABLE_JIT=1) against the compiled."""
    z = _python_and_compiled_inputs(dtype)
    compiled = z.copy()
    tanh_inplace(compiled)
    python = np.array([tanh_module.tanh(value) for value in z])
    assert python.dtype == dtype
    np.testing.assert_array_max_ulp(python, compiled, maxulp=2)  # measured: 2
    assert np.mean(python == compiled) > 0.99  # a fused multiply-add here and there
    np.testing.assert_array_equal(python[-len(SPECIAL) :], compiled[-len(SPECIAL) :])
    assert list(np.signbit(python[-len(SPECIAL) :][:2])) == [False, True]  # 0, -0

    first, second = z[:1000].copy(), z[1000:2000].copy()
    pairs = []
    for a, b in zip(first, second):
        terms, terms_other = tanh_module.tanh_terms(a), tanh_module.tanh_terms(b)
        inverse = tanh_module.tanh_pair_inverse(terms[1], terms_other[1])
        pairs.append(
            [
                tanh_module.paired_tanh(a, *terms, terms_other[1], inverse),
                tanh_module.paired_tanh(b, *terms_other, terms[1], inverse),
            ]
        )
    tanh_pairs_inplace(first, second)
    np.testing.assert_array_max_ulp(
        np.array(pairs, dtype).T, np.array([first, second]), maxulp=2
    )  # measured: 1


SCRIPT = """
import json, sys
import numba
import numpy as np
from xorfast._compiled import tanh
assert numba.config.DISABLE_JIT
assert type(tanh.tanh_inplace).__name__ == "function"  # plain Python, not a dispatcher
out = {}
for name in sys.argv[1:]:
    z = np.frombuffer(sys.stdin.buffer.read(8 * 2520 if name == "float64" else 4 * 2520), name)
    single, first, second = z.copy(), z[:1000].copy(), z[1000:2000].copy()
    tanh.tanh_inplace(single)
    tanh.tanh_pairs_inplace(first, second)
    out[name] = [single.tobytes().hex(), first.tobytes().hex(), second.tobytes().hex()]
print(json.dumps(out))
"""


@pytest.mark.slow
def test_under_disable_jit_the_loops_run_as_python_with_the_compiled_results():
    inputs = {dtype: _python_and_compiled_inputs(dtype) for dtype in DTYPES}
    assert all(z.size == 2520 for z in inputs.values())
    env = dict(
        os.environ,
        NUMBA_DISABLE_JIT="1",
        PYTHONPATH=os.pathsep.join(
            [str(Path(tanh_module.__file__).parents[2]), os.environ.get("PYTHONPATH", "")]
        ),
    )
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", SCRIPT, "float64", "float32"],
        input=b"".join(inputs[dtype].tobytes() for dtype in DTYPES),
        env=env,
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr.decode()
    found = json.loads(done.stdout)
    for dtype in DTYPES:
        z = inputs[dtype]
        single, first, second = (
            np.frombuffer(bytes.fromhex(text), dtype) for text in found[dtype.__name__]
        )
        compiled = z.copy()
        tanh_inplace(compiled)
        np.testing.assert_array_max_ulp(single, compiled, maxulp=2)
        np.testing.assert_array_equal(single[-len(SPECIAL) :], compiled[-len(SPECIAL) :])
        assert list(np.signbit(single[-len(SPECIAL) :][:2])) == [False, True]  # 0, -0
        pair_first, pair_second = z[:1000].copy(), z[1000:2000].copy()
        tanh_pairs_inplace(pair_first, pair_second)
        np.testing.assert_array_max_ulp(first, pair_first, maxulp=2)
        np.testing.assert_array_max_ulp(second, pair_second, maxulp=2)
