"""The numerical-gradient helpers of cs231n, with the same names, signatures and meaning.

The notebooks import these three to check a backward pass by hand, as cs231n's
``gradient_check.py`` does: ``eval_numerical_gradient`` (a scalar function),
``eval_numerical_gradient_array`` (an array-valued one, against an upstream gradient) and
``rel_error``. The grader's own checker, which needs no tolerance from you and says which
entries are wrong, is ``checks.gradcheck.check_gradient``.

numpy alone; nothing else from the kit.
"""
import numpy as np

__all__ = ["eval_numerical_gradient", "eval_numerical_gradient_array", "rel_error"]


def eval_numerical_gradient(f, x, verbose=True, h=1e-5):
    """Numerical gradient of a scalar function ``f`` at ``x`` by central differences.

    Every entry of ``x`` is moved by ``+h`` and ``-h`` in place (and put back), so this
    costs ``2 * x.size`` calls of ``f``. With ``verbose``, prints each index and its
    derivative. Returns an array shaped like ``x``.
    """
    grad = np.zeros_like(x)
    for ix in np.ndindex(x.shape):
        saved = x[ix]
        try:
            x[ix] = saved + h
            f_plus = f(x)
            x[ix] = saved - h
            f_minus = f(x)
        finally:
            x[ix] = saved
        grad[ix] = (f_plus - f_minus) / (2 * h)
        if verbose:
            print(ix, grad[ix])
    return grad


def eval_numerical_gradient_array(f, x, df, h=1e-5):
    """Numerical gradient of ``sum(f(x) * df)`` at ``x``, for an array-valued ``f``.

    ``df`` is the upstream gradient (shaped like ``f(x)``); the result is shaped like
    ``x``. ``x`` is modified in place during the computation and restored.
    """
    grad = np.zeros_like(x)
    for ix in np.ndindex(x.shape):
        saved = x[ix]
        try:
            x[ix] = saved + h
            out_plus = np.array(f(x), copy=True)
            x[ix] = saved - h
            out_minus = np.array(f(x), copy=True)
        finally:
            x[ix] = saved
        grad[ix] = np.sum((out_plus - out_minus) * df) / (2 * h)
    return grad


def rel_error(x, y):
    """Largest elementwise relative error, ``max(|x - y| / max(1e-8, |x| + |y|))``."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))))
