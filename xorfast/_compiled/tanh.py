"""A tanh that LLVM can vectorise, accurate near 0: ``expm1`` and ``exp`` from one core.

``2 sigmoid(2z) - 1`` would be one line, but near 0 it subtracts two nearly
equal numbers and keeps only the absolute accuracy of the sigmoid: at
``z = 1e-8`` half the digits of a float64 are wrong, and below ``1e-16`` all.
This module computes, for ``m = |z|`` and ``x = -2m``,

    tanh(m) = -expm1(x) / (1 + exp(x))

and puts the sign of ``z`` back at the end (``copysign``, so ``tanh(-0) =
-0`` and every result is exactly odd). The numerator ``-expm1(x)`` keeps its
relative accuracy however small ``m`` is, and the denominator lies in
``[1, 2]``, so nothing cancels anywhere.

Both come from the steps of the sigmoid's vectorisable ``exp``
(:mod:`xorfast._compiled.sigmoid`, whose constants this module uses): the
range reduction ``x = k ln 2 + r`` and the polynomial give ``expm1(r)`` and
the bits give ``2**k``; ``s = 2**k expm1(r)`` is exact (a power of two times
a float), and so are ``1 - 2**k`` and ``1 + 2**k``, so the numerator ``(1 -
2**k) - s`` and the denominator ``(1 + 2**k) + s`` round once each. For
``|x| < ln(2) / 2`` (``k = 0``) the numerator is the polynomial's value
itself, so small ``z`` keeps its relative accuracy. One ``exp`` costs as in a
sigmoid; a tanh adds a few additions and the ``copysign``. Every step is a
select, never a branch, so a loop over a contiguous array vectorises. ``2m``
above 746 (float64) or 104 (float32), and infinity, are clamped there
(``exp`` is 0), so ``2m`` never overflows.

Sweeps can take tanhs two at a time on one division as they do sigmoids
(:func:`tanh_terms`, :func:`tanh_pair_inverse`, :func:`paired_tanh`): the
product of the two denominators lies in ``[1, 4]``, and one correction step
(two fused multiply-adds) brings each quotient within a hair of the rounded
one. A NaN in either value makes both NaN.

Measured against ``tanh`` in 80-bit precision over the whole float range
(``tests/test_tanh.py``, and 3 million random values besides): at most 2.11
ulp in float64 and 2.03 ulp in float32 (of the result's type), the paired
form the same. The largest errors are where ``k`` is -1 (``|z|`` between
0.17 and 0.52): ``expm1(x)`` rounds once more there (``s - 1/2``), and a tanh
of about 0.2 lies in a binade whose ulp is small against that rounding;
elsewhere the errors stay below 1.83 ulp. Near 0 the result is within 1.4
ulp, and ``tanh(z) = z`` exactly below ``2**-54`` (float64) and ``2**-25``
(float32), subnormals included; exactly 0 at 0, -0 at -0, +-1 from ``|z|``
of 18.55 (float64) and 8.50 (float32) on and at +-inf; NaN for NaN.

A rational fit below ``|z| = 0.55`` with ``1 - 2 exp(x) / (1 + exp(x))``
above reached 1.5 ulp, but took 60% more vector instructions than the
sigmoid's loop, where this takes 7% (float64) and 10% (float32) more
(``llvm-mca`` for Sapphire Rapids: 1.13 and 1.10 times the sigmoid loop's
cycles): the extra half ulp is not worth a slower hidden layer.

:func:`tanh_derivative` gives the derivative from the activation
``a = tanh(z)`` as ``(1 - a) (1 + a)`` rather than ``1 - a a``: within 1.5
ulp of ``1 - a**2`` for every ``a``, where ``1 - a a`` loses relative accuracy
as ``|a|`` nears 1 (unless LLVM happens to fuse it into one multiply-add).

Called from Python (as every kernel is under ``NUMBA_DISABLE_JIT=1``), the
helpers run the very same function bodies on NumPy scalars of the argument's
type, with the sigmoid module's Python stand-in for the one step Python
cannot write (the shift of bits into the exponent field); the clamp above
also keeps them from overflowing (no NumPy warning). Where LLVM fuses a
multiply and an add (``contract``), the compiled result can differ from the
Python one in its last bits (measured: by up to 2 ulp, in under 1% of values).
"""

import numpy as np
from numba import types

from .jit import inlined_kernel, kernel, typed_variants
from .sigmoid import (
    _LIMIT_32,
    _LIMIT_64,
    _LN2_HI_32,
    _LN2_HI_64,
    _LN2_LO_32,
    _LN2_LO_64,
    _LOG2E_32,
    _LOG2E_64,
    _ONE_32,
    _Q0_32,
    _Q0_64,
    _Q1_32,
    _Q1_64,
    _Q2_32,
    _Q2_64,
    _Q3_32,
    _Q3_64,
    _Q4_32,
    _Q4_64,
    _Q5_64,
    _Q6_64,
    _Q7_64,
    _Q8_64,
    _Q9_64,
    _SHIFT_32,
    _SHIFT_64,
    _UNSCALE_32,
    _UNSCALE_64,
    _in_python,
    _in_python_variant,
    _shift_into_exponent,
)

__all__ = ["tanh_inplace", "tanh_pairs_inplace"]

