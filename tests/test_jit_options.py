"""The compilation options of :mod:`xorfast._compiled.jit` reach the code Numba makes."""

import numba
import numpy as np
import pytest

from xorfast._compiled import jit
from xorfast._compiled.sigmoid import exp_neg_abs


@pytest.mark.skipif(numba.config.DISABLE_JIT, reason="inspects compiled code")
def test_a_kernel_is_compiled_without_a_c_callable_wrapper():
    # Only a kernel passed as a first-class function value would call through it;
    # building it cost every compile of a new shape its lowering and optimisation.
    with jit.without_disk_cache():

        @jit.kernel
        def halve_exp(values):
            for i in range(values.shape[0]):
                values[i] = exp_neg_abs(values[i]) * 0.5

    values = np.array([0.0, 1.0, -2.0])
    halve_exp(values)
    np.testing.assert_allclose(values, [0.5, np.exp(-1.0) / 2, np.exp(-2.0) / 2], rtol=1e-15)
    llvm = halve_exp.inspect_llvm(halve_exp.signatures[0])
    defined = [line for line in llvm.splitlines() if line.startswith("define")]
    assert any("@_ZN7cpython" in line for line in defined)  # Python calls still work
    assert not any("@cfunc." in line for line in defined)
