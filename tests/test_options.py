"""One table of options: train, the sweep specification and the command line read it.

The literals here were written down from the code before the table existed
(commit 24268f8), so that moving the declarations into the table changed no
default, no stored specification and no fingerprint.
"""

import ast
import dataclasses
import inspect
import json
import re
import typing

import numpy as np
import pytest

import xorfast
from xorfast import _typing, _validation, params, reference
from xorfast.cli import build_parser
from xorfast.options import GRID_AXES, OPTIONS, Choice, Integer, Option, Options, Real
from xorfast.sweeps import spec as sweep_spec

#: Every default before the table, as train, sweep and the command line had them.
BEFORE_TABLE = {
    "hidden": 4,
    "epochs": 10_000,
    "lr": 0.1,
    "loss": "bce",
    "reduction": "mean",
    "init": "normal",
    "init_scale": 1.0,
    "bias_init": "zeros",
    "dtype": "float64",
    "seed": None,
    "log_every": 0,
    "backend": "numba",
    "seeds": 1000,
    "tol": 0.01,
}
#: The options issue 12 added, at the values that leave every earlier result unchanged.
ADDED = {"momentum": 0.0, "derivative_offset": 0.0, "margin": 0.5, "stop": None}
#: The options issue 14 added: a sweep keeps nothing more than each run's row.
KEPT = {"record_every": 0, "keep_weights": False}
#: The options issue 15 added, likewise.
ADDED_15 = {"activation": "sigmoid", "weight_decay": 0.0, "update": "batch"}
DEFAULTS = {**BEFORE_TABLE, **ADDED, **KEPT, **ADDED_15}

#: ``make_spec().fingerprint()`` before the table.
DEFAULT_FINGERPRINT = "0306c715e222897958a07c9981763a7747ad39032f5fd51f607206a99b2a9c50"
#: Every option away from its default, and what the code before the table stored for it.
CHANGED = dict(
    seeds=[3, 1, 2],
    hidden=[2, 8],
    lr=[0.5, 1.0],
    init_scale=[0.5, 2.0],
    epochs=[10, 20],
    loss="mse",
    reduction="sum",
    init="uniform",
    bias_init="same",
    dtype="float32",
    tol=0.05,
)
CHANGED_JSON = (
    '{"X":[[0.0,0.0],[0.0,1.0],[1.0,0.0],[1.0,1.0]],"bias_init":"same","dtype":"float32",'
    '"epochs":[10,20],"hidden":[2,8],"init":"uniform","init_scale":[0.5,2.0],"loss":"mse",'
    '"lr":[0.5,1.0],"reduction":"sum","seeds":[3,1,2],"tol":0.05,"version":1,'
    '"y":[[0.0],[1.0],[1.0],[0.0]]}'
)
CHANGED_FINGERPRINT = "90c0a83f14930e106824a473fcbdcfbe329e3051698f52f9a24f4ada8dad7f0a"
#: ``to_dict()``'s keys in order, before the table.
SPEC_KEYS = [
    "version",
    "X",
    "y",
    "seeds",
    "hidden",
    "lr",
    "init_scale",
    "epochs",
    "loss",
    "reduction",
    "init",
    "bias_init",
    "dtype",
    "tol",
]


def test_the_table_keeps_every_default_and_the_grid_order():
    assert {name: option.default for name, option in OPTIONS.items()} == DEFAULTS
    # Axes added later go last, so the configs of earlier grids keep their indices.
    assert GRID_AXES == (
        "hidden",
        "lr",
        "momentum",
        "init_scale",
        "epochs",
        "activation",
        "weight_decay",
    )


def test_stored_specifications_and_fingerprints_are_unchanged():
    assert sweep_spec.make_spec().fingerprint() == DEFAULT_FINGERPRINT
    changed = sweep_spec.make_spec(**CHANGED)
    assert changed.to_json() == CHANGED_JSON
    assert changed.fingerprint() == CHANGED_FINGERPRINT
    assert list(changed.to_dict()) == SPEC_KEYS
    # A store written before the table loads to the same specification.
    loaded = sweep_spec.spec_from_dict(json.loads(CHANGED_JSON))
    assert loaded.fingerprint() == CHANGED_FINGERPRINT
    assert loaded.tol == 0.05 and loaded.hidden == (2, 8) and loaded.dtype == "float32"


