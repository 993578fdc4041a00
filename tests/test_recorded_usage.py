"""What a user meets recording sweeps and reading them back: messages that say what to do."""

import numpy as np
import pytest

import xorfast
from xorfast.cli import main


@pytest.mark.parametrize("flag", [["--record-every", "5"], ["--keep-weights"]])
def test_recording_on_the_command_line_without_a_store_is_refused_before_any_work(
    flag, tmp_path, capsys
):
    # The summary, CSV and JSON have one row per run: the curves and weights would be lost.
    csv = tmp_path / "runs.csv"
    with pytest.raises(SystemExit) as exit:
        main(["sweep", "--seeds", "4", "--epochs", "10", *flag, "--csv", str(csv)])
    assert exit.value.code == 2
    captured = capsys.readouterr()
    assert "--store FILE" in captured.err and flag[0] in captured.err
    assert captured.out == "" and not csv.exists()


def test_the_command_line_says_the_tables_it_writes_leave_the_curves_in_the_store(
    tmp_path, capsys
):
    store, csv, json = (tmp_path / name for name in ("runs.sqlite", "runs.csv", "runs.json"))
    # 2-2-1: a recording kernel the plotting tests compile too.
    argv = ["sweep", "--seeds", "4", "--hidden", "2", "--epochs", "10", "--record-every", "5"]
    argv.append("--no-progress")
    assert main([*argv, "--store", str(store), "--csv", str(csv), "--json", str(json)]) == 0
    out = capsys.readouterr().out
    assert f"per-run table written to {csv} (the loss curves are kept in {store} only)" in out
    assert f"per-run table written to {json} (the loss curves are kept in {store} only)" in out
    assert csv.read_text().count("\n") == 5  # header and one row per run


def test_a_config_reader_given_a_seed_points_to_the_one_run_reader():
    result = xorfast.sweep(seeds=3, epochs=10, record_every=5, keep_weights=True, progress=False)
    for reader, single in (("trajectories", "trajectory"), ("weights", "run")):
        with pytest.raises(ValueError) as error:
            getattr(result, reader)(seed=1)
        message = str(error.value)
        assert f"{reader}() takes the grid axes" in message
        assert f"{single}(seed=..., ...)" in message
    # The one-run readers take it.
    assert len(result.trajectory(seed=1).mse) == 3
    assert np.isfinite(result.run(seed=1).W1).all()


def test_the_seed_help_says_it_orders_the_rows_when_shuffled(capsys):
    # train(weights=..., seed=..., update="shuffled") takes the seed: the help must say so.
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    seed = help_text[help_text.index("--seed SEED seed") : help_text.rindex("--log-every N")]
    assert "--update shuffled" in seed and "order" in seed
    assert "update='shuffled'" in xorfast.options.OPTIONS.seed.doc.replace('"', "'")
    assert "unless" in xorfast.train.__doc__.split("weights : tuple")[1].split("dtype :")[0]


def test_the_docs_of_sweep_and_of_its_tables_say_what_they_hold():
    # One Raises section (numpydoc keeps one), naming the recorded values' memory too.
    assert xorfast.sweep.__doc__.count("Raises\n    ------") == 1
    assert "record_every" in xorfast.sweep.__doc__.split("Raises\n    ------")[1]
    for writer in (xorfast.SweepResult.to_csv, xorfast.SweepResult.to_json):
        assert "curves" in writer.__doc__ and "not written" in xorfast.SweepResult.to_csv.__doc__


def _wide_sweep(diverged):
    """10,000 seeds of 10,000 epochs over hidden and lr, a third solved."""
    from xorfast.sweeps.results import RUN_DTYPE, SweepResult
    from xorfast.sweeps.spec import make_spec

    spec = make_spec(seeds=10_000, hidden=[2, 16], lr=[0.1, 12.5])
    table = np.zeros(4 * 10_000, RUN_DTYPE)
    table["config"] = np.repeat(np.arange(4), 10_000)
    table["epochs"] = 10_000
    table["max_error"] = np.where(np.arange(40_000) % 3 == 0, 0.1, 0.9)
    table["epoch_solved"] = np.tile(np.arange(10_000) + 1, 4)
    table["diverged"] = (np.arange(40_000) % 3 == 1) & diverged
    return SweepResult(spec, table)


