"""Known mistakes of bn_layers.py, each a student's version of one function with one bug.

These functions are never called here: each is appended to a copy of the solutions and
bound to its target's name (see ``checks/mistakes/__init__.py``). Names such as ``np`` and
``_check_bn_param`` refer to the patched module's globals.
"""
# flake8: noqa: F821  (names resolve in the module the variant is appended to)
from . import mistake

# --- batchnorm_forward ---------------------------------------------------------------------------


@mistake("batchnorm_forward", "eps is added twice",
         "add eps once, inside the square root: 1 / np.sqrt(var + eps)")
def batchnorm_forward_eps_twice(x, gamma, beta, bn_param):
    mode, eps, momentum, running_mean, running_var = _check_bn_param(bn_param, x.shape[1], "batchnorm_forward")
    if running_mean is None:
        running_mean = np.zeros(x.shape[1], dtype=x.dtype)
        running_var = np.zeros(x.shape[1], dtype=x.dtype)
    if mode == "train":
        mu = x.mean(axis=0)
        var = x.var(axis=0) + eps
        xhat = (x - mu) / np.sqrt(var + eps)
        out = gamma * xhat + beta
        cache = (x, mu, 1 / np.sqrt(var + eps), gamma)
        running_mean = momentum * running_mean + (1 - momentum) * mu
        running_var = momentum * running_var + (1 - momentum) * x.var(axis=0)
        bn_param["running_mean"], bn_param["running_var"] = running_mean, running_var
    else:
        out = gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta
        cache = None
    return out, cache


@mistake("batchnorm_forward", "eps is added outside the square root",
         "eps belongs inside the square root: (x - mean) / np.sqrt(var + eps)")
def batchnorm_forward_eps_outside(x, gamma, beta, bn_param):
    mode, eps, momentum, running_mean, running_var = _check_bn_param(bn_param, x.shape[1], "batchnorm_forward")
    if running_mean is None:
        running_mean = np.zeros(x.shape[1], dtype=x.dtype)
        running_var = np.zeros(x.shape[1], dtype=x.dtype)
    if mode == "train":
        mu = x.mean(axis=0)
        var = x.var(axis=0)
        inv_std = 1 / (np.sqrt(var) + eps)
        xhat = (x - mu) * inv_std
        out = gamma * xhat + beta
        cache = (x, mu, inv_std, gamma)
        running_mean = momentum * running_mean + (1 - momentum) * mu
        running_var = momentum * running_var + (1 - momentum) * var
        bn_param["running_mean"], bn_param["running_var"] = running_mean, running_var
    else:
        out = gamma * (x - running_mean) / (np.sqrt(running_var) + eps) + beta
        cache = None
    return out, cache


@mistake("batchnorm_forward", "the running variance averages the unbiased batch variance",
         "cs231n's running_var averages the biased batch variance, the one used to normalize (PyTorch's "
         "BatchNorm keeps the unbiased one; this kit does not)")
def batchnorm_forward_running_var_unbiased(x, gamma, beta, bn_param):
    mode, eps, momentum, running_mean, running_var = _check_bn_param(bn_param, x.shape[1], "batchnorm_forward")
    if running_mean is None:
        running_mean = np.zeros(x.shape[1], dtype=x.dtype)
        running_var = np.zeros(x.shape[1], dtype=x.dtype)
    if mode == "train":
        mu = x.mean(axis=0)
        var = x.var(axis=0)
        inv_std = 1 / np.sqrt(var + eps)
        xhat = (x - mu) * inv_std
        out = gamma * xhat + beta
        cache = (x, mu, inv_std, gamma)
        running_mean = momentum * running_mean + (1 - momentum) * mu
        running_var = momentum * running_var + (1 - momentum) * x.var(axis=0, ddof=1)
        bn_param["running_mean"], bn_param["running_var"] = running_mean, running_var
    else:
        out = gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta
        cache = None
    return out, cache


