"""A damaged sweep store is refused, never read as other numbers; repair reruns the damage."""

import os
import sqlite3

import numpy as np
import pytest

import xorfast
import xorfast.sweeps.sweeper
from xorfast.sweeps.results import empty_table
from xorfast.sweeps.spec import make_spec
from xorfast.sweeps.store import StoreError, UnverifiedStoreWarning, open_store, repair_store

from .helpers import write_v1_store
from .test_sweep_invariants import assert_tables_identical

# 2 configs x 100 seeds in blocks of 8: 26 blocks, rows filling most of the file's pages.
SWEEP = dict(seeds=100, hidden=[2, 3], epochs=200, block_size=8, progress=False)


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """A finished store's bytes and the sweep's result."""
    path = tmp_path_factory.mktemp("finished") / "runs.sqlite"
    result = xorfast.sweep(store=path, **SWEEP)
    # The sweep closed its connection, which folds the journal into the file.
    assert not os.path.exists(f"{path}-wal")
    return path.read_bytes(), result


def damaged_cases(data):
    """(name, bytes): single bytes flipped, spread over the used bytes and the whole file;
    the file cut short."""
    used = np.flatnonzero(np.frombuffer(data, dtype=np.uint8))
    cases = []
    for offset in used[np.linspace(0, len(used) - 1, 40).astype(int)].tolist():
        for mask in (0xFF, 0x01):
            cases.append((f"used byte {offset} ^ {mask:#x}", offset, mask))
    for offset in np.linspace(0, len(data) - 1, 40).astype(int).tolist():
        cases.append((f"byte {offset} ^ 0xff", offset, 0xFF))
    for name, offset, mask in cases:
        flipped = bytearray(data)
        flipped[offset] ^= mask
        yield name, bytes(flipped)
    for cut in (1, 100, 4096):
        yield f"truncated by {cut}", data[:-cut]


@pytest.mark.slow
def test_flipped_bytes_and_truncation_never_give_other_numbers(finished, tmp_path):
    """Each case loads identically, or is refused; a repairable one then resumes to the
    uninterrupted table (the issue's experiment: 14 of 40 flips changed numbers)."""
    data, expected = finished
    outcomes = {}
    for number, (name, damaged) in enumerate(damaged_cases(data)):
        path = tmp_path / f"case{number}.sqlite"
        path.write_bytes(damaged)
        try:
            loaded = xorfast.load_sweep(path)
        except StoreError:
            outcomes[name] = "refused"
        else:
            assert loaded.spec.to_json() == expected.spec.to_json(), name
            assert_tables_identical(loaded.table, expected.table)
            outcomes[name] = "identical"
        # A resume reads the same file the same way: refused, or the same table.
        try:
            resumed = xorfast.sweep(store=path, **SWEEP)
        except StoreError:
            pass
        else:
            assert_tables_identical(resumed.table, expected.table)
            continue
        if number % 4:
            continue
        # Repair keeps what verifies, or refuses; a resume then reruns what it dropped.
        # (Every fourth case only: each resume trains the blocks dropped.)
        try:
            repair_store(path)
        except StoreError:
            outcomes[name] = "refused, not repairable"
            continue
        assert_tables_identical(xorfast.sweep(store=path, **SWEEP).table, expected.table)
        assert_tables_identical(xorfast.load_sweep(path).table, expected.table)
        outcomes[name] = "refused, repaired"
    refused = sum(outcome.startswith("refused") for outcome in outcomes.values())
    # Flips of the used bytes almost all land in rows, digests or the schema.
    assert refused >= 60, outcomes
    assert sum(outcome == "refused, repaired" for outcome in outcomes.values()) >= 12, outcomes
    assert outcomes["truncated by 1"].startswith("refused")


def stored(path, sql, *args):
    with sqlite3.connect(path) as connection:
        rows = connection.execute(sql, args).fetchall()
    connection.close()
    return rows


