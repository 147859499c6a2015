"""Bad inputs: every public function rejects them with a ValueError or TypeError whose
message names the argument (and says what was expected and what was received)."""
import numpy as np
import pytest

from solutions import bn_layers as bn
from solutions import dropout_layers as dl
from solutions import layers, updater, validation
from solutions.fc_net import FullyConnectedNet

X = np.arange(12.0).reshape(4, 3)
G, B = np.ones(3), np.zeros(3)


# --- mode ------------------------------------------------------------------------------------

@pytest.mark.parametrize("param", [{}, {"mode": "Train"}, {"mode": "eval"}, {"mode": None}])
def test_dropout_mode_missing_or_unknown(param):
    with pytest.raises(ValueError, match="mode") as info:
        dl.dropout_forward(X, {"p": 0.5, **param})
    assert "'train'" in str(info.value) and "'test'" in str(info.value)


@pytest.mark.parametrize("param", [{}, {"mode": "training"}])
def test_batchnorm_mode_missing_or_unknown(param):
    with pytest.raises(ValueError, match="mode") as info:
        bn.batchnorm_forward(X, G, B, param)
    assert "'train'" in str(info.value) and "'test'" in str(info.value)
    with pytest.raises(ValueError, match="mode"):
        bn.spatial_batchnorm_forward(X.reshape(1, 3, 2, 2), G, B, param)
    with pytest.raises(ValueError, match="mode"):
        bn.affine_bn_relu_forward(X, np.ones((3, 3)), B, G, B, param)


# --- dropout's p and implementation ---------------------------------------------------------------

@pytest.mark.parametrize("p", [0, 0.0, -0.1, 1.5, float("nan")])
def test_keep_probability_outside_0_1(p):
    with pytest.raises(ValueError, match=r"\['p'\]") as info:
        dl.dropout_forward(X, {"mode": "train", "p": p})
    assert "KEEPING" in str(info.value)


def test_keep_probability_missing_or_not_a_number():
    with pytest.raises(ValueError, match="KEEPING"):
        dl.dropout_forward(X, {"mode": "train"})
    with pytest.raises(TypeError, match=r"\['p'\]"):
        dl.dropout_forward(X, {"mode": "train", "p": "0.5"})


def test_unknown_dropout_implementation():
    with pytest.raises(ValueError, match="implementation") as info:
        dl.dropout_forward(X, {"mode": "train", "p": 0.5, "implementation": "inverted"})
    assert "upscale_in_train" in str(info.value) and "downgrade_in_infer" in str(info.value)


def test_bad_dropout_seed():
    with pytest.raises(ValueError, match="seed"):
        dl.dropout_forward(X, {"mode": "train", "p": 0.5, "seed": -1})
    with pytest.raises(TypeError, match="seed"):
        dl.dropout_forward(X, {"mode": "train", "p": 0.5, "seed": 1.5})


def test_dropout_param_must_be_a_dict():
    with pytest.raises(TypeError, match="dropout_param"):
        dl.dropout_forward(X, None)
    with pytest.raises(ValueError, match=r"\['p'\]"):
        dl.affine_relu_dropout_forward(X, np.ones((3, 2)), np.zeros(2), {"mode": "train",
                                                                          "p": 2})


# --- shapes -----------------------------------------------------------------------------------

def test_affine_shapes_that_do_not_fit():
    x = np.ones((4, 3, 5))
    with pytest.raises(ValueError, match=r"x of shape \(4, 3, 5\).*w of shape \(12, 7\)"):
        layers.affine_forward(x, np.ones((12, 7)), np.ones(7))
    with pytest.raises(ValueError, match=r"b must have shape \(7,\)"):
        layers.affine_forward(x, np.ones((15, 7)), np.ones(6))
    with pytest.raises(ValueError, match="w must have 2 dimensions"):
        layers.affine_forward(x, np.ones(15), np.ones(7))
    with pytest.raises(ValueError, match="x must have at least 2 dimensions"):
        layers.affine_forward(np.ones(15), np.ones((15, 7)), np.ones(7))
    with pytest.raises(ValueError, match="w"):
        layers.affine_relu_forward(x, np.ones((12, 7)), np.ones(7))


