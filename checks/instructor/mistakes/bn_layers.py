"""Known mistakes of bn_layers.py, each the reference function with one bug.

Most are edits of the reference (``mistake_edit``): the given code (validation, defaults,
bn_param written back) stays as the student received it, and the edit changes a line or
two of the answer. The rest are students' rewrites of a short function (``@mistake``).
None of these functions is called here: each variant is appended to a copy of the
solutions and bound to its target's name (see ``checks/mistakes/__init__.py``), where its
names resolve to that module's globals; the imports below name the same objects, so that
this file reads (and lints) as Python.
"""
import numpy as np

from solutions.bn_layers import batchnorm_forward

from . import mistake, mistake_edit

# --- batchnorm_forward ---------------------------------------------------------------------------

_TRAIN_VAR = "var = (xmu ** 2).mean(axis=0)  # the biased variance, as x.var(axis=0)\n"
_TRAIN_INV_STD = "inv_std = 1 / np.sqrt(var + eps)\n"
_TRAIN_OUT = "out = gamma * xhat + beta\n        cache = (x, mu, inv_std, gamma)\n"
_RUNNING_MEAN = "running_mean = momentum * running_mean + (1 - momentum) * mu\n"
_RUNNING_VAR = "running_var = momentum * running_var + (1 - momentum) * var\n"
_TEST_XHAT = "xhat = (x - running_mean) / np.sqrt(running_var + eps)\n"

mistake_edit(
    "batchnorm_forward", "eps is added twice",
    "add eps once, inside the square root: 1 / np.sqrt(var + eps)",
    id="batchnorm_forward_eps_twice",
    edits=[(_TRAIN_VAR, "var = (xmu ** 2).mean(axis=0) + eps\n"),
           (_RUNNING_VAR, "running_var = momentum * running_var + (1 - momentum) * x.var(axis=0)\n")],
)

mistake_edit(
    "batchnorm_forward", "the running variance stores var + eps",
    "keep the batch variance itself in running_var: eps is added when normalizing (np.sqrt(var + eps), "
    "in train and in test mode), never stored",
    id="batchnorm_forward_running_var_eps",
    edits=[(_RUNNING_VAR, "running_var = momentum * running_var + (1 - momentum) * (var + eps)\n")],
)

mistake_edit(
    "batchnorm_forward", "test mode leaves out gamma and beta",
    "test mode normalizes with the running statistics and then scales and shifts like train mode: "
    "out = gamma * xhat + beta",
    id="batchnorm_forward_test_no_scale_shift",
    edits=[(_TEST_XHAT + "        out = gamma * xhat + beta\n", _TEST_XHAT + "        out = xhat\n")],
)

mistake_edit(
    "batchnorm_forward", "eps is added outside the square root",
    "eps belongs inside the square root: (x - mean) / np.sqrt(var + eps)",
    id="batchnorm_forward_eps_outside",
    edits=[(_TRAIN_INV_STD, "inv_std = 1 / (np.sqrt(var) + eps)\n"),
           (_TEST_XHAT, "xhat = (x - running_mean) / (np.sqrt(running_var) + eps)\n")],
)

mistake_edit(
    "batchnorm_forward", "eps from bn_param is ignored (1e-5 is written in)",
    "use the eps the given code reads from bn_param, in train and in test mode: np.sqrt(var + eps)",
    id="batchnorm_forward_fixed_eps",
    edits=[(_TRAIN_INV_STD, "inv_std = 1 / np.sqrt(var + 1e-5)\n"),
           (_TEST_XHAT, "xhat = (x - running_mean) / np.sqrt(running_var + 1e-5)\n")],
)

mistake_edit(
    "batchnorm_forward", "gamma and beta are not applied (out is xhat)",
    "scale and shift the normalized input: out = gamma * xhat + beta",
    id="batchnorm_forward_no_scale_shift",
    edits=[(_TRAIN_OUT, "out = xhat\n        cache = (x, mu, inv_std, gamma)\n")],
)

mistake_edit(
    "batchnorm_forward", "the running variance averages the unbiased batch variance",
    "cs231n's running_var averages the biased batch variance, the one used to normalize (PyTorch's "
    "BatchNorm keeps the unbiased one; this kit does not)",
    id="batchnorm_forward_running_var_unbiased",
    edits=[(_RUNNING_VAR, "running_var = momentum * running_var + (1 - momentum) * x.var(axis=0, ddof=1)\n")],
)

