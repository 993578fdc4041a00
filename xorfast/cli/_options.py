"""Command-line options shared by several subcommands."""

from .. import datasets
from ..params import BIAS_INITS, INITS
from ..reference import LOSSES, REDUCTIONS


def add_data_options(parser):
    """``--data``: a named data set."""
    parser.add_argument(
        "--data",
        default="xor",
        metavar="NAME",
        help=f"data set: {datasets.NAMES_SUMMARY} (default: %(default)s)",
    )


def add_training_options(parser, *, grid=False):
    """Hyper-parameter options; with ``grid`` the numeric ones accept several values."""
    many = {"nargs": "+"} if grid else {}
    plural = " (several values form a grid)" if grid else ""
    parser.add_argument(
        "--hidden",
        type=int,
        default=[4] if grid else 4,
        metavar="H",
        **many,
        help=f"hidden units{plural} (default: 4)",
    )
    parser.add_argument(
        "--epochs",
        type=int,
        default=[10_000] if grid else 10_000,
        metavar="N",
        **many,
        help=f"training epochs{plural} (default: 10000)",
    )
    parser.add_argument(
        "--lr",
        type=float,
        default=[0.1] if grid else 0.1,
        metavar="LR",
        **many,
        help=f"learning rate{plural} (default: 0.1)",
    )
    parser.add_argument(
        "--loss",
        choices=LOSSES,
        default="bce",
        help="bce: output error A2 - y; mse: (A2 - y) A2 (1 - A2) (default: %(default)s)",
    )
    parser.add_argument(
        "--reduction",
        choices=REDUCTIONS,
        default="mean",
        help="average or sum the gradient over rows (default: %(default)s)",
    )
    parser.add_argument(
        "--init",
        choices=INITS,
        default="normal",
        help="initial weight distribution (default: %(default)s)",
    )
    parser.add_argument(
        "--init-scale",
        type=float,
        default=[1.0] if grid else 1.0,
        metavar="S",
        **many,
        help=f"std (normal) or half-width (uniform) of the weights{plural} (default: 1.0)",
    )
    parser.add_argument(
        "--bias-init",
        choices=BIAS_INITS,
        default="zeros",
        help="zero biases, or drawn like the weights (default: %(default)s)",
    )
    parser.add_argument(
        "--dtype",
        choices=("float64", "float32"),
        default="float64",
        help="floating-point precision (default: %(default)s)",
    )
