"""Central-difference gradients in float64, and a tolerant comparison, for the kit's tests.

The function under test is reduced to a scalar with a signed random upstream gradient
(``sum(f(x) * dout)``), never with all ones: summing the output would hide bugs that
cancel across entries (a missing sum over the batch, a transposed gradient).
"""
import numpy as np


def numeric_gradient(f, x, dout=None, h=1e-6):
    """The central-difference gradient of ``sum(f(x) * dout)`` with respect to x.

    - f: a function of x returning an array (or a scalar when dout is None)
    - x: a float64 array, perturbed one entry at a time and restored afterwards
    - dout: the upstream gradient, of the shape of f(x); None for a scalar f
    - h: the step

    Returns an array of the shape of x.
    """
    if x.dtype != np.float64:
        raise TypeError(f"numeric_gradient needs float64 inputs, got {x.dtype}")

    def scalar():
        value = f(x)
        if dout is None:
            return float(value)
        return float(np.sum(np.asarray(value) * dout))

    grad = np.zeros_like(x)
    for index in np.ndindex(*x.shape):
        old = x[index]
        x[index] = old + h
        plus = scalar()
        x[index] = old - h
        minus = scalar()
        x[index] = old
        grad[index] = (plus - minus) / (2 * h)
    return grad


def assert_gradient_close(analytic, numeric, name="gradient", rtol=1e-6, atol=1e-8):
    """Assert |analytic - numeric| <= atol + rtol * max|numeric| entry by entry.

    The tolerance is relative to the scale of the whole gradient, not to each entry:
    per-entry relative errors blow up on entries that are zero up to rounding.
    """
    analytic = np.asarray(analytic, dtype=np.float64)
    assert analytic.shape == numeric.shape, (
        f"{name}: analytic shape {analytic.shape} != numeric shape {numeric.shape}")
    scale = float(np.max(np.abs(numeric))) if numeric.size else 0.0
    error = np.abs(analytic - numeric)
    bound = atol + rtol * scale
    worst = np.unravel_index(np.argmax(error), error.shape) if error.size else None
    assert error.size == 0 or error[worst] <= bound, (
        f"{name}: worst entry {worst}: analytic {analytic[worst]!r}, numeric "
        f"{numeric[worst]!r}, error {error[worst]:.3e} > {bound:.3e} "
        f"({int(np.sum(error > bound))} of {error.size} entries off)")