@pytest.mark.parametrize("name,gamma,beta", [("gamma", np.ones(4), B), ("beta", G, np.ones(2)),
                                             ("gamma", np.ones((1, 3)), B)])
def test_gamma_beta_of_the_wrong_shape(name, gamma, beta):
    with pytest.raises(ValueError, match=name):
        bn.batchnorm_forward(X, gamma, beta, {"mode": "train"})
    with pytest.raises(ValueError, match=name):
        bn.layernorm_forward(X, gamma, beta, {})
    with pytest.raises(ValueError, match=name):
        bn.spatial_batchnorm_forward(np.ones((2, 3, 2, 2)), gamma, beta, {"mode": "train"})
    with pytest.raises(ValueError, match=name):
        bn.affine_bn_relu_forward(X, np.ones((3, 3)), B, gamma, beta, {"mode": "train"})


def test_batchnorm_input_dimensions():
    with pytest.raises(ValueError, match="x must have 2 dimensions"):
        bn.batchnorm_forward(np.ones((2, 3, 1)), G, B, {"mode": "train"})
    with pytest.raises(ValueError, match="x must have 4 dimensions"):
        bn.spatial_batchnorm_forward(X, G, B, {"mode": "train"})
    with pytest.raises(ValueError, match="x must hold at least one sample"):
        bn.batchnorm_forward(np.ones((0, 3)), G, B, {"mode": "train"})


def test_running_statistics_of_the_wrong_shape():
    with pytest.raises(ValueError, match="running_var"):
        bn.batchnorm_forward(X, G, B, {"mode": "train", "running_var": np.ones(2)})


# --- test-mode batchnorm ------------------------------------------------------------------------

def test_test_mode_batchnorm_without_running_statistics():
    with pytest.raises(ValueError, match="running_mean"):
        bn.batchnorm_forward(X, G, B, {"mode": "test"})
    with pytest.raises(ValueError, match="running_mean"):
        bn.spatial_batchnorm_forward(X.reshape(1, 3, 2, 2), G, B, {"mode": "test"})
    with pytest.raises(ValueError, match="running_var"):
        bn.batchnorm_forward(X, G, B, {"mode": "test", "running_mean": np.zeros(3)})


def test_backward_after_a_test_mode_forward():
    bn_param = {"mode": "test", "running_mean": np.zeros(3), "running_var": np.ones(3)}
    _, cache = bn.batchnorm_forward(X, G, B, bn_param)
    with pytest.raises(ValueError, match="cache"):
        bn.batchnorm_backward(X, cache)
    with pytest.raises(ValueError, match="cache"):
        bn.batchnorm_backward_alt(X, cache)


@pytest.mark.parametrize("key,value", [("eps", 0), ("eps", -1e-5), ("momentum", 1.5)])
def test_bad_eps_or_momentum(key, value):
    with pytest.raises(ValueError, match=key):
        bn.batchnorm_forward(X, G, B, {"mode": "train", key: value})


def test_bad_layernorm_eps_and_param():
    with pytest.raises(ValueError, match="eps"):
        bn.layernorm_forward(X, G, B, {"eps": 0})
    with pytest.raises(TypeError, match="ln_param"):
        bn.layernorm_forward(X, G, B, None)


# --- labels -----------------------------------------------------------------------------------

@pytest.mark.parametrize("y,error", [
    (np.array([0, 1, 3, 1]), ValueError),         # out of range (3 classes)
    (np.array([0, -1, 2, 1]), ValueError),        # negative
    (np.array([0, 1, 2]), ValueError),            # one label short
    (np.array([[0, 1, 2, 1]]), ValueError),       # not one-dimensional
    (np.array([0.0, 1.0, 2.0, 1.0]), TypeError),  # floats, not integers
    (np.array([True, False, True, False]), TypeError),
    ([0, 1, 2, 1], TypeError),                    # not an array
])
def test_bad_labels(y, error):
    with pytest.raises(error, match="y"):
        layers.softmax_loss(X, y)


