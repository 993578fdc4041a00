"""Single runs with issue 15's rules: online against batch per pattern-update, and the rest.

Run ``python -m bench.online_vs_batch`` from the repository root. Each figure
is the compiled kernel alone (as ``bench/test_single_run.py`` times it: the
machine code called on a fixed workspace, the parameters reset before each
call), the best of several rounds taken in turns, in nanoseconds per
pattern-update: one row's forward pass, backward pass and share of an update.
A batch epoch over ``n`` rows counts ``n`` of them, as an online epoch makes
``n`` updates. Issue 15 asks online updates to stay within 1.5x of batch.

Also printed, each over the default batch kernel of the same shape: tanh
hidden units, weight decay, and (shapes above ``SMALL_WIDTHS``) the generic
``_train_rules`` kernel running the default rules, which is what its
run-time flags cost.

Measured (Intel Xeon model 207, Emerald Rapids, under KVM: 2 vCPUs shared
with other jobs, so +-20%; ``lscpu`` names no model), ns per pattern-update,
float64: online over batch 2.3-2.7x on the generated shapes (2-2-1 XOR: 19.2
batch, 51.9 online; 2-4-1: 24.4 and 56.1), 2.1-2.4x at 16 hidden units, 3.3-4.1x on
8-4-1 parity8 (256 rows, where batch runs at the arithmetic's throughput);
2.0-2.7x on the generic kernel (2-32-1 XOR: 115 and 230; 8-32-1 parity8: 142
and 286), which was 4-5x while each online row took a slice of ``A1`` (a new
array and two reference-count calls per row, and loops that did not
vectorise). float32 alike (2-2-1: 2.4-2.7x; generic 2.0-2.9x); shuffled 2-10%
above online; tanh 0.95-1.05x and weight decay 0.95-1.1x of the default
kernel; ``_train_rules`` on the default rules 0.94-1.04x of ``_train``.

The 1.5x target is missed, and is out of reach while results stay
bit-identical. A batch epoch's rows are independent, so its cost per row is
the throughput of the arithmetic; each online row needs the update of the
row before, so its cost is the latency of one chain: ``--chain`` measures
each dependent operation (float64: add 2.1, multiply 4.0, FMA 4.0, division
14.3, sigmoid 66.1 cycles at 3.5 GHz; float32: division 10.0, sigmoid 52.4)
and adds up a 2-2-1 row's critical path from the machine code (4 multiplies,
5 FMAs, 1 add, 2 sigmoids): 170 cycles, 90% of the measured row (188 cycles),
and by itself 2.4x a batch row (70 cycles; float32: 142 of 146 cycles, 2.3x).
Within 1.5x would need a row of about 105 cycles, less than its two
sigmoids alone. ``stop`` adds a forward pass over all rows to every epoch
(2-2-1: 55 to 71 ns per row), which no other online run makes.
"""

import argparse
import time

import numba
import numpy as np

from bench.tanh_vs_sigmoid import cpu_name
from xorfast import datasets
from xorfast._compiled import single_run
from xorfast._compiled.jit import FASTMATH_FLAGS
from xorfast._compiled.sigmoid import sigmoid
from xorfast.benchmarks import best_time
from xorfast.params import initial_params

#: (data, hidden): generated shapes, the hidden limit, and generic ones.
SHAPES = [("xor", 2), ("xor", 4), ("xor", 16), ("xor", 32), ("parity8", 4), ("parity8", 32)]


#: What is timed, by name: the rules given to :func:`kernel_call`.
VARIANTS = {
    "batch": {},
    "online": dict(update="online"),
    "shuffled": dict(update="shuffled"),
    "tanh": dict(activation="tanh"),
    "decay": dict(weight_decay=1e-3),
    "rules kernel": dict(generic_rules=True),
}


def kernel_call(data, hidden, epochs, dtype, *, generic_rules=False, **rules):
    """A call of the compiled kernel for these rules; its pattern-updates per call."""
    X, y = (np.ascontiguousarray(a, dtype) for a in datasets.load(data))
    start = initial_params(X.shape[1], hidden, y.shape[1], seed=0, dtype=dtype)
    params = start.astype(dtype)
    online = rules.get("update", "batch") != "batch"
    arguments = single_run.arguments(
        X, y, params, epochs=epochs, lr=0.1, scale=1.0 if online else 1 / X.shape[0],
        mse_output=False,
    )  # fmt: skip
    extra = single_run.rules(X.shape[0], dtype, **rules)
    if generic_rules:  # the generic rules kernel on the default rules: its flags' cost
        extra = single_run.Rules(
            False, np.dtype(dtype).type(0), 0, np.uint64(0), np.arange(X.shape[0])
        )
        kernel = single_run.machine_code(
            single_run._train_rules, single_run.call_arguments(arguments, extra)
        )
    else:
        kernel = single_run.compiled_train(arguments, extra)
    called = single_run.call_arguments(arguments, extra)

    def call():
        for array, initial in zip(params, start):
            array[...] = initial
        kernel(*called)

    return call, epochs * X.shape[0]


