"""The compiled layer: everything Numba compiles, and how it is compiled and cached.

Nothing here checks its input: callers pass arrays already validated at the
boundary (:mod:`xorfast._validation`). Nothing here imports from outside this
package except NumPy and Numba.

- :mod:`.jit`: the one place for Numba options, and machine-code lookup.
- :mod:`.sigmoid`: the vectorisable sigmoid and its paired form.
- :mod:`.tanh`: the vectorisable tanh (accurate near 0) and its paired form, for
  tanh hidden units.
- :mod:`.single_run`: the fused single-run kernel (forward, backprop, update),
  plain and with momentum, with issue 15's rules, its arguments and the
  buffers it works in.
- :mod:`.order`: the rows' order in an epoch of shuffled online training.
- :mod:`.single_run_unrolled`: its code generator, which unrolls it for one
  small layer shape, and the widths it does so up to.
- :mod:`.sweep_kernel`: the generic sweep kernel (64 seeds in lanes), its driver
  and the threads that run it.
- :mod:`.sweep_unrolled`: its code generator, which unrolls it for one small
  shape and row count, and the size it does so up to.
- :mod:`.modules`: generated source as modules on disk: written whole,
  verified, imported; the folder's fallbacks.
- :mod:`.cache`: the cache folder, keyed by a digest of this package's source.
"""
