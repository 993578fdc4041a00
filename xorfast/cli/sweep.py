"""``xorfast sweep``: a grid of configs times many seeds, with a summary table."""

import contextlib
import os
import shutil
import sys
import textwrap

from .. import _files, datasets
from ..options import DEFAULT_BLOCK_SIZE, OPTIONS
from ..sweeps.results import short_number
from . import _interrupts
from ._options import add_data_options, add_training_options


def add_parser(subparsers):
    """Attach ``sweep`` to the top-level parser."""
    parser = subparsers.add_parser(
        "sweep",
        help="train many seeds over a grid of configs and summarise convergence",
        description="Train every seed for every combination of the grid options and print, "
        "per config, how many runs solve the task and how fast. Example: "
        "xorfast sweep --hidden 2 3 4 8 --lr 0.1 0.5 --seeds 10000 "
        "--store runs.sqlite",
    )
    add_data_options(parser)
    add_training_options(parser, "sweep")
    parser.add_argument(
        "--store",
        metavar="FILE",
        help="SQLite file that keeps finished runs; the same command with the "
        "same file resumes an interrupted sweep",
    )
    parser.add_argument("--csv", metavar="FILE", help="write the per-run table as CSV")
    parser.add_argument(
        "--json", metavar="FILE", help="write the specification and per-run table as JSON"
    )
    parser.add_argument(
        "--block-size",
        type=int,
        default=DEFAULT_BLOCK_SIZE,
        metavar="N",
        help="seeds per block of work (default: %(default)s)",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    cluster = parser.add_mutually_exclusive_group()
    cluster.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run blocks on the Dask cluster whose scheduler is at ADDRESS, "
        "e.g. tcp://10.0.0.5:8786; gives up after 10 s if it does not "
        "answer (needs: pip install 'xorfast[dask]')",
    )
    cluster.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="run blocks on a Dask cluster of N worker processes started on "
        "this machine for this sweep (needs: pip install 'xorfast[dask]')",
    )
    parser.set_defaults(run=run)
    return parser


def run(args):
    """Sweep, print the summary, write the tables asked for."""
    X, y = datasets.load(args.data)
    _check_outputs(args)  # before any work: a sweep's results must not be lost at the end
    try:  # not at import: they load Numba, which --help does without
        from ..sweeps.executors import ExecutorError
        from ..sweeps.store import StoreError
        from ..sweeps.sweeper import sweep
    except BaseException as error:
        if isinstance(error, KeyboardInterrupt) or _interrupts.interrupted():
            return _report_interrupt(args)  # as later on, when the sweep runs
        raise
    try:
        with contextlib.ExitStack() as stack:
            try:
                # Worker processes cut off half-started spill tracebacks; let them start.
                with _interrupts.deferred() if args.workers else contextlib.nullcontext():
                    executor = stack.enter_context(_executor(args))
            except (ImportError, ConnectionError) as error:
                if _interrupts.interrupted():
                    raise KeyboardInterrupt from None
                print(f"xorfast sweep: error: {error}", file=sys.stderr)
                return 2
            result = sweep(
                X,
                y,
                **OPTIONS.pick("sweep", vars(args)),
                store=args.store,
                executor=executor,
                block_size=args.block_size,
                progress=False if args.no_progress else None,
            )
    except StoreError as error:
        if _interrupts.interrupted():
            return _report_interrupt(args)
        if error.result is not None and len(error.result):
            print(f"the store failed; summary of the {len(error.result)} runs finished:")
            print(error.result.format_summary(width=_terminal_width()))
        raise
    except ExecutorError as error:
        if _interrupts.interrupted():
            return _report_interrupt(args)
        print(f"xorfast sweep: error: {error.cause}. {_kept(args)}", file=sys.stderr)
        return 1
    except BaseException as error:
        # An interrupt can also surface as the error of whatever it cut short.
        if isinstance(error, KeyboardInterrupt) or (
            _interrupts.interrupted() and not isinstance(error, SystemExit)
        ):
            return _report_interrupt(args)
        raise
    spec = result.spec
    width = _terminal_width()
    headline = _headline(args.data, spec)
    print(headline if width is None else textwrap.fill(headline, width))
    print(result.format_summary(width=width))
    kept = _recorded(args)
    elsewhere = f" (the {kept} are kept in {args.store} only)" if kept else ""
    if args.csv:
        result.to_csv(args.csv)
        print(f"per-run table written to {args.csv}{elsewhere}")
    if args.json:
        result.to_json(args.json)
        print(f"specification and per-run table written to {args.json}{elsewhere}")
    return 0