def measure(epochs=2000, rounds=5, dtypes=("float64", "float32")):
    """``{(dtype, data, hidden, variant): ns per pattern-update}``."""
    variants = VARIANTS
    results = {}
    for dtype in dtypes:
        for data, hidden in SHAPES:
            rows = datasets.load(data)[0].shape[0]
            calls = {}
            for name, rules in variants.items():
                if name == "rules kernel" and single_run.single_run_unrolled.unrolls(
                    datasets.load(data)[0].shape[1], hidden, 1
                ):
                    continue
                # Calls of about a millisecond: longer ones lose more time slices to other
                # jobs on a shared machine, and online calls take longer than batch ones.
                scaled = epochs if rows < 64 else max(epochs // 64, 10)
                calls[name] = kernel_call(data, hidden, scaled, dtype, **rules)
            best = dict.fromkeys(calls, float("inf"))
            for _ in range(rounds):
                for name, (call, _) in calls.items():
                    best[name] = min(best[name], best_time(call, repeats=3))
            for name, (_, units) in calls.items():
                results[dtype, data, hidden, name] = best[name] / units * 1e9
    return results


_chain = numba.njit(fastmath=set(FASTMATH_FLAGS), error_model="numpy")


@_chain
def _adds(z, c, n):
    for _ in range(n):
        z = z + c
    return z


@_chain
def _multiplies(z, c, n):
    for _ in range(n):
        z = z * c
    return z


@_chain
def _fmas(z, c, n):
    for _ in range(n):
        z = z * c + c
    return z


@_chain
def _divisions(z, c, n):
    for _ in range(n):
        z = c / z
    return z


@_chain
def _sigmoids(z, c, n):
    for _ in range(n):
        z = sigmoid(z)
    return z


#: The critical path of one 2-2-1 online row (cross-entropy, no momentum), from the
#: machine code: from the row's hidden error to the next row's hidden inputs, x * d1,
#: w -= step * (x * d1) (an FMA) and the two FMAs of the sum; the hidden sigmoid;
#: the output's two FMAs; its sigmoid; d2 = p - y; d1 = ((d2 * w2) * a) * (1 - a).
ROW_CHAIN_221 = {"multiply": 4, "fma": 5, "add": 1, "sigmoid": 2}


def latencies(dtype, links=20_000, rounds=300):
    """Latency of each dependent operation in ns, and the clock (GHz) it implies.

    Each is a loop of ``links`` operations, each waiting for the one before; the best
    of ``rounds`` short calls, so that a time slice lost to other jobs on a shared
    machine is not counted. The clock assumes an FMA latency of 4 cycles.
    """
    scalar = np.dtype(dtype).type
    kernels = {
        "add": (_adds, scalar(1), scalar(1e-7)),
        "multiply": (_multiplies, scalar(1), scalar(1.0000001)),
        "fma": (_fmas, scalar(1), scalar(0.5)),
        "division": (_divisions, scalar(1.5), scalar(2)),
        "sigmoid": (_sigmoids, scalar(0.3), scalar(0)),
    }
    result = {}
    for name, (function, start, constant) in kernels.items():
        function(start, constant, links)
        best = float("inf")
        for _ in range(rounds):
            began = time.perf_counter()
            function(start, constant, links)
            best = min(best, time.perf_counter() - began)
        result[name] = best / links * 1e9
    return result, 4 / result["fma"]


def chain_report(rounds=5):
    """Print each operation's latency, and one 2-2-1 XOR online row against its chain."""
    print(f"CPU: {cpu_name()}")
    for dtype in ("float64", "float32"):
        ns, ghz = latencies(dtype)
        cycles = {name: value * ghz for name, value in ns.items()}
        shown = ", ".join(f"{name} {value:.1f}" for name, value in cycles.items())
        print(f"{dtype}: latency in cycles at {ghz:.2f} GHz (FMA = 4): {shown}")
        chain = sum(count * cycles[name] for name, count in ROW_CHAIN_221.items())
        calls = {name: kernel_call("xor", 2, 2000, dtype, **VARIANTS[name]) for name in VARIANTS}
        best = dict.fromkeys(("batch", "online"), float("inf"))
        for _ in range(rounds):
            for name in best:
                call, units = calls[name]
                best[name] = min(best[name], best_time(call, repeats=3) / units * 1e9)
        row = best["online"] * ghz
        print(
            f"  2-2-1 xor online row: {row:.0f} cycles ({best['online']:.1f} ns), its chain "
            f"{chain:.0f} cycles ({chain / row:.0%}); batch {best['batch'] * ghz:.0f} cycles "
            f"per row, so the chain alone is {chain / (best['batch'] * ghz):.2f}x batch"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--chain", action="store_true", help="latencies and the online row's critical path"
    )
    arguments = parser.parse_args()
    if arguments.chain:
        chain_report(arguments.rounds)
        return
    results = measure(arguments.epochs, arguments.rounds)
    print(f"CPU: {cpu_name()}; ns per pattern-update (best of {arguments.rounds} x 3)")
    print(
        "dtype    shape (data)        batch   online  x batch  shuffled  x batch  "
        "tanh x  decay x  rules x"
    )
    for dtype in ("float64", "float32"):
        for data, hidden in SHAPES:
            figures = {name: results.get((dtype, data, hidden, name)) for name in VARIANTS}

            def get(name, figures=figures):
                return figures[name]

            batch = get("batch")
            inputs = datasets.load(data)[0].shape[1]
            shape = f"{inputs}-{hidden}-1 ({data})"
            generic = get("rules kernel")
            rules = f"{generic / batch:7.2f}" if generic else "      -"
            print(
                f"{dtype}  {shape:18} {batch:7.2f}  {get('online'):7.2f}  "
                f"{get('online') / batch:7.2f}  {get('shuffled'):8.2f}  "
                f"{get('shuffled') / batch:7.2f}  {get('tanh') / batch:6.2f}  "
                f"{get('decay') / batch:7.2f}  {rules}"
            )


if __name__ == "__main__":
    main()