def test_bad_labels_in_the_net_leave_its_modes_alone():
    net = FullyConnectedNet([4], input_dim=3, num_classes=3, dropout_keep_ratio=0.5,
                            normalization="batchnorm", seed=0)
    net.loss(X, np.array([0, 1, 2, 0]))  # creates the running statistics
    net.loss(X)  # test mode now
    with pytest.raises(ValueError, match="y"):
        net.loss(X, np.array([0, 1, 2, 3]))
    assert net.dropout_param["mode"] == "test"
    assert net.bn_params[0]["mode"] == "test"


# --- types ------------------------------------------------------------------------------------

@pytest.mark.parametrize("call", [
    lambda bad: layers.affine_forward(bad, np.ones((3, 2)), np.ones(2)),
    lambda bad: layers.relu_forward(bad),
    lambda bad: layers.softmax_loss(bad, np.array([0, 1, 2, 0])),
    lambda bad: dl.dropout_forward(bad, {"mode": "train", "p": 0.5}),
    lambda bad: bn.batchnorm_forward(bad, G, B, {"mode": "train"}),
    lambda bad: bn.layernorm_forward(bad, G, B, {}),
])
@pytest.mark.parametrize("bad,error", [(X.tolist(), "numpy array"),
                                       (X.astype(np.int64), "float")])
def test_x_must_be_a_float_array(call, bad, error):
    with pytest.raises(TypeError, match=f"x must .*{error}"):
        call(bad)


@pytest.mark.parametrize("call", [
    lambda d: layers.relu_backward(d, X),
    lambda d: layers.affine_backward(d, (X, np.ones((3, 3)))),
    lambda d: dl.dropout_backward(d, (None, "test", 1.0, "upscale_in_train")),
])
def test_dout_must_be_a_float_array(call):
    with pytest.raises(TypeError, match="dout"):
        call(X.astype(np.int32))
    with pytest.raises(TypeError, match="dout"):
        call(X.tolist())


def test_gamma_must_be_a_float_array():
    with pytest.raises(TypeError, match="gamma"):
        bn.batchnorm_forward(X, [1.0, 1.0, 1.0], B, {"mode": "train"})
    with pytest.raises(TypeError, match="beta"):
        bn.batchnorm_forward(X, G, np.zeros(3, dtype=int), {"mode": "train"})


def test_bn_param_must_be_a_dict():
    with pytest.raises(TypeError, match="bn_param"):
        bn.batchnorm_forward(X, G, B, "train")


# --- FullyConnectedNet ----------------------------------------------------------------------------

@pytest.mark.parametrize("normalization", ["batch", "BatchNorm", "groupnorm", 1])
def test_unknown_normalization(normalization):
    with pytest.raises(ValueError, match="normalization") as info:
        FullyConnectedNet([4], input_dim=3, normalization=normalization)
    assert all(choice in str(info.value) for choice in ("None", "'batchnorm'", "'layernorm'"))


@pytest.mark.parametrize("weight_scale,error", [(0, ValueError), (-0.1, ValueError),
                                                (float("inf"), ValueError),
                                                ("kaiming", ValueError),
                                                (None, TypeError), ([0.1], TypeError)])
def test_bad_weight_scale(weight_scale, error):
    with pytest.raises(error, match="weight_scale"):
        FullyConnectedNet([4], input_dim=3, weight_scale=weight_scale)


@pytest.mark.parametrize("kwargs,name,error", [
    (dict(dropout_keep_ratio=0), "dropout_keep_ratio", ValueError),
    (dict(dropout_keep_ratio=1.2), "dropout_keep_ratio", ValueError),
    (dict(reg=-1.0), "reg", ValueError),
    (dict(dtype=np.int32), "dtype", TypeError),
    (dict(dtype="banana"), "dtype", TypeError),
    (dict(input_dim=0), "input_dim", ValueError),
    (dict(num_classes=2.5), "num_classes", TypeError),
    (dict(seed=-3), "seed", ValueError),
    (dict(hidden_dims=[4, 0]), r"hidden_dims\[1\]", ValueError),
    (dict(hidden_dims=5), "hidden_dims", TypeError),
])
def test_bad_net_arguments(kwargs, name, error):
    arguments = dict(hidden_dims=[4], input_dim=3)
    arguments.update(kwargs)
    with pytest.raises(error, match=name):
        FullyConnectedNet(**arguments)


