"""Batch and layer normalization with one-pass statistics: the variance as E[x^2] - E[x]^2,
computed from the sums of x and x * x without a centered copy, as many students write it.
It loses digits when a mean is large against the spread (the checks' rows and columns have
standard deviations down to 0.01): on layernorm_forward's check input the variance is off by
1.4e-10 relative in float64, far inside the checks' tolerance of 1e-5."""
# >>> block: bn_layers batchnorm_forward
if mode == "train":
    n = x.shape[0]
    mu = x.sum(axis=0) / n
    var = (x * x).sum(axis=0) / n - mu * mu
    inv_std = 1 / np.sqrt(var + eps)
    out = gamma * (x - mu) * inv_std + beta
    cache = (x, mu, inv_std, gamma)
    running_mean = momentum * running_mean + (1 - momentum) * mu
    running_var = momentum * running_var + (1 - momentum) * var
else:
    out = gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta
    cache = None
# >>> block: bn_layers layernorm_forward
mu = np.mean(x, axis=1, keepdims=True)
var = np.mean(x ** 2, axis=1, keepdims=True) - mu ** 2
inv_std = 1 / np.sqrt(var + eps)
xhat = (x - mu) * inv_std
out = gamma * xhat + beta
cache = (xhat, inv_std, gamma)
