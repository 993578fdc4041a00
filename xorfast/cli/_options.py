"""Command-line options shared by several subcommands."""

from .. import datasets
from ..options import OPTIONS


def add_data_options(parser):
    """``--data``: a named data set."""
    parser.add_argument(
        "--data",
        default="xor",
        metavar="NAME",
        help=f"data set: {datasets.NAMES_SUMMARY} (default: %(default)s)",
    )


def add_training_options(parser, scope):
    """The options ``scope`` ("train" or "sweep") takes, from the table, in its order.

    Each becomes ``--name-with-dashes``; in a sweep a grid axis takes several values.
    """
    for option in OPTIONS.of(scope):
        grid = scope == "sweep" and option.axis is not None
        if option.type is bool:  # a switch
            parser.add_argument(
                option.flag,
                action="store_true",
                default=option.cli_default_value,
                help=option.help.replace("%", "%%"),
            )
            continue
        kinds = {"choices": option.choices} if option.choices else {"type": option.type}
        if option.metavar is not None:
            kinds["metavar"] = option.metavar
        if grid:
            kinds["nargs"] = "+"
        note = " (several values form a grid)" if grid else ""
        parser.add_argument(
            option.flag,
            default=[option.cli_default_value] if grid else option.cli_default_value,
            # argparse expands %-formats in help: a literal % is written %%.
            help=f"{option.help}{note} (default: {option.cli_default_words})".replace("%", "%%"),
            **kinds,
        )
