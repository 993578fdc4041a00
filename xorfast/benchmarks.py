"""``xorfast bench``: time xorfast against the NumPy reference (and JAX or PyTorch, if present).

Every number is the minimum over repeats of a wall-clock measurement taken
after a warm-up call (so compilation is not counted), and every speed-up is a
ratio of times per (seed-)epoch measured in the same process. JAX and PyTorch
are never dependencies: when importable they join as clearly labelled peers
running the same network, update and learning rate.
"""

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np

from . import datasets
from .sweeps.results import SOLVED_ERROR
from .sweeps.sweeper import sweep
from .trainer import train

# The sizes ``xorfast bench`` uses; :func:`cases` reads them when called, so a
# caller (bench/, or a test) may pass others or patch these.
EPOCHS = 10_000
SWEEP_SEEDS = 1_000
LOOP_SEEDS = 50
PEER_EPOCHS = 1_000  # peers are slower; fewer epochs keep the command short
# Early stop (issue 13's workload): XOR for EPOCHS epochs at this learning rate,
# STOP_SEEDS seeds for each hidden width, stop="solved" against the fixed budget.
STOP_SEEDS = 2_048
STOP_HIDDEN = (2, 4, 8)
STOP_LR = 0.5


@dataclass(frozen=True, eq=False)
class Entry:
    """One thing to time: a label, a zero-argument callable and the work one call does.

    Entries compare by identity, so a baseline shared by two cases is measured once.
    ``repeats`` is how many timed calls ``xorfast bench`` takes the minimum of;
    ``rounds`` how many pytest-benchmark takes in ``bench/``. ``target`` is the
    speed-up over the case's baseline this entry aims for: reported, never enforced.
    """

    name: str
    function: Callable[[], object]
    epochs: int  # epochs per run
    runs: int = 1  # runs (seeds) per call
    repeats: int = 3
    rounds: int = 5
    target: float | None = None

    @property
    def units(self):
        """Units of work per call: epochs times runs (seed-epochs for sweeps)."""
        return self.epochs * self.runs


@dataclass(frozen=True)
class Case:
    """A baseline and the contenders timed against it, per unit of work, in the same run.

    ``peers`` are zero-argument callables returning an :class:`Entry`, or None
    when their library (JAX, PyTorch) is not installed; they are never imported
    unless asked for.
    """

    name: str
    kind: str  # "single", "sweep" or "stop" (the baseline is xorfast's fixed budget)
    baseline: Entry
    contenders: tuple
    peers: tuple = ()


def _single(data, hidden, epochs, **options):
    X, y = datasets.load(data)
    return lambda: train(X, y, hidden=hidden, seed=0, epochs=epochs, **options)


