"""Issue 15's rules as sweep grid axes: tanh hidden units and weight decay.

Every sweep run is the ``xorfast.train`` run of the same seed and config
(``activation``, ``weight_decay`` included), through the unrolled kernels
(2-3-1 on XOR) and the generic one (2-30-1, past the unrolling limit), alone
and with momentum, early stop, recorded errors and kept weights.
"""

import json

import numpy as np
import pytest

import xorfast
from xorfast._compiled import sweep_unrolled
from xorfast.cli import main
from xorfast.sweeps import spec as sweep_spec

SEEDS = [0, 3, 17, 1000, 2**32 - 1]
#: 2-3-1 is unrolled, 2-30-1 is not (on XOR's 4 rows).
SHAPES = [3, 30]


def rtol_of(dtype):
    # The unrolled kernels take their tanhs and sigmoids two on one division,
    # and float32 kernels place their fused multiply-adds differently.
    return 1e-9 if dtype == "float64" else 2e-3


def assert_sweep_equals_train(result, dtype, **fixed):
    spec = result.spec
    for run, row in enumerate(result.table):
        config = spec.configs[row["config"]]
        assert row["activation"] == config.activation
        assert row["weight_decay"] == config.weight_decay
        single = xorfast.train(
            hidden=config.hidden,
            epochs=config.epochs,
            lr=config.lr,
            momentum=config.momentum,
            init_scale=config.init_scale,
            activation=config.activation,
            weight_decay=config.weight_decay,
            seed=int(row["seed"]),
            dtype=dtype,
            stop=spec.stop,
            log_every=spec.record_every,
            bias_init=spec.bias_init,
            **fixed,
        )
        rtol = rtol_of(dtype)
        assert bool(row["diverged"]) == single.diverged
        np.testing.assert_allclose(row["final_mse"], single.final_mse, rtol=rtol)
        np.testing.assert_allclose(row["max_error"], single.max_error, rtol=rtol)
        if spec.stop is not None:
            assert row["updates"] == single.updates
            assert row[f"epoch_{spec.stop}"] == single.epoch_stopped
        if spec.keep_weights:
            kept = result.run(
                seed=int(row["seed"]),
                **{axis: getattr(config, axis) for axis in spec.varying_axes},
            )
            for name in ("W1", "b1", "W2", "b2"):
                np.testing.assert_allclose(
                    getattr(kept, name), getattr(single, name), rtol=rtol, atol=1e-12
                )
        if spec.record_every:
            curve = result.curves[run]
            recorded = curve[np.isfinite(curve)][:-1]
            np.testing.assert_allclose(recorded, single.history.mse, rtol=rtol)


# Each rule alone on the generic kernel is a compile of its own (about 8 s apiece from cold)
# for this test alone: the exhaustive tier. Everyday, the generic kernel runs both rules
# (with momentum, stop and recording) in the next test, and each alone unrolled here.
@pytest.mark.parametrize(
    "hidden", [3, pytest.param(30, marks=pytest.mark.slow)], ids=["unrolled", "generic"]
)
@pytest.mark.parametrize(
    "rules",
    [dict(activation="tanh"), dict(weight_decay=[1e-3, 0.05])],
    ids=["tanh", "decay"],
)
def test_each_rule_alone_equals_train(rules, hidden):
    result = xorfast.sweep(seeds=SEEDS, hidden=hidden, epochs=400, lr=0.5, progress=False, **rules)
    for config in result.spec.configs:
        terms = sweep_unrolled.unrolled_terms(2, config.hidden, 1, 4)
        assert (terms <= sweep_unrolled.MAX_UNROLLED_TERMS) == (hidden == 3)
    assert_sweep_equals_train(result, "float64")


