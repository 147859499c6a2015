"""Normalization with np.var / np.mean (instead of hand-written moments), running averages
updated in place (``running_mean *= momentum; running_mean += ...``), test mode with
``(running_var + eps) ** -0.5``, and spatial batch normalization through np.moveaxis and the
step-by-step backward."""
# >>> block: bn_layers batchnorm_forward
if mode == "test":
    out = gamma * (x - running_mean) * (running_var + eps) ** -0.5 + beta
    cache = None
else:
    mu = np.mean(x, axis=0)
    var = np.var(x, axis=0)
    inv_std = (var + eps) ** -0.5
    xmu = x - mu
    xhat = xmu * inv_std
    out = xhat * gamma + beta
    cache = (x, mu, inv_std, gamma)
    running_mean *= momentum
    running_mean += (1 - momentum) * mu
    running_var *= momentum
    running_var += (1 - momentum) * var
# >>> block: bn_layers layernorm_forward
mu = np.mean(x, axis=1, keepdims=True)
var = np.var(x, axis=1, keepdims=True)
inv_std = 1.0 / np.sqrt(var + eps)
xhat = (x - mu) * inv_std
out = xhat * gamma + beta
cache = (xhat, inv_std, gamma)
# >>> block: bn_layers spatial_batchnorm_forward
c = x.shape[1]
rows = np.moveaxis(x, 1, -1).reshape(-1, c)
out_rows, cache = batchnorm_forward(rows, gamma, beta, bn_param)
out = np.moveaxis(out_rows.reshape(np.moveaxis(x, 1, -1).shape), -1, 1)
# >>> block: bn_layers spatial_batchnorm_backward
c = dout.shape[1]
channels_last = np.moveaxis(dout, 1, -1)
dx_rows, dgamma, dbeta = batchnorm_backward(channels_last.reshape(-1, c), cache)
dx = np.moveaxis(dx_rows.reshape(channels_last.shape), -1, 1)