def test_damaged_block_is_named_and_repair_reruns_only_it(finished, tmp_path, monkeypatch):
    data, expected = finished
    path = tmp_path / "runs.sqlite"
    path.write_bytes(data)
    # One value changed behind the store's back: a failed run turned "solved".
    config, seed, block = stored(
        path, "SELECT config, seed, block FROM runs WHERE epoch_solved = -1 LIMIT 1"
    )[0]
    stored(path, "UPDATE runs SET epoch_solved = 7 WHERE config = ? AND seed = ?", config, seed)
    seeds = sorted(s for (s,) in stored(path, "SELECT seed FROM runs WHERE block = ?", block))
    with pytest.raises(StoreError) as refused:
        xorfast.load_sweep(path)
    message = str(refused.value)
    assert f"1 block ({len(seeds)} runs): config {config} (hidden {[2, 3][config]}," in message
    assert str(seed) in message and "repair_store" in message
    with pytest.raises(StoreError, match="1 block"):
        xorfast.sweep(store=path, **SWEEP)

    report = repair_store(path)
    assert f"kept {200 - len(seeds)} verified runs" in report
    assert os.path.exists(f"{path}.damaged")
    assert len(xorfast.load_sweep(path)) == 200 - len(seeds)

    trained = []
    run_block = xorfast.sweeps.sweeper.run_block

    def counting(block):
        trained.append((block.config.index, sorted(block.seeds.tolist())))
        return run_block(block)

    monkeypatch.setattr(xorfast.sweeps.sweeper, "run_block", counting)
    resumed = xorfast.sweep(store=path, **SWEEP)
    assert trained == [(config, seeds)]
    assert_tables_identical(resumed.table, expected.table)
    assert_tables_identical(xorfast.load_sweep(path).table, expected.table)


def test_lost_block_entry_and_missing_rows_are_refused(finished, tmp_path):
    data, _ = finished
    path = tmp_path / "runs.sqlite"
    path.write_bytes(data)
    (block,) = stored(path, "SELECT block FROM runs WHERE config = 1 LIMIT 1")[0]
    stored(
        path,
        "DELETE FROM runs WHERE block = ? AND seed = (SELECT MIN(seed) FROM runs WHERE block = ?)",
        block,
        block,
    )
    with pytest.raises(
        StoreError,
        match=r"1 block \(8 runs\): config 1 .*1 runs whose rows "
        r"are missing",
    ):
        xorfast.load_sweep(path)
    path.write_bytes(data)
    stored(path, "DELETE FROM blocks WHERE id = ?", block)
    with pytest.raises(StoreError, match=r"rows of no valid config|config 1"):
        xorfast.load_sweep(path)


def test_specification_must_match_its_fingerprint(finished, tmp_path):
    data, _ = finished
    path = tmp_path / "runs.sqlite"
    path.write_bytes(data)
    (spec,) = stored(path, "SELECT value FROM xorfast_meta WHERE key = 'spec'")[0]
    stored(
        path,
        "UPDATE xorfast_meta SET value = ? WHERE key = 'spec'",
        spec.replace('"epochs":[200]', '"epochs":[201]'),
    )
    for attempt in (lambda: xorfast.load_sweep(path), lambda: xorfast.sweep(store=path, **SWEEP)):
        with pytest.raises(StoreError, match="specification does not match its checksum"):
            attempt()


def test_values_out_of_range_are_refused_even_without_checksums(tmp_path):
    expected = xorfast.sweep(**SWEEP)
    spec = make_spec(**{k: v for k, v in SWEEP.items() if k not in ("block_size", "progress")})
    for column, value in [
        ("epoch_solved", 201),
        ("epoch_tol", -2),
        ("diverged", 2),
        ("max_error", -0.5),
        ("final_mse", float("inf")),
        ("max_error", "much"),
        ("seed", 100),
        ("config", 2),
    ]:
        path = tmp_path / f"{column}-{value}.sqlite"
        write_v1_store(path, spec, expected.table)
        stored(path, f"UPDATE runs SET {column} = ? WHERE config = 1 AND seed = 42", value)
        with pytest.warns(UnverifiedStoreWarning), pytest.raises(StoreError) as refused:
            xorfast.load_sweep(path)
        assert "range checks: 1 runs" in str(refused.value), (column, value)
        if column not in ("seed", "config"):
            assert "config 1 (hidden 3, lr 0.1, init_scale 1.0, epochs 200): seeds 42" in str(
                refused.value
            )


