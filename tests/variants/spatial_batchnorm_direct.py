"""Spatial batch normalization computed directly on (N, C, H, W) with statistics over the
axes (0, 2, 3) and keepdims, without reshaping or calling batchnorm_forward: it reads eps
and momentum from bn_param, keeps its own running statistics there, and has its own cache
and closed-form backward."""
# >>> block: bn_layers spatial_batchnorm_forward
eps = bn_param.get("eps", 1e-5)
momentum = bn_param.get("momentum", 0.9)
c = x.shape[1]
running_mean = bn_param.get("running_mean", np.zeros(c, dtype=x.dtype))
running_var = bn_param.get("running_var", np.zeros(c, dtype=x.dtype))
g = gamma.reshape(1, c, 1, 1)
if bn_param["mode"] == "train":
    mu = x.mean(axis=(0, 2, 3), keepdims=True)
    var = x.var(axis=(0, 2, 3), keepdims=True)
    xhat = (x - mu) / np.sqrt(var + eps)
    bn_param["running_mean"] = momentum * running_mean + (1 - momentum) * mu.ravel()
    bn_param["running_var"] = momentum * running_var + (1 - momentum) * var.ravel()
    cache = {"xhat": xhat, "std": np.sqrt(var + eps), "gamma": g}
else:
    xhat = (x - running_mean.reshape(1, c, 1, 1)) / np.sqrt(running_var.reshape(1, c, 1, 1) + eps)
    cache = None
out = g * xhat + beta.reshape(1, c, 1, 1)
# >>> block: bn_layers spatial_batchnorm_backward
axes = (0, 2, 3)
xhat, std, g = cache["xhat"], cache["std"], cache["gamma"]
dbeta = dout.sum(axis=axes)
dgamma = (dout * xhat).sum(axis=axes)
dxhat = dout * g
dx = (dxhat - dxhat.mean(axis=axes, keepdims=True)
      - xhat * (dxhat * xhat).mean(axis=axes, keepdims=True)) / std
