"""Batch normalization (flat and spatial), layer normalization, and the
affine-batchnorm-ReLU sandwich.

Notation used in the comments: N examples, D features; mu and var are the mean and the
biased variance (divide by N) of each feature over the batch; xhat = (x - mu) / sqrt(var +
eps) is the normalized input and out = gamma * xhat + beta.
"""
import numpy as np

from .layers import affine_backward, affine_forward, relu_backward, relu_forward
from .validation import (check_affine_inputs, check_array, check_nonempty_batch,
                         check_number, check_param_dict, check_mode, check_scale_shift,
                         check_shape)

# Imported for the answers in the TODO blocks below; this line keeps them in use
# while the blocks are empty.
_ANSWER_IMPORTS = (affine_backward, affine_forward, relu_backward, relu_forward)


def _check_running_stat(bn_param, key, num_features, func):
    value = bn_param[key]
    check_array(value, f"bn_param['{key}']", func)
    check_shape(value, f"bn_param['{key}']", (num_features,), func, why="one value per feature")
    return value


def _check_bn_param(bn_param, num_features, func):
    """Validate bn_param; return (mode, eps, momentum, running_mean, running_var).

    In test mode the running statistics must be present. In train mode an absent running
    statistic is returned as None.
    """
    check_param_dict(bn_param, "bn_param", func)
    mode = check_mode(bn_param, "bn_param", func)
    eps = check_number(bn_param.get("eps", 1e-5), "bn_param['eps']", func,
                       low=0.0, low_open=True)
    momentum = check_number(bn_param.get("momentum", 0.9), "bn_param['momentum']", func,
                            low=0.0, high=1.0)
    running = []
    for key in ("running_mean", "running_var"):
        if key in bn_param:
            running.append(_check_running_stat(bn_param, key, num_features, func))
        elif mode == "test":
            raise ValueError(
                f"{func}: bn_param['{key}'] is missing, and test mode normalizes with the "
                "running statistics (running_mean and running_var): run the layer in "
                "train mode first")
        else:
            running.append(None)
    return mode, eps, momentum, running[0], running[1]


def _check_bn_cache(cache, func):
    if cache is None:
        raise ValueError(
            f"{func}: cache is None, which batchnorm_forward returns in test mode; the "
            "backward pass is defined for a train-mode forward pass only")


def batchnorm_forward(x, gamma, beta, bn_param):
    """Forward pass for batch normalization.

    In train mode each feature is normalized with the mean and the biased variance
    (divide by N) of the minibatch, then scaled by gamma and shifted by beta. The layer
    also keeps exponentially decaying averages of the batch statistics:

        running_mean = momentum * running_mean + (1 - momentum) * batch_mean
        running_var = momentum * running_var + (1 - momentum) * batch_var

    and test mode normalizes with them instead of the batch statistics. (batch_var is
    the biased variance, cs231n's convention; PyTorch keeps the unbiased one instead.)

    Inputs:
    - x: data, of shape (N, D)
    - gamma: scale, of shape (D,)
    - beta: shift, of shape (D,)
    - bn_param: a dict with the keys:
      - mode: 'train' or 'test' (required)
      - eps: constant for numeric stability, added to the variance (default 1e-5)
      - momentum: constant of the running averages (default 0.9)
      - running_mean: array of shape (D,), the running mean of the features
      - running_var: array of shape (D,), the running variance of the features
      In train mode absent running statistics start as zeros of x's dtype, and the
      updated ones are written back into bn_param. Test mode requires them and changes
      nothing in bn_param.

    Returns a tuple of:
    - out: of shape (N, D)
    - cache: in train mode (x, mu, inv_std, gamma), from which the backward pass
      recomputes what it needs:
      - x: the input itself (not a copy, as affine_forward's cache), of shape (N, D)
      - mu: the batch mean of each feature, of shape (D,)
      - inv_std: 1 / sqrt(var + eps), of shape (D,)
      - gamma: the scale, of shape (D,)
      In test mode cache is None (backward is defined for train mode only).
    """
    check_array(x, "x", "batchnorm_forward", ndim=2)
    check_nonempty_batch(x, "x", "batchnorm_forward")
    num_features = x.shape[1]
    check_scale_shift(gamma, beta, num_features, "batchnorm_forward")
    mode, eps, momentum, running_mean, running_var = _check_bn_param(
        bn_param, num_features, "batchnorm_forward")
    if running_mean is None:
        running_mean = np.zeros(num_features, dtype=x.dtype)
    if running_var is None:
        running_var = np.zeros(num_features, dtype=x.dtype)

    # TODO: Implement batch normalization.
    # Train mode: compute the batch mean and the biased batch variance (np.var divides
    # by N) of each feature, normalize, scale and shift into out, and store in cache
    # what the backward pass needs (see the docstring). Then assign the updated running
    # averages to running_mean and running_var (new arrays: the code below writes them
    # back into bn_param).
    # Test mode: normalize with running_mean and running_var, scale and shift into out;
    # set cache = None and leave running_mean and running_var as they are.
    _ = eps, momentum  # given above for your code
    out, cache = None, None
    raise NotImplementedError("batchnorm_forward is not implemented yet (assignment/bn_layers.py)")
    if mode == "train":
        bn_param["running_mean"] = running_mean
        bn_param["running_var"] = running_var
    return out, cache