def test_version_1_store_loads_resumes_and_repairs(tmp_path, monkeypatch):
    expected = xorfast.sweep(**SWEEP)
    spec = expected.spec
    path = tmp_path / "v1.sqlite"
    write_v1_store(path, spec, expected.table)
    with pytest.warns(UnverifiedStoreWarning, match="format version 1, without checksums"):
        assert_tables_identical(xorfast.load_sweep(path).table, expected.table)

    half = tmp_path / "half.sqlite"
    write_v1_store(half, spec, expected.table[::2])
    with pytest.warns(UnverifiedStoreWarning):
        resumed = xorfast.sweep(store=half, **SWEEP)
    assert_tables_identical(resumed.table, expected.table)
    assert stored(half, "SELECT value FROM xorfast_meta WHERE key = 'format_version'") == [("1",)]
    with pytest.warns(UnverifiedStoreWarning):
        assert_tables_identical(xorfast.load_sweep(half).table, expected.table)

    # repair_store converts it: checksums from then on, no warning.
    assert "kept 200 verified runs" in repair_store(path)
    assert stored(path, "SELECT value FROM xorfast_meta WHERE key = 'format_version'") == [("2",)]
    assert_tables_identical(xorfast.load_sweep(path).table, expected.table)
    monkeypatch.setattr(
        xorfast.sweeps.sweeper,
        "run_block",
        lambda block: pytest.fail("a stored run was trained again"),
    )
    assert_tables_identical(xorfast.sweep(store=path, **SWEEP).table, expected.table)


def test_repair_of_a_sound_store_changes_nothing(finished, tmp_path):
    data, _ = finished
    path = tmp_path / "runs.sqlite"
    path.write_bytes(data)
    assert "all 200 runs verified; nothing to do" in repair_store(path)
    assert path.read_bytes() == data
    assert not os.path.exists(f"{path}.damaged")


def write_rows(path, spec, values):
    """A version 2 store of ``spec`` holding the runs given as {(config, seed index): values},
    all written in one call (so one call may hold several configs)."""
    table = empty_table(spec)
    table["epoch_solved"] = table["epoch_tol"] = -1
    keys = sorted(values)
    at = [config * len(spec.seeds) + index for config, index in keys]
    for i, key in zip(at, keys):
        for name, value in values[key].items():
            table[name][i] = value
    with open_store(path, spec) as store:
        store.write(table[at])
    return table[at]


