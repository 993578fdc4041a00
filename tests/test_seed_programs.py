"""The two programs xorfast grew from, reproduced by their own published numbers."""

import numpy as np
import pytest

import xorfast

# Printed by the notebook (np.random.seed(42), squared-error gradient summed
# over the batch, lr 0.1), four decimals as published.
NOTEBOOK_LOSS_TABLE = [
    0.2832,
    0.2452,
    0.2124,
    0.1503,
    0.0572,
    0.0209,
    0.0107,
    0.0067,
    0.0047,
    0.0035,
]
NOTEBOOK_PREDICTIONS = [[0.037], [0.949], [0.945], [0.064]]


@pytest.mark.parametrize("backend", ["numba", "numpy"])
def test_notebook_loss_table_and_predictions(backend):
    result = xorfast.train(seed=42, loss="mse", reduction="sum", log_every=1000, backend=backend)
    np.testing.assert_array_equal(result.history.epoch, np.arange(0, 10_000, 1000))
    assert [f"{value:.4f}" for value in result.history.mse] == [
        f"{value:.4f}" for value in NOTEBOOK_LOSS_TABLE
    ]
    np.testing.assert_array_equal(np.round(result.predictions, 3), NOTEBOOK_PREDICTIONS)


def test_notebook_through_the_command_line(capsys):
    from xorfast.cli import main

    assert main(["train", "--seed", "42", "--loss", "mse", "--reduction", "sum"]) == 0
    out = capsys.readouterr().out
    for epoch, value in zip(range(0, 10_000, 1000), NOTEBOOK_LOSS_TABLE):
        assert f"Epoch {epoch}, Loss: {value:.4f}\n" in out
    for row, (prediction,) in zip(["0 0", "0 1", "1 0", "1 1"], NOTEBOOK_PREDICTIONS):
        target = int(row[0] != row[2])
        assert f"{row}    {target}       {prediction:.3f}" in out


@pytest.mark.parametrize("seed", range(5))
def test_blog_program_outputs_near_targets(seed):
    """The blog's update (cross-entropy error averaged over the batch) ends near 0/1."""
    result = xorfast.train(seed=seed, hidden=4, epochs=10_000, lr=0.1)
    assert result.solved
    targets = xorfast.datasets.xor()[1]
    # The blog prints 0.02, 0.97, 0.96, 0.03 for its (unseeded) run.
    assert np.abs(result.predictions - targets).max() < 0.1