def test_the_specification_has_a_field_per_sweep_option():
    # Adding a sweep option to the table means adding its field here (and, for a
    # grid axis, to Config); this test names what is missing.
    fields = [field.name for field in dataclasses.fields(sweep_spec.SweepSpec)]
    assert fields == ["X", "y", "seeds", *sweep_spec.SPEC_OPTIONS]
    assert set(sweep_spec.SPEC_OPTIONS) == {o.name for o in OPTIONS.of("sweep")} - {"seeds"}
    assert [field.name for field in dataclasses.fields(sweep_spec.Config)] == [
        "index",
        *GRID_AXES,
    ]


@pytest.mark.parametrize(
    ("function", "scope", "others"),
    [
        (xorfast.train, "train", {"X", "y", "weights"}),
        (xorfast.sweep, "sweep", {"X", "y", "store", "executor", "progress", "block_size"}),
        (sweep_spec.make_spec, "sweep", {"X", "y"}),
    ],
)
def test_signatures_take_their_scopes_options_with_the_tables_defaults(function, scope, others):
    parameters = inspect.signature(function).parameters
    names = [option.name for option in OPTIONS.of(scope)]
    assert set(parameters) == set(names) | others
    for option in OPTIONS.of(scope):
        # train takes None for "not given" where the table says it may.
        expected = None if scope == "train" and option.optional else DEFAULTS[option.name]
        assert parameters[option.name].default == expected, option.name


def test_the_allowed_values_are_those_of_the_math_and_of_the_type_hints():
    assert OPTIONS.loss.choices is reference.LOSSES
    assert OPTIONS.reduction.choices is reference.REDUCTIONS
    assert OPTIONS.init.choices is params.INITS
    assert OPTIONS.bias_init.choices is params.BIAS_INITS
    assert OPTIONS.dtype.choices == tuple(_validation.DTYPES) == ("float64", "float32")
    assert OPTIONS.backend.choices == ("numba", "numpy")
    assert OPTIONS.activation.choices is reference.ACTIVATIONS == ("sigmoid", "tanh")
    assert OPTIONS.update.choices is reference.UPDATES == ("batch", "online", "shuffled")
    literals = {
        "loss": _typing.Loss,
        "reduction": _typing.Reduction,
        "init": _typing.Init,
        "bias_init": _typing.BiasInit,
        "backend": _typing.Backend,
        "stop": _typing.Stop,
        "activation": _typing.Activation,
        "update": _typing.Update,
        "dtype": typing.get_args(_typing.DType)[0],
    }
    for name, literal in literals.items():
        assert typing.get_args(literal) == OPTIONS[name].choices, name


def _parsed(*argv):
    return vars(build_parser().parse_args(list(argv)))


def test_the_command_line_defaults_are_the_tables():
    train = _parsed("train")
    assert {name: train[name] for name in DEFAULTS if name in train} == {
        **{name: DEFAULTS[name] for name in OPTIONS.pick("train", DEFAULTS)},
        "log_every": None,  # the command line's own default: a tenth of the epochs
    }
    sweep = _parsed("sweep")
    assert sweep["hidden"] == [4] and sweep["lr"] == [0.1] and sweep["epochs"] == [10_000]
    assert sweep["init_scale"] == [1.0] and sweep["tol"] == 0.01 and sweep["seeds"] == 1000
    assert "seed" not in sweep and "backend" not in sweep and train["tol"] == 0.01  # stop="tol"


def test_grid_axes_take_several_values_on_the_command_line_only_in_a_sweep():
    sweep = _parsed("sweep", "--hidden", "2", "3", "--init-scale", "0.5", "2", "--lr", "1")
    assert sweep["hidden"] == [2, 3] and sweep["init_scale"] == [0.5, 2.0]
    assert sweep["lr"] == [1.0]
    with pytest.raises(SystemExit):
        _parsed("train", "--hidden", "2", "3")


def test_help_says_each_options_help_and_default(capsys):
    for command in ("train", "sweep"):
        with pytest.raises(SystemExit):
            build_parser().parse_args([command, "--help"])
        text = " ".join(capsys.readouterr().out.split())
        for option in OPTIONS.of(command):
            assert option.flag in text
            assert f"{option.help}" in text, option.name
    assert "--lr LR [LR ...] learning rate (several values form a grid) (default: 0.1)" in text


