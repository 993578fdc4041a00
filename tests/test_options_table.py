"""``tools/options_table.py`` keeps README's table of options and signatures equal to the code."""

import subprocess
import sys
from pathlib import Path

from xorfast.options import OPTIONS

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "tools" / "options_table.py"

README = """# Title

<!-- signature-train:start -->
an old train signature
<!-- signature-train:end -->

Words between.

<!-- options-table:start -->
| an old | table |
<!-- options-table:end -->

<!-- signature-sweep:start -->
<!-- signature-sweep:end -->

Words after.
"""

# Written by hand from the options' records.
LR_ROW = (
    "| `lr` | `--lr` | `0.1` | real > 0, at most the largest value of `dtype` | "
    'train, sweep (grid axis) | learning rate; with `reduction="mean"`, `lr` / rows must not '
    "round to 0 either |"
)
SEED_ROW_START = "| `seed` | `--seed` | `None` | integer, 0 to 4,294,967,295 | train | "
TRAIN_SIGNATURE = """\
```python
xorfast.train(X=None, y=None, *, hidden=None, epochs=10000, lr=0.1,
    momentum=0.0, loss="bce", reduction="mean", derivative_offset=0.0,
    activation="sigmoid", weight_decay=0.0, update="batch", margin=0.5,
    seed=None, init="normal", init_scale=1.0, bias_init="zeros", weights=None,
    dtype="float64", log_every=0, backend="numba", tol=0.01, stop=None)
```"""


def run(*args):
    return subprocess.run(
        [sys.executable, str(SCRIPT), *map(str, args)], capture_output=True, text=True, timeout=120
    )


def test_committed_readme_matches_the_code():
    done = run("--check")
    assert done.returncode == 0, done.stderr


def test_rewrites_every_block_between_its_markers_and_checks_it(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(README)
    stale = run("--check", "--readme", readme)
    assert stale.returncode == 1 and "python tools/options_table.py" in stale.stderr
    assert readme.read_text() == README  # --check changes nothing

    assert run("--readme", readme).returncode == 0
    text = readme.read_text()
    assert "an old" not in text and "Words between." in text and text.endswith("Words after.\n")
    assert f"<!-- signature-train:start -->\n{TRAIN_SIGNATURE}\n" in text
    assert "xorfast.sweep(X=None, y=None, *, seeds=1000, hidden=4, lr=0.1," in text
    assert LR_ROW in text and SEED_ROW_START in text
    table = text.split("<!-- options-table:start -->\n")[1].split("\n<!-- options-table")[0]
    rows = table.splitlines()[2:]
    assert [row.split(" | ")[0] for row in rows] == [f"| `{name}`" for name in OPTIONS]
    assert run("--check", "--readme", readme).returncode == 0


def test_missing_markers_are_named(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(README.replace("<!-- options-table:end -->", ""))
    done = run("--check", "--readme", readme)
    assert done.returncode == 2 and "<!-- options-table:end -->" in done.stderr
