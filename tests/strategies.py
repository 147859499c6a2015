"""Hypothesis strategies and array builders shared by the kit's tests.

Hypothesis draws the shapes and a seed; the arrays are built with numpy from that seed,
with data chosen on purpose: no column of zero variance for batch normalization,
ReLU inputs kept away from the kink at 0, probabilities away from their edges. (The
default array strategies fill arrays with exact zeros and repeated values, degenerate
cases that a numerical-gradient check cannot judge.)
"""
import numpy as np
from hypothesis import settings
from hypothesis import strategies as st

# derandomize: the same examples on every run and machine; no example database.
FAST = settings(derandomize=True, database=None, deadline=None, max_examples=15)
QUICK = settings(derandomize=True, database=None, deadline=None, max_examples=6)

seeds = st.integers(min_value=0, max_value=2**32 - 1)
batch_sizes = st.integers(min_value=2, max_value=6)
dims = st.integers(min_value=1, max_value=5)
features = st.integers(min_value=2, max_value=6)
keep_probs = st.sampled_from([0.1, 0.25, 0.5, 0.8, 0.95])
float_dtypes = st.sampled_from([np.float32, np.float64])


def gaussian(rng, shape, scale=1.0, dtype=np.float64):
    """Standard normal entries times scale."""
    return (scale * rng.standard_normal(shape)).astype(dtype)


def signed_upstream(rng, shape, dtype=np.float64):
    """A signed random upstream gradient (never all ones)."""
    return rng.standard_normal(shape).astype(dtype)


def away_from_zero(rng, shape, low=0.2, high=2.0, dtype=np.float64):
    """Entries of random sign with |value| in [low, high]: no ReLU kink within reach of a
    finite difference."""
    magnitude = rng.uniform(low, high, size=shape)
    sign = rng.choice([-1.0, 1.0], size=shape)
    return (sign * magnitude).astype(dtype)


def columns_with_spread(rng, n, d, dtype=np.float64):
    """An (n, d) array whose columns have a random mean and a standard deviation in
    [0.5, 3] exactly (each column is a standardized Gaussian sample, rescaled): batch
    normalization is well conditioned on it."""
    z = rng.standard_normal((n, d))
    z = (z - z.mean(axis=0)) / z.std(axis=0)
    scale = rng.uniform(0.5, 3.0, size=d)
    shift = rng.uniform(-3.0, 3.0, size=d)
    return (z * scale + shift).astype(dtype)


def rows_with_spread(rng, n, d, dtype=np.float64):
    """The transpose of columns_with_spread: every row has a clear spread (layernorm)."""
    return np.ascontiguousarray(columns_with_spread(rng, d, n, dtype).T)


def scale_shift(rng, d, dtype=np.float64):
    """gamma with |gamma| in [0.5, 2] (random sign) and beta in [-1, 1], of shape (d,)."""
    gamma = away_from_zero(rng, d, 0.5, 2.0)
    beta = rng.uniform(-1.0, 1.0, size=d)
    return gamma.astype(dtype), beta.astype(dtype)


def read_only(*arrays):
    """Copies of the arrays that cannot be written to: a backward pass that writes into
    its inputs raises instead of silently corrupting them."""
    copies = []
    for array in arrays:
        copy = np.array(array, copy=True)
        copy.flags.writeable = False
        copies.append(copy)
    return copies if len(copies) != 1 else copies[0]