def test_a_new_option_is_one_record():
    # The path issue 12's options take: a record, and the table checks its values.
    extra = Option("steps", int, 3, Integer(1, 9), "steps per epoch", axis=len(GRID_AXES))
    table = Options(*OPTIONS.values(), extra)
    assert table.grid_axes == (*GRID_AXES, "steps")
    assert table.check("train", {**DEFAULTS, "steps": 5})["steps"] == 5
    with pytest.raises(ValueError, match="steps must be from 1 to 9; got 10"):
        table.check("train", {**DEFAULTS, "steps": 10})
    assert table.check("sweep", {**DEFAULTS, "steps": [2, 3]})["steps"] == (2, 3)
    with pytest.raises(ValueError, match="steps lists a value twice"):
        table.check("sweep", {**DEFAULTS, "steps": [2, 2]})


def test_the_table_refuses_two_records_of_one_name_and_gaps_in_the_grid():
    with pytest.raises(ValueError, match="two options share a name"):
        Options(OPTIONS.lr, OPTIONS.lr)
    with pytest.raises(ValueError, match="grid axes must be numbered"):
        Options(Option("a", str, "x", Choice(("x",)), "a", axis=1))


def test_numbers_are_checked_against_the_dtype_whatever_its_place_in_the_table():
    values = {**DEFAULTS, "dtype": "float32", "lr": 1e39}
    with pytest.raises(ValueError, match="lr=1e\\+39 does not fit in float32"):
        OPTIONS.check("train", values)
    checked = OPTIONS.check("train", {**DEFAULTS, "dtype": np.float32, "hidden": None})
    assert checked["dtype"] is np.float32 and checked["hidden"] is None


def test_a_runs_config_is_unchanged_by_the_table():
    result = xorfast.train(seed=1, epochs=3, hidden=3, lr=0.5, dtype=np.float32, backend="numpy")
    # Keys and order as train wrote them before the table, with issue 12's and
    # issue 15's options in the table's order.
    assert list(result.config.items()) == [
        ("hidden", 3),
        ("epochs", 3),
        ("lr", 0.5),
        ("momentum", 0.0),
        ("loss", "bce"),
        ("reduction", "mean"),
        ("derivative_offset", 0.0),
        ("activation", "sigmoid"),
        ("weight_decay", 0.0),
        ("update", "batch"),
        ("margin", 0.5),
        ("init", "normal"),
        ("init_scale", 1.0),
        ("bias_init", "zeros"),
        ("dtype", "float32"),
        ("backend", "numpy"),
        ("tol", 0.01),
        ("stop", None),
    ]


def test_a_sweep_block_carries_every_option_but_the_grid_axes():
    # A block's Problem holds the options shared by all of a sweep's configs;
    # a new non-grid sweep option must be added there too.
    from xorfast.sweeps.blocks import Problem

    shared = [name for name in sweep_spec.SPEC_OPTIONS if name not in GRID_AXES]
    assert [field.name for field in dataclasses.fields(Problem)] == ["X", "y", *shared]


@pytest.mark.parametrize("function", [xorfast.train, xorfast.sweep])
def test_docstrings_say_the_tables_defaults_and_choices(function):
    # numpydoc lines "name : {choices}, default value" restate the table: keep them equal.
    said = re.findall(r"^ {4}(\w+) : (.*), default (.+)$", function.__doc__, re.MULTILINE)
    options = [(name, kind, value) for name, kind, value in said if name in OPTIONS]
    assert len(options) >= 2
    for name, kind, value in options:
        assert ast.literal_eval(value) == OPTIONS[name].default, name
        if OPTIONS[name].choices:
            assert ast.literal_eval(kind.replace("{", "(").replace("}", ")")) == (
                OPTIONS[name].choices
            ), name


def test_a_fraction_is_bounded_below_one():
    # A bound that is not a limit of the dtype (momentum in [0, 1), margin in (0, 1)).
    fraction = Option("share", float, 0.0, Real(positive=False, below=1.0), "a share")
    assert fraction.check(0) == 0.0 and fraction.check(0.99) == 0.99
    with pytest.raises(ValueError, match="share must be >= 0 and < 1; got 1"):
        fraction.check(1)
    with pytest.raises(ValueError, match="share must be >= 0; got -0.5"):
        fraction.check(-0.5)
    with pytest.raises(TypeError, match="share must be a real number"):
        fraction.check("0.5")
    assert fraction.domain.describe() == "real ≥ 0 and < 1"
