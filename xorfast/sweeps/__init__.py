"""The sweep machinery: many seeds times a grid of configs, in parallel, stored.

- :mod:`.spec`: :class:`~.spec.SweepSpec`, the checked, storable specification.
- :mod:`.blocks`: the unit of work (a config and a range of seeds) and how it runs.
- :mod:`.results`: :class:`~.results.SweepResult`, the per-run table and its summary.
- :mod:`.sweeper`: :func:`~.sweeper.sweep`, which plans, runs and stores blocks.
- :mod:`.store`: the SQLite store that keeps finished blocks and resumes sweeps
  (with ``_store_file``, ``_store_check`` and ``_store_lock``).
- :mod:`.executors`, :mod:`.cluster`: ``concurrent.futures`` and Dask executors.

This package uses the compiled layer (:mod:`xorfast._compiled`) and the core
modules (:mod:`xorfast.params`, :mod:`xorfast.reference`), never the reverse.
"""
