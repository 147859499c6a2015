"""Tests of solutions/fc_net.py: FullyConnectedNet."""
import copy
import itertools

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from numgrad import assert_gradient_close, numeric_gradient
from solutions.fc_net import FullyConnectedNet
from strategies import QUICK, seeds

NORMALIZATIONS = [None, "batchnorm", "layernorm"]
COMBINATIONS = list(itertools.product(NORMALIZATIONS, [1, 0.5], [0.0, 0.7]))


def pre_activations(net, X):
    """Replay the net's train-mode forward pass by hand (with copies of its layer
    parameters, so nothing is updated); return the inputs of every ReLU."""
    bn_params = copy.deepcopy(net.bn_params)
    dropout_param = dict(net.dropout_param, mode="train")
    h, seen = X.reshape(X.shape[0], -1), []
    for i in range(1, net.num_layers):
        a = h @ net.params[f"W{i}"] + net.params[f"b{i}"]
        if net.normalization is not None:
            axis = 0 if net.normalization == "batchnorm" else 1
            mu, var = a.mean(axis=axis, keepdims=True), a.var(axis=axis, keepdims=True)
            a = net.params[f"gamma{i}"] * (a - mu) / np.sqrt(var + 1e-5) + net.params[f"beta{i}"]
        seen.append(a)
        h = np.maximum(a, 0)
        if net.use_dropout:
            keep = np.random.default_rng(dropout_param["seed"]).random(h.shape) < \
                dropout_param["p"]
            h = h * keep / dropout_param["p"]
    del bn_params
    return seen, h @ net.params[f"W{net.num_layers}"] + net.params[f"b{net.num_layers}"]


# --- gradients of every combination -------------------------------------------------------

@pytest.mark.parametrize("normalization,keep,reg", COMBINATIONS)
@QUICK
@given(seed=seeds, n=st.integers(3, 5), hidden=st.lists(st.integers(2, 4), min_size=1,
                                                          max_size=2))
def test_gradients_match_numeric(normalization, keep, reg, seed, n, hidden):
    rng = np.random.default_rng(seed)
    input_dim, num_classes = 4, 3
    net = FullyConnectedNet(hidden, input_dim=input_dim, num_classes=num_classes,
                            dropout_keep_ratio=keep, normalization=normalization, reg=reg,
                            weight_scale=0.7, dtype=np.float64, seed=seed)
    for name in net.params:  # move gammas and betas away from their initial 1 and 0
        if name.startswith(("gamma", "beta", "b")):
            net.params[name] = net.params[name] + rng.uniform(-0.3, 0.3, net.params[name].shape)
    X = rng.standard_normal((n, input_dim))
    y = rng.integers(0, num_classes, size=n)
    relu_inputs, scores = pre_activations(net, X)
    assume(all(np.min(np.abs(a)) > 1e-3 for a in relu_inputs))  # away from the kinks
    if normalization == "batchnorm":  # no nearly constant feature in the first batchnorm
        assume(np.min(np.std(X @ net.params["W1"], axis=0)) > 0.1)

    loss, grads = net.loss(X, y)
    assert isinstance(loss, float)
    assert grads.keys() == net.params.keys()
    if normalization != "batchnorm" and not net.use_dropout:  # test mode == train mode
        np.testing.assert_allclose(net.loss(X), scores, rtol=1e-10, atol=1e-12)
    for name, param in net.params.items():
        assert grads[name].shape == param.shape and grads[name].dtype == np.float64
        numeric = numeric_gradient(lambda _: net.loss(X, y)[0], param, h=1e-6)
        assert_gradient_close(grads[name], numeric, name, rtol=1e-5, atol=1e-7)


def test_train_scores_match_a_manual_forward_pass_with_dropout():
    net = FullyConnectedNet([5, 4], input_dim=6, num_classes=3, dropout_keep_ratio=0.6,
                            normalization="batchnorm", weight_scale="he", dtype=np.float64,
                            seed=3)
    X = np.random.default_rng(0).standard_normal((7, 6))
    _, expected = pre_activations(net, X)
    # The softmax loss of the manual scores equals the net's train-mode loss.
    y = np.array([0, 1, 2, 0, 1, 2, 0])
    shifted = expected - expected.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss, _ = net.loss(X, y)
    assert loss == pytest.approx(-log_probs[np.arange(7), y].mean(), rel=1e-12)


# --- initialization -----------------------------------------------------------------------