def test_net_rejects_inputs_of_the_wrong_size_or_kind():
    net = FullyConnectedNet([4], input_dim=3, num_classes=3, seed=0)
    with pytest.raises(ValueError, match="X"):
        net.loss(np.ones((4, 5)))
    with pytest.raises(TypeError, match="X"):
        net.loss(X.tolist())
    with pytest.raises(TypeError, match="X"):
        net.loss(X.astype(str))


def test_test_mode_net_with_batchnorm_before_training():
    net = FullyConnectedNet([4], input_dim=3, num_classes=3, normalization="batchnorm")
    with pytest.raises(ValueError, match="running_mean"):
        net.loss(X)


# --- updaters ---------------------------------------------------------------------------------

RULES = [updater.sgd, updater.sgd_momentum, updater.rmsprop, updater.adam]


@pytest.mark.parametrize("rule", RULES)
def test_updater_shapes_types_and_config(rule):
    w = np.ones((2, 3))
    with pytest.raises(ValueError, match=r"dw must have shape \(2, 3\)"):
        rule(w, np.ones((3, 2)))
    with pytest.raises(TypeError, match="w must"):
        rule(w.tolist(), np.ones((2, 3)))
    with pytest.raises(TypeError, match="dw must hold floats"):
        rule(w, np.ones((2, 3), dtype=int))
    with pytest.raises(TypeError, match="config"):
        rule(w, np.ones((2, 3)), [("learning_rate", 0.1)])
    with pytest.raises(ValueError, match="learning_rate"):
        rule(w, np.ones((2, 3)), {"learning_rate": -1.0})
    with pytest.raises(TypeError, match="learning_rate"):
        rule(w, np.ones((2, 3)), {"learning_rate": "1e-3"})


@pytest.mark.parametrize("rule,key,value,error", [
    (updater.sgd_momentum, "momentum", 1.0, ValueError),
    (updater.sgd_momentum, "velocity", np.zeros(3), ValueError),
    (updater.rmsprop, "decay_rate", -0.5, ValueError),
    (updater.rmsprop, "epsilon", -1e-8, ValueError),
    (updater.rmsprop, "cache", np.zeros((3, 2)), ValueError),
    (updater.adam, "beta1", 1.0, ValueError),
    (updater.adam, "beta2", 2.0, ValueError),
    (updater.adam, "t", -1, ValueError),
    (updater.adam, "t", 1.5, TypeError),
    (updater.adam, "m", np.zeros((2, 3), dtype=int), TypeError),
])
def test_bad_updater_hyperparameters_and_state(rule, key, value, error):
    with pytest.raises(error, match=key):
        rule(np.ones((2, 3)), np.ones((2, 3)), {key: value})


# --- the helpers' messages ------------------------------------------------------------------------

def test_messages_say_what_was_expected_and_received():
    with pytest.raises(TypeError) as info:
        validation.check_array([1.0], "x", "relu_forward")
    assert str(info.value) == (
        "relu_forward: x must be a numpy array (numpy.ndarray); got [1.0] (list)")
    with pytest.raises(ValueError) as info:
        validation.check_keep_prob(0, "dropout_param['p']", "dropout_forward")
    assert str(info.value) == (
        "dropout_forward: dropout_param['p'] (the probability of KEEPING a unit, not of "
        "dropping it) must be a finite number in (0, 1]; got 0")
    with pytest.raises(ValueError) as info:
        validation.check_labels(np.array([0, 5]), 2, 3, "y", "softmax_loss")
    assert str(info.value) == (
        "softmax_loss: y must hold labels in [0, 2] (3 classes); got the label 5")


def test_valid_values_pass_through():
    assert validation.check_number(np.float64(0.5), "lr") == 0.5
    assert type(validation.check_number(np.float64(0.5), "lr")) is float
    assert validation.check_int(np.int64(3), "t") == 3
    assert validation.check_choice(None, "normalization", (None, "batchnorm")) is None