mistake_edit(
    "batchnorm_forward", "the unbiased variance (divide by N - 1) is used",
    "batch normalization uses the biased variance, x.var(axis=0), which divides by N (np.var's default)",
    id="batchnorm_forward_unbiased",
    edits=[(_TRAIN_VAR, "var = x.var(axis=0, ddof=1)\n")],
)

mistake_edit(
    "batchnorm_forward", "the running statistics put the momentum on the wrong side",
    "running = momentum * running + (1 - momentum) * batch statistic: the momentum weighs the old value",
    id="batchnorm_forward_momentum_swapped",
    edits=[(_RUNNING_MEAN, "running_mean = (1 - momentum) * running_mean + momentum * mu\n"),
           (_RUNNING_VAR, "running_var = (1 - momentum) * running_var + momentum * var\n")],
)

mistake_edit(
    "batchnorm_forward", "the running statistics are replaced by the batch statistics, not averaged",
    "keep a running average: running_mean = momentum * running_mean + (1 - momentum) * mu, and the "
    "same for running_var",
    id="batchnorm_forward_running_is_batch",
    edits=[(_RUNNING_MEAN, "running_mean = mu\n"), (_RUNNING_VAR, "running_var = var\n")],
)

mistake_edit(
    "batchnorm_forward", "test mode updates the running statistics",
    "in test mode only read running_mean and running_var; update them in train mode only",
    id="batchnorm_forward_test_updates",
    edits=[("        cache = None\n",
            "        cache = None\n"
            "        bn_param[\"running_mean\"] = momentum * running_mean + (1 - momentum) * x.mean(axis=0)\n"
            "        bn_param[\"running_var\"] = momentum * running_var + (1 - momentum) * x.var(axis=0)\n")],
)

mistake_edit(
    "batchnorm_forward", "test mode leaves eps out",
    "test mode divides by np.sqrt(running_var + eps), with the same eps as train mode",
    id="batchnorm_forward_test_no_eps",
    edits=[(_TEST_XHAT, "xhat = (x - running_mean) / np.sqrt(running_var)\n")],
)


@mistake("batchnorm_forward", "test mode normalizes with the batch's own statistics, as train mode does",
         "in test mode normalize with running_mean and running_var, never the batch's mean and variance; "
         "check that the mode is read with the string key, bn_param['mode']")
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


# --- batchnorm_backward ----------------------------------------------------------------------------

_BACKWARD_DX = "dx = dx_direct + dx_via_mean\n"

mistake_edit(
    "batchnorm_backward", "the mean and the variance are treated as constants",
    "mu and var depend on every x of the batch: add the gradients that flow through them "
    "(dvar, dmu), or dx is just dout * gamma * inv_std",
    id="batchnorm_backward_constant_stats",
    edits=[(_BACKWARD_DX, "dx = dxmu_direct\n")],
)

mistake_edit(
    "batchnorm_backward", "the gradient through the mean is left out",
    "x feeds both xmu and mu = mean(x): add dmu / N to every row, with dmu = -sum(dxmu, axis=0)",
    id="batchnorm_backward_no_mean_path",
    edits=[(_BACKWARD_DX, "dx = dx_direct\n")],
)

mistake_edit(
    "batchnorm_backward", "dgamma is not summed over the batch (it is averaged)",
    "gamma is broadcast over the N rows, so its gradient sums them: np.sum(dout * xhat, axis=0)",
    id="batchnorm_backward_dgamma_mean",
    edits=[("dgamma = (dout * xhat).sum(axis=0)\n", "dgamma = (dout * xhat).mean(axis=0)\n")],
)

# --- batchnorm_backward_alt --------------------------------------------------------------------------

_ALT_DX = "dx = (gamma * inv_std / num_samples) * (num_samples * dout - dbeta - xhat * dgamma)\n"

mistake_edit(
    "batchnorm_backward_alt", "the closed form misses the term through the variance",
    "dx = (gamma * inv_std / N) * (N * dout - sum(dout) - xhat * sum(dout * xhat))",
    id="batchnorm_backward_alt_no_var_term",
    edits=[(_ALT_DX, "dx = (gamma * inv_std / num_samples) * (num_samples * dout - dbeta)\n")],
)

