"""Online updates in sweeps: ``sweep(update="online" | "shuffled")``.

Every sweep run is the ``xorfast.train`` run of the same seed, config and
``update``, through the generated online kernels (2-3-1 on XOR) and the
generic one (2-30-1, past the unrolling limit): rows, recorded errors and kept
weights, with early stop and the lanes it refills, momentum, weight decay and
tanh. Shuffled runs order their rows from their own seed and epoch, so a
sweep row also equals the NumPy reference's run. Each kernel variant costs a
compilation of several seconds, so the everyday tier compiles few of them;
the whole grid runs in the slow tier.
"""

import json

import numpy as np
import pytest

import xorfast
import xorfast.sweeps.sweeper
from xorfast._compiled import sweep_unrolled
from xorfast.cli import main
from xorfast.sweeps import spec as sweep_spec

SEEDS = [0, 3, 17, 1000, 2**32 - 1]
#: 2-3-1 is unrolled, 2-30-1 is not (on XOR's 4 rows).
SHAPES = [3, 30]


def rtol_of(dtype):
    # The unrolled kernels take their sigmoids two on one division, and float32
    # kernels place their fused multiply-adds differently.
    return 1e-9 if dtype == "float64" else 2e-3


def single_run(spec, config, seed, dtype, backend="numba"):
    return xorfast.train(
        hidden=config.hidden,
        epochs=config.epochs,
        lr=config.lr,
        momentum=config.momentum,
        init_scale=config.init_scale,
        activation=config.activation,
        weight_decay=config.weight_decay,
        update=spec.update,
        seed=seed,
        dtype=dtype,
        stop=spec.stop,
        tol=spec.tol,
        log_every=spec.record_every,
        backend=backend,
    )


def assert_sweep_equals_train(result, dtype, backend="numba"):
    spec = result.spec
    assert len(result.table) == spec.runs
    for run, row in enumerate(result.table):
        config = spec.configs[row["config"]]
        single = single_run(spec, config, int(row["seed"]), dtype, backend)
        rtol = rtol_of(dtype)
        assert bool(row["diverged"]) == single.diverged
        np.testing.assert_allclose(row["final_mse"], single.final_mse, rtol=rtol)
        np.testing.assert_allclose(row["max_error"], single.max_error, rtol=rtol)
        assert row["updates"] == single.updates
        if spec.stop is not None:
            assert row[f"epoch_{spec.stop}"] == single.epoch_stopped
        if spec.keep_weights:
            kept = result.run(
                seed=int(row["seed"]),
                **{axis: getattr(config, axis) for axis in spec.varying_axes},
            )
            assert kept.config["update"] == spec.update
            for name in ("W1", "b1", "W2", "b2"):
                np.testing.assert_allclose(
                    getattr(kept, name), getattr(single, name), rtol=rtol, atol=1e-12
                )
        if spec.record_every:
            curve = result.curves[run]
            recorded = curve[np.isfinite(curve)][:-1]
            np.testing.assert_allclose(recorded, single.history.mse, rtol=rtol)


def test_online_rows_in_order_equal_train_unrolled():
    assert sweep_unrolled.online_unrolled(2, 3, 1, 4, "online")
    result = xorfast.sweep(
        seeds=SEEDS,
        hidden=3,
        epochs=300,
        lr=[0.5, 2.0],
        update="online",
        record_every=20,
        keep_weights=True,
        progress=False,
    )
    assert_sweep_equals_train(result, "float64")


def test_shuffled_with_every_rule_and_early_stop_refills_lanes_as_train():
    # 100 seeds in one block: the 64 lanes refill as runs stop, and a lane's order
    # comes from the seed it holds now and that run's own epochs.
    result = xorfast.sweep(
        seeds=100,
        hidden=3,
        epochs=400,
        lr=0.5,
        momentum=0.5,
        weight_decay=1e-3,
        activation="tanh",
        update="shuffled",
        stop="solved",
        record_every=7,
        keep_weights=True,
        block_size=100,
        progress=False,
    )
    stopped = result.table["updates"] < 400
    assert 10 < stopped.sum() < 100  # lanes stop at many epochs, some never
    assert_sweep_equals_train(result, "float64")


def test_shuffled_generic_kernel_equals_the_numpy_reference():
    # The reference orders its rows itself (xorfast.reference.shuffled_order).
    result = xorfast.sweep(
        seeds=SEEDS,
        hidden=30,
        epochs=60,
        lr=0.3,
        update="shuffled",
        stop="tol",
        tol=0.2,
        record_every=5,
        keep_weights=True,
        progress=False,
    )
    assert not sweep_unrolled.online_unrolled(2, 30, 1, 4, "shuffled")
    assert (result.table["updates"] < 60).any()
    assert_sweep_equals_train(result, "float64", backend="numpy")


