"""A tanh that LLVM can vectorise, accurate near 0: a rational fit there, ``exp`` beyond.

``2 sigmoid(2z) - 1`` would be one line, but near 0 it subtracts two nearly
equal numbers and keeps only the absolute accuracy of the sigmoid: at
``z = 1e-8`` it has no correct digit left. This module computes ``tanh`` of
``m = |z|`` on two ranges and puts the sign of ``z`` back at the end
(``copysign``, so ``tanh(-0) = -0`` and every result is exactly odd):

1. ``m < 0.55`` (just above ``ln(3) / 2``, where ``tanh = 1/2``):
   ``tanh(m) = m + m y P(y) / Q(y)`` with ``y = m**2``, ``P / Q`` a rational
   fit of ``(tanh(m) - m) / m**3`` on ``[0, 0.55**2]`` (degrees 2 and 3 in
   float64, 1 and 1 in float32; relative error of the fit 3.8e-18 and 6.0e-8,
   found by Lawson-weighted least squares in mpmath at 50 digits). The
   correction ``m y P / Q`` is at most a tenth of the result, so its roundings
   count a tenth; small ``z`` gives ``z`` exactly, with no cancellation.
2. ``m >= 0.55``: ``tanh(m) = 1 - 2e / (1 + e)`` with ``e = exp(-2m)`` from
   :func:`xorfast._compiled.sigmoid.exp_neg_abs` (the sigmoid's vectorisable
   ``exp``). ``e < 1/3`` there, so the quotient is below 1/2 and the result
   above: ``exp``'s error counts at most a half, and the result never drops
   into the binade below 1/2, where the same error is twice as many ulp. Once
   ``2e`` is below half an ulp of 1 (``m`` from 19.06 in float64, 9.01 in
   float32) the result rounds to exactly 1; ``m`` above 400 (float64) or 60
   (float32), and infinity, are clamped there so ``2m`` never overflows.

Both ranges end in ``base + numerator / denominator`` (``m``, ``m y P`` and
``Q``, or 1, ``-2e`` and ``1 + e``), chosen by selects, never a branch, so a
tanh costs one division like a sigmoid, and a loop over a contiguous array
vectorises. Both denominators lie in ``[1, 4/3]``.

Sweeps can take tanhs two at a time on one division as they do sigmoids
(:func:`tanh_terms`, :func:`tanh_pair_inverse`, :func:`paired_tanh`): the
product of the two denominators lies in ``[1, 16/9]``, and one correction step
(two fused multiply-adds) brings each quotient within a hair of the rounded
one.

Measured against ``tanh`` in 80-bit precision over the whole float range
(``tests/test_tanh.py``, and 3 million random bit patterns besides): at most
1.46 ulp in float64 and 1.48 ulp in float32 (of the result's type), all in
the exp range (the rational fit's range stays below 0.89 ulp), the paired
form the same; ``tanh(z) = z`` exactly for ``|z|`` below 1.35e-8 (float64)
and 3.5e-4 (float32), so subnormals are kept; exactly 0 at 0, -0 at -0,
+-1 from the saturation point on and at +-inf; NaN for NaN.

:func:`tanh_derivative` gives the derivative from the activation
``a = tanh(z)`` as ``(1 - a) (1 + a)`` rather than ``1 - a a``: within 1.5
ulp of ``1 - a**2`` for every ``a``, where ``1 - a a`` loses relative accuracy
as ``|a|`` nears 1 (unless LLVM happens to fuse it into one multiply-add).

Called from Python (as every kernel is under ``NUMBA_DISABLE_JIT=1``), the
helpers run the very same function bodies on NumPy scalars of the argument's
type; the clamps above also keep those from overflowing (no NumPy warning).
Where LLVM fuses a multiply and an add (``contract``), the compiled result can
differ from the Python one in its last bit.
"""

import numpy as np
from numba import types

from .jit import inlined_kernel, kernel, typed_variants
from .sigmoid import _in_python_variant, exp_neg_abs

__all__ = ["tanh_inplace", "tanh_pairs_inplace"]


# float64 --------------------------------------------------------------------

#: Below this magnitude the rational fit, above it the exp formula.
_SMALL_64 = 0.55
# exp_neg_abs gives 0 above 746, and 2 * 400 is far beyond; tanh is 1 from 19.1.
_CLAMP_64 = 400.0
# (tanh(m) - m) / m**3 ~ P(y) / Q(y), y = m**2, Q(0) = 1, on [0, 0.55**2].
_P0_64 = -0.3333333333333333
_P1_64 = -0.020502034629284845
_P2_64 = -0.0001993214123428667
_Q1_64 = 0.4615061038878536
_Q2_64 = 0.023295643887444532
_Q3_64 = 0.00020668729535540316


def _tanh_terms_64(z):
    magnitude = abs(z)
    small = magnitude < _SMALL_64
    m = magnitude if small else _SMALL_64  # keeps y finite where it is not used
    y = m * m
    y2 = y * y
    p = (_P0_64 + _P1_64 * y) + y2 * _P2_64
    q = (1.0 + _Q1_64 * y) + y2 * (_Q2_64 + _Q3_64 * y)
    e = exp_neg_abs(_CLAMP_64 if magnitude > _CLAMP_64 else magnitude + magnitude)  # NaN too
    # Both ranges computed, then selects: a branch here would stop the loop vectorising.
    fit_numerator, exp_numerator, exp_denominator = (m * y) * p, -(e + e), 1.0 + e
    base = m if small else 1.0
    numerator = fit_numerator if small else exp_numerator
    denominator = q if small else exp_denominator
    return base, numerator, denominator


