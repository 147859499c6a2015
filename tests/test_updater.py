"""Tests of solutions/updater.py.

The expected arrays are literal numbers, worked out once from the update formulas with
plain Python floats (a loop over the six entries, independent of numpy and of the code
under test) and pasted here. Three steps check the state carried in config as well.
"""
import numpy as np
import pytest

from solutions import updater

W0 = np.array([[1.0, -2.0, 0.5], [0.0, 3.0, -1.5]])
DWS = [np.array([[0.1, -0.2, 0.3], [-0.4, 0.5, -0.6]]),
       np.array([[0.7, 0.0, -0.8], [0.9, -1.0, 0.25]]),
       np.array([[-0.3, 0.6, 0.05], [0.2, -0.1, 1.2]])]


def rows(values):
    return np.array(values).reshape(2, 3)


def run(rule, config, steps=3):
    """Run `steps` updates from W0 with DWS; return the list of (w, config snapshot)."""
    w, history = W0, []
    for dw in DWS[:steps]:
        w_in = w.copy()
        w_in.flags.writeable = False  # the rule must not write into w
        dw_in = dw.copy()
        dw_in.flags.writeable = False
        w, config = rule(w_in, dw_in, config)
        assert w is not w_in
        history.append((w, {k: (v.copy() if isinstance(v, np.ndarray) else v)
                            for k, v in config.items()}))
    return history