def batchnorm_backward(dout, cache):
    """Backward pass for batch normalization, one node of the computational graph at a
    time.

    The forward pass, as a graph of elementary steps:
        mu = mean(x)              (over the batch, axis 0)
        xmu = x - mu
        sq = xmu ** 2
        var = mean(sq)            (over the batch)
        std = sqrt(var + eps)
        inv_std = 1 / std
        xhat = xmu * inv_std
        out = gamma * xhat + beta

    Inputs:
    - dout: upstream gradient, of shape (N, D)
    - cache: (x, mu, inv_std, gamma) from batchnorm_forward in train mode

    Returns a tuple of:
    - dx: gradient with respect to x, of shape (N, D)
    - dgamma: gradient with respect to gamma, of shape (D,)
    - dbeta: gradient with respect to beta, of shape (D,)
    """
    check_array(dout, "dout", "batchnorm_backward", ndim=2)
    _check_bn_cache(cache, "batchnorm_backward")
    # TODO: Recompute from the cache the nodes it does not keep (xmu, xhat), then walk
    # the graph above backwards, one step per line: for each node, the gradient of its
    # inputs from the gradient of its output. A variable used twice (xmu feeds both sq
    # and xhat; x feeds both mu and xmu) receives the sum of the gradients of its uses,
    # and a mean over the batch sends 1/N of the gradient back to each row. Do not write
    # the closed form here: that is batchnorm_backward_alt.
    dx, dgamma, dbeta = None, None, None
    raise NotImplementedError("batchnorm_backward is not implemented yet (assignment/bn_layers.py)")
    return dx, dgamma, dbeta


def batchnorm_backward_alt(dout, cache):
    """Backward pass for batch normalization, with the simplified closed form.

    Working the chain rule out on paper (the terms through mu cancel, since xhat sums to
    zero over the batch) gives, per feature:

        dx = (gamma * inv_std / N) * (N * dout - sum(dout) - xhat * sum(dout * xhat))

    where the sums run over the batch. Same inputs and outputs as batchnorm_backward.

    Inputs:
    - dout: upstream gradient, of shape (N, D)
    - cache: (x, mu, inv_std, gamma) from batchnorm_forward in train mode

    Returns a tuple of:
    - dx: gradient with respect to x, of shape (N, D)
    - dgamma: gradient with respect to gamma, of shape (D,)
    - dbeta: gradient with respect to beta, of shape (D,)
    """
    check_array(dout, "dout", "batchnorm_backward_alt", ndim=2)
    _check_bn_cache(cache, "batchnorm_backward_alt")
    # TODO: Derive the gradient with respect to x on paper and implement it in a few
    # vectorized lines, reusing dbeta = sum(dout) and dgamma = sum(dout * xhat), with
    # xhat recomputed from the cache.
    dx, dgamma, dbeta = None, None, None
    raise NotImplementedError("batchnorm_backward_alt is not implemented yet (assignment/bn_layers.py)")
    return dx, dgamma, dbeta


def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    """Forward pass for spatial batch normalization (for convolutional feature maps).

    Each channel is normalized with statistics over the batch and both spatial axes,
    which is batch normalization of the (N * H * W, C) matrix whose rows are the pixels.

    Inputs:
    - x: data, of shape (N, C, H, W)
    - gamma: scale, of shape (C,)
    - beta: shift, of shape (C,)
    - bn_param: the dict of batchnorm_forward (mode, eps, momentum, running_mean and
      running_var of shape (C,)); updated the same way

    Returns a tuple of:
    - out: of shape (N, C, H, W)
    - cache: the cache of batchnorm_forward on the (N * H * W, C) matrix
    """
    check_array(x, "x", "spatial_batchnorm_forward", ndim=4)
    check_nonempty_batch(x, "x", "spatial_batchnorm_forward")
    check_scale_shift(gamma, beta, x.shape[1], "spatial_batchnorm_forward", what="channel")
    _check_bn_param(bn_param, x.shape[1], "spatial_batchnorm_forward")
    # TODO: Move the channel axis last and flatten the rest, (N, C, H, W) ->
    # (N, H, W, C) -> (N * H * W, C), call batchnorm_forward, and bring the output back
    # to (N, C, H, W). A few lines.
    out, cache = None, None
    raise NotImplementedError("spatial_batchnorm_forward is not implemented yet (assignment/bn_layers.py)")
    return out, cache


def spatial_batchnorm_backward(dout, cache):
    """Backward pass for spatial batch normalization.

    Inputs:
    - dout: upstream gradient, of shape (N, C, H, W)
    - cache: from spatial_batchnorm_forward in train mode

    Returns a tuple of:
    - dx: gradient with respect to x, of shape (N, C, H, W)
    - dgamma: gradient with respect to gamma, of shape (C,)
    - dbeta: gradient with respect to beta, of shape (C,)
    """
    check_array(dout, "dout", "spatial_batchnorm_backward", ndim=4)
    _check_bn_cache(cache, "spatial_batchnorm_backward")
    # TODO: Reshape dout the way the forward pass reshaped x, call a batchnorm backward
    # pass, and bring dx back to (N, C, H, W).
    dx, dgamma, dbeta = None, None, None
    raise NotImplementedError("spatial_batchnorm_backward is not implemented yet (assignment/bn_layers.py)")
    return dx, dgamma, dbeta


