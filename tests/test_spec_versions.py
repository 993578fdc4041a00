"""Sweep specifications across versions: version 2 adds momentum, margin and the offset.

``data/sweep_spec_v1_partial.sqlite`` was written by xorfast before version 2
(commit 745d69e): ``sweep(seeds=128, hidden=[2, 3], lr=0.5, epochs=300,
loss="mse", block_size=32)`` interrupted after its first three blocks.
"""

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

import xorfast
import xorfast.sweeps.sweeper
from xorfast.sweeps import spec as sweep_spec

from .test_sweep_invariants import assert_tables_identical

OLD_STORE = Path(__file__).parent / "data" / "sweep_spec_v1_partial.sqlite"
OLD_SWEEP = dict(seeds=128, hidden=[2, 3], lr=0.5, epochs=300, loss="mse", block_size=32)
#: The runs the old store holds: three blocks of 32 seeds of the first config.
OLD_FINISHED = 96


@pytest.fixture
def old_store(tmp_path):
    path = tmp_path / "old.sqlite"
    shutil.copyfile(OLD_STORE, path)
    return path


def test_a_version_1_store_loads_with_the_rules_it_was_run_with(old_store):
    result = xorfast.load_sweep(old_store)
    assert json.loads(result.spec.to_json())["version"] == 1
    assert result.spec.momentum == (0.0,)
    assert result.spec.margin == 0.5 and result.spec.derivative_offset == 0.0
    finished = np.isfinite(result.table["max_error"])
    assert finished.sum() == OLD_FINISHED and finished[:OLD_FINISHED].all()


def test_a_version_1_store_resumes_to_a_fresh_sweeps_numbers(old_store, monkeypatch):
    fresh = xorfast.sweep(progress=False, **OLD_SWEEP)
    trained = []
    run_block = xorfast.sweeps.sweeper.run_block
    monkeypatch.setattr(
        xorfast.sweeps.sweeper,
        "run_block",
        lambda block, *args: trained.append(len(block.seeds)) or run_block(block, *args),
    )
    resumed = xorfast.sweep(store=old_store, progress=False, **OLD_SWEEP)
    assert sum(trained) == 2 * 128 - OLD_FINISHED  # only the runs the old store lacked
    # The old code's finished runs equal this code's, bit for bit.
    assert_tables_identical(resumed.table, fresh.table)


def test_the_default_rules_write_version_1_and_any_other_version_2():
    assert sweep_spec.make_spec().to_dict()["version"] == 1
    for changed in (dict(momentum=0.9), dict(margin=0.4), dict(loss="mse", derivative_offset=0.1)):
        spec = sweep_spec.make_spec(**changed)
        description = spec.to_dict()
        assert description["version"] == 2
        assert {"momentum", "margin", "derivative_offset"} <= set(description)
        again = sweep_spec.spec_from_dict(json.loads(spec.to_json()))
        assert again.fingerprint() == spec.fingerprint()
        assert again.to_json() == spec.to_json()


def test_a_momentum_grid_is_stored_as_version_2_with_every_value():
    spec = sweep_spec.make_spec(momentum=[0.0, 0.5, 0.9])
    assert spec.to_dict()["momentum"] == [0.0, 0.5, 0.9]
    assert [config.momentum for config in spec.configs] == [0.0, 0.5, 0.9]


@pytest.mark.parametrize("version", [0, 6, "2", True, None])
def test_unknown_versions_are_refused_by_name(version):
    description = sweep_spec.make_spec().to_dict()
    description["version"] = version
    with pytest.raises(ValueError, match="reads versions 1 to 5"):
        sweep_spec.spec_from_dict(description)


@pytest.mark.parametrize(
    "rules",
    [dict(margin=0.4), dict(margin=0.4, loss="mse", derivative_offset=0.1)],
    ids=["version 2", "version 2 with an offset"],
)
def test_minus_zero_is_the_same_sweep_as_zero(rules):
    # --momentum -0 and --momentum 0 are one sweep: the same fingerprint (a
    # store of one resumes with the other) and "0", never "-0", in the tables.
    zero = sweep_spec.make_spec(**{"momentum": 0.0, "init_scale": 0.0, **rules})
    minus = sweep_spec.make_spec(**{"momentum": -0.0, "init_scale": -0.0, **rules})
    assert minus.fingerprint() == zero.fingerprint()
    assert str(minus.momentum[0]) == "0.0" and str(minus.init_scale[0]) == "0.0"
    offset = sweep_spec.make_spec(margin=0.4, loss="mse", derivative_offset=-0.0)
    assert str(offset.derivative_offset) == "0.0"
    assert offset.fingerprint() == sweep_spec.make_spec(margin=0.4, loss="mse").fingerprint()


