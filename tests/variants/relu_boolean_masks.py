"""ReLU with boolean masks and in-place assignment on copies; the cache is the mask.

relu_forward keeps the boolean mask x > 0 instead of x (a whole-function rewrite, since
``cache = x`` is given code), and both passes zero entries through indexing:
``out = x.copy(); out[~mask] = 0`` and ``dx = dout.copy(); dx[~mask] = 0``. Writing into
the copies is fine; the inputs stay untouched.
"""
# >>> append: layers
def relu_forward(x):
    check_array(x, "x", "relu_forward")
    positive = x > 0
    out = x.copy()
    out[~positive] = 0
    return out, positive


def relu_backward(dout, cache):
    check_array(dout, "dout", "relu_backward")
    positive = cache
    dx = dout.copy()
    dx[~positive] = 0
    return dx
