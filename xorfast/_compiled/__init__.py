"""The compiled layer: everything Numba compiles, and how it is compiled and cached.

Nothing here checks its input: callers pass arrays already validated at the
boundary (:mod:`xorfast._validation`). Nothing here imports from outside this
package except NumPy and Numba.

- :mod:`.jit`: the one place for Numba options, and machine-code lookup.
- :mod:`.sigmoid`: the vectorisable sigmoid and its paired form.
- :mod:`.single_run`: the fused single-run kernel (forward, backprop, update).
- :mod:`.sweep_kernel`: the generic sweep kernel (64 seeds in lanes) and its
  parallel driver.
- :mod:`.specialise`: the code generators that unroll both kernels for one
  shape, their size limits, and the verified on-disk modules they write.
- :mod:`.cache`: the cache folder, keyed by a digest of this package's source.
"""