def _recorded(args):
    """What the sweep keeps beside its rows, in words ("" for nothing)."""
    kept = []
    if args.record_every:
        kept.append("loss curves")
    if args.keep_weights:
        kept.append("final weights")
    return " and ".join(kept)


def _terminal_width():
    """The terminal's width when printing to one; None (every column) into a file or pipe."""
    return shutil.get_terminal_size().columns if sys.stdout.isatty() else None


def _headline(data, spec):
    """What was swept, with every rule that is not the default."""
    rules = [f"loss {spec.loss} ({spec.reduction})"]
    if spec.momentum != (0.0,) and len(spec.momentum) == 1:
        rules.append(f"momentum {short_number(spec.momentum[0])}")
    if spec.derivative_offset:
        rules.append(f"derivative offset {short_number(spec.derivative_offset)}")
    if spec.activation != ("sigmoid",) and len(spec.activation) == 1:
        rules.append(f"{spec.activation[0]} hidden units")
    if spec.update != "batch":
        rules.append(f"{spec.update} updates")
    if spec.weight_decay != (0.0,) and len(spec.weight_decay) == 1:
        rules.append(f"weight decay {short_number(spec.weight_decay[0])}")
    return (
        f"{data}: {len(spec.configs)} configs x {len(spec.seeds)} seeds, "
        f"{', '.join(rules)}, {spec.dtype}; "
        f"solved = every output within {short_number(spec.margin)} of its target"
    )


def _check_outputs(args):
    """Refuse, before any work, output paths that cannot be written or that collide.

    Also what is recorded with nowhere to keep it: the summary, CSV and JSON
    have one row per run, so the curves and weights go to the store alone.
    """
    kept = _recorded(args)
    if kept and args.store is None:
        flags = "--record-every" * bool(args.record_every), "--keep-weights" * args.keep_weights
        raise ValueError(
            f"{' and '.join(filter(None, flags))} keep each run's {kept} in the "
            "store only (the summary, --csv and --json have one row per run); add "
            "--store FILE, and read them back with xorfast.load_sweep(FILE) or "
            "xorfast plot FILE --curves"
        )
    named = [
        (flag, path)
        for flag, path in (("--store", args.store), ("--csv", args.csv), ("--json", args.json))
        if path is not None
    ]
    for flag, path in named:
        if flag == "--store" and os.path.isfile(path):
            continue  # an existing store is resumed; the store checks it
        _files.check_writable(flag, path)
    seen = {}
    for flag, path in named:
        key = os.path.realpath(path)
        if key in seen:
            raise ValueError(
                f"{seen[key]} and {flag} name the same file {path}; give each its own"
            )
        seen[key] = flag


def _kept(args):
    """What a stopped sweep leaves on disk, and how to go on."""
    if not args.store:
        return "Nothing was saved (pass --store FILE to keep finished runs)"
    try:
        from ..sweeps.store import load_sweep  # in the try: Ctrl-C may have cut it short

        saved = len(load_sweep(args.store)) if os.path.exists(args.store) else 0
    except Exception:  # noqa: BLE001 - a count is a courtesy; the store says more on resume
        return f"The finished runs are kept in {args.store}; run the same command again to resume"
    return f"{saved} finished runs are saved in {args.store}; run the same command again to resume"


def _report_interrupt(args):
    kept = _kept(args)
    print(f"\ninterrupted: {kept[0].lower()}{kept[1:]}", file=sys.stderr)
    return 130


def _executor(args):
    """A context giving the executor asked for: a Dask one, or None for this process."""
    if args.scheduler is None and args.workers is None:
        return contextlib.nullcontext()
    from ..sweeps.cluster import dask_executor

    return dask_executor(args.scheduler, workers=args.workers)