@mistake("batchnorm_forward", "the unbiased variance (divide by N - 1) is used",
         "batch normalization uses the biased variance, x.var(axis=0), which divides by N (np.var's default)")
def batchnorm_forward_unbiased(x, gamma, beta, bn_param):
    mode, eps, momentum, running_mean, running_var = _check_bn_param(bn_param, x.shape[1], "batchnorm_forward")
    if running_mean is None:
        running_mean = np.zeros(x.shape[1], dtype=x.dtype)
        running_var = np.zeros(x.shape[1], dtype=x.dtype)
    if mode == "train":
        mu = x.mean(axis=0)
        var = x.var(axis=0, ddof=1)
        inv_std = 1 / np.sqrt(var + eps)
        xhat = (x - mu) * inv_std
        out = gamma * xhat + beta
        cache = (x, mu, inv_std, gamma)
        running_mean = momentum * running_mean + (1 - momentum) * mu
        running_var = momentum * running_var + (1 - momentum) * var
        bn_param["running_mean"], bn_param["running_var"] = running_mean, running_var
    else:
        out = gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta
        cache = None
    return out, cache


@mistake("batchnorm_forward", "the running statistics put the momentum on the wrong side",
         "running = momentum * running + (1 - momentum) * batch statistic: the momentum weighs the old value")
def batchnorm_forward_momentum_swapped(x, gamma, beta, bn_param):
    mode, eps, momentum, running_mean, running_var = _check_bn_param(bn_param, x.shape[1], "batchnorm_forward")
    if running_mean is None:
        running_mean = np.zeros(x.shape[1], dtype=x.dtype)
        running_var = np.zeros(x.shape[1], dtype=x.dtype)
    if mode == "train":
        mu = x.mean(axis=0)
        var = x.var(axis=0)
        inv_std = 1 / np.sqrt(var + eps)
        xhat = (x - mu) * inv_std
        out = gamma * xhat + beta
        cache = (x, mu, inv_std, gamma)
        running_mean = (1 - momentum) * running_mean + momentum * mu
        running_var = (1 - momentum) * running_var + momentum * var
        bn_param["running_mean"], bn_param["running_var"] = running_mean, running_var
    else:
        out = gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta
        cache = None
    return out, cache


@mistake("batchnorm_forward", "test mode is ignored (bn_param[mode] = mode instead of bn_param['mode'] = mode): "
         "the batch statistics are used at test time",
         "read the mode with the string key, mode = bn_param['mode'], and in test mode normalize with "
         "running_mean and running_var")
def batchnorm_forward_mode_ignored(x, gamma, beta, bn_param):
    mode = "train"
    bn_param[mode] = mode  # meant to record the mode: the key 'mode' is never read
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    running_mean = bn_param.get("running_mean", np.zeros(x.shape[1], dtype=x.dtype))
    running_var = bn_param.get("running_var", np.zeros(x.shape[1], dtype=x.dtype))
    mu = x.mean(axis=0)
    var = x.var(axis=0)
    inv_std = 1 / np.sqrt(var + eps)
    xhat = (x - mu) * inv_std
    out = gamma * xhat + beta
    cache = (x, mu, inv_std, gamma)
    bn_param["running_mean"] = momentum * running_mean + (1 - momentum) * mu
    bn_param["running_var"] = momentum * running_var + (1 - momentum) * var
    return out, cache


@mistake("batchnorm_forward", "test mode updates the running statistics",
         "in test mode only read running_mean and running_var; update them in train mode only")
def batchnorm_forward_test_updates(x, gamma, beta, bn_param):
    mode, eps, momentum, running_mean, running_var = _check_bn_param(bn_param, x.shape[1], "batchnorm_forward")
    if running_mean is None:
        running_mean = np.zeros(x.shape[1], dtype=x.dtype)
        running_var = np.zeros(x.shape[1], dtype=x.dtype)
    mu = x.mean(axis=0)
    var = x.var(axis=0)
    if mode == "train":
        inv_std = 1 / np.sqrt(var + eps)
        xhat = (x - mu) * inv_std
        out = gamma * xhat + beta
        cache = (x, mu, inv_std, gamma)
    else:
        out = gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta
        cache = None
    bn_param["running_mean"] = momentum * running_mean + (1 - momentum) * mu
    bn_param["running_var"] = momentum * running_var + (1 - momentum) * var
    return out, cache


