"""Bad sweep arguments get a clear error before any training starts."""

import numpy as np
import pytest

import xorfast
import xorfast.sweeps.sweeper


@pytest.fixture(autouse=True)
def no_training(monkeypatch):
    monkeypatch.setattr(
        xorfast.sweeps.sweeper, "run_block", lambda block: pytest.fail("training started")
    )


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (dict(seeds=[]), ValueError, "seeds is empty"),
        (dict(seeds=0), ValueError, "seeds must be >= 1"),
        (dict(seeds=[1, -2]), ValueError, "seed must be from 0 to"),
        (dict(seeds=[1, 2, 1]), ValueError, r"seeds lists \[1\] more than once"),
        (dict(seeds="12"), TypeError, "seeds must be a count or an iterable"),
        (dict(seeds=[1.5]), TypeError, "seed must be an integer"),
        (dict(hidden=[]), ValueError, "hidden is an empty sequence"),
        (dict(lr=()), ValueError, "lr is an empty sequence"),
        (dict(epochs=[]), ValueError, "epochs is an empty sequence"),
        (dict(init_scale=[]), ValueError, "init_scale is an empty sequence"),
        (dict(hidden=[2, 2]), ValueError, "hidden lists a value twice"),
        (dict(hidden=[2, 0]), ValueError, "hidden must be from 1 to 65536"),
        (dict(lr=[0.1, np.nan]), ValueError, "lr must be finite"),
        (dict(lr=[0.1, np.inf]), ValueError, "lr must be finite"),
        (dict(lr=0), ValueError, "lr must be > 0"),
        (dict(lr=-1), ValueError, "lr must be > 0"),
        (dict(tol=0), ValueError, "tol must be > 0"),
        (dict(tol=-0.1), ValueError, "tol must be > 0"),
        (dict(epochs=[10, -1]), ValueError, "epochs must be from 0 to 2147483646"),
        (dict(epochs=2**31), ValueError, "epochs must be from 0 to 2147483646"),
        (dict(loss="l2"), ValueError, "loss must be one of"),
        (dict(dtype="float16"), ValueError, "dtype must be"),
        (dict(block_size=0), ValueError, "block_size must be >= 1"),
        (dict(progress="yes"), TypeError, "progress must be True, False or None"),
        (dict(executor=object()), TypeError, "executor must be a concurrent.futures.Executor"),
        (dict(X=[[0, 1]], y=[[0], [1]]), ValueError, "X has 1 rows but y has 2"),
        # Sizes that cannot fit are refused with the limit, before allocating anything.
        (dict(hidden=10**7), ValueError, "hidden must be from 1 to 65536"),
        (
            dict(seeds=10**10),
            ValueError,
            "a table of 10,000,000,000 runs needs about 1.2 TiB .* run at most 32,292,987 runs",
        ),
        (
            dict(seeds=10**6, hidden=list(range(1, 101))),
            ValueError,
            "a table of 100,000,000 runs needs about .* more than the limit of 4.0 GiB",
        ),
        (
            dict(X=np.ones((1024, 10)), y=np.ones(1024), hidden=2**16),
            ValueError,
            r"a sweep of 10-65536-1 networks on 1024 rows \(\d+ threads\) needs about .* GiB",
        ),
    ],
)
def test_bad_sweep_input_is_refused(kwargs, error, message):
    with pytest.raises(error, match=message):
        xorfast.sweep(**{"progress": False, **kwargs})
