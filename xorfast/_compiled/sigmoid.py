"""A sigmoid that LLVM can vectorise: ``exp`` from plain arithmetic, no libm call.

Numba has no vector maths library here, so ``np.exp`` in a loop is one scalar
libm call per element and the loop cannot vectorise. This module builds
``exp(x)`` for ``x <= 0`` from arithmetic LLVM can vectorise:

1. Range reduction: ``k = round(x / ln 2)`` by the shifter trick (adding
   ``1.5 * 2**52`` rounds to an integer), then ``r = x - k ln 2`` in two
   steps (Cody-Waite: ``k * LN2_HI`` is exact), so ``|r| <= ln(2) / 2``.
2. ``exp(r) - 1 = r + r**2 q(r)``, ``q`` a polynomial evaluated by Estrin's
   scheme, whose short dependency chain matters more here than the count of
   operations: a training epoch is one long chain of dependent steps.
3. ``2**k`` from the bits the shifter already holds: the rounding constant
   carries the exponent bias too, so the low mantissa bits of ``x / ln 2 +
   shift`` are a biased exponent, and one integer shift moves them into the
   exponent field. ``k`` goes down to -1076 where the result underflows, below
   the smallest normal exponent, so the bits give ``2**(k + 64)``, normal for
   every ``k``, and one multiplication by the constant ``2**-64`` makes
   ``2**k``, exact down to the smallest subnormal; ``exp(x) = 2**k + 2**k
   (exp(r) - 1)`` then rounds once, also into the subnormal range. Only for
   ``k`` of -1075 and -1076 does ``2**k`` round to 0, where ``exp(x)`` is
   below 0.71 of the smallest subnormal: less than 1 ulp from the exact
   result. This takes six operations fewer per sigmoid than two normal
   factors ``2**half * 2**(k - half)``, and needs no more latency.

The sigmoid is then ``num / (1 + e)`` with ``e = exp(-|z|)`` and ``num`` 1
for ``z >= 0``, else ``e``: never ``1 - s``, which would lose all relative
accuracy for very negative ``z``. This is the formula of
:func:`xorfast.reference.sigmoid`; one division also rounds once where
``e * (1 / (1 + e))`` rounds twice.

Every step is a select, never a branch, so a loop over a contiguous array
vectorises (4 doubles or 8 floats per AVX2 instruction, twice as many with
AVX-512). float32 gets its own shorter polynomial, so it is never slower than
float64.

Measured against the sigmoid in 80-bit precision over the whole float range
(``tests/test_sigmoid.py``): at most 1.94 ulp in float64 and 2.09 ulp in
float32 (of the float32 result); exactly 0.5 at 0 and 1 above the saturation
threshold; subnormal results down to where the sigmoid underflows to 0; NaN
for NaN.

Sweeps run two sigmoids on one division (:func:`pair_inverse`,
:func:`paired_sigmoid`): ``1 / ((1 + e_a) (1 + e_b))`` times ``1 + e_b`` is
the reciprocal of ``1 + e_a``, within a few roundings; both ``1 + e`` lie in
``[1, 2]``, so the product never overflows. One correction step (two fused
multiply-adds) then brings ``num_a`` times that reciprocal to within a hair of
the rounded quotient, so the pair form keeps the accuracy of the plain one: at
most 2.37 ulp in float64 and 2.24 in float32 with partners anywhere in the
range, and the same exact values. A float64 division costs as much throughput
as a dozen multiply-adds, and in a float64 sweep the division unit is what
runs out first. A NaN in either value makes both NaN.

Called from Python (as every kernel is under ``NUMBA_DISABLE_JIT=1``), the
helpers run the very same function bodies on NumPy scalars of the argument's
type, with the one step Python cannot write, the shift of the bit pattern
into the exponent field, done on the same bits through an unsigned integer
view (:func:`_python_shift_into_exponent`). The arithmetic is then the same
operation for operation; where LLVM fuses a multiply and an add into one
multiply-add (``contract``), the compiled result can differ in its last bit.
"""

from types import FunctionType

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from .jit import inlined_kernel, kernel, typed_variants

__all__ = ["sigmoid_inplace", "sigmoid_pairs_inplace"]


@intrinsic
def _shift_into_exponent(typingctx, value):
    """Reinterpret ``value``'s low integer bits as an exponent field: ``2**(n - bias)``.

    ``value`` is a float whose bit pattern ends in the integer ``n`` (the
    shifter trick); shifting the bit pattern left by the mantissa width moves
    ``n``'s low bits into the exponent field and zeroes the mantissa.
    """
    widths = {types.float64: (64, 52), types.float32: (32, 23)}
    if value not in widths:
        return None
    bits, mantissa = widths[value]

    def codegen(context, builder, signature, args):
        integer = ir.IntType(bits)
        pattern = builder.bitcast(args[0], integer)
        shifted = builder.shl(pattern, ir.Constant(integer, mantissa))
        return builder.bitcast(shifted, args[0].type)

    return value(value), codegen


