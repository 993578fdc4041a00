"""The ``xorfast`` command (also ``python -m xorfast``), Ctrl-C included from its first moment.

The command line imports NumPy, and most commands Numba, which takes a second
or more. This module imports neither, so that Ctrl-C pressed meanwhile ends
the command as it does later on (the message "interrupted", exit status 130),
not with a traceback through the imports.
"""

import sys


def main(argv=None):
    """Run the command line; returns the process exit status."""
    try:
        from .cli import main as run

        return run(argv)
    except KeyboardInterrupt:  # before the command line handles Ctrl-C itself
        print("\ninterrupted", file=sys.stderr)  # as xorfast.cli says it
        return 130


if __name__ == "__main__":
    status = main()
    if status == 130:
        # CPython notes a KeyboardInterrupt that left code run by exec() from a
        # string (dataclasses and Numba generate code that way) and, under
        # python -m, then ends the process by SIGINT whatever the status; running
        # a string again clears the note.
        exec("")
    sys.exit(status)
