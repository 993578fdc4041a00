r"""Rewrite README's performance table from the numbers ``xorfast bench --json`` wrote.

Usage (from the repository root)::

    python tools/bench_table.py            # rewrite README.md from docs/bench.json
    python tools/bench_table.py --check    # exit 1 if README.md is out of date

The table sits between ``<!-- bench-table:start -->`` and
``<!-- bench-table:end -->`` in README's "Performance" section, as a
```` ```text ```` block formatted exactly as ``xorfast bench`` prints it
(:func:`xorfast.benchmarks.format_table`). After ``xorfast bench --json
docs/bench.json``, run this script and commit both files together.
"""

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout's xorfast, not an installed one

from xorfast.benchmarks import Row, format_table  # noqa: E402

START = "<!-- bench-table:start -->"
END = "<!-- bench-table:end -->"
FIELDS = ("case", "contender", "seconds", "epochs", "runs", "speedup")


def table(records):
    """The table of ``records`` (as in ``docs/bench.json``), as ``xorfast bench`` prints it."""
    return format_table([Row(**{field: record[field] for field in FIELDS}) for record in records])


def rewrite(readme, records):
    """``readme`` with the text between the markers replaced by the table of ``records``."""
    if (
        readme.count(START) != 1
        or readme.count(END) != 1
        or readme.index(START) > readme.index(END)
    ):
        raise ValueError(
            f"README needs exactly one {START} followed by one {END} around the "
            "performance table; add them around its ```text block"
        )
    head, rest = readme.split(START)
    _, tail = rest.split(END)
    return f"{head}{START}\n```text\n{table(records)}\n```\n{END}{tail}"


def main(argv=None):
    """Rewrite (or with ``--check``, verify) the README table; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="change nothing; exit 1 if the README table is out of date",
    )
    parser.add_argument(
        "--json",
        type=Path,
        default=ROOT / "docs" / "bench.json",
        help="numbers from `xorfast bench --json` (default: docs/bench.json)",
    )
    parser.add_argument(
        "--readme",
        type=Path,
        default=ROOT / "README.md",
        help="the file holding the table (default: README.md)",
    )
    args = parser.parse_args(argv)
    records = json.loads(args.json.read_text(encoding="utf-8"))
    old = args.readme.read_text(encoding="utf-8")
    try:
        new = rewrite(old, records)
    except ValueError as error:
        print(f"{args.readme}: {error}", file=sys.stderr)
        return 2
    if new == old:
        return 0
    if args.check:
        print(
            f"{args.readme}: the performance table differs from {args.json}; run "
            f"`python tools/bench_table.py` and commit the result",
            file=sys.stderr,
        )
        return 1
    args.readme.write_text(new, encoding="utf-8")
    print(f"{args.readme}: performance table rewritten from {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
