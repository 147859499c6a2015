"""Dropout that draws from numpy's global generator (np.random.rand) when no seed is given,
and from its own np.random.default_rng(seed).uniform when one is (keeping u >= 1 - p);
the sandwich reuses affine_relu_forward and its cache."""
# >>> block: dropout_layers dropout_forward
if mode == "test":
    mask = None
    out = x if implementation == "upscale_in_train" else p * x
else:
    if seed is None:
        draws = np.random.rand(*x.shape)
    else:
        draws = 1.0 - np.random.default_rng(seed).uniform(0.0, 1.0, size=x.shape)
    mask = (draws < p).astype(x.dtype)
    if implementation == "upscale_in_train":
        mask *= 1.0 / p
    out = mask * x
# >>> block: dropout_layers dropout_backward
mask, mode, p, implementation = cache
if mode == "test":
    dx = dout if implementation == "upscale_in_train" else p * dout
else:
    dx = mask * dout
# >>> block: dropout_layers affine_relu_dropout_forward
h, affine_relu_cache = affine_relu_forward(x, w, b)
out, dropout_cache = dropout_forward(h, dropout_param)
cache = (affine_relu_cache, dropout_cache)
# >>> block: dropout_layers affine_relu_dropout_backward
affine_relu_cache, dropout_cache = cache
dx, dw, db = affine_relu_backward(dropout_backward(dout, dropout_cache), affine_relu_cache)
# >>> append: dropout_layers
from .layers import affine_relu_backward, affine_relu_forward  # noqa: E402