#: The unsigned integer of each float's width and the float's mantissa width.
_BITS = {np.float64: (np.uint64, np.uint64(52)), np.float32: (np.uint32, np.uint32(23))}


def _python_shift_into_exponent(value):
    """:func:`_shift_into_exponent` in Python, for a float64 (or Python float) or float32."""
    if type(value) is float:
        value = np.float64(value)
    unsigned, mantissa = _BITS[type(value)]
    return (value.view(unsigned) << mantissa).view(type(value))


def _in_python(function):
    """``function``'s own code, with :func:`_python_shift_into_exponent` for the intrinsic."""
    namespace = dict(function.__globals__, _shift_into_exponent=_python_shift_into_exponent)
    return FunctionType(function.__code__, namespace, function.__name__)


# float64 --------------------------------------------------------------------

_LOG2E_64 = 1.4426950408889634
# Adding 1.5 * 2**52 rounds |x| < 2**51 to an integer held in the low mantissa
# bits; the rest of the constant puts the biased exponent of 2**(k + 64) there.
_SHIFT_64 = 6755399441055744.0 + 1023 + 64
_UNSCALE_64 = 2.0**-64
# ln 2 = LN2_HI + LN2_LO; LN2_HI has 32 significant bits, so k * LN2_HI is exact.
_LN2_HI_64 = 6.93147180369123816490e-01
_LN2_LO_64 = 1.90821492927058770002e-10
# exp(-746) < 2**-1076 rounds to 0; clamping keeps k inside the shift's range.
_LIMIT_64 = 746.0
# q(r) ~ (exp(r) - 1 - r) / r**2 on |r| <= 0.3466: a Chebyshev fit (mpmath.chebyfit,
# 50 digits) of degree 9. Its coefficients are close to the Taylor ones, 1/(j+2)!;
# the fit's error, r**2 times about 1e-16, is below 0.2 ulp of exp(r).
_Q0_64 = 0.5000000000000001
_Q1_64 = 0.16666666666666669
_Q2_64 = 0.041666666666624136
_Q3_64 = 0.008333333333330063
_Q4_64 = 0.001388888891720967
_Q5_64 = 0.00019841269863050506
_Q6_64 = 2.4801521302241082e-05
_Q7_64 = 2.7557268464831627e-06
_Q8_64 = 2.7620085455018414e-07
_Q9_64 = 2.510038319586702e-08


def _exp_neg_abs_64(z):
    magnitude = abs(z)
    x = -_LIMIT_64 if magnitude > _LIMIT_64 else -magnitude  # NaN passes through
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
    return expm1_r * scale + scale


# float32 --------------------------------------------------------------------

_LOG2E_32 = np.float32(1.4426950408889634)
# 1.5 * 2**23 and the biased exponent of 2**(k + 32), normal down to k = -150;
# 2**k itself rounds to 0 only at k = -150.
_SHIFT_32 = np.float32(12582912.0 + 127 + 32)
_UNSCALE_32 = np.float32(2.0**-32)
_ONE_32 = np.float32(1)
# LN2_HI has 9 significant bits, so k * LN2_HI is exact for |k| <= 2**15.
_LN2_HI_32 = np.float32(0.693359375)
_LN2_LO_32 = np.float32(-2.12194440e-4)
# exp(-104) < 2**-150 rounds to 0 in float32.
_LIMIT_32 = np.float32(104.0)
# Degree 4 fit of the same q, rounded to float32; error below 0.2 ulp of float32.
_Q0_32 = np.float32(0.5)
_Q1_32 = np.float32(0.16666576266288757)
_Q2_32 = np.float32(0.041666556149721146)
_Q3_32 = np.float32(0.008363177999854088)
_Q4_32 = np.float32(0.0013926181709393859)


def _exp_neg_abs_32(z):
    magnitude = abs(z)
    x = -_LIMIT_32 if magnitude > _LIMIT_32 else -magnitude
    shifted = x * _LOG2E_32 + _SHIFT_32
    k = shifted - _SHIFT_32
    r = (x - k * _LN2_HI_32) - k * _LN2_LO_32
    r2 = r * r
    q = ((_Q0_32 + _Q1_32 * r) + r2 * (_Q2_32 + _Q3_32 * r)) + (r2 * r2) * _Q4_32
    expm1_r = r + r2 * q
    scale = _shift_into_exponent(shifted) * _UNSCALE_32
    return expm1_r * scale + scale


