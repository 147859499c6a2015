"""Batch normalization with a dict cache {x, mu, var, eps, gamma, xhat} and the two
backward passes swapped: batchnorm_backward is a closed form (written with the mean of
dxhat), batchnorm_backward_alt walks the graph step by step (the staged computation popular
with cs231n students: xmu, sqrtvar, ivar, ...). The sandwich keeps its caches in a dict."""
# >>> block: bn_layers batchnorm_forward
if mode == "train":
    mu = np.mean(x, axis=0)
    var = np.mean((x - mu) ** 2, axis=0)
    xhat = (x - mu) / np.sqrt(var + eps)
    out = gamma * xhat + beta
    cache = {"x": x, "mu": mu, "var": var, "eps": eps, "gamma": gamma, "xhat": xhat}
    running_mean = momentum * running_mean + (1 - momentum) * mu
    running_var = momentum * running_var + (1 - momentum) * var
else:
    out = gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta
    cache = None
# >>> block: bn_layers batchnorm_backward
xhat, gamma = cache["xhat"], cache["gamma"]
inv_std = 1.0 / np.sqrt(cache["var"] + cache["eps"])
dbeta = np.sum(dout, axis=0)
dgamma = np.sum(dout * xhat, axis=0)
dxhat = dout * gamma
dx = inv_std * (dxhat - dxhat.mean(axis=0) - xhat * (dxhat * xhat).mean(axis=0))
# >>> block: bn_layers batchnorm_backward_alt
x, mu, var, eps, gamma = cache["x"], cache["mu"], cache["var"], cache["eps"], cache["gamma"]
N = x.shape[0]
xmu = x - mu
sqrtvar = np.sqrt(var + eps)
ivar = 1.0 / sqrtvar
xhat = xmu * ivar
dbeta = np.sum(dout, axis=0)
dgammax = dout
dgamma = np.sum(dgammax * xhat, axis=0)
dxhat = dgammax * gamma
divar = np.sum(dxhat * xmu, axis=0)
dxmu1 = dxhat * ivar
dsqrtvar = -1.0 / (sqrtvar ** 2) * divar
dvar = 0.5 * 1.0 / np.sqrt(var + eps) * dsqrtvar
dsq = 1.0 / N * np.ones_like(x) * dvar
dxmu2 = 2 * xmu * dsq
dx1 = dxmu1 + dxmu2
dmu = -1 * np.sum(dx1, axis=0)
dx2 = 1.0 / N * np.ones_like(x) * dmu
dx = dx1 + dx2
# >>> block: bn_layers affine_bn_relu_forward
cache = {}
a, cache["affine"] = affine_forward(x, w, b)
a_norm, cache["bn"] = batchnorm_forward(a, gamma, beta, bn_param)
out, cache["relu"] = relu_forward(a_norm)
# >>> block: bn_layers affine_bn_relu_backward
da_norm = relu_backward(dout, cache["relu"])
da, dgamma, dbeta = batchnorm_backward(da_norm, cache["bn"])
dx, dw, db = affine_backward(da, cache["affine"])