def test_values_at_the_range_limits_load_and_values_past_them_are_refused(tmp_path):
    """Errors up to the largest possible |output - target| load (outputs lie in [0, 1]); past
    it a value is refused. -0.0 (which SQLite reads back as 0.0) still verifies."""
    xor = make_spec(seeds=3, hidden=[2, 3], epochs=200)
    sound = {
        (0, 0): dict(max_error=-0.0, final_mse=0.0, epoch_solved=0, epoch_tol=0),
        (0, 2): dict(max_error=1.0, final_mse=1.0, epoch_solved=200, epoch_tol=200),
        (1, 1): dict(max_error=np.nan, final_mse=np.nan, diverged=1),
    }
    rows = write_rows(tmp_path / "sound.sqlite", xor, sound)
    loaded = xorfast.load_sweep(tmp_path / "sound.sqlite").table
    assert loaded["config"].tolist() == [0, 0, 1]
    assert loaded["seed"].tolist() == xor.seeds[[0, 2, 1]].tolist()
    for name in ("max_error", "final_mse"):
        np.testing.assert_array_equal(loaded[name], [0.0, 1.0, np.nan])
    assert loaded["epoch_solved"].tolist() == [0, 200, -1]
    assert loaded["diverged"].tolist() == [0, 0, 1]
    assert_tables_identical(loaded, rows)
    for name, value in [("max_error", 1.5), ("final_mse", 1.5)]:
        path = tmp_path / f"{name}.sqlite"
        write_rows(path, xor, {(1, 2): {name: value}})
        with pytest.raises(StoreError, match="epochs 200\\): seeds"):
            xorfast.load_sweep(path)

    # With loss='mse' targets may leave [0, 1]: an error can reach max(y) or 1 - min(y).
    X = [[0.0], [1.0]]
    for y, largest in [([-2.0, 0.5], 3.0), ([0.0, 3.0], 3.0), ([0.25, 0.5], 1.0)]:
        spec = make_spec(X, y, seeds=2, hidden=2, epochs=10, loss="mse")
        path = tmp_path / f"mse{y}.sqlite"
        near = dict(max_error=largest * 0.99, final_mse=largest**2 * 0.99)
        write_rows(path, spec, {(0, 0): near})
        assert xorfast.load_sweep(path).table["final_mse"].tolist() == [largest**2 * 0.99]
        for name, value in [("max_error", largest * 1.01), ("final_mse", largest**2 * 1.01)]:
            path = tmp_path / f"mse{y}-{name}.sqlite"
            write_rows(path, spec, {(0, 1): {name: value}})
            with pytest.raises(StoreError, match=r"1 block \(1 runs\): config 0 .*seeds 1\."):
                xorfast.load_sweep(path)


def test_value_of_the_wrong_type_is_refused_when_no_seed_is_zero(tmp_path):
    """A text where a number belongs is found whatever the keys are (config 0 or seed 0, which
    read as false, must not be what finds it): here only config 1 is stored."""
    spec = make_spec(seeds=[5, 6, 7], hidden=[2, 3], epochs=200)
    for version in (1, 2):
        path = tmp_path / f"v{version}.sqlite"
        if version == 1:
            table = empty_table(spec)
            table["epoch_solved"] = table["epoch_tol"] = -1
            write_v1_store(path, spec, table[3:])
        else:
            write_rows(path, spec, {(1, i): {} for i in range(3)})
        # (In version 2 the row also names a block that does not exist: still one block.)
        moved = ", block = block + 999" if version == 2 else ""
        stored(path, f"UPDATE runs SET max_error = 'much'{moved} WHERE seed = 6")
        named = (
            r"range checks: 1 runs: .*seeds 6\."
            if version == 1
            else r"checksum or range checks: 1 block \(3 runs\): config 1 \(hidden 3, .*\): "
            r"seeds 5-7\. No run"
        )
        with pytest.raises(StoreError, match=named):
            if version == 1:
                with pytest.warns(UnverifiedStoreWarning):
                    xorfast.load_sweep(path)
            else:
                xorfast.load_sweep(path)
        # Repair keeps the sound runs of the same chunk (version 1: rows; version 2: blocks).
        report = repair_store(path)
        assert f"kept {2 if version == 1 else 0} verified runs" in report
        assert sorted(xorfast.load_sweep(path).table["seed"].tolist()) == (
            [5, 7] if version == 1 else []
        )


