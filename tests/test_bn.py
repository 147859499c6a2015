"""Tests of solutions/bn_layers.py: batch normalization (flat and spatial), layer
normalization and affine-batchnorm-ReLU."""
import copy

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from numgrad import assert_gradient_close, numeric_gradient
from solutions import bn_layers as bn
from strategies import (FAST, QUICK, batch_sizes, columns_with_spread, features, gaussian,
                        read_only, rows_with_spread, scale_shift, seeds, signed_upstream)

# --- batchnorm forward --------------------------------------------------------------------


@FAST
@given(seed=seeds, n=st.integers(2, 10), d=features)
def test_train_output_has_mean_beta_and_std_gamma(seed, n, d):
    rng = np.random.default_rng(seed)
    x = columns_with_spread(rng, n, d)
    gamma, beta = scale_shift(rng, d)
    gamma = np.abs(gamma)
    # eps tiny so that std(out) is gamma up to 1e-10 (var >= 0.25 here).
    out, _ = bn.batchnorm_forward(read_only(x), gamma, beta, {"mode": "train", "eps": 1e-12})
    np.testing.assert_allclose(out.mean(axis=0), beta, atol=1e-12)
    np.testing.assert_allclose(out.std(axis=0), gamma, rtol=1e-9)


def test_train_uses_the_biased_variance_and_default_eps():
    x = np.array([[0.0], [2.0]])  # mean 1, biased variance 1 (unbiased would be 2)
    out, _ = bn.batchnorm_forward(x, np.ones(1), np.zeros(1), {"mode": "train"})
    np.testing.assert_allclose(out.ravel(), [-1 / np.sqrt(1 + 1e-5), 1 / np.sqrt(1 + 1e-5)],
                               rtol=1e-14)


@FAST
@given(seed=seeds, n=batch_sizes, d=features, steps=st.integers(1, 4),
       momentum=st.sampled_from([0.0, 0.5, 0.9, 0.99]))
def test_running_statistics_over_several_steps(seed, n, d, steps, momentum):
    rng = np.random.default_rng(seed)
    gamma, beta = scale_shift(rng, d)
    bn_param = {"mode": "train", "momentum": momentum}
    mean, var = np.zeros(d), np.zeros(d)
    for _ in range(steps):
        x = columns_with_spread(rng, n, d)
        bn.batchnorm_forward(x, gamma, beta, bn_param)
        mean = momentum * mean + (1 - momentum) * x.mean(axis=0)
        var = momentum * var + (1 - momentum) * x.var(axis=0)  # biased: divides by N
        np.testing.assert_allclose(bn_param["running_mean"], mean, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(bn_param["running_var"], var, rtol=1e-12, atol=1e-14)


def test_default_momentum_is_0_9_and_running_stats_start_at_zero():
    x = np.array([[1.0, 10.0], [3.0, 14.0]])
    bn_param = {"mode": "train"}
    bn.batchnorm_forward(x, np.ones(2), np.zeros(2), bn_param)
    np.testing.assert_allclose(bn_param["running_mean"], [0.2, 1.2])
    np.testing.assert_allclose(bn_param["running_var"], [0.1, 0.4])


@FAST
@given(seed=seeds, n=batch_sizes, d=features)
def test_test_mode_uses_running_statistics_and_changes_nothing(seed, n, d):
    rng = np.random.default_rng(seed)
    gamma, beta = scale_shift(rng, d)
    running_mean = gaussian(rng, d)
    running_var = rng.uniform(0.5, 2.0, d)
    bn_param = {"mode": "test", "running_mean": running_mean, "running_var": running_var,
                "eps": 1e-3, "momentum": 0.7}
    saved = copy.deepcopy(bn_param)
    x = gaussian(rng, (n, d))
    out, _ = bn.batchnorm_forward(read_only(x), gamma, beta, bn_param)
    expected = gamma * (x - running_mean) / np.sqrt(running_var + 1e-3) + beta
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)
    assert bn_param.keys() == saved.keys()
    assert bn_param["running_mean"] is running_mean and bn_param["running_var"] is running_var
    for key in ("running_mean", "running_var"):
        np.testing.assert_array_equal(bn_param[key], saved[key])


def test_test_mode_after_training_uses_what_training_stored():
    rng = np.random.default_rng(5)
    bn_param = {"mode": "train"}
    gamma, beta = np.ones(3), np.zeros(3)
    for _ in range(50):
        bn.batchnorm_forward(2.0 + 3.0 * rng.standard_normal((64, 3)), gamma, beta, bn_param)
    bn_param["mode"] = "test"
    out, _ = bn.batchnorm_forward(2.0 + 3.0 * rng.standard_normal((500, 3)), gamma, beta,
                                  bn_param)
    # The running statistics estimate mean 2 and variance 9: the test output is roughly
    # standardized.
    np.testing.assert_allclose(out.mean(axis=0), 0.0, atol=0.3)
    np.testing.assert_allclose(out.std(axis=0), 1.0, atol=0.15)


