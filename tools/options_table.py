r"""Rewrite README's table of options and the signatures of ``train`` and ``sweep`` from the code.

Usage (from the repository root)::

    python tools/options_table.py            # rewrite README.md
    python tools/options_table.py --check    # exit 1 if README.md is out of date

Each generated block sits between a pair of markers in README.md:

- ``<!-- options-table:start -->`` ... ``<!-- options-table:end -->``: one row
  per record of :data:`xorfast.options.OPTIONS` (name, flag, default, values,
  which of ``train`` and ``sweep`` take it, meaning);
- ``<!-- signature-train:start -->`` and ``<!-- signature-sweep:start -->``
  (each with its ``:end``): the call with its defaults, as Python shows it.

After adding or changing an option, run this script and commit README.md with it.
"""

import argparse
import inspect
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout's xorfast, not an installed one

import xorfast  # noqa: E402
from xorfast.options import OPTIONS, SWEEP, TRAIN  # noqa: E402

#: The generated blocks: marker name -> the function that writes the text between its markers.
BLOCKS = {}


def block(name):
    """Register the decorated function as the writer of the block between ``name``'s markers."""

    def register(function):
        BLOCKS[name] = function
        return function

    return register


def markers(name):
    """The start and end markers of block ``name``."""
    return f"<!-- {name}:start -->", f"<!-- {name}:end -->"


def _python(value):
    """A default as one writes it in Python (strings in double quotes, as README does)."""
    return f'"{value}"' if isinstance(value, str) else repr(value)


def _takes(option):
    """Which of ``train`` and ``sweep`` take ``option``, and as what."""
    words = []
    if TRAIN in option.scopes:
        words.append("train")
    if SWEEP in option.scopes:
        words.append("sweep (grid axis)" if option.axis is not None else "sweep")
    return ", ".join(words)


@block("options-table")
def options_table():
    """The Markdown table of every option in :data:`OPTIONS`, in the table's order."""
    lines = [
        "| option | flag | default | values | taken by | meaning |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for option in OPTIONS.values():
        cells = (
            f"`{option.name}`",
            f"`{option.flag}`",
            f"`{_python(option.default)}`",
            option.domain.describe(),
            _takes(option),
            option.doc or option.help,
        )
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines)


def _signature(function, name):
    """``name(...)`` with ``function``'s defaults, as a Python block 80 columns wide."""
    parameters = []
    for parameter in inspect.signature(function).parameters.values():
        if parameter.kind is parameter.KEYWORD_ONLY and not any(p == "*" for p in parameters):
            parameters.append("*")
        parameters.append(f"{parameter.name}={_python(parameter.default)}")
    text = textwrap.fill(
        f"{name}({', '.join(parameters)})",
        width=80,
        subsequent_indent="    ",
        break_on_hyphens=False,
    )
    return f"```python\n{text}\n```"


@block("signature-train")
def train_signature():
    """``xorfast.train(...)`` with its defaults."""
    return _signature(xorfast.train, "xorfast.train")


@block("signature-sweep")
def sweep_signature():
    """``xorfast.sweep(...)`` with its defaults."""
    return _signature(xorfast.sweep, "xorfast.sweep")


def rewrite(readme, blocks=None):
    """``readme`` with the text between each block's markers written anew."""
    for name, write in (BLOCKS if blocks is None else blocks).items():
        start, end = markers(name)
        if (
            readme.count(start) != 1
            or readme.count(end) != 1
            or readme.index(start) > readme.index(end)
        ):
            raise ValueError(
                f"README needs exactly one {start} followed by one {end} around the "
                "text this script writes; add them"
            )
        head, rest = readme.split(start)
        _, tail = rest.split(end)
        readme = f"{head}{start}\n{write()}\n{end}{tail}"
    return readme


def main(argv=None):
    """Rewrite (or with ``--check``, verify) README's generated blocks; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="change nothing; exit 1 if README's options or signatures are out of date",
    )
    parser.add_argument(
        "--readme",
        type=Path,
        default=ROOT / "README.md",
        help="the file holding the blocks (default: README.md)",
    )
    args = parser.parse_args(argv)
    old = args.readme.read_text(encoding="utf-8")
    try:
        new = rewrite(old)
    except ValueError as error:
        print(f"{args.readme}: {error}", file=sys.stderr)
        return 2
    if new == old:
        return 0
    if args.check:
        print(
            f"{args.readme}: the table of options or a signature differs from the code; run "
            "`python tools/options_table.py` and commit the result",
            file=sys.stderr,
        )
        return 1
    args.readme.write_text(new, encoding="utf-8")
    print(f"{args.readme}: table of options and signatures rewritten")
    return 0


if __name__ == "__main__":
    sys.exit(main())