def cases(*, epochs=None, sweep_seeds=None, loop_seeds=None, peer_epochs=None, stop_seeds=None):
    """Every benchmark case, shared by ``xorfast bench`` and ``bench/``.

    Sizes default to the module's constants; ``sweep_seeds`` is a sequence
    (one sweep case per entry). The sweep cases share the baseline of
    "single 2-4-1 xor" (the NumPy reference), so their speed-ups are per
    seed-epoch over the same reference. The last case, early stop, is its
    own baseline: ``stop="solved"`` against the same sweep with the fixed
    budget (both counted as the full budget of seed-epochs, so the speed-up
    is the ratio of their times), with a JAX peer that stops at solved.
    """
    epochs = EPOCHS if epochs is None else epochs
    sweep_seeds = (SWEEP_SEEDS,) if sweep_seeds is None else tuple(sweep_seeds)
    loop_seeds = LOOP_SEEDS if loop_seeds is None else loop_seeds
    peer_epochs = PEER_EPOCHS if peer_epochs is None else peer_epochs
    stop_seeds = STOP_SEEDS if stop_seeds is None else stop_seeds
    found = []
    # (case, data set, hidden width, dtypes, target speed-up of float64)
    for name, data, hidden, dtypes, target in [
        ("single 2-4-1 xor", "xor", 4, ("float64", "float32"), 800),
        ("single 2-16-1 xor", "xor", 16, ("float64",), None),
        ("single 3-8-1 parity3", "parity3", 8, ("float64",), None),
    ]:
        reference = Entry(
            "NumPy reference",
            _single(data, hidden, epochs, backend="numpy"),
            epochs,
            repeats=2,
            rounds=5,
        )
        contenders = tuple(
            Entry(
                f"xorfast {dtype}",
                _single(data, hidden, epochs, dtype=dtype),
                epochs,
                repeats=7,
                rounds=20,
                target=target if dtype == "float64" else None,
            )
            for dtype in dtypes
        )
        peers = (lambda: _jax_single(epochs),) if name == "single 2-4-1 xor" else ()
        found.append(Case(name, "single", reference, contenders, peers))
    xor_reference = found[0].baseline
    for seeds in sweep_seeds:
        loop = Entry(
            "loop of xorfast.train",
            lambda: [train(seed=s, epochs=epochs) for s in range(loop_seeds)],
            epochs,
            loop_seeds,
            repeats=3,
            rounds=1,
        )
        # Targets: 10 and 5 ns per seed-epoch against the reference's ~24 us per
        # epoch on the project's machine, written as ratios.
        batched = tuple(
            Entry(
                f"xorfast.sweep {dtype}",
                lambda seeds=seeds, dtype=dtype: sweep(
                    seeds=seeds, epochs=epochs, dtype=dtype, progress=False
                ),
                epochs,
                seeds,
                repeats=3,
                rounds=3,
                target=target,
            )
            for dtype, target in (("float64", 2_400), ("float32", 4_800))
        )
        peers = (
            lambda seeds=seeds: _jax_sweep(seeds, peer_epochs),
            lambda seeds=seeds: _torch_sweep(seeds, peer_epochs),
        )
        found.append(
            Case(
                f"sweep 2-4-1 xor, {seeds:,} seeds",
                "sweep",
                xor_reference,
                (loop, *batched),
                peers,
            )
        )
    found.append(_stop_case(epochs, stop_seeds))
    return found


def _stop_case(epochs, seeds):
    """Issue 13's early-stop sweep: ``stop="solved"`` against the fixed budget, same run."""
    hidden = list(STOP_HIDDEN)
    runs = len(hidden) * seeds

    def run(stop):
        return lambda: sweep(
            seeds=seeds, hidden=hidden, lr=STOP_LR, epochs=epochs, stop=stop, progress=False
        )

    widths = ",".join(map(str, hidden))
    return Case(
        f"early stop, 2-{{{widths}}}-1 xor",
        "stop",
        Entry("fixed budget", run(None), epochs, runs, repeats=2, rounds=3),
        (Entry('stop="solved"', run("solved"), epochs, runs, repeats=3, rounds=3, target=5.0),),
        (lambda: _jax_stop_sweep(hidden, seeds, epochs, STOP_LR),),
    )


@dataclass
class Row:
    """One measurement."""

    case: str
    contender: str
    seconds: float
    epochs: int  # epochs per run
    runs: int  # runs (seeds) per call
    speedup: float  # over the case's baseline (NumPy reference; early stop: fixed budget)

    @property
    def ns_per_epoch(self):
        """Nanoseconds per epoch of one run (per seed-epoch for sweeps)."""
        return self.seconds / (self.epochs * self.runs) * 1e9


def best_time(function, *, repeats=3):
    """Minimum wall time of ``function()`` over ``repeats`` calls after one warm-up call."""
    function()
    best = float("inf")
    for _ in range(repeats):
        began = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - began)
    return best


def speedup(baseline_seconds, baseline, seconds, entry):
    """``entry``'s speed-up over ``baseline``, per unit of work (epoch or seed-epoch)."""
    return baseline_seconds / baseline.units * entry.units / seconds


def run_all(*, peers=True, progress=print):
    """Measure every case of :func:`cases`; returns a list of :class:`Row`.

    xorfast is measured first, the NumPy reference and the peers after: their
    BLAS and thread pools keep spinning for a while after use and would steal
    the cores from whatever runs next. The early-stop case's baseline is
    xorfast too, measured right before its contender. A baseline's row is
    shown in the first case that uses it.
    """
    chosen = cases()
    timed = {}  # Entry -> seconds
    for case in chosen:
        progress(f"measuring {case.name} ...")
        own = (case.baseline,) if case.kind == "stop" else ()
        for entry in (*own, *case.contenders):
            timed[entry] = best_time(entry.function, repeats=entry.repeats)
    for case in chosen:
        if case.baseline not in timed:
            progress(f"measuring {case.name} with the {case.baseline.name} ...")
            timed[case.baseline] = best_time(case.baseline.function, repeats=case.baseline.repeats)
    joined = {}  # case name -> peer entries found
    if peers:
        for case in chosen:
            joined[case.name] = [entry for make in case.peers if (entry := make()) is not None]
            for entry in joined[case.name]:
                progress(f"measuring {case.name} with {entry.name} ...")
                timed[entry] = best_time(entry.function, repeats=entry.repeats)
    rows, shown = [], set()
    for case in chosen:
        entries = [] if case.baseline in shown else [case.baseline]
        shown.add(case.baseline)
        for entry in entries + list(case.contenders) + joined.get(case.name, []):
            rows.append(
                Row(
                    case.name,
                    entry.name,
                    timed[entry],
                    entry.epochs,
                    entry.runs,
                    speedup(timed[case.baseline], case.baseline, timed[entry], entry),
                )
            )
    return rows


