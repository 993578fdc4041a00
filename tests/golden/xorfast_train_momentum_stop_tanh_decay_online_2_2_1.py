"""Single runs of 2-2-1 networks with momentum, stopping early, tanh hidden units, weight decay, online, generated; safe to delete.

Written by xorfast._compiled.single_run_unrolled.
"""

from xorfast._compiled.jit import kernel
from xorfast._compiled.sigmoid import sigmoid_inplace
from xorfast._compiled.order import shuffle_rows
from xorfast._compiled.sigmoid import sigmoid
from xorfast._compiled.tanh import tanh, tanh_inplace
@kernel
def train_run(X, y, params, velocities, epochs, lr, scale, momentum, mse_output,
              derivative_offset, log_every, mse_log, work, inputs, hidden, outputs,
              stop, margin, tol, rules):
    """:func:`~xorfast._compiled.single_run._train_rules` for 2-2-1 networks."""
    W1, b1, W2, b2 = params
    vW1, vb1, vW2, vb2 = velocities
    Z1, Z2 = work.Z1, work.Z2
    rows = X.shape[0]
    one = W1.dtype.type(1)
    zero = W1.dtype.type(0)
    step = lr * scale
    decay = lr * rules.weight_decay
    order = rules.order
    shuffled = rules.update == 2
    seed = rules.seed
    count = W1.dtype.type(rows * 1)
    stopped = -1
    w1_0_0 = W1[0, 0]
    w1_0_1 = W1[0, 1]
    w1_1_0 = W1[1, 0]
    w1_1_1 = W1[1, 1]
    c1_0 = b1[0]
    c1_1 = b1[1]
    w2_0_0 = W2[0, 0]
    w2_1_0 = W2[1, 0]
    c2_0 = b2[0]
    v_w1_0_0 = vW1[0, 0]
    v_w1_0_1 = vW1[0, 1]
    v_w1_1_0 = vW1[1, 0]
    v_w1_1_1 = vW1[1, 1]
    v_c1_0 = vb1[0]
    v_c1_1 = vb1[1]
    v_w2_0_0 = vW2[0, 0]
    v_w2_1_0 = vW2[1, 0]
    v_c2_0 = vb2[0]
    for epoch in range(epochs + 1):
        logging = log_every > 0 and epoch % log_every == 0
        for i in range(rows):
            x0 = X[i, 0]
            x1 = X[i, 1]
            Z1[i * 2 + 0] = c1_0 + x0 * w1_0_0 + x1 * w1_1_0
            Z1[i * 2 + 1] = c1_1 + x0 * w1_0_1 + x1 * w1_1_1
        tanh_inplace(Z1)
        for i in range(rows):
            a0 = Z1[i * 2 + 0]
            a1 = Z1[i * 2 + 1]
            Z2[i * 1 + 0] = c2_0 + a0 * w2_0_0 + a1 * w2_1_0
        sigmoid_inplace(Z2)
        # Before the log entry and the updates, as in _online_epochs.
        if stop == 1:
            done = True
            for i in range(rows):
                if not abs(Z2[i * 1 + 0] - y[i, 0]) < margin:
                    done = False
        else:
            total = zero
            for i in range(rows):
                difference = Z2[i * 1 + 0] - y[i, 0]
                total += difference * difference
            done = total / count < tol
        if done:
            stopped = epoch
            break
        if epoch == epochs:
            break  # the state after the last update: no log entry, no update
        if logging:
            total = zero
            for i in range(rows):
                total += (y[i, 0] - Z2[i * 1 + 0]) ** 2
            mse_log[epoch // log_every] = total / (rows * 1)
        if shuffled:
            shuffle_rows(order, seed, epoch)
        for j in range(rows):
            i = order[j]
            x0 = X[i, 0]
            x1 = X[i, 1]
            a0 = tanh(c1_0 + x0 * w1_0_0 + x1 * w1_1_0)
            a1 = tanh(c1_1 + x0 * w1_0_1 + x1 * w1_1_1)
            p0 = sigmoid(c2_0 + a0 * w2_0_0 + a1 * w2_1_0)
            d2_0 = p0 - y[i, 0]
            if mse_output:
                d2_0 *= p0 * (one - p0) + derivative_offset
                Z2[0] = d2_0  # scratch: Z2 is read after forward passes only
            # The hidden error uses W2 from before this row's update.
            d1_0 = (d2_0 * w2_0_0) * ((one - a0) * (one + a0))
            d1_1 = (d2_0 * w2_1_0) * ((one - a1) * (one + a1))
            v_w1_0_0 = momentum * v_w1_0_0 - (step * (x0 * d1_0) + decay * w1_0_0)
            w1_0_0 += v_w1_0_0
            v_w1_0_1 = momentum * v_w1_0_1 - (step * (x0 * d1_1) + decay * w1_0_1)
            w1_0_1 += v_w1_0_1
            v_w1_1_0 = momentum * v_w1_1_0 - (step * (x1 * d1_0) + decay * w1_1_0)
            w1_1_0 += v_w1_1_0
            v_w1_1_1 = momentum * v_w1_1_1 - (step * (x1 * d1_1) + decay * w1_1_1)
            w1_1_1 += v_w1_1_1
            v_c1_0 = momentum * v_c1_0 - step * d1_0
            c1_0 += v_c1_0
            v_c1_1 = momentum * v_c1_1 - step * d1_1
            c1_1 += v_c1_1
            v_w2_0_0 = momentum * v_w2_0_0 - (step * (a0 * d2_0) + decay * w2_0_0)
            w2_0_0 += v_w2_0_0
            v_w2_1_0 = momentum * v_w2_1_0 - (step * (a1 * d2_0) + decay * w2_1_0)
            w2_1_0 += v_w2_1_0
            v_c2_0 = momentum * v_c2_0 - step * d2_0
            c2_0 += v_c2_0
    W1[0, 0] = w1_0_0
    W1[0, 1] = w1_0_1
    W1[1, 0] = w1_1_0
    W1[1, 1] = w1_1_1
    b1[0] = c1_0
    b1[1] = c1_1
    W2[0, 0] = w2_0_0
    W2[1, 0] = w2_1_0
    b2[0] = c2_0
    vW1[0, 0] = v_w1_0_0
    vW1[0, 1] = v_w1_0_1
    vW1[1, 0] = v_w1_1_0
    vW1[1, 1] = v_w1_1_1
    vb1[0] = v_c1_0
    vb1[1] = v_c1_1
    vW2[0, 0] = v_w2_0_0
    vW2[1, 0] = v_w2_1_0
    vb2[0] = v_c2_0
    return stopped