def test_train_mode_does_not_modify_the_given_running_arrays():
    running_mean, running_var = np.ones(2), np.ones(2)
    bn_param = {"mode": "train", "running_mean": running_mean, "running_var": running_var}
    bn.batchnorm_forward(np.array([[0.0, 1.0], [4.0, 3.0]]), np.ones(2), np.zeros(2), bn_param)
    np.testing.assert_array_equal(running_mean, [1.0, 1.0])
    np.testing.assert_allclose(bn_param["running_mean"], [0.9 + 0.2, 0.9 + 0.2])


# --- batchnorm backward -------------------------------------------------------------------

def bn_gradients_numeric(forward, x, gamma, beta, dout):
    return (numeric_gradient(lambda v: forward(v, gamma, beta), x, dout),
            numeric_gradient(lambda v: forward(x, v, beta), gamma, dout),
            numeric_gradient(lambda v: forward(x, gamma, v), beta, dout))


def assert_three_gradients(analytic, numeric):
    for name, a, n in zip(("dx", "dgamma", "dbeta"), analytic, numeric):
        assert_gradient_close(a, n, name)


@FAST
@given(seed=seeds, n=batch_sizes, d=features)
def test_batchnorm_backward_both_forms_match_numeric_and_each_other(seed, n, d):
    rng = np.random.default_rng(seed)
    x = columns_with_spread(rng, n, d)
    gamma, beta = scale_shift(rng, d)
    dout = signed_upstream(rng, (n, d))
    _, cache = bn.batchnorm_forward(*read_only(x, gamma, beta), {"mode": "train"})
    steps = bn.batchnorm_backward(read_only(dout), cache)
    closed = bn.batchnorm_backward_alt(read_only(dout), cache)
    for a, b in zip(steps, closed):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)

    def forward(xx, gg, bb):
        return bn.batchnorm_forward(xx, gg, bb, {"mode": "train"})[0]

    numeric = bn_gradients_numeric(forward, x, gamma, beta, dout)
    assert_three_gradients(steps, numeric)
    assert_three_gradients(closed, numeric)


def _batchnorm_in_float64(x, gamma, beta, dout, eps=1e-5):
    """Batch normalization forward and closed-form backward, one plain float64
    expression each: the yardstick of the reference on large inputs in either dtype."""
    x, gamma, beta, dout = (np.asarray(a, np.float64) for a in (x, gamma, beta, dout))
    inv_std = 1.0 / np.sqrt(x.var(axis=0) + eps)
    xhat = (x - x.mean(axis=0)) * inv_std
    dbeta, dgamma = dout.sum(axis=0), (dout * xhat).sum(axis=0)
    dx = gamma * inv_std / len(x) * (len(x) * dout - dbeta - xhat * dgamma)
    return gamma * xhat + beta, dx, dgamma, dbeta


@pytest.mark.parametrize("shape, dtype, tol", [
    ((1031, 300), np.float64, 1e-10),
    ((600, 1024), np.float32, 2e-4),
    ((1, (1 << 18) + 3), np.float64, 1e-10),  # one row
    ((3, 1 << 17), np.float32, 2e-4),   # few rows, many features
])
def test_large_inputs_agree_with_plain_float64_formulas(shape, dtype, tol):
    rng = np.random.default_rng(7)
    n, d = shape
    x = (3.0 * rng.standard_normal(shape) + 5.0).astype(dtype)
    gamma, beta = rng.uniform(0.5, 1.5, d).astype(dtype), rng.standard_normal(d).astype(dtype)
    dout = rng.standard_normal(shape).astype(dtype)
    bn_param = {"mode": "train"}
    out, cache = bn.batchnorm_forward(*read_only(x, gamma, beta), bn_param)
    dx, dgamma, dbeta = bn.batchnorm_backward_alt(read_only(dout), cache)
    steps = bn.batchnorm_backward(read_only(dout), cache)
    want = _batchnorm_in_float64(x, gamma, beta, dout)
    for name, got, wanted in zip(("out", "dx", "dgamma", "dbeta"), (out, dx, dgamma, dbeta), want):
        assert got.dtype == dtype, name
        scale = max(1.0, np.abs(wanted).max())
        assert np.abs(got - wanted).max() <= tol * scale, name
    for got, alt in zip(steps, (dx, dgamma, dbeta)):
        np.testing.assert_allclose(got, alt, rtol=0, atol=tol * max(1.0, np.abs(alt).max()))
    np.testing.assert_allclose(bn_param["running_mean"], 0.1 * x.astype(np.float64).mean(axis=0),
                               rtol=tol, atol=tol)


