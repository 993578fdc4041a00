"""``xorfast bench``: time xorfast against the NumPy reference (and JAX or PyTorch, if present).

Every number is the minimum over repeats of a wall-clock measurement taken
after a warm-up call (so compilation is not counted), and every speed-up is a
ratio of times per (seed-)epoch measured in the same process. JAX and PyTorch
are never dependencies: when importable they join as clearly labelled peers
running the same network, update and learning rate.
"""

import time
from dataclasses import asdict, dataclass

import numpy as np

from . import datasets
from .sweeper import sweep
from .trainer import train

EPOCHS = 10_000
SWEEP_SEEDS = 1_000
LOOP_SEEDS = 50
PEER_EPOCHS = 1_000  # peers are slower; fewer epochs keep the command short


@dataclass
class Row:
    """One measurement."""

    case: str
    contender: str
    seconds: float
    epochs: int        # epochs per run
    runs: int          # runs (seeds) per call
    speedup: float     # over the NumPy reference, per (seed-)epoch

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


def _single_cases():
    return [("single 2-4-1 xor", "xor", 4), ("single 2-16-1 xor", "xor", 16),
            ("single 3-8-1 parity3", "parity3", 8)]


def run_all(*, peers=True, progress=print):
    """Measure every case; returns a list of :class:`Row`.

    xorfast is measured first, the NumPy reference and the peers after: their
    BLAS and thread pools keep spinning for a while after use and would steal
    the cores from whatever runs next.
    """
    timed = {}  # (case, contender) -> (seconds, epochs, runs)
    for case, data, hidden in _single_cases():
        X, y = datasets.load(data)
        progress(f"measuring {case} ...")
        for dtype in ("float64", "float32") if hidden == 4 else ("float64",):
            timed[case, f"xorfast {dtype}"] = (best_time(
                lambda X=X, y=y, hidden=hidden, dtype=dtype: train(
                    X, y, hidden=hidden, seed=0, epochs=EPOCHS, dtype=dtype), repeats=7),
                EPOCHS, 1)
    sweep_case = f"sweep 2-4-1 xor, {SWEEP_SEEDS:,} seeds"
    progress(f"measuring {sweep_case} ...")
    timed[sweep_case, "loop of xorfast.train"] = (best_time(
        lambda: [train(seed=s, epochs=EPOCHS) for s in range(LOOP_SEEDS)], repeats=3),
        EPOCHS, LOOP_SEEDS)
    for dtype in ("float64", "float32"):
        timed[sweep_case, f"xorfast.sweep {dtype}"] = (best_time(
            lambda dtype=dtype: sweep(seeds=SWEEP_SEEDS, epochs=EPOCHS, dtype=dtype,
                                      progress=False)), EPOCHS, SWEEP_SEEDS)

    reference_ns = {}
    for case, data, hidden in _single_cases():
        X, y = datasets.load(data)
        progress(f"measuring {case} with the NumPy reference ...")
        seconds = best_time(lambda X=X, y=y, hidden=hidden: train(
            X, y, hidden=hidden, seed=0, epochs=EPOCHS, backend="numpy"), repeats=2)
        timed[case, "NumPy reference"] = (seconds, EPOCHS, 1)
        reference_ns[case] = seconds / EPOCHS
    reference_ns[sweep_case] = reference_ns["single 2-4-1 xor"]
    if peers:
        for measure, case in ((_jax_single, "single 2-4-1 xor"), (_jax_sweep, sweep_case),
                              (_torch_sweep, sweep_case)):
            found = measure(progress)
            if found:
                timed[case, found[0]] = found[1:]

    order = {case: i for i, case in enumerate([c for c, _, _ in _single_cases()] + [sweep_case])}
    rows = []
    for (case, contender), (seconds, epochs, runs) in timed.items():
        speedup = reference_ns[case] * epochs * runs / seconds
        rows.append(Row(case, contender, seconds, epochs, runs, speedup))
    rank = ["NumPy reference", "loop of xorfast.train"]
    rows.sort(key=lambda r: (order[r.case], r.contender not in rank,
                             r.contender.startswith("peer")))
    return rows


def _xor_start(seeds):
    """Initial weights of ``seeds`` as xorfast draws them, stacked: (S, 2, 4), (S, 4, 1)."""
    W1, W2 = [], []
    for seed in seeds:
        rng = np.random.RandomState(seed)
        W1.append(rng.randn(2, 4))
        W2.append(rng.randn(4, 1))
    return np.array(W1), np.array(W2)