@pytest.mark.parametrize("dtype", ["float64", pytest.param("float32", marks=pytest.mark.slow)])
@pytest.mark.parametrize("hidden", SHAPES, ids=["unrolled", "generic"])
def test_both_rules_with_momentum_stop_and_recording_equal_train(hidden, dtype):
    result = xorfast.sweep(
        seeds=SEEDS,
        hidden=hidden,
        epochs=600,
        lr=0.5,
        momentum=0.5,
        activation="tanh",
        weight_decay=1e-3,
        stop="solved",
        record_every=25,
        keep_weights=True,
        dtype=dtype,
        progress=False,
    )
    assert (result.table["epoch_solved"] > 0).any()  # some runs stop early
    assert_sweep_equals_train(result, dtype)


@pytest.mark.slow
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("hidden", SHAPES, ids=["unrolled", "generic"])
@pytest.mark.parametrize("stop", [None, "tol"])
def test_the_whole_grid_of_rules_equals_train(hidden, dtype, stop):
    result = xorfast.sweep(
        seeds=SEEDS,
        hidden=hidden,
        epochs=500,
        lr=[0.3, 1.0],
        momentum=[0.0, 0.9],
        activation=["sigmoid", "tanh"],
        weight_decay=[0.0, 1e-3],
        stop=stop,
        record_every=50,
        keep_weights=True,
        dtype=dtype,
        progress=False,
    )
    assert_sweep_equals_train(result, dtype)


# The generic tanh kernel (about 7 s from cold) is this test's and the slow cases' of
# test_each_rule_alone_equals_train alone: the exhaustive tier; tanh units pin everyday
# on the unrolled kernel.
@pytest.mark.parametrize(
    "hidden", [3, pytest.param(30, marks=pytest.mark.slow)], ids=["unrolled", "generic"]
)
def test_saturated_tanh_units_are_pinned_as_train_says(hidden):
    # Huge weights and biases saturate every tanh at exactly -1 or 1, where its derivative
    # (1 - a)(1 + a) is 0: the run is pinned (diverged), as in train. The
    # sigmoid's a (1 - a) would be -2 at -1, no pin.
    result = xorfast.sweep(
        seeds=SEEDS,
        hidden=hidden,
        epochs=3,
        init_scale=1e4,
        bias_init="same",
        activation="tanh",
        progress=False,
    )
    assert result.table["diverged"].sum() >= 4
    assert_sweep_equals_train(result, "float64")


def test_decay_of_a_diverged_run_stays_inf_or_nan_as_in_train():
    # A learning rate far too large overflows; the decayed kernel must diverge as train does.
    result = xorfast.sweep(
        seeds=SEEDS, hidden=3, epochs=200, lr=1e30, weight_decay=0.5, progress=False
    )
    assert result.table["diverged"].all()
    assert_sweep_equals_train(result, "float64")


def test_new_axes_go_last_so_earlier_configs_keep_their_indices():
    old = sweep_spec.make_spec(hidden=[2, 3], lr=[0.1, 0.5])
    new = sweep_spec.make_spec(
        hidden=[2, 3], lr=[0.1, 0.5], activation=["sigmoid", "tanh"], weight_decay=[0.0, 1e-4]
    )
    assert len(new.configs) == 4 * len(old.configs)
    for config in old.configs:
        again = new.configs[4 * config.index]
        assert (again.hidden, again.lr) == (config.hidden, config.lr)
        assert (again.activation, again.weight_decay) == ("sigmoid", 0.0)
    assert [(c.activation, c.weight_decay) for c in new.configs[:4]] == [
        ("sigmoid", 0.0),
        ("sigmoid", 1e-4),
        ("tanh", 0.0),
        ("tanh", 1e-4),
    ]


def test_specifications_at_the_defaults_are_written_as_before():
    for at_defaults in (dict(), dict(momentum=0.9), dict(record_every=10)):
        description = sweep_spec.make_spec(**at_defaults).to_dict()
        assert description["version"] < 4
        assert "activation" not in description and "weight_decay" not in description
        explicit = sweep_spec.make_spec(activation="sigmoid", weight_decay=0.0, **at_defaults)
        assert explicit.fingerprint() == sweep_spec.make_spec(**at_defaults).fingerprint()