def test_the_order_matters_rows_in_order_are_neither_batch_nor_shuffled():
    common = dict(seeds=SEEDS, hidden=3, epochs=300, lr=[0.5, 2.0], record_every=20)
    online = xorfast.sweep(update="online", keep_weights=True, progress=False, **common)
    batch = xorfast.sweep(progress=False, **common)
    first = online.table[online.table["config"] == 0]
    assert not np.isin(first["final_mse"], batch.table["final_mse"]).any()
    for row in first:
        shuffled = xorfast.train(
            hidden=3, epochs=300, lr=0.5, update="shuffled", seed=int(row["seed"])
        )
        assert shuffled.final_mse != row["final_mse"]


@pytest.mark.slow
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("hidden", SHAPES, ids=["unrolled", "generic"])
@pytest.mark.parametrize("update", ["online", "shuffled"])
@pytest.mark.parametrize("stop", [None, "solved", "tol"])
def test_the_whole_grid_of_rules_online_equals_train(update, hidden, dtype, stop):
    # Gentler steps than the batch grid's: an online step is lr itself, not lr / 4,
    # and at lr 1 with momentum 0.9 tanh runs turn chaotic, where train's numba and
    # numpy backends differ by 10% after 300 epochs (rounding, amplified).
    result = xorfast.sweep(
        seeds=SEEDS,
        hidden=hidden,
        epochs=300,
        lr=[0.1, 0.5],
        momentum=[0.0, 0.5],
        activation=["sigmoid", "tanh"],
        weight_decay=[0.0, 1e-3],
        update=update,
        stop=stop,
        record_every=25,
        keep_weights=True,
        dtype=dtype,
        progress=False,
    )
    assert_sweep_equals_train(result, dtype)


@pytest.mark.slow
@pytest.mark.parametrize("update", ["online", "shuffled"])
@pytest.mark.parametrize("stop", [None, "solved"])
def test_online_sweeps_that_keep_nothing_more_equal_train(update, stop):
    # The kernels without recording, unrolled and generic.
    for hidden in SHAPES:
        result = xorfast.sweep(
            seeds=SEEDS,
            hidden=hidden,
            epochs=300,
            lr=0.5,
            update=update,
            stop=stop,
            progress=False,
        )
        assert_sweep_equals_train(result, "float64")


def test_specifications_in_batch_are_written_as_before():
    for at_defaults in (dict(), dict(momentum=0.9), dict(activation="tanh")):
        description = sweep_spec.make_spec(**at_defaults).to_dict()
        assert description["version"] < 5 and "update" not in description
        explicit = sweep_spec.make_spec(update="batch", **at_defaults)
        assert explicit.to_json() == sweep_spec.make_spec(**at_defaults).to_json()


@pytest.mark.parametrize("update", ["online", "shuffled"])
def test_an_online_specification_is_version_5_and_round_trips(update):
    spec = sweep_spec.make_spec(seeds=4, update=update)
    description = json.loads(spec.to_json())
    assert description["version"] == 5 and description["update"] == update
    again = sweep_spec.spec_from_dict(description)
    assert again.update == update
    assert again.to_json() == spec.to_json() and again.fingerprint() == spec.fingerprint()
    assert spec.fingerprint() != sweep_spec.make_spec(seeds=4).fingerprint()
    older = dict(description, version=4)
    with pytest.raises(ValueError, match="version 4 has no field update.*version 5 added"):
        sweep_spec.spec_from_dict(older)


def test_an_online_store_round_trips_resumes_and_refuses_batch(tmp_path, monkeypatch):
    path = tmp_path / "online.sqlite"
    options = dict(seeds=8, hidden=3, epochs=300, lr=[0.5, 2.0], update="online")
    first = xorfast.sweep(
        store=path, record_every=20, keep_weights=True, progress=False, block_size=4, **options
    )
    loaded = xorfast.load_sweep(path)
    assert loaded.spec.update == "online"
    assert loaded.spec.fingerprint() == first.spec.fingerprint()
    np.testing.assert_array_equal(loaded.table, first.table)
    np.testing.assert_array_equal(loaded.curves, first.curves)
    trained = []
    monkeypatch.setattr(
        xorfast.sweeps.sweeper, "run_block", lambda block, *args: trained.append(block)
    )
    again = xorfast.sweep(
        store=path, record_every=20, keep_weights=True, progress=False, block_size=4, **options
    )
    assert trained == []  # every run was in the store
    np.testing.assert_array_equal(again.table, first.table)
    with pytest.raises(xorfast.sweeps.store.StoreError, match="update: stored 'online'"):
        xorfast.sweep(
            store=path,
            record_every=20,
            keep_weights=True,
            progress=False,
            **{**options, "update": "batch"},
        )