def _jax_epoch(jax, X, y):
    """One epoch of the 2-4-1 XOR update (cross-entropy error, mean, lr 0.1) in JAX."""
    def step(_, params):
        W1, b1, W2, b2 = params
        A1 = jax.nn.sigmoid(X @ W1 + b1)
        A2 = jax.nn.sigmoid(A1 @ W2 + b2)
        D2 = (A2 - y) / X.shape[0]
        D1 = (D2 @ W2.T) * A1 * (1 - A1)
        return (W1 - 0.1 * X.T @ D1, b1 - 0.1 * D1.sum(0), W2 - 0.1 * A1.T @ D2,
                b2 - 0.1 * D2.sum(0))
    return step


def _jax_xor():
    """JAX in float64 and the XOR data as JAX arrays, or None without JAX."""
    try:
        import jax
    except ImportError:
        return None
    jax.config.update("jax_enable_x64", True)
    return jax, *(jax.numpy.asarray(a) for a in datasets.xor())


def _jax_single(progress):
    found = _jax_xor()
    if found is None:
        return None
    jax, X, y = found
    jnp = jax.numpy
    progress("measuring single 2-4-1 xor with JAX ...")
    W1, W2 = (jnp.asarray(a[0]) for a in _xor_start([0]))
    params = (W1, jnp.zeros(4), W2, jnp.zeros(1))
    step = _jax_epoch(jax, X, y)
    run = jax.jit(lambda p: jax.lax.fori_loop(0, EPOCHS, step, p))
    seconds = best_time(lambda: jax.block_until_ready(run(params)))
    return "peer: JAX jit + fori_loop float64", seconds, EPOCHS, 1


def _jax_sweep(progress):
    found = _jax_xor()
    if found is None:
        return None
    jax, X, y = found
    jnp = jax.numpy
    progress("measuring the sweep with JAX ...")
    W1, W2 = (jnp.asarray(a) for a in _xor_start(range(SWEEP_SEEDS)))
    params = (W1, jnp.zeros((SWEEP_SEEDS, 4)), W2, jnp.zeros((SWEEP_SEEDS, 1)))

    step = _jax_epoch(jax, X, y)

    def train_one(W1, b1, W2, b2):
        return jax.lax.fori_loop(0, PEER_EPOCHS, step, (W1, b1, W2, b2))

    run = jax.jit(jax.vmap(train_one))
    seconds = best_time(lambda: jax.block_until_ready(run(*params)), repeats=2)
    return "peer: JAX jit(vmap) float64", seconds, PEER_EPOCHS, SWEEP_SEEDS


def _torch_sweep(progress):
    try:
        import torch
    except ImportError:
        return None
    progress("measuring the sweep with PyTorch ...")
    X, y = (torch.from_numpy(a) for a in datasets.xor())
    X = X.expand(SWEEP_SEEDS, 4, 2)
    y = y.expand(SWEEP_SEEDS, 4, 1)
    start = [torch.from_numpy(a) for a in _xor_start(range(SWEEP_SEEDS))]

    def run():
        W1, W2 = (a.clone() for a in start)
        b1 = torch.zeros(SWEEP_SEEDS, 1, 4, dtype=torch.float64)
        b2 = torch.zeros(SWEEP_SEEDS, 1, 1, dtype=torch.float64)
        with torch.no_grad():
            for _ in range(PEER_EPOCHS):
                A1 = torch.sigmoid(torch.bmm(X, W1) + b1)
                A2 = torch.sigmoid(torch.bmm(A1, W2) + b2)
                D2 = (A2 - y) / 4
                D1 = torch.bmm(D2, W2.transpose(1, 2)) * A1 * (1 - A1)
                W2 -= 0.1 * torch.bmm(A1.transpose(1, 2), D2)
                b2 -= 0.1 * D2.sum(1, keepdim=True)
                W1 -= 0.1 * torch.bmm(X.transpose(1, 2), D1)
                b1 -= 0.1 * D1.sum(1, keepdim=True)

    seconds = best_time(run, repeats=2)
    return "peer: PyTorch bmm float64", seconds, PEER_EPOCHS, SWEEP_SEEDS


def format_table(rows):
    """An aligned text table of ``rows``."""
    header = ("case", "contender", "time", "ns/epoch", "speed-up")
    cells = [(r.case, r.contender, _seconds(r.seconds), f"{r.ns_per_epoch:,.1f}",
              f"{r.speedup:,.0f}x") for r in rows]
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


def _seconds(value):
    return f"{value * 1e3:,.2f} ms" if value < 10 else f"{value:,.1f} s"
