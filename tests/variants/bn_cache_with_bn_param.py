"""Batch normalization whose cache holds the bn_param dict itself (the backward reads eps
from it), with the running statistics updated in place in bn_param's arrays, and a
backward written with np.einsum sums and x rebuilt from the cache."""
# >>> block: bn_layers batchnorm_forward
if mode == "train":
    mu = x.mean(axis=0)
    var = x.var(axis=0)
    out = gamma * (x - mu) / np.sqrt(var + eps) + beta
    running_mean *= momentum
    running_mean += (1 - momentum) * mu
    running_var *= momentum
    running_var += (1 - momentum) * var
    cache = (x, mu, var, gamma, bn_param)
else:
    out = gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta
    cache = None
# >>> block: bn_layers batchnorm_backward
x, mu, var, gamma, param = cache
n = x.shape[0]
std = np.sqrt(var + param.get("eps", 1e-5))
xhat = (x - mu) / std
dbeta = np.einsum("nd->d", dout)
dgamma = np.einsum("nd,nd->d", dout, xhat)
dxhat = dout * gamma
dvar = np.einsum("nd,nd->d", dxhat, x - mu) * -0.5 * std ** -3
dmu = -np.einsum("nd->d", dxhat) / std - 2.0 * dvar * np.einsum("nd->d", x - mu) / n
dx = dxhat / std + dvar * 2.0 * (x - mu) / n + dmu / n
# >>> block: bn_layers batchnorm_backward_alt
x, mu, var, gamma, param = cache
n = x.shape[0]
std = np.sqrt(var + param.get("eps", 1e-5))
xhat = (x - mu) / std
dbeta = dout.sum(axis=0)
dgamma = np.sum(dout * xhat, axis=0)
dx = gamma / (n * std) * (n * dout - dbeta - xhat * dgamma)