def _xor_start(seeds, hidden=4):
    """Initial weights of ``seeds`` as xorfast draws them, stacked: (S, 2, H), (S, H, 1)."""
    W1, W2 = [], []
    for seed in seeds:
        rng = np.random.RandomState(seed)
        W1.append(rng.randn(2, hidden))
        W2.append(rng.randn(hidden, 1))
    return np.array(W1), np.array(W2)


def _jax_epoch(jax, X, y, lr=0.1):
    """One epoch of the 2-H-1 XOR update (cross-entropy error, mean, ``lr``) in JAX."""

    def step(_, params):
        W1, b1, W2, b2 = params
        A1 = jax.nn.sigmoid(X @ W1 + b1)
        A2 = jax.nn.sigmoid(A1 @ W2 + b2)
        D2 = (A2 - y) / X.shape[0]
        D1 = (D2 @ W2.T) * A1 * (1 - A1)
        return (
            W1 - lr * X.T @ D1,
            b1 - lr * D1.sum(0),
            W2 - lr * A1.T @ D2,
            b2 - lr * D2.sum(0),
        )

    return step


def _jax_xor():
    """JAX in float64 and the XOR data as JAX arrays, or None without JAX."""
    try:
        import jax
    except ImportError:
        return None
    jax.config.update("jax_enable_x64", True)
    return jax, *(jax.numpy.asarray(a) for a in datasets.xor())


def _jax_single(epochs):
    """The 2-4-1 XOR single run in JAX (jit + fori_loop), or None without JAX."""
    found = _jax_xor()
    if found is None:
        return None
    jax, X, y = found
    jnp = jax.numpy
    W1, W2 = (jnp.asarray(a[0]) for a in _xor_start([0]))
    params = (W1, jnp.zeros(4), W2, jnp.zeros(1))
    step = _jax_epoch(jax, X, y)
    run = jax.jit(lambda p: jax.lax.fori_loop(0, epochs, step, p))
    return Entry(
        "peer: JAX jit + fori_loop float64", lambda: jax.block_until_ready(run(params)), epochs
    )


def _jax_sweep(seeds, epochs):
    """A sweep of 2-4-1 XOR over ``seeds`` seeds in JAX (jit of vmap), or None without JAX."""
    found = _jax_xor()
    if found is None:
        return None
    jax, X, y = found
    jnp = jax.numpy
    W1, W2 = (jnp.asarray(a) for a in _xor_start(range(seeds)))
    params = (W1, jnp.zeros((seeds, 4)), W2, jnp.zeros((seeds, 1)))

    step = _jax_epoch(jax, X, y)

    def train_one(W1, b1, W2, b2):
        return jax.lax.fori_loop(0, epochs, step, (W1, b1, W2, b2))

    run = jax.jit(jax.vmap(train_one))
    return Entry(
        "peer: JAX jit(vmap) float64",
        lambda: jax.block_until_ready(run(*params)),
        epochs,
        seeds,
        repeats=2,
        rounds=3,
    )


