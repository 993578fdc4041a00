"""``tools/bench_table.py`` keeps README's performance table equal to ``docs/bench.json``."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "tools" / "bench_table.py"

README = """# Title

## Performance

Some words.

<!-- bench-table:start -->
```text
an old table
```
<!-- bench-table:end -->

Words after.
"""

RECORDS = [
    {
        "case": "single x",
        "contender": "NumPy reference",
        "seconds": 2.0,
        "epochs": 100,
        "runs": 1,
        "speedup": 1.0,
        "ns_per_epoch": 2e7,
    },
    {
        "case": "single x",
        "contender": "fast",
        "seconds": 0.5,
        "epochs": 100,
        "runs": 10,
        "speedup": 40.0,
        "ns_per_epoch": 5e5,
    },
]

# Written by hand from RECORDS: 2 s -> "2,000.00 ms", 2 s / 100 epochs -> 20,000,000.0 ns.
TABLE = """\
case      contender               time      ns/epoch  speed-up
--------  ---------------  -----------  ------------  --------
single x  NumPy reference  2,000.00 ms  20,000,000.0        1x
          fast               500.00 ms     500,000.0       40x"""


def run(*args):
    return subprocess.run(
        [sys.executable, str(SCRIPT), *map(str, args)], capture_output=True, text=True, timeout=120
    )


def test_committed_readme_matches_committed_numbers():
    done = run("--check")
    assert done.returncode == 0, done.stderr


def test_rewrites_the_table_between_the_markers_and_checks_it(tmp_path):
    readme, numbers = tmp_path / "README.md", tmp_path / "bench.json"
    readme.write_text(README)
    numbers.write_text(json.dumps(RECORDS))
    stale = run("--check", "--json", numbers, "--readme", readme)
    assert stale.returncode == 1 and "out of date" not in stale.stdout
    assert "python tools/bench_table.py" in stale.stderr
    assert readme.read_text() == README  # --check changes nothing

    assert run("--json", numbers, "--readme", readme).returncode == 0
    assert readme.read_text() == README.replace("an old table", TABLE)
    assert run("--check", "--json", numbers, "--readme", readme).returncode == 0


def test_missing_markers_are_named(tmp_path):
    readme, numbers = tmp_path / "README.md", tmp_path / "bench.json"
    readme.write_text("# no markers\n")
    numbers.write_text(json.dumps(RECORDS))
    done = run("--check", "--json", numbers, "--readme", readme)
    assert done.returncode == 2 and "<!-- bench-table:start -->" in done.stderr
