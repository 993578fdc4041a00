"""The ``xorfast`` command line: one module per subcommand, each with add_parser and run."""

import argparse
import os
import sys

from .. import __version__
from . import _interrupts, bench, cache, plot, store, sweep, train

SUBCOMMANDS = (train, sweep, plot, store, bench, cache)


def build_parser():
    """The top-level parser with every subcommand attached."""
    parser = argparse.ArgumentParser(
        prog="xorfast",
        description="Train tiny two-layer sigmoid networks fast, and sweep many seeds.",
    )
    parser.add_argument("--version", action="version", version=f"xorfast {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in SUBCOMMANDS:
        module.add_parser(subparsers)
    return parser


def main(argv=None):
    """Run the command line; returns the process exit status."""
    try:
        try:
            status = _main(argv)
        except SystemExit:
            # --help and --version print, then leave through SystemExit: flushed
            # here too (xorfast --help | head -1), keeping argparse's exit status.
            try:
                sys.stdout.flush()
            except BrokenPipeError:
                _silence_stdout()
            raise
        # Flushed here, where a reader that left is caught, not at the exit.
        sys.stdout.flush()
        return status
    except BrokenPipeError:
        # The reader of the output left (xorfast train | head -1): stop quietly.
        _silence_stdout()
        return 1


def _silence_stdout():
    """Point stdout at nothing, so that the flush at exit finds no pipe to fail on."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (AttributeError, OSError, ValueError):  # stdout replaced, e.g. captured
        pass


def _main(argv):
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        with _interrupts.handling():
            try:
                return args.run(args) or 0
            except (ValueError, TypeError) as error:
                if not _interrupts.interrupted():
                    parser.exit(2, f"xorfast {args.command}: error: {error}\n")
                raise KeyboardInterrupt from None
            except Exception as error:
                if _interrupts.interrupted():  # what Ctrl-C cut short fails in its own way
                    raise KeyboardInterrupt from None
                # Imported here, not for --help: an ExecutorError's module is loaded.
                from ..sweeps.executors import ExecutorError

                if not isinstance(error, ExecutorError):
                    raise
                print(f"xorfast {args.command}: error: {error}", file=sys.stderr)
                return 1
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
