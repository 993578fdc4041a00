"""``xorfast cache info|clear``: show or empty the folder of compiled kernels."""


def add_parser(subparsers):
    """Attach ``cache`` to the top-level parser."""
    parser = subparsers.add_parser(
        "cache",
        help="show or empty the folder of compiled kernels",
        description="'xorfast cache info' shows the kernel cache folder ($XORFAST_CACHE_DIR/"
        "kernels, else ~/.cache/xorfast/kernels), its files and their size per "
        "kind, and the digest of the kernel sources that names the current ones. "
        "'xorfast cache clear' removes every file in it; always safe, the kernels "
        "are generated and compiled again when next needed.",
    )
    parser.add_argument("action", choices=("info", "clear"), help="what to do")
    parser.set_defaults(run=run)
    return parser


def run(args):
    """Print the folder's contents, or clear it."""
    from .._compiled import cache  # not at import: it loads Numba, which --help does without

    if args.action == "clear":
        files, size = cache.clear()
        print(f"removed {files} files ({cache._size(size)}) from {cache.configured_folder()}")
        return 0
    print("\n".join(cache.info()))
    return 0
