"""``xorfast bench``: how fast this machine trains, against the NumPy reference."""

import json
import sys

from .. import _files


def add_parser(subparsers):
    """Attach ``bench`` to the top-level parser."""
    parser = subparsers.add_parser(
        "bench",
        help="time xorfast against the NumPy reference (a minute or two)",
        description="Time single runs and sweeps of xorfast against the plain NumPy "
        "reference, in one process, and print one table. JAX and PyTorch join "
        "as labelled peers when they are installed.",
    )
    parser.add_argument("--json", metavar="FILE", help="also write the numbers as JSON")
    parser.add_argument(
        "--no-peers", action="store_true", help="skip JAX and PyTorch even if installed"
    )
    parser.set_defaults(run=run)
    return parser


def run(args):
    """Measure and print."""
    from .. import benchmarks  # not at import: it loads Numba, which --help does without

    if args.json:
        _files.check_writable("--json", args.json)  # before a minute of measuring
    rows = benchmarks.run_all(
        peers=not args.no_peers, progress=lambda text: print(text, file=sys.stderr)
    )
    print(benchmarks.format_table(rows))
    print(
        f"\ntimes: minimum over repeats after a warm-up call; ns/epoch: per epoch of one "
        f"run, per seed-epoch for sweeps; speed-up: over the NumPy reference's ns/epoch "
        f"for the same network, measured in this run. Single runs: {benchmarks.EPOCHS:,} "
        f"epochs through xorfast.train; peers run {benchmarks.PEER_EPOCHS:,} epochs. "
        f"Early stop: {benchmarks.STOP_SEEDS:,} seeds per width, lr {benchmarks.STOP_LR:g}, "
        f"a budget of {benchmarks.EPOCHS:,} epochs counted in full for every row, so its "
        f'speed-up is the fixed-budget time over the stop="solved" time (its JAX peer '
        f"runs the same budget, stopping at solved)."
    )
    if args.json:
        with _files.atomic_write(args.json) as handle:
            json.dump(benchmarks.to_records(rows), handle, indent=1)
        print(f"numbers written to {args.json}")
    return 0
