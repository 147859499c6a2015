"""Dropout written the way the original cs231n code is: the mask comes from
np.random.RandomState(seed) (a fresh, OS-seeded one without a seed), the cache is
(dropout_param, keep) with the boolean keep mask, test mode returns x itself, and the
backward reads the mode from the cached dict and returns dout itself in test mode."""
# >>> append: dropout_layers
def dropout_forward(x, dropout_param):
    check_array(x, "x", "dropout_forward")
    mode, p, implementation, seed = _check_dropout_param(dropout_param, "dropout_forward")
    keep = None
    if mode == "train":
        keep = np.random.RandomState(seed).rand(*x.shape) < p
        out = x * keep
        if implementation == "upscale_in_train":
            out /= p
    elif implementation == "upscale_in_train":
        out = x
    else:
        out = x * p
    return out, (dropout_param, keep)


def dropout_backward(dout, cache):
    check_array(dout, "dout", "dropout_backward")
    dropout_param, keep = cache
    p = dropout_param["p"]
    inverted = dropout_param.get("implementation", "upscale_in_train") == "upscale_in_train"
    if dropout_param["mode"] == "train":
        dx = dout * keep / p if inverted else dout * keep
    else:
        dx = dout if inverted else dout * p
    return dx