@pytest.mark.parametrize("width", [80, 100])
def test_format_summary_fits_the_width_asked_with_diverged_runs(width):
    result = _wide_sweep(diverged=True)
    full = result.format_summary().splitlines()
    header = " ".join(full[0].split())
    assert header.endswith("mean ± SD min-max median p90 restarts diverged")
    # 3,334 solved, mean epoch 5000.5: restarts 5000.5 + 10,000 * 6,666 / 3,334 = 24,994.5+;
    # 3,333 runs diverged.
    assert full[1].split()[-2:] == ["24995", "3333"]
    assert max(map(len, full)) > 100  # every column: wider than a terminal
    lines = result.format_summary(width=width).splitlines()
    assert max(map(len, lines)) <= width
    kept = " ".join(lines[0].split())
    for column in ("hidden lr runs solved", "mean ± SD", "median", "restarts diverged"):
        assert column in kept
    # What was left out is said in a last line, and each row still has its figures.
    assert lines[-1].startswith(f"left out to fit {width} columns: ")
    assert len(lines) == 6 and lines[1].split()[-2:] == ["24995", "3333"]
    assert "p90" not in kept and "p90" in lines[-1]


def test_format_summary_leaves_out_nothing_that_fits():
    result = _wide_sweep(diverged=False)
    assert result.format_summary(width=200) == result.format_summary()
    with pytest.raises(ValueError, match="width"):
        result.format_summary(width=0)


def test_xorfast_sweep_fits_its_summary_to_the_terminal(monkeypatch, capsys):
    import sys

    argv = ["sweep", "--seeds", "20", "--hidden", "2", "3", "--epochs", "300", "--lr", "30"]
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    assert main([*argv, "--no-progress"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert max(map(len, lines)) <= 80
    assert lines[-1].startswith("left out to fit 80 columns: p90")
    # Into a file or a pipe, every column, whatever COLUMNS says.
    monkeypatch.setattr(sys.stdout, "isatty", lambda: False)
    assert main([*argv, "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "left out" not in out and " p90 " in out


def test_a_kept_run_has_the_config_train_gives_it():
    # Every option train reports, those a sweep does not take at their defaults.
    # 2-2-1: the kernels the recording and stopping tests compile too.
    options = dict(hidden=2, lr=0.7, momentum=0.5, epochs=60, margin=0.4, stop="solved")
    result = xorfast.sweep(seeds=3, keep_weights=True, progress=False, **options)
    single = xorfast.train(seed=2, **options)
    run = result.run(seed=2)
    assert run.config == single.config
    assert (run.config["activation"], run.config["update"]) == ("sigmoid", "batch")
    assert (run.updates, run.epoch_stopped) == (single.updates, single.epoch_stopped)


def test_a_sweep_result_refuses_curves_or_weights_that_do_not_match_its_table():
    from xorfast.sweeps.results import SweepResult, empty_table
    from xorfast.sweeps.spec import make_spec

    spec = make_spec(seeds=4, hidden=[2, 3], epochs=10, record_every=5, keep_weights=True)
    table = empty_table(spec)  # 8 runs; 3 recorded values and 13 parameters each
    SweepResult(spec, table, np.zeros((8, 3)), np.zeros((8, 13)))
    # A table sliced without its curves would give each run another's values.
    with pytest.raises(ValueError, match=r"curves has 8 rows for a table of 5 runs"):
        SweepResult(spec, table[:5], np.zeros((8, 3)))
    with pytest.raises(ValueError, match=r"kept_weights has 8 rows for a table of 5 runs"):
        SweepResult(spec, table[:5], None, np.zeros((8, 13)))
    with pytest.raises(ValueError, match=r"curves has 2 columns; .* 3 \(record_every=5"):
        SweepResult(spec, table, np.zeros((8, 2)))
    with pytest.raises(ValueError, match=r"kept_weights has 9 columns; .* 13"):
        SweepResult(spec, table, None, np.zeros((8, 9)))
    with pytest.raises(ValueError, match=r"curves must be a 2-D array"):
        SweepResult(spec, table, np.zeros(8))


def test_format_summary_marks_a_config_without_runs_with_dashes():
    # A store loaded mid-sweep (or the summary printed when its store failed) has such configs.
    from xorfast.sweeps.results import SweepResult, empty_table
    from xorfast.sweeps.spec import make_spec

    spec = make_spec(seeds=4, hidden=[2, 3], epochs=10)
    table = empty_table(spec)
    table["max_error"], table["epoch_solved"] = 0.05, 5
    lines = SweepResult(spec, table[:4]).format_summary().splitlines()
    assert "nan" not in "\n".join(lines)
    assert lines[1].split()[:5] == ["2", "4", "100.0%", "51.0%-100.0%", "100.0%"]
    assert lines[2].split() == ["3", "0", *["-"] * 8]


def test_the_sweep_help_says_recording_goes_into_the_store(capsys):
    with pytest.raises(SystemExit):
        main(["sweep", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    record = help_text[
        help_text.index("--record-every N record") : help_text.index("--store FILE S")
    ]
    assert record.count("--store") == 2  # once for each of --record-every and --keep-weights