def exp_neg_abs(z):
    """``exp(-|z|)`` of one float32 or float64 inside a kernel: the costly part of a sigmoid.

    Called from Python it runs the same steps on NumPy scalars (see the module doc).
    """
    if isinstance(z, np.float32):
        return _exp_neg_abs_python[types.float32](z)
    return _exp_neg_abs_python[types.float64](np.float64(z))


@typed_variants(exp_neg_abs)
def _exp_neg_abs_variants(z):
    if z == types.float64:
        return _exp_neg_abs_64
    if z == types.float32:
        return _exp_neg_abs_32
    return None


_exp_neg_abs_python = {
    types.float64: _in_python(_exp_neg_abs_64),
    types.float32: _in_python(_exp_neg_abs_32),
}


def _in_python_variant(variants, *arguments):
    """The body ``variants`` gives kernels for these arguments' types, called from Python."""
    key = (variants, *map(type, arguments))
    body = _python_variants.get(key)
    if body is None:
        body = variants(*map(numba.typeof, arguments))
        if body is None:
            raise TypeError(
                f"{variants.__name__[1 : -len('_variants')]} takes float32 or "
                f"float64 scalars, not {', '.join(map(str, key[1:]))}"
            )
        _python_variants[key] = body
    return body(*arguments)


_python_variants = {}


# Each helper below has one body for both float types, with its constant 1 of the right type.
_ONES = {types.float64: 1.0, types.float32: _ONE_32}


def sigmoid(z):
    """``1 / (1 + exp(-z))`` of one float32 or float64 inside a kernel (see the module doc)."""
    return _in_python_variant(_sigmoid_variants, z)


@typed_variants(sigmoid)
def _sigmoid_variants(z):
    one = _ONES.get(z)
    if one is None:
        return None

    def sigmoid_of(z):
        e = exp_neg_abs(z)
        numerator = one if z >= 0 else e
        return numerator / (one + e)

    return sigmoid_of


def pair_inverse(e, e_other):
    """``1 / ((1 + e) (1 + e_other))``: one division serves the sigmoids of two values.

    ``e`` and ``e_other`` are :func:`exp_neg_abs` of the two; both lie in
    ``[0, 1]``, so the product lies in ``[1, 4]`` and never overflows.
    """
    return _in_python_variant(_pair_inverse_variants, e, e_other)


@typed_variants(pair_inverse)
def _pair_inverse_variants(e, e_other):
    one = _ONES.get(e)
    if one is None:
        return None

    def pair_inverse_of(e, e_other):
        return one / ((one + e) * (one + e_other))

    return pair_inverse_of


def paired_sigmoid(z, e, e_other, inverse):
    """The sigmoid of ``z`` from ``e = exp_neg_abs(z)``, its partner's ``e_other`` and ``inverse``.

    ``inverse`` is their :func:`pair_inverse`, so ``(1 + e_other) inverse`` is
    the reciprocal of ``1 + e``; one correction step makes ``num / (1 + e)``
    from it nearly as accurate as a division (see the module doc).
    """
    return _in_python_variant(_paired_sigmoid_variants, z, e, e_other, inverse)


@typed_variants(paired_sigmoid)
def _paired_sigmoid_variants(z, e, e_other, inverse):
    one = _ONES.get(e)
    if one is None:
        return None

    def paired_sigmoid_of(z, e, e_other, inverse):
        numerator = one if z >= 0 else e
        denominator = one + e
        reciprocal = (one + e_other) * inverse
        quotient = numerator * reciprocal
        # One correction step: the residual is exact as a fused multiply-add,
        # and the result lands within a hair of the rounded num / den.
        return quotient + (numerator - quotient * denominator) * reciprocal

    return paired_sigmoid_of


@inlined_kernel
def sigmoid_inplace(values):
    """Replace each ``z`` of a 1-D C-contiguous float array by ``1 / (1 + exp(-z))``.

    Vectorises over the array; any length works, multiples of 8 leave no
    scalar remainder. Callable from serial and parallel kernels.
    """
    for i in range(values.shape[0]):
        values[i] = sigmoid(values[i])


@kernel
def sigmoid_pairs_inplace(first, second):
    """Replace ``first[i]`` and ``second[i]`` by their sigmoids, one division per pair.

    The formula of the generated sweep kernels (:func:`paired_sigmoid`);
    ``first`` and ``second`` are 1-D float arrays of one length and dtype.
    """
    for i in range(first.shape[0]):
        z, z_other = first[i], second[i]
        e, e_other = exp_neg_abs(z), exp_neg_abs(z_other)
        inverse = pair_inverse(e, e_other)
        first[i] = paired_sigmoid(z, e, e_other, inverse)
        second[i] = paired_sigmoid(z_other, e_other, e, inverse)