mistake_edit(
    "batchnorm_backward_alt", "gamma is left out of dx",
    "out = gamma * xhat + beta, so the gradient reaching xhat is dout * gamma",
    id="batchnorm_backward_alt_no_gamma",
    edits=[(_ALT_DX, "dx = (inv_std / num_samples) * (num_samples * dout - dbeta - xhat * dgamma)\n")],
)

mistake_edit(
    "batchnorm_backward_alt", "dbeta and dgamma are swapped",
    "dbeta = sum(dout, axis=0) and dgamma = sum(dout * xhat, axis=0); return dx, dgamma, dbeta in that order",
    id="batchnorm_backward_alt_swapped",
    edits=[(_ALT_DX, _ALT_DX + "    dgamma, dbeta = dbeta, dgamma\n")],
)

# --- spatial batch normalization -----------------------------------------------------------------------

mistake_edit(
    "spatial_batchnorm_forward", "x is reshaped to (-1, C) without moving the channel axis last",
    "transpose first: x.transpose(0, 2, 3, 1).reshape(-1, C), and transpose the output back",
    id="spatial_batchnorm_forward_no_transpose",
    edits=[("rows = x.transpose(0, 2, 3, 1).reshape(-1, c)\n", "rows = x.reshape(-1, c)\n"),
           ("out = out_rows.reshape(n, h, w, c).transpose(0, 3, 1, 2)\n", "out = out_rows.reshape(n, c, h, w)\n")],
)


mistake_edit(
    "spatial_batchnorm_forward", "the statistics are per (C, H, W) position, not per channel",
    "spatial batch normalization keeps one mean and one variance per channel, over N, H and W: "
    "x.transpose(0, 2, 3, 1).reshape(-1, C), not x.reshape(N, -1) with gamma repeated",
    id="spatial_batchnorm_forward_per_position",
    edits=[("rows = x.transpose(0, 2, 3, 1).reshape(-1, c)\n"
            "    out_rows, cache = batchnorm_forward(rows, gamma, beta, bn_param)\n"
            "    out = out_rows.reshape(n, h, w, c).transpose(0, 3, 1, 2)\n",
            "rows = x.reshape(n, -1)\n"
            "    out_rows, cache = batchnorm_forward(rows, np.repeat(gamma, h * w), np.repeat(beta, h * w), bn_param)\n"
            "    out = out_rows.reshape(n, c, h, w)\n")],
)


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


mistake_edit(
    "spatial_batchnorm_backward", "dout is reshaped to (-1, C) without moving the channel axis last",
    "reshape dout exactly as the forward reshaped x: dout.transpose(0, 2, 3, 1).reshape(-1, C)",
    id="spatial_batchnorm_backward_no_transpose",
    edits=[("dout_rows = dout.transpose(0, 2, 3, 1).reshape(-1, c)\n", "dout_rows = dout.reshape(-1, c)\n"),
           ("dx = dx_rows.reshape(n, h, w, c).transpose(0, 3, 1, 2)\n", "dx = dx_rows.reshape(n, c, h, w)\n")],
)

mistake_edit(
    "spatial_batchnorm_backward", "dx is not transposed back to (N, C, H, W)",
    "dx_rows is (N * H * W, C): reshape it to (N, H, W, C), then transpose(0, 3, 1, 2)",
    id="spatial_batchnorm_backward_no_transpose_back",
    edits=[("dx = dx_rows.reshape(n, h, w, c).transpose(0, 3, 1, 2)\n", "dx = dx_rows.reshape(n, c, h, w)\n")],
)

# --- layer normalization -----------------------------------------------------------------------------------

mistake_edit(
    "layernorm_forward", "the statistics are taken over the batch axis",
    "layer normalization normalizes each sample over its features: mean and var over axis 1, keepdims=True",
    id="layernorm_forward_batch_axis",
    edits=[("mu = x.mean(axis=1, keepdims=True)\n", "mu = x.mean(axis=0, keepdims=True)\n"),
           ("var = (xmu ** 2).mean(axis=1, keepdims=True)\n", "var = (xmu ** 2).mean(axis=0, keepdims=True)\n")],
)

mistake_edit(
    "layernorm_forward", "eps from ln_param is ignored",
    "eps = ln_param.get('eps', 1e-5)",
    id="layernorm_forward_fixed_eps",
    edits=[(_TRAIN_INV_STD, "inv_std = 1 / np.sqrt(var + 1e-5)\n")],
)