def test_the_command_line_sweeps_online_and_names_the_rule(tmp_path, capsys):
    path = tmp_path / "runs.sqlite"
    argv = ["sweep", "--hidden", "3", "--lr", "0.5", "2", "--epochs", "300", "--seeds", "5"]
    argv += ["--update", "online", "--record-every", "20", "--keep-weights"]
    assert main([*argv, "--store", str(path), "--no-progress"]) == 0
    headline = capsys.readouterr().out.splitlines()[0]
    assert "online updates" in headline
    stored = xorfast.load_sweep(path)
    assert stored.spec.update == "online"
    assert_sweep_equals_train(stored, "float64")


@pytest.mark.parametrize(
    ("update", "error", "message"),
    [
        ("minibatch", ValueError, "update"),
        (["online", "batch"], TypeError, "update takes one value in a sweep"),
        (1, (TypeError, ValueError), "update"),
    ],
)
def test_bad_updates_are_refused_before_any_work(update, error, message, monkeypatch):
    monkeypatch.setattr(xorfast.sweeps.sweeper, "run_block", lambda *args: pytest.fail("trained"))
    with pytest.raises(error, match=message):
        xorfast.sweep(seeds=1, epochs=1, update=update, progress=False)


def test_an_online_step_is_checked_per_row_as_train_checks_it():
    # A batch step is lr / 4 on XOR with reduction="mean", an online step lr itself:
    # 2e-38 / 4 is subnormal in float32, 2e-38 is not.
    with pytest.raises(ValueError, match="divided by the 4 rows"):
        sweep_spec.make_spec(seeds=1, lr=2e-38, dtype="float32")
    for update in ("online", "shuffled"):
        spec = sweep_spec.make_spec(seeds=1, lr=2e-38, dtype="float32", update=update)
        assert spec.lr == (2e-38,)


def test_which_online_shapes_are_unrolled():
    # Shuffled lanes pick their rows with select chains: unrolled up to 16 rows only.
    assert sweep_unrolled.online_unrolled(2, 2, 1, 16, "shuffled")
    assert not sweep_unrolled.online_unrolled(2, 2, 1, 17, "shuffled")
    assert sweep_unrolled.online_unrolled(2, 2, 1, 17, "online")
    stem, source = sweep_unrolled.online_module_source(2, 2, 1, 17, update="shuffled")
    assert stem == "xorfast_kernel_2_any_1_any_shuffled" and "_train_group_online" in source
    stem, source = sweep_unrolled.online_module_source(2, 2, 1, 17, update="online")
    assert stem == "xorfast_kernel_2_2_1_17_online" and "_train_group_online" not in source


@pytest.mark.parametrize(
    ("update", "shape", "stem", "header"),
    [
        (
            "batch",
            (2, 2, 1, 4),
            "xorfast_kernel_2_2_1_4_momentum_stop_record_tanh_decay",
            "2-2-1 network, 4 rows, with momentum, early stop, recording, tanh hidden units, "
            "weight decay",
        ),
        (
            "online",
            (2, 30, 1, 4),
            "xorfast_kernel_2_any_1_any_momentum_stop_record_tanh_decay_online",
            "2-any-1 networks, with momentum, early stop, recording, tanh hidden units, "
            "weight decay, online updates",
        ),
        (
            "shuffled",
            (2, 2, 1, 4),
            "xorfast_kernel_2_2_1_4_momentum_stop_record_tanh_decay_shuffled",
            "2-2-1 network, 4 rows, with momentum, early stop, recording, tanh hidden units, "
            "weight decay, online updates in a shuffled order",
        ),
    ],
)
def test_every_variant_names_its_module_and_header_in_one_order(update, shape, stem, header):
    """Batch and online modules share the stems and words of their variants, in this order."""
    variant = dict(momentum=True, stop=True, record=True, tanh=True, decay=True)
    if update == "batch":
        got, source = sweep_unrolled.module_source(*shape, **variant)
    else:
        got, source = sweep_unrolled.online_module_source(*shape, **variant, update=update)
    assert got == stem
    assert f"Generated by xorfast._compiled.sweep_unrolled for {header};" in source
    # The variants' imports: the stop's recording helper and the tanh kernels.
    assert "import _record_lanes\n" in source and "import paired_tanh," in source
