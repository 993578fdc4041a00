"""xorfast: train tiny two-layer sigmoid networks at machine speed.

>>> import xorfast
>>> result = xorfast.train(seed=0)
>>> result.solved
True

The names below are imported when first used (PEP 562): ``import xorfast``
itself costs nothing, so that ``xorfast --help`` answers at once and Ctrl-C
works from the command's first moment. NumPy and Numba are imported with
the first of them used, e.g. ``xorfast.train``.
"""

from typing import TYPE_CHECKING

__all__ = [
    "train",
    "sweep",
    "load_sweep",
    "TrainResult",
    "SweepResult",
    "History",
    "Params",
    "datasets",
]
__version__ = "0.1.0"

#: The module that defines each public name; ``datasets`` is a submodule, found as
#: every submodule is.
_PUBLIC = {
    "train": ".trainer",
    "sweep": ".sweeps.sweeper",
    "load_sweep": ".sweeps.store",
    "TrainResult": ".result",
    "SweepResult": ".sweeps.results",
    "History": ".result",
    "Params": ".params",
}

if TYPE_CHECKING:  # what type checkers and editors see: the names as plain imports
    from . import datasets
    from .params import Params
    from .result import History, TrainResult
    from .sweeps.results import SweepResult
    from .sweeps.store import load_sweep
    from .sweeps.sweeper import sweep
    from .trainer import train
else:

    def __getattr__(name):
        """Import a public name, or a submodule (``xorfast.reference``), on first use."""
        import importlib

        if name in _PUBLIC:
            value = getattr(importlib.import_module(_PUBLIC[name], __name__), name)
        elif name.startswith("__"):
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        else:
            # Submodules: xorfast.options.OPTIONS and the like work after a bare
            # ``import xorfast``, as they did when it imported them all.
            try:
                value = importlib.import_module(f".{name}", __name__)
            except ModuleNotFoundError as error:
                if error.name != f"{__name__}.{name}":
                    raise  # the submodule exists and lacks a dependency: say so
                raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
        globals()[name] = value  # found directly from now on
        return value

    def __dir__():
        return sorted(set(globals()) | set(__all__))