@mistake("batchnorm_forward", "test mode leaves eps out",
         "test mode divides by np.sqrt(running_var + eps), with the same eps as train mode")
def batchnorm_forward_test_no_eps(x, gamma, beta, bn_param):
    mode, eps, momentum, running_mean, running_var = _check_bn_param(bn_param, x.shape[1], "batchnorm_forward")
    if running_mean is None:
        running_mean = np.zeros(x.shape[1], dtype=x.dtype)
        running_var = np.zeros(x.shape[1], dtype=x.dtype)
    if mode == "train":
        mu = x.mean(axis=0)
        var = x.var(axis=0)
        inv_std = 1 / np.sqrt(var + eps)
        xhat = (x - mu) * inv_std
        out = gamma * xhat + beta
        cache = (x, mu, inv_std, gamma)
        running_mean = momentum * running_mean + (1 - momentum) * mu
        running_var = momentum * running_var + (1 - momentum) * var
        bn_param["running_mean"], bn_param["running_var"] = running_mean, running_var
    else:
        out = gamma * (x - running_mean) / np.sqrt(running_var) + beta
        cache = None
    return out, cache


# --- batchnorm_backward ----------------------------------------------------------------------------


@mistake("batchnorm_backward", "the mean and the variance are treated as constants",
         "mu and var depend on every x of the batch: add the gradients that flow through them "
         "(dvar, dmu), or dx is just dout * gamma * inv_std")
def batchnorm_backward_constant_stats(dout, cache):
    x, mu, inv_std, gamma = cache
    xmu = x - mu
    xhat = xmu * inv_std
    return dout * gamma * inv_std, (dout * xhat).sum(axis=0), dout.sum(axis=0)


@mistake("batchnorm_backward", "the gradient through the mean is left out",
         "x feeds both xmu and mu = mean(x): add dmu / N to every row, with dmu = -sum(dxmu, axis=0)")
def batchnorm_backward_no_mean_path(dout, cache):
    x, mu, inv_std, gamma = cache
    xmu = x - mu
    xhat = xmu * inv_std
    n = dout.shape[0]
    dxhat = dout * gamma
    dinv_std = (dxhat * xmu).sum(axis=0)
    dvar = -0.5 * inv_std ** 3 * dinv_std
    dxmu = dxhat * inv_std + 2 * xmu * dvar / n
    return dxmu, (dout * xhat).sum(axis=0), dout.sum(axis=0)


@mistake("batchnorm_backward", "dgamma is not summed over the batch (it is averaged)",
         "gamma is broadcast over the N rows, so its gradient sums them: np.sum(dout * xhat, axis=0)")
def batchnorm_backward_dgamma_mean(dout, cache):
    x, mu, inv_std, gamma = cache
    xmu = x - mu
    xhat = xmu * inv_std
    n = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = (dout * xhat).mean(axis=0)
    dx = (gamma * inv_std / n) * (n * dout - dbeta - xhat * (dout * xhat).sum(axis=0))
    return dx, dgamma, dbeta


# --- batchnorm_backward_alt --------------------------------------------------------------------------


@mistake("batchnorm_backward_alt", "the closed form misses the term through the variance",
         "dx = (gamma * inv_std / N) * (N * dout - sum(dout) - xhat * sum(dout * xhat))")
def batchnorm_backward_alt_no_var_term(dout, cache):
    x, mu, inv_std, gamma = cache
    xhat = (x - mu) * inv_std
    n = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = (dout * xhat).sum(axis=0)
    dx = (gamma * inv_std / n) * (n * dout - dbeta)
    return dx, dgamma, dbeta


@mistake("batchnorm_backward_alt", "gamma is left out of dx",
         "out = gamma * xhat + beta, so the gradient reaching xhat is dout * gamma")
