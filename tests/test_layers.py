"""Tests of solutions/layers.py: affine, ReLU, softmax loss, affine-ReLU."""
import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from numgrad import assert_gradient_close, numeric_gradient
from solutions import layers
from strategies import (FAST, away_from_zero, batch_sizes, dims, gaussian, read_only, seeds,
                        signed_upstream)

input_shapes = st.lists(dims, min_size=1, max_size=3)


# --- affine ---------------------------------------------------------------------------

@FAST
@given(seed=seeds, n=batch_sizes, in_shape=input_shapes, m=dims)
def test_affine_forward_flattens_each_example(seed, n, in_shape, m):
    rng = np.random.default_rng(seed)
    x = gaussian(rng, (n, *in_shape))
    d = int(np.prod(in_shape))
    w, b = gaussian(rng, (d, m)), gaussian(rng, m)
    x_ro, w_ro, b_ro = read_only(x, w, b)
    out, _ = layers.affine_forward(x_ro, w_ro, b_ro)
    expected = np.array([[sum(x[i].ravel()[k] * w[k, j] for k in range(d)) + b[j]
                          for j in range(m)] for i in range(n)])
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)


@FAST
@given(seed=seeds, n=batch_sizes, in_shape=input_shapes, m=dims)
def test_affine_backward_matches_numeric(seed, n, in_shape, m):
    rng = np.random.default_rng(seed)
    x = gaussian(rng, (n, *in_shape))
    w = gaussian(rng, (int(np.prod(in_shape)), m))
    b = gaussian(rng, m)
    dout = signed_upstream(rng, (n, m))
    _, cache = layers.affine_forward(*read_only(x, w, b))
    dx, dw, db = layers.affine_backward(read_only(dout), cache)
    assert dx.shape == x.shape
    assert_gradient_close(dx, numeric_gradient(lambda v: layers.affine_forward(v, w, b)[0],
                                               x, dout), "dx")
    assert_gradient_close(dw, numeric_gradient(lambda v: layers.affine_forward(x, v, b)[0],
                                               w, dout), "dw")
    assert_gradient_close(db, numeric_gradient(lambda v: layers.affine_forward(x, w, v)[0],
                                               b, dout), "db")


# --- ReLU -------------------------------------------------------------------------------

@FAST
@given(seed=seeds, n=batch_sizes, d=dims)
def test_relu_forward_and_backward(seed, n, d):
    rng = np.random.default_rng(seed)
    x = away_from_zero(rng, (n, d))
    dout = signed_upstream(rng, (n, d))
    out, cache = layers.relu_forward(read_only(x))
    np.testing.assert_array_equal(out, np.where(x > 0, x, 0.0))
    dx = layers.relu_backward(read_only(dout), cache)
    assert_gradient_close(dx, numeric_gradient(lambda v: layers.relu_forward(v)[0], x, dout),
                          "dx")


def test_relu_backward_at_the_kink_is_zero():
    x = np.array([[-1.0, 0.0, 2.0]])
    _, cache = layers.relu_forward(x)
    dx = layers.relu_backward(np.array([[5.0, 5.0, 5.0]]), cache)
    np.testing.assert_array_equal(dx, [[0.0, 0.0, 5.0]])


def test_relu_backward_does_not_write_into_dout():
    x = np.array([[-1.0, 3.0]])
    dout = np.array([[7.0, 8.0]])
    _, cache = layers.relu_forward(x)
    layers.relu_backward(dout, cache)
    np.testing.assert_array_equal(dout, [[7.0, 8.0]])


# --- softmax loss -------------------------------------------------------------------------

@FAST
@given(seed=seeds, n=batch_sizes, c=st.integers(2, 6))
def test_softmax_loss_value_and_gradient(seed, n, c):
    rng = np.random.default_rng(seed)
    x = gaussian(rng, (n, c), scale=2.0)
    y = rng.integers(0, c, size=n)
    loss, dx = layers.softmax_loss(*read_only(x, y))
    assert isinstance(loss, float)
    probs = np.exp(x) / np.exp(x).sum(axis=1, keepdims=True)
    assert loss == pytest.approx(-np.mean(np.log(probs[np.arange(n), y])), rel=1e-12)
    assert_gradient_close(dx, numeric_gradient(lambda v: layers.softmax_loss(v, y)[0], x), "dx")


def test_softmax_loss_is_stable_for_huge_scores():
    x = np.array([[1000.0, 0.0, -1000.0], [1000.0, 1000.0, 0.0]])
    y = np.array([0, 2])
    loss, dx = layers.softmax_loss(x, y)
    assert np.isfinite(loss) and np.all(np.isfinite(dx))
    assert loss == pytest.approx((0.0 + (1000.0 + np.log(2.0))) / 2)


def test_softmax_loss_of_uniform_scores_is_log_c():
    loss, _ = layers.softmax_loss(np.zeros((4, 10)), np.array([0, 3, 9, 5]))
    assert loss == pytest.approx(np.log(10))


# --- affine-ReLU ---------------------------------------------------------------------------

@FAST
@given(seed=seeds, n=batch_sizes, in_shape=input_shapes, m=dims)
def test_affine_relu_matches_numeric(seed, n, in_shape, m):
    rng = np.random.default_rng(seed)
    d = int(np.prod(in_shape))
    x = gaussian(rng, (n, *in_shape))
    w = gaussian(rng, (d, m))
    b = gaussian(rng, m)
    pre = x.reshape(n, -1) @ w
    # Away from the kink: a step of 1e-6 cannot move a pre-activation across 0.
    assume(np.min(np.abs(pre + b)) > 1e-3)
    dout = signed_upstream(rng, (n, m))
    out, cache = layers.affine_relu_forward(*read_only(x, w, b))
    np.testing.assert_allclose(out, np.maximum(pre + b, 0), rtol=1e-12, atol=1e-12)
    dx, dw, db = layers.affine_relu_backward(read_only(dout), cache)

    def forward(xx, ww, bb):
        return layers.affine_relu_forward(xx, ww, bb)[0]

    assert_gradient_close(dx, numeric_gradient(lambda v: forward(v, w, b), x, dout), "dx")
    assert_gradient_close(dw, numeric_gradient(lambda v: forward(x, v, b), w, dout), "dw")
    assert_gradient_close(db, numeric_gradient(lambda v: forward(x, w, v), b, dout), "db")


# --- dtypes ------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_every_layer_preserves_the_dtype(dtype):
    rng = np.random.default_rng(0)
    x = gaussian(rng, (4, 2, 3), dtype=dtype)
    w, b = gaussian(rng, (6, 5), dtype=dtype), gaussian(rng, 5, dtype=dtype)
    dout = signed_upstream(rng, (4, 5), dtype=dtype)
    out, cache = layers.affine_forward(x, w, b)
    assert out.dtype == dtype
    assert all(g.dtype == dtype for g in layers.affine_backward(dout, cache))
    out, cache = layers.relu_forward(x)
    assert out.dtype == dtype
    assert layers.relu_backward(x, cache).dtype == dtype
    out, cache = layers.affine_relu_forward(x, w, b)
    assert out.dtype == dtype
    assert all(g.dtype == dtype for g in layers.affine_relu_backward(dout, cache))
    loss, dx = layers.softmax_loss(dout, np.array([0, 1, 4, 2]))
    assert isinstance(loss, float) and dx.dtype == dtype