def test_batchnorm_backward_of_zero_upstream_is_zero():
    rng = np.random.default_rng(0)
    _, cache = bn.batchnorm_forward(columns_with_spread(rng, 5, 3), np.ones(3), np.zeros(3),
                                    {"mode": "train"})
    for backward in (bn.batchnorm_backward, bn.batchnorm_backward_alt):
        for g in backward(np.zeros((5, 3)), cache):
            assert not np.any(g)


# --- spatial batchnorm ---------------------------------------------------------------------

@FAST
@given(seed=seeds, n=st.integers(1, 3), c=st.integers(1, 3), h=st.integers(1, 3),
       w=st.integers(2, 3))
def test_spatial_batchnorm_is_batchnorm_of_the_pixels(seed, n, c, h, w):
    rng = np.random.default_rng(seed)
    rows = columns_with_spread(rng, n * h * w, c)
    x = rows.reshape(n, h, w, c).transpose(0, 3, 1, 2).copy()
    gamma, beta = scale_shift(rng, c)
    dout = signed_upstream(rng, (n, c, h, w))
    param_spatial, param_flat = {"mode": "train"}, {"mode": "train"}
    out, cache = bn.spatial_batchnorm_forward(*read_only(x, gamma, beta), param_spatial)
    out_rows, cache_rows = bn.batchnorm_forward(rows, gamma, beta, param_flat)
    assert out.shape == x.shape
    np.testing.assert_allclose(out, out_rows.reshape(n, h, w, c).transpose(0, 3, 1, 2),
                               rtol=1e-12, atol=1e-12)
    for key in ("running_mean", "running_var"):
        np.testing.assert_allclose(param_spatial[key], param_flat[key], rtol=1e-12)
    dx, dgamma, dbeta = bn.spatial_batchnorm_backward(read_only(dout), cache)
    dx_rows, dgamma_rows, dbeta_rows = bn.batchnorm_backward(
        dout.transpose(0, 2, 3, 1).reshape(-1, c), cache_rows)
    np.testing.assert_allclose(dx, dx_rows.reshape(n, h, w, c).transpose(0, 3, 1, 2),
                               rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dgamma, dgamma_rows, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dbeta, dbeta_rows, rtol=1e-10, atol=1e-12)

    def forward(xx, gg, bb):
        return bn.spatial_batchnorm_forward(xx, gg, bb, {"mode": "train"})[0]

    assert_three_gradients((dx, dgamma, dbeta),
                           bn_gradients_numeric(forward, x, gamma, beta, dout))


def test_spatial_batchnorm_test_mode():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 3, 4, 5))
    bn_param = {"mode": "test", "running_mean": np.array([0.0, 1.0, -1.0]),
                "running_var": np.array([1.0, 4.0, 0.25])}
    out, _ = bn.spatial_batchnorm_forward(x, np.ones(3), np.zeros(3), bn_param)
    expected = (x - bn_param["running_mean"][:, None, None]) / np.sqrt(
        bn_param["running_var"][:, None, None] + 1e-5)
    np.testing.assert_allclose(out, expected, rtol=1e-12)


# --- layernorm -----------------------------------------------------------------------------

@FAST
@given(seed=seeds, n=batch_sizes, d=features)
def test_layernorm_normalizes_each_sample(seed, n, d):
    rng = np.random.default_rng(seed)
    x = rows_with_spread(rng, n, d)
    out, _ = bn.layernorm_forward(read_only(x), np.ones(d), np.zeros(d), {"eps": 1e-12})
    np.testing.assert_allclose(out.mean(axis=1), 0.0, atol=1e-12)
    np.testing.assert_allclose(out.std(axis=1), 1.0, rtol=1e-9)  # biased std
    gamma, beta = scale_shift(rng, d)
    out2, _ = bn.layernorm_forward(x, gamma, beta, {"eps": 1e-12})
    np.testing.assert_allclose(out2, gamma * out + beta, rtol=1e-12, atol=1e-12)


def test_layernorm_default_eps_and_ignored_keys():
    x = np.array([[0.0, 2.0], [5.0, 7.0]])
    out, _ = bn.layernorm_forward(x, np.ones(2), np.zeros(2), {})
    np.testing.assert_allclose(out, [[-1, 1], [-1, 1]] / np.sqrt(1 + 1e-5), rtol=1e-14)
    ln_param = {"mode": "test", "momentum": 0.3}
    out_test, _ = bn.layernorm_forward(x, np.ones(2), np.zeros(2), ln_param)
    np.testing.assert_array_equal(out_test, out)
    assert ln_param == {"mode": "test", "momentum": 0.3}  # no running statistics


