"""Dropout whose mask is a binomial draw, rng.binomial(1, p, size), from the seeded
np.random.default_rng; test mode multiplies by a factor instead of branching on a copy."""
# >>> block: dropout_layers dropout_forward
if mode == "train":
    keep = np.random.default_rng(seed).binomial(1, p, size=x.shape)
    scale = 1.0 / p if implementation == "upscale_in_train" else 1.0
    mask = (keep * scale).astype(x.dtype)
    out = x * mask
else:
    mask = None
    out = x * (p if implementation == "downgrade_in_infer" else 1.0)
# >>> block: dropout_layers dropout_backward
mask, mode, p, implementation = cache
if mode == "train":
    dx = mask * dout
else:
    dx = dout * (p if implementation == "downgrade_in_infer" else 1.0)