def _version_2():
    return json.loads(sweep_spec.make_spec(momentum=[0.0, 0.9], margin=0.4, seeds=4).to_json())


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        (lambda d: d.pop("momentum"), ValueError, "version 2 lacks momentum"),
        (lambda d: [d.pop("margin"), d.pop("tol")], ValueError, "lacks margin, tol"),
        (lambda d: d.update(extra=1), ValueError, "has no field extra"),
        # Version 1 had none of the rules version 2 added.
        (lambda d: d.update(version=1), ValueError, "version 1 has no field"),
        (lambda d: d.update(version=2.0), ValueError, "version 2.0 is not supported"),
        (lambda d: d.update(momentum=[2.0, 0.9]), ValueError, "momentum must be >= 0 and < 1"),
        (lambda d: d.update(momentum=[0.9, 0.9]), ValueError, "momentum lists a value twice"),
        (lambda d: d.update(momentum="0.5"), TypeError, "momentum must be a list of values"),
        (lambda d: d.update(momentum=["0.5"]), TypeError, "momentum must be a real number"),
        (lambda d: d.update(margin=5.0), ValueError, "margin must be > 0 and < 1"),
        (lambda d: d.update(margin=None), TypeError, "margin must be a real number"),
        (lambda d: d.update(derivative_offset=True), TypeError, "derivative_offset must be"),
        (lambda d: d.update(derivative_offset=0.5), ValueError, "use loss='mse'"),
        (lambda d: d.update(loss="bogus"), ValueError, "loss must be one of"),
        (lambda d: d.update(hidden=[2.5]), TypeError, "hidden must be an integer"),
        (lambda d: d.update(seeds=[1, 1]), ValueError, "seeds lists [1] more than once"),
        (lambda d: d.update(seeds=4), TypeError, "seeds must be a list of seeds"),
        (lambda d: d.update(X=None, y=None), TypeError, "X must be a list of rows"),
        (lambda d: d.update(y=[[0.0], [2.0], [1.0], [0.0]]), ValueError, "y must lie in [0, 1]"),
    ],
)
def test_a_damaged_description_is_refused_by_field(change, error, message):
    # Stores check the text's checksum, but a text that matches its checksum
    # (edited by hand, written by other code) must not load as a sweep
    # train() would refuse, nor fail with a bare KeyError('momentum').
    description = _version_2()
    change(description)
    with pytest.raises(error, match=re.escape(message)):
        sweep_spec.spec_from_dict(description)


def test_a_checked_description_still_reads_back_exactly():
    description = _version_2()
    assert sweep_spec.spec_from_dict(description).to_dict() == description


def test_a_store_of_other_rules_names_the_difference_across_versions(tmp_path):
    # A version 2 store asked for by a version 1 specification (or the reverse)
    # failed with KeyError: 'momentum' while describing the difference.
    from xorfast.sweeps.store import StoreError, open_store

    path = tmp_path / "runs.sqlite"
    stored = sweep_spec.make_spec(seeds=4, momentum=[0.0, 0.9], margin=0.4)
    with open_store(path, stored):
        pass
    with pytest.raises(StoreError) as refused:
        open_store(path, sweep_spec.make_spec(seeds=4))
    message = str(refused.value)
    assert "momentum: stored [0.0, 0.9], asked [0.0]" in message
    assert "margin: stored 0.4, asked 0.5" in message and "version" not in message
    other = tmp_path / "other.sqlite"
    with open_store(other, sweep_spec.make_spec(seeds=4)):
        pass
    with pytest.raises(StoreError, match=re.escape("margin: stored 0.5, asked 0.4")):
        open_store(other, sweep_spec.make_spec(seeds=4, margin=0.4))
