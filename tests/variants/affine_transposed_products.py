"""Affine layer computed through transposed products, so that out and dw come back in
Fortran order (dw even as a transposed view) rather than C order: the grader must take any
memory layout of a correct array."""
# >>> block: layers affine_forward
x_rows = x.reshape(x.shape[0], -1)
out = (w.T @ x_rows.T).T + b
cache = (x, w)
# >>> block: layers affine_backward
x, w = cache
x_rows = x.reshape(x.shape[0], -1)
dw = (dout.T @ x_rows).T
dx = (w @ dout.T).T.reshape(x.shape)
db = dout.T.sum(axis=1)
