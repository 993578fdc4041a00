"""What a training run returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from . import _validation, reference
from .params import Params


@dataclass(frozen=True)
class History:
    """Mean squared error of the forward pass at logged epochs, before that epoch's update.

    Attributes
    ----------
    epoch : ndarray of int64
        ``0, log_every, 2 * log_every, ...`` below ``epochs`` (below
        ``updates``, the epoch a stopped run stopped at); empty if nothing was logged.
    mse : ndarray
        The mean of ``(y - output)**2`` over all rows and outputs at those epochs.
    """

    epoch: np.ndarray
    mse: np.ndarray

    def __len__(self) -> int:
        return len(self.epoch)


@dataclass(frozen=True, eq=False)
class TrainResult:
    """The outcome of :func:`xorfast.train`.

    Attributes
    ----------
    W1, b1, W2, b2 : ndarray
        Trained parameters, shapes (d, H), (H,), (H, O), (O,).
    predictions : ndarray (n, O)
        Outputs of a forward pass over the training inputs after training
        (after the ``updates`` made; for a run ``stop`` ended, the forward pass
        it stopped at).
    history : History
        The logged loss curve.
    diverged : bool
        True when training destroyed the network, so the numbers are
        meaningless (typically a far too large ``lr``): a parameter or
        prediction became NaN or infinite, or the units ended pinned
        (:func:`xorfast.reference.pinned`): every hidden activation exactly 0
        or 1 on every row, so no gradient reaches the first layer again, or,
        with ``loss="mse"``, every output exactly 0 or 1 and some of them
        wrong, so no gradient flows at all. A diverged run is never ``solved``.
    seed : int or None
        The seed that drew the initial weights (drawn at random when none was
        given, so the run can be repeated), or None when ``weights`` were given.
    config : dict
        The hyper-parameters of the run.
    seconds : float
        Wall time of the training loop alone.
    updates : int
        Gradient steps made, the epochs trained: ``config["epochs"]`` (the
        budget) unless ``stop`` ended the run early.
    epoch_stopped : int
        The epoch ``stop`` ended the run at (the forward pass after that many
        updates, equal to ``updates``; ``config["epochs"]`` when the state
        after the last update met it), or -1 when it never did, or without
        ``stop``. With ``stop="solved"`` it is the run's ``epoch_solved``.
    """

    W1: np.ndarray
    b1: np.ndarray
    W2: np.ndarray
    b2: np.ndarray
    predictions: np.ndarray
    targets: np.ndarray = field(repr=False)
    history: History = field(repr=False)
    diverged: bool
    seed: int | None
    config: dict[str, Any]
    seconds: float
    updates: int
    epoch_stopped: int

    @property
    def params(self) -> Params:
        """The trained parameters as a :class:`~xorfast.params.Params` tuple."""
        return Params(self.W1, self.b1, self.W2, self.b2)

    @property
    def final_mse(self) -> float:
        """Mean squared error of :attr:`predictions` against the targets."""
        return float(np.mean((self.targets - self.predictions) ** 2))

    @property
    def max_error(self) -> float:
        """Largest ``|prediction - target|``; below ``margin`` means the run is solved."""
        return float(np.max(np.abs(self.predictions - self.targets)))

    @property
    def margin(self) -> float:
        """The success criterion of the run (``config["margin"]``, default 0.5)."""
        return float(self.config.get("margin", 0.5))

    @property
    def solved(self) -> bool:
        """True when every output is within :attr:`margin` of its target, not diverged."""
        return not self.diverged and self.max_error < self.margin

    def predict(self, X: npt.ArrayLike) -> npt.NDArray[np.floating[Any]]:
        """Network outputs (m, O) for inputs ``X`` (m, d), in the run's dtype."""
        X = _validation.numeric_array("X", X)
        X = _validation.fits("X", X, self.W1.dtype).astype(self.W1.dtype)
        if X.ndim == 1 and X.shape[0] == self.W1.shape[0]:
            X = X[None, :]
        if X.ndim != 2 or X.shape[1] != self.W1.shape[0]:
            raise ValueError(f"X must have shape (m, {self.W1.shape[0]}); got {X.shape}")
        # C order, as in training: NumPy's products then sum in the same order.
        X = np.ascontiguousarray(X)
        with np.errstate(over="ignore", invalid="ignore"):
            activation = self.config.get("activation", "sigmoid")
            return reference.forward(X, self.params, activation)[1]