def batchnorm_backward_alt_no_gamma(dout, cache):
    x, mu, inv_std, gamma = cache
    xhat = (x - mu) * inv_std
    n = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = (dout * xhat).sum(axis=0)
    dx = (inv_std / n) * (n * dout - dbeta - xhat * dgamma)
    return dx, dgamma, dbeta


@mistake("batchnorm_backward_alt", "dbeta and dgamma are swapped",
         "dbeta = sum(dout, axis=0) and dgamma = sum(dout * xhat, axis=0); return dx, dgamma, dbeta in that order")
def batchnorm_backward_alt_swapped(dout, cache):
    x, mu, inv_std, gamma = cache
    xhat = (x - mu) * inv_std
    n = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = (dout * xhat).sum(axis=0)
    dx = (gamma * inv_std / n) * (n * dout - dbeta - xhat * dgamma)
    return dx, dbeta, dgamma


# --- spatial batch normalization -----------------------------------------------------------------------


@mistake("spatial_batchnorm_forward", "x is reshaped to (-1, C) without moving the channel axis last",
         "transpose first: x.transpose(0, 2, 3, 1).reshape(-1, C), and transpose the output back")
def spatial_batchnorm_forward_no_transpose(x, gamma, beta, bn_param):
    n, c, h, w = x.shape
    out_rows, cache = batchnorm_forward(x.reshape(-1, c), gamma, beta, bn_param)
    return out_rows.reshape(n, c, h, w), cache


@mistake("spatial_batchnorm_forward", "the statistics are taken per sample (over H and W only)",
         "batch normalization also averages over the batch: one mean and one variance per channel, over axes "
         "(0, 2, 3)")
def spatial_batchnorm_forward_per_sample(x, gamma, beta, bn_param):
    n, c, h, w = x.shape
    _, cache = batchnorm_forward(x.transpose(0, 2, 3, 1).reshape(-1, c), gamma, beta, bn_param)
    mu = x.mean(axis=(2, 3), keepdims=True)
    var = x.var(axis=(2, 3), keepdims=True)
    xhat = (x - mu) / np.sqrt(var + bn_param.get("eps", 1e-5))
    return gamma.reshape(1, c, 1, 1) * xhat + beta.reshape(1, c, 1, 1), cache


@mistake("spatial_batchnorm_backward", "dout is reshaped to (-1, C) without moving the channel axis last",
         "reshape dout exactly as the forward reshaped x: dout.transpose(0, 2, 3, 1).reshape(-1, C)")
def spatial_batchnorm_backward_no_transpose(dout, cache):
    n, c, h, w = dout.shape
    dx_rows, dgamma, dbeta = batchnorm_backward_alt(dout.reshape(-1, c), cache)
    return dx_rows.reshape(n, c, h, w), dgamma, dbeta


@mistake("spatial_batchnorm_backward", "dx is not transposed back to (N, C, H, W)",
         "dx_rows is (N * H * W, C): reshape it to (N, H, W, C), then transpose(0, 3, 1, 2)")
def spatial_batchnorm_backward_no_transpose_back(dout, cache):
    n, c, h, w = dout.shape
    dx_rows, dgamma, dbeta = batchnorm_backward_alt(dout.transpose(0, 2, 3, 1).reshape(-1, c), cache)
    return dx_rows.reshape(n, c, h, w), dgamma, dbeta


# --- layer normalization -----------------------------------------------------------------------------------


@mistake("layernorm_forward", "the statistics are taken over the batch axis",
         "layer normalization normalizes each sample over its features: mean and var over axis 1, keepdims=True")
def layernorm_forward_batch_axis(x, gamma, beta, ln_param):
    eps = ln_param.get("eps", 1e-5)
    mu = x.mean(axis=0, keepdims=True)
    inv_std = 1 / np.sqrt(x.var(axis=0, keepdims=True) + eps)
    xhat = (x - mu) * inv_std
    return gamma * xhat + beta, (xhat, inv_std, gamma)