def test_repair_keeps_every_sound_block_of_configs_past_the_block_size(tmp_path):
    """Four configs in blocks of two runs: repair keeps all but the damaged block."""
    sweep = dict(
        seeds=4, hidden=2, lr=[0.1, 0.2, 0.3, 0.4], epochs=50, block_size=2, progress=False
    )
    path = tmp_path / "runs.sqlite"
    expected = xorfast.sweep(store=path, **sweep)
    stored(path, "UPDATE runs SET diverged = 1 - diverged WHERE config = 0 AND seed = 0")
    assert "kept 14 verified runs" in repair_store(path)
    kept = xorfast.load_sweep(path).table
    assert len(kept) == 14
    assert_tables_identical(kept, expected.table[2:])
    # Each later repair keeps its damaged file beside the earlier ones.
    for config, copy in [(3, ".damaged-2"), (2, ".damaged-3")]:
        stored(
            path, "UPDATE runs SET diverged = 1 - diverged WHERE config = ? AND seed = 3", config
        )
        assert f"as {str(path) + copy!r}" in repair_store(path)
    assert sorted(p.name for p in tmp_path.glob("*.damaged*")) == [
        "runs.sqlite.damaged",
        "runs.sqlite.damaged-2",
        "runs.sqlite.damaged-3",
    ]
    assert len(xorfast.load_sweep(path)) == 10


def test_unreadable_key_names_what_can_be_read(tmp_path):
    """A version 1 row whose seed is text is named by its config; one whose config is text,
    by its seed as a row of no valid config."""
    spec = make_spec(seeds=[5, 6, 7], hidden=[2, 3], epochs=200)
    table = empty_table(spec)
    table["epoch_solved"] = table["epoch_tol"] = -1
    for column, named in [
        (
            "seed",
            "range checks: 1 runs: config 1 (hidden 3, lr 0.1, init_scale "
            "1.0, epochs 200): 1 rows whose seed cannot be read. No run",
        ),
        ("config", "rows of no valid config: seeds 6."),
    ]:
        path = tmp_path / f"{column}.sqlite"
        write_v1_store(path, spec, table)
        stored(path, f"UPDATE runs SET {column} = 'x' WHERE config = 1 AND seed = 6")
        with pytest.warns(UnverifiedStoreWarning), pytest.raises(StoreError) as refused:
            xorfast.load_sweep(path)
        message = str(refused.value)
        assert named in message
        assert "config 0 (" not in message
        assert ("no valid config" in message) == (column == "config")


def test_row_of_no_valid_config_is_refused_in_a_sweep_of_one_config(tmp_path):
    spec = make_spec(seeds=[5, 6, 7], hidden=2, epochs=200)
    table = empty_table(spec)
    table["epoch_solved"] = table["epoch_tol"] = -1
    path = tmp_path / "runs.sqlite"
    write_v1_store(path, spec, table)
    stored(path, "UPDATE runs SET config = 5 WHERE seed = 6")
    with (
        pytest.warns(UnverifiedStoreWarning),
        pytest.raises(
            StoreError, match=r"range checks: 1 runs: rows of no valid config: seeds 6\."
        ),
    ):
        xorfast.load_sweep(path)


def test_damage_message_lists_seed_ranges_and_at_most_six_configs(tmp_path):
    spec = make_spec(seeds=30, hidden=2, lr=[0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8], epochs=200)
    table = empty_table(spec)
    table["epoch_solved"] = table["epoch_tol"] = -1
    path = tmp_path / "runs.sqlite"
    write_v1_store(path, spec, table)
    stored(path, "UPDATE runs SET diverged = 2 WHERE config = 0 AND seed IN (1, 2, 3, 7, 9, 10)")
    stored(path, "UPDATE runs SET diverged = 2 WHERE config = 1 AND seed % 2 = 1")  # 15 ranges
    stored(path, "UPDATE runs SET diverged = 2 WHERE config > 1 AND seed = 0")
    with pytest.warns(UnverifiedStoreWarning), pytest.raises(StoreError) as refused:
        xorfast.load_sweep(path)
    message = str(refused.value)
    assert "range checks: 27 runs: config 0 (hidden 2, lr 0.1, " in message
    assert "epochs 200): seeds 1-3, 7, 9-10; config 1 " in message
    assert "epochs 200): seeds 1, 3, 5, 7, 9, 11, 13, 15, ... (15 seeds); config 2 " in message
    assert "lr 0.6" in message and "lr 0.7" not in message  # configs 0-5, then a count
    assert "seeds 0; and 2 more. No run" in message


