"""xorfast: train tiny two-layer sigmoid networks at machine speed.

>>> import xorfast
>>> result = xorfast.train(seed=0)
>>> result.solved
True
"""

from . import datasets
from .params import Params
from .result import History, TrainResult
from .sweeps.results import SweepResult
from .sweeps.store import load_sweep
from .sweeps.sweeper import sweep
from .trainer import train

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