mistake_edit(
    "layernorm_forward", "the unbiased variance (divide by D - 1) is used",
    "layer normalization uses the biased variance of each sample's features, which divides by D: "
    "x.var(axis=1, keepdims=True)",
    id="layernorm_forward_unbiased",
    edits=[("var = (xmu ** 2).mean(axis=1, keepdims=True)\n", "var = x.var(axis=1, ddof=1, keepdims=True)\n")],
)

mistake_edit(
    "layernorm_backward", "the sums run over the batch axis (batchnorm's formula)",
    "in layer normalization the statistics are per sample: take the sums over the features, "
    "axis=1, keepdims=True (dgamma and dbeta still sum over the batch)",
    id="layernorm_backward_batch_axis",
    edits=[("num_features = dout.shape[1]\n", "num_features = dout.shape[0]\n"),
           ("- dxhat.sum(axis=1, keepdims=True)\n", "- dxhat.sum(axis=0)\n"),
           ("- xhat * (dxhat * xhat).sum(axis=1, keepdims=True))", "- xhat * (dxhat * xhat).sum(axis=0))")],
)

mistake_edit(
    "layernorm_backward", "dgamma keeps the batch axis: shape (1, D)",
    "dgamma and dbeta have gamma's shape (D,): sum over the batch without keepdims, "
    "(dout * xhat).sum(axis=0)",
    id="layernorm_backward_dgamma_keepdims",
    edits=[("    dgamma = (dout * xhat).sum(axis=0)\n    dxhat = dout * gamma\n",
            "    dgamma = (dout * xhat).sum(axis=0, keepdims=True)\n    dxhat = dout * gamma\n")],
)

mistake_edit(
    "layernorm_backward", "gamma is left out of dx",
    "out = gamma * xhat + beta, so the gradient reaching xhat is dout * gamma",
    id="layernorm_backward_no_gamma",
    edits=[("dxhat = dout * gamma\n", "dxhat = dout\n")],
)

# --- affine - batchnorm - ReLU ---------------------------------------------------------------------------------

mistake_edit(
    "affine_bn_relu_forward", "the ReLU comes before the batch normalization",
    "the order is affine, batchnorm, ReLU: relu_forward(batchnorm_forward(affine_forward(x, w, b)[0], ...)[0])",
    id="affine_bn_relu_forward_relu_first",
    edits=[("a_norm, bn_cache = batchnorm_forward(a, gamma, beta, bn_param)\n"
            "    out, relu_cache = relu_forward(a_norm)\n",
            "r, relu_cache = relu_forward(a)\n"
            "    out, bn_cache = batchnorm_forward(r, gamma, beta, bn_param)\n")],
)

mistake_edit(
    "affine_bn_relu_forward", "the ReLU is left out",
    "after the batch normalization comes the ReLU: out, relu_cache = relu_forward(a_norm)",
    id="affine_bn_relu_forward_no_relu",
    edits=[("out, relu_cache = relu_forward(a_norm)\n", "out, relu_cache = a_norm, a_norm\n")],
)

mistake_edit(
    "affine_bn_relu_forward", "batchnorm_forward gets a copy of bn_param",
    "pass bn_param itself: batchnorm_forward stores the updated running statistics in it",
    id="affine_bn_relu_forward_param_copy",
    edits=[("batchnorm_forward(a, gamma, beta, bn_param)", "batchnorm_forward(a, gamma, beta, dict(bn_param))")],
)

mistake_edit(
    "affine_bn_relu_backward", "the ReLU's backward is skipped",
    "go back through the ReLU first: da_norm = relu_backward(dout, relu_cache)",
    id="affine_bn_relu_backward_skips_relu",
    edits=[("da_norm = relu_backward(dout, relu_cache)\n", "da_norm = dout\n")],
)

mistake_edit(
    "affine_bn_relu_backward", "the batch normalization's backward is skipped",
    "between the ReLU and the affine layer, go back through the batch normalization: "
    "da, dgamma, dbeta = batchnorm_backward_alt(da_norm, bn_cache)",
    id="affine_bn_relu_backward_skips_bn",
    edits=[("da, dgamma, dbeta = batchnorm_backward_alt(da_norm, bn_cache)\n",
            "x_bn, mu, inv_std, _ = bn_cache\n"
            "    da = da_norm\n"
            "    dgamma = (da_norm * (x_bn - mu) * inv_std).sum(axis=0)\n"
            "    dbeta = da_norm.sum(axis=0)\n")],
)
