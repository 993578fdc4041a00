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
    argv = ["sweep", "--seeds", "4", "--epochs", "10", "--record-every", "5", "--no-progress"]
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
