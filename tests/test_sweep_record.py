"""Recorded trajectories and kept weights of a sweep are those of ``xorfast.train``.

``record_every=k`` gives each run the MSE at epochs 0, k, 2k, ... before that
epoch's update (``train(log_every=k).history.mse``) and then the MSE after its
last update; ``keep_weights`` its final parameters. Every run is checked
against ``train`` with the same seed and config, for the generated (unrolled)
kernels and the generic one (past ``MAX_UNROLLED_TERMS``), with and without
early stop and momentum. 70 seeds: two lane groups, the second padded, and
in the early-stop kernels lanes that are refilled.
"""

import numpy as np
import pytest

import xorfast
from xorfast._compiled import sweep_unrolled

SEEDS = 70

CASES = [
    pytest.param(dict(hidden=2, lr=0.5, epochs=[700, 1000]), id="unrolled"),
    pytest.param(dict(hidden=2, lr=0.5, epochs=1000, momentum=0.9), id="unrolled-momentum"),
    pytest.param(dict(hidden=2, lr=0.5, epochs=1500, stop="solved"), id="unrolled-stop"),
    pytest.param(
        dict(hidden=2, lr=0.5, epochs=1000, momentum=0.5, stop="tol", tol=0.05),
        id="unrolled-momentum-stop",
    ),
    pytest.param(
        dict(hidden=30, lr=0.5, epochs=500),
        id="generic",
        # Each generic case is a recording kernel of its own (7-13 s to compile from
        # cold): exhaustive tier. Everyday, the generic kernel records with momentum,
        # stop, tanh and decay in test_sweep_rules_15 (..._with_momentum_stop_and_
        # recording_equal_train), and the unrolled cases here record with each alone.
        marks=pytest.mark.slow,
    ),
    pytest.param(
        dict(hidden=30, lr=0.3, epochs=120, momentum=0.5, stop="tol", tol=0.05),
        id="generic-momentum-stop",
        marks=pytest.mark.slow,
    ),
    pytest.param(
        dict(hidden=30, lr=0.5, epochs=400, momentum=0.9),
        id="generic-momentum",
        marks=pytest.mark.slow,
    ),
    pytest.param(
        dict(hidden=30, lr=1.0, epochs=60, stop="solved"),
        id="generic-stop",
        marks=pytest.mark.slow,
    ),
]


def _train(result, row, every):
    spec = result.spec
    return xorfast.train(
        hidden=int(row["hidden"]),
        epochs=int(row["epochs"]),
        lr=float(row["lr"]),
        momentum=float(row["momentum"]),
        stop=spec.stop,
        tol=spec.tol,
        seed=int(row["seed"]),
        log_every=every,
    )


def test_the_shapes_are_on_both_sides_of_the_unrolling_limit():
    assert sweep_unrolled.unrolled_terms(2, 2, 1, 4) <= sweep_unrolled.MAX_UNROLLED_TERMS
    assert sweep_unrolled.unrolled_terms(2, 30, 1, 4) > sweep_unrolled.MAX_UNROLLED_TERMS