@FAST
@given(seed=seeds, n=batch_sizes, d=features)
def test_layernorm_backward_matches_numeric(seed, n, d):
    rng = np.random.default_rng(seed)
    x = rows_with_spread(rng, n, d)
    gamma, beta = scale_shift(rng, d)
    dout = signed_upstream(rng, (n, d))
    _, cache = bn.layernorm_forward(*read_only(x, gamma, beta), {"mode": "train"})
    grads = bn.layernorm_backward(read_only(dout), cache)

    def forward(xx, gg, bb):
        return bn.layernorm_forward(xx, gg, bb, {})[0]

    assert_three_gradients(grads, bn_gradients_numeric(forward, x, gamma, beta, dout))


# --- affine-batchnorm-ReLU -----------------------------------------------------------------

@QUICK
@given(seed=seeds, n=st.integers(3, 6), d=st.integers(1, 4), m=features)
def test_affine_bn_relu_matches_numeric(seed, n, d, m):
    rng = np.random.default_rng(seed)
    x, w, b = gaussian(rng, (n, d)), gaussian(rng, (d, m)), gaussian(rng, m)
    gamma, beta = scale_shift(rng, m)
    a = x @ w + b
    assume(np.min(a.std(axis=0)) > 0.3)  # batchnorm well conditioned
    pre = gamma * (a - a.mean(axis=0)) / np.sqrt(a.var(axis=0) + 1e-5) + beta
    assume(np.min(np.abs(pre)) > 1e-3)  # away from the ReLU kink
    dout = signed_upstream(rng, (n, m))
    bn_param = {"mode": "train"}
    out, cache = bn.affine_bn_relu_forward(*read_only(x, w, b, gamma, beta), bn_param)
    np.testing.assert_allclose(out, np.maximum(pre, 0), rtol=1e-10, atol=1e-12)
    assert set(bn_param) >= {"running_mean", "running_var"}
    grads = bn.affine_bn_relu_backward(read_only(dout), cache)
    args = [x, w, b, gamma, beta]
    for i, (name, g) in enumerate(zip(("dx", "dw", "db", "dgamma", "dbeta"), grads)):
        def forward(v, i=i):
            call = list(args)
            call[i] = v
            return bn.affine_bn_relu_forward(*call, {"mode": "train"})[0]
        assert_gradient_close(g, numeric_gradient(forward, args[i], dout), name)


# --- dtypes --------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_every_normalization_preserves_the_dtype(dtype):
    rng = np.random.default_rng(0)
    x = columns_with_spread(rng, 6, 4, dtype)
    gamma, beta = scale_shift(rng, 4, dtype)
    dout = signed_upstream(rng, (6, 4), dtype)

    def all_of(arrays):
        return all(a.dtype == dtype for a in arrays)

    bn_param = {"mode": "train"}
    out, cache = bn.batchnorm_forward(x, gamma, beta, bn_param)
    assert out.dtype == dtype
    assert all_of([bn_param["running_mean"], bn_param["running_var"]])
    assert all_of(bn.batchnorm_backward(dout, cache))
    assert all_of(bn.batchnorm_backward_alt(dout, cache))
    out, cache = bn.batchnorm_forward(x, gamma, beta, bn_param)  # second step, same dtype
    assert all_of([bn_param["running_mean"], bn_param["running_var"]])
    bn_param["mode"] = "test"
    assert bn.batchnorm_forward(x, gamma, beta, bn_param)[0].dtype == dtype

    x4 = x.reshape(2, 4, 3, 1).copy()
    spatial_param = {"mode": "train"}
    out, cache = bn.spatial_batchnorm_forward(x4, gamma, beta, spatial_param)
    assert out.dtype == dtype and all_of(spatial_param[k] for k in ("running_mean",
                                                                     "running_var"))
    assert all_of(bn.spatial_batchnorm_backward(out, cache))

    out, cache = bn.layernorm_forward(x, gamma, beta, {})
    assert out.dtype == dtype
    assert all_of(bn.layernorm_backward(dout, cache))

    w, b = gaussian(rng, (4, 4), dtype=dtype), gaussian(rng, 4, dtype=dtype)
    out, cache = bn.affine_bn_relu_forward(x, w, b, gamma, beta, {"mode": "train"})
    assert out.dtype == dtype
    assert all_of(bn.affine_bn_relu_backward(dout, cache))


def test_numpy_float64_hyperparameters_do_not_upcast_float32():
    x = columns_with_spread(np.random.default_rng(0), 5, 3, np.float32)
    bn_param = {"mode": "train", "eps": np.float64(1e-5), "momentum": np.float64(0.9)}
    out, _ = bn.batchnorm_forward(x, np.ones(3, np.float32), np.zeros(3, np.float32), bn_param)
    assert out.dtype == np.float32 and bn_param["running_var"].dtype == np.float32
    out, _ = bn.layernorm_forward(x, np.ones(3, np.float32), np.zeros(3, np.float32),
                                  {"eps": np.float64(1e-5)})
    assert out.dtype == np.float32
