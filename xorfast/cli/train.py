"""``xorfast train``: one run, with its loss log, predictions and time."""

import numpy as np

from .. import datasets
from ..options import OPTIONS
from ..sweeps.results import short_number
from . import plot
from ._options import add_data_options, add_training_options


def add_parser(subparsers):
    """Attach ``train`` to the top-level parser."""
    parser = subparsers.add_parser(
        "train",
        help="train one network and print its loss log and predictions",
        description="Train one network. 'xorfast train --seed 42 --loss mse --reduction sum' "
        "reproduces the XOR notebook's loss table and predictions.",
    )
    add_data_options(parser)
    add_training_options(parser, "train")
    parser.add_argument(
        "--plot",
        metavar="FILE",
        help="save the loss curve and (for 2-input data) the decision boundary "
        "as an image, e.g. out.png (needs pip install 'xorfast[plot]')",
    )
    parser.set_defaults(run=run)
    return parser


def run(args):
    """Train and print."""
    from ..trainer import train  # not at import: it loads Numba, which --help does without

    X, y = datasets.load(args.data)
    # Checked here too, since the defaults and the plot's log interval are
    # computed from them before train sees them.
    OPTIONS.epochs.check(args.epochs, name="--epochs")
    if args.log_every is not None:
        OPTIONS.log_every.check(args.log_every, name="--log-every")
    log_every = args.log_every
    if log_every is None:
        log_every = max(args.epochs // 10, 1) if args.epochs > 0 else 0
    record_every = log_every
    if args.plot:
        plot.check_output(args.plot, "--plot")
        record_every = plot.plot_log_every(args.epochs, log_every)
    result = train(X, y, **{**OPTIONS.pick("train", vars(args)), "log_every": record_every})
    config = result.config
    print(_headline(X, y, args.data, config, result.seed))
    for epoch, mse in zip(result.history.epoch, result.history.mse):
        if log_every and epoch % log_every == 0:
            print(f"Epoch {epoch}, Loss: {mse:.4f}")
    if result.epoch_stopped >= 0:  # the forward pass the run stopped at
        print(f"Epoch {result.epoch_stopped}, Loss: {result.final_mse:.4f} (stopped)")
    print()
    print(format_predictions(X, y, result.predictions))
    verdict = "diverged" if result.diverged else ("solved" if result.solved else "not solved")
    if result.margin != OPTIONS.margin.default:
        verdict += f" (margin {short_number(result.margin)})"
    print(f"\n{verdict}: max error {result.max_error:.3f}, final MSE {result.final_mse:.5f}")
    print(f"{_trained(result)} in {_duration(result.seconds)} ({config['backend']} backend)")
    if args.plot:
        plot.save_training_figure(args.plot, result, X, args.data)
    return 0


def _trained(result):
    """How many epochs the run trained, and why it stopped there, when it has a ``stop``."""
    stop, budget = result.config["stop"], result.config["epochs"]
    if stop is None:
        return "trained"
    tol = short_number(result.config["tol"])
    if result.epoch_stopped < 0:
        rule = "not solved" if stop == "solved" else f"MSE not below {tol}"
        return f"{rule} by epoch {budget}: trained all {budget} epochs"
    rule = "solved" if stop == "solved" else f"MSE below {tol}"
    return f"{rule} at epoch {result.epoch_stopped}: trained {result.updates} of {budget} epochs"


def _headline(X, y, data, config, seed):
    """The run's shape and rules; each rule beyond lr and loss only where not the default."""
    rules = [f"lr {short_number(config['lr'])}", f"loss {config['loss']} ({config['reduction']})"]
    if config["activation"] != OPTIONS.activation.default:
        rules.append(f"{config['activation']} hidden units")
    if config["update"] != OPTIONS.update.default:
        rules.append(f"{config['update']} updates")
    if config["weight_decay"]:
        rules.append(f"weight decay {short_number(config['weight_decay'])}")
    if config["momentum"]:
        rules.append(f"momentum {short_number(config['momentum'])}")
    if config["derivative_offset"]:
        rules.append(f"derivative offset {short_number(config['derivative_offset'])}")
    margin = config["margin"]
    solved = (
        ""
        if margin == OPTIONS.margin.default
        else f"; solved = every output within {short_number(margin)} of its target"
    )
    if config["stop"] == "solved":
        budget = f"up to {config['epochs']} epochs (stop when solved)"
    elif config["stop"] == "tol":
        tol = short_number(config["tol"])
        budget = f"up to {config['epochs']} epochs (stop at MSE below {tol})"
    else:
        budget = f"{config['epochs']} epochs"
    return (
        f"{X.shape[1]}-{config['hidden']}-{y.shape[1]} network on {data}: "
        f"{budget}, {', '.join(rules)}, {config['dtype']}, seed {seed}{solved}"
    )


def format_predictions(X, y, predictions):
    """An aligned table of inputs, targets and outputs rounded to 3 decimals."""
    inputs = [" ".join(f"{v:g}" for v in row) for row in X]
    targets = [" ".join(f"{v:g}" for v in row) for row in y]
    outputs = [" ".join(f"{v:.3f}" for v in row) for row in np.asarray(predictions)]
    columns = [("input", inputs), ("target", targets), ("output", outputs)]
    widths = [max(len(title), *(len(cell) for cell in cells)) for title, cells in columns]
    lines = ["  ".join(title.ljust(w) for (title, _), w in zip(columns, widths)).rstrip()]
    for row in zip(*(cells for _, cells in columns)):
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
    return "\n".join(lines)


def _duration(seconds):
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"
