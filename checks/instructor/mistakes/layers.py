"""Known mistakes of layers.py, each a student's version of one function with one bug.

These functions are never called here: each is appended to a copy of the solutions and
bound to its target's name (see ``checks/mistakes/__init__.py``): only the function's source
is appended, so its names (``np``, the other layers) resolve to the patched module's globals.
The imports below name the same objects, so that this file reads (and lints) as Python.
"""
import numpy as np

from solutions.layers import affine_backward, affine_forward, relu_forward

from . import mistake, mistake_edit


@mistake("affine_forward", "x is not reshaped to rows", "flatten each sample first: x.reshape(x.shape[0], -1)")
def affine_forward_no_reshape(x, w, b):
    out = np.dot(x.reshape(-1, w.shape[0]).T.reshape(x.shape[0], -1)[:, : w.shape[0]], w) + b
    return out, (x, w)


@mistake("affine_forward", "the bias is left out", "add b after the matrix product: x_rows @ w + b")
def affine_forward_no_bias(x, w, b):
    return x.reshape(x.shape[0], -1) @ w, (x, w)


@mistake("affine_backward", "dx is returned flat",
         "dx must have the shape of the original x: dx.reshape(x.shape), with the x of the cache; if "
         "affine_forward put the flattened x in its cache, keep the original x there instead")
def affine_backward_flat_dx(dout, cache):
    x, w = cache
    return dout @ w.T, x.reshape(x.shape[0], -1).T @ dout, dout.sum(axis=0)


@mistake("affine_backward", "db is not summed over the batch", "db is the sum of dout over the samples: dout.sum(axis=0)")
def affine_backward_mean_db(dout, cache):
    x, w = cache
    return (dout @ w.T).reshape(x.shape), x.reshape(x.shape[0], -1).T @ dout, dout.mean(axis=0)


@mistake("relu_forward", "ReLU keeps the negative part", "ReLU is max(0, x): np.maximum(0, x)")
def relu_forward_min(x):
    return np.minimum(0, x), x


@mistake("relu_backward", "relu_backward writes into dout", "copy dout first: dx = dout.copy(); then dx[x <= 0] = 0")
def relu_backward_inplace(dout, cache):
    dx = dout
    dx[cache <= 0] = 0
    return dx


@mistake("relu_backward", "the gradient is masked with the output sign flipped", "pass the gradient where x > 0: dx = dout * (x > 0)")
def relu_backward_flipped(dout, cache):
    return dout * (cache < 0)


@mistake("softmax_loss", "logits are not shifted before exp", "subtract each row's max: x - x.max(axis=1, keepdims=True)")
def softmax_loss_unshifted(x, y):
    exp = np.exp(x)
    probs = exp / exp.sum(axis=1, keepdims=True)
    n = x.shape[0]
    loss = -np.log(probs[np.arange(n), y]).sum() / n
    dx = probs.copy()
    dx[np.arange(n), y] -= 1
    return loss, dx / n


@mistake("softmax_loss", "dx is not divided by the batch size", "the loss is a mean over N samples, so dx is divided by N too")
def softmax_loss_dx_not_averaged(x, y):
    shifted = x - x.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    n = x.shape[0]
    loss = -log_probs[np.arange(n), y].mean()
    dx = np.exp(log_probs)
    dx[np.arange(n), y] -= 1
    return loss, dx


@mistake("affine_relu_backward", "the ReLU's backward is skipped", "go back through the ReLU first: da = relu_backward(dout, relu_cache)")
def affine_relu_backward_skips_relu(dout, cache):
    fc_cache, relu_cache = cache
    return affine_backward(dout, fc_cache)


@mistake("affine_relu_forward", "the ReLU is applied before the affine layer",
         "the order is affine, then ReLU: a, fc_cache = affine_forward(x, w, b); out, relu_cache = relu_forward(a)")
def affine_relu_forward_relu_first(x, w, b):
    h, relu_cache = relu_forward(x)
    out, fc_cache = affine_forward(h, w, b)
    return out, (fc_cache, relu_cache)


mistake_edit(
    "softmax_loss", "exp is taken of the raw scores, without subtracting each row's maximum",
    "subtract each row's maximum first, x - x.max(axis=1, keepdims=True): softmax does not change, "
    "and exp never overflows (exp(1000) is inf in float64)",
    id="softmax_loss_no_max_shift",
    edits=[("    shifted = x - x.max(axis=1, keepdims=True)\n", "    shifted = x\n")],
)
