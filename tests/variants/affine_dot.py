"""Affine layer with np.dot on x.reshape(N, -1) and a cs231n-style cache (x, w, b).

The sandwich is written out in one function per pass with its own cache layout (a dict),
instead of calling affine_forward and relu_forward.
"""
# >>> block: layers affine_forward
N = x.shape[0]
out = np.dot(x.reshape(N, -1), w) + b
cache = (x, w, b)
# >>> block: layers affine_backward
x, w, b = cache
N = x.shape[0]
dx = np.dot(dout, w.T).reshape(*x.shape)
dw = np.dot(x.reshape(N, -1).T, dout)
db = np.sum(dout, axis=0)
# >>> block: layers affine_relu_forward
pre = np.dot(x.reshape(x.shape[0], -1), w) + b
out = np.maximum(pre, 0)
cache = {"x": x, "w": w, "pre": pre}
# >>> block: layers affine_relu_backward
x, w, pre = cache["x"], cache["w"], cache["pre"]
dpre = np.where(pre > 0, dout, 0)
dx = np.dot(dpre, w.T).reshape(x.shape)
dw = np.dot(x.reshape(x.shape[0], -1).T, dpre)
db = dpre.sum(axis=0)