@pytest.mark.parametrize(
    "rules",
    [
        dict(activation="tanh"),
        dict(weight_decay=[0.0, 1e-4]),
        dict(activation=["sigmoid", "tanh"], weight_decay=1e-3),
    ],
)
def test_a_version_4_specification_round_trips(rules):
    spec = sweep_spec.make_spec(seeds=4, momentum=0.5, **rules)
    description = json.loads(spec.to_json())
    assert description["version"] == 4
    assert description["activation"] == list(spec.activation)
    assert description["weight_decay"] == list(spec.weight_decay)
    again = sweep_spec.spec_from_dict(description)
    assert again.to_json() == spec.to_json() and again.fingerprint() == spec.fingerprint()


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        (lambda d: d.update(activation=["relu"]), ValueError, "activation must be one of"),
        (lambda d: d.update(activation="tanh"), TypeError, "activation must be a list"),
        (lambda d: d.update(weight_decay=[-1.0]), ValueError, "weight_decay must be >= 0"),
        (lambda d: d.pop("weight_decay"), ValueError, "version 4 lacks weight_decay"),
        (lambda d: d.update(version=3), ValueError, "(version 4 added them)"),
    ],
)
def test_a_damaged_version_4_description_is_refused_by_field(change, error, message):
    description = json.loads(sweep_spec.make_spec(seeds=4, activation="tanh").to_json())
    change(description)
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)")):
        sweep_spec.spec_from_dict(description)


def test_a_store_resumes_a_tanh_sweep_and_names_the_difference(tmp_path):
    from xorfast.sweeps.store import StoreError

    path = tmp_path / "runs.sqlite"
    # 2-3-1 (as below): the tanh and decay kernels test_each_rule_alone_equals_train compiles.
    kwargs = dict(seeds=6, hidden=3, epochs=50, activation=["sigmoid", "tanh"], progress=False)
    first = xorfast.sweep(store=path, **kwargs)
    loaded = xorfast.load_sweep(path)
    assert loaded.spec.fingerprint() == first.spec.fingerprint()
    np.testing.assert_array_equal(loaded.table["final_mse"], first.table["final_mse"])
    assert list(loaded.table["activation"]) == ["sigmoid"] * 6 + ["tanh"] * 6
    with pytest.raises(StoreError, match=r"activation: stored \['sigmoid', 'tanh'\]"):
        xorfast.sweep(store=path, **{**kwargs, "activation": "tanh"})


def test_the_command_line_takes_the_new_axes(tmp_path, capsys):
    path = tmp_path / "cli.sqlite"
    code = main(
        [
            "sweep",
            "--seeds",
            "4",
            "--hidden",
            "3",
            "--epochs",
            "30",
            "--activation",
            "sigmoid",
            "tanh",
            "--weight-decay",
            "0",
            "1e-4",
            "--store",
            str(path),
        ]
    )
    assert code == 0
    spec = xorfast.load_sweep(path).spec
    assert spec.activation == ("sigmoid", "tanh") and spec.weight_decay == (0.0, 1e-4)
    assert "tanh" in capsys.readouterr().out


def test_where_and_the_summary_take_the_activation_by_name():
    result = xorfast.sweep(
        seeds=4, hidden=3, epochs=20, activation=["sigmoid", "tanh"], progress=False
    )
    tanh = result.where(activation="tanh")
    assert tanh.spec.activation == ("tanh",) and (tanh.table["activation"] == "tanh").all()
    assert list(result.summary()["activation"]) == ["sigmoid", "tanh"]
    lines = result.format_summary().splitlines()
    assert lines[0].split()[0] == "activation"
    assert [line.split()[0] for line in lines[1:]] == ["sigmoid", "tanh"]
    with pytest.raises(ValueError, match="activation=relu is not in the sweep's grid"):
        result.where(activation="relu")