def test_tables_that_do_not_match_the_format_version_are_refused(finished, tmp_path):
    data, _ = finished
    path = tmp_path / "runs.sqlite"
    path.write_bytes(data)
    stored(path, "DROP TABLE blocks")
    with pytest.raises(StoreError, match="its tables do not match its format version"):
        xorfast.load_sweep(path)


def test_unverified_store_warning_points_at_the_caller(tmp_path):
    spec = make_spec(seeds=[5, 6, 7], hidden=2, epochs=200)
    table = empty_table(spec)
    table["epoch_solved"] = table["epoch_tol"] = -1
    path = tmp_path / "runs.sqlite"
    write_v1_store(path, spec, table)
    with pytest.warns(UnverifiedStoreWarning) as caught:
        xorfast.load_sweep(path)
    assert caught[0].filename == __file__


def test_row_moved_to_no_block_and_block_entry_of_no_config_are_refused(tmp_path):
    spec = make_spec(seeds=[5, 6, 7], hidden=[2, 3], epochs=200)
    for change, named in [
        (
            "UPDATE runs SET block = block + 999 WHERE config = 1 AND seed = 6",
            r"checksum or range checks: 1 block \(3 runs\): config 1 .*: seeds 5-7\. No run",
        ),
        (
            "UPDATE blocks SET config = 'x' WHERE config = 0",
            r"1 block \(3 runs\): config 0 .*: seeds 5-7\. No run",
        ),
    ]:
        path = tmp_path / "runs.sqlite"
        path.unlink(missing_ok=True)
        write_rows(path, spec, {(config, i): {} for config in (0, 1) for i in range(3)})
        stored(path, change)
        with pytest.raises(StoreError, match=named):
            xorfast.load_sweep(path)


def _rewrite_spec(path, change):
    """Edit the stored specification and its checksum together, as other code might."""
    import hashlib
    import json

    (text,) = stored(path, "SELECT value FROM xorfast_meta WHERE key = 'spec'")[0]
    description = json.loads(text)
    change(description)
    text = json.dumps(description, sort_keys=True, separators=(",", ":"))
    stored(path, "UPDATE xorfast_meta SET value = ? WHERE key = 'spec'", text)
    digest = hashlib.sha256(text.encode()).hexdigest()
    stored(path, "UPDATE xorfast_meta SET value = ? WHERE key = 'fingerprint'", digest)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("momentum"), "version 2 lacks momentum"),
        (lambda d: d.update(momentum=[2.0]), "momentum must be >= 0 and < 1"),
        (lambda d: d.update(margin=5.0), "margin must be > 0 and < 1"),
        (lambda d: d.update(derivative_offset=0.5), "use loss='mse' or derivative_offset=0"),
    ],
)
def test_a_specification_that_matches_its_checksum_is_still_checked(tmp_path, change, message):
    path = tmp_path / "runs.sqlite"
    xorfast.sweep(store=path, seeds=4, hidden=2, epochs=20, margin=0.4, progress=False)
    _rewrite_spec(path, change)
    for attempt in (lambda: xorfast.load_sweep(path), lambda: repair_store(path)):
        with pytest.raises(StoreError, match="specification cannot be read") as refused:
            attempt()
        assert message in str(refused.value)


def test_damage_message_tells_configs_apart_by_momentum(tmp_path):
    spec = make_spec(seeds=4, hidden=2, momentum=[0.0, 0.9], epochs=200)
    table = empty_table(spec)
    path = tmp_path / "runs.sqlite"
    write_v1_store(path, spec, table)
    stored(path, "UPDATE runs SET diverged = 2 WHERE seed = 1")
    with pytest.warns(UnverifiedStoreWarning), pytest.raises(StoreError) as refused:
        xorfast.load_sweep(path)
    message = str(refused.value)
    assert "config 0 (hidden 2, lr 0.1, momentum 0.0, init_scale 1.0, epochs 200)" in message
    assert "config 1 (hidden 2, lr 0.1, momentum 0.9, init_scale 1.0, epochs 200)" in message
