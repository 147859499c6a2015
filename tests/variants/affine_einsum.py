"""Affine layer without reshaping x: np.tensordot over x's trailing axes forward, einsum
backward (w reshaped to (d_1, ..., d_k, M) instead of x to (N, D))."""
# >>> block: layers affine_forward
w_blocks = w.reshape(*x.shape[1:], w.shape[1])
out = np.tensordot(x, w_blocks, axes=x.ndim - 1) + b
cache = (x, w)
# >>> block: layers affine_backward
x, w = cache
w_blocks = w.reshape(*x.shape[1:], w.shape[1])
dx = np.einsum("nm,...m->n...", dout, w_blocks)
dw = np.einsum("n...,nm->...m", x, dout).reshape(w.shape)
db = np.einsum("nm->m", dout)
