"""The ``xorfast`` command (also ``python -m xorfast``), Ctrl-C included from its first moment.

The command line imports NumPy, and most commands Numba, which takes a second
or more. This module imports neither, so that Ctrl-C pressed meanwhile ends
the command as it does later on (the message "interrupted", exit status 130),
not with a traceback through the imports.
"""

import signal
import sys
import threading


def main(argv=None):
    """Run the command line; returns the process exit status."""
    pressed = threading.Event()

    def interrupt(signum, frame):
        pressed.set()
        code = frame.f_code if frame is not None else None
        if code and (code.co_filename, code.co_name) == ("<frozen importlib._bootstrap>", "cb"):
            return  # an import's lock callback drops exceptions: raised once it returns
        raise KeyboardInterrupt

    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, interrupt) if main_thread else None
    try:
        try:
            from .cli import main as run
        except Exception:
            if not pressed.is_set():
                raise
            # An import cut short fails in its own way (NumPy: "Importing the
            # numpy C-extensions failed"): it was the interrupt.
            raise KeyboardInterrupt from None
        finally:
            if main_thread:
                signal.signal(signal.SIGINT, previous)
        if pressed.is_set():
            raise KeyboardInterrupt
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
