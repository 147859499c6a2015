"""Layer normalization as the batch normalization of x.T (the cs231n hint taken
literally): batchnorm_forward in train mode on the transposed input with unit scale and zero
shift and a throwaway bn_param, then gamma and beta applied per feature; the backward goes
through batchnorm_backward_alt on the transposed gradient of xhat."""
# >>> block: bn_layers layernorm_forward
n = x.shape[0]
throwaway = {"mode": "train", "eps": eps}
xhat_t, bn_cache = batchnorm_forward(x.T, np.ones(n, dtype=x.dtype), np.zeros(n, dtype=x.dtype), throwaway)
xhat = xhat_t.T
out = gamma * xhat + beta
cache = (bn_cache, xhat, gamma)
# >>> block: bn_layers layernorm_backward
bn_cache, xhat, gamma = cache
dbeta = dout.sum(axis=0)
dgamma = (dout * xhat).sum(axis=0)
dxhat_t = (dout * gamma).T
dx_t, _, _ = batchnorm_backward_alt(dxhat_t, bn_cache)
dx = dx_t.T