@pytest.mark.parametrize("every", [7, 100])
@pytest.mark.parametrize("case", CASES)
def test_every_trajectory_and_weights_are_trains(case, every):
    result = xorfast.sweep(
        seeds=SEEDS, record_every=every, keep_weights=True, progress=False, **case
    )
    stopped = 0
    for config in result.spec.configs:
        seeds, curves = result.trajectories(epochs=config.epochs)
        assert seeds.tolist() == list(range(SEEDS))
        assert curves.shape == (SEEDS, -(-config.epochs // every) + 1)
        _, params = result.weights(epochs=config.epochs)
        rows = result.table[result.table["config"] == config.index]
        for j, row in enumerate(rows):
            single = _train(result, row, every)
            assert int(row["updates"]) == single.updates
            stopped += single.updates < config.epochs
            history = result.trajectory(seed=int(row["seed"]), epochs=config.epochs)
            np.testing.assert_array_equal(history.epoch[:-1], single.history.epoch)
            assert history.epoch[-1] == single.updates
            np.testing.assert_allclose(history.mse[:-1], single.history.mse, rtol=1e-9, atol=0)
            np.testing.assert_allclose(history.mse[-1], single.final_mse, rtol=1e-9, atol=0)
            # The row of the table: recorded, then NaN after the run's end.
            np.testing.assert_array_equal(curves[j, : len(history.mse)], history.mse)
            assert np.isnan(curves[j, len(history.mse) :]).all()
            for name in ("W1", "b1", "W2", "b2"):
                np.testing.assert_allclose(
                    getattr(params, name)[j], getattr(single, name), rtol=1e-9, atol=1e-12
                )
    if result.spec.stop is not None:
        assert 0 < stopped < len(result)  # both kinds of run were checked


def test_a_run_stopped_on_a_recorded_epoch_ends_with_that_epochs_state():
    # record_every=1: every epoch is recorded, so each stop epoch is one.
    result = xorfast.sweep(
        seeds=SEEDS,
        hidden=2,
        lr=0.5,
        epochs=1500,
        stop="solved",
        record_every=1,
        progress=False,
    )
    for seed in (0, 1, 69):
        single = xorfast.train(
            hidden=2, lr=0.5, epochs=1500, stop="solved", seed=seed, log_every=1
        )
        history = result.trajectory(seed=seed)
        assert len(history.mse) == single.updates + 1
        np.testing.assert_allclose(history.mse[:-1], single.history.mse, rtol=1e-9)
        np.testing.assert_allclose(history.mse[-1], single.final_mse, rtol=1e-9)


def test_recording_leaves_every_row_bit_for_bit():
    plain = xorfast.sweep(seeds=SEEDS, hidden=2, lr=0.5, epochs=700, progress=False)
    recorded = xorfast.sweep(
        seeds=SEEDS,
        hidden=2,
        lr=0.5,
        epochs=700,
        record_every=100,
        keep_weights=True,
        progress=False,
    )
    assert plain.table.tobytes() == recorded.table.tobytes()
    assert plain.curves is None and plain.kept_weights is None


def test_a_kept_run_is_a_train_result_the_plots_take():
    pytest.importorskip("matplotlib")
    from xorfast.plot import decision_boundary

    result = xorfast.sweep(
        seeds=4,
        hidden=2,
        lr=0.5,
        epochs=700,
        record_every=100,
        keep_weights=True,
        progress=False,
    )
    run = result.run(seed=3)
    single = xorfast.train(hidden=2, lr=0.5, epochs=700, seed=3, log_every=100)
    np.testing.assert_allclose(run.predictions, single.predictions, rtol=1e-9)
    np.testing.assert_allclose(run.history.mse, single.history.mse, rtol=1e-9)
    assert run.config == {k: v for k, v in single.config.items()}
    figure = decision_boundary(run)
    assert "seed 3" in figure.axes[0].get_title()


def test_reading_what_was_not_recorded_says_how():
    result = xorfast.sweep(seeds=4, hidden=[2, 3], epochs=10, progress=False)
    with pytest.raises(ValueError, match="record_every=N"):
        result.trajectories(hidden=2)
    with pytest.raises(ValueError, match="keep_weights=True"):
        result.weights(hidden=2)
    recorded = xorfast.sweep(seeds=4, hidden=[2, 3], epochs=10, record_every=5, progress=False)
    with pytest.raises(ValueError, match="give hidden too"):
        recorded.trajectories()
    with pytest.raises(ValueError, match="not a config"):
        recorded.trajectories(hidden=5)
    with pytest.raises(ValueError, match="seed 9 is not"):
        recorded.trajectory(seed=9, hidden=2)
    with pytest.raises(ValueError, match="one number for hidden"):
        recorded.trajectories(hidden=[2, 3])


def test_a_slice_keeps_each_rows_trajectory_and_weights():
    result = xorfast.sweep(
        seeds=5,
        hidden=[2, 3],
        epochs=[10, 20],
        record_every=5,
        keep_weights=True,
        progress=False,
    )
    part = result.where(hidden=3)
    for epochs in (10, 20):
        seeds, curves = part.trajectories(epochs=epochs)
        expected_seeds, expected = result.trajectories(hidden=3, epochs=epochs)
        np.testing.assert_array_equal(seeds, expected_seeds)
        np.testing.assert_array_equal(curves, expected)
        np.testing.assert_array_equal(
            part.weights(epochs=epochs)[1].W1, result.weights(hidden=3, epochs=epochs)[1].W1
        )
    # The shorter config's rows end in NaN where the longer one's go on.
    assert np.isnan(result.curves[result.table["epochs"] == 10][:, 3:]).all()
    assert not np.isnan(result.curves[result.table["epochs"] == 20]).any()


def test_the_specification_says_what_is_kept_and_reads_back():
    from xorfast.sweeps import spec as sweep_spec

    plain = sweep_spec.make_spec(seeds=3)
    kept = sweep_spec.make_spec(seeds=3, record_every=100, keep_weights=True)
    assert plain.to_dict()["version"] == 1 and "record_every" not in plain.to_dict()
    description = kept.to_dict()
    assert description["version"] == 3
    assert (description["record_every"], description["keep_weights"]) == (100, True)
    again = sweep_spec.spec_from_dict(description)
    assert again.fingerprint() == kept.fingerprint() != plain.fingerprint()


@pytest.mark.parametrize(
    ("arguments", "error", "match"),
    [
        (dict(record_every=-1), ValueError, "record_every must be"),
        (dict(record_every=1.5), TypeError, "record_every"),
        (dict(keep_weights="yes"), TypeError, "keep_weights must be True or False"),
        (dict(record_every=[1, 2]), TypeError, "record_every takes one value"),
    ],
)
def test_bad_record_arguments_are_refused_by_name(arguments, error, match):
    with pytest.raises(error, match=match):
        xorfast.sweep(seeds=2, epochs=5, progress=False, **arguments)


def test_the_command_line_records_into_the_store(tmp_path, capsys):
    from xorfast.cli import main

    path = tmp_path / "runs.sqlite"
    argv = ["sweep", "--seeds", "4", "--epochs", "10", "--record-every", "5"]
    assert main([*argv, "--keep-weights", "--no-progress", "--store", str(path)]) == 0
    loaded = xorfast.load_sweep(path)
    assert loaded.curves.shape == (4, 3) and loaded.kept_weights.shape == (4, 17)
    single = xorfast.train(seed=2, epochs=10, log_every=5)
    np.testing.assert_allclose(loaded.trajectory(seed=2).mse[:-1], single.history.mse)


def test_a_thread_pool_records_what_this_process_records():
    import concurrent.futures

    kwargs = dict(seeds=70, hidden=2, lr=0.5, epochs=300, stop="solved", progress=False)
    kwargs.update(record_every=7, keep_weights=True, block_size=16)
    local = xorfast.sweep(**kwargs)
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        pooled = xorfast.sweep(executor=pool, **kwargs)
    assert pooled.table.tobytes() == local.table.tobytes()
    np.testing.assert_array_equal(pooled.curves, local.curves)
    np.testing.assert_array_equal(pooled.kept_weights, local.kept_weights)


def test_more_recorded_points_than_memory_holds_are_refused_before_any_work(monkeypatch):
    monkeypatch.setattr(
        xorfast.sweeps.sweeper, "run_block", lambda *a: pytest.fail("training started")
    )
    with pytest.raises(ValueError, match="or a larger record_every"):
        xorfast.sweep(seeds=1000, epochs=10_000_000, record_every=1, progress=False)


@pytest.mark.slow
def test_float32_trajectories_agree_with_train_to_float32_accuracy():
    kwargs = dict(hidden=2, lr=0.5, epochs=1000, dtype="float32", stop="solved")
    result = xorfast.sweep(
        seeds=SEEDS, record_every=100, keep_weights=True, progress=False, **kwargs
    )
    for seed in range(SEEDS):
        single = xorfast.train(seed=seed, log_every=100, **kwargs)
        history = result.trajectory(seed=seed, hidden=2)
        assert len(history.mse) == len(single.history.mse) + 1
        np.testing.assert_allclose(history.mse[:-1], single.history.mse, rtol=2e-3)
        np.testing.assert_allclose(history.mse[-1], single.final_mse, rtol=2e-3)
        run = result.run(seed=seed)
        assert run.W1.dtype == np.float32
        np.testing.assert_allclose(run.W1, single.W1, rtol=2e-3, atol=1e-4)