def layernorm_forward(x, gamma, beta, ln_param):
    """Forward pass for layer normalization.

    Each example (row) is normalized with the mean and the biased variance of its own
    features, then scaled by gamma and shifted by beta (per feature, as in batch
    normalization). Nothing depends on the batch: train and test mode behave alike and
    there are no running statistics.

    Inputs:
    - x: data, of shape (N, D)
    - gamma: scale, of shape (D,)
    - beta: shift, of shape (D,)
    - ln_param: a dict that may hold 'eps' (default 1e-5); other keys (such as the
      'mode' that FullyConnectedNet sets on every normalization layer) are ignored

    Returns a tuple of:
    - out: of shape (N, D)
    - cache: (xhat, inv_std, gamma)
      - xhat: the normalized input, of shape (N, D)
      - inv_std: 1 / sqrt(var + eps) of each example, of shape (N, 1)
      - gamma: the scale, of shape (D,)
    """
    check_array(x, "x", "layernorm_forward", ndim=2)
    check_scale_shift(gamma, beta, x.shape[1], "layernorm_forward")
    check_param_dict(ln_param, "ln_param", "layernorm_forward")
    eps = check_number(ln_param.get("eps", 1e-5), "ln_param['eps']", "layernorm_forward",
                       low=0.0, low_open=True)
    # TODO: Implement layer normalization: the batch normalization of the transposed
    # problem (statistics over axis 1, keepdims=True). Store the cache of the docstring.
    _ = eps  # given above for your code
    out, cache = None, None
    raise NotImplementedError("layernorm_forward is not implemented yet (assignment/bn_layers.py)")
    return out, cache


def layernorm_backward(dout, cache):
    """Backward pass for layer normalization.

    Inputs:
    - dout: upstream gradient, of shape (N, D)
    - cache: (xhat, inv_std, gamma) from layernorm_forward

    Returns a tuple of:
    - dx: gradient with respect to x, of shape (N, D)
    - dgamma: gradient with respect to gamma, of shape (D,)
    - dbeta: gradient with respect to beta, of shape (D,)
    """
    check_array(dout, "dout", "layernorm_backward", ndim=2)
    # TODO: dgamma and dbeta sum over the batch as in batch normalization. For dx, go
    # from dout to the gradient of xhat, then use the closed form of
    # batchnorm_backward_alt with the sums taken over the features (axis 1) of each
    # example instead of over the batch.
    dx, dgamma, dbeta = None, None, None
    raise NotImplementedError("layernorm_backward is not implemented yet (assignment/bn_layers.py)")
    return dx, dgamma, dbeta


def affine_bn_relu_forward(x, w, b, gamma, beta, bn_param):
    """Forward pass of an affine layer, batch normalization, then a ReLU.

    Inputs:
    - x: input, of shape (N, d_1, ..., d_k)
    - w: weights, of shape (D, M)
    - b: biases, of shape (M,)
    - gamma, beta: scale and shift of the batch normalization, of shape (M,)
    - bn_param: the dict of batchnorm_forward

    Returns a tuple of:
    - out: output, of shape (N, M)
    - cache: (fc_cache, bn_cache, relu_cache), the caches of affine_forward,
      batchnorm_forward and relu_forward
    """
    _, _, m = check_affine_inputs(x, w, b, "affine_bn_relu_forward")
    check_scale_shift(gamma, beta, m, "affine_bn_relu_forward")
    _check_bn_param(bn_param, m, "affine_bn_relu_forward")
    # TODO: Chain affine_forward, batchnorm_forward and relu_forward; keep the caches.
    out, cache = None, None
    raise NotImplementedError("affine_bn_relu_forward is not implemented yet (assignment/bn_layers.py)")
    return out, cache


def affine_bn_relu_backward(dout, cache):
    """Backward pass of the affine-batchnorm-ReLU layer.

    Inputs:
    - dout: upstream gradient, of shape (N, M)
    - cache: (fc_cache, bn_cache, relu_cache) from affine_bn_relu_forward

    Returns a tuple of:
    - dx: gradient with respect to x, of shape (N, d_1, ..., d_k)
    - dw: gradient with respect to w, of shape (D, M)
    - db: gradient with respect to b, of shape (M,)
    - dgamma: gradient with respect to gamma, of shape (M,)
    - dbeta: gradient with respect to beta, of shape (M,)
    """
    check_array(dout, "dout", "affine_bn_relu_backward", ndim=2)
    # TODO: Go back through the ReLU, the batch normalization and the affine layer.
    dx, dw, db, dgamma, dbeta = None, None, None, None, None
    raise NotImplementedError("affine_bn_relu_backward is not implemented yet (assignment/bn_layers.py)")
    return dx, dw, db, dgamma, dbeta