@pytest.mark.parametrize("normalization", NORMALIZATIONS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_param_shapes_and_dtypes(normalization, dtype):
    net = FullyConnectedNet([7, 5, 4], input_dim=9, num_classes=3,
                            normalization=normalization, dtype=dtype, seed=0)
    dims = [9, 7, 5, 4, 3]
    expected = {}
    for i in range(1, 5):
        expected[f"W{i}"] = (dims[i - 1], dims[i])
        expected[f"b{i}"] = (dims[i],)
        if normalization is not None and i < 4:
            expected[f"gamma{i}"] = expected[f"beta{i}"] = (dims[i],)
    assert {k: v.shape for k, v in net.params.items()} == expected
    assert all(v.dtype == dtype for v in net.params.values())
    assert net.num_layers == 4
    for name, value in net.params.items():
        if name.startswith(("b", "beta")):
            assert not np.any(value)
        if name.startswith("gamma"):
            np.testing.assert_array_equal(value, 1)
    assert len(net.bn_params) == (0 if normalization is None else 3)
    assert net.dropout_param == {}


@pytest.mark.parametrize("weight_scale,expected_std", [
    (0.05, lambda fan_in: 0.05), ("he", lambda fan_in: np.sqrt(2 / fan_in)),
    ("xavier", lambda fan_in: np.sqrt(1 / fan_in))])
def test_weight_scales_apply_to_every_layer(weight_scale, expected_std):
    net = FullyConnectedNet([300, 200], input_dim=400, num_classes=100,
                            weight_scale=weight_scale, dtype=np.float64, seed=1)
    for i, fan_in in enumerate([400, 300, 200], start=1):
        w = net.params[f"W{i}"]
        # The sample std of n Gaussians has relative standard deviation 1/sqrt(2n)
        # <= 0.17% for n >= 20000: 2% is more than ten of them.
        assert w.std() == pytest.approx(expected_std(fan_in), rel=0.02)
        assert abs(w.mean()) < 5 * expected_std(fan_in) / np.sqrt(w.size)


def test_seed_makes_the_initialization_reproducible_without_the_global_rng():
    state = np.random.get_state()
    a = FullyConnectedNet([6, 5], input_dim=4, seed=42, normalization="batchnorm")
    b = FullyConnectedNet([6, 5], input_dim=4, seed=42, normalization="batchnorm")
    c = FullyConnectedNet([6, 5], input_dim=4, seed=43, normalization="batchnorm")
    after = np.random.get_state()
    np.testing.assert_array_equal(state[1], after[1])
    assert state[2] == after[2]
    for name in a.params:
        np.testing.assert_array_equal(a.params[name], b.params[name])
    assert not np.array_equal(a.params["W1"], c.params["W1"])


def test_dropout_param_holds_the_keep_ratio_and_the_seed():
    net = FullyConnectedNet([3], input_dim=2, dropout_keep_ratio=0.25, seed=9)
    assert net.use_dropout
    assert net.dropout_param == {"mode": "train", "p": 0.25, "seed": 9}
    net = FullyConnectedNet([3], input_dim=2, dropout_keep_ratio=0.25)
    assert net.dropout_param == {"mode": "train", "p": 0.25}
    net = FullyConnectedNet([3], input_dim=2, seed=9)
    assert not net.use_dropout and net.dropout_param == {}


def test_initial_loss_is_near_log_of_the_number_of_classes():
    net = FullyConnectedNet([50, 40], input_dim=30, num_classes=10, weight_scale=1e-3,
                            seed=0)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((64, 30))
    loss, _ = net.loss(X, rng.integers(0, 10, size=64))
    assert loss == pytest.approx(np.log(10), abs=1e-3)


def test_no_hidden_layer_is_a_softmax_classifier():
    net = FullyConnectedNet([], input_dim=5, num_classes=3, dtype=np.float64, seed=0)
    X = np.random.default_rng(1).standard_normal((4, 5))
    np.testing.assert_allclose(net.loss(X), X @ net.params["W1"] + net.params["b1"])


# --- modes ---------------------------------------------------------------------------------

def test_mode_switching_and_test_mode_leaves_running_stats_alone():
    net = FullyConnectedNet([6, 5], input_dim=4, num_classes=3, dropout_keep_ratio=0.5,
                            normalization="batchnorm", seed=0)
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((8, 4)), rng.integers(0, 3, size=8)
    net.loss(X, y)
    assert net.dropout_param["mode"] == "train"
    assert all(p["mode"] == "train" for p in net.bn_params)
    assert all("train" not in p and "test" not in p for p in net.bn_params)
    saved = copy.deepcopy(net.bn_params)
    scores = net.loss(X)
    assert scores.shape == (8, 3) and scores.dtype == np.float32
    assert net.dropout_param["mode"] == "test"
    assert all(p["mode"] == "test" for p in net.bn_params)
    for before, after in zip(saved, net.bn_params):
        for key in ("running_mean", "running_var"):
            np.testing.assert_array_equal(before[key], after[key])
    # Test mode is deterministic (no dropout) and uses the running statistics: two
    # calls agree, and a single example scores the same alone as in the batch.
    np.testing.assert_array_equal(net.loss(X), scores)
    np.testing.assert_allclose(net.loss(X[:1]), scores[:1], rtol=1e-5, atol=1e-6)
    net.loss(X, y)
    assert net.dropout_param["mode"] == "train"
    assert all(p["mode"] == "train" for p in net.bn_params)


def test_batchnorm_and_dropout_together():
    net = FullyConnectedNet([6, 5], input_dim=4, num_classes=3, dropout_keep_ratio=0.5,
                            normalization="batchnorm", dtype=np.float64, seed=0)
    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((8, 4)), rng.integers(0, 3, size=8)
    loss, grads = net.loss(X, y)
    assert np.isfinite(loss) and {"gamma1", "beta1", "gamma2", "beta2"} <= grads.keys()
    assert all("running_mean" in p for p in net.bn_params)
    # The seed fixes the masks: a second train call gives the same loss.
    assert net.loss(X, y)[0] == loss
    # Dropout acts: without it the train loss differs.
    plain = FullyConnectedNet([6, 5], input_dim=4, num_classes=3,
                              normalization="batchnorm", dtype=np.float64, seed=0)
    assert plain.loss(X, y)[0] != loss


def test_layernorm_with_dropout_and_float32():
    net = FullyConnectedNet([6, 5], input_dim=4, num_classes=3, dropout_keep_ratio=0.7,
                            normalization="layernorm", seed=0)
    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((8, 4)), rng.integers(0, 3, size=8)
    loss, grads = net.loss(X, y)
    assert all(g.dtype == np.float32 for g in grads.values())
    assert net.loss(X).dtype == np.float32
    assert all("running_mean" not in p for p in net.bn_params)


# --- regularization ------------------------------------------------------------------------

@pytest.mark.parametrize("normalization", NORMALIZATIONS)
def test_reg_touches_only_the_weight_matrices(normalization):
    kwargs = dict(hidden_dims=[5, 4], input_dim=3, num_classes=3,
                  normalization=normalization, dtype=np.float64, seed=2, weight_scale=0.5)
    plain, regularized = FullyConnectedNet(**kwargs, reg=0.0), FullyConnectedNet(**kwargs, reg=0.7)
    for name in plain.params:  # non-zero biases, gammas and betas
        value = plain.params[name] + 0.1 * np.arange(plain.params[name].size).reshape(
            plain.params[name].shape)
        plain.params[name] = value
        regularized.params[name] = value.copy()
    rng = np.random.default_rng(3)
    X, y = rng.standard_normal((6, 3)), rng.integers(0, 3, size=6)
    loss0, grads0 = plain.loss(X, y)
    loss1, grads1 = regularized.loss(X, y)
    weights = [v for k, v in plain.params.items() if k.startswith("W")]
    assert loss1 == pytest.approx(loss0 + 0.5 * 0.7 * sum(np.sum(w * w) for w in weights),
                                  rel=1e-12)
    for name in plain.params:
        extra = 0.7 * plain.params[name] if name.startswith("W") else 0.0
        np.testing.assert_allclose(grads1[name], grads0[name] + extra, rtol=1e-12, atol=1e-14)


def test_x_is_cast_to_the_dtype_of_the_net():
    net = FullyConnectedNet([4], input_dim=6, num_classes=2, dtype=np.float64, seed=0)
    X = np.arange(12).reshape(2, 3, 2)  # integers, and a non-flat example shape
    scores = net.loss(X)
    assert scores.dtype == np.float64 and scores.shape == (2, 2)
    net32 = FullyConnectedNet([4], input_dim=6, num_classes=2, seed=0)
    assert net32.loss(X.astype(np.float64)).dtype == np.float32
