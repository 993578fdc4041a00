"""Type aliases shared by the annotations of xorfast's public API (no runtime behaviour)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any, Literal, TypeAlias

import numpy as np
import numpy.typing as npt

Loss: TypeAlias = Literal["bce", "mse"]
Reduction: TypeAlias = Literal["mean", "sum"]
Init: TypeAlias = Literal["normal", "uniform", "glorot"]
BiasInit: TypeAlias = Literal["zeros", "same"]
Backend: TypeAlias = Literal["numba", "numpy"]
Stop: TypeAlias = Literal["solved", "tol"]
Activation: TypeAlias = Literal["sigmoid", "tanh"]
Update: TypeAlias = Literal["batch", "online", "shuffled"]
#: ``"float64"`` or ``"float32"``, or the matching NumPy scalar type or dtype.
DType: TypeAlias = (
    Literal["float64", "float32"]
    | type[np.float64]
    | type[np.float32]
    | np.dtype[np.float64]
    | np.dtype[np.float32]
)
FloatArray: TypeAlias = npt.NDArray[np.floating[Any]]
#: A file path: a string or an ``os.PathLike``.
StrPath: TypeAlias = os.PathLike[str] | str
#: One value, or a sequence of them forming a grid axis.
IntAxis: TypeAlias = int | Sequence[int]
FloatAxis: TypeAlias = float | Sequence[float]