def _tanh_64(z):
    base, numerator, denominator = tanh_terms(z)
    return np.copysign(base + numerator / denominator, z)


# float32 --------------------------------------------------------------------

_SMALL_32 = np.float32(0.55)
# exp_neg_abs gives 0 above 104 in float32; tanh is 1 from 9.0.
_CLAMP_32 = np.float32(60.0)
_ONE_32 = np.float32(1)
_P0_32 = np.float32(-0.3333333133219149)
_P1_32 = np.float32(-0.001559427043055792)
_Q1_32 = np.float32(0.4046745484919842)


def _tanh_terms_32(z):
    magnitude = abs(z)
    small = magnitude < _SMALL_32
    m = magnitude if small else _SMALL_32
    y = m * m
    p = _P0_32 + _P1_32 * y
    q = _ONE_32 + _Q1_32 * y
    e = exp_neg_abs(_CLAMP_32 if magnitude > _CLAMP_32 else magnitude + magnitude)
    # Both ranges computed, then selects: a branch here would stop the loop vectorising.
    fit_numerator, exp_numerator, exp_denominator = (m * y) * p, -(e + e), _ONE_32 + e
    base = m if small else _ONE_32
    numerator = fit_numerator if small else exp_numerator
    denominator = q if small else exp_denominator
    return base, numerator, denominator


def _tanh_32(z):
    base, numerator, denominator = tanh_terms(z)
    return np.copysign(base + numerator / denominator, z)


# The helpers kernels call -----------------------------------------------------

# Helpers with one body for both float types take their constant 1 of the right type here.
_ONES = {types.float64: 1.0, types.float32: _ONE_32}


def tanh(z):
    """``tanh(z)`` of one float32 or float64 inside a kernel (see the module doc)."""
    return _in_python_variant(_tanh_variants, z)


@typed_variants(tanh)
def _tanh_variants(z):
    return {types.float64: _tanh_64, types.float32: _tanh_32}.get(z)


def tanh_terms(z):
    """``(base, numerator, denominator)`` with ``|tanh(z)| = base + numerator / denominator``.

    For :func:`paired_tanh`; the denominator lies in ``[1, 4/3]``.
    """
    return _in_python_variant(_tanh_terms_variants, z)


@typed_variants(tanh_terms)
def _tanh_terms_variants(z):
    return {types.float64: _tanh_terms_64, types.float32: _tanh_terms_32}.get(z)


def tanh_pair_inverse(denominator, denominator_other):
    """``1 / (denominator denominator_other)``: one division serves the tanhs of two values."""
    return _in_python_variant(_tanh_pair_inverse_variants, denominator, denominator_other)


@typed_variants(tanh_pair_inverse)
def _tanh_pair_inverse_variants(denominator, denominator_other):
    one = _ONES.get(denominator)
    if one is None:
        return None

    def tanh_pair_inverse_of(denominator, denominator_other):
        return one / (denominator * denominator_other)

    return tanh_pair_inverse_of


def paired_tanh(z, base, numerator, denominator, denominator_other, inverse):
    """``tanh(z)`` from its :func:`tanh_terms`, its partner's denominator and ``inverse``.

    ``inverse`` is their :func:`tanh_pair_inverse`, so ``denominator_other
    inverse`` is the reciprocal of ``denominator``; one correction step makes
    the quotient nearly as accurate as a division.
    """
    return _in_python_variant(
        _paired_tanh_variants, z, base, numerator, denominator, denominator_other, inverse
    )


@typed_variants(paired_tanh)
def _paired_tanh_variants(z, base, numerator, denominator, denominator_other, inverse):
    if z not in _ONES:
        return None

    def paired_tanh_of(z, base, numerator, denominator, denominator_other, inverse):
        reciprocal = denominator_other * inverse
        quotient = numerator * reciprocal
        # The residual is exact as a fused multiply-add.
        quotient = quotient + (numerator - quotient * denominator) * reciprocal
        return np.copysign(base + quotient, z)

    return paired_tanh_of


def tanh_derivative(a):
    """``1 - a**2``, the derivative of tanh at the ``z`` whose ``tanh(z)`` is ``a``.

    Computed as ``(1 - a) (1 + a)``, accurate however close ``|a|`` is to 1.
    """
    return _in_python_variant(_tanh_derivative_variants, a)


@typed_variants(tanh_derivative)
def _tanh_derivative_variants(a):
    one = _ONES.get(a)
    if one is None:
        return None

    def tanh_derivative_of(a):
        return (one - a) * (one + a)

    return tanh_derivative_of


@inlined_kernel
def tanh_inplace(values):
    """Replace each ``z`` of a 1-D C-contiguous float array by ``tanh(z)``.

    Vectorises over the array; any length works, multiples of 8 leave no
    scalar remainder. Callable from serial and parallel kernels.
    """
    for i in range(values.shape[0]):
        values[i] = tanh(values[i])


@kernel
def tanh_pairs_inplace(first, second):
    """Replace ``first[i]`` and ``second[i]`` by their tanhs, one division per pair.

    ``first`` and ``second`` are 1-D float arrays of one length and dtype.
    """
    for i in range(first.shape[0]):
        z, z_other = first[i], second[i]
        base, numerator, denominator = tanh_terms(z)
        base_other, numerator_other, denominator_other = tanh_terms(z_other)
        inverse = tanh_pair_inverse(denominator, denominator_other)
        first[i] = paired_tanh(z, base, numerator, denominator, denominator_other, inverse)
        second[i] = paired_tanh(
            z_other, base_other, numerator_other, denominator_other, denominator, inverse
        )