@mistake("layernorm_forward", "eps from ln_param is ignored",
         "eps = ln_param.get('eps', 1e-5)")
def layernorm_forward_fixed_eps(x, gamma, beta, ln_param):
    mu = x.mean(axis=1, keepdims=True)
    inv_std = 1 / np.sqrt(x.var(axis=1, keepdims=True) + 1e-5)
    xhat = (x - mu) * inv_std
    return gamma * xhat + beta, (xhat, inv_std, gamma)


@mistake("layernorm_backward", "the sums run over the batch axis (batchnorm's formula)",
         "in layer normalization the statistics are per sample: take the sums over the features, "
         "axis=1, keepdims=True (dgamma and dbeta still sum over the batch)")
def layernorm_backward_batch_axis(dout, cache):
    xhat, inv_std, gamma = cache
    n = dout.shape[0]
    dxhat = dout * gamma
    dx = (inv_std / n) * (n * dxhat - dxhat.sum(axis=0) - xhat * (dxhat * xhat).sum(axis=0))
    return dx, (dout * xhat).sum(axis=0), dout.sum(axis=0)


@mistake("layernorm_backward", "gamma is left out of dx",
         "out = gamma * xhat + beta, so the gradient reaching xhat is dout * gamma")
def layernorm_backward_no_gamma(dout, cache):
    xhat, inv_std, gamma = cache
    d = dout.shape[1]
    dx = (inv_std / d) * (d * dout - dout.sum(axis=1, keepdims=True)
                          - xhat * (dout * xhat).sum(axis=1, keepdims=True))
    return dx, (dout * xhat).sum(axis=0), dout.sum(axis=0)


# --- affine - batchnorm - ReLU ---------------------------------------------------------------------------------


@mistake("affine_bn_relu_forward", "the ReLU comes before the batch normalization",
         "the order is affine, batchnorm, ReLU: relu_forward(batchnorm_forward(affine_forward(x, w, b)[0], ...)[0])")
def affine_bn_relu_forward_relu_first(x, w, b, gamma, beta, bn_param):
    a, fc_cache = affine_forward(x, w, b)
    r, relu_cache = relu_forward(a)
    out, bn_cache = batchnorm_forward(r, gamma, beta, bn_param)
    return out, (fc_cache, bn_cache, relu_cache)


@mistake("affine_bn_relu_forward", "batchnorm_forward gets a copy of bn_param",
         "pass bn_param itself: batchnorm_forward stores the updated running statistics in it")
def affine_bn_relu_forward_param_copy(x, w, b, gamma, beta, bn_param):
    a, fc_cache = affine_forward(x, w, b)
    a_norm, bn_cache = batchnorm_forward(a, gamma, beta, dict(bn_param))
    out, relu_cache = relu_forward(a_norm)
    return out, (fc_cache, bn_cache, relu_cache)


@mistake("affine_bn_relu_backward", "the ReLU's backward is skipped",
         "go back through the ReLU first: da_norm = relu_backward(dout, relu_cache)")
def affine_bn_relu_backward_skips_relu(dout, cache):
    fc_cache, bn_cache, relu_cache = cache
    da, dgamma, dbeta = batchnorm_backward_alt(dout, bn_cache)
    dx, dw, db = affine_backward(da, fc_cache)
    return dx, dw, db, dgamma, dbeta


@mistake("affine_bn_relu_backward", "the batch normalization's backward is skipped",
         "between the ReLU and the affine layer, go back through the batch normalization: "
         "da, dgamma, dbeta = batchnorm_backward_alt(da_norm, bn_cache)")
def affine_bn_relu_backward_skips_bn(dout, cache):
    fc_cache, bn_cache, relu_cache = cache
    da_norm = relu_backward(dout, relu_cache)
    xhat = bn_cache[0]
    dx, dw, db = affine_backward(da_norm, fc_cache)
    return dx, dw, db, (da_norm * xhat).sum(axis=0), da_norm.sum(axis=0)