# 2m above these is clamped to the sigmoid's exp limit, where exp(x) is 0.
_HALF_LIMIT_64 = _LIMIT_64 / 2
_HALF_LIMIT_32 = _LIMIT_32 / np.float32(2)
_MINUS_TWO_32 = np.float32(-2)


def _tanh_terms_64(z):
    magnitude = abs(z)
    x = -_LIMIT_64 if magnitude > _HALF_LIMIT_64 else magnitude * -2.0  # NaN passes through
    shifted = x * _LOG2E_64 + _SHIFT_64
    k = shifted - _SHIFT_64
    r = (x - k * _LN2_HI_64) - k * _LN2_LO_64
    r2 = r * r
    r4 = r2 * r2
    q = ((_Q0_64 + _Q1_64 * r) + r2 * (_Q2_64 + _Q3_64 * r)) + r4 * (
        ((_Q4_64 + _Q5_64 * r) + r2 * (_Q6_64 + _Q7_64 * r)) + r4 * (_Q8_64 + _Q9_64 * r)
    )
    expm1_r = r + r2 * q
    scale = _shift_into_exponent(shifted) * _UNSCALE_64
    s = expm1_r * scale
    # -expm1(x) and 1 + exp(x): s and the sums with 1 are exact, so each rounds once.
    return (1.0 - scale) - s, (1.0 + scale) + s


def _tanh_terms_32(z):
    magnitude = abs(z)
    x = -_LIMIT_32 if magnitude > _HALF_LIMIT_32 else magnitude * _MINUS_TWO_32
    shifted = x * _LOG2E_32 + _SHIFT_32
    k = shifted - _SHIFT_32
    r = (x - k * _LN2_HI_32) - k * _LN2_LO_32
    r2 = r * r
    q = ((_Q0_32 + _Q1_32 * r) + r2 * (_Q2_32 + _Q3_32 * r)) + (r2 * r2) * _Q4_32
    expm1_r = r + r2 * q
    scale = _shift_into_exponent(shifted) * _UNSCALE_32
    s = expm1_r * scale
    return (_ONE_32 - scale) - s, (_ONE_32 + scale) + s


def tanh_terms(z):
    """``(numerator, denominator)`` of ``|tanh(z)|``: ``-expm1(-2|z|)`` and ``1 + exp(-2|z|)``.

    The costly part of a tanh, for :func:`paired_tanh`; the denominator lies
    in ``[1, 2]``. Called from Python it runs the same steps on NumPy scalars.
    """
    if isinstance(z, np.float32):
        return _tanh_terms_python[types.float32](z)
    return _tanh_terms_python[types.float64](np.float64(z))


@typed_variants(tanh_terms)
def _tanh_terms_variants(z):
    return {types.float64: _tanh_terms_64, types.float32: _tanh_terms_32}.get(z)


_tanh_terms_python = {
    types.float64: _in_python(_tanh_terms_64),
    types.float32: _in_python(_tanh_terms_32),
}


# The helpers kernels call -----------------------------------------------------

# Helpers with one body for both float types take their constant 1 of the right type here.
_ONES = {types.float64: 1.0, types.float32: _ONE_32}


def tanh(z):
    """``tanh(z)`` of one float32 or float64 inside a kernel (see the module doc)."""
    return _in_python_variant(_tanh_variants, z)


@typed_variants(tanh)
def _tanh_variants(z):
    if z not in _ONES:
        return None

    def tanh_of(z):
        numerator, denominator = tanh_terms(z)
        return np.copysign(numerator / denominator, z)

    return tanh_of


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


def paired_tanh(z, numerator, denominator, denominator_other, inverse):
    """``tanh(z)`` from its :func:`tanh_terms`, its partner's denominator and ``inverse``.

    ``inverse`` is their :func:`tanh_pair_inverse`, so ``denominator_other
    inverse`` is the reciprocal of ``denominator``; one correction step makes
    the quotient nearly as accurate as a division.
    """
    return _in_python_variant(
        _paired_tanh_variants, z, numerator, denominator, denominator_other, inverse
    )


@typed_variants(paired_tanh)
def _paired_tanh_variants(z, numerator, denominator, denominator_other, inverse):
    if z not in _ONES:
        return None

    def paired_tanh_of(z, numerator, denominator, denominator_other, inverse):
        reciprocal = denominator_other * inverse
        quotient = numerator * reciprocal
        # The residual is exact as a fused multiply-add.
        quotient = quotient + (numerator - quotient * denominator) * reciprocal
        return np.copysign(quotient, z)

    return paired_tanh_of


def tanh_derivative(a):
    """``1 - a**2``, the derivative of tanh at the ``z`` whose ``tanh(z)`` is ``a``.

    Computed as ``(1 - a) (1 + a)``, accurate however close ``|a|`` is to 1,
    and exactly 0 at ``a = +-1``.
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
        numerator, denominator = tanh_terms(z)
        numerator_other, denominator_other = tanh_terms(z_other)
        inverse = tanh_pair_inverse(denominator, denominator_other)
        first[i] = paired_tanh(z, numerator, denominator, denominator_other, inverse)
        second[i] = paired_tanh(z_other, numerator_other, denominator_other, denominator, inverse)