def _jax_stop_sweep(hidden, seeds, epochs, lr, margin=SOLVED_ERROR):
    """The early-stop sweep in JAX (jit of vmap of ``while_loop``), or None without JAX.

    Each run of ``seeds`` seeds per width in ``hidden`` loops while it is not
    solved (every output within ``margin`` of its target, before the epoch's
    update, as :func:`xorfast.reference.epoch_solved` checks) and has epochs
    left. Under ``vmap`` the loop runs until the slowest member of the batch
    is done, the others' updates masked out. A call returns, per width, the
    epoch each run solved at (-1 if never) and its parameters.
    """
    found = _jax_xor()
    if found is None:
        return None
    jax, X, y = found
    jnp = jax.numpy
    step = _jax_epoch(jax, X, y, lr)

    def solved(params):
        W1, b1, W2, b2 = params
        A2 = jax.nn.sigmoid(jax.nn.sigmoid(X @ W1 + b1) @ W2 + b2)
        return jnp.max(jnp.abs(A2 - y)) < margin

    def train_one(W1, b1, W2, b2):
        def going(state):
            epoch, params = state
            return (epoch < epochs) & ~solved(params)

        def body(state):
            epoch, params = state
            return epoch + 1, step(epoch, params)

        epoch, params = jax.lax.while_loop(going, body, (0, (W1, b1, W2, b2)))
        return jnp.where(solved(params), epoch, -1), params

    run = jax.jit(jax.vmap(train_one))
    starts = []
    for width in hidden:
        W1, W2 = (jnp.asarray(a) for a in _xor_start(range(seeds), width))
        starts.append((W1, jnp.zeros((seeds, width)), W2, jnp.zeros((seeds, 1))))
    return Entry(
        "peer: JAX vmap(while) float64",
        lambda: [jax.block_until_ready(run(*start)) for start in starts],
        epochs,
        len(hidden) * seeds,
        repeats=1,  # tens of seconds a call: the batch runs as long as its slowest run
        rounds=1,
    )


def _torch_sweep(seeds, epochs):
    """A sweep of 2-4-1 XOR over ``seeds`` seeds in PyTorch (bmm), or None without it."""
    try:
        import torch
    except ImportError:
        return None
    X, y = (torch.from_numpy(a) for a in datasets.xor())
    X = X.expand(seeds, 4, 2)
    y = y.expand(seeds, 4, 1)
    start = [torch.from_numpy(a) for a in _xor_start(range(seeds))]

    def run():
        W1, W2 = (a.clone() for a in start)
        b1 = torch.zeros(seeds, 1, 4, dtype=torch.float64)
        b2 = torch.zeros(seeds, 1, 1, dtype=torch.float64)
        with torch.no_grad():
            for _ in range(epochs):
                A1 = torch.sigmoid(torch.bmm(X, W1) + b1)
                A2 = torch.sigmoid(torch.bmm(A1, W2) + b2)
                D2 = (A2 - y) / 4
                D1 = torch.bmm(D2, W2.transpose(1, 2)) * A1 * (1 - A1)
                W2 -= 0.1 * torch.bmm(A1.transpose(1, 2), D2)
                b2 -= 0.1 * D2.sum(1, keepdim=True)
                W1 -= 0.1 * torch.bmm(X.transpose(1, 2), D1)
                b1 -= 0.1 * D1.sum(1, keepdim=True)

    return Entry("peer: PyTorch bmm float64", run, epochs, seeds, repeats=2, rounds=3)


def format_table(rows):
    """An aligned text table of ``rows``."""
    header = ("case", "contender", "time", "ns/epoch", "speed-up")
    cells = [
        (r.case, r.contender, _seconds(r.seconds), f"{r.ns_per_epoch:,.1f}", _ratio(r.speedup))
        for r in rows
    ]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(header)]
    align = (str.ljust, str.ljust, str.rjust, str.rjust, str.rjust)
    lines = ["  ".join(a(h, w) for a, h, w in zip(align, header, widths))]
    lines.append("  ".join("-" * w for w in widths))
    previous = None
    for row, cell in zip(rows, cells):
        shown = list(cell)
        if row.case == previous:
            shown[0] = ""
        previous = row.case
        lines.append("  ".join(a(c, w) for a, c, w in zip(align, shown, widths)).rstrip())
    return "\n".join(lines)


def to_records(rows):
    """Rows as JSON-ready dictionaries (with ``ns_per_epoch``)."""
    return [{**asdict(row), "ns_per_epoch": row.ns_per_epoch} for row in rows]


def _ratio(speedup):
    # A peer slower than the baseline is a fraction, not "0x".
    return f"{speedup:.2g}x" if speedup < 1 else f"{speedup:,.0f}x"


def _seconds(value):
    return f"{value * 1e3:,.2f} ms" if value < 10 else f"{value:,.1f} s"
