"""The single-run kernels' arguments are built in one place, in the kernels' own order."""

import inspect

import numpy as np
import pytest

from xorfast import datasets
from xorfast._compiled import single_run, single_run_unrolled
from xorfast.params import initial_params


def _parameters(kernel):
    return tuple(inspect.signature(getattr(kernel, "py_func", kernel)).parameters)


def test_the_fields_are_the_parameters_of_every_single_run_kernel():
    assert single_run.Arguments._fields == _parameters(single_run._train)
    assert single_run.Arguments._fields == _parameters(single_run._train_momentum)
    assert single_run.Arguments._fields == _parameters(single_run._train_stop)
    assert single_run.Arguments._fields == _parameters(single_run._train_momentum_stop)
    for momentum in (False, True):
        for stop in (False, True):
            generated = single_run_unrolled.train_kernel(2, 2, 1, momentum=momentum, stop=stop)
            assert single_run.Arguments._fields == _parameters(generated)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize(("epochs", "log_every", "logged"), [(10, 0, 0), (10, 3, 4), (9, 3, 3)])
def test_arguments_of_one_run(dtype, epochs, log_every, logged):
    X, y = (a.astype(dtype) for a in datasets.xor())
    params = initial_params(2, 3, 1, seed=0, dtype=dtype)
    arguments = single_run.arguments(
        X, y, params, epochs=epochs, lr=0.5, scale=0.25, mse_output=True, log_every=log_every
    )
    assert arguments.X is X and arguments.y is y and arguments.params is params
    assert (arguments.inputs, arguments.hidden, arguments.outputs) == (2, 3, 1)
    assert (arguments.epochs, arguments.log_every, arguments.mse_output) == (
        epochs,
        log_every,
        True,
    )
    for scalar, value in [(arguments.lr, 0.5), (arguments.scale, 0.25)]:
        assert type(scalar) is np.dtype(dtype).type and scalar == value
    assert arguments.mse_log.shape == (logged,) and arguments.mse_log.dtype == dtype
    assert arguments.work.A1.shape == (4, 3) and arguments.work.A2.shape == (4, 1)
    assert arguments.work.Z1.dtype == dtype


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_the_rules_arguments_and_the_kernel_they_pick(dtype, momentum):
    X, y = (a.astype(dtype) for a in datasets.xor())
    params = initial_params(2, 3, 1, seed=0, dtype=dtype)
    arguments = single_run.arguments(
        X,
        y,
        params,
        epochs=10,
        lr=0.5,
        scale=0.25,
        mse_output=True,
        momentum=momentum,
        derivative_offset=0.1,
    )
    for scalar, value in [(arguments.momentum, momentum), (arguments.derivative_offset, 0.1)]:
        assert type(scalar) is np.dtype(dtype).type and scalar == np.dtype(dtype).type(value)
    assert len(arguments.velocities) == 4
    for velocity, array in zip(arguments.velocities, params):
        assert velocity.dtype == dtype and velocity.ndim == array.ndim
        # Zeros to start the heavy ball; without momentum nothing reads them.
        assert velocity.shape == (array.shape if momentum else (0,) * array.ndim)
        assert not velocity.any()
    heavy = momentum != 0
    assert single_run.kernel_for(arguments, unrolled=False) is (
        single_run._train_momentum if heavy else single_run._train
    )
    assert single_run.kernel_for(arguments) is single_run_unrolled.train_kernel(
        2, 3, 1, momentum=heavy
    )
    wide = single_run.arguments(
        X,
        y,
        initial_params(2, 17, 1, seed=0, dtype=dtype),
        epochs=10,
        lr=0.5,
        scale=0.25,
        mse_output=True,
        momentum=momentum,
    )
    assert single_run.kernel_for(wide) is (
        single_run._train_momentum if heavy else single_run._train
    )


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize(("stop", "code"), [(None, 0), ("solved", 1), ("tol", 2)])
@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_the_stop_arguments_and_the_kernel_they_pick(dtype, stop, code, momentum):
    X, y = (a.astype(dtype) for a in datasets.xor())
    params = initial_params(2, 3, 1, seed=0, dtype=dtype)
    arguments = single_run.arguments(
        X,
        y,
        params,
        epochs=10,
        lr=0.5,
        scale=0.25,
        mse_output=False,
        momentum=momentum,
        stop=stop,
        margin=0.4,
        tol=0.02,
    )
    assert arguments.stop == code and type(arguments.stop) is int
    for scalar, value in [(arguments.margin, 0.4), (arguments.tol, 0.02)]:
        assert type(scalar) is np.dtype(dtype).type and scalar == np.dtype(dtype).type(value)
    variant = "_train_momentum" if momentum else "_train"
    if stop is not None:
        variant += "_stop"
    assert single_run.kernel_for(arguments, unrolled=False) is getattr(single_run, variant)
    assert single_run.kernel_for(arguments) is single_run_unrolled.train_kernel(
        2, 3, 1, momentum=bool(momentum), stop=stop is not None
    )
    default = single_run.arguments(X, y, params, epochs=10, lr=0.5, scale=0.25, mse_output=False)
    assert (default.stop, default.margin, default.tol) == (0, 0.5, np.dtype(dtype).type(0.01))
