"""An exhibit, not a solution: batch normalization in numpy, arranged for speed.

The formulas are the reference's (solutions/bn_layers.py, train mode; same cache, so either
backward pass accepts either forward's cache). What changes is how the work touches memory:

- Writing a fresh (N, D) array is a pass over main memory, and can cost page faults too.
  The forward pass allocates one, ``out``, which holds ``x - mu`` until the scale and shift
  are applied in place; the backward pass allocates only ``dx`` the same way.
- The rows go in blocks of about 1 MB (``row_blocks``): the operations on one block find
  it in the core's cache instead of main memory.
- On large batches the second half of the blocks runs in a helper thread while the calling
  thread does the first (numpy releases the GIL inside its loops).

The price is what the benchmark table shows next to the plain reference: about twice the
lines, closures over shared buffers, and a thread pool, for a factor of about two. That is
why the reference students read does none of it. The benchmark checks this module against
the reference before timing it; nothing in the grader or the tests imports it.
"""
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import numpy as np


@contextmanager
def row_blocks(array):
    """Yield ``over_blocks(work) -> [work(rows) for rows in blocks]`` for an (N, D) array.

    ``rows`` is a slice of about 1 MB of ``array``; the second half of the blocks runs in a
    helper thread. Below 2**18 entries a thread costs more than it saves, and there is one
    block holding all the rows.
    """
    num_rows = array.shape[0]
    if array.size < 1 << 18:
        yield lambda work: [work(slice(None))]
        return
    step = max(1, (1 << 20) // (array.itemsize * array.shape[1]))

    def blocks(start, stop):
        return [slice(row, min(row + step, stop)) for row in range(start, stop, step)]

    def run(work, part):
        return [work(rows) for rows in part]

    first, second = blocks(0, num_rows // 2), blocks(num_rows // 2, num_rows)
    with ThreadPoolExecutor(max_workers=1) as helper:
        def over_blocks(work):
            pending = helper.submit(run, work, second)
            return run(work, first) + pending.result()

        yield over_blocks


def batchnorm_forward_train(x, gamma, beta, eps=1e-5):
    """Train-mode batch normalization of x, of shape (N, D); gamma and beta of shape (D,).

    Returns (out, cache): out of shape (N, D), cache = (x, mu, inv_std, gamma) as in the
    reference. Running statistics are left out: they cost O(D), nothing to time.
    """
    num_samples = x.shape[0]
    out = np.empty_like(x)
    with row_blocks(x) as over_blocks:
        mu = sum(over_blocks(lambda rows: x[rows].sum(axis=0))) / num_samples

        def center(rows):
            xmu = np.subtract(x[rows], mu, out=out[rows])
            return np.einsum("ij,ij->j", xmu, xmu)  # the column sums of xmu ** 2

        var = sum(over_blocks(center)) / num_samples
        inv_std = 1 / np.sqrt(var + eps)
        scale = gamma * inv_std  # out = xhat * gamma + beta = xmu * scale + beta

        def scale_and_shift(rows):
            out[rows] *= scale
            out[rows] += beta

        over_blocks(scale_and_shift)
    return out, (x, mu, inv_std, gamma)


def batchnorm_backward_alt(dout, cache):
    """The closed-form backward pass of the reference, of dout (N, D) and the cache of
    batchnorm_forward_train; returns (dx, dgamma, dbeta)."""
    x, mu, inv_std, gamma = cache
    num_samples = dout.shape[0]
    dx = np.empty_like(dout)  # holds x - mu until the column sums are known
    with row_blocks(dout) as over_blocks:
        def column_sums(rows):
            xmu = np.subtract(x[rows], mu, out=dx[rows])
            return dout[rows].sum(axis=0), np.einsum("ij,ij->j", dout[rows], xmu)

        sums = over_blocks(column_sums)
        dbeta = sum(dbeta_part for dbeta_part, _ in sums)
        dgamma = sum(xmu_part for _, xmu_part in sums) * inv_std  # sum(dout * xhat)
        # dx = (gamma * inv_std / N) * (N * dout - dbeta - xhat * dgamma), with
        # xhat * dgamma = xmu * (inv_std * dgamma): per feature, computed once.
        xmu_factor = -dgamma * inv_std / num_samples
        dbeta_share = dbeta / num_samples
        scale = gamma * inv_std

        def gradient(rows):
            dx_rows = dx[rows]  # holds xmu
            dx_rows *= xmu_factor
            dx_rows += dout[rows]
            dx_rows -= dbeta_share
            dx_rows *= scale

        over_blocks(gradient)
    return dx, dgamma, dbeta
