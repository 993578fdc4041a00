"""``xorfast store check|repair FILE``: verify a sweep store, or drop its damaged blocks."""


def add_parser(subparsers):
    """Attach ``store`` to the top-level parser."""
    parser = subparsers.add_parser(
        "store",
        help="verify a sweep store, or drop its damaged blocks so a resume reruns them",
        description="'xorfast store check FILE' reads every block of a store written by "
        "xorfast sweep --store and verifies its checksum. 'xorfast store repair "
        "FILE' keeps the verified blocks, drops the damaged ones (the damaged file "
        "is kept as FILE.damaged), after which the same sweep command with the "
        "same store reruns only the dropped runs.",
    )
    parser.add_argument("action", choices=("check", "repair"), help="what to do")
    parser.add_argument("store", metavar="FILE", help="SQLite file written by xorfast sweep")
    parser.set_defaults(run=run)
    return parser


def run(args):
    """Check or repair; a damaged store raises StoreError, printed as one line."""
    from ..sweeps.store import load_sweep, repair_store  # loads Numba; --help does without

    if args.action == "repair":
        print(repair_store(args.store))
        return 0
    result = load_sweep(args.store)
    spec = result.spec
    print(
        f"store {args.store}: {len(result)} of {spec.runs} runs stored "
        f"({len(spec.configs)} configs x {len(spec.seeds)} seeds), every block verified"
    )
    return 0
