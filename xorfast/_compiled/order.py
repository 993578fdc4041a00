"""The rows' order in an epoch of ``update="shuffled"`` training, inside a kernel.

:func:`shuffle_rows` is :func:`xorfast.reference.shuffled_order` in unsigned
64-bit integers: a Fisher-Yates shuffle of ``0 .. n-1`` driven by SplitMix64
from the state ``seed * 2**32 + epoch``, started afresh every epoch, so an
epoch's order is a function of the run's seed and the epoch alone (a sweep
kernel can compute it per lane). Called from Python (as under
``NUMBA_DISABLE_JIT=1``) it runs the same steps on Python integers, which
never overflow or warn as NumPy's unsigned integers would.
"""

import numpy as np

from .jit import typed_variants

__all__ = ["shuffle_rows"]

# SplitMix64's constants, as in xorfast.reference.
_GOLDEN_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_MIX_1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX_2 = np.uint64(0x94D049BB133111EB)
_SHIFT_30 = np.uint64(30)
_SHIFT_27 = np.uint64(27)
_SHIFT_31 = np.uint64(31)
_SHIFT_32 = np.uint64(32)


def shuffle_rows(order, seed, epoch):
    """Fill ``order`` (int64, one entry per row) with the rows' order in epoch ``epoch``.

    ``seed`` is the run's seed (0 to 2**32 - 1, as ``np.uint64``), ``epoch``
    counts from 0; the order is :func:`xorfast.reference.shuffled_order`'s.
    """
    rows = order.shape[0]
    order[:] = np.arange(rows)
    state, mask = (int(seed) << 32) + int(epoch), 2**64 - 1
    for i in range(rows - 1, 0, -1):
        state = (state + int(_GOLDEN_GAMMA)) & mask
        z = ((state ^ (state >> 30)) * int(_MIX_1)) & mask
        z = ((z ^ (z >> 27)) * int(_MIX_2)) & mask
        j = (z ^ (z >> 31)) % (i + 1)
        order[i], order[j] = order[j], order[i]


@typed_variants(shuffle_rows)
def _shuffle_rows_variants(order, seed, epoch):
    def shuffle_rows_of(order, seed, epoch):
        rows = order.shape[0]
        for i in range(rows):
            order[i] = i
        state = (np.uint64(seed) << _SHIFT_32) + np.uint64(epoch)
        for i in range(rows - 1, 0, -1):
            state += _GOLDEN_GAMMA
            z = state
            z = (z ^ (z >> _SHIFT_30)) * _MIX_1
            z = (z ^ (z >> _SHIFT_27)) * _MIX_2
            z = z ^ (z >> _SHIFT_31)
            j = np.int64(z % np.uint64(i + 1))
            swap = order[i]
            order[i] = order[j]
            order[j] = swap

    return shuffle_rows_of