def test_sgd_momentum_three_steps():
    history = run(updater.sgd_momentum, {"learning_rate": 0.1, "momentum": 0.9})
    expected_w = [
        [0.99, -1.98, 0.47, 0.04000000000000001, 2.95, -1.44],
        [0.911, -1.962, 0.523, -0.013999999999999992, 3.0050000000000003, -1.411],
        [0.8699, -2.0058, 0.5657000000000001, -0.08259999999999998, 3.0645000000000002,
         -1.5049000000000001]]
    expected_v = [
        [-0.010000000000000002, 0.020000000000000004, -0.03, 0.04000000000000001, -0.05, 0.06],
        [-0.079, 0.018000000000000006, 0.05300000000000002, -0.054, 0.055,
         0.028999999999999998],
        [-0.0411, -0.04379999999999999, 0.042700000000000016, -0.0686, 0.059500000000000004,
         -0.0939]]
    for (w, config), ew, ev in zip(history, expected_w, expected_v):
        np.testing.assert_allclose(w, rows(ew), rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(config["velocity"], rows(ev), rtol=1e-12, atol=1e-15)


def test_rmsprop_three_steps():
    history = run(updater.rmsprop, {"learning_rate": 0.01, "decay_rate": 0.9,
                                    "epsilon": 1e-8})
    expected_w = [
        [0.968377233398313, -1.9683772283983154, 0.46837722673164917, 0.031622774101683994,
         2.9683772253983163, -1.4683772250649827],
        [0.9370409311286094, -1.9683772283983154, 0.49817078253103353, 0.00248419917436226,
         2.996948653153418, -1.4810936560166887],
        [0.949961646813121, -1.9986663535100326, 0.49621172987071394, -0.004187658512156357,
         2.999946779819514, -1.5094738720062137]]
    expected_cache = [
        [0.001, 0.004, 0.008999999999999998, 0.016, 0.024999999999999994, 0.03599999999999999],
        [0.04989999999999998, 0.0036000000000000003, 0.0721, 0.09539999999999998,
         0.12249999999999997, 0.03864999999999999],
        [0.053909999999999986, 0.03923999999999999, 0.06514, 0.08986, 0.11124999999999997,
         0.17878499999999994]]
    for (w, config), ew, ec in zip(history, expected_w, expected_cache):
        np.testing.assert_allclose(w, rows(ew), rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(config["cache"], rows(ec), rtol=1e-12, atol=1e-15)


def test_adam_three_steps():
    history = run(updater.adam, {"learning_rate": 0.1, "beta1": 0.9, "beta2": 0.999,
                                 "epsilon": 1e-8})
    expected_w = [
        [0.900000009999999, -1.9000000049999997, 0.4000000033333332, 0.09999999750000008,
         2.900000002, -1.4000000016666667],
        [0.8168620776150379, -1.8329941843255584, 0.44616300089699346, 0.059196583329191775,
         2.9366103542405653, -1.3667858983964576],
        [0.7826658861252432, -1.8772389264366045, 0.47805203761404136, 0.015567044458513687,
         2.9704919969970427, -1.4107484415135532]]
    expected_m = [
        [0.009999999999999998, -0.019999999999999997, 0.029999999999999992,
         -0.039999999999999994, 0.04999999999999999, -0.059999999999999984],
        [0.07899999999999997, -0.018, -0.05299999999999999, 0.053999999999999986,
         -0.054999999999999986, -0.02899999999999999],
        [0.04109999999999999, 0.043799999999999985, -0.042699999999999995, 0.0686,
         -0.05949999999999998, 0.09389999999999998]]
    expected_v = [
        [1.0000000000000011e-05, 4.0000000000000044e-05, 9.000000000000007e-05,
         0.00016000000000000018, 0.0002500000000000002, 0.0003600000000000003],
        [0.0004999900000000003, 3.9960000000000044e-05, 0.0007299100000000008,
         0.000969840000000001, 0.001249750000000001, 0.0004221400000000004],
        [0.0005894900100000004, 0.00039992004000000033, 0.0007316800900000008,
         0.0010088701600000011, 0.001258500250000001, 0.0018617178600000015]]
    for step, ((w, config), ew, em, ev) in enumerate(
            zip(history, expected_w, expected_m, expected_v), start=1):
        np.testing.assert_allclose(w, rows(ew), rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(config["m"], rows(em), rtol=1e-12, atol=1e-18)
        np.testing.assert_allclose(config["v"], rows(ev), rtol=1e-12, atol=1e-18)
        assert config["t"] == step


@pytest.mark.parametrize("rule,expected,defaults", [
    (updater.sgd, [0.999, -1.998, 0.497, 0.004, 2.995, -1.494],
     {"learning_rate": 1e-2}),
    (updater.sgd_momentum, [0.999, -1.998, 0.497, 0.004, 2.995, -1.494],
     {"learning_rate": 1e-2, "momentum": 0.9}),
    (updater.rmsprop, [0.9000000999999, -1.900000049999975, 0.40000003333332224,
                       0.09999997500000625, 2.900000019999996, -1.400000016666664],
     {"learning_rate": 1e-2, "decay_rate": 0.99, "epsilon": 1e-8}),
    (updater.adam, [0.9990000001, -1.99900000005, 0.49900000003333334,
                    0.0009999999750000012, 2.99900000002, -1.4990000000166666],
     {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8}),
])
def test_defaults_on_a_first_step(rule, expected, defaults):
    (w, config), = run(rule, None, steps=1)
    np.testing.assert_allclose(w, rows(expected), rtol=1e-12, atol=1e-15)
    for key, value in defaults.items():
        assert config[key] == value


def test_sgd_several_steps():
    history = run(updater.sgd, {"learning_rate": 0.5})
    w = W0.copy()
    for (got, _), dw in zip(history, DWS):
        w = w - 0.5 * dw
        np.testing.assert_allclose(got, w, rtol=1e-14)


def test_given_config_is_updated_and_returned():
    config = {"learning_rate": 0.1}
    _, returned = updater.adam(W0, DWS[0], config)
    assert returned is config
    assert config["t"] == 1 and config["beta1"] == 0.9


@pytest.mark.parametrize("rule", [updater.sgd, updater.sgd_momentum, updater.rmsprop,
                                  updater.adam])
def test_float32_weights_stay_float32(rule):
    w = W0.astype(np.float32)
    config = {"learning_rate": np.float64(0.01)}  # a numpy float64, as from a random search
    for dw in DWS:
        w, config = rule(w, dw.astype(np.float32), config)
        assert w.dtype == np.float32
        for value in config.values():
            if isinstance(value, np.ndarray):
                assert value.dtype == np.float32


def test_adam_state_t_as_numpy_integer_does_not_upcast():
    w = W0.astype(np.float32)
    next_w, config = updater.adam(w, DWS[0].astype(np.float32), {"t": np.int64(4)})
    assert next_w.dtype == np.float32 and config["t"] == 5
