"""The baseline: batch normalization written the straightforward way, one numpy
expression per node of the graph, forward and backward (what a student writes first).

Nothing here is tuned: every step allocates a fresh array and reads its inputs from
memory again. The benchmark compares the kit's solutions and PyTorch against it.
"""
import numpy as np


def batchnorm_forward(x, gamma, beta, eps=1e-5):
    """Train-mode batch normalization of x (N, D); returns (out, cache)."""
    mu = np.mean(x, axis=0)
    xmu = x - mu
    sq = xmu ** 2
    var = np.mean(sq, axis=0)
    std = np.sqrt(var + eps)
    inv_std = 1.0 / std
    xhat = xmu * inv_std
    out = gamma * xhat + beta
    return out, (xhat, xmu, inv_std, std, gamma)


def batchnorm_backward(dout, cache):
    """Walk the graph of batchnorm_forward backwards; returns (dx, dgamma, dbeta)."""
    xhat, xmu, inv_std, std, gamma = cache
    n = dout.shape[0]
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * xhat, axis=0)
    dxhat = dout * gamma
    dinv_std = np.sum(dxhat * xmu, axis=0)
    dxmu1 = dxhat * inv_std
    dstd = -dinv_std / std ** 2
    dvar = 0.5 * dstd / std
    dsq = np.ones_like(dout) * dvar / n
    dxmu2 = 2 * xmu * dsq
    dxmu = dxmu1 + dxmu2
    dmu = -np.sum(dxmu, axis=0)
    dx = dxmu + np.ones_like(dout) * dmu / n
    return dx, dgamma, dbeta
